// SPDX-License-Identifier: Apache-2.0
// frontend: the Caffe layers that act element by element: activations (unary), PReLU, Power, Exp, Log,
// BatchNorm, Scale and Bias (with the BatchNorm + in-place Scale fusion).
#include <algorithm>
#include <cmath>

#include "frontend/caffe_internal.h"

namespace npukit::frontend::caffe_detail {

// ---------------------------------------------------------------------------------------------
// Element-wise layers
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::unary(OpKind op, Attrs attrs) {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(op, "", {x}, std::move(attrs), top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::prelu() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.size() < 2) return err(ErrorCode::kShapeMismatch, "input must have rank >= 2, got ", shape_str(xs));
  const bool shared = lp_->prelu_param().channel_shared();
  const int64_t c = shared ? 1 : xs[1];
  NPUKIT_ASSIGN_OR_RETURN(auto b, blobs(1, 1));
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[0], 0, "slope", shared ? Shape{} : Shape{c}));
  // Slope per channel, broadcast over the spatial dims: [C, 1, ..., 1].
  Shape ss = {c};
  for (size_t i = 2; i < xs.size(); ++i) ss.push_back(1);
  NPUKIT_ASSIGN_OR_RETURN(
      Value * y, emit(OpKind::kPRelu, "", {x, constant("slope", b[0].reshaped(ss))}, {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::power() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->power_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const std::string out = top_hint(lp_->top(0));
  if (p.power() == 0.f || p.scale() == 0.f) {
    // Caffe ignores the input here and fills the output with 1 (power 0) or shift^power (scale 0).
    const float v = p.power() == 0.f ? 1.f : std::pow(p.shift(), p.power());
    Tensor t(DType::kF32, x->shape());
    std::fill(t.data<float>(), t.data<float>() + t.numel(), v);
    NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kIdentity, "", {constant("value", t)}, {}, out));
    bind(lp_->top(0), y);
    return Status::Ok();
  }
  const bool do_scale = p.scale() != 1.f, do_shift = p.shift() != 0.f, do_pow = p.power() != 1.f;
  Value* v = x;
  if (do_scale) {
    NPUKIT_ASSIGN_OR_RETURN(
        v, emit(OpKind::kMul, "scale", {v, scalar("scale", p.scale())}, {}, do_shift || do_pow ? tmp("scaled") : out));
  }
  if (do_shift) {
    NPUKIT_ASSIGN_OR_RETURN(
        v, emit(OpKind::kAdd, "shift", {v, scalar("shift", p.shift())}, {}, do_pow ? tmp("shifted") : out));
  }
  if (do_pow) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kPow, "pow", {v, scalar("power", p.power())}, {}, out));
  }
  if (v == x) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kIdentity, "", {x}, {}, out));
  }
  bind(lp_->top(0), v);
  return Status::Ok();
}

Status CaffeBuilder::exp_log(bool is_exp) {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const float base = is_exp ? lp_->exp_param().base() : lp_->log_param().base();
  const float scale = is_exp ? lp_->exp_param().scale() : lp_->log_param().scale();
  const float shift = is_exp ? lp_->exp_param().shift() : lp_->log_param().shift();
  if (base != -1.f && !(base > 0.f))
    return err(ErrorCode::kInvalidModel, "base ", base, " must be positive (or -1 for e)");
  // log(base); base = -1 means e.
  const float ln_base = base == -1.f ? 1.f : std::log(base);
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const std::string out = top_hint(lp_->top(0));
  Value* v = x;
  // Exp: base^(shift + scale*x) = exp(ln(base)*scale*x + ln(base)*shift). Log: ln(shift + scale*x) / ln(base).
  const float mul = is_exp ? ln_base * scale : scale, add = is_exp ? ln_base * shift : shift;
  if (mul != 1.f) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kMul, "scale", {v, scalar("scale", mul)}, {}, tmp("scaled")));
  }
  if (add != 0.f) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kAdd, "shift", {v, scalar("shift", add)}, {}, tmp("shifted")));
  }
  const bool post = !is_exp && ln_base != 1.f;
  NPUKIT_ASSIGN_OR_RETURN(
      v, emit(is_exp ? OpKind::kExp : OpKind::kLog, is_exp ? "exp" : "log", {v}, {}, post ? tmp("ln") : out));
  if (post) {
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kMul, "base", {v, scalar("inv_ln_base", 1.f / ln_base)}, {}, out));
  }
  bind(lp_->top(0), v);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// BatchNorm / Scale / Bias
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::batch_norm() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->batch_norm_param();
  // Caffe uses the stored statistics in the TEST phase unless use_global_stats says otherwise.
  if (p.has_use_global_stats() && !p.use_global_stats())
    return err(ErrorCode::kUnsupportedAttr,
               "use_global_stats: false (normalising with the statistics of the current batch) is not supported; "
               "inference uses the stored mean/variance (set use_global_stats: true or remove it)");
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.size() < 2)
    return err(ErrorCode::kShapeMismatch, "input must have rank >= 2 (N, C, ...), got ", shape_str(xs));
  const int64_t c = xs[1];
  NPUKIT_ASSIGN_OR_RETURN(auto b, blobs(3, 3));
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[0], 0, "mean", {c}));
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[1], 1, "variance", {c}));
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[2], 2, "moving-average factor", {1}));
  // The stored sums are scaled by the moving-average factor; Caffe divides by it (0 means "no data": 0).
  const float f = b[2].data<float>()[0];
  const float inv = f == 0.f ? 0.f : 1.f / f;
  std::vector<float> mean(c), var(c);
  for (int64_t i = 0; i < c; ++i) {
    mean[i] = b[0].data<float>()[i] * inv;
    var[i] = b[1].data<float>()[i] * inv;
  }
  Attrs a;
  a.set("epsilon", p.eps());
  NPUKIT_ASSIGN_OR_RETURN(Value * y,
                          emit(OpKind::kBatchNormalization, "",
                               {x, constant("scale", f32_tensor(std::vector<float>(c, 1.f), {c})),
                                constant("bias", f32_tensor(std::vector<float>(c, 0.f), {c})),
                                constant("mean", f32_tensor(mean, {c})), constant("variance", f32_tensor(var, {c}))},
                               a, top_hint(lp_->top(0))));
  plain_bn_.insert(last_node_);
  bind(lp_->top(0), y);
  return Status::Ok();
}

// Scale: y = x * gamma (+ beta); Bias: y = x + beta. gamma/beta cover the axes [axis, axis + num_axes) of x
// and come from blobs (one bottom) or, for the multiplier/addend, from a second bottom.
Status CaffeBuilder::scale_or_bias(bool is_scale) {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 2, 1, 1));
  const int axis_p = is_scale ? lp_->scale_param().axis() : lp_->bias_param().axis();
  const int num_axes_p = is_scale ? lp_->scale_param().num_axes() : lp_->bias_param().num_axes();
  const bool bias_term = is_scale && lp_->scale_param().bias_term();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  Value* factor = nullptr;  // runtime second bottom
  Shape pshape;             // shape of gamma / beta
  int64_t axis = 0;
  if (lp_->bottom_size() == 2) {
    NPUKIT_ASSIGN_OR_RETURN(factor, bottom(1));
    pshape = factor->shape();
  }
  // A scalar parameter ignores axis (Caffe's rule); otherwise axis is normalised against x.
  const bool scalar_param = lp_->bottom_size() == 2 ? pshape.empty() : num_axes_p == 0;
  if (!scalar_param) {
    auto ax = ir::normalize_axis(axis_p, rank);
    if (!ax.ok()) return err(ErrorCode::kInvalidModel, "axis ", axis_p, " is out of range for input ", shape_str(xs));
    axis = *ax;
  }
  if (lp_->bottom_size() == 1) {
    int64_t na = num_axes_p;
    if (na < -1) return err(ErrorCode::kInvalidModel, "num_axes ", na, " must be >= -1");
    if (na == -1) na = rank - axis;
    if (axis + na > rank)
      return err(ErrorCode::kInvalidModel, "axis ", axis, " + num_axes ", na, " exceeds the input rank ", rank);
    pshape.assign(xs.begin() + axis, xs.begin() + axis + na);
  } else if (!scalar_param) {
    if (axis + static_cast<int64_t>(pshape.size()) > rank ||
        !std::equal(pshape.begin(), pshape.end(), xs.begin() + axis))
      return err(ErrorCode::kShapeMismatch, "second bottom shape ", shape_str(pshape), " does not match input ",
                 shape_str(xs), " at axis ", axis);
  }
  // Parameters broadcast against x: pshape followed by 1s for the remaining trailing axes.
  Shape bshape = pshape;
  if (!scalar_param)
    for (int64_t i = axis + static_cast<int64_t>(pshape.size()); i < rank; ++i) bshape.push_back(1);
  const int nblobs = lp_->bottom_size() == 1 ? (bias_term ? 2 : 1) : (bias_term ? 1 : 0);
  std::vector<Tensor> b;
  if (nblobs > 0) {
    NPUKIT_ASSIGN_OR_RETURN(b, blobs(nblobs, nblobs));
  }
  for (size_t i = 0; i < b.size(); ++i)
    NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[i], static_cast<int>(i),
                                            is_scale && i == 0 && lp_->bottom_size() == 1 ? "scale" : "bias", pshape));
  const std::string out = top_hint(lp_->top(0));

  if (!is_scale) {
    Value* beta = factor ? factor : constant("bias", b[0].reshaped(bshape));
    if (factor && bshape != pshape) {
      NPUKIT_ASSIGN_OR_RETURN(beta, emit(OpKind::kReshape, "bias_shape",
                                         {factor, constant("bias_shape", i64_tensor(bshape))}, {}, tmp("bias")));
    }
    NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kAdd, "", {x, beta}, {}, out));
    bind(lp_->top(0), y);
    return Status::Ok();
  }

  // BatchNorm followed by a per-channel Scale writing over it (the usual in-place pair) becomes one
  // BatchNormalization: nothing else can read the BatchNorm output, because the Scale rebinds the blob and
  // the value has no reader yet.
  ir::Node* bn = x->producer();
  const bool in_place = lp_->bottom(0) == lp_->top(0);
  if (!factor && in_place && bn && plain_bn_.count(bn) && x->users().empty() && axis == 1 && pshape.size() == 1) {
    int aliases = 0;
    for (const auto& [name, st] : blobs_)
      if (st.value == x) ++aliases;
    if (aliases == 1) {
      bn->set_input(1, constant("scale", b[0].reshaped(pshape)));
      if (bias_term) bn->set_input(2, constant("bias", b[1].reshaped(pshape)));
      bn->origin().push_back(lp_->name());
      plain_bn_.erase(bn);
      bind(lp_->top(0), x);
      return Status::Ok();
    }
  }
  Value* gamma = factor ? factor : constant("scale", b[0].reshaped(bshape));
  if (factor && bshape != pshape) {
    NPUKIT_ASSIGN_OR_RETURN(gamma, emit(OpKind::kReshape, "scale_shape",
                                        {factor, constant("scale_shape", i64_tensor(bshape))}, {}, tmp("scale")));
  }
  const Tensor* beta = bias_term ? &b[lp_->bottom_size() == 1 ? 1 : 0] : nullptr;
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kMul, "", {x, gamma}, {}, beta ? tmp("mul") : out));
  if (beta) {
    NPUKIT_ASSIGN_OR_RETURN(y, emit(OpKind::kAdd, "bias", {y, constant("bias", beta->reshaped(bshape))}, {}, out));
  }
  bind(lp_->top(0), y);
  return Status::Ok();
}

}  // namespace npukit::frontend::caffe_detail
