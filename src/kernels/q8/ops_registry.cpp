// SPDX-License-Identifier: Apache-2.0
// kernels/q8: prepare_op dispatch (q8_ops.h) to the op families of ops_*.cpp, plus the shared run-time checks.
// Every family returns nullptr for the combinations it does not cover; the caller then runs the reference.
#include <string_view>

#include "kernels/q8/ops_common.h"
#include "kernels/q8/q8_ops.h"

namespace npukit::q8 {
namespace ops {

bool all_present(std::span<const TensorSig> sigs) {
  for (const TensorSig& s : sigs)
    if (!s.present || s.dtype == DType::kUndefined) return false;
  return true;
}

Status check_run_args(const char* name, std::span<const Tensor* const> ins, std::span<Tensor> outs,
                      const std::vector<DType>& in_types, const std::vector<int64_t>& in_numel,
                      const std::vector<DType>& out_types, const std::vector<int64_t>& out_numel) {
  if (ins.size() < in_types.size() || outs.size() < out_types.size())
    return make_error(ErrorCode::kInvalidArgument, name, ": got ", ins.size(), " inputs / ", outs.size(),
                      " outputs, prepared for ", in_types.size(), " / ", out_types.size());
  for (size_t i = 0; i < in_types.size(); ++i) {
    const Tensor* t = ins[i];
    if (t == nullptr || t->dtype() != in_types[i] || t->numel() != in_numel[i] || (t->numel() > 0 && t->empty()))
      return make_error(ErrorCode::kInvalidArgument, name, ": input ", i, " does not match the prepared type");
  }
  for (size_t i = 0; i < out_types.size(); ++i) {
    const Tensor& t = outs[i];
    if (t.dtype() != out_types[i] || t.numel() != out_numel[i] || (t.numel() > 0 && t.empty()))
      return make_error(ErrorCode::kInvalidArgument, name, ": output ", i, " is not allocated with the prepared type");
  }
  return Status::Ok();
}

void IoTypes::set(std::span<const TensorSig> ins, std::span<const TensorSig> outs, size_t n_in) {
  for (size_t i = 0; i < n_in && i < ins.size(); ++i) {
    in_types.push_back(ins[i].dtype);
    in_numel.push_back(numel(ins[i].shape));
  }
  for (const TensorSig& s : outs) {
    out_types.push_back(s.dtype);
    out_numel.push_back(numel(s.shape));
  }
}

}  // namespace ops

Expected<std::unique_ptr<PreparedOp>> prepare_op(std::string_view op, const Attrs& attrs,
                                                 std::span<const TensorSig> inputs, std::span<const TensorSig> outputs,
                                                 Isa isa) {
  // The elementwise / table families use `isa`'s row kernels (ops_*_avx2.cpp); the others are portable C++.
  if (outputs.empty() || inputs.empty() || !ops::all_present(outputs)) return ops::not_covered();
  if (op == "QAdd" || op == "QSub" || op == "QMul") return ops::prepare_binary(op, attrs, inputs, outputs, isa);
  if (op == "QAveragePool") return ops::prepare_qavgpool(attrs, inputs, outputs, false, isa);
  if (op == "QGlobalAveragePool") return ops::prepare_qavgpool(attrs, inputs, outputs, true, isa);
  if (op == "MaxPool") return ops::prepare_maxpool(attrs, inputs, outputs, false, isa);
  if (op == "GlobalMaxPool") return ops::prepare_maxpool(attrs, inputs, outputs, true, isa);
  if (op == "QConcat") return ops::prepare_qconcat(attrs, inputs, outputs, isa);
  if (op == "QLut") return ops::prepare_qlut(attrs, inputs, outputs, isa);
  if (op == "Requantize") return ops::prepare_requantize(attrs, inputs, outputs, isa);
  if (op == "QuantizeLinear") return ops::prepare_quantize_linear(attrs, inputs, outputs, isa);
  if (op == "DequantizeLinear") return ops::prepare_dequantize_linear(attrs, inputs, outputs);
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" || op == "Identity")
    return ops::prepare_copy(inputs, outputs);
  if (op == "Transpose") return ops::prepare_transpose(attrs, inputs, outputs);
  if (op == "Slice") return ops::prepare_slice(inputs, outputs);
  if (op == "Concat") return ops::prepare_concat(attrs, inputs, outputs);
  if (op == "Split") return ops::prepare_split(attrs, inputs, outputs);
  return ops::not_covered();
}

}  // namespace npukit::q8
