#!/usr/bin/env bash
# A private one-node Slurm cluster on localhost for the job-script tests: its own munged (run as
# user munge, with its own key and socket), slurmctld and slurmd (as root), ports and state, all
# under one folder. Nothing outside that folder is touched, so it can run beside a site Slurm.
#
#   cluster.sh start DIR     start the daemons; prints the line to eval in the submitting shell,
#                            "export SLURM_CONF=DIR/etc/slurm.conf SWAG_SLURM_TEST_CLUSTER=DIR"
#   cluster.sh stop DIR      cancel the jobs, stop the daemons by their pid files, then end any
#                            process left over whose environment has SWAG_SLURM_TEST_CLUSTER=DIR
#                            (idempotent; safe after a failed start)
#   cluster.sh env DIR       print the export line again
#
# The node has one GPU for Slurm's accounting, without a GPU: gres.conf gives GRES gpu:1 the
# device file /dev/null (AutoDetect=off), so `sbatch --gpus=1` is scheduled and its job gets
# SLURM_JOB_GPUS=0 and CUDA_VISIBLE_DEVICES=0 as on a GPU node. Tasks are bound to the CPUs
# their step allocated (TaskPlugin=task/affinity, TaskPluginParam=Cores), as cgroups confine
# them on a production cluster: a step launched without --cpus-per-task gets one CPU per task.
#
# Knobs (environment): SWAG_SLURM_CPUS (CPUs of the node, default 2), SWAG_SLURM_CRED_EXPIRE
# (seconds a requeued job waits before it may start again, default 10). Needs the Debian
# packages slurm-wlm and munge (tools/setup.sh), and root; without them `start` exits 77 (what
# the tests give ctest as SKIP_RETURN_CODE) with the reason.
set -euo pipefail

die() { echo "swag: error: slurm test cluster: $*" >&2; exit 1; }
skip() { echo "slurm test cluster: cannot start: $*" >&2; exit 77; }

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then die "usage: cluster.sh start|stop|env DIR"; fi

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_pidfile() {  # stop_pidfile FILE NAME: TERM, wait up to 10 s, then KILL
  local f=$1 name=$2 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "slurm test cluster: $name ($pid) ignored SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$f"
}

wait_for() {  # wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS
  local secs=$1
  shift
  for _ in $(seq 1 $((secs * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

# leftover_pids: processes started for this cluster (daemons, step daemons, jobs), found by the
# marker variable in their environment; never this script or its ancestors.
leftover_pids() {
  local marker="SWAG_SLURM_TEST_CLUSTER=$dir" p pid keep=" "
  p=$BASHPID   # this (sub)shell and its ancestors: the caller carries the marker too
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    keep+="$p "
    p=$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
  done
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [[ $keep == *" $pid "* ]] && continue
    if grep -qzxF "$marker" "/proc/$pid/environ" 2>/dev/null; then
      echo "$pid"
    fi
  done
}

case "$cmd" in
  stop)
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/etc/slurm.conf" ] && [ -f "$dir/run/slurmctld.pid" ]; then
      # cancel what is still queued or running, while the controller is up
      export SLURM_CONF=$dir/etc/slurm.conf
      timeout 10 scancel --quiet --user=root >/dev/null 2>&1 || true
      for _ in $(seq 1 50); do
        [ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
        sleep 0.2
      done
    fi
    stop_pidfile "$dir/run/slurmd.pid" slurmd
    stop_pidfile "$dir/run/slurmctld.pid" slurmctld
    # anything left (a step daemon or job that outlived slurmd): by the marker, by pid
    pids=""
    for pid in $(leftover_pids); do
      # still there and still ours (the list's own helper processes have ended by now)
      grep -qzxF "SWAG_SLURM_TEST_CLUSTER=$dir" "/proc/$pid/environ" 2>/dev/null && pids+=" $pid"
    done
    if [ -n "$pids" ]; then
      echo "slurm test cluster: stopping leftover processes:" >&2
      # shellcheck disable=SC2086
      ps -o pid=,args= -p "$(echo $pids | tr ' ' ',')" >&2 || true
      for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
      sleep 1
      for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
    stop_pidfile "$dir/munge/munged.pid" munged
    exit 0
    ;;
  env)
    echo "export SLURM_CONF=$dir/etc/slurm.conf SWAG_SLURM_TEST_CLUSTER=$dir"
    exit 0
    ;;
  start) ;;
  *) die "unknown command '$cmd' (start, stop or env)" ;;
esac

[ "$(id -u)" -eq 0 ] || skip "not root (slurmd must run as root to start jobs as their user)"
for b in munged mungekey munge slurmctld slurmd sbatch scontrol squeue sinfo runuser; do
  command -v "$b" >/dev/null || skip "'$b' not found: install the Debian packages slurm-wlm and munge (tools/setup.sh)"
done
id munge >/dev/null 2>&1 || skip "user 'munge' does not exist: install the Debian package munge"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
"$0" stop "$dir"   # leftovers of an earlier, killed run
rm -rf "${dir:?}/etc" "$dir/state" "$dir/spool" "$dir/log" "$dir/run" "$dir/munge"
mkdir -p "$dir/etc" "$dir/state" "$dir/spool" "$dir/log" "$dir/run" "$dir/munge"
chmod 755 "$dir"

# munged as user munge, with a private key and socket: the folder must be owned by munge and
# not writable by others, and every folder above it must be searchable by munge.
p=$dir
while [ "$p" != / ]; do
  runuser -u munge -- test -x "$p" || die "user munge cannot reach $dir: $p is not searchable by it (use a folder under /tmp)"
  p=$(dirname "$p")
done
[ ${#dir} -le 60 ] || die "$dir is too long: Unix socket paths below it would pass 108 bytes (use a folder under /tmp)"
chown munge: "$dir/munge"
chmod 700 "$dir/munge"
runuser -u munge -- mungekey --create --keyfile="$dir/munge/munge.key" --bits=1024 >/dev/null
runuser -u munge -- munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
  --seed-file="$dir/munge/munged.seed" --force \
  || die "munged did not start; see $dir/munge/munged.log"
chmod 755 "$dir/munge"   # clients connect to the socket (munged makes it world-writable)
wait_for 10 munge --socket="$dir/munge/munge.socket" -n \
  || die "munged does not answer on $dir/munge/munge.socket; see $dir/munge/munged.log"

ctld_port=$(free_port)
slurmd_port=$(free_port)
[ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$(free_port)
cpus=${SWAG_SLURM_CPUS:-2}
cat >"$dir/etc/slurm.conf" <<CONF
# written by tests/slurm/cluster.sh for a private test cluster
ClusterName=swagtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=${SWAG_SLURM_CRED_EXPIRE:-10}
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
TaskPluginParam=Cores
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=2
ReturnToService=2
MinJobAge=3600
JobRequeue=0
KillWait=10
InactiveLimit=0
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
GresTypes=gpu
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
# a GPU for the scheduler only: /dev/null stands for /dev/nvidia0 (nothing opens it)
cat >"$dir/etc/gres.conf" <<CONF
AutoDetect=off
NodeName=localhost Name=gpu File=/dev/null
CONF
export SLURM_CONF=$dir/etc/slurm.conf
export SWAG_SLURM_TEST_CLUSTER=$dir   # marks the daemons, their step daemons and (through the
                                      # submitting environment) the jobs, for `stop`

slurmctld -i -f "$SLURM_CONF" || die "slurmctld did not start; see $dir/log/slurmctld.log"
wait_for 30 scontrol ping \
  || die "slurmctld does not answer; see $dir/log/slurmctld.log"
slurmd -N localhost -f "$SLURM_CONF" || die "slurmd did not start; see $dir/log/slurmd.log"
node_idle() { sinfo -h -n localhost -o %T | grep -qx idle; }
wait_for 30 node_idle || {
  sinfo >&2 || true
  die "node localhost did not become idle; see $dir/log/slurmd.log and slurmctld.log"
}
echo "export SLURM_CONF=$SLURM_CONF SWAG_SLURM_TEST_CLUSTER=$dir"
