// SPDX-License-Identifier: Apache-2.0
// march: an NPU described as data. A MarchSpec is read from YAML (configs/march/<name>.yaml, embedded in
// the binary as presets, or a user file); the compiler, the simulator and the estimator read only this struct.
// Field meanings, units and each preset's sources: docs/MARCH.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"

namespace npukit::march {

/// Tensor/convolution engine (TAE): conv and matmul tiles.
struct TaeSpec {
  int64_t macs_int8_per_cycle = 0;     ///< int8 x int8 MACs per cycle per core
  int64_t macs_int16_per_cycle = 0;    ///< int16 MACs per cycle per core (0: int16 not supported)
  int64_t macs_fp16_per_cycle = 0;     ///< fp16 MACs per cycle per core (0: not supported)
  int64_t input_channel_granule = 1;   ///< input channels are processed in multiples of this (padded up)
  int64_t output_channel_granule = 1;  ///< output channels likewise
  int64_t width_granule = 1;           ///< output width likewise
  bool operator==(const TaeSpec&) const = default;
};
/// Vector engine (VAE): elementwise, LUT, requantization.
struct VaeSpec {
  int64_t lanes_int8 = 0;   ///< int8 elements per cycle per core
  int64_t lanes_int16 = 0;  ///< int16 elements per cycle per core
  bool lut = false;         ///< table lookup (QLut) supported
  bool operator==(const VaeSpec&) const = default;
};
/// Auxiliary engine (AAE): pooling, resize, warp.
struct AaeSpec {
  int64_t elements_per_cycle = 0;  ///< window elements (pool) / output elements (resize) per cycle per core
  bool resize = false;
  bool warp = false;
  bool operator==(const AaeSpec&) const = default;
};
/// Layout engine (TRANS): transpose, pad.
struct TransSpec {
  int64_t bytes_per_cycle = 0;
  bool operator==(const TransSpec&) const = default;
};
/// On-chip memory, per core.
struct SramSpec {
  int64_t bytes = 0;
  int64_t banks = 1;
  bool operator==(const SramSpec&) const = default;
};
/// External memory, shared by all cores.
struct DdrSpec {
  double bandwidth_gbps = 0;  ///< GB/s (1e9 bytes / s) shared by LOAD and STORE of all cores
  double latency_ns = 0;      ///< fixed cost per DMA command
  int64_t dma_channels = 1;   ///< DMA commands in flight per core
  bool operator==(const DdrSpec&) const = default;
};
/// What the NPU accepts for one op type of the integer graph ("QConv", "MaxPool", "Resize", ...).
/// Zero / empty limits mean "no limit".
struct OpConstraint {
  std::string op;
  std::vector<DType> dtypes;  ///< activation dtypes (i8, u8, i16); empty: i8 and u8
  int64_t max_kernel = 0;     ///< kernel height and width
  int64_t max_stride = 0;
  int64_t max_dilation = 0;
  int64_t max_channels = 0;        ///< input and output channels
  int64_t max_spatial = 0;         ///< input height and width
  bool depthwise = true;           ///< group == channels allowed (conv)
  bool grouped = true;             ///< other group counts allowed (conv)
  std::vector<std::string> modes;  ///< e.g. Resize "nearest", "linear"; empty: all
  bool operator==(const OpConstraint&) const = default;
};

struct MarchSpec {
  std::string name;         ///< preset or file stem, e.g. "nash-e"
  std::string description;  ///< one line: what chip / family this models
  double clock_mhz = 0;
  int64_t cores = 1;
  TaeSpec tae;
  VaeSpec vae;
  AaeSpec aae;
  TransSpec trans;
  SramSpec sram;
  DdrSpec ddr;
  std::vector<OpConstraint> ops;  ///< the op constraint table; an op absent here runs on CPU

  /// The constraint row for an op type, or nullptr (op not supported on this NPU).
  const OpConstraint* find_op(const std::string& op) const;
  /// Peak int8 TOPS (2 ops per MAC) over all cores, for reports.
  double peak_int8_tops() const;
  /// DDR bytes per core cycle (bandwidth / clock).
  double ddr_bytes_per_cycle() const;
  /// Field-by-field equality (parse_march(to_yaml(m)) == m).
  bool operator==(const MarchSpec&) const = default;
};

/// Op types of the integer graph the NPU compiler can lower, in the canonical order of a march's op table
/// (the only names an `ops` row may use).
const std::vector<std::string>& npu_op_types();

/// Names of the built-in presets (configs/march/*.yaml), sorted.
std::vector<std::string> preset_names();
/// Loads a preset by name ("nash-e", ...) or, when `name_or_path` names an existing file or ends in
/// .yaml / .yml, that file. Unknown preset: kNotFound listing the presets. Bad file: kInvalidArgument
/// naming the file and the field ("march.tae.macs_int8_per_cycle: expected a positive integer, got -3").
Expected<MarchSpec> load_march(const std::string& name_or_path);
/// Parses YAML text (`origin` names it in errors).
Expected<MarchSpec> parse_march(const std::string& yaml_text, const std::string& origin);
/// Canonical YAML of a spec (parse_march(to_yaml(m)) == m); stored in .npk files.
std::string to_yaml(const MarchSpec& m);

}  // namespace npukit::march
