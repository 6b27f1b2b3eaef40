// SPDX-License-Identifier: Apache-2.0
// frontend: Caffe 1.0 prototxt + caffemodel → ir::Model (canonical form of src/ops.def).
//
// How the translation works:
//  * The prototxt is the topology; layers run in file order (Caffe's own rule). Blob names are not SSA in
//    Caffe (in-place layers such as ReLU write top == bottom), so the importer keeps, per blob name, the IR
//    value that currently holds it; every layer output is a fresh IR value.
//  * Caffe declares static input shapes, so every value is typed while the graph is built (each node's
//    output type comes from the op table's infer function). Caffe-specific decisions that need shapes
//    (pooling output sizes, InnerProduct's flattening, Scale's axes) are taken on those shapes.
//  * Weights come from the caffemodel's layer of the same name (V1 `layers` caffemodels too).
//  * Net outputs are Caffe's: blobs written and never read afterwards. The IR value of each output is
//    renamed to the blob name so users find "prob" etc. by the name they know.
#include "frontend/caffe_import.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <set>

#include "core/file_util.h"
#include "core/log.h"
#include "frontend/caffe.pb.h"
#include "ir/op_table.h"

namespace npukit::frontend {
namespace {

using ir::OpKind;
using ir::Value;

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

class TextErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    // The tokenizer counts from 0; editors count from 1.
    if (first_error.empty()) first_error = str_cat(line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    warnings.push_back(str_cat(line + 1, ":", column + 1, ": ", message));
  }
  std::string first_error;
  std::vector<std::string> warnings;
};

Status parse_prototxt(const std::string& text, const std::string& name, caffe::NetParameter* net,
                      std::vector<std::string>* warnings) {
  TextErrors errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  // Real prototxt files carry training-only parameters (data layers' transform_param, loss_param, fork
  // extensions) that this subset of caffe.proto does not declare. Unknown fields of a layer or of the net
  // are skipped with a warning. Inside the parameter messages of the layers npukit translates (declared
  // with all their Caffe 1.0 fields) an unknown field is a typo or a fork extension that may change the
  // result (e.g. a fused activation), so it is an error.
  parser.AllowUnknownField(true);
  if (!parser.ParseFromString(text, net))
    return make_error(ErrorCode::kInvalidModel, name, ":",
                      errors.first_error.empty() ? std::string(" not a valid prototxt") : errors.first_error);
  for (const std::string& w : errors.warnings) {
    const std::string key = "Message type \"caffe.";
    const size_t at = w.find(key);
    if (at == std::string::npos) continue;
    const size_t end = w.find('"', at + key.size());
    const std::string type = w.substr(at + key.size(), end == std::string::npos ? 0 : end - at - key.size());
    if (type != "LayerParameter" && type != "NetParameter" && type != "V1LayerParameter")
      return make_error(ErrorCode::kInvalidModel, name, ":", w,
                        " (an unknown field in a layer parameter npukit translates: a typo, or a fork extension "
                        "whose meaning npukit cannot honour)");
  }
  *warnings = std::move(errors.warnings);
  return Status::Ok();
}

bool parse_binary(const std::string& bytes, google::protobuf::Message* msg) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return false;
  google::protobuf::io::ArrayInputStream ais(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream cis(&ais);
  cis.SetTotalBytesLimit(INT_MAX);
  cis.SetRecursionLimit(64);
  return msg->ParseFromCodedStream(&cis) && cis.ConsumedEntireMessage();
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

int64_t product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
  return p;
}

Shape squeeze_ones(const Shape& s) {
  Shape r;
  for (int64_t d : s)
    if (d != 1) r.push_back(d);
  return r;
}

Tensor f32_tensor(const std::vector<float>& v, Shape shape) {
  return Tensor::from_vector<float>(v, std::move(shape));
}

Tensor i64_tensor(const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>(v, Shape{static_cast<int64_t>(v.size())});
}

// Caffe's NetStateRule check (net state: phase TEST, the net's level and stages).
bool state_meets_rule(const caffe::NetState& st, const caffe::NetStateRule& r) {
  if (r.has_phase() && r.phase() != st.phase()) return false;
  if (r.has_min_level() && st.level() < r.min_level()) return false;
  if (r.has_max_level() && st.level() > r.max_level()) return false;
  auto has_stage = [&](const std::string& s) {
    return std::find(st.stage().begin(), st.stage().end(), s) != st.stage().end();
  };
  for (const auto& s : r.stage())
    if (!has_stage(s)) return false;
  for (const auto& s : r.not_stage())
    if (has_stage(s)) return false;
  return true;
}

bool layer_included(const caffe::NetState& st, const caffe::LayerParameter& lp) {
  if (lp.include_size() > 0) {
    for (const auto& r : lp.include())
      if (state_meets_rule(st, r)) return true;
    return false;
  }
  for (const auto& r : lp.exclude())
    if (state_meets_rule(st, r)) return false;
  return true;
}

// Layer types that exist in Caffe but are not translated, with the reason shown to the user.
const char* unsupported_reason(const std::string& type) {
  static const std::map<std::string, const char*> kReasons = {
      {"Data", "a training data layer: use a deploy prototxt with an Input layer"},
      {"ImageData", "a training data layer: use a deploy prototxt with an Input layer"},
      {"HDF5Data", "a training data layer: use a deploy prototxt with an Input layer"},
      {"MemoryData", "a data layer: use a deploy prototxt with an Input layer"},
      {"WindowData", "a training data layer: use a deploy prototxt with an Input layer"},
      {"DummyData", "a data layer: use a deploy prototxt with an Input layer"},
      {"HDF5Output", "a training-time output layer"},
      {"SoftmaxWithLoss", "a loss layer: use a deploy prototxt (Softmax instead of SoftmaxWithLoss)"},
      {"EuclideanLoss", "a loss layer: use a deploy prototxt"},
      {"HingeLoss", "a loss layer: use a deploy prototxt"},
      {"InfogainLoss", "a loss layer: use a deploy prototxt"},
      {"MultinomialLogisticLoss", "a loss layer: use a deploy prototxt"},
      {"SigmoidCrossEntropyLoss", "a loss layer: use a deploy prototxt"},
      {"ContrastiveLoss", "a loss layer: use a deploy prototxt"},
      {"Accuracy", "an evaluation layer: use a deploy prototxt"},
      {"Python", "a Python layer: its code is not part of the model files"},
      {"Permute", "not a Caffe 1.0 layer (an SSD fork extension)"},
      {"PriorBox", "not a Caffe 1.0 layer (an SSD fork extension)"},
      {"DetectionOutput", "not a Caffe 1.0 layer (an SSD fork extension)"},
      {"Normalize", "not a Caffe 1.0 layer (an SSD fork extension)"},
      {"Upsample", "not a Caffe 1.0 layer (a fork extension)"},
      {"Interp", "not a Caffe 1.0 layer (a fork extension)"},
      {"ShuffleChannel", "not a Caffe 1.0 layer (a fork extension)"},
      {"DepthwiseConvolution", "not a Caffe 1.0 layer (a fork extension: use Convolution with group)"},
      {"ConvolutionDepthwise", "not a Caffe 1.0 layer (a fork extension: use Convolution with group)"},
      {"Region", "not a Caffe 1.0 layer (a YOLO fork extension)"},
      {"Reorg", "not a Caffe 1.0 layer (a YOLO fork extension)"},
      {"ROIPooling", "not a Caffe 1.0 layer (a Faster R-CNN fork extension)"},
      {"Proposal", "not a Caffe 1.0 layer (a Faster R-CNN fork extension)"},
      {"ArgMax", "not supported by npukit yet"},
      {"Embed", "not supported by npukit yet"},
      {"Filter", "not supported by npukit yet"},
      {"Im2col", "not supported by npukit yet"},
      {"LSTM", "not supported by npukit yet"},
      {"RNN", "not supported by npukit yet"},
      {"MVN", "not supported by npukit yet"},
      {"Reduction", "not supported by npukit yet"},
      {"SPP", "not supported by npukit yet"},
      {"Threshold", "not supported by npukit yet"},
      {"Tile", "not supported by npukit yet"},
      {"Parameter", "not supported by npukit yet"},
      {"BatchReindex", "not supported by npukit yet"},
  };
  auto it = kReasons.find(type);
  return it == kReasons.end() ? nullptr : it->second;
}

const char* kSupportedTypes =
    "Input, Convolution, Deconvolution, InnerProduct, Pooling, ReLU, PReLU, ELU, Sigmoid, TanH, AbsVal, BNLL, "
    "Power, Exp, Log, BatchNorm, Scale, Bias, Eltwise, Concat, Slice, Split, Softmax, Flatten, Reshape, Crop, "
    "Dropout, LRN, Silence";

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

// ---------------------------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------------------------

Expected<Tensor> blob_to_tensor(const caffe::BlobProto& b, const std::string& what) {
  Shape s;
  if (b.has_shape()) {
    for (int64_t d : b.shape().dim()) {
      if (d < 0) return make_error(ErrorCode::kInvalidModel, what, ": negative dim ", d);
      s.push_back(d);
    }
    if (s.size() > kMaxRank) return make_error(ErrorCode::kInvalidModel, what, ": rank ", s.size(), " too large");
  } else if (b.has_num() || b.has_channels() || b.has_height() || b.has_width()) {
    s = {b.num(), b.channels(), b.height(), b.width()};
    for (int64_t d : s)
      if (d < 0) return make_error(ErrorCode::kInvalidModel, what, ": negative legacy dim ", d);
  }
  auto n = checked_numel(s);
  if (!n.ok()) return n.status().with_context(what);
  if (b.data_size() > 0) {
    if (b.data_size() != *n)
      return make_error(ErrorCode::kInvalidModel, what, ": has ", b.data_size(), " values but its shape ", shape_str(s),
                        " needs ", *n);
    Tensor t(DType::kF32, s);
    std::copy(b.data().begin(), b.data().end(), t.data<float>());
    return t;
  }
  if (b.double_data_size() > 0) {
    if (b.double_data_size() != *n)
      return make_error(ErrorCode::kInvalidModel, what, ": has ", b.double_data_size(), " values but its shape ",
                        shape_str(s), " needs ", *n);
    Tensor t(DType::kF32, s);
    for (int i = 0; i < b.double_data_size(); ++i) t.data<float>()[i] = static_cast<float>(b.double_data(i));
    return t;
  }
  if (*n != 0) return make_error(ErrorCode::kInvalidModel, what, ": shape ", shape_str(s), " but no data");
  return Tensor(DType::kF32, s);
}

Expected<std::vector<Tensor>> CaffeBuilder::blobs(int min_count, int max_count) {
  auto it = weights_.find(lp_->name());
  const google::protobuf::RepeatedPtrField<caffe::BlobProto>* list = nullptr;
  if (it != weights_.end() && it->second->size() > 0) list = it->second;
  // A prototxt may carry blobs itself (nets saved as text); the caffemodel wins when both do.
  if (!list && lp_->blobs_size() > 0) list = &lp_->blobs();
  if (!list)
    return err(ErrorCode::kInvalidModel, "has no weights in ", weights_file_,
               it == weights_.end() ? " (no layer of that name)" : " (the layer of that name has no blobs)");
  if (list->size() < min_count || list->size() > max_count)
    return err(ErrorCode::kInvalidModel, weights_file_, " gives ", list->size(), " blob(s), expected ",
               min_count == max_count ? str_cat(min_count) : str_cat(min_count, "..", max_count));
  std::vector<Tensor> out;
  for (int i = 0; i < list->size(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(Tensor t, blob_to_tensor(list->Get(i), str_cat(where(), ": blob ", i)));
    out.push_back(std::move(t));
  }
  return out;
}

Status CaffeBuilder::check_blob_shape(const Tensor& t, int index, const char* what, const Shape& expected) const {
  if (t.shape() == expected) return Status::Ok();
  // Blobs written before BlobShape existed are 4-D (num, channels, height, width) with padding 1s,
  // e.g. an InnerProduct bias as [1,1,1,N]; Caffe accepts them by element count and non-1 dims.
  if (numel(t.shape()) == numel(expected) && squeeze_ones(t.shape()) == squeeze_ones(expected)) return Status::Ok();
  return err(ErrorCode::kShapeMismatch, "blob ", index, " (", what, ") has shape ", shape_str(t.shape()), ", expected ",
             shape_str(expected));
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

Expected<Shape> blob_shape(const caffe::BlobShape& bs, const std::string& what) {
  Shape s;
  for (int64_t d : bs.dim()) {
    if (d < 0) return make_error(ErrorCode::kInvalidModel, what, ": dim ", d, " is negative");
    s.push_back(d);
  }
  if (s.size() > kMaxRank) return make_error(ErrorCode::kInvalidModel, what, ": rank ", s.size(), " too large");
  NPUKIT_RETURN_IF_ERROR(checked_numel(s).status().with_context(what));
  return s;
}

Status add_graph_input(ir::Graph& g, const std::string& name, Shape shape, const std::string& what) {
  if (g.find_value(name)) return make_error(ErrorCode::kInvalidModel, what, ": input '", name, "' is defined twice");
  NPUKIT_ASSIGN_OR_RETURN(Value * v, g.add_value(name));
  v->set_type(DType::kF32, std::move(shape));
  g.add_input(v);
  return Status::Ok();
}

Status CaffeBuilder::legacy_inputs(const caffe::NetParameter& net) {
  if (net.input_size() == 0) {
    if (net.input_shape_size() || net.input_dim_size())
      return make_error(ErrorCode::kInvalidModel, "input_shape / input_dim given without input names");
    return Status::Ok();
  }
  const bool by_shape = net.input_shape_size() > 0;
  if (by_shape && net.input_shape_size() != net.input_size())
    return make_error(ErrorCode::kInvalidModel, "net has ", net.input_size(), " input(s) but ", net.input_shape_size(),
                      " input_shape(s)");
  if (!by_shape && net.input_dim_size() != 4 * net.input_size())
    return make_error(ErrorCode::kInvalidModel, "net has ", net.input_size(), " input(s) and ", net.input_dim_size(),
                      " input_dim values: legacy inputs need 4 (num, channels, height, width) each");
  for (int i = 0; i < net.input_size(); ++i) {
    const std::string what = str_cat("input '", net.input(i), "'");
    Shape s;
    if (by_shape) {
      NPUKIT_ASSIGN_OR_RETURN(s, blob_shape(net.input_shape(i), what));
    } else {
      for (int k = 0; k < 4; ++k) {
        int64_t d = net.input_dim(4 * i + k);
        if (d < 0) return make_error(ErrorCode::kInvalidModel, what, ": input_dim ", d, " is negative");
        s.push_back(d);
      }
    }
    NPUKIT_RETURN_IF_ERROR(add_graph_input(g_, net.input(i), s, what));
    bind(net.input(i), g_.find_value(net.input(i)));
  }
  return Status::Ok();
}

Status CaffeBuilder::input_layer() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(0, 0, 1, 1024));
  const auto& p = lp_->input_param();
  if (p.shape_size() == 0)
    return err(ErrorCode::kInvalidModel, "input_param has no shape (npukit needs static input shapes)");
  if (p.shape_size() != 1 && p.shape_size() != lp_->top_size())
    return err(ErrorCode::kInvalidModel, "has ", lp_->top_size(), " tops but ", p.shape_size(), " shapes");
  for (int i = 0; i < lp_->top_size(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(Shape s, blob_shape(p.shape(p.shape_size() == 1 ? 0 : i), where()));
    NPUKIT_RETURN_IF_ERROR(add_graph_input(g_, lp_->top(i), s, where()));
    bind(lp_->top(i), g_.find_value(lp_->top(i)));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Convolution / Deconvolution
// ---------------------------------------------------------------------------------------------

// Resolves a Caffe spatial parameter given as a repeated field (1 value for all dims, or one per dim)
// or as the 2-D *_h / *_w pair.
Expected<std::vector<int64_t>> spatial_values(const google::protobuf::RepeatedField<uint32_t>& list, bool has_h,
                                              bool has_w, uint32_t h, uint32_t w, size_t nsp, int64_t def,
                                              const char* name, const std::string& where) {
  if (has_h || has_w) {
    if (nsp != 2)
      return make_error(ErrorCode::kUnsupportedAttr, where, ": ", name, "_h/", name, "_w are only valid for 2-D input");
    if (!(has_h && has_w))
      return make_error(ErrorCode::kInvalidModel, where, ": ", name, "_h and ", name, "_w must be given together");
    if (!list.empty())
      return make_error(ErrorCode::kInvalidModel, where, ": give either ", name, " or ", name, "_h/", name, "_w");
    return std::vector<int64_t>{h, w};
  }
  if (list.empty()) {
    if (def < 0) return make_error(ErrorCode::kInvalidModel, where, ": ", name, " is required");
    return std::vector<int64_t>(nsp, def);
  }
  if (list.size() == 1) return std::vector<int64_t>(nsp, list[0]);
  if (static_cast<size_t>(list.size()) != nsp)
    return make_error(ErrorCode::kInvalidModel, where, ": ", name, " has ", list.size(), " values for ", nsp,
                      " spatial dims");
  return std::vector<int64_t>(list.begin(), list.end());
}

Status CaffeBuilder::conv_layer(bool deconv) {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1024, 1, 1024));
  if (lp_->bottom_size() != lp_->top_size())
    return err(ErrorCode::kInvalidModel, "has ", lp_->bottom_size(), " bottoms but ", lp_->top_size(), " tops");
  const auto& p = lp_->convolution_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x0, bottom(0));
  const Shape xs = x0->shape();
  if (xs.size() < 3) return err(ErrorCode::kShapeMismatch, "input must be N x C x spatial..., got ", shape_str(xs));
  auto axis = ir::normalize_axis(p.axis(), static_cast<int64_t>(xs.size()));
  if (!axis.ok() || *axis != 1)
    return err(ErrorCode::kUnsupportedAttr, "axis ", p.axis(), " is not supported (only the channel axis 1)");
  const size_t nsp = xs.size() - 2;
  const std::string w = where();
  NPUKIT_ASSIGN_OR_RETURN(auto kernel, spatial_values(p.kernel_size(), p.has_kernel_h(), p.has_kernel_w(), p.kernel_h(),
                                                      p.kernel_w(), nsp, -1, "kernel", w));
  NPUKIT_ASSIGN_OR_RETURN(auto stride, spatial_values(p.stride(), p.has_stride_h(), p.has_stride_w(), p.stride_h(),
                                                      p.stride_w(), nsp, 1, "stride", w));
  NPUKIT_ASSIGN_OR_RETURN(
      auto pad, spatial_values(p.pad(), p.has_pad_h(), p.has_pad_w(), p.pad_h(), p.pad_w(), nsp, 0, "pad", w));
  std::vector<int64_t> dil(nsp, 1);
  if (p.dilation_size() == 1)
    dil.assign(nsp, p.dilation(0));
  else if (static_cast<size_t>(p.dilation_size()) == nsp)
    dil.assign(p.dilation().begin(), p.dilation().end());
  else if (p.dilation_size() != 0)
    return err(ErrorCode::kInvalidModel, "dilation has ", p.dilation_size(), " values for ", nsp, " spatial dims");
  for (size_t i = 0; i < nsp; ++i)
    if (kernel[i] <= 0 || stride[i] <= 0 || dil[i] <= 0)
      return err(ErrorCode::kInvalidModel, "kernel, stride and dilation must be positive");
  const int64_t group = p.group(), cout = p.num_output(), cin = xs[1];
  if (cout <= 0) return err(ErrorCode::kInvalidModel, "num_output must be positive");
  if (group <= 0 || cin % group != 0 || cout % group != 0)
    return err(ErrorCode::kInvalidModel, "group ", group, " must divide the input channels ", cin, " and num_output ",
               cout);
  NPUKIT_ASSIGN_OR_RETURN(auto b, blobs(p.bias_term() ? 2 : 1, p.bias_term() ? 2 : 1));
  Shape wshape = deconv ? Shape{cin, cout / group} : Shape{cout, cin / group};
  wshape.insert(wshape.end(), kernel.begin(), kernel.end());
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[0], 0, "weights", wshape));
  Value* wv = constant("weights", b[0].reshaped(wshape));
  Value* bv = nullptr;
  if (p.bias_term()) {
    NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[1], 1, "bias", {cout}));
    bv = constant("bias", b[1].reshaped({cout}));
  }
  Attrs a;
  a.set("kernel_shape", kernel);
  a.set("strides", stride);
  std::vector<int64_t> pads = pad;
  pads.insert(pads.end(), pad.begin(), pad.end());
  a.set("pads", pads);
  a.set("dilations", dil);
  a.set("group", group);
  // Caffe applies the same filters to every bottom (bottom i → top i).
  for (int i = 0; i < lp_->bottom_size(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(i));
    if (x->shape().size() != xs.size() || x->shape()[1] != cin)
      return err(ErrorCode::kShapeMismatch, "bottom ", i, " shape ", shape_str(x->shape()), " does not match bottom 0 ",
                 shape_str(xs));
    std::vector<Value*> ins{x, wv};
    if (bv) ins.push_back(bv);
    NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(deconv ? OpKind::kConvTranspose : OpKind::kConv, i ? str_cat(i) : "", ins,
                                            a, top_hint(lp_->top(i))));
    bind(lp_->top(i), y);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// InnerProduct: y = x.reshape(M, K) · Wᵀ + b, with K = prod(shape[axis:]) and the leading dims kept.
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::inner_product() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->inner_product_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.empty()) return err(ErrorCode::kShapeMismatch, "input must have rank >= 1");
  auto axis_r = ir::normalize_axis(p.axis(), static_cast<int64_t>(xs.size()));
  if (!axis_r.ok())
    return err(ErrorCode::kInvalidModel, "axis ", p.axis(), " is out of range for input ", shape_str(xs));
  const size_t axis = static_cast<size_t>(*axis_r);
  const int64_t n = p.num_output(), k = product(xs, axis, xs.size());
  if (n <= 0) return err(ErrorCode::kInvalidModel, "num_output must be positive");
  NPUKIT_ASSIGN_OR_RETURN(auto b, blobs(p.bias_term() ? 2 : 1, p.bias_term() ? 2 : 1));
  const Shape wshape = p.transpose() ? Shape{k, n} : Shape{n, k};
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[0], 0, "weights", wshape));
  std::vector<Value*> gin;
  Value* x2 = x;
  if (!(axis == 1 && xs.size() == 2)) {
    Attrs fa;
    fa.set("axis", static_cast<int64_t>(axis));
    NPUKIT_ASSIGN_OR_RETURN(x2, emit(OpKind::kFlatten, "flatten", {x}, fa, tmp("flatten")));
  }
  gin = {x2, constant("weights", b[0].reshaped(wshape))};
  if (p.bias_term()) {
    NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[1], 1, "bias", {n}));
    gin.push_back(constant("bias", b[1].reshaped({n})));
  }
  Attrs ga;
  // Caffe stores W as [N, K] (y = x·Wᵀ); transpose=true stores [K, N].
  ga.set("transB", int64_t{p.transpose() ? 0 : 1});
  const bool reshape_back = axis != 1;
  NPUKIT_ASSIGN_OR_RETURN(Value * y,
                          emit(OpKind::kGemm, "", gin, ga, reshape_back ? tmp("gemm") : top_hint(lp_->top(0))));
  if (reshape_back) {
    // Output keeps the leading dims: shape[:axis] + [N]. The first dim is -1 so a changed batch still works.
    std::vector<int64_t> shape(xs.begin(), xs.begin() + axis);
    shape.push_back(n);
    if (axis > 0) shape[0] = -1;
    NPUKIT_ASSIGN_OR_RETURN(
        y, emit(OpKind::kReshape, "reshape", {y, constant("shape", i64_tensor(shape))}, {}, top_hint(lp_->top(0))));
  }
  bind(lp_->top(0), y);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Pooling
// ---------------------------------------------------------------------------------------------
//
// Caffe (pooling_layer.cpp) with round_mode CEIL (the default):
//   out = ceil((in + 2p - k) / s) + 1;  if (any pad != 0 && (out-1)*s >= in + p) --out;
//   MAX: max over the window clipped to the input.
//   AVE: sum over the window clipped to the input, divided by the window size clipped to [-p, in + p).
// npukit's MaxPool/AveragePool with symmetric pads p, count_include_pad=1 and ceil_mode=1 compute exactly
// this (ceil_mode drops a last window that starts at or beyond in + p, for every pad, and the
// count_include_pad divisor counts the window positions inside [-p, in + p)). The one difference: when all
// pads are 0 Caffe does not drop such a window (it then reads no input: -FLT_MAX for MAX, a divisor <= 0
// for AVE), so that configuration is rejected. When ceil and floor give the same size, ceil_mode=0 is used.

Status CaffeBuilder::pooling() {
  const auto& p = lp_->pooling_param();
  if (lp_->top_size() > 1)
    return err(ErrorCode::kUnsupportedAttr, "the second top (MAX pooling mask) is not supported");
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.size() != 4) return err(ErrorCode::kShapeMismatch, "input must be 4-D (N, C, H, W), got ", shape_str(xs));
  if (p.pool() == caffe::PoolingParameter::STOCHASTIC)
    return err(ErrorCode::kUnsupportedAttr, "pool: STOCHASTIC is not supported (only MAX and AVE)");
  const bool is_max = p.pool() == caffe::PoolingParameter::MAX;
  if (p.global_pooling()) {
    if (p.has_kernel_size() || p.has_kernel_h() || p.has_kernel_w())
      return err(ErrorCode::kInvalidModel, "global_pooling with a kernel size");
    if (p.pad() || p.pad_h() || p.pad_w() || (p.has_stride() && p.stride() != 1) ||
        (p.has_stride_h() && p.stride_h() != 1) || (p.has_stride_w() && p.stride_w() != 1))
      return err(ErrorCode::kInvalidModel, "global_pooling requires pad 0 and stride 1");
    NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(is_max ? OpKind::kGlobalMaxPool : OpKind::kGlobalAveragePool, "", {x}, {},
                                            top_hint(lp_->top(0))));
    bind(lp_->top(0), y);
    return Status::Ok();
  }
  int64_t kh, kw, sh, sw, ph, pw;
  if (p.has_kernel_size()) {
    if (p.has_kernel_h() || p.has_kernel_w())
      return err(ErrorCode::kInvalidModel, "give either kernel_size or kernel_h/kernel_w");
    kh = kw = p.kernel_size();
  } else if (p.has_kernel_h() && p.has_kernel_w()) {
    kh = p.kernel_h();
    kw = p.kernel_w();
  } else {
    return err(ErrorCode::kInvalidModel, "kernel_size (or kernel_h and kernel_w) is required");
  }
  if (p.has_pad_h() || p.has_pad_w()) {
    if (p.has_pad()) return err(ErrorCode::kInvalidModel, "give either pad or pad_h/pad_w");
    ph = p.pad_h();
    pw = p.pad_w();
  } else {
    ph = pw = p.pad();
  }
  if (p.has_stride_h() || p.has_stride_w()) {
    if (p.has_stride()) return err(ErrorCode::kInvalidModel, "give either stride or stride_h/stride_w");
    if (!(p.has_stride_h() && p.has_stride_w()))
      return err(ErrorCode::kInvalidModel, "stride_h and stride_w must be given together");
    sh = p.stride_h();
    sw = p.stride_w();
  } else {
    sh = sw = p.stride();
  }
  if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0)
    return err(ErrorCode::kInvalidModel, "kernel and stride must be positive");
  if (ph >= kh || pw >= kw) return err(ErrorCode::kInvalidModel, "pad must be smaller than the kernel (Caffe's rule)");
  const bool ceil_round = p.round_mode() == caffe::PoolingParameter::CEIL;
  const int64_t ins[2] = {xs[2], xs[3]}, ks[2] = {kh, kw}, ss[2] = {sh, sw}, ps[2] = {ph, pw};
  bool need_ceil = false;
  for (int i = 0; i < 2; ++i) {
    const int64_t span = ins[i] + 2 * ps[i] - ks[i];
    if (span < 0)
      return err(ErrorCode::kShapeMismatch, "padded input ", ins[i] + 2 * ps[i], " is smaller than the kernel ", ks[i]);
    const int64_t floor_out = span / ss[i] + 1;
    if (!ceil_round) continue;
    int64_t caffe_out = (span + ss[i] - 1) / ss[i] + 1;
    int64_t npukit_out = caffe_out;
    if ((npukit_out - 1) * ss[i] >= ins[i] + ps[i]) --npukit_out;
    if ((ph || pw) && (caffe_out - 1) * ss[i] >= ins[i] + ps[i]) --caffe_out;
    if (caffe_out != npukit_out)
      return err(ErrorCode::kUnsupportedAttr, "with pad 0 and round_mode CEIL, Caffe's last window along ",
                 i ? "W" : "H", " starts beyond the input (in ", ins[i], ", kernel ", ks[i], ", stride ", ss[i],
                 "); Caffe outputs garbage there and no exact mapping exists");
    if (caffe_out != floor_out) need_ceil = true;
  }
  Attrs a;
  a.set("kernel_shape", std::vector<int64_t>{kh, kw});
  a.set("strides", std::vector<int64_t>{sh, sw});
  a.set("pads", std::vector<int64_t>{ph, pw, ph, pw});
  a.set("ceil_mode", int64_t{need_ceil ? 1 : 0});
  if (!is_max) a.set("count_include_pad", int64_t{1});
  NPUKIT_ASSIGN_OR_RETURN(Value * y,
                          emit(is_max ? OpKind::kMaxPool : OpKind::kAveragePool, "", {x}, a, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Element-wise layers
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::unary(OpKind op, Attrs attrs) {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(op, "", {x}, std::move(attrs), top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::prelu() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.size() < 2) return err(ErrorCode::kShapeMismatch, "input must have rank >= 2, got ", shape_str(xs));
  const bool shared = lp_->prelu_param().channel_shared();
  const int64_t c = shared ? 1 : xs[1];
  NPUKIT_ASSIGN_OR_RETURN(auto b, blobs(1, 1));
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[0], 0, "slope", shared ? Shape{} : Shape{c}));
  // Slope per channel, broadcast over the spatial dims: [C, 1, ..., 1].
  Shape ss = {c};
  for (size_t i = 2; i < xs.size(); ++i) ss.push_back(1);
  NPUKIT_ASSIGN_OR_RETURN(
      Value * y, emit(OpKind::kPRelu, "", {x, constant("slope", b[0].reshaped(ss))}, {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::power() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->power_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const std::string out = top_hint(lp_->top(0));
  if (p.power() == 0.f || p.scale() == 0.f) {
    // Caffe ignores the input here and fills the output with 1 (power 0) or shift^power (scale 0).
    const float v = p.power() == 0.f ? 1.f : std::pow(p.shift(), p.power());
    Tensor t(DType::kF32, x->shape());
    std::fill(t.data<float>(), t.data<float>() + t.numel(), v);
    NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kIdentity, "", {constant("value", t)}, {}, out));
    bind(lp_->top(0), y);
    return Status::Ok();
  }
  const bool do_scale = p.scale() != 1.f, do_shift = p.shift() != 0.f, do_pow = p.power() != 1.f;
  Value* v = x;
  if (do_scale) {
    NPUKIT_ASSIGN_OR_RETURN(
        v, emit(OpKind::kMul, "scale", {v, scalar("scale", p.scale())}, {}, do_shift || do_pow ? tmp("scaled") : out));
  }
  if (do_shift) {
    NPUKIT_ASSIGN_OR_RETURN(
        v, emit(OpKind::kAdd, "shift", {v, scalar("shift", p.shift())}, {}, do_pow ? tmp("shifted") : out));
  }
  if (do_pow) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kPow, "pow", {v, scalar("power", p.power())}, {}, out));
  }
  if (v == x) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kIdentity, "", {x}, {}, out));
  }
  bind(lp_->top(0), v);
  return Status::Ok();
}

Status CaffeBuilder::exp_log(bool is_exp) {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const float base = is_exp ? lp_->exp_param().base() : lp_->log_param().base();
  const float scale = is_exp ? lp_->exp_param().scale() : lp_->log_param().scale();
  const float shift = is_exp ? lp_->exp_param().shift() : lp_->log_param().shift();
  if (base != -1.f && !(base > 0.f))
    return err(ErrorCode::kInvalidModel, "base ", base, " must be positive (or -1 for e)");
  // log(base); base = -1 means e.
  const float ln_base = base == -1.f ? 1.f : std::log(base);
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const std::string out = top_hint(lp_->top(0));
  Value* v = x;
  // Exp: base^(shift + scale*x) = exp(ln(base)*scale*x + ln(base)*shift). Log: ln(shift + scale*x) / ln(base).
  const float mul = is_exp ? ln_base * scale : scale, add = is_exp ? ln_base * shift : shift;
  if (mul != 1.f) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kMul, "scale", {v, scalar("scale", mul)}, {}, tmp("scaled")));
  }
  if (add != 0.f) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kAdd, "shift", {v, scalar("shift", add)}, {}, tmp("shifted")));
  }
  const bool post = !is_exp && ln_base != 1.f;
  NPUKIT_ASSIGN_OR_RETURN(
      v, emit(is_exp ? OpKind::kExp : OpKind::kLog, is_exp ? "exp" : "log", {v}, {}, post ? tmp("ln") : out));
  if (post) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kMul, "base", {v, scalar("inv_ln_base", 1.f / ln_base)}, {}, out));
  }
  bind(lp_->top(0), v);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// BatchNorm / Scale / Bias
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::batch_norm() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->batch_norm_param();
  // Caffe uses the stored statistics in the TEST phase unless use_global_stats says otherwise.
  if (p.has_use_global_stats() && !p.use_global_stats())
    return err(ErrorCode::kUnsupportedAttr,
               "use_global_stats: false (normalising with the statistics of the current batch) is not supported; "
               "inference uses the stored mean/variance (set use_global_stats: true or remove it)");
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.size() < 2)
    return err(ErrorCode::kShapeMismatch, "input must have rank >= 2 (N, C, ...), got ", shape_str(xs));
  const int64_t c = xs[1];
  NPUKIT_ASSIGN_OR_RETURN(auto b, blobs(3, 3));
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[0], 0, "mean", {c}));
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[1], 1, "variance", {c}));
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[2], 2, "moving-average factor", {1}));
  // The stored sums are scaled by the moving-average factor; Caffe divides by it (0 means "no data": 0).
  const float f = b[2].data<float>()[0];
  const float inv = f == 0.f ? 0.f : 1.f / f;
  std::vector<float> mean(c), var(c);
  for (int64_t i = 0; i < c; ++i) {
    mean[i] = b[0].data<float>()[i] * inv;
    var[i] = b[1].data<float>()[i] * inv;
  }
  Attrs a;
  a.set("epsilon", p.eps());
  NPUKIT_ASSIGN_OR_RETURN(Value * y,
                          emit(OpKind::kBatchNormalization, "",
                               {x, constant("scale", f32_tensor(std::vector<float>(c, 1.f), {c})),
                                constant("bias", f32_tensor(std::vector<float>(c, 0.f), {c})),
                                constant("mean", f32_tensor(mean, {c})), constant("variance", f32_tensor(var, {c}))},
                               a, top_hint(lp_->top(0))));
  plain_bn_.insert(last_node_);
  bind(lp_->top(0), y);
  return Status::Ok();
}

// Scale: y = x * gamma (+ beta); Bias: y = x + beta. gamma/beta cover the axes [axis, axis + num_axes) of x
// and come from blobs (one bottom) or, for the multiplier/addend, from a second bottom.
Status CaffeBuilder::scale_or_bias(bool is_scale) {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 2, 1, 1));
  const int axis_p = is_scale ? lp_->scale_param().axis() : lp_->bias_param().axis();
  const int num_axes_p = is_scale ? lp_->scale_param().num_axes() : lp_->bias_param().num_axes();
  const bool bias_term = is_scale && lp_->scale_param().bias_term();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  Value* factor = nullptr;  // runtime second bottom
  Shape pshape;             // shape of gamma / beta
  int64_t axis = 0;
  if (lp_->bottom_size() == 2) {
    NPUKIT_ASSIGN_OR_RETURN(factor, bottom(1));
    pshape = factor->shape();
  }
  // A scalar parameter ignores axis (Caffe's rule); otherwise axis is normalised against x.
  const bool scalar_param = lp_->bottom_size() == 2 ? pshape.empty() : num_axes_p == 0;
  if (!scalar_param) {
    auto ax = ir::normalize_axis(axis_p, rank);
    if (!ax.ok()) return err(ErrorCode::kInvalidModel, "axis ", axis_p, " is out of range for input ", shape_str(xs));
    axis = *ax;
  }
  if (lp_->bottom_size() == 1) {
    int64_t na = num_axes_p;
    if (na < -1) return err(ErrorCode::kInvalidModel, "num_axes ", na, " must be >= -1");
    if (na == -1) na = rank - axis;
    if (axis + na > rank)
      return err(ErrorCode::kInvalidModel, "axis ", axis, " + num_axes ", na, " exceeds the input rank ", rank);
    pshape.assign(xs.begin() + axis, xs.begin() + axis + na);
  } else if (!scalar_param) {
    if (axis + static_cast<int64_t>(pshape.size()) > rank ||
        !std::equal(pshape.begin(), pshape.end(), xs.begin() + axis))
      return err(ErrorCode::kShapeMismatch, "second bottom shape ", shape_str(pshape), " does not match input ",
                 shape_str(xs), " at axis ", axis);
  }
  // Parameters broadcast against x: pshape followed by 1s for the remaining trailing axes.
  Shape bshape = pshape;
  if (!scalar_param)
    for (int64_t i = axis + static_cast<int64_t>(pshape.size()); i < rank; ++i) bshape.push_back(1);
  const int nblobs = lp_->bottom_size() == 1 ? (bias_term ? 2 : 1) : (bias_term ? 1 : 0);
  std::vector<Tensor> b;
  if (nblobs > 0) {
    NPUKIT_ASSIGN_OR_RETURN(b, blobs(nblobs, nblobs));
  }
  for (size_t i = 0; i < b.size(); ++i)
    NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[i], static_cast<int>(i),
                                            is_scale && i == 0 && lp_->bottom_size() == 1 ? "scale" : "bias", pshape));
  const std::string out = top_hint(lp_->top(0));

  if (!is_scale) {
    Value* beta = factor ? factor : constant("bias", b[0].reshaped(bshape));
    if (factor && bshape != pshape) {
      NPUKIT_ASSIGN_OR_RETURN(beta, emit(OpKind::kReshape, "bias_shape",
                                         {factor, constant("bias_shape", i64_tensor(bshape))}, {}, tmp("bias")));
    }
    NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kAdd, "", {x, beta}, {}, out));
    bind(lp_->top(0), y);
    return Status::Ok();
  }

  // BatchNorm followed by a per-channel Scale writing over it (the usual in-place pair) becomes one
  // BatchNormalization: nothing else can read the BatchNorm output, because the Scale rebinds the blob and
  // the value has no reader yet.
  ir::Node* bn = x->producer();
  const bool in_place = lp_->bottom(0) == lp_->top(0);
  if (!factor && in_place && bn && plain_bn_.count(bn) && x->users().empty() && axis == 1 && pshape.size() == 1) {
    int aliases = 0;
    for (const auto& [name, st] : blobs_)
      if (st.value == x) ++aliases;
    if (aliases == 1) {
      bn->set_input(1, constant("scale", b[0].reshaped(pshape)));
      if (bias_term) bn->set_input(2, constant("bias", b[1].reshaped(pshape)));
      bn->origin().push_back(lp_->name());
      plain_bn_.erase(bn);
      bind(lp_->top(0), x);
      return Status::Ok();
    }
  }
  Value* gamma = factor ? factor : constant("scale", b[0].reshaped(bshape));
  if (factor && bshape != pshape) {
    NPUKIT_ASSIGN_OR_RETURN(gamma, emit(OpKind::kReshape, "scale_shape",
                                        {factor, constant("scale_shape", i64_tensor(bshape))}, {}, tmp("scale")));
  }
  const Tensor* beta = bias_term ? &b[lp_->bottom_size() == 1 ? 1 : 0] : nullptr;
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kMul, "", {x, gamma}, {}, beta ? tmp("mul") : out));
  if (beta) {
    NPUKIT_ASSIGN_OR_RETURN(y, emit(OpKind::kAdd, "bias", {y, constant("bias", beta->reshaped(bshape))}, {}, out));
  }
  bind(lp_->top(0), y);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Multi-input / multi-output layers
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::eltwise() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(2, 1024, 1, 1));
  const auto& p = lp_->eltwise_param();
  std::vector<Value*> xs;
  for (int i = 0; i < lp_->bottom_size(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(i));
    // Caffe's Eltwise does not broadcast.
    if (!xs.empty() && x->shape() != xs[0]->shape())
      return err(ErrorCode::kShapeMismatch, "bottom ", i, " shape ", shape_str(x->shape()), " differs from bottom 0 ",
                 shape_str(xs[0]->shape()));
    xs.push_back(x);
  }
  const std::string out = top_hint(lp_->top(0));
  if (p.coeff_size() > 0 && p.operation() != caffe::EltwiseParameter::SUM)
    return err(ErrorCode::kInvalidModel, "coeff is only valid for operation SUM");
  if (p.coeff_size() > 0 && p.coeff_size() != lp_->bottom_size())
    return err(ErrorCode::kInvalidModel, "has ", p.coeff_size(), " coeff values for ", lp_->bottom_size(), " bottoms");
  Value* y = nullptr;
  switch (p.operation()) {
    case caffe::EltwiseParameter::SUM: {
      std::vector<Value*> terms;
      for (size_t i = 0; i < xs.size(); ++i) {
        const float c = p.coeff_size() ? p.coeff(static_cast<int>(i)) : 1.f;
        if (c == 1.f) {
          terms.push_back(xs[i]);
          continue;
        }
        NPUKIT_ASSIGN_OR_RETURN(Value * t, emit(OpKind::kMul, str_cat("coeff", i),
                                                {xs[i], scalar(str_cat("coeff", i), c)}, {}, tmp(str_cat("term", i))));
        terms.push_back(t);
      }
      NPUKIT_ASSIGN_OR_RETURN(y, emit(terms.size() == 2 ? OpKind::kAdd : OpKind::kSum, "", terms, {}, out));
      break;
    }
    case caffe::EltwiseParameter::PROD: {
      y = xs[0];
      for (size_t i = 1; i < xs.size(); ++i) {
        NPUKIT_ASSIGN_OR_RETURN(y, emit(OpKind::kMul, i + 1 == xs.size() ? "" : str_cat("mul", i), {y, xs[i]}, {},
                                        i + 1 == xs.size() ? out : tmp(str_cat("prod", i))));
      }
      break;
    }
    case caffe::EltwiseParameter::MAX: {
      NPUKIT_ASSIGN_OR_RETURN(y, emit(OpKind::kMax, "", xs, {}, out));
      break;
    }
    default:
      return err(ErrorCode::kUnsupportedAttr, "operation ", static_cast<int>(p.operation()), " is not supported");
  }
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::concat() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1024, 1, 1));
  const auto& p = lp_->concat_param();
  std::vector<Value*> xs;
  for (int i = 0; i < lp_->bottom_size(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(i));
    xs.push_back(x);
  }
  const int64_t rank = static_cast<int64_t>(xs[0]->shape().size());
  const int64_t axis_p = p.has_concat_dim() ? static_cast<int64_t>(p.concat_dim()) : p.axis();
  auto axis = ir::normalize_axis(axis_p, rank);
  if (!axis.ok()) return err(ErrorCode::kInvalidModel, "axis ", axis_p, " is out of range for rank ", rank);
  Attrs a;
  a.set("axis", *axis);
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kConcat, "", xs, a, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::slice() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1024));
  const auto& p = lp_->slice_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  const int64_t axis_p = p.has_slice_dim() ? static_cast<int64_t>(p.slice_dim()) : p.axis();
  auto axis = ir::normalize_axis(axis_p, static_cast<int64_t>(xs.size()));
  if (!axis.ok()) return err(ErrorCode::kInvalidModel, "axis ", axis_p, " is out of range for input ", shape_str(xs));
  const int64_t dim = xs[*axis], ntop = lp_->top_size();
  std::vector<int64_t> sizes;
  if (p.slice_point_size() > 0) {
    if (p.slice_point_size() != ntop - 1)
      return err(ErrorCode::kInvalidModel, "has ", p.slice_point_size(), " slice_point values for ", ntop,
                 " tops (needs tops - 1)");
    int64_t prev = 0;
    for (uint32_t sp : p.slice_point()) {
      if (sp <= prev || sp >= dim)
        return err(ErrorCode::kInvalidModel, "slice_point values must increase strictly within (0, ", dim, ")");
      sizes.push_back(sp - prev);
      prev = sp;
    }
    sizes.push_back(dim - prev);
  } else {
    if (dim % ntop != 0)
      return err(ErrorCode::kShapeMismatch, "axis ", *axis, " size ", dim, " is not divisible by the ", ntop, " tops");
    sizes.assign(ntop, dim / ntop);
  }
  std::vector<std::string> hints;
  for (int i = 0; i < ntop; ++i) hints.push_back(top_hint(lp_->top(i)));
  Attrs a;
  a.set("axis", *axis);
  NPUKIT_ASSIGN_OR_RETURN(auto ys, emit_n(OpKind::kSplit, "", {x, constant("sizes", i64_tensor(sizes))}, a, hints));
  for (int i = 0; i < ntop; ++i) bind(lp_->top(i), ys[i]);
  return Status::Ok();
}

Status CaffeBuilder::split() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1024));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  // Split copies its bottom to every top: all tops are the same value.
  for (int i = 0; i < lp_->top_size(); ++i) bind(lp_->top(i), x);
  return Status::Ok();
}

Status CaffeBuilder::dropout() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  // Caffe's Dropout is the identity at test time (it scales while training).
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  bind(lp_->top(0), x);
  return Status::Ok();
}

Status CaffeBuilder::silence() {
  for (int i = 0; i < lp_->bottom_size(); ++i) NPUKIT_RETURN_IF_ERROR(bottom(i).status());
  if (lp_->top_size() != 0) return err(ErrorCode::kInvalidModel, "Silence has no tops");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Shape layers
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::softmax() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  auto axis = ir::normalize_axis(lp_->softmax_param().axis(), rank);
  if (!axis.ok())
    return err(ErrorCode::kInvalidModel, "axis ", lp_->softmax_param().axis(), " is out of range for rank ", rank);
  Attrs a;
  a.set("axis", *axis);
  return unary(OpKind::kSoftmax, a);
}

Status CaffeBuilder::flatten() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->flatten_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  auto a0 = ir::normalize_axis(p.axis(), rank), a1 = ir::normalize_axis(p.end_axis(), rank);
  if (!a0.ok() || !a1.ok() || *a1 < *a0)
    return err(ErrorCode::kInvalidModel, "axis ", p.axis(), " / end_axis ", p.end_axis(), " are invalid for input ",
               shape_str(xs));
  // [d0 .. d(axis-1), prod(d[axis..end_axis]), d(end_axis+1) ..]: leading dims as 0 (copy) so the batch may change.
  std::vector<int64_t> shape(static_cast<size_t>(*a0), 0);
  shape.push_back(-1);
  for (int64_t i = *a1 + 1; i < rank; ++i) shape.push_back(xs[i]);
  NPUKIT_ASSIGN_OR_RETURN(
      Value * y, emit(OpKind::kReshape, "", {x, constant("shape", i64_tensor(shape))}, {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::reshape() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->reshape_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  // Caffe: a negative axis counts from the end with -1 meaning "after the last axis".
  const int64_t start = p.axis() >= 0 ? p.axis() : rank + p.axis() + 1;
  if (start < 0 || start > rank)
    return err(ErrorCode::kInvalidModel, "axis ", p.axis(), " is out of range for rank ", rank);
  if (p.num_axes() < -1) return err(ErrorCode::kInvalidModel, "num_axes ", p.num_axes(), " must be >= -1");
  const int64_t end = p.num_axes() == -1 ? rank : start + p.num_axes();
  if (end > rank) return err(ErrorCode::kInvalidModel, "axis + num_axes ", end, " exceeds the input rank ", rank);
  std::vector<int64_t> shape(static_cast<size_t>(start), 0);  // kept leading dims (0 = copy, same index)
  int infer = -1;
  int64_t known = product(xs, 0, static_cast<size_t>(start)) * product(xs, static_cast<size_t>(end), xs.size());
  for (int i = 0; i < p.shape().dim_size(); ++i) {
    const int64_t d = p.shape().dim(i);
    if (d == -1) {
      if (infer >= 0) return err(ErrorCode::kInvalidModel, "shape has more than one -1");
      infer = i;
      shape.push_back(-1);
    } else if (d == 0) {
      // Caffe copies the bottom dim at the same position, which is also ONNX Reshape's 0.
      if (start + i >= rank)
        return err(ErrorCode::kInvalidModel, "shape dim ", i, " is 0 but the input has no dim ", start + i);
      known *= xs[start + i];
      shape.push_back(0);
    } else if (d < -1) {
      return err(ErrorCode::kInvalidModel, "shape dim ", d, " is invalid");
    } else {
      known *= d;
      shape.push_back(d);
    }
  }
  for (int64_t i = end; i < rank; ++i) shape.push_back(xs[i]);
  const int64_t total = numel(xs);
  if ((infer < 0 && known != total) || (infer >= 0 && (known == 0 || total % known != 0)))
    return err(ErrorCode::kShapeMismatch, "cannot reshape input ", shape_str(xs), " (", total, " elements) to ",
               shape_str(shape));
  NPUKIT_ASSIGN_OR_RETURN(
      Value * y, emit(OpKind::kReshape, "", {x, constant("shape", i64_tensor(shape))}, {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::crop() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(2, 2, 1, 1));
  const auto& p = lp_->crop_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  NPUKIT_ASSIGN_OR_RETURN(Value * ref, bottom(1));
  const Shape xs = x->shape(), rs = ref->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rs.size() != xs.size()) return err(ErrorCode::kShapeMismatch, "bottoms have different ranks");
  auto axis = ir::normalize_axis(p.axis(), rank);
  if (!axis.ok()) return err(ErrorCode::kInvalidModel, "axis ", p.axis(), " is out of range for rank ", rank);
  const int64_t ncrop = rank - *axis;
  if (p.offset_size() > 1 && p.offset_size() != ncrop)
    return err(ErrorCode::kInvalidModel, "has ", p.offset_size(), " offsets for ", ncrop, " cropped axes");
  std::vector<int64_t> starts, ends, axes;
  for (int64_t i = *axis; i < rank; ++i) {
    const int64_t off = p.offset_size() == 0 ? 0 : p.offset(p.offset_size() == 1 ? 0 : static_cast<int>(i - *axis));
    if (off + rs[i] > xs[i])
      return err(ErrorCode::kShapeMismatch, "axis ", i, ": offset ", off, " + size ", rs[i], " exceeds the input size ",
                 xs[i]);
    starts.push_back(off);
    ends.push_back(off + rs[i]);
    axes.push_back(i);
  }
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kSlice, "",
                                          {x, constant("starts", i64_tensor(starts)),
                                           constant("ends", i64_tensor(ends)), constant("axes", i64_tensor(axes))},
                                          {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// LRN (npukit has no LRN op; the layer is decomposed into ops whose composition is exact)
// ---------------------------------------------------------------------------------------------
//
// ACROSS_CHANNELS: y = x / (k + alpha/n * sum_{c' in [c-(n-1)/2, c+(n-1)/2]} x_c'^2)^beta. The window sum is an
// average pool over the channel axis: x² is viewed as [N, 1, C, H*W] and pooled with kernel [n, 1], zero
// padding (n-1)/2 and count_include_pad=1, so every window divides by n.
// WITHIN_CHANNEL (Caffe builds it from Power, Pooling AVE and Eltwise): y = x / (1 + alpha * avgpool_n×n(x²))^beta,
// the pool with pad (n-1)/2, stride 1 and Caffe's AVE divisor, which is n*n everywhere for these settings.

Status CaffeBuilder::lrn() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->lrn_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.size() != 4) return err(ErrorCode::kShapeMismatch, "input must be 4-D (N, C, H, W), got ", shape_str(xs));
  const int64_t n = p.local_size();
  if (n <= 0 || n % 2 == 0) return err(ErrorCode::kInvalidModel, "local_size ", n, " must be odd (Caffe's rule)");
  const int64_t pad = (n - 1) / 2;
  NPUKIT_ASSIGN_OR_RETURN(Value * sq, emit(OpKind::kMul, "square", {x, x}, {}, tmp("square")));
  Value* avg = nullptr;
  float k = p.k();
  if (p.norm_region() == caffe::LRNParameter::ACROSS_CHANNELS) {
    NPUKIT_ASSIGN_OR_RETURN(
        Value * v, emit(OpKind::kReshape, "to_planes", {sq, constant("planes", i64_tensor({0, 1, xs[1], -1}))}, {},
                        tmp("planes")));
    Attrs a;
    a.set("kernel_shape", std::vector<int64_t>{n, 1});
    a.set("strides", std::vector<int64_t>{1, 1});
    a.set("pads", std::vector<int64_t>{pad, 0, pad, 0});
    a.set("count_include_pad", int64_t{1});
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kAveragePool, "window", {v}, a, tmp("window")));
    NPUKIT_ASSIGN_OR_RETURN(avg, emit(OpKind::kReshape, "from_planes",
                                      {v, constant("shape", i64_tensor({0, xs[1], xs[2], xs[3]}))}, {}, tmp("avg")));
  } else {
    Attrs a;
    a.set("kernel_shape", std::vector<int64_t>{n, n});
    a.set("strides", std::vector<int64_t>{1, 1});
    a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
    a.set("count_include_pad", int64_t{1});
    NPUKIT_ASSIGN_OR_RETURN(avg, emit(OpKind::kAveragePool, "window", {sq}, a, tmp("avg")));
    k = 1.f;  // Caffe's WITHIN_CHANNEL uses shift 1, not k.
  }
  NPUKIT_ASSIGN_OR_RETURN(Value * t, emit(OpKind::kMul, "alpha", {avg, scalar("alpha", p.alpha())}, {}, tmp("scaled")));
  NPUKIT_ASSIGN_OR_RETURN(t, emit(OpKind::kAdd, "k", {t, scalar("k", k)}, {}, tmp("base")));
  NPUKIT_ASSIGN_OR_RETURN(t, emit(OpKind::kPow, "beta", {t, scalar("beta", p.beta())}, {}, tmp("denominator")));
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kDiv, "", {x, t}, {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::layer(const caffe::LayerParameter& lp) {
  lp_ = &lp;
  const std::string& t = lp.type();
  if (t == "Input") return input_layer();
  if (t == "Convolution") return conv_layer(false);
  if (t == "Deconvolution") return conv_layer(true);
  if (t == "InnerProduct") return inner_product();
  if (t == "Pooling") return pooling();
  if (t == "ReLU") {
    const float slope = lp.relu_param().negative_slope();
    if (slope == 0.f) return unary(OpKind::kRelu);
    Attrs a;
    a.set("alpha", slope);
    return unary(OpKind::kLeakyRelu, a);
  }
  if (t == "PReLU") return prelu();
  if (t == "ELU") {
    Attrs a;
    a.set("alpha", lp.elu_param().alpha());
    return unary(OpKind::kElu, a);
  }
  if (t == "Sigmoid") return unary(OpKind::kSigmoid);
  if (t == "TanH") return unary(OpKind::kTanh);
  if (t == "AbsVal") return unary(OpKind::kAbs);
  if (t == "BNLL") return unary(OpKind::kSoftplus);  // log(1 + exp(x))
  if (t == "Power") return power();
  if (t == "Exp") return exp_log(true);
  if (t == "Log") return exp_log(false);
  if (t == "BatchNorm") return batch_norm();
  if (t == "Scale") return scale_or_bias(true);
  if (t == "Bias") return scale_or_bias(false);
  if (t == "Eltwise") return eltwise();
  if (t == "Concat") return concat();
  if (t == "Slice") return slice();
  if (t == "Split") return split();
  if (t == "Softmax") return softmax();
  if (t == "Flatten") return flatten();
  if (t == "Reshape") return reshape();
  if (t == "Crop") return crop();
  if (t == "Dropout") return dropout();
  if (t == "LRN") return lrn();
  if (t == "Silence") return silence();
  if (t.empty()) return make_error(ErrorCode::kInvalidModel, "layer '", lp.name(), "' has no type");
  if (const char* why = unsupported_reason(t))
    return make_error(ErrorCode::kUnsupportedOp, "layer '", lp.name(), "' has type '", t, "': ", why);
  return make_error(ErrorCode::kUnsupportedOp, "layer '", lp.name(), "' has unknown type '", t,
                    "' (supported: ", kSupportedTypes, ")");
}

Status CaffeBuilder::finish() {
  // Caffe's net outputs: blobs whose last value no layer read, in order of first definition.
  std::vector<std::pair<std::string, Value*>> outs;
  for (const std::string& name : blob_order_) {
    const BlobState& st = blobs_.at(name);
    if (!st.consumed && !st.value->is_graph_input()) outs.emplace_back(name, st.value);
  }
  if (outs.empty()) return make_error(ErrorCode::kInvalidModel, "the net has no output (every blob is consumed)");
  std::set<Value*> named;
  std::vector<Value*> out_values;
  for (auto& [name, v] : outs) {
    if (v->name() != name || named.count(v)) {
      // Free the blob name if an earlier version of the blob holds it.
      if (Value* other = g_.find_value(name); other && other != v) {
        std::string alt = name + "/0";
        for (int i = 1; g_.find_value(alt); ++i) alt = name + "/0_" + std::to_string(i);
        NPUKIT_RETURN_IF_ERROR(g_.rename_value(other, alt));
      }
      if (named.count(v) || v->is_constant()) {
        // One value under two output names (e.g. both tops of a Split): the second gets an Identity.
        NPUKIT_ASSIGN_OR_RETURN(Value * id, g_.add_value(name));
        id->set_type(v->dtype(), v->shape());
        std::string nn = name + "/identity";
        for (int i = 1; node_names_.count(nn); ++i) nn = name + "/identity_" + std::to_string(i);
        node_names_.insert(nn);
        NPUKIT_ASSIGN_OR_RETURN(ir::Node * n, g_.add_node(OpKind::kIdentity, nn, {v}, {id}));
        n->origin() = {name};
        v = id;
      } else {
        NPUKIT_RETURN_IF_ERROR(g_.rename_value(v, name));
      }
    }
    named.insert(v);
    out_values.push_back(v);
  }
  g_.set_outputs(out_values);
  g_.remove_dead_values();
  return Status::Ok();
}

}  // namespace

Expected<ir::Model> parse_caffe(const std::string& prototxt_text, const std::string& prototxt_name,
                                const std::string& caffemodel_bytes, const std::string& caffemodel_name,
                                const ImportOptions& options) {
  if (prototxt_text.size() > options.max_file_bytes || caffemodel_bytes.size() > options.max_file_bytes)
    return make_error(ErrorCode::kOutOfRange, prototxt_name, ": model files exceed the limit ", options.max_file_bytes,
                      " bytes");
  caffe::NetParameter net;
  std::vector<std::string> warnings;
  NPUKIT_RETURN_IF_ERROR(parse_prototxt(prototxt_text, prototxt_name, &net, &warnings));
  if (net.layers_size() > 0)
    return make_error(ErrorCode::kInvalidModel, prototxt_name,
                      ": legacy V1 prototxt ('layers' instead of 'layer'); convert it with Caffe's tool: "
                      "upgrade_net_proto_text ",
                      prototxt_name, " new.prototxt");
  for (const std::string& w : warnings) log::warn("caffe: ", prototxt_name, ":", w, " (ignored)");
  caffe::NetParameter weights;
  if (!caffemodel_bytes.empty() && !parse_binary(caffemodel_bytes, &weights))
    return make_error(ErrorCode::kInvalidModel, caffemodel_name,
                      ": not a valid caffemodel (truncated or corrupt protobuf NetParameter)");

  ir::Model model;
  model.source_path = caffemodel_name.empty() ? prototxt_name : caffemodel_name;
  model.producer_name = "caffe";
  model.opset = ir::kCanonicalOpset;
  model.opset_imports[""] = ir::kCanonicalOpset;
  model.graph.set_name(net.name().empty() ? std::string("main") : net.name());

  CaffeBuilder b(model, caffemodel_name.empty() ? std::string("the caffemodel") : caffemodel_name);
  b.add_weights(weights);
  caffe::NetState state = net.state();
  state.set_phase(caffe::TEST);  // npukit runs inference
  Status s = b.legacy_inputs(net);
  for (int i = 0; s.ok() && i < net.layer_size(); ++i) {
    const auto& lp = net.layer(i);
    if (!layer_included(state, lp)) {
      log::info("caffe: layer '", lp.name(), "' (", lp.type(), ") excluded in the TEST phase");
      continue;
    }
    s = b.layer(lp);
  }
  if (s.ok()) s = b.finish();
  if (s.ok()) s = model.graph.verify(true);
  if (!s.ok()) return s.with_context(prototxt_name);
  return model;
}

Expected<ir::Model> import_caffe(const std::string& prototxt_path, const std::string& caffemodel_path,
                                 const ImportOptions& options) {
  NPUKIT_ASSIGN_OR_RETURN(std::string text, read_file(prototxt_path, options.max_file_bytes));
  NPUKIT_ASSIGN_OR_RETURN(std::string bytes, read_file(caffemodel_path, options.max_file_bytes));
  auto m = parse_caffe(text, prototxt_path, bytes, caffemodel_path, options);
  if (m.ok()) m->source_path = caffemodel_path;
  return m;
}

}  // namespace npukit::frontend
