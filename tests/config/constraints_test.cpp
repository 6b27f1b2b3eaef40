// SPDX-License-Identifier: Apache-2.0
// Cross-constraints of the compile config, each tested both ways (accepted / rejected), plus typo
// suggestions, multi-value counts and YAML syntax errors.
#include <gtest/gtest.h>

#include "config/compile_config.h"
#include "config_test_util.h"

namespace npukit::config {
namespace {

using testing::Cfg;
using testing::FailsWith;
const std::string M = "model_parameters", I = "input_parameters", K = "calibration_parameters",
                  X = "compiler_parameters";

// An image input: bgr trained, NCHW.
Cfg image(const std::string& rt = "'nv12'") {
  return Cfg::minimal()
      .set(I, "input_type_train", "'bgr'")
      .set(I, "input_type_rt", rt)
      .set(I, "input_layout_train", "'NCHW'");
}

// ---------------------------------------------------------------- unknown keys, groups, typos

TEST(ConfigKeys, TypoSuggestsNearestKey) {
  auto r = Cfg::minimal().set(K, "calibraton_type", "'kl'").parse();
  EXPECT_TRUE(FailsWith(r,
                        "model.yaml: calibration_parameters: unknown key 'calibraton_type'; did you mean "
                        "'calibration_type'?"));
  EXPECT_TRUE(
      FailsWith(Cfg::minimal().set(M, "marhc", "'nash-e'").parse(), "unknown key 'marhc'; did you mean 'march'?"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "optimise_level", "'O1'").parse(), "did you mean 'optimize_level'?"));
}

TEST(ConfigKeys, KeyInWrongGroupSaysWhereItBelongs) {
  auto r = Cfg::minimal().set(X, "per_channel", "True").parse();
  EXPECT_TRUE(FailsWith(r,
                        "compiler_parameters: unknown key 'per_channel'; 'per_channel' belongs in "
                        "calibration_parameters"));
}

TEST(ConfigKeys, UnrelatedUnknownKeyHasNoSuggestion) {
  auto r = Cfg::minimal().set(M, "colour_profile", "'x'").parse();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "model.yaml: model_parameters: unknown key 'colour_profile'");
}

TEST(ConfigKeys, GroupNamesAreChecked) {
  const std::string base = Cfg::minimal().text();
  EXPECT_TRUE(FailsWith(parse_compile_config(base + "compiler_paramters:\n  jobs: 2\n", "model.yaml", "/cfg"),
                        "unknown group 'compiler_paramters'"));
  EXPECT_TRUE(FailsWith(parse_compile_config(base + "compiler_paramters:\n  jobs: 2\n", "model.yaml", "/cfg"),
                        "did you mean 'compiler_parameters'?"));
  EXPECT_TRUE(FailsWith(parse_compile_config(base + "march: nash-e\n", "model.yaml", "/cfg"),
                        "'march' is a key of model_parameters and must be indented under it"));
  // Missing group.
  const std::string no_compiler =
      "model_parameters: {onnx_model: m.onnx, march: nash-e}\ninput_parameters:\n"
      "calibration_parameters: {calibration_type: skip}\n";
  EXPECT_TRUE(FailsWith(parse_compile_config(no_compiler, "model.yaml", "/cfg"),
                        "model.yaml: missing group 'compiler_parameters'"));
  // Duplicate key and group.
  EXPECT_TRUE(FailsWith(parse_compile_config(base + "  jobs: 2\n  jobs: 3\n", "model.yaml", "/cfg"),
                        "compiler_parameters.jobs: is given twice"));
  EXPECT_TRUE(FailsWith(parse_compile_config(base + "input_parameters:\n", "model.yaml", "/cfg"),
                        "group 'input_parameters' is given twice"));
  // A group that is not a mapping; a document that is not a mapping.
  EXPECT_TRUE(FailsWith(parse_compile_config("model_parameters: [1]\ninput_parameters:\ncalibration_parameters:\n"
                                             "compiler_parameters:\n",
                                             "model.yaml", "/cfg"),
                        "model.yaml: model_parameters: must be a mapping of key: value, got a list"));
  EXPECT_TRUE(FailsWith(parse_compile_config("- a\n- b\n", "model.yaml", "/cfg"), "the config must be a mapping"));
  EXPECT_TRUE(FailsWith(parse_compile_config("", "model.yaml", "/cfg"), "the config must be a mapping"));
}

TEST(ConfigKeys, BadYamlSyntaxReportsLineAndColumn) {
  // The flow sequence opened on line 2 is never closed: yaml-cpp reports it where the text ends
  // (line 3, after the 17 characters of "input_parameters:").
  auto r = parse_compile_config("model_parameters:\n  march: [nash-e\ninput_parameters:\n", "model.yaml", "/cfg");
  EXPECT_TRUE(FailsWith(r, "model.yaml:3:17: YAML syntax error: end of sequence flow not found"));
  auto r2 = parse_compile_config("model_parameters:\n  a: b\n c: d\n", "model.yaml", "/cfg");
  EXPECT_TRUE(FailsWith(r2, "model.yaml:3:"));
  EXPECT_TRUE(FailsWith(r2, "YAML syntax error"));
  auto r3 = parse_compile_config("a: {b: [1, 2}\n", "model.yaml", "/cfg");
  EXPECT_TRUE(FailsWith(r3, "model.yaml:1:"));
}

// ---------------------------------------------------------------- model selection

TEST(ConfigModel, ExactlyOneModelKind) {
  EXPECT_TRUE(Cfg::minimal().parse().ok());
  EXPECT_TRUE(
      FailsWith(Cfg::minimal().set(M, "caffe_model", "'a.caffemodel'").set(M, "prototxt", "'a.prototxt'").parse(),
                "model_parameters.onnx_model: give either onnx_model or caffe_model + prototxt, not both"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().erase(M, "onnx_model").set(M, "caffe_model", "'a.caffemodel'").parse(),
                        "model_parameters.prototxt: missing required key"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().erase(M, "onnx_model").set(M, "prototxt", "'a.prototxt'").parse(),
                        "model_parameters.caffe_model: missing required key"));
  EXPECT_TRUE(
      FailsWith(Cfg::minimal().erase(M, "onnx_model").parse(),
                "model_parameters.onnx_model: missing required key: give onnx_model (or caffe_model + prototxt)"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(M, "onnx_model", "null").parse(), "onnx_model: missing required key"));
}

TEST(ConfigModel, MarchIsRequiredAndMayBeAFile) {
  EXPECT_TRUE(FailsWith(Cfg::minimal().erase(M, "march").parse(), "model_parameters.march: missing required key"));
  auto r = Cfg::minimal().set(M, "march", "'hw/my_npu.yaml'").parse();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model_parameters.march, March::kFile);
  EXPECT_EQ(r->model_parameters.march_file, "/cfg/hw/my_npu.yaml");
  for (const char* m : {"nash-e", "nash-m", "nash-p", "bayes", "bayes-e", "bernoulli2", "rk3588", "tiny"}) {
    auto p = Cfg::minimal().set(M, "march", std::string("'") + m + "'").parse();
    ASSERT_TRUE(p.ok()) << m;
    EXPECT_STREQ(to_string(p->model_parameters.march), m);
  }
}

// ---------------------------------------------------------------- multi-value counts

TEST(ConfigMultiValue, CountsMustMatchInputName) {
  auto ok = Cfg::minimal()
                .set(I, "input_name", "'img;mask'")
                .set(I, "input_type_train", "'rgb;featuremap'")
                .set(I, "input_type_rt", "'nv12;featuremap'")
                .set(I, "input_layout_train", "'NCHW;NCHW'")
                .set(I, "input_shape", "'1x3x224x224;1x1x7'")
                .set(I, "norm_type", "'data_mean_and_scale;no_preprocess'")
                .set(I, "mean_value", "'103.94 116.78 123.68;None'")
                .set(I, "scale_value", "'0.017;None'")
                .set(K, "calibration_type", "'kl'")
                .set(K, "cal_data_dir", "'cal/img;cal/mask'")
                .parse();
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  const auto& ip = ok->input_parameters;
  EXPECT_EQ(ip.input_type_train, (std::vector<InputType>{InputType::kRgb, InputType::kFeaturemap}));
  EXPECT_EQ(ip.input_shape, (std::vector<Shape>{{1, 3, 224, 224}, {1, 1, 7}}));
  EXPECT_EQ(ip.mean_value[0].size(), 3u);
  EXPECT_TRUE(ip.mean_value[1].empty());
  EXPECT_EQ(ok->calibration_parameters.cal_data_dir, (std::vector<std::string>{"/cfg/cal/img", "/cfg/cal/mask"}));
  EXPECT_EQ(effective_input_source(*ok, 0), InputSource::kPyramid);  // nv12 → pyramid
  EXPECT_EQ(effective_input_source(*ok, 1), InputSource::kDdr);

  auto few = Cfg::minimal().set(I, "input_name", "'a;b;c'").set(I, "input_type_rt", "'featuremap'").parse();
  EXPECT_TRUE(FailsWith(few,
                        "input_parameters.input_type_rt: 1 value(s) given but input_name names 3 input(s) (a, b, "
                        "c); give one value per input, separated by ';'"));
  auto many = Cfg::minimal().set(I, "norm_type", "'no_preprocess;no_preprocess'").parse();
  EXPECT_TRUE(FailsWith(many, "input_parameters.norm_type: 2 values given; a multi-input model needs input_name"));
  auto cal = Cfg::minimal().set(I, "input_name", "'a;b'").set(K, "cal_data_dir", "'c1'").parse();
  EXPECT_TRUE(FailsWith(cal, "calibration_parameters.cal_data_dir: 1 folder(s) given but input_name names 2 input(s)"));
  // A YAML list is the same as ';'-separated values.
  auto list = Cfg::minimal().set(I, "input_name", "[a, b]").set(I, "input_type_rt", "[featuremap, featuremap]").parse();
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->input_parameters.input_name, (std::vector<std::string>{"a", "b"}));
  // A list of channel values / dims is not one input's value: the message says how to write it.
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(I, "mean_value", "[103.94, 116.78, 123.68]").parse(),
                        "(the channel values of one input are separated by spaces: '103.94 116.78 123.68')"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(I, "input_shape", "[1, 3, 224, 224]").parse(),
                        "(the dims of one input are separated by x: '1x3x224x224')"));
  // A single input may be named "" (= not named).
  auto empty = Cfg::minimal().set(I, "input_name", "\"\"").parse();
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_TRUE(empty->input_parameters.input_name.empty());
}

// ---------------------------------------------------------------- input type combination table

TEST(ConfigInputs, TrainRtCombinationTable) {
  // Rows: input_type_train; columns: nv12 yuv444 rgb bgr gray featuremap (the reference's table).
  const std::vector<std::string> rt = {"nv12", "yuv444", "rgb", "bgr", "gray", "featuremap"};
  const std::vector<std::pair<std::string, std::string>> table = {
      {"yuv444", "YYNNNN"},
      {"rgb", "YYYYNN"},
      {"bgr", "YYYYNN"},
      {"gray", "NNNNYN"},
      {"featuremap", "NNNNNY"},
      // yuv444_128 is in the train range but not in the table: it shares yuv444's row.
      {"yuv444_128", "YYNNNN"}};
  for (const auto& [train, allowed] : table) {
    for (size_t j = 0; j < rt.size(); ++j) {
      SCOPED_TRACE(train + " -> " + rt[j]);
      auto r = Cfg::minimal()
                   .set(I, "input_type_train", "'" + train + "'")
                   .set(I, "input_type_rt", "'" + rt[j] + "'")
                   .set(I, "input_layout_train", "'NCHW'")
                   .parse();
      if (allowed[j] == 'Y') {
        EXPECT_TRUE(r.ok()) << r.status().message();
      } else {
        EXPECT_TRUE(FailsWith(r, "input_parameters.input_type_rt: input #0: input_type_rt '" + rt[j] +
                                     "' is not allowed with input_type_train '" + train + "'"));
      }
    }
  }
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(I, "input_type_train", "'nv12'").parse(),
                        "input_type_train: 'nv12' is not one of rgb, bgr, yuv444, yuv444_128, gray, featuremap"));
  EXPECT_TRUE(FailsWith(Cfg::minimal()
                            .set(I, "input_type_train", "'gray'")
                            .set(I, "input_type_rt", "'nv12'")
                            .set(I, "input_layout_train", "'NCHW'")
                            .parse(),
                        "(allowed: gray)"));
}

TEST(ConfigInputs, SpaceAndRangeOnlyWithNv12AndRgbBgr) {
  EXPECT_TRUE(image("'nv12'").set(I, "input_space_and_range", "'bt601_video'").parse().ok());
  EXPECT_TRUE(
      FailsWith(image("'yuv444'").set(I, "input_space_and_range", "'bt601_video'").parse(),
                "input_parameters.input_space_and_range: input #0: bt601_video requires input_type_rt nv12, got "
                "yuv444"));
  EXPECT_TRUE(FailsWith(
      image("'nv12'").set(I, "input_type_train", "'yuv444'").set(I, "input_space_and_range", "'bt601_video'").parse(),
      "bt601_video requires input_type_train rgb or bgr, got yuv444"));
  // 'regular' is the default and harmless with any format (the reference's template uses it with yuv444).
  EXPECT_TRUE(image("'yuv444'").set(I, "input_space_and_range", "'regular'").parse().ok());
}

TEST(ConfigInputs, LayoutRequiredWhereAChannelAxisIsNeeded) {
  EXPECT_TRUE(Cfg::minimal().parse().ok());  // featuremap, no preprocessing: no layout needed
  EXPECT_TRUE(FailsWith(image().erase(I, "input_layout_train").parse(),
                        "input_parameters.input_layout_train: input #0: missing required key: NCHW or NHWC is needed "
                        "for input_type_train bgr"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(I, "norm_type", "'data_scale'").set(I, "scale_value", "2").parse(),
                        "needed for norm_type data_scale"));
}

TEST(ConfigInputs, NormTypeNeedsItsValuesAndOnlyThose) {
  auto ok = image()
                .set(I, "norm_type", "'data_mean_and_scale'")
                .set(I, "mean_value", "128")
                .set(I, "scale_value", "'0.0078125'");
  EXPECT_TRUE(ok.parse().ok());
  EXPECT_TRUE(FailsWith(image().set(I, "norm_type", "'data_mean'").parse(),
                        "input_parameters.mean_value: input #0: missing required key: norm_type data_mean needs a mean "
                        "value"));
  EXPECT_TRUE(FailsWith(image().set(I, "norm_type", "'data_scale'").parse(),
                        "input_parameters.scale_value: input #0: missing required key"));
  EXPECT_TRUE(FailsWith(image().set(I, "mean_value", "128").parse(),
                        "input_parameters.mean_value: input #0: mean values are given but norm_type is no_preprocess"));
  EXPECT_TRUE(
      FailsWith(image().set(I, "norm_type", "'data_mean'").set(I, "mean_value", "1").set(I, "scale_value", "2").parse(),
                "scale values are given but norm_type is data_mean"));
}

TEST(ConfigInputs, NonFourDFeaturemapMustNotBePreprocessed) {
  auto fm = [](const std::string& shape) {
    return Cfg::minimal()
        .set(I, "input_layout_train", "'NCHW'")
        .set(I, "norm_type", "'data_scale'")
        .set(I, "scale_value", "0.5")
        .set(I, "input_shape", shape);
  };
  EXPECT_TRUE(fm("'1x8x4x4'").parse().ok());
  EXPECT_TRUE(
      FailsWith(fm("'1x10'").parse(),
                "input_parameters.norm_type: input #0: must be no_preprocess for a featuremap input that is not "
                "4-D, got data_scale with shape 1x10 (input_shape, NCHW)"));
  EXPECT_TRUE(Cfg::minimal().set(I, "input_shape", "'1x10'").parse().ok());
}

TEST(ConfigInputs, ChannelCountsAndImageShape) {
  EXPECT_TRUE(image().set(I, "input_shape", "'1x3x224x224'").parse().ok());
  EXPECT_TRUE(FailsWith(image().set(I, "input_shape", "'1x1x224x224'").parse(),
                        "input_parameters.input_type_train: input #0: bgr input must have 3 channel(s), shape is "
                        "1x1x224x224 (input_shape, NCHW)"));
  EXPECT_TRUE(FailsWith(image().set(I, "input_shape", "'1x224x224'").parse(), "bgr input must be 4-D"));
  auto mean = [](const std::string& values) {
    return image()
        .set(I, "input_shape", "'1x3x224x224'")
        .set(I, "norm_type", "'data_mean'")
        .set(I, "mean_value", values);
  };
  EXPECT_TRUE(mean("'1 2 3'").parse().ok());
  EXPECT_TRUE(mean("'1'").parse().ok());
  EXPECT_TRUE(FailsWith(mean("'1 2'").parse(),
                        "input_parameters.mean_value: input #0: 2 values given; need 1 or 3 (one per channel)"));
  // NHWC: channels last.
  EXPECT_TRUE(image().set(I, "input_layout_train", "'NHWC'").set(I, "input_shape", "'1x224x224x3'").parse().ok());
}

TEST(ConfigInputs, Nv12NeedsEvenHeightAndWidth) {
  EXPECT_TRUE(image("'nv12'").set(I, "input_shape", "'1x3x224x224'").parse().ok());
  EXPECT_TRUE(FailsWith(image("'nv12'").set(I, "input_shape", "'1x3x223x224'").parse(),
                        "input_parameters.input_type_rt: input #0: nv12 needs an even height and width"));
  EXPECT_TRUE(image("'rgb'").set(I, "input_shape", "'1x3x223x224'").parse().ok());
}

TEST(ConfigInputs, InputBatch) {
  EXPECT_TRUE(Cfg::minimal().set(I, "input_batch", "4").set(I, "input_shape", "'1x16'").parse().ok());
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(I, "input_batch", "4").set(I, "input_shape", "'2x16'").parse(),
                        "input_parameters.input_batch: 4 needs the first dim of input #0 to be 1, shape is 2x16"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(I, "input_batch", "4").set(I, "input_name", "'a;b'").parse(),
                        "input_parameters.input_batch: 4 is only allowed for a single-input model"));
  // Explicit 1 is the default: no constraint.
  EXPECT_TRUE(Cfg::minimal().set(I, "input_batch", "1").set(I, "input_name", "'a;b'").parse().ok());
  auto sep = Cfg::minimal().set(I, "separate_batch", "True").parse();
  ASSERT_TRUE(sep.ok());
  ASSERT_EQ(sep->warnings.size(), 1u);
  EXPECT_EQ(sep->warnings[0], "input_parameters.separate_batch has no effect while input_batch is 1");
}

// ---------------------------------------------------------------- calibration

TEST(ConfigCalibration, DataRequiredUnlessSkip) {
  EXPECT_TRUE(Cfg::minimal().parse().ok());
  for (const char* t : {"default", "mix", "kl", "max"}) {
    EXPECT_TRUE(FailsWith(Cfg::minimal().set(K, "calibration_type", std::string("'") + t + "'").parse(),
                          std::string("calibration_parameters.cal_data_dir: missing required key: calibration_type ") +
                              t + " needs calibration data"));
    EXPECT_TRUE(Cfg::minimal()
                    .set(K, "calibration_type", std::string("'") + t + "'")
                    .set(K, "cal_data_dir", "'c'")
                    .parse()
                    .ok());
  }
}

TEST(ConfigCalibration, MaxPercentileIsAParameterNotAType) {
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(K, "calibration_type", "'max_percentile'").parse(),
                        "use calibration_type: max with the separate key max_percentile"));
  auto kl = Cfg::minimal()
                .set(K, "calibration_type", "'kl'")
                .set(K, "cal_data_dir", "'c'")
                .set(K, "max_percentile", "0.9999");
  auto r = kl.parse();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0], "calibration_parameters.max_percentile has no effect with calibration_type kl (only max)");
  EXPECT_TRUE(
      FailsWith(Cfg::minimal().set(K, "max_percentile", "1.5").parse(), "1.5 is out of range (allowed: 0.5-1.0)"));
  EXPECT_TRUE(Cfg::minimal().set(K, "max_percentile", "0.5").parse().ok());
  EXPECT_TRUE(Cfg::minimal().set(K, "max_percentile", "'1.0'").parse().ok());
}

TEST(ConfigCalibration, PerChannelInertWithDefaultAndMix) {
  auto r = Cfg::minimal()
               .set(K, "calibration_type", "'mix'")
               .set(K, "cal_data_dir", "'c'")
               .set(K, "per_channel", "True")
               .parse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->warnings, (std::vector<std::string>{"calibration_parameters.per_channel has no effect with "
                                                   "calibration_type mix"}));
  auto k = Cfg::minimal()
               .set(K, "calibration_type", "'kl'")
               .set(K, "cal_data_dir", "'c'")
               .set(K, "per_channel", "True")
               .parse();
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->warnings.empty());
}

TEST(ConfigCalibration, OptimizationRules) {
  auto def = Cfg::minimal().set(K, "calibration_type", "'default'").set(K, "cal_data_dir", "'c'");
  EXPECT_TRUE(FailsWith(def.set(K, "optimization", "'asymmetric'").parse(),
                        "calibration_parameters.optimization: asymmetric cannot be set with calibration_type default"));
  EXPECT_TRUE(def.set(K, "optimization", "'bias_correction'").parse().ok());
  EXPECT_TRUE(Cfg::minimal()
                  .set(K, "calibration_type", "'kl'")
                  .set(K, "cal_data_dir", "'c'")
                  .set(K, "optimization", "'asymmetric'")
                  .parse()
                  .ok());
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(K, "optimization", "'set_model_output_int8;set_model_output_int16'").parse(),
                        "set_model_output_int8 and set_model_output_int16 exclude each other"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(K, "optimization", "'set_conv_input_int16'").parse(),
                        "NodeKind must be an ONNX op type such as Conv or Sigmoid (case sensitive)"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(K, "optimization", "'lstm_batch_last;lstm_batch_last'").parse(),
                        "'lstm_batch_last' is listed twice"));
  auto all = Cfg::minimal()
                 .set(K, "optimization",
                      "'set_model_output_int16;set_Softmax_input_int8;set_Softmax_output_int8;lstm_batch_last'")
                 .parse();
  ASSERT_TRUE(all.ok()) << all.status().message();
  const auto& o = all->calibration_parameters.optimization;
  EXPECT_TRUE(o.set_model_output_int16 && o.softmax_input_int8 && o.softmax_output_int8 && o.lstm_batch_last);
}

TEST(ConfigCalibration, RunOnCpuBpuConflicts) {
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(K, "run_on_cpu", "'Conv_1'").set(K, "run_on_bpu", "'Conv_1'").parse(),
                        "calibration_parameters.run_on_bpu: node 'Conv_1' is also placed on CPU"));
  EXPECT_TRUE(
      FailsWith(Cfg::minimal().set(M, "node_info", "{Conv_1: {ON: BPU}}").set(K, "run_on_cpu", "'Conv_1'").parse(),
                "calibration_parameters.run_on_cpu: node 'Conv_1' is also placed on BPU"));
  // Agreeing placement and node_info data types merge.
  auto r = Cfg::minimal().set(M, "node_info", "{Conv_1: {InputType: int16}}").set(K, "run_on_bpu", "'Conv_1'").parse();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model_parameters.node_info.at("Conv_1").on, Device::kBpu);
  EXPECT_EQ(r->model_parameters.node_info.at("Conv_1").input_type, NodeDType::kInt16);
}

// ---------------------------------------------------------------- node_info forms

TEST(ConfigNodeInfo, StringAndMappingForms) {
  auto s = Cfg::minimal().set(M, "node_info", "'Conv_0:int16; Add_3:int16'").parse();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->model_parameters.node_info.at("Add_3").input_type, NodeDType::kInt16);
  EXPECT_EQ(s->model_parameters.node_info.at("Add_3").output_type, NodeDType::kInt16);
  EXPECT_FALSE(s->model_parameters.node_info.at("Add_3").on.has_value());
  // The mapping form written inside a quoted string.
  auto q = Cfg::minimal().set(M, "node_info", "'{\"Conv_0\": {\"ON\": \"BPU\"}}'").parse();
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->model_parameters.node_info.at("Conv_0").on, Device::kBpu);
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(M, "node_info", "'Conv_0'").parse(),
                        "model_parameters.node_info: 'Conv_0' is not node_name:type"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(M, "node_info", "'Conv_0:int4'").parse(),
                        "node_info.Conv_0: 'int4' is not one of int8, int16, float16"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(M, "node_info", "{Conv_0: {ON: GPU}}").parse(),
                        "node_info.Conv_0.ON: 'GPU' is not one of BPU, CPU"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(M, "node_info", "{Conv_0: {InputTyp: int16}}").parse(),
                        "node_info.Conv_0: unknown key 'InputTyp' (allowed: ON, InputType, InputType<N>, OutputType); "
                        "did you mean 'InputType'?"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(M, "node_info", "{Conv_0: {}}").parse(), "expected a non-empty mapping"));
}

// ---------------------------------------------------------------- compiler

TEST(ConfigCompiler, BalanceNeedsFactor) {
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "compile_mode", "'balance'").parse(),
                        "compiler_parameters.balance_factor: missing required key: compile_mode balance needs "
                        "balance_factor"));
  EXPECT_TRUE(Cfg::minimal().set(X, "compile_mode", "'balance'").set(X, "balance_factor", "0").parse().ok());
  auto r = Cfg::minimal().set(X, "balance_factor", "50").parse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->warnings, (std::vector<std::string>{"compiler_parameters.balance_factor has no effect with compile_mode "
                                                   "latency (only balance)"}));
}

TEST(ConfigCompiler, CoreNumPerMarch) {
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "core_num", "2").parse(),
                        "compiler_parameters.core_num: 2 is out of range for march nash-e (allowed: 1)"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(M, "march", "'nash-m'").set(X, "core_num", "2").parse(), "(allowed: 1)"));
  EXPECT_TRUE(Cfg::minimal().set(M, "march", "'nash-p'").set(X, "core_num", "2").parse().ok());
}

TEST(ConfigCompiler, InputSourceRules) {
  // resizer only with nv12 / gray.
  EXPECT_TRUE(image("'nv12'").set(I, "input_name", "'data'").set(X, "input_source", "{data: resizer}").parse().ok());
  EXPECT_TRUE(
      FailsWith(image("'yuv444'").set(I, "input_name", "'data'").set(X, "input_source", "{data: resizer}").parse(),
                "compiler_parameters.input_source: input 'data': resizer requires input_type_rt nv12 or gray, "
                "got yuv444"));
  // resizer not with layer_out_dump.
  EXPECT_TRUE(FailsWith(image("'nv12'")
                            .set(M, "layer_out_dump", "True")
                            .set(I, "input_name", "'data'")
                            .set(X, "input_source", "{data: resizer}")
                            .parse(),
                        "resizer cannot be used with layer_out_dump: True"));
  EXPECT_TRUE(image("'nv12'")
                  .set(M, "layer_out_dump", "True")
                  .set(I, "input_name", "'data'")
                  .set(X, "input_source", "{data: pyramid}")
                  .parse()
                  .ok());
  // Names must be inputs.
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(I, "input_name", "'data'").set(X, "input_source", "{dat: ddr}").parse(),
                        "compiler_parameters.input_source: 'dat' is not in input_name (data); did you mean 'data'?"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "input_source", "{a: ddr, b: ddr}").parse(),
                        "2 inputs given; a multi-input model needs input_parameters.input_name"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "input_source", "'ddr'").parse(),
                        "expected a mapping {input_name: ddr | pyramid | resizer}, got a value 'ddr'"));
  // Defaults follow input_type_rt; an explicit entry wins; a quoted JSON string is accepted.
  auto r = image("'gray'").set(I, "input_type_train", "'gray'").parse();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(effective_input_source(*r, 0), InputSource::kPyramid);
  auto e = image("'rgb'").set(X, "input_source", "'{\"in\": \"pyramid\"}'").parse();
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(effective_input_source(*e, 0), InputSource::kPyramid);
}

TEST(ConfigCompiler, IntegerRangesAtTheEdges) {
  EXPECT_TRUE(Cfg::minimal().set(X, "max_time_per_fc", "0").parse().ok());
  EXPECT_TRUE(Cfg::minimal().set(X, "max_time_per_fc", "4294967295").parse().ok());
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "max_time_per_fc", "4294967296").parse(), "is out of range"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "max_time_per_fc", "999").parse(), "is out of range"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "jobs", "2.5").parse(), "'2.5' is not an integer"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(I, "input_batch", "0").parse(), "0 is out of range (allowed: 1-4096)"));
  EXPECT_TRUE(Cfg::minimal().set(I, "input_batch", "4096").parse().ok());
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "balance_factor", "-1").parse(), "-1 is out of range (allowed: 0-100)"));
  EXPECT_TRUE(FailsWith(Cfg::minimal().set(X, "advice", "99999999999999999999999").parse(), "is out of range"));
}

}  // namespace
}  // namespace npukit::config

namespace npukit::config {
namespace {

// Odd documents must give an error (or parse), never throw or crash: yaml-cpp exceptions stop at the boundary.
TEST(ConfigRobustness, OddDocumentsNeverThrow) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const std::vector<std::string> docs = {
      "model_parameters: &a {march: *a}\ninput_parameters:\ncalibration_parameters:\ncompiler_parameters:\n",
      "model_parameters:\n  " + deep + ": 1\n",
      "model_parameters: " + deep + "\n",
      "? [a, b]\n: c\n",
      "model_parameters: {? [x]: 1}\ninput_parameters:\ncalibration_parameters:\ncompiler_parameters:\n",
      "--- a\n--- b\n",
      "\t\x01\xff",
      "model_parameters: {onnx_model: m.onnx, march: nash-e, node_info: '{bad'}\ninput_parameters:\n"
      "calibration_parameters: {calibration_type: skip}\ncompiler_parameters:\n",
      "model_parameters: {onnx_model: m.onnx, march: nash-e}\ninput_parameters:\n"
      "calibration_parameters: {calibration_type: skip, quant_config: '{\"op_config\": [1]}'}\ncompiler_parameters:\n",
  };
  for (const auto& d : docs) {
    SCOPED_TRACE(d.substr(0, 80));
    Expected<CompileConfig> r = Status(ErrorCode::kInternal, "not run");
    EXPECT_NO_THROW(r = parse_compile_config(d, "odd.yaml", "/cfg"));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().message();
  }
}

TEST(ConfigDump, ShowsWarningsAndEffectiveSources) {
  auto r = Cfg::minimal().set(X, "balance_factor", "10").parse();
  ASSERT_TRUE(r.ok());
  const std::string d = dump_compile_config(*r);
  EXPECT_NE(d.find("# warning: compiler_parameters.balance_factor has no effect with compile_mode latency (only "
                   "balance)\n"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("  # effective input_source: input #0 ddr\n"), std::string::npos) << d;
  EXPECT_NE(d.find("  working_dir: '/cfg/model_output'\n"), std::string::npos) << d;
}

}  // namespace
}  // namespace npukit::config
