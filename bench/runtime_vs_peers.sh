#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The int8 CPU runtime side by side with the peers, in one run, per model:
#   ONNX Runtime fp32 and int8 (QDQ), PyTorch fp32 (jit) and int8 (FX, oneDNN)  — ../shared/peers/bench.sh
#   npukit: `npukit compile --fast-perf` (nash-e: every segment runs on the host CPU) then `npukit exec perf`.
# Figures: batch-1 latency median / p90 on 1 thread (peers: 1 intra-op thread; npukit: 1 inference thread),
# 2-thread throughput (peers: 2 intra-op threads, FPS = 1000 / median; npukit: 2 inference threads
# in parallel, FPS over all frames), 2-thread latency in the peers' mode (npukit: one inference, --intra_op_threads 2), GMAC/s (conv + gemm MACs of the peers' model_stats.json / median) and the
# fraction of this CPU's measured int8 peak on one core (npukit_int8_peak, bench/int8_peak.cpp: the best of
# vpmaddwd / vpmaddubsw / VNNI vpdpbusd sequences the CPU has, registers only).
# ROUNDS rounds (default 3), each measuring every model with every peer and npukit once (odd rounds the peers first,
# even rounds npukit first): on a shared machine a single measurement per peer can land in a slow period of its own,
# so the table gives each figure as the median over the rounds, and the spread of the per-round ratios against ORT
# int8.
# Then PAIRS pairs (default 6) per model and mode of npukit and ORT int8 alone, back to back (a few seconds apart, the
# order alternating from pair to pair): within a round, npukit's and ORT int8's runs of one mode lie up to a minute
# apart (the other peers run between them), long enough for the host to place the two vCPUs differently for each;
# a pair's two runs share the host's state far more often, and the median of the pairs' ratios is the head-to-head
# figure.
# Writes one JSON line per measurement (with its round, or its pair) to $OUT (default
# bench/results/runtime_vs_peers.jsonl) and prints the markdown tables (bench/lib/runtime_table.py) that go into
# bench/RESULTS.md.
# usage: bench/runtime_vs_peers.sh [MODEL ...]   (default: the five models of issue 6)
# Environment: NPUKIT (default ./build/src/npukit), PEERS_WORK (default ~/npukit-peers), FRAMES (default 200),
# ROUNDS (default 3), PAIRS (default 6; 0: no pairs).
set -euo pipefail
# shellcheck source=bench/lib/peers_env.sh
source "$(dirname "$0")/lib/peers_env.sh"
FRAMES="${FRAMES:-200}"
ROUNDS="${ROUNDS:-3}"
PAIRS="${PAIRS:-6}"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "runtime_vs_peers.sh: ROUNDS must be a positive integer" >&2; exit 2; }
[[ "$PAIRS" =~ ^[0-9]+$ ]] || { echo "runtime_vs_peers.sh: PAIRS must be a non-negative integer" >&2; exit 2; }
OUT="${OUT:-$ROOT/bench/results/runtime_vs_peers.jsonl}"
PY=/usr/bin/python3
[[ -f "$ROOT/../shared/peers/bench.sh" ]] || { echo "runtime_vs_peers.sh: ../shared/peers not found" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$(dirname "$OUT")"
: >"$OUT"
models=("$@")
((${#models[@]})) || models=(mobilenet_v2 resnet18 resnet50 efficientnet_b0 squeezenet1_1)
PEAK_JSON="$("$(dirname "$NPUKIT")/npukit_int8_peak")"
echo "$PEAK_JSON" | sed 's/^{/{"peer":"cpu int8 peak",/' >>"$OUT"
peak=$($PY -c "import json,sys; print(json.loads(sys.argv[1])['peak_gmacs'])" "$PEAK_JSON")
for m in "${models[@]}"; do
  echo "== $m: setup and compile" >&2
  [[ -f "$PEERS_WORK/models/$m.done" ]] || bash "$ROOT/../shared/peers/setup.sh" "$m" >&2
  compile_fast_perf "$m" "$WORK/$m" || exit 1
done
# The host's placement of the first two vCPUs (bench/core_latency.cpp): one JSON object with their cache-line round
# trip (ns), the cost of taking over 150 KiB the other one wrote (us) and their compute rate when both are busy; "null"
# on one CPU or when it cannot pin its threads. Each measurement's JSON line gets the objects before and after it as
# "core_probe".
probe() {
  "$(dirname "$NPUKIT")/npukit_core_latency" 2>/dev/null | grep '^{' || echo null
}
# One measurement each: the peers on t threads; npukit with t inference threads; npukit's one inference on 2 threads.
# KEY VALUE: the line's "round" or "pair" and its number.
peers() {  # MODEL THREADS KEY VALUE
  local before
  before=$(probe)
  bash "$ROOT/../shared/peers/bench.sh" "$1" "$2" 2>/dev/null >"$WORK/peers.jsonl"
  tag_lines "$3" "$4" "$before" "$WORK/peers.jsonl"
}
# ORT int8 alone (the peers' own benchmark script for it, as bench.sh runs it).
ort_int8() {  # MODEL THREADS KEY VALUE
  local before
  before=$(probe)
  PEERS_WORK="$PEERS_WORK" node "$ROOT/../shared/peers/lib/bench_ort.js" "$1" "$2" int8 2>/dev/null >"$WORK/ort.jsonl"
  tag_lines "$3" "$4" "$before" "$WORK/ort.jsonl"
}
# Appends FILE's JSON lines to $OUT with "KEY": VALUE, the threads mode and the probes before (BEFORE) and now.
tag_lines() {  # KEY VALUE BEFORE FILE
  # (The probe's JSON holds no '|', '&' or backslash, so it goes into the replacement as is.)
  sed "s|^{|{\"$1\":$2,\"threads_mode\":\"intra-op\",\"core_probe\":[$3,$(probe)],|" "$4" >>"$OUT"
}
# npukit: `exec perf` with T inference threads and I intra-op threads per inference (I = 2: the peers' own 2-thread
# mode, one inference whose operators are split over 2 threads), one JSON line.
npukit_perf() {  # MODEL T I KEY VALUE [FRAMES]
  local before tag="perf_t$2_i$3"
  before=$(probe)
  "$NPUKIT" exec perf --model_file "$WORK/$1/model_output/model.npk" --thread_num "$2" --intra_op_threads "$3" \
    --frame_count "${6:-$FRAMES}" --warmup 10 --output_json "$WORK/$1/$tag.json" >"$WORK/$1/$tag.txt" 2>&1 ||
    { cat "$WORK/$1/$tag.txt" >&2; exit 1; }
  $PY - "$1" "$2" "$3" "$WORK/$1/$tag.json" "$PEERS_WORK/models/model_stats.json" "$peak" "$4" "$5" \
    "[$before,$(probe)]" >>"$OUT" <<'PYEOF'
import json, sys
m, t, intra, perf, stats, peak, key, num = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5],
                                            float(sys.argv[6]), sys.argv[7], int(sys.argv[8]))
j = json.load(open(perf))
lat = j["latency_ms"]
line = {key: num, "threads_mode": "intra-op" if intra > 1 else "inference threads", "model": m,
        "peer": "npukit int8 intra-op" if intra > 1 else "npukit int8", "threads": intra if intra > 1 else t,
        "median_ms": lat["p50"], "p90_ms": lat["p90"], "fps": j["fps"], "isa": j["isa"], "frames": j["frame_count"],
        "core_probe": json.loads(sys.argv[9])}
if intra == 1:  # (GMAC/s and the peak: the inference-thread rows of the table)
    macs = json.load(open(stats))[m]["macs"]["total"]
    line.update({"macs": macs, "gmacs": macs / (lat["p50"] * 1e6), "int8_peak_gmacs": peak})
print(json.dumps(line))
PYEOF
}
# Odd rounds measure the peers first, even rounds npukit first, so that neither side always runs right after the
# other's heavy 2-thread runs.
for r in $(seq 1 "$ROUNDS"); do
  for m in "${models[@]}"; do
    echo "== round $r/$ROUNDS: $m" >&2
    if ((r % 2 == 1)); then
      peers "$m" 1 round "$r"
      npukit_perf "$m" 1 1 round "$r"
      peers "$m" 2 round "$r"
      npukit_perf "$m" 2 1 round "$r"
      npukit_perf "$m" 1 2 round "$r"
    else
      npukit_perf "$m" 1 1 round "$r"
      peers "$m" 1 round "$r"
      npukit_perf "$m" 1 2 round "$r"
      npukit_perf "$m" 2 1 round "$r"
      peers "$m" 2 round "$r"
    fi
  done
done
# Frames for a pair's npukit run of MODEL with T inference threads and I intra-op threads: about as long as ORT's
# (bench_ort.js times 2 s, at least 100 runs), from round 1's time per frame; at least FRAMES, at most 2000.
pair_frames() {  # MODEL T I
  $PY - "$OUT" "$FRAMES" "$@" <<'PYEOF'
import json, math, sys
out, least, m, t, intra = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
peer = "npukit int8 intra-op" if intra > 1 else "npukit int8"
rows = [json.loads(l) for l in open(out) if l.strip()]
r = next(r for r in rows if r.get("round") == 1 and r.get("model") == m and r.get("peer") == peer and
         r["threads"] == (intra if intra > 1 else t))
per_frame_ms = 1000.0 / r["fps"] if t > 1 else r["median_ms"]
print(min(2000, max(least, math.ceil(2000.0 / per_frame_ms))))
PYEOF
}
declare -A f1 f2 fi2  # per model: the pairs' npukit frames (1 thread, 2 inference threads, one inference on 2)
for m in "${models[@]}"; do
  f1[$m]=$(pair_frames "$m" 1 1) f2[$m]=$(pair_frames "$m" 2 1) fi2[$m]=$(pair_frames "$m" 1 2)
done
# Pairs: per pair and model, 1 thread (npukit, ORT) then 2 threads (npukit 2 inference threads, ORT on 2 threads,
# npukit one inference on 2 threads: the ORT run is the partner of both), in the reverse order in even pairs.
for p in $(seq 1 "$PAIRS"); do
  for m in "${models[@]}"; do
    echo "== pair $p/$PAIRS: $m (npukit and ORT int8)" >&2
    if ((p % 2 == 1)); then
      npukit_perf "$m" 1 1 pair "$p" "${f1[$m]}"
      ort_int8 "$m" 1 pair "$p"
      npukit_perf "$m" 2 1 pair "$p" "${f2[$m]}"
      ort_int8 "$m" 2 pair "$p"
      npukit_perf "$m" 1 2 pair "$p" "${fi2[$m]}"
    else
      ort_int8 "$m" 1 pair "$p"
      npukit_perf "$m" 1 1 pair "$p" "${f1[$m]}"
      npukit_perf "$m" 1 2 pair "$p" "${fi2[$m]}"
      ort_int8 "$m" 2 pair "$p"
      npukit_perf "$m" 2 1 pair "$p" "${f2[$m]}"
    fi
  done
done
$PY "$ROOT/bench/lib/runtime_table.py" "$OUT"
