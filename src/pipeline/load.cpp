// SPDX-License-Identifier: Apache-2.0
#include "pipeline/load.h"

#include <cctype>
#include <filesystem>

#include "core/log.h"
#include "frontend/caffe_import.h"
#include "frontend/onnx_import.h"
#include "interp/interpreter.h"
#include "io/npy.h"
#include "passes/promote_f16_compute.h"

namespace npukit::pipeline {

namespace {
std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

Expected<ir::Model> import_by_extension(const std::string& path, const LoadOptions& options) {
  const std::string ext = lower_ext(path);
  if (ext == ".prototxt" || ext == ".pbtxt") {
    return make_error(ErrorCode::kInvalidArgument, path,
                      ": a Caffe prototxt holds only the topology; give the .caffemodel (weights) as the model "
                      "and this file as the prototxt (CLI: --model m.caffemodel --proto ",
                      path, ")");
  }
  if (ext == ".caffemodel") {
    if (options.caffe_prototxt.empty())
      return make_error(ErrorCode::kInvalidArgument, path,
                        ": a Caffe model needs its prototxt (the topology) too (CLI: --proto m.prototxt)");
    return frontend::import_caffe(options.caffe_prototxt, path);
  }
  if (!options.caffe_prototxt.empty())
    return make_error(ErrorCode::kInvalidArgument, "a prototxt (", options.caffe_prototxt,
                      ") was given but the model '", path, "' is not a .caffemodel");
  return frontend::load_onnx(path);
}
}  // namespace

Expected<ir::Model> load_model(const std::string& path, const LoadOptions& options) {
  NPUKIT_ASSIGN_OR_RETURN(ir::Model model, import_by_extension(path, options));
  if (options.promote_f16) {
    bool changed = false;
    NPUKIT_RETURN_IF_ERROR(passes::promote_f16_compute(model.graph, changed).with_context(path));
    if (changed) log::info("load: fp16 model: compute promoted to f32 (inputs/outputs stay f16)");
  }
  if (options.resolve) {
    interp::ResolveOptions ro;
    ro.input_shapes = options.input_shapes;
    NPUKIT_RETURN_IF_ERROR(interp::resolve(model, ro).with_context(path));
  }
  return model;
}

Expected<Shape> parse_shape(const std::string& text) {
  Shape s;
  if (text.empty() || text == "scalar") return s;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("x,", pos);
    if (end == std::string::npos) end = text.size();
    std::string tok = text.substr(pos, end - pos);
    if (tok.empty() || tok.size() > 12)
      return make_error(ErrorCode::kInvalidArgument, "bad shape '", text, "': expected dims like 1x3x224x224");
    int64_t v = 0;
    for (char c : tok) {
      if (!std::isdigit(static_cast<unsigned char>(c)))
        return make_error(ErrorCode::kInvalidArgument, "bad shape '", text, "': '", tok,
                          "' is not a non-negative integer");
      v = v * 10 + (c - '0');
    }
    s.push_back(v);
    if (s.size() > kMaxRank) return make_error(ErrorCode::kInvalidArgument, "bad shape '", text, "': rank too large");
    pos = end + 1;
  }
  NPUKIT_RETURN_IF_ERROR(checked_numel(s).status().with_context(str_cat("shape '", text, "'")));
  return s;
}

Expected<Tensor> read_input_file(const std::string& path, const io::ImagePreprocess& image, const ir::Value* expected,
                                 bool layout_given) {
  const std::string ext = lower_ext(path);
  if (ext == ".pb") return frontend::load_tensor_pb(path);
  if (ext == ".npy") return io::load_npy(path);
  if (io::is_image_path(path)) {
    io::ImagePreprocess p = image;
    if (expected && expected->has_type() && expected->shape().size() == 4) {
      const Shape& s = expected->shape();
      // Guess the layout from where a channel count of 1 or 3 sits, unless the user chose one.
      if (!layout_given) {
        if ((s[1] == 1 || s[1] == 3) && !(s[3] == 1 || s[3] == 3))
          p.layout = io::ImageLayout::kNCHW;
        else if ((s[3] == 1 || s[3] == 3) && !(s[1] == 1 || s[1] == 3))
          p.layout = io::ImageLayout::kNHWC;
      }
      const int64_t c = p.layout == io::ImageLayout::kNCHW ? s[1] : s[3];
      if (c == 1 && p.order != io::ChannelOrder::kGray && image.order == io::ChannelOrder::kRGB)
        p.order = io::ChannelOrder::kGray;
      if (p.height == 0 && p.width == 0) {
        p.height = p.layout == io::ImageLayout::kNCHW ? s[2] : s[1];
        p.width = p.layout == io::ImageLayout::kNCHW ? s[3] : s[2];
        if (p.height <= 0 || p.width <= 0) p.height = p.width = 0;
      }
    }
    return io::load_image(path, p);
  }
  return make_error(ErrorCode::kInvalidArgument, "input file '", path,
                    "': unknown extension (expected .pb, .npy, .jpg, .jpeg, .png or .bmp)");
}

}  // namespace npukit::pipeline
