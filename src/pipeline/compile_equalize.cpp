// SPDX-License-Identifier: Apache-2.0
#include "pipeline/compile_equalize.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "core/log.h"
#include "interp/interpreter.h"

namespace npukit::pipeline {

Expected<passes::EqualizeReport> equalize_per_channel(ir::Graph& g, const std::vector<std::vector<Tensor>>& samples) {
  std::map<std::string, std::vector<float>> maxima;
  for (const auto& c : passes::equalize_candidates(g)) maxima[c.tensor];
  if (maxima.empty() || samples.empty()) {
    log::info("per_channel: no Conv [-> Relu] -> Conv pair to equalize");
    return passes::EqualizeReport{};
  }
  interp::Interpreter it(g);
  interp::RunOptions ro;
  ro.use_fast_kernels = true;
  ro.on_node = [&](const ir::Node& n, std::span<const Tensor> outs) {
    for (size_t k = 0; k < outs.size() && k < n.num_outputs(); ++k) {
      auto m = maxima.find(n.output(k)->name());
      const Tensor& t = outs[k];
      if (m == maxima.end() || t.dtype() != DType::kF32 || t.shape().size() < 2) continue;
      const int64_t c = t.shape()[1];
      int64_t inner = 1;
      for (size_t d = 2; d < t.shape().size(); ++d) inner *= t.shape()[d];
      std::vector<float>& v = m->second;
      v.resize(static_cast<size_t>(c), 0.0f);
      const float* p = t.data<float>();
      for (int64_t i = 0; i < t.numel(); ++i) {
        float& slot = v[static_cast<size_t>((i / inner) % c)];
        slot = std::max(slot, std::fabs(p[i]));
      }
    }
  };
  for (const auto& s : samples) NPUKIT_RETURN_IF_ERROR(it.run(s, ro).status().with_context("per_channel statistics"));
  for (auto i = maxima.begin(); i != maxima.end();) i = i->second.empty() ? maxima.erase(i) : std::next(i);
  passes::EqualizeReport rep;
  NPUKIT_RETURN_IF_ERROR(passes::equalize_channels(g, maxima, &rep));
  log::info("per_channel: ", rep.pairs, " feature map(s) equalized across channels (widest channel range ratio ",
            rep.max_range_ratio, ")");
  return rep;
}

}  // namespace npukit::pipeline
