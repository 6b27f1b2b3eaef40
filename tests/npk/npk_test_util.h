// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the npk tests: the documented byte layout of an .npk file (docs/MODEL_FORMAT.md: header
// fields, section table, file CRC computed independently of npk_file.cpp), serialisation that must succeed,
// bitwise comparison of models (-0.0f and NaN payloads must survive) and the expected kInvalidModel error.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <bit>
#include <string>
#include <vector>

#include "npk/npk_file.h"
#include "npk/npk_validate.h"
#include "npk_test_model.h"

namespace npukit::npk_test {

// ---- documented header layout (docs/MODEL_FORMAT.md) ----
constexpr size_t kOffMajor = 4, kOffMinor = 8, kOffHeaderBytes = 12, kOffSectionCount = 20, kOffFileCrc = 24,
                 kOffParamsCrc = 28, kOffFileBytes = 32, kFixedHeader = 64, kEntryBytes = 24;

inline uint32_t rd32(const std::vector<uint8_t>& b, size_t o) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(b[o + i]) << (8 * i);
  return v;
}
inline uint64_t rd64(const std::vector<uint8_t>& b, size_t o) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(b[o + i]) << (8 * i);
  return v;
}
inline void wr32(std::vector<uint8_t>& b, size_t o, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[o + i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void wr64(std::vector<uint8_t>& b, size_t o, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[o + i] = static_cast<uint8_t>(v >> (8 * i));
}

/// CRC-32 (zlib) of the file with the file-CRC field taken as zero, computed independently of npk_file.cpp.
inline uint32_t doc_file_crc(std::vector<uint8_t> b) {
  wr32(b, kOffFileCrc, 0);
  return static_cast<uint32_t>(crc32_z(crc32_z(0, nullptr, 0), b.data(), b.size()));
}
inline void fix_crc(std::vector<uint8_t>& b) {
  wr32(b, kOffFileCrc, doc_file_crc(b));
}

struct SectionEntry {
  uint32_t kind;
  uint64_t offset, bytes;
};
inline std::vector<SectionEntry> sections(const std::vector<uint8_t>& b) {
  std::vector<SectionEntry> out;
  for (uint32_t i = 0; i < rd32(b, kOffSectionCount); ++i) {
    size_t e = kFixedHeader + i * kEntryBytes;
    out.push_back({rd32(b, e), rd64(b, e + 8), rd64(b, e + 16)});
  }
  return out;
}
inline SectionEntry section(const std::vector<uint8_t>& b, uint32_t kind) {
  for (const auto& s : sections(b))
    if (s.kind == kind) return s;
  ADD_FAILURE() << "no section of kind " << kind;
  return {};
}
constexpr uint32_t kMeta = 1, kWeights = 2;

inline std::vector<uint8_t> serialize_ok(const NpkModel& m, npk::NpkFileInfo* info = nullptr) {
  auto bytes = npk::serialize_npk(m, info);
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// ---- graph comparison (bitwise: -0.0f and NaN payloads must survive) ----

inline bool same_attr(const AttrValue& a, const AttrValue& b) {
  if (a.index() != b.index()) return false;
  if (auto* f = std::get_if<float>(&a))
    return std::bit_cast<uint32_t>(*f) == std::bit_cast<uint32_t>(std::get<float>(b));
  if (auto* fs = std::get_if<std::vector<float>>(&a)) {
    const auto& gs = std::get<std::vector<float>>(b);
    if (fs->size() != gs.size()) return false;
    for (size_t i = 0; i < fs->size(); ++i)
      if (std::bit_cast<uint32_t>((*fs)[i]) != std::bit_cast<uint32_t>(gs[i])) return false;
    return true;
  }
  if (auto* t = std::get_if<Tensor>(&a)) return t->bit_equal(std::get<Tensor>(b));
  return a == b;
}

inline void expect_same_graph(const ir::Graph& a, const ir::Graph& b, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(a.name(), b.name());
  const auto va = a.values(), vb = b.values();
  ASSERT_EQ(va.size(), vb.size());
  for (size_t i = 0; i < va.size(); ++i) {
    SCOPED_TRACE(va[i]->name());
    EXPECT_EQ(va[i]->name(), vb[i]->name());
    EXPECT_EQ(va[i]->dtype(), vb[i]->dtype());
    EXPECT_EQ(va[i]->shape(), vb[i]->shape());
    EXPECT_EQ(va[i]->dim_params, vb[i]->dim_params);
    EXPECT_EQ(va[i]->is_graph_input(), vb[i]->is_graph_input());
    EXPECT_EQ(va[i]->is_graph_output(), vb[i]->is_graph_output());
    ASSERT_EQ(va[i]->is_constant(), vb[i]->is_constant());
    if (va[i]->is_constant()) {
      EXPECT_TRUE(va[i]->const_value()->bit_equal(*vb[i]->const_value()));
    }
  }
  auto names = [](const std::vector<ir::Value*>& vs) {
    std::vector<std::string> out;
    for (const ir::Value* v : vs) out.push_back(v ? v->name() + "@" + v->owner()->name() : "<absent>");
    return out;
  };
  EXPECT_EQ(names(a.inputs()), names(b.inputs()));
  EXPECT_EQ(names(a.outputs()), names(b.outputs()));
  const auto na = a.nodes(), nb = b.nodes();
  ASSERT_EQ(na.size(), nb.size());
  for (size_t i = 0; i < na.size(); ++i) {
    SCOPED_TRACE(na[i]->name());
    EXPECT_EQ(na[i]->op(), nb[i]->op());
    EXPECT_EQ(na[i]->name(), nb[i]->name());
    EXPECT_EQ(na[i]->origin(), nb[i]->origin());
    EXPECT_EQ(names(na[i]->inputs()), names(nb[i]->inputs()));
    EXPECT_EQ(names(na[i]->outputs()), names(nb[i]->outputs()));
    ASSERT_EQ(na[i]->attrs().size(), nb[i]->attrs().size());
    for (const auto& [k, v] : na[i]->attrs().all()) {
      const AttrValue* w = nb[i]->attrs().find(k);
      ASSERT_NE(w, nullptr) << k;
      EXPECT_TRUE(same_attr(v, *w)) << k << ": " << attr_value_str(v) << " vs " << attr_value_str(*w);
    }
    ASSERT_EQ(na[i]->subgraphs().size(), nb[i]->subgraphs().size());
    for (const auto& [k, sg] : na[i]->subgraphs()) {
      ASSERT_TRUE(nb[i]->subgraphs().count(k)) << k;
      EXPECT_EQ(nb[i]->subgraphs().at(k)->parent(), &b);
      expect_same_graph(*sg, *nb[i]->subgraphs().at(k), where + "/" + k);
    }
  }
}

inline void expect_same_model(const ir::Model& a, const ir::Model& b) {
  EXPECT_EQ(ir::dump(a), ir::dump(b));
  EXPECT_EQ(ir::dump(a.graph, true), ir::dump(b.graph, true));
  EXPECT_EQ(a.ir_version, b.ir_version);
  EXPECT_EQ(a.opset, b.opset);
  EXPECT_EQ(a.opset_imports, b.opset_imports);
  EXPECT_EQ(a.producer_name, b.producer_name);
  EXPECT_EQ(a.producer_version, b.producer_version);
  EXPECT_EQ(a.doc_string, b.doc_string);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.source_path, b.source_path);
  expect_same_graph(a.graph, b.graph, "main");
}

inline void expect_same_npk(const NpkModel& a, const NpkModel& b) {
  EXPECT_EQ(a.model_name, b.model_name);
  EXPECT_EQ(a.npukit_version, b.npukit_version);
  EXPECT_EQ(a.march_name, b.march_name);
  EXPECT_EQ(a.march_yaml, b.march_yaml);
  EXPECT_EQ(a.compile_options_json, b.compile_options_json);
  EXPECT_EQ(a.preprocess_json, b.preprocess_json);
  EXPECT_TRUE(a.segments == b.segments);
  EXPECT_TRUE(a.programs == b.programs);
  EXPECT_TRUE(a.placement == b.placement);
  EXPECT_TRUE(a.inputs == b.inputs);
  EXPECT_TRUE(a.outputs == b.outputs);
  expect_same_model(a.model, b.model);
}

/// Expects an InvalidModel error whose message contains `what`.
inline void expect_invalid(const Expected<NpkModel>& r, const std::string& what, const std::string& trace = "") {
  ASSERT_FALSE(r.ok()) << "accepted a broken file (" << trace << "), expected: " << what;
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidModel) << trace << ": " << r.status().to_string();
  EXPECT_NE(r.status().message().find(what), std::string::npos)
      << trace << ": message '" << r.status().message() << "' lacks '" << what << "'";
}

}  // namespace npukit::npk_test
