// SPDX-License-Identifier: Apache-2.0
// Unit tests for Resize (nearest modes, linear, cubic, coordinate transformations, tf_crop_and_resize,
// output-size rounding, absent/empty optional inputs), DepthToSpace (DCR/CRD) and SpaceToDepth.
// Expected values are hand-derived from the ONNX formulas (derivations next to each case).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/tensor.h"
#include "ir/op_table.h"
#include "kernels/ref/ref_kernels.h"
#include "util/op_test_util.h"

namespace npukit {
namespace {

using ir::OpKind;

using namespace npukit::optest;  // NOLINT: test helpers

}  // namespace

// Interpolation weights here are dyadic (0.25, 0.5, ...) or exactly representable: results are exact up to
// one f32 rounding of the double accumulation.
constexpr float kTol = 1e-6f;

Tensor scales(std::vector<float> v) {
  return Tensor::from_vector<float>(v, {static_cast<int64_t>(v.size())});
}
Tensor sizes(std::vector<int64_t> v) {
  return Tensor::from_vector<int64_t>(v, {static_cast<int64_t>(v.size())});
}

Attrs resize_attrs(const std::string& mode, const std::string& ctm, const std::string& nearest = "") {
  Attrs a;
  a.set("mode", mode);
  a.set("coordinate_transformation_mode", ctm);
  if (!nearest.empty()) a.set("nearest_mode", nearest);
  return a;
}

TEST(ResizeTest, NearestUpsampleDefaults) {
  // half_pixel + round_prefer_floor: x_orig = x/2 - 0.25 → source [0,0,1,1] on both axes.
  Tensor x = f32({1, 2, 3, 4}, {1, 1, 2, 2}), s = scales({1, 1, 2, 2});
  auto out = run(OpKind::kResize, ref::ref_Resize, Attrs{}, {&x, nullptr, &s});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, kTol);
}

TEST(ResizeTest, NearestModesWithAsymmetric) {
  // asymmetric, scale 2: x_orig = x/2 = 0, .5, 1, 1.5, 2, 2.5, 3, 3.5 (ties at .5; 4 clamps to 3).
  Tensor x = f32({1, 2, 3, 4}, {4}), s = scales({2});
  struct Case {
    const char* mode;
    std::vector<float> want;
  } cases[] = {
      {"round_prefer_floor", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"round_prefer_ceil", {1, 2, 2, 3, 3, 4, 4, 4}},
      {"floor", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"ceil", {1, 2, 2, 3, 3, 4, 4, 4}},
  };
  for (const Case& c : cases) {
    auto out = run(OpKind::kResize, ref::ref_Resize, resize_attrs("nearest", "asymmetric", c.mode), {&x, nullptr, &s});
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    SCOPED_TRACE(c.mode);
    expect_f32((*out)[0], {8}, c.want, kTol);
  }
}

TEST(ResizeTest, DownsampleOutputSizeIsFloored) {
  // floor(5 * 0.6f) = 3. half_pixel nearest: x_orig = (x+0.5)/0.6 - 0.5 = 0.33, 2.0, 3.67 → [0, 2, 4].
  Tensor x = f32({1, 2, 3, 4, 5}, {5}), s = scales({0.6f});
  auto out = run(OpKind::kResize, ref::ref_Resize, Attrs{}, {&x, nullptr, &s});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {3}, {1, 3, 5}, kTol);
  Tensor x4(DType::kF32, {1, 1, 2, 4}), s4 = scales({1, 1, 0.6f, 0.6f});
  auto t = infer(OpKind::kResize, Attrs{}, {&x4, nullptr, &s4});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0].shape, (Shape{1, 1, 1, 2}));
}

TEST(ResizeTest, LinearTransforms) {
  Tensor x = f32({1, 2}, {2}), s = scales({2});
  // half_pixel: x_orig = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1) → [1, 1.25, 1.75, 2].
  auto out = run(OpKind::kResize, ref::ref_Resize, resize_attrs("linear", "half_pixel"), {&x, nullptr, &s});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {4}, {1, 1.25f, 1.75f, 2}, kTol);
  // asymmetric: x_orig = 0, .5, 1, 1.5 → [1, 1.5, 2, 2].
  out = run(OpKind::kResize, ref::ref_Resize, resize_attrs("linear", "asymmetric"), {&x, nullptr, &s});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {4}, {1, 1.5f, 2, 2}, kTol);
  // align_corners with sizes [3]: x_orig = x * (2-1)/(3-1) → [1, 1.5, 2].
  Tensor z = sizes({3});
  out = run(OpKind::kResize, ref::ref_Resize, resize_attrs("linear", "align_corners"), {&x, nullptr, nullptr, &z});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {3}, {1, 1.5f, 2}, kTol);
}

TEST(ResizeTest, PytorchHalfPixelSingleOutput) {
  // Output length 1: pytorch_half_pixel maps to x_orig = -0.5 → element 0; half_pixel gives
  // (0.5)/0.25 - 0.5 = 1.5 → midway between 2 and 3.
  Tensor x = f32({1, 2, 3, 4}, {4}), z = sizes({1});
  auto out =
      run(OpKind::kResize, ref::ref_Resize, resize_attrs("linear", "pytorch_half_pixel"), {&x, nullptr, nullptr, &z});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1}, {1}, kTol);
  out = run(OpKind::kResize, ref::ref_Resize, resize_attrs("linear", "half_pixel"), {&x, nullptr, nullptr, &z});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1}, {2.5f}, kTol);
}

TEST(ResizeTest, CubicHalfPixel) {
  // Output 0 of [1,2,3,4] x2: x_orig = -0.25, r = 0.75, taps at -2..1 (edge-clamped to [1,1,1,2]) with Keys
  // weights (A=-0.75) w(1.75)=-0.03515625, w(0.75)=0.26171875, w(0.25)=0.87890625, w(1.25)=-0.10546875
  // → 1.10546875 - 0.2109375 = 0.89453125. By the symmetry of linear data, output 7 is 5 - 0.89453125.
  Tensor x = f32({1, 2, 3, 4}, {4}), s = scales({2});
  auto out = run(OpKind::kResize, ref::ref_Resize, resize_attrs("cubic", "half_pixel"), {&x, nullptr, &s});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), (Shape{8}));
  EXPECT_NEAR((*out)[0].data<float>()[0], 0.89453125f, kTol);
  EXPECT_NEAR((*out)[0].data<float>()[7], 4.10546875f, kTol);
  // Output 3: x_orig = 1.25, r = 0.25, interior taps [1,2,3,4] with weights w(1.25), w(0.25), w(0.75), w(1.75)
  // = -0.10546875, 0.87890625, 0.26171875, -0.03515625 → 2.296875 (A=-0.75 does not reproduce linear data).
  EXPECT_NEAR((*out)[0].data<float>()[3], 2.296875f, kTol);
  // With A=-0.5 the Keys kernel reproduces linear data exactly: 2.25.
  Attrs a = resize_attrs("cubic", "half_pixel");
  a.set("cubic_coeff_a", -0.5f);
  out = run(OpKind::kResize, ref::ref_Resize, a, {&x, nullptr, &s});
  ASSERT_TRUE(out.ok());
  EXPECT_NEAR((*out)[0].data<float>()[3], 2.25f, kTol);
}

TEST(ResizeTest, TfCropAndResizeExtrapolates) {
  // roi [0.5, 1.5], sizes [3]: x_orig = 0.5*3 + x * 1.0 * 3 / 2 = 1.5, 3, 4.5 (> 3 → extrapolation_value).
  Tensor x = f32({1, 2, 3, 4}, {4}), roi = f32({0.5f, 1.5f}, {2}), z = sizes({3});
  Attrs a = resize_attrs("linear", "tf_crop_and_resize");
  a.set("extrapolation_value", 10.f);
  auto out = run(OpKind::kResize, ref::ref_Resize, a, {&x, &roi, nullptr, &z});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {3}, {2.5f, 4, 10}, kTol);
}

TEST(ResizeTest, EmptyTensorsStandForAbsentInputs) {
  // Opset-11 style: roi and scales given as empty tensors, sizes set.
  Tensor x = f32({1, 2, 3, 4}, {1, 1, 2, 2}), empty(DType::kF32, {0}), z = sizes({1, 1, 1, 1});
  auto out = run(OpKind::kResize, ref::ref_Resize, Attrs{}, {&x, &empty, &empty, &z});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  // half_pixel, scale 0.5: x_orig = 0.5 → round_prefer_floor → 0.
  expect_f32((*out)[0], {1, 1, 1, 1}, {1}, kTol);
}

TEST(ResizeTest, Errors) {
  Tensor x(DType::kF32, {1, 1, 2, 2}), s = scales({1, 1, 2, 2}), z = sizes({1, 1, 4, 4});
  EXPECT_EQ(code_of(infer(OpKind::kResize, Attrs{}, {&x, nullptr, &s, &z})), ErrorCode::kInvalidModel);
  EXPECT_EQ(code_of(infer(OpKind::kResize, Attrs{}, {&x})), ErrorCode::kInvalidModel);
  Tensor s3 = scales({1, 2, 2});
  EXPECT_EQ(code_of(infer(OpKind::kResize, Attrs{}, {&x, nullptr, &s3})), ErrorCode::kShapeMismatch);
  Tensor s_neg = scales({1, 1, -2, 2});
  EXPECT_EQ(code_of(infer(OpKind::kResize, Attrs{}, {&x, nullptr, &s_neg})), ErrorCode::kShapeMismatch);
  // Scales not constant: the output shape cannot be inferred.
  Attrs none;
  std::vector<ir::TensorInfo> infos = {info_of(&x), info_of(nullptr), info_of(&s, false)};
  EXPECT_EQ(code_of(infer_infos(OpKind::kResize, none, infos)), ErrorCode::kShapeMismatch);
  EXPECT_EQ(code_of(infer(OpKind::kResize, resize_attrs("area", "half_pixel"), {&x, nullptr, &s})),
            ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(code_of(infer(OpKind::kResize, resize_attrs("linear", "center"), {&x, nullptr, &s})),
            ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(code_of(infer(OpKind::kResize, resize_attrs("nearest", "half_pixel", "round"), {&x, nullptr, &s})),
            ErrorCode::kUnsupportedAttr);
  // tf_crop_and_resize without roi.
  EXPECT_EQ(code_of(infer(OpKind::kResize, resize_attrs("linear", "tf_crop_and_resize"), {&x, nullptr, &s})),
            ErrorCode::kInvalidModel);
  Tensor xh(DType::kF16, {1, 1, 2, 2});
  EXPECT_EQ(code_of(infer(OpKind::kResize, Attrs{}, {&xh, nullptr, &s})), ErrorCode::kUnsupportedAttr);
}

TEST(DepthToSpaceTest, DcrAndCrd) {
  // 8 channels of 1x1 holding 0..7, blocksize 2 → 2 channels of 2x2.
  std::vector<float> v = {0, 1, 2, 3, 4, 5, 6, 7};
  Tensor x = f32(v, {1, 8, 1, 1});
  Attrs dcr;
  dcr.set("blocksize", int64_t{2});
  // DCR: out[c, i, j] = x[(i*2 + j)*2 + c].
  auto out = run(OpKind::kDepthToSpace, ref::ref_DepthToSpace, dcr, {&x});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_f32((*out)[0], {1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7}, 0.f);
  // CRD: out[c, i, j] = x[c*4 + i*2 + j].
  Attrs crd = dcr;
  crd.set("mode", std::string("CRD"));
  out = run(OpKind::kDepthToSpace, ref::ref_DepthToSpace, crd, {&x});
  ASSERT_TRUE(out.ok());
  expect_f32((*out)[0], {1, 2, 2, 2}, v, 0.f);
}

TEST(SpaceToDepthTest, InverseOfDcrAndAnyDtype) {
  Tensor y = Tensor::from_vector<int64_t>({0, 2, 4, 6, 1, 3, 5, 7}, {1, 2, 2, 2});
  Attrs a;
  a.set("blocksize", int64_t{2});
  auto out = run(OpKind::kSpaceToDepth, ref::ref_SpaceToDepth, a, {&y});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_EQ((*out)[0].shape(), (Shape{1, 8, 1, 1}));
  EXPECT_EQ((*out)[0].to_int64_vector(), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(DepthSpaceTest, Errors) {
  Attrs a;
  a.set("blocksize", int64_t{2});
  Tensor x3(DType::kF32, {8, 2, 2});
  EXPECT_EQ(code_of(infer(OpKind::kDepthToSpace, a, {&x3})), ErrorCode::kShapeMismatch);
  Tensor x6(DType::kF32, {1, 6, 2, 2});
  EXPECT_EQ(code_of(infer(OpKind::kDepthToSpace, a, {&x6})), ErrorCode::kShapeMismatch);
  Attrs bad = a;
  bad.set("mode", std::string("RDC"));
  Tensor x8(DType::kF32, {1, 8, 2, 2});
  EXPECT_EQ(code_of(infer(OpKind::kDepthToSpace, bad, {&x8})), ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(code_of(infer(OpKind::kDepthToSpace, Attrs{}, {&x8})), ErrorCode::kInvalidModel);  // no blocksize
  Tensor odd(DType::kF32, {1, 1, 3, 4});
  EXPECT_EQ(code_of(infer(OpKind::kSpaceToDepth, a, {&odd})), ErrorCode::kShapeMismatch);
}

}  // namespace npukit
