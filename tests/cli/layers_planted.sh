#!/usr/bin/env bash
# tools/check_layers.sh passes on a copy of the tree, and fails, naming the file, the line and
# the edge, once an upward include is planted in it.    layers_planted.sh WORK
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$1
rm -rf "$work"
mkdir -p "$work"
cp -r "$repo/src" "$repo/include" "$repo/tools" "$work/"
bash "$work/tools/check_layers.sh" "$work" >"$work/clean.txt" 2>&1 ||
  { echo "the copy fails before any plant:"; cat "$work/clean.txt"; exit 1; }

planted=src/backends/cpu/normalize.cpp  # a backend including the loader
sed -i '0,/^#include "swag\//s//#include "swag\/data\/loader.hpp"\n&/' "$work/$planted"
line=$(grep -n '"swag/data/loader.hpp"' "$work/$planted" | cut -d: -f1)
[ -n "$line" ] || { echo "nothing planted"; exit 1; }
bash "$work/tools/check_layers.sh" "$work" >"$work/out.txt" 2>&1
rc=$?
[ "$rc" = 1 ] || { echo "exit $rc, not 1"; cat "$work/out.txt"; exit 1; }
grep -q "^$planted:$line: includes swag/data/.*(backends -> data)" "$work/out.txt" ||
  { cat "$work/out.txt"; exit 1; }
[ "$(wc -l <"$work/out.txt")" = 1 ] || { echo "more than the plant:"; cat "$work/out.txt"; exit 1; }
echo "ok: the planted include $planted:$line is caught"
