// SPDX-License-Identifier: Apache-2.0
// sim: helpers shared by the simulator's files (not part of the public API).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "npk/program.h"

namespace npukit::sim::internal {

/// Calls fn(tensor_elem, box_elem, count) for each maximal contiguous run of `box` inside a row-major
/// tensor of `shape`: tensor_elem is the run's element offset in the tensor, box_elem its offset in the box
/// stored densely. `box` must lie inside `shape` (same rank).
void for_each_run(const Shape& shape, const npk::Box& box,
                  const std::function<void(int64_t tensor_elem, int64_t box_elem, int64_t count)>& fn);

/// The part `need` of a tile holding `tile_box` of a tensor (both in the tensor's coordinates). Error
/// "<what> tile <tile box> does not contain needed <need>" unless tile_box contains need (empty regions are
/// always contained).
Expected<Tensor> crop(const Tensor& tile, const npk::Box& tile_box, const npk::Box& need, const char* what);

/// A source tile of a command, read from SRAM.
struct SrcTile {
  const npk::Operand* op = nullptr;
  Tensor data;
};

/// The datapath: computes the dst tile of a compute command (not LOAD / STORE) from its source tiles with
/// the reference kernels. `node` is the command's layer. Errors name what is wrong, without the command
/// prefix (the caller adds it).
Expected<Tensor> compute(const npk::Command& cmd, const ir::Node& node, const std::vector<SrcTile>& srcs);

}  // namespace npukit::sim::internal
