// SPDX-License-Identifier: Apache-2.0
// pipeline: the standard load path (ONNX or Caffe files → resolved IR) and model input files → tensors.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "core/tensor.h"
#include "io/image.h"
#include "ir/graph.h"

namespace npukit::pipeline {

struct LoadOptions {
  /// Shapes for graph inputs by name (the CLI's --input-shape).
  std::map<std::string, Shape> input_shapes;
  /// Run interp::resolve (static shapes, constant folding). Off: the model as imported.
  bool resolve = true;
  /// fp16 models: compute in f32 (passes::promote_f16_compute); inputs/outputs stay f16.
  bool promote_f16 = true;
  /// Caffe models: the text prototxt (topology) that goes with a .caffemodel path (the weights).
  std::string caffe_prototxt;
};

/// Loads a model by file extension, then resolves it: .onnx (and anything else) → frontend::load_onnx;
/// .caffemodel → frontend::import_caffe with options.caffe_prototxt (required). A .prototxt path alone
/// is an error that asks for the weights. Then interp::resolve.
Expected<ir::Model> load_model(const std::string& path, const LoadOptions& options = {});

/// Parses "1x3x224x224" (also "1,3,224,224"); "" or "scalar" is rank 0. kInvalidArgument otherwise.
Expected<Shape> parse_shape(const std::string& text);

/// Reads one model input from a file, chosen by extension: .pb (onnx TensorProto), .npy, or an
/// image (.jpg .jpeg .png .bmp) preprocessed with `image`. For images, an unset target size and
/// layout are taken from `expected` (the model input's [1,C,H,W] or [1,H,W,C] shape) when given.
Expected<Tensor> read_input_file(const std::string& path, const io::ImagePreprocess& image = {},
                                 const ir::Value* expected = nullptr, bool layout_given = false);

}  // namespace npukit::pipeline
