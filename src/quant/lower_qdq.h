// SPDX-License-Identifier: Apache-2.0
// npukit quant: QDQ graph -> integer graph. Rewrites the standard ONNX QDQ form (QuantizeLinear /
// DequantizeLinear around float ops, as written by quant/quantize_qdq.h, ONNX Runtime's quantize_static or
// PyTorch exports) into npukit's integer ops (domain "npukit", ops.def NPUKIT_QOP rows), whose semantics are
// the one integer spec quant/arith.h. The integer graph is the contract consumed by the NPU compiler and the
// CPU runtime; docs/QUANTIZATION.md, "Integer graph", documents every pattern and the requantization rule.
//
// Patterns (per-tensor activations i8 / u8 / i16 with any zero point; weights i8 with zero point 0, per tensor or
// per output channel; bias i32 or f32):
//   DQ(x) [, DQ(W const), DQ(B const)] -> Conv | Gemm | MatMul [-> Relu | Clip] -> Q   => QConv | QGemm | QMatMul
//   DQ(a), DQ(b) or f32 constant -> Add | Sub | Mul [-> Relu | Clip] -> Q              => QAdd | QSub | QMul
//   DQ(x) -> AveragePool | GlobalAveragePool [-> Relu | Clip] -> Q                      => QAveragePool | ...
//   DQ(x_i)... -> Concat [-> Relu | Clip] -> Q                                           => QConcat
//   DQ(x) -> Sigmoid | Tanh | HardSigmoid | HardSwish | LeakyRelu | Elu | ... -> Q      => QLut (256-entry table)
//   DQ(x) -> Relu | Clip -> Q                                                             => Requantize (clamp)
//   DQ(x) -> data movement chain (Reshape, Transpose, MaxPool, Pad, ...) [-> Relu] -> Q  => same ops on codes
//                                                                                   [+ Requantize if params differ]
//   any of the integer patterns with a data movement chain before its Q                 => the chain on its codes
//   DQ(x) -> Q                                             => nothing (identical params) or Requantize
// Everything else keeps running in float between its DequantizeLinear and QuantizeLinear nodes.
// Graph inputs and outputs keep their names and dtypes (a float output stays behind its DequantizeLinear).
// Each integer op takes the name and origin of the float op it replaces; its output value is the value of
// the QuantizeLinear it absorbed (same name), so integer and QDQ runs can be compared tensor by tensor.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::quant {

/// What lower_qdq_to_integer did (for reports and tests).
struct LowerQdqStats {
  /// Integer / code nodes created, by op type ("QConv", "Requantize", "MaxPool", ...).
  std::map<std::string, int> created;
  /// DequantizeLinear -> QuantizeLinear pairs with identical parameters that were removed.
  int removed_pairs = 0;
  /// Float ops that still run between DequantizeLinear and QuantizeLinear ("op_type 'name'").
  std::vector<std::string> float_ops;
};

/// Rewrites a RESOLVED QDQ graph in place into its integer form (see the file comment). The result is
/// topologically sorted, fully typed and passes verify(true). Unmatched parts are left as they are, so the
/// function never fails on an unusual graph; errors are internal (a rewrite that does not type-check).
Status lower_qdq_to_integer(ir::Graph& g, LowerQdqStats* stats = nullptr);

}  // namespace npukit::quant
