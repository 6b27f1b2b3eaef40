// SPDX-License-Identifier: Apache-2.0
// Textual IR dump. Format (one item per line, stable for golden tests):
//   graph <name> {
//     input  %x : f32[1,3,224,224]
//     const  %w : f32[64,3,3,3]
//     %y : f32[1,64,112,112] = Conv(%x, %w, %b) {dilations=[1,1], group=1, ...} name="conv1" origin=["conv1"]
//     output %y
//   }
#include <sstream>

#include "ir/graph.h"

namespace npukit::ir {

namespace {
std::string type_str(const Value* v) {
  if (!v->has_type()) return "?";
  return std::string(dtype_name(v->dtype())) + shape_str(v->shape());
}

std::string const_preview(const Tensor& t) {
  std::ostringstream os;
  int64_t n = std::min<int64_t>(t.numel(), 8);
  os << " = {";
  for (int64_t i = 0; i < n; ++i) os << (i ? ", " : "") << t.get_as_double(i);
  if (t.numel() > n) os << ", ...";
  os << "}";
  return os.str();
}

void dump_graph(const Graph& g, bool data, int indent, std::ostringstream& os) {
  std::string pad(static_cast<size_t>(indent), ' ');
  os << pad << "graph " << g.name() << " {\n";
  for (Value* v : g.inputs()) os << pad << "  input  %" << v->name() << " : " << type_str(v) << "\n";
  for (Value* v : g.values()) {
    if (!v->is_constant() || v->is_graph_input()) continue;
    os << pad << "  const  %" << v->name() << " : " << type_str(v);
    if (data || v->const_value()->numel() <= 8) os << const_preview(*v->const_value());
    os << "\n";
  }
  for (Node* n : g.nodes()) {
    os << pad << "  ";
    for (size_t i = 0; i < n->outputs().size(); ++i)
      os << (i ? ", " : "") << "%" << n->outputs()[i]->name() << " : " << type_str(n->outputs()[i]);
    os << " = " << n->op_type() << "(";
    for (size_t i = 0; i < n->inputs().size(); ++i) {
      os << (i ? ", " : "");
      if (n->inputs()[i])
        os << "%" << n->inputs()[i]->name();
      else
        os << "_";
    }
    os << ")";
    if (n->attrs().size()) {
      os << " {";
      bool first = true;
      for (const auto& [k, v] : n->attrs().all()) {
        os << (first ? "" : ", ") << k << "=" << attr_value_str(v);
        first = false;
      }
      os << "}";
    }
    os << " name=\"" << n->name() << "\"";
    if (!n->origin().empty()) {
      os << " origin=[";
      for (size_t i = 0; i < n->origin().size(); ++i) os << (i ? "," : "") << '"' << n->origin()[i] << '"';
      os << "]";
    }
    os << "\n";
    for (const auto& [k, sg] : n->subgraphs()) {
      os << pad << "    " << k << ":\n";
      dump_graph(*sg, data, indent + 4, os);
    }
  }
  for (Value* v : g.outputs()) os << pad << "  output %" << v->name() << " : " << type_str(v) << "\n";
  os << pad << "}\n";
}
}  // namespace

std::string dump(const Graph& g, bool with_constants_data) {
  std::ostringstream os;
  dump_graph(g, with_constants_data, 0, os);
  return os.str();
}

std::string dump(const Model& m) {
  std::ostringstream os;
  os << "model opset=" << m.opset << " ir_version=" << m.ir_version;
  if (!m.producer_name.empty()) os << " producer=\"" << m.producer_name << "\"";
  os << "\n" << dump(m.graph);
  return os.str();
}

}  // namespace npukit::ir
