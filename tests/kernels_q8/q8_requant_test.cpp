// SPDX-License-Identifier: Apache-2.0
// kernels/q8: every tier's vector requantization against the spec
// (quant::requantize) on edge cases (shift 0, 31 and very negative shifts,
// multiplier 0 and extremes, ties, negative and saturating accumulators, large
// corrections), plus the NPUKIT_ISA resolution and the thread pool.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <random>
#include <thread>
#include <tuple>
#include <vector>

#include "kernels/q8/isa.h"
#include "kernels/q8/parallel.h"
#include "kernels/q8/ukernels.h"
#include "q8_test_util.h"
#include "quant/arith.h"

namespace npukit {
namespace {

TEST(Q8Requant, MatchesTheSpecOnEdgeCases) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
  std::vector<int32_t> accs = {0,    1,        -1,       2,     -2,      3,          -3,
                               5,    -5,       127,      -128,  1 << 20, -(1 << 20), kMax,
                               kMin, kMax - 1, kMin + 1, 12345, -12345,  1 << 30,    -(1 << 30)};
  std::mt19937 rng(3);
  std::uniform_int_distribution<int32_t> any(kMin, kMax), small(-70000, 70000);
  for (int i = 0; i < 40; ++i) accs.push_back(any(rng));
  for (int i = 0; i < 40; ++i) accs.push_back(small(rng));
  const std::vector<int32_t> mults = {0, 1, 1 << 30, kMax, (1 << 30) + 1, 1518500250, 1431655765};
  const std::vector<int64_t> corrs = {
      0, 1, -1, 1000000, -1000000, int64_t{kMax}, int64_t{kMin}, int64_t{1} << 33, -(int64_t{1} << 33)};
  const std::vector<quant::QRange> ranges = {{-128, 127}, {0, 255}, {-3, 90}, {5, 5}};
  for (q8::Isa isa : q8test::tiers()) {
    const q8::detail::Ukernels* uk = q8::detail::ukernels_for(isa);
    ASSERT_NE(uk, nullptr);
    std::vector<int32_t> in(accs.size()), out(accs.size());
    int bad = 0;
    for (bool no_sat : {false, true})
      for (int32_t shift = -61; shift <= 31 && bad < 5; ++shift)
        for (int32_t m : mults)
          for (int64_t corr : corrs) {
            // no_sat promises acc + corr fits int32: keep the accumulators
            // inside that window.
            const int64_t lo_acc = std::max<int64_t>(kMin, int64_t{kMin} - corr);
            const int64_t hi_acc = std::min<int64_t>(kMax, int64_t{kMax} - corr);
            if (no_sat && lo_acc > hi_acc) continue;
            for (size_t i = 0; i < accs.size(); ++i)
              in[i] = no_sat ? static_cast<int32_t>(std::clamp<int64_t>(accs[i], lo_acc, hi_acc)) : accs[i];
            for (const auto& r : ranges)
              for (int32_t zp : {0, -7, 100}) {
                uk->requant(in.data(), static_cast<int64_t>(in.size()), corr, m, shift, zp, r.qmin, r.qmax, out.data(),
                            no_sat);
                for (size_t i = 0; i < in.size() && bad < 5; ++i) {
                  const int32_t want = quant::requantize(quant::saturate_i32(int64_t{in[i]} + corr),
                                                         quant::QuantizedMultiplier{m, shift}, zp, r);
                  if (out[i] != want) {
                    ADD_FAILURE() << "tier " << q8::isa_name(isa) << (no_sat ? " (no_sat)" : "") << " acc " << in[i]
                                  << " corr " << corr << " mult " << m << " shift " << shift << " zp " << zp
                                  << " range [" << r.qmin << "," << r.qmax << "]: got " << out[i] << " want " << want;
                    ++bad;
                  }
                }
              }
          }
  }
}

TEST(Q8Requant, TiesRoundHalfUp) {
  // M = 1/2 (mult 2^30, shift 0): odd accumulators are exact ties; 3 -> 2, -3
  // -> -1 (toward +inf).
  for (q8::Isa isa : q8test::tiers()) {
    std::vector<int32_t> acc(16), out(16);
    for (int i = 0; i < 16; ++i) acc[static_cast<size_t>(i)] = i % 2 ? 3 : -3;
    q8::detail::ukernels_for(isa)->requant(acc.data(), 16, 0, 1 << 30, 0, 0, -128, 127, out.data(), true);
    for (int i = 0; i < 16; ++i) EXPECT_EQ(out[static_cast<size_t>(i)], i % 2 ? 2 : -1) << q8::isa_name(isa);
    // The same ties on the 32-bit fast path (r = 31 - shift >= 32): +-3 * 2^28
    // times M = 2^-29 is +-1.5.
    for (int i = 0; i < 16; ++i) acc[static_cast<size_t>(i)] = i % 2 ? 3 * (1 << 28) : -3 * (1 << 28);
    q8::detail::ukernels_for(isa)->requant(acc.data(), 16, 0, 1 << 30, -28, 0, -128, 127, out.data(), true);
    for (int i = 0; i < 16; ++i) EXPECT_EQ(out[static_cast<size_t>(i)], i % 2 ? 2 : -1) << q8::isa_name(isa);
  }
}

TEST(Q8Requant, FusedTileBlocksMatchTheSpec) {
  // The fused tile + requantization blocks (gemm_block_rq8 / gemm_block7_rq8) on sums chosen through the corrections:
  // pixel p of the panel holds u = p at k = 0 and every row's weight is 1 there, so the tile sums are 0..NR-1 and the
  // requantized values are those of corr + p, for corrections around the rounding ties of every shift (multiplier
  // 1/2 in Q31: corr + p = 2^s * odd is a tie) and at the int32 limits; rows of one block with different shifts (-1
  // included: 31 - shift = 32, the smallest the fused form takes), 3, 5 and MR rows per block; short tiles (kq = 1,
  // inlined into the block) and long ones (kq = 40, a separate tile function on AVX2); whole panels, and partial ones
  // (more and at most NR / 2 valid pixels: the half tiles) whose bytes past the valid pixels must stay untouched.
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
  bool any = false;
  for (q8::Isa isa : q8test::tiers()) {
    const q8::detail::Ukernels* uk = q8::detail::ukernels_for(isa);
    if (uk->gemm_block_rq8 == nullptr) continue;
    any = true;
    const int mr = uk->mr, nr = uk->nr;
    for (int seven = 0; seven < 2; ++seven) {
      if (seven == 1 && uk->gemm_block7_rq8 == nullptr) continue;
      const q8::detail::WeightFormat fmt = seven ? q8::detail::WeightFormat::kBytes : uk->wfmt;
      for (int64_t kq : {1, 40}) {
        // Weights: row r, k = 0 is 1, everything else 0 (in either layout k = 0 is the first element of a row's quad).
        const size_t wbytes = static_cast<size_t>(kq * mr * 4) * (fmt == q8::detail::WeightFormat::kI16Pairs ? 2 : 1);
        std::vector<uint8_t> w(wbytes, 0);
        for (int r = 0; r < mr; ++r) {
          if (fmt == q8::detail::WeightFormat::kI16Pairs)
            reinterpret_cast<int16_t*>(w.data())[r * 4] = 1;
          else
            reinterpret_cast<int8_t*>(w.data())[r * 4] = 1;
        }
        std::vector<uint8_t> x(static_cast<size_t>(kq * nr * 4), 0);
        for (int p = 0; p < nr; ++p) x[static_cast<size_t>(p * 4)] = static_cast<uint8_t>(p);
        const auto block = seven ? uk->gemm_block7_rq8 : uk->gemm_block_rq8;
        int bad = 0;
        for (int32_t s = 0; s <= 31 && bad < 5; ++s)
          for (int32_t mult : {1 << 30, (1 << 30) + 1, 1518500250, 12345})
            for (int64_t base : {int64_t{1} << s, -(int64_t{1} << s), 3 * (int64_t{1} << s), int64_t{kMax} - (nr - 1),
                                 int64_t{kMin}, int64_t{0}}) {
              std::vector<q8::detail::RowQ> q(static_cast<size_t>(mr));
              for (int r = 0; r < mr; ++r) {
                // Rows: shift -(s + 1) (31 - shift = s + 32), the next one (not below -32), and -1 on row 3.
                const int32_t shift = r == 3 ? -1 : std::max(-32, -(s + 1) - (r % 2));
                const int64_t c = std::clamp<int64_t>(base - 7 + r, kMin, int64_t{kMax} - (nr - 1));
                q[static_cast<size_t>(r)] = {static_cast<int32_t>(c), mult, shift};
              }
              for (int rows : {mr, 3, 5}) {
                if (rows > mr) continue;
                for (auto [zp, lo, hi] : {std::tuple{0, -128, 127}, std::tuple{-5, -128, 127}, std::tuple{3, 0, 255}})
                  for (int npix : {nr, nr / 2 + 1, nr / 2, 3}) {
                    std::vector<uint8_t> y(static_cast<size_t>(mr * nr), 0xAA);
                    block(kq, w.data(), x.data(), npix, rows, q.data(), zp, lo, hi, y.data(), nr, nullptr, 0);
                    for (int r = 0; r < mr && bad < 5; ++r)
                      for (int p = 0; p < nr && bad < 5; ++p)
                        if ((r >= rows || p >= npix) && y[static_cast<size_t>(r * nr + p)] != 0xAA) {
                          ADD_FAILURE() << "tier " << q8::isa_name(isa) << " npix " << npix << " rows " << rows
                                        << ": wrote row " << r << " pixel " << p;
                          ++bad;
                        }
                    for (int r = 0; r < rows && bad < 5; ++r)
                      for (int p = 0; p < npix && bad < 5; ++p) {
                        const q8::detail::RowQ& rq = q[static_cast<size_t>(r)];
                        const int32_t want = quant::requantize(
                            rq.corr + p, quant::QuantizedMultiplier{rq.mult, rq.shift}, zp, quant::QRange{lo, hi});
                        const int32_t got = lo < 0 ? static_cast<int8_t>(y[static_cast<size_t>(r * nr + p)])
                                                   : y[static_cast<size_t>(r * nr + p)];
                        if (got != want) {
                          ADD_FAILURE() << "tier " << q8::isa_name(isa) << (seven ? " 7-bit" : " int16") << " kq " << kq
                                        << " rows " << rows << " row " << r << " value " << rq.corr + p << " mult "
                                        << rq.mult << " shift " << rq.shift << " zp " << zp << " npix " << npix
                                        << ": got " << got << " want " << want;
                          ++bad;
                        }
                      }
                  }
              }
            }
      }
    }
  }
  if (!any) GTEST_SKIP() << "no tier with fused tile blocks on this machine";
}

TEST(Q8Isa, ResolveOverride) {
  const std::vector<q8::Isa> av = {q8::Isa::kScalar, q8::Isa::kAvx2};
  std::string warn;
  EXPECT_EQ(q8::resolve_isa(nullptr, av, &warn), q8::Isa::kAvx2);
  EXPECT_EQ(q8::resolve_isa("", av, &warn), q8::Isa::kAvx2);
  EXPECT_TRUE(warn.empty());
  EXPECT_EQ(q8::resolve_isa("scalar", av, &warn), q8::Isa::kScalar);
  EXPECT_TRUE(warn.empty());
  EXPECT_EQ(q8::resolve_isa("avx512_vnni", av, &warn), q8::Isa::kAvx2);
  EXPECT_NE(warn.find("not supported by this CPU"), std::string::npos) << warn;
  warn.clear();
  EXPECT_EQ(q8::resolve_isa("sse9", av, &warn), q8::Isa::kAvx2);
  EXPECT_NE(warn.find("not one of"), std::string::npos) << warn;
  // The detected tiers always include scalar and the active tier is one of
  // them.
  const auto have = q8::available_isas();
  ASSERT_FALSE(have.empty());
  EXPECT_EQ(have.front(), q8::Isa::kScalar);
  bool found = false;
  for (q8::Isa i : have) found = found || i == q8::active_isa();
  EXPECT_TRUE(found);
  for (q8::Isa i : have) EXPECT_NE(q8::detail::ukernels_for(i), nullptr) << q8::isa_name(i);
}

TEST(Q8Parallel, RunsEveryTaskOnce) {
  for (int threads = 1; threads <= 4; ++threads) {
    q8::Parallel par(threads);
    for (int64_t tasks : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(tasks));
      for (int rep = 0; rep < 3; ++rep) par.run(tasks, [&](int64_t i) { hits[static_cast<size_t>(i)]++; });
      for (int64_t i = 0; i < tasks; ++i) EXPECT_EQ(hits[static_cast<size_t>(i)].load(), 3) << threads << " " << i;
    }
  }
}

// Each thread starts on its own range of tasks, but a thread that is done helps with the others: here the first task
// of the last thread's range waits until every other task has run, so the run only finishes if the others take that
// range's remaining tasks (or the waiting thread is not the one that took it). A deadline turns a hang into a failure.
TEST(Q8Parallel, IdleThreadsTakeOverABlockedRange) {
  for (int threads = 2; threads <= 4; ++threads) {
    q8::Parallel par(threads);
    const int64_t tasks = 6 * threads;
    const int64_t blocker = (threads - 1) * tasks / threads;  // the first task of the last range
    std::atomic<int64_t> done{0};
    std::atomic<bool> timed_out{false};
    par.run(tasks, [&](int64_t i) {
      if (i == blocker) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (done.load() < tasks - 1 && !timed_out.load()) {
          if (std::chrono::steady_clock::now() > deadline) timed_out = true;
          std::this_thread::yield();
        }
      }
      ++done;
    });
    EXPECT_FALSE(timed_out.load()) << threads << " threads: the blocked range's other tasks never ran";
    EXPECT_EQ(done.load(), tasks);
  }
}

// More tasks than one run's range word holds (65535): the pool publishes them as several runs, each task still once.
TEST(Q8Parallel, MoreTasksThanOneRunHolds) {
  q8::Parallel par(2);
  const int64_t tasks = 3 * 65535 + 17;
  std::vector<std::atomic<uint8_t>> hits(static_cast<size_t>(tasks));
  par.run(tasks, [&](int64_t i) { hits[static_cast<size_t>(i)]++; });
  int64_t wrong = 0;
  for (auto& h : hits) wrong += h.load() != 1;
  EXPECT_EQ(wrong, 0);
}

// Runs further apart than the workers' polling time (200 us), so that they are asleep when the next run starts: the
// run must wake them. The caller's first task waits until a task ran on another thread; a deadline turns a lost
// wake-up into a failure instead of a hang.
TEST(Q8Parallel, RunsWakeSleepingWorkers) {
  q8::Parallel par(3);
  const auto caller = std::this_thread::get_id();
  for (int rep = 0; rep < 4; ++rep) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    std::vector<std::atomic<int>> hits(30);
    std::atomic<bool> other{false}, timed_out{false};
    par.run(30, [&](int64_t i) {
      if (std::this_thread::get_id() != caller) other = true;
      if (i == 0) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!other.load() && !timed_out.load()) {
          if (std::chrono::steady_clock::now() > deadline) timed_out = true;
          std::this_thread::yield();
        }
      }
      hits[static_cast<size_t>(i)]++;
    });
    EXPECT_FALSE(timed_out.load()) << "rep " << rep << ": no worker woke up for the run";
    for (auto& h : hits) EXPECT_EQ(h.load(), 1) << "rep " << rep;
  }
}

// Back-to-back runs, each with its own short-lived task function, from two calling threads at once: every task of
// every run runs exactly once, on that run's function (a worker still spinning on an earlier run must never pick up
// a later run's tasks with the earlier function).
TEST(Q8Parallel, BackToBackRunsFromTwoCallers) {
  q8::Parallel par(3);
  std::atomic<int64_t> wrong{0};
  auto caller = [&](int seed) {
    for (int rep = 0; rep < 3000; ++rep) {
      const int64_t tasks = 1 + (rep * 7 + seed) % 5;
      std::vector<std::atomic<int>> hits(static_cast<size_t>(tasks));
      par.run(tasks, [&hits](int64_t i) { hits[static_cast<size_t>(i)]++; });
      for (auto& h : hits)
        if (h.load() != 1) ++wrong;
    }
  };
  std::thread a(caller, 0), b(caller, 1);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace npukit
