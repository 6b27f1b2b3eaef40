// SPDX-License-Identifier: Apache-2.0
// Parallel calibration (CalibOptions::threads): the table must be IDENTICAL, bit for bit, for every
// thread count, because each worker's observers are merged exactly (power-of-two histogram ranges);
// also with the fast kernels, since every sample is computed by the same kernels whichever thread runs
// it. Plus the f32 fast path of the observers against the generic (double) path, and deterministic
// errors under threads.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "interp/interpreter.h"
#include "quant/calib.h"
#include "quant/calibrate_graph.h"
#include "util/graph_builder.h"

namespace npukit::quant {
namespace {

using ir::OpKind;
using npukit::testing::GraphBuilder;

// x[1,3,9,9] → Conv 3x3 (3→4, pad 1) → Relu → Conv 1x1 (4→5) → Add(·, Conv 1x1 of x) → MatMul-free head.
struct ConvModel {
  ir::Model m;
  ConvModel() {
    GraphBuilder b(m.graph);
    ir::Value* x = b.input("x", DType::kF32, {1, 3, 9, 9});
    auto w = [&](const char* name, Shape s, uint64_t seed) {
      auto t = random_calibration_tensor(DType::kF32, s, seed, {RandomDist::kNormal, 0.0, 0.5});
      EXPECT_TRUE(t.ok());
      return b.constant(name, *t);
    };
    Attrs pad1;
    pad1.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    ir::Value* c1 = b.op(OpKind::kConv, "conv1", {x, w("w1", {4, 3, 3, 3}, 1), w("b1", {4}, 2)}, pad1);
    ir::Value* r1 = b.op(OpKind::kRelu, "relu1", {c1});
    ir::Value* c2 = b.op(OpKind::kConv, "conv2", {r1, w("w2", {5, 4, 1, 1}, 3)});
    ir::Value* c3 = b.op(OpKind::kConv, "conv3", {x, w("w3", {5, 3, 1, 1}, 4)});
    ir::Value* sum = b.op(OpKind::kAdd, "add", {c2, c3});
    b.output(b.op(OpKind::kRelu, "relu2", {sum}));
    EXPECT_TRUE(interp::resolve(m).ok());
  }
};

// Samples with magnitudes spread over several powers of two, so the histograms' ranges grow at
// different samples in different workers and the merge must re-bin.
std::vector<std::vector<Tensor>> samples(int n) {
  std::vector<std::vector<Tensor>> out;
  for (int k = 0; k < n; ++k) {
    const double sd = std::ldexp(1.0, (k * 5) % 7 - 3);
    auto t = random_calibration_tensor(DType::kF32, {1, 3, 9, 9}, 100 + k, {RandomDist::kNormal, 0.0, sd});
    EXPECT_TRUE(t.ok());
    out.push_back({*t});
  }
  return out;
}

CalibTable calibrate(const ConvModel& model, const std::vector<std::vector<Tensor>>& data, CalibOptions opt) {
  opt.progress_every = 0;
  auto t = calibrate_graph(model.m.graph, data, opt);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? *t : CalibTable{};
}

TEST(CalibrateThreads, TableIdenticalForEveryThreadCount) {
  ConvModel model;
  const auto data = samples(9);
  for (bool fast : {true, false}) {
    for (const char* method : {"kl", "default", "max_percentile_0.999", "max"}) {
      CalibOptions opt;
      opt.method = *parse_method(method);
      opt.use_fast_kernels = fast;
      opt.threads = 1;
      const CalibTable one = calibrate(model, data, opt);
      ASSERT_EQ(one.tensors.size(), 7u);  // x, conv1, relu1, conv2, conv3, add, relu2
      for (int64_t threads : {2, 3, 16}) {
        opt.threads = threads;
        const CalibTable many = calibrate(model, data, opt);
        EXPECT_EQ(many, one) << method << (fast ? " fast" : " ref") << " threads=" << threads;
      }
    }
  }
}

TEST(CalibrateThreads, FastKernelsStayCloseToReference) {
  // Not identical (f32 vs f64 accumulation), but the max thresholds agree to float rounding.
  ConvModel model;
  const auto data = samples(4);
  CalibOptions opt;
  opt.method = *parse_method("max");
  opt.use_fast_kernels = false;
  const CalibTable ref = calibrate(model, data, opt);
  opt.use_fast_kernels = true;
  const CalibTable fast = calibrate(model, data, opt);
  ASSERT_EQ(ref.tensors.size(), fast.tensors.size());
  for (size_t i = 0; i < ref.tensors.size(); ++i) {
    // max |x| of a conv output: relative error of a 27-term f32 dot product, well below 1e-5.
    EXPECT_NEAR(fast.tensors[i].threshold, ref.tensors[i].threshold, 1e-5 * ref.tensors[i].threshold)
        << ref.tensors[i].name;
  }
}

TEST(CalibrateThreads, ErrorIsTheFirstFailingSampleWhateverTheThreadCount) {
  ConvModel model;
  auto data = samples(8);
  data[3] = {Tensor(DType::kF32, {1, 3, 9, 8})};  // wrong shape
  data[6] = {Tensor(DType::kF32, {1, 3, 8, 9})};  // also wrong: must not be the one reported
  std::string first;
  for (int64_t threads : {1, 2, 4}) {
    CalibOptions opt;
    opt.method = *parse_method("kl");
    opt.threads = threads;
    opt.progress_every = 0;
    auto t = calibrate_graph(model.m.graph, data, opt);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), ErrorCode::kShapeMismatch);
    EXPECT_NE(t.status().to_string().find("sample 4/8"), std::string::npos) << t.status().to_string();
    if (threads == 1) first = t.status().to_string();
    EXPECT_EQ(t.status().to_string(), first);
  }
}

TEST(CalibrateThreads, NegativeThreadsRejected) {
  ConvModel model;
  CalibOptions opt;
  opt.threads = -1;
  auto t = calibrate_graph(model.m.graph, samples(1), opt);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument);
}

// The observers' f32 fast path (branch-free scan + histogram) against the generic path, which an f64
// tensor holding the same values takes: identical statistics, also with NaN / inf present (kSkip).
// Sizes: below and above the vectorized power-of-two path's minimum (4 * num_bins), odd for the tail;
// base_range 3 makes the scale a non-power of two (generic double arithmetic on f32 data).
TEST(ObserverFastPath, F32MatchesGenericPath) {
  for (int64_t size : {1000, 100003})
    for (double base_range : {1.0, 3.0})
      for (bool specials : {false, true}) {
        SCOPED_TRACE(::testing::Message()
                     << "size " << size << " base_range " << base_range << " specials " << specials);
        auto t = random_calibration_tensor(DType::kF32, {size}, 7, {RandomDist::kNormal, 0.0, 3.0});
        ASSERT_TRUE(t.ok());
        Tensor f = *t;
        if (specials) {
          f.data<float>()[10] = std::numeric_limits<float>::quiet_NaN();
          f.data<float>()[20] = std::numeric_limits<float>::infinity();
          f.data<float>()[30] = -std::numeric_limits<float>::infinity();
        }
        f.data<float>()[40] = -0.f;
        for (int64_t i = 50; i < size; i += 97) f.data<float>()[i] = 0.f;  // extra zeros (bin 0), as after a ReLU
        Tensor d(DType::kF64, f.shape());
        for (int64_t i = 0; i < f.numel(); ++i) d.data<double>()[i] = f.data<float>()[i];
        HistogramOptions hopt;
        hopt.inf_policy = InfPolicy::kSkip;
        hopt.base_range = base_range;
        HistogramObserver hf(hopt), hd(hopt);
        // Twice: the second batch adds to existing bins without growing the range.
        for (int rep = 0; rep < 2; ++rep) {
          ASSERT_TRUE(hf.observe(f).ok());
          ASSERT_TRUE(hd.observe(d).ok());
        }
        auto a = hf.histogram();
        auto b = hd.histogram();
        ASSERT_TRUE(a.ok() && b.ok());
        EXPECT_EQ(a->pos, b->pos);
        EXPECT_EQ(a->neg, b->neg);
        EXPECT_EQ(a->range, b->range);
        EXPECT_EQ(a->min, b->min);
        EXPECT_EQ(a->max, b->max);
        EXPECT_EQ(hf.minmax().count(), hd.minmax().count());
        EXPECT_EQ(hf.minmax().nan_count(), specials ? 2 : 0);
        EXPECT_EQ(hf.minmax().inf_count(), specials ? 4 : 0);
      }
}

TEST(ObserverFastPath, ZeroExtremaAreAlwaysPositiveZero) {
  // ReLU-like data: min is zero. Whether -0.0 or +0.0 is met first must not matter (thread schedules).
  MinMaxObserver a, b;
  ASSERT_TRUE(a.observe(Tensor::from_vector<float>({-0.f, 0.f, 2.f}, {3})).ok());
  ASSERT_TRUE(b.observe(Tensor::from_vector<float>({0.f, -0.f, 2.f}, {3})).ok());
  EXPECT_EQ(a.min(), 0.0);
  EXPECT_FALSE(std::signbit(a.min()));
  EXPECT_FALSE(std::signbit(b.min()));
  MinMaxObserver neg;
  ASSERT_TRUE(neg.observe(Tensor::from_vector<float>({-0.f, -3.f}, {2})).ok());
  EXPECT_FALSE(std::signbit(neg.max()));
  EXPECT_EQ(neg.min(), -3.0);
}

}  // namespace
}  // namespace npukit::quant
