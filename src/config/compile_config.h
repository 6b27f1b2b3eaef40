// SPDX-License-Identifier: Apache-2.0
// npukit config: the hb_compile-compatible YAML configuration of the PTQ/compile stage.
//
// A config file has four groups (all must be present): model_parameters, input_parameters,
// calibration_parameters, compiler_parameters. Every key the vendor reference documents is a typed
// field below with its documented default; docs/CONFIG.md lists them all. Parsing validates types,
// ranges, enum values, unknown keys (with a "did you mean" suggestion) and every cross-constraint
// that can be decided without the model; check_against_model() does the rest once the model's
// inputs are known. This library deliberately knows nothing of ir/ (the pipeline wires the two).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace npukit::config {

/// Target architecture presets. kFile: `march` named a march description .yaml file (see march_file).
enum class March { kNashE, kNashM, kNashP, kBayes, kBayesE, kBernoulli2, kRk3588, kTiny, kFile };
/// Image / tensor formats of input_type_train and input_type_rt. kNv12 is valid for input_type_rt only.
enum class InputType { kRgb, kBgr, kYuv444, kYuv444_128, kGray, kFeaturemap, kNv12 };
enum class Layout { kNCHW, kNHWC };
enum class SpaceAndRange { kRegular, kBt601Video };
enum class NormType { kNoPreprocess, kDataMean, kDataScale, kDataMeanAndScale };
/// kMse is an npukit extension (the threshold minimising the expected squared quantization error); so is
/// kLoad: the model is already quantized (QDQ ONNX, e.g. a PyTorch QAT export) and keeps its own scales.
enum class CalibrationType { kDefault, kMix, kKl, kMax, kMse, kSkip, kLoad };
enum class CompileMode { kLatency, kBandwidth, kBalance };
enum class OptimizeLevel { kO0, kO1, kO2, kO3 };
enum class InputSource { kDdr, kPyramid, kResizer };
enum class Device { kBpu, kCpu };
/// Computation data types of node_info / quant_config.
enum class NodeDType { kInt8, kInt16, kFloat16 };
enum class DebugMode { kNone, kDumpCalibrationData };

/// Spelling used in YAML ("nash-e", "nv12", "NCHW", "data_mean_and_scale", "O2", "BPU", "int16", ...).
const char* to_string(March v);
const char* to_string(InputType v);
const char* to_string(Layout v);
const char* to_string(SpaceAndRange v);
const char* to_string(NormType v);
const char* to_string(CalibrationType v);
const char* to_string(CompileMode v);
const char* to_string(OptimizeLevel v);
const char* to_string(InputSource v);
const char* to_string(Device v);
const char* to_string(NodeDType v);
const char* to_string(DebugMode v);

/// One node_info entry (also produced by the legacy run_on_cpu / run_on_bpu lists).
struct NodeInfo {
  std::optional<Device> on;                ///< 'ON': 'BPU' | 'CPU'
  std::optional<NodeDType> input_type;     ///< 'InputType': applies to every input of the node
  std::map<int, NodeDType> input_type_at;  ///< 'InputType<N>': input N only (overrides input_type)
  std::optional<NodeDType> output_type;    ///< 'OutputType': every output (no per-output form exists)
  bool operator==(const NodeInfo&) const = default;
};

struct ModelParameters {
  std::optional<std::string> onnx_model;   ///< resolved path; exactly one of onnx_model / caffe_model+prototxt
  std::optional<std::string> caffe_model;  ///< resolved path (npukit's frontend imports ONNX only)
  std::optional<std::string> prototxt;     ///< resolved path
  March march = March::kNashE;             ///< required key
  std::string march_file;                  ///< resolved path when march == kFile, else empty
  std::string output_model_file_prefix = "model";
  std::string working_dir;  ///< resolved; default "<yaml folder>/model_output"
  bool layer_out_dump = false;
  std::vector<std::string> output_nodes;
  std::vector<std::string> remove_node_type;  ///< each one of Quantize, Transpose, Dequantize, Cast, Reshape, Softmax
  std::vector<std::string> remove_node_name;
  DebugMode debug_mode = DebugMode::kNone;
  /// node name → settings; also holds calibration_parameters.run_on_cpu / run_on_bpu (legacy form).
  std::map<std::string, NodeInfo> node_info;
  bool operator==(const ModelParameters&) const = default;
};

/// Per-input vectors have one entry per input: num_inputs() = input_name.size(), or 1 when input_name is
/// absent (single-input model). Absent keys are filled with their defaults.
struct InputParameters {
  std::vector<std::string> input_name;                    ///< empty: not given (single-input model)
  std::vector<InputType> input_type_train;                ///< default featuremap
  std::vector<InputType> input_type_rt;                   ///< default featuremap
  std::vector<std::optional<Layout>> input_layout_train;  ///< no default; required where a channel axis is needed
  std::vector<SpaceAndRange> input_space_and_range;       ///< default regular
  std::vector<Shape> input_shape;                         ///< empty: read from the model; else one per input
  int64_t input_batch = 1;                                ///< 1..4096; >1 only for single-input, first dim 1
  bool separate_batch = false;
  std::vector<NormType> norm_type;               ///< default no_preprocess
  std::vector<std::vector<double>> mean_value;   ///< per input: 1 or C values; empty = None
  std::vector<std::vector<double>> scale_value;  ///< per input: 1 or C values; empty = None
  bool operator==(const InputParameters&) const = default;
};

/// calibration_parameters.optimization, decoded.
struct Optimization {
  bool set_model_output_int8 = false;
  bool set_model_output_int16 = false;
  std::vector<std::string> input_int16_kinds;   ///< set_{NodeKind}_input_int16
  std::vector<std::string> output_int16_kinds;  ///< set_{NodeKind}_output_int16
  bool softmax_input_int8 = false;              ///< set_Softmax_input_int8
  bool softmax_output_int8 = false;             ///< set_Softmax_output_int8
  bool asymmetric = false;
  bool bias_correction = false;
  bool lstm_batch_last = false;
  std::vector<std::string> raw;  ///< the values as written, in order (for the dump)
  bool operator==(const Optimization&) const = default;
};

/// The quant_config JSON (model_config < op_config < node_config in priority).
struct QuantConfig {
  std::optional<NodeDType> all_node_type;        ///< int16 | float16
  std::optional<NodeDType> model_output_type;    ///< int8 | int16
  std::map<std::string, NodeDType> op_config;    ///< ONNX op type → type
  std::map<std::string, NodeDType> node_config;  ///< node name → type
  bool operator==(const QuantConfig&) const = default;
};

struct CalibrationParameters {
  std::vector<std::string> cal_data_dir;  ///< resolved folders, one per input; required unless skip / load
  CalibrationType calibration_type = CalibrationType::kDefault;
  double max_percentile = 1.0;  ///< 0.5..1.0; acts only with calibration_type max
  bool per_channel = false;
  Optimization optimization;
  std::string quant_config_path;  ///< resolved path of the JSON file ("" if inline/absent)
  std::optional<QuantConfig> quant_config;
  bool operator==(const CalibrationParameters&) const = default;
};

struct CompilerParameters {
  CompileMode compile_mode = CompileMode::kLatency;
  std::optional<int64_t> balance_factor;  ///< 0..100, required with compile_mode balance
  int64_t core_num = 1;
  OptimizeLevel optimize_level = OptimizeLevel::kO0;
  std::map<std::string, InputSource> input_source;  ///< as written; see effective_input_source()
  int64_t max_time_per_fc = 0;                      ///< 0 or 1000..4294967295 (µs)
  int64_t jobs = 16;                                ///< ≥ 1; the compiler clamps it to the machine's cores
  int64_t advice = 0;                               ///< ≥ 0 (µs)
  bool debug = false;                               ///< legacy hb_mapper key
  bool operator==(const CompilerParameters&) const = default;
};

struct CompileConfig {
  std::string source;      ///< name of the YAML file (for messages)
  std::string base_dir;    ///< folder relative paths were resolved against
  bool fast_perf = false;  ///< built by make_fast_perf_config(): place every BPU-capable node on the BPU
  ModelParameters model_parameters;
  InputParameters input_parameters;
  CalibrationParameters calibration_parameters;
  CompilerParameters compiler_parameters;
  /// Settings that are accepted but have no effect (e.g. max_percentile with calibration_type kl).
  std::vector<std::string> warnings;

  size_t num_inputs() const { return input_parameters.input_name.empty() ? 1 : input_parameters.input_name.size(); }
  bool operator==(const CompileConfig&) const = default;
};

/// Reads and parses a config file; relative paths are resolved against the file's folder.
/// kNotFound if the file (or the quant_config JSON it names) does not exist; kInvalidArgument otherwise.
Expected<CompileConfig> load_compile_config(const std::string& path);

/// Parses YAML text. `name` is used in messages; relative paths are resolved against `base_dir`
/// (default: the folder of `name`).
Expected<CompileConfig> parse_compile_config(const std::string& yaml_text, const std::string& name,
                                             const std::string& base_dir = "");

/// Parses a quant_config JSON text (`//` line comments allowed, as in the reference template).
Expected<QuantConfig> parse_quant_config(const std::string& json_text, const std::string& name);

/// Canonical dump of the effective configuration (every key, defaults filled). It is valid config YAML:
/// parse_compile_config(dump_compile_config(c), ...) yields c again.
std::string dump_compile_config(const CompileConfig& config);

/// input_source of input i: the configured value, else pyramid for input_type_rt nv12/gray, else ddr.
InputSource effective_input_source(const CompileConfig& config, size_t input_index);

/// What check_against_model needs to know about the model (filled by the pipeline from the IR).
struct ModelInput {
  std::string name;
  Shape shape;  ///< dims ≤ 0 are dynamic / unknown
};
struct ModelInputs {
  std::vector<ModelInput> inputs;  ///< graph inputs in order (initializers excluded)
  /// Optional: names of the model's nodes; when non-empty, node_info / output_nodes / remove_node_name /
  /// quant_config node_config names are checked against it.
  std::vector<std::string> node_names;
  /// Optional: op types npukit knows (ONNX names); when non-empty, NodeKinds in optimization and
  /// quant_config op_config are checked against it.
  std::vector<std::string> known_op_types;
};

/// Cross-checks that need the model: input names and count, input_shape vs the model's shapes,
/// input_batch (single input, first dim 1), norm_type of non-4-D featuremap inputs, image inputs' rank and
/// channels, mean/scale channel counts, even H/W for nv12, input_source names, node names. kInvalidArgument.
Status check_against_model(const CompileConfig& config, const ModelInputs& model);

/// The input shapes the compiler uses: input_shape when given, else the model's (a dynamic first dim
/// becomes 1; other dynamic dims are an error). Input i of the result is config input i.
Expected<std::vector<Shape>> effective_input_shapes(const CompileConfig& config, const ModelInputs& model);

/// kNotFound naming group.key and path for each model / march / cal_data_dir path that does not exist.
Status check_files_exist(const CompileConfig& config);

/// hb_compile --fast-perf: the built-in performance configuration for a model (no YAML file).
struct FastPerfOptions {
  std::string model;                                              ///< .onnx or .caffemodel
  std::string proto;                                              ///< Caffe prototxt (Caffe models only)
  std::string march;                                              ///< preset name or march .yaml path
  std::vector<std::pair<std::string, std::string>> input_shapes;  ///< (--input-shape NAME 1x3x224x224)...
  std::string working_dir = "model_output";
};
Expected<CompileConfig> make_fast_perf_config(const FastPerfOptions& options);

}  // namespace npukit::config
