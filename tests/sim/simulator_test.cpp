// SPDX-License-Identifier: Apache-2.0
// sim: hand-made command streams (the test plays the compiler: it tiles the layers, places the tiles in SRAM
// and sets the dependencies) executed by the simulator must be bit-exact with the reference interpreter on
// the same integer graph; broken schedules must be reported by the schedule checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "ir/graph.h"
#include "npk/npk_model.h"
#include "npk/program.h"
#include "quant/arith.h"
#include "sim/simulator.h"
#include "util/graph_builder.h"
#include "util/qcodes.h"

namespace npukit {
namespace {

using ir::OpKind;
using npk::BufferKind;
using npk::CmdOp;
using npk::Operand;
using npk::Role;
using quant::QuantizedMultiplier;

Tensor codes(DType dt, const Shape& shape, int32_t lo, int32_t hi, uint32_t seed) {
  return testing::random_codes(dt, shape, lo, hi, seed);
}

npk::Box bx(const std::vector<int64_t>& start, const std::vector<int64_t>& size) {
  npk::Box b;
  b.rank = static_cast<int32_t>(start.size());
  for (size_t d = 0; d < start.size(); ++d) {
    b.start[d] = start[d];
    b.size[d] = size[d];
  }
  return b;
}

void set_mults(Attrs& a, const std::vector<double>& real, const char* mk = "multiplier", const char* sk = "shift") {
  std::vector<int64_t> mv, sv;
  for (double r : real) {
    const QuantizedMultiplier q = quant::quantize_multiplier(r);
    mv.push_back(q.mult);
    sv.push_back(q.shift);
  }
  a.set(mk, mv);
  a.set(sk, sv);
}

void set_add(Attrs& a, const quant::AddParams& p, const char* mk, const char* sk, const char* lk) {
  a.set(mk, std::vector<int64_t>{p.a_mult.mult, p.b_mult.mult, p.out_mult.mult});
  a.set(sk, std::vector<int64_t>{p.a_mult.shift, p.b_mult.shift, p.out_mult.shift});
  a.set(lk, int64_t{p.left_shift});
}

int32_t layer_of(const ir::Graph& g, const std::string& name) {
  const auto nodes = g.nodes();
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i]->name() == name) return static_cast<int32_t>(i);
  ADD_FAILURE() << "no node " << name;
  return -1;
}

/// Writes a Program by hand: DDR buffers (arena offsets assigned in order), commands, and a bump allocator
/// of SRAM addresses per core.
class ProgramBuilder {
 public:
  explicit ProgramBuilder(int32_t cores = 1, int64_t sram = int64_t{1} << 20) : next_(static_cast<size_t>(cores), 0) {
    p.num_cores = cores;
    p.sram_bytes_per_core = sram;
  }

  int32_t buffer(const ir::Value* v, BufferKind kind) {
    npk::DdrBuffer b;
    b.value = v->name();
    b.dtype = v->dtype();
    b.shape = v->shape();
    b.kind = kind;
    if (kind != BufferKind::kConstant) {
      b.offset = p.arena_bytes;
      p.arena_bytes += (b.bytes() + 63) / 64 * 64;
    }
    p.buffers.push_back(b);
    return static_cast<int32_t>(p.buffers.size()) - 1;
  }

  uint32_t alloc(int32_t core, int64_t bytes) {
    const uint32_t a = next_[static_cast<size_t>(core)];
    next_[static_cast<size_t>(core)] += static_cast<uint32_t>((bytes + 15) / 16 * 16);
    return a;
  }

  int32_t add(npk::Command c) {
    p.commands.push_back(std::move(c));
    return static_cast<int32_t>(p.commands.size()) - 1;
  }

  /// LOAD of `box` of buffer `buf` into a new tile (or at `addr` when given).
  int32_t load(int32_t core, int32_t buf, const npk::Box& box, std::vector<int32_t> deps = {}, int64_t addr = -1) {
    npk::Command c;
    c.op = CmdOp::kLoad;
    c.core = static_cast<uint16_t>(core);
    c.buffer = buf;
    c.dst.role = Role::kOut;
    c.dst.dtype = p.buffers[static_cast<size_t>(buf)].dtype;
    c.dst.box = box;
    c.dst.addr = addr >= 0 ? static_cast<uint32_t>(addr) : alloc(core, c.dst.bytes());
    c.deps = std::move(deps);
    return add(std::move(c));
  }

  int32_t store(int32_t buf, const npk::Box& box, int32_t producer) {
    npk::Command c;
    c.op = CmdOp::kStore;
    c.core = p.commands[static_cast<size_t>(producer)].core;
    c.buffer = buf;
    c.box = box;
    c.srcs = {tile(producer, Role::kX)};
    c.deps = {producer};
    return add(std::move(c));
  }

  /// A compute command writing a new tile of `dtype` / `box`.
  int32_t compute(CmdOp op, int32_t core, int32_t layer, std::vector<Operand> srcs, DType dtype, const npk::Box& box,
                  std::vector<int32_t> deps, uint32_t flags = 0) {
    npk::Command c;
    c.op = op;
    c.core = static_cast<uint16_t>(core);
    c.layer = layer;
    c.flags = flags;
    c.srcs = std::move(srcs);
    c.dst.role = Role::kOut;
    c.dst.dtype = dtype;
    c.dst.box = box;
    c.dst.addr = alloc(core, c.dst.bytes());
    c.deps = std::move(deps);
    return add(std::move(c));
  }

  /// The tile a command wrote, as an operand of another command.
  Operand tile(int32_t cmd, Role role) const {
    Operand o = p.commands[static_cast<size_t>(cmd)].dst;
    o.role = role;
    return o;
  }

  npk::Program p;

 private:
  std::vector<uint32_t> next_;
};

void expect_bit_exact(const Expected<std::map<std::string, Tensor>>& got, const ir::Graph& g,
                      const std::vector<Tensor>& inputs) {
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  interp::Interpreter ref(g);
  auto want = ref.run(inputs);
  ASSERT_TRUE(want.ok()) << want.status().to_string();
  ASSERT_EQ(want->size(), g.outputs().size());
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    auto it = got->find(g.outputs()[i]->name());
    ASSERT_NE(it, got->end()) << g.outputs()[i]->name();
    EXPECT_EQ(it->second.dtype(), (*want)[i].dtype());
    EXPECT_EQ(it->second.shape(), (*want)[i].shape());
    EXPECT_TRUE(it->second == (*want)[i]) << "simulator differs from the interpreter on " << it->first;
    // Not degenerate: the comparison exercises the arithmetic.
    std::vector<int64_t> v;
    for (int64_t k = 0; k < (*want)[i].numel(); ++k) v.push_back((*want)[i].get_as_int64(k));
    std::sort(v.begin(), v.end());
    EXPECT_GE(std::unique(v.begin(), v.end()) - v.begin(), 8) << "degenerate reference output";
  }
}

void expect_error(const Expected<std::map<std::string, Tensor>>& got, const std::string& what) {
  ASSERT_FALSE(got.ok()) << "expected an error containing '" << what << "'";
  EXPECT_EQ(got.status().code(), ErrorCode::kInternal) << got.status().to_string();
  EXPECT_NE(got.status().message().find(what), std::string::npos) << got.status().to_string();
}

// ---- QConv ----------------------------------------------------------------------------------------------

struct ConvSpec {
  Shape x{1, 4, 8, 8};
  int64_t cout = 6, kh = 3, kw = 3, group = 1;
  std::vector<int64_t> strides{1, 1}, dilations{1, 1}, pads{1, 1, 1, 1};
  DType xt = DType::kI8;
  int32_t x_zp = 3;
  bool residual = false;
};

/// x (and r) inputs -> QConv 'conv' (bias, per-channel multipliers) -> output.
void build_conv(ir::Model& m, const ConvSpec& s) {
  testing::GraphBuilder gb(m.graph);
  ir::Value* x = gb.input("x", s.xt, s.x);
  ir::Value* w = gb.constant("w", codes(DType::kI8, {s.cout, s.x[1] / s.group, s.kh, s.kw}, -127, 127, 7));
  ir::Value* b = gb.constant("b", codes(DType::kI32, {s.cout}, -2000, 2000, 8));
  Attrs a;
  a.set("group", s.group);
  a.set("strides", s.strides);
  a.set("dilations", s.dilations);
  a.set("pads", s.pads);
  a.set("x_zero_point", int64_t{s.x_zp});
  std::vector<double> mults;
  const double base = s.xt == DType::kI16 ? 2e-5 : 3e-3 / static_cast<double>(s.x[1] / s.group);
  for (int64_t c = 0; c < s.cout; ++c) mults.push_back(base * (1.0 + 0.1 * static_cast<double>(c)));
  set_mults(a, mults);
  a.set("y_dtype", int64_t{3});
  a.set("y_zero_point", int64_t{-4});
  std::vector<ir::Value*> ins{x, w, b};
  if (s.residual) {
    const int64_t oh = (s.x[2] + s.pads[0] + s.pads[2] - (s.kh - 1) * s.dilations[0] - 1) / s.strides[0] + 1;
    const int64_t ow = (s.x[3] + s.pads[1] + s.pads[3] - (s.kw - 1) * s.dilations[1] - 1) / s.strides[1] + 1;
    ins.push_back(gb.input("r", DType::kI8, {s.x[0], s.cout, oh, ow}));
    a.set("mid_zero_point", int64_t{2});
    a.set("r_zero_point", int64_t{-7});
    set_add(a, quant::make_add_params(0.05f, 2, 0.03f, -7, 0.06f, -4, quant::kRangeI8), "add_multiplier", "add_shift",
            "add_left_shift");
  }
  gb.output(gb.op(OpKind::kQConv, "conv", ins, a));
  ASSERT_TRUE(interp::resolve(m).ok());
}

/// How the test "compiler" tiles a conv: split points of the output rows / columns / channels and of the
/// input channels (K shares), cores used round robin, and optional reuse of one SRAM slot for all x tiles.
struct ConvTiling {
  std::vector<int64_t> oy, ox, oc, ic;  ///< split points incl. 0 and the end; ic empty: no K split
  int32_t cores = 1;
  bool reuse_x = false;  ///< every x tile of a core at the same SRAM address
  bool war_deps = true;  ///< with reuse_x: a LOAD waits for the CONV that read the slot before
};

struct ConvBuffers {
  int32_t x = -1, w = -1, b = -1, r = -1, y = -1;
};

ConvBuffers conv_buffers(ProgramBuilder& pb, const ir::Graph& g) {
  const ir::Node& n = *g.nodes()[static_cast<size_t>(layer_of(g, "conv"))];
  ConvBuffers bufs;
  bufs.x = pb.buffer(n.input(0), BufferKind::kInput);
  bufs.w = pb.buffer(n.input(1), BufferKind::kConstant);
  bufs.b = pb.buffer(n.input(2), BufferKind::kConstant);
  if (n.input(3) != nullptr) bufs.r = pb.buffer(n.input(3), BufferKind::kInput);
  bufs.y = pb.buffer(n.output(0), BufferKind::kOutput);
  return bufs;
}

void emit_conv(ProgramBuilder& pb, const ir::Graph& g, const ConvBuffers& bufs, const ConvTiling& t) {
  const int32_t layer = layer_of(g, "conv");
  const ir::Node& n = *g.nodes()[static_cast<size_t>(layer)];
  const Shape& xs = n.input(0)->shape();
  const Shape& ws = n.input(1)->shape();
  const auto st = n.attrs().get_ints("strides"), dil = n.attrs().get_ints("dilations"),
             pads = n.attrs().get_ints("pads");
  const int64_t group = n.attrs().get_int("group"), cog = ws[0] / group, cg = ws[1];
  const std::vector<int64_t> ic = t.ic.empty() ? std::vector<int64_t>{0, cg} : t.ic;
  const size_t es = dtype_size(n.input(0)->dtype());
  std::vector<int64_t> x_slot(static_cast<size_t>(t.cores), -1);
  std::vector<int32_t> last_reader(static_cast<size_t>(t.cores), -1);
  int tile_no = 0;
  for (size_t i = 0; i + 1 < t.oc.size(); ++i) {
    for (size_t j = 0; j + 1 < t.oy.size(); ++j) {
      for (size_t k = 0; k + 1 < t.ox.size(); ++k) {
        const int32_t core = tile_no++ % t.cores;
        const int64_t oc0 = t.oc[i], oc1 = t.oc[i + 1], oy0 = t.oy[j], oy1 = t.oy[j + 1], ox0 = t.ox[k],
                      ox1 = t.ox[k + 1];
        // Input window of the output tile, clipped to the tensor (the rest is padding).
        const int64_t ya = std::max<int64_t>(0, oy0 * st[0] - pads[0]);
        const int64_t yb = std::min<int64_t>(xs[2], (oy1 - 1) * st[0] - pads[0] + (ws[2] - 1) * dil[0] + 1);
        const int64_t xa = std::max<int64_t>(0, ox0 * st[1] - pads[1]);
        const int64_t xb = std::min<int64_t>(xs[3], (ox1 - 1) * st[1] - pads[1] + (ws[3] - 1) * dil[1] + 1);
        const npk::Box dst = bx({0, oc0, oy0, ox0}, {xs[0], oc1 - oc0, oy1 - oy0, ox1 - ox0});
        int32_t prev = -1;
        for (size_t s = 0; s + 1 < ic.size(); ++s) {
          const int64_t ic0 = ic[s], ic1 = ic[s + 1];
          const int64_t xc0 = group == 1 ? ic0 : oc0 / cog * cg, xc1 = group == 1 ? ic1 : oc1 / cog * cg;
          const npk::Box xbox = bx({0, xc0, ya, xa}, {xs[0], xc1 - xc0, yb - ya, xb - xa});
          int64_t addr = -1;
          std::vector<int32_t> xdeps;
          if (t.reuse_x) {
            if (x_slot[static_cast<size_t>(core)] < 0)
              x_slot[static_cast<size_t>(core)] = pb.alloc(core, numel(xs) * static_cast<int64_t>(es));
            addr = x_slot[static_cast<size_t>(core)];
            if (t.war_deps && last_reader[static_cast<size_t>(core)] >= 0)
              xdeps.push_back(last_reader[static_cast<size_t>(core)]);
          }
          const int32_t lx = pb.load(core, bufs.x, xbox, xdeps, addr);
          const int32_t lw = pb.load(core, bufs.w, bx({oc0, ic0, 0, 0}, {oc1 - oc0, ic1 - ic0, ws[2], ws[3]}));
          std::vector<Operand> srcs{pb.tile(lx, Role::kX), pb.tile(lw, Role::kW)};
          std::vector<int32_t> deps{lx, lw};
          const bool final = s + 2 == ic.size();
          if (prev >= 0) {
            srcs.push_back(pb.tile(prev, Role::kAccIn));
            deps.push_back(prev);
          }
          if (final) {
            const int32_t lb = pb.load(core, bufs.b, bx({oc0}, {oc1 - oc0}));
            srcs.push_back(pb.tile(lb, Role::kBias));
            deps.push_back(lb);
            if (bufs.r >= 0) {
              const int32_t lr = pb.load(core, bufs.r, dst);
              srcs.push_back(pb.tile(lr, Role::kResidual));
              deps.push_back(lr);
            }
          }
          prev = pb.compute(CmdOp::kConv, core, layer, srcs, final ? n.output(0)->dtype() : DType::kI64, dst, deps,
                            final ? npk::kFinal : 0);
          last_reader[static_cast<size_t>(core)] = prev;
        }
        pb.store(bufs.y, dst, prev);
      }
    }
  }
}

struct ConvRun {
  ir::Model m;
  ProgramBuilder pb;
  std::vector<Tensor> inputs;
  std::map<std::string, Tensor> named;
};

void prepare_conv(ConvRun& r, const ConvSpec& s, const ConvTiling& t) {
  build_conv(r.m, s);
  const int32_t hi = s.xt == DType::kI16 ? 20000 : s.xt == DType::kU8 ? 255 : 127;
  const int32_t lo = s.xt == DType::kU8 ? 0 : -hi - 1;
  r.inputs.push_back(codes(s.xt, s.x, lo, hi, 1));
  r.named["x"] = r.inputs.back();
  if (s.residual) {
    const ir::Value* rv = r.m.graph.find_value("r");
    r.inputs.push_back(codes(DType::kI8, rv->shape(), -128, 127, 2));
    r.named["r"] = r.inputs.back();
  }
  r.pb = ProgramBuilder(t.cores);
  const ConvBuffers bufs = conv_buffers(r.pb, r.m.graph);
  emit_conv(r.pb, r.m.graph, bufs, t);
}

TEST(SimConv, Pad1Tiled2x2SpatialWithHalosAnd2ChannelTilesIsBitExact) {
  ConvRun r;
  prepare_conv(r, ConvSpec{}, ConvTiling{{0, 4, 8}, {0, 4, 8}, {0, 3, 6}, {}});
  sim::SimStats stats;
  expect_bit_exact(sim::run_program(r.pb.p, r.m.graph, r.named, &stats), r.m.graph, r.inputs);
  EXPECT_EQ(stats.commands, static_cast<int64_t>(r.pb.p.commands.size()));
  // 8 tiles, each: x halo tile, w tile, bias tile; one store per tile.
  int64_t load_bytes = 0;
  for (const auto& c : r.pb.p.commands)
    if (c.op == CmdOp::kLoad) load_bytes += c.dst.bytes();
  EXPECT_EQ(stats.load_bytes, load_bytes);
  EXPECT_EQ(stats.store_bytes, 1 * 6 * 8 * 8);
  EXPECT_GT(stats.peak_sram_bytes, 0);
  EXPECT_LE(stats.peak_sram_bytes, r.pb.p.sram_bytes_per_core);
}

TEST(SimConv, StridedDilatedAsymmetricPadsU8IsBitExact) {
  ConvSpec s;
  s.x = {1, 3, 13, 11};
  s.cout = 5;
  s.strides = {2, 1};
  s.dilations = {2, 3};
  s.pads = {1, 2, 0, 1};
  s.xt = DType::kU8;
  s.x_zp = 131;
  ConvRun r;
  // Output 5 x 8: three row tiles, two column tiles, two channel tiles.
  prepare_conv(r, s, ConvTiling{{0, 2, 4, 5}, {0, 3, 8}, {0, 2, 5}, {}});
  ASSERT_EQ(r.m.graph.outputs()[0]->shape(), (Shape{1, 5, 5, 8}));
  expect_bit_exact(sim::run_program(r.pb.p, r.m.graph, r.named), r.m.graph, r.inputs);
}

TEST(SimConv, DepthwiseAndGroupedTiledOverChannelsAreBitExact) {
  for (int64_t group : {6, 3}) {
    ConvSpec s;
    s.x = {1, 6, 7, 7};
    s.cout = 6;
    s.group = group;
    ConvRun r;
    // Channel tiles aligned to the groups (depthwise: any split; group 3: multiples of 2 channels).
    prepare_conv(r, s, ConvTiling{{0, 3, 7}, {0, 7}, {0, 2, 6}, {}});
    SCOPED_TRACE(group);
    expect_bit_exact(sim::run_program(r.pb.p, r.m.graph, r.named), r.m.graph, r.inputs);
  }
}

TEST(SimConv, GroupedConvRejectsChannelTileAcrossGroups) {
  ConvSpec s;
  s.x = {1, 6, 7, 7};
  s.group = 3;
  ConvRun r;
  prepare_conv(r, s, ConvTiling{{0, 7}, {0, 7}, {0, 3, 6}, {}});  // [0,3) splits group 1
  expect_error(sim::run_program(r.pb.p, r.m.graph, r.named), "not aligned to the groups");
}

TEST(SimConv, KSplitWithAccInAndFinalResidualIsBitExact) {
  ConvSpec s;
  s.x = {1, 8, 6, 6};
  s.residual = true;
  ConvRun r;
  prepare_conv(r, s, ConvTiling{{0, 6}, {0, 3, 6}, {0, 4, 6}, {0, 5, 8}});
  int partial = 0;
  for (const auto& c : r.pb.p.commands)
    if (c.op == CmdOp::kConv && (c.flags & npk::kFinal) == 0) ++partial;
  EXPECT_EQ(partial, 4);
  expect_bit_exact(sim::run_program(r.pb.p, r.m.graph, r.named), r.m.graph, r.inputs);
}

TEST(SimConv, Int16ActivationsKSplitIsBitExact) {
  ConvSpec s;
  s.x = {1, 5, 5, 5};
  s.cout = 4;
  s.xt = DType::kI16;
  s.x_zp = 0;
  ConvRun r;
  prepare_conv(r, s, ConvTiling{{0, 2, 5}, {0, 5}, {0, 4}, {0, 2, 5}});
  expect_bit_exact(sim::run_program(r.pb.p, r.m.graph, r.named), r.m.graph, r.inputs);
}

TEST(SimConv, TwoCoresAreBitExact) {
  ConvRun r;
  prepare_conv(r, ConvSpec{}, ConvTiling{{0, 3, 8}, {0, 5, 8}, {0, 3, 6}, {}, 2});
  std::set<int> cores;
  for (const auto& c : r.pb.p.commands) cores.insert(c.core);
  EXPECT_EQ(cores.size(), 2u);
  expect_bit_exact(sim::run_program(r.pb.p, r.m.graph, r.named), r.m.graph, r.inputs);
}

TEST(SimConv, ReusedSramSlotWithWarDepsIsBitExact) {
  ConvRun r;
  prepare_conv(r, ConvSpec{}, ConvTiling{{0, 4, 8}, {0, 4, 8}, {0, 6}, {}, 1, true, true});
  expect_bit_exact(sim::run_program(r.pb.p, r.m.graph, r.named), r.m.graph, r.inputs);
}

// ---- schedule checks ------------------------------------------------------------------------------------

TEST(SimSchedule, MissingDepIsReadBeforeWrite) {
  ConvRun r;
  prepare_conv(r, ConvSpec{}, ConvTiling{{0, 4, 8}, {0, 8}, {0, 6}, {}});
  for (auto& c : r.pb.p.commands)
    if (c.op == CmdOp::kConv) {
      c.deps.clear();  // the x / w / bias LOADs may still be running
      break;
    }
  const auto got = sim::run_program(r.pb.p, r.m.graph, r.named);
  expect_error(got, "read before write");
  EXPECT_NE(got.status().message().find("CONV cmd 3 core 0 (layer 'conv')"), std::string::npos)
      << got.status().message();
}

TEST(SimSchedule, ReusedSlotWithoutWarDepOverlapsALiveBuffer) {
  ConvRun r;
  prepare_conv(r, ConvSpec{}, ConvTiling{{0, 4, 8}, {0, 4, 8}, {0, 6}, {}, 1, true, false});
  expect_error(sim::run_program(r.pb.p, r.m.graph, r.named), "overlaps a live buffer");
}

TEST(SimSchedule, TileBeyondSramIsOverflow) {
  ConvRun r;
  prepare_conv(r, ConvSpec{}, ConvTiling{{0, 4, 8}, {0, 8}, {0, 6}, {}});
  r.pb.p.sram_bytes_per_core = 300;  // the tiles were placed in a 1 MB SRAM
  expect_error(sim::run_program(r.pb.p, r.m.graph, r.named), "SRAM overflow");
}

TEST(SimSchedule, XTileWithoutHaloDoesNotContainTheInput) {
  ConvRun r;
  prepare_conv(r, ConvSpec{}, ConvTiling{{0, 4, 8}, {0, 8}, {0, 6}, {}});
  // The first x tile covers rows [0, 5) (4 output rows + 1 halo row): drop the halo row.
  npk::Command& lx = r.pb.p.commands[0];
  ASSERT_EQ(lx.op, CmdOp::kLoad);
  ASSERT_EQ(lx.dst.box.size[2], 5);
  lx.dst.box.size[2] = 4;
  for (auto& c : r.pb.p.commands)
    for (auto& s : c.srcs)
      if (s.role == Role::kX && c.op == CmdOp::kConv && s.addr == lx.dst.addr) s.box = lx.dst.box;
  const auto got = sim::run_program(r.pb.p, r.m.graph, r.named);
  expect_error(got, "does not contain");
  EXPECT_NE(got.status().message().find("x tile [0:1, 0:4, 0:4, 0:8]"), std::string::npos) << got.status().message();
}

TEST(SimSchedule, StoreIntoInputBufferIsRejected) {
  ConvRun r;
  prepare_conv(r, ConvSpec{}, ConvTiling{{0, 8}, {0, 8}, {0, 6}, {}});
  npk::Command& st = r.pb.p.commands.back();
  ASSERT_EQ(st.op, CmdOp::kStore);
  st.buffer = 0;  // x
  st.box = bx({0, 0, 0, 0}, {1, 4, 8, 8});
  st.srcs[0] = r.pb.p.commands[0].dst;  // the x tile has exactly that size
  expect_error(sim::run_program(r.pb.p, r.m.graph, r.named), "STORE into input buffer 'x'");
}

TEST(SimSchedule, OutputTileNeverStoredIsReported) {
  ConvRun r;
  prepare_conv(r, ConvSpec{}, ConvTiling{{0, 4, 8}, {0, 8}, {0, 6}, {}});
  ASSERT_EQ(r.pb.p.commands.back().op, CmdOp::kStore);
  r.pb.p.commands.pop_back();  // rows [4, 8) of y are never stored
  const auto got = sim::run_program(r.pb.p, r.m.graph, r.named);
  expect_error(got, "output buffer 'conv_out'");
  EXPECT_NE(got.status().message().find("never stored"), std::string::npos) << got.status().message();
}

/// conv 'c1' -> internal t -> conv 'c2' -> y, one tile each; t goes through DDR.
struct TwoConvs {
  ir::Model m;
  ProgramBuilder pb;
  Tensor x;
  int32_t store_t = -1, load_t = -1;
};

void build_two_convs(TwoConvs& tc, bool load_waits_for_store) {
  testing::GraphBuilder gb(tc.m.graph);
  ir::Value* x = gb.input("x", DType::kI8, {1, 3, 5, 5});
  auto conv = [&](const std::string& name, ir::Value* in, int64_t cin, uint32_t seed) {
    Attrs a;
    a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    set_mults(a, {4e-3});
    ir::Value* w = gb.constant(name + "_w", codes(DType::kI8, {4, cin, 3, 3}, -127, 127, seed));
    return gb.op(OpKind::kQConv, name, {in, w}, a);
  };
  ir::Value* t = conv("c1", x, 3, 11);
  ir::Value* y = conv("c2", t, 4, 12);
  gb.output(y);
  ASSERT_TRUE(interp::resolve(tc.m).ok());
  tc.x = codes(DType::kI8, {1, 3, 5, 5}, -128, 127, 3);
  ProgramBuilder& pb = tc.pb;
  const int32_t bx_ = pb.buffer(x, BufferKind::kInput);
  const int32_t bt = pb.buffer(t, BufferKind::kInternal);
  const int32_t by = pb.buffer(y, BufferKind::kOutput);
  const int32_t bw1 = pb.buffer(tc.m.graph.find_value("c1_w"), BufferKind::kConstant);
  const int32_t bw2 = pb.buffer(tc.m.graph.find_value("c2_w"), BufferKind::kConstant);
  const npk::Box whole = bx({0, 0, 0, 0}, {1, 4, 5, 5});
  const int32_t l1 = pb.load(0, bx_, bx({0, 0, 0, 0}, {1, 3, 5, 5}));
  const int32_t w1 = pb.load(0, bw1, bx({0, 0, 0, 0}, {4, 3, 3, 3}));
  const int32_t c1 =
      pb.compute(CmdOp::kConv, 0, layer_of(tc.m.graph, "c1"), {pb.tile(l1, Role::kX), pb.tile(w1, Role::kW)},
                 DType::kI8, whole, {l1, w1}, npk::kFinal);
  tc.store_t = pb.store(bt, whole, c1);
  tc.load_t = pb.load(0, bt, whole, load_waits_for_store ? std::vector<int32_t>{tc.store_t} : std::vector<int32_t>{});
  const int32_t w2 = pb.load(0, bw2, bx({0, 0, 0, 0}, {4, 4, 3, 3}));
  const int32_t c2 =
      pb.compute(CmdOp::kConv, 0, layer_of(tc.m.graph, "c2"), {pb.tile(tc.load_t, Role::kX), pb.tile(w2, Role::kW)},
                 DType::kI8, whole, {tc.load_t, w2}, npk::kFinal);
  pb.store(by, whole, c2);
}

TEST(SimSchedule, SpillThroughDdrIsBitExact) {
  TwoConvs tc;
  build_two_convs(tc, true);
  expect_bit_exact(sim::run_program(tc.pb.p, tc.m.graph, {{"x", tc.x}}), tc.m.graph, {tc.x});
}

TEST(SimSchedule, DdrLoadBeforeItsStoreIsReadBeforeWrite) {
  TwoConvs tc;
  build_two_convs(tc, false);
  const auto got = sim::run_program(tc.pb.p, tc.m.graph, {{"x", tc.x}});
  expect_error(got, "read before write");
  EXPECT_NE(got.status().message().find("DDR buffer 'c1_out' bytes [0, 100) are written by STORE cmd 3"),
            std::string::npos)
      << got.status().message();
}

TEST(SimSchedule, DepOnALaterCommandIsRejected) {
  TwoConvs tc;
  build_two_convs(tc, true);
  tc.pb.p.commands[1].deps.push_back(5);
  expect_error(sim::run_program(tc.pb.p, tc.m.graph, {{"x", tc.x}}), "dep 5 is not an earlier command");
}

TEST(SimSchedule, MissingOperandRoleIsReported) {
  TwoConvs tc;
  build_two_convs(tc, true);
  auto& srcs = tc.pb.p.commands[2].srcs;
  srcs.erase(srcs.begin() + 1);  // drop W
  expect_error(sim::run_program(tc.pb.p, tc.m.graph, {{"x", tc.x}}), "missing operand role 'w'");
}

TEST(SimSchedule, WrongInputTensorNamesTheBuffer) {
  TwoConvs tc;
  build_two_convs(tc, true);
  const auto got = sim::run_program(tc.pb.p, tc.m.graph, {{"x", codes(DType::kI8, {1, 3, 5, 4}, 0, 1, 1)}});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kShapeMismatch);
  EXPECT_NE(got.status().message().find("input buffer 'x'"), std::string::npos) << got.status().message();
}

// ---- QGemm with K split ---------------------------------------------------------------------------------

TEST(SimGemm, KSplitAndOutputTilesAreBitExact) {
  ir::Model m;
  testing::GraphBuilder gb(m.graph);
  ir::Value* a = gb.input("a", DType::kI8, {3, 20});
  ir::Value* w = gb.constant("w", codes(DType::kI8, {7, 20}, -127, 127, 21));
  ir::Value* b = gb.constant("b", codes(DType::kI32, {7}, -3000, 3000, 22));
  Attrs at;
  at.set("a_zero_point", int64_t{-9});
  set_mults(at, {1e-3, 2e-3, 1.5e-3, 0.9e-3, 1.1e-3, 2.2e-3, 1.7e-3});
  at.set("y_zero_point", int64_t{5});
  ir::Value* y = gb.op(OpKind::kQGemm, "fc", {a, w, b}, at);
  gb.output(y);
  ASSERT_TRUE(interp::resolve(m).ok());
  const Tensor av = codes(DType::kI8, {3, 20}, -128, 127, 23);

  ProgramBuilder pb;
  const int32_t ba = pb.buffer(a, BufferKind::kInput), bw = pb.buffer(w, BufferKind::kConstant),
                bb = pb.buffer(b, BufferKind::kConstant), by = pb.buffer(y, BufferKind::kOutput);
  const int32_t layer = layer_of(m.graph, "fc");
  const int32_t la = pb.load(0, ba, bx({0, 0}, {3, 20}));  // the whole A once; each share reads its K part
  for (auto [n0, n1] : {std::pair<int64_t, int64_t>{0, 4}, {4, 7}}) {
    const npk::Box dst = bx({0, n0}, {3, n1 - n0});
    const int32_t lw1 = pb.load(0, bw, bx({n0, 0}, {n1 - n0, 12}));
    const int32_t p1 = pb.compute(CmdOp::kGemm, 0, layer, {pb.tile(la, Role::kX), pb.tile(lw1, Role::kW)}, DType::kI64,
                                  dst, {la, lw1});
    const int32_t lw2 = pb.load(0, bw, bx({n0, 12}, {n1 - n0, 8}));
    const int32_t lb = pb.load(0, bb, bx({n0}, {n1 - n0}));
    const int32_t p2 =
        pb.compute(CmdOp::kGemm, 0, layer,
                   {pb.tile(la, Role::kX), pb.tile(lw2, Role::kW), pb.tile(lb, Role::kBias), pb.tile(p1, Role::kAccIn)},
                   DType::kI8, dst, {lw2, lb}, npk::kFinal);
    pb.store(by, dst, p2);
  }
  expect_bit_exact(sim::run_program(pb.p, m.graph, {{"a", av}}), m.graph, {av});
}

// ---- QAdd with broadcasting -----------------------------------------------------------------------------

TEST(SimEltwise, QAddWithBroadcastTilesIsBitExact) {
  ir::Model m;
  testing::GraphBuilder gb(m.graph);
  ir::Value* a = gb.input("a", DType::kI8, {1, 4, 5, 6});
  ir::Value* b = gb.input("b", DType::kI8, {4, 1, 1});  // lower rank: aligned right, broadcast over H and W
  Attrs at;
  at.set("a_zero_point", int64_t{3});
  at.set("b_zero_point", int64_t{-2});
  at.set("y_zero_point", int64_t{1});
  set_add(at, quant::make_add_params(0.02f, 3, 0.05f, -2, 0.04f, 1, quant::kRangeI8), "multiplier", "shift",
          "left_shift");
  ir::Value* y = gb.op(OpKind::kQAdd, "add", {a, b}, at);
  gb.output(y);
  ASSERT_TRUE(interp::resolve(m).ok());
  const Tensor av = codes(DType::kI8, {1, 4, 5, 6}, -128, 127, 31), bv = codes(DType::kI8, {4, 1, 1}, -128, 127, 32);

  ProgramBuilder pb;
  const int32_t ba = pb.buffer(a, BufferKind::kInput), bb = pb.buffer(b, BufferKind::kInput),
                by = pb.buffer(y, BufferKind::kOutput);
  const int32_t layer = layer_of(m.graph, "add");
  for (auto [c0, c1] : {std::pair<int64_t, int64_t>{0, 2}, {2, 4}}) {
    for (auto [r0, r1] : {std::pair<int64_t, int64_t>{0, 3}, {3, 5}}) {
      const npk::Box dst = bx({0, c0, r0, 0}, {1, c1 - c0, r1 - r0, 6});
      const int32_t la = pb.load(0, ba, dst);
      const int32_t lb = pb.load(0, bb, bx({c0, 0, 0}, {c1 - c0, 1, 1}));
      const int32_t e = pb.compute(CmdOp::kEltwise, 0, layer, {pb.tile(la, Role::kX), pb.tile(lb, Role::kB)},
                                   DType::kI8, dst, {la, lb});
      pb.store(by, dst, e);
    }
  }
  expect_bit_exact(sim::run_program(pb.p, m.graph, {{"a", av}, {"b", bv}}), m.graph, {av, bv});
}

// ---- pooling with border padding ------------------------------------------------------------------------

TEST(SimPool, MaxPoolAndAveragePoolTilesWithBorderPaddingAreBitExact) {
  for (OpKind kind : {OpKind::kMaxPool, OpKind::kQAveragePool}) {
    ir::Model m;
    testing::GraphBuilder gb(m.graph);
    ir::Value* x = gb.input("x", DType::kI8, {1, 3, 9, 9});
    Attrs at;
    at.set("kernel_shape", std::vector<int64_t>{3, 3});
    at.set("strides", std::vector<int64_t>{2, 2});
    at.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    if (kind == OpKind::kQAveragePool) {
      at.set("count_include_pad", int64_t{1});
      at.set("x_zero_point", int64_t{4});
      at.set("y_zero_point", int64_t{-3});
      at.set("rescale", int64_t{1});
      set_mults(at, {0.8});
    }
    ir::Value* y = gb.op(kind, "pool", {x}, at);
    gb.output(y);
    ASSERT_TRUE(interp::resolve(m).ok());
    ASSERT_EQ(y->shape(), (Shape{1, 3, 5, 5}));
    const Tensor xv = codes(DType::kI8, {1, 3, 9, 9}, -128, 127, 41);

    ProgramBuilder pb;
    const int32_t bxb = pb.buffer(x, BufferKind::kInput), by = pb.buffer(y, BufferKind::kOutput);
    const int32_t layer = layer_of(m.graph, "pool");
    for (auto [r0, r1] : {std::pair<int64_t, int64_t>{0, 2}, {2, 5}}) {
      for (auto [q0, q1] : {std::pair<int64_t, int64_t>{0, 3}, {3, 5}}) {
        const npk::Box dst = bx({0, 0, r0, q0}, {1, 3, r1 - r0, q1 - q0});
        const int64_t ya = std::max<int64_t>(0, r0 * 2 - 1), yb = std::min<int64_t>(9, (r1 - 1) * 2 - 1 + 3);
        const int64_t xa = std::max<int64_t>(0, q0 * 2 - 1), xb = std::min<int64_t>(9, (q1 - 1) * 2 - 1 + 3);
        const int32_t lx = pb.load(0, bxb, bx({0, 0, ya, xa}, {1, 3, yb - ya, xb - xa}));
        const int32_t p = pb.compute(CmdOp::kPool, 0, layer, {pb.tile(lx, Role::kX)}, DType::kI8, dst, {lx});
        pb.store(by, dst, p);
      }
    }
    SCOPED_TRACE(ir::op_name(kind));
    expect_bit_exact(sim::run_program(pb.p, m.graph, {{"x", xv}}), m.graph, {xv});
  }
}

// ---- run_model: NPU and CPU segments --------------------------------------------------------------------

TEST(SimModel, NpuThenCpuSegmentsMatchTheInterpreter) {
  npk::NpkModel nm;
  ir::Model& m = nm.model;
  testing::GraphBuilder gb(m.graph);
  ir::Value* x = gb.input("x", DType::kI8, {1, 3, 6, 6});
  Attrs a;
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  set_mults(a, {5e-3});
  ir::Value* w = gb.constant("w", codes(DType::kI8, {4, 3, 3, 3}, -127, 127, 51));
  ir::Value* t = gb.op(OpKind::kQConv, "conv", {x, w}, a);
  Attrs p;
  p.set("kernel_shape", std::vector<int64_t>{2, 2});
  p.set("strides", std::vector<int64_t>{2, 2});
  ir::Value* y = gb.op(OpKind::kMaxPool, "pool", {t}, p);
  gb.output(y);
  ASSERT_TRUE(interp::resolve(m).ok());

  ProgramBuilder pb;
  const int32_t bxb = pb.buffer(x, BufferKind::kInput), bw = pb.buffer(w, BufferKind::kConstant),
                bt = pb.buffer(t, BufferKind::kOutput);
  const int32_t lx = pb.load(0, bxb, bx({0, 0, 0, 0}, {1, 3, 6, 6}));
  const int32_t lw = pb.load(0, bw, bx({0, 0, 0, 0}, {4, 3, 3, 3}));
  const npk::Box whole = bx({0, 0, 0, 0}, {1, 4, 6, 6});
  const int32_t c =
      pb.compute(CmdOp::kConv, 0, layer_of(m.graph, "conv"), {pb.tile(lx, Role::kX), pb.tile(lw, Role::kW)}, DType::kI8,
                 whole, {lx, lw}, npk::kFinal);
  pb.store(bt, whole, c);
  nm.programs.push_back(pb.p);
  npk::Segment npu;
  npu.target = npk::Target::kNpu;
  npu.nodes = {layer_of(m.graph, "conv")};
  npu.inputs = {"x"};
  npu.outputs = {t->name()};
  npu.program = 0;
  npk::Segment cpu;
  cpu.target = npk::Target::kCpu;
  cpu.nodes = {layer_of(m.graph, "pool")};
  cpu.inputs = {t->name()};
  cpu.outputs = {y->name()};
  nm.segments = {npu, cpu};

  const Tensor xv = codes(DType::kI8, {1, 3, 6, 6}, -128, 127, 52);
  sim::SimStats stats;
  auto got = sim::run_model(nm, {xv}, &stats);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  auto want = interp::Interpreter(m.graph).run(std::vector<Tensor>{xv});
  ASSERT_TRUE(want.ok()) << want.status().to_string();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_TRUE((*got)[0] == (*want)[0]);
  EXPECT_EQ(stats.commands, 4);
  EXPECT_EQ(stats.store_bytes, 4 * 6 * 6);
}

}  // namespace
}  // namespace npukit
