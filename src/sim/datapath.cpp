// SPDX-License-Identifier: Apache-2.0
// sim: the units' datapath. Every compute command is the reference kernel of its layer applied to tiles:
// the operand tiles are cropped to exactly what the dst tile needs, the node's parameters are adjusted to the
// tile (pads become the part of the true tensor border the tile touches, per-channel values are sliced), and
// the same function the reference interpreter calls for the node computes the dst tile. Results are therefore
// bit-exact with the interpreter whenever the tiles hold the right data.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "interp/interpreter.h"
#include "kernels/ref/qkernels.h"
#include "kernels/ref/qparams.h"
#include "sim/sim_internal.h"

namespace npukit::sim::internal {

using ir::OpKind;
using npk::Box;
using npk::CmdOp;
using npk::Command;
using npk::Operand;
using npk::Role;

void for_each_run(const Shape& shape, const Box& box,
                  const std::function<void(int64_t tensor_elem, int64_t box_elem, int64_t count)>& fn) {
  const int r = box.rank;
  if (r == 0) {
    fn(0, 0, 1);
    return;
  }
  for (int d = 0; d < r; ++d)
    if (box.size[d] <= 0) return;
  // Trailing dims the box covers completely merge into one contiguous run with the dim before them.
  int d = r - 1;
  int64_t run = box.size[d];
  while (d > 0 && box.start[d] == 0 && box.size[d] == shape[d]) {
    --d;
    run *= box.size[d];
  }
  const std::vector<int64_t> strides = contiguous_strides(shape);
  std::array<int64_t, npk::kMaxBoxRank> idx{};
  int64_t box_elem = 0;
  while (true) {
    int64_t off = box.start[d] * strides[d];
    for (int i = 0; i < d; ++i) off += (box.start[i] + idx[i]) * strides[i];
    fn(off, box_elem, run);
    box_elem += run;
    int i = d - 1;
    for (; i >= 0; --i) {
      if (++idx[i] < box.size[i]) break;
      idx[i] = 0;
    }
    if (i < 0) break;
  }
}

Expected<Tensor> crop(const Tensor& tile, const Box& tile_box, const Box& need, const char* what) {
  if (need.rank != tile_box.rank)
    return make_error(ErrorCode::kInternal, what, " tile ", tile_box.str(), " has rank ", tile_box.rank, ", needed ",
                      need.str());
  const bool empty = need.elements() == 0;
  if (!empty && !tile_box.contains(need))
    return make_error(ErrorCode::kInternal, what, " tile ", tile_box.str(), " does not contain the needed region ",
                      need.str());
  Tensor out(tile.dtype(), need.shape());
  if (empty) return out;
  Box rel = need;
  for (int d = 0; d < rel.rank; ++d) rel.start[d] -= tile_box.start[d];
  const size_t es = dtype_size(tile.dtype());
  const auto* src = static_cast<const std::byte*>(tile.raw());
  auto* dst = static_cast<std::byte*>(out.raw());
  for_each_run(tile.shape(), rel, [&](int64_t te, int64_t be, int64_t n) {
    std::memcpy(dst + static_cast<size_t>(be) * es, src + static_cast<size_t>(te) * es, static_cast<size_t>(n) * es);
  });
  return out;
}

namespace {

Box make_box(const std::vector<int64_t>& start, const std::vector<int64_t>& size) {
  Box b;
  b.rank = static_cast<int32_t>(start.size());
  for (size_t d = 0; d < start.size(); ++d) {
    b.start[d] = start[d];
    b.size[d] = size[d];
  }
  return b;
}

const SrcTile* find(const std::vector<SrcTile>& s, Role r) {
  for (const SrcTile& t : s)
    if (t.op->role == r) return &t;
  return nullptr;
}

/// The tile of role `r`, which must exist and have `dtype`.
Expected<const SrcTile*> need_role(const std::vector<SrcTile>& s, Role r, DType dtype) {
  const SrcTile* t = find(s, r);
  if (t == nullptr) return make_error(ErrorCode::kInternal, "missing operand role '", npk::role_name(r), "'");
  if (t->op->dtype != dtype)
    return make_error(ErrorCode::kInternal, npk::role_name(r), " tile has dtype ", dtype_name(t->op->dtype),
                      ", the tensor is ", dtype_name(dtype));
  return t;
}

Expected<const ir::Value*> input(const ir::Node& node, size_t i) {
  const ir::Value* v = node.input(i);
  if (v == nullptr || !v->has_type())
    return make_error(ErrorCode::kInternal, "layer input ", i, " is absent or has no static type");
  return v;
}

/// A constant input of the node (shape-like operands such as Pad's pads, Resize's scales).
Expected<const Tensor*> const_input(const ir::Node& node, size_t i) {
  const ir::Value* v = node.input(i);
  if (v == nullptr) return static_cast<const Tensor*>(nullptr);
  if (!v->is_constant())
    return make_error(ErrorCode::kUnsupportedAttr, "input ", i, " '", v->name(), "' must be a constant on the NPU");
  return v->const_value();
}

/// Runs the node's reference kernel (with `attrs`) on `ins`, producing one output of dtype / shape.
Expected<Tensor> call_kernel(const ir::Node& node, const Attrs& attrs, const std::vector<const Tensor*>& ins,
                             DType dtype, const Shape& shape) {
  ref::RefKernelFn fn = interp::ref_kernel(node.op());
  if (fn == nullptr) return make_error(ErrorCode::kInternal, "no reference kernel for ", node.op_type());
  NPUKIT_ASSIGN_OR_RETURN(Tensor y, Tensor::create(dtype, shape));
  std::vector<Tensor> outs;
  outs.push_back(std::move(y));
  ref::KernelArgs args{node.op_type(), node.name(), attrs, ins, outs};
  NPUKIT_RETURN_IF_ERROR(fn(args));
  return std::move(outs[0]);
}

/// Checks a result against the dst operand (dtype and box shape).
Expected<Tensor> check_result(Tensor y, const Command& c) {
  if (y.dtype() != c.dst.dtype || y.shape() != c.dst.box.shape())
    return make_error(ErrorCode::kInternal, "result is ", dtype_name(y.dtype()), shape_str(y.shape()),
                      " but the dst tile is ", dtype_name(c.dst.dtype), shape_str(c.dst.box.shape()));
  return y;
}

/// One spatial axis of a windowed op: the input rows [start, start + size) the outputs [o0, o0 + n) read
/// (clipped to the tensor) and the pads the clipped part leaves on each side (the true tensor border).
struct AxisWindow {
  int64_t start = 0, size = 0, pad_begin = 0, pad_end = 0;
};
AxisWindow axis_window(int64_t o0, int64_t n, int64_t stride, int64_t dilation, int64_t kernel, int64_t pad_begin,
                       int64_t in) {
  const int64_t a = o0 * stride - pad_begin, b = (o0 + n - 1) * stride - pad_begin + (kernel - 1) * dilation + 1;
  const int64_t ca = std::clamp<int64_t>(a, 0, in), cb = std::clamp<int64_t>(b, 0, in);
  if (cb <= ca) return AxisWindow{ca, 0, b - a, 0};  // every window lies in the padding
  return AxisWindow{ca, cb - ca, ca - a, b - cb};
}

/// Adds the AccIn tile (kI64 partial sums of earlier K shares), if any, to `acc`.
Status add_acc_in(const std::vector<SrcTile>& s, const Box& dst, Tensor* acc) {
  const SrcTile* t = find(s, Role::kAccIn);
  if (t == nullptr) return Status::Ok();
  if (t->op->dtype != DType::kI64)
    return make_error(ErrorCode::kInternal, "acc_in tile has dtype ", dtype_name(t->op->dtype), " (need i64)");
  NPUKIT_ASSIGN_OR_RETURN(Tensor in, crop(t->data, t->op->box, dst, "acc_in"));
  int64_t* a = acc->data<int64_t>();
  const int64_t* b = in.data<int64_t>();
  for (int64_t i = 0; i < acc->numel(); ++i) a[i] += b[i];
  return Status::Ok();
}

/// Per-channel multipliers sliced to [c0, c0 + n) (per-tensor ones are kept).
Expected<std::vector<quant::QuantizedMultiplier>> slice_mults(const std::vector<quant::QuantizedMultiplier>& m,
                                                              int64_t channels, int64_t c0, int64_t n) {
  if (m.size() <= 1) return m;  // per tensor, or none (int32 accumulator output)
  if (static_cast<int64_t>(m.size()) != channels)
    return make_error(ErrorCode::kUnsupportedAttr, m.size(), " multipliers for ", channels, " channels");
  return std::vector<quant::QuantizedMultiplier>(m.begin() + c0, m.begin() + c0 + n);
}

/// The K share of a TAE command: partial sums (no kFinal) must go to an i64 dst.
Status check_partial(const Command& c) {
  if (c.dst.dtype != DType::kI64)
    return make_error(ErrorCode::kInternal, "a command without kFinal produces partial sums: dst must be i64, not ",
                      dtype_name(c.dst.dtype));
  return Status::Ok();
}

Expected<Tensor> conv(const Command& c, const ir::Node& node, const std::vector<SrcTile>& s) {
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* xv, input(node, 0));
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* wv, input(node, 1));
  if (xv->shape().size() != 4 || wv->shape().size() != 4)
    return make_error(ErrorCode::kInternal, "QConv x / w must be 4-D");
  const bool has_res = node.input(3) != nullptr;
  NPUKIT_ASSIGN_OR_RETURN(qref::QConv2dParams p, qref::qconv_params(node.attrs(), has_res));
  const int64_t ch = xv->shape()[1], h = xv->shape()[2], w = xv->shape()[3];
  const int64_t co = wv->shape()[0], cg = wv->shape()[1], kh = wv->shape()[2], kw = wv->shape()[3];
  if (p.group < 1 || co % p.group != 0) return make_error(ErrorCode::kInternal, "QConv group ", p.group);
  const Box& d = c.dst.box;
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* xt, need_role(s, Role::kX, xv->dtype()));
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* wt, need_role(s, Role::kW, wv->dtype()));
  const Box& wb = wt->op->box;
  if (wb.rank != 4) return make_error(ErrorCode::kInternal, "w tile ", wb.str(), " must be 4-D");
  const int64_t oc0 = d.start[1], oc1 = d.start[1] + d.size[1];
  int64_t xc0 = 0, xc1 = 0, ic0 = 0, ic1 = 0;
  if (p.group == 1) {
    // The W box's input-channel range is this command's share of the reduction.
    ic0 = wb.start[1], ic1 = wb.start[1] + wb.size[1];
    if (ic0 < 0 || ic1 > ch || ic1 <= ic0)
      return make_error(ErrorCode::kInternal, "w tile ", wb.str(), ": input channels outside [0, ", ch, ")");
    xc0 = ic0, xc1 = ic1;
  } else {
    const int64_t cog = co / p.group;
    if (wb.start[1] != 0 || wb.size[1] != cg)
      return make_error(ErrorCode::kInternal, "w tile ", wb.str(), ": a grouped conv (group ", p.group, ") needs all ",
                        cg, " input channels of each filter (no K split)");
    if (oc0 % cog != 0 || oc1 % cog != 0)
      return make_error(ErrorCode::kInternal, "dst channels [", oc0, ", ", oc1, ") are not aligned to the groups of ",
                        cog, " output channels");
    xc0 = oc0 / cog * cg, xc1 = oc1 / cog * cg;
    ic0 = 0, ic1 = cg;
    p.group = (oc1 - oc0) / cog;
  }
  const AxisWindow ay = axis_window(d.start[2], d.size[2], p.stride_h, p.dilation_h, kh, p.pad_top, h);
  const AxisWindow ax = axis_window(d.start[3], d.size[3], p.stride_w, p.dilation_w, kw, p.pad_left, w);
  const Box xneed = make_box({d.start[0], xc0, ay.start, ax.start}, {d.size[0], xc1 - xc0, ay.size, ax.size});
  NPUKIT_ASSIGN_OR_RETURN(Tensor x, crop(xt->data, xt->op->box, xneed, "x"));
  NPUKIT_ASSIGN_OR_RETURN(Tensor wsub,
                          crop(wt->data, wb, make_box({oc0, ic0, 0, 0}, {oc1 - oc0, ic1 - ic0, kh, kw}), "w"));
  p.pad_top = ay.pad_begin, p.pad_bottom = ay.pad_end;
  p.pad_left = ax.pad_begin, p.pad_right = ax.pad_end;
  Tensor acc;
  NPUKIT_RETURN_IF_ERROR(qref::qconv2d_accumulate(x, wsub, p, &acc));
  if (acc.shape() != d.shape())
    return make_error(ErrorCode::kInternal, "tile conv gives ", shape_str(acc.shape()), " for dst ", d.str());
  NPUKIT_RETURN_IF_ERROR(add_acc_in(s, d, &acc));
  if ((c.flags & npk::kFinal) == 0) {
    NPUKIT_RETURN_IF_ERROR(check_partial(c));
    return acc;
  }
  Tensor bias, residual;
  if (node.input(2) != nullptr) {
    NPUKIT_ASSIGN_OR_RETURN(const SrcTile* bt, need_role(s, Role::kBias, node.input(2)->dtype()));
    NPUKIT_ASSIGN_OR_RETURN(bias, crop(bt->data, bt->op->box, make_box({oc0}, {oc1 - oc0}), "bias"));
  }
  if (has_res) {
    NPUKIT_ASSIGN_OR_RETURN(const SrcTile* rt, need_role(s, Role::kResidual, node.input(3)->dtype()));
    NPUKIT_ASSIGN_OR_RETURN(residual, crop(rt->data, rt->op->box, d, "residual"));
  }
  NPUKIT_ASSIGN_OR_RETURN(p.out_mult, slice_mults(p.out_mult, co, oc0, oc1 - oc0));
  Tensor y;
  NPUKIT_RETURN_IF_ERROR(qref::qconv2d_finish(acc, bias.empty() ? nullptr : &bias, p,
                                              qref::wide_accumulator(xv->dtype()), &y,
                                              residual.empty() ? nullptr : &residual));
  return y;
}

Expected<Tensor> gemm(const Command& c, const ir::Node& node, const std::vector<SrcTile>& s) {
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* av, input(node, 0));
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* wv, input(node, 1));
  if (av->shape().size() != 2 || wv->shape().size() != 2) return make_error(ErrorCode::kInternal, "QGemm needs 2-D");
  NPUKIT_ASSIGN_OR_RETURN(qref::QGemmParams p, qref::qgemm_params(node.attrs()));
  const int64_t k = av->shape()[1], n = wv->shape()[0];
  const Box& d = c.dst.box;
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* xt, need_role(s, Role::kX, av->dtype()));
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* wt, need_role(s, Role::kW, wv->dtype()));
  const Box& wb = wt->op->box;
  if (wb.rank != 2) return make_error(ErrorCode::kInternal, "w tile ", wb.str(), " must be 2-D");
  const int64_t k0 = wb.start[1], k1 = wb.start[1] + wb.size[1];
  if (k0 < 0 || k1 > k || k1 <= k0)
    return make_error(ErrorCode::kInternal, "w tile ", wb.str(), ": K range outside [0, ", k, ")");
  NPUKIT_ASSIGN_OR_RETURN(Tensor a, crop(xt->data, xt->op->box, make_box({d.start[0], k0}, {d.size[0], k1 - k0}), "x"));
  NPUKIT_ASSIGN_OR_RETURN(Tensor w, crop(wt->data, wb, make_box({d.start[1], k0}, {d.size[1], k1 - k0}), "w"));
  Tensor acc;
  NPUKIT_RETURN_IF_ERROR(qref::qgemm_accumulate(a, w, p, &acc));
  NPUKIT_RETURN_IF_ERROR(add_acc_in(s, d, &acc));
  if ((c.flags & npk::kFinal) == 0) {
    NPUKIT_RETURN_IF_ERROR(check_partial(c));
    return acc;
  }
  Tensor bias;
  if (node.input(2) != nullptr) {
    NPUKIT_ASSIGN_OR_RETURN(const SrcTile* bt, need_role(s, Role::kBias, node.input(2)->dtype()));
    NPUKIT_ASSIGN_OR_RETURN(bias, crop(bt->data, bt->op->box, make_box({d.start[1]}, {d.size[1]}), "bias"));
  }
  NPUKIT_ASSIGN_OR_RETURN(p.out_mult, slice_mults(p.out_mult, n, d.start[1], d.size[1]));
  Tensor y;
  NPUKIT_RETURN_IF_ERROR(
      qref::qgemm_finish(acc, bias.empty() ? nullptr : &bias, p, qref::wide_accumulator(av->dtype()), &y));
  return y;
}

Expected<Tensor> matmul(const Command& c, const ir::Node& node, const std::vector<SrcTile>& s) {
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* av, input(node, 0));
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* bv, input(node, 1));
  const int r = static_cast<int>(av->shape().size()), rb = static_cast<int>(bv->shape().size());
  if (r < 2 || r > npk::kMaxBoxRank || (rb != 2 && rb != r))
    return make_error(ErrorCode::kInternal, "QMatMul shapes ", shape_str(av->shape()), " x ", shape_str(bv->shape()));
  NPUKIT_ASSIGN_OR_RETURN(qref::QMatMulParams p, qref::qmatmul_params(node.attrs()));
  const int64_t k = av->shape()[static_cast<size_t>(r - 1)], n = bv->shape()[static_cast<size_t>(rb - 1)];
  const Box& d = c.dst.box;
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* xt, need_role(s, Role::kX, av->dtype()));
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* bt, need_role(s, Role::kB, bv->dtype()));
  const Box& bb = bt->op->box;
  if (bb.rank != rb) return make_error(ErrorCode::kInternal, "b tile ", bb.str(), " must have rank ", rb);
  const int64_t k0 = bb.start[rb - 2], k1 = bb.start[rb - 2] + bb.size[rb - 2];
  if (k0 < 0 || k1 > k || k1 <= k0)
    return make_error(ErrorCode::kInternal, "b tile ", bb.str(), ": K range outside [0, ", k, ")");
  Box xneed = d, bneed;
  xneed.start[r - 1] = k0, xneed.size[r - 1] = k1 - k0;
  if (rb == 2) {
    bneed = make_box({k0, d.start[r - 1]}, {k1 - k0, d.size[r - 1]});
  } else {
    bneed = d;
    bneed.start[r - 2] = k0, bneed.size[r - 2] = k1 - k0;
  }
  NPUKIT_ASSIGN_OR_RETURN(Tensor a, crop(xt->data, xt->op->box, xneed, "x"));
  NPUKIT_ASSIGN_OR_RETURN(Tensor b, crop(bt->data, bb, bneed, "b"));
  Tensor acc;
  NPUKIT_RETURN_IF_ERROR(qref::qmatmul_accumulate(a, b, p, &acc));
  NPUKIT_RETURN_IF_ERROR(add_acc_in(s, d, &acc));
  if ((c.flags & npk::kFinal) == 0) {
    NPUKIT_RETURN_IF_ERROR(check_partial(c));
    return acc;
  }
  NPUKIT_ASSIGN_OR_RETURN(p.out_mult, slice_mults(p.out_mult, n, d.start[r - 1], d.size[r - 1]));
  Tensor y;
  NPUKIT_RETURN_IF_ERROR(qref::qmatmul_finish(acc, p, qref::wide_accumulator(av->dtype(), bv->dtype()), &y));
  return y;
}

/// The region of a (numpy-broadcast) input that produces the output region `d`.
Box broadcast_need(const Shape& in, const Box& d) {
  Box b;
  b.rank = static_cast<int32_t>(in.size());
  const int off = d.rank - b.rank;
  for (int j = 0; j < b.rank; ++j) {
    if (in[static_cast<size_t>(j)] == 1) {
      b.start[j] = 0, b.size[j] = 1;
    } else {
      b.start[j] = d.start[j + off], b.size[j] = d.size[j + off];
    }
  }
  return b;
}

Expected<Tensor> eltwise(const Command& c, const ir::Node& node, const std::vector<SrcTile>& s) {
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* av, input(node, 0));
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* bv, input(node, 1));
  const Box& d = c.dst.box;
  if (static_cast<int>(av->shape().size()) > d.rank || static_cast<int>(bv->shape().size()) > d.rank)
    return make_error(ErrorCode::kInternal, "input rank exceeds the dst rank");
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* xt, need_role(s, Role::kX, av->dtype()));
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* bt, need_role(s, Role::kB, bv->dtype()));
  NPUKIT_ASSIGN_OR_RETURN(Tensor a, crop(xt->data, xt->op->box, broadcast_need(av->shape(), d), "x"));
  NPUKIT_ASSIGN_OR_RETURN(Tensor b, crop(bt->data, bt->op->box, broadcast_need(bv->shape(), d), "b"));
  return call_kernel(node, node.attrs(), {&a, &b}, c.dst.dtype, d.shape());
}

/// Ops whose dst tile is the kernel applied to the same region of input 0 (LUT, REQUANT).
Expected<Tensor> pointwise(const Command& c, const ir::Node& node, const std::vector<SrcTile>& s) {
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* xv, input(node, 0));
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* xt, need_role(s, Role::kX, xv->dtype()));
  NPUKIT_ASSIGN_OR_RETURN(Tensor x, crop(xt->data, xt->op->box, c.dst.box, "x"));
  std::vector<const Tensor*> ins{&x};
  Tensor table;
  if (node.op() == OpKind::kQLut) {
    NPUKIT_ASSIGN_OR_RETURN(const ir::Value* tv, input(node, 1));
    NPUKIT_ASSIGN_OR_RETURN(const SrcTile* tt, need_role(s, Role::kTable, tv->dtype()));
    NPUKIT_ASSIGN_OR_RETURN(table, crop(tt->data, tt->op->box, Box::whole(tv->shape()), "table"));
    ins.push_back(&table);
  }
  return call_kernel(node, node.attrs(), ins, c.dst.dtype, c.dst.box.shape());
}

Expected<Tensor> concat(const Command& c, const ir::Node& node, const std::vector<SrcTile>& s) {
  const Box& d = c.dst.box;
  int64_t axis = node.attrs().get_int("axis");
  if (axis < 0) axis += d.rank;
  if (axis < 0 || axis >= d.rank) return make_error(ErrorCode::kInternal, "concat axis out of range");
  if (c.part < 0 || static_cast<size_t>(c.part) >= node.num_inputs())
    return make_error(ErrorCode::kInternal, "part ", c.part, " but the layer has ", node.num_inputs(), " inputs");
  int64_t offset = 0;
  for (int32_t i = 0; i < c.part; ++i) {
    NPUKIT_ASSIGN_OR_RETURN(const ir::Value* v, input(node, static_cast<size_t>(i)));
    offset += v->shape()[static_cast<size_t>(axis)];
  }
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* xv, input(node, static_cast<size_t>(c.part)));
  const int64_t len = xv->shape()[static_cast<size_t>(axis)];
  if (d.start[axis] < offset || d.start[axis] + d.size[axis] > offset + len)
    return make_error(ErrorCode::kInternal, "dst ", d.str(), " leaves input ", c.part, "'s range [", offset, ", ",
                      offset + len, ") along axis ", axis);
  Box need = d;
  need.start[axis] -= offset;
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* xt, need_role(s, Role::kX, xv->dtype()));
  NPUKIT_ASSIGN_OR_RETURN(Tensor x, crop(xt->data, xt->op->box, need, "x"));
  if (node.op() == OpKind::kConcat) return x;  // codes with equal parameters: a copy
  NPUKIT_ASSIGN_OR_RETURN(qref::QConcatParams p, qref::qconcat_params(node.attrs(), node.num_inputs()));
  Tensor y;
  NPUKIT_RETURN_IF_ERROR(qref::qconcat({&x}, {p.inputs[static_cast<size_t>(c.part)]}, axis, p.output_zero_point,
                                       p.out_range, p.output_dtype, &y));
  return y;
}

/// Begin pads of a MaxPool node (explicit pads or auto_pad).
Expected<std::array<int64_t, 2>> maxpool_pad_begin(const ir::Node& node, const Shape& in, const Shape& out,
                                                   const std::vector<int64_t>& k, const std::vector<int64_t>& s,
                                                   const std::vector<int64_t>& dil) {
  const std::string auto_pad = node.attrs().get_string("auto_pad", "NOTSET");
  std::array<int64_t, 2> begin{0, 0};
  const std::vector<int64_t> pads = node.attrs().get_ints("pads", std::vector<int64_t>(4, 0));
  for (size_t i = 0; i < 2; ++i) {
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t ek = (k[i] - 1) * dil[i] + 1;
      const int64_t total = std::max<int64_t>(0, (out[i + 2] - 1) * s[i] + ek - in[i + 2]);
      begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    } else if (auto_pad == "NOTSET") {
      if (pads.size() != 4) return make_error(ErrorCode::kUnsupportedAttr, "MaxPool pads must have 4 values");
      begin[i] = pads[i];
    }
  }
  return begin;
}

Expected<Tensor> pool(const Command& c, const ir::Node& node, const std::vector<SrcTile>& s) {
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* xv, input(node, 0));
  const Shape& in = xv->shape();
  if (in.size() != 4 || node.output(0) == nullptr) return make_error(ErrorCode::kInternal, "pooling needs NCHW");
  const Box& d = c.dst.box;
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* xt, need_role(s, Role::kX, xv->dtype()));
  std::vector<int64_t> k, st, dil{1, 1};
  std::array<int64_t, 2> begin{};
  qref::QPool2dParams qp;
  const bool is_max = node.op() == OpKind::kMaxPool;
  if (is_max) {
    k = node.attrs().get_ints("kernel_shape");
    st = node.attrs().get_ints("strides", {1, 1});
    dil = node.attrs().get_ints("dilations", {1, 1});
    if (k.size() != 2 || st.size() != 2 || dil.size() != 2)
      return make_error(ErrorCode::kUnsupportedAttr, "MaxPool must be 2-D");
    NPUKIT_ASSIGN_OR_RETURN(begin, maxpool_pad_begin(node, in, node.output(0)->shape(), k, st, dil));
  } else {
    NPUKIT_ASSIGN_OR_RETURN(qp, qref::qavgpool_params(node.attrs()));
    k = {qp.kernel_h, qp.kernel_w};
    st = {qp.stride_h, qp.stride_w};
    begin = {qp.pad_top, qp.pad_left};
  }
  const AxisWindow ay = axis_window(d.start[2], d.size[2], st[0], dil[0], k[0], begin[0], in[2]);
  const AxisWindow ax = axis_window(d.start[3], d.size[3], st[1], dil[1], k[1], begin[1], in[3]);
  const Box need = make_box({d.start[0], d.start[1], ay.start, ax.start}, {d.size[0], d.size[1], ay.size, ax.size});
  NPUKIT_ASSIGN_OR_RETURN(Tensor x, crop(xt->data, xt->op->box, need, "x"));
  if (is_max) {
    // The pads of the tile are the true tensor border it touches; the output count is the dst box's.
    Attrs a = node.attrs();
    a.set("auto_pad", std::string("NOTSET"));
    a.set("pads", std::vector<int64_t>{ay.pad_begin, ax.pad_begin, ay.pad_end, ax.pad_end});
    a.set("ceil_mode", int64_t{0});
    return call_kernel(node, a, {&x}, c.dst.dtype, d.shape());
  }
  qp.pad_top = ay.pad_begin, qp.pad_bottom = ay.pad_end;
  qp.pad_left = ax.pad_begin, qp.pad_right = ax.pad_end;
  Tensor y;
  NPUKIT_RETURN_IF_ERROR(qref::qavgpool2d(x, qp, &y));
  return y;
}

/// GPOOL / RESIZE / PAD: whole H/W planes for the dst box's batch and channel ranges.
Expected<Tensor> planes(const Command& c, const ir::Node& node, const std::vector<SrcTile>& s) {
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* xv, input(node, 0));
  const Shape& in = xv->shape();
  const Box& d = c.dst.box;
  if (in.size() != 4 || d.rank != 4) return make_error(ErrorCode::kInternal, "needs NCHW tensors");
  const Shape& out = node.output(0)->shape();
  if (d.start[2] != 0 || d.start[3] != 0 || d.size[2] != out[2] || d.size[3] != out[3])
    return make_error(ErrorCode::kInternal, "dst ", d.str(), " must cover whole H/W planes of ", shape_str(out));
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* xt, need_role(s, Role::kX, xv->dtype()));
  const Box need = make_box({d.start[0], d.start[1], 0, 0}, {d.size[0], d.size[1], in[2], in[3]});
  NPUKIT_ASSIGN_OR_RETURN(Tensor x, crop(xt->data, xt->op->box, need, "x"));
  std::vector<const Tensor*> ins{&x};
  for (size_t i = 1; i < node.num_inputs(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(const Tensor* t, const_input(node, i));
    ins.push_back(t);
  }
  if (node.op() == OpKind::kPad) {
    const std::vector<int64_t> pads = ins.size() > 1 && ins[1] ? ins[1]->to_int64_vector() : std::vector<int64_t>{};
    if (pads.size() != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 ||
        (ins.size() > 3 && ins[3] != nullptr))
      return make_error(ErrorCode::kUnsupportedAttr, "PAD pads only H and W (8 pads, no axes input)");
  }
  if (node.op() == OpKind::kResize && x.dtype() != DType::kF32) {
    // The reference Resize computes in f32. On integer codes only "nearest" (a pure gather) is meaningful:
    // the codes go through f32 exactly and come back unchanged.
    if (node.attrs().get_string("mode") != "nearest")
      return make_error(ErrorCode::kUnsupportedAttr, "RESIZE of ", dtype_name(x.dtype()), " codes needs mode nearest");
    const std::vector<float> xf = x.to_float_vector();
    Tensor x32 = Tensor::from_vector<float>(xf, x.shape());
    ins[0] = &x32;
    NPUKIT_ASSIGN_OR_RETURN(Tensor y32, call_kernel(node, node.attrs(), ins, DType::kF32, d.shape()));
    Tensor y(c.dst.dtype, d.shape());
    for (int64_t i = 0; i < y.numel(); ++i) {
      const int64_t v = static_cast<int64_t>(y32.data<float>()[i]);
      switch (y.dtype()) {
        case DType::kI8: y.data<int8_t>()[i] = static_cast<int8_t>(v); break;
        case DType::kU8: y.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
        case DType::kI16: y.data<int16_t>()[i] = static_cast<int16_t>(v); break;
        default: return make_error(ErrorCode::kUnsupportedAttr, "RESIZE dtype ", dtype_name(y.dtype()));
      }
    }
    return y;
  }
  return call_kernel(node, node.attrs(), ins, c.dst.dtype, d.shape());
}

Expected<Tensor> transpose(const Command& c, const ir::Node& node, const std::vector<SrcTile>& s) {
  NPUKIT_ASSIGN_OR_RETURN(const ir::Value* xv, input(node, 0));
  const Box& d = c.dst.box;
  const int r = d.rank;
  if (static_cast<int>(xv->shape().size()) != r) return make_error(ErrorCode::kInternal, "transpose rank mismatch");
  std::vector<int64_t> perm = node.attrs().get_ints("perm");
  if (perm.empty())
    for (int i = 0; i < r; ++i) perm.push_back(r - 1 - i);
  if (static_cast<int>(perm.size()) != r) return make_error(ErrorCode::kInternal, "perm does not match the rank");
  Box need;
  need.rank = r;
  for (int i = 0; i < r; ++i) {
    if (perm[static_cast<size_t>(i)] < 0 || perm[static_cast<size_t>(i)] >= r)
      return make_error(ErrorCode::kInternal, "bad perm");
    need.start[perm[static_cast<size_t>(i)]] = d.start[i];
    need.size[perm[static_cast<size_t>(i)]] = d.size[i];
  }
  NPUKIT_ASSIGN_OR_RETURN(const SrcTile* xt, need_role(s, Role::kX, xv->dtype()));
  NPUKIT_ASSIGN_OR_RETURN(Tensor x, crop(xt->data, xt->op->box, need, "x"));
  return call_kernel(node, node.attrs(), {&x}, c.dst.dtype, d.shape());
}

bool op_matches(CmdOp op, OpKind k) {
  switch (op) {
    case CmdOp::kConv: return k == OpKind::kQConv;
    case CmdOp::kGemm: return k == OpKind::kQGemm;
    case CmdOp::kMatMul: return k == OpKind::kQMatMul;
    case CmdOp::kEltwise: return k == OpKind::kQAdd || k == OpKind::kQSub || k == OpKind::kQMul;
    case CmdOp::kLut: return k == OpKind::kQLut;
    case CmdOp::kRequant: return k == OpKind::kRequantize;
    case CmdOp::kConcat: return k == OpKind::kQConcat || k == OpKind::kConcat;
    case CmdOp::kPool: return k == OpKind::kMaxPool || k == OpKind::kQAveragePool;
    case CmdOp::kGlobalPool: return k == OpKind::kQGlobalAveragePool || k == OpKind::kGlobalMaxPool;
    case CmdOp::kResize: return k == OpKind::kResize;
    case CmdOp::kTranspose: return k == OpKind::kTranspose;
    case CmdOp::kPad: return k == OpKind::kPad;
    default: return false;
  }
}

}  // namespace

Expected<Tensor> compute(const Command& c, const ir::Node& node, const std::vector<SrcTile>& srcs) {
  if (!op_matches(c.op, node.op()))
    return make_error(ErrorCode::kInternal, "the layer is a ", node.op_type(), " node, not a ", npk::cmd_op_name(c.op),
                      " op");
  const ir::Value* out = node.output(0);
  if (out == nullptr || !out->has_type()) return make_error(ErrorCode::kInternal, "layer output has no static type");
  const Box& d = c.dst.box;
  if (out->shape().size() > static_cast<size_t>(npk::kMaxBoxRank) || d.elements() <= 0 ||
      !Box::whole(out->shape()).contains(d))
    return make_error(ErrorCode::kInternal, "dst box ", d.str(), " is empty or outside the layer output ",
                      shape_str(out->shape()));
  Expected<Tensor> y = make_error(ErrorCode::kInternal, "unhandled op");
  switch (c.op) {
    case CmdOp::kConv: y = conv(c, node, srcs); break;
    case CmdOp::kGemm: y = gemm(c, node, srcs); break;
    case CmdOp::kMatMul: y = matmul(c, node, srcs); break;
    case CmdOp::kEltwise: y = eltwise(c, node, srcs); break;
    case CmdOp::kLut:
    case CmdOp::kRequant: y = pointwise(c, node, srcs); break;
    case CmdOp::kConcat: y = concat(c, node, srcs); break;
    case CmdOp::kPool: y = pool(c, node, srcs); break;
    case CmdOp::kGlobalPool:
    case CmdOp::kResize:
    case CmdOp::kPad: y = planes(c, node, srcs); break;
    case CmdOp::kTranspose: y = transpose(c, node, srcs); break;
    default: break;
  }
  if (!y.ok()) return y.status();
  return check_result(std::move(y).value(), c);
}

}  // namespace npukit::sim::internal
