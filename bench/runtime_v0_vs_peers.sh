#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Side by side, one run: the peers (../shared/peers/bench.sh: ONNX Runtime fp32 / int8 QDQ, PyTorch fp32 / FX
# int8) and `npukit exec perf` (int8 CPU runtime v0) on the same torchvision models, batch 1, 1 thread.
# npukit's model is compiled with --fast-perf for nash-e (int8 input, every segment run on the host CPU).
# usage: bench/runtime_v0_vs_peers.sh [MODEL ...]   (needs ../shared/peers/setup.sh once)
# Environment: NPUKIT (default ./build/src/npukit), PEERS_WORK (default ~/npukit-peers).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NPUKIT="$(realpath "${NPUKIT:-$ROOT/build/src/npukit}")"
PEERS_WORK="${PEERS_WORK:-$HOME/npukit-peers}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
models=("$@")
((${#models[@]})) || models=(mobilenet_v2 resnet18)
for m in "${models[@]}"; do
  echo "== $m"
  bash "$ROOT/../shared/peers/bench.sh" "$m" 1 2>/dev/null
  mkdir -p "$WORK/$m"
  cd "$WORK/$m"
  "$NPUKIT" compile --fast-perf --model "$PEERS_WORK/models/$m.onnx" --march nash-e --no-progress >compile.txt 2>&1
  "$NPUKIT" exec perf --model_file model_output/model.npk --thread_num 1 --frame_count 30 --output_json perf.json >perf.txt
  /usr/bin/python3 -c "import json; j=json.load(open('perf.json')); print(json.dumps({'model': '$m', 'peer': 'npukit v0', 'p50_ms': j['latency_ms']['p50'], 'p90_ms': j['latency_ms']['p90'], 'fps': j['fps']}))"
  cd "$ROOT"
done
