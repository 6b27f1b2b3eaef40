// SPDX-License-Identifier: Apache-2.0
// e2e tier: the quantized ONNX that `npukit compile` writes (<prefix>_quantized_model.onnx, standard
// QuantizeLinear / DequantizeLinear) runs in ONNX Runtime, and ORT's integer codes agree with npukit's integer
// execution (quant::lower_qdq_to_integer + the reference interpreter) within 1 LSB.
//
// How ORT's codes are obtained (bench/ort, onnxruntime-node, CPU EP, 1 thread, graph optimization 'all').
// With 'all', ORT fuses each QDQ group (DequantizeLinear -> Conv -> QuantizeLinear, ...) into its integer kernels
// (QLinearConv, QLinearMatMul, ...), as in deployment. It fuses a group only if the group's QuantizeLinear output
// has one consumer and is not a graph output, so the codes of a tensor T cannot simply be exposed:
// run_onnx.js --all-quantized (every QuantizeLinear output made a graph output) switches the fusion off and shows
// ORT's float QDQ path (DequantizeLinear -> float op -> QuantizeLinear). Both are compared:
//   * ORT fused (bench/ort/extract_layers.py): per quantized tensor T, a submodel ending in DequantizeLinear(T)
//     (T keeps its single consumer; codes recovered exactly as round(y / scale) + zero_point):
//       - layer_<i>: T's QDQ group alone, fed with npukit's codes of the group's input tensors (dequantized;
//         the group's own QuantizeLinear maps them back to the same codes). Both sides see IDENTICAL input codes,
//         so any difference is that layer's own arithmetic ("single-node", teacher-forced). ASSERTED <= 1 LSB:
//         npukit's integer spec is within 1 LSB of exact real math (docs/QUANTIZATION.md) and ORT rounds a float
//         requantization half to even, so the two can differ by at most 1 where the real value is near a
//         rounding boundary.
//       - prefix_<i>: the whole net from the float input up to T ("free-running"). Differences propagate here:
//         a 1-LSB difference in one layer's output is an input difference for the next one, which a conv can
//         amplify to several LSB. So a tensor is held to <= 1 LSB (ASSERTED) when the codes of its group's inputs
//         are identical in ORT's and npukit's free runs; otherwise the difference is reported as propagated.
//         The quantized tensors that feed the graph outputs are asserted <= 1 LSB end to end where that holds
//         (mnist-8; not squeezenet1.1, whose statistics are printed: see the comment in its test).
//   * ORT float QDQ path (--all-quantized): reported per tensor, and asserted <= 1 LSB where the inputs' codes
//     are identical (this path is exact real math up to f32 rounding, so the same 1-LSB bound applies) and at
//     the tensors that feed the graph outputs.
// ORT's fused kernels are held to these bounds only on CPUs with VNNI: without it ORT's u8 x s8 GEMM saturates
// (see cpu_has_vnni()), measured as tens of LSB on mnist-8. There the fused statistics are printed, not asserted,
// and the fused assertions run on a 7-bit-weight rewrite of the same model (bench/ort/reduce_range.py), where
// the saturation cannot occur; npukit runs that same rewritten file.
// The plain model's float outputs (fused, as deployed) are reported against npukit's in units of the scale of
// the DequantizeLinear that feeds them. Statistics printed per tensor: max |code difference| and the share of
// elements that differ.
// Skips with a clear message when node, bench/ort/node_modules (bench/ort/setup.sh), /usr/bin/python3 + onnx
// or ../shared is missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "interp/interpreter.h"
#include "io/image.h"
#include "io/npy.h"
#include "pipeline/load.h"
#include "quant/lower_qdq.h"
#include "util/cli_fixture.h"
#include "util/mnist.h"
#include "util/model_runner.h"
#include "util/qdq_compare.h"

namespace npukit {
namespace {

namespace fs = std::filesystem;
using TensorMap = std::map<std::string, Tensor>;

bool is_code(DType t) {
  return t == DType::kI8 || t == DType::kU8 || t == DType::kI16;
}

/// Code difference between npukit's codes and ORT's.
struct Diff {
  int64_t elements = 0, off = 0, max_lsb = 0;
  double share() const { return elements ? static_cast<double>(off) / static_cast<double>(elements) : 0.0; }
};

Diff code_diff(const Tensor& a, const std::vector<int64_t>& b) {
  Diff d;
  d.elements = a.numel();
  for (int64_t i = 0; i < a.numel(); ++i) {
    const int64_t e = std::llabs(a.get_as_int64(i) - b[static_cast<size_t>(i)]);
    d.off += e != 0;
    d.max_lsb = std::max(d.max_lsb, e);
  }
  return d;
}

void accumulate(Diff& acc, const Diff& d) {
  acc.elements += d.elements;
  acc.off += d.off;
  acc.max_lsb = std::max(acc.max_lsb, d.max_lsb);
}

/// Per-tensor quantization parameters (activations are per-tensor).
struct QParams {
  double scale = 1;
  int64_t zero_point = 0;
  std::string dtype;  ///< "int8", "uint8", "int16"
};

/// Statistics of one quantized tensor, accumulated over the evaluation inputs.
struct Row {
  Diff single, free, qdq;
  bool single_checked = false, free_checked = false, qdq_checked = false;
  bool inputs_always_identical = true, feeds_output = false;
  std::string op, scales;  ///< npukit op producing the tensor; "input scales -> output scale" (for messages)
};

/// (code - zero_point) * scale in f32: what DequantizeLinear computes; QuantizeLinear maps it back exactly.
Tensor dequantize(const Tensor& codes, const QParams& q) {
  Tensor x(DType::kF32, codes.shape());
  float* px = x.data<float>();
  for (int64_t i = 0; i < codes.numel(); ++i)
    px[i] = static_cast<float>(codes.get_as_int64(i) - q.zero_point) * static_cast<float>(q.scale);
  return x;
}

/// Codes from DequantizeLinear's output y = (q - zp) * s (f32): round(y / s) + zp is exact, because y / s is
/// within a few 1e-7 of an integer of magnitude <= 65535.
std::vector<int64_t> codes_from_dq(const Tensor& y, const QParams& q) {
  std::vector<int64_t> c(static_cast<size_t>(y.numel()));
  for (int64_t i = 0; i < y.numel(); ++i)
    c[static_cast<size_t>(i)] = static_cast<int64_t>(std::nearbyint(y.get_as_double(i) / q.scale)) + q.zero_point;
  return c;
}

bool same_type(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape();
}

std::string shell_quote(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

/// Why the ORT side cannot run here ("" when it can).
std::string ort_missing() {
  if (std::system("command -v node >/dev/null 2>&1") != 0) return "node not found (apt-get install nodejs npm)";
  const fs::path ort = fs::path(NPUKIT_SOURCE_DIR) / "bench/ort/node_modules/onnxruntime-node/package.json";
  if (!fs::exists(ort)) return "onnxruntime-node not installed (run bench/ort/setup.sh or scripts/setup.sh --e2e)";
  if (!testing::python_onnx_available()) return "/usr/bin/python3 with onnx + numpy not found (python3-onnx)";
  return "";
}

/// ORT's x86 u8 x s8 GEMM (QLinearConv, QLinearMatMul) is exact only with VNNI (vpdpbusd, 32-bit sums). Without
/// it MLAS uses AVX2 vpmaddubsw, which adds two u8*s8 products in SATURATING int16 (2 * 255 * 127 > 32767): with
/// full-range int8 weights ORT's fused kernels then differ from exact integer math by many LSB (measured on
/// mnist-8: up to 36 LSB on 20% of a conv's outputs). That is ORT's documented x86 limitation (the reason for
/// onnxruntime.quantization's reduce_range), not an npukit error, so on such CPUs the fused comparison is
/// reported, not asserted, and asserted instead on a 7-bit-weight rewrite (bench/ort/reduce_range.py).
bool cpu_has_vnni() {
  const std::string info = testing::slurp("/proc/cpuinfo");
  return info.find(" avx512_vnni") != std::string::npos || info.find(" avx_vnni") != std::string::npos;
}

/// Op type of the node of `g` that produces value `name` ("?" if none).
std::string producer_op(const ir::Graph& g, const std::string& name) {
  for (const ir::Node* n : g.nodes())
    for (const ir::Value* v : n->outputs())
      if (v && v->name() == name) return n->op_type();
  return "?";
}

class OrtAgreement : public testing::CliTest {
 protected:
  /// Writes cfg.yaml (featuremap input, npy calibration files in cal/, method max) and runs `npukit compile`;
  /// returns the path of the quantized model.
  std::string compile(const std::string& onnx_path) {
    const std::string yaml = "model_parameters:\n  onnx_model: " + onnx_path +
                             "\n  march: nash-e\n  working_dir: out\n"
                             "input_parameters:\n  input_type_train: featuremap\n  input_type_rt: featuremap\n"
                             "  input_layout_train: NCHW\n"
                             "calibration_parameters:\n  cal_data_dir: cal\n  calibration_type: max\n"
                             "compiler_parameters:\n  optimize_level: O2\n";
    EXPECT_TRUE(atomic_write_file((dir_ / "cfg.yaml").string(), yaml).ok());
    auto r = npukit("compile --config cfg.yaml --no-progress");
    EXPECT_EQ(r.rc, 0) << r.err << r.out;
    const fs::path q = dir_ / "out" / "model_quantized_model.onnx";
    EXPECT_TRUE(fs::exists(q)) << r.out << r.err;
    return q.string();
  }

  void save_calibration(const std::vector<Tensor>& samples) {
    fs::create_directories(dir_ / "cal");
    for (size_t k = 0; k < samples.size(); ++k) {
      char name[32];
      std::snprintf(name, sizeof name, "s%03zu.npy", k);
      ASSERT_TRUE(io::save_npy((dir_ / "cal" / name).string(), samples[k]).ok());
    }
  }

  /// Runs `model` in ONNX Runtime via bench/ort/run_onnx.js. feeds: (input name, tensor), or ("", tensor) for
  /// a single-input model; `flags` are extra run_onnx.js options. Returns every output by name.
  Expected<TensorMap> run_ort(const fs::path& model, const std::vector<std::pair<std::string, Tensor>>& feeds,
                              const std::string& tag, const std::string& flags) {
    const fs::path out = dir_ / ("ort_" + tag);
    fs::remove_all(out);
    std::string args;
    for (size_t j = 0; j < feeds.size(); ++j) {
      const fs::path in = dir_ / (tag + "_in" + std::to_string(j) + ".npy");
      NPUKIT_RETURN_IF_ERROR(io::save_npy(in.string(), feeds[j].second));
      args += " " + shell_quote(feeds[j].first.empty() ? in.string() : feeds[j].first + "=" + in.string());
    }
    const std::string script = std::string(NPUKIT_SOURCE_DIR) + "/bench/ort/run_onnx.js";
    const std::string cmd = "node " + shell_quote(script) + " " + shell_quote(model) + " " + shell_quote(out) + args +
                            " --threads 1 " + flags + " >" + shell_quote(dir_ / "ort_log.txt") + " 2>&1";
    if (std::system(cmd.c_str()) != 0)
      return make_error(ErrorCode::kInternal, "run_onnx.js failed: ", cmd, "\n", testing::slurp(dir_ / "ort_log.txt"));
    return read_outputs(out);
  }

  /// run_onnx.js --batch: many models in one node process.
  Status run_batch(const fs::path& jobs) {
    const std::string cmd = "node " + shell_quote(std::string(NPUKIT_SOURCE_DIR) + "/bench/ort/run_onnx.js") +
                            " --batch " + shell_quote(jobs) + " --threads 1 >" + shell_quote(dir_ / "ort_log.txt") +
                            " 2>&1";
    if (std::system(cmd.c_str()) != 0)
      return make_error(ErrorCode::kInternal, "run_onnx.js failed: ", cmd, "\n", testing::slurp(dir_ / "ort_log.txt"));
    return Status();
  }

  /// The outputs run_onnx.js wrote to `out` (outputs.json + one .npy per output), by name.
  Expected<TensorMap> read_outputs(const fs::path& out) {
    const auto index = nlohmann::json::parse(testing::slurp(out / "outputs.json"));
    TensorMap result;
    for (const auto& e : index) {
      NPUKIT_ASSIGN_OR_RETURN(Tensor t, io::load_npy((out / e["file"].get<std::string>()).string()));
      result[e["name"].get<std::string>()] = std::move(t);
    }
    return result;
  }

  /// Loads the quantized model resolved WITHOUT constant folding (folding would turn the DequantizeLinear of the
  /// int8 weights into f32 constants and hide the QDQ weights from the lowering) and lowers it to integer ops.
  Expected<ir::Model> load_integer(const std::string& qmodel) {
    pipeline::LoadOptions lo;
    lo.resolve = false;
    NPUKIT_ASSIGN_OR_RETURN(ir::Model m, pipeline::load_model(qmodel, lo));
    interp::ResolveOptions ro;
    ro.fold_constants = false;
    NPUKIT_RETURN_IF_ERROR(interp::resolve(m, ro));
    quant::LowerQdqStats stats;
    NPUKIT_RETURN_IF_ERROR(quant::lower_qdq_to_integer(m.graph, &stats));
    std::cout << "integer graph:";
    for (const auto& [op, n] : stats.created) std::cout << " " << op << " x" << n;
    std::cout << "; float ops left:";
    for (const std::string& f : stats.float_ops) std::cout << " " << f;
    std::cout << "\n";
    return m;
  }

  /// The whole comparison for one quantized model on a list of evaluation inputs (see the file comment).
  /// assert_fused: hold ORT's fused integer kernels to 1 LSB (see cpu_has_vnni()); the float QDQ path always is.
  /// assert_end_to_end: also hold the tensors that feed the graph outputs to 1 LSB after the whole net.
  void check_model(const std::string& label, const std::string& qmodel, const std::vector<Tensor>& evals,
                   bool assert_fused, bool assert_end_to_end) {
    auto integer = load_integer(qmodel);
    ASSERT_TRUE(integer.ok()) << integer.status().to_string();
    const ir::Graph& ig = integer->graph;
    ASSERT_EQ(ig.inputs().size(), 1u);

    // ORT submodels per quantized tensor.
    const std::string stem = fs::path(qmodel).stem().string();  // distinct per model variant
    const fs::path layers_dir = dir_ / ("layers_" + stem);
    const std::string cmd = "/usr/bin/python3 " +
                            shell_quote(std::string(NPUKIT_SOURCE_DIR) + "/bench/ort/extract_layers.py") + " " +
                            shell_quote(qmodel) + " " + shell_quote(layers_dir) + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const auto layers = nlohmann::json::parse(testing::slurp(layers_dir / "layers.json"));
    ASSERT_FALSE(layers.empty());
    std::map<std::string, QParams> qparams;
    for (const auto& e : layers)
      qparams[e["tensor"]] = {e["scale"][0].get<double>(), e["zero_point"][0].get<int64_t>(),
                              e["dtype"].get<std::string>()};

    std::map<std::string, Row> rows;
    std::vector<std::string> order;
    auto row = [&](const std::string& name) -> Row& {
      auto [it, fresh] = rows.try_emplace(name);
      if (fresh) order.push_back(name);
      return it->second;
    };
    // The quantized tensors that feed each graph output (walking back through float nodes), and the scale of
    // the DequantizeLinear that feeds each float output.
    std::set<std::string> final_codes;
    std::map<std::string, double> final_scale;
    for (const ir::Value* out : ig.outputs()) {
      std::vector<const ir::Value*> stack{out};
      std::set<const ir::Value*> seen;
      while (!stack.empty()) {
        const ir::Value* v = stack.back();
        stack.pop_back();
        if (!v || v->is_constant() || !seen.insert(v).second) continue;
        if (is_code(v->dtype())) {
          final_codes.insert(v->name());
          continue;
        }
        const ir::Node* p = v->producer();
        if (!p) continue;
        if (p->op() == ir::OpKind::kDequantizeLinear && p->input(0) && qparams.count(p->input(0)->name()))
          final_scale[out->name()] = std::max(final_scale[out->name()], qparams[p->input(0)->name()].scale);
        for (const ir::Value* in : p->inputs()) stack.push_back(in);
      }
    }
    ASSERT_FALSE(final_codes.empty()) << "no quantized tensor feeds the outputs of " << qmodel;

    int skipped = 0;
    for (size_t k = 0; k < evals.size(); ++k) {
      const std::string tag = stem + "_" + std::to_string(k);
      auto mine = testing::run_all(ig, {evals[k]});
      ASSERT_TRUE(mine.ok()) << mine.status().to_string();
      auto code_of = [&](const std::string& name) -> const Tensor* {
        auto it = mine->find(name);
        return it != mine->end() && is_code(it->second.dtype()) ? &it->second : nullptr;
      };

      // (1) ORT fused, per layer (teacher-forced on npukit's codes) and per prefix (free-running): all submodels
      // in one run_onnx.js --batch process.
      const fs::path eval_npy = dir_ / (tag + "_eval.npy");
      ASSERT_TRUE(io::save_npy(eval_npy.string(), evals[k]).ok());
      nlohmann::json jobs = nlohmann::json::array();
      std::map<std::string, fs::path> layer_out, prefix_out;
      for (size_t i = 0; i < layers.size(); ++i) {
        const auto& e = layers[i];
        const std::string t = e["tensor"];
        if (!code_of(t)) continue;  // e.g. a DequantizeLinear -> QuantizeLinear pair that the lowering removed
        nlohmann::json inputs = nlohmann::json::array();
        bool fed = true;
        for (size_t j = 0; j < e["layer_inputs"].size(); ++j) {
          const auto& in = e["layer_inputs"][j];
          const std::string name = in["name"];
          if (in["code"].is_null()) {
            inputs.push_back(name + "=" + eval_npy.string());
          } else if (const Tensor* c = code_of(in["code"]); c && qparams.count(in["code"])) {
            const fs::path f = dir_ / (tag + "_L" + std::to_string(i) + "_in" + std::to_string(j) + ".npy");
            ASSERT_TRUE(io::save_npy(f.string(), dequantize(*c, qparams[in["code"]])).ok());
            inputs.push_back(name + "=" + f.string());
          } else {
            fed = false;
          }
        }
        if (fed) {
          layer_out[t] = dir_ / (tag + "_L" + std::to_string(i));
          jobs.push_back({{"model", (layers_dir / e["layer"].get<std::string>()).string()},
                          {"out", layer_out[t].string()},
                          {"inputs", inputs}});
        }
        prefix_out[t] = dir_ / (tag + "_P" + std::to_string(i));
        jobs.push_back({{"model", (layers_dir / e["prefix"].get<std::string>()).string()},
                        {"out", prefix_out[t].string()},
                        {"inputs", {eval_npy.string()}}});
      }
      ASSERT_TRUE(atomic_write_file((dir_ / (tag + "_jobs.json")).string(), jobs.dump(1)).ok());
      ASSERT_TRUE(run_batch(dir_ / (tag + "_jobs.json")).ok());

      std::map<std::string, std::vector<int64_t>> ort_free;
      for (const auto& e : layers) {
        const std::string t = e["tensor"];
        const Tensor* my_t = code_of(t);
        if (!my_t) {
          skipped += k == 0;
          continue;
        }
        const QParams& qp = qparams[t];
        Row& r = row(t);
        r.feeds_output = final_codes.count(t) > 0;
        if (r.scales.empty()) {
          std::ostringstream os;
          for (const auto& in : e["layer_inputs"])
            if (!in["code"].is_null() && qparams.count(in["code"])) os << qparams[in["code"]].scale << " ";
          os << "-> " << qp.scale;
          r.scales = os.str();
          r.op = producer_op(ig, t);
        }
        if (layer_out.count(t)) {
          auto y = read_outputs(layer_out[t]);
          ASSERT_TRUE(y.ok()) << y.status().to_string();
          auto codes = codes_from_dq(y->at(e["output"]), qp);
          ASSERT_EQ(static_cast<int64_t>(codes.size()), my_t->numel()) << t;
          r.single_checked = true;
          accumulate(r.single, code_diff(*my_t, codes));
        } else {
          skipped += k == 0;
        }
        auto y = read_outputs(prefix_out[t]);
        ASSERT_TRUE(y.ok()) << y.status().to_string();
        ort_free[t] = codes_from_dq(y->at(e["output"]), qp);
        ASSERT_EQ(static_cast<int64_t>(ort_free[t].size()), my_t->numel()) << t;
        const Diff d = code_diff(*my_t, ort_free[t]);
        accumulate(r.free, d);
        r.free_checked = true;
        // Were the codes of this group's inputs identical in both free runs?
        bool inputs_identical = true;
        for (const auto& in : e["layer_inputs"])
          if (!in["code"].is_null()) {
            auto it = ort_free.find(in["code"]);
            const Tensor* c = code_of(in["code"]);
            inputs_identical = inputs_identical && it != ort_free.end() && c && code_diff(*c, it->second).off == 0;
          }
        if (!inputs_identical) r.inputs_always_identical = false;
        if (inputs_identical && assert_fused) {
          EXPECT_LE(d.max_lsb, 1) << label << " input " << k << ": " << t << " (ORT fused, free-running) differs by "
                                  << d.max_lsb << " LSB although the codes of its inputs are identical";
        }
      }

      // (2) ORT's float QDQ path: every QuantizeLinear output exposed.
      auto qdq = run_ort(qmodel, {{"", evals[k]}}, tag + "_all", "--all-quantized");
      ASSERT_TRUE(qdq.ok()) << qdq.status().to_string();
      for (const auto& e : layers) {
        const std::string t = e["tensor"];
        const Tensor* my_t = code_of(t);
        auto it = qdq->find(t);
        if (!my_t || it == qdq->end()) continue;
        ASSERT_TRUE(same_type(*my_t, it->second)) << t;
        std::vector<int64_t> codes(it->second.numel());
        for (int64_t i = 0; i < it->second.numel(); ++i) codes[i] = it->second.get_as_int64(i);
        const Diff d = code_diff(*my_t, codes);
        Row& r = row(t);
        r.qdq_checked = true;
        accumulate(r.qdq, d);
        bool inputs_identical = true;
        for (const auto& in : e["layer_inputs"])
          if (!in["code"].is_null()) {
            auto jt = qdq->find(in["code"]);
            const Tensor* c = code_of(in["code"]);
            inputs_identical = inputs_identical && jt != qdq->end() && c && c->bit_equal(jt->second);
          }
        if (inputs_identical) {
          EXPECT_LE(d.max_lsb, 1) << label << " input " << k << ": " << t << " (ORT float QDQ path) differs by "
                                  << d.max_lsb << " LSB although the codes of its inputs are identical";
        }
      }

      // (3) The plain model as deployed: float outputs.
      auto plain = run_ort(qmodel, {{"", evals[k]}}, tag + "_plain", "");
      ASSERT_TRUE(plain.ok()) << plain.status().to_string();
      for (const ir::Value* out : ig.outputs()) {
        auto o = plain->find(out->name());
        auto m = mine->find(out->name());
        ASSERT_TRUE(o != plain->end() && m != mine->end()) << out->name();
        ASSERT_TRUE(same_type(o->second, m->second)) << out->name();
        double max_abs = 0;
        for (int64_t i = 0; i < o->second.numel(); ++i)
          max_abs = std::max(max_abs, std::fabs(o->second.get_as_double(i) - m->second.get_as_double(i)));
        std::cout << label << " input " << k << ": output " << out->name() << " max |ORT - npukit| = " << max_abs;
        if (final_scale.count(out->name()))
          std::cout << " = " << max_abs / final_scale[out->name()] << " x scale " << final_scale[out->name()]
                    << " of its last DequantizeLinear";
        std::cout << "\n";
      }
    }

    // Per-tensor table.
    std::cout << label << ": ORT (onnxruntime-node, opt 'all') vs npukit integer graph, " << evals.size()
              << " input(s). LSB = max |code difference|, off = share of elements that differ.\n"
              << "  layer = ORT fused group on npukit's input codes; free = whole net (fused); qdq = ORT float QDQ "
                 "path, whole net\n";
    std::printf("  %-44s %5s %9s %5s %9s %5s %9s %s\n", "tensor", "layer", "off", "free", "off", "qdq", "off",
                "free inputs");
    Diff all_single, all_free, all_qdq;
    int singles = 0;
    auto cell = [](bool checked, const Diff& d) {
      char buf[64];
      if (!checked) return std::string("    -         -");
      std::snprintf(buf, sizeof buf, "%5lld %8.4f%%", static_cast<long long>(d.max_lsb), 100 * d.share());
      return std::string(buf);
    };
    for (const std::string& name : order) {
      const Row& r = rows[name];
      if (r.single_checked) ++singles, accumulate(all_single, r.single);
      if (r.free_checked) accumulate(all_free, r.free);
      if (r.qdq_checked) accumulate(all_qdq, r.qdq);
      std::printf("  %-44s %s %s %s %s%s\n", name.c_str(), cell(r.single_checked, r.single).c_str(),
                  cell(r.free_checked, r.free).c_str(), cell(r.qdq_checked, r.qdq).c_str(),
                  r.inputs_always_identical ? "identical" : "differ", r.feeds_output ? " [feeds output]" : "");
    }
    std::printf(
        "  total: layer max %lld LSB, %.4f%% of %lld differ; free max %lld LSB, %.4f%% differ; "
        "qdq max %lld LSB, %.4f%% differ; %d tensor(s) not compared\n",
        static_cast<long long>(all_single.max_lsb), 100 * all_single.share(),
        static_cast<long long>(all_single.elements), static_cast<long long>(all_free.max_lsb), 100 * all_free.share(),
        static_cast<long long>(all_qdq.max_lsb), 100 * all_qdq.share(), skipped);
    std::fflush(stdout);

    EXPECT_GT(singles, 0);
    for (const auto& [name, r] : rows) {
      // ORT's float QDQ path, end to end: the quantized tensors that feed the graph outputs (the per-tensor
      // check where the inputs are identical is in the loop above).
      EXPECT_TRUE(r.qdq_checked) << name;
      if (r.feeds_output && assert_end_to_end) {
        EXPECT_LE(r.qdq.max_lsb, 1) << label << ": " << name << " (feeds an output) differs from ORT's float QDQ "
                                    << "path by " << r.qdq.max_lsb << " LSB after the whole net";
      }
      if (!assert_fused) continue;
      // ORT fused, per layer on identical input codes.
      if (r.single_checked) {
        EXPECT_LE(r.single.max_lsb, 1) << label << ": ORT's fused layer producing " << name << " (npukit " << r.op
                                       << ", scales " << r.scales << ", " << 100 * r.single.share()
                                       << "% of elements differ) disagrees with npukit by more than 1 LSB on the "
                                          "same input codes";
      }
      // ORT fused, end to end: the quantized tensors that feed the graph outputs.
      if (r.feeds_output && assert_end_to_end) {
        EXPECT_LE(r.free.max_lsb, 1) << label << ": " << name << " (feeds an output) differs from ORT by "
                                     << r.free.max_lsb << " LSB after the whole net";
      }
    }
  }

  /// check_model on the compiled model; without VNNI also on its 7-bit-weight rewrite (see cpu_has_vnni()).
  void check_all(const std::string& label, const std::string& qmodel, const std::vector<Tensor>& evals,
                 bool assert_end_to_end) {
    const bool vnni = cpu_has_vnni();
    std::cout << label << ": CPU " << (vnni ? "has" : "lacks") << " VNNI: ORT's fused integer kernels are "
              << (vnni ? "asserted" : "reported only (u8s8 saturation), and asserted on 7-bit weights") << "\n";
    check_model(label, qmodel, evals, vnni, assert_end_to_end);
    if (vnni || HasFatalFailure()) return;
    const std::string q7 = (dir_ / "quantized_7bit_weights.onnx").string();
    const std::string cmd = "/usr/bin/python3 " +
                            shell_quote(std::string(NPUKIT_SOURCE_DIR) + "/bench/ort/reduce_range.py") + " " +
                            shell_quote(qmodel) + " " + shell_quote(q7) + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    check_model(label + " (7-bit weights)", q7, evals, true, assert_end_to_end);
  }
};

TEST_F(OrtAgreement, Mnist8) {
  NPUKIT_REQUIRE_SHARED(mnist_dir, "mnist-8");
  if (const std::string why = ort_missing(); !why.empty()) GTEST_SKIP() << "ONNX Runtime unavailable: " << why;
  auto mnist = testing::load_mnist_test_set(mnist_dir);
  ASSERT_TRUE(mnist.ok()) << mnist.status().to_string();
  // Calibration on the first 50 test digits (raw 0..255, as mnist-8 expects); evaluation on 2 later ones.
  std::vector<Tensor> cal, evals;
  for (uint32_t k = 0; k < 50; ++k) cal.push_back(mnist->digit(k));
  for (uint32_t k : {9000u, 9001u}) evals.push_back(mnist->digit(k));
  save_calibration(cal);
  const std::string q = compile(mnist_dir + "/model.onnx");
  ASSERT_FALSE(HasFailure());
  // Measured: 0 LSB everywhere against ORT's float QDQ path and ORT's fused kernels on 7-bit weights.
  check_all("mnist-8", q, evals, /*assert_end_to_end=*/true);
}

TEST_F(OrtAgreement, Squeezenet11) {
  NPUKIT_REQUIRE_SHARED(model, "squeezenet1.1/model.onnx");
  if (const std::string why = ort_missing(); !why.empty()) GTEST_SKIP() << "ONNX Runtime unavailable: " << why;
  const fs::path images = fs::path(NPUKIT_SHARED_DIR) / "images";
  if (!fs::exists(images / "kitten_224.png")) GTEST_SKIP() << images << " not found: shared images absent";
  // squeezenet1.1 input: BGR 0..255 minus the per-channel mean (104, 117, 123), shorter side 256, centre crop 224
  // (shared/README.md).
  io::ImagePreprocess pp;
  pp.height = pp.width = 224;
  pp.resize_short = 256;
  pp.order = io::ChannelOrder::kBGR;
  pp.mean = {104.f, 117.f, 123.f};
  auto load = [&](const char* file) {
    auto t = io::load_image((images / file).string(), pp);
    EXPECT_TRUE(t.ok()) << file << ": " << t.status().to_string();
    return t.ok() ? *t : Tensor();
  };
  std::vector<Tensor> cal, evals;
  for (const char* f :
       {"dog.jpg", "eagle.jpg", "giraffe.jpg", "horses.jpg", "person.jpg", "goldfish.jpg", "daisy.jpg", "piano.jpg"})
    cal.push_back(load(f));
  for (const char* f : {"kitten_224.png", "wolves.jpg"}) evals.push_back(load(f));
  ASSERT_FALSE(HasFailure());
  save_calibration(cal);
  const std::string q = compile(model);
  ASSERT_FALSE(HasFailure());
  // End to end NOT asserted, because it does not hold (measured, onnxruntime-node 1.30.0, kitten + wolves): the
  // conv / concat / max-pool layers agree within 1 LSB on identical input codes (one element of fire3/expand3x3
  // is 1 LSB off, all else identical), but that single difference propagates through fire4..fire9 to up to
  // 6 LSB (fire9/expand1x1) and 4 LSB at conv10 (~6.6% of its codes differ), the same against ORT's fused
  // kernels and its float QDQ path. The statistics are printed instead.
  check_all("squeezenet1.1", q, evals, /*assert_end_to_end=*/false);
}

}  // namespace
}  // namespace npukit
