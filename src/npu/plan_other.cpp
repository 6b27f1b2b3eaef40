// SPDX-License-Identifier: Apache-2.0
// npu: tile plans of the non-chain groups: GEMM / MATMUL (M, N, K tiles), elementwise over any rank, whole
// planes per channel (global pool, resize, pad), transpose, QConcat parts and DMA-only ops (Slice, Split,
// Concat of codes).
#include <algorithm>
#include <set>

#include "npu/lower_internal.h"

namespace npukit::npu::detail {

Expected<std::vector<Plan>> chain_plans(const SegmentContext& ctx, const Group& g);

namespace {

class PlanBuilder {
 public:
  PlanBuilder(const SegmentContext& ctx, int32_t copies) : ctx_(ctx), copies_(copies) {}
  Tile& tile(int64_t index, int64_t count) {
    Tile t;
    const int64_t cores = std::max<int64_t>(1, ctx_.program->num_cores);
    t.core = static_cast<uint16_t>(index * cores / std::max<int64_t>(count, 1));
    plan_.tiles.push_back(t);
    return plan_.tiles.back();
  }
  int32_t slot(const std::string& name, int32_t copies = 0) { return slots_.get(name, copies ? copies : copies_); }
  void load(Tile& t, int32_t slot, const std::string& value, const npk::Box& box, npk::Role role, int32_t layer) {
    TileStep s;
    s.kind = TileStep::kLoad;
    s.slot = slot;
    s.buffer = ctx_.buffer_of.at(value);
    s.box = box;
    s.role = role;
    s.layer = layer;
    slots_.need(slot, box.elements() * static_cast<int64_t>(dtype_size(dtype_of(s.buffer))));
    t.steps.push_back(s);
  }
  void compute(Tile& t, npk::CmdOp op, int32_t layer, int32_t dst_slot, DType dtype, const npk::Box& dst,
               std::vector<std::pair<npk::Role, int32_t>> srcs, uint32_t flags = 0, int32_t part = 0) {
    TileStep s;
    s.kind = TileStep::kCompute;
    s.op = op;
    s.layer = layer;
    s.slot = dst_slot;
    s.dtype = dtype;
    s.dst_box = dst;
    s.srcs = std::move(srcs);
    s.flags = flags;
    s.part = part;
    slots_.need(dst_slot, dst.elements() * static_cast<int64_t>(dtype_size(dtype)));
    t.steps.push_back(s);
  }
  void store(Tile& t, int32_t slot, const std::string& value, const npk::Box& box, const npk::Box& src_box,
             int32_t layer) {
    TileStep s;
    s.kind = TileStep::kStore;
    s.slot = slot;
    s.buffer = ctx_.buffer_of.at(value);
    s.box = box;
    s.src_box = src_box;
    s.layer = layer;
    t.steps.push_back(s);
  }
  Plan finish(std::string desc) {
    plan_.slot_bytes = slots_.bytes;
    plan_.slot_copies = slots_.copies;
    plan_.desc = std::move(desc);
    return std::move(plan_);
  }

 private:
  DType dtype_of(int32_t b) const { return ctx_.program->buffers[static_cast<size_t>(b)].dtype; }
  const SegmentContext& ctx_;
  int32_t copies_;
  SlotTable slots_;
  Plan plan_;
};

std::vector<int32_t> copy_options(const SegmentContext& ctx) {
  return ctx.options.optimize_level == 0 ? std::vector<int32_t>{1} : std::vector<int32_t>{2, 1};
}

/// Keeps the plans that fit SRAM, largest first, at most `per_option` per buffering option.
std::vector<Plan> keep_fitting(std::vector<Plan> all, int64_t sram, size_t per_option) {
  std::vector<Plan> out;
  std::map<int32_t, size_t> count;
  for (Plan& p : all) {
    if (p.sram_bytes() > sram) continue;
    const int32_t c = p.slot_copies.empty() ? 1 : p.slot_copies[0];
    if (count[c]++ >= per_option) continue;
    out.push_back(std::move(p));
  }
  return out;
}

const ir::Node& node_at(const SegmentContext& ctx, int32_t i) {
  return *ctx.nodes[static_cast<size_t>(i)];
}

// ---- GEMM / MATMUL -----------------------------------------------------------------------------------------

Plan gemm_plan(const SegmentContext& ctx, int32_t layer, int64_t mt, int64_t nt, int64_t kt, bool n_outer,
               int32_t copies) {
  const ir::Node& n = node_at(ctx, layer);
  const bool matmul = classify(n) == NodeClass::kMatMul;
  const Shape& as = n.input(0)->shape();
  const Shape& bs = n.input(1)->shape();
  const Shape& ys = n.output(0)->shape();
  const int r = static_cast<int>(ys.size());
  const int64_t M = ys[static_cast<size_t>(r - 2)], N = ys[static_cast<size_t>(r - 1)];
  const int64_t K = as.back();
  int64_t batch = 1;
  for (int d = 0; d + 2 < r; ++d) batch *= ys[static_cast<size_t>(d)];
  PlanBuilder b(ctx, copies);
  const int64_t n_m = ceil_div(M, mt), n_n = ceil_div(N, nt), n_k = ceil_div(K, kt);
  struct Pos {
    int64_t bi, mi, ni;
  };
  std::vector<Pos> order;
  for (int64_t bi = 0; bi < batch; ++bi) {
    if (n_outer) {
      for (int64_t ni = 0; ni < n_n; ++ni)
        for (int64_t mi = 0; mi < n_m; ++mi) order.push_back({bi, mi, ni});
    } else {
      for (int64_t mi = 0; mi < n_m; ++mi)
        for (int64_t ni = 0; ni < n_n; ++ni) order.push_back({bi, mi, ni});
    }
  }
  const int32_t xs = b.slot("x"), ws = b.slot("w"), bias_s = b.slot("b"), out = b.slot("out");
  const int32_t acc[2] = {b.slot("acc0", 1), b.slot("acc1", 1)};
  for (size_t t = 0; t < order.size(); ++t) {
    const Pos& p = order[t];
    Tile& tile = b.tile(static_cast<int64_t>(t), static_cast<int64_t>(order.size()));
    const int64_t m0 = p.mi * mt, mn = std::min(mt, M - m0), n0 = p.ni * nt, nn = std::min(nt, N - n0);
    // Batch index -> per-dim start.
    std::vector<int64_t> bstart(static_cast<size_t>(std::max(r - 2, 0)));
    int64_t rem = p.bi;
    for (int d = r - 3; d >= 0; --d) {
      bstart[static_cast<size_t>(d)] = rem % ys[static_cast<size_t>(d)];
      rem /= ys[static_cast<size_t>(d)];
    }
    std::vector<int64_t> ystart = bstart, ysize(bstart.size(), 1);
    ystart.push_back(m0);
    ystart.push_back(n0);
    ysize.push_back(mn);
    ysize.push_back(nn);
    const npk::Box ybox = make_box(ystart, ysize);
    int32_t prev = -1;
    for (int64_t kc = 0; kc < n_k; ++kc) {
      const int64_t k0 = kc * kt, kn = std::min(kt, K - k0);
      const bool final = kc + 1 == n_k;
      // a region: batch dims of a (a may have fewer batch dims than y: align right).
      std::vector<int64_t> astart, asize;
      const int ra = static_cast<int>(as.size());
      for (int d = 0; d + 2 < ra; ++d) {
        const int yd = d + (r - ra);
        astart.push_back(as[static_cast<size_t>(d)] == 1 ? 0 : bstart[static_cast<size_t>(yd)]);
        asize.push_back(1);
      }
      astart.push_back(m0);
      asize.push_back(mn);
      astart.push_back(k0);
      asize.push_back(kn);
      b.load(tile, xs, n.input(0)->name(), make_box(astart, asize), npk::Role::kX, layer);
      std::vector<std::pair<npk::Role, int32_t>> srcs{{npk::Role::kX, xs}};
      if (!matmul) {  // QGemm: w [N, K]
        b.load(tile, ws, n.input(1)->name(), make_box({n0, k0}, {nn, kn}), npk::Role::kW, layer);
        srcs.push_back({npk::Role::kW, ws});
      } else {  // QMatMul: b [..., K, N]
        std::vector<int64_t> bst, bsz;
        const int rb = static_cast<int>(bs.size());
        for (int d = 0; d + 2 < rb; ++d) {
          const int yd = d + (r - rb);
          bst.push_back(bs[static_cast<size_t>(d)] == 1 ? 0 : bstart[static_cast<size_t>(yd)]);
          bsz.push_back(1);
        }
        bst.push_back(k0);
        bsz.push_back(kn);
        bst.push_back(n0);
        bsz.push_back(nn);
        b.load(tile, ws, n.input(1)->name(), make_box(bst, bsz), npk::Role::kB, layer);
        srcs.push_back({npk::Role::kB, ws});
      }
      if (prev >= 0) srcs.push_back({npk::Role::kAccIn, prev});
      if (final && !matmul && n.input(2)) {
        b.load(tile, bias_s, n.input(2)->name(), make_box({n0}, {nn}), npk::Role::kBias, layer);
        srcs.push_back({npk::Role::kBias, bias_s});
      }
      const npk::CmdOp op = matmul ? npk::CmdOp::kMatMul : npk::CmdOp::kGemm;
      if (final) {
        b.compute(tile, op, layer, out, n.output(0)->dtype(), ybox, srcs, npk::kFinal);
      } else {
        b.compute(tile, op, layer, acc[kc % 2], DType::kI64, ybox, srcs, 0);
        prev = acc[kc % 2];
      }
    }
    b.store(tile, out, n.output(0)->name(), ybox, ybox, layer);
  }
  return b.finish("tile m" + std::to_string(mt) + " n" + std::to_string(nt) +
                  (kt < K ? " k" + std::to_string(kt) : "") + ", " + std::to_string(order.size()) + " tiles" +
                  (copies == 2 ? ", double buffered" : ", single buffered") +
                  (n_n > 1 && n_m > 1 ? (n_outer ? ", weights stationary" : ", input stationary") : ""));
}

std::vector<Plan> gemm_plans(const SegmentContext& ctx, const Group& g) {
  const ir::Node& n = node_at(ctx, g.nodes[0]);
  const Shape& ys = n.output(0)->shape();
  const int64_t M = ys[ys.size() - 2], N = ys.back(), K = n.input(0)->shape().back();
  const march::MarchSpec& m = *ctx.march;
  std::vector<Plan> out;
  const int level = ctx.options.optimize_level;
  for (int32_t copies : copy_options(ctx)) {
    std::vector<Plan> all;
    for (int64_t kt : halvings(K, m.tae.input_channel_granule, 8)) {
      bool any = false;
      for (int64_t nt : halvings(N, m.tae.output_channel_granule, 8)) {
        for (int64_t mt : halvings(M, 1, 10)) {
          Plan probe = gemm_plan(ctx, g.nodes[0], mt, nt, kt, true, copies);
          if (probe.sram_bytes() > m.sram.bytes) continue;
          all.push_back(std::move(probe));
          if (level > 0) all.push_back(gemm_plan(ctx, g.nodes[0], mt, nt, kt, false, copies));
          any = true;
          break;
        }
        if (any && level == 0) break;
      }
      if (any) break;  // split K only when needed
    }
    for (Plan& p : keep_fitting(std::move(all), m.sram.bytes, level >= 3 ? 12 : 6)) out.push_back(std::move(p));
    if (level == 0 && !out.empty()) break;
  }
  return out;
}

// ---- elementwise, planes, transpose, concat, DMA -----------------------------------------------------------

/// Bytes per output element of a tile (output + inputs at their sizes; broadcast inputs counted fully).
int64_t bytes_per_element(const ir::Node& n) {
  int64_t b = static_cast<int64_t>(dtype_size(n.output(0)->dtype()));
  for (const ir::Value* v : n.inputs())
    if (v && !v->is_constant()) b += static_cast<int64_t>(dtype_size(v->dtype()));
  return std::max<int64_t>(b, 1);
}

Plan elementwise_plan(const SegmentContext& ctx, int32_t layer, int64_t max_elems, int32_t copies) {
  const ir::Node& n = node_at(ctx, layer);
  const NodeClass c = classify(n);
  PlanBuilder b(ctx, copies);
  const std::vector<npk::Box> boxes = split_box(npk::Box::whole(n.output(0)->shape()), max_elems);
  const int32_t a_s = b.slot("x"), b_s = b.slot("s"), t_s = b.slot("t"), out = b.slot("out");
  for (size_t t = 0; t < boxes.size(); ++t) {
    Tile& tile = b.tile(static_cast<int64_t>(t), static_cast<int64_t>(boxes.size()));
    const npk::Box& ob = boxes[t];
    b.load(tile, a_s, n.input(0)->name(), broadcast_box(ob, n.input(0)->shape()), npk::Role::kX, layer);
    std::vector<std::pair<npk::Role, int32_t>> srcs{{npk::Role::kX, a_s}};
    npk::CmdOp op = npk::CmdOp::kRequant;
    if (c == NodeClass::kEltwise) {
      op = npk::CmdOp::kEltwise;
      if (n.input(1) == n.input(0)) {
        srcs.push_back({npk::Role::kB, a_s});
      } else {
        b.load(tile, b_s, n.input(1)->name(), broadcast_box(ob, n.input(1)->shape()), npk::Role::kB, layer);
        srcs.push_back({npk::Role::kB, b_s});
      }
    } else if (c == NodeClass::kLut) {
      op = npk::CmdOp::kLut;
      b.load(tile, t_s, n.input(1)->name(), npk::Box::whole(n.input(1)->shape()), npk::Role::kTable, layer);
      srcs.push_back({npk::Role::kTable, t_s});
    }
    b.compute(tile, op, layer, out, n.output(0)->dtype(), ob, srcs);
    b.store(tile, out, n.output(0)->name(), ob, ob, layer);
  }
  return b.finish("tile " + std::to_string(max_elems) + " elements, " + std::to_string(boxes.size()) + " tiles" +
                  (copies == 2 ? ", double buffered" : ", single buffered"));
}

/// Whole H x W planes of a channel range: global pool, resize, pad.
Plan plane_plan(const SegmentContext& ctx, int32_t layer, int64_t ct, int32_t copies) {
  const ir::Node& n = node_at(ctx, layer);
  const NodeClass c = classify(n);
  const Shape& xs = n.input(0)->shape();
  const Shape& ys = n.output(0)->shape();
  PlanBuilder b(ctx, copies);
  const int32_t x = b.slot("x"), out = b.slot("out");
  const int64_t N = ys[0], C = ys[1], n_c = ceil_div(C, ct);
  const npk::CmdOp op = c == NodeClass::kGlobalPool ? npk::CmdOp::kGlobalPool
                        : c == NodeClass::kResize   ? npk::CmdOp::kResize
                                                    : npk::CmdOp::kPad;
  int64_t t = 0;
  for (int64_t bn = 0; bn < N; ++bn)
    for (int64_t ci = 0; ci < n_c; ++ci, ++t) {
      Tile& tile = b.tile(t, N * n_c);
      const int64_t c0 = ci * ct, cn = std::min(ct, C - c0);
      const npk::Box xb = make_box({bn, c0, 0, 0}, {1, cn, xs[2], xs[3]});
      const npk::Box yb = make_box({bn, c0, 0, 0}, {1, cn, ys[2], ys[3]});
      b.load(tile, x, n.input(0)->name(), xb, npk::Role::kX, layer);
      b.compute(tile, op, layer, out, n.output(0)->dtype(), yb, {{npk::Role::kX, x}});
      b.store(tile, out, n.output(0)->name(), yb, yb, layer);
    }
  return b.finish("tile c" + std::to_string(ct) + ", " + std::to_string(t) + " tiles" +
                  (copies == 2 ? ", double buffered" : ", single buffered"));
}

Plan transpose_plan(const SegmentContext& ctx, int32_t layer, int64_t max_elems, int32_t copies) {
  const ir::Node& n = node_at(ctx, layer);
  const Shape& ys = n.output(0)->shape();
  std::vector<int64_t> perm = n.attrs().get_ints("perm");
  if (perm.empty())
    for (int64_t d = static_cast<int64_t>(ys.size()) - 1; d >= 0; --d) perm.push_back(d);
  PlanBuilder b(ctx, copies);
  const int32_t x = b.slot("x"), out = b.slot("out");
  const std::vector<npk::Box> boxes = split_box(npk::Box::whole(ys), max_elems);
  for (size_t t = 0; t < boxes.size(); ++t) {
    Tile& tile = b.tile(static_cast<int64_t>(t), static_cast<int64_t>(boxes.size()));
    const npk::Box& yb = boxes[t];
    npk::Box xb;
    xb.rank = yb.rank;
    for (int d = 0; d < yb.rank; ++d) {
      xb.start[static_cast<size_t>(perm[static_cast<size_t>(d)])] = yb.start[d];
      xb.size[static_cast<size_t>(perm[static_cast<size_t>(d)])] = yb.size[d];
    }
    b.load(tile, x, n.input(0)->name(), xb, npk::Role::kX, layer);
    b.compute(tile, npk::CmdOp::kTranspose, layer, out, n.output(0)->dtype(), yb, {{npk::Role::kX, x}});
    b.store(tile, out, n.output(0)->name(), yb, yb, layer);
  }
  return b.finish("tile " + std::to_string(max_elems) + " elements, " + std::to_string(boxes.size()) + " tiles");
}

int64_t norm_axis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

Plan qconcat_plan(const SegmentContext& ctx, int32_t layer, int64_t max_elems, int32_t copies) {
  const ir::Node& n = node_at(ctx, layer);
  const Shape& ys = n.output(0)->shape();
  const int64_t axis = norm_axis(n.attrs().get_int("axis"), ys.size());
  PlanBuilder b(ctx, copies);
  const int32_t x = b.slot("x"), out = b.slot("out");
  std::vector<std::pair<int32_t, npk::Box>> work;  // (part, output box)
  int64_t offset = 0;
  for (size_t p = 0; p < n.num_inputs(); ++p) {
    const Shape& s = n.input(p)->shape();
    npk::Box region = npk::Box::whole(s);
    region.start[static_cast<size_t>(axis)] = offset;
    for (const npk::Box& bx : split_box(region, max_elems)) work.push_back({static_cast<int32_t>(p), bx});
    offset += s[static_cast<size_t>(axis)];
  }
  std::vector<int64_t> offsets;
  offset = 0;
  for (size_t p = 0; p < n.num_inputs(); ++p) {
    offsets.push_back(offset);
    offset += n.input(p)->shape()[static_cast<size_t>(axis)];
  }
  for (size_t t = 0; t < work.size(); ++t) {
    Tile& tile = b.tile(static_cast<int64_t>(t), static_cast<int64_t>(work.size()));
    const auto& [p, yb] = work[t];
    npk::Box xb = yb;
    xb.start[static_cast<size_t>(axis)] -= offsets[static_cast<size_t>(p)];
    b.load(tile, x, n.input(static_cast<size_t>(p))->name(), xb, npk::Role::kX, layer);
    b.compute(tile, npk::CmdOp::kConcat, layer, out, n.output(0)->dtype(), yb, {{npk::Role::kX, x}}, 0, p);
    b.store(tile, out, n.output(0)->name(), yb, yb, layer);
  }
  return b.finish("tile " + std::to_string(max_elems) + " elements, " + std::to_string(work.size()) + " tiles");
}

/// Start offsets of a Slice with unit steps (already checked by placement), per output dim.
std::vector<int64_t> slice_starts(const ir::Node& n) {
  const Shape& xs = n.input(0)->shape();
  std::vector<int64_t> st(xs.size(), 0);
  auto ints = [](const ir::Value* v) {
    std::vector<int64_t> out;
    if (!v || !v->const_value()) return out;
    const Tensor& t = *v->const_value();
    for (int64_t i = 0; i < t.numel(); ++i)
      out.push_back(t.dtype() == DType::kI32 ? t.data<int32_t>()[i] : t.data<int64_t>()[i]);
    return out;
  };
  const std::vector<int64_t> starts = ints(n.input(1));
  std::vector<int64_t> axes = ints(n.input(3));
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  for (size_t i = 0; i < starts.size() && i < axes.size(); ++i) {
    const int64_t a = norm_axis(axes[i], xs.size());
    const int64_t dim = xs[static_cast<size_t>(a)];
    int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
    st[static_cast<size_t>(a)] = std::clamp<int64_t>(s, 0, dim);
  }
  return st;
}

Plan dma_plan(const SegmentContext& ctx, int32_t layer, int64_t max_elems, int32_t copies) {
  const ir::Node& n = node_at(ctx, layer);
  const std::string op = n.op_type();
  PlanBuilder b(ctx, copies);
  const int32_t x = b.slot("x");
  struct Move {
    std::string src, dst;
    npk::Box src_box, dst_box;
  };
  std::vector<Move> moves;
  if (op == "Concat") {
    const int64_t axis = norm_axis(n.attrs().get_int("axis"), n.output(0)->shape().size());
    int64_t off = 0;
    for (size_t p = 0; p < n.num_inputs(); ++p) {
      const Shape& s = n.input(p)->shape();
      for (const npk::Box& sb : split_box(npk::Box::whole(s), max_elems)) {
        npk::Box db = sb;
        db.start[static_cast<size_t>(axis)] += off;
        moves.push_back({n.input(p)->name(), n.output(0)->name(), sb, db});
      }
      off += s[static_cast<size_t>(axis)];
    }
  } else if (op == "Split") {
    const int64_t axis = norm_axis(n.attrs().get_int("axis"), n.input(0)->shape().size());
    int64_t off = 0;
    for (size_t q = 0; q < n.num_outputs(); ++q) {
      const Shape& s = n.output(q)->shape();
      for (const npk::Box& db : split_box(npk::Box::whole(s), max_elems)) {
        npk::Box sb = db;
        sb.start[static_cast<size_t>(axis)] += off;
        moves.push_back({n.input(0)->name(), n.output(q)->name(), sb, db});
      }
      off += s[static_cast<size_t>(axis)];
    }
  } else {  // Slice
    const std::vector<int64_t> st = slice_starts(n);
    for (const npk::Box& db : split_box(npk::Box::whole(n.output(0)->shape()), max_elems)) {
      npk::Box sb = db;
      for (int d = 0; d < db.rank; ++d) sb.start[d] += st[static_cast<size_t>(d)];
      moves.push_back({n.input(0)->name(), n.output(0)->name(), sb, db});
    }
  }
  for (size_t t = 0; t < moves.size(); ++t) {
    Tile& tile = b.tile(static_cast<int64_t>(t), static_cast<int64_t>(moves.size()));
    b.load(tile, x, moves[t].src, moves[t].src_box, npk::Role::kX, layer);
    b.store(tile, x, moves[t].dst, moves[t].dst_box, moves[t].src_box, layer);
  }
  return b.finish("chunk " + std::to_string(max_elems) + " elements, " + std::to_string(moves.size()) + " moves");
}

/// Plans whose tiles are bounded by an element count: try budgets from the largest that fits down.
template <class F>
std::vector<Plan> budget_plans(const SegmentContext& ctx, int64_t bytes_per_elem, int64_t total_elems, F make) {
  const int64_t sram = ctx.march->sram.bytes;
  std::vector<Plan> all;
  for (int32_t copies : copy_options(ctx)) {
    int64_t budget = std::max<int64_t>(1, (sram - 4096) / (copies * bytes_per_elem));
    budget = std::min(budget, std::max<int64_t>(total_elems, 1));
    const int variants = ctx.options.optimize_level == 0 ? 1 : 3;
    int made = 0;
    for (int64_t e = budget; e >= 1 && made < variants; e /= 4) {
      Plan p = make(e, copies);
      if (p.sram_bytes() > sram) continue;
      all.push_back(std::move(p));
      ++made;
    }
    if (ctx.options.optimize_level == 0 && !all.empty()) break;
  }
  return all;
}

}  // namespace

Expected<std::vector<Plan>> candidate_plans(const SegmentContext& ctx, const Group& g) {
  const ir::Node& first = node_at(ctx, g.nodes[0]);
  const int32_t layer = g.nodes[0];
  std::vector<Plan> plans;
  switch (g.kind) {
    case GroupKind::kChain: return chain_plans(ctx, g);
    case GroupKind::kGemm:
    case GroupKind::kMatMul: plans = gemm_plans(ctx, g); break;
    case GroupKind::kElementwise:
      plans = budget_plans(ctx, bytes_per_element(first) + 1, numel(first.output(0)->shape()),
                           [&](int64_t e, int32_t c) { return elementwise_plan(ctx, layer, e, c); });
      break;
    case GroupKind::kPlane: {
      const int64_t C = first.output(0)->shape()[1];
      for (int32_t copies : copy_options(ctx)) {
        for (int64_t ct : halvings(C, 1, 12)) {
          Plan p = plane_plan(ctx, layer, ct, copies);
          if (p.sram_bytes() <= ctx.march->sram.bytes) {
            plans.push_back(std::move(p));
            break;
          }
        }
        if (ctx.options.optimize_level == 0 && !plans.empty()) break;
      }
      break;
    }
    case GroupKind::kTranspose:
      plans = budget_plans(ctx, 2 * static_cast<int64_t>(dtype_size(first.output(0)->dtype())),
                           numel(first.output(0)->shape()),
                           [&](int64_t e, int32_t c) { return transpose_plan(ctx, layer, e, c); });
      break;
    case GroupKind::kQConcat:
      plans = budget_plans(ctx, 2 * static_cast<int64_t>(dtype_size(first.output(0)->dtype())) + 2,
                           numel(first.output(0)->shape()),
                           [&](int64_t e, int32_t c) { return qconcat_plan(ctx, layer, e, c); });
      break;
    case GroupKind::kDma:
      plans =
          budget_plans(ctx, static_cast<int64_t>(dtype_size(first.output(0)->dtype())), numel(first.output(0)->shape()),
                       [&](int64_t e, int32_t c) { return dma_plan(ctx, layer, e, c); });
      break;
  }
  if (plans.empty())
    return make_error(ErrorCode::kOutOfRange, first.op_type(), " '", first.name(), "': no tile fits SRAM (",
                      ctx.march->sram.bytes, " bytes)");
  return plans;
}

}  // namespace npukit::npu::detail
