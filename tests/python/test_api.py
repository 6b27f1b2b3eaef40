# SPDX-License-Identifier: Apache-2.0
"""Tests of the Python API (python/npukit, src/python): every function on MNIST (../shared/models/mnist-8),
errors as exceptions, numpy dtypes and shapes. Run by ctest as `python_api` (tests/python/run_pytest.sh)."""

import gzip
import json
import os

import numpy as np
import pytest

import npukit
from npukit import _npukit

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.abspath(os.path.join(HERE, "..", "..", "..", "shared"))
MNIST = os.path.join(SHARED, "models", "mnist-8")
MODEL = os.path.join(MNIST, "model.onnx")
MARCH = "nash-e"

pytestmark = pytest.mark.skipif(not os.path.isfile(MODEL), reason="../shared/models/mnist-8 is absent")

npukit.set_progress(False)


def mnist_images(count):
    """The first `count` MNIST test digits as float32 (count, 1, 28, 28), pixel values 0..255 (as mnist-8)."""
    with gzip.open(os.path.join(MNIST, "data", "t10k-images-idx3-ubyte.gz")) as f:
        data = f.read()
    images = np.frombuffer(data, dtype=np.uint8, offset=16)[: count * 784]
    return images.reshape(count, 1, 28, 28).astype(np.float32)


def mnist_labels(count):
    with gzip.open(os.path.join(MNIST, "data", "t10k-labels-idx1-ubyte.gz")) as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=8)[:count]


@pytest.fixture(scope="module")
def fast_npk(tmp_path_factory):
    out = tmp_path_factory.mktemp("fast")
    r = npukit.compile_model(MODEL, march=MARCH, output_dir=str(out), fast_perf=True)
    assert os.path.isfile(r["files"]["npk"])
    return r["files"]["npk"]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """mnist-8 compiled with 20 real digits as calibration data (numpy arrays)."""
    out = tmp_path_factory.mktemp("cal")
    images = mnist_images(20)
    r = npukit.compile_model(
        MODEL, march=MARCH, output_dir=str(out), calibration_data=[img[None] for img in images], opt="O2"
    )
    return r


# ---- check --------------------------------------------------------------------------------------------------------


def test_check_model_places_every_node():
    r = npukit.check_model(MODEL, MARCH)
    assert r["march"] == MARCH
    assert r["nodes"] == len(r["placement"]) > 0
    assert r["npu_nodes"] == sum(p["target"] == "NPU" for p in r["placement"])
    assert r["npu_nodes"] > 0
    assert all(p["target"] in ("NPU", "CPU") for p in r["placement"])
    assert isinstance(r["supported"], bool)
    assert sum(s["nodes"] for s in r["segments"]) == r["nodes"]


def test_check_model_input_shapes_and_errors(tmp_path):
    r = npukit.check_model(MODEL, MARCH, input_shapes={"Input3": (1, 1, 28, 28)})
    assert r["nodes"] > 0
    with pytest.raises(FileNotFoundError, match="no_such_model"):
        npukit.check_model(str(tmp_path / "no_such_model.onnx"), MARCH)
    with pytest.raises((ValueError, RuntimeError), match="not-a-march"):
        npukit.check_model(MODEL, "not-a-march")
    with pytest.raises(ValueError, match="Input3"):
        npukit.check_model(MODEL, MARCH, input_shapes={"Input3": (1, 1, 29, 28)})


# ---- compile ------------------------------------------------------------------------------------------------------


def test_compile_fast_perf_writes_the_npk(fast_npk):
    assert fast_npk.endswith(".npk")
    with open(fast_npk, "rb") as f:
        assert len(f.read()) > 1000


def test_compile_with_numpy_calibration_data(calibrated):
    files = calibrated["files"]
    for key in ("npk", "quantized_model", "perf_json", "perf_html"):
        assert os.path.isfile(files[key]), key
    assert calibrated["num_calibration_samples"] == 20
    assert calibrated["calibration"]
    assert calibrated["seconds"] > 0


def test_compile_from_config_yaml(tmp_path):
    cal = tmp_path / "cal"
    cal.mkdir()
    for i, img in enumerate(mnist_images(4)):
        np.save(cal / ("%02d.npy" % i), img[None])
    yaml = tmp_path / "mnist.yaml"
    yaml.write_text(
        "model_parameters:\n"
        "  onnx_model: '%s'\n"
        "  march: 'nash-e'\n"
        "  working_dir: 'out'\n"
        "  output_model_file_prefix: 'mnist_yaml'\n"
        "input_parameters: {}\n"
        "calibration_parameters:\n"
        "  cal_data_dir: './cal'\n"
        "  calibration_type: 'max'\n"
        "compiler_parameters:\n"
        "  optimize_level: 'O1'\n" % MODEL
    )
    r = npukit.compile_model(config_yaml=str(yaml))
    assert r["num_calibration_samples"] == 4
    assert r["files"]["npk"] == str(tmp_path / "out" / "mnist_yaml.npk")
    assert os.path.isfile(r["files"]["npk"])
    assert "O1" in json.dumps(npukit.Runtime(r["files"]["npk"]).model_info()["compile_options"])


def test_compile_errors(tmp_path):
    with pytest.raises(ValueError, match="config_yaml"):
        npukit.compile_model()
    with pytest.raises(ValueError, match="opt"):
        npukit.compile_model(MODEL, march=MARCH, output_dir=str(tmp_path), opt="O9")
    with pytest.raises(ValueError, match="config_yaml"):
        npukit.compile_model(MODEL, config_yaml="x.yaml")
    with pytest.raises(FileNotFoundError):
        npukit.compile_model(config_yaml=str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "model_parameters:\n  onnx_model: 'm.onnx'\n  marhc: 'nash-e'\ninput_parameters: {}\n"
        "calibration_parameters: {}\ncompiler_parameters: {}\n"
    )
    with pytest.raises(ValueError, match="marhc"):
        npukit.compile_model(config_yaml=str(bad))
    # Calibration samples of the wrong shape: the C++ message comes through.
    with pytest.raises((ValueError, RuntimeError), match="shape"):
        npukit.compile_model(
            MODEL, march=MARCH, output_dir=str(tmp_path / "o"), calibration_data=[np.zeros((1, 1, 5, 5), np.float32)]
        )


# ---- perf / visualize ---------------------------------------------------------------------------------------------


def test_perf_model_returns_the_json_report(fast_npk, tmp_path):
    r = npukit.perf_model(fast_npk, output_dir=str(tmp_path))
    stem = os.path.splitext(os.path.basename(fast_npk))[0]
    with open(tmp_path / (stem + ".json")) as f:
        on_disk = json.load(f)
    assert r["html"] == str(tmp_path / (stem + ".html"))
    assert os.path.getsize(r["html"]) > 1000
    r.pop("html")
    assert r == on_disk
    assert r["summary"]["march"] == MARCH
    assert r["summary"]["fps"] > 0
    assert len(r["layers"]) > 0
    brief = npukit.perf_model(fast_npk, output_dir=str(tmp_path), layer_details=False)
    assert "layers" not in brief and "segments" in brief
    for d in (brief["summary"], r["summary"]):
        d.pop("estimate_seconds")  # wall time of the estimate itself
    assert brief["summary"] == r["summary"]


def test_perf_model_of_a_float_model_and_hbm_perf(tmp_path):
    r = npukit.perf_model(MODEL, output_dir=str(tmp_path), march=MARCH)
    assert r["summary"]["march"] == MARCH
    npk = [p for p in os.listdir(tmp_path) if p.endswith(".npk")]
    assert len(npk) == 1
    h = npukit.hbm_perf(str(tmp_path / npk[0]), output_dir=str(tmp_path / "h"))
    assert h["summary"]["fps"] == r["summary"]["fps"]
    assert os.path.isfile(h["html"])
    with pytest.raises(ValueError, match="march"):
        npukit.perf_model(MODEL, output_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError):
        npukit.hbm_perf(str(tmp_path / "missing.npk"))


def test_visualize_model(fast_npk, tmp_path):
    svg = npukit.visualize_model(MODEL, str(tmp_path / "g.svg"), march=MARCH)
    text = open(svg).read()
    assert "<svg" in text and "Conv" in text
    dot = npukit.visualize_model(fast_npk, str(tmp_path / "g.dot"))
    assert open(dot).read().lstrip().startswith("digraph")
    with pytest.raises(FileNotFoundError, match="no_dir"):
        npukit.visualize_model(MODEL, str(tmp_path / "no_dir" / "g.svg"))


# ---- runtime ------------------------------------------------------------------------------------------------------


def test_runtime_inference_dtypes_shapes_and_accuracy(calibrated):
    rt = npukit.Runtime(calibrated["files"]["npk"])
    info = rt.model_info()
    assert info["march"] == MARCH
    assert [i["name"] for i in info["inputs"]] == [s["name"] for s in rt.inputs]
    spec = rt.inputs[0]
    assert spec["shape"] == [1, 1, 28, 28] and spec["dtype"] == "float32"
    images, labels = mnist_images(50), mnist_labels(50)
    correct = 0
    for img, label in zip(images, labels):
        x = img[None].astype(spec["dtype"])
        outs = rt.inference([x])
        assert isinstance(outs, list) and len(outs) == len(info["outputs"])
        for o, d in zip(outs, info["outputs"]):
            assert isinstance(o, np.ndarray)
            assert o.dtype == np.dtype(d["dtype"])
            assert list(o.shape) == d["shape"]
        correct += int(np.argmax(outs[0].astype(np.float64)) == label)
    # mnist-8 reaches ~98 % in float; the int8 model must stay close on these 50 digits.
    assert correct >= 45


def test_runtime_nhwc_and_determinism(calibrated):
    rt = npukit.Runtime(calibrated["files"]["npk"])
    dtype = rt.inputs[0]["dtype"]
    x = mnist_images(1).astype(dtype)
    a = rt.inference([x])[0]
    b = rt.inference([x.transpose(0, 2, 3, 1).copy()], data_format="nhwc")[0]
    np.testing.assert_array_equal(a, b)
    c = rt.inference(x)[0]  # a single array is accepted for a single-input model
    np.testing.assert_array_equal(a, c)
    other = rt.inference([mnist_images(2)[1:].astype(dtype)])[0]
    assert not np.array_equal(a, other)
    # Operators split over 2 threads: the same outputs.
    rt2 = npukit.Runtime(calibrated["files"]["npk"], intra_op_threads=2)
    np.testing.assert_array_equal(rt2.inference([x])[0], a)
    with pytest.raises(ValueError, match="intra_op_threads"):
        npukit.Runtime(calibrated["files"]["npk"], intra_op_threads=0)


def test_runtime_input_errors(fast_npk, calibrated):
    rt = npukit.Runtime(calibrated["files"]["npk"])
    dtype = np.dtype(rt.inputs[0]["dtype"])
    with pytest.raises(ValueError, match="shape"):
        rt.inference([np.zeros((1, 1, 28, 27), dtype)])
    with pytest.raises(ValueError, match="1 input"):
        rt.inference([np.zeros((1, 1, 28, 28), dtype)] * 2)
    with pytest.raises(ValueError, match="data_format"):
        rt.inference([np.zeros((1, 1, 28, 28), dtype)], data_format="chw")
    wrong = np.int32 if dtype.kind == "f" else np.float32
    with pytest.raises(ValueError, match="dtype"):
        rt.inference([np.zeros((1, 1, 28, 28), wrong)])
    # The C++ side checks too (the message is the C++ Status).
    with pytest.raises(ValueError, match="expected shape"):
        rt._rt.inference([np.zeros((1, 1, 28, 27), dtype)])
    with pytest.raises(ValueError, match="expected dtype"):
        rt._rt.inference([np.zeros((1, 1, 28, 28), wrong)])
    with pytest.raises(FileNotFoundError):
        npukit.Runtime("/nonexistent/model.npk")
    with pytest.raises((ValueError, RuntimeError), match="compile"):
        npukit.Runtime(MODEL)  # a float ONNX must be compiled first
    with pytest.raises(ValueError, match="thread_num"):
        npukit.Runtime(fast_npk, thread_num=0)
    rt.release()
    with pytest.raises(RuntimeError, match="released"):
        rt.inference([np.zeros((1, 1, 28, 28), dtype)])


def test_runtime_fast_perf_model_int_input(fast_npk):
    # --fast-perf removes the float <-> int8 conversions at the model's ends: int8 in, int8 out.
    rt = npukit.Runtime(fast_npk)
    spec = rt.inputs[0]
    assert spec["dtype"] == "int8" and spec["shape"] == [1, 1, 28, 28]
    x = (mnist_images(1) - 128).astype(np.int8)
    outs = rt.inference([x])
    assert [o.dtype for o in outs] == [np.dtype(np.int8)]
    with pytest.raises(ValueError, match="int8"):
        rt.inference([x.astype(np.float32)])
    assert [list(o.shape) for o in outs] == [d["shape"] for d in rt.model_info()["outputs"]]


def test_runtime_eval_perf_and_memory(calibrated):
    rt = npukit.Runtime(calibrated["files"]["npk"], thread_num=2)
    p = rt.eval_perf(frame_count=6, warmup=1)
    assert p["frame_count"] == 6 and p["thread_num"] == 2
    lat = p["latency_ms"]
    assert 0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]
    assert p["fps"] > 0
    assert len(p["layers"]) == rt.model_info()["nodes"] > 0
    assert all(layer["avg_us"] >= 0 for layer in p["layers"])
    x = mnist_images(1).astype(rt.inputs[0]["dtype"])
    assert rt.eval_perf(frame_count=2, inputs=[x])["frame_count"] == 2
    with pytest.raises(ValueError, match="frame_count"):
        rt.eval_perf(frame_count=0)
    m = rt.eval_memory()
    parts = ("weight_bytes", "packed_weight_bytes", "op_workspace_bytes", "arena_bytes", "io_bytes")
    assert m["total_bytes"] == sum(m[k] for k in parts)
    assert m["weight_bytes"] > 0 and m["io_bytes"] > 0
    assert len(m["segments"]) > 0


# ---- RKNN-style object API ----------------------------------------------------------------------------------------


def test_toolkit_flow(tmp_path):
    images = mnist_images(8)
    ds = tmp_path / "ds"
    ds.mkdir()
    lines = []
    for i, img in enumerate(images):
        np.save(ds / ("%d.npy" % i), img[None])
        lines.append("ds/%d.npy" % i)
    (tmp_path / "dataset.txt").write_text("\n".join(lines) + "\n")
    tk = npukit.Toolkit()
    assert tk.config(mean_values=[[0.0]], std_values=[[1.0]], target_platform=MARCH) == 0
    with pytest.raises(RuntimeError, match="load_onnx"):
        tk.build()
    assert tk.load_onnx(MODEL) == 0
    assert tk.build(do_quantization=True, dataset=str(tmp_path / "dataset.txt")) == 0
    assert tk.build_result["num_calibration_samples"] == 8
    assert tk.export(str(tmp_path / "m.npk")) == 0
    assert os.path.getsize(tmp_path / "m.npk") > 1000
    assert tk.init_runtime(perf_debug=True, eval_mem=True) == 0
    x = images[:1].astype(npukit.Runtime(str(tmp_path / "m.npk")).inputs[0]["dtype"])
    out = tk.inference(inputs=[x])
    assert out[0].shape[-1] == 10
    assert "layers" in tk.eval_perf(frame_count=2)
    assert tk.eval_memory()["total_bytes"] > 0
    assert tk.release() == 0
    with pytest.raises(RuntimeError, match="init_runtime"):
        tk.inference(inputs=[x])
    # quant_img_RGB2BGR swaps the dataset's channels: mnist has one, so that is an error naming the cause.
    tk = npukit.Toolkit()
    tk.config(quant_img_RGB2BGR=True, target_platform=MARCH)
    tk.load_onnx(MODEL)
    with pytest.raises(ValueError, match="3 channels"):
        tk.build(dataset=[images[:1]])


def test_toolkit_image_dataset(tmp_path):
    # An RKNN dataset file listing images: each is read, made gray and resized to the 28 x 28 input.
    pics = [os.path.join(SHARED, "images", n) for n in ("camera.png", "coffee.png", "china.jpg")]
    pics = [p for p in pics if os.path.isfile(p)]
    if not pics:
        pytest.skip("../shared/images is absent")
    (tmp_path / "dataset.txt").write_text("\n".join(pics) + "\n")
    tk = npukit.Toolkit()
    tk.config(target_platform=MARCH)
    tk.load_onnx(MODEL)
    assert tk.build(dataset=str(tmp_path / "dataset.txt")) == 0
    assert tk.build_result["num_calibration_samples"] == len(pics)
    (tmp_path / "bad.txt").write_text(os.path.join(SHARED, "models", "mnist-8", "model.onnx") + "\n")
    with pytest.raises(ValueError, match="neither a .npy file nor an image"):
        tk.build(dataset=str(tmp_path / "bad.txt"))


def test_load_image_and_channel_order():
    pic = os.path.join(SHARED, "images", "coffee.png")
    if not os.path.isfile(pic):
        pytest.skip("../shared/images is absent")
    rgb = _npukit.load_image(pic, 32, 48, "rgb", "nchw")
    bgr = _npukit.load_image(pic, 32, 48, "bgr", "nchw")
    assert rgb.shape == (1, 3, 32, 48) and rgb.dtype == np.float32
    assert 0.0 <= rgb.min() and rgb.max() <= 255.0
    np.testing.assert_array_equal(bgr, rgb[:, ::-1])
    nhwc = _npukit.load_image(pic, 32, 48, "rgb", "nhwc")
    np.testing.assert_array_equal(nhwc, rgb.transpose(0, 2, 3, 1))
    from npukit.toolkit import _flip_channels

    np.testing.assert_array_equal(_flip_channels(rgb, "NCHW"), bgr)
    with pytest.raises(FileNotFoundError):
        _npukit.load_image("/no/such.png")
    assert _npukit.model_inputs(MODEL)[0][2] == [1, 1, 28, 28]


def test_module_version():
    assert npukit.__version__ == _npukit.__version__
    assert npukit.__version__.count(".") == 2
