// SPDX-License-Identifier: Apache-2.0
#include "ir/op_table.h"

#include <array>
#include <string>
#include <unordered_map>

namespace npukit::ir {

namespace {
constexpr std::array<OpInfo, kNumOps> kTable = {{
// clang-format off
#define NPUKIT_OP(kind, onnx, min_in, max_in, min_out, max_out, since, cost) \
  OpInfo{OpKind::k##kind, onnx, "", min_in, max_in, min_out, max_out, since, CostClass::cost, \
         &attrs_##kind, &infer_##kind},
#define NPUKIT_QOP(kind, onnx, min_in, max_in, min_out, max_out, cost) \
  OpInfo{OpKind::k##kind, onnx, kNpukitDomain, min_in, max_in, min_out, max_out, 1, CostClass::cost, \
         &attrs_##kind, &infer_##kind},
// clang-format on
#include "ops.def"
#undef NPUKIT_QOP
#undef NPUKIT_OP
}};

// Table order must equal enum order so op_info() is an index.
constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < kNumOps; ++i)
    if (static_cast<size_t>(kTable[i].kind) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "ops.def expansion out of order");
}  // namespace

const char* cost_class_name(CostClass c) {
  switch (c) {
    case CostClass::kConv: return "conv";
    case CostClass::kMatMul: return "matmul";
    case CostClass::kNorm: return "norm";
    case CostClass::kActivation: return "activation";
    case CostClass::kElementwise: return "elementwise";
    case CostClass::kReduce: return "reduce";
    case CostClass::kPool: return "pool";
    case CostClass::kResize: return "resize";
    case CostClass::kDataMove: return "datamove";
    case CostClass::kShape: return "shape";
    case CostClass::kRnn: return "rnn";
    case CostClass::kQuant: return "quant";
    case CostClass::kControl: return "control";
  }
  return "?";
}

const OpInfo& op_info(OpKind kind) {
  return kTable[static_cast<size_t>(kind)];
}
std::span<const OpInfo> all_ops() {
  return kTable;
}
const char* op_name(OpKind kind) {
  return op_info(kind).name;
}

const OpInfo* find_op(std::string_view domain, std::string_view op_type) {
  // Keyed by "domain\nop_type" with the default domain spelled "": a QConv in the default domain is unknown.
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string, const OpInfo*>();
    for (const auto& row : kTable) (*m)[std::string(row.domain) + "\n" + row.name] = &row;
    return m;
  }();
  const std::string_view d = domain == "ai.onnx" ? std::string_view() : domain;
  auto it = map->find(std::string(d) + "\n" + std::string(op_type));
  return it == map->end() ? nullptr : it->second;
}

const OpInfo* find_op(std::string_view onnx_name) {
  return find_op("", onnx_name);
}

Status normalize_attrs(OpKind kind, std::string_view node_name, Attrs& attrs) {
  const OpInfo& info = op_info(kind);
  auto schema = info.attrs();
  for (const auto& [name, value] : attrs.all()) {
    const AttrSpec* spec = nullptr;
    for (const auto& s : schema)
      if (name == s.name) spec = &s;
    if (!spec)
      return make_error(ErrorCode::kUnsupportedAttr, info.name, " '", node_name, "': unknown attribute '", name, "'");
    AttrType got = attr_value_type(value);
    if (got != spec->type) {
      // ints given where floats are expected (and vice versa for scalars) are a common exporter quirk.
      bool convertible = (spec->type == AttrType::kFloat && got == AttrType::kInt) ||
                         (spec->type == AttrType::kFloats && got == AttrType::kInts);
      if (!convertible)
        return make_error(ErrorCode::kInvalidModel, info.name, " '", node_name, "': attribute '", name, "' must be ",
                          attr_type_name(spec->type), ", got ", attr_type_name(got));
    }
  }
  for (const auto& s : schema) {
    const AttrValue* v = attrs.find(s.name);
    if (!v) {
      if (s.presence == AttrPresence::kOptional) continue;
      if (s.presence == AttrPresence::kRequired)
        return make_error(ErrorCode::kInvalidModel, info.name, " '", node_name, "': missing required attribute '",
                          s.name, "'");
      attrs.set(s.name, s.default_value);
      continue;
    }
    if (s.type == AttrType::kFloat && attr_value_type(*v) == AttrType::kInt) {
      attrs.set(s.name, static_cast<float>(std::get<int64_t>(*v)));
    } else if (s.type == AttrType::kFloats && attr_value_type(*v) == AttrType::kInts) {
      const auto& iv = std::get<std::vector<int64_t>>(*v);
      attrs.set(s.name, std::vector<float>(iv.begin(), iv.end()));
    }
  }
  return Status::Ok();
}

}  // namespace npukit::ir
