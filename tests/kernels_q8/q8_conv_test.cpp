// SPDX-License-Identifier: Apache-2.0
// kernels/q8 convolution: bit-exact against qref::qconv2d on every ISA tier this machine runs, on awkward
// shapes (channels 1/3/13/127, K not a multiple of 4, odd sizes, strides, dilations, groups, depthwise,
// asymmetric pads), u8 / i8 activations with non-zero zero points, per-tensor / per-channel multipliers,
// ReLU clamps, fused residual add, 1..3 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <string>

#include "kernels/q8/q8_kernels.h"
#include "kernels/ref/qkernels.h"
#include "q8_conv_case.h"
#include "q8_test_util.h"

namespace npukit {
namespace {

using q8test::expect_same_codes;

using q8test::ConvCase;
using q8test::run_case;

TEST(Q8Conv, PointwiseShapes) {
  uint32_t seed = 100;
  for (int64_t c : {1, 3, 13, 127})
    for (int64_t co : {1, 3, 13, 127}) {
      ConvCase k;
      k.c = c;
      k.cout = co;
      k.kh = k.kw = 1;
      k.h = 7;
      k.w = 9;
      k.seed = seed++;
      k.in = (seed % 2) ? DType::kU8 : DType::kI8;
      k.in_zp = k.in == DType::kU8 ? 117 : -23;
      k.per_channel = seed % 3 != 0;
      run_case(k);
    }
}

TEST(Q8Conv, TailPixelsPastTheLastPanel) {
  // Planes whose last panel holds a few pixels, which run as tail pixels: the AVX-512 tier's one-pixel kernel on the
  // packed blocks from K = 64 (7x7 = 32 + 16 + 1, 55x55 = 94 x 32 + 16 + 1; K = 117 and 300 on whole-K blocks, c = 300
  // with 3x3 kernels: K = 2700 in K chunks, 675 quads, a remainder after its 4-quad steps; 4 pixels of 14x14 planes
  // from K = 2048), AVX2's gemv from K = 256 (7x7 = 3 x 16 + 1); half tiles (14x14, 28x28) and shorter K otherwise.
  // Stride 2, padding, u8 / i8 inputs, several output-channel blocks (the tail rows of every task's chunk), 1..3
  // threads (run_case).
  uint32_t seed = 900;
  struct Geo {
    int64_t h, w, kh, sh, pad;
  };
  for (Geo g : {Geo{7, 7, 1, 1, 0}, Geo{14, 14, 1, 1, 0}, Geo{7, 7, 3, 1, 1}, Geo{14, 14, 3, 2, 1},
                Geo{55, 55, 1, 1, 0}, Geo{28, 28, 3, 2, 1}})
    for (int64_t c : {1, 5, 13, 31, 32, 300})
      for (int64_t co : {9, 24}) {
        if (g.h == 55 && c > 32) continue;  // (large plane: one K remainder is enough)
        ConvCase k;
        k.c = c;
        k.cout = co;
        k.kh = k.kw = g.kh;
        k.h = g.h;
        k.w = g.w;
        k.sh = k.sw = g.sh;
        k.pt = k.pl = k.pb = k.pr = g.pad;
        k.seed = seed++;
        k.in = (seed % 2) ? DType::kU8 : DType::kI8;
        k.in_zp = k.in == DType::kU8 ? 101 : -9;
        k.relu = seed % 3 == 0;
        run_case(k);
      }
}

TEST(Q8Conv, KxKShapes) {
  uint32_t seed = 200;
  for (int64_t c : {1, 3, 13})
    for (auto hw : {std::pair<int64_t, int64_t>{7, 9}, {1, 1}, {17, 5}})
      for (int64_t kdim : {1, 3, 5}) {
        ConvCase k;
        k.c = c;
        k.cout = 13;
        k.h = hw.first;
        k.w = hw.second;
        k.kh = k.kw = kdim;
        k.pt = k.pb = k.pl = k.pr = kdim / 2;
        k.seed = seed++;
        k.in = (seed % 2) ? DType::kU8 : DType::kI8;
        k.in_zp = k.in == DType::kU8 ? 3 : 100;
        k.out = (seed % 3) ? DType::kI8 : DType::kU8;
        k.out_zp = k.out == DType::kU8 ? 128 : -5;
        run_case(k);
      }
}

TEST(Q8Conv, StrideDilationAsymmetricPads) {
  ConvCase k;
  k.c = 13;
  k.cout = 17;
  k.h = 17;
  k.w = 15;
  for (int64_t s : {1, 2, 3})
    for (int64_t d : {1, 2}) {
      k.sh = k.sw = s;
      k.dh = k.dw = d;
      k.pt = 2;
      k.pl = 0;
      k.pb = 1;
      k.pr = 3;
      k.seed++;
      run_case(k);
      k.sh = s;
      k.sw = 1;
      k.dh = 1;
      k.dw = d;
      k.kh = 2;
      k.kw = 3;
      k.in = DType::kI8;
      k.in_zp = -128;
      run_case(k);
      k.kh = k.kw = 3;
      k.in = DType::kU8;
      k.in_zp = 255;
    }
  // Pads wider than the rows (the padded copy's fills between rows of more than 16 bytes, and fewer), on narrow and
  // one-pixel-wide inputs, after a call that left other bytes in the scratch copy.
  for (auto [w, pl, pr] : {std::array<int64_t, 3>{3, 9, 10}, {1, 1, 1}, {2, 0, 17}, {20, 7, 8}}) {
    ConvCase big;
    big.c = 5;
    big.cout = 9;
    big.h = 6;
    big.w = w;
    big.pt = 4;
    big.pb = 5;
    big.pl = pl;
    big.pr = pr;
    big.in_zp = 7;
    big.seed = k.seed++;
    run_case(big);
  }
}

TEST(Q8Conv, Grouped) {
  for (int64_t g : {2, 3}) {
    ConvCase k;
    k.group = g;
    k.c = 6 * g;
    k.cout = 5 * g;
    k.h = 9;
    k.w = 11;
    k.pt = k.pl = k.pb = k.pr = 1;
    k.seed = 300 + static_cast<uint32_t>(g);
    run_case(k);
    k.sh = k.sw = 2;
    k.in = DType::kI8;
    k.in_zp = 7;
    run_case(k);
  }
}

TEST(Q8Conv, Depthwise) {
  uint32_t seed = 400;
  for (int64_t c : {1, 3, 13, 32})
    for (int64_t s : {1, 2})
      for (int64_t d : {1, 2})
        for (int64_t kdim : {3, 5}) {
          ConvCase k;
          k.c = k.cout = k.group = c;
          k.kh = k.kw = kdim;
          k.h = 17;
          k.w = 19;
          k.sh = k.sw = s;
          k.dh = k.dw = d;
          k.pt = k.pl = d * (kdim / 2);
          k.pb = k.pr = d * (kdim / 2) - (s - 1);
          k.seed = seed++;
          k.in = (seed % 2) ? DType::kU8 : DType::kI8;
          k.in_zp = k.in == DType::kU8 ? 200 : -100;
          k.relu = seed % 3 == 0;
          k.per_channel = seed % 4 != 0;
          run_case(k);
        }
  // Channel multiplier 2 (one input channel per group, two outputs), 1x1 and 2x3 kernels, wide rows.
  ConvCase k;
  k.c = 5;
  k.group = 5;
  k.cout = 10;
  k.kh = 2;
  k.kw = 3;
  k.h = 4;
  k.w = 41;
  k.pr = 2;
  run_case(k);
  k.kh = k.kw = 1;
  run_case(k);
}

TEST(Q8Conv, ReluResidualBatchNoBias) {
  ConvCase k;
  k.n = 2;
  k.c = 13;
  k.cout = 19;
  k.h = 5;
  k.w = 7;
  k.pt = k.pl = k.pb = k.pr = 1;
  for (bool relu : {false, true})
    for (bool res : {false, true})
      for (DType rd : {DType::kI8, DType::kU8}) {
        k.relu = relu;
        k.residual = res;
        k.res_dtype = rd;
        k.bias = !res;
        k.seed++;
        run_case(k);
        ConvCase d = k;  // the same on the depthwise kernel
        d.c = d.cout = d.group = 13;
        run_case(d);
        ConvCase pw = k;  // and on a pointwise conv
        pw.kh = pw.kw = 1;
        pw.pt = pw.pl = pw.pb = pw.pr = 0;
        run_case(pw);
      }
}

TEST(Q8Conv, ResidualAddByTheRowKernel) {
  // The residual add by the add's vector row kernel after the convolution stored the intermediate codes: tasks over
  // whole planes (7x7 with tail pixels at K = 2048, 14x14 3x3) and planes split into pixel blocks (56x56 pointwise);
  // i8 / u8 residuals, ReLU ranges, batch 2, 1..3 threads (run_case).
  struct Geo {
    int64_t h, c, co, kh;
  };
  uint32_t seed = 2300;
  for (Geo g : {Geo{7, 2048, 24, 1}, Geo{14, 32, 40, 3}, Geo{56, 64, 64, 1}})
    for (DType rd : {DType::kI8, DType::kU8}) {
      ConvCase k;
      k.n = 2;
      k.c = g.c;
      k.cout = g.co;
      k.h = k.w = g.h;
      k.kh = k.kw = g.kh;
      k.pt = k.pl = k.pb = k.pr = g.kh / 2;
      k.residual = true;
      k.res_dtype = rd;
      k.seed = seed++;
      k.in = seed % 2 ? DType::kU8 : DType::kI8;
      k.in_zp = k.in == DType::kU8 ? 120 : -11;
      k.relu = seed % 3 != 0;
      run_case(k);
    }
  // The row kernel applies to these parameters on every vector tier (not the element-by-element fallback).
  ConvCase k;
  k.residual = true;
  std::mt19937 rng(5);
  const Tensor w = q8test::random_weights({k.cout, k.c, k.kh, k.kw}, rng);
  qref::QConv2dParams p = q8test::conv_geometry(k, 1);
  p.out_mult = q8test::random_mults(k.cout, k.c * k.kh * k.kw, rng);
  p.output_zero_point = k.out_zp;
  p.output_dtype = k.out;
  p.out_range = qref::dtype_range(k.out);
  for (q8::Isa isa : q8test::tiers())
    for (DType rd : {DType::kI8, DType::kU8}) {
      k.res_dtype = rd;
      p.residual_add = q8test::residual_params(k);
      auto pc = q8::PackedConv::create(w, nullptr, p, isa);
      ASSERT_TRUE(pc.ok()) << pc.status().to_string();
      EXPECT_EQ(pc->fast_residual(rd), isa >= q8::Isa::kAvx2) << q8::isa_name(isa) << " " << dtype_name(rd);
    }
}

TEST(Q8Conv, Int32AndInt16Outputs) {
  // kI32 (accumulator) and kI16 outputs on the GEMM path: pointwise, KxK, stride 2, dilation 2, groups, batch.
  uint32_t seed = 600;
  for (DType out : {DType::kI32, DType::kI16})
    for (int64_t c : {1, 3, 13, 127})
      for (int64_t kdim : {1, 3}) {
        ConvCase k;
        k.c = c;
        k.cout = c == 127 ? 13 : 17;
        k.h = 9;
        k.w = 11;
        k.kh = k.kw = kdim;
        k.pt = k.pl = k.pb = k.pr = kdim / 2;
        k.out = out;
        k.out_zp = out == DType::kI16 ? -1000 : 0;
        k.seed = seed++;
        k.in = seed % 2 ? DType::kU8 : DType::kI8;
        k.in_zp = k.in == DType::kU8 ? 77 : -128;
        k.relu = seed % 3 == 0;
        run_case(k);
        k.sh = k.sw = 2;
        k.dh = k.dw = 2;
        k.pt = k.pl = k.pb = k.pr = kdim == 3 ? 2 : 0;
        run_case(k);
      }
  ConvCase g;  // grouped, batch 2, int32
  g.n = 2;
  g.group = 3;
  g.c = 9;
  g.cout = 6;
  g.h = 7;
  g.w = 5;
  g.pt = g.pl = g.pb = g.pr = 1;
  g.out = DType::kI32;
  run_case(g);
  g.out = DType::kI16;
  g.residual = true;  // int16 output with a fused residual add
  g.res_dtype = DType::kU8;
  g.bias = false;
  run_case(g);
  ConvCase d;  // depthwise with int32 / int16 outputs (computed by the reference)
  d.c = d.cout = d.group = 8;
  d.h = d.w = 9;
  d.pt = d.pl = d.pb = d.pr = 1;
  d.out = DType::kI32;
  run_case(d);
  d.out = DType::kI16;
  run_case(d);
}

TEST(Q8Conv, RowsOutsideTheFusedRequantization) {
  // Per-channel multipliers >= 1/2, zero, or tiny (31 - shift > 63) in some rows of a block: those blocks take the
  // general requantization; the others the fused one. Also every multiplier large (no fused row at all).
  uint32_t seed = 800;
  for (int64_t kdim : {1, 3})
    for (DType out : {DType::kI8, DType::kU8}) {
      ConvCase k;
      k.c = 13;
      k.cout = 21;
      k.h = 7;
      k.w = 13;
      k.kh = k.kw = kdim;
      k.pt = k.pl = k.pb = k.pr = kdim / 2;
      k.out = out;
      k.out_zp = out == DType::kU8 ? 128 : 0;
      k.wild_mults = true;
      k.seed = seed++;
      run_case(k);
      k.wild_mults = false;
      k.mult_scale = 400.0;
      run_case(k);
    }
}

TEST(Q8Conv, SevenBitWindowInputs) {
  // Inputs whose codes span at most 128 values (post-ReLU int8 with zero point -128 and small values, u8 in [0, 127], a
  // window around a non-zero offset) and inputs just outside such a window.
  uint32_t seed = 900;
  for (int lo : {0, -128, -60, 100})
    for (int span : {127, 128, 200}) {
      for (int64_t kdim : {1, 3}) {
        const bool u8 = lo >= 0;
        const int hi = std::min(lo + span, u8 ? 255 : 127);
        std::mt19937 rng(seed++);
        const int64_t c = 19, cout = 23;
        Tensor x(u8 ? DType::kU8 : DType::kI8, {1, c, 11, 15});
        std::uniform_int_distribution<int> d(lo, hi);
        for (int64_t i = 0; i < x.numel(); ++i) {
          const int v = i % 97 == 0 ? lo : (i % 89 == 0 ? hi : d(rng));
          if (u8)
            x.data<uint8_t>()[i] = static_cast<uint8_t>(v);
          else
            x.data<int8_t>()[i] = static_cast<int8_t>(v);
        }
        const Tensor w = q8test::random_weights({cout, c, kdim, kdim}, rng);
        const Tensor b = q8test::random_bias(cout, 50000, rng);
        qref::QConv2dParams p;
        p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = kdim / 2;
        p.input_zero_point = u8 ? 5 : -128;
        p.out_mult = q8test::random_mults(cout, c * kdim * kdim, rng);
        Tensor want;
        ASSERT_TRUE(qref::qconv2d(x, w, &b, p, &want).ok());
        for (q8::Isa isa : q8test::tiers()) {
          auto pc = q8::PackedConv::create(w, &b, p, isa);
          ASSERT_TRUE(pc.ok());
          for (int threads = 1; threads <= 2; ++threads) {
            q8::Parallel par(threads);
            Tensor got;
            ASSERT_TRUE(q8::conv2d(*pc, x, &got, nullptr, &par).ok());
            expect_same_codes(got, want,
                              str_cat("conv codes in [", lo, ", ", hi, "] k", kdim, " tier ", q8::isa_name(isa),
                                      " threads ", threads));
            if (::testing::Test::HasFailure()) return;
          }
        }
      }
    }
}

TEST(Q8Conv, StrideTwoWideRows) {
  // Output rows of >= 2 panels: panels inside one row read their taps at stride 2 (pack_quad_s2); panels whose stride-2
  // reads would pass the end of the input (no bottom / right padding) and row-crossing panels gather.
  uint32_t seed = 1000;
  for (int64_t c : {3, 8})
    for (int64_t kdim : {3, 7})
      for (int64_t pad : {0, 1, 3}) {
        ConvCase k;
        k.c = c;
        k.cout = 14;
        k.h = 17;
        k.w = 75;
        k.kh = k.kw = kdim;
        k.sh = k.sw = 2;
        k.pt = k.pl = pad;
        k.pb = k.pr = pad == 3 ? 2 : pad;
        k.seed = seed++;
        k.in = seed % 2 ? DType::kU8 : DType::kI8;
        k.in_zp = k.in == DType::kU8 ? 40 : -100;
        k.relu = seed % 3 == 0;
        run_case(k);
        k.dh = k.dw = 2;  // dilation 2 with stride 2
        k.group = c == 8 ? 2 : 1;
        run_case(k);
      }
}

TEST(Q8Conv, LargerThanATile) {
  // Several pixel blocks and output-channel chunks (the task split) and K spanning many quads.
  ConvCase k;
  k.c = 64;
  k.cout = 70;
  k.h = 29;
  k.w = 31;
  k.pt = k.pl = k.pb = k.pr = 1;
  k.seed = 7;
  run_case(k);
  k.kh = k.kw = 1;
  k.pt = k.pl = k.pb = k.pr = 0;
  k.c = 127;
  run_case(k);
}

TEST(Q8Conv, SmallPlanesShareTheirPanels) {
  // Few pixel blocks and many output channels (7x7 / 14x14 planes of MobileNetV2's last stages): the im2col of the
  // whole call is built once and shared by the output-channel chunk tasks. Output channels leave partial blocks for
  // every MR, pixel counts leave partial panels; groups, batch, padding, K-blocking (K > 1024, tiers that block K),
  // 8-bit (fused tile requantization) and int16 / int32 outputs, rows outside the fused requantization.
  uint32_t seed = 1300;
  for (int64_t hw : {7, 14})
    for (int64_t kdim : {1, 3}) {
      ConvCase k;
      k.c = 131;
      k.cout = 45;
      k.h = k.w = hw;
      k.kh = k.kw = kdim;
      k.pt = k.pl = k.pb = k.pr = kdim / 2;
      k.seed = seed++;
      k.in = seed % 2 ? DType::kU8 : DType::kI8;
      k.in_zp = k.in == DType::kU8 ? 3 : -128;
      k.relu = true;
      run_case(k);
      k.n = 2;
      k.group = 3;
      k.c = 129;
      k.cout = 147;
      k.relu = false;
      k.seed = seed++;
      run_case(k);
      k.wild_mults = true;
      k.out = DType::kU8;
      k.out_zp = 128;
      run_case(k);
      k.wild_mults = false;
      k.out = DType::kI16;
      k.out_zp = 0;
      run_case(k);
      k.out = DType::kI32;
      run_case(k);
    }
  ConvCase kb;  // K = 300 * 9 = 2700: K-blocked tiles on shared panels (whole-K on AVX-512 VNNI)
  kb.c = 300;
  kb.cout = 37;
  kb.h = 5;
  kb.w = 6;
  kb.pt = kb.pl = kb.pb = kb.pr = 1;
  kb.seed = seed++;
  run_case(kb);
  kb.in = DType::kI8;
  kb.in_zp = -128;
  kb.relu = true;
  run_case(kb);
}

TEST(Q8Conv, RowCrossingPanelsFromIm2Row) {
  // Stride-1 (in width) K x K convolutions whose output rows are not a multiple of NR: panels are packed from the
  // im2row matrix R[k][pixel]. Vertical stride 2 with horizontal stride 1, dilation, asymmetric pads, groups, batch,
  // output widths below / around one panel, u8 / i8 inputs, residual add.
  uint32_t seed = 1600;
  for (int64_t w : {5, 17, 23})
    for (int64_t sh : {1, 2}) {
      ConvCase k;
      k.n = 2;
      k.c = 10;
      k.cout = 14;
      k.group = 2;
      k.h = 11;
      k.w = w;
      k.kh = 3;
      k.kw = 2;
      k.sh = sh;
      k.dh = 2;
      k.dw = sh;
      k.pt = 2;
      k.pl = 1;
      k.pb = 0;
      k.pr = 2;
      k.seed = seed++;
      k.in = seed % 2 ? DType::kU8 : DType::kI8;
      k.in_zp = k.in == DType::kU8 ? 200 : -77;
      k.relu = seed % 3 == 0;
      run_case(k);
      k.residual = true;
      k.group = 1;
      run_case(k);
    }
}

TEST(Q8Conv, PanelsFromRunsOfTheInput) {
  // Panels whose pixels are several runs of input bytes (pack_quad_runs): stride-1 and stride-2 rows that cross output
  // rows, partial last panels, output widths below one panel (up to 16 runs per panel: more than 8 gather byte by
  // byte), dilation 2, with and without padding (without it, runs near the end of the input whose reads would pass it
  // gather too), batch and groups (runs inside later images), u8 / i8 and post-ReLU (7-bit) inputs.
  uint32_t seed = 1700;
  for (int64_t s : {1, 2})
    for (int64_t w : {1, 2, 5, 8, 13, 14, 29, 57})
      for (int64_t pad : {0, 1}) {
        ConvCase k;
        k.n = 2;
        k.c = 6;
        k.cout = 10;
        k.group = w % 2 ? 1 : 2;
        k.h = 9;
        k.w = w;
        k.kh = k.kw = w >= 3 ? 3 : 1;
        k.sh = k.sw = s;
        k.dh = k.dw = w == 29 ? 2 : 1;
        k.pt = k.pl = k.pb = k.pr = pad;
        k.seed = seed++;
        k.in = seed % 3 == 0 ? DType::kU8 : DType::kI8;
        k.in_zp = k.in == DType::kU8 ? 60 : -128;
        k.relu_in = seed % 3 == 1;
        k.relu = seed % 2 == 0;
        run_case(k);
      }
}

TEST(Q8Conv, TileSumsAtTheirExtremes) {
  // Every product at its largest magnitude, of one sign per output channel, over K = 2700 (K-blocked where the tier
  // blocks K) and K = 576: int16 tiles (u = 255 or 0, weights -128 / 127) and 7-bit tiles (post-ReLU codes -128 / -1,
  // i.e. u - lo = 0 / 127; a vpmaddubsw pair sum reaches 2 * 127 * -128 = -32512), int32 outputs (the raw sums) and
  // 8-bit outputs.
  for (int64_t c : {64, 300})
    for (bool seven : {false, true})
      for (DType out : {DType::kI32, DType::kI8}) {
        const int64_t cout = 10;
        Tensor x(seven ? DType::kI8 : DType::kU8, {1, c, 9, 21});
        for (int64_t i = 0; i < x.numel(); ++i) {
          const bool top = i % 11 != 3;  // mostly the largest u, a few smallest
          if (seven)
            x.data<int8_t>()[i] = static_cast<int8_t>(top ? -1 : -128);
          else
            x.data<uint8_t>()[i] = static_cast<uint8_t>(top ? 255 : 0);
        }
        Tensor w(DType::kI8, {cout, c, 3, 3});
        for (int64_t o = 0; o < cout; ++o)
          for (int64_t i = 0; i < c * 9; ++i) w.data<int8_t>()[o * c * 9 + i] = static_cast<int8_t>(o % 2 ? 127 : -128);
        qref::QConv2dParams p;
        p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
        p.input_zero_point = seven ? -128 : 0;
        p.output_dtype = out;
        p.out_range = qref::dtype_range(out);
        if (out != DType::kI32) p.out_mult.assign(static_cast<size_t>(cout), quant::quantize_multiplier(1e-7));
        Tensor want;
        ASSERT_TRUE(qref::qconv2d(x, w, nullptr, p, &want).ok());
        for (q8::Isa isa : q8test::tiers()) {
          auto pc = q8::PackedConv::create(w, nullptr, p, isa);
          ASSERT_TRUE(pc.ok());
          ASSERT_TRUE(pc->fast());
          Tensor got;
          ASSERT_TRUE(q8::conv2d(*pc, x, &got, nullptr, nullptr).ok());
          expect_same_codes(got, want,
                            str_cat("conv extremes x[1,", c, ",9,21] ", seven ? "7-bit" : "u8", " w[10,", c,
                                    ",3,3] out ", dtype_name(out), " tier ", q8::isa_name(isa)));
          if (::testing::Test::HasFailure()) return;
        }
      }
}

TEST(Q8Conv, SevenBitInputsOnSharedPanels) {
  // Post-ReLU inputs (codes in [-128, -1], zero point -128) on a 7x7 plane with many output channels: 7-bit panels
  // built once per call, fused tile requantization with partial panels and blocks.
  uint32_t seed = 1400;
  for (int64_t kdim : {1, 3})
    for (int64_t cout : {33, 160}) {
      std::mt19937 rng(seed++);
      const int64_t c = 96;
      Tensor x(DType::kI8, {1, c, 7, 7});
      std::uniform_int_distribution<int> d(-128, -1);
      for (int64_t i = 0; i < x.numel(); ++i) x.data<int8_t>()[i] = static_cast<int8_t>(i % 31 == 0 ? -1 : d(rng));
      const Tensor w = q8test::random_weights({cout, c, kdim, kdim}, rng);
      const Tensor b = q8test::random_bias(cout, 50000, rng);
      qref::QConv2dParams p;
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = kdim / 2;
      p.input_zero_point = -128;
      p.out_mult = q8test::random_mults(cout, c * kdim * kdim, rng);
      p.out_range.qmin = -20;
      Tensor want;
      ASSERT_TRUE(qref::qconv2d(x, w, &b, p, &want).ok());
      for (q8::Isa isa : q8test::tiers()) {
        auto pc = q8::PackedConv::create(w, &b, p, isa);
        ASSERT_TRUE(pc.ok());
        for (int threads = 1; threads <= 3; ++threads) {
          q8::Parallel par(threads);
          Tensor got;
          ASSERT_TRUE(q8::conv2d(*pc, x, &got, nullptr, &par).ok());
          expect_same_codes(got, want,
                            str_cat("conv 7-bit x[1,", c, ",7,7] w[", cout, ",", c, ",", kdim, ",", kdim, "] tier ",
                                    q8::isa_name(isa), " threads ", threads));
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
}

TEST(Q8Conv, LargeWeightsOnSmallPlanes) {
  // Weights beyond L2 (>= 512 KiB in every tier's packed formats) on planes of a few panels: one task per chunk of
  // output-channel blocks over every panel of the image (K-blocked tiles and short-K tiles, 7-bit and int16 panels,
  // partial last panels and blocks, batches, residual and int32 outputs), 1..3 threads. 3x3 layers use a dilation
  // or a 3x2 kernel (a plain 3x3 stride-1 layer may take another path).
  uint32_t seed = 1600;
  auto base = [&] {
    ConvCase k;
    k.seed = seed++;
    return k;
  };
  {
    ConvCase k = base();  // 3x3 dilation 2 on 7x7, K = 2700 (K-blocked where the tier blocks K), 197 output channels
    k.c = 300, k.h = k.w = 7, k.cout = 197, k.kh = k.kw = 3, k.dh = k.dw = 2;
    k.pt = k.pl = k.pb = k.pr = 2;
    k.in_zp = 117;
    run_case(k);
  }
  {
    ConvCase k = base();  // 3x2 on an odd 9x5 plane, post-ReLU int8 input (7-bit panels), u8 ReLU output
    k.c = 300, k.h = 9, k.w = 5, k.cout = 300, k.kh = 3, k.kw = 2;
    k.pt = k.pl = k.pb = 1;
    k.in = DType::kI8, k.in_zp = -128, k.relu_in = true;
    k.out = DType::kU8, k.out_zp = 9, k.relu = true;
    run_case(k);
  }
  {
    ConvCase k = base();  // 1x1 stride 2, K = 1000 (not K-blocked), batch 2, residual add
    k.n = 2, k.c = 1000, k.h = k.w = 13, k.cout = 540, k.kh = k.kw = 1, k.sh = k.sw = 2;
    k.in = DType::kI8, k.in_zp = -3, k.residual = true;
    run_case(k);
  }
  {
    ConvCase k =
        base();  // 1x1 on 7x7, K = 1100 (K-blocked where the tier blocks K), int32 output, per-tensor multiplier
    k.c = 1100, k.h = k.w = 7, k.cout = 500, k.kh = k.kw = 1;
    k.in = DType::kI8, k.in_zp = 5, k.out = DType::kI32, k.per_channel = false;
    run_case(k);
  }
}

TEST(Q8Conv, FusedRequantizationAtTheByteLimits) {
  // Short-K pointwise layers with large multipliers (requantized values far beyond the int16 range, so the fused
  // requantization's saturating narrowing and byte-domain clamp are exercised at both ends), i8 / u8 outputs with
  // extreme zero points, with and without ReLU, 1 to 4 rows per block, full and partial panels, int16 and 7-bit panels
  // (post-ReLU inputs), tiles short enough to be inlined and longer ones (C = 100).
  uint32_t seed = 1700;
  for (int64_t c : {16, 24, 13, 100})
    for (int64_t cout : {4, 6, 7, 13})
      for (DType out : {DType::kI8, DType::kU8})
        for (int32_t zp_pick : {0, 1}) {
          ConvCase k;
          k.seed = seed++;
          k.c = c, k.cout = cout, k.kh = k.kw = 1;
          k.h = seed % 2 ? 16 : 7, k.w = seed % 2 ? 4 : 9;
          k.in = seed % 3 ? DType::kI8 : DType::kU8;
          k.in_zp = k.in == DType::kI8 ? -11 : 140;
          if (seed % 4 < 2) k.in = DType::kI8, k.in_zp = -128, k.relu_in = true;
          k.out = out;
          k.out_zp = out == DType::kI8 ? (zp_pick ? 127 : -128) : (zp_pick ? 255 : 0);
          k.relu = seed % 2 == 0;
          k.mult_scale = 150.0;
          run_case(k);
        }
}

TEST(Q8Conv, FusedRequantizationWithSmallMultipliers) {
  // Multipliers from about 2^-19 down to 2^-31 (31 - shift from 50 to 62, on both sides of the range where a tier may
  // add the zero point to the rounding term in 32 bits) with the extreme zero points of each output type: every
  // requantized value is near 0, so a zero point folded in where it does not fit int32 shows as wrong codes.
  // Pointwise (GEMM tiles) and depthwise 3x3 on a small plane (channel blocks) and a large one (planes).
  uint32_t seed = 1900;
  for (double scale : {1.0 / 512, 1.0 / 2048, 1.0 / 8192, 1.0 / 32768, 1.0 / 262144})
    for (int shape = 0; shape < 3; ++shape)
      for (DType out : {DType::kI8, DType::kU8})
        for (int32_t zp_pick : {0, 1}) {
          ConvCase k;
          k.seed = seed++;
          if (shape == 0) {
            k.c = 64, k.cout = 16, k.kh = k.kw = 1, k.h = 7, k.w = 9;
          } else {
            k.c = k.cout = k.group = 32, k.kh = k.kw = 3, k.pt = k.pl = k.pb = k.pr = 1;
            k.h = shape == 1 ? 9 : 70, k.w = shape == 1 ? 7 : 71;
          }
          k.in = DType::kU8, k.in_zp = 3;
          k.out = out;
          k.out_zp = out == DType::kI8 ? (zp_pick ? 127 : -128) : (zp_pick ? 255 : 0);
          k.mult_scale = shape == 0 ? scale : scale / 64;  // (K = 9: multipliers ~2^6 larger than at K = 64)
          run_case(k);
        }
}

TEST(Q8Conv, LargeKFallsBackToTheReference) {
  // K = 66400 > 66311: int32 sums could overflow, so the kernel runs the reference (exact int64 sums saturated
  // once). Inputs at the extreme make the accumulator exceed int32 and saturate.
  const int64_t c = 66400;
  Tensor x(DType::kU8, {1, c, 1, 2}), w(DType::kI8, {2, c, 1, 1});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<uint8_t>()[i] = 255;
  for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = i < c ? 127 : -127;
  qref::QConv2dParams p;
  p.out_mult = {quant::quantize_multiplier(1.0 / (1 << 24))};
  Tensor want;
  ASSERT_TRUE(qref::qconv2d(x, w, nullptr, p, &want).ok());
  EXPECT_EQ(want.data<int8_t>()[0], 127);
  EXPECT_EQ(want.data<int8_t>()[2], -128);
  for (q8::Isa isa : q8test::tiers()) {
    auto pc = q8::PackedConv::create(w, nullptr, p, isa);
    ASSERT_TRUE(pc.ok());
    EXPECT_FALSE(pc->fast());
    Tensor got;
    ASSERT_TRUE(q8::conv2d(*pc, x, &got).ok());
    expect_same_codes(got, want, "large K conv");
  }
  // K = 66311 (the largest exact one with |w| <= 127) stays on the fast path.
  Tensor w2(DType::kI8, {1, 66311, 1, 1});
  for (int64_t i = 0; i < w2.numel(); ++i) w2.data<int8_t>()[i] = 127;
  auto pc2 = q8::PackedConv::create(w2, nullptr, p, q8::Isa::kScalar);
  ASSERT_TRUE(pc2.ok());
  EXPECT_TRUE(pc2->fast());
}

TEST(Q8Conv, UnsupportedAndInvalidInputsGoToTheReference) {
  std::mt19937 rng(5);
  const Tensor w = q8test::random_weights({4, 3, 3, 3}, rng);
  qref::QConv2dParams p;
  p.out_mult = q8test::random_mults(1, 27, rng);
  auto pc = q8::PackedConv::create(w, nullptr, p);
  ASSERT_TRUE(pc.ok());
  // int16 activations: computed by the reference.
  Tensor x16(DType::kI16, {1, 3, 5, 5});
  for (int64_t i = 0; i < x16.numel(); ++i) x16.data<int16_t>()[i] = static_cast<int16_t>(i * 997 % 5000 - 2500);
  Tensor got, want;
  ASSERT_TRUE(q8::conv2d(*pc, x16, &got).ok());
  ASSERT_TRUE(qref::qconv2d(x16, w, nullptr, p, &want).ok());
  EXPECT_TRUE(got.bit_equal(want));
  // Wrong channel count / too small input: the reference's error.
  Tensor bad(DType::kU8, {1, 4, 5, 5});
  EXPECT_FALSE(q8::conv2d(*pc, bad, &got).ok());
  Tensor tiny(DType::kU8, {1, 3, 2, 2});
  EXPECT_FALSE(q8::conv2d(*pc, tiny, &got).ok());
  // Invalid weights / bias / multipliers at packing time.
  EXPECT_FALSE(q8::PackedConv::create(Tensor(DType::kU8, {4, 3, 3, 3}), nullptr, p).ok());
  const Tensor b5(DType::kI32, {5});
  EXPECT_FALSE(q8::PackedConv::create(w, &b5, p).ok());
  qref::QConv2dParams p3 = p;
  p3.out_mult = {{1 << 30, 0}, {1 << 30, 0}};
  EXPECT_FALSE(q8::PackedConv::create(w, nullptr, p3).ok());
}

}  // namespace
}  // namespace npukit
