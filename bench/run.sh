#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# npukit benchmarks. Results and the exact commands are recorded in bench/RESULTS.md.
#
# usage: bench/run.sh calib [MODEL] [SAMPLES] [THREADS]     (default: resnet50 100 2)
#   calib   calibration pass (kl) of npukit (npukit_calib_bench) vs PyTorch FX PTQ with
#           HistogramObserver (bench/torch_ptq_calib.py) on the same N(0,1) samples and thread count.
#           Needs the peers' models (bash ../shared/peers/setup.sh MODEL) and python3-torch.
# Environment: NPUKIT_BUILD_DIR (default ./build), PEERS_WORK (default ~/npukit-peers),
#              NPUKIT_BENCH_WORK (scratch for the sample file, default $NPUKIT_BUILD_DIR/bench).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${NPUKIT_BUILD_DIR:-$ROOT/build}"
PEERS_WORK="${PEERS_WORK:-$HOME/npukit-peers}"
WORK="${NPUKIT_BENCH_WORK:-$BUILD/bench}"
PY=/usr/bin/python3

calib() {
  local model="${1:-resnet50}" n="${2:-100}" threads="${3:-2}"
  local onnx="$PEERS_WORK/models/$model.onnx"
  if [[ ! -f "$onnx" ]]; then
    echo "run.sh: $onnx missing; running ../shared/peers/setup.sh $model" >&2
    bash "$ROOT/../shared/peers/setup.sh" "$model" >&2
  fi
  [[ -x "$BUILD/src/npukit_calib_bench" ]] || cmake --build "$BUILD" --target npukit_calib_bench >&2
  mkdir -p "$WORK"
  local inputs="$WORK/calib_${model}_${n}.f32"
  # Torch sees libblas.so.3 as on the peers' reference machine (the OpenMP OpenBLAS, which follows
  # torch.set_num_threads); npukit links the pthread flavour directly, so this only affects torch.
  local torch_env=()
  local omp_dir="/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/openblas-openmp"
  [[ -d "$omp_dir" ]] && torch_env=(env "LD_LIBRARY_PATH=$omp_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  # The torch script also writes the samples, so both tools see the same data.
  "${torch_env[@]}" "$PY" "$ROOT/bench/torch_ptq_calib.py" --model "$model" --samples "$n" --threads "$threads" \
    --write-inputs "$inputs"
  "$BUILD/src/npukit_calib_bench" --model "$onnx" --inputs "$inputs" --samples "$n" --threads "$threads" --method kl
}

case "${1:-}" in
  calib) shift; calib "$@" ;;
  *) sed -n 4,11p "$0"; exit 2 ;;
esac
