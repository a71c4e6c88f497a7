#!/usr/bin/python3
"""`swag bench` and PyTorch (tools/bench_torch.py) on the same work, interleaved, on this machine.

    /usr/bin/python3 tools/bench_side_by_side.py --swag build/cpu/bin/swag \\
        --model regnety_400mf --batch 32 --resolution 128 --threads 2 --runs 5

Each run is one process of each program (alternating, so that drifts in machine load hit both);
each process reports the median step time over --iters steps after --warmup steps. The table
gives the median over runs of images/s, for train and infer, and the ratio swag / PyTorch, and
the header the machine's load average before and after (other work on the machine slows both
programs, the ratio less so). Prints Markdown for doc/benchmarks.md.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def measure(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["images_per_s"]


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
    a = p.parse_args()
    common = ["--model", a.model, "--batch", str(a.batch), "--resolution", str(a.resolution),
              "--threads", str(a.threads), "--warmup", str(a.warmup), "--iters", str(a.iters),
              "--json"]
    load_before = os.getloadavg()[0]
    rows = []
    for mode in a.modes.split(","):
        ours, theirs = [], []
        for run in range(a.runs):
            ours.append(measure([a.swag, "bench", "--mode", mode, *common]))
            theirs.append(measure([sys.executable, os.path.join(HERE, "bench_torch.py"),
                                   "--mode", mode, *common]))
            print(f"{mode} run {run + 1}/{a.runs}: swag {ours[-1]:.2f}, PyTorch {theirs[-1]:.2f} images/s",
                  file=sys.stderr)
        rows.append((mode, statistics.median(ours), statistics.median(theirs), ours, theirs))
    import torch
    print(f"{a.model}, batch {a.batch}, {a.resolution}x{a.resolution}, {a.threads} threads, "
          f"median of {a.runs} runs x {a.iters} steps; {platform.processor() or platform.machine()}, "
          f"PyTorch {torch.__version__}; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after\n")
    print("| mode | swag images/s | PyTorch images/s | swag / PyTorch | swag runs | PyTorch runs |")
    print("|---|---|---|---|---|---|")
    for mode, o, t, os_, ts in rows:
        def fmt(*xs):  # two decimals below 10 images/s
            return " ".join(f"{x:.{1 if x >= 10 else 2}f}" for x in xs)
        print(f"| {mode} | {fmt(o)} | {fmt(t)} | {o / t:.2f} | {fmt(*os_)} | {fmt(*ts)} |")


if __name__ == "__main__":
    main()
