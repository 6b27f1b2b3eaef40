// SPDX-License-Identifier: Apache-2.0
// Test helpers: build small IR graphs by hand (attrs normalised like the frontend does).
#pragma once

#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace npukit::testing {

/// Wraps a Graph under construction; every call aborts the test (ADD_FAILURE + nullptr) on misuse.
class GraphBuilder {
 public:
  explicit GraphBuilder(ir::Graph& g) : g_(g) {}

  /// Runtime graph input with a declared type (-1 dims are dynamic; dim_params names them).
  ir::Value* input(const std::string& name, DType dtype, Shape shape, std::vector<std::string> dim_params = {});
  /// Constant value (initializer).
  ir::Value* constant(const std::string& name, Tensor t);
  /// Adds a node with normalised attributes; outputs are new values named `outputs`.
  ir::Node* node(ir::OpKind op, const std::string& name, const std::vector<ir::Value*>& inputs,
                 const std::vector<std::string>& outputs, Attrs attrs = {});
  /// Single-output shortcut: returns the output value.
  ir::Value* op(ir::OpKind op, const std::string& name, const std::vector<ir::Value*>& inputs, Attrs attrs = {});
  void output(ir::Value* v) { g_.add_output(v); }
  ir::Graph& graph() { return g_; }

 private:
  ir::Graph& g_;
};

/// f32 tensor from values and shape.
Tensor f32(const std::vector<float>& v, Shape shape);
/// i64 1-D tensor.
Tensor i64(const std::vector<int64_t>& v);

}  // namespace npukit::testing
