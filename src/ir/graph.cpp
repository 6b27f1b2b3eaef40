// SPDX-License-Identifier: Apache-2.0
#include "ir/graph.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace npukit::ir {

namespace {
void erase_one(std::vector<Node*>& v, Node* n) {
  auto it = std::find(v.begin(), v.end(), n);
  if (it != v.end()) v.erase(it);
}
}  // namespace

void Node::set_input(size_t i, Value* v) {
  if (i >= inputs_.size()) inputs_.resize(i + 1, nullptr);
  if (inputs_[i]) erase_one(inputs_[i]->users_, this);
  inputs_[i] = v;
  if (v) v->users_.push_back(this);
}

void Node::truncate_inputs(size_t n) {
  while (inputs_.size() > n) {
    if (inputs_.back()) erase_one(inputs_.back()->users_, this);
    inputs_.pop_back();
  }
}

Graph::~Graph() = default;

Graph::Graph(Graph&& other) noexcept {
  *this = std::move(other);
}

Graph& Graph::operator=(Graph&& other) noexcept {
  if (this == &other) return *this;
  name_ = std::move(other.name_);
  parent_ = other.parent_;
  values_ = std::move(other.values_);
  by_name_ = std::move(other.by_name_);
  nodes_ = std::move(other.nodes_);
  inputs_ = std::move(other.inputs_);
  outputs_ = std::move(other.outputs_);
  other.parent_ = nullptr;
  other.values_.clear();
  other.by_name_.clear();
  other.nodes_.clear();
  other.inputs_.clear();
  other.outputs_.clear();
  // Values and nodes point back at their owner, subgraphs at their parent: re-point them here.
  for (auto& v : values_) v->owner_ = this;
  for (auto& n : nodes_) {
    n->owner_ = this;
    for (auto& [k, sg] : n->subgraphs_)
      if (sg) sg->parent_ = this;
  }
  return *this;
}

Expected<Value*> Graph::add_value(const std::string& name) {
  if (by_name_.count(name)) return make_error(ErrorCode::kInvalidModel, "tensor name '", name, "' is defined twice");
  auto v = std::make_unique<Value>();
  v->name_ = name;
  v->owner_ = this;
  Value* p = v.get();
  values_.push_back(std::move(v));
  by_name_[name] = p;
  return p;
}

Value* Graph::add_unique_value(const std::string& hint) {
  std::string name = hint.empty() ? std::string("t") : hint;
  for (int i = 1; by_name_.count(name) || (parent_ && parent_->lookup_value(name)); ++i)
    name = hint + "_" + std::to_string(i);
  return add_value(name).value();
}

Value* Graph::find_value(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

Value* Graph::lookup_value(const std::string& name) const {
  for (const Graph* g = this; g; g = g->parent_)
    if (Value* v = g->find_value(name)) return v;
  return nullptr;
}

Status Graph::rename_value(Value* v, const std::string& new_name) {
  if (v->owner_ != this) return make_error(ErrorCode::kInternal, "rename of '", v->name(), "' in a foreign graph");
  if (v->name_ == new_name) return Status::Ok();
  if (by_name_.count(new_name))
    return make_error(ErrorCode::kInvalidModel, "cannot rename '", v->name(), "': name '", new_name, "' is taken");
  by_name_.erase(v->name_);
  v->name_ = new_name;
  by_name_[new_name] = v;
  return Status::Ok();
}

Value* Graph::add_constant(const std::string& hint, Tensor t) {
  Value* v = add_unique_value(hint);
  v->set_constant(std::move(t));
  return v;
}

Expected<Node*> Graph::add_node(OpKind op, const std::string& name, const std::vector<Value*>& inputs,
                                const std::vector<Value*>& outputs, Attrs attrs) {
  for (Value* o : outputs) {
    if (!o) return make_error(ErrorCode::kInvalidModel, op_name(op), " '", name, "': null output");
    if (o->producer_)
      return make_error(ErrorCode::kInvalidModel, op_name(op), " '", name, "': output '", o->name(),
                        "' is already produced by node '", o->producer_->name(), "'");
  }
  auto n = std::make_unique<Node>();
  n->op_ = op;
  n->name_ = name;
  n->owner_ = this;
  n->attrs_ = std::move(attrs);
  Node* p = n.get();
  for (size_t i = 0; i < inputs.size(); ++i) p->set_input(i, inputs[i]);
  for (Value* o : outputs) {
    o->producer_ = p;
    p->outputs_.push_back(o);
  }
  nodes_.push_back(std::move(n));
  return p;
}

void Graph::detach_reads() {
  for (auto& n : nodes_) {
    n->truncate_inputs(0);
    for (auto& [k, sg] : n->subgraphs_)
      if (sg) sg->detach_reads();
  }
}

void Graph::remove_node(Node* n) {
  n->truncate_inputs(0);
  // Nodes inside subgraphs are users of the outer values they read: unlink them too.
  for (auto& [k, sg] : n->subgraphs_)
    if (sg) sg->detach_reads();
  for (Value* o : n->outputs_)
    if (o->producer_ == n) o->producer_ = nullptr;
  auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](const auto& u) { return u.get() == n; });
  if (it != nodes_.end()) nodes_.erase(it);
}

void Graph::replace_all_uses(Value* from, Value* to) {
  if (from == to) return;
  std::vector<Node*> users = from->users_;
  for (Node* u : users)
    for (size_t i = 0; i < u->inputs_.size(); ++i)
      if (u->inputs_[i] == from) u->set_input(i, to);
  for (auto& o : outputs_)
    if (o == from) {
      o = to;
      from->is_graph_output_ = false;
      to->is_graph_output_ = true;
    }
}

void Graph::remove_dead_values() {
  std::unordered_set<Value*> keep;
  // Values read by subgraphs of this graph's nodes are users too (outer-scope reads).
  std::vector<const Graph*> stack;
  for (auto& n : nodes_)
    for (auto& [k, sg] : n->subgraphs_) stack.push_back(sg.get());
  while (!stack.empty()) {
    const Graph* g = stack.back();
    stack.pop_back();
    for (auto& n : g->nodes_) {
      for (Value* in : n->inputs_)
        if (in && in->owner_ == this) keep.insert(in);
      for (auto& [k, sg] : n->subgraphs_) stack.push_back(sg.get());
    }
    for (Value* o : g->outputs_)
      if (o->owner_ == this) keep.insert(o);
  }
  std::vector<std::unique_ptr<Value>> kept;
  for (auto& v : values_) {
    if (v->producer_ || !v->users_.empty() || v->is_graph_input_ || v->is_graph_output_ || keep.count(v.get())) {
      kept.push_back(std::move(v));
    } else {
      by_name_.erase(v->name_);
    }
  }
  values_ = std::move(kept);
}

size_t Graph::remove_dead_nodes() {
  std::unordered_set<Value*> outer_used;
  std::vector<const Graph*> stack;
  for (auto& n : nodes_)
    for (auto& [k, sg] : n->subgraphs_) stack.push_back(sg.get());
  while (!stack.empty()) {
    const Graph* g = stack.back();
    stack.pop_back();
    for (auto& n : g->nodes_) {
      for (Value* in : n->inputs_)
        if (in) outer_used.insert(in);
      for (auto& [k, sg] : n->subgraphs_) stack.push_back(sg.get());
    }
    for (Value* o : g->outputs_) outer_used.insert(o);
  }
  size_t removed = 0;
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = nodes_.size(); i-- > 0;) {
      Node* n = nodes_[i].get();
      bool live = false;
      for (Value* o : n->outputs_)
        if (!o->users_.empty() || o->is_graph_output_ || outer_used.count(o)) live = true;
      if (!live) {
        remove_node(n);
        ++removed;
        changed = true;
      }
    }
  }
  return removed;
}

void Graph::add_input(Value* v) {
  v->is_graph_input_ = true;
  inputs_.push_back(v);
}

void Graph::add_output(Value* v) {
  // A subgraph may return a value of an enclosing graph; that value is not an output of its owner.
  if (v->owner_ == this) v->is_graph_output_ = true;
  outputs_.push_back(v);
}

void Graph::set_outputs(const std::vector<Value*>& outs) {
  for (Value* o : outputs_)
    if (o->owner_ == this) o->is_graph_output_ = false;
  outputs_.clear();
  for (Value* o : outs) add_output(o);
}

void Graph::remove_input(Value* v) {
  auto it = std::find(inputs_.begin(), inputs_.end(), v);
  if (it != inputs_.end()) inputs_.erase(it);
  v->is_graph_input_ = false;
}

std::vector<Node*> Graph::nodes() const {
  std::vector<Node*> r;
  r.reserve(nodes_.size());
  for (auto& n : nodes_) r.push_back(n.get());
  return r;
}

std::vector<Value*> Graph::values() const {
  std::vector<Value*> r;
  r.reserve(values_.size());
  for (auto& v : values_) r.push_back(v.get());
  return r;
}

namespace {
// Values of this graph that a node (or any of its subgraphs) reads.
void collect_reads(const Node* n, const Graph* g, std::vector<Value*>& out) {
  for (Value* in : n->inputs())
    if (in) out.push_back(in);
  for (auto& [k, sg] : n->subgraphs()) {
    for (Node* m : sg->nodes()) collect_reads(m, g, out);
    for (Value* o : sg->outputs()) out.push_back(o);
  }
}
}  // namespace

Status Graph::topo_sort() {
  const size_t n = nodes_.size();
  std::unordered_map<const Node*, size_t> index;
  for (size_t i = 0; i < n; ++i) index[nodes_[i].get()] = i;
  std::vector<std::vector<size_t>> succ(n);
  std::vector<size_t> indeg(n, 0);
  for (size_t i = 0; i < n; ++i) {
    std::vector<Value*> reads;
    collect_reads(nodes_[i].get(), this, reads);
    std::set<size_t> preds;
    for (Value* v : reads) {
      if (v->owner_ != this || !v->producer_) continue;
      auto it = index.find(v->producer_);
      if (it != index.end() && it->second != i) preds.insert(it->second);
      if (it != index.end() && it->second == i)
        return make_error(ErrorCode::kInvalidModel, "node '", nodes_[i]->name(), "' (", nodes_[i]->op_type(),
                          ") reads its own output '", v->name(), "'");
    }
    for (size_t p : preds) {
      succ[p].push_back(i);
      ++indeg[i];
    }
  }
  // Kahn with a min-heap on original position keeps the order stable.
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (indeg[i] == 0) ready.insert(i);
  std::vector<size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (size_t s : succ[i])
      if (--indeg[s] == 0) ready.insert(s);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (indeg[i] != 0)
        return make_error(ErrorCode::kInvalidModel, "graph has a cycle through node '", nodes_[i]->name(), "' (",
                          nodes_[i]->op_type(), ")");
  }
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(n);
  for (size_t i : order) sorted.push_back(std::move(nodes_[i]));
  nodes_ = std::move(sorted);
  return Status::Ok();
}

Status Graph::verify(bool require_types) const {
  std::unordered_set<const Value*> defined;
  for (auto& v : values_) {
    if (v->owner_ != this) return make_error(ErrorCode::kInternal, "value '", v->name(), "' has a wrong owner");
    if (find_value(v->name()) != v.get())
      return make_error(ErrorCode::kInternal, "value '", v->name(), "' not indexed by name");
    if (v->is_constant() || v->is_graph_input_) defined.insert(v.get());
    if (v->is_constant() && v->producer_)
      return make_error(ErrorCode::kInvalidModel, "value '", v->name(), "' is both a constant and produced by '",
                        v->producer_->name(), "'");
  }
  for (Value* in : inputs_)
    if (in->owner_ != this || !in->is_graph_input_)
      return make_error(ErrorCode::kInternal, "graph input '", in->name(), "' not flagged as input");
  std::unordered_set<std::string> node_names;
  for (auto& np : nodes_) {
    const Node* n = np.get();
    const OpInfo& info = op_info(n->op());
    const std::string where = std::string(info.name) + " '" + n->name() + "'";
    if (!n->name().empty() && !node_names.insert(n->name()).second)
      return make_error(ErrorCode::kInvalidModel, "node name '", n->name(), "' is used twice");
    int nin = static_cast<int>(n->inputs().size());
    int nout = static_cast<int>(n->outputs().size());
    if (nin < info.min_inputs || nin > info.max_inputs)
      return make_error(ErrorCode::kInvalidModel, where, ": has ", nin, " inputs, expected ", info.min_inputs, "..",
                        info.max_inputs);
    if (nout < info.min_outputs || nout > info.max_outputs)
      return make_error(ErrorCode::kInvalidModel, where, ": has ", nout, " outputs, expected ", info.min_outputs, "..",
                        info.max_outputs);
    for (size_t i = 0; i < n->inputs().size(); ++i) {
      Value* in = n->inputs()[i];
      if (!in) continue;
      if (in->owner_ == this) {
        if (!defined.count(in))
          return make_error(ErrorCode::kInvalidModel, where, ": input ", i, " '", in->name(),
                            "' is not defined before use (missing initializer, dangling name, or cycle)");
        if (std::find(in->users_.begin(), in->users_.end(), n) == in->users_.end())
          return make_error(ErrorCode::kInternal, where, ": use list of '", in->name(), "' is stale");
      } else {
        bool outer = false;
        for (Graph* g = parent_; g; g = g->parent_)
          if (in->owner_ == g) outer = true;
        if (!outer)
          return make_error(ErrorCode::kInvalidModel, where, ": input '", in->name(), "' belongs to another graph");
      }
    }
    for (Value* o : n->outputs()) {
      if (o->owner_ != this || o->producer_ != n)
        return make_error(ErrorCode::kInternal, where, ": output '", o->name(), "' has a wrong producer");
      if (require_types && !o->has_type())
        return make_error(ErrorCode::kShapeMismatch, where, ": output '", o->name(), "' has no static type");
      defined.insert(o);
    }
    for (auto& [k, sg] : n->subgraphs()) {
      if (sg->parent() != this)
        return make_error(ErrorCode::kInternal, where, ": subgraph '", k, "' has a wrong parent");
      NPUKIT_RETURN_IF_ERROR(sg->verify(require_types).with_context(where + " subgraph " + k));
    }
  }
  for (Value* o : outputs_) {
    if (o->owner_ == this && !o->is_graph_output_)
      return make_error(ErrorCode::kInternal, "graph output '", o->name(), "' not flagged");
    if (o->owner_ == this && !defined.count(o))
      return make_error(ErrorCode::kInvalidModel, "graph output '", o->name(), "' is never produced");
  }
  if (require_types)
    for (Value* in : inputs_)
      if (!in->has_type())
        return make_error(ErrorCode::kShapeMismatch, "graph input '", in->name(), "' has no static type");
  return Status::Ok();
}

}  // namespace npukit::ir
