// SPDX-License-Identifier: Apache-2.0
// passes: fold_conv_affine — folds a per-channel affine step that follows a convolution (Mul / Div by a
// constant, Add / Sub of a constant, e.g. a BatchNormalization that an exporter decomposed into Mul + Add,
// as paddle2onnx does) into the convolution's weights and bias. The quantizer then sees one layer with
// one output range instead of three tensors quantized one after the other.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::passes {

/// Repeatedly folds node `e` = Mul | Div | Add | Sub into the Conv (2-D or any rank, any group) that
/// produces its data input when:
///  - the conv output is used only by `e` and is not a graph output; the conv has constant f32 weights
///    (and bias, if any);
///  - the other input of `e` is a constant f32 whose value is one number or one per output channel laid
///    out along axis 1 of the conv output (shape [C], broadcast as [1, C, 1, 1] is NOT per-channel in
///    ONNX numpy broadcasting, so only shapes [1, C, 1, ..., 1] / [C, 1, ..., 1] with the conv's rank or
///    rank - 1, or a scalar / [1], qualify); for Sub and Div the constant must be input 1 (x - c, x / c).
/// Effects (computed in double, stored in f32): Mul c: W[o] *= c[o], B[o] *= c[o]; Div c: as Mul 1/c;
/// Add c: B[o] += c[o]; Sub c: B[o] -= c[o]. The conv takes over `e`'s output value (name kept) and its
/// origin; `folded` counts removed nodes. The graph must be resolved.
Status fold_conv_affine(ir::Graph& graph, size_t& folded);

}  // namespace npukit::passes
