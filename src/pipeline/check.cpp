// SPDX-License-Identifier: Apache-2.0
#include "pipeline/check.h"

#include <filesystem>
#include <random>

#include "npk/npk_file.h"
#include "pipeline/compile.h"

namespace npukit::pipeline {

namespace fs = std::filesystem;

Expected<CheckResult> run_check(const config::FastPerfOptions& options) {
  std::error_code ec;
  const fs::path tmp = fs::temp_directory_path(ec) / ("npukit-check-" + std::to_string(std::random_device{}()));
  if (ec) return make_error(ErrorCode::kIoError, "no temporary folder: ", ec.message());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{tmp};
  config::FastPerfOptions fo = options;
  fo.working_dir = tmp.string();
  NPUKIT_ASSIGN_OR_RETURN(config::CompileConfig cfg, config::make_fast_perf_config(fo));
  // Report every node as the model stands: no automatic removal at the ends, quickest schedule.
  cfg.fast_perf = false;
  cfg.compiler_parameters.optimize_level = config::OptimizeLevel::kO0;
  CompileRunOptions ro;
  ro.print_similarity = false;
  ro.similarity_samples = 1;
  ro.skip_samples = 2;
  NPUKIT_ASSIGN_OR_RETURN(CompileResult r, run_compile(cfg, ro));
  NPUKIT_ASSIGN_OR_RETURN(npk::NpkModel m, npk::read_npk(r.files.npk_model));
  CheckResult out;
  out.march = m.march_name;
  out.placement = m.placement;
  out.segments = m.segments;
  const std::vector<ir::Node*> nodes = m.model.graph.nodes();
  out.supported = true;
  for (size_t i = 0; i < nodes.size() && i < out.placement.size(); ++i) {
    if (out.placement[i].target == npk::Target::kNpu) continue;
    const ir::Node& n = *nodes[i];
    const std::string op = n.op_type();
    bool boundary = false;
    if (op == "QuantizeLinear") boundary = n.input(0) && n.input(0)->is_graph_input();
    if (op == "DequantizeLinear") boundary = n.output(0) && n.output(0)->is_graph_output();
    if (!boundary) out.supported = false;
  }
  out.integer_model = std::move(m.model);
  return out;
}

}  // namespace npukit::pipeline
