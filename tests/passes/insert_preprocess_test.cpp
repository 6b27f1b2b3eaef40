// SPDX-License-Identifier: Apache-2.0
// passes::insert_preprocess: every rt x train combination of the hb_compile table, run by the reference
// interpreter and compared with values computed here independently (published BT.601 formulas, pixel by
// pixel), plus normalisation, input_batch, separate_batch, errors, and ONNX export / re-import.
#include "passes/insert_preprocess.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "frontend/onnx_export.h"
#include "frontend/onnx_import.h"
#include "interp/interpreter.h"
#include "ir/graph.h"
#include "util/graph_builder.h"

namespace npukit {
namespace {

using passes::ImageLayout;
using passes::InputConversionSpec;
using passes::Nv12Form;
using passes::PixelFormat;
using passes::YuvRange;
using testing::GraphBuilder;

constexpr PixelFormat kAllFormats[] = {PixelFormat::kFeaturemap, PixelFormat::kRgb,    PixelFormat::kBgr,
                                       PixelFormat::kGray,       PixelFormat::kYuv444, PixelFormat::kYuv444_128,
                                       PixelFormat::kNv12};

// x (f32, `shape`) -> Identity -> y: the output shows exactly the train-format tensor the model receives.
ir::Model identity_model(const Shape& shape) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, shape);
  b.output(b.op(ir::OpKind::kIdentity, "id", {x}));
  return m;
}

Expected<std::vector<Tensor>> run(ir::Model& m, const std::vector<Tensor>& inputs) {
  NPUKIT_RETURN_IF_ERROR(interp::resolve(m));
  return interp::Interpreter(m.graph).run(inputs);
}

// Deterministic "odd" 8-bit patterns (not smooth, cover the whole 0..255 range including the extremes).
uint8_t pattern(int64_t i, int64_t salt) {
  return static_cast<uint8_t>((i * 97 + salt * 31 + (i * i) % 13) % 256);
}

// ---- independent reference: one pixel in the rt format → train channels ----
// Full-range BT.601 ("JPEG") YUV → RGB with the published coefficients (the pass inverts the forward matrix of
// quant/cal_data.h instead; the two agree to < 4e-4 on 0..255 inputs).
std::array<double, 3> yuv_to_rgb_full(double y, double u, double v) {
  return {y + 1.402 * (v - 128), y - 0.344136 * (u - 128) - 0.714136 * (v - 128), y + 1.772 * (u - 128)};
}
// Limited-range BT.601 video YUV → RGB (published coefficients), input clamped to Y 16..235, U/V 16..240.
std::array<double, 3> yuv_to_rgb_video(double y, double u, double v) {
  y = std::clamp(y, 16.0, 235.0);
  u = std::clamp(u, 16.0, 240.0);
  v = std::clamp(v, 16.0, 240.0);
  const double yy = 1.164383 * (y - 16);
  return {yy + 1.596027 * (v - 128), yy - 0.391762 * (u - 128) - 0.812968 * (v - 128), yy + 2.017232 * (u - 128)};
}

// `px` holds the rt pixel as stored (rgb order for rgb, bgr order for bgr, Y U V for the yuv family with
// yuv444_128 already +128 → 0..255).
std::vector<double> expected_pixel(PixelFormat rt, PixelFormat train, YuvRange range, std::array<double, 3> px) {
  if (train == PixelFormat::kGray) return {px[0]};
  const bool yuv_rt = rt == PixelFormat::kNv12 || rt == PixelFormat::kYuv444 || rt == PixelFormat::kYuv444_128;
  if (train == PixelFormat::kYuv444) return {px[0], px[1], px[2]};
  if (train == PixelFormat::kYuv444_128) return {px[0] - 128, px[1] - 128, px[2] - 128};
  std::array<double, 3> rgb;
  if (yuv_rt) {
    rgb = range == YuvRange::kBt601Video ? yuv_to_rgb_video(px[0], px[1], px[2]) : yuv_to_rgb_full(px[0], px[1], px[2]);
    for (double& c : rgb) c = std::clamp(c, 0.0, 255.0);
  } else {
    rgb = rt == PixelFormat::kRgb ? px : std::array<double, 3>{px[2], px[1], px[0]};
  }
  if (train == PixelFormat::kRgb) return {rgb[0], rgb[1], rgb[2]};
  return {rgb[2], rgb[1], rgb[0]};
}

struct Case {
  PixelFormat rt, train;
  YuvRange range = YuvRange::kRegular;
};

// Builds runtime input(s) of an N x H x W image, runs the converted identity model and compares each train
// channel with the reference.
void check_conversion(const Case& c, ImageLayout layout, int64_t n, int64_t h, int64_t w,
                      Nv12Form form = Nv12Form::kSingle) {
  SCOPED_TRACE(str_cat(passes::to_string(c.rt), " -> ", passes::to_string(c.train), " ", passes::to_string(layout),
                       c.range == YuvRange::kBt601Video ? " bt601_video" : "", " N=", n, " H=", h, " W=", w,
                       form == Nv12Form::kSplitYUV ? " split" : ""));
  const int64_t ch = c.train == PixelFormat::kGray ? 1 : 3;
  const bool nchw = layout == ImageLayout::kNCHW;
  ir::Model m = identity_model(nchw ? Shape{n, ch, h, w} : Shape{n, h, w, ch});
  ASSERT_TRUE(interp::resolve(m).ok());
  auto names = passes::insert_input_conversion(m.graph, {"x", c.rt, c.train, layout, c.range, form});
  ASSERT_TRUE(names.ok()) << names.status().to_string();

  // rt pixel (n, r, col) → stored channel values, and the rt input tensors.
  std::vector<Tensor> inputs;
  auto px_of = [&](int64_t b, int64_t r, int64_t col) -> std::array<double, 3> {
    std::array<double, 3> px{};
    if (c.rt == PixelFormat::kNv12) {
      // Y plane value and the chroma pair of its 2x2 block.
      px[0] = pattern((b * h + r) * w + col, 1);
      const int64_t k = (b * (h / 2) + r / 2) * (w / 2) + col / 2;
      px[1] = pattern(2 * k, 2);
      px[2] = pattern(2 * k + 1, 2);
    } else {
      const int64_t rc = c.rt == PixelFormat::kGray ? 1 : 3;
      for (int64_t k = 0; k < rc; ++k) px[k] = pattern(((b * h + r) * w + col) * rc + k, 3);
    }
    return px;
  };
  if (c.rt == PixelFormat::kNv12) {
    Tensor y(DType::kU8, {n, h, w, 1}), uv(DType::kU8, {n, h / 2, w / 2, 2});
    for (int64_t i = 0; i < y.numel(); ++i) y.data<uint8_t>()[i] = pattern(i, 1);
    for (int64_t i = 0; i < uv.numel(); ++i) uv.data<uint8_t>()[i] = pattern(i, 2);
    if (form == Nv12Form::kSplitYUV) {
      ASSERT_EQ(*names, (std::vector<std::string>{"x_y", "x_uv"}));
      inputs = {y, uv};
    } else {
      ASSERT_EQ(*names, std::vector<std::string>{"x"});
      // One NV12 frame per batch element: Y plane then the interleaved UV plane.
      Tensor f(DType::kU8, {n, h * 3 / 2, w, 1});
      uint8_t* d = f.data<uint8_t>();
      for (int64_t b = 0; b < n; ++b) {
        std::copy_n(y.data<uint8_t>() + b * h * w, h * w, d);
        std::copy_n(uv.data<uint8_t>() + b * h * w / 2, h * w / 2, d + h * w);
        d += h * w * 3 / 2;
      }
      inputs = {f};
    }
  } else {
    const int64_t rc = c.rt == PixelFormat::kGray ? 1 : 3;
    const bool i8 = c.rt == PixelFormat::kYuv444_128;
    Tensor t(i8 ? DType::kI8 : DType::kU8, {n, h, w, rc});
    for (int64_t i = 0; i < t.numel(); ++i) {
      const uint8_t v = pattern(i, 3);
      if (i8)
        t.data<int8_t>()[i] = static_cast<int8_t>(v - 128);  // stored value - 128 → px is 0..255 again
      else
        t.data<uint8_t>()[i] = v;
    }
    inputs = {t};
  }
  // The rt input types are part of the interface.
  const ir::Value* in0 = m.graph.inputs()[0];
  EXPECT_EQ(in0->dtype(), c.rt == PixelFormat::kYuv444_128 ? DType::kI8 : DType::kU8);
  EXPECT_EQ(in0->shape(), inputs[0].shape());

  auto out = run(m, inputs);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const Tensor& o = (*out)[0];
  ASSERT_EQ(o.dtype(), DType::kF32);
  ASSERT_EQ(o.shape(), nchw ? (Shape{n, ch, h, w}) : (Shape{n, h, w, ch}));
  const bool color_math = c.train == PixelFormat::kRgb || c.train == PixelFormat::kBgr;
  int bad = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t r = 0; r < h; ++r)
      for (int64_t col = 0; col < w; ++col) {
        const std::vector<double> want = expected_pixel(c.rt, c.train, c.range, px_of(b, r, col));
        for (int64_t k = 0; k < ch; ++k) {
          const int64_t idx = nchw ? ((b * ch + k) * h + r) * w + col : ((b * h + r) * w + col) * ch + k;
          const float got = o.data<float>()[idx];
          // Copies / offsets are exact. Colour conversions: the published 4-6 digit coefficients differ from
          // the exact inverse of the cal_data.h matrix by < 4e-4 on 0..255 inputs, plus f32 rounding.
          const double tol =
              color_math && c.rt != c.train && c.rt != PixelFormat::kRgb && c.rt != PixelFormat::kBgr ? 2e-3 : 0.0;
          if (std::fabs(got - want[k]) > tol && ++bad < 10)
            ADD_FAILURE() << "pixel b=" << b << " r=" << r << " c=" << col << " ch=" << k << ": got " << got
                          << ", want " << want[k];
        }
      }
  EXPECT_EQ(bad, 0);
}

// Every combination the reference table allows, both train layouts, H and W even but not multiples of 4.
TEST(InsertPreprocess, EveryAllowedCombinationMatchesTheReferenceFormulas) {
  const std::vector<Case> cases = {
      {PixelFormat::kNv12, PixelFormat::kYuv444},
      {PixelFormat::kNv12, PixelFormat::kYuv444_128},
      {PixelFormat::kNv12, PixelFormat::kRgb},
      {PixelFormat::kNv12, PixelFormat::kBgr},
      {PixelFormat::kYuv444, PixelFormat::kYuv444},
      {PixelFormat::kYuv444, PixelFormat::kYuv444_128},
      {PixelFormat::kYuv444, PixelFormat::kRgb},
      {PixelFormat::kYuv444, PixelFormat::kBgr},
      {PixelFormat::kYuv444_128, PixelFormat::kYuv444},
      {PixelFormat::kYuv444_128, PixelFormat::kYuv444_128},
      {PixelFormat::kYuv444_128, PixelFormat::kRgb},
      {PixelFormat::kYuv444_128, PixelFormat::kBgr},
      {PixelFormat::kRgb, PixelFormat::kRgb},
      {PixelFormat::kRgb, PixelFormat::kBgr},
      {PixelFormat::kBgr, PixelFormat::kRgb},
      {PixelFormat::kBgr, PixelFormat::kBgr},
      {PixelFormat::kGray, PixelFormat::kGray},
      {PixelFormat::kNv12, PixelFormat::kRgb, YuvRange::kBt601Video},
      {PixelFormat::kNv12, PixelFormat::kBgr, YuvRange::kBt601Video},
  };
  for (const Case& c : cases)
    for (ImageLayout l : {ImageLayout::kNCHW, ImageLayout::kNHWC}) check_conversion(c, l, 1, 6, 10);
}

TEST(InsertPreprocess, Nv12BatchAndSmallestImage) {
  // Batch 2 (each element its own NV12 frame) and the smallest legal image 2x2 (one chroma pair).
  check_conversion({PixelFormat::kNv12, PixelFormat::kRgb}, ImageLayout::kNCHW, 2, 6, 14);
  check_conversion({PixelFormat::kNv12, PixelFormat::kBgr, YuvRange::kBt601Video}, ImageLayout::kNHWC, 2, 2, 2);
}

TEST(InsertPreprocess, Nv12SplitForm) {
  for (ImageLayout l : {ImageLayout::kNCHW, ImageLayout::kNHWC}) {
    check_conversion({PixelFormat::kNv12, PixelFormat::kRgb}, l, 2, 6, 10, Nv12Form::kSplitYUV);
    check_conversion({PixelFormat::kNv12, PixelFormat::kYuv444}, l, 1, 4, 6, Nv12Form::kSplitYUV);
  }
}

// Hand-computed pixels: chroma upsampling layout and the bt601_video clamping / stretching.
TEST(InsertPreprocess, Nv12HandComputedPixels) {
  // H=2, W=4: Y row 0 = 0 50 100 255, row 1 = 16 235 128 7; UV = (U0 V0) (U1 V1) = (128 128) (16 240).
  ir::Model m = identity_model({1, 2, 4, 3});
  ASSERT_TRUE(interp::resolve(m).ok());
  ASSERT_TRUE(passes::insert_input_conversion(
                  m.graph, {"x", PixelFormat::kNv12, PixelFormat::kYuv444, ImageLayout::kNHWC, YuvRange::kRegular})
                  .ok());
  Tensor f = Tensor::from_vector<uint8_t>({0, 50, 100, 255, 16, 235, 128, 7, 128, 128, 16, 240}, {1, 3, 4, 1});
  auto out = run(m, {f});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const std::vector<float> want = {0,  128, 128, 50,  128, 128, 100, 16, 240, 255, 16, 240,
                                   16, 128, 128, 235, 128, 128, 128, 16, 240, 7,   16, 240};
  ASSERT_EQ((*out)[0].numel(), 24);
  for (int i = 0; i < 24; ++i) EXPECT_EQ((*out)[0].data<float>()[i], want[i]) << i;

  // bt601_video rgb: Y=16 U=V=128 is black, Y=235 is white; Y below 16 / above 235 clamps to them; neutral
  // chroma keeps R=G=B exactly up to the f32 matrix (tolerance 1e-3).
  ir::Model v = identity_model({1, 3, 2, 2});
  ASSERT_TRUE(interp::resolve(v).ok());
  ASSERT_TRUE(passes::insert_input_conversion(
                  v.graph, {"x", PixelFormat::kNv12, PixelFormat::kRgb, ImageLayout::kNCHW, YuvRange::kBt601Video})
                  .ok());
  Tensor g = Tensor::from_vector<uint8_t>({16, 235, 0, 255, 128, 128}, {1, 3, 2, 1});
  out = run(v, {g});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const std::vector<float> want_rgb = {0, 255, 0, 255};  // per channel, pixels (0,0) (0,1) (1,0) (1,1)
  for (int ch = 0; ch < 3; ++ch)
    for (int p = 0; p < 4; ++p) EXPECT_NEAR((*out)[0].data<float>()[ch * 4 + p], want_rgb[p], 1e-3) << ch << " " << p;
  // Saturated chroma: U=16, V=240 → R = 255 after clipping, B = 0 after clipping (Y=128).
  g = Tensor::from_vector<uint8_t>({128, 128, 128, 128, 16, 240}, {1, 3, 2, 1});
  out = run(v, {g});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].data<float>()[0], 255.f);  // R
  EXPECT_EQ((*out)[0].data<float>()[8], 0.f);    // B
}

TEST(InsertPreprocess, FeaturemapIsUnchanged) {
  ir::Model m = identity_model({1, 5});
  ASSERT_TRUE(interp::resolve(m).ok());
  const std::string before = ir::dump(m.graph);
  auto names =
      passes::insert_input_conversion(m.graph, {"x", PixelFormat::kFeaturemap, PixelFormat::kFeaturemap, std::nullopt});
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"x"});
  EXPECT_EQ(ir::dump(m.graph), before);
}

TEST(InsertPreprocess, TableAndUnsupportedCombinations) {
  auto allowed = [](PixelFormat rt, PixelFormat train) {
    using P = PixelFormat;
    const bool yuv_rt = rt == P::kNv12 || rt == P::kYuv444 || rt == P::kYuv444_128;
    switch (train) {
      case P::kYuv444:
      case P::kYuv444_128: return yuv_rt;
      case P::kRgb:
      case P::kBgr: return yuv_rt || rt == P::kRgb || rt == P::kBgr;
      case P::kGray: return rt == P::kGray;
      case P::kFeaturemap: return rt == P::kFeaturemap;
      case P::kNv12: return false;
    }
    return false;
  };
  int rejected = 0;
  for (PixelFormat rt : kAllFormats)
    for (PixelFormat train : kAllFormats) {
      EXPECT_EQ(passes::conversion_supported(rt, train), allowed(rt, train))
          << passes::to_string(rt) << " -> " << passes::to_string(train);
      if (allowed(rt, train)) continue;
      ir::Model m = identity_model({1, 3, 4, 4});
      ASSERT_TRUE(interp::resolve(m).ok());
      const std::string before = ir::dump(m.graph);
      auto r = passes::insert_input_conversion(m.graph, {"x", rt, train, ImageLayout::kNCHW});
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find(str_cat("input_type_rt '", passes::to_string(rt), "' -> input_type_train '",
                                                  passes::to_string(train), "'")),
                std::string::npos)
          << r.status().message();
      EXPECT_EQ(ir::dump(m.graph), before);  // rejected before touching the graph
      ++rejected;
    }
  EXPECT_EQ(rejected, 49 - 18);  // 18 allowed pairs (incl. featuremap and the yuv444_128 row / column)
}

TEST(InsertPreprocess, ShapeAndRangeErrors) {
  auto code_of = [](Shape shape, InputConversionSpec spec) {
    ir::Model m = identity_model(shape);
    EXPECT_TRUE(interp::resolve(m).ok());
    auto r = passes::insert_input_conversion(m.graph, spec);
    return r.ok() ? ErrorCode::kOk : r.status().code();
  };
  using P = PixelFormat;
  const auto kNCHW = ImageLayout::kNCHW;
  // Odd H for nv12.
  EXPECT_EQ(code_of({1, 3, 5, 4}, {"x", P::kNv12, P::kRgb, kNCHW}), ErrorCode::kInvalidArgument);
  // Odd W for nv12.
  EXPECT_EQ(code_of({1, 4, 5, 3}, {"x", P::kNv12, P::kRgb, ImageLayout::kNHWC}), ErrorCode::kInvalidArgument);
  // Wrong channel count for rgb / gray, not 4-D, no layout.
  EXPECT_EQ(code_of({1, 1, 4, 4}, {"x", P::kRgb, P::kRgb, kNCHW}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of({1, 3, 4, 4}, {"x", P::kGray, P::kGray, kNCHW}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of({3, 4, 4}, {"x", P::kRgb, P::kRgb, kNCHW}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of({1, 3, 4, 4}, {"x", P::kRgb, P::kRgb, std::nullopt}), ErrorCode::kInvalidArgument);
  // bt601_video only for nv12 → rgb / bgr.
  EXPECT_EQ(code_of({1, 3, 4, 4}, {"x", P::kYuv444, P::kRgb, kNCHW, YuvRange::kBt601Video}),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of({1, 3, 4, 4}, {"x", P::kNv12, P::kYuv444, kNCHW, YuvRange::kBt601Video}),
            ErrorCode::kInvalidArgument);
  // Unknown input.
  EXPECT_EQ(code_of({1, 3, 4, 4}, {"nope", P::kRgb, P::kRgb, kNCHW}), ErrorCode::kNotFound);
  // Sanity: the same shapes with a valid spec pass.
  EXPECT_EQ(code_of({1, 3, 4, 4}, {"x", P::kNv12, P::kRgb, kNCHW}), ErrorCode::kOk);
}

// ---- normalisation ----

TEST(InsertPreprocess, NormPerChannelAndSingleValue) {
  for (ImageLayout l : {ImageLayout::kNCHW, ImageLayout::kNHWC}) {
    const bool nchw = l == ImageLayout::kNCHW;
    ir::Model m = identity_model(nchw ? Shape{1, 3, 2, 2} : Shape{1, 2, 2, 3});
    ASSERT_TRUE(interp::resolve(m).ok());
    bool changed = false;
    ASSERT_TRUE(passes::insert_input_norm(m.graph, "x", {10, 20, 30}, {0.5}, l, changed).ok());
    EXPECT_TRUE(changed);
    // The input keeps name, dtype and shape.
    ASSERT_EQ(m.graph.inputs().size(), 1u);
    EXPECT_EQ(m.graph.inputs()[0]->name(), "x");
    Tensor x(DType::kF32, m.graph.inputs()[0]->shape());
    for (int64_t i = 0; i < 12; ++i) x.data<float>()[i] = static_cast<float>(i * 7);
    auto out = run(m, {x});
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    for (int64_t i = 0; i < 12; ++i) {
      const int64_t c = nchw ? i / 4 : i % 3;
      EXPECT_EQ((*out)[0].data<float>()[i], (i * 7 - 10.f * (c + 1)) * 0.5f) << i;  // exact in f32
    }
  }
  // One mean, three scales; a featuremap of rank 2 with single values.
  ir::Model m = identity_model({1, 3, 1, 2});
  ASSERT_TRUE(interp::resolve(m).ok());
  bool changed = false;
  ASSERT_TRUE(passes::insert_input_norm(m.graph, "x", {1}, {1, 2, 4}, ImageLayout::kNCHW, changed).ok());
  auto out = run(m, {Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {1, 3, 1, 2})});
  ASSERT_TRUE(out.ok());
  const std::vector<float> want = {0, 1, 4, 6, 16, 20};
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*out)[0].data<float>()[i], want[i]);

  ir::Model f = identity_model({2, 5});
  ASSERT_TRUE(interp::resolve(f).ok());
  ASSERT_TRUE(passes::insert_input_norm(f.graph, "x", {2}, {}, std::nullopt, changed).ok());
  out = run(f, {Tensor::from_vector<float>({2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 5})});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].data<float>()[9], 9.f);
}

TEST(InsertPreprocess, NormErrorsAndNoOp) {
  ir::Model m = identity_model({1, 3, 2, 2});
  ASSERT_TRUE(interp::resolve(m).ok());
  bool changed = true;
  ASSERT_TRUE(passes::insert_input_norm(m.graph, "x", {}, {}, ImageLayout::kNCHW, changed).ok());
  EXPECT_FALSE(changed);
  Status st = passes::insert_input_norm(m.graph, "x", {1, 2}, {}, ImageLayout::kNCHW, changed);
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(st.message().find("mean_value has 2 values, expected 1 or 3"), std::string::npos) << st.message();
  st = passes::insert_input_norm(m.graph, "x", {1}, {1, 2, 3}, std::nullopt, changed);
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  st = passes::insert_input_norm(m.graph, "y", {1}, {}, ImageLayout::kNCHW, changed);
  EXPECT_EQ(st.code(), ErrorCode::kNotFound);
  EXPECT_EQ(m.graph.num_nodes(), 1u);
}

TEST(InsertPreprocess, KeepsInputOrderAndRejectsRepeats) {
  // Inputs a, x, b: x becomes x_y, x_uv at its position.
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* a = b.input("a", DType::kF32, {1, 2});
  ir::Value* x = b.input("x", DType::kF32, {1, 2, 2, 3});
  ir::Value* c = b.input("c", DType::kF32, {1, 2});
  b.output(b.op(ir::OpKind::kIdentity, "ida", {a}));
  b.output(b.op(ir::OpKind::kIdentity, "idx", {x}));
  b.output(b.op(ir::OpKind::kIdentity, "idc", {c}));
  ASSERT_TRUE(interp::resolve(m).ok());
  bool changed = false;
  ASSERT_TRUE(passes::insert_input_norm(m.graph, "x", {1}, {2}, ImageLayout::kNHWC, changed).ok());
  Status again = passes::insert_input_norm(m.graph, "x", {1}, {2}, ImageLayout::kNHWC, changed);
  EXPECT_EQ(again.code(), ErrorCode::kInvalidArgument);
  auto names = passes::insert_input_conversion(m.graph, {"x", PixelFormat::kNv12, PixelFormat::kRgb, ImageLayout::kNHWC,
                                                         YuvRange::kRegular, Nv12Form::kSplitYUV});
  ASSERT_TRUE(names.ok()) << names.status().to_string();
  std::vector<std::string> in_names;
  for (const ir::Value* v : m.graph.inputs()) in_names.push_back(v->name());
  EXPECT_EQ(in_names, (std::vector<std::string>{"a", "x_y", "x_uv", "c"}));
  // Converting the (now uint8) input again is rejected: the train input is gone.
  auto twice =
      passes::insert_input_conversion(m.graph, {"x_y", PixelFormat::kRgb, PixelFormat::kRgb, ImageLayout::kNHWC});
  EXPECT_EQ(twice.status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(interp::resolve(m).ok());
  auto out = interp::Interpreter(m.graph).run(
      {Tensor::from_vector<float>({5, 6}, {1, 2}), Tensor::from_vector<uint8_t>({10, 20, 30, 40}, {1, 2, 2, 1}),
       Tensor::from_vector<uint8_t>({128, 128}, {1, 1, 1, 2}), Tensor::from_vector<float>({7, 8}, {1, 2})});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].data<float>()[1], 6.f);
  EXPECT_EQ((*out)[2].data<float>()[0], 7.f);
  // Neutral chroma: R = G = B = Y, then (Y - 1) * 2; tolerance for the f32 colour matrix.
  for (int p = 0; p < 4; ++p)
    for (int k = 0; k < 3; ++k) EXPECT_NEAR((*out)[1].data<float>()[p * 3 + k], (10.f * (p + 1) - 1) * 2, 1e-3);
}

// The pipeline order: norm first (calibration sees raw train data), then the conversion in front of it.
TEST(InsertPreprocess, Nv12ToRgbWithNormThroughAConv) {
  // x [1,3,2,4] NCHW rgb → 1x1 Conv summing R + 2G + 3B → y [1,1,2,4].
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 3, 2, 4});
  ir::Value* wv = b.constant("w", testing::f32({1, 2, 3}, {1, 3, 1, 1}));
  b.output(b.op(ir::OpKind::kConv, "conv", {x, wv}));
  ASSERT_TRUE(interp::resolve(m).ok());
  bool changed = false;
  std::vector<ir::Node*> norm_nodes;
  ASSERT_TRUE(passes::insert_input_norm(m.graph, "x", {123.68, 116.78, 103.94}, {0.017}, ImageLayout::kNCHW, changed,
                                        &norm_nodes)
                  .ok());
  ASSERT_EQ(norm_nodes.size(), 2u);
  EXPECT_EQ(norm_nodes[0]->name(), "preprocess/x/mean");
  EXPECT_EQ(norm_nodes[1]->name(), "preprocess/x/scale");
  ASSERT_TRUE(
      passes::insert_input_conversion(m.graph, {"x", PixelFormat::kNv12, PixelFormat::kRgb, ImageLayout::kNCHW}).ok());
  ASSERT_EQ(m.graph.inputs()[0]->name(), "x");
  Tensor f(DType::kU8, {1, 3, 4, 1});
  for (int64_t i = 0; i < 12; ++i) f.data<uint8_t>()[i] = pattern(i, 5);
  auto out = run(m, {f});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 4; ++c) {
      const double yv = f.data<uint8_t>()[r * 4 + c], u = f.data<uint8_t>()[8 + (c / 2) * 2],
                   v = f.data<uint8_t>()[8 + (c / 2) * 2 + 1];
      auto rgb = yuv_to_rgb_full(yv, u, v);
      const double mean[3] = {123.68, 116.78, 103.94};
      double want = 0;
      for (int k = 0; k < 3; ++k) want += (k + 1) * (std::clamp(rgb[k], 0.0, 255.0) - mean[k]) * 0.017;
      // Coefficient difference (< 4e-4 per channel) times 0.017 * (1+2+3), plus f32 rounding.
      EXPECT_NEAR((*out)[0].data<float>()[r * 4 + c], want, 1e-3) << r << " " << c;
    }
  // Names and provenance of the inserted nodes.
  int pre = 0;
  for (const ir::Node* n : m.graph.nodes())
    if (n->name().rfind("preprocess/x/", 0) == 0) {
      ++pre;
      EXPECT_EQ(n->origin(), std::vector<std::string>{"preprocess/x"}) << n->name();
    }
  EXPECT_GE(pre, 8);
}

// ---- input_batch / separate_batch ----

ir::Model conv_model(Shape shape) {
  ir::Model m;
  GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, shape);
  ir::Value* wv = b.constant("w", testing::f32({1, -1, 0.5f}, {1, 3, 1, 1}));
  b.output(b.op(ir::OpKind::kConv, "conv", {x, wv}));
  return m;
}

TEST(InsertPreprocess, InputBatch) {
  ir::Model m = conv_model({1, 3, 2, 2});
  ASSERT_TRUE(interp::resolve(m).ok());
  auto resolve = [](ir::Model& mm) { return interp::resolve(mm); };
  ASSERT_TRUE(passes::set_input_batch(m, "x", 3, resolve).ok());
  EXPECT_EQ(m.graph.inputs()[0]->shape(), (Shape{3, 3, 2, 2}));
  EXPECT_EQ(m.graph.outputs()[0]->shape(), (Shape{3, 1, 2, 2}));
  Tensor x(DType::kF32, {3, 3, 2, 2});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(i);
  auto out = interp::Interpreter(m.graph).run({x});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  for (int b = 0; b < 3; ++b)
    for (int p = 0; p < 4; ++p) {
      const float* xb = x.data<float>() + b * 12;
      EXPECT_EQ((*out)[0].data<float>()[b * 4 + p], xb[p] - xb[4 + p] + 0.5f * xb[8 + p]);
    }
  // Errors: first dim not 1 (now 3), batch out of range.
  EXPECT_EQ(passes::set_input_batch(m, "x", 2, resolve).code(), ErrorCode::kInvalidArgument);
  ir::Model m2 = conv_model({1, 3, 2, 2});
  ASSERT_TRUE(interp::resolve(m2).ok());
  EXPECT_EQ(passes::set_input_batch(m2, "x", 0, resolve).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(passes::set_input_batch(m2, "x", 4097, resolve).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(passes::set_input_batch(m2, "x", 1, resolve).ok());
}

TEST(InsertPreprocess, InputBatchRejectsBatchDependentModels) {
  auto resolve = [](ir::Model& mm) { return interp::resolve(mm); };
  // Reshape to a constant [1, 12]: resolve fails with batch 2.
  {
    ir::Model m;
    GraphBuilder b(m.graph);
    ir::Value* x = b.input("x", DType::kF32, {1, 3, 2, 2});
    b.output(b.op(ir::OpKind::kReshape, "flat", {x, b.constant("s", testing::i64({1, 12}))}));
    ASSERT_TRUE(interp::resolve(m).ok());
    Status st = passes::set_input_batch(m, "x", 2, resolve);
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(st.message().find("not batch-agnostic"), std::string::npos) << st.message();
  }
  // Reshape to [1, -1]: resolves but the batch disappears from the output.
  {
    ir::Model m;
    GraphBuilder b(m.graph);
    ir::Value* x = b.input("x", DType::kF32, {1, 3, 2, 2});
    b.output(b.op(ir::OpKind::kReshape, "flat", {x, b.constant("s", testing::i64({1, -1}))}));
    ASSERT_TRUE(interp::resolve(m).ok());
    Status st = passes::set_input_batch(m, "x", 2, resolve);
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(st.message().find("output '"), std::string::npos) << st.message();
    // The batch-1 model is put back.
    EXPECT_EQ(m.graph.inputs()[0]->shape(), (Shape{1, 3, 2, 2}));
    EXPECT_EQ(m.graph.outputs()[0]->shape(), (Shape{1, 12}));
  }
}

TEST(InsertPreprocess, SeparateBatchAfterConversion) {
  // input_batch 2 + separate_batch on an rgb (rt) → bgr NCHW model: two [1, H, W, 3] uint8 inputs.
  ir::Model m = conv_model({1, 3, 2, 4});
  ASSERT_TRUE(interp::resolve(m).ok());
  ASSERT_TRUE(passes::set_input_batch(m, "x", 2, [](ir::Model& mm) { return interp::resolve(mm); }).ok());
  ASSERT_TRUE(
      passes::insert_input_conversion(m.graph, {"x", PixelFormat::kRgb, PixelFormat::kBgr, ImageLayout::kNCHW}).ok());
  auto names = passes::insert_separate_batch(m.graph, "x");
  ASSERT_TRUE(names.ok()) << names.status().to_string();
  EXPECT_EQ(*names, (std::vector<std::string>{"x_0", "x_1"}));
  ASSERT_EQ(m.graph.inputs().size(), 2u);
  for (const ir::Value* in : m.graph.inputs()) {
    EXPECT_EQ(in->dtype(), DType::kU8);
    EXPECT_EQ(in->shape(), (Shape{1, 2, 4, 3}));
  }
  Tensor a(DType::kU8, {1, 2, 4, 3}), b(DType::kU8, {1, 2, 4, 3});
  for (int64_t i = 0; i < 24; ++i) {
    a.data<uint8_t>()[i] = pattern(i, 7);
    b.data<uint8_t>()[i] = pattern(i, 8);
  }
  auto out = run(m, {a, b});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), (Shape{2, 1, 2, 4}));
  // Train bgr: channel 0 = B = rt[2], 1 = G, 2 = R; y = B - G + 0.5 R.
  for (int n = 0; n < 2; ++n) {
    const uint8_t* d = (n ? b : a).data<uint8_t>();
    for (int p = 0; p < 8; ++p)
      EXPECT_EQ((*out)[0].data<float>()[n * 8 + p], d[p * 3 + 2] - d[p * 3 + 1] + 0.5f * d[p * 3]) << n << " " << p;
  }
}

TEST(InsertPreprocess, SeparateBatchSplitNv12) {
  // separate_batch applies to each runtime input: x_y and x_uv of a batch-2 model become 4 inputs.
  ir::Model m = identity_model({2, 3, 2, 2});
  ASSERT_TRUE(interp::resolve(m).ok());
  auto names = passes::insert_input_conversion(m.graph, {"x", PixelFormat::kNv12, PixelFormat::kYuv444,
                                                         ImageLayout::kNCHW, YuvRange::kRegular, Nv12Form::kSplitYUV});
  ASSERT_TRUE(names.ok());
  for (const std::string& n : *names) ASSERT_TRUE(passes::insert_separate_batch(m.graph, n).ok());
  std::vector<std::string> in_names;
  for (const ir::Value* v : m.graph.inputs()) in_names.push_back(v->name());
  EXPECT_EQ(in_names, (std::vector<std::string>{"x_y_0", "x_y_1", "x_uv_0", "x_uv_1"}));
  auto out = run(
      m, {Tensor::from_vector<uint8_t>({1, 2, 3, 4}, {1, 2, 2, 1}),
          Tensor::from_vector<uint8_t>({5, 6, 7, 8}, {1, 2, 2, 1}), Tensor::from_vector<uint8_t>({9, 10}, {1, 1, 1, 2}),
          Tensor::from_vector<uint8_t>({11, 12}, {1, 1, 1, 2})});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const std::vector<float> want = {1, 2, 3, 4, 9, 9, 9, 9, 10, 10, 10, 10, 5, 6, 7, 8, 11, 11, 11, 11, 12, 12, 12, 12};
  for (int i = 0; i < 24; ++i) EXPECT_EQ((*out)[0].data<float>()[i], want[i]) << i;
}

// ---- ONNX export / re-import of a converted model ----

TEST(InsertPreprocess, ExportsAndReimports) {
  for (ImageLayout l : {ImageLayout::kNCHW, ImageLayout::kNHWC}) {
    const bool nchw = l == ImageLayout::kNCHW;
    ir::Model m = identity_model(nchw ? Shape{1, 3, 4, 6} : Shape{1, 4, 6, 3});
    ASSERT_TRUE(interp::resolve(m).ok());
    bool changed = false;
    ASSERT_TRUE(passes::insert_input_norm(m.graph, "x", {128}, {1 / 128.0, 1 / 64.0, 1 / 32.0}, l, changed).ok());
    ASSERT_TRUE(
        passes::insert_input_conversion(m.graph, {"x", PixelFormat::kNv12, PixelFormat::kBgr, l, YuvRange::kBt601Video})
            .ok());
    Tensor f(DType::kU8, {1, 6, 6, 1});
    for (int64_t i = 0; i < f.numel(); ++i) f.data<uint8_t>()[i] = pattern(i, 9);
    auto direct = run(m, {f});
    ASSERT_TRUE(direct.ok()) << direct.status().to_string();

    auto bytes = frontend::serialize_onnx(m);
    ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
    auto back = frontend::parse_onnx(*bytes, "preprocess.onnx", "");
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    ASSERT_EQ(back->graph.inputs().size(), 1u);
    EXPECT_EQ(back->graph.inputs()[0]->name(), "x");
    EXPECT_EQ(back->graph.inputs()[0]->dtype(), DType::kU8);
    EXPECT_EQ(back->graph.inputs()[0]->shape(), (Shape{1, 6, 6, 1}));
    bool has_origin = false;
    for (const ir::Node* n : back->graph.nodes())
      if (n->name().rfind("preprocess/x/", 0) == 0 && n->origin() == std::vector<std::string>{"preprocess/x"})
        has_origin = true;
    EXPECT_TRUE(has_origin);
    auto again = run(*back, {f});
    ASSERT_TRUE(again.ok()) << again.status().to_string();
    EXPECT_TRUE((*again)[0].bit_equal((*direct)[0]));
  }
}

}  // namespace
}  // namespace npukit
