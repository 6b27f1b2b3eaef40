// SPDX-License-Identifier: Apache-2.0
// kernels/q8: data movement on any dtype (bytes, like the reference kernels of kernels/ref/shape_ops.cpp):
// Reshape / Flatten / Squeeze / Unsqueeze / Identity (one memcpy), Transpose and Slice (a coalesced strided
// copy whose innermost run is a memcpy when contiguous), Concat and Split (memcpy chunks).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/q8/ops_common.h"
#include "kernels/ref/slice_axis.h"

namespace npukit::q8::ops {

StridedCopy StridedCopy::make(std::vector<int64_t> dims, std::vector<int64_t> strides, int64_t base, size_t elem) {
  StridedCopy c;
  c.base = base;
  c.elem = elem;
  c.total = 1;
  for (int64_t d : dims) c.total *= d;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 1) continue;
    if (!c.dims.empty() && c.strides.back() == strides[i] * dims[i]) {
      c.dims.back() *= dims[i];
      c.strides.back() = strides[i];
      continue;
    }
    c.dims.push_back(dims[i]);
    c.strides.push_back(strides[i]);
  }
  if (c.total == 0) {
    c.dims.assign(1, 0);
    c.strides.assign(1, 1);
  } else if (c.dims.empty()) {
    c.dims.push_back(1);
    c.strides.push_back(1);
  }
  return c;
}

namespace {

template <class T>
void copy_strided(const T* src, T* dst, int64_t n, int64_t stride) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i * stride];
}

}  // namespace

void StridedCopy::run_rows(const std::byte* src, std::byte* dst, int64_t r0, int64_t r1) const {
  const size_t nd = dims.size();
  const int64_t inner = dims.back(), is = strides.back();
  std::vector<int64_t> idx_heap;
  int64_t idx_local[16] = {0};
  int64_t* idx = idx_local;
  if (nd > 16) {  // unusual rank: only then a small index vector
    idx_heap.assign(nd, 0);
    idx = idx_heap.data();
  }
  int64_t off = base;
  {
    int64_t rem = r0;
    for (size_t d = nd - 1; d-- > 0;) {
      idx[d] = rem % dims[d];
      rem /= dims[d];
      off += idx[d] * strides[d];
    }
  }
  const size_t es = elem;
  for (int64_t r = r0; r < r1; ++r) {
    const std::byte* s = src + off * static_cast<int64_t>(es);
    std::byte* o = dst + r * inner * static_cast<int64_t>(es);
    if (is == 1) {
      std::memcpy(o, s, static_cast<size_t>(inner) * es);
    } else {
      switch (es) {
        case 1: copy_strided(reinterpret_cast<const uint8_t*>(s), reinterpret_cast<uint8_t*>(o), inner, is); break;
        case 2: copy_strided(reinterpret_cast<const uint16_t*>(s), reinterpret_cast<uint16_t*>(o), inner, is); break;
        case 4: copy_strided(reinterpret_cast<const uint32_t*>(s), reinterpret_cast<uint32_t*>(o), inner, is); break;
        case 8: copy_strided(reinterpret_cast<const uint64_t*>(s), reinterpret_cast<uint64_t*>(o), inner, is); break;
        default:
          for (int64_t i = 0; i < inner; ++i) std::memcpy(o + i * es, s + i * is * static_cast<int64_t>(es), es);
      }
    }
    for (size_t d = nd - 1; d-- > 0;) {
      off += strides[d];
      if (++idx[d] < dims[d]) break;
      off -= strides[d] * dims[d];
      idx[d] = 0;
    }
  }
}

void StridedCopy::run(const std::byte* src, std::byte* dst, const Parallel* par) const {
  const int64_t nrows = rows();
  if (nrows == 0) return;
  const int64_t row_bytes = dims.back() * static_cast<int64_t>(elem);
  const int64_t per = std::max<int64_t>(1, (int64_t{1} << 17) / std::max<int64_t>(row_bytes, 1));
  const int64_t tasks = (nrows + per - 1) / per;
  parallel_for(tasks > 1 ? par : nullptr, tasks, [&](int64_t t) {
    const int64_t r0 = t * per, r1 = std::min(nrows, r0 + per);
    run_rows(src, dst, r0, r1);
  });
}

namespace {

const std::byte* in_bytes(const Tensor& t) {
  return static_cast<const std::byte*>(t.raw());
}
std::byte* out_bytes(Tensor& t) {
  return static_cast<std::byte*>(t.raw());
}

class CopyOp final : public PreparedOp {
 public:
  explicit CopyOp(IoTypes io) : io_(std::move(io)) {}
  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* /*par*/) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check("copy", ins, outs));
    const size_t n = ins[0]->nbytes();
    if (n) std::memcpy(outs[0].raw(), ins[0]->raw(), n);
    return Status::Ok();
  }
  const char* kernel_name() const override { return "copy"; }

 private:
  IoTypes io_;
};

class StridedOp final : public PreparedOp {
 public:
  StridedOp(StridedCopy plan, IoTypes io, const char* name) : plan_(std::move(plan)), io_(std::move(io)), name_(name) {}
  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* par) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check(name_, ins, outs));
    plan_.run(in_bytes(*ins[0]), out_bytes(outs[0]), par);
    return Status::Ok();
  }
  const char* kernel_name() const override { return plan_.strides.back() == 1 ? "strided_memcpy" : "strided_copy"; }

 private:
  StridedCopy plan_;
  IoTypes io_;
  const char* name_;
};

/// Concat (split = false: inputs -> output 0) or Split (split = true: input 0 -> outputs) of byte chunks.
class ChunkOp final : public PreparedOp {
 public:
  ChunkOp(std::vector<int64_t> chunk_bytes, int64_t outer, bool split, IoTypes io)
      : chunk_(std::move(chunk_bytes)), outer_(outer), split_(split), io_(std::move(io)) {}
  Status run(std::span<const Tensor* const> ins, std::span<Tensor> outs, const Parallel* /*par*/) const override {
    NPUKIT_RETURN_IF_ERROR(io_.check(split_ ? "Split" : "Concat", ins, outs));
    int64_t row = 0;
    for (int64_t c : chunk_) row += c;
    for (int64_t o = 0; o < outer_; ++o) {
      int64_t off = o * row;
      for (size_t i = 0; i < chunk_.size(); ++i) {
        const int64_t c = chunk_[i];
        if (c == 0) continue;
        if (split_)
          std::memcpy(out_bytes(outs[i]) + o * c, in_bytes(*ins[0]) + off, static_cast<size_t>(c));
        else
          std::memcpy(out_bytes(outs[0]) + off, in_bytes(*ins[i]) + o * c, static_cast<size_t>(c));
        off += c;
      }
    }
    return Status::Ok();
  }
  const char* kernel_name() const override { return split_ ? "split" : "concat"; }

 private:
  std::vector<int64_t> chunk_;
  int64_t outer_;
  bool split_;
  IoTypes io_;
};

bool norm_axis(int64_t axis, int64_t rank, int64_t* out) {
  if (axis < -rank || axis >= rank) return false;
  *out = axis < 0 ? axis + rank : axis;
  return true;
}

int64_t prod(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end && d < s.size(); ++d) p *= s[d];
  return p;
}

}  // namespace

PrepResult prepare_copy(std::span<const TensorSig> ins, std::span<const TensorSig> outs) {
  if (!ins[0].present || outs.size() != 1) return not_covered();
  if (ins[0].dtype != outs[0].dtype || dtype_size(ins[0].dtype) == 0 || numel(ins[0].shape) != numel(outs[0].shape))
    return not_covered();
  IoTypes io;
  io.set(ins, outs, 1);
  return std::unique_ptr<PreparedOp>(std::make_unique<CopyOp>(std::move(io)));
}

PrepResult prepare_transpose(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs) {
  if (ins.size() != 1 || !ins[0].present || outs.size() != 1) return not_covered();
  const Shape& xs = ins[0].shape;
  const size_t rank = xs.size();
  if (ins[0].dtype != outs[0].dtype || dtype_size(ins[0].dtype) == 0 || outs[0].shape.size() != rank)
    return not_covered();
  std::vector<int64_t> perm(rank);
  if (attrs.has("perm"))
    perm = attrs.get_ints("perm");
  else
    for (size_t d = 0; d < rank; ++d) perm[d] = static_cast<int64_t>(rank - 1 - d);
  if (perm.size() != rank) return not_covered();
  std::vector<bool> seen(rank, false);
  for (size_t d = 0; d < rank; ++d) {
    if (perm[d] < 0 || perm[d] >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(perm[d])] ||
        outs[0].shape[d] != xs[static_cast<size_t>(perm[d])])
      return not_covered();
    seen[static_cast<size_t>(perm[d])] = true;
  }
  const std::vector<int64_t> xstr = contiguous_strides(xs);
  std::vector<int64_t> dims(rank), strides(rank);
  for (size_t d = 0; d < rank; ++d) {
    dims[d] = outs[0].shape[d];
    strides[d] = xstr[static_cast<size_t>(perm[d])];
  }
  IoTypes io;
  io.set(ins, outs, 1);
  return std::unique_ptr<PreparedOp>(std::make_unique<StridedOp>(
      StridedCopy::make(std::move(dims), std::move(strides), 0, dtype_size(ins[0].dtype)), std::move(io), "Transpose"));
}

PrepResult prepare_slice(std::span<const TensorSig> ins, std::span<const TensorSig> outs) {
  if (ins.size() < 3 || ins.size() > 5 || outs.size() != 1 || !ins[0].present) return not_covered();
  for (size_t i = 1; i < ins.size(); ++i)
    if (ins[i].present && ins[i].constant == nullptr) return not_covered();
  if (!ins[1].present || !ins[2].present) return not_covered();
  const Shape& xs = ins[0].shape;
  if (ins[0].dtype != outs[0].dtype || dtype_size(ins[0].dtype) == 0) return not_covered();
  const int64_t rank = static_cast<int64_t>(xs.size());
  const std::vector<int64_t> starts = ins[1].constant->to_int64_vector();
  const std::vector<int64_t> ends = ins[2].constant->to_int64_vector();
  std::vector<int64_t> axes, steps(starts.size(), 1);
  if (ins.size() > 3 && ins[3].present)
    axes = ins[3].constant->to_int64_vector();
  else
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (ins.size() > 4 && ins[4].present) steps = ins[4].constant->to_int64_vector();
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return not_covered();
  // Same clamping as the reference kernel.
  std::vector<int64_t> first(static_cast<size_t>(rank), 0), step(static_cast<size_t>(rank), 1);
  Shape expect = xs;
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t ax = 0;
    if (!norm_axis(axes[i], rank, &ax) || steps[i] == 0) return not_covered();
    const int64_t dim = xs[static_cast<size_t>(ax)], st = steps[i];
    expect[static_cast<size_t>(ax)] = ref::slice_axis(dim, starts[i], ends[i], st, &first[static_cast<size_t>(ax)]);
    step[static_cast<size_t>(ax)] = st;
  }
  if (expect != outs[0].shape) return not_covered();
  const std::vector<int64_t> xstr = contiguous_strides(xs);
  std::vector<int64_t> dims(static_cast<size_t>(rank)), strides(static_cast<size_t>(rank));
  int64_t base = 0;
  for (size_t d = 0; d < static_cast<size_t>(rank); ++d) {
    dims[d] = expect[d];
    strides[d] = xstr[d] * step[d];
    if (expect[d] > 0) base += first[d] * xstr[d];
  }
  if (numel(expect) == 0) base = 0;
  IoTypes io;
  io.set(ins, outs, 1);
  return std::unique_ptr<PreparedOp>(std::make_unique<StridedOp>(
      StridedCopy::make(std::move(dims), std::move(strides), base, dtype_size(ins[0].dtype)), std::move(io), "Slice"));
}

PrepResult prepare_concat(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs) {
  const size_t n = ins.size();
  if (n == 0 || !all_present(ins) || outs.size() != 1) return not_covered();
  const Shape& ys = outs[0].shape;
  const int64_t rank = static_cast<int64_t>(ys.size());
  int64_t axis = 0;
  if (!norm_axis(attrs.get_int("axis"), rank, &axis)) return not_covered();
  const size_t es = dtype_size(outs[0].dtype);
  if (es == 0) return not_covered();
  const int64_t outer = prod(ys, 0, static_cast<size_t>(axis));
  std::vector<int64_t> chunk(n);
  int64_t total = 0, sum_axis = 0;
  for (size_t i = 0; i < n; ++i) {
    const Shape& s = ins[i].shape;
    if (ins[i].dtype != outs[0].dtype || static_cast<int64_t>(s.size()) != rank) return not_covered();
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && s[static_cast<size_t>(d)] != ys[static_cast<size_t>(d)]) return not_covered();
    chunk[i] = (outer == 0 ? 0 : numel(s) / outer) * static_cast<int64_t>(es);
    total += numel(s);
    sum_axis += s[static_cast<size_t>(axis)];
  }
  if (total != numel(ys) || sum_axis != ys[static_cast<size_t>(axis)]) return not_covered();
  IoTypes io;
  io.set(ins, outs, n);
  return std::unique_ptr<PreparedOp>(std::make_unique<ChunkOp>(std::move(chunk), outer, false, std::move(io)));
}

PrepResult prepare_split(const Attrs& attrs, std::span<const TensorSig> ins, std::span<const TensorSig> outs) {
  if (!ins[0].present || outs.empty()) return not_covered();
  const Shape& xs = ins[0].shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t axis = 0;
  if (!norm_axis(attrs.get_int("axis"), rank, &axis)) return not_covered();
  const size_t es = dtype_size(ins[0].dtype);
  if (es == 0) return not_covered();
  const int64_t outer = prod(xs, 0, static_cast<size_t>(axis));
  std::vector<int64_t> chunk(outs.size());
  int64_t total = 0, sum_axis = 0;
  for (size_t k = 0; k < outs.size(); ++k) {
    const Shape& s = outs[k].shape;
    if (outs[k].dtype != ins[0].dtype || static_cast<int64_t>(s.size()) != rank) return not_covered();
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && s[static_cast<size_t>(d)] != xs[static_cast<size_t>(d)]) return not_covered();
    chunk[k] = (outer == 0 ? 0 : numel(s) / outer) * static_cast<int64_t>(es);
    total += numel(s);
    sum_axis += s[static_cast<size_t>(axis)];
  }
  if (total != numel(xs) || sum_axis != xs[static_cast<size_t>(axis)]) return not_covered();
  IoTypes io;
  io.set(ins, outs, 1);
  return std::unique_ptr<PreparedOp>(std::make_unique<ChunkOp>(std::move(chunk), outer, true, std::move(io)));
}

}  // namespace npukit::q8::ops
