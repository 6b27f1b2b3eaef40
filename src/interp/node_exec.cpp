// SPDX-License-Identifier: Apache-2.0
// interp: per-node type inference and kernel execution (shared by resolve and the interpreter).
#include <string>

#include "interp/internal.h"
#include "interp/interpreter.h"

namespace npukit::interp {

namespace internal {

std::string type_str(DType dtype, const Shape& shape) {
  return str_cat(dtype_name(dtype), shape_str(shape));
}

namespace {

std::string node_where(const ir::Node& node) {
  return str_cat(node.op_type(), " '", node.name(), "'");
}

// If: the output types are the branch output types. Both branches must agree because the IR keeps
// one static type per value (a data-dependent shape would make everything downstream dynamic).
Expected<std::vector<ir::TensorType>> if_types(const ir::Node& node, std::span<const ir::TensorInfo> inputs) {
  const std::string where = node_where(node);
  if (inputs.empty() || !inputs[0].present)
    return make_error(ErrorCode::kInvalidModel, where, ": missing condition input");
  const ir::TensorInfo& cond = inputs[0];
  if (cond.dtype != DType::kBool)
    return make_error(ErrorCode::kShapeMismatch, where, ": condition must be bool, got ", dtype_name(cond.dtype));
  if (numel(cond.shape) != 1)
    return make_error(ErrorCode::kShapeMismatch, where, ": condition must have one element, got shape ",
                      shape_str(cond.shape));
  auto& sgs = node.subgraphs();
  auto then_it = sgs.find("then_branch");
  auto else_it = sgs.find("else_branch");
  if (then_it == sgs.end() || else_it == sgs.end() || !then_it->second || !else_it->second)
    return make_error(ErrorCode::kInvalidModel, where, ": needs subgraphs then_branch and else_branch");
  const ir::Graph& tg = *then_it->second;
  const ir::Graph& eg = *else_it->second;
  if (tg.outputs().size() != node.num_outputs() || eg.outputs().size() != node.num_outputs())
    return make_error(ErrorCode::kInvalidModel, where, ": has ", node.num_outputs(), " outputs but then_branch has ",
                      tg.outputs().size(), " and else_branch ", eg.outputs().size());
  std::vector<ir::TensorType> out;
  for (size_t i = 0; i < node.num_outputs(); ++i) {
    const ir::Value* t = tg.outputs()[i];
    const ir::Value* e = eg.outputs()[i];
    if (!t->has_type() || !e->has_type())
      return make_error(ErrorCode::kShapeMismatch, where, ": branch output ", i, " has no static type");
    if (t->dtype() != e->dtype() || t->shape() != e->shape())
      return make_error(ErrorCode::kShapeMismatch, where, ": branches disagree on output ", i, " ('",
                        node.output(i)->name(), "'): then_branch gives ", type_str(t->dtype(), t->shape()),
                        ", else_branch gives ", type_str(e->dtype(), e->shape()),
                        "; only a constant condition can select between different shapes");
    out.push_back({t->dtype(), t->shape()});
  }
  return out;
}

}  // namespace

Expected<std::vector<ir::TensorType>> infer_types(const ir::Node& node, std::span<const ir::TensorInfo> inputs) {
  std::vector<ir::TensorType> types;
  if (node.op() == ir::OpKind::kIf) {
    NPUKIT_ASSIGN_OR_RETURN(types, if_types(node, inputs));
  } else {
    const ir::OpInfo& info = ir::op_info(node.op());
    ir::InferContext ctx{info.name, node.name(), node.attrs(), inputs, node.num_outputs()};
    NPUKIT_ASSIGN_OR_RETURN(types, info.infer(ctx));
  }
  if (types.size() < node.num_outputs())
    return make_error(ErrorCode::kInternal, node_where(node), ": shape inference gave ", types.size(),
                      " output types for ", node.num_outputs(), " outputs");
  for (size_t i = 0; i < types.size(); ++i) {
    if (types[i].dtype == DType::kUndefined || types[i].dtype == DType::kString)
      return make_error(ErrorCode::kInternal, node_where(node), ": shape inference gave no dtype for output ", i);
    auto n = checked_numel(types[i].shape);
    if (!n.ok()) return n.status().with_context(str_cat(node_where(node), ": output ", i));
  }
  return types;
}

Expected<std::vector<Tensor>> execute(const ir::Node& node, std::span<const Tensor* const> inputs,
                                      const std::vector<ir::TensorType>& types) {
  if (node.op() == ir::OpKind::kIf)
    return make_error(ErrorCode::kInternal, node_where(node), ": If is executed by the Interpreter, not a kernel");
  std::vector<Tensor> outs;
  outs.reserve(types.size());
  for (const auto& t : types) {
    auto a = Tensor::create(t.dtype, t.shape);
    if (!a.ok()) return a.status().with_context(node_where(node));
    outs.push_back(std::move(a).value());
  }
  ref::RefKernelFn fn = ref_kernel(node.op());
  if (!fn) return make_error(ErrorCode::kInternal, node_where(node), ": no reference kernel");
  ref::KernelArgs args{node.op_type(), node.name(), node.attrs(), inputs, std::span<Tensor>(outs)};
  NPUKIT_RETURN_IF_ERROR(fn(args));
  outs.resize(node.num_outputs());
  return outs;
}

}  // namespace internal

Status infer_node(ir::Node& node) {
  std::vector<ir::TensorInfo> infos(node.num_inputs());
  for (size_t i = 0; i < node.num_inputs(); ++i) {
    const ir::Value* v = node.input(i);
    if (!v) continue;
    if (!v->has_type())
      return make_error(ErrorCode::kShapeMismatch, node.op_type(), " '", node.name(), "': input ", i, " '", v->name(),
                        "' has no static type");
    infos[i] = ir::TensorInfo{true, v->dtype(), v->shape(), v->const_value()};
  }
  NPUKIT_ASSIGN_OR_RETURN(auto types, internal::infer_types(node, infos));
  for (size_t i = 0; i < node.num_outputs(); ++i) node.output(i)->set_type(types[i].dtype, types[i].shape);
  return Status::Ok();
}

Expected<std::vector<Tensor>> run_node(const ir::Node& node, std::span<const Tensor* const> inputs) {
  if (inputs.size() != node.num_inputs())
    return make_error(ErrorCode::kInvalidArgument, node.op_type(), " '", node.name(), "': got ", inputs.size(),
                      " input tensors for ", node.num_inputs(), " input slots");
  std::vector<ir::TensorInfo> infos(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i]) infos[i] = ir::TensorInfo{true, inputs[i]->dtype(), inputs[i]->shape(), inputs[i]};
  NPUKIT_ASSIGN_OR_RETURN(auto types, internal::infer_types(node, infos));
  return internal::execute(node, inputs, types);
}

}  // namespace npukit::interp
