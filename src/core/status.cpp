// SPDX-License-Identifier: Apache-2.0
#include "core/status.h"

namespace npukit {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "Ok";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kInvalidModel: return "InvalidModel";
    case ErrorCode::kUnsupportedOp: return "UnsupportedOp";
    case ErrorCode::kUnsupportedAttr: return "UnsupportedAttr";
    case ErrorCode::kShapeMismatch: return "ShapeMismatch";
    case ErrorCode::kIoError: return "IoError";
    case ErrorCode::kOutOfRange: return "OutOfRange";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kUnimplemented: return "Unimplemented";
    case ErrorCode::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string Status::to_string() const {
  if (ok()) return "Ok";
  return std::string(error_code_name(code_)) + ": " + message_;
}

}  // namespace npukit
