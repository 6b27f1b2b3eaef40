// SPDX-License-Identifier: Apache-2.0
#include "npk/npk_validate.h"

#include <cmath>
#include <limits>
#include <set>
#include <string>

namespace npukit::npk {
namespace {

template <class... Args>
Status invalid(const Args&... args) {
  return make_error(ErrorCode::kInvalidModel, args...);
}

bool dtype_in_range(DType t) {
  return static_cast<uint8_t>(t) <= static_cast<uint8_t>(DType::kString);
}
/// A dtype with a storage size (not undefined, not string).
bool storable(DType t) {
  return dtype_in_range(t) && dtype_size(t) > 0;
}
std::string dtype_str(DType t) {
  return dtype_in_range(t) ? std::string(dtype_name(t)) : "#" + std::to_string(static_cast<int>(t));
}

Status check_shape(const Shape& s, const std::string& where) {
  if (s.size() > kMaxRank) return invalid(where, ": rank ", s.size(), " exceeds the limit ", kMaxRank);
  for (size_t d = 0; d < s.size(); ++d)
    if (s[d] < 0) return invalid(where, ": dim ", d, " is negative (", s[d], ")");
  auto n = checked_numel(s);
  if (!n.ok()) return invalid(where, ": ", n.status().message());
  return Status::Ok();
}

Status check_box(const Box& b, const std::string& where) {
  if (b.rank < 0 || b.rank > kMaxBoxRank) return invalid(where, ": box rank ", b.rank, " is outside 0..", kMaxBoxRank);
  for (int32_t d = 0; d < b.rank; ++d) {
    if (b.size[d] < 0) return invalid(where, ": box size ", d, " is negative (", b.size[d], ")");
    if (b.size[d] > kMaxTensorElements || b.start[d] > kMaxTensorElements || b.start[d] < -kMaxTensorElements)
      return invalid(where, ": box dim ", d, " (start ", b.start[d], ", size ", b.size[d], ") is out of range");
  }
  auto n = checked_numel(b.shape());
  if (!n.ok()) return invalid(where, ": box ", n.status().message());
  return Status::Ok();
}

bool role_in_range(Role r) {
  return static_cast<uint8_t>(r) <= static_cast<uint8_t>(Role::kOut);
}

Status check_operand(const Operand& o, const Program& p, const std::string& where) {
  if (!role_in_range(o.role)) return invalid(where, ": role ", static_cast<int>(o.role), " is not a known role");
  if (!storable(o.dtype)) return invalid(where, ": dtype ", dtype_str(o.dtype), " is not a storable element type");
  NPUKIT_RETURN_IF_ERROR(check_box(o.box, where));
  // Both terms are bounded (box elements <= 2^34, element size <= 8, addr < 2^32): no overflow.
  const int64_t end = static_cast<int64_t>(o.addr) + o.bytes();
  if (p.sram_bytes_per_core > 0 && end > p.sram_bytes_per_core)
    return invalid(where, ": SRAM tile [", o.addr, ", ", end, ") exceeds the ", p.sram_bytes_per_core,
                   " bytes of SRAM per core");
  return Status::Ok();
}

Status check_program(const Program& p, size_t pi, const NpkModel& m) {
  const std::string pw = "program " + std::to_string(pi);
  const int64_t num_nodes = static_cast<int64_t>(m.model.graph.num_nodes());
  if (p.num_cores < 1 || p.num_cores > 65536) return invalid(pw, ": num_cores ", p.num_cores, " is outside 1..65536");
  if (p.arena_bytes < 0) return invalid(pw, ": arena_bytes ", p.arena_bytes, " is negative");
  if (p.sram_bytes_per_core < 0) return invalid(pw, ": sram_bytes_per_core ", p.sram_bytes_per_core, " is negative");
  const int64_t nbuf = static_cast<int64_t>(p.buffers.size());
  for (size_t bi = 0; bi < p.buffers.size(); ++bi) {
    const DdrBuffer& b = p.buffers[bi];
    const std::string w = pw + " buffer " + std::to_string(bi) + " '" + b.value + "'";
    if (static_cast<uint8_t>(b.kind) > static_cast<uint8_t>(BufferKind::kConstant))
      return invalid(w, ": kind ", static_cast<int>(b.kind), " is not a known buffer kind");
    if (!storable(b.dtype)) return invalid(w, ": dtype ", dtype_str(b.dtype), " is not a storable element type");
    NPUKIT_RETURN_IF_ERROR(check_shape(b.shape, w));
    const ir::Value* v = m.model.graph.find_value(b.value);
    if (!v) return invalid(w, ": no graph value has this name");
    if (b.alias_of != -1 && (b.alias_of < 0 || b.alias_of >= nbuf || b.alias_of == static_cast<int32_t>(bi)))
      return invalid(w, ": alias_of ", b.alias_of, " is not another buffer (program has ", nbuf, ")");
    if (b.kind == BufferKind::kConstant) {
      const Tensor* t = v->const_value();
      if (!t) return invalid(w, ": constant buffer of a value that is not a graph constant");
      if (t->dtype() != b.dtype || static_cast<int64_t>(t->nbytes()) != b.bytes())
        return invalid(w, ": constant buffer ", dtype_str(b.dtype), shape_str(b.shape), " does not match the graph ",
                       "constant ", dtype_name(t->dtype()), shape_str(t->shape()));
    } else {
      if (b.offset < 0 || b.offset > p.arena_bytes || b.bytes() > p.arena_bytes - b.offset)
        return invalid(w, ": bytes [", b.offset, ", +", b.bytes(), ") are outside the ", p.arena_bytes,
                       "-byte activation arena");
    }
  }
  const int64_t ncmd = static_cast<int64_t>(p.commands.size());
  for (size_t ci = 0; ci < p.commands.size(); ++ci) {
    const Command& c = p.commands[ci];
    const bool op_ok = static_cast<uint8_t>(c.op) < kNumCmdOps;
    const std::string w =
        pw + " command " + std::to_string(ci) + (op_ok ? std::string(" (") + cmd_op_name(c.op) + ")" : "");
    if (!op_ok) return invalid(w, ": op ", static_cast<int>(c.op), " is not a known command op");
    if (c.core >= p.num_cores) return invalid(w, ": core ", c.core, " >= num_cores ", p.num_cores);
    if (c.layer < -1 || c.layer >= num_nodes)
      return invalid(w, ": layer ", c.layer, " is not a node index (graph has ", num_nodes, " nodes)");
    const bool dma = c.op == CmdOp::kLoad || c.op == CmdOp::kStore;
    if (dma ? (c.buffer < 0 || c.buffer >= nbuf) : (c.buffer < -1 || c.buffer >= nbuf))
      return invalid(w, ": buffer id ", c.buffer, " is out of range (program has ", nbuf, " buffers)");
    if ((c.flags & ~kFinal) != 0) return invalid(w, ": unknown flag bits 0x", std::hex, c.flags & ~kFinal);
    if (c.part < 0) return invalid(w, ": part ", c.part, " is negative");
    NPUKIT_RETURN_IF_ERROR(check_box(c.box, w + " box"));
    for (size_t si = 0; si < c.srcs.size(); ++si)
      NPUKIT_RETURN_IF_ERROR(check_operand(c.srcs[si], p, w + " src " + std::to_string(si)));
    if (c.op != CmdOp::kStore) NPUKIT_RETURN_IF_ERROR(check_operand(c.dst, p, w + " dst"));
    for (int32_t d : c.deps)
      if (d < 0 || d >= static_cast<int64_t>(ci))
        return invalid(w, ": dep index ", d, " is not an earlier command (must be in 0..", static_cast<int64_t>(ci) - 1,
                       ")");
  }
  for (size_t fi = 0; fi < p.function_calls.size(); ++fi) {
    const FunctionCall& f = p.function_calls[fi];
    const std::string w = pw + " function call " + std::to_string(fi);
    if (f.first_command < 0 || f.num_commands < 0 || static_cast<int64_t>(f.first_command) + f.num_commands > ncmd)
      return invalid(w, ": commands [", f.first_command, ", +", f.num_commands, ") are outside the ", ncmd,
                     " commands");
    if (!std::isfinite(f.estimated_us) || f.estimated_us < 0)
      return invalid(w, ": estimated_us ", f.estimated_us, " is not a finite time >= 0");
  }
  return Status::Ok();
}

Status check_io(const std::vector<IoDesc>& ios, const char* kind) {
  for (size_t i = 0; i < ios.size(); ++i) {
    const std::string w = std::string(kind) + " " + std::to_string(i) + " '" + ios[i].name + "'";
    if (!dtype_in_range(ios[i].dtype) || ios[i].dtype == DType::kUndefined)
      return invalid(w, ": dtype ", dtype_str(ios[i].dtype), " is not a known element type");
    NPUKIT_RETURN_IF_ERROR(check_shape(ios[i].shape, w));
  }
  return Status::Ok();
}

}  // namespace

Status validate_npk_model(const NpkModel& m) {
  const ir::Graph& g = m.model.graph;
  const int64_t num_nodes = static_cast<int64_t>(g.num_nodes());
  const int64_t nprog = static_cast<int64_t>(m.programs.size());
  for (size_t si = 0; si < m.segments.size(); ++si) {
    const Segment& s = m.segments[si];
    const std::string w = "segment " + std::to_string(si);
    if (s.target != Target::kNpu && s.target != Target::kCpu)
      return invalid(w, ": target ", static_cast<int>(s.target), " is neither NPU nor CPU");
    for (int32_t n : s.nodes)
      if (n < 0 || n >= num_nodes)
        return invalid(w, ": node index ", n, " is out of range (graph has ", num_nodes, " nodes)");
    if (s.target == Target::kNpu && (s.program < 0 || s.program >= nprog))
      return invalid(w, ": program index ", s.program, " is out of range (", nprog, " programs)");
    if (s.target == Target::kCpu && s.program != -1)
      return invalid(w, ": CPU segment has program index ", s.program, " (must be -1)");
    for (const auto* names : {&s.inputs, &s.outputs})
      for (const std::string& name : *names)
        if (!g.find_value(name)) return invalid(w, ": value '", name, "' is not in the graph");
  }
  for (size_t pi = 0; pi < m.programs.size(); ++pi) NPUKIT_RETURN_IF_ERROR(check_program(m.programs[pi], pi, m));
  if (!m.placement.empty() && static_cast<int64_t>(m.placement.size()) != num_nodes)
    return invalid("placement has ", m.placement.size(), " entries for ", num_nodes, " nodes");
  for (size_t i = 0; i < m.placement.size(); ++i)
    if (m.placement[i].target != Target::kNpu && m.placement[i].target != Target::kCpu)
      return invalid("placement ", i, " '", m.placement[i].node, "': target ", static_cast<int>(m.placement[i].target),
                     " is neither NPU nor CPU");
  NPUKIT_RETURN_IF_ERROR(check_io(m.inputs, "input"));
  NPUKIT_RETURN_IF_ERROR(check_io(m.outputs, "output"));
  return Status::Ok();
}

}  // namespace npukit::npk
