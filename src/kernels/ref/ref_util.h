// SPDX-License-Identifier: Apache-2.0
// kernels/ref: small helpers shared by the reference kernel families.
#pragma once

#include <cstdint>
#include <vector>

#include "core/dtype.h"

namespace npukit::ref {

/// Calls `f(T{})` with the C++ type of a numeric dtype (f32 and every integer type); returns false
/// for other dtypes (bool, f16, f64, ...), so callers report the unsupported dtype themselves.
template <class F>
bool visit_numeric(DType t, F&& f) {
  switch (t) {
    case DType::kF32: f(float{}); return true;
    case DType::kI8: f(int8_t{}); return true;
    case DType::kU8: f(uint8_t{}); return true;
    case DType::kI16: f(int16_t{}); return true;
    case DType::kU16: f(uint16_t{}); return true;
    case DType::kI32: f(int32_t{}); return true;
    case DType::kU32: f(uint32_t{}); return true;
    case DType::kI64: f(int64_t{}); return true;
    case DType::kU64: f(uint64_t{}); return true;
    default: return false;
  }
}

/// Batch dims of a matrix product a [..., M, K] x b [..., K, N]: right-aligned, numpy-broadcast (stride 0 on
/// size-1 dims). Shared by the reference and the fast MatMul so both walk batches identically.
struct MatMulBatches {
  std::vector<int64_t> batch;               ///< broadcast batch dims
  std::vector<int64_t> stride_a, stride_b;  ///< element offset per batch index step (0 when broadcast)
  int64_t count = 1;                        ///< product of `batch`
  /// Element offsets of batch number `b` (row-major over `batch`) in a and b.
  void offsets(int64_t b, int64_t* oa, int64_t* ob) const {
    *oa = 0;
    *ob = 0;
    for (size_t i = batch.size(); i-- > 0;) {
      const int64_t c = b % batch[i];
      b /= batch[i];
      *oa += c * stride_a[i];
      *ob += c * stride_b[i];
    }
  }
};
/// Fills `out` from the shapes of a and b (rank >= 2, K already checked); false when the batch dims do not
/// broadcast.
inline bool matmul_batches(const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, MatMulBatches* out) {
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  const size_t ra = sa.size() - 2, rb = sb.size() - 2, r = ra > rb ? ra : rb;
  out->batch.assign(r, 0);
  out->stride_a.assign(r, 0);
  out->stride_b.assign(r, 0);
  int64_t sa_acc = m * k, sb_acc = k * n;
  for (size_t i = r; i-- > 0;) {
    const int64_t da = i >= r - ra ? sa[i - (r - ra)] : 1;
    const int64_t db = i >= r - rb ? sb[i - (r - rb)] : 1;
    if (da != db && da != 1 && db != 1) return false;
    out->batch[i] = (da == 0 || db == 0) ? 0 : (da > db ? da : db);
    out->stride_a[i] = da == 1 ? 0 : sa_acc;
    out->stride_b[i] = db == 1 ? 0 : sb_acc;
    sa_acc *= da;
    sb_acc *= db;
  }
  out->count = 1;
  for (int64_t d : out->batch) out->count *= d;
  return true;
}

/// Advances a row-major multi-index over `dims`; returns false once it wraps around to all zeros.
inline bool next_index(std::vector<int64_t>& idx, const std::vector<int64_t>& dims) {
  for (size_t i = idx.size(); i-- > 0;) {
    if (++idx[i] < dims[i]) return true;
    idx[i] = 0;
  }
  return false;
}

}  // namespace npukit::ref
