// SPDX-License-Identifier: Apache-2.0
// Reference kernel for LSTM: forward / reverse / bidirectional, layout 0 and 1, optional B, sequence_lens,
// initial_h, initial_c, P (peepholes), clip, input_forget, all ONNX RNN activation functions.
//
// Gate order in W/R/B is i, o, f, c; P is i, o, f. Per time step (f, g, h = activations, default
// Sigmoid, Tanh, Tanh):
//   i = f(Wi x + Ri h + Pi*c + Wbi + Rbi)      f = f(Wf x + Rf h + Pf*c + Wbf + Rbf)   (input_forget: f = 1 - i)
//   c' = f*c + i*g(Wc x + Rc h + Wbc + Rbc)     o = f(Wo x + Ro h + Po*c' + Wbo + Rbo)   h' = o*h(c')
// clip (when set) bounds every gate pre-activation to [-clip, clip], like onnxruntime.
// sequence_lens: batch entry b runs only its first len_b steps (reverse: from len_b-1 down to 0); Y is zero
// for t >= len_b and Y_h / Y_c hold the state after its last valid step (the initial state if len_b = 0).
// activation_alpha / activation_beta are consumed in order by the activations that take parameters
// (spec wording: "consumed in the order of activation functions"); missing values use the ONNX defaults.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {
namespace {

enum class Act {
  kSigmoid,
  kTanh,
  kRelu,
  kAffine,
  kLeakyRelu,
  kThresholdedRelu,
  kScaledTanh,
  kHardSigmoid,
  kElu,
  kSoftsign,
  kSoftplus
};

struct Activation {
  Act kind = Act::kSigmoid;
  double alpha = 0, beta = 0;
  double operator()(double x) const {
    switch (kind) {
      case Act::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
      case Act::kTanh: return std::tanh(x);
      case Act::kRelu: return x > 0 ? x : 0;
      case Act::kAffine: return alpha * x + beta;
      case Act::kLeakyRelu: return x >= 0 ? x : alpha * x;
      case Act::kThresholdedRelu: return x > alpha ? x : 0;
      case Act::kScaledTanh: return alpha * std::tanh(beta * x);
      case Act::kHardSigmoid: return std::clamp(alpha * x + beta, 0.0, 1.0);
      case Act::kElu: return x >= 0 ? x : alpha * (std::exp(x) - 1);
      case Act::kSoftsign: return x / (1 + std::fabs(x));
      case Act::kSoftplus: return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0);
    }
    return x;
  }
};

Expected<std::vector<Activation>> parse_activations(const KernelArgs& a, int64_t dirs) {
  std::vector<std::string> names;
  if (a.attrs.has("activations")) {
    names = a.attrs.get_strings("activations");
  } else {
    for (int64_t d = 0; d < dirs; ++d) names.insert(names.end(), {"Sigmoid", "Tanh", "Tanh"});
  }
  if (static_cast<int64_t>(names.size()) != 3 * dirs)
    return a.error(ErrorCode::kInvalidModel, "activations must have ", 3 * dirs, " entries");
  std::vector<float> alphas = a.attrs.get_floats("activation_alpha"), betas = a.attrs.get_floats("activation_beta");
  size_t ai = 0, bi = 0;
  auto take = [](const std::vector<float>& v, size_t& i, double def) { return i < v.size() ? v[i++] : def; };
  std::vector<Activation> out;
  for (const std::string& name : names) {
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    Activation act;
    if (n == "sigmoid")
      act.kind = Act::kSigmoid;
    else if (n == "tanh")
      act.kind = Act::kTanh;
    else if (n == "relu")
      act.kind = Act::kRelu;
    else if (n == "softsign")
      act.kind = Act::kSoftsign;
    else if (n == "softplus")
      act.kind = Act::kSoftplus;
    else if (n == "affine")
      act = {Act::kAffine, take(alphas, ai, 1.0), take(betas, bi, 0.0)};
    else if (n == "leakyrelu")
      act = {Act::kLeakyRelu, take(alphas, ai, 0.01), 0};
    else if (n == "thresholdedrelu")
      act = {Act::kThresholdedRelu, take(alphas, ai, 1.0), 0};
    else if (n == "scaledtanh")
      act = {Act::kScaledTanh, take(alphas, ai, 1.0), take(betas, bi, 1.0)};
    else if (n == "hardsigmoid")
      act = {Act::kHardSigmoid, take(alphas, ai, 0.2), take(betas, bi, 0.5)};
    else if (n == "elu")
      act = {Act::kElu, take(alphas, ai, 1.0), 0};
    else
      return a.error(ErrorCode::kUnsupportedAttr, "activation '", name, "' is not supported");
    out.push_back(act);
  }
  return out;
}

/// Output slot i if the node has it (absent outputs are missing or unallocated), checked against `numel`.
Expected<float*> optional_output(const KernelArgs& a, size_t i, int64_t numel) {
  if (i >= a.outputs.size() || a.out(i).empty()) return static_cast<float*>(nullptr);
  if (a.out(i).dtype() != DType::kF32 || a.out(i).numel() != numel)
    return a.error(ErrorCode::kShapeMismatch, "output ", i, " has an unexpected shape ", shape_str(a.out(i).shape()));
  return a.out(i).data<float>();
}

}  // namespace

Status ref_LSTM(const KernelArgs& a) {
  const Tensor& x = a.in(0);
  const Tensor& w = a.in(1);
  const Tensor& r = a.in(2);
  const std::string direction = a.attrs.get_string("direction", "forward");
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;
  const int64_t layout = a.attrs.get_int("layout");
  if (x.rank() != 3 || w.rank() != 3 || r.rank() != 3) return a.error(ErrorCode::kShapeMismatch, "rank mismatch");
  const int64_t seq = layout == 0 ? x.dim(0) : x.dim(1), batch = layout == 0 ? x.dim(1) : x.dim(0);
  const int64_t in = x.dim(2), h = r.dim(2);
  if (w.dim(0) != dirs || r.dim(0) != dirs || w.dim(1) != 4 * h || r.dim(1) != 4 * h || w.dim(2) != in)
    return a.error(ErrorCode::kShapeMismatch, "W/R shapes do not match X and hidden_size");
  const Tensor* b = a.has_input(3) ? &a.in(3) : nullptr;
  const Tensor* sl = a.has_input(4) ? &a.in(4) : nullptr;
  const Tensor* h0 = a.has_input(5) ? &a.in(5) : nullptr;
  const Tensor* c0 = a.has_input(6) ? &a.in(6) : nullptr;
  const Tensor* p = a.has_input(7) ? &a.in(7) : nullptr;
  const int64_t state_numel = dirs * batch * h;
  if ((b && b->numel() != dirs * 8 * h) || (sl && sl->numel() != batch) || (h0 && h0->numel() != state_numel) ||
      (c0 && c0->numel() != state_numel) || (p && p->numel() != dirs * 3 * h))
    return a.error(ErrorCode::kShapeMismatch, "optional input shapes do not match");
  NPUKIT_ASSIGN_OR_RETURN(std::vector<Activation> acts, parse_activations(a, dirs));
  const bool has_clip = a.attrs.has("clip");
  const double clip = a.attrs.get_float("clip");
  const bool input_forget = a.attrs.get_int("input_forget") != 0;
  NPUKIT_ASSIGN_OR_RETURN(float* y, optional_output(a, 0, seq * state_numel));
  NPUKIT_ASSIGN_OR_RETURN(float* yh, optional_output(a, 1, state_numel));
  NPUKIT_ASSIGN_OR_RETURN(float* yc, optional_output(a, 2, state_numel));
  if (y) std::fill(y, y + seq * state_numel, 0.f);

  // Element offsets honouring the layout.
  auto x_off = [&](int64_t t, int64_t bb) { return (layout == 0 ? t * batch + bb : bb * seq + t) * in; };
  auto y_off = [&](int64_t t, int64_t d, int64_t bb) {
    return (layout == 0 ? (t * dirs + d) * batch + bb : (bb * seq + t) * dirs + d) * h;
  };
  auto state_off = [&](int64_t d, int64_t bb) { return (layout == 0 ? d * batch + bb : bb * dirs + d) * h; };

  const float* xd = x.data<float>();
  std::vector<double> hs(h), cs(h), gates(4 * h);
  for (int64_t d = 0; d < dirs; ++d) {
    const bool reverse = direction == "reverse" || d == 1;
    const Activation& fa = acts[3 * d];
    const Activation& ga = acts[3 * d + 1];
    const Activation& ha = acts[3 * d + 2];
    const float* wd = w.data<float>() + d * 4 * h * in;
    const float* rd = r.data<float>() + d * 4 * h * h;
    const float* wb = b ? b->data<float>() + d * 8 * h : nullptr;
    const float* pd = p ? p->data<float>() + d * 3 * h : nullptr;
    for (int64_t bb = 0; bb < batch; ++bb) {
      int64_t len = sl ? sl->get_as_int64(bb) : seq;
      if (len < 0 || len > seq)
        return a.error(ErrorCode::kOutOfRange, "sequence_lens[", bb, "] = ", len, " is outside [0, ", seq, "]");
      for (int64_t j = 0; j < h; ++j) {
        hs[j] = h0 ? h0->data<float>()[state_off(d, bb) + j] : 0.0;
        cs[j] = c0 ? c0->data<float>()[state_off(d, bb) + j] : 0.0;
      }
      for (int64_t step = 0; step < len; ++step) {
        const int64_t t = reverse ? len - 1 - step : step;
        const float* xt = xd + x_off(t, bb);
        for (int64_t g = 0; g < 4 * h; ++g) {
          double acc = wb ? static_cast<double>(wb[g]) + wb[4 * h + g] : 0.0;
          for (int64_t k = 0; k < in; ++k) acc += static_cast<double>(wd[g * in + k]) * xt[k];
          for (int64_t k = 0; k < h; ++k) acc += static_cast<double>(rd[g * h + k]) * hs[k];
          gates[g] = acc;
        }
        auto pre = [&](double v) { return has_clip ? std::clamp(v, -clip, clip) : v; };
        for (int64_t j = 0; j < h; ++j) {
          const double c_prev = cs[j];
          const double gi = fa(pre(gates[j] + (pd ? pd[j] * c_prev : 0.0)));
          const double gf = input_forget ? 1.0 - gi : fa(pre(gates[2 * h + j] + (pd ? pd[2 * h + j] * c_prev : 0.0)));
          const double gc = ga(pre(gates[3 * h + j]));
          const double c_new = gf * c_prev + gi * gc;
          const double go = fa(pre(gates[h + j] + (pd ? pd[h + j] * c_new : 0.0)));
          cs[j] = c_new;
          hs[j] = go * ha(c_new);
        }
        if (y)
          for (int64_t j = 0; j < h; ++j) y[y_off(t, d, bb) + j] = static_cast<float>(hs[j]);
      }
      for (int64_t j = 0; j < h; ++j) {
        if (yh) yh[state_off(d, bb) + j] = static_cast<float>(hs[j]);
        if (yc) yc[state_off(d, bb) + j] = static_cast<float>(cs[j]);
      }
    }
  }
  return Status::Ok();
}

}  // namespace npukit::ref
