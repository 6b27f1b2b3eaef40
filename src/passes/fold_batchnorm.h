// SPDX-License-Identifier: Apache-2.0
// passes: fold_batchnorm — folds an inference BatchNormalization into the Conv / ConvTranspose that
// produces its input, as every deployment toolchain does before quantization (the quantizer then sees
// one weight tensor per layer, and the NPU one conv instead of a conv plus a per-channel affine).
#pragma once

#include <cstddef>

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::passes {

/// For each BatchNormalization whose input X is the only-used output of a Conv (or ConvTranspose with
/// group 1) with constant f32 weights (and bias, if any) and whose four parameters are constant:
///   k[c] = scale[c] / sqrt(var[c] + epsilon)            (computed in double, stored in f32)
///   W'[c,...] = W[c,...] * k[c]        (ConvTranspose: channel axis 1)
///   B'[c]     = (B[c] - mean[c]) * k[c] + bias_bn[c]    (B = 0 when the conv has none)
/// The conv takes the BN's output value (name kept, so graph outputs and later references still
/// match), its origin gains the BN's origin, the BN node is removed. Float results change only by
/// rounding (the folded model is checked against the original in tests with a stated tolerance).
/// `folded` returns the number of BN nodes removed. The graph must be resolved (static types).
Status fold_batchnorm(ir::Graph& graph, size_t& folded);

}  // namespace npukit::passes
