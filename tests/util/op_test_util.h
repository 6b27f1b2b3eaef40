// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the per-op unit tests in tests/ops: run an op's schema defaults, shape
// inference and reference kernel the way the interpreter does, and build/check small tensors.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/attrs.h"
#include "core/tensor.h"
#include "ir/op_table.h"
#include "kernels/ref/ref_kernels.h"

namespace npukit::optest {

using ir::OpKind;
using ir::TensorInfo;
using ir::TensorType;

// ---- by OpFns (kind + infer + kernel) ----
/// An op under test: its kind (for normalize_attrs), shape inference and reference kernel.
struct OpFns {
  OpKind kind;
  ir::InferFn infer;
  ref::RefKernelFn kernel;
};
#define OP(Name) (OpFns{OpKind::k##Name, &ir::infer_##Name, &ref::ref_##Name})

/// Absent optional input.
inline const std::optional<Tensor> kAbsent = std::nullopt;

/// Runs normalize_attrs + infer (with every input constant) + kernel; returns the outputs or the first error.
inline Expected<std::vector<Tensor>> run(const OpFns& op, Attrs attrs, const std::vector<std::optional<Tensor>>& ins,
                                         size_t num_outputs = 1) {
  NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(op.kind, "n", attrs));
  std::vector<TensorInfo> infos;
  std::vector<const Tensor*> ptrs;
  for (const auto& t : ins) {
    TensorInfo ti;
    if (t) {
      ti.present = true;
      ti.dtype = t->dtype();
      ti.shape = t->shape();
      ti.value = &*t;
    }
    infos.push_back(ti);
    ptrs.push_back(t ? &*t : nullptr);
  }
  const char* name = ir::op_name(op.kind);
  ir::InferContext ctx{name, "n", attrs, infos, num_outputs};
  NPUKIT_ASSIGN_OR_RETURN(auto types, op.infer(ctx));
  std::vector<Tensor> outs;
  for (const auto& tt : types) outs.emplace_back(tt.dtype, tt.shape);
  ref::KernelArgs args{name, "n", attrs, ptrs, outs};
  NPUKIT_RETURN_IF_ERROR(op.kernel(args));
  return outs;
}

/// Runs only normalize_attrs + infer on explicit TensorInfos (values may be unknown).
inline Expected<std::vector<TensorType>> infer(const OpFns& op, Attrs attrs, const std::vector<TensorInfo>& infos,
                                               size_t num_outputs = 1) {
  NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(op.kind, "n", attrs));
  ir::InferContext ctx{ir::op_name(op.kind), "n", attrs, infos, num_outputs};
  return op.infer(ctx);
}

inline TensorInfo info(DType t, Shape s, const Tensor* value = nullptr) {
  return TensorInfo{true, t, std::move(s), value};
}

template <class T>
Tensor tv(std::vector<T> v, Shape s) {
  return Tensor::from_vector<T>(v, std::move(s));
}
inline Tensor f32(std::vector<float> v, Shape s) {
  return tv<float>(std::move(v), std::move(s));
}
inline Tensor i64(std::vector<int64_t> v, Shape s) {
  return tv<int64_t>(std::move(v), std::move(s));
}
inline Tensor i32(std::vector<int32_t> v, Shape s) {
  return tv<int32_t>(std::move(v), std::move(s));
}
inline Tensor bools(std::vector<bool> v, Shape s) {
  Tensor t(DType::kBool, std::move(s));
  for (size_t i = 0; i < v.size(); ++i) t.data<uint8_t>()[i] = v[i] ? 1 : 0;
  return t;
}

template <class T>
std::vector<T> values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}
inline std::vector<bool> bool_values(const Tensor& t) {
  std::vector<bool> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.data<uint8_t>()[i] != 0);
  return v;
}

/// Expects element-wise closeness; `tol` is absolute + relative.
inline void expect_near(const Tensor& t, const std::vector<float>& want, float tol) {
  ASSERT_EQ(t.dtype(), DType::kF32);
  ASSERT_EQ(t.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    const float g = t.data<float>()[i];
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(g)) << "element " << i;
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(g, want[i]) << "element " << i;
    } else {
      EXPECT_NEAR(g, want[i], tol * (1.f + std::fabs(want[i]))) << "element " << i;
    }
  }
}

/// Expects `r` to be an error with `code`.
template <class R>
void expect_code(const R& r, ErrorCode code) {
  ASSERT_FALSE(r.ok()) << "expected " << error_code_name(code);
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
}

inline Attrs attrs_of(std::initializer_list<std::pair<const char*, AttrValue>> kv) {
  Attrs a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

// ---- by OpKind + kernel ----
/// TensorInfo for a tensor whose value is known (constant) or, with `known_value=false`, only its type.
inline ir::TensorInfo info_of(const Tensor* t, bool known_value = true) {
  ir::TensorInfo ti;
  if (!t) return ti;
  ti.present = true;
  ti.dtype = t->dtype();
  ti.shape = t->shape();
  ti.value = known_value ? t : nullptr;
  return ti;
}

/// Fills schema defaults (like the frontend), then runs the op's shape inference.
inline Expected<std::vector<ir::TensorType>> infer_infos(OpKind kind, Attrs& attrs,
                                                         const std::vector<ir::TensorInfo>& infos,
                                                         size_t num_outputs = 1) {
  NPUKIT_RETURN_IF_ERROR(ir::normalize_attrs(kind, "t", attrs));
  ir::InferContext ctx{ir::op_name(kind), "t", attrs, infos, num_outputs};
  return ir::op_info(kind).infer(ctx);
}

inline Expected<std::vector<ir::TensorType>> infer(OpKind kind, Attrs attrs, const std::vector<const Tensor*>& inputs,
                                                   size_t num_outputs = 1) {
  std::vector<ir::TensorInfo> infos;
  for (const Tensor* t : inputs) infos.push_back(info_of(t));
  return infer_infos(kind, attrs, infos, num_outputs);
}

/// Infers, allocates outputs as the interpreter does, then calls the reference kernel.
inline Expected<std::vector<Tensor>> run(OpKind kind, ref::RefKernelFn kernel, Attrs attrs,
                                         const std::vector<const Tensor*>& inputs, size_t num_outputs = 1) {
  std::vector<ir::TensorInfo> infos;
  for (const Tensor* t : inputs) infos.push_back(info_of(t));
  NPUKIT_ASSIGN_OR_RETURN(auto types, infer_infos(kind, attrs, infos, num_outputs));
  std::vector<Tensor> outs;
  for (const auto& t : types) outs.emplace_back(t.dtype, t.shape);
  ref::KernelArgs args{ir::op_name(kind), "t", attrs, inputs, outs};
  NPUKIT_RETURN_IF_ERROR(kernel(args));
  return outs;
}

/// Checks shape and every element of an f32 tensor against `want` within `tol`.
inline void expect_f32(const Tensor& t, const Shape& shape, const std::vector<float>& want, float tol) {
  ASSERT_EQ(t.dtype(), DType::kF32);
  ASSERT_EQ(shape_str(t.shape()), shape_str(shape));
  ASSERT_EQ(static_cast<size_t>(t.numel()), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(t.data<float>()[i], want[i], tol) << "element " << i;
}

inline ErrorCode code_of(const Status& s) {
  return s.code();
}
template <class T>
ErrorCode code_of(const Expected<T>& e) {
  return e.status().code();
}

}  // namespace npukit::optest
