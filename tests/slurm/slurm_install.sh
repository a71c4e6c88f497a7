#!/usr/bin/env bash
# The job scripts of an installed tree on a real one-node Slurm: `cmake --install BUILD --prefix
# P` (P/bin/swag, P/share/swag/{jobs/slurm,inputs,postprocess,...}), then P's pretrain_demo.sh
# submitted from an unrelated folder with no SWAG_ROOT, SWAG_BIN or SWAG_WORKDIR: it must find
# its data root P/share/swag and its binary P/bin/swag by its own path, take the demo deck from
# P/share/swag/inputs, run in the submission folder, and write its run under SWAG_RUNS (the
# scratch knob). Four steps on synthetic images, 2 ranks, via overrides.
#
#   slurm_install.sh REPO BUILD_DIR WORKDIR     (files in WORKDIR/run-<pid>; exit 77: no Slurm)
#
# Needs root and the Debian packages slurm-wlm and munge (tools/setup.sh); about 20 seconds.
set -euo pipefail

repo=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
work=$3
cluster=$repo/tests/slurm/cluster.sh

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $(date +%T) $*"; }

mkdir -p "$work"
for old in "$work"/run-*; do
  [ -d "$old" ] || continue
  kill -0 "${old##*/run-}" 2>/dev/null || rm -rf "$old"
done
work=$(cd "$work" && pwd)/run-$$
mkdir -p "$work/submit" "$work/scratch"
cdir=$(mktemp -d -p /tmp)
chmod 755 "$cdir"
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "---- job log" >&2
    cat "$work"/submit/*.out >&2 2>/dev/null || true
  fi
  "$cluster" stop "$cdir" || true
  cp -r "$cdir/log" "$work/slurm-log" 2>/dev/null || true
  rm -rf "$cdir"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
me=$$
(
  trap '' INT TERM
  while kill -0 "$me" 2>/dev/null; do sleep 2; done
  if [ -d "$cdir" ]; then "$cluster" stop "$cdir"; rm -rf "$cdir"; fi
) </dev/null >/dev/null 2>&1 &

step "cmake --install $build --prefix $work/prefix"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install failed ($work/install.log)"
script=$prefix/share/swag/jobs/slurm/pretrain_demo.sh
[ -x "$script" ] || fail "$script is not installed (the install rules, cmake/SwagInstall.cmake)"
[ -x "$prefix/bin/swag" ] || fail "$prefix/bin/swag is not installed"

step "starting a private Slurm in $cdir"
env_line=$("$cluster" start "$cdir") || exit $?   # 77: no Slurm here (ctest SKIP_RETURN_CODE)
eval "$env_line"

step "submitting $script from $work/submit"
cd "$work/submit"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
job=$(env -u SWAG_ROOT -u SWAG_BIN -u SWAG_WORKDIR -u SWAG_DECK -u SWAG_RUN_DIR -u SWAG_OVERRIDES \
  -u SWAG_DEVICE -u SWAG_SITE_ENV SWAG_RUNS="$work/scratch/runs" \
  sbatch --parsable --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 --gpus-per-node=0 --time=5 \
    "$script" data.source=synthetic schedule.steps=4 batch.global=16 log.every=1)
echo "job $job"
for _ in $(seq 1 120); do
  [ -z "$(squeue -h -j "$job" -o %i 2>/dev/null)" ] && break
  sleep 1
done
scontrol show job -o "$job" | grep -o "JobState=[^ ]*\|ExitCode=[^ ]*" | tr '\n' ' '
echo
state=$(scontrol show job -o "$job" | grep -o "JobState=[^ ]*" | cut -d= -f2)
log=$work/submit/swag-pretrain-demo-$job.out
[ "$state" = COMPLETED ] || fail "job $job: $state ($log)"

step "checking"
grep -q "binary $prefix/bin/swag on cpu" "$log" || fail "the job did not run $prefix/bin/swag ($log)"
grep -q "in $work/submit" "$log" || fail "the job did not run in the submission folder ($log)"
grep -qF -- "--config $prefix/share/swag/inputs/pretrain/demo.toml" "$log" \
  || fail "the job did not take the demo deck from $prefix/share/swag/inputs ($log)"
res=$work/scratch/runs/demo/pretrain/results.json
[ -f "$res" ] || fail "no $res: the run did not go under SWAG_RUNS ($log)"
/usr/bin/python3 - "$res" <<'EOF' || fail "results $res"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["steps"] == 4 and r["world_size"] == 2, r
EOF
[ ! -e "$prefix/share/swag/runs" ] || fail "the job wrote into the installed tree ($prefix/share/swag/runs)"
echo "ok: the installed pretrain_demo.sh ran $prefix/bin/swag on the installed demo deck from $work/submit, 4 steps on 2 ranks, run in $work/scratch/runs/demo/pretrain"
