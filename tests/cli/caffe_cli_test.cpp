// SPDX-License-Identifier: Apache-2.0
// CLI with Caffe models: `exec model_info` and `exec infer` with --proto.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "frontend/caffe.pb.h"
#include "io/npy.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// x[1,3] → InnerProduct(2) → ReLU (in place) → "fc"
const char* kProto = R"(
name: "clinet"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 } } }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 2 } }
layer { name: "relu" type: "ReLU" bottom: "fc" top: "fc" }
)";

class CaffeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("npukit_caffe_cli_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "net.prototxt") << kProto;
    caffe::NetParameter w;
    auto* l = w.add_layer();
    l->set_name("fc");
    auto* wt = l->add_blobs();
    wt->mutable_shape()->add_dim(2);
    wt->mutable_shape()->add_dim(3);
    for (float f : {1.f, 2.f, 3.f, -1.f, -1.f, -1.f}) wt->add_data(f);
    auto* b = l->add_blobs();
    b->mutable_shape()->add_dim(2);
    b->add_data(0.5f);
    b->add_data(0.f);
    std::ofstream(dir_ / "net.caffemodel", std::ios::binary) << w.SerializeAsString();
  }
  void TearDown() override { fs::remove_all(dir_); }

  int npukit(const std::string& args, std::string* out = nullptr, std::string* err = nullptr) {
    const std::string cmd =
        "cd '" + dir_.string() + "' && '" + std::string(NPUKIT_CLI_PATH) + "' " + args + " >stdout.txt 2>stderr.txt";
    int st = std::system(cmd.c_str());
    if (out) *out = slurp(dir_ / "stdout.txt");
    if (err) *err = slurp(dir_ / "stderr.txt");
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

  fs::path dir_;
};

TEST_F(CaffeCliTest, ModelInfoJson) {
  std::string out, err;
  ASSERT_EQ(npukit("exec model_info --model_file net.caffemodel --proto net.prototxt --json", &out, &err), 0) << err;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["graph_name"], "clinet");
  EXPECT_EQ(j["producer_name"], "caffe");
  EXPECT_EQ(j["inputs"][0]["name"], "data");
  EXPECT_EQ(j["outputs"][0]["name"], "fc");
  EXPECT_EQ(j["op_counts"]["Gemm"], 1);
  EXPECT_EQ(j["op_counts"]["Relu"], 1);
  EXPECT_EQ(j["parameters"]["count"], 8);
  EXPECT_EQ(j["macs"], 6);
}

TEST_F(CaffeCliTest, InferWritesOutput) {
  ASSERT_TRUE(io::save_npy((dir_ / "x.npy").string(), Tensor::from_vector<float>({1.f, 1.f, 2.f}, {1, 3})).ok());
  std::string out, err;
  ASSERT_EQ(npukit("exec infer --model_file net.caffemodel --proto net.prototxt --input_file x.npy --output_dir o",
                   &out, &err),
            0)
      << err;
  auto y = io::load_npy((dir_ / "o" / "fc.npy").string());
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  ASSERT_EQ(y->shape(), (Shape{1, 2}));
  // fc = [1+2+6+0.5, -4] → relu → [9.5, 0]
  EXPECT_FLOAT_EQ(y->data<float>()[0], 9.5f);
  EXPECT_FLOAT_EQ(y->data<float>()[1], 0.f);
}

TEST_F(CaffeCliTest, MissingProtoIsAnError) {
  std::string out, err;
  EXPECT_NE(npukit("exec model_info --model_file net.caffemodel", &out, &err), 0);
  EXPECT_NE(err.find("needs its prototxt"), std::string::npos) << err;
  EXPECT_NE(npukit("exec model_info --model_file net.prototxt", &out, &err), 0);
  EXPECT_NE(err.find("give the .caffemodel"), std::string::npos) << err;
}

}  // namespace
}  // namespace npukit
