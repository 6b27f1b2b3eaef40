// SPDX-License-Identifier: Apache-2.0
// sim: command-stream execution and schedule checking (see simulator.h and npk/program.h).
//
// Schedule model. Each core has one in-order queue per unit; a command starts after the previous command of
// its queue and its `deps`. What a command may assume complete is tracked with vector clocks: known(c)[q] is
// the number of commands of queue q that are guaranteed complete when c starts (the element-wise max over
// its queue predecessor and its deps, each counted complete themselves). A command x is known complete at c
// iff known(c)[queue(x)] > position of x in its queue. Memory (SRAM per core, the DDR arena) is tracked as
// interval maps of regions carrying their last writer and the readers since that write, so reads of bytes
// whose writer may still run and writes over bytes someone may still read or write are reported.
#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "interp/interpreter.h"
#include "sim/sim_internal.h"
#include "sim/simulator.h"

namespace npukit::sim {
namespace {

using npk::Box;
using npk::BufferKind;
using npk::CmdOp;
using npk::Command;
using npk::DdrBuffer;
using npk::Operand;
using npk::Program;

constexpr int64_t kMaxSramBytes = int64_t{1} << 32;  // addresses are uint32
constexpr int64_t kMaxArenaBytes = int64_t{1} << 34;

/// Writer ids: >= 0 a command; kInitial - b the initial contents of (input) buffer b.
constexpr int32_t kInitial = -2;
int32_t initial_writer(int32_t buffer) {
  return kInitial - buffer;
}
bool is_initial(int32_t writer) {
  return writer <= kInitial;
}
int32_t initial_buffer(int32_t writer) {
  return kInitial - writer;
}

/// Vector clocks over the (core, unit) queues.
class Clocks {
 public:
  Clocks(int num_cores, size_t num_commands)
      : nq_(num_cores * npk::kNumUnits),
        queue_(num_commands, 0),
        pos_(num_commands, 0),
        known_(num_commands * static_cast<size_t>(nq_), 0),
        last_(static_cast<size_t>(nq_), -1),
        count_(static_cast<size_t>(nq_), 0) {}

  int queue(int32_t cmd) const { return queue_[static_cast<size_t>(cmd)]; }

  /// Enters command `idx` (stream order); deps were validated by the caller.
  void begin(int32_t idx, const Command& c) {
    const int q = c.core * npk::kNumUnits + static_cast<int>(npk::unit_of(c.op));
    queue_[static_cast<size_t>(idx)] = q;
    pos_[static_cast<size_t>(idx)] = count_[static_cast<size_t>(q)]++;
    int32_t* row = &known_[static_cast<size_t>(idx) * static_cast<size_t>(nq_)];
    if (last_[static_cast<size_t>(q)] >= 0) merge_done(row, last_[static_cast<size_t>(q)]);
    for (int32_t d : c.deps) merge_done(row, d);
    last_[static_cast<size_t>(q)] = idx;
  }

  /// True when `x` is guaranteed complete when `at` starts.
  bool complete_at(int32_t x, int32_t at) const {
    if (is_initial(x)) return true;
    if (x < 0 || x >= at) return false;
    return known_[static_cast<size_t>(at) * static_cast<size_t>(nq_) +
                  static_cast<size_t>(queue_[static_cast<size_t>(x)])] > pos_[static_cast<size_t>(x)];
  }

 private:
  void merge_done(int32_t* row, int32_t x) {
    const int32_t* other = &known_[static_cast<size_t>(x) * static_cast<size_t>(nq_)];
    for (int q = 0; q < nq_; ++q) row[q] = std::max(row[q], other[q]);
    const size_t qx = static_cast<size_t>(queue_[static_cast<size_t>(x)]);
    row[qx] = std::max(row[qx], pos_[static_cast<size_t>(x)] + 1);
  }

  int nq_;
  std::vector<int32_t> queue_, pos_, known_, last_, count_;
};

/// A byte range's last writer and the readers since (at most one per queue: the latest).
struct Seg {
  int64_t end = 0;
  int32_t writer = -1;
  std::vector<int32_t> readers;
};

/// Non-overlapping segments keyed by start; bytes outside every segment were never written.
class RegionMap {
 public:
  void split(int64_t at) {
    auto it = m_.upper_bound(at);
    if (it == m_.begin()) return;
    --it;
    if (it->first < at && it->second.end > at) {
      Seg tail = it->second;
      it->second.end = at;
      m_.emplace(at, std::move(tail));
    }
  }
  std::map<int64_t, Seg>& map() { return m_; }
  /// Replaces [lo, hi) by one segment written by `writer`.
  void assign(int64_t lo, int64_t hi, int32_t writer) {
    split(lo);
    split(hi);
    m_.erase(m_.lower_bound(lo), m_.lower_bound(hi));
    m_.emplace(lo, Seg{hi, writer, {}});
  }

 private:
  std::map<int64_t, Seg> m_;
};

class Sim {
 public:
  Sim(const Program& p, const ir::Graph& g, SimStats* stats) : p_(p), g_(g), stats_(stats), nodes_(g.nodes()) {}

  Expected<std::map<std::string, Tensor>> run(const std::map<std::string, Tensor>& inputs);

 private:
  // ---- naming
  std::string cmd_str(int32_t i) const {
    const Command& c = p_.commands[static_cast<size_t>(i)];
    std::string s = str_cat(npk::cmd_op_name(c.op), " cmd ", i, " core ", c.core);
    if (c.layer >= 0 && static_cast<size_t>(c.layer) < nodes_.size())
      s += str_cat(" (layer '", nodes_[static_cast<size_t>(c.layer)]->name(), "')");
    return s;
  }
  std::string writer_str(int32_t w) const {
    if (is_initial(w)) return str_cat("the input '", p_.buffers[static_cast<size_t>(initial_buffer(w))].value, "'");
    return cmd_str(w);
  }
  template <class... Args>
  Status fail(int32_t i, const Args&... args) const {
    return make_error(ErrorCode::kInternal, cmd_str(i), ": ", args...);
  }

  // ---- buffers
  Status check_buffers();
  int32_t root(int32_t b) const { return roots_[static_cast<size_t>(b)]; }
  Expected<const Tensor*> constant_of(int32_t b) const;

  // ---- memory checks
  // `base` is subtracted from the byte offsets in messages (DDR: offsets within the buffer).
  Status check_read(RegionMap& m, int64_t lo, int64_t hi, int32_t cmd, const std::string& what, int64_t base = 0,
                    int32_t expect_root = -1);
  Status check_write(RegionMap& m, int64_t lo, int64_t hi, int32_t cmd, const std::string& what, int64_t base = 0);
  Status check_tile(int32_t cmd, const Operand& op, const char* what);
  Status sram_read(int32_t cmd, const Operand& op, Tensor* out);
  Status sram_write(int32_t cmd, const Operand& op, const Tensor& t);

  // ---- commands
  Status load(int32_t i, const Command& c);
  Status store(int32_t i, const Command& c);
  Status compute(int32_t i, const Command& c);

  const Program& p_;
  const ir::Graph& g_;
  SimStats* stats_;
  std::vector<ir::Node*> nodes_;
  std::vector<int32_t> roots_;
  std::vector<uint8_t> arena_;
  RegionMap ddr_;
  std::vector<std::vector<uint8_t>> sram_;
  std::vector<RegionMap> sram_regions_;
  std::vector<int64_t> sram_peak_;
  Clocks* clocks_ = nullptr;
};

Status Sim::check_buffers() {
  const int32_t n = static_cast<int32_t>(p_.buffers.size());
  roots_.assign(static_cast<size_t>(n), -1);
  for (int32_t b = 0; b < n; ++b) {
    const DdrBuffer& buf = p_.buffers[static_cast<size_t>(b)];
    if (dtype_size(buf.dtype) == 0 || !checked_numel(buf.shape).ok() || buf.shape.size() > npk::kMaxBoxRank)
      return make_error(ErrorCode::kInternal, "buffer ", b, " '", buf.value, "': bad type ", dtype_name(buf.dtype),
                        shape_str(buf.shape));
    int32_t r = b;
    for (int hops = 0; p_.buffers[static_cast<size_t>(r)].alias_of >= 0; ++hops) {
      const int32_t next = p_.buffers[static_cast<size_t>(r)].alias_of;
      if (next >= n || hops > n)
        return make_error(ErrorCode::kInternal, "buffer ", b, " '", buf.value, "': bad alias_of chain");
      r = next;
    }
    roots_[static_cast<size_t>(b)] = r;
    const DdrBuffer& rb = p_.buffers[static_cast<size_t>(r)];
    if (rb.bytes() != buf.bytes())
      return make_error(ErrorCode::kInternal, "buffer '", buf.value, "' (", buf.bytes(), " bytes) aliases '", rb.value,
                        "' (", rb.bytes(), " bytes)");
    if (rb.kind == BufferKind::kConstant) {
      NPUKIT_RETURN_IF_ERROR(constant_of(b).status());
    } else if (rb.offset < 0 || rb.offset + rb.bytes() > p_.arena_bytes) {
      return make_error(ErrorCode::kInternal, "buffer '", buf.value, "' [", rb.offset, ", ", rb.offset + rb.bytes(),
                        ") lies outside the ", p_.arena_bytes, "-byte arena");
    }
  }
  return Status::Ok();
}

Expected<const Tensor*> Sim::constant_of(int32_t b) const {
  const DdrBuffer& rb = p_.buffers[static_cast<size_t>(root(b))];
  const ir::Value* v = g_.find_value(rb.value);
  if (v == nullptr || !v->is_constant())
    return make_error(ErrorCode::kInternal, "constant buffer '", rb.value, "' is not a constant of the graph");
  const Tensor* t = v->const_value();
  if (t->dtype() != rb.dtype || t->shape() != rb.shape)
    return make_error(ErrorCode::kInternal, "constant buffer '", rb.value, "' is ", dtype_name(rb.dtype),
                      shape_str(rb.shape), " but the graph constant is ", dtype_name(t->dtype()),
                      shape_str(t->shape()));
  return t;
}

Status Sim::check_read(RegionMap& m, int64_t lo, int64_t hi, int32_t cmd, const std::string& what, int64_t base,
                       int32_t expect_root) {
  if (hi <= lo) return Status::Ok();
  m.split(lo);
  m.split(hi);
  auto& segs = m.map();
  int64_t cur = lo;
  for (auto it = segs.lower_bound(lo); it != segs.end() && it->first < hi; ++it) {
    if (it->first > cur)
      return fail(cmd, "read before write: ", what, " bytes [", cur - base, ", ", it->first - base,
                  ") were never written");
    Seg& s = it->second;
    if (!clocks_->complete_at(s.writer, cmd))
      return fail(cmd, "read before write: ", what, " bytes [", it->first - base, ", ", s.end - base,
                  ") are written by ", writer_str(s.writer), ", which is not known complete (missing dependency)");
    if (expect_root >= 0) {
      const int32_t wb =
          is_initial(s.writer) ? initial_buffer(s.writer) : p_.commands[static_cast<size_t>(s.writer)].buffer;
      if (wb < 0 || root(wb) != expect_root)
        return fail(cmd, "read before write: ", what, " bytes [", it->first - base, ", ", s.end - base,
                    ") hold buffer '", wb >= 0 ? p_.buffers[static_cast<size_t>(wb)].value : std::string("?"),
                    "' (written by ", writer_str(s.writer), "), not yet this buffer's data");
    }
    // Keep one reader per queue: the latest (later in stream order = later in that queue).
    const int q = clocks_->queue(cmd);
    std::erase_if(s.readers, [&](int32_t r) { return clocks_->queue(r) == q; });
    s.readers.push_back(cmd);
    cur = s.end;
  }
  if (cur < hi)
    return fail(cmd, "read before write: ", what, " bytes [", cur - base, ", ", hi - base, ") were never written");
  return Status::Ok();
}

Status Sim::check_write(RegionMap& m, int64_t lo, int64_t hi, int32_t cmd, const std::string& what, int64_t base) {
  if (hi <= lo) return Status::Ok();
  auto& segs = m.map();
  auto it = segs.upper_bound(lo);
  if (it != segs.begin() && std::prev(it)->second.end > lo) --it;
  for (; it != segs.end() && it->first < hi; ++it) {
    const Seg& s = it->second;
    const int64_t a = std::max(lo, it->first), b = std::min(hi, s.end);
    if (s.writer != cmd && !clocks_->complete_at(s.writer, cmd))
      return fail(cmd, "overlaps a live buffer: ", what, " bytes [", a - base, ", ", b - base,
                  ") are still being written by ", writer_str(s.writer), ", which is not known complete");
    for (int32_t r : s.readers)
      if (r != cmd && !clocks_->complete_at(r, cmd))
        return fail(cmd, "overlaps a live buffer: ", what, " bytes [", a - base, ", ", b - base, ") are still read by ",
                    cmd_str(r), ", which is not known complete");
  }
  m.assign(lo, hi, cmd);
  return Status::Ok();
}

Status Sim::check_tile(int32_t cmd, const Operand& op, const char* what) {
  const Box& b = op.box;
  if (b.rank < 0 || b.rank > npk::kMaxBoxRank) return fail(cmd, what, " tile has rank ", b.rank);
  for (int d = 0; d < b.rank; ++d)
    if (b.size[d] < 0 || b.size[d] > kMaxTensorElements) return fail(cmd, what, " tile ", b.str(), " has a bad size");
  if (dtype_size(op.dtype) == 0) return fail(cmd, what, " tile has no dtype");
  if (!checked_numel(b.shape()).ok()) return fail(cmd, what, " tile ", b.str(), " is too large");
  const int64_t end = static_cast<int64_t>(op.addr) + op.bytes();
  if (end > p_.sram_bytes_per_core)
    return fail(cmd, "SRAM overflow: ", what, " tile (", npk::role_name(op.role), ") at [", op.addr, ", ", end,
                ") exceeds the core's ", p_.sram_bytes_per_core, " bytes");
  int64_t& peak = sram_peak_[p_.commands[static_cast<size_t>(cmd)].core];
  peak = std::max(peak, end);
  return Status::Ok();
}

Status Sim::sram_read(int32_t cmd, const Operand& op, Tensor* out) {
  const uint16_t core = p_.commands[static_cast<size_t>(cmd)].core;
  NPUKIT_RETURN_IF_ERROR(check_tile(cmd, op, npk::role_name(op.role)));
  const int64_t lo = op.addr, hi = lo + op.bytes();
  NPUKIT_RETURN_IF_ERROR(
      check_read(sram_regions_[core], lo, hi, cmd, str_cat("SRAM (", npk::role_name(op.role), " tile)")));
  Tensor t(op.dtype, op.box.shape());
  if (hi > lo) std::memcpy(t.raw(), sram_[core].data() + lo, static_cast<size_t>(hi - lo));
  *out = std::move(t);
  return Status::Ok();
}

Status Sim::sram_write(int32_t cmd, const Operand& op, const Tensor& t) {
  const uint16_t core = p_.commands[static_cast<size_t>(cmd)].core;
  const int64_t lo = op.addr, hi = lo + op.bytes();
  if (static_cast<int64_t>(t.nbytes()) != hi - lo) return fail(cmd, "dst tile size mismatch");
  NPUKIT_RETURN_IF_ERROR(check_write(sram_regions_[core], lo, hi, cmd, "SRAM (dst tile)"));
  if (hi > lo) std::memcpy(sram_[core].data() + lo, t.raw(), static_cast<size_t>(hi - lo));
  return Status::Ok();
}

Status Sim::load(int32_t i, const Command& c) {
  if (c.buffer < 0 || static_cast<size_t>(c.buffer) >= p_.buffers.size()) return fail(i, "unknown buffer ", c.buffer);
  const DdrBuffer& buf = p_.buffers[static_cast<size_t>(c.buffer)];
  const Operand& dst = c.dst;
  NPUKIT_RETURN_IF_ERROR(check_tile(i, dst, "dst"));
  if (dst.dtype != buf.dtype)
    return fail(i, "dst dtype ", dtype_name(dst.dtype), " but buffer '", buf.value, "' is ", dtype_name(buf.dtype));
  if (dst.box.rank != static_cast<int32_t>(buf.shape.size()) || !Box::whole(buf.shape).contains(dst.box))
    return fail(i, "box ", dst.box.str(), " is not inside buffer '", buf.value, "' ", shape_str(buf.shape));
  Tensor tile(dst.dtype, dst.box.shape());
  const size_t es = dtype_size(buf.dtype);
  auto* out = static_cast<std::byte*>(tile.raw());
  const DdrBuffer& rb = p_.buffers[static_cast<size_t>(root(c.buffer))];
  if (rb.kind == BufferKind::kConstant) {
    NPUKIT_ASSIGN_OR_RETURN(const Tensor* t, constant_of(c.buffer));
    const auto* src = static_cast<const std::byte*>(t->raw());
    internal::for_each_run(buf.shape, dst.box, [&](int64_t te, int64_t be, int64_t n) {
      std::memcpy(out + static_cast<size_t>(be) * es, src + static_cast<size_t>(te) * es, static_cast<size_t>(n) * es);
    });
  } else {
    Status st;
    const std::string what = str_cat("DDR buffer '", buf.value, "'");
    internal::for_each_run(buf.shape, dst.box, [&](int64_t te, int64_t be, int64_t n) {
      if (!st.ok()) return;
      const int64_t lo = rb.offset + te * static_cast<int64_t>(es), len = n * static_cast<int64_t>(es);
      st = check_read(ddr_, lo, lo + len, i, what, rb.offset, root(c.buffer));
      if (st.ok()) std::memcpy(out + static_cast<size_t>(be) * es, arena_.data() + lo, static_cast<size_t>(len));
    });
    NPUKIT_RETURN_IF_ERROR(st);
  }
  NPUKIT_RETURN_IF_ERROR(sram_write(i, dst, tile));
  if (stats_) stats_->load_bytes += dst.bytes();
  return Status::Ok();
}

Status Sim::store(int32_t i, const Command& c) {
  if (c.buffer < 0 || static_cast<size_t>(c.buffer) >= p_.buffers.size()) return fail(i, "unknown buffer ", c.buffer);
  const DdrBuffer& buf = p_.buffers[static_cast<size_t>(c.buffer)];
  const DdrBuffer& rb = p_.buffers[static_cast<size_t>(root(c.buffer))];
  if (rb.kind == BufferKind::kConstant || rb.kind == BufferKind::kInput || buf.kind == BufferKind::kInput)
    return fail(i, "STORE into ", npk::buffer_kind_name(rb.kind), " buffer '", buf.value, "'");
  if (c.srcs.size() != 1) return fail(i, "STORE needs exactly one source tile, got ", c.srcs.size());
  const Operand& src = c.srcs[0];
  if (src.dtype != buf.dtype)
    return fail(i, "source dtype ", dtype_name(src.dtype), " but buffer '", buf.value, "' is ", dtype_name(buf.dtype));
  if (c.box.rank != static_cast<int32_t>(buf.shape.size()) || !Box::whole(buf.shape).contains(c.box))
    return fail(i, "box ", c.box.str(), " is not inside buffer '", buf.value, "' ", shape_str(buf.shape));
  if (c.box.shape() != src.box.shape())
    return fail(i, "box ", c.box.str(), " and source tile ", src.box.str(), " differ in size");
  Tensor tile;
  NPUKIT_RETURN_IF_ERROR(sram_read(i, src, &tile));
  const size_t es = dtype_size(buf.dtype);
  const auto* in = static_cast<const std::byte*>(tile.raw());
  Status st;
  const std::string what = str_cat("DDR buffer '", buf.value, "'");
  internal::for_each_run(buf.shape, c.box, [&](int64_t te, int64_t be, int64_t n) {
    if (!st.ok()) return;
    const int64_t lo = rb.offset + te * static_cast<int64_t>(es), len = n * static_cast<int64_t>(es);
    st = check_write(ddr_, lo, lo + len, i, what, rb.offset);
    if (st.ok()) std::memcpy(arena_.data() + lo, in + static_cast<size_t>(be) * es, static_cast<size_t>(len));
  });
  NPUKIT_RETURN_IF_ERROR(st);
  if (stats_) stats_->store_bytes += src.bytes();
  return Status::Ok();
}

Status Sim::compute(int32_t i, const Command& c) {
  if (c.layer < 0 || static_cast<size_t>(c.layer) >= nodes_.size()) return fail(i, "unknown layer ", c.layer);
  const ir::Node& node = *nodes_[static_cast<size_t>(c.layer)];
  std::vector<internal::SrcTile> srcs(c.srcs.size());
  for (size_t s = 0; s < c.srcs.size(); ++s) {
    srcs[s].op = &c.srcs[s];
    NPUKIT_RETURN_IF_ERROR(sram_read(i, c.srcs[s], &srcs[s].data));
  }
  NPUKIT_RETURN_IF_ERROR(check_tile(i, c.dst, "dst"));
  Expected<Tensor> y = internal::compute(c, node, srcs);
  if (!y.ok()) return y.status().with_context(cmd_str(i));
  return sram_write(i, c.dst, *y);
}

Expected<std::map<std::string, Tensor>> Sim::run(const std::map<std::string, Tensor>& inputs) {
  if (p_.num_cores < 1 || p_.num_cores > 1024) return make_error(ErrorCode::kInternal, "num_cores ", p_.num_cores);
  if (p_.sram_bytes_per_core < 0 || p_.sram_bytes_per_core > kMaxSramBytes)
    return make_error(ErrorCode::kInternal, "sram_bytes_per_core ", p_.sram_bytes_per_core);
  if (p_.arena_bytes < 0 || p_.arena_bytes > kMaxArenaBytes)
    return make_error(ErrorCode::kInternal, "arena_bytes ", p_.arena_bytes);
  if (p_.commands.size() > static_cast<size_t>(INT32_MAX / 2))
    return make_error(ErrorCode::kInternal, "too many commands");
  NPUKIT_RETURN_IF_ERROR(check_buffers());
  arena_.assign(static_cast<size_t>(p_.arena_bytes), 0);
  // Inputs: copied into the arena; their bytes count as written by "the input" (always complete).
  for (size_t b = 0; b < p_.buffers.size(); ++b) {
    const DdrBuffer& buf = p_.buffers[b];
    if (buf.kind != BufferKind::kInput || buf.alias_of >= 0) continue;
    auto it = inputs.find(buf.value);
    if (it == inputs.end())
      return make_error(ErrorCode::kInvalidArgument, "no tensor for input buffer '", buf.value, "'");
    const Tensor& t = it->second;
    if (t.dtype() != buf.dtype || t.shape() != buf.shape)
      return make_error(ErrorCode::kShapeMismatch, "input buffer '", buf.value, "' is ", dtype_name(buf.dtype),
                        shape_str(buf.shape), ", got ", dtype_name(t.dtype()), shape_str(t.shape()));
    if (buf.bytes() > 0) std::memcpy(arena_.data() + buf.offset, t.raw(), static_cast<size_t>(buf.bytes()));
    ddr_.assign(buf.offset, buf.offset + buf.bytes(), initial_writer(static_cast<int32_t>(b)));
  }
  sram_.assign(static_cast<size_t>(p_.num_cores), std::vector<uint8_t>(static_cast<size_t>(p_.sram_bytes_per_core)));
  sram_regions_.assign(static_cast<size_t>(p_.num_cores), RegionMap());
  sram_peak_.assign(static_cast<size_t>(p_.num_cores), 0);
  Clocks clocks(p_.num_cores, p_.commands.size());
  clocks_ = &clocks;

  for (int32_t i = 0; i < static_cast<int32_t>(p_.commands.size()); ++i) {
    const Command& c = p_.commands[static_cast<size_t>(i)];
    if (static_cast<int>(c.op) >= npk::kNumCmdOps)
      return make_error(ErrorCode::kInternal, "cmd ", i, ": unknown op ", static_cast<int>(c.op));
    if (c.core >= p_.num_cores) return fail(i, "core ", c.core, " but the program has ", p_.num_cores);
    if (c.layer < -1 || (c.layer >= 0 && static_cast<size_t>(c.layer) >= nodes_.size()))
      return fail(i, "unknown layer ", c.layer);
    for (int32_t d : c.deps)
      if (d < 0 || d >= i) return fail(i, "dep ", d, " is not an earlier command");
    clocks.begin(i, c);
    switch (c.op) {
      case CmdOp::kLoad: NPUKIT_RETURN_IF_ERROR(load(i, c)); break;
      case CmdOp::kStore: NPUKIT_RETURN_IF_ERROR(store(i, c)); break;
      default: NPUKIT_RETURN_IF_ERROR(compute(i, c)); break;
    }
  }
  clocks_ = nullptr;

  std::map<std::string, Tensor> out;
  for (size_t b = 0; b < p_.buffers.size(); ++b) {
    const DdrBuffer& buf = p_.buffers[b];
    if (buf.kind != BufferKind::kOutput) continue;
    const DdrBuffer& rb = p_.buffers[static_cast<size_t>(root(static_cast<int32_t>(b)))];
    Tensor t(buf.dtype, buf.shape);
    if (rb.kind == BufferKind::kConstant) {
      NPUKIT_ASSIGN_OR_RETURN(const Tensor* c, constant_of(static_cast<int32_t>(b)));
      std::memcpy(t.raw(), c->raw(), t.nbytes());
    } else {
      // Every byte must hold this buffer's data (all commands are complete now).
      const int64_t lo = rb.offset, hi = lo + rb.bytes();
      ddr_.split(lo);
      ddr_.split(hi);
      int64_t cur = lo;
      for (auto it = ddr_.map().lower_bound(lo); it != ddr_.map().end() && it->first < hi; ++it) {
        const int32_t w = it->second.writer;
        const int32_t wb = is_initial(w) ? initial_buffer(w) : p_.commands[static_cast<size_t>(w)].buffer;
        if (it->first > cur || wb < 0 || root(wb) != root(static_cast<int32_t>(b))) break;
        cur = it->second.end;
      }
      if (cur < hi)
        return make_error(ErrorCode::kInternal, "output buffer '", buf.value, "': bytes from ", cur - lo,
                          " on were never stored");
      if (hi > lo) std::memcpy(t.raw(), arena_.data() + lo, static_cast<size_t>(hi - lo));
    }
    out[buf.value] = std::move(t);
  }
  if (stats_) {
    stats_->commands += static_cast<int64_t>(p_.commands.size());
    for (int64_t pk : sram_peak_) stats_->peak_sram_bytes = std::max(stats_->peak_sram_bytes, pk);
  }
  return out;
}

}  // namespace

Expected<std::map<std::string, Tensor>> run_program(const npk::Program& program, const ir::Graph& graph,
                                                    const std::map<std::string, Tensor>& inputs, SimStats* stats) {
  Sim sim(program, graph, stats);
  return sim.run(inputs);
}

Expected<std::vector<Tensor>> run_model(const npk::NpkModel& model, const std::vector<Tensor>& inputs,
                                        SimStats* stats) {
  const ir::Graph& g = model.model.graph;
  const std::vector<ir::Node*> nodes = g.nodes();
  const interp::Interpreter interp(g);
  const std::vector<const ir::Value*> rin = interp.runtime_inputs();
  if (inputs.size() != rin.size())
    return make_error(ErrorCode::kInvalidArgument, "the model has ", rin.size(), " inputs, got ", inputs.size());
  std::map<std::string, Tensor> values;
  for (size_t i = 0; i < rin.size(); ++i) {
    if (inputs[i].dtype() != rin[i]->dtype() || inputs[i].shape() != rin[i]->shape())
      return make_error(ErrorCode::kShapeMismatch, "input '", rin[i]->name(), "' is ", dtype_name(rin[i]->dtype()),
                        shape_str(rin[i]->shape()), ", got ", dtype_name(inputs[i].dtype()),
                        shape_str(inputs[i].shape()));
    values[rin[i]->name()] = inputs[i];
  }
  auto lookup = [&](const ir::Value* v) -> const Tensor* {
    if (v->is_constant()) return v->const_value();
    auto it = values.find(v->name());
    return it == values.end() ? nullptr : &it->second;
  };
  for (size_t si = 0; si < model.segments.size(); ++si) {
    const npk::Segment& seg = model.segments[si];
    if (seg.target == npk::Target::kCpu) {
      for (int32_t ni : seg.nodes) {
        if (ni < 0 || static_cast<size_t>(ni) >= nodes.size())
          return make_error(ErrorCode::kInvalidModel, "segment ", si, ": unknown node ", ni);
        const ir::Node& node = *nodes[static_cast<size_t>(ni)];
        std::vector<const Tensor*> ins(node.num_inputs(), nullptr);
        for (size_t k = 0; k < node.num_inputs(); ++k) {
          const ir::Value* v = node.input(k);
          if (v == nullptr) continue;
          ins[k] = lookup(v);
          if (ins[k] == nullptr)
            return make_error(ErrorCode::kInvalidModel, "segment ", si, ": node '", node.name(), "' reads '", v->name(),
                              "' before it is computed");
        }
        NPUKIT_ASSIGN_OR_RETURN(std::vector<Tensor> outs, interp::run_node(node, ins));
        for (size_t k = 0; k < node.num_outputs() && k < outs.size(); ++k)
          if (node.output(k) != nullptr) values[node.output(k)->name()] = std::move(outs[k]);
      }
    } else {
      if (seg.program < 0 || static_cast<size_t>(seg.program) >= model.programs.size())
        return make_error(ErrorCode::kInvalidModel, "segment ", si, ": unknown program ", seg.program);
      std::map<std::string, Tensor> seg_in;
      for (const std::string& name : seg.inputs) {
        const ir::Value* v = g.find_value(name);
        const Tensor* t = v ? lookup(v) : nullptr;
        if (t == nullptr)
          return make_error(ErrorCode::kInvalidModel, "segment ", si, ": input '", name, "' is not computed yet");
        seg_in[name] = *t;
      }
      auto outs = run_program(model.programs[static_cast<size_t>(seg.program)], g, seg_in, stats);
      if (!outs.ok()) return outs.status().with_context(str_cat("NPU segment ", si));
      for (auto& [name, t] : *outs) values[name] = std::move(t);
    }
  }
  std::vector<Tensor> result;
  for (const ir::Value* v : g.outputs()) {
    const Tensor* t = lookup(v);
    if (t == nullptr) return make_error(ErrorCode::kInvalidModel, "graph output '", v->name(), "' was never computed");
    result.push_back(*t);
  }
  return result;
}

}  // namespace npukit::sim
