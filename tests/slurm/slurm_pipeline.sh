#!/usr/bin/env bash
# The demo pipeline through the real job scripts on a real one-node Slurm (cluster.sh starts it
# in WORKDIR and stops it on exit, even on failure):
#   1. a small Fashion-MNIST demo dataset as inputs/demo/build_demo.sh makes it (swag demo-data,
#      vocab build, shard), of 3,000 training and 1,000 test images;
#   2. jobs/slurm/pretrain_demo.sh, with overrides (SWAG_RUN_DIR, SWAG_OVERRIDES, arguments) and
#      CPU resources; when its first checkpoint exists the test sends its batch shell USR1
#      (scancel --batch --signal=USR1, what --signal=B:USR1@N does before the time limit);
#   3. a 3-task fine-tune array (jobs/slurm/submit.sh finetune inputs/sweeps/demo.toml) after
#      the pre-training (afterok), a 2-task zero-shot array with and without Platt (zeroshot.sh,
#      demo_zeroshot.toml, afterok), a 2-task benchmark array (bench.sh, demo_bench.toml, named
#      relative to the checkout from another folder), one of the paper-scale scripts
#      (pretrain_16gf.sh) shrunk by sbatch options to the test deck, run in another folder with
#      its output under SWAG_RUNS, and jobs/slurm/report.sh after all of them (afterok), which
#      writes to $SWAG_RUNS/report;
# then checks that every job completed, that the pre-training was requeued once and resumed
# from the checkpoint written at the stop, and the report's cells.
#
#   slurm_pipeline.sh REPO SWAG_BINARY WORKDIR       (files in WORKDIR/run-<pid>)
#
# Needs root and the Debian packages slurm-wlm and munge (tools/setup.sh); about a minute.
# Without them it exits 77 (ctest: skipped) with the reason.
set -euo pipefail

repo=$(cd "$1" && pwd)
swag=$2
work=$3
py=/usr/bin/python3
cluster=$repo/tests/slurm/cluster.sh

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $(date +%T) $*"; }

# a folder per run (the build tree may be shared by several ctest runs); earlier runs' go
mkdir -p "$work"
for old in "$work"/run-*; do
  [ -d "$old" ] || continue
  kill -0 "${old##*/run-}" 2>/dev/null || rm -rf "$old"
done
work=$(cd "$work" && pwd)/run-$$
mkdir -p "$work/logs"
# The cluster lives in a short folder of its own: Unix socket paths (munged's, slurmd's step
# sockets) must stay under 108 bytes, and user munge must reach it (a build tree may not allow).
cdir=$(mktemp -d -p /tmp)  # mktemp's default name: short
chmod 755 "$cdir"

# The daemons go when this script ends: on exit (trap), and, should the script be killed
# outright (a ctest timeout), by a watcher that outlives it.
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    echo "---- job logs" >&2
    tail -n 40 "$work"/logs/*.out >&2 2>/dev/null || true
    echo "---- queue" >&2
    squeue >&2 2>/dev/null || true
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
env_line=$("$cluster" start "$cdir") || exit $?   # 77: no Slurm here (ctest SKIP_RETURN_CODE)
eval "$env_line"
sinfo

step "building a small demo dataset"
data=$work/demo-data
"$swag" demo-data --output-dir "$data" --train-limit 3000 --test-limit 1000 >/dev/null
"$swag" vocab build --wordnet /usr/share/wordnet --hashtags "$data/train/hashtag_counts.tsv" \
  --output "$data/vocab.json" 2>/dev/null
"$swag" shard --manifest "$data/train/manifest.tsv" --vocab "$data/vocab.json" \
  --output-dir "$data/train/shards" 2>/dev/null
"$swag" shard --manifest "$data/test/manifest.tsv" --vocab "$data/test/vocab.json" \
  --output-dir "$data/test/shards" 2>/dev/null
"$swag" shard --manifest "$data/train/labelled_manifest.tsv" --vocab "$data/test/vocab.json" \
  --output-dir "$data/train/labelled_shards" 2>/dev/null
"$swag" vocab map --wordnet /usr/share/wordnet --vocab "$data/vocab.json" \
  --classes "$data/classes.txt" --output "$data/mapping.json" 2>/dev/null

# What every job gets (sbatch --export=ALL by default): the binary, where runs go.
export SWAG_BIN=$swag SWAG_RUNS=$work/runs SWAG_DEMO_DATA=$data
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# ranks that wait yield the CPU: this machine may run other tests beside this one
export OMPI_MCA_mpi_yield_when_idle=1
cpu_job=(--nodes=1 --cpus-per-task=1 --time=10 --gpus-per-node=0)
pre_dir=$work/runs/demo/pretrain
steps=300  # the demo model is quick: enough steps to signal it mid-run

step "submitting the demo pre-training (jobs/slurm/pretrain_demo.sh)"
pre=$(SWAG_RUN_DIR=$pre_dir \
  SWAG_OVERRIDES="data.dir=$data/train/shards data.head_threshold=500 batch.global=16 checkpoint.every=10" \
  sbatch --parsable "${cpu_job[@]}" --ntasks-per-node=2 --output="$work/logs/%x-%j.out" \
    "$repo/jobs/slurm/pretrain_demo.sh" schedule.steps=$steps log.every=5)
echo "pre-training: job $pre"

step "submitting the fine-tune array and the report, with afterok dependencies"
ft=$(SWAG_OVERRIDES="schedule.steps=10" \
  "$repo/jobs/slurm/submit.sh" finetune "$repo/inputs/sweeps/demo.toml" \
    "${cpu_job[@]}" --ntasks-per-node=1 --dependency=afterok:"$pre" \
    --output="$work/logs/%x-%A_%a.out")
echo "fine-tune array: job $ft"
zs=$("$repo/jobs/slurm/submit.sh" zeroshot "$repo/inputs/sweeps/demo_zeroshot.toml" \
  "${cpu_job[@]}" --ntasks-per-node=1 --dependency=afterok:"$pre" --output="$work/logs/%x-%A_%a.out")
echo "zero-shot array: job $zs"
bench=$("$repo/jobs/slurm/submit.sh" bench inputs/sweeps/demo_bench.toml \
  "${cpu_job[@]}" --ntasks-per-node=1 --output="$work/logs/%x-%A_%a.out")
echo "benchmark array: job $bench"
# a paper-scale script (16 nodes x 8 GPUs) shrunk by sbatch options, on the tiny test deck,
# run in another folder: the shipped deck comes from the checkout, the run goes under SWAG_RUNS
# (the deck's runs/pretrain_test)
mkdir -p "$work/elsewhere"
big=$(SWAG_DECK=inputs/pretrain/test.toml SWAG_WORKDIR=$work/elsewhere \
  sbatch --parsable "${cpu_job[@]}" --ntasks-per-node=2 --output="$work/logs/%x-%j.out" \
    "$repo/jobs/slurm/pretrain_16gf.sh" schedule.steps=10)
echo "pretrain_16gf.sh on the test deck: job $big"
# the report reads and writes under SWAG_RUNS by default ($work/runs/report)
report=$(sbatch --parsable --dependency=afterok:"$pre":"$ft":"$zs":"$bench":"$big" --time=10 \
    --output="$work/logs/%x-%j.out" "$repo/jobs/slurm/report.sh")
echo "report: job $report"
squeue

# USR1 to the batch shell once the first checkpoint exists and before the last step
step "waiting for the first checkpoint, then USR1"
for _ in $(seq 1 600); do
  ls "$pre_dir"/checkpoints/step-*.h5 >/dev/null 2>&1 && break
  [ "$(scontrol show job "$pre" | grep -o 'JobState=[A-Z_]*')" = JobState=FAILED ] && fail "pre-training failed"
  sleep 0.2
done
ls "$pre_dir"/checkpoints/step-*.h5 >/dev/null 2>&1 || fail "no checkpoint after 120 s"
[ -f "$pre_dir/results.json" ] && fail "pre-training finished before the stop signal could be sent"
scancel --batch --signal=USR1 "$pre"
echo "sent USR1 to job $pre"

job_field() {  # job_field JOBID FIELD: FIELD=value of every record of JOBID (array: one per task)
  scontrol show job -o "$1" | grep -o "$2=[^ ]*" | cut -d= -f2-
}
wait_done() {  # wait_done JOBID SECONDS: until no record of JOBID is pending or running
  local id=$1 secs=$2
  for _ in $(seq 1 "$secs"); do
    if job_field "$id" Reason | grep -q DependencyNeverSatisfied; then
      fail "job $id can never start: a job it depends on failed"
    fi
    if ! job_field "$id" JobState | grep -qvE '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$'; then
      return 0
    fi
    sleep 1
  done
  fail "job $id still not finished after $secs s: $(job_field "$id" JobState | tr '\n' ' ')"
}

step "waiting for the pre-training (requeued and resumed)"
wait_done "$pre" 180
step "waiting for the fine-tune array and the report"
wait_done "$ft" 180
wait_done "$zs" 120
wait_done "$bench" 60
wait_done "$big" 60
wait_done "$report" 120
squeue
for id in "$pre" "$ft" "$zs" "$bench" "$big" "$report"; do
  scontrol show job -o "$id" |
    sed -E 's/.*(JobId=[^ ]*).*(JobName=[^ ]*).*(JobState=[^ ]*).*(Restarts=[^ ]*).*(ExitCode=[^ ]*).*/\1 \2 \3 \4 \5/' || true
done

step "checking"
# every job and array task completed with exit 0
for id in "$pre" "$ft" "$zs" "$bench" "$big" "$report"; do
  states=$(job_field "$id" JobState | sort -u | tr '\n' ' ')
  [ "$states" = "COMPLETED " ] || fail "job $id: states $states"
  codes=$(job_field "$id" ExitCode | sort -u | tr '\n' ' ')
  [ "$codes" = "0:0 " ] || fail "job $id: exit codes $codes"
done
[ "$(job_field "$ft" JobState | wc -l)" -eq 3 ] || fail "the fine-tune array does not have 3 tasks"
[ "$(job_field "$bench" JobState | wc -l)" -eq 2 ] || fail "the benchmark array does not have 2 tasks"
[ "$(job_field "$zs" JobState | wc -l)" -eq 2 ] || fail "the zero-shot array does not have 2 tasks"
grep -q '"steps": *10' "$work/runs/pretrain_test/results.json" || fail "pretrain_16gf.sh did not run 10 steps under SWAG_RUNS"
# the stop: requeued once, resumed from the checkpoint written at the signal, finished all steps
[ "$(job_field "$pre" Restarts)" = 1 ] || fail "pre-training restarts: $(job_field "$pre" Restarts), expected 1"
log=$work/logs/swag-pretrain-demo-$pre.out
grep -q "received SIGUSR1" "$log" || fail "the batch shell did not report the signal ($log)"
stop_line=$(grep -m1 "swag: stopped: \[rank 0\] stopped by a signal at step" "$log") \
  || fail "swag did not stop on the signal ($log)"
stop_step=$(sed -E 's/.* at step ([0-9]+) .*/\1/' <<<"$stop_line")
grep -q "requeueing job $pre (restart 1)" "$log" || fail "the job did not requeue itself ($log)"
grep -q "restart 1, binary" "$log" || fail "the requeued job did not run again ($log)"
resumed=$(printf '%s/checkpoints/step-%08d.h5 (step %d)' "$pre_dir" "$stop_step" "$stop_step")
grep -qF "resumed from $resumed" "$log" || fail "the second run did not resume from $resumed ($log)"
[ "$stop_step" -lt "$steps" ] || fail "stopped at step $stop_step, not mid-run"
"$py" - "$pre_dir" "$steps" <<'EOF' || fail "pre-training results"
import json, sys
d, steps = sys.argv[1], int(sys.argv[2])
r = json.load(open(f"{d}/results.json"))
assert r["steps"] == steps and r["samples_seen"] == steps * 16 and r["world_size"] == 2, r
m = [json.loads(l) for l in open(f"{d}/metrics.jsonl")]
assert m[-1]["step"] == steps, m[-1]
print(f"ok: pre-training {r}")
EOF
echo "ok: pre-training stopped at step $stop_step on USR1, requeued, resumed from its checkpoint, finished $steps steps"

# the fine-tune cells: results, and the sweep's best cell
"$py" "$repo/postprocess/sweep.py" list "$repo/inputs/sweeps/demo.toml"
best=$("$py" "$repo/postprocess/sweep.py" best "$repo/inputs/sweeps/demo.toml" --json)
"$py" - "$best" "$work/runs/report" <<'EOF' || fail "report cells"
import csv, json, sys
best, out = json.loads(sys.argv[1]), sys.argv[2]
(ds, cell), = best.items()
assert ds == "fashion-mnist" and 0.0 <= cell["top1"] <= 1.0, best

def table(name):
    with open(f"{out}/{name}.csv", newline="") as f:
        rows = list(csv.reader(f))
    return [dict(zip(rows[0], r)) for r in rows[1:]]

t1 = {r["Model"]: r for r in table("table1")}
r = t1["RegNetY demo"]
assert r["fashion-mnist"] == f"{100 * cell['top1']:.1f}", r
assert (r["Pre-training"], r["Res. pre."], r["Res. fine."]) == ("demo-data", "28", "32"), r
assert r["IN-1k"] == "-" and t1["RegNetY 128GF"]["IN-1k"] == "-", r
# Table 5: this machine's throughputs from the benchmark array
t5 = {(r["Model"], r["Resolution"]): r for r in table("table5")}
r5 = t5[("RegNetY demo", "32")]
assert float(r5["Train (images/s)"]) > 0 and float(r5["Test (images/s)"]) > 0, r5
# sizes from `swag info` of the jobs' binary: regnety_demo at 32x32, 0.3M parameters
assert (r5["FLOPs (B)"], r5["Params (M)"]) == ("0.00182", "0.3"), r5
assert r["Throughput (images/s)"] == r5["Test (images/s)"], (r, r5)
# Table 3: the zero-shot cells, with and without Platt
t3 = {(r["Model"], r["Platt"]): r for r in table("table3")}
for platt in ("Yes", "No"):
    res = json.load(open(f"{out}/../demo/zeroshot/fashion-mnist/platt-{'true' if platt == 'Yes' else 'false'}/results.json"))
    assert res["platt"] == (platt == "Yes"), res
    assert t3[("RegNetY demo", platt)]["fashion-mnist"] == f"{100 * res['top1']:.1f}", (t3, res)
t8 = {r["Model"]: r for r in table("table8")}
lr = cell["grid"]["optim.lr"]
assert t8["RegNetY demo"]["fashion-mnist"] == f"{lr:.1E}".replace("E-0", "E-"), (t8, lr)
runs = table("runs")
ft = [r for r in runs if r["Kind"] == "finetune"]
assert len(ft) == 3 and all(r["Status"] == "done" for r in ft), runs
assert sum(r["Kind"] == "pretrain" and r["Status"] == "done" for r in runs) == 2, runs
assert sum(r["Kind"] == "bench" and r["Status"] == "done" for r in runs) == 2, runs
assert sum(r["Kind"] == "zeroshot" and r["Status"] == "done" for r in runs) == 2, runs
page = open(f"{out}/report.md").read()
assert "3 of 3 cells done" in page, page
print(f"ok: report: fashion-mnist {r['fashion-mnist']} at lr {lr}, Table 8 {t8['RegNetY demo']['fashion-mnist']}")
EOF
for f in figure2.png figure3.png; do
  [ "$(head -c 4 "$work/runs/report/$f" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "$f is not a PNG"
done
echo "ok: slurm pipeline (pre-training with a USR1 requeue, 3-task fine-tune array, zero-shot and benchmark arrays, a paper-scale script, report)"
