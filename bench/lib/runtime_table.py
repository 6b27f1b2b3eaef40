#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Markdown tables from bench/runtime_vs_peers.sh's JSON lines: per model, 1-thread latency (median / p90) and
# 2-thread throughput of npukit and each peer, npukit's speed as a ratio (peer time / npukit time: > 1 means
# npukit is faster), GMAC/s and the fraction of the measured int8 peak. With several rounds (the lines' "round";
# files without it are one round), every figure is the median over the rounds, and a last table gives the spread
# of the per-round ratios against ORT int8, then the one-inference 2-thread ratios per round with the host's vCPU
# placement during each run (core_probe, or core_rt_ns in older files; bench/core_latency.cpp). Lines with a "pair"
# (npukit and ORT int8 alone, back to back) give the last table: per model and mode, the pairs' ratios.
import json
import statistics
import sys


def main(path):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    for r in rows:
        if r.get("peer") == "cpu int8 peak":
            print(f"This CPU's int8 peak on one core: {r['peak_gmacs']:.1f} GMAC/s ({r['peak_sequence']}; vpmaddwd "
                  f"{r['avx2_vpmaddwd_gmacs']:.1f}, vpmaddubsw {r['avx2_vpmaddubsw_gmacs']:.1f}, AVX-VNNI "
                  f"{r['avx_vnni_gmacs']:.1f}, AVX-512 VNNI {r['avx512_vnni_gmacs']:.1f} GMAC/s).\n")
    rows = [r for r in rows if r.get("peer") != "cpu int8 peak"]
    tag = placement_tagger(rows)  # (one "near" baseline for the rounds and the pairs)
    pairs = [r for r in rows if "pair" in r]
    rows = [r for r in rows if "pair" not in r]
    models = []
    for r in rows:
        if r["model"] not in models:
            models.append(r["model"])
    peers = ["ort int8", "ort fp32", "torch int8 onednn", "torch fp32 jit"]

    rounds = sorted({r.get("round", 1) for r in rows})
    if len(rounds) > 1:
        print(f"Every figure is the median over {len(rounds)} rounds (each round measures every model with npukit "
              "and every peer once).\n")

    def get(m, peer, t, rnd=None):
        """The measurement of (m, peer, t): in round rnd, or the median of each figure over the rounds."""
        found = [r for r in rows if r["model"] == m and r["peer"] == peer and r["threads"] == t and
                 (rnd is None or r.get("round", 1) == rnd)]
        if not found:
            return None
        agg = dict(found[0])
        for key in ("median_ms", "p90_ms", "fps"):
            if all(key in r for r in found):
                agg[key] = statistics.median(r[key] for r in found)
        if "macs" in agg:
            agg["gmacs"] = agg["macs"] / (agg["median_ms"] * 1e6)
        return agg

    def latency_cell(r, us):
        if not r:
            return "—"
        return f"{r['median_ms']:.2f} / {r['p90_ms']:.2f} (**{r['median_ms'] / us['median_ms']:.2f}x**)"

    def latency_rows(npukit_peer, threads, extra=None):
        """One row per model: npukit's median / p90 and each peer's, with the ratio; `extra(us)`: more cells."""
        for m in models:
            us = get(m, npukit_peer, threads)
            if not us:
                continue
            cells = [latency_cell(get(m, p, threads), us) for p in peers]
            tail = extra(us) if extra else ""
            print(f"| {m} | {us['median_ms']:.2f} / {us['p90_ms']:.2f} | " + " | ".join(cells) + tail + " |")

    def gmacs_cells(us):
        peak = us.get("int8_peak_gmacs") or 0
        frac = f"{100 * us['gmacs'] / peak:.0f} %" if peak else "—"
        return f" | {us['gmacs']:.1f} | {frac}"

    print("### 1 thread, batch 1: latency median / p90 (ms); ratio = peer median / npukit median (> 1: npukit faster)\n")
    print("| model | npukit int8 | " + " | ".join(peers) + " | npukit GMAC/s | of int8 peak |")
    print("|---|---|" + "---|" * len(peers) + "---|---|")
    latency_rows("npukit int8", 1, gmacs_cells)
    print("\n### 2 threads: throughput (frames/s); ratio = npukit FPS / peer FPS (> 1: npukit faster)\n")
    print("npukit runs 2 inferences in parallel (1 thread each); the peers run 1 inference with 2 intra-op threads,"
          " FPS = 1000 / median.\n")
    print("| model | npukit int8 | " + " | ".join(peers) + " |")
    print("|---|---|" + "---|" * len(peers))
    for m in models:
        us = get(m, "npukit int8", 2)
        if not us:
            continue
        cells = []
        for p in peers:
            r = get(m, p, 2)
            if not r:
                cells.append("—")
                continue
            fps = 1000.0 / r["median_ms"]
            cells.append(f"{fps:.1f} (**{us['fps'] / fps:.2f}x**)")
        print(f"| {m} | {us['fps']:.1f} | " + " | ".join(cells) + " |")
    intra = any(r["peer"] == "npukit int8 intra-op" for r in rows)
    if intra:
        print("\n### 2 threads, one inference: latency median / p90 (ms); ratio = peer median / npukit median (> 1: "
              "npukit faster)\n")
        print("The peers' own 2-thread mode for everyone: npukit runs one inference with `--intra_op_threads 2`.\n")
        print("| model | npukit int8 | " + " | ".join(peers) + " |")
        print("|---|---|" + "---|" * len(peers))
        latency_rows("npukit int8 intra-op", 2)
    if len(rounds) >= 2:
        round_tables(rows, models, rounds, get, tag)
    if pairs:
        pair_table(pairs, list(dict.fromkeys(r["model"] for r in pairs)), tag)


def round_tables(rows, models, rounds, get, tag):
    print("\n### Against ORT int8, round by round: min / median / max of the per-round ratios\n")
    print("| model | 1 thread (latency) | 2 threads (throughput) | 2 threads, one inference (latency) |")
    print("|---|---|---|---|")

    def spread(m, npukit_peer, t, fps):
        ratios = []
        for rnd in rounds:
            us, ort = get(m, npukit_peer, t, rnd), get(m, "ort int8", t, rnd)
            if us and ort:
                ratios.append(ratio_vs_ort(us, ort, fps))
        if not ratios:
            return "—"
        return f"{min(ratios):.2f} / {statistics.median(ratios):.2f} / {max(ratios):.2f}"

    for m in models:
        print(f"| {m} | {spread(m, 'npukit int8', 1, False)} | {spread(m, 'npukit int8', 2, True)} | "
              f"{spread(m, 'npukit int8 intra-op', 2, False)} |")
    placement_table(rows, models, rounds, get, tag)


def ratio_vs_ort(us, ort, fps):
    """npukit's speed against ORT int8 from one line each: ORT time / npukit time, or (fps: npukit's 2 inference
    threads against ORT's one inference on 2 threads) npukit FPS / ORT FPS."""
    return us["fps"] * ort["median_ms"] / 1000.0 if fps else ort["median_ms"] / us["median_ms"]


def probes_of(r):
    """The line's placement probes before / after its run as dicts (round_trip_ns, and in core_probe lines
    handoff_us, own_us, compute_ratio); files before round 18 hold only the round trips (core_rt_ns)."""
    if "core_probe" in r:
        return [p for p in r["core_probe"] or [] if p and p.get("round_trip_ns") is not None]
    return [{"round_trip_ns": v} for v in r.get("core_rt_ns") or [] if v is not None]


def placement_tagger(rows):
    """tag(line) -> (state, text): the host's vCPU placement during the line's run, from the probes before and after
    it: "shared" when the two vCPUs ran on one core's execution units (a compute_ratio below 0.75: 2 threads compute
    no faster than 1), else "apart" when a round trip exceeds twice the smallest of `rows` (the vCPUs did not share a
    last-level cache for part of the run, and each hand-over of data between them cost ~3x more), else "near"; "?"
    without probes. text adds the round trips (ns)."""
    rts = [p["round_trip_ns"] for r in rows for p in probes_of(r)]
    near = min(rts) if rts else 0.0

    def tag(r):
        ps = probes_of(r)
        if not ps:
            return "?", "?"
        state = ("shared" if any(p.get("compute_ratio", 1.0) < 0.75 for p in ps)
                 else "apart" if any(p["round_trip_ns"] > 2 * near for p in ps) else "near")
        return state, state + " " + "/".join(f"{p['round_trip_ns']:.0f}" for p in ps)

    tag.near = near
    return tag


def placement_table(rows, models, rounds, get, tag):
    """Per round, the one-inference 2-thread ratio against ORT int8 with the placement during each side's run."""
    if not any(probes_of(r) for r in rows):
        return
    near = tag.near
    print(f"\n### 2 threads, one inference, round by round: ratio against ORT int8 and the vCPUs' placement\n")
    print(f"Core-to-core round trip (ns) before / after each side's run. \"shared\": the two vCPUs ran on one core "
          f"(a compute ratio below 0.75 in a probe); \"apart\": a round trip above twice the smallest ({near:.0f} ns), "
          "the two vCPUs did not share a cache for part of the run. Ratios between runs in different placements "
          "compare the host, not the runtimes.\n")
    print("| model | " + " | ".join(f"round {rnd}: ratio (npukit; ORT)" for rnd in rounds) + " |")
    print("|---|" + "---|" * len(rounds))
    for m in models:
        cells = []
        for rnd in rounds:
            us, ort = get(m, "npukit int8 intra-op", 2, rnd), get(m, "ort int8", 2, rnd)
            if not us or not ort:
                cells.append("—")
                continue
            cells.append(f"{ort['median_ms'] / us['median_ms']:.2f} ({tag(us)[1]}; {tag(ort)[1]})")
        print(f"| {m} | " + " | ".join(cells) + " |")


def pair_table(pairs, models, tag):
    """Per model and mode, the ratios of the pairs (ORT int8 time / npukit time; throughput: npukit FPS / ORT FPS):
    min / median / max over all pairs, and the median over the pairs whose two runs saw the same placement."""
    nums = sorted({r["pair"] for r in pairs})
    print(f"\n### Against ORT int8 in {len(nums)} pairs (npukit and ORT int8 alone, back to back): ratio min / median "
          "/ max over the pairs; same placement: median over the pairs whose two runs saw the same vCPU placement "
          "(count)\n")
    modes = [("1 thread (latency)", "npukit int8", 1, False), ("2 threads (throughput)", "npukit int8", 2, True),
             ("2 threads, one inference (latency)", "npukit int8 intra-op", 2, False)]
    print("| model | " + " | ".join(f"{name} | same placement" for name, *_ in modes) + " |")
    print("|---|" + "---|---|" * len(modes))

    def one(m, peer, t, pair):
        found = [r for r in pairs if r["model"] == m and r["peer"] == peer and r["threads"] == t and r["pair"] == pair]
        return found[0] if found else None

    for m in models:
        cells = []
        for _, peer, t, fps in modes:
            ratios, same = [], []
            for n in nums:
                us, ort = one(m, peer, t, n), one(m, "ort int8", t, n)
                if not us or not ort:
                    continue
                ratio = ratio_vs_ort(us, ort, fps)
                ratios.append(ratio)
                if tag(us)[0] == tag(ort)[0] != "?":
                    same.append(ratio)
            if not ratios:
                cells += ["—", "—"]
                continue
            cells.append(f"{min(ratios):.2f} / **{statistics.median(ratios):.2f}** / {max(ratios):.2f}")
            cells.append(f"{statistics.median(same):.2f} ({len(same)})" if same else "— (0)")
        print(f"| {m} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
