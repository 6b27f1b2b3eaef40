// SPDX-License-Identifier: Apache-2.0
// `npukit compile`: the PTQ flow end to end on a small generated model — artifacts, calibration types,
// the --config / --fast-perf rules, atomic outputs, and clear errors for bad calibration data.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "frontend/onnx_export.h"
#include "frontend/onnx_import.h"
#include "interp/interpreter.h"
#include "io/npy.h"
#include "pipeline/load.h"
#include "quant/calib.h"
#include "util/cli_fixture.h"
#include "util/graph_builder.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;
using testing::slurp;

constexpr const char* kArtifacts[] = {"model_original_float_model.onnx",
                                      "model_optimized_float_model.onnx",
                                      "model_calibrated_model.onnx",
                                      "model_quantized_model.onnx",
                                      "model_calibration_table.json",
                                      "model_quant_similarity.json",
                                      "model.npk"};

Tensor seeded(Shape shape, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  return quant::random_calibration_tensor(DType::kF32, shape, seed, {quant::RandomDist::kUniform, lo, hi}).value();
}

/// net.onnx: x f32[1,3,8,8] → Conv(4, 3x3, pad 1) → BatchNormalization → Relu → GlobalAveragePool → Flatten
/// → Gemm(5, transB) → y; seeded weights.
void write_model(const fs::path& path) {
  ir::Model m;
  testing::GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 3, 8, 8});
  Attrs conv;
  conv.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::Value* c = b.op(ir::OpKind::kConv, "conv",
                      {x, b.constant("w", seeded({4, 3, 3, 3}, 1)), b.constant("b", seeded({4}, 2))}, conv);
  ir::Value* bn = b.op(ir::OpKind::kBatchNormalization, "bn",
                       {c, b.constant("g", seeded({4}, 3, 0.5, 1.5)), b.constant("beta", seeded({4}, 4)),
                        b.constant("mean", seeded({4}, 5)), b.constant("var", seeded({4}, 6, 0.5, 2.0))});
  ir::Value* r = b.op(ir::OpKind::kRelu, "relu", {bn});
  ir::Value* p = b.op(ir::OpKind::kGlobalAveragePool, "gap", {r});
  ir::Value* f = b.op(ir::OpKind::kFlatten, "flatten", {p});
  Attrs gemm;
  gemm.set("transB", int64_t{1});
  ir::Value* y =
      b.op(ir::OpKind::kGemm, "fc", {f, b.constant("fw", seeded({5, 4}, 7)), b.constant("fb", seeded({5}, 8))}, gemm);
  b.output(y);
  ASSERT_TRUE(frontend::save_onnx(m, path.string()).ok());
}

class CompileCli : public testing::CliTest {
 protected:
  void SetUp() override {
    testing::CliTest::SetUp();
    write_model(dir_ / "net.onnx");
    fs::create_directories(dir_ / "cal");
    for (int k = 0; k < 12; ++k)
      ASSERT_TRUE(io::save_npy((dir_ / "cal" / ("s" + std::to_string(100 + k) + ".npy")).string(),
                               seeded({1, 3, 8, 8}, 1000 + k, -2.0, 2.0))
                      .ok());
  }
  /// Writes cfg.yaml with the given calibration_type (and extra lines in calibration_parameters).
  void write_config(const std::string& calibration_type, const std::string& extra = "",
                    const std::string& cal_dir = "cal", const std::string& model_extra = "") {
    const std::string yaml =
        "model_parameters:\n  onnx_model: net.onnx\n  march: nash-e\n  working_dir: out\n" + model_extra +
        "input_parameters:\n  input_type_train: featuremap\n  input_type_rt: featuremap\n"
        "  input_layout_train: NCHW\n"
        "calibration_parameters:\n" +
        (cal_dir.empty() ? "" : "  cal_data_dir: " + cal_dir + "\n") + "  calibration_type: " + calibration_type +
        "\n" + extra + "compiler_parameters:\n  optimize_level: O2\n";
    ASSERT_TRUE(atomic_write_file((dir_ / "cfg.yaml").string(), yaml).ok());
  }
  nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(slurp(p)); }
};

TEST_F(CompileCli, WritesAllArtifactsAndTheyRun) {
  write_config("max");
  auto r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  for (const char* f : kArtifacts) EXPECT_TRUE(fs::exists(dir_ / "out" / f)) << f;
  EXPECT_TRUE(fs::exists(dir_ / "npukit_compile.log"));
  EXPECT_NE(slurp(dir_ / "npukit_compile.log").find("wrote quantized model"), std::string::npos);
  // No staging folder is left behind.
  for (const auto& e : fs::directory_iterator(dir_ / "out"))
    EXPECT_EQ(e.path().filename().string().rfind(".npukit-staging", 0), std::string::npos) << e.path();
  // The similarity table is printed with a model-output row.
  EXPECT_NE(r.out.find("Cosine Similarity"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("output:fc_out"), std::string::npos) << r.out;
  // The integer form: the conv (+ relu) becomes an integer op; fc, which produces the float model output,
  // becomes a QGemm writing its int32 accumulator, dequantized per channel: no float op is left.
  EXPECT_NE(r.out.find("integer ops: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("QConv x1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("QGemm x1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("float ops left: 0"), std::string::npos) << r.out;

  // Optimized model: BN folded into the conv; same function as the original (float, rounding only).
  auto orig = pipeline::load_model((dir_ / "out" / kArtifacts[0]).string());
  auto opt = pipeline::load_model((dir_ / "out" / kArtifacts[1]).string());
  auto quant = pipeline::load_model((dir_ / "out" / kArtifacts[3]).string());
  ASSERT_TRUE(orig.ok() && opt.ok() && quant.ok());
  for (const ir::Node* n : opt->graph.nodes()) EXPECT_NE(n->op(), ir::OpKind::kBatchNormalization);
  EXPECT_EQ(opt->producer_name, "npukit");
  EXPECT_EQ(quant->producer_name, "npukit");
  int q = 0, dq = 0, int8_weights = 0;
  for (const ir::Node* n : quant->graph.nodes()) {
    q += n->op() == ir::OpKind::kQuantizeLinear;
    dq += n->op() == ir::OpKind::kDequantizeLinear;
  }
  // Structure as written (resolving would fold the weight DequantizeLinear nodes into f32 constants).
  auto written = frontend::load_onnx((dir_ / "out" / kArtifacts[3]).string());
  ASSERT_TRUE(written.ok());
  for (const ir::Value* v : written->graph.values())
    if (v->is_constant() && v->dtype() == DType::kI8 && v->shape().size() >= 2) ++int8_weights;
  EXPECT_EQ(q, 4);  // x, relu output, flatten output (conv output is fused into the Relu); y stays float
  EXPECT_GE(dq, q);
  EXPECT_EQ(int8_weights, 2);  // conv and fc weights

  Tensor x = io::load_npy((dir_ / "cal" / "s100.npy").string()).value();
  auto yo = interp::Interpreter(orig->graph).run(std::vector<Tensor>{x});
  auto yf = interp::Interpreter(opt->graph).run(std::vector<Tensor>{x});
  auto yq = interp::Interpreter(quant->graph).run(std::vector<Tensor>{x});
  ASSERT_TRUE(yo.ok() && yf.ok() && yq.ok());
  double max_ref = 0;
  for (int i = 0; i < 5; ++i) max_ref = std::max(max_ref, std::fabs((double)(*yo)[0].data<float>()[i]));
  for (int i = 0; i < 5; ++i) {
    // BN folding changes float rounding only: relative 1e-5 of the output magnitude.
    EXPECT_NEAR((*yf)[0].data<float>()[i], (*yo)[0].data<float>()[i], 1e-5 * max_ref + 1e-6);
    // int8: within a few percent of the output range (3 quantized layers).
    EXPECT_NEAR((*yq)[0].data<float>()[i], (*yo)[0].data<float>()[i], 0.05 * max_ref);
  }

  auto table = read_json(dir_ / "out" / "model_calibration_table.json");
  EXPECT_EQ(table["method"], "max");
  EXPECT_EQ(table["num_samples"], 12);
  auto sim = read_json(dir_ / "out" / "model_quant_similarity.json");
  ASSERT_FALSE(sim["rows"].empty());
  EXPECT_EQ(sim["rows"].back()["op_type"], "Output");
  EXPECT_GT(sim["rows"].back()["cosine"].get<double>(), 0.99);
}

TEST_F(CompileCli, CalibrationTypesRecordTheirMethod) {
  const std::pair<const char*, const char*> cases[] = {{"kl", "kl"},
                                                       {"mix", "mix"},
                                                       {"mse", "mse"},
                                                       {"skip", "skip"},
                                                       {"max\n  max_percentile: 0.9999", "max_percentile_0.9999"}};
  for (const auto& [type, method] : cases) {
    write_config(type);
    auto r = npukit("compile --config cfg.yaml --no-progress");
    ASSERT_EQ(r.rc, 0) << type << ": " << r.err;
    EXPECT_EQ(read_json(dir_ / "out" / "model_calibration_table.json")["method"], method) << type;
  }
  // default: tries three candidates and reports each, keeping the best model-output cosine.
  write_config("default");
  auto r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("candidate max "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("candidate max_percentile_0.99995"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("candidate kl"), std::string::npos) << r.out;
  const std::string m = read_json(dir_ / "out" / "model_calibration_table.json")["method"];
  EXPECT_EQ(m.rfind("default:", 0), 0u) << m;
}

TEST_F(CompileCli, LoadKeepsAQuantizedModelsScales) {
  // calibration_type load on a float model, or a calibration of an already quantized one: clear errors.
  write_config("load");
  auto r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_NE(r.rc, 0);
  EXPECT_NE(r.err.find("no QuantizeLinear / DequantizeLinear"), std::string::npos) << r.err;
  write_config("max");
  r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  fs::copy_file(dir_ / "out" / kArtifacts[3], dir_ / "net.onnx", fs::copy_options::overwrite_existing);
  fs::rename(dir_ / "out", dir_ / "first");
  write_config("kl");
  r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_NE(r.rc, 0);
  EXPECT_NE(r.err.find("already quantized"), std::string::npos) << r.err;
  // The QDQ model npukit wrote, compiled again with load (no calibration data): every scale is kept.
  write_config("load", "", "");
  r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("0 activation(s) and 0 weight(s) converted"), std::string::npos) << r.out;
  const auto first = read_json(dir_ / "first" / "model_calibration_table.json");
  const auto again = read_json(dir_ / "out" / "model_calibration_table.json");
  EXPECT_EQ(again["method"], "load");
  std::map<std::string, double> scales;
  for (const auto& t : again["tensors"])
    if (t["method"] == "load") scales[t["name"]] = t["scale"];
  int compared = 0;
  for (const auto& t : first["tensors"])
    if (scales.count(t["name"])) {
      EXPECT_EQ(scales[t["name"]], t["scale"].get<double>()) << t["name"];
      ++compared;
    }
  EXPECT_GE(compared, 3);
  // Both quantized models compute the same values.
  auto a = pipeline::load_model((dir_ / "first" / kArtifacts[3]).string());
  auto b = pipeline::load_model((dir_ / "out" / kArtifacts[3]).string());
  ASSERT_TRUE(a.ok() && b.ok());
  interp::Interpreter ia(a->graph), ib(b->graph);
  const std::vector<Tensor> in{seeded({1, 3, 8, 8}, 77, -2.0, 2.0)};
  auto ya = ia.run(in);
  auto yb = ib.run(in);
  ASSERT_TRUE(ya.ok() && yb.ok());
  for (int64_t i = 0; i < (*ya)[0].numel(); ++i) EXPECT_EQ((*ya)[0].data<float>()[i], (*yb)[0].data<float>()[i]) << i;
}

TEST_F(CompileCli, AsymmetricUsesUint8Activations) {
  write_config("max", "  optimization: asymmetric\n");
  auto r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto quant = pipeline::load_model((dir_ / "out" / kArtifacts[3]).string());
  ASSERT_TRUE(quant.ok());
  int u8 = 0;
  for (const ir::Node* n : quant->graph.nodes())
    if (n->op() == ir::OpKind::kQuantizeLinear) u8 += n->output(0)->dtype() == DType::kU8;
  EXPECT_EQ(u8, 4);
}

TEST_F(CompileCli, MixedPrecisionInt16AndFloat16) {
  // conv input int16 (node_info), every Gemm float16 (quant_config op_config), BN named but folded (warning).
  ASSERT_TRUE(atomic_write_file((dir_ / "q.json").string(), R"({"op_config": {"Gemm": {"type": "float16"}}})").ok());
  write_config("max", "  quant_config: q.json\n", "cal",
               "  node_info: {conv: {InputType: int16}, bn: {OutputType: int16}}\n");
  auto r = npukit("compile --config cfg.yaml --no-progress --log-level info");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("node_info: node 'bn' is not in the optimized model"), std::string::npos) << r.err;
  auto written = frontend::load_onnx((dir_ / "out" / kArtifacts[3]).string());
  ASSERT_TRUE(written.ok()) << written.status().to_string();
  const ir::Node* conv = nullptr;
  const ir::Node* fc = nullptr;
  for (const ir::Node* n : written->graph.nodes()) {
    if (n->name() == "conv") conv = n;
    if (n->name() == "fc") fc = n;
  }
  ASSERT_TRUE(conv && fc);
  // conv reads DequantizeLinear(int16 code).
  const ir::Node* dq = conv->input(0)->producer();
  ASSERT_TRUE(dq && dq->op() == ir::OpKind::kDequantizeLinear);
  EXPECT_EQ(dq->input(0)->dtype(), DType::kI16);
  // 16-bit Q/DQ are written in ONNX Runtime's com.microsoft domain (opset 17 has no int16 QuantizeLinear).
  EXPECT_NE(slurp(dir_ / "out" / kArtifacts[3]).find("com.microsoft"), std::string::npos);
  // fc reads fp16-rounded values and keeps float weights (only the conv weight is int8).
  const ir::Node* cast = fc->input(0)->producer();
  ASSERT_TRUE(cast && cast->op() == ir::OpKind::kCast);
  EXPECT_EQ(cast->input(0)->dtype(), DType::kF16);
  EXPECT_EQ(fc->input(1)->dtype(), DType::kF32);
  int int8_weights = 0;
  for (const ir::Value* v : written->graph.values())
    if (v->is_constant() && v->dtype() == DType::kI8 && v->shape().size() >= 2) ++int8_weights;
  EXPECT_EQ(int8_weights, 1);
  // Runs, and stays close to float.
  auto sim = read_json(dir_ / "out" / "model_quant_similarity.json");
  EXPECT_GT(sim["rows"].back()["cosine"].get<double>(), 0.999);
}

TEST_F(CompileCli, BiasCorrectionShiftsBiasesOnly) {
  auto bias_codes = [&](const char* layer) {
    auto m = frontend::load_onnx((dir_ / "out" / kArtifacts[3]).string());
    EXPECT_TRUE(m.ok());
    for (const ir::Node* n : m->graph.nodes())
      if (n->name() == layer) {
        const ir::Node* dq = n->input(2)->producer();
        return dq->input(0)->const_value()->to_float_vector();
      }
    return std::vector<float>{};
  };
  write_config("max");
  ASSERT_EQ(npukit("compile --config cfg.yaml --no-progress").rc, 0);
  const auto plain_conv = bias_codes("conv"), plain_fc = bias_codes("fc");
  write_config("max", "  optimization: bias_correction\n");
  auto r = npukit("compile --config cfg.yaml --no-progress --log-level info");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("bias correction: 2 layer(s) corrected on 12 sample(s)"), std::string::npos) << r.err;
  const auto bc_conv = bias_codes("conv"), bc_fc = bias_codes("fc");
  ASSERT_EQ(bc_conv.size(), plain_conv.size());
  ASSERT_EQ(bc_fc.size(), plain_fc.size());
  // The corrections are the weight-rounding shift: small against the bias codes, but not all zero.
  EXPECT_NE(bc_conv, plain_conv);
  for (size_t i = 0; i < bc_conv.size(); ++i)
    EXPECT_NEAR(bc_conv[i], plain_conv[i], 0.05 * std::fabs(plain_conv[i]) + 50);
}

TEST_F(CompileCli, InputBatchAndSeparateBatch) {
  write_config("max");
  ASSERT_EQ(npukit("compile --config cfg.yaml --no-progress").rc, 0);
  auto single = pipeline::load_model((dir_ / "out" / kArtifacts[3]).string());
  ASSERT_TRUE(single.ok());
  // input_batch 3: the quantized model takes 3 frames; each frame's result equals the batch-1 model's.
  std::string cfg = slurp(dir_ / "cfg.yaml");
  cfg.replace(cfg.find("input_parameters:\n"), 18, "input_parameters:\n  input_batch: 3\n");
  ASSERT_TRUE(atomic_write_file((dir_ / "cfg.yaml").string(), cfg).ok());
  auto r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto batched = pipeline::load_model((dir_ / "out" / kArtifacts[3]).string());
  ASSERT_TRUE(batched.ok());
  ASSERT_EQ(batched->graph.inputs()[0]->shape(), (Shape{3, 3, 8, 8}));
  Tensor frames(DType::kF32, {3, 3, 8, 8});
  std::vector<Tensor> one;
  for (int k = 0; k < 3; ++k) {
    one.push_back(io::load_npy((dir_ / "cal" / ("s10" + std::to_string(k) + ".npy")).string()).value());
    std::copy(one.back().data<float>(), one.back().data<float>() + 192, frames.data<float>() + 192 * k);
  }
  auto yb = interp::Interpreter(batched->graph).run(std::vector<Tensor>{frames});
  ASSERT_TRUE(yb.ok()) << yb.status().to_string();
  ASSERT_EQ((*yb)[0].shape(), (Shape{3, 5}));
  for (int k = 0; k < 3; ++k) {
    auto y1 = interp::Interpreter(single->graph).run(std::vector<Tensor>{one[k]});
    ASSERT_TRUE(y1.ok());
    for (int i = 0; i < 5; ++i) EXPECT_EQ((*yb)[0].data<float>()[k * 5 + i], (*y1)[0].data<float>()[i]) << k << i;
  }
  // separate_batch: one input per frame.
  cfg.replace(cfg.find("  input_batch: 3\n"), 16, "  input_batch: 3\n  separate_batch: true\n");
  ASSERT_TRUE(atomic_write_file((dir_ / "cfg.yaml").string(), cfg).ok());
  r = npukit("compile --config cfg.yaml --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto sep = pipeline::load_model((dir_ / "out" / kArtifacts[3]).string());
  ASSERT_TRUE(sep.ok());
  ASSERT_EQ(sep->graph.inputs().size(), 3u);
  EXPECT_EQ(sep->graph.inputs()[2]->shape(), (Shape{1, 3, 8, 8}));
}

TEST_F(CompileCli, FailedRunLeavesEarlierOutputsIntact) {
  write_config("max");
  ASSERT_EQ(npukit("compile --config cfg.yaml --no-progress").rc, 0);
  const std::string before = slurp(dir_ / "out" / "model_quantized_model.onnx");
  // A calibration file of the wrong shape: the run fails naming the file, nothing is replaced.
  ASSERT_TRUE(io::save_npy((dir_ / "cal" / "s999.npy").string(), seeded({1, 3, 4, 4}, 9)).ok());
  write_config("kl");
  auto r = npukit("compile --config cfg.yaml --no-progress");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("s999.npy"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir_ / "out" / "model_quantized_model.onnx"), before);
  EXPECT_EQ(read_json(dir_ / "out" / "model_calibration_table.json")["method"], "max");
  for (const auto& e : fs::directory_iterator(dir_ / "out"))
    EXPECT_EQ(e.path().filename().string().rfind(".npukit-staging", 0), std::string::npos) << e.path();
}

TEST_F(CompileCli, CalibrationDataErrorsNameTheProblem) {
  fs::create_directories(dir_ / "empty");
  write_config("kl", "", "empty");
  auto r = npukit("compile --config cfg.yaml --no-progress");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
  write_config("kl", "", "missing_dir");
  r = npukit("compile --config cfg.yaml --no-progress");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("missing_dir"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "model_quantized_model.onnx"));
}

TEST_F(CompileCli, FastPerfAndItsRules) {
  auto r = npukit("compile --fast-perf --model net.onnx --march nash-e --no-progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  for (const char* f : kArtifacts) EXPECT_TRUE(fs::exists(dir_ / "model_output" / f)) << f;
  EXPECT_EQ(read_json(dir_ / "model_output" / "model_calibration_table.json")["method"], "skip");
  // --config and --fast-perf together: a usage error.
  write_config("max");
  r = npukit("compile --config cfg.yaml --fast-perf --model net.onnx --march nash-e");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;
  // --fast-perf needs --march; --model with --config is refused.
  r = npukit("compile --fast-perf --model net.onnx");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("--march"), std::string::npos) << r.err;
  r = npukit("compile --config cfg.yaml --model net.onnx");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("--fast-perf"), std::string::npos) << r.err;
  // Unknown march preset: names the value.
  r = npukit("compile --fast-perf --model net.onnx --march nash-x");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("nash-x"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace npukit
