// SPDX-License-Identifier: Apache-2.0
// kernels/fast: fast f32 kernels for the heavy float ops (Conv, Gemm, MatMul, plus Relu / Add), used where the scalar
// reference is too slow (calibration over hundreds of samples). Same contract as kernels/ref (KernelArgs,
// outputs preallocated from shape inference), but results differ from the reference within float
// rounding: these kernels accumulate in f32 in a blocked order, the reference in f64 in index order.
// Tests compare them against kernels/ref with a stated tolerance; the reference stays the oracle.
//
// Shapes a fast kernel does not cover (e.g. 3-D convolution, non-f32 dtypes) are delegated to the
// reference kernel, so every fast_<Op> accepts everything ref_<Op> accepts.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "kernels/ref/ref_kernels.h"

namespace npukit::fast {

/// Conv (1-D and 2-D, any groups / strides / dilations / pads / auto_pad): im2col + SGEMM per group,
/// a direct loop for depthwise-like groups (one input channel per group), no im2col for 1x1 / stride 1 /
/// no padding. Other ranks go to ref::ref_Conv.
Status fast_Conv(const ref::KernelArgs& a);
/// Gemm (transA / transB / alpha / beta / broadcast C) through SGEMM.
Status fast_Gemm(const ref::KernelArgs& a);
/// MatMul with numpy broadcasting of the batch dims; one SGEMM per batch matrix.
Status fast_MatMul(const ref::KernelArgs& a);
/// ConvTranspose (1-D and 2-D, any groups / strides / dilations / pads / output_padding / output_shape /
/// auto_pad): one SGEMM W^T * X per (batch, group) into a column buffer, then col2im. Other ranks go to
/// ref::ref_ConvTranspose.
Status fast_ConvTranspose(const ref::KernelArgs& a);
/// Resize of 4-D tensors in mode linear (f32) and mode nearest (f32 and the integer dtypes the reference
/// copies), every coordinate transformation but tf_crop_and_resize; bit-identical to ref::ref_Resize: same
/// per-axis taps, same double accumulation order, computed once per call and applied row by row.
/// Everything else (cubic, crop, other ranks) goes to ref::ref_Resize.
Status fast_Resize(const ref::KernelArgs& a);

/// Relu on f32 (bit-identical to ref::ref_Relu; other dtypes go to it).
Status fast_Relu(const ref::KernelArgs& a);
/// Add of two f32 tensors of the same shape (bit-identical to ref::ref_Add; broadcasting and other dtypes
/// go to it).
Status fast_Add(const ref::KernelArgs& a);

/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
/// op(A) is m x k, op(B) is k x n, C is m x n; lda/ldb/ldc are row strides of the stored matrices.
/// beta == 0 overwrites C without reading it (BLAS semantics). Uses OpenBLAS when npukit was built
/// with it (NPUKIT_HAVE_OPENBLAS), otherwise sgemm_blocked().
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

/// npukit's own cache-blocked GEMM (same contract as sgemm); always compiled so it can be tested and
/// used when no BLAS is available.
void sgemm_blocked(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

/// "openblas 0.3.21 (pthread)" or "npukit blocked" — for logs and benchmark reports.
std::string gemm_backend();

/// Threads the GEMM backend may use inside ONE sgemm call (OpenBLAS's pool; the own GEMM is
/// single-threaded and ignores it). Callers that parallelise over independent work themselves
/// (calibration runs one sample per worker) set 1 so the two levels do not oversubscribe the cores.
/// Process-wide setting.
void set_gemm_threads(int n);
/// Current value of set_gemm_threads (1 for the own GEMM).
int gemm_threads();

}  // namespace npukit::fast
