#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""extract_layers.py QDQ.onnx OUT_DIR: per quantized tensor T (each QuantizeLinear output), writes two ONNX
submodels that ONNX Runtime still runs with its fused integer kernels, and OUT_DIR/layers.json describing them:

  layer_<i>.onnx   the QDQ group that produces T alone: its inputs are the float inputs of the QuantizeLinear
                   nodes of the nearest quantized tensors T depends on (or graph inputs); feed it another
                   implementation's codes of those tensors, dequantized ((code - zero_point) * scale, which the
                   QuantizeLinear maps back to the same code exactly), to compare a single layer on identical
                   inputs (teacher forcing). Feeding codes directly as int8 graph inputs would stop ORT's fusion.
  prefix_<i>.onnx  everything from the graph inputs up to T (free-running codes of T)

Both end in DequantizeLinear(T) as their only output, named T + "__dq": ORT fuses a QDQ group (DequantizeLinear
-> Conv -> QuantizeLinear into QLinearConv, ...) only when its QuantizeLinear output has exactly one consumer and
is not a graph output, so T itself cannot be the output (exposing T, or tapping it with a second consumer, makes
ORT fall back to the float DQ -> op -> Q path). The codes are recovered exactly as round(y / scale) + zero_point.
layers.json: [{"tensor", "output", "scale", "zero_point", "dtype", "layer", "prefix",
               "layer_inputs": [{"name": float input, "code": quantized tensor or null for a graph input}]}, ...].
Needs Debian's python3-onnx (run with /usr/bin/python3)."""
import json
import os
import sys

import onnx
from onnx import helper, numpy_helper


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    model = onnx.load(src)
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    consts = set(inits)
    producer = {}
    for n in g.node:
        for o in n.output:
            producer[o] = n
        if n.op_type == 'Constant':
            consts.update(n.output)
    graph_inputs = [i.name for i in g.input if i.name not in inits]
    q_outputs = [n.output[0] for n in g.node if n.op_type == 'QuantizeLinear' and n.input[0] not in consts]

    def frontier(q_node):
        """Nearest quantized tensors / graph inputs feeding q_node's input."""
        found, stack, seen = [], [q_node.input[0]], set()
        while stack:
            v = stack.pop()
            if not v or v in seen or v in consts:
                continue
            seen.add(v)
            if v in graph_inputs or v in q_outputs:
                found.append(v)
                continue
            stack.extend(producer[v].input)
        return sorted(found)

    def scalar(name):
        if name in inits:
            return numpy_helper.to_array(inits[name]).reshape(-1)
        for a in producer[name].attribute:
            if a.name == 'value':
                return numpy_helper.to_array(a.t).reshape(-1)
        raise ValueError(name)

    def write(path, inputs, t, q_node):
        sub = onnx.utils.Extractor(model).extract_model(inputs, [t])
        dq_out = t + '__dq'
        dq_in = [t] + list(q_node.input[1:])
        sub.graph.node.append(helper.make_node('DequantizeLinear', dq_in, [dq_out], name=dq_out))
        del sub.graph.output[:]
        sub.graph.output.append(helper.make_tensor_value_info(dq_out, onnx.TensorProto.FLOAT, None))
        # Extractor keeps only the initializers the extracted nodes use; the DequantizeLinear reuses the
        # QuantizeLinear's scale / zero point, which are therefore present.
        onnx.save(sub, path)
        return dq_out

    index = []
    for i, t in enumerate(q_outputs):
        q = producer[t]
        layer_inputs = frontier(q)
        zp = scalar(q.input[2]) if len(q.input) > 2 and q.input[2] else None
        entry = {
            'tensor': t,
            'scale': [float(x) for x in scalar(q.input[1])],
            'zero_point': [int(x) for x in zp] if zp is not None else [0],
            'dtype': str(zp.dtype) if zp is not None else 'uint8',
            'layer': 'layer_%03d.onnx' % i,
            'layer_inputs': layer_inputs,
            'prefix': 'prefix_%03d.onnx' % i,
        }
        entry['layer_inputs'] = [{'name': v, 'code': None} if v in graph_inputs else
                                 {'name': producer[v].input[0], 'code': v} for v in layer_inputs]
        entry['output'] = write(os.path.join(out_dir, entry['layer']), [e['name'] for e in entry['layer_inputs']],
                                t, q)
        write(os.path.join(out_dir, entry['prefix']), graph_inputs, t, q)
        index.append(entry)
    with open(os.path.join(out_dir, 'layers.json'), 'w') as f:
        json.dump(index, f, indent=1)
    print('extract_layers.py: %d quantized tensors' % len(index))


if __name__ == '__main__':
    import onnx.utils  # noqa: F401  (Extractor)
    main()
