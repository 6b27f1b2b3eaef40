// SPDX-License-Identifier: Apache-2.0
#include "quant/calibrate_graph.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <unordered_map>

#include "core/log.h"
#include "interp/interpreter.h"
#include "quant/arith.h"

namespace npukit::quant {
namespace {

// Shortest decimal text that parses back to exactly p.
std::string shortest_decimal(double p) {
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, p);
    if (std::strtod(buf, nullptr) == p) break;
  }
  return buf;
}

bool needs_histogram(CalibMethod m) {
  return m != CalibMethod::kMax && m != CalibMethod::kSkip;
}

Status check_spec(const CalibMethodSpec& spec, const std::string& where) {
  if (spec.method == CalibMethod::kMaxPercentile && !(spec.percentile > 0.0 && spec.percentile <= 1.0)) {
    return make_error(ErrorCode::kInvalidArgument, where, ": max_percentile must be in (0, 1], got ", spec.percentile);
  }
  return Status::Ok();
}

// One observed tensor.
struct Entry {
  const ir::Value* value = nullptr;
  CalibMethodSpec spec;  // effective method (skip already mapped to max)
  MinMaxObserver minmax;
  std::unique_ptr<HistogramObserver> hist;
};

}  // namespace

std::string method_name(const CalibMethodSpec& spec) {
  switch (spec.method) {
    case CalibMethod::kMax: return "max";
    case CalibMethod::kMaxPercentile: return "max_percentile_" + shortest_decimal(spec.percentile);
    case CalibMethod::kKl: return "kl";
    case CalibMethod::kMse: return "mse";
    case CalibMethod::kDefault: return "default";
    case CalibMethod::kSkip: return "skip";
  }
  return "?";
}

Expected<CalibMethodSpec> parse_method(const std::string& s) {
  if (s == "max") return CalibMethodSpec{CalibMethod::kMax, 1.0};
  if (s == "kl") return CalibMethodSpec{CalibMethod::kKl, 1.0};
  if (s == "mse") return CalibMethodSpec{CalibMethod::kMse, 1.0};
  if (s == "default") return CalibMethodSpec{CalibMethod::kDefault, 1.0};
  if (s == "skip") return CalibMethodSpec{CalibMethod::kSkip, 1.0};
  if (s == "max_percentile") return CalibMethodSpec{CalibMethod::kMaxPercentile, 1.0};
  const std::string prefix = "max_percentile_";
  if (s.rfind(prefix, 0) == 0 && s.size() > prefix.size()) {
    const std::string num = s.substr(prefix.size());
    char* end = nullptr;
    const double p = std::strtod(num.c_str(), &end);
    if (end == num.c_str() + num.size() && p > 0.0 && p <= 1.0) {
      return CalibMethodSpec{CalibMethod::kMaxPercentile, p};
    }
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown calibration method '", s,
                    "' (expected max, max_percentile_<p> with p in (0, 1], kl, mse, default or skip)");
}

Expected<CalibTable> calibrate_graph(const ir::Graph& graph, const std::vector<std::vector<Tensor>>& samples_in,
                                     const CalibOptions& options) {
  if (options.bits != 8 && options.bits != 16) {
    return make_error(ErrorCode::kInvalidArgument, "calibration: bits must be 8 or 16, got ", options.bits);
  }
  NPUKIT_RETURN_IF_ERROR(check_spec(options.method, "calibration"));
  HistogramOptions hopt;
  hopt.num_bins = options.num_bins;
  hopt.inf_policy = options.inf_policy;
  NPUKIT_RETURN_IF_ERROR(HistogramObserver(hopt).check_options());

  interp::Interpreter interp(graph);
  const std::vector<const ir::Value*> inputs = interp.runtime_inputs();

  // Samples: the given ones, or generated ones for skip.
  const bool skip = options.method.method == CalibMethod::kSkip;
  std::vector<std::vector<Tensor>> generated;
  if (skip) {
    if (options.skip_samples <= 0) {
      return make_error(ErrorCode::kInvalidArgument, "calibration: skip_samples must be > 0, got ",
                        options.skip_samples);
    }
    for (int64_t k = 0; k < options.skip_samples; ++k) {
      std::vector<Tensor> sample;
      for (size_t i = 0; i < inputs.size(); ++i) {
        const ir::Value* v = inputs[i];
        RandomSpec spec = options.skip_spec;
        // Integer image-like inputs get their full 8-bit range (see RandomSpec's note).
        if (v->dtype() == DType::kU8) spec = RandomSpec{RandomDist::kUniform, 0.0, 256.0};
        const uint64_t seed = options.skip_seed + static_cast<uint64_t>(k) * 1000u + i;
        auto t = random_calibration_tensor(v->dtype(), v->shape(), seed, spec);
        if (!t.ok()) return t.status().with_context(str_cat("calibration: random data for input '", v->name(), "'"));
        sample.push_back(std::move(*t));
      }
      generated.push_back(std::move(sample));
    }
  }
  const std::vector<std::vector<Tensor>>& samples = skip ? generated : samples_in;
  if (samples.empty()) return make_error(ErrorCode::kInvalidArgument, "calibration: no calibration samples");

  // Observed tensors, in table order: f32 runtime inputs, then f32 node outputs in node order.
  std::vector<std::unique_ptr<Entry>> entries;
  std::unordered_map<const ir::Value*, Entry*> by_value;
  auto track = [&](const ir::Value* v) {
    if (!v || v->is_constant() || v->dtype() != DType::kF32 || by_value.count(v)) return;
    auto e = std::make_unique<Entry>();
    e->value = v;
    by_value[v] = e.get();
    entries.push_back(std::move(e));
  };
  for (const ir::Value* v : inputs) track(v);
  for (const ir::Node* n : graph.nodes()) {
    for (const ir::Value* o : n->outputs()) track(o);
  }

  // Effective method per tensor; every override must name something we observe.
  std::map<std::string, bool> override_used;
  for (const auto& [name, spec] : options.overrides) {
    if (spec.method == CalibMethod::kSkip) {
      return make_error(ErrorCode::kInvalidArgument, "calibration override '", name, "': skip is a global method only");
    }
    NPUKIT_RETURN_IF_ERROR(check_spec(spec, str_cat("calibration override '", name, "'")));
    override_used[name] = false;
  }
  for (auto& e : entries) {
    e->spec = skip ? CalibMethodSpec{CalibMethod::kMax, 1.0} : options.method;
    auto it = options.overrides.find(e->value->name());
    if (e->value->producer()) {
      // A node-name override counts as used even where a tensor-name override shadows it.
      auto by_node = options.overrides.find(e->value->producer()->name());
      if (by_node != options.overrides.end()) {
        override_used[by_node->first] = true;
        if (it == options.overrides.end()) it = by_node;
      }
    }
    if (it != options.overrides.end()) {
      e->spec = it->second;
      override_used[it->first] = true;
    }
    e->minmax = MinMaxObserver(options.inf_policy);
    if (needs_histogram(e->spec.method)) e->hist = std::make_unique<HistogramObserver>(hopt);
  }
  for (const auto& [name, used] : override_used) {
    if (!used) {
      // A producer override may also match a node whose outputs are all non-float: still a typo guard,
      // since such an override could have no effect.
      return make_error(ErrorCode::kNotFound, "calibration override '", name,
                        "' matches no calibrated (f32 activation) tensor or its producer node");
    }
  }

  auto observe = [&](Entry& e, const Tensor& t) -> Status {
    Status s = e.minmax.observe(t);
    if (s.ok() && e.hist) s = e.hist->observe(t);
    if (!s.ok()) return s.with_context(str_cat("calibration: tensor '", e.value->name(), "'"));
    return Status::Ok();
  };

  const int64_t n = static_cast<int64_t>(samples.size());
  for (int64_t k = 0; k < n; ++k) {
    const auto& sample = samples[static_cast<size_t>(k)];
    if (sample.size() != inputs.size()) {
      return make_error(ErrorCode::kInvalidArgument, "calibration: sample ", k, " has ", sample.size(),
                        " tensors, the graph has ", inputs.size(), " inputs");
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto it = by_value.find(inputs[i]);
      if (it == by_value.end()) continue;
      // A mismatching input is not observed here: run() rejects it just below with a message naming the input.
      if (sample[i].dtype() != DType::kF32 || sample[i].shape() != inputs[i]->shape()) continue;
      NPUKIT_RETURN_IF_ERROR(observe(*it->second, sample[i]));
    }
    Status cb_status;
    interp::RunOptions ropt;
    ropt.on_node = [&](const ir::Node& node, std::span<const Tensor> outs) {
      if (!cb_status.ok()) return;
      for (size_t o = 0; o < outs.size() && o < node.num_outputs(); ++o) {
        auto it = by_value.find(node.output(o));
        if (it == by_value.end() || outs[o].dtype() != DType::kF32) continue;
        Status s = observe(*it->second, outs[o]);
        if (!s.ok()) {
          cb_status = s;
          return;
        }
      }
    };
    auto run = interp.run(sample, ropt);
    if (!run.ok()) return run.status().with_context(str_cat("calibration: sample ", k + 1, "/", n));
    if (!cb_status.ok()) return cb_status.with_context(str_cat("sample ", k + 1, "/", n));
    if (options.progress_every > 0 && ((k + 1) % options.progress_every == 0 || k + 1 == n)) {
      log::info("calibration: sample ", k + 1, "/", n);
    }
  }

  CalibTable table;
  table.method = method_name(options.method);
  if (!options.overrides.empty()) table.method = "mix:" + table.method;
  table.num_samples = n;
  table.bits = options.bits;
  for (const auto& e : entries) {
    const std::string& name = e->value->name();
    CalibTensor t;
    t.name = name;
    if (const ir::Node* p = e->value->producer()) {
      t.producer = p->name();
      t.origin = p->origin();
    }
    if (e->minmax.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "calibration: tensor '", name,
                        "' had no finite value in any sample (NaN only?)");
    }
    t.min = e->minmax.min();
    t.max = e->minmax.max();
    t.max_abs = e->minmax.max_abs();
    t.method = method_name(e->spec);
    if (t.max_abs == 0.0) {
      log::warn("calibration: tensor '", name, "' was zero in every sample; threshold 0");
      t.threshold = 0.0;
    } else {
      Expected<double> thr = 0.0;
      std::optional<Histogram> hist;
      if (e->hist) {
        auto h = e->hist->histogram();
        if (!h.ok()) return h.status().with_context(str_cat("calibration: tensor '", name, "'"));
        hist = std::move(*h);
      }
      KlOptions kl;
      kl.bits = options.bits;
      switch (e->spec.method) {
        case CalibMethod::kMax:
        case CalibMethod::kSkip: thr = threshold_max(e->minmax); break;
        case CalibMethod::kMaxPercentile: thr = threshold_percentile(*hist, e->spec.percentile); break;
        case CalibMethod::kKl: thr = threshold_kl(*hist, kl); break;
        case CalibMethod::kMse: thr = threshold_mse(*hist, options.bits); break;
        case CalibMethod::kDefault: {
          auto d = threshold_default(*hist, options.bits);
          if (!d.ok()) {
            thr = d.status();
          } else {
            thr = d->threshold;
            t.method = "default:" + d->name;
          }
          break;
        }
      }
      if (!thr.ok()) return thr.status().with_context(str_cat("calibration: tensor '", name, "'"));
      t.threshold = *thr;
    }
    if (skip) t.method = "skip:" + t.method;
    t.scale = symmetric_scale(static_cast<float>(t.threshold), options.bits);
    table.tensors.push_back(std::move(t));
  }
  return table;
}

}  // namespace npukit::quant
