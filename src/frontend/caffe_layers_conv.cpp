// SPDX-License-Identifier: Apache-2.0
// frontend: the Caffe layers with a window or a weight matrix: Convolution, Deconvolution, InnerProduct,
// Pooling (Caffe's CEIL rounding and AVE divisor) and LRN (decomposed into exact ops).
#include <algorithm>

#include "frontend/caffe_internal.h"

namespace npukit::frontend::caffe_detail {

// ---------------------------------------------------------------------------------------------
// Convolution / Deconvolution
// ---------------------------------------------------------------------------------------------

namespace {

// Resolves a Caffe spatial parameter given as a repeated field (1 value for all dims, or one per dim)
// or as the 2-D *_h / *_w pair.
Expected<std::vector<int64_t>> spatial_values(const google::protobuf::RepeatedField<uint32_t>& list, bool has_h,
                                              bool has_w, uint32_t h, uint32_t w, size_t nsp, int64_t def,
                                              const char* name, const std::string& where) {
  if (has_h || has_w) {
    if (nsp != 2)
      return make_error(ErrorCode::kUnsupportedAttr, where, ": ", name, "_h/", name, "_w are only valid for 2-D input");
    if (!(has_h && has_w))
      return make_error(ErrorCode::kInvalidModel, where, ": ", name, "_h and ", name, "_w must be given together");
    if (!list.empty())
      return make_error(ErrorCode::kInvalidModel, where, ": give either ", name, " or ", name, "_h/", name, "_w");
    return std::vector<int64_t>{h, w};
  }
  if (list.empty()) {
    if (def < 0) return make_error(ErrorCode::kInvalidModel, where, ": ", name, " is required");
    return std::vector<int64_t>(nsp, def);
  }
  if (list.size() == 1) return std::vector<int64_t>(nsp, list[0]);
  if (static_cast<size_t>(list.size()) != nsp)
    return make_error(ErrorCode::kInvalidModel, where, ": ", name, " has ", list.size(), " values for ", nsp,
                      " spatial dims");
  return std::vector<int64_t>(list.begin(), list.end());
}

}  // namespace

Status CaffeBuilder::conv_layer(bool deconv) {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1024, 1, 1024));
  if (lp_->bottom_size() != lp_->top_size())
    return err(ErrorCode::kInvalidModel, "has ", lp_->bottom_size(), " bottoms but ", lp_->top_size(), " tops");
  const auto& p = lp_->convolution_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x0, bottom(0));
  const Shape xs = x0->shape();
  if (xs.size() < 3) return err(ErrorCode::kShapeMismatch, "input must be N x C x spatial..., got ", shape_str(xs));
  auto axis = ir::normalize_axis(p.axis(), static_cast<int64_t>(xs.size()));
  if (!axis.ok() || *axis != 1)
    return err(ErrorCode::kUnsupportedAttr, "axis ", p.axis(), " is not supported (only the channel axis 1)");
  const size_t nsp = xs.size() - 2;
  const std::string w = where();
  NPUKIT_ASSIGN_OR_RETURN(auto kernel, spatial_values(p.kernel_size(), p.has_kernel_h(), p.has_kernel_w(), p.kernel_h(),
                                                      p.kernel_w(), nsp, -1, "kernel", w));
  NPUKIT_ASSIGN_OR_RETURN(auto stride, spatial_values(p.stride(), p.has_stride_h(), p.has_stride_w(), p.stride_h(),
                                                      p.stride_w(), nsp, 1, "stride", w));
  NPUKIT_ASSIGN_OR_RETURN(
      auto pad, spatial_values(p.pad(), p.has_pad_h(), p.has_pad_w(), p.pad_h(), p.pad_w(), nsp, 0, "pad", w));
  std::vector<int64_t> dil(nsp, 1);
  if (p.dilation_size() == 1)
    dil.assign(nsp, p.dilation(0));
  else if (static_cast<size_t>(p.dilation_size()) == nsp)
    dil.assign(p.dilation().begin(), p.dilation().end());
  else if (p.dilation_size() != 0)
    return err(ErrorCode::kInvalidModel, "dilation has ", p.dilation_size(), " values for ", nsp, " spatial dims");
  for (size_t i = 0; i < nsp; ++i)
    if (kernel[i] <= 0 || stride[i] <= 0 || dil[i] <= 0)
      return err(ErrorCode::kInvalidModel, "kernel, stride and dilation must be positive");
  const int64_t group = p.group(), cout = p.num_output(), cin = xs[1];
  if (cout <= 0) return err(ErrorCode::kInvalidModel, "num_output must be positive");
  if (group <= 0 || cin % group != 0 || cout % group != 0)
    return err(ErrorCode::kInvalidModel, "group ", group, " must divide the input channels ", cin, " and num_output ",
               cout);
  NPUKIT_ASSIGN_OR_RETURN(auto b, blobs(p.bias_term() ? 2 : 1, p.bias_term() ? 2 : 1));
  Shape wshape = deconv ? Shape{cin, cout / group} : Shape{cout, cin / group};
  wshape.insert(wshape.end(), kernel.begin(), kernel.end());
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[0], 0, "weights", wshape));
  Value* wv = constant("weights", b[0].reshaped(wshape));
  Value* bv = nullptr;
  if (p.bias_term()) {
    NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[1], 1, "bias", {cout}));
    bv = constant("bias", b[1].reshaped({cout}));
  }
  Attrs a;
  a.set("kernel_shape", kernel);
  a.set("strides", stride);
  std::vector<int64_t> pads = pad;
  pads.insert(pads.end(), pad.begin(), pad.end());
  a.set("pads", pads);
  a.set("dilations", dil);
  a.set("group", group);
  // Caffe applies the same filters to every bottom (bottom i → top i).
  for (int i = 0; i < lp_->bottom_size(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(i));
    if (x->shape().size() != xs.size() || x->shape()[1] != cin)
      return err(ErrorCode::kShapeMismatch, "bottom ", i, " shape ", shape_str(x->shape()), " does not match bottom 0 ",
                 shape_str(xs));
    std::vector<Value*> ins{x, wv};
    if (bv) ins.push_back(bv);
    NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(deconv ? OpKind::kConvTranspose : OpKind::kConv, i ? str_cat(i) : "", ins,
                                            a, top_hint(lp_->top(i))));
    bind(lp_->top(i), y);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// InnerProduct: y = x.reshape(M, K) · Wᵀ + b, with K = prod(shape[axis:]) and the leading dims kept.
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::inner_product() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->inner_product_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.empty()) return err(ErrorCode::kShapeMismatch, "input must have rank >= 1");
  auto axis_r = ir::normalize_axis(p.axis(), static_cast<int64_t>(xs.size()));
  if (!axis_r.ok())
    return err(ErrorCode::kInvalidModel, "axis ", p.axis(), " is out of range for input ", shape_str(xs));
  const size_t axis = static_cast<size_t>(*axis_r);
  const int64_t n = p.num_output(), k = product(xs, axis, xs.size());
  if (n <= 0) return err(ErrorCode::kInvalidModel, "num_output must be positive");
  NPUKIT_ASSIGN_OR_RETURN(auto b, blobs(p.bias_term() ? 2 : 1, p.bias_term() ? 2 : 1));
  const Shape wshape = p.transpose() ? Shape{k, n} : Shape{n, k};
  NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[0], 0, "weights", wshape));
  std::vector<Value*> gin;
  Value* x2 = x;
  if (!(axis == 1 && xs.size() == 2)) {
    Attrs fa;
    fa.set("axis", static_cast<int64_t>(axis));
    NPUKIT_ASSIGN_OR_RETURN(x2, emit(OpKind::kFlatten, "flatten", {x}, fa, tmp("flatten")));
  }
  gin = {x2, constant("weights", b[0].reshaped(wshape))};
  if (p.bias_term()) {
    NPUKIT_RETURN_IF_ERROR(check_blob_shape(b[1], 1, "bias", {n}));
    gin.push_back(constant("bias", b[1].reshaped({n})));
  }
  Attrs ga;
  // Caffe stores W as [N, K] (y = x·Wᵀ); transpose=true stores [K, N].
  ga.set("transB", int64_t{p.transpose() ? 0 : 1});
  const bool reshape_back = axis != 1;
  NPUKIT_ASSIGN_OR_RETURN(Value * y,
                          emit(OpKind::kGemm, "", gin, ga, reshape_back ? tmp("gemm") : top_hint(lp_->top(0))));
  if (reshape_back) {
    // Output keeps the leading dims: shape[:axis] + [N]. The first dim is -1 so a changed batch still works.
    std::vector<int64_t> shape(xs.begin(), xs.begin() + axis);
    shape.push_back(n);
    if (axis > 0) shape[0] = -1;
    NPUKIT_ASSIGN_OR_RETURN(
        y, emit(OpKind::kReshape, "reshape", {y, constant("shape", i64_tensor(shape))}, {}, top_hint(lp_->top(0))));
  }
  bind(lp_->top(0), y);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Pooling
// ---------------------------------------------------------------------------------------------
//
// Caffe (pooling_layer.cpp) with round_mode CEIL (the default):
//   out = ceil((in + 2p - k) / s) + 1;  if (any pad != 0 && (out-1)*s >= in + p) --out;
//   MAX: max over the window clipped to the input.
//   AVE: sum over the window clipped to the input, divided by the window size clipped to [-p, in + p).
// npukit's MaxPool/AveragePool with symmetric pads p, count_include_pad=1 and ceil_mode=1 compute exactly
// this (ceil_mode drops a last window that starts at or beyond in + p, for every pad, and the
// count_include_pad divisor counts the window positions inside [-p, in + p)). The one difference: when all
// pads are 0 Caffe does not drop such a window (it then reads no input: -FLT_MAX for MAX, a divisor <= 0
// for AVE), so that configuration is rejected. When ceil and floor give the same size, ceil_mode=0 is used.

Status CaffeBuilder::pooling() {
  const auto& p = lp_->pooling_param();
  if (lp_->top_size() > 1)
    return err(ErrorCode::kUnsupportedAttr, "the second top (MAX pooling mask) is not supported");
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.size() != 4) return err(ErrorCode::kShapeMismatch, "input must be 4-D (N, C, H, W), got ", shape_str(xs));
  if (p.pool() == caffe::PoolingParameter::STOCHASTIC)
    return err(ErrorCode::kUnsupportedAttr, "pool: STOCHASTIC is not supported (only MAX and AVE)");
  const bool is_max = p.pool() == caffe::PoolingParameter::MAX;
  if (p.global_pooling()) {
    if (p.has_kernel_size() || p.has_kernel_h() || p.has_kernel_w())
      return err(ErrorCode::kInvalidModel, "global_pooling with a kernel size");
    if (p.pad() || p.pad_h() || p.pad_w() || (p.has_stride() && p.stride() != 1) ||
        (p.has_stride_h() && p.stride_h() != 1) || (p.has_stride_w() && p.stride_w() != 1))
      return err(ErrorCode::kInvalidModel, "global_pooling requires pad 0 and stride 1");
    NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(is_max ? OpKind::kGlobalMaxPool : OpKind::kGlobalAveragePool, "", {x}, {},
                                            top_hint(lp_->top(0))));
    bind(lp_->top(0), y);
    return Status::Ok();
  }
  int64_t kh, kw, sh, sw, ph, pw;
  if (p.has_kernel_size()) {
    if (p.has_kernel_h() || p.has_kernel_w())
      return err(ErrorCode::kInvalidModel, "give either kernel_size or kernel_h/kernel_w");
    kh = kw = p.kernel_size();
  } else if (p.has_kernel_h() && p.has_kernel_w()) {
    kh = p.kernel_h();
    kw = p.kernel_w();
  } else {
    return err(ErrorCode::kInvalidModel, "kernel_size (or kernel_h and kernel_w) is required");
  }
  if (p.has_pad_h() || p.has_pad_w()) {
    if (p.has_pad()) return err(ErrorCode::kInvalidModel, "give either pad or pad_h/pad_w");
    ph = p.pad_h();
    pw = p.pad_w();
  } else {
    ph = pw = p.pad();
  }
  if (p.has_stride_h() || p.has_stride_w()) {
    if (p.has_stride()) return err(ErrorCode::kInvalidModel, "give either stride or stride_h/stride_w");
    if (!(p.has_stride_h() && p.has_stride_w()))
      return err(ErrorCode::kInvalidModel, "stride_h and stride_w must be given together");
    sh = p.stride_h();
    sw = p.stride_w();
  } else {
    sh = sw = p.stride();
  }
  if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0)
    return err(ErrorCode::kInvalidModel, "kernel and stride must be positive");
  if (ph >= kh || pw >= kw) return err(ErrorCode::kInvalidModel, "pad must be smaller than the kernel (Caffe's rule)");
  const bool ceil_round = p.round_mode() == caffe::PoolingParameter::CEIL;
  const int64_t ins[2] = {xs[2], xs[3]}, ks[2] = {kh, kw}, ss[2] = {sh, sw}, ps[2] = {ph, pw};
  bool need_ceil = false;
  for (int i = 0; i < 2; ++i) {
    const int64_t span = ins[i] + 2 * ps[i] - ks[i];
    if (span < 0)
      return err(ErrorCode::kShapeMismatch, "padded input ", ins[i] + 2 * ps[i], " is smaller than the kernel ", ks[i]);
    const int64_t floor_out = span / ss[i] + 1;
    if (!ceil_round) continue;
    int64_t caffe_out = (span + ss[i] - 1) / ss[i] + 1;
    int64_t npukit_out = caffe_out;
    if ((npukit_out - 1) * ss[i] >= ins[i] + ps[i]) --npukit_out;
    if ((ph || pw) && (caffe_out - 1) * ss[i] >= ins[i] + ps[i]) --caffe_out;
    if (caffe_out != npukit_out)
      return err(ErrorCode::kUnsupportedAttr, "with pad 0 and round_mode CEIL, Caffe's last window along ",
                 i ? "W" : "H", " starts beyond the input (in ", ins[i], ", kernel ", ks[i], ", stride ", ss[i],
                 "); Caffe outputs garbage there and no exact mapping exists");
    if (caffe_out != floor_out) need_ceil = true;
  }
  Attrs a;
  a.set("kernel_shape", std::vector<int64_t>{kh, kw});
  a.set("strides", std::vector<int64_t>{sh, sw});
  a.set("pads", std::vector<int64_t>{ph, pw, ph, pw});
  a.set("ceil_mode", int64_t{need_ceil ? 1 : 0});
  if (!is_max) a.set("count_include_pad", int64_t{1});
  NPUKIT_ASSIGN_OR_RETURN(Value * y,
                          emit(is_max ? OpKind::kMaxPool : OpKind::kAveragePool, "", {x}, a, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// LRN (npukit has no LRN op; the layer is decomposed into ops whose composition is exact)
// ---------------------------------------------------------------------------------------------
//
// ACROSS_CHANNELS: y = x / (k + alpha/n * sum_{c' in [c-(n-1)/2, c+(n-1)/2]} x_c'^2)^beta. The window sum is an
// average pool over the channel axis: x² is viewed as [N, 1, C, H*W] and pooled with kernel [n, 1], zero
// padding (n-1)/2 and count_include_pad=1, so every window divides by n.
// WITHIN_CHANNEL (Caffe builds it from Power, Pooling AVE and Eltwise): y = x / (1 + alpha * avgpool_n×n(x²))^beta,
// the pool with pad (n-1)/2, stride 1 and Caffe's AVE divisor, which is n*n everywhere for these settings.

Status CaffeBuilder::lrn() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->lrn_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  if (xs.size() != 4) return err(ErrorCode::kShapeMismatch, "input must be 4-D (N, C, H, W), got ", shape_str(xs));
  const int64_t n = p.local_size();
  if (n <= 0 || n % 2 == 0) return err(ErrorCode::kInvalidModel, "local_size ", n, " must be odd (Caffe's rule)");
  const int64_t pad = (n - 1) / 2;
  NPUKIT_ASSIGN_OR_RETURN(Value * sq, emit(OpKind::kMul, "square", {x, x}, {}, tmp("square")));
  Value* avg = nullptr;
  float k = p.k();
  if (p.norm_region() == caffe::LRNParameter::ACROSS_CHANNELS) {
    NPUKIT_ASSIGN_OR_RETURN(
        Value * v, emit(OpKind::kReshape, "to_planes", {sq, constant("planes", i64_tensor({0, 1, xs[1], -1}))}, {},
                        tmp("planes")));
    Attrs a;
    a.set("kernel_shape", std::vector<int64_t>{n, 1});
    a.set("strides", std::vector<int64_t>{1, 1});
    a.set("pads", std::vector<int64_t>{pad, 0, pad, 0});
    a.set("count_include_pad", int64_t{1});
    NPUKIT_ASSIGN_OR_RETURN(v, emit(OpKind::kAveragePool, "window", {v}, a, tmp("window")));
    NPUKIT_ASSIGN_OR_RETURN(avg, emit(OpKind::kReshape, "from_planes",
                                      {v, constant("shape", i64_tensor({0, xs[1], xs[2], xs[3]}))}, {}, tmp("avg")));
  } else {
    Attrs a;
    a.set("kernel_shape", std::vector<int64_t>{n, n});
    a.set("strides", std::vector<int64_t>{1, 1});
    a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
    a.set("count_include_pad", int64_t{1});
    NPUKIT_ASSIGN_OR_RETURN(avg, emit(OpKind::kAveragePool, "window", {sq}, a, tmp("avg")));
    k = 1.f;  // Caffe's WITHIN_CHANNEL uses shift 1, not k.
  }
  NPUKIT_ASSIGN_OR_RETURN(Value * t, emit(OpKind::kMul, "alpha", {avg, scalar("alpha", p.alpha())}, {}, tmp("scaled")));
  NPUKIT_ASSIGN_OR_RETURN(t, emit(OpKind::kAdd, "k", {t, scalar("k", k)}, {}, tmp("base")));
  NPUKIT_ASSIGN_OR_RETURN(t, emit(OpKind::kPow, "beta", {t, scalar("beta", p.beta())}, {}, tmp("denominator")));
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kDiv, "", {x, t}, {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

}  // namespace npukit::frontend::caffe_detail
