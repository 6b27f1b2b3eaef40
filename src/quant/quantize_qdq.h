// SPDX-License-Identifier: Apache-2.0
// npukit quant: float graph + calibration table -> standard ONNX QDQ graph (QuantizeLinear /
// DequantizeLinear pairs around the float ops), the interchange form of a quantized model.
//
// What the pass inserts (all numbers follow quant/arith.h, the one integer spec):
//  - Activations: every f32 runtime tensor with a calibration entry that feeds a quantizable op
//    (Conv, ConvTranspose, Gemm, MatMul, Add, Sub, Mul, Concat, MaxPool, AveragePool, GlobalAveragePool,
//    GlobalMaxPool, Relu, Clip, LeakyRelu, Sigmoid, Tanh) gets ONE QuantizeLinear -> DequantizeLinear pair
//    (symmetric int8, scale symmetric_scale(threshold, 8), zero point int8 0) shared by all those consumers.
//    Other consumers (Reshape, Softmax, ...) keep reading the float tensor.
//  - Weights (constant f32 input 1 of Conv / ConvTranspose / Gemm / MatMul): an int8 constant in
//    [-127, 127] with scale max|w_c| / 127 per output channel (per tensor when !per_channel) followed by
//    DequantizeLinear. Channel axis: Conv 0; ConvTranspose 1 (group == 1, else per tensor); Gemm 0 with
//    transB = 1, 1 otherwise; MatMul 1 for a 2-D B (per tensor for higher ranks).
//  - Bias (constant f32 Conv / ConvTranspose input 2, Gemm C of shape [N] or [1, N] with alpha = beta = 1)
//    when the data input is quantized: an int32 constant quantize_bias(b, s_in, s_w[c]) followed by
//    DequantizeLinear with scale s_in * s_w[c] (f32 product) and no zero point (ONNX's int32 bias form).
//  - Graph outputs with a calibration entry (quantize_outputs): the producing value is renamed
//    "<name>_float" and a Q/DQ pair produces the output under its original name, so the model interface
//    is unchanged.
// Every node output of the float graph keeps its name, so float and QDQ graphs can be compared value by
// value (see quant/similarity.h). Inserted nodes are named "<tensor>/QuantizeLinear",
// "<tensor>/DequantizeLinear" (made unique if needed) and carry the origin of the node they serve.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "quant/arith.h"
#include "quant/calib_table.h"

namespace npukit::quant {

/// Weight scales kept from an imported model: one scale, or one per index of `axis` of the weight.
struct FixedWeightScales {
  std::vector<float> scales;
  int64_t axis = -1;
};

struct QdqOptions {
  /// Activation bits. Only 8 is supported: int16 QuantizeLinear needs ONNX opset 21 and npukit exports
  /// opset 17, so 16 is rejected with kUnimplemented (documented, not silently downgraded).
  int activation_bits = 8;
  /// Per-output-channel weight scales (else one scale per weight tensor).
  bool per_channel = true;
  /// Also Q/DQ calibrated graph outputs.
  bool quantize_outputs = true;
  /// Quantize weights and biases. false: only the activation quantizers are inserted (weights stay
  /// f32), which is the compile flow's "calibrated model".
  bool quantize_weights = true;
  /// Activations as uint8 with a zero point (the yaml optimization `asymmetric`): the range is the
  /// observed [min, max] clipped to [-threshold, threshold] and widened to include 0;
  /// scale = (hi - lo) / 255, zero_point = round_half_even(-lo / scale) clamped to [0, 255].
  bool asymmetric = false;
  /// Nodes (by name) whose inputs are never quantized: they keep computing in float on the values they
  /// read (e.g. the input normalisation head, which reads raw 0..255 pixels).
  std::set<std::string> float_nodes;
  /// Mixed precision: activation tensors (by name) quantized to symmetric int16 (scale T / 32767, int16
  /// zero point 0) instead of int8. Exported as QuantizeLinear / DequantizeLinear with int16 zero points.
  std::set<std::string> int16_tensors;
  /// Mixed precision: nodes computed in float16. Their inputs are not quantized; every f32 runtime input
  /// and output passes through Cast(f16) → Cast(f32) (the fp16 storage rounding) and f32 constant inputs
  /// are rounded to f16 values. Compute itself stays f32 (npukit's kernels compute fp16 layers in f32).
  std::set<std::string> float16_nodes;
  /// Nodes whose input 0 is quantized although their op is not in the quantizable list (e.g. Softmax
  /// with the yaml optimization set_Softmax_input_int8).
  std::set<std::string> quantize_input_nodes;
  /// Tensors that get a Q/DQ pair even when no consumer is quantizable (e.g. set_Softmax_output_int8).
  std::set<std::string> quantize_tensors;
  /// Kept quantization (calibration_type load, quant/qdq_import.h): activation tensors whose scale / zero
  /// point / code range are used exactly instead of being derived from the table's threshold (the range
  /// picks the code type: kRangeI8, kRangeU8 or kRangeI16; an int16 tensor should also be in
  /// int16_tensors).
  std::map<std::string, QParams> fixed_activations;
  /// Kept weight scales by weight constant name (symmetric int8), used instead of max|w_c| / 127 when they
  /// are one scale or run along the axis npukit quantizes that weight on (else npukit's own, with a warning).
  std::map<std::string, FixedWeightScales> fixed_weights;
};

/// Rewrites a RESOLVED float graph in place into QDQ form (see the file comment). A tensor named in
/// int16_tensors whose quantized consumers cannot take int16 (table-driven activations: Sigmoid, Tanh,
/// LeakyRelu) falls back to int8 with a log line, as the vendor documents. The result is
/// topologically sorted, fully typed and passes verify(true) and interp::resolve.
/// Errors: kUnimplemented for activation_bits 16, kInvalidArgument for other bit widths.
Status quantize_to_qdq(ir::Graph& g, const CalibTable& table, const QdqOptions& opt = {});

}  // namespace npukit::quant
