#!/usr/bin/python3
"""`swag bench` and PyTorch (tools/bench_torch.py) on the same work, interleaved, on this machine.

    /usr/bin/python3 tools/bench_side_by_side.py --swag build/cpu/bin/swag \\
        --model regnety_400mf --batch 32 --resolution 128 --threads 2 --runs 3 \\
        --torch-python build/bench-venv/bin/python      # tools/bench_env.sh makes it

The programs: swag, once per math mode of --swag-math (fp32 products, or bf16 products with
fp32 sums, run.math; bf16 needs a CPU with avx512_bf16 or AMX); PyTorch of this interpreter
(/usr/bin/python3: Debian's 1.13, the correctness oracle) as it was always measured, eager
NCHW; and, with --torch-python, the PyTorch of that interpreter (the current release) in each
of --torch-configs:
  channels_last  eager, NHWC images and activations
  compile        torch.compile of the channels_last model, fp32
  bf16           eager channels_last under CPU autocast to bfloat16 (fp32 master weights)
Each run is one process of each program (alternating, so that drifts in machine load hit all);
each process reports the median step time over --iters steps after --warmup steps. A program
that fails (torch.compile without a working compiler, say) or runs past --timeout is recorded
with its reason and not tried again. The table gives, per mode, the median over runs of
images/s and each swag's ratio to each program; the header the machine and the load average at
each measurement (other work on the machine slows all programs, the ratios less so). Prints
Markdown for doc/benchmarks.md.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = {"channels_last": ["--channels-last"],
           "compile": ["--channels-last", "--compile"],
           "bf16": ["--channels-last", "--precision", "bf16"]}


def measure(cmd, timeout):
    """images/s of one process, or the reason it gave none."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"ran past --timeout {timeout} s"
    if done.returncode != 0:
        lines = [l for l in done.stderr.strip().splitlines() if l.strip()] or ["no message"]
        return None, f"exit {done.returncode}: {lines[-1][:200]}"
    return json.loads(done.stdout.strip().splitlines()[-1])["images_per_s"], None


def torch_version(python):
    return subprocess.run([python, "-c", "import torch; print(torch.__version__)"], check=True,
                          capture_output=True, text=True).stdout.strip()


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--swag", required=True)
    p.add_argument("--model", default="regnety_400mf")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--resolution", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--modes", default="train,infer")
    p.add_argument("--torch-python", help="interpreter of the current PyTorch (tools/bench_env.sh)")
    p.add_argument("--torch-configs", default="channels_last,compile,bf16")
    p.add_argument("--timeout", type=int, default=1800, help="seconds one process may take")
    p.add_argument("--swag-math", default="fp32",
                   help="comma-separated math modes of swag bench --math, each a program")
    a = p.parse_args()
    common = ["--model", a.model, "--batch", str(a.batch), "--resolution", str(a.resolution),
              "--threads", str(a.threads), "--warmup", str(a.warmup), "--iters", str(a.iters),
              "--json"]
    bench_torch = os.path.join(HERE, "bench_torch.py")
    oracle = torch_version(sys.executable)
    maths = a.swag_math.split(",")
    swags = ["swag" if maths == ["fp32"] else f"swag {m} math" for m in maths]
    programs = [(name, [a.swag, "bench", "--math", m]) for name, m in zip(swags, maths)]
    programs.append((f"PyTorch {oracle} eager", [sys.executable, bench_torch]))
    if a.torch_python:
        current = torch_version(a.torch_python)
        for config in a.torch_configs.split(","):
            programs.append((f"PyTorch {current} {config}",
                             [a.torch_python, bench_torch, *CONFIGS[config]]))
    loads = [os.getloadavg()[0]]
    tables = []
    for mode in a.modes.split(","):
        speeds = {name: [] for name, _ in programs}
        failed = {}
        for run in range(a.runs):
            for name, cmd in programs:
                if name in failed:
                    continue
                speed, reason = measure([*cmd, "--mode", mode, *common], a.timeout)
                loads.append(os.getloadavg()[0])
                if reason:
                    failed[name] = reason
                else:
                    speeds[name].append(speed)
                print(f"{mode} run {run + 1}/{a.runs} {name}: "
                      f"{reason or f'{speed:.2f} images/s'}", file=sys.stderr)
        tables.append((mode, speeds, failed))

    def fmt(*xs):  # two decimals below 10 images/s
        return " ".join(f"{x:.{1 if x >= 10 else 2}f}" for x in xs)

    print(f"{a.model}, batch {a.batch}, {a.resolution}x{a.resolution}, {a.threads} threads, "
          f"median of {a.runs} runs x {a.iters} steps after {a.warmup}; {cpu_model()}, "
          f"{os.cpu_count()} cores; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} "
          f"UTC; load average {min(loads):.1f}-{max(loads):.1f} during the run\n")
    for mode, speeds, failed in tables:
        ours = [statistics.median(speeds[s]) if speeds[s] else None for s in swags]
        print(f"| {mode} | images/s | " + " | ".join(f"{s} / it" for s in swags) + " | runs |")
        print("|---" * (3 + len(swags)) + "|")
        for name, xs in speeds.items():
            if name in failed and not xs:
                print(f"| {name} | – | " + "– | " * len(swags) + f"{failed[name]} |")
                continue
            med = statistics.median(xs)
            ratios = " | ".join(f"{o / med:.2f}" if o else "–" for o in ours)
            print(f"| {name} | {fmt(med)} | {ratios} | {fmt(*xs)} |")
        print()


if __name__ == "__main__":
    main()
