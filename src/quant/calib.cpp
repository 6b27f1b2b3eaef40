// SPDX-License-Identifier: Apache-2.0
// npukit quant: calibration observers (min/max, sign-split magnitude histogram) — see calib.h.
#include "quant/calib.h"

#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace npukit::quant {

// Statistics of one batch, gathered before anything is committed (observe() is atomic).
struct BatchScan {
  int64_t finite = 0;
  int64_t nan = 0;
  int64_t inf = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  /// Counts one value: NaN and inf are tallied apart, finite values extend [min, max].
  void add(double v) {
    if (std::isnan(v)) {
      ++nan;
    } else if (std::isinf(v)) {
      ++inf;
    } else {
      ++finite;
      min = std::min(min, v);
      max = std::max(max, v);
    }
  }
};

namespace {

// Calls f(double) for every element of t, converted to double. Returns false for dtypes that do
// not hold calibratable numbers.
template <class F>
bool for_each_value(const Tensor& t, F&& f) {
  // An empty tensor visits nothing but still goes through the dtype check (consistent contract).
  const int64_t n = t.empty() ? 0 : t.numel();
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* p = t.data<T>();
    for (int64_t i = 0; i < n && p; ++i) f(static_cast<double>(p[i]));
  };
  switch (t.dtype()) {
    case DType::kF32: run(float{}); return true;
    case DType::kF64: run(double{}); return true;
    case DType::kF16: {
      const uint16_t* p = t.data<uint16_t>();
      for (int64_t i = 0; i < n && p; ++i) f(static_cast<double>(f16_to_f32(p[i])));
      return true;
    }
    case DType::kI8: run(int8_t{}); return true;
    case DType::kU8: run(uint8_t{}); return true;
    case DType::kI16: run(int16_t{}); return true;
    case DType::kU16: run(uint16_t{}); return true;
    case DType::kI32: run(int32_t{}); return true;
    case DType::kU32: run(uint32_t{}); return true;
    case DType::kI64: run(int64_t{}); return true;
    case DType::kU64: run(uint64_t{}); return true;
    default: return false;
  }
}

Status unsupported_dtype(const Tensor& t) {
  return make_error(ErrorCode::kUnsupportedAttr, "calibration observer: dtype ", dtype_name(t.dtype()),
                    " is not numeric (supported: f32, f16, f64, integer types)");
}

// f32 fast path of scan_batch (the calibration hot loop: every activation of every sample). Pass 1 is
// branch-free: min/max with comparisons that skip NaN, plus a count of non-finite values; only a tensor
// that has any (rare) is rescanned exactly by BatchScan::add. Same result as the generic path.
BatchScan scan_f32(const float* p, int64_t n) {
#if defined(__SSE2__)
  {
    // minps(v, m) is `v < m ? v : m` and maxps(v, m) is `v > m ? v : m`: a NaN v leaves m unchanged,
    // exactly like the scalar loop below. Non-finite values are only detected here (|v| > FLT_MAX is
    // true for inf, and the unordered compare is true for NaN); if any, the exact scalar rescan runs.
    const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    const __m128 fmax = _mm_set1_ps(std::numeric_limits<float>::max());
    __m128 mn0 = _mm_set1_ps(std::numeric_limits<float>::infinity()), mn1 = mn0;
    __m128 mx0 = _mm_set1_ps(-std::numeric_limits<float>::infinity()), mx1 = mx0;
    __m128 bad = _mm_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m128 v0 = _mm_loadu_ps(p + i), v1 = _mm_loadu_ps(p + i + 4);
      mn0 = _mm_min_ps(v0, mn0);
      mn1 = _mm_min_ps(v1, mn1);
      mx0 = _mm_max_ps(v0, mx0);
      mx1 = _mm_max_ps(v1, mx1);
      bad = _mm_or_ps(bad, _mm_cmpnle_ps(_mm_and_ps(v0, abs_mask), fmax));
      bad = _mm_or_ps(bad, _mm_cmpnle_ps(_mm_and_ps(v1, abs_mask), fmax));
    }
    float mn[8], mx[8];
    _mm_storeu_ps(mn, mn0);
    _mm_storeu_ps(mn + 4, mn1);
    _mm_storeu_ps(mx, mx0);
    _mm_storeu_ps(mx + 4, mx1);
    bool any_bad = _mm_movemask_ps(bad) != 0;
    for (; i < n; ++i) {
      const float v = p[i];
      mn[0] = v < mn[0] ? v : mn[0];
      mx[0] = v > mx[0] ? v : mx[0];
      any_bad = any_bad || !(std::fabs(v) <= std::numeric_limits<float>::max());
    }
    BatchScan s;
    if (any_bad) {
      for (int64_t j = 0; j < n; ++j) s.add(static_cast<double>(p[j]));
      return s;
    }
    s.finite = n;
    for (int l = 0; l < 8; ++l) {
      s.min = std::min(s.min, static_cast<double>(mn[l]));
      s.max = std::max(s.max, static_cast<double>(mx[l]));
    }
    return s;
  }
#endif
  constexpr int kLanes = 8;
  float mn[kLanes], mx[kLanes];
  int64_t bad[kLanes] = {};
  for (int l = 0; l < kLanes; ++l) {
    mn[l] = std::numeric_limits<float>::infinity();
    mx[l] = -std::numeric_limits<float>::infinity();
  }
  const float fmax = std::numeric_limits<float>::max();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const float v = p[i + l];
      mn[l] = v < mn[l] ? v : mn[l];
      mx[l] = v > mx[l] ? v : mx[l];
      bad[l] += !(std::fabs(v) <= fmax);  // NaN or inf
    }
  }
  for (; i < n; ++i) {
    const float v = p[i];
    mn[0] = v < mn[0] ? v : mn[0];
    mx[0] = v > mx[0] ? v : mx[0];
    bad[0] += !(std::fabs(v) <= fmax);
  }
  BatchScan s;
  int64_t nonfinite = 0;
  for (int l = 0; l < kLanes; ++l) nonfinite += bad[l];
  if (nonfinite > 0) {
    for (int64_t j = 0; j < n; ++j) s.add(static_cast<double>(p[j]));
    return s;
  }
  s.finite = n;
  for (int l = 0; l < kLanes; ++l) {
    s.min = std::min(s.min, static_cast<double>(mn[l]));
    s.max = std::max(s.max, static_cast<double>(mx[l]));
  }
  return s;
}

Expected<BatchScan> scan_batch(const Tensor& t, InfPolicy policy) {
  BatchScan s;
  if (t.dtype() == DType::kF32) {
    s = scan_f32(t.data<float>(), t.empty() ? 0 : t.numel());
  } else {
    const bool ok = for_each_value(t, [&](double v) { s.add(v); });
    if (!ok) return unsupported_dtype(t);
  }
  // -0.0 and +0.0 compare equal, so which one min/max keep would depend on the visiting order (and on
  // the thread that saw them first); adding +0.0 turns -0.0 into +0.0 and leaves every other value alone.
  if (s.finite > 0) {
    s.min += 0.0;
    s.max += 0.0;
  }
  if (s.inf > 0 && policy == InfPolicy::kError) {
    return make_error(ErrorCode::kInvalidArgument, "calibration data contains ", s.inf,
                      " infinite value(s) (overflow upstream?); use InfPolicy::kSkip to ignore them");
  }
  return s;
}

bool is_pow2(int64_t v) {
  return v > 0 && (v & (v - 1)) == 0;
}

// Range exponent limits: keep range, num_bins / range and every |x| * scale comfortably normal.
constexpr int kMinRangeExp = -1000;
constexpr int kMaxRangeExp = 1000;

}  // namespace

// ----------------------------------------------------------------------------------------------
// MinMaxObserver
// ----------------------------------------------------------------------------------------------

Status MinMaxObserver::observe(const Tensor& t) {
  NPUKIT_ASSIGN_OR_RETURN(BatchScan s, scan_batch(t, inf_policy_));
  add_scan(s);
  return Status::Ok();
}

void MinMaxObserver::add_scan(const BatchScan& s) {
  nan_count_ += s.nan;
  inf_count_ += s.inf;
  if (s.finite > 0) {
    min_ = count_ == 0 ? s.min : std::min(min_, s.min);
    max_ = count_ == 0 ? s.max : std::max(max_, s.max);
    count_ += s.finite;
  }
}

void MinMaxObserver::merge(const MinMaxObserver& other) {
  nan_count_ += other.nan_count_;
  inf_count_ += other.inf_count_;
  if (other.count_ == 0) return;
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
}

double MinMaxObserver::max_abs() const {
  if (count_ == 0) return 0.0;
  return std::max(std::fabs(min_), std::fabs(max_));
}

// ----------------------------------------------------------------------------------------------
// PerChannelMinMaxObserver
// ----------------------------------------------------------------------------------------------

Status PerChannelMinMaxObserver::observe(const Tensor& t) {
  const int64_t rank = static_cast<int64_t>(t.rank());
  const int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
  if (axis < 0 || axis >= rank) {
    return make_error(ErrorCode::kShapeMismatch, "per-channel observer: axis ", axis_, " is out of range for shape ",
                      shape_str(t.shape()));
  }
  const int64_t c = t.dim(static_cast<size_t>(axis));
  if (rank_ >= 0 && (rank != rank_ || c != num_channels())) {
    return make_error(ErrorCode::kShapeMismatch, "per-channel observer: batch shape ", shape_str(t.shape()),
                      " does not match the first batch (rank ", rank_, ", ", num_channels(), " channels)");
  }
  NPUKIT_ASSIGN_OR_RETURN(BatchScan all, scan_batch(t, inf_policy_));  // dtype / inf checks first: atomic
  (void)all;
  // Element e belongs to channel (e / inner) % c with inner = product of dims after axis.
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < rank; ++d) inner *= t.dim(static_cast<size_t>(d));
  std::vector<BatchScan> per(static_cast<size_t>(c));
  int64_t e = 0;
  for_each_value(t, [&](double v) { per[static_cast<size_t>((e++ / inner) % c)].add(v); });
  if (rank_ < 0) {
    rank_ = rank;
    channels_.assign(static_cast<size_t>(c), MinMaxObserver(inf_policy_));
  }
  for (int64_t k = 0; k < c; ++k) channels_[static_cast<size_t>(k)].add_scan(per[static_cast<size_t>(k)]);
  return Status::Ok();
}

Expected<std::vector<double>> threshold_max_per_channel(const PerChannelMinMaxObserver& obs) {
  if (obs.num_channels() == 0) return make_error(ErrorCode::kInvalidArgument, "per-channel max: nothing observed");
  std::vector<double> out;
  out.reserve(obs.channels().size());
  for (size_t k = 0; k < obs.channels().size(); ++k) {
    const MinMaxObserver& ch = obs.channels()[k];
    if (ch.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "per-channel max: channel ", k, " has no finite value");
    }
    out.push_back(ch.max_abs());
  }
  return out;
}

// ----------------------------------------------------------------------------------------------
// Histogram
// ----------------------------------------------------------------------------------------------

uint64_t Histogram::total() const {
  uint64_t s = 0;
  for (size_t i = 0; i < pos.size() && i < neg.size(); ++i) s += pos[i] + neg[i];
  return s;
}

Status Histogram::validate() const {
  if (pos.empty() || pos.size() != neg.size()) {
    return make_error(ErrorCode::kInvalidArgument, "histogram: pos/neg must have the same nonzero size (got ",
                      pos.size(), " and ", neg.size(), ")");
  }
  if (!(range > 0.0) || !std::isfinite(range)) {
    return make_error(ErrorCode::kInvalidArgument, "histogram: range must be finite and > 0 (got ", range, ")");
  }
  if (total() == 0) return make_error(ErrorCode::kInvalidArgument, "histogram: no counts (empty observer)");
  if (!(max_abs >= 0.0) || max_abs > range || !(min <= max) || std::fabs(min) > range || std::fabs(max) > range) {
    return make_error(ErrorCode::kInvalidArgument, "histogram: inconsistent extrema (min ", min, ", max ", max,
                      ", max_abs ", max_abs, ", range ", range, ")");
  }
  return Status::Ok();
}

// ----------------------------------------------------------------------------------------------
// HistogramObserver
// ----------------------------------------------------------------------------------------------

HistogramObserver::HistogramObserver(HistogramOptions options) : options_(options), minmax_(options.inf_policy) {}

Status HistogramObserver::check_options() const {
  if (!is_pow2(options_.num_bins) || options_.num_bins < 4 || options_.num_bins > (int64_t{1} << 24)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "histogram observer: num_bins must be a power of two in [4, 2^24], got ", options_.num_bins);
  }
  if (!(options_.base_range > 0.0) || !std::isfinite(options_.base_range)) {
    return make_error(ErrorCode::kInvalidArgument, "histogram observer: base_range must be finite and > 0, got ",
                      options_.base_range);
  }
  return Status::Ok();
}

// num_bins / range for range = base_range * 2^k. Defined as (num_bins / base_range) * 2^-k so that
// stepping k halves the scale exactly (the basis of exact re-binning, see calib.h).
double HistogramObserver::scale_for(int k) const {
  return std::ldexp(static_cast<double>(options_.num_bins) / options_.base_range, -k);
}

void HistogramObserver::grow_to(int k) {
  const size_t n = pos_.size();
  while (k_ < k) {
    // Doubling the range: old bins 2j and 2j+1 become new bin j; the upper half empties.
    for (size_t j = 0; j < n / 2; ++j) {
      pos_[j] = pos_[2 * j] + pos_[2 * j + 1];
      neg_[j] = neg_[2 * j] + neg_[2 * j + 1];
    }
    std::fill(pos_.begin() + static_cast<std::ptrdiff_t>(n / 2), pos_.end(), 0);
    std::fill(neg_.begin() + static_cast<std::ptrdiff_t>(n / 2), neg_.end(), 0);
    ++k_;
  }
}

Status HistogramObserver::observe(const Tensor& t) {
  NPUKIT_RETURN_IF_ERROR(check_options());
  NPUKIT_ASSIGN_OR_RETURN(BatchScan s, scan_batch(t, options_.inf_policy));
  const double nb = static_cast<double>(options_.num_bins);
  const double batch_max_abs = s.finite > 0 ? std::max(std::fabs(s.min), std::fabs(s.max)) : 0.0;

  // Decide the exponent the histogram needs after this batch (before committing anything).
  int new_k = k_;
  bool need_range = false;
  if (batch_max_abs > 0.0) {
    const auto fits = [&](int k) { return batch_max_abs * scale_for(k) < nb; };
    if (!has_range()) {
      // Minimal k with batch_max_abs * scale_for(k) < num_bins. `fits` is monotone in k (the
      // product halves exactly per step), so start near log2 and walk to the boundary.
      int k = static_cast<int>(std::ceil(std::log2(batch_max_abs / options_.base_range)));
      k = std::clamp(k, kMinRangeExp - 1, kMaxRangeExp + 1);
      while (k > kMinRangeExp - 1 && fits(k - 1)) --k;
      while (k <= kMaxRangeExp + 1 && !fits(k)) ++k;
      new_k = k;
      need_range = true;
    } else {
      while (new_k <= kMaxRangeExp + 1 && !fits(new_k)) ++new_k;
    }
    if (new_k < kMinRangeExp || new_k > kMaxRangeExp) {
      return make_error(ErrorCode::kOutOfRange, "histogram observer: magnitude ", batch_max_abs,
                        " needs a range outside base_range * 2^[", kMinRangeExp, ", ", kMaxRangeExp, "]");
    }
  }

  // Commit.
  minmax_.add_scan(s);
  if (need_range) {
    pos_.assign(static_cast<size_t>(options_.num_bins), 0);
    neg_.assign(static_cast<size_t>(options_.num_bins), 0);
    k_ = new_k;
    pos_[0] += pending_zeros_;
    pending_zeros_ = 0;
  } else if (has_range()) {
    grow_to(new_k);
  }
  if (!has_range()) {
    // Only zeros (or nothing finite) so far: keep them aside until a range exists.
    pending_zeros_ += static_cast<uint64_t>(s.finite);
    return Status::Ok();
  }
  const double scale = scale_for(k_);
  const size_t last = pos_.size() - 1;
  if (t.dtype() == DType::kF32 && s.nan == 0 && s.inf == 0) {
    // Hot path: every value is finite.
    const float* p = t.data<float>();
    const int64_t n = t.numel();
    int exp = 0;
    const bool pow2_scale = std::frexp(scale, &exp) == 0.5 && exp > -100 && exp < 100;
    if (pow2_scale && n >= 4 * options_.num_bins) {
      histogram_f32_pow2(p, n, static_cast<float>(scale));
      return Status::Ok();
    }
    // Same bin arithmetic as below (|v| widened to double exactly); the sign picks the counter
    // array without a branch (conv outputs are ~half negative).
    uint64_t* const counts[2] = {pos_.data(), neg_.data()};
    for (int64_t i = 0; i < n; ++i) {
      const float v = p[i];
      const auto idx =
          std::min(static_cast<int64_t>(static_cast<double>(std::fabs(v)) * scale), static_cast<int64_t>(last));
      ++counts[v < 0.f][idx];
    }
    return Status::Ok();
  }
  for_each_value(t, [&](double v) {
    if (!std::isfinite(v)) return;
    // floor(|v| * scale) < num_bins by construction of k_; the min() only guards the invariant.
    const size_t idx = std::min(static_cast<size_t>(std::fabs(v) * scale), last);
    if (v < 0.0) {
      ++neg_[idx];
    } else {
      ++pos_[idx];
    }
  });
  return Status::Ok();
}

// Bins finite f32 values when scale = num_bins / range is a power of two (always so for the default
// base_range 1). Then |v| * scale is exact in float as in double (a power-of-two product only rounds when
// it is subnormal, i.e. far inside bin 0), so the bins equal the generic path's. Counting goes to two
// interleaved uint32 tables (pos | neg each) in L1: alternating tables halves the store-to-load chain on
// runs of one bin (ReLU zeros); they are added to the uint64 counters at the end of each chunk.
void HistogramObserver::histogram_f32_pow2(const float* p, int64_t n, float scale) {
  const int64_t nb = options_.num_bins;
  std::vector<uint32_t> tab(static_cast<size_t>(4 * nb));
  uint32_t* const t0 = tab.data();
  uint32_t* const t1 = t0 + 2 * nb;
  const float lastf = static_cast<float>(nb - 1);
  // Each table receives at most half of a chunk: keep that below 2^32.
  constexpr int64_t kChunk = int64_t{1} << 31;
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t c1 = std::min(n, c0 + kChunk);
    int64_t i = c0;
#if defined(__SSE2__)
    const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    const __m128 vscale = _mm_set1_ps(scale), vlast = _mm_set1_ps(lastf), zero = _mm_setzero_ps();
    const __m128i vnb = _mm_set1_epi32(static_cast<int32_t>(nb));
    alignas(16) int32_t idx[8];
    for (; i + 8 <= c1; i += 8) {
      const __m128 v0 = _mm_loadu_ps(p + i), v1 = _mm_loadu_ps(p + i + 4);
      // min() before truncation equals min() after it, since lastf is an integer.
      const __m128i b0 = _mm_cvttps_epi32(_mm_min_ps(_mm_mul_ps(_mm_and_ps(v0, abs_mask), vscale), vlast));
      const __m128i b1 = _mm_cvttps_epi32(_mm_min_ps(_mm_mul_ps(_mm_and_ps(v1, abs_mask), vscale), vlast));
      // x < 0 (so -0.0 counts as positive, like the generic path) selects the neg half.
      const __m128i n0 = _mm_and_si128(_mm_castps_si128(_mm_cmplt_ps(v0, zero)), vnb);
      const __m128i n1 = _mm_and_si128(_mm_castps_si128(_mm_cmplt_ps(v1, zero)), vnb);
      _mm_store_si128(reinterpret_cast<__m128i*>(idx), _mm_add_epi32(b0, n0));
      _mm_store_si128(reinterpret_cast<__m128i*>(idx + 4), _mm_add_epi32(b1, n1));
      ++t0[idx[0]];
      ++t1[idx[1]];
      ++t0[idx[2]];
      ++t1[idx[3]];
      ++t0[idx[4]];
      ++t1[idx[5]];
      ++t0[idx[6]];
      ++t1[idx[7]];
    }
#endif
    for (; i < c1; ++i) {
      const float v = p[i];
      const auto b = static_cast<int64_t>(std::min(std::fabs(v) * scale, lastf));
      ++t0[b + (v < 0.f ? nb : 0)];
    }
    for (int64_t j = 0; j < nb; ++j) {
      pos_[static_cast<size_t>(j)] += uint64_t{t0[j]} + t1[j];
      neg_[static_cast<size_t>(j)] += uint64_t{t0[nb + j]} + t1[nb + j];
    }
    std::fill(tab.begin(), tab.end(), 0u);
  }
}

Status HistogramObserver::merge(const HistogramObserver& other) {
  if (other.options_.num_bins != options_.num_bins || other.options_.base_range != options_.base_range) {
    return make_error(ErrorCode::kInvalidArgument, "histogram observer merge: options differ (num_bins ",
                      options_.num_bins, " vs ", other.options_.num_bins, ", base_range ", options_.base_range, " vs ",
                      other.options_.base_range, ")");
  }
  minmax_.merge(other.minmax_);
  if (!other.has_range()) {
    if (has_range()) {
      pos_[0] += other.pending_zeros_;
    } else {
      pending_zeros_ += other.pending_zeros_;
    }
    return Status::Ok();
  }
  if (!has_range()) {
    const uint64_t zeros = pending_zeros_;
    pos_ = other.pos_;
    neg_ = other.neg_;
    k_ = other.k_;
    pending_zeros_ = 0;
    pos_[0] += zeros;
    return Status::Ok();
  }
  // Bring both to the larger exponent, then add bin by bin.
  HistogramObserver tmp = other;
  tmp.grow_to(k_);
  grow_to(tmp.k_);
  for (size_t i = 0; i < pos_.size(); ++i) {
    pos_[i] += tmp.pos_[i];
    neg_[i] += tmp.neg_[i];
  }
  return Status::Ok();
}

Expected<Histogram> HistogramObserver::histogram() const {
  if (empty())
    return make_error(ErrorCode::kInvalidArgument, "histogram observer is empty (no finite values observed)");
  if (!has_range()) {
    return make_error(ErrorCode::kInvalidArgument, "histogram observer saw only zeros (", minmax_.count(),
                      " values): no positive threshold exists");
  }
  Histogram h;
  h.range = std::ldexp(options_.base_range, k_);
  h.pos = pos_;
  h.neg = neg_;
  h.max_abs = minmax_.max_abs();
  h.min = minmax_.min();
  h.max = minmax_.max();
  return h;
}

}  // namespace npukit::quant
