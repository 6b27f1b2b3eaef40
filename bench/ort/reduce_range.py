#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""reduce_range.py IN.onnx OUT.onnx: re-quantizes the int8 weights of every Conv / ConvTranspose / Gemm / MatMul
of a QDQ model to 7 bits ([-64, 64]: w' = round_half_even(w / 2), weight scale x2) and their int32 biases to
match (b' = round_half_even(b / 2), bias scale x2, so bias scale = input scale * weight scale still holds).

Why: on x86 CPUs without VNNI, ONNX Runtime's u8 x s8 integer GEMM (MLAS, AVX2 vpmaddubsw) adds adjacent
u8*s8 products in saturating int16: 2 * 255 * 127 > 32767, so a fused QLinearConv / QLinearMatMul can be far
off exact integer math. With |w| <= 64, 2 * 255 * 64 = 32640 fits and the kernels are exact again; this is
onnxruntime.quantization's `reduce_range` idea. The result is a different (slightly coarser) model: compare
runtimes on the SAME rewritten file. Prints the number of weights rewritten. Needs Debian's python3-onnx."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

TARGETS = {'Conv': (1, 2), 'ConvTranspose': (1, 2), 'Gemm': (1, 2), 'MatMul': (1, None)}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model = onnx.load(sys.argv[1])
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    done = set()

    def halve(dq_out, dtype):
        """Halves the codes of DequantizeLinear(dq_out)'s constant input and doubles its scale."""
        n = producer.get(dq_out)
        if n is None or n.op_type != 'DequantizeLinear' or n.input[0] not in inits:
            return False
        if n.input[0] in done or n.input[1] in done:  # initializer shared with an already rewritten node
            return n.input[0] in done and n.input[1] in done
        q = numpy_helper.to_array(inits[n.input[0]])
        if q.dtype != dtype:
            return False
        if len(n.input) > 2 and n.input[2] and n.input[2] in inits:
            if np.any(numpy_helper.to_array(inits[n.input[2]]) != 0):
                return False  # symmetric weights only
        scale = numpy_helper.to_array(inits[n.input[1]])
        inits[n.input[0]].CopyFrom(numpy_helper.from_array(np.round(q.astype(np.float64) / 2).astype(dtype),
                                                           n.input[0]))
        inits[n.input[1]].CopyFrom(numpy_helper.from_array((scale * 2).astype(scale.dtype), n.input[1]))
        done.update(n.input[:2])
        return True

    count = 0
    for n in g.node:
        if n.op_type not in TARGETS:
            continue
        w, b = TARGETS[n.op_type]
        if len(n.input) > w and halve(n.input[w], np.int8):
            count += 1
            if b is not None and len(n.input) > b and n.input[b]:
                halve(n.input[b], np.int32)
    onnx.save(model, sys.argv[2])
    print(count)


if __name__ == '__main__':
    main()
