#!/usr/bin/env bash
# Measures one cell of a benchmark sweep per array task: the cell $SLURM_ARRAY_TASK_ID of
# $SWAG_SWEEP, a sweep of kind "bench" (inputs/sweeps/table5_bench.toml, demo_bench.toml: the
# throughputs of Table 5 and Figure 2) runs `swag bench --model M --mode train|infer ... --json`
# on the job's device (--device, and --precision on GPUs: SWAG_PRECISION, default bf16). The
# printed JSON becomes the cell's results.json (written atomically); finished cells are skipped.
# USR1 before the time limit: the benchmark stops and the task requeues and starts over.
#
#   sbatch --array=0-$((n - 1)) --export=ALL,SWAG_SWEEP=inputs/sweeps/table5_bench.toml \
#     jobs/slurm/bench.sh                          (or: jobs/slurm/submit.sh bench SWEEP)
#
# Resources: one GPU and one rank per cell (on CPUs: sbatch --gpus-per-node=0, and
# --cpus-per-task for the threads).
# Knobs (environment): SWAG_SWEEP (required), SWAG_CELL, SWAG_FORCE=1, SWAG_DEVICE,
#   SWAG_PRECISION, SWAG_BIN, SWAG_LAUNCH, SWAG_LAUNCH_OPTS, SWAG_PYTHON, SWAG_ROOT, SWAG_WORKDIR,
#   SWAG_RUNS, SWAG_SITE_ENV, SWAG_MAX_REQUEUES, SWAG_REQUEUE (common.sh).
#SBATCH --job-name=swag-bench
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=1
#SBATCH --cpus-per-task=10
#SBATCH --time=01:00:00
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

swag_sweep_task bench
