// SPDX-License-Identifier: Apache-2.0
// pipeline: mixed precision — turns the configuration's node_info, quant_config and optimization flags
// into the quantizer's per-tensor / per-node choices (quant::QdqOptions).
//
// Per node, the computation type comes from (highest priority first):
//   1. model_parameters.node_info[node]: InputType<N> (input N), InputType (all inputs), OutputType;
//   2. quant_config node_config[node], then op_config[op type], then model_config all_node_type
//      (a node type applies to the node's inputs and outputs);
//   3. optimization set_<OpType>_input_int16 / set_<OpType>_output_int16.
// Then: int16 → the node's activation inputs / outputs become int16 tensors; float16 → the node runs in
// float16 (quant::QdqOptions::float16_nodes); int8 → default. A tensor is int16 when any rule asks for
// it on either side (producer's output or a consumer's input), because one tensor has one encoding.
// Model outputs: quant_config model_output_type, or optimization set_model_output_int16 / _int8
// (int8 is the default). Softmax is not quantized unless set_Softmax_input_int8 / _output_int8.
// node_info ON: CPU nodes keep int8 activations here; the NPU compiler places them (issue of its own).
#pragma once

#include <vector>

#include "config/compile_config.h"
#include "core/status.h"
#include "ir/graph.h"
#include "quant/quantize_qdq.h"

namespace npukit::pipeline {

/// Fills int16_tensors, float16_nodes, quantize_input_nodes and quantize_tensors of `options` and logs
/// every decision. Node names that no longer exist in the optimized graph (folded away, e.g. a
/// BatchNormalization merged into its conv) are reported with a warning.
Status plan_precision(const config::CompileConfig& c, const ir::Graph& optimized, quant::QdqOptions& options);

}  // namespace npukit::pipeline
