// SPDX-License-Identifier: Apache-2.0
// tools: the per-layer profile of `npukit exec perf --profile` (RKNN eval_perf style): one row per node with its
// measured time, MAC usage against this CPU's measured int8 peak, bytes read and written and the source ONNX
// node(s); then the Operator Time Consuming Ranking. As text, CSV and JSON.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "core/log.h"
#include "core/text.h"
#include "ir/op_count.h"
#include "kernels/q8/q8_kernels.h"
#include "tools/exec_commands.h"

namespace npukit::cli {
namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

double measure_int8_peak_gmacs() {
  // Compute-bound 1x1 convolutions (256 -> 256 channels on 32x32, K = 256) on the active tier, one thread, each
  // repeated for ~0.1 s of this thread's CPU time (so other processes on the machine do not lower the figure):
  // once with full-range int8 inputs and once with post-ReLU codes 0..127, which take the faster exact
  // vpmaddubsw path on AVX2 (docs/KERNELS.md, "7-bit panels"). The better of the two is the best case of the
  // kernels the runtime uses, the reference for the per-layer MAC usage.
  const int64_t c = 256, hw = 32;
  Tensor w(DType::kI8, {c, c, 1, 1});
  for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = static_cast<int8_t>((i * 11) % 253 - 126);
  qref::QConv2dParams p;
  p.out_mult = {quant::quantize_multiplier(1.0 / 65536.0)};
  auto pc = q8::PackedConv::create(w, nullptr, p);
  if (!pc.ok()) return 0;
  auto thread_seconds = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  double best = 0;
  for (const int span : {255, 128}) {
    Tensor x(DType::kI8, {1, c, hw, hw});
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data<int8_t>()[i] = static_cast<int8_t>(span == 255 ? (i * 37) % 255 - 127 : (i * 37) % 128);
    Tensor y;
    const double t0 = thread_seconds();
    int64_t reps = 0;
    double s = 0;
    do {
      if (!q8::conv2d(*pc, x, &y).ok()) return 0;
      ++reps;
      s = thread_seconds() - t0;
    } while (s < 0.1);
    best = std::max(best, static_cast<double>(c * c * hw * hw * reps) / s / 1e9);
  }
  return best;
}

Status write_profile(const npk::NpkModel& model, const std::vector<double>& node_us, int64_t frames, double peak_gmacs,
                     const std::string& dir, const std::vector<std::string>& kernels) {
  const std::vector<ir::Node*> nodes = model.model.graph.nodes();
  std::vector<int32_t> segment_of(nodes.size(), -1);
  for (size_t s = 0; s < model.segments.size(); ++s)
    for (int32_t i : model.segments[s].nodes)
      if (i >= 0 && static_cast<size_t>(i) < nodes.size()) segment_of[static_cast<size_t>(i)] = static_cast<int32_t>(s);
  nlohmann::json rows = nlohmann::json::array();
  std::string csv =
      "id,op_type,data_type,target,input_shapes,output_shape,time_us,macs,mac_usage_percent,rw_kb,kernel,name\n";
  std::printf("\n%-4s %-18s %-6s %-9s %-34s %-18s %10s %8s %9s  %s\n", "ID", "OpType", "Type", "Target", "InputShape",
              "OutputShape", "Time(us)", "MacUsage", "RW(KB)", "FullName");
  double total_us = 0;
  std::map<std::string, std::pair<int64_t, double>> by_op;  // op -> (calls per run, time)
  for (size_t i = 0; i < nodes.size() && i < node_us.size(); ++i) {
    const ir::Node& n = *nodes[i];
    const double us = node_us[i] / static_cast<double>(std::max<int64_t>(frames, 1));
    total_us += us;
    std::vector<std::string> in_shapes;
    int64_t bytes = 0;
    for (const ir::Value* v : n.inputs()) {
      if (!v) continue;
      if (!v->is_constant()) in_shapes.push_back(shape_str(v->shape()));
      bytes += numel(v->shape()) * static_cast<int64_t>(dtype_size(v->dtype()));
    }
    std::string out_shape, dtype;
    for (const ir::Value* v : n.outputs()) {
      if (!v) continue;
      if (out_shape.empty()) {
        out_shape = shape_str(v->shape());
        dtype = dtype_name(v->dtype());
      }
      bytes += numel(v->shape()) * static_cast<int64_t>(dtype_size(v->dtype()));
    }
    const int64_t macs = ir::node_macs(n);
    const double usage = us > 0 && peak_gmacs > 0 ? 100.0 * static_cast<double>(macs) / (us * 1e3 * peak_gmacs) : 0.0;
    const int32_t seg = segment_of[i];
    const std::string target =
        seg >= 0 ? str_cat(npk::target_name(model.segments[static_cast<size_t>(seg)].target), "#", seg) : "-";
    const std::string full = n.origin().empty() ? n.name() : join(n.origin(), "+");
    const std::string ins = join(in_shapes, " ");
    const std::string kernel = i < kernels.size() ? kernels[i] : "";
    std::printf("%-4zu %-18s %-6s %-9s %-34s %-18s %10.1f %7.1f%% %9.1f  %s\n", i, n.op_type(), dtype.c_str(),
                target.c_str(), ins.c_str(), out_shape.c_str(), us, usage, static_cast<double>(bytes) / 1024.0,
                full.c_str());
    csv += str_cat(i, ",", n.op_type(), ",", dtype, ",", target, ",", csv_field(ins), ",", csv_field(out_shape), ",",
                   us, ",", macs, ",", usage, ",", static_cast<double>(bytes) / 1024.0, ",", kernel, ",",
                   csv_field(full), "\n");
    rows.push_back({{"id", i},
                    {"op_type", n.op_type()},
                    {"data_type", dtype},
                    {"target", target},
                    {"input_shapes", in_shapes},
                    {"output_shape", out_shape},
                    {"time_us", us},
                    {"macs", macs},
                    {"mac_usage_percent", usage},
                    {"rw_bytes", bytes},
                    {"kernel", kernel},
                    {"name", full}});
    auto& [calls, t] = by_op[n.op_type()];
    ++calls;
    t += us;
  }
  std::vector<std::pair<std::string, std::pair<int64_t, double>>> ranking(by_op.begin(), by_op.end());
  std::sort(ranking.begin(), ranking.end(),
            [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
  std::printf("\nOperator Time Consuming Ranking (per inference, %.1f us in nodes; int8 peak %.1f GMAC/s measured)\n",
              total_us, peak_gmacs);
  std::printf("%-18s %10s %12s %8s\n", "OpType", "CallNumber", "Time(us)", "Ratio");
  nlohmann::json rank = nlohmann::json::array();
  std::string rank_csv = "op_type,calls,time_us,ratio_percent\n";
  for (const auto& [op, ct] : ranking) {
    const double ratio = total_us > 0 ? 100.0 * ct.second / total_us : 0.0;
    std::printf("%-18s %10lld %12.1f %7.2f%%\n", op.c_str(), static_cast<long long>(ct.first), ct.second, ratio);
    rank.push_back({{"op_type", op}, {"calls", ct.first}, {"time_us", ct.second}, {"ratio_percent", ratio}});
    rank_csv += str_cat(op, ",", ct.first, ",", ct.second, ",", ratio, "\n");
  }
  nlohmann::json j;
  j["frames"] = frames;
  j["int8_peak_gmacs"] = peak_gmacs;
  j["total_node_time_us"] = total_us;
  j["layers"] = rows;
  j["ranking"] = rank;
  const std::filesystem::path d(dir.empty() ? "." : dir);
  NPUKIT_RETURN_IF_ERROR(atomic_write_file((d / "profile.json").string(), j.dump(1) + "\n"));
  NPUKIT_RETURN_IF_ERROR(atomic_write_file((d / "profile.csv").string(), csv));
  NPUKIT_RETURN_IF_ERROR(atomic_write_file((d / "profile_ranking.csv").string(), rank_csv));
  log::info("profile: wrote ", (d / "profile.json").string(), ", profile.csv and profile_ranking.csv");
  return Status::Ok();
}

}  // namespace npukit::cli
