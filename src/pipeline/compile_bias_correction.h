// SPDX-License-Identifier: Apache-2.0
// pipeline: bias correction (the yaml optimization `bias_correction`) — removes the systematic output shift
// that weight quantization causes in each Conv / ConvTranspose / Gemm.
//
// For every such node with a constant f32 bias whose weight the quantized (QDQ) graph replaced by
// DequantizeLinear(int8): on the given samples, the float graph runs; at the node, the node is run again on
// the SAME float inputs with the dequantized weight (bias unchanged), and per output channel c
//   delta[c] = mean over samples and positions of (y_float[c] - y_wq[c])
// is accumulated (double). The float graph's bias becomes b + delta; quantizing that graph again gives a
// model whose int8-weight layers match the float layers' per-channel means on the calibration data
// (empirical bias correction of the weight error; activation-quantization error is not modelled).
#pragma once

#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace npukit::pipeline {

/// Rewrites the biases of `float_graph` in place from the weight-quantized `qdq_graph` (same node names).
/// Returns the number of corrected nodes.
Expected<int> correct_biases(ir::Graph& float_graph, const ir::Graph& qdq_graph,
                             const std::vector<std::vector<Tensor>>& samples);

}  // namespace npukit::pipeline
