// SPDX-License-Identifier: Apache-2.0
// ONNX backend conformance: every test under <libonnx-testdata>/{node,pytorch-*,simple} whose ops are all in
// npukit's op table ("claimed") is imported with the frontend, resolved with the shapes of its
// input .pb files, run with the float reference interpreter and compared with output_N.pb.
// Tests known to fail are listed with a reason in tests/conformance/exceptions.txt; an exception
// that passes is an error too, so the list stays honest.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "frontend/onnx_import.h"
#include "interp/interpreter.h"
#include "ir/op_table.h"
#include "util/compare.h"

namespace fs = std::filesystem;

namespace npukit {
namespace {

// The ONNX backend test runner's default tolerances (onnx/backend/test/runner: rtol=1e-3, atol=1e-7).
// Our reference kernels compute in f32 like the reference outputs, so we use them unchanged.
constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-7;

std::map<std::string, std::string> read_exceptions() {
  std::map<std::string, std::string> m;
  std::ifstream f(std::string(NPUKIT_SOURCE_DIR) + "/tests/conformance/exceptions.txt");
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    std::string name;
    is >> name;
    std::string reason;
    std::getline(is, reason);
    reason.erase(0, reason.find_first_not_of(" \t"));
    m[name] = reason;
  }
  return m;
}

void collect_ops(const onnx::GraphProto& g, std::set<std::string>& ops, bool& foreign) {
  for (const auto& n : g.node()) {
    if (!n.domain().empty() && n.domain() != "ai.onnx") foreign = true;
    ops.insert(n.op_type());
    for (const auto& a : n.attribute()) {
      if (a.has_g()) collect_ops(a.g(), ops, foreign);
      for (const auto& sg : a.graphs()) collect_ops(sg, ops, foreign);
    }
  }
}

// How many leading runtime inputs stay runtime inputs; the rest are frozen into constants.
// npukit compiles static graphs: tensors that decide a shape (Reshape's shape, Slice's starts,
// Resize's scales, ...) must be known at compile time, as they are in real models. The backend
// tests feed them as graph inputs, so a test whose graph cannot be resolved with them as runtime
// inputs is retried with them frozen to the test's values (first everything after input 0, then
// all inputs); the kernels run either way.
std::string run_one(const fs::path& dir, size_t keep_runtime, bool* shape_input_error) {
  auto model = frontend::load_onnx((dir / "model.onnx").string());
  if (!model.ok()) return "import: " + model.status().to_string();
  fs::path data = dir / "test_data_set_0";
  std::vector<Tensor> inputs, outputs;
  for (int i = 0;; ++i) {
    fs::path p = data / ("input_" + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    auto t = frontend::load_tensor_pb(p.string());
    if (!t.ok()) return "input " + std::to_string(i) + ": " + t.status().to_string();
    inputs.push_back(*t);
  }
  for (int i = 0;; ++i) {
    fs::path p = data / ("output_" + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    auto t = frontend::load_tensor_pb(p.string());
    if (!t.ok()) return "output " + std::to_string(i) + ": " + t.status().to_string();
    outputs.push_back(*t);
  }
  ir::Model& m = *model;
  std::vector<ir::Value*> runtime_inputs;
  for (ir::Value* v : m.graph.inputs())
    if (!v->is_constant()) runtime_inputs.push_back(v);
  if (runtime_inputs.size() != inputs.size())
    return "graph has " + std::to_string(runtime_inputs.size()) + " runtime inputs but the test gives " +
           std::to_string(inputs.size());
  interp::ResolveOptions ro;
  std::vector<Tensor> feed;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (i < keep_runtime) {
      ro.input_shapes[runtime_inputs[i]->name()] = inputs[i].shape();
      feed.push_back(inputs[i]);
    } else {
      m.graph.remove_input(runtime_inputs[i]);
      runtime_inputs[i]->set_constant(inputs[i]);
    }
  }
  Status st = interp::resolve(m, ro);
  if (!st.ok()) {
    *shape_input_error = st.message().find("must be constant") != std::string::npos;
    return "resolve: " + st.to_string();
  }
  interp::Interpreter it(m.graph);
  auto got = it.run(feed);
  if (!got.ok()) return "run: " + got.status().to_string();
  if (got->size() != outputs.size())
    return "produced " + std::to_string(got->size()) + " outputs, expected " + std::to_string(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string diff = testing::compare_tensors((*got)[i], outputs[i], kRtol, kAtol);
    if (!diff.empty()) return "output " + std::to_string(i) + ": " + diff;
  }
  return "";
}

// Returns "" if the test passes, else the reason it failed. *frozen is set when the test needed
// shape-deciding inputs frozen into constants.
std::string run_one(const fs::path& dir, bool* frozen) {
  bool shape_err = false;
  *frozen = false;
  std::string why = run_one(dir, SIZE_MAX, &shape_err);
  if (why.empty() || !shape_err) return why;
  *frozen = true;
  shape_err = false;
  why = run_one(dir, 1, &shape_err);
  if (why.empty() || !shape_err) return why;
  return run_one(dir, 0, &shape_err);
}

// Ops the frontend rewrites into table ops (so tests of them are claimed too).
bool importable_op(const std::string& op) {
  return ir::find_op(op) || op == "Upsample";
}

// Runs one suite of libonnx-testdata (node, pytorch-converted, pytorch-operator, simple).
class OnnxBackendSuite : public ::testing::TestWithParam<const char*> {};

TEST_P(OnnxBackendSuite, AllClaimedTestsPass) {
  const std::string suite = GetParam();
  fs::path root = fs::path(NPUKIT_ONNX_TESTDATA_DIR) / suite;
  if (!fs::exists(root))
    GTEST_SKIP() << "ONNX backend test data not found at " << root
                 << " (apt-get install libonnx-testdata; scripts/setup.sh does)";
  auto exceptions = read_exceptions();
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && fs::exists(e.path() / "model.onnx")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());

  int passed = 0, failed = 0, excepted = 0, unclaimed = 0, frozen_count = 0;
  std::map<std::string, int> unclaimed_ops;
  for (const fs::path& dir : dirs) {
    const std::string name = suite + "/" + dir.filename().string();
    onnx::ModelProto mp;
    {
      std::ifstream f(dir / "model.onnx", std::ios::binary);
      if (!mp.ParseFromIstream(&f)) {
        ADD_FAILURE() << name << ": cannot parse model.onnx";
        continue;
      }
    }
    std::set<std::string> ops;
    bool foreign = false;
    collect_ops(mp.graph(), ops, foreign);
    bool claimed = !foreign;
    for (const auto& op : ops)
      if (!importable_op(op)) {
        claimed = false;
        ++unclaimed_ops[op];
      }
    if (!claimed) {
      ++unclaimed;
      continue;
    }
    bool frozen = false;
    std::string why = run_one(dir, &frozen);
    auto ex = exceptions.find(name);
    if (ex != exceptions.end()) {
      if (why.empty())
        ADD_FAILURE() << name << " passes but is listed in exceptions.txt (" << ex->second << "): remove it";
      else
        ++excepted;
      continue;
    }
    if (why.empty()) {
      ++passed;
      frozen_count += frozen;
    } else {
      ++failed;
      ADD_FAILURE() << name << ": " << why;
    }
  }
  for (const auto& [name, reason] : exceptions)
    if (name.rfind(suite + "/", 0) == 0 && !fs::exists(fs::path(NPUKIT_ONNX_TESTDATA_DIR) / name))
      ADD_FAILURE() << "exceptions.txt names " << name << ", which is not in the test data";

  std::cout << "ONNX backend conformance (" << suite << "): " << passed << " passed, " << failed << " failed, "
            << excepted << " listed exceptions, " << unclaimed << " not claimed (ops outside the table), of "
            << dirs.size() << " tests\n";
  std::cout << "  (" << frozen_count << " of the passing tests feed shape-deciding tensors as constants)\n";
  if (!unclaimed_ops.empty()) {
    std::cout << "  ops outside the table (tests):";
    for (const auto& [op, n] : unclaimed_ops) std::cout << ' ' << op << '(' << n << ')';
    std::cout << "\n";
  }
  EXPECT_GT(passed, 0);
}

INSTANTIATE_TEST_SUITE_P(LibOnnxTestdata, OnnxBackendSuite,
                         ::testing::Values("node", "pytorch-converted", "pytorch-operator", "simple"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace npukit
