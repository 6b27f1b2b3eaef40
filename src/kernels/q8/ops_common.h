// SPDX-License-Identifier: Apache-2.0
// kernels/q8: internal helpers shared by the fast op kernels of q8_ops.h (ops_*.cpp): per-family prepare
// entry points called by the dispatch in ops_registry.cpp, input / output checks done at run time, and the
// strided-copy plan used by the data movement ops.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/attrs.h"
#include "core/status.h"
#include "core/tensor.h"
#include "kernels/q8/q8_ops.h"

namespace npukit::q8::ops {

using PrepResult = Expected<std::unique_ptr<PreparedOp>>;

/// "Not covered": the caller runs the reference kernel.
inline PrepResult not_covered() {
  return std::unique_ptr<PreparedOp>();
}

/// True for kI8 / kU8.
inline bool is_byte_code(DType t) {
  return t == DType::kI8 || t == DType::kU8;
}

/// True when every slot in `sigs` is present with a known dtype.
bool all_present(std::span<const TensorSig> sigs);

/// Checks the tensors given to run() against the prepared input / output types (count, presence, dtype, numel):
/// a mismatch is an error, never an out-of-bounds access.
Status check_run_args(const char* name, std::span<const Tensor* const> ins, std::span<Tensor> outs,
                      const std::vector<DType>& in_types, const std::vector<int64_t>& in_numel,
                      const std::vector<DType>& out_types, const std::vector<int64_t>& out_numel);

/// Records the types of the prepared signatures, for check_run_args.
struct IoTypes {
  std::vector<DType> in_types, out_types;
  std::vector<int64_t> in_numel, out_numel;
  /// Only the first `n_in` inputs are recorded (later ones, e.g. constant Slice parameters, are not read).
  void set(std::span<const TensorSig> ins, std::span<const TensorSig> outs, size_t n_in);
  Status check(const char* name, std::span<const Tensor* const> ins, std::span<Tensor> outs) const {
    return check_run_args(name, ins, outs, in_types, in_numel, out_types, out_numel);
  }
};

/// A copy from a strided view of the source into a contiguous destination: for every multi-index i over
/// `dims` (row-major, the destination order), dst[i] = src[base + sum i[d] * strides[d]]. Dims are coalesced at
/// build time; the innermost one is a memcpy when its source stride is 1.
struct StridedCopy {
  std::vector<int64_t> dims, strides;  ///< coalesced; at least one dim
  int64_t base = 0;                    ///< element offset of the first source element
  size_t elem = 1;                     ///< bytes per element
  int64_t total = 0;                   ///< elements written

  /// Builds the plan (removes size-1 dims, merges mergeable neighbours).
  static StridedCopy make(std::vector<int64_t> dims, std::vector<int64_t> strides, int64_t base, size_t elem);
  /// Copies rows [row_begin, row_end) of the plan (a row = the innermost dim).
  void run_rows(const std::byte* src, std::byte* dst, int64_t row_begin, int64_t row_end) const;
  int64_t rows() const { return dims.back() == 0 ? 0 : total / dims.back(); }
  /// Whole copy, split into tasks over rows when large.
  void run(const std::byte* src, std::byte* dst, const Parallel* par) const;
};

// Prepare entry points of the op families (nullptr result: not covered).
PrepResult prepare_binary(std::string_view op, const Attrs& attrs, std::span<const TensorSig> ins,
                          std::span<const TensorSig> outs);
PrepResult prepare_qavgpool(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                            bool global);
PrepResult prepare_maxpool(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                           bool global);
PrepResult prepare_qconcat(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_qlut(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_requantize(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_quantize_linear(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_dequantize_linear(const Attrs& attrs, std::span<const TensorSig> ins,
                                     std::span<const TensorSig> outs);
PrepResult prepare_copy(std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_transpose(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_slice(std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_concat(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);
PrepResult prepare_split(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs);

}  // namespace npukit::q8::ops
