// SPDX-License-Identifier: Apache-2.0
// kernels/q8: the scalar tier (portable C++, no ISA flags) and the tier dispatch.
#include "kernels/q8/ukernels.h"
#include "kernels/q8/wino_impl.h"
#include "quant/arith.h"

namespace npukit::q8::detail {

namespace {

constexpr int kMr = 4, kNr = 8;

void gemm_tile_scalar(int64_t kq, const void* wv, const uint8_t* x, int32_t* c) {
  const int8_t* w = static_cast<const int8_t*>(wv);
  int32_t acc[kMr][kNr] = {};
  for (int64_t q = 0; q < kq; ++q) {
    const uint8_t* xq = x + q * kNr * 4;
    const int8_t* wq = w + q * kMr * 4;
    for (int r = 0; r < kMr; ++r) {
      const int32_t w0 = wq[r * 4], w1 = wq[r * 4 + 1], w2 = wq[r * 4 + 2], w3 = wq[r * 4 + 3];
      for (int p = 0; p < kNr; ++p)
        acc[r][p] += w0 * xq[p * 4] + w1 * xq[p * 4 + 1] + w2 * xq[p * 4 + 2] + w3 * xq[p * 4 + 3];
    }
  }
  for (int r = 0; r < kMr; ++r)
    for (int p = 0; p < kNr; ++p) c[r * kNr + p] = acc[r][p];
}

/// Winograd F(2x2, 3x3) GEMM tile (ukernels.h wino_tile), 4 output channels x 8 tiles, in unsigned (mod 2^32)
/// arithmetic: the contract is the sum modulo 2^32, and unsigned overflow is defined.
constexpr int kWinoNr = 8;
void wino_tile_scalar(int64_t kpairs, const int16_t* w, int64_t wpos, int64_t wblk, int nob, const int16_t* v,
                      int64_t vpos, int64_t vstride, int32_t* c) {
  for (int xi = 0; xi < 16; ++xi)
    for (int b = 0; b < nob; ++b) {
      uint32_t acc[kMr][kWinoNr] = {};
      for (int64_t i = 0; i < kpairs; ++i) {
        const int16_t* wi = w + xi * wpos + b * wblk + i * kMr * 2;
        const int16_t* vi = v + xi * vpos + i * vstride;
        for (int r = 0; r < kMr; ++r)
          for (int t = 0; t < kWinoNr; ++t)
            acc[r][t] += static_cast<uint32_t>(wi[r * 2] * vi[t * 2] + wi[r * 2 + 1] * vi[t * 2 + 1]);
      }
      int32_t* cb = c + (b * 16 + xi) * kMr * kWinoNr;
      for (int r = 0; r < kMr; ++r)
        for (int t = 0; t < kWinoNr; ++t) cb[r * kWinoNr + t] = static_cast<int32_t>(acc[r][t]);
    }
}

void dw_row_scalar(int64_t n, int64_t npairs, const int16_t* const* src, const int32_t* wp, int32_t* acc) {
  const int64_t n16 = (n + 15) / 16 * 16;
  for (int64_t i = 0; i < n16; ++i) acc[i] = 0;
  for (int64_t t = 0; t < npairs; ++t) {
    const int32_t wa = static_cast<int16_t>(wp[t] & 0xFFFF), wb = static_cast<int16_t>(wp[t] >> 16);
    const int16_t* a = src[2 * t];
    const int16_t* b = src[2 * t + 1];
    for (int64_t i = 0; i < n; ++i) acc[i] += a[i] * wa + b[i] * wb;
  }
}

void pack_quad_scalar(const uint8_t* const* rows, uint8_t mask, uint8_t sub, uint8_t* d) {
  for (int p = 0; p < kNr; ++p)
    for (int j = 0; j < 4; ++j) d[p * 4 + j] = static_cast<uint8_t>((rows[j][p] ^ mask) - sub);
}

void pack_panel_scalar(const uint8_t* base, const int64_t* koff, int64_t kq, uint8_t mask, uint8_t sub, uint8_t* d) {
  for (int64_t q = 0; q < kq; ++q) {
    const uint8_t* rows[4] = {base + koff[4 * q], base + koff[4 * q + 1], base + koff[4 * q + 2],
                              base + koff[4 * q + 3]};
    pack_quad_scalar(rows, mask, sub, d + q * kNr * 4);
  }
}

void pack_quad_runs_scalar(const uint8_t* const* rows, const int64_t* run_off, const int32_t* run_start, int nruns,
                           int step, uint8_t mask, uint8_t sub, uint8_t* d) {
  int r = 0;
  for (int p = 0; p < kNr; ++p) {
    while (r + 1 < nruns && p >= run_start[r + 1]) ++r;
    for (int j = 0; j < 4; ++j) d[p * 4 + j] = static_cast<uint8_t>((rows[j][run_off[r] + step * p] ^ mask) - sub);
  }
}
void pack_quad_s2_scalar(const uint8_t* const* rows, uint8_t mask, uint8_t sub, uint8_t* d) {
  for (int p = 0; p < kNr; ++p)
    for (int j = 0; j < 4; ++j) d[p * 4 + j] = static_cast<uint8_t>((rows[j][2 * p] ^ mask) - sub);
}

}  // namespace

void requant_scalar(const int32_t* acc, int64_t n, int64_t corr, int32_t mult, int32_t shift, int32_t zp, int32_t lo,
                    int32_t hi, int32_t* out, bool /*no_sat*/) {
  const quant::QuantizedMultiplier m{mult, shift};
  const quant::QRange r{lo, hi};
  for (int64_t i = 0; i < n; ++i)
    out[i] = quant::requantize(quant::saturate_i32(static_cast<int64_t>(acc[i]) + corr), m, zp, r);
}

void requant_rows8_scalar(const int32_t* c, int nr, int rows, int nvalid, const RowQ* q, int32_t zp, int32_t lo,
                          int32_t hi, uint8_t* y, int64_t ys) {
  for (int r = 0; r < rows; ++r) {
    const quant::QuantizedMultiplier m{q[r].mult, q[r].shift};
    const quant::QRange range{lo, hi};
    for (int i = 0; i < nvalid; ++i) {
      // Wrapping 32-bit sum: exact because the true sum fits int32 (precondition).
      const int32_t a = static_cast<int32_t>(static_cast<uint32_t>(c[r * nr + i]) + static_cast<uint32_t>(q[r].corr));
      y[r * ys + i] = static_cast<uint8_t>(quant::requantize(a, m, zp, range));
    }
  }
}

void gemv_scalar(int64_t k, const int8_t* w, int64_t ldw, int64_t rows, const int16_t* x, int32_t* out) {
  for (int64_t r = 0; r < rows; ++r) {
    int32_t acc = 0;
    const int8_t* wr = w + r * ldw;
    for (int64_t i = 0; i < k; ++i) acc += wr[i] * x[i];
    out[r] = acc;
  }
}

namespace {
void requant_rows8_scalar_tier(const int32_t* c, int rows, int nvalid, const RowQ* q, int32_t zp, int32_t lo,
                               int32_t hi, uint8_t* y, int64_t ys) {
  requant_rows8_scalar(c, kNr, rows, nvalid, q, zp, lo, hi, y, ys);
}
}  // namespace

const Ukernels* ukernels_scalar() {
  static const Ukernels k = [] {
    Ukernels u;
    u.isa = Isa::kScalar;
    u.mr = kMr;
    u.nr = kNr;
    u.wfmt = WeightFormat::kBytes;
    u.gemm_tile = gemm_tile_scalar;
    u.requant = requant_scalar;
    u.dw_row = dw_row_scalar;
    u.pack_quad = pack_quad_scalar;
    u.pack_panel = pack_panel_scalar;
    u.pack_quad_s2 = pack_quad_s2_scalar;
    u.pack_quad_runs = pack_quad_runs_scalar;
    u.requant_rows8 = requant_rows8_scalar_tier;
    u.gemv = gemv_scalar;
    u.wino_tile = wino_tile_scalar;
    u.wino_input = wino_input_portable;
    u.wino_output = wino_output_portable<kMr, kWinoNr>;
    u.wino_mr = kMr;
    u.wino_nr = kWinoNr;
    return u;
  }();
  return &k;
}

const Ukernels* ukernels_for(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return ukernels_scalar();
    case Isa::kAvx2: return ukernels_avx2();
    case Isa::kAvxVnni: return ukernels_avx_vnni();
    case Isa::kAvx512Vnni: return ukernels_avx512_vnni();
  }
  return nullptr;
}

}  // namespace npukit::q8::detail
