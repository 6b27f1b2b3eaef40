// SPDX-License-Identifier: Apache-2.0
// npu: the compiler's command streams, run on the simulator, are bit-exact with the reference interpreter on
// the same integer graph — for graphs with awkward shapes (channels 1, 3, 13, 127; odd H / W; strides 2;
// dilations; depthwise and grouped convs; residual adds; concat, transpose, slice, resize, pad; gemm heads)
// on every preset march, including `tiny`, whose 96 KiB SRAM forces deep tiling and K splits. Also checks
// that the options act in the documented direction (by the cost model), and the structure of the streams.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <set>

#include "core/log.h"
#include "interp/interpreter.h"
#include "march/march.h"
#include "npu/compile_model.h"
#include "npu/cost.h"
#include "npu/schedule.h"
#include "util/float_net.h"
#include "util/graph_builder.h"
#include "util/int_model.h"

namespace npukit {
namespace {

using ir::OpKind;
using ir::Value;
using testing::GraphBuilder;
using testing::integer_of;
using testing::Net;
using testing::preset;

npu::NpuOptions opts(int level, config::CompileMode mode = config::CompileMode::kLatency, int64_t cores = 1) {
  npu::NpuOptions o;
  o.optimize_level = level;
  o.mode = mode;
  o.core_num = cores;
  o.jobs = 2;
  return o;
}

// ---- graph families ---------------------------------------------------------------------------------------------

ir::Model conv_stack(int64_t cin, int64_t h, int64_t w) {
  Net n;
  Value* x = n.input({1, cin, h, w});
  Value* y = n.relu(n.conv(x, 13, 3, 3));
  y = n.relu(n.conv(y, 13, 3, 3, 2));  // stride 2, odd sizes
  y = n.conv(y, 13, 3, 3, 1, 2, 13);   // depthwise, dilation 2
  y = n.maxpool(n.relu(y), 3, 2, 1);
  y = n.relu(n.conv(y, 127, 1, 1));  // 1x1 to 127 channels
  y = n.conv(y, 12, 5, 3, 1, 1, 1);  // non-square kernel
  n.out(y);
  return integer_of(n);
}

ir::Model residual_block(int64_t c, int64_t h, int64_t w) {
  Net n;
  Value* x = n.input({1, c, h, w});
  Value* s = n.relu(n.conv(x, c, 3, 3));
  Value* y = n.relu(n.conv(s, c, 3, 3));
  y = n.conv(y, c, 3, 3);
  y = n.relu(n.add(y, s));                         // conv + residual add
  n.out(n.conv(y, 6, 1, 1, 1, 1, c % 2 ? 1 : 2));  // grouped conv (2 groups) for even c
  return integer_of(n);
}

ir::Model se_head(int64_t c, int64_t h, int64_t w) {
  Net n;
  Value* x = n.input({1, 3, h, w});
  Value* y = n.relu(n.conv(x, c, 3, 3, 2));
  Value* g = n.sigmoid(n.conv(n.relu(n.conv(n.gap(y), 4, 1, 1)), c, 1, 1));  // squeeze-excite
  y = n.mul(y, g);                                                           // broadcast multiply
  y = n.avgpool(y, 2, 2);
  y = n.flatten(n.gap(y));
  n.out(n.gemm(y, 10));
  return integer_of(n);
}

ir::Model data_movement(int64_t h, int64_t w) {
  Net n;
  Value* x = n.input({1, 3, h, w});
  Value* a = n.relu(n.conv(x, 5, 3, 3));
  Value* b2 = n.relu(n.conv(x, 7, 1, 1));
  Value* y = n.concat({a, b2}, 1);  // 12 channels
  y = n.slice(y, 1, 2, 11);         // 9 channels
  y = n.pad(y, 1, 2, 0, 1);
  y = n.resize2x(n.relu(n.conv(y, 6, 3, 3, 2)));
  y = n.transpose(y, {0, 2, 3, 1});  // to NHWC
  n.out(y);
  return integer_of(n);
}

struct Family {
  const char* name;
  ir::Model (*make)();
};

ir::Model fam_conv_small() {
  return conv_stack(1, 17, 23);
}
ir::Model fam_conv_3() {
  return conv_stack(3, 33, 29);
}
ir::Model fam_residual() {
  return residual_block(13, 19, 21);
}
ir::Model fam_residual_grouped() {
  return residual_block(14, 9, 11);
}
/// Large enough that tiny needs many tiles and several tilings are legal.
ir::Model fam_big() {
  Net n;
  Value* x = n.input({1, 16, 96, 96});
  Value* y = n.relu(n.conv(x, 32, 3, 3));
  n.out(n.relu(n.conv(y, 32, 3, 3)));
  return integer_of(n);
}
ir::Model fam_se() {
  return se_head(16, 31, 27);
}
ir::Model fam_move() {
  return data_movement(15, 13);
}

const Family kFamilies[] = {{"conv_c1", fam_conv_small},
                            {"conv_c3", fam_conv_3},
                            {"residual_c13", fam_residual},
                            {"residual_grouped", fam_residual_grouped},
                            {"se_gemm", fam_se},
                            {"data_movement", fam_move}};

class BitExactTest : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(BitExactTest, EveryFamilyAtEveryLevel) {
  const auto& [march_name, level] = GetParam();
  const march::MarchSpec m = preset(march_name);
  for (const Family& f : kFamilies) {
    SCOPED_TRACE(f.name);
    const ir::Model g = f.make();
    ASSERT_FALSE(g.graph.nodes().empty());
    testing::SimCheck r = testing::expect_sim_bit_exact(g, m, opts(level), 7, 2);
    EXPECT_GT(r.npu_nodes, 0) << "nothing placed on the NPU";
    EXPECT_GT(r.commands, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, BitExactTest,
                         ::testing::Combine(::testing::Values("tiny", "nash-e", "nash-m", "nash-p", "bayes", "bayes-e",
                                                              "bernoulli2", "rk3588"),
                                            ::testing::Values(0, 2)),
                         [](const auto& info) {
                           std::string s = std::get<0>(info.param) + "_O" + std::to_string(std::get<1>(info.param));
                           for (char& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

TEST(NpuCompile, TinyLevelsModesAndCoresAreBitExact) {
  const march::MarchSpec m = preset("tiny");
  const ir::Model g = fam_conv_3();
  for (int level : {1, 3})
    for (auto mode : {config::CompileMode::kBandwidth, config::CompileMode::kBalance})
      for (int64_t cores : {1, 2}) {
        SCOPED_TRACE(::testing::Message() << "O" << level << " mode " << static_cast<int>(mode) << " cores " << cores);
        npu::NpuOptions o = opts(level, mode, cores);
        o.balance_factor = 50;
        testing::expect_sim_bit_exact(g, m, o);
      }
}

TEST(NpuCompile, TinySramForcesDeepTilingAndKSplit) {
  // 2048 input channels x 3x3 with 96 KiB SRAM: even 8 output channels of weights (147 KiB) do not fit.
  Net n;
  Value* x = n.input({1, 2048, 6, 5});
  n.out(n.relu(n.conv(x, 64, 3, 3)));
  const ir::Model g = integer_of(n);
  const march::MarchSpec m = preset("tiny");
  testing::SimCheck r = testing::expect_sim_bit_exact(g, m, opts(2));
  bool k_split = false;
  int64_t tae = 0;
  for (const npk::Program& p : r.model.programs)
    for (const npk::Command& c : p.commands) {
      if (c.op == npk::CmdOp::kConv) {
        ++tae;
        if (!(c.flags & npk::kFinal)) k_split = true;
      }
      for (const npk::Operand& o : c.srcs) {
        EXPECT_LE(o.addr + o.bytes(), m.sram.bytes);
      }
      if (c.op != npk::CmdOp::kStore) {
        EXPECT_LE(c.dst.addr + c.dst.bytes(), m.sram.bytes);
      }
    }
  EXPECT_TRUE(k_split) << "expected partial-sum (K split) convolution tiles on tiny";
  EXPECT_GT(tae, 8) << "expected many tiles";
}

TEST(NpuCompile, ChannelShuffleAndSplitStayOnCodesAndOnTheNpu) {
  // shufflenet's block: concat -> reshape -> transpose -> reshape -> two slices feeding two branches. The
  // quantizer must keep the whole data-movement fan-out in codes so that nothing but the ends is on the CPU.
  Net n;
  Value* x = n.input({1, 8, 6, 6});
  Value* a = n.relu(n.conv(x, 4, 3, 3));
  Value* c = n.relu(n.conv(x, 4, 1, 1));
  Value* y = n.concat({a, c}, 1);
  y = n.reshape(y, {1, 2, 4, 6, 6});
  y = n.transpose(y, {0, 2, 1, 3, 4});
  y = n.reshape(y, {1, 8, 6, 6});
  Value* l = n.relu(n.conv(n.slice(y, 1, 0, 4), 4, 3, 3));
  Value* r = n.relu(n.conv(n.slice(y, 1, 4, 8), 4, 3, 3));
  n.out(n.concat({l, r}, 1));
  const ir::Model g = integer_of(n);
  const march::MarchSpec m = preset("nash-e");
  const testing::SimCheck res = testing::expect_sim_bit_exact(g, m, opts(2));
  for (const npk::Placement& p : res.model.placement) {
    if (p.op == "QuantizeLinear" || p.op == "DequantizeLinear") continue;  // the model's ends
    EXPECT_EQ(p.target, npk::Target::kNpu) << p.node << ": " << p.reason;
  }
}

// ---- options act in the documented direction ---------------------------------------------------------------

TEST(NpuCompile, O2GroupsLayersAndMovesLessDataThanO0) {
  const march::MarchSpec m = preset("nash-e");
  const ir::Model g = fam_residual();
  const testing::SimCheck o0 = testing::expect_sim_bit_exact(g, m, opts(0));
  const testing::SimCheck o2 = testing::expect_sim_bit_exact(g, m, opts(2));
  EXPECT_LT(o2.ddr_bytes, o0.ddr_bytes) << "O2 keeps chain intermediates in SRAM";
  EXPECT_LT(o2.est_cycles, o0.est_cycles) << "O2 overlaps DMA with compute and skips DDR round trips";
  // O0: no layer groups (one node per group) -> more STORE commands.
  auto stores = [](const npk::NpkModel& mm) {
    int64_t s = 0;
    for (const npk::Program& p : mm.programs)
      for (const npk::Command& c : p.commands) s += c.op == npk::CmdOp::kStore;
    return s;
  };
  EXPECT_GT(stores(o0.model), stores(o2.model));
}

TEST(NpuCompile, LatencyAndBandwidthModesTradeOff) {
  // On nash-e this model is DDR-bound: smaller tiles overlap transfers with compute (fewer cycles) but
  // re-read the halos (more bytes), so the two modes pick different tilings.
  const march::MarchSpec m = preset("nash-e");
  const ir::Model g = fam_big();
  if (std::getenv("NPUKIT_TEST_DEBUG")) log::set_console_level(log::Level::kDebug);
  const testing::SimCheck lat = testing::expect_sim_bit_exact(g, m, opts(2, config::CompileMode::kLatency));
  const testing::SimCheck bw = testing::expect_sim_bit_exact(g, m, opts(2, config::CompileMode::kBandwidth));
  EXPECT_LE(lat.est_cycles, bw.est_cycles);
  EXPECT_LE(bw.ddr_bytes, lat.ddr_bytes);
  EXPECT_TRUE(lat.est_cycles < bw.est_cycles || bw.ddr_bytes < lat.ddr_bytes)
      << "the modes chose the same schedule everywhere: no trade-off exercised";
}

TEST(NpuCompile, MaxTimePerFcSplitsTheStream) {
  const march::MarchSpec m = preset("tiny");
  const ir::Model g = fam_big();
  npu::NpuOptions o = opts(2);
  const testing::SimCheck whole = testing::expect_sim_bit_exact(g, m, o);
  ASSERT_FALSE(whole.model.programs.empty());
  EXPECT_EQ(whole.model.programs[0].function_calls.size(), 1u);
  o.max_time_per_fc_us = 1000;
  const testing::SimCheck split = testing::expect_sim_bit_exact(g, m, o);
  const npk::Program& p = split.model.programs[0];
  const double total = whole.model.programs[0].function_calls[0].estimated_us;
  ASSERT_GT(total, 2000.0) << "test model too small for the 1000 us limit on tiny";
  EXPECT_GE(p.function_calls.size(), 2u);
  int32_t next = 0;
  for (const npk::FunctionCall& fc : p.function_calls) {
    EXPECT_EQ(fc.first_command, next);
    next += fc.num_commands;
  }
  EXPECT_EQ(next, static_cast<int32_t>(p.commands.size()));
}

TEST(NpuCompile, AdviceReportsAlignmentWaste) {
  Net n;
  Value* x = n.input({1, 3, 64, 61});  // 3 input channels, width 61: padded on the array
  n.out(n.conv(x, 13, 3, 3));
  const ir::Model g = integer_of(n);
  npu::NpuOptions o = opts(2);
  o.advice_us = 1;
  const march::MarchSpec m = preset("tiny");
  npu::ModelCompileInfo info;
  auto c = ir::clone_model(g);
  ASSERT_TRUE(c.ok());
  auto r = npu::compile_model(std::move(c).value(), m, o, {}, &info);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(info.segments.size(), 1u);
  ASSERT_EQ(info.segments[0].advice.size(), 1u);
  EXPECT_NE(info.segments[0].advice[0].find("input channels per group 3 -> 8"), std::string::npos)
      << info.segments[0].advice[0];
}

TEST(NpuCompile, DependenciesPointBackwardsAndStreamsAreDeterministic) {
  const march::MarchSpec m = preset("tiny");
  const ir::Model g = fam_se();
  npu::NpuOptions o = opts(2, config::CompileMode::kLatency, 2);
  o.jobs = 1;
  const testing::SimCheck a = testing::expect_sim_bit_exact(g, m, o);
  o.jobs = 2;
  const testing::SimCheck b = testing::expect_sim_bit_exact(g, m, o);
  ASSERT_EQ(a.model.programs.size(), b.model.programs.size());
  for (size_t i = 0; i < a.model.programs.size(); ++i) {
    EXPECT_TRUE(a.model.programs[i] == b.model.programs[i]) << "jobs changed the program";
    const auto& cmds = a.model.programs[i].commands;
    std::set<uint16_t> cores;
    for (size_t k = 0; k < cmds.size(); ++k) {
      cores.insert(cmds[k].core);
      for (int32_t d : cmds[k].deps) EXPECT_LT(d, static_cast<int32_t>(k));
    }
    EXPECT_EQ(cores.size(), 2u) << "core_num 2 should use both cores";
  }
}

}  // namespace
}  // namespace npukit
