// SPDX-License-Identifier: Apache-2.0
// kernels/q8 depthwise convolution (conv_dw.cpp): bit-exact against qref::qconv2d on every ISA tier this machine
// runs. Covers every plane layout of the kernel (stride 1 pairs, stride 2 pairs, single taps for stride 3 /
// dilation / 1-wide kernels), channels 1/3/13/127, kernels 1x1/3x1/3x3/5x5/7x7, asymmetric pads, spatial sizes
// from 1x1 to odd and wide planes, u8 inputs with non-zero zero points, i8 inputs of both signs, per-tensor and
// per-channel multipliers, no bias, fused residual add, channel multiplier 2, batch 2, 1..2 threads; the
// channel-blocked small-plane kernels (AVX2: 8 channels of int16 pairs; AVX-512 VNNI: 16 channels of u8 quads;
// channels 1..127 around the block sizes, planes 1x1..56x56, dilation 2) and the fused
// requantization with the cases outside its range (multipliers >= 1/2, a bias that can leave int32); every clamp
// variant of the fused requantization (none, low side, high side, both: the saturating narrowing does the rest) on
// both paths; row widths around the 16-value steps of the stride-1 pair-plane construction and the 32 / 16-value
// steps of the stride-2 one (up to the tensor's last bytes).
#include <gtest/gtest.h>
#include <array>

#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>

#include "kernels/q8/q8_kernels.h"
#include "kernels/ref/qkernels.h"
#include "q8_test_util.h"

namespace npukit {
namespace {

struct DwCase {
  int64_t n = 1, c = 3, h = 7, w = 7, mult = 1, kh = 3, kw = 3;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 1, pl = 1, pb = 1, pr = 1;
  DType in = DType::kI8;
  int32_t in_zp = 0;
  DType out = DType::kI8;
  int32_t out_zp = 0;
  bool relu = false, per_channel = true, bias = true, residual = false;
  /// A fused clip inside the output range (Clip / ReLU6 style) when set: out_range = [clip_lo, clip_hi].
  bool clip = false;
  int32_t clip_lo = 0, clip_hi = 0;
  /// > 0: multipliers spread over [big_mult / 4, big_mult] instead of the usual small ones (>= 1/2: not the fused
  /// requantization's range).
  double big_mult = 0;
  /// Channel 0 gets a bias near INT32_MAX (the accumulator + bias may leave int32: no fused requantization).
  bool huge_bias = false;
  uint32_t seed = 1;

  std::string str() const {
    return str_cat("depthwise x[", n, ",", c, ",", h, ",", w, "] ", dtype_name(in), " zp ", in_zp, " w[", c * mult,
                   ",1,", kh, ",", kw, "] stride ", sh, "x", sw, " dil ", dh, "x", dw, " pads t", pt, " l", pl, " b",
                   pb, " r", pr, " out ", dtype_name(out), " zp ", out_zp, relu ? " relu" : "",
                   clip ? str_cat(" clip [", clip_lo, ",", clip_hi, "]") : std::string(),
                   per_channel ? " per-channel" : " per-tensor", bias ? " bias" : " no-bias",
                   residual ? " residual" : "", big_mult > 0 ? str_cat(" mult up to ", big_mult) : std::string(),
                   huge_bias ? " huge bias" : "", " seed ", seed);
  }
};

void run_case(const DwCase& k) {
  std::mt19937 rng(k.seed);
  const int64_t cout = k.c * k.mult, kk = k.kh * k.kw;
  const Tensor x = q8test::random_codes(k.in, {k.n, k.c, k.h, k.w}, rng);
  const Tensor w = q8test::random_weights({cout, 1, k.kh, k.kw}, rng);
  Tensor b = q8test::random_bias(cout, 3000 * static_cast<int32_t>(std::min<int64_t>(kk, 100)), rng);
  if (k.huge_bias) b.data<int32_t>()[0] = std::numeric_limits<int32_t>::max() - 1000;
  qref::QConv2dParams p = q8test::conv_geometry(k, k.c);
  p.out_mult = q8test::random_mults(k.per_channel ? cout : 1, kk, rng);
  if (k.big_mult > 0) {
    std::uniform_real_distribution<double> dm(k.big_mult / 4, k.big_mult);
    for (auto& m : p.out_mult) m = quant::quantize_multiplier(dm(rng));
  }
  p.output_zero_point = k.out_zp;
  p.output_dtype = k.out;
  p.out_range = qref::dtype_range(k.out);
  if (k.relu) p.out_range.qmin = k.out_zp;
  if (k.clip) p.out_range = {k.clip_lo, k.clip_hi};
  const int64_t oh = (k.h + k.pt + k.pb - ((k.kh - 1) * k.dh + 1)) / k.sh + 1;
  const int64_t ow = (k.w + k.pl + k.pr - ((k.kw - 1) * k.dw + 1)) / k.sw + 1;
  Tensor res;
  if (k.residual) {
    res = q8test::random_codes(DType::kU8, {k.n, cout, oh, ow}, rng);
    p.residual_add = quant::make_add_params(0.05f, k.out_zp, 0.03f, 131, 0.07f, k.out_zp + 3, qref::dtype_range(k.out));
  }
  const Tensor* bias = k.bias ? &b : nullptr;
  const Tensor* resp = k.residual ? &res : nullptr;
  Tensor want;
  ASSERT_TRUE(qref::qconv2d(x, w, bias, p, &want, resp).ok()) << k.str();
  for (q8::Isa isa : q8test::tiers()) {
    auto pc = q8::PackedConv::create(w, bias, p, isa);
    ASSERT_TRUE(pc.ok()) << pc.status().to_string() << " " << k.str();
    ASSERT_TRUE(pc->depthwise()) << k.str();
    ASSERT_TRUE(pc->fast()) << k.str();
    for (int threads = 1; threads <= 2; ++threads) {
      q8::Parallel par(threads);
      Tensor got;
      const Status s = q8::conv2d(*pc, x, &got, resp, &par);
      ASSERT_TRUE(s.ok()) << s.to_string() << " " << k.str();
      q8test::expect_same_codes(got, want, str_cat(k.str(), " tier ", q8::isa_name(isa), " threads ", threads));
      if (::testing::Test::HasFailure()) return;
      // A second call into the same output (reused per-thread scratch, caller's storage) gives the same codes.
      ASSERT_TRUE(q8::conv2d(*pc, x, &got, resp, &par).ok());
      q8test::expect_same_codes(got, want, str_cat(k.str(), " tier ", q8::isa_name(isa), " second call"));
      if (::testing::Test::HasFailure()) return;
      // Into a view of a larger buffer: nothing is written outside the output's bytes.
      constexpr int64_t kGuard = 64;
      const int64_t bytes = want.numel();
      std::shared_ptr<std::byte> buf(new std::byte[static_cast<size_t>(bytes + 2 * kGuard)],
                                     std::default_delete<std::byte[]>());
      std::memset(buf.get(), 0xA5, static_cast<size_t>(bytes + 2 * kGuard));
      Tensor view = Tensor::view(buf, buf.get() + kGuard, want.dtype(), want.shape());
      ASSERT_TRUE(q8::conv2d(*pc, x, &view, resp, &par).ok());
      q8test::expect_same_codes(view, want, str_cat(k.str(), " tier ", q8::isa_name(isa), " into a view"));
      for (int64_t i = 0; i < kGuard; ++i) {
        ASSERT_EQ(static_cast<int>(buf.get()[i]), 0xA5) << "byte written before the output " << k.str();
        ASSERT_EQ(static_cast<int>(buf.get()[kGuard + bytes + i]), 0xA5) << "byte written past the output " << k.str();
      }
    }
  }
}

// Input dtype / zero point variants: u8 with a non-zero zero point, i8 (SiLU-like codes of both signs) with zero
// points of both signs.
void set_input(DwCase& k, uint32_t v) {
  switch (v % 3) {
    case 0: k.in = DType::kU8, k.in_zp = 133; break;
    case 1: k.in = DType::kI8, k.in_zp = -100; break;
    default: k.in = DType::kI8, k.in_zp = 17; break;
  }
}

TEST(Q8Depthwise, KernelsStridesAndSizes) {
  uint32_t seed = 1000;
  const std::pair<int64_t, int64_t> kernels[] = {{3, 3}, {5, 5}, {1, 1}, {3, 1}, {7, 7}};
  const std::pair<int64_t, int64_t> sizes[] = {{1, 1}, {7, 7}, {14, 14}, {13, 9}};
  for (auto [kh, kw] : kernels)
    for (int64_t s : {1, 2, 3})
      for (auto [h, w] : sizes) {
        DwCase k;
        k.c = 13;
        k.kh = kh;
        k.kw = kw;
        k.h = h;
        k.w = w;
        k.sh = k.sw = s;
        // "same"-style padding, asymmetric for stride 2 (ONNX / TFLite style).
        k.pt = k.pb = kh / 2;
        k.pl = k.pr = kw / 2;
        if (s == 2) {
          k.pb = std::max<int64_t>(0, k.pb - 1);
          k.pr = std::max<int64_t>(0, k.pr - 1);
        }
        // 1x1 inputs need enough padding for the kernel to fit.
        if (h + k.pt + k.pb < kh) k.pb = kh - h - k.pt;
        if (w + k.pl + k.pr < kw) k.pr = kw - w - k.pl;
        k.seed = seed++;
        set_input(k, k.seed);
        k.per_channel = k.seed % 2 == 0;
        k.relu = k.seed % 5 == 0;
        k.out = k.seed % 4 == 1 ? DType::kU8 : DType::kI8;
        k.out_zp = k.out == DType::kU8 ? 120 : -9;
        run_case(k);
      }
}

TEST(Q8Depthwise, Channels) {
  uint32_t seed = 2000;
  for (int64_t c : {1, 3, 13, 127})
    for (int64_t s : {1, 2}) {
      DwCase k;
      k.c = c;
      k.h = 14;
      k.w = 14;
      k.sh = k.sw = s;
      k.pb = k.pr = s == 2 ? 0 : 1;
      k.seed = seed++;
      set_input(k, k.seed);
      k.per_channel = c != 13;
      run_case(k);
    }
}

TEST(Q8Depthwise, DilationAndAsymmetricPads) {
  uint32_t seed = 3000;
  for (int64_t kdim : {3, 5})
    for (int64_t s : {1, 2, 3}) {
      DwCase k;
      k.c = 13;
      k.kh = k.kw = kdim;
      k.h = 13;
      k.w = 9;
      k.sh = k.sw = s;
      k.dh = k.dw = 2;
      k.pt = 3;
      k.pl = 0;
      k.pb = 2;
      k.pr = 5;
      k.seed = seed++;
      set_input(k, k.seed);
      run_case(k);
      // Different strides / dilations per axis.
      k.sh = s;
      k.sw = 1 + (s % 2);
      k.dh = 1;
      k.dw = 2;
      k.seed = seed++;
      run_case(k);
      k.sh = 1;
      k.sw = s;
      k.dh = 2;
      k.dw = 1;
      k.pl = 4;
      k.pr = 0;
      k.seed = seed++;
      run_case(k);
    }
}

TEST(Q8Depthwise, WideAndTallPlanes) {
  // Rows longer than several vectors, a row length just past a vector multiple, a 1-wide column.
  uint32_t seed = 4000;
  // Narrow planes with more rows than the small-plane kernels take: rows shorter than a vector.
  const std::pair<int64_t, int64_t> sizes[] = {{5, 67},  {3, 33},  {41, 1}, {28, 28},
                                               {57, 56}, {300, 3}, {90, 5}, {40, 12}};
  for (auto [h, w] : sizes)
    for (int64_t s : {1, 2})
      for (int64_t kdim : {3, 5}) {
        DwCase k;
        k.c = 5;
        k.h = h;
        k.w = w;
        k.kh = k.kw = kdim;
        k.sh = k.sw = s;
        k.pt = k.pb = k.pl = k.pr = kdim / 2;
        if (w + k.pl + k.pr < kdim) k.pr = kdim - w - k.pl;
        k.seed = seed++;
        set_input(k, k.seed);
        run_case(k);
      }
}

TEST(Q8Depthwise, NoBiasResidualBatchMultiplier) {
  uint32_t seed = 5000;
  for (bool residual : {false, true})
    for (int64_t s : {1, 2})
      for (int64_t kdim : {3, 5}) {
        DwCase k;
        k.n = 2;
        k.c = 13;
        k.h = 9;
        k.w = 11;
        k.kh = k.kw = kdim;
        k.sh = k.sw = s;
        k.pt = k.pb = k.pl = k.pr = kdim / 2;
        k.bias = false;
        k.residual = residual;
        k.seed = seed++;
        set_input(k, k.seed);
        k.relu = residual;
        run_case(k);
        k.mult = 2;  // two outputs per input channel
        k.bias = true;
        k.per_channel = false;
        k.seed = seed++;
        run_case(k);
      }
}

TEST(Q8Depthwise, QuadPlanesOnWideOutputs) {
  // The AVX-512 VNNI tier's u8-quad planes (planes the channel-blocked kernel does not take; dilation 1, strides 1-2,
  // kw <= 8): output widths
  // around its 16-output steps, every kernel width 1..8 in one or two tap quads (a quad's unused bytes have weight 0),
  // kernel heights 1..7, asymmetric pads (the padded rows hold the zero point's u), stride 1 and 2 in each direction,
  // u8 / i8 inputs, channel multiplier 2, batch 2, per-tensor and per-channel multipliers, the ReLU clamp; and the
  // shapes just outside it (kw 9, stride 3, dilation 2) for the fallback. Other tiers run the same cases.
  uint32_t seed = 7000;
  struct Geo {
    int64_t kh, kw, sh, sw, pt, pl, pb, pr;
  };
  const Geo geos[] = {{3, 3, 1, 1, 1, 1, 1, 1}, {5, 5, 1, 1, 2, 2, 2, 2}, {3, 3, 2, 2, 1, 1, 0, 0},
                      {5, 5, 2, 2, 2, 2, 1, 1}, {1, 1, 1, 1, 0, 0, 0, 0}, {7, 7, 1, 1, 3, 3, 3, 3},
                      {2, 4, 1, 2, 0, 1, 1, 2}, {4, 2, 2, 1, 2, 0, 1, 1}, {3, 8, 1, 1, 1, 4, 0, 3},
                      {1, 6, 2, 1, 0, 2, 0, 3}, {3, 9, 1, 1, 1, 4, 1, 4}, {3, 3, 3, 3, 1, 1, 1, 1}};
  for (const Geo& g : geos)
    for (int64_t ow : {28, 31, 32, 33, 47, 70}) {
      DwCase k;
      k.kh = g.kh;
      k.kw = g.kw;
      k.sh = g.sh;
      k.sw = g.sw;
      k.pt = g.pt, k.pl = g.pl, k.pb = g.pb, k.pr = g.pr;
      // Input width giving ow outputs: (w + pl + pr - kw) / sw + 1 = ow.
      k.w = (ow - 1) * g.sw + g.kw - g.pl - g.pr;
      // (Tall: more outputs than the channel-blocked kernels take, 56x56, on any tier.)
      k.h = 120 + static_cast<int64_t>(seed % 4);
      k.c = 5;
      k.mult = seed % 3 == 0 ? 2 : 1;
      k.n = seed % 4 == 0 ? 2 : 1;
      k.per_channel = seed % 5 != 0;
      k.relu = seed % 2 == 0;
      k.seed = seed++;
      set_input(k, k.seed);
      run_case(k);
      if (::testing::Test::HasFailure()) return;
    }
  {
    DwCase k;  // dilation 2 (the pair planes), 3x3, wide
    k.w = 64;
    k.h = 6;
    k.dh = k.dw = 2;
    k.pt = k.pb = k.pl = k.pr = 2;
    k.seed = seed++;
    set_input(k, k.seed);
    run_case(k);
  }
}

TEST(Q8Depthwise, ChannelBlocksSmallPlanes) {
  // Small planes run channel blocks on the tiers that have them: channel counts around and between block sizes,
  // planes down to 1x1, odd sizes at stride 2, u8 inputs with zero points, u8 / i8 outputs with and without ReLU.
  uint32_t seed = 6000;
  const std::pair<int64_t, int64_t> sizes[] = {{1, 1},   {7, 7},   {13, 9}, {14, 14},
                                               {15, 15}, {28, 28}, {5, 17}, {56, 56}};
  for (int64_t c : {1, 3, 8, 13, 16, 17, 127})
    for (auto [h, w] : sizes)
      for (int64_t s : {1, 2}) {
        DwCase k;
        k.c = c;
        k.h = h;
        k.w = w;
        k.sh = k.sw = s;
        k.pb = k.pr = s == 2 ? 0 : 1;
        if (h + k.pt + k.pb < k.kh) k.pb = k.kh - h - k.pt;
        if (w + k.pl + k.pr < k.kw) k.pr = k.kw - w - k.pl;
        k.seed = seed++;
        set_input(k, k.seed);
        k.per_channel = k.seed % 3 != 0;
        k.relu = k.seed % 4 == 0;
        k.out = k.seed % 5 == 1 ? DType::kU8 : DType::kI8;
        k.out_zp = k.out == DType::kU8 ? 77 : 5;
        k.bias = k.seed % 7 != 3;
        run_case(k);
      }
  // 5x5, 7x7 and dilated kernels on a block.
  for (int64_t kdim : {5, 7})
    for (int64_t d : {1, 2}) {
      DwCase k;
      k.c = 17;
      k.h = 11;
      k.w = 10;
      k.kh = k.kw = kdim;
      k.dh = k.dw = d;
      k.pt = k.pb = k.pl = k.pr = (kdim / 2) * d;
      k.seed = seed++;
      set_input(k, k.seed);
      run_case(k);
    }
  // Rectangular kernels (row windows of 4 columns with weight-0 lanes: kw 1-8, up to 16 windows) and unequal
  // dilations (row dilation alone keeps the row windows; column dilation gathers the taps).
  const std::array<int64_t, 4> rect[] = {{1, 3, 1, 1}, {3, 1, 1, 1}, {2, 5, 1, 1}, {5, 2, 2, 1}, {7, 3, 1, 1},
                                         {3, 8, 1, 1}, {8, 8, 1, 1}, {3, 3, 2, 1}, {3, 3, 1, 2}, {4, 6, 1, 1}};
  for (const auto& [kh, kw, dh, dw] : rect) {
    DwCase k;
    k.c = 19;
    k.h = 9;
    k.w = 11;
    k.kh = kh;
    k.kw = kw;
    k.dh = dh;
    k.dw = dw;
    k.pt = k.pb = (kh - 1) * dh / 2;
    k.pl = (kw - 1) * dw / 2;
    k.pr = (kw - 1) * dw - k.pl;
    k.seed = seed++;
    set_input(k, k.seed);
    k.per_channel = true;
    run_case(k);
  }
}

TEST(Q8Depthwise, RequantizationOutsideTheFusedRange) {
  // Multipliers >= 1/2 (and >= 1), and a bias that lets the accumulator leave int32: the unfused requantization (the
  // rest of the call's channels still take the fused one), on small planes (channel blocks) and large ones; and
  // multipliers just below 1/2, still fused.
  uint32_t seed = 7000;
  const std::pair<int64_t, int64_t> sizes[] = {{7, 7}, {14, 14}, {40, 37}};
  for (auto [h, w] : sizes)
    for (int64_t s : {1, 2})
      for (int variant = 0; variant < 4; ++variant) {
        DwCase k;
        k.c = 11;
        k.h = h;
        k.w = w;
        k.sh = k.sw = s;
        k.pb = k.pr = s == 2 ? 0 : 1;
        k.seed = seed++;
        set_input(k, k.seed);
        if (variant == 0) k.big_mult = 0.9;  // some in [1/2, 0.9], some below 1/2
        if (variant == 1) k.big_mult = 3.0;  // shift > 0
        if (variant == 2) k.huge_bias = true;
        // All fused, some lanes with r = 31 - shift = 32 (multipliers in [1/4, 1/2)) next to r >= 33: the rounding
        // term on the 64-bit products for every lane of a channel block.
        if (variant == 3) k.big_mult = 0.45;
        k.out = variant == 1 ? DType::kU8 : DType::kI8;
        k.out_zp = variant == 1 ? 128 : 0;
        run_case(k);
      }
}

TEST(Q8Depthwise, FusedClampVariants) {
  // The fused requantization clamps only the sides the saturating 8-bit narrowing does not already bound: full
  // range (none), ReLU (low side, or none for u8 / zero point -128), ReLU6-like clips (high side, both), a clip
  // hugging the unsigned range; on the pair-plane path (28x30; the AVX-512 VNNI tier's channel blocks take it) and
  // the channel-blocked one (7x7, 13x9), and a plane too large for any tier's blocks (60x61), stride 1 / 2.
  struct Out {
    DType dt;
    int32_t zp;
    bool relu, clip;
    int32_t lo, hi;
  };
  const Out outs[] = {
      {DType::kI8, -3, false, false, 0, 0},      {DType::kU8, 90, false, false, 0, 0},  // no clamp
      {DType::kI8, -128, true, false, 0, 0},     {DType::kU8, 0, true, false, 0, 0},    // ReLU at the range's bottom
      {DType::kI8, 7, true, false, 0, 0},        {DType::kU8, 40, true, false, 0, 0},   // low side
      {DType::kI8, -128, false, true, -128, 60}, {DType::kU8, 0, false, true, 0, 200},  // high side
      {DType::kI8, -20, false, true, -20, 100},  {DType::kI8, 0, false, true, 0, 127},  // both / u8-like codes
      {DType::kU8, 128, false, true, 3, 254},
  };
  const std::pair<int64_t, int64_t> sizes[] = {{28, 30}, {7, 7}, {13, 9}, {60, 61}};
  uint32_t seed = 8000;
  for (const Out& o : outs)
    for (auto [h, w] : sizes)
      for (int64_t s : {1, 2})
        for (int64_t kdim : {3, 5}) {
          DwCase k;
          k.c = 11;
          k.h = h;
          k.w = w;
          k.kh = k.kw = kdim;
          k.sh = k.sw = s;
          k.pt = k.pl = kdim / 2;
          k.pb = k.pr = s == 2 ? kdim / 2 - 1 : kdim / 2;
          k.out = o.dt;
          k.out_zp = o.zp;
          k.relu = o.relu;
          k.clip = o.clip;
          k.clip_lo = o.lo;
          k.clip_hi = o.hi;
          k.seed = seed++;
          set_input(k, k.seed);
          k.per_channel = k.seed % 2 == 0;
          run_case(k);
        }
}

TEST(Q8Depthwise, StrideOneRowWidths) {
  // Stride-1 pair planes are built from zero-point-padded byte rows in 16-value steps: widths below, at and around
  // one and two steps, with no / one / wide left padding, dilation 1 and 2, rows taller than the small-plane limit.
  uint32_t seed = 9000;
  for (int64_t w : {1, 2, 15, 16, 17, 31, 32, 33, 47})
    for (int64_t pl : {0, 1, 4})
      for (int64_t d : {1, 2}) {
        DwCase k;
        k.c = 3;
        k.h = 23;
        k.w = w;
        k.dh = k.dw = d;
        k.pt = 1;
        k.pb = 2;
        k.pl = pl;
        k.pr = std::max<int64_t>(0, 2 * d + 1 - w - pl) + (w % 3);
        k.seed = seed++;
        set_input(k, k.seed);
        k.relu = k.seed % 3 == 0;
        k.out = k.seed % 2 ? DType::kU8 : DType::kI8;
        k.out_zp = k.out == DType::kU8 ? 31 : -60;
        run_case(k);
      }
}

TEST(Q8Depthwise, StrideTwoRowWidths) {
  // Stride-2 pair planes are converted straight from the input rows, 32 values per step while whole 16-byte loads stay
  // inside the tensor, then 16 per step, and the tensor's last bytes through a copy: widths below, at and around one,
  // two and three 16-value steps, no / one / two left pad columns, 1 / 3 channels (the last plane's last rows reach the
  // end of the tensor), 3x3 and 5x5, rows taller than the small-plane limit, int8 / uint8 inputs with zero points.
  uint32_t seed = 9500;
  for (int64_t w : {1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 65, 80})
    for (int64_t pl : {0, 1, 2})
      for (int64_t kdim : {3, 5}) {
        DwCase k;
        k.c = w % 2 == 0 ? 1 : 3;
        k.h = 37;
        k.w = w;
        k.kh = k.kw = kdim;
        k.sh = k.sw = 2;
        k.pt = kdim / 2;
        k.pb = kdim / 2 - 1;
        k.pl = pl;
        k.pr = std::max<int64_t>(0, kdim - w - pl) + (w % 2);
        k.seed = seed++;
        set_input(k, k.seed);
        k.relu = k.seed % 3 == 0;
        k.out = k.seed % 2 ? DType::kU8 : DType::kI8;
        k.out_zp = k.out == DType::kU8 ? 31 : -60;
        run_case(k);
      }
}

TEST(Q8Depthwise, ExtremeCodesAndWeights) {
  // All inputs at one extreme and weights at +-127: the largest |accumulator| of a 7x7 kernel.
  for (DType dt : {DType::kU8, DType::kI8}) {
    const int64_t c = 4, h = 9, w = 10;
    Tensor x(dt, {1, c, h, w});
    for (int64_t i = 0; i < x.numel(); ++i) static_cast<uint8_t*>(x.raw())[i] = dt == DType::kU8 ? 255 : 0x80;
    Tensor wt(DType::kI8, {c, 1, 7, 7});
    for (int64_t i = 0; i < wt.numel(); ++i) wt.data<int8_t>()[i] = static_cast<int8_t>((i / 49) % 2 ? 127 : -127);
    qref::QConv2dParams p;
    p.group = c;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 3;
    p.input_zero_point = dt == DType::kU8 ? 0 : 127;
    p.out_mult = {quant::quantize_multiplier(1.0 / 20000.0)};
    Tensor want;
    ASSERT_TRUE(qref::qconv2d(x, wt, nullptr, p, &want).ok());
    for (q8::Isa isa : q8test::tiers()) {
      auto pc = q8::PackedConv::create(wt, nullptr, p, isa);
      ASSERT_TRUE(pc.ok());
      Tensor got;
      ASSERT_TRUE(q8::conv2d(*pc, x, &got).ok());
      q8test::expect_same_codes(got, want, str_cat("extreme 7x7 ", dtype_name(dt), " tier ", q8::isa_name(isa)));
    }
  }
}

}  // namespace
}  // namespace npukit
