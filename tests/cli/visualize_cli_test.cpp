// SPDX-License-Identifier: Apache-2.0
// `npukit visualize`: a float .onnx drawn as its original graph coloured through provenance (--integer: the
// integer graph), a compiled .npk drawn with its placement, --format dot, and clear errors for a missing or
// corrupt model and for -o into a missing folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "core/file_util.h"
#include "frontend/onnx_export.h"
#include "util/cli_fixture.h"
#include "util/graph_builder.h"
#include "util/random_tensor.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;
using testing::randn;
using testing::slurp;

constexpr const char* kNpuFill = "fill=\"#1f3a93\"";
constexpr const char* kCpuFill = "fill=\"#c4c4c4\"";

/// The SVG group of the node whose tooltip starts with `name`, or "".
std::string node_block(const std::string& svg, const std::string& name) {
  const std::string key = "xlink:title=\"" + name + "&#10;";
  const size_t at = svg.find(key);
  if (at == std::string::npos) return "";
  const size_t begin = svg.rfind("class=\"node\"", at);
  const size_t end = svg.find("</g>\n</g>", at);
  return svg.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

class VisualizeCli : public testing::CliTest {
 protected:
  /// x[1,3,12,12] -> conv 3x3 (8) -> relu -> conv 1x1 (8) -> softmax over C (float: on the CPU).
  void SetUp() override {
    testing::CliTest::SetUp();
    ir::Model m;
    testing::GraphBuilder b(m.graph);
    ir::Value* x = b.input("x", DType::kF32, {1, 3, 12, 12});
    Attrs pad1;
    pad1.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    ir::Value* c1 = b.op(ir::OpKind::kConv, "conv1",
                         {x, b.constant("w1", randn({8, 3, 3, 3}, 1)), b.constant("b1", randn({8}, 2, 0.1f))}, pad1);
    ir::Value* r1 = b.op(ir::OpKind::kRelu, "relu1", {c1});
    ir::Value* c2 = b.op(ir::OpKind::kConv, "conv2", {r1, b.constant("w2", randn({8, 8, 1, 1}, 3))});
    Attrs ax;
    ax.set("axis", int64_t{1});
    b.output(b.op(ir::OpKind::kSoftmax, "softmax", {c2}, ax));
    ASSERT_TRUE(frontend::save_onnx(m, (dir_ / "net.onnx").string()).ok());
  }
};

TEST_F(VisualizeCli, OnnxOriginalGraphColouredThroughProvenance) {
  auto r = npukit("visualize net.onnx --march tiny");
  ASSERT_EQ(r.rc, 0) << r.err;
  ASSERT_TRUE(fs::exists(dir_ / "net.svg")) << r.out;  // default: <model stem>.svg
  const std::string svg = slurp(dir_ / "net.svg");
  ASSERT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("net on tiny (original graph)"), std::string::npos);
  const std::string conv1 = node_block(svg, "conv1"), conv2 = node_block(svg, "conv2"),
                    softmax = node_block(svg, "softmax");
  ASSERT_FALSE(conv1.empty()) << svg;
  ASSERT_FALSE(softmax.empty()) << svg;
  EXPECT_NE(conv1.find(kNpuFill), std::string::npos) << conv1;
  EXPECT_NE(conv2.find(kNpuFill), std::string::npos) << conv2;
  EXPECT_NE(softmax.find(kCpuFill), std::string::npos) << softmax;
  EXPECT_NE(softmax.find("on the CPU"), std::string::npos) << softmax;
  EXPECT_NE(softmax.find("Softmax"), std::string::npos) << softmax;
  // The original graph: float convolutions, not the integer ones.
  EXPECT_NE(svg.find(">Conv<"), std::string::npos);
  EXPECT_EQ(svg.find(">QConv<"), std::string::npos);
}

TEST_F(VisualizeCli, OnnxIntegerGraphAndDotFormat) {
  auto r = npukit("visualize net.onnx --march tiny --integer -o int.svg");
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::string svg = slurp(dir_ / "int.svg");
  EXPECT_NE(svg.find("net on tiny (integer graph)"), std::string::npos);
  EXPECT_NE(svg.find(">QConv<"), std::string::npos);  // integer ops
  EXPECT_NE(svg.find(kNpuFill), std::string::npos);
  EXPECT_NE(svg.find(kCpuFill), std::string::npos);
  EXPECT_NE(svg.find("CPU fallback: "), std::string::npos);
  r = npukit("visualize net.onnx --march tiny --format dot");
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::string dot = slurp(dir_ / "net.dot");
  EXPECT_EQ(dot.rfind("digraph model {", 0), 0u) << dot.substr(0, 100);
  EXPECT_NE(dot.find("fillcolor=\"#1f3a93\""), std::string::npos);
  r = npukit("visualize net.onnx --format png");
  EXPECT_EQ(r.rc, 2);  // usage error
}

TEST_F(VisualizeCli, CompiledNpk) {
  auto c = npukit("compile --fast-perf --model net.onnx --march tiny --no-progress");
  ASSERT_EQ(c.rc, 0) << c.err;
  std::string npk;
  for (const auto& e : fs::directory_iterator(dir_ / "model_output"))
    if (e.path().extension() == ".npk") npk = fs::relative(e.path(), dir_).string();
  ASSERT_FALSE(npk.empty());
  fs::create_directories(dir_ / "pics");
  auto r = npukit("visualize " + npk + " -o pics/compiled.svg");
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::string svg = slurp(dir_ / "pics" / "compiled.svg");
  EXPECT_NE(svg.find("on tiny (compiled graph)"), std::string::npos);
  EXPECT_NE(svg.find(kNpuFill), std::string::npos);
  EXPECT_NE(svg.find(kCpuFill), std::string::npos);  // the float Softmax
  EXPECT_EQ(svg.find("not placed ("), std::string::npos);
  EXPECT_NE(svg.find("<polygon fill=\"#dff0d8\""), std::string::npos);  // the graph input
}

TEST_F(VisualizeCli, ClearErrors) {
  auto r = npukit("visualize nosuch.onnx");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("nosuch.onnx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;

  ASSERT_TRUE(atomic_write_file((dir_ / "junk.onnx").string(), "this is not a protobuf \x01\x02\x03").ok());
  r = npukit("visualize junk.onnx --march tiny");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.err.find("npukit: error:"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "junk.svg"));

  ASSERT_TRUE(atomic_write_file((dir_ / "junk.npk").string(), std::string(300, 'x')).ok());
  r = npukit("visualize junk.npk");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("junk.npk"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "junk.svg"));

  r = npukit("visualize net.onnx --march tiny -o missing/dir/net.svg");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("output folder 'missing/dir' does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "missing"));

  r = npukit("visualize");
  EXPECT_EQ(r.rc, 2);
}

}  // namespace
}  // namespace npukit
