// SPDX-License-Identifier: Apache-2.0
// kernels/q8: weight packing, row stores and scratch buffers shared by the drivers.
#include "kernels/q8/engine.h"

#include <cstdlib>
#include <cstring>

#include "kernels/q8/ops_common.h"

namespace npukit::q8::detail {

size_t weight_block_bytes(const Ukernels& uk, int64_t kq, WeightFormat fmt) {
  return static_cast<size_t>(kq) * uk.mr * 4 * (fmt == WeightFormat::kI16Pairs ? 2 : 1);
}

void pack_weight_blocks(const Ukernels& uk, const int8_t* w, int64_t rows, int64_t k, uint8_t* dst, WeightFormat fmt) {
  const int64_t kq = (k + 3) / 4, mr = uk.mr;
  const int64_t blocks = (rows + mr - 1) / mr;
  const size_t bb = weight_block_bytes(uk, kq, fmt);
  auto at = [&](int64_t row, int64_t kk) -> int32_t { return row < rows && kk < k ? w[row * k + kk] : 0; };
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t* d = dst + static_cast<size_t>(b) * bb;
    for (int64_t q = 0; q < kq; ++q) {
      for (int64_t r = 0; r < mr; ++r) {
        const int64_t row = b * mr + r;
        if (fmt == WeightFormat::kBytes) {
          for (int j = 0; j < 4; ++j)
            d[(q * mr + r) * 4 + j] = static_cast<uint8_t>(static_cast<int8_t>(at(row, 4 * q + j)));
        } else {
          const int16_t v[4] = {static_cast<int16_t>(at(row, 4 * q)), static_cast<int16_t>(at(row, 4 * q + 2)),
                                static_cast<int16_t>(at(row, 4 * q + 1)), static_cast<int16_t>(at(row, 4 * q + 3))};
          std::memcpy(d + (q * mr + r) * 8, v, sizeof(v));
        }
      }
    }
  }
}

int32_t max_abs_weight(const int8_t* w, int64_t n) {
  int32_t m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::abs(static_cast<int32_t>(w[i])));
  return m;
}

void add_residual_rows(const RowStore& st, int64_t idx0, int64_t n, int64_t rows, int64_t stride) {
  uint8_t* y = static_cast<uint8_t*>(st.y) + idx0;
  st.add_row->run_rows(y, static_cast<const uint8_t*>(st.residual->raw()) + idx0, y, n, rows, stride);
}

void store_row(const RowStore& st, const int32_t* codes, int64_t n, int64_t idx0, int64_t stride) {
  const int32_t* c = codes;
  int32_t tmp[64];
  if (st.residual != nullptr && st.add_row != nullptr && stride == 1) {
    // The intermediate codes as bytes, then the add's row kernel in place.
    RowStore plain = st;
    plain.residual = nullptr;
    store_row(plain, codes, n, idx0, 1);
    add_residual_rows(st, idx0, n);
    return;
  }
  if (st.residual != nullptr) {
    // Fused residual add: the requantized conv code is the intermediate "a" of add_quantized.
    for (int64_t i0 = 0; i0 < n; i0 += 64) {
      const int64_t m = std::min<int64_t>(64, n - i0);
      for (int64_t i = 0; i < m; ++i) {
        const int64_t idx = idx0 + (i0 + i) * stride;
        const int32_t rv =
            st.residual->dtype() == DType::kU8 ? st.residual->data<uint8_t>()[idx] : st.residual->data<int8_t>()[idx];
        tmp[i] = quant::add_quantized(codes[i0 + i], rv, *st.add);
      }
      RowStore plain = st;
      plain.residual = nullptr;
      store_row(plain, tmp, m, idx0 + i0 * stride, stride);
    }
    return;
  }
  if (st.dtype == DType::kI32) {
    int32_t* y = static_cast<int32_t*>(st.y) + idx0;
    for (int64_t i = 0; i < n; ++i) y[i * stride] = c[i];
  } else if (st.dtype == DType::kI16) {
    int16_t* y = static_cast<int16_t*>(st.y) + idx0;
    if (stride == 1)
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<int16_t>(c[i]);
    else
      for (int64_t i = 0; i < n; ++i) y[i * stride] = static_cast<int16_t>(c[i]);
  } else if (st.dtype == DType::kU8) {
    uint8_t* y = static_cast<uint8_t*>(st.y) + idx0;
    if (stride == 1)
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<uint8_t>(c[i]);
    else
      for (int64_t i = 0; i < n; ++i) y[i * stride] = static_cast<uint8_t>(c[i]);
  } else {
    int8_t* y = static_cast<int8_t*>(st.y) + idx0;
    if (stride == 1)
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<int8_t>(c[i]);
    else
      for (int64_t i = 0; i < n; ++i) y[i * stride] = static_cast<int8_t>(c[i]);
  }
}

ChannelParams make_channel_params(const std::vector<int32_t>& bias, const std::vector<int64_t>& sumw, int64_t zoff,
                                  const std::vector<quant::QuantizedMultiplier>& mult, int64_t acc_bound, bool out8) {
  ChannelParams cp;
  fill_channel_params(cp, bias, sumw, zoff, mult, acc_bound, out8);
  return cp;
}

void byte_span(const uint8_t* x, int64_t n, uint8_t mask, uint8_t* lo, uint8_t* hi) {
  uint8_t mn = 255, mx = 0;
  constexpr int64_t kChunk = 4096;
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    const int64_t e = std::min(n, i0 + kChunk);
    uint8_t a = mn, b = mx;
    for (int64_t i = i0; i < e; ++i) {  // vectorizes (pminub / pmaxub)
      const uint8_t v = x[i] ^ mask;
      a = v < a ? v : a;
      b = v > b ? v : b;
    }
    mn = a;
    mx = b;
    if (mx - mn > 127) break;
  }
  *lo = mn;
  *hi = mx;
}

void fill_channel_params(ChannelParams& cp, const std::vector<int32_t>& bias, const std::vector<int64_t>& sumw,
                         int64_t zoff, const std::vector<quant::QuantizedMultiplier>& mult, int64_t acc_bound,
                         bool out8) {
  const size_t n = bias.size();
  cp.corr.resize(n);
  cp.rowq.resize(n);
  cp.row_fast.assign(n, 0);
  for (size_t o = 0; o < n; ++o) {
    cp.corr[o] = bias[o] - zoff * sumw[o];
    if (!out8 || mult.empty()) continue;
    const quant::QuantizedMultiplier m = mult[mult.size() == 1 ? 0 : o];
    // requant_rows8's preconditions: no int32 saturation possible, multiplier in (0, 1/2) with 31 - shift <= 63.
    if (!no_saturation(acc_bound, bias[o]) || m.mult <= 0 || m.shift > -1 || m.shift < -32) continue;
    cp.rowq[o].corr = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(cp.corr[o])));
    cp.rowq[o].mult = m.mult;
    cp.rowq[o].shift = m.shift;
    cp.row_fast[o] = 1;
  }
}

void finish_i32(const int32_t* acc, int64_t n, int64_t corr, int32_t lo, int32_t hi, int32_t* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::clamp(quant::saturate_i32(acc[i] + corr), lo, hi);
}

bool fast_output(DType dt, quant::QRange range, int32_t zp) {
  if (dt == DType::kI32) return range.qmin <= range.qmax;
  if (dt != DType::kI8 && dt != DType::kU8 && dt != DType::kI16) return false;
  return qref::detail::check_output(dt, range, zp, "").ok();
}

Expected<Tensor> output_tensor(Tensor* y, DType dtype, const Shape& shape) {
  if (y != nullptr && !y->empty() && y->dtype() == dtype && y->shape() == shape) return *y;
  return Tensor::create(dtype, shape);
}

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace npukit::q8::detail
