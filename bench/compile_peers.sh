#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `npukit compile` wall time and peak memory on the torchvision peers of ../shared/peers (fp32 ONNX, random
# weights): 100 N(0,1) calibration samples (numpy default_rng(0)), calibration_type kl, featuremap input.
# Prints one markdown table row per model (recorded in bench/RESULTS.md).
# usage: bench/compile_peers.sh [MODEL ...]     (default: every peer model present in $PEERS_WORK/models)
# Environment: NPUKIT_BUILD_DIR (default ./build), PEERS_WORK (default ~/npukit-peers), SAMPLES (100).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${NPUKIT_BUILD_DIR:-$ROOT/build}"
PEERS_WORK="${PEERS_WORK:-$HOME/npukit-peers}"
SAMPLES="${SAMPLES:-100}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
models=("$@")
if ((${#models[@]} == 0)); then
  for m in mobilenet_v2 resnet18 resnet50 efficientnet_b0 shufflenet_v2_x1_0 squeezenet1_1 mobilenet_v2_cifar10; do
    [[ -f "$PEERS_WORK/models/$m.onnx" ]] && models+=("$m")
  done
fi
echo "| model | samples | wall | peak RSS | calibration | similarity |"
echo "|---|---:|---:|---:|---:|---:|"
for m in "${models[@]}"; do
  hw=224
  [[ "$m" == *cifar* ]] && hw=32
  cal="$WORK/cal_$hw"
  if [[ ! -d "$cal" ]]; then
    mkdir -p "$cal"
    /usr/bin/python3 - "$cal" "$hw" "$SAMPLES" <<'PY'
import sys, numpy as np
d, hw, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
for i in range(n):
    np.save(f"{d}/s{i:03d}.npy", rng.standard_normal((1, 3, hw, hw), dtype=np.float32))
PY
  fi
  dir="$WORK/$m"
  mkdir -p "$dir"
  cat > "$dir/cfg.yaml" <<YAML
model_parameters:
  onnx_model: '$PEERS_WORK/models/$m.onnx'
  march: nash-e
  working_dir: out
input_parameters:
  input_type_train: featuremap
  input_type_rt: featuremap
  input_layout_train: NCHW
calibration_parameters:
  cal_data_dir: '$cal'
  calibration_type: kl
compiler_parameters:
  optimize_level: O2
YAML
  (cd "$dir" && /usr/bin/time -v "$BUILD/src/npukit" compile --config cfg.yaml --no-progress >out.txt 2>time.txt)
  wall=$(grep "compile finished in" "$dir/out.txt" | awk '{print $4}')
  rss=$(grep "Maximum resident" "$dir/time.txt" | awk '{printf "%.0f MiB", $6/1024}')
  cal_s=$(grep -o "calibration (kl): done [0-9/]* in [0-9.]* s" "$dir/npukit_compile.log" | awk '{print $(NF-1)}')
  sim_s=$(grep -o "similarity (kl): done [0-9/]* in [0-9.]* s" "$dir/npukit_compile.log" | awk '{print $(NF-1)}')
  echo "| $m | $SAMPLES | ${wall} s | $rss | ${cal_s} s | ${sim_s} s |"
done
