// SPDX-License-Identifier: Apache-2.0
// Test helper: the real models the NPU e2e tests compile — every model of ../shared/models that quantizes, and
// the torchvision models exported for the peer benchmarks (bench/compile_peers.sh; folder NPUKIT_PEERS_DIR,
// default ~/npukit-peers/models) — with the input shapes they need.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "util/int_model.h"
#include "util/model_runner.h"

namespace npukit::testing {

struct ModelCase {
  std::string name;  ///< test name
  std::string path;  ///< "shared:<relative>" or "peers:<file>"
  std::map<std::string, Shape> shapes;
};

inline void PrintTo(const ModelCase& c, std::ostream* os) {
  *os << c.name;
}

inline std::string peers_dir() {
  if (const char* d = std::getenv("NPUKIT_PEERS_DIR")) return d;
  const char* home = std::getenv("HOME");
  return home ? std::string(home) + "/npukit-peers/models" : "";
}

inline std::vector<ModelCase> npu_model_cases() {
  return {
      {"mnist8", "shared:mnist-8/model.onnx", {}},
      {"squeezenet11", "shared:squeezenet1.1/model.onnx", {}},
      {"super_resolution", "shared:super-resolution-10/model.onnx", {{"input", {1, 1, 224, 224}}}},
      {"ultraface", "shared:ultraface-rfb-320/model.onnx", {}},
      {"ppocr_det", "shared:ppocr-v4/det.onnx", {{"x", {1, 3, 320, 320}}}},
      {"ppocr_cls", "shared:ppocr-v4/cls.onnx", {{"x", {1, 3, 48, 192}}}},
      {"ppocr_rec", "shared:ppocr-v4/rec.onnx", {{"x", {1, 3, 48, 320}}}},
      {"resnet18", "peers:resnet18.onnx", {}},
      {"mobilenet_v2", "peers:mobilenet_v2.onnx", {}},
      {"mobilenet_v2_cifar10", "peers:mobilenet_v2_cifar10.onnx", {}},
      {"shufflenet_v2", "peers:shufflenet_v2_x1_0.onnx", {}},
      {"efficientnet_b0", "peers:efficientnet_b0.onnx", {}},
      {"squeezenet1_1_tv", "peers:squeezenet1_1.onnx", {}},
      {"resnet50", "peers:resnet50.onnx", {}},
  };
}

/// The file of a case, or "" with `why` set to the skip message when it is not on this machine.
inline std::string model_case_path(const ModelCase& c, std::string* why) {
  if (c.path.rfind("shared:", 0) == 0) {
    std::string p = shared_model_path(c.path.substr(7));
    if (p.empty()) *why = "../shared/models/" + c.path.substr(7) + " not found: skipping";
    return p;
  }
  std::string p = peers_dir() + "/" + c.path.substr(6);
  if (!std::filesystem::exists(p)) {
    *why = p + " not found: export the peer models (bench/compile_peers.sh) or set NPUKIT_PEERS_DIR";
    return "";
  }
  return p;
}

/// A case's file loaded (shapes resolved) and quantized to npukit's integer graph (max calibration on one
/// random sample: the values do not matter to the compiler).
inline Expected<ir::Model> integer_model_of_case(const ModelCase& c, const std::string& path) {
  NPUKIT_ASSIGN_OR_RETURN(ir::Model fm, load_resolved(path, c.shapes));
  return quantize_to_integer(std::move(fm), 3, 1);
}

}  // namespace npukit::testing
