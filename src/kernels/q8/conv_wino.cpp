// SPDX-License-Identifier: Apache-2.0
// kernels/q8: exact int16 Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (conv_wino.h). Per call: a padded copy of
// the input holding u = code ^ mask (padding: the zero point's u), then tasks of (image, block of tile rows, chunk of
// output-channel blocks): the input transform V = B^T d B of every 4x4 tile into int16 panels, 16 int16 GEMMs (one per
// transform position, the tier's wino_tile) against the packed U = G2 g G2^T, the output transform A^T M A = 4 * S per
// 2x2 output tile, and the GEMM path's requantization and store of the sums S.
//
// Exactness: |V| <= 4 * 255 = 1020 and |U| <= 9 * 127 = 1143 fit int16, a vpmaddwd pair sum (<= 2 * 1020 * 1143) fits
// int32. Everything after the products is done modulo 2^32 (wrapping vpaddd, unsigned arithmetic in the portable code):
// the output transform's intermediates may wrap (M itself is bounded by C * 1020 * 9 * max|w| = 4 * acc_bound), but
// A^T M A is a ring operation, so the result is congruent to A^T (sum U . V) A = 4 * S modulo 2^32, and since the layer
// qualifies only when 4 * acc_bound <= INT32_MAX (|S| <= acc_bound), the int32 representative is 4 * S itself;
// S = (4 * S) >> 2 exactly.
#include "kernels/q8/conv_wino.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace npukit::q8::detail {

namespace {

constexpr int kPos = 16;                    // transform positions (4 x 4)
constexpr size_t kTaskVBytes = 256 * 1024;  // transformed input tiles per task (L2-sized)
constexpr int64_t kMinTasks = 8;            // split output channels until there are this many tasks,
constexpr int64_t kMinChunkBlocks = 4;      // but keep >= 4 oc blocks per chunk
constexpr size_t kSharedVBytes = 8 << 20;   // transformed input of the whole call shared by the chunk tasks
constexpr int64_t kTileSlack = 16;          // tiles of room after a unit's tiles (ukernels.h wino_input)
constexpr int64_t kObGroup = 8;             // oc blocks run over a panel of transformed input while it is in L1

}  // namespace

void pack_winograd(PackedConv& pc) {
  const qref::QConv2dParams& p = pc.p_;
  const Ukernels& uk = *pc.uk_;
  pc.wino_ = false;
  pc.wino_w_.clear();
  if (!pc.fast_ || pc.dw_ || uk.wino_tile == nullptr || uk.wino_input == nullptr || uk.wino_output == nullptr ||
      pc.kh_ != 3 || pc.kw_ != 3 || p.stride_h != 1 || p.stride_w != 1 || p.dilation_h != 1 || p.dilation_w != 1 ||
      p.group != 1 || pc.cg_ < 8 || pc.cout_ < 8 || 4 * pc.acc_bound_ > INT32_MAX)
    return;
  const int64_t mr = uk.wino_mr, c = pc.cg_, cpairs = ((c + 1) / 2 + 1) / 2 * 2, ocb = (pc.cout_ + mr - 1) / mr;
  pc.wino_w_.assign(static_cast<size_t>(kPos * ocb * cpairs * mr * 2), 0);
  const int8_t* wd = pc.w_.data<int8_t>();
  for (int64_t oc = 0; oc < pc.cout_; ++oc)
    for (int64_t ic = 0; ic < c; ++ic) {
      const int8_t* g = wd + (oc * c + ic) * 9;
      // G2 = [[2, 0, 0], [1, 1, 1], [1, -1, 1], [0, 0, 2]] (2 G); U = G2 g G2^T = 4 G g G^T, |U| <= 9 * 127.
      int32_t t[4][3];
      for (int j = 0; j < 3; ++j) {
        const int32_t g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
        t[0][j] = 2 * g0;
        t[1][j] = g0 + g1 + g2;
        t[2][j] = g0 - g1 + g2;
        t[3][j] = 2 * g2;
      }
      const int64_t ob = oc / mr, r = oc % mr, cp = ic / 2, jj = ic % 2;
      for (int i = 0; i < 4; ++i) {
        const int32_t u[4] = {2 * t[i][0], t[i][0] + t[i][1] + t[i][2], t[i][0] - t[i][1] + t[i][2], 2 * t[i][2]};
        for (int j = 0; j < 4; ++j)
          pc.wino_w_[static_cast<size_t>((((i * 4 + j) * ocb + ob) * cpairs + cp) * mr * 2 + r * 2 + jj)] =
              static_cast<int16_t>(u[j]);
      }
    }
  pc.wino_ = true;
}

Status conv2d_winograd(const PackedConv& pc, const Tensor& x, const RowStore& st, int64_t oh, int64_t ow,
                       const Parallel* par) {
  const qref::QConv2dParams& p = pc.p_;
  const Ukernels& uk = *pc.uk_;
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t mr = uk.wino_mr, nt = uk.wino_nr, cout = pc.cout_;
  const int64_t cpairs = ((c + 1) / 2 + 1) / 2 * 2, ocb = (cout + mr - 1) / mr;
  const int64_t tiles_h = (oh + 1) / 2, tiles_w = (ow + 1) / 2;
  // Padded u image: every 4x4 tile readable (odd output sizes read one row / column more, then discarded).
  const int64_t ph = 2 * tiles_h + 2, pw = 2 * tiles_w + 2;
  const bool i8in = x.dtype() == DType::kI8;
  const uint8_t mask = i8in ? 0x80 : 0;
  const uint8_t zu = static_cast<uint8_t>(static_cast<uint8_t>(p.input_zero_point) ^ mask);
  const uint8_t* src = static_cast<const uint8_t*>(x.raw());
  Scratch& caller = scratch();
  caller.pad.resize(static_cast<size_t>(n * c * ph * pw) + 64);  // + 64: wino_input may read 32 bytes beyond a row
  uint8_t* upad = caller.pad.data();
  parallel_for(par, n * c, [&](int64_t bc) {
    uint8_t* d = upad + bc * ph * pw;
    std::memset(d, zu, static_cast<size_t>(ph * pw));
    const uint8_t m = mask;  // locals: the copy loop vectorizes
    const int64_t width = wd, rstride = pw;
    const uint8_t* s = src + bc * h * wd;
    uint8_t* r = d + p.pad_top * pw + p.pad_left;
    for (int64_t iy = 0; iy < h; ++iy, s += width, r += rstride)
      for (int64_t ix = 0; ix < width; ++ix) r[ix] = static_cast<uint8_t>(s[ix] ^ m);
  });

  // Tasks: (image, block of tile rows, chunk of output-channel blocks); the split depends on the problem size only.
  // Blocks of tile rows: at most kTaskVBytes of transformed input, at least 2 panels of tiles (partial panels waste
  // products), else enough blocks for kMinTasks tasks (then each task transforms its own tiles and uses them while they
  // are in L2; only small planes split output channels into chunks that share a transformed input).
  const size_t tile_v_bytes = static_cast<size_t>(kPos * cpairs * 2) * sizeof(int16_t);
  const int64_t trows_budget = std::clamp<int64_t>(
      static_cast<int64_t>(kTaskVBytes / (tile_v_bytes * static_cast<size_t>(tiles_w))), 1, tiles_h);
  const int64_t trows_min = (2 * nt + tiles_w - 1) / tiles_w;
  const int64_t trows_tasks = std::max<int64_t>(1, tiles_h / ((kMinTasks + n - 1) / n));
  const int64_t trows = std::min(trows_budget, std::max(trows_min, trows_tasks));
  const int64_t rblocks = (tiles_h + trows - 1) / trows, units = n * rblocks;
  const int64_t max_panels = (trows * tiles_w + nt - 1) / nt;
  const size_t unit_elems = static_cast<size_t>(kPos * cpairs * (max_panels * nt + kTileSlack) * 2);
  const int64_t chunks =
      std::clamp<int64_t>((kMinTasks + units - 1) / units, 1, std::max<int64_t>(1, ocb / kMinChunkBlocks));
  const bool shared = chunks > 1 && static_cast<size_t>(units) * unit_elems * sizeof(int16_t) <= kSharedVBytes;

  // Input transform of unit u (tiles ti = (ty - ty0) * tiles_w + tx, padded to whole panels of NT plus 16 tiles of room
  // for wino_input's writes beyond a row: ntp tiles) into v:
  // v[((xi * cpairs + cp) * ntp + ti) * 2 + (ic % 2)] = V(xi) of channel ic = 2 cp + (ic % 2), tile ti. Channels beyond
  // C (odd C, and cpairs rounded up to even for wino_tile) repeat channel C - 1 (their weights are 0); tiles beyond the
  // unit keep whatever the buffer held (their sums are discarded).
  auto unit_tiles = [&](int64_t u, int64_t* b, int64_t* ty0, int64_t* ntr) {
    *b = u / rblocks;
    *ty0 = (u % rblocks) * trows;
    *ntr = std::min(tiles_h, *ty0 + trows) - *ty0;
  };
  auto transform_unit = [&](int64_t u, int16_t* v) {
    int64_t b, ty0, ntr;
    unit_tiles(u, &b, &ty0, &ntr);
    const int64_t ntp = (ntr * tiles_w + nt - 1) / nt * nt + kTileSlack;
    const int64_t xstride = cpairs * ntp * 2;
    for (int64_t cp = 0; cp < cpairs; ++cp) {
      const uint8_t* img0 = upad + (b * c + std::min(2 * cp, c - 1)) * ph * pw;
      const uint8_t* img1 = upad + (b * c + std::min(2 * cp + 1, c - 1)) * ph * pw;
      for (int64_t tr = 0; tr < ntr; ++tr) {
        const int64_t iy = 2 * (ty0 + tr);
        const uint8_t* rows[8];
        for (int i = 0; i < 4; ++i) {
          rows[i] = img0 + (iy + i) * pw;
          rows[4 + i] = img1 + (iy + i) * pw;
        }
        uk.wino_input(rows, tiles_w, v + cp * ntp * 2 + tr * tiles_w * 2, xstride);
      }
    }
  };
  if (shared) {
    caller.wino_vall.resize(static_cast<size_t>(units) * unit_elems);
    int16_t* vall = caller.wino_vall.data();
    parallel_for(par, units, [&](int64_t u) { transform_unit(u, vall + static_cast<size_t>(u) * unit_elems); });
  }
  const int16_t* vall = caller.wino_vall.data();

  const ChannelParams& chan = *pc.chan_[i8in ? 1 : 0];
  const bool per_channel = p.out_mult.size() != 1;
  const bool acc_out = p.output_dtype == DType::kI32;
  const bool can_fuse = st.residual == nullptr && (p.output_dtype == DType::kI8 || p.output_dtype == DType::kU8);
  const size_t wblock = static_cast<size_t>(cpairs * mr * 2);  // int16 per (position, oc block)
  auto task = [&](int64_t tk) {
    const int64_t chunk = tk % chunks, u = tk / chunks;
    int64_t b, ty0, ntr;
    unit_tiles(u, &b, &ty0, &ntr);
    const int64_t ntiles = ntr * tiles_w, npanels = (ntiles + nt - 1) / nt, ntp = npanels * nt + kTileSlack;
    Scratch& s = scratch();
    const int16_t* v = nullptr;
    if (shared) {
      v = vall + static_cast<size_t>(u) * unit_elems;
    } else {
      s.wino_v.resize(unit_elems);
      transform_unit(u, s.wino_v.data());
      v = s.wino_v.data();
    }
    // Sums of one oc block: sbuf[r * sstride + dy * dystride + 2 * ti + dx] = S of output (2 ty + dy, 2 tx + dx) of
    // tile ti, so output row 2 (ty0 + tr) + dy is the ow sums at dy * dystride + 2 * tr * tiles_w (slack: requant_rows8
    // reads whole NR-pixel tiles).
    const int64_t dystride = 2 * ntp + uk.nr, sstride = 2 * dystride;
    const int64_t ob0 = chunk * ocb / chunks, ob1 = (chunk + 1) * ocb / chunks;
    const int64_t gmax = std::min<int64_t>(kObGroup, ob1 - ob0);
    s.wino_m.resize(static_cast<size_t>(gmax * kPos * mr * nt));
    s.wino_s.resize(static_cast<size_t>(gmax * mr * sstride));
    s.codes.resize(static_cast<size_t>(std::max<int64_t>(ow, uk.nr)));
    int32_t* mbuf = s.wino_m.data();
    const int64_t vstride = ntp * 2;
    // Groups of up to kObGroup oc blocks: the panel's transformed input (16 positions x cpairs x NT pairs) stays in L1
    // / L2 while the group's weight blocks run over it.
    for (int64_t g0 = ob0; g0 < ob1; g0 += kObGroup) {
      const int64_t g1 = std::min(ob1, g0 + kObGroup);
      for (int64_t j = 0; j < npanels; ++j) {
        uk.wino_tile(cpairs, pc.wino_w_.data() + static_cast<size_t>(g0) * wblock, ocb * wblock, wblock,
                     static_cast<int>(g1 - g0), v + j * nt * 2, cpairs * vstride, vstride, mbuf);
        for (int64_t ob = g0; ob < g1; ++ob)
          uk.wino_output(mbuf + (ob - g0) * kPos * mr * nt, static_cast<int>(std::min<int64_t>(mr, cout - ob * mr)),
                         s.wino_s.data() + (ob - g0) * mr * sstride + 2 * j * nt, sstride, dystride);
      }
      for (int64_t ob = g0; ob < g1; ++ob) {
        const int rows_here = static_cast<int>(std::min<int64_t>(mr, cout - ob * mr));
        const int32_t* sbuf = s.wino_s.data() + (ob - g0) * mr * sstride;
        // Requantization and store of the rows, as the GEMM path's run_tiles does.
        for (int r = 0; r < rows_here; ++r) {
          const int64_t oc = ob * mr + r;
          const bool fused = can_fuse && chan.row_fast[static_cast<size_t>(oc)] != 0;
          const quant::QuantizedMultiplier m =
              acc_out ? quant::QuantizedMultiplier{} : p.out_mult[per_channel ? static_cast<size_t>(oc) : 0];
          const bool no_sat = no_saturation(pc.acc_bound_, pc.bias_v_[static_cast<size_t>(oc)]);
          for (int64_t tr = 0; tr < ntr; ++tr)
            for (int64_t dy = 0; dy < 2; ++dy) {
              const int64_t oy = 2 * (ty0 + tr) + dy;
              if (oy >= oh) break;
              const int32_t* srow = sbuf + r * sstride + dy * dystride + 2 * tr * tiles_w;
              const int64_t idx0 = ((b * cout + oc) * oh + oy) * ow;
              if (fused) {
                uint8_t* y = static_cast<uint8_t*>(st.y) + idx0;
                for (int64_t p0 = 0; p0 < ow; p0 += uk.nr)
                  uk.requant_rows8(srow + p0, 1, static_cast<int>(std::min<int64_t>(uk.nr, ow - p0)),
                                   chan.rowq.data() + oc, p.output_zero_point, p.out_range.qmin, p.out_range.qmax,
                                   y + p0, 0);
                continue;
              }
              if (acc_out)
                finish_i32(srow, ow, chan.corr[static_cast<size_t>(oc)], p.out_range.qmin, p.out_range.qmax,
                           s.codes.data());
              else
                uk.requant(srow, ow, chan.corr[static_cast<size_t>(oc)], m.mult, m.shift, p.output_zero_point,
                           p.out_range.qmin, p.out_range.qmax, s.codes.data(), no_sat);
              store_row(st, s.codes.data(), ow, idx0, 1);
            }
        }
      }
    }
  };
  parallel_for(par, units * chunks, task);
  return Status::Ok();
}

}  // namespace npukit::q8::detail
