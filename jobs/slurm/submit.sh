#!/usr/bin/env bash
# Submits a sweep as a job array of the right size, from the checkout:
#
#   jobs/slurm/submit.sh finetune|eval|zeroshot SWEEP [sbatch option ...]
#
# runs `sbatch --parsable --array=0-(N-1) --export=ALL,SWAG_SWEEP=SWEEP [options] <script>`
# with N the sweep's number of cells (postprocess/sweep.py count) and the script
# finetune_sweep.sh, eval_array.sh or zeroshot.sh, and prints the array's job id (for
# --dependency=afterok:<id>). Options go to sbatch, e.g. --dependency=afterok:123 or --array
# limits such as SWAG_ARRAY_LIMIT=8 (adds %8: at most 8 cells at a time).
# Knobs (environment): SWAG_PYTHON (default /usr/bin/python3), SWAG_ARRAY_LIMIT, SBATCH (the
# sbatch command, default sbatch), and every knob of the chosen script (passed on by --export=ALL).
set -euo pipefail
die() { echo "swag: error: $*" >&2; exit 2; }

[ $# -ge 2 ] || die "usage: jobs/slurm/submit.sh finetune|eval|zeroshot SWEEP [sbatch option ...]"
kind=$1 sweep=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
case $kind in
  finetune) script=$here/finetune_sweep.sh ;;
  eval) script=$here/eval_array.sh ;;
  zeroshot) script=$here/zeroshot.sh ;;
  *) die "unknown sweep kind '$kind' (finetune, eval or zeroshot)" ;;
esac
[ -f "$sweep" ] || die "sweep file '$sweep' not found"
n=$("${SWAG_PYTHON:-/usr/bin/python3}" "$here/../../postprocess/sweep.py" count "$sweep") \
  || die "cannot read the sweep $sweep"
[ "$n" -gt 0 ] || die "sweep $sweep has no cells"
array=0-$((n - 1))${SWAG_ARRAY_LIMIT:+%$SWAG_ARRAY_LIMIT}
${SBATCH:-sbatch} --parsable --array="$array" --export="ALL,SWAG_SWEEP=$sweep" "$@" "$script"
