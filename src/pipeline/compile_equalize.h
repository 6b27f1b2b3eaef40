// SPDX-License-Identifier: Apache-2.0
// pipeline: the yaml `calibration_parameters.per_channel: True` — per-channel calibration of feature maps.
// Each tensor that passes/equalize_channels.h can even out gets its per-channel max |value| measured on the
// calibration samples (the float model, fast kernels), then the pass rescales the conv pairs around it so that
// the per-tensor int8 scale of the integer spec serves every channel; calibration then runs as usual on the
// equalized model (same float function up to f32 rounding).
#pragma once

#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "passes/equalize_channels.h"

namespace npukit::pipeline {

/// Measures the candidates of `g` on `samples` and equalizes them in place.
Expected<passes::EqualizeReport> equalize_per_channel(ir::Graph& g, const std::vector<std::vector<Tensor>>& samples);

}  // namespace npukit::pipeline
