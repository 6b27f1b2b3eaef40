// SPDX-License-Identifier: Apache-2.0
// kernels/q8: internal helpers shared by the fast op kernels of q8_ops.h (ops_*.cpp): per-family prepare
// entry points called by the dispatch in ops_registry.cpp, input / output checks done at run time, the
// strided-copy plan used by the data movement ops, and the per-ISA row kernels of the elementwise / table ops
// (ops_*_avx2.cpp; the operator code picks them by tier, the scalar loops are the fallback).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/attrs.h"
#include "core/status.h"
#include "core/tensor.h"
#include "kernels/q8/q8_ops.h"
#include "quant/arith.h"

namespace npukit::q8::ops {

using PrepResult = Expected<std::unique_ptr<PreparedOp>>;

/// "Not covered": the caller runs the reference kernel.
inline PrepResult not_covered() {
  return std::unique_ptr<PreparedOp>();
}

/// True for kI8 / kU8.
inline bool is_byte_code(DType t) {
  return t == DType::kI8 || t == DType::kU8;
}

/// True when every slot in `sigs` is present with a known dtype.
bool all_present(std::span<const TensorSig> sigs);

/// Checks the tensors given to run() against the prepared input / output types (count, presence, dtype, numel):
/// a mismatch is an error, never an out-of-bounds access.
Status check_run_args(const char* name, std::span<const Tensor* const> ins, std::span<Tensor> outs,
                      const std::vector<DType>& in_types, const std::vector<int64_t>& in_numel,
                      const std::vector<DType>& out_types, const std::vector<int64_t>& out_numel);

/// Records the types of the prepared signatures, for check_run_args.
struct IoTypes {
  std::vector<DType> in_types, out_types;
  std::vector<int64_t> in_numel, out_numel;
  /// Only the first `n_in` inputs are recorded (later ones, e.g. constant Slice parameters, are not read).
  void set(std::span<const TensorSig> ins, std::span<const TensorSig> outs, size_t n_in);
  Status check(const char* name, std::span<const Tensor* const> ins, std::span<Tensor> outs) const {
    return check_run_args(name, ins, outs, in_types, in_numel, out_types, out_numel);
  }
};

/// A copy from a strided view of the source into a contiguous destination: for every multi-index i over
/// `dims` (row-major, the destination order), dst[i] = src[base + sum i[d] * strides[d]]. Dims are coalesced at
/// build time; the innermost one is a memcpy when its source stride is 1.
struct StridedCopy {
  std::vector<int64_t> dims, strides;  ///< coalesced; at least one dim
  int64_t base = 0;                    ///< element offset of the first source element
  size_t elem = 1;                     ///< bytes per element
  int64_t total = 0;                   ///< elements written

  /// Builds the plan (removes size-1 dims, merges mergeable neighbours).
  static StridedCopy make(std::vector<int64_t> dims, std::vector<int64_t> strides, int64_t base, size_t elem);
  /// Copies rows [row_begin, row_end) of the plan (a row = the innermost dim).
  void run_rows(const std::byte* src, std::byte* dst, int64_t row_begin, int64_t row_end) const;
  int64_t rows() const { return dims.back() == 0 ? 0 : total / dims.back(); }
  /// Whole copy, split into tasks over rows when large.
  void run(const std::byte* src, std::byte* dst, const Parallel* par) const;
};

// ---- per-ISA row kernels of the elementwise / table ops ---------------------------------------------------

/// quant::scale_round(x, m) for an int32 x, in the form the vector kernels evaluate: with 64-bit wrap-around
/// arithmetic, u = x * mult + 2^62 + (r >= 1 ? 2^(r-1) : 0), v = low32(u >> r) - low32(2^(62 - r)) (logical
/// shift). Exact whenever |x * mult| < 2^62 (always: mult < 2^31) and the exact result fits in int32 without
/// reaching scale_round's +-2^40 saturation (the callers check the ranges they use at prepare time).
struct RoundShift {
  int32_t mult = 0;
  int32_t r = 1;  ///< total right shift, [0, 62]

  /// From a QuantizedMultiplier: false when the shift is outside what the form covers (r < 0). r > 62 gives 0
  /// for every int32 x (|x * mult| < 2^62), encoded as mult 0.
  static bool make(quant::QuantizedMultiplier m, RoundShift* out) {
    const int64_t r = 31 - static_cast<int64_t>(m.shift);
    if (m.mult < 0 || r < 0) return false;
    if (m.mult == 0 || r > 62) {
      *out = RoundShift{0, 1};
      return true;
    }
    *out = RoundShift{m.mult, static_cast<int32_t>(r)};
    return true;
  }
  uint64_t bias() const { return (uint64_t{1} << 62) + (r >= 1 ? uint64_t{1} << (r - 1) : 0); }
  uint32_t offset() const { return static_cast<uint32_t>(uint64_t{1} << (62 - r)); }
  /// Scalar evaluation of the same form (used for the prepare-time checks).
  int32_t apply(int32_t x) const {
    const uint64_t u = static_cast<uint64_t>(static_cast<int64_t>(x) * mult) + bias();
    return static_cast<int32_t>(static_cast<uint32_t>(u >> r) - offset());
  }
};

/// Exact integer evaluation of QAdd / QSub / QMul on 8-bit input codes with an 8-bit output, for the vector
/// kernels. Input bytes are turned into offsets d = (byte ^ flip) - z (flip 0x80 and z = zp + 128 for kI8
/// codes, flip 0 and z = zp for kU8), then
///   add / sub: s = ma(da << left_shift) +- mb(db << left_shift)    mul: s = da * db
///   y = clamp(mo(clamp(s, s_lo, s_hi)) + zo, qmin, qmax), stored as the low byte of y.
/// mo is monotone, so clamping s to [s_lo, s_hi] (chosen at prepare so that the output at s_lo / s_hi is already
/// clamped) changes nothing and keeps every intermediate in int32. prepare_binary checks the whole 256 x 256
/// code table against quant::add_quantized / mul_quantized before it uses a kernel built on this.
struct BinaryFormula {
  enum class Kind : int { kAdd, kSub, kMul };
  Kind kind = Kind::kAdd;
  uint8_t a_flip = 0, b_flip = 0;
  int32_t za = 0, zb = 0;
  int32_t left_shift = 0;
  RoundShift ma, mb, mo;
  int32_t s_lo = 0, s_hi = 0;
  int32_t zo = 0, qmin = 0, qmax = 255;
  /// Optional float form of add / sub (set by prepare when its error bound allows): with the input codes ca / cb (int8
  /// or uint8, by the flips) as float,
  ///   v = round_to_nearest(fma(cb, fb, fma(ca, fa, fc))),   y = clamp(v >> k, qmin, qmax)   (k = fk >= 1)
  /// where fa, fb, fc carry 2^k times the exact real form (ra +- rb) * mo + 1/2 + zo of the codes. Exact for every
  /// element whose v has a non-zero low part v mod 2^k: the float error plus |(ra + rb - (A + B)) * mo| (the two
  /// intermediate roundings of the integer form) is below 2^-(k+1), so the integer form's final argument lies strictly
  /// between v >> k and (v >> k) + 1. A block with any element whose low part is 0 runs the exact integer form.
  bool has_float = false;
  float fa = 0, fb = 0, fc = 0;
  int32_t fk = 0;
};

/// y[i] = formula(a[i], b[i]) for i < n (same-shape rows).
using BinaryRowFn = void (*)(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n);

/// A vector row kernel of quant::add_quantized(a, b, p) on 8-bit codes (a of dtype ta, b of dtype tb) with the 8-bit
/// output ta (QConv's fused residual add: a = the conv's intermediate code, b = the residual). y may be a.
struct AddRowKernel {
  BinaryFormula f;
  /// `rows` rows of n elements at a common stride (one setup of the kernel's constants).
  void (*rows_fn)(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, int64_t rows,
                  int64_t stride) = nullptr;
  void run_rows(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, int64_t rows, int64_t stride) const {
    rows_fn(f, a, b, y, n, rows, stride);
  }
};
/// The kernel of `isa`'s row function, accepted only after it reproduced add_quantized on all 65536 code pairs;
/// nullptr when the tier has no row kernel or the formula does not apply (the caller then adds element by element).
std::shared_ptr<const AddRowKernel> make_add_row(const quant::AddParams& p, DType ta, DType tb, Isa isa);
/// y[i] = table[x[i]] for i < n, with a 256-entry byte table (x and y may be the same buffer).
using Lut8RowFn = void (*)(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n);

/// AVX2 row kernels (ops_binary_avx2.cpp, ops_lut_avx2.cpp): only call them on a CPU with AVX2.
void binary_row_avx2(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n);
/// binary_row_avx2 of an add over `rows` rows at a common stride.
void add_rows_avx2(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, int64_t rows,
                   int64_t stride);
void lut8_row_avx2(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n);
/// AVX-512 row kernels (ops_binary_avx512.cpp): the float form of add / sub on 64-element blocks, the AVX2 kernel for
/// the rest; only call them on a CPU with the AVX-512 VNNI tier. Without AVX-512 code in the build they are the AVX2
/// kernels and have_binary_row_avx512() is false.
void binary_row_avx512(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n);
void add_rows_avx512(const BinaryFormula& f, const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, int64_t rows,
                     int64_t stride);
bool have_binary_row_avx512();
/// The byte table lookup on AVX-512 with VBMI (ops_lut_avx512.cpp): only call it where have_lut8_row_avx512() (the
/// build has the code and the CPU has VBMI) on the AVX-512 VNNI tier.
void lut8_row_avx512(const uint8_t* table, const uint8_t* x, uint8_t* y, int64_t n);
bool have_lut8_row_avx512();

/// y[i] = quant::quantize_value(x[i], scale, zp, range of Q) for i < n (QuantizeLinear), Q = int8_t / uint8_t /
/// int16_t. Requires the FPU rounding mode to be to-nearest (the caller checks, as the reference does).
template <class Q>
void quantize_row_avx2(const float* x, float scale, int32_t zp, Q* y, int64_t n);

/// The row kernels of a tier; nullptr: none at this tier (the operator runs its scalar loop).
inline BinaryRowFn binary_row_fn(Isa isa) {
  if (isa >= Isa::kAvx512Vnni && have_binary_row_avx512()) return &binary_row_avx512;
  return isa >= Isa::kAvx2 ? &binary_row_avx2 : nullptr;
}
inline Lut8RowFn lut8_row_fn(Isa isa) {
  if (isa >= Isa::kAvx512Vnni && have_lut8_row_avx512()) return &lut8_row_avx512;
  return isa >= Isa::kAvx2 ? &lut8_row_avx2 : nullptr;
}
/// Kernel names of a lookup row kernel (profiles): `avx512` when it is lut8_row_avx512, else `avx2`.
inline const char* lut8_kernel_name(Lut8RowFn f, const char* avx2, const char* avx512) {
  return f == &lut8_row_avx512 ? avx512 : avx2;
}

// Prepare entry points of the op families (nullptr result: not covered). `isa`: the tier whose row kernels
// the prepared op uses.
PrepResult prepare_binary(std::string_view op, const Attrs& attrs, std::span<const TensorSig> ins,
                          std::span<const TensorSig> outs, Isa isa);
PrepResult prepare_qavgpool(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                            bool global, Isa isa);
PrepResult prepare_maxpool(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                           bool global, Isa isa);
PrepResult prepare_qconcat(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                           Isa isa);
PrepResult prepare_qlut(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs, Isa isa);
PrepResult prepare_requantize(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                              Isa isa);
PrepResult prepare_quantize_linear(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                                   Isa isa);
PrepResult prepare_dequantize_linear(const Attrs& attrs, std::span<const TensorSig> ins,
                                     std::span<const TensorSig> outs);
PrepResult prepare_copy(std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_transpose(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_slice(std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_concat(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_split(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);

}  // namespace npukit::q8::ops
