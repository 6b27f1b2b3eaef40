// SPDX-License-Identifier: Apache-2.0
// npu/emitter: dependencies derived from memory. Regression tests for two hazards the simulator found on real
// models: (1) bytes the host wrote (a segment input) that a LOAD reads and a later STORE of another buffer
// reuses; (2) several STOREs of one output (one epoch) on different cores, each of which must wait for the
// earlier readers of the bytes they overwrite, not only the first one.
#include "npu/emitter.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace npukit {
namespace {

npk::Program two_buffers_sharing_bytes() {
  npk::Program p;
  p.num_cores = 2;
  p.sram_bytes_per_core = 4096;
  npk::DdrBuffer in;
  in.value = "in";
  in.dtype = DType::kI8;
  in.shape = {1, 64};
  in.kind = npk::BufferKind::kInput;
  in.offset = 0;
  npk::DdrBuffer out = in;
  out.value = "out";
  out.kind = npk::BufferKind::kOutput;
  out.offset = 0;  // reuses the input's bytes after its last read
  p.buffers = {in, out};
  p.arena_bytes = 64;
  return p;
}

npk::Box row_box(int64_t start, int64_t size) {
  npk::Box b;
  b.rank = 2;
  b.size = {1, size};
  b.start = {0, start};
  return b;
}

bool depends_on(const npk::Program& p, int32_t cmd, int32_t on) {
  // Transitive over deps and queue order (same core and unit, earlier).
  std::vector<int32_t> stack{cmd};
  std::vector<bool> seen(p.commands.size());
  while (!stack.empty()) {
    const int32_t c = stack.back();
    stack.pop_back();
    if (c == on) return true;
    if (seen[static_cast<size_t>(c)]) continue;
    seen[static_cast<size_t>(c)] = true;
    for (int32_t d : p.commands[static_cast<size_t>(c)].deps) stack.push_back(d);
    for (int32_t e = c - 1; e >= 0; --e) {
      const auto& a = p.commands[static_cast<size_t>(e)];
      const auto& b = p.commands[static_cast<size_t>(c)];
      if (a.core == b.core && npk::unit_of(a.op) == npk::unit_of(b.op)) {
        stack.push_back(e);
        break;
      }
    }
  }
  return false;
}

TEST(Emitter, StoresWaitForReadersOfHostWrittenBytesOnEveryCore) {
  npk::Program p = two_buffers_sharing_bytes();
  npu::Emitter e(p);
  // Core 1 reads the input (bytes the host wrote: no command wrote them).
  const int32_t load = e.load(1, 0, row_box(0, 64), npk::Role::kX, 0, -1);
  // Core 0 and core 1 produce tiles of the output (same epoch: disjoint halves).
  npk::Command c;
  c.op = npk::CmdOp::kRequant;
  c.core = 0;
  c.dst.addr = 128;
  c.dst.box = row_box(0, 32);
  e.compute(c);
  c.core = 1;
  c.dst.box = row_box(32, 32);
  c.srcs.clear();
  e.compute(c);
  npk::Operand t0;
  t0.addr = 128;
  t0.box = row_box(0, 32);
  const int32_t s0 = e.store(0, 1, row_box(0, 32), t0, -1, 7);
  npk::Operand t1 = t0;
  t1.box = row_box(32, 32);
  const int32_t s1 = e.store(1, 1, row_box(32, 32), t1, -1, 7);
  EXPECT_TRUE(depends_on(p, s0, load)) << "store on core 0 overwrote bytes core 1 may still be loading";
  EXPECT_TRUE(depends_on(p, s1, load));
  // The two stores of one epoch do not wait for each other.
  EXPECT_FALSE(depends_on(p, s1, s0));
  EXPECT_FALSE(depends_on(p, s0, s1));
}

TEST(Emitter, LaterStoresOfAnEpochInheritTheFirstOnesObligations) {
  npk::Program p = two_buffers_sharing_bytes();
  npu::Emitter e(p);
  const int32_t load = e.load(0, 0, row_box(0, 64), npk::Role::kX, 0, -1);
  npk::Operand t;
  t.addr = 256;
  t.box = row_box(0, 32);
  npk::Command c;
  c.op = npk::CmdOp::kRequant;
  c.core = 1;
  c.dst = t;
  e.compute(c);
  c.core = 0;
  e.compute(c);
  const int32_t first = e.store(1, 1, row_box(0, 32), t, -1, 3);  // takes the dep on the load
  t.box = row_box(32, 32);
  const int32_t second = e.store(0, 1, row_box(32, 32), t, -1, 3);
  EXPECT_TRUE(depends_on(p, first, load));
  EXPECT_TRUE(depends_on(p, second, load)) << "second store of the epoch lost the write-after-read dependency";
}

}  // namespace
}  // namespace npukit
