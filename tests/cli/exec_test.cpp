// SPDX-License-Identifier: Apache-2.0
// CLI tests: run the built `npukit` binary in a temp dir on small models and on mnist-8.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file_util.h"
#include "frontend/onnx_import.h"
#include "io/npy.h"
#include "util/cli_fixture.h"
#include "util/compare.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;

using testing::CmdResult;
using testing::python_onnx_available;
using testing::slurp;

class CliTest : public testing::CliTest {
 protected:
  // add.onnx: y = Relu(a + b), a and b f32 [N,3] with a named dynamic batch; output named "out/y:0".
  void make_add_model() {
    python(R"(
import numpy as np, onnx
from onnx import helper, TensorProto
a = helper.make_tensor_value_info('a', TensorProto.FLOAT, ['N', 3])
b = helper.make_tensor_value_info('b', TensorProto.FLOAT, ['N', 3])
y = helper.make_tensor_value_info('out/y:0', TensorProto.FLOAT, ['N', 3])
g = helper.make_graph([helper.make_node('Add', ['a', 'b'], ['s'], name='add'),
                       helper.make_node('Relu', ['s'], ['out/y:0'], name='relu')], 'tiny', [a, b], [y])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], producer_name='npukit-test')
onnx.save(m, 'add.onnx')
np.save('a.npy', np.array([[1, -2, 3], [-4, 5, -6]], np.float32))
np.save('b.npy', np.array([[1, 1, -4], [1, 1, 1]], np.float32))
np.save('wide.npy', np.zeros((2, 4), np.float32))
)");
  }
};

TEST_F(CliTest, ModelInfoTextAndJson) {
  if (!python_onnx_available()) GTEST_SKIP() << "/usr/bin/python3 with onnx not available";
  make_add_model();
  CmdResult r = npukit("exec model_info --model_file add.onnx");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("a  f32 [N,3]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("producer:  npukit-test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("opset:     13"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  Add  1\n  Relu  1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MACs:      unavailable: ShapeMismatch: input 'a' dim 0 ('N') is dynamic"), std::string::npos)
      << r.out;

  r = npukit("exec model_info --model_file add.onnx --input-shape a 2x3 --input-shape b 2x3 --json");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["opset"], 13);
  EXPECT_EQ(j["macs"], 0);
  EXPECT_EQ(j["num_nodes"], 2);
  EXPECT_EQ(j["op_counts"]["Add"], 1);
  EXPECT_EQ(j["inputs"][0]["name"], "a");
  EXPECT_EQ(j["inputs"][0]["shape"][0], "N");
  EXPECT_EQ(j["inputs"][0]["shape"][1], 3);
  EXPECT_EQ(j["outputs"][0]["name"], "out/y:0");
  EXPECT_EQ(j["parameters"]["count"], 0);

  r = npukit("exec model_info --model_file add.onnx --input-shape nope 2x3");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("npukit: error: InvalidArgument: --input-shape: 'nope' is not a graph input"), std::string::npos)
      << r.err;
}

TEST_F(CliTest, InferWritesSanitisedNpyAndTxt) {
  if (!python_onnx_available()) GTEST_SKIP() << "/usr/bin/python3 with onnx not available";
  make_add_model();
  CmdResult r = npukit(
      "exec infer --model_file add.onnx --input_file a.npy,b.npy --output_dir outdir --input-shape a 2x3 "
      "--input-shape b 2x3 --output_txt");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("output 'out/y:0': f32[2,3]"), std::string::npos) << r.out;
  auto y = io::load_npy((dir_ / "outdir" / "out_y_0.npy").string());
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_EQ(y->shape(), (Shape{2, 3}));
  EXPECT_EQ(y->to_float_vector(), (std::vector<float>{2, 0, 0, 0, 6, 0}));  // relu(a + b), exact
  const std::string txt = slurp(dir_ / "outdir" / "out_y_0.txt");
  EXPECT_EQ(txt, "# f32 [2,3]\n2\n0\n0\n0\n6\n0\n");
  // Every run appends to ./npukit.log.
  const std::string log1 = slurp(dir_ / "npukit.log");
  EXPECT_NE(log1.find("exec infer"), std::string::npos);
  npukit("exec model_info --model_file add.onnx");
  EXPECT_GT(slurp(dir_ / "npukit.log").size(), log1.size());
}

TEST_F(CliTest, InferBadInputsFailWithClearErrors) {
  if (!python_onnx_available()) GTEST_SKIP() << "/usr/bin/python3 with onnx not available";
  make_add_model();
  const std::string shapes = " --input-shape a 2x3 --input-shape b 2x3";
  CmdResult r = npukit("exec infer --model_file add.onnx --input_file a.npy --output_dir o" + shapes);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("npukit: error: InvalidArgument: model has 2 input(s)"), std::string::npos) << r.err;

  r = npukit("exec infer --model_file add.onnx --input_file a.npy,missing.npy --output_dir o" + shapes);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("npukit: error: NotFound: input 'b'"), std::string::npos) << r.err;

  r = npukit("exec infer --model_file add.onnx --input_file a.npy,wide.npy --output_dir o" + shapes);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("npukit: error: ShapeMismatch: input 'b': expected f32[2,3], got f32[2,4]"), std::string::npos)
      << r.err;

  r = npukit("exec infer --model_file add.onnx --input_file a.npy,b.npy --output_dir o");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("dim 0 ('N') is dynamic; give its size with --input-shape a 1x3"), std::string::npos) << r.err;

  r = npukit("exec infer --model_file add.onnx --input_file a.npy,b.npy --output_dir o --input-shape a 2x3x1" +
             std::string(" --input-shape b 2x3"));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("ShapeMismatch: add.onnx: --input-shape: input 'a' has rank 2 (declared [N,3]), got rank 3"),
            std::string::npos)
      << r.err;

  r = npukit("exec infer --model_file missing.onnx --input_file a.npy --output_dir o");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("npukit: error: NotFound"), std::string::npos) << r.err;

  ASSERT_TRUE(atomic_write_file((dir_ / "garbage.onnx").string(), "\x08\x01garbage").ok());
  r = npukit("exec infer --model_file garbage.onnx --input_file a.npy --output_dir o");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("npukit: error: "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "o")) << "no output folder on failure";
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(npukit("").rc, 2);
  EXPECT_EQ(npukit("exec").rc, 2);
  EXPECT_EQ(npukit("exec infer --input_file a.npy --output_dir o").rc, 2);  // --model_file missing
  EXPECT_EQ(npukit("nosuchcommand").rc, 2);
  EXPECT_EQ(npukit("exec model_info --model_file m.onnx --input-shape a").rc, 2);  // NAME without SHAPE
  EXPECT_EQ(npukit("--log-level loud exec model_info --model_file m.onnx").rc, 2);
  // Global flags are accepted after the subcommand too.
  EXPECT_EQ(npukit("exec model_info --model_file m.onnx --log-level loud").rc, 2);
  CmdResult help = npukit("exec infer --help");
  EXPECT_EQ(help.rc, 0);
  EXPECT_NE(help.out.find("--output_dir"), std::string::npos);
}

TEST_F(CliTest, Mnist8MatchesReferenceOutput) {
  const fs::path m = fs::path(NPUKIT_SHARED_DIR) / "models" / "mnist-8";
  if (!fs::exists(m / "model.onnx")) GTEST_SKIP() << m << " not found: shared model data absent, skipping";
  CmdResult r = npukit("exec infer --model_file '" + (m / "model.onnx").string() + "' --input_file '" +
                       (m / "test_data_set_0" / "input_0.pb").string() + "' --output_dir out");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto got = io::load_npy((dir_ / "out" / "Plus214_Output_0.npy").string());
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  auto want = frontend::load_tensor_pb((m / "test_data_set_0" / "output_0.pb").string());
  ASSERT_TRUE(want.ok()) << want.status().to_string();
  // Logits are O(1e3) sums of ~800 products; f32 summation order differs from the producer's runtime,
  // so allow 1e-5 relative plus 1e-3 absolute.
  EXPECT_EQ(testing::compare_tensors(*got, want->reshaped(got->shape()), 1e-5, 1e-3), "");

  r = npukit("exec model_info --model_file '" + (m / "model.onnx").string() + "' --json");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  // conv1 8x28x28 outputs x 25 + conv2 16x14x14 x 200 + matmul 10 x 256.
  EXPECT_EQ(j["macs"], 156800 + 627200 + 2560);
  EXPECT_EQ(j["op_counts"]["Conv"], 2);

  // An image input is converted to the model's [1,1,28,28] gray layout automatically.
  const fs::path img = fs::path(NPUKIT_SHARED_DIR) / "images" / "camera.png";
  if (fs::exists(img)) {
    r = npukit("exec infer --model_file '" + (m / "model.onnx").string() + "' --input_file '" + img.string() +
               "' --output_dir img_out --scale 0.00392157");
    ASSERT_EQ(r.rc, 0) << r.err;
    auto y = io::load_npy((dir_ / "img_out" / "Plus214_Output_0.npy").string());
    ASSERT_TRUE(y.ok());
    EXPECT_EQ(y->shape(), (Shape{1, 10}));
  }
}

}  // namespace
}  // namespace npukit
