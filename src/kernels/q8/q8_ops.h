// SPDX-License-Identifier: Apache-2.0
// kernels/q8: fast kernels for the integer graph's other nodes (everything except QConv / QGemm, which are the
// packed kernels of q8_kernels.h): elementwise with requantization, pooling, concat, lookup tables, rescale,
// quantize / dequantize at the graph edges, and the int8 data movement ops (reshape family, transpose, slice,
// ...). Every kernel is bit-exact with the reference kernel the interpreter would run for the same node
// (kernels/ref, spec quant/arith.h).
//
// A node is prepared once from its op type, attributes and static input / output types (prepare_op: tables
// and index maps are built there), then run() any number of times, from several threads at once, writing
// into outputs the caller has already allocated with exactly the prepared types (the runtime's arena views):
// no allocation in run().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/attrs.h"
#include "core/status.h"
#include "core/tensor.h"
#include "kernels/q8/isa.h"
#include "kernels/q8/parallel.h"

namespace npukit::q8 {

/// Static type of one input / output slot of a node. `present` false: an absent optional input.
/// `constant`: the value when the input is a constant of the graph (e.g. a QLut table, Slice starts), else null.
struct TensorSig {
  bool present = true;
  DType dtype = DType::kUndefined;
  Shape shape;
  const Tensor* constant = nullptr;
};

/// A node prepared for fast execution. Immutable after prepare_op (thread-safe to run concurrently).
class PreparedOp {
 public:
  virtual ~PreparedOp() = default;
  /// ins: one per input slot (null for an absent optional input) with the prepared types; outs: one per node
  /// output, already allocated with the prepared dtype and shape; the kernel writes into their storage and
  /// must not replace them. par: optional intra-op threads (null: run on the calling thread).
  virtual Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const = 0;
  /// Short name of the kernel variant chosen at prepare time, for profiles (e.g. "add_lut2d", "copy").
  virtual const char* kernel_name() const = 0;
  /// Bytes of the tables / index data built at prepare time.
  virtual size_t workspace_bytes() const { return 0; }
  /// Inputs the op copies unchanged into output 0 as one contiguous block each: per input slot, the block's byte
  /// offset in output 0, or -1 (empty: none). The runtime may place such an input at that spot of the output, where
  /// run() then finds it in place and skips its copy (QConcat on the channel axis of one image).
  virtual std::vector<int64_t> in_place_inputs() const { return {}; }
};

/// Prepares a node. Returns nullptr (not an error) when no fast kernel covers this op / type combination: the
/// caller then runs the reference kernel. Errors only for attributes the reference kernel would reject too.
Expected<std::unique_ptr<PreparedOp>> prepare_op(std::string_view op_type, const Attrs& attrs,
                                                 std::span<const TensorSig> inputs, std::span<const TensorSig> outputs,
                                                 Isa isa = active_isa());

}  // namespace npukit::q8
