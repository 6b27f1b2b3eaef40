// SPDX-License-Identifier: Apache-2.0
// .npk semantic validation: the writer refuses a model with out-of-range indices or a broken graph, and a file
// written without the checks is refused by the reader (npk/npk_validate.h); boxes of a too-high rank.
#include <gtest/gtest.h>

#include "npk_test_util.h"

namespace npukit::npk_test {
namespace {

TEST(NpkProgram, BoxOfTooHighRankNeverIndexesPastItsArrays) {
  const Box b = Box::whole({2, 1, 1, 1, 1, 1, 3});  // rank 7 > kMaxBoxRank: kept, so validation rejects it
  EXPECT_EQ(b.rank, 7);
  EXPECT_EQ(b.elements(), 2);  // the six stored dims only
  EXPECT_EQ(b.shape().size(), 6u);
  EXPECT_TRUE(b.contains(b));
  EXPECT_EQ(b.str(), "[0:2, 0:1, 0:1, 0:1, 0:1, 0:1]");
  Box neg;
  neg.rank = -3;
  EXPECT_EQ(neg.elements(), 1);
  EXPECT_EQ(neg.str(), "[]");
}

// ---- semantic validation (writer refuses; a file written without the checks is refused by the reader) ----

void expect_rejected_both_ways(const NpkModel& bad, const std::string& what) {
  auto w = npk::serialize_npk(bad);
  ASSERT_FALSE(w.ok()) << "writer accepted a model with: " << what;
  EXPECT_EQ(w.status().code(), ErrorCode::kInvalidModel);
  EXPECT_NE(w.status().message().find(what), std::string::npos) << w.status().message();
  auto bytes = npk::detail::serialize_npk_unvalidated(bad);
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  expect_invalid(npk::deserialize_npk(*bytes), what);
}

TEST(NpkFile, OutOfRangeIndicesAreRejected) {
  const NpkModel good = build_npk();
  auto edit = [&](auto fn) {
    NpkModel m = clone_npk(good);
    fn(m);
    return m;
  };
  auto cmds = [](NpkModel& m) -> std::vector<Command>& { return m.programs[0].commands; };
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[0].buffer = 99; }), "buffer id 99 is out of range");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[0].buffer = -1; }), "buffer id -1 is out of range");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[3].deps.push_back(3); }),
                            "command 3 (CONV): dep index 3 is not an earlier command");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].deps.push_back(-1); }), "dep index -1");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].layer = 6; }), "layer 6 is not a node index");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].core = 2; }), "core 2 >= num_cores 2");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].op = static_cast<CmdOp>(200); }),
                            "op 200 is not a known command op");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].srcs[0].role = static_cast<Role>(9); }),
                            "role 9 is not a known role");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].srcs[0].dtype = DType::kUndefined; }),
                            "is not a storable element type");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].srcs[0].box.rank = 7; }), "box rank 7 is outside 0..6");
  expect_rejected_both_ways(edit([&](NpkModel& m) {
                              cmds(m)[2].srcs[0].box = Box::whole({1, 1, 1, 1, 1, 1, 1});
                            }),
                            "box rank 7 is outside 0..6");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].srcs[0].box.size[1] = -2; }), "box size 1 is negative");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].dst.addr = 65000; }),
                            "exceeds the 65536 bytes of SRAM per core");
  expect_rejected_both_ways(edit([&](NpkModel& m) { cmds(m)[2].flags = 6; }), "unknown flag bits");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].buffers[5].alias_of = 5; }), "alias_of 5");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].buffers[0].offset = 4000; }),
                            "-byte activation arena");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].buffers[0].value = "nope"; }),
                            "no graph value has this name");
  expect_rejected_both_ways(edit([&](NpkModel& m) {
                              m.programs[0].buffers[1].shape = {8, 3, 3};
                            }),
                            "does not match the graph constant");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].buffers[2].kind = static_cast<npk::BufferKind>(4); }),
                            "kind 4 is not a known buffer kind");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].function_calls[1].num_commands = 13; }),
                            "function call 1: commands [6, +13) are outside the 18 commands");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.programs[0].num_cores = 0; }), "num_cores 0");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[0].nodes.push_back(6); }),
                            "segment 0: node index 6 is out of range");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[0].program = 2; }),
                            "segment 0: program index 2 is out of range");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[1].program = 0; }), "CPU segment has program index 0");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[1].target = static_cast<npk::Target>(5); }),
                            "target 5 is neither NPU nor CPU");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.segments[1].outputs.push_back("ghost"); }),
                            "value 'ghost' is not in the graph");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.placement.pop_back(); }), "placement has 5 entries for 6 nodes");
  expect_rejected_both_ways(edit([&](NpkModel& m) { m.inputs[0].shape = {1, -3}; }), "dim 1 is negative");
}

TEST(NpkFile, BrokenGraphsAreRejected) {
  const NpkModel good = build_npk();
  auto edit = [&](auto fn) {
    NpkModel m = clone_npk(good);
    fn(m);
    return m;
  };
  // A node reads a value nothing defines.
  expect_rejected_both_ways(edit([](NpkModel& m) {
                              ir::Value* ghost = m.model.graph.add_value("ghost").value();
                              ghost->set_type(DType::kI8, {1, 8, 4, 4});
                              m.model.graph.nodes()[2]->set_input(0, ghost);
                            }),
                            "is not defined before use");
  // An attribute of the wrong kind for the op's schema.
  expect_rejected_both_ways(
      edit([](NpkModel& m) { m.model.graph.nodes()[2]->attrs().set("group", std::string("one")); }),
      "attribute 'group' must be int, got string");
  // A value of an unknown element type.
  expect_rejected_both_ways(
      edit([](NpkModel& m) { m.model.graph.find_value("lut_out")->set_type(static_cast<DType>(77), {1}); }),
      "dtype 77 is not a known element type");
  // A negative dim.
  expect_rejected_both_ways(edit([](NpkModel& m) {
                              m.model.graph.find_value("lut_out")->set_type(DType::kI8, {1, -8, 4, 4});
                            }),
                            "'lut_out': dim 1 is negative");
  // A bool constant holding a byte other than 0 / 1.
  expect_rejected_both_ways(edit([](NpkModel& m) {
                              Tensor t(DType::kBool, {3});
                              static_cast<uint8_t*>(t.raw())[1] = 2;
                              m.model.graph.add_constant("flags", t);
                            }),
                            "bool element 1 holds 2");
}

}  // namespace
}  // namespace npukit::npk_test
