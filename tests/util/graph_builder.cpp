// SPDX-License-Identifier: Apache-2.0
#include "util/graph_builder.h"

#include <gtest/gtest.h>

namespace npukit::testing {

ir::Value* GraphBuilder::input(const std::string& name, DType dtype, Shape shape, std::vector<std::string> dim_params) {
  auto v = g_.add_value(name);
  if (!v.ok()) {
    ADD_FAILURE() << v.status().to_string();
    return nullptr;
  }
  (*v)->set_type(dtype, std::move(shape));
  (*v)->dim_params = std::move(dim_params);
  g_.add_input(*v);
  return *v;
}

ir::Value* GraphBuilder::constant(const std::string& name, Tensor t) {
  auto v = g_.add_value(name);
  if (!v.ok()) {
    ADD_FAILURE() << v.status().to_string();
    return nullptr;
  }
  (*v)->set_constant(std::move(t));
  return *v;
}

ir::Node* GraphBuilder::node(ir::OpKind op, const std::string& name, const std::vector<ir::Value*>& inputs,
                             const std::vector<std::string>& outputs, Attrs attrs) {
  Status s = ir::normalize_attrs(op, name, attrs);
  if (!s.ok()) {
    ADD_FAILURE() << s.to_string();
    return nullptr;
  }
  std::vector<ir::Value*> outs;
  for (const auto& o : outputs) {
    auto v = g_.add_value(o);
    if (!v.ok()) {
      ADD_FAILURE() << v.status().to_string();
      return nullptr;
    }
    outs.push_back(*v);
  }
  auto n = g_.add_node(op, name, inputs, outs, std::move(attrs));
  if (!n.ok()) {
    ADD_FAILURE() << n.status().to_string();
    return nullptr;
  }
  (*n)->origin().push_back(name);
  return *n;
}

ir::Value* GraphBuilder::op(ir::OpKind op, const std::string& name, const std::vector<ir::Value*>& inputs,
                            Attrs attrs) {
  ir::Node* n = node(op, name, inputs, {name + "_out"}, std::move(attrs));
  return n ? n->output(0) : nullptr;
}

Tensor f32(const std::vector<float>& v, Shape shape) {
  return Tensor::from_vector<float>(v, std::move(shape));
}
Tensor i64(const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>(v, Shape{static_cast<int64_t>(v.size())});
}

}  // namespace npukit::testing
