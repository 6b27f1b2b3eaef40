// SPDX-License-Identifier: Apache-2.0
// kernels/fast: f32 Gemm and MatMul through sgemm().
#include <algorithm>
#include <vector>

#include "kernels/fast/fast_kernels.h"
#include "kernels/ref/ref_util.h"

namespace npukit::fast {

Status fast_Gemm(const ref::KernelArgs& a) {
  if (a.num_inputs() < 2 || !a.has_input(0) || !a.has_input(1) || a.outputs.empty()) return ref::ref_Gemm(a);
  const Tensor& ta = a.in(0);
  const Tensor& tb = a.in(1);
  Tensor& y = a.out(0);
  const bool has_c = a.has_input(2);
  if (ta.dtype() != DType::kF32 || tb.dtype() != DType::kF32 || y.dtype() != DType::kF32 ||
      (has_c && a.in(2).dtype() != DType::kF32) || ta.rank() != 2 || tb.rank() != 2 || y.rank() != 2 ||
      (has_c && a.in(2).rank() > 2))
    return ref::ref_Gemm(a);
  const bool trans_a = a.attrs.get_int("transA") != 0, trans_b = a.attrs.get_int("transB") != 0;
  const float alpha = a.attrs.get_float("alpha", 1.f), beta = a.attrs.get_float("beta", 1.f);
  const int64_t m = y.dim(0), n = y.dim(1);
  const int64_t k = trans_a ? ta.dim(0) : ta.dim(1);
  if ((trans_a ? ta.dim(1) : ta.dim(0)) != m || (trans_b ? tb.dim(1) : tb.dim(0)) != k ||
      (trans_b ? tb.dim(0) : tb.dim(1)) != n)
    return ref::ref_Gemm(a);
  float* yd = y.data<float>();
  if (m == 0 || n == 0) return Status::Ok();
  float gemm_beta = 0.f;
  if (has_c) {
    // Y = beta * C (broadcast, right-aligned) first, then the GEMM accumulates alpha * A * B into it.
    const Tensor& c = a.in(2);
    const int64_t cm = c.rank() == 2 ? c.dim(0) : 1, cn = c.rank() >= 1 ? c.dim(c.rank() - 1) : 1;
    if ((cm != 1 && cm != m) || (cn != 1 && cn != n)) return ref::ref_Gemm(a);
    const int64_t c_sm = cm == 1 ? 0 : cn, c_sn = cn == 1 ? 0 : 1;
    const float* cd = c.data<float>();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) yd[i * n + j] = beta * cd[i * c_sm + j * c_sn];
    gemm_beta = 1.f;
  }
  sgemm(trans_a, trans_b, m, n, k, alpha, ta.data<float>(), trans_a ? m : k, tb.data<float>(), trans_b ? k : n,
        gemm_beta, yd, n);
  return Status::Ok();
}

Status fast_MatMul(const ref::KernelArgs& a) {
  if (a.num_inputs() != 2 || !a.has_input(0) || !a.has_input(1) || a.outputs.empty()) return ref::ref_MatMul(a);
  if (a.in(0).dtype() != DType::kF32 || a.in(1).dtype() != DType::kF32 || a.out(0).dtype() != DType::kF32)
    return ref::ref_MatMul(a);
  Shape sa = a.in(0).shape(), sb = a.in(1).shape();
  if (sa.empty() || sb.empty()) return ref::ref_MatMul(a);
  if (sa.size() == 1) sa.insert(sa.begin(), 1);
  if (sb.size() == 1) sb.push_back(1);
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  if (sb[sb.size() - 2] != k) return ref::ref_MatMul(a);
  ref::MatMulBatches mb;
  if (!ref::matmul_batches(sa, sb, &mb)) return ref::ref_MatMul(a);
  const std::vector<int64_t>& batch = mb.batch;
  const std::vector<int64_t>& stride_a = mb.stride_a;
  const std::vector<int64_t>& stride_b = mb.stride_b;
  const size_t r = batch.size();
  const int64_t nb = mb.count;
  Tensor& y = a.out(0);
  if (y.numel() != nb * m * n) return ref::ref_MatMul(a);
  const float* ad = a.in(0).data<float>();
  const float* bd = a.in(1).data<float>();
  float* yd = y.data<float>();
  if (y.numel() == 0) return Status::Ok();
  // A batch of row vectors against one shared B (e.g. [B, S, K] x [K, N]) is a single GEMM with
  // B*S rows: A's batch blocks are contiguous when B does not vary with the batch index.
  bool b_shared = true;
  for (size_t i = 0; i < r; ++i) b_shared = b_shared && (stride_b[i] == 0 || batch[i] == 1);
  bool a_dense = true;
  {
    int64_t expect = m * k;
    for (size_t i = r; i-- > 0;) {
      if (batch[i] != 1 && stride_a[i] != expect) a_dense = false;
      expect *= batch[i];
    }
  }
  if (b_shared && a_dense) {
    sgemm(false, false, nb * m, n, k, 1.f, ad, k, bd, n, 0.f, yd, n);
    return Status::Ok();
  }
  for (int64_t bi = 0; bi < nb; ++bi) {
    int64_t oa = 0, ob = 0;
    mb.offsets(bi, &oa, &ob);
    sgemm(false, false, m, n, k, 1.f, ad + oa, k, bd + ob, n, 0.f, yd + bi * m * n, n);
  }
  return Status::Ok();
}

}  // namespace npukit::fast
