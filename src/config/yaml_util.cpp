// SPDX-License-Identifier: Apache-2.0
// npukit config: YAML/JSON text helpers shared by the config parser, and the quant_config document
// (JSON with // comments, or YAML) parser. yaml-cpp exceptions never leave this file.
#include <yaml-cpp/yaml.h>

#include <cctype>

#include "config/compile_config.h"
#include "config/config_internal.h"

namespace npukit::config {
namespace detail {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

const char* kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Null: return "null";
    default: return "a value";
  }
}

std::string strip_json_comments(const std::string& s) {
  std::string out;
  bool in_str = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (in_str) {
      out += ch;
      if (ch == '\\' && i + 1 < s.size())
        out += s[++i];
      else if (ch == '"')
        in_str = false;
    } else if (ch == '"') {
      in_str = true;
      out += ch;
    } else if (ch == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      while (i < s.size() && s[i] != '\n') ++i;
      out += '\n';
    } else {
      out += ch;
    }
  }
  return out;
}

Expected<YAML::Node> load_yaml(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return make_error(ErrorCode::kInvalidArgument, name, ": YAML syntax error: ", e.msg);
    return make_error(ErrorCode::kInvalidArgument, name, ":", e.mark.line + 1, ":", e.mark.column + 1,
                      ": YAML syntax error: ", e.msg);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, name, ": YAML error: ", e.what());
  }
}

namespace {

Expected<NodeDType> quant_dtype(const YAML::Node& n, const std::string& name, const std::string& w,
                                const std::vector<EnumRow<NodeDType>>& rows) {
  if (!n.IsScalar()) return make_error(ErrorCode::kInvalidArgument, name, ": ", w, ": expected a single value");
  for (const auto& r : rows)
    if (trim(n.Scalar()) == r.name) return r.value;
  return make_error(ErrorCode::kInvalidArgument, name, ": ", w, ": '", n.Scalar(), "' is not one of ",
                    join(row_names(rows)));
}

}  // namespace

Expected<QuantConfig> quant_config_from_node(const YAML::Node& root, const std::string& name) {
  auto err = [&](const std::string& w, const std::string& msg) {
    return make_error(ErrorCode::kInvalidArgument, name, ": ", w, w.empty() ? "" : ": ", msg);
  };
  if (!root.IsMap()) return err("", "quant_config must be a JSON object with model_config / op_config / node_config");
  const std::vector<std::string> top = {"model_config", "op_config", "node_config"};
  QuantConfig q;
  const std::vector<EnumRow<NodeDType>> all_rows = {{"int16", NodeDType::kInt16}, {"float16", NodeDType::kFloat16}};
  const std::vector<EnumRow<NodeDType>> out_rows = {{"int8", NodeDType::kInt8}, {"int16", NodeDType::kInt16}};
  std::set<std::string> seen_top;
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (!seen_top.insert(key).second) return err(key, "is given twice");
    if (std::find(top.begin(), top.end(), key) == top.end())
      return err("", str_cat("unknown key '", key, "' (allowed: ", join(top), ")", did_you_mean(key, top)));
    if (kv.second.IsNull()) continue;
    if (!kv.second.IsMap()) return err(key, "must be an object");
    if (key == "model_config") {
      for (const auto& e : kv.second) {
        const std::string k = e.first.IsScalar() ? e.first.Scalar() : "?";
        const std::string w = "model_config." + k;
        if (k == "all_node_type") {
          NPUKIT_ASSIGN_OR_RETURN(q.all_node_type, quant_dtype(e.second, name, w, all_rows));
        } else if (k == "model_output_type") {
          NPUKIT_ASSIGN_OR_RETURN(q.model_output_type, quant_dtype(e.second, name, w, out_rows));
        } else {
          const std::vector<std::string> known = {"all_node_type", "model_output_type"};
          return err("model_config",
                     str_cat("unknown key '", k, "' (allowed: ", join(known), ")", did_you_mean(k, known)));
        }
      }
      continue;
    }
    auto& dst = key == "op_config" ? q.op_config : q.node_config;
    for (const auto& e : kv.second) {
      const std::string k = e.first.IsScalar() ? e.first.Scalar() : "?";
      const std::string w = key + "." + k;
      if (dst.count(k)) return err(w, "is given twice");
      if (!e.second.IsMap() || !e.second["type"] || e.second.size() != 1)
        return err(w, "must be {\"type\": \"int8\" | \"int16\" | \"float16\"}");
      NPUKIT_ASSIGN_OR_RETURN(dst[k], quant_dtype(e.second["type"], name, w + ".type", kNodeDTypeRows));
    }
  }
  return q;
}

}  // namespace detail

using namespace detail;  // NOLINT: implementation file

Expected<QuantConfig> parse_quant_config(const std::string& json_text, const std::string& name) {
  try {
    NPUKIT_ASSIGN_OR_RETURN(YAML::Node root, load_yaml(strip_json_comments(json_text), name));
    return quant_config_from_node(root, name);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, name, ": ", e.what());
  }
}

}  // namespace npukit::config
