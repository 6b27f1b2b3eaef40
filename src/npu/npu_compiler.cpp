// SPDX-License-Identifier: Apache-2.0
// npu: compile_segment — buffers, groups, tile search, arena, emission, function calls, advice.
#include "npu/npu_compiler.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>
#include <sstream>
#include <thread>

#include "core/log.h"
#include "npu/cost.h"
#include "npu/emitter.h"
#include "npu/lower_internal.h"
#include "npu/schedule.h"

namespace npukit::npu {

using detail::Group;
using detail::NodeClass;
using detail::Plan;
using detail::SegmentContext;

namespace {

/// Follows alias views back to the buffer that owns the bytes.
int32_t base_of(const npk::Program& p, int32_t b) {
  while (b >= 0 && p.buffers[static_cast<size_t>(b)].alias_of >= 0) b = p.buffers[static_cast<size_t>(b)].alias_of;
  return b;
}

/// Creates DDR buffers for the given values (constants, segment inputs / outputs, internal).
void make_buffers(SegmentContext& ctx, const npk::Segment& seg, const std::set<std::string>& needed) {
  npk::Program& p = *ctx.program;
  p.buffers.clear();
  ctx.buffer_of.clear();
  std::set<std::string> inputs(seg.inputs.begin(), seg.inputs.end());
  std::set<std::string> outputs(seg.outputs.begin(), seg.outputs.end());
  auto add = [&](const ir::Value* v) {
    if (!v || ctx.buffer_of.count(v->name()) || !needed.count(v->name())) return;
    npk::DdrBuffer b;
    b.value = v->name();
    b.dtype = v->dtype();
    b.shape = v->shape();
    if (v->is_constant())
      b.kind = npk::BufferKind::kConstant;
    else if (inputs.count(v->name()))
      b.kind = npk::BufferKind::kInput;
    else if (outputs.count(v->name()))
      b.kind = npk::BufferKind::kOutput;
    else
      b.kind = npk::BufferKind::kInternal;
    ctx.buffer_of[v->name()] = static_cast<int32_t>(p.buffers.size());
    p.buffers.push_back(std::move(b));
  };
  for (int32_t i : seg.nodes) {
    const ir::Node& n = *ctx.nodes[static_cast<size_t>(i)];
    for (const ir::Value* v : n.inputs()) add(v);
    for (const ir::Value* v : n.outputs()) add(v);
    if (detail::classify(n) == NodeClass::kAlias && n.input(0) && n.output(0)) {
      auto in = ctx.buffer_of.find(n.input(0)->name());
      auto out = ctx.buffer_of.find(n.output(0)->name());
      if (in != ctx.buffer_of.end() && out != ctx.buffer_of.end())
        p.buffers[static_cast<size_t>(out->second)].alias_of = in->second;
    }
  }
}

/// Values a group keeps in SRAM (chain intermediates): every output of a chain node but the last.
std::set<std::string> intermediates(const SegmentContext& ctx, const std::vector<Group>& groups) {
  std::set<std::string> s;
  for (const Group& g : groups)
    if (g.kind == detail::GroupKind::kChain)
      for (size_t k = 0; k + 1 < g.nodes.size(); ++k)
        s.insert(ctx.nodes[static_cast<size_t>(g.nodes[k])]->output(0)->name());
  return s;
}

/// Arena offsets: lifetimes in group order, first fit among overlapping lifetimes, 64-byte aligned.
void plan_arena(SegmentContext& ctx, const std::vector<Group>& groups) {
  npk::Program& p = *ctx.program;
  const size_t nb = p.buffers.size();
  const int64_t kEnd = static_cast<int64_t>(groups.size()) + 1;
  std::vector<int64_t> def(nb, kEnd), last(nb, -1);
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    for (int32_t ni : groups[gi].nodes) {
      const ir::Node& n = *ctx.nodes[static_cast<size_t>(ni)];
      for (const ir::Value* v : n.inputs()) {
        if (!v) continue;
        auto it = ctx.buffer_of.find(v->name());
        if (it == ctx.buffer_of.end()) continue;
        const int32_t b = base_of(p, it->second);
        last[static_cast<size_t>(b)] = std::max<int64_t>(last[static_cast<size_t>(b)], static_cast<int64_t>(gi));
      }
      for (const ir::Value* v : n.outputs()) {
        auto it = ctx.buffer_of.find(v->name());
        if (it == ctx.buffer_of.end()) continue;
        const int32_t b = base_of(p, it->second);
        def[static_cast<size_t>(b)] = std::min<int64_t>(def[static_cast<size_t>(b)], static_cast<int64_t>(gi));
      }
    }
  }
  for (size_t b = 0; b < nb; ++b) {
    const npk::DdrBuffer& buf = p.buffers[b];
    const size_t base = static_cast<size_t>(base_of(p, static_cast<int32_t>(b)));
    if (buf.kind == npk::BufferKind::kInput) def[base] = -1;
    if (buf.kind == npk::BufferKind::kOutput) last[base] = kEnd;
    if (def[base] == kEnd) def[base] = -1;  // e.g. an alias of an input
    last[base] = std::max(last[base], def[base]);
  }
  std::vector<size_t> order;
  for (size_t b = 0; b < nb; ++b)
    if (p.buffers[b].alias_of < 0 && p.buffers[b].kind != npk::BufferKind::kConstant) order.push_back(b);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p.buffers[a].bytes() > p.buffers[b].bytes(); });
  std::vector<size_t> placed;
  int64_t arena = 0;
  for (size_t b : order) {
    const int64_t size = detail::align_up(std::max<int64_t>(p.buffers[b].bytes(), 1), 64);
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t q : placed)
      if (!(last[q] < def[b] || last[b] < def[q]))
        busy.push_back({p.buffers[q].offset, p.buffers[q].offset + detail::align_up(p.buffers[q].bytes(), 64)});
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto& [lo, hi] : busy) {
      if (at + size <= lo) break;
      at = std::max(at, hi);
    }
    p.buffers[b].offset = at;
    arena = std::max(arena, at + size);
    placed.push_back(b);
  }
  for (size_t b = 0; b < nb; ++b)
    if (p.buffers[b].alias_of >= 0)
      p.buffers[b].offset = p.buffers[static_cast<size_t>(base_of(p, static_cast<int32_t>(b)))].offset;
  p.arena_bytes = arena;
}

std::string advice_line(const ir::Node& n, const march::MarchSpec& m, int64_t threshold_us) {
  if (detail::classify(n) != NodeClass::kConv && detail::classify(n) != NodeClass::kGemm) return "";
  const Shape& ys = n.output(0)->shape();
  TaeWork w;
  w.act = n.input(0)->dtype();
  if (detail::classify(n) == NodeClass::kConv) {
    const Shape& ws = n.input(1)->shape();
    w.n = ys[0];
    w.out_channels = ys[1];
    w.oh = ys[2];
    w.ow = ys[3];
    w.in_channels_per_group = ws[1];
    w.kernel_h = ws[2];
    w.kernel_w = ws[3];
  } else {
    w.oh = ys[0];
    w.out_channels = ys[1];
    w.in_channels_per_group = n.input(0)->shape()[1];
  }
  const double aligned = cycles_to_us(tae_cycles(w, m), m), ideal = cycles_to_us(tae_ideal_cycles(w, m), m);
  if (aligned - ideal <= static_cast<double>(threshold_us)) return "";
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(1);
  auto al = [](int64_t v, int64_t g) { return detail::align_up(v, g); };
  os << n.op_type() << " '" << n.name() << "': aligned cost " << aligned << " us vs ideal " << ideal << " us (+"
     << aligned - ideal << " us); output channels " << w.out_channels << " -> "
     << al(w.out_channels, m.tae.output_channel_granule) << ", input channels per group " << w.in_channels_per_group
     << " -> " << al(w.in_channels_per_group, m.tae.input_channel_granule) << ", width " << w.ow << " -> "
     << al(w.ow, m.tae.width_granule);
  os.precision(2);
  os << " (padding ratio " << static_cast<double>(tae_aligned_macs(w, m)) / static_cast<double>(tae_ideal_macs(w))
     << "x)";
  return os.str();
}

}  // namespace

Expected<npk::Program> compile_segment(const ir::Graph& g, const npk::Segment& segment, const march::MarchSpec& m,
                                       const NpuOptions& options, SegmentCompileInfo* info) {
  npk::Program program;
  program.num_cores = static_cast<int32_t>(std::clamp<int64_t>(options.core_num, 1, std::max<int64_t>(m.cores, 1)));
  program.sram_bytes_per_core = m.sram.bytes;
  SegmentContext ctx;
  ctx.graph = &g;
  ctx.nodes = g.nodes();
  ctx.march = &m;
  ctx.options = options;
  ctx.program = &program;
  for (const std::string& o : segment.outputs) ctx.segment_output[o] = true;
  for (const ir::Value* v : g.outputs()) ctx.segment_output[v->name()] = true;

  // Provisional buffers for every value (chain formation rates tilings), then the real ones.
  std::set<std::string> all;
  for (int32_t i : segment.nodes) {
    const ir::Node& n = *ctx.nodes[static_cast<size_t>(i)];
    if (detail::classify(n) == NodeClass::kUnsupported)
      return make_error(ErrorCode::kInternal, n.op_type(), " '", n.name(),
                        "' was placed on the NPU but has no lowering");
    for (const ir::Value* v : n.inputs())
      if (v) all.insert(v->name());
    for (const ir::Value* v : n.outputs())
      if (v) all.insert(v->name());
  }
  make_buffers(ctx, segment, all);
  const std::vector<Group> groups = detail::form_groups(ctx, segment.nodes);
  for (const std::string& s : intermediates(ctx, groups)) all.erase(s);
  make_buffers(ctx, segment, all);
  plan_arena(ctx, groups);

  // Tile search, groups in parallel.
  std::vector<Plan> chosen(groups.size());
  std::vector<std::pair<int64_t, int64_t>> chosen_cost(groups.size());
  std::vector<Status> errors(groups.size(), Status::Ok());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t gi = next++; gi < groups.size(); gi = next++) {
      auto plans = detail::candidate_plans(ctx, groups[gi]);
      if (!plans.ok()) {
        errors[gi] = plans.status();
        continue;
      }
      std::vector<std::pair<int64_t, int64_t>> costs;
      for (const Plan& p : *plans) costs.push_back(detail::evaluate_plan(ctx, p));
      const size_t k = detail::choose_plan(costs, options);
      if ((*plans)[k].sram_bytes() > m.sram.bytes) {
        errors[gi] = make_error(ErrorCode::kInternal, "npu: plan '", (*plans)[k].desc, "' of the group of '",
                                ctx.nodes[static_cast<size_t>(groups[gi].nodes.front())]->name(), "' needs ",
                                (*plans)[k].sram_bytes(), " bytes of SRAM (", m.sram.bytes, ")");
        continue;
      }
      for (size_t c = 0; c < costs.size(); ++c)
        log::debug("npu: group of '", ctx.nodes[static_cast<size_t>(groups[gi].nodes.front())]->name(), "' candidate ",
                   (*plans)[c].desc, ": ", costs[c].first, " cycles, ", costs[c].second, " DDR bytes",
                   c == k ? "  <- chosen" : "");
      chosen[gi] = std::move((*plans)[k]);
      chosen_cost[gi] = costs[k];
    }
  };
  const int64_t jobs = std::clamp<int64_t>(options.jobs, 1, std::max<int64_t>(1, static_cast<int64_t>(groups.size())));
  std::vector<std::thread> threads;
  for (int64_t j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  for (const Status& s : errors) NPUKIT_RETURN_IF_ERROR(s);

  // Emission.
  Emitter emitter(program);
  std::vector<int32_t> boundaries;  // command counts at tile ends
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    detail::emit_plan(program, chosen[gi], emitter, static_cast<int32_t>(gi), &boundaries);
    if (info) {
      GroupInfo gi_info;
      gi_info.nodes = groups[gi].nodes;
      gi_info.tiling = chosen[gi].desc;
      gi_info.tiles = static_cast<int64_t>(chosen[gi].tiles.size());
      gi_info.est_cycles = chosen_cost[gi].first;
      gi_info.ddr_bytes = chosen_cost[gi].second;
      gi_info.sram_bytes = chosen[gi].sram_bytes();
      info->groups.push_back(std::move(gi_info));
    }
  }

  // Function calls: cut at tile boundaries so that each call's scheduled span stays within the limit.
  const ScheduleResult sched = schedule_commands(program, ctx.nodes, m);
  const int32_t n_cmd = static_cast<int32_t>(program.commands.size());
  auto span_us = [&](int32_t lo, int32_t hi) {
    int64_t s = INT64_MAX, e = 0;
    for (int32_t i = lo; i < hi; ++i) {
      s = std::min(s, sched.times[static_cast<size_t>(i)].start);
      e = std::max(e, sched.times[static_cast<size_t>(i)].end);
    }
    return hi > lo ? cycles_to_us(e - s, m) : 0.0;
  };
  if (options.max_time_per_fc_us > 0 && n_cmd > 0) {
    const double limit = static_cast<double>(options.max_time_per_fc_us);
    int32_t start = 0, prev = 0;
    for (int32_t b : boundaries) {
      if (b <= start) continue;
      if (span_us(start, b) > limit && prev > start) {
        program.function_calls.push_back({start, prev - start, span_us(start, prev)});
        start = prev;
      }
      prev = b;
    }
    if (start < n_cmd) program.function_calls.push_back({start, n_cmd - start, span_us(start, n_cmd)});
  } else if (n_cmd > 0) {
    program.function_calls.push_back({0, n_cmd, span_us(0, n_cmd)});
  }

  if (info) {
    info->est_cycles = sched.makespan;
    for (const npk::Command& c : program.commands) info->ddr_bytes += command_ddr_bytes(c, program);
    if (options.advice_us > 0)
      for (int32_t i : segment.nodes) {
        std::string line = advice_line(*ctx.nodes[static_cast<size_t>(i)], m, options.advice_us);
        if (!line.empty()) info->advice.push_back(std::move(line));
      }
  }
  return program;
}

NpuOptions npu_options_from_config(const config::CompileConfig& cfg, const march::MarchSpec& m) {
  const config::CompilerParameters& c = cfg.compiler_parameters;
  NpuOptions o;
  o.optimize_level = cfg.fast_perf ? 3 : static_cast<int>(c.optimize_level);
  o.mode = c.compile_mode;
  o.balance_factor = c.balance_factor.value_or(100);
  o.core_num = std::clamp<int64_t>(c.core_num, 1, std::max<int64_t>(m.cores, 1));
  o.max_time_per_fc_us = c.max_time_per_fc;
  const int64_t hw = std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()));
  o.jobs = std::clamp<int64_t>(c.jobs, 1, hw);
  o.advice_us = c.advice;
  return o;
}

}  // namespace npukit::npu
