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
