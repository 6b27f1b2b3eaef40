# SPDX-License-Identifier: Apache-2.0
"""npukit from Python: a thin front over the C++ toolchain (the same library calls as the CLI).

Functions: check_model, compile_model, perf_model, hbm_perf, visualize_model; class Runtime (the int8 CPU
runtime); class Toolkit (an RKNN-style object API over the same calls). See docs/PYTHON.md.

Errors from the C++ side are raised as ValueError (bad arguments, shapes, dtypes), FileNotFoundError (missing
files) or RuntimeError (everything else), with npukit's message.
"""

import json
import os
import shutil
import tempfile

import numpy as np

from . import _npukit

__version__ = _npukit.__version__
__all__ = [
    "check_model",
    "compile_model",
    "perf_model",
    "hbm_perf",
    "visualize_model",
    "Runtime",
    "Toolkit",
    "set_progress",
    "set_log",
]

_OPT_LEVELS = ("O0", "O1", "O2", "O3")


def set_progress(on):
    """Progress bars on stderr for long steps (compile, calibration). On by default."""
    _npukit.set_progress(bool(on))


def set_log(level="info", file=""):
    """Console log level ('debug', 'info', 'warn', 'error', 'off') and an optional log file."""
    _npukit.set_log(level, os.fspath(file) if file else "")


def _shape_list(input_shapes):
    """{'name': (1, 3, 224, 224) or '1x3x224x224'} -> [('name', '1x3x224x224'), ...]."""
    if not input_shapes:
        return []
    if not isinstance(input_shapes, dict):
        raise ValueError("input_shapes must be a dict {input name: shape}")
    out = []
    for name, shape in input_shapes.items():
        if isinstance(shape, str):
            text = shape
        else:
            text = "x".join(str(int(d)) for d in shape)
        out.append((str(name), text))
    return out


def _model_and_proto(model):
    """A model path, or a (caffemodel, prototxt) pair."""
    if isinstance(model, (tuple, list)):
        if len(model) != 2:
            raise ValueError("a Caffe model is given as (caffemodel, prototxt)")
        return os.fspath(model[0]), os.fspath(model[1])
    return os.fspath(model), ""


def check_model(model, march, input_shapes=None):
    """Would `model` run on the NPU of `march`? Returns a dict: march, supported, nodes, npu_nodes, placement
    (one dict per integer-graph node: node, op, target 'NPU'/'CPU', reason) and segments."""
    path, proto = _model_and_proto(model)
    return _npukit.check_model(path, proto, str(march), _shape_list(input_shapes))


def _write_calibration(calibration_data, folder):
    """Writes an iterable of samples (one numpy array per sample for single-input models, or a list / tuple of
    arrays, one per input) as .npy files, one folder per input. Returns the folders."""
    dirs = []
    count = 0
    for k, sample in enumerate(calibration_data):
        arrays = list(sample) if isinstance(sample, (list, tuple)) else [sample]
        if not dirs:
            for i in range(len(arrays)):
                d = os.path.join(folder, "input_%d" % i)
                os.makedirs(d, exist_ok=True)
                dirs.append(d)
        if len(arrays) != len(dirs):
            raise ValueError(
                "calibration sample %d has %d array(s), the first had %d" % (k, len(arrays), len(dirs))
            )
        for i, a in enumerate(arrays):
            np.save(os.path.join(dirs[i], "%06d.npy" % k), np.ascontiguousarray(np.asarray(a)))
        count += 1
    if count == 0:
        raise ValueError("calibration_data is empty")
    return dirs


def _calibration_dirs(calibration_data, tmp):
    if isinstance(calibration_data, (str, os.PathLike)):
        return [os.path.abspath(os.fspath(calibration_data))]
    if (
        isinstance(calibration_data, (list, tuple))
        and calibration_data
        and all(isinstance(d, (str, os.PathLike)) for d in calibration_data)
    ):
        return [os.path.abspath(os.fspath(d)) for d in calibration_data]
    return _write_calibration(calibration_data, tmp)


def _per_input(values, n):
    if values is None:
        return [None] * n
    values = list(values)
    if values and not isinstance(values[0], (list, tuple, type(None))):
        values = [values]  # one input given as a flat list
    if len(values) != n:
        raise ValueError("expected %d per-input value list(s), got %d" % (n, len(values)))
    return values


def _norm_yaml(mean_values, std_values, layout):
    """input_parameters lines for (x - mean) / std per input (norm_type / mean_value / scale_value)."""
    n = len(mean_values if mean_values is not None else std_values)
    if mean_values is not None and not isinstance(list(mean_values)[0], (list, tuple, type(None))):
        n = 1
    if std_values is not None and not isinstance(list(std_values)[0], (list, tuple, type(None))):
        n = 1
    means, stds = _per_input(mean_values, n), _per_input(std_values, n)
    norm, mv, sv = [], [], []
    for m, s in zip(means, stds):
        if s is not None and any(float(v) == 0 for v in s):
            raise ValueError("std_values must not be 0")
        norm.append(
            {(True, True): "data_mean_and_scale", (True, False): "data_mean", (False, True): "data_scale"}.get(
                (m is not None, s is not None), "no_preprocess"
            )
        )
        mv.append("None" if m is None else " ".join(repr(float(v)) for v in m))
        sv.append("None" if s is None else " ".join(repr(1.0 / float(v)) for v in s))
    if layout not in ("NCHW", "NHWC"):
        raise ValueError("input_layout must be 'NCHW' or 'NHWC', got %r" % (layout,))
    return [
        "  input_layout_train: " + _yaml(";".join([layout] * n)),
        "  norm_type: " + _yaml(";".join(norm)),
        "  mean_value: " + _yaml(";".join(mv)),
        "  scale_value: " + _yaml(";".join(sv)),
    ]


def _yaml(value):
    """A YAML scalar / flow value (JSON is valid YAML)."""
    return json.dumps(value)


def compile_model(
    model=None,
    config_yaml=None,
    march=None,
    output_dir="model_output",
    calibration_data=None,
    opt="O2",
    input_shapes=None,
    input_source=None,
    calibration_type=None,
    output_prefix=None,
    fast_perf=False,
    similarity_samples=0,
    mean_values=None,
    std_values=None,
    input_layout="NCHW",
):
    """Compiles a model to a .npk (plus the quantized ONNX, performance report, ...). Returns a dict: files
    (npk, quantized_model, perf_json, perf_html, ...), calibration, num_calibration_samples, summaries, seconds.

    Either `config_yaml` (an hb_compile-style YAML, docs/CONFIG.md; every other setting comes from it), or
    `model` + `march`:
      calibration_data: an iterable of samples (numpy arrays; a list / tuple of arrays per sample for several
        inputs), a folder, or a list of folders (one per input). None: random data (calibration 'skip').
      opt: optimize_level 'O0'..'O3'. input_shapes: {name: shape}. input_source: {name: 'ddr'|'pyramid'|
      'resizer'}. calibration_type: 'default', 'max', 'kl', 'mse', 'mix' (default: 'default' with data).
      mean_values / std_values: per input, one value or one per channel (None for an input without); the
        normalisation (x - mean) / std is folded into the model's head, so the compiled model and the
        calibration data take the raw values. input_layout: 'NCHW' or 'NHWC' (where the channel axis is).
      fast_perf=True: exactly the CLI's `npukit compile --fast-perf` (random data, O3; ignores opt and data).
    """
    if config_yaml is not None:
        if model is not None or march is not None or calibration_data is not None or input_shapes:
            raise ValueError(
                "with config_yaml, set the model, march, shapes and calibration data in the YAML"
            )
        return _npukit.compile_config_file(os.fspath(config_yaml), int(similarity_samples))
    if model is None or march is None:
        raise ValueError("give config_yaml, or model and march")
    path, proto = _model_and_proto(model)
    output_dir = os.path.abspath(os.fspath(output_dir))
    if fast_perf:
        return _npukit.compile_fast_perf(
            path, proto, str(march), output_dir, _shape_list(input_shapes), int(similarity_samples)
        )
    if opt not in _OPT_LEVELS:
        raise ValueError("opt must be one of %s, got %r" % (", ".join(_OPT_LEVELS), opt))
    path = os.path.abspath(path)
    prefix = output_prefix or os.path.splitext(os.path.basename(path))[0]
    y = ["model_parameters:"]
    if proto:
        y += ["  caffe_model: " + _yaml(path), "  prototxt: " + _yaml(os.path.abspath(proto))]
    else:
        y.append("  onnx_model: " + _yaml(path))
    y += [
        "  march: " + _yaml(str(march)),
        "  working_dir: " + _yaml(output_dir),
        "  output_model_file_prefix: " + _yaml(prefix),
        "input_parameters:",
    ]
    shapes = _shape_list(input_shapes)
    if shapes:
        y.append("  input_name: " + _yaml(";".join(n for n, _ in shapes)))
        y.append("  input_shape: " + _yaml(";".join(s for _, s in shapes)))
    if mean_values is not None or std_values is not None:
        y += _norm_yaml(mean_values, std_values, input_layout)
    tmp = tempfile.mkdtemp(prefix="npukit_cal_")
    try:
        y.append("calibration_parameters:")
        if calibration_data is None:
            y.append("  calibration_type: " + _yaml(calibration_type or "skip"))
        else:
            y.append("  cal_data_dir: " + _yaml(_calibration_dirs(calibration_data, tmp)))
            if calibration_type:
                y.append("  calibration_type: " + _yaml(calibration_type))
        y += ["compiler_parameters:", "  optimize_level: " + _yaml(opt)]
        if input_source:
            y.append("  input_source: " + _yaml({str(k): str(v) for k, v in input_source.items()}))
        text = "\n".join(y) + "\n"
        return _npukit.compile_config_text(text, "compile_model()", output_dir, int(similarity_samples))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _perf(npk, output_dir, layer_details):
    npk = os.fspath(npk)
    output_dir = os.fspath(output_dir)
    if not os.path.isdir(output_dir):
        os.makedirs(output_dir, exist_ok=True)
    text, html = _npukit.perf_report(npk, output_dir)
    report = json.loads(text)
    if not layer_details:
        report.pop("layers", None)
    report["html"] = html
    return report


def perf_model(model_or_npk, output_dir=None, layer_details=True, march=None, input_shapes=None):
    """Static performance estimate (as `npukit perf`): writes <stem>.json and <stem>.html into output_dir
    (default: the .npk's folder) and returns the JSON report as a dict (plus 'html': the page's path).
    layer_details=False drops the per-layer table from the returned dict (the files keep it).
    A float model (.onnx) is first compiled as `compile_model(..., fast_perf=True)` into output_dir, for which
    `march` is required."""
    path = os.fspath(model_or_npk[0] if isinstance(model_or_npk, (tuple, list)) else model_or_npk)
    if not path.lower().endswith(".npk"):
        if march is None:
            raise ValueError("perf_model of a float model needs march=")
        out = output_dir or "model_output"
        r = compile_model(model_or_npk, march=march, output_dir=out, input_shapes=input_shapes, fast_perf=True)
        path = r["files"]["npk"]
    if output_dir is None:
        output_dir = os.path.dirname(os.path.abspath(path))
    return _perf(path, output_dir, layer_details)


def hbm_perf(npk, output_dir=None):
    """The hbm_perf form of perf_model: a compiled .npk, report files into output_dir (default: the current
    folder, as `npukit perf`). Returns the report dict."""
    return _perf(npk, "." if output_dir is None else output_dir, True)


def visualize_model(model, save_path, march="nash-e", input_shapes=None, format=None, integer=False):
    """Draws the graph (SVG, or Graphviz DOT when save_path ends in .dot or format='dot'), nodes coloured by
    where they run. A .npk is drawn as compiled; a float model is placed for `march`. Returns save_path."""
    path, proto = _model_and_proto(model)
    save_path = os.fspath(save_path)
    if format is None:
        format = "dot" if save_path.lower().endswith(".dot") else "svg"
    return _npukit.visualize_model(path, save_path, str(march), proto, format, bool(integer), _shape_list(input_shapes))


class Runtime:
    """The int8 CPU runtime on a compiled .npk (or a quantized QDQ ONNX).

    inference(inputs, data_format) runs one frame; eval_perf() measures latency / FPS on `thread_num` threads
    with a per-layer table; eval_memory() is the runtime's planned memory; model_info() describes the model.
    intra_op_threads > 1 splits each operator of an inference over that many threads (lower latency)."""

    def __init__(self, npk, thread_num=1, input_shapes=None, intra_op_threads=1):
        self._rt = _npukit.Runtime(os.fspath(npk), int(thread_num), _shape_list(input_shapes), int(intra_op_threads))
        self._specs = self._rt.input_specs()
        layouts = {d["name"]: d["layout"] for d in self._rt.model_info()["inputs"]}
        for spec in self._specs:
            spec["layout"] = "NHWC" if layouts.get(spec["name"]) == "NHWC" else "NCHW"

    @property
    def inputs(self):
        """[{'name', 'dtype', 'shape', 'layout'}] of the runtime inputs, in order ('layout': how 4-D inputs are
        laid out, 'NCHW' or 'NHWC')."""
        return [dict(s) for s in self._specs]

    def _prepare(self, inputs, data_format):
        if data_format not in ("nchw", "nhwc"):
            raise ValueError("data_format must be 'nchw' or 'nhwc', got %r" % (data_format,))
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        inputs = list(inputs)
        if len(inputs) != len(self._specs):
            raise ValueError("model has %d input(s), got %d" % (len(self._specs), len(inputs)))
        out = []
        for i, (a, spec) in enumerate(zip(inputs, self._specs)):
            a = np.asarray(a)
            want = np.dtype(spec["dtype"])
            shape = tuple(spec["shape"])
            if a.ndim == 4 and len(shape) == 4 and data_format.upper() != spec["layout"]:
                a = a.transpose(0, 3, 1, 2) if data_format == "nhwc" else a.transpose(0, 2, 3, 1)
            if a.dtype != want:
                same_kind = a.dtype.kind == want.kind == "f"
                if not same_kind:
                    raise ValueError(
                        "input %d (%r): expected dtype %s, got %s"
                        % (i, spec["name"], want.name, a.dtype.name)
                    )
                a = a.astype(want)
            if a.shape != shape:
                raise ValueError(
                    "input %d (%r): expected shape %s (%s), got %s"
                    % (i, spec["name"], list(shape), spec["layout"], list(a.shape))
                )
            out.append(np.ascontiguousarray(a))
        return out

    def inference(self, inputs, data_format="nchw"):
        """Runs one inference. inputs: a list of numpy arrays in the model's input order (float32 / int8 /
        uint8 as the model's inputs; float arrays of another width are converted). data_format: how the given
        4-D arrays are laid out ('nchw' or 'nhwc'); they are transposed to the model's layout when it differs. Returns the outputs as numpy arrays (no copy)."""
        return self._rt.inference(self._prepare(inputs, data_format))

    def eval_perf(self, frame_count=200, warmup=3, inputs=None, data_format="nchw"):
        """Latency (ms: avg/min/max/p50/p90/p99), FPS over thread_num threads and the per-layer table
        ('layers': name, op, kernel, target, avg_us). inputs: as inference(); default random data."""
        prepared = None if inputs is None else self._prepare(inputs, data_format)
        return self._rt.eval_perf(int(frame_count), int(warmup), prepared)

    def eval_memory(self):
        """The runtime's memory: weights, prepacked weights, op tables, activation arena, I/O, per segment."""
        return self._rt.eval_memory()

    def model_info(self):
        """Model name, march, inputs / outputs (name, dtype, shape, layout, source), segments, options."""
        info = self._rt.model_info()
        for key in ("compile_options", "preprocess"):
            text = info.pop(key + "_json", "")
            try:
                info[key] = json.loads(text) if text else {}
            except ValueError:
                info[key] = text
        return info

    def release(self):
        """Frees the prepared model; the object cannot run afterwards."""
        self._rt.release()


from .toolkit import Toolkit  # noqa: E402  (uses the functions above)
