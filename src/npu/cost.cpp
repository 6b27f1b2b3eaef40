// SPDX-License-Identifier: Apache-2.0
#include "npu/cost.h"

#include <algorithm>

namespace npukit::npu {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return b <= 0 ? a : (a + b - 1) / b;
}
int64_t align_up(int64_t a, int64_t g) {
  return g <= 1 ? a : ceil_div(a, g) * g;
}
bool is16(DType t) {
  return t == DType::kI16 || t == DType::kU16;
}

int64_t tae_rate(DType act, const march::MarchSpec& m) {
  const int64_t r = is16(act) ? m.tae.macs_int16_per_cycle : m.tae.macs_int8_per_cycle;
  return std::max<int64_t>(r, 1);
}

}  // namespace

int64_t tae_aligned_macs(const TaeWork& w, const march::MarchSpec& m) {
  // The array computes output-channel x input-channel x output-width blocks; each dimension is padded up
  // to its granule. Grouped work pads the per-group input channels (depthwise: 1 -> granule).
  const int64_t oc = align_up(w.out_channels, m.tae.output_channel_granule);
  const int64_t ic = align_up(w.in_channels_per_group, m.tae.input_channel_granule);
  const int64_t ow = align_up(w.ow, m.tae.width_granule);
  return w.n * w.oh * ow * oc * ic * w.kernel_h * w.kernel_w;
}

int64_t tae_ideal_macs(const TaeWork& w) {
  return w.n * w.oh * w.ow * w.out_channels * w.in_channels_per_group * w.kernel_h * w.kernel_w;
}

int64_t tae_cycles(const TaeWork& w, const march::MarchSpec& m) {
  return std::max<int64_t>(1, ceil_div(tae_aligned_macs(w, m), tae_rate(w.act, m)));
}

int64_t tae_ideal_cycles(const TaeWork& w, const march::MarchSpec& m) {
  return std::max<int64_t>(1, ceil_div(tae_ideal_macs(w), tae_rate(w.act, m)));
}

int64_t vae_cycles(int64_t elements, DType dtype, int64_t passes, const march::MarchSpec& m) {
  const int64_t lanes = std::max<int64_t>(1, is16(dtype) ? m.vae.lanes_int16 : m.vae.lanes_int8);
  return std::max<int64_t>(1, ceil_div(elements * std::max<int64_t>(passes, 1), lanes));
}

int64_t aae_cycles(int64_t window_elements, const march::MarchSpec& m) {
  return std::max<int64_t>(1, ceil_div(window_elements, std::max<int64_t>(1, m.aae.elements_per_cycle)));
}

int64_t trans_cycles(int64_t bytes, const march::MarchSpec& m) {
  return std::max<int64_t>(1, ceil_div(bytes, std::max<int64_t>(1, m.trans.bytes_per_cycle)));
}

int64_t dma_bytes_on_bus(const npk::Box& box, const Shape& tensor_shape, DType dtype) {
  // The box is read as runs that are contiguous in the row-major tensor: the innermost dims the box covers
  // completely merge with the first dim it cuts.
  const int64_t es = static_cast<int64_t>(dtype_size(dtype));
  if (box.rank == 0) return align_up(es, 64);
  int64_t run = 1;
  int d = box.rank - 1;
  for (; d >= 0; --d) {
    run *= box.size[d];
    const int64_t full = d < static_cast<int>(tensor_shape.size()) ? tensor_shape[d] : box.size[d];
    if (box.size[d] != full) break;
  }
  int64_t runs = 1;
  for (int e = 0; e < d; ++e) runs *= box.size[e];
  return runs * align_up(run * es, 64);
}

int64_t dma_cycles(int64_t bus_bytes, const march::MarchSpec& m, int64_t share) {
  const double bpc = m.ddr_bytes_per_cycle() / static_cast<double>(std::max<int64_t>(share, 1));
  const double latency = m.ddr.latency_ns * m.clock_mhz / 1000.0;
  return std::max<int64_t>(1, static_cast<int64_t>(latency + static_cast<double>(bus_bytes) / std::max(bpc, 1e-9)));
}

int64_t command_ddr_bytes(const npk::Command& cmd, const npk::Program& program) {
  if (cmd.op != npk::CmdOp::kLoad && cmd.op != npk::CmdOp::kStore) return 0;
  if (cmd.buffer < 0 || cmd.buffer >= static_cast<int32_t>(program.buffers.size())) return 0;
  const npk::DdrBuffer& b = program.buffers[cmd.buffer];
  return dma_bytes_on_bus(cmd.op == npk::CmdOp::kLoad ? cmd.dst.box : cmd.box, b.shape, b.dtype);
}

namespace {

const npk::Operand* find_role(const npk::Command& c, npk::Role r) {
  for (const npk::Operand& o : c.srcs)
    if (o.role == r) return &o;
  return nullptr;
}

int64_t tae_command_cycles(const npk::Command& c, const ir::Node* node, const march::MarchSpec& m) {
  const npk::Operand* x = find_role(c, npk::Role::kX);
  const npk::Operand* w = find_role(c, npk::Role::kW);
  const npk::Operand* b = find_role(c, npk::Role::kB);
  TaeWork work;
  work.act = x ? x->dtype : DType::kI8;
  const npk::Box& d = c.dst.box;
  if (c.op == npk::CmdOp::kConv && w && d.rank == 4) {
    const int64_t group = node ? std::max<int64_t>(1, node->attrs().get_int("group", 1)) : 1;
    const int64_t cout = node && node->output(0) ? node->output(0)->shape()[1] : d.size[1];
    const int64_t oc_per_group = std::max<int64_t>(1, cout / group);
    work.n = d.size[0];
    work.out_channels = d.size[1];
    work.oh = d.size[2];
    work.ow = d.size[3];
    work.in_channels_per_group = w->box.size[1];
    work.kernel_h = w->box.size[2];
    work.kernel_w = w->box.size[3];
    work.groups = std::max<int64_t>(1, d.size[1] / oc_per_group);
  } else if (c.op == npk::CmdOp::kGemm && w && d.rank == 2) {
    work.oh = d.size[0];
    work.out_channels = d.size[1];
    work.in_channels_per_group = w->box.size[1];
  } else if (c.op == npk::CmdOp::kMatMul && b && d.rank >= 2) {
    int64_t batch = 1;
    for (int i = 0; i + 2 < d.rank; ++i) batch *= d.size[i];
    work.n = batch;
    work.oh = d.size[d.rank - 2];
    work.out_channels = d.size[d.rank - 1];
    work.in_channels_per_group = b->box.size[b->box.rank - 2];
  }
  // Partial sums written back (no kFinal) and an accumulator read add a VAE-like pass on the array's output.
  return tae_cycles(work, m);
}

int64_t pool_window(const ir::Node* node) {
  if (!node) return 1;
  const std::vector<int64_t> k = node->attrs().get_ints("kernel_shape", {1, 1});
  int64_t e = 1;
  for (int64_t v : k) e *= std::max<int64_t>(v, 1);
  return e;
}

}  // namespace

int64_t command_cycles(const npk::Command& cmd, const npk::Program& program, const std::vector<ir::Node*>& nodes,
                       const march::MarchSpec& m, int64_t dma_share) {
  const ir::Node* node = cmd.layer >= 0 && cmd.layer < static_cast<int32_t>(nodes.size())
                             ? nodes[static_cast<size_t>(cmd.layer)]
                             : nullptr;
  const int64_t out_elems = cmd.dst.box.elements();
  switch (cmd.op) {
    case npk::CmdOp::kLoad:
    case npk::CmdOp::kStore: return dma_cycles(command_ddr_bytes(cmd, program), m, dma_share);
    case npk::CmdOp::kConv:
    case npk::CmdOp::kGemm:
    case npk::CmdOp::kMatMul: return tae_command_cycles(cmd, node, m);
    case npk::CmdOp::kEltwise: return vae_cycles(out_elems, cmd.dst.dtype, 3, m);  // two rescales + add
    case npk::CmdOp::kLut: return vae_cycles(out_elems, cmd.dst.dtype, 1, m);
    case npk::CmdOp::kRequant: return vae_cycles(out_elems, cmd.dst.dtype, 1, m);
    case npk::CmdOp::kConcat: return vae_cycles(out_elems, cmd.dst.dtype, 1, m);
    case npk::CmdOp::kPool: return aae_cycles(out_elems * pool_window(node), m);
    case npk::CmdOp::kGlobalPool: {
      const npk::Operand* x = find_role(cmd, npk::Role::kX);
      return aae_cycles(x ? x->box.elements() : out_elems, m);
    }
    case npk::CmdOp::kResize: return aae_cycles(out_elems, m);
    case npk::CmdOp::kTranspose:
    case npk::CmdOp::kPad: return trans_cycles(cmd.dst.bytes(), m);
  }
  return 1;
}

double cycles_to_us(int64_t cycles, const march::MarchSpec& m) {
  return static_cast<double>(cycles) / std::max(m.clock_mhz, 1e-9);
}

}  // namespace npukit::npu
