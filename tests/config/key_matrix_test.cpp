// SPDX-License-Identifier: Apache-2.0
// The key matrix: for every documented key, one valid value that must be accepted and be visible in the
// parsed struct, and one invalid value that must be rejected with its specific message.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "config/compile_config.h"
#include "config_test_util.h"

namespace npukit::config {
namespace {

using testing::Cfg;
using testing::FailsWith;

struct Row {
  std::string group, key;
  std::vector<std::tuple<std::string, std::string, std::string>> context;  // (group, key, raw) set for both cases
  std::vector<std::pair<std::string, std::string>> erase;                  // (group, key) removed for both cases
  std::string valid;
  std::function<void(const CompileConfig&)> check;
  std::string invalid;
  std::string message;  // expected substring ("model.yaml: group.key: ..." is prefixed automatically)
};

using C = const CompileConfig&;
const std::string M = "model_parameters", I = "input_parameters", K = "calibration_parameters",
                  X = "compiler_parameters";

std::vector<Row> rows() {
  std::vector<Row> r;
  // ---- model_parameters
  r.push_back({M,
               "onnx_model",
               {},
               {},
               "'sub/m.onnx'",
               [](C c) { EXPECT_EQ(c.model_parameters.onnx_model, "/cfg/sub/m.onnx"); },
               "''",
               "must be a model path, got an empty string"});
  r.push_back({M,
               "caffe_model",
               {{M, "prototxt", "'a.prototxt'"}},
               {{M, "onnx_model"}},
               "'a.caffemodel'",
               [](C c) {
                 EXPECT_EQ(c.model_parameters.caffe_model, "/cfg/a.caffemodel");
                 EXPECT_FALSE(c.model_parameters.onnx_model.has_value());
               },
               "[a, b]",
               "expected a single value, got a list"});
  r.push_back({M,
               "prototxt",
               {{M, "caffe_model", "'a.caffemodel'"}},
               {{M, "onnx_model"}},
               "'/abs/a.prototxt'",
               [](C c) { EXPECT_EQ(c.model_parameters.prototxt, "/abs/a.prototxt"); },
               "{a: 1}",
               "expected a single value, got a mapping"});
  r.push_back({M,
               "march",
               {},
               {},
               "'bernoulli2'",
               [](C c) { EXPECT_EQ(c.model_parameters.march, March::kBernoulli2); },
               "'nash-x'",
               "'nash-x' is not one of nash-e, nash-m, nash-p, bayes, bayes-e, bernoulli2, rk3588, tiny or a path to "
               "a march .yaml file; did you mean 'nash-e'?"});
  r.push_back({M,
               "output_model_file_prefix",
               {},
               {},
               "'mobilenetv1'",
               [](C c) { EXPECT_EQ(c.model_parameters.output_model_file_prefix, "mobilenetv1"); },
               "'out/m'",
               "'out/m' is not a file name prefix (non-empty, no folder separators)"});
  r.push_back({M,
               "working_dir",
               {},
               {},
               "'./out_dir'",
               [](C c) { EXPECT_EQ(c.model_parameters.working_dir, "/cfg/out_dir"); },
               "[a]",
               "expected a single value, got a list"});
  r.push_back({M,
               "layer_out_dump",
               {},
               {},
               "True",
               [](C c) { EXPECT_TRUE(c.model_parameters.layer_out_dump); },
               "'maybe'",
               "'maybe' is not a bool (True or False)"});
  r.push_back({M,
               "output_nodes",
               {},
               {},
               "'Conv_3; Softmax_9'",
               [](C c) {
                 EXPECT_EQ(c.model_parameters.output_nodes, (std::vector<std::string>{"Conv_3", "Softmax_9"}));
               },
               "'Conv_3;;Softmax_9'",
               "empty value in 'Conv_3;;Softmax_9'"});
  r.push_back({M,
               "remove_node_type",
               {},
               {},
               "'Quantize;Dequantize'",
               [](C c) {
                 EXPECT_EQ(c.model_parameters.remove_node_type, (std::vector<std::string>{"Quantize", "Dequantize"}));
               },
               "'Dequantise'",
               "'Dequantise' is not one of Quantize, Transpose, Dequantize, Cast, Reshape, Softmax; did you mean "
               "'Dequantize'?"});
  r.push_back({M,
               "remove_node_name",
               {},
               {},
               "[Cast_0, Transpose_1]",
               [](C c) {
                 EXPECT_EQ(c.model_parameters.remove_node_name, (std::vector<std::string>{"Cast_0", "Transpose_1"}));
               },
               "{a: b}",
               "expected a single value, got a mapping"});
  r.push_back({M,
               "debug_mode",
               {},
               {},
               "'dump_calibration_data'",
               [](C c) { EXPECT_EQ(c.model_parameters.debug_mode, DebugMode::kDumpCalibrationData); },
               "'dump'",
               "'dump' is not one of dump_calibration_data"});
  r.push_back({M,
               "node_info",
               {},
               {},
               "{\"Conv_1\": {'ON': 'CPU', 'InputType': 'int16', 'InputType1': 'int8', 'OutputType': 'float16'}}",
               [](C c) {
                 const NodeInfo& n = c.model_parameters.node_info.at("Conv_1");
                 EXPECT_EQ(n.on, Device::kCpu);
                 EXPECT_EQ(n.input_type, NodeDType::kInt16);
                 EXPECT_EQ(n.input_type_at, (std::map<int, NodeDType>{{1, NodeDType::kInt8}}));
                 EXPECT_EQ(n.output_type, NodeDType::kFloat16);
               },
               "{\"Conv_1\": {'OutputType0': 'int16'}}",
               "node_info.Conv_1.OutputType0: OutputType applies to all outputs of a node; a per-output "
               "OutputType<N> is not supported"});
  // ---- input_parameters
  r.push_back({I,
               "input_name",
               {},
               {},
               "'img; seq'",
               [](C c) {
                 EXPECT_EQ(c.input_parameters.input_name, (std::vector<std::string>{"img", "seq"}));
                 EXPECT_EQ(c.num_inputs(), 2u);
                 EXPECT_EQ(c.input_parameters.input_type_rt.size(), 2u);
               },
               "'a;a'",
               "input 'a' is named twice"});
  r.push_back({I,
               "input_type_train",
               {{I, "input_type_rt", "'nv12'"}, {I, "input_layout_train", "'NCHW'"}},
               {},
               "'rgb'",
               [](C c) { EXPECT_EQ(c.input_parameters.input_type_train[0], InputType::kRgb); },
               "'rgbb'",
               "'rgbb' is not one of rgb, bgr, yuv444, yuv444_128, gray, featuremap; did you mean 'rgb'?"});
  r.push_back({I,
               "input_type_rt",
               {{I, "input_type_train", "'bgr'"}, {I, "input_layout_train", "'NCHW'"}},
               {},
               "'yuv444'",
               [](C c) { EXPECT_EQ(c.input_parameters.input_type_rt[0], InputType::kYuv444); },
               "'nv21'",
               "'nv21' is not one of nv12, yuv444, yuv444_128, rgb, bgr, gray, featuremap; did you mean 'nv12'?"});
  r.push_back({I,
               "input_layout_train",
               {},
               {},
               "'NHWC'",
               [](C c) { EXPECT_EQ(c.input_parameters.input_layout_train[0], Layout::kNHWC); },
               "'CHW'",
               "'CHW' is not one of NCHW, NHWC; did you mean 'NCHW'?"});
  r.push_back({I,
               "input_space_and_range",
               {{I, "input_type_train", "'rgb'"}, {I, "input_type_rt", "'nv12'"}, {I, "input_layout_train", "'NCHW'"}},
               {},
               "'bt601_video'",
               [](C c) { EXPECT_EQ(c.input_parameters.input_space_and_range[0], SpaceAndRange::kBt601Video); },
               "'bt709'",
               "'bt709' is not one of regular, bt601_video"});
  r.push_back({I,
               "input_shape",
               {},
               {},
               "'1x3x224x224'",
               [](C c) {
                 EXPECT_EQ(c.input_parameters.input_shape, (std::vector<Shape>{{1, 3, 224, 224}}));
               },
               "'1x3x-1x4'",
               "'1x3x-1x4' is not a shape like 1x3x224x224"});
  r.push_back({I,
               "input_batch",
               {},
               {},
               "8",
               [](C c) { EXPECT_EQ(c.input_parameters.input_batch, 8); },
               "5000",
               "5000 is out of range (allowed: 1-4096)"});
  r.push_back({I,
               "separate_batch",
               {{I, "input_batch", "4"}},
               {},
               "True",
               [](C c) {
                 EXPECT_TRUE(c.input_parameters.separate_batch);
                 EXPECT_TRUE(c.warnings.empty());
               },
               "'2'",
               "'2' is not a bool (True or False)"});
  r.push_back(
      {I,
       "norm_type",
       {{I, "input_layout_train", "'NCHW'"}, {I, "mean_value", "128"}},
       {},
       "'data_mean'",
       [](C c) { EXPECT_EQ(c.input_parameters.norm_type[0], NormType::kDataMean); },
       "'data_mean_scale'",
       "'data_mean_scale' is not one of data_mean_and_scale, data_mean, data_scale, no_preprocess; did you mean "
       "'data_mean_and_scale'?"});
  r.push_back(
      {I,
       "mean_value",
       {{I, "input_layout_train", "'NCHW'"}, {I, "norm_type", "'data_mean_and_scale'"}, {I, "scale_value", "0.5"}},
       {},
       "'103.94 116.78 123.68'",
       [](C c) {
         EXPECT_EQ(c.input_parameters.mean_value[0], (std::vector<double>{103.94, 116.78, 123.68}));
       },
       "'1 two'",
       "'two' is not a number"});
  r.push_back({I,
               "scale_value",
               {{I, "input_layout_train", "'NHWC'"}, {I, "norm_type", "'data_scale'"}},
               {},
               "0.017",
               [](C c) { EXPECT_EQ(c.input_parameters.scale_value[0], (std::vector<double>{0.017})); },
               "'abc'",
               "'abc' is not a number"});
  // ---- calibration_parameters
  r.push_back({K,
               "cal_data_dir",
               {},
               {},
               "'./calibration_data'",
               [](C c) {
                 EXPECT_EQ(c.calibration_parameters.cal_data_dir, (std::vector<std::string>{"/cfg/calibration_data"}));
               },
               "'a;b'",
               "2 folders given; a multi-input model needs input_name"});
  r.push_back({K,
               "calibration_type",
               {{K, "cal_data_dir", "'calib'"}},
               {},
               "'kl'",
               [](C c) { EXPECT_EQ(c.calibration_parameters.calibration_type, CalibrationType::kKl); },
               "'kll'",
               "'kll' is not one of default, mix, kl, max, mse, skip, load; did you mean 'kl'?"});
  r.push_back({K,
               "max_percentile",
               {{K, "cal_data_dir", "'calib'"}, {K, "calibration_type", "'max'"}},
               {},
               "0.99995",
               [](C c) {
                 EXPECT_DOUBLE_EQ(c.calibration_parameters.max_percentile, 0.99995);
                 EXPECT_TRUE(c.warnings.empty());
               },
               "0.4",
               "0.4 is out of range (allowed: 0.5-1.0)"});
  r.push_back({K,
               "per_channel",
               {},
               {},
               "True",
               [](C c) { EXPECT_TRUE(c.calibration_parameters.per_channel); },
               "'sometimes'",
               "'sometimes' is not a bool (True or False)"});
  r.push_back({K,
               "optimization",
               {},
               {},
               "'set_Conv_input_int16;set_Sigmoid_output_int16;asymmetric;bias_correction'",
               [](C c) {
                 const Optimization& o = c.calibration_parameters.optimization;
                 EXPECT_EQ(o.input_int16_kinds, (std::vector<std::string>{"Conv"}));
                 EXPECT_EQ(o.output_int16_kinds, (std::vector<std::string>{"Sigmoid"}));
                 EXPECT_TRUE(o.asymmetric);
                 EXPECT_TRUE(o.bias_correction);
                 EXPECT_FALSE(o.lstm_batch_last);
                 EXPECT_FALSE(o.set_model_output_int8);
               },
               "'asymetric'",
               "did you mean 'asymmetric'?"});
  r.push_back({K,
               "quant_config",
               {},
               {},
               "{model_config: {all_node_type: int16, model_output_type: int8}, op_config: {Conv: {type: float16}}, "
               "node_config: {Add_2: {type: int8}}}",
               [](C c) {
                 const auto& q = c.calibration_parameters.quant_config;
                 ASSERT_TRUE(q.has_value());
                 EXPECT_EQ(q->all_node_type, NodeDType::kInt16);
                 EXPECT_EQ(q->model_output_type, NodeDType::kInt8);
                 EXPECT_EQ(q->op_config.at("Conv"), NodeDType::kFloat16);
                 EXPECT_EQ(q->node_config.at("Add_2"), NodeDType::kInt8);
               },
               "{op_config: {Conv: {type: int4}}}",
               "op_config.Conv.type: 'int4' is not one of int8, int16, float16"});
  r.push_back({K,
               "run_on_cpu",
               {},
               {},
               "'Conv_1;Conv_2'",
               [](C c) {
                 EXPECT_EQ(c.model_parameters.node_info.at("Conv_1").on, Device::kCpu);
                 EXPECT_EQ(c.model_parameters.node_info.at("Conv_2").on, Device::kCpu);
               },
               "[[a]]",
               "list items must be single values, got a list"});
  r.push_back({K,
               "run_on_bpu",
               {},
               {},
               "'Softmax_7'",
               [](C c) { EXPECT_EQ(c.model_parameters.node_info.at("Softmax_7").on, Device::kBpu); },
               "''",
               "empty value in ''"});
  // ---- compiler_parameters
  r.push_back({X,
               "compile_mode",
               {},
               {},
               "'bandwidth'",
               [](C c) { EXPECT_EQ(c.compiler_parameters.compile_mode, CompileMode::kBandwidth); },
               "'fast'",
               "'fast' is not one of latency, bandwidth, balance"});
  r.push_back({X,
               "balance_factor",
               {{X, "compile_mode", "'balance'"}},
               {},
               "30",
               [](C c) { EXPECT_EQ(c.compiler_parameters.balance_factor, 30); },
               "101",
               "101 is out of range (allowed: 0-100)"});
  r.push_back({X,
               "core_num",
               {{M, "march", "'rk3588'"}},
               {},
               "2",
               [](C c) { EXPECT_EQ(c.compiler_parameters.core_num, 2); },
               "0",
               "0 is out of range (allowed: 1-64)"});
  r.push_back({X,
               "optimize_level",
               {},
               {},
               "'O3'",
               [](C c) { EXPECT_EQ(c.compiler_parameters.optimize_level, OptimizeLevel::kO3); },
               "'O4'",
               "'O4' is not one of O0, O1, O2, O3"});
  r.push_back({X,
               "input_source",
               {{I, "input_name", "'data'"}},
               {},
               "{\"data\": \"pyramid\"}",
               [](C c) { EXPECT_EQ(c.compiler_parameters.input_source.at("data"), InputSource::kPyramid); },
               "{\"data\": \"dram\"}",
               "input_source.data: 'dram' is not one of ddr, pyramid, resizer"});
  r.push_back({X,
               "max_time_per_fc",
               {},
               {},
               "1000",
               [](C c) { EXPECT_EQ(c.compiler_parameters.max_time_per_fc, 1000); },
               "500",
               "500 is out of range (allowed: 0 or 1000-4294967295)"});
  r.push_back({X,
               "jobs",
               {},
               {},
               "8",
               [](C c) { EXPECT_EQ(c.compiler_parameters.jobs, 8); },
               "'eight'",
               "'eight' is not an integer (allowed: 1-1024)"});
  r.push_back({X,
               "advice",
               {},
               {},
               "5",
               [](C c) { EXPECT_EQ(c.compiler_parameters.advice, 5); },
               "-1",
               "-1 is out of range (allowed: a natural number >= 0)"});
  r.push_back({X,
               "debug",
               {},
               {},
               "True",
               [](C c) { EXPECT_TRUE(c.compiler_parameters.debug); },
               "'x'",
               "'x' is not a bool (True or False)"});
  return r;
}

Cfg build(const Row& row, const std::string& raw) {
  Cfg c = Cfg::minimal();
  for (const auto& [g, k] : row.erase) c.erase(g, k);
  for (const auto& [g, k, v] : row.context) c.set(g, k, v);
  c.set(row.group, row.key, raw);
  return c;
}

TEST(ConfigKeyMatrix, ValidValueAcceptedAndVisible) {
  for (const Row& row : rows()) {
    SCOPED_TRACE(row.group + "." + row.key + " = " + row.valid);
    auto r = build(row, row.valid).parse();
    ASSERT_TRUE(r.ok()) << r.status().message();
    row.check(*r);
  }
}

TEST(ConfigKeyMatrix, InvalidValueRejectedWithItsMessage) {
  for (const Row& row : rows()) {
    SCOPED_TRACE(row.group + "." + row.key + " = " + row.invalid);
    auto r = build(row, row.invalid).parse();
    // Every message names the file and the key it is about.
    EXPECT_TRUE(FailsWith(r, "model.yaml: " + row.group + "." + row.key));
    EXPECT_TRUE(FailsWith(r, row.message));
  }
}

TEST(ConfigKeyMatrix, ExactMessageFormat) {
  auto r = Cfg::minimal().set(K, "calibration_type", "'kll'").set(K, "cal_data_dir", "'c'").parse();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "model.yaml: calibration_parameters.calibration_type: 'kll' is not one of default, mix, kl, max, mse, "
            "skip, load; "
            "did you mean 'kl'?");
}

// The matrix covers every key, and every key appears in the effective-config dump.
TEST(ConfigKeyMatrix, CoversEveryDocumentedKey) {
  const std::set<std::string> documented = {
      // model_parameters
      "prototxt", "caffe_model", "onnx_model", "march", "output_model_file_prefix", "working_dir", "layer_out_dump",
      "output_nodes", "remove_node_type", "remove_node_name", "debug_mode", "node_info",
      // input_parameters
      "input_name", "input_type_train", "input_type_rt", "input_layout_train", "input_space_and_range", "input_shape",
      "input_batch", "separate_batch", "norm_type", "mean_value", "scale_value",
      // calibration_parameters (run_on_cpu / run_on_bpu: legacy hb_mapper placement lists)
      "cal_data_dir", "calibration_type", "max_percentile", "per_channel", "optimization", "quant_config", "run_on_cpu",
      "run_on_bpu",
      // compiler_parameters (debug: legacy hb_mapper flag)
      "compile_mode", "balance_factor", "core_num", "optimize_level", "input_source", "max_time_per_fc", "jobs",
      "advice", "debug"};
  std::set<std::string> covered;
  for (const Row& row : rows()) covered.insert(row.key);
  EXPECT_EQ(covered, documented);
  auto r = Cfg::minimal().parse();
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string dump = dump_compile_config(*r);
  for (const auto& k : documented) {
    if (k == "run_on_cpu" || k == "run_on_bpu") continue;  // folded into node_info
    EXPECT_NE(dump.find("\n  " + k + ": "), std::string::npos) << k;
  }
}

TEST(ConfigKeyMatrix, Defaults) {
  auto r = Cfg::minimal().parse();
  ASSERT_TRUE(r.ok()) << r.status().message();
  const CompileConfig& c = *r;
  EXPECT_EQ(c.model_parameters.output_model_file_prefix, "model");
  EXPECT_EQ(c.model_parameters.working_dir, "/cfg/model_output");
  EXPECT_FALSE(c.model_parameters.layer_out_dump);
  EXPECT_EQ(c.model_parameters.debug_mode, DebugMode::kNone);
  EXPECT_EQ(c.num_inputs(), 1u);
  EXPECT_EQ(c.input_parameters.input_type_train, (std::vector<InputType>{InputType::kFeaturemap}));
  EXPECT_EQ(c.input_parameters.input_type_rt, (std::vector<InputType>{InputType::kFeaturemap}));
  EXPECT_EQ(c.input_parameters.input_space_and_range, (std::vector<SpaceAndRange>{SpaceAndRange::kRegular}));
  EXPECT_EQ(c.input_parameters.norm_type, (std::vector<NormType>{NormType::kNoPreprocess}));
  EXPECT_FALSE(c.input_parameters.input_layout_train[0].has_value());
  EXPECT_TRUE(c.input_parameters.input_shape.empty());
  EXPECT_EQ(c.input_parameters.input_batch, 1);
  EXPECT_FALSE(c.input_parameters.separate_batch);
  EXPECT_DOUBLE_EQ(c.calibration_parameters.max_percentile, 1.0);
  EXPECT_FALSE(c.calibration_parameters.per_channel);
  EXPECT_FALSE(c.calibration_parameters.quant_config.has_value());
  EXPECT_EQ(c.compiler_parameters.compile_mode, CompileMode::kLatency);
  EXPECT_FALSE(c.compiler_parameters.balance_factor.has_value());
  EXPECT_EQ(c.compiler_parameters.core_num, 1);
  EXPECT_EQ(c.compiler_parameters.optimize_level, OptimizeLevel::kO0);
  EXPECT_EQ(c.compiler_parameters.max_time_per_fc, 0);
  EXPECT_EQ(c.compiler_parameters.jobs, 16);
  EXPECT_EQ(c.compiler_parameters.advice, 0);
  EXPECT_FALSE(c.compiler_parameters.debug);
  EXPECT_EQ(effective_input_source(c, 0), InputSource::kDdr);
  // calibration_type's default is 'default' (needs calibration data).
  auto d = Cfg::minimal().erase(K, "calibration_type").set(K, "cal_data_dir", "'c'").parse();
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->calibration_parameters.calibration_type, CalibrationType::kDefault);
}

TEST(ConfigKeyMatrix, NullMeansAbsent) {
  auto r = Cfg::minimal().set(M, "remove_node_type", "null").set(M, "output_nodes", "~").set(X, "jobs", "").parse();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->model_parameters.remove_node_type.empty());
  EXPECT_TRUE(r->model_parameters.output_nodes.empty());
  EXPECT_EQ(r->compiler_parameters.jobs, 16);
}

}  // namespace
}  // namespace npukit::config
