// SPDX-License-Identifier: Apache-2.0
#include "runtime/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "interp/interpreter.h"
#include "kernels/q8/parallel.h"
#include "kernels/q8/q8_kernels.h"
#include "kernels/q8/q8_ops.h"
#include "kernels/ref/qparams.h"
#include "npk/npk_file.h"
#include "runtime/memory_plan.h"

namespace npukit::runtime {

const char* node_kernel_name(NodeKernel k) {
  switch (k) {
    case NodeKernel::kConv: return "conv";
    case NodeKernel::kGemm: return "gemm";
    case NodeKernel::kOp: return "op";
    case NodeKernel::kView: return "view";
    case NodeKernel::kReference: return "reference";
  }
  return "?";
}

struct Runtime::ValueSlot {
  enum class Where { kInput, kConstant, kArena, kView };
  Where where = Where::kArena;
  DType dtype = DType::kUndefined;
  Shape shape;
  const Tensor* constant = nullptr;
  int root = -1;           ///< kView: the value whose bytes this one shares (itself an arena value or a view) ...
  size_t view_offset = 0;  ///< ... from this byte of it (a concat input placed in its output; 0 for reshapes)
  size_t offset = 0;
  int64_t first = -1, last = -1;  ///< kArena: steps that write / last read it
  size_t bytes() const { return static_cast<size_t>(numel(shape)) * dtype_size(dtype); }
};

struct Runtime::Step {
  const ir::Node* node = nullptr;
  NodeKernel kind = NodeKernel::kReference;
  std::vector<int> in, out;  ///< value ids (-1: absent optional input)
  std::optional<q8::PackedConv> conv;
  std::optional<q8::PackedGemm> gemm;
  std::unique_ptr<q8::PreparedOp> op;
  int32_t segment = -1;
  int64_t packed_bytes = 0;
  std::string where() const { return str_cat(node->op_type(), " '", node->name(), "'"); }
};

struct Runtime::Context {
  std::shared_ptr<std::byte> arena;
  std::vector<Tensor> vals;                     ///< per value id: views into the arena, constants, inputs
  std::vector<std::vector<const Tensor*>> ins;  ///< per step
  std::vector<std::vector<Tensor>> outs;        ///< per step: views of the step's output slots
};

struct Runtime::Pool {
  explicit Pool(int threads) : par(threads) {}
  q8::Parallel par;
};

Runtime::~Runtime() = default;

namespace {

bool is_view_op(ir::OpKind k) {
  switch (k) {
    case ir::OpKind::kReshape:
    case ir::OpKind::kFlatten:
    case ir::OpKind::kSqueeze:
    case ir::OpKind::kUnsqueeze:
    case ir::OpKind::kIdentity: return true;
    default: return false;
  }
}

std::shared_ptr<std::byte> alloc_arena(size_t bytes) {
  const size_t n = std::max<size_t>((bytes + 63) / 64 * 64, 64);
  void* p = std::aligned_alloc(64, n);
  if (!p) return nullptr;
  std::memset(p, 0, n);
  return std::shared_ptr<std::byte>(static_cast<std::byte*>(p), [](std::byte* q) { std::free(q); });
}

}  // namespace

Expected<std::unique_ptr<Runtime>> Runtime::create(npk::NpkModel model, const RuntimeOptions& options) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->model_ = std::move(model);
  rt->options_ = options;
  if (options.intra_op_threads > 1) rt->pool_ = std::make_unique<Pool>(options.intra_op_threads);
  NPUKIT_RETURN_IF_ERROR(rt->prepare());
  NPUKIT_RETURN_IF_ERROR(rt->plan_memory());
  return rt;
}

Expected<std::unique_ptr<Runtime>> Runtime::load(const std::string& npk_path, const RuntimeOptions& options) {
  NPUKIT_ASSIGN_OR_RETURN(npk::NpkModel m, npk::read_npk(npk_path));
  return create(std::move(m), options);
}

Status Runtime::prepare() {
  const ir::Graph& g = model_.model.graph;
  const std::vector<ir::Node*> nodes = g.nodes();
  nodes_.assign(nodes.begin(), nodes.end());
  std::unordered_map<const ir::Value*, int> id_of;
  auto value_id = [&](const ir::Value* v) -> Expected<int> {
    auto it = id_of.find(v);
    if (it != id_of.end()) return it->second;
    if (!v->has_type())
      return make_error(ErrorCode::kInvalidModel, "value '", v->name(), "' has no static type (unresolved model)");
    for (int64_t d : v->shape())
      if (d < 0) return make_error(ErrorCode::kInvalidModel, "value '", v->name(), "' has a dynamic shape");
    ValueSlot s;
    s.dtype = v->dtype();
    s.shape = v->shape();
    if (v->is_constant()) {
      s.where = ValueSlot::Where::kConstant;
      s.constant = v->const_value();
    }
    const int id = static_cast<int>(values_.size());
    values_.push_back(std::move(s));
    id_of[v] = id;
    return id;
  };
  for (const ir::Value* v : interp::Interpreter(g).runtime_inputs()) {
    NPUKIT_ASSIGN_OR_RETURN(int id, value_id(v));
    values_[static_cast<size_t>(id)].where = ValueSlot::Where::kInput;
    input_ids_.push_back(id);
  }
  std::vector<int32_t> segment_of(nodes.size(), -1);
  for (size_t s = 0; s < model_.segments.size(); ++s)
    for (int32_t i : model_.segments[s].nodes)
      if (i >= 0 && static_cast<size_t>(i) < nodes.size()) segment_of[static_cast<size_t>(i)] = static_cast<int32_t>(s);

  steps_.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ir::Node& n = *nodes[i];
    Step& st = steps_[i];
    st.node = &n;
    st.segment = segment_of[i];
    if (!n.subgraphs().empty())
      return make_error(ErrorCode::kUnimplemented, st.where(),
                        ": nodes with subgraphs (If / Loop) cannot run on the int8 runtime; resolve the model first");
    for (size_t k = 0; k < n.num_inputs(); ++k) {
      const ir::Value* v = n.input(k);
      if (!v) {
        st.in.push_back(-1);
        continue;
      }
      auto id = value_id(v);
      if (!id.ok()) return id.status().with_context(st.where());
      if (!v->is_constant() && values_[static_cast<size_t>(*id)].where != ValueSlot::Where::kInput &&
          values_[static_cast<size_t>(*id)].first < 0)
        return make_error(ErrorCode::kInvalidModel, st.where(), ": input '", v->name(),
                          "' is read before it is computed (graph not topologically sorted)");
      st.in.push_back(*id);
    }
    for (size_t k = 0; k < n.num_outputs(); ++k) {
      auto id = value_id(n.output(k));
      if (!id.ok()) return id.status().with_context(st.where());
      values_[static_cast<size_t>(*id)].first = static_cast<int64_t>(i);
      values_[static_cast<size_t>(*id)].last = static_cast<int64_t>(i);
      st.out.push_back(*id);
    }
    auto where = [&] { return st.where(); };
    const Tensor* w = n.num_inputs() > 1 && n.input(1) ? n.input(1)->const_value() : nullptr;
    const bool has_bias = n.num_inputs() > 2 && n.input(2);
    const Tensor* bias = has_bias ? n.input(2)->const_value() : nullptr;
    if (n.op() == ir::OpKind::kQConv && w && (!has_bias || bias)) {
      auto p = qref::qconv_params(n.attrs(), n.num_inputs() > 3 && n.input(3));
      if (!p.ok()) return p.status().with_context(where());
      auto pc = q8::PackedConv::create(*w, bias, *p, options_.isa);
      if (!pc.ok()) return pc.status().with_context(where());
      st.conv = std::move(pc).value();
      st.packed_bytes = static_cast<int64_t>(st.conv->packed_bytes());
      st.kind = NodeKernel::kConv;
      continue;
    }
    if (n.op() == ir::OpKind::kQGemm && w && (!has_bias || bias)) {
      auto p = qref::qgemm_params(n.attrs());
      if (!p.ok()) return p.status().with_context(where());
      auto pg = q8::PackedGemm::create(*w, bias, *p, options_.isa);
      if (!pg.ok()) return pg.status().with_context(where());
      st.gemm = std::move(pg).value();
      st.packed_bytes = static_cast<int64_t>(w->nbytes());  // packed blocks are the weights rearranged
      st.kind = NodeKernel::kGemm;
      continue;
    }
    // Reshape-like node on an intermediate: its output is a view of the input's bytes.
    if (is_view_op(n.op()) && !st.in.empty() && st.in[0] >= 0 && n.num_outputs() == 1) {
      const ValueSlot& src = values_[static_cast<size_t>(st.in[0])];
      ValueSlot& dst = values_[static_cast<size_t>(st.out[0])];
      if ((src.where == ValueSlot::Where::kArena || src.where == ValueSlot::Where::kView) && src.dtype == dst.dtype &&
          src.bytes() == dst.bytes()) {
        dst.where = ValueSlot::Where::kView;
        dst.root = src.where == ValueSlot::Where::kView ? src.root : st.in[0];
        st.kind = NodeKernel::kView;
        continue;
      }
    }
    std::vector<q8::TensorSig> ins, outs;
    for (int id : st.in) {
      q8::TensorSig s;
      if (id < 0) {
        s.present = false;
      } else {
        const ValueSlot& v = values_[static_cast<size_t>(id)];
        s.dtype = v.dtype;
        s.shape = v.shape;
        s.constant = v.constant;
      }
      ins.push_back(std::move(s));
    }
    for (int id : st.out) {
      const ValueSlot& v = values_[static_cast<size_t>(id)];
      outs.push_back(q8::TensorSig{true, v.dtype, v.shape, nullptr});
    }
    auto op = q8::prepare_op(n.op_type(), n.attrs(), ins, outs, options_.isa);
    if (!op.ok()) return op.status().with_context(where());
    if (*op) {
      st.op = std::move(op).value();
      st.kind = NodeKernel::kOp;
    }
  }
  for (const ir::Value* v : g.outputs()) {
    NPUKIT_ASSIGN_OR_RETURN(int id, value_id(v));
    output_ids_.push_back(id);
  }
  return Status::Ok();
}

void Runtime::place_concat_inputs() {
  // A concat that copies an input unchanged (same codes) into one contiguous block of its output: the input's producer
  // writes there directly, and the concat skips it. Only values that would get their own arena range (not inputs,
  // constants or views), in blocks at a multiple of 64 bytes (the arena's alignment); a value placed in one concat
  // (or in its first slot, when it fills several) is copied as usual everywhere else.
  for (const Step& st : steps_) {
    if (st.kind != NodeKernel::kOp || st.out.size() != 1) continue;
    const std::vector<int64_t> at = st.op->in_place_inputs();
    for (size_t k = 0; k < at.size() && k < st.in.size(); ++k) {
      const int id = st.in[k];
      if (at[k] < 0 || at[k] % 64 != 0 || id < 0) continue;
      ValueSlot& v = values_[static_cast<size_t>(id)];
      if (v.where != ValueSlot::Where::kArena) continue;
      v.where = ValueSlot::Where::kView;
      v.root = st.out[0];
      v.view_offset = static_cast<size_t>(at[k]);
      ++in_place_inputs_;
    }
  }
}

Status Runtime::plan_memory() {
  place_concat_inputs();
  const int64_t end = static_cast<int64_t>(steps_.size());
  // A view's arena value and its byte offset in it (views of views add their offsets).
  auto resolve = [&](int id) {
    size_t off = 0;
    for (; values_[static_cast<size_t>(id)].where == ValueSlot::Where::kView;
         id = values_[static_cast<size_t>(id)].root)
      off += values_[static_cast<size_t>(id)].view_offset;
    return std::pair<int, size_t>(id, off);
  };
  auto root_of = [&](int id) { return resolve(id).first; };
  // A view's bytes live from the first step that writes any of them: a concat input placed in its output is written
  // before the concat.
  for (size_t id = 0; id < values_.size(); ++id) {
    const ValueSlot& v = values_[id];
    if (v.where != ValueSlot::Where::kView || v.first < 0) continue;
    ValueSlot& r = values_[static_cast<size_t>(root_of(static_cast<int>(id)))];
    r.first = std::min(r.first, v.first);
  }
  for (size_t i = 0; i < steps_.size(); ++i)
    for (int id : steps_[i].in) {
      if (id < 0) continue;
      ValueSlot& r = values_[static_cast<size_t>(root_of(id))];
      if (r.where == ValueSlot::Where::kArena) r.last = std::max(r.last, static_cast<int64_t>(i));
    }
  for (int id : output_ids_) {
    ValueSlot& r = values_[static_cast<size_t>(root_of(id))];
    if (r.where == ValueSlot::Where::kArena) r.last = end;
  }
  std::vector<ArenaRequest> req;
  std::vector<int> req_value;
  for (size_t id = 0; id < values_.size(); ++id) {
    const ValueSlot& v = values_[id];
    if (v.where != ValueSlot::Where::kArena) continue;
    req.push_back(ArenaRequest{v.bytes(), v.first, v.last});
    req_value.push_back(static_cast<int>(id));
  }
  const ArenaPlan plan = plan_arena(req);
  for (size_t r = 0; r < req.size(); ++r) values_[static_cast<size_t>(req_value[r])].offset = plan.offsets[r];
  for (size_t id = 0; id < values_.size(); ++id) {
    if (values_[id].where != ValueSlot::Where::kView) continue;
    const auto [root, off] = resolve(static_cast<int>(id));
    values_[id].offset = values_[static_cast<size_t>(root)].offset + off;
  }

  // Memory report.
  MemoryReport& m = memory_;
  m.arena_bytes = static_cast<int64_t>(plan.total_bytes);
  m.peak_live_activation_bytes = static_cast<int64_t>(plan.peak_live_bytes);
  std::vector<int64_t> live(steps_.size() + 1, 0);  // arena bytes live during each step
  for (const ArenaRequest& q : req)
    for (int64_t s = q.first; s <= q.last && s < static_cast<int64_t>(live.size()); ++s)
      live[static_cast<size_t>(s)] += static_cast<int64_t>(q.bytes);
  std::unordered_set<const Tensor*> seen;
  std::vector<SegmentMemory> segs(model_.segments.size() + 1);
  for (size_t s = 0; s < segs.size(); ++s) segs[s].segment = s < model_.segments.size() ? static_cast<int32_t>(s) : -1;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& st = steps_[i];
    SegmentMemory& sm = segs[st.segment >= 0 ? static_cast<size_t>(st.segment) : segs.size() - 1];
    ++sm.nodes;
    sm.peak_activation_bytes = std::max(sm.peak_activation_bytes, live[i]);
    for (int id : st.in) {
      if (id < 0) continue;
      const ValueSlot& v = values_[static_cast<size_t>(id)];
      if (v.where != ValueSlot::Where::kConstant || !seen.insert(v.constant).second) continue;
      sm.weight_bytes += static_cast<int64_t>(v.constant->nbytes());
      m.weight_bytes += static_cast<int64_t>(v.constant->nbytes());
    }
    const int64_t packed = st.packed_bytes;
    sm.packed_bytes += packed;
    m.packed_weight_bytes += packed;
    if (st.op) m.op_workspace_bytes += static_cast<int64_t>(st.op->workspace_bytes());
  }
  for (SegmentMemory& s : segs)
    if (s.nodes > 0) m.segments.push_back(s);
  for (int id : input_ids_) m.io_bytes += static_cast<int64_t>(values_[static_cast<size_t>(id)].bytes());
  for (int id : output_ids_) m.io_bytes += static_cast<int64_t>(values_[static_cast<size_t>(id)].bytes());
  return Status::Ok();
}

Expected<std::unique_ptr<Runtime::Context>> Runtime::make_context() const {
  auto ctx = std::make_unique<Context>();
  ctx->arena = alloc_arena(static_cast<size_t>(memory_.arena_bytes));
  if (!ctx->arena)
    return make_error(ErrorCode::kOutOfRange, "out of memory allocating the activation arena (", memory_.arena_bytes,
                      " bytes)");
  std::byte* base = ctx->arena.get();
  ctx->vals.resize(values_.size());
  for (size_t id = 0; id < values_.size(); ++id) {
    const ValueSlot& v = values_[id];
    switch (v.where) {
      case ValueSlot::Where::kConstant: ctx->vals[id] = *v.constant; break;
      case ValueSlot::Where::kArena:
      case ValueSlot::Where::kView: ctx->vals[id] = Tensor::view(ctx->arena, base + v.offset, v.dtype, v.shape); break;
      case ValueSlot::Where::kInput: break;  // bound per run
    }
  }
  ctx->ins.resize(steps_.size());
  ctx->outs.resize(steps_.size());
  for (size_t i = 0; i < steps_.size(); ++i) {
    for (int id : steps_[i].in) ctx->ins[i].push_back(id < 0 ? nullptr : &ctx->vals[static_cast<size_t>(id)]);
    for (int id : steps_[i].out) ctx->outs[i].push_back(ctx->vals[static_cast<size_t>(id)]);
  }
  return ctx;
}

std::unique_ptr<Runtime::Context> Runtime::acquire() const {
  std::lock_guard<std::mutex> lock(ctx_mu_);
  if (free_contexts_.empty()) return nullptr;
  std::unique_ptr<Context> c = std::move(free_contexts_.back());
  free_contexts_.pop_back();
  return c;
}

void Runtime::release(std::unique_ptr<Context> ctx) const {
  std::lock_guard<std::mutex> lock(ctx_mu_);
  free_contexts_.push_back(std::move(ctx));
}

int64_t Runtime::contexts_created() const {
  std::lock_guard<std::mutex> lock(ctx_mu_);
  return contexts_created_;
}

Status Runtime::execute(Context& ctx, NodeTiming* timing) const {
  const q8::Parallel* par = pool_ ? &pool_->par : nullptr;
  using clock = std::chrono::steady_clock;
  clock::time_point last = timing ? clock::now() : clock::time_point{};
  if (timing) timing->us.assign(steps_.size(), 0.0);
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& st = steps_[i];
    const std::vector<const Tensor*>& ins = ctx.ins[i];
    std::vector<Tensor>& outs = ctx.outs[i];
    Status s = Status::Ok();
    switch (st.kind) {
      case NodeKernel::kView: break;
      case NodeKernel::kConv:
        s = q8::conv2d(*st.conv, *ins[0], &outs[0], ins.size() > 3 ? ins[3] : nullptr, par);
        break;
      case NodeKernel::kGemm: s = q8::gemm(*st.gemm, *ins[0], &outs[0], par); break;
      case NodeKernel::kOp: s = st.op->run(ins, outs, par); break;
      case NodeKernel::kReference: {
        // Float nodes (and any op without a q8 kernel): the kernels/fast f32 kernel where one exists.
        auto r = interp::run_node_fast(*st.node, ins);
        if (!r.ok()) return r.status();
        for (size_t k = 0; k < outs.size() && k < r->size(); ++k) outs[k] = std::move((*r)[k]);
        break;
      }
    }
    if (!s.ok()) return s.with_context(st.where());
    // A kernel that could not write in place (reference fallbacks) returned new storage: copy it into the plan.
    for (size_t k = 0; k < outs.size(); ++k) {
      const Tensor& planned = ctx.vals[static_cast<size_t>(st.out[k])];
      if (outs[k].raw() == planned.raw()) continue;
      if (outs[k].dtype() != planned.dtype() || outs[k].shape() != planned.shape())
        return make_error(ErrorCode::kInternal, st.where(), ": output ", k, " is ", dtype_name(outs[k].dtype()),
                          shape_str(outs[k].shape()), ", the model says ", dtype_name(planned.dtype()),
                          shape_str(planned.shape()));
      if (planned.nbytes() > 0) std::memcpy(const_cast<void*>(planned.raw()), outs[k].raw(), planned.nbytes());
      outs[k] = planned;
    }
    if (timing) {
      const clock::time_point now = clock::now();
      timing->us[i] = std::chrono::duration<double, std::micro>(now - last).count();
      last = now;
    }
  }
  return Status::Ok();
}

Status Runtime::run_into(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs, NodeTiming* timing) const {
  if (outputs == nullptr) return make_error(ErrorCode::kInvalidArgument, "run_into: outputs is null");
  if (inputs.size() != input_ids_.size()) {
    std::string names;
    for (const ir::Value* v : this->inputs()) names += (names.empty() ? "'" : ", '") + v->name() + "'";
    return make_error(ErrorCode::kInvalidArgument, "model has ", input_ids_.size(), " input(s) (", names, "), got ",
                      inputs.size());
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ValueSlot& v = values_[static_cast<size_t>(input_ids_[i])];
    if (inputs[i].dtype() != v.dtype || inputs[i].shape() != v.shape || inputs[i].empty())
      return make_error(ErrorCode::kShapeMismatch, "input ", i, ": expected ", dtype_name(v.dtype), shape_str(v.shape),
                        ", got ", dtype_name(inputs[i].dtype()), shape_str(inputs[i].shape()));
  }
  std::unique_ptr<Context> ctx = acquire();
  if (!ctx) {
    NPUKIT_ASSIGN_OR_RETURN(ctx, make_context());
    std::lock_guard<std::mutex> lock(ctx_mu_);
    ++contexts_created_;
  }
  for (size_t i = 0; i < inputs.size(); ++i) ctx->vals[static_cast<size_t>(input_ids_[i])] = inputs[i];
  Status s = execute(*ctx, timing);
  if (s.ok()) {
    outputs->resize(output_ids_.size());
    for (size_t k = 0; k < output_ids_.size(); ++k) {
      const Tensor& src = ctx->vals[static_cast<size_t>(output_ids_[k])];
      Tensor& dst = (*outputs)[k];
      if (dst.empty() || dst.dtype() != src.dtype() || dst.shape() != src.shape()) {
        auto t = Tensor::create(src.dtype(), src.shape());
        if (!t.ok()) {
          s = t.status();
          break;
        }
        dst = std::move(t).value();
      }
      if (src.nbytes() > 0) std::memcpy(dst.raw(), src.raw(), src.nbytes());
    }
  }
  // Inputs are the caller's: drop the references before the context goes back to the pool.
  for (int id : input_ids_) ctx->vals[static_cast<size_t>(id)] = Tensor();
  release(std::move(ctx));
  return s;
}

Expected<std::vector<Tensor>> Runtime::run(const std::vector<Tensor>& inputs, NodeTiming* timing) const {
  std::vector<Tensor> outs;
  NPUKIT_RETURN_IF_ERROR(run_into(inputs, &outs, timing));
  return outs;
}

std::vector<const ir::Value*> Runtime::inputs() const {
  return interp::Interpreter(model_.model.graph).runtime_inputs();
}

int64_t Runtime::fast_nodes() const {
  int64_t n = 0;
  for (const Step& s : steps_)
    n += s.kind == NodeKernel::kConv || s.kind == NodeKernel::kGemm || s.kind == NodeKernel::kOp;
  return n;
}

int64_t Runtime::reference_nodes() const {
  int64_t n = 0;
  for (const Step& s : steps_) n += s.kind == NodeKernel::kReference;
  return n;
}

int64_t Runtime::view_nodes() const {
  int64_t n = 0;
  for (const Step& s : steps_) n += s.kind == NodeKernel::kView;
  return n;
}

NodeKernel Runtime::node_kernel(size_t i) const {
  return i < steps_.size() ? steps_[i].kind : NodeKernel::kReference;
}

std::string Runtime::node_kernel_label(size_t i) const {
  if (i >= steps_.size()) return "";
  const Step& s = steps_[i];
  if (s.kind == NodeKernel::kOp) return s.op->kernel_name();
  if (s.kind == NodeKernel::kConv) {
    if (!s.conv->fast()) return "conv_ref";
    if (s.conv->depthwise()) return "conv_dw";
    if (s.conv->winograd()) return "conv_winograd";
    return s.conv->split7() ? "conv_split7" : "conv";
  }
  if (s.kind == NodeKernel::kGemm) return s.gemm->fast() ? "gemm" : "gemm_ref";
  return node_kernel_name(s.kind);
}

}  // namespace npukit::runtime
