// SPDX-License-Identifier: Apache-2.0
#include "core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

namespace npukit {

Expected<int64_t> checked_numel(const Shape& shape) {
  if (shape.size() > kMaxRank)
    return make_error(ErrorCode::kOutOfRange, "rank ", shape.size(), " exceeds the limit ", kMaxRank);
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return make_error(ErrorCode::kOutOfRange, "negative dimension ", d, " in shape ", shape_str(shape));
    if (d != 0 && n > kMaxTensorElements / d)
      return make_error(ErrorCode::kOutOfRange, "shape ", shape_str(shape), " has more than ", kMaxTensorElements,
                        " elements");
    n *= d;
  }
  return n;
}

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_str(const Shape& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? "," : "") << shape[i];
  os << ']';
  return os.str();
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

namespace {
std::shared_ptr<std::byte> alloc_aligned(size_t bytes) {
  size_t n = (bytes + 63) / 64 * 64;
  if (n == 0) n = 64;
  void* p = std::aligned_alloc(64, n);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, n);
  return std::shared_ptr<std::byte>(static_cast<std::byte*>(p), [](std::byte* q) { std::free(q); });
}
}  // namespace

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  numel_ = ::npukit::numel(shape_);
  buf_ = alloc_aligned(nbytes());
}

Expected<Tensor> Tensor::create(DType dtype, Shape shape) {
  if (dtype_size(dtype) == 0)
    return make_error(ErrorCode::kUnsupportedAttr, "cannot allocate a tensor of dtype ", dtype_name(dtype));
  NPUKIT_ASSIGN_OR_RETURN(int64_t n, checked_numel(shape));
  (void)n;
  try {
    return Tensor(dtype, std::move(shape));
  } catch (const std::bad_alloc&) {
    return make_error(ErrorCode::kOutOfRange, "out of memory allocating ", n, " elements");
  }
}

Tensor Tensor::view(std::shared_ptr<std::byte> owner, void* data, DType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = ::npukit::numel(t.shape_);
  t.buf_ = std::shared_ptr<std::byte>(std::move(owner), static_cast<std::byte*>(data));
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  Tensor t = *this;
  t.shape_ = std::move(shape);
  t.numel_ = ::npukit::numel(t.shape_);
  return t;
}

Tensor Tensor::clone() const {
  if (empty()) return Tensor();
  Tensor t(dtype_, shape_);
  std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

double Tensor::get_as_double(int64_t i) const {
  switch (dtype_) {
    case DType::kF32: return data<float>()[i];
    case DType::kF16: return f16_to_f32(data<uint16_t>()[i]);
    case DType::kF64: return data<double>()[i];
    case DType::kI8: return data<int8_t>()[i];
    case DType::kU8: return data<uint8_t>()[i];
    case DType::kI16: return data<int16_t>()[i];
    case DType::kU16: return data<uint16_t>()[i];
    case DType::kI32: return data<int32_t>()[i];
    case DType::kU32: return data<uint32_t>()[i];
    case DType::kI64: return static_cast<double>(data<int64_t>()[i]);
    case DType::kU64: return static_cast<double>(data<uint64_t>()[i]);
    case DType::kBool: return data<uint8_t>()[i] ? 1.0 : 0.0;
    default: return 0.0;
  }
}

int64_t Tensor::get_as_int64(int64_t i) const {
  switch (dtype_) {
    case DType::kI64: return data<int64_t>()[i];
    case DType::kU64: return static_cast<int64_t>(data<uint64_t>()[i]);
    case DType::kI32: return data<int32_t>()[i];
    case DType::kU32: return data<uint32_t>()[i];
    case DType::kI16: return data<int16_t>()[i];
    case DType::kU16: return data<uint16_t>()[i];
    case DType::kI8: return data<int8_t>()[i];
    case DType::kU8: return data<uint8_t>()[i];
    case DType::kBool: return data<uint8_t>()[i] ? 1 : 0;
    default: return static_cast<int64_t>(get_as_double(i));
  }
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  std::vector<int64_t> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) v[i] = get_as_int64(i);
  return v;
}

std::vector<float> Tensor::to_float_vector() const {
  std::vector<float> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) v[i] = static_cast<float>(get_as_double(i));
  return v;
}

bool Tensor::bit_equal(const Tensor& o) const {
  if (dtype_ != o.dtype_ || shape_ != o.shape_) return false;
  if (nbytes() == 0) return true;
  return std::memcmp(raw(), o.raw(), nbytes()) == 0;
}

}  // namespace npukit
