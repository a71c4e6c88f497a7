#!/usr/bin/env bash
# A linear probe (doc/transfer.md): features of a frozen model, cached in the output folder, and
# a logistic regression on them, `swag linear-probe --checkpoint C --train T --eval E
# [--output-dir D] [option ...]` on the job's device (--device from SWAG_DEVICE). The arguments
# are linear-probe's options; D (default $SWAG_RUNS/linear_probe/<job name>-<job id>) gets
# features.h5 and results.json. USR1 before the time limit: the probe stops, the job requeues
# and starts over (the feature cache is reused). With SWAG_SWEEP (a sweep of kind "linear-probe",
# Tables 4, 6, 7 and Figure 3) it runs the array task's cell instead, in the cell's run directory.
#
#   sbatch jobs/slurm/linear_probe.sh --checkpoint runs/pretrain_regnety_16gf/checkpoints/latest \
#     --train data/in1k/train --eval data/in1k/val --output-dir runs/probe/regnety_16gf_in1k
#   jobs/slurm/submit.sh linear-probe inputs/sweeps/table7_linear_probe.toml
#
# Resources: one GPU and one rank (more ranks share the feature extraction: sbatch
# --ntasks-per-node=N --gpus-per-node=N).
# Knobs (environment): SWAG_DEVICE, SWAG_BIN, SWAG_LAUNCH, SWAG_LAUNCH_OPTS, SWAG_PYTHON,
#   SWAG_ROOT, SWAG_WORKDIR, SWAG_RUNS, SWAG_SITE_ENV, SWAG_MAX_REQUEUES, SWAG_REQUEUE, and for
#   sweeps SWAG_SWEEP, SWAG_CELL, SWAG_FORCE=1 (common.sh).
#SBATCH --job-name=swag-linear-probe
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=1
#SBATCH --cpus-per-task=10
#SBATCH --time=04:00:00
#SBATCH --signal=B:USR1@120
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=%x-%j.out
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

if [ -n "${SWAG_SWEEP:-}" ]; then
  [ $# -eq 0 ] || swag_die "linear probe: a sweep cell takes its options from $SWAG_SWEEP, not the arguments" 2
  swag_sweep_task linear-probe
else
  swag_linear_probe "$@"
fi
