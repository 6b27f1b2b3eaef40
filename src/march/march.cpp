// SPDX-License-Identifier: Apache-2.0
// march: MarchSpec from YAML (validated; errors name the file and the field path), canonical YAML out,
// and the built-in presets (configs/march/*.yaml embedded by src/march/embed_presets.cmake).
// yaml-cpp exceptions never leave this file.
#include "march/march.h"
#include "core/text.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <variant>

#include "core/file_util.h"
#include "march/march_internal.h"

namespace npukit::march {
// ---- names -------------------------------------------------------------------------------------------

const std::vector<std::string>& npu_op_types() {
  static const std::vector<std::string> kOps = {"QConv",
                                                "QGemm",
                                                "QMatMul",
                                                "QAdd",
                                                "QSub",
                                                "QMul",
                                                "QLut",
                                                "Requantize",
                                                "QConcat",
                                                "Concat",
                                                "MaxPool",
                                                "QAveragePool",
                                                "QGlobalAveragePool",
                                                "GlobalMaxPool",
                                                "Resize",
                                                "Transpose",
                                                "Pad",
                                                "Slice",
                                                "Split",
                                                "Reshape",
                                                "Flatten",
                                                "Squeeze",
                                                "Unsqueeze"};
  return kOps;
}

namespace {

bool is_tae_op(const std::string& op) {
  return op == "QConv" || op == "QGemm" || op == "QMatMul";
}
bool is_vae_op(const std::string& op) {
  return op == "QAdd" || op == "QSub" || op == "QMul" || op == "QLut" || op == "Requantize";
}

/// Modes a row may list, per op type; ops not here take no modes.
const std::vector<std::string>* allowed_modes(const std::string& op) {
  static const std::vector<std::string> kResize = {"nearest", "linear", "cubic"};
  static const std::vector<std::string> kPad = {"constant", "reflect", "edge"};
  if (op == "Resize") return &kResize;
  if (op == "Pad") return &kPad;
  return nullptr;
}

struct DTypeName {
  const char* name;
  DType type;
};
constexpr DTypeName kDTypes[] = {{"i8", DType::kI8}, {"u8", DType::kU8}, {"i16", DType::kI16}};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive.
size_t edit_distance(const std::string& a0, const std::string& b0) {
  const std::string a = lower(a0), b = lower(b0);
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

/// The candidate closest to `word`, or "" when none is close (at most 2 edits, or a third of the word).
std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::numeric_limits<size_t>::max();
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_d <= limit ? best : "";
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

/// "tiny" for "configs/march/tiny.yaml".
std::string file_stem(const std::string& path) {
  std::string b = base_name(path);
  for (const char* ext : {".yaml", ".yml"}) {
    const std::string e = ext;
    if (b.size() > e.size() && lower(b.substr(b.size() - e.size())) == e) return b.substr(0, b.size() - e.size());
  }
  return b;
}

bool has_yaml_extension(const std::string& path) {
  const std::string l = lower(path);
  auto ends = [&](const std::string& e) {
    return l.size() >= e.size() && l.compare(l.size() - e.size(), e.size(), e) == 0;
  };
  return ends(".yaml") || ends(".yml");
}

// ---- the schema ----------------------------------------------------------------------------------------

enum class Kind {
  kPosInt,        ///< integer >= 1
  kNonNegInt,     ///< integer >= 0
  kPosSize,       ///< integer >= 1, optionally with suffix KiB / MiB / GiB
  kPosNumber,     ///< finite number > 0
  kNonNegNumber,  ///< finite number >= 0
  kBool,
  kString,
};

const char* expectation(Kind k) {
  switch (k) {
    case Kind::kPosInt: return "a positive integer";
    case Kind::kNonNegInt: return "a non-negative integer";
    case Kind::kPosSize: return "a positive size (an integer, or with suffix KiB, MiB or GiB)";
    case Kind::kPosNumber: return "a positive number";
    case Kind::kNonNegNumber: return "a non-negative number";
    case Kind::kBool: return "true or false";
    case Kind::kString: return "a string";
  }
  return "a value";
}

using Target = std::variant<int64_t*, double*, bool*, std::string*>;

struct Field {
  std::string key;
  Kind kind;
  bool required;
  Target target;
};

/// Every leaf key path of the schema ("tae.macs_int8_per_cycle", "ops[].max_kernel"), for suggestions.
const std::vector<std::string>& all_paths() {
  static const std::vector<std::string> kPaths = [] {
    std::vector<std::string> p = {"name", "description", "clock_mhz", "cores", "tae", "vae",
                                  "aae",  "trans",       "sram",      "ddr",   "ops"};
    for (const char* k : {"macs_int8_per_cycle", "macs_int16_per_cycle", "macs_fp16_per_cycle", "input_channel_granule",
                          "output_channel_granule", "width_granule"})
      p.push_back(std::string("tae.") + k);
    for (const char* k : {"lanes_int8", "lanes_int16", "lut"}) p.push_back(std::string("vae.") + k);
    for (const char* k : {"elements_per_cycle", "resize", "warp"}) p.push_back(std::string("aae.") + k);
    p.push_back("trans.bytes_per_cycle");
    for (const char* k : {"bytes", "banks"}) p.push_back(std::string("sram.") + k);
    for (const char* k : {"bandwidth_gbps", "latency_ns", "dma_channels"}) p.push_back(std::string("ddr.") + k);
    for (const char* k : {"op", "dtypes", "max_kernel", "max_stride", "max_dilation", "max_channels", "max_spatial",
                          "depthwise", "grouped", "modes"})
      p.push_back(std::string("ops[].") + k);
    return p;
  }();
  return kPaths;
}

std::string last_component(const std::string& path) {
  const size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

const char* kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Undefined: return "nothing";
    default: return "a value";
  }
}

class Parser {
 public:
  explicit Parser(std::string origin) : origin_(std::move(origin)) {}

  Expected<MarchSpec> run(const std::string& text);

 private:
  template <class... Args>
  Status fail(const std::string& path, const Args&... parts) const {
    return make_error(ErrorCode::kInvalidArgument, origin_, ": ", path, path.empty() ? "" : ": ", parts...);
  }
  static std::string join_path(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
  }
  /// "unknown key" with the nearest key at this level, or the full path if the key belongs elsewhere.
  Status unknown_key(const std::string& prefix, const std::string& key, const std::vector<std::string>& local) const;
  Status parse_value(const YAML::Node& n, const std::string& path, Kind kind, const Target& target) const;
  Status parse_map(const YAML::Node& map, const std::string& prefix, std::vector<Field> fields,
                   const std::vector<std::string>& extra_keys = {}) const;
  Status parse_op(const YAML::Node& n, const std::string& path, OpConstraint& row) const;
  Status check(const MarchSpec& m) const;

  std::string origin_;
};

Status Parser::unknown_key(const std::string& prefix, const std::string& key,
                           const std::vector<std::string>& local) const {
  const std::string path = join_path(prefix, key);
  const std::string near = nearest(key, local);
  if (!near.empty()) return fail(path, "unknown key; did you mean '", join_path(prefix, near), "'?");
  // A key of another section written at the wrong level ("lut" at the top level): name where it belongs.
  const std::string section = prefix.rfind("ops[", 0) == 0 ? "ops[]" : prefix;
  for (const auto& p : all_paths()) {
    if (last_component(p) != key) continue;
    const std::string parent = p.size() > key.size() ? p.substr(0, p.size() - key.size() - 1) : "";
    if (parent != section)
      return fail(path, "unknown key; did you mean '", p, "'? (the key belongs in ",
                  parent.empty() ? "the top level" : "section " + parent, ")");
  }
  return fail(path, "unknown key (known keys", prefix.empty() ? "" : " of " + prefix, ": ", join(local), ")");
}

Status Parser::parse_value(const YAML::Node& n, const std::string& path, Kind kind, const Target& target) const {
  if (!n.IsScalar()) return fail(path, "expected ", expectation(kind), ", got ", kind_of(n));
  const std::string s = trim(n.Scalar());
  auto bad = [&]() { return fail(path, "expected ", expectation(kind), ", got ", s.empty() ? "''" : s); };
  switch (kind) {
    case Kind::kString: *std::get<std::string*>(target) = n.Scalar(); return Status::Ok();
    case Kind::kBool: {
      const std::string l = lower(s);
      if (l != "true" && l != "false") return bad();
      *std::get<bool*>(target) = l == "true";
      return Status::Ok();
    }
    case Kind::kPosInt:
    case Kind::kNonNegInt:
    case Kind::kPosSize: {
      const char* b = s.data();
      const char* e = s.data() + s.size();
      if (b != e && *b == '+') ++b;
      int64_t v = 0;
      auto [p, ec] = std::from_chars(b, e, v);
      if (ec == std::errc::result_out_of_range) return fail(path, "value ", s, " is out of range");
      if (ec != std::errc() || p == b) return bad();
      std::string rest = trim(std::string(p, e));
      if (!rest.empty()) {
        int64_t scale = 0;
        if (kind == Kind::kPosSize) {
          if (rest == "KiB") scale = int64_t{1} << 10;
          if (rest == "MiB") scale = int64_t{1} << 20;
          if (rest == "GiB") scale = int64_t{1} << 30;
        }
        if (scale == 0) return bad();
        if (v > std::numeric_limits<int64_t>::max() / scale || v < std::numeric_limits<int64_t>::min() / scale)
          return fail(path, "value ", s, " is out of range");
        v *= scale;
      }
      if (kind == Kind::kNonNegInt ? v < 0 : v <= 0) return bad();
      *std::get<int64_t*>(target) = v;
      return Status::Ok();
    }
    case Kind::kPosNumber:
    case Kind::kNonNegNumber: {
      const char* b = s.data();
      const char* e = s.data() + s.size();
      if (b != e && *b == '+') ++b;
      double v = 0;
      auto [p, ec] = std::from_chars(b, e, v);
      if (ec != std::errc() || p != e || p == b || !std::isfinite(v)) return bad();
      if (kind == Kind::kPosNumber ? !(v > 0) : v < 0) return bad();
      *std::get<double*>(target) = v;
      return Status::Ok();
    }
  }
  return bad();
}

Status Parser::parse_map(const YAML::Node& map, const std::string& prefix, std::vector<Field> fields,
                         const std::vector<std::string>& extra_keys) const {
  if (!map.IsMap()) return fail(prefix, "expected a mapping, got ", kind_of(map));
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.key);
  for (const auto& k : extra_keys) names.push_back(k);
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) return fail(prefix, "keys must be plain names");
    const std::string key = kv.first.Scalar();
    if (!seen.insert(key).second) return fail(join_path(prefix, key), "key is given twice");
    if (std::find(extra_keys.begin(), extra_keys.end(), key) != extra_keys.end()) continue;
    auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == key; });
    if (it == fields.end()) return unknown_key(prefix, key, names);
    NPUKIT_RETURN_IF_ERROR(parse_value(kv.second, join_path(prefix, key), it->kind, it->target));
  }
  for (const auto& f : fields)
    if (f.required && !seen.count(f.key))
      return fail(join_path(prefix, f.key), "missing required field (", expectation(f.kind), ")");
  return Status::Ok();
}

Status Parser::parse_op(const YAML::Node& n, const std::string& path, OpConstraint& row) const {
  if (!n.IsMap()) return fail(path, "expected a mapping {op: ..., dtypes: [...], ...}, got ", kind_of(n));
  std::vector<Field> fields = {
      {"op", Kind::kString, true, &row.op},
      {"max_kernel", Kind::kNonNegInt, false, &row.max_kernel},
      {"max_stride", Kind::kNonNegInt, false, &row.max_stride},
      {"max_dilation", Kind::kNonNegInt, false, &row.max_dilation},
      {"max_channels", Kind::kNonNegInt, false, &row.max_channels},
      {"max_spatial", Kind::kNonNegInt, false, &row.max_spatial},
      {"depthwise", Kind::kBool, false, &row.depthwise},
      {"grouped", Kind::kBool, false, &row.grouped},
  };
  NPUKIT_RETURN_IF_ERROR(parse_map(n, path, fields, {"dtypes", "modes"}));
  const auto& ops = npu_op_types();
  if (std::find(ops.begin(), ops.end(), row.op) == ops.end()) {
    const std::string near = nearest(row.op, ops);
    return fail(path + ".op", "unknown op '", row.op, "'", near.empty() ? "" : "; did you mean '" + near + "'?",
                " (known ops: ", join(ops), ")");
  }
  if (const YAML::Node d = n["dtypes"]) {
    if (!d.IsSequence()) return fail(path + ".dtypes", "expected a list of i8, u8, i16, got ", kind_of(d));
    for (size_t i = 0; i < d.size(); ++i) {
      const std::string p = str_cat(path, ".dtypes[", i, "]");
      if (!d[i].IsScalar()) return fail(p, "expected one of i8, u8, i16, got ", kind_of(d[i]));
      const std::string s = trim(d[i].Scalar());
      auto it = std::find_if(std::begin(kDTypes), std::end(kDTypes), [&](const DTypeName& t) { return s == t.name; });
      if (it == std::end(kDTypes)) return fail(p, "'", s, "' is not one of i8, u8, i16");
      if (std::find(row.dtypes.begin(), row.dtypes.end(), it->type) != row.dtypes.end())
        return fail(p, "'", s, "' is listed twice");
      row.dtypes.push_back(it->type);
    }
  }
  if (const YAML::Node m = n["modes"]) {
    if (!m.IsSequence()) return fail(path + ".modes", "expected a list of mode names, got ", kind_of(m));
    const std::vector<std::string>* allowed = allowed_modes(row.op);
    if (!allowed && m.size() > 0) return fail(path + ".modes", "op ", row.op, " takes no modes (only Resize and Pad)");
    for (size_t i = 0; i < m.size(); ++i) {
      const std::string p = str_cat(path, ".modes[", i, "]");
      if (!m[i].IsScalar()) return fail(p, "expected a mode name, got ", kind_of(m[i]));
      const std::string s = trim(m[i].Scalar());
      if (std::find(allowed->begin(), allowed->end(), s) == allowed->end())
        return fail(p, "'", s, "' is not a ", row.op, " mode (one of ", join(*allowed), ")");
      if (std::find(row.modes.begin(), row.modes.end(), s) != row.modes.end())
        return fail(p, "'", s, "' is listed twice");
      row.modes.push_back(s);
    }
  }
  return Status::Ok();
}

/// Cross-field consistency: the ops table must not promise what the engines cannot do.
Status Parser::check(const MarchSpec& m) const {
  if (m.name.empty()) return fail("name", "must not be empty");
  for (size_t i = 0; i < m.ops.size(); ++i) {
    const OpConstraint& r = m.ops[i];
    const std::string p = str_cat("ops[", i, "]");
    const bool i16 = std::find(r.dtypes.begin(), r.dtypes.end(), DType::kI16) != r.dtypes.end();
    if (i16 && is_tae_op(r.op) && m.tae.macs_int16_per_cycle == 0)
      return fail(p + ".dtypes", r.op, " lists i16 but tae.macs_int16_per_cycle is 0");
    if (i16 && is_vae_op(r.op) && m.vae.lanes_int16 == 0)
      return fail(p + ".dtypes", r.op, " lists i16 but vae.lanes_int16 is 0");
    if (r.op == "QLut" && !m.vae.lut) return fail(p + ".op", "QLut is listed but vae.lut is false");
    if (r.op == "Resize" && !m.aae.resize) return fail(p + ".op", "Resize is listed but aae.resize is false");
  }
  return Status::Ok();
}

Expected<MarchSpec> Parser::run(const std::string& text) {
  YAML::Node loaded;
  try {
    loaded = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return make_error(ErrorCode::kInvalidArgument, origin_, ": YAML syntax error: ", e.msg);
    return make_error(ErrorCode::kInvalidArgument, origin_, ":", e.mark.line + 1, ":", e.mark.column + 1,
                      ": YAML syntax error: ", e.msg);
  }
  const YAML::Node& root = loaded;  // const: lookups of absent keys must not insert them
  if (!root.IsMap())
    return fail("", "expected a mapping of march keys (name, clock_mhz, cores, tae, ...), got ", kind_of(root));
  MarchSpec m;
  std::vector<Field> top = {
      {"name", Kind::kString, false, &m.name},
      {"description", Kind::kString, false, &m.description},
      {"clock_mhz", Kind::kPosNumber, true, &m.clock_mhz},
      {"cores", Kind::kPosInt, true, &m.cores},
  };
  const std::vector<std::string> sections = {"tae", "vae", "aae", "trans", "sram", "ddr", "ops"};
  NPUKIT_RETURN_IF_ERROR(parse_map(root, "", top, sections));
  if (!root["name"]) m.name = file_stem(origin_);

  const auto section = [&](const char* key, std::vector<Field> fields) -> Status {
    const YAML::Node n = root[key];
    if (!n) {
      for (const auto& f : fields)
        if (f.required)
          return fail(std::string(key) + "." + f.key, "missing required field (", expectation(f.kind), ")");
      return Status::Ok();
    }
    return parse_map(n, key, std::move(fields));
  };
  NPUKIT_RETURN_IF_ERROR(
      section("tae", {
                         {"macs_int8_per_cycle", Kind::kPosInt, true, &m.tae.macs_int8_per_cycle},
                         {"macs_int16_per_cycle", Kind::kNonNegInt, false, &m.tae.macs_int16_per_cycle},
                         {"macs_fp16_per_cycle", Kind::kNonNegInt, false, &m.tae.macs_fp16_per_cycle},
                         {"input_channel_granule", Kind::kPosInt, false, &m.tae.input_channel_granule},
                         {"output_channel_granule", Kind::kPosInt, false, &m.tae.output_channel_granule},
                         {"width_granule", Kind::kPosInt, false, &m.tae.width_granule},
                     }));
  NPUKIT_RETURN_IF_ERROR(section("vae", {
                                            {"lanes_int8", Kind::kPosInt, true, &m.vae.lanes_int8},
                                            {"lanes_int16", Kind::kNonNegInt, false, &m.vae.lanes_int16},
                                            {"lut", Kind::kBool, false, &m.vae.lut},
                                        }));
  NPUKIT_RETURN_IF_ERROR(section("aae", {
                                            {"elements_per_cycle", Kind::kPosInt, true, &m.aae.elements_per_cycle},
                                            {"resize", Kind::kBool, false, &m.aae.resize},
                                            {"warp", Kind::kBool, false, &m.aae.warp},
                                        }));
  NPUKIT_RETURN_IF_ERROR(section("trans", {{"bytes_per_cycle", Kind::kPosInt, true, &m.trans.bytes_per_cycle}}));
  NPUKIT_RETURN_IF_ERROR(section("sram", {
                                             {"bytes", Kind::kPosSize, true, &m.sram.bytes},
                                             {"banks", Kind::kPosInt, false, &m.sram.banks},
                                         }));
  NPUKIT_RETURN_IF_ERROR(section("ddr", {
                                            {"bandwidth_gbps", Kind::kPosNumber, true, &m.ddr.bandwidth_gbps},
                                            {"latency_ns", Kind::kNonNegNumber, false, &m.ddr.latency_ns},
                                            {"dma_channels", Kind::kPosInt, false, &m.ddr.dma_channels},
                                        }));
  const YAML::Node ops = root["ops"];
  if (!ops) return fail("ops", "missing required field (a list of op rows {op: QConv, dtypes: [i8, u8], ...})");
  if (!ops.IsSequence()) return fail("ops", "expected a list of op rows, got ", kind_of(ops));
  if (ops.size() == 0) return fail("ops", "expected at least one op row (an op absent from ops runs on the CPU)");
  for (size_t i = 0; i < ops.size(); ++i) {
    OpConstraint row;
    const std::string p = str_cat("ops[", i, "]");
    NPUKIT_RETURN_IF_ERROR(parse_op(ops[i], p, row));
    for (size_t j = 0; j < m.ops.size(); ++j)
      if (m.ops[j].op == row.op) return fail(p + ".op", "duplicate row for ", row.op, " (first at ops[", j, "])");
    m.ops.push_back(std::move(row));
  }
  NPUKIT_RETURN_IF_ERROR(check(m));
  return m;
}

// ---- YAML output -----------------------------------------------------------------------------------------

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char* kHex = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

/// Shortest decimal that reads back as the same double.
std::string number(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, p) : str_cat(v);
}

std::string size_text(int64_t bytes) {
  if (bytes > 0 && bytes % (int64_t{1} << 30) == 0) return str_cat(bytes >> 30, " GiB");
  if (bytes > 0 && bytes % (int64_t{1} << 20) == 0) return str_cat(bytes >> 20, " MiB");
  if (bytes > 0 && bytes % (int64_t{1} << 10) == 0) return str_cat(bytes >> 10, " KiB");
  return str_cat(bytes);
}

const char* bool_text(bool b) {
  return b ? "true" : "false";
}

}  // namespace

// ---- MarchSpec ---------------------------------------------------------------------------------------------

const OpConstraint* MarchSpec::find_op(const std::string& op) const {
  for (const auto& r : ops)
    if (r.op == op) return &r;
  return nullptr;
}

double MarchSpec::peak_int8_tops() const {
  return 2.0 * static_cast<double>(tae.macs_int8_per_cycle) * static_cast<double>(cores) * clock_mhz * 1e6 / 1e12;
}

double MarchSpec::ddr_bytes_per_cycle() const {
  if (!(clock_mhz > 0)) return 0;
  return ddr.bandwidth_gbps * 1e9 / (clock_mhz * 1e6);
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (size_t i = 0; i < detail::kEmbeddedPresetCount; ++i) names.push_back(detail::kEmbeddedPresets[i].name);
  std::sort(names.begin(), names.end());
  return names;
}

Expected<MarchSpec> parse_march(const std::string& yaml_text, const std::string& origin) {
  const std::string name = origin.empty() ? "<march>" : origin;
  try {
    Parser p(name);
    return p.run(yaml_text);
  } catch (const std::exception& e) {
    // yaml-cpp may throw on conversions we did not foresee; never let it escape.
    return make_error(ErrorCode::kInvalidArgument, name, ": ", e.what());
  }
}

Expected<MarchSpec> load_march(const std::string& name_or_path) {
  const bool path_like = has_yaml_extension(name_or_path) || name_or_path.find('/') != std::string::npos;
  if (!path_like) {
    for (size_t i = 0; i < detail::kEmbeddedPresetCount; ++i)
      if (name_or_path == detail::kEmbeddedPresets[i].name)
        return parse_march(detail::kEmbeddedPresets[i].text, name_or_path + ".yaml");
  }
  std::error_code ec;
  const bool is_file = !name_or_path.empty() && std::filesystem::is_regular_file(name_or_path, ec);
  if (!path_like && !is_file) {
    const auto names = preset_names();
    const std::string near = nearest(name_or_path, names);
    return make_error(ErrorCode::kNotFound, "unknown march '", name_or_path, "'",
                      near.empty() ? "" : "; did you mean '" + near + "'?", " (presets: ", join(names),
                      "; or give the path of a march .yaml file)");
  }
  if (!is_file && !std::filesystem::exists(name_or_path, ec))
    return make_error(ErrorCode::kNotFound, "march file not found: ", name_or_path);
  NPUKIT_ASSIGN_OR_RETURN(std::string text, read_file(name_or_path, size_t{16} << 20));
  return parse_march(text, name_or_path);
}

std::string to_yaml(const MarchSpec& m) {
  std::ostringstream os;
  os << "name: " << quote(m.name) << "\n";
  os << "description: " << quote(m.description) << "\n";
  os << "clock_mhz: " << number(m.clock_mhz) << "\n";
  os << "cores: " << m.cores << "\n";
  os << "tae:\n";
  os << "  macs_int8_per_cycle: " << m.tae.macs_int8_per_cycle << "\n";
  os << "  macs_int16_per_cycle: " << m.tae.macs_int16_per_cycle << "\n";
  os << "  macs_fp16_per_cycle: " << m.tae.macs_fp16_per_cycle << "\n";
  os << "  input_channel_granule: " << m.tae.input_channel_granule << "\n";
  os << "  output_channel_granule: " << m.tae.output_channel_granule << "\n";
  os << "  width_granule: " << m.tae.width_granule << "\n";
  os << "vae:\n";
  os << "  lanes_int8: " << m.vae.lanes_int8 << "\n";
  os << "  lanes_int16: " << m.vae.lanes_int16 << "\n";
  os << "  lut: " << bool_text(m.vae.lut) << "\n";
  os << "aae:\n";
  os << "  elements_per_cycle: " << m.aae.elements_per_cycle << "\n";
  os << "  resize: " << bool_text(m.aae.resize) << "\n";
  os << "  warp: " << bool_text(m.aae.warp) << "\n";
  os << "trans:\n";
  os << "  bytes_per_cycle: " << m.trans.bytes_per_cycle << "\n";
  os << "sram:\n";
  os << "  bytes: " << size_text(m.sram.bytes) << "\n";
  os << "  banks: " << m.sram.banks << "\n";
  os << "ddr:\n";
  os << "  bandwidth_gbps: " << number(m.ddr.bandwidth_gbps) << "\n";
  os << "  latency_ns: " << number(m.ddr.latency_ns) << "\n";
  os << "  dma_channels: " << m.ddr.dma_channels << "\n";
  os << "ops:\n";
  for (const auto& r : m.ops) {
    std::vector<std::string> dt;
    for (DType t : r.dtypes) {
      auto it = std::find_if(std::begin(kDTypes), std::end(kDTypes), [&](const DTypeName& d) { return d.type == t; });
      dt.push_back(it != std::end(kDTypes) ? it->name : dtype_name(t));
    }
    os << "  - {op: " << r.op << ", dtypes: [" << join(dt) << "], max_kernel: " << r.max_kernel
       << ", max_stride: " << r.max_stride << ", max_dilation: " << r.max_dilation
       << ", max_channels: " << r.max_channels << ", max_spatial: " << r.max_spatial
       << ", depthwise: " << bool_text(r.depthwise) << ", grouped: " << bool_text(r.grouped) << ", modes: ["
       << join(r.modes) << "]}\n";
  }
  return os.str();
}

}  // namespace npukit::march
