// SPDX-License-Identifier: Apache-2.0
// Reference kernels for BatchNormalization (inference), LayerNormalization, InstanceNormalization.
// Statistics are accumulated in double (mean first, then the centred second moment: no cancellation).
#include <cmath>
#include <vector>

#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {
namespace {

/// Index into a tensor `s` right-aligned and broadcast against the trailing dims `norm` at flat offset j.
int64_t bcast_index(const Shape& s, const Shape& norm, int64_t j) {
  int64_t idx = 0, mul = 1;
  for (size_t d = 0; d < norm.size(); ++d) {
    size_t nd = norm.size() - 1 - d;
    int64_t c = j % norm[nd];
    j /= norm[nd];
    if (d < s.size()) {
      int64_t sd = s[s.size() - 1 - d];
      if (sd != 1) idx += c * mul;
      mul *= sd;
    }
  }
  return idx;
}

}  // namespace

Status ref_BatchNormalization(const KernelArgs& a) {
  const Tensor& x = a.in(0);
  Tensor& y = a.out(0);
  if (x.rank() < 2) return a.error(ErrorCode::kShapeMismatch, "X rank < 2");
  const int64_t n = x.dim(0), c = x.dim(1), plane = (n * c != 0) ? x.numel() / (n * c) : 0;
  for (size_t i = 1; i < 5; ++i)
    if (a.in(i).numel() != c) return a.error(ErrorCode::kShapeMismatch, "parameter ", i, " size mismatch");
  const double eps = a.attrs.get_float("epsilon");
  const float *sc = a.in(1).data<float>(), *bi = a.in(2).data<float>(), *mu = a.in(3).data<float>(),
              *var = a.in(4).data<float>();
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for (int64_t ch = 0; ch < c; ++ch) {
    double mul = sc[ch] / std::sqrt(static_cast<double>(var[ch]) + eps);
    for (int64_t b = 0; b < n; ++b) {
      int64_t base = (b * c + ch) * plane;
      for (int64_t p = 0; p < plane; ++p) yd[base + p] = static_cast<float>((xd[base + p] - mu[ch]) * mul + bi[ch]);
    }
  }
  return Status::Ok();
}

Status ref_LayerNormalization(const KernelArgs& a) {
  const Tensor& x = a.in(0);
  int64_t rank = static_cast<int64_t>(x.rank());
  int64_t axis = a.attrs.get_int("axis", -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return a.error(ErrorCode::kInvalidModel, "axis out of range");
  Shape norm(x.shape().begin() + axis, x.shape().end());
  int64_t inner = 1;
  for (int64_t d : norm) inner *= d;
  const int64_t outer = inner ? x.numel() / inner : 0;
  const double eps = a.attrs.get_float("epsilon");
  const Tensor& scale = a.in(1);
  const Tensor* bias = a.has_input(2) ? &a.in(2) : nullptr;
  // Precompute broadcast indices of Scale/B over the normalized block.
  std::vector<int64_t> si(static_cast<size_t>(inner)), bi(static_cast<size_t>(inner));
  for (int64_t j = 0; j < inner; ++j) {
    si[j] = bcast_index(scale.shape(), norm, j);
    if (bias) bi[j] = bcast_index(bias->shape(), norm, j);
    if (si[j] >= scale.numel() || (bias && bi[j] >= bias->numel()))
      return a.error(ErrorCode::kShapeMismatch, "Scale/B not broadcastable");
  }
  const float* xd = x.data<float>();
  const float* sd = scale.data<float>();
  const float* bd = bias ? bias->data<float>() : nullptr;
  float* yd = a.out(0).data<float>();
  float* mean_out = a.outputs.size() > 1 && a.out(1).numel() == outer ? a.out(1).data<float>() : nullptr;
  float* inv_out = a.outputs.size() > 2 && a.out(2).numel() == outer ? a.out(2).data<float>() : nullptr;
  for (int64_t o = 0; o < outer; ++o) {
    const float* xp = xd + o * inner;
    double mean = 0, var = 0;
    for (int64_t j = 0; j < inner; ++j) mean += xp[j];
    mean /= static_cast<double>(inner);
    for (int64_t j = 0; j < inner; ++j) var += (xp[j] - mean) * (xp[j] - mean);
    var /= static_cast<double>(inner);
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t j = 0; j < inner; ++j)
      yd[o * inner + j] = static_cast<float>((xp[j] - mean) * inv * sd[si[j]] + (bd ? bd[bi[j]] : 0.0));
    if (mean_out) mean_out[o] = static_cast<float>(mean);
    if (inv_out) inv_out[o] = static_cast<float>(inv);
  }
  return Status::Ok();
}

Status ref_InstanceNormalization(const KernelArgs& a) {
  const Tensor& x = a.in(0);
  if (x.rank() < 3) return a.error(ErrorCode::kShapeMismatch, "X rank < 3");
  const int64_t n = x.dim(0), c = x.dim(1);
  if (a.in(1).numel() != c || a.in(2).numel() != c) return a.error(ErrorCode::kShapeMismatch, "scale/B size mismatch");
  const int64_t plane = (n * c != 0) ? x.numel() / (n * c) : 0;
  const double eps = a.attrs.get_float("epsilon");
  const float* xd = x.data<float>();
  const float* sc = a.in(1).data<float>();
  const float* bi = a.in(2).data<float>();
  float* yd = a.out(0).data<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      const float* xp = xd + (b * c + ch) * plane;
      double mean = 0, var = 0;
      for (int64_t p = 0; p < plane; ++p) mean += xp[p];
      mean /= static_cast<double>(plane ? plane : 1);
      for (int64_t p = 0; p < plane; ++p) var += (xp[p] - mean) * (xp[p] - mean);
      var /= static_cast<double>(plane ? plane : 1);
      double mul = sc[ch] / std::sqrt(var + eps);
      for (int64_t p = 0; p < plane; ++p)
        yd[(b * c + ch) * plane + p] = static_cast<float>((xp[p] - mean) * mul + bi[ch]);
    }
  return Status::Ok();
}

}  // namespace npukit::ref
