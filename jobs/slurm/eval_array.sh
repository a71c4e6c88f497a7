#!/usr/bin/env bash
# Evaluates one cell of an evaluation sweep per array task: the cell $SLURM_ARRAY_TASK_ID of
# $SWAG_SWEEP, a sweep of kind "eval" (`swag eval --checkpoint C --data D [--resolution R]
# --json`, e.g. fine-tuned ImageNet-1k models on ImageNet-1k, ReaL, v2 and ObjectNet) or
# "bench" (`swag bench ... --json`, as bench.sh runs it: the throughputs of Table 5 and Figure 2),
# on the job's device (--device; bench also --precision, SWAG_PRECISION). The printed JSON
# becomes the cell's results.json (written atomically); finished cells are skipped. USR1
# before the time limit: the evaluation stops and the task requeues and starts over.
#
#   sbatch --array=0-$((n - 1)) --export=ALL,SWAG_SWEEP=inputs/sweeps/eval_demo.toml \
#     jobs/slurm/eval_array.sh                     (or: jobs/slurm/submit.sh eval SWEEP)
#
# Resources: one GPU and one rank per cell (sbatch --gpus-per-node=8 for a bench of 8 GPUs).
# Knobs (environment): SWAG_SWEEP (required), SWAG_CELL, SWAG_FORCE=1, SWAG_BIN, SWAG_LAUNCH,
#   SWAG_LAUNCH_OPTS, SWAG_DEVICE (--device), SWAG_PYTHON, SWAG_ROOT, SWAG_WORKDIR, SWAG_RUNS,
#   SWAG_SITE_ENV, SWAG_MAX_REQUEUES, SWAG_REQUEUE (common.sh).
#SBATCH --job-name=swag-eval
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=1
#SBATCH --cpus-per-task=10
#SBATCH --time=04:00:00
#SBATCH --signal=B:USR1@120
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=%x-%A_%a.out
# Site settings: remove one '#' from a line to use it (or pass the option to sbatch)
##SBATCH --account=<account>
##SBATCH --partition=<partition>
##SBATCH --qos=<qos>
set -euo pipefail

# Slurm runs a copy of this script from its spool folder: find the checkout (or the installed
# share/swag) from the submitted path (scontrol), this file, or the submission folder.
if [ -z "${SWAG_ROOT:-}" ]; then
  _cmd=$(scontrol show job "${SLURM_JOB_ID:-0}" 2>/dev/null | sed -n "s/^ *Command=\([^ ]*\).*/\1/p" | head -n 1 || true)
  for _d in "${_cmd%/*}/../.." "${0%/*}/../.." "${SLURM_SUBMIT_DIR:-.}" .; do
    if [ -f "$_d/jobs/slurm/common.sh" ]; then SWAG_ROOT=$(cd "$_d" && pwd); break; fi
  done
fi
[ -n "${SWAG_ROOT:-}" ] || { echo "swag: error: cannot find the swag checkout; set SWAG_ROOT" >&2; exit 1; }
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$SWAG_ROOT/jobs/slurm/common.sh"

swag_sweep_task eval bench
