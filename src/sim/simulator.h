// SPDX-License-Identifier: Apache-2.0
// sim: functional simulator of the NPU. Executes a Program's command stream on int8/int16 data, command by
// command in stream order, with each unit's datapath defined by the reference integer kernels
// (kernels/ref/qkernels.h) applied to the tiles in SRAM — so results are bit-exact with the reference
// interpreter exactly when the compiler's tiling, addressing and dependencies are right. It also checks the
// schedule as it goes: SRAM bounds, reads of bytes no completed command wrote, writes over bytes a
// not-yet-completed command still reads or writes (using the queues and `deps` of program.h), tiles that
// do not contain what the op reads, DDR reads before the producing STORE.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "npk/npk_model.h"

namespace npukit::sim {

struct SimStats {
  int64_t commands = 0;
  int64_t load_bytes = 0, store_bytes = 0;
  int64_t peak_sram_bytes = 0;  ///< highest SRAM byte address touched + 1, max over cores
};

/// Runs one NPU program. `graph` is the model graph the program's `layer` indices and constant buffers
/// refer to; `inputs` holds a tensor for every kInput buffer (by value name). Returns every kOutput buffer
/// by value name. Schedule violations are kInternal errors naming the command index, op and layer.
Expected<std::map<std::string, Tensor>> run_program(const npk::Program& program, const ir::Graph& graph,
                                                    const std::map<std::string, Tensor>& inputs,
                                                    SimStats* stats = nullptr);

/// Runs a whole hybrid model: NPU segments on the simulator, CPU segments on the reference interpreter.
/// Inputs in graph-input order; returns graph outputs in order.
Expected<std::vector<Tensor>> run_model(const npk::NpkModel& model, const std::vector<Tensor>& inputs,
                                        SimStats* stats = nullptr);

}  // namespace npukit::sim
