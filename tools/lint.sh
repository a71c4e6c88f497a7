#!/usr/bin/env bash
# The include layers of doc/engine.md (tools/check_layers.sh), formatting (clang-format) on every
# C++ and CUDA source, and clang-tidy (bugprone, performance) on every C++ source: the CPU
# build's with build/cpu's compile_commands.json, the CUDA backend's (src/backends/cuda, NCCL
# included, and tests/cuda) with build/cuda's when that is configured, and the fuzz targets
# (tests/fuzz) with build/fuzz's when the fuzz preset is. Non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/cpu/compile_commands.json ] || cmake --preset cpu >/dev/null
bash tools/check_layers.sh
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cu' '*.cuh')
echo "swag lint: clang-format on ${#files[@]} files"
clang-format --dry-run --Werror "${files[@]}"

tidy() {  # build directory, then the sources
  local build=$1
  shift
  echo "swag lint: clang-tidy on $# sources ($build)"
  printf '%s\n' "$@" |
    xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option
}
cuda_only='^(src/backends/cuda|tests/cuda)/'
fuzz_only='^tests/fuzz/'
mapfile -t sources < <(git ls-files '*.cpp' | grep -Ev "$cuda_only|$fuzz_only")
tidy build/cpu "${sources[@]}"
if [ -f build/fuzz/compile_commands.json ]; then
  mapfile -t sources < <(git ls-files '*.cpp' | grep -E "$fuzz_only")
  tidy build/fuzz "${sources[@]}"
else
  echo "swag lint: no build/fuzz (cmake --preset fuzz): the fuzz targets not tidied"
fi
if [ -f build/cuda/compile_commands.json ]; then
  mapfile -t sources < <(git ls-files '*.cpp' | grep -E "$cuda_only")
  tidy build/cuda "${sources[@]}"
else
  echo "swag lint: no build/cuda (cmake --preset cuda): the CUDA backend's sources not tidied"
fi
echo "swag lint: clean"
