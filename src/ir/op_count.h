// SPDX-License-Identifier: Apache-2.0
// ir: how much arithmetic a node does, from its op and static shapes. One definition for every report:
// `npukit exec model_info` (MACs), the static estimator (effective ops) and the runtime's profiler.
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace npukit::ir {

/// Multiply-accumulates of a node (Conv/QConv, ConvTranspose, Gemm/QGemm, MatMul/QMatMul, LSTM); 0 for other
/// ops and when the shapes it needs are not known.
int64_t node_macs(const Node& n);

/// Effective ops: 2 per MAC for the ops above; the window elements visited for pooling (input elements for a
/// global pool); one per output element for the other arithmetic ops (elementwise, activation, table,
/// normalisation, reduction, resize, (de)quantization); 0 for shape and data-movement ops (Reshape, Concat,
/// Slice, Transpose, ...) and unknown shapes. No array padding: this is the work the model asks for.
int64_t node_ops(const Node& n);

/// Sums over the graph, subgraphs included.
int64_t graph_macs(const Graph& g);
int64_t graph_ops(const Graph& g);

}  // namespace npukit::ir
