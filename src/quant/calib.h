// SPDX-License-Identifier: Apache-2.0
// npukit quant: calibration statistics (observers) and clipping-threshold algorithms for PTQ.
//
// Everything here is graph-agnostic: it sees one tensor at a time (core Tensor) and produces
// thresholds. The graph-level quantizer owns one observer per calibrated tensor, feeds every
// calibration batch through observe(), then asks an algorithm for the threshold.
//
// User-facing calibration types (the yaml `calibration_type`) map onto this file as follows:
//   max             threshold_max(), or threshold_percentile(p) when max_percentile p < 1
//   kl              threshold_kl()
//   default         default_candidates() + choose_min_expected_error() per tensor; the model-level
//                   (output cosine) choice among the same candidates is done by the quantizer
//   mix             the quantizer's per-node choice among default_candidates()
//   skip            max on data from random_calibration_tensor()
//   (mse)           threshold_mse(), a building block of `default`
// Asymmetric (`optimization: asymmetric`) uses range_minmax() / range_percentile();
// `per_channel: True` with max uses PerChannelMinMaxObserver / threshold_max_per_channel().
//
// Determinism: all results are pure functions of the observed multiset of values (see the
// observers' notes on batch-order independence); ties are broken towards the smaller threshold
// (KL, MSE) or the earlier candidate (chooser).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace npukit::quant {

struct BatchScan;  // calib.cpp: statistics of one batch

/// What an observer does with +-inf values.
enum class InfPolicy {
  /// observe() fails with kInvalidArgument and leaves the observer unchanged (default). An inf
  /// activation on calibration data almost always means an overflow upstream; silently using it
  /// would make max-based scales useless.
  kError,
  /// inf values are counted in inf_count() and otherwise skipped, exactly like NaN. We do not
  /// offer "clamp": clamping to FLT_MAX destroys the range, and clamping to the range seen so far
  /// would make the result depend on batch order.
  kSkip,
};

/// Streaming min / max / max|x| over calibration batches.
///
/// Exactly independent of batch order and batching (min and max are order-free on floats; a zero
/// extremum is always reported as +0.0, never -0.0, for the same reason). NaN
/// values are skipped and counted; inf follows the InfPolicy. Accepts f32, f16, f64 and every
/// integer dtype (values converted to double, which is exact for all but |int64| > 2^53).
class MinMaxObserver {
 public:
  explicit MinMaxObserver(InfPolicy inf_policy = InfPolicy::kError) : inf_policy_(inf_policy) {}

  /// Adds all elements of `t`. An empty tensor (numel 0) is accepted and changes nothing.
  /// Errors: kUnsupportedAttr for bool/string/undefined dtypes, kInvalidArgument for inf under kError.
  Status observe(const Tensor& t);
  /// Adds the statistics of another observer (as if its batches had been fed here).
  void merge(const MinMaxObserver& other);

  /// True until at least one finite value has been observed.
  bool empty() const { return count_ == 0; }
  int64_t count() const { return count_; }          ///< finite values seen
  int64_t nan_count() const { return nan_count_; }  ///< NaN values skipped
  int64_t inf_count() const { return inf_count_; }  ///< inf values skipped (InfPolicy::kSkip)
  double min() const { return min_; }               ///< meaningful only if !empty()
  double max() const { return max_; }               ///< meaningful only if !empty()
  double max_abs() const;                           ///< max(|min|, |max|); 0 if empty

 private:
  friend class PerChannelMinMaxObserver;
  friend class HistogramObserver;
  void add_scan(const BatchScan& s);

  InfPolicy inf_policy_;
  int64_t count_ = 0;
  int64_t nan_count_ = 0;
  int64_t inf_count_ = 0;
  double min_ = 0.0;
  double max_ = 0.0;
};

/// Per-channel min / max along one axis (the yaml `per_channel: True`, and weights).
///
/// The channel count is fixed by the first batch: every batch must have the same
/// rank and the same extent on `axis` (kShapeMismatch otherwise). Same NaN / inf / dtype rules
/// and the same exact batch-order independence as MinMaxObserver.
class PerChannelMinMaxObserver {
 public:
  /// `axis` may be negative (counted from the back), resolved against each batch's rank.
  explicit PerChannelMinMaxObserver(int64_t axis, InfPolicy inf_policy = InfPolicy::kError)
      : axis_(axis), inf_policy_(inf_policy) {}

  /// Adds a batch. Errors: kShapeMismatch (axis out of range, channel count changed),
  /// kUnsupportedAttr (dtype), kInvalidArgument (inf under kError). Atomic.
  Status observe(const Tensor& t);
  int64_t num_channels() const { return static_cast<int64_t>(channels_.size()); }
  /// Per-channel statistics (empty vector before the first batch).
  const std::vector<MinMaxObserver>& channels() const { return channels_; }

 private:
  int64_t axis_;
  InfPolicy inf_policy_;
  int64_t rank_ = -1;
  std::vector<MinMaxObserver> channels_;
};

/// Per-channel max |x|. Unlike threshold_max(), a channel whose values are all zero yields 0
/// (pruned filters are common; any scale represents them exactly) instead of an error. Errors:
/// kInvalidArgument if nothing was observed or some channel has no finite value.
Expected<std::vector<double>> threshold_max_per_channel(const PerChannelMinMaxObserver& obs);

/// A histogram over magnitudes, split by sign: bin i covers |x| in [i*w, (i+1)*w) with
/// w = range/num_bins; pos[i] counts x >= 0 (including +0 and -0: zeros are counted, in bin 0),
/// neg[i] counts x < 0. The magnitude histogram is pos[i] + neg[i].
///
/// Plain data so that tests (and the quantizer) can build one directly.
struct Histogram {
  double range = 0.0;         ///< upper edge of the last bin (> 0)
  std::vector<uint64_t> pos;  ///< counts of x >= 0 per magnitude bin
  std::vector<uint64_t> neg;  ///< counts of x < 0 per magnitude bin (same size as pos)
  double max_abs = 0.0;       ///< exact largest |x| (<= range)
  double min = 0.0;           ///< exact smallest x
  double max = 0.0;           ///< exact largest x

  int64_t num_bins() const { return static_cast<int64_t>(pos.size()); }
  double bin_width() const { return pos.empty() ? 0.0 : range / static_cast<double>(pos.size()); }
  uint64_t abs_count(int64_t i) const { return pos[i] + neg[i]; }
  uint64_t total() const;
  /// Checks the invariants (sizes equal and > 0, range > 0 finite, some count > 0,
  /// max_abs <= range, min <= max). Every threshold function calls it.
  Status validate() const;
};

/// Options of the HistogramObserver.
struct HistogramOptions {
  /// Number of magnitude bins; must be a power of two in [4, 2^24]. (Pairwise merging only needs
  /// an even count; a power of two additionally makes every bin edge i * range / num_bins an exact
  /// double when base_range is a power of two, and splits evenly into KL's 2^(bits-1) groups.)
  int64_t num_bins = 2048;
  /// The range is always base_range * 2^k for an integer k (possibly negative); must be finite > 0.
  double base_range = 1.0;
  InfPolicy inf_policy = InfPolicy::kError;
};

/// Streaming histogram of calibration values (see Histogram for the layout).
///
/// Range rule: the range is the smallest R = base_range * 2^k (k integer) such that the largest
/// magnitude seen falls strictly inside the last bin (|x| * num_bins / R < num_bins). When a batch
/// exceeds the range, R doubles (as often as needed) and bins 2j, 2j+1 merge into bin j. With the
/// bin index computed as floor(|x| * (num_bins / R)) in double, where num_bins / R is itself
/// (num_bins / base_range) * 2^-k, halving the scale is exact, so floor(floor(y) / 2) ==
/// floor(y / 2) makes the merged histogram identical, count for count, to binning the data at the
/// final range directly. Consequence: the histogram depends only on the multiset of observed values,
/// not on batch order or batching, for ANY base_range and input dtype. The only precondition is
/// that the range stays within [2^-1000, 2^1000] (so no product underflows or overflows a double);
/// beyond it observe() fails with kOutOfRange. The price is resolution: the data occupy between
/// num_bins/2 and num_bins bins rather than exactly num_bins (a max-sized range would be
/// order-dependent, or need the raw data kept).
///
/// Until a nonzero finite value arrives there is no range; zeros are held aside and land in bin 0
/// when the range is created. NaN is skipped and counted; inf follows the InfPolicy.
class HistogramObserver {
 public:
  explicit HistogramObserver(HistogramOptions options = {});

  /// Checks the options (kInvalidArgument); observe() reports them too, so this is optional.
  Status check_options() const;
  /// Adds all elements of `t` (empty tensors are accepted). Atomic: on error nothing changes.
  Status observe(const Tensor& t);
  /// Adds another observer's data (same options required, else kInvalidArgument). Exact.
  Status merge(const HistogramObserver& other);

  /// True until at least one finite value has been observed.
  bool empty() const { return minmax_.empty(); }
  const MinMaxObserver& minmax() const { return minmax_; }
  /// True once a nonzero finite value has been seen (a range exists).
  bool has_range() const { return !pos_.empty(); }
  /// Snapshot of the histogram. Errors: kInvalidArgument if empty() or if every value was zero
  /// (no range: no positive threshold can be derived).
  Expected<Histogram> histogram() const;

 private:
  Status add_values(const std::vector<double>& finite_values);
  void histogram_f32_pow2(const float* p, int64_t n, float scale);
  void grow_to(int k);
  double scale_for(int k) const;

  HistogramOptions options_;
  MinMaxObserver minmax_;
  int k_ = 0;                   // range = base_range * 2^k_ (valid when has_range())
  uint64_t pending_zeros_ = 0;  // zeros observed before a range existed
  std::vector<uint64_t> pos_;
  std::vector<uint64_t> neg_;
};

// ---------------------------------------------------------------------------------------------
// Symmetric thresholds. Each returns T > 0: values are clipped to [-T, T] and quantized with
// scale T / qmax (qmax = 2^(bits-1) - 1). Errors: kInvalidArgument for an empty observer /
// invalid histogram / bad parameters.
// ---------------------------------------------------------------------------------------------

/// max: the largest |x| observed (exact). Errors if empty or if every value was zero.
Expected<double> threshold_max(const MinMaxObserver& obs);
Expected<double> threshold_max(const Histogram& hist);

/// max_percentile: the p-quantile of |x| for p in (0, 1]. Counts are assumed uniformly spread
/// inside a bin, so the quantile is linearly interpolated in the bin where the cumulative count
/// reaches p * total. p == 1 returns the exact max_abs; the result never exceeds max_abs.
Expected<double> threshold_percentile(const Histogram& hist, double p);

/// Options of the KL (entropy) calibration.
struct KlOptions {
  /// Number of quantization levels the reference distribution is squeezed into: 128 for int8
  /// (the magnitudes 0..127). 0 means "derive from bits": 2^(bits-1).
  int64_t levels = 0;
  int bits = 8;
  /// Probability assigned to bins where Q is zero but P is not (Q is a probability vector).
  double epsilon = 1e-4;
};

/// kl: entropy calibration. For every candidate cut i (in bins) from `levels` to the last nonzero
/// bin + 1:
///   P = magnitude counts of bins [0, i), with everything at or above bin i added to bin i-1
///       (clipped values saturate at the threshold, so their mass ends up there);
///   Q = the UNFOLDED counts of bins [0, i) merged into `levels` contiguous groups (group g covers
///       bins [g*i/levels, (g+1)*i/levels) rounded down), each group's total then spread evenly
///       back over the bins of that group where P is nonzero (a quantizer cannot create mass where
///       there was none);
///   divergence = KL(P || Q) after normalising both, with Q = epsilon where Q is 0 but P is not.
/// Returns T = i * bin_width for the i with the smallest divergence (the smallest i on ties).
/// Building Q from the unfolded counts is what makes clipping cost something: the folded outlier
/// mass in P[i-1] has no counterpart in Q.
/// Adaptation: if levels >= the number of occupied bins (e.g. int16: 32768 levels vs 2048 bins),
/// the histogram cannot resolve the quantization error, so any clipping only adds divergence;
/// we return the exact max_abs in that case.
/// Cost: O(num_bins * levels) with prefix sums (one log per group and candidate).
Expected<double> threshold_kl(const Histogram& hist, const KlOptions& options = {});

/// Expected squared error of symmetric quantization with threshold T on the histogram's data:
/// values inside [-T, T] contribute the rounding error step^2 / 12 (step = T / qmax, values
/// assumed uniform within a step), values beyond T contribute (|x| - T)^2 with |x| uniform inside
/// its bin (bins straddling T are split proportionally). Summed over all counts (not averaged).
Expected<double> expected_sq_error(const Histogram& hist, double threshold, int bits = 8);

/// mse: the threshold minimising expected_sq_error over the bin edges T = i * bin_width
/// (i = 1 .. last occupied bin + 1) and the exact max_abs. Smallest T on ties. Note that a
/// squared-error criterion is deliberately NOT outlier-robust: a handful of far outliers can
/// outweigh the rounding error of a million inliers (see the tests for a worked example), which
/// is why `default` also offers percentiles and kl.
Expected<double> threshold_mse(const Histogram& hist, int bits = 8);

/// One candidate of the `default` search.
struct NamedThreshold {
  std::string name;  ///< "max", "percentile_0.99995", "kl", "mse", ...
  double threshold = 0.0;
};

/// The `default` candidate set, in this fixed order: max, percentile p for p in
/// {0.99999, 0.99995, 0.9999, 0.9995, 0.999} (the reference's typical max_percentile values), kl,
/// mse. Names use the shortest decimal form of p.
Expected<std::vector<NamedThreshold>> default_candidates(const Histogram& hist, int bits = 8);

/// Per-tensor stand-in for the model-level choice: the index of the candidate with the smallest
/// expected_sq_error (first on ties). Errors on an empty candidate list or a non-positive threshold.
Expected<size_t> choose_min_expected_error(const Histogram& hist, const std::vector<NamedThreshold>& candidates,
                                           int bits = 8);

/// `default` per tensor: default_candidates() then choose_min_expected_error().
Expected<NamedThreshold> threshold_default(const Histogram& hist, int bits = 8);

// ---------------------------------------------------------------------------------------------
// Asymmetric ranges. Both ends are widened to include 0 (lo <= 0 <= hi): the zero point must be
// exactly representable (zero padding, ReLU outputs). lo < hi always holds on success.
// ---------------------------------------------------------------------------------------------

/// A clipping range [lo, hi] for asymmetric quantization.
struct AsymRange {
  double lo = 0.0;
  double hi = 0.0;
};

/// [min, max] of the data, widened to contain 0. Errors if empty or all values were zero.
Expected<AsymRange> range_minmax(const MinMaxObserver& obs);
Expected<AsymRange> range_minmax(const Histogram& hist);

/// Percentile on both tails: lo = the (1-p)-quantile, hi = the p-quantile of the signed values
/// (interpolated inside bins as in threshold_percentile), then widened to contain 0. p == 1
/// gives the exact [min, max]. p in (0.5, 1].
Expected<AsymRange> range_percentile(const Histogram& hist, double p);

// ---------------------------------------------------------------------------------------------
// `skip`: reproducible random calibration data.
// ---------------------------------------------------------------------------------------------

/// Distribution of generated calibration data.
enum class RandomDist {
  kUniform,  ///< uniform in [a, b) for floats; integers uniform in [ceil(a), floor(b)] clamped to the dtype
  kNormal,   ///< normal with mean a, standard deviation b (integers: rounded half away from zero, clamped)
};

/// Parameters of random_calibration_tensor(). The reference documents only "internally generated
/// random data" for `skip`; we default to uniform [-1, 1) for floats (a normalized-input guess),
/// and callers should pass [0, 256) for uint8 image inputs.
struct RandomSpec {
  RandomDist dist = RandomDist::kUniform;
  double a = -1.0;  ///< uniform: low bound; normal: mean
  double b = 1.0;   ///< uniform: high bound (> a); normal: standard deviation (>= 0)
};

/// A tensor of `dtype` / `shape` filled from a fixed generator (SplitMix64 + Box-Muller, our own
/// code, not std::*_distribution whose output differs between standard libraries), so the same
/// (dtype, shape, seed, spec) gives the same bytes on every platform up to libm's log/cos/sqrt
/// rounding for kNormal. Supports f32, f16, f64, all integer types, bool (0/1 with p = 1/2, spec
/// ignored). Errors: kInvalidArgument for a bad spec, kOutOfRange for a bad shape,
/// kUnsupportedAttr for string/undefined.
Expected<Tensor> random_calibration_tensor(DType dtype, const Shape& shape, uint64_t seed, const RandomSpec& spec = {});

}  // namespace npukit::quant
