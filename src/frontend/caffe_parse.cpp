// SPDX-License-Identifier: Apache-2.0
// frontend: reading the Caffe files (text prototxt with line-numbered errors, binary caffemodel with limits),
// the importer's small shape / tensor helpers, and the caffemodel blobs of a layer as checked tensors.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <climits>

#include "frontend/caffe_internal.h"

namespace npukit::frontend::caffe_detail {

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

namespace {

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

}  // namespace

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

}  // namespace npukit::frontend::caffe_detail
