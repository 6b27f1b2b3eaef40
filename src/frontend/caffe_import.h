// SPDX-License-Identifier: Apache-2.0
// frontend: Caffe 1.0 import. A Caffe model is two files: the text prototxt (NetParameter: the
// topology, which this importer follows) and the binary .caffemodel (a NetParameter whose layers carry
// the trained blobs, matched to the prototxt's layers by name). The result is the same canonical IR
// the ONNX importer produces (see src/ops.def); docs/CAFFE.md lists the layers and their mapping.
#pragma once

#include <string>

#include "core/status.h"
#include "frontend/onnx_import.h"
#include "ir/graph.h"

namespace npukit::frontend {

/// Loads a Caffe model from a prototxt + caffemodel pair. The result is verified and fully typed
/// (Caffe declares static input shapes). Errors name the file, line (prototxt syntax), layer and type:
/// missing file → kNotFound, unreadable → kIoError (core read_file); syntax error, truncated/corrupt caffemodel,
/// missing blobs, dangling bottoms, legacy V1/V0 prototxt → kInvalidModel; unknown layer type → kUnsupportedOp;
/// unsupported parameter value → kUnsupportedAttr; blob or blob-vs-input shape disagreement → kShapeMismatch.
Expected<ir::Model> import_caffe(const std::string& prototxt_path, const std::string& caffemodel_path,
                                 const ImportOptions& options = {});

/// Same from memory: `prototxt_text` is the text NetParameter, `caffemodel_bytes` the binary one
/// (empty = no weights: any layer that needs blobs then fails). The names are used in messages.
Expected<ir::Model> parse_caffe(const std::string& prototxt_text, const std::string& prototxt_name,
                                const std::string& caffemodel_bytes, const std::string& caffemodel_name,
                                const ImportOptions& options = {});

}  // namespace npukit::frontend
