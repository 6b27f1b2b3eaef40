// SPDX-License-Identifier: Apache-2.0
// e2e tier: real models quantized by npukit (calibrate_graph + quantize_to_qdq), lowered to the integer graph
// (quant/lower_qdq.h) and compared with the float QDQ graph, tensor by tensor (same names):
//  - teacher-forced: each integer node runs on the QDQ run's input codes; every code must be within 1 LSB
//    (float s_in * s_w * acc rounded half even versus the 31-bit fixed-point multiplier rounded half up: they
//    only disagree when the exact value sits within ~2^-24 relative of a rounding boundary, and then by one code);
//  - free-running: the integer graph on its own; differences propagate and are amplified layer by layer, so
//    this is measured and printed, and the model-level result (top-1) must agree.
// Also one foreign uint8 QDQ model of ../shared/peers (ONNX Runtime-style), when its setup has been run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "frontend/onnx_import.h"
#include "interp/interpreter.h"
#include "quant/calibrate_graph.h"
#include "quant/lower_qdq.h"
#include "quant/quantize_qdq.h"
#include "util/mnist.h"
#include "util/model_runner.h"
#include "util/qdq_compare.h"

namespace npukit {
namespace {

int argmax(const Tensor& t) {
  const float* p = t.data<float>();
  return static_cast<int>(std::max_element(p, p + t.numel()) - p);
}

void print_stats(const std::string& model, const quant::LowerQdqStats& s) {
  std::cout << model << " integer graph:";
  for (const auto& [op, n] : s.created) std::cout << " " << op << "x" << n;
  std::cout << "; removed DQ->Q pairs " << s.removed_pairs << "; float ops left " << s.float_ops.size() << ":";
  for (const auto& f : s.float_ops) std::cout << " " << f;
  std::cout << "\n";
}

struct Totals {
  int64_t tf_max = 0, tf_off = 0, tf_elems = 0, tf_tensors = 0;
  int64_t fr_max = 0, fr_off = 0, fr_elems = 0;
  std::string tf_worst, fr_worst;
  int top1_agree = 0, runs = 0;
};

void accumulate(const ir::Graph& qdq, const ir::Graph& integer, const std::vector<Tensor>& in, Totals& t) {
  auto tf = testing::teacher_forced_lsb(qdq, integer, in);
  ASSERT_TRUE(tf.ok()) << tf.status().to_string();
  auto fr = testing::free_running_lsb(qdq, integer, in);
  ASSERT_TRUE(fr.ok()) << fr.status().to_string();
  if (tf->max_lsb > t.tf_max) t.tf_max = tf->max_lsb, t.tf_worst = tf->worst;
  if (fr->max_lsb > t.fr_max) t.fr_max = fr->max_lsb, t.fr_worst = fr->worst;
  t.tf_off += tf->off, t.tf_elems += tf->elements, t.tf_tensors = std::max(t.tf_tensors, tf->tensors);
  t.fr_off += fr->off, t.fr_elems += fr->elements;
  auto a = interp::Interpreter(qdq).run(in);
  auto b = interp::Interpreter(integer).run(in);
  ASSERT_TRUE(a.ok() && b.ok());
  ++t.runs;
  if (argmax((*a)[0]) == argmax((*b)[0])) ++t.top1_agree;
}

void report(const std::string& model, const Totals& t) {
  std::cout << model << ": teacher-forced max " << t.tf_max << " LSB (" << t.tf_worst << "), " << t.tf_off << "/"
            << t.tf_elems << " codes differ over " << t.tf_tensors << " tensors; free-running max " << t.fr_max
            << " LSB (" << t.fr_worst << "), " << t.fr_off << "/" << t.fr_elems << " differ; top-1 agrees "
            << t.top1_agree << "/" << t.runs << "\n";
}

/// mnist-8 quantized with `qopt`, lowered, compared on digits 100..299.
void check_mnist(const quant::QdqOptions& qopt, const std::string& label) {
  const std::string dir = testing::shared_model_path("mnist-8");
  auto mnist = testing::load_mnist_test_set(dir);
  ASSERT_TRUE(mnist.ok()) << mnist.status().to_string();
  auto fmodel = testing::load_resolved(dir + "/model.onnx");
  ASSERT_TRUE(fmodel.ok()) << fmodel.status().to_string();
  std::vector<std::vector<Tensor>> calib;
  for (uint32_t k = 0; k < 100; ++k) calib.push_back({mnist->digit(k)});
  quant::CalibOptions opt;
  opt.method = {quant::CalibMethod::kMax, 1.0};
  opt.progress_every = 0;
  auto table = quant::calibrate_graph(fmodel->graph, calib, opt);
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  auto qdq = testing::load_resolved(dir + "/model.onnx");
  auto integer = testing::load_resolved(dir + "/model.onnx");
  ASSERT_TRUE(qdq.ok() && integer.ok());
  ASSERT_TRUE(quant::quantize_to_qdq(qdq->graph, *table, qopt).ok());
  ASSERT_TRUE(quant::quantize_to_qdq(integer->graph, *table, qopt).ok());
  quant::LowerQdqStats stats;
  Status s = quant::lower_qdq_to_integer(integer->graph, &stats);
  ASSERT_TRUE(s.ok()) << s.to_string();
  print_stats(label, stats);
  EXPECT_GE(stats.created["QConv"], 2);
  EXPECT_GE(stats.created["QMatMul"], 1);

  Totals t;
  int correct = 0;
  for (uint32_t k = 100; k < 300; ++k) {
    accumulate(qdq->graph, integer->graph, {mnist->digit(k)}, t);
    auto out = interp::Interpreter(integer->graph).run(std::vector<Tensor>{mnist->digit(k)});
    ASSERT_TRUE(out.ok());
    if (argmax((*out)[0]) == mnist->label(k)) ++correct;
  }
  report(label, t);
  std::cout << label << " integer graph top-1 on digits 100..299: " << correct << "/200\n";
  EXPECT_LE(t.tf_max, 1) << t.tf_worst;
  EXPECT_GE(t.tf_tensors, 6);
  EXPECT_GE(t.top1_agree, 198) << "integer and QDQ graphs disagree on the digit";
  EXPECT_GE(correct, 194);  // the QDQ graph scores ~99% (mnist_int8_test)
}

TEST(LowerQdqE2E, Mnist8IntegerGraphMatchesQdqWithinOneLsbPerOp) {
  NPUKIT_REQUIRE_SHARED(dir, "mnist-8");
  check_mnist({}, "mnist-8 int8");
}

// uint8 activations with zero points (the ONNX Runtime quantize_static activation format).
TEST(LowerQdqE2E, Mnist8AsymmetricUint8IntegerGraphMatchesQdq) {
  NPUKIT_REQUIRE_SHARED(dir, "mnist-8");
  quant::QdqOptions o;
  o.asymmetric = true;
  check_mnist(o, "mnist-8 uint8 asymmetric");
}

// Mixed precision: the first convolution's output and the bias Add after it in int16.
TEST(LowerQdqE2E, Mnist8MixedInt16IntegerGraphMatchesQdq) {
  NPUKIT_REQUIRE_SHARED(dir, "mnist-8");
  quant::QdqOptions o;
  o.int16_tensors = {"Convolution28_Output_0", "Plus30_Output_0"};
  check_mnist(o, "mnist-8 int8 + int16");
}

TEST(LowerQdqE2E, SqueezeNet11IntegerGraphMatchesQdqWithinOneLsbPerOp) {
  NPUKIT_REQUIRE_SHARED(dir, "squeezenet1.1");
  auto x = frontend::load_tensor_pb(dir + "/test_data_set_0/input_0.pb");
  ASSERT_TRUE(x.ok()) << x.status().to_string();
  auto fmodel = testing::load_resolved(dir + "/model.onnx");
  ASSERT_TRUE(fmodel.ok()) << fmodel.status().to_string();
  // Calibration: the reference input and three variants (mirrored, dimmed, shifted); enough to give every
  // activation a realistic range for this equivalence test (accuracy is not measured here).
  auto variant = [&](int kind) {
    Tensor v = x->clone();
    const int64_t w = v.dim(3);
    float* p = v.data<float>();
    const float* s = x->data<float>();
    for (int64_t i = 0; i < v.numel(); ++i) {
      if (kind == 0) p[i] = s[i - (i % w) + (w - 1 - i % w)];
      if (kind == 1) p[i] = 0.6f * s[i];
      if (kind == 2) p[i] = s[i] + 0.3f;
    }
    return v;
  };
  std::vector<std::vector<Tensor>> calib{{*x}, {variant(0)}, {variant(1)}, {variant(2)}};
  quant::CalibOptions opt;
  opt.method = {quant::CalibMethod::kMax, 1.0};
  opt.progress_every = 0;
  auto table = quant::calibrate_graph(fmodel->graph, calib, opt);
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  auto qdq = testing::load_resolved(dir + "/model.onnx");
  auto integer = testing::load_resolved(dir + "/model.onnx");
  ASSERT_TRUE(qdq.ok() && integer.ok());
  ASSERT_TRUE(quant::quantize_to_qdq(qdq->graph, *table).ok());
  ASSERT_TRUE(quant::quantize_to_qdq(integer->graph, *table).ok());
  quant::LowerQdqStats stats;
  Status s = quant::lower_qdq_to_integer(integer->graph, &stats);
  ASSERT_TRUE(s.ok()) << s.to_string();
  print_stats("squeezenet1.1", stats);
  EXPECT_GE(stats.created["QConv"], 26);
  EXPECT_GE(stats.created["QConcat"], 8);

  Totals t;
  for (int k = -1; k < 2; ++k) accumulate(qdq->graph, integer->graph, {k < 0 ? *x : variant(k)}, t);
  report("squeezenet1.1", t);
  EXPECT_LE(t.tf_max, 1) << t.tf_worst;
  EXPECT_GE(t.tf_tensors, 38);  // 26 QConv + 8 QConcat + 3 MaxPool + 1 Dropout (every Relu folded into its QConv)
  EXPECT_EQ(t.top1_agree, t.runs);
}

// A foreign uint8 asymmetric QDQ model made by ../shared/peers/setup.sh (ONNX Runtime's QDQ scheme).
TEST(LowerQdqE2E, PeersUint8QdqModelLowers) {
  const char* env = std::getenv("PEERS_WORK");
  const char* home = std::getenv("HOME");
  const std::string work = env ? env : (home ? std::string(home) + "/npukit-peers" : std::string());
  std::string path, input;
  for (const char* m : {"mobilenet_v2", "resnet18", "squeezenet1_1", "simple_cnn"}) {
    const std::string p = work + "/models/" + m + ".int8.qdq.onnx";
    if (!work.empty() && std::filesystem::exists(p)) {
      path = p;
      break;
    }
  }
  if (path.empty())
    GTEST_SKIP() << "no peers int8 QDQ model under " << work
                 << "/models (run ../shared/peers/setup.sh to create them): skipping";
  auto m = frontend::load_onnx(path);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  // No constant folding: it would turn DequantizeLinear(int8 weights) into f32 constants.
  interp::ResolveOptions ro;
  ro.fold_constants = false;
  ASSERT_TRUE(interp::resolve(*m, ro).ok());
  auto qdq = frontend::load_onnx(path);
  ASSERT_TRUE(qdq.ok() && interp::resolve(*qdq, ro).ok());
  quant::LowerQdqStats stats;
  Status s = quant::lower_qdq_to_integer(m->graph, &stats);
  ASSERT_TRUE(s.ok()) << s.to_string();
  print_stats(path, stats);
  EXPECT_GE(stats.created["QConv"], 1);
  const ir::Value* in = m->graph.inputs()[0];
  Tensor x(DType::kF32, in->shape());
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>((i * 7919) % 1000) / 500.0f - 1.0f;
  Totals t;
  accumulate(qdq->graph, m->graph, {x}, t);
  report(path, t);
  EXPECT_LE(t.tf_max, 1) << t.tf_worst;
}

}  // namespace
}  // namespace npukit
