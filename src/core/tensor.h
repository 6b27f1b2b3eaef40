// SPDX-License-Identifier: Apache-2.0
// npukit core: Shape and Tensor (dense, row-major, owning a shared 64-byte aligned buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"

namespace npukit {

/// Static shape: every dim >= 0. A rank-0 shape {} is a scalar with one element.
using Shape = std::vector<int64_t>;

/// Hard limit on the elements of one tensor (2^34 ≈ 17e9). Guards against hostile files asking
/// for unbounded allocations; real edge models are far below it.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 34;
/// Hard limit on tensor rank.
inline constexpr size_t kMaxRank = 16;

/// Number of elements, or an kOutOfRange error on negative dims / overflow past kMaxTensorElements.
Expected<int64_t> checked_numel(const Shape& shape);
/// Number of elements of a shape already known to be valid (no checks).
int64_t numel(const Shape& shape);
/// "[1,3,224,224]"
std::string shape_str(const Shape& shape);
/// Row-major strides in elements.
std::vector<int64_t> contiguous_strides(const Shape& shape);

/// Dense tensor. Copies share the buffer (like a shared_ptr); use clone() for a deep copy.
class Tensor {
 public:
  Tensor() = default;
  /// Allocates a zero-filled tensor. The shape must be valid (use Tensor::create for untrusted shapes).
  Tensor(DType dtype, Shape shape);

  /// Allocates after validating the shape against the limits (for shapes read from files).
  static Expected<Tensor> create(DType dtype, Shape shape);
  /// A tensor over `bytes` of someone else's storage: `owner` keeps it alive (shared ownership, aliasing), `data`
  /// points inside it. No allocation of element storage; nbytes() must fit what the owner provides (the caller's
  /// duty, e.g. the runtime's arena planner).
  static Tensor view(std::shared_ptr<std::byte> owner, void* data, DType dtype, Shape shape);
  /// Scalar / 1-D helpers for building small constants.
  template <class T>
  static Tensor scalar(T v) {
    Tensor t(DTypeOf<T>::value, {});
    *t.data<T>() = v;
    return t;
  }
  template <class T>
  static Tensor from_vector(const std::vector<T>& v, Shape shape = {}) {
    if (shape.empty() && v.size() != 1) shape = {static_cast<int64_t>(v.size())};
    Tensor t(DTypeOf<T>::value, std::move(shape));
    for (size_t i = 0; i < v.size() && i < static_cast<size_t>(t.numel()); ++i) t.data<T>()[i] = v[i];
    return t;
  }

  bool empty() const { return !buf_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  size_t rank() const { return shape_.size(); }
  int64_t dim(size_t i) const { return shape_[i]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }

  void* raw() { return buf_ ? buf_.get() : nullptr; }
  const void* raw() const { return buf_ ? buf_.get() : nullptr; }
  template <class T>
  T* data() {
    return static_cast<T*>(raw());
  }
  template <class T>
  const T* data() const {
    return static_cast<const T*>(raw());
  }

  /// Same buffer, new shape with equal element count (no copy).
  Tensor reshaped(Shape shape) const;
  /// Deep copy.
  Tensor clone() const;
  /// Reads element i converted to double / int64 (any numeric dtype); for small constants.
  double get_as_double(int64_t i) const;
  int64_t get_as_int64(int64_t i) const;
  /// Whole tensor as int64 values (for shape-like constants).
  std::vector<int64_t> to_int64_vector() const;
  std::vector<float> to_float_vector() const;
  /// True if dtype, shape and bytes are identical.
  bool bit_equal(const Tensor& other) const;
  friend bool operator==(const Tensor& a, const Tensor& b) { return a.bit_equal(b); }

 private:
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<std::byte> buf_;
};

}  // namespace npukit
