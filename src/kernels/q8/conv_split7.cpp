// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the split 7-bit form of a convolution's weights (PackedConv::split7(), docs/KERNELS.md): the K order
// that leaves the fewest byte pairs to fix, the clipped kBytes blocks and the fixes.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels/q8/engine.h"
#include "kernels/q8/q8_kernels.h"

namespace npukit::q8 {

namespace {

/// True when the pair (a, b) can saturate vpmaddubsw on u8 panels: same sign (a * b > 0) and 255 (|a| + |b|) > 32767.
/// Branch-free int16 arithmetic (|a * b| <= 128 * 128 fits), so the order search's row loops vectorize.
inline bool bad_pair(int8_t a, int8_t b) {
  const int16_t a16 = a, b16 = b;
  return (static_cast<int16_t>(a16 * b16) > 0) & (static_cast<int16_t>(std::abs(a16) + std::abs(b16)) > 128);
}

/// Local search for an order of the K positions (padded to npos, a multiple of 4; position slots beyond K hold a zero
/// weight) that minimizes the number of (row, quad) steps holding a pair to fix. wt is the weights transposed,
/// wt[k * rows + r]. Moves swap two positions of different pairs, one of them in a quad that needs fixes, and are kept
/// when the count does not grow. Deterministic (fixed seed); the work is bounded by `budget` row evaluations.
/// Returns perm[pos] = k (or -1: a zero slot).
std::vector<int32_t> search_order(const std::vector<int8_t>& wt, int64_t rows, int64_t k, int64_t npos,
                                  int64_t budget) {
  std::vector<int32_t> perm(static_cast<size_t>(npos));
  for (int64_t i = 0; i < npos; ++i) perm[static_cast<size_t>(i)] = i < k ? static_cast<int32_t>(i) : -1;
  const int64_t nq = npos / 4;
  std::vector<int8_t> zero(static_cast<size_t>(rows), 0);
  auto col = [&](int64_t pos) {
    const int32_t kk = perm[static_cast<size_t>(pos)];
    return kk < 0 ? zero.data() : wt.data() + static_cast<size_t>(kk) * rows;
  };
  auto quad_count = [&](int64_t q) {
    const int8_t *a = col(4 * q), *b = col(4 * q + 1), *c = col(4 * q + 2), *d = col(4 * q + 3);
    int32_t n = 0;
    for (int64_t r = 0; r < rows; ++r) n += bad_pair(a[r], b[r]) | bad_pair(c[r], d[r]);
    return static_cast<int64_t>(n);
  };
  std::vector<int64_t> qc(static_cast<size_t>(nq));
  for (int64_t q = 0; q < nq; ++q) qc[static_cast<size_t>(q)] = quad_count(q);
  uint64_t s = 0x9E3779B97F4A7C15ull;
  auto next = [&](int64_t n) {  // xorshift64*, uniform enough for the moves
    s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
    return static_cast<int64_t>(((s * 0x2545F4914F6CDD1Dull) >> 33) % static_cast<uint64_t>(n));
  };
  for (int64_t spent = 0; spent < budget;) {
    int64_t qa = next(nq);
    for (int t = 0; t < 8 && qc[static_cast<size_t>(qa)] == 0; ++t) qa = next(nq);
    if (qc[static_cast<size_t>(qa)] == 0) {
      bool any = false;
      for (int64_t v : qc) any = any || v > 0;
      if (!any) break;  // nothing left to fix
      spent += rows;
      continue;
    }
    const int64_t a = 4 * qa + next(4), b = next(npos);
    if (a / 2 == b / 2) continue;
    const int64_t qb = b / 4;
    const int64_t before = qc[static_cast<size_t>(qa)] + (qb != qa ? qc[static_cast<size_t>(qb)] : 0);
    std::swap(perm[static_cast<size_t>(a)], perm[static_cast<size_t>(b)]);
    const int64_t na = quad_count(qa), nb = qb != qa ? quad_count(qb) : 0;
    spent += rows * (qb != qa ? 2 : 1);
    if (na + nb <= before) {
      qc[static_cast<size_t>(qa)] = na;
      if (qb != qa) qc[static_cast<size_t>(qb)] = nb;
    } else {
      std::swap(perm[static_cast<size_t>(a)], perm[static_cast<size_t>(b)]);
    }
  }
  return perm;
}

}  // namespace

/// Split 7-bit form (split7()). vpmaddubsw adds u0 w0 + u1 w1 in saturating int16; on u8 panels (u <= 255) a pair of
/// weight bytes is exact unless both have the same sign and |w0| + |w1| > 128 (then 255 (|w0| + |w1|) can pass
/// 32767 / -32768). First the K positions are reordered (one order for every row and group; the panels are then built
/// in that order, conv.cpp) so that such pairs become rare: big weights of a row get partners of the other sign or
/// small ones. In each remaining pair the larger-magnitude byte is clipped to sign * (128 - |other|), which makes the
/// pair exact, and the excess e (|e| = |w0| + |w1| - 128 <= 127) becomes a fix of that row and quad, added by
/// Ukernels::tile_fix with the one-nonzero-per-pair e quad (exact). w = clipped + e, so the sums and every partial
/// sum stay within the layer's bound and the weight sums (corrections) are unchanged. Used when the fixes are at
/// most kMaxFixRatio of the (row, quad) steps: a fix costs about one row step of the 7-bit tile, which is ~1.35x
/// faster than the int16 tile (bench/q8_bench.cpp effb0_* / r50_pw_* / mbv2_pw_*).
void PackedConv::pack_split7(PackedConv& pc) {
  // Measured (bench/q8_bench.cpp *_tw, 1 thread): 1.2-1.5x at ratios up to ~0.045 from 24 quads. Up to kShortKq quads
  // the fused tiles add the fixes in registers (ukernels_avx2.cpp): against the int16 tile 1.21x at a ratio of 0.093
  // (K = 64), 1.15x at 0.10, 1.10x at 0.14 (K = 32), 0.94x at 0.18 (K = 24), 0.87x at 0.20 (K = 16).
  constexpr double kMaxFixRatio = 0.12, kMaxFixRatioShortK = 0.15;
  constexpr int64_t kShortKq = 16;
  // The order search: skipped when the original order's ratio is far above the limit (the search lowers trained
  // layers' ratios by 1.3-1.6x where it cannot reach 0: MobileNetV2 expansions 0.24 -> 0.16), bounded to 4e6 row
  // evaluations per layer.
  constexpr double kSearchFrom = 2.0;
  constexpr int64_t kSearchBudget = 4'000'000;
  const detail::Ukernels& uk = *pc.uk_;
  if (uk.gemm_tile7 == nullptr || uk.tile_fix == nullptr || pc.packed7_.empty() || pc.wino_) return;
  const int64_t mr = uk.mr, nr = uk.nr, rows = pc.p_.group * pc.cog_, k = pc.k_, npos = pc.kq_ * 4;
  const double limit = pc.kq_ <= kShortKq ? kMaxFixRatioShortK : kMaxFixRatio;
  const int8_t* wd = pc.w_.data<int8_t>();
  // The count of (row, quad) steps with a pair to fix in the original order.
  int64_t steps = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t q = 0; q < pc.kq_; ++q) {
      const int8_t* w = wd + r * k + 4 * q;
      auto at = [&](int64_t j) { return 4 * q + j < k ? w[j] : int8_t{0}; };
      steps += bad_pair(at(0), at(1)) || bad_pair(at(2), at(3));
    }
  const double steps_total = static_cast<double>(pc.p_.group * pc.oc_blocks_ * mr * pc.kq_);
  if (static_cast<double>(steps) > kSearchFrom * limit * steps_total) return;
  std::vector<int32_t> perm;
  if (steps > 0) {
    std::vector<int8_t> wt(static_cast<size_t>(rows * k));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t kk = 0; kk < k; ++kk) wt[static_cast<size_t>(kk * rows + r)] = wd[r * k + kk];
    perm = search_order(wt, rows, k, npos, kSearchBudget);
  }
  // The weights in that order (zero slots: weight 0), packed as kBytes blocks.
  std::vector<uint8_t> w7;
  if (perm.empty()) {
    w7 = pc.packed7_;
  } else {
    std::vector<int8_t> wp(static_cast<size_t>(rows * npos), 0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t pos = 0; pos < npos; ++pos)
        if (const int32_t kk = perm[static_cast<size_t>(pos)]; kk >= 0)
          wp[static_cast<size_t>(r * npos + pos)] = wd[r * k + kk];
    w7.assign(pc.packed7_.size(), 0);
    for (int64_t g = 0; g < pc.p_.group; ++g)
      detail::pack_weight_blocks(uk, wp.data() + g * pc.cog_ * npos, pc.cog_, npos,
                                 w7.data() + static_cast<size_t>(g * pc.oc_blocks_) * pc.block_bytes7_,
                                 detail::WeightFormat::kBytes);
  }
  const int64_t blocks = pc.p_.group * pc.oc_blocks_;
  std::vector<detail::PairFix> fixes;
  std::vector<uint32_t> start(static_cast<size_t>(blocks + 1));
  for (int64_t b = 0; b < blocks; ++b) {
    start[static_cast<size_t>(b)] = static_cast<uint32_t>(fixes.size());
    int8_t* wb = reinterpret_cast<int8_t*>(w7.data() + static_cast<size_t>(b) * pc.block_bytes7_);
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t q = 0; q < pc.kq_; ++q) {
        int8_t* wq = wb + (q * mr + r) * 4;  // kBytes block: [kq][MR][4]
        int8_t e[4] = {0, 0, 0, 0};
        bool any = false;
        for (int j = 0; j < 4; j += 2) {
          if (!bad_pair(wq[j], wq[j + 1])) continue;
          const int big = std::abs(wq[j]) >= std::abs(wq[j + 1]) ? j : j + 1, small = big == j ? j + 1 : j;
          const int keep = (wq[big] > 0 ? 1 : -1) * (128 - std::abs(static_cast<int>(wq[small])));
          e[big] = static_cast<int8_t>(wq[big] - keep);
          wq[big] = static_cast<int8_t>(keep);
          any = true;
        }
        if (!any) continue;
        detail::PairFix f;
        f.xoff = static_cast<uint32_t>(q * nr * 4);
        std::memcpy(&f.equad, e, 4);
        f.coff = static_cast<uint32_t>(r * nr);
        fixes.push_back(f);
      }
  }
  start[static_cast<size_t>(blocks)] = static_cast<uint32_t>(fixes.size());
  const double ratio = static_cast<double>(fixes.size()) / steps_total;
  if (ratio > limit) return;
  pc.packed7s_ = std::move(w7);
  pc.packed_.clear();  // full-range calls run the split form, 7-bit windows packed7_: the int16 blocks go unused
  pc.packed_.shrink_to_fit();
  pc.fixes_ = std::move(fixes);
  pc.fix_start_ = std::move(start);
  pc.fix_ratio_ = ratio;
  pc.kperm_ = std::move(perm);
  pc.split_ = true;
}

}  // namespace npukit::q8
