# shellcheck shell=bash
# Shared by every job script in jobs/slurm/ (sourced, never run): defaults for the knobs, error
# messages, the device and the binary, the launcher, and the stop/checkpoint/requeue protocol.
#
# Knobs (environment variables; each script's header lists the ones it adds):
#   SWAG_ROOT      the swag data root: a checkout, or an installed tree's share/swag (default:
#                  found from the submitted script's path, then $SLURM_SUBMIT_DIR, then the
#                  current directory). Shipped decks and sweeps (inputs/...) resolve against it
#                  when they are not found relative to SWAG_WORKDIR.
#   SWAG_WORKDIR   where the job runs; relative paths in decks and sweeps are relative to it
#                  (default: $SWAG_ROOT in a checkout; the submission folder in an installed tree)
#   SWAG_SITE_ENV  a bash file sourced before anything else: module loads, NCCL_*, FI_*, UCX_*
#                  (jobs/slurm/site.env.example); a missing file is an error (exit 5)
#   SWAG_RUNS      where outputs go: pre-training run.dir (a deck's runs/X becomes $SWAG_RUNS/X),
#                  sweep cells (the sweep files' run_root) and the report (default: runs, under
#                  SWAG_WORKDIR)
#   SWAG_DEVICE    cpu or cuda (one GPU per rank) for every kind of job (default: cuda when the
#                  job has GPUs, SLURM_JOB_GPUS; else cpu). A cuda job stops before any rank
#                  starts if SWAG_BIN was built without CUDA or sees no GPU (exit 2).
#   SWAG_BIN       the swag binary (default: in a checkout build/cuda/bin/swag for cuda,
#                  build/cpu/bin/swag for cpu (else build/cuda's); in an installed tree
#                  <prefix>/bin/swag)
#   SWAG_PRECISION run.precision of pre-training and fine-tuning, --precision of bench (default
#                  on GPUs: bf16, as the paper trains with mixed precision; fp16 for GPUs without
#                  bf16 such as V100s, fp32 for none; on CPUs: the deck's, fp32). Keep it for the
#                  whole of a run: a resumed run takes its precision from here, not from the
#                  checkpoint. eval, zeroshot and linear-probe compute in fp32.
#   SWAG_LAUNCH    the SPMD launcher (default "srun --mpi=pmix" inside a Slurm job; outside one
#                  it must be given, e.g. "mpirun -n 2")
#   SWAG_LAUNCH_OPTS  extra launcher options (e.g. "--cpu-bind=cores")
#   SWAG_PYTHON    Python 3.9+ for sweep.py and report.py (default /usr/bin/python3)
#   SWAG_MAX_REQUEUES  requeue at most this many times after a stop signal (default 50)
#   SWAG_REQUEUE   1 (default): requeue after a checkpointed stop; 0: exit 75 instead
#   OMP_NUM_THREADS  CPU threads per rank (default: $SLURM_CPUS_PER_TASK)
#   SRUN_CPUS_PER_TASK  CPUs of each rank of srun (default: $SLURM_CPUS_PER_TASK; since Slurm
#                  22.05 srun does not take --cpus-per-task from sbatch by itself)
#
# Exit codes of the scripts (doc/slurm.md): swag's own (doc/cli.md) when swag fails, and before
# it starts: 1 Slurm or internal failure, 2 bad knob or a device that is not there (cuda without
# a CUDA build or a GPU), 3 a deck that does not validate, 5 a missing file (binary, deck, sweep,
# SWAG_SITE_ENV), 75 stopped after a checkpoint without a requeue.
#
# The stop protocol: the scripts ask Slurm for a signal before the time limit
# (#SBATCH --signal=B:USR1@<seconds>; without B: the signal goes to the steps only and the job
# is not requeued); the batch shell traps it and forwards it to the job step, swag writes a
# checkpoint and exits 75, and the shell requeues the job (#SBATCH --requeue,
# --open-mode=append), whose next run resumes from that checkpoint. TERM (scancel, preemption)
# is forwarded too, but ends the job. Submitting the same script again resumes.

SWAG_STOPPED=75   # swag's exit code after a checkpointed stop (doc/cli.md)

swag_log() { printf 'swag job: %s\n' "$*" >&2; }
swag_die() { printf 'swag: error: %s\n' "$1" >&2; exit "${2:-1}"; }

# swag_site_env: source $SWAG_SITE_ENV (module loads, network variables) when it is set.
swag_site_env() {
  [ -n "${SWAG_SITE_ENV:-}" ] || return 0
  [ -f "$SWAG_SITE_ENV" ] || swag_die "site settings file '$SWAG_SITE_ENV' not found (SWAG_SITE_ENV, relative to $PWD)" 5
  [ -r "$SWAG_SITE_ENV" ] || swag_die "site settings file '$SWAG_SITE_ENV' is not readable (SWAG_SITE_ENV)" 5
  swag_log "site settings from $SWAG_SITE_ENV"
  # module systems (Lmod, Environment Modules) read unset variables: no nounset while sourcing;
  # errexit stays, so a failing `module load` stops the job here
  local nounset=0
  case $- in *u*) nounset=1 ;; esac
  set +u
  # shellcheck disable=SC1090  # the site's file
  . "$SWAG_SITE_ENV"
  if [ "$nounset" = 1 ]; then set -u; fi
}

# swag_installed: whether SWAG_ROOT is an installed tree's data root, <prefix>/share/swag, with
# the binary in <prefix>/bin/swag (cmake --install), rather than a checkout.
swag_installed() {
  [ ! -f "$SWAG_ROOT/CMakeLists.txt" ] && { [[ $SWAG_ROOT == */share/swag ]] || [ -e "$SWAG_ROOT/../../bin/swag" ]; }
}

# swag_data_path PATH: PATH itself when it exists relative to $PWD (or is absolute), else the
# shipped file $SWAG_ROOT/PATH when that exists, else PATH (for the caller's error message).
swag_data_path() {
  if [[ $1 != /* ]] && [ ! -e "$1" ] && [ -e "$SWAG_ROOT/$1" ]; then
    printf '%s\n' "$SWAG_ROOT/$1"
  else
    printf '%s\n' "$1"
  fi
}

# swag_job_gpus: the GPUs Slurm gave this job on this node (SLURM_JOB_GPUS, SLURM_STEP_GPUS,
# else SLURM_GPUS_ON_NODE), empty when none.
swag_job_gpus() {
  if [ -n "${SLURM_JOB_GPUS:-}${SLURM_STEP_GPUS:-}" ]; then
    printf '%s\n' "${SLURM_JOB_GPUS:-$SLURM_STEP_GPUS}"
  elif [ "${SLURM_GPUS_ON_NODE:-0}" != 0 ]; then
    printf '%s GPUs\n' "$SLURM_GPUS_ON_NODE"
  fi
}

# swag_check_cuda: stop unless SWAG_BIN has the cuda backend and sees a GPU here, as its
# --version says ("backends: cpu cuda (...)", "gpus: N visible"; no backends line: CPU only).
swag_check_cuda() {
  local version backends gpus n why re='[[:space:]]cuda[[:space:](]'
  why="SWAG_DEVICE=cuda"
  [ -z "$_swag_job_gpus" ] || why="the job has GPUs ($_swag_job_gpus)"
  version=$("$SWAG_BIN" --version 2>&1) || swag_die "'$SWAG_BIN --version' failed: $version" 1
  backends=$(sed -n 's/^backends:[[:space:]]*//p' <<<"$version" | head -n 1)
  if ! [[ " $backends " =~ $re ]]; then
    swag_die "$why, but $SWAG_BIN was built without CUDA (swag --version: ${backends:+backends: }${backends:-no backends line}); build the cuda preset and set SWAG_BIN to it, or set SWAG_DEVICE=cpu to run on the CPUs" 2
  fi
  gpus=$(sed -n 's/^gpus:[[:space:]]*//p' <<<"$version" | head -n 1)
  n=${gpus%%[!0-9]*}
  if [ -z "$n" ] || [ "$n" -eq 0 ]; then
    swag_die "$why, but $SWAG_BIN sees no GPU on $(hostname) (swag --version: gpus: ${gpus:-(no gpus line)}; CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES-(unset)}); ask for GPUs (sbatch --gpus-per-node=N) or set SWAG_DEVICE=cpu" 2
  fi
}

# swag_defaults --bin|--no-bin: resolve and check the knobs common to all scripts; cd to
# SWAG_WORKDIR. --no-bin: the job does not run swag (the report).
swag_defaults() {
  [ -n "${SWAG_ROOT:-}" ] || swag_die "SWAG_ROOT is not set (the job scripts set it before sourcing common.sh)"
  SWAG_ROOT=$(cd "$SWAG_ROOT" && pwd) || swag_die "SWAG_ROOT=$SWAG_ROOT is not a directory" 5
  swag_site_env
  if [ -z "${SWAG_WORKDIR:-}" ]; then
    SWAG_WORKDIR=$SWAG_ROOT
    # an installed tree is not a place to write in: run where the job was submitted
    if swag_installed; then SWAG_WORKDIR=${SLURM_SUBMIT_DIR:-$PWD}; fi
  fi
  # a relative SWAG_BIN means one relative to where the job was submitted from
  if [ -n "${SWAG_BIN:-}" ] && [[ $SWAG_BIN == */* ]] && [[ $SWAG_BIN != /* ]] && [ -e "$SWAG_BIN" ]; then
    SWAG_BIN=$PWD/$SWAG_BIN
  fi
  cd "$SWAG_WORKDIR" || swag_die "SWAG_WORKDIR=$SWAG_WORKDIR is not a directory" 5
  _swag_job_gpus=$(swag_job_gpus)
  if [ -z "${SWAG_DEVICE:-}" ]; then
    SWAG_DEVICE=cpu
    if [ -n "$_swag_job_gpus" ] && [ "${1:-}" != --no-bin ]; then SWAG_DEVICE=cuda; fi
  fi
  case $SWAG_DEVICE in
    cpu | cuda) ;;
    *) swag_die "SWAG_DEVICE=$SWAG_DEVICE is not cpu or cuda" 2 ;;
  esac
  if [ -z "${SWAG_BIN:-}" ]; then
    if swag_installed; then
      SWAG_BIN=$(cd "$SWAG_ROOT/../.." && pwd)/bin/swag
    elif [ "$SWAG_DEVICE" = cuda ]; then
      SWAG_BIN=$SWAG_ROOT/build/cuda/bin/swag   # never the CPU build: no silent fallback
    else
      SWAG_BIN=$SWAG_ROOT/build/cpu/bin/swag
      # a CUDA build also runs on the CPUs
      [ -x "$SWAG_BIN" ] || [ ! -x "$SWAG_ROOT/build/cuda/bin/swag" ] || SWAG_BIN=$SWAG_ROOT/build/cuda/bin/swag
    fi
  fi
  if [ "${1:-}" != --no-bin ]; then
    if [ ! -x "$SWAG_BIN" ]; then
      if [ "$SWAG_DEVICE" = cuda ]; then
        swag_die "SWAG_DEVICE=cuda${_swag_job_gpus:+ (the job has GPUs: $_swag_job_gpus)}, but the CUDA build '$SWAG_BIN' is not there (cmake --preset cuda && cmake --build --preset cuda, or set SWAG_BIN; SWAG_DEVICE=cpu runs on the CPUs)" 5
      fi
      swag_die "swag binary '$SWAG_BIN' not found or not executable (build it, or set SWAG_BIN)" 5
    fi
    if [ "$SWAG_DEVICE" = cuda ]; then
      swag_check_cuda
      SWAG_PRECISION=${SWAG_PRECISION:-bf16}
    elif [ -n "$_swag_job_gpus" ]; then
      swag_log "the job has GPUs ($_swag_job_gpus) but SWAG_DEVICE=cpu: running on the CPUs"
    fi
  fi
  SWAG_PYTHON=${SWAG_PYTHON:-/usr/bin/python3}
  if [ -z "${SWAG_LAUNCH+set}" ]; then
    if [ -n "${SLURM_JOB_ID:-}" ]; then
      SWAG_LAUNCH="srun --mpi=pmix"
    else
      swag_die "not inside a Slurm job: set SWAG_LAUNCH (e.g. SWAG_LAUNCH=\"mpirun -n 2\", or SWAG_LAUNCH= for one process)" 2
    fi
  fi
  # CPU threads per rank: what Slurm gave each task, unless set (swag's oneDNN reads it); and
  # the CPUs of each srun task, which srun no longer takes from sbatch (Slurm 22.05 and later)
  if [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then
    if [ -z "${OMP_NUM_THREADS:-}" ]; then export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK; fi
    export SRUN_CPUS_PER_TASK=${SRUN_CPUS_PER_TASK:-$SLURM_CPUS_PER_TASK}
  fi
  SWAG_MAX_REQUEUES=${SWAG_MAX_REQUEUES:-50}
  SWAG_REQUEUE=${SWAG_REQUEUE:-1}
  swag_log "job ${SLURM_JOB_ID:-(no Slurm job)}${SLURM_ARRAY_TASK_ID:+ task $SLURM_ARRAY_TASK_ID}" \
    "on ${SLURM_JOB_NODELIST:-$(hostname)}, restart ${SLURM_RESTART_COUNT:-0}," \
    "binary $SWAG_BIN on $SWAG_DEVICE${SWAG_PRECISION:+ ($SWAG_PRECISION activations)}${_swag_job_gpus:+, GPUs $_swag_job_gpus}," \
    "${SLURM_CPUS_PER_TASK:+$SLURM_CPUS_PER_TASK CPUs per rank, }launcher '${SWAG_LAUNCH}${SWAG_LAUNCH_OPTS:+ $SWAG_LAUNCH_OPTS}', in $PWD${SWAG_RUNS:+, outputs in $SWAG_RUNS}"
}

# swag_device_args KIND NAME: the device and precision arguments of swag KIND (pretrain,
# finetune, eval, zeroshot, linear-probe, bench) as an array named NAME.
swag_device_args() {
  local -n _dev=$2
  case $1 in
    pretrain | finetune) _dev=("run.device=$SWAG_DEVICE" ${SWAG_PRECISION:+"run.precision=$SWAG_PRECISION"}) ;;
    bench) _dev=(--device "$SWAG_DEVICE" ${SWAG_PRECISION:+--precision "$SWAG_PRECISION"}) ;;
    eval | zeroshot | linear-probe) _dev=(--device "$SWAG_DEVICE") ;;   # fp32 only
    *) swag_die "no device arguments known for 'swag $1'" 1 ;;
  esac
}

# swag_launcher_array NAME: the launcher and its options as an array named NAME.
swag_launcher_array() {
  local -n _out=$1
  local -a a b
  read -r -a a <<<"${SWAG_LAUNCH:-}"
  read -r -a b <<<"${SWAG_LAUNCH_OPTS:-}"
  _out=("${a[@]}" "${b[@]}")
}

# swag_overrides_array NAME: $SWAG_OVERRIDES (whitespace-separated key=value deck overrides)
# as an array named NAME; each must look like section.key=value.
swag_overrides_array() {
  local -n _ov=$1
  local o
  read -r -a _ov <<<"${SWAG_OVERRIDES:-}"
  for o in "${_ov[@]}"; do
    [[ $o == *.*=* ]] || swag_die "SWAG_OVERRIDES entry '$o' is not section.key=value" 2
  done
}

_swag_signal=""
_swag_child=""
_swag_forward() {
  _swag_signal=$1
  swag_log "received SIG$1; asking swag (pid $_swag_child) to checkpoint and stop"
  if [ -n "$_swag_child" ]; then kill -s "$1" "$_swag_child" 2>/dev/null || true; fi
}

# swag_run_resumable [--restartable] [--json OUT] CMD...: run CMD (launcher included) in the
# background with USR1 and TERM forwarded to it, and wait.
#   exit 0 -> return 0 (with --json: CMD's stdout must be one JSON object; it is stored as OUT,
#             written to a temporary name and renamed, so OUT is complete or absent);
#   a checkpointed stop (exit 75) after USR1 -> requeue the job (Slurm reruns the script,
#             which resumes) and exit 0; after TERM -> exit 75; with --restartable (commands that simply start over,
#             e.g. swag eval), any failure after a signal is treated the same way;
#   anything else -> exit with CMD's code.
swag_run_resumable() {
  local rc restartable=0 json=""
  while [ $# -gt 0 ]; do
    case $1 in
      --restartable) restartable=1; shift ;;
      --json) json=$2; shift 2 ;;
      *) break ;;
    esac
  done
  _swag_signal=""
  trap '_swag_forward USR1' USR1
  trap '_swag_forward TERM' TERM
  swag_log "running: $*"
  if [ -n "$json" ]; then
    "$@" >"$json.tmp" &
  else
    "$@" &
  fi
  _swag_child=$!
  while :; do
    rc=0
    wait "$_swag_child" || rc=$?
    # wait returns early (>128) when a trapped signal arrives; the child is still running then
    if [ "$rc" -gt 128 ] && kill -0 "$_swag_child" 2>/dev/null; then continue; fi
    # it may have ended just after the interruption: bash keeps its status for another wait
    if [ "$rc" -gt 128 ] && [ -n "$_swag_signal" ]; then
      rc=0
      wait "$_swag_child" || rc=$?
    fi
    break
  done
  trap - USR1 TERM
  _swag_child=""
  if [ "$rc" -eq 0 ] && [ -n "$json" ]; then
    "$SWAG_PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' "$json.tmp" 2>/dev/null \
      || swag_die "'$*' exited 0 but did not print one JSON object (kept as $json.tmp)"
    mv -f "$json.tmp" "$json"
    swag_log "wrote $json"
  fi
  if [ "$rc" -eq 0 ]; then
    swag_log "finished"
    return 0
  fi
  [ -z "$json" ] || rm -f "$json.tmp"
  if [ "$rc" -eq "$SWAG_STOPPED" ] || { [ "$restartable" = 1 ] && [ -n "$_swag_signal" ]; }; then
    if [ -z "$_swag_signal" ]; then
      swag_log "swag stopped after a checkpoint without a signal (run.stop_at_step?); submit the job again to continue"
      exit "$SWAG_STOPPED"
    fi
    # TERM comes from scancel or preemption (Slurm requeues preempted jobs itself): no requeue
    if [ -z "${SLURM_JOB_ID:-}" ] || [ "$SWAG_REQUEUE" != 1 ] || [ "$_swag_signal" != USR1 ]; then
      swag_log "stopped on SIG$_swag_signal (exit $rc); run the same command again to continue"
      exit "$SWAG_STOPPED"
    fi
    if [ "${SLURM_RESTART_COUNT:-0}" -ge "$SWAG_MAX_REQUEUES" ]; then
      swag_die "stopped on SIG$_swag_signal, but the job was already requeued $SWAG_MAX_REQUEUES times (SWAG_MAX_REQUEUES); submit it again to continue" "$SWAG_STOPPED"
    fi
    swag_log "stopped on SIG$_swag_signal (exit $rc); requeueing job $SLURM_JOB_ID (restart $((${SLURM_RESTART_COUNT:-0} + 1)))"
    scontrol requeue "$SLURM_JOB_ID" || swag_die "scontrol requeue $SLURM_JOB_ID failed; submit the job again to resume" "$SWAG_STOPPED"
    exit 0
  fi
  swag_die "'$*' exited with code $rc (doc/cli.md lists swag's exit codes)" "$rc"
}

# swag_sweep_cell SWEEP: expand the cell of this array task ($SLURM_ARRAY_TASK_ID, or
# $SWAG_CELL) into the globals CELL_RUN_DIR and the array CELL_ARGV (swag's arguments).
swag_sweep_cell() {
  local sweep=$1 index=${SWAG_CELL:-${SLURM_ARRAY_TASK_ID:-}} helper argv_file
  [ -n "$index" ] || swag_die "no cell index: submit with sbatch --array=0-N (N+1 = \`$SWAG_PYTHON postprocess/sweep.py count $sweep\`) or set SWAG_CELL" 2
  [ -f "$sweep" ] || swag_die "sweep file '$sweep' not found (relative to $PWD or $SWAG_ROOT)" 5
  helper=$SWAG_ROOT/postprocess/sweep.py
  CELL_RUN_DIR=$("$SWAG_PYTHON" "$helper" prepare "$sweep" "$index") || swag_die "cannot expand cell $index of $sweep"
  argv_file=$CELL_RUN_DIR/cell.argv
  "$SWAG_PYTHON" "$helper" cell "$sweep" "$index" --argv >"$argv_file" || swag_die "cannot expand cell $index of $sweep"
  mapfile -d '' -t CELL_ARGV <"$argv_file"
  swag_log "cell $index of $sweep: $CELL_RUN_DIR"
}

# swag_pretrain DECK [key=value...]: pre-train with DECK (or $SWAG_DECK), resumably.
#   SWAG_DECK       the input deck (default: the script's, e.g. inputs/pretrain/regnety_128gf.toml;
#                   a relative path not found in SWAG_WORKDIR is taken from SWAG_ROOT)
#   SWAG_RUN_DIR    run.dir override (default: the deck's run.dir, moved under $SWAG_RUNS when
#                   that is set: runs/X becomes $SWAG_RUNS/X)
#   SWAG_OVERRIDES  more key=value deck overrides, whitespace-separated; the script's own
#                   arguments (sbatch pretrain_16gf.sh schedule.steps=1000) come last
swag_pretrain() {
  local deck=${SWAG_DECK:-$1} run_dir=${SWAG_RUN_DIR:-}
  shift
  swag_defaults --bin
  deck=$(swag_data_path "$deck")
  [ -f "$deck" ] || swag_die "input deck '$deck' not found (relative to $PWD or $SWAG_ROOT; set SWAG_DECK)" 5
  local -a launch ov over
  swag_launcher_array launch
  swag_overrides_array ov
  swag_device_args pretrain over
  over+=("${ov[@]}")
  if [ -z "$run_dir" ] && [ -n "${SWAG_RUNS:-}" ]; then
    run_dir=$("$SWAG_PYTHON" - "$deck" <<'PY'
import sys
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.9 and 3.10
    import tomli as tomllib
with open(sys.argv[1], "rb") as f:
    print(tomllib.load(f).get("run", {}).get("dir", ""))
PY
    ) || swag_die "cannot read run.dir of the input deck '$deck' with $SWAG_PYTHON (TOML; SWAG_PYTHON)" 3
    case $run_dir in
      "") ;;
      /*) ;;   # an absolute run.dir stays where the deck says
      *) run_dir=$SWAG_RUNS/${run_dir#runs/} ;;
    esac
  fi
  [ -z "$run_dir" ] || over+=("run.dir=$run_dir")
  over+=("$@")
  # a bad deck or override fails here, in a second, instead of on every rank
  "$SWAG_BIN" check-config --config "$deck" "${over[@]}" >/dev/null \
    || swag_die "input deck '$deck' with overrides '${over[*]}' does not validate (swag check-config)" 3
  swag_run_resumable "${launch[@]}" "$SWAG_BIN" pretrain --config "$deck" "${over[@]}"
}

# swag_sweep_task KIND...: run this array task's cell of $SWAG_SWEEP, if not done already.
#   SWAG_SWEEP      the sweep file (inputs/sweeps/*.toml; a relative path not found in
#                   SWAG_WORKDIR is taken from SWAG_ROOT); its kind must be one of KIND...
#   SWAG_CELL       the cell index when not running as an array task (default $SLURM_ARRAY_TASK_ID)
#   SWAG_FORCE      1: run a cell again even if its results.json exists
#   SWAG_OVERRIDES  (finetune) more key=value deck overrides for every cell
# Every kind gets the job's device (swag_device_args); a finetune cell's relative deck
# (--config) not found in SWAG_WORKDIR is taken from SWAG_ROOT.
swag_sweep_task() {
  local sweep=${SWAG_SWEEP:-} kind k ok=0 i
  [ -n "$sweep" ] || swag_die "SWAG_SWEEP is not set: name a sweep file, e.g. sbatch --export=ALL,SWAG_SWEEP=inputs/sweeps/demo.toml --array=0-2 $0" 2
  swag_defaults --bin
  sweep=$(swag_data_path "$sweep")
  swag_sweep_cell "$sweep"
  kind=${CELL_ARGV[0]}
  for k in "$@"; do [ "$k" = "$kind" ] && ok=1; done
  [ "$ok" = 1 ] || swag_die "$sweep is a '$kind' sweep; this script runs $* sweeps" 2
  if [ -f "$CELL_RUN_DIR/results.json" ] && [ "${SWAG_FORCE:-0}" != 1 ]; then
    swag_log "$CELL_RUN_DIR/results.json exists: cell already done (SWAG_FORCE=1 runs it again)"
    return 0
  fi
  for ((i = 1; i < ${#CELL_ARGV[@]} - 1; i++)); do
    if [ "${CELL_ARGV[$i]}" = --config ]; then CELL_ARGV[i + 1]=$(swag_data_path "${CELL_ARGV[$((i + 1))]}"); fi
  done
  local -a launch ov dev
  swag_launcher_array launch
  swag_device_args "$kind" dev
  if [ "$kind" = finetune ]; then
    swag_overrides_array ov
    ov=("${dev[@]}" "${ov[@]}")
    # the deck and the cell's overrides fail here, in a second, instead of on every rank
    local -a check=(check-config --kind finetune)
    i=1
    while [ "$i" -lt "${#CELL_ARGV[@]}" ]; do
      case ${CELL_ARGV[$i]} in
        --init) check+=("init.checkpoint=${CELL_ARGV[$((i + 1))]}"); i=$((i + 2)) ;;
        *) check+=("${CELL_ARGV[$i]}"); i=$((i + 1)) ;;
      esac
    done
    "$SWAG_BIN" "${check[@]}" "${ov[@]}" >/dev/null \
      || swag_die "cell $CELL_RUN_DIR: its deck and overrides do not validate (swag check-config --kind finetune)" 3
    swag_run_resumable "${launch[@]}" "$SWAG_BIN" "${CELL_ARGV[@]}" "${ov[@]}"
  else
    [ -z "${SWAG_OVERRIDES:-}" ] || swag_die "SWAG_OVERRIDES only applies to finetune sweeps" 2
    swag_run_resumable --restartable --json "$CELL_RUN_DIR/results.json" \
      "${launch[@]}" "$SWAG_BIN" "${CELL_ARGV[@]}" "${dev[@]}"
  fi
}

# swag_linear_probe [swag linear-probe option ...]: a linear probe on cached features
# (`swag linear-probe --checkpoint C --train T --eval E [--output-dir D] ...`) on the job's
# device; it starts over when requeued (the feature cache in D is kept).
#   --output-dir    default: $SWAG_RUNS/linear_probe/<job name>-<job id> (SWAG_RUNS: runs)
swag_linear_probe() {
  swag_defaults --bin
  local -a launch dev args=("$@")
  local a out=""
  for a in "$@"; do
    case $a in
      --device | --device=*) swag_die "linear probe: --device comes from the job (SWAG_DEVICE), not the arguments" 2 ;;
      --output-dir | --output-dir=*) out=given ;;
    esac
  done
  if [ -z "$out" ]; then
    out=${SWAG_RUNS:-runs}/linear_probe/${SLURM_JOB_NAME:-linear_probe}-${SLURM_JOB_ID:-$$}
    args+=(--output-dir "$out")
  fi
  swag_launcher_array launch
  swag_device_args linear-probe dev
  swag_run_resumable --restartable "${launch[@]}" "$SWAG_BIN" linear-probe "${args[@]}" "${dev[@]}"
}
