// SPDX-License-Identifier: Apache-2.0
// tools: `npukit exec model_info` on a compiled .npk — format version, sizes and CRCs (the read validates
// everything, so this is also the integrity check), march, compile options, inputs / outputs and segments.
#include <cstdio>
#include <string>

#include "npk/npk_file.h"
#include "tools/exec_commands.h"

namespace npukit::cli {

Status print_npk_model_info(const std::string& path) {
  npk::NpkFileInfo fi;
  NPUKIT_ASSIGN_OR_RETURN(npk::NpkModel m, npk::read_npk(path, &fi));
  std::printf("model file: %s (npk format %u.%u, %llu bytes, file CRC-32 %08x, parameter CRC-32 %08x)\n", path.c_str(),
              fi.format_major, fi.format_minor, static_cast<unsigned long long>(fi.file_bytes), fi.file_crc32,
              fi.params_crc32);
  std::printf("model name: %s   compiled by npukit %s\n", m.model_name.c_str(), m.npukit_version.c_str());
  std::printf("march: %s   weights: %llu bytes\n", m.march_name.c_str(),
              static_cast<unsigned long long>(fi.weights_bytes));
  std::printf("compile options: %s\n", m.compile_options_json.c_str());
  auto io = [](const char* kind, const std::vector<npk::IoDesc>& v) {
    for (const npk::IoDesc& d : v)
      std::printf("%s '%s': %s%s%s%s%s\n", kind, d.name.c_str(), dtype_name(d.dtype), shape_str(d.shape).c_str(),
                  d.layout.empty() ? "" : (" " + d.layout).c_str(),
                  d.input_type.empty() ? "" : (" type " + d.input_type).c_str(),
                  std::string(kind) == "input" ? (" source " + d.source).c_str() : "");
  };
  io("input", m.inputs);
  io("output", m.outputs);
  std::printf("preprocessing: %s\n", m.preprocess_json.c_str());
  size_t npu_nodes = 0;
  for (const npk::Placement& p : m.placement) npu_nodes += p.target == npk::Target::kNpu;
  std::printf("segments: %zu (%zu of %zu nodes on the NPU)\n", m.segments.size(), npu_nodes, m.placement.size());
  for (size_t i = 0; i < m.segments.size(); ++i) {
    const npk::Segment& s = m.segments[i];
    std::printf("  #%zu %s: %zu nodes", i, npk::target_name(s.target), s.nodes.size());
    if (s.program >= 0 && s.program < static_cast<int32_t>(m.programs.size())) {
      const npk::Program& p = m.programs[static_cast<size_t>(s.program)];
      std::printf(", %zu commands in %zu function call(s), %d core(s), DDR arena %lld bytes", p.commands.size(),
                  p.function_calls.size(), p.num_cores, static_cast<long long>(p.arena_bytes));
    }
    std::printf("\n");
  }
  return Status::Ok();
}

}  // namespace npukit::cli
