// SPDX-License-Identifier: Apache-2.0
// Caffe import of hostile input (every error code, named layer and file line; corrupted files never crash)
// and the file entry points (import_caffe, pipeline::load_model dispatch on the extension).
#include <fstream>

#include "frontend/onnx_builder.h"
#include "pipeline/load.h"

#include "frontend/caffe_test_util.h"

namespace npukit::frontend::caffe_test {
namespace {

// ---------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------

const char* kFcNet = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 4 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 } }
)";

Weights fc_weights() {
  Weights w;
  w.add("fc", {2, 4});
  w.add("fc", {2});
  return w;
}

void expect_error(const Expected<ir::Model>& m, ErrorCode code, const std::string& part) {
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), code) << m.status().to_string();
  EXPECT_THAT(m.status().message(), HasSubstr(part));
}

TEST(CaffeImportErrors, BaselineLoads) {
  ASSERT_TRUE(import(kFcNet, fc_weights()).ok());
}

TEST(CaffeImportErrors, TruncatedAndGarbageCaffemodel) {
  const std::string bytes = fc_weights().bytes();
  expect_error(parse_caffe(kFcNet, "net.prototxt", bytes.substr(0, bytes.size() - 5), "net.caffemodel"),
               ErrorCode::kInvalidModel, "net.caffemodel: not a valid caffemodel (truncated or corrupt");
  expect_error(parse_caffe(kFcNet, "net.prototxt", std::string("\xff\xff\xff\xff\x0f junk", 10), "net.caffemodel"),
               ErrorCode::kInvalidModel, "not a valid caffemodel");
}

TEST(CaffeImportErrors, PrototxtSyntaxErrorHasLineNumber) {
  const std::string bad =
      "layer {\n  name: \"in\"\n  type: \"Input\" top: \"x\"\n  input_param { shape { dim: 1 dim: }\n}\n";
  auto m = parse_caffe(bad, "net.prototxt", "", "net.caffemodel");
  expect_error(m, ErrorCode::kInvalidModel, "net.prototxt:4:");
  expect_error(parse_caffe("layer { name: \"a\" ", "net.prototxt", "", "m"), ErrorCode::kInvalidModel,
               "net.prototxt:1:");
}

TEST(CaffeImportErrors, UnknownFields) {
  // Unknown fields at layer / net level (training parameters, fork additions) are skipped...
  const std::string ok = R"(
some_net_option: 3
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 4 } }
        transform_param { mirror: true crop_size: 227 mean_value: 104 } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 }
        param { lr_mult: 1 decay_mult: 1 } loss_param { normalize: false } }
)";
  EXPECT_TRUE(import(ok, fc_weights()).ok());
  // ...but not inside the parameters of a translated layer, where they could change the result.
  const std::string fused = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 4 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y"
        inner_product_param { num_output: 2 fused_relu: true } }
)";
  expect_error(import(fused, fc_weights()), ErrorCode::kInvalidModel,
               "net.prototxt:4:55: Message type \"caffe.InnerProductParameter\" has no field named \"fused_relu\"");
}

TEST(CaffeImportErrors, MissingWrongCountAndWrongShapeBlobs) {
  expect_error(import(kFcNet, Weights{}), ErrorCode::kInvalidModel,
               "layer 'fc' (InnerProduct): has no weights in net.caffemodel (no layer of that name)");
  Weights one;
  one.add("fc", {2, 4});
  expect_error(import(kFcNet, one), ErrorCode::kInvalidModel,
               "layer 'fc' (InnerProduct): net.caffemodel gives 1 blob(s), expected 2");
  Weights shape;
  shape.add("fc", {4, 2});
  shape.add("fc", {2});
  expect_error(import(kFcNet, shape), ErrorCode::kShapeMismatch,
               "layer 'fc' (InnerProduct): blob 0 (weights) has shape [4,2], expected [2,4]");
  Weights data;
  data.add("fc", {2, 4}, {1.f, 2.f, 3.f});  // 3 values for 8 elements
  data.add("fc", {2});
  expect_error(import(kFcNet, data), ErrorCode::kInvalidModel, "blob 0: has 3 values but its shape [2,4] needs 8");
  Weights neg;
  neg.add("fc", {2, 4});
  neg.add("fc", {2});
  neg.net.mutable_layer(0)->mutable_blobs(1)->mutable_shape()->set_dim(0, -2);
  expect_error(import(kFcNet, neg), ErrorCode::kInvalidModel, "negative dim -2");
}

TEST(CaffeImportErrors, UnknownAndForkLayerTypesNameTheLayer) {
  const std::string up = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 1 dim: 2 dim: 2 } } }
layer { name: "up1" type: "Upsample" bottom: "x" top: "y" }
)";
  expect_error(import(up, Weights{}), ErrorCode::kUnsupportedOp,
               "layer 'up1' has type 'Upsample': not a Caffe 1.0 layer");
  std::string foo = up;
  foo.replace(foo.find("Upsample"), 8, "FooBar");
  expect_error(import(foo, Weights{}), ErrorCode::kUnsupportedOp, "layer 'up1' has unknown type 'FooBar' (supported:");
  std::string data = up;
  data.replace(data.find("Upsample"), 8, "Data");
  expect_error(import(data, Weights{}), ErrorCode::kUnsupportedOp, "use a deploy prototxt with an Input layer");
}

TEST(CaffeImportErrors, DanglingBottomAndNoInputShape) {
  expect_error(import(R"(layer { name: "r" type: "ReLU" bottom: "nope" top: "y" })", Weights{}),
               ErrorCode::kInvalidModel,
               "layer 'r' (ReLU): bottom 'nope' is not produced by any earlier layer or input");
  expect_error(import(R"(layer { name: "in" type: "Input" top: "x" })", Weights{}), ErrorCode::kInvalidModel,
               "input_param has no shape");
  expect_error(import("input: \"a\"\ninput_dim: 1\ninput_dim: 2\n", Weights{}), ErrorCode::kInvalidModel,
               "legacy inputs need 4");
}

TEST(CaffeImportErrors, LegacyV1Prototxt) {
  const std::string v1 = R"(
name: "old"
input: "data"
input_dim: 1 input_dim: 3 input_dim: 4 input_dim: 4
layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1" convolution_param { num_output: 2 kernel_size: 3 } }
)";
  expect_error(import(v1, Weights{}), ErrorCode::kInvalidModel, "upgrade_net_proto_text");
}

TEST(CaffeImportErrors, UnsupportedParameterValues) {
  const std::string bn = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 } } }
layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x" batch_norm_param { use_global_stats: false } }
)";
  expect_error(import(bn, Weights{}), ErrorCode::kUnsupportedAttr, "layer 'bn' (BatchNorm): use_global_stats: false");
  const std::string sto = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 1 dim: 4 dim: 4 } } }
layer { name: "p" type: "Pooling" bottom: "x" top: "y" pooling_param { pool: STOCHASTIC kernel_size: 2 stride: 2 } }
)";
  expect_error(import(sto, Weights{}), ErrorCode::kUnsupportedAttr, "layer 'p' (Pooling): pool: STOCHASTIC");
  const std::string lrn = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 4 dim: 2 dim: 2 } } }
layer { name: "n" type: "LRN" bottom: "x" top: "y" lrn_param { local_size: 4 } }
)";
  expect_error(import(lrn, Weights{}), ErrorCode::kInvalidModel, "local_size 4 must be odd");
}

TEST(CaffeImportErrors, ShapeMismatches) {
  const std::string elt = R"(
layer { name: "in" type: "Input" top: "a" top: "b" input_param { shape { dim: 1 dim: 2 } shape { dim: 1 dim: 3 } } }
layer { name: "e" type: "Eltwise" bottom: "a" bottom: "b" top: "y" }
)";
  expect_error(import(elt, Weights{}), ErrorCode::kShapeMismatch, "layer 'e' (Eltwise): bottom 1 shape [1,3] differs");
  const std::string conv = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 3 dim: 4 dim: 4 } } }
layer { name: "c" type: "Convolution" bottom: "x" top: "y" convolution_param { num_output: 2 kernel_size: 3 group: 2 } }
)";
  expect_error(import(conv, Weights{}), ErrorCode::kInvalidModel, "group 2 must divide the input channels 3");
  const std::string resh = R"(
layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "r" type: "Reshape" bottom: "x" top: "y" reshape_param { shape { dim: 4 dim: 2 } } }
)";
  expect_error(import(resh, Weights{}), ErrorCode::kShapeMismatch, "layer 'r' (Reshape): cannot reshape input [2,3]");
}

TEST(CaffeImportErrors, CorruptedFilesNeverCrash) {
  // Every truncation of a prototxt and byte corruptions of a caffemodel must give a model or an error
  // (never a crash, hang or unbounded allocation). Shapes stay small, so a corrupted dim that is accepted
  // can only shrink or mismatch a blob, which the checks report.
  Weights w;
  w.add("conv1", {4, 2, 3, 3});
  w.add("bn1", {4});
  w.add("bn1", {4}, {0.5f, 1.f, 1.5f, 2.f});
  w.add("bn1", {1}, {1.f});
  w.add("scale1", {4});
  w.add("scale1", {4});
  w.add("fc", {3, 36});
  w.add("fc", {3});
  const std::string text = kSmallNet, bytes = w.bytes();
  int ok = 0, failed = 0;
  for (size_t n = 0; n < text.size(); n += 3) {
    auto m = parse_caffe(text.substr(0, n), "t.prototxt", bytes, "m.caffemodel");
    m.ok() ? ++ok : ++failed;
  }
  uint32_t seed = 99;
  for (int i = 0; i < 300; ++i) {
    std::string b = bytes;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1664525u + 1013904223u;
      b[(seed >> 8) % b.size()] = static_cast<char>(seed >> 24);
    }
    auto m = parse_caffe(text, "t.prototxt", b, "m.caffemodel");
    if (!m.ok()) {
      const ErrorCode c = m.status().code();
      EXPECT_TRUE(c == ErrorCode::kInvalidModel || c == ErrorCode::kShapeMismatch || c == ErrorCode::kOutOfRange)
          << m.status().to_string();
    }
    m.ok() ? ++ok : ++failed;
  }
  EXPECT_GT(failed, 100);
}

// ---------------------------------------------------------------------------------------------
// Files and pipeline::load_model dispatch
// ---------------------------------------------------------------------------------------------

TEST(CaffeImportFiles, LoadModelDispatchesOnExtension) {
  testing::TempDir tmp;
  const std::string proto = tmp.file("m.prototxt"), model = tmp.file("m.caffemodel");
  {
    std::ofstream(proto) << kFcNet;
    std::ofstream f(model, std::ios::binary);
    f << fc_weights().bytes();
  }
  pipeline::LoadOptions lo;
  lo.caffe_prototxt = proto;
  auto m = pipeline::load_model(model, lo);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->graph.outputs()[0]->name(), "y");
  EXPECT_EQ(m->graph.outputs()[0]->shape(), (Shape{1, 2}));

  auto no_proto = pipeline::load_model(model);
  ASSERT_FALSE(no_proto.ok());
  EXPECT_EQ(no_proto.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(no_proto.status().message(), HasSubstr("needs its prototxt"));

  auto proto_only = pipeline::load_model(proto);
  ASSERT_FALSE(proto_only.ok());
  EXPECT_EQ(proto_only.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(proto_only.status().message(), HasSubstr("give the .caffemodel (weights)"));

  auto missing = import_caffe(tmp.file("nope.prototxt"), model);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);

  // --input-shape style overrides still work for the batch dim.
  lo.input_shapes["x"] = {3, 4};
  auto m3 = pipeline::load_model(model, lo);
  ASSERT_TRUE(m3.ok()) << m3.status().to_string();
  EXPECT_EQ(m3->graph.outputs()[0]->shape(), (Shape{3, 2}));
}

}  // namespace
}  // namespace npukit::frontend::caffe_test
