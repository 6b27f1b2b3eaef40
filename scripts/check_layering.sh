#!/usr/bin/env bash
# Fails if a source file includes a header from a stage it must not depend on
# (docs/ARCHITECTURE.md, "Dependency direction"). Run by ctest as the `layering` test.
set -euo pipefail
cd "$(dirname "$0")/../src"
status=0
# folder : include prefixes it must NOT use
rules=(
  "core:ir/ frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/ quant/ config/ yaml-cpp/"
  "ir:frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/ quant/ config/"
  "kernels:ir/ frontend/ interp/ io/ pipeline/ tools/ onnx/ config/"
  "io:ir/ frontend/ interp/ kernels/ pipeline/ tools/ onnx/ quant/ config/"
  "interp:frontend/ io/ pipeline/ tools/ onnx/ quant/ config/ passes/"
  "frontend:interp/ kernels/ io/ pipeline/ tools/ quant/ config/"
  "config:ir/ frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/ quant/"
  "quant:frontend/ pipeline/ tools/ onnx/ config/"
  "passes:frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/ quant/ config/"
  "pipeline:tools/ onnx/"
  "march:ir/ frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/ quant/ config/ npk/ sim/ npu/ passes/"
  "npk:frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/ quant/ config/ sim/ npu/ passes/ march/"
  "sim:frontend/ io/ pipeline/ tools/ onnx/ config/ npu/ passes/ march/"
  "npu:frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/ sim/ passes/"
  "estimate:frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/ sim/ passes/ quant/ config/ viz/"
  "runtime:frontend/ io/ pipeline/ tools/ onnx/ quant/ config/ npu/ passes/ march/ sim/ estimate/ viz/"
  "viz:frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/ sim/ passes/ quant/ config/ npu/ estimate/ march/"
)
for rule in "${rules[@]}"; do
  dir=${rule%%:*}
  for bad in ${rule#*:}; do
    if hits=$(grep -rnE "#include [<\"]${bad}" "$dir" 2>/dev/null); then
      echo "layering violation: $dir/ must not include ${bad}:"; echo "$hits"; status=1
    fi
  done
done
# kernels/ may use the one integer spec (quant/arith.h) and nothing else of quant/.
if hits=$(grep -rnE '#include [<"]quant/' kernels | grep -v 'quant/arith\.h'); then
  echo "layering violation: kernels/ may include only quant/arith.h from quant/:"; echo "$hits"; status=1
fi
# The simulator is runtime side: of quant/ it may use the integer spec only.
if hits=$(grep -rnE '#include [<"]quant/' sim | grep -v 'quant/arith\.h'); then
  echo "layering violation: sim/ may include only quant/arith.h from quant/:"; echo "$hits"; status=1
fi
# The reference kernels are the oracle the fast kernels are tested against: they must not use them.
if hits=$(grep -rnE '#include [<"]kernels/fast/' kernels/ref); then
  echo "layering violation: kernels/ref must not include kernels/fast:"; echo "$hits"; status=1
fi
# protobuf / ONNX headers live in frontend/ only.
if hits=$(grep -rnE '#include [<"](onnx/|google/protobuf)' --exclude-dir=frontend . 2>/dev/null); then
  echo "layering violation: protobuf/ONNX headers outside frontend/:"; echo "$hits"; status=1
fi
[[ $status -eq 0 ]] && echo "layering: ok"
exit $status
