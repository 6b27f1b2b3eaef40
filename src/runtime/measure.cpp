// SPDX-License-Identifier: Apache-2.0
#include "runtime/measure.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>

namespace npukit::runtime {

namespace {

bool same_bytes(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].dtype() != b[i].dtype() || a[i].shape() != b[i].shape() ||
        (a[i].nbytes() > 0 && std::memcmp(a[i].raw(), b[i].raw(), a[i].nbytes()) != 0))
      return false;
  return true;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t k = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(k == 0 ? 0 : k - 1, sorted.size() - 1)];
}

bool pin_to_core(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

int64_t status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(f, line))
    if (line.rfind(k, 0) == 0) return std::stoll(line.substr(k.size())) * 1024;
  return 0;
}

}  // namespace

int64_t current_rss_bytes() {
  return status_kb("VmRSS");
}

int64_t peak_rss_bytes() {
  return status_kb("VmHWM");
}

LatencyStats latency_stats(std::vector<double> ms) {
  LatencyStats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  double sum = 0;
  for (double v : ms) sum += v;
  s.avg = sum / static_cast<double>(ms.size());
  s.min = ms.front();
  s.max = ms.back();
  s.p50 = percentile(ms, 50);
  s.p90 = percentile(ms, 90);
  s.p99 = percentile(ms, 99);
  return s;
}

std::vector<Tensor> random_inputs(const Runtime& rt, uint32_t seed) {
  std::vector<Tensor> out;
  const auto rin = rt.inputs();
  for (size_t k = 0; k < rin.size(); ++k) {
    const ir::Value& v = *rin[k];
    Tensor t(v.dtype(), v.shape());
    std::mt19937 rng(seed + static_cast<uint32_t>(k));
    for (int64_t i = 0; i < t.numel(); ++i) {
      switch (v.dtype()) {
        case DType::kF32: t.data<float>()[i] = std::normal_distribution<float>(0.f, 1.f)(rng); break;
        case DType::kI8: t.data<int8_t>()[i] = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128); break;
        case DType::kU8: t.data<uint8_t>()[i] = static_cast<uint8_t>(rng() % 256); break;
        case DType::kI16: t.data<int16_t>()[i] = static_cast<int16_t>(static_cast<int>(rng() % 65536) - 32768); break;
        default: break;  // other dtypes stay zero
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

Expected<MeasureResult> measure(const Runtime& rt, const std::vector<Tensor>& inputs, const MeasureOptions& o) {
  if (o.threads < 1 || o.threads > 256)
    return make_error(ErrorCode::kInvalidArgument, "thread count must be in [1, 256], got ", o.threads);
  if (o.frames < 1) return make_error(ErrorCode::kInvalidArgument, "frame count must be at least 1, got ", o.frames);
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  for (int c : o.core_ids)
    if (c < 0 || (cores > 0 && c >= cores))
      return make_error(ErrorCode::kInvalidArgument, "core_id ", c, " does not exist: this machine has cores 0..",
                        cores - 1);
  // The first frame gives the outputs every other frame must reproduce.
  NPUKIT_ASSIGN_OR_RETURN(const std::vector<Tensor> expected, rt.run(inputs));
  for (int64_t w = 1; w < o.warmup; ++w) NPUKIT_RETURN_IF_ERROR(rt.run(inputs).status());

  MeasureResult r;
  r.latency_ms.assign(static_cast<size_t>(o.frames), 0.0);
  const size_t nodes = rt.model().model.graph.num_nodes();
  std::vector<double> node_sum(o.per_node ? nodes : 0, 0.0);
  std::atomic<int64_t> next{0}, mismatches{0}, rss_mid{0};
  std::atomic<int> pin_failures{0};
  std::mutex mu;
  Status first_error = Status::Ok();
  using clock = std::chrono::steady_clock;
  auto worker = [&](int thread_index) {
    if (!o.core_ids.empty() && !pin_to_core(o.core_ids[static_cast<size_t>(thread_index) % o.core_ids.size()]))
      ++pin_failures;
    std::vector<double> local(node_sum.size(), 0.0);
    NodeTiming timing;
    std::vector<Tensor> outs;  // reused: a steady-state frame allocates nothing
    for (int64_t f = next++; f < o.frames; f = next++) {
      const clock::time_point t0 = clock::now();
      const Status st = rt.run_into(inputs, &outs, o.per_node ? &timing : nullptr);
      r.latency_ms[static_cast<size_t>(f)] = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = st;
        next = o.frames;
        return;
      }
      for (size_t i = 0; i < local.size() && i < timing.us.size(); ++i) local[i] += timing.us[i];
      if (!same_bytes(outs, expected)) ++mismatches;
      if (f == o.frames / 10) rss_mid = current_rss_bytes();  // steady state: every context exists
      if (o.on_frame) o.on_frame();
    }
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < local.size(); ++i) node_sum[i] += local[i];
  };
  r.rss_before = current_rss_bytes();
  const clock::time_point start = clock::now();
  std::vector<std::thread> threads;
  for (int t = 1; t < o.threads; ++t) threads.emplace_back(worker, t);
  worker(0);
  for (std::thread& t : threads) t.join();
  r.wall_seconds = std::chrono::duration<double>(clock::now() - start).count();
  r.rss_after = current_rss_bytes();
  r.rss_peak = peak_rss_bytes();
  r.rss_at_10_percent = rss_mid.load();
  NPUKIT_RETURN_IF_ERROR(first_error);
  r.mismatched_frames = mismatches.load();
  r.pin_failures = pin_failures.load();
  r.latency = latency_stats(r.latency_ms);
  r.fps = r.wall_seconds > 0 ? static_cast<double>(o.frames) / r.wall_seconds : 0.0;
  for (double& v : node_sum) v /= static_cast<double>(o.frames);
  r.node_us = std::move(node_sum);
  return r;
}

std::string segment_label(const npk::NpkModel& m, int32_t seg) {
  if (seg < 0 || static_cast<size_t>(seg) >= m.segments.size()) return "-";
  return str_cat(npk::target_name(m.segments[static_cast<size_t>(seg)].target), "#", seg);
}

nlohmann::json memory_json(const Runtime& rt) {
  const MemoryReport& m = rt.memory();
  nlohmann::json j;
  j["weight_bytes"] = m.weight_bytes;
  j["packed_weight_bytes"] = m.packed_weight_bytes;
  j["op_workspace_bytes"] = m.op_workspace_bytes;
  j["arena_bytes"] = m.arena_bytes;
  j["peak_live_activation_bytes"] = m.peak_live_activation_bytes;
  j["io_bytes"] = m.io_bytes;
  j["total_bytes"] = m.total_bytes();
  j["arena_per_concurrent_inference"] = true;
  nlohmann::json segs = nlohmann::json::array();
  for (const SegmentMemory& s : m.segments)
    segs.push_back({{"segment", s.segment},
                    {"name", segment_label(rt.model(), s.segment)},
                    {"nodes", s.nodes},
                    {"weight_bytes", s.weight_bytes},
                    {"packed_weight_bytes", s.packed_bytes},
                    {"peak_activation_bytes", s.peak_activation_bytes}});
  j["segments"] = segs;
  return j;
}

}  // namespace npukit::runtime
