// SPDX-License-Identifier: Apache-2.0
// frontend: IR → ONNX ModelProto at the canonical opset (ir::kCanonicalOpset, IR version 8).
// Constants become initializers (raw_data); every typed intermediate value gets a value_info;
// provenance travels in each node's doc_string ("npukit.origin\n<name>\n<name>...") and is
// restored by the importer.
#include "frontend/onnx_export.h"

#include "core/file_util.h"
#include "frontend/onnx_internal.h"

namespace npukit::frontend {
namespace {

using detail::dtype_to_onnx;

Status fill_value_info(const ir::Value* v, onnx::ValueInfoProto* vi) {
  vi->set_name(v->name());
  if (!v->has_type()) return Status::Ok();
  int32_t et = dtype_to_onnx(v->dtype());
  if (et == onnx::TensorProto::UNDEFINED)
    return make_error(ErrorCode::kUnsupportedAttr, "value '", v->name(), "': dtype ", dtype_name(v->dtype()),
                      " cannot be exported");
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(et);
  auto* shape = tt->mutable_shape();
  for (size_t i = 0; i < v->shape().size(); ++i) {
    auto* d = shape->add_dim();
    int64_t dim = v->shape()[i];
    if (dim >= 0)
      d->set_dim_value(dim);
    else if (i < v->dim_params.size() && !v->dim_params[i].empty())
      d->set_dim_param(v->dim_params[i]);
  }
  return Status::Ok();
}

Status export_graph(const ir::Graph& g, onnx::GraphProto* gp);

/// 16-bit QuantizeLinear / DequantizeLinear (int16 / uint16 codes) need ONNX opset 21; at npukit's export
/// opset 17 they are written in ONNX Runtime's "com.microsoft" domain, whose QuantizeLinear /
/// DequantizeLinear have the same inputs, attributes and semantics and accept 16-bit codes.
constexpr const char* kMicrosoftDomain = "com.microsoft";

bool is_16bit_qdq(const ir::Node& n) {
  const ir::Value* code = nullptr;
  if (n.op() == ir::OpKind::kQuantizeLinear) code = n.output(0);
  if (n.op() == ir::OpKind::kDequantizeLinear) code = n.input(0);
  return code && (code->dtype() == DType::kI16 || code->dtype() == DType::kU16);
}

bool uses_microsoft_domain(const ir::Graph& g) {
  for (const ir::Node* n : g.nodes()) {
    if (is_16bit_qdq(*n)) return true;
    for (const auto& [k, sg] : n->subgraphs())
      if (sg && uses_microsoft_domain(*sg)) return true;
  }
  return false;
}

/// True when `g` (or a nested subgraph) has a node of the "npukit" domain: the model then needs an
/// opset_import entry for it.
bool uses_npukit_domain(const ir::Graph& g) {
  for (const ir::Node* n : g.nodes()) {
    if (!ir::is_default_domain_op(ir::op_info(n->op()))) return true;
    for (const auto& [k, sg] : n->subgraphs())
      if (sg && uses_npukit_domain(*sg)) return true;
  }
  return false;
}

Status export_attr(const std::string& name, const AttrValue& v, onnx::AttributeProto* a) {
  using AP = onnx::AttributeProto;
  a->set_name(name);
  switch (attr_value_type(v)) {
    case AttrType::kInt:
      a->set_type(AP::INT);
      a->set_i(std::get<int64_t>(v));
      break;
    case AttrType::kFloat:
      a->set_type(AP::FLOAT);
      a->set_f(std::get<float>(v));
      break;
    case AttrType::kString:
      a->set_type(AP::STRING);
      a->set_s(std::get<std::string>(v));
      break;
    case AttrType::kInts:
      a->set_type(AP::INTS);
      for (int64_t x : std::get<std::vector<int64_t>>(v)) a->add_ints(x);
      break;
    case AttrType::kFloats:
      a->set_type(AP::FLOATS);
      for (float x : std::get<std::vector<float>>(v)) a->add_floats(x);
      break;
    case AttrType::kStrings:
      a->set_type(AP::STRINGS);
      for (const auto& x : std::get<std::vector<std::string>>(v)) a->add_strings(x);
      break;
    case AttrType::kTensor: {
      const Tensor& t = std::get<Tensor>(v);
      if (dtype_to_onnx(t.dtype()) == onnx::TensorProto::UNDEFINED)
        return make_error(ErrorCode::kUnsupportedAttr, "attribute '", name, "': dtype ", dtype_name(t.dtype()),
                          " cannot be exported");
      a->set_type(AP::TENSOR);
      detail::tensor_to_proto(t, "", a->mutable_t());
      break;
    }
  }
  return Status::Ok();
}

Status export_node(const ir::Node* n, onnx::NodeProto* np) {
  np->set_op_type(n->op_type());
  const ir::OpInfo& info = ir::op_info(n->op());
  if (!ir::is_default_domain_op(info)) np->set_domain(info.domain);
  if (is_16bit_qdq(*n)) np->set_domain(kMicrosoftDomain);
  np->set_name(n->name());
  for (const ir::Value* in : n->inputs()) np->add_input(in ? in->name() : std::string());
  for (const ir::Value* o : n->outputs()) np->add_output(o->name());
  const std::string where = std::string(n->op_type()) + " '" + n->name() + "'";
  for (const auto& [k, v] : n->attrs().all())
    NPUKIT_RETURN_IF_ERROR(export_attr(k, v, np->add_attribute()).with_context(where));
  for (const auto& [k, sg] : n->subgraphs()) {
    if (!sg) continue;
    auto* a = np->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::GRAPH);
    NPUKIT_RETURN_IF_ERROR(export_graph(*sg, a->mutable_g()).with_context(where + " " + k));
  }
  if (!n->origin().empty()) {
    std::string doc = detail::kOriginTag;
    for (const auto& o : n->origin()) doc += "\n" + o;
    np->set_doc_string(doc);
  }
  return Status::Ok();
}

Status export_graph(const ir::Graph& g, onnx::GraphProto* gp) {
  gp->set_name(g.name().empty() ? std::string("main") : g.name());
  for (const ir::Value* v : g.inputs()) NPUKIT_RETURN_IF_ERROR(fill_value_info(v, gp->add_input()));
  for (const ir::Value* v : g.values()) {
    if (!v->is_constant()) continue;
    const Tensor& t = *v->const_value();
    if (dtype_to_onnx(t.dtype()) == onnx::TensorProto::UNDEFINED)
      return make_error(ErrorCode::kUnsupportedAttr, "constant '", v->name(), "': dtype ", dtype_name(t.dtype()),
                        " cannot be exported");
    detail::tensor_to_proto(t, v->name(), gp->add_initializer());
  }
  for (const ir::Node* n : g.nodes()) NPUKIT_RETURN_IF_ERROR(export_node(n, gp->add_node()));
  for (const ir::Value* v : g.outputs()) NPUKIT_RETURN_IF_ERROR(fill_value_info(v, gp->add_output()));
  for (const ir::Value* v : g.values()) {
    if (v->is_constant() || v->is_graph_input() || v->is_graph_output() || !v->has_type()) continue;
    NPUKIT_RETURN_IF_ERROR(fill_value_info(v, gp->add_value_info()));
  }
  return Status::Ok();
}

}  // namespace

Expected<std::string> serialize_onnx(const ir::Model& model) {
  onnx::ModelProto mp;
  mp.set_ir_version(8);
  auto* os = mp.add_opset_import();
  os->set_domain("");
  os->set_version(ir::kCanonicalOpset);
  if (uses_npukit_domain(model.graph)) {
    auto* q = mp.add_opset_import();
    q->set_domain(ir::kNpukitDomain);
    q->set_version(ir::kNpukitDomainVersion);
  }
  if (uses_microsoft_domain(model.graph)) {
    auto* q = mp.add_opset_import();
    q->set_domain(kMicrosoftDomain);
    q->set_version(1);
  }
  mp.set_producer_name(model.producer_name.empty() ? std::string("npukit") : model.producer_name);
  if (!model.producer_version.empty()) mp.set_producer_version(model.producer_version);
  if (!model.doc_string.empty()) mp.set_doc_string(model.doc_string);
  for (const auto& [k, v] : model.metadata) {
    auto* p = mp.add_metadata_props();
    p->set_key(k);
    p->set_value(v);
  }
  NPUKIT_RETURN_IF_ERROR(export_graph(model.graph, mp.mutable_graph()));
  std::string bytes;
  if (mp.ByteSizeLong() > static_cast<size_t>(INT32_MAX))
    return make_error(ErrorCode::kOutOfRange, "model is larger than 2 GiB, the protobuf limit");
  if (!mp.SerializeToString(&bytes)) return make_error(ErrorCode::kInternal, "ONNX serialisation failed");
  return bytes;
}

Status save_onnx(const ir::Model& model, const std::string& path) {
  NPUKIT_ASSIGN_OR_RETURN(std::string bytes, serialize_onnx(model));
  return atomic_write_file(path, bytes);
}

}  // namespace npukit::frontend
