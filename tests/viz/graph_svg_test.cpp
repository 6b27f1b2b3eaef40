// SPDX-License-Identifier: Apache-2.0
// viz/graph_svg.h: the SVG has every node with the fill of its placement, CPU reasons in the tooltips, graph
// inputs and outputs as their own shapes, hostile names escaped (well-formed XML), provenance colouring of a
// float graph from its integer graph, and a 1500-node graph renders.
#include "viz/graph_svg.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "core/file_util.h"
#include "interp/interpreter.h"
#include "march/march.h"
#include "npu/placement.h"
#include "util/graph_builder.h"
#include "util/int_model.h"
#include "util/random_tensor.h"

namespace npukit::viz {
namespace {

using ir::OpKind;
using npk::Placement;
using npk::Target;

constexpr const char* kNpuFill = "fill=\"#1f3a93\"";
constexpr const char* kCpuFill = "fill=\"#c4c4c4\"";
constexpr const char* kFoldedFill = "fill=\"#f7f7f7\"";
constexpr const char* kWhiteFill = "fill=\"white\"";

using testing::randn;

/// The SVG group of the node whose tooltip starts with `escaped_name` (as it appears in the SVG), or "".
std::string node_block(const std::string& svg, const std::string& escaped_name) {
  const std::string key = "xlink:title=\"" + escaped_name + "&#10;";
  size_t pos = 0;
  while ((pos = svg.find("class=\"node\"", pos)) != std::string::npos) {
    const size_t end = std::min(svg.find("class=\"node\"", pos + 1), svg.find("class=\"edge\"", pos + 1));
    std::string block = svg.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (block.find(key) != std::string::npos) return block;
    pos += 1;
  }
  return "";
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

/// x[1,3,8,8] -> conv(4) -> relu -> softmax(axis 1) -> y
ir::Model small_model() {
  ir::Model m;
  m.graph.set_name("small");
  testing::GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 3, 8, 8});
  Attrs pads;
  pads.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::Value* c =
      b.op(OpKind::kConv, "conv", {x, b.constant("w", randn({4, 3, 3, 3}, 1)), b.constant("b", randn({4}, 2))}, pads);
  ir::Value* r = b.op(OpKind::kRelu, "relu", {c});
  Attrs ax;
  ax.set("axis", int64_t{1});
  b.output(b.op(OpKind::kSoftmax, "softmax", {r}, ax));
  return m;
}

/// Well-formed XML per Python's parser (skipped when python3 is missing).
void expect_well_formed_xml(const std::string& svg) {
  if (std::system("/usr/bin/python3 -c 'import xml.dom.minidom' >/dev/null 2>&1") != 0) return;
  const std::filesystem::path p =
      std::filesystem::temp_directory_path() / ("npukit_viz_" + std::to_string(::getpid()) + ".svg");
  ASSERT_TRUE(atomic_write_file(p.string(), svg).ok());
  const std::string cmd =
      "/usr/bin/python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' '" + p.string() + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "SVG is not well-formed XML";
  std::filesystem::remove(p);
}

TEST(GraphSvg, NodesAreColouredByPlacementWithReasonsInTooltips) {
  ir::Model m = small_model();
  ASSERT_TRUE(interp::resolve(m).ok());
  std::vector<Placement> placement = {{"conv", "Conv", Target::kNpu, ""},
                                      {"softmax", "Softmax", Target::kCpu, "Softmax: float op (not quantized)"}};
  // relu has no placement: drawn neutral.
  auto svg = graph_svg(m.graph, placement);
  ASSERT_TRUE(svg.ok()) << svg.status().to_string();
  ASSERT_EQ(svg->rfind("<?xml", 0), 0u) << svg->substr(0, 200);
  ASSERT_NE(svg->find("</svg>"), std::string::npos);

  const std::string conv = node_block(*svg, "conv"), relu = node_block(*svg, "relu"),
                    softmax = node_block(*svg, "softmax");
  ASSERT_FALSE(conv.empty());
  ASSERT_FALSE(relu.empty());
  ASSERT_FALSE(softmax.empty());
  EXPECT_NE(conv.find(kNpuFill), std::string::npos) << conv;
  EXPECT_NE(conv.find("fill=\"white\">conv</text>"), std::string::npos) << conv;  // white text on dark blue
  EXPECT_NE(conv.find(">Conv<"), std::string::npos) << conv;
  EXPECT_NE(conv.find("1x4x8x8 f32"), std::string::npos) << conv;  // output shape in the label
  EXPECT_NE(softmax.find(kCpuFill), std::string::npos) << softmax;
  EXPECT_NE(softmax.find("runs on: CPU&#10;CPU fallback: Softmax: float op (not quantized)"), std::string::npos)
      << softmax;
  EXPECT_NE(relu.find(kWhiteFill), std::string::npos) << relu;
  EXPECT_NE(relu.find("runs on: not placed"), std::string::npos) << relu;
  EXPECT_EQ(relu.find(kNpuFill), std::string::npos);
  // Graph input and output are drawn as their own shapes (house polygons), with their shapes; edges carry the
  // tensor in their tooltip; the legend counts nodes.
  const std::string in = node_block(*svg, "graph input x"),
                    out = node_block(*svg, "graph output " + m.graph.outputs()[0]->name());
  EXPECT_NE(in.find("<polygon fill=\"#dff0d8\""), std::string::npos) << in;
  EXPECT_NE(in.find("1x3x8x8 f32"), std::string::npos) << in;
  EXPECT_NE(out.find("<polygon fill=\"#fcf0d6\""), std::string::npos) << out;
  EXPECT_EQ(count(*svg, "class=\"edge\""), 4u);  // x->conv->relu->softmax->output; weights are not drawn
  EXPECT_NE(svg->find("xlink:title=\"x (1x3x8x8 f32)\""), std::string::npos);
  EXPECT_NE(svg->find("NPU (1)"), std::string::npos);
  EXPECT_NE(svg->find("CPU (1)"), std::string::npos);
  EXPECT_NE(svg->find("not placed (1)"), std::string::npos);
  EXPECT_EQ(count(*svg, "class=\"node\""), 5u);
  expect_well_formed_xml(*svg);
}

TEST(GraphSvg, HostileNamesAreEscaped) {
  ir::Model m;
  testing::GraphBuilder b(m.graph);
  const std::string evil = "a<b>&amp;\"c\"\\N</text>";
  ir::Value* x = b.input("in<&>\"", DType::kF32, {2, 3});
  ir::Value* r = b.op(OpKind::kRelu, evil, {x});
  ir::Value* s = b.op(OpKind::kSigmoid, std::string("bad\xff\x01utf8\xe2\x82"), {r});
  b.output(s);
  ASSERT_TRUE(interp::resolve(m).ok());
  std::vector<Placement> placement = {{evil, "Relu", Target::kCpu, "reason with <tags> & \"quotes\""}};
  for (GraphFormat f : {GraphFormat::kSvg, GraphFormat::kDot}) {
    GraphSvgOptions o;
    o.format = f;
    o.title = "title <&>";
    auto out = graph_svg(m.graph, placement, o);
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ(out->find(evil), std::string::npos);
    EXPECT_EQ(out->find("<tags>"), std::string::npos);
    EXPECT_EQ(out->find("\xff"), std::string::npos);
    EXPECT_EQ(out->find("\x01"), std::string::npos);
  }
  GraphSvgOptions titled;
  titled.title = "title <&>";
  auto svg = graph_svg(m.graph, placement, titled);
  ASSERT_TRUE(svg.ok());
  // The label text and the tooltip show the name exactly: "&amp;" in a name stays visible as "&amp;".
  const std::string escaped = "a&lt;b&gt;&amp;amp;&quot;c&quot;\\N&lt;/text&gt;";
  const std::string block = node_block(*svg, escaped);
  ASSERT_FALSE(block.empty()) << *svg;
  EXPECT_NE(block.find(">" + escaped + "</text>"), std::string::npos) << block;
  EXPECT_NE(block.find(kCpuFill), std::string::npos);
  EXPECT_NE(block.find("reason with &lt;tags&gt; &amp; &quot;quotes&quot;"), std::string::npos) << block;
  EXPECT_NE(svg->find("bad??utf8??"), std::string::npos);
  EXPECT_NE(svg->find("title &lt;&amp;&gt;"), std::string::npos);
  expect_well_formed_xml(*svg);
}

TEST(GraphSvg, MultiOutputEdgesAreLabelledWithShapes) {
  ir::Model m;
  testing::GraphBuilder b(m.graph);
  ir::Value* x = b.input("x", DType::kF32, {1, 6, 4});
  Attrs a;
  a.set("axis", int64_t{1});
  ir::Node* split = b.node(OpKind::kSplit, "split", {x, b.constant("sizes", testing::i64({2, 4}))}, {"p", "q"}, a);
  ASSERT_NE(split, nullptr);
  b.output(b.op(OpKind::kRelu, "r1", {split->output(0)}));
  b.output(b.op(OpKind::kRelu, "r2", {split->output(1)}));
  ASSERT_TRUE(interp::resolve(m).ok());
  GraphSvgOptions as_dot;
  as_dot.format = GraphFormat::kDot;
  auto dot = render_graph(m.graph, {}, as_dot);
  ASSERT_TRUE(dot.ok());
  EXPECT_NE(dot->find("xlabel=<1x2x4 f32>"), std::string::npos) << *dot;
  EXPECT_NE(dot->find("xlabel=<1x4x4 f32>"), std::string::npos) << *dot;
  EXPECT_EQ(count(*dot, "xlabel="), 2u);  // single-output producers are not labelled by default
  GraphSvgOptions all;
  all.format = GraphFormat::kDot;
  all.edge_shape_labels = true;
  auto dot_all = render_graph(m.graph, {}, all);
  ASSERT_TRUE(dot_all.ok());
  EXPECT_EQ(count(*dot_all, "xlabel="), 5u);  // x->split, 2 split outputs, 2 graph outputs
  auto svg = render_graph(m.graph, {});
  ASSERT_TRUE(svg.ok()) << svg.status().to_string();
  EXPECT_NE(svg->find(">1x2x4 f32</text>"), std::string::npos);
}

TEST(GraphSvg, ProvenanceMarksOriginalNodes) {
  // Hand-made integer graph with origins: A -> two NPU nodes plus two CPU conversions (they do not decide),
  // B -> one NPU and one CPU node, C -> nothing (folded), D -> one CPU node.
  ir::Model f;
  {
    testing::GraphBuilder b(f.graph);
    ir::Value* v = b.input("x", DType::kF32, {4});
    for (const char* n : {"A", "B", "C", "D"}) v = b.op(OpKind::kRelu, n, {v});
    b.output(v);
  }
  ir::Model q;
  std::vector<Placement> placement;
  {
    testing::GraphBuilder b(q.graph);
    ir::Value* v = b.input("x", DType::kF32, {4});
    auto add = [&](OpKind op, const std::string& name, std::vector<std::string> origin, Target t,
                   const std::string& reason) {
      v = b.op(op, name, {v});
      v->producer()->origin() = std::move(origin);
      placement.push_back({name, v->producer()->op_type(), t, reason});
    };
    add(OpKind::kQuantizeLinear, "x/quantize", {"A"}, Target::kCpu, "boundary");
    add(OpKind::kRelu, "A/1", {"A"}, Target::kNpu, "");
    add(OpKind::kRelu, "A/2", {"A"}, Target::kNpu, "");
    add(OpKind::kDequantizeLinear, "A/dequantize", {"A"}, Target::kCpu, "conversion before a float op");
    add(OpKind::kRelu, "B/1", {"B"}, Target::kNpu, "");
    add(OpKind::kRelu, "B/2", {"B", "C2"}, Target::kCpu, "QRelu: too wide");
    add(OpKind::kRelu, "D/1", {"D"}, Target::kCpu, "Relu: float op (not quantized)");
    b.output(v);
  }
  const NodeMarks marks = marks_from_provenance(f.graph, q.graph, placement);
  ASSERT_EQ(marks.size(), 4u);
  EXPECT_EQ(marks.at("A").kind, NodeKind::kNpu) << marks.at("A").note;
  EXPECT_NE(marks.at("A").note.find("A/1"), std::string::npos);
  EXPECT_NE(marks.at("A").note.find("float/integer conversion x/quantize (QuantizeLinear) on the CPU"),
            std::string::npos)
      << marks.at("A").note;
  EXPECT_NE(marks.at("A").note.find("float/integer conversion A/dequantize (DequantizeLinear) on the CPU"),
            std::string::npos)
      << marks.at("A").note;
  EXPECT_EQ(marks.at("B").kind, NodeKind::kCpu);
  EXPECT_NE(marks.at("B").note.find("1 of 2 compiled node(s) on the CPU"), std::string::npos) << marks.at("B").note;
  EXPECT_NE(marks.at("B").note.find("B/2 (Relu): QRelu: too wide"), std::string::npos) << marks.at("B").note;
  EXPECT_EQ(marks.at("C").kind, NodeKind::kFolded);
  EXPECT_EQ(marks.at("D").kind, NodeKind::kCpu);
  EXPECT_NE(marks.at("D").note.find("Relu: float op (not quantized)"), std::string::npos);

  auto svg = render_graph(f.graph, marks);
  ASSERT_TRUE(svg.ok()) << svg.status().to_string();
  EXPECT_NE(node_block(*svg, "A").find(kNpuFill), std::string::npos);
  EXPECT_NE(node_block(*svg, "B").find(kCpuFill), std::string::npos);
  const std::string c = node_block(*svg, "C");
  EXPECT_NE(c.find(kFoldedFill), std::string::npos) << c;
  EXPECT_NE(c.find("stroke-dasharray"), std::string::npos) << c;
  EXPECT_NE(svg->find("folded (1)"), std::string::npos);
}

TEST(GraphSvg, ProvenanceOfAQuantizedModel) {
  // The real chain: float model -> integer graph (origins kept by the quantizer and the lowering) -> placement
  // for the tiny march. Conv and Relu run on the NPU, the float Softmax on the CPU with the placement's reason.
  ir::Model fm = small_model();
  auto copy = ir::clone_model(fm);
  ASSERT_TRUE(copy.ok());
  auto im = testing::quantize_to_integer(std::move(copy).value());
  ASSERT_TRUE(im.ok()) << im.status().to_string();
  auto march = march::load_march("tiny");
  ASSERT_TRUE(march.ok()) << march.status().to_string();
  const std::vector<Placement> placement = npu::place_nodes(im->graph, *march);
  ASSERT_TRUE(interp::resolve(fm).ok());
  const NodeMarks marks = marks_from_provenance(fm.graph, im->graph, placement);
  ASSERT_TRUE(marks.count("conv") && marks.count("relu") && marks.count("softmax"));
  EXPECT_EQ(marks.at("conv").kind, NodeKind::kNpu) << marks.at("conv").note;
  EXPECT_EQ(marks.at("softmax").kind, NodeKind::kCpu) << marks.at("softmax").note;
  std::string softmax_reason;
  for (const Placement& p : placement)
    if (p.op == "Softmax") softmax_reason = p.reason;
  ASSERT_FALSE(softmax_reason.empty());
  EXPECT_NE(marks.at("softmax").note.find(softmax_reason), std::string::npos) << marks.at("softmax").note;
  // Relu fuses into the convolution: it is on the NPU or folded away, never on the CPU.
  EXPECT_NE(marks.at("relu").kind, NodeKind::kCpu);
  // The integer graph itself draws with every node placed.
  auto svg = graph_svg(im->graph, placement);
  ASSERT_TRUE(svg.ok()) << svg.status().to_string();
  EXPECT_EQ(svg->find("not placed ("), std::string::npos);
}

TEST(GraphSvg, LargeGraphRenders) {
  // 1500 nodes: a chain with a residual Add every third node (long edges, as real backbones have).
  ir::Model m;
  testing::GraphBuilder b(m.graph);
  ir::Value* v = b.input("x", DType::kF32, {1, 8, 4, 4});
  ir::Value* skip = v;
  std::vector<Placement> placement;
  for (int i = 0; i < 1500; ++i) {
    const std::string name = "node_" + std::to_string(i);
    if (i % 3 == 2) {
      v = b.op(OpKind::kAdd, name, {v, skip});
      skip = v;
    } else {
      v = b.op(OpKind::kRelu, name, {v});
    }
    placement.push_back({name, "", i % 50 == 49 ? Target::kCpu : Target::kNpu, i % 50 == 49 ? "test" : ""});
  }
  b.output(v);
  ASSERT_TRUE(interp::resolve(m).ok());
  auto svg = graph_svg(m.graph, placement);
  ASSERT_TRUE(svg.ok()) << svg.status().to_string();
  EXPECT_EQ(count(*svg, "class=\"node\""), 1502u);
  EXPECT_EQ(count(*svg, kNpuFill), 1470u + 1u);  // + the legend cell
  EXPECT_NE(svg->find("CPU (30)"), std::string::npos);
  GraphSvgOptions small;
  small.max_nodes = 1000;
  auto refused = graph_svg(m.graph, placement, small);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kOutOfRange);
}

TEST(GraphSvg, EmptyGraphRenders) {
  ir::Model m;
  auto svg = graph_svg(m.graph, {});
  ASSERT_TRUE(svg.ok()) << svg.status().to_string();
  EXPECT_NE(svg->find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace npukit::viz
