#!/usr/bin/env bash
# Turns run directories into the paper's tables and plots: postprocess/report.py collects every
# run under $SWAG_REPORT_RUNS (results.json, metrics.jsonl, config.toml, cell.json, and the
# analyses' country_fairness.json, associations.json) and writes Tables 1-9 (Markdown, LaTeX,
# CSV; ours and the paper's), Figures 2-7 (PNG) and report.md to $SWAG_REPORT_DIR. Missing cells
# are "-". Submit it after the other jobs:
#
#   sbatch --dependency=afterok:<pretrain>:<finetune array> jobs/slurm/report.sh
#
# It takes seconds and can run again at any time; USR1 (before the time limit) makes it requeue
# and start over.
# Resources: one CPU, no GPU.
# Knobs (environment): SWAG_REPORT_RUNS (default $SWAG_RUNS, else runs), SWAG_REPORT_DIR (default
#   <SWAG_REPORT_RUNS>/report),
#   SWAG_REPORT_SWEEPS ("sweep.toml ..." whose best cells fill Tables 1 and 8; default: every
#   sweep file that a cell.json under SWAG_REPORT_RUNS names), SWAG_REPORT_ARGS (more options of
#   report.py), SWAG_BIN (model sizes from its `swag info`, when it exists), SWAG_PYTHON,
#   SWAG_ROOT, SWAG_WORKDIR, SWAG_SITE_ENV, SWAG_MAX_REQUEUES, SWAG_REQUEUE (common.sh).
#SBATCH --job-name=swag-report
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --time=00:30:00
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

SWAG_LAUNCH=${SWAG_LAUNCH-}   # the report is one Python process: no launcher needed
swag_defaults --no-bin
read -r -a sweeps <<<"${SWAG_REPORT_SWEEPS:-}"
read -r -a extra <<<"${SWAG_REPORT_ARGS:-}"
runs=${SWAG_REPORT_RUNS:-${SWAG_RUNS:-runs}}
args=(--runs "$runs" --out "${SWAG_REPORT_DIR:-$runs/report}")
for s in "${sweeps[@]}"; do args+=(--sweep "$(swag_data_path "$s")"); done   # shipped: from SWAG_ROOT
# model sizes from `swag info` when the binary is there, else from postprocess/reference/
[ ! -x "$SWAG_BIN" ] || args+=(--swag "$SWAG_BIN")
swag_run_resumable --restartable "$SWAG_PYTHON" "$SWAG_ROOT/postprocess/report.py" "${args[@]}" "${extra[@]}"
