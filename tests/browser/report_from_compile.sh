#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# HTML source for run_browser_test.sh: compiles a float model with `npukit compile --fast-perf` in a
# temporary folder, runs `npukit perf` on the .npk and copies the report page to OUT.
# usage: report_from_compile.sh NPUKIT MODEL.onnx MARCH OUT.html
set -euo pipefail
npukit=$1 model=$2 march=$3 out=$4
if [[ ! -f "$model" ]]; then
  echo "SKIP: $model not found (../shared is absent)" >&2
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$npukit" compile --fast-perf --model "$model" --march "$march" --working-dir "$work/compiled" --no-progress > "$work/compile.log" 2>&1 ||
  { cat "$work/compile.log" >&2; exit 1; }
npk=$(ls "$work"/compiled/*.npk)
"$npukit" perf "$npk" --output-dir "$work/perf"
cp "$work"/perf/*.html "$out"
