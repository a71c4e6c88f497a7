#!/usr/bin/env bash
# tools/config_doc.sh --check fails, naming the page, on a doc/config.md that one help text no
# longer matches.    config_doc_stale.sh SWAG WORK
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
swag=$1 work=$2
mkdir -p "$work"
sed 's/images per step over all ranks/pictures per step/' "$repo/doc/config.md" >"$work/stale.md"
cmp -s "$repo/doc/config.md" "$work/stale.md" && { echo "the edit changed nothing"; exit 1; }
bash "$repo/tools/config_doc.sh" --check "$swag" "$work/stale.md" >"$work/out.txt" 2>&1
rc=$?
[ "$rc" = 1 ] || { echo "exit $rc, not 1"; cat "$work/out.txt"; exit 1; }
grep -q "stale.md is not current" "$work/out.txt" || { cat "$work/out.txt"; exit 1; }
echo "ok: a stale page is caught"
