// SPDX-License-Identifier: Apache-2.0
// npk: consistency checks of an NpkModel (the part outside the graph), shared by the .npk writer (it never
// writes a file it would refuse to read) and the reader (after decoding, before anything uses the model).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "npk/npk_file.h"
#include "npk/npk_model.h"

namespace npukit::npk {

/// Checks segments, programs, placement and io descs against each other and against the graph: every enum
/// value in range, every index in range (node indices, program indices, buffer ids, dep indices < own
/// command index, layers), boxes (rank <= kMaxBoxRank, sizes >= 0), SRAM tiles inside sram_bytes_per_core,
/// arena buffers inside arena_bytes, constant buffers matching their graph constant, shapes valid.
/// kInvalidModel naming the item on the first violation. Does not check the graph itself (Graph::verify).
Status validate_npk_model(const NpkModel& m);

namespace detail {
/// serialize_npk without the model checks (validate_npk_model, Graph::verify): for tests that need a file
/// with a structurally valid container but a semantically broken model, to prove the reader rejects it.
Expected<std::vector<uint8_t>> serialize_npk_unvalidated(const NpkModel& m, NpkFileInfo* info = nullptr);

/// One tensor stored in the weights section.
struct WeightEntry {
  std::string what;     ///< "value 'w1'" or "node 'n' attribute 'value'" (subgraph items too)
  uint64_t offset = 0;  ///< byte offset inside the weights section
  uint64_t bytes = 0;
};
/// Where the tensors of a file lie in its weights section (container and metadata checked, model not decoded):
/// for tests and inspection tools.
Expected<std::vector<WeightEntry>> list_weights(const std::vector<uint8_t>& bytes);
}  // namespace detail

}  // namespace npukit::npk
