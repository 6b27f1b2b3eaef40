// SPDX-License-Identifier: Apache-2.0
// runtime: the int8 CPU runtime. Loads a compiled model (.npk) and runs every segment of it — NPU segments and
// CPU segments alike — on the host CPU: convolutions and fully connected layers on the prepacked kernels of
// kernels/q8 (chosen once for the CPU's instruction set), every other node on the integer reference kernels.
// Bit-exact with the reference interpreter (and so with the NPU simulator) by construction: the q8 kernels
// are bit-exact with the reference, tested per tier.
// Runtime side: links no compiler stage (frontend, passes, quant, npu).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "kernels/q8/isa.h"
#include "npk/npk_model.h"

namespace npukit::runtime {

struct RuntimeOptions {
  q8::Isa isa = q8::active_isa();
  /// Threads that split the work inside one convolution / gemm (1: none). For throughput, run several
  /// inferences in parallel instead (Runtime::run is thread-safe).
  int intra_op_threads = 1;
};

/// Per-node measured time of one run (graph node order).
struct NodeTiming {
  std::vector<double> us;  ///< per node
};

class Runtime {
 public:
  /// Prepares a model: packs the weights of every QConv / QGemm for the tier.
  static Expected<std::unique_ptr<Runtime>> create(npk::NpkModel model, const RuntimeOptions& options = {});
  /// read_npk + create.
  static Expected<std::unique_ptr<Runtime>> load(const std::string& npk_path, const RuntimeOptions& options = {});
  ~Runtime();

  /// Runs one inference: inputs in the order of the model's runtime inputs (dtype and shape checked).
  /// Thread-safe: several threads may run at once. `timing` (optional) receives each node's time.
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs, NodeTiming* timing = nullptr) const;

  const npk::NpkModel& model() const { return model_; }
  /// Runtime (non-constant) graph inputs, in order.
  std::vector<const ir::Value*> inputs() const;
  q8::Isa isa() const { return options_.isa; }
  /// Nodes that run on the q8 kernels / on the reference kernels.
  int64_t fast_nodes() const { return fast_nodes_; }
  int64_t reference_nodes() const;
  /// Bytes of prepacked weights.
  int64_t packed_weight_bytes() const { return packed_bytes_; }

 private:
  Runtime() = default;
  struct Prepared;
  npk::NpkModel model_;
  RuntimeOptions options_;
  std::vector<std::unique_ptr<Prepared>> prepared_;  ///< per node (nullptr: reference)
  std::vector<const ir::Node*> nodes_;
  std::unordered_map<const ir::Node*, size_t> index_;  ///< node -> position in nodes_
  struct Pool;
  std::unique_ptr<Pool> pool_;
  int64_t fast_nodes_ = 0, packed_bytes_ = 0;
};

}  // namespace npukit::runtime
