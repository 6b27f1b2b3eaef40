#!/usr/bin/env bash
# Fails if a C++ source file differs from .clang-format (run by ctest as the `format` test).
# Fix with: git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then echo "format: clang-format not installed (scripts/setup.sh installs it)"; exit 1; fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h')
else
  mapfile -t files < <(find src tests -name '*.cpp' -o -name '*.h')
fi
bad=0
for f in "${files[@]}"; do
  [[ -f "$f" ]] || continue
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then echo "format: $f differs from .clang-format"; bad=1; fi
done
[[ $bad -eq 0 ]] && echo "format: ok (${#files[@]} files)"
exit $bad
