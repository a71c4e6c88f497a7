#!/usr/bin/env python3
"""`swag pretrain` end to end on a device against the CPU: the test deck (tiny RegNetY, synthetic
images, 60 steps, warm-up and half-cosine, checkpoints every 5 steps) three times:

  cpu       run.device=cpu, the reference
  device    run.device=DEVICE, uninterrupted
  resumed   run.device=DEVICE, stopped at step 30 (exit 75, a checkpoint), then run again

and checks that the device's loss curve stays within 2% of the CPU's at every step (as
tests/cuda/test_train_step.cpp's in-process run), that it learns (last loss under half the
first), and that the resumed run's losses after the stop are bitwise the uninterrupted run's
(a checkpoint holds everything the step needs, and the device's kernels are deterministic).

    pretrain_check.py --swag build/cuda/bin/swag --out DIR [--device cuda] [--math fp32] [--fresh]

Runs without an MPI launcher: it sets SWAG_NO_MPI=1 (one rank, no MPI runtime needed; doc/cli.md).
Prints a JSON summary and exits 1 if a check fails.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DECK = os.path.join(HERE, "..", "..", "inputs", "pretrain", "test.toml")
STOPPED = 75


def pretrain(swag, run_dir, device, math, *extra, expect=0):
    cmd = [swag, "pretrain", "--config", DECK, f"run.dir={run_dir}", f"run.device={device}",
           f"run.math={math}", "schedule.steps=60", "log.every=1", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, SWAG_NO_MPI="1"))
    if r.returncode != expect:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}, expected {expect}\n{r.stderr[-3000:]}")


def losses(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return {rec["step"]: rec["loss"] for rec in map(json.loads, f)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--swag", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--math", default="fp32", choices=["fp32", "tf32", "bf16"])
    p.add_argument("--fresh", action="store_true", help="delete this script's runs in --out first")
    a = p.parse_args()
    runs = {k: os.path.join(a.out, k) for k in ("cpu", "device", "resumed")}
    for d in runs.values():
        if a.fresh:
            shutil.rmtree(d, ignore_errors=True)
        elif os.path.exists(d):
            sys.exit(f"{d} exists: give a new --out, or --fresh to delete it")
    pretrain(a.swag, runs["cpu"], "cpu", "fp32")
    pretrain(a.swag, runs["device"], a.device, a.math)
    pretrain(a.swag, runs["resumed"], a.device, a.math, "run.stop_at_step=30", expect=STOPPED)
    pretrain(a.swag, runs["resumed"], a.device, a.math)

    cpu, dev, res = (losses(runs[k]) for k in ("cpu", "device", "resumed"))
    gaps = {s: abs(dev[s] - cpu[s]) / cpu[s] for s in cpu}
    worst = max(gaps, key=gaps.get)
    after_stop = [s for s in dev if s > 30]
    differing = [s for s in after_stop if res.get(s) != dev[s]]
    first, last = cpu[min(cpu)], dev[max(dev)]
    checks = {
        "loss curve within 2% of the CPU's": gaps[worst] <= (0.02 if a.math == "fp32" else 0.1),
        "learns (last loss < half the first)": last < 0.5 * first,
        "resume bitwise (losses after step 30)": not differing and len(after_stop) == 30,
    }
    summary = {"device": a.device, "math": a.math, "steps": len(dev),
               "worst_gap": {"step": worst, "relative": gaps[worst], "cpu": cpu[worst],
                             "device": dev[worst]},
               "first_loss_cpu": first, "last_loss_cpu": cpu[max(cpu)], "last_loss_device": last,
               "resume_differs_at": differing[:5], "checks": checks}
    print(json.dumps(summary, indent=1))
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
