#!/usr/bin/env bash
# The include graph of doc/engine.md, checked: every #include "swag/<layer>/..." under src/ and
# include/ must be an edge of it. Prints each include against it; exits 1 if there is any.
#   tools/check_layers.sh [ROOT]   (ROOT: the repository, by default this script's)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}

# What each layer may include besides itself (doc/engine.md, "Layers of code").
declare -A may=(
  [core]=""
  [vocab]="core"
  [data]="core"
  [backends]="core ops"
  [ops]="core backends"
  [nn]="core ops"
  [dist]="core ops nn"
  [eval]="core data ops nn dist"
  [train]="core data ops nn dist eval"
  [apps]="core vocab data backends ops nn dist eval train"
)
# The one intended exception, by header: dist/ makes the GPUs' communicator through the GPU
# backend's registration (swag/backends/gpu.hpp), which hides every CUDA type.
declare -A also=(
  [src/dist/]="swag/backends/gpu.hpp"
)

layer_of() {  # src/<layer>/... or include/swag/<layer>/...
  local path=${1#src/}
  path=${path#include/swag/}
  echo "${path%%/*}"
}

bad=0
cd "$root"
while IFS= read -r file; do
  from=$(layer_of "$file")
  [ -n "${may[$from]+set}" ] || continue
  allowed=" $from ${may[$from]} "
  for prefix in "${!also[@]}"; do
    [[ $file == "$prefix"* ]] && allowed+="${also[$prefix]} "
  done
  while IFS= read -r hit; do
    line=${hit%%:*}
    header=${hit#*\"}
    header=${header%%\"*}
    to=${header#swag/}
    to=${to%%/*}
    if [[ $allowed != *" $to "* && $allowed != *" $header "* ]]; then
      echo "$file:$line: includes swag/$to/, against the layers of doc/engine.md ($from -> $to)"
      bad=1
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"swag/[a-z_]+/' "$file" || true)
done < <(find src include -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cu' \
  -o -name '*.cuh' \) | sort)
[ "$bad" = 0 ] && echo "swag layers: every include follows doc/engine.md"
exit "$bad"
