// SPDX-License-Identifier: Apache-2.0
// tools: `npukit exec infer` — run a model on input files and write its outputs: ONNX / Caffe models on the
// reference interpreter; compiled .npk models on the NPU simulator, the int8 CPU runtime (with --profile /
// --eval_memory) or the reference interpreter, fed as hrt_model_exec feeds them (tools/exec_inputs.h).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "core/file_util.h"
#include "core/log.h"
#include "interp/interpreter.h"
#include "io/image.h"
#include "io/npy.h"
#include "npk/npk_file.h"
#include "pipeline/load.h"
#include "runtime/runtime.h"
#include "sim/simulator.h"
#include "tools/exec_commands.h"
#include "tools/exec_inputs.h"
#include "tools/exec_memory.h"

namespace npukit::cli {

namespace {

struct InferArgs {
  std::string model_file;
  std::string proto;  ///< Caffe prototxt for a .caffemodel
  std::vector<std::string> input_files;
  std::string output_dir;
  std::vector<std::pair<std::string, std::string>> input_shapes;
  bool output_txt = false;
  std::string target;  ///< .npk: "sim" (NPU simulator + reference CPU segments) or "ref" (reference interpreter)
  // image preprocessing
  std::string image_size, channel_order = "rgb", layout;
  std::vector<float> mean, scale;
  int64_t resize_short = 0;
  // compiled-model inputs (hrt_model_exec style, tools/exec_inputs.h)
  RuntimeInputOptions runtime_inputs;  // --input_img_properties, --input_stride, --roi, --input_img_size
  std::string dump_inputs;
  // int8 CPU runtime (--target cpu)
  bool profile = false, eval_memory = false;
  std::string profile_dir = ".";
};

Expected<std::vector<float>> parse_floats(const std::string& flag, const std::vector<float>& v) {
  for (float f : v)
    if (!std::isfinite(f)) return make_error(ErrorCode::kInvalidArgument, flag, ": values must be finite");
  return v;
}

Expected<io::ImagePreprocess> image_options(const InferArgs& a) {
  io::ImagePreprocess p;
  if (!a.image_size.empty()) {
    NPUKIT_ASSIGN_OR_RETURN(Shape s, pipeline::parse_shape(a.image_size));
    if (s.size() != 2 || s[0] <= 0 || s[1] <= 0)
      return make_error(ErrorCode::kInvalidArgument, "--image_size must be HxW, got '", a.image_size, "'");
    p.height = s[0];
    p.width = s[1];
  }
  NPUKIT_ASSIGN_OR_RETURN(p.order, io::parse_channel_order(a.channel_order));
  if (!a.layout.empty()) {
    NPUKIT_ASSIGN_OR_RETURN(p.layout, io::parse_layout(a.layout));
  }
  NPUKIT_ASSIGN_OR_RETURN(p.mean, parse_floats("--mean", a.mean));
  NPUKIT_ASSIGN_OR_RETURN(p.scale, parse_floats("--scale", a.scale));
  if (a.resize_short < 0) return make_error(ErrorCode::kInvalidArgument, "--resize_short must be positive");
  p.resize_short = a.resize_short;
  return p;
}

std::string preview(const Tensor& t, int64_t count) {
  std::string r;
  const int64_t n = std::min(count, t.numel());
  for (int64_t i = 0; i < n; ++i) {
    char buf[40];
    if (dtype_is_float(t.dtype()))
      std::snprintf(buf, sizeof buf, "%.6g", t.get_as_double(i));
    else
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(t.get_as_int64(i)));
    r += (i ? ", " : "") + std::string(buf);
  }
  if (t.numel() > n) r += ", ...";
  return r;
}

std::string to_text(const Tensor& t) {
  std::string r = str_cat("# ", dtype_name(t.dtype()), " ", shape_str(t.shape()), "\n");
  char buf[40];
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (dtype_is_float(t.dtype()))
      std::snprintf(buf, sizeof buf, "%.9g\n", t.get_as_double(i));
    else
      std::snprintf(buf, sizeof buf, "%lld\n", static_cast<long long>(t.get_as_int64(i)));
    r += buf;
  }
  return r;
}

Status run_infer(const InferArgs& args) {
  NPUKIT_ASSIGN_OR_RETURN(auto shapes, parse_input_shapes(args.input_shapes));
  NPUKIT_ASSIGN_OR_RETURN(io::ImagePreprocess pre, image_options(args));
  if (args.output_dir.empty()) return make_error(ErrorCode::kInvalidArgument, "--output_dir must not be empty");
  for (const auto& f : args.input_files)
    if (f.empty()) return make_error(ErrorCode::kInvalidArgument, "--input_file has an empty entry");
  log::info("infer: loading ", args.model_file);
  const bool is_npk = std::filesystem::path(args.model_file).extension() == ".npk";
  const std::string target = args.target.empty() ? (is_npk ? "sim" : "ref") : args.target;
  if (target != "sim" && target != "ref" && target != "cpu")
    return make_error(ErrorCode::kInvalidArgument, "--target must be sim, cpu or ref, got '", target, "'");
  if ((target == "sim" || target == "cpu") && !is_npk)
    return make_error(ErrorCode::kInvalidArgument, "--target ", target, " runs compiled .npk models; '",
                      args.model_file, "' is not one (compile it with npukit compile)");
  npk::NpkModel npk_model;
  ir::Model model;
  if (is_npk) {
    if (!shapes.empty())
      return make_error(ErrorCode::kInvalidArgument, "--input-shape does not apply to a compiled .npk model");
    NPUKIT_ASSIGN_OR_RETURN(npk_model, npk::read_npk(args.model_file));
  } else {
    pipeline::LoadOptions lo;
    lo.input_shapes = shapes;
    lo.caffe_prototxt = args.proto;
    NPUKIT_ASSIGN_OR_RETURN(model, pipeline::load_model(args.model_file, lo));
  }
  const bool npk_flags = has_runtime_input_flags(args.runtime_inputs) || args.profile || args.eval_memory;
  if (!is_npk && npk_flags)
    return make_error(ErrorCode::kInvalidArgument,
                      "--input_img_properties, --input_stride, --roi, --input_img_size, --profile and --eval_memory "
                      "apply to compiled .npk models");
  if (args.profile && target != "cpu")
    return make_error(ErrorCode::kInvalidArgument, "--profile times the int8 CPU runtime: use it with --target cpu");
  const ir::Graph& graph = is_npk ? npk_model.model.graph : model.graph;
  interp::Interpreter interp(graph);
  const auto rin = interp.runtime_inputs();
  std::vector<Tensor> inputs;
  if (is_npk) {
    RuntimeInputOptions ro = args.runtime_inputs;
    ro.image = pre;
    ro.layout_given = !args.layout.empty();
    NPUKIT_ASSIGN_OR_RETURN(inputs, read_runtime_inputs(npk_model, args.input_files, ro));
    for (size_t i = 0; i < inputs.size() && i < npk_model.inputs.size(); ++i)
      log::info("input '", npk_model.inputs[i].name, "' (", npk_model.inputs[i].input_type, ", ",
                npk_model.inputs[i].source, ") ", dtype_name(inputs[i].dtype()), shape_str(inputs[i].shape()));
  } else if (args.input_files.size() != rin.size()) {
    std::string names;
    for (const ir::Value* v : rin)
      names += str_cat(names.empty() ? "" : ", ", "'", v->name(), "' ", dtype_name(v->dtype()), shape_str(v->shape()));
    return make_error(ErrorCode::kInvalidArgument, "model has ", rin.size(), " input(s) (", names,
                      ") but --input_file gave ", args.input_files.size(), " file(s)");
  }
  for (size_t i = 0; i < rin.size() && !is_npk; ++i) {
    auto t = pipeline::read_input_file(args.input_files[i], pre, rin[i], !args.layout.empty());
    if (!t.ok()) return t.status().with_context(str_cat("input '", rin[i]->name(), "'"));
    log::info("input '", rin[i]->name(), "' <- ", args.input_files[i], " ", dtype_name(t->dtype()),
              shape_str(t->shape()));
    inputs.push_back(std::move(t).value());
  }
  if (!args.dump_inputs.empty()) {
    for (size_t i = 0; i < inputs.size() && i < rin.size(); ++i) {
      const std::string path =
          (std::filesystem::path(args.dump_inputs) / (sanitize_file_name(rin[i]->name()) + ".npy")).string();
      NPUKIT_RETURN_IF_ERROR(io::save_npy(path, inputs[i]));
    }
  }
  std::unique_ptr<runtime::Runtime> rt;
  if (target == "cpu" || args.eval_memory) {
    NPUKIT_ASSIGN_OR_RETURN(rt, runtime::Runtime::load(args.model_file));
    if (args.eval_memory) print_memory(*rt);
  }
  std::vector<Tensor> outs;
  if (target == "sim") {
    sim::SimStats st;
    NPUKIT_ASSIGN_OR_RETURN(outs, sim::run_model(npk_model, inputs, &st));
    log::info("infer: simulated ", st.commands, " NPU commands, loaded ", st.load_bytes, " B, stored ", st.store_bytes,
              " B, peak SRAM ", st.peak_sram_bytes, " B");
  } else if (target == "cpu") {
    log::info("infer: int8 CPU runtime (", q8::isa_name(rt->isa()), "): ", rt->fast_nodes(),
              " nodes on the q8 kernels, ", rt->reference_nodes(), " on the reference kernels");
    runtime::NodeTiming timing;
    NPUKIT_ASSIGN_OR_RETURN(outs, rt->run(inputs, args.profile ? &timing : nullptr));
    if (args.profile) {
      NPUKIT_RETURN_IF_ERROR(write_profile(rt->model(), timing.us, 1, measure_int8_peak_gmacs(), args.profile_dir));
    }
  } else {
    NPUKIT_ASSIGN_OR_RETURN(outs, interp.run(inputs));
  }
  std::set<std::string> used;
  for (size_t i = 0; i < outs.size(); ++i) {
    const std::string& name = graph.outputs()[i]->name();
    std::string stem = sanitize_file_name(name);
    for (int k = 1; used.count(stem); ++k) stem = str_cat(sanitize_file_name(name), "_", k);
    used.insert(stem);
    const std::string path = (std::filesystem::path(args.output_dir) / (stem + ".npy")).string();
    NPUKIT_RETURN_IF_ERROR(io::save_npy(path, outs[i]));
    if (args.output_txt) {
      const std::string txt = (std::filesystem::path(args.output_dir) / (stem + ".txt")).string();
      NPUKIT_RETURN_IF_ERROR(atomic_write_file(txt, to_text(outs[i])));
    }
    std::cout << "output '" << name << "': " << dtype_name(outs[i].dtype()) << shape_str(outs[i].shape()) << " -> "
              << path << "\n  [" << preview(outs[i], 8) << "]\n";
    log::info("output '", name, "' ", dtype_name(outs[i].dtype()), shape_str(outs[i].shape()), " written to ", path);
  }
  return Status::Ok();
}

}  // namespace

void register_exec_infer(CLI::App& exec, Context& ctx) {
  auto a = std::make_shared<InferArgs>();
  CLI::App* cmd = exec.add_subcommand(
      "infer", "run a model (reference interpreter, or the NPU simulator for .npk) and write outputs as .npy");
  cmd->add_option("--model_file,--model-file", a->model_file,
                  "ONNX model, Caffe .caffemodel (with --proto), or compiled .npk model")
      ->required();
  cmd->add_option("--target", a->target,
                  "for .npk: sim (NPU command-stream simulator, the default), cpu (the int8 CPU runtime) or ref "
                  "(reference integer interpreter)");
  cmd->add_option("--proto", a->proto, "Caffe prototxt (topology) for a .caffemodel model file");
  cmd->add_option("--input_file,--input-file", a->input_files,
                  "input files in graph-input order, comma-separated (.pb, .npy, .jpg/.png/.bmp; for .npk also raw "
                  ".bin; one image may feed both planes of a split NV12 input; see docs/EXEC.md)")
      ->delimiter(',');
  cmd->add_option("--output_dir,--output-dir", a->output_dir, "folder for <output_name>.npy files")->required();
  add_input_shape_option(cmd, &a->input_shapes);
  cmd->add_flag("--output_txt,--output-txt", a->output_txt, "also write <output_name>.txt (one value per line)");
  cmd->add_option("--image_size,--image-size", a->image_size, "image target size HxW (default: the model input's)");
  cmd->add_option("--image_channel_order,--image-channel-order", a->channel_order, "rgb, bgr or gray")
      ->capture_default_str();
  cmd->add_option("--mean", a->mean, "per-channel mean, comma-separated (out = (x - mean) * scale)")->delimiter(',');
  cmd->add_option("--scale", a->scale, "per-channel scale, comma-separated")->delimiter(',');
  cmd->add_option("--layout", a->layout, "image tensor layout: nchw or nhwc (default: guessed from the model input)");
  cmd->add_option("--resize_short,--resize-short", a->resize_short,
                  "resize the shorter side to this, then centre-crop to --image_size");
  add_runtime_input_options(cmd, &a->runtime_inputs);
  cmd->add_option("--dump_inputs,--dump-inputs", a->dump_inputs,
                  "write each runtime input tensor as fed to the model into this folder (<input>.npy)");
  cmd->add_flag("--profile", a->profile,
                "--target cpu: per-layer time table and operator ranking (profile.json / .csv / _ranking.csv)");
  cmd->add_option("--profile_dir,--profile-dir", a->profile_dir, "where the profile files go")->capture_default_str();
  cmd->add_flag("--eval_memory,--eval-memory", a->eval_memory,
                ".npk: print the int8 CPU runtime's memory (weights, prepacked weights, arena, inputs/outputs)");
  cmd->callback([a, &ctx] { ctx.action = [a] { return run_infer(*a); }; });
}

}  // namespace npukit::cli
