"""What swag says about itself and about a run while it runs (doc/cli.md, doc/formats.md):
`swag --version`, the provenance in results.json, config.toml and checkpoints, the end-of-training
summary, the data-wait fields of metrics.jsonl, the wall-clock log prefix and h:mm:ss ETA, and the
CPUs of the affinity mask.

    run_info.py SWAG_EXE SOURCE_DIR DECK CASE WORKDIR    (/usr/bin/python3: needs h5py, tomllib)
"""
import datetime
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib

import h5py
import numpy as np

STOPPED = 75
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
ENV.pop("OMP_NUM_THREADS", None)
ENV.pop("SWAG_LOG_ALL_RANKS", None)
LOG_LINE = re.compile(r"^\[swag r(\d+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+(\d+\.\d)s\] (.*)$")


def run(cmd, env=ENV, expect=0):
    r = subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == expect, f"{cmd}: exit {r.returncode}, expected {expect}\n{r.stderr[-3000:]}"
    return r


def pretrain(swag, deck, run_dir, *overrides, ranks=2, expect=0, env=ENV):
    return run(["mpiexec", "-n", ranks, "--oversubscribe", swag, "pretrain", "--config", deck,
                f"run.dir={run_dir}", *overrides], env=env, expect=expect)


def log_messages(stderr, rank=0):
    """The messages of one rank's log lines, after checking every line's prefix."""
    out = []
    for line in stderr.splitlines():
        m = LOG_LINE.match(line)
        if not m:
            continue
        stamp = datetime.datetime.strptime(m.group(2), "%Y-%m-%d %H:%M:%S")
        # Local wall-clock time of this run (generous: a slow, shared machine).
        assert abs((datetime.datetime.now() - stamp).total_seconds()) < 600, line
        if int(m.group(1)) == rank:
            out.append(m.group(4))
    return out


def version_lines(swag):
    # Without mpiexec or MPI_Init (MPI_Get_library_version is callable before it).
    return run([swag, "--version"]).stdout.splitlines()


def expected_version(source):
    text = open(os.path.join(source, "CMakeLists.txt")).read()
    return re.search(r"project\(swag VERSION (\S+)", text).group(1)


def expected_commit(source):
    """git's short hash when the source is the top of a git checkout, else None."""
    try:
        top = subprocess.run(["git", "-C", source, "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True)
    except FileNotFoundError:
        return None
    if top.returncode != 0 or os.path.realpath(top.stdout.strip()) != os.path.realpath(source):
        return None
    return subprocess.run(["git", "-C", source, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()


def parse_version(lines):
    fields = {"version": lines[0]}
    for line in lines[1:]:
        key, _, value = line.partition(": ")
        fields[key] = value
    return fields


def case_version(swag, source, deck, work):
    lines = version_lines(swag)
    cuda = os.environ.get("SWAG_CUDA_BUILD", "OFF").upper() in ("ON", "1", "TRUE", "YES")
    keys = ["commit", "backends"] + (["gpus"] if cuda else []) + ["compiler", "mpi"]
    assert [l.partition(": ")[0] for l in lines[1:]] == keys, lines
    assert all(": " in l and l.partition(": ")[2] for l in lines[1:]), lines
    assert lines[0] == f"swag {expected_version(source)}", lines
    v = parse_version(lines)
    commit = expected_commit(source)
    if commit is None:
        assert v["commit"] == "unknown", v
    else:
        built = v["commit"].removesuffix(" (dirty)")
        if built != commit:
            # a commit made after the build (ctest does not rebuild): the binary must still name
            # a real commit of this checkout's history, the one it was built at
            older = subprocess.run(["git", "-C", source, "merge-base", "--is-ancestor", built,
                                    "HEAD"], capture_output=True)
            assert older.returncode == 0, (v, commit)
            print(f"note: built at {built}, HEAD is now {commit}; rebuild to refresh")
    if cuda:
        assert re.fullmatch(r"cpu cuda \(CUDA \d+\.\d+, cuDNN \d+\.\d+\.\d+, NCCL \d+\.\d+\.\d+\)",
                            v["backends"]), v
        assert re.fullmatch(r"\d+ visible|0 \(cuda\w+: .+\)", v["gpus"]), v
    else:
        assert v["backends"] == "cpu", v
    assert re.fullmatch(r"(GNU|Clang) \d+\.\d+\.\d+.*", v["compiler"]), v
    # The MPI library the process runs with: mpiexec is the same Open MPI's.
    launcher = run(["mpiexec", "--version"]).stdout.splitlines()[0]
    number = re.search(r"(\d+\.\d+\.\d+)", launcher).group(1)
    assert number in v["mpi"] and "\n" not in v["mpi"], (v, launcher)
    # The same lines under SWAG_NO_MPI=1 (no MPI runtime needed).
    assert version_lines(swag) == run([swag, "--version"], env=dict(ENV, SWAG_NO_MPI="1")).stdout.splitlines()
    print("ok: swag --version:\n  " + "\n  ".join(lines))


def checkpoint_files(run_dir):
    return sorted(glob.glob(os.path.join(run_dir, "checkpoints", "step-*.h5")))


def provenance_of_version(swag):
    v = parse_version(version_lines(swag))
    return {"version": v["version"].removeprefix("swag "), "commit": v["commit"],
            "backends": v["backends"], "compiler": v["compiler"], "mpi": v["mpi"]}


def case_pretrain_outputs(swag, source, deck, work):
    expected = provenance_of_version(swag)
    run_dir = os.path.join(work, "run")
    r = pretrain(swag, deck, run_dir, "schedule.steps=20", "checkpoint.every=5", "log.every=5")
    messages = log_messages(r.stderr)

    # results.json: provenance and summary.
    results = json.load(open(os.path.join(run_dir, "results.json")))
    assert results["provenance"] == expected, (results["provenance"], expected)
    s = results["summary"]
    assert s["steps"] == 20 and s["checkpoints"] == 4, s  # steps 5, 10, 15, 20
    assert s["seconds"] > 0 and s["checkpoint_s"] > 0 and s["checkpoint_s"] < s["seconds"], s
    assert abs(s["images_per_s"] - 20 * 32 / s["seconds"]) <= 1e-6 * s["images_per_s"], s
    assert 0 < s["data_wait_s"] < s["seconds"], s  # synthetic batches are made in the fill
    assert abs(s["data_wait_fraction"] - s["data_wait_s"] / s["seconds"]) < 1e-9, s

    # The log: wall-clock prefix (checked in log_messages), h:mm:ss ETA, data wait, summary.
    progress = [m for m in messages if m.startswith("step ")]
    assert len(progress) == 4, messages
    for m in progress:
        assert re.search(r" [\d.]+ images/s data wait [\d.e+-]+ s/step \([\d.]+%\) "
                         r"ETA \d+:[0-5]\d:[0-5]\d$", m), m
    assert progress[-1].startswith("step 20/20 ") and progress[-1].endswith("ETA 0:00:00"), progress
    (done,) = [m for m in messages if m.startswith("pretrain: done, ")]
    d = re.fullmatch(r"pretrain: done, (\d+) steps in (\d+):(\d\d):(\d\d), ([\d.]+) images/s, "
                     r"([\d.]+)% waiting for data, (\d+) checkpoints in ([\d.]+) s "
                     r"bad_images (\d+) comm_wait_s ([\d.e+-]+)", done)
    assert d, done
    assert int(d.group(1)) == 20 and int(d.group(7)) == 4, done
    assert int(d.group(9)) == 0 and s["bad_images"] == 0, (done, s)  # synthetic images
    h, mi, se = (int(x) for x in d.group(2, 3, 4))
    assert abs(h * 3600 + mi * 60 + se - s["seconds"]) <= 1, (done, s)
    assert abs(float(d.group(5)) - s["images_per_s"]) <= 0.05 + 1e-3 * s["images_per_s"], (done, s)
    assert abs(float(d.group(6)) - 100 * s["data_wait_fraction"]) <= 0.05, (done, s)
    # The wait for gradient sums after backward (doc/scaling.md), in all, shown to 3 digits.
    assert 0 <= s["comm_wait_s"] < s["seconds"], s
    assert abs(float(d.group(10)) - s["comm_wait_s"]) <= 5e-3 * s["comm_wait_s"] + 1e-12, (done, s)

    # metrics.jsonl: the data wait of each window.
    records = [json.loads(l) for l in open(os.path.join(run_dir, "metrics.jsonl"))]
    assert [rec["step"] for rec in records] == [5, 10, 15, 20], records
    for rec in records:
        assert rec["data_wait_s"] > 0 and 0 < rec["data_wait_fraction"] < 1, rec
    # The windows' waits (mean per step x 5 steps; the first window also holds the batch staged
    # before the first step) add up to the run's.
    total = sum(5 * rec["data_wait_s"] for rec in records)
    assert abs(total - s["data_wait_s"]) <= 1e-6 * s["data_wait_s"], (total, s)
    # Likewise the gradient waits, mean per step of each window.
    total = sum(5 * rec["comm_wait_s"] for rec in records)
    assert abs(total - s["comm_wait_s"]) <= 1e-6 * s["comm_wait_s"] + 1e-12, (total, s)

    # Checkpoints: provenance attributes; verify-checkpoint still passes.
    files = checkpoint_files(run_dir)
    assert files, run_dir
    for path in files:
        with h5py.File(path) as f:
            attrs = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items()}
        for key, value in expected.items():
            assert attrs.get(f"swag_{key}") == value, (path, key, attrs)
    run([swag, "verify-checkpoint", *files])

    # config.toml: provenance comments; still the same deck, as TOML.
    text = open(os.path.join(run_dir, "config.toml")).read()
    header = [l for l in text.splitlines() if l.startswith("#")]
    assert header[0].startswith("# [provenance]"), header
    for key, value in expected.items():
        assert f"# {key} = {json.dumps(value)}" in header, (key, header)
    deck_text = run([swag, "check-config", "--config", deck, f"run.dir={run_dir}",
                     "schedule.steps=20", "checkpoint.every=5", "log.every=5"]).stdout
    assert tomllib.loads(text) == tomllib.loads(deck_text), text
    print(f"ok: results.json provenance and summary {s}; {len(files)} checkpoints with "
          f"provenance; metrics data wait; log '{done}'")


def as_version_1(path):
    """Rewrites a checkpoint as an older swag wrote it: no provenance attributes, no
    checksum_version, and the version-1 checksum (doc/checkpoints.md): SHA-256 over every dataset
    (path, then its float32 bytes, in path order), then checkpoint_state."""
    with h5py.File(path, "r+") as f:
        for key in [k for k in f.attrs if k.startswith("swag_")] + ["checksum_version"]:
            del f.attrs[key]
        h = hashlib.sha256()
        paths = sorted(f"/{g}/{name}" for g in ("params", "buffers", "optimizer", "extra")
                       if g in f for name in f[g])
        for p in paths:
            h.update(p.encode())
            h.update(np.ascontiguousarray(f[p][()], dtype="<f4").tobytes())
        h.update(bytes(f.attrs["checkpoint_state"]))
        f.attrs.modify("sha256", np.bytes_(h.hexdigest()))


def case_resume_keeps_config_hash(swag, source, deck, work):
    """The provenance header does not change the deck's hash: a resumed run does not warn that
    the deck differs. The checksum covers the provenance attributes; a checkpoint of an older
    swag, without them, still verifies and resumes."""
    run_dir = os.path.join(work, "run")
    pretrain(swag, deck, run_dir, "run.stop_at_step=10", expect=STOPPED)
    last = checkpoint_files(run_dir)[-1]
    assert last.endswith("step-00000010.h5"), last
    changed = os.path.join(work, "changed.h5")
    shutil.copy(last, changed)
    with h5py.File(changed, "r+") as f:
        f.attrs.modify("swag_commit", np.bytes_(b"x" * len(f.attrs["swag_commit"])))
    r = run([swag, "verify-checkpoint", changed], expect=4)
    print(f"ok: a changed swag_commit fails the checksum: {r.stderr.strip()[-200:]}")
    as_version_1(last)
    run([swag, "verify-checkpoint", last])
    # The same command again (run.stop_at_step = 10 is behind it: it goes on to step 20).
    r = pretrain(swag, deck, run_dir, "run.stop_at_step=10")
    assert "the deck differs" not in r.stderr, r.stderr[-3000:]
    assert any(m.startswith("resumed from") and "(step 10)" in m for m in log_messages(r.stderr)), r.stderr[-3000:]
    summary = json.load(open(os.path.join(run_dir, "results.json")))["summary"]
    assert summary["steps"] == 10, summary  # this process's steps, 10 -> 20
    print(f"ok: resumed without a deck warning from a checkpoint without provenance; {summary}")


CPU_LINE = re.compile(r"rank (\d+): (\d+) CPUs? in affinity mask \(([\d,-]+)\), (\d+) compute "
                      r"threads?, (\d+) loader workers?")


def cpu_lines(stderr):
    return [m.groups() for m in map(CPU_LINE.search, stderr.splitlines()) if m]


def case_affinity(swag, source, deck, work):
    solo = dict(ENV, SWAG_NO_MPI="1")
    args = ["pretrain", "--config", deck, "schedule.steps=2", "checkpoint.every=100"]
    cpus = sorted(os.sched_getaffinity(0))
    r = run(["taskset", "-c", cpus[0], swag, *args, f"run.dir={work}/one"], env=solo)
    assert cpu_lines(r.stderr) == [("0", "1", str(cpus[0]), "1", "0")], r.stderr[-2000:]
    print(f"ok: taskset -c {cpus[0]}: 1 CPU in the mask, 1 compute thread")
    r = run([swag, *args, f"run.dir={work}/all"], env=solo)
    ((rank, count, listed, threads, workers),) = cpu_lines(r.stderr)
    assert int(count) == len(cpus) and int(threads) == len(cpus), (r.stderr[-2000:], cpus)
    # OMP_NUM_THREADS and the deck's workers are kept as given.
    r = run([swag, *args, f"run.dir={work}/omp"], env=dict(solo, OMP_NUM_THREADS="3"))
    assert cpu_lines(r.stderr)[0][3] == "3", r.stderr[-2000:]
    # Every rank's line with SWAG_LOG_ALL_RANKS=1, rank 0's alone without.
    r = pretrain(swag, deck, f"{work}/ranks", "schedule.steps=2", env=dict(ENV, SWAG_LOG_ALL_RANKS="1"))
    assert sorted(l[0] for l in cpu_lines(r.stderr)) == ["0", "1"], r.stderr[-2000:]
    r = pretrain(swag, deck, f"{work}/rank0", "schedule.steps=2")
    assert [l[0] for l in cpu_lines(r.stderr)] == ["0"], r.stderr[-2000:]
    print(f"ok: {count} CPUs ({listed}) here; OMP_NUM_THREADS=3 kept; one line per rank with "
          "SWAG_LOG_ALL_RANKS=1")


def case_affinity_eval(swag, source, deck, work):
    """eval prints the same line, with its --workers, and warns once when they outnumber the
    mask's CPUs (needs the transfer tests' data: SWAG_TRANSFER_DATA)."""
    data = os.environ["SWAG_TRANSFER_DATA"]
    weights = os.path.join(work, "w.h5")
    run([swag, "init", "--model", "regnety_test", "--num-classes", 10, "--output", weights])
    cpu = min(os.sched_getaffinity(0))
    args = ["eval", "--checkpoint", weights, "--data", os.path.join(data, "test", "shards"),
            "--resolution", 32, "--batch", 8]
    r = run(["taskset", "-c", cpu, swag, *args, "--workers", 3], env=dict(ENV, SWAG_NO_MPI="1"))
    assert cpu_lines(r.stderr) == [("0", "1", str(cpu), "1", "3")], r.stderr[-2000:]
    warnings = [m for m in log_messages(r.stderr) if m.startswith("warning: --workers = 3")]
    assert len(warnings) == 1, r.stderr[-2000:]
    r = run(["taskset", "-c", cpu, swag, *args, "--workers", 1], env=dict(ENV, SWAG_NO_MPI="1"))
    assert cpu_lines(r.stderr) == [("0", "1", str(cpu), "1", "1")], r.stderr[-2000:]
    assert "warning" not in r.stderr, r.stderr[-2000:]
    print(f"ok: eval under taskset -c {cpu}: 1 CPU, 1 compute thread, --workers as given, one "
          "warning for 3 workers on 1 CPU")


def main():
    swag, source, deck, case, work = sys.argv[1:6]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    globals()["case_" + case](os.path.abspath(swag), os.path.abspath(source), os.path.abspath(deck),
                              os.path.abspath(work))


if __name__ == "__main__":
    main()
