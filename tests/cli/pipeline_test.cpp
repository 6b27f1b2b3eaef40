// SPDX-License-Identifier: Apache-2.0
// pipeline: shape parsing, input files by extension, load_model on a generated model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/file_util.h"
#include "io/npy.h"
#include "pipeline/load.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;

TEST(PipelineParseShape, AcceptsAndRejects) {
  EXPECT_EQ(pipeline::parse_shape("1x3x224x224").value(), (Shape{1, 3, 224, 224}));
  EXPECT_EQ(pipeline::parse_shape("2,5").value(), (Shape{2, 5}));
  EXPECT_EQ(pipeline::parse_shape("7").value(), (Shape{7}));
  EXPECT_EQ(pipeline::parse_shape("").value(), Shape{});
  EXPECT_EQ(pipeline::parse_shape("scalar").value(), Shape{});
  for (const char* bad : {"1x", "x1", "1xx2", "-1x3", "1x3.5", "a", "1 x 2", "99999999999999x1"})
    EXPECT_EQ(pipeline::parse_shape(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  // Within the per-dim digit limit but too many elements in total.
  EXPECT_EQ(pipeline::parse_shape("999999999x999999999").status().code(), ErrorCode::kOutOfRange);
}

class PipelineFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("npukit_pipeline_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PipelineFiles, ReadsByExtension) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3});
  const std::string npy = (dir_ / "x.NPY").string();
  ASSERT_TRUE(io::save_npy(npy, x).ok());
  auto t = pipeline::read_input_file(npy);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_TRUE(t->bit_equal(x));
  ASSERT_TRUE(atomic_write_file((dir_ / "x.csv").string(), "1,2,3").ok());
  auto bad = pipeline::read_input_file((dir_ / "x.csv").string());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("unknown extension"), std::string::npos);
  EXPECT_EQ(pipeline::read_input_file((dir_ / "missing.npy").string()).status().code(), ErrorCode::kNotFound);
}

TEST_F(PipelineFiles, ImageTakesSizeAndLayoutFromTheModelInput) {
  const std::string img = std::string(NPUKIT_SHARED_DIR) + "/images/kitten_224.png";
  if (!fs::exists(img)) GTEST_SKIP() << img << " not found: shared data absent, skipping";
  ir::Graph g;
  ir::Value* nhwc = g.add_value("in").value();
  nhwc->set_type(DType::kF32, {1, 32, 48, 3});
  auto t = pipeline::read_input_file(img, {}, nhwc);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->shape(), (Shape{1, 32, 48, 3}));
  ir::Value* gray = g.add_value("gray").value();
  gray->set_type(DType::kF32, {1, 1, 28, 28});
  auto u = pipeline::read_input_file(img, {}, gray);
  ASSERT_TRUE(u.ok()) << u.status().to_string();
  EXPECT_EQ(u->shape(), (Shape{1, 1, 28, 28}));
}

TEST_F(PipelineFiles, LoadModelResolvesOrExplainsDynamicDims) {
  if (std::system("/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with onnx not available";
  const std::string script = R"(
import onnx
from onnx import helper, TensorProto
x = helper.make_tensor_value_info('x', TensorProto.FLOAT, ['B', 4])
y = helper.make_tensor_value_info('y', TensorProto.FLOAT, ['B', 4])
g = helper.make_graph([helper.make_node('Relu', ['x'], ['y'], name='r')], 'g', [x], [y])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), 'm.onnx')
)";
  ASSERT_TRUE(atomic_write_file((dir_ / "gen.py").string(), script).ok());
  ASSERT_EQ(std::system(("cd '" + dir_.string() + "' && /usr/bin/python3 gen.py").c_str()), 0);
  const std::string path = (dir_ / "m.onnx").string();
  auto dyn = pipeline::load_model(path);
  EXPECT_EQ(dyn.status().code(), ErrorCode::kShapeMismatch);
  EXPECT_NE(dyn.status().message().find("input 'x' dim 0 ('B') is dynamic"), std::string::npos);
  pipeline::LoadOptions lo;
  lo.resolve = false;
  auto raw = pipeline::load_model(path, lo);
  ASSERT_TRUE(raw.ok()) << raw.status().to_string();
  lo.resolve = true;
  lo.input_shapes["x"] = {3, 4};
  auto m = pipeline::load_model(path, lo);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->graph.outputs()[0]->shape(), (Shape{3, 4}));
}

}  // namespace
}  // namespace npukit
