// SPDX-License-Identifier: Apache-2.0
#include "npk/program.h"

#include <algorithm>
#include <sstream>

namespace npukit::npk {

namespace {
/// Dimensions of a box that exist in its arrays: a rank outside 0..kMaxBoxRank (a box made from a shape of
/// higher rank, or read from a damaged file before validation) never indexes past them. Box::whole keeps
/// such a rank as is, so validation (npk_validate.h) rejects the box instead of silently truncating it.
int32_t stored_rank(int32_t rank) {
  return std::clamp<int32_t>(rank, 0, kMaxBoxRank);
}
}  // namespace

Box Box::whole(const Shape& shape) {
  Box b;
  b.rank = static_cast<int32_t>(shape.size());
  for (int32_t d = 0; d < stored_rank(b.rank); ++d) b.size[d] = shape[d];
  return b;
}

int64_t Box::elements() const {
  int64_t n = 1;
  for (int32_t d = 0; d < stored_rank(rank); ++d) n *= size[d];
  return n;
}

bool Box::contains(const Box& inner) const {
  if (inner.rank != rank) return false;
  for (int32_t d = 0; d < stored_rank(rank); ++d)
    if (inner.start[d] < start[d] || inner.start[d] + inner.size[d] > start[d] + size[d]) return false;
  return true;
}

Shape Box::shape() const {
  return Shape(size.begin(), size.begin() + stored_rank(rank));
}

std::string Box::str() const {
  std::ostringstream os;
  os << "[";
  for (int32_t d = 0; d < stored_rank(rank); ++d) os << (d ? ", " : "") << start[d] << ":" << start[d] + size[d];
  os << "]";
  return os.str();
}

const char* unit_name(Unit u) {
  switch (u) {
    case Unit::kLoad: return "LOAD";
    case Unit::kStore: return "STORE";
    case Unit::kTae: return "TAE";
    case Unit::kVae: return "VAE";
    case Unit::kAae: return "AAE";
    case Unit::kTrans: return "TRANS";
  }
  return "?";
}

Unit unit_of(CmdOp op) {
  switch (op) {
    case CmdOp::kLoad: return Unit::kLoad;
    case CmdOp::kStore: return Unit::kStore;
    case CmdOp::kConv:
    case CmdOp::kGemm:
    case CmdOp::kMatMul: return Unit::kTae;
    case CmdOp::kEltwise:
    case CmdOp::kLut:
    case CmdOp::kRequant:
    case CmdOp::kConcat: return Unit::kVae;
    case CmdOp::kPool:
    case CmdOp::kGlobalPool:
    case CmdOp::kResize: return Unit::kAae;
    case CmdOp::kTranspose:
    case CmdOp::kPad: return Unit::kTrans;
  }
  return Unit::kTrans;
}

const char* cmd_op_name(CmdOp op) {
  switch (op) {
    case CmdOp::kLoad: return "LOAD";
    case CmdOp::kStore: return "STORE";
    case CmdOp::kConv: return "CONV";
    case CmdOp::kGemm: return "GEMM";
    case CmdOp::kMatMul: return "MATMUL";
    case CmdOp::kEltwise: return "ELTWISE";
    case CmdOp::kLut: return "LUT";
    case CmdOp::kRequant: return "REQUANT";
    case CmdOp::kConcat: return "CONCAT";
    case CmdOp::kPool: return "POOL";
    case CmdOp::kGlobalPool: return "GPOOL";
    case CmdOp::kResize: return "RESIZE";
    case CmdOp::kTranspose: return "TRANSPOSE";
    case CmdOp::kPad: return "PAD";
  }
  return "?";
}

const char* role_name(Role r) {
  switch (r) {
    case Role::kX: return "x";
    case Role::kW: return "w";
    case Role::kBias: return "bias";
    case Role::kResidual: return "residual";
    case Role::kAccIn: return "acc_in";
    case Role::kB: return "b";
    case Role::kTable: return "table";
    case Role::kOut: return "out";
  }
  return "?";
}

const char* buffer_kind_name(BufferKind k) {
  switch (k) {
    case BufferKind::kInput: return "input";
    case BufferKind::kOutput: return "output";
    case BufferKind::kInternal: return "internal";
    case BufferKind::kConstant: return "constant";
  }
  return "?";
}

const char* target_name(Target t) {
  return t == Target::kNpu ? "NPU" : "CPU";
}

}  // namespace npukit::npk
