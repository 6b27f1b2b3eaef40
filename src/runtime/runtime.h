// SPDX-License-Identifier: Apache-2.0
// runtime: the int8 CPU runtime. Loads a compiled model (.npk) and runs every segment of it — NPU segments and
// CPU segments alike — on the host CPU:
//  - QConv / QGemm on the prepacked kernels of kernels/q8 (q8_kernels.h), chosen once for the CPU's tier;
//  - the other nodes on the prepared q8 op kernels (q8_ops.h) where one covers them, else on the integer /
//    float reference kernels (their result is copied into the planned storage);
//  - Reshape-like nodes are views: their output shares the input's bytes.
// Every intermediate tensor lives at a planned offset of one activation arena (memory_plan.h); each concurrent
// inference uses its own arena + tensor views (an execution context), created on first use and reused, so a
// steady-state inference allocates nothing on the fast path.
// Bit-exact with the reference interpreter (and so with the NPU simulator) by construction: every q8 kernel is
// tested bit-exact against the reference, per ISA tier.
// Runtime side: links no compiler stage (frontend, passes, quant, npu).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "kernels/q8/isa.h"
#include "npk/npk_model.h"

namespace npukit::runtime {

struct RuntimeOptions {
  q8::Isa isa = q8::active_isa();
  /// Threads that split the work inside one operator (1: none). For throughput, run several inferences in
  /// parallel instead (Runtime::run is thread-safe).
  int intra_op_threads = 1;
};

/// Per-node measured time of one run (graph node order).
struct NodeTiming {
  std::vector<double> us;  ///< per node
};

/// How a node runs.
enum class NodeKernel { kConv, kGemm, kOp, kView, kReference };
const char* node_kernel_name(NodeKernel k);

/// Memory of a prepared model (eval_memory). Bytes.
struct SegmentMemory {
  int32_t segment = -1;               ///< index into NpkModel::segments (-1: nodes outside every segment)
  int64_t weight_bytes = 0;           ///< constant inputs of the segment's nodes, as stored in the model
  int64_t packed_bytes = 0;           ///< prepacked weight copies the q8 kernels run from
  int64_t peak_activation_bytes = 0;  ///< largest sum of live intermediate tensors during the segment
  int64_t nodes = 0;
};
struct MemoryReport {
  int64_t weight_bytes = 0;                ///< every constant of the graph (weights, biases, tables)
  int64_t packed_weight_bytes = 0;         ///< prepacked copies for the q8 conv / gemm kernels
  int64_t op_workspace_bytes = 0;          ///< tables and index maps built at load time by the q8 op kernels
  int64_t arena_bytes = 0;                 ///< one activation arena (per concurrent inference)
  int64_t peak_live_activation_bytes = 0;  ///< lower bound of any arena: the largest live set
  int64_t io_bytes = 0;                    ///< model inputs + outputs of one inference
  std::vector<SegmentMemory> segments;
  /// weights + packed + op workspace + one arena + io.
  int64_t total_bytes() const {
    return weight_bytes + packed_weight_bytes + op_workspace_bytes + arena_bytes + io_bytes;
  }
};

class Runtime {
 public:
  /// Prepares a model: packs the weights of every QConv / QGemm for the tier, prepares the other nodes, plans
  /// the activation arena.
  static Expected<std::unique_ptr<Runtime>> create(npk::NpkModel model, const RuntimeOptions& options = {});
  /// read_npk + create.
  static Expected<std::unique_ptr<Runtime>> load(const std::string& npk_path, const RuntimeOptions& options = {});
  ~Runtime();

  /// Runs one inference: inputs in the order of the model's runtime inputs (dtype and shape checked).
  /// Thread-safe: several threads may run at once. `timing` (optional) receives each node's time.
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs, NodeTiming* timing = nullptr) const;
  /// Same, writing the outputs into *outputs; tensors that already have the output's dtype and shape are
  /// reused (their storage is overwritten), so a loop that passes the same vector allocates nothing.
  Status run_into(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs, NodeTiming* timing = nullptr) const;

  const npk::NpkModel& model() const { return model_; }
  /// Runtime (non-constant) graph inputs, in order.
  std::vector<const ir::Value*> inputs() const;
  q8::Isa isa() const { return options_.isa; }
  /// Nodes per kernel kind: conv / gemm / op kernels count as fast, views as free, the rest as reference.
  int64_t fast_nodes() const;
  int64_t reference_nodes() const;
  int64_t view_nodes() const;
  /// Concat inputs placed in their concat's output (their producers write there; the concat skips them).
  int64_t in_place_inputs() const { return in_place_inputs_; }
  /// How node i (graph order) runs, and the kernel's name (e.g. "conv", "add_lut2d", "reference").
  NodeKernel node_kernel(size_t i) const;
  std::string node_kernel_label(size_t i) const;
  /// Bytes of prepacked weights.
  int64_t packed_weight_bytes() const { return memory_.packed_weight_bytes; }
  const MemoryReport& memory() const { return memory_; }
  /// Execution contexts (arenas) created so far: at most the number of inferences that ever ran at once.
  int64_t contexts_created() const;

 private:
  Runtime() = default;
  struct Step;
  struct ValueSlot;
  struct Context;
  Status prepare();
  void place_concat_inputs();
  Status plan_memory();
  Expected<std::unique_ptr<Context>> make_context() const;
  std::unique_ptr<Context> acquire() const;
  void release(std::unique_ptr<Context> ctx) const;
  Status execute(Context& ctx, NodeTiming* timing) const;

  npk::NpkModel model_;
  RuntimeOptions options_;
  std::vector<const ir::Node*> nodes_;
  std::vector<Step> steps_;
  std::vector<ValueSlot> values_;
  std::vector<int> input_ids_, output_ids_;
  MemoryReport memory_;
  int64_t in_place_inputs_ = 0;
  struct Pool;
  std::unique_ptr<Pool> pool_;
  mutable std::mutex ctx_mu_;
  mutable std::vector<std::unique_ptr<Context>> free_contexts_;
  mutable int64_t contexts_created_ = 0;
};

}  // namespace npukit::runtime
