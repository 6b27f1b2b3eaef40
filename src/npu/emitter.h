// SPDX-License-Identifier: Apache-2.0
// npu: appends commands to a Program and derives their dependencies from the memory they touch, so no
// lowering code states a dependency by hand: a read depends on the last writers of the bytes it reads, a write
// on the last writers and readers of the bytes it overwrites (SRAM per core; DDR per arena byte range of a
// buffer). Dependencies implied by queue order are dropped and at most one per queue is kept.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "npk/program.h"

namespace npukit::npu {

class Emitter {
 public:
  explicit Emitter(npk::Program& program);

  /// LOAD `box` of buffer into SRAM at `addr` of `core`.
  int32_t load(uint16_t core, int32_t buffer, const npk::Box& box, npk::Role role, uint32_t addr, int32_t layer);
  /// STORE the SRAM tile `src` into `box` of buffer. `epoch` groups stores that write disjoint parts of the
  /// same buffer (one node's output): they need not wait for each other.
  int32_t store(uint16_t core, int32_t buffer, const npk::Box& box, const npk::Operand& src, int32_t layer,
                int32_t epoch);
  /// A compute command (op, layer, flags, part, srcs, dst set by the caller; core too).
  int32_t compute(npk::Command cmd);

  /// Marks the current end of the stream as a tile boundary carrying `cycles` of estimated work.
  int32_t size() const { return static_cast<int32_t>(program_.commands.size()); }

 private:
  struct Access {
    std::map<int32_t, int32_t> writers;       ///< queue -> latest writer command on that queue
    std::map<int32_t, int32_t> readers;       ///< queue -> latest reader since the write
    int32_t epoch = -1;                       ///< write epoch (DDR); -1: every write is its own epoch
    std::map<int32_t, int32_t> before_epoch;  ///< what the epoch's writes must wait for (previous users)
  };
  /// Byte-interval map [start, end) -> access record, per space (SRAM of a core, or DDR).
  struct Space {
    std::map<int64_t, std::pair<int64_t, Access>> regions;  ///< start -> (end, access)
    void split_at(int64_t x);
    void cover(int64_t lo, int64_t hi);
  };
  int32_t queue_of(const npk::Command& c) const;
  void on_read(Space& s, int64_t lo, int64_t hi, std::map<int32_t, int32_t>& deps);
  void on_write(Space& s, int64_t lo, int64_t hi, int32_t epoch, std::map<int32_t, int32_t>& deps);
  void record_read(Space& s, int64_t lo, int64_t hi, int32_t queue, int32_t cmd);
  void record_write(Space& s, int64_t lo, int64_t hi, int32_t queue, int32_t cmd, int32_t epoch);
  int32_t append(npk::Command cmd, const std::map<int32_t, int32_t>& deps);
  Space& sram(uint16_t core);
  /// DDR byte range a buffer occupies (constants: a private range past the arena, never written).
  std::pair<int64_t, int64_t> ddr_range(int32_t buffer) const;

  npk::Program& program_;
  std::vector<Space> sram_;
  Space ddr_;
};

}  // namespace npukit::npu
