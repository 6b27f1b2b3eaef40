// SPDX-License-Identifier: Apache-2.0
// kernels/q8: fully connected driver (qref::qgemm semantics). The M rows of a play the pixels of the
// convolution engine: NR-row panels of a are packed as u8 quads, tiles of MR output columns are requantized
// per column and stored with stride N.
#include <algorithm>
#include <cstring>

#include "kernels/q8/engine.h"
#include "kernels/q8/q8_kernels.h"

namespace npukit::q8 {

using detail::RowParams;
using detail::RowStore;
using detail::Scratch;

namespace {
constexpr int64_t kGemvMaxRows = 4;  // a with fewer rows runs as matrix-vector products
constexpr int64_t kGemvCols = 64;    // output columns per gemv task
}  // namespace

Expected<PackedGemm> PackedGemm::create(const Tensor& w, const Tensor* bias, const qref::QGemmParams& p, Isa isa) {
  PackedGemm pg;
  if (w.dtype() != DType::kI8 || w.rank() != 2 || w.empty())
    return make_error(ErrorCode::kShapeMismatch, "q8 gemm: weights must be i8 [N, K], got ", dtype_name(w.dtype()), " ",
                      shape_str(w.shape()));
  const int64_t nn = w.dim(0), k = w.dim(1);
  if (bias != nullptr && (bias->dtype() != DType::kI32 || bias->rank() != 1 || bias->dim(0) != nn))
    return make_error(ErrorCode::kShapeMismatch, "q8 gemm: bias must be i32 [", nn, "], got ",
                      dtype_name(bias->dtype()), " ", shape_str(bias->shape()));
  if (p.output_dtype != DType::kI32) NPUKIT_RETURN_IF_ERROR(qref::detail::check_multipliers(p.out_mult, nn, "q8 gemm"));
  pg.uk_ = detail::ukernels_for(isa);
  if (pg.uk_ == nullptr)
    return make_error(ErrorCode::kUnimplemented, "q8 gemm: this build has no code for tier ", isa_name(isa));
  pg.w_ = w;
  pg.has_bias_ = bias != nullptr;
  if (bias) pg.bias_ = *bias;
  pg.p_ = p;
  pg.isa_ = isa;
  pg.n_ = nn;
  pg.k_ = k;
  pg.kq_ = (k + 3) / 4;
  const int8_t* wd = w.data<int8_t>();
  const bool out_ok = detail::fast_output(p.output_dtype, p.out_range, p.output_zero_point);
  const int32_t wmax = detail::max_abs_weight(wd, w.numel());
  pg.fast_ = out_ok && k > 0 && detail::int32_exact(k, wmax);
  pg.acc_bound_ = k * 255 * wmax;
  if (!pg.fast_) return pg;
  pg.bias_v_.assign(static_cast<size_t>(nn), 0);
  if (bias)
    for (int64_t i = 0; i < nn; ++i) pg.bias_v_[static_cast<size_t>(i)] = bias->data<int32_t>()[i];
  pg.sumw_.assign(static_cast<size_t>(nn), 0);
  for (int64_t o = 0; o < nn; ++o)
    for (int64_t i = 0; i < k; ++i) pg.sumw_[static_cast<size_t>(o)] += wd[o * k + i];
  for (int i8in = 0; i8in < 2; ++i8in)
    pg.chan_[i8in] = std::make_shared<const detail::ChannelParams>(detail::make_channel_params(
        pg.bias_v_, pg.sumw_, static_cast<int64_t>(p.a_zero_point) + 128 * i8in, p.out_mult, pg.acc_bound_, false));
  pg.oc_blocks_ = (nn + pg.uk_->mr - 1) / pg.uk_->mr;
  pg.block_bytes_ = detail::weight_block_bytes(*pg.uk_, pg.kq_);
  pg.packed_.assign(static_cast<size_t>(pg.oc_blocks_) * pg.block_bytes_, 0);
  detail::pack_weight_blocks(*pg.uk_, wd, nn, k, pg.packed_.data());
  return pg;
}

Status gemm(const PackedGemm& pg, const Tensor& a, Tensor* y, const Parallel* par) {
  const qref::QGemmParams& p = pg.p_;
  auto reference = [&] { return qref::qgemm(a, pg.w_, pg.has_bias_ ? &pg.bias_ : nullptr, p, y); };
  if (y == nullptr) return make_error(ErrorCode::kInvalidArgument, "q8 gemm: output pointer is null");
  if (!pg.fast_ || (a.dtype() != DType::kI8 && a.dtype() != DType::kU8) || a.rank() != 2 || a.dim(1) != pg.k_ ||
      a.empty())
    return reference();
  if (!qref::detail::check_zero_point(a.dtype(), p.a_zero_point, "").ok()) return reference();
  const int64_t m = a.dim(0), nn = pg.n_, k = pg.k_, kq = pg.kq_;
  NPUKIT_ASSIGN_OR_RETURN(Tensor out, detail::output_tensor(y, p.output_dtype, Shape{m, nn}));
  if (out.numel() == 0) {
    *y = std::move(out);
    return Status::Ok();
  }
  const detail::Ukernels& uk = *pg.uk_;
  const int64_t nr = uk.nr;
  const bool i8in = a.dtype() == DType::kI8;
  const uint8_t mask = i8in ? 0x80 : 0;
  const detail::ChannelParams& chan = *pg.chan_[i8in ? 1 : 0];
  const bool acc_out = p.output_dtype == DType::kI32;
  RowStore st;
  st.dtype = p.output_dtype;
  st.y = out.raw();
  RowParams rp;
  rp.corr = chan.corr.data();
  rp.bias = pg.bias_v_.data();
  rp.acc_bound = pg.acc_bound_;
  rp.mult = p.out_mult.empty() ? nullptr : p.out_mult.data();
  rp.per_channel = p.out_mult.size() != 1;
  rp.zp = p.output_zero_point;
  rp.lo = p.out_range.qmin;
  rp.hi = p.out_range.qmax;
  rp.acc_out = acc_out;

  if (m < kGemvMaxRows) {
    // Few rows (batch-1 fully connected): matrix-vector products straight from the unpacked [N, K] weights, tasks of
    // kGemvCols output columns.
    const uint8_t* src = static_cast<const uint8_t*>(a.raw());
    const int8_t* wd = pg.w_.data<int8_t>();
    const int64_t tasks = (nn + kGemvCols - 1) / kGemvCols;
    const bool px1 = uk.gemm_px != nullptr && uk.wfmt == detail::WeightFormat::kBytes && kGemvCols % uk.mr == 0;
    auto task = [&](int64_t t) {
      const int64_t n0 = t * kGemvCols, cnt = std::min(nn, n0 + kGemvCols) - n0;
      Scratch& s = detail::scratch();
      s.x16.resize(static_cast<size_t>(k));
      if (px1) s.xq.assign(static_cast<size_t>(kq * 4), 0);  // (quads past K: 0, their weights are 0 too)
      s.c.resize(static_cast<size_t>(kGemvCols + uk.mr));
      s.codes.resize(static_cast<size_t>(kGemvCols));
      for (int64_t mi = 0; mi < m; ++mi) {
        const uint8_t* arow = src + mi * k;
        if (px1) {
          // The tier's one-pixel kernel on the packed blocks of this task's columns (kGemvCols is a multiple of MR):
          // one contiguous stream of weights, 4-quad steps (MobileNetV2 classifier in the model: 184 -> 82-101 us).
          uint8_t* xq = s.xq.data();
          for (int64_t i = 0; i < k; ++i) xq[i] = static_cast<uint8_t>(arow[i] ^ mask);
          for (int64_t j = 0; j < cnt; j += uk.mr)
            uk.gemm_px(kq, pg.packed_.data() + static_cast<size_t>((n0 + j) / uk.mr) * pg.block_bytes_, xq, 0, 1,
                       s.c.data() + j);
        } else {
          int16_t* x16 = s.x16.data();
          for (int64_t i = 0; i < k; ++i) x16[i] = static_cast<int16_t>(static_cast<uint8_t>(arow[i] ^ mask));
          uk.gemv(k, wd + n0 * k, k, cnt, x16, s.c.data());
        }
        for (int64_t j = 0; j < cnt; ++j) {
          const int64_t col = n0 + j;
          const int64_t v = static_cast<int64_t>(s.c[static_cast<size_t>(j)]) + rp.corr[col];
          s.codes[static_cast<size_t>(j)] =
              acc_out ? std::clamp(quant::saturate_i32(v), rp.lo, rp.hi)
                      : quant::requantize(quant::saturate_i32(v), rp.mult[rp.per_channel ? col : 0], rp.zp,
                                          quant::QRange{rp.lo, rp.hi});
        }
        detail::store_row(st, s.codes.data(), cnt, mi * nn + n0, 1);
      }
    };
    parallel_for(par, tasks, task);
    *y = std::move(out);
    return Status::Ok();
  }

  const uint8_t* src = static_cast<const uint8_t*>(a.raw());
  const size_t panel_bytes = static_cast<size_t>(kq * nr * 4);
  const int64_t panels = (m + nr - 1) / nr;
  const int64_t per_block = std::clamp<int64_t>(static_cast<int64_t>((128 * 1024) / panel_bytes), 1, 16);
  const int64_t pblocks = (panels + per_block - 1) / per_block;
  const int64_t chunks = std::clamp<int64_t>((16 + pblocks - 1) / pblocks, 1, pg.oc_blocks_);
  const size_t block_bytes = static_cast<size_t>(per_block) * panel_bytes;
  // Panels of row block pb at d0: quad q of row r is the 4 bytes a[r, 4q .. 4q + 3] (xor mask), one 32-bit move; rows
  // beyond m and k beyond K are zero (their weights are zero / their results are not stored).
  const uint32_t mask32 = i8in ? 0x80808080u : 0u;
  const int64_t kfull = k / 4;
  auto pack_block = [&](int64_t pb, uint8_t* d0) {
    const int64_t row0 = pb * per_block * nr, nrows = std::min(m, row0 + per_block * nr) - row0;
    const int64_t np_ = (nrows + nr - 1) / nr;
    std::memset(d0, 0, static_cast<size_t>(np_) * panel_bytes);
    for (int64_t j = 0; j < np_; ++j) {
      uint8_t* d = d0 + j * panel_bytes;
      const int64_t rows_here = std::min(nr, nrows - j * nr);
      for (int64_t r = 0; r < rows_here; ++r) {
        const uint8_t* arow = src + (row0 + j * nr + r) * k;
        for (int64_t q = 0; q < kfull; ++q) {
          uint32_t v;
          std::memcpy(&v, arow + 4 * q, 4);
          v ^= mask32;
          std::memcpy(d + (q * nr + r) * 4, &v, 4);
        }
        for (int64_t kk = kfull * 4; kk < k; ++kk) d[(kk / 4) * nr * 4 + r * 4 + (kk % 4)] = arow[kk] ^ mask;
      }
    }
  };
  // With several output-column chunks per row block, the panels are packed once per call and shared by the chunks.
  Scratch& caller = detail::scratch();
  const bool shared = chunks > 1 && static_cast<size_t>(pblocks) * block_bytes <= (size_t{4} << 20);
  if (shared) {
    caller.xall.resize(static_cast<size_t>(pblocks) * block_bytes);
    uint8_t* xall = caller.xall.data();
    parallel_for(par, pblocks, [&](int64_t pb) { pack_block(pb, xall + static_cast<size_t>(pb) * block_bytes); });
  }
  const uint8_t* xall = caller.xall.data();
  auto task = [&](int64_t t) {
    const int64_t chunk = t % chunks, pb = t / chunks;
    const int64_t row0 = pb * per_block * nr, nrows = std::min(m, row0 + per_block * nr) - row0;
    Scratch& s = detail::scratch();
    const uint8_t* xbuf = nullptr;
    if (shared) {
      xbuf = xall + static_cast<size_t>(pb) * block_bytes;
    } else {
      s.x.resize(block_bytes);
      pack_block(pb, s.x.data());
      xbuf = s.x.data();
    }
    const int64_t ob0 = chunk * pg.oc_blocks_ / chunks, ob1 = (chunk + 1) * pg.oc_blocks_ / chunks;
    detail::run_tiles(
        uk, uk.gemm_tile, kq, pg.packed_.data(), pg.block_bytes_, nn, ob0, ob1, xbuf, row0, nrows, rp, st,
        [](int64_t col) { return col; }, nn, s);
  };
  parallel_for(par, pblocks * chunks, task);
  *y = std::move(out);
  return Status::Ok();
}

}  // namespace npukit::q8
