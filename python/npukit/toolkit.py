# SPDX-License-Identifier: Apache-2.0
"""An object API in the RKNN-Toolkit style over npukit's functions (docs/PYTHON.md):

    tk = Toolkit()
    tk.config(mean_values=[[0.5]], std_values=[[0.25]], target_platform="nash-e")
    tk.load_onnx("model.onnx")
    tk.build(do_quantization=True, dataset=samples)   # iterable of arrays, folder(s), or a .txt of .npy paths
    tk.export("model.npk")
    tk.init_runtime(perf_debug=True, eval_mem=True)
    outputs = tk.inference(inputs=[x])
    tk.eval_perf(); tk.eval_memory(); tk.release()

Each step is a thin call into the same C++ as the functions of the package. Steps return 0 like RKNN's (errors
raise exceptions); eval_perf / eval_memory return dicts.
"""

import os
import shutil
import tempfile

import numpy as np

from . import Runtime, _npukit, compile_model


_IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


def _flip_channels(a, layout):
    """RGB <-> BGR of one sample array: the channel axis is 1 (NCHW, 4-D), the last (NHWC) or 0 (CHW, 3-D)."""
    a = np.asarray(a)
    if a.ndim == 4:
        axis = 1 if layout == "NCHW" else 3
    elif a.ndim == 3:
        axis = 0 if layout == "NCHW" else 2
    else:
        raise ValueError("quant_img_RGB2BGR needs image samples (3-D or 4-D arrays), got shape %s" % (a.shape,))
    if a.shape[axis] != 3:
        raise ValueError("quant_img_RGB2BGR needs 3 channels on the %s channel axis, got shape %s" % (layout, a.shape))
    return np.ascontiguousarray(np.flip(a, axis=axis))


def _load_file(path, shape, layout, rgb2bgr):
    """One input of one sample: a .npy array, or an image resized to the input's H x W (raw 0..255 values)."""
    if path.lower().endswith(".npy"):
        a = np.load(path)
        return _flip_channels(a, layout) if rgb2bgr else a
    if path.lower().endswith(_IMAGE_EXTS):
        if shape is None or len(shape) != 4 or any(d <= 0 for d in shape):
            raise ValueError("image %s: the input needs a static 4-D shape (give load_onnx(inputs=, "
                             "input_size_list=))" % path)
        c, h, w = (shape[1], shape[2], shape[3]) if layout == "NCHW" else (shape[3], shape[1], shape[2])
        if c not in (1, 3):
            raise ValueError("image %s: the input has %d channels (images give 1 or 3)" % (path, c))
        if c == 1 and rgb2bgr:
            raise ValueError("quant_img_RGB2BGR needs 3 channels; the input has 1")
        order = "gray" if c == 1 else ("bgr" if rgb2bgr else "rgb")
        return _npukit.load_image(path, int(h), int(w), order, layout.lower())
    raise ValueError("dataset: %s is neither a .npy file nor an image (%s)" % (path, ", ".join(_IMAGE_EXTS)))


def _read_dataset_txt(path, shapes, layout, rgb2bgr):
    """RKNN's dataset file: one sample per line, the input files of the sample (.npy or images, resolved
    against the file's folder) separated by spaces."""
    base = os.path.dirname(os.path.abspath(path))
    samples = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if len(parts) != len(shapes):
                raise ValueError("dataset %s: %d file(s) on a line for a model with %d input(s): %s"
                                 % (path, len(parts), len(shapes), line.strip()))
            arrays = [_load_file(os.path.join(base, p), s, layout, rgb2bgr) for p, s in zip(parts, shapes)]
            samples.append(arrays if len(arrays) > 1 else arrays[0])
    if not samples:
        raise ValueError("dataset %s lists no samples" % path)
    return samples


def _read_folder(folder, shape, layout, rgb2bgr):
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith((".npy",) + _IMAGE_EXTS))
    if not files:
        raise ValueError("dataset folder %s has no .npy or image files" % folder)
    return [_load_file(os.path.join(folder, f), shape, layout, rgb2bgr) for f in files]


class Toolkit:
    def __init__(self, verbose=False):
        self._cfg = {"target_platform": "nash-e", "mean_values": None, "std_values": None, "opt": "O2",
                     "rgb2bgr": False}
        self._model = None
        self._build = None
        self._work = None
        self._runtime = None
        self._perf_debug = False

    def config(
        self,
        mean_values=None,
        std_values=None,
        quant_img_RGB2BGR=False,
        target_platform=None,
        optimization_level=None,
        input_layout="NCHW",
    ):
        """mean_values / std_values: per input, one value per channel (folded into the model's head, so the
        model takes raw values). quant_img_RGB2BGR: the dataset's images / arrays are RGB and the model was
        trained on BGR: their channels are swapped for quantization only (inference inputs are given in the
        model's order). target_platform: an npukit march (e.g. 'nash-e', 'rk3588'). optimization_level: 0..3
        (O0..O3; default O2)."""
        if input_layout not in ("NCHW", "NHWC"):
            raise ValueError("input_layout must be 'NCHW' or 'NHWC', got %r" % (input_layout,))
        self._cfg["rgb2bgr"] = bool(quant_img_RGB2BGR)
        self._cfg["mean_values"] = mean_values
        self._cfg["std_values"] = std_values
        self._cfg["input_layout"] = input_layout
        if target_platform is not None:
            self._cfg["target_platform"] = str(target_platform)
        if optimization_level is not None:
            if int(optimization_level) not in (0, 1, 2, 3):
                raise ValueError("optimization_level must be 0..3, got %r" % (optimization_level,))
            self._cfg["opt"] = "O%d" % int(optimization_level)
        return 0

    def load_onnx(self, model, input_size_list=None, inputs=None):
        """The float ONNX model; inputs + input_size_list fix input shapes (as RKNN's load_onnx)."""
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise FileNotFoundError("model file '%s' not found" % path)
        self._model = path
        self._shapes = None
        if inputs is not None or input_size_list is not None:
            if inputs is None or input_size_list is None or len(inputs) != len(input_size_list):
                raise ValueError("give inputs and input_size_list together, one shape per input")
            self._shapes = {n: tuple(s) for n, s in zip(inputs, input_size_list)}
        return 0

    def build(self, do_quantization=True, dataset=None, output_dir=None):
        """Quantizes and compiles. dataset: an iterable of samples (numpy arrays), a folder, a list of folders,
        or a .txt file of .npy paths (one sample per line). do_quantization=False or no dataset: random
        calibration data (a performance build)."""
        if self._model is None:
            raise RuntimeError("build() needs load_onnx() first")
        c = self._cfg
        layout = c.get("input_layout", "NCHW")
        if isinstance(dataset, (str, os.PathLike)) and os.fspath(dataset).lower().endswith(".txt"):
            dataset = _read_dataset_txt(os.fspath(dataset), self._input_shapes(), layout, c["rgb2bgr"])
        elif isinstance(dataset, (str, os.PathLike)) and (c["rgb2bgr"] or self._has_images(dataset)):
            dataset = _read_folder(os.fspath(dataset), self._input_shapes()[0], layout, c["rgb2bgr"])
        elif dataset is not None and c["rgb2bgr"]:
            dataset = [
                [_flip_channels(a, layout) for a in s] if isinstance(s, (list, tuple)) else _flip_channels(s, layout)
                for s in dataset
            ]
        if not do_quantization:
            dataset = None
        if output_dir is None:
            self._work = tempfile.mkdtemp(prefix="npukit_toolkit_")
            output_dir = self._work
        self._build = compile_model(
            self._model,
            march=c["target_platform"],
            output_dir=output_dir,
            calibration_data=dataset,
            opt=c["opt"],
            input_shapes=self._shapes,
            mean_values=c["mean_values"],
            std_values=c["std_values"],
            input_layout=c.get("input_layout", "NCHW"),
        )
        return 0

    def _input_shapes(self):
        """Input shapes in model order: load_onnx's, else the model's own."""
        inputs = _npukit.model_inputs(self._model, "")
        if self._shapes:
            return [tuple(self._shapes.get(name, shape)) for name, shape in ((n, s) for n, _, s in inputs)]
        return [tuple(s) for _, _, s in inputs]

    @staticmethod
    def _has_images(folder):
        folder = os.fspath(folder)
        return os.path.isdir(folder) and any(f.lower().endswith(_IMAGE_EXTS) for f in os.listdir(folder))

    @property
    def build_result(self):
        """compile_model's result of the last build()."""
        return self._build

    def export(self, path):
        """Copies the compiled .npk to path."""
        if self._build is None:
            raise RuntimeError("export() needs build() first")
        shutil.copyfile(self._build["files"]["npk"], os.fspath(path))
        return 0

    def init_runtime(self, target=None, perf_debug=False, eval_mem=False, thread_num=1):
        """Prepares the int8 CPU runtime on the built model (target: only None, the host CPU)."""
        if target is not None:
            raise ValueError("only the host CPU runtime exists (target=None), got %r" % (target,))
        if self._build is None:
            raise RuntimeError("init_runtime() needs build() first")
        self._perf_debug = bool(perf_debug)
        self._runtime = Runtime(self._build["files"]["npk"], thread_num=thread_num)
        return 0

    def _rt(self):
        if self._runtime is None:
            raise RuntimeError("call init_runtime() first")
        return self._runtime

    def inference(self, inputs, data_format="nchw"):
        return self._rt().inference(inputs, data_format=data_format)

    def eval_perf(self, frame_count=100, inputs=None):
        r = self._rt().eval_perf(frame_count=frame_count, inputs=inputs)
        if not self._perf_debug:
            r.pop("layers", None)
        return r

    def eval_memory(self):
        return self._rt().eval_memory()

    def release(self):
        if self._runtime is not None:
            self._runtime.release()
            self._runtime = None
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
            self._work = None
        return 0
