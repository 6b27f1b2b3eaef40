#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs onnxruntime-node (pinned in package.json, the version ../shared/peers uses) into bench/ort/node_modules.
# Idempotent: does nothing when the pinned version is already installed. Needs node + npm (Debian `nodejs npm`).
# ONNXRUNTIME_NODE_INSTALL=skip: the package's postinstall would otherwise download optional CUDA/TensorRT
# providers from outside the npm registry (fails offline); the CPU binaries are inside the npm tarball.
set -euo pipefail
cd "$(dirname "$0")"

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "bench/ort/setup.sh: '$tool' not found (apt-get install nodejs npm)" >&2; exit 1; }
done

want=$(node -p "require('./package.json').dependencies['onnxruntime-node']")
have=$(node -p "try { require('./node_modules/onnxruntime-node/package.json').version } catch (e) { '' }")
if [[ "$have" == "$want" ]]; then
  echo "bench/ort: onnxruntime-node $have already installed"
else
  echo "bench/ort: installing onnxruntime-node $want"
  ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --loglevel=error
fi
# Smoke check: the native binding loads.
node -e "require('./node_modules/onnxruntime-node'); console.log('bench/ort: onnxruntime-node', '$want', 'loads')"
