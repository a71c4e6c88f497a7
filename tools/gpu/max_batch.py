#!/usr/bin/env python3
"""The largest per-GPU training batch of each paper model that fits a GPU's memory.

    max_batch.py --swag build/cpu/bin/swag [--device cpu|cuda] [--memory-gib 79.6]
                 [--reserve-gib 2] [--resolution 224] [--batch 2] [--models ...]
                 [--precision fp32|bf16|fp16] [--recompute]

For each model, one `swag bench --mode train` step at --batch gives the tensor memory of a
step (`memory_bytes`: parameters with gradients and buffers, SGD's momentum, and activations
per image; doc/cli.md). The tensor sizes are the same on any device, so the CPU build gives the
GPU's figure, less what libraries take besides tensors (cuDNN/cuBLASLt workspaces, the CUDA
context): --reserve-gib. The paper trains RegNetY with SGD (one state buffer) and ViT with AdamW
(two), so a ViT's optimizer state is counted twice SGD's. Then

    largest batch = floor((memory - reserve - parameters - optimizer state) / activations per image)

An 80 GB H100 shows 79.6 GiB (81559 MiB) to CUDA. On the GPU machine, --device cuda measures
the same counters there; the batch found should then be confirmed by a step at that batch.
--precision stores the activations in 16 bits (doc/mixed_precision.md); the weights' 16-bit
compute copy then counts with the parameters. --recompute keeps only each block's output through
the step and recomputes the rest in backward (doc/memory.md).
"""
import argparse
import json
import subprocess

MODELS = ["regnety_16gf", "regnety_32gf", "regnety_128gf", "vit_b16", "vit_l16", "vit_h14"]
GIB = 2 ** 30


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--swag", required=True)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--memory-gib", type=float, default=79.6)
    p.add_argument("--reserve-gib", type=float, default=2.0)
    p.add_argument("--resolution", type=int, default=224)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--recompute", action="store_true", help="activation recomputation")
    p.add_argument("--json", action="store_true", help="one JSON object per model, no table")
    a = p.parse_args()
    rows = []
    for model in a.models.split(","):
        r = subprocess.run([a.swag, "bench", "--model", model, "--mode", "train", "--batch",
                            str(a.batch), "--resolution", str(a.resolution), "--iters", "1",
                            "--warmup", "0", "--device", a.device, "--precision", a.precision,
                            "--json"] + (["--recompute"] if a.recompute else []),
                           capture_output=True, text=True, check=True)
        m = json.loads(r.stdout)["memory_bytes"]
        optimizer = "adamw" if model.startswith("vit") else "sgd"
        state = m["optimizer_state"] * (2 if optimizer == "adamw" else 1)
        free = a.memory_gib * GIB - a.reserve_gib * GIB - m["parameters"] - state
        row = {"model": model, "optimizer": optimizer, "parameters_gib": m["parameters"] / GIB,
               "optimizer_state_gib": state / GIB,
               "activations_per_image_gib": m["activations_per_image"] / GIB,
               "largest_batch": int(free // m["activations_per_image"])}
        rows.append(row)
        if a.json:
            print(json.dumps(row), flush=True)
    if a.json:
        return
    print(f"| model | optimizer | parameters + gradients + buffers (GiB) | optimizer state (GiB) | "
          f"activations per image (GiB) | largest batch in {a.memory_gib} GiB |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['optimizer']} | {r['parameters_gib']:.2f} | "
              f"{r['optimizer_state_gib']:.2f} | {r['activations_per_image_gib']:.3f} | "
              f"{r['largest_batch']} |")


if __name__ == "__main__":
    main()
