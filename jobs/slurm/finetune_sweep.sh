#!/usr/bin/env bash
# Fine-tunes one cell of a sweep per array task: the cell $SLURM_ARRAY_TASK_ID of $SWAG_SWEEP
# (inputs/sweeps/table8_*.toml: the paper's Table 8 learning-rate grid x the five transfer
# datasets; postprocess/sweep.py expands it) runs `swag finetune --config DECK [--init CKPT]
# key=value ... run.dir=<run_root>/<dataset>/lr-<lr>`. A cell whose results.json exists is
# skipped. USR1 before the time limit: checkpoint, requeue, resume (doc/slurm.md).
#
#   n=$(/usr/bin/python3 postprocess/sweep.py count inputs/sweeps/table8_regnety_16gf.toml)
#   sbatch --array=0-$((n - 1)) --export=ALL,SWAG_SWEEP=inputs/sweeps/table8_regnety_16gf.toml \
#     jobs/slurm/finetune_sweep.sh                 (or: jobs/slurm/submit.sh finetune SWEEP)
#
# Resources: one node of 8 GPUs per cell, one rank per GPU (the paper's batch of 512 is 64 per
# GPU), srun --mpi=pmix. Add --array=0-29%8 to run at most 8 cells at a time.
# Knobs (environment): SWAG_SWEEP (required), SWAG_CELL (a cell index outside an array),
#   SWAG_FORCE=1 (rerun finished cells), SWAG_OVERRIDES ("key=value ..." for every cell),
#   SWAG_BIN, SWAG_LAUNCH, SWAG_LAUNCH_OPTS, SWAG_PYTHON, SWAG_ROOT, SWAG_WORKDIR,
#   SWAG_DEVICE, SWAG_PRECISION, SWAG_RUNS, SWAG_SITE_ENV, SWAG_MAX_REQUEUES, SWAG_REQUEUE
#   (common.sh).
#SBATCH --job-name=swag-finetune
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=8
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=10
#SBATCH --time=24:00:00
#SBATCH --signal=B:USR1@300
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

swag_sweep_task finetune
