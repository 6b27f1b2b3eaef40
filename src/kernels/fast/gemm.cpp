// SPDX-License-Identifier: Apache-2.0
// kernels/fast: SGEMM — OpenBLAS when available, otherwise a cache-blocked GEMM of our own.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "kernels/fast/fast_kernels.h"

#ifdef NPUKIT_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace npukit::fast {

namespace {

// Blocking of the own GEMM: a kKc x kNc panel of op(B) (256 KiB) stays in L2 while rows of A stream
// through; four C row segments of kNc floats (8 KiB) stay in L1 and share each loaded B vector.
constexpr int64_t kKc = 128;
constexpr int64_t kNc = 512;

}  // namespace

void sgemm_blocked(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  for (int64_t i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    if (beta == 0.f) {
      std::fill(row, row + n, 0.f);
    } else if (beta != 1.f) {
      for (int64_t j = 0; j < n; ++j) row[j] *= beta;
    }
  }
  if (k <= 0 || alpha == 0.f) return;
  std::vector<float> bp(static_cast<size_t>(kKc * kNc));
  std::vector<float> ap(static_cast<size_t>(4 * kKc));
  for (int64_t j0 = 0; j0 < n; j0 += kNc) {
    const int64_t nc = std::min(kNc, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += kKc) {
      const int64_t kc = std::min(kKc, k - p0);
      // Pack op(B)[p0 .. p0+kc) x [j0 .. j0+nc) row-major with row stride nc.
      for (int64_t p = 0; p < kc; ++p) {
        float* dst = bp.data() + p * nc;
        if (!trans_b) {
          std::memcpy(dst, b + (p0 + p) * ldb + j0, static_cast<size_t>(nc) * sizeof(float));
        } else {
          for (int64_t j = 0; j < nc; ++j) dst[j] = b[(j0 + j) * ldb + p0 + p];
        }
      }
      int64_t i = 0;
      for (; i + 4 <= m; i += 4) {
        // alpha * op(A)[i .. i+4) x [p0 .. p0+kc), interleaved per p.
        for (int64_t p = 0; p < kc; ++p)
          for (int64_t r = 0; r < 4; ++r)
            ap[static_cast<size_t>(p * 4 + r)] =
                alpha * (trans_a ? a[(p0 + p) * lda + i + r] : a[(i + r) * lda + p0 + p]);
        float* c0 = c + i * ldc + j0;
        float* c1 = c0 + ldc;
        float* c2 = c1 + ldc;
        float* c3 = c2 + ldc;
        for (int64_t p = 0; p < kc; ++p) {
          const float* bv = bp.data() + p * nc;
          const float a0 = ap[static_cast<size_t>(p * 4)], a1 = ap[static_cast<size_t>(p * 4 + 1)];
          const float a2 = ap[static_cast<size_t>(p * 4 + 2)], a3 = ap[static_cast<size_t>(p * 4 + 3)];
          for (int64_t j = 0; j < nc; ++j) {
            const float bj = bv[j];
            c0[j] += a0 * bj;
            c1[j] += a1 * bj;
            c2[j] += a2 * bj;
            c3[j] += a3 * bj;
          }
        }
      }
      for (; i < m; ++i) {
        float* c0 = c + i * ldc + j0;
        for (int64_t p = 0; p < kc; ++p) {
          const float av = alpha * (trans_a ? a[(p0 + p) * lda + i] : a[i * lda + p0 + p]);
          const float* bv = bp.data() + p * nc;
          for (int64_t j = 0; j < nc; ++j) c0[j] += av * bv[j];
        }
      }
    }
  }
}

#ifdef NPUKIT_HAVE_OPENBLAS

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    // BLAS with k == 0 still applies beta; keep that without relying on the library's edge cases.
    sgemm_blocked(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

std::string gemm_backend() {
  const int par = openblas_get_parallel();
  const char* kind = par == 0 ? "serial" : par == 1 ? "pthread" : "openmp";
  return std::string("openblas (") + kind + ", " + openblas_get_config() + ")";
}

void set_gemm_threads(int n) {
  openblas_set_num_threads(std::max(1, n));
}

int gemm_threads() {
  return openblas_get_num_threads();
}

#else

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  sgemm_blocked(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

std::string gemm_backend() {
  return "npukit blocked";
}

void set_gemm_threads(int) {}

int gemm_threads() {
  return 1;
}

#endif

}  // namespace npukit::fast
