// SPDX-License-Identifier: Apache-2.0
// npu: the cost model. Pure functions of (work shape, dtypes, march) -> cycles of one unit of one core.
// The tiler chooses tiles and groups with them and the static estimator schedules commands with the same
// functions (command_cycles), so a compile decision and the report never disagree. docs/MARCH.md explains
// each formula.
#pragma once

#include <cstdint>
#include <vector>

#include "core/dtype.h"
#include "ir/graph.h"
#include "march/march.h"
#include "npk/program.h"

namespace npukit::npu {

/// One convolution-like piece of work on the TAE (conv tile, gemm tile as a 1x1 conv).
struct TaeWork {
  int64_t n = 1, oh = 1, ow = 1;
  int64_t out_channels = 1;           ///< output channels in this piece
  int64_t in_channels_per_group = 1;  ///< reduction channels per group in this piece (K share)
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t groups = 1;      ///< groups in this piece (depthwise: = out_channels)
  DType act = DType::kI8;  ///< activation dtype (kI8/kU8: int8 rate, kI16: int16 rate)
};
/// MACs as issued by the array: output channels, input channels per group and output width rounded up to the
/// march's granules.
int64_t tae_aligned_macs(const TaeWork& w, const march::MarchSpec& m);
/// MACs actually needed (no rounding).
int64_t tae_ideal_macs(const TaeWork& w);
/// Cycles of the TAE for the piece: aligned MACs / MACs-per-cycle for the dtype (at least 1).
int64_t tae_cycles(const TaeWork& w, const march::MarchSpec& m);
/// Same, without alignment (the ideal the `advice` option compares against).
int64_t tae_ideal_cycles(const TaeWork& w, const march::MarchSpec& m);

/// VAE cycles for `elements` outputs of `dtype` with `passes` vector operations per element.
int64_t vae_cycles(int64_t elements, DType dtype, int64_t passes, const march::MarchSpec& m);
/// AAE cycles for `window_elements` input elements visited (pooling) or output elements (resize).
int64_t aae_cycles(int64_t window_elements, const march::MarchSpec& m);
/// TRANS cycles for moving `bytes` through the layout engine.
int64_t trans_cycles(int64_t bytes, const march::MarchSpec& m);

/// DMA cost of a box transfer between DDR and SRAM: fixed latency + bytes at the DDR rate, where every
/// contiguous run is rounded up to the 64-byte burst. `share` > 1 divides the bandwidth (concurrent cores).
int64_t dma_bytes_on_bus(const npk::Box& box, const Shape& tensor_shape, DType dtype);
int64_t dma_cycles(int64_t bus_bytes, const march::MarchSpec& m, int64_t share = 1);

/// Cycles of one command (the unit it runs on is npk::unit_of(cmd.op)); `nodes` (Graph::nodes()) gives the
/// node of compute commands (kernel sizes), the program the buffers of DMA commands. `dma_share` as above.
int64_t command_cycles(const npk::Command& cmd, const npk::Program& program, const std::vector<ir::Node*>& nodes,
                       const march::MarchSpec& m, int64_t dma_share = 1);
/// Bytes a DMA command moves on the DDR bus (0 for compute commands).
int64_t command_ddr_bytes(const npk::Command& cmd, const npk::Program& program);

double cycles_to_us(int64_t cycles, const march::MarchSpec& m);

}  // namespace npukit::npu
