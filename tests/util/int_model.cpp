// SPDX-License-Identifier: Apache-2.0
#include "util/int_model.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "interp/interpreter.h"
#include "npu/compile_model.h"
#include "quant/calibrate_graph.h"
#include "quant/lower_qdq.h"
#include "quant/quantize_qdq.h"
#include "sim/simulator.h"
#include "util/qcodes.h"

namespace npukit::testing {

std::vector<Tensor> random_inputs(const ir::Graph& g, uint32_t seed) {
  std::vector<Tensor> out;
  std::mt19937 rng(seed);
  interp::Interpreter it(g);
  for (const ir::Value* v : it.runtime_inputs()) {
    if (v->dtype() == DType::kF32) {
      Tensor t(DType::kF32, v->shape());
      std::normal_distribution<float> d(0.f, 1.f);
      for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
      out.push_back(std::move(t));
    } else {
      const bool u8 = v->dtype() == DType::kU8;
      out.push_back(random_codes(v->dtype(), v->shape(), u8 ? 0 : -128, u8 ? 255 : 127, static_cast<uint32_t>(rng())));
    }
  }
  return out;
}

Expected<ir::Model> quantize_to_integer(ir::Model float_model, uint32_t seed, int samples) {
  NPUKIT_RETURN_IF_ERROR(interp::resolve(float_model));
  std::vector<std::vector<Tensor>> data;
  for (int s = 0; s < samples; ++s) data.push_back(random_inputs(float_model.graph, seed + static_cast<uint32_t>(s)));
  quant::CalibOptions co;
  co.progress_every = 0;
  co.threads = 1;
  co.use_fast_kernels = true;  // only the integer graph's self-consistency is tested: thresholds need not be exact
  NPUKIT_ASSIGN_OR_RETURN(quant::CalibTable table, quant::calibrate_graph(float_model.graph, data, co));
  NPUKIT_RETURN_IF_ERROR(quant::quantize_to_qdq(float_model.graph, table));
  NPUKIT_RETURN_IF_ERROR(interp::resolve(float_model));
  NPUKIT_RETURN_IF_ERROR(quant::lower_qdq_to_integer(float_model.graph));
  return float_model;
}

SimCheck expect_sim_bit_exact(const ir::Model& integer, const march::MarchSpec& m, const npu::NpuOptions& o,
                              uint32_t seed, int runs) {
  SimCheck r;
  auto copy = ir::clone_model(integer);
  if (!copy.ok()) {
    ADD_FAILURE() << copy.status().message();
    return r;
  }
  npu::ModelCompileInfo info;
  auto compiled = npu::compile_model(std::move(copy).value(), m, o, {}, &info);
  if (!compiled.ok()) {
    ADD_FAILURE() << "compile: " << compiled.status().message();
    return r;
  }
  r.model = std::move(compiled).value();
  r.npu_nodes = info.npu_nodes;
  for (const npu::SegmentCompileInfo& s : info.segments) {
    r.est_cycles += s.est_cycles;
    r.ddr_bytes += s.ddr_bytes;
  }
  interp::Interpreter ref(integer.graph);
  for (int k = 0; k < runs; ++k) {
    const std::vector<Tensor> in = random_inputs(integer.graph, seed + static_cast<uint32_t>(k) * 1000u);
    auto want = ref.run(in);
    if (!want.ok()) {
      ADD_FAILURE() << "reference: " << want.status().message();
      return r;
    }
    sim::SimStats st;
    auto got = sim::run_model(r.model, in, &st);
    if (!got.ok()) {
      ADD_FAILURE() << "simulator (" << m.name << "): " << got.status().message();
      return r;
    }
    r.commands += st.commands;
    if (got->size() != want->size()) {
      ADD_FAILURE() << "output count " << got->size() << " vs " << want->size();
      return r;
    }
    for (size_t i = 0; i < want->size(); ++i) {
      const Tensor& a = (*got)[i];
      const Tensor& b = (*want)[i];
      if (a.dtype() != b.dtype() || a.shape() != b.shape()) {
        ADD_FAILURE() << "output " << i << ": " << dtype_name(a.dtype()) << shape_str(a.shape()) << " vs "
                      << dtype_name(b.dtype()) << shape_str(b.shape());
        continue;
      }
      if (std::memcmp(a.raw(), b.raw(), a.nbytes()) != 0) {
        int64_t first = -1, diff = 0;
        const auto* pa = static_cast<const uint8_t*>(a.raw());
        const auto* pb = static_cast<const uint8_t*>(b.raw());
        const size_t es = dtype_size(a.dtype());
        for (int64_t e = 0; e < a.numel(); ++e)
          if (std::memcmp(pa + e * es, pb + e * es, es) != 0) {
            if (first < 0) first = e;
            ++diff;
          }
        ADD_FAILURE() << "output " << i << " (" << integer.graph.outputs()[i]->name() << ") on " << m.name << " O"
                      << o.optimize_level << ": " << diff << " of " << a.numel()
                      << " elements differ from the reference, first at flat index " << first;
      }
    }
  }
  return r;
}

}  // namespace npukit::testing
