// SPDX-License-Identifier: Apache-2.0
#include "quant/qdq_import.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "core/text.h"

namespace npukit::quant {
namespace {

using ir::Node;
using ir::OpKind;
using ir::Value;

/// The parameters of one QuantizeLinear / DequantizeLinear: per tensor (one scale) or along `axis`.
struct NodeParams {
  std::vector<float> scales;
  std::vector<int32_t> zero_points;  ///< same length as scales
  DType code = DType::kU8;           ///< code dtype (ONNX default without a zero point: uint8)
  int64_t axis = -1;                 ///< normalised axis, -1 for per tensor
};

bool is_q_or_dq(OpKind k) {
  return k == OpKind::kQuantizeLinear || k == OpKind::kDequantizeLinear;
}

QRange code_range(DType t) {
  switch (t) {
    case DType::kI8: return kRangeI8;
    case DType::kU8: return kRangeU8;
    case DType::kI16: return kRangeI16;
    default: return kRangeI32;
  }
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

/// Reads scale / zero point of `n`; `rank` is the rank of the quantized tensor (for the axis).
Expected<NodeParams> read_params(const Node& n, size_t rank) {
  auto fail = [&](auto&&... parts) {
    return make_error(ErrorCode::kInvalidArgument, n.op_type(), " '", n.name(), "': ", parts...);
  };
  const Value* s = n.input(1);
  if (!s || !s->is_constant() || s->dtype() != DType::kF32)
    return fail("the scale must be an f32 constant (npukit keeps a model's own scales only when they are fixed)");
  NodeParams p;
  const Tensor& st = *s->const_value();
  p.scales.assign(st.data<float>(), st.data<float>() + st.numel());
  if (p.scales.empty()) return fail("empty scale");
  for (float v : p.scales)
    if (!(v > 0.0f) || !std::isfinite(v)) return fail("scale ", fmt(v), " is not a positive finite number");
  const Value* z = n.input(2);
  if (z) {
    if (!z->is_constant()) return fail("the zero point must be a constant");
    const Tensor& zt = *z->const_value();
    p.code = zt.dtype();
    if (zt.numel() != st.numel()) return fail("zero point and scale differ in length");
    for (int64_t i = 0; i < zt.numel(); ++i) {
      switch (p.code) {
        case DType::kI8: p.zero_points.push_back(zt.data<int8_t>()[i]); break;
        case DType::kU8: p.zero_points.push_back(zt.data<uint8_t>()[i]); break;
        case DType::kI16: p.zero_points.push_back(zt.data<int16_t>()[i]); break;
        case DType::kI32: p.zero_points.push_back(zt.data<int32_t>()[i]); break;
        default: return fail("code type ", dtype_name(p.code), " is not supported (int8, uint8, int16, int32)");
      }
    }
  } else {
    p.zero_points.assign(p.scales.size(), 0);
    if (n.op() == OpKind::kDequantizeLinear && n.input(0) && n.input(0)->has_type()) p.code = n.input(0)->dtype();
  }
  if (p.scales.size() > 1) {
    int64_t axis = n.attrs().get_int("axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(rank);
    if (axis < 0 || axis >= static_cast<int64_t>(rank)) return fail("axis out of range for a rank-", rank, " tensor");
    p.axis = axis;
  }
  return p;
}

/// Index into scales / zero points of element i of a tensor of `shape` quantized along p.axis.
struct ChannelOf {
  int64_t inner = 1, channels = 1;
  ChannelOf(const Shape& shape, int64_t axis) {
    if (axis < 0) return;
    channels = shape[static_cast<size_t>(axis)];
    for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  size_t operator()(int64_t i) const { return static_cast<size_t>((i / inner) % channels); }
};

class Importer {
 public:
  Importer(ir::Graph& g, bool allow_asymmetric) : g_(g), allow_asymmetric_(allow_asymmetric) {}

  Expected<ImportedQuant> run() {
    // 1. QuantizeLinear nodes, each with the DequantizeLinear nodes reading its codes.
    for (Node* q : g_.nodes()) {
      if (q->op() != OpKind::kQuantizeLinear) continue;
      Value* x = q->input(0);
      Value* codes = q->output(0);
      if (!x || !codes) return make_error(ErrorCode::kInvalidArgument, "QuantizeLinear '", q->name(), "' is malformed");
      if (codes->is_graph_output())
        return make_error(ErrorCode::kUnimplemented, "QuantizeLinear '", q->name(), "': the model outputs codes ('",
                          codes->name(), "'); npukit compiles models whose outputs are float");
      std::vector<Node*> dqs;
      for (Node* u : codes->users()) {
        if (u->op() != OpKind::kDequantizeLinear || u->input(0) != codes)
          return make_error(ErrorCode::kUnimplemented, "QuantizeLinear '", q->name(), "' feeds ", u->op_type(), " '",
                            u->name(), "'; npukit imports QDQ models whose codes go straight to DequantizeLinear");
        dqs.push_back(u);
      }
      NPUKIT_ASSIGN_OR_RETURN(NodeParams p, read_params(*q, x->shape().size()));
      if (p.code != DType::kI8 && p.code != DType::kU8 && p.code != DType::kI16)
        return make_error(ErrorCode::kUnimplemented, "QuantizeLinear '", q->name(), "': ", dtype_name(p.code),
                          " activations are not supported (int8, uint8, int16)");
      Value* replacement = x;
      if (x->is_constant()) {
        NPUKIT_ASSIGN_OR_RETURN(replacement, import_weight(*q, *x, p));
      } else {
        NPUKIT_RETURN_IF_ERROR(import_activation(*q, *x, p));
      }
      for (Node* dq : dqs) reroute(dq, replacement);
      dead_.push_back(q);
    }
    // 2. DequantizeLinear of constant codes (pre-quantized weights and int32 biases).
    for (Node* dq : g_.nodes()) {
      if (dq->op() != OpKind::kDequantizeLinear || is_dead(dq)) continue;
      Value* c = dq->input(0);
      if (!c || !c->is_constant()) {
        const Node* p = c ? c->producer() : nullptr;
        return make_error(ErrorCode::kUnimplemented, "DequantizeLinear '", dq->name(), "' reads codes '",
                          c ? c->name() : "", "' made by ", p ? p->op_type() : "the model input",
                          "; npukit imports QDQ models whose runtime codes come from QuantizeLinear");
      }
      NPUKIT_ASSIGN_OR_RETURN(NodeParams p, read_params(*dq, c->shape().size()));
      NPUKIT_ASSIGN_OR_RETURN(Value * w, import_constant_codes(*dq, *c, p));
      reroute(dq, w);
    }
    // 3. Drop the Q / DQ nodes; graph outputs get their names back.
    for (Node* n : dead_) g_.remove_node(n);
    g_.remove_dead_values();
    for (auto& [v, name] : output_names_) {
      if (v->is_graph_input() || g_.lookup_value(name)) continue;
      const std::string old = v->name();
      NPUKIT_RETURN_IF_ERROR(g_.rename_value(v, name));
      auto it = out_.activations.find(old);
      if (it != out_.activations.end()) {
        const QParams qp = it->second;
        out_.activations.erase(it);
        out_.activations[name] = qp;
      }
    }
    NPUKIT_RETURN_IF_ERROR(g_.topo_sort());
    NPUKIT_RETURN_IF_ERROR(g_.verify(false));
    return std::move(out_);
  }

 private:
  bool is_dead(const Node* n) const { return std::find(dead_.begin(), dead_.end(), n) != dead_.end(); }

  /// Readers of dq's output read `v` instead; dq is dropped.
  void reroute(Node* dq, Value* v) {
    Value* out = dq->output(0);
    if (out->is_graph_output()) output_names_.emplace_back(v, out->name());
    g_.replace_all_uses(out, v);
    dead_.push_back(dq);
  }

  Status import_activation(const Node& q, const Value& x, const NodeParams& p) {
    const QRange r = code_range(p.code);
    // The represented range of every channel, for the conversions.
    double lo = 0.0, hi = 0.0;
    for (size_t c = 0; c < p.scales.size(); ++c) {
      lo = std::min(lo, (static_cast<double>(r.qmin) - p.zero_points[c]) * p.scales[c]);
      hi = std::max(hi, (static_cast<double>(r.qmax) - p.zero_points[c]) * p.scales[c]);
    }
    QParams qp;
    std::string why;
    const bool per_tensor = p.scales.size() == 1;
    const bool symmetric = per_tensor && p.zero_points[0] == 0 && p.code != DType::kU8;
    if (symmetric) {
      qp = QParams{p.scales[0], 0, p.code == DType::kI16 ? kRangeI16 : kRangeI8};
    } else if (per_tensor && p.code == DType::kU8 && allow_asymmetric_) {
      qp = QParams{p.scales[0], p.zero_points[0], kRangeU8};
    } else {
      const int bits = p.code == DType::kI16 ? 16 : 8;
      const double t = std::max(-lo, hi);
      qp = QParams{symmetric_scale(static_cast<float>(t), bits), 0, bits == 16 ? kRangeI16 : kRangeI8};
      if (!per_tensor) {
        why = str_cat("per-channel activation scales (", p.scales.size(), " along axis ", p.axis,
                      ") -> one per-tensor scale covering every channel");
      } else {
        why = str_cat(dtype_name(p.code), " zero point ", p.zero_points[0], " (asymmetric) -> symmetric ",
                      dtype_name(bits == 16 ? DType::kI16 : DType::kI8), " over [", fmt(-t), ", ", fmt(t), "]",
                      p.code == DType::kU8 ? " (set optimization: asymmetric to keep uint8)" : "");
      }
      const float smallest = *std::min_element(p.scales.begin(), p.scales.end());
      why +=
          str_cat("; quantization step ", fmt(smallest), " -> ", fmt(qp.scale), " (x", fmt(qp.scale / smallest), ")");
    }
    auto [it, inserted] = out_.activations.emplace(x.name(), qp);
    if (!inserted) {
      const QParams& first = it->second;
      if (first.scale != qp.scale || first.zero_point != qp.zero_point || first.range.qmin != qp.range.qmin)
        out_.changes.push_back(str_cat("activation '", x.name(), "': quantized twice with different parameters (",
                                       "QuantizeLinear '", q.name(), "'); the first pair's scale ", fmt(first.scale),
                                       " is used"));
      return Status::Ok();
    }
    if (why.empty()) {
      ++out_.activations_kept;
    } else {
      ++out_.activations_changed;
      out_.changes.push_back(str_cat("activation '", x.name(), "': ", why));
    }
    return Status::Ok();
  }

  /// Q -> DQ on a float constant: the constant becomes its fake-quantized value.
  Expected<Value*> import_weight(const Node& q, const Value& w, const NodeParams& p) {
    if (w.dtype() != DType::kF32)
      return make_error(ErrorCode::kUnimplemented, "QuantizeLinear '", q.name(), "' quantizes a ",
                        dtype_name(w.dtype()), " constant");
    const Tensor& wt = *w.const_value();
    const ChannelOf ch(wt.shape(), p.axis);
    const QRange r = code_range(p.code);
    std::vector<int32_t> codes(static_cast<size_t>(wt.numel()));
    for (int64_t i = 0; i < wt.numel(); ++i) {
      const size_t c = ch(i);
      codes[static_cast<size_t>(i)] = quantize_value(wt.data<float>()[i], p.scales[c], p.zero_points[c], r);
    }
    return dequantized_constant(q, w.name(), wt.shape(), codes, p);
  }

  /// DQ on a constant of codes.
  Expected<Value*> import_constant_codes(const Node& dq, const Value& c, const NodeParams& p) {
    const Tensor& ct = *c.const_value();
    std::vector<int32_t> codes(static_cast<size_t>(ct.numel()));
    for (int64_t i = 0; i < ct.numel(); ++i) {
      switch (ct.dtype()) {
        case DType::kI8: codes[static_cast<size_t>(i)] = ct.data<int8_t>()[i]; break;
        case DType::kU8: codes[static_cast<size_t>(i)] = ct.data<uint8_t>()[i]; break;
        case DType::kI16: codes[static_cast<size_t>(i)] = ct.data<int16_t>()[i]; break;
        case DType::kI32: codes[static_cast<size_t>(i)] = ct.data<int32_t>()[i]; break;
        default:
          return make_error(ErrorCode::kUnimplemented, "DequantizeLinear '", dq.name(), "': ", dtype_name(ct.dtype()),
                            " codes are not supported (int8, uint8, int16, int32)");
      }
    }
    NodeParams pc = p;
    pc.code = ct.dtype();
    std::string name = c.name();
    return dequantized_constant(dq, name, ct.shape(), codes, pc);
  }

  /// A float constant codes * scale; records the weight scales when npukit can keep them (symmetric int8
  /// in [-127, 127]), otherwise reports the change.
  Expected<Value*> dequantized_constant(const Node& n, const std::string& name, const Shape& shape,
                                        const std::vector<int32_t>& codes, const NodeParams& p) {
    const ChannelOf ch(shape, p.axis);
    Tensor f(DType::kF32, shape);
    int64_t minus128 = 0;
    bool zero_zp = true;
    for (int32_t z : p.zero_points) zero_zp = zero_zp && z == 0;
    for (size_t i = 0; i < codes.size(); ++i) {
      const size_t c = ch(static_cast<int64_t>(i));
      f.data<float>()[i] = dequantize_value(codes[i], p.scales[c], p.zero_points[c]);
      if (codes[i] == -128) ++minus128;
    }
    const std::string base = name.empty() ? n.name() : name;
    Value* v = g_.add_constant(base + "_dequantized", std::move(f));
    if (p.code == DType::kI32) return v;  // a bias: npukit derives bias codes from input and weight scales
    if (p.code == DType::kI8 && zero_zp && minus128 == 0) {
      out_.weights[v->name()] = FixedWeightScales{p.scales, p.axis};
      ++out_.weights_kept;
      return v;
    }
    ++out_.weights_changed;
    std::string why;
    if (p.code != DType::kI8) why = str_cat(dtype_name(p.code), " codes");
    if (!zero_zp) why += str_cat(why.empty() ? "" : ", ", "non-zero zero points");
    if (minus128) why += str_cat(why.empty() ? "" : ", ", minus128, " code(s) of -128");
    out_.changes.push_back(str_cat("weight '", base, "' (", n.op_type(), " '", n.name(), "'): ", why,
                                   " -> re-quantized by npukit as symmetric int8 in [-127, 127], per channel, from "
                                   "the model's dequantized values"));
    return v;
  }

  ir::Graph& g_;
  bool allow_asymmetric_;
  ImportedQuant out_;
  std::vector<Node*> dead_;
  std::vector<std::pair<Value*, std::string>> output_names_;
};

}  // namespace

int count_qdq_nodes(const ir::Graph& g) {
  int n = 0;
  for (const Node* node : g.nodes()) n += is_q_or_dq(node->op()) ? 1 : 0;
  return n;
}

Expected<ImportedQuant> import_qdq(ir::Graph& g, bool allow_asymmetric) {
  return Importer(g, allow_asymmetric).run();
}

}  // namespace npukit::quant
