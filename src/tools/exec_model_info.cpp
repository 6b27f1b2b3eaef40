// SPDX-License-Identifier: Apache-2.0
// tools: `npukit exec model_info` — what a model is: I/O, operators, parameters, MACs.
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "core/log.h"
#include "interp/interpreter.h"
#include "ir/op_count.h"
#include "pipeline/load.h"
#include "tools/exec_commands.h"

namespace npukit::cli {

namespace {

void for_each_node(const ir::Graph& g, const std::function<void(const ir::Node&)>& fn) {
  for (const ir::Node* n : g.nodes()) {
    fn(*n);
    for (const auto& [k, sg] : n->subgraphs())
      if (sg) for_each_node(*sg, fn);
  }
}

bool is_weight_dtype(DType t) {
  switch (t) {
    case DType::kF32:
    case DType::kF16:
    case DType::kF64:
    case DType::kI8:
    case DType::kU8:
    case DType::kI16:
    case DType::kU16:
    case DType::kI32:
    case DType::kU32: return true;
    default: return false;
  }
}

void count_params_in(const ir::Graph& g, ParamStats& st) {
  for (const ir::Value* v : g.values()) {
    if (!v->is_constant() || v->users().empty() || !is_weight_dtype(v->dtype())) continue;
    st.count += v->const_value()->numel();
    st.bytes += static_cast<int64_t>(v->const_value()->nbytes());
  }
  for (const ir::Node* n : g.nodes()) {
    if (n->op() == ir::OpKind::kConstant)
      if (const Tensor* t = n->attrs().get_tensor("value"); t && is_weight_dtype(t->dtype())) {
        st.count += t->numel();
        st.bytes += static_cast<int64_t>(t->nbytes());
      }
    for (const auto& [k, sg] : n->subgraphs())
      if (sg) count_params_in(*sg, st);
  }
}

std::string value_type_text(const ir::Value* v) {
  return str_cat(v->has_type() ? dtype_name(v->dtype()) : "?", " ",
                 v->has_type() ? shape_with_names(v->shape(), v->dim_params) : std::string("[?]"));
}

nlohmann::json shape_json(const ir::Value* v) {
  nlohmann::json a = nlohmann::json::array();
  if (!v->has_type()) return nullptr;
  for (size_t i = 0; i < v->shape().size(); ++i) {
    int64_t d = v->shape()[i];
    if (d >= 0)
      a.push_back(d);
    else
      a.push_back(i < v->dim_params.size() && !v->dim_params[i].empty() ? v->dim_params[i] : "?");
  }
  return a;
}

nlohmann::json io_json(const std::vector<const ir::Value*>& vs) {
  nlohmann::json a = nlohmann::json::array();
  for (const ir::Value* v : vs)
    a.push_back(
        {{"name", v->name()}, {"dtype", v->has_type() ? dtype_name(v->dtype()) : "?"}, {"shape", shape_json(v)}});
  return a;
}

std::string human(double v) {
  const char* units[] = {"", " K", " M", " G", " T"};
  int u = 0;
  while (v >= 1000.0 && u < 4) {
    v /= 1000.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u ? "%.2f%s" : "%.0f%s", v, units[u]);
  return buf;
}

struct InfoArgs {
  std::string model_file;
  std::string proto;  ///< Caffe prototxt for a .caffemodel
  std::vector<std::pair<std::string, std::string>> input_shapes;
  bool json = false;
  std::string dump_ir;  ///< file for the textual IR dump ("" = none, "-" = stdout)
};

Status run_model_info(const InfoArgs& args) {
  NPUKIT_ASSIGN_OR_RETURN(auto shapes, parse_input_shapes(args.input_shapes));
  log::info("model_info: loading ", args.model_file);
  if (std::filesystem::path(args.model_file).extension() == ".npk") {
    if (!shapes.empty())
      return make_error(ErrorCode::kInvalidArgument, "--input-shape does not apply to a compiled .npk model");
    return print_npk_model_info(args.model_file);
  }
  // The model as imported (ONNX or Caffe by extension); shapes are resolved below.
  pipeline::LoadOptions lo;
  lo.resolve = false;
  lo.promote_f16 = false;
  lo.caffe_prototxt = args.proto;
  NPUKIT_ASSIGN_OR_RETURN(ir::Model model, pipeline::load_model(args.model_file, lo));
  const ir::Graph& g = model.graph;
  // Bad --input-shape arguments are the user's error, not a reason to skip the MAC count.
  NPUKIT_RETURN_IF_ERROR(interp::check_input_shapes(g, shapes));
  std::vector<const ir::Value*> inputs, outputs;
  for (const ir::Value* v : g.inputs())
    if (!v->is_constant()) inputs.push_back(v);
  for (const ir::Value* v : g.outputs()) outputs.push_back(v);
  // Snapshot the declared I/O before resolve() rewrites shapes.
  nlohmann::json in_json = io_json(inputs), out_json = io_json(outputs);
  std::vector<std::string> in_text, out_text;
  for (const ir::Value* v : inputs) in_text.push_back(str_cat(v->name(), "  ", value_type_text(v)));
  for (const ir::Value* v : outputs) out_text.push_back(str_cat(v->name(), "  ", value_type_text(v)));
  const auto ops = count_ops(g);
  int64_t num_nodes = 0;
  for (const auto& [k, c] : ops) num_nodes += c;
  const ParamStats params = count_parameters(g);

  interp::ResolveOptions ro;
  ro.input_shapes = shapes;
  Status rs = interp::resolve(model, ro);
  int64_t macs = rs.ok() ? ir::graph_macs(model.graph) : -1;
  if (!rs.ok()) log::info("model_info: shapes not resolved: ", rs.to_string());
  if (rs.ok()) {
    // Show the static shapes resolve() settled on next to the declared ones when they differ.
    std::vector<const ir::Value*> rin;
    for (const ir::Value* v : model.graph.inputs())
      if (!v->is_constant()) rin.push_back(v);
    auto annotate = [](std::vector<std::string>& text, nlohmann::json& js, const std::vector<const ir::Value*>& vs) {
      for (size_t i = 0; i < vs.size() && i < text.size(); ++i) {
        js[i]["resolved_shape"] = vs[i]->shape();
        const std::string r = shape_str(vs[i]->shape());
        if (text[i].substr(text[i].size() - std::min(text[i].size(), r.size())) != r)
          text[i] += "  (resolved " + r + ")";
      }
    };
    std::vector<const ir::Value*> routs(model.graph.outputs().begin(), model.graph.outputs().end());
    annotate(in_text, in_json, rin);
    annotate(out_text, out_json, routs);
  }

  if (!args.dump_ir.empty()) {
    // The IR as npukit sees it: canonical ops, filled attributes, static shapes when resolved.
    const std::string text = ir::dump(model);
    if (args.dump_ir == "-") {
      std::cout << text;
    } else {
      NPUKIT_RETURN_IF_ERROR(atomic_write_file(args.dump_ir, text));
      log::info("model_info: IR dump written to ", args.dump_ir);
    }
  }
  if (args.json) {
    nlohmann::json j;
    j["model"] = args.model_file;
    j["graph_name"] = g.name();
    j["opset"] = model.opset;
    j["ir_version"] = model.ir_version;
    j["producer_name"] = model.producer_name;
    j["producer_version"] = model.producer_version;
    j["inputs"] = in_json;
    j["outputs"] = out_json;
    j["num_nodes"] = num_nodes;
    j["op_counts"] = ops;
    j["parameters"] = {{"count", params.count}, {"bytes", params.bytes}};
    if (rs.ok()) {
      j["macs"] = macs;
    } else {
      j["macs"] = nullptr;
      j["macs_error"] = rs.to_string();
    }
    std::cout << j.dump(2) << "\n";
    return Status::Ok();
  }
  std::cout << "model:     " << args.model_file << "\n";
  std::cout << "graph:     " << g.name() << "\n";
  std::cout << "opset:     " << model.opset << " (ir_version " << model.ir_version << ")\n";
  std::cout << "producer:  " << model.producer_name
            << (model.producer_version.empty() ? "" : " " + model.producer_version) << "\n";
  std::cout << "inputs:\n";
  for (const auto& s : in_text) std::cout << "  " << s << "\n";
  std::cout << "outputs:\n";
  for (const auto& s : out_text) std::cout << "  " << s << "\n";
  std::cout << "operators: " << num_nodes << " nodes\n";
  for (const auto& [k, c] : ops) std::cout << "  " << k << "  " << c << "\n";
  std::cout << "parameters: " << params.count << " (" << human(static_cast<double>(params.count)) << "), "
            << params.bytes << " bytes\n";
  if (rs.ok()) {
    std::cout << "MACs:      " << macs << " (" << human(static_cast<double>(macs)) << ")\n";
  } else {
    std::cout << "MACs:      unavailable: " << rs.to_string() << "\n";
  }
  return Status::Ok();
}

}  // namespace

std::map<std::string, int64_t> count_ops(const ir::Graph& g) {
  std::map<std::string, int64_t> m;
  for_each_node(g, [&](const ir::Node& n) { ++m[n.op_type()]; });
  return m;
}

ParamStats count_parameters(const ir::Graph& g) {
  ParamStats st;
  count_params_in(g, st);
  return st;
}

void register_exec_model_info(CLI::App& exec, Context& ctx) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* cmd = exec.add_subcommand("model_info", "print model inputs/outputs, operators, parameters and MACs");
  cmd->add_option("--model_file,--model-file", args->model_file,
                  "ONNX model, Caffe .caffemodel (with --proto), or compiled .npk")
      ->required();
  cmd->add_option("--proto", args->proto, "Caffe prototxt (topology) for a .caffemodel model file");
  add_input_shape_option(cmd, &args->input_shapes);
  cmd->add_flag("--json", args->json, "print JSON instead of text");
  cmd->add_option("--dump_ir,--dump-ir", args->dump_ir,
                  "write the textual IR (after shape resolution when it succeeds) to FILE ('-' = stdout)");
  cmd->callback([args, &ctx] { ctx.action = [args] { return run_model_info(*args); }; });
}

}  // namespace npukit::cli
