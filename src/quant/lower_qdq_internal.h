// SPDX-License-Identifier: Apache-2.0
// quant (internal): the parts of lower_qdq_to_integer (quant/lower_qdq.h) shared by its files. The pattern
// matching helpers (what a DequantizeLinear / QuantizeLinear around an op provides, and the attributes of the
// integer ops) are defined in lower_qdq_match.cpp. The Lowering class does the rewrite: the driver and graph
// editing in lower_qdq.cpp, Conv / Gemm / MatMul in lower_qdq_matrix.cpp, and the activation ops (Add / Sub /
// Mul, pooling, Concat, Relu / Clip, lookup tables, DQ -> Q, data movement on codes) in lower_qdq_ops.cpp.
#pragma once

#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "quant/arith.h"
#include "quant/lower_qdq.h"

namespace npukit::quant::lower_detail {

using ir::Node;
using ir::OpKind;
using ir::Value;

/// Per-tensor quantization parameters of an activation.
struct TensorQ {
  float scale = 1.0f;
  int32_t zp = 0;
  DType dtype = DType::kI8;
};

QRange range_of(DType t);

/// Activation code dtypes the integer ops take (int16: npukit's mixed-precision tensors).
bool is_code_dtype(DType t);

/// A scalar / 1-D constant of codes of dtype `t` (i8, u8 or i16; the values are inside its range).
Tensor code_tensor(DType t, const std::vector<int32_t>& codes, Shape shape);

/// The reference MaxPool / GlobalMaxPool kernels take 8-bit codes only.
bool chain_runs_on(const std::vector<Node*>& chain, DType t);

/// Scale / zero point of a Q or DQ node when both are constant and per tensor (1 element).
/// `dtype` is the code dtype (DQ: its input; Q: its output).
std::optional<TensorQ> node_qparams(const Node& n);

bool same_q(const TensorQ& a, const TensorQ& b);

/// An activation input read through a per-tensor DequantizeLinear: the codes value and its parameters.
struct ActIn {
  Value* codes = nullptr;
  TensorQ q;
};

std::optional<ActIn> dq_activation(Value* v);

/// A constant read through a DequantizeLinear with per-tensor or per-axis parameters.
struct ConstIn {
  Value* codes = nullptr;
  std::vector<float> scales;
  std::vector<int32_t> zps;
  int64_t axis = -1;  ///< normalised axis; -1 for per tensor
};

std::optional<ConstIn> dq_constant(Value* v);

bool all_zero(const std::vector<int32_t>& v);

Node* sole_user(Value* v);

/// Adds the provenance of `fused`, a node merged into `into`, to `origin` (into's provenance): each node counts
/// by its origin, or by its name when it has none; every name once.
void append_origin(std::vector<std::string>& origin, const Node& into, const Node& fused);

/// Float clamp [lo, hi] of a Relu or Clip node with constant bounds; nullopt otherwise.
std::optional<std::pair<float, float>> clamp_of(const Node& n);

/// Ops that only move / select elements (MaxPool: picks the largest), so they run on codes unchanged and
/// commute with the monotone requantization.
bool is_data_movement(const Node& n);

/// The QuantizeLinear that ends a pattern: value y -> [data movement chain] -> [Relu | Clip] -> Q (each step the
/// only user of the previous value).
struct OutQ {
  Node* q = nullptr;
  TensorQ p;
  QRange range;                 ///< dtype range narrowed by the absorbed clamp
  std::vector<Node*> tail;      ///< data-movement ops between y and the clamp / Q: rebuilt on the output codes
  std::vector<Node*> absorbed;  ///< Relu / Clip nodes between the tail and q
};

std::optional<OutQ> find_output(Value* y, float lo = -std::numeric_limits<float>::infinity(),
                                float hi = std::numeric_limits<float>::infinity());

void set_output_attrs(Attrs& a, const OutQ& o);

void set_multipliers(Attrs& a, const std::vector<QuantizedMultiplier>& m);

/// Explicit [begin..., end...] pads of a 2-D window op from its attributes and resolved shapes.
std::vector<int64_t> explicit_pads(const Node& n, const Shape& x, const Shape& y, const std::vector<int64_t>& k,
                                   const std::vector<int64_t>& s, const std::vector<int64_t>& d);

std::vector<int64_t> ints_or(const Node& n, const char* name, std::vector<int64_t> def);

class Lowering {
 public:
  Lowering(ir::Graph& g, LowerQdqStats& stats) : g_(g), stats_(stats) {}

  Status run();

 private:
  Status visit(Node& n);

  // ---- graph editing (lower_qdq.cpp) -----------------------------------------------------------------------
  void kill(Node* n) {
    dead_.insert(n);
    g_.remove_node(n);
  }

  /// Removes `op`, the absorbed clamp nodes and the QuantizeLinear of `o`, then adds `kind` under op's name
  /// writing the QuantizeLinear's output value. Type-checks the new node (interp::infer_node).
  /// A node recorded before removal, to be re-created on codes.
  struct Step {
    OpKind kind;
    std::string name;
    std::vector<std::string> origin;
    std::vector<Value*> ins;
    Value* out;
    Attrs attrs;
  };

  static std::vector<Step> record(const std::vector<Node*>& chain) {
    std::vector<Step> steps;
    for (Node* c : chain) steps.push_back({c->op(), c->name(), c->origin(), c->inputs(), c->output(0), c->attrs()});
    return steps;
  }

  Expected<Value*> rebuild(const std::vector<Step>& steps, Value* cur, Value* last_out, const TensorQ& q, QRange clamp);
  Expected<Node*> replace(Node& op, const OutQ& o, OpKind kind, const std::vector<Value*>& ins, Attrs attrs);
  Expected<Node*> add(OpKind kind, const std::string& name, const std::vector<Value*>& ins, Value* y, Attrs attrs,
                      const std::vector<std::string>& origin);
  std::string unique_name(const std::string& hint);

  Value* constant(const std::string& hint, Tensor t) { return g_.add_constant(hint, std::move(t)); }

  /// True when no QuantizeLinear reads `y`: a conv / gemm whose float result is the model's output (or feeds
  /// float ops only).
  static bool read_as_float(const Value* y) {
    for (const Node* u : y->users())
      if (u->op() == OpKind::kQuantizeLinear) return false;
    return true;
  }

  Status replace_with_accumulator(Node& op, OpKind kind, const std::vector<Value*>& ins, Attrs a, float s_x,
                                  const std::vector<float>& s_w, int64_t channels);

  // ---- Conv / Gemm / MatMul (lower_qdq_matrix.cpp) ---------------------------------------------------------
  static std::vector<QuantizedMultiplier> weight_multipliers(float s_x, const std::vector<float>& s_w, float s_y);
  std::optional<Tensor> bias_codes(Value* b, float s_x, const std::vector<float>& s_w, int64_t n);
  static std::vector<float> weight_scales(const ConstIn& w, int64_t axis);
  Status conv(Node& n);
  Status gemm(Node& n);
  Status matmul(Node& n);

  // ---- activation ops (lower_qdq_ops.cpp) ------------------------------------------------------------------
  std::optional<ActIn> operand(Value* v, const std::string& hint);
  Status binary(Node& n);
  static void set_rescale(Attrs& a, const TensorQ& in, const OutQ& o);
  Status avgpool(Node& n);
  Status concat(Node& n);
  Status clamp(Node& n);
  Status lut(Node& n);
  Status dq_q_pair(Node& q);
  Status data_movement(Node& first);

  // ---- exact peephole (lower_qdq.cpp) ----------------------------------------------------------------------
  Status fold_identity_requantize();
  Status fold_lut_mul();

  ir::Graph& g_;
  LowerQdqStats& stats_;
  std::set<const Node*> dead_;
};

}  // namespace npukit::quant::lower_detail
