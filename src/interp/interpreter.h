// SPDX-License-Identifier: Apache-2.0
// interp: shape resolution / constant folding and the float reference interpreter over the IR,
// built on kernels/ref. This is the oracle every other executor is tested against.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "kernels/ref/ref_kernels.h"

namespace npukit::interp {

/// Reference kernel for an op kind (expanded from ops.def).
ref::RefKernelFn ref_kernel(ir::OpKind kind);

struct ResolveOptions {
  /// Shapes for graph inputs, by name: override declared shapes and resolve dynamic dims.
  std::map<std::string, Shape> input_shapes;
  /// Fold nodes whose inputs are all constant (needed to resolve shape subgraphs). DequantizeLinear is
  /// never folded: on a constant it is a quantized weight, which must stay int8 + scale.
  bool fold_constants = true;
  /// Folded results larger than this stay as nodes (their shapes are still inferred).
  int64_t max_fold_bytes = int64_t{64} << 20;
};

/// Checks ResolveOptions::input_shapes against the graph without changing it: each name must be a
/// runtime graph input (kInvalidArgument) and each rank must equal the declared rank (kShapeMismatch).
Status check_input_shapes(const ir::Graph& graph, const std::map<std::string, Shape>& input_shapes);

/// Makes every shape static: applies input shapes (error naming the input and the unresolved dim,
/// suggesting --input-shape, when a dynamic dim remains), runs shape inference node by node in
/// topological order, folds constant nodes (Shape of a static tensor, shape arithmetic, ...),
/// inlines `If` whose condition became constant, removes dead nodes, then checks verify(true).
Status resolve(ir::Model& model, const ResolveOptions& options = {});

/// Infers the output types of one node from its current input types / constant values and
/// sets them on the outputs.
Status infer_node(ir::Node& node);

/// Runs one node's reference kernel on concrete inputs (one per input slot, nullptr if absent):
/// infers output types from the actual values, allocates outputs, calls the kernel.
Expected<std::vector<Tensor>> run_node(const ir::Node& node, std::span<const Tensor* const> inputs);

struct RunOptions {
  /// Called after every node with its outputs (for per-layer dumps and similarity tables).
  std::function<void(const ir::Node&, std::span<const Tensor>)> on_node;
  /// Run Conv, ConvTranspose, Gemm and MatMul with kernels/fast (f32 accumulation, BLAS) instead of the
  /// reference (Relu, Add and Resize too: those are bit-identical to the reference).
  /// Results then differ from the reference within float rounding (see tests/kernels/fast_*_test.cpp and
  /// tests/kernels_fast/ for the tolerance); off by default so the interpreter stays the oracle.
  bool use_fast_kernels = false;
  /// Runs a node in place of the kernel table when it returns true (it must then fill one output tensor per
  /// node output, of the node's static types); false leaves the node to the kernels above. The int8 runtime
  /// (runtime/runtime.h) plugs its prepacked fast kernels in here.
  std::function<Expected<bool>(const ir::Node&, std::span<const Tensor* const>, std::vector<Tensor>*)> executor;
};

/// The kernels/fast kernel for an op kind, or nullptr where only the reference exists.
ref::RefKernelFn fast_kernel(ir::OpKind kind);

/// run_node with the kernels/fast kernel where fast_kernel() has one for the node's op (same type inference
/// and output allocation), else exactly run_node. Results of Conv / Gemm / MatMul / ConvTranspose then differ
/// from the reference within float rounding (Relu, Add and Resize are bit-identical). The int8 runtime runs
/// the float nodes it has no kernel of its own for through this.
Expected<std::vector<Tensor>> run_node_fast(const ir::Node& node, std::span<const Tensor* const> inputs);

/// Executes a resolved graph with the reference kernels (or the fast ones, see RunOptions). Every
/// intermediate tensor is released right after its last reader, so peak memory is the largest live
/// set of activations, not their sum. const and stateless: one Interpreter may run on several threads.
class Interpreter {
 public:
  explicit Interpreter(const ir::Graph& graph) : graph_(graph) {}
  /// Inputs by graph-input order (non-constant graph inputs only). Checks dtype and shape of each
  /// input against the graph and names the input on mismatch. Returns graph outputs in order.
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs, const RunOptions& options = {}) const;
  /// Inputs by name.
  Expected<std::vector<Tensor>> run(const std::map<std::string, Tensor>& inputs, const RunOptions& options = {}) const;
  /// Runtime (non-constant) graph inputs, in order.
  std::vector<const ir::Value*> runtime_inputs() const;

 private:
  const ir::Graph& graph_;
};

}  // namespace npukit::interp
