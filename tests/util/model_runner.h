// SPDX-License-Identifier: Apache-2.0
// Test helpers for real models in ../shared/models: locate, load + resolve, run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace npukit::testing {

/// Absolute path of a file under ../shared/models, or "" when the shared folder is absent.
std::string shared_model_path(const std::string& relative);

/// pipeline::load_model: import (+ fp16 promotion) + interp::resolve with the given input shapes.
Expected<ir::Model> load_resolved(const std::string& path, const std::map<std::string, Shape>& input_shapes = {});

/// Runs the float reference interpreter on inputs given in runtime-input order.
Expected<std::vector<Tensor>> run_reference(const ir::Model& model, const std::vector<Tensor>& inputs);

}  // namespace npukit::testing

/// Skips the current test with a clear message when a shared file is missing.
#define NPUKIT_REQUIRE_SHARED(path_var, relative)                        \
  std::string path_var = ::npukit::testing::shared_model_path(relative); \
  if (path_var.empty())                                                  \
  GTEST_SKIP() << "../shared/models/" << (relative) << " not found: shared model data absent, skipping this test"
