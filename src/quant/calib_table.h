// SPDX-License-Identifier: Apache-2.0
// npukit quant: the calibration table artifact — per activation tensor statistics and the chosen
// clipping threshold / scale, written as JSON (format "npukit-calib-table", version 1).
//
// JSON layout:
//   { "format": "npukit-calib-table", "version": 1, "method": "kl", "num_samples": 20, "bits": 8,
//     "tensors": [ { "name": "relu_out", "producer": "relu1", "origin": ["Relu_3"],
//                    "min": 0.0, "max": 5.5, "max_abs": 5.5, "threshold": 5.25,
//                    "scale": 0.0413..., "method": "kl" }, ... ] }
// Doubles are written by nlohmann-json with the shortest round-trip representation, so a
// save/load cycle reproduces every number bit for bit. `producer` is "" for graph inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace npukit::quant {

/// Statistics and threshold of one calibrated activation tensor.
struct CalibTensor {
  std::string name;                 ///< tensor (IR value) name
  std::string producer;             ///< producing node name; "" for a graph input
  std::vector<std::string> origin;  ///< the producer's ONNX origin node names (empty for graph inputs)
  double min = 0.0;
  double max = 0.0;
  double max_abs = 0.0;
  /// Symmetric clipping threshold T (> 0, except 0 for a tensor that was all zeros).
  double threshold = 0.0;
  /// symmetric_scale(threshold, bits) from quant/arith.h (threshold / 127 for int8, in f32).
  float scale = 0.0f;
  /// The algorithm that produced `threshold`: "max", "max_percentile_0.9999", "kl", "mse",
  /// "default:<candidate>" (e.g. "default:kl"), "skip:max".
  std::string method;
  friend bool operator==(const CalibTensor&, const CalibTensor&) = default;
};

/// The calibration table of a model.
struct CalibTable {
  std::string method;       ///< the global method ("max", "max_percentile_0.9999", "kl", "mse", "default", "skip")
  int64_t num_samples = 0;  ///< calibration samples run (for skip: generated samples)
  int bits = 8;             ///< bits the scales are computed for (8 or 16)
  std::vector<CalibTensor> tensors;  ///< graph inputs first, then node outputs in execution order

  /// The entry for a tensor name, or nullptr.
  const CalibTensor* find(const std::string& name) const;
  friend bool operator==(const CalibTable&, const CalibTable&) = default;
};

/// Serialises to JSON text (pretty-printed, 2-space indent).
std::string to_json(const CalibTable& table);
/// Parses JSON text. `name` is used in messages. kInvalidArgument naming the key (and tensor
/// index / name) for malformed JSON, a wrong format tag or version, missing keys, or wrong types.
Expected<CalibTable> calib_table_from_json(const std::string& text, const std::string& name = "<memory>");
/// Writes the table atomically (temp file + rename; see core/file_util.h).
Status save_calib_table(const std::string& path, const CalibTable& table);
/// Reads a table written by save_calib_table. kNotFound / kIoError for the file, else as from_json.
Expected<CalibTable> load_calib_table(const std::string& path);

}  // namespace npukit::quant
