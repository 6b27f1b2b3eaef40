// SPDX-License-Identifier: Apache-2.0
// tools: `npukit exec perf` — measures a compiled model on the int8 CPU runtime, in the style of
// hrt_model_exec perf: F frames after a warm-up, on N inference threads in parallel (throughput, as on the
// board), latency average / min / max / percentiles and FPS, optionally as JSON. Every frame's outputs are
// compared with the first frame's, so a run also proves the outputs do not depend on the thread count.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/file_util.h"
#include "core/log.h"
#include "core/progress.h"
#include "pipeline/load.h"
#include "pipeline/runtime_model.h"
#include "runtime/measure.h"
#include "runtime/runtime.h"
#include "tools/exec_commands.h"
#include "tools/exec_inputs.h"
#include "tools/exec_memory.h"

namespace npukit::cli {
namespace {

struct PerfArgs {
  std::string model_file, output_json;
  std::vector<std::string> input_files;
  RuntimeInputOptions runtime_inputs;  // --input_img_properties, --input_stride, --roi, --input_img_size
  int thread_num = 1;
  int intra_op_threads = 1;
  int64_t frame_count = 200;
  int64_t warmup = 3;
  bool profile = false;
  std::string profile_dir = ".";
  bool eval_memory = false;
  std::vector<int> core_ids;
};

Status run_perf(const PerfArgs& a) {
  if (a.thread_num < 1 || a.thread_num > 256)
    return make_error(ErrorCode::kInvalidArgument, "--thread_num must be in [1, 256], got ", a.thread_num);
  if (a.intra_op_threads < 1 || a.intra_op_threads > 256)
    return make_error(ErrorCode::kInvalidArgument, "--intra_op_threads must be in [1, 256], got ", a.intra_op_threads);
  if (a.frame_count < 1) return make_error(ErrorCode::kInvalidArgument, "--frame_count must be at least 1");
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  for (int c : a.core_ids)
    if (c < 0 || (cores > 0 && c >= cores))
      return make_error(ErrorCode::kInvalidArgument, "--core_id ", c, " does not exist: this machine has cores 0..",
                        cores - 1);
  NPUKIT_ASSIGN_OR_RETURN(npk::NpkModel model, pipeline::load_runtime_model(a.model_file));
  runtime::RuntimeOptions ro;
  ro.intra_op_threads = a.intra_op_threads;
  NPUKIT_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Runtime> rt, runtime::Runtime::create(std::move(model), ro));
  std::vector<Tensor> inputs;
  if (a.input_files.empty()) {
    if (has_runtime_input_flags(a.runtime_inputs))
      return make_error(ErrorCode::kInvalidArgument, "--input_img_properties, --input_stride, --roi and ",
                        "--input_img_size describe --input_file inputs; give --input_file too");
    inputs = runtime::random_inputs(*rt);
  } else {
    // One file per runtime input, or per model input with a split NV12 pair counted once (exec_inputs.h).
    NPUKIT_ASSIGN_OR_RETURN(inputs, read_runtime_inputs(rt->model(), a.input_files, a.runtime_inputs));
  }
  std::printf(
      "model %s: int8 CPU runtime (%s), %lld nodes on the q8 kernels, %lld views, %lld on the reference kernels, "
      "%lld concat inputs written in place\n",
      a.model_file.c_str(), q8::isa_name(rt->isa()), static_cast<long long>(rt->fast_nodes()),
      static_cast<long long>(rt->view_nodes()), static_cast<long long>(rt->reference_nodes()),
      static_cast<long long>(rt->in_place_inputs()));
  if (a.eval_memory) print_memory(*rt);
  Progress progress("perf", a.frame_count);
  runtime::MeasureOptions mo;
  mo.threads = a.thread_num;
  mo.frames = a.frame_count;
  mo.warmup = a.warmup;
  mo.per_node = a.profile;
  mo.core_ids = a.core_ids;
  mo.on_frame = [&progress] { progress.advance(); };
  auto measured = runtime::measure(*rt, inputs, mo);
  progress.finish();
  if (!measured.ok()) return measured.status().with_context("perf");
  const runtime::MeasureResult& m = *measured;
  if (m.pin_failures > 0) log::warn("perf: ", m.pin_failures, " thread(s) could not be pinned to their --core_id");
  if (m.mismatched_frames > 0)
    return make_error(ErrorCode::kInternal, m.mismatched_frames, " of ", a.frame_count,
                      " frames gave outputs different from the first frame");
  const runtime::LatencyStats& l = m.latency;
  std::printf("Frame count: %lld, Thread number: %d", static_cast<long long>(a.frame_count), a.thread_num);
  if (a.intra_op_threads > 1) std::printf(" (each splitting its operators over %d threads)", a.intra_op_threads);
  std::printf("\n");
  std::printf("Average latency: %.3f ms, min %.3f, max %.3f, p50 %.3f, p90 %.3f, p99 %.3f ms\n", l.avg, l.min, l.max,
              l.p50, l.p90, l.p99);
  std::printf("FPS: %.2f  (wall %.3f s; outputs identical in every frame)\n", m.fps, m.wall_seconds);
  const double mb = 1048576.0;
  std::printf(
      "Resident memory: %.1f MiB before the timed frames, %.1f MiB at 10 %% of them, %.1f MiB after (%+.2f "
      "MiB from 10 %% to the end), peak %.1f MiB; %lld execution context(s)\n",
      static_cast<double>(m.rss_before) / mb, static_cast<double>(m.rss_at_10_percent) / mb,
      static_cast<double>(m.rss_after) / mb, static_cast<double>(m.rss_after - m.rss_at_10_percent) / mb,
      static_cast<double>(m.rss_peak) / mb, static_cast<long long>(rt->contexts_created()));
  if (!a.output_json.empty()) {
    nlohmann::json j;
    j["model"] = a.model_file;
    j["runtime"] = "int8 CPU";
    j["isa"] = q8::isa_name(rt->isa());
    j["thread_num"] = a.thread_num;
    j["intra_op_threads"] = a.intra_op_threads;
    j["frame_count"] = a.frame_count;
    j["warmup"] = a.warmup;
    j["latency_ms"] = {{"avg", l.avg}, {"min", l.min}, {"max", l.max}, {"p50", l.p50}, {"p90", l.p90}, {"p99", l.p99}};
    j["fps"] = m.fps;
    j["wall_seconds"] = m.wall_seconds;
    j["outputs_identical"] = true;
    j["fast_nodes"] = rt->fast_nodes();
    j["reference_nodes"] = rt->reference_nodes();
    j["view_nodes"] = rt->view_nodes();
    j["in_place_concat_inputs"] = rt->in_place_inputs();
    j["rss_bytes"] = {
        {"before", m.rss_before}, {"at_10_percent", m.rss_at_10_percent}, {"after", m.rss_after}, {"peak", m.rss_peak}};
    j["execution_contexts"] = rt->contexts_created();
    if (!a.core_ids.empty()) j["core_id"] = a.core_ids;
    if (a.eval_memory) j["memory"] = runtime::memory_json(*rt);
    NPUKIT_RETURN_IF_ERROR(atomic_write_file(a.output_json, j.dump(1) + "\n"));
    log::info("perf: wrote ", a.output_json);
  }
  if (a.profile) {
    const double peak = measure_int8_peak_gmacs();
    std::vector<std::string> kernels;
    for (size_t i = 0; i < rt->model().model.graph.num_nodes(); ++i) kernels.push_back(rt->node_kernel_label(i));
    NPUKIT_RETURN_IF_ERROR(write_profile(rt->model(), m.node_us, 1, peak, a.profile_dir, kernels));
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
  cmd->add_option("--intra_op_threads,--intra-op-threads", a->intra_op_threads,
                  "threads splitting the work inside each operator of one inference (latency; like ONNX Runtime's "
                  "intra_op_num_threads)")
      ->capture_default_str();
  cmd->add_option("--frame_count,--frame-count", a->frame_count, "frames to run (after the warm-up)")
      ->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "frames run before timing (the first one gives the reference outputs)")
      ->capture_default_str();
  cmd->add_option("--input_file,--input-file", a->input_files,
                  "inputs in graph-input order, comma-separated (.npy, .pb, raw .bin, images); default: random data")
      ->delimiter(',');
  add_runtime_input_options(cmd, &a->runtime_inputs);
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
