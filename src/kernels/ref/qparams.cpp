// SPDX-License-Identifier: Apache-2.0
// kernels/ref: attribute -> parameter translation of the npukit-domain integer ops (see qparams.h).
#include "kernels/ref/qparams.h"

#include <cstdint>
#include <vector>

namespace npukit::qref {
namespace {

int32_t attr_i32(const Attrs& a, const char* name) {
  return static_cast<int32_t>(a.get_int(name));
}

Expected<AddParams> add_params(const Attrs& a, const char* mult, const char* shift, const char* lshift, int32_t a_zp,
                               int32_t b_zp, int32_t out_zp, QRange range) {
  NPUKIT_ASSIGN_OR_RETURN(std::vector<QuantizedMultiplier> m, attr_multipliers(a, mult, shift));
  if (m.size() != 3) return make_error(ErrorCode::kUnsupportedAttr, "'", mult, "' needs 3 values, got ", m.size());
  AddParams p;
  p.a_zp = a_zp;
  p.b_zp = b_zp;
  p.out_zp = out_zp;
  p.left_shift = attr_i32(a, lshift);
  p.a_mult = m[0];
  p.b_mult = m[1];
  p.out_mult = m[2];
  p.range = range;
  return p;
}

Expected<QuantizedMultiplier> single_multiplier(const Attrs& a) {
  NPUKIT_ASSIGN_OR_RETURN(std::vector<QuantizedMultiplier> m, attr_multipliers(a, "multiplier", "shift"));
  if (m.size() != 1) return make_error(ErrorCode::kUnsupportedAttr, "'multiplier' needs 1 value, got ", m.size());
  return m[0];
}

Expected<QPool2dParams> pool_output_params(const Attrs& a) {
  QPool2dParams p;
  p.input_zero_point = attr_i32(a, "x_zero_point");
  p.output_dtype = attr_output_dtype(a);
  p.output_zero_point = attr_i32(a, "y_zero_point");
  p.out_range = attr_clamp_range(a, "y_min", "y_max", p.output_dtype);
  p.rescale = a.get_int("rescale") != 0;
  if (p.rescale) {
    NPUKIT_ASSIGN_OR_RETURN(std::vector<QuantizedMultiplier> m, attr_multipliers(a, "multiplier", "shift"));
    if (m.size() != 1) return make_error(ErrorCode::kUnsupportedAttr, "'multiplier' needs 1 value when rescale = 1");
    p.mult = m[0];
  }
  return p;
}

}  // namespace

DType attr_output_dtype(const Attrs& a) {
  switch (a.get_int("y_dtype")) {
    case 2: return DType::kU8;
    case 5: return DType::kI16;
    case 6: return DType::kI32;  // QConv / QGemm accumulator output
    default: return DType::kI8;  // infer rejected everything else
  }
}

QRange attr_clamp_range(const Attrs& a, const char* lo, const char* hi, DType t) {
  const QRange d = dtype_range(t);
  return QRange{a.has(lo) ? static_cast<int32_t>(a.get_int(lo)) : d.qmin,
                a.has(hi) ? static_cast<int32_t>(a.get_int(hi)) : d.qmax};
}

Expected<std::vector<QuantizedMultiplier>> attr_multipliers(const Attrs& a, const char* m_attr, const char* s_attr) {
  const std::vector<int64_t> m = a.get_ints(m_attr), s = a.get_ints(s_attr);
  if (m.size() != s.size())
    return make_error(ErrorCode::kShapeMismatch, "'", m_attr, "' / '", s_attr, "' sizes differ");
  std::vector<QuantizedMultiplier> out(m.size());
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] < 0 || m[i] > INT32_MAX || s[i] < -61 || s[i] > 31)
      return make_error(ErrorCode::kUnsupportedAttr, "invalid multiplier {", m[i], ", ", s[i], "}");
    out[i] = QuantizedMultiplier{static_cast<int32_t>(m[i]), static_cast<int32_t>(s[i])};
  }
  return out;
}

Expected<QConv2dParams> qconv_params(const Attrs& a, bool has_residual) {
  QConv2dParams p;
  p.group = a.get_int("group");
  const std::vector<int64_t> s = a.get_ints("strides"), d = a.get_ints("dilations"), pads = a.get_ints("pads");
  if (s.size() != 2 || d.size() != 2 || pads.size() != 4)
    return make_error(ErrorCode::kUnsupportedAttr, "strides / dilations / pads must have 2 / 2 / 4 values");
  p.stride_h = s[0], p.stride_w = s[1];
  p.dilation_h = d[0], p.dilation_w = d[1];
  p.pad_top = pads[0], p.pad_left = pads[1], p.pad_bottom = pads[2], p.pad_right = pads[3];
  p.input_zero_point = attr_i32(a, "x_zero_point");
  NPUKIT_ASSIGN_OR_RETURN(p.out_mult, attr_multipliers(a, "multiplier", "shift"));
  p.output_dtype = attr_output_dtype(a);
  const QRange y_range = attr_clamp_range(a, "y_min", "y_max", p.output_dtype);
  if (!has_residual) {
    p.output_zero_point = attr_i32(a, "y_zero_point");
    p.out_range = y_range;
  } else {
    // With a residual, the convolution result is the intermediate ("mid") code, then added to R.
    p.output_zero_point = attr_i32(a, "mid_zero_point");
    p.out_range = attr_clamp_range(a, "mid_min", "mid_max", p.output_dtype);
    NPUKIT_ASSIGN_OR_RETURN(p.residual_add,
                            add_params(a, "add_multiplier", "add_shift", "add_left_shift", p.output_zero_point,
                                       attr_i32(a, "r_zero_point"), attr_i32(a, "y_zero_point"), y_range));
  }
  return p;
}

Expected<QGemmParams> qgemm_params(const Attrs& a) {
  QGemmParams p;
  p.a_zero_point = attr_i32(a, "a_zero_point");
  NPUKIT_ASSIGN_OR_RETURN(p.out_mult, attr_multipliers(a, "multiplier", "shift"));
  p.output_dtype = attr_output_dtype(a);
  p.output_zero_point = attr_i32(a, "y_zero_point");
  p.out_range = attr_clamp_range(a, "y_min", "y_max", p.output_dtype);
  return p;
}

Expected<QMatMulParams> qmatmul_params(const Attrs& a) {
  QMatMulParams p;
  p.a_zero_point = attr_i32(a, "a_zero_point");
  p.b_zero_point = attr_i32(a, "b_zero_point");
  NPUKIT_ASSIGN_OR_RETURN(p.out_mult, attr_multipliers(a, "multiplier", "shift"));
  p.output_dtype = attr_output_dtype(a);
  p.output_zero_point = attr_i32(a, "y_zero_point");
  p.out_range = attr_clamp_range(a, "y_min", "y_max", p.output_dtype);
  return p;
}

Expected<AddParams> qadd_params(const Attrs& a) {
  return add_params(a, "multiplier", "shift", "left_shift", attr_i32(a, "a_zero_point"), attr_i32(a, "b_zero_point"),
                    attr_i32(a, "y_zero_point"), attr_clamp_range(a, "y_min", "y_max", attr_output_dtype(a)));
}

Expected<MulParams> qmul_params(const Attrs& a) {
  NPUKIT_ASSIGN_OR_RETURN(QuantizedMultiplier m, single_multiplier(a));
  MulParams p;
  p.a_zp = attr_i32(a, "a_zero_point");
  p.b_zp = attr_i32(a, "b_zero_point");
  p.out_zp = attr_i32(a, "y_zero_point");
  p.mult = m;
  p.range = attr_clamp_range(a, "y_min", "y_max", attr_output_dtype(a));
  return p;
}

Expected<QPool2dParams> qavgpool_params(const Attrs& a) {
  NPUKIT_ASSIGN_OR_RETURN(QPool2dParams p, pool_output_params(a));
  const std::vector<int64_t> k = a.get_ints("kernel_shape"), s = a.get_ints("strides"), pads = a.get_ints("pads");
  if (k.size() != 2 || s.size() != 2 || pads.size() != 4)
    return make_error(ErrorCode::kUnsupportedAttr, "kernel_shape / strides / pads must have 2 / 2 / 4 values");
  p.kernel_h = k[0], p.kernel_w = k[1];
  p.stride_h = s[0], p.stride_w = s[1];
  p.pad_top = pads[0], p.pad_left = pads[1], p.pad_bottom = pads[2], p.pad_right = pads[3];
  p.count_include_pad = a.get_int("count_include_pad") != 0;
  return p;
}

Expected<QPool2dParams> qglobal_avgpool_params(const Attrs& a) {
  return pool_output_params(a);
}

Expected<QConcatParams> qconcat_params(const Attrs& a, size_t num_inputs) {
  const std::vector<int64_t> zps = a.get_ints("x_zero_points"), rescale = a.get_ints("rescale");
  NPUKIT_ASSIGN_OR_RETURN(std::vector<QuantizedMultiplier> m, attr_multipliers(a, "multiplier", "shift"));
  if (zps.size() != num_inputs || rescale.size() != num_inputs || m.size() != num_inputs)
    return make_error(ErrorCode::kUnsupportedAttr, "x_zero_points / rescale / multiplier need one value per input");
  QConcatParams p;
  p.inputs.resize(num_inputs);
  for (size_t i = 0; i < num_inputs; ++i) {
    p.inputs[i].zero_point = static_cast<int32_t>(zps[i]);
    p.inputs[i].rescale = rescale[i] != 0;
    p.inputs[i].mult = m[i];
  }
  p.axis = a.get_int("axis");
  p.output_zero_point = attr_i32(a, "y_zero_point");
  p.output_dtype = attr_output_dtype(a);
  p.out_range = attr_clamp_range(a, "y_min", "y_max", p.output_dtype);
  return p;
}

Expected<QRequantizeParams> qrequantize_params(const Attrs& a) {
  NPUKIT_ASSIGN_OR_RETURN(QuantizedMultiplier m, single_multiplier(a));
  QRequantizeParams p;
  p.input_zero_point = attr_i32(a, "x_zero_point");
  p.mult = m;
  p.output_zero_point = attr_i32(a, "y_zero_point");
  p.output_dtype = attr_output_dtype(a);
  p.out_range = attr_clamp_range(a, "y_min", "y_max", p.output_dtype);
  return p;
}

}  // namespace npukit::qref
