// SPDX-License-Identifier: Apache-2.0
// kernels/ref: integer concatenation; inputs whose parameters differ from the output's are requantized.
#include <cstdint>
#include <vector>

#include "kernels/ref/qkernels.h"

namespace npukit::qref {

Status qconcat(const std::vector<const Tensor*>& xs, const std::vector<QConcatInput>& in, int64_t axis,
               int32_t output_zero_point, QRange out_range, DType output_dtype, Tensor* y) {
  if (xs.empty() || xs.size() != in.size())
    return make_error(ErrorCode::kInvalidArgument, "qconcat: ", xs.size(), " inputs and ", in.size(),
                      " parameter sets (need the same, >= 1)");
  NPUKIT_RETURN_IF_ERROR(detail::check_output(output_dtype, out_range, output_zero_point, "qconcat"));
  for (const Tensor* t : xs)
    if (t == nullptr) return make_error(ErrorCode::kInvalidArgument, "qconcat: null input");
  const int64_t rank = static_cast<int64_t>(xs[0]->rank());
  if (axis < 0) axis += rank;
  if (rank == 0 || axis < 0 || axis >= rank)
    return make_error(ErrorCode::kInvalidArgument, "qconcat: axis out of range for rank ", rank);
  Shape out_shape = xs[0]->shape();
  out_shape[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = *xs[i];
    if (!is_activation_dtype(t.dtype()))
      return make_error(ErrorCode::kUnsupportedAttr, "qconcat: input dtype ", dtype_name(t.dtype()));
    if (static_cast<int64_t>(t.rank()) != rank)
      return make_error(ErrorCode::kShapeMismatch, "qconcat: input ranks differ");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t.dim(static_cast<size_t>(d)) != out_shape[static_cast<size_t>(d)])
        return make_error(ErrorCode::kShapeMismatch, "qconcat: input ", i, " shape ", shape_str(t.shape()),
                          " does not match ", shape_str(xs[0]->shape()), " outside axis ", axis);
    NPUKIT_RETURN_IF_ERROR(detail::check_zero_point(t.dtype(), in[i].zero_point, "qconcat input"));
    if (in[i].rescale) NPUKIT_RETURN_IF_ERROR(detail::check_multipliers({in[i].mult}, 1, "qconcat"));
    out_shape[static_cast<size_t>(axis)] += t.dim(static_cast<size_t>(axis));
  }
  NPUKIT_ASSIGN_OR_RETURN(int64_t total, checked_numel(out_shape));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out_shape[static_cast<size_t>(d)];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= out_shape[static_cast<size_t>(d)];
  const int64_t out_axis = out_shape[static_cast<size_t>(axis)];
  std::vector<int32_t> out(static_cast<size_t>(total));
  int64_t offset = 0;  // position along the axis where the current input starts
  for (size_t i = 0; i < xs.size(); ++i) {
    std::vector<int32_t> codes;
    NPUKIT_RETURN_IF_ERROR(detail::load_codes(*xs[i], "qconcat", &codes));
    const int64_t ax = xs[i]->dim(static_cast<size_t>(axis));
    const QConcatInput& q = in[i];
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t a = 0; a < ax; ++a) {
        for (int64_t k = 0; k < inner; ++k) {
          const int64_t v = static_cast<int64_t>(codes[static_cast<size_t>((o * ax + a) * inner + k)]) - q.zero_point;
          out[static_cast<size_t>((o * out_axis + offset + a) * inner + k)] =
              q.rescale ? quant::requantize(v, q.mult, output_zero_point, out_range)
                        : quant::saturate(v + output_zero_point, out_range);
        }
      }
    }
    offset += ax;
  }
  return detail::store_codes(out, output_dtype, out_shape, y);
}

}  // namespace npukit::qref
