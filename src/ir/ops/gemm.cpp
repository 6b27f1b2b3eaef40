// SPDX-License-Identifier: Apache-2.0
// Schema + shape inference for Gemm and MatMul (f32).
//  - Gemm: A, B rank 2 (after optional transposes A' [M,K], B' [K,N]); C unidirectionally broadcastable to [M,N].
//  - MatMul: numpy.matmul semantics: 1-D operands are promoted (a prepended / b appended 1) and the promoted
//    dim is removed from the result; leading batch dims broadcast numpy-style.
#include "ir/op_table.h"
#include "ir/ops/infer_util.h"

namespace npukit::ir {
namespace {}  // namespace

std::span<const AttrSpec> attrs_Gemm() {
  static const AttrSpec kSpecs[] = {
      {"alpha", AttrType::kFloat, 1.0f},
      {"beta", AttrType::kFloat, 1.0f},
      {"transA", AttrType::kInt, int64_t{0}},
      {"transB", AttrType::kInt, int64_t{0}},
  };
  return kSpecs;
}

Expected<std::vector<TensorType>> infer_Gemm(const InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.error(ErrorCode::kInvalidModel, "inputs A and B are required");
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 0, "A"));
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 1, "B"));
  const Shape& sa = ctx.input(0).shape;
  const Shape& sb = ctx.input(1).shape;
  if (sa.size() != 2 || sb.size() != 2)
    return ctx.error(ErrorCode::kShapeMismatch, "A and B must be rank 2, got ", shape_str(sa), " and ", shape_str(sb));
  bool ta = ctx.attrs.get_int("transA") != 0, tb = ctx.attrs.get_int("transB") != 0;
  int64_t m = ta ? sa[1] : sa[0], k = ta ? sa[0] : sa[1];
  int64_t kb = tb ? sb[1] : sb[0], n = tb ? sb[0] : sb[1];
  if (k != kb)
    return ctx.error(ErrorCode::kShapeMismatch, "inner dims differ: A' is [", m, ",", k, "], B' is [", kb, ",", n,
                     "] (transA=", ta, ", transB=", tb, ")");
  if (ctx.has_input(2)) {
    NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 2, "C"));
    const Shape& sc = ctx.input(2).shape;
    // Unidirectional broadcast: C's (right-aligned) dims must be 1 or equal to [M, N].
    bool ok = sc.size() <= 2;
    Shape target = {m, n};
    for (size_t i = 0; ok && i < sc.size(); ++i) {
      int64_t d = sc[sc.size() - 1 - i], t = target[1 - i];
      ok = d == 1 || d == t;
    }
    if (!ok)
      return ctx.error(ErrorCode::kShapeMismatch, "C ", shape_str(sc), " is not unidirectionally broadcastable to [", m,
                       ",", n, "]");
  }
  return std::vector<TensorType>{{DType::kF32, {m, n}}};
}

std::span<const AttrSpec> attrs_MatMul() {
  return {};
}

Expected<std::vector<TensorType>> infer_MatMul(const InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.error(ErrorCode::kInvalidModel, "inputs A and B are required");
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 0, "A"));
  NPUKIT_RETURN_IF_ERROR(check_f32(ctx, 1, "B"));
  Shape sa = ctx.input(0).shape;
  Shape sb = ctx.input(1).shape;
  if (sa.empty() || sb.empty())
    return ctx.error(ErrorCode::kShapeMismatch, "MatMul operands must have rank >= 1, got ", shape_str(sa), " and ",
                     shape_str(sb));
  bool a_vec = sa.size() == 1, b_vec = sb.size() == 1;
  if (a_vec) sa.insert(sa.begin(), 1);
  if (b_vec) sb.push_back(1);
  if (sa.back() != sb[sb.size() - 2])
    return ctx.error(ErrorCode::kShapeMismatch, "inner dims differ: ", shape_str(ctx.input(0).shape), " x ",
                     shape_str(ctx.input(1).shape));
  Shape ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  auto batch = broadcast_shapes(ba, bb);
  if (!batch.ok())
    return ctx.error(ErrorCode::kShapeMismatch, "batch dims of ", shape_str(ctx.input(0).shape), " and ",
                     shape_str(ctx.input(1).shape), " do not broadcast");
  Shape out = *batch;
  if (!a_vec) out.push_back(sa[sa.size() - 2]);
  if (!b_vec) out.push_back(sb.back());
  return std::vector<TensorType>{{DType::kF32, out}};
}

}  // namespace npukit::ir
