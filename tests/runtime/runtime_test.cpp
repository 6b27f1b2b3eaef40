// SPDX-License-Identifier: Apache-2.0
// runtime: the int8 CPU runtime runs compiled models (every segment on the host CPU) bit-exactly with the
// reference interpreter on the same integer graph — on every instruction-set tier this machine has, with 1 and
// 3 intra-op threads, and from several threads at once.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <initializer_list>
#include <thread>

#include "interp/interpreter.h"
#include "kernels/q8/isa.h"
#include "npk/npk_file.h"
#include "npu/compile_model.h"
#include "runtime/runtime.h"
#include "util/float_net.h"

namespace npukit {
namespace {

using testing::Net;
using testing::Value;

npk::NpkModel compile_for(const ir::Model& integer, const std::string& march) {
  npu::NpuOptions o;
  o.optimize_level = 2;
  auto c = ir::clone_model(integer);
  EXPECT_TRUE(c.ok());
  auto r = npu::compile_model(std::move(c).value(), testing::preset(march), o, {});
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : npk::NpkModel{};
}

void expect_same(const std::vector<Tensor>& a, const std::vector<Tensor>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].dtype(), b[i].dtype()) << what;
    ASSERT_EQ(a[i].shape(), b[i].shape()) << what;
    EXPECT_EQ(std::memcmp(a[i].raw(), b[i].raw(), a[i].nbytes()), 0) << what << ": output " << i << " differs";
  }
}

// Convs (3x3 stride 2, depthwise, 1x1, dilated, grouped) with ReLU, a residual add, pools, a gemm head.
ir::Model mixed_net() {
  Net n;
  Value* x = n.input({1, 3, 19, 23});
  Value* c1 = n.relu(n.conv(x, 16, 3, 3, 2));
  Value* dw = n.relu(n.conv(c1, 16, 3, 3, 1, 1, 16));
  Value* pw = n.conv(dw, 16, 1, 1);
  Value* a = n.relu(n.add(c1, pw));
  Value* d = n.conv(a, 12, 3, 3, 1, 2);
  Value* g = n.conv(n.relu(d), 12, 3, 3, 1, 1, 3);
  Value* p = n.maxpool(n.conv(g, 13, 1, 1), 2, 2);
  n.out(n.gemm(n.flatten(n.gap(p)), 10));
  return testing::integer_of(n);
}

/// Runs `check` on a runtime of `integer` (compiled for "tiny") on every instruction-set tier this machine has, with 1
/// and 3 intra-op threads.
void on_every_tier(const ir::Model& integer, const std::function<void(const runtime::Runtime&)>& check) {
  const npk::NpkModel compiled = compile_for(integer, "tiny");
  auto bytes = npk::serialize_npk(compiled);
  ASSERT_TRUE(bytes.ok());
  for (q8::Isa isa : q8::available_isas()) {
    for (int threads : {1, 3}) {
      SCOPED_TRACE(std::string(q8::isa_name(isa)) + " x" + std::to_string(threads));
      auto m = npk::deserialize_npk(*bytes);
      ASSERT_TRUE(m.ok());
      runtime::RuntimeOptions ro;
      ro.isa = isa;
      ro.intra_op_threads = threads;
      auto rt = runtime::Runtime::create(std::move(m).value(), ro);
      ASSERT_TRUE(rt.ok()) << rt.status().message();
      check(**rt);
    }
  }
}

/// The runtime's outputs equal the reference interpreter's, byte for byte, on random inputs from each seed.
void expect_bit_exact(const runtime::Runtime& rt, std::initializer_list<uint32_t> seeds) {
  for (uint32_t seed : seeds) {
    const std::vector<Tensor> in = testing::random_inputs(rt.model().model.graph, seed);
    auto want = interp::Interpreter(rt.model().model.graph).run(in);
    ASSERT_TRUE(want.ok()) << want.status().message();
    runtime::NodeTiming timing;
    auto got = rt.run(in, &timing);
    ASSERT_TRUE(got.ok()) << got.status().message();
    expect_same(*got, *want, "seed " + std::to_string(seed));
    EXPECT_EQ(timing.us.size(), rt.model().model.graph.num_nodes());
  }
}

TEST(Runtime, BitExactWithTheReferenceOnEveryTierAndThreadCount) {
  on_every_tier(mixed_net(), [](const runtime::Runtime& rt) {
    EXPECT_GE(rt.fast_nodes(), 6) << "the convolutions and the gemm run on the q8 kernels";
    expect_bit_exact(rt, {1u, 2u});
  });
}

// Concats on the channel axis: pooled copies of one tensor (the concat's own codes: copied parts), a convolution of one
// of them (rescaled), an input read again after its concat, a concat of a concat, and 392-byte blocks (7 x 7 x 8: only
// the first is at a multiple of 64 bytes).
ir::Model concat_net() {
  Net n;
  Value* x = n.input({1, 3, 16, 16});
  Value* c = n.relu(n.conv(x, 8, 3, 3));
  Value* p = n.maxpool(c, 2, 2);     // 8 x 8 x 8: 512-byte blocks
  Value* q = n.maxpool(c, 3, 2, 1);  // (other windows: other codes in each block)
  Value* r = n.relu(n.conv(q, 8, 1, 1));
  Value* cat1 = n.concat({p, q, r}, 1);
  Value* u = n.conv(p, 4, 1, 1);  // p read after cat1
  Value* w = n.maxpool(c, 4, 2, 1);
  Value* cat2 = n.concat({w, cat1}, 1);  // (cat1 at byte 512: p, q at 512, 1024)
  n.out(n.gemm(n.flatten(n.gap(n.conv(cat2, 6, 3, 3))), 5));
  n.out(u);
  n.out(n.concat({n.maxpool(c, 4, 2), n.maxpool(c, 3, 2)}, 1));
  return testing::integer_of(n);
}

TEST(Runtime, ConcatInputsWrittenInPlaceStayBitExact) {
  on_every_tier(concat_net(), [](const runtime::Runtime& rt) {
    EXPECT_EQ(rt.in_place_inputs(), 5) << "p, q (not r: rescaled), cat1, w and the first 7 x 7 block";
    expect_bit_exact(rt, {3u, 4u});
  });
}

TEST(Runtime, ConcurrentRunsGiveIdenticalOutputs) {
  auto rt = runtime::Runtime::create(compile_for(mixed_net(), "nash-e"));
  ASSERT_TRUE(rt.ok()) << rt.status().message();
  const std::vector<Tensor> in = testing::random_inputs((*rt)->model().model.graph, 5);
  auto first = (*rt)->run(in);
  ASSERT_TRUE(first.ok());
  std::vector<std::vector<Tensor>> outs(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < outs.size(); ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 5; ++k) {
        auto o = (*rt)->run(in);
        if (o.ok()) outs[t] = std::move(o).value();
      }
    });
  for (std::thread& t : threads) t.join();
  for (const auto& o : outs) expect_same(o, *first, "concurrent run");
}

TEST(Runtime, SteadyStateRunsReuseTheirArenaAndOutputs) {
  auto rt = runtime::Runtime::create(compile_for(mixed_net(), "nash-e"));
  ASSERT_TRUE(rt.ok()) << rt.status().message();
  const std::vector<Tensor> in = testing::random_inputs((*rt)->model().model.graph, 9);
  std::vector<Tensor> outs;
  ASSERT_TRUE((*rt)->run_into(in, &outs).ok());
  const std::vector<Tensor> first = [&] {
    std::vector<Tensor> c;
    for (const Tensor& t : outs) c.push_back(t.clone());
    return c;
  }();
  const void* storage = outs[0].raw();
  for (int k = 0; k < 5; ++k) ASSERT_TRUE((*rt)->run_into(in, &outs).ok());
  EXPECT_EQ(outs[0].raw(), storage) << "run_into must write into the caller's output tensors";
  expect_same(outs, first, "repeated run_into");
  EXPECT_EQ((*rt)->contexts_created(), 1) << "sequential runs share one execution context";
  // Concurrent runs create at most one context per thread, then reuse them.
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&] {
      for (int k = 0; k < 20; ++k) EXPECT_TRUE((*rt)->run(in).ok());
    });
  for (std::thread& t : threads) t.join();
  EXPECT_LE((*rt)->contexts_created(), 3);
}

TEST(Runtime, MemoryReportAddsUp) {
  auto rt = runtime::Runtime::create(compile_for(mixed_net(), "nash-e"));
  ASSERT_TRUE(rt.ok()) << rt.status().message();
  const runtime::MemoryReport& m = (*rt)->memory();
  EXPECT_GT(m.weight_bytes, 0);
  EXPECT_GT(m.packed_weight_bytes, 0);
  EXPECT_GT(m.arena_bytes, 0);
  EXPECT_GE(m.arena_bytes, m.peak_live_activation_bytes) << "no arena can be smaller than the largest live set";
  int64_t weights = 0, packed = 0, nodes = 0, peak = 0;
  for (const runtime::SegmentMemory& s : m.segments) {
    weights += s.weight_bytes;
    packed += s.packed_bytes;
    nodes += s.nodes;
    peak = std::max(peak, s.peak_activation_bytes);
  }
  EXPECT_EQ(weights, m.weight_bytes);
  EXPECT_EQ(packed, m.packed_weight_bytes);
  EXPECT_EQ(nodes, static_cast<int64_t>((*rt)->model().model.graph.num_nodes()));
  EXPECT_EQ(peak, m.peak_live_activation_bytes) << "the model's live-set peak falls in some segment";
  // The sum of all activations is larger than the planned arena (memory is reused).
  int64_t all = 0;
  for (const ir::Node* n : (*rt)->model().model.graph.nodes())
    for (const ir::Value* v : n->outputs()) all += static_cast<int64_t>(numel(v->shape()) * dtype_size(v->dtype()));
  EXPECT_LT(m.arena_bytes, all);
}

TEST(Runtime, WrongInputsAreClearErrors) {
  auto rt = runtime::Runtime::create(compile_for(mixed_net(), "tiny"));
  ASSERT_TRUE(rt.ok());
  auto none = (*rt)->run({});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("input"), std::string::npos) << none.status().message();
  std::vector<Tensor> bad{Tensor(DType::kF32, {1, 3, 5, 5})};
  auto shape = (*rt)->run(bad);
  ASSERT_FALSE(shape.ok());
  EXPECT_EQ(shape.status().code(), ErrorCode::kShapeMismatch) << shape.status().message();
  EXPECT_FALSE(runtime::Runtime::load("/nonexistent/model.npk").ok());
}

}  // namespace
}  // namespace npukit
