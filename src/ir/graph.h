// SPDX-License-Identifier: Apache-2.0
// ir: the one graph data structure. Graph owns Values and Nodes; pointers are stable for the
// lifetime of the graph (removal only unlinks and destroys the removed object).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/attrs.h"
#include "core/status.h"
#include "core/tensor.h"
#include "ir/op_table.h"

namespace npukit::ir {

class Graph;
class Node;

/// A tensor flowing in the graph: a graph input, a constant (initializer / folded), or a node output.
class Value {
 public:
  const std::string& name() const { return name_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  /// True once shape inference (or a declaration) set a static type.
  bool has_type() const { return dtype_ != DType::kUndefined; }
  void set_type(DType dtype, Shape shape) {
    dtype_ = dtype;
    shape_ = std::move(shape);
  }

  /// Constant data (initializers and folded values). nullptr for runtime values.
  const Tensor* const_value() const { return constant_ ? &*constant_ : nullptr; }
  bool is_constant() const { return constant_.has_value(); }
  /// Sets constant data and the matching type.
  void set_constant(Tensor t) {
    dtype_ = t.dtype();
    shape_ = t.shape();
    constant_ = std::move(t);
  }
  void clear_constant() { constant_.reset(); }

  Node* producer() const { return producer_; }
  /// Nodes that read this value (one entry per input slot use).
  const std::vector<Node*>& users() const { return users_; }
  bool is_graph_input() const { return is_graph_input_; }
  bool is_graph_output() const { return is_graph_output_; }
  /// The graph that owns this value (subgraphs may read values of enclosing graphs).
  Graph* owner() const { return owner_; }

  /// Declared dims as written in the model (names for symbolic dims, "" otherwise); kept for reports.
  std::vector<std::string> dim_params;

 private:
  friend class Graph;
  friend class Node;
  std::string name_;
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  std::optional<Tensor> constant_;
  Node* producer_ = nullptr;
  std::vector<Node*> users_;
  bool is_graph_input_ = false;
  bool is_graph_output_ = false;
  Graph* owner_ = nullptr;
};

/// One operator application.
class Node {
 public:
  OpKind op() const { return op_; }
  const char* op_type() const { return op_name(op_); }
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

  /// Inputs; an absent optional input is nullptr.
  const std::vector<Value*>& inputs() const { return inputs_; }
  Value* input(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  size_t num_inputs() const { return inputs_.size(); }
  /// Replaces input slot i (updates use lists). Grows the input list with absent slots if needed.
  void set_input(size_t i, Value* v);
  /// Appends an input.
  void add_input(Value* v) { set_input(inputs_.size(), v); }
  /// Drops trailing inputs from index n on.
  void truncate_inputs(size_t n);

  const std::vector<Value*>& outputs() const { return outputs_; }
  Value* output(size_t i) const { return i < outputs_.size() ? outputs_[i] : nullptr; }
  size_t num_outputs() const { return outputs_.size(); }

  Attrs& attrs() { return attrs_; }
  const Attrs& attrs() const { return attrs_; }

  /// Provenance: the ONNX node name(s) this node was derived from. Never empty for imported nodes.
  std::vector<std::string>& origin() { return origin_; }
  const std::vector<std::string>& origin() const { return origin_; }

  /// Named subgraphs (If: "then_branch", "else_branch").
  std::map<std::string, std::unique_ptr<Graph>>& subgraphs() { return subgraphs_; }
  const std::map<std::string, std::unique_ptr<Graph>>& subgraphs() const { return subgraphs_; }

  Graph* owner() const { return owner_; }

 private:
  friend class Graph;
  OpKind op_ = OpKind::kIdentity;
  std::string name_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  Attrs attrs_;
  std::vector<std::string> origin_;
  std::map<std::string, std::unique_ptr<Graph>> subgraphs_;
  Graph* owner_ = nullptr;
};

/// A dataflow graph. Nodes are kept in a list that topo_sort() orders; passes that insert nodes
/// call topo_sort() (or insert in order) before handing the graph on.
class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  /// Moves a graph (so Model can travel in Expected<Model>): values, nodes and subgraphs are
  /// re-owned by the destination; pointers to them stay valid. The source is left empty.
  Graph(Graph&& other) noexcept;
  Graph& operator=(Graph&& other) noexcept;
  ~Graph();

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  /// Enclosing graph for subgraphs, nullptr for the main graph.
  Graph* parent() const { return parent_; }
  void set_parent(Graph* p) { parent_ = p; }

  /// Creates a new value. Fails if the name is already used in this graph.
  Expected<Value*> add_value(const std::string& name);
  /// Creates a value with a unique name derived from `hint` ("hint", "hint_1", ...).
  Value* add_unique_value(const std::string& hint);
  /// Finds a value by name in this graph only.
  Value* find_value(const std::string& name) const;
  /// Finds a value by name here or in an enclosing graph (outer-scope reads of subgraphs).
  Value* lookup_value(const std::string& name) const;
  /// Renames a value of this graph; fails if the new name is taken here.
  Status rename_value(Value* v, const std::string& new_name);
  /// Creates a constant value holding `t`.
  Value* add_constant(const std::string& hint, Tensor t);

  /// Appends a node. Outputs must not already have a producer.
  Expected<Node*> add_node(OpKind op, const std::string& name, const std::vector<Value*>& inputs,
                           const std::vector<Value*>& outputs, Attrs attrs = {});
  /// Removes a node: its outputs lose their producer (callers rewire users first).
  void remove_node(Node* n);
  /// Replaces every use of `from` (including graph outputs) with `to`.
  void replace_all_uses(Value* from, Value* to);
  /// Unlinks every node of this graph (and of nested subgraphs) from the use lists of the values it
  /// reads. Call before destroying a subgraph that was detached from its node.
  void detach_reads();
  /// Removes values that have no producer, no users, are not graph inputs/outputs.
  void remove_dead_values();
  /// Removes nodes whose outputs are all unused (repeats until nothing changes). Returns count removed.
  size_t remove_dead_nodes();

  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  void add_input(Value* v);
  void add_output(Value* v);
  void set_outputs(const std::vector<Value*>& outs);
  void remove_input(Value* v);

  /// Nodes in current order (topological after topo_sort()).
  std::vector<Node*> nodes() const;
  size_t num_nodes() const { return nodes_.size(); }
  /// All values owned by this graph in creation order.
  std::vector<Value*> values() const;

  /// Orders nodes topologically (stable w.r.t. the current order). Error naming a node on a cycle.
  Status topo_sort();

  /// Checks the invariants: unique names, every input produced/constant/graph input/outer value,
  /// one producer per value, use lists consistent, arity within the op table, acyclic, topological
  /// order, typed values where `require_types`. Errors name node and value.
  Status verify(bool require_types = false) const;

 private:
  std::string name_;
  Graph* parent_ = nullptr;
  std::vector<std::unique_ptr<Value>> values_;
  std::map<std::string, Value*> by_name_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
};

/// A whole model: the main graph plus model-level metadata.
struct Model {
  Graph graph;
  int64_t ir_version = 8;
  int opset = kCanonicalOpset;                   ///< default-domain opset of the source file
  std::map<std::string, int64_t> opset_imports;  ///< all declared domains, as read
  std::string producer_name;
  std::string producer_version;
  std::string doc_string;
  std::map<std::string, std::string> metadata;
  std::string source_path;  ///< file it was loaded from (for messages)
};

/// Deep copy of a graph (values, types, constants — tensor data copied, not shared — nodes, attributes,
/// origins, subgraphs). `parent` is the enclosing graph of a subgraph copy (outer-scope reads are looked
/// up there by name). Node order and value names are preserved, so dump(clone) == dump(original).
Expected<std::unique_ptr<Graph>> clone_graph(const Graph& g, Graph* parent = nullptr);
/// Deep copy of a model (graph via clone_graph plus the metadata).
Expected<Model> clone_model(const Model& m);

/// Textual dump of a graph (stable, diff-able; used by --dump and golden tests).
std::string dump(const Graph& g, bool with_constants_data = false);
std::string dump(const Model& m);

}  // namespace npukit::ir
