#!/usr/bin/env bash
# Zero-shot transfer (section 4.4, Table 3), one cell per array task: the cell
# $SLURM_ARRAY_TASK_ID of $SWAG_SWEEP (kind "zeroshot", e.g. inputs/sweeps/table3_zeroshot.toml:
# a pre-trained model x the four ImageNet-like test sets x Platt scaling yes/no) runs
# `swag zeroshot --checkpoint C --vocab V --mapping M --data D [--platt] [--aggregate A] --json
# --device D` (the job's device, SWAG_DEVICE)
# and stores the JSON as the cell's results.json. Finished cells are skipped; USR1 before the
# time limit stops the task, which requeues and starts over.
#
#   sbatch --array=0-$((n - 1)) --export=ALL,SWAG_SWEEP=inputs/sweeps/table3_zeroshot.toml \
#     jobs/slurm/zeroshot.sh                       (or: jobs/slurm/submit.sh zeroshot SWEEP)
#
# Resources: one GPU and one rank per cell.
# Knobs (environment): SWAG_SWEEP (required), SWAG_CELL, SWAG_FORCE=1, SWAG_BIN, SWAG_LAUNCH,
#   SWAG_LAUNCH_OPTS, SWAG_DEVICE (--device), SWAG_PYTHON, SWAG_ROOT, SWAG_WORKDIR, SWAG_RUNS,
#   SWAG_SITE_ENV, SWAG_MAX_REQUEUES, SWAG_REQUEUE (common.sh).
#SBATCH --job-name=swag-zeroshot
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

swag_sweep_task zeroshot
