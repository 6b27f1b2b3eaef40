// SPDX-License-Identifier: Apache-2.0
// This CPU's int8 multiply-accumulate peak on one core, per instruction sequence the q8 tiers use, measured
// with independent accumulators in registers (no memory traffic):
//   avx2 vpmaddwd     : vpmaddwd + vpaddd, 16 MACs           (the exact path for any 8-bit input; the q8 int16 tile
//                       also needs 2 vpaddd per 2 vpmaddwd and splits bytes: ~4.5 vector ops per 32 MACs)
//   avx2 vpmaddubsw   : vpmaddubsw + vpmaddwd(1) + vpaddd, 32 MACs (exact for inputs in a 128-code window;
//                       ONNX Runtime's AVX2 u8s8 kernel uses this sequence for every input)
//   avx-vnni / avx512-vnni vpdpbusd: 32 / 64 MACs per instruction, when the CPU has them
// Timed in thread CPU time, best of 5. Prints one JSON line; bench/runtime_vs_peers.sh reports npukit's GMAC/s as a
// fraction of the best of these.
#include <immintrin.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace {

constexpr int kAcc = 12;
constexpr long kIters = 4'000'000;

// Thread CPU time, so a shared machine's other load does not count against the peak.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <class F>
double best_gmacs(F f, double macs_per_iter) {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = cpu_seconds();
    const int sink = f();
    const double s = cpu_seconds() - t0;
    if (sink == 12345) std::printf(" ");  // keep the result alive
    best = std::max(best, macs_per_iter * static_cast<double>(kIters) / s / 1e9);
  }
  return best;
}

// AVX2 sequences: inline assembly with a fixed register plan, the shape of the q8 AVX2 tile: 2 activation vectors x 4
// weight vectors (loop-invariant operands, so the products are independent) into 8 accumulators; only the vpaddd
// into an accumulator is loop-carried (1 cycle of latency), so the loop is throughput-bound. An earlier version made
// each accumulator the next product's operand (a 7-cycle vpmaddubsw + vpmaddwd + vpaddd chain) and, compiled from
// intrinsics, kept some of its 12 accumulators on the stack: it measured 39 / 64 GMAC/s on Zen 3 where these measure
// ~71 / ~94 (4 vector pipes; vpmaddwd and vpmaddubsw on two of them).
#define NPK_ACC8_CLOBBERS                                                                                             \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", \
      "xmm14", "xmm15", "cc"
#define NPK_ZERO16                                                                                           \
  "vpxor %%xmm0, %%xmm0, %%xmm0\n\t vpxor %%xmm1, %%xmm1, %%xmm1\n\t vpxor %%xmm2, %%xmm2, %%xmm2\n\t"       \
  "vpxor %%xmm3, %%xmm3, %%xmm3\n\t vpxor %%xmm4, %%xmm4, %%xmm4\n\t vpxor %%xmm5, %%xmm5, %%xmm5\n\t"       \
  "vpxor %%xmm6, %%xmm6, %%xmm6\n\t vpxor %%xmm7, %%xmm7, %%xmm7\n\t vpxor %%xmm8, %%xmm8, %%xmm8\n\t"       \
  "vpxor %%xmm9, %%xmm9, %%xmm9\n\t vpxor %%xmm10, %%xmm10, %%xmm10\n\t vpxor %%xmm11, %%xmm11, %%xmm11\n\t" \
  "vpxor %%xmm12, %%xmm12, %%xmm12\n\t vpxor %%xmm13, %%xmm13, %%xmm13\n\t"

// 8 x (vpmaddwd + vpaddd) per iteration: activations ymm0-1, weights ymm2-5, accumulators ymm6-13.
__attribute__((target("avx2"))) int run_madd() {
  long n = kIters;
  int sink = 0;
#define MADD(x, w, acc, t) "vpmaddwd %%" #w ", %%" #x ", %%" #t "\n\t vpaddd %%" #t ", %%" #acc ", %%" #acc "\n\t"
  asm volatile(NPK_ZERO16
               "1:\n\t" MADD(ymm0, ymm2, ymm6, ymm14) MADD(ymm1, ymm2, ymm7, ymm15) MADD(ymm0, ymm3, ymm8, ymm14)
                   MADD(ymm1, ymm3, ymm9, ymm15) MADD(ymm0, ymm4, ymm10, ymm14) MADD(ymm1, ymm4, ymm11, ymm15)
                       MADD(ymm0, ymm5, ymm12, ymm14) MADD(ymm1, ymm5, ymm13, ymm15) "dec %[n]\n\t jnz 1b\n\t"
                                                                                     "vmovd %%xmm6, %[s]\n\t"
               : [n] "+r"(n), [s] "=r"(sink)
               :
               : NPK_ACC8_CLOBBERS);
#undef MADD
  return sink;
}

// 8 x (vpmaddubsw + vpmaddwd by ones + vpaddd) per iteration: activations ymm0-1, weights ymm2-5, accumulators
// ymm6-13, ones ymm14 (zero here: the values do not matter), products ymm15 / ymm14 alternate through renaming.
__attribute__((target("avx2"))) int run_maddubs() {
  long n = kIters;
  int sink = 0;
#define UBS(x, w, acc)                                                                                        \
  "vpmaddubsw %%" #w ", %%" #x ", %%ymm15\n\t vpmaddwd %%ymm14, %%ymm15, %%ymm15\n\t vpaddd %%ymm15, %%" #acc \
  ", %%" #acc "\n\t"
  asm volatile(NPK_ZERO16
               "vpxor %%xmm14, %%xmm14, %%xmm14\n\t"
               "1:\n\t" UBS(ymm0, ymm2, ymm6) UBS(ymm1, ymm2, ymm7) UBS(ymm0, ymm3, ymm8) UBS(ymm1, ymm3, ymm9)
                   UBS(ymm0, ymm4, ymm10) UBS(ymm1, ymm4, ymm11) UBS(ymm0, ymm5, ymm12) UBS(ymm1, ymm5, ymm13)
                       "dec %[n]\n\t jnz 1b\n\t"
                       "vmovd %%xmm6, %[s]\n\t"
               : [n] "+r"(n), [s] "=r"(sink)
               :
               : NPK_ACC8_CLOBBERS);
#undef UBS
  return sink;
}

// VNNI: each accumulator is also the next product's operand (12 independent chains; vpdpbusd's latency is covered).
#define NPK_REPEAT12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx2,avxvnni"))) int run_avxvnni() {
#define DECL(i) __m256i c##i = _mm256_set1_epi32(i + 1);
  NPK_REPEAT12(DECL)
#undef DECL
  const __m256i b = _mm256_set1_epi8(5);
  for (long it = 0; it < kIters; ++it) {
#define STEP(i) c##i = _mm256_dpbusd_avx_epi32(c##i, c##i, b);
    NPK_REPEAT12(STEP)
#undef STEP
  }
  __m256i s = _mm256_setzero_si256();
#define SUM(i) s = _mm256_add_epi32(s, c##i);
  NPK_REPEAT12(SUM)
#undef SUM
  return _mm256_extract_epi32(s, 0);
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) int run_avx512vnni() {
#define DECL(i) __m512i c##i = _mm512_set1_epi32(i + 1);
  NPK_REPEAT12(DECL)
#undef DECL
  const __m512i b = _mm512_set1_epi8(5);
  for (long it = 0; it < kIters; ++it) {
#define STEP(i) c##i = _mm512_dpbusd_epi32(c##i, c##i, b);
    NPK_REPEAT12(STEP)
#undef STEP
  }
  __m512i s = _mm512_setzero_si512();
#define SUM(i) s = _mm512_add_epi32(s, c##i);
  NPK_REPEAT12(SUM)
#undef SUM
  alignas(64) int lanes[16];
  _mm512_store_si512(lanes, s);
  return lanes[0];
}

}  // namespace

int main() {
  __builtin_cpu_init();
  const double madd = best_gmacs(run_madd, 16.0 * 8);
  const double maddubs = best_gmacs(run_maddubs, 32.0 * 8);
  double vnni256 = 0, vnni512 = 0;
  if (__builtin_cpu_supports("avxvnni")) vnni256 = best_gmacs(run_avxvnni, 32.0 * kAcc);
  if (__builtin_cpu_supports("avx512vnni")) vnni512 = best_gmacs(run_avx512vnni, 64.0 * kAcc);
  double best = madd;
  const char* best_name = "avx2 vpmaddwd";
  if (maddubs > best) best = maddubs, best_name = "avx2 vpmaddubsw";
  if (vnni256 > best) best = vnni256, best_name = "avx-vnni vpdpbusd";
  if (vnni512 > best) best = vnni512, best_name = "avx512-vnni vpdpbusd";
  std::printf(
      "{\"avx2_vpmaddwd_gmacs\": %.2f, \"avx2_vpmaddubsw_gmacs\": %.2f, \"avx_vnni_gmacs\": %.2f, "
      "\"avx512_vnni_gmacs\": %.2f, \"peak_gmacs\": %.2f, \"peak_sequence\": \"%s\"}\n",
      madd, maddubs, vnni256, vnni512, best, best_name);
  return 0;
}
