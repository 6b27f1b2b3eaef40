// SPDX-License-Identifier: Apache-2.0
#include "quant/calib_table.h"

#include <cmath>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "core/file_util.h"

namespace npukit::quant {
namespace {

using Json = nlohmann::json;

constexpr const char* kFormat = "npukit-calib-table";
constexpr int kVersion = 1;

// Reads obj[key] as T, with an error naming `where` and the key when missing or of the wrong type.
template <class T>
Status get_field(const Json& obj, const char* key, const std::string& where, T& out) {
  auto it = obj.find(key);
  if (it == obj.end()) return make_error(ErrorCode::kInvalidArgument, where, ": missing key '", key, "'");
  bool type_ok = false;
  if constexpr (std::is_same_v<T, std::string>) {
    type_ok = it->is_string();
  } else if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
    type_ok = it->is_number();
  } else if constexpr (std::is_integral_v<T>) {
    type_ok = it->is_number_integer();
  } else {
    type_ok = it->is_array();
    if (type_ok) {
      for (const auto& e : *it) type_ok = type_ok && e.is_string();
    }
  }
  if (!type_ok) {
    return make_error(ErrorCode::kInvalidArgument, where, ": key '", key, "' has the wrong type (", it->type_name(),
                      ")");
  }
  out = it->get<T>();
  return Status::Ok();
}

}  // namespace

const CalibTensor* CalibTable::find(const std::string& name) const {
  for (const auto& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string to_json(const CalibTable& table) {
  Json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["method"] = table.method;
  j["num_samples"] = table.num_samples;
  j["bits"] = table.bits;
  Json arr = Json::array();
  for (const auto& t : table.tensors) {
    Json e;
    e["name"] = t.name;
    e["producer"] = t.producer;
    e["origin"] = t.origin;
    e["min"] = t.min;
    e["max"] = t.max;
    e["max_abs"] = t.max_abs;
    e["threshold"] = t.threshold;
    // A float widened to double is exact, and narrowing the parsed double back gives the same float.
    e["scale"] = static_cast<double>(t.scale);
    e["method"] = t.method;
    arr.push_back(std::move(e));
  }
  j["tensors"] = std::move(arr);
  return j.dump(2) + "\n";
}

Expected<CalibTable> calib_table_from_json(const std::string& text, const std::string& name) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error(ErrorCode::kInvalidArgument, name, ": not valid JSON");
  if (!j.is_object()) return make_error(ErrorCode::kInvalidArgument, name, ": top level must be a JSON object");
  std::string format;
  NPUKIT_RETURN_IF_ERROR(get_field(j, "format", name, format));
  if (format != kFormat) {
    return make_error(ErrorCode::kInvalidArgument, name, ": 'format' is '", format, "', expected '", kFormat, "'");
  }
  int64_t version = 0;
  NPUKIT_RETURN_IF_ERROR(get_field(j, "version", name, version));
  if (version != kVersion) {
    return make_error(ErrorCode::kInvalidArgument, name, ": unsupported version ", version, " (this build reads ",
                      kVersion, ")");
  }
  CalibTable table;
  NPUKIT_RETURN_IF_ERROR(get_field(j, "method", name, table.method));
  NPUKIT_RETURN_IF_ERROR(get_field(j, "num_samples", name, table.num_samples));
  int64_t bits = 0;
  NPUKIT_RETURN_IF_ERROR(get_field(j, "bits", name, bits));
  if (bits != 8 && bits != 16) {
    return make_error(ErrorCode::kInvalidArgument, name, ": 'bits' must be 8 or 16, got ", bits);
  }
  table.bits = static_cast<int>(bits);
  auto it = j.find("tensors");
  if (it == j.end()) return make_error(ErrorCode::kInvalidArgument, name, ": missing key 'tensors'");
  if (!it->is_array()) return make_error(ErrorCode::kInvalidArgument, name, ": key 'tensors' must be an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& e = (*it)[i];
    std::string where = str_cat(name, ": tensors[", i, "]");
    if (!e.is_object()) return make_error(ErrorCode::kInvalidArgument, where, " must be an object");
    CalibTensor t;
    NPUKIT_RETURN_IF_ERROR(get_field(e, "name", where, t.name));
    where = str_cat(where, " ('", t.name, "')");
    NPUKIT_RETURN_IF_ERROR(get_field(e, "producer", where, t.producer));
    NPUKIT_RETURN_IF_ERROR(get_field(e, "origin", where, t.origin));
    NPUKIT_RETURN_IF_ERROR(get_field(e, "min", where, t.min));
    NPUKIT_RETURN_IF_ERROR(get_field(e, "max", where, t.max));
    NPUKIT_RETURN_IF_ERROR(get_field(e, "max_abs", where, t.max_abs));
    NPUKIT_RETURN_IF_ERROR(get_field(e, "threshold", where, t.threshold));
    double scale = 0.0;
    NPUKIT_RETURN_IF_ERROR(get_field(e, "scale", where, scale));
    t.scale = static_cast<float>(scale);
    NPUKIT_RETURN_IF_ERROR(get_field(e, "method", where, t.method));
    if (!(t.threshold >= 0.0) || !std::isfinite(t.threshold)) {
      return make_error(ErrorCode::kInvalidArgument, where, ": 'threshold' must be finite and >= 0, got ", t.threshold);
    }
    if (!(t.scale > 0.0f) || !std::isfinite(t.scale)) {
      return make_error(ErrorCode::kInvalidArgument, where, ": 'scale' must be finite and > 0, got ", t.scale);
    }
    if (table.find(t.name) != nullptr) {
      return make_error(ErrorCode::kInvalidArgument, where, ": duplicate tensor name '", t.name, "'");
    }
    table.tensors.push_back(std::move(t));
  }
  return table;
}

Status save_calib_table(const std::string& path, const CalibTable& table) {
  return atomic_write_file(path, to_json(table));
}

Expected<CalibTable> load_calib_table(const std::string& path) {
  auto text = read_file(path, size_t{1} << 30);
  if (!text.ok()) return text.status().with_context(str_cat("calibration table ", path));
  return calib_table_from_json(*text, path);
}

}  // namespace npukit::quant
