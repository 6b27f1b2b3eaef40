// SPDX-License-Identifier: Apache-2.0
// frontend (internal): the Caffe importer's shared parts. CaffeBuilder translates one prototxt layer at a time
// into IR nodes; its members are defined by theme in caffe_import.cpp (inputs, dispatch, net outputs),
// caffe_parse.cpp (prototxt / caffemodel parsing, blobs), caffe_layers_conv.cpp (Convolution, Deconvolution,
// InnerProduct, Pooling, LRN), caffe_layers_pointwise.cpp (activations, Power, Exp, Log, BatchNorm, Scale, Bias)
// and caffe_layers_tensor.cpp (Eltwise, Concat, Slice, Split, Dropout, Silence, Softmax, Flatten, Reshape, Crop).
// This header includes the generated protobuf classes and must not be included outside src/frontend/.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "frontend/caffe.pb.h"
#include "ir/graph.h"
#include "ir/op_table.h"

namespace npukit::frontend::caffe_detail {

using ir::OpKind;
using ir::Value;

// ---- parsing (caffe_parse.cpp) ----
Status parse_prototxt(const std::string& text, const std::string& name, caffe::NetParameter* net,
                      std::vector<std::string>* warnings);
bool parse_binary(const std::string& bytes, google::protobuf::Message* msg);

// ---- small helpers (caffe_parse.cpp) ----
int64_t product(const Shape& s, size_t begin, size_t end);
Shape squeeze_ones(const Shape& s);
Tensor f32_tensor(const std::vector<float>& v, Shape shape);
Tensor i64_tensor(const std::vector<int64_t>& v);

// ---------------------------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------------------------

struct BlobState {
  Value* value = nullptr;
  bool consumed = false;  ///< read by a layer since it was last written
};

class CaffeBuilder {
 public:
  CaffeBuilder(ir::Model& model, std::string weights_file)
      : model_(model), g_(model.graph), weights_file_(std::move(weights_file)) {}

  /// Indexes the caffemodel's layers by name.
  void add_weights(const caffe::NetParameter& w) {
    for (const auto& l : w.layer())
      if (!weights_.count(l.name())) weights_[l.name()] = &l.blobs();
    for (const auto& l : w.layers())
      if (!weights_.count(l.name())) weights_[l.name()] = &l.blobs();
  }

  Status legacy_inputs(const caffe::NetParameter& net);
  Status layer(const caffe::LayerParameter& lp);
  Status finish();

 private:
  // ---- context for messages ----
  std::string where() const { return str_cat("layer '", lp_->name(), "' (", lp_->type(), ")"); }
  template <class... Args>
  Status err(ErrorCode code, const Args&... args) const {
    return make_error(code, where(), ": ", args...);
  }

  // ---- blobs ----
  Expected<Value*> bottom(int i) {
    if (i >= lp_->bottom_size())
      return err(ErrorCode::kInvalidModel, "needs bottom ", i, " but has ", lp_->bottom_size());
    const std::string& b = lp_->bottom(i);
    auto it = blobs_.find(b);
    if (it == blobs_.end())
      return err(ErrorCode::kInvalidModel, "bottom '", b, "' is not produced by any earlier layer or input");
    it->second.consumed = true;
    return it->second.value;
  }
  void bind(const std::string& top, Value* v) {
    if (!blobs_.count(top)) blob_order_.push_back(top);
    blobs_[top] = BlobState{v, false};
  }
  Status expect_counts(int min_bottom, int max_bottom, int min_top, int max_top) const {
    if (lp_->bottom_size() < min_bottom || lp_->bottom_size() > max_bottom)
      return err(ErrorCode::kInvalidModel, "has ", lp_->bottom_size(), " bottom(s), expected ",
                 min_bottom == max_bottom ? str_cat(min_bottom) : str_cat(min_bottom, "..", max_bottom));
    if (lp_->top_size() < min_top || lp_->top_size() > max_top)
      return err(ErrorCode::kInvalidModel, "has ", lp_->top_size(), " top(s), expected ",
                 min_top == max_top ? str_cat(min_top) : str_cat(min_top, "..", max_top));
    return Status::Ok();
  }
  // Name for the value written to `top`: the blob name on first write, "<blob>/<layer>" for in-place writes.
  std::string top_hint(const std::string& top) const {
    if (!blobs_.count(top) && !g_.find_value(top)) return top;
    return top + "/" + lp_->name();
  }

  // ---- nodes ----
  std::string node_name(const std::string& suffix) {
    std::string base = suffix.empty() ? lp_->name() : lp_->name() + "/" + suffix;
    if (base.empty()) base = lp_->type();
    std::string n = base;
    for (int i = 1; node_names_.count(n); ++i) n = base + "_" + std::to_string(i);
    node_names_.insert(n);
    return n;
  }
  /// Adds one node with output names from `out_hints` and types from the op's shape inference.
  Expected<std::vector<Value*>> emit_n(OpKind op, const std::string& suffix, const std::vector<Value*>& ins,
                                       Attrs attrs, const std::vector<std::string>& out_hints) {
    const std::string name = node_name(suffix);
    NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(op, name, attrs).with_context(where()));
    std::vector<ir::TensorInfo> infos(ins.size());
    for (size_t i = 0; i < ins.size(); ++i)
      if (ins[i]) infos[i] = ir::TensorInfo{true, ins[i]->dtype(), ins[i]->shape(), ins[i]->const_value()};
    const ir::OpInfo& info = ir::op_info(op);
    ir::InferContext ctx{info.name, name, attrs, infos, out_hints.size()};
    auto types = info.infer(ctx);
    if (!types.ok()) return types.status().with_context(where());
    std::vector<Value*> outs;
    for (size_t i = 0; i < out_hints.size(); ++i) {
      Value* v = g_.add_unique_value(out_hints[i]);
      v->set_type((*types)[i].dtype, (*types)[i].shape);
      outs.push_back(v);
    }
    auto n = g_.add_node(op, name, ins, outs, std::move(attrs));
    if (!n.ok()) return n.status().with_context(where());
    (*n)->origin() = {lp_->name()};
    last_node_ = *n;
    return outs;
  }
  Expected<Value*> emit(OpKind op, const std::string& suffix, const std::vector<Value*>& ins, Attrs attrs,
                        const std::string& out_hint) {
    NPUKIT_ASSIGN_OR_RETURN(auto outs, emit_n(op, suffix, ins, std::move(attrs), {out_hint}));
    return outs[0];
  }
  Value* constant(const std::string& suffix, Tensor t) {
    return g_.add_constant(lp_->name() + "/" + suffix, std::move(t));
  }
  Value* scalar(const std::string& suffix, float v) { return constant(suffix, Tensor::scalar<float>(v)); }
  std::string tmp(const std::string& suffix) const { return lp_->name() + "/" + suffix; }

  // ---- weights ----
  Expected<std::vector<Tensor>> blobs(int min_count, int max_count);
  Status check_blob_shape(const Tensor& t, int index, const char* what, const Shape& expected) const;

  // ---- layers ----
  Status input_layer();
  Status conv_layer(bool deconv);
  Status inner_product();
  Status pooling();
  Status unary(OpKind op, Attrs attrs = {});
  Status prelu();
  Status batch_norm();
  Status scale_or_bias(bool is_scale);
  Status eltwise();
  Status concat();
  Status slice();
  Status split();
  Status softmax();
  Status flatten();
  Status reshape();
  Status crop();
  Status dropout();
  Status lrn();
  Status power();
  Status exp_log(bool is_exp);
  Status silence();

  ir::Model& model_;
  ir::Graph& g_;
  std::string weights_file_;
  std::map<std::string, const google::protobuf::RepeatedPtrField<caffe::BlobProto>*> weights_;
  std::map<std::string, BlobState> blobs_;
  std::vector<std::string> blob_order_;
  std::set<std::string> node_names_;
  const caffe::LayerParameter* lp_ = nullptr;
  ir::Node* last_node_ = nullptr;
  /// BatchNormalization nodes whose scale/bias are still the identity (candidates for Scale fusion).
  std::set<const ir::Node*> plain_bn_;
};

}  // namespace npukit::frontend::caffe_detail
