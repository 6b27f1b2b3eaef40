// SPDX-License-Identifier: Apache-2.0
// kernels/q8 (internal): pieces shared by the convolution and GEMM drivers: weight packing into the tier's
// block layout, the tile loop (microkernel + requantization per output row) and the store of one row of codes
// (with the optional fused residual add).
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"
#include "core/tensor.h"
#include "kernels/q8/parallel.h"
#include "kernels/q8/q8_kernels.h"
#include "kernels/q8/ukernels.h"
#include "quant/arith.h"

namespace npukit::q8::detail {

/// Bytes of one packed weight block (MR rows x kq quads) for the tier.
size_t weight_block_bytes(const Ukernels& uk, int64_t kq);
/// Packs rows [0, rows) of w (row-major, row stride k, int8) into ceil(rows / MR) blocks at dst (zero rows /
/// zero k beyond the ends). dst must hold blocks * weight_block_bytes().
void pack_weight_blocks(const Ukernels& uk, const int8_t* w, int64_t rows, int64_t k, uint8_t* dst);

/// Largest |w| of an int8 tensor's data.
int32_t max_abs_weight(const int8_t* w, int64_t n);
/// True when sums of k products |x| <= 255, |w| <= max_abs are exact in int32.
inline bool int32_exact(int64_t k, int32_t max_abs) {
  return static_cast<__int128>(k) * 255 * max_abs <= INT32_MAX;
}

/// True when every accumulator of magnitude <= bound plus `bias` fits in int32 (no saturation can occur).
inline bool no_saturation(int64_t bound, int32_t bias) {
  return bound + (bias < 0 ? -static_cast<int64_t>(bias) : bias) <= INT32_MAX;
}

/// Requantization parameters of the rows of one tile loop.
struct RowParams {
  const int64_t* corr = nullptr;                     ///< per row: added to the int32 tile sums
  const int32_t* bias = nullptr;                     ///< per row (part of corr)
  int64_t acc_bound = 0;                             ///< max |true accumulator| before the bias
  const quant::QuantizedMultiplier* mult = nullptr;  ///< per row, or one for all when per_channel is false
  bool per_channel = false;
  int32_t zp = 0, lo = 0, hi = 0;
};

/// Where and how a row of codes is written.
struct RowStore {
  DType dtype = DType::kI8;  ///< kI8 or kU8
  void* y = nullptr;
  const Tensor* residual = nullptr;  ///< kI8 / kU8, same indexing as y
  const quant::AddParams* add = nullptr;
};

/// Writes codes[i] (already in the output range) to element idx0 + i * stride of the output, applying
/// add_quantized with the residual's element at the same index first when there is a residual.
void store_row(const RowStore& st, const int32_t* codes, int64_t n, int64_t idx0, int64_t stride);

/// The output tensor of a kernel call: *y itself when it already has `dtype` and `shape` (the caller's storage,
/// e.g. a view into the runtime's arena: no allocation), otherwise a new tensor.
Expected<Tensor> output_tensor(Tensor* y, DType dtype, const Shape& shape);

/// Depthwise convolution (conv_dw.cpp): x already checked by conv2d; writes through `st`.
Status conv2d_depthwise(const PackedConv& pc, const Tensor& x, const RowStore& st, int64_t oh, int64_t ow,
                        const Parallel* par);

/// Per-thread scratch buffers (grown on demand, reused across calls).
struct Scratch {
  std::vector<uint8_t> x;
  std::vector<int32_t> c, codes;
  std::vector<int16_t> dw, row;
  std::vector<int64_t> base, off;
  std::vector<const int16_t*> src;
};
Scratch& scratch();

/// Output element index of (row, pixel p) is row_index(row) + p * pix_stride.
/// Runs oc blocks [ob0, ob1) of the block array `w` against `np_total` pixels packed as consecutive NR-panels
/// in xbuf (pixel numbers pix0, pix0 + 1, ...), requantizing each row and storing it.
template <class RowIndex>
void run_tiles(const Ukernels& uk, int64_t kq, const uint8_t* w, size_t block_bytes, int64_t rows, int64_t ob0,
               int64_t ob1, const uint8_t* xbuf, int64_t pix0, int64_t np_total, const RowParams& rp,
               const RowStore& st, RowIndex row_index, int64_t pix_stride, Scratch& s) {
  const int mr = uk.mr, nr = uk.nr;
  s.c.resize(static_cast<size_t>(mr * nr));
  s.codes.resize(static_cast<size_t>(nr));
  const size_t panel_bytes = static_cast<size_t>(kq) * nr * 4;
  const int64_t npanels = (np_total + nr - 1) / nr;
  for (int64_t ob = ob0; ob < ob1; ++ob) {
    const uint8_t* wb = w + static_cast<size_t>(ob) * block_bytes;
    for (int64_t j = 0; j < npanels; ++j) {
      uk.gemm_tile(kq, wb, xbuf + static_cast<size_t>(j) * panel_bytes, s.c.data());
      const int64_t valid = std::min<int64_t>(nr, np_total - j * nr);
      for (int r = 0; r < mr; ++r) {
        const int64_t row = ob * mr + r;
        if (row >= rows) break;
        const quant::QuantizedMultiplier m = rp.mult[rp.per_channel ? row : 0];
        uk.requant(s.c.data() + r * nr, nr, rp.corr[row], m.mult, m.shift, rp.zp, rp.lo, rp.hi, s.codes.data(),
                   no_saturation(rp.acc_bound, rp.bias[row]));
        store_row(st, s.codes.data(), valid, row_index(row) + (pix0 + j * nr) * pix_stride, pix_stride);
      }
    }
  }
}

}  // namespace npukit::q8::detail
