// SPDX-License-Identifier: Apache-2.0
#include "runtime/runtime.h"

#include <chrono>
#include <optional>
#include <unordered_map>

#include "interp/interpreter.h"
#include "kernels/q8/parallel.h"
#include "kernels/q8/q8_kernels.h"
#include "kernels/ref/qparams.h"
#include "npk/npk_file.h"

namespace npukit::runtime {

struct Runtime::Prepared {
  std::optional<q8::PackedConv> conv;
  std::optional<q8::PackedGemm> gemm;
};

struct Runtime::Pool {
  explicit Pool(int threads) : par(threads) {}
  q8::Parallel par;
};

Runtime::~Runtime() = default;

namespace {

// A constant input of a node (weights, bias), or nullptr.
const Tensor* constant_input(const ir::Node& n, size_t k) {
  if (k >= n.num_inputs() || !n.input(k)) return nullptr;
  return n.input(k)->const_value();
}

}  // namespace

Expected<std::unique_ptr<Runtime>> Runtime::create(npk::NpkModel model, const RuntimeOptions& options) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->model_ = std::move(model);
  rt->options_ = options;
  if (options.intra_op_threads > 1) rt->pool_ = std::make_unique<Pool>(options.intra_op_threads);
  const std::vector<ir::Node*> nodes = rt->model_.model.graph.nodes();
  rt->nodes_.assign(nodes.begin(), nodes.end());
  rt->prepared_.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) rt->index_[nodes[i]] = i;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ir::Node& n = *nodes[i];
    auto where = [&] { return str_cat(n.op_type(), " '", n.name(), "'"); };
    if (n.op() == ir::OpKind::kQConv) {
      const Tensor* w = constant_input(n, 1);
      if (!w) continue;  // weights computed at run time: reference
      const bool has_bias = n.num_inputs() > 2 && n.input(2);
      const Tensor* bias = constant_input(n, 2);
      if (has_bias && !bias) continue;
      const bool has_residual = n.num_inputs() > 3 && n.input(3);
      auto p = qref::qconv_params(n.attrs(), has_residual);
      if (!p.ok()) return p.status().with_context(where());
      auto pc = q8::PackedConv::create(*w, bias, *p, options.isa);
      if (!pc.ok()) return pc.status().with_context(where());
      rt->packed_bytes_ += static_cast<int64_t>(pc->packed_bytes());
      rt->prepared_[i] = std::make_unique<Prepared>();
      rt->prepared_[i]->conv = std::move(pc).value();
      ++rt->fast_nodes_;
    } else if (n.op() == ir::OpKind::kQGemm) {
      const Tensor* w = constant_input(n, 1);
      if (!w) continue;
      const bool has_bias = n.num_inputs() > 2 && n.input(2);
      const Tensor* bias = constant_input(n, 2);
      if (has_bias && !bias) continue;
      auto p = qref::qgemm_params(n.attrs());
      if (!p.ok()) return p.status().with_context(where());
      auto pg = q8::PackedGemm::create(*w, bias, *p, options.isa);
      if (!pg.ok()) return pg.status().with_context(where());
      rt->packed_bytes_ += w->nbytes();
      rt->prepared_[i] = std::make_unique<Prepared>();
      rt->prepared_[i]->gemm = std::move(pg).value();
      ++rt->fast_nodes_;
    }
  }
  return rt;
}

Expected<std::unique_ptr<Runtime>> Runtime::load(const std::string& npk_path, const RuntimeOptions& options) {
  NPUKIT_ASSIGN_OR_RETURN(npk::NpkModel m, npk::read_npk(npk_path));
  return create(std::move(m), options);
}

int64_t Runtime::reference_nodes() const {
  return static_cast<int64_t>(nodes_.size()) - fast_nodes_;
}

std::vector<const ir::Value*> Runtime::inputs() const {
  return interp::Interpreter(model_.model.graph).runtime_inputs();
}

Expected<std::vector<Tensor>> Runtime::run(const std::vector<Tensor>& inputs, NodeTiming* timing) const {
  const std::unordered_map<const ir::Node*, size_t>& index = index_;
  const q8::Parallel* par = pool_ ? &pool_->par : nullptr;
  interp::RunOptions ro;
  ro.executor = [&](const ir::Node& n, std::span<const Tensor* const> ins,
                    std::vector<Tensor>* outs) -> Expected<bool> {
    auto it = index.find(&n);
    if (it == index.end() || !prepared_[it->second]) return false;
    const Prepared& p = *prepared_[it->second];
    outs->resize(1);
    if (p.conv) {
      const Tensor* residual = ins.size() > 3 ? ins[3] : nullptr;
      NPUKIT_RETURN_IF_ERROR(q8::conv2d(*p.conv, *ins[0], &(*outs)[0], residual, par)
                                 .with_context(str_cat(n.op_type(), " '", n.name(), "'")));
    } else {
      NPUKIT_RETURN_IF_ERROR(
          q8::gemm(*p.gemm, *ins[0], &(*outs)[0], par).with_context(str_cat(n.op_type(), " '", n.name(), "'")));
    }
    return true;
  };
  using clock = std::chrono::steady_clock;
  clock::time_point last = clock::now();
  if (timing) {
    timing->us.assign(nodes_.size(), 0.0);
    ro.on_node = [&](const ir::Node& n, std::span<const Tensor>) {
      const clock::time_point now = clock::now();
      auto it = index.find(&n);
      if (it != index.end()) timing->us[it->second] = std::chrono::duration<double, std::micro>(now - last).count();
      last = now;
    };
  }
  return interp::Interpreter(model_.model.graph).run(inputs, ro);
}

}  // namespace npukit::runtime
