// SPDX-License-Identifier: Apache-2.0
#include "npu/compile_model.h"

namespace npukit::npu {

Expected<npk::NpkModel> compile_model(ir::Model model, const march::MarchSpec& m, const NpuOptions& options,
                                      const PlacementOptions& placement_options, ModelCompileInfo* info,
                                      const std::function<void(size_t, size_t)>& on_segment) {
  NPUKIT_RETURN_IF_ERROR(model.graph.topo_sort());
  NPUKIT_RETURN_IF_ERROR(model.graph.verify(true).with_context("integer graph"));
  npk::NpkModel out;
  out.placement = place_nodes(model.graph, m, placement_options);
  out.segments = build_segments(model.graph, out.placement);
  size_t total = 0, done = 0;
  for (const npk::Segment& s : out.segments) total += s.target == npk::Target::kNpu;
  for (npk::Segment& s : out.segments) {
    if (s.target != npk::Target::kNpu) continue;
    SegmentCompileInfo seg_info;
    NPUKIT_ASSIGN_OR_RETURN(npk::Program p, compile_segment(model.graph, s, m, options, &seg_info));
    s.program = static_cast<int32_t>(out.programs.size());
    out.programs.push_back(std::move(p));
    if (info) info->segments.push_back(std::move(seg_info));
    if (on_segment) on_segment(++done, total);
  }
  if (info)
    for (const npk::Placement& p : out.placement) (p.target == npk::Target::kNpu ? info->npu_nodes : info->cpu_nodes)++;
  for (const ir::Value* v : model.graph.inputs()) {
    if (v->is_constant()) continue;
    npk::IoDesc d;
    d.name = v->name();
    d.dtype = v->dtype();
    d.shape = v->shape();
    out.inputs.push_back(std::move(d));
  }
  for (const ir::Value* v : model.graph.outputs()) {
    npk::IoDesc d;
    d.name = v->name();
    d.dtype = v->dtype();
    d.shape = v->shape();
    out.outputs.push_back(std::move(d));
  }
  out.march_name = m.name;
  out.march_yaml = march::to_yaml(m);
  out.model = std::move(model);
  return out;
}

}  // namespace npukit::npu
