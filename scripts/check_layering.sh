#!/usr/bin/env bash
# Fails if a source file includes a header from a stage it must not depend on
# (docs/ARCHITECTURE.md, "Dependency direction"). Run by ctest as the `layering` test.
set -euo pipefail
cd "$(dirname "$0")/../src"
status=0
# folder : include prefixes it must NOT use
rules=(
  "core:ir/ frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/"
  "ir:frontend/ interp/ kernels/ io/ pipeline/ tools/ onnx/"
  "kernels:ir/ frontend/ interp/ io/ pipeline/ tools/ onnx/"
  "io:ir/ frontend/ interp/ kernels/ pipeline/ tools/ onnx/"
  "interp:frontend/ io/ pipeline/ tools/ onnx/"
  "frontend:interp/ kernels/ io/ pipeline/ tools/"
  "pipeline:tools/ onnx/"
)
for rule in "${rules[@]}"; do
  dir=${rule%%:*}
  for bad in ${rule#*:}; do
    if hits=$(grep -rnE "#include [<\"]${bad}" "$dir" 2>/dev/null); then
      echo "layering violation: $dir/ must not include ${bad}:"; echo "$hits"; status=1
    fi
  done
done
# protobuf / ONNX headers live in frontend/ only.
if hits=$(grep -rnE '#include [<"](onnx/|google/protobuf)' --exclude-dir=frontend . 2>/dev/null); then
  echo "layering violation: protobuf/ONNX headers outside frontend/:"; echo "$hits"; status=1
fi
[[ $status -eq 0 ]] && echo "layering: ok"
exit $status
