// SPDX-License-Identifier: Apache-2.0
// kernels/fast ConvTranspose against the reference ConvTranspose on awkward shapes: channel counts 1, 3 and
// 13, odd spatial sizes, strides 2 and 3, asymmetric pads, output_padding, dilation 2, groups 2, depthwise
// (with and without a channel multiplier), auto_pad / output_shape, 1-D, and the 2x2 stride-2 upsampling
// of PP-OCR's detector head.
//
// Tolerance: fasttest::expect_within_bound (tests/kernels/fast_test_util.h). The reference accumulates every
// output in double and rounds once; the fast kernel sums the C/group input channels of one tap in f32 inside
// the GEMM, then adds the taps landing on an output in f32 (col2im). That is an f32 sum of at most
// C/group * kh * kw products (plus the bias), so the bound for `terms` = C/group * kh * kw applies: it is a
// worst-case rounding bound, not a statistical guess, and cannot flake.
#include <gtest/gtest.h>

#include "ir/op_table.h"
#include "kernels/fast/fast_kernels.h"
#include "kernels/fast_test_util.h"
#include "util/op_test_util.h"

namespace npukit {
namespace {

using fasttest::abs_of;
using fasttest::seeded;
using optest::attrs_of;
using optest::OpFns;

const OpFns kRef{ir::OpKind::kConvTranspose, &ir::infer_ConvTranspose, &ref::ref_ConvTranspose};
const OpFns kFast{ir::OpKind::kConvTranspose, &ir::infer_ConvTranspose, &fast::fast_ConvTranspose};

using Ints = std::vector<int64_t>;

// Runs both kernels on seeded X [xshape], W [wshape] = [C, M/group, k...] (and a bias when `bias`), checks the
// bound with terms = C/group * taps.
void check(const Shape& xshape, const Shape& wshape, bool bias, int64_t group, Attrs attrs, const std::string& what) {
  if (group != 1) attrs.set("group", group);
  const int64_t m = wshape[1] * group;
  const Tensor x = seeded(xshape, 11), w = seeded(wshape, 12), b = seeded({m}, 13);
  const std::optional<Tensor> bb = bias ? std::optional<Tensor>(b) : std::nullopt;
  auto want = optest::run(kRef, attrs, {x, w, bb});
  ASSERT_TRUE(want.ok()) << what << ": " << want.status().to_string();
  auto got = optest::run(kFast, attrs, {x, w, bb});
  ASSERT_TRUE(got.ok()) << what << ": " << got.status().to_string();
  const std::optional<Tensor> babs = bias ? std::optional<Tensor>(abs_of(b)) : std::nullopt;
  auto mag = optest::run(kRef, attrs, {abs_of(x), abs_of(w), babs});
  ASSERT_TRUE(mag.ok());
  int64_t terms = xshape[1] / group;
  for (size_t i = 2; i < wshape.size(); ++i) terms *= wshape[i];
  fasttest::expect_within_bound((*got)[0], (*want)[0], (*mag)[0], terms, what);
}

TEST(FastConvTranspose, PpOcrUpsampling2x2Stride2) {
  check({1, 24, 20, 20}, {24, 24, 2, 2}, true, 1, attrs_of({{"strides", Ints{2, 2}}}), "24->24 2x2 s2");
}

TEST(FastConvTranspose, OddChannelsAndSizes) {
  check({1, 1, 5, 7}, {1, 3, 3, 3}, true, 1, attrs_of({{"strides", Ints{2, 2}}}), "1->3 3x3 s2");
  check({2, 3, 7, 5}, {3, 13, 3, 2}, false, 1, attrs_of({{"strides", Ints{2, 1}}}), "3->13 3x2 s2x1, batch 2");
  check({1, 13, 9, 11}, {13, 1, 4, 4}, true, 1, attrs_of({{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}),
        "13->1 4x4 s2 p1");
}

TEST(FastConvTranspose, Stride3PadsAndOutputPadding) {
  check({1, 5, 6, 7}, {5, 4, 3, 3}, true, 1,
        attrs_of({{"strides", Ints{3, 3}}, {"pads", Ints{1, 0, 2, 1}}, {"output_padding", Ints{2, 1}}}),
        "s3, asymmetric pads, output_padding 2x1");
  check({1, 3, 5, 5}, {3, 2, 2, 2}, false, 1, attrs_of({{"strides", Ints{3, 2}}, {"output_padding", Ints{1, 1}}}),
        "kernel smaller than stride (gaps), output_padding");
}

TEST(FastConvTranspose, Dilation) {
  check({1, 3, 8, 9}, {3, 5, 3, 3}, true, 1,
        attrs_of({{"dilations", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"pads", Ints{2, 1, 1, 2}}}),
        "dilation 2, stride 2, pads");
  check({1, 4, 7, 6}, {4, 3, 3, 2}, false, 1, attrs_of({{"dilations", Ints{2, 3}}}), "dilation 2x3, stride 1");
}

TEST(FastConvTranspose, Groups) {
  check({1, 6, 7, 9}, {6, 5, 3, 3}, true, 2, attrs_of({{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}),
        "group 2, 6->10");
  check({2, 4, 5, 5}, {4, 3, 2, 3}, false, 2, attrs_of({{"strides", Ints{3, 2}}, {"output_padding", Ints{1, 0}}}),
        "group 2, s3x2, output_padding");
}

TEST(FastConvTranspose, Depthwise) {
  check({1, 24, 10, 10}, {24, 1, 2, 2}, true, 24, attrs_of({{"strides", Ints{2, 2}}}), "depthwise 2x2 s2");
  check({1, 13, 7, 9}, {13, 1, 3, 3}, false, 13, attrs_of({{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}),
        "depthwise 3x3 s2 p1");
  check({1, 5, 6, 5}, {5, 2, 3, 3}, true, 5, attrs_of({{"dilations", Ints{2, 2}}, {"strides", Ints{3, 3}}}),
        "depthwise multiplier 2, dilated, s3");
}

TEST(FastConvTranspose, AutoPadAndOutputShape) {
  check({1, 3, 5, 6}, {3, 4, 3, 3}, true, 1,
        attrs_of({{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2, 2}}}), "SAME_UPPER s2");
  check({1, 3, 5, 6}, {3, 4, 4, 3}, false, 1,
        attrs_of({{"auto_pad", std::string("SAME_LOWER")}, {"strides", Ints{2, 2}}}), "SAME_LOWER s2, even kernel");
  check({1, 3, 5, 6}, {3, 2, 3, 3}, true, 1, attrs_of({{"output_shape", Ints{11, 14}}, {"strides", Ints{2, 2}}}),
        "output_shape 11x14 (extra end rows / columns)");
}

TEST(FastConvTranspose, LargerThanOneGemmBlock) {
  check({1, 70, 17, 15}, {70, 33, 3, 3}, true, 1, attrs_of({{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}),
        "70->33 channels, 3x3 s2");
}

TEST(FastConvTranspose, OneDimensional) {
  check({2, 5, 13}, {5, 3, 4}, true, 1, attrs_of({{"strides", Ints{3}}, {"pads", Ints{1, 2}}}), "1-D s3 pads");
  check({1, 4, 9}, {4, 3, 3}, false, 2,
        attrs_of({{"dilations", Ints{2}}, {"output_padding", Ints{1}}, {"strides", Ints{2}}}),
        "1-D grouped dilated output_padding");
}

TEST(FastConvTranspose, ThreeDimensionalDelegatesToReference) {
  const Tensor x = seeded({1, 2, 3, 4, 3}, 14), w = seeded({2, 3, 2, 2, 2}, 15);
  const Attrs attrs = attrs_of({{"strides", Ints{2, 2, 2}}});
  auto want = optest::run(kRef, attrs, {x, w});
  auto got = optest::run(kFast, attrs, {x, w});
  ASSERT_TRUE(want.ok() && got.ok());
  EXPECT_TRUE((*got)[0].bit_equal((*want)[0]));
}

TEST(FastConvTranspose, MalformedCallGivesTheReferenceError) {
  // Called directly with a bias of the wrong size: same error code as the reference (no out-of-bounds read).
  const Tensor x = seeded({1, 2, 4, 4}, 16), w = seeded({2, 3, 3, 3}, 17), b = seeded({2}, 18);
  Attrs attrs;
  ASSERT_TRUE(ir::normalize_attrs(ir::OpKind::kConvTranspose, "n", attrs).ok());
  std::vector<Tensor> outs{Tensor(DType::kF32, {1, 3, 6, 6})};
  std::vector<const Tensor*> ins{&x, &w, &b};
  ref::KernelArgs args{"ConvTranspose", "n", attrs, ins, outs};
  const Status s = fast::fast_ConvTranspose(args);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kShapeMismatch);
  EXPECT_EQ(s.to_string(), ref::ref_ConvTranspose(args).to_string());
}

}  // namespace
}  // namespace npukit
