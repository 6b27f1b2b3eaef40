// SPDX-License-Identifier: Apache-2.0
// tools: subcommands of the `exec` group.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "npk/npk_model.h"
#include "tools/cli.h"

namespace npukit::cli {

/// model_info for a compiled .npk (tools/exec_model_info_npk.cpp).
Status print_npk_model_info(const std::string& path);

/// `npukit exec model_info --model_file M.onnx [--input-shape NAME SHAPE]... [--json]`
void register_exec_model_info(CLI::App& exec, Context& ctx);
/// `npukit exec infer --model_file M.onnx --input_file a.npy,b.pb --output_dir D ...`
void register_exec_infer(CLI::App& exec, Context& ctx);
/// int8 GMAC/s of one core on the active q8 tier: the best of two compute-bound 1x1 convolutions (full-range
/// and post-ReLU inputs), timed in thread CPU time (~0.2 s).
double measure_int8_peak_gmacs();
/// Prints the per-layer profile (node_us: summed over `frames` runs, graph node order) and the operator
/// ranking, and writes profile.json / profile.csv / profile_ranking.csv into `dir`.
/// `kernels` (optional, graph node order): the runtime kernel that ran each node (Runtime::node_kernel_label).
Status write_profile(const npk::NpkModel& model, const std::vector<double>& node_us, int64_t frames, double peak_gmacs,
                     const std::string& dir, const std::vector<std::string>& kernels = {});
/// `npukit exec perf --model_file M.npk --thread_num N --frame_count F ...` (int8 CPU runtime)
void register_exec_perf(CLI::App& exec, Context& ctx);

/// Parameter statistics: elements and bytes of float / 8-32-bit integer constants read by nodes
/// (64-bit integer and bool constants are shape/index/axis data, not weights).
struct ParamStats {
  int64_t count = 0;
  int64_t bytes = 0;
};
ParamStats count_parameters(const ir::Graph& g);
/// Node counts by op type, including nodes inside subgraphs.
std::map<std::string, int64_t> count_ops(const ir::Graph& g);

}  // namespace npukit::cli
