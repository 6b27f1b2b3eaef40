// SPDX-License-Identifier: Apache-2.0
// npukit config: the YAML parser. yaml-cpp is used only to build the node tree; every value is read from
// scalar text by our own strict conversions so that messages can name group.key and the allowed values.
// yaml-cpp exceptions never leave this file.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include "config/compile_config.h"
#include "config/config_internal.h"
#include "core/file_util.h"

namespace npukit::config {

using namespace detail;  // NOLINT: implementation file

namespace {

const std::vector<std::string> kGroupNames = {"model_parameters", "input_parameters", "calibration_parameters",
                                              "compiler_parameters"};
const std::vector<std::vector<std::string>> kGroupKeys = {
    {"prototxt", "caffe_model", "onnx_model", "march", "output_model_file_prefix", "working_dir", "layer_out_dump",
     "output_nodes", "remove_node_type", "remove_node_name", "debug_mode", "node_info"},
    {"input_name", "input_type_train", "input_type_rt", "input_layout_train", "input_space_and_range", "input_shape",
     "input_batch", "separate_batch", "norm_type", "mean_value", "scale_value"},
    {"cal_data_dir", "calibration_type", "max_percentile", "per_channel", "optimization", "quant_config", "run_on_cpu",
     "run_on_bpu"},
    {"compile_mode", "balance_factor", "core_num", "optimize_level", "input_source", "max_time_per_fc", "jobs",
     "advice", "debug"}};

const std::vector<std::string> kFixedOptimizations = {"set_model_output_int8",
                                                      "set_model_output_int16",
                                                      "set_Softmax_input_int8",
                                                      "set_Softmax_output_int8",
                                                      "asymmetric",
                                                      "bias_correction",
                                                      "lstm_batch_last"};
const char* kOptimizationHelp =
    "set_model_output_int8, set_model_output_int16, set_{NodeKind}_input_int16, set_{NodeKind}_output_int16, "
    "set_Softmax_input_int8, set_Softmax_output_int8, asymmetric, bias_correction, lstm_batch_last";

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Reads one group (or nested mapping): rejects non-mappings, duplicate and unknown keys. Null values are
// dropped (the reference: "no settings or null doesn't affect the conversion").
class KeyMap {
 public:
  std::map<std::string, YAML::Node> values;
  bool has(const std::string& k) const { return values.count(k) > 0; }
  const YAML::Node& at(const std::string& k) const { return values.at(k); }
};

class Parser {
 public:
  Parser(std::string name, std::string base_dir) : name_(std::move(name)), base_(std::move(base_dir)) {}

  Expected<CompileConfig> run(const std::string& text);

 private:
  // --- error helpers ---
  template <class... A>
  Status fail(const std::string& where, const A&... parts) const {
    return make_error(ErrorCode::kInvalidArgument, name_, ": ", where, ": ", parts...);
  }
  std::string where(const std::string& group, const std::string& key) const { return group + "." + key; }

  Expected<KeyMap> read_map(const YAML::Node& node, const std::string& where,
                            const std::vector<std::string>& known) const;

  // --- scalar conversions (all take "group.key" for messages) ---
  Expected<std::string> scalar(const YAML::Node& n, const std::string& w) const;
  Expected<bool> to_bool(const YAML::Node& n, const std::string& w) const;
  Expected<int64_t> to_int(const YAML::Node& n, const std::string& w, int64_t lo, int64_t hi,
                           const std::string& range) const;
  Expected<double> to_double(const std::string& text, const std::string& w, double lo, double hi,
                             const std::string& range) const;
  template <class E>
  Expected<E> to_enum(const std::string& text, const std::string& w, const std::vector<EnumRow<E>>& rows) const;
  Expected<std::vector<std::string>> multi(const YAML::Node& n, const std::string& w) const;
  std::string resolve(const std::string& p) const;

  // --- groups ---
  Status model_group(const KeyMap& g, CompileConfig& c);
  Status node_info(const YAML::Node& n, CompileConfig& c);
  Status input_group(const KeyMap& g, CompileConfig& c);
  Status per_input(const KeyMap& g, const std::string& key, const CompileConfig& c,
                   std::vector<std::string>& out) const;
  Status calibration_group(const KeyMap& g, CompileConfig& c);
  Status compiler_group(const KeyMap& g, CompileConfig& c);
  Status cross_checks(CompileConfig& c);

  std::string name_, base_;
  bool layout_given_ = false;
  bool max_percentile_given_ = false, per_channel_given_ = false, balance_factor_given_ = false;
};

Expected<KeyMap> Parser::read_map(const YAML::Node& node, const std::string& w,
                                  const std::vector<std::string>& known) const {
  KeyMap out;
  if (node.IsNull()) return out;
  if (!node.IsMap()) return fail(w, "must be a mapping of key: value, got ", kind_of(node));
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return fail(w, "keys must be plain names, got ", kind_of(kv.first));
    const std::string key = kv.first.Scalar();
    if (out.values.count(key)) return fail(w + "." + key, "is given twice");
    if (!known.empty() && std::find(known.begin(), known.end(), key) == known.end()) {
      std::string msg = str_cat("unknown key '", key, "'", did_you_mean(key, known));
      // A known key in the wrong group is a common indentation mistake: say where it belongs.
      if (msg.find("did you mean") == std::string::npos) {
        for (size_t g = 0; g < kGroupNames.size(); ++g) {
          const auto& ks = kGroupKeys[g];
          if (std::find(ks.begin(), ks.end(), key) != ks.end() && w != kGroupNames[g])
            msg += str_cat("; '", key, "' belongs in ", kGroupNames[g]);
        }
      }
      return make_error(ErrorCode::kInvalidArgument, name_, ": ", w, ": ", msg);
    }
    if (kv.second.IsNull()) continue;
    out.values[key] = kv.second;
  }
  return out;
}

Expected<std::string> Parser::scalar(const YAML::Node& n, const std::string& w) const {
  if (!n.IsScalar()) return fail(w, "expected a single value, got ", kind_of(n));
  return n.Scalar();
}

Expected<bool> Parser::to_bool(const YAML::Node& n, const std::string& w) const {
  NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(n, w));
  const std::string l = lower(trim(s));
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  return fail(w, "'", s, "' is not a bool (True or False)");
}

Expected<int64_t> Parser::to_int(const YAML::Node& n, const std::string& w, int64_t lo, int64_t hi,
                                 const std::string& range) const {
  NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(n, w));
  const std::string t = trim(s);
  int64_t v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || r.ec == std::errc::invalid_argument || r.ptr != t.data() + t.size())
    return fail(w, "'", s, "' is not an integer (allowed: ", range, ")");
  if (r.ec == std::errc::result_out_of_range || v < lo || v > hi)
    return fail(w, t, " is out of range (allowed: ", range, ")");
  return v;
}

Expected<double> Parser::to_double(const std::string& text, const std::string& w, double lo, double hi,
                                   const std::string& range) const {
  const std::string t = trim(text);
  double v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(v))
    return fail(w, "'", text, "' is not a number", range.empty() ? "" : str_cat(" (allowed: ", range, ")"));
  if (v < lo || v > hi) return fail(w, t, " is out of range (allowed: ", range, ")");
  return v;
}

template <class E>
Expected<E> Parser::to_enum(const std::string& text, const std::string& w, const std::vector<EnumRow<E>>& rows) const {
  const std::string t = trim(text);
  for (const auto& r : rows)
    if (t == r.name) return r.value;
  const auto names = row_names(rows);
  return fail(w, "'", text, "' is not one of ", join(names), did_you_mean(t, names));
}

Expected<std::vector<std::string>> Parser::multi(const YAML::Node& n, const std::string& w) const {
  // 'a;b;c' (the reference's param_value syntax) or, equivalently, a YAML list [a, b, c].
  std::vector<std::string> parts;
  if (n.IsSequence()) {
    for (const auto& item : n) {
      if (!item.IsScalar()) return fail(w, "list items must be single values, got ", kind_of(item));
      parts.push_back(item.Scalar());
    }
  } else {
    NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(n, w));
    size_t start = 0;
    while (true) {
      const size_t p = s.find(';', start);
      parts.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
      if (p == std::string::npos) break;
      start = p + 1;
    }
  }
  for (auto& p : parts) {
    p = trim(p);
    if (p.empty()) return fail(w, "empty value in '", n.IsScalar() ? n.Scalar() : std::string("[...]"), "'");
  }
  return parts;
}

std::string Parser::resolve(const std::string& p) const {
  std::filesystem::path path(p);
  if (path.is_absolute() || base_.empty()) return path.lexically_normal().string();
  return (std::filesystem::path(base_) / path).lexically_normal().string();
}

Expected<CompileConfig> Parser::run(const std::string& text) {
  NPUKIT_ASSIGN_OR_RETURN(YAML::Node root, load_yaml(text, name_));
  if (!root.IsMap())
    return make_error(ErrorCode::kInvalidArgument, name_, ": the config must be a mapping with the groups ",
                      join(kGroupNames), ", got ", kind_of(root));
  // Top level: only the four groups, all present.
  std::map<std::string, YAML::Node> groups;
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    if (groups.count(key)) return make_error(ErrorCode::kInvalidArgument, name_, ": group '", key, "' is given twice");
    if (std::find(kGroupNames.begin(), kGroupNames.end(), key) == kGroupNames.end()) {
      std::string msg =
          str_cat("unknown group '", key, "' (groups: ", join(kGroupNames), ")", did_you_mean(key, kGroupNames));
      for (size_t g = 0; g < kGroupNames.size(); ++g) {
        const auto& ks = kGroupKeys[g];
        if (std::find(ks.begin(), ks.end(), key) != ks.end())
          msg += str_cat("; '", key, "' is a key of ", kGroupNames[g], " and must be indented under it");
      }
      return make_error(ErrorCode::kInvalidArgument, name_, ": ", msg);
    }
    groups[key] = kv.second;
  }
  for (const auto& g : kGroupNames)
    if (!groups.count(g))
      return make_error(ErrorCode::kInvalidArgument, name_, ": missing group '", g, "' (every config needs ",
                        join(kGroupNames), "; a group may be empty)");
  CompileConfig c;
  c.source = name_;
  c.base_dir = base_;
  std::vector<KeyMap> maps;
  for (size_t g = 0; g < kGroupNames.size(); ++g) {
    NPUKIT_ASSIGN_OR_RETURN(KeyMap m, read_map(groups[kGroupNames[g]], kGroupNames[g], kGroupKeys[g]));
    maps.push_back(std::move(m));
  }
  NPUKIT_RETURN_IF_ERROR(model_group(maps[0], c));
  NPUKIT_RETURN_IF_ERROR(input_group(maps[1], c));
  NPUKIT_RETURN_IF_ERROR(calibration_group(maps[2], c));
  NPUKIT_RETURN_IF_ERROR(compiler_group(maps[3], c));
  NPUKIT_RETURN_IF_ERROR(cross_checks(c));
  return c;
}

// ---------------------------------------------------------------------------------------------------
// model_parameters

Status Parser::model_group(const KeyMap& g, CompileConfig& c) {
  const std::string G = "model_parameters";
  auto& mp = c.model_parameters;
  for (const char* k : {"onnx_model", "caffe_model", "prototxt"}) {
    if (!g.has(k)) continue;
    NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(g.at(k), where(G, k)));
    if (trim(s).empty()) return fail(where(G, k), "must be a model path, got an empty string");
    std::string p = resolve(trim(s));
    if (std::string(k) == "onnx_model")
      mp.onnx_model = p;
    else if (std::string(k) == "caffe_model")
      mp.caffe_model = p;
    else
      mp.prototxt = p;
  }
  if (mp.onnx_model && (mp.caffe_model || mp.prototxt))
    return fail(where(G, "onnx_model"), "give either onnx_model or caffe_model + prototxt, not both");
  if (mp.caffe_model && !mp.prototxt)
    return fail(where(G, "prototxt"), "missing required key: a Caffe model (caffe_model) needs its prototxt");
  if (mp.prototxt && !mp.caffe_model)
    return fail(where(G, "caffe_model"), "missing required key: prototxt is given without caffe_model");
  if (!mp.onnx_model && !mp.caffe_model)
    return fail(where(G, "onnx_model"), "missing required key: give onnx_model (or caffe_model + prototxt)");

  if (!g.has("march"))
    return fail(where(G, "march"), "missing required key (one of ", join(row_names(kMarchRows)),
                ", or a path to a march .yaml file)");
  {
    NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(g.at("march"), where(G, "march")));
    const std::string t = trim(s);
    bool found = false;
    for (const auto& r : kMarchRows)
      if (t == r.name) {
        mp.march = r.value;
        found = true;
      }
    const std::string lt = lower(t);
    const auto ends = [&](const std::string& suf) {
      return lt.size() > suf.size() && lt.compare(lt.size() - suf.size(), suf.size(), suf) == 0;
    };
    if (!found) {
      if (ends(".yaml") || ends(".yml")) {
        mp.march = March::kFile;
        mp.march_file = resolve(t);
      } else {
        const auto names = row_names(kMarchRows);
        return fail(where(G, "march"), "'", s, "' is not one of ", join(names), " or a path to a march .yaml file",
                    did_you_mean(t, names));
      }
    }
  }
  if (g.has("output_model_file_prefix")) {
    const std::string w = where(G, "output_model_file_prefix");
    NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(g.at("output_model_file_prefix"), w));
    s = trim(s);
    if (s.empty() || s.find('/') != std::string::npos || s.find('\\') != std::string::npos || s == "." || s == "..")
      return fail(w, "'", s, "' is not a file name prefix (non-empty, no folder separators)");
    mp.output_model_file_prefix = s;
  }
  {
    std::string wd = "model_output";
    if (g.has("working_dir")) {
      NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(g.at("working_dir"), where(G, "working_dir")));
      if (trim(s).empty()) return fail(where(G, "working_dir"), "must be a folder path, got an empty string");
      wd = trim(s);
    }
    mp.working_dir = resolve(wd);
  }
  if (g.has("layer_out_dump")) {
    NPUKIT_ASSIGN_OR_RETURN(mp.layer_out_dump, to_bool(g.at("layer_out_dump"), where(G, "layer_out_dump")));
  }
  if (g.has("output_nodes")) {
    NPUKIT_ASSIGN_OR_RETURN(mp.output_nodes, multi(g.at("output_nodes"), where(G, "output_nodes")));
  }
  if (g.has("remove_node_type")) {
    const std::string w = where(G, "remove_node_type");
    NPUKIT_ASSIGN_OR_RETURN(mp.remove_node_type, multi(g.at("remove_node_type"), w));
    for (const auto& t : mp.remove_node_type)
      if (std::find(kRemovableNodeTypes.begin(), kRemovableNodeTypes.end(), t) == kRemovableNodeTypes.end())
        return fail(w, "'", t, "' is not one of ", join(kRemovableNodeTypes), did_you_mean(t, kRemovableNodeTypes));
  }
  if (g.has("remove_node_name")) {
    NPUKIT_ASSIGN_OR_RETURN(mp.remove_node_name, multi(g.at("remove_node_name"), where(G, "remove_node_name")));
  }
  if (g.has("debug_mode")) {
    const std::string w = where(G, "debug_mode");
    NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(g.at("debug_mode"), w));
    NPUKIT_ASSIGN_OR_RETURN(mp.debug_mode, to_enum(s, w, kDebugModeRows));
  }
  if (g.has("node_info")) NPUKIT_RETURN_IF_ERROR(node_info(g.at("node_info"), c));
  return Status::Ok();
}

Status Parser::node_info(const YAML::Node& node, CompileConfig& c) {
  const std::string w = "model_parameters.node_info";
  auto& out = c.model_parameters.node_info;
  YAML::Node n = node;
  if (n.IsScalar() && !trim(n.Scalar()).empty() && trim(n.Scalar())[0] == '{') {
    // The mapping form written as one quoted string: parse it as YAML flow style.
    NPUKIT_ASSIGN_OR_RETURN(n, load_yaml(n.Scalar(), name_ + ": " + w));
  }
  auto dtype = [&](const std::string& text, const std::string& ww) -> Expected<NodeDType> {
    return to_enum(lower(trim(text)), ww, kNodeDTypeRows);
  };
  if (n.IsScalar()) {
    // 'node1:int16;node2:int16' — the data type of the node's inputs and outputs.
    NPUKIT_ASSIGN_OR_RETURN(auto items, multi(n, w));
    for (const auto& item : items) {
      const size_t p = item.rfind(':');
      if (p == std::string::npos || trim(item.substr(0, p)).empty())
        return fail(w, "'", item, "' is not node_name:type (e.g. 'Conv_0:int16')");
      const std::string node_name = trim(item.substr(0, p));
      NPUKIT_ASSIGN_OR_RETURN(NodeDType t, dtype(item.substr(p + 1), w + "." + node_name));
      if (out.count(node_name)) return fail(w, "node '", node_name, "' is given twice");
      NodeInfo info;
      info.input_type = t;
      info.output_type = t;
      out[node_name] = info;
    }
    return Status::Ok();
  }
  if (!n.IsMap()) return fail(w, "expected 'node:type;...' or a mapping {node: {ON: BPU|CPU, InputType: ..., ...}}");
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) return fail(w, "node names must be plain values");
    const std::string node_name = kv.first.Scalar();
    const std::string nw = w + "." + node_name;
    if (out.count(node_name)) return fail(w, "node '", node_name, "' is given twice");
    if (!kv.second.IsMap() || kv.second.size() == 0)
      return fail(nw, "expected a non-empty mapping of ON / InputType / InputType<N> / OutputType, got ",
                  kind_of(kv.second));
    NodeInfo info;
    std::set<std::string> seen;
    for (const auto& e : kv.second) {
      const std::string key = e.first.IsScalar() ? e.first.Scalar() : std::string("?");
      const std::string kw = nw + "." + key;
      if (!seen.insert(key).second) return fail(kw, "is given twice");
      NPUKIT_ASSIGN_OR_RETURN(std::string val, scalar(e.second, kw));
      if (key == "ON") {
        std::string up = trim(val);
        for (char& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        NPUKIT_ASSIGN_OR_RETURN(info.on, to_enum(up == val ? val : up, kw, kDeviceRows));
      } else if (key == "InputType") {
        NPUKIT_ASSIGN_OR_RETURN(info.input_type, dtype(val, kw));
      } else if (key == "OutputType") {
        NPUKIT_ASSIGN_OR_RETURN(info.output_type, dtype(val, kw));
      } else if (key.rfind("InputType", 0) == 0 && key.size() > 9 &&
                 std::all_of(key.begin() + 9, key.end(), [](char ch) { return std::isdigit(ch); })) {
        int idx = 0;
        auto r = std::from_chars(key.data() + 9, key.data() + key.size(), idx);
        if (r.ec != std::errc() || idx > 1024) return fail(kw, "input index out of range (0..1024)");
        NPUKIT_ASSIGN_OR_RETURN(info.input_type_at[idx], dtype(val, kw));
      } else if (key.rfind("OutputType", 0) == 0) {
        return fail(kw, "OutputType applies to all outputs of a node; a per-output OutputType<N> is not supported");
      } else {
        const std::vector<std::string> known = {"ON", "InputType", "InputType0", "OutputType"};
        return fail(nw, "unknown key '", key, "' (allowed: ON, InputType, InputType<N>, OutputType)",
                    did_you_mean(key, known));
      }
    }
    out[node_name] = info;
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------
// input_parameters

Status Parser::per_input(const KeyMap& g, const std::string& key, const CompileConfig& c,
                         std::vector<std::string>& out) const {
  const std::string w = where("input_parameters", key);
  NPUKIT_ASSIGN_OR_RETURN(out, multi(g.at(key), w));
  const auto& names = c.input_parameters.input_name;
  // A YAML list is one item per input; a list of channel values or dims is a likely mistake, so say how
  // one input's values are written.
  std::string hint;
  if (g.at(key).IsSequence() && (key == "mean_value" || key == "scale_value"))
    hint = " (the channel values of one input are separated by spaces: '103.94 116.78 123.68')";
  else if (g.at(key).IsSequence() && key == "input_shape")
    hint = " (the dims of one input are separated by x: '1x3x224x224')";
  if (!names.empty() && out.size() != names.size())
    return fail(w, out.size(), " value(s) given but input_name names ", names.size(), " input(s) (", join(names),
                "); give one value per input, separated by ';'", hint);
  if (names.empty() && out.size() > 1)
    return fail(w, out.size(),
                " values given; a multi-input model needs input_name (one name per input, in the "
                "same order)",
                hint);
  return Status::Ok();
}

Status Parser::input_group(const KeyMap& g, CompileConfig& c) {
  const std::string G = "input_parameters";
  auto& ip = c.input_parameters;
  if (g.has("input_name")) {
    const YAML::Node& node = g.at("input_name");
    // A single input may be given as "" (the reference's "single input: \"\"").
    if (!(node.IsScalar() && trim(node.Scalar()).empty())) {
      const std::string w = where(G, "input_name");
      NPUKIT_ASSIGN_OR_RETURN(ip.input_name, multi(node, w));
      std::set<std::string> seen;
      for (const auto& n : ip.input_name)
        if (!seen.insert(n).second) return fail(w, "input '", n, "' is named twice");
    }
  }
  const size_t n = c.num_inputs();
  std::vector<std::string> v;

  ip.input_type_train.assign(n, InputType::kFeaturemap);
  if (g.has("input_type_train")) {
    NPUKIT_RETURN_IF_ERROR(per_input(g, "input_type_train", c, v));
    for (size_t i = 0; i < n; ++i) {
      NPUKIT_ASSIGN_OR_RETURN(ip.input_type_train[i], to_enum(v[i], where(G, "input_type_train"), kTrainTypeRows));
    }
  }
  ip.input_type_rt.assign(n, InputType::kFeaturemap);
  if (g.has("input_type_rt")) {
    NPUKIT_RETURN_IF_ERROR(per_input(g, "input_type_rt", c, v));
    for (size_t i = 0; i < n; ++i) {
      NPUKIT_ASSIGN_OR_RETURN(ip.input_type_rt[i], to_enum(v[i], where(G, "input_type_rt"), kRtTypeRows));
    }
  }
  ip.input_layout_train.assign(n, std::nullopt);
  if (g.has("input_layout_train")) {
    layout_given_ = true;
    NPUKIT_RETURN_IF_ERROR(per_input(g, "input_layout_train", c, v));
    for (size_t i = 0; i < n; ++i) {
      NPUKIT_ASSIGN_OR_RETURN(ip.input_layout_train[i], to_enum(v[i], where(G, "input_layout_train"), kLayoutRows));
    }
  }
  ip.input_space_and_range.assign(n, SpaceAndRange::kRegular);
  if (g.has("input_space_and_range")) {
    NPUKIT_RETURN_IF_ERROR(per_input(g, "input_space_and_range", c, v));
    for (size_t i = 0; i < n; ++i) {
      NPUKIT_ASSIGN_OR_RETURN(ip.input_space_and_range[i],
                              to_enum(v[i], where(G, "input_space_and_range"), kSpaceRows));
    }
  }
  if (g.has("input_shape")) {
    const std::string w = where(G, "input_shape");
    NPUKIT_RETURN_IF_ERROR(per_input(g, "input_shape", c, v));
    for (const auto& s : v) {
      Shape shape;
      size_t start = 0;
      bool bad = false;
      while (true) {
        const size_t p = s.find_first_of("xX", start);
        const std::string d = trim(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
        int64_t dim = 0;
        auto r = std::from_chars(d.data(), d.data() + d.size(), dim);
        if (d.empty() || r.ec != std::errc() || r.ptr != d.data() + d.size() || dim < 1 || dim > (int64_t{1} << 31)) {
          bad = true;
          break;
        }
        shape.push_back(dim);
        if (p == std::string::npos) break;
        start = p + 1;
      }
      if (bad || shape.size() > 8)
        return fail(w, "'", s, "' is not a shape like 1x3x224x224 (1 to 8 positive dims separated by x)");
      ip.input_shape.push_back(std::move(shape));
    }
  }
  if (g.has("input_batch")) {
    NPUKIT_ASSIGN_OR_RETURN(ip.input_batch, to_int(g.at("input_batch"), where(G, "input_batch"), 1, 4096, "1-4096"));
  }
  if (g.has("separate_batch")) {
    NPUKIT_ASSIGN_OR_RETURN(ip.separate_batch, to_bool(g.at("separate_batch"), where(G, "separate_batch")));
  }
  ip.norm_type.assign(n, NormType::kNoPreprocess);
  if (g.has("norm_type")) {
    NPUKIT_RETURN_IF_ERROR(per_input(g, "norm_type", c, v));
    for (size_t i = 0; i < n; ++i) {
      NPUKIT_ASSIGN_OR_RETURN(ip.norm_type[i], to_enum(v[i], where(G, "norm_type"), kNormRows));
    }
  }
  for (const char* key : {"mean_value", "scale_value"}) {
    auto& dst = std::string(key) == "mean_value" ? ip.mean_value : ip.scale_value;
    dst.assign(n, {});
    if (!g.has(key)) continue;
    const std::string w = where(G, key);
    NPUKIT_RETURN_IF_ERROR(per_input(g, key, c, v));
    for (size_t i = 0; i < n; ++i) {
      if (v[i] == "None" || v[i] == "none") continue;
      // Channel values are separated by spaces; commas are tolerated as well.
      std::string text = v[i];
      std::replace(text.begin(), text.end(), ',', ' ');
      size_t pos = 0;
      while (pos < text.size()) {
        while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
        if (pos >= text.size()) break;
        size_t end = pos;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
        NPUKIT_ASSIGN_OR_RETURN(double d, to_double(text.substr(pos, end - pos), w, -1e30, 1e30, "numbers or None"));
        dst[i].push_back(d);
        pos = end;
      }
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------
// calibration_parameters

Status Parser::calibration_group(const KeyMap& g, CompileConfig& c) {
  const std::string G = "calibration_parameters";
  auto& cp = c.calibration_parameters;
  if (g.has("calibration_type")) {
    const std::string w = where(G, "calibration_type");
    NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(g.at("calibration_type"), w));
    auto e = to_enum(s, w, kCalibRows);
    if (!e.ok()) {
      // max_percentile is a parameter of calibration_type max, not a calibration type of its own.
      if (trim(s) == "max_percentile")
        return fail(w, "'max_percentile' is not one of ", join(row_names(kCalibRows)),
                    "; use calibration_type: max with the separate key max_percentile: <0.5..1.0>");
      return e.status();
    }
    cp.calibration_type = *e;
  }
  if (g.has("cal_data_dir")) {
    const std::string w = where(G, "cal_data_dir");
    NPUKIT_ASSIGN_OR_RETURN(auto dirs, multi(g.at("cal_data_dir"), w));
    const auto& names = c.input_parameters.input_name;
    if (!names.empty() && dirs.size() != names.size())
      return fail(w, dirs.size(), " folder(s) given but input_name names ", names.size(), " input(s) (", join(names),
                  "); give one folder per input, separated by ';'");
    if (names.empty() && dirs.size() > 1)
      return fail(w, dirs.size(), " folders given; a multi-input model needs input_name (one name per input)");
    for (const auto& d : dirs) cp.cal_data_dir.push_back(resolve(d));
  }
  if (g.has("max_percentile")) {
    max_percentile_given_ = true;
    const std::string w = where(G, "max_percentile");
    NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(g.at("max_percentile"), w));
    NPUKIT_ASSIGN_OR_RETURN(cp.max_percentile, to_double(s, w, 0.5, 1.0, "0.5-1.0"));
  }
  if (g.has("per_channel")) {
    per_channel_given_ = true;
    NPUKIT_ASSIGN_OR_RETURN(cp.per_channel, to_bool(g.at("per_channel"), where(G, "per_channel")));
  }
  if (g.has("optimization")) {
    const std::string w = where(G, "optimization");
    NPUKIT_ASSIGN_OR_RETURN(auto vals, multi(g.at("optimization"), w));
    auto& o = cp.optimization;
    std::set<std::string> seen;
    auto node_kind = [](const std::string& k) {
      return !k.empty() && std::isupper(static_cast<unsigned char>(k[0])) &&
             std::all_of(k.begin(), k.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); });
    };
    for (const auto& v : vals) {
      if (!seen.insert(v).second) return fail(w, "'", v, "' is listed twice");
      o.raw.push_back(v);
      if (v == "set_model_output_int8")
        o.set_model_output_int8 = true;
      else if (v == "set_model_output_int16")
        o.set_model_output_int16 = true;
      else if (v == "set_Softmax_input_int8")
        o.softmax_input_int8 = true;
      else if (v == "set_Softmax_output_int8")
        o.softmax_output_int8 = true;
      else if (v == "asymmetric")
        o.asymmetric = true;
      else if (v == "bias_correction")
        o.bias_correction = true;
      else if (v == "lstm_batch_last")
        o.lstm_batch_last = true;
      else {
        const std::string in_suf = "_input_int16", out_suf = "_output_int16";
        auto kind_with = [&](const std::string& suf) -> std::string {
          if (v.rfind("set_", 0) != 0 || v.size() <= 4 + suf.size()) return "";
          if (v.compare(v.size() - suf.size(), suf.size(), suf) != 0) return "";
          return v.substr(4, v.size() - 4 - suf.size());
        };
        const std::string ki = kind_with(in_suf), ko = kind_with(out_suf);
        if (!ki.empty() && node_kind(ki)) {
          o.input_int16_kinds.push_back(ki);
        } else if (!ko.empty() && node_kind(ko)) {
          o.output_int16_kinds.push_back(ko);
        } else {
          std::string hint;
          if (!ki.empty() || !ko.empty())
            hint = "; NodeKind must be an ONNX op type such as Conv or Sigmoid (case sensitive)";
          return fail(w, "'", v, "' is not one of ", kOptimizationHelp, hint, did_you_mean(v, kFixedOptimizations));
        }
      }
    }
    if (o.set_model_output_int8 && o.set_model_output_int16)
      return fail(w, "set_model_output_int8 and set_model_output_int16 exclude each other");
  }
  if (g.has("quant_config")) {
    const std::string w = where(G, "quant_config");
    const YAML::Node& n = g.at("quant_config");
    YAML::Node root;
    std::string qname = name_ + ": " + w;
    if (n.IsMap()) {
      root = n;  // inline form (npukit extension; the reference gives a JSON file path)
    } else {
      NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(n, w));
      s = trim(s);
      if (s.empty()) return fail(w, "must be the path of a JSON file, got an empty string");
      std::string text = s;
      if (s[0] != '{') {
        cp.quant_config_path = resolve(s);
        auto t = read_file(cp.quant_config_path, size_t{16} << 20);
        if (!t.ok())
          return make_error(t.status().code() == ErrorCode::kNotFound ? ErrorCode::kNotFound : ErrorCode::kIoError,
                            name_, ": ", w, ": cannot read '", cp.quant_config_path, "': ", t.status().message());
        text = *t;
        qname = str_cat(name_, ": ", w, ": ", cp.quant_config_path);
      }
      NPUKIT_ASSIGN_OR_RETURN(root, load_yaml(strip_json_comments(text), qname));
    }
    NPUKIT_ASSIGN_OR_RETURN(cp.quant_config, quant_config_from_node(root, qname));
  }
  // Legacy hb_mapper placement lists, folded into node_info (ON: CPU / BPU).
  for (const char* key : {"run_on_cpu", "run_on_bpu"}) {
    if (!g.has(key)) continue;
    const std::string w = where(G, key);
    const Device dev = std::string(key) == "run_on_cpu" ? Device::kCpu : Device::kBpu;
    NPUKIT_ASSIGN_OR_RETURN(auto nodes, multi(g.at(key), w));
    for (const auto& node : nodes) {
      auto& info = c.model_parameters.node_info[node];
      if (info.on && *info.on != dev)
        return fail(w, "node '", node, "' is also placed on ", to_string(*info.on), " (by node_info or run_on_",
                    dev == Device::kCpu ? "bpu" : "cpu", ")");
      info.on = dev;
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------
// compiler_parameters

Status Parser::compiler_group(const KeyMap& g, CompileConfig& c) {
  const std::string G = "compiler_parameters";
  auto& xp = c.compiler_parameters;
  if (g.has("compile_mode")) {
    const std::string w = where(G, "compile_mode");
    NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(g.at("compile_mode"), w));
    NPUKIT_ASSIGN_OR_RETURN(xp.compile_mode, to_enum(s, w, kCompileModeRows));
  }
  if (g.has("balance_factor")) {
    balance_factor_given_ = true;
    NPUKIT_ASSIGN_OR_RETURN(xp.balance_factor,
                            to_int(g.at("balance_factor"), where(G, "balance_factor"), 0, 100, "0-100"));
  }
  if (g.has("core_num")) {
    NPUKIT_ASSIGN_OR_RETURN(xp.core_num, to_int(g.at("core_num"), where(G, "core_num"), 1, 64, "1-64"));
  }
  if (g.has("optimize_level")) {
    const std::string w = where(G, "optimize_level");
    NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(g.at("optimize_level"), w));
    NPUKIT_ASSIGN_OR_RETURN(xp.optimize_level, to_enum(s, w, kOptLevelRows));
  }
  if (g.has("input_source")) {
    const std::string w = where(G, "input_source");
    YAML::Node n = g.at("input_source");
    if (n.IsScalar() && !trim(n.Scalar()).empty() && trim(n.Scalar())[0] == '{') {
      NPUKIT_ASSIGN_OR_RETURN(n, load_yaml(n.Scalar(), name_ + ": " + w));
    }
    if (!n.IsMap())
      return fail(w, "expected a mapping {input_name: ddr | pyramid | resizer}, got ", kind_of(n),
                  n.IsScalar() ? str_cat(" '", n.Scalar(), "'") : "");
    for (const auto& kv : n) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (xp.input_source.count(key)) return fail(w, "input '", key, "' is given twice");
      NPUKIT_ASSIGN_OR_RETURN(std::string s, scalar(kv.second, w + "." + key));
      NPUKIT_ASSIGN_OR_RETURN(xp.input_source[key], to_enum(s, w + "." + key, kInputSourceRows));
    }
  }
  if (g.has("max_time_per_fc")) {
    const std::string w = where(G, "max_time_per_fc");
    NPUKIT_ASSIGN_OR_RETURN(xp.max_time_per_fc,
                            to_int(g.at("max_time_per_fc"), w, 0, 4294967295LL, "0 or 1000-4294967295"));
    if (xp.max_time_per_fc > 0 && xp.max_time_per_fc < 1000)
      return fail(w, xp.max_time_per_fc, " is out of range (allowed: 0 or 1000-4294967295)");
  }
  if (g.has("jobs")) {
    NPUKIT_ASSIGN_OR_RETURN(xp.jobs, to_int(g.at("jobs"), where(G, "jobs"), 1, 1024, "1-1024"));
  }
  if (g.has("advice")) {
    NPUKIT_ASSIGN_OR_RETURN(xp.advice,
                            to_int(g.at("advice"), where(G, "advice"), 0, INT64_MAX, "a natural number >= 0"));
  }
  if (g.has("debug")) {
    NPUKIT_ASSIGN_OR_RETURN(xp.debug, to_bool(g.at("debug"), where(G, "debug")));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------
// Cross-constraints decidable without the model

Status Parser::cross_checks(CompileConfig& c) {
  const auto& ip = c.input_parameters;
  const auto& cp = c.calibration_parameters;
  const auto& xp = c.compiler_parameters;
  const auto& mp = c.model_parameters;
  const size_t n = c.num_inputs();
  for (size_t i = 0; i < n; ++i) {
    const std::string label = input_label(c, i);
    const InputType train = ip.input_type_train[i], rt = ip.input_type_rt[i];
    if (!type_combination_allowed(train, rt))
      return fail("input_parameters.input_type_rt", label, ": input_type_rt '", to_string(rt),
                  "' is not allowed with input_type_train '", to_string(train),
                  "' (allowed: ", join(allowed_rt_for(train)), ")");
    if (ip.input_space_and_range[i] == SpaceAndRange::kBt601Video) {
      if (rt != InputType::kNv12)
        return fail("input_parameters.input_space_and_range", label, ": bt601_video requires input_type_rt nv12, got ",
                    to_string(rt));
      if (train != InputType::kRgb && train != InputType::kBgr)
        return fail("input_parameters.input_space_and_range", label,
                    ": bt601_video requires input_type_train rgb or bgr, got ", to_string(train));
    }
    const bool needs_layout = train != InputType::kFeaturemap || ip.norm_type[i] != NormType::kNoPreprocess;
    if (needs_layout && !ip.input_layout_train[i])
      return fail("input_parameters.input_layout_train", label, ": missing required key: NCHW or NHWC is needed for ",
                  train != InputType::kFeaturemap ? str_cat("input_type_train ", to_string(train))
                                                  : str_cat("norm_type ", to_string(ip.norm_type[i])));
    const NormType nt = ip.norm_type[i];
    const bool uses_mean = nt == NormType::kDataMean || nt == NormType::kDataMeanAndScale;
    const bool uses_scale = nt == NormType::kDataScale || nt == NormType::kDataMeanAndScale;
    if (uses_mean && ip.mean_value[i].empty())
      return fail("input_parameters.mean_value", label, ": missing required key: norm_type ", to_string(nt),
                  " needs a mean value");
    if (!uses_mean && !ip.mean_value[i].empty())
      return fail("input_parameters.mean_value", label, ": mean values are given but norm_type is ", to_string(nt),
                  " (use data_mean or data_mean_and_scale, or write None for this input)");
    if (uses_scale && ip.scale_value[i].empty())
      return fail("input_parameters.scale_value", label, ": missing required key: norm_type ", to_string(nt),
                  " needs a scale value");
    if (!uses_scale && !ip.scale_value[i].empty())
      return fail("input_parameters.scale_value", label, ": scale values are given but norm_type is ", to_string(nt),
                  " (use data_scale or data_mean_and_scale, or write None for this input)");
    const InputSource src = effective_input_source(c, i);
    if (src == InputSource::kResizer && rt != InputType::kNv12 && rt != InputType::kGray)
      return fail("compiler_parameters.input_source", label, ": resizer requires input_type_rt nv12 or gray, got ",
                  to_string(rt));
    if (src == InputSource::kResizer && mp.layer_out_dump)
      return fail("compiler_parameters.input_source", label, ": resizer cannot be used with layer_out_dump: True");
    if (!ip.input_shape.empty()) NPUKIT_RETURN_IF_ERROR(check_input_shape(c, i, ip.input_shape[i], "input_shape"));
  }
  if (ip.input_batch > 1 && n > 1)
    return fail("input_parameters.input_batch", ip.input_batch,
                " is only allowed for a single-input model; input_name names ", n, " inputs");
  if (ip.separate_batch && ip.input_batch == 1)
    c.warnings.push_back("input_parameters.separate_batch has no effect while input_batch is 1");
  // input_source names must be inputs of the config.
  if (!ip.input_name.empty()) {
    for (const auto& [k, v] : xp.input_source)
      if (std::find(ip.input_name.begin(), ip.input_name.end(), k) == ip.input_name.end())
        return fail("compiler_parameters.input_source", "'", k, "' is not in input_name (", join(ip.input_name), ")",
                    did_you_mean(k, ip.input_name));
  } else if (xp.input_source.size() > 1) {
    return fail("compiler_parameters.input_source", xp.input_source.size(),
                " inputs given; a multi-input model needs input_parameters.input_name");
  }
  if (cp.calibration_type != CalibrationType::kSkip && cp.calibration_type != CalibrationType::kLoad &&
      cp.cal_data_dir.empty())
    return fail("calibration_parameters.cal_data_dir", "missing required key: calibration_type ",
                to_string(cp.calibration_type), " needs calibration data (only skip and load work without)");
  if (cp.optimization.asymmetric && cp.calibration_type == CalibrationType::kDefault)
    return fail("calibration_parameters.optimization",
                "asymmetric cannot be set with calibration_type default (the default search chooses it itself)");
  // Only values that differ from the default are worth a warning (the reference template itself writes
  // max_percentile: 1.0 next to calibration_type kl). skip calibrates with max, so max_percentile applies.
  if (max_percentile_given_ && cp.max_percentile != 1.0 && cp.calibration_type != CalibrationType::kMax &&
      cp.calibration_type != CalibrationType::kSkip)
    c.warnings.push_back(str_cat("calibration_parameters.max_percentile has no effect with calibration_type ",
                                 to_string(cp.calibration_type), " (only max)"));
  if (per_channel_given_ && cp.per_channel &&
      (cp.calibration_type == CalibrationType::kDefault || cp.calibration_type == CalibrationType::kMix ||
       cp.calibration_type == CalibrationType::kLoad))
    c.warnings.push_back(str_cat("calibration_parameters.per_channel has no effect with calibration_type ",
                                 to_string(cp.calibration_type)));
  if (xp.compile_mode == CompileMode::kBalance && !xp.balance_factor)
    return fail("compiler_parameters.balance_factor",
                "missing required key: compile_mode balance needs balance_factor (0-100)");
  if (balance_factor_given_ && xp.compile_mode != CompileMode::kBalance)
    c.warnings.push_back(str_cat("compiler_parameters.balance_factor has no effect with compile_mode ",
                                 to_string(xp.compile_mode), " (only balance)"));
  // The reference documents a single core for its two architectures (J6E / J6M).
  if ((mp.march == March::kNashE || mp.march == March::kNashM) && xp.core_num != 1)
    return fail("compiler_parameters.core_num", xp.core_num, " is out of range for march ", to_string(mp.march),
                " (allowed: 1)");
  return Status::Ok();
}

}  // namespace

Expected<CompileConfig> parse_compile_config(const std::string& yaml_text, const std::string& name,
                                             const std::string& base_dir) {
  try {
    Parser p(name, base_dir.empty() ? dir_name(name) : base_dir);
    return p.run(yaml_text);
  } catch (const std::exception& e) {
    // yaml-cpp may throw on conversions we did not foresee; never let it escape.
    return make_error(ErrorCode::kInvalidArgument, name, ": ", e.what());
  }
}

Expected<CompileConfig> load_compile_config(const std::string& path) {
  auto text = read_file(path, size_t{16} << 20);
  if (!text.ok()) return text.status().with_context("compile config");
  std::error_code ec;
  std::string base = std::filesystem::absolute(dir_name(path), ec).lexically_normal().string();
  if (ec) base = dir_name(path);
  if (base.size() > 1 && base.back() == '/') base.pop_back();
  return parse_compile_config(*text, path, base);
}

}  // namespace npukit::config
