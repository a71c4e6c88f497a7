#!/usr/bin/env bash
# Formatting (clang-format) and static checks (clang-tidy: bugprone, performance) on every C++
# source, using build/cpu's compile_commands.json. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/cpu/compile_commands.json ] || cmake --preset cpu >/dev/null
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' | grep -v '^src/backends/cuda/')
echo "swag lint: clang-format on ${#files[@]} files"
clang-format --dry-run --Werror "${files[@]}"
mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.cpp$' | grep -v '^tests/cuda/')
echo "swag lint: clang-tidy on ${#sources[@]} sources"
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy -p build/cpu --quiet --extra-arg=-Wno-unknown-warning-option
echo "swag lint: clean"
