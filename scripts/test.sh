#!/usr/bin/env bash
# Runs the default test tier (everything not labelled e2e). Heavy model tests: ctest --test-dir build -L e2e
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -LE e2e -j"$(nproc)" "$@"
