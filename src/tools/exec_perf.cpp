// SPDX-License-Identifier: Apache-2.0
// tools: `npukit exec perf` — measures a compiled model on the int8 CPU runtime, in the style of
// hrt_model_exec perf: F frames after a warm-up, on N inference threads in parallel (throughput, as on the
// board), latency average / min / max / percentiles and FPS, optionally as JSON. Every frame's outputs are
// compared with the first frame's, so a run also proves the outputs do not depend on the thread count.
#include <pthread.h>
#include <sched.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/file_util.h"
#include "core/log.h"
#include "core/progress.h"
#include "pipeline/load.h"
#include "pipeline/runtime_model.h"
#include "runtime/runtime.h"
#include "tools/exec_commands.h"
#include "tools/exec_inputs.h"
#include "tools/exec_memory.h"

namespace npukit::cli {
namespace {

struct PerfArgs {
  std::string model_file, output_json;
  std::vector<std::string> input_files;
  int thread_num = 1;
  int64_t frame_count = 200;
  int64_t warmup = 3;
  bool profile = false;
  std::string profile_dir = ".";
  bool eval_memory = false;
  std::vector<int> core_ids;
};

// Pins the calling thread to one CPU core (Linux); false when the kernel refuses.
bool pin_to_core(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

// Random inputs of the model's types, fixed seed: codes over the dtype's range, normal floats.
Tensor random_input(const ir::Value& v, uint32_t seed) {
  Tensor t(v.dtype(), v.shape());
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (v.dtype()) {
      case DType::kF32: t.data<float>()[i] = std::normal_distribution<float>(0.f, 1.f)(rng); break;
      case DType::kI8: t.data<int8_t>()[i] = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128); break;
      case DType::kU8: t.data<uint8_t>()[i] = static_cast<uint8_t>(rng() % 256); break;
      case DType::kI16: t.data<int16_t>()[i] = static_cast<int16_t>(static_cast<int>(rng() % 65536) - 32768); break;
      default: break;  // other dtypes stay zero
    }
  }
  return t;
}

bool same_bytes(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].dtype() != b[i].dtype() || a[i].shape() != b[i].shape() ||
        (a[i].nbytes() > 0 && std::memcmp(a[i].raw(), b[i].raw(), a[i].nbytes())) != 0)
      return false;
  return true;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t k = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size()))) - 1;
  return sorted[std::min(k, sorted.size() - 1)];
}

Status run_perf(const PerfArgs& a) {
  if (a.thread_num < 1 || a.thread_num > 256)
    return make_error(ErrorCode::kInvalidArgument, "--thread_num must be in [1, 256], got ", a.thread_num);
  if (a.frame_count < 1) return make_error(ErrorCode::kInvalidArgument, "--frame_count must be at least 1");
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  for (int c : a.core_ids)
    if (c < 0 || (cores > 0 && c >= cores))
      return make_error(ErrorCode::kInvalidArgument, "--core_id ", c, " does not exist: this machine has cores 0..",
                        cores - 1);
  NPUKIT_ASSIGN_OR_RETURN(npk::NpkModel model, pipeline::load_runtime_model(a.model_file));
  NPUKIT_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Runtime> rt, runtime::Runtime::create(std::move(model)));
  const auto rin = rt->inputs();
  std::vector<Tensor> inputs;
  if (a.input_files.empty()) {
    for (size_t i = 0; i < rin.size(); ++i) inputs.push_back(random_input(*rin[i], 1234 + static_cast<uint32_t>(i)));
  } else {
    if (a.input_files.size() != rin.size())
      return make_error(ErrorCode::kInvalidArgument, "model has ", rin.size(), " input(s), --input_file gave ",
                        a.input_files.size());
    NPUKIT_ASSIGN_OR_RETURN(inputs, read_runtime_inputs(rt->model(), a.input_files));
  }
  std::printf(
      "model %s: int8 CPU runtime (%s), %lld nodes on the q8 kernels, %lld views, %lld on the reference kernels\n",
      a.model_file.c_str(), q8::isa_name(rt->isa()), static_cast<long long>(rt->fast_nodes()),
      static_cast<long long>(rt->view_nodes()), static_cast<long long>(rt->reference_nodes()));
  if (a.eval_memory) print_memory(*rt);
  // The first frame gives the outputs every other frame must reproduce.
  NPUKIT_ASSIGN_OR_RETURN(const std::vector<Tensor> expected, rt->run(inputs));
  for (int64_t w = 1; w < a.warmup; ++w) NPUKIT_RETURN_IF_ERROR(rt->run(inputs).status());

  std::vector<double> latency_ms(static_cast<size_t>(a.frame_count), 0.0);
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> mismatches{0};
  std::mutex err_mu;
  Status first_error = Status::Ok();
  Progress progress("perf", a.frame_count);
  using clock = std::chrono::steady_clock;
  std::vector<double> node_us_sum;  // --profile: summed over frames (merged from the threads)
  std::atomic<int> pin_failures{0};
  std::atomic<int64_t> rss_mid{0};
  auto worker = [&](int thread_index) {
    if (!a.core_ids.empty() && !pin_to_core(a.core_ids[static_cast<size_t>(thread_index) % a.core_ids.size()]))
      ++pin_failures;
    std::vector<double> local_sum;
    runtime::NodeTiming timing;
    std::vector<Tensor> outs;  // reused: a steady-state frame allocates nothing
    for (int64_t f = next++; f < a.frame_count; f = next++) {
      const clock::time_point t0 = clock::now();
      const Status st = rt->run_into(inputs, &outs, a.profile ? &timing : nullptr);
      if (a.profile && st.ok()) {
        local_sum.resize(timing.us.size(), 0.0);
        for (size_t i = 0; i < timing.us.size(); ++i) local_sum[i] += timing.us[i];
      }
      const clock::time_point t1 = clock::now();
      latency_ms[static_cast<size_t>(f)] = std::chrono::duration<double, std::milli>(t1 - t0).count();
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (first_error.ok()) first_error = st;
        next = a.frame_count;
        return;
      }
      if (!same_bytes(outs, expected)) ++mismatches;
      if (f == a.frame_count / 10) rss_mid = current_rss_bytes();  // steady state: every context exists
      progress.advance();
    }
    std::lock_guard<std::mutex> lock(err_mu);
    node_us_sum.resize(std::max(node_us_sum.size(), local_sum.size()), 0.0);
    for (size_t i = 0; i < local_sum.size(); ++i) node_us_sum[i] += local_sum[i];
  };
  const int64_t rss_before = current_rss_bytes();
  const clock::time_point start = clock::now();
  std::vector<std::thread> threads;
  for (int t = 1; t < a.thread_num; ++t) threads.emplace_back(worker, t);
  worker(0);
  for (std::thread& t : threads) t.join();
  const int64_t rss_after = current_rss_bytes();
  if (pin_failures > 0) log::warn("perf: ", pin_failures.load(), " thread(s) could not be pinned to their --core_id");
  const double wall_s = std::chrono::duration<double>(clock::now() - start).count();
  progress.finish();
  NPUKIT_RETURN_IF_ERROR(first_error);
  if (mismatches > 0)
    return make_error(ErrorCode::kInternal, mismatches.load(), " of ", a.frame_count,
                      " frames gave outputs different from the first frame");

  std::vector<double> sorted = latency_ms;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double v : sorted) sum += v;
  const double avg = sum / static_cast<double>(sorted.size());
  const double fps = static_cast<double>(a.frame_count) / wall_s;
  std::printf("Frame count: %lld, Thread number: %d\n", static_cast<long long>(a.frame_count), a.thread_num);
  std::printf("Average latency: %.3f ms, min %.3f, max %.3f, p50 %.3f, p90 %.3f, p99 %.3f ms\n", avg, sorted.front(),
              sorted.back(), percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99));
  std::printf("FPS: %.2f  (wall %.3f s; outputs identical in every frame)\n", fps, wall_s);
  std::printf(
      "Resident memory: %.1f MiB before the timed frames, %.1f MiB after (%+.1f MiB), peak %.1f MiB; %lld "
      "execution context(s)\n",
      static_cast<double>(rss_before) / 1048576.0, static_cast<double>(rss_after) / 1048576.0,
      static_cast<double>(rss_after - rss_before) / 1048576.0, static_cast<double>(peak_rss_bytes()) / 1048576.0,
      static_cast<long long>(rt->contexts_created()));
  if (!a.output_json.empty()) {
    nlohmann::json j;
    j["model"] = a.model_file;
    j["runtime"] = "int8 CPU";
    j["isa"] = q8::isa_name(rt->isa());
    j["thread_num"] = a.thread_num;
    j["frame_count"] = a.frame_count;
    j["warmup"] = a.warmup;
    j["latency_ms"] = {{"avg", avg},
                       {"min", sorted.front()},
                       {"max", sorted.back()},
                       {"p50", percentile(sorted, 50)},
                       {"p90", percentile(sorted, 90)},
                       {"p99", percentile(sorted, 99)}};
    j["fps"] = fps;
    j["wall_seconds"] = wall_s;
    j["outputs_identical"] = true;
    j["fast_nodes"] = rt->fast_nodes();
    j["reference_nodes"] = rt->reference_nodes();
    j["view_nodes"] = rt->view_nodes();
    j["rss_bytes"] = {
        {"before", rss_before}, {"at_10_percent", rss_mid.load()}, {"after", rss_after}, {"peak", peak_rss_bytes()}};
    j["execution_contexts"] = rt->contexts_created();
    if (!a.core_ids.empty()) j["core_id"] = a.core_ids;
    if (a.eval_memory) j["memory"] = memory_json(*rt);
    NPUKIT_RETURN_IF_ERROR(atomic_write_file(a.output_json, j.dump(1) + "\n"));
    log::info("perf: wrote ", a.output_json);
  }
  if (a.profile) {
    const double peak = measure_int8_peak_gmacs();
    std::vector<std::string> kernels;
    for (size_t i = 0; i < rt->model().model.graph.num_nodes(); ++i) kernels.push_back(rt->node_kernel_label(i));
    NPUKIT_RETURN_IF_ERROR(write_profile(rt->model(), node_us_sum, a.frame_count, peak, a.profile_dir, kernels));
  }
  return Status::Ok();
}

}  // namespace

void register_exec_perf(CLI::App& exec, Context& ctx) {
  auto a = std::make_shared<PerfArgs>();
  CLI::App* cmd = exec.add_subcommand(
      "perf", "measure a compiled .npk on the int8 CPU runtime: latency percentiles and FPS over N threads");
  cmd->add_option("--model_file,--model-file", a->model_file,
                  "compiled model (.npk) or quantized QDQ ONNX (e.g. {prefix}_quantized_model.onnx)")
      ->required();
  cmd->add_option("--thread_num,--thread-num", a->thread_num, "inference threads running frames in parallel")
      ->capture_default_str();
  cmd->add_option("--frame_count,--frame-count", a->frame_count, "frames to run (after the warm-up)")
      ->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "frames run before timing (the first one gives the reference outputs)")
      ->capture_default_str();
  cmd->add_option("--input_file,--input-file", a->input_files,
                  "inputs in graph-input order, comma-separated (.npy, .pb, images); default: random data")
      ->delimiter(',');
  cmd->add_option("--output_json,--output-json", a->output_json, "also write the figures as JSON");
  cmd->add_flag("--eval_memory,--eval-memory", a->eval_memory,
                "print (and put in --output_json) the runtime's memory: weights, prepacked weights, op tables, the "
                "planned activation arena, inputs/outputs, per segment");
  cmd->add_option("--core_id,--core-id", a->core_ids,
                  "pin inference thread t to CPU core core_id[t % count] (comma-separated list)")
      ->delimiter(',');
  cmd->add_flag("--profile", a->profile,
                "per-layer table (time, MAC usage of this CPU's measured int8 peak, bytes, source node) and the "
                "operator time ranking; also written as profile.json, profile.csv, profile_ranking.csv");
  cmd->add_option("--profile_dir,--profile-dir", a->profile_dir, "where the profile files go")->capture_default_str();
  cmd->callback([a, &ctx] { ctx.action = [a] { return run_perf(*a); }; });
}

}  // namespace npukit::cli
