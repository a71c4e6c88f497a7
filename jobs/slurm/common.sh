# shellcheck shell=bash
# Shared by every job script in jobs/slurm/ (sourced, never run): defaults for the knobs, error
# messages, the launcher, and the stop/checkpoint/requeue protocol.
#
# Knobs (environment variables; each script's header lists the ones it adds):
#   SWAG_ROOT      the swag checkout (default: found from the submitted script's path, then
#                  $SLURM_SUBMIT_DIR, then the current directory)
#   SWAG_WORKDIR   where the job runs; relative paths in decks and sweeps are relative to it
#                  (default: $SWAG_ROOT)
#   SWAG_BIN       the swag binary (default: $SWAG_ROOT/build/cuda/bin/swag when the job has
#                  GPUs and that file exists, else $SWAG_ROOT/build/cpu/bin/swag)
#   SWAG_DEVICE    run.device of pre-training and fine-tuning: cuda (one GPU per rank) or cpu
#                  (default: cuda when the job has GPUs and SWAG_BIN is the cuda build, else cpu)
#   SWAG_PRECISION run.precision of pre-training and fine-tuning (default on GPUs: bf16, as the
#                  paper trains with mixed precision; fp16 for GPUs without bf16 such as V100s,
#                  fp32 for none; on CPUs: the deck's, fp32). Keep it for the whole of a run: a
#                  resumed run takes its precision from here, not from the checkpoint.
#   SWAG_LAUNCH    the SPMD launcher (default "srun --mpi=pmix" inside a Slurm job; outside one
#                  it must be given, e.g. "mpirun -n 2")
#   SWAG_LAUNCH_OPTS  extra launcher options (e.g. "--cpu-bind=cores")
#   SWAG_PYTHON    Python with pandas, matplotlib and h5py (default /usr/bin/python3)
#   SWAG_MAX_REQUEUES  requeue at most this many times after a stop signal (default 50)
#   SWAG_REQUEUE   1 (default): requeue after a checkpointed stop; 0: exit 75 instead
#   OMP_NUM_THREADS  CPU threads per rank (default: $SLURM_CPUS_PER_TASK)
#
# The stop protocol: the scripts ask Slurm for a signal before the time limit
# (#SBATCH --signal=B:USR1@<seconds>); the batch shell traps it and forwards it to the job step,
# swag writes a checkpoint and exits 75, and the shell requeues the job (#SBATCH --requeue,
# --open-mode=append), whose next run resumes from that checkpoint. TERM (scancel, preemption)
# is forwarded too, but ends the job. Submitting the same script again resumes.

SWAG_STOPPED=75   # swag's exit code after a checkpointed stop (doc/cli.md)

swag_log() { printf 'swag job: %s\n' "$*" >&2; }
swag_die() { printf 'swag: error: %s\n' "$1" >&2; exit "${2:-1}"; }

# swag_defaults --bin|--no-bin: resolve and check the knobs common to all scripts; cd to
# SWAG_WORKDIR. --no-bin: the job does not run swag (the report).
swag_defaults() {
  [ -n "${SWAG_ROOT:-}" ] || swag_die "SWAG_ROOT is not set (the job scripts set it before sourcing common.sh)"
  SWAG_WORKDIR=${SWAG_WORKDIR:-$SWAG_ROOT}
  # a relative SWAG_BIN means one relative to where the job was submitted from
  if [ -n "${SWAG_BIN:-}" ] && [[ $SWAG_BIN == */* ]] && [[ $SWAG_BIN != /* ]] && [ -e "$SWAG_BIN" ]; then
    SWAG_BIN=$PWD/$SWAG_BIN
  fi
  cd "$SWAG_WORKDIR" || swag_die "SWAG_WORKDIR=$SWAG_WORKDIR is not a directory"
  if [ -z "${SWAG_BIN:-}" ]; then
    if [ -n "${SLURM_JOB_GPUS:-}${SLURM_STEP_GPUS:-}" ] && [ -x "$SWAG_ROOT/build/cuda/bin/swag" ]; then
      SWAG_BIN=$SWAG_ROOT/build/cuda/bin/swag
    else
      SWAG_BIN=$SWAG_ROOT/build/cpu/bin/swag
    fi
  fi
  [ "${1:-}" = --no-bin ] || [ -x "$SWAG_BIN" ] || swag_die "swag binary '$SWAG_BIN' not found or not executable (build it, or set SWAG_BIN)"
  if [ -z "${SWAG_DEVICE:-}" ]; then
    SWAG_DEVICE=cpu
    if [ -n "${SLURM_JOB_GPUS:-}${SLURM_STEP_GPUS:-}" ] && [ "$SWAG_BIN" -ef "$SWAG_ROOT/build/cuda/bin/swag" ]; then
      SWAG_DEVICE=cuda
    fi
  fi
  if [ "$SWAG_DEVICE" = cuda ]; then SWAG_PRECISION=${SWAG_PRECISION:-bf16}; fi
  SWAG_PYTHON=${SWAG_PYTHON:-/usr/bin/python3}
  if [ -z "${SWAG_LAUNCH+set}" ]; then
    if [ -n "${SLURM_JOB_ID:-}" ]; then
      SWAG_LAUNCH="srun --mpi=pmix"
    else
      swag_die "not inside a Slurm job: set SWAG_LAUNCH (e.g. SWAG_LAUNCH=\"mpirun -n 2\", or SWAG_LAUNCH= for one process)" 2
    fi
  fi
  # CPU threads per rank: what Slurm gave each task, unless set (swag's oneDNN reads it)
  if [ -z "${OMP_NUM_THREADS:-}" ] && [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then
    export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK
  fi
  SWAG_MAX_REQUEUES=${SWAG_MAX_REQUEUES:-50}
  SWAG_REQUEUE=${SWAG_REQUEUE:-1}
  swag_log "job ${SLURM_JOB_ID:-(no Slurm job)}${SLURM_ARRAY_TASK_ID:+ task $SLURM_ARRAY_TASK_ID}" \
    "on ${SLURM_JOB_NODELIST:-$(hostname)}, restart ${SLURM_RESTART_COUNT:-0}," \
    "binary $SWAG_BIN on $SWAG_DEVICE${SWAG_PRECISION:+ ($SWAG_PRECISION activations)}, launcher '${SWAG_LAUNCH}${SWAG_LAUNCH_OPTS:+ $SWAG_LAUNCH_OPTS}', in $PWD"
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
  [ -f "$sweep" ] || swag_die "sweep file '$sweep' not found (relative to $PWD)" 5
  helper=$SWAG_ROOT/postprocess/sweep.py
  CELL_RUN_DIR=$("$SWAG_PYTHON" "$helper" prepare "$sweep" "$index") || swag_die "cannot expand cell $index of $sweep"
  argv_file=$CELL_RUN_DIR/cell.argv
  "$SWAG_PYTHON" "$helper" cell "$sweep" "$index" --argv >"$argv_file" || swag_die "cannot expand cell $index of $sweep"
  mapfile -d '' -t CELL_ARGV <"$argv_file"
  swag_log "cell $index of $sweep: $CELL_RUN_DIR"
}

# swag_pretrain DECK [key=value...]: pre-train with DECK (or $SWAG_DECK), resumably.
#   SWAG_DECK       the input deck (default: the script's, e.g. inputs/pretrain/regnety_128gf.toml)
#   SWAG_RUN_DIR    run.dir override (default: the deck's run.dir)
#   SWAG_OVERRIDES  more key=value deck overrides, whitespace-separated; the script's own
#                   arguments (sbatch pretrain_16gf.sh schedule.steps=1000) come last
swag_pretrain() {
  local deck=${SWAG_DECK:-$1}
  shift
  swag_defaults --bin
  [ -f "$deck" ] || swag_die "input deck '$deck' not found (relative to $PWD; set SWAG_DECK)" 5
  local -a launch ov over
  swag_launcher_array launch
  swag_overrides_array ov
  over=("run.device=$SWAG_DEVICE" ${SWAG_PRECISION:+"run.precision=$SWAG_PRECISION"} "${ov[@]}")
  [ -z "${SWAG_RUN_DIR:-}" ] || over+=("run.dir=$SWAG_RUN_DIR")
  over+=("$@")
  # a bad deck or override fails here, in a second, instead of on every rank
  "$SWAG_BIN" check-config --config "$deck" "${over[@]}" >/dev/null \
    || swag_die "input deck '$deck' with overrides '${over[*]}' does not validate (swag check-config)" 3
  swag_run_resumable "${launch[@]}" "$SWAG_BIN" pretrain --config "$deck" "${over[@]}"
}

# swag_sweep_task KIND...: run this array task's cell of $SWAG_SWEEP, if not done already.
#   SWAG_SWEEP      the sweep file (inputs/sweeps/*.toml); its kind must be one of KIND...
#   SWAG_CELL       the cell index when not running as an array task (default $SLURM_ARRAY_TASK_ID)
#   SWAG_FORCE      1: run a cell again even if its results.json exists
#   SWAG_OVERRIDES  (finetune) more key=value deck overrides for every cell
swag_sweep_task() {
  local sweep=${SWAG_SWEEP:-} kind k ok=0
  [ -n "$sweep" ] || swag_die "SWAG_SWEEP is not set: name a sweep file, e.g. sbatch --export=ALL,SWAG_SWEEP=inputs/sweeps/demo.toml --array=0-2 $0" 2
  swag_defaults --bin
  swag_sweep_cell "$sweep"
  kind=${CELL_ARGV[0]}
  for k in "$@"; do [ "$k" = "$kind" ] && ok=1; done
  [ "$ok" = 1 ] || swag_die "$sweep is a '$kind' sweep; this script runs $* sweeps" 2
  if [ -f "$CELL_RUN_DIR/results.json" ] && [ "${SWAG_FORCE:-0}" != 1 ]; then
    swag_log "$CELL_RUN_DIR/results.json exists: cell already done (SWAG_FORCE=1 runs it again)"
    return 0
  fi
  local -a launch ov
  swag_launcher_array launch
  if [ "$kind" = finetune ]; then
    swag_overrides_array ov
    ov=("run.device=$SWAG_DEVICE" ${SWAG_PRECISION:+"run.precision=$SWAG_PRECISION"} "${ov[@]}")
    # the deck and the cell's overrides fail here, in a second, instead of on every rank
    local -a check=(check-config --kind finetune)
    local i=1
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
      "${launch[@]}" "$SWAG_BIN" "${CELL_ARGV[@]}"
  fi
}
