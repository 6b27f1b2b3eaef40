// SPDX-License-Identifier: Apache-2.0
#include "pipeline/compile_preprocess.h"

#include "core/log.h"
#include "interp/interpreter.h"
#include "passes/insert_preprocess.h"

namespace npukit::pipeline {
namespace {

using config::InputType;

passes::PixelFormat pixel_format(InputType t) {
  switch (t) {
    case InputType::kRgb: return passes::PixelFormat::kRgb;
    case InputType::kBgr: return passes::PixelFormat::kBgr;
    case InputType::kYuv444: return passes::PixelFormat::kYuv444;
    case InputType::kYuv444_128: return passes::PixelFormat::kYuv444_128;
    case InputType::kGray: return passes::PixelFormat::kGray;
    case InputType::kNv12: return passes::PixelFormat::kNv12;
    case InputType::kFeaturemap: break;
  }
  return passes::PixelFormat::kFeaturemap;
}

std::optional<passes::ImageLayout> layout_of(const config::CompileConfig& c, size_t i) {
  const auto& l = c.input_parameters.input_layout_train.at(i);
  if (!l) return std::nullopt;
  return *l == config::Layout::kNCHW ? passes::ImageLayout::kNCHW : passes::ImageLayout::kNHWC;
}

}  // namespace

Expected<HeadNodes> insert_normalization(ir::Model& model, const config::CompileConfig& c,
                                         const std::vector<std::string>& names) {
  HeadNodes head;
  const auto& ip = c.input_parameters;
  for (size_t i = 0; i < names.size(); ++i) {
    const config::NormType t = ip.norm_type.at(i);
    if (t == config::NormType::kNoPreprocess) continue;
    const bool mean = t == config::NormType::kDataMean || t == config::NormType::kDataMeanAndScale;
    const bool scale = t == config::NormType::kDataScale || t == config::NormType::kDataMeanAndScale;
    const std::vector<double> no;
    bool changed = false;
    std::vector<ir::Node*> inserted;
    NPUKIT_RETURN_IF_ERROR(passes::insert_input_norm(model.graph, names[i], mean ? ip.mean_value.at(i) : no,
                                                     scale ? ip.scale_value.at(i) : no, layout_of(c, i), changed,
                                                     &inserted)
                               .with_context(str_cat("input_parameters (input '", names[i], "')")));
    for (const ir::Node* n : inserted) {
      head.nodes.push_back(n->name());
      for (const ir::Value* v : n->outputs())
        if (v) head.tensors.push_back(v->name());
    }
    log::info("preprocess: input '", names[i], "': ", config::to_string(t), " as ", inserted.size(), " node(s)");
  }
  if (!head.nodes.empty()) NPUKIT_RETURN_IF_ERROR(interp::resolve(model));
  return head;
}

Status insert_runtime_conversion(ir::Model& model, const config::CompileConfig& c,
                                 const std::vector<std::string>& names) {
  const auto& ip = c.input_parameters;
  bool changed = false;
  for (size_t i = 0; i < names.size(); ++i) {
    passes::InputConversionSpec s;
    s.input = names[i];
    s.rt = pixel_format(ip.input_type_rt.at(i));
    s.train = pixel_format(ip.input_type_train.at(i));
    s.train_layout = layout_of(c, i);
    s.range = ip.input_space_and_range.at(i) == config::SpaceAndRange::kBt601Video ? passes::YuvRange::kBt601Video
                                                                                   : passes::YuvRange::kRegular;
    // Pyramid NV12 inputs arrive as separate Y and UV planes (as the board's pyramid delivers them).
    s.nv12_form = config::effective_input_source(c, i) == config::InputSource::kPyramid ? passes::Nv12Form::kSplitYUV
                                                                                        : passes::Nv12Form::kSingle;
    std::vector<std::string> rt_names{names[i]};
    if (s.rt != passes::PixelFormat::kFeaturemap || s.train != passes::PixelFormat::kFeaturemap) {
      NPUKIT_ASSIGN_OR_RETURN(rt_names, passes::insert_input_conversion(model.graph, s));
      changed = true;
      log::info("preprocess: input '", names[i], "': runtime format ", config::to_string(ip.input_type_rt.at(i)),
                " -> ", config::to_string(ip.input_type_train.at(i)), " (", rt_names.size(), " runtime input(s))");
    }
    if (!ip.separate_batch) continue;
    for (const std::string& rn : rt_names) {
      NPUKIT_ASSIGN_OR_RETURN(std::vector<std::string> sep, passes::insert_separate_batch(model.graph, rn));
      log::info("preprocess: input '", rn, "': separate_batch into ", sep.size(), " inputs");
      changed = true;
    }
  }
  if (changed) NPUKIT_RETURN_IF_ERROR(interp::resolve(model));
  return Status::Ok();
}

}  // namespace npukit::pipeline
