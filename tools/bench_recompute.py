#!/usr/bin/python3
"""What activation recomputation (doc/memory.md) costs and saves: `swag bench --mode train` with
and without --recompute, interleaved, on this machine.

    /usr/bin/python3 tools/bench_recompute.py --swag build/cpu/bin/swag \\
        --models regnety_16gf,vit_b16 --batch 4 --resolution 224 --runs 3

Each run is one process of each setting (alternating, so that drifts in machine load hit both);
each reports the median step time over --iters steps after --warmup. The table gives, per model,
the median over runs of images/s, the ratio recomputed / ordinary, and the activation memory
per image of each (`memory_bytes.activations_per_image`). Prints Markdown for doc/memory.md.
"""
import argparse
import json
import os
import statistics
import subprocess


def bench(a, model, recompute):
    cmd = [a.swag, "bench", "--model", model, "--mode", "train", "--batch", str(a.batch),
           "--resolution", str(a.resolution), "--iters", str(a.iters), "--warmup", str(a.warmup),
           "--device", a.device, "--precision", a.precision, "--json"]
    out = subprocess.run(cmd + (["--recompute"] if recompute else []), check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--swag", required=True)
    p.add_argument("--models", default="regnety_16gf,vit_b16")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--resolution", type=int, default=224)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--iters", type=int, default=3)
    a = p.parse_args()
    print(f"`{os.path.basename(a.swag)} bench --mode train`, batch {a.batch} "
          f"at {a.resolution}, {a.device}, {a.precision}; median of {a.runs} interleaved runs "
          f"(load average before: {os.getloadavg()[0]:.2f})\n")
    print("| model | images/s | with recomputation | ratio | activations per image (MiB) "
          "| with recomputation |")
    print("|---|---|---|---|---|---|")
    for model in a.models.split(","):
        runs = {False: [], True: []}
        for _ in range(a.runs):
            for recompute in (False, True):
                runs[recompute].append(bench(a, model, recompute))
        speed = {k: statistics.median(r["images_per_s"] for r in v) for k, v in runs.items()}
        memory = {k: v[0]["memory_bytes"]["activations_per_image"] / 2**20 for k, v in runs.items()}
        print(f"| {model} | {speed[False]:.2f} | {speed[True]:.2f} | "
              f"{speed[True] / speed[False]:.2f} | {memory[False]:.1f} | {memory[True]:.1f} |",
              flush=True)
    print(f"\n(load average after: {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
