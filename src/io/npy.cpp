// SPDX-License-Identifier: Apache-2.0
// io: .npy reader/writer. The header is a Python dict literal; we parse only the subset NumPy
// writes ({'descr': str, 'fortran_order': bool, 'shape': tuple of ints}) and reject anything else.
#include "io/npy.h"

#include <bit>
#include <cctype>
#include <cstring>

#include "core/file_util.h"

namespace npukit::io {

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

struct DescrMap {
  const char* code;  // without byte-order character
  DType dtype;
};
constexpr DescrMap kDescrs[] = {
    {"f2", DType::kF16}, {"f4", DType::kF32}, {"f8", DType::kF64}, {"i1", DType::kI8},
    {"u1", DType::kU8},  {"i2", DType::kI16}, {"u2", DType::kU16}, {"i4", DType::kI32},
    {"u4", DType::kU32}, {"i8", DType::kI64}, {"u8", DType::kU64}, {"b1", DType::kBool},
};

// Minimal tokenizer over the header dict.
class HeaderParser {
 public:
  HeaderParser(const std::string& s, const std::string& name) : s_(s), name_(name) {}

  Status parse(std::string& descr, bool& fortran, Shape& shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_ws();
    if (!eat('{')) return bad("header does not start with '{'");
    while (true) {
      skip_ws();
      if (eat('}')) break;
      std::string key;
      NPUKIT_RETURN_IF_ERROR(parse_string(key));
      skip_ws();
      if (!eat(':')) return bad("expected ':' after key '" + key + "'");
      skip_ws();
      if (key == "descr") {
        NPUKIT_RETURN_IF_ERROR(parse_string(descr));
        have_descr = true;
      } else if (key == "fortran_order") {
        if (s_.compare(pos_, 4, "True") == 0) {
          fortran = true;
          pos_ += 4;
        } else if (s_.compare(pos_, 5, "False") == 0) {
          fortran = false;
          pos_ += 5;
        } else {
          return bad("fortran_order must be True or False");
        }
        have_fortran = true;
      } else if (key == "shape") {
        NPUKIT_RETURN_IF_ERROR(parse_shape(shape));
        have_shape = true;
      } else {
        return bad("unexpected key '" + key + "'");
      }
      skip_ws();
      if (eat(',')) continue;
      skip_ws();
      if (eat('}')) break;
      return bad("expected ',' or '}'");
    }
    skip_ws();
    if (pos_ != s_.size()) return bad("trailing characters after the header dict");
    if (!have_descr || !have_fortran || !have_shape)
      return bad("header must define 'descr', 'fortran_order' and 'shape'");
    return Status::Ok();
  }

 private:
  Status bad(const std::string& what) const {
    return make_error(ErrorCode::kInvalidArgument, name_, ": not a valid .npy header: ", what);
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status parse_string(std::string& out) {
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) return bad("expected a quoted string");
    char q = s_[pos_++];
    size_t end = s_.find(q, pos_);
    if (end == std::string::npos) return bad("unterminated string");
    out = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return Status::Ok();
  }
  Status parse_shape(Shape& shape) {
    shape.clear();
    if (!eat('(')) return bad("shape must be a tuple");
    while (true) {
      skip_ws();
      if (eat(')')) break;
      if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_])))
        return bad("shape entries must be non-negative integers");
      int64_t v = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        if (v > (int64_t{1} << 50))
          return make_error(ErrorCode::kOutOfRange, name_, ": .npy shape dimension too large");
        v = v * 10 + (s_[pos_++] - '0');
      }
      shape.push_back(v);
      if (shape.size() > kMaxRank)
        return make_error(ErrorCode::kOutOfRange, name_, ": .npy shape rank exceeds the limit ", kMaxRank);
      skip_ws();
      if (eat(',')) continue;
      skip_ws();
      if (eat(')')) break;
      return bad("expected ',' or ')' in shape");
    }
    return Status::Ok();
  }

  const std::string& s_;
  const std::string& name_;
  size_t pos_ = 0;
};

const char* descr_code(DType t) {
  for (const auto& d : kDescrs)
    if (d.dtype == t) return d.code;
  return nullptr;
}

}  // namespace

Expected<Tensor> parse_npy(const std::string& bytes, const std::string& name) {
  if (bytes.size() < kMagicLen + 2 || std::memcmp(bytes.data(), kMagic, kMagicLen) != 0)
    return make_error(ErrorCode::kInvalidArgument, name, ": not a .npy file (bad magic)");
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  int major = u[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    if (bytes.size() < 10) return make_error(ErrorCode::kIoError, name, ": truncated .npy header");
    header_len = u[8] | (size_t{u[9]} << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return make_error(ErrorCode::kIoError, name, ": truncated .npy header");
    header_len = u[8] | (size_t{u[9]} << 8) | (size_t{u[10]} << 16) | (size_t{u[11]} << 24);
    header_start = 12;
  } else {
    return make_error(ErrorCode::kUnsupportedAttr, name, ": .npy format version ", major, " is not supported");
  }
  if (header_len > bytes.size() - header_start)
    return make_error(ErrorCode::kIoError, name, ": truncated .npy header (", header_len, " bytes declared, ",
                      bytes.size() - header_start, " present)");
  std::string header = bytes.substr(header_start, header_len);
  std::string descr;
  bool fortran = false;
  Shape shape;
  NPUKIT_RETURN_IF_ERROR(HeaderParser(header, name).parse(descr, fortran, shape));
  if (fortran)
    return make_error(ErrorCode::kUnsupportedAttr, name,
                      ": fortran_order .npy arrays are not supported; save with "
                      "numpy.ascontiguousarray");
  if (descr.size() != 3 || (descr[0] != '<' && descr[0] != '|' && descr[0] != '='))
    return make_error(ErrorCode::kUnsupportedAttr, name, ": .npy dtype '", descr,
                      "' is not supported (need little-endian f2/f4/f8/i1/u1/i2/u2/i4/u4/i8/u8/b1)");
  DType dtype = DType::kUndefined;
  for (const auto& d : kDescrs)
    if (descr.compare(1, 2, d.code) == 0) dtype = d.dtype;
  if (dtype == DType::kUndefined)
    return make_error(ErrorCode::kUnsupportedAttr, name, ": .npy dtype '", descr, "' is not supported");
  auto n = checked_numel(shape);
  if (!n.ok()) return n.status().with_context(name);
  const size_t data_start = header_start + header_len;
  const size_t have = bytes.size() - data_start;
  const uint64_t want = static_cast<uint64_t>(*n) * dtype_size(dtype);
  if (have != want)
    return make_error(ErrorCode::kIoError, name, ": .npy data is ", have, " bytes but shape ", shape_str(shape), " of ",
                      dtype_name(dtype), " needs ", want, have < want ? " (file truncated)" : " (trailing bytes)");
  NPUKIT_ASSIGN_OR_RETURN(Tensor t, Tensor::create(dtype, shape));
  if (want) std::memcpy(t.raw(), bytes.data() + data_start, want);
  if (dtype == DType::kBool) {
    // Keep the invariant that bool bytes are 0/1 whatever the file holds.
    auto* b = t.data<uint8_t>();
    for (int64_t i = 0; i < t.numel(); ++i) b[i] = b[i] ? 1 : 0;
  }
  return t;
}

Expected<Tensor> load_npy(const std::string& path) {
  NPUKIT_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  return parse_npy(bytes, path);
}

Expected<std::string> serialize_npy(const Tensor& t) {
  const char* code = descr_code(t.dtype());
  if (!code || t.empty())
    return make_error(ErrorCode::kUnsupportedAttr, "cannot write a tensor of dtype ", dtype_name(t.dtype()),
                      " as .npy");
  std::string shape = "(";
  for (size_t i = 0; i < t.rank(); ++i)
    shape += std::to_string(t.dim(i)) + (t.rank() == 1 ? "," : i + 1 < t.rank() ? ", " : "");
  shape += ")";
  const char order = (t.dtype() == DType::kI8 || t.dtype() == DType::kU8 || t.dtype() == DType::kBool) ? '|' : '<';
  std::string dict = str_cat("{'descr': '", order, code, "', 'fortran_order': False, 'shape': ", shape, ", }");
  // Pad with spaces and end with '\n' so the data starts on a 64-byte boundary (as NumPy does).
  int major = 1;
  size_t prefix = kMagicLen + 2 + 2;
  auto padded_len = [&](size_t pre) { return (pre + dict.size() + 1 + 63) / 64 * 64 - pre; };
  if (padded_len(prefix) > 65535) {  // version 1.0 stores the header length in 16 bits
    major = 2;
    prefix = kMagicLen + 2 + 4;
  }
  dict.append(padded_len(prefix) - dict.size() - 1, ' ');
  dict.push_back('\n');
  std::string out(kMagic, kMagicLen);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  const size_t hl = dict.size();
  if (major == 1) {
    out.push_back(static_cast<char>(hl & 0xff));
    out.push_back(static_cast<char>((hl >> 8) & 0xff));
  } else {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((hl >> (8 * i)) & 0xff));
  }
  out += dict;
  out.append(static_cast<const char*>(t.raw()), t.nbytes());
  return out;
}

Status save_npy(const std::string& path, const Tensor& t) {
  NPUKIT_ASSIGN_OR_RETURN(std::string bytes, serialize_npy(t));
  return atomic_write_file(path, bytes);
}

}  // namespace npukit::io
