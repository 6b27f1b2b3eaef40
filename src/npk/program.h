// SPDX-License-Identifier: Apache-2.0
// npk: the compiled form of a model — a hybrid integer graph cut into NPU and CPU segments, and for each
// NPU segment a Program: DDR buffers plus a command stream for the units of the march. Written by the NPU
// compiler (npu/), stored in .npk files (npk/npk_file.h), executed by the simulator (sim/) and scheduled by
// the estimator. This header is the contract between them; docs/MODEL_FORMAT.md describes it for users.
//
// Memory model
//  - DDR: every tensor an NPU segment touches is a DdrBuffer: segment inputs and outputs and spilled
//    intermediates live in one activation arena (byte `offset`), constants (weights, biases, tables) are the
//    graph's constant values. Reshape-like ops (Reshape, Flatten, Squeeze, Unsqueeze) cost nothing: their
//    output buffer aliases the input's bytes (same offset, `alias_of` set).
//  - SRAM: per core, byte addressed from 0 to march.sram.bytes. A tile is a Box of a tensor stored densely
//    (row-major over the box) at an SRAM address.
//
// Units and queues: each core has six in-order queues, one per Unit. A command starts when the previous
// command of its queue and every command in `deps` have completed. Commands are stored in an order that is
// a valid sequential execution (every dep index is smaller than the command's index).
//
// Command semantics (Operand roles in brackets; every box is in the coordinates of the tensor named):
//  LOAD    dst = SRAM tile <- DDR buffer `buffer`, region dst.box.
//  STORE   DDR buffer `buffer`, region `box` <- srcs[0] (an SRAM tile whose box has the same sizes; its
//          start is in the coordinates of the tensor it was computed for, e.g. a Slice input).
//  CONV    (TAE, node QConv)  srcs [X] input region, [W] weights [oc0,oc1)x[ic0,ic1)x[0,KH)x[0,KW),
//          optional [Bias] [oc0,oc1), [Residual] covering dst.box, [AccIn] kI64 partial sums of dst.box.
//          X must hold every in-bounds input position the dst.box outputs read; positions outside the
//          tensor are the op's padding. The W box's input-channel range is this command's share of the
//          reduction (K split; whole range when group > 1). Without kFinal dst is kI64 partial sums
//          (AccIn + this share, no bias); with kFinal dst is the node's output codes (bias, saturation,
//          requantization and the fused residual add of quant/arith.h applied once).
//  GEMM    (TAE, node QGemm)   [X] a region [m0,m1)x[k0,k1), [W] [n0,n1)x[k0,k1), [Bias] [n0,n1),
//          [AccIn]; dst [m0,m1)x[n0,n1). kFinal as for CONV.
//  MATMUL  (TAE, node QMatMul) [X] a region [...,m,k], [B] b region [(...,)k,n], [AccIn]; dst [...,m,n].
//  ELTWISE (VAE, node QAdd / QSub / QMul) [X] a, [B] b: each holds its broadcast image of dst.box.
//  LUT     (VAE, node QLut)    [X], [Table] the whole table; dst.
//  REQUANT (VAE, node Requantize) [X]; dst.
//  CONCAT  (VAE, node QConcat) [X] input number `part`, region = dst.box shifted back along the axis.
//  POOL    (AAE, node MaxPool / QAveragePool) [X] as for CONV; dst.
//  GPOOL   (AAE, node QGlobalAveragePool / GlobalMaxPool) [X] [n, c0..c1, all H, all W]; dst [n, c, 1, 1].
//  RESIZE  (AAE, node Resize)  [X] [n, c0..c1, all H, all W]; dst [n, c0..c1, all OH, all OW].
//  TRANSPOSE (TRANS, node Transpose) [X] the inverse permutation of dst.box; dst.
//  PAD     (TRANS, node Pad, pads on H/W only) [X] [n, c0..c1, all]; dst [n, c0..c1, all padded].
// Ops realised by DMA alone (Slice, Split, Concat of codes with equal parameters) are LOAD + STORE pairs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/tensor.h"

namespace npukit::npk {

inline constexpr int kMaxBoxRank = 6;

/// A rectangular region of a tensor: [start[d], start[d] + size[d]) for d < rank.
struct Box {
  int32_t rank = 0;
  std::array<int64_t, kMaxBoxRank> start{};
  std::array<int64_t, kMaxBoxRank> size{};

  /// The whole tensor of this shape (rank <= kMaxBoxRank).
  static Box whole(const Shape& shape);
  int64_t elements() const;
  /// True when `inner` lies inside this box (same rank).
  bool contains(const Box& inner) const;
  /// Sizes as a Shape.
  Shape shape() const;
  /// "[0:1, 0:16, 4:12, 0:56]".
  std::string str() const;
  bool operator==(const Box&) const = default;
};

enum class Unit : uint8_t { kLoad = 0, kStore, kTae, kVae, kAae, kTrans };
inline constexpr int kNumUnits = 6;
/// "LOAD", "STORE", "TAE", "VAE", "AAE", "TRANS".
const char* unit_name(Unit u);

enum class CmdOp : uint8_t {
  kLoad = 0,
  kStore,
  kConv,
  kGemm,
  kMatMul,
  kEltwise,
  kLut,
  kRequant,
  kConcat,
  kPool,
  kGlobalPool,
  kResize,
  kTranspose,
  kPad,
};
inline constexpr int kNumCmdOps = 14;
/// The unit that executes an op.
Unit unit_of(CmdOp op);
/// "LOAD", "CONV", "ELTWISE", ...
const char* cmd_op_name(CmdOp op);

enum class Role : uint8_t { kX = 0, kW, kBias, kResidual, kAccIn, kB, kTable, kOut };
/// "x", "w", "bias", "residual", "acc_in", "b", "table", "out".
const char* role_name(Role r);

/// An SRAM tile: `box` of a tensor with element type `dtype`, stored densely from byte `addr`.
struct Operand {
  Role role = Role::kX;
  uint32_t addr = 0;
  DType dtype = DType::kI8;
  Box box;
  int64_t bytes() const { return box.elements() * static_cast<int64_t>(dtype_size(dtype)); }
  bool operator==(const Operand&) const = default;
};

/// Command flags.
inline constexpr uint32_t kFinal = 1;  ///< TAE: last K share: produce output codes (else kI64 partial sums)

struct Command {
  CmdOp op = CmdOp::kLoad;
  uint16_t core = 0;
  int32_t layer = -1;   ///< index of the graph node this command implements (Graph::nodes() order); -1 none
  int32_t buffer = -1;  ///< LOAD / STORE: the DDR buffer
  Box box;              ///< STORE: destination region of `buffer` (LOAD uses dst.box)
  uint32_t flags = 0;
  int32_t part = 0;           ///< CONCAT: which input of the node
  std::vector<Operand> srcs;  ///< inputs, in any order, told apart by role
  Operand dst;                ///< output tile (unused by STORE)
  std::vector<int32_t> deps;  ///< earlier commands that must complete first (beyond queue order)
  bool operator==(const Command&) const = default;
};

enum class BufferKind : uint8_t { kInput = 0, kOutput, kInternal, kConstant };
/// "input", "output", "internal", "constant".
const char* buffer_kind_name(BufferKind k);

struct DdrBuffer {
  std::string value;  ///< graph value name
  DType dtype = DType::kI8;
  Shape shape;
  BufferKind kind = BufferKind::kInternal;
  int64_t offset = 0;     ///< byte offset in the activation arena (not used by constants)
  int32_t alias_of = -1;  ///< reshape-like view: same bytes as this buffer
  int64_t bytes() const { return numel(shape) * static_cast<int64_t>(dtype_size(dtype)); }
  bool operator==(const DdrBuffer&) const = default;
};

/// A contiguous range of commands launched as one function call (compile option max_time_per_fc).
struct FunctionCall {
  int32_t first_command = 0;
  int32_t num_commands = 0;
  double estimated_us = 0;  ///< by the cost model
  bool operator==(const FunctionCall&) const = default;
};

/// The compiled form of one NPU segment.
struct Program {
  std::vector<DdrBuffer> buffers;
  std::vector<Command> commands;
  std::vector<FunctionCall> function_calls;
  int64_t arena_bytes = 0;  ///< activation arena size
  int32_t num_cores = 1;
  int64_t sram_bytes_per_core = 0;  ///< the limit the schedule was built for (march.sram.bytes)
  bool operator==(const Program&) const = default;
};

enum class Target : uint8_t { kNpu = 0, kCpu };
/// "NPU" / "CPU".
const char* target_name(Target t);

/// A maximal run of nodes on one target, in execution order.
struct Segment {
  Target target = Target::kCpu;
  std::vector<int32_t> nodes;        ///< node indices (Graph::nodes() order)
  std::vector<std::string> inputs;   ///< values read from outside the segment (graph inputs or other segments)
  std::vector<std::string> outputs;  ///< values read after the segment or graph outputs
  int32_t program = -1;              ///< NPU: index into NpkModel::programs
  bool operator==(const Segment&) const = default;
};

/// Where a node runs and why.
struct Placement {
  std::string node;  ///< node name
  std::string op;    ///< op type
  Target target = Target::kCpu;
  std::string reason;  ///< CPU nodes: why not NPU ("channels 70000 > 65536"); NPU nodes: "" or the unit
  bool operator==(const Placement&) const = default;
};

}  // namespace npukit::npk
