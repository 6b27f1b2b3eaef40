// SPDX-License-Identifier: Apache-2.0
#include "quant/calibrate_graph.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "core/log.h"
#include "interp/interpreter.h"
#include "kernels/fast/fast_kernels.h"
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
};

// One worker's statistics of one tensor: the histogram observer (which keeps min/max itself) where the
// method needs one, a min/max observer otherwise.
struct Observers {
  MinMaxObserver minmax;
  std::unique_ptr<HistogramObserver> hist;

  Status observe(const Tensor& t, const Entry& e) {
    Status s = hist ? hist->observe(t) : minmax.observe(t);
    if (!s.ok()) return s.with_context(str_cat("calibration: tensor '", e.value->name(), "'"));
    return Status::Ok();
  }
  Status merge(const Observers& other) {
    if (hist) return hist->merge(*other.hist);
    minmax.merge(other.minmax);
    return Status::Ok();
  }
  const MinMaxObserver& minmax_view() const { return hist ? hist->minmax() : minmax; }
};

// The threshold of one tensor from its merged statistics; `chosen` receives the candidate name for
// `default`. Not called for all-zero tensors (threshold 0, handled by the caller).
Expected<double> compute_threshold(const Entry& e, const Observers& obs, const CalibOptions& options,
                                   std::string& chosen) {
  if (obs.minmax_view().empty() || obs.minmax_view().max_abs() == 0.0) return 0.0;
  std::optional<Histogram> hist;
  if (obs.hist) {
    NPUKIT_ASSIGN_OR_RETURN(Histogram h, obs.hist->histogram());
    hist = std::move(h);
  }
  KlOptions kl;
  kl.bits = options.bits;
  switch (e.spec.method) {
    case CalibMethod::kMax:
    case CalibMethod::kSkip: return threshold_max(obs.minmax_view());
    case CalibMethod::kMaxPercentile: return threshold_percentile(*hist, e.spec.percentile);
    case CalibMethod::kKl: return threshold_kl(*hist, kl);
    case CalibMethod::kMse: return threshold_mse(*hist, options.bits);
    case CalibMethod::kDefault: {
      NPUKIT_ASSIGN_OR_RETURN(NamedThreshold d, threshold_default(*hist, options.bits));
      chosen = d.name;
      return d.threshold;
    }
  }
  return make_error(ErrorCode::kInternal, "calibration: unknown method");
}

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
  std::unordered_map<const ir::Value*, size_t> by_value;
  auto track = [&](const ir::Value* v) {
    if (!v || v->is_constant() || v->dtype() != DType::kF32 || by_value.count(v)) return;
    auto e = std::make_unique<Entry>();
    e->value = v;
    by_value[v] = entries.size();
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
  }
  for (const auto& [name, used] : override_used) {
    if (!used) {
      // A producer override may also match a node whose outputs are all non-float: still a typo guard,
      // since such an override could have no effect.
      return make_error(ErrorCode::kNotFound, "calibration override '", name,
                        "' matches no calibrated (f32 activation) tensor or its producer node");
    }
  }

  const int64_t n = static_cast<int64_t>(samples.size());
  if (options.threads < 0) {
    return make_error(ErrorCode::kInvalidArgument, "calibration: threads must be >= 0 (0 = one per core), got ",
                      options.threads);
  }
  int64_t workers = options.threads > 0
                        ? options.threads
                        : std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, kMaxAutoCalibThreads);
  workers = std::clamp<int64_t>(workers, 1, n);

  // Each worker owns a full set of observers and takes samples in increasing index order from a shared
  // counter; the sets are merged at the end. Merging is exact (min/max/counts are order-free, and the
  // power-of-two histogram ranges re-bin exactly, see calib.h), so the table is identical for every
  // thread count and schedule. Memory per worker: its observers (2 x num_bins counters per tensor)
  // plus the live activations of ONE sample — the interpreter frees each tensor after its last reader.
  auto make_observers = [&]() {
    std::vector<Observers> obs(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      obs[i].minmax = MinMaxObserver(options.inf_policy);
      if (needs_histogram(entries[i]->spec.method)) obs[i].hist = std::make_unique<HistogramObserver>(hopt);
    }
    return obs;
  };
  std::vector<std::vector<Observers>> worker_obs(static_cast<size_t>(workers));
  for (auto& w : worker_obs) w = make_observers();

  std::atomic<int64_t> next_sample{0};
  std::atomic<int64_t> done_samples{0};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  int64_t error_sample = n;  // the smallest failing sample index (deterministic error whatever the schedule)
  Status error_status;
  auto fail = [&](int64_t k, Status s) {
    std::lock_guard<std::mutex> g(error_mu);
    if (k < error_sample) {
      error_sample = k;
      error_status = std::move(s);
    }
    failed = true;
  };

  auto run_sample = [&](std::vector<Observers>& obs, int64_t k) -> Status {
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
      NPUKIT_RETURN_IF_ERROR(obs[it->second].observe(sample[i], *entries[it->second]));
    }
    Status cb_status;
    interp::RunOptions ropt;
    ropt.use_fast_kernels = options.use_fast_kernels;
    ropt.on_node = [&](const ir::Node& node, std::span<const Tensor> outs) {
      if (!cb_status.ok()) return;
      for (size_t o = 0; o < outs.size() && o < node.num_outputs(); ++o) {
        auto it = by_value.find(node.output(o));
        if (it == by_value.end() || outs[o].dtype() != DType::kF32) continue;
        Status s = obs[it->second].observe(outs[o], *entries[it->second]);
        if (!s.ok()) {
          cb_status = s;
          return;
        }
      }
    };
    auto run = interp.run(sample, ropt);
    if (!run.ok()) return run.status().with_context(str_cat("calibration: sample ", k + 1, "/", n));
    if (!cb_status.ok()) return cb_status.with_context(str_cat("sample ", k + 1, "/", n));
    const int64_t done = ++done_samples;
    if (options.on_sample) options.on_sample();
    if (options.progress_every > 0 && (done % options.progress_every == 0 || done == n)) {
      log::info("calibration: sample ", done, "/", n);
    }
    return Status::Ok();
  };
  auto worker = [&](size_t w) {
    while (!failed) {
      const int64_t k = next_sample++;
      if (k >= n) return;
      Status s = run_sample(worker_obs[w], k);
      if (!s.ok()) fail(k, std::move(s));
    }
  };

  {
    // One GEMM thread per worker when the workers already occupy the cores (restored afterwards).
    const int saved_gemm_threads = fast::gemm_threads();
    if (options.use_fast_kernels && workers > 1) fast::set_gemm_threads(1);
    std::vector<std::thread> pool;
    for (int64_t w = 1; w < workers; ++w) {
      // Samples are handed out dynamically: if the system refuses a thread, the others take its share.
      try {
        pool.emplace_back(worker, static_cast<size_t>(w));
      } catch (const std::system_error&) {
        break;
      }
    }
    worker(0);
    for (auto& t : pool) t.join();
    if (options.use_fast_kernels && workers > 1) fast::set_gemm_threads(saved_gemm_threads);
  }
  if (failed) return error_status;

  // Merge every worker's observers into worker 0's.
  std::vector<Observers>& merged = worker_obs[0];
  for (size_t w = 1; w < worker_obs.size(); ++w) {
    for (size_t i = 0; i < entries.size(); ++i) {
      Status s = merged[i].merge(worker_obs[w][i]);
      if (!s.ok()) return s.with_context(str_cat("calibration: tensor '", entries[i]->value->name(), "'"));
    }
    worker_obs[w].clear();
  }

  // Thresholds per tensor (KL and MSE searches are the costly part), spread over the same workers.
  std::vector<Expected<double>> thresholds(entries.size(), Expected<double>(0.0));
  std::vector<std::string> chosen(entries.size());
  std::atomic<size_t> next_entry{0};
  auto threshold_worker = [&]() {
    for (size_t i = next_entry++; i < entries.size(); i = next_entry++) {
      thresholds[i] = compute_threshold(*entries[i], merged[i], options, chosen[i]);
    }
  };
  {
    std::vector<std::thread> pool;
    for (int64_t w = 1; w < workers; ++w) {
      try {
        pool.emplace_back(threshold_worker);
      } catch (const std::system_error&) {
        break;
      }
    }
    threshold_worker();
    for (auto& t : pool) t.join();
  }

  CalibTable table;
  table.method = method_name(options.method);
  if (!options.overrides.empty()) table.method = "mix:" + table.method;
  table.num_samples = n;
  table.bits = options.bits;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = *entries[i];
    const MinMaxObserver& mm = merged[i].minmax_view();
    const std::string& name = e.value->name();
    CalibTensor t;
    t.name = name;
    if (const ir::Node* p = e.value->producer()) {
      t.producer = p->name();
      t.origin = p->origin();
    }
    if (mm.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "calibration: tensor '", name,
                        "' had no finite value in any sample (NaN only?)");
    }
    t.min = mm.min();
    t.max = mm.max();
    t.max_abs = mm.max_abs();
    t.method = method_name(e.spec);
    if (t.max_abs == 0.0) {
      log::warn("calibration: tensor '", name, "' was zero in every sample; threshold 0");
      t.threshold = 0.0;
    } else {
      if (!thresholds[i].ok()) return thresholds[i].status().with_context(str_cat("calibration: tensor '", name, "'"));
      t.threshold = *thresholds[i];
      if (!chosen[i].empty()) t.method = "default:" + chosen[i];
    }
    if (skip) t.method = "skip:" + t.method;
    t.scale = symmetric_scale(static_cast<float>(t.threshold), options.bits);
    table.tensors.push_back(std::move(t));
  }
  return table;
}

}  // namespace npukit::quant
