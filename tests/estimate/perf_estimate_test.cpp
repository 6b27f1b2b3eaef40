// SPDX-License-Identifier: Apache-2.0
// estimate: the static performance estimate. Hand-computed cycle goldens for one command of every unit on
// `tiny` and `nash-e` (the formulas of docs/MARCH.md applied by hand, written out next to each number), the
// event schedule's DDR sharing and dependencies, a hand-derived summary of a one-layer model, and the
// consistency of the report (layer columns add up to the model's, the time line covers every command once,
// the temporal statistics integrate to the totals).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numeric>

#include "estimate/perf_estimate.h"
#include "ir/op_count.h"
#include "npk/npk_file.h"
#include "npu/compile_model.h"
#include "npu/cost.h"
#include "npu/schedule.h"
#include "util/float_net.h"
#include "util/perf_checks.h"

namespace npukit {
namespace {

using testing::Net;
using testing::preset;

npk::Box box(std::vector<int64_t> start, std::vector<int64_t> size) {
  npk::Box b;
  b.rank = static_cast<int32_t>(size.size());
  for (size_t i = 0; i < size.size(); ++i) {
    b.start[i] = start[i];
    b.size[i] = size[i];
  }
  return b;
}
npk::Box whole(std::vector<int64_t> size) {
  return box(std::vector<int64_t>(size.size(), 0), size);
}

npk::Operand operand(npk::Role r, const npk::Box& b, DType t = DType::kI8) {
  npk::Operand o;
  o.role = r;
  o.box = b;
  o.dtype = t;
  return o;
}

// A program with one DDR buffer [1, 16, 8, 8] int8 and one [1, 8, 8, 8] int8.
npk::Program two_buffers() {
  npk::Program p;
  npk::DdrBuffer a;
  a.value = "a";
  a.shape = {1, 16, 8, 8};
  npk::DdrBuffer b;
  b.value = "b";
  b.shape = {1, 8, 8, 8};
  p.buffers = {a, b};
  return p;
}

npk::Command conv3x3_8_to_16() {
  npk::Command c;
  c.op = npk::CmdOp::kConv;
  c.flags = npk::kFinal;
  c.srcs = {operand(npk::Role::kX, whole({1, 8, 10, 10})), operand(npk::Role::kW, whole({16, 8, 3, 3}))};
  c.dst = operand(npk::Role::kOut, whole({1, 16, 8, 8}));
  return c;
}

struct Golden {
  const char* march;
  int64_t conv, eltwise, lut, pool3x3, transpose, load_whole, load_rows, store_strided;
};

// Every number below is the formula of docs/MARCH.md evaluated by hand.
//  tiny:   TAE 64 MAC/cycle, granules ic 8 / oc 8 / width 4; VAE 16 lanes int8; AAE 8 elements/cycle;
//          TRANS 16 B/cycle; DDR 1.6 GB/s at 100 MHz = 16 B/cycle, latency 200 ns = 20 cycles.
//  nash-e: TAE 32768 MAC/cycle, granules 64 / 64 / 8; VAE 2048 lanes; AAE 512/cycle; TRANS 512 B/cycle;
//          DDR 68.2 GB/s at 1250 MHz = 54.56 B/cycle, latency 250 ns = 312.5 cycles.
const Golden kGoldens[] = {
    {"tiny",
     // CONV 3x3, 8 -> 16 channels, 8x8 output: 8 rows x 8 (width, already a multiple of 4) x 16 oc x 8 ic x 9
     //   = 73728 MACs / 64 = 1152 cycles.
     1152,
     // ELTWISE over 1x16x8x8 = 1024 elements, 3 passes (two rescales + add) / 16 lanes = 192.
     192,
     // LUT: 1024 elements, 1 pass / 16 lanes = 64.
     64,
     // POOL 3x3 to a 1x16x4x4 output: 256 outputs x 9 window elements / 8 per cycle = 288.
     288,
     // TRANSPOSE of a 1024-byte tile / 16 B per cycle = 64.
     64,
     // LOAD of all of b (512 contiguous bytes): 20 + 512 / 16 = 52.
     52,
     // LOAD of b rows 0..3: 8 channels x one run of 4 rows x 8 bytes = 32 bytes, each padded to a 64-byte
     //   burst: 8 x 64 = 512 bus bytes, 20 + 32 = 52.
     52,
     // STORE of channels 0..7 of a (1x16x8x8): one contiguous run of 8 x 64 = 512 bytes: 20 + 32 = 52.
     52},
    {"nash-e",
     // CONV: oc 16 -> 64, ic 8 -> 64, width 8: 8 x 8 x 64 x 64 x 9 = 2359296 MACs / 32768 = 72.
     72,
     // ELTWISE: 1024 x 3 / 2048 = 1.5 -> 2.
     2,
     // LUT: 1024 / 2048 -> 1.
     1,
     // POOL: 2304 / 512 = 4.5 -> 5.
     5,
     // TRANSPOSE: 1024 / 512 = 2.
     2,
     // LOAD 512 bytes: 312.5 + 512 / 54.56 = 312.5 + 9.38 = 321.88 -> 321 (whole cycles, truncated).
     321,
     // LOAD rows: 512 bus bytes as above -> 321.
     321,
     // STORE 512 bytes -> 321.
     321},
};

class CycleGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(CycleGolden, OneCommandPerUnit) {
  const Golden& g = GetParam();
  const march::MarchSpec m = preset(g.march);
  const npk::Program p = two_buffers();
  // A MaxPool node supplies the kernel size of the POOL command.
  ir::Model model;
  testing::GraphBuilder b{model.graph};
  Attrs pa;
  pa.set("kernel_shape", std::vector<int64_t>{3, 3});
  pa.set("strides", std::vector<int64_t>{2, 2});
  pa.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  b.output(b.op(ir::OpKind::kMaxPool, "pool", {b.input("x", DType::kI8, {1, 16, 8, 8})}, pa));
  const std::vector<ir::Node*> nodes = model.graph.nodes();

  EXPECT_EQ(npu::command_cycles(conv3x3_8_to_16(), p, {}, m), g.conv);

  npk::Command e;
  e.op = npk::CmdOp::kEltwise;
  e.dst = operand(npk::Role::kOut, whole({1, 16, 8, 8}));
  EXPECT_EQ(npu::command_cycles(e, p, {}, m), g.eltwise);
  e.op = npk::CmdOp::kLut;
  EXPECT_EQ(npu::command_cycles(e, p, {}, m), g.lut);

  npk::Command pool;
  pool.op = npk::CmdOp::kPool;
  pool.layer = 0;
  pool.dst = operand(npk::Role::kOut, whole({1, 16, 4, 4}));
  EXPECT_EQ(npu::command_cycles(pool, p, nodes, m), g.pool3x3);

  npk::Command t;
  t.op = npk::CmdOp::kTranspose;
  t.dst = operand(npk::Role::kOut, whole({1, 8, 8, 16}));
  EXPECT_EQ(npu::command_cycles(t, p, {}, m), g.transpose);

  npk::Command load;
  load.op = npk::CmdOp::kLoad;
  load.buffer = 1;
  load.dst = operand(npk::Role::kOut, whole({1, 8, 8, 8}));
  EXPECT_EQ(npu::command_ddr_bytes(load, p), 512);
  EXPECT_EQ(npu::command_cycles(load, p, {}, m), g.load_whole);
  load.dst.box = box({0, 0, 0, 0}, {1, 8, 4, 8});
  EXPECT_EQ(npu::command_ddr_bytes(load, p), 512) << "8 runs of 32 bytes, each a 64-byte burst";
  EXPECT_EQ(npu::command_cycles(load, p, {}, m), g.load_rows);

  npk::Command st;
  st.op = npk::CmdOp::kStore;
  st.buffer = 0;
  st.box = box({0, 0, 0, 0}, {1, 8, 8, 8});
  EXPECT_EQ(npu::command_ddr_bytes(st, p), 512);
  EXPECT_EQ(npu::command_cycles(st, p, {}, m), g.store_strided);
}

INSTANTIATE_TEST_SUITE_P(Marches, CycleGolden, ::testing::ValuesIn(kGoldens), [](const auto& info) {
  return std::string(info.param.march == std::string("tiny") ? "tiny" : "nash_e");
});

TEST(Schedule, DmaOnTwoCoresShareTheBandwidthAndComputeWaitsForItsDeps) {
  // tiny: two 512-byte loads on two cores start together: 20 cycles of latency, then 512 + 512 bytes at
  // 16 B/cycle shared = 64 cycles: both end at 84. A CONV depending on the first starts at 84 and lasts 1152.
  const march::MarchSpec m = preset("tiny");
  npk::Program p = two_buffers();
  p.num_cores = 2;
  npk::Command l0;
  l0.op = npk::CmdOp::kLoad;
  l0.buffer = 1;
  l0.dst = operand(npk::Role::kOut, whole({1, 8, 8, 8}));
  npk::Command l1 = l0;
  l1.core = 1;
  npk::Command c = conv3x3_8_to_16();
  c.deps = {0};
  p.commands = {l0, l1, c};
  const npu::ScheduleResult r = npu::schedule_commands(p, {}, m);
  ASSERT_EQ(r.times.size(), 3u);
  EXPECT_EQ(r.times[0].start, 0);
  EXPECT_EQ(r.times[0].end, 84);
  EXPECT_EQ(r.times[1].end, 84);
  EXPECT_EQ(r.times[2].start, 84);
  EXPECT_EQ(r.times[2].end, 84 + 1152);
  EXPECT_EQ(r.makespan, 1236);
  // Alone, one load takes 52 cycles: sharing is what made it 84.
  p.commands = {l0};
  EXPECT_EQ(npu::schedule_commands(p, {}, m).makespan, 52);
}

// ---- whole models ------------------------------------------------------------------------------------------

npk::NpkModel compile(const ir::Model& integer, const march::MarchSpec& m, int level, int64_t cores = 1,
                      double max_time_per_fc_us = 0) {
  npu::NpuOptions o;
  o.optimize_level = level;
  o.core_num = cores;
  o.jobs = 1;
  o.max_time_per_fc_us = max_time_per_fc_us;
  auto c = ir::clone_model(integer);
  EXPECT_TRUE(c.ok());
  auto r = npu::compile_model(std::move(c).value(), m, o, {});
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return {};
  npk::NpkModel model = std::move(r).value();
  model.model_name = "net";
  model.npukit_version = "test";
  return model;
}

estimate::PerfReport estimate(const npk::NpkModel& model, double interval_us = 0) {
  estimate::EstimateOptions eo;
  eo.interval_us = interval_us;
  auto r = estimate::estimate_perf(model, eo, "0badc0de");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : estimate::PerfReport{};
}

// Conv 3x3 8 -> 16 on 8x8 with int8 in and out: the network of the cycle goldens, compiled at O0 on 1 core.
ir::Model one_conv() {
  Net n;
  n.out(n.conv(n.input({1, 8, 8, 8}), 16, 3, 3));
  return testing::integer_of(n);
}

TEST(EstimateSummary, OneConvOnTinyMatchesTheHandComputedSchedule) {
  const march::MarchSpec m = preset("tiny");
  const ir::Model integer = one_conv();
  const npk::NpkModel model = compile(integer, m, 0);
  ASSERT_EQ(model.programs.size(), 1u);
  const estimate::PerfReport r = estimate(model);
  const estimate::PerfSummary& s = r.summary;

  // The compute of the conv layer is the array work of the goldens whatever the tiling (tiles split H and the
  // granule-aligned channel / width ranges, which keeps the aligned MACs): 1152 cycles = 11.52 us at 100 MHz.
  double conv_compute = 0;
  for (const estimate::LayerEstimate& l : r.layers)
    if (l.op.find("QConv") != std::string::npos) conv_compute += l.compute_us;
  EXPECT_DOUBLE_EQ(conv_compute, 11.52);

  // Golden summary, by hand (tiny: 16 B/cycle, 20 cycles DMA latency, 100 MHz). The O0 plan is one tile:
  //   LOAD x 512 B: 20 + 32 = 52 cycles        [0, 52)      (LOAD queue: one after the other)
  //   LOAD w 16x8x3x3 = 1152 B: 20 + 72 = 92   [52, 144)
  //   LOAD bias 16 x 4 = 64 B (one burst): 24  [144, 168)
  //   CONV 1152 cycles (the golden above)      [168, 1320)
  //   STORE y 1024 B: 20 + 64 = 84             [1320, 1404)
  // latency 1404 cycles = 14.04 us; DDR 512 + 1152 + 64 = 1728 B loaded, 1024 B stored.
  ASSERT_EQ(model.programs[0].commands.size(), 5u) << "expected the one-tile O0 plan";
  EXPECT_DOUBLE_EQ(s.latency_us, 14.04);
  EXPECT_DOUBLE_EQ(s.fps, 1e6 / 14.04);
  EXPECT_EQ(s.loaded_bytes_per_frame, 1728);
  EXPECT_EQ(s.stored_bytes_per_frame, 1024);
  EXPECT_EQ(s.ddr_bytes_per_run, 2752);
  // The float model's input is quantized (512 elements) and its output dequantized (1024) on the CPU.
  EXPECT_EQ(s.cpu_ops_per_run, 512 + 1024);
  EXPECT_EQ(s.npu_segments, 1);
  EXPECT_EQ(s.cpu_segments, 2);

  // The latency is the schedule of the program, recomputed here independently.
  const std::vector<ir::Node*> nodes = model.model.graph.nodes();
  const npu::ScheduleResult sr = npu::schedule_commands(model.programs[0], nodes, m);
  EXPECT_DOUBLE_EQ(s.latency_us, static_cast<double>(sr.makespan) / 100.0);
  EXPECT_DOUBLE_EQ(s.latency_ms, s.latency_us / 1000.0);
  EXPECT_DOUBLE_EQ(s.fps, 1e6 / s.latency_us);
  EXPECT_EQ(s.frames_per_run, 1);
  EXPECT_EQ(s.cores, 1) << "compiled with core_num 1 (tiny has 2)";
  EXPECT_EQ(s.march, "tiny");
  EXPECT_EQ(s.parameter_crc, "0badc0de");
  // Effective ops: 2 x (8 x 8 outputs x 16 channels x 8 x 9) = 147456, plus the int8 <-> float conversions at
  // the model's ends (one op per element) when they run on the CPU.
  EXPECT_EQ(s.npu_ops_per_run, 147456);
  EXPECT_EQ(s.ops_per_run, ir::graph_ops(model.model.graph));
  // DDR: the input (512 B), the weights (1152 B), the bias (16 x 4 = 64 B) are loaded at least once and the
  // output (1024 B) is stored exactly once.
  EXPECT_GE(s.loaded_bytes_per_frame, 512 + 1152 + 64);
  EXPECT_EQ(s.stored_bytes_per_frame, 1024);
  EXPECT_EQ(s.ddr_bytes_per_frame, s.loaded_bytes_per_frame + s.stored_bytes_per_frame);
  EXPECT_DOUBLE_EQ(s.ddr_mb_per_second, static_cast<double>(s.ddr_bytes_per_frame) / 1e6 * s.fps);
}

TEST(EstimateSummary, OneConvOnNashEIsComputeAndLatencyConsistent) {
  // nash-e: the same conv is 72 cycles of array work = 0.0576 us at 1250 MHz.
  const march::MarchSpec m = preset("nash-e");
  const npk::NpkModel model = compile(one_conv(), m, 0);
  const estimate::PerfReport r = estimate(model);
  double conv_compute = 0;
  for (const estimate::LayerEstimate& l : r.layers)
    if (l.op.find("QConv") != std::string::npos) conv_compute += l.compute_us;
  EXPECT_NEAR(conv_compute, 72.0 / 1250.0, 1e-12);
  // DMA latency alone (312.5 cycles per command, 0.25 us) dominates: at least load -> conv -> store.
  EXPECT_GT(r.summary.latency_us, 2 * 0.25);
}

ir::Model small_net() {
  Net n;
  testing::Value* x = n.input({1, 3, 32, 32});
  testing::Value* c1 = n.relu(n.conv(x, 16, 3, 3, 2));
  testing::Value* c2 = n.relu(n.conv(c1, 16, 3, 3));
  testing::Value* a = n.add(c1, c2);
  testing::Value* p = n.maxpool(a, 2, 2);
  n.out(n.gemm(n.flatten(n.gap(p)), 10));
  return testing::integer_of(n);
}

TEST(EstimateReport, LayerColumnsTimelineAndTemporalStatsAddUp) {
  const ir::Model integer = small_net();
  for (const char* name : {"tiny", "nash-e"}) {
    for (int level : {0, 2}) {
      SCOPED_TRACE(std::string(name) + " O" + std::to_string(level));
      const npk::NpkModel model = compile(integer, preset(name), level, 2);
      const estimate::PerfReport r = estimate(model);
      testing::expect_perf_consistent(model, r);
      EXPECT_GT(r.summary.latency_us, 0);
      // The rows are the original nodes: conv + relu fused into one integer node keep both names.
      bool fused = false;
      for (const estimate::LayerEstimate& l : r.layers)
        fused |= l.op == "QConv" && l.name.find("conv") == 0 && l.name.find("+relu") != std::string::npos;
      EXPECT_TRUE(fused) << "expected a row 'convN+reluM'";
    }
  }
}

TEST(EstimateReport, FunctionCallsRunBackToBack) {
  const march::MarchSpec m = preset("tiny");
  const ir::Model integer = small_net();
  const npk::NpkModel whole = compile(integer, m, 2, 1);
  const npk::NpkModel split = compile(integer, m, 2, 1, 20);
  ASSERT_EQ(split.programs.size(), 1u);
  ASSERT_GE(split.programs[0].function_calls.size(), 2u) << "20 us per call should split this model on tiny";
  const estimate::PerfReport r = estimate(split);
  testing::expect_perf_consistent(split, r);
  // Recompute: each call scheduled alone, then summed.
  const std::vector<ir::Node*> nodes = split.model.graph.nodes();
  int64_t cycles = 0;
  for (const npk::FunctionCall& fc : split.programs[0].function_calls)
    cycles += npu::schedule_commands(split.programs[0], nodes, m, static_cast<size_t>(fc.first_command),
                                     static_cast<size_t>(fc.first_command + fc.num_commands))
                  .makespan;
  EXPECT_DOUBLE_EQ(r.summary.latency_us, static_cast<double>(cycles) / m.clock_mhz);
  // Calls cannot overlap, so the split stream is never faster than the whole one.
  EXPECT_GE(r.summary.latency_us, estimate(whole).summary.latency_us);
  int64_t calls = 0;
  for (const estimate::SegmentEstimate& se : r.segments) calls += se.function_calls;
  EXPECT_EQ(calls, static_cast<int64_t>(split.programs[0].function_calls.size()));
}

TEST(EstimateReport, CpuSegmentsAreListedNotTimed) {
  // Softmax has no NPU lowering: the model ends in a CPU segment.
  Net n;
  testing::Value* y = n.conv(n.input({1, 4, 8, 8}), 8, 3, 3);
  Attrs a;
  a.set("axis", int64_t{1});
  n.out(n.typed(n.b.op(ir::OpKind::kSoftmax, "softmax", {y}, a)));
  const npk::NpkModel model = compile(testing::integer_of(n), preset("tiny"), 2);
  const estimate::PerfReport r = estimate(model);
  ASSERT_GE(r.summary.cpu_segments, 1);
  ASSERT_GE(r.summary.npu_segments, 1);
  double npu_latency = 0;
  for (const estimate::SegmentEstimate& se : r.segments) {
    if (se.target == "CPU") {
      EXPECT_EQ(se.latency_us, 0.0);
      EXPECT_GT(se.nodes, 0);
    } else {
      npu_latency += se.latency_us;
    }
  }
  EXPECT_DOUBLE_EQ(r.summary.latency_us, npu_latency);
  // The softmax row: on the CPU, no commands, at least one op per output element (its Q / DQ pair, which keeps the
  // softmax's provenance, counts one op per element each).
  bool cpu_softmax = false;
  for (const estimate::LayerEstimate& l : r.layers)
    if (l.name == "softmax")
      cpu_softmax = l.target == "CPU" && l.commands == 0 && l.op.rfind("Softmax", 0) == 0 && l.ops >= 8 * 8 * 8;
  EXPECT_TRUE(cpu_softmax);
  EXPECT_EQ(r.summary.cpu_ops_per_run + r.summary.npu_ops_per_run, r.summary.ops_per_run);
  EXPECT_GT(r.summary.cpu_ops_per_run, 0);
  const std::string text = estimate::summary_text(r);
  EXPECT_NE(text.find("not estimated"), std::string::npos) << text;
}

TEST(EstimateReport, BatchCountsFramesPerRun) {
  Net n;
  n.out(n.relu(n.conv(n.input({4, 8, 8, 8}), 16, 3, 3)));
  const npk::NpkModel model = compile(testing::integer_of(n), preset("tiny"), 2);
  ASSERT_FALSE(model.inputs.empty());
  ASSERT_EQ(model.inputs[0].shape[0], 4);
  const estimate::PerfReport r = estimate(model);
  EXPECT_EQ(r.summary.frames_per_run, 4);
  EXPECT_DOUBLE_EQ(r.summary.fps, 4 * r.summary.runs_per_second);
  EXPECT_EQ(r.summary.ddr_bytes_per_frame, r.summary.ddr_bytes_per_run / 4);
  EXPECT_EQ(r.summary.ops_per_frame, r.summary.ops_per_run / 4);
}

TEST(EstimateReport, IntervalChoiceAndOverride) {
  const npk::NpkModel model = compile(small_net(), preset("tiny"), 2);
  const estimate::PerfReport r = estimate(model);
  // Default: 1000 us halved until at least 50 intervals (or 1 us).
  const double lat = r.summary.latency_us;
  double w = 1000;
  while (w > 1 && lat / w < 50) w /= 2;
  EXPECT_DOUBLE_EQ(r.temporal.interval_us, std::max(w, 1.0));
  const estimate::PerfReport r5 = estimate(model, 5);
  EXPECT_DOUBLE_EQ(r5.temporal.interval_us, 5.0);
  EXPECT_EQ(r5.temporal.intervals, static_cast<int64_t>(std::ceil(lat / 5 - 1e-9)));
  testing::expect_perf_consistent(model, r5);
  // Too fine an interval is an error, not a huge allocation.
  estimate::EstimateOptions eo;
  eo.interval_us = 1e-9;
  EXPECT_FALSE(estimate::estimate_perf(model, eo).ok());
}

TEST(EstimateReport, JsonHasTheDocumentedKeys) {
  const npk::NpkModel model = compile(small_net(), preset("tiny"), 2);
  const nlohmann::json j = estimate::to_json(estimate(model));
  for (const char* k : {"fps",
                        "latency_ms",
                        "latency_us",
                        "ddr_bytes_per_frame",
                        "ddr_mb_per_second",
                        "ops_per_frame",
                        "frames_per_run",
                        "runs_per_second",
                        "latency_by_segment",
                        "parameter_crc",
                        "npukit_version",
                        "march",
                        "model_name",
                        "compile_options",
                        "loaded_bytes_per_frame",
                        "stored_bytes_per_frame",
                        "ddr_mb_per_run",
                        "ddr_bytes_per_run",
                        "ddr_bytes_per_second",
                        "ops_per_run",
                        "latency_by_segment"})
    EXPECT_TRUE(j["summary"].contains(k)) << k;
  EXPECT_TRUE(j["temporal"].contains("interval_ms"));
  for (const char* u : {"tae", "vae", "aae", "trans", "load", "store"})
    EXPECT_TRUE(j["temporal"]["unit_utilization"].contains(u)) << u;
  EXPECT_TRUE(j["temporal"]["load_mbps"].is_array());
  EXPECT_TRUE(j["temporal"]["store_mbps"].is_array());
  ASSERT_FALSE(j["layers"].empty());
  for (const char* k :
       {"name", "op", "target", "ops", "compute_us", "load_store_us", "ddr_bytes", "start_us", "end_us"})
    EXPECT_TRUE(j["layers"][0].contains(k)) << k;
  ASSERT_FALSE(j["timeline"].empty());
  for (const char* k : {"unit", "start_us", "end_us", "layer"}) EXPECT_TRUE(j["timeline"][0].contains(k)) << k;
  // The documentation names every summary key the JSON has.
  const std::string doc = [] {
    std::ifstream f(std::string(NPUKIT_SOURCE_DIR) + "/docs/PERF_REPORT.md");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }();
  for (const auto& [k, v] : j["summary"].items()) EXPECT_NE(doc.find("`" + k + "`"), std::string::npos) << k;
  for (const auto& [k, v] : j["layers"][0].items()) EXPECT_NE(doc.find("`" + k + "`"), std::string::npos) << k;
}

TEST(EstimateReport, DamagedMarchTextIsAnError) {
  npk::NpkModel model = compile(one_conv(), preset("tiny"), 0);
  model.march_yaml = "clock_mhz: [";
  auto r = estimate::estimate_perf(model);
  ASSERT_FALSE(r.ok());
  model = compile(one_conv(), preset("tiny"), 0);
  model.placement.pop_back();
  EXPECT_FALSE(estimate::estimate_perf(model).ok());
}

}  // namespace
}  // namespace npukit
