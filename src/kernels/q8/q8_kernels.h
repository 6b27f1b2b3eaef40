// SPDX-License-Identifier: Apache-2.0
// kernels/q8: fast int8 CPU kernels, bit-exact with the integer reference kernels (kernels/ref/qkernels.h,
// spec quant/arith.h). Weights are prepacked once (PackedConv / PackedGemm, built for one ISA tier), then
// every call runs the tier's microkernels (ukernels.h) with an optional thread pool. Layouts and the exactness
// argument: docs/KERNELS.md.
//
// Fast path: 8-bit activations (kI8 / kU8, any zero point), kI8 / kU8 / kI16 / kI32 outputs (depthwise: 8-bit outputs
// only), K * 255 * max|w| < 2^31 (K = C/group * KH * KW; with weights in [-127, 127] that is K <= 66311). Everything
// else (kI16 activations, larger K, invalid arguments) goes to the reference kernel, which computes it or returns its
// error: the result is always the reference's.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "kernels/q8/isa.h"
#include "kernels/q8/line64.h"
#include "kernels/q8/pair_fix.h"
#include "kernels/q8/parallel.h"
#include "kernels/ref/qkernels.h"

namespace npukit::q8 {

class PackedConv;
namespace ops {
struct AddRowKernel;
}  // namespace ops
namespace detail {
struct Ukernels;
struct RowStore;
struct ChannelParams;
Status conv2d_depthwise(const PackedConv& pc, const Tensor& x, const RowStore& st, int64_t oh, int64_t ow,
                        const Parallel* par);
void pack_depthwise(PackedConv& pc);  // conv_dw.cpp
void pack_winograd(PackedConv& pc);   // conv_wino.h
Status conv2d_winograd(const PackedConv& pc, const Tensor& x, const RowStore& st, int64_t oh, int64_t ow,
                       const Parallel* par);
}  // namespace detail

/// A convolution with its weights packed for one tier. Cheap to move; immutable after create (thread-safe to
/// run concurrently).
class PackedConv {
 public:
  /// w [Cout, C/group, KH, KW] kI8, bias [Cout] kI32 or null, p as for qref::qconv2d. Errors for invalid
  /// weights / bias / multipliers / output parameters (the same checks as the reference).
  static Expected<PackedConv> create(const Tensor& w, const Tensor* bias, const qref::QConv2dParams& p,
                                     Isa isa = active_isa());

  Isa isa() const { return isa_; }
  const qref::QConv2dParams& params() const { return p_; }
  /// True when the convolution runs on the depthwise kernel (one input channel per group).
  bool depthwise() const { return dw_; }
  /// False when K * 255 * max|w| >= 2^31: every call goes to the reference (exact int64 accumulation).
  bool fast() const { return fast_; }
  /// True when calls with 8-bit inputs run the exact int16 Winograd F(2x2, 3x3) path (conv_wino.h; 3x3, stride 1,
  /// dilation 1, group 1, C >= 8, Cout >= 8, 4 * K * 255 * max|w| <= 2^31 - 1, tier with a Winograd tile).
  bool winograd() const { return wino_; }
  /// True when calls with full-range 8-bit inputs (no 7-bit window) run the tier's 7-bit tile on split weights: the
  /// byte pairs of a row that could saturate vpmaddubsw on u8 panels are clipped in the kBytes weights, the excess
  /// added back per tile (Ukernels::tile_fix), in a K order chosen to need few fixes. Chosen at create when the fixes
  /// are few enough (conv_split7.cpp kMaxFixRatio).
  bool split7() const { return split_; }
  /// Fixes per (row, quad) of the split weights (0 when there are none).
  double fix_ratio() const { return fix_ratio_; }
  /// True when the split weights (and the full-range calls' panels) hold K in a reordered sequence.
  bool reordered() const { return !kperm_.empty(); }
  /// True when calls with a residual of dtype `res` (kI8 / kU8) add it with the tier's vector row kernel (verified on
  /// every code pair at create), false when element by element.
  bool fast_residual(DType res) const { return res_add_[res == DType::kI8 ? 1 : 0] != nullptr; }
  /// Bytes of packed weights.
  size_t packed_bytes() const {
    return packed_.size() + packed7_.size() + packed7s_.size() + fixes_.size() * sizeof(detail::PairFix) +
           dw_w_.size() * 4 + dw_blockw_.size() * 2 + dw_quad_.size() * sizeof(detail::Line64) + wino_w_.size() * 2;
  }

 private:
  friend Status conv2d(const PackedConv& pc, const Tensor& x, Tensor* y, const Tensor* residual, const Parallel* par);
  friend Status detail::conv2d_depthwise(const PackedConv& pc, const Tensor& x, const detail::RowStore& st, int64_t oh,
                                         int64_t ow, const Parallel* par);
  friend void detail::pack_depthwise(PackedConv& pc);
  friend void detail::pack_winograd(PackedConv& pc);
  friend Status detail::conv2d_winograd(const PackedConv& pc, const Tensor& x, const detail::RowStore& st, int64_t oh,
                                        int64_t ow, const Parallel* par);
  static void pack_split7(PackedConv& pc);  // conv_split7.cpp
  Tensor w_, bias_;
  bool has_bias_ = false;
  qref::QConv2dParams p_;
  Isa isa_ = Isa::kScalar;
  const detail::Ukernels* uk_ = nullptr;
  int64_t cout_ = 0, cg_ = 0, kh_ = 0, kw_ = 0, k_ = 0, kq_ = 0, cog_ = 0, oc_blocks_ = 0;
  bool fast_ = false, dw_ = false;
  std::vector<uint8_t> packed_;   ///< [group][oc block][kq][MR][4] in the tier's weight format
  size_t block_bytes_ = 0;        ///< bytes of one oc block
  std::vector<uint8_t> packed7_;  ///< the same in the kBytes format for the tier's 7-bit tile (when it has one)
  size_t block_bytes7_ = 0;
  /// split7(): packed7s_ holds the clipped weights for the full-range calls (7-bit windows keep packed7_, which needs
  /// no fixes; packed_ is then unused and freed), fixes_ the excess: [group * oc block][row][fix], block b's from
  /// fix_start_[b] to fix_start_[b + 1].
  bool split_ = false;
  std::vector<uint8_t> packed7s_;
  std::vector<detail::PairFix> fixes_;
  std::vector<uint32_t> fix_start_;
  double fix_ratio_ = 0;
  /// split7() with a reordered K: kperm_[pos] = the k whose weights (and panel bytes) sit at position pos of the split
  /// blocks, -1 for a zero slot (weight 0); empty: the original order.
  std::vector<int32_t> kperm_;
  std::vector<int64_t> sumw_;       ///< sum_k w[oc, k]
  std::vector<int32_t> bias_v_;     ///< bias (0 when absent)
  std::vector<int32_t> dw_w_;       ///< depthwise: [Cout][ceil(KH*KW / 2)] int16 weight pairs
  std::vector<int16_t> dw_blockw_;  ///< depthwise, 1 channel per group: DwBlock::wpairs of every channel block
  /// Depthwise: every channel's requantization has the fused form (DwRq; calls with a residual never use it).
  bool dw_fused_ = false;
  /// Depthwise on the AVX-512 VNNI tier, 1 channel per group, dw_fused_: the quad blocks' packed constants
  /// (dw_kernels.h DwQuadLine), dw_quad_lines_ lines per block of kDwQuadCh channels.
  std::vector<detail::Line64> dw_quad_;
  int64_t dw_quad_lines_ = 0;
  int64_t acc_bound_ = 0;  ///< K * 255 * max|w|: bound of |accumulator| before the bias
  /// Per output channel corrections / fused-requantization rows for u8 [0] and i8 [1] activations.
  std::shared_ptr<const detail::ChannelParams> chan_[2];
  /// Convolutions with a residual add (8-bit output): the add's vector row kernel for u8 [0] / i8 [1] residuals
  /// (ops::make_add_row; null where it does not apply).
  std::shared_ptr<const ops::AddRowKernel> res_add_[2];
  bool wino_ = false;
  std::vector<int16_t> wino_w_;  ///< Winograd: [16 positions][oc block][channel pairs][wino_mr][2] int16 (conv_wino.h)
};

/// y = qref::qconv2d(x, w, bias, p, residual) bit for bit. par null: single-threaded. When *y already has the
/// output dtype and shape, the result is written into its storage (no allocation on the fast path).
Status conv2d(const PackedConv& pc, const Tensor& x, Tensor* y, const Tensor* residual = nullptr,
              const Parallel* par = nullptr);

/// A fully connected layer (qref::qgemm semantics: a [M, K] x w [N, K]^T) with packed weights.
class PackedGemm {
 public:
  static Expected<PackedGemm> create(const Tensor& w, const Tensor* bias, const qref::QGemmParams& p,
                                     Isa isa = active_isa());
  Isa isa() const { return isa_; }
  bool fast() const { return fast_; }

 private:
  friend Status gemm(const PackedGemm& pg, const Tensor& a, Tensor* y, const Parallel* par);
  Tensor w_, bias_;
  bool has_bias_ = false;
  qref::QGemmParams p_;
  Isa isa_ = Isa::kScalar;
  const detail::Ukernels* uk_ = nullptr;
  int64_t n_ = 0, k_ = 0, kq_ = 0, oc_blocks_ = 0;
  bool fast_ = false;
  std::vector<uint8_t> packed_;
  size_t block_bytes_ = 0;
  std::vector<int64_t> sumw_;
  std::vector<int32_t> bias_v_;
  int64_t acc_bound_ = 0;
  std::shared_ptr<const detail::ChannelParams> chan_[2];  ///< u8 [0] / i8 [1] activations
};

/// y = qref::qgemm(a, w, bias, p) bit for bit; writes into *y's storage when it already has the output type.
Status gemm(const PackedGemm& pg, const Tensor& a, Tensor* y, const Parallel* par = nullptr);

}  // namespace npukit::q8
