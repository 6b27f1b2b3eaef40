// SPDX-License-Identifier: Apache-2.0
// Test helper: builds ONNX ModelProtos in C++ (no python needed) for the frontend tests.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "frontend/onnx_import.h"
#include "ir/graph.h"

namespace npukit::frontend::testing {

using TP = onnx::TensorProto;

/// Fresh empty temp folder per call (removed by the caller's TempDir).
struct TempDir {
  std::string path;
  TempDir() {
    static int counter = 0;
    path = (std::filesystem::temp_directory_path() /
            ("npukit_fe_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
               .string();
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

inline void set_type(onnx::ValueInfoProto* vi, int32_t elem, const std::vector<int64_t>& dims,
                     const std::vector<std::string>& params = {}) {
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  auto* sh = tt->mutable_shape();
  for (size_t i = 0; i < dims.size(); ++i) {
    auto* d = sh->add_dim();
    if (dims[i] >= 0)
      d->set_dim_value(dims[i]);
    else if (i < params.size() && !params[i].empty())
      d->set_dim_param(params[i]);
  }
}

inline void attr_i(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void attr_f(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void attr_s(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void attr_ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a->add_ints(x);
}
inline void attr_floats(onnx::NodeProto* n, const std::string& name, const std::vector<float>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOATS);
  for (auto x : v) a->add_floats(x);
}
inline onnx::TensorProto* attr_t(onnx::NodeProto* n, const std::string& name) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::TENSOR);
  return a->mutable_t();
}
inline onnx::GraphProto* attr_g(onnx::NodeProto* n, const std::string& name) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::GRAPH);
  return a->mutable_g();
}

inline void fill_f32(onnx::TensorProto* t, const std::string& name, const std::vector<int64_t>& dims,
                     const std::vector<float>& v) {
  t->set_name(name);
  t->set_data_type(TP::FLOAT);
  for (auto d : dims) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
}
inline void fill_i64(onnx::TensorProto* t, const std::string& name, const std::vector<int64_t>& dims,
                     const std::vector<int64_t>& v) {
  t->set_name(name);
  t->set_data_type(TP::INT64);
  for (auto d : dims) t->add_dims(d);
  for (auto x : v) t->add_int64_data(x);
}

inline onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::string& name,
                                 const std::vector<std::string>& ins, const std::vector<std::string>& outs) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (auto& i : ins) n->add_input(i);
  for (auto& o : outs) n->add_output(o);
  return n;
}

/// A ModelProto under construction.
struct OnnxBuilder {
  onnx::ModelProto m;
  onnx::GraphProto* g;
  explicit OnnxBuilder(int opset = 13) {
    m.set_ir_version(7);
    m.set_producer_name("npukit-test");
    auto* o = m.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    g = m.mutable_graph();
    g->set_name("g");
  }
  void input(const std::string& name, const std::vector<int64_t>& dims, int32_t elem = TP::FLOAT,
             const std::vector<std::string>& params = {}) {
    auto* vi = g->add_input();
    vi->set_name(name);
    set_type(vi, elem, dims, params);
  }
  void output(const std::string& name, const std::vector<int64_t>& dims = {}, int32_t elem = TP::FLOAT) {
    auto* vi = g->add_output();
    vi->set_name(name);
    if (!dims.empty() || elem != TP::FLOAT) set_type(vi, elem, dims);
  }
  void output_untyped(const std::string& name) { g->add_output()->set_name(name); }
  onnx::NodeProto* node(const std::string& op, const std::string& name, const std::vector<std::string>& ins,
                        const std::vector<std::string>& outs) {
    return add_node(g, op, name, ins, outs);
  }
  void init_f32(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
    fill_f32(g->add_initializer(), name, dims, v);
  }
  void init_i64(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v) {
    fill_i64(g->add_initializer(), name, dims, v);
  }
  std::string bytes() const { return m.SerializeAsString(); }
  Expected<ir::Model> parse(const std::string& base_dir = ".") const {
    return parse_onnx(bytes(), "test.onnx", base_dir);
  }
  std::string save(const std::string& path) const {
    EXPECT_TRUE(atomic_write_file(path, bytes()).ok());
    return path;
  }
};

/// First node of `kind` in g (nullptr if none).
inline ir::Node* find_node(const ir::Graph& g, ir::OpKind kind) {
  for (ir::Node* n : g.nodes())
    if (n->op() == kind) return n;
  return nullptr;
}
inline size_t count_nodes(const ir::Graph& g, ir::OpKind kind) {
  size_t c = 0;
  for (ir::Node* n : g.nodes()) c += n->op() == kind;
  return c;
}

}  // namespace npukit::frontend::testing
