// SPDX-License-Identifier: Apache-2.0
// tools: `npukit visualize MODEL -o model.svg` — the model graph laid out by Graphviz, nodes coloured by where
// they run. A .npk is drawn as compiled; a float model (.onnx, .caffemodel with --proto) is placed for --march
// as `npukit check` does and drawn as the original graph coloured through provenance (--integer: the compiled
// integer graph).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/file_util.h"
#include "core/log.h"
#include "core/progress.h"
#include "npk/npk_file.h"
#include "pipeline/check.h"
#include "pipeline/load.h"
#include "tools/cli.h"
#include "viz/graph_svg.h"

namespace npukit::cli {
namespace {

namespace fs = std::filesystem;

struct VisualizeArgs {
  std::string model, proto, output, march = "nash-e", format = "svg";
  std::vector<std::pair<std::string, std::string>> input_shapes;
  bool integer = false;
  bool edge_shapes = false;
};

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

Status run_visualize(const VisualizeArgs& a) {
  std::error_code ec;
  if (!fs::is_regular_file(a.model, ec))
    return make_error(ErrorCode::kNotFound, "model file '", a.model, "' not found");
  viz::GraphSvgOptions o;
  o.format = a.format == "dot" ? viz::GraphFormat::kDot : viz::GraphFormat::kSvg;
  o.edge_shape_labels = a.edge_shapes;
  std::string out = a.output;
  if (out.empty()) out = sanitize_file_name(fs::path(a.model).stem().string()) + (a.format == "dot" ? ".dot" : ".svg");
  // A typo in -o should not silently create folders.
  const fs::path parent = fs::path(out).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    return make_error(ErrorCode::kNotFound, "output folder '", parent.string(), "' does not exist (for -o ", out, ")");

  std::string picture;
  if (lower_extension(a.model) == ".npk") {
    if (a.integer || !a.proto.empty() || !a.input_shapes.empty())
      log::warn("visualize: --integer, --proto and --input-shape do not apply to a compiled .npk; ignored");
    NPUKIT_ASSIGN_OR_RETURN(npk::NpkModel m, npk::read_npk(a.model));
    if (a.march != "nash-e" && a.march != m.march_name)
      log::warn("visualize: ", a.model, " was compiled for ", m.march_name, "; --march ", a.march, " is ignored");
    o.title = (m.model_name.empty() ? fs::path(a.model).stem().string() : m.model_name) + " on " + m.march_name +
              " (compiled graph)";
    NPUKIT_ASSIGN_OR_RETURN(picture, viz::graph_svg(m.model.graph, m.placement, o));
  } else {
    log::set_file("npukit_visualize.log");
    Progress::set_globally_enabled(false);
    config::FastPerfOptions fo;
    fo.model = a.model;
    fo.proto = a.proto;
    fo.march = a.march;
    fo.input_shapes = a.input_shapes;
    NPUKIT_ASSIGN_OR_RETURN(pipeline::CheckResult r, pipeline::run_check(fo));
    const std::string stem = fs::path(a.model).stem().string();
    if (a.integer) {
      o.title = stem + " on " + r.march + " (integer graph)";
      NPUKIT_ASSIGN_OR_RETURN(picture, viz::graph_svg(r.integer_model.graph, r.placement, o));
    } else {
      pipeline::LoadOptions lo;
      NPUKIT_ASSIGN_OR_RETURN(lo.input_shapes, parse_input_shapes(a.input_shapes));
      lo.caffe_prototxt = a.proto;
      NPUKIT_ASSIGN_OR_RETURN(ir::Model original, pipeline::load_model(a.model, lo));
      o.title = stem + " on " + r.march + " (original graph)";
      const viz::NodeMarks marks = viz::marks_from_provenance(original.graph, r.integer_model.graph, r.placement);
      NPUKIT_ASSIGN_OR_RETURN(picture, viz::render_graph(original.graph, marks, o));
    }
  }
  NPUKIT_RETURN_IF_ERROR(atomic_write_file(out, picture));
  std::printf("wrote %s\n", out.c_str());
  return Status::Ok();
}

void register_visualize(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<VisualizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "visualize", "draw a model graph (SVG or DOT), nodes coloured by where they run (NPU dark blue, CPU gray)");
  cmd->add_option("model", a->model, "compiled model (.npk) or float model (.onnx, .caffemodel with --proto)")
      ->required();
  cmd->add_option("-o,--output", a->output, "picture file (default: <model stem>.svg, or .dot with --format dot)");
  cmd->add_option("--march", a->march, "float models: architecture preset or march .yaml file to place nodes for")
      ->capture_default_str();
  cmd->add_option("--proto", a->proto, "Caffe prototxt (with a .caffemodel)");
  cmd->add_option("--format", a->format, "svg (laid out by Graphviz) or dot (the Graphviz source)")
      ->check(CLI::IsMember({"svg", "dot"}))
      ->capture_default_str();
  cmd->add_flag("--integer", a->integer, "float models: draw the compiled integer graph instead of the original");
  cmd->add_flag("--edge-shapes", a->edge_shapes, "label every edge with its tensor shape");
  add_input_shape_option(cmd, &a->input_shapes);
  cmd->callback([a, &ctx] { ctx.action = [a] { return run_visualize(*a); }; });
}

}  // namespace
NPUKIT_CLI_GROUP(visualize, register_visualize);
}  // namespace npukit::cli
