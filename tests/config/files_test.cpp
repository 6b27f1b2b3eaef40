// SPDX-License-Identifier: Apache-2.0
// Config files on disk: loading, relative paths, quant_config JSON, the full example, the dump, the
// checks against the model's inputs, file existence and the fast-perf configuration.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/compile_config.h"
#include "config_test_util.h"

namespace npukit::config {
namespace {

namespace fs = std::filesystem;
using testing::Cfg;
using testing::FailsWith;
const std::string M = "model_parameters", I = "input_parameters", K = "calibration_parameters",
                  X = "compiler_parameters";

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / (std::string("npukit_cfg_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& rel, const std::string& text) const {
    fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

std::string fixture() {
  return std::string(NPUKIT_SOURCE_DIR) + "/tests/config/full_example.yaml";
}

TEST(ConfigFiles, RelativePathsResolveAgainstTheYamlFolder) {
  TempDir t;
  std::string cfg = Cfg::minimal()
                        .set(M, "onnx_model", "'../models/m.onnx'")
                        .set(M, "march", "'march/npu.yaml'")
                        .set(K, "calibration_type", "'max'")
                        .set(K, "cal_data_dir", "'cal'")
                        .set(M, "remove_node_name", "'/abs/is/kept'")
                        .text();
  const std::string path = t.write("configs/model.yaml", cfg);
  auto r = load_compile_config(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->base_dir, t.str() + "/configs");
  EXPECT_EQ(r->model_parameters.onnx_model, t.str() + "/models/m.onnx");
  EXPECT_EQ(r->model_parameters.march_file, t.str() + "/configs/march/npu.yaml");
  EXPECT_EQ(r->model_parameters.working_dir, t.str() + "/configs/model_output");
  EXPECT_EQ(r->calibration_parameters.cal_data_dir, (std::vector<std::string>{t.str() + "/configs/cal"}));
  EXPECT_EQ(r->source, path);
  // Absolute paths are kept.
  auto a = Cfg::minimal().set(M, "onnx_model", "'/data/m.onnx'").parse();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->model_parameters.onnx_model, "/data/m.onnx");
  // Several calibration folders.
  auto multi = Cfg::minimal().set(I, "input_name", "'a;b'").set(K, "cal_data_dir", "'x; /y'").parse();
  ASSERT_TRUE(multi.ok()) << multi.status().message();
  EXPECT_EQ(multi->calibration_parameters.cal_data_dir, (std::vector<std::string>{"/cfg/x", "/y"}));
}

TEST(ConfigFiles, MissingConfigIsNotFound) {
  TempDir t;
  auto r = load_compile_config(t.str() + "/nope.yaml");
  EXPECT_TRUE(FailsWith(r, "nope.yaml", ErrorCode::kNotFound));
}

TEST(ConfigFiles, QuantConfigJsonFileWithComments) {
  TempDir t;
  t.write("q/quant.json", R"({
  // model level
  "model_config": {"all_node_type": "float16", "model_output_type": "int16"},
  "op_config": {"Conv": {"type": "int16"}, "Add": {"type": "int16"}},  // every Conv and Add
  "node_config": {"Add_2": {"type": "int8"}, "http://x": {"type": "float16"}}
})");
  const std::string path = t.write("model.yaml", Cfg::minimal().set(K, "quant_config", "'q/quant.json'").text());
  auto r = load_compile_config(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& cp = r->calibration_parameters;
  EXPECT_EQ(cp.quant_config_path, t.str() + "/q/quant.json");
  ASSERT_TRUE(cp.quant_config.has_value());
  EXPECT_EQ(cp.quant_config->all_node_type, NodeDType::kFloat16);
  EXPECT_EQ(cp.quant_config->model_output_type, NodeDType::kInt16);
  EXPECT_EQ(cp.quant_config->op_config,
            (std::map<std::string, NodeDType>{{"Add", NodeDType::kInt16}, {"Conv", NodeDType::kInt16}}));
  // "//" inside a string is not a comment.
  EXPECT_EQ(cp.quant_config->node_config.at("http://x"), NodeDType::kFloat16);
  EXPECT_EQ(cp.quant_config->node_config.at("Add_2"), NodeDType::kInt8);

  const std::string missing = t.write("m2.yaml", Cfg::minimal().set(K, "quant_config", "'absent.json'").text());
  EXPECT_TRUE(FailsWith(load_compile_config(missing),
                        "calibration_parameters.quant_config: cannot read '" + t.str() + "/absent.json'",
                        ErrorCode::kNotFound));
}

TEST(ConfigFiles, QuantConfigValidation) {
  EXPECT_TRUE(FailsWith(parse_quant_config(R"({"model_config": {"all_node_type": "int8"}})", "q.json"),
                        "q.json: model_config.all_node_type: 'int8' is not one of int16, float16"));
  EXPECT_TRUE(FailsWith(parse_quant_config(R"({"model_config": {"model_output_type": "float16"}})", "q.json"),
                        "'float16' is not one of int8, int16"));
  EXPECT_TRUE(FailsWith(parse_quant_config(R"({"op_confg": {}})", "q.json"),
                        "q.json: unknown key 'op_confg' (allowed: model_config, op_config, node_config); did you mean "
                        "'op_config'?"));
  EXPECT_TRUE(FailsWith(parse_quant_config(R"({"node_config": {"Add_1": "int16"}})", "q.json"),
                        "node_config.Add_1: must be {\"type\": \"int8\" | \"int16\" | \"float16\"}"));
  EXPECT_TRUE(FailsWith(parse_quant_config(R"({"model_config": {"all_node_typ": "int16"}})", "q.json"),
                        "did you mean 'all_node_type'?"));
  EXPECT_TRUE(FailsWith(parse_quant_config(R"({"model_config": )", "q.json"), "YAML syntax error"));
  auto ok = parse_quant_config("{}", "q.json");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, QuantConfig{});
}

TEST(ConfigFiles, FullExampleParses) {
  auto r = load_compile_config(fixture());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const CompileConfig& c = *r;
  const std::string dir = fs::absolute(fs::path(fixture()).parent_path()).lexically_normal().string();
  EXPECT_EQ(c.model_parameters.onnx_model, dir + "/models/mobilenetv1.onnx");
  EXPECT_EQ(c.model_parameters.march, March::kNashE);
  EXPECT_EQ(c.model_parameters.output_model_file_prefix, "mobilenetv1");
  EXPECT_EQ(c.model_parameters.working_dir, dir + "/model_output_dir");
  EXPECT_EQ(c.model_parameters.output_nodes, (std::vector<std::string>{"fc7"}));
  EXPECT_EQ(c.model_parameters.remove_node_type, (std::vector<std::string>{"Dequantize"}));
  EXPECT_EQ(c.input_parameters.input_name, (std::vector<std::string>{"data"}));
  EXPECT_EQ(c.input_parameters.input_type_train[0], InputType::kBgr);
  EXPECT_EQ(c.input_parameters.input_type_rt[0], InputType::kYuv444);
  EXPECT_EQ(c.input_parameters.input_layout_train[0], Layout::kNCHW);
  EXPECT_EQ(c.input_parameters.input_shape[0], (Shape{1, 3, 224, 224}));
  EXPECT_EQ(c.input_parameters.norm_type[0], NormType::kDataMeanAndScale);
  EXPECT_EQ(c.input_parameters.mean_value[0], (std::vector<double>{103.94, 116.78, 123.68}));
  EXPECT_EQ(c.input_parameters.scale_value[0], (std::vector<double>{0.017}));
  EXPECT_EQ(c.calibration_parameters.calibration_type, CalibrationType::kKl);
  EXPECT_EQ(c.compiler_parameters.optimize_level, OptimizeLevel::kO2);
  EXPECT_EQ(c.compiler_parameters.max_time_per_fc, 1000);
  EXPECT_EQ(c.compiler_parameters.jobs, 8);
  EXPECT_EQ(effective_input_source(c, 0), InputSource::kPyramid);
  // The template sets max_percentile: 1.0 (its default) together with kl: accepted without a warning.
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ConfigDump, RoundTripsEveryField) {
  TempDir t;
  t.write("quant.json", R"({"op_config": {"Conv": {"type": "int16"}}})");
  std::string text = Cfg::minimal()
                         .set(M, "output_nodes", "'a;b'")
                         .set(M, "remove_node_type", "'Cast;Softmax'")
                         .set(M, "remove_node_name", "['it''s', 'semi;colon']")
                         .set(M, "debug_mode", "'dump_calibration_data'")
                         .set(M, "node_info", "{Conv_1: {ON: CPU, InputType2: float16, OutputType: int16}}")
                         .set(I, "input_name", "'img;aux'")
                         .set(I, "input_type_train", "'rgb;featuremap'")
                         .set(I, "input_type_rt", "'nv12;featuremap'")
                         .set(I, "input_layout_train", "'NHWC;NCHW'")
                         .set(I, "input_space_and_range", "'bt601_video;regular'")
                         .set(I, "input_shape", "'1x224x224x3;1x4x8x8'")
                         .set(I, "norm_type", "'data_mean_and_scale;data_scale'")
                         .set(I, "mean_value", "'0.1 0.2 0.3;None'")
                         .set(I, "scale_value", "'0.0078125;1 2 3 4'")
                         .set(K, "calibration_type", "'max'")
                         .set(K, "cal_data_dir", "'c1;c2'")
                         .set(K, "max_percentile", "0.99999")
                         .set(K, "per_channel", "True")
                         .set(K, "optimization", "'set_Conv_output_int16;bias_correction'")
                         .set(K, "quant_config", "'quant.json'")
                         .set(K, "run_on_bpu", "'Mul_4'")
                         .set(X, "compile_mode", "'balance'")
                         .set(X, "balance_factor", "40")
                         .set(X, "optimize_level", "'O1'")
                         .set(X, "input_source", "{img: resizer}")
                         .set(X, "max_time_per_fc", "2000")
                         .set(X, "jobs", "3")
                         .set(X, "advice", "7")
                         .set(X, "debug", "True")
                         .text();
  auto a = parse_compile_config(text, "model.yaml", t.str());
  ASSERT_TRUE(a.ok()) << a.status().message();
  const std::string dump = dump_compile_config(*a);
  auto b = parse_compile_config(dump, "model.yaml", t.str());
  ASSERT_TRUE(b.ok()) << b.status().message() << "\n" << dump;
  EXPECT_EQ(*a, *b) << dump;
  EXPECT_NE(dump.find("  # effective input_source: input 'img' resizer, input 'aux' ddr\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("  mean_value: '0.1 0.2 0.3;None'\n"), std::string::npos) << dump;
  // And the minimal config with every default.
  auto m = Cfg::minimal().parse();
  ASSERT_TRUE(m.ok());
  auto m2 = parse_compile_config(dump_compile_config(*m), "model.yaml", "/cfg");
  ASSERT_TRUE(m2.ok()) << m2.status().message();
  EXPECT_EQ(*m, *m2);
}

// ---------------------------------------------------------------- checks against the model

ModelInputs one_input(Shape s, const std::string& name = "data") {
  ModelInputs m;
  m.inputs.push_back({name, std::move(s)});
  return m;
}

TEST(ConfigModelCheck, InputNamesAndCount) {
  ModelInputs two;
  two.inputs = {{"img", {1, 3, 8, 8}}, {"mask", {1, 1, 8, 8}}};
  auto unnamed = Cfg::minimal().parse();
  ASSERT_TRUE(unnamed.ok());
  EXPECT_TRUE(check_against_model(*unnamed, one_input({1, 3, 8, 8})).ok());
  EXPECT_TRUE(FailsWith(check_against_model(*unnamed, two),
                        "model.yaml: input_parameters.input_name: the model has 2 inputs (img, mask); input_name is "
                        "required for multi-input models"));
  auto named = Cfg::minimal().set(I, "input_name", "'mask;img'").parse();
  ASSERT_TRUE(named.ok());
  EXPECT_TRUE(check_against_model(*named, two).ok());
  auto typo = Cfg::minimal().set(I, "input_name", "'imgg;mask'").parse();
  ASSERT_TRUE(typo.ok());
  EXPECT_TRUE(FailsWith(check_against_model(*typo, two),
                        "'imgg' is not an input of the model (inputs: img, mask); did you mean 'img'?"));
  auto partial = Cfg::minimal().set(I, "input_name", "'img'").parse();
  ASSERT_TRUE(partial.ok());
  EXPECT_TRUE(FailsWith(check_against_model(*partial, two), "model input 'mask' is not listed"));
  EXPECT_TRUE(FailsWith(check_against_model(*unnamed, ModelInputs{}), "the model has no inputs"));
}

TEST(ConfigModelCheck, InputShapesAgainstTheModel) {
  auto c = Cfg::minimal().set(I, "input_shape", "'4x3x8x8'").parse();
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(check_against_model(*c, one_input({-1, 3, 8, 8})).ok());
  EXPECT_TRUE(FailsWith(check_against_model(*c, one_input({1, 3, 8, 8})),
                        "input_parameters.input_shape: input #0: 4x3x8x8 does not match the model input 'data' shape "
                        "1x3x8x8 at dim 0"));
  EXPECT_TRUE(
      FailsWith(check_against_model(*c, one_input({1, 3, 8})), "has rank 4 but the model input 'data' is 1x3x8"));
  auto d = Cfg::minimal().parse();
  ASSERT_TRUE(d.ok());
  auto shapes = effective_input_shapes(*d, one_input({0, 3, 8, 8}));
  ASSERT_TRUE(shapes.ok());
  EXPECT_EQ((*shapes)[0], (Shape{1, 3, 8, 8}));  // dynamic batch → 1
  EXPECT_TRUE(FailsWith(effective_input_shapes(*d, one_input({1, 3, -1, 8})),
                        "input #0: model input 'data' has dynamic shape 1x3x?x8; set input_shape"));
}

TEST(ConfigModelCheck, ShapeRulesUseTheModelShape) {
  auto batch = Cfg::minimal().set(I, "input_batch", "8").parse();
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(check_against_model(*batch, one_input({1, 16})).ok());
  EXPECT_TRUE(
      FailsWith(check_against_model(*batch, one_input({2, 16})),
                "input_parameters.input_batch: 8 needs the first dim of input #0 to be 1, shape is 2x16 (model)"));
  auto fm = Cfg::minimal()
                .set(I, "input_layout_train", "'NCHW'")
                .set(I, "norm_type", "'data_scale'")
                .set(I, "scale_value", "'1 2 3'");
  auto fmc = fm.parse();
  ASSERT_TRUE(fmc.ok());
  EXPECT_TRUE(check_against_model(*fmc, one_input({1, 3, 5, 5})).ok());
  EXPECT_TRUE(FailsWith(check_against_model(*fmc, one_input({1, 75})), "must be no_preprocess for a featuremap input"));
  EXPECT_TRUE(
      FailsWith(check_against_model(*fmc, one_input({1, 4, 5, 5})), "3 values given; need 1 or 4 (one per channel)"));
  auto nv12 = Cfg::minimal()
                  .set(I, "input_type_train", "'rgb'")
                  .set(I, "input_type_rt", "'nv12'")
                  .set(I, "input_layout_train", "'NCHW'")
                  .parse();
  ASSERT_TRUE(nv12.ok());
  EXPECT_TRUE(check_against_model(*nv12, one_input({1, 3, 224, 224})).ok());
  EXPECT_TRUE(
      FailsWith(check_against_model(*nv12, one_input({1, 3, 225, 224})), "nv12 needs an even height and width"));
  EXPECT_TRUE(FailsWith(check_against_model(*nv12, one_input({1, 1, 224, 224})), "rgb input must have 3 channel(s)"));
  // input_source key of an unnamed single input must be the model's input name.
  auto src = Cfg::minimal().set(X, "input_source", "{inp: ddr}").parse();
  ASSERT_TRUE(src.ok());
  EXPECT_TRUE(check_against_model(*src, one_input({1, 4}, "inp")).ok());
  EXPECT_TRUE(FailsWith(check_against_model(*src, one_input({1, 4}, "x")),
                        "compiler_parameters.input_source: 'inp' is not the model's input (x)"));
}

TEST(ConfigModelCheck, NodeNamesAndOpTypesWhenGiven) {
  auto c = Cfg::minimal()
               .set(M, "node_info", "{Conv_1: {ON: CPU}}")
               .set(M, "output_nodes", "'Relu_2'")
               .set(K, "optimization", "'set_Conv_input_int16'")
               .parse();
  ASSERT_TRUE(c.ok());
  ModelInputs m = one_input({1, 4});
  EXPECT_TRUE(check_against_model(*c, m).ok());  // no node list: not checked
  m.node_names = {"Conv_1", "Relu_2"};
  m.known_op_types = {"Conv", "Relu"};
  EXPECT_TRUE(check_against_model(*c, m).ok());
  m.node_names = {"Conv_01", "Relu_2"};
  EXPECT_TRUE(FailsWith(check_against_model(*c, m),
                        "model_parameters.node_info: node 'Conv_1' is not in the model; did you mean 'Conv_01'?"));
  m.node_names = {"Conv_1", "Relu_2"};
  m.known_op_types = {"Relu"};
  EXPECT_TRUE(FailsWith(check_against_model(*c, m), "calibration_parameters.optimization: NodeKind 'Conv' is not in"));
}

TEST(ConfigFiles, CheckFilesExist) {
  TempDir t;
  t.write("m.onnx", "x");
  fs::create_directories(t.str() + "/cal");
  auto ok = parse_compile_config(
      Cfg::minimal().set(K, "calibration_type", "'kl'").set(K, "cal_data_dir", "'cal'").text(), "model.yaml", t.str());
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(check_files_exist(*ok).ok());
  auto bad =
      parse_compile_config(Cfg::minimal().set(K, "calibration_type", "'kl'").set(K, "cal_data_dir", "'nocal'").text(),
                           "model.yaml", t.str());
  ASSERT_TRUE(bad.ok());
  EXPECT_TRUE(FailsWith(check_files_exist(*bad),
                        "calibration_parameters.cal_data_dir: folder '" + t.str() + "/nocal' does not exist",
                        ErrorCode::kNotFound));
  auto nomodel = parse_compile_config(Cfg::minimal().set(M, "onnx_model", "'x.onnx'").text(), "model.yaml", t.str());
  ASSERT_TRUE(nomodel.ok());
  EXPECT_TRUE(FailsWith(check_files_exist(*nomodel), "model_parameters.onnx_model: file '" + t.str() + "/x.onnx'",
                        ErrorCode::kNotFound));
}

TEST(ConfigFastPerf, BuiltInConfiguration) {
  FastPerfOptions o;
  o.model = "m.onnx";
  o.march = "nash-m";
  o.input_shapes = {{"input_1", "1x3x224x224"}, {"input_2", "1x3x224x224"}};
  auto r = make_fast_perf_config(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->fast_perf);
  EXPECT_EQ(r->model_parameters.march, March::kNashM);
  EXPECT_EQ(r->model_parameters.onnx_model, "m.onnx");
  EXPECT_EQ(r->calibration_parameters.calibration_type, CalibrationType::kSkip);
  EXPECT_EQ(r->model_parameters.remove_node_type,
            (std::vector<std::string>{"Quantize", "Dequantize", "Transpose", "Cast", "Reshape"}));
  EXPECT_EQ(r->input_parameters.input_name, (std::vector<std::string>{"input_1", "input_2"}));
  EXPECT_EQ(r->input_parameters.input_shape, (std::vector<Shape>{{1, 3, 224, 224}, {1, 3, 224, 224}}));
  FastPerfOptions caffe;
  caffe.model = "net.caffemodel";
  caffe.proto = "net.prototxt";
  caffe.march = "nash-e";
  auto c = make_fast_perf_config(caffe);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->model_parameters.prototxt, "net.prototxt");
  FastPerfOptions bad = o;
  bad.proto = "x.prototxt";
  EXPECT_TRUE(FailsWith(make_fast_perf_config(bad), "--proto is only for Caffe models"));
  bad = o;
  bad.march = "nash";
  EXPECT_TRUE(FailsWith(make_fast_perf_config(bad), "--fast-perf: model_parameters.march: 'nash' is not one of"));
  bad = o;
  bad.input_shapes = {{"a", "1x3xfoo"}};
  EXPECT_TRUE(FailsWith(make_fast_perf_config(bad), "'1x3xfoo' is not a shape"));
}

}  // namespace
}  // namespace npukit::config
