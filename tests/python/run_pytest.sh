#!/usr/bin/env bash
# Runs the Python API tests (tests/python/test_api.py) with Debian's python3 against <build>/python. Exits 77
# (ctest: skipped) when the module was not built (no pybind11-dev / python3-dev) or pytest / numpy is missing.
# Usage: run_pytest.sh PYTHON BUILD_PYTHON_DIR [TEST_FILE.py] [pytest args...]   (default test file: test_api.py)
set -uo pipefail
py=$1 pkgdir=$2
shift 2
if ! compgen -G "$pkgdir/npukit/_npukit*.so" >/dev/null; then
  echo "python_api: $pkgdir/npukit/_npukit*.so not built (pybind11-dev / python3-dev missing?); skipped"
  exit 77
fi
if ! "$py" -c "import pytest, numpy" 2>/dev/null; then
  echo "python_api: $py lacks pytest or numpy (apt-get install python3-pytest python3-numpy); skipped"
  exit 77
fi
tests=$(cd "$(dirname "$0")" && pwd)/test_api.py
if [[ ${1:-} == *.py ]]; then
  tests=$(cd "$(dirname "$0")" && pwd)/$1
  shift
fi
# Run from a scratch folder: nothing (logs, caches) lands in the source tree.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export PYTHONPATH="$pkgdir${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
"$py" -m pytest -q -p no:cacheprovider "$@" "$tests"
