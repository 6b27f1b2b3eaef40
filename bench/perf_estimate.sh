#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Wall time of the static performance estimate (`npukit perf MODEL.npk`: read the .npk, schedule every command,
# write the JSON and the HTML) on the shared and torchvision models, compiled with --fast-perf. Also prints the
# estimator's own time (summary.estimate_seconds) and the figures it reported. One markdown row per model
# (recorded in bench/RESULTS.md).
# usage: bench/perf_estimate.sh [MARCH]   (default nash-e)
# Environment: NPUKIT_BUILD_DIR (default ./build), SHARED (default ../shared), PEERS_WORK (default ~/npukit-peers).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "${NPUKIT_BUILD_DIR:-$ROOT/build}" && pwd)"
NPUKIT="$BUILD/src/npukit"
SHARED="${SHARED:-$ROOT/../shared}"
PEERS_WORK="${PEERS_WORK:-$HOME/npukit-peers}"
MARCH="${1:-nash-e}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# name | model file | extra compile arguments
cases=(
  "mnist-8|$SHARED/models/mnist-8/model.onnx|"
  "squeezenet1.1|$SHARED/models/squeezenet1.1/model.onnx|"
  "super-resolution-10|$SHARED/models/super-resolution-10/model.onnx|--input-shape input 1x1x224x224"
  "ultraface-rfb-320|$SHARED/models/ultraface-rfb-320/model.onnx|"
  "ppocr-v4 det 320|$SHARED/models/ppocr-v4/det.onnx|--input-shape x 1x3x320x320"
  "ppocr-v4 cls|$SHARED/models/ppocr-v4/cls.onnx|--input-shape x 1x3x48x192"
  "ppocr-v4 rec|$SHARED/models/ppocr-v4/rec.onnx|--input-shape x 1x3x48x320"
)
for m in mobilenet_v2 mobilenet_v2_cifar10 resnet18 resnet50 efficientnet_b0 shufflenet_v2_x1_0 squeezenet1_1; do
  cases+=("$m (torchvision)|$PEERS_WORK/models/$m.onnx|")
done

echo "| model ($MARCH) | commands | \`npukit perf\` wall | estimate alone | latency | FPS | DDR MB/frame |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for c in "${cases[@]}"; do
  IFS='|' read -r name file extra <<<"$c"
  [[ -f "$file" ]] || { echo "| $name | (not found: $file) | | | | | |"; continue; }
  dir="$WORK/$(echo "$name" | tr ' ()/' '____')"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  (cd "$dir" && "$NPUKIT" compile --fast-perf --model "$file" --march "$MARCH" $extra --no-progress >compile.txt 2>&1) ||
    { echo "| $name | (compile failed: see $dir/compile.txt) | | | | | |"; continue; }
  start=$(date +%s.%N)
  (cd "$dir" && "$NPUKIT" perf model_output/model.npk --output-dir perf >perf.txt 2>&1)
  end=$(date +%s.%N)
  /usr/bin/python3 - "$dir/perf/model.json" "$name" "$start" "$end" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["summary"]
wall = float(sys.argv[4]) - float(sys.argv[3])
print(f"| {sys.argv[2]} | {len(j['timeline'])} | {wall:.3f} s | {s['estimate_seconds']:.3f} s | "
      f"{s['latency_us']:.1f} us | {s['fps']:.1f} | {s['ddr_mb_per_frame']:.2f} |")
PY
done
