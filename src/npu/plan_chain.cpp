// SPDX-License-Identifier: Apache-2.0
// npu: tile plans of spatial chains (conv / pool / elementwise over NCHW): tiles over N, H, W of the last
// node's output, halos propagated back through the chain, output-channel tiles and K split for a lone conv.
#include <algorithm>
#include <set>

#include "npu/lower_internal.h"

namespace npukit::npu::detail {
namespace {

struct Window {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
};

Window window_of(const ir::Node& n, NodeClass c) {
  Window w;
  if (c != NodeClass::kConv && c != NodeClass::kPool) return w;
  if (c == NodeClass::kConv) {
    const Shape& ws = n.input(1)->shape();
    w.kh = ws[2];
    w.kw = ws[3];
  } else {
    const std::vector<int64_t> k = n.attrs().get_ints("kernel_shape", {1, 1});
    w.kh = k.size() > 0 ? k[0] : 1;
    w.kw = k.size() > 1 ? k[1] : 1;
  }
  const std::vector<int64_t> s = n.attrs().get_ints("strides", {1, 1});
  const std::vector<int64_t> d = n.attrs().get_ints("dilations", {1, 1});
  const std::vector<int64_t> p = n.attrs().get_ints("pads", {0, 0, 0, 0});
  w.sh = s.size() > 0 ? s[0] : 1;
  w.sw = s.size() > 1 ? s[1] : 1;
  w.dh = d.size() > 0 ? d[0] : 1;
  w.dw = d.size() > 1 ? d[1] : 1;
  w.pt = p.size() > 0 ? p[0] : 0;
  w.pl = p.size() > 1 ? p[1] : 0;
  return w;
}

/// Input range [lo, hi) clipped to [0, in_size) that outputs [o0, o0 + n) read.
std::pair<int64_t, int64_t> in_range(int64_t o0, int64_t n, int64_t k, int64_t s, int64_t d, int64_t pad,
                                     int64_t in_size) {
  const int64_t a = o0 * s - pad;
  const int64_t b = (o0 + n - 1) * s - pad + (k - 1) * d + 1;
  const int64_t lo = std::clamp<int64_t>(a, 0, in_size);
  const int64_t hi = std::clamp<int64_t>(b, lo, in_size);
  return {lo, hi};
}

/// Index of the input of `n` that is the chain predecessor's output (main input); 0 for the first node.
int main_input(const ir::Node& n, const ir::Node* prev) {
  if (!prev) return 0;
  for (size_t i = 0; i < n.num_inputs(); ++i)
    if (n.input(i) == prev->output(0)) return static_cast<int>(i);
  return 0;
}

struct ChainTiling {
  int64_t ht = 1, wt = 1, oct = 0, kt = 0;
  bool oc_outer = true;
  int32_t copies = 2;
};

class ChainPlanner {
 public:
  ChainPlanner(const SegmentContext& ctx, const Group& g) : ctx_(ctx), g_(g) {
    for (int32_t i : g.nodes) {
      nodes_.push_back(ctx.nodes[static_cast<size_t>(i)]);
      classes_.push_back(classify(*nodes_.back()));
    }
    last_ = nodes_.back();
    out_shape_ = last_->output(0)->shape();
    lone_conv_ = nodes_.size() == 1 && classes_[0] == NodeClass::kConv;
    if (lone_conv_) {
      const ir::Node& c = *nodes_[0];
      group_ = std::max<int64_t>(1, c.attrs().get_int("group", 1));
      cin_ = c.input(0)->shape()[1];
      cout_ = out_shape_[1];
    }
  }

  bool lone_conv() const { return lone_conv_; }
  int64_t group() const { return group_; }
  int64_t cin() const { return cin_; }
  int64_t cout() const { return cout_; }
  const Shape& out_shape() const { return out_shape_; }

  /// Builds the plan; `probe` builds only representative tiles (for the SRAM check).
  Plan build(const ChainTiling& t, bool probe) const {
    Plan plan;
    SlotTable slots;
    const int64_t N = out_shape_[0], C = out_shape_[1], OH = out_shape_[2], OW = out_shape_[3];
    const int64_t oct = lone_conv_ ? std::min(t.oct > 0 ? t.oct : C, C) : C;
    const int64_t kt = lone_conv_ && group_ == 1 ? std::min(t.kt > 0 ? t.kt : cin_, cin_) : 0;
    const int64_t n_oc = ceil_div(C, oct), n_h = ceil_div(OH, t.ht), n_w = ceil_div(OW, t.wt);
    struct Pos {
      int64_t n, oc, h, w;
    };
    std::vector<Pos> order;
    auto push = [&](int64_t n, int64_t oc, int64_t h, int64_t w) { order.push_back({n, oc, h, w}); };
    if (probe) {
      for (int64_t h = 0; h < std::min<int64_t>(n_h, 2); ++h)
        for (int64_t w = 0; w < std::min<int64_t>(n_w, 2); ++w) push(0, 0, h, w);
    } else if (t.oc_outer) {
      for (int64_t oc = 0; oc < n_oc; ++oc)
        for (int64_t n = 0; n < N; ++n)
          for (int64_t h = 0; h < n_h; ++h)
            for (int64_t w = 0; w < n_w; ++w) push(n, oc, h, w);
    } else {
      for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < n_h; ++h)
          for (int64_t w = 0; w < n_w; ++w)
            for (int64_t oc = 0; oc < n_oc; ++oc) push(n, oc, h, w);
    }
    const int64_t cores = std::max<int64_t>(1, ctx_.program->num_cores);
    const int32_t cp = t.copies;
    for (size_t ti = 0; ti < order.size(); ++ti) {
      const Pos& p = order[ti];
      Tile tile;
      tile.core = static_cast<uint16_t>(static_cast<int64_t>(ti) * cores / static_cast<int64_t>(order.size()));
      const int64_t oc0 = p.oc * oct, ocn = std::min(oct, C - oc0);
      const int64_t h0 = p.h * t.ht, hn = std::min(t.ht, OH - h0);
      const int64_t w0 = p.w * t.wt, wn = std::min(t.wt, OW - w0);
      // Boxes of every node's output, back to front.
      const size_t L = nodes_.size();
      std::vector<npk::Box> out_box(L);
      out_box[L - 1] = make_box({p.n, oc0, h0, w0}, {1, ocn, hn, wn});
      std::vector<npk::Box> main_in(L);
      for (size_t i = L; i-- > 0;) {
        const ir::Node& n = *nodes_[i];
        const int mi = main_input(n, i ? nodes_[i - 1] : nullptr);
        const Shape& xs = n.input(static_cast<size_t>(mi))->shape();
        const npk::Box& ob = out_box[i];
        if (classes_[i] == NodeClass::kConv || classes_[i] == NodeClass::kPool) {
          const Window w = window_of(n, classes_[i]);
          const auto [r0, r1] = in_range(ob.start[2], ob.size[2], w.kh, w.sh, w.dh, w.pt, xs[2]);
          const auto [c0, c1] = in_range(ob.start[3], ob.size[3], w.kw, w.sw, w.dw, w.pl, xs[3]);
          int64_t ch0 = 0, chn = xs[1];
          if (classes_[i] == NodeClass::kPool) {
            ch0 = ob.start[1];
            chn = ob.size[1];
          } else if (group_ > 1 && lone_conv_) {
            const int64_t ocg = cout_ / group_, icg = cin_ / group_;
            ch0 = ob.start[1] / ocg * icg;
            chn = ob.size[1] / ocg * icg;
          }
          main_in[i] = make_box({ob.start[0], ch0, r0, c0}, {1, chn, r1 - r0, c1 - c0});
        } else {
          main_in[i] = broadcast_box(ob, xs);
        }
        if (i > 0) out_box[i - 1] = main_in[i];
      }
      // Steps.
      const int32_t x_slot = slots.get("x", cp);
      const ir::Node& first = *nodes_[0];
      const int mi0 = main_input(first, nullptr);
      const int32_t x_buf = buffer(first.input(static_cast<size_t>(mi0))->name());
      for (size_t i = 0; i < L; ++i) {
        const ir::Node& n = *nodes_[i];
        const int32_t layer = g_.nodes[i];
        const int32_t dst_slot = i + 1 == L ? slots.get("out", cp) : slots.get("m" + std::to_string(i), cp);
        const DType out_dtype = n.output(0)->dtype();
        const int32_t main_slot = i == 0 ? x_slot : slots.get("m" + std::to_string(i - 1), cp);
        auto load = [&](int32_t slot, const std::string& value, const npk::Box& box, npk::Role role) {
          TileStep s;
          s.kind = TileStep::kLoad;
          s.slot = slot;
          s.buffer = buffer(value);
          s.box = box;
          s.role = role;
          s.layer = layer;
          slots.need(slot, box.elements() * static_cast<int64_t>(dtype_size(buf_dtype(s.buffer))));
          tile.steps.push_back(s);
        };
        TileStep c;
        c.kind = TileStep::kCompute;
        c.layer = layer;
        c.dtype = out_dtype;
        c.dst_box = out_box[i];
        c.slot = dst_slot;
        switch (classes_[i]) {
          case NodeClass::kConv: {
            c.op = npk::CmdOp::kConv;
            const Shape& ws = n.input(1)->shape();
            const bool has_bias = n.input(2) != nullptr;
            const bool has_res = n.input(3) != nullptr;
            const int64_t k_total = ws[1];
            const int64_t kchunk = kt > 0 ? kt : k_total;
            const int64_t n_k = ceil_div(k_total, kchunk);
            int32_t prev_acc = -1;
            for (int64_t kc = 0; kc < n_k; ++kc) {
              const int64_t k0 = kc * kchunk, kn = std::min(kchunk, k_total - k0);
              const bool final = kc + 1 == n_k;
              npk::Box xb = main_in[i];
              if (n_k > 1) {
                xb.start[1] = k0;
                xb.size[1] = kn;
              }
              if (i == 0) load(x_slot, first.input(0)->name(), xb, npk::Role::kX);
              const int32_t w_slot = slots.get("w" + std::to_string(i), cp);
              load(w_slot, n.input(1)->name(),
                   make_box({out_box[i].start[1], k0, 0, 0}, {out_box[i].size[1], kn, ws[2], ws[3]}), npk::Role::kW);
              TileStep cc = c;
              cc.srcs = {{npk::Role::kX, main_slot}, {npk::Role::kW, w_slot}};
              if (prev_acc >= 0) cc.srcs.push_back({npk::Role::kAccIn, prev_acc});
              if (final) {
                if (has_bias) {
                  const int32_t b_slot = slots.get("b" + std::to_string(i), cp);
                  load(b_slot, n.input(2)->name(), make_box({out_box[i].start[1]}, {out_box[i].size[1]}),
                       npk::Role::kBias);
                  cc.srcs.push_back({npk::Role::kBias, b_slot});
                }
                if (has_res) {
                  const int32_t r_slot = slots.get("r" + std::to_string(i), cp);
                  load(r_slot, n.input(3)->name(), out_box[i], npk::Role::kResidual);
                  cc.srcs.push_back({npk::Role::kResidual, r_slot});
                }
                cc.flags = npk::kFinal;
              } else {
                cc.slot = slots.get(kc % 2 ? "acc1" : "acc0", 1);
                cc.dtype = DType::kI64;
              }
              slots.need(cc.slot, cc.dst_box.elements() * static_cast<int64_t>(dtype_size(cc.dtype)));
              tile.steps.push_back(cc);
              prev_acc = final ? -1 : cc.slot;
            }
            continue;
          }
          case NodeClass::kPool:
            c.op = npk::CmdOp::kPool;
            if (i == 0) load(x_slot, first.input(0)->name(), main_in[i], npk::Role::kX);
            c.srcs = {{npk::Role::kX, main_slot}};
            break;
          case NodeClass::kLut: {
            c.op = npk::CmdOp::kLut;
            if (i == 0) load(x_slot, first.input(0)->name(), main_in[i], npk::Role::kX);
            const int32_t t_slot = slots.get("t" + std::to_string(i), cp);
            load(t_slot, n.input(1)->name(), npk::Box::whole(n.input(1)->shape()), npk::Role::kTable);
            c.srcs = {{npk::Role::kX, main_slot}, {npk::Role::kTable, t_slot}};
            break;
          }
          case NodeClass::kRequant:
            c.op = npk::CmdOp::kRequant;
            if (i == 0) load(x_slot, first.input(0)->name(), main_in[i], npk::Role::kX);
            c.srcs = {{npk::Role::kX, main_slot}};
            break;
          case NodeClass::kEltwise: {
            c.op = npk::CmdOp::kEltwise;
            const int mi = main_input(n, i ? nodes_[i - 1] : nullptr);
            const int other = 1 - mi;
            if (i == 0) load(x_slot, n.input(static_cast<size_t>(mi))->name(), main_in[i], npk::Role::kX);
            int32_t side_slot = main_slot;
            if (n.input(static_cast<size_t>(other)) != n.input(static_cast<size_t>(mi))) {
              side_slot = slots.get("s" + std::to_string(i), cp);
              const ir::Value* sv = n.input(static_cast<size_t>(other));
              load(side_slot, sv->name(), broadcast_box(out_box[i], sv->shape()),
                   other == 0 ? npk::Role::kX : npk::Role::kB);
            }
            const int32_t a_slot = mi == 0 ? main_slot : side_slot;
            const int32_t b_slot = mi == 0 ? side_slot : main_slot;
            c.srcs = {{npk::Role::kX, a_slot}, {npk::Role::kB, b_slot}};
            break;
          }
          default: break;
        }
        slots.need(c.slot, c.dst_box.elements() * static_cast<int64_t>(dtype_size(c.dtype)));
        tile.steps.push_back(c);
      }
      TileStep st;
      st.kind = TileStep::kStore;
      st.slot = slots.get("out", cp);
      st.buffer = buffer(last_->output(0)->name());
      st.box = out_box[L - 1];
      st.src_box = out_box[L - 1];
      st.layer = g_.nodes.back();
      tile.steps.push_back(st);
      plan.tiles.push_back(std::move(tile));
      (void)x_buf;
    }
    plan.slot_bytes = slots.bytes;
    plan.slot_copies = slots.copies;
    plan.desc = describe(t, oct, kt, n_oc * N * n_h * n_w);
    return plan;
  }

 private:
  int32_t buffer(const std::string& value) const { return ctx_.buffer_of.at(value); }
  DType buf_dtype(int32_t b) const { return ctx_.program->buffers[static_cast<size_t>(b)].dtype; }
  std::string describe(const ChainTiling& t, int64_t oct, int64_t kt, int64_t tiles) const {
    std::string s = "tile h" + std::to_string(t.ht) + " w" + std::to_string(t.wt);
    if (lone_conv_) s += " oc" + std::to_string(oct) + (kt > 0 && kt < cin_ ? " k" + std::to_string(kt) : "");
    s += ", " + std::to_string(tiles) + " tiles";
    s += t.copies == 2 ? ", double buffered" : ", single buffered";
    if (lone_conv_ && ceil_div(cout_, oct) > 1) s += t.oc_outer ? ", weights stationary" : ", input stationary";
    return s;
  }

  const SegmentContext& ctx_;
  const Group& g_;
  std::vector<const ir::Node*> nodes_;
  std::vector<NodeClass> classes_;
  const ir::Node* last_ = nullptr;
  Shape out_shape_;
  bool lone_conv_ = false;
  int64_t group_ = 1, cin_ = 0, cout_ = 0;
};

/// Sizes to try for a dimension of extent `n`: n, ceil(n/2), ceil(n/3), ... (distinct, descending).
std::vector<int64_t> extents(int64_t n, int max_count) {
  std::vector<int64_t> v;
  for (int64_t d = 1; d <= n && static_cast<int>(v.size()) < max_count; ++d) {
    const int64_t e = ceil_div(n, d);
    if (v.empty() || e < v.back()) v.push_back(e);
    if (d >= 8) d = d * 3 / 2;  // thin out
  }
  return v;
}

}  // namespace

Expected<std::vector<Plan>> chain_plans(const SegmentContext& ctx, const Group& g) {
  ChainPlanner cp(ctx, g);
  const march::MarchSpec& m = *ctx.march;
  const int level = ctx.options.optimize_level;
  const int64_t sram = m.sram.bytes;
  const Shape& os = cp.out_shape();
  const int64_t OH = os[2], OW = os[3], C = os[1];
  std::vector<int64_t> ocs{C}, ks{0};
  if (cp.lone_conv()) {
    const int64_t ocg = cp.group() > 1 ? cp.cout() / cp.group() : 1;
    ocs = halvings(C, std::max<int64_t>(ocg, cp.group() > 1 ? ocg : m.tae.output_channel_granule), 6);
    if (cp.group() > 1)  // keep whole groups
      for (int64_t& o : ocs) o = std::max(ocg, o / ocg * ocg);
    if (cp.group() == 1) ks = halvings(cp.cin(), m.tae.input_channel_granule, 5);
  }
  std::vector<int32_t> copy_options = level == 0 ? std::vector<int32_t>{1} : std::vector<int32_t>{2, 1};
  const std::vector<int64_t> hs = extents(OH, level >= 3 ? 40 : 24);
  const std::vector<int64_t> ws = extents(OW, level >= 3 ? 12 : 6);
  std::vector<Plan> out;
  std::set<std::string> seen;
  const size_t cap = level >= 3 ? 12 : 6;  // per buffering option: each candidate is scheduled to rate it
  for (int32_t copies : copy_options) {
    const size_t first = out.size();
    for (int64_t oct : ocs) {
      // The whole reduction when it fits; a K split (smaller kt) only when it does not.
      for (int64_t kt : ks) {
        bool found = false;
        // Largest fitting tile: full width first, then narrower.
        for (int64_t wt : ws) {
          for (size_t hi = 0; hi < hs.size(); ++hi) {
            ChainTiling t{hs[hi], wt, oct, kt, true, copies};
            if (cp.build(t, true).sram_bytes() > sram) continue;
            // The largest fitting tile, and (O1+) smaller ones that pipeline better.
            const int variants = level == 0 ? 1 : (level >= 3 ? 4 : 3);
            for (int v = 0; v < variants && hi + static_cast<size_t>(v) * 2 < hs.size(); ++v) {
              ChainTiling tv = t;
              tv.ht = hs[hi + static_cast<size_t>(v) * 2];
              for (bool oc_outer : {true, false}) {
                tv.oc_outer = oc_outer;
                if (!oc_outer && ceil_div(C, oct) == 1) continue;
                Plan p = cp.build(tv, false);
                // The probe covers the largest tiles; the full plan is the authority.
                if (p.sram_bytes() > sram) continue;
                if (seen.insert(p.desc).second) out.push_back(std::move(p));
                if (level == 0) break;
              }
            }
            found = true;
            break;
          }
          if (found) break;
        }
        if (found) break;
      }
      if (!out.empty() && level == 0) return out;
    }
    if (out.size() - first > cap) out.resize(first + cap);
  }
  if (out.empty()) {
    const ir::Node& n = *ctx.nodes[static_cast<size_t>(g.nodes.front())];
    return make_error(ErrorCode::kOutOfRange, n.op_type(), " '", n.name(), "': no tile fits SRAM (", sram, " bytes)");
  }
  return out;
}

}  // namespace npukit::npu::detail
