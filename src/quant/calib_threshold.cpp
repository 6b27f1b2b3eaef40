// SPDX-License-Identifier: Apache-2.0
// npukit quant: threshold algorithms over calibration statistics (max, percentile, KL, MSE,
// the `default` candidate set, asymmetric ranges) — see calib.h for the contracts.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "quant/calib.h"

namespace npukit::quant {
namespace {

Status check_bits(int bits) {
  if (bits < 2 || bits > 32) {
    return make_error(ErrorCode::kInvalidArgument, "calibration: bits must be in [2, 32], got ", bits);
  }
  return Status::Ok();
}

double qmax_for(int bits) {
  return std::ldexp(1.0, bits - 1) - 1.0;
}

Status check_percentile(double p, double lo_exclusive) {
  if (!(p > lo_exclusive && p <= 1.0)) {
    return make_error(ErrorCode::kInvalidArgument, "calibration: percentile must be in (", lo_exclusive, ", 1], got ",
                      p);
  }
  return Status::Ok();
}

// Index of the last bin with a nonzero magnitude count (validate() guarantees one exists).
int64_t last_occupied(const Histogram& h) {
  for (int64_t i = h.num_bins() - 1; i >= 0; --i) {
    if (h.abs_count(i) != 0) return i;
  }
  return 0;
}

// Quantile of the signed values for u in [0, 1]: bins are walked from the most negative
// magnitude bin up to the most positive one; inside the bin where the cumulative count reaches
// u * total, the position is interpolated linearly (counts assumed uniform in the bin).
double signed_quantile(const Histogram& h, double u) {
  const double w = h.bin_width();
  const double target = u * static_cast<double>(h.total());
  const int64_t n = h.num_bins();
  double cum = 0.0;
  for (int64_t i = n - 1; i >= 0; --i) {  // negative side: bin i covers [-(i+1)w, -iw)
    const double c = static_cast<double>(h.neg[i]);
    if (c > 0.0 && cum + c >= target) {
      return -static_cast<double>(i + 1) * w + (target - cum) / c * w;
    }
    cum += c;
  }
  for (int64_t i = 0; i < n; ++i) {  // positive side: bin i covers [iw, (i+1)w)
    const double c = static_cast<double>(h.pos[i]);
    if (c > 0.0 && cum + c >= target) {
      return static_cast<double>(i) * w + (target - cum) / c * w;
    }
    cum += c;
  }
  return h.max;  // u == 1 with rounding in the cumulative sum
}

// One bin's contribution to expected_sq_error. The bin's values are taken as uniform on [lo, hi]
// (a point mass when hi == lo).
double bin_sq_error(double count, double lo, double hi, double t, double round_err) {
  if (count == 0.0) return 0.0;
  if (hi <= lo) return count * (lo <= t ? round_err : (lo - t) * (lo - t));
  const double len = hi - lo;
  const double inside = std::clamp((std::min(hi, t) - lo) / len, 0.0, 1.0);
  double e = count * inside * round_err;
  if (t < hi) {
    const double a = std::max(lo, t);
    e += count * ((hi - t) * (hi - t) * (hi - t) - (a - t) * (a - t) * (a - t)) / (3.0 * len);
  }
  return e;
}

// Upper end of bin i's value interval: the bin edge, except that the bin holding max_abs cannot
// contain anything beyond max_abs.
double bin_hi(const Histogram& h, int64_t i) {
  return std::min(static_cast<double>(i + 1) * h.bin_width(), h.max_abs);
}

std::string percentile_name(double p) {
  std::ostringstream os;
  os << "percentile_" << p;
  return os.str();
}

}  // namespace

Expected<double> threshold_max(const MinMaxObserver& obs) {
  if (obs.empty()) return make_error(ErrorCode::kInvalidArgument, "threshold max: observer is empty");
  if (obs.max_abs() == 0.0) {
    return make_error(ErrorCode::kInvalidArgument, "threshold max: every observed value is zero");
  }
  return obs.max_abs();
}

Expected<double> threshold_max(const Histogram& hist) {
  NPUKIT_RETURN_IF_ERROR(hist.validate());
  if (hist.max_abs == 0.0) return make_error(ErrorCode::kInvalidArgument, "threshold max: every value is zero");
  return hist.max_abs;
}

Expected<double> threshold_percentile(const Histogram& hist, double p) {
  NPUKIT_RETURN_IF_ERROR(check_percentile(p, 0.0));
  NPUKIT_ASSIGN_OR_RETURN(double max_abs, threshold_max(hist));
  if (p == 1.0) return max_abs;
  const double w = hist.bin_width();
  const double target = p * static_cast<double>(hist.total());
  double cum = 0.0;
  for (int64_t i = 0; i < hist.num_bins(); ++i) {
    const double c = static_cast<double>(hist.abs_count(i));
    if (c > 0.0 && cum + c >= target) {
      // target > 0, so the interpolated point is > 0 even inside bin 0.
      return std::min(max_abs, (static_cast<double>(i) + (target - cum) / c) * w);
    }
    cum += c;
  }
  return max_abs;
}

Expected<double> threshold_kl(const Histogram& hist, const KlOptions& options) {
  NPUKIT_RETURN_IF_ERROR(check_bits(options.bits));
  NPUKIT_ASSIGN_OR_RETURN(double max_abs, threshold_max(hist));
  const int64_t levels = options.levels == 0 ? (int64_t{1} << (options.bits - 1)) : options.levels;
  if (levels < 2) return make_error(ErrorCode::kInvalidArgument, "threshold kl: levels must be >= 2, got ", levels);
  if (!(options.epsilon > 0.0 && options.epsilon < 1.0)) {
    return make_error(ErrorCode::kInvalidArgument, "threshold kl: epsilon must be in (0, 1), got ", options.epsilon);
  }
  const int64_t occupied = last_occupied(hist) + 1;
  if (levels >= occupied) return max_abs;  // documented adaptation (int16, or very narrow data)

  // Prefix sums make every candidate O(levels) instead of O(i):
  //   KL = sum_j p_j log p_j - sum_g (sum_{j in g, P_j > 0} p_j) log q_g
  // because Q is constant (q_g) on the nonzero-P bins of a group g. With p_j = P_j / N and
  // sum_j P_j = N, the first term is (sum_j P_j log P_j) / N - log N, where P differs from the raw
  // counts only in bin i-1; the second needs per-group counts and nonzero-bin counts.
  const size_t m = static_cast<size_t>(occupied);
  std::vector<double> h(m);
  for (size_t j = 0; j < m; ++j) h[j] = static_cast<double>(hist.abs_count(static_cast<int64_t>(j)));
  // Bin 0 is left out of the divergence: its values quantize to code 0 (within half a step) for every
  // candidate, so they carry no information about the cut — but a large spike there (ReLU outputs are
  // often half zeros) spread over group 0's bins by Q would dominate the divergence and push the cut
  // towards the smallest candidates, clipping most of the real range.
  h[0] = 0.0;
  double total = 0.0;
  for (size_t j = 0; j < m; ++j) total += h[j];
  if (total <= 0.0) return max_abs;
  const double log_total = std::log(total);
  std::vector<double> pre_h(m + 1, 0.0), pre_hlogh(m + 1, 0.0);
  std::vector<int64_t> pre_nz(m + 1, 0);
  for (size_t j = 0; j < m; ++j) {
    pre_h[j + 1] = pre_h[j] + h[j];
    pre_hlogh[j + 1] = pre_hlogh[j] + (h[j] > 0.0 ? h[j] * std::log(h[j]) : 0.0);
    pre_nz[j + 1] = pre_nz[j] + (h[j] > 0.0 ? 1 : 0);
  }
  const double log_eps = std::log(options.epsilon);

  double best_kl = std::numeric_limits<double>::infinity();
  int64_t best_i = occupied;
  for (int64_t i = levels; i <= occupied; ++i) {
    const double tail = total - pre_h[i];  // clipped mass, folded into P[i-1]
    const double q_total = pre_h[i];       // Q is built from the unfolded bins [0, i)
    const double h_last = h[i - 1];
    const double p_last = h_last + tail;
    double plogp = pre_hlogh[i - 1] + (p_last > 0.0 ? p_last * std::log(p_last) : 0.0);
    double kl = plogp / total - log_total;
    for (int64_t g = 0; g < levels; ++g) {
      // Group g covers bins [g*i/levels, (g+1)*i/levels); every group has >= 1 bin since i >= levels.
      const int64_t start = g * i / levels;
      const int64_t stop = (g + 1) * i / levels;
      const double group_sum = pre_h[stop] - pre_h[start];
      int64_t nonzero = pre_nz[stop] - pre_nz[start];
      double p_mass = group_sum;  // sum of P over the group (all of it sits on nonzero-P bins)
      if (stop == i) {
        p_mass += tail;
        if (h_last == 0.0 && tail > 0.0) ++nonzero;  // bin i-1 became nonzero by folding
      }
      if (p_mass <= 0.0) continue;
      const double log_q =
          (group_sum > 0.0 && q_total > 0.0) ? std::log(group_sum / static_cast<double>(nonzero) / q_total) : log_eps;
      kl -= p_mass / total * log_q;
    }
    if (kl < best_kl) {
      best_kl = kl;
      best_i = i;
    }
  }
  return std::min(static_cast<double>(best_i) * hist.bin_width(), max_abs);
}

Expected<double> expected_sq_error(const Histogram& hist, double threshold, int bits) {
  NPUKIT_RETURN_IF_ERROR(check_bits(bits));
  NPUKIT_RETURN_IF_ERROR(hist.validate());
  if (!(threshold > 0.0) || !std::isfinite(threshold)) {
    return make_error(ErrorCode::kInvalidArgument, "expected_sq_error: threshold must be finite and > 0, got ",
                      threshold);
  }
  const double step = threshold / qmax_for(bits);
  const double round_err = step * step / 12.0;
  const double w = hist.bin_width();
  double e = 0.0;
  for (int64_t i = 0; i < hist.num_bins(); ++i) {
    const double c = static_cast<double>(hist.abs_count(i));
    if (c == 0.0) continue;
    e += bin_sq_error(c, static_cast<double>(i) * w, bin_hi(hist, i), threshold, round_err);
  }
  return e;
}

Expected<double> threshold_mse(const Histogram& hist, int bits) {
  NPUKIT_RETURN_IF_ERROR(check_bits(bits));
  NPUKIT_ASSIGN_OR_RETURN(double max_abs, threshold_max(hist));
  const double w = hist.bin_width();
  const double qmax = qmax_for(bits);
  const int64_t occupied = last_occupied(hist) + 1;
  // For T = i*w every bin j < i lies inside and every bin j >= i lies outside, so
  //   E(i) = prefix_count(i) * (T/qmax)^2 / 12 + sum_{j>=i} c_j * ((mean_j - T)^2 + var_j)
  // and the tail is S2 - 2 T S1 + T^2 S0 with suffix sums S0 = sum c, S1 = sum c*mean,
  // S2 = sum c*(mean^2 + var): O(num_bins) for all candidates. (Cancellation in the tail is
  // bounded by about 1e-16 * (T / w)^2 ~ 4e-10 relative for 2048 bins: harmless for an argmin.)
  std::vector<double> s0(static_cast<size_t>(occupied) + 1, 0.0), s1(s0), s2(s0);
  for (int64_t j = occupied - 1; j >= 0; --j) {
    const double c = static_cast<double>(hist.abs_count(j));
    const double lo = static_cast<double>(j) * w;
    const double hi = std::max(lo, bin_hi(hist, j));
    const double mean = 0.5 * (lo + hi);
    const double var = (hi - lo) * (hi - lo) / 12.0;
    s0[j] = s0[j + 1] + c;
    s1[j] = s1[j + 1] + c * mean;
    s2[j] = s2[j + 1] + c * (mean * mean + var);
  }
  const double total = s0[0];
  double best_t = max_abs;
  NPUKIT_ASSIGN_OR_RETURN(double best_e, expected_sq_error(hist, max_abs, bits));
  for (int64_t i = occupied; i >= 1; --i) {  // descending, `<=` below: the smallest T wins ties
    const double t = static_cast<double>(i) * w;
    if (t > max_abs) continue;  // only the exact max stands for "no clipping"
    const double step = t / qmax;
    const double e = (total - s0[i]) * step * step / 12.0 + std::max(0.0, s2[i] - 2.0 * t * s1[i] + t * t * s0[i]);
    if (e <= best_e) {
      best_e = e;
      best_t = t;
    }
  }
  return best_t;
}

Expected<std::vector<NamedThreshold>> default_candidates(const Histogram& hist, int bits) {
  NPUKIT_RETURN_IF_ERROR(check_bits(bits));
  std::vector<NamedThreshold> out;
  NPUKIT_ASSIGN_OR_RETURN(double t_max, threshold_max(hist));
  out.push_back({"max", t_max});
  for (double p : {0.99999, 0.99995, 0.9999, 0.9995, 0.999}) {
    NPUKIT_ASSIGN_OR_RETURN(double t, threshold_percentile(hist, p));
    out.push_back({percentile_name(p), t});
  }
  KlOptions kl;
  kl.bits = bits;
  NPUKIT_ASSIGN_OR_RETURN(double t_kl, threshold_kl(hist, kl));
  out.push_back({"kl", t_kl});
  NPUKIT_ASSIGN_OR_RETURN(double t_mse, threshold_mse(hist, bits));
  out.push_back({"mse", t_mse});
  return out;
}

Expected<size_t> choose_min_expected_error(const Histogram& hist, const std::vector<NamedThreshold>& candidates,
                                           int bits) {
  if (candidates.empty()) return make_error(ErrorCode::kInvalidArgument, "calibration chooser: no candidates");
  size_t best = 0;
  double best_e = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < candidates.size(); ++k) {
    auto e = expected_sq_error(hist, candidates[k].threshold, bits);
    if (!e.ok()) return e.status().with_context(str_cat("calibration chooser: candidate '", candidates[k].name, "'"));
    if (*e < best_e) {
      best_e = *e;
      best = k;
    }
  }
  return best;
}

Expected<NamedThreshold> threshold_default(const Histogram& hist, int bits) {
  NPUKIT_ASSIGN_OR_RETURN(auto cands, default_candidates(hist, bits));
  NPUKIT_ASSIGN_OR_RETURN(size_t k, choose_min_expected_error(hist, cands, bits));
  return cands[k];
}

// ---------------------------------------------------------------------------------------------
// Asymmetric
// ---------------------------------------------------------------------------------------------

namespace {
Expected<AsymRange> widen_to_zero(double lo, double hi, const char* what) {
  AsymRange r{std::min(lo, 0.0), std::max(hi, 0.0)};
  if (!(r.lo < r.hi)) return make_error(ErrorCode::kInvalidArgument, what, ": every value is zero");
  return r;
}
}  // namespace

Expected<AsymRange> range_minmax(const MinMaxObserver& obs) {
  if (obs.empty()) return make_error(ErrorCode::kInvalidArgument, "range minmax: observer is empty");
  return widen_to_zero(obs.min(), obs.max(), "range minmax");
}

Expected<AsymRange> range_minmax(const Histogram& hist) {
  NPUKIT_RETURN_IF_ERROR(hist.validate());
  return widen_to_zero(hist.min, hist.max, "range minmax");
}

Expected<AsymRange> range_percentile(const Histogram& hist, double p) {
  NPUKIT_RETURN_IF_ERROR(check_percentile(p, 0.5));
  NPUKIT_RETURN_IF_ERROR(hist.validate());
  if (p == 1.0) return widen_to_zero(hist.min, hist.max, "range percentile");
  const double lo = std::max(hist.min, signed_quantile(hist, 1.0 - p));
  const double hi = std::min(hist.max, signed_quantile(hist, p));
  return widen_to_zero(lo, hi, "range percentile");
}

}  // namespace npukit::quant
