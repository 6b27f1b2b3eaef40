# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Sourced by the bench scripts that run npukit on ../shared/peers' models (runtime_vs_peers.sh, layers_vs_ort.sh):
# ROOT, NPUKIT (default ./build/src/npukit, must be built) and PEERS_WORK (default ~/npukit-peers), and
# compile_fast_perf MODEL DIR: `npukit compile --fast-perf` of the peers' MODEL.onnx for nash-e (every segment runs
# on the host CPU) in DIR, giving DIR/model_output/model.npk; on failure the compile log goes to stderr.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NPUKIT="$(realpath "${NPUKIT:-$ROOT/build/src/npukit}")"
PEERS_WORK="${PEERS_WORK:-$HOME/npukit-peers}"
[[ -x "$NPUKIT" ]] || { echo "$(basename "$0"): $NPUKIT not built" >&2; exit 1; }

compile_fast_perf() {
  mkdir -p "$2"
  (cd "$2" && "$NPUKIT" compile --fast-perf --model "$PEERS_WORK/models/$1.onnx" --march nash-e --no-progress \
    >compile.txt 2>&1) || { cat "$2/compile.txt" >&2; return 1; }
}
