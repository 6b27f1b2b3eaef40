// SPDX-License-Identifier: Apache-2.0
// npu: integer graph -> deployable model. Places every node (npu/placement.h), cuts the graph into NPU and
// CPU segments, compiles each NPU segment (npu/npu_compiler.h) and assembles the NpkModel that
// npk/npk_file.h writes.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "march/march.h"
#include "npk/npk_model.h"
#include "npu/npu_compiler.h"
#include "npu/placement.h"

namespace npukit::npu {

struct ModelCompileInfo {
  std::vector<SegmentCompileInfo> segments;  ///< per NPU segment, in NpkModel::programs order
  int64_t npu_nodes = 0, cpu_nodes = 0;
};

/// Compiles a resolved integer model (quant/lower_qdq.h output, after any boundary-node removal).
/// `on_segment` (optional) is called after each NPU segment (progress).
Expected<npk::NpkModel> compile_model(ir::Model model, const march::MarchSpec& m, const NpuOptions& options,
                                      const PlacementOptions& placement_options, ModelCompileInfo* info = nullptr,
                                      const std::function<void(size_t done, size_t total)>& on_segment = {});

}  // namespace npukit::npu
