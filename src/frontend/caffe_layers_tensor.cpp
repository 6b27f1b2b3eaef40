// SPDX-License-Identifier: Apache-2.0
// frontend: the Caffe layers that combine, split or reshape blobs: Eltwise, Concat, Slice, Split, Dropout,
// Silence, Softmax, Flatten, Reshape and Crop.
#include "frontend/caffe_internal.h"

namespace npukit::frontend::caffe_detail {

// ---------------------------------------------------------------------------------------------
// Multi-input / multi-output layers
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::eltwise() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(2, 1024, 1, 1));
  const auto& p = lp_->eltwise_param();
  std::vector<Value*> xs;
  for (int i = 0; i < lp_->bottom_size(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(i));
    // Caffe's Eltwise does not broadcast.
    if (!xs.empty() && x->shape() != xs[0]->shape())
      return err(ErrorCode::kShapeMismatch, "bottom ", i, " shape ", shape_str(x->shape()), " differs from bottom 0 ",
                 shape_str(xs[0]->shape()));
    xs.push_back(x);
  }
  const std::string out = top_hint(lp_->top(0));
  if (p.coeff_size() > 0 && p.operation() != caffe::EltwiseParameter::SUM)
    return err(ErrorCode::kInvalidModel, "coeff is only valid for operation SUM");
  if (p.coeff_size() > 0 && p.coeff_size() != lp_->bottom_size())
    return err(ErrorCode::kInvalidModel, "has ", p.coeff_size(), " coeff values for ", lp_->bottom_size(), " bottoms");
  Value* y = nullptr;
  switch (p.operation()) {
    case caffe::EltwiseParameter::SUM: {
      std::vector<Value*> terms;
      for (size_t i = 0; i < xs.size(); ++i) {
        const float c = p.coeff_size() ? p.coeff(static_cast<int>(i)) : 1.f;
        if (c == 1.f) {
          terms.push_back(xs[i]);
          continue;
        }
        NPUKIT_ASSIGN_OR_RETURN(Value * t, emit(OpKind::kMul, str_cat("coeff", i),
                                                {xs[i], scalar(str_cat("coeff", i), c)}, {}, tmp(str_cat("term", i))));
        terms.push_back(t);
      }
      NPUKIT_ASSIGN_OR_RETURN(y, emit(terms.size() == 2 ? OpKind::kAdd : OpKind::kSum, "", terms, {}, out));
      break;
    }
    case caffe::EltwiseParameter::PROD: {
      y = xs[0];
      for (size_t i = 1; i < xs.size(); ++i) {
        NPUKIT_ASSIGN_OR_RETURN(y, emit(OpKind::kMul, i + 1 == xs.size() ? "" : str_cat("mul", i), {y, xs[i]}, {},
                                        i + 1 == xs.size() ? out : tmp(str_cat("prod", i))));
      }
      break;
    }
    case caffe::EltwiseParameter::MAX: {
      NPUKIT_ASSIGN_OR_RETURN(y, emit(OpKind::kMax, "", xs, {}, out));
      break;
    }
    default:
      return err(ErrorCode::kUnsupportedAttr, "operation ", static_cast<int>(p.operation()), " is not supported");
  }
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::concat() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1024, 1, 1));
  const auto& p = lp_->concat_param();
  std::vector<Value*> xs;
  for (int i = 0; i < lp_->bottom_size(); ++i) {
    NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(i));
    xs.push_back(x);
  }
  const int64_t rank = static_cast<int64_t>(xs[0]->shape().size());
  const int64_t axis_p = p.has_concat_dim() ? static_cast<int64_t>(p.concat_dim()) : p.axis();
  auto axis = ir::normalize_axis(axis_p, rank);
  if (!axis.ok()) return err(ErrorCode::kInvalidModel, "axis ", axis_p, " is out of range for rank ", rank);
  Attrs a;
  a.set("axis", *axis);
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kConcat, "", xs, a, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::slice() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1024));
  const auto& p = lp_->slice_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  const int64_t axis_p = p.has_slice_dim() ? static_cast<int64_t>(p.slice_dim()) : p.axis();
  auto axis = ir::normalize_axis(axis_p, static_cast<int64_t>(xs.size()));
  if (!axis.ok()) return err(ErrorCode::kInvalidModel, "axis ", axis_p, " is out of range for input ", shape_str(xs));
  const int64_t dim = xs[*axis], ntop = lp_->top_size();
  std::vector<int64_t> sizes;
  if (p.slice_point_size() > 0) {
    if (p.slice_point_size() != ntop - 1)
      return err(ErrorCode::kInvalidModel, "has ", p.slice_point_size(), " slice_point values for ", ntop,
                 " tops (needs tops - 1)");
    int64_t prev = 0;
    for (uint32_t sp : p.slice_point()) {
      if (sp <= prev || sp >= dim)
        return err(ErrorCode::kInvalidModel, "slice_point values must increase strictly within (0, ", dim, ")");
      sizes.push_back(sp - prev);
      prev = sp;
    }
    sizes.push_back(dim - prev);
  } else {
    if (dim % ntop != 0)
      return err(ErrorCode::kShapeMismatch, "axis ", *axis, " size ", dim, " is not divisible by the ", ntop, " tops");
    sizes.assign(ntop, dim / ntop);
  }
  std::vector<std::string> hints;
  for (int i = 0; i < ntop; ++i) hints.push_back(top_hint(lp_->top(i)));
  Attrs a;
  a.set("axis", *axis);
  NPUKIT_ASSIGN_OR_RETURN(auto ys, emit_n(OpKind::kSplit, "", {x, constant("sizes", i64_tensor(sizes))}, a, hints));
  for (int i = 0; i < ntop; ++i) bind(lp_->top(i), ys[i]);
  return Status::Ok();
}

Status CaffeBuilder::split() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1024));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  // Split copies its bottom to every top: all tops are the same value.
  for (int i = 0; i < lp_->top_size(); ++i) bind(lp_->top(i), x);
  return Status::Ok();
}

Status CaffeBuilder::dropout() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  // Caffe's Dropout is the identity at test time (it scales while training).
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  bind(lp_->top(0), x);
  return Status::Ok();
}

Status CaffeBuilder::silence() {
  for (int i = 0; i < lp_->bottom_size(); ++i) NPUKIT_RETURN_IF_ERROR(bottom(i).status());
  if (lp_->top_size() != 0) return err(ErrorCode::kInvalidModel, "Silence has no tops");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Shape layers
// ---------------------------------------------------------------------------------------------

Status CaffeBuilder::softmax() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const int64_t rank = static_cast<int64_t>(x->shape().size());
  auto axis = ir::normalize_axis(lp_->softmax_param().axis(), rank);
  if (!axis.ok())
    return err(ErrorCode::kInvalidModel, "axis ", lp_->softmax_param().axis(), " is out of range for rank ", rank);
  Attrs a;
  a.set("axis", *axis);
  return unary(OpKind::kSoftmax, a);
}

Status CaffeBuilder::flatten() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->flatten_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  auto a0 = ir::normalize_axis(p.axis(), rank), a1 = ir::normalize_axis(p.end_axis(), rank);
  if (!a0.ok() || !a1.ok() || *a1 < *a0)
    return err(ErrorCode::kInvalidModel, "axis ", p.axis(), " / end_axis ", p.end_axis(), " are invalid for input ",
               shape_str(xs));
  // [d0 .. d(axis-1), prod(d[axis..end_axis]), d(end_axis+1) ..]: leading dims as 0 (copy) so the batch may change.
  std::vector<int64_t> shape(static_cast<size_t>(*a0), 0);
  shape.push_back(-1);
  for (int64_t i = *a1 + 1; i < rank; ++i) shape.push_back(xs[i]);
  NPUKIT_ASSIGN_OR_RETURN(
      Value * y, emit(OpKind::kReshape, "", {x, constant("shape", i64_tensor(shape))}, {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::reshape() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(1, 1, 1, 1));
  const auto& p = lp_->reshape_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  const Shape xs = x->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  // Caffe: a negative axis counts from the end with -1 meaning "after the last axis".
  const int64_t start = p.axis() >= 0 ? p.axis() : rank + p.axis() + 1;
  if (start < 0 || start > rank)
    return err(ErrorCode::kInvalidModel, "axis ", p.axis(), " is out of range for rank ", rank);
  if (p.num_axes() < -1) return err(ErrorCode::kInvalidModel, "num_axes ", p.num_axes(), " must be >= -1");
  const int64_t end = p.num_axes() == -1 ? rank : start + p.num_axes();
  if (end > rank) return err(ErrorCode::kInvalidModel, "axis + num_axes ", end, " exceeds the input rank ", rank);
  std::vector<int64_t> shape(static_cast<size_t>(start), 0);  // kept leading dims (0 = copy, same index)
  int infer = -1;
  int64_t known = product(xs, 0, static_cast<size_t>(start)) * product(xs, static_cast<size_t>(end), xs.size());
  for (int i = 0; i < p.shape().dim_size(); ++i) {
    const int64_t d = p.shape().dim(i);
    if (d == -1) {
      if (infer >= 0) return err(ErrorCode::kInvalidModel, "shape has more than one -1");
      infer = i;
      shape.push_back(-1);
    } else if (d == 0) {
      // Caffe copies the bottom dim at the same position, which is also ONNX Reshape's 0.
      if (start + i >= rank)
        return err(ErrorCode::kInvalidModel, "shape dim ", i, " is 0 but the input has no dim ", start + i);
      known *= xs[start + i];
      shape.push_back(0);
    } else if (d < -1) {
      return err(ErrorCode::kInvalidModel, "shape dim ", d, " is invalid");
    } else {
      known *= d;
      shape.push_back(d);
    }
  }
  for (int64_t i = end; i < rank; ++i) shape.push_back(xs[i]);
  const int64_t total = numel(xs);
  if ((infer < 0 && known != total) || (infer >= 0 && (known == 0 || total % known != 0)))
    return err(ErrorCode::kShapeMismatch, "cannot reshape input ", shape_str(xs), " (", total, " elements) to ",
               shape_str(shape));
  NPUKIT_ASSIGN_OR_RETURN(
      Value * y, emit(OpKind::kReshape, "", {x, constant("shape", i64_tensor(shape))}, {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

Status CaffeBuilder::crop() {
  NPUKIT_RETURN_IF_ERROR(expect_counts(2, 2, 1, 1));
  const auto& p = lp_->crop_param();
  NPUKIT_ASSIGN_OR_RETURN(Value * x, bottom(0));
  NPUKIT_ASSIGN_OR_RETURN(Value * ref, bottom(1));
  const Shape xs = x->shape(), rs = ref->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (rs.size() != xs.size()) return err(ErrorCode::kShapeMismatch, "bottoms have different ranks");
  auto axis = ir::normalize_axis(p.axis(), rank);
  if (!axis.ok()) return err(ErrorCode::kInvalidModel, "axis ", p.axis(), " is out of range for rank ", rank);
  const int64_t ncrop = rank - *axis;
  if (p.offset_size() > 1 && p.offset_size() != ncrop)
    return err(ErrorCode::kInvalidModel, "has ", p.offset_size(), " offsets for ", ncrop, " cropped axes");
  std::vector<int64_t> starts, ends, axes;
  for (int64_t i = *axis; i < rank; ++i) {
    const int64_t off = p.offset_size() == 0 ? 0 : p.offset(p.offset_size() == 1 ? 0 : static_cast<int>(i - *axis));
    if (off + rs[i] > xs[i])
      return err(ErrorCode::kShapeMismatch, "axis ", i, ": offset ", off, " + size ", rs[i], " exceeds the input size ",
                 xs[i]);
    starts.push_back(off);
    ends.push_back(off + rs[i]);
    axes.push_back(i);
  }
  NPUKIT_ASSIGN_OR_RETURN(Value * y, emit(OpKind::kSlice, "",
                                          {x, constant("starts", i64_tensor(starts)),
                                           constant("ends", i64_tensor(ends)), constant("axes", i64_tensor(axes))},
                                          {}, top_hint(lp_->top(0))));
  bind(lp_->top(0), y);
  return Status::Ok();
}

}  // namespace npukit::frontend::caffe_detail
