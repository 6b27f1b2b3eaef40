// SPDX-License-Identifier: Apache-2.0
// tools: `npukit ops` — prints the operator table (the source of docs/SUPPORTED_OPS.md); `npukit ops --npu`
// prints, per march, which integer-graph ops run on the NPU and within which limits (npu/placement.cpp applies
// them; docs/SUPPORTED_OPS.md's "NPU placement" section is its Markdown form).
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "ir/op_table.h"
#include "march/march.h"
#include "tools/cli.h"

namespace npukit::cli {
namespace {

std::string arity(int lo, int hi) {
  return lo == hi ? std::to_string(lo) : str_cat(lo, "–", hi);
}

std::string attr_list(const ir::OpInfo& op) {
  std::ostringstream os;
  bool first = true;
  for (const ir::AttrSpec& a : op.attrs()) {
    os << (first ? "" : ", ") << '`' << a.name;
    if (a.presence == ir::AttrPresence::kDefault) os << '=' << attr_value_str(a.default_value);
    if (a.presence == ir::AttrPresence::kRequired) os << " (required)";
    os << '`';
    first = false;
  }
  return os.str();
}

// ---- NPU op tables (`npukit ops --npu`) ---------------------------------------------------------------------

/// Op types that an integer graph (quant/lower_qdq.h) can contain besides float ops and Q/DQ.
const std::vector<std::string>& integer_graph_ops() {
  static const std::vector<std::string> k = {"QConv",         "QGemm",   "QMatMul",      "QAdd",
                                             "QSub",          "QMul",    "QAveragePool", "QGlobalAveragePool",
                                             "QConcat",       "QLut",    "Requantize",   "MaxPool",
                                             "GlobalMaxPool", "Resize",  "Pad",          "Transpose",
                                             "Concat",        "Split",   "Slice",        "Gather",
                                             "Reshape",       "Flatten", "Squeeze",      "Unsqueeze",
                                             "Expand",        "Tile",    "DepthToSpace", "SpaceToDepth",
                                             "Identity",      "Dropout"};
  return k;
}

bool one_of(const std::string& op, std::initializer_list<const char*> ops) {
  return std::any_of(ops.begin(), ops.end(), [&](const char* o) { return op == o; });
}

std::string join_strings(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::string bytes_str(int64_t b) {
  if (b > 0 && b % (int64_t{1} << 20) == 0) return str_cat(b >> 20, " MiB");
  if (b > 0 && b % 1024 == 0) return str_cat(b >> 10, " KiB");
  return str_cat(b, " B");
}

/// The limits placement applies to one row; "" where the limit does not apply or is unlimited.
struct RowLimits {
  std::string dtypes, kernel, stride, dilation, channels, spatial, groups, modes;
};

RowLimits row_limits(const march::OpConstraint& r) {
  RowLimits l;
  std::vector<std::string> dt;
  for (DType d : r.dtypes) dt.push_back(dtype_name(d));
  l.dtypes = dt.empty() ? "i8, u8" : join_strings(dt);
  auto le = [](int64_t v) { return v > 0 ? str_cat("<= ", v) : std::string(); };
  const bool windowed = one_of(r.op, {"QConv", "MaxPool", "QAveragePool"});
  if (windowed) {
    l.kernel = le(r.max_kernel);
    l.stride = le(r.max_stride);
  }
  if (one_of(r.op, {"QConv", "MaxPool"})) l.dilation = le(r.max_dilation);
  l.channels = le(r.max_channels);
  if (!one_of(r.op, {"QGemm", "QMatMul"})) l.spatial = le(r.max_spatial);
  if (r.op == "QConv") {
    std::vector<std::string> g;
    if (r.depthwise) g.push_back("depthwise");
    if (r.grouped) g.push_back("grouped");
    l.groups = g.empty() ? "group 1 only" : join_strings(g);
  }
  if (r.op == "Pad") {
    // Placement runs constant padding only, whatever else the row lists.
    l.modes =
        r.modes.empty() || std::find(r.modes.begin(), r.modes.end(), "constant") != r.modes.end() ? "constant" : "none";
  } else if (r.op == "Resize") {
    l.modes = r.modes.empty() ? "all" : join_strings(r.modes);
  } else if (!r.modes.empty()) {
    l.modes = join_strings(r.modes);
  }
  return l;
}

std::vector<std::string> cpu_only_ops(const march::MarchSpec& m) {
  std::vector<std::string> r;
  for (const std::string& op : integer_graph_ops())
    if (!m.find_op(op)) r.push_back(op);
  return r;
}

std::string npu_ops_text(const std::vector<march::MarchSpec>& marches) {
  std::ostringstream os;
  for (size_t i = 0; i < marches.size(); ++i) {
    const march::MarchSpec& m = marches[i];
    if (i) os << "\n";
    os << m.name << ": " << m.description << "\n"
       << "  SRAM " << bytes_str(m.sram.bytes)
       << " per core; whole-plane ops need input + output plane <= " << bytes_str(m.sram.bytes / 2) << "\n";
    for (const march::OpConstraint& r : m.ops) {
      const RowLimits l = row_limits(r);
      std::ostringstream line;
      line << "  " << std::left << std::setw(20) << r.op << "dtypes " << l.dtypes;
      auto add = [&](const char* name, const std::string& v) {
        if (!v.empty()) line << "  " << name << " " << v;
      };
      add("kernel", l.kernel);
      add("stride", l.stride);
      add("dilation", l.dilation);
      add("channels", l.channels);
      add("H,W", l.spatial);
      add("groups", l.groups);
      add("modes", l.modes);
      os << line.str() << "\n";
    }
    const auto cpu = cpu_only_ops(m);
    os << "  CPU only: " << (cpu.empty() ? "none" : join_strings(cpu)) << "\n";
  }
  return os.str();
}

/// The "NPU placement" section of docs/SUPPORTED_OPS.md (between its npu-ops markers).
std::string npu_ops_markdown(const std::vector<march::MarchSpec>& marches) {
  std::ostringstream os;
  os << "## NPU placement\n\n"
     << "Generated by `npukit ops --npu --markdown` from the march presets (`configs/march/*.yaml`); do not edit "
     << "by hand. `npukit compile` places each node of the integer graph (docs/QUANTIZATION.md, \"Integer "
     << "graph\") on the NPU when its op type has a row in the march's op table and every limit of the row holds; "
     << "otherwise the node runs on CPU and the compile report gives the first limit it broke, e.g. "
     << "`QConv: kernel 9x9 > 7x7`.\n\n"
     << "Rules for every march:\n\n"
     << "- Float ops (an input or output in f32 / f16) run on CPU: `Softmax: float op (not quantized)`. "
     << "`QuantizeLinear` / `DequantizeLinear` at the model's inputs and outputs run on CPU unless removed with "
     << "`remove_node_type: Quantize` / `Dequantize`.\n"
     << "- Limits apply to the activations (runtime inputs and outputs; weights, biases and tables are "
     << "constants): dtypes; **channels** is dim 1 of NCHW (rank-4) tensors, K and N for `QGemm` / `QMatMul`; "
     << "**H, W** are dims 2 and 3 of NCHW tensors. `—` means no limit. Tensors of rank > 6 run on CPU.\n"
     << "- `QConv`, `MaxPool`, `QAveragePool`, `GlobalMaxPool`, `QGlobalAveragePool`: 2-D, NCHW. A conv is "
     << "depthwise when group = input channels, grouped for other groups > 1.\n"
     << "- `MaxPool`: `ceil_mode` 0, `storage_order` 0, no `Indices` output, `auto_pad` NOTSET or VALID.\n"
     << "- `Pad`: constant mode, constant non-negative pads on H and W of a rank-4 tensor only. `Resize`: rank 4, "
     << "H and W only. `Slice`: constant starts / ends / axes, steps 1.\n"
     << "- `GlobalMaxPool`, `QGlobalAveragePool`, `Resize` and `Pad` keep whole channel planes in SRAM: they run "
     << "on CPU when one plane of the input plus one of the output (H × W × element size) exceeds half of the "
     << "SRAM (`Resize: plane 96000 B > half of SRAM 49152 B`).\n"
     << "- `Reshape`, `Flatten`, `Squeeze`, `Unsqueeze` (with a row) are free views: on the NPU when their "
     << "producer is (at a model input: when all their consumers are), else on CPU (`follows its producer`).\n"
     << "- `node_info` `ON: CPU` forces CPU; `ON: BPU` forces the NPU for a node it can run, and is ignored with "
     << "a warning otherwise.\n";
  for (const march::MarchSpec& m : marches) {
    os << "\n### " << m.name << "\n\n"
       << m.description << ". SRAM " << bytes_str(m.sram.bytes) << " per core (whole-plane ops: input + output "
       << "plane <= " << bytes_str(m.sram.bytes / 2) << ").\n\n"
       << "| op | dtypes | kernel | stride | dilation | channels | H, W | groups | modes |\n"
       << "|---|---|---|---|---|---|---|---|---|\n";
    auto cell = [](const std::string& v) { return v.empty() ? std::string("—") : v; };
    for (const march::OpConstraint& r : m.ops) {
      const RowLimits l = row_limits(r);
      os << "| " << r.op << " | " << l.dtypes << " | " << cell(l.kernel) << " | " << cell(l.stride) << " | "
         << cell(l.dilation) << " | " << cell(l.channels) << " | " << cell(l.spatial) << " | " << cell(l.groups)
         << " | " << cell(l.modes) << " |\n";
    }
    const auto cpu = cpu_only_ops(m);
    os << "\nInteger-graph ops not in this table (always CPU): " << (cpu.empty() ? "none" : join_strings(cpu)) << ".\n";
  }
  return os.str();
}

Expected<std::vector<march::MarchSpec>> load_marches(const std::string& name) {
  std::vector<march::MarchSpec> r;
  std::vector<std::string> names = name.empty() ? march::preset_names() : std::vector<std::string>{name};
  for (const std::string& n : names) {
    NPUKIT_ASSIGN_OR_RETURN(march::MarchSpec m, march::load_march(n));
    r.push_back(std::move(m));
  }
  return r;
}

inline constexpr const char* kNpuBegin = "<!-- npu-ops:begin -->";
inline constexpr const char* kNpuEnd = "<!-- npu-ops:end -->";

/// The table as Markdown. docs/SUPPORTED_OPS.md is this output; a test keeps them equal.
Expected<std::string> ops_markdown() {
  std::ostringstream os;
  os << "# Supported operators\n\n"
     << "Generated by `npukit ops --markdown` from `src/ops.def` and the march presets; do not edit by hand.\n\n"
     << "Default ONNX domain, opsets " << ir::kMinOpset << "–" << ir::kMaxOpset
     << " (older forms are rewritten to the opset-" << ir::kCanonicalOpset
     << " canonical form on import). `Upsample` is imported as `Resize`.\n\n"
     << "| op | since opset | inputs | outputs | cost class | attributes (defaults) |\n"
     << "|---|---|---|---|---|---|\n";
  size_t n_default = 0;
  for (const ir::OpInfo& op : ir::all_ops()) {
    if (!ir::is_default_domain_op(op)) continue;
    ++n_default;
    os << "| " << op.name << " | " << op.since_opset << " | " << arity(op.min_inputs, op.max_inputs) << " | "
       << arity(op.min_outputs, op.max_outputs) << " | " << ir::cost_class_name(op.cost) << " | " << attr_list(op)
       << " |\n";
  }
  os << "\n"
     << n_default << " operators in the default domain.\n\n"
     << "## Domain `" << ir::kNpukitDomain << "` (version " << ir::kNpukitDomainVersion << ")\n\n"
     << "npukit's integer ops: the executable form of a quantized model produced by `quant/lower_qdq.h` "
     << "(semantics: docs/QUANTIZATION.md, \"Integer graph\"). Attributes `y_min` / `y_max` / `mid_min` / "
     << "`mid_max` default to the full range of the output dtype.\n\n"
     << "| op | inputs | outputs | cost class | attributes (defaults) |\n"
     << "|---|---|---|---|---|\n";
  for (const ir::OpInfo& op : ir::all_ops()) {
    if (ir::is_default_domain_op(op)) continue;
    os << "| " << op.name << " | " << arity(op.min_inputs, op.max_inputs) << " | "
       << arity(op.min_outputs, op.max_outputs) << " | " << ir::cost_class_name(op.cost) << " | " << attr_list(op)
       << " |\n";
  }
  os << "\n" << ir::kNumOps << " operators in total.\n";
  NPUKIT_ASSIGN_OR_RETURN(auto marches, load_marches(""));
  os << "\n" << kNpuBegin << "\n" << npu_ops_markdown(marches) << kNpuEnd << "\n";
  return os.str();
}

void register_ops(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("ops", "list the operators npukit supports (the operator table)");
  auto markdown = std::make_shared<bool>(false);
  auto npu = std::make_shared<bool>(false);
  auto march_name = std::make_shared<std::string>();
  cmd->add_flag("--markdown", *markdown, "print docs/SUPPORTED_OPS.md (with --npu: its NPU placement section)");
  CLI::Option* npu_opt = cmd->add_flag(
      "--npu", *npu, "print which integer-graph ops run on the NPU of each march preset, and their limits");
  cmd->add_option("--march", *march_name, "with --npu: only this march (preset name or .yaml file)")->needs(npu_opt);
  cmd->callback([&ctx, markdown, npu, march_name] {
    ctx.action = [markdown, npu, march_name]() -> Status {
      if (*npu) {
        NPUKIT_ASSIGN_OR_RETURN(auto marches, load_marches(*march_name));
        std::cout << (*markdown ? npu_ops_markdown(marches) : npu_ops_text(marches));
      } else if (*markdown) {
        NPUKIT_ASSIGN_OR_RETURN(std::string md, ops_markdown());
        std::cout << md;
      } else {
        for (const ir::OpInfo& op : ir::all_ops()) {
          if (ir::is_default_domain_op(op))
            std::cout << op.name << "  opset>=" << op.since_opset << "  " << ir::cost_class_name(op.cost) << "\n";
          else
            std::cout << op.domain << "::" << op.name << "  version>=" << op.since_opset << "  "
                      << ir::cost_class_name(op.cost) << "\n";
        }
      }
      return Status::Ok();
    };
  });
}

}  // namespace
NPUKIT_CLI_GROUP(ops, register_ops);
}  // namespace npukit::cli
