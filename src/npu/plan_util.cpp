// SPDX-License-Identifier: Apache-2.0
// npu: box helpers, the slot table, and plan emission / evaluation shared by every group kind.
#include <algorithm>
#include <cmath>

#include "npu/cost.h"
#include "npu/emitter.h"
#include "npu/lower_internal.h"
#include "npu/schedule.h"

namespace npukit::npu::detail {

int64_t ceil_div(int64_t a, int64_t b) {
  return b <= 0 ? a : (a + b - 1) / b;
}
int64_t align_up(int64_t a, int64_t g) {
  return g <= 1 ? a : ceil_div(a, g) * g;
}

std::vector<int64_t> halvings(int64_t n, int64_t granule, int max_count) {
  std::vector<int64_t> v{n};
  int64_t e = n;
  while (static_cast<int>(v.size()) < max_count) {
    e = align_up(ceil_div(e, 2), granule);
    if (e >= v.back() || e < 1) break;
    v.push_back(e);
  }
  return v;
}

npk::Box make_box(const std::vector<int64_t>& start, const std::vector<int64_t>& size) {
  npk::Box b;
  b.rank = static_cast<int32_t>(size.size());
  for (size_t d = 0; d < size.size() && d < static_cast<size_t>(npk::kMaxBoxRank); ++d) {
    b.start[d] = start[d];
    b.size[d] = size[d];
  }
  return b;
}

npk::Box broadcast_box(const npk::Box& out_box, const Shape& in_shape) {
  npk::Box b;
  b.rank = static_cast<int32_t>(in_shape.size());
  const int32_t off = out_box.rank - b.rank;
  for (int32_t d = 0; d < b.rank; ++d) {
    if (in_shape[static_cast<size_t>(d)] == 1) {
      b.start[d] = 0;
      b.size[d] = 1;
    } else {
      b.start[d] = out_box.start[d + off];
      b.size[d] = out_box.size[d + off];
    }
  }
  return b;
}

std::vector<npk::Box> split_box(const npk::Box& region, int64_t max_elements) {
  max_elements = std::max<int64_t>(max_elements, 1);
  // Tile sizes: full inner dims while they fit, a cut dim, then 1 for outer dims.
  std::array<int64_t, npk::kMaxBoxRank> t{};
  int64_t inner = 1;
  int cut = -1;
  for (int d = region.rank - 1; d >= 0; --d) {
    if (inner * region.size[d] <= max_elements) {
      t[d] = region.size[d];
      inner *= region.size[d];
    } else {
      t[d] = std::max<int64_t>(1, max_elements / inner);
      cut = d;
      for (int e = d - 1; e >= 0; --e) t[e] = 1;
      break;
    }
  }
  (void)cut;
  std::vector<npk::Box> out;
  if (region.elements() == 0) return out;
  std::array<int64_t, npk::kMaxBoxRank> idx{};
  for (;;) {
    npk::Box b;
    b.rank = region.rank;
    for (int d = 0; d < region.rank; ++d) {
      b.start[d] = region.start[d] + idx[d];
      b.size[d] = std::min(t[d], region.size[d] - idx[d]);
    }
    out.push_back(b);
    int d = region.rank - 1;
    for (; d >= 0; --d) {
      idx[d] += t[d];
      if (idx[d] < region.size[d]) break;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  return out;
}

int32_t SlotTable::get(const std::string& name, int32_t n_copies) {
  auto it = ids.find(name);
  if (it != ids.end()) return it->second;
  const int32_t id = static_cast<int32_t>(bytes.size());
  ids.emplace(name, id);
  bytes.push_back(0);
  copies.push_back(n_copies);
  return id;
}

int64_t Plan::sram_bytes() const {
  int64_t total = 0;
  for (size_t s = 0; s < slot_bytes.size(); ++s) total += align_up(slot_bytes[s], 64) * slot_copies[s];
  return total;
}

namespace {

struct CopyState {
  bool valid = false;
  int32_t buffer = -1;  ///< -1: computed content
  npk::Box box;
  DType dtype = DType::kI8;
  int64_t last_use = 0;
};

}  // namespace

void emit_plan(const npk::Program& program, const Plan& plan, Emitter& emitter, int32_t store_epoch,
               std::vector<int32_t>* tile_ends) {
  // Slot layout from address 0: slot s copy k at base[s] + k * stride[s].
  std::vector<uint32_t> base(plan.slot_bytes.size()), stride(plan.slot_bytes.size());
  int64_t at = 0;
  for (size_t s = 0; s < plan.slot_bytes.size(); ++s) {
    stride[s] = static_cast<uint32_t>(align_up(plan.slot_bytes[s], 64));
    base[s] = static_cast<uint32_t>(at);
    at += static_cast<int64_t>(stride[s]) * plan.slot_copies[s];
  }
  std::map<uint16_t, std::vector<std::vector<CopyState>>> state;  // core -> slot -> copies
  int64_t clock = 0;
  for (const Tile& tile : plan.tiles) {
    auto& slots = state[tile.core];
    if (slots.empty()) {
      slots.resize(plan.slot_bytes.size());
      for (size_t s = 0; s < slots.size(); ++s) slots[s].resize(static_cast<size_t>(plan.slot_copies[s]));
    }
    std::vector<int32_t> current(plan.slot_bytes.size(), 0);
    auto lru = [&](int32_t slot) {
      auto& cs = slots[static_cast<size_t>(slot)];
      int32_t best = 0;
      for (int32_t k = 1; k < static_cast<int32_t>(cs.size()); ++k)
        if (cs[static_cast<size_t>(k)].last_use < cs[static_cast<size_t>(best)].last_use) best = k;
      return best;
    };
    auto operand = [&](int32_t slot, npk::Role role) {
      const CopyState& c = slots[static_cast<size_t>(slot)][static_cast<size_t>(current[static_cast<size_t>(slot)])];
      npk::Operand o;
      o.role = role;
      o.addr = base[static_cast<size_t>(slot)] +
               static_cast<uint32_t>(current[static_cast<size_t>(slot)]) * stride[static_cast<size_t>(slot)];
      o.dtype = c.dtype;
      o.box = c.box;
      return o;
    };
    for (const TileStep& st : tile.steps) {
      ++clock;
      auto& cs = slots[static_cast<size_t>(st.slot)];
      switch (st.kind) {
        case TileStep::kLoad: {
          int32_t hit = -1;
          for (int32_t k = 0; k < static_cast<int32_t>(cs.size()); ++k) {
            const CopyState& c = cs[static_cast<size_t>(k)];
            if (c.valid && c.buffer == st.buffer && c.box == st.box) hit = k;
          }
          if (hit < 0) {
            hit = lru(st.slot);
            const uint32_t addr =
                base[static_cast<size_t>(st.slot)] + static_cast<uint32_t>(hit) * stride[static_cast<size_t>(st.slot)];
            emitter.load(tile.core, st.buffer, st.box, st.role, addr, st.layer);
            CopyState& c = cs[static_cast<size_t>(hit)];
            c.valid = true;
            c.buffer = st.buffer;
            c.box = st.box;
            c.dtype = program.buffers[static_cast<size_t>(st.buffer)].dtype;
          }
          cs[static_cast<size_t>(hit)].last_use = clock;
          current[static_cast<size_t>(st.slot)] = hit;
          break;
        }
        case TileStep::kCompute: {
          npk::Command c;
          c.op = st.op;
          c.core = tile.core;
          c.layer = st.layer;
          c.flags = st.flags;
          c.part = st.part;
          for (const auto& [role, slot] : st.srcs) {
            slots[static_cast<size_t>(slot)][static_cast<size_t>(current[static_cast<size_t>(slot)])].last_use = clock;
            c.srcs.push_back(operand(slot, role));
          }
          const int32_t k = lru(st.slot);
          CopyState& d = cs[static_cast<size_t>(k)];
          d.valid = true;
          d.buffer = -1;
          d.box = st.dst_box;
          d.dtype = st.dtype;
          d.last_use = clock;
          current[static_cast<size_t>(st.slot)] = k;
          c.dst = operand(st.slot, npk::Role::kOut);
          emitter.compute(std::move(c));
          break;
        }
        case TileStep::kStore: {
          npk::Operand src = operand(st.slot, npk::Role::kOut);
          src.box = st.src_box;
          cs[static_cast<size_t>(current[static_cast<size_t>(st.slot)])].last_use = clock;
          emitter.store(tile.core, st.buffer, st.box, src, st.layer, store_epoch);
          break;
        }
      }
    }
    if (tile_ends) tile_ends->push_back(emitter.size());
  }
}

std::pair<int64_t, int64_t> evaluate_plan(const SegmentContext& ctx, const Plan& plan) {
  npk::Program scratch;
  scratch.buffers = ctx.program->buffers;
  scratch.num_cores = ctx.program->num_cores;
  scratch.sram_bytes_per_core = ctx.program->sram_bytes_per_core;
  Emitter e(scratch);
  emit_plan(scratch, plan, e, 0);
  const ScheduleResult r = schedule_commands(scratch, ctx.nodes, *ctx.march);
  int64_t bytes = 0;
  for (const npk::Command& c : scratch.commands) bytes += command_ddr_bytes(c, scratch);
  return {r.makespan, bytes};
}

size_t choose_plan(const std::vector<std::pair<int64_t, int64_t>>& costs, const NpuOptions& o) {
  int64_t cmin = INT64_MAX, bmin = INT64_MAX;
  for (const auto& [c, b] : costs) {
    cmin = std::min(cmin, c);
    bmin = std::min(bmin, b);
  }
  double f = 1.0;  // weight of latency
  if (o.mode == config::CompileMode::kBandwidth) f = 0.0;
  if (o.mode == config::CompileMode::kBalance)
    f = static_cast<double>(std::clamp<int64_t>(o.balance_factor, 0, 100)) / 100.0;
  size_t best = 0;
  double best_score = INFINITY;
  for (size_t i = 0; i < costs.size(); ++i) {
    const double lc = std::log(static_cast<double>(std::max<int64_t>(costs[i].first, 1)) / std::max<int64_t>(cmin, 1));
    const double lb = std::log(static_cast<double>(std::max<int64_t>(costs[i].second, 1)) / std::max<int64_t>(bmin, 1));
    // Ties (equal primary metric) go to the other metric.
    const double score = f * lc + (1.0 - f) * lb + 1e-6 * (f >= 0.5 ? lb : lc);
    if (score < best_score) {
      best_score = score;
      best = i;
    }
  }
  return best;
}

std::optional<PlanCost> best_cost(const SegmentContext& ctx, const Group& g) {
  auto plans = candidate_plans(ctx, g);
  if (!plans.ok() || plans->empty()) return std::nullopt;
  std::vector<PlanCost> costs;
  for (const Plan& p : *plans) costs.push_back(evaluate_plan(ctx, p));
  return costs[choose_plan(costs, ctx.options)];
}

bool mode_prefers(PlanCost a, PlanCost b, const NpuOptions& o) {
  if (o.mode == config::CompileMode::kLatency) return a.first < b.first || (a.first == b.first && a.second <= b.second);
  if (o.mode == config::CompileMode::kBandwidth)
    return a.second < b.second || (a.second == b.second && a.first <= b.first);
  const double f = static_cast<double>(std::clamp<int64_t>(o.balance_factor, 0, 100)) / 100.0;
  const double ra = f * static_cast<double>(a.first) / static_cast<double>(std::max<int64_t>(b.first, 1)) +
                    (1.0 - f) * static_cast<double>(a.second) / static_cast<double>(std::max<int64_t>(b.second, 1));
  return ra <= 1.0;
}

}  // namespace npukit::npu::detail
