// SPDX-License-Identifier: Apache-2.0
#include "tools/exec_memory.h"

#include <cstdio>
#include <fstream>
#include <string>

namespace npukit::cli {

namespace {

int64_t status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(f, line))
    if (line.rfind(k, 0) == 0) return std::stoll(line.substr(k.size())) * 1024;
  return 0;
}

// "NPU#0", "CPU#1" as in the profile tables; "-" for nodes outside every segment.
std::string segment_label(const npk::NpkModel& m, int32_t seg) {
  if (seg < 0 || static_cast<size_t>(seg) >= m.segments.size()) return "-";
  return str_cat(npk::target_name(m.segments[static_cast<size_t>(seg)].target), "#", seg);
}

double mib(int64_t b) {
  return static_cast<double>(b) / (1024.0 * 1024.0);
}

}  // namespace

int64_t current_rss_bytes() {
  return status_kb("VmRSS");
}

int64_t peak_rss_bytes() {
  return status_kb("VmHWM");
}

nlohmann::json memory_json(const runtime::Runtime& rt) {
  const runtime::MemoryReport& m = rt.memory();
  nlohmann::json j;
  j["weight_bytes"] = m.weight_bytes;
  j["packed_weight_bytes"] = m.packed_weight_bytes;
  j["op_workspace_bytes"] = m.op_workspace_bytes;
  j["arena_bytes"] = m.arena_bytes;
  j["peak_live_activation_bytes"] = m.peak_live_activation_bytes;
  j["io_bytes"] = m.io_bytes;
  j["total_bytes"] = m.total_bytes();
  j["arena_per_concurrent_inference"] = true;
  nlohmann::json segs = nlohmann::json::array();
  for (const runtime::SegmentMemory& s : m.segments) {
    const std::string target = segment_label(rt.model(), s.segment);
    segs.push_back({{"segment", s.segment},
                    {"name", target},
                    {"nodes", s.nodes},
                    {"weight_bytes", s.weight_bytes},
                    {"packed_weight_bytes", s.packed_bytes},
                    {"peak_activation_bytes", s.peak_activation_bytes}});
  }
  j["segments"] = segs;
  return j;
}

void print_memory(const runtime::Runtime& rt) {
  const runtime::MemoryReport& m = rt.memory();
  std::printf("Memory (int8 CPU runtime, %s)\n", q8::isa_name(rt.isa()));
  std::printf("  weights (as stored)           %10.3f MiB\n", mib(m.weight_bytes));
  std::printf("  prepacked weights             %10.3f MiB\n", mib(m.packed_weight_bytes));
  std::printf("  op tables / index maps        %10.3f MiB\n", mib(m.op_workspace_bytes));
  std::printf(
      "  activation arena (planned)    %10.3f MiB  (largest live set %.3f MiB; one per concurrent "
      "inference)\n",
      mib(m.arena_bytes), mib(m.peak_live_activation_bytes));
  std::printf("  inputs + outputs              %10.3f MiB\n", mib(m.io_bytes));
  std::printf("  total                         %10.3f MiB\n", mib(m.total_bytes()));
  std::printf("  %-28s %6s %12s %12s %14s\n", "segment", "nodes", "weights KiB", "packed KiB", "peak act. KiB");
  for (const runtime::SegmentMemory& s : m.segments) {
    const std::string name = segment_label(rt.model(), s.segment);
    std::printf("  %-28s %6lld %12.1f %12.1f %14.1f\n", name.c_str(), static_cast<long long>(s.nodes),
                static_cast<double>(s.weight_bytes) / 1024.0, static_cast<double>(s.packed_bytes) / 1024.0,
                static_cast<double>(s.peak_activation_bytes) / 1024.0);
  }
}

}  // namespace npukit::cli
