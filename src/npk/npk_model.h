// SPDX-License-Identifier: Apache-2.0
// npk: the deployable model — everything a runtime needs, nothing of the compiler. See program.h for the
// command streams and docs/MODEL_FORMAT.md for the file layout (npk_file.h reads and writes it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "npk/program.h"

namespace npukit::npk {

/// Current .npk format version (major: incompatible layout change; readers reject other majors).
inline constexpr uint32_t kFormatMajor = 1;
inline constexpr uint32_t kFormatMinor = 0;

/// One model input or output as the application sees it.
struct IoDesc {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  std::string layout;          ///< "NCHW", "NHWC" or "" (not an image)
  std::string source = "ddr";  ///< inputs: "ddr", "pyramid" or "resizer"; outputs: "ddr"
  std::string input_type;      ///< inputs: runtime format (input_type_rt), e.g. "nv12", "rgb", "featuremap"
  bool operator==(const IoDesc&) const = default;
};

struct NpkModel {
  std::string model_name;  ///< output_model_file_prefix
  std::string npukit_version;
  /// The hybrid integer graph (resolved, topologically sorted). Constant values hold the weights.
  ir::Model model;
  std::vector<Segment> segments;
  std::vector<Program> programs;
  std::vector<Placement> placement;  ///< one per node, Graph::nodes() order
  std::vector<IoDesc> inputs, outputs;
  std::string march_name;
  std::string march_yaml;            ///< march::to_yaml of the spec compiled for
  std::string compile_options_json;  ///< the compiler_parameters in effect (JSON object text)
  std::string preprocess_json;       ///< the folded input preprocessing (JSON object text)
};

}  // namespace npukit::npk
