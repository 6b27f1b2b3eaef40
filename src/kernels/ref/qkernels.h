// SPDX-License-Identifier: Apache-2.0
// kernels/ref: integer reference kernels — the executable form of the integer spec (quant/arith.h).
// Scalar, NCHW, graph-agnostic: every kernel takes tensors plus a plain parameter struct, validates
// everything (returning Status, never reading out of bounds) and allocates its output tensor.
//
// Code dtypes: activations kI8 / kU8 / kI16 (any zero point within the dtype's range), weights kI8,
// bias kI32. Accumulation (docs/QUANTIZATION.md, "Accumulation"):
//  - 8-bit activations: accumulated exactly in int64, bias added, then SATURATED to int32 once (the spec of
//    an int32 accumulator; no saturation can happen for K <= 66311, see the doc);
//  - 16-bit activations: accumulated in int64 and requantized from int64 directly (no int32 saturation).
#pragma once

#include <cstdint>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"
#include "core/tensor.h"
#include "quant/arith.h"

namespace npukit::qref {

using quant::AddParams;
using quant::MulParams;
using quant::QRange;
using quant::QuantizedMultiplier;

/// Storage range of a code dtype: kI8 [-128,127], kU8 [0,255], kI16 [-32768,32767], kI32; else {0,-1}.
QRange dtype_range(DType t);
/// True for the activation code dtypes kI8, kU8, kI16.
bool is_activation_dtype(DType t);

/// 2-D convolution (NCHW) with requantization.
///   x [N, C, H, W] (kI8/kU8/kI16), w [Cout, C/group, KH, KW] (kI8, symmetric: zero point 0),
///   bias [Cout] kI32 or null.
///   acc[n,co,oy,ox] = bias[co] + sum (x - input_zero_point) * w      (padding contributes real 0)
///   y = requantize(acc, out_mult[co or 0], output_zero_point, out_range)
/// With a residual (fused "conv + add"), the conv result above is an INTERMEDIATE code (its own scale /
/// zero point / range given by the fields above), and the output is add_quantized(mid, residual, residual_add)
/// where residual_add.a_* describe the intermediate, residual_add.b_* the residual and residual_add.range /
/// out_zp the final output. This makes the fusion bit-identical to "qconv2d then qadd".
struct QConv2dParams {
  int64_t group = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int32_t input_zero_point = 0;
  std::vector<QuantizedMultiplier> out_mult;  ///< size 1 (per-tensor) or Cout (per channel)
  int32_t output_zero_point = 0;
  QRange out_range = quant::kRangeI8;  ///< dtype range narrowed by a fused ReLU / ReLU6 / Clip
  DType output_dtype = DType::kI8;
  AddParams residual_add;  ///< used only when a residual tensor is passed
};
Status qconv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const QConv2dParams& p, Tensor* y,
               const Tensor* residual = nullptr);

// K-split form of the accumulating kernels (qconv2d, qgemm, qmatmul): X = accumulate + finish, bit-identical.
// accumulate returns the exact int64 sums over the reduction given (no bias, no saturation) as a kI64
// tensor of the output shape; sums over disjoint shares of the reduction add up to the sum over the whole
// (an NPU splitting K accumulates the partial sums and finishes once). finish adds the bias, saturates to
// int32 unless the accumulator is wide (16-bit activations), requantizes and applies a fused residual add.

/// True when the accumulator of a product of these activation dtypes is not saturated to int32 (kI16).
inline bool wide_accumulator(DType a, DType b = DType::kI8) {
  return a == DType::kI16 || b == DType::kI16;
}
/// acc [N, Cout, OH, OW] kI64. Uses the geometry, group and input_zero_point of p.
Status qconv2d_accumulate(const Tensor& x, const Tensor& w, const QConv2dParams& p, Tensor* acc);
/// acc kI64 [N, Cout, OH, OW] -> codes; bias [Cout] kI32 or null; residual as for qconv2d.
Status qconv2d_finish(const Tensor& acc, const Tensor* bias, const QConv2dParams& p, bool wide, Tensor* y,
                      const Tensor* residual = nullptr);

/// Fully connected: a [M, K] activations, w [N, K] kI8 weights (row n = output channel), bias [N] kI32 or null.
///   y[m, n] = requantize(bias[n] + sum_k (a[m,k] - a_zero_point) * w[n,k], out_mult[n or 0], ...)
struct QGemmParams {
  int32_t a_zero_point = 0;
  std::vector<QuantizedMultiplier> out_mult;  ///< size 1 or N
  int32_t output_zero_point = 0;
  QRange out_range = quant::kRangeI8;
  DType output_dtype = DType::kI8;
};
Status qgemm(const Tensor& a, const Tensor& w, const Tensor* bias, const QGemmParams& p, Tensor* y);
/// acc [M, N] kI64 (uses a_zero_point); finish: + bias [N], saturation unless wide, requantization.
Status qgemm_accumulate(const Tensor& a, const Tensor& w, const QGemmParams& p, Tensor* acc);
Status qgemm_finish(const Tensor& acc, const Tensor* bias, const QGemmParams& p, bool wide, Tensor* y);

/// Matrix product a [..., M, K] x b [K, N] or [..., K, N] (same batch dims as a). b may be an activation
/// (kI8/kU8/kI16 with b_zero_point) or int8 weights (b_zero_point 0); out_mult per tensor or per column N.
///   y[..., m, n] = requantize(sum_k (a - a_zp) * (b - b_zp), out_mult[n or 0], ...)
struct QMatMulParams {
  int32_t a_zero_point = 0;
  int32_t b_zero_point = 0;
  std::vector<QuantizedMultiplier> out_mult;  ///< size 1 or N
  int32_t output_zero_point = 0;
  QRange out_range = quant::kRangeI8;
  DType output_dtype = DType::kI8;
};
Status qmatmul(const Tensor& a, const Tensor& b, const QMatMulParams& p, Tensor* y);
/// acc [..., M, N] kI64 (uses the zero points); finish: saturation unless wide, requantization.
Status qmatmul_accumulate(const Tensor& a, const Tensor& b, const QMatMulParams& p, Tensor* acc);
Status qmatmul_finish(const Tensor& acc, const QMatMulParams& p, bool wide, Tensor* y);

/// Elementwise ops with numpy (multidirectional) broadcasting; recipes in quant/arith.h.
Status qadd(const Tensor& a, const Tensor& b, const AddParams& p, DType output_dtype, Tensor* y);
Status qsub(const Tensor& a, const Tensor& b, const AddParams& p, DType output_dtype, Tensor* y);
Status qmul(const Tensor& a, const Tensor& b, const MulParams& p, DType output_dtype, Tensor* y);

/// 2-D pooling on x [N, C, H, W] (no dilation, no ceil mode: the caller computes explicit pads).
///   avg: s = sum over the window of (x - input_zero_point) (padding = real 0), cnt = window size if
///        count_include_pad else the number of in-bounds elements, avg = div_round_half_up(s, cnt).
///   max: over in-bounds elements only; avg/max value v = code - input_zero_point.
///   out = rescale ? requantize(v, mult, output_zero_point, out_range) : saturate(v + output_zero_point, out_range)
struct QPool2dParams {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool count_include_pad = false;
  int32_t input_zero_point = 0;
  bool rescale = false;      ///< false when input and output scales are identical
  QuantizedMultiplier mult;  ///< s_in / s_out when rescale
  int32_t output_zero_point = 0;
  QRange out_range = quant::kRangeI8;
  DType output_dtype = DType::kI8;
};
Status qavgpool2d(const Tensor& x, const QPool2dParams& p, Tensor* y);
Status qmaxpool2d(const Tensor& x, const QPool2dParams& p, Tensor* y);
/// Global average pool: x [N, C, H, W] -> [N, C, 1, 1]; uses the zero point / rescale / output fields of p.
Status qglobal_avgpool(const Tensor& x, const QPool2dParams& p, Tensor* y);

/// Per-input parameters of qconcat.
struct QConcatInput {
  int32_t zero_point = 0;
  bool rescale = false;      ///< false: codes are copied (scale and zero point equal to the output's)
  QuantizedMultiplier mult;  ///< s_in / s_out when rescale
};
/// Concatenation along `axis` (negative allowed). Inputs with rescale = false are copied
/// (saturate(x - zp_in + zp_out)), the others are requantize(x - zp_in, mult, zp_out, out_range).
Status qconcat(const std::vector<const Tensor*>& xs, const std::vector<QConcatInput>& in, int64_t axis,
               int32_t output_zero_point, QRange out_range, DType output_dtype, Tensor* y);

/// Applies a table from quant::build_lut*: y = table[x - table_first_code]. Every code of x must be covered.
Status qlut(const Tensor& x, const std::vector<int32_t>& table, int32_t table_first_code, DType output_dtype,
            Tensor* y);

/// Integer -> integer rescale (e.g. int8 <-> int16, uint8 -> int8): y = requantize(x - in_zp, m, out_zp, range).
Status qrequantize(const Tensor& x, int32_t input_zero_point, QuantizedMultiplier m, int32_t output_zero_point,
                   QRange out_range, DType output_dtype, Tensor* y);

/// Float (kF32) -> codes with quant::quantize_value. scales / zero_points have size 1 (per tensor) or
/// x.dim(axis) (per channel, e.g. axis 0 for weights). `range` is the code range (e.g. kRangeWeightI8).
Status quantize_tensor(const Tensor& x, const std::vector<float>& scales, const std::vector<int32_t>& zero_points,
                       int64_t axis, QRange range, DType output_dtype, Tensor* y);
/// Codes -> float (kF32) with quant::dequantize_value; same per-tensor / per-channel convention.
Status dequantize_tensor(const Tensor& x, const std::vector<float>& scales, const std::vector<int32_t>& zero_points,
                         int64_t axis, Tensor* y);

/// Quantizes a float bias [Cout] to int32 with quant::quantize_bias(b, s_in, s_w[c]) (s_w size 1 or Cout).
Status quantize_bias_tensor(const Tensor& b, float input_scale, const std::vector<float>& weight_scales, Tensor* y);

namespace detail {
/// Reads the codes of an integer tensor (kI8/kU8/kI16/kU16/kI32) into int32; other dtypes -> kUnsupportedAttr.
Status load_codes(const Tensor& t, const char* what, std::vector<int32_t>* out);
/// Checks an output dtype / range / zero point combination (range inside the dtype range, qmin <= qmax,
/// zero point inside the dtype range).
Status check_output(DType dtype, QRange range, int32_t zero_point, const char* what);
/// Checks that a zero point lies inside the storage range of `dtype`.
Status check_zero_point(DType dtype, int32_t zero_point, const char* what);
/// Allocates a tensor of `dtype`/`shape` and stores `codes` (already inside the dtype range).
Status store_codes(const std::vector<int32_t>& codes, DType dtype, const Shape& shape, Tensor* y);
/// Checks a per-tensor / per-channel multiplier vector (size 1 or n, mult >= 0, shift in range).
Status check_multipliers(const std::vector<QuantizedMultiplier>& m, int64_t n, const char* what);
}  // namespace detail

}  // namespace npukit::qref
