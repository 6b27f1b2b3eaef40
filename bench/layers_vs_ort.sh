#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Per-layer times of npukit's int8 CPU runtime next to ONNX Runtime int8 (QDQ) on the same model, 1 thread:
# `npukit compile --fast-perf` + `npukit exec perf --profile` against ORT's own profiler on the peers' QDQ model
# (bench/ort/profile_layers.js), matched by source ONNX node (bench/lib/layers_table.py). Shows which layer kinds
# and sizes the end-to-end ratio of bench/runtime_vs_peers.sh comes from.
# usage: bench/layers_vs_ort.sh MODEL [--layers]      (MODEL: one of ../shared/peers' models, e.g. mobilenet_v2)
# Environment: NPUKIT (default ./build/src/npukit), PEERS_WORK (default ~/npukit-peers), FRAMES (default 100).
# Needs bench/ort/setup.sh (onnxruntime-node) and the peers' models (../shared/peers/setup.sh MODEL).
set -euo pipefail
# shellcheck source=bench/lib/peers_env.sh
source "$(dirname "$0")/lib/peers_env.sh"
FRAMES="${FRAMES:-100}"
m="${1:?usage: bench/layers_vs_ort.sh MODEL [--layers]}"
shift
[[ -d "$ROOT/bench/ort/node_modules/onnxruntime-node" ]] ||
  { echo "layers_vs_ort.sh: onnxruntime-node missing; run bash bench/ort/setup.sh" >&2; exit 1; }
if [[ ! -f "$PEERS_WORK/models/$m.int8.qdq.onnx" ]]; then
  [[ -f "$ROOT/../shared/peers/setup.sh" ]] || { echo "layers_vs_ort.sh: ../shared/peers not found" >&2; exit 1; }
  bash "$ROOT/../shared/peers/setup.sh" "$m" >&2
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
compile_fast_perf "$m" "$WORK" || exit 1
"$NPUKIT" exec perf --model_file "$WORK/model_output/model.npk" --frame_count "$FRAMES" --warmup 10 --profile \
  --profile_dir "$WORK" >"$WORK/perf.txt" 2>&1 || { cat "$WORK/perf.txt" >&2; exit 1; }
node "$ROOT/bench/ort/profile_layers.js" "$PEERS_WORK/models/$m.int8.qdq.onnx" "$WORK/ort_profile.json" \
  --runs $((FRAMES + 10))
/usr/bin/python3 "$ROOT/bench/lib/layers_table.py" "$WORK/profile.csv" "$WORK/ort_profile.json" "$@"
