// SPDX-License-Identifier: Apache-2.0
#include "passes/insert_preprocess.h"

#include <array>
#include <utility>

namespace npukit::passes {
namespace {

// ONNX TensorProto element type code used by Cast's `to` attribute.
constexpr int64_t kOnnxFloat = 1;

using Mat3 = std::array<std::array<double, 3>, 3>;

// BT.601 full-range ("JPEG") RGB → YUV, exactly the matrix quant/cal_data.h uses to make yuv444 calibration
// data (U and V are offset by +128). The inverse below is computed from it so that converting calibration-
// format YUV back to RGB reproduces the image the model was trained on.
constexpr Mat3 kRgbToYuv = {{{0.299, 0.587, 0.114}, {-0.168736, -0.331264, 0.5}, {0.5, -0.418688, -0.081312}}};

Mat3 inverse(const Mat3& m) {
  const double a = m[0][0], b = m[0][1], c = m[0][2], d = m[1][0], e = m[1][1], f = m[1][2], g = m[2][0], h = m[2][1],
               i = m[2][2];
  const double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  Mat3 r = {{{e * i - f * h, c * h - b * i, b * f - c * e},
             {f * g - d * i, a * i - c * g, c * d - a * f},
             {d * h - e * g, b * g - a * h, a * e - b * d}}};
  for (auto& row : r)
    for (double& v : row) v /= det;
  return r;
}

bool is_image(PixelFormat f) {
  return f != PixelFormat::kFeaturemap;
}
int64_t channels_of(PixelFormat f) {
  return f == PixelFormat::kGray ? 1 : 3;
}
bool is_yuv(PixelFormat f) {
  return f == PixelFormat::kYuv444 || f == PixelFormat::kYuv444_128 || f == PixelFormat::kNv12;
}

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

Tensor f32_tensor(const std::vector<float>& v, Shape shape) {
  return Tensor::from_vector<float>(v, std::move(shape));
}
Tensor i64_tensor(const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>(v, {int64_t(v.size())});
}

/// Replaces `old` in the graph input list by `repl` (same position). Graph has no positional insert, so the
/// list is rebuilt; input order is part of the model interface.
void replace_graph_input(ir::Graph& g, ir::Value* old, const std::vector<ir::Value*>& repl) {
  std::vector<ir::Value*> ins = g.inputs();
  for (ir::Value* v : ins) g.remove_input(v);
  for (ir::Value* v : ins) {
    if (v != old) {
      g.add_input(v);
      continue;
    }
    for (ir::Value* r : repl) g.add_input(r);
  }
}

/// Finds a runtime graph input by name.
Expected<ir::Value*> find_input(ir::Graph& g, const std::string& name, const char* what) {
  ir::Value* v = g.find_value(name);
  if (!v || !v->is_graph_input() || v->is_constant())
    return make_error(ErrorCode::kNotFound, what, ": '", name, "' is not a runtime input of the graph");
  return v;
}

/// Creates the nodes of one input's preprocessing with a common name prefix and origin.
class HeadBuilder {
 public:
  HeadBuilder(ir::Graph& g, const std::string& input, std::vector<ir::Node*>* inserted = nullptr)
      : g_(g), prefix_("preprocess/" + input + "/"), inserted_(inserted) {}

  ir::Value* constant(const std::string& step, Tensor t) { return g_.add_constant(prefix_ + step, std::move(t)); }

  /// Adds a node named prefix + step with one fresh output (or `out` when given).
  Expected<ir::Value*> emit(ir::OpKind op, const std::string& step, const std::vector<ir::Value*>& ins,
                            Attrs attrs = {}, ir::Value* out = nullptr) {
    const std::string name = prefix_ + step;
    NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(op, name, attrs));
    if (!out) out = g_.add_unique_value(name);
    NPUKIT_ASSIGN_OR_RETURN(ir::Node * n, g_.add_node(op, name, ins, {out}, std::move(attrs)));
    n->origin() = {prefix_.substr(0, prefix_.size() - 1)};
    if (inserted_) inserted_->push_back(n);
    return out;
  }

  Expected<ir::Value*> cast_f32(ir::Value* x, const std::string& step) {
    Attrs a;
    a.set("to", kOnnxFloat);
    return emit(ir::OpKind::kCast, step, {x}, std::move(a));
  }
  Expected<ir::Value*> transpose(ir::Value* x, std::vector<int64_t> perm, const std::string& step) {
    Attrs a;
    a.set("perm", std::move(perm));
    return emit(ir::OpKind::kTranspose, step, {x}, std::move(a));
  }
  Expected<ir::Value*> binary(ir::OpKind op, ir::Value* x, Tensor c, const std::string& step) {
    return emit(op, step, {x, constant(step + "_value", std::move(c))});
  }

  const std::string& prefix() const { return prefix_; }

 private:
  ir::Graph& g_;
  std::string prefix_;
  std::vector<ir::Node*>* inserted_;
};

/// Shape [1, C, 1, 1] (NCHW) or [C] (NHWC; broadcasts over the last axis) for a per-channel constant.
Shape channel_shape(int64_t c, ImageLayout layout) {
  return layout == ImageLayout::kNCHW ? Shape{1, c, 1, 1} : Shape{c};
}

}  // namespace

const char* to_string(PixelFormat f) {
  switch (f) {
    case PixelFormat::kFeaturemap: return "featuremap";
    case PixelFormat::kRgb: return "rgb";
    case PixelFormat::kBgr: return "bgr";
    case PixelFormat::kGray: return "gray";
    case PixelFormat::kYuv444: return "yuv444";
    case PixelFormat::kYuv444_128: return "yuv444_128";
    case PixelFormat::kNv12: return "nv12";
  }
  return "?";
}

const char* to_string(ImageLayout l) {
  return l == ImageLayout::kNCHW ? "NCHW" : "NHWC";
}

bool conversion_supported(PixelFormat rt, PixelFormat train) {
  const bool yuv_rt = rt == PixelFormat::kNv12 || rt == PixelFormat::kYuv444 || rt == PixelFormat::kYuv444_128;
  switch (train) {
    case PixelFormat::kYuv444:
    case PixelFormat::kYuv444_128: return yuv_rt;
    case PixelFormat::kRgb:
    case PixelFormat::kBgr: return yuv_rt || rt == PixelFormat::kRgb || rt == PixelFormat::kBgr;
    case PixelFormat::kGray: return rt == PixelFormat::kGray;
    case PixelFormat::kFeaturemap: return rt == PixelFormat::kFeaturemap;
    case PixelFormat::kNv12: return false;  // nv12 is a runtime format only
  }
  return false;
}

Status insert_input_norm(ir::Graph& graph, const std::string& input, const std::vector<double>& mean,
                         const std::vector<double>& scale, std::optional<ImageLayout> layout, bool& changed,
                         std::vector<ir::Node*>* inserted) {
  changed = false;
  NPUKIT_ASSIGN_OR_RETURN(ir::Value * x, find_input(graph, input, "insert_input_norm"));
  if (mean.empty() && scale.empty()) return Status::Ok();
  if (x->dtype() != DType::kF32)
    return make_error(ErrorCode::kInvalidArgument, "insert_input_norm: input '", input, "' must be typed f32, got ",
                      x->has_type() ? dtype_name(x->dtype()) : "no type (resolve the model first)");
  const Shape& s = x->shape();
  auto values = [&](const std::vector<double>& v, const char* key) -> Expected<Tensor> {
    std::vector<float> f(v.begin(), v.end());
    if (v.size() == 1) return f32_tensor(f, {1});
    if (s.size() != 4 || !layout)
      return make_error(ErrorCode::kInvalidArgument, "insert_input_norm: input '", input, "': ", v.size(), " ", key,
                        " values need a 4-D input with a layout (NCHW / NHWC), shape is ", shape_text(s),
                        layout ? "" : ", no layout given");
    const int64_t c = s[*layout == ImageLayout::kNCHW ? 1 : 3];
    if (static_cast<int64_t>(v.size()) != c)
      return make_error(ErrorCode::kInvalidArgument, "insert_input_norm: input '", input, "': ", key, " has ", v.size(),
                        " values, expected 1 or ", c, " (channels of ", shape_text(s), " ", to_string(*layout), ")");
    return f32_tensor(f, channel_shape(c, *layout));
  };
  // Validate both before touching the graph.
  std::optional<Tensor> mt, st;
  if (!mean.empty()) {
    NPUKIT_ASSIGN_OR_RETURN(mt, values(mean, "mean_value"));
  }
  if (!scale.empty()) {
    NPUKIT_ASSIGN_OR_RETURN(st, values(scale, "scale_value"));
  }
  // A second normalisation of the same input is a caller bug (mean / scale applied twice).
  for (const ir::Node* n : graph.nodes())
    if (n->name() == "preprocess/" + input + "/mean" || n->name() == "preprocess/" + input + "/scale")
      return make_error(ErrorCode::kInvalidArgument, "insert_input_norm: input '", input,
                        "' is already normalised (node '", n->name(), "' exists)");
  // Readers of x (not graph outputs) are moved onto the normalised value.
  const std::vector<ir::Node*> users = x->users();
  HeadBuilder b(graph, input, inserted);
  ir::Value* cur = x;
  if (mt) {
    NPUKIT_ASSIGN_OR_RETURN(cur, b.binary(ir::OpKind::kSub, cur, std::move(*mt), "mean"));
  }
  if (st) {
    NPUKIT_ASSIGN_OR_RETURN(cur, b.binary(ir::OpKind::kMul, cur, std::move(*st), "scale"));
  }
  for (ir::Node* u : users)
    for (size_t i = 0; i < u->num_inputs(); ++i)
      if (u->input(i) == x) u->set_input(i, cur);
  changed = true;
  return graph.topo_sort();
}

Expected<std::vector<std::string>> insert_input_conversion(ir::Graph& graph, const InputConversionSpec& spec,
                                                           std::vector<ir::Node*>* inserted) {
  const std::string& name = spec.input;
  const std::string combo = str_cat("input '", name, "': input_type_rt '", to_string(spec.rt),
                                    "' -> input_type_train '", to_string(spec.train), "'");
  auto fail = [&](const auto&... parts) {
    return make_error(ErrorCode::kInvalidArgument, "insert_input_conversion: ", combo, ": ", parts...);
  };
  if (!conversion_supported(spec.rt, spec.train)) {
    return fail(
        "combination not supported (the rt x train table allows: yuv444 <- nv12/yuv444; rgb/bgr <- "
        "nv12/yuv444/rgb/bgr; gray <- gray; featuremap <- featuremap; yuv444_128 as yuv444)");
  }
  if (spec.range == YuvRange::kBt601Video &&
      (spec.rt != PixelFormat::kNv12 || (spec.train != PixelFormat::kRgb && spec.train != PixelFormat::kBgr)))
    return fail("input_space_and_range bt601_video needs input_type_rt nv12 and input_type_train rgb or bgr");
  NPUKIT_ASSIGN_OR_RETURN(ir::Value * x, find_input(graph, name, "insert_input_conversion"));
  if (!is_image(spec.train)) return std::vector<std::string>{name};  // featuremap: unchanged, f32 as trained

  // ---- checks on the train-format input ----
  if (x->dtype() != DType::kF32)
    return fail("the model input must be typed f32, got ",
                x->has_type() ? dtype_name(x->dtype()) : "no type (resolve the model first)");
  if (!spec.train_layout) return fail("input_layout_train (NCHW / NHWC) is required for an image input");
  const ImageLayout layout = *spec.train_layout;
  const Shape s = x->shape();
  if (s.size() != 4) return fail("the model input must be 4-D, shape is ", shape_text(s));
  for (int64_t d : s)
    if (d <= 0) return fail("the model input shape ", shape_text(s), " must be static");
  const bool nchw = layout == ImageLayout::kNCHW;
  const int64_t n = s[0], c = s[nchw ? 1 : 3], h = s[nchw ? 2 : 1], w = s[nchw ? 3 : 2];
  if (c != channels_of(spec.train))
    return fail("the model input must have ", channels_of(spec.train), " channel(s), shape is ", shape_text(s), " ",
                to_string(layout));
  if (spec.rt == PixelFormat::kNv12 && (h % 2 || w % 2))
    return fail("nv12 needs an even height and width, got H=", h, " W=", w);

  // ---- the runtime input(s) replace x; x's name goes to the first runtime input ----
  const bool split_nv12 = spec.rt == PixelFormat::kNv12 && spec.nv12_form == Nv12Form::kSplitYUV;
  if (split_nv12)
    for (const char* suffix : {"_y", "_uv"})
      if (graph.find_value(name + suffix)) return fail("the name '", name, suffix, "' is already used in the graph");
  NPUKIT_RETURN_IF_ERROR(graph.rename_value(x, "preprocess/" + name + "/input_f32_unused"));
  std::vector<ir::Value*> rt_inputs;
  auto add_rt = [&](const std::string& rt_name, DType dt, Shape shape) -> Expected<ir::Value*> {
    NPUKIT_ASSIGN_OR_RETURN(ir::Value * v, graph.add_value(rt_name));
    v->set_type(dt, std::move(shape));
    rt_inputs.push_back(v);
    return v;
  };
  ir::Value *rt0 = nullptr, *rt1 = nullptr;
  if (spec.rt == PixelFormat::kNv12) {
    if (split_nv12) {
      NPUKIT_ASSIGN_OR_RETURN(rt0, add_rt(name + "_y", DType::kU8, {n, h, w, 1}));
      NPUKIT_ASSIGN_OR_RETURN(rt1, add_rt(name + "_uv", DType::kU8, {n, h / 2, w / 2, 2}));
    } else {
      NPUKIT_ASSIGN_OR_RETURN(rt0, add_rt(name, DType::kU8, {n, h * 3 / 2, w, 1}));
    }
  } else {
    const DType dt = spec.rt == PixelFormat::kYuv444_128 ? DType::kI8 : DType::kU8;
    NPUKIT_ASSIGN_OR_RETURN(rt0, add_rt(name, dt, {n, h, w, channels_of(spec.rt)}));
  }
  replace_graph_input(graph, x, rt_inputs);

  HeadBuilder b(graph, name, inserted);
  using ir::OpKind;
  // ---- 1. runtime tensor → f32 NHWC [N, H, W, C] in the rt colour space ----
  ir::Value* cur = nullptr;
  if (spec.rt == PixelFormat::kNv12) {
    ir::Value *y = nullptr, *uv = nullptr;
    if (split_nv12) {
      NPUKIT_ASSIGN_OR_RETURN(y, b.cast_f32(rt0, "cast_y"));
      NPUKIT_ASSIGN_OR_RETURN(uv, b.cast_f32(rt1, "cast_uv"));
    } else {
      NPUKIT_ASSIGN_OR_RETURN(ir::Value * f, b.cast_f32(rt0, "cast"));
      auto slice_rows = [&](int64_t from, int64_t to, const std::string& step) {
        return b.emit(OpKind::kSlice, step,
                      {f, b.constant(step + "_starts", i64_tensor({from})),
                       b.constant(step + "_ends", i64_tensor({to})), b.constant(step + "_axes", i64_tensor({1}))});
      };
      NPUKIT_ASSIGN_OR_RETURN(y, slice_rows(0, h, "slice_y"));
      NPUKIT_ASSIGN_OR_RETURN(ir::Value * uv_rows, slice_rows(h, h * 3 / 2, "slice_uv"));
      // The UV plane is H/2 rows of W bytes U0 V0 U1 V1 ...: exactly [H/2, W/2, 2] in row-major order.
      NPUKIT_ASSIGN_OR_RETURN(uv, b.emit(OpKind::kReshape, "reshape_uv",
                                         {uv_rows, b.constant("reshape_uv_shape", i64_tensor({n, h / 2, w / 2, 2}))}));
    }
    // Chroma upsampling: nearest 2x, output (r, c) reads (floor(r/2), floor(c/2)) — asymmetric + floor make
    // that exact for every runtime.
    Attrs ra;
    ra.set("mode", std::string("nearest"));
    ra.set("coordinate_transformation_mode", std::string("asymmetric"));
    ra.set("nearest_mode", std::string("floor"));
    NPUKIT_ASSIGN_OR_RETURN(
        ir::Value * uv_up,
        b.emit(OpKind::kResize, "upsample_uv",
               {uv, nullptr, b.constant("upsample_uv_scales", f32_tensor({1, 2, 2, 1}, {4}))}, std::move(ra)));
    Attrs ca;
    ca.set("axis", int64_t{3});
    NPUKIT_ASSIGN_OR_RETURN(cur, b.emit(OpKind::kConcat, "yuv", {y, uv_up}, std::move(ca)));
  } else {
    NPUKIT_ASSIGN_OR_RETURN(cur, b.cast_f32(rt0, "cast"));
    if (spec.rt == PixelFormat::kYuv444_128) {
      NPUKIT_ASSIGN_OR_RETURN(cur, b.binary(OpKind::kAdd, cur, f32_tensor({128.f}, {1}), "add_128"));
    }
  }
  // ---- 2. layout: everything after works per channel on the train layout ----
  if (nchw) {
    NPUKIT_ASSIGN_OR_RETURN(cur, b.transpose(cur, {0, 3, 1, 2}, "to_nchw"));
  }
  const int64_t caxis = nchw ? 1 : 3;
  // ---- 3. colour space ----
  const bool train_rgb_like = spec.train == PixelFormat::kRgb || spec.train == PixelFormat::kBgr;
  if (is_yuv(spec.rt) && train_rgb_like) {
    // RGB = M (yuv - o) clipped to 0..255, M = inverse(kRgbToYuv) * diag(s). Regular: s = 1, o = (0, 128, 128).
    // bt601_video: Y 16..235 and U/V 16..240 are stretched to the full range, s = (255/219, 255/224, 255/224),
    // o = (16, 128, 128), after clamping the input to its legal range.
    std::array<double, 3> sc = {1, 1, 1}, off = {0, 128, 128};
    if (spec.range == YuvRange::kBt601Video) {
      sc = {255.0 / 219.0, 255.0 / 224.0, 255.0 / 224.0};
      off = {16, 128, 128};
      NPUKIT_ASSIGN_OR_RETURN(
          cur, b.binary(OpKind::kMax, cur, f32_tensor({16.f, 16.f, 16.f}, channel_shape(3, layout)), "video_min"));
      NPUKIT_ASSIGN_OR_RETURN(
          cur, b.binary(OpKind::kMin, cur, f32_tensor({235.f, 240.f, 240.f}, channel_shape(3, layout)), "video_max"));
    }
    const Mat3 inv = inverse(kRgbToYuv);
    Mat3 m{};
    std::array<double, 3> bias{};
    for (int r = 0; r < 3; ++r) {
      const int src = spec.train == PixelFormat::kBgr ? 2 - r : r;  // output channel r is B,G,R for bgr
      for (int k = 0; k < 3; ++k) m[r][k] = inv[src][k] * sc[k];
      bias[r] = -(m[r][0] * off[0] + m[r][1] * off[1] + m[r][2] * off[2]);
    }
    std::vector<float> bias_f = {float(bias[0]), float(bias[1]), float(bias[2])};
    if (nchw) {
      // 1x1 convolution: weight [out=3, in=3, 1, 1].
      std::vector<float> wf;
      for (int r = 0; r < 3; ++r)
        for (int k = 0; k < 3; ++k) wf.push_back(float(m[r][k]));
      NPUKIT_ASSIGN_OR_RETURN(cur, b.emit(OpKind::kConv, "yuv_to_rgb",
                                          {cur, b.constant("yuv_to_rgb_weight", f32_tensor(wf, {3, 3, 1, 1})),
                                           b.constant("yuv_to_rgb_bias", f32_tensor(bias_f, {3}))}));
    } else {
      // NHWC: [.., 3] x M^T [3, 3] + bias.
      std::vector<float> mt;
      for (int k = 0; k < 3; ++k)
        for (int r = 0; r < 3; ++r) mt.push_back(float(m[r][k]));
      NPUKIT_ASSIGN_OR_RETURN(
          cur, b.emit(OpKind::kMatMul, "yuv_to_rgb", {cur, b.constant("yuv_to_rgb_weight", f32_tensor(mt, {3, 3}))}));
      NPUKIT_ASSIGN_OR_RETURN(cur, b.binary(OpKind::kAdd, cur, f32_tensor(bias_f, {3}), "yuv_to_rgb_bias"));
    }
    // An 8-bit RGB image (what the model was trained on) cannot leave 0..255.
    NPUKIT_ASSIGN_OR_RETURN(cur, b.emit(OpKind::kClip, "clip_rgb",
                                        {cur, b.constant("clip_rgb_min", Tensor::scalar<float>(0.f)),
                                         b.constant("clip_rgb_max", Tensor::scalar<float>(255.f))}));
  } else if (train_rgb_like && spec.rt != spec.train) {
    // rgb <-> bgr: reverse the channel axis.
    Attrs ga;
    ga.set("axis", caxis);
    NPUKIT_ASSIGN_OR_RETURN(cur, b.emit(OpKind::kGather, "swap_rb",
                                        {cur, b.constant("swap_rb_indices", i64_tensor({2, 1, 0}))}, std::move(ga)));
  } else if (spec.train == PixelFormat::kYuv444_128) {
    NPUKIT_ASSIGN_OR_RETURN(cur, b.binary(OpKind::kSub, cur, f32_tensor({128.f}, {1}), "sub_128"));
  }
  // yuv444 train from nv12 / yuv444 / yuv444_128 (after +128), gray from gray: nothing more.

  // ---- 4. the converted value takes over x's readers ----
  graph.replace_all_uses(x, cur);
  graph.remove_dead_values();
  if (cur->owner() == &graph && !graph.find_value(b.prefix() + "train"))
    NPUKIT_RETURN_IF_ERROR(graph.rename_value(cur, b.prefix() + "train"));
  NPUKIT_RETURN_IF_ERROR(graph.topo_sort());
  std::vector<std::string> names;
  for (ir::Value* v : rt_inputs) names.push_back(v->name());
  return names;
}

Status set_input_batch(ir::Model& model, const std::string& input, int64_t batch, const ResolveFn& resolve) {
  ir::Graph& g = model.graph;
  NPUKIT_ASSIGN_OR_RETURN(ir::Value * x, find_input(g, input, "input_batch"));
  if (batch < 1 || batch > 4096)
    return make_error(ErrorCode::kInvalidArgument, "input_batch: ", batch, " is outside 1..4096");
  if (!x->has_type() || x->shape().empty() || x->shape()[0] != 1)
    return make_error(ErrorCode::kInvalidArgument, "input_batch: input '", input, "' must have first dim 1, shape is ",
                      x->has_type() ? shape_text(x->shape()) : "unknown");
  if (batch == 1) return Status::Ok();
  std::vector<Shape> before;
  for (ir::Value* o : g.outputs()) {
    if (!o->has_type())
      return make_error(ErrorCode::kInvalidArgument, "input_batch: output '", o->name(),
                        "' has no type (resolve the model first)");
    before.push_back(o->shape());
  }
  // Every inferred type is stale after a shape change; resolve infers them again from the input shape.
  auto reresolve = [&](Shape shape) {
    x->set_type(x->dtype(), std::move(shape));
    for (ir::Node* nd : g.nodes())
      for (ir::Value* o : nd->outputs())
        if (o && !o->is_constant()) o->set_type(DType::kUndefined, {});
    return resolve(model);
  };
  const Shape original = x->shape();
  Shape s = original;
  s[0] = batch;
  std::string problem;
  if (Status st = reresolve(s); !st.ok()) {
    problem = str_cat("(", st.to_string(), ")");
  } else {
    for (size_t i = 0; i < g.outputs().size() && problem.empty(); ++i) {
      const ir::Value* o = g.outputs()[i];
      const Shape& a = o->shape();
      if (before[i].empty() || a.size() != before[i].size() || a[0] != before[i][0] * batch)
        problem =
            str_cat(": output '", o->name(), "' has shape ", shape_text(a), " with input '", input, "' batch ", batch,
                    " (", shape_text(before[i]), " with batch 1; expected the first dim scaled by ", batch, ")");
    }
  }
  if (problem.empty()) return Status::Ok();
  // Put the batch-1 model back (it resolved before) so the caller can go on without input_batch.
  if (Status st = reresolve(original); !st.ok()) problem += str_cat("; restoring batch 1 failed too: ", st.to_string());
  return make_error(ErrorCode::kInvalidArgument, "input_batch ", batch, ": the model is not batch-agnostic ", problem,
                    "; export a model with batch ", batch, " instead");
}

Expected<std::vector<std::string>> insert_separate_batch(ir::Graph& graph, const std::string& input) {
  NPUKIT_ASSIGN_OR_RETURN(ir::Value * x, find_input(graph, input, "separate_batch"));
  if (!x->has_type() || x->shape().empty() || x->shape()[0] < 1)
    return make_error(ErrorCode::kInvalidArgument, "separate_batch: input '", input,
                      "' needs a static first (batch) dim, shape is ",
                      x->has_type() ? shape_text(x->shape()) : "unknown");
  const int64_t n = x->shape()[0];
  Shape one = x->shape();
  one[0] = 1;
  for (int64_t k = 0; k < n; ++k)
    if (graph.find_value(str_cat(input, "_", k)))
      return make_error(ErrorCode::kInvalidArgument, "separate_batch: input '", input, "': the name '", input, "_", k,
                        "' is already used in the graph");
  NPUKIT_RETURN_IF_ERROR(graph.rename_value(x, "preprocess/" + input + "/batched"));
  std::vector<ir::Value*> parts;
  std::vector<std::string> names;
  for (int64_t k = 0; k < n; ++k) {
    NPUKIT_ASSIGN_OR_RETURN(ir::Value * v, graph.add_value(str_cat(input, "_", k)));
    v->set_type(x->dtype(), one);
    parts.push_back(v);
    names.push_back(v->name());
  }
  replace_graph_input(graph, x, parts);
  HeadBuilder b(graph, input);
  Attrs a;
  a.set("axis", int64_t{0});
  NPUKIT_RETURN_IF_ERROR(b.emit(ir::OpKind::kConcat, "separate_batch", parts, std::move(a), x).status());
  NPUKIT_RETURN_IF_ERROR(graph.topo_sort());
  return names;
}

}  // namespace npukit::passes
