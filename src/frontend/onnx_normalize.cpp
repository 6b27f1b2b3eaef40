// SPDX-License-Identifier: Apache-2.0
// frontend: opset → canonical rewrites (the canonical form is documented at the top of src/ops.def).
// Every rewrite from an older (or opset-18) form into the one form the IR understands lives here,
// one clearly marked section per op. Nodes leave this file with every schema default filled
// (ir::normalize_attrs), so nothing downstream repeats ONNX defaults.
#include <cmath>

#include "frontend/onnx_internal.h"

namespace npukit::frontend::detail {

namespace {

using ir::OpKind;
using ir::Value;

class Canonicalizer {
 public:
  Canonicalizer(ImportState& st, GraphBuild& gb, RawNode& rn) : st_(st), gb_(gb), g_(*gb.graph), rn_(rn) {}

  Status run();

 private:
  template <class... Args>
  Status err(ErrorCode code, const Args&... args) const {
    return make_error(code, rn_.op_type, " '", rn_.name, "': ", args...);
  }

  Value* const_i64(const std::string& what, const std::vector<int64_t>& v) {
    return g_.add_constant(rn_.name + "_" + what,
                           Tensor::from_vector<int64_t>(v, Shape{static_cast<int64_t>(v.size())}));
  }
  Value* const_f32(const std::string& what, float v) {
    return g_.add_constant(rn_.name + "_" + what, Tensor::scalar(v));
  }
  Value* input(size_t i) const { return i < rn_.inputs.size() ? rn_.inputs[i] : nullptr; }
  void set_input(size_t i, Value* v) {
    if (rn_.inputs.size() <= i) rn_.inputs.resize(i + 1, nullptr);
    rn_.inputs[i] = v;
  }
  bool output_used(size_t i) const {
    return i < rn_.outputs.size() && rn_.outputs[i] && gb_.used.count(rn_.outputs[i]->name()) != 0;
  }
  /// Moves attribute `name` (ints) into constant input `slot`; no-op when the attribute is absent.
  void attr_to_i64_input(const std::string& name, size_t slot) {
    if (!rn_.attrs.has(name)) return;
    set_input(slot, const_i64(name, rn_.attrs.get_ints(name)));
    rn_.attrs.erase(name);
  }

  /// Appends one IR node: trims trailing absent inputs/outputs, gives absent middle outputs a
  /// placeholder value, fills attribute defaults.
  Expected<ir::Node*> emit(OpKind kind, const std::string& name, std::vector<Value*> inputs,
                           std::vector<Value*> outputs, Attrs attrs);
  Status emit_main(OpKind kind) {
    auto n = emit(kind, rn_.name, rn_.inputs, rn_.outputs, rn_.attrs);
    if (!n.ok()) return n.status();
    for (auto& [k, sg] : rn_.subgraphs) (*n)->subgraphs()[k] = std::move(sg);
    return Status::Ok();
  }

  Status constant();
  Status upsample();
  Status split();
  Status reduce_axes_input_to_attr();
  Status pad();
  Status resize();
  Status batch_norm();
  Status dropout();
  Status softmax(OpKind kind);
  Status legacy_broadcast(OpKind kind);
  Status unsqueeze_trailing(size_t slot, int64_t count);

  ImportState& st_;
  GraphBuild& gb_;
  ir::Graph& g_;
  RawNode& rn_;
};

Expected<ir::Node*> Canonicalizer::emit(OpKind kind, const std::string& name, std::vector<Value*> inputs,
                                        std::vector<Value*> outputs, Attrs attrs) {
  while (!inputs.empty() && !inputs.back()) inputs.pop_back();
  while (!outputs.empty() && !outputs.back()) outputs.pop_back();
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i]) outputs[i] = g_.add_unique_value(name + "_unused_output" + std::to_string(i));
  NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(kind, name, attrs));
  NPUKIT_ASSIGN_OR_RETURN(ir::Node * n, g_.add_node(kind, name, inputs, outputs, std::move(attrs)));
  n->origin() = rn_.origin;
  return n;
}

// ---- Constant: becomes a constant value (no node), like an initializer -------------------------
Status Canonicalizer::constant() {
  if (!rn_.inputs.empty()) return err(ErrorCode::kInvalidModel, "Constant takes no inputs, has ", rn_.inputs.size());
  if (rn_.outputs.size() != 1 || !rn_.outputs[0])
    return err(ErrorCode::kInvalidModel, "Constant must have exactly one named output");
  if (rn_.attrs.size() != 1)
    return err(ErrorCode::kInvalidModel, "Constant needs exactly one value attribute, has ", rn_.attrs.size());
  const auto& [key, val] = *rn_.attrs.all().begin();
  Tensor t;
  if (key == "value" && std::holds_alternative<Tensor>(val)) {
    t = std::get<Tensor>(val);
  } else if (key == "value_float" && std::holds_alternative<float>(val)) {
    t = Tensor::scalar(std::get<float>(val));
  } else if (key == "value_int" && std::holds_alternative<int64_t>(val)) {
    t = Tensor::scalar(std::get<int64_t>(val));
  } else if (key == "value_floats" && std::holds_alternative<std::vector<float>>(val)) {
    const auto& v = std::get<std::vector<float>>(val);
    t = Tensor::from_vector<float>(v, Shape{static_cast<int64_t>(v.size())});
  } else if (key == "value_ints" && std::holds_alternative<std::vector<int64_t>>(val)) {
    const auto& v = std::get<std::vector<int64_t>>(val);
    t = Tensor::from_vector<int64_t>(v, Shape{static_cast<int64_t>(v.size())});
  } else if (key == "value_string" || key == "value_strings") {
    return err(ErrorCode::kUnsupportedAttr, "attribute '", key, "': string constants are not supported");
  } else {
    return err(ErrorCode::kUnsupportedAttr, "attribute '", key, "' (", attr_type_name(attr_value_type(val)),
               ") is not a supported Constant value");
  }
  rn_.outputs[0]->set_constant(std::move(t));
  return Status::Ok();
}

// ---- Upsample (opset 7-9) → Resize(X, roi absent, scales) --------------------------------------
// Upsample computes output = floor(in * scale) and samples with asymmetric coordinates (nearest:
// floor), which Resize expresses with coordinate_transformation_mode=asymmetric, nearest_mode=floor.
Status Canonicalizer::upsample() {
  if (st_.opset >= 10)
    return err(ErrorCode::kUnsupportedOp, "Upsample is deprecated since opset 10 (model opset ", st_.opset,
               "); use Resize");
  Value* scales = nullptr;
  if (st_.opset < 9) {
    if (!rn_.attrs.has("scales")) return err(ErrorCode::kInvalidModel, "missing required attribute 'scales'");
    std::vector<float> s = rn_.attrs.get_floats("scales");
    scales =
        g_.add_constant(rn_.name + "_scales", Tensor::from_vector<float>(s, Shape{static_cast<int64_t>(s.size())}));
  } else {
    scales = input(1);
    if (!scales) return err(ErrorCode::kInvalidModel, "missing input 'scales'");
  }
  if (!input(0)) return err(ErrorCode::kInvalidModel, "missing input 'X'");
  for (const auto& [k, v] : rn_.attrs.all())
    if (k != "mode" && k != "scales") return err(ErrorCode::kUnsupportedAttr, "unknown attribute '", k, "'");
  Attrs a;
  a.set("mode", rn_.attrs.get_string("mode", "nearest"));
  a.set("coordinate_transformation_mode", std::string("asymmetric"));
  a.set("nearest_mode", std::string("floor"));
  auto n = emit(OpKind::kResize, rn_.name, {input(0), nullptr, scales}, rn_.outputs, std::move(a));
  return n.status();
}

// ---- Split: split attr (< 13) → input 1; num_outputs (18) → equal split / explicit sizes -------
Status Canonicalizer::split() {
  if (st_.opset < 13) attr_to_i64_input("split", 1);
  if (rn_.attrs.has("num_outputs")) {
    const int64_t n = rn_.attrs.get_int("num_outputs");
    rn_.attrs.erase("num_outputs");
    if (n != static_cast<int64_t>(rn_.outputs.size()))
      return err(ErrorCode::kInvalidModel, "num_outputs = ", n, " but the node has ", rn_.outputs.size(), " outputs");
    if (input(1)) return err(ErrorCode::kInvalidModel, "both 'num_outputs' and input 'split' are given");
    // Opset 18 allows a smaller last chunk; opset 13's implicit split requires divisibility. When
    // the split dimension is declared, write the sizes out so both agree.
    Value* x = input(0);
    if (x && x->has_type() && n > 0) {
      auto axis = ir::normalize_axis(rn_.attrs.get_int("axis", 0), static_cast<int64_t>(x->shape().size()));
      if (axis.ok()) {
        int64_t d = x->shape()[static_cast<size_t>(*axis)];
        if (d >= 0 && d % n != 0) {
          int64_t chunk = (d + n - 1) / n;
          std::vector<int64_t> sizes;
          for (int64_t i = 0, left = d; i < n; ++i, left -= chunk)
            sizes.push_back(std::max<int64_t>(0, std::min(chunk, left)));
          set_input(1, const_i64("split", sizes));
        }
      }
    }
  }
  return emit_main(OpKind::kSplit);
}

// ---- ReduceMean/Max/Min opset 18: axes input (must be constant) → axes attribute ----------------
Status Canonicalizer::reduce_axes_input_to_attr() {
  const int64_t noop = rn_.attrs.get_int("noop_with_empty_axes", 0);
  rn_.attrs.erase("noop_with_empty_axes");
  std::vector<int64_t> axes;
  if (Value* a = input(1)) {
    if (!a->is_constant())
      return err(ErrorCode::kUnsupportedAttr, "input 'axes' ('", a->name(),
                 "') must be a constant (initializer or Constant node)");
    axes = a->const_value()->to_int64_vector();
    rn_.inputs.resize(1);
  }
  if (!axes.empty()) rn_.attrs.set("axes", axes);
  if (axes.empty() && noop != 0) {
    // noop_with_empty_axes=1 and no axes: the op is the identity.
    auto n = emit(OpKind::kIdentity, rn_.name, {input(0)}, rn_.outputs, {});
    return n.status();
  }
  return emit_main(ir::find_op(rn_.op_type)->kind);
}

// ---- Pad: pads/value attrs (< 11) → inputs; opset-18 axes input → full-rank pads ---------------
Status Canonicalizer::pad() {
  if (st_.opset < 11) {
    std::string key = rn_.attrs.has("pads") ? "pads" : "paddings";
    if (!rn_.attrs.has(key)) return err(ErrorCode::kInvalidModel, "missing required attribute 'pads'");
    set_input(1, const_i64("pads", rn_.attrs.get_ints(key)));
    rn_.attrs.erase(key);
    if (rn_.attrs.has("value")) {
      float v = rn_.attrs.get_float("value");
      rn_.attrs.erase("value");
      // The value input must have the data's element type; 0 is the default, so only a non-zero
      // value is materialised (as f32, the only float compute type).
      if (v != 0.f) set_input(2, const_f32("value", v));
    }
  }
  if (Value* axes_v = input(3)) {
    Value* x = input(0);
    Value* pads_v = input(1);
    if (!axes_v->is_constant() || !pads_v || !pads_v->is_constant() || !x || !x->has_type())
      return err(ErrorCode::kUnsupportedAttr,
                 "input 'axes' is only supported when axes and pads are constants and "
                 "the data rank is declared");
    const int64_t rank = static_cast<int64_t>(x->shape().size());
    std::vector<int64_t> axes = axes_v->const_value()->to_int64_vector();
    std::vector<int64_t> pads = pads_v->const_value()->to_int64_vector();
    if (pads.size() != 2 * axes.size())
      return err(ErrorCode::kInvalidModel, "pads has ", pads.size(), " values for ", axes.size(), " axes");
    std::vector<int64_t> full(static_cast<size_t>(2 * rank), 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      auto a = ir::normalize_axis(axes[i], rank);
      if (!a.ok()) return err(ErrorCode::kInvalidModel, "axes[", i, "]: ", a.status().message());
      full[static_cast<size_t>(*a)] = pads[i];
      full[static_cast<size_t>(*a + rank)] = pads[i + axes.size()];
    }
    set_input(1, const_i64("pads", full));
    rn_.inputs.resize(3);
  }
  return emit_main(OpKind::kPad);
}

// ---- Resize: opset-10 form (X, scales) → (X, roi absent, scales); opset-18 attrs ---------------
Status Canonicalizer::resize() {
  if (st_.opset == 10) {
    Value* scales = input(1);
    rn_.inputs = {input(0), nullptr, scales};
    // Resize-10 samples like Upsample (asymmetric coordinates, nearest = floor).
    rn_.attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
    rn_.attrs.set("nearest_mode", std::string("floor"));
  }
  if (rn_.attrs.has("antialias")) {
    if (rn_.attrs.get_int("antialias") != 0)
      return err(ErrorCode::kUnsupportedAttr, "attribute 'antialias' = ", rn_.attrs.get_int("antialias"),
                 " is not supported (only 0)");
    rn_.attrs.erase("antialias");
  }
  if (rn_.attrs.has("keep_aspect_ratio_policy")) {
    std::string p = rn_.attrs.get_string("keep_aspect_ratio_policy");
    if (p != "stretch")
      return err(ErrorCode::kUnsupportedAttr, "attribute 'keep_aspect_ratio_policy' = \"", p,
                 "\" is not supported (only \"stretch\")");
    rn_.attrs.erase("keep_aspect_ratio_policy");
  }
  if (rn_.attrs.has("axes")) return err(ErrorCode::kUnsupportedAttr, "attribute 'axes' is not supported");
  return emit_main(OpKind::kResize);
}

// ---- BatchNormalization: inference form, 5 inputs / 1 output -----------------------------------
Status Canonicalizer::batch_norm() {
  if (rn_.attrs.has("spatial")) {
    // spatial=0 (opset < 9) normalises per activation, which the canonical op cannot express.
    if (rn_.attrs.get_int("spatial") == 0)
      return err(ErrorCode::kUnsupportedAttr, "attribute 'spatial' = 0 is not supported");
    rn_.attrs.erase("spatial");
  }
  rn_.attrs.erase("is_test");
  rn_.attrs.erase("consumed_inputs");
  if (rn_.attrs.has("training_mode")) {
    if (rn_.attrs.get_int("training_mode") != 0)
      return err(ErrorCode::kUnsupportedAttr, "attribute 'training_mode' = 1 is not supported (inference only)");
    rn_.attrs.erase("training_mode");
  }
  for (size_t i = 1; i < rn_.outputs.size(); ++i)
    if (output_used(i))
      return err(ErrorCode::kUnsupportedAttr, "output ", i, " '", rn_.outputs[i]->name(),
                 "' (training statistics) is used; only inference BatchNormalization is supported");
  if (rn_.outputs.size() > 1) rn_.outputs.resize(1);
  return emit_main(OpKind::kBatchNormalization);
}

// ---- Dropout: inference identity; the optional mask output is all true ---------------------------
Status Canonicalizer::dropout() {
  // ratio/is_test attributes (< 12) only matter in training.
  rn_.attrs.erase("ratio");
  rn_.attrs.erase("is_test");
  if (Value* tm = input(2);
      tm && tm->is_constant() && tm->const_value()->numel() == 1 && tm->const_value()->get_as_double(0) != 0.0)
    return err(ErrorCode::kUnsupportedAttr, "input 'training_mode' is true; only inference Dropout is supported");
  if (rn_.outputs.size() > 1 && !output_used(1)) rn_.outputs.resize(1);
  return emit_main(OpKind::kDropout);
}

// ---- Softmax/LogSoftmax < 13: 2-D coercion at `axis` → Flatten → Softmax(axis=1) → Reshape -------
// Before opset 13 the op flattened the input to [prod(d0..d(axis-1)), prod(d(axis)..)] and
// normalised each row. That equals the opset-13 op when axis is the last axis, so the rewrite is
// only emitted when that cannot be established from the declared rank.
// ---- opsets 1-6: explicit broadcasting → numpy broadcasting ------------------------------------
// Before opset 7, binary ops broadcast only with broadcast=1, and then B's shape matches a
// contiguous run of A's dims starting at `axis` (default: B aligned to A's trailing dims). Numpy
// broadcasting aligns trailing dims, so appending (rank(A) - axis - rank(B)) unit dims to B gives the
// same result. PRelu-6's 1-D slope is per channel (dim 1), which likewise becomes [C, 1, ..., 1].
Status Canonicalizer::unsqueeze_trailing(size_t slot, int64_t count) {
  Value* b = input(slot);
  const int64_t rank_b = static_cast<int64_t>(b->shape().size());
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < count; ++i) axes.push_back(rank_b + i);
  Value* out = g_.add_unique_value(b->name() + "_legacy_bcast");
  NPUKIT_RETURN_IF_ERROR(emit(OpKind::kUnsqueeze, gb_.unique_node_name(rn_.name + "/legacy_bcast"),
                              {b, const_i64("legacy_bcast_axes", axes)}, {out}, {})
                             .status());
  set_input(slot, out);
  return Status::Ok();
}

Status Canonicalizer::legacy_broadcast(OpKind kind) {
  switch (kind) {
    case OpKind::kGemm:  // C broadcasting became unconditional (unidirectional) in opset 7
      rn_.attrs.erase("broadcast");
      return Status::Ok();
    case OpKind::kPRelu: {
      Value* x = input(0);
      Value* slope = input(1);
      if (x && slope && x->has_type() && slope->has_type() && slope->shape().size() == 1 && x->shape().size() > 2 &&
          slope->shape()[0] != 1)
        return unsqueeze_trailing(1, static_cast<int64_t>(x->shape().size()) - 2);
      return Status::Ok();
    }
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul:
    case OpKind::kDiv:
    case OpKind::kPow:
    case OpKind::kEqual:
    case OpKind::kGreater:
    case OpKind::kLess:
    case OpKind::kAnd:
    case OpKind::kOr: break;
    default: return Status::Ok();
  }
  const bool bcast = rn_.attrs.get_int("broadcast", 0) != 0;
  const bool has_axis = rn_.attrs.has("axis");
  const int64_t axis = rn_.attrs.get_int("axis", 0);
  rn_.attrs.erase("broadcast");
  rn_.attrs.erase("axis");
  if (!bcast || !has_axis) return Status::Ok();  // same shapes, or trailing alignment = numpy's rule
  Value* a = input(0);
  Value* b = input(1);
  if (!a || !b || !a->has_type() || !b->has_type())
    return err(ErrorCode::kUnsupportedAttr, "legacy broadcast with axis=", axis,
               " needs the ranks of both inputs (declare their types in the model)");
  const int64_t rank_a = static_cast<int64_t>(a->shape().size());
  const int64_t rank_b = static_cast<int64_t>(b->shape().size());
  const int64_t ax = axis < 0 ? axis + rank_a : axis;
  if (ax < 0 || ax + rank_b > rank_a)
    return err(ErrorCode::kInvalidModel, "legacy broadcast axis ", axis, " does not fit B of rank ", rank_b,
               " into A of rank ", rank_a);
  const int64_t trailing = rank_a - ax - rank_b;
  return trailing > 0 ? unsqueeze_trailing(1, trailing) : Status::Ok();
}

Status Canonicalizer::softmax(OpKind kind) {
  if (st_.opset >= 13) return emit_main(kind);
  const int64_t axis = rn_.attrs.has("axis") ? rn_.attrs.get_int("axis") : 1;  // old default: 1
  Value* x = input(0);
  if (!x) return err(ErrorCode::kInvalidModel, "missing input 'input'");
  bool last = axis == -1;
  if (x->has_type()) {
    const int64_t rank = static_cast<int64_t>(x->shape().size());
    if (rank > 0 && (axis == rank - 1 || axis + rank == rank - 1)) last = true;
  }
  if (last) {
    rn_.attrs.set("axis", axis);
    return emit_main(kind);
  }
  Value* y = rn_.outputs.empty() ? nullptr : rn_.outputs[0];
  if (!y) return err(ErrorCode::kInvalidModel, "missing output");
  Value* shp = g_.add_unique_value(rn_.name + "_in_shape");
  Value* flat = g_.add_unique_value(rn_.name + "_2d_in");
  Value* sm = g_.add_unique_value(rn_.name + "_2d_out");
  Attrs fa;
  fa.set("axis", axis);
  Attrs sa;
  sa.set("axis", int64_t{1});
  NPUKIT_RETURN_IF_ERROR(emit(OpKind::kShape, gb_.unique_node_name(rn_.name + "/shape"), {x}, {shp}, {}).status());
  NPUKIT_RETURN_IF_ERROR(
      emit(OpKind::kFlatten, gb_.unique_node_name(rn_.name + "/flatten"), {x}, {flat}, std::move(fa)).status());
  NPUKIT_RETURN_IF_ERROR(emit(kind, rn_.name, {flat}, {sm}, std::move(sa)).status());
  NPUKIT_RETURN_IF_ERROR(
      emit(OpKind::kReshape, gb_.unique_node_name(rn_.name + "/reshape"), {sm, shp}, {y}, {}).status());
  return Status::Ok();
}

Status Canonicalizer::run() {
  const std::string& op = rn_.op_type;
  // Only If carries subgraphs. Reject others before anything is dropped: a discarded subgraph
  // would leave its nodes in the use lists of the outer values it reads.
  if (op != "If" && !rn_.subgraphs.empty()) {
    for (auto& [k, sg] : rn_.subgraphs) detach_graph(*sg);
    if (!ir::find_op(op))
      return make_error(ErrorCode::kUnsupportedOp, "op ", op, " (node '", rn_.name,
                        "') is not supported; supported ops: see docs/SUPPORTED_OPS.md");
    return err(ErrorCode::kUnsupportedAttr, "graph attribute '", rn_.subgraphs.begin()->first, "' is not supported");
  }
  if (!rn_.domain.empty()) {
    // npukit-domain ops have one form (version 1): no canonicalisation, only the schema check of emit_main.
    const ir::OpInfo* qinfo = ir::find_op(rn_.domain, op);
    if (!qinfo)
      return make_error(ErrorCode::kUnsupportedOp, "op ", rn_.domain, "::", op, " (node '", rn_.name,
                        "') is not an op of domain '", rn_.domain, "'; supported ops: see docs/SUPPORTED_OPS.md");
    return emit_main(qinfo->kind);
  }
  if (op == "Constant") return constant();
  if (op == "Upsample") return upsample();
  const ir::OpInfo* info = ir::find_op(op);
  if (!info)
    return make_error(ErrorCode::kUnsupportedOp, "op ", op, " (node '", rn_.name,
                      "') is not supported; supported ops: see docs/SUPPORTED_OPS.md");
  if (st_.opset < info->since_opset)
    return make_error(ErrorCode::kUnsupportedOp, "op ", op, " (node '", rn_.name,
                      "') needs opset >= ", info->since_opset, ", the model declares opset ", st_.opset);
  if (st_.opset < 7) NPUKIT_RETURN_IF_ERROR(legacy_broadcast(info->kind));
  switch (info->kind) {
    // Squeeze/Unsqueeze: axes attribute (< 13) → constant input 1.
    case OpKind::kSqueeze:
    case OpKind::kUnsqueeze:
      if (st_.opset < 13) attr_to_i64_input("axes", 1);
      return emit_main(info->kind);
    case OpKind::kSplit: return split();
    // ReduceSum: axes attribute (< 13) → constant input 1.
    case OpKind::kReduceSum:
      if (st_.opset < 13) attr_to_i64_input("axes", 1);
      return emit_main(info->kind);
    case OpKind::kReduceMean:
    case OpKind::kReduceMax:
    case OpKind::kReduceMin:
      if (st_.opset >= 18) return reduce_axes_input_to_attr();
      return emit_main(info->kind);
    // Clip: min/max attributes (< 11) → constant inputs 1, 2 (absent stays absent).
    case OpKind::kClip:
      if (st_.opset < 11) {
        if (rn_.attrs.has("min")) set_input(1, const_f32("min", rn_.attrs.get_float("min")));
        if (rn_.attrs.has("max")) set_input(2, const_f32("max", rn_.attrs.get_float("max")));
        rn_.attrs.erase("min");
        rn_.attrs.erase("max");
      }
      return emit_main(info->kind);
    // Slice: starts/ends/axes attributes (< 10) → constant inputs 1, 2, 3.
    case OpKind::kSlice:
      if (st_.opset < 10) {
        attr_to_i64_input("starts", 1);
        attr_to_i64_input("ends", 2);
        attr_to_i64_input("axes", 3);
      }
      return emit_main(info->kind);
    case OpKind::kPad: return pad();
    case OpKind::kResize: return resize();
    case OpKind::kBatchNormalization: return batch_norm();
    case OpKind::kDropout: return dropout();
    // LayerNormalization: Mean / InvStdDev are computed when used; trailing unused ones are dropped.
    case OpKind::kLayerNormalization:
      while (rn_.outputs.size() > 1 && !output_used(rn_.outputs.size() - 1)) rn_.outputs.pop_back();
      return emit_main(info->kind);
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax: return softmax(info->kind);
    case OpKind::kIf:
      if (!rn_.subgraphs.count("then_branch") || !rn_.subgraphs.count("else_branch"))
        return err(ErrorCode::kInvalidModel, "needs graph attributes 'then_branch' and 'else_branch'");
      return emit_main(info->kind);
    default: return emit_main(info->kind);
  }
}

}  // namespace

Status canonicalize_and_emit(ImportState& st, GraphBuild& gb, RawNode rn) {
  Canonicalizer c(st, gb, rn);
  return c.run();
}

}  // namespace npukit::frontend::detail
