#!/usr/bin/env bash
# Runs every libFuzzer target of the fuzz preset (tests/fuzz, doc/hardening.md) for SECONDS
# each (default 25) from its seed corpus in tests/fuzz/corpus/<target>/, one at a time. New
# inputs go to a scratch folder, not the repository; a crash, leak, sanitizer report or
# timeout stops with exit 1 after naming the input that caused it. The seed is fixed
# (SWAG_FUZZ_SEED, default 1) so that CI explores the same inputs each time; SWAG_FUZZ_SEED=0
# draws a new one, for hunting.
#   cmake --preset fuzz && cmake --build --preset fuzz && tools/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-25}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(image deck index manifest weights checkpoint)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  exe=build/fuzz/bin/fuzz_$t
  [ -x "$exe" ] || { echo "swag fuzz: $exe missing (cmake --build --preset fuzz)" >&2; exit 1; }
  mkdir -p "$scratch/$t"
  echo "swag fuzz: $t for $seconds s"
  if ! "$exe" -seed="${SWAG_FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$scratch/" "$scratch/$t" "tests/fuzz/corpus/$t" >"$scratch/$t.log" 2>&1; then
    tail -n 60 "$scratch/$t.log" >&2
    for a in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
      [ -e "$a" ] && { echo "swag fuzz: $t failed on $a (base64 below)" >&2; base64 "$a" >&2; }
    done
    exit 1
  fi
  grep -E "stat::number_of_executed_units|cov: " "$scratch/$t.log" | tail -n 2
done
echo "swag fuzz: ${#targets[@]} targets clean"
