#!/usr/bin/env bash
# Pre-trains a small RegNetY on the demo shards with inputs/pretrain/demo.toml:
# regnety_demo on 28x28 pictures (build the shards first: inputs/demo/build_demo.sh).
# Resources: 1 node, 2 CPU ranks (no GPU), srun --mpi=pmix.
# USR1 arrives 60 s before the time limit: swag checkpoints, the job requeues itself and
# resumes from the checkpoint (doc/slurm.md); submitting the script again also resumes.
#
#   sbatch jobs/slurm/pretrain_demo.sh [key=value ...]     (arguments: deck overrides)
#
# Knobs (environment; sbatch options such as --nodes, --time, --signal override the lines below):
#   SWAG_DECK (inputs/pretrain/demo.toml), SWAG_RUN_DIR (default: the deck's
#   run.dir, under SWAG_RUNS when set), SWAG_OVERRIDES ("key=value ..."), SWAG_BIN, SWAG_LAUNCH ("srun --mpi=pmix"),
#   SWAG_LAUNCH_OPTS, SWAG_DEVICE, SWAG_PRECISION, SWAG_RUNS, SWAG_SITE_ENV, SWAG_ROOT,
#   SWAG_WORKDIR, SWAG_MAX_REQUEUES, SWAG_REQUEUE (common.sh).
#SBATCH --job-name=swag-pretrain-demo
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=2
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --signal=B:USR1@60
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

swag_pretrain inputs/pretrain/demo.toml "$@"
