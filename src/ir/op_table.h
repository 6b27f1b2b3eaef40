// SPDX-License-Identifier: Apache-2.0
// ir: the operator table, expanded from src/ops.def. One row per op: names, arity, opset range,
// attribute schema with defaults, shape inference, cost class. Reference kernels are expanded
// separately by interp/ (kernels/ref knows nothing about the graph).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/attrs.h"
#include "core/status.h"
#include "core/tensor.h"

namespace npukit::ir {

/// Highest default-domain opset the frontend accepts (18 where the ops used are unchanged or rewritable).
inline constexpr int kMaxOpset = 18;
/// Lowest default-domain opset the frontend accepts. Opsets 7–18 are the supported range; models
/// of opsets 1–6 are accepted too, because an op whose form changed since then carries a legacy
/// attribute (consumed_inputs, broadcast, a shape attribute, ...) that the schema check rejects by
/// name, so such a model fails with a clear message instead of running with changed semantics.
inline constexpr int kMinOpset = 1;
/// Opset of the canonical form (the IR's semantics and the exporter's opset).
inline constexpr int kCanonicalOpset = 17;
/// npukit's own ONNX domain: the integer ops of a lowered quantized graph (NPUKIT_QOP rows of ops.def).
inline constexpr const char* kNpukitDomain = "npukit";
/// The one version of the "npukit" domain (opset_import entry written on export, highest accepted on import).
inline constexpr int kNpukitDomainVersion = 1;

enum class OpKind : uint16_t {
#define NPUKIT_OP(kind, onnx, min_in, max_in, min_out, max_out, since, cost) k##kind,
#include "ops.def"
#undef NPUKIT_OP
  kCount
};
inline constexpr size_t kNumOps = static_cast<size_t>(OpKind::kCount);

/// Coarse cost family: used by the estimator and NPU placement (later stages).
enum class CostClass : uint8_t {
  kConv,
  kMatMul,
  kNorm,
  kActivation,
  kElementwise,
  kReduce,
  kPool,
  kResize,
  kDataMove,
  kShape,
  kRnn,
  kQuant,
  kControl
};
const char* cost_class_name(CostClass c);

/// How an attribute's absence is handled.
enum class AttrPresence : uint8_t {
  kDefault,   ///< filled with default_value when absent (the normal case)
  kRequired,  ///< absence is an error naming the node
  kOptional,  ///< left absent when absent (its meaning depends on inputs, e.g. Conv kernel_shape)
};

/// One attribute of an op's schema, e.g. {"group", AttrType::kInt, int64_t{1}}.
struct AttrSpec {
  const char* name;
  AttrType type;
  AttrValue default_value = int64_t{0};
  AttrPresence presence = AttrPresence::kDefault;
};

/// What shape inference knows about one input.
struct TensorInfo {
  bool present = false;  ///< false for an absent optional input
  DType dtype = DType::kUndefined;
  Shape shape;
  const Tensor* value = nullptr;  ///< constant value when known (initializer or folded), else nullptr
};

/// Output type produced by shape inference.
struct TensorType {
  DType dtype = DType::kUndefined;
  Shape shape;
};

/// Input to an op's shape inference. Errors should name `node_name` and `op_type`: use ctx.error(...).
struct InferContext {
  std::string_view op_type;
  std::string_view node_name;
  const Attrs& attrs;
  std::span<const TensorInfo> inputs;
  size_t num_outputs = 1;

  size_t num_inputs() const { return inputs.size(); }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i].present; }
  const TensorInfo& input(size_t i) const { return inputs[i]; }
  /// Error naming the op and node: "Conv 'conv1': <parts>".
  template <class... Args>
  Status error(ErrorCode code, const Args&... args) const {
    return make_error(code, op_type, " '", node_name, "': ", args...);
  }
};

using AttrsFn = std::span<const AttrSpec> (*)();
using InferFn = Expected<std::vector<TensorType>> (*)(const InferContext&);

/// One row of the table.
struct OpInfo {
  OpKind kind;
  const char* name;    ///< ONNX op_type
  const char* domain;  ///< "" (default ONNX domain) or kNpukitDomain
  int min_inputs, max_inputs, min_outputs, max_outputs;
  int since_opset;  ///< lowest opset of the op's domain
  CostClass cost;
  AttrsFn attrs;  ///< schema (with defaults)
  InferFn infer;  ///< shape/dtype inference
};

/// Row for a kind (always valid for kind < kCount).
const OpInfo& op_info(OpKind kind);
/// Looks up a default-domain ONNX op_type; nullptr if npukit does not know it.
const OpInfo* find_op(std::string_view onnx_name);
/// Looks up an op_type of a domain ("" or "ai.onnx": default domain; kNpukitDomain); nullptr if unknown.
const OpInfo* find_op(std::string_view domain, std::string_view op_type);
/// True for ops of the default ONNX domain, false for npukit-domain ops.
inline bool is_default_domain_op(const OpInfo& info) {
  return info.domain[0] == '\0';
}
/// All rows in ops.def order.
std::span<const OpInfo> all_ops();
const char* op_name(OpKind kind);

/// Checks `attrs` against the schema of `kind` and fills defaults: unknown attribute names, wrong
/// types and missing required attributes are errors naming the node. Used by the frontend and by
/// passes that build nodes.
Status normalize_attrs(OpKind kind, std::string_view node_name, Attrs& attrs);

// ---- helpers shared by infer functions (ir/ops/infer_util.cpp) ----
/// Numpy-style multidirectional broadcast of two shapes; error if incompatible.
Expected<Shape> broadcast_shapes(const Shape& a, const Shape& b);
/// Normalises a possibly negative axis into [0, rank); error if out of range.
Expected<int64_t> normalize_axis(int64_t axis, int64_t rank);

// ---- per-op declarations (definitions live in ir/ops/*.cpp) ----
#define NPUKIT_OP(kind, onnx, min_in, max_in, min_out, max_out, since, cost) \
  std::span<const AttrSpec> attrs_##kind();                                  \
  Expected<std::vector<TensorType>> infer_##kind(const InferContext& ctx);
#include "ops.def"
#undef NPUKIT_OP

}  // namespace npukit::ir
