#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Exports torchvision classics with seeded random weights (no download) to ONNX, with one input
and PyTorch's output saved as .npy, for npukit's e2e reference-interpreter test.

Usage: /usr/bin/python3 export_torchvision.py OUT_DIR [MODEL ...]
"""
import os
import sys

import numpy as np
import torch
import torchvision

MODELS = ["mobilenet_v2", "resnet18", "resnet50", "efficientnet_b0", "shufflenet_v2_x1_0"]


def randomize_batchnorm(model: torch.nn.Module, gain: float) -> None:
    """torchvision's fresh init (BN identity, small classifier weights) makes some nets' outputs
    vanish (~1e-14 for EfficientNet), which would make any comparison pass. Give every BatchNorm
    trained-looking statistics so activations keep a realistic magnitude through the network.
    `gain` scales the BN weights: residual nets (ResNet) need a smaller one or their sums explode."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.weight.uniform_(0.8 * gain, 1.6 * gain)
                mod.bias.normal_(0.0, 0.2)
                mod.running_mean.normal_(0.0, 0.1)
                mod.running_var.uniform_(0.3, 0.8)


def main() -> int:
    out = sys.argv[1]
    names = sys.argv[2:] or MODELS
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    for i, name in enumerate(names):
        path = os.path.join(out, name + ".onnx")
        if os.path.exists(path) and os.path.exists(os.path.join(out, name + ".output.npy")):
            continue
        torch.manual_seed(1234 + i)
        model = getattr(torchvision.models, name)(weights=None).eval()
        randomize_batchnorm(model, 0.25 if name.startswith("resnet") else 1.0)
        x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(99))
        with torch.no_grad():
            y = model(x)
        tmp = path + ".tmp"
        torch.onnx.export(model, x, tmp, opset_version=13, input_names=["input"], output_names=["output"])
        np.save(os.path.join(out, name + ".input.npy"), x.numpy())
        np.save(os.path.join(out, name + ".output.npy"), y.numpy())
        os.replace(tmp, path)
        print(f"exported {name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
