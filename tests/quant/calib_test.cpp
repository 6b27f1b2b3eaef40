// SPDX-License-Identifier: Apache-2.0
// Calibration observers and threshold algorithms (src/quant/calib.h): known-answer synthetic
// distributions, exact histogram re-binning, determinism, error cases, and a KL cross-check
// against an independent numpy implementation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "quant/calib.h"

namespace npukit::quant {
namespace {

Tensor f32(const std::vector<float>& v) {
  return Tensor::from_vector<float>(v, {static_cast<int64_t>(v.size())});
}

// A [n] f32 tensor from the generator (same code the `skip` path uses).
Tensor gen(int64_t n, uint64_t seed, RandomDist dist, double a, double b) {
  auto t = random_calibration_tensor(DType::kF32, {n}, seed, RandomSpec{dist, a, b});
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return *t;
}

// Elements [begin, end) of a 1-D f32 tensor as a new tensor.
Tensor slice(const Tensor& t, int64_t begin, int64_t end) {
  Tensor out(DType::kF32, {end - begin});
  std::memcpy(out.data<float>(), t.data<float>() + begin, static_cast<size_t>(end - begin) * sizeof(float));
  return out;
}

Histogram hist_of(const std::vector<Tensor>& batches, HistogramOptions opt = {}) {
  HistogramObserver obs(opt);
  for (const Tensor& b : batches) EXPECT_TRUE(obs.observe(b).ok());
  auto h = obs.histogram();
  EXPECT_TRUE(h.ok()) << h.status().to_string();
  return *h;
}

void expect_same_hist(const Histogram& a, const Histogram& b) {
  EXPECT_EQ(a.range, b.range);
  EXPECT_EQ(a.pos, b.pos);
  EXPECT_EQ(a.neg, b.neg);
  EXPECT_EQ(a.max_abs, b.max_abs);
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
}

// ---------------------------------------------------------------------------------------------
// MinMaxObserver
// ---------------------------------------------------------------------------------------------

TEST(CalibMinMax, StreamsMinMaxSkipsNan) {
  MinMaxObserver obs;
  EXPECT_TRUE(obs.empty());
  ASSERT_TRUE(obs.observe(f32({1.5f, -0.25f, std::numeric_limits<float>::quiet_NaN()})).ok());
  ASSERT_TRUE(obs.observe(f32({})).ok());  // empty batch: no change
  ASSERT_TRUE(obs.observe(f32({0.5f, -3.0f})).ok());
  EXPECT_EQ(obs.count(), 4);
  EXPECT_EQ(obs.nan_count(), 1);
  EXPECT_EQ(obs.min(), -3.0);
  EXPECT_EQ(obs.max(), 1.5);
  EXPECT_EQ(obs.max_abs(), 3.0);
  EXPECT_EQ(*threshold_max(obs), 3.0);
  auto r = range_minmax(obs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lo, -3.0);
  EXPECT_EQ(r->hi, 1.5);
}

TEST(CalibMinMax, InfIsAnErrorByDefaultAndAtomic) {
  MinMaxObserver obs;
  ASSERT_TRUE(obs.observe(f32({1.0f})).ok());
  Status st = obs.observe(f32({100.0f, std::numeric_limits<float>::infinity()}));
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(obs.max(), 1.0);  // the failing batch changed nothing (its 100 was not taken)
  EXPECT_EQ(obs.count(), 1);

  MinMaxObserver skip(InfPolicy::kSkip);
  ASSERT_TRUE(skip.observe(f32({100.0f, -std::numeric_limits<float>::infinity()})).ok());
  EXPECT_EQ(skip.inf_count(), 1);
  EXPECT_EQ(skip.count(), 1);
  EXPECT_EQ(skip.min(), 100.0);
}

TEST(CalibMinMax, DtypesAndMerge) {
  MinMaxObserver a, b;
  ASSERT_TRUE(a.observe(Tensor::from_vector<int8_t>({-128, 5})).ok());
  Tensor h(DType::kF16, {2});
  h.data<uint16_t>()[0] = f32_to_f16(0.5f);
  h.data<uint16_t>()[1] = f32_to_f16(200.0f);
  ASSERT_TRUE(b.observe(h).ok());
  a.merge(b);
  EXPECT_EQ(a.min(), -128.0);
  EXPECT_EQ(a.max(), 200.0);
  EXPECT_EQ(a.count(), 4);
  Status st = a.observe(Tensor::from_vector<bool>({true}));
  EXPECT_EQ(st.code(), ErrorCode::kUnsupportedAttr);
}

TEST(CalibMinMax, EmptyAndAllZeroAreErrors) {
  MinMaxObserver obs;
  EXPECT_EQ(threshold_max(obs).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(range_minmax(obs).status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(obs.observe(f32({0.0f, -0.0f})).ok());
  EXPECT_FALSE(obs.empty());
  EXPECT_EQ(threshold_max(obs).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(range_minmax(obs).status().code(), ErrorCode::kInvalidArgument);
}

TEST(CalibMinMax, PerChannel) {
  // Shape [2, 3, 2], channels on axis 1 (also given as -2): element (n, c, w) = v[n][c][w].
  const Tensor t = Tensor::from_vector<float>({1, -2, 0, 0, 5, 6,  //
                                               -7, 1, 0, 0, 3, -1},
                                              {2, 3, 2});
  for (int64_t axis : {1, -2}) {
    PerChannelMinMaxObserver obs(axis);
    ASSERT_TRUE(obs.observe(t).ok());
    ASSERT_EQ(obs.num_channels(), 3);
    EXPECT_EQ(obs.channels()[0].min(), -7.0);
    EXPECT_EQ(obs.channels()[0].max(), 1.0);
    EXPECT_EQ(obs.channels()[2].min(), -1.0);
    EXPECT_EQ(obs.channels()[2].max(), 6.0);
    auto th = threshold_max_per_channel(obs);
    ASSERT_TRUE(th.ok());
    EXPECT_EQ(*th, (std::vector<double>{7.0, 0.0, 6.0}));  // the all-zero channel gives 0, no error
  }
  PerChannelMinMaxObserver obs(1);
  EXPECT_EQ(threshold_max_per_channel(obs).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(obs.observe(f32({1.0f})).code(), ErrorCode::kShapeMismatch);  // rank 1 has no axis 1
  ASSERT_TRUE(obs.observe(t).ok());
  EXPECT_EQ(obs.observe(Tensor(DType::kF32, {2, 4, 2})).code(), ErrorCode::kShapeMismatch);
  Tensor with_inf = t.clone();
  with_inf.data<float>()[4] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(obs.observe(with_inf).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(obs.channels()[2].count(), 4);  // atomic: the failed batch added nothing
}

// ---------------------------------------------------------------------------------------------
// HistogramObserver
// ---------------------------------------------------------------------------------------------

TEST(CalibHistogram, HandComputedBinsAndGrowth) {
  HistogramOptions opt;
  opt.num_bins = 8;
  HistogramObserver obs(opt);
  // max 0.3 -> smallest 2^k with 0.3 * 8 / 2^k < 8 is k = -1: range 0.5, bin width 1/16.
  ASSERT_TRUE(obs.observe(f32({0.1f, -0.3f, 0.0f})).ok());
  auto h = obs.histogram();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->range, 0.5);
  EXPECT_EQ(h->pos, (std::vector<uint64_t>{1, 1, 0, 0, 0, 0, 0, 0}));  // 0 -> bin 0, 0.1*16 = 1.6 -> bin 1
  EXPECT_EQ(h->neg, (std::vector<uint64_t>{0, 0, 0, 0, 1, 0, 0, 0}));  // 0.3*16 = 4.8 -> bin 4
  // 1.5 forces range 2 (two doublings), bin width 1/4: 0 and 0.1 -> 0, 0.3 -> 1, 1.5 -> 6.
  ASSERT_TRUE(obs.observe(f32({1.5f})).ok());
  h = obs.histogram();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->range, 2.0);
  EXPECT_EQ(h->pos, (std::vector<uint64_t>{2, 0, 0, 0, 0, 0, 1, 0}));
  EXPECT_EQ(h->neg, (std::vector<uint64_t>{0, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(h->total(), 4u);
  EXPECT_EQ(h->max_abs, 1.5);
}

TEST(CalibHistogram, EdgeValueGoesToNextRange) {
  HistogramOptions opt;
  opt.num_bins = 8;
  HistogramObserver obs(opt);
  // |x| == 1.0 == base * 2^0 would index bin 8: the range must be 2 (x strictly inside).
  ASSERT_TRUE(obs.observe(f32({1.0f})).ok());
  auto h = obs.histogram();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->range, 2.0);
  EXPECT_EQ(h->pos[4], 1u);
}

TEST(CalibHistogram, ZerosBeforeRangeAreCounted) {
  HistogramOptions opt;
  opt.num_bins = 16;
  HistogramObserver obs(opt);
  ASSERT_TRUE(obs.observe(f32({0.0f, 0.0f, -0.0f})).ok());
  EXPECT_FALSE(obs.empty());
  EXPECT_FALSE(obs.has_range());
  EXPECT_EQ(obs.histogram().status().code(), ErrorCode::kInvalidArgument);  // only zeros
  ASSERT_TRUE(obs.observe(f32({-5.0f, 0.0f})).ok());
  auto h = obs.histogram();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->pos[0], 4u);  // all four zeros (including -0.0) in positive bin 0
  EXPECT_EQ(h->total(), 5u);
}

// The headline exactness property: re-binning by doubling equals binning at the final range.
TEST(CalibHistogram, BatchingAndOrderDoNotChangeTheHistogram) {
  const Tensor narrow = gen(50000, 1, RandomDist::kNormal, 0.0, 0.01);  // range ~2^-5
  const Tensor wide = gen(50000, 2, RandomDist::kNormal, 0.0, 30.0);    // range ~2^7: 12 doublings
  const Tensor mid = gen(50000, 3, RandomDist::kUniform, -1.0, 1.0);
  Tensor all(DType::kF32, {150000});
  for (int i = 0; i < 3; ++i) {
    const Tensor& s = i == 0 ? narrow : (i == 1 ? mid : wide);
    std::memcpy(all.data<float>() + i * 50000, s.data<float>(), 50000 * sizeof(float));
  }
  for (double base : {1.0, 0.3, 3.7}) {  // exactness holds for any base_range
    SCOPED_TRACE(base);
    HistogramOptions opt;
    opt.base_range = base;
    const Histogram at_once = hist_of({all}, opt);
    expect_same_hist(at_once, hist_of({narrow, mid, wide}, opt));
    expect_same_hist(at_once, hist_of({wide, mid, narrow}, opt));
    expect_same_hist(at_once, hist_of({slice(all, 0, 7), slice(all, 7, 99999), slice(all, 99999, 150000)}, opt));
    // merge() of observers fed separately is exact too.
    HistogramObserver a(opt), b(opt);
    ASSERT_TRUE(a.observe(narrow).ok());
    ASSERT_TRUE(b.observe(wide).ok());
    ASSERT_TRUE(b.observe(mid).ok());
    ASSERT_TRUE(a.merge(b).ok());
    expect_same_hist(at_once, *a.histogram());
    EXPECT_EQ(at_once.total(), 150000u);
  }
}

TEST(CalibHistogram, OptionAndInputErrors) {
  HistogramOptions bad;
  bad.num_bins = 1000;  // not a power of two
  HistogramObserver obs(bad);
  EXPECT_EQ(obs.check_options().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(obs.observe(f32({1.0f})).code(), ErrorCode::kInvalidArgument);
  HistogramOptions bad_base;
  bad_base.base_range = 0.0;
  EXPECT_EQ(HistogramObserver(bad_base).observe(f32({1.0f})).code(), ErrorCode::kInvalidArgument);

  HistogramObserver ok;
  EXPECT_EQ(ok.histogram().status().code(), ErrorCode::kInvalidArgument);  // empty
  ASSERT_TRUE(ok.observe(f32({2.0f})).ok());
  Status st = ok.observe(f32({1e30f, std::numeric_limits<float>::infinity()}));
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ok.histogram()->range, 4.0);  // atomic: the 1e30 did not grow the range
  EXPECT_EQ(ok.observe(Tensor(DType::kBool, {2})).code(), ErrorCode::kUnsupportedAttr);
  // A magnitude needing a range beyond 2^1000 (only reachable with f64 input).
  EXPECT_EQ(ok.observe(Tensor::from_vector<double>({1e305})).code(), ErrorCode::kOutOfRange);

  HistogramOptions other;
  other.num_bins = 1024;
  EXPECT_EQ(ok.merge(HistogramObserver(other)).code(), ErrorCode::kInvalidArgument);

  HistogramObserver skip(HistogramOptions{2048, 1.0, InfPolicy::kSkip});
  ASSERT_TRUE(skip.observe(f32({std::numeric_limits<float>::infinity(), std::nanf(""), 1.0f})).ok());
  EXPECT_EQ(skip.minmax().inf_count(), 1);
  EXPECT_EQ(skip.minmax().nan_count(), 1);
  EXPECT_EQ(skip.histogram()->total(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Thresholds
// ---------------------------------------------------------------------------------------------

TEST(CalibThreshold, MaxOfUniformIsExact) {
  const float a = 2.5f;
  Tensor t = gen(100000, 11, RandomDist::kUniform, -a, a);
  t.data<float>()[17] = a;  // the generator's interval is half-open; put the endpoints in
  t.data<float>()[99] = -a;
  MinMaxObserver mm;
  ASSERT_TRUE(mm.observe(t).ok());
  EXPECT_EQ(*threshold_max(mm), 2.5);
  const Histogram h = hist_of({t});
  EXPECT_EQ(*threshold_max(h), 2.5);
  EXPECT_EQ(*threshold_percentile(h, 1.0), 2.5);
  auto r = range_percentile(h, 1.0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lo, -2.5);
  EXPECT_EQ(r->hi, 2.5);
}

TEST(CalibThreshold, PercentileOfNormal) {
  // 1e6 samples of N(0, 1) in four batches. P(|x| <= t) = 0.9999 <=> t = Phi^-1(0.99995) = 3.8906.
  // Tolerance 0.1: the sampling standard error of this quantile is sqrt(p(1-p)/N) / f(t) with
  // f(t) = 2 phi(3.89) = 4.1e-4 for |x|, i.e. 1e-5 / 4.1e-4 = 0.024; 0.1 is ~4 standard errors
  // (the bin width, 8/2048 = 0.004, is negligible). The seed is fixed, so this cannot flake.
  const Tensor x = gen(1000000, 42, RandomDist::kNormal, 0.0, 1.0);
  const Histogram h = hist_of({slice(x, 0, 250000), slice(x, 250000, 500000), slice(x, 500000, 1000000)});
  EXPECT_EQ(h.range, 8.0);
  EXPECT_NEAR(*threshold_percentile(h, 0.9999), 3.8906, 0.1);
  // Median of |x| is Phi^-1(0.75) = 0.6745; standard error 1/(2 sqrt(N) f) ~ 0.0016 -> 0.01.
  EXPECT_NEAR(*threshold_percentile(h, 0.5), 0.6745, 0.01);
  // Two-tailed: lo / hi are the 0.00005 / 0.99995 quantiles of x: -+3.8906 (SE 0.034 each).
  auto r = range_percentile(h, 0.99995);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->lo, -3.8906, 0.15);
  EXPECT_NEAR(r->hi, 3.8906, 0.15);
}

TEST(CalibThreshold, PercentileInterpolatesInsideTheBin) {
  // 4 bins of width 1; |x| counts {2, 0, 6, 2} -> the 0.5 quantile (target 5) lies in bin 2,
  // 3 of its 6 counts in: 2 + 3/6 = 2.5.
  Histogram h;
  h.range = 4.0;
  h.pos = {1, 0, 3, 2};
  h.neg = {1, 0, 3, 0};
  h.max_abs = 3.9;
  h.min = -2.9;
  h.max = 3.9;
  EXPECT_DOUBLE_EQ(*threshold_percentile(h, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(*threshold_percentile(h, 0.1), 0.5);   // target 1 of 2 in bin 0
  EXPECT_DOUBLE_EQ(*threshold_percentile(h, 0.99), 3.9);  // target 9.9: 3 + 1.9/2 = 3.95, capped at max_abs
  // Signed: order is neg bin 2 (3), neg bin 0 (1), pos bin 0 (1), pos bin 2 (3), pos bin 3 (2).
  // p = 0.9: hi target 9 -> pos bin 3 after 8: 3 + 1/2 = 3.5; lo target 1 -> neg bin 2 [-3,-2): -3 + 1/3.
  auto r = range_percentile(h, 0.9);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->hi, 3.5);
  EXPECT_DOUBLE_EQ(r->lo, std::max(-2.9, -3.0 + 1.0 / 3.0));
}

TEST(CalibThreshold, KlIgnoresOutliers) {
  // N(0, 1), 1e6 samples, plus 10 outliers at +-60: max = 60, range 64, bin width 1/32. The
  // entropy threshold must ignore the outliers: < 10% of max and within a few sigma (this seed
  // gives 4.40625 = 141 bins; the bounds, not the value, are the contract).
  Tensor x = gen(1000000, 5, RandomDist::kNormal, 0.0, 1.0);
  for (int i = 0; i < 10; ++i) x.data<float>()[i * 1000] = i % 2 ? 60.0f : -60.0f;
  const Histogram h = hist_of({x});
  EXPECT_EQ(h.max_abs, 60.0);
  const double t = *threshold_kl(h);
  EXPECT_LT(t, 6.0);
  EXPECT_GT(t, 3.0);
  EXPECT_EQ(t, *threshold_kl(h));  // deterministic
  EXPECT_LT(*threshold_percentile(h, 0.9999), 6.0);
  // MSE is NOT outlier-robust, and that is right for a squared-error criterion: with N = 1e6
  // inliers, E(T) ~= N T^2 / (12 * 127^2) + 10 (60 - T)^2 (inlier clipping negligible), minimal at
  // T = 1200 / (N / 96774 + 20) = 39.56. Tolerance: one bin (1/32).
  EXPECT_NEAR(*threshold_mse(h), 39.56, 1.0 / 32);
}

TEST(CalibThreshold, KlMatchesIndependentNumpy) {
  // Histogram with an integer formula (so numpy and C++ see identical counts): Cauchy-like
  // 1e8 / (64 + j^2) on bins [0, 1500), holes at every 7th bin from 300, outliers 5 @ 1900 and
  // 3 @ 2000; 2048 bins over [0, 16). The expected thresholds were computed once with an
  // independent numpy implementation of the algorithm described in calib.h (grouping with
  // integer bounds g*i//L, Q spread over P's nonzero bins, eps = 1e-4; /usr/bin/python3, numpy),
  // which printed: levels=128: best_i=831 threshold=6.4921875 kl=0.022185568235562815;
  //                levels=32:  best_i=319 threshold=2.4921875 kl=0.07278851762166344.
  // (The runner-up candidates are 830 / 318 with KL larger by 3.6e-5 / 2.2e-4, far above rounding.)
  Histogram h;
  h.range = 16.0;
  h.pos.assign(2048, 0);
  h.neg.assign(2048, 0);
  for (uint64_t j = 0; j < 1500; ++j) {
    if (j >= 300 && j % 7 == 0) continue;
    h.pos[j] = 100000000 / (64 + j * j);
  }
  h.pos[1900] = 5;
  h.pos[2000] = 3;
  h.max_abs = 2000.5 * 16.0 / 2048.0;
  h.min = 0.0;
  h.max = h.max_abs;
  ASSERT_EQ(h.total(), 20310385u);  // numpy: h.sum()
  EXPECT_DOUBLE_EQ(*threshold_kl(h), 6.4921875);
  KlOptions l32;
  l32.levels = 32;
  EXPECT_DOUBLE_EQ(*threshold_kl(h, l32), 2.4921875);
}

TEST(CalibThreshold, KlInt16ReturnsMax) {
  const Histogram h = hist_of({gen(10000, 9, RandomDist::kNormal, 0.0, 1.0)});
  KlOptions o16;
  o16.bits = 16;  // 32768 levels > 2048 bins: documented adaptation
  EXPECT_EQ(*threshold_kl(h, o16), h.max_abs);
}

TEST(CalibThreshold, MseOfUniformIsNearMax) {
  // For U[-a, a] the expected error T^3/(12 qmax^2 a) + (a-T)^3/(3a) is minimal at
  // T = a (1 - 1/(2 qmax + 1)) = 0.996 a for int8; the bin grid (width 4/2048 = 0.08% of a)
  // only shifts it by one bin, so [0.99 a, a] is a safe band.
  const Tensor x = gen(1000000, 3, RandomDist::kUniform, -3.0, 3.0);
  const Histogram h = hist_of({x});
  const double t = *threshold_mse(h);
  EXPECT_LE(t, h.max_abs);
  EXPECT_GE(t, 0.99 * 3.0);
  EXPECT_LT(t, 0.999 * 3.0);  // it does clip a little, as the analysis says
}

TEST(CalibThreshold, ExpectedSqErrorHandComputed) {
  // Bins of width 1: two counts in bin 0 (values in [0,1]), one in bin 3 (values in [3, 3.5], the
  // bin is cut at max_abs). T = 2, int8: step 2/127, rounding error step^2/12 per inside value;
  // the outside value costs E[(x-2)^2] for x ~ U[3, 3.5] = ((1.5)^3 - 1^3) / (3 * 0.5) = 1.583333.
  Histogram h;
  h.range = 4.0;
  h.pos = {2, 0, 0, 1};
  h.neg = {0, 0, 0, 0};
  h.max_abs = 3.5;
  h.max = 3.5;
  const double step = 2.0 / 127.0;
  EXPECT_NEAR(*expected_sq_error(h, 2.0, 8), 2 * step * step / 12 + 2.375 / 1.5, 1e-12);  // double rounding only
  // T = max: no clipping, everything pays the rounding error.
  const double step_max = 3.5 / 127.0;
  EXPECT_NEAR(*expected_sq_error(h, 3.5, 8), 3 * step_max * step_max / 12, 1e-15);
  EXPECT_EQ(expected_sq_error(h, 0.0, 8).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(expected_sq_error(h, 1.0, 1).status().code(), ErrorCode::kInvalidArgument);
}

TEST(CalibThreshold, DefaultCandidatesAndChooser) {
  Tensor x = gen(200000, 8, RandomDist::kNormal, 0.0, 1.0);
  x.data<float>()[0] = 40.0f;  // one outlier: max is a poor choice
  const Histogram h = hist_of({x});
  auto c = default_candidates(h);
  ASSERT_TRUE(c.ok());
  std::vector<std::string> names;
  for (const auto& nt : *c) names.push_back(nt.name);
  EXPECT_EQ(names, (std::vector<std::string>{"max", "percentile_0.99999", "percentile_0.99995", "percentile_0.9999",
                                             "percentile_0.9995", "percentile_0.999", "kl", "mse"}));
  EXPECT_EQ((*c)[0].threshold, 40.0);
  // Percentiles are non-increasing in p.
  for (size_t k = 1; k + 1 < 6; ++k) EXPECT_GE((*c)[k].threshold, (*c)[k + 1].threshold);
  auto k = choose_min_expected_error(h, *c);
  ASSERT_TRUE(k.ok());
  // The chooser's pick really has the smallest expected error, and it is not "max".
  const double best = *expected_sq_error(h, (*c)[*k].threshold);
  for (const auto& nt : *c) EXPECT_LE(best, *expected_sq_error(h, nt.threshold)) << nt.name;
  EXPECT_NE((*c)[*k].name, "max");
  auto d = threshold_default(h);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->name, (*c)[*k].name);
  EXPECT_EQ(choose_min_expected_error(h, {}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(choose_min_expected_error(h, {{"bad", -1.0}}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(CalibThreshold, AsymmetricRangesIncludeZero) {
  MinMaxObserver pos_only;
  ASSERT_TRUE(pos_only.observe(f32({0.5f, 3.0f})).ok());
  auto r = range_minmax(pos_only);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lo, 0.0);
  EXPECT_EQ(r->hi, 3.0);
  // ReLU-like data: the lower tail is all zeros; lo must be exactly 0 and hi a percentile.
  Tensor x = gen(100000, 4, RandomDist::kNormal, 0.0, 1.0);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::max(0.0f, x.data<float>()[i]);
  const Histogram h = hist_of({x});
  auto rp = range_percentile(h, 0.999);
  ASSERT_TRUE(rp.ok());
  EXPECT_EQ(rp->lo, 0.0);
  // 0.999 quantile of max(0, N(0,1)) = Phi^-1(0.999) = 3.09 (SE ~0.04 at N=1e5 -> 0.15).
  EXPECT_NEAR(rp->hi, 3.09, 0.15);
}

TEST(CalibThreshold, ParameterErrors) {
  const Histogram h = hist_of({f32({1.0f, -2.0f})});
  for (double p : {0.0, -0.5, 1.0000001, std::nan("")}) {
    EXPECT_EQ(threshold_percentile(h, p).status().code(), ErrorCode::kInvalidArgument) << p;
  }
  EXPECT_EQ(range_percentile(h, 0.5).status().code(), ErrorCode::kInvalidArgument);  // p must exceed 0.5
  EXPECT_EQ(threshold_kl(h, KlOptions{0, 1, 1e-4}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(threshold_kl(h, KlOptions{1, 8, 1e-4}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(threshold_kl(h, KlOptions{0, 8, 0.0}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(threshold_mse(h, 40).status().code(), ErrorCode::kInvalidArgument);
  Histogram broken = h;
  broken.neg.pop_back();
  EXPECT_EQ(threshold_max(broken).status().code(), ErrorCode::kInvalidArgument);
  Histogram zero = h;
  std::fill(zero.pos.begin(), zero.pos.end(), 0);
  std::fill(zero.neg.begin(), zero.neg.end(), 0);
  EXPECT_EQ(threshold_kl(zero).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(threshold_default(Histogram{}).status().code(), ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Random calibration data (skip)
// ---------------------------------------------------------------------------------------------

TEST(CalibRandom, ReproducibleAndInRange) {
  auto a = random_calibration_tensor(DType::kF32, {2, 3, 4}, 123);
  auto b = random_calibration_tensor(DType::kF32, {2, 3, 4}, 123);
  auto c = random_calibration_tensor(DType::kF32, {2, 3, 4}, 124);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(a->bit_equal(*b));
  EXPECT_FALSE(a->bit_equal(*c));
  EXPECT_EQ(a->shape(), (Shape{2, 3, 4}));
  for (int64_t i = 0; i < a->numel(); ++i) {
    EXPECT_GE(a->data<float>()[i], -1.0f);
    EXPECT_LT(a->data<float>()[i], 1.0f);
  }
  // SplitMix64 is fully specified: pin the first value so a change of generator is noticed.
  // seed 123: first output 0xB4DC9BD462DE412B; (>> 11) * 2^-53 = 0.70649..., so -1 + 2u = 0.41299...
  EXPECT_NEAR(a->data<float>()[0], -1.0 + 2.0 * (static_cast<double>(0xB4DC9BD462DE412BULL >> 11) * 0x1.0p-53),
              1e-7);  // float rounding of the value

  auto u8 = random_calibration_tensor(DType::kU8, {10000}, 1, RandomSpec{RandomDist::kUniform, 0.0, 256.0});
  ASSERT_TRUE(u8.ok());
  int lo = 255, hi = 0;
  for (int64_t i = 0; i < u8->numel(); ++i) {
    lo = std::min<int>(lo, u8->data<uint8_t>()[i]);
    hi = std::max<int>(hi, u8->data<uint8_t>()[i]);
  }
  EXPECT_EQ(lo, 0);  // 10000 draws over 256 values hit both ends (fixed seed)
  EXPECT_EQ(hi, 255);

  auto n = random_calibration_tensor(DType::kF32, {200000}, 2, RandomSpec{RandomDist::kNormal, 1.0, 2.0});
  ASSERT_TRUE(n.ok());
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < n->numel(); ++i) {
    sum += n->data<float>()[i];
    sq += n->data<float>()[i] * static_cast<double>(n->data<float>()[i]);
  }
  const double mean = sum / 2e5, var = sq / 2e5 - mean * mean;
  EXPECT_NEAR(mean, 1.0, 0.02);  // SE of the mean 2/sqrt(2e5) = 0.0045
  EXPECT_NEAR(var, 4.0, 0.06);   // SE of the variance 4*sqrt(2/2e5) = 0.013

  auto f16 = random_calibration_tensor(DType::kF16, {8}, 5);
  ASSERT_TRUE(f16.ok());
  EXPECT_EQ(f16->dtype(), DType::kF16);
  auto bl = random_calibration_tensor(DType::kBool, {64}, 5);
  ASSERT_TRUE(bl.ok());
  for (int64_t i = 0; i < 64; ++i) EXPECT_LE(bl->data<uint8_t>()[i], 1);
}

TEST(CalibRandom, Errors) {
  EXPECT_EQ(random_calibration_tensor(DType::kF32, {4}, 0, RandomSpec{RandomDist::kUniform, 1.0, 1.0}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(random_calibration_tensor(DType::kF32, {4}, 0, RandomSpec{RandomDist::kNormal, 0.0, -1.0}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(random_calibration_tensor(DType::kU8, {4}, 0, RandomSpec{RandomDist::kUniform, 0.2, 0.9}).status().code(),
            ErrorCode::kInvalidArgument);  // no integer in [0.2, 0.9)
  EXPECT_EQ(random_calibration_tensor(DType::kString, {4}, 0).status().code(), ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(random_calibration_tensor(DType::kF32, {-1}, 0).status().code(), ErrorCode::kOutOfRange);
}

}  // namespace
}  // namespace npukit::quant
