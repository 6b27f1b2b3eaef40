#!/usr/bin/env bash
# Installs npukit's build dependencies from Debian packages and builds it into ./build.
# Usage: ./scripts/setup.sh [--e2e]    (run as root, or with sudo available)
#   --e2e   also installs Debian's PyTorch + torchvision, node + npm, and onnxruntime-node (npm registry, into
#           bench/ort/node_modules), used by the heavy e2e tier (ctest -L e2e)
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_E2E=0
for arg in "$@"; do
  case "$arg" in
    --e2e) WITH_E2E=1 ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

PACKAGES=(
  build-essential cmake ninja-build pkg-config git clang-format
  protobuf-compiler libprotobuf-dev libonnx-dev libonnx-testdata
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libstb-dev zlib1g-dev
  flatbuffers-compiler libflatbuffers-dev graphviz libgraphviz-dev libbenchmark-dev
  chromium
  libgtest-dev libgmock-dev libopenblas-dev libopenblas-pthread-dev
  python3-numpy python3-onnx pybind11-dev python3-dev python3-pytest
)
if ((WITH_E2E)); then
  PACKAGES+=(python3-torch python3-torchvision)
  # Debian's node + npm only when the commands are absent: a node from elsewhere (e.g. NodeSource's nodejs,
  # which bundles npm) conflicts with Debian's npm package.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npukit links the pthread OpenBLAS by its folder. Installing it raises that flavour's priority for the
# system libblas.so.3, which Debian's PyTorch (and ../shared/peers) load; keep the OpenMP flavour there
# when it is installed, since torch's thread pool is OpenMP.
omp_blas=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
if [[ -e "$omp_blas" ]]; then
  $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$omp_blas" >/dev/null 2>&1 || true
fi

if ((WITH_E2E)); then
  # ONNX Runtime for tests/e2e/ort_agreement_test.cpp (pinned in bench/ort/package.json; idempotent).
  bash bench/ort/setup.sh
fi

BUILD_TYPE="${NPUKIT_BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
cmake --build build -j"$(nproc)"
echo "setup: built ./build/src/npukit"
