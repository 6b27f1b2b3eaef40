// SPDX-License-Identifier: Apache-2.0
// kernels/q8: code -> code maps and the float edges of the integer graph. QConcat (memcpy when an input's codes
// pass unchanged, else a 256-entry table per input), QLut and Requantize (a table over every input code, built
// with the reference arithmetic), QuantizeLinear (f32 -> codes, quant::quantize_value semantics: a fast exact
// scalar path, the exact vector row quantize_row_avx2 on the AVX2 tiers) and DequantizeLinear (a 256-entry float
// table), per-tensor parameters only. The 8-bit -> 8-bit tables (QConcat rescales, QLut, Requantize) run as the
// tier's vector lookup (lut8_row_fn) when it has one.
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/q8/ops_common.h"
#include "kernels/ref/qkernels.h"
#include "kernels/ref/qparams.h"
#include "quant/arith.h"

namespace npukit::q8::ops {
namespace {

/// Number of distinct codes of an activation dtype and its code for raw bit pattern `bits`.
int64_t code_count(DType t) {
  const quant::QRange r = qref::dtype_range(t);
  return static_cast<int64_t>(r.qmax) - r.qmin + 1;
}
int32_t code_of_bits(DType t, uint32_t bits) {
  switch (t) {
    case DType::kI8: return static_cast<int8_t>(static_cast<uint8_t>(bits));
    case DType::kI16: return static_cast<int16_t>(static_cast<uint16_t>(bits));
    default: return static_cast<int32_t>(bits);
  }
}

/// y[i] = table[bits(x[i])] for an 8- or 16-bit input; OutT is the storage type of the output codes.
template <class OutT>
class TableOp final : public PreparedOp {
 public:
  TableOp(std::vector<OutT> table, bool wide_in, IoTypes io, const char* name, const char* kname, Lut8RowFn lut)
      : table_(std::move(table)), wide_in_(wide_in), io_(std::move(io)), name_(name), kname_(kname), lut_(lut) {}
  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check(name_, ins, outs));
    const int64_t n = ins[0]->numel();
    OutT* y = static_cast<OutT*>(outs[0].raw());
    const OutT* tab = table_.data();
    constexpr int64_t kChunk = int64_t{1} << 16;
    const int64_t tasks = (n + kChunk - 1) / kChunk;
    parallel_for(tasks > 1 ? par : nullptr, tasks, [&](int64_t t) {
      const int64_t i0 = t * kChunk, i1 = std::min(n, i0 + kChunk);
      if (wide_in_) {
        const uint16_t* x = static_cast<const uint16_t*>(ins[0]->raw());
        for (int64_t i = i0; i < i1; ++i) y[i] = tab[x[i]];
      } else if (lut_ != nullptr) {  // 8-bit in and out (set only then)
        if constexpr (sizeof(OutT) == 1)
          lut_(reinterpret_cast<const uint8_t*>(tab), static_cast<const uint8_t*>(ins[0]->raw()) + i0,
               reinterpret_cast<uint8_t*>(y) + i0, i1 - i0);
      } else {
        const uint8_t* x = static_cast<const uint8_t*>(ins[0]->raw());
        for (int64_t i = i0; i < i1; ++i) y[i] = tab[x[i]];
      }
    });
    return Status::Ok();
  }
  const char* kernel_name() const override {
    return lut_ != nullptr ? lut8_kernel_name(lut_, "lut_avx2", "lut_avx512") : kname_;
  }
  size_t workspace_bytes() const override { return table_.size() * sizeof(OutT); }

 private:
  std::vector<OutT> table_;
  bool wide_in_;
  IoTypes io_;
  const char* name_;
  const char* kname_;
  Lut8RowFn lut_;
};

/// Builds a TableOp over every bit pattern of input dtype xt with code -> output code `f`.
/// With an 8-bit input and output, the table walk is `isa`'s vector lookup when it has one.
template <class F>
PrepResult make_table_op(DType xt, DType yt, IoTypes io, const char* name, const char* kname, Isa isa, F&& f) {
  const uint32_t n = xt == DType::kI16 ? 65536u : 256u;
  auto build = [&](auto tag) -> PrepResult {
    using OutT = decltype(tag);
    std::vector<OutT> t(n);
    for (uint32_t b = 0; b < n; ++b) t[b] = static_cast<OutT>(f(code_of_bits(xt, b)));
    const Lut8RowFn lut = sizeof(OutT) == 1 && n == 256u ? lut8_row_fn(isa) : nullptr;
    return std::unique_ptr<PreparedOp>(
        std::make_unique<TableOp<OutT>>(std::move(t), n == 65536u, std::move(io), name, kname, lut));
  };
  if (yt == DType::kI16) return build(int16_t{});
  return build(uint8_t{});
}

bool valid_mult(quant::QuantizedMultiplier m) {
  return m.mult >= 0 && m.shift >= -61 && m.shift <= 31;
}

// ---- QConcat ---------------------------------------------------------------------------------------------

class QConcatOp final : public PreparedOp {
 public:
  struct Part {
    bool copy = false;
    int64_t chunk = 0;  // elements per outer index
    size_t table = 0;   // offset into tables_ (when !copy)
  };
  QConcatOp(std::vector<Part> parts, std::vector<uint8_t> tables, std::vector<int16_t> tables16, bool out16,
            int64_t outer, IoTypes io, Lut8RowFn lut)
      : parts_(std::move(parts)),
        tables_(std::move(tables)),
        tables16_(std::move(tables16)),
        out16_(out16),
        outer_(outer),
        io_(std::move(io)),
        lut_(lut) {}

  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check("QConcat", ins, outs));
    int64_t row = 0;
    for (const Part& p : parts_) row += p.chunk;
    const int64_t per = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(row, 1));
    const int64_t tasks = (outer_ + per - 1) / per;
    parallel_for(tasks > 1 ? par : nullptr, tasks, [&](int64_t t) {
      const int64_t o0 = t * per, o1 = std::min(outer_, o0 + per);
      for (int64_t o = o0; o < o1; ++o) {
        int64_t off = o * row;
        for (size_t i = 0; i < parts_.size(); ++i) {
          const Part& p = parts_[i];
          const uint8_t* x = static_cast<const uint8_t*>(ins[i]->raw()) + o * p.chunk;
          if (out16_) {
            int16_t* y = static_cast<int16_t*>(outs[0].raw()) + off;
            const int16_t* tab = tables16_.data() + p.table;
            for (int64_t k = 0; k < p.chunk; ++k) y[k] = tab[x[k]];
          } else {
            uint8_t* y = static_cast<uint8_t*>(outs[0].raw()) + off;
            if (p.copy) {
              if (p.chunk && x != y) std::memcpy(y, x, static_cast<size_t>(p.chunk));  // (x == y: placed in y)
            } else {
              const uint8_t* tab = tables_.data() + p.table;
              if (lut_ != nullptr && p.chunk >= 16)
                lut_(tab, x, y, p.chunk);
              else
                for (int64_t k = 0; k < p.chunk; ++k) y[k] = tab[x[k]];
            }
          }
          off += p.chunk;
        }
      }
    });
    return Status::Ok();
  }
  const char* kernel_name() const override { return "qconcat"; }
  size_t workspace_bytes() const override { return tables_.size() + 2 * tables16_.size(); }
  /// With one outer index (the channel axis of one image), each copied input is one block of the output.
  std::vector<int64_t> in_place_inputs() const override {
    if (outer_ != 1 || out16_) return {};
    std::vector<int64_t> at;
    int64_t off = 0;
    for (const Part& p : parts_) {
      at.push_back(p.copy ? off : -1);
      off += p.chunk;
    }
    return at;
  }

 private:
  std::vector<Part> parts_;
  std::vector<uint8_t> tables_;
  std::vector<int16_t> tables16_;
  bool out16_;
  int64_t outer_;
  IoTypes io_;
  Lut8RowFn lut_;  // null: scalar table walks
};

// ---- QuantizeLinear / DequantizeLinear -------------------------------------------------------------------

/// quant::quantize_value with the division already done (q = x / scale in f32): exact fast path for |q| < 2^23
/// (integer part and fraction are exact in f32 there), the reference function otherwise (NaN, inf, huge).
inline int32_t quantize_fast(float x, float q, float scale, int32_t zp, quant::QRange r) {
  const float a = std::fabs(q);
  if (!(a < 8388608.0f)) return quant::quantize_value(x, scale, zp, r);
  const int32_t fi = static_cast<int32_t>(a);  // floor: a >= 0
  const float d = a - static_cast<float>(fi);  // exact
  const int32_t m = fi + ((d > 0.5f || (d == 0.5f && (fi & 1))) ? 1 : 0);
  const int64_t v = static_cast<int64_t>(std::signbit(q) ? -m : m) + zp;
  return quant::saturate(v, r);
}

template <class Q>
class QuantizeOp final : public PreparedOp {
 public:
  QuantizeOp(float scale, int32_t zp, IoTypes io, bool avx2)
      : scale_(scale), zp_(zp), io_(std::move(io)), avx2_(avx2) {}
  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check("QuantizeLinear", ins, outs));
    // Same precondition as the reference kernel (the f32 division must round to nearest).
    if (std::fegetround() != FE_TONEAREST)
      return make_error(ErrorCode::kInternal, "QuantizeLinear: FPU rounding mode is not to-nearest");
    const float* x = ins[0]->data<float>();
    Q* y = static_cast<Q*>(outs[0].raw());
    const int64_t n = ins[0]->numel();
    const quant::QRange r{std::numeric_limits<Q>::min(), std::numeric_limits<Q>::max()};
    constexpr int64_t kChunk = int64_t{1} << 15;
    const int64_t tasks = (n + kChunk - 1) / kChunk;
    const float s = scale_;
    const int32_t zp = zp_;
    parallel_for(tasks > 1 ? par : nullptr, tasks, [&](int64_t t) {
      const int64_t i0 = t * kChunk, i1 = std::min(n, i0 + kChunk);
      if (avx2_)
        quantize_row_avx2<Q>(x + i0, s, zp, y + i0, i1 - i0);
      else
        for (int64_t i = i0; i < i1; ++i) y[i] = static_cast<Q>(quantize_fast(x[i], x[i] / s, s, zp, r));
    });
    return Status::Ok();
  }
  const char* kernel_name() const override { return avx2_ ? "quantize_f32_avx2" : "quantize_f32"; }

 private:
  float scale_;
  int32_t zp_;
  IoTypes io_;
  bool avx2_;
};

class DequantizeOp final : public PreparedOp {
 public:
  DequantizeOp(std::vector<float> table, IoTypes io) : table_(std::move(table)), io_(std::move(io)) {}
  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check("DequantizeLinear", ins, outs));
    const uint8_t* x = static_cast<const uint8_t*>(ins[0]->raw());
    float* y = outs[0].data<float>();
    const int64_t n = ins[0]->numel();
    constexpr int64_t kChunk = int64_t{1} << 16;
    const int64_t tasks = (n + kChunk - 1) / kChunk;
    parallel_for(tasks > 1 ? par : nullptr, tasks, [&](int64_t t) {
      const int64_t i0 = t * kChunk, i1 = std::min(n, i0 + kChunk);
      for (int64_t i = i0; i < i1; ++i) y[i] = table_[x[i]];
    });
    return Status::Ok();
  }
  const char* kernel_name() const override { return "dequantize_lut"; }
  size_t workspace_bytes() const override { return table_.size() * sizeof(float); }

 private:
  std::vector<float> table_;
  IoTypes io_;
};

/// Per-tensor scale / zero point from constant inputs 1 / 2 (zero point dtype must be `zt`); false otherwise.
bool per_tensor_params(std::span<const TensorSig> ins, DType zt, float* scale, int32_t* zp) {
  if (ins.size() < 2 || !ins[1].present || ins[1].constant == nullptr) return false;
  const Tensor& s = *ins[1].constant;
  if (s.dtype() != DType::kF32 || s.numel() != 1 || s.empty()) return false;
  *scale = s.data<float>()[0];
  *zp = 0;
  if (ins.size() > 2 && ins[2].present) {
    if (ins[2].constant == nullptr) return false;
    const Tensor& z = *ins[2].constant;
    if (z.dtype() != zt || z.numel() != 1 || z.empty()) return false;
    switch (zt) {
      case DType::kI8: *zp = z.data<int8_t>()[0]; break;
      case DType::kU8: *zp = z.data<uint8_t>()[0]; break;
      case DType::kI16: *zp = z.data<int16_t>()[0]; break;
      default: return false;
    }
  }
  return true;
}

}  // namespace

PrepResult prepare_qconcat(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                           Isa isa) {
  const size_t n = ins.size();
  if (n == 0 || !all_present(ins) || outs.size() != 1) return not_covered();
  NPUKIT_ASSIGN_OR_RETURN(qref::QConcatParams p, qref::qconcat_params(attrs, n));
  const DType yt = outs[0].dtype;
  if (yt != p.output_dtype || !qref::detail::check_output(yt, p.out_range, p.output_zero_point, "y").ok())
    return not_covered();
  const Shape& s0 = ins[0].shape;
  const int64_t rank = static_cast<int64_t>(s0.size());
  int64_t axis = p.axis < 0 ? p.axis + rank : p.axis;
  if (rank == 0 || axis < 0 || axis >= rank) return not_covered();
  Shape out = s0;
  out[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < n; ++i) {
    const TensorSig& t = ins[i];
    if (!is_byte_code(t.dtype) || static_cast<int64_t>(t.shape.size()) != rank) return not_covered();
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t.shape[static_cast<size_t>(d)] != s0[static_cast<size_t>(d)]) return not_covered();
    if (!qref::detail::check_zero_point(t.dtype, p.inputs[i].zero_point, "x").ok()) return not_covered();
    if (p.inputs[i].rescale && !valid_mult(p.inputs[i].mult)) return not_covered();
    out[static_cast<size_t>(axis)] += t.shape[static_cast<size_t>(axis)];
  }
  if (out != outs[0].shape) return not_covered();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out[static_cast<size_t>(d)];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= out[static_cast<size_t>(d)];
  const bool out16 = yt == DType::kI16;
  std::vector<QConcatOp::Part> parts(n);
  std::vector<uint8_t> tables;
  std::vector<int16_t> tables16;
  for (size_t i = 0; i < n; ++i) {
    const qref::QConcatInput& q = p.inputs[i];
    QConcatOp::Part& part = parts[i];
    part.chunk = ins[i].shape[static_cast<size_t>(axis)] * inner;
    part.copy = !out16 && !q.rescale && ins[i].dtype == yt && q.zero_point == p.output_zero_point &&
                p.out_range == qref::dtype_range(yt);
    if (part.copy) continue;
    part.table = out16 ? tables16.size() : tables.size();
    for (uint32_t b = 0; b < 256; ++b) {
      const int64_t v = static_cast<int64_t>(code_of_bits(ins[i].dtype, b)) - q.zero_point;
      const int32_t c = q.rescale ? quant::requantize(v, q.mult, p.output_zero_point, p.out_range)
                                  : quant::saturate(v + p.output_zero_point, p.out_range);
      if (out16)
        tables16.push_back(static_cast<int16_t>(c));
      else
        tables.push_back(static_cast<uint8_t>(c));
    }
  }
  IoTypes io;
  io.set(ins, outs, n);
  return std::unique_ptr<PreparedOp>(std::make_unique<QConcatOp>(
      std::move(parts), std::move(tables), std::move(tables16), out16, outer, std::move(io), lut8_row_fn(isa)));
}

PrepResult prepare_qlut(const Attrs& /*attrs*/, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                        Isa isa) {
  if (ins.size() != 2 || !all_present(ins) || outs.size() != 1 || ins[1].constant == nullptr) return not_covered();
  const DType xt = ins[0].dtype, tt = ins[1].dtype;
  const Tensor& table = *ins[1].constant;
  if (!qref::is_activation_dtype(xt) || !qref::is_activation_dtype(tt) || table.dtype() != tt || outs[0].dtype != tt ||
      table.numel() != code_count(xt) || table.empty() || outs[0].shape != ins[0].shape)
    return not_covered();
  std::vector<int32_t> codes;
  if (!qref::detail::load_codes(table, "QLut table", &codes).ok()) return not_covered();
  const int32_t first = qref::dtype_range(xt).qmin;
  IoTypes io;
  io.set(ins, outs, 1);
  return make_table_op(xt, tt, std::move(io), "QLut", "lut", isa,
                       [&](int32_t c) { return codes[static_cast<size_t>(c - first)]; });
}

PrepResult prepare_requantize(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs,
                              Isa isa) {
  if (ins.size() != 1 || !all_present(ins) || outs.size() != 1) return not_covered();
  const DType xt = ins[0].dtype, yt = outs[0].dtype;
  if (!qref::is_activation_dtype(xt) || outs[0].shape != ins[0].shape) return not_covered();
  NPUKIT_ASSIGN_OR_RETURN(qref::QRequantizeParams p, qref::qrequantize_params(attrs));
  if (yt != p.output_dtype || !qref::detail::check_zero_point(xt, p.input_zero_point, "x").ok() ||
      !qref::detail::check_output(yt, p.out_range, p.output_zero_point, "y").ok() || !valid_mult(p.mult))
    return not_covered();
  IoTypes io;
  io.set(ins, outs, 1);
  return make_table_op(xt, yt, std::move(io), "Requantize", "requant_lut", isa, [&](int32_t c) {
    return quant::requantize(static_cast<int64_t>(c) - p.input_zero_point, p.mult, p.output_zero_point, p.out_range);
  });
}

PrepResult prepare_quantize_linear(const Attrs& /*attrs*/, std::span<const TensorSig> ins,
                                   std::span<const TensorSig> outs, Isa isa) {
  if (ins.size() < 2 || !ins[0].present || ins[0].dtype != DType::kF32 || outs.size() != 1) return not_covered();
  const DType qt = outs[0].dtype;
  if (qt != DType::kI8 && qt != DType::kU8 && qt != DType::kI16) return not_covered();
  if (outs[0].shape != ins[0].shape) return not_covered();
  float scale = 1.0f;
  int32_t zp = 0;
  if (!per_tensor_params(ins, qt, &scale, &zp)) return not_covered();
  IoTypes io;
  io.set(ins, outs, 1);
  const bool avx2 = isa >= Isa::kAvx2;
  if (qt == DType::kI8) return std::unique_ptr<PreparedOp>(std::make_unique<QuantizeOp<int8_t>>(scale, zp, io, avx2));
  if (qt == DType::kU8) return std::unique_ptr<PreparedOp>(std::make_unique<QuantizeOp<uint8_t>>(scale, zp, io, avx2));
  return std::unique_ptr<PreparedOp>(std::make_unique<QuantizeOp<int16_t>>(scale, zp, io, avx2));
}

PrepResult prepare_dequantize_linear(const Attrs& /*attrs*/, std::span<const TensorSig> ins,
                                     std::span<const TensorSig> outs) {
  if (ins.size() < 2 || !ins[0].present || !is_byte_code(ins[0].dtype) || outs.size() != 1) return not_covered();
  if (outs[0].dtype != DType::kF32 || outs[0].shape != ins[0].shape) return not_covered();
  float scale = 1.0f;
  int32_t zp = 0;
  if (!per_tensor_params(ins, ins[0].dtype, &scale, &zp)) return not_covered();
  std::vector<float> table(256);
  for (uint32_t b = 0; b < 256; ++b) {
    const int64_t d = static_cast<int64_t>(code_of_bits(ins[0].dtype, b)) - zp;
    table[b] = static_cast<float>(d) * scale;  // exactly the reference expression
  }
  IoTypes io;
  io.set(ins, outs, 1);
  return std::unique_ptr<PreparedOp>(std::make_unique<DequantizeOp>(std::move(table), std::move(io)));
}

}  // namespace npukit::q8::ops
