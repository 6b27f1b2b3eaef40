// SPDX-License-Identifier: Apache-2.0
// npu (internal): the pieces of compile_segment — node classes, groups, tile plans and their emission.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "march/march.h"
#include "npk/program.h"
#include "npu/npu_compiler.h"

namespace npukit::npu {
class Emitter;
}

namespace npukit::npu::detail {

/// How the compiler realises a node.
enum class NodeClass : uint8_t {
  kConv,        ///< QConv (TAE)
  kGemm,        ///< QGemm (TAE)
  kMatMul,      ///< QMatMul (TAE)
  kEltwise,     ///< QAdd / QSub / QMul (VAE)
  kLut,         ///< QLut (VAE)
  kRequant,     ///< Requantize (VAE)
  kQConcat,     ///< QConcat (VAE)
  kPool,        ///< MaxPool / QAveragePool (AAE)
  kGlobalPool,  ///< QGlobalAveragePool / GlobalMaxPool (AAE)
  kResize,      ///< Resize (AAE)
  kTranspose,   ///< Transpose (TRANS)
  kPad,         ///< Pad (TRANS)
  kDma,         ///< Slice / Split / Concat of codes: LOAD + STORE only
  kAlias,       ///< Reshape / Flatten / Squeeze / Unsqueeze / Identity / Dropout: a view, no commands
  kUnsupported,
};
NodeClass classify(const ir::Node& n);
/// Nodes that can be tiled over H / W in a chain (rank-4 NCHW, windowed or elementwise).
bool is_spatial(const ir::Node& n, NodeClass c);

enum class GroupKind : uint8_t { kChain, kGemm, kMatMul, kElementwise, kPlane, kTranspose, kQConcat, kDma };

struct Group {
  GroupKind kind = GroupKind::kChain;
  std::vector<int32_t> nodes;  ///< node indices, execution order
};

/// Everything the lowering of one segment shares.
struct SegmentContext {
  const ir::Graph* graph = nullptr;
  std::vector<ir::Node*> nodes;  ///< Graph::nodes()
  const march::MarchSpec* march = nullptr;
  NpuOptions options;
  npk::Program* program = nullptr;           ///< buffers filled in; commands appended by emission
  std::map<std::string, int32_t> buffer_of;  ///< value name -> DDR buffer
  std::map<std::string, bool> segment_output;
  std::map<std::string, int32_t> in_segment_users;  ///< value -> number of uses by segment nodes
};

/// Forms the groups of a segment for the optimization level (order: execution order).
std::vector<Group> form_groups(const SegmentContext& ctx, const std::vector<int32_t>& segment_nodes);

// ---- tile plans ------------------------------------------------------------------------------------------

/// One step of one tile.
struct TileStep {
  enum Kind : uint8_t { kLoad, kCompute, kStore } kind = kLoad;
  int32_t slot = 0;  ///< load: destination slot; compute: dst slot; store: source slot
  // load / store
  int32_t buffer = -1;
  npk::Box box;  ///< load: region of the buffer; store: region of the buffer written
  npk::Role role = npk::Role::kX;
  // compute
  npk::CmdOp op = npk::CmdOp::kConv;
  int32_t layer = -1;
  uint32_t flags = 0;
  int32_t part = 0;
  DType dtype = DType::kI8;                         ///< compute: dst dtype
  npk::Box dst_box;                                 ///< compute: dst box
  std::vector<std::pair<npk::Role, int32_t>> srcs;  ///< compute: (role, slot)
  /// store: the tile's box (coordinates of the tensor it was computed for; sizes equal to `box`)
  npk::Box src_box;
};

struct Tile {
  uint16_t core = 0;
  std::vector<TileStep> steps;
};

/// A complete tiling of one group: the steps of every tile and the SRAM slots they use.
struct Plan {
  std::vector<Tile> tiles;
  std::vector<int64_t> slot_bytes;   ///< largest tile of each slot
  std::vector<int32_t> slot_copies;  ///< 1 or 2 (double buffered)
  std::string desc;
  int64_t sram_bytes() const;
};

/// Slot registry used while building a plan.
struct SlotTable {
  std::map<std::string, int32_t> ids;
  std::vector<int64_t> bytes;
  std::vector<int32_t> copies;
  int32_t get(const std::string& name, int32_t n_copies);
  void need(int32_t slot, int64_t b) {
    if (b > bytes[static_cast<size_t>(slot)]) bytes[static_cast<size_t>(slot)] = b;
  }
};

/// The candidate plans of a group for the optimization level, largest tiles first, each fitting SRAM.
/// Empty when nothing fits (the error names the group's first node).
Expected<std::vector<Plan>> candidate_plans(const SegmentContext& ctx, const Group& g);

/// Emits a plan into ctx.program (SRAM slots laid out from address 0; dependencies by the Emitter).
/// `tile_ends` receives the command count after each tile.
/// `program` supplies the buffers (dtypes); the emitter appends to its own program.
void emit_plan(const npk::Program& program, const Plan& plan, Emitter& emitter, int32_t store_epoch,
               std::vector<int32_t>* tile_ends = nullptr);

/// (estimated cycles, DDR bytes) of a plan.
using PlanCost = std::pair<int64_t, int64_t>;
/// Cost of a plan emitted alone.
PlanCost evaluate_plan(const SegmentContext& ctx, const Plan& plan);
/// Index of the plan the compile mode prefers among evaluated candidates (latency: cycles, bandwidth: bytes,
/// balance: balance_factor between the two on a log scale; ties go to the other metric).
size_t choose_plan(const std::vector<PlanCost>& costs, const NpuOptions& o);
/// The cost of the plan the mode would choose for a group; nullopt when no plan fits SRAM.
std::optional<PlanCost> best_cost(const SegmentContext& ctx, const Group& g);
/// True when the compile mode prefers cost `a` to `b`, or they are equal (balance: the balance_factor-weighted
/// sum of a's cycles and bytes relative to b's is at most 1).
bool mode_prefers(PlanCost a, PlanCost b, const NpuOptions& o);

// ---- box helpers ------------------------------------------------------------------------------------------

npk::Box make_box(const std::vector<int64_t>& start, const std::vector<int64_t>& size);
/// The region of an input of shape `in_shape` that numpy broadcasting maps onto `out_box`.
npk::Box broadcast_box(const npk::Box& out_box, const Shape& in_shape);
/// Splits `region` into tiles of at most `max_elements` (splitting outer dims first; at least 1 element).
std::vector<npk::Box> split_box(const npk::Box& region, int64_t max_elements);
int64_t ceil_div(int64_t a, int64_t b);
/// Candidate sizes for a tiled dimension of extent n: n, then repeated halving rounded up to `granule`
/// (distinct, descending, at most `max_count`).
std::vector<int64_t> halvings(int64_t n, int64_t granule, int max_count);
int64_t align_up(int64_t a, int64_t g);

}  // namespace npukit::npu::detail
