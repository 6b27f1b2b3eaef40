// SPDX-License-Identifier: Apache-2.0
#include "npu/emitter.h"

#include <algorithm>
#include <iterator>

namespace npukit::npu {

Emitter::Emitter(npk::Program& program) : program_(program) {
  sram_.resize(static_cast<size_t>(std::max<int32_t>(1, program.num_cores)));
}

Emitter::Space& Emitter::sram(uint16_t core) {
  if (core >= sram_.size()) sram_.resize(core + 1u);
  return sram_[core];
}

int32_t Emitter::queue_of(const npk::Command& c) const {
  return static_cast<int32_t>(c.core) * npk::kNumUnits + static_cast<int32_t>(npk::unit_of(c.op));
}

std::pair<int64_t, int64_t> Emitter::ddr_range(int32_t buffer) const {
  const npk::DdrBuffer& b = program_.buffers[static_cast<size_t>(buffer)];
  if (b.kind == npk::BufferKind::kConstant) return {-1, -1};
  return {b.offset, b.offset + b.bytes()};
}

void Emitter::Space::split_at(int64_t x) {
  auto it = regions.upper_bound(x);
  if (it == regions.begin()) return;
  --it;
  const int64_t lo = it->first, hi = it->second.first;
  if (x <= lo || x >= hi) return;
  Access copy = it->second.second;
  it->second.first = x;
  regions.emplace(x, std::make_pair(hi, std::move(copy)));
}

namespace {
void merge_dep(std::map<int32_t, int32_t>& deps, int32_t queue, int32_t cmd) {
  auto [it, inserted] = deps.emplace(queue, cmd);
  if (!inserted) it->second = std::max(it->second, cmd);
}
}  // namespace

void Emitter::on_read(Space& s, int64_t lo, int64_t hi, std::map<int32_t, int32_t>& deps) {
  for (auto it = s.regions.lower_bound(lo); it != s.regions.end() && it->first < hi; ++it)
    for (const auto& [q, c] : it->second.second.writers) merge_dep(deps, q, c);
  // A region starting before lo may overlap too.
  auto it = s.regions.lower_bound(lo);
  if (it != s.regions.begin()) {
    --it;
    if (it->second.first > lo)
      for (const auto& [q, c] : it->second.second.writers) merge_dep(deps, q, c);
  }
}

void Emitter::on_write(Space& s, int64_t lo, int64_t hi, int32_t epoch, std::map<int32_t, int32_t>& deps) {
  s.split_at(lo);
  s.split_at(hi);
  for (auto it = s.regions.lower_bound(lo); it != s.regions.end() && it->first < hi; ++it) {
    const Access& a = it->second.second;
    for (const auto& [q, c] : a.readers) merge_dep(deps, q, c);
    if (epoch >= 0 && a.epoch == epoch) {
      // Another write of the same epoch (disjoint parts of one output): it need not wait for its siblings,
      // but must respect everything the epoch's first write waited for.
      for (const auto& [q, c] : a.before_epoch) merge_dep(deps, q, c);
    } else {
      for (const auto& [q, c] : a.writers) merge_dep(deps, q, c);
    }
  }
}

void Emitter::Space::cover(int64_t lo, int64_t hi) {
  // Bytes nobody wrote yet (e.g. a model input the host fills) still need a record to carry their readers.
  int64_t at = lo;
  auto it = regions.upper_bound(lo);
  if (it != regions.begin()) {
    auto prev = std::prev(it);
    if (prev->second.first > at) at = prev->second.first;
  }
  while (at < hi) {
    it = regions.lower_bound(at);
    const int64_t next = it == regions.end() ? hi : std::min(hi, it->first);
    if (next > at) regions.emplace(at, std::make_pair(next, Access{}));
    if (it == regions.end() || it->first >= hi) break;
    at = it->second.first;
  }
}

void Emitter::record_read(Space& s, int64_t lo, int64_t hi, int32_t queue, int32_t cmd) {
  s.cover(lo, hi);
  s.split_at(lo);
  s.split_at(hi);
  for (auto it = s.regions.lower_bound(lo); it != s.regions.end() && it->first < hi; ++it)
    merge_dep(it->second.second.readers, queue, cmd);
}

void Emitter::record_write(Space& s, int64_t lo, int64_t hi, int32_t queue, int32_t cmd, int32_t epoch) {
  s.split_at(lo);
  s.split_at(hi);
  // Regions fully inside [lo, hi) are replaced by one record (or joined when the epoch continues).
  Access fresh;
  fresh.epoch = epoch;
  for (auto it = s.regions.lower_bound(lo); it != s.regions.end() && it->first < hi;) {
    const Access& old = it->second.second;
    if (epoch >= 0 && old.epoch == epoch) {
      // Continuing the epoch: keep its writers, its pre-epoch obligations and the readers since.
      for (const auto& [q, c] : old.writers) merge_dep(fresh.writers, q, c);
      for (const auto& [q, c] : old.before_epoch) merge_dep(fresh.before_epoch, q, c);
      for (const auto& [q, c] : old.readers) merge_dep(fresh.readers, q, c);
    } else if (epoch >= 0) {
      // A new epoch starts: every later write of it must also wait for what this write waited for.
      for (const auto& [q, c] : old.writers) merge_dep(fresh.before_epoch, q, c);
      for (const auto& [q, c] : old.readers) merge_dep(fresh.before_epoch, q, c);
    }
    it = s.regions.erase(it);
  }
  merge_dep(fresh.writers, queue, cmd);
  s.regions.emplace(lo, std::make_pair(hi, std::move(fresh)));
}

int32_t Emitter::append(npk::Command cmd, const std::map<int32_t, int32_t>& deps) {
  const int32_t own = queue_of(cmd);
  const int32_t index = size();
  cmd.deps.clear();
  for (const auto& [q, c] : deps)
    if (q != own && c < index) cmd.deps.push_back(c);
  std::sort(cmd.deps.begin(), cmd.deps.end());
  program_.commands.push_back(std::move(cmd));
  return index;
}

int32_t Emitter::load(uint16_t core, int32_t buffer, const npk::Box& box, npk::Role role, uint32_t addr,
                      int32_t layer) {
  npk::Command c;
  c.op = npk::CmdOp::kLoad;
  c.core = core;
  c.layer = layer;
  c.buffer = buffer;
  c.dst.role = role;
  c.dst.addr = addr;
  c.dst.dtype = program_.buffers[static_cast<size_t>(buffer)].dtype;
  c.dst.box = box;
  std::map<int32_t, int32_t> deps;
  const auto [dlo, dhi] = ddr_range(buffer);
  if (dlo >= 0) on_read(ddr_, dlo, dhi, deps);
  Space& s = sram(core);
  on_write(s, addr, addr + c.dst.bytes(), -1, deps);
  const int32_t q = queue_of(c);
  const int32_t i = append(std::move(c), deps);
  const npk::Command& cc = program_.commands.back();
  if (dlo >= 0) record_read(ddr_, dlo, dhi, q, i);
  record_write(s, addr, addr + cc.dst.bytes(), q, i, -1);
  return i;
}

int32_t Emitter::store(uint16_t core, int32_t buffer, const npk::Box& box, const npk::Operand& src, int32_t layer,
                       int32_t epoch) {
  npk::Command c;
  c.op = npk::CmdOp::kStore;
  c.core = core;
  c.layer = layer;
  c.buffer = buffer;
  c.box = box;
  c.srcs.push_back(src);
  std::map<int32_t, int32_t> deps;
  Space& s = sram(core);
  on_read(s, src.addr, src.addr + src.bytes(), deps);
  const auto [dlo, dhi] = ddr_range(buffer);
  on_write(ddr_, dlo, dhi, epoch, deps);
  const int32_t q = queue_of(c);
  const int32_t i = append(std::move(c), deps);
  record_read(s, src.addr, src.addr + src.bytes(), q, i);
  record_write(ddr_, dlo, dhi, q, i, epoch);
  return i;
}

int32_t Emitter::compute(npk::Command cmd) {
  std::map<int32_t, int32_t> deps;
  Space& s = sram(cmd.core);
  for (const npk::Operand& o : cmd.srcs) on_read(s, o.addr, o.addr + o.bytes(), deps);
  on_write(s, cmd.dst.addr, cmd.dst.addr + cmd.dst.bytes(), -1, deps);
  const int32_t q = queue_of(cmd);
  std::vector<npk::Operand> srcs = cmd.srcs;
  const npk::Operand dst = cmd.dst;
  const int32_t i = append(std::move(cmd), deps);
  for (const npk::Operand& o : srcs) record_read(s, o.addr, o.addr + o.bytes(), q, i);
  record_write(s, dst.addr, dst.addr + dst.bytes(), q, i, -1);
  return i;
}

}  // namespace npukit::npu
