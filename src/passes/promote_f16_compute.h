// SPDX-License-Identifier: Apache-2.0
// passes: promote_f16_compute — runs an fp16 model on f32 compute.
#pragma once

#include "core/status.h"
#include "ir/graph.h"

namespace npukit::passes {

/// Makes an fp16 model computable by the f32 reference kernels without changing its interface:
/// f16 constants are widened to f32 (exact), Casts to f16 inside the graph become Casts to f32,
/// ConstantOfShape f16 fill values are widened, every f16 runtime input is followed by a
/// Cast(to f32) and every f16 graph output is produced by a Cast(to f16) under its original name.
/// Results differ from true fp16 arithmetic only by the intermediate roundings to f16 that f32
/// compute no longer does (documented as such to users). `changed` reports whether anything was
/// rewritten. Subgraphs are processed too; the graph must be unresolved or resolved (types of
/// rewritten values are cleared for interp::resolve to infer again).
Status promote_f16_compute(ir::Graph& graph, bool& changed);

}  // namespace npukit::passes
