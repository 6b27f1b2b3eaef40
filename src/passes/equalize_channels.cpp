// SPDX-License-Identifier: Apache-2.0
#include "passes/equalize_channels.h"

#include <algorithm>
#include <cmath>

#include "core/text.h"

namespace npukit::passes {
namespace {

using ir::Node;
using ir::OpKind;
using ir::Value;

constexpr double kMinScale = 1e-4, kMaxScale = 1e4;

bool const_f32(const Value* v) {
  return v && v->is_constant() && v->dtype() == DType::kF32;
}

int64_t group_of(const Node& n) {
  return n.attrs().has("group") ? n.attrs().get_int("group") : 1;
}

/// A's output channels, or 0 when `a` is not a Conv with constant f32 weights (and bias).
int64_t conv_channels(const Node& a) {
  if (a.op() != OpKind::kConv || !const_f32(a.input(1))) return 0;
  if (a.input(2) && !const_f32(a.input(2))) return 0;
  const Shape& w = a.input(1)->shape();
  return w.size() >= 3 ? w[0] : 0;
}

/// True when `b` reads `t` (C channels) as its data input only, as a group-1 or depthwise conv.
bool is_reader(const Node& b, const Value* t, int64_t c) {
  if (b.op() != OpKind::kConv || b.input(0) != t || !const_f32(b.input(1))) return false;
  for (size_t i = 1; i < b.num_inputs(); ++i)
    if (b.input(i) == t) return false;
  const Shape& w = b.input(1)->shape();
  if (w.size() < 3) return false;
  const int64_t g = group_of(b);
  if (g == 1) return w[1] == c;
  return g == c && w[1] == 1 && w[0] % c == 0;
}

bool depthwise(const Node& b) {
  return group_of(b) != 1;
}

/// The readers of `t` if they all qualify, else empty.
std::vector<Node*> readers(const Value* t, int64_t c) {
  if (t->is_graph_output() || t->users().empty()) return {};
  std::vector<Node*> r;
  for (Node* u : t->users()) {
    if (!is_reader(*u, t, c)) return {};
    if (std::find(r.begin(), r.end(), u) == r.end()) r.push_back(u);
  }
  return r;
}

struct Pair {
  Node* a = nullptr;
  const Value* t = nullptr;  // what the B's read
  std::vector<Node*> bs;
  int64_t channels = 0;
};

std::vector<Pair> find_pairs(const ir::Graph& g) {
  std::vector<Pair> out;
  for (Node* a : g.nodes()) {
    const int64_t c = conv_channels(*a);
    if (c == 0) continue;
    const Value* x = a->output(0);
    if (x->is_graph_output() || x->users().empty()) continue;
    const Value* t = x;
    if (x->users().size() == 1 && x->users()[0]->op() == OpKind::kRelu) t = x->users()[0]->output(0);
    std::vector<Node*> bs = readers(t, c);
    if (bs.empty()) continue;
    out.push_back(Pair{a, t, std::move(bs), c});
  }
  return out;
}

/// A copy of constant `v` with the slices along `axis` (block of `block` consecutive indices per channel)
/// multiplied by f[c].
Tensor scaled(const Tensor& w, int64_t axis, int64_t block, const std::vector<double>& f) {
  Tensor out = w.clone();
  const Shape& s = w.shape();
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t dim = s[static_cast<size_t>(axis)];
  float* p = out.data<float>();
  for (int64_t i = 0; i < out.numel(); ++i) {
    const int64_t idx = (i / inner) % dim;
    p[i] = static_cast<float>(p[i] * f[static_cast<size_t>(idx / block)]);
  }
  return out;
}

}  // namespace

std::vector<EqualizeCandidate> equalize_candidates(const ir::Graph& graph) {
  std::vector<EqualizeCandidate> out;
  for (const Pair& p : find_pairs(graph)) out.push_back({p.t->name(), p.a->name()});
  return out;
}

Status equalize_channels(ir::Graph& graph, const std::map<std::string, std::vector<float>>& channel_max,
                         EqualizeReport* report) {
  EqualizeReport rep;
  for (const Pair& p : find_pairs(graph)) {
    auto it = channel_max.find(p.t->name());
    if (it == channel_max.end()) continue;
    const std::vector<float>& m = it->second;
    if (static_cast<int64_t>(m.size()) != p.channels)
      return make_error(ErrorCode::kInvalidArgument, "equalize_channels: '", p.t->name(), "' has ", p.channels,
                        " channels, got ", m.size(), " maxima");
    const size_t c = m.size();
    float top = 0.0f, low = 0.0f;
    for (float v : m)
      if (v > 0.0f) {
        top = std::max(top, v);
        low = low == 0.0f ? v : std::min(low, v);
      }
    if (top == 0.0f) continue;
    rep.max_range_ratio = std::max(rep.max_range_ratio, static_cast<double>(top) / low);
    std::vector<double> s(c, 1.0);
    const bool all_dw = std::all_of(p.bs.begin(), p.bs.end(), [](const Node* b) { return depthwise(*b); });
    if (all_dw) {
      for (size_t i = 0; i < c; ++i)
        if (m[i] > 0.0f) s[i] = static_cast<double>(m[i]) / top;
    } else {
      // r_c: the largest weight of column c over the readers.
      std::vector<double> r(c, 0.0);
      for (const Node* b : p.bs) {
        const Tensor& w = *b->input(1)->const_value();
        const Shape& ws = w.shape();
        int64_t inner = 1;
        for (size_t d = 2; d < ws.size(); ++d) inner *= ws[d];
        const int64_t per_group_in = ws[1];
        for (int64_t i = 0; i < w.numel(); ++i) {
          // group 1: column = index along dim 1; depthwise: the channel of output row o is o / m.
          const int64_t o = i / (per_group_in * inner);
          const int64_t col = depthwise(*b) ? o / (ws[0] / static_cast<int64_t>(c)) : (i / inner) % per_group_in;
          r[static_cast<size_t>(col)] = std::max(r[static_cast<size_t>(col)], std::fabs(double{w.data<float>()[i]}));
        }
      }
      double log_sum = 0.0;
      int n = 0;
      for (size_t i = 0; i < c; ++i)
        if (m[i] > 0.0f && r[i] > 0.0) {
          s[i] = std::sqrt(static_cast<double>(m[i]) / r[i]);
          log_sum += std::log(s[i]);
          ++n;
        }
      const double mean = n ? std::exp(log_sum / n) : 1.0;
      for (size_t i = 0; i < c; ++i)
        if (m[i] > 0.0f && r[i] > 0.0) s[i] /= mean;
    }
    for (double& v : s) v = std::clamp(v, kMinScale, kMaxScale);
    std::vector<double> inv(c);
    for (size_t i = 0; i < c; ++i) inv[i] = 1.0 / s[i];
    // A: output channel c (dim 0 of W1, the bias) divided by s_c.
    Node* a = p.a;
    a->set_input(
        1, graph.add_constant(a->input(1)->name() + "_equalized", scaled(*a->input(1)->const_value(), 0, 1, inv)));
    if (a->input(2))
      a->set_input(
          2, graph.add_constant(a->input(2)->name() + "_equalized", scaled(*a->input(2)->const_value(), 0, 1, inv)));
    // B's: what they read from channel c multiplied by s_c.
    for (Node* b : p.bs) {
      const Tensor& w = *b->input(1)->const_value();
      const Tensor ws = depthwise(*b) ? scaled(w, 0, w.shape()[0] / static_cast<int64_t>(c), s) : scaled(w, 1, 1, s);
      b->set_input(1, graph.add_constant(b->input(1)->name() + "_equalized", ws));
    }
    ++rep.pairs;
  }
  graph.remove_dead_values();
  if (report) *report = rep;
  return Status::Ok();
}

}  // namespace npukit::passes
