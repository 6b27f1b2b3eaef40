// SPDX-License-Identifier: Apache-2.0
// kernels/fast Resize against the reference Resize: modes nearest (every nearest_mode) and linear with every
// coordinate_transformation_mode the fast kernel handles, scales and sizes inputs, upsampling and
// downsampling by integer and non-integer factors, channel counts 1, 3 and 13, odd sizes, resized batch /
// channel axes, int8 nearest, and the cases delegated to the reference (cubic, tf_crop_and_resize, rank 3).
//
// Tolerance: none. Unlike the GEMM-based fast kernels, fast_Resize computes the reference's per-axis taps
// with the same expressions and sums each output in double in the reference's tap order, so its result must
// be bit-identical (tests compare with Tensor::bit_equal).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ir/op_table.h"
#include "kernels/fast/fast_kernels.h"
#include "kernels/fast_test_util.h"
#include "util/op_test_util.h"

namespace npukit {
namespace {

using fasttest::seeded;
using optest::OpFns;

const OpFns kRef{ir::OpKind::kResize, &ir::infer_Resize, &ref::ref_Resize};
const OpFns kFast{ir::OpKind::kResize, &ir::infer_Resize, &fast::fast_Resize};

const char* const kTransforms[] = {"half_pixel",         "asymmetric",           "align_corners",
                                   "pytorch_half_pixel", "tf_half_pixel_for_nn", "half_pixel_symmetric"};
const char* const kNearestModes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};

Tensor scales_of(std::vector<float> v) {
  return Tensor::from_vector<float>(v, {static_cast<int64_t>(v.size())});
}
Tensor sizes_of(std::vector<int64_t> v) {
  return Tensor::from_vector<int64_t>(v, {static_cast<int64_t>(v.size())});
}

Attrs resize_attrs(const std::string& mode, const std::string& ctm, const std::string& nearest = "") {
  Attrs a;
  a.set("mode", mode);
  a.set("coordinate_transformation_mode", ctm);
  if (!nearest.empty()) a.set("nearest_mode", nearest);
  return a;
}

// A resize target: scales or sizes (the other absent).
struct Target {
  std::vector<float> scales;
  std::vector<int64_t> sizes;
};

std::vector<std::optional<Tensor>> inputs(const Tensor& x, const Target& t) {
  if (!t.scales.empty()) return {x, std::nullopt, scales_of(t.scales)};
  return {x, std::nullopt, std::nullopt, sizes_of(t.sizes)};
}

void expect_same(const Tensor& x, const Target& t, const Attrs& attrs, const std::string& what) {
  auto want = optest::run(kRef, attrs, inputs(x, t));
  ASSERT_TRUE(want.ok()) << what << ": " << want.status().to_string();
  auto got = optest::run(kFast, attrs, inputs(x, t));
  ASSERT_TRUE(got.ok()) << what << ": " << got.status().to_string();
  ASSERT_EQ((*got)[0].shape(), (*want)[0].shape()) << what;
  EXPECT_TRUE((*got)[0].bit_equal((*want)[0])) << what;
}

struct Case {
  Shape x;
  Target target;
  const char* what;
};

const Case kCases[] = {
    {{1, 3, 7, 5}, {{1, 1, 2, 2}, {}}, "x2 up, scales"},
    {{2, 13, 9, 11}, {{1, 1, 0.5f, 0.6f}, {}}, "down 0.5 x 0.6, batch 2"},
    {{1, 1, 5, 6}, {{}, {1, 1, 13, 4}}, "sizes 13x4 (up in H, down in W)"},
    {{1, 3, 4, 4}, {{1, 1, 1.7f, 2.3f}, {}}, "non-integer up 1.7 x 2.3"},
    {{1, 1, 1, 7}, {{1, 1, 3, 1}, {}}, "height 1 (align_corners / pytorch length-1 cases)"},
    {{2, 3, 3, 5}, {{}, {3, 6, 4, 5}}, "batch and channel axes resized too"},
};

TEST(FastResize, NearestEveryTransformAndRounding) {
  for (const Case& c : kCases) {
    const Tensor x = seeded(c.x, 21);
    for (const char* ctm : kTransforms)
      for (const char* nm : kNearestModes)
        expect_same(x, c.target, resize_attrs("nearest", ctm, nm), std::string(c.what) + ", nearest " + ctm + " " + nm);
  }
}

TEST(FastResize, LinearEveryTransform) {
  for (const Case& c : kCases) {
    const Tensor x = seeded(c.x, 22);
    for (const char* ctm : kTransforms)
      expect_same(x, c.target, resize_attrs("linear", ctm), std::string(c.what) + ", linear " + ctm);
  }
}

TEST(FastResize, NearestNegativeZeroAndNonFinite) {
  // The reference sums 0.0 + 1 * x in double: -0.0 comes out as +0.0; infinities and NaN pass through.
  Tensor x = seeded({1, 1, 2, 3}, 23);
  x.data<float>()[0] = -0.f;
  x.data<float>()[1] = INFINITY;
  x.data<float>()[2] = -INFINITY;
  x.data<float>()[3] = NAN;
  expect_same(x, {{1, 1, 2, 2}, {}}, resize_attrs("nearest", "asymmetric", "floor"), "special values");
  auto got = optest::run(kFast, resize_attrs("nearest", "asymmetric", "floor"), inputs(x, {{1, 1, 1, 1}, {}}));
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(std::signbit((*got)[0].data<float>()[0]));
}

TEST(FastResize, Int8Nearest) {
  Tensor x(DType::kI8, {1, 3, 5, 7});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<int8_t>()[i] = static_cast<int8_t>((i * 37) % 256 - 128);
  for (const char* ctm : kTransforms)
    for (const char* nm : kNearestModes) {
      expect_same(x, {{1, 1, 2, 2}, {}}, resize_attrs("nearest", ctm, nm), std::string("int8 x2 ") + ctm + " " + nm);
      expect_same(x, {{}, {1, 3, 3, 11}}, resize_attrs("nearest", ctm, nm),
                  std::string("int8 sizes 3x11 ") + ctm + " " + nm);
    }
}

TEST(FastResize, DelegatedCasesMatchTheReference) {
  const Tensor x = seeded({1, 3, 5, 6}, 24);
  expect_same(x, {{1, 1, 1.5f, 2}, {}}, resize_attrs("cubic", "half_pixel"), "cubic");
  const Attrs crop = resize_attrs("linear", "tf_crop_and_resize");
  const Tensor roi = Tensor::from_vector<float>({0, 0, 0.1f, 0.2f, 1, 1, 0.9f, 1.2f}, {8});
  const std::vector<std::optional<Tensor>> ins{x, roi, scales_of({1, 1, 2, 2})};
  auto want = optest::run(kRef, crop, ins);
  auto got = optest::run(kFast, crop, ins);
  ASSERT_TRUE(want.ok() && got.ok());
  EXPECT_TRUE((*got)[0].bit_equal((*want)[0]));
  expect_same(seeded({2, 5, 7}, 25), {{1, 1, 2.5f}, {}}, resize_attrs("linear", "half_pixel"), "rank 3");
}

}  // namespace
}  // namespace npukit
