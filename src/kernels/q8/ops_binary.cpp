// SPDX-License-Identifier: Apache-2.0
// kernels/q8: QAdd / QSub / QMul on 8-bit codes with numpy broadcasting. For 8-bit inputs the whole op is a
// function of the two input codes, so prepare builds the 256 x 256 table of quant::add_quantized /
// mul_quantized (exact by construction) and run() is a table walk over the coalesced broadcast pattern:
// contiguous x contiguous uses the 2-D table, contiguous x constant (squeeze-excite scales, scalars) uses one
// 256-entry row of it. On the AVX2 tiers, with an 8-bit output, contiguous x contiguous rows run the exact integer
// form BinaryFormula (ops_common.h; accepted at prepare only after it reproduced the whole table) and constant
// rows the vector 256-entry lookup (lut8_row_avx2). When one operand is a graph constant of 16-bit codes (the
// quantized f32 constants of Add / Sub / Mul) and the other 8-bit codes, prepare builds one 256-entry result row
// per distinct constant value from the same reference arithmetic (BinaryConstRowsOp, capped at 4096 rows).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "kernels/q8/ops_common.h"
#include "kernels/ref/qkernels.h"
#include "kernels/ref/qparams.h"
#include "quant/arith.h"

namespace npukit::q8::ops {
namespace {

/// Code of byte `b` interpreted as dtype t (kI8: two's complement, kU8: unsigned).
inline int32_t byte_code(DType t, int b) {
  return t == DType::kI8 ? static_cast<int32_t>(static_cast<int8_t>(static_cast<uint8_t>(b))) : b;
}

/// Coalesced broadcast pattern of two inputs over the output shape.
struct BroadcastPlan {
  std::vector<int64_t> dims, sa, sb;  // innermost last; at least one dim
  int64_t total = 0;

  /// Calls fn(r0, r1) on ranges of rows (a row: the innermost dim) of about 32 K outputs each, split over par (long
  /// rows were cut by make_plan).
  template <class F>
  void for_rows(const Parallel* par, F&& fn) const {
    if (total == 0) return;
    const int64_t inner = std::max<int64_t>(dims.back(), 1);
    const int64_t rows = total / inner;
    const int64_t rows_per_task = std::max<int64_t>(1, (int64_t{1} << 15) / inner);
    const int64_t tasks = (rows + rows_per_task - 1) / rows_per_task;
    parallel_for(tasks > 1 ? par : nullptr, tasks, [&](int64_t t) {
      const int64_t r0 = t * rows_per_task;
      fn(r0, std::min(rows, r0 + rows_per_task));
    });
  }
};

/// Element offsets of both operands at the start of each row of a plan, walked row by row from row r0 (an odometer
/// over the outer dims).
class RowCursor {
 public:
  RowCursor(const BroadcastPlan& p, int64_t r0) : p_(p) {
    int64_t rem = r0;
    for (size_t d = p.dims.size() - 1; d-- > 0;) {
      idx_[d] = rem % p.dims[d];
      rem /= p.dims[d];
      a_ += idx_[d] * p.sa[d];
      b_ += idx_[d] * p.sb[d];
    }
  }
  int64_t a() const { return a_; }
  int64_t b() const { return b_; }
  void next() {
    for (size_t d = p_.dims.size() - 1; d-- > 0;) {
      a_ += p_.sa[d];
      b_ += p_.sb[d];
      if (++idx_[d] < p_.dims[d]) return;
      a_ -= p_.sa[d] * p_.dims[d];
      b_ -= p_.sb[d] * p_.dims[d];
      idx_[d] = 0;
    }
  }

 private:
  const BroadcastPlan& p_;
  int64_t idx_[16] = {0};  // prepare_binary covers ranks up to 15 only
  int64_t a_ = 0, b_ = 0;
};

BroadcastPlan make_plan(const Shape& a, const Shape& b, const Shape& out) {
  const size_t r = out.size();
  std::vector<int64_t> dims, sa, sb;
  int64_t stride_a = 1, stride_b = 1;
  std::vector<int64_t> fa(r), fb(r);
  for (size_t i = r; i-- > 0;) {
    const int64_t da = i + a.size() >= r ? a[i + a.size() - r] : 1;
    const int64_t db = i + b.size() >= r ? b[i + b.size() - r] : 1;
    fa[i] = da == 1 ? 0 : stride_a;
    fb[i] = db == 1 ? 0 : stride_b;
    stride_a *= da;
    stride_b *= db;
  }
  for (size_t i = 0; i < r; ++i) {
    if (out[i] == 1) continue;
    if (!dims.empty() && sa.back() == fa[i] * out[i] && sb.back() == fb[i] * out[i]) {
      dims.back() *= out[i];
      sa.back() = fa[i];
      sb.back() = fb[i];
      continue;
    }
    dims.push_back(out[i]);
    sa.push_back(fa[i]);
    sb.push_back(fb[i]);
  }
  if (dims.empty()) {
    dims.push_back(1);
    sa.push_back(0);
    sb.push_back(0);
  }
  // A long innermost dim (a same-shape add coalesces into one row) is cut into rows of a divisor of it between
  // kRowMax / 8 and kRowMax elements, so BroadcastPlan::for_rows has rows to spread over threads (one row is one task):
  // element i * c + j of a dim of stride s sits at i * (c * s) + j * s.
  constexpr int64_t kRowMax = int64_t{1} << 15;
  if (const int64_t inner = dims.back(); inner >= 2 * kRowMax)
    for (int64_t c = kRowMax; c >= kRowMax / 8; --c)
      if (inner % c == 0) {
        const int64_t s_a = sa.back(), s_b = sb.back();
        dims.back() = inner / c;
        sa.back() = s_a * c;
        sb.back() = s_b * c;
        dims.push_back(c);
        sa.push_back(s_a);
        sb.push_back(s_b);
        break;
      }
  BroadcastPlan p;
  p.dims = std::move(dims);
  p.sa = std::move(sa);
  p.sb = std::move(sb);
  p.total = 1;
  for (int64_t d : p.dims) p.total *= d;
  return p;
}

template <class OutT>
class BinaryLutOp final : public PreparedOp {
 public:
  BinaryLutOp(BroadcastPlan plan, std::vector<OutT> table, bool swapped, IoTypes io, const char* name)
      : plan_(std::move(plan)), table_(std::move(table)), swapped_(swapped), io_(std::move(io)), name_(name) {}

  /// Vector row kernels (8-bit outputs only): `formula` with `row_fn` for contiguous x contiguous rows, `lut`
  /// for contiguous x constant rows. Either may be null.
  void set_row_kernels(std::optional<BinaryFormula> formula, BinaryRowFn row_fn, Lut8RowFn lut) {
    formula_ = formula;
    row_fn_ = formula_ ? row_fn : nullptr;
    lut_ = lut;
    const int64_t ia = plan_.sa.back(), ib = plan_.sb.back();
    if (ia == 1 && ib == 1 && row_fn_ != nullptr) {
      const bool f512 = row_fn_ == &binary_row_avx512;
      kname_ = formula_->has_float && formula_->kind != BinaryFormula::Kind::kMul
                   ? (f512 ? "binary_float_avx512" : "binary_float_avx2")
                   : "binary_formula_avx2";
    } else if (((ia == 0 && ib == 1) || (ia == 1 && ib == 0)) && lut_ != nullptr)
      kname_ = lut8_kernel_name(lut_, "binary_row_lut_avx2", "binary_row_lut_avx512");
  }

  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check(name_, ins, outs));
    const uint8_t* a = static_cast<const uint8_t*>(ins[0]->raw());
    const uint8_t* b = static_cast<const uint8_t*>(ins[1]->raw());
    OutT* y = static_cast<OutT*>(outs[0].raw());
    plan_.for_rows(par, [&](int64_t r0, int64_t r1) { run_rows(a, b, y, r0, r1); });
    return Status::Ok();
  }
  const char* kernel_name() const override { return kname_; }
  size_t workspace_bytes() const override { return table_.size() * sizeof(OutT); }

 private:
  void run_rows(const uint8_t* a, const uint8_t* b, OutT* y, int64_t r0, int64_t r1) const {
    const int64_t inner = plan_.dims.back();
    const int64_t ia = plan_.sa.back(), ib = plan_.sb.back();
    const OutT* tab = table_.data();
    for (RowCursor cur(plan_, r0); r0 < r1; ++r0, cur.next()) {
      const int64_t r = r0;
      const uint8_t* pa = a + cur.a();
      const uint8_t* pb = b + cur.b();
      OutT* py = y + r * inner;
      // The table is indexed [first][second] with first = a unless swapped_ (then b): the constant operand of
      // a broadcast row is always `first`, so its row is contiguous.
      if (ia == 1 && ib == 1 && row_fn_ != nullptr && inner >= kMinVectorRow) {
        if constexpr (sizeof(OutT) == 1) row_fn_(*formula_, pa, pb, reinterpret_cast<uint8_t*>(py), inner);
      } else if (ia != ib && lut_ != nullptr && inner >= kMinVectorRow && (ia == 0) != swapped_) {
        // One operand constant along the row: its 256-entry row of the table (`first` = the constant one).
        const uint32_t c = ia == 0 ? pa[0] : pb[0];
        if constexpr (sizeof(OutT) == 1)
          lut_(reinterpret_cast<const uint8_t*>(tab) + (c << 8), ia == 0 ? pb : pa, reinterpret_cast<uint8_t*>(py),
               inner);
      } else if (ia == 1 && ib == 1) {
        if (!swapped_)
          for (int64_t i = 0; i < inner; ++i) py[i] = tab[(static_cast<uint32_t>(pa[i]) << 8) | pb[i]];
        else
          for (int64_t i = 0; i < inner; ++i) py[i] = tab[(static_cast<uint32_t>(pb[i]) << 8) | pa[i]];
      } else if (ia == 0 && ib == 1 && !swapped_) {
        const OutT* row = tab + (static_cast<uint32_t>(pa[0]) << 8);
        for (int64_t i = 0; i < inner; ++i) py[i] = row[pb[i]];
      } else if (ia == 1 && ib == 0 && swapped_) {
        const OutT* row = tab + (static_cast<uint32_t>(pb[0]) << 8);
        for (int64_t i = 0; i < inner; ++i) py[i] = row[pa[i]];
      } else {
        for (int64_t i = 0; i < inner; ++i) {
          const uint32_t u = pa[i * ia], v = pb[i * ib];
          py[i] = swapped_ ? tab[(v << 8) | u] : tab[(u << 8) | v];
        }
      }
    }
  }

  static constexpr int64_t kMinVectorRow = 16;  // shorter rows: the scalar loops

  BroadcastPlan plan_;
  std::vector<OutT> table_;
  bool swapped_;
  IoTypes io_;
  const char* name_;
  const char* kname_ = "binary_lut2d";
  std::optional<BinaryFormula> formula_;
  BinaryRowFn row_fn_ = nullptr;
  Lut8RowFn lut_ = nullptr;
};

/// Offset form of the codes of dtype t for BinaryFormula: d = (byte ^ flip) - z.
void code_offsets(DType t, int32_t zp, uint8_t* flip, int32_t* z) {
  *flip = t == DType::kI8 ? 0x80 : 0;
  *z = zp + (t == DType::kI8 ? 128 : 0);
}

/// For g monotone non-decreasing on [lo, hi]. low_edge: the largest s with g(s) == target when g(lo) == target,
/// else lo. Otherwise: the smallest s with g(s) == target when g(hi) == target, else hi.
template <class G>
int64_t clamp_edge(int64_t lo, int64_t hi, int32_t target, bool low_edge, G&& g) {
  if (low_edge) {
    if (g(lo) != target) return lo;
    while (lo < hi) {  // invariant: g(lo) == target
      const int64_t mid = lo + (hi - lo + 1) / 2;
      if (g(mid) == target)
        lo = mid;
      else
        hi = mid - 1;
    }
    return lo;
  }
  if (g(hi) != target) return hi;
  while (lo < hi) {  // invariant: g(hi) == target
    const int64_t mid = lo + (hi - lo) / 2;
    if (g(mid) == target)
      hi = mid;
    else
      lo = mid + 1;
  }
  return hi;
}

/// True when `fn` with `f` reproduces the table (indexed [first][second], first = b when `swapped`) for every
/// pair of input bytes.
bool formula_matches(const BinaryFormula& f, BinaryRowFn fn, const std::vector<uint8_t>& table, bool swapped) {
  std::vector<uint8_t> a(65536), b(65536), y(65536);
  for (uint32_t i = 0; i < 65536; ++i) {
    a[i] = static_cast<uint8_t>(i >> 8);
    b[i] = static_cast<uint8_t>(i & 255);
  }
  fn(f, a.data(), b.data(), y.data(), 65536);
  for (uint32_t i = 0; i < 65536; ++i) {
    const uint32_t idx = swapped ? (static_cast<uint32_t>(b[i]) << 8) | a[i] : i;
    if (y[i] != table[idx]) return false;
  }
  return true;
}

/// The float form of an add / sub (BinaryFormula::has_float) when its error bound allows. Exact reals, with
/// da = code_a - a_zp: A = da 2^L ma, B = db 2^L mb; the integer form rounds each (ra = floor(A + 1/2), |ra - A| <=
/// 1/2), then y = floor((ra +- rb) mo + 1/2) + zo, so its final argument is w = (A +- B) mo + 1/2 + zo plus at most mo.
/// The kernel evaluates 2^k w from the codes themselves (|code| <= 255) with two fmas on float constants (scaling by
/// 2^k is exact in float, errors included); the error bound tau below covers the constants' rounding to float and the
/// two fma roundings (each at most 2^-24 of its result, every magnitude at most W). With tau <= 2^-(k+1) and
/// v = round(2^k w~) = q 2^k + m, 0 < m < 2^k: w~ lies in [q + 2^-(k+1), q + 1 - 2^-(k+1)], so the integer form's
/// argument lies strictly inside (q, q + 1) and its floor is q.
void set_float_form(const quant::AddParams& add, bool sub, BinaryFormula* f) {
  auto real = [](quant::QuantizedMultiplier m) { return std::ldexp(static_cast<double>(m.mult), m.shift - 31); };
  for (const quant::QuantizedMultiplier m : {add.a_mult, add.b_mult, add.out_mult})
    if (m.mult < 0 || m.shift > 30) return;  // scale_round's plain rounding form (31 - shift >= 1)
  const double mo = real(add.out_mult), two_l = std::ldexp(1.0, add.left_shift);
  const double ca = two_l * real(add.a_mult) * mo, cb = (sub ? -1.0 : 1.0) * two_l * real(add.b_mult) * mo;
  const double c = 0.5 + f->zo - add.a_zp * ca - add.b_zp * cb;
  const double w_max = 255.0 * (std::fabs(ca) + std::fabs(cb)) + std::fabs(c) + 1.0;
  if (w_max > std::ldexp(1.0, 22)) return;  // the bound meaningful only well inside 2^24
  const double err = std::ldexp(1.0, -24) * (255.0 * (std::fabs(ca) + std::fabs(cb)) + std::fabs(c) + 2.0 * w_max);
  const double tau = 1.01 * err + mo + 1e-12;
  // The largest k with tau <= 2^-(k+1) and 2^k * w_max well inside int32; k >= 6: at most ~1/64 of the elements flag.
  int k = 0;
  while (k < 24 && tau <= std::ldexp(1.0, -(k + 2)) && w_max * std::ldexp(1.0, k + 1) < std::ldexp(1.0, 30)) ++k;
  if (k < 6) return;  // too many elements would need the exact form
  const double sk = std::ldexp(1.0, k);
  f->fa = static_cast<float>(ca * sk);
  f->fb = static_cast<float>(cb * sk);
  f->fc = static_cast<float>(c * sk);
  f->fk = k;
  f->has_float = true;
}

/// BinaryFormula of an add / sub (mul == nullptr) or mul, when every intermediate of the form stays in its
/// exact range; nullopt otherwise (the op then keeps the table walk).
std::optional<BinaryFormula> make_formula(DType ta, DType tb, const quant::AddParams* add, bool sub,
                                          const quant::MulParams* mul) {
  BinaryFormula f;
  const int32_t a_zp = add ? add->a_zp : mul->a_zp, b_zp = add ? add->b_zp : mul->b_zp;
  code_offsets(ta, a_zp, &f.a_flip, &f.za);
  code_offsets(tb, b_zp, &f.b_flip, &f.zb);
  const quant::QRange ra = qref::dtype_range(ta), rb = qref::dtype_range(tb);
  const int64_t da_min = ra.qmin - a_zp, da_max = ra.qmax - a_zp, db_min = rb.qmin - b_zp, db_max = rb.qmax - b_zp;
  int64_t s_min = 0, s_max = 0;
  quant::QuantizedMultiplier out_mult;
  if (add != nullptr) {
    f.kind = sub ? BinaryFormula::Kind::kSub : BinaryFormula::Kind::kAdd;
    f.left_shift = add->left_shift;
    if (f.left_shift > 22) return std::nullopt;  // 255 << L must fit in int32
    if (!RoundShift::make(add->a_mult, &f.ma) || !RoundShift::make(add->b_mult, &f.mb)) return std::nullopt;
    // Per-operand terms over every code: exact in the form and small enough that their sum fits in int32.
    auto term_range = [&](int64_t d_min, int64_t d_max, const RoundShift& rs, quant::QuantizedMultiplier m, int64_t* lo,
                          int64_t* hi) {
      *lo = INT64_MAX;
      *hi = INT64_MIN;
      for (int64_t d = d_min; d <= d_max; ++d) {
        const int64_t x = d * (int64_t{1} << f.left_shift);
        const int64_t want = quant::scale_round(x, m);
        if (want < -(int64_t{1} << 29) || want > (int64_t{1} << 29) || rs.apply(static_cast<int32_t>(x)) != want)
          return false;
        *lo = std::min(*lo, want);
        *hi = std::max(*hi, want);
      }
      return true;
    };
    int64_t a_lo, a_hi, b_lo, b_hi;
    if (!term_range(da_min, da_max, f.ma, add->a_mult, &a_lo, &a_hi) ||
        !term_range(db_min, db_max, f.mb, add->b_mult, &b_lo, &b_hi))
      return std::nullopt;
    s_min = sub ? a_lo - b_hi : a_lo + b_lo;
    s_max = sub ? a_hi - b_lo : a_hi + b_hi;
    out_mult = add->out_mult;
    f.zo = add->out_zp;
    f.qmin = add->range.qmin;
    f.qmax = add->range.qmax;
  } else {
    f.kind = BinaryFormula::Kind::kMul;
    const int64_t c[4] = {da_min * db_min, da_min * db_max, da_max * db_min, da_max * db_max};
    s_min = *std::min_element(c, c + 4);
    s_max = *std::max_element(c, c + 4);
    out_mult = mul->mult;
    f.zo = mul->out_zp;
    f.qmin = mul->range.qmin;
    f.qmax = mul->range.qmax;
  }
  if (!RoundShift::make(out_mult, &f.mo)) return std::nullopt;
  const quant::QRange range{f.qmin, f.qmax};
  auto g = [&](int64_t s) { return quant::requantize(s, out_mult, f.zo, range); };
  const int64_t s_lo = clamp_edge(s_min, s_max, f.qmin, true, g);
  const int64_t s_hi = clamp_edge(s_min, s_max, f.qmax, false, g);
  // scale_round is monotone: exact (and int32) at both edges means exact in between.
  for (int64_t s : {s_lo, s_hi}) {
    const int64_t v = quant::scale_round(s, out_mult);
    if (v < -(int64_t{1} << 30) || v > (int64_t{1} << 30) || f.mo.apply(static_cast<int32_t>(s)) != v)
      return std::nullopt;
  }
  f.s_lo = static_cast<int32_t>(s_lo);
  f.s_hi = static_cast<int32_t>(s_hi);
  if (add != nullptr) set_float_form(*add, sub, &f);
  return f;
}

/// The 256 x 256 table of f(code_a, code_b) over the input bytes, indexed [first][second] with first = a's byte unless
/// `swapped` (then b's).
template <class OutT, class F>
std::vector<OutT> pair_table(DType ta, DType tb, bool swapped, F&& f) {
  std::vector<OutT> table(65536);
  for (int u = 0; u < 256; ++u)
    for (int v = 0; v < 256; ++v) {
      const int32_t ca = byte_code(ta, swapped ? v : u), cb = byte_code(tb, swapped ? u : v);
      table[static_cast<size_t>(u) * 256 + static_cast<size_t>(v)] = static_cast<OutT>(f(ca, cb));
    }
  return table;
}

/// True when zero point zp is a code of dtype t.
bool in_range(int32_t zp, DType t) {
  const quant::QRange r = qref::dtype_range(t);
  return zp >= r.qmin && zp <= r.qmax;
}

/// True when an add / sub of ta and tb codes into ty codes has parameters the fast forms take (anything else: the
/// reference runs, and reports the error when they are invalid).
bool add_params_ok(const quant::AddParams& p, DType ta, DType tb, DType ty) {
  const quant::QRange yr = qref::dtype_range(ty);
  return p.left_shift >= 0 && p.left_shift <= 24 && in_range(p.a_zp, ta) && in_range(p.b_zp, tb) &&
         in_range(p.out_zp, ty) && p.range.qmin <= p.range.qmax && p.range.qmin >= yr.qmin && p.range.qmax <= yr.qmax &&
         p.a_mult.mult >= 0 && p.b_mult.mult >= 0 && p.out_mult.mult >= 0;
}

template <class OutT, class F>
PrepResult make_binary(BroadcastPlan plan, DType ta, DType tb, IoTypes io, const char* name, F&& f,
                       std::optional<BinaryFormula> formula, Isa isa) {
  // Orientation: the operand that is constant along the innermost dim is the table's first index.
  const bool swapped = plan.sa.back() == 1 && plan.sb.back() == 0;
  std::vector<OutT> table = pair_table<OutT>(ta, tb, swapped, f);
  BinaryRowFn row_fn = nullptr;
  Lut8RowFn lut = nullptr;
  if constexpr (sizeof(OutT) == 1) {
    row_fn = binary_row_fn(isa);
    lut = lut8_row_fn(isa);
    // The formula is used only where it reproduced every entry of the table with this tier's kernel.
    const bool vv = plan.sa.back() == 1 && plan.sb.back() == 1;
    if (!vv || row_fn == nullptr || !formula || !formula_matches(*formula, row_fn, table, swapped)) formula.reset();
  } else {
    formula.reset();
  }
  auto op = std::make_unique<BinaryLutOp<OutT>>(std::move(plan), std::move(table), swapped, std::move(io), name);
  op->set_row_kernels(formula, row_fn, lut);
  return std::unique_ptr<PreparedOp>(std::move(op));
}

/// QAdd / QSub / QMul with one operand a graph constant of 16-bit codes (the quantized f32 constants of
/// quant/lower_qdq_ops.cpp) and the other 8-bit codes, 8-bit output. For a fixed constant code the op is a
/// function of the 8-bit code alone, so prepare evaluates the reference arithmetic (`f`, quant::add_quantized /
/// mul_quantized) on every input code for each DISTINCT constant value: one 256-entry result row per value,
/// and per constant element the byte offset of its row. run() walks the coalesced broadcast pattern: a row
/// where the constant is fixed (scalar, per channel) is one 256-entry lookup (lut8_row_avx2 on the AVX2 tiers,
/// a scalar row walk otherwise); a row along which the constant varies looks each element's row up.
/// Memory is capped at kMaxConstRows rows (kMaxConstRows * 256 bytes) and kMaxConstElems index entries; beyond
/// that prepare declines and the reference runs.
class BinaryConstRowsOp final : public PreparedOp {
 public:
  static constexpr int64_t kMaxConstRows = 4096;      // 1 MiB of rows
  static constexpr int64_t kMaxConstElems = 1 << 20;  // 4 MiB of row offsets

  /// plan: broadcast pattern with sa = the variable operand's strides, sb = the constant's.
  BinaryConstRowsOp(BroadcastPlan plan, std::vector<uint8_t> rows, std::vector<uint32_t> row_of, IoTypes io,
                    int var_slot, const char* name, Lut8RowFn lut)
      : plan_(std::move(plan)),
        rows_(std::move(rows)),
        row_of_(std::move(row_of)),
        io_(std::move(io)),
        var_slot_(var_slot),
        name_(name),
        lut_(lut) {
    kname_ = plan_.sb.back() == 0 && plan_.sa.back() == 1 && lut_ != nullptr
                 ? lut8_kernel_name(lut_, "binary_const_rows_lut_avx2", "binary_const_rows_lut_avx512")
                 : "binary_const_rows";
  }

  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check(name_, ins, outs));
    // Only the variable operand is read: the constant's codes were folded into the rows at prepare time.
    const uint8_t* x = static_cast<const uint8_t*>(ins[static_cast<size_t>(var_slot_)]->raw());
    uint8_t* y = static_cast<uint8_t*>(outs[0].raw());
    plan_.for_rows(par, [&](int64_t r0, int64_t r1) { run_rows(x, y, r0, r1); });
    return Status::Ok();
  }
  const char* kernel_name() const override { return kname_; }
  size_t workspace_bytes() const override { return rows_.size() + row_of_.size() * sizeof(uint32_t); }

 private:
  void run_rows(const uint8_t* x, uint8_t* y, int64_t r0, int64_t r1) const {
    const int64_t inner = plan_.dims.back();
    const int64_t ix = plan_.sa.back(), ic = plan_.sb.back();
    const uint8_t* tab = rows_.data();
    const uint32_t* row_of = row_of_.data();
    for (RowCursor cur(plan_, r0); r0 < r1; ++r0, cur.next()) {
      const int64_t r = r0, oc = cur.b();
      const uint8_t* px = x + cur.a();
      uint8_t* py = y + r * inner;
      if (ic == 0) {
        const uint8_t* row = tab + row_of[oc];
        if (ix == 0)
          std::memset(py, row[px[0]], static_cast<size_t>(inner));
        else if (lut_ != nullptr && inner >= kMinVectorRow)
          lut_(row, px, py, inner);
        else
          for (int64_t i = 0; i < inner; ++i) py[i] = row[px[i]];
      } else {
        const uint32_t* ro = row_of + oc;
        for (int64_t i = 0; i < inner; ++i) py[i] = tab[ro[i] + px[i * ix]];
      }
    }
  }

  static constexpr int64_t kMinVectorRow = 16;  // shorter rows: the scalar walk

  BroadcastPlan plan_;
  std::vector<uint8_t> rows_;
  std::vector<uint32_t> row_of_;
  IoTypes io_;
  int var_slot_;
  const char* name_;
  const char* kname_;
  Lut8RowFn lut_;
};

/// The constant-operand form (BinaryConstRowsOp) of a node whose input `const_slot` is a kI16 graph constant
/// and whose other input holds 8-bit codes, with an 8-bit output; nullptr when the constant is not available
/// or the tables would exceed the caps. f(a_code, b_code) is the reference arithmetic.
template <class F>
PrepResult make_const_rows(std::span<const TensorSig> ins, std::span<const TensorSig> outs, int const_slot,
                           const char* name, F&& f, Isa isa) {
  const int var_slot = 1 - const_slot;
  const TensorSig& cs = ins[static_cast<size_t>(const_slot)];
  const TensorSig& xs = ins[static_cast<size_t>(var_slot)];
  const Tensor* c = cs.constant;
  if (c == nullptr || c->dtype() != DType::kI16 || c->shape() != cs.shape || !is_byte_code(xs.dtype))
    return not_covered();
  const int64_t nc = c->numel();
  if (nc > BinaryConstRowsOp::kMaxConstElems || (nc > 0 && c->empty())) return not_covered();
  // Distinct constant codes -> row index.
  std::vector<int32_t> row_index(65536, -1);
  std::vector<int32_t> values;
  std::vector<uint32_t> row_of(static_cast<size_t>(nc));
  const int16_t* cv = c->data<int16_t>();
  for (int64_t i = 0; i < nc; ++i) {
    int32_t& r = row_index[static_cast<size_t>(static_cast<int32_t>(cv[i]) + 32768)];
    if (r < 0) {
      if (static_cast<int64_t>(values.size()) >= BinaryConstRowsOp::kMaxConstRows) return not_covered();
      r = static_cast<int32_t>(values.size());
      values.push_back(cv[i]);
    }
    row_of[static_cast<size_t>(i)] = static_cast<uint32_t>(r) << 8;
  }
  std::vector<uint8_t> rows(values.size() * 256);
  for (size_t r = 0; r < values.size(); ++r)
    for (int u = 0; u < 256; ++u) {
      const int32_t x = byte_code(xs.dtype, u);
      rows[r * 256 + static_cast<size_t>(u)] =
          static_cast<uint8_t>(const_slot == 1 ? f(x, values[r]) : f(values[r], x));
    }
  // Plan with the variable operand first.
  BroadcastPlan plan = make_plan(xs.shape, cs.shape, outs[0].shape);
  IoTypes io;
  io.set(ins, outs, 2);
  return std::unique_ptr<PreparedOp>(std::make_unique<BinaryConstRowsOp>(
      std::move(plan), std::move(rows), std::move(row_of), std::move(io), var_slot, name, lut8_row_fn(isa)));
}

}  // namespace

std::shared_ptr<const AddRowKernel> make_add_row(const quant::AddParams& p, DType ta, DType tb, Isa isa) {
  const BinaryRowFn fn = binary_row_fn(isa);
  if (fn == nullptr || !is_byte_code(ta) || !is_byte_code(tb) || !add_params_ok(p, ta, tb, ta)) return nullptr;
  std::optional<BinaryFormula> f = make_formula(ta, tb, &p, false, nullptr);
  auto add = [&p](int32_t u, int32_t v) { return quant::add_quantized(u, v, p); };
  if (!f || !formula_matches(*f, fn, pair_table<uint8_t>(ta, tb, false, add), false)) return nullptr;
  auto k = std::make_shared<AddRowKernel>();
  k->f = *f;
  k->rows_fn = fn == &binary_row_avx512 ? &add_rows_avx512 : &add_rows_avx2;  // (fn: binary_row_avx512 / _avx2)
  return k;
}

PrepResult prepare_binary(std::string_view op, const Attrs& attrs, std::span<const TensorSig> ins,
                          std::span<const TensorSig> outs, Isa isa) {
  if (ins.size() != 2 || !all_present(ins) || outs.size() != 1) return not_covered();
  const DType ta = ins[0].dtype, tb = ins[1].dtype, ty = outs[0].dtype;
  // 8-bit x 8-bit: the 256 x 256 table; 8-bit x constant 16-bit codes with an 8-bit output: rows per constant
  // value (make_const_rows). Anything else runs the reference.
  int const_slot = -1;
  if (!is_byte_code(ta) || !is_byte_code(tb)) {
    if (ta == DType::kI16 && is_byte_code(tb) && ins[0].constant != nullptr)
      const_slot = 0;
    else if (tb == DType::kI16 && is_byte_code(ta) && ins[1].constant != nullptr)
      const_slot = 1;
    else
      return not_covered();
    if (!is_byte_code(ty)) return not_covered();
  }
  if (ty != qref::attr_output_dtype(attrs) || !qref::is_activation_dtype(ty)) return not_covered();
  if (ins[0].shape.size() > 15 || ins[1].shape.size() > 15 || outs[0].shape.size() > 15) return not_covered();
  // Broadcast shape must be the prepared output shape.
  {
    const Shape &a = ins[0].shape, &b = ins[1].shape;
    const size_t r = std::max(a.size(), b.size());
    Shape o(r);
    for (size_t i = 0; i < r; ++i) {
      const int64_t da = i + a.size() >= r ? a[i + a.size() - r] : 1;
      const int64_t db = i + b.size() >= r ? b[i + b.size() - r] : 1;
      if (da != db && da != 1 && db != 1) return not_covered();
      o[i] = da == 1 ? db : da;
    }
    if (o != outs[0].shape) return not_covered();
  }
  BroadcastPlan plan = make_plan(ins[0].shape, ins[1].shape, outs[0].shape);
  IoTypes io;
  io.set(ins, outs, 2);
  const quant::QRange yr = qref::dtype_range(ty);
  if (op == "QMul") {
    NPUKIT_ASSIGN_OR_RETURN(quant::MulParams p, qref::qmul_params(attrs));
    if (!in_range(p.a_zp, ta) || !in_range(p.b_zp, tb) || !in_range(p.out_zp, ty) || p.range.qmin > p.range.qmax ||
        p.range.qmin < yr.qmin || p.range.qmax > yr.qmax || p.mult.mult < 0)
      return not_covered();  // the reference reports the error
    auto f = [p](int32_t u, int32_t v) { return quant::mul_quantized(u, v, p); };
    if (const_slot >= 0) return make_const_rows(ins, outs, const_slot, "QMul", f, isa);
    if (ty == DType::kI16)
      return make_binary<int16_t>(std::move(plan), ta, tb, std::move(io), "QMul", f, std::nullopt, isa);
    return make_binary<uint8_t>(std::move(plan), ta, tb, std::move(io), "QMul", f,
                                make_formula(ta, tb, nullptr, false, &p), isa);
  }
  NPUKIT_ASSIGN_OR_RETURN(quant::AddParams p, qref::qadd_params(attrs));
  if (!add_params_ok(p, ta, tb, ty)) return not_covered();
  const bool sub = op == "QSub";
  const char* name = sub ? "QSub" : "QAdd";
  auto f = [p, sub](int32_t u, int32_t v) { return quant::add_quantized(u, v, p, sub); };
  if (const_slot >= 0) return make_const_rows(ins, outs, const_slot, name, f, isa);
  if (ty == DType::kI16)
    return make_binary<int16_t>(std::move(plan), ta, tb, std::move(io), name, f, std::nullopt, isa);
  return make_binary<uint8_t>(std::move(plan), ta, tb, std::move(io), name, f, make_formula(ta, tb, &p, sub, nullptr),
                              isa);
}

}  // namespace npukit::q8::ops
