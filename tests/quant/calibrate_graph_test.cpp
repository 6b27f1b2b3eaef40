// SPDX-License-Identifier: Apache-2.0
// Graph-level calibration (quant/calibrate_graph.h) and the calibration table (quant/calib_table.h):
// exact statistics on a hand-built graph with hand-computed values, method dispatch, mix overrides,
// skip, error cases, JSON round trip, and mnist-8 on real MNIST digits.
#include "quant/calibrate_graph.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "core/file_util.h"
#include "interp/interpreter.h"
#include "pipeline/load.h"
#include "quant/arith.h"
#include "quant/calib_table.h"
#include "util/graph_builder.h"
#include "util/mnist.h"

namespace npukit::quant {
namespace {

using ir::OpKind;
using npukit::testing::f32;
using npukit::testing::GraphBuilder;

// x[1,4] → relu = Relu(x) → dbl = Mul(relu, 2). Node "relu" outputs "relu_out", node "dbl" "dbl_out".
struct SmallModel {
  ir::Model m;
  SmallModel() {
    GraphBuilder b(m.graph);
    ir::Value* x = b.input("x", DType::kF32, {1, 4});
    ir::Node* relu = b.node(OpKind::kRelu, "relu", {x}, {"relu_out"});
    relu->origin() = {"Relu_7"};
    ir::Value* dbl = b.op(OpKind::kMul, "dbl", {relu->output(0), b.constant("two", f32({2.f}, {}))});
    b.output(dbl);
    EXPECT_TRUE(interp::resolve(m).ok());
  }
};

// Two samples. x: {-3,-1,2,4}, {1,-5,0.5,3} → min -5, max 4, |max| 5.
// relu: {0,0,2,4}, {1,0,0.5,3} → min 0, max 4.   dbl = 2 relu → min 0, max 8.
std::vector<std::vector<Tensor>> small_samples() {
  return {{f32({-3, -1, 2, 4}, {1, 4})}, {f32({1, -5, 0.5f, 3}, {1, 4})}};
}

// The same values fed straight into a HistogramObserver, for dispatch checks.
Histogram hist_of(const std::vector<float>& v) {
  HistogramObserver h;
  EXPECT_TRUE(h.observe(Tensor::from_vector<float>(v, {static_cast<int64_t>(v.size())})).ok());
  auto r = h.histogram();
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return *r;
}
const std::vector<float> kXValues = {-3, -1, 2, 4, 1, -5, 0.5f, 3};
const std::vector<float> kReluValues = {0, 0, 2, 4, 1, 0, 0.5f, 3};

CalibOptions opts(CalibMethod m, double p = 1.0) {
  CalibOptions o;
  o.method = {m, p};
  return o;
}

TEST(CalibrateGraph, MaxGivesExactStatistics) {
  SmallModel sm;
  auto t = calibrate_graph(sm.m.graph, small_samples(), opts(CalibMethod::kMax));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->method, "max");
  EXPECT_EQ(t->num_samples, 2);
  // The constant "two" is not calibrated; order = inputs, then node outputs.
  ASSERT_EQ(t->tensors.size(), 3u);
  EXPECT_EQ(t->tensors[0].name, "x");
  EXPECT_EQ(t->tensors[1].name, "relu_out");
  EXPECT_EQ(t->tensors[2].name, "dbl_out");
  const CalibTensor& x = t->tensors[0];
  EXPECT_EQ(x.producer, "");
  EXPECT_TRUE(x.origin.empty());
  // All values are small dyadic rationals: exact comparisons are intended.
  EXPECT_EQ(x.min, -5.0);
  EXPECT_EQ(x.max, 4.0);
  EXPECT_EQ(x.max_abs, 5.0);
  EXPECT_EQ(x.threshold, 5.0);
  EXPECT_EQ(x.scale, 5.0f / 127.0f);
  EXPECT_EQ(x.method, "max");
  const CalibTensor& r = t->tensors[1];
  EXPECT_EQ(r.producer, "relu");
  EXPECT_EQ(r.origin, std::vector<std::string>{"Relu_7"});
  EXPECT_EQ(r.min, 0.0);
  EXPECT_EQ(r.max, 4.0);
  EXPECT_EQ(r.threshold, 4.0);
  const CalibTensor& d = t->tensors[2];
  EXPECT_EQ(d.min, 0.0);
  EXPECT_EQ(d.max, 8.0);
  EXPECT_EQ(d.threshold, 8.0);
  EXPECT_EQ(d.scale, symmetric_scale(8.0f, 8));
  EXPECT_EQ(t->find("relu_out"), &t->tensors[1]);
  EXPECT_EQ(t->find("nope"), nullptr);
}

TEST(CalibrateGraph, SixteenBitScales) {
  SmallModel sm;
  CalibOptions o = opts(CalibMethod::kMax);
  o.bits = 16;
  auto t = calibrate_graph(sm.m.graph, small_samples(), o);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->bits, 16);
  EXPECT_EQ(t->find("dbl_out")->scale, 8.0f / 32767.0f);
}

TEST(CalibrateGraph, MethodDispatch) {
  SmallModel sm;
  const Histogram hx = hist_of(kXValues);
  const Histogram hr = hist_of(kReluValues);
  struct Case {
    CalibMethodSpec spec;
    std::string name;
    double x_thr, relu_thr;
  };
  std::vector<Case> cases = {
      {{CalibMethod::kMaxPercentile, 1.0}, "max_percentile_1", 5.0, 4.0},
      {{CalibMethod::kMaxPercentile, 0.5},
       "max_percentile_0.5",
       *threshold_percentile(hx, 0.5),
       *threshold_percentile(hr, 0.5)},
      {{CalibMethod::kKl, 1.0}, "kl", *threshold_kl(hx), *threshold_kl(hr)},
      {{CalibMethod::kMse, 1.0}, "mse", *threshold_mse(hx), *threshold_mse(hr)},
  };
  for (const Case& c : cases) {
    CalibOptions o;
    o.method = c.spec;
    auto t = calibrate_graph(sm.m.graph, small_samples(), o);
    ASSERT_TRUE(t.ok()) << c.name << ": " << t.status().to_string();
    EXPECT_EQ(t->method, c.name);
    EXPECT_EQ(t->find("x")->method, c.name);
    // Same observer, same multiset of values: the thresholds are bit-identical.
    EXPECT_EQ(t->find("x")->threshold, c.x_thr) << c.name;
    EXPECT_EQ(t->find("relu_out")->threshold, c.relu_thr) << c.name;
    EXPECT_EQ(t->find("x")->max_abs, 5.0);  // statistics do not depend on the method
  }
  // The 0.5 quantile of |x| = {3,1,2,4,1,5,.5,3} lies well below the max (interpolated in a bin).
  EXPECT_LT(*threshold_percentile(hx, 0.5), 5.0);
  // default records the chosen candidate.
  auto t = calibrate_graph(sm.m.graph, small_samples(), opts(CalibMethod::kDefault));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  auto dx = threshold_default(hx);
  ASSERT_TRUE(dx.ok());
  EXPECT_EQ(t->method, "default");
  EXPECT_EQ(t->find("x")->method, "default:" + dx->name);
  EXPECT_EQ(t->find("x")->threshold, dx->threshold);
}

TEST(CalibrateGraph, OrderOfSamplesDoesNotMatter) {
  SmallModel sm;
  auto s = small_samples();
  std::vector<std::vector<Tensor>> rev = {s[1], s[0]};
  auto a = calibrate_graph(sm.m.graph, s, opts(CalibMethod::kKl));
  auto b = calibrate_graph(sm.m.graph, rev, opts(CalibMethod::kKl));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(CalibrateGraph, MixOverridesByTensorAndNodeName) {
  SmallModel sm;
  CalibOptions o = opts(CalibMethod::kMax);
  o.overrides["x"] = {CalibMethod::kMaxPercentile, 0.5};  // tensor name
  o.overrides["dbl"] = {CalibMethod::kKl, 1.0};           // node name of tensor dbl_out
  o.overrides["relu"] = {CalibMethod::kMse, 1.0};         // node name of tensor relu_out
  auto t = calibrate_graph(sm.m.graph, small_samples(), o);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->method, "mix:max");
  EXPECT_EQ(t->find("x")->method, "max_percentile_0.5");
  EXPECT_EQ(t->find("x")->threshold, *threshold_percentile(hist_of(kXValues), 0.5));
  EXPECT_EQ(t->find("relu_out")->method, "mse");
  EXPECT_EQ(t->find("relu_out")->threshold, *threshold_mse(hist_of(kReluValues)));
  EXPECT_EQ(t->find("dbl_out")->method, "kl");
  // A tensor-name override wins over the producer's node name.
  o.overrides.clear();
  o.overrides["relu"] = {CalibMethod::kMse, 1.0};
  o.overrides["relu_out"] = {CalibMethod::kKl, 1.0};
  t = calibrate_graph(sm.m.graph, small_samples(), o);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->find("relu_out")->method, "kl");
}

TEST(CalibrateGraph, Errors) {
  SmallModel sm;
  CalibOptions o = opts(CalibMethod::kMax);
  o.overrides["no_such_node"] = {CalibMethod::kKl, 1.0};
  auto t = calibrate_graph(sm.m.graph, small_samples(), o);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(t.status().message().find("no_such_node"), std::string::npos);

  o.overrides.clear();
  o.overrides["x"] = {CalibMethod::kSkip, 1.0};
  EXPECT_EQ(calibrate_graph(sm.m.graph, small_samples(), o).status().code(), ErrorCode::kInvalidArgument);

  t = calibrate_graph(sm.m.graph, {}, opts(CalibMethod::kMax));
  EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument);
  t = calibrate_graph(sm.m.graph, small_samples(), opts(CalibMethod::kMaxPercentile, 1.5));
  EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument);
  CalibOptions bad_bits = opts(CalibMethod::kMax);
  bad_bits.bits = 4;
  EXPECT_EQ(calibrate_graph(sm.m.graph, small_samples(), bad_bits).status().code(), ErrorCode::kInvalidArgument);

  // inf in an input: the observer's kError policy names the tensor.
  const float inf = std::numeric_limits<float>::infinity();
  t = calibrate_graph(sm.m.graph, {{f32({1, inf, 2, 3}, {1, 4})}}, opts(CalibMethod::kMax));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("'x'"), std::string::npos) << t.status().message();

  // Wrong input shape: the interpreter's error with the sample index.
  t = calibrate_graph(sm.m.graph, {{f32({1, 2, 3}, {1, 3})}}, opts(CalibMethod::kMax));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("sample 1/1"), std::string::npos) << t.status().message();
}

TEST(CalibrateGraph, AllZeroTensorGetsThresholdZeroAndMinScale) {
  SmallModel sm;
  auto t = calibrate_graph(sm.m.graph, {{f32({-1, -2, -3, -4}, {1, 4})}}, opts(CalibMethod::kKl));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->find("relu_out")->threshold, 0.0);
  EXPECT_EQ(t->find("relu_out")->scale, kMinScale);
  EXPECT_EQ(t->find("x")->threshold, *threshold_kl(hist_of({-1, -2, -3, -4})));
}

TEST(CalibrateGraph, SkipUsesDeterministicRandomData) {
  SmallModel sm;
  CalibOptions o = opts(CalibMethod::kSkip);
  o.skip_samples = 3;
  auto a = calibrate_graph(sm.m.graph, {}, o);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  auto b = calibrate_graph(sm.m.graph, small_samples(), o);  // given samples are ignored
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->method, "skip");
  EXPECT_EQ(a->num_samples, 3);
  // Recompute the expected max |x| from the same generator and seeds.
  double want = 0.0;
  for (int k = 0; k < 3; ++k) {
    auto r = random_calibration_tensor(DType::kF32, {1, 4}, o.skip_seed + static_cast<uint64_t>(k) * 1000u, {});
    ASSERT_TRUE(r.ok());
    for (float v : r->to_float_vector()) want = std::max(want, std::fabs(static_cast<double>(v)));
  }
  const CalibTensor* x = a->find("x");
  EXPECT_EQ(x->method, "skip:max");
  EXPECT_EQ(x->threshold, want);
  EXPECT_LE(x->threshold, 1.0);                                                    // uniform [-1, 1)
  EXPECT_EQ(a->find("dbl_out")->threshold, 2.0 * a->find("relu_out")->threshold);  // *2 is exact
}

TEST(CalibMethodNames, ParseAndPrint) {
  for (std::string s : {"max", "kl", "mse", "default", "skip", "max_percentile_0.99995", "max_percentile_1"}) {
    auto m = parse_method(s);
    ASSERT_TRUE(m.ok()) << s;
    EXPECT_EQ(method_name(*m), s);
  }
  EXPECT_EQ(parse_method("max_percentile_0.99995")->percentile, 0.99995);
  EXPECT_EQ(parse_method("max_percentile")->percentile, 1.0);
  EXPECT_EQ(parse_method("max_percentile_2").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_method("entropy").status().code(), ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// The table artifact
// ---------------------------------------------------------------------------------------------

std::string temp_dir(const std::string& tag) {
  auto d = std::filesystem::temp_directory_path() / ("npukit_calib_" + tag + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

TEST(CalibTable, JsonRoundTripIsExact) {
  SmallModel sm;
  auto t = calibrate_graph(sm.m.graph, small_samples(), opts(CalibMethod::kDefault));
  ASSERT_TRUE(t.ok());
  // Add awkward doubles to check shortest-round-trip printing.
  t->tensors[0].threshold = 0.1 + 0.2;
  t->tensors[0].scale = symmetric_scale(static_cast<float>(t->tensors[0].threshold), 8);
  auto back = calib_table_from_json(to_json(*t));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, *t);

  const std::string dir = temp_dir("rt");
  const std::string path = dir + "/sub/calib.json";
  ASSERT_TRUE(save_calib_table(path, *t).ok());
  auto loaded = load_calib_table(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(*loaded, *t);
  std::filesystem::remove_all(dir);
}

TEST(CalibTable, LoadErrorsAreClear) {
  auto missing = load_calib_table("/nonexistent/npukit/calib.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/npukit/calib.json"), std::string::npos);

  auto e = calib_table_from_json("{not json", "t.json");
  EXPECT_EQ(e.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(e.status().message().find("t.json"), std::string::npos);

  e = calib_table_from_json(R"({"format": "other", "version": 1})", "t.json");
  EXPECT_NE(e.status().message().find("'format'"), std::string::npos) << e.status().message();

  e = calib_table_from_json(R"({"format": "npukit-calib-table", "version": 2})", "t.json");
  EXPECT_NE(e.status().message().find("version 2"), std::string::npos) << e.status().message();

  const std::string entry_missing_threshold =
      R"({"format": "npukit-calib-table", "version": 1, "method": "max", "num_samples": 1, "bits": 8,
          "tensors": [{"name": "conv_out", "producer": "conv", "origin": [], "min": 0, "max": 1,
                       "max_abs": 1, "scale": 0.01, "method": "max"}]})";
  e = calib_table_from_json(entry_missing_threshold, "t.json");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(e.status().message().find("tensors[0] ('conv_out')"), std::string::npos) << e.status().message();
  EXPECT_NE(e.status().message().find("'threshold'"), std::string::npos) << e.status().message();

  const std::string wrong_type =
      R"({"format": "npukit-calib-table", "version": 1, "method": "max", "num_samples": "1", "bits": 8,
          "tensors": []})";
  e = calib_table_from_json(wrong_type, "t.json");
  EXPECT_NE(e.status().message().find("'num_samples' has the wrong type"), std::string::npos) << e.status().message();
}

// ---------------------------------------------------------------------------------------------
// Real model: mnist-8 on the first 20 MNIST test digits.
// ---------------------------------------------------------------------------------------------

TEST(CalibrateGraph, Mnist8OnRealDigits) {
  const std::string dir = std::string(NPUKIT_SHARED_DIR) + "/models/mnist-8";
  if (!std::filesystem::exists(dir + "/model.onnx") ||
      !std::filesystem::exists(dir + "/data/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "mnist-8 model or MNIST data not found under " << dir;
  auto model = pipeline::load_model(dir + "/model.onnx");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  auto mnist = testing::load_mnist_test_set(dir);
  ASSERT_TRUE(mnist.ok()) << mnist.status().to_string();
  std::vector<std::vector<Tensor>> samples;
  // The model zoo's mnist-8 takes raw pixel values 0..255 (its test_data_set inputs span 0..255).
  for (uint32_t k = 0; k < 20; ++k) samples.push_back({mnist->digit(k)});
  auto table = calibrate_graph(model->graph, samples, opts(CalibMethod::kKl));
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  EXPECT_EQ(table->num_samples, 20);
  ASSERT_GE(table->tensors.size(), 8u);  // input + Conv/Add/Relu/MaxPool x2 + Reshape/MatMul/Add (some folded)
  for (const CalibTensor& t : table->tensors) {
    EXPECT_TRUE(std::isfinite(t.threshold) && t.threshold > 0.0) << t.name << " threshold " << t.threshold;
    EXPECT_LE(t.threshold, t.max_abs * (1.0 + 1e-12)) << t.name;  // KL never clips above the data
    EXPECT_GT(t.scale, 0.0f) << t.name;
  }
  const CalibTensor* in = table->find(model->graph.inputs()[0]->name());
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->max, 255.0);  // MNIST digits contain full-intensity pixels
  EXPECT_EQ(in->min, 0.0);
  const CalibTensor* logits = table->find(model->graph.outputs()[0]->name());
  ASSERT_NE(logits, nullptr);
  EXPECT_GT(logits->max_abs, 1.0);
  EXPECT_FALSE(logits->origin.empty());
  // Round trip of a real table.
  auto back = calib_table_from_json(to_json(*table));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *table);
}

}  // namespace
}  // namespace npukit::quant
