// SPDX-License-Identifier: Apache-2.0
// Reference kernels for the broadcasting binary / variadic family:
//   PRelu Add Sub Mul Div Pow Max Min Sum Equal Greater Less GreaterOrEqual LessOrEqual And Or Where
// Integer arithmetic wraps modulo 2^bits (numpy behaviour) instead of hitting C++ signed-overflow UB;
// integer Div truncates toward zero like C++ `/` and reports division by zero as an error.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_util.h"

namespace npukit::ref {
namespace {

/// Iterates the elements of a broadcast output, tracking the matching element offset of each input.
class BroadcastLoop {
 public:
  /// Returns false if some input shape does not broadcast to `out`.
  bool init(const Shape& out, const std::vector<const Shape*>& ins) {
    out_ = out;
    strides_.assign(ins.size(), std::vector<int64_t>(out.size(), 0));
    for (size_t k = 0; k < ins.size(); ++k) {
      const Shape& s = *ins[k];
      if (s.size() > out.size()) return false;
      const size_t lead = out.size() - s.size();
      int64_t stride = 1;
      for (size_t d = s.size(); d-- > 0;) {
        if (s[d] != out[lead + d] && s[d] != 1) return false;
        strides_[k][lead + d] = s[d] == 1 ? 0 : stride;
        stride *= s[d];
      }
    }
    return true;
  }

  /// Calls f(out_index, offsets) for every output element in row-major order.
  template <class F>
  void run(F&& f) const {
    const int64_t n = numel(out_);
    const size_t rank = out_.size();
    std::vector<int64_t> idx(rank, 0), off(strides_.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
      f(i, off.data());
      for (size_t d = rank; d-- > 0;) {
        ++idx[d];
        for (size_t k = 0; k < off.size(); ++k) off[k] += strides_[k][d];
        if (idx[d] < out_[d]) break;
        for (size_t k = 0; k < off.size(); ++k) off[k] -= strides_[k][d] * out_[d];
        idx[d] = 0;
      }
    }
  }

 private:
  Shape out_;
  std::vector<std::vector<int64_t>> strides_;
};

Status init_loop(const KernelArgs& a, size_t first, size_t last, BroadcastLoop& loop) {
  if (a.outputs.empty()) return a.error(ErrorCode::kInternal, "no output tensor");
  std::vector<const Shape*> shapes;
  for (size_t i = first; i < last; ++i) {
    if (!a.has_input(i)) return a.error(ErrorCode::kInternal, "input ", i, " is missing");
    shapes.push_back(&a.in(i).shape());
  }
  if (!loop.init(a.out(0).shape(), shapes))
    return a.error(ErrorCode::kShapeMismatch, "input shapes do not broadcast to output shape ",
                   shape_str(a.out(0).shape()));
  return Status::Ok();
}

/// a + b, a - b, a * b with modular wrap for integers (computed in uint64, then truncated: C++20 defines
/// the narrowing conversion as modular, and unsigned arithmetic never overflows).
template <class T, class Op>
T wrap_arith(T x, T y, Op op) {
  if constexpr (std::is_floating_point_v<T>) {
    return op(x, y);
  } else {
    return static_cast<T>(op(static_cast<uint64_t>(x), static_cast<uint64_t>(y)));
  }
}

enum class Arith : uint8_t { kAdd, kSub, kMul, kDiv, kMax, kMin };

template <class T>
bool apply_arith(Arith op, T x, T y, T& out) {
  switch (op) {
    case Arith::kAdd: out = wrap_arith(x, y, [](auto p, auto q) { return p + q; }); return true;
    case Arith::kSub: out = wrap_arith(x, y, [](auto p, auto q) { return p - q; }); return true;
    case Arith::kMul: out = wrap_arith(x, y, [](auto p, auto q) { return p * q; }); return true;
    case Arith::kDiv:
      if constexpr (std::is_floating_point_v<T>) {
        out = x / y;  // IEEE: x/0 = ±inf or NaN
      } else {
        if (y == 0) return false;
        // INT_MIN / -1 overflows: the wrapped result is INT_MIN (= -x modulo 2^bits).
        if constexpr (std::is_signed_v<T>) {
          if (y == -1) {
            out = static_cast<T>(uint64_t{0} - static_cast<uint64_t>(x));
            return true;
          }
        }
        out = static_cast<T>(x / y);
      }
      return true;
    case Arith::kMax:
      // NaN propagates (numpy.maximum): pick x when x is NaN or x >= y, else y (which may be NaN).
      if constexpr (std::is_floating_point_v<T>)
        out = (std::isnan(x) || x >= y) ? x : y;
      else
        out = x >= y ? x : y;
      return true;
    case Arith::kMin:
      if constexpr (std::is_floating_point_v<T>)
        out = (std::isnan(x) || x <= y) ? x : y;
      else
        out = x <= y ? x : y;
      return true;
  }
  return false;
}

/// Folds all inputs element-wise with `op` (2 inputs for Add..Div, 1..N for Max/Min/Sum).
Status arith_kernel(const KernelArgs& a, Arith op) {
  BroadcastLoop loop;
  const size_t n = a.num_inputs();
  if (n == 0) return a.error(ErrorCode::kInternal, "no inputs");
  NPUKIT_RETURN_IF_ERROR(init_loop(a, 0, n, loop));
  const DType t = a.in(0).dtype();
  for (size_t i = 0; i < n; ++i)
    if (a.in(i).dtype() != t) return a.error(ErrorCode::kShapeMismatch, "inputs differ in dtype");
  if (a.out(0).dtype() != t) return a.error(ErrorCode::kInternal, "output dtype differs from input dtype");
  bool div_by_zero = false;
  bool ok = visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    std::vector<const T*> xs(n);
    for (size_t k = 0; k < n; ++k) xs[k] = a.in(k).data<T>();
    T* y = a.out(0).data<T>();
    loop.run([&](int64_t i, const int64_t* off) {
      T acc = xs[0][off[0]];
      for (size_t k = 1; k < n; ++k)
        if (!apply_arith(op, acc, xs[k][off[k]], acc)) div_by_zero = true;
      y[i] = acc;
    });
  });
  if (!ok) return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(t), " is not supported");
  if (div_by_zero) return a.error(ErrorCode::kInvalidArgument, "integer division by zero");
  return Status::Ok();
}

enum class Cmp : uint8_t { kEq, kGt, kLt, kGe, kLe, kAnd, kOr };

template <class T>
bool compare(Cmp c, T x, T y) {
  switch (c) {
    case Cmp::kEq: return x == y;
    case Cmp::kGt: return x > y;
    case Cmp::kLt: return x < y;
    case Cmp::kGe: return x >= y;
    case Cmp::kLe: return x <= y;
    case Cmp::kAnd: return x && y;
    case Cmp::kOr: return x || y;
  }
  return false;
}

Status compare_kernel(const KernelArgs& a, Cmp c) {
  BroadcastLoop loop;
  if (a.num_inputs() != 2) return a.error(ErrorCode::kInternal, "expected 2 inputs");
  NPUKIT_RETURN_IF_ERROR(init_loop(a, 0, 2, loop));
  const DType t = a.in(0).dtype();
  if (a.in(1).dtype() != t) return a.error(ErrorCode::kShapeMismatch, "inputs differ in dtype");
  if (a.out(0).dtype() != DType::kBool) return a.error(ErrorCode::kInternal, "output must be bool");
  const bool logical = c == Cmp::kAnd || c == Cmp::kOr;
  if (logical && t != DType::kBool) return a.error(ErrorCode::kShapeMismatch, "inputs must be bool");
  uint8_t* y = a.out(0).data<uint8_t>();
  auto body = [&](auto tag) {
    using T = decltype(tag);
    const T* x0 = a.in(0).data<T>();
    const T* x1 = a.in(1).data<T>();
    loop.run([&](int64_t i, const int64_t* off) { y[i] = compare(c, x0[off[0]], x1[off[1]]) ? 1 : 0; });
  };
  if (t == DType::kBool) {
    body(uint8_t{});  // bool is stored as one byte 0/1, so byte comparison is bool comparison
    return Status::Ok();
  }
  if (!visit_numeric(t, body))
    return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(t), " is not supported");
  return Status::Ok();
}

/// Integer power by squaring with modular wrap; negative exponents give the truncated 1/x^n (0 unless |x| == 1).
template <class T>
T int_pow(T base, int64_t e) {
  if (e < 0) {
    if (base == 1) return 1;
    if constexpr (std::is_signed_v<T>) {
      if (base == -1) return (e % 2 == 0) ? T{1} : static_cast<T>(-1);
    }
    return 0;  // includes 0^negative, which numpy reports as an error; we define it as 0.
  }
  uint64_t result = 1, b = static_cast<uint64_t>(base);
  uint64_t ue = static_cast<uint64_t>(e);
  while (ue) {
    if (ue & 1) result *= b;
    b *= b;
    ue >>= 1;
  }
  return static_cast<T>(result);
}

/// float → integer with NaN → 0 and saturation (see Cast); used for integer-base Pow with a float exponent.
template <class I>
I saturate_to_int(double d) {
  if (std::isnan(d)) return I{0};
  const double t = std::trunc(d);
  if (t >= std::ldexp(1.0, std::numeric_limits<I>::digits)) return std::numeric_limits<I>::max();
  if (t < static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  return static_cast<I>(t);
}

}  // namespace

Status ref_Add(const KernelArgs& a) {
  return arith_kernel(a, Arith::kAdd);
}
Status ref_Sub(const KernelArgs& a) {
  return arith_kernel(a, Arith::kSub);
}
Status ref_Mul(const KernelArgs& a) {
  return arith_kernel(a, Arith::kMul);
}
Status ref_Div(const KernelArgs& a) {
  return arith_kernel(a, Arith::kDiv);
}
Status ref_Max(const KernelArgs& a) {
  return arith_kernel(a, Arith::kMax);
}
Status ref_Min(const KernelArgs& a) {
  return arith_kernel(a, Arith::kMin);
}
Status ref_Sum(const KernelArgs& a) {
  return arith_kernel(a, Arith::kAdd);
}

Status ref_Equal(const KernelArgs& a) {
  return compare_kernel(a, Cmp::kEq);
}
Status ref_Greater(const KernelArgs& a) {
  return compare_kernel(a, Cmp::kGt);
}
Status ref_Less(const KernelArgs& a) {
  return compare_kernel(a, Cmp::kLt);
}
Status ref_GreaterOrEqual(const KernelArgs& a) {
  return compare_kernel(a, Cmp::kGe);
}
Status ref_LessOrEqual(const KernelArgs& a) {
  return compare_kernel(a, Cmp::kLe);
}
Status ref_And(const KernelArgs& a) {
  return compare_kernel(a, Cmp::kAnd);
}
Status ref_Or(const KernelArgs& a) {
  return compare_kernel(a, Cmp::kOr);
}

Status ref_Pow(const KernelArgs& a) {
  BroadcastLoop loop;
  if (a.num_inputs() != 2) return a.error(ErrorCode::kInternal, "expected 2 inputs");
  NPUKIT_RETURN_IF_ERROR(init_loop(a, 0, 2, loop));
  const DType tb = a.in(0).dtype(), te = a.in(1).dtype();
  if (a.out(0).dtype() != tb) return a.error(ErrorCode::kInternal, "output dtype differs from base dtype");
  bool ok_e = true;
  bool ok_b = visit_numeric(tb, [&](auto btag) {
    using B = decltype(btag);
    ok_e = visit_numeric(te, [&](auto etag) {
      using E = decltype(etag);
      const B* x = a.in(0).data<B>();
      const E* e = a.in(1).data<E>();
      B* y = a.out(0).data<B>();
      loop.run([&](int64_t i, const int64_t* off) {
        const B xb = x[off[0]];
        const E ee = e[off[1]];
        if constexpr (std::is_floating_point_v<B>) {
          // f32 base: computed in float like numpy/onnxruntime (an integer exponent is converted to float).
          y[i] = std::pow(xb, static_cast<float>(ee));
        } else if constexpr (std::is_floating_point_v<E>) {
          y[i] = saturate_to_int<B>(std::pow(static_cast<double>(xb), static_cast<double>(ee)));
        } else {
          // Integer exponent: exact integer power (u64 exponents beyond int64 saturate; any |base|>1 wraps anyway).
          const int64_t ei =
              (std::is_unsigned_v<E> && static_cast<uint64_t>(ee) > INT64_MAX) ? INT64_MAX : static_cast<int64_t>(ee);
          y[i] = int_pow<B>(xb, ei);
        }
      });
    });
  });
  if (!ok_b || !ok_e)
    return a.error(ErrorCode::kUnsupportedAttr, "dtypes ", dtype_name(tb), "^", dtype_name(te), " are not supported");
  return Status::Ok();
}

Status ref_PRelu(const KernelArgs& a) {
  BroadcastLoop loop;
  if (a.num_inputs() != 2) return a.error(ErrorCode::kInternal, "expected 2 inputs");
  NPUKIT_RETURN_IF_ERROR(init_loop(a, 0, 2, loop));
  const DType t = a.in(0).dtype();
  if (a.in(1).dtype() != t || a.out(0).dtype() != t) return a.error(ErrorCode::kShapeMismatch, "dtypes differ");
  bool ok = visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.in(0).data<T>();
    const T* s = a.in(1).data<T>();
    T* y = a.out(0).data<T>();
    loop.run([&](int64_t i, const int64_t* off) {
      const T v = x[off[0]];
      y[i] = v < T{0} ? wrap_arith(s[off[1]], v, [](auto p, auto q) { return p * q; }) : v;
    });
  });
  if (!ok) return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(t), " is not supported");
  return Status::Ok();
}

Status ref_Where(const KernelArgs& a) {
  BroadcastLoop loop;
  if (a.num_inputs() != 3) return a.error(ErrorCode::kInternal, "expected 3 inputs");
  NPUKIT_RETURN_IF_ERROR(init_loop(a, 0, 3, loop));
  const DType t = a.in(1).dtype();
  if (a.in(0).dtype() != DType::kBool) return a.error(ErrorCode::kShapeMismatch, "condition must be bool");
  if (a.in(2).dtype() != t || a.out(0).dtype() != t) return a.error(ErrorCode::kShapeMismatch, "dtypes differ");
  const size_t es = dtype_size(t);
  if (es == 0) return a.error(ErrorCode::kUnsupportedAttr, "dtype ", dtype_name(t), " is not supported");
  // Pure selection: copy element bytes, so every dtype (incl. f16/f64/bool) works.
  const uint8_t* c = a.in(0).data<uint8_t>();
  const auto* x = static_cast<const std::byte*>(a.in(1).raw());
  const auto* yv = static_cast<const std::byte*>(a.in(2).raw());
  auto* out = static_cast<std::byte*>(a.out(0).raw());
  loop.run([&](int64_t i, const int64_t* off) {
    const std::byte* src = c[off[0]] ? x + off[1] * es : yv + off[2] * es;
    std::memcpy(out + i * es, src, es);
  });
  return Status::Ok();
}

}  // namespace npukit::ref
