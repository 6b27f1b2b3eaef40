// SPDX-License-Identifier: Apache-2.0
#include "estimate/perf_estimate.h"
#include "core/text.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unordered_map>

#include "core/file_util.h"
#include "ir/op_count.h"
#include "march/march.h"
#include "npu/cost.h"
#include "npu/schedule.h"

namespace npukit::estimate {
namespace {

const char* unit_key(npk::Unit u) {
  switch (u) {
    case npk::Unit::kLoad: return "load";
    case npk::Unit::kStore: return "store";
    case npk::Unit::kTae: return "tae";
    case npk::Unit::kVae: return "vae";
    case npk::Unit::kAae: return "aae";
    case npk::Unit::kTrans: return "trans";
  }
  return "?";
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

bool is_dma(npk::Unit u) {
  return u == npk::Unit::kLoad || u == npk::Unit::kStore;
}

// Layer rows: one per (original node name(s), segment), in first-appearance order.
struct LayerIndex {
  std::vector<LayerEstimate> rows;
  std::vector<int32_t> row_of_node;  // per graph node
  std::unordered_map<std::string, int32_t> by_key;

  int32_t row(const std::string& name, int32_t segment, const std::string& target) {
    const std::string key = name + '\x1f' + std::to_string(segment);
    if (auto it = by_key.find(key); it != by_key.end()) return it->second;
    LayerEstimate l;
    l.name = name;
    l.segment = segment;
    l.target = target;
    rows.push_back(std::move(l));
    return by_key[key] = static_cast<int32_t>(rows.size() - 1);
  }
};

// The interval width: the requested one, else 1 ms halved until the run spans >= 50 intervals (>= 1 µs).
double pick_interval(double requested_us, double latency_us) {
  if (requested_us > 0) return requested_us;
  double w = 1000.0;
  while (w > 1.0 && latency_us / w < 50.0) w /= 2.0;
  return std::max(w, 1.0);
}

// Adds `amount` spread evenly over [t0, t1) into the per-interval bins of width w.
void spread(std::vector<double>& bins, double w, double t0, double t1, double amount) {
  if (t1 <= t0 || bins.empty()) {
    if (!bins.empty() && amount != 0) {
      const size_t b = std::min(bins.size() - 1, static_cast<size_t>(std::max(0.0, t0 / w)));
      bins[b] += amount;
    }
    return;
  }
  const double rate = amount / (t1 - t0);
  size_t b = static_cast<size_t>(std::max(0.0, t0 / w));
  for (; b < bins.size(); ++b) {
    const double lo = std::max(t0, static_cast<double>(b) * w), hi = std::min(t1, static_cast<double>(b + 1) * w);
    if (hi <= lo) {
      if (static_cast<double>(b) * w >= t1) break;
      continue;
    }
    bins[b] += rate * (hi - lo);
  }
}

}  // namespace

Expected<PerfReport> estimate_perf(const npk::NpkModel& model, const EstimateOptions& options,
                                   const std::string& parameter_crc) {
  const auto t_begin = std::chrono::steady_clock::now();
  if (!(options.interval_us >= 0) || !std::isfinite(options.interval_us))
    return make_error(ErrorCode::kInvalidArgument, "interval must be a positive number of µs");
  NPUKIT_ASSIGN_OR_RETURN(march::MarchSpec m, march::parse_march(model.march_yaml, model.march_name + " (in .npk)"));
  const ir::Graph& g = model.model.graph;
  const std::vector<ir::Node*> nodes = g.nodes();
  if (model.placement.size() != nodes.size())
    return make_error(ErrorCode::kInvalidModel, "placement has ", model.placement.size(), " rows for ", nodes.size(),
                      " nodes");

  PerfReport r;
  PerfSummary& s = r.summary;
  s.model_name = model.model_name;
  s.march = model.march_name;
  s.npukit_version = model.npukit_version;
  s.parameter_crc = parameter_crc;
  if (!model.compile_options_json.empty()) {
    s.compile_options = nlohmann::json::parse(model.compile_options_json, nullptr, false);
    if (s.compile_options.is_discarded()) s.compile_options = nlohmann::json::object();
  }
  // Cores the model was compiled for (core_num), as the time line uses them; the march's when all is on CPU.
  s.cores = 0;
  for (const npk::Program& p : model.programs) s.cores = std::max<int64_t>(s.cores, p.num_cores);
  if (s.cores == 0) s.cores = m.cores;
  s.clock_mhz = m.clock_mhz;
  s.peak_tops = m.peak_int8_tops();
  if (!model.inputs.empty() && !model.inputs[0].shape.empty() && model.inputs[0].shape[0] > 0)
    s.frames_per_run = model.inputs[0].shape[0];

  // Segment of each node and the layer row of each node (provenance -> original names).
  std::vector<int32_t> segment_of(nodes.size(), -1);
  for (size_t si = 0; si < model.segments.size(); ++si)
    for (int32_t n : model.segments[si].nodes)
      if (n >= 0 && static_cast<size_t>(n) < nodes.size())
        segment_of[static_cast<size_t>(n)] = static_cast<int32_t>(si);
  LayerIndex li;
  li.row_of_node.assign(nodes.size(), -1);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ir::Node& n = *nodes[i];
    const std::string name = n.origin().empty() ? n.name() : join(n.origin(), "+");
    const int32_t row = li.row(name, segment_of[i], npk::target_name(model.placement[i].target));
    li.row_of_node[i] = row;
    LayerEstimate& l = li.rows[static_cast<size_t>(row)];
    l.nodes.push_back(n.name());
    const std::string op = n.op_type();
    if (l.op.empty()) {
      l.op = op;
    } else if (("+" + l.op + "+").find("+" + op + "+") == std::string::npos) {
      l.op += "+" + op;
    }
    l.ops += ir::node_ops(n);
  }

  // Schedule each NPU segment (its function calls back to back) and build the time line.
  double t_us = 0;  // NPU time line
  int64_t loaded = 0, stored = 0;
  for (size_t si = 0; si < model.segments.size(); ++si) {
    const npk::Segment& seg = model.segments[si];
    SegmentEstimate se;
    se.index = static_cast<int32_t>(si);
    se.target = npk::target_name(seg.target);
    se.nodes = static_cast<int64_t>(seg.nodes.size());
    for (int32_t n : seg.nodes)
      if (n >= 0 && static_cast<size_t>(n) < nodes.size()) se.ops += ir::node_ops(*nodes[static_cast<size_t>(n)]);
    if (seg.target == npk::Target::kCpu) {
      ++s.cpu_segments;
      s.cpu_ops_per_run += se.ops;
      r.segments.push_back(se);
      continue;
    }
    ++s.npu_segments;
    s.npu_ops_per_run += se.ops;
    if (seg.program < 0 || static_cast<size_t>(seg.program) >= model.programs.size())
      return make_error(ErrorCode::kInvalidModel, "NPU segment ", si, " has no program");
    const npk::Program& p = model.programs[static_cast<size_t>(seg.program)];
    se.start_us = t_us;
    se.commands = static_cast<int64_t>(p.commands.size());
    std::vector<std::pair<size_t, size_t>> calls;
    for (const npk::FunctionCall& fc : p.function_calls)
      calls.emplace_back(static_cast<size_t>(fc.first_command),
                         static_cast<size_t>(fc.first_command + fc.num_commands));
    if (calls.empty()) calls.emplace_back(0, p.commands.size());
    se.function_calls = static_cast<int64_t>(calls.size());
    int64_t seg_cycles = 0;
    for (const auto& [b, e] : calls) {
      const npu::ScheduleResult sr = npu::schedule_commands(p, nodes, m, b, e);
      for (size_t k = 0; k < sr.times.size(); ++k) {
        const size_t ci = b + k;
        const npk::Command& c = p.commands[ci];
        const npk::Unit u = npk::unit_of(c.op);
        TimelineEntry te;
        te.unit = npk::unit_name(u);
        te.core = c.core;
        te.start_us = t_us + npu::cycles_to_us(seg_cycles + sr.times[k].start, m);
        te.end_us = t_us + npu::cycles_to_us(seg_cycles + sr.times[k].end, m);
        te.op = npk::cmd_op_name(c.op);
        te.segment = se.index;
        te.command = static_cast<int32_t>(ci);
        te.ddr_bytes = is_dma(u) ? npu::command_ddr_bytes(c, p) : 0;
        if (c.layer >= 0 && static_cast<size_t>(c.layer) < nodes.size()) {
          te.layer = li.row_of_node[static_cast<size_t>(c.layer)];
        } else {
          te.layer = li.row("(segment " + std::to_string(si) + " transfers)", se.index, "NPU");
        }
        LayerEstimate& l = li.rows[static_cast<size_t>(te.layer)];
        const double dur = te.end_us - te.start_us;
        if (l.commands == 0 || te.start_us < l.start_us) l.start_us = te.start_us;
        l.end_us = std::max(l.end_us, te.end_us);
        ++l.commands;
        if (is_dma(u)) {
          l.load_store_us += dur;
          l.ddr_bytes += te.ddr_bytes;
          (u == npk::Unit::kLoad ? loaded : stored) += te.ddr_bytes;
        } else {
          l.compute_us += dur;
        }
        r.timeline.push_back(std::move(te));
      }
      seg_cycles += sr.makespan;
    }
    se.latency_us = npu::cycles_to_us(seg_cycles, m);
    for (size_t k = r.timeline.size() - static_cast<size_t>(se.commands); k < r.timeline.size(); ++k)
      se.ddr_bytes += r.timeline[k].ddr_bytes;
    t_us += se.latency_us;
    r.segments.push_back(se);
  }
  r.layers = std::move(li.rows);

  // Summary.
  s.latency_us = t_us;
  s.latency_ms = t_us / 1000.0;
  s.runs_per_second = t_us > 0 ? 1e6 / t_us : 0;
  s.fps = s.runs_per_second * static_cast<double>(s.frames_per_run);
  s.ops_per_run = s.npu_ops_per_run + s.cpu_ops_per_run;
  s.ops_per_frame = s.ops_per_run / s.frames_per_run;
  s.ddr_bytes_per_run = loaded + stored;
  s.ddr_bytes_per_frame = s.ddr_bytes_per_run / s.frames_per_run;
  s.loaded_bytes_per_frame = loaded / s.frames_per_run;
  s.stored_bytes_per_frame = stored / s.frames_per_run;
  s.ddr_bytes_per_second = static_cast<double>(s.ddr_bytes_per_run) * s.runs_per_second;
  s.ddr_mb_per_frame = static_cast<double>(s.ddr_bytes_per_frame) / 1e6;
  s.ddr_mb_per_run = static_cast<double>(s.ddr_bytes_per_run) / 1e6;
  s.ddr_mb_per_second = s.ddr_bytes_per_second / 1e6;
  for (const LayerEstimate& l : r.layers) {
    s.compute_us += l.compute_us;
    s.load_store_us += l.load_store_us;
  }

  // Temporal statistics.
  TemporalStats& ts = r.temporal;
  ts.interval_us = pick_interval(options.interval_us, t_us);
  ts.intervals = t_us > 0 ? static_cast<int64_t>(std::ceil(t_us / ts.interval_us - 1e-9)) : 0;
  if (ts.intervals > 10'000'000)
    return make_error(ErrorCode::kInvalidArgument, "interval ", ts.interval_us, " µs gives ", ts.intervals,
                      " intervals over ", t_us, " µs: choose a wider interval");
  const size_t nb = static_cast<size_t>(ts.intervals);
  std::map<std::string, std::vector<double>> busy;
  for (int u = 0; u < npk::kNumUnits; ++u) busy[unit_key(static_cast<npk::Unit>(u))].assign(nb, 0.0);
  std::vector<double> load_bytes(nb, 0.0), store_bytes(nb, 0.0);
  for (const TimelineEntry& te : r.timeline) {
    std::string key = te.unit;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return std::tolower(ch); });
    spread(busy[key], ts.interval_us, te.start_us, te.end_us, te.end_us - te.start_us);
    if (te.ddr_bytes > 0)
      spread(te.unit == "LOAD" ? load_bytes : store_bytes, ts.interval_us, te.start_us, te.end_us,
             static_cast<double>(te.ddr_bytes));
  }
  for (auto& [key, v] : busy) {
    std::vector<double>& out = ts.unit_utilization[key];
    out.resize(nb);
    for (size_t b = 0; b < nb; ++b) {
      const double width = std::min(ts.interval_us, t_us - static_cast<double>(b) * ts.interval_us);
      out[b] = width > 0 ? std::min(100.0, 100.0 * v[b] / (width * static_cast<double>(s.cores))) : 0.0;
    }
  }
  ts.load_mbps.resize(nb);
  ts.store_mbps.resize(nb);
  for (size_t b = 0; b < nb; ++b) {
    const double width = std::min(ts.interval_us, t_us - static_cast<double>(b) * ts.interval_us);
    ts.load_mbps[b] = width > 0 ? load_bytes[b] / width : 0.0;  // bytes per µs == MB/s
    ts.store_mbps[b] = width > 0 ? store_bytes[b] / width : 0.0;
  }

  s.estimate_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_begin).count();
  return r;
}

nlohmann::json to_json(const PerfReport& r) {
  using nlohmann::json;
  const PerfSummary& s = r.summary;
  json j;
  j["format"] = "npukit-perf";
  j["format_version"] = 1;
  json& js = j["summary"];
  js["model_name"] = s.model_name;
  js["march"] = s.march;
  js["npukit_version"] = s.npukit_version;
  js["parameter_crc"] = s.parameter_crc;
  js["compile_options"] = s.compile_options;
  js["cores"] = s.cores;
  js["clock_mhz"] = s.clock_mhz;
  js["peak_tops"] = s.peak_tops;
  js["frames_per_run"] = s.frames_per_run;
  js["latency_us"] = s.latency_us;
  js["latency_ms"] = s.latency_ms;
  js["fps"] = s.fps;
  js["runs_per_second"] = s.runs_per_second;
  json by_segment = json::array();
  for (const SegmentEstimate& se : r.segments)
    if (se.target == "NPU")
      by_segment.push_back({{"segment", se.index}, {"target", se.target}, {"latency_us", se.latency_us}});
  js["latency_by_segment"] = by_segment;
  js["ops_per_run"] = s.ops_per_run;
  js["ops_per_frame"] = s.ops_per_frame;
  js["npu_ops_per_run"] = s.npu_ops_per_run;
  js["cpu_ops_per_run"] = s.cpu_ops_per_run;
  js["ddr_bytes_per_run"] = s.ddr_bytes_per_run;
  js["ddr_bytes_per_frame"] = s.ddr_bytes_per_frame;
  js["ddr_bytes_per_second"] = s.ddr_bytes_per_second;
  js["ddr_mb_per_frame"] = s.ddr_mb_per_frame;
  js["ddr_mb_per_run"] = s.ddr_mb_per_run;
  js["ddr_mb_per_second"] = s.ddr_mb_per_second;
  js["loaded_bytes_per_frame"] = s.loaded_bytes_per_frame;
  js["stored_bytes_per_frame"] = s.stored_bytes_per_frame;
  js["compute_us"] = s.compute_us;
  js["load_store_us"] = s.load_store_us;
  js["npu_segments"] = s.npu_segments;
  js["cpu_segments"] = s.cpu_segments;
  js["estimate_seconds"] = s.estimate_seconds;

  json segs = json::array();
  for (const SegmentEstimate& se : r.segments)
    segs.push_back({{"index", se.index},
                    {"target", se.target},
                    {"nodes", se.nodes},
                    {"ops", se.ops},
                    {"latency_us", se.latency_us},
                    {"start_us", se.start_us},
                    {"ddr_bytes", se.ddr_bytes},
                    {"commands", se.commands},
                    {"function_calls", se.function_calls}});
  j["segments"] = segs;

  json& jt = j["temporal"];
  jt["interval_us"] = r.temporal.interval_us;
  jt["interval_ms"] = r.temporal.interval_us / 1000.0;
  jt["intervals"] = r.temporal.intervals;
  jt["unit_utilization"] = r.temporal.unit_utilization;
  jt["load_mbps"] = r.temporal.load_mbps;
  jt["store_mbps"] = r.temporal.store_mbps;

  json layers = json::array();
  for (const LayerEstimate& l : r.layers)
    layers.push_back({{"name", l.name},
                      {"op", l.op},
                      {"target", l.target},
                      {"segment", l.segment},
                      {"nodes", l.nodes},
                      {"ops", l.ops},
                      {"compute_us", l.compute_us},
                      {"compute_percent", s.compute_us > 0 ? 100.0 * l.compute_us / s.compute_us : 0.0},
                      {"load_store_us", l.load_store_us},
                      {"load_store_percent", s.load_store_us > 0 ? 100.0 * l.load_store_us / s.load_store_us : 0.0},
                      {"ddr_bytes", l.ddr_bytes},
                      {"commands", l.commands},
                      {"start_us", l.start_us},
                      {"end_us", l.end_us}});
  j["layers"] = layers;

  json tl = json::array();
  for (const TimelineEntry& te : r.timeline)
    tl.push_back({{"unit", te.unit},
                  {"core", te.core},
                  {"start_us", te.start_us},
                  {"end_us", te.end_us},
                  {"layer", te.layer >= 0 ? r.layers[static_cast<size_t>(te.layer)].name : std::string()},
                  {"layer_index", te.layer},
                  {"op", te.op},
                  {"segment", te.segment},
                  {"command", te.command},
                  {"ddr_bytes", te.ddr_bytes}});
  j["timeline"] = tl;
  return j;
}

std::string summary_text(const PerfReport& r) {
  const PerfSummary& s = r.summary;
  std::string out =
      str_cat("FPS=", fixed(s.fps, 2), ", latency = ", fixed(s.latency_us, 1), " us  (march ", s.march, ", ",
              s.frames_per_run, " frame(s) per run, ", fixed(double(s.ops_per_frame) / 1e9, 3), " GOPs per frame, DDR ",
              fixed(s.ddr_mb_per_frame, 2), " MB per frame, ", fixed(s.ddr_mb_per_second, 1), " MB/s)\n");
  for (const SegmentEstimate& se : r.segments) {
    if (se.target == "NPU")
      out += str_cat("  segment #", se.index, " NPU: ", se.nodes, " nodes, ", fixed(se.latency_us, 1), " us, DDR ",
                     fixed(double(se.ddr_bytes) / 1e6, 2), " MB\n");
    else
      out += str_cat("  segment #", se.index, " CPU: ", se.nodes, " nodes, ", fixed(double(se.ops) / 1e9, 3),
                     " GOPs (not estimated: runs on the host)\n");
  }
  return out;
}

Status write_perf_report(const PerfReport& report, const std::string& dir, const std::string& stem) {
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(ErrorCode::kIoError, "cannot create output directory '", dir, "': ", ec.message());
  const nlohmann::json j = to_json(report);
  const std::string base = (std::filesystem::path(dir.empty() ? "." : dir) / stem).string();
  NPUKIT_RETURN_IF_ERROR(atomic_write_file(base + ".json", j.dump(1) + "\n"));
  return atomic_write_file(base + ".html", render_html(j));
}

}  // namespace npukit::estimate
