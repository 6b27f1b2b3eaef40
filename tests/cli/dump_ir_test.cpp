// SPDX-License-Identifier: Apache-2.0
// `npukit exec model_info --dump_ir FILE` writes the resolved textual IR.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

TEST(DumpIr, WritesResolvedCanonicalIr) {
  std::string model = std::string(NPUKIT_SHARED_DIR) + "/models/mnist-8/model.onnx";
  if (!std::filesystem::exists(model)) GTEST_SKIP() << model << " not found: shared model data absent";
  auto dir = std::filesystem::temp_directory_path() / ("npukit_dump_ir_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string out = (dir / "mnist.ir.txt").string();
  std::string cmd = "cd " + dir.string() + " && " + NPUKIT_CLI_PATH + " exec model_info --model_file " + model +
                    " --dump_ir " + out + " > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string ir = ss.str();
  EXPECT_EQ(ir.rfind("model opset=8", 0), 0u) << ir.substr(0, 80);
  // Static shapes, filled defaults and provenance are all visible.
  EXPECT_NE(ir.find("%Pooling160_Output_0 : f32[1,16,4,4] = MaxPool(%ReLU114_Output_0) {auto_pad=\"NOTSET\", "
                    "ceil_mode=0, kernel_shape=[3,3]"),
            std::string::npos);
  EXPECT_NE(ir.find("origin=[\"Times212\"]"), std::string::npos);
  EXPECT_NE(ir.find("output %Plus214_Output_0 : f32[1,10]"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
