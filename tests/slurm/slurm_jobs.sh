#!/usr/bin/env bash
# What the job scripts give each rank, on a real one-node Slurm (cluster.sh; its node has a GPU
# for the scheduler, GRES gpu:1 on /dev/null, and binds tasks to their CPUs), with stand-in
# binaries: shell scripts that print `swag --version` as a CPU-only build, a CUDA build, or an
# old build without a backends line, and record their arguments and each rank's environment
# (CUDA_VISIBLE_DEVICES, Cpus_allowed_list, OMP_NUM_THREADS, NCCL_DEBUG). It checks:
#   1. every kind (pretrain, finetune, eval, zeroshot, linear probe, bench) on --gpus=1 with the
#      CUDA stand-in passes the device (run.device=cuda / --device cuda) and the precision
#      (bf16) and its rank sees the job's GPU; SWAG_DEVICE=cpu runs a GPU job on the CPUs; a CPU
#      job (--gpus-per-node=0) runs with run.device=cpu / --device cpu;
#   2. a GPU job whose binary was built without CUDA (backends: cpu, or no backends line), or a
#      cuda job that sees no GPU, or one in a checkout without build/cuda (no fallback to
#      build/cpu), fails before any rank starts with a `swag: error:` line and exit code 2 or 5;
#   3. --cpus-per-task=2 gives the rank an affinity mask of 2 CPUs (those that 2 ranks of one
#      CPU each are bound to, one each) and OMP_NUM_THREADS=2;
#   4. SWAG_SITE_ENV is sourced (a variable it exports reaches the ranks), and a missing one
#      stops the job (exit 5).
#
#   slurm_jobs.sh REPO WORKDIR       (files in WORKDIR/run-<pid>; exit 77: no Slurm here)
#
# Needs root and the Debian packages slurm-wlm and munge (tools/setup.sh); about half a minute.
set -euo pipefail

repo=$(cd "$1" && pwd)
work=$2
cluster=$repo/tests/slurm/cluster.sh

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $(date +%T) $*"; }

mkdir -p "$work"
for old in "$work"/run-*; do
  [ -d "$old" ] || continue
  kill -0 "${old##*/run-}" 2>/dev/null || rm -rf "$old"
done
work=$(cd "$work" && pwd)/run-$$
mkdir -p "$work/logs" "$work/ranks" "$work/sub"
cdir=$(mktemp -d -p /tmp)
chmod 755 "$cdir"
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "---- job logs" >&2
    tail -n 20 "$work"/logs/*.out >&2 2>/dev/null || true
    echo "---- slurmctld.log (end)" >&2
    tail -n 20 "$cdir/log/slurmctld.log" >&2 2>/dev/null || true
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

step "starting a private Slurm in $cdir"
env_line=$("$cluster" start "$cdir") || exit $?
eval "$env_line"
sinfo -o "%N %c %G %T"

# The stand-ins. `--version` as issue 17's swag prints it; any other command records argv (one
# argument per line) and the rank's environment in ranks/<job>.<task>, and prints a JSON object.
stub() {  # stub FILE BACKENDS|- : BACKENDS "cpu" or "cpu cuda (...)"; "-": no backends line
  cat >"$1" <<STUB
#!/usr/bin/env bash
if [ "\${1:-}" = --version ]; then
  echo "swag 0.1.0"
  echo "commit: 0000000"
  [ "$2" = - ] || echo "backends: $2"
  if [[ "$2" == *cuda* ]]; then
    if [ -n "\${CUDA_VISIBLE_DEVICES:-}" ]; then
      echo "gpus: \$(tr ',' '\n' <<<"\$CUDA_VISIBLE_DEVICES" | wc -l) visible"
    else
      echo "gpus: 0 (cudaErrorNoDevice: no CUDA-capable device is detected)"
    fi
  fi
  exit 0
fi
[ "\${1:-}" = check-config ] && exit 0
f=$work/ranks/\${SLURM_ARRAY_JOB_ID:-\${SLURM_JOB_ID:-nojob}}.\${SLURM_PROCID:-0}
{
  echo "cvd=\${CUDA_VISIBLE_DEVICES-unset}"
  echo "omp=\${OMP_NUM_THREADS-unset}"
  echo "nccl_debug=\${NCCL_DEBUG-unset}"
  echo "cpus=\$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)"
  printf 'arg=%s\n' "\$@"
} >"\$f"
echo '{"top1": 0.5, "images_per_s": 1.0}'
STUB
  chmod +x "$1"
}
stub "$work/swag-cuda" "cpu cuda (CUDA 13.0, cuDNN 9.10.2, NCCL 2.27.3)"
stub "$work/swag-cpu" "cpu"
stub "$work/swag-old" -

# one-cell sweeps of each kind; relative decks (inputs/...) resolve against the checkout, since
# the jobs run in another folder (SWAG_WORKDIR)
mkdir -p "$work/data" && touch "$work/data/model.h5" "$work/data/vocab.json" "$work/data/mapping.json"
sweep() {  # sweep NAME KIND PARAMS...: NAME.toml, run_root $SWAG_RUNS/NAME
  local name=$1 kind=$2
  shift 2
  {
    # shellcheck disable=SC2016  # ${SWAG_RUNS} is for sweep.py to expand
    printf '[sweep]\nkind = "%s"\nname = "%s"\nrun_root = "${SWAG_RUNS}/%s"\n\n[params]\n' "$kind" "$name" "$name"
    printf '%s\n' "$@"
  } >"$work/$name.toml"
}
sweep finetune finetune 'deck = "inputs/finetune/demo.toml"' "init = \"$work/data/model.h5\""
sweep eval eval "checkpoint = \"$work/data/model.h5\"" "data = \"$work/data\""
sweep zeroshot zeroshot "checkpoint = \"$work/data/model.h5\"" "vocab = \"$work/data/vocab.json\"" \
  "mapping = \"$work/data/mapping.json\"" "data = \"$work/data\""
sweep bench bench 'model = "regnety_400mf"' 'mode = "train"'
sweep probe_sweep linear-probe "checkpoint = \"$work/data/model.h5\"" "train = \"$work/data\"" \
  "eval = \"$work/data\""
sweep bench_cpu bench 'model = "regnety_400mf"' 'mode = "train"'

export SWAG_RUNS=$work/runs SWAG_WORKDIR=$work/sub
one=(--nodes=1 --ntasks-per-node=1 --cpus-per-task=1 --time=5)
declare -A expect_rc   # job id -> expected exit code
declare -A what        # job id -> what the job is
submit() {  # submit RC WHAT [VAR=value ...] -- SBATCH-OR-SUBMIT-ARGS...: a job expected to end with RC
  local rc=$1 name=$2 id
  shift 2
  local -a vars=()
  while [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  id=$(
    for v in "${vars[@]}"; do export "${v?}"; done
    "$@"
  )
  id=${id%%;*}
  expect_rc[$id]=$rc
  what[$id]=$name
  echo "job $id: $name (expect exit $rc)"
}
sb() { sbatch --parsable "${one[@]}" --output="$work/logs/%x-%j.out" "$@"; }
sub() { "$repo/jobs/slurm/submit.sh" "$@" "${one[@]}" --output="$work/logs/%x-%A_%a.out"; }

step "submitting: every kind on a GPU, and the CPU cases"
cuda=SWAG_BIN=$work/swag-cuda
submit 0 "pretrain gpu" "$cuda" -- sb --gpus-per-node=1 "$repo/jobs/slurm/pretrain_demo.sh"
submit 0 "finetune gpu" "$cuda" -- sub finetune "$work/finetune.toml" --gpus-per-node=1
submit 0 "eval gpu" "$cuda" -- sub eval "$work/eval.toml" --gpus-per-node=1
submit 0 "zeroshot gpu" "$cuda" -- sub zeroshot "$work/zeroshot.toml" --gpus-per-node=1
submit 0 "bench gpu" "$cuda" -- sub bench "$work/bench.toml" --gpus-per-node=1
submit 0 "linear-probe gpu" "$cuda" -- sb --gpus-per-node=1 "$repo/jobs/slurm/linear_probe.sh" \
  --checkpoint "$work/data/model.h5" --train "$work/data" --eval "$work/data"
submit 0 "linear-probe sweep gpu" "$cuda" -- sub linear-probe "$work/probe_sweep.toml" --gpus-per-node=1
submit 0 "pretrain cpu (SWAG_DEVICE=cpu on a GPU job)" "$cuda" SWAG_DEVICE=cpu -- \
  sb --gpus-per-node=1 "$repo/jobs/slurm/pretrain_demo.sh"
submit 0 "bench cpu (no GPU)" SWAG_BIN="$work/swag-cpu" -- sub bench "$work/bench_cpu.toml" --gpus-per-node=0
submit 0 "linear-probe cpu (no GPU)" SWAG_BIN="$work/swag-cpu" -- sb --gpus-per-node=0 \
  "$repo/jobs/slurm/linear_probe.sh" --checkpoint "$work/data/model.h5" --train "$work/data" \
  --eval "$work/data" --output-dir "$work/runs/probe"

step "submitting: GPU jobs that must not run"
submit 2 "pretrain gpu, CPU-only binary" SWAG_BIN="$work/swag-cpu" -- \
  sb --gpus-per-node=1 "$repo/jobs/slurm/pretrain_demo.sh"
submit 2 "zeroshot gpu, binary without a backends line" SWAG_BIN="$work/swag-old" -- \
  sub zeroshot "$work/zeroshot.toml" --gpus-per-node=1
submit 2 "eval SWAG_DEVICE=cuda, no GPU" "$cuda" SWAG_DEVICE=cuda -- \
  sub eval "$work/eval.toml" --gpus-per-node=0
# a checkout with only build/cpu: a GPU job there does not fall back to it (its submit.sh
# submits its own scripts, which find their checkout by their path)
fake=$work/checkout
mkdir -p "$fake/jobs" "$fake/build/cpu/bin"
cp -r "$repo/jobs/slurm" "$fake/jobs/" && cp -r "$repo/postprocess" "$repo/inputs" "$fake/"
cp "$work/swag-cpu" "$fake/build/cpu/bin/swag"
submit 5 "finetune gpu, checkout without build/cuda" -- "$fake/jobs/slurm/submit.sh" finetune \
  "$work/finetune.toml" "${one[@]}" --gpus-per-node=1 --output="$work/logs/%x-%A_%a.out"

step "submitting: CPUs per rank, site settings"
printf 'export NCCL_DEBUG=INFO\n' >"$work/site.env"
submit 0 "pretrain 1 rank x 2 CPUs" SWAG_BIN="$work/swag-cpu" SWAG_SITE_ENV="$work/site.env" -- \
  sbatch --parsable --nodes=1 --ntasks-per-node=1 --cpus-per-task=2 --gpus-per-node=0 --time=5 \
    --output="$work/logs/%x-%j.out" "$repo/jobs/slurm/pretrain_demo.sh"
submit 0 "pretrain 2 ranks x 1 CPU" SWAG_BIN="$work/swag-cpu" -- \
  sbatch --parsable --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 --gpus-per-node=0 --time=5 \
    --output="$work/logs/%x-%j.out" "$repo/jobs/slurm/pretrain_demo.sh"
submit 5 "pretrain, SWAG_SITE_ENV missing" SWAG_BIN="$work/swag-cpu" SWAG_SITE_ENV="$work/nope.env" -- \
  sb --gpus-per-node=0 "$repo/jobs/slurm/pretrain_demo.sh"
squeue

job_field() { scontrol show job -o "$1" | grep -o "$2=[^ ]*" | cut -d= -f2-; }
step "waiting for ${#expect_rc[@]} jobs"
for _ in $(seq 1 120); do
  [ -z "$(squeue -h -o %i)" ] && break
  sleep 1
done
[ -z "$(squeue -h -o %i)" ] || fail "jobs still queued after 120 s: $(squeue -h -o '%i %j %T %r' | tr '\n' ';')"

step "checking"
log_of() {  # log_of JOBID: the job's log (%x-%j.out, or %x-%A_%a.out of a one-task array)
  local f
  for f in "$work"/logs/*-"$1".out "$work"/logs/*-"$1"_0.out; do
    if [ -f "$f" ]; then echo "$f"; return 0; fi
  done
  echo "(no log of job $1)"
}
args_of() { sed -n 's/^arg=//p' "$work/ranks/$1.${2:-0}" | tr '\n' ' '; }
field_of() { sed -n "s/^$2=//p" "$work/ranks/$1.${3:-0}"; }
cpu_set() {  # cpu_set LIST: the CPUs of a Cpus_allowed_list, one per line, sorted (0-1,4 -> 0 1 4)
  local r
  IFS=, read -r -a parts <<<"$1"
  for r in "${parts[@]}"; do
    if [[ $r == *-* ]]; then seq "${r%-*}" "${r#*-}"; elif [ -n "$r" ]; then echo "$r"; fi
  done | sort -n -u
}
declare -A id_of
for id in "${!what[@]}"; do id_of[${what[$id]}]=$id; done
for id in "${!expect_rc[@]}"; do
  rc=${expect_rc[$id]}
  codes=$(job_field "$id" ExitCode | sort -u | tr '\n' ' ')
  [ "$codes" = "$rc:0 " ] || fail "job $id (${what[$id]}): exit code $codes, expected $rc:0 ($(log_of "$id"))"
  log=$(log_of "$id")
  if [ "$rc" = 0 ]; then
    [ -f "$work/ranks/$id.0" ] || fail "job $id (${what[$id]}): no rank ran ($log)"
  else
    [ ! -e "$work/ranks/$id.0" ] || fail "job $id (${what[$id]}): a rank started although the job must stop first"
    grep -q "^swag: error: " "$log" || fail "job $id (${what[$id]}): no 'swag: error:' line in $log"
    echo "ok: ${what[$id]}: exit $rc, $(grep -m1 '^swag: error: ' "$log")"
  fi
done

expect_args() {  # expect_args WHAT PATTERN...: the arguments of WHAT's rank 0 contain each PATTERN
  local id=${id_of[$1]} a p
  a=" $(args_of "$id") "
  for p in "${@:2}"; do
    [[ $a == *" $p "* ]] || fail "$1: arguments lack '$p': $a"
  done
}
refuse_args() {  # refuse_args WHAT PATTERN...: ... and none of these
  local id=${id_of[$1]} a p
  a=" $(args_of "$id") "
  for p in "${@:2}"; do
    [[ $a != *" $p "* ]] || fail "$1: arguments have '$p': $a"
  done
}
on_gpu() { [ "$(field_of "${id_of[$1]}" cvd)" = 0 ] || fail "$1: CUDA_VISIBLE_DEVICES=$(field_of "${id_of[$1]}" cvd) in the rank, expected 0"; }

expect_args "pretrain gpu" run.device=cuda run.precision=bf16 "run.dir=$SWAG_RUNS/demo/pretrain"
on_gpu "pretrain gpu"
expect_args "finetune gpu" finetune run.device=cuda run.precision=bf16 "--config $repo/inputs/finetune/demo.toml"
on_gpu "finetune gpu"
expect_args "eval gpu" eval "--device cuda"
on_gpu "eval gpu"
expect_args "zeroshot gpu" zeroshot "--device cuda"
on_gpu "zeroshot gpu"
expect_args "bench gpu" bench "--device cuda" "--precision bf16"
on_gpu "bench gpu"
id=${id_of["linear-probe gpu"]}
expect_args "linear-probe gpu" linear-probe "--device cuda" "--output-dir $SWAG_RUNS/linear_probe/swag-linear-probe-$id"
on_gpu "linear-probe gpu"
expect_args "linear-probe sweep gpu" linear-probe "--device cuda" "--output-dir $SWAG_RUNS/probe_sweep"
on_gpu "linear-probe sweep gpu"
[ -f "$SWAG_RUNS/probe_sweep/results.json" ] || fail "the linear-probe sweep cell wrote no results.json"
echo "ok: pretrain, finetune, eval, zeroshot, bench and linear-probe on --gpus-per-node=1 run on cuda (bf16 where it applies) on the job's GPU"
expect_args "pretrain cpu (SWAG_DEVICE=cpu on a GPU job)" run.device=cpu
refuse_args "pretrain cpu (SWAG_DEVICE=cpu on a GPU job)" run.device=cuda run.precision=bf16
grep -q "SWAG_DEVICE=cpu: running on the CPUs" "$(log_of "${id_of["pretrain cpu (SWAG_DEVICE=cpu on a GPU job)"]}")" \
  || fail "SWAG_DEVICE=cpu on a GPU job is not logged"
expect_args "bench cpu (no GPU)" "--device cpu"
refuse_args "bench cpu (no GPU)" "--precision bf16" "--device cuda"
expect_args "linear-probe cpu (no GPU)" "--device cpu" "--output-dir $work/runs/probe"
echo "ok: SWAG_DEVICE=cpu on a GPU job, and jobs without GPUs, run on cpu without a precision"

id=${id_of["pretrain 1 rank x 2 CPUs"]}
mask=$(field_of "$id" cpus | tr -d '[:space:]')
[ "$(field_of "$id" omp)" = 2 ] || fail "--cpus-per-task=2: OMP_NUM_THREADS=$(field_of "$id" omp)"
[ "$(field_of "$id" nccl_debug)" = INFO ] || fail "SWAG_SITE_ENV's NCCL_DEBUG=INFO did not reach the rank"
id2=${id_of["pretrain 2 ranks x 1 CPU"]}
m0=$(field_of "$id2" cpus 0 | tr -d '[:space:]')
m1=$(field_of "$id2" cpus 1 | tr -d '[:space:]')
# Both jobs hold the node's 2 CPUs. Two ranks of one CPU each are bound to disjoint CPUs; the one
# rank of 2 CPUs per task must hold both of them (without SRUN_CPUS_PER_TASK its step gets one
# CPU and the mask of one). Compared as sets, so that a host whose cores have 2 threads (a CPU
# bound as a whole core) passes too.
s0=$(cpu_set "$m0") s1=$(cpu_set "$m1") s=$(cpu_set "$mask")
if [ -z "$s0" ] || [ -z "$s1" ] || [ -n "$(comm -12 <(echo "$s0") <(echo "$s1"))" ]; then
  fail "--ntasks-per-node=2 --cpus-per-task=1: ranks' CPUs '$m0' and '$m1', expected disjoint"
fi
[ "$(wc -l <<<"$s")" -ge 2 ] || fail "--cpus-per-task=2: the rank's Cpus_allowed_list is '$mask', not 2 CPUs"
[ "$s" = "$(printf '%s\n%s\n' "$s0" "$s1" | sort -n -u)" ] \
  || fail "--cpus-per-task=2: the rank's CPUs '$mask' are not the job's 2 CPUs ('$m0' and '$m1' of 2 ranks x 1 CPU)"
echo "ok: --cpus-per-task=2: rank on CPUs $mask, OMP_NUM_THREADS=2; 2 ranks x 1 CPU: $m0 and $m1; SWAG_SITE_ENV reached the ranks"
echo "ok: slurm jobs (devices of every kind, refusals before launch, CPUs per rank, site settings)"
