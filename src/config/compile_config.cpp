// SPDX-License-Identifier: Apache-2.0
// npukit config: enum spellings, shared helpers, the effective-config dump and the checks that need the
// model's inputs. The YAML parser itself is in config_parse.cpp.
#include "config/compile_config.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <set>
#include <sstream>

#include "config/config_internal.h"

namespace npukit::config {
namespace detail {

const std::vector<EnumRow<March>> kMarchRows = {{"nash-e", March::kNashE},   {"nash-m", March::kNashM},
                                                {"nash-p", March::kNashP},   {"bayes", March::kBayes},
                                                {"bayes-e", March::kBayesE}, {"bernoulli2", March::kBernoulli2},
                                                {"rk3588", March::kRk3588},  {"tiny", March::kTiny}};
const std::vector<EnumRow<InputType>> kTrainTypeRows = {
    {"rgb", InputType::kRgb},       {"bgr", InputType::kBgr},
    {"yuv444", InputType::kYuv444}, {"yuv444_128", InputType::kYuv444_128},
    {"gray", InputType::kGray},     {"featuremap", InputType::kFeaturemap}};
const std::vector<EnumRow<InputType>> kRtTypeRows = {{"nv12", InputType::kNv12},
                                                     {"yuv444", InputType::kYuv444},
                                                     {"yuv444_128", InputType::kYuv444_128},
                                                     {"rgb", InputType::kRgb},
                                                     {"bgr", InputType::kBgr},
                                                     {"gray", InputType::kGray},
                                                     {"featuremap", InputType::kFeaturemap}};
const std::vector<EnumRow<Layout>> kLayoutRows = {{"NCHW", Layout::kNCHW}, {"NHWC", Layout::kNHWC}};
const std::vector<EnumRow<SpaceAndRange>> kSpaceRows = {{"regular", SpaceAndRange::kRegular},
                                                        {"bt601_video", SpaceAndRange::kBt601Video}};
const std::vector<EnumRow<NormType>> kNormRows = {{"data_mean_and_scale", NormType::kDataMeanAndScale},
                                                  {"data_mean", NormType::kDataMean},
                                                  {"data_scale", NormType::kDataScale},
                                                  {"no_preprocess", NormType::kNoPreprocess}};
const std::vector<EnumRow<CalibrationType>> kCalibRows = {
    {"default", CalibrationType::kDefault}, {"mix", CalibrationType::kMix}, {"kl", CalibrationType::kKl},
    {"max", CalibrationType::kMax},         {"mse", CalibrationType::kMse}, {"skip", CalibrationType::kSkip},
    {"load", CalibrationType::kLoad}};
const std::vector<EnumRow<CompileMode>> kCompileModeRows = {
    {"latency", CompileMode::kLatency}, {"bandwidth", CompileMode::kBandwidth}, {"balance", CompileMode::kBalance}};
const std::vector<EnumRow<OptimizeLevel>> kOptLevelRows = {
    {"O0", OptimizeLevel::kO0}, {"O1", OptimizeLevel::kO1}, {"O2", OptimizeLevel::kO2}, {"O3", OptimizeLevel::kO3}};
const std::vector<EnumRow<InputSource>> kInputSourceRows = {
    {"ddr", InputSource::kDdr}, {"pyramid", InputSource::kPyramid}, {"resizer", InputSource::kResizer}};
const std::vector<EnumRow<Device>> kDeviceRows = {{"BPU", Device::kBpu}, {"CPU", Device::kCpu}};
const std::vector<EnumRow<NodeDType>> kNodeDTypeRows = {
    {"int8", NodeDType::kInt8}, {"int16", NodeDType::kInt16}, {"float16", NodeDType::kFloat16}};
const std::vector<EnumRow<DebugMode>> kDebugModeRows = {{"dump_calibration_data", DebugMode::kDumpCalibrationData}};
const std::vector<std::string> kRemovableNodeTypes = {"Quantize", "Transpose", "Dequantize",
                                                      "Cast",     "Reshape",   "Softmax"};

int edit_distance(const std::string& a, const std::string& b) {
  // Optimal string alignment distance: Levenshtein plus adjacent transpositions ("marhc" → "march" is 1),
  // because swapped letters are the most common typo in hand-written config keys.
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const int cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  int best_d = 1 << 30;
  for (const auto& c : candidates) {
    const int d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // Accept up to a third of the word's length (at least 2) so short keys do not match everything.
  const int limit = std::max<int>(2, static_cast<int>(word.size()) / 3);
  if (best.empty() || best_d > limit || best_d >= static_cast<int>(std::max(word.size(), best.size()))) return "";
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string n = nearest(word, candidates);
  return n.empty() ? "" : str_cat("; did you mean '", n, "'?");
}

bool type_combination_allowed(InputType train, InputType rt) {
  // The reference table has no row for train yuv444_128 and no column for rt yuv444_128 although both
  // appear in the value ranges; they are the same data as yuv444 (offset by 128), so they share its row/column.
  auto yuv = [](InputType t) { return t == InputType::kYuv444 || t == InputType::kYuv444_128; };
  switch (train) {
    case InputType::kYuv444:
    case InputType::kYuv444_128: return rt == InputType::kNv12 || yuv(rt);
    case InputType::kRgb:
    case InputType::kBgr: return rt == InputType::kNv12 || yuv(rt) || rt == InputType::kRgb || rt == InputType::kBgr;
    case InputType::kGray: return rt == InputType::kGray;
    case InputType::kFeaturemap: return rt == InputType::kFeaturemap;
    case InputType::kNv12: return false;
  }
  return false;
}

std::vector<std::string> allowed_rt_for(InputType train) {
  std::vector<std::string> out;
  for (const auto& r : kRtTypeRows)
    if (type_combination_allowed(train, r.value)) out.push_back(r.name);
  return out;
}

std::string input_label(const CompileConfig& c, size_t i) {
  const auto& names = c.input_parameters.input_name;
  if (i < names.size()) return str_cat("input '", names[i], "'");
  return str_cat("input #", i);
}

std::string shape_str(const Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += "x";
    out += s[i] > 0 ? std::to_string(s[i]) : std::string("?");
  }
  return out.empty() ? "scalar" : out;
}

Status check_input_shape(const CompileConfig& c, size_t i, const Shape& shape, const std::string& origin) {
  const auto& ip = c.input_parameters;
  const std::string label = input_label(c, i);
  auto fail = [&](const char* key, const auto&... parts) {
    return make_error(ErrorCode::kInvalidArgument, c.source, ": input_parameters.", key, ": ", label, ": ", parts...);
  };
  const InputType train = ip.input_type_train[i], rt = ip.input_type_rt[i];
  const std::optional<Layout> layout = ip.input_layout_train[i];
  const std::string desc =
      str_cat(shape_str(shape), " (", origin, layout ? str_cat(", ", to_string(*layout)) : "", ")");
  const bool four_d = shape.size() == 4;
  const int c_axis = layout == Layout::kNHWC ? 3 : 1;
  const int h_axis = layout == Layout::kNHWC ? 1 : 2;
  const int w_axis = h_axis + 1;
  if (train != InputType::kFeaturemap) {
    const int64_t want_c = train == InputType::kGray ? 1 : 3;
    if (!four_d) return fail("input_type_train", to_string(train), " input must be 4-D, shape is ", desc);
    if (layout && shape[c_axis] > 0 && shape[c_axis] != want_c)
      return fail("input_type_train", to_string(train), " input must have ", want_c, " channel(s), shape is ", desc);
  }
  if (rt == InputType::kNv12 && four_d && layout) {
    // NV12 subsamples chroma 2x2, so an odd height or width has no valid NV12 representation.
    if ((shape[h_axis] > 0 && shape[h_axis] % 2) || (shape[w_axis] > 0 && shape[w_axis] % 2))
      return fail("input_type_rt", "nv12 needs an even height and width, shape is ", desc);
  }
  if (rt == InputType::kFeaturemap && !four_d && ip.norm_type[i] != NormType::kNoPreprocess)
    return fail("norm_type", "must be no_preprocess for a featuremap input that is not 4-D, got ",
                to_string(ip.norm_type[i]), " with shape ", desc);
  const char* keys[2] = {"mean_value", "scale_value"};
  const std::vector<double>* vals[2] = {&ip.mean_value[i], &ip.scale_value[i]};
  for (int k = 0; k < 2; ++k) {
    const size_t n = vals[k]->size();
    if (n <= 1) continue;
    if (!four_d) return fail(keys[k], n, " per-channel values need a 4-D input, shape is ", desc);
    if (layout && shape[c_axis] > 0 && static_cast<int64_t>(n) != shape[c_axis])
      return fail(keys[k], n, " values given; need 1 or ", shape[c_axis], " (one per channel), shape is ", desc);
  }
  if (ip.input_batch > 1 && !shape.empty() && shape[0] > 1)
    return make_error(ErrorCode::kInvalidArgument, c.source, ": input_parameters.input_batch: ", ip.input_batch,
                      " needs the first dim of ", label, " to be 1, shape is ", desc);
  return Status::Ok();
}

}  // namespace detail

using namespace detail;  // NOLINT: implementation file

namespace {

template <class E>
const char* name_of(const std::vector<EnumRow<E>>& rows, E v) {
  for (const auto& r : rows)
    if (r.value == v) return r.name;
  return "?";
}

}  // namespace

const char* to_string(March v) {
  return v == March::kFile ? "file" : name_of(kMarchRows, v);
}
const char* to_string(InputType v) {
  return name_of(kRtTypeRows, v);
}
const char* to_string(Layout v) {
  return name_of(kLayoutRows, v);
}
const char* to_string(SpaceAndRange v) {
  return name_of(kSpaceRows, v);
}
const char* to_string(NormType v) {
  return name_of(kNormRows, v);
}
const char* to_string(CalibrationType v) {
  return name_of(kCalibRows, v);
}
const char* to_string(CompileMode v) {
  return name_of(kCompileModeRows, v);
}
const char* to_string(OptimizeLevel v) {
  return name_of(kOptLevelRows, v);
}
const char* to_string(InputSource v) {
  return name_of(kInputSourceRows, v);
}
const char* to_string(Device v) {
  return name_of(kDeviceRows, v);
}
const char* to_string(NodeDType v) {
  return name_of(kNodeDTypeRows, v);
}
const char* to_string(DebugMode v) {
  return v == DebugMode::kNone ? "none" : name_of(kDebugModeRows, v);
}

InputSource effective_input_source(const CompileConfig& c, size_t i) {
  const auto& src = c.compiler_parameters.input_source;
  const auto& names = c.input_parameters.input_name;
  if (i < names.size()) {
    auto it = src.find(names[i]);
    if (it != src.end()) return it->second;
  } else if (names.empty() && src.size() == 1) {
    return src.begin()->second;  // single-input model without input_name: the one entry is this input's
  }
  const InputType rt =
      i < c.input_parameters.input_type_rt.size() ? c.input_parameters.input_type_rt[i] : InputType::kFeaturemap;
  return (rt == InputType::kNv12 || rt == InputType::kGray) ? InputSource::kPyramid : InputSource::kDdr;
}

// ---------------------------------------------------------------------------------------------------
// Dump

namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'')
      out += "''";
    else
      out += ch;
  }
  return out + "'";
}

std::string num(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

template <class T, class F>
std::string joined(const std::vector<T>& v, F f, const char* sep = ";") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += f(v[i]);
  }
  return out;
}

std::string opt_str(const std::optional<std::string>& s) {
  return s ? quote(*s) : "null";
}

std::string list_or_null(const std::vector<std::string>& v) {
  if (v.empty()) return "null";
  // A name containing ';' cannot be written in the 'a;b' form; a YAML list keeps it intact.
  if (std::any_of(v.begin(), v.end(), [](const std::string& s) { return s.find(';') != std::string::npos; }))
    return "[" +
           joined(
               v, [](const std::string& s) { return quote(s); }, ", ") +
           "]";
  return quote(joined(v, [](const std::string& s) { return s; }));
}

std::string values_or_null(const std::vector<std::vector<double>>& v) {
  bool any = false;
  for (const auto& x : v) any |= !x.empty();
  if (!any) return "null";
  return quote(joined(v, [](const std::vector<double>& x) {
    return x.empty() ? std::string("None")
                     : joined(
                           x, [](double d) { return num(d); }, " ");
  }));
}

std::string node_info_flow(const NodeInfo& n) {
  std::vector<std::string> parts;
  if (n.on) parts.push_back(str_cat("'ON': '", to_string(*n.on), "'"));
  if (n.input_type) parts.push_back(str_cat("'InputType': '", to_string(*n.input_type), "'"));
  for (const auto& [idx, t] : n.input_type_at) parts.push_back(str_cat("'InputType", idx, "': '", to_string(t), "'"));
  if (n.output_type) parts.push_back(str_cat("'OutputType': '", to_string(*n.output_type), "'"));
  return "{" + join(parts) + "}";
}

std::string quant_config_flow(const QuantConfig& q) {
  std::vector<std::string> top;
  std::vector<std::string> mc;
  if (q.all_node_type) mc.push_back(str_cat("'all_node_type': '", to_string(*q.all_node_type), "'"));
  if (q.model_output_type) mc.push_back(str_cat("'model_output_type': '", to_string(*q.model_output_type), "'"));
  if (!mc.empty()) top.push_back("'model_config': {" + join(mc) + "}");
  auto section = [&](const char* name, const std::map<std::string, NodeDType>& m) {
    if (m.empty()) return;
    std::vector<std::string> items;
    for (const auto& [k, t] : m) items.push_back(str_cat(quote(k), ": {'type': '", to_string(t), "'}"));
    top.push_back(str_cat("'", name, "': {", join(items), "}"));
  };
  section("op_config", q.op_config);
  section("node_config", q.node_config);
  return "{" + join(top) + "}";
}

}  // namespace

std::string dump_compile_config(const CompileConfig& c) {
  std::ostringstream os;
  const auto& mp = c.model_parameters;
  const auto& ip = c.input_parameters;
  const auto& cp = c.calibration_parameters;
  const auto& xp = c.compiler_parameters;
  os << "# npukit effective compile configuration";
  if (!c.source.empty()) os << " (from " << c.source << ")";
  os << "\n";
  if (c.fast_perf) os << "# fast-perf mode: every BPU-capable node is placed on the BPU\n";
  for (const auto& w : c.warnings) os << "# warning: " << w << "\n";
  os << "model_parameters:\n";
  os << "  onnx_model: " << opt_str(mp.onnx_model) << "\n";
  os << "  caffe_model: " << opt_str(mp.caffe_model) << "\n";
  os << "  prototxt: " << opt_str(mp.prototxt) << "\n";
  os << "  march: " << quote(mp.march == March::kFile ? mp.march_file : to_string(mp.march)) << "\n";
  os << "  output_model_file_prefix: " << quote(mp.output_model_file_prefix) << "\n";
  os << "  working_dir: " << quote(mp.working_dir) << "\n";
  os << "  layer_out_dump: " << (mp.layer_out_dump ? "True" : "False") << "\n";
  os << "  output_nodes: " << list_or_null(mp.output_nodes) << "\n";
  os << "  remove_node_type: " << list_or_null(mp.remove_node_type) << "\n";
  os << "  remove_node_name: " << list_or_null(mp.remove_node_name) << "\n";
  os << "  debug_mode: " << (mp.debug_mode == DebugMode::kNone ? "null" : quote(to_string(mp.debug_mode))) << "\n";
  if (mp.node_info.empty()) {
    os << "  node_info: {}\n";
  } else {
    os << "  node_info:\n";
    for (const auto& [name, n] : mp.node_info) os << "    " << quote(name) << ": " << node_info_flow(n) << "\n";
  }
  os << "input_parameters:\n";
  os << "  input_name: " << list_or_null(ip.input_name) << "\n";
  auto enum_list = [](const auto& v) { return quote(joined(v, [](auto e) { return std::string(to_string(e)); })); };
  os << "  input_type_train: " << enum_list(ip.input_type_train) << "\n";
  os << "  input_type_rt: " << enum_list(ip.input_type_rt) << "\n";
  const bool has_layout = !ip.input_layout_train.empty() && ip.input_layout_train[0].has_value();
  os << "  input_layout_train: "
     << (has_layout
             ? quote(joined(ip.input_layout_train,
                            [](const std::optional<Layout>& l) { return std::string(l ? to_string(*l) : "NCHW"); }))
             : "null")
     << "\n";
  os << "  input_space_and_range: " << enum_list(ip.input_space_and_range) << "\n";
  os << "  input_shape: "
     << (ip.input_shape.empty() ? "null" : quote(joined(ip.input_shape, [](const Shape& s) { return shape_str(s); })))
     << "\n";
  os << "  input_batch: " << ip.input_batch << "\n";
  os << "  separate_batch: " << (ip.separate_batch ? "True" : "False") << "\n";
  os << "  norm_type: " << enum_list(ip.norm_type) << "\n";
  os << "  mean_value: " << values_or_null(ip.mean_value) << "\n";
  os << "  scale_value: " << values_or_null(ip.scale_value) << "\n";
  os << "calibration_parameters:\n";
  os << "  cal_data_dir: " << list_or_null(cp.cal_data_dir) << "\n";
  os << "  calibration_type: " << quote(to_string(cp.calibration_type)) << "\n";
  os << "  max_percentile: " << num(cp.max_percentile) << "\n";
  os << "  per_channel: " << (cp.per_channel ? "True" : "False") << "\n";
  os << "  optimization: " << list_or_null(cp.optimization.raw) << "\n";
  os << "  quant_config: ";
  if (!cp.quant_config_path.empty())
    os << quote(cp.quant_config_path);
  else if (cp.quant_config)
    os << quant_config_flow(*cp.quant_config);
  else
    os << "null";
  os << "\n";
  os << "compiler_parameters:\n";
  os << "  compile_mode: " << quote(to_string(xp.compile_mode)) << "\n";
  os << "  balance_factor: " << (xp.balance_factor ? std::to_string(*xp.balance_factor) : "null") << "\n";
  os << "  core_num: " << xp.core_num << "\n";
  os << "  optimize_level: " << quote(to_string(xp.optimize_level)) << "\n";
  std::vector<std::string> src;
  for (const auto& [k, v] : xp.input_source) src.push_back(str_cat(quote(k), ": '", to_string(v), "'"));
  os << "  input_source: {" << join(src) << "}\n";
  std::vector<std::string> eff;
  for (size_t i = 0; i < c.num_inputs(); ++i)
    eff.push_back(str_cat(input_label(c, i), " ", to_string(effective_input_source(c, i))));
  os << "  # effective input_source: " << join(eff) << "\n";
  os << "  max_time_per_fc: " << xp.max_time_per_fc << "\n";
  os << "  jobs: " << xp.jobs << "\n";
  os << "  advice: " << xp.advice << "\n";
  os << "  debug: " << (xp.debug ? "True" : "False") << "\n";
  return os.str();
}

// ---------------------------------------------------------------------------------------------------
// Checks against the model

namespace {

Status model_error(const CompileConfig& c, const std::string& key, const std::string& msg) {
  return make_error(ErrorCode::kInvalidArgument, c.source, ": ", key, ": ", msg);
}

std::vector<std::string> model_input_names(const ModelInputs& m) {
  std::vector<std::string> out;
  for (const auto& in : m.inputs) out.push_back(in.name);
  return out;
}

// config input i → index into model.inputs
Expected<std::vector<size_t>> map_inputs(const CompileConfig& c, const ModelInputs& m) {
  const auto names = model_input_names(m);
  if (m.inputs.empty()) return model_error(c, "input_parameters.input_name", "the model has no inputs");
  const auto& cfg_names = c.input_parameters.input_name;
  std::vector<size_t> out;
  if (cfg_names.empty()) {
    if (m.inputs.size() != 1)
      return model_error(c, "input_parameters.input_name",
                         str_cat("the model has ", m.inputs.size(), " inputs (", join(names),
                                 "); input_name is required for multi-input models"));
    out.push_back(0);
    return out;
  }
  for (const auto& n : cfg_names) {
    auto it = std::find(names.begin(), names.end(), n);
    if (it == names.end())
      return model_error(
          c, "input_parameters.input_name",
          str_cat("'", n, "' is not an input of the model (inputs: ", join(names), ")", did_you_mean(n, names)));
    out.push_back(static_cast<size_t>(it - names.begin()));
  }
  for (const auto& n : names)
    if (std::find(cfg_names.begin(), cfg_names.end(), n) == cfg_names.end())
      return model_error(
          c, "input_parameters.input_name",
          str_cat("model input '", n, "' is not listed; input_name must name every model input (", join(names), ")"));
  return out;
}

Status check_names(const CompileConfig& c, const std::string& key, const std::vector<std::string>& used,
                   const std::vector<std::string>& known, const char* what) {
  if (known.empty()) return Status::Ok();
  std::set<std::string> k(known.begin(), known.end());
  for (const auto& u : used)
    if (!k.count(u))
      return model_error(c, key, str_cat(what, " '", u, "' is not in the model", did_you_mean(u, known)));
  return Status::Ok();
}

}  // namespace

Expected<std::vector<Shape>> effective_input_shapes(const CompileConfig& c, const ModelInputs& m) {
  NPUKIT_ASSIGN_OR_RETURN(auto idx, map_inputs(c, m));
  const auto& given = c.input_parameters.input_shape;
  std::vector<Shape> out;
  for (size_t i = 0; i < idx.size(); ++i) {
    const ModelInput& mi = m.inputs[idx[i]];
    if (!given.empty()) {
      const Shape& s = given[i];
      if (s.size() != mi.shape.size())
        return model_error(c, "input_parameters.input_shape",
                           str_cat(input_label(c, i), ": ", shape_str(s), " has rank ", s.size(),
                                   " but the model input '", mi.name, "' is ", shape_str(mi.shape)));
      for (size_t d = 0; d < s.size(); ++d)
        if (mi.shape[d] > 0 && mi.shape[d] != s[d])
          return model_error(c, "input_parameters.input_shape",
                             str_cat(input_label(c, i), ": ", shape_str(s), " does not match the model input '",
                                     mi.name, "' shape ", shape_str(mi.shape), " at dim ", d));
      out.push_back(s);
      continue;
    }
    Shape s = mi.shape;
    for (size_t d = 0; d < s.size(); ++d) {
      if (s[d] > 0) continue;
      // As hb_compile does for dynamic inputs, only a dynamic batch (first) dim has an implied value: 1.
      if (d == 0) {
        s[d] = 1;
        continue;
      }
      return model_error(c, "input_parameters.input_shape",
                         str_cat(input_label(c, i), ": model input '", mi.name, "' has dynamic shape ",
                                 shape_str(mi.shape), "; set input_shape"));
    }
    out.push_back(std::move(s));
  }
  return out;
}

Status check_against_model(const CompileConfig& c, const ModelInputs& m) {
  NPUKIT_ASSIGN_OR_RETURN(auto shapes, effective_input_shapes(c, m));
  const auto& ip = c.input_parameters;
  if (ip.input_batch > 1 && m.inputs.size() != 1)
    return model_error(c, "input_parameters.input_batch",
                       str_cat(ip.input_batch, " is only allowed for a single-input model; the model has ",
                               m.inputs.size(), " inputs"));
  const std::string origin = ip.input_shape.empty() ? "model" : "input_shape";
  for (size_t i = 0; i < shapes.size(); ++i) NPUKIT_RETURN_IF_ERROR(check_input_shape(c, i, shapes[i], origin));
  if (ip.input_name.empty()) {
    for (const auto& [k, v] : c.compiler_parameters.input_source)
      if (k != m.inputs[0].name)
        return model_error(c, "compiler_parameters.input_source",
                           str_cat("'", k, "' is not the model's input (", m.inputs[0].name, ")"));
  }
  const auto& mp = c.model_parameters;
  std::vector<std::string> info_nodes;
  for (const auto& [k, v] : mp.node_info) info_nodes.push_back(k);
  NPUKIT_RETURN_IF_ERROR(check_names(c, "model_parameters.node_info", info_nodes, m.node_names, "node"));
  NPUKIT_RETURN_IF_ERROR(check_names(c, "model_parameters.output_nodes", mp.output_nodes, m.node_names, "node"));
  NPUKIT_RETURN_IF_ERROR(
      check_names(c, "model_parameters.remove_node_name", mp.remove_node_name, m.node_names, "node"));
  const auto& cp = c.calibration_parameters;
  std::vector<std::string> kinds = cp.optimization.input_int16_kinds;
  kinds.insert(kinds.end(), cp.optimization.output_int16_kinds.begin(), cp.optimization.output_int16_kinds.end());
  NPUKIT_RETURN_IF_ERROR(check_names(c, "calibration_parameters.optimization", kinds, m.known_op_types, "NodeKind"));
  if (cp.quant_config) {
    std::vector<std::string> ops, nodes;
    for (const auto& [k, v] : cp.quant_config->op_config) ops.push_back(k);
    for (const auto& [k, v] : cp.quant_config->node_config) nodes.push_back(k);
    NPUKIT_RETURN_IF_ERROR(
        check_names(c, "calibration_parameters.quant_config", ops, m.known_op_types, "op_config type"));
    NPUKIT_RETURN_IF_ERROR(
        check_names(c, "calibration_parameters.quant_config", nodes, m.node_names, "node_config node"));
  }
  return Status::Ok();
}

Status check_files_exist(const CompileConfig& c) {
  namespace fs = std::filesystem;
  auto need = [&](const std::string& key, const std::string& p, bool dir) -> Status {
    std::error_code ec;
    const bool ok = dir ? fs::is_directory(p, ec) : fs::is_regular_file(p, ec);
    if (!ok)
      return make_error(ErrorCode::kNotFound, c.source, ": ", key, ": ", dir ? "folder '" : "file '", p,
                        "' does not exist");
    return Status::Ok();
  };
  const auto& mp = c.model_parameters;
  if (mp.onnx_model) NPUKIT_RETURN_IF_ERROR(need("model_parameters.onnx_model", *mp.onnx_model, false));
  if (mp.caffe_model) NPUKIT_RETURN_IF_ERROR(need("model_parameters.caffe_model", *mp.caffe_model, false));
  if (mp.prototxt) NPUKIT_RETURN_IF_ERROR(need("model_parameters.prototxt", *mp.prototxt, false));
  if (mp.march == March::kFile) NPUKIT_RETURN_IF_ERROR(need("model_parameters.march", mp.march_file, false));
  for (const auto& d : c.calibration_parameters.cal_data_dir)
    NPUKIT_RETURN_IF_ERROR(need("calibration_parameters.cal_data_dir", d, true));
  return Status::Ok();
}

Expected<CompileConfig> make_fast_perf_config(const FastPerfOptions& o) {
  // Built as YAML text and parsed, so fast-perf goes through exactly the validation a config file gets.
  auto q = [](const std::string& s) { return quote(s); };
  std::ostringstream y;
  y << "model_parameters:\n";
  const bool caffe = o.model.size() >= 11 && o.model.substr(o.model.size() - 11) == ".caffemodel";
  if (caffe) {
    y << "  caffe_model: " << q(o.model) << "\n";
    if (!o.proto.empty()) y << "  prototxt: " << q(o.proto) << "\n";
  } else {
    y << "  onnx_model: " << q(o.model) << "\n";
    if (!o.proto.empty())
      return make_error(ErrorCode::kInvalidArgument, "--proto is only for Caffe models (.caffemodel), got --model ",
                        o.model);
  }
  y << "  march: " << q(o.march) << "\n";
  y << "  working_dir: " << q(o.working_dir) << "\n";
  // The reference: removable CPU nodes at the model's ends are removed in fast-perf mode.
  y << "  remove_node_type: 'Quantize;Dequantize;Transpose;Cast;Reshape'\n";
  y << "input_parameters:\n";
  if (!o.input_shapes.empty()) {
    std::vector<std::string> names, shapes;
    for (const auto& [n, s] : o.input_shapes) {
      names.push_back(n);
      shapes.push_back(s);
    }
    y << "  input_name: " << q(join(names, ";")) << "\n";
    y << "  input_shape: " << q(join(shapes, ";")) << "\n";
  }
  y << "calibration_parameters:\n  calibration_type: 'skip'\n";
  // Highest optimization, as the reference's fast-perf mode.
  y << "compiler_parameters:\n  compile_mode: 'latency'\n  optimize_level: 'O3'\n";
  NPUKIT_ASSIGN_OR_RETURN(CompileConfig c, parse_compile_config(y.str(), "--fast-perf", "."));
  c.fast_perf = true;
  return c;
}

}  // namespace npukit::config
