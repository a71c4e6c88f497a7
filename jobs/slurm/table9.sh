#!/usr/bin/env bash
# Table 9 (App. E): submits, for each model, the evaluation array of
# inputs/sweeps/table9_robustness.toml (its ImageNet-1k fine-tune on IN-1k, ReaL, v2 and
# ObjectNet; 4 cells of eval_array.sh each) and prints one array job id per line:
#
#   jobs/slurm/table9.sh [sbatch option ...]     e.g. --dependency=afterok:<table8 arrays>
#
# Run it where sbatch works (a login node); it submits and returns. The report (report.sh) makes
# Table 9 from the cells' results.json.
# Knobs (environment): SWAG_MODELS (default: the paper's six, "vit_h14 vit_l16 vit_b16
#   regnety_128gf regnety_32gf regnety_16gf"), SWAG_IN1K_MODEL (one model's weights file; with
#   a single model only), and every knob of submit.sh and eval_array.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
models=${SWAG_MODELS:-vit_h14 vit_l16 vit_b16 regnety_128gf regnety_32gf regnety_16gf}
read -r -a list <<<"$models"
[ "${#list[@]}" -gt 0 ] || { echo "swag: error: SWAG_MODELS is empty" >&2; exit 2; }
if [ -n "${SWAG_IN1K_MODEL:-}" ] && [ "${#list[@]}" -gt 1 ]; then
  echo "swag: error: SWAG_IN1K_MODEL names one weights file; set SWAG_MODELS to one model" >&2
  exit 2
fi
for m in "${list[@]}"; do
  SWAG_MODEL=$m "$here/submit.sh" eval "$here/../../inputs/sweeps/table9_robustness.toml" "$@"
done
