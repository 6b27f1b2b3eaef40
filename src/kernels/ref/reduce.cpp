// SPDX-License-Identifier: Apache-2.0
// Reference kernels for reductions and normalising activations:
//   ReduceMean ReduceSum ReduceMax ReduceMin ArgMax ArgMin Softmax LogSoftmax
// f32 sums accumulate in double (the reference should be more accurate than the executors it checks);
// integer sums wrap modulo 2^64 then narrow, integer means truncate toward zero (numpy mean + astype).
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_util.h"

namespace npukit::ref {
namespace {

enum class Red : uint8_t { kSum, kMean, kMax, kMin };

/// Builds the reduced-axes mask (empty axes = all); false on out-of-range or repeated axes.
bool make_mask(const std::vector<int64_t>& axes, size_t rank, std::vector<bool>& mask) {
  mask.assign(rank, axes.empty());
  const int64_t r = static_cast<int64_t>(rank);
  for (int64_t ax : axes) {
    if (ax < -r || ax >= r) return false;
    const int64_t n = ax < 0 ? ax + r : ax;
    if (mask[n]) return false;
    mask[n] = true;
  }
  return true;
}

Status reduce_kernel(const KernelArgs& a, Red op, const std::vector<int64_t>& axes) {
  if (!a.has_input(0) || a.outputs.empty()) return a.error(ErrorCode::kInternal, "missing input or output");
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  std::vector<bool> mask;
  if (!make_mask(axes, x.rank(), mask)) return a.error(ErrorCode::kInvalidModel, "invalid axes");
  const Shape& in = x.shape();
  // Output strides over the input's index space: 0 along reduced axes (keepdims only changes the shape).
  std::vector<int64_t> ostride(in.size(), 0);
  int64_t out_n = 1, count = 1;
  for (size_t d = in.size(); d-- > 0;) {
    if (mask[d]) {
      count *= in[d];
    } else {
      ostride[d] = out_n;
      out_n *= in[d];
    }
  }
  if (y.numel() != out_n || y.dtype() != x.dtype())
    return a.error(ErrorCode::kInternal, "output tensor does not match the reduction of ", shape_str(in));
  const DType t = x.dtype();
  bool ok = visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    // Accumulator: double for f32, wrapping uint64 for integer sums, T itself for max/min.
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;
    std::vector<Acc> sum;
    std::vector<T> ext;
    if (op == Red::kSum || op == Red::kMean) {
      sum.assign(out_n, Acc{0});
    } else {
      // Identity of max/min: -inf/+inf for floats, lowest/max for integers (what ONNX 18 specifies for
      // empty reductions).
      T init;
      if constexpr (std::is_floating_point_v<T>)
        init = op == Red::kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
      else
        init = op == Red::kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
      ext.assign(out_n, init);
    }
    const T* px = x.data<T>();
    const int64_t n = x.numel();
    std::vector<int64_t> idx(in.size(), 0);
    int64_t o = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T v = px[i];
      switch (op) {
        case Red::kSum:
        case Red::kMean: sum[o] += static_cast<Acc>(v); break;
        case Red::kMax:
          if constexpr (std::is_floating_point_v<T>) {
            if (v > ext[o] || std::isnan(v)) ext[o] = std::isnan(ext[o]) ? ext[o] : v;  // NaN sticks
          } else if (v > ext[o]) {
            ext[o] = v;
          }
          break;
        case Red::kMin:
          if constexpr (std::is_floating_point_v<T>) {
            if (v < ext[o] || std::isnan(v)) ext[o] = std::isnan(ext[o]) ? ext[o] : v;
          } else if (v < ext[o]) {
            ext[o] = v;
          }
          break;
      }
      for (size_t d = in.size(); d-- > 0;) {
        ++idx[d];
        o += ostride[d];
        if (idx[d] < in[d]) break;
        o -= ostride[d] * in[d];
        idx[d] = 0;
      }
    }
    T* py = y.data<T>();
    for (int64_t j = 0; j < out_n; ++j) {
      if (op == Red::kMax || op == Red::kMin) {
        py[j] = ext[j];
      } else if constexpr (std::is_floating_point_v<T>) {
        // Mean over an empty set is 0/0 = NaN, as numpy.
        py[j] = static_cast<T>(op == Red::kMean ? sum[j] / static_cast<double>(count) : sum[j]);
      } else {
        const T s = static_cast<T>(sum[j]);  // modular narrowing
        if (op == Red::kMean) {
          // Exact integer mean truncated toward zero; computed on the wrapped sum, so it is only exact
          // when the sum fits in T (true for every realistic shape computation).
          py[j] = count == 0 ? T{0} : static_cast<T>(static_cast<int64_t>(s) / count);
        } else {
          py[j] = s;
        }
      }
    }
  });
  if (!ok) return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(t), " is not supported");
  return Status::Ok();
}

/// outer × axis × inner decomposition of a shape around one axis.
struct AxisSplit {
  int64_t outer = 1, len = 1, inner = 1;
};

bool split_at(const Shape& s, int64_t axis, AxisSplit& out) {
  const int64_t r = static_cast<int64_t>(s.size());
  if (axis < -r || axis >= r) return false;
  if (axis < 0) axis += r;
  out = AxisSplit{};
  for (int64_t d = 0; d < r; ++d) {
    if (d < axis)
      out.outer *= s[d];
    else if (d == axis)
      out.len = s[d];
    else
      out.inner *= s[d];
  }
  return true;
}

Status arg_kernel(const KernelArgs& a, bool is_max) {
  if (!a.has_input(0) || a.outputs.empty()) return a.error(ErrorCode::kInternal, "missing input or output");
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  AxisSplit sp;
  if (!split_at(x.shape(), a.attrs.get_int("axis"), sp)) return a.error(ErrorCode::kInvalidModel, "invalid axis");
  if (sp.len == 0) return a.error(ErrorCode::kShapeMismatch, "arg-extremum over an empty axis");
  if (y.dtype() != DType::kI64 || y.numel() != sp.outer * sp.inner)
    return a.error(ErrorCode::kInternal, "output tensor does not match");
  const bool last = a.attrs.get_int("select_last_index") != 0;
  const DType t = x.dtype();
  int64_t* py = y.data<int64_t>();
  bool ok = visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    // `better(v, best)`: strictly better, or equal and select_last_index. NaN counts as the extremum
    // for both ArgMax and ArgMin (numpy returns the first NaN).
    auto strictly = [&](T v, T b) {
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(b)) return false;
        if (std::isnan(v)) return true;
      }
      return is_max ? v > b : v < b;
    };
    auto equal = [&](T v, T b) {
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(v) && std::isnan(b)) return true;
      }
      return v == b;
    };
    for (int64_t o = 0; o < sp.outer; ++o) {
      for (int64_t in = 0; in < sp.inner; ++in) {
        const T* p = px + o * sp.len * sp.inner + in;
        int64_t best_i = 0;
        T best = p[0];
        for (int64_t k = 1; k < sp.len; ++k) {
          const T v = p[k * sp.inner];
          if (strictly(v, best) || (last && equal(v, best))) {
            best = v;
            best_i = k;
          }
        }
        py[o * sp.inner + in] = best_i;
      }
    }
  });
  if (!ok) return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(t), " is not supported");
  return Status::Ok();
}

Status softmax_kernel(const KernelArgs& a, bool log) {
  if (!a.has_input(0) || a.outputs.empty()) return a.error(ErrorCode::kInternal, "missing input or output");
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  if (x.dtype() != DType::kF32 || y.dtype() != DType::kF32 || y.numel() != x.numel())
    return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(x.dtype()), " is not supported (f32 only)");
  AxisSplit sp;
  if (!split_at(x.shape(), a.attrs.get_int("axis"), sp)) return a.error(ErrorCode::kInvalidModel, "invalid axis");
  const float* px = x.data<float>();
  float* py = y.data<float>();
  for (int64_t o = 0; o < sp.outer; ++o) {
    for (int64_t in = 0; in < sp.inner; ++in) {
      const int64_t base = o * sp.len * sp.inner + in;
      // Subtracting the max keeps exp() in (0, 1]: no overflow for large logits.
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < sp.len; ++k) m = std::max(m, px[base + k * sp.inner]);
      double s = 0;
      for (int64_t k = 0; k < sp.len; ++k) s += std::exp(static_cast<double>(px[base + k * sp.inner]) - m);
      const double ls = std::log(s);
      for (int64_t k = 0; k < sp.len; ++k) {
        const double z = static_cast<double>(px[base + k * sp.inner]) - m;
        py[base + k * sp.inner] = static_cast<float>(log ? z - ls : std::exp(z) / s);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status ref_ReduceMean(const KernelArgs& a) {
  return reduce_kernel(a, Red::kMean, a.attrs.get_ints("axes"));
}
Status ref_ReduceMax(const KernelArgs& a) {
  return reduce_kernel(a, Red::kMax, a.attrs.get_ints("axes"));
}
Status ref_ReduceMin(const KernelArgs& a) {
  return reduce_kernel(a, Red::kMin, a.attrs.get_ints("axes"));
}

Status ref_ReduceSum(const KernelArgs& a) {
  std::vector<int64_t> axes;
  if (a.has_input(1)) axes = a.in(1).to_int64_vector();
  if (axes.empty() && a.attrs.get_int("noop_with_empty_axes") != 0) {
    if (!a.has_input(0) || a.outputs.empty() || a.out(0).nbytes() != a.in(0).nbytes())
      return a.error(ErrorCode::kInternal, "output tensor does not match the input");
    if (a.in(0).nbytes()) std::memcpy(a.out(0).raw(), a.in(0).raw(), a.in(0).nbytes());
    return Status::Ok();
  }
  return reduce_kernel(a, Red::kSum, axes);
}

Status ref_ArgMax(const KernelArgs& a) {
  return arg_kernel(a, true);
}
Status ref_ArgMin(const KernelArgs& a) {
  return arg_kernel(a, false);
}
Status ref_Softmax(const KernelArgs& a) {
  return softmax_kernel(a, false);
}
Status ref_LogSoftmax(const KernelArgs& a) {
  return softmax_kernel(a, true);
}

}  // namespace npukit::ref
