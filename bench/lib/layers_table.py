#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Per-layer side by side: npukit's `exec perf --profile` CSV and ONNX Runtime's profiler trace of the same model.

usage: layers_table.py NPUKIT_PROFILE.csv ORT_PROFILE.json [--layers]

Layers are matched by source ONNX node: npukit's `name` column lists the source nodes of a layer joined by '+'
(a fused Relu / Clip follows its Conv), ORT names a fused kernel after its main node plus "_token_<n>". Times are
medians per node over ORT's runs after the first 10 (warm-up) and npukit's profiled frames. Prints one markdown
table per kernel class and output size (npukit's kernel column, e.g. conv / conv_dw / conv_winograd, and the output
plane HxW), then, with --layers, every matched layer. Ratio = npukit time / ORT time (< 1: npukit faster).
"""
import collections
import csv
import json
import re
import statistics
import sys


def ort_times(path):
    """{node name: median kernel time (us)}, {node name: ORT op type}."""
    events = json.load(open(path))
    durs = collections.defaultdict(list)
    ops = {}
    for e in events:
        name = e.get('name', '')
        if e.get('cat') != 'Node' or not name.endswith('_kernel_time'):
            continue
        node = re.sub(r'_token_\d+$', '', name[:-len('_kernel_time')])
        durs[node].append(float(e['dur']))
        ops[node] = e.get('args', {}).get('op_name', '?')
    return {n: statistics.median(d[10:] if len(d) > 20 else d) for n, d in durs.items()}, ops


def plane(shape):
    dims = [int(v) for v in re.findall(r'-?\d+', shape)]
    return f'{dims[2]}x{dims[3]}' if len(dims) == 4 else 'x'.join(map(str, dims[1:])) or '-'


def kernel_class(r):
    """npukit's kernel label, with the window size (from the MACs per output and input channel) for the general
    convolution kernel, whose 1x1 and KxK layers behave differently."""
    k = r['kernel'] or '-'
    if k != 'conv' or not r.get('macs'):
        return k
    out = [int(v) for v in re.findall(r'-?\d+', r['output_shape'])]
    cin = [int(v) for v in re.findall(r'-?\d+', r['input_shapes'])]
    n_out = 1
    for d in out:
        n_out *= d
    if len(cin) < 2 or n_out == 0:
        return k
    kk = int(r['macs']) / n_out / cin[1]
    side = round(kk ** 0.5)
    return f'conv {side}x{side}' if side * side and abs(kk - side * side) < 1e-6 else k


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ort, ort_ops = ort_times(argv[2])
    rows = list(csv.DictReader(open(argv[1])))
    groups = collections.OrderedDict()
    matched, ours_total = [], 0.0
    for r in rows:
        t = float(r['time_us'])
        ours_total += t
        src = r['name'].split('+')
        hit = next((s for s in src if s in ort), None)
        if hit is None:
            continue
        key = (r['op_type'], kernel_class(r), plane(r['output_shape']))
        g = groups.setdefault(key, [0, 0.0, 0.0])
        g[0] += 1
        g[1] += t
        g[2] += ort[hit]
        matched.append((r, hit, t, ort[hit]))
    ort_total = sum(ort.values())
    print(f'npukit {ours_total:.0f} us in {len(rows)} layers; ORT {ort_total:.0f} us in {len(ort)} nodes; '
          f'{len(matched)} layers matched by source node.\n')
    print('| op | npukit kernel | output plane | layers | npukit (us) | ORT (us) | npukit / ORT |')
    print('|---|---|---|---|---|---|---|')
    for (op, kernel, pl), (n, a, b) in sorted(groups.items(), key=lambda kv: -kv[1][1]):
        print(f'| {op} | {kernel} | {pl} | {n} | {a:.0f} | {b:.0f} | {a / b:.2f} |')
    a = sum(m[2] for m in matched)
    b = sum(m[3] for m in matched)
    print(f'| **matched** | | | {len(matched)} | {a:.0f} | {b:.0f} | {a / b:.2f} |')
    unmatched = collections.Counter()
    used = {m[1] for m in matched}
    for n, t in ort.items():
        if n not in used:
            unmatched[ort_ops.get(n, '?')] += t
    if unmatched:
        print('\nORT nodes without an npukit layer of the same source node (us): ' +
              ', '.join(f'{op} {t:.0f}' for op, t in unmatched.most_common()))
    if '--layers' in argv:
        print('\n| layer | npukit kernel | input | output | npukit (us) | ORT (us) | npukit / ORT |')
        print('|---|---|---|---|---|---|---|')
        for r, hit, t, o in matched:
            print(f'| {hit} | {r["kernel"]} | {r["input_shapes"]} | {r["output_shape"]} | {t:.1f} | {o:.1f} | '
                  f'{t / o:.2f} |')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
