// SPDX-License-Identifier: Apache-2.0
#include "pipeline/runtime_model.h"

#include <filesystem>

#include "core/log.h"
#include "npk/npk_file.h"
#include "pipeline/load.h"
#include "quant/lower_qdq.h"

namespace npukit::pipeline {

Expected<npk::NpkModel> load_runtime_model(const std::string& path, const std::map<std::string, Shape>& input_shapes,
                                           RuntimeModelInfo* info) {
  RuntimeModelInfo local;
  RuntimeModelInfo& inf = info ? *info : local;
  if (std::filesystem::path(path).extension() == ".npk") return npk::read_npk(path);
  LoadOptions lo;
  lo.input_shapes = input_shapes;
  NPUKIT_ASSIGN_OR_RETURN(ir::Model m, load_model(path, lo));
  inf.from_onnx = true;
  for (const ir::Node* n : m.graph.nodes())
    inf.quantize_nodes += n->op() == ir::OpKind::kQuantizeLinear || n->op() == ir::OpKind::kDequantizeLinear;
  if (inf.quantize_nodes == 0)
    return make_error(ErrorCode::kInvalidArgument, "'", path,
                      "' is a float model (no QuantizeLinear / DequantizeLinear): the int8 runtime runs compiled "
                      "(.npk) or quantized QDQ models; make one with `npukit compile` (see "
                      "{prefix}_quantized_model.onnx and {prefix}.npk in its working_dir)");
  quant::LowerQdqStats st;
  NPUKIT_RETURN_IF_ERROR(quant::lower_qdq_to_integer(m.graph, &st).with_context(str_cat("'", path, "'")));
  inf.float_ops = static_cast<int64_t>(st.float_ops.size());
  if (!st.float_ops.empty())
    log::info("runtime model: ", st.float_ops.size(), " op(s) stay in float (reference kernels), e.g. ",
              st.float_ops.front());
  npk::NpkModel out;
  out.model_name = std::filesystem::path(path).stem().string();
  out.march_name = "cpu";
  npk::Segment seg;
  seg.target = npk::Target::kCpu;
  const std::vector<ir::Node*> nodes = m.graph.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    seg.nodes.push_back(static_cast<int32_t>(i));
    npk::Placement p;
    p.node = nodes[i]->name();
    p.op = nodes[i]->op_type();
    p.target = npk::Target::kCpu;
    p.reason = "quantized ONNX run on the CPU runtime";
    out.placement.push_back(std::move(p));
  }
  for (const ir::Value* v : m.graph.inputs()) {
    if (v->is_constant()) continue;
    seg.inputs.push_back(v->name());
    out.inputs.push_back(npk::IoDesc{v->name(), v->dtype(), v->shape(), "", "ddr", "featuremap"});
  }
  for (const ir::Value* v : m.graph.outputs()) {
    seg.outputs.push_back(v->name());
    out.outputs.push_back(npk::IoDesc{v->name(), v->dtype(), v->shape(), "", "ddr", ""});
  }
  out.segments.push_back(std::move(seg));
  out.model = std::move(m);
  return out;
}

}  // namespace npukit::pipeline
