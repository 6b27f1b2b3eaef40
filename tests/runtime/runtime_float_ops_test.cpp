// SPDX-License-Identifier: Apache-2.0
// runtime: float nodes the int8 runtime has no kernel of its own for (its "reference" steps) run on the
// kernels/fast f32 kernels (Conv, ConvTranspose, Resize, Relu, Add, ...): a float graph gives bit-for-bit what
// the interpreter gives with RunOptions::use_fast_kernels, and stays within the fast kernels' rounding bound of
// the reference interpreter (fasttest::expect_within_bound, tests/kernels/fast_test_util.h).
#include <gtest/gtest.h>

#include <cstring>

#include "interp/interpreter.h"
#include "kernels/fast_test_util.h"
#include "npk/npk_model.h"
#include "runtime/runtime.h"
#include "util/float_net.h"

namespace npukit {
namespace {

using testing::Net;
using testing::Value;

using Ints = std::vector<int64_t>;

// A float ConvTranspose (3x3, stride 2, pads, output_padding, bias) with weights `w` and bias `b`.
Value* conv_transpose(Net& n, Value* x, const Tensor& w, const Tensor& b) {
  Attrs a;
  a.set("strides", Ints{2, 2});
  a.set("pads", Ints{1, 1, 1, 1});
  a.set("output_padding", Ints{1, 1});
  const std::string id = n.id("deconv");
  return n.typed(
      n.b.op(ir::OpKind::kConvTranspose, id, {x, n.b.constant(id + "_w", w), n.b.constant(id + "_b", b)}, a));
}

std::unique_ptr<runtime::Runtime> runtime_of(ir::Model model) {
  npk::NpkModel m;
  m.model = std::move(model);
  auto rt = runtime::Runtime::create(std::move(m), {});
  EXPECT_TRUE(rt.ok()) << rt.status().message();
  return rt.ok() ? std::move(rt).value() : nullptr;
}

TEST(RuntimeFloatOps, ConvTransposeWithinTheFastBoundOfTheReference) {
  Net n;
  Value* x = n.input({1, 13, 9, 11});
  const Tensor w = fasttest::seeded({13, 6, 3, 3}, 31), b = fasttest::seeded({6}, 32);
  n.out(conv_transpose(n, x, w, b));
  // The magnitude model: the same graph on |x|, |w|, |b| (see expect_within_bound).
  Net na;
  Value* xa = na.input({1, 13, 9, 11});
  na.out(conv_transpose(na, xa, fasttest::abs_of(w), fasttest::abs_of(b)));

  const Tensor in = fasttest::seeded({1, 13, 9, 11}, 33);
  auto want = interp::Interpreter(n.model.graph).run(std::vector<Tensor>{in});
  ASSERT_TRUE(want.ok()) << want.status().message();
  auto mag = interp::Interpreter(na.model.graph).run(std::vector<Tensor>{fasttest::abs_of(in)});
  ASSERT_TRUE(mag.ok()) << mag.status().message();
  auto rt = runtime_of(std::move(n.model));
  ASSERT_TRUE(rt);
  EXPECT_EQ(rt->reference_nodes(), 1);
  auto got = rt->run(std::vector<Tensor>{in});
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 1u);
  fasttest::expect_within_bound((*got)[0], (*want)[0], (*mag)[0], 13 * 3 * 3, "runtime ConvTranspose");
  // Not the reference's bits: the runtime really ran the f32 kernel (the bound above is what is promised).
  EXPECT_FALSE((*got)[0].bit_equal((*want)[0]));
}

TEST(RuntimeFloatOps, FloatChainBitExactWithTheFastInterpreter) {
  Net n;
  Value* x = n.input({1, 3, 10, 7});
  Value* c = n.relu(n.conv(x, 8, 3, 3));
  Value* d = conv_transpose(n, c, fasttest::seeded({8, 5, 3, 3}, 34), fasttest::seeded({5}, 35));
  Attrs ra;
  ra.set("mode", std::string("linear"));
  ra.set("coordinate_transformation_mode", std::string("pytorch_half_pixel"));
  const std::string rid = n.id("resize");
  Value* r = n.typed(n.b.op(ir::OpKind::kResize, rid,
                            {d, n.b.constant(rid + "_roi", Tensor(DType::kF32, {0})),
                             n.b.constant(rid + "_sc", testing::f32({1.f, 1.f, 0.5f, 1.5f}, {4}))},
                            ra));
  n.out(r);
  n.out(n.add(d, n.resize2x(n.conv(x, 5, 1, 1))));

  const Tensor in = fasttest::seeded({1, 3, 10, 7}, 36);
  interp::RunOptions fast;
  fast.use_fast_kernels = true;
  auto want = interp::Interpreter(n.model.graph).run(std::vector<Tensor>{in}, fast);
  ASSERT_TRUE(want.ok()) << want.status().message();
  auto rt = runtime_of(std::move(n.model));
  ASSERT_TRUE(rt);
  for (int run = 0; run < 2; ++run) {  // the second run reuses the arena
    auto got = rt->run(std::vector<Tensor>{in});
    ASSERT_TRUE(got.ok()) << got.status().message();
    ASSERT_EQ(got->size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
      ASSERT_EQ((*got)[k].shape(), (*want)[k].shape());
      EXPECT_TRUE((*got)[k].bit_equal((*want)[k])) << "run " << run << " output " << k;
    }
  }
}

}  // namespace
}  // namespace npukit
