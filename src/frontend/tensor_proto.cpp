// SPDX-License-Identifier: Apache-2.0
// frontend: onnx.TensorProto <-> Tensor, with validation against hostile files (dims, data sizes,
// external data paths) done BEFORE any allocation.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <charconv>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/file_util.h"
#include "frontend/onnx_import.h"
#include "frontend/onnx_internal.h"

namespace npukit::frontend {
namespace detail {

namespace {
using TP = onnx::TensorProto;
}  // namespace

DType dtype_from_onnx(int32_t t) {
  switch (t) {
    case TP::FLOAT: return DType::kF32;
    case TP::FLOAT16: return DType::kF16;
    case TP::DOUBLE: return DType::kF64;
    case TP::INT8: return DType::kI8;
    case TP::UINT8: return DType::kU8;
    case TP::INT16: return DType::kI16;
    case TP::UINT16: return DType::kU16;
    case TP::INT32: return DType::kI32;
    case TP::UINT32: return DType::kU32;
    case TP::INT64: return DType::kI64;
    case TP::UINT64: return DType::kU64;
    case TP::BOOL: return DType::kBool;
    case TP::STRING: return DType::kString;
    default: return DType::kUndefined;
  }
}

int32_t dtype_to_onnx(DType t) {
  switch (t) {
    case DType::kF32: return TP::FLOAT;
    case DType::kF16: return TP::FLOAT16;
    case DType::kF64: return TP::DOUBLE;
    case DType::kI8: return TP::INT8;
    case DType::kU8: return TP::UINT8;
    case DType::kI16: return TP::INT16;
    case DType::kU16: return TP::UINT16;
    case DType::kI32: return TP::INT32;
    case DType::kU32: return TP::UINT32;
    case DType::kI64: return TP::INT64;
    case DType::kU64: return TP::UINT64;
    case DType::kBool: return TP::BOOL;
    default: return TP::UNDEFINED;
  }
}

std::string onnx_dtype_name(int32_t t) {
  if (onnx::TensorProto_DataType_IsValid(t)) return onnx::TensorProto_DataType_Name(t);
  return str_cat("<invalid type ", t, ">");
}

bool parse_message(const std::string& bytes, google::protobuf::Message* msg) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return false;
  google::protobuf::io::ArrayInputStream ais(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream cis(&ais);
  cis.SetTotalBytesLimit(INT_MAX);
  // Nested subgraphs are the only legitimate recursion; 64 levels is far beyond real models and
  // keeps a hostile file from exhausting the stack.
  cis.SetRecursionLimit(64);
  return msg->ParseFromCodedStream(&cis) && cis.ConsumedEntireMessage();
}

namespace {

// Number of elements stored in the typed field that holds `dt`.
int64_t typed_count(const TP& tp, DType dt) {
  switch (dt) {
    case DType::kF32: return tp.float_data_size();
    case DType::kF64: return tp.double_data_size();
    case DType::kI64: return tp.int64_data_size();
    case DType::kU32:
    case DType::kU64: return tp.uint64_data_size();
    default: return tp.int32_data_size();  // i8/u8/i16/u16/i32/bool/f16 (bits)
  }
}

const char* typed_field_name(DType dt) {
  switch (dt) {
    case DType::kF32: return "float_data";
    case DType::kF64: return "double_data";
    case DType::kI64: return "int64_data";
    case DType::kU32:
    case DType::kU64: return "uint64_data";
    default: return "int32_data";
  }
}

void copy_typed(const TP& tp, Tensor& t) {
  const int64_t n = t.numel();
  switch (t.dtype()) {
    case DType::kF32:
      for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = tp.float_data(static_cast<int>(i));
      break;
    case DType::kF64:
      for (int64_t i = 0; i < n; ++i) t.data<double>()[i] = tp.double_data(static_cast<int>(i));
      break;
    case DType::kI64:
      for (int64_t i = 0; i < n; ++i) t.data<int64_t>()[i] = tp.int64_data(static_cast<int>(i));
      break;
    case DType::kU32:
      for (int64_t i = 0; i < n; ++i)
        t.data<uint32_t>()[i] = static_cast<uint32_t>(tp.uint64_data(static_cast<int>(i)));
      break;
    case DType::kU64:
      for (int64_t i = 0; i < n; ++i) t.data<uint64_t>()[i] = tp.uint64_data(static_cast<int>(i));
      break;
    case DType::kI32:
      for (int64_t i = 0; i < n; ++i) t.data<int32_t>()[i] = tp.int32_data(static_cast<int>(i));
      break;
    case DType::kI16:
      for (int64_t i = 0; i < n; ++i) t.data<int16_t>()[i] = static_cast<int16_t>(tp.int32_data(static_cast<int>(i)));
      break;
    case DType::kU16:
    case DType::kF16:  // f16 values are stored as their 16 bits in int32_data
      for (int64_t i = 0; i < n; ++i) t.data<uint16_t>()[i] = static_cast<uint16_t>(tp.int32_data(static_cast<int>(i)));
      break;
    case DType::kI8:
      for (int64_t i = 0; i < n; ++i) t.data<int8_t>()[i] = static_cast<int8_t>(tp.int32_data(static_cast<int>(i)));
      break;
    case DType::kU8:
      for (int64_t i = 0; i < n; ++i) t.data<uint8_t>()[i] = static_cast<uint8_t>(tp.int32_data(static_cast<int>(i)));
      break;
    case DType::kBool:
      for (int64_t i = 0; i < n; ++i) t.data<uint8_t>()[i] = tp.int32_data(static_cast<int>(i)) != 0 ? 1 : 0;
      break;
    default: break;
  }
}

bool has_dotdot_component(const std::filesystem::path& p) {
  for (const auto& part : p)
    if (part == "..") return true;
  return false;
}

Status read_external(const TP& tp, const TensorSource& src, size_t nbytes, Tensor& t) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& kv : tp.external_data()) {
    auto parse_int = [&](int64_t* out) -> Status {
      const std::string& s = kv.value();
      auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size() || *out < 0)
        return make_error(ErrorCode::kInvalidModel, src.what, ": external_data '", kv.key(), "' = '", s,
                          "' is not a non-negative integer");
      return Status::Ok();
    };
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      NPUKIT_RETURN_IF_ERROR(parse_int(&offset));
    else if (kv.key() == "length")
      NPUKIT_RETURN_IF_ERROR(parse_int(&length));
  }
  if (location.empty())
    return make_error(ErrorCode::kInvalidModel, src.what,
                      ": data_location is EXTERNAL but external_data has no "
                      "'location'");
  std::filesystem::path rel(location);
  // External data must live next to the model: an absolute path or '..' would let a model read
  // arbitrary files of the machine it is loaded on.
  if (rel.is_absolute() || has_dotdot_component(rel) || location.find('\\') != std::string::npos)
    return make_error(ErrorCode::kInvalidModel, src.what, ": external_data location '", location,
                      "' escapes the model folder (absolute paths and '..' are not allowed)");
  if (src.base_dir.empty())
    return make_error(ErrorCode::kInvalidModel, src.what, ": external data '", location,
                      "' cannot be resolved (no model folder known)");
  std::filesystem::path full = std::filesystem::path(src.base_dir) / rel;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(full, ec))
    return make_error(ErrorCode::kIoError, src.what, ": external data file '", full.string(), "' not found");
  {
    // A symlink inside the folder could still point outside it: compare resolved paths too.
    auto real_dir = std::filesystem::canonical(src.base_dir, ec);
    auto real_file = std::filesystem::canonical(full, ec);
    auto rel_real = real_file.lexically_relative(real_dir);
    if (ec || rel_real.empty() || has_dotdot_component(rel_real))
      return make_error(ErrorCode::kInvalidModel, src.what, ": external_data location '", location,
                        "' resolves outside the model folder");
  }
  const auto fsize = static_cast<int64_t>(std::filesystem::file_size(full, ec));
  if (ec) return make_error(ErrorCode::kIoError, src.what, ": cannot stat '", full.string(), "': ", ec.message());
  if (length >= 0 && static_cast<size_t>(length) != nbytes)
    return make_error(ErrorCode::kInvalidModel, src.what, ": external_data length ", length, " does not match ", nbytes,
                      " bytes (dims x dtype size)");
  if (offset > fsize || static_cast<int64_t>(nbytes) > fsize - offset)
    return make_error(ErrorCode::kInvalidModel, src.what, ": external data [offset ", offset, ", ", nbytes,
                      " bytes] lies beyond the end of '", full.string(), "' (", fsize, " bytes)");
  std::ifstream f(full, std::ios::binary);
  if (!f) return make_error(ErrorCode::kIoError, src.what, ": cannot open '", full.string(), "'");
  f.seekg(offset);
  f.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(nbytes));
  if (!f || static_cast<size_t>(f.gcount()) != nbytes)
    return make_error(ErrorCode::kIoError, src.what, ": short read from '", full.string(), "'");
  return Status::Ok();
}

}  // namespace

Expected<Tensor> tensor_from_proto(const TP& tp, const TensorSource& src) {
  if (tp.dims_size() > static_cast<int>(kMaxRank))
    return make_error(ErrorCode::kInvalidModel, src.what, ": rank ", tp.dims_size(), " exceeds the limit ", kMaxRank);
  Shape shape(tp.dims().begin(), tp.dims().end());
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] < 0)
      return make_error(ErrorCode::kInvalidModel, src.what, ": dims[", i, "] = ", shape[i], " is negative");
  auto numel_or = checked_numel(shape);
  if (!numel_or.ok()) return numel_or.status().with_context(src.what + ": dims");
  const int64_t n = *numel_or;
  const DType dt = dtype_from_onnx(tp.data_type());
  if (dt == DType::kString)
    return make_error(ErrorCode::kUnsupportedAttr, src.what, ": string tensors are not supported");
  if (dt == DType::kUndefined)
    return make_error(ErrorCode::kUnsupportedAttr, src.what, ": data_type ", onnx_dtype_name(tp.data_type()),
                      " is not supported");
  if (tp.has_segment())
    return make_error(ErrorCode::kUnsupportedAttr, src.what, ": segmented tensors are not supported");
  const size_t nbytes = static_cast<size_t>(n) * dtype_size(dt);

  enum class From { kNone, kRaw, kTyped, kExternal } from = From::kNone;
  if (tp.data_location() == TP::EXTERNAL) {
    from = From::kExternal;
  } else if (tp.has_raw_data()) {
    if (tp.raw_data().size() != nbytes)
      return make_error(ErrorCode::kInvalidModel, src.what, ": raw_data has ", tp.raw_data().size(),
                        " bytes, expected ", nbytes, " (dims ", shape_str(shape), " x ", dtype_name(dt), ")");
    from = From::kRaw;
  } else if (typed_count(tp, dt) > 0 || n > 0) {
    if (typed_count(tp, dt) != n)
      return make_error(ErrorCode::kInvalidModel, src.what, ": ", typed_field_name(dt), " has ", typed_count(tp, dt),
                        " elements, expected ", n, " (dims ", shape_str(shape), ")");
    from = From::kTyped;
  }
  if (src.byte_budget) {
    if (nbytes > *src.byte_budget)
      return make_error(ErrorCode::kOutOfRange, src.what, ": ", nbytes,
                        " bytes exceed what is left of the model's tensor-data limit (max_file_bytes)");
    *src.byte_budget -= nbytes;
  }
  NPUKIT_ASSIGN_OR_RETURN(Tensor t, Tensor::create(dt, shape));
  switch (from) {
    case From::kRaw:
      if (nbytes) std::memcpy(t.raw(), tp.raw_data().data(), nbytes);
      if (dt == DType::kBool)
        for (int64_t i = 0; i < n; ++i) t.data<uint8_t>()[i] = t.data<uint8_t>()[i] ? 1 : 0;
      break;
    case From::kTyped: copy_typed(tp, t); break;
    case From::kExternal:
      NPUKIT_RETURN_IF_ERROR(read_external(tp, src, nbytes, t));
      if (dt == DType::kBool)
        for (int64_t i = 0; i < n; ++i) t.data<uint8_t>()[i] = t.data<uint8_t>()[i] ? 1 : 0;
      break;
    case From::kNone: break;
  }
  return t;
}

void tensor_to_proto(const Tensor& t, const std::string& name, TP* tp) {
  tp->Clear();
  if (!name.empty()) tp->set_name(name);
  tp->set_data_type(dtype_to_onnx(t.dtype()));
  for (int64_t d : t.shape()) tp->add_dims(d);
  if (t.nbytes() && t.raw())
    tp->set_raw_data(static_cast<const char*>(t.raw()), t.nbytes());
  else
    tp->set_raw_data("");
}

}  // namespace detail

Expected<Tensor> load_tensor_pb(const std::string& path, std::string* name) {
  NPUKIT_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  onnx::TensorProto tp;
  if (!detail::parse_message(bytes, &tp))
    return make_error(ErrorCode::kInvalidModel, path, ": not a valid TensorProto (truncated or corrupt protobuf)");
  if (name) *name = tp.name();
  detail::TensorSource src;
  src.what = tp.name().empty() ? std::string("tensor") : "tensor '" + tp.name() + "'";
  src.base_dir = dir_name(path);
  auto t = detail::tensor_from_proto(tp, src);
  if (!t.ok()) return t.status().with_context(path);
  return t;
}

Status save_tensor_pb(const std::string& path, const Tensor& t, const std::string& name) {
  if (detail::dtype_to_onnx(t.dtype()) == onnx::TensorProto::UNDEFINED)
    return make_error(ErrorCode::kInvalidArgument, "save_tensor_pb ", path, ": dtype ", dtype_name(t.dtype()),
                      " cannot be written");
  onnx::TensorProto tp;
  detail::tensor_to_proto(t, name, &tp);
  std::string bytes;
  if (!tp.SerializeToString(&bytes))
    return make_error(ErrorCode::kIoError, "save_tensor_pb ", path, ": serialisation failed");
  return atomic_write_file(path, bytes);
}

}  // namespace npukit::frontend
