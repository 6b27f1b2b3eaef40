// SPDX-License-Identifier: Apache-2.0
#include "quant/similarity.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "interp/interpreter.h"

namespace npukit::quant {
namespace {

struct Acc {
  double dot = 0, aa = 0, bb = 0, dd = 0, max_abs = 0;
  bool seen = false;
  bool mismatch = false;  ///< shapes differed in some sample

  void add(const Tensor& a, const Tensor& b) {
    if (a.dtype() != DType::kF32 || b.dtype() != DType::kF32 || a.shape() != b.shape()) {
      mismatch = true;
      return;
    }
    seen = true;
    const float* x = a.data<float>();
    const float* y = b.data<float>();
    for (int64_t i = 0; i < a.numel(); ++i) {
      const double p = x[i], q = y[i], d = p - q;
      dot += p * q;
      aa += p * p;
      bb += q * q;
      dd += d * d;
      max_abs = std::max(max_abs, std::fabs(d));
    }
  }
  void merge(const Acc& o) {
    dot += o.dot;
    aa += o.aa;
    bb += o.bb;
    dd += o.dd;
    max_abs = std::max(max_abs, o.max_abs);
    seen = seen || o.seen;
    mismatch = mismatch || o.mismatch;
  }
  void fill(SimilarityRow& r) const {
    if (aa == 0 && bb == 0) {
      r.cosine = 1.0;
    } else if (aa == 0 || bb == 0) {
      r.cosine = 0.0;
    } else {
      r.cosine = dot / std::sqrt(aa * bb);
    }
    r.max_abs_err = max_abs;
    r.rel_l2_err = aa == 0 ? (dd == 0 ? 0.0 : std::numeric_limits<double>::infinity()) : std::sqrt(dd / aa);
  }
};

}  // namespace

Expected<SimilarityReport> compare_float_quant(const ir::Graph& float_g, const ir::Graph& qdq_g,
                                               const std::vector<std::vector<Tensor>>& samples, const CalibTable* table,
                                               const CompareOptions& options) {
  if (samples.empty()) return make_error(ErrorCode::kInvalidArgument, "compare_float_quant: no samples");
  if (float_g.outputs().size() != qdq_g.outputs().size())
    return make_error(ErrorCode::kInvalidArgument, "compare_float_quant: float graph has ", float_g.outputs().size(),
                      " outputs, qdq graph ", qdq_g.outputs().size());
  interp::Interpreter fi(float_g), qi(qdq_g);
  if (fi.runtime_inputs().size() != qi.runtime_inputs().size())
    return make_error(ErrorCode::kInvalidArgument, "compare_float_quant: graphs have different runtime input counts");

  // Tensors compared: f32 node outputs of the float graph whose names exist in the qdq graph.
  std::set<std::string> wanted;
  for (const ir::Node* n : float_g.nodes())
    for (const ir::Value* o : n->outputs())
      if (o && o->dtype() == DType::kF32 && qdq_g.find_value(o->name())) wanted.insert(o->name());
  // Quantized tensors of the qdq graph.
  std::set<std::string> quantized;
  for (const ir::Node* n : qdq_g.nodes()) {
    if (n->op() == ir::OpKind::kQuantizeLinear && n->input(0)) quantized.insert(n->input(0)->name());
    if (n->op() == ir::OpKind::kDequantizeLinear && n->output(0)) quantized.insert(n->output(0)->name());
  }
  // A tensor read only by Relu / Clip nodes whose outputs are quantized is fused into that activation
  // (quantize_qdq.h): on the device it exists only as the activation's int8 code, so it reports as int8.
  for (const ir::Value* v : qdq_g.values()) {
    if (quantized.count(v->name()) || v->users().empty() || v->is_graph_output()) continue;
    bool fused = true;
    for (const ir::Node* u : v->users())
      fused = fused && (u->op() == ir::OpKind::kRelu || u->op() == ir::OpKind::kClip) && u->output(0) &&
              quantized.count(u->output(0)->name());
    if (fused) quantized.insert(v->name());
  }

  // Samples are split into contiguous chunks, one per worker, each with its own accumulators; chunks are
  // merged in order, so the result depends on the worker count only through double rounding of the sums.
  const size_t workers = std::max<size_t>(
      1, std::min<size_t>(samples.size(), options.threads > 0 ? static_cast<size_t>(options.threads)
                                                              : std::max(1u, std::thread::hardware_concurrency())));
  struct Part {
    std::map<std::string, Acc> acc;
    std::vector<Acc> out_acc;
    Status status = Status::Ok();
  };
  std::vector<Part> parts(workers);
  std::atomic<int64_t> done{0};
  std::mutex progress_mu;
  auto work = [&](size_t w) {
    Part& part = parts[w];
    part.out_acc.resize(float_g.outputs().size());
    const size_t begin = samples.size() * w / workers, end = samples.size() * (w + 1) / workers;
    for (size_t k = begin; k < end; ++k) {
      std::map<std::string, Tensor> ref;
      interp::RunOptions fo;
      fo.use_fast_kernels = options.use_fast_kernels;
      fo.on_node = [&](const ir::Node& n, std::span<const Tensor> outs) {
        for (size_t i = 0; i < outs.size() && i < n.num_outputs(); ++i)
          if (n.output(i) && wanted.count(n.output(i)->name())) ref[n.output(i)->name()] = outs[i];
      };
      auto fout = fi.run(samples[k], fo);
      if (!fout.ok()) {
        part.status = make_error(fout.status().code(), "compare_float_quant: float graph, sample ", k, ": ",
                                 fout.status().message());
        return;
      }
      interp::RunOptions qo;
      qo.use_fast_kernels = options.use_fast_kernels;
      qo.on_node = [&](const ir::Node& n, std::span<const Tensor> outs) {
        for (size_t i = 0; i < outs.size() && i < n.num_outputs(); ++i) {
          if (!n.output(i)) continue;
          auto it = ref.find(n.output(i)->name());
          if (it != ref.end()) part.acc[it->first].add(it->second, outs[i]);
        }
      };
      auto qout = qi.run(samples[k], qo);
      if (!qout.ok()) {
        part.status = make_error(qout.status().code(), "compare_float_quant: qdq graph, sample ", k, ": ",
                                 qout.status().message());
        return;
      }
      for (size_t i = 0; i < part.out_acc.size(); ++i) part.out_acc[i].add((*fout)[i], (*qout)[i]);
      const int64_t n_done = ++done;
      if (options.on_sample) {
        std::lock_guard<std::mutex> g(progress_mu);
        options.on_sample(n_done - 1);
      }
    }
  };
  if (workers == 1) {
    work(0);
  } else {
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w) threads.emplace_back(work, w);
    for (auto& t : threads) t.join();
  }
  std::map<std::string, Acc> acc;
  std::vector<Acc> out_acc(float_g.outputs().size());
  for (Part& part : parts) {
    NPUKIT_RETURN_IF_ERROR(part.status);
    for (const auto& [name, a] : part.acc) acc[name].merge(a);
    for (size_t i = 0; i < out_acc.size() && i < part.out_acc.size(); ++i) out_acc[i].merge(part.out_acc[i]);
  }

  auto threshold_of = [&](const std::string& name) {
    const CalibTensor* t = table ? table->find(name) : nullptr;
    return t ? t->threshold : std::numeric_limits<double>::quiet_NaN();
  };
  SimilarityReport rep;
  rep.num_samples = static_cast<int64_t>(samples.size());
  for (const ir::Node* n : float_g.nodes())
    for (const ir::Value* o : n->outputs()) {
      if (!o) continue;
      auto it = acc.find(o->name());
      if (it == acc.end() || !it->second.seen || it->second.mismatch) continue;
      SimilarityRow r;
      r.node = n->name();
      r.op_type = n->op_type();
      r.tensor = o->name();
      it->second.fill(r);
      r.threshold = threshold_of(o->name());
      r.dtype = quantized.count(o->name()) ? "int8" : "float32";
      rep.rows.push_back(std::move(r));
    }
  for (size_t i = 0; i < out_acc.size(); ++i) {
    if (!out_acc[i].seen || out_acc[i].mismatch) continue;
    SimilarityRow r;
    r.op_type = "Output";
    r.tensor = float_g.outputs()[i]->name();
    out_acc[i].fill(r);
    r.threshold = threshold_of(r.tensor);
    r.dtype = quantized.count(qdq_g.outputs()[i]->name()) ? "int8" : "float32";
    rep.rows.push_back(std::move(r));
  }
  return rep;
}

std::string to_json(const SimilarityReport& report) {
  nlohmann::json j;
  j["num_samples"] = report.num_samples;
  j["rows"] = nlohmann::json::array();
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  for (const SimilarityRow& r : report.rows)
    j["rows"].push_back({{"node", r.node},
                         {"op_type", r.op_type},
                         {"tensor", r.tensor},
                         {"on", r.on},
                         {"cosine", num(r.cosine)},
                         {"max_abs_err", num(r.max_abs_err)},
                         {"rel_l2_err", num(r.rel_l2_err)},
                         {"threshold", num(r.threshold)},
                         {"dtype", r.dtype}});
  return j.dump(2);
}

std::string to_text_table(const SimilarityReport& report) {
  size_t wn = 4, wt = 4;
  auto label = [](const SimilarityRow& r) { return r.node.empty() ? "output:" + r.tensor : r.node; };
  for (const SimilarityRow& r : report.rows) {
    wn = std::max(wn, label(r).size());
    wt = std::max(wt, r.op_type.size());
  }
  auto pad = [](std::string s, size_t w) {
    if (s.size() < w) s.append(w - s.size(), ' ');
    return s;
  };
  auto fmt = [](double v, const char* f) {
    if (std::isnan(v)) return std::string("-");
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return std::string(buf);
  };
  std::string out = pad("Node", wn) + "  " + pad("ON", 4) + "  " + pad("Type", wt) + "  " +
                    pad("Cosine Similarity", 17) + "  " + pad("Threshold", 12) + "  " + pad("DataType", 8) + "  " +
                    pad("MaxAbsErr", 12) + "  RelL2\n";
  for (const SimilarityRow& r : report.rows)
    out += pad(label(r), wn) + "  " + pad(r.on, 4) + "  " + pad(r.op_type, wt) + "  " + pad(fmt(r.cosine, "%.6f"), 17) +
           "  " + pad(fmt(r.threshold, "%.6g"), 12) + "  " + pad(r.dtype, 8) + "  " +
           pad(fmt(r.max_abs_err, "%.6g"), 12) + "  " + fmt(r.rel_l2_err, "%.6g") + "\n";
  return out;
}

}  // namespace npukit::quant
