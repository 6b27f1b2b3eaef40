// SPDX-License-Identifier: Apache-2.0
// Test helpers for the NPU compiler: turn a small float graph into npukit's integer graph (resolve, max
// calibration on random samples, QDQ, lowering), and check that the compiled model run on the NPU simulator is
// bit-exact with the reference interpreter on the same integer graph.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "march/march.h"
#include "npk/npk_model.h"
#include "npu/npu_compiler.h"

namespace npukit::testing {

/// Float model -> integer model (random normal calibration samples; per-channel int8 weights).
Expected<ir::Model> quantize_to_integer(ir::Model float_model, uint32_t seed = 1, int samples = 2);

/// One random tensor per runtime input of `g` (normal floats for f32 inputs, codes for integer inputs).
std::vector<Tensor> random_inputs(const ir::Graph& g, uint32_t seed);

struct SimCheck {
  int64_t commands = 0;    ///< NPU commands simulated
  int64_t npu_nodes = 0;   ///< nodes placed on the NPU
  int64_t est_cycles = 0;  ///< compiler's schedule estimate, summed over NPU segments
  int64_t ddr_bytes = 0;   ///< DDR bytes of the command streams
  npk::NpkModel model;     ///< the compiled model
};

/// Compiles `integer` for `m` with `o`, runs the simulator and the reference interpreter on random inputs
/// (`runs` different seeds) and ADD_FAILUREs unless every output is bit-identical. Returns the facts above.
SimCheck expect_sim_bit_exact(const ir::Model& integer, const march::MarchSpec& m, const npu::NpuOptions& o,
                              uint32_t seed = 7, int runs = 1);

}  // namespace npukit::testing
