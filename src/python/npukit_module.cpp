// SPDX-License-Identifier: Apache-2.0
// python: the `_npukit` extension module (pybind11) behind the pure-Python package `npukit` (python/npukit,
// docs/PYTHON.md). Thin bindings of the same library calls the CLI makes (src/tools): check, compile, the static
// performance estimate, graph pictures and the int8 CPU runtime. Errors come back as Python exceptions carrying
// the C++ Status message (ValueError for bad arguments / shapes, FileNotFoundError for missing files,
// RuntimeError otherwise); long calls release the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "config/compile_config.h"
#include "core/file_util.h"
#include "core/log.h"
#include "core/progress.h"
#include "estimate/perf_estimate.h"
#include "io/image.h"
#include "march/march.h"
#include "npk/npk_file.h"
#include "pipeline/check.h"
#include "pipeline/compile.h"
#include "pipeline/load.h"
#include "pipeline/runtime_model.h"
#include "runtime/measure.h"
#include "runtime/runtime.h"
#include "viz/graph_svg.h"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace npukit::python {
namespace {

// ---- errors ----------------------------------------------------------------------------------------------------

// Thrown (also without the GIL) for ErrorCode::kNotFound; translated to FileNotFoundError.
struct NotFoundError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throw_status(const Status& s) {
  const std::string msg = s.to_string();
  switch (s.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kShapeMismatch:
    case ErrorCode::kOutOfRange: throw py::value_error(msg);
    case ErrorCode::kNotFound: throw NotFoundError(msg);
    default: throw std::runtime_error(msg);
  }
}

void check(const Status& s) {
  if (!s.ok()) throw_status(s);
}

template <class T>
T take(Expected<T> e) {
  if (!e.ok()) throw_status(e.status());
  return std::move(e).value();
}

// ---- dtypes ----------------------------------------------------------------------------------------------------

py::dtype np_dtype(DType t) {
  switch (t) {
    case DType::kF32: return py::dtype("float32");
    case DType::kF16: return py::dtype("float16");
    case DType::kF64: return py::dtype("float64");
    case DType::kI8: return py::dtype("int8");
    case DType::kU8: return py::dtype("uint8");
    case DType::kI16: return py::dtype("int16");
    case DType::kU16: return py::dtype("uint16");
    case DType::kI32: return py::dtype("int32");
    case DType::kU32: return py::dtype("uint32");
    case DType::kI64: return py::dtype("int64");
    case DType::kU64: return py::dtype("uint64");
    case DType::kBool: return py::dtype("bool");
    default: throw std::runtime_error(str_cat("dtype ", dtype_name(t), " has no numpy equivalent"));
  }
}

std::string np_dtype_name(DType t) {
  return py::str(np_dtype(t));
}

// ---- check -----------------------------------------------------------------------------------------------------

using ShapeList = std::vector<std::pair<std::string, std::string>>;

/// A Tensor handed to numpy without a copy: the array owns the Tensor through a capsule.
py::array tensor_to_array(Tensor t) {
  auto* owned = new Tensor(std::move(t));
  py::capsule base(owned, [](void* p) { delete static_cast<Tensor*>(p); });
  std::vector<py::ssize_t> shape(owned->shape().begin(), owned->shape().end());
  return py::array(np_dtype(owned->dtype()), shape, owned->raw(), base);
}

/// An image file as a float32 model input of raw pixel values 0..255: [1, C, H, W] (layout "nchw") or
/// [1, H, W, C] ("nhwc"), resized (bilinear) to height x width when given, channels "rgb", "bgr" or "gray".
py::array load_image(const std::string& path, int64_t height, int64_t width, const std::string& order,
                     const std::string& layout) {
  io::ImagePreprocess p;
  p.height = height;
  p.width = width;
  p.order = take(io::parse_channel_order(order));
  p.layout = take(io::parse_layout(layout));
  Expected<Tensor> t = Status(ErrorCode::kInternal, "not run");
  {
    py::gil_scoped_release nogil;
    t = io::load_image(path, p);
  }
  return tensor_to_array(take(std::move(t)));
}

/// The graph inputs of a model file: [(name, numpy dtype name, shape with -1 for a dynamic dimension)].
py::list model_inputs(const std::string& model, const std::string& proto) {
  pipeline::LoadOptions lo;
  lo.resolve = false;
  lo.caffe_prototxt = proto;
  ir::Model m = take(pipeline::load_model(model, lo));
  py::list out;
  for (const ir::Value* v : m.graph.inputs()) {
    if (v->is_constant()) continue;
    std::vector<int64_t> shape(v->shape().begin(), v->shape().end());
    out.append(py::make_tuple(v->name(), np_dtype_name(v->dtype()), shape));
  }
  return out;
}

py::dict check_model(const std::string& model, const std::string& proto, const std::string& march,
                     const ShapeList& input_shapes) {
  config::FastPerfOptions fo;
  fo.model = model;
  fo.proto = proto;
  fo.march = march;
  fo.input_shapes = input_shapes;
  Expected<pipeline::CheckResult> er = Status(ErrorCode::kInternal, "not run");
  {
    py::gil_scoped_release nogil;
    er = pipeline::run_check(fo);
  }
  pipeline::CheckResult r = take(std::move(er));
  py::list placement;
  int64_t npu = 0;
  for (const npk::Placement& p : r.placement) {
    npu += p.target == npk::Target::kNpu;
    py::dict d;
    d["node"] = p.node;
    d["op"] = p.op;
    d["target"] = npk::target_name(p.target);
    d["reason"] = p.reason;
    placement.append(d);
  }
  py::list segments;
  for (const npk::Segment& s : r.segments) {
    py::dict d;
    d["target"] = npk::target_name(s.target);
    d["nodes"] = s.nodes.size();
    segments.append(d);
  }
  py::dict out;
  out["march"] = r.march;
  out["supported"] = r.supported;
  out["npu_nodes"] = npu;
  out["nodes"] = r.placement.size();
  out["placement"] = placement;
  out["segments"] = segments;
  return out;
}

// ---- compile ---------------------------------------------------------------------------------------------------

py::dict compile_result(const pipeline::CompileResult& r) {
  py::dict files;
  const pipeline::CompileArtifacts& f = r.files;
  const std::pair<const char*, const std::string*> named[] = {{"original_model", &f.original_model},
                                                              {"optimized_model", &f.optimized_model},
                                                              {"calibrated_model", &f.calibrated_model},
                                                              {"quantized_model", &f.quantized_model},
                                                              {"calibration_table", &f.calibration_table},
                                                              {"similarity", &f.similarity},
                                                              {"npk", &f.npk_model},
                                                              {"perf_json", &f.perf_json},
                                                              {"perf_html", &f.perf_html},
                                                              {"graph_svg", &f.graph_svg}};
  for (const auto& [k, v] : named)
    if (!v->empty()) files[k] = *v;
  py::dict out;
  out["files"] = files;
  out["calibration"] = r.calibration;
  out["num_calibration_samples"] = r.num_calibration_samples;
  out["candidates"] = r.candidates;
  out["integer_summary"] = r.integer_summary;
  out["npu_summary"] = r.npu_summary;
  out["perf_summary"] = r.perf_summary;
  out["seconds"] = r.seconds;
  if (!r.load_summary.empty()) {
    out["load_summary"] = r.load_summary;
    out["load_changes"] = r.load_changes;
  }
  return out;
}

py::dict run_compile(const config::CompileConfig& cfg, int64_t similarity_samples) {
  pipeline::CompileRunOptions ro;
  ro.similarity_samples = similarity_samples;
  Expected<pipeline::CompileResult> er = Status(ErrorCode::kInternal, "not run");
  {
    py::gil_scoped_release nogil;
    log::info("compile: configuration ", cfg.source, "\n", config::dump_compile_config(cfg));
    er = pipeline::run_compile(cfg, ro);
  }
  return compile_result(take(std::move(er)));
}

py::dict compile_config_file(const std::string& path, int64_t similarity_samples) {
  return run_compile(take(config::load_compile_config(path)), similarity_samples);
}

py::dict compile_config_text(const std::string& yaml_text, const std::string& name, const std::string& base_dir,
                             int64_t similarity_samples) {
  return run_compile(take(config::parse_compile_config(yaml_text, name, base_dir)), similarity_samples);
}

py::dict compile_fast_perf(const std::string& model, const std::string& proto, const std::string& march,
                           const std::string& working_dir, const ShapeList& input_shapes, int64_t similarity_samples) {
  config::FastPerfOptions fo;
  fo.model = model;
  fo.proto = proto;
  fo.march = march;
  fo.input_shapes = input_shapes;
  fo.working_dir = working_dir;
  return run_compile(take(config::make_fast_perf_config(fo)), similarity_samples);
}

// ---- perf (static estimate) ------------------------------------------------------------------------------------

// Returns (report JSON text, path of the HTML written).
std::pair<std::string, std::string> perf_report(const std::string& npk_path, const std::string& output_dir,
                                                double interval_us) {
  py::gil_scoped_release nogil;
  npk::NpkFileInfo fi;
  npk::NpkModel m = take(npk::read_npk(npk_path, &fi));
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08x", fi.params_crc32);
  estimate::EstimateOptions eo;
  eo.interval_us = interval_us;
  estimate::PerfReport r = take(estimate::estimate_perf(m, eo, crc));
  const std::string stem = fs::path(npk_path).stem().string();
  check(estimate::write_perf_report(r, output_dir, stem));
  return {estimate::to_json(r).dump(), (fs::path(output_dir) / (stem + ".html")).string()};
}

// ---- visualize -------------------------------------------------------------------------------------------------

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// Same drawing as `npukit visualize` (src/tools/visualize_command.cpp); returns the path written.
std::string visualize_model(const std::string& model, const std::string& output, const std::string& march,
                            const std::string& proto, const std::string& format, bool integer,
                            const ShapeList& input_shapes) {
  py::gil_scoped_release nogil;
  std::error_code ec;
  if (!fs::is_regular_file(model, ec))
    throw_status(make_error(ErrorCode::kNotFound, "model file '", model, "' not found"));
  if (format != "svg" && format != "dot")
    throw_status(make_error(ErrorCode::kInvalidArgument, "format must be 'svg' or 'dot', got '", format, "'"));
  const fs::path parent = fs::path(output).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw_status(make_error(ErrorCode::kNotFound, "output folder '", parent.string(), "' does not exist"));
  viz::GraphSvgOptions o;
  o.format = format == "dot" ? viz::GraphFormat::kDot : viz::GraphFormat::kSvg;
  std::string picture;
  const std::string stem = fs::path(model).stem().string();
  if (lower_extension(model) == ".npk") {
    npk::NpkModel m = take(npk::read_npk(model));
    o.title = (m.model_name.empty() ? stem : m.model_name) + " on " + m.march_name + " (compiled graph)";
    picture = take(viz::graph_svg(m.model.graph, m.placement, o));
  } else {
    config::FastPerfOptions fo;
    fo.model = model;
    fo.proto = proto;
    fo.march = march;
    fo.input_shapes = input_shapes;
    pipeline::CheckResult r = take(pipeline::run_check(fo));
    if (integer) {
      o.title = stem + " on " + r.march + " (integer graph)";
      picture = take(viz::graph_svg(r.integer_model.graph, r.placement, o));
    } else {
      pipeline::LoadOptions lo;
      for (const auto& [name, text] : input_shapes) lo.input_shapes[name] = take(pipeline::parse_shape(text));
      lo.caffe_prototxt = proto;
      ir::Model original = take(pipeline::load_model(model, lo));
      o.title = stem + " on " + r.march + " (original graph)";
      const viz::NodeMarks marks = viz::marks_from_provenance(original.graph, r.integer_model.graph, r.placement);
      picture = take(viz::render_graph(original.graph, marks, o));
    }
  }
  check(atomic_write_file(output, picture));
  return output;
}

// ---- runtime ---------------------------------------------------------------------------------------------------

py::dict io_desc(const npk::IoDesc& d) {
  py::dict r;
  r["name"] = d.name;
  r["dtype"] = np_dtype_name(d.dtype);
  r["shape"] = std::vector<int64_t>(d.shape.begin(), d.shape.end());
  r["layout"] = d.layout;
  r["source"] = d.source;
  r["input_type"] = d.input_type;
  return r;
}

class PyRuntime {
 public:
  PyRuntime(const std::string& path, int thread_num, const ShapeList& input_shapes, int intra_op_threads)
      : thread_num_(thread_num) {
    if (thread_num < 1 || thread_num > 256)
      throw_status(make_error(ErrorCode::kInvalidArgument, "thread_num must be in [1, 256], got ", thread_num));
    if (intra_op_threads < 1 || intra_op_threads > 256)
      throw_status(
          make_error(ErrorCode::kInvalidArgument, "intra_op_threads must be in [1, 256], got ", intra_op_threads));
    py::gil_scoped_release nogil;
    std::map<std::string, Shape> shapes;
    for (const auto& [name, text] : input_shapes) shapes[name] = take(pipeline::parse_shape(text));
    npk::NpkModel m = take(pipeline::load_runtime_model(path, shapes));
    runtime::RuntimeOptions ro;
    ro.intra_op_threads = intra_op_threads;
    rt_ = take(runtime::Runtime::create(std::move(m), ro));
    path_ = path;
  }

  const runtime::Runtime& rt() const {
    if (!rt_) throw std::runtime_error("Runtime was released");
    return *rt_;
  }

  py::list input_specs() const {
    py::list l;
    for (const ir::Value* v : rt().inputs()) {
      py::dict d;
      d["name"] = v->name();
      d["dtype"] = np_dtype_name(v->dtype());
      d["shape"] = std::vector<int64_t>(v->shape().begin(), v->shape().end());
      l.append(d);
    }
    return l;
  }

  // Inputs are borrowed (no copy): the arrays stay referenced by `arrays` for the whole call.
  std::vector<Tensor> to_tensors(const std::vector<py::array>& arrays) const {
    const auto rin = rt().inputs();
    if (arrays.size() != rin.size())
      throw_status(make_error(ErrorCode::kInvalidArgument, "model has ", rin.size(), " input(s), got ", arrays.size()));
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < arrays.size(); ++i) {
      const py::array& a = arrays[i];
      const ir::Value& v = *rin[i];
      if (std::string(py::str(a.dtype())) != np_dtype_name(v.dtype()))
        throw_status(make_error(ErrorCode::kInvalidArgument, "input ", i, " ('", v.name(), "'): expected dtype ",
                                np_dtype_name(v.dtype()), ", got ", std::string(py::str(a.dtype()))));
      Shape shape(a.shape(), a.shape() + a.ndim());
      if (shape != v.shape())
        throw_status(make_error(ErrorCode::kShapeMismatch, "input ", i, " ('", v.name(), "'): expected shape ",
                                shape_str(v.shape()), ", got ", shape_str(shape)));
      if (!(a.flags() & py::array::c_style))
        throw_status(make_error(ErrorCode::kInvalidArgument, "input ", i, " must be C-contiguous"));
      inputs.push_back(Tensor::view(nullptr, const_cast<void*>(a.data()), v.dtype(), shape));
    }
    return inputs;
  }

  py::list inference(const std::vector<py::array>& arrays) const {
    std::vector<Tensor> inputs = to_tensors(arrays);
    Expected<std::vector<Tensor>> outs = Status(ErrorCode::kInternal, "not run");
    {
      py::gil_scoped_release nogil;
      outs = rt().run(inputs);
    }
    py::list l;
    for (Tensor& t : take(std::move(outs))) l.append(tensor_to_array(std::move(t)));
    return l;
  }

  py::dict eval_perf(int64_t frame_count, int64_t warmup, const std::optional<std::vector<py::array>>& arrays) const {
    if (frame_count < 1) throw_status(make_error(ErrorCode::kInvalidArgument, "frame_count must be at least 1"));
    const runtime::Runtime& r = rt();
    const std::vector<Tensor> inputs = arrays ? to_tensors(*arrays) : runtime::random_inputs(r);
    runtime::MeasureOptions mo;
    mo.threads = thread_num_;
    mo.frames = frame_count;
    mo.warmup = std::max<int64_t>(warmup, 1);
    mo.per_node = true;
    Expected<runtime::MeasureResult> measured = [&] {
      py::gil_scoped_release nogil;
      return runtime::measure(r, inputs, mo);
    }();
    check(measured.status());
    const runtime::MeasureResult& res = *measured;
    if (res.mismatched_frames > 0)
      check(make_error(ErrorCode::kInternal, res.mismatched_frames, " of ", frame_count,
                       " frames gave outputs different from the first frame"));
    py::dict lat;
    lat["avg"] = res.latency.avg;
    lat["min"] = res.latency.min;
    lat["max"] = res.latency.max;
    lat["p50"] = res.latency.p50;
    lat["p90"] = res.latency.p90;
    lat["p99"] = res.latency.p99;
    py::list layers;
    const auto nodes = r.model().model.graph.nodes();
    for (size_t i = 0; i < nodes.size(); ++i) {
      py::dict d;
      d["name"] = nodes[i]->name();
      d["op"] = nodes[i]->op_type();
      d["kernel"] = r.node_kernel_label(i);
      d["target"] = i < r.model().placement.size() ? npk::target_name(r.model().placement[i].target) : "CPU";
      d["avg_us"] = i < res.node_us.size() ? res.node_us[i] : 0.0;
      layers.append(d);
    }
    py::dict out;
    out["runtime"] = "int8 CPU";
    out["isa"] = q8::isa_name(r.isa());
    out["thread_num"] = thread_num_;
    out["frame_count"] = frame_count;
    out["warmup"] = warmup;
    out["latency_ms"] = lat;
    out["fps"] = res.fps;
    out["wall_seconds"] = res.wall_seconds;
    out["layers"] = layers;
    return out;
  }

  /// runtime::memory_json as a dict (the same keys as `npukit exec perf --eval_memory`).
  py::object eval_memory() const {
    return py::module_::import("json").attr("loads")(runtime::memory_json(rt()).dump());
  }

  py::dict model_info() const {
    const npk::NpkModel& m = rt().model();
    py::dict d;
    d["path"] = path_;
    d["model_name"] = m.model_name;
    d["march"] = m.march_name;
    d["npukit_version"] = m.npukit_version;
    py::list ins, outs, segs;
    for (const npk::IoDesc& x : m.inputs) ins.append(io_desc(x));
    for (const npk::IoDesc& x : m.outputs) outs.append(io_desc(x));
    d["inputs"] = ins;
    d["outputs"] = outs;
    for (const npk::Segment& s : m.segments) {
      py::dict sd;
      sd["target"] = npk::target_name(s.target);
      sd["nodes"] = s.nodes.size();
      segs.append(sd);
    }
    d["segments"] = segs;
    d["nodes"] = m.model.graph.num_nodes();
    d["compile_options_json"] = m.compile_options_json;
    d["preprocess_json"] = m.preprocess_json;
    d["isa"] = q8::isa_name(rt().isa());
    d["fast_nodes"] = rt().fast_nodes();
    d["reference_nodes"] = rt().reference_nodes();
    d["view_nodes"] = rt().view_nodes();
    d["in_place_concat_inputs"] = rt().in_place_inputs();
    return d;
  }

  void release() { rt_.reset(); }

 private:
  int thread_num_ = 1;
  std::string path_;
  std::unique_ptr<runtime::Runtime> rt_;
};

}  // namespace
}  // namespace npukit::python

PYBIND11_MODULE(_npukit, m) {
  using namespace npukit::python;
  namespace log = npukit::log;
  m.doc() = "npukit C++ bindings (use the `npukit` package; see docs/PYTHON.md)";
  m.attr("__version__") = NPUKIT_VERSION;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const NotFoundError& e) {
      PyErr_SetString(PyExc_FileNotFoundError, e.what());
    }
  });

  m.def(
      "set_progress", [](bool on) { npukit::Progress::set_globally_enabled(on); }, py::arg("on"),
      "progress bars on stderr for long steps (default on)");
  m.def(
      "set_log",
      [](const std::string& level, const std::string& file) {
        log::set_console_level(take(log::parse_level(level)));
        log::set_file(file);
      },
      py::arg("level") = "info", py::arg("file") = "", "console log level and optional log file");
  m.def("march_names", &::npukit::march::preset_names);
  m.def("load_image", &load_image, py::arg("path"), py::arg("height") = 0, py::arg("width") = 0,
        py::arg("order") = "rgb", py::arg("layout") = "nchw");
  m.def("model_inputs", &model_inputs, py::arg("model"), py::arg("proto") = "");
  m.def("check_model", &check_model, py::arg("model"), py::arg("proto"), py::arg("march"), py::arg("input_shapes"));
  m.def("compile_config_file", &compile_config_file, py::arg("path"), py::arg("similarity_samples") = 0);
  m.def("compile_config_text", &compile_config_text, py::arg("yaml_text"), py::arg("name"), py::arg("base_dir"),
        py::arg("similarity_samples") = 0);
  m.def("compile_fast_perf", &compile_fast_perf, py::arg("model"), py::arg("proto"), py::arg("march"),
        py::arg("working_dir"), py::arg("input_shapes"), py::arg("similarity_samples") = 0);
  m.def("perf_report", &perf_report, py::arg("npk"), py::arg("output_dir"), py::arg("interval_us") = 0.0);
  m.def("visualize_model", &visualize_model, py::arg("model"), py::arg("output"), py::arg("march"), py::arg("proto"),
        py::arg("format"), py::arg("integer"), py::arg("input_shapes"));

  py::class_<PyRuntime>(m, "Runtime")
      .def(py::init<const std::string&, int, const ShapeList&, int>(), py::arg("model"), py::arg("thread_num") = 1,
           py::arg("input_shapes") = ShapeList{}, py::arg("intra_op_threads") = 1)
      .def("input_specs", &PyRuntime::input_specs)
      .def("inference", &PyRuntime::inference, py::arg("inputs"))
      .def("eval_perf", &PyRuntime::eval_perf, py::arg("frame_count"), py::arg("warmup"), py::arg("inputs"))
      .def("eval_memory", &PyRuntime::eval_memory)
      .def("model_info", &PyRuntime::model_info)
      .def("release", &PyRuntime::release);
}
