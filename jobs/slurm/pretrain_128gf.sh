#!/usr/bin/env bash
# Pre-trains RegNetY-128GF with inputs/pretrain/regnety_128gf.toml:
# the paper's recipe, 10 billion samples seen at global batch 8192 (1,220,703 updates); a
# 48-hour job does a small part of it, so the run is a chain of requeued jobs.
# Resources: the paper's, 16 nodes x 8 GPUs, one rank per GPU, srun --mpi=pmix. The global
# batch does not depend on the number of ranks: sbatch --nodes=N changes only the speed.
# USR1 arrives 600 s before the time limit: swag checkpoints, the job requeues itself and
# resumes from the checkpoint (doc/slurm.md); submitting the script again also resumes.
# Memory: 64 images per GPU fit an 80 GB GPU as they are (bf16 activations by default on GPUs,
# SWAG_PRECISION); on 32 GB GPUs (the paper's V100s, which have no bf16) set SWAG_PRECISION=fp16
# and add run.recompute_activations=true (doc/memory.md).
#
#   sbatch jobs/slurm/pretrain_128gf.sh [key=value ...]     (arguments: deck overrides)
#
# Knobs (environment; sbatch options such as --nodes, --time, --signal override the lines below):
#   SWAG_DECK (inputs/pretrain/regnety_128gf.toml), SWAG_RUN_DIR (default: the deck's
#   run.dir, under SWAG_RUNS when set), SWAG_OVERRIDES ("key=value ..."), SWAG_BIN, SWAG_LAUNCH ("srun --mpi=pmix"),
#   SWAG_LAUNCH_OPTS, SWAG_DEVICE, SWAG_PRECISION, SWAG_RUNS, SWAG_SITE_ENV, SWAG_ROOT,
#   SWAG_WORKDIR, SWAG_MAX_REQUEUES, SWAG_REQUEUE (common.sh).
#SBATCH --job-name=swag-pretrain-regnety_128gf
#SBATCH --nodes=16
#SBATCH --ntasks-per-node=8
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=10
#SBATCH --time=48:00:00
#SBATCH --signal=B:USR1@600
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

swag_pretrain inputs/pretrain/regnety_128gf.toml "$@"
