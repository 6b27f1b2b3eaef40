// SPDX-License-Identifier: Apache-2.0
// npukit core: named node attributes. The frontend fills every schema default, so kernels can
// read attributes without repeating defaults (one place defines them: the op's AttrSpec list).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace npukit {

enum class AttrType : uint8_t { kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor };
const char* attr_type_name(AttrType t);

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>,
                               std::vector<std::string>, Tensor>;

AttrType attr_value_type(const AttrValue& v);
/// Human-readable value ("3", "[1,1]", "\"nearest\"", "tensor f32[3]").
std::string attr_value_str(const AttrValue& v);

/// Ordered map name → value with typed accessors. Missing or mistyped attributes in the accessors
/// without default return the type's zero; use has()/type checks in verify/infer code first.
class Attrs {
 public:
  bool has(const std::string& name) const { return m_.count(name) != 0; }
  void set(const std::string& name, AttrValue v) { m_[name] = std::move(v); }
  void erase(const std::string& name) { m_.erase(name); }
  const AttrValue* find(const std::string& name) const {
    auto it = m_.find(name);
    return it == m_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, AttrValue>& all() const { return m_; }
  size_t size() const { return m_.size(); }

  int64_t get_int(const std::string& name, int64_t def = 0) const;
  float get_float(const std::string& name, float def = 0.f) const;
  std::string get_string(const std::string& name, const std::string& def = "") const;
  std::vector<int64_t> get_ints(const std::string& name, const std::vector<int64_t>& def = {}) const;
  std::vector<float> get_floats(const std::string& name, const std::vector<float>& def = {}) const;
  std::vector<std::string> get_strings(const std::string& name) const;
  const Tensor* get_tensor(const std::string& name) const;

  bool operator==(const Attrs& o) const;

 private:
  std::map<std::string, AttrValue> m_;
};

}  // namespace npukit
