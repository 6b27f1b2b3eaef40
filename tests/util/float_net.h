// SPDX-License-Identifier: Apache-2.0
// Test helper: a float graph builder with layer helpers (conv, pools, gemm, concat, ...) whose nodes get their
// output types inferred as they are added, plus the shortcuts the NPU, simulator and estimator tests share:
// quantize to npukit's integer graph, and load a march preset.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "march/march.h"
#include "util/graph_builder.h"
#include "util/int_model.h"
#include "util/random_tensor.h"

namespace npukit::testing {

using ir::OpKind;
using ir::Value;

/// Float graph builder with layer helpers.
struct Net {
  ir::Model model;
  GraphBuilder b{model.graph};
  int k = 0;
  uint32_t seed = 11;
  std::string id(const std::string& p) { return p + std::to_string(++k); }

  /// Infers the new node's output type (the builder does not), so later layers can read shapes.
  Value* typed(Value* v) {
    if (v && v->producer()) {
      Status st = interp::infer_node(*v->producer());
      EXPECT_TRUE(st.ok()) << st.message();
    }
    return v;
  }
  Value* input(Shape s) { return b.input("x" + std::to_string(k++), DType::kF32, std::move(s)); }
  Value* conv(Value* x, int64_t cout, int64_t kh, int64_t kw, int64_t stride = 1, int64_t dil = 1, int64_t group = 1,
              bool bias = true) {
    const int64_t cin = x->shape()[1];
    const std::string n = id("conv");
    Attrs a;
    a.set("strides", std::vector<int64_t>{stride, stride});
    a.set("dilations", std::vector<int64_t>{dil, dil});
    a.set("group", group);
    const int64_t ph = (kh - 1) * dil / 2, pw = (kw - 1) * dil / 2;
    a.set("pads", std::vector<int64_t>{ph, pw, (kh - 1) * dil - ph, (kw - 1) * dil - pw});
    a.set("kernel_shape", std::vector<int64_t>{kh, kw});
    std::vector<Value*> in{x, b.constant(n + "_w", randn({cout, cin / group, kh, kw}, ++seed))};
    if (bias) in.push_back(b.constant(n + "_b", randn({cout}, ++seed, 0.1f)));
    return typed(b.op(OpKind::kConv, n, in, a));
  }
  Value* relu(Value* x) { return typed(b.op(OpKind::kRelu, id("relu"), {x})); }
  Value* sigmoid(Value* x) { return typed(b.op(OpKind::kSigmoid, id("sig"), {x})); }
  Value* add(Value* x, Value* y) { return typed(b.op(OpKind::kAdd, id("add"), {x, y})); }
  Value* mul(Value* x, Value* y) { return typed(b.op(OpKind::kMul, id("mul"), {x, y})); }
  Value* maxpool(Value* x, int64_t kk, int64_t s, int64_t pad = 0) {
    Attrs a;
    a.set("kernel_shape", std::vector<int64_t>{kk, kk});
    a.set("strides", std::vector<int64_t>{s, s});
    a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
    return typed(b.op(OpKind::kMaxPool, id("maxpool"), {x}, a));
  }
  Value* avgpool(Value* x, int64_t kk, int64_t s) {
    Attrs a;
    a.set("kernel_shape", std::vector<int64_t>{kk, kk});
    a.set("strides", std::vector<int64_t>{s, s});
    return typed(b.op(OpKind::kAveragePool, id("avgpool"), {x}, a));
  }
  Value* gap(Value* x) { return typed(b.op(OpKind::kGlobalAveragePool, id("gap"), {x})); }
  Value* flatten(Value* x) {
    Attrs a;
    a.set("axis", int64_t{1});
    return typed(b.op(OpKind::kFlatten, id("flatten"), {x}, a));
  }
  Value* gemm(Value* x, int64_t n_out) {
    const std::string n = id("gemm");
    Attrs a;
    a.set("transB", int64_t{1});
    return typed(b.op(OpKind::kGemm, n,
                      {x, b.constant(n + "_w", randn({n_out, x->shape()[1]}, ++seed)),
                       b.constant(n + "_b", randn({n_out}, ++seed, 0.1f))},
                      a));
  }
  Value* concat(const std::vector<Value*>& xs, int64_t axis) {
    Attrs a;
    a.set("axis", axis);
    return typed(b.op(OpKind::kConcat, id("concat"), xs, a));
  }
  Value* transpose(Value* x, std::vector<int64_t> perm) {
    Attrs a;
    a.set("perm", std::move(perm));
    return typed(b.op(OpKind::kTranspose, id("transpose"), {x}, a));
  }
  Value* slice(Value* x, int64_t axis, int64_t start, int64_t end) {
    const std::string n = id("slice");
    return typed(b.op(
        OpKind::kSlice, n,
        {x, b.constant(n + "_s", i64({start})), b.constant(n + "_e", i64({end})), b.constant(n + "_a", i64({axis}))}));
  }
  Value* resize2x(Value* x) {
    const std::string n = id("resize");
    Attrs a;
    a.set("mode", std::string("nearest"));
    return typed(b.op(
        OpKind::kResize, n,
        {x, b.constant(n + "_roi", Tensor(DType::kF32, {0})), b.constant(n + "_sc", f32({1.f, 1.f, 2.f, 2.f}, {4}))},
        a));
  }
  Value* reshape(Value* x, std::vector<int64_t> shape) {
    const std::string n = id("reshape");
    return typed(b.op(OpKind::kReshape, n, {x, b.constant(n + "_s", i64(shape))}));
  }
  Value* pad(Value* x, int64_t t, int64_t l, int64_t bo, int64_t r) {
    const std::string n = id("pad");
    return typed(b.op(OpKind::kPad, n, {x, b.constant(n + "_p", i64({0, 0, t, l, 0, 0, bo, r}))}));
  }
  void out(Value* v) { b.output(v); }
};

inline ir::Model integer_of(Net& n) {
  auto m = quantize_to_integer(std::move(n.model));
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? std::move(m).value() : ir::Model{};
}

inline march::MarchSpec preset(const std::string& name) {
  auto m = march::load_march(name);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? *m : march::MarchSpec{};
}

}  // namespace npukit::testing
