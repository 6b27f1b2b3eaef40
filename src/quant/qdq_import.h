// SPDX-License-Identifier: Apache-2.0
// npukit quant: import an already quantized QDQ ONNX model (a PyTorch QAT export, ONNX Runtime's
// quantize_static output, an npukit {prefix}_quantized_model.onnx) for `calibration_type: load`.
//
// The model's QuantizeLinear / DequantizeLinear nodes are taken out and their parameters kept, so the usual
// compile flow (optimize -> quantize -> lower -> NPU compile) runs on the float graph that remains and
// re-inserts exactly the model's own quantization instead of calibrating:
//  - Q -> DQ on a runtime tensor x: x keeps the pair's scale / zero point (ImportedQuant::activations); the
//    DQ's readers read x.
//  - Q -> DQ on a constant weight W, or DQ on a constant of codes (int8 / uint8 weights, int32 biases): the
//    constant becomes its dequantized float value (codes * scale), so re-quantizing it with the same scales
//    gives back the same codes; int8 symmetric weight scales are kept (ImportedQuant::weight_scales).
// What npukit's integer spec (quant/arith.h, docs/QUANTIZATION.md) cannot take as is is converted and
// reported, one line per tensor (ImportedQuant::changes) with its effect on the quantization step:
//  - asymmetric activations (uint8, or int8 with a zero point) -> symmetric int8 over the same range, unless
//    asymmetric is allowed (yaml `optimization: asymmetric`), in which case uint8 + zero point stays;
//  - per-channel activation scales -> one per-tensor scale covering every channel;
//  - weights with a zero point, uint8 weights, or codes of -128 -> re-quantized symmetric int8 in [-127, 127];
//  - a tensor quantized twice with different parameters keeps the first pair's.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "quant/arith.h"
#include "quant/quantize_qdq.h"

namespace npukit::quant {

/// The quantization parameters a QDQ model carried, keyed by the tensor names of the float graph left.
struct ImportedQuant {
  /// Activation tensor -> parameters (range kRangeI8 with zero point 0, kRangeU8 with a zero point, or
  /// kRangeI16 with zero point 0).
  std::map<std::string, QParams> activations;
  /// Weight constant -> its symmetric int8 scales and the axis they run along (-1: one scale).
  std::map<std::string, FixedWeightScales> weights;
  /// Human-readable lines: every parameter npukit had to change, and why.
  std::vector<std::string> changes;
  int activations_kept = 0;     ///< activation pairs whose parameters are used exactly
  int activations_changed = 0;  ///< activation pairs converted (see changes)
  int weights_kept = 0;         ///< weights whose codes and scales are used exactly
  int weights_changed = 0;      ///< weights re-quantized (see changes)
};

/// Number of QuantizeLinear / DequantizeLinear nodes in `g` (0: a float model).
int count_qdq_nodes(const ir::Graph& g);

/// Rewrites a QDQ graph (typed or not) in place into its float graph and returns the parameters it carried (see
/// the file comment). `allow_asymmetric`: keep uint8 + zero point activations. Errors (kInvalidArgument /
/// kUnimplemented, naming the node): a quantization parameter that is not a constant, a non-positive or
/// non-finite scale, a QuantizeLinear whose codes leave the model or feed something other than a
/// DequantizeLinear, a DequantizeLinear of runtime codes that no QuantizeLinear made (an integer model
/// input), code types other than int8 / uint8 / int16 / int32.
Expected<ImportedQuant> import_qdq(ir::Graph& g, bool allow_asymmetric);

}  // namespace npukit::quant
