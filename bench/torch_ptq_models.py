#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""PyTorch's own post-training quantization of the two trained models in ../shared/models, on the
same data split as npukit's tests, for a side-by-side with npukit's PTQ.

How to run (Debian's python3 has torch 1.13 / torchvision 0.14 / onnx 1.12 / PIL; `python3` on PATH may not):

    /usr/bin/python3 bench/torch_ptq_models.py                 # both models, both qconfigs, 2 threads
    /usr/bin/python3 bench/torch_ptq_models.py --models mnist --qconfigs histogram --threads 1
    options: --shared DIR (default ../shared next to the repo), --engine onednn|qnnpack (default onednn,
             falls back to qnnpack if onednn fails), --npukit PATH (CLI for the ONNX float check; default
             build/src/npukit; --no-onnx-check skips it), --repeat N (PTQ runs per configuration for the
             timing, default 3: min and median reported), --out FILE (default bench/results/torch_ptq_models.json)

It prints one JSON line per (model, qconfig) and writes them (plus the float checks) to --out.
Takes ~4 min on 2 idle cores with --repeat 3 (9 min at load average 11; squeezenet calibration dominates);
under heavy load wall times swell several-fold, so compare ptq_cpu_s and the min-of-repeats ptq_s.

What it does
1. Rebuilds each ONNX model as a torch.nn.Module holding the ONNX weights (onnx.numpy_helper):
   - mnist-8: Conv(5x5, SAME_UPPER = pad 2) + bias, ReLU, MaxPool 2, Conv(5x5, pad 2) + bias, ReLU,
     MaxPool 3, flatten NCHW (C,H,W order, which is what the ONNX Reshape to [1,256] does), Linear
     (weight = Parameter193 [16,4,4,10] reshaped to [256,10], transposed) + bias.
   - squeezenet1.1: torchvision.models.squeezenet1_1 (same topology), its 26 convs loaded from the ONNX
     convs in graph order (shapes checked), MaxPool ceil_mode switched to False as in ONNX (opset 7 has
     only floor; identical for 224x224), plus the ONNX model's final Softmax, output [N,1000,1,1].
   The float module is checked against the ONNX model: the test_data_set_* reference outputs and npukit's
   float reference interpreter (`npukit exec infer`) on real inputs; max abs diffs are printed and saved.
2. FX graph-mode PTQ (prepare_fx -> calibrate -> convert_fx), backend config of the engine, 2 threads:
   - "minmax":    MinMaxObserver activations (quint8, reduce_range=False), per-channel symmetric int8
                  weights (PerChannelMinMaxObserver) = torch's default_per_channel_qconfig without
                  reduce_range (oneDNN/qnnpack do not need it).
   - "histogram": get_default_qconfig_mapping(engine) = HistogramObserver activations + the same weights.
   In both, Softmax is left in float (qconfig None): npukit's QDQ quantizer also keeps Softmax float by
   default, and torch's default would otherwise force a fixed 1/256 output grid on the probabilities.
   Calibration feeds one sample per forward (as npukit does); the timed span is prepare_fx + calibration
   + convert_fx (model building and data loading excluded); ptq_cpu_s is the CPU time of all threads over
   that span (less sensitive to other load on the machine than the wall time). Each (model, qconfig) runs
   in its own child process, so memory figures are per configuration: ptq_peak_rss_mb is the peak resident
   size during the timed span (VmHWM reset at its start; torch, the model and the data included),
   peak_rss_mb the peak of the whole child (getrusage; image decoding can set it).
   The int8 figures come from the engine's kernels (convert_fx). The same calibration is also converted
   with convert_to_reference_fx ("reference_*" fields): float ops between quantize/dequantize pairs, i.e.
   the int8 model's exact semantics simulated in float, which is what evaluating a QDQ ONNX model in float
   computes. On this AVX2 (no VNNI) machine oneDNN's u8*s8 kernels can differ from the reference
   (pairwise int16 saturation of vpmaddubsw is one known cause), so the two can disagree per image.
3. Data split as npukit's tests:
   - mnist: raw 0..255 f32 [1,1,28,28]; calibrate on test digits 0..99, top-1 accuracy on digits 100..9999.
   - squeezenet: images = sorted file names of ../shared/images (24), calibrate on the first 20, evaluate
     on the last 4: cosine of the int8 model's softmax output vs the float module's, and top-1 agreement.
     Preprocessing = npukit's calibration loader (src/quant/cal_data.h, src/io/image.cpp): decode to RGB
     (PIL here, stb_image in npukit: JPEG decoders may differ by a level or two), DIRECT bilinear resize to
     224x224 with half-pixel centres and edge clamp, no antialias, rounded to 8 bit; BGR; minus (104,117,123).
"""
import argparse
import copy
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = ("mnist", "squeezenet")
QCONFIGS = ("minmax", "histogram")
SQUEEZENET_MEAN_BGR = (104.0, 117.0, 123.0)
MNIST_CALIB = 100
SQUEEZENET_CALIB = 20


# ----------------------------------------------------------------------------------------------- data
def load_mnist(shared):
    d = os.path.join(shared, "models", "mnist-8", "data")
    with gzip.open(os.path.join(d, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    assert int.from_bytes(raw[0:4], "big") == 2051, "bad IDX image magic"
    n, h, w = (int.from_bytes(raw[4 * i:4 * i + 4], "big") for i in (1, 2, 3))
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, h, w).astype(np.float32)
    with gzip.open(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        raw = f.read()
    assert int.from_bytes(raw[0:4], "big") == 2049, "bad IDX label magic"
    labels = np.frombuffer(raw, np.uint8, offset=8).astype(np.int64)
    assert len(labels) == n
    return images, labels


def resize_bilinear_u8(img, height, width):
    """npukit io::resize_bilinear: half-pixel centres, edge clamp, no antialias, round half away from zero."""
    h_in, w_in, _ = img.shape
    if (h_in, w_in) == (height, width):
        return img.copy()
    src = img.astype(np.float64)

    def axis(n_out, n_in):
        f = np.clip((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0, n_in - 1)
        i0 = f.astype(np.int64)
        return i0, np.minimum(i0 + 1, n_in - 1), f - i0

    y0, y1, wy = axis(height, h_in)
    x0, x1, wx = axis(width, w_in)
    wy, wx = wy[:, None, None], wx[None, :, None]
    top = (1 - wx) * src[y0][:, x0] + wx * src[y0][:, x1]
    bot = (1 - wx) * src[y1][:, x0] + wx * src[y1][:, x1]
    v = (1 - wy) * top + wy * bot
    return np.clip(np.floor(v + 0.5), 0, 255).astype(np.uint8)  # v >= 0: floor(v + .5) == lround(v)


def squeezenet_input(path):
    from PIL import Image
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"))  # L -> replicated, RGBA -> alpha dropped (as stb_image with 3 channels)
    rgb = resize_bilinear_u8(rgb, 224, 224)
    bgr = rgb[:, :, ::-1].astype(np.float32) - np.array(SQUEEZENET_MEAN_BGR, np.float32)
    return np.ascontiguousarray(bgr.transpose(2, 0, 1)[None])


def squeezenet_images(shared):
    d = os.path.join(shared, "images")
    names = sorted(f for f in os.listdir(d) if not f.startswith(".") and os.path.isfile(os.path.join(d, f)))
    return names, [os.path.join(d, n) for n in names]


def read_pb(path):
    import onnx
    from onnx import numpy_helper
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


# --------------------------------------------------------------------------------------------- models
def onnx_weights(path):
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    return m, {i.name: numpy_helper.to_array(i).copy() for i in m.graph.initializer}


def build_mnist(shared):
    import torch
    from torch import nn
    m, w = onnx_weights(os.path.join(shared, "models", "mnist-8", "model.onnx"))
    ops = [n.op_type for n in m.graph.node]
    assert ops == ["Reshape", "Conv", "Add", "Relu", "MaxPool", "Conv", "Add", "Relu", "MaxPool", "Reshape", "MatMul",
                   "Add"], ops
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    for c in convs:  # SAME_UPPER with a 5x5 kernel, stride 1 -> 2 pixels on every side
        attrs = {a.name: a for a in c.attribute}
        assert attrs["auto_pad"].s == b"SAME_UPPER" and list(attrs["kernel_shape"].ints) == [5, 5]
    # Reshape target of the activations: [1, 256] (flatten of the NCHW [1,16,4,4] pool output).
    shape_name = m.graph.node[9].input[1]
    assert list(w[shape_name]) == [1, 256], w[shape_name]

    class Mnist8(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 5, padding=2)
            self.relu1 = nn.ReLU()
            self.pool1 = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(8, 16, 5, padding=2)
            self.relu2 = nn.ReLU()
            self.pool2 = nn.MaxPool2d(3, 3)
            self.fc = nn.Linear(256, 10)

        def forward(self, x):
            x = self.pool1(self.relu1(self.conv1(x)))
            x = self.pool2(self.relu2(self.conv2(x)))
            return self.fc(torch.flatten(x, 1))

    net = Mnist8().eval()
    with torch.no_grad():
        net.conv1.weight.copy_(torch.from_numpy(w["Parameter5"]))
        net.conv1.bias.copy_(torch.from_numpy(w["Parameter6"].reshape(8)))
        net.conv2.weight.copy_(torch.from_numpy(w["Parameter87"]))
        net.conv2.bias.copy_(torch.from_numpy(w["Parameter88"].reshape(16)))
        # MatMul(x[1,256], W[256,10]) with W = Parameter193 [16,4,4,10] reshaped row-major; Linear wants [10,256].
        net.fc.weight.copy_(torch.from_numpy(np.ascontiguousarray(w["Parameter193"].reshape(256, 10).T)))
        net.fc.bias.copy_(torch.from_numpy(w["Parameter194"].reshape(10)))
    return net


def build_squeezenet(shared):
    import torch
    import torchvision
    from torch import nn
    m, w = onnx_weights(os.path.join(shared, "models", "squeezenet1.1", "model.onnx"))
    onnx_convs = [n for n in m.graph.node if n.op_type == "Conv"]
    tv = torchvision.models.squeezenet1_1(weights=None)
    tv_convs = [mod for mod in tv.modules() if isinstance(mod, nn.Conv2d)]
    assert len(tv_convs) == len(onnx_convs) == 26, (len(tv_convs), len(onnx_convs))
    with torch.no_grad():
        for mod, node in zip(tv_convs, onnx_convs):
            attrs = {a.name: list(a.ints) for a in node.attribute}
            wt, b = w[node.input[1]], w[node.input[2]]
            assert tuple(mod.weight.shape) == wt.shape, (node.input[1], mod.weight.shape, wt.shape)
            assert list(mod.stride) == attrs["strides"] and list(mod.padding) * 2 == attrs["pads"], node.input[1]
            mod.weight.copy_(torch.from_numpy(wt))
            mod.bias.copy_(torch.from_numpy(b))
    for mod in tv.modules():
        if isinstance(mod, nn.MaxPool2d):
            mod.ceil_mode = False  # ONNX opset-7 MaxPool floors; same sizes at 224x224 either way

    class SqueezeNetOnnx(nn.Module):
        def __init__(self, body):
            super().__init__()
            self.body = body  # features -> Dropout -> conv10 -> ReLU -> AdaptiveAvgPool(1) -> flatten
            self.softmax = nn.Softmax(dim=1)

        def forward(self, x):
            # Reshape before the Softmax (same result: ONNX opset-7 Softmax axis 1 on [N,1000,1,1] normalises over
            # the 1000 classes) so the float Softmax is the last op; a reshape after it would get re-quantized.
            return self.softmax(self.body(x).reshape(-1, 1000, 1, 1))

    return SqueezeNetOnnx(tv).eval()


# ---------------------------------------------------------------------------------------------- PTQ
def qconfig_mapping(kind, engine):
    import torch
    from torch.ao.quantization import QConfig, get_default_qconfig_mapping
    from torch.ao.quantization.observer import HistogramObserver, MinMaxObserver, default_per_channel_weight_observer
    qmap = get_default_qconfig_mapping(engine)
    if kind == "minmax":
        minmax = QConfig(activation=MinMaxObserver.with_args(dtype=torch.quint8, reduce_range=False),
                         weight=default_per_channel_weight_observer)
        qmap.set_global(minmax)
        for key, qc in list(qmap.object_type_qconfigs.items()):
            # qc.activation is an observer factory (a with_args wrapper): build one to see its class.
            if qc is not None and isinstance(qc.activation(), HistogramObserver):
                qmap.set_object_type(key, minmax)
    # Softmax stays float (see the module docstring).
    qmap.set_object_type(torch.nn.Softmax, None)
    return qmap


def backend_config_for(engine):
    from torch.ao.quantization import backend_config as bc
    if engine == "qnnpack":
        return bc.get_qnnpack_backend_config()
    if engine == "onednn" and hasattr(bc, "get_onednn_backend_config"):
        return bc.get_onednn_backend_config()
    return bc.get_native_backend_config()


def ptq(model_fp32, kind, engine, calib, reference=False):
    """prepare_fx -> one forward per calibration sample -> convert_fx (or convert_to_reference_fx: float ops
    between quantize/dequantize pairs, i.e. the exact int8 semantics simulated in float, like a QDQ model).
    Returns (model, seconds)."""
    import torch
    from torch.ao.quantization.quantize_fx import convert_fx, convert_to_reference_fx, prepare_fx
    torch.backends.quantized.engine = engine
    bcfg = backend_config_for(engine)
    t0 = time.perf_counter()
    prepared = prepare_fx(copy.deepcopy(model_fp32).eval(), qconfig_mapping(kind, engine),
                          example_inputs=(calib[:1],), backend_config=bcfg)
    with torch.no_grad():
        for i in range(len(calib)):
            prepared(calib[i:i + 1])
    q = (convert_to_reference_fx if reference else convert_fx)(prepared, backend_config=bcfg).eval()
    return q, time.perf_counter() - t0


def cosine(a, b):
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    n = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / n) if n > 0 else 0.0


def proc_status_mb(key):
    """VmRSS / VmHWM of this process in MB from /proc/self/status (None when unavailable)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def reset_peak_rss():
    """Resets VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs). Returns whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def run_child(args):
    """One (model, qconfig): build, quantize, evaluate; prints one JSON line."""
    import torch
    torch.set_num_threads(args.threads)  # before any model is built (oneDNN kernels dislike a later change)
    import torchvision  # noqa: F401  (import cost stays out of the timed span)
    model, kind = args.child
    engine = args.engine
    if engine not in torch.backends.quantized.supported_engines:
        engine = "qnnpack"
    rec = {"tool": "torch fx ptq", "model": model, "qconfig": kind, "threads": args.threads,
           "torch": torch.__version__}
    if model == "mnist":
        images, labels = load_mnist(args.shared)
        fp32 = build_mnist(args.shared)
        calib = torch.from_numpy(images[:MNIST_CALIB])
    else:
        names, paths = squeezenet_images(args.shared)
        data = np.concatenate([squeezenet_input(p) for p in paths])
        fp32 = build_squeezenet(args.shared)
        calib = torch.from_numpy(data[:SQUEEZENET_CALIB])
    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    hwm_reset = reset_peak_rss()
    rss_start_mb = proc_status_mb("VmRSS")
    walls, cpus = [], []
    for _ in range(max(1, args.repeat)):  # the PTQ result is deterministic; repeats only steady the timing
        ru0 = resource.getrusage(resource.RUSAGE_SELF)
        try:
            q, seconds = ptq(fp32, kind, engine, calib)
        except RuntimeError as e:  # e.g. an engine without a kernel: retry on qnnpack
            if engine == "qnnpack":
                raise
            print(f"{engine} failed ({e}); retrying on qnnpack", file=sys.stderr)
            engine = "qnnpack"
            ru0 = resource.getrusage(resource.RUSAGE_SELF)
            q, seconds = ptq(fp32, kind, engine, calib)
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        walls.append(seconds)
        cpus.append((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime))
    ptq_peak_mb = proc_status_mb("VmHWM") if hwm_reset else None
    rec["engine"] = engine
    # Wall seconds of prepare + calibration + convert: min and median over --repeat runs.
    rec["ptq_s"] = round(min(walls), 3)
    rec["ptq_s_median"] = round(float(np.median(walls)), 3)
    # CPU seconds of all threads over the same span (min over the runs): a busy machine
    # inflates wall time more than CPU time (OpenMP spin-waits still count, though).
    rec["ptq_cpu_s"] = round(min(cpus), 3)
    rec["repeat"] = len(walls)
    rec["calib_samples"] = len(calib)
    # Same calibration, reference conversion (untimed): separates quantization error from kernel arithmetic.
    qref, _ = ptq(fp32, kind, engine, calib, reference=True)
    t0 = time.perf_counter()
    with torch.no_grad():
        if model == "mnist":
            x = torch.from_numpy(images[MNIST_CALIB:])
            y = labels[MNIST_CALIB:]
            pf = np.concatenate([fp32(x[i:i + 500]).argmax(1).numpy() for i in range(0, len(x), 500)])
            pq = np.concatenate([q(x[i:i + 500]).argmax(1).numpy() for i in range(0, len(x), 500)])
            pr = np.concatenate([qref(x[i:i + 500]).argmax(1).numpy() for i in range(0, len(x), 500)])
            rec["eval"] = f"digits {MNIST_CALIB}..{len(images) - 1}"
            rec["float_top1"] = round(100.0 * float((pf == y).mean()), 3)
            rec["int8_top1"] = round(100.0 * float((pq == y).mean()), 3)
            rec["int8_correct"] = int((pq == y).sum())
            rec["eval_count"] = int(len(y))
            rec["top1_agree_float"] = round(100.0 * float((pq == pf).mean()), 3)
            rec["int8_reference_top1"] = round(100.0 * float((pr == y).mean()), 3)
        else:
            synset = open(os.path.join(args.shared, "models", "squeezenet1.1", "synset.txt")).read().splitlines()
            per = []
            for k in range(SQUEEZENET_CALIB, len(names)):
                x = torch.from_numpy(data[k:k + 1])
                f = fp32(x).numpy().ravel()
                i8 = q(x).numpy().ravel()
                r8 = qref(x).numpy().ravel()
                per.append({"image": names[k], "cosine": round(cosine(f, i8), 6),
                            "float_top1": synset[int(f.argmax())], "int8_top1": synset[int(i8.argmax())],
                            "float_p": round(float(f.max()), 4), "int8_p_of_float_top1": round(float(i8[f.argmax()]), 4),
                            "top1_agree": bool(f.argmax() == i8.argmax()),
                            "reference_cosine": round(cosine(f, r8), 6),
                            "reference_top1_agree": bool(f.argmax() == r8.argmax())})
            rec["calib_images"] = names[:SQUEEZENET_CALIB]
            rec["per_image"] = per
            rec["cosine_min"] = min(p["cosine"] for p in per)
            rec["cosine_mean"] = round(float(np.mean([p["cosine"] for p in per])), 6)
            rec["top1_agree"] = f"{sum(p['top1_agree'] for p in per)}/{len(per)}"
            rec["reference_cosine_min"] = min(p["reference_cosine"] for p in per)
            rec["reference_cosine_mean"] = round(float(np.mean([p["reference_cosine"] for p in per])), 6)
            rec["reference_top1_agree"] = f"{sum(p['reference_top1_agree'] for p in per)}/{len(per)}"
    rec["eval_s"] = round(time.perf_counter() - t0, 3)
    # rss_at_ptq_start_mb: resident size when prepare_fx starts (torch, model and data loaded);
    # ptq_peak_rss_mb: peak resident size during prepare + calibration + convert (VmHWM after resetting it);
    # peak_rss_mb: peak of the whole child process (getrusage, includes data loading and evaluation).
    rec["rss_at_ptq_start_mb"] = round(rss_start_mb, 1) if rss_start_mb else None
    rec["ptq_peak_rss_mb"] = round(ptq_peak_mb, 1) if ptq_peak_mb else None
    rec["peak_rss_mb"] = round(max(rss_before_mb, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0), 1)
    print(json.dumps(rec), flush=True)


# ------------------------------------------------------------------------------- float check vs ONNX
def npukit_infer(npukit, model_file, x, tmp, extra=()):
    """Float reference interpreter of npukit on x (an array, or an image path with `extra` preprocessing flags)."""
    out = os.path.join(tmp, "out")
    if isinstance(x, str):
        inp = x
    else:
        inp = os.path.join(tmp, "x.npy")
        np.save(inp, x)
    subprocess.run([npukit, "exec", "infer", "--model_file", model_file, "--input_file", inp, "--output_dir", out,
                    *extra], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    outs = sorted(f for f in os.listdir(out) if f.endswith(".npy"))
    assert len(outs) == 1, outs
    y = np.load(os.path.join(out, outs[0]))
    for f in outs:
        os.remove(os.path.join(out, f))
    return y


def float_check(args):
    """Max |torch float - ONNX| on the reference sets and (with the npukit CLI) on real inputs."""
    import torch
    torch.set_num_threads(args.threads)
    res = {}
    use_cli = not args.no_onnx_check and os.access(args.npukit, os.X_OK)
    with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
        for model in args.models:
            entry = {}
            if model == "mnist":
                net, mdir = build_mnist(args.shared), os.path.join(args.shared, "models", "mnist-8")
                sets = [f"test_data_set_{i}" for i in range(3)]
            else:
                net, mdir = build_squeezenet(args.shared), os.path.join(args.shared, "models", "squeezenet1.1")
                sets = ["test_data_set_0"]
            for s in sets:
                x = read_pb(os.path.join(mdir, s, "input_0.pb"))
                want = read_pb(os.path.join(mdir, s, "output_0.pb"))
                got = net(torch.from_numpy(x.copy())).numpy()
                entry[f"{s}.pb max_abs_diff"] = float(np.abs(got.reshape(want.shape) - want).max())
                entry[f"{s}.pb ref_max_abs"] = float(np.abs(want).max())
            if use_cli:
                if model == "mnist":
                    images, _ = load_mnist(args.shared)
                    real = {f"digit {k}": images[k:k + 1] for k in (0, 1, 2, 150, 9999)}
                else:
                    names, paths = squeezenet_images(args.shared)
                    real = {names[k]: squeezenet_input(paths[k]) for k in (0, 20, 21, 22, 23)}
                diffs, loader = {}, {}
                try:
                    for label, x in real.items():
                        ref = npukit_infer(args.npukit, os.path.join(mdir, "model.onnx"), x, tmp)
                        got = net(torch.from_numpy(x)).numpy()
                        diffs[label] = float(np.abs(got.reshape(ref.shape) - ref).max())
                        if model == "squeezenet":
                            diffs[label + " top1_same"] = bool(got.argmax() == ref.argmax())
                            # npukit's own image loader (stb_image decode + direct bilinear resize) on the file vs
                            # this script's preprocessing (PIL decode + the same resize), both through float models.
                            ref_img = npukit_infer(args.npukit, os.path.join(mdir, "model.onnx"),
                                                   os.path.join(args.shared, "images", label), tmp,
                                                   ("--image_channel_order", "bgr", "--mean", "104,117,123"))
                            loader[label] = {"cosine": round(cosine(got, ref_img), 6),
                                             "max_abs_diff": float(np.abs(got.reshape(ref_img.shape) - ref_img).max()),
                                             "top1_same": bool(got.argmax() == ref_img.argmax())}
                except (OSError, subprocess.CalledProcessError) as e:
                    diffs["error"] = f"npukit CLI failed: {e}"
                entry["npukit exec infer (float interpreter) max_abs_diff"] = diffs
                if loader:
                    entry["npukit image loader vs this preprocessing (float outputs)"] = loader
            else:
                entry["npukit exec infer"] = f"skipped ({args.npukit} not executable or --no-onnx-check)"
            res[model] = entry
            print(json.dumps({"float_check": model, **entry}), flush=True)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--qconfigs", default=",".join(QCONFIGS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engine", default="onednn", choices=("onednn", "qnnpack"))
    ap.add_argument("--repeat", type=int, default=3, help="PTQ runs per configuration for the timing (min/median)")
    ap.add_argument("--shared", default=os.environ.get("NPUKIT_SHARED_DIR", os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--npukit", default=os.path.join(ROOT, "build", "src", "npukit"))
    ap.add_argument("--no-onnx-check", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "torch_ptq_models.json"))
    ap.add_argument("--child", nargs=2, metavar=("MODEL", "QCONFIG"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    args.shared = os.path.abspath(args.shared)
    if args.child:
        run_child(args)
        return
    args.models = [m for m in args.models.split(",") if m]
    kinds = [k for k in args.qconfigs.split(",") if k]
    for m in args.models:
        if m not in MODELS:
            ap.error(f"unknown model {m} (choose from {MODELS})")
    for k in kinds:
        if k not in QCONFIGS:
            ap.error(f"unknown qconfig {k} (choose from {QCONFIGS})")

    checks = float_check(args)
    runs = []
    for m in args.models:
        for k in kinds:
            cmd = [sys.executable, os.path.abspath(__file__), "--child", m, k, "--threads", str(args.threads),
                   "--engine", args.engine, "--shared", args.shared, "--repeat", str(args.repeat)]
            p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
            if p.returncode != 0:
                sys.exit(f"child {m} {k} failed with exit code {p.returncode}")
            line = p.stdout.strip().splitlines()[-1]
            print(line, flush=True)
            runs.append(json.loads(line))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "float_vs_onnx": checks,
                   "runs": runs}, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
