#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""expose_quantized.py IN.onnx OUT.onnx: copies an ONNX model, adding every QuantizeLinear output as an extra
graph output (typed from shape inference or from the zero point's dtype), so a runtime's per-tensor integer
codes can be compared with another implementation's, not just the final outputs. Prints the names added.

Caveat (measured with onnxruntime-node 1.30.0): ONNX Runtime does not fuse a QDQ group (DequantizeLinear -> Conv
-> QuantizeLinear into QLinearConv, ...) whose QuantizeLinear output is a graph output or has a second consumer,
so the rewritten model runs ORT's float QDQ path (DequantizeLinear -> float op -> QuantizeLinear), not its
integer kernels. For the fused kernels' codes use extract_layers.py. Needs Debian's python3-onnx
(run with /usr/bin/python3)."""
import sys

import onnx
from onnx import TensorProto, helper


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model = onnx.load(sys.argv[1])
    g = model.graph
    try:
        inferred = onnx.shape_inference.infer_shapes(model).graph
        types = {vi.name: vi.type for vi in list(inferred.value_info) + list(inferred.output)}
    except Exception:  # noqa: BLE001 - shape inference is only a convenience for the element type
        types = {}
    # Element types of constant zero points (initializers and Constant nodes).
    const_dtype = {t.name: t.data_type for t in g.initializer}
    for n in g.node:
        if n.op_type == 'Constant':
            for a in n.attribute:
                if a.name == 'value':
                    const_dtype[n.output[0]] = a.t.data_type
    existing = {o.name for o in g.output}
    added = []
    for n in g.node:
        if n.op_type != 'QuantizeLinear' or not n.output or n.output[0] in existing:
            continue
        name = n.output[0]
        if name in types and types[name].tensor_type.elem_type:
            vi = onnx.ValueInfoProto(name=name, type=types[name])
        else:
            # QuantizeLinear (opset <= 19): output dtype = zero point dtype, uint8 when there is no zero point.
            has_zp = len(n.input) > 2 and n.input[2]
            dt = const_dtype.get(n.input[2], TensorProto.UINT8) if has_zp else TensorProto.UINT8
            vi = helper.make_tensor_value_info(name, dt, None)
        g.output.append(vi)
        existing.add(name)
        added.append(name)
    onnx.save(model, sys.argv[2])
    for name in added:
        print(name)


if __name__ == '__main__':
    main()
