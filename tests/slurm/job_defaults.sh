#!/usr/bin/env bash
# The device, precision and outputs a job script gives swag (jobs/slurm/common.sh), without
# Slurm: stand-in binaries record the overrides pretrain_16gf.sh passes. On a GPU, run.precision
# defaults to bf16 (the paper trains with mixed precision) and SWAG_PRECISION overrides it; on a
# CPU the deck's stays. SWAG_DEVICE=cuda with a binary built without CUDA, or one that sees no
# GPU, stops before swag runs (exit 2). SWAG_RUNS moves the deck's run.dir (runs/X) under it, and
# the shipped deck is found from another working folder.
#
#   job_defaults.sh REPO WORKDIR
set -euo pipefail
repo=$(cd "$1" && pwd)
work=$2
rm -rf "$work" && mkdir -p "$work"
stub() {  # stub FILE VERSION-LINES: a swag that prints VERSION-LINES for --version
  cat >"$1" <<STUB
#!/usr/bin/env bash
if [ "\$1" = --version ]; then printf '%s\n' "swag 0.1.0" $2; exit 0; fi
[ "\$1" = check-config ] && exit 0
printf '%s\n' "\$@" >"$work/args"
STUB
  chmod +x "$1"
}
stub "$work/swag" "'backends: cpu cuda (CUDA 13.0, cuDNN 9.10.2, NCCL 2.27.3)' 'gpus: 2 visible'"
stub "$work/swag-cpu" "'backends: cpu'"
stub "$work/swag-nogpu" "'backends: cpu cuda (CUDA 13.0)' 'gpus: 0 (cudaErrorNoDevice: no CUDA-capable device is detected)'"

fail() { echo "FAIL: $*" >&2; exit 1; }
# run DEVICE PRECISION [VAR=value ...]: the overrides one job passed, one per line
run() {
  local dev=$1 prec=$2 rc=0
  shift 2
  rm -f "$work/args"
  env -u SWAG_PRECISION -u SWAG_OVERRIDES -u SWAG_RUN_DIR -u SWAG_DECK -u SWAG_RUNS -u SWAG_SITE_ENV \
    SWAG_ROOT="$repo" SWAG_BIN="$work/swag" SWAG_LAUNCH= SWAG_DEVICE="$dev" \
    ${prec:+SWAG_PRECISION=$prec} "$@" bash "$repo/jobs/slurm/pretrain_16gf.sh" 2>"$work/stderr" || rc=$?
  [ ! -f "$work/args" ] || cat "$work/args"
  return "$rc"
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
grep -q run.dir <<<"$args" && fail "run.dir passed without SWAG_RUNS or SWAG_RUN_DIR: $args"

# outputs under SWAG_RUNS, the deck from the checkout while the job runs elsewhere
mkdir -p "$work/elsewhere"
args=$(run cpu "" SWAG_RUNS=/scratch/me/runs SWAG_WORKDIR="$work/elsewhere")
grep -qx run.dir=/scratch/me/runs/pretrain_regnety_16gf <<<"$args" || fail "SWAG_RUNS did not move run.dir: $args"
grep -qx "$repo/inputs/pretrain/regnety_16gf.toml" <<<"$args" || fail "the shipped deck was not found from $work/elsewhere: $args"
args=$(run cpu "" SWAG_RUNS=/scratch/me/runs SWAG_RUN_DIR=/x/y)
grep -qx run.dir=/x/y <<<"$args" || fail "SWAG_RUN_DIR does not win over SWAG_RUNS: $args"

# cuda without CUDA, or without a GPU: exit 2 before swag runs
for bin in swag-cpu swag-nogpu; do
  rc=0
  run cuda "" SWAG_BIN="$work/$bin" >/dev/null 2>&1 || rc=$?
  [ "$rc" = 2 ] || fail "SWAG_DEVICE=cuda with $bin: exit $rc, expected 2"
  [ ! -e "$work/args" ] || fail "SWAG_DEVICE=cuda with $bin: swag ran"
  grep -q "^swag: error: SWAG_DEVICE=cuda, but .*$bin" "$work/stderr" || fail "SWAG_DEVICE=cuda with $bin: $(cat "$work/stderr")"
done
rc=0
run cpu "" SWAG_SITE_ENV="$work/missing.env" >/dev/null 2>&1 || rc=$?
[ "$rc" = 5 ] || fail "a missing SWAG_SITE_ENV: exit $rc, expected 5"
echo "job defaults: ok"
