// SPDX-License-Identifier: Apache-2.0
// npukit config: helpers shared by the parser, the dump and the model checks (not a public API).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "config/compile_config.h"
#include "core/text.h"

namespace npukit::config::detail {

/// One spelling ↔ value row of an enum table.
template <class E>
struct EnumRow {
  const char* name;
  E value;
};

extern const std::vector<EnumRow<March>> kMarchRows;
extern const std::vector<EnumRow<InputType>> kTrainTypeRows;  ///< input_type_train values (no nv12)
extern const std::vector<EnumRow<InputType>> kRtTypeRows;     ///< input_type_rt values
extern const std::vector<EnumRow<Layout>> kLayoutRows;
extern const std::vector<EnumRow<SpaceAndRange>> kSpaceRows;
extern const std::vector<EnumRow<NormType>> kNormRows;
extern const std::vector<EnumRow<CalibrationType>> kCalibRows;
extern const std::vector<EnumRow<CompileMode>> kCompileModeRows;
extern const std::vector<EnumRow<OptimizeLevel>> kOptLevelRows;
extern const std::vector<EnumRow<InputSource>> kInputSourceRows;
extern const std::vector<EnumRow<Device>> kDeviceRows;
extern const std::vector<EnumRow<NodeDType>> kNodeDTypeRows;
extern const std::vector<EnumRow<DebugMode>> kDebugModeRows;  ///< without kNone (not writable)
extern const std::vector<std::string> kRemovableNodeTypes;

template <class E>
std::vector<std::string> row_names(const std::vector<EnumRow<E>>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.name);
  return out;
}

/// Edit distance (insertions, deletions, substitutions, adjacent transpositions), case-insensitive.
int edit_distance(const std::string& a, const std::string& b);
/// The candidate closest to `word` if it is close enough to be a plausible typo, else "".
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);
/// " Did you mean 'x'?" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

/// Whether input_type_rt `rt` may serve a model trained on `train` (the reference's combination table).
bool type_combination_allowed(InputType train, InputType rt);
/// The input_type_rt values allowed for a given input_type_train.
std::vector<std::string> allowed_rt_for(InputType train);

/// "input 'data'" or "input #0" when input_name is not given.
std::string input_label(const CompileConfig& c, size_t i);
/// "1x3x224x224"
std::string shape_str(const Shape& s);

/// Checks of one input that depend on its (known, static) shape: image rank/channels, nv12 even H/W,
/// featuremap norm_type rank rule, mean/scale channel counts, input_batch first dim.
/// `prefix` is "<file>" for messages; `origin` says where the shape came from ("input_shape", "model").
Status check_input_shape(const CompileConfig& c, size_t i, const Shape& shape, const std::string& origin);

// ---- YAML / JSON text helpers (yaml_util.cpp) ----
/// Whitespace trimmed at both ends.
std::string trim(const std::string& s);
/// "a list", "a mapping", "null" or "a value", for messages.
const char* kind_of(const YAML::Node& n);
/// Strips `//` line comments outside strings so commented JSON (the reference's quant_config template)
/// becomes JSON, which yaml-cpp reads as YAML flow style.
std::string strip_json_comments(const std::string& s);
/// Loads YAML text; syntax errors become kInvalidArgument "<name>:<line>:<col>: YAML syntax error: ...".
Expected<YAML::Node> load_yaml(const std::string& text, const std::string& name);
/// The quant_config document (a JSON/YAML node) as a QuantConfig; errors name `name` and the key.
Expected<QuantConfig> quant_config_from_node(const YAML::Node& root, const std::string& name);

}  // namespace npukit::config::detail
