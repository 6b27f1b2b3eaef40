// SPDX-License-Identifier: Apache-2.0
#include "core/attrs.h"

#include <sstream>

namespace npukit {

const char* attr_type_name(AttrType t) {
  switch (t) {
    case AttrType::kInt: return "int";
    case AttrType::kFloat: return "float";
    case AttrType::kString: return "string";
    case AttrType::kInts: return "ints";
    case AttrType::kFloats: return "floats";
    case AttrType::kStrings: return "strings";
    case AttrType::kTensor: return "tensor";
  }
  return "?";
}

AttrType attr_value_type(const AttrValue& v) {
  return static_cast<AttrType>(v.index());
}

std::string attr_value_str(const AttrValue& v) {
  std::ostringstream os;
  switch (attr_value_type(v)) {
    case AttrType::kInt: os << std::get<int64_t>(v); break;
    case AttrType::kFloat: os << std::get<float>(v); break;
    case AttrType::kString: os << '"' << std::get<std::string>(v) << '"'; break;
    case AttrType::kInts: {
      const auto& x = std::get<std::vector<int64_t>>(v);
      os << '[';
      for (size_t i = 0; i < x.size(); ++i) os << (i ? "," : "") << x[i];
      os << ']';
      break;
    }
    case AttrType::kFloats: {
      const auto& x = std::get<std::vector<float>>(v);
      os << '[';
      for (size_t i = 0; i < x.size(); ++i) os << (i ? "," : "") << x[i];
      os << ']';
      break;
    }
    case AttrType::kStrings: {
      const auto& x = std::get<std::vector<std::string>>(v);
      os << '[';
      for (size_t i = 0; i < x.size(); ++i) os << (i ? "," : "") << '"' << x[i] << '"';
      os << ']';
      break;
    }
    case AttrType::kTensor: {
      const auto& t = std::get<Tensor>(v);
      os << "tensor " << dtype_name(t.dtype()) << shape_str(t.shape());
      break;
    }
  }
  return os.str();
}

int64_t Attrs::get_int(const std::string& name, int64_t def) const {
  auto* v = find(name);
  if (!v) return def;
  if (auto* p = std::get_if<int64_t>(v)) return *p;
  if (auto* p = std::get_if<float>(v)) return static_cast<int64_t>(*p);
  return def;
}
float Attrs::get_float(const std::string& name, float def) const {
  auto* v = find(name);
  if (!v) return def;
  if (auto* p = std::get_if<float>(v)) return *p;
  if (auto* p = std::get_if<int64_t>(v)) return static_cast<float>(*p);
  return def;
}
std::string Attrs::get_string(const std::string& name, const std::string& def) const {
  auto* v = find(name);
  if (!v) return def;
  if (auto* p = std::get_if<std::string>(v)) return *p;
  return def;
}
std::vector<int64_t> Attrs::get_ints(const std::string& name, const std::vector<int64_t>& def) const {
  auto* v = find(name);
  if (!v) return def;
  if (auto* p = std::get_if<std::vector<int64_t>>(v)) return *p;
  return def;
}
std::vector<float> Attrs::get_floats(const std::string& name, const std::vector<float>& def) const {
  auto* v = find(name);
  if (!v) return def;
  if (auto* p = std::get_if<std::vector<float>>(v)) return *p;
  return def;
}
std::vector<std::string> Attrs::get_strings(const std::string& name) const {
  auto* v = find(name);
  if (!v) return {};
  if (auto* p = std::get_if<std::vector<std::string>>(v)) return *p;
  return {};
}
const Tensor* Attrs::get_tensor(const std::string& name) const {
  auto* v = find(name);
  if (!v) return nullptr;
  return std::get_if<Tensor>(v);
}

bool Attrs::operator==(const Attrs& o) const {
  if (m_.size() != o.m_.size()) return false;
  for (auto a = m_.begin(), b = o.m_.begin(); a != m_.end(); ++a, ++b) {
    if (a->first != b->first || a->second.index() != b->second.index()) return false;
    if (auto* t = std::get_if<Tensor>(&a->second)) {
      if (!t->bit_equal(std::get<Tensor>(b->second))) return false;
    } else if (a->second != b->second) {
      return false;
    }
  }
  return true;
}

}  // namespace npukit
