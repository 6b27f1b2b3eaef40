// SPDX-License-Identifier: Apache-2.0
// The NPU end of the CLI: `npukit compile` writes model.npk; `npukit exec infer --target sim` runs it on the
// NPU simulator and agrees bit for bit with `--target ref`; `npukit check` reports placement; node_info ON and
// remove_node_type act; a damaged .npk is a clear error.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "core/file_util.h"
#include "frontend/onnx_export.h"
#include "io/npy.h"
#include "npk/npk_file.h"
#include "util/cli_fixture.h"
#include "util/graph_builder.h"
#include "util/random_tensor.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;
using testing::randn;
using testing::slurp;

/// x[1,3,21,19] -> conv 3x3 (8) -> relu -> maxpool 2 -> conv 3x3 (8) -> add(pool) -> relu -> softmax over C.
void write_model(const fs::path& path) {
  ir::Model m;
  testing::GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 3, 21, 19});
  Attrs pad1;
  pad1.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::Value* c1 = b.op(ir::OpKind::kConv, "conv1",
                       {x, b.constant("w1", randn({8, 3, 3, 3}, 1)), b.constant("b1", randn({8}, 2, 0.1f))}, pad1);
  ir::Value* r1 = b.op(ir::OpKind::kRelu, "relu1", {c1});
  Attrs mp;
  mp.set("kernel_shape", std::vector<int64_t>{2, 2});
  mp.set("strides", std::vector<int64_t>{2, 2});
  ir::Value* p = b.op(ir::OpKind::kMaxPool, "pool", {r1}, mp);
  ir::Value* c2 = b.op(ir::OpKind::kConv, "conv2",
                       {p, b.constant("w2", randn({8, 8, 3, 3}, 3)), b.constant("b2", randn({8}, 4, 0.1f))}, pad1);
  ir::Value* s = b.op(ir::OpKind::kAdd, "add", {c2, p});
  ir::Value* r2 = b.op(ir::OpKind::kRelu, "relu2", {s});
  Attrs ax;
  ax.set("axis", int64_t{1});
  b.output(b.op(ir::OpKind::kSoftmax, "softmax", {r2}, ax));
  ASSERT_TRUE(frontend::save_onnx(m, path.string()).ok());
}

class NpuCli : public testing::CliTest {
 protected:
  void SetUp() override {
    testing::CliTest::SetUp();
    write_model(dir_ / "net.onnx");
    fs::create_directories(dir_ / "cal");
    for (int k = 0; k < 4; ++k)
      ASSERT_TRUE(io::save_npy((dir_ / "cal" / ("s" + std::to_string(k) + ".npy")).string(),
                               randn({1, 3, 21, 19}, 100 + k, 1.f))
                      .ok());
  }
  void write_config(const std::string& model_extra, const std::string& compiler_extra = "") {
    const std::string yaml = "model_parameters:\n  onnx_model: net.onnx\n  march: tiny\n  working_dir: out\n" +
                             model_extra +
                             "input_parameters:\n  input_type_train: featuremap\n  input_type_rt: featuremap\n"
                             "  input_layout_train: NCHW\n"
                             "calibration_parameters:\n  cal_data_dir: cal\n  calibration_type: max\n"
                             "compiler_parameters:\n  optimize_level: O2\n" +
                             compiler_extra;
    ASSERT_TRUE(atomic_write_file((dir_ / "cfg.yaml").string(), yaml).ok());
  }
};

TEST_F(NpuCli, CompileWritesNpkAndSimulatorMatchesReference) {
  write_config("", "  core_num: 2\n");
  auto r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  ASSERT_TRUE(fs::exists(dir_ / "out" / "model.npk"));
  EXPECT_NE(r.out.find("NPU nodes"), std::string::npos) << r.out;
  auto m = npk::read_npk((dir_ / "out" / "model.npk").string());
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->march_name, "tiny");
  bool npu = false, cpu = false;
  for (const npk::Placement& p : m->placement) {
    if (p.target == npk::Target::kNpu) npu = true;
    if (p.op == "Softmax") {
      cpu = true;
      EXPECT_EQ(p.target, npk::Target::kCpu);
      EXPECT_NE(p.reason.find("float"), std::string::npos) << p.reason;
    }
  }
  EXPECT_TRUE(npu && cpu);
  ASSERT_FALSE(m->programs.empty());
  EXPECT_EQ(m->programs[0].num_cores, 2);

  auto info = npukit("exec model_info --model_file out/model.npk");
  ASSERT_EQ(info.rc, 0) << info.err;
  EXPECT_NE(info.out.find("march: tiny"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("NPU: "), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("file CRC-32"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("input 'x': f32"), std::string::npos) << info.out;
  auto sim = npukit("exec infer --model_file out/model.npk --input_file cal/s1.npy --output_dir sim");
  ASSERT_EQ(sim.rc, 0) << sim.err;
  auto ref = npukit("exec infer --model_file out/model.npk --target ref --input_file cal/s1.npy --output_dir ref");
  ASSERT_EQ(ref.rc, 0) << ref.err;
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "ref")) {
    ++files;
    EXPECT_EQ(slurp(e.path()), slurp(dir_ / "sim" / e.path().filename())) << e.path();
  }
  EXPECT_EQ(files, 1);
  // --target sim needs a compiled model.
  auto bad = npukit("exec infer --model_file net.onnx --target sim --input_file cal/s1.npy --output_dir x");
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.err.find(".npk"), std::string::npos) << bad.err;
}

TEST_F(NpuCli, NodeInfoOnCpuAndRemoveNodeType) {
  write_config("  node_info: {conv2: {ON: CPU}}\n  remove_node_type: Quantize;Dequantize;Softmax\n");
  auto r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto m = npk::read_npk((dir_ / "out" / "model.npk").string());
  ASSERT_TRUE(m.ok()) << m.status().message();
  bool saw_conv2 = false;
  for (const npk::Placement& p : m->placement) {
    EXPECT_NE(p.op, "Softmax");
    EXPECT_NE(p.op, "QuantizeLinear");
    if (p.node == "conv2") {
      saw_conv2 = true;
      EXPECT_EQ(p.target, npk::Target::kCpu);
      EXPECT_NE(p.reason.find("node_info"), std::string::npos) << p.reason;
    }
  }
  EXPECT_TRUE(saw_conv2);
  // The model now takes int8 codes: the input description says so.
  ASSERT_EQ(m->inputs.size(), 1u);
  EXPECT_EQ(m->inputs[0].dtype, DType::kI8);
}

TEST_F(NpuCli, CheckReportsPlacement) {
  auto r = npukit("check --model net.onnx --march tiny");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("conv1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NPU"), std::string::npos) << r.out;
  // Softmax stays float: not fully supported.
  EXPECT_NE(r.out.find("Softmax"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("This model is supported!"), std::string::npos) << r.out;
  auto bad = npukit("check --model net.onnx --march nosuch");
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.err.find("nosuch"), std::string::npos) << bad.err;
}

TEST_F(NpuCli, CheckSaysSupportedWhenEverythingIsOnTheNpu) {
  ir::Model m;
  testing::GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 4, 9, 9});
  Attrs pad1;
  pad1.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::Value* c = b.op(ir::OpKind::kConv, "conv", {x, b.constant("w", randn({4, 4, 3, 3}, 9))}, pad1);
  b.output(b.op(ir::OpKind::kRelu, "relu", {c}));
  ASSERT_TRUE(frontend::save_onnx(m, (dir_ / "small.onnx").string()).ok());
  auto r = npukit("check --model small.onnx --march nash-e");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("This model is supported!"), std::string::npos) << r.out;
}

TEST_F(NpuCli, DamagedNpkIsAClearError) {
  write_config("");
  ASSERT_EQ(npukit("compile --config cfg.yaml --no-progress").rc, 0);
  std::string bytes = slurp(dir_ / "out" / "model.npk");
  ASSERT_GT(bytes.size(), 200u);
  bytes[bytes.size() / 2] ^= 0x5a;
  ASSERT_TRUE(atomic_write_file((dir_ / "bad.npk").string(), bytes).ok());
  auto r = npukit("exec infer --model_file bad.npk --input_file cal/s1.npy --output_dir o");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
  ASSERT_TRUE(atomic_write_file((dir_ / "short.npk").string(), bytes.substr(0, 40)).ok());
  r = npukit("exec infer --model_file short.npk --input_file cal/s1.npy --output_dir o");
  EXPECT_EQ(r.rc, 1);
  EXPECT_FALSE(r.err.empty());
}

TEST_F(NpuCli, CompileWritesThePerfReportAndPerfReproducesIt) {
  write_config("");
  auto r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("performance estimate: FPS="), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(dir_ / "out" / "model.json"));
  ASSERT_TRUE(fs::exists(dir_ / "out" / "model.html"));
  // The graph picture: NPU nodes dark blue, the CPU softmax gray.
  const std::string svg = slurp(dir_ / "out" / "model_graph.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("softmax"), std::string::npos);
  auto p = npukit("perf out/model.npk --output-dir perf");
  ASSERT_EQ(p.rc, 0) << p.err;
  EXPECT_EQ(p.out.rfind("FPS=", 0), 0u) << p.out;
  EXPECT_NE(p.out.find("latency = "), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("CPU: "), std::string::npos) << "the softmax segment is listed: " << p.out;
  ASSERT_TRUE(fs::exists(dir_ / "perf" / "model.json"));
  ASSERT_TRUE(fs::exists(dir_ / "perf" / "model.html"));
  nlohmann::json a = nlohmann::json::parse(slurp(dir_ / "out" / "model.json"));
  nlohmann::json b = nlohmann::json::parse(slurp(dir_ / "perf" / "model.json"));
  // Same model file, same estimate (except how long the estimate took).
  a["summary"].erase("estimate_seconds");
  b["summary"].erase("estimate_seconds");
  EXPECT_EQ(a, b);
  EXPECT_GT(b["summary"]["fps"].get<double>(), 0);
  EXPECT_EQ(b["summary"]["march"], "tiny");
  EXPECT_EQ(b["summary"]["parameter_crc"].get<std::string>().size(), 8u);
  auto info = npukit("exec model_info --model_file out/model.npk");
  EXPECT_NE(info.out.find("parameter CRC-32 " + b["summary"]["parameter_crc"].get<std::string>()), std::string::npos)
      << info.out;
  // A finer interval gives more intervals.
  auto fine = npukit("perf out/model.npk --output-dir fine --interval-us 0.5");
  ASSERT_EQ(fine.rc, 0) << fine.err;
  nlohmann::json f = nlohmann::json::parse(slurp(dir_ / "fine" / "model.json"));
  EXPECT_EQ(f["temporal"]["interval_us"].get<double>(), 0.5);
  // Errors: not a model, a missing file, an output directory that cannot be made.
  ASSERT_TRUE(atomic_write_file((dir_ / "junk.npk").string(), "not a model").ok());
  auto junk = npukit("perf junk.npk");
  EXPECT_EQ(junk.rc, 1);
  EXPECT_NE(junk.err.find("junk.npk"), std::string::npos) << junk.err;
  auto missing = npukit("perf nothere.npk");
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find("nothere.npk"), std::string::npos) << missing.err;
  ASSERT_TRUE(atomic_write_file((dir_ / "afile").string(), "x").ok());
  auto baddir = npukit("perf out/model.npk --output-dir afile/sub");
  EXPECT_EQ(baddir.rc, 1);
  EXPECT_NE(baddir.err.find("afile/sub"), std::string::npos) << baddir.err;
}

TEST_F(NpuCli, ExecPerfAndInferOnTheCpuRuntime) {
  write_config("");
  ASSERT_EQ(npukit("compile --config cfg.yaml --no-progress").rc, 0);
  // infer on the int8 CPU runtime = the reference interpreter, bit for bit.
  auto cpu = npukit("exec infer --model_file out/model.npk --target cpu --input_file cal/s1.npy --output_dir cpu");
  ASSERT_EQ(cpu.rc, 0) << cpu.err;
  auto ref = npukit("exec infer --model_file out/model.npk --target ref --input_file cal/s1.npy --output_dir ref");
  ASSERT_EQ(ref.rc, 0) << ref.err;
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "ref")) {
    ++files;
    EXPECT_EQ(slurp(e.path()), slurp(dir_ / "cpu" / e.path().filename())) << e.path();
  }
  EXPECT_EQ(files, 1);
  // perf: 2 threads, JSON with the documented figures; every frame's outputs equal the first's.
  auto p = npukit(
      "exec perf --model_file out/model.npk --thread_num 2 --frame_count 12 --output_json perf.json "
      "--input_file cal/s2.npy");
  ASSERT_EQ(p.rc, 0) << p.err;
  EXPECT_NE(p.out.find("Average latency"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("FPS: "), std::string::npos) << p.out;
  const nlohmann::json j = nlohmann::json::parse(slurp(dir_ / "perf.json"));
  EXPECT_EQ(j["thread_num"], 2);
  EXPECT_EQ(j["frame_count"], 12);
  EXPECT_TRUE(j["outputs_identical"].get<bool>());
  for (const char* k : {"avg", "min", "max", "p50", "p90", "p99"}) EXPECT_GT(j["latency_ms"][k].get<double>(), 0) << k;
  EXPECT_LE(j["latency_ms"]["min"].get<double>(), j["latency_ms"]["p50"].get<double>());
  EXPECT_LE(j["latency_ms"]["p50"].get<double>(), j["latency_ms"]["p99"].get<double>());
  EXPECT_LE(j["latency_ms"]["p99"].get<double>(), j["latency_ms"]["max"].get<double>());
  EXPECT_GT(j["fps"].get<double>(), 0);
  EXPECT_EQ(j["intra_op_threads"], 1);
  // --intra_op_threads: 2 inferences, each splitting its operators over 2 threads (outputs still checked per frame).
  auto intra = npukit(
      "exec perf --model_file out/model.npk --thread_num 2 --intra_op_threads 2 --frame_count 6 --output_json "
      "intra.json --input_file cal/s2.npy");
  ASSERT_EQ(intra.rc, 0) << intra.err;
  EXPECT_NE(intra.out.find("each splitting its operators over 2 threads"), std::string::npos) << intra.out;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir_ / "intra.json"))["intra_op_threads"], 2);
  EXPECT_EQ(npukit("exec perf --model_file out/model.npk --intra_op_threads 0").rc, 1);
  // --profile: one row per node of the model, the operator ranking sums to 100 %.
  auto prof = npukit("exec perf --model_file out/model.npk --frame_count 3 --profile --profile_dir prof");
  ASSERT_EQ(prof.rc, 0) << prof.err;
  EXPECT_NE(prof.out.find("Operator Time Consuming Ranking"), std::string::npos) << prof.out;
  const nlohmann::json pj = nlohmann::json::parse(slurp(dir_ / "prof" / "profile.json"));
  auto m = npk::read_npk((dir_ / "out" / "model.npk").string());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(pj["layers"].size(), m->model.graph.num_nodes());
  EXPECT_GT(pj["int8_peak_gmacs"].get<double>(), 0);
  double ratio = 0;
  int64_t calls = 0;
  for (const auto& r : pj["ranking"]) {
    ratio += r["ratio_percent"].get<double>();
    calls += r["calls"].get<int64_t>();
  }
  EXPECT_NEAR(ratio, 100.0, 1e-6);
  EXPECT_EQ(calls, static_cast<int64_t>(m->model.graph.num_nodes()));
  bool conv_row = false;
  for (const auto& r : pj["layers"])
    if (r["op_type"] == "QConv") conv_row = r["macs"].get<int64_t>() > 0 && r["target"].get<std::string>()[0] == 'N';
  EXPECT_TRUE(conv_row) << "a QConv row with its MACs on an NPU segment";
  EXPECT_TRUE(fs::exists(dir_ / "prof" / "profile.csv"));
  EXPECT_TRUE(fs::exists(dir_ / "prof" / "profile_ranking.csv"));
  // The quantized QDQ ONNX the compile wrote runs on the runtime too (lowered to the integer graph), with
  // --eval_memory in the JSON.
  std::string qdq;
  for (const auto& e : fs::directory_iterator(dir_ / "out"))
    if (e.path().filename().string().ends_with("_quantized_model.onnx")) qdq = e.path().string();
  ASSERT_FALSE(qdq.empty());
  auto q = npukit("exec perf --model_file " + qdq + " --frame_count 4 --eval_memory --output_json q.json");
  ASSERT_EQ(q.rc, 0) << q.err;
  EXPECT_NE(q.out.find("activation arena"), std::string::npos) << q.out;
  const nlohmann::json qj = nlohmann::json::parse(slurp(dir_ / "q.json"));
  EXPECT_GT(qj["fast_nodes"].get<int64_t>(), 0) << "the lowered convolutions run on the q8 kernels";
  EXPECT_GT(qj["memory"]["arena_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(qj["memory"]["total_bytes"].get<int64_t>(),
            qj["memory"]["weight_bytes"].get<int64_t>() + qj["memory"]["packed_weight_bytes"].get<int64_t>() +
                qj["memory"]["op_workspace_bytes"].get<int64_t>() + qj["memory"]["arena_bytes"].get<int64_t>() +
                qj["memory"]["io_bytes"].get<int64_t>());
  // Errors: a float ONNX model, a bad thread count, a missing core, a wrong number of inputs.
  auto onnx = npukit("exec perf --model_file net.onnx");
  EXPECT_EQ(onnx.rc, 1);
  EXPECT_NE(onnx.err.find("float model"), std::string::npos) << onnx.err;
  EXPECT_NE(onnx.err.find(".npk"), std::string::npos) << onnx.err;
  auto core = npukit("exec perf --model_file out/model.npk --core_id 4096");
  EXPECT_EQ(core.rc, 1);
  EXPECT_NE(core.err.find("--core_id 4096"), std::string::npos) << core.err;
  EXPECT_EQ(npukit("exec perf --model_file out/model.npk --thread_num 0").rc, 1);
  auto two = npukit("exec perf --model_file out/model.npk --input_file cal/s1.npy,cal/s2.npy");
  EXPECT_EQ(two.rc, 1);
  EXPECT_NE(two.err.find("input"), std::string::npos) << two.err;
}

}  // namespace
}  // namespace npukit
