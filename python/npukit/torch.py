# SPDX-License-Identifier: Apache-2.0
"""npukit.torch: quantization-aware training with PyTorch whose fake quantization IS npukit's integer spec,
and the deployment calls (check / compile / perf / visualize) straight from a torch module.

The flow of the vendor quick start, with npukit names (docs/PYTHON.md, "QAT with PyTorch"):

    from npukit.torch import (QuantStub, set_march, prepare_qat_fx, set_fake_quantize, FakeQuantState,
                              convert_fx, check_model, compile_model, perf_model, visualize_model,
                              default_calib_8bit_fake_quant_qconfig, default_qat_8bit_fake_quant_qconfig,
                              default_qat_8bit_weight_32bit_out_fake_quant_qconfig)
    set_march("nash-e")
    qat = prepare_qat_fx(float_model, {"": default_qat_8bit_fake_quant_qconfig,
                                       "module_name": {"fc": default_qat_8bit_weight_32bit_out_fake_quant_qconfig}},
                         example_inputs)
    ... calibration (FakeQuantState.CALIBRATION), training (QAT), evaluation (VALIDATION) ...
    deploy = convert_fx(qat)
    check_model(deploy, example_inputs); compile_model(deploy, example_inputs, npk="model.npk")

The spec (quant/arith.h, docs/QUANTIZATION.md) as fake quantization:
  activations: symmetric int8, scale = max|x| / 127 (in f32), codes = clamp(round_half_even(x / scale),
               -128, 127) (the division in f32, as ONNX QuantizeLinear and npukit's quantize_value do);
  weights:     symmetric int8 per output channel, scale_c = max|w_c| / 127, codes in [-127, 127];
  bias:        not fake-quantized here: npukit quantizes it to int32 with scale s_in * s_w[c] (the rounding
               error is below 1/2 of an accumulator step);
  "32-bit out" presets: the layer's output is not quantized (the int32 accumulator, dequantized).
Exported models are standard QDQ ONNX (opset 13). `npukit compile` with calibration_type load keeps every
scale (quant/qdq_import.h) and reports any it has to change. int16 activations (the 16bit presets) are
exported as Q/DQ pairs with an int16 zero point, patched into the file with python3-onnx (PyTorch 1.13 writes
opset <= 17, where QuantizeLinear has no int16).
"""

import copy
import os
import re
import shutil
import tempfile
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.ao.quantization import QConfig, QConfigMapping
from torch.ao.quantization.backend_config import BackendConfig, get_native_backend_config
from torch.ao.quantization.fake_quantize import FakeQuantizeBase
from torch.ao.quantization.fx.custom_config import PrepareCustomConfig
from torch.ao.quantization.quantize_fx import prepare_qat_fx as _torch_prepare_qat_fx

import npukit as _npk

__all__ = [
    "QuantStub",
    "FakeQuantState",
    "NpkFakeQuantize",
    "set_march",
    "get_march",
    "prepare_qat_fx",
    "set_fake_quantize",
    "convert_fx",
    "export_onnx",
    "check_model",
    "compile_model",
    "perf_model",
    "visualize_model",
    "default_calib_8bit_fake_quant_qconfig",
    "default_qat_8bit_fake_quant_qconfig",
    "default_calib_8bit_weight_32bit_out_fake_quant_qconfig",
    "default_qat_8bit_weight_32bit_out_fake_quant_qconfig",
    "default_qat_16bit_fake_quant_qconfig",
    "default_calib_16bit_fake_quant_qconfig",
]

_QMAX = 127
_QMAX16 = 32767
_march = None


def set_march(march):
    """The NPU the model is for (a preset name of `npukit march list`, or a march YAML path); used by
    check_model / compile_model / perf_model / visualize_model when they get no march."""
    global _march
    march = str(march)
    if not os.path.exists(march) and march not in _npk._npukit.march_names():
        raise ValueError(
            "unknown march %r; presets: %s" % (march, ", ".join(_npk._npukit.march_names()))
        )
    _march = march


def get_march():
    return _march


def _march_or(march):
    m = march if march is not None else _march
    if m is None:
        raise ValueError("no march: call npukit.torch.set_march(...) or pass march=")
    return str(m)


class FakeQuantState:
    """CALIBRATION: statistics on, fake quantization off. QAT: both on (activation scales follow a moving
    average). VALIDATION: scales frozen, fake quantization on (what the deployed model computes)."""

    CALIBRATION = "calibration"
    QAT = "qat"
    VALIDATION = "validation"


class _RoundSTE(torch.autograd.Function):
    """clamp(round_half_even(x / scale), qmin, qmax) * scale; gradient passes where x is inside the range."""

    @staticmethod
    def forward(ctx, x, scale, qmin, qmax):
        q = torch.round(x / scale)
        ctx.save_for_backward((q >= qmin) & (q <= qmax))
        return torch.clamp(q, qmin, qmax) * scale

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return grad * inside, None, None, None


class NpkFakeQuantize(FakeQuantizeBase):
    """npukit's symmetric int8 fake quantization (see the module docstring).

    per_channel: one scale per index of ch_axis (weights). fixed_scale: a scale that never changes (e.g. 1/128
    for pyramid / centered-YUV inputs). out32: the layer's output stays unquantized (identity). bits=16: an int16
    activation (scale max|x| / 32767, codes in [-32768, 32767]), exported as a QuantizeLinear / DequantizeLinear
    pair with an int16 zero point (the form npukit itself writes; standard ONNX from opset 21)."""

    def __init__(self, per_channel=False, ch_axis=0, weight=False, fixed_scale=None, out32=False,
                 averaging_constant=0.01, bits=8, factory_kwargs=None):
        super().__init__()
        if bits not in (8, 16) or (bits == 16 and (weight or per_channel)):
            raise ValueError("bits must be 8, or 16 for a per-tensor activation; got %r" % (bits,))
        self.bits = int(bits)
        qmax = _QMAX if bits == 8 else _QMAX16
        self.per_channel = bool(per_channel)
        self.ch_axis = int(ch_axis) if per_channel else -1
        self.quant_min = -qmax if weight else -qmax - 1
        self.quant_max = qmax
        # torch.ao's pattern table only knows 8-bit codes: int16 quantizers say qint8 to be placed like the others.
        self.dtype = torch.qint8
        self.qscheme = torch.per_channel_symmetric if per_channel else torch.per_tensor_symmetric
        self.is_dynamic = False
        self.weight = bool(weight)
        self.out32 = bool(out32)
        self.fixed = fixed_scale is not None
        self.averaging_constant = float(averaging_constant)
        self.moving_average = True
        self.register_buffer("max_abs", torch.tensor([0.0]))
        self.register_buffer("scale", torch.tensor([float(fixed_scale) if self.fixed else 1.0]))
        self.register_buffer("zero_point", torch.tensor([0], dtype=torch.int32))
        self.register_buffer("observed", torch.tensor([0], dtype=torch.uint8))
        if self.fixed:
            self.max_abs.fill_(float(fixed_scale) * qmax)
            self.observed.fill_(1)

    @torch.no_grad()
    def _observe(self, x):
        if self.per_channel:
            dims = [d for d in range(x.dim()) if d != self.ch_axis]
            cur = x.detach().abs().amax(dim=dims).float()
        else:
            cur = x.detach().abs().max().float().reshape(1)
        if self.weight or not self.observed.item() or cur.shape != self.max_abs.shape:
            # Weights: the current values (what npukit computes from the final weights).
            self.max_abs.resize_(cur.shape).copy_(cur)
        elif self.moving_average:
            self.max_abs.add_(self.averaging_constant * (cur - self.max_abs))
        else:
            torch.maximum(self.max_abs, cur, out=self.max_abs)
        self.observed.fill_(1)
        # npukit's symmetric_scale: threshold / 127 in f32; an all-zero tensor keeps a tiny positive scale.
        s = (self.max_abs / self.quant_max).float()
        s = torch.where(s > 0, s, torch.full_like(s, 1e-8))
        self.scale.resize_(s.shape).copy_(s)
        self.zero_point.resize_(s.shape).zero_()

    def forward(self, x):
        if self.out32:
            return x
        if self.observer_enabled[0] == 1 and not self.fixed:
            self._observe(x)
        if self.fake_quant_enabled[0] != 1:
            return x
        if torch.onnx.is_in_onnx_export():
            # Exported as QuantizeLinear -> DequantizeLinear (ONNX allows the ranges (-128, 127) / (0, 255)
            # only; weight codes stay in [-127, 127] because scale = max|w| / 127).
            if self.per_channel:
                return torch.fake_quantize_per_channel_affine(
                    x, self.scale, self.zero_point, self.ch_axis, -_QMAX - 1, _QMAX
                )
            # int16: an 8-bit pair as a placeholder; export_onnx gives it its int16 zero point afterwards.
            return torch.fake_quantize_per_tensor_affine(x, float(self.scale.item()), 0, -_QMAX - 1, _QMAX)
        scale = self.scale
        if self.per_channel:
            shape = [1] * x.dim()
            shape[self.ch_axis] = -1
            scale = scale.reshape(shape)
        return _RoundSTE.apply(x, scale.to(x.dtype), self.quant_min, self.quant_max)

    def calculate_qparams(self):
        return self.scale, self.zero_point

    @property
    def activation_post_process(self):
        # torch.ao's FX checks read the observer's quant_min / quant_max here; this module is its own observer.
        return self

    def extra_repr(self):
        kind = "out32" if self.out32 else ("per_channel(axis=%d)" % self.ch_axis if self.per_channel else "per_tensor")
        return "%s, range=[%d, %d]%s" % (kind, self.quant_min, self.quant_max, ", fixed" if self.fixed else "")


def _act(**kw):
    return NpkFakeQuantize.with_args(**kw)


_weight_fq = NpkFakeQuantize.with_args(per_channel=True, ch_axis=0, weight=True)

default_qat_8bit_fake_quant_qconfig = QConfig(activation=_act(), weight=_weight_fq)
default_calib_8bit_fake_quant_qconfig = default_qat_8bit_fake_quant_qconfig
default_qat_8bit_weight_32bit_out_fake_quant_qconfig = QConfig(activation=_act(out32=True), weight=_weight_fq)
default_calib_8bit_weight_32bit_out_fake_quant_qconfig = default_qat_8bit_weight_32bit_out_fake_quant_qconfig
# int16 activations (e.g. for a sensitive layer: "module_name": {"layer": default_qat_16bit_fake_quant_qconfig}).
default_qat_16bit_fake_quant_qconfig = QConfig(activation=_act(bits=16), weight=_weight_fq)
default_calib_16bit_fake_quant_qconfig = default_qat_16bit_fake_quant_qconfig


class QuantStub(nn.Module):
    """Marks where the float input becomes int8. scale=None: learned like any activation; a fixed scale (e.g.
    1/128 for pyramid / centered-YUV inputs) is kept through calibration and training."""

    def __init__(self, scale=None):
        super().__init__()
        self.scale = None if scale is None else float(scale)

    def forward(self, x):
        return x


def _backend_config():
    """PyTorch's native pattern table with npukit's code type: int8 (qint8) activations instead of uint8."""
    d = get_native_backend_config().to_dict()
    for cfg in d["configs"]:
        for dc in cfg.get("dtype_configs", []):
            for key in ("input_dtype", "output_dtype"):
                v = dc.get(key)
                if getattr(v, "dtype", v) == torch.quint8:
                    dc[key] = torch.qint8
    d["name"] = "npukit"
    return BackendConfig.from_dict(d)


def _qconfig_mapping(qconfig_dict):
    """A QConfigMapping, or the quick start's dict {"": qconfig, "module_name": {name: qconfig},
    "module_type": {cls: qconfig}}."""
    if isinstance(qconfig_dict, QConfigMapping):
        return qconfig_dict
    if isinstance(qconfig_dict, QConfig):
        return QConfigMapping().set_global(qconfig_dict)
    m = QConfigMapping()
    for key, value in (qconfig_dict or {}).items():
        if key == "":
            m.set_global(value)
        elif key == "module_name":
            for name, qc in value.items():
                m.set_module_name(name, qc)
        elif key == "module_type":
            for cls, qc in value.items():
                m.set_object_type(cls, qc)
        else:
            raise ValueError("qconfig dict keys are '', 'module_name' and 'module_type'; got %r" % (key,))
    return m


def _as_tuple(example_inputs):
    if isinstance(example_inputs, torch.Tensor):
        return (example_inputs,)
    return tuple(example_inputs)


def prepare_qat_fx(model, qconfig_dict, example_inputs=None):
    """torch.ao.quantization's FX QAT preparation with npukit's fake quantization and int8 activations.
    Modules are fused (Conv + BatchNorm + ReLU, Linear + ReLU) as PyTorch does. Returns the prepared module
    (in FakeQuantState.QAT)."""
    if example_inputs is None:
        raise ValueError("prepare_qat_fx needs example_inputs (one batch, used to trace the model)")
    model.train()
    custom = PrepareCustomConfig().set_non_traceable_module_classes([QuantStub])
    prepared = _torch_prepare_qat_fx(
        model, _qconfig_mapping(qconfig_dict), _as_tuple(example_inputs),
        prepare_custom_config=custom, backend_config=_backend_config(),
    )
    # A QuantStub with a fixed scale: the fake quantizer on its output keeps that scale.
    modules = dict(prepared.named_modules())
    for node in prepared.graph.nodes:
        if node.op != "call_module" or not isinstance(modules.get(node.target), QuantStub):
            continue
        stub = modules[node.target]
        if stub.scale is None:
            continue
        for user in node.users:
            if user.op == "call_module" and isinstance(modules.get(user.target), NpkFakeQuantize):
                setattr(prepared, user.target, NpkFakeQuantize(fixed_scale=stub.scale))
    set_fake_quantize(prepared, FakeQuantState.QAT)
    return prepared


def set_fake_quantize(model, state):
    """Switches every npukit fake quantizer of `model` to a FakeQuantState."""
    if state not in (FakeQuantState.CALIBRATION, FakeQuantState.QAT, FakeQuantState.VALIDATION):
        raise ValueError("state must be a FakeQuantState, got %r" % (state,))
    for m in model.modules():
        if isinstance(m, NpkFakeQuantize):
            if state == FakeQuantState.CALIBRATION:
                m.enable_observer()
                m.disable_fake_quant()
                m.moving_average = False
            elif state == FakeQuantState.QAT:
                m.enable_observer()
                m.enable_fake_quant()
                m.moving_average = True
            else:
                m.disable_observer()
                m.enable_fake_quant()
            if m.weight:
                m.enable_observer() if state != FakeQuantState.VALIDATION else m.disable_observer()
    return model


class _QdqLayer(nn.Module):
    """A deployed Conv / Linear: float weights (BatchNorm folded) behind the layer's own weight fake
    quantizer, optional ReLU. Exports as DequantizeLinear(QuantizeLinear(W)) -> Conv / Gemm [-> Relu]."""

    def __init__(self, layer, weight_fake_quant, relu):
        super().__init__()
        self.layer = layer
        self.weight_fake_quant = weight_fake_quant
        self.relu = relu

    def forward(self, x):
        w = self.weight_fake_quant(self.layer.weight)
        if isinstance(self.layer, nn.Linear):
            y = F.linear(x, w, self.layer.bias)
        else:
            y = self.layer._conv_forward(x, w, self.layer.bias)
        return F.relu(y) if self.relu else y


def _deploy_layer(mod):
    """The _QdqLayer of a QAT Conv / Linear module (BatchNorm folded into its weights and bias)."""
    relu = "ReLU" in type(mod).__name__  # ConvReLU*, ConvBnReLU*, LinearReLU
    bn = getattr(mod, "bn", None)
    if hasattr(mod, "in_features"):
        layer = nn.Linear(mod.in_features, mod.out_features, bias=mod.bias is not None or bn is not None)
    else:
        conv_cls = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[len(mod.kernel_size)]
        layer = conv_cls(mod.in_channels, mod.out_channels, mod.kernel_size, stride=mod.stride,
                         padding=mod.padding, dilation=mod.dilation, groups=mod.groups,
                         bias=mod.bias is not None or bn is not None, padding_mode=mod.padding_mode)
    with torch.no_grad():
        w, b = mod.weight.detach().clone(), None if mod.bias is None else mod.bias.detach().clone()
        if bn is not None and hasattr(mod, "in_features"):
            w, b = torch.nn.utils.fusion.fuse_linear_bn_weights(
                w, b, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
            )
        elif bn is not None:
            w, b = torch.nn.utils.fusion.fuse_conv_bn_weights(
                w, b, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
            )
        layer.weight = nn.Parameter(w.detach().clone())
        if b is not None:
            layer.bias = nn.Parameter(b.detach().clone())
    fq = copy.deepcopy(mod.weight_fake_quant)
    # The scales of the weights as deployed (BatchNorm folded with its final statistics): max|w_c| / 127,
    # npukit's own rule, so compile keeps them exactly.
    fq._observe(layer.weight)
    fq.disable_observer()
    return _QdqLayer(layer, fq, relu)


def convert_fx(qat_model):
    """The deployable form of a prepared (calibrated or QAT-trained) model: scales frozen, BatchNorm folded
    into the weights the weight quantizers see. Its forward is the fake-quantized model (float arithmetic on
    int8-representable values); export_onnx / compile_model turn it into a QDQ ONNX and an .npk."""
    m = copy.deepcopy(qat_model).eval()
    set_fake_quantize(m, FakeQuantState.VALIDATION)
    for name, mod in list(m.named_modules()):
        if name and hasattr(mod, "weight_fake_quant") and isinstance(mod.weight_fake_quant, NpkFakeQuantize):
            layer = _deploy_layer(mod)
            parent_name, _, attr = name.rpartition(".")
            parent = m.get_submodule(parent_name) if parent_name else m
            setattr(parent, attr, layer)
    m.recompile() if hasattr(m, "recompile") else None
    set_fake_quantize(m, FakeQuantState.VALIDATION)
    return m


def export_onnx(model, example_inputs, path, input_names=None, output_names=None):
    """Writes `model` (a convert_fx result; a prepared QAT model is converted first) as QDQ ONNX (opset 13)."""
    if any(hasattr(mod, "weight_fake_quant") and not isinstance(mod, _QdqLayer) for mod in model.modules()):
        model = convert_fx(model)
    model = model.eval()
    args = _as_tuple(example_inputs)
    names = input_names or ["input" if len(args) == 1 else "input_%d" % i for i in range(len(args))]
    path = os.fspath(path)
    int16 = [name for name, m in model.named_modules() if isinstance(m, NpkFakeQuantize) and m.bits == 16
             and not m.out32]
    with torch.no_grad(), warnings.catch_warnings():
        # The fake quantizers read their state flags while being traced: constant for the export, on purpose.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(model, args, path, opset_version=13, input_names=names, output_names=output_names,
                          do_constant_folding=True)
    if int16:
        _set_int16_zero_points(path, int16)
    return path


def _set_int16_zero_points(path, module_names):
    """The Q / DQ pairs exported for int16 quantizers (named "/<module>/QuantizeLinear" by the exporter) get an
    int16 zero point."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError as e:
        raise RuntimeError("exporting int16 quantizers needs python3-onnx (apt-get install python3-onnx)") from e
    import numpy as np

    model = onnx.load(path)
    g = model.graph
    # A quantizer called several times (shared by MaxPool / Flatten after it) is exported as "/<module>/",
    # "/<module>_1/", ...
    scope = re.compile(r"^/(%s)(?:_\d+)?/" % "|".join(re.escape(n) for n in module_names))
    patched = set()
    for node in g.node:
        if node.op_type in ("QuantizeLinear", "DequantizeLinear") and scope.match(node.name):
            zp_name = node.name.replace("/", "_").strip("_") + "_zero_point_int16"
            if zp_name not in patched:
                g.initializer.append(numpy_helper.from_array(np.zeros((), np.int16), zp_name))
                patched.add(zp_name)
            while len(node.input) < 3:
                node.input.append("")
            node.input[2] = zp_name
    found = {scope.match(node.name).group(1) for node in g.node if scope.match(node.name)}
    missing = sorted(set(module_names) - found)
    if missing:
        raise RuntimeError("export: no QuantizeLinear found for the int16 quantizer(s) %s" % ", ".join(missing))
    # The int16 codes' value_info from the exporter still says int8.
    codes = {node.output[0] for node in g.node if node.op_type == "QuantizeLinear" and scope.match(node.name)}
    for vi in list(g.value_info):
        if vi.name in codes:
            vi.type.tensor_type.elem_type = onnx.TensorProto.INT16
    onnx.save(model, path)


class _Exported:
    """A temporary folder holding the module's QDQ ONNX."""

    def __init__(self, module, example_inputs, name="model"):
        self.dir = tempfile.mkdtemp(prefix="npukit_torch_")
        self.path = export_onnx(module, example_inputs, os.path.join(self.dir, name + ".onnx"))

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


def _model_name(module):
    return type(module).__name__ if not hasattr(module, "_npukit_name") else module._npukit_name


def check_model(module, example_inputs, march=None):
    """Exports the module and checks it for the march (npukit.check_model). Returns the check dict."""
    with _Exported(module, example_inputs) as path:
        return _npk.check_model(path, _march_or(march))


def compile_model(module, example_inputs, npk, input_source=None, opt="O2", march=None, output_dir=None,
                  calibration_data=None):
    """Exports the module as QDQ ONNX and compiles it keeping its scales (calibration_type load) into the .npk
    `npk` (plus the usual artifacts in output_dir, default: the .npk's folder). input_source: 'ddr',
    'pyramid' or 'resizer' for the (single) input, or a dict per input name. calibration_data: optional
    samples for the similarity table and for tensors the model left unquantized. Returns the compile dict."""
    npk = os.path.abspath(os.fspath(npk))
    out = os.path.abspath(os.fspath(output_dir or os.path.dirname(npk) or "."))
    stem = os.path.splitext(os.path.basename(npk))[0]
    if isinstance(input_source, str):
        input_source = {"input": input_source} if len(_as_tuple(example_inputs)) == 1 else None
    with _Exported(module, example_inputs, stem) as path:
        r = _npk.compile_model(path, march=_march_or(march), output_dir=out, opt=opt, input_source=input_source,
                               calibration_type="load", calibration_data=calibration_data, output_prefix=stem)
    produced = r["files"]["npk"]
    if os.path.abspath(produced) != npk:
        shutil.copyfile(produced, npk)
        r["files"]["npk"] = npk
    return r


def perf_model(module, example_inputs, out_dir, input_source=None, opt="O2", march=None, layer_details=True):
    """compile_model into out_dir, then the static performance estimate (npukit.perf_model): writes
    <name>.json / <name>.html into out_dir and returns the report dict."""
    os.makedirs(os.fspath(out_dir), exist_ok=True)
    npk = os.path.join(os.fspath(out_dir), _model_name(module) + ".npk")
    compile_model(module, example_inputs, npk, input_source=input_source, opt=opt, march=march, output_dir=out_dir)
    return _npk.perf_model(npk, output_dir=out_dir, layer_details=layer_details)


def visualize_model(module, example_inputs, save_path, march=None):
    """Draws the exported module's graph for the march (npukit.visualize_model). Returns save_path."""
    with _Exported(module, example_inputs) as path:
        return _npk.visualize_model(path, save_path, march=_march_or(march))
