#!/usr/bin/env bash
# Submits a sweep as a job array of the right size, from the checkout or an installed tree:
#
#   jobs/slurm/submit.sh finetune|eval|zeroshot|linear-probe|bench SWEEP [sbatch option ...]
#
# runs `sbatch --parsable --array=0-(N-1) --export=ALL,SWAG_SWEEP=SWEEP [options] <script>`
# with N the sweep's number of cells (postprocess/sweep.py count) and the script
# finetune_sweep.sh, eval_array.sh, zeroshot.sh, linear_probe.sh or bench.sh, and prints the
# array's job id (for --dependency=afterok:<id>). SWEEP is a path relative to the current folder, or a shipped sweep
# (inputs/sweeps/demo.toml) of the checkout or installed tree holding this script. Options go to
# sbatch, e.g. --dependency=afterok:123 or --array limits such as SWAG_ARRAY_LIMIT=8 (adds %8: at
# most 8 cells at a time).
# Knobs (environment): SWAG_PYTHON (default /usr/bin/python3), SWAG_ARRAY_LIMIT, SBATCH (the
# sbatch command, default sbatch), and every knob of the chosen script (passed on by --export=ALL).
set -euo pipefail
die() { echo "swag: error: $*" >&2; exit 2; }

[ $# -ge 2 ] || die "usage: jobs/slurm/submit.sh finetune|eval|zeroshot|linear-probe|bench SWEEP [sbatch option ...]"
kind=$1 sweep=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $kind in
  finetune) script=$here/finetune_sweep.sh ;;
  eval) script=$here/eval_array.sh ;;
  zeroshot) script=$here/zeroshot.sh ;;
  linear-probe) script=$here/linear_probe.sh ;;
  bench) script=$here/bench.sh ;;
  *) die "unknown sweep kind '$kind' (finetune, eval, zeroshot, linear-probe or bench)" ;;
esac
if [[ $sweep != /* ]] && [ ! -f "$sweep" ] && [ -f "$root/$sweep" ]; then sweep=$root/$sweep; fi
[ -f "$sweep" ] || { echo "swag: error: sweep file '$sweep' not found (relative to $PWD or $root)" >&2; exit 5; }
sweep=$(cd "$(dirname "$sweep")" && pwd)/$(basename "$sweep")
n=$("${SWAG_PYTHON:-/usr/bin/python3}" "$root/postprocess/sweep.py" count "$sweep") \
  || die "cannot read the sweep $sweep"
[ "$n" -gt 0 ] || die "sweep $sweep has no cells"
array=0-$((n - 1))${SWAG_ARRAY_LIMIT:+%$SWAG_ARRAY_LIMIT}
${SBATCH:-sbatch} --parsable --array="$array" --export="ALL,SWAG_SWEEP=$sweep" "$@" "$script"
