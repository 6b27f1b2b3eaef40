// SPDX-License-Identifier: Apache-2.0
#include "pipeline/compile_npu.h"

#include <nlohmann/json.hpp>

#include "core/log.h"
#include "core/progress.h"
#include "npu/cost.h"
#include "quant/lower_qdq.h"

namespace npukit::pipeline {

Expected<march::MarchSpec> load_config_march(const config::CompileConfig& c) {
  const config::ModelParameters& mp = c.model_parameters;
  if (mp.march == config::March::kFile) return march::load_march(mp.march_file);
  return march::load_march(config::to_string(mp.march));
}

Expected<ir::Model> integer_model_for_npu(const ir::Model& quantized, const config::CompileConfig& c,
                                          const march::MarchSpec& m, std::vector<std::string>* removed) {
  NPUKIT_ASSIGN_OR_RETURN(ir::Model lowered, ir::clone_model(quantized));
  NPUKIT_RETURN_IF_ERROR(quant::lower_qdq_to_integer(lowered.graph).with_context("integer lowering"));
  npu::RemoveOptions ro;
  ro.types = c.model_parameters.remove_node_type;
  ro.names = c.model_parameters.remove_node_name;
  ro.auto_cpu_ends = c.fast_perf;
  ro.placement_march = &m;
  if (!ro.types.empty() || !ro.names.empty() || ro.auto_cpu_ends) {
    NPUKIT_ASSIGN_OR_RETURN(std::vector<std::string> gone, npu::remove_boundary_nodes(lowered.graph, ro));
    for (const std::string& r : gone) log::info("compile: removed ", r, " at the model boundary");
    if (removed) *removed = std::move(gone);
  }
  NPUKIT_RETURN_IF_ERROR(lowered.graph.topo_sort());
  return lowered;
}

namespace {

nlohmann::json options_json(const config::CompileConfig& c, const npu::NpuOptions& o) {
  const config::CompilerParameters& p = c.compiler_parameters;
  nlohmann::json j;
  j["optimize_level"] = "O" + std::to_string(o.optimize_level);
  j["compile_mode"] = config::to_string(p.compile_mode);
  if (p.balance_factor) j["balance_factor"] = *p.balance_factor;
  j["core_num"] = o.core_num;
  j["max_time_per_fc"] = p.max_time_per_fc;
  j["jobs"] = o.jobs;
  j["advice"] = p.advice;
  j["fast_perf"] = c.fast_perf;
  return j;
}

template <class T>
const T* at(const std::vector<T>& v, size_t i) {
  return i < v.size() ? &v[i] : nullptr;
}

}  // namespace

Expected<npk::NpkModel> build_npk(const ir::Model& quantized, const config::CompileConfig& c,
                                  NpuCompileSummary* summary) {
  NPUKIT_ASSIGN_OR_RETURN(march::MarchSpec m, load_config_march(c));
  std::vector<std::string> removed;
  NPUKIT_ASSIGN_OR_RETURN(ir::Model integer, integer_model_for_npu(quantized, c, m, &removed));
  const npu::NpuOptions options = npu::npu_options_from_config(c, m);
  npu::PlacementOptions po;
  for (const auto& [name, info] : c.model_parameters.node_info)
    if (info.on) po.on[name] = *info.on;
  npu::ModelCompileInfo info;
  std::unique_ptr<Progress> bar;
  NPUKIT_ASSIGN_OR_RETURN(npk::NpkModel model,
                          npu::compile_model(std::move(integer), m, options, po, &info, [&](size_t done, size_t total) {
                            if (!bar) bar = std::make_unique<Progress>("npu compile", static_cast<int64_t>(total));
                            bar->advance();
                            (void)done;
                          }));
  if (bar) bar->finish();
  model.model_name = c.model_parameters.output_model_file_prefix;
  model.npukit_version = NPUKIT_VERSION;
  model.compile_options_json = options_json(c, options).dump();
  const config::InputParameters& ip = c.input_parameters;
  nlohmann::json pre = nlohmann::json::array();
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    npk::IoDesc& d = model.inputs[i];
    const size_t k = i < c.num_inputs() ? i : 0;
    if (const auto* rt = at(ip.input_type_rt, k)) d.input_type = config::to_string(*rt);
    if (d.input_type.empty()) d.input_type = "featuremap";
    d.source = config::to_string(config::effective_input_source(c, k));
    if (d.shape.size() == 4) d.layout = "NCHW";
    nlohmann::json e;
    e["input"] = d.name;
    e["input_type_rt"] = d.input_type;
    if (const auto* tr = at(ip.input_type_train, k)) e["input_type_train"] = config::to_string(*tr);
    if (const auto* n = at(ip.norm_type, k)) e["norm_type"] = config::to_string(*n);
    if (const auto* mv = at(ip.mean_value, k)) e["mean_value"] = *mv;
    if (const auto* sv = at(ip.scale_value, k)) e["scale_value"] = *sv;
    pre.push_back(e);
  }
  model.preprocess_json = pre.dump();
  if (summary) {
    summary->removed = removed;
    for (const npk::Segment& s : model.segments)
      (s.target == npk::Target::kNpu ? summary->segments_npu : summary->segments_cpu)++;
    for (const npu::SegmentCompileInfo& si : info.segments) {
      summary->est_latency_us += npu::cycles_to_us(si.est_cycles, m);
      summary->ddr_bytes += si.ddr_bytes;
    }
    for (const npu::SegmentCompileInfo& si : info.segments)
      for (const std::string& a : si.advice) log::warn("advice: ", a);
    summary->info = std::move(info);
  }
  return model;
}

}  // namespace npukit::pipeline
