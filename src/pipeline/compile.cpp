// SPDX-License-Identifier: Apache-2.0
#include "pipeline/compile.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "core/file_util.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/text.h"
#include "estimate/perf_estimate.h"
#include "frontend/onnx_export.h"
#include "interp/interpreter.h"
#include "ir/op_table.h"
#include "npk/npk_file.h"
#include "passes/explicit_ceil_pads.h"
#include "passes/fold_batchnorm.h"
#include "passes/fold_conv_affine.h"
#include "passes/fuse_hardswish.h"
#include "passes/promote_f16_compute.h"
#include "passes/remove_identity.h"
#include "pipeline/compile_bias_correction.h"
#include "pipeline/compile_equalize.h"
#include "pipeline/compile_npu.h"
#include "pipeline/compile_precision.h"
#include "pipeline/compile_preprocess.h"
#include "pipeline/load.h"
#include "quant/cal_data.h"
#include "quant/calibrate_graph.h"
#include "quant/lower_qdq.h"
#include "quant/qdq_import.h"
#include "quant/quantize_qdq.h"
#include "viz/graph_svg.h"

namespace npukit::pipeline {
namespace {

namespace fs = std::filesystem;
using config::CompileConfig;
using Samples = std::vector<std::vector<Tensor>>;

/// Output files are first written into a hidden staging folder inside working_dir and renamed into
/// place by commit(); the destructor removes the staging folder (a failed run changes nothing).
class Staging {
 public:
  static Expected<Staging> create(const std::string& final_dir) {
    std::error_code ec;
    fs::create_directories(final_dir, ec);
    if (ec) return make_error(ErrorCode::kIoError, "cannot create working_dir '", final_dir, "': ", ec.message());
    Staging s;
    s.final_dir_ = final_dir;
    s.dir_ = (fs::path(final_dir) / (".npukit-staging-" + std::to_string(getpid()))).string();
    fs::remove_all(s.dir_, ec);
    fs::create_directories(s.dir_, ec);
    if (ec) return make_error(ErrorCode::kIoError, "cannot create staging folder '", s.dir_, "': ", ec.message());
    return s;
  }
  Staging() = default;
  Staging(Staging&& o) noexcept : dir_(std::move(o.dir_)), final_dir_(std::move(o.final_dir_)), names_(o.names_) {
    o.dir_.clear();
  }
  Staging& operator=(Staging&&) = delete;
  ~Staging() {
    if (dir_.empty()) return;
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  /// Path to write `name` to now (again: the later write replaces the earlier); final path is final_path(name).
  std::string stage(const std::string& name) {
    if (std::find(names_.begin(), names_.end(), name) == names_.end()) names_.push_back(name);
    return (fs::path(dir_) / name).string();
  }
  std::string final_path(const std::string& name) const { return (fs::path(final_dir_) / name).string(); }
  Status commit() {
    for (const auto& n : names_) {
      std::error_code ec;
      fs::rename(fs::path(dir_) / n, fs::path(final_dir_) / n, ec);
      if (ec) return make_error(ErrorCode::kIoError, "cannot move '", n, "' into '", final_dir_, "': ", ec.message());
    }
    return Status::Ok();
  }

 private:
  std::string dir_, final_dir_;
  std::vector<std::string> names_;
};

Expected<ir::Model> load_source(const CompileConfig& c) {
  const auto& mp = c.model_parameters;
  LoadOptions lo;
  lo.resolve = false;
  lo.promote_f16 = false;
  if (mp.onnx_model) return load_model(*mp.onnx_model, lo);
  if (mp.caffe_model) {
    lo.caffe_prototxt = mp.prototxt.value_or("");
    return load_model(*mp.caffe_model, lo);
  }
  return make_error(ErrorCode::kInvalidArgument, c.source, ": model_parameters: no onnx_model or caffe_model given");
}

std::vector<const ir::Value*> runtime_inputs(const ir::Graph& g) {
  std::vector<const ir::Value*> r;
  for (const ir::Value* v : g.inputs())
    if (!v->is_constant()) r.push_back(v);
  return r;
}

config::ModelInputs describe_model(const ir::Graph& g) {
  config::ModelInputs m;
  for (const ir::Value* v : runtime_inputs(g)) m.inputs.push_back({v->name(), v->has_type() ? v->shape() : Shape{}});
  for (const ir::Node* n : g.nodes()) m.node_names.push_back(n->name());
  for (const ir::OpInfo& op : ir::all_ops())
    if (op.domain == nullptr || op.domain[0] == 0) m.known_op_types.push_back(op.name);
  return m;
}

/// Name of config input i in the model.
std::string input_name(const CompileConfig& c, const config::ModelInputs& m, size_t i) {
  const auto& names = c.input_parameters.input_name;
  return names.empty() ? m.inputs.at(i).name : names.at(i);
}

/// Adds the nodes named in output_nodes as extra graph outputs (all their outputs, if not outputs yet).
Status add_output_nodes(ir::Graph& g, const std::vector<std::string>& nodes) {
  if (nodes.empty()) return Status::Ok();
  std::vector<ir::Value*> outs = g.outputs();
  for (const std::string& name : nodes) {
    const ir::Node* found = nullptr;
    for (const ir::Node* n : g.nodes())
      if (n->name() == name) found = n;
    if (!found)
      return make_error(ErrorCode::kInvalidArgument, "model_parameters.output_nodes: node '", name,
                        "' is not in the optimized model (it may have been folded away)");
    for (ir::Value* v : found->outputs())
      if (v && std::find(outs.begin(), outs.end(), v) == outs.end()) outs.push_back(v);
  }
  g.set_outputs(outs);
  return Status::Ok();
}

/// Float optimizations of the optimized model.
Status optimize(ir::Model& m, const std::map<std::string, Shape>& shapes, const CompileConfig& c) {
  // From here on the model is npukit's artifact; the exporter that made the source is kept as metadata.
  if (m.producer_name != "npukit") {
    if (!m.producer_name.empty())
      m.metadata["npukit.source_producer"] =
          m.producer_name + (m.producer_version.empty() ? "" : " " + m.producer_version);
    m.producer_name = "npukit";
    m.producer_version.clear();
  }
  bool changed = false;
  NPUKIT_RETURN_IF_ERROR(passes::promote_f16_compute(m.graph, changed));
  if (changed) log::info("optimize: fp16 model: compute promoted to f32");
  interp::ResolveOptions ro;
  ro.input_shapes = shapes;
  NPUKIT_RETURN_IF_ERROR(interp::resolve(m, ro));
  size_t folded = 0, removed = 0;
  NPUKIT_RETURN_IF_ERROR(passes::fold_batchnorm(m.graph, folded));
  NPUKIT_RETURN_IF_ERROR(passes::remove_identity(m.graph, removed));
  size_t affine = 0, hardswish = 0, ceil_pools = 0;
  NPUKIT_RETURN_IF_ERROR(passes::fold_conv_affine(m.graph, affine));
  NPUKIT_RETURN_IF_ERROR(passes::fuse_hardswish(m.graph, hardswish));
  NPUKIT_RETURN_IF_ERROR(passes::explicit_ceil_pads(m.graph, ceil_pools));
  log::info("optimize: ", folded, " BatchNormalization and ", affine, " per-channel Mul/Add folded into convolutions, ",
            hardswish, " HardSwish patterns fused, ", removed, " Identity/Dropout removed, ", ceil_pools,
            " ceil-mode MaxPool pads made explicit");
  NPUKIT_RETURN_IF_ERROR(add_output_nodes(m.graph, c.model_parameters.output_nodes));
  return interp::resolve(m, ro);
}

quant::CalImageFormat cal_format(config::InputType t) {
  switch (t) {
    case config::InputType::kRgb: return quant::CalImageFormat::kRgb;
    case config::InputType::kBgr: return quant::CalImageFormat::kBgr;
    case config::InputType::kGray: return quant::CalImageFormat::kGray;
    case config::InputType::kYuv444: return quant::CalImageFormat::kYuv444;
    case config::InputType::kYuv444_128: return quant::CalImageFormat::kYuv444_128;
    default: return quant::CalImageFormat::kFeaturemap;
  }
}

Expected<Samples> load_samples(const CompileConfig& c, const ir::Graph& g, const std::vector<std::string>& names) {
  const auto& ip = c.input_parameters;
  const auto& dirs = c.calibration_parameters.cal_data_dir;
  if (dirs.size() != names.size())
    return make_error(ErrorCode::kInvalidArgument, "calibration_parameters.cal_data_dir: ", dirs.size(),
                      " folder(s) for ", names.size(), " model input(s); give one folder per input, ';'-separated");
  std::vector<quant::CalInputSpec> specs;
  for (size_t i = 0; i < names.size(); ++i) {
    const ir::Value* v = g.find_value(names[i]);
    quant::CalInputSpec s;
    s.name = names[i];
    s.dir = dirs[i];
    s.dtype = v->dtype();
    s.shape = v->shape();
    s.format = cal_format(ip.input_type_train.at(i));
    if (ip.input_layout_train.at(i))
      s.layout = *ip.input_layout_train[i] == config::Layout::kNCHW ? quant::CalLayout::kNCHW : quant::CalLayout::kNHWC;
    specs.push_back(std::move(s));
  }
  quant::CalDataOptions o;
  o.progress_every = 0;
  return quant::load_calibration_data(specs, o);
}

/// Base calibration options: graph inputs and the preprocessing head use max (their ranges are bounded
/// by the data format; KL would clip raw pixel values), everything else `method`.
quant::CalibOptions calib_options(quant::CalibMethodSpec method, const std::vector<std::string>& max_tensors) {
  quant::CalibOptions o;
  o.method = method;
  o.progress_every = 0;
  if (method.method != quant::CalibMethod::kSkip)
    for (const auto& t : max_tensors) o.overrides[t] = {quant::CalibMethod::kMax, 1.0};
  return o;
}

/// Smallest model-output cosine of a report (1 when there are no output rows).
double output_cosine(const quant::SimilarityReport& r) {
  double c = 1.0;
  for (const auto& row : r.rows)
    if (row.op_type == "Output") c = std::min(c, row.cosine);
  return c;
}

Samples first_samples(const Samples& s, int64_t n) {
  return Samples(s.begin(), s.begin() + std::min<int64_t>(n, static_cast<int64_t>(s.size())));
}

Status save_model_to(const ir::Model& m, const std::string& path, const std::string& what) {
  NPUKIT_RETURN_IF_ERROR(frontend::save_onnx(m, path).with_context(what));
  log::info("wrote ", what);
  return Status::Ok();
}

/// calibration_type skip: random samples in the value range of each input's train format (0..255 for
/// images, -128..127 for yuv444_128, N(0,1) for feature maps), with fixed seeds.
Expected<Samples> random_samples(const CompileConfig& c, const ir::Graph& g, const std::vector<std::string>& names,
                                 int64_t count) {
  Samples out;
  for (int64_t k = 0; k < count; ++k) {
    std::vector<Tensor> sample;
    for (size_t i = 0; i < names.size(); ++i) {
      const ir::Value* v = g.find_value(names[i]);
      quant::RandomSpec spec;
      switch (c.input_parameters.input_type_train.at(i)) {
        case config::InputType::kFeaturemap: spec = {quant::RandomDist::kNormal, 0.0, 1.0}; break;
        case config::InputType::kYuv444_128: spec = {quant::RandomDist::kUniform, -128.0, 127.0}; break;
        default: spec = {quant::RandomDist::kUniform, 0.0, 255.0}; break;
      }
      NPUKIT_ASSIGN_OR_RETURN(
          Tensor t, quant::random_calibration_tensor(v->dtype(), v->shape(), 0x6e70756bULL + k * 1000 + i, spec));
      sample.push_back(std::move(t));
    }
    out.push_back(std::move(sample));
  }
  return out;
}

/// Quantization options from the configuration.
quant::QdqOptions qdq_options(const CompileConfig& c, const HeadNodes& head) {
  quant::QdqOptions o;
  o.per_channel = true;  // weights: always per output channel
  o.asymmetric = c.calibration_parameters.optimization.asymmetric;
  // Model outputs stay float (the last layer's high-precision result, dequantized) unless the user asks
  // for an int8 / int16 output (optimization set_model_output_int8 / _int16, quant_config model_output_type).
  const auto& opt = c.calibration_parameters.optimization;
  const auto& qc = c.calibration_parameters.quant_config;
  o.quantize_outputs = opt.set_model_output_int8 || opt.set_model_output_int16 || (qc && qc->model_output_type);
  // The normalisation head stays float: it reads raw input data (e.g. 0..255 pixels) whose int8 code
  // would lose a bit; its output (the first layer's input) is quantized.
  o.float_nodes.insert(head.nodes.begin(), head.nodes.end());
  return o;
}

/// calibration_type load: the imported parameters become fixed quantization options. Graph outputs are
/// quantized exactly where the model quantized them.
Status keep_imported(const quant::ImportedQuant& im, const ir::Graph& g, quant::QdqOptions& o, CompileResult* r) {
  o.fixed_activations = im.activations;
  for (const auto& [name, qp] : im.activations)
    if (qp.range.qmin == quant::kRangeI16.qmin) o.int16_tensors.insert(name);
  // Outputs the model quantized stay quantized; loaded_table drops the entries of the others.
  o.quantize_outputs = true;
  int kept = 0;
  std::vector<std::string> lost;
  for (const auto& [name, w] : im.weights) {
    if (g.find_value(name)) {
      o.fixed_weights[name] = w;
      ++kept;
    } else {
      lost.push_back(name);
    }
  }
  if (!lost.empty()) {
    const std::string line = str_cat(lost.size(), " weight(s) were changed by graph optimization (e.g. folded) and ",
                                     "are re-quantized with npukit's own scales: ", join(lost));
    log::warn("load: ", line);
    r->load_changes.push_back(line);
  }
  log::info("load: ", kept, " weight(s) keep the model's scales");
  return Status::Ok();
}

/// The calibration table of a loaded model: each tensor the model quantized carries its kept scale (and
/// the symmetric threshold it stands for); the rest keep the max calibration, for the tensors npukit has
/// to quantize although the model did not.
quant::CalibTable loaded_table(quant::CalibTable t, const quant::ImportedQuant& im, const ir::Graph& g) {
  t.method = "load";
  std::vector<quant::CalibTensor> kept;
  for (auto& e : t.tensors) {
    auto it = im.activations.find(e.name);
    if (it != im.activations.end()) {
      e.scale = it->second.scale;
      e.threshold = static_cast<double>(it->second.scale) * (it->second.range.qmax - it->second.zero_point);
      e.method = "load";
    } else {
      // A model output the model left unquantized stays float.
      const ir::Value* v = g.find_value(e.name);
      if (v && v->is_graph_output()) continue;
      e.method = "load:max";
    }
    kept.push_back(std::move(e));
  }
  t.tensors = std::move(kept);
  return t;
}

/// Names the tensors npukit quantized although the model carried no scale for them (calibrated with max).
void report_calibrated_gaps(const quant::ImportedQuant& im, const ir::Graph& quantized, size_t samples, bool random,
                            CompileResult* r) {
  std::vector<std::string> gaps;
  for (const ir::Node* n : quantized.nodes())
    if (n->op() == ir::OpKind::kQuantizeLinear && n->input(0) && !n->input(0)->is_constant() &&
        !im.activations.count(n->input(0)->name()))
      gaps.push_back(n->input(0)->name());
  if (gaps.empty()) return;
  const std::string line = str_cat(
      gaps.size(), " tensor(s) had no scale in the model and were calibrated with max on ", samples,
      random ? " random sample(s) (give cal_data_dir for real data)" : " calibration sample(s)", ": ", join(gaps));
  log::warn("load: ", line);
  r->load_changes.push_back(line);
}

}  // namespace

Expected<CompileResult> run_compile(const CompileConfig& c, const CompileRunOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  CompileResult result;
  const auto& mp = c.model_parameters;
  const auto& cp = c.calibration_parameters;
  NPUKIT_RETURN_IF_ERROR(config::check_files_exist(c));
  for (const auto& w : c.warnings) log::warn(c.source, ": ", w);
  // Accepted keys this version does not act on: said plainly rather than silently ignored.
  if (cp.optimization.lstm_batch_last)
    log::warn(c.source, ": optimization lstm_batch_last only changes the board's LSTM layout; no effect here");

  // 1. Load and check the model against the configuration.
  log::info("compile: loading ", mp.onnx_model ? *mp.onnx_model : mp.caffe_model.value_or("?"));
  NPUKIT_ASSIGN_OR_RETURN(ir::Model original, load_source(c));
  // An already quantized model (QDQ ONNX, e.g. a PyTorch QAT export) keeps its own scales: its
  // QuantizeLinear / DequantizeLinear pairs are taken out here and put back by the quantization step.
  config::CalibrationType ctype = cp.calibration_type;
  const int qdq_nodes = quant::count_qdq_nodes(original.graph);
  if (qdq_nodes > 0 && ctype != config::CalibrationType::kLoad) {
    // skip (no calibration data, as in --fast-perf and check) becomes load; a real calibration is refused.
    if (ctype != config::CalibrationType::kSkip)
      return make_error(ErrorCode::kInvalidArgument, "calibration_parameters.calibration_type: the model is already ",
                        "quantized (", qdq_nodes, " QuantizeLinear / DequantizeLinear nodes); use calibration_type: ",
                        "load to keep its scales (or skip)");
    ctype = config::CalibrationType::kLoad;
    log::info("compile: the model is already quantized; keeping its scales (calibration_type load)");
  }
  if (ctype == config::CalibrationType::kLoad && qdq_nodes == 0)
    return make_error(ErrorCode::kInvalidArgument, "calibration_parameters.calibration_type: load keeps the scales ",
                      "of a quantized QDQ model, but this model has no QuantizeLinear / DequantizeLinear nodes; ",
                      "calibrate it (default, kl, max, ...) instead");
  std::optional<quant::ImportedQuant> imported;
  if (ctype == config::CalibrationType::kLoad) {
    auto im = quant::import_qdq(original.graph, cp.optimization.asymmetric);
    if (!im.ok()) return im.status().with_context("load quantization parameters");
    imported = std::move(*im);
    result.load_summary = str_cat("kept the model's quantization: ", imported->activations_kept, " activation(s) and ",
                                  imported->weights_kept, " weight(s) exactly; ", imported->activations_changed,
                                  " activation(s) and ", imported->weights_changed, " weight(s) converted");
    log::info("compile: ", result.load_summary);
    for (const auto& line : imported->changes) log::warn("load: ", line);
    result.load_changes = imported->changes;
  }
  const config::ModelInputs described = describe_model(original.graph);
  NPUKIT_RETURN_IF_ERROR(config::check_against_model(c, described));
  NPUKIT_ASSIGN_OR_RETURN(std::vector<Shape> shapes, config::effective_input_shapes(c, described));
  std::vector<std::string> names;
  std::map<std::string, Shape> shape_map;
  for (size_t i = 0; i < c.num_inputs(); ++i) {
    names.push_back(input_name(c, described, i));
    shape_map[names.back()] = shapes[i];
  }

  NPUKIT_ASSIGN_OR_RETURN(Staging staging, Staging::create(mp.working_dir));
  const std::string& prefix = mp.output_model_file_prefix;
  auto artifact = [&](const std::string& suffix) { return prefix + suffix; };
  result.files.original_model = staging.final_path(artifact("_original_float_model.onnx"));
  result.files.optimized_model = staging.final_path(artifact("_optimized_float_model.onnx"));
  result.files.calibrated_model = staging.final_path(artifact("_calibrated_model.onnx"));
  result.files.quantized_model = staging.final_path(artifact("_quantized_model.onnx"));
  result.files.calibration_table = staging.final_path(artifact("_calibration_table.json"));
  result.files.similarity = staging.final_path(artifact("_quant_similarity.json"));
  NPUKIT_RETURN_IF_ERROR(
      save_model_to(original, staging.stage(artifact("_original_float_model.onnx")), "original float model"));

  // 2. Optimized float model (+ input normalisation at the head).
  NPUKIT_ASSIGN_OR_RETURN(ir::Model optimized, ir::clone_model(original));
  // Written already; its weights are not needed again (peak memory) unless input_batch rebuilds the model.
  const int64_t batch = c.input_parameters.input_batch;
  if (batch <= 1) original = ir::Model{};
  NPUKIT_RETURN_IF_ERROR(optimize(optimized, shape_map, c).with_context("optimize"));
  NPUKIT_ASSIGN_OR_RETURN(HeadNodes head, insert_normalization(optimized, c, names));
  NPUKIT_RETURN_IF_ERROR(
      save_model_to(optimized, staging.stage(artifact("_optimized_float_model.onnx")), "optimized float model"));

  // 3. Calibration data (skip: generated).
  Samples samples;
  const bool skip =
      ctype == config::CalibrationType::kSkip || (ctype == config::CalibrationType::kLoad && cp.cal_data_dir.empty());
  if (skip) {
    NPUKIT_ASSIGN_OR_RETURN(samples, random_samples(c, optimized.graph, names, options.skip_samples));
    log::info("compile: calibration_type skip: ", samples.size(), " random sample(s)");
  } else {
    log::info("compile: loading calibration data");
    auto loaded = load_samples(c, optimized.graph, names);
    if (!loaded.ok()) return loaded.status().with_context("calibration data");
    samples = std::move(*loaded);
    log::info("compile: ", samples.size(), " calibration sample(s)");
  }
  result.num_calibration_samples = static_cast<int64_t>(samples.size());
  // per_channel (not with default / mix, as the reference documents; config warns): channel ranges of
  // feature maps evened out by rescaling conv pairs (pipeline/compile_equalize.h), then per-tensor calibration.
  if (cp.per_channel && ctype != config::CalibrationType::kDefault && ctype != config::CalibrationType::kMix &&
      ctype != config::CalibrationType::kLoad) {
    auto eq = equalize_per_channel(optimized.graph, samples);
    if (!eq.ok()) return eq.status();
    result.equalized_feature_maps = eq->pairs;
    NPUKIT_RETURN_IF_ERROR(save_model_to(optimized, staging.stage(artifact("_optimized_float_model.onnx")),
                                         "optimized float model (per-channel equalized)"));
  }
  const int64_t n_probe =
      options.similarity_samples > 0 ? options.similarity_samples : std::min<int64_t>(16, samples.size());
  const Samples probe = first_samples(samples, n_probe);

  // 4. Calibration.
  quant::QdqOptions qopt = qdq_options(c, head);
  NPUKIT_RETURN_IF_ERROR(plan_precision(c, optimized.graph, qopt).with_context("precision"));
  if (imported) NPUKIT_RETURN_IF_ERROR(keep_imported(*imported, optimized.graph, qopt, &result));
  // Calibrated with max: graph inputs and the normalisation head (bounded by the data format), and int16
  // tensors (65535 levels make clipping pointless).
  std::vector<std::string> max_tensors = names;
  for (const auto& t : head.tensors) max_tensors.push_back(t);
  for (const auto& t : qopt.int16_tensors) max_tensors.push_back(t);
  auto calibrate = [&](quant::CalibMethodSpec m, const std::string& label) -> Expected<quant::CalibTable> {
    quant::CalibOptions o = calib_options(m, max_tensors);
    Progress bar("calibration (" + label + ")", static_cast<int64_t>(samples.size()));
    o.on_sample = [&bar] { bar.advance(); };
    auto t = quant::calibrate_graph(optimized.graph, samples, o);
    if (!t.ok()) return t.status().with_context("calibration");
    // The input overrides (max) are part of the method, not a user's mix: name the table by the method.
    t->method = quant::method_name(m);
    return t;
  };
  auto quantize = [&](const quant::CalibTable& table, const quant::QdqOptions& o) -> Expected<ir::Model> {
    NPUKIT_ASSIGN_OR_RETURN(ir::Model q, ir::clone_model(optimized));
    NPUKIT_RETURN_IF_ERROR(quant::quantize_to_qdq(q.graph, table, o).with_context("quantize"));
    return q;
  };
  auto similarity = [&](const ir::Model& q, const quant::CalibTable& table,
                        const std::string& label) -> Expected<quant::SimilarityReport> {
    Progress bar("similarity (" + label + ")", static_cast<int64_t>(probe.size()));
    quant::CompareOptions co;
    co.on_sample = [&bar](int64_t) { bar.advance(); };
    auto r = quant::compare_float_quant(optimized.graph, q.graph, probe, &table, co);
    if (!r.ok()) return r.status().with_context("similarity");
    return r;
  };

  quant::CalibTable table;
  switch (ctype) {
    case config::CalibrationType::kLoad: {
      // Tensors the model quantized keep its parameters (QdqOptions::fixed_activations); the max
      // calibration only covers tensors it left unquantized but npukit's integer ops need.
      NPUKIT_ASSIGN_OR_RETURN(table, calibrate({quant::CalibMethod::kMax, 1.0}, "load"));
      table = loaded_table(std::move(table), *imported, optimized.graph);
      result.calibration = "load";
      break;
    }
    case config::CalibrationType::kSkip: {
      NPUKIT_ASSIGN_OR_RETURN(table, calibrate({quant::CalibMethod::kMax, 1.0}, "skip"));
      table.method = "skip";
      for (auto& t : table.tensors) t.method = "skip:max";
      result.calibration = "skip";
      break;
    }
    case config::CalibrationType::kMax: {
      quant::CalibMethodSpec m{quant::CalibMethod::kMax, 1.0};
      if (cp.max_percentile < 1.0) m = {quant::CalibMethod::kMaxPercentile, cp.max_percentile};
      NPUKIT_ASSIGN_OR_RETURN(table, calibrate(m, quant::method_name(m)));
      result.calibration = quant::method_name(m);
      break;
    }
    case config::CalibrationType::kKl: {
      NPUKIT_ASSIGN_OR_RETURN(table, calibrate({quant::CalibMethod::kKl, 1.0}, "kl"));
      result.calibration = "kl";
      break;
    }
    case config::CalibrationType::kMse: {
      NPUKIT_ASSIGN_OR_RETURN(table, calibrate({quant::CalibMethod::kMse, 1.0}, "mse"));
      result.calibration = "mse";
      break;
    }
    case config::CalibrationType::kMix: {
      // Per node: each tensor takes the candidate threshold with the smallest expected quantization error
      // of its own distribution (quant::threshold_default).
      NPUKIT_ASSIGN_OR_RETURN(table, calibrate({quant::CalibMethod::kDefault, 1.0}, "mix"));
      table.method = "mix";
      result.calibration = "mix";
      break;
    }
    case config::CalibrationType::kDefault: {
      // Model level: try max, max_percentile 0.99995 and kl; keep the one whose quantized model agrees best
      // with the float model at the outputs (smallest output cosine, on the probe samples).
      const quant::CalibMethodSpec candidates[] = {{quant::CalibMethod::kMax, 1.0},
                                                   {quant::CalibMethod::kMaxPercentile, 0.99995},
                                                   {quant::CalibMethod::kKl, 1.0}};
      double best = -std::numeric_limits<double>::infinity();
      for (const auto& m : candidates) {
        const std::string label = quant::method_name(m);
        NPUKIT_ASSIGN_OR_RETURN(quant::CalibTable t, calibrate(m, label));
        NPUKIT_ASSIGN_OR_RETURN(ir::Model q, quantize(t, qopt));
        NPUKIT_ASSIGN_OR_RETURN(quant::SimilarityReport r, similarity(q, t, label));
        const double cos = output_cosine(r);
        log::info("calibration default: candidate ", label, ": model output cosine ", cos);
        result.candidates.emplace_back(label, cos);
        if (cos > best) {
          best = cos;
          table = std::move(t);
          result.calibration = "default:" + label;
        }
      }
      table.method = result.calibration;
      break;
    }
  }

  // 5. Calibrated model (activation quantizers only) and quantized model (everything quantized).
  quant::QdqOptions act_only = qopt;
  act_only.quantize_weights = false;
  {
    NPUKIT_ASSIGN_OR_RETURN(ir::Model calibrated, quantize(table, act_only));
    NPUKIT_RETURN_IF_ERROR(
        save_model_to(calibrated, staging.stage(artifact("_calibrated_model.onnx")), "calibrated model"));
  }  // released before the similarity runs (peak memory)
  NPUKIT_ASSIGN_OR_RETURN(ir::Model quantized, quantize(table, qopt));
  // The float graph the quantized model is made from: the optimized model, with corrected biases when
  // bias_correction is on (the similarity below still compares against the uncorrected float model).
  std::map<std::string, Tensor> corrected_bias;
  if (cp.optimization.bias_correction && imported) {
    log::warn(
        "compile: optimization bias_correction is ignored with calibration_type load (the model's weights "
        "and scales are kept as trained)");
  } else if (cp.optimization.bias_correction) {
    NPUKIT_ASSIGN_OR_RETURN(ir::Model corrected, ir::clone_model(optimized));
    NPUKIT_ASSIGN_OR_RETURN(int n, correct_biases(corrected.graph, quantized.graph, probe));
    for (const ir::Node* node : corrected.graph.nodes())
      if (node->num_inputs() > 2 && node->input(2) && node->input(2)->is_constant() &&
          node->input(2)->name().find("_B_corrected") != std::string::npos)
        corrected_bias.emplace(node->name(), *node->input(2)->const_value());
    NPUKIT_RETURN_IF_ERROR(quant::quantize_to_qdq(corrected.graph, table, qopt).with_context("quantize"));
    quantized = std::move(corrected);
    log::info("bias correction: ", n, " layer(s) corrected on ", probe.size(), " sample(s)");
  }
  if (imported) report_calibrated_gaps(*imported, quantized.graph, samples.size(), skip, &result);
  NPUKIT_ASSIGN_OR_RETURN(result.similarity, similarity(quantized, table, result.calibration));
  const std::string text = quant::to_text_table(result.similarity);
  log::write(log::Level::kInfo, "per-layer similarity (float vs quantized):\n" + text, /*console=*/false);
  if (options.print_similarity) std::fputs(text.c_str(), stdout);
  NPUKIT_RETURN_IF_ERROR(
      atomic_write_file(staging.stage(artifact("_quant_similarity.json")), quant::to_json(result.similarity)));
  NPUKIT_RETURN_IF_ERROR(quant::save_calib_table(staging.stage(artifact("_calibration_table.json")), table));

  // 6. input_batch: the deployed model takes N frames. The float model is optimized again at batch N (its
  // shape arithmetic folds differently) and quantized with the same table; tensor names are the same, so
  // the calibration applies unchanged.
  if (batch > 1) {
    NPUKIT_ASSIGN_OR_RETURN(ir::Model batched, ir::clone_model(original));
    std::map<std::string, Shape> batched_shapes = shape_map;
    for (auto& [name, shape] : batched_shapes)
      if (!shape.empty()) shape[0] = batch;
    Status st = optimize(batched, batched_shapes, c);
    if (!st.ok())
      return st.with_context(str_cat("input_parameters.input_batch ", batch, ": the model does not resolve at batch ",
                                     batch, " (is it batch-agnostic?)"));
    NPUKIT_RETURN_IF_ERROR(insert_normalization(batched, c, names).status().with_context("input_batch"));
    for (ir::Node* node : batched.graph.nodes()) {
      auto it = corrected_bias.find(node->name());
      if (it != corrected_bias.end())
        node->set_input(2, batched.graph.add_constant(it->first + "_B_corrected", it->second));
    }
    NPUKIT_RETURN_IF_ERROR(quant::quantize_to_qdq(batched.graph, table, qopt).with_context("quantize (input_batch)"));
    quantized = std::move(batched);
    log::info("compile: input_batch ", batch, ": quantized model rebuilt for ", batch, " frames per run");
  }

  // 7. The deployed input format at the head of the quantized model.
  NPUKIT_RETURN_IF_ERROR(insert_runtime_conversion(quantized, c, names).with_context("input conversion"));
  quantized.metadata["npukit.calibration"] = result.calibration;
  NPUKIT_RETURN_IF_ERROR(save_model_to(quantized, staging.stage(artifact("_quantized_model.onnx")), "quantized model"));

  // The integer form of the quantized model (what npukit's integer kernels execute): which layers became
  // integer ops and which still run in float between DequantizeLinear and QuantizeLinear.
  {
    NPUKIT_ASSIGN_OR_RETURN(ir::Model lowered, ir::clone_model(quantized));
    quant::LowerQdqStats st;
    NPUKIT_RETURN_IF_ERROR(quant::lower_qdq_to_integer(lowered.graph, &st).with_context("integer lowering"));
    std::string ops;
    for (const auto& [op, n] : st.created) ops += str_cat(ops.empty() ? "" : ", ", op, " x", n);
    result.integer_summary =
        str_cat("integer ops: ", ops.empty() ? "none" : ops, "; float ops left: ", st.float_ops.size());
    for (size_t i = 0; i < st.float_ops.size() && i < 8; ++i)
      result.integer_summary += (i ? ", " : " (") + st.float_ops[i];
    if (!st.float_ops.empty()) result.integer_summary += st.float_ops.size() > 8 ? ", ...)" : ")";
    log::info("compile: ", result.integer_summary);
  }

  // 8. Placement and NPU compilation: the deployable model.
  {
    NpuCompileSummary ns;
    auto built = build_npk(quantized, c, &ns);
    if (!built.ok()) return built.status().with_context("npu compile");
    npk::NpkModel npk_model = std::move(built).value();
    npk::NpkFileInfo file_info;
    NPUKIT_RETURN_IF_ERROR(npk::write_npk(npk_model, staging.stage(artifact(".npk")), &file_info));
    result.files.npk_model = staging.final_path(artifact(".npk"));
    // 9. The static performance estimate of what was just compiled (the report `npukit perf` writes).
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x", file_info.params_crc32);
    auto perf = estimate::estimate_perf(npk_model, {}, crc);
    if (!perf.ok()) return perf.status().with_context("performance estimate");
    const nlohmann::json perf_json = estimate::to_json(perf.value());
    NPUKIT_RETURN_IF_ERROR(atomic_write_file(staging.stage(artifact(".json")), perf_json.dump(1) + "\n"));
    NPUKIT_RETURN_IF_ERROR(atomic_write_file(staging.stage(artifact(".html")), estimate::render_html(perf_json)));
    result.files.perf_json = staging.final_path(artifact(".json"));
    result.files.perf_html = staging.final_path(artifact(".html"));
    result.perf_summary = estimate::summary_text(perf.value());
    // 10. The graph picture: NPU nodes dark blue, CPU nodes gray with their reasons (docs/VISUALIZE.md).
    constexpr size_t kMaxPictureNodes = 3000;  // dot's layout takes ~1 s at 1500 nodes, ~25 s at 5000
    if (npk_model.model.graph.num_nodes() <= kMaxPictureNodes) {
      viz::GraphSvgOptions vo;
      vo.title = str_cat(npk_model.model_name, " on ", npk_model.march_name);
      auto svg = viz::graph_svg(npk_model.model.graph, npk_model.placement, vo);
      if (!svg.ok()) return svg.status().with_context("graph picture");
      NPUKIT_RETURN_IF_ERROR(atomic_write_file(staging.stage(artifact("_graph.svg")), svg.value()));
      result.files.graph_svg = staging.final_path(artifact("_graph.svg"));
    } else {
      log::warn("compile: graph picture skipped: ", npk_model.model.graph.num_nodes(), " nodes (more than ",
                kMaxPictureNodes, "); draw it with `npukit visualize`");
    }
    result.npu_summary =
        str_cat("NPU nodes ", ns.info.npu_nodes, ", CPU nodes ", ns.info.cpu_nodes, " in ", ns.segments_npu, " NPU + ",
                ns.segments_cpu, " CPU segments; estimated NPU latency ", ns.est_latency_us, " us, DDR ",
                static_cast<double>(ns.ddr_bytes) / 1e6, " MB per run (", npk_model.march_name, ")");
    log::info("compile: ", result.npu_summary);
  }
  NPUKIT_RETURN_IF_ERROR(staging.commit());
  result.table = std::move(table);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log::info("compile: done in ", result.seconds, " s; outputs in ", mp.working_dir);
  return result;
}

}  // namespace npukit::pipeline
