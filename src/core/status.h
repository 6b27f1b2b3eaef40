// SPDX-License-Identifier: Apache-2.0
// npukit core: typed errors. Library code never aborts on user input; it returns Status / Expected<T>.
#pragma once

#include <sstream>
#include <string>
#include <utility>
#include <variant>

namespace npukit {

/// Typed error category. Stable: tests assert on these codes.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  ///< bad CLI flag / API argument
  kInvalidModel,     ///< malformed or inconsistent model file (truncated, dangling names, cycles, ...)
  kUnsupportedOp,    ///< operator not in the op table (or outside its opset range)
  kUnsupportedAttr,  ///< operator known but an attribute value / dtype is not supported
  kShapeMismatch,    ///< shapes or dtypes do not agree with what the op requires
  kIoError,          ///< file could not be read or written
  kOutOfRange,       ///< a size / index / dimension exceeds a limit
  kNotFound,         ///< named thing (tensor, node, file) does not exist
  kUnimplemented,    ///< a code path that is not built (never on a path presented as done)
  kInternal,         ///< invariant broken inside npukit (a bug)
};

/// Short stable name of an error code, e.g. "InvalidModel".
const char* error_code_name(ErrorCode code);

/// Concatenates any streamable values into one string: str_cat("node ", name, " has ", n, " inputs").
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

/// Result of an operation that returns no value. Cheap to copy when ok.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  /// "InvalidModel: <message>"
  std::string to_string() const;
  /// Returns a copy with `prefix` prepended to the message (adds context while propagating).
  Status with_context(const std::string& prefix) const {
    if (ok()) return *this;
    return Status(code_, prefix + ": " + message_);
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

/// Builds an error Status from streamable parts: make_error(ErrorCode::kInvalidModel, "node '", n, "' ...").
template <class... Args>
Status make_error(ErrorCode code, const Args&... args) {
  return Status(code, str_cat(args...));
}

/// A value or an error Status.
template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Expected(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status(ErrorCode::kInternal, "Expected constructed from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace npukit

#define NPUKIT_CONCAT_INNER_(a, b) a##b
#define NPUKIT_CONCAT_(a, b) NPUKIT_CONCAT_INNER_(a, b)

/// Returns the Status from the enclosing function if `expr` is not ok.
#define NPUKIT_RETURN_IF_ERROR(expr)         \
  do {                                       \
    ::npukit::Status npukit_st_ = (expr);    \
    if (!npukit_st_.ok()) return npukit_st_; \
  } while (0)

/// `NPUKIT_ASSIGN_OR_RETURN(auto x, fn())`: unwraps an Expected or returns its Status.
#define NPUKIT_ASSIGN_OR_RETURN(lhs, expr) \
  NPUKIT_ASSIGN_OR_RETURN_IMPL_(NPUKIT_CONCAT_(npukit_exp_, __LINE__), lhs, expr)
#define NPUKIT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
