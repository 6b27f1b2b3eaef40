// SPDX-License-Identifier: Apache-2.0
// Shared by the q8 op-kernel tests (q8_ops_test.cpp, q8_ops_binary_test.cpp): building one node, running the
// reference through interp::run_node and the prepared q8 kernel on every ISA tier (serially and on 3 threads),
// and comparing bit for bit with the coordinate of the first difference.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "kernels/q8/q8_ops.h"
#include "kernels/ref/qparams.h"
#include "quant/arith.h"
#include "util/graph_builder.h"

namespace npukit::q8_ops_test {

using ir::OpKind;
using quant::QuantizedMultiplier;

/// One input of a test node: a runtime input or a graph constant; `absent` for an empty optional slot.
struct In {
  Tensor t;
  bool constant = false;
  bool absent = false;
};
inline In rt(Tensor t) {
  return In{std::move(t), false, false};
}
inline In cst(Tensor t) {
  return In{std::move(t), true, false};
}
inline In absent() {
  return In{Tensor(), false, true};
}

/// Random codes of any integer dtype over [lo, hi]; about 1 in 8 is lo or hi.
inline Tensor codes(DType dt, const Shape& shape, int32_t lo, int32_t hi, std::mt19937& rng) {
  Tensor t(dt, shape);
  std::uniform_int_distribution<int32_t> d(lo, hi), e(0, 15);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int k = e(rng);
    const int32_t v = k == 0 ? lo : (k == 1 ? hi : d(rng));
    switch (dt) {
      case DType::kI8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
      case DType::kU8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
      case DType::kI16: t.data<int16_t>()[i] = static_cast<int16_t>(v); break;
      case DType::kI32: t.data<int32_t>()[i] = v; break;
      case DType::kI64: t.data<int64_t>()[i] = v; break;
      case DType::kF32: t.data<float>()[i] = static_cast<float>(v) * 0.37f; break;
      default: ADD_FAILURE() << "codes: dtype " << dtype_name(dt);
    }
  }
  return t;
}
inline Tensor codes(DType dt, const Shape& shape, std::mt19937& rng) {
  if (dt == DType::kU8) return codes(dt, shape, 0, 255, rng);
  if (dt == DType::kI16) return codes(dt, shape, -32768, 32767, rng);
  return codes(dt, shape, -128, 127, rng);
}

inline std::string what(OpKind k, const std::vector<In>& ins, const std::string& note) {
  std::string s = std::string(ir::op_name(k)) + " " + note + " inputs";
  for (const In& i : ins) s += i.absent ? " -" : " " + std::string(dtype_name(i.t.dtype())) + shape_str(i.t.shape());
  return s;
}

/// First differing element (byte-wise per element) or -1.
inline int64_t first_difference(const Tensor& got, const Tensor& want) {
  const size_t es = dtype_size(want.dtype());
  const auto* g = static_cast<const unsigned char*>(got.raw());
  const auto* w = static_cast<const unsigned char*>(want.raw());
  for (int64_t i = 0; i < want.numel(); ++i)
    if (std::memcmp(g + i * es, w + i * es, es) != 0) return i;
  return -1;
}

/// Multi-index of flat element i of `shape`, e.g. "[0,3,1]".
inline std::string coord_str(const Shape& shape, int64_t i) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    const int64_t n = std::max<int64_t>(shape[d], 1);
    idx[d] = i % n;
    i /= n;
  }
  std::string s = "[";
  for (size_t d = 0; d < idx.size(); ++d) s += (d ? "," : "") + std::to_string(idx[d]);
  return s + "]";
}

inline void check_tier(const ir::Node& n, const std::vector<const Tensor*>& ptrs,
                       const std::vector<q8::TensorSig>& in_sigs, const std::vector<q8::TensorSig>& out_sigs,
                       const std::vector<Tensor>& ref, q8::Isa isa, const std::string& desc, bool covered);

/// Kernel names prepare_op chose, per tier, in the last check() call (for tests that assert the fast path).
inline std::vector<std::string>& last_kernels() {
  static std::vector<std::string> k;
  return k;
}

/// Builds the node, runs the reference through interp::run_node, prepares the fast kernel on every ISA tier this
/// CPU has (must be covered when `covered`), runs it serially and on 3 threads into preallocated outputs and
/// compares bit for bit.
inline void check(OpKind kind, Attrs attrs, const std::vector<In>& ins, const std::string& note, bool covered = true,
                  size_t n_outputs = 1) {
  const std::string desc = what(kind, ins, note);
  ir::Graph g;
  testing::GraphBuilder b(g);
  std::vector<ir::Value*> vals;
  std::vector<const Tensor*> ptrs;
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (ins[i].absent) {
      vals.push_back(nullptr);
      ptrs.push_back(nullptr);
    } else if (ins[i].constant) {
      vals.push_back(b.constant(name, ins[i].t));
      ptrs.push_back(vals.back()->const_value());
    } else {
      vals.push_back(b.input(name, ins[i].t.dtype(), ins[i].t.shape()));
      ptrs.push_back(&ins[i].t);
    }
  }
  std::vector<std::string> out_names;
  for (size_t i = 0; i < n_outputs; ++i) out_names.push_back("y" + std::to_string(i));
  ir::Node* n = b.node(kind, "n", vals, out_names, std::move(attrs));
  ASSERT_NE(n, nullptr) << desc;
  auto ref = interp::run_node(*n, ptrs);
  ASSERT_TRUE(ref.ok()) << desc << ": reference failed: " << ref.status().to_string();
  std::vector<q8::TensorSig> in_sigs, out_sigs;
  for (size_t i = 0; i < ins.size(); ++i) {
    q8::TensorSig s;
    s.present = !ins[i].absent;
    if (s.present) {
      s.dtype = ptrs[i]->dtype();
      s.shape = ptrs[i]->shape();
      s.constant = ins[i].constant ? ptrs[i] : nullptr;
    }
    in_sigs.push_back(s);
  }
  for (const Tensor& t : *ref) out_sigs.push_back(q8::TensorSig{true, t.dtype(), t.shape(), nullptr});
  last_kernels().clear();
  for (q8::Isa isa : q8::available_isas()) {
    const std::string tdesc = desc + " [isa " + q8::isa_name(isa) + "]";
    check_tier(*n, ptrs, in_sigs, out_sigs, *ref, isa, tdesc, covered);
  }
}

inline void check_tier(const ir::Node& n, const std::vector<const Tensor*>& ptrs,
                       const std::vector<q8::TensorSig>& in_sigs, const std::vector<q8::TensorSig>& out_sigs,
                       const std::vector<Tensor>& ref, q8::Isa isa, const std::string& desc, bool covered) {
  auto op = q8::prepare_op(n.op_type(), n.attrs(), in_sigs, out_sigs, isa);
  ASSERT_TRUE(op.ok()) << desc << ": " << op.status().to_string();
  if (!covered) {
    EXPECT_EQ(op->get(), nullptr) << desc << ": expected not covered";
    return;
  }
  ASSERT_NE(op->get(), nullptr) << desc << ": prepare_op did not cover it";
  last_kernels().push_back((*op)->kernel_name());
  const q8::Parallel pool(3);
  for (const q8::Parallel* par : {static_cast<const q8::Parallel*>(nullptr), &pool}) {
    std::vector<Tensor> outs;
    std::vector<const void*> storage;
    for (const Tensor& t : ref) {
      outs.emplace_back(t.dtype(), t.shape());
      // Poison the output so that an element the kernel forgets to write is caught.
      if (outs.back().nbytes()) std::memset(outs.back().raw(), 0xA5, outs.back().nbytes());
      storage.push_back(outs.back().raw());
    }
    Status st = (*op)->run(ptrs, outs, par);
    ASSERT_TRUE(st.ok()) << desc << ": " << st.to_string();
    for (size_t k = 0; k < outs.size(); ++k) {
      EXPECT_EQ(outs[k].raw(), storage[k]) << desc << ": run() replaced output " << k;
      ASSERT_EQ(outs[k].dtype(), ref[k].dtype()) << desc;
      ASSERT_EQ(outs[k].shape(), ref[k].shape()) << desc;
      const int64_t i = first_difference(outs[k], ref[k]);
      if (i < 0) continue;
      std::string operands;  // the input codes feeding that element (same-shape inputs only)
      for (size_t j = 0; j < ptrs.size(); ++j)
        if (ptrs[j] != nullptr && ptrs[j]->shape() == outs[k].shape())
          operands += " in" + std::to_string(j) + "=" + std::to_string(ptrs[j]->get_as_double(i));
      ADD_FAILURE() << desc << " (" << (par ? "3 threads" : "serial") << ", kernel " << (*op)->kernel_name()
                    << "): output " << k << " of shape " << shape_str(outs[k].shape()) << " first differs at "
                    << coord_str(outs[k].shape(), i) << " (flat " << i << "): got " << outs[k].get_as_double(i)
                    << " want " << ref[k].get_as_double(i) << operands;
    }
  }
}

inline void set_mults(Attrs& a, const std::vector<QuantizedMultiplier>& m) {
  std::vector<int64_t> mv, sv;
  for (const auto& q : m) {
    mv.push_back(q.mult);
    sv.push_back(q.shift);
  }
  a.set("multiplier", mv);
  a.set("shift", sv);
}

inline int64_t onnx_dtype(DType t) {
  return t == DType::kU8 ? 2 : (t == DType::kI16 ? 5 : 3);
}

inline int32_t mid_zp(DType t) {
  return t == DType::kU8 ? 131 : (t == DType::kI16 ? -9 : -7);
}

/// Tensor of dtype t (kI8 / kU8) and shape `shape` whose element i holds the byte pattern bits(i).
template <class F>
inline Tensor byte_pattern(DType t, const Shape& shape, F&& bits) {
  Tensor x(t, shape);
  for (int64_t i = 0; i < x.numel(); ++i) static_cast<uint8_t*>(x.raw())[i] = static_cast<uint8_t>(bits(i));
  return x;
}

}  // namespace npukit::q8_ops_test
