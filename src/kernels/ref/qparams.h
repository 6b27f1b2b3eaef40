// SPDX-License-Identifier: Apache-2.0
// kernels/ref: the attribute -> parameter translation of the npukit-domain integer ops (schemas in
// ir/ops/qops.cpp). Shared by the op kernels (kernels/ref/qops.cpp) and every other executor that calls the
// qref:: functions directly on parts of a tensor (the NPU simulator), so the attributes are read in one place.
// Errors are plain messages ("invalid multiplier {..}"); callers add the op / node context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/attrs.h"
#include "core/status.h"
#include "kernels/ref/qkernels.h"

namespace npukit::qref {

/// Output code dtype from the "y_dtype" attribute (ONNX TensorProto numbering: 2 u8, 3 i8, 5 i16).
DType attr_output_dtype(const Attrs& a);
/// Clamp range from optional attributes `lo` / `hi` (absent: the full range of `t`).
QRange attr_clamp_range(const Attrs& a, const char* lo, const char* hi, DType t);
/// Quantized multipliers from the parallel int lists `m_attr` / `s_attr`.
Expected<std::vector<QuantizedMultiplier>> attr_multipliers(const Attrs& a, const char* m_attr, const char* s_attr);

/// QConv. `has_residual`: the node has its optional 4th input (fused residual add).
Expected<QConv2dParams> qconv_params(const Attrs& a, bool has_residual);
/// QGemm.
Expected<QGemmParams> qgemm_params(const Attrs& a);
/// QMatMul.
Expected<QMatMulParams> qmatmul_params(const Attrs& a);
/// QAdd / QSub.
Expected<AddParams> qadd_params(const Attrs& a);
/// QMul.
Expected<MulParams> qmul_params(const Attrs& a);
/// QAveragePool (kernel, strides, pads, count_include_pad and the output fields).
Expected<QPool2dParams> qavgpool_params(const Attrs& a);
/// QGlobalAveragePool (zero points, rescale and the output fields).
Expected<QPool2dParams> qglobal_avgpool_params(const Attrs& a);

/// QConcat with `num_inputs` inputs.
struct QConcatParams {
  std::vector<QConcatInput> inputs;
  int64_t axis = 0;
  int32_t output_zero_point = 0;
  QRange out_range = quant::kRangeI8;
  DType output_dtype = DType::kI8;
};
Expected<QConcatParams> qconcat_params(const Attrs& a, size_t num_inputs);

/// Requantize.
struct QRequantizeParams {
  int32_t input_zero_point = 0;
  QuantizedMultiplier mult;
  int32_t output_zero_point = 0;
  QRange out_range = quant::kRangeI8;
  DType output_dtype = DType::kI8;
};
Expected<QRequantizeParams> qrequantize_params(const Attrs& a);

}  // namespace npukit::qref
