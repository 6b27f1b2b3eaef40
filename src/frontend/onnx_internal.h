// SPDX-License-Identifier: Apache-2.0
// frontend (internal): helpers shared by the ONNX importer, the canonicaliser and the exporter.
// This header includes the protobuf classes and must not be included outside src/frontend/.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/attrs.h"
#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace npukit::frontend::detail {

/// Key of the node doc_string line that carries provenance through export → import.
inline constexpr const char* kOriginTag = "npukit.origin";

// ---- dtypes (tensor_proto.cpp) ----
/// Maps an onnx.TensorProto.DataType value to a DType; kUndefined for types npukit does not hold
/// (complex, bfloat16, ...), kString for STRING (so callers can reject it by name).
DType dtype_from_onnx(int32_t onnx_type);
/// Inverse of dtype_from_onnx (0 = UNDEFINED for kUndefined / kString).
int32_t dtype_to_onnx(DType t);
/// "FLOAT", "INT64", ... for messages.
std::string onnx_dtype_name(int32_t onnx_type);

// ---- TensorProto <-> Tensor (tensor_proto.cpp) ----
/// Where tensor bytes come from and how much a file may declare in total.
struct TensorSource {
  std::string what;               ///< "initializer 'w'" — used in every message
  std::string base_dir;           ///< folder of the model file (external data); empty disables external data
  size_t* byte_budget = nullptr;  ///< remaining bytes the model may declare; decremented (nullptr: no limit)
};
/// Decodes a TensorProto (raw_data, typed *_data fields, or external data). Validates dims
/// (negative → kInvalidModel, too many elements → kOutOfRange) and data sizes before allocating.
Expected<Tensor> tensor_from_proto(const onnx::TensorProto& tp, const TensorSource& src);
/// Encodes a tensor as raw_data (little-endian host layout, as ONNX requires).
void tensor_to_proto(const Tensor& t, const std::string& name, onnx::TensorProto* tp);

/// Parses protobuf bytes with explicit limits (2 GiB total, bounded recursion). False on failure.
bool parse_message(const std::string& bytes, google::protobuf::Message* msg);

// ---- importer state shared with the canonicaliser (onnx_import.cpp / onnx_normalize.cpp) ----
struct ImportState {
  std::string file;        ///< name used in messages
  std::string base_dir;    ///< folder for external data
  int opset = 0;           ///< default-domain opset
  int npukit_opset = 0;    ///< version of the "npukit" domain declared in opset_import (0: not declared)
  size_t byte_budget = 0;  ///< remaining tensor bytes allowed
};

/// Per-graph bookkeeping while a graph is being built.
struct GraphBuild {
  ir::Graph* graph = nullptr;
  std::set<std::string> node_names;      ///< node names already used in this graph
  std::unordered_set<std::string> used;  ///< tensor names read by any node (any depth) or graph output
  /// Returns `hint` or `hint_1`, `hint_2`, ... so that node names stay unique in the graph.
  std::string unique_node_name(const std::string& hint);
};

/// One ONNX node with names resolved to IR values, before canonicalisation.
struct RawNode {
  std::string op_type;
  std::string domain;  ///< "" for the default ONNX domain ("ai.onnx" is stored as ""), or ir::kNpukitDomain
  std::string name;    ///< unique IR node name
  std::vector<std::string> origin;  ///< provenance (ONNX node name, or names restored from doc_string)
  std::vector<ir::Value*> inputs;   ///< nullptr = absent optional input
  std::vector<ir::Value*> outputs;  ///< nullptr = absent optional output (empty name)
  Attrs attrs;
  std::map<std::string, std::unique_ptr<ir::Graph>> subgraphs;
};

/// Rewrites one node into the canonical form of src/ops.def and appends the resulting IR node(s)
/// to the graph (Constant nodes become constant values, no node). Fills attribute defaults via
/// ir::normalize_attrs. (onnx_normalize.cpp)
Status canonicalize_and_emit(ImportState& st, GraphBuild& gb, RawNode rn);

/// Inlines every `If` whose condition is a constant (recursively, subgraphs first). (onnx_import.cpp)
Status fold_constant_ifs(ir::Graph& g);

/// Unlinks every node of `g` (recursively) from the values it reads, so destroying `g` leaves no
/// stale use-list entries in enclosing graphs.
void detach_graph(ir::Graph& g);

}  // namespace npukit::frontend::detail
