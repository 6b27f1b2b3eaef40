#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Browser test of the HTML performance report (docs/PERF_REPORT.md): opens the page in headless Chromium
# with #selftest (the page clicks every tab, checks the charts, the layer table (sort, filter) and the
# Gantt canvas, and writes a JSON verdict into <pre id="npukit-selftest">), then saves one screenshot per
# tab. Exit 0 pass, 1 fail, 77 skip (no Chromium).
#
# usage: run_browser_test.sh OUT_DIR HTML_SOURCE...
#   HTML_SOURCE is the command that writes the page, with @OUT@ standing for the HTML path, e.g.
#     run_browser_test.sh build/Testing/browser npukit_render_report tests/data/perf_report_sample.json @OUT@
#   or a shell snippet via bash -c that compiles a model and runs `npukit perf` (then copies the page to @OUT@).
set -u
out_dir=$1
shift
if [ $# -lt 1 ]; then
  echo "usage: $0 OUT_DIR HTML_SOURCE_COMMAND... (with @OUT@ for the HTML path)" >&2
  exit 2
fi
chromium=${NPUKIT_CHROMIUM:-}
if [ -z "$chromium" ]; then
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" > /dev/null 2>&1; then chromium=$(command -v "$c"); break; fi
  done
fi
if [ -z "$chromium" ] || [ ! -x "$chromium" ]; then
  echo "SKIP: chromium not found (install Debian package 'chromium' or set NPUKIT_CHROMIUM)" >&2
  exit 77
fi
mkdir -p "$out_dir"
html=$(cd "$out_dir" && pwd)/report.html
rm -f "$html"
args=()
for a in "$@"; do args+=("${a//@OUT@/$html}"); done
"${args[@]}"
gen=$?
if [ $gen -eq 77 ]; then
  exit 77  # the source said why (e.g. ../shared absent)
elif [ $gen -ne 0 ]; then
  echo "FAIL: could not generate the HTML report: ${args[*]}" >&2
  exit 1
fi
if [ ! -s "$html" ]; then
  echo "FAIL: $html was not written" >&2
  exit 1
fi
echo "report: $html ($(stat -c %s "$html") bytes)"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
run_chromium() {
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
    --disable-extensions --disable-background-networking --user-data-dir="$profile" \
    --virtual-time-budget=10000 --window-size=1400,1000 --hide-scrollbars "$@" 2> "$out_dir/chromium.log"
}

# 1. Self-test: the verdict is in the dumped DOM.
dom=$(run_chromium --dump-dom "file://$html#selftest")
rc=$?
if [ $rc -ne 0 ] && [ -z "$dom" ]; then
  echo "FAIL: chromium exited $rc; see $out_dir/chromium.log" >&2
  tail -20 "$out_dir/chromium.log" >&2
  exit 1
fi
verdict=$(printf '%s' "$dom" | python3 -c '
import html, re, sys
m = re.search(r"<pre id=\"npukit-selftest\"[^>]*>(.*?)</pre>", sys.stdin.read(), re.S)
print(html.unescape(m.group(1)) if m else "")')
printf '%s\n' "$verdict" > "$out_dir/selftest.json"
if [ -z "$verdict" ]; then
  echo "FAIL: no self-test verdict in the page (did the script run?)" >&2
  exit 1
fi
python3 - "$out_dir/selftest.json" << 'PY' || exit 1
import json, sys
v = json.load(open(sys.argv[1]))
for c in v["checks"]:
    print(("  ok    " if c["ok"] else "  FAIL  ") + c["name"] + ("  (" + c["detail"] + ")" if c["detail"] else ""))
print("self-test: %d passed, %d failed" % (v["passed"], v["failed"]))
sys.exit(0 if v["ok"] and v["passed"] > 0 else 1)
PY

# 2. One screenshot per tab (the page opens on the tab named in the URL).
for tab in summary temporal layers timeline; do
  png="$out_dir/report_$tab.png"
  rm -f "$png"
  run_chromium --screenshot="$png" "file://$html#tab=$tab" > /dev/null
  if [ ! -s "$png" ]; then
    echo "FAIL: no screenshot of tab $tab" >&2
    exit 1
  fi
  echo "screenshot: $png"
done
echo "PASS"
