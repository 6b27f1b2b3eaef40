// SPDX-License-Identifier: Apache-2.0
// kernels/ref: the npukit-domain integer ops (QConv, QGemm, ..., Requantize; schemas in ir/ops/qops.cpp).
// Each kernel only translates attributes into the parameter struct of the matching qref:: function
// (kernels/ref/qparams.h, shared with the NPU simulator) and calls it: the arithmetic exists once, in
// quant/arith.h via qkernels.
#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/ref/qkernels.h"
#include "kernels/ref/qparams.h"
#include "kernels/ref/ref_kernels.h"

namespace npukit::ref {
namespace {

/// Attribute translation errors get the op / node context of the kernel call.
template <class T>
Expected<T> with_node(const KernelArgs& a, Expected<T> r) {
  if (!r.ok()) return a.error(r.status().code(), r.status().message());
  return r;
}

/// Moves a qref result into the preallocated output after checking it matches the inferred type (the
/// interpreter allocated output 0 from infer, so a mismatch is an internal error, never silent).
Status finish(const KernelArgs& a, Status s, Tensor&& y) {
  if (!s.ok()) return a.error(s.code(), s.message());
  if (y.dtype() != a.out(0).dtype() || y.shape() != a.out(0).shape())
    return a.error(ErrorCode::kInternal, "kernel produced ", dtype_name(y.dtype()), " ", shape_str(y.shape()),
                   ", inference said ", dtype_name(a.out(0).dtype()), " ", shape_str(a.out(0).shape()));
  a.out(0) = std::move(y);
  return Status::Ok();
}

}  // namespace

Status ref_QConv(const KernelArgs& a) {
  const Tensor* residual = a.has_input(3) ? &a.in(3) : nullptr;
  NPUKIT_ASSIGN_OR_RETURN(qref::QConv2dParams p, with_node(a, qref::qconv_params(a.attrs, residual != nullptr)));
  Tensor y;
  Status st = qref::qconv2d(a.in(0), a.in(1), a.has_input(2) ? &a.in(2) : nullptr, p, &y, residual);
  return finish(a, st, std::move(y));
}

Status ref_QGemm(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(qref::QGemmParams p, with_node(a, qref::qgemm_params(a.attrs)));
  Tensor y;
  Status st = qref::qgemm(a.in(0), a.in(1), a.has_input(2) ? &a.in(2) : nullptr, p, &y);
  return finish(a, st, std::move(y));
}

Status ref_QMatMul(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(qref::QMatMulParams p, with_node(a, qref::qmatmul_params(a.attrs)));
  Tensor y;
  Status st = qref::qmatmul(a.in(0), a.in(1), p, &y);
  return finish(a, st, std::move(y));
}

namespace {
Status add_or_sub(const KernelArgs& a, bool subtract) {
  const DType t = qref::attr_output_dtype(a.attrs);
  NPUKIT_ASSIGN_OR_RETURN(quant::AddParams p, with_node(a, qref::qadd_params(a.attrs)));
  Tensor y;
  Status st = subtract ? qref::qsub(a.in(0), a.in(1), p, t, &y) : qref::qadd(a.in(0), a.in(1), p, t, &y);
  return finish(a, st, std::move(y));
}
}  // namespace

Status ref_QAdd(const KernelArgs& a) {
  return add_or_sub(a, false);
}

Status ref_QSub(const KernelArgs& a) {
  return add_or_sub(a, true);
}

Status ref_QMul(const KernelArgs& a) {
  const DType t = qref::attr_output_dtype(a.attrs);
  NPUKIT_ASSIGN_OR_RETURN(quant::MulParams p, with_node(a, qref::qmul_params(a.attrs)));
  Tensor y;
  Status st = qref::qmul(a.in(0), a.in(1), p, t, &y);
  return finish(a, st, std::move(y));
}

Status ref_QAveragePool(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(qref::QPool2dParams p, with_node(a, qref::qavgpool_params(a.attrs)));
  Tensor y;
  Status st = qref::qavgpool2d(a.in(0), p, &y);
  return finish(a, st, std::move(y));
}

Status ref_QGlobalAveragePool(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(qref::QPool2dParams p, with_node(a, qref::qglobal_avgpool_params(a.attrs)));
  Tensor y;
  Status st = qref::qglobal_avgpool(a.in(0), p, &y);
  return finish(a, st, std::move(y));
}

Status ref_QConcat(const KernelArgs& a) {
  const size_t n = a.num_inputs();
  NPUKIT_ASSIGN_OR_RETURN(qref::QConcatParams p, with_node(a, qref::qconcat_params(a.attrs, n)));
  std::vector<const Tensor*> xs(n);
  for (size_t i = 0; i < n; ++i) {
    if (!a.has_input(i)) return a.error(ErrorCode::kInvalidModel, "input ", i, " is absent");
    xs[i] = &a.in(i);
  }
  Tensor y;
  Status st = qref::qconcat(xs, p.inputs, p.axis, p.output_zero_point, p.out_range, p.output_dtype, &y);
  return finish(a, st, std::move(y));
}

Status ref_QLut(const KernelArgs& a) {
  std::vector<int32_t> table;
  NPUKIT_RETURN_IF_ERROR(qref::detail::load_codes(a.in(1), "QLut table", &table));
  Tensor y;
  Status st = qref::qlut(a.in(0), table, qref::dtype_range(a.in(0).dtype()).qmin, a.in(1).dtype(), &y);
  return finish(a, st, std::move(y));
}

Status ref_Requantize(const KernelArgs& a) {
  NPUKIT_ASSIGN_OR_RETURN(qref::QRequantizeParams p, with_node(a, qref::qrequantize_params(a.attrs)));
  Tensor y;
  Status st =
      qref::qrequantize(a.in(0), p.input_zero_point, p.mult, p.output_zero_point, p.out_range, p.output_dtype, &y);
  return finish(a, st, std::move(y));
}

}  // namespace npukit::ref
