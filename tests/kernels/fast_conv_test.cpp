// SPDX-License-Identifier: Apache-2.0
// kernels/fast Conv against the reference Conv on awkward shapes: odd channel counts, stride 2, dilation,
// groups (including depthwise and channel multipliers), asymmetric and automatic padding, 1x1, 1-D, and
// kernels wider than the input. Tolerance: fasttest::expect_within_bound (see fast_test_util.h).
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

const OpFns kRefConv{ir::OpKind::kConv, &ir::infer_Conv, &ref::ref_Conv};
const OpFns kFastConv{ir::OpKind::kConv, &ir::infer_Conv, &fast::fast_Conv};

// Runs both kernels on seeded X [xshape], W [wshape] (and bias when `bias`), checks the bound.
void check_conv(const Shape& xshape, const Shape& wshape, bool bias, Attrs attrs, const std::string& what) {
  const Tensor x = seeded(xshape, 1), w = seeded(wshape, 2), b = seeded({wshape[0]}, 3);
  const std::optional<Tensor> bb = bias ? std::optional<Tensor>(b) : std::nullopt;
  auto want = optest::run(kRefConv, attrs, {x, w, bb});
  ASSERT_TRUE(want.ok()) << what << ": " << want.status().to_string();
  auto got = optest::run(kFastConv, attrs, {x, w, bb});
  ASSERT_TRUE(got.ok()) << what << ": " << got.status().to_string();
  const std::optional<Tensor> babs = bias ? std::optional<Tensor>(abs_of(b)) : std::nullopt;
  auto mag = optest::run(kRefConv, attrs, {abs_of(x), abs_of(w), babs});
  ASSERT_TRUE(mag.ok());
  int64_t terms = 1;  // products per output: C/group * kernel taps
  for (size_t i = 1; i < wshape.size(); ++i) terms *= wshape[i];
  fasttest::expect_within_bound((*got)[0], (*want)[0], (*mag)[0], terms, what);
}

TEST(FastConv, StridedPaddedOddChannelsWithBias) {
  check_conv({1, 5, 11, 9}, {7, 5, 3, 3}, true,
             attrs_of({{"strides", std::vector<int64_t>{2, 2}}, {"pads", std::vector<int64_t>{1, 0, 2, 1}}}),
             "3x3 s2 asymmetric pads");
}

TEST(FastConv, Dilation) {
  check_conv({2, 3, 12, 10}, {4, 3, 3, 3}, false,
             attrs_of({{"dilations", std::vector<int64_t>{2, 3}}, {"pads", std::vector<int64_t>{2, 1, 2, 1}}}),
             "dilation 2x3");
}

TEST(FastConv, GroupedRectangularKernel) {
  check_conv({1, 6, 9, 8}, {9, 2, 3, 2}, true,
             attrs_of({{"group", int64_t{3}}, {"strides", std::vector<int64_t>{1, 2}}}), "group 3, kernel 3x2");
}

TEST(FastConv, Depthwise) {
  check_conv(
      {1, 8, 15, 15}, {8, 1, 3, 3}, true,
      attrs_of(
          {{"group", int64_t{8}}, {"strides", std::vector<int64_t>{2, 2}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
      "depthwise 3x3 s2");
  check_conv({2, 5, 7, 9}, {10, 1, 5, 5}, false,
             attrs_of({{"group", int64_t{5}}, {"pads", std::vector<int64_t>{2, 2, 2, 2}}}),
             "depthwise multiplier 2, 5x5");
  check_conv(
      {1, 4, 10, 10}, {4, 1, 3, 3}, true,
      attrs_of(
          {{"group", int64_t{4}}, {"dilations", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{3, 1}}}),
      "depthwise dilated, stride 3x1");
}

TEST(FastConv, Pointwise) {
  check_conv({2, 13, 7, 5}, {11, 13, 1, 1}, true, {}, "1x1 stride 1 (no im2col)");
  check_conv({1, 13, 7, 5}, {11, 13, 1, 1}, true, attrs_of({{"strides", std::vector<int64_t>{2, 2}}}), "1x1 s2");
  check_conv({1, 3, 4, 4}, {2, 3, 1, 1}, false, attrs_of({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}), "1x1 padded");
}

TEST(FastConv, AutoPad) {
  check_conv({1, 3, 10, 9}, {5, 3, 4, 3}, true,
             attrs_of({{"auto_pad", std::string("SAME_UPPER")}, {"strides", std::vector<int64_t>{2, 2}}}),
             "SAME_UPPER s2, even kernel");
  check_conv({1, 3, 10, 9}, {5, 3, 4, 3}, true,
             attrs_of({{"auto_pad", std::string("SAME_LOWER")}, {"strides", std::vector<int64_t>{2, 2}}}),
             "SAME_LOWER s2, even kernel");
  check_conv({1, 3, 10, 9}, {5, 3, 3, 3}, false, attrs_of({{"auto_pad", std::string("VALID")}}), "VALID");
}

TEST(FastConv, KernelWiderThanInput) {
  check_conv({1, 2, 2, 3}, {3, 2, 5, 5}, true, attrs_of({{"pads", std::vector<int64_t>{2, 2, 2, 2}}}),
             "5x5 kernel on 2x3 input");
}

TEST(FastConv, OneDimensional) {
  check_conv({2, 4, 13}, {6, 4, 5}, true,
             attrs_of({{"dilations", std::vector<int64_t>{2}}, {"auto_pad", std::string("SAME_UPPER")}}),
             "1-D dilated SAME_UPPER");
  check_conv({1, 6, 17}, {6, 2, 3}, false, attrs_of({{"group", int64_t{3}}, {"strides", std::vector<int64_t>{2}}}),
             "1-D grouped s2");
}

TEST(FastConv, LargerThanOneGemmBlock) {
  // Exercises the GEMM's blocking in k (64 * 9 = 576) and n (28 * 28 = 784).
  check_conv({1, 64, 28, 28}, {33, 64, 3, 3}, true, attrs_of({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
             "64->33 channels, 3x3 on 28x28");
}

TEST(FastConv, ThreeDimensionalDelegatesToReference) {
  // 3-D is not handled by the fast path: it must give the reference's exact bits.
  const Tensor x = seeded({1, 2, 4, 5, 3}, 4), w = seeded({3, 2, 2, 3, 2}, 5);
  auto want = optest::run(kRefConv, {}, {x, w});
  auto got = optest::run(kFastConv, {}, {x, w});
  ASSERT_TRUE(want.ok() && got.ok());
  EXPECT_TRUE((*got)[0].bit_equal((*want)[0]));
}

TEST(FastConv, MalformedCallGivesTheReferenceError) {
  // Called directly with a bias of the wrong size: same error code as the reference (no UB).
  const Tensor x = seeded({1, 2, 4, 4}, 6), w = seeded({3, 2, 3, 3}, 7), b = seeded({2}, 8);
  Attrs attrs;
  ASSERT_TRUE(ir::normalize_attrs(ir::OpKind::kConv, "n", attrs).ok());
  std::vector<Tensor> outs{Tensor(DType::kF32, {1, 3, 2, 2})};
  std::vector<const Tensor*> ins{&x, &w, &b};
  ref::KernelArgs args{"Conv", "n", attrs, ins, outs};
  const Status s = fast::fast_Conv(args);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kShapeMismatch);
  EXPECT_EQ(s.to_string(), ref::ref_Conv(args).to_string());
}

}  // namespace
}  // namespace npukit
