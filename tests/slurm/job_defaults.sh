#!/usr/bin/env bash
# The device and precision a job script gives swag (jobs/slurm/common.sh), without Slurm: a stub
# binary records the overrides pretrain_16gf.sh passes. On a GPU, run.precision defaults to
# bf16 (the paper trains with mixed precision) and SWAG_PRECISION overrides it; on a CPU the
# deck's stays.
#
#   job_defaults.sh REPO WORKDIR
set -euo pipefail
repo=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
stub=$work/swag
cat >"$stub" <<STUB
#!/usr/bin/env bash
[ "\$1" = check-config ] && exit 0
printf '%s\n' "\$@" >"$work/args"
STUB
chmod +x "$stub"

fail() { echo "FAIL: $*" >&2; exit 1; }
# run DEVICE PRECISION: the overrides one job passed, one per line
run() {
  rm -f "$work/args"
  env -u SWAG_PRECISION -u SWAG_OVERRIDES -u SWAG_RUN_DIR -u SWAG_DECK \
    SWAG_ROOT="$repo" SWAG_BIN="$stub" SWAG_LAUNCH= SWAG_DEVICE="$1" \
    ${2:+SWAG_PRECISION=$2} bash "$repo/jobs/slurm/pretrain_16gf.sh" 2>/dev/null
  cat "$work/args"
}

args=$(run cuda "")
grep -qx run.device=cuda <<<"$args" || fail "GPU job without run.device=cuda: $args"
grep -qx run.precision=bf16 <<<"$args" || fail "GPU job without run.precision=bf16: $args"
args=$(run cuda fp16)
grep -qx run.precision=fp16 <<<"$args" || fail "SWAG_PRECISION=fp16 not passed: $args"
grep -q run.precision=bf16 <<<"$args" && fail "SWAG_PRECISION=fp16 and bf16 both passed: $args"
args=$(run cpu "")
grep -qx run.device=cpu <<<"$args" || fail "CPU job without run.device=cpu: $args"
grep -q run.precision <<<"$args" && fail "CPU job got a precision it did not ask for: $args"
echo "job defaults: ok"
