// SPDX-License-Identifier: Apache-2.0
// frontend: ONNX export of the IR (canonical form, default-domain opset ir::kCanonicalOpset).
#pragma once

#include <string>

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::frontend {

/// Serialises a model to ONNX bytes. Provenance is kept in each node's doc_string / metadata so a
/// re-import restores it.
Expected<std::string> serialize_onnx(const ir::Model& model);
/// Writes the model atomically to `path`.
Status save_onnx(const ir::Model& model, const std::string& path);

}  // namespace npukit::frontend
