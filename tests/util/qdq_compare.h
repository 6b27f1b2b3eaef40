// SPDX-License-Identifier: Apache-2.0
// Test helpers: compare an integer graph (quant/lower_qdq.h) with the QDQ graph it was lowered from, tensor by
// tensor. Lowering keeps the name of every QuantizeLinear output it absorbs, so an integer tensor and the QDQ
// tensor of the same name hold the same codes up to the integer spec's rounding.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace npukit::testing {

/// Runs every node of `g` (reference interpreter) on `inputs`; returns every tensor by value name, graph
/// inputs included.
Expected<std::map<std::string, Tensor>> run_all(const ir::Graph& g, const std::vector<Tensor>& inputs);

/// Largest code difference found over the compared tensors.
struct LsbReport {
  int64_t tensors = 0;   ///< integer tensors compared
  int64_t elements = 0;  ///< elements compared
  int64_t max_lsb = 0;   ///< max |code_int - code_qdq|
  int64_t off = 0;       ///< elements that differ at all
  std::string worst;     ///< name of the tensor with max_lsb
};

/// Teacher-forced (per node): runs `qdq` on `inputs`, then every node of `integer` whose inputs all exist in
/// that run (constants of `integer` or QDQ tensors of the same name and dtype) on THOSE inputs, and compares
/// each integer-code output with the QDQ tensor of the same name. This isolates each integer op: its codes
/// must be within 1 LSB of the float DQ -> op -> Q computation.
Expected<LsbReport> teacher_forced_lsb(const ir::Graph& qdq, const ir::Graph& integer,
                                       const std::vector<Tensor>& inputs);

/// Free-running: runs both graphs on `inputs` and compares every integer-code tensor present in both runs
/// (differences propagate from layer to layer here, so this is a report, not the per-op bound).
Expected<LsbReport> free_running_lsb(const ir::Graph& qdq, const ir::Graph& integer, const std::vector<Tensor>& inputs);

}  // namespace npukit::testing
