// SPDX-License-Identifier: Apache-2.0
// Reference kernels for Gemm and MatMul: f32 in, double accumulation, f32 out.
#include <algorithm>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_util.h"

namespace npukit::ref {

Status ref_Gemm(const KernelArgs& a) {
  const Tensor& ta = a.in(0);
  const Tensor& tb = a.in(1);
  Tensor& y = a.out(0);
  if (ta.rank() != 2 || tb.rank() != 2 || y.rank() != 2) return a.error(ErrorCode::kShapeMismatch, "rank mismatch");
  const bool trans_a = a.attrs.get_int("transA") != 0, trans_b = a.attrs.get_int("transB") != 0;
  const float alpha = a.attrs.get_float("alpha", 1.f), beta = a.attrs.get_float("beta", 1.f);
  const int64_t m = y.dim(0), n = y.dim(1);
  const int64_t k = trans_a ? ta.dim(0) : ta.dim(1);
  if ((trans_a ? ta.dim(1) : ta.dim(0)) != m || (trans_b ? tb.dim(1) : tb.dim(0)) != k ||
      (trans_b ? tb.dim(0) : tb.dim(1)) != n)
    return a.error(ErrorCode::kShapeMismatch, "operand shapes do not match the output");
  const float* ad = ta.data<float>();
  const float* bd = tb.data<float>();
  float* yd = y.data<float>();
  // C broadcast: right-aligned, dims of size 1 repeat. Resolve to strides over [M, N].
  const float* cd = nullptr;
  int64_t c_sm = 0, c_sn = 0;
  if (a.has_input(2)) {
    const Tensor& c = a.in(2);
    cd = c.data<float>();
    if (c.rank() > 2) return a.error(ErrorCode::kShapeMismatch, "C rank > 2");
    int64_t cm = c.rank() == 2 ? c.dim(0) : 1, cn = c.rank() >= 1 ? c.dim(c.rank() - 1) : 1;
    if ((cm != 1 && cm != m) || (cn != 1 && cn != n)) return a.error(ErrorCode::kShapeMismatch, "C not broadcastable");
    c_sm = cm == 1 ? 0 : cn;
    c_sn = cn == 1 ? 0 : 1;
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        double av = trans_a ? ad[p * m + i] : ad[i * k + p];
        double bv = trans_b ? bd[j * k + p] : bd[p * n + j];
        acc += av * bv;
      }
      double v = alpha * acc;
      if (cd) v += static_cast<double>(beta) * cd[i * c_sm + j * c_sn];
      yd[i * n + j] = static_cast<float>(v);
    }
  return Status::Ok();
}

Status ref_MatMul(const KernelArgs& a) {
  Shape sa = a.in(0).shape(), sb = a.in(1).shape();
  if (sa.empty() || sb.empty()) return a.error(ErrorCode::kShapeMismatch, "rank-0 operand");
  if (sa.size() == 1) sa.insert(sa.begin(), 1);
  if (sb.size() == 1) sb.push_back(1);
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  if (sb[sb.size() - 2] != k) return a.error(ErrorCode::kShapeMismatch, "inner dims differ");
  MatMulBatches mb;
  if (!matmul_batches(sa, sb, &mb)) return a.error(ErrorCode::kShapeMismatch, "batch dims do not broadcast");
  const int64_t nb = mb.count;
  Tensor& y = a.out(0);
  if (y.numel() != nb * m * n) return a.error(ErrorCode::kShapeMismatch, "output size mismatch");
  const float* ad = a.in(0).data<float>();
  const float* bd = a.in(1).data<float>();
  float* yd = y.data<float>();
  std::vector<double> acc(static_cast<size_t>(n));
  for (int64_t b = 0; b < nb; ++b) {
    int64_t oa = 0, ob = 0;
    mb.offsets(b, &oa, &ob);
    const float* ap = ad + oa;
    const float* bp = bd + ob;
    float* yp = yd + b * m * n;
    // Row accumulator: walks B row-wise (cache friendly); each element still sums p = 0..k-1 in order.
    for (int64_t i = 0; i < m; ++i) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t p = 0; p < k; ++p) {
        const double av = ap[i * k + p];
        const float* brow = bp + p * n;
        for (int64_t j = 0; j < n; ++j) acc[static_cast<size_t>(j)] += av * brow[j];
      }
      for (int64_t j = 0; j < n; ++j) yp[i * n + j] = static_cast<float>(acc[static_cast<size_t>(j)]);
    }
  }
  return Status::Ok();
}

}  // namespace npukit::ref
