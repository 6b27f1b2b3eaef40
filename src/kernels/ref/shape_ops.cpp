// SPDX-License-Identifier: Apache-2.0
// Reference kernels for data movement and shape computation:
//   Concat Split Slice Reshape Flatten Transpose Squeeze Unsqueeze Gather Shape Constant ConstantOfShape
//   Range Expand Tile Pad
// Data-movement kernels copy whole elements as bytes, so every dtype (incl. f16/f64/bool) works. They rely
// on the outputs being allocated with the inferred shapes but still cross-check sizes, so a mismatch is
// an error rather than an out-of-bounds access.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/slice_axis.h"

namespace npukit::ref {
namespace {

using Bytes = std::byte;

const Bytes* bytes(const Tensor& t) {
  return static_cast<const Bytes*>(t.raw());
}
Bytes* bytes(Tensor& t) {
  return static_cast<Bytes*>(t.raw());
}

Status need(const KernelArgs& a, size_t n_in, size_t n_out = 1) {
  for (size_t i = 0; i < n_in; ++i)
    if (!a.has_input(i)) return a.error(ErrorCode::kInternal, "input ", i, " is missing");
  if (a.outputs.size() < n_out) return a.error(ErrorCode::kInternal, "expected ", n_out, " outputs");
  return Status::Ok();
}

/// Copies all bytes of input 0 into output 0 (Reshape/Flatten/Squeeze/Unsqueeze: same row-major order).
Status copy_same_numel(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 1));
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  if (x.dtype() != y.dtype() || x.numel() != y.numel())
    return a.error(ErrorCode::kInternal, "output ", dtype_name(y.dtype()), shape_str(y.shape()),
                   " does not match input ", dtype_name(x.dtype()), shape_str(x.shape()));
  if (x.nbytes()) std::memcpy(y.raw(), x.raw(), x.nbytes());
  return Status::Ok();
}

Status check_dtype_match(const KernelArgs& a, const Tensor& x, const Tensor& y) {
  if (x.dtype() != y.dtype() || dtype_size(x.dtype()) == 0)
    return a.error(ErrorCode::kInternal, "output dtype ", dtype_name(y.dtype()), " does not match input dtype ",
                   dtype_name(x.dtype()));
  return Status::Ok();
}

int64_t prod(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end && d < s.size(); ++d) p *= s[d];
  return p;
}

/// Normalises an axis; false when out of range.
bool norm_axis(int64_t axis, int64_t rank, int64_t& out) {
  if (axis < -rank || axis >= rank) return false;
  out = axis < 0 ? axis + rank : axis;
  return true;
}

/// Calls f(out_linear, multi_index) for every element of `shape` in row-major order.
template <class F>
void for_each_index(const Shape& shape, F&& f) {
  const int64_t n = numel(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(i, idx);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/// Range for f32: element i = start + i * delta, computed in float.
template <class T>
void fill_range(Tensor& y, T start, T delta) {
  T* p = y.data<T>();
  for (int64_t i = 0; i < y.numel(); ++i) p[i] = static_cast<T>(start + static_cast<T>(i) * delta);
}

}  // namespace

Status ref_Concat(const KernelArgs& a) {
  const size_t n = a.num_inputs();
  if (n == 0) return a.error(ErrorCode::kInternal, "no inputs");
  NPUKIT_RETURN_IF_ERROR(need(a, n));
  Tensor& y = a.out(0);
  const int64_t rank = static_cast<int64_t>(y.rank());
  int64_t axis = 0;
  if (!norm_axis(a.attrs.get_int("axis"), rank, axis)) return a.error(ErrorCode::kInvalidModel, "invalid axis");
  const int64_t outer = prod(y.shape(), 0, axis);
  const size_t es = dtype_size(y.dtype());
  // Per input: bytes of one outer slice = dim(axis) * inner * es.
  std::vector<int64_t> chunk(n);
  int64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    const Tensor& x = a.in(i);
    NPUKIT_RETURN_IF_ERROR(check_dtype_match(a, x, y));
    if (x.rank() != y.rank() || prod(x.shape(), 0, axis) != outer)
      return a.error(ErrorCode::kShapeMismatch, "input ", i, " shape ", shape_str(x.shape()), " does not fit output ",
                     shape_str(y.shape()));
    chunk[i] = (outer == 0 ? 0 : x.numel() / outer) * static_cast<int64_t>(es);
    total += x.numel();
  }
  if (total != y.numel()) return a.error(ErrorCode::kInternal, "input sizes do not add up to the output size");
  Bytes* dst = bytes(y);
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < n; ++i) {
      if (chunk[i] == 0) continue;
      std::memcpy(dst, bytes(a.in(i)) + o * chunk[i], chunk[i]);
      dst += chunk[i];
    }
  return Status::Ok();
}

Status ref_Split(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 1, 1));
  const Tensor& x = a.in(0);
  int64_t axis = 0;
  if (!norm_axis(a.attrs.get_int("axis"), static_cast<int64_t>(x.rank()), axis))
    return a.error(ErrorCode::kInvalidModel, "invalid axis");
  const int64_t outer = prod(x.shape(), 0, axis);
  const size_t es = dtype_size(x.dtype());
  int64_t total = 0;
  for (size_t k = 0; k < a.outputs.size(); ++k) {
    const Tensor& y = a.out(k);
    NPUKIT_RETURN_IF_ERROR(check_dtype_match(a, x, y));
    if (y.rank() != x.rank() || prod(y.shape(), 0, axis) != outer ||
        prod(y.shape(), axis + 1, y.rank()) != prod(x.shape(), axis + 1, x.rank()))
      return a.error(ErrorCode::kInternal, "output ", k, " shape ", shape_str(y.shape()), " does not fit input ",
                     shape_str(x.shape()));
    total += y.numel();
  }
  if (total != x.numel()) return a.error(ErrorCode::kInternal, "output sizes do not add up to the input size");
  const Bytes* src = bytes(x);
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < a.outputs.size(); ++k) {
      Tensor& y = a.out(k);
      const int64_t chunk = (outer == 0 ? 0 : y.numel() / outer) * static_cast<int64_t>(es);
      if (chunk == 0) continue;
      std::memcpy(bytes(y) + o * chunk, src, chunk);
      src += chunk;
    }
  return Status::Ok();
}

Status ref_Slice(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 3));
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  NPUKIT_RETURN_IF_ERROR(check_dtype_match(a, x, y));
  const int64_t rank = static_cast<int64_t>(x.rank());
  const auto starts = a.in(1).to_int64_vector();
  const auto ends = a.in(2).to_int64_vector();
  std::vector<int64_t> axes, steps(starts.size(), 1);
  if (a.has_input(3))
    axes = a.in(3).to_int64_vector();
  else
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (a.has_input(4)) steps = a.in(4).to_int64_vector();
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return a.error(ErrorCode::kShapeMismatch, "starts/ends/axes/steps lengths differ");
  // Per-axis first index and step (identity for axes not sliced); same clamping as infer_Slice.
  std::vector<int64_t> first(rank, 0), step(rank, 1);
  Shape expect = x.shape();
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t ax = 0;
    if (!norm_axis(axes[i], rank, ax) || steps[i] == 0) return a.error(ErrorCode::kInvalidModel, "invalid axes/steps");
    const int64_t dim = x.dim(ax), st = steps[i];
    expect[ax] = ref::slice_axis(dim, starts[i], ends[i], st, &first[ax]);
    step[ax] = st;
  }
  if (expect != y.shape())
    return a.error(ErrorCode::kInternal, "output shape ", shape_str(y.shape()), " differs from slice shape ",
                   shape_str(expect));
  const auto strides = contiguous_strides(x.shape());
  const size_t es = dtype_size(x.dtype());
  const Bytes* src = bytes(x);
  Bytes* dst = bytes(y);
  for_each_index(y.shape(), [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (int64_t d = 0; d < rank; ++d) off += (first[d] + idx[d] * step[d]) * strides[d];
    std::memcpy(dst + i * es, src + off * es, es);
  });
  return Status::Ok();
}

Status ref_Reshape(const KernelArgs& a) {
  return copy_same_numel(a);
}
Status ref_Flatten(const KernelArgs& a) {
  return copy_same_numel(a);
}
Status ref_Squeeze(const KernelArgs& a) {
  return copy_same_numel(a);
}
Status ref_Unsqueeze(const KernelArgs& a) {
  return copy_same_numel(a);
}

Status ref_Transpose(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 1));
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  NPUKIT_RETURN_IF_ERROR(check_dtype_match(a, x, y));
  const size_t rank = x.rank();
  std::vector<int64_t> perm(rank);
  if (a.attrs.has("perm"))
    perm = a.attrs.get_ints("perm");
  else
    for (size_t d = 0; d < rank; ++d) perm[d] = static_cast<int64_t>(rank - 1 - d);
  if (perm.size() != rank || y.rank() != rank) return a.error(ErrorCode::kInvalidModel, "perm does not match rank");
  for (size_t d = 0; d < rank; ++d)
    if (perm[d] < 0 || perm[d] >= static_cast<int64_t>(rank) || y.dim(d) != x.dim(perm[d]))
      return a.error(ErrorCode::kInternal, "output shape does not match the permutation");
  const auto xs = contiguous_strides(x.shape());
  const size_t es = dtype_size(x.dtype());
  const Bytes* src = bytes(x);
  Bytes* dst = bytes(y);
  for_each_index(y.shape(), [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (size_t d = 0; d < rank; ++d) off += idx[d] * xs[perm[d]];
    std::memcpy(dst + i * es, src + off * es, es);
  });
  return Status::Ok();
}

Status ref_Gather(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 2));
  const Tensor& x = a.in(0);
  const Tensor& ind = a.in(1);
  Tensor& y = a.out(0);
  NPUKIT_RETURN_IF_ERROR(check_dtype_match(a, x, y));
  if (ind.dtype() != DType::kI64 && ind.dtype() != DType::kI32)
    return a.error(ErrorCode::kShapeMismatch, "indices must be i32 or i64");
  int64_t axis = 0;
  if (!norm_axis(a.attrs.get_int("axis"), static_cast<int64_t>(x.rank()), axis))
    return a.error(ErrorCode::kInvalidModel, "invalid axis");
  const int64_t outer = prod(x.shape(), 0, axis), dim = x.dim(axis), inner = prod(x.shape(), axis + 1, x.rank());
  const int64_t ni = ind.numel();
  if (y.numel() != outer * ni * inner) return a.error(ErrorCode::kInternal, "output size does not match");
  const size_t es = dtype_size(x.dtype());
  const int64_t row = inner * static_cast<int64_t>(es);
  const Bytes* src = bytes(x);
  Bytes* dst = bytes(y);
  // Validate every index first, so an error leaves no partial semantics to reason about.
  std::vector<int64_t> idx(ni);
  for (int64_t j = 0; j < ni; ++j) {
    int64_t v = ind.get_as_int64(j);
    if (v < -dim || v >= dim)
      return a.error(ErrorCode::kOutOfRange, "index ", v, " is out of range for axis ", axis, " of size ", dim);
    idx[j] = v < 0 ? v + dim : v;
  }
  if (row == 0) return Status::Ok();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < ni; ++j) std::memcpy(dst + (o * ni + j) * row, src + (o * dim + idx[j]) * row, row);
  return Status::Ok();
}

Status ref_Shape(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 1));
  const Shape& s = a.in(0).shape();
  const int64_t rank = static_cast<int64_t>(s.size());
  auto clampi = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t b = clampi(a.attrs.get_int("start"));
  const int64_t e = a.attrs.has("end") ? clampi(a.attrs.get_int("end")) : rank;
  Tensor& y = a.out(0);
  const int64_t n = std::max<int64_t>(e - b, 0);
  if (y.dtype() != DType::kI64 || y.numel() != n) return a.error(ErrorCode::kInternal, "output must be i64[", n, "]");
  for (int64_t i = 0; i < n; ++i) y.data<int64_t>()[i] = s[b + i];
  return Status::Ok();
}

Status ref_Constant(const KernelArgs& a) {
  if (a.outputs.empty()) return a.error(ErrorCode::kInternal, "no output");
  Tensor& y = a.out(0);
  if (const Tensor* v = a.attrs.get_tensor("value")) {
    if (v->dtype() != y.dtype() || v->shape() != y.shape())
      return a.error(ErrorCode::kInternal, "output does not match attribute 'value'");
    if (v->nbytes()) std::memcpy(y.raw(), v->raw(), v->nbytes());
    return Status::Ok();
  }
  if (a.attrs.has("value_float") && y.dtype() == DType::kF32 && y.numel() == 1) {
    y.data<float>()[0] = a.attrs.get_float("value_float");
    return Status::Ok();
  }
  if (a.attrs.has("value_int") && y.dtype() == DType::kI64 && y.numel() == 1) {
    y.data<int64_t>()[0] = a.attrs.get_int("value_int");
    return Status::Ok();
  }
  if (a.attrs.has("value_floats") && y.dtype() == DType::kF32) {
    const auto v = a.attrs.get_floats("value_floats");
    if (static_cast<int64_t>(v.size()) != y.numel()) return a.error(ErrorCode::kInternal, "output size mismatch");
    std::copy(v.begin(), v.end(), y.data<float>());
    return Status::Ok();
  }
  if (a.attrs.has("value_ints") && y.dtype() == DType::kI64) {
    const auto v = a.attrs.get_ints("value_ints");
    if (static_cast<int64_t>(v.size()) != y.numel()) return a.error(ErrorCode::kInternal, "output size mismatch");
    std::copy(v.begin(), v.end(), y.data<int64_t>());
    return Status::Ok();
  }
  return a.error(ErrorCode::kUnsupportedAttr, "no supported value attribute (value, value_float(s), value_int(s))");
}

Status ref_ConstantOfShape(const KernelArgs& a) {
  if (a.outputs.empty()) return a.error(ErrorCode::kInternal, "no output");
  Tensor& y = a.out(0);
  const Tensor* v = a.attrs.get_tensor("value");
  if (!v) {
    if (y.dtype() != DType::kF32) return a.error(ErrorCode::kInternal, "output must be f32 without 'value'");
    return Status::Ok();  // Tensor storage is zero-filled: f32 0.0 is all-zero bits.
  }
  if (v->dtype() != y.dtype() || v->numel() != 1) return a.error(ErrorCode::kInternal, "output does not match 'value'");
  const size_t es = dtype_size(y.dtype());
  Bytes* dst = bytes(y);
  for (int64_t i = 0; i < y.numel(); ++i) std::memcpy(dst + i * es, v->raw(), es);
  return Status::Ok();
}

Status ref_Range(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 3));
  Tensor& y = a.out(0);
  const DType t = a.in(0).dtype();
  if (y.dtype() != t || y.rank() != 1) return a.error(ErrorCode::kInternal, "output must be 1-D ", dtype_name(t));
  for (size_t i = 0; i < 3; ++i)
    if (a.in(i).dtype() != t || a.in(i).numel() != 1) return a.error(ErrorCode::kShapeMismatch, "bad scalar input");
  // Element i is start + i * delta (as the ONNX reference loop), computed in the output type; the count
  // came from infer_Range.
  switch (t) {
    case DType::kF32: fill_range<float>(y, a.in(0).data<float>()[0], a.in(2).data<float>()[0]); break;
    case DType::kI16: {
      // int16 arithmetic promotes to int: values stay within [start, limit], so the narrowing is exact.
      int16_t* p = y.data<int16_t>();
      const int64_t s = a.in(0).data<int16_t>()[0], d = a.in(2).data<int16_t>()[0];
      for (int64_t i = 0; i < y.numel(); ++i) p[i] = static_cast<int16_t>(s + i * d);
      break;
    }
    case DType::kI32: {
      int32_t* p = y.data<int32_t>();
      const int64_t s = a.in(0).data<int32_t>()[0], d = a.in(2).data<int32_t>()[0];
      for (int64_t i = 0; i < y.numel(); ++i) p[i] = static_cast<int32_t>(s + i * d);
      break;
    }
    case DType::kI64: {
      // Values lie between start and limit, so start + i*delta cannot overflow; use unsigned math anyway
      // to keep the intermediate product defined.
      int64_t* p = y.data<int64_t>();
      const uint64_t s = static_cast<uint64_t>(a.in(0).data<int64_t>()[0]);
      const uint64_t d = static_cast<uint64_t>(a.in(2).data<int64_t>()[0]);
      for (int64_t i = 0; i < y.numel(); ++i) p[i] = static_cast<int64_t>(s + static_cast<uint64_t>(i) * d);
      break;
    }
    default: return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(t), " is not supported");
  }
  return Status::Ok();
}

Status ref_Expand(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 1));
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  NPUKIT_RETURN_IF_ERROR(check_dtype_match(a, x, y));
  const size_t r = y.rank();
  if (x.rank() > r) return a.error(ErrorCode::kInternal, "output rank is smaller than input rank");
  const size_t lead = r - x.rank();
  const auto xs = contiguous_strides(x.shape());
  std::vector<int64_t> stride(r, 0);
  for (size_t d = 0; d < x.rank(); ++d) {
    if (x.dim(d) != 1 && x.dim(d) != y.dim(lead + d))
      return a.error(ErrorCode::kInternal, "input does not broadcast to the output");
    stride[lead + d] = x.dim(d) == 1 ? 0 : xs[d];
  }
  const size_t es = dtype_size(x.dtype());
  for_each_index(y.shape(), [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (size_t d = 0; d < r; ++d) off += idx[d] * stride[d];
    std::memcpy(bytes(y) + i * es, bytes(x) + off * es, es);
  });
  return Status::Ok();
}

Status ref_Tile(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 1));
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  NPUKIT_RETURN_IF_ERROR(check_dtype_match(a, x, y));
  const size_t r = x.rank();
  if (y.rank() != r) return a.error(ErrorCode::kInternal, "output rank differs from input rank");
  for (size_t d = 0; d < r; ++d)
    if ((x.dim(d) == 0 && y.dim(d) != 0) || (x.dim(d) != 0 && y.dim(d) % x.dim(d) != 0))
      return a.error(ErrorCode::kInternal, "output shape is not a tiling of the input");
  const auto xs = contiguous_strides(x.shape());
  const size_t es = dtype_size(x.dtype());
  for_each_index(y.shape(), [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (size_t d = 0; d < r; ++d) off += (idx[d] % x.dim(d)) * xs[d];
    std::memcpy(bytes(y) + i * es, bytes(x) + off * es, es);
  });
  return Status::Ok();
}

Status ref_Pad(const KernelArgs& a) {
  NPUKIT_RETURN_IF_ERROR(need(a, 2));
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  NPUKIT_RETURN_IF_ERROR(check_dtype_match(a, x, y));
  const size_t r = x.rank();
  const auto pads = a.in(1).to_int64_vector();
  if (pads.size() != 2 * r || y.rank() != r) return a.error(ErrorCode::kShapeMismatch, "pads do not match rank");
  for (size_t d = 0; d < r; ++d)
    if (y.dim(d) != x.dim(d) + pads[d] + pads[d + r]) return a.error(ErrorCode::kInternal, "output shape mismatch");
  const std::string mode = a.attrs.get_string("mode");
  enum { kConstant, kReflect, kEdge } m;
  if (mode == "constant")
    m = kConstant;
  else if (mode == "reflect")
    m = kReflect;
  else if (mode == "edge")
    m = kEdge;
  else
    return a.error(ErrorCode::kUnsupportedAttr, "attribute 'mode'=\"", mode, "\" is not supported");
  const size_t es = dtype_size(x.dtype());
  std::vector<std::byte> fill(es, std::byte{0});  // default constant_value is 0 of the dtype (all-zero bits)
  if (a.has_input(2)) {
    if (a.in(2).dtype() != x.dtype() || a.in(2).numel() != 1)
      return a.error(ErrorCode::kShapeMismatch, "constant_value must be a scalar of the data dtype");
    std::memcpy(fill.data(), a.in(2).raw(), es);
  }
  const auto xs = contiguous_strides(x.shape());
  for_each_index(y.shape(), [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    bool outside = false;
    for (size_t d = 0; d < r; ++d) {
      // Source coordinate; negative pads (cropping) simply shift it. reflect/edge map outside
      // coordinates relative to the ORIGINAL input edges (crop and pad on one axis don't interact
      // for sane models; ONNX does not specify the mixed case).
      int64_t s = idx[d] - pads[d];
      const int64_t n = x.dim(d);
      if (s < 0 || s >= n) {
        if (m == kConstant || n == 0) {
          outside = true;
          break;
        }
        if (m == kEdge) {
          s = s < 0 ? 0 : n - 1;
        } else if (n == 1) {
          s = 0;
        } else {
          // numpy 'reflect' (edge not repeated), periodic with period 2(n-1) for pads >= n.
          const int64_t p = 2 * (n - 1);
          s %= p;
          if (s < 0) s += p;
          if (s >= n) s = p - s;
        }
      }
      off += s * xs[d];
    }
    std::memcpy(bytes(y) + i * es, outside ? fill.data() : bytes(x) + off * es, es);
  });
  return Status::Ok();
}

}  // namespace npukit::ref
