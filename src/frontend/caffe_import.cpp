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
//
// The parts: caffe_parse.cpp (files, blobs), caffe_layers_*.cpp (one translation per layer type), this file
// (inputs, dispatch by layer type, net outputs and the entry points); caffe_internal.h declares CaffeBuilder.
#include "frontend/caffe_import.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/file_util.h"
#include "core/log.h"
#include "frontend/caffe_internal.h"

namespace npukit::frontend::caffe_detail {
namespace {

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

}  // namespace

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

namespace {

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

}  // namespace

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

}  // namespace npukit::frontend::caffe_detail

namespace npukit::frontend {

using caffe_detail::CaffeBuilder;
using caffe_detail::layer_included;
using caffe_detail::parse_binary;
using caffe_detail::parse_prototxt;

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
