// SPDX-License-Identifier: Apache-2.0
// kernels/q8: weight packing, row stores and scratch buffers shared by the drivers.
#include "kernels/q8/engine.h"

#include <cstdlib>
#include <cstring>

namespace npukit::q8::detail {

size_t weight_block_bytes(const Ukernels& uk, int64_t kq) {
  return static_cast<size_t>(kq) * uk.mr * 4 * (uk.wfmt == WeightFormat::kI16Pairs ? 2 : 1);
}

void pack_weight_blocks(const Ukernels& uk, const int8_t* w, int64_t rows, int64_t k, uint8_t* dst) {
  const int64_t kq = (k + 3) / 4, mr = uk.mr;
  const int64_t blocks = (rows + mr - 1) / mr;
  const size_t bb = weight_block_bytes(uk, kq);
  auto at = [&](int64_t row, int64_t kk) -> int32_t { return row < rows && kk < k ? w[row * k + kk] : 0; };
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t* d = dst + static_cast<size_t>(b) * bb;
    for (int64_t q = 0; q < kq; ++q) {
      for (int64_t r = 0; r < mr; ++r) {
        const int64_t row = b * mr + r;
        if (uk.wfmt == WeightFormat::kBytes) {
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

void store_row(const RowStore& st, const int32_t* codes, int64_t n, int64_t idx0, int64_t stride) {
  const int32_t* c = codes;
  int32_t tmp[64];
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
  if (st.dtype == DType::kU8) {
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

Expected<Tensor> output_tensor(Tensor* y, DType dtype, const Shape& shape) {
  if (y != nullptr && !y->empty() && y->dtype() == dtype && y->shape() == shape) return *y;
  return Tensor::create(dtype, shape);
}

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace npukit::q8::detail
