// SPDX-License-Identifier: Apache-2.0
// passes: equalize_channels — per-channel activation equalization (the yaml `per_channel: True`): npukit's
// integer spec quantizes an activation with ONE scale per tensor, so a feature map whose channels have very
// different ranges spends most of its 256 codes on its widest channel. Where the float function allows it
// exactly, the channel ranges are evened out before calibration instead (data-aware cross-layer
// equalization):
//
//   A: Conv (constant W1 [C, ...], optional bias b1) -> x [-> Relu -> u] -> B_1..B_n: Conv reading x (or u) as
//   input 0 with constant weights, each either group 1 (W2 [O, C, ...]) or depthwise (group C, W2 [C*m, 1, ...])
//
// Output channel c of A is divided by s_c > 0 (W1[c] /= s_c, b1[c] /= s_c; Relu commutes with a positive scale)
// and every B multiplies what it reads from channel c by s_c (group 1: W2[:, c] *= s_c; depthwise: the m rows
// of channel c *= s_c), so the float model computes the same function up to f32 rounding. x / u must have no
// other reader and not be a graph output. The scales come from m_c = the calibrated max |value| of channel c of
// the tensor the B's read:
//  - all B depthwise: s_c = m_c / max(m) — every channel then spans the same range; the B's weights are
//    quantized per output channel, so scaling their rows costs nothing;
//  - otherwise s_c = sqrt(m_c / r_c) normalised to a geometric mean of 1, r_c = max |W2[:, c]| over the B's:
//    balances the activation's per-tensor step against the B's per-output-channel weight step (which spans
//    the columns c of a row), the data-aware form of Nagel et al.'s "Data-Free Quantization" (2019) rule.
//  Channels with m_c = 0 or r_c = 0 keep s_c = 1; every s_c is clamped to [1e-4, 1e4].
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::passes {

/// A tensor the B's of a candidate pair read (the Relu output, else A's output), with A's node name.
struct EqualizeCandidate {
  std::string tensor;
  std::string producer_conv;
};

/// The pairs of `graph` (resolved) that equalize_channels() can rewrite, in graph order.
std::vector<EqualizeCandidate> equalize_candidates(const ir::Graph& graph);

struct EqualizeReport {
  int pairs = 0;               ///< candidate tensors rewritten
  double max_range_ratio = 1;  ///< largest max(m) / min(m > 0) among them before equalization
};

/// Rewrites every candidate whose tensor has an entry in `channel_max` (one value per channel, m_c >= 0).
/// Other candidates are left as they are. kInvalidArgument for an entry of the wrong length.
Status equalize_channels(ir::Graph& graph, const std::map<std::string, std::vector<float>>& channel_max,
                         EqualizeReport* report = nullptr);

}  // namespace npukit::passes
