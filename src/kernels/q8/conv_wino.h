// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): exact int16 Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (conv_wino.cpp). It computes
// the same int32 conv sums S = sum w * u as the im2col GEMM path (u = code ^ mask) and then the same requantization and
// store, so its results are bit-identical. Exactness argument: docs/KERNELS.md ("Winograd F(2x2, 3x3)").
#pragma once

#include <cstdint>

#include "core/status.h"
#include "core/tensor.h"
#include "kernels/q8/engine.h"
#include "kernels/q8/parallel.h"
#include "kernels/q8/q8_kernels.h"

namespace npukit::q8::detail {

/// Packs the transformed weights U = G2 g G2^T (G2 = 2 G: integer, |U| <= 9 * 127 = 1143) into pc.wino_w_ and sets
/// pc.wino_ when the layer qualifies: fast path, not depthwise, 3x3 kernel, stride 1, dilation 1, group 1, C >= 8,
/// Cout >= 8, 4 * acc_bound <= INT32_MAX and a tier with a Winograd tile. Called at the end of PackedConv::create.
void pack_winograd(PackedConv& pc);

/// The convolution of x (8-bit codes, already checked by conv2d) through the Winograd path, writing through st.
/// Precondition: pc.winograd().
Status conv2d_winograd(const PackedConv& pc, const Tensor& x, const RowStore& st, int64_t oh, int64_t ow,
                       const Parallel* par);

}  // namespace npukit::q8::detail
