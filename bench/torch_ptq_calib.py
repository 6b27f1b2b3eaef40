#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""PyTorch FX post-training quantization of a peers model, timed like npukit_calib_bench.

Runs ../shared/peers/lib/torch_peers.py:ptq_fx (prepare_fx with the onednn default qconfig mapping,
i.e. HistogramObserver activations + per-channel weights, N calibration samples in batches of 4,
convert_fx) on THREADS threads and prints one JSON line: calib_s (prepare + calibration + convert, as
ptq_fx measures it), calib_cpu_s (CPU seconds of all threads meanwhile) and peak_rss_mb (getrusage of this process, torch itself included).

Samples: N draws of N(0, 1) from numpy.random.default_rng(SEED) in the model's input shape. With
--write-inputs FILE they are also written as raw f32 so npukit_calib_bench --inputs FILE sees the same data.

usage: /usr/bin/python3 bench/torch_ptq_calib.py [--model resnet50] [--samples 100] [--threads 2]
                                                 [--seed 0] [--write-inputs FILE]
"""
import argparse
import json
import os
import resource
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS_LIB = os.environ.get("NPUKIT_PEERS_LIB", os.path.join(HERE, "..", "..", "shared", "peers", "lib"))
sys.path.insert(0, PEERS_LIB)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet50")
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write-inputs", default="")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")

    import torch  # after argparse: --help works without torch
    from common import MODEL_SHAPES, load_torch_model
    from torch_peers import ptq_fx

    # Before any model is built (torch 1.13's oneDNN kernels dislike a later change, see peers/bench_torch.py).
    torch.set_num_threads(args.threads)
    shape = MODEL_SHAPES[args.model]
    rng = np.random.default_rng(args.seed)
    data = rng.standard_normal((args.samples,) + tuple(shape[1:]), dtype=np.float32)
    if args.write_inputs:
        data.tofile(args.write_inputs)
    calib = torch.from_numpy(data)
    fp32 = load_torch_model(args.model)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    _, seconds = ptq_fx(fp32, "onednn", calib)
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"tool": "torch fx ptq (HistogramObserver, onednn)", "model": args.model,
                      "samples": args.samples, "threads": args.threads, "torch": torch.__version__,
                      "calib_s": round(seconds, 3), "calib_cpu_s": round(cpu, 3), "peak_rss_mb": round(rss_mb, 1)}))


if __name__ == "__main__":
    main()
