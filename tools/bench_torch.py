#!/usr/bin/python3
"""PyTorch counterpart of `swag bench`: torchvision's model doing the same work, timed.

Usage:
    /usr/bin/python3 tools/bench_torch.py --model regnety_400mf --mode train --batch 32 \\
        --resolution 128 --threads 2 --warmup 3 --iters 10 --json

Modes:
  train   one SGD step per iteration: train-mode forward, soft-target cross-entropy
          (-(t * log_softmax(z)).sum(1).mean(), as swag's), backward, SGD with Nesterov momentum
          0.9, lr 0.1 * batch / 256, weight decay 1e-5 except on BatchNorm and LayerNorm
          parameters (the paper's RegNetY recipe; swag bench runs the same for every model)
  infer   eval-mode forward under torch.no_grad()
The inputs are one random batch (images ~ N(0, 1), targets 1/K on K <= 3 random classes),
made once. Each timed iteration is one step; the result is the median over --iters after
--warmup untimed steps, and images_per_s = batch / median_step_s. With --json the result is one
JSON object: images_per_s, median_step_s, model, mode, batch, resolution, threads, num_classes,
device, amp, torch_version (and the per-iteration step_times_s).

--device cuda times GPU steps (synchronizing after each, cudnn.benchmark on); --amp bf16 runs
the forward under bfloat16 autocast, the closest PyTorch analogue of swag's GPU numerics (bf16
activations, fp32 master weights). The loss is always computed in fp32.

Run it on the same machine as `swag bench` with the same configuration and compare the ratio
(doc: DESIGN.md section 8).
"""

import argparse
import json
import statistics
import sys
import time

import torch

from import_torchvision import ImportFailure, build_model, resolve_arch, swag_name
from torch_reference import soft_cross_entropy, soft_targets


def make_optimizer(model: torch.nn.Module, batch: int) -> torch.optim.Optimizer:
    norm_params = {id(p) for m in model.modules()
                   if isinstance(m, (torch.nn.modules.batchnorm._BatchNorm, torch.nn.LayerNorm))
                   for p in m.parameters(recurse=False)}
    decay = [p for p in model.parameters() if id(p) not in norm_params]
    no_decay = [p for p in model.parameters() if id(p) in norm_params]
    return torch.optim.SGD([{"params": decay, "weight_decay": 1e-5},
                            {"params": no_decay, "weight_decay": 0.0}],
                           lr=0.1 * batch / 256, momentum=0.9, nesterov=True)


def bench(arch: str, mode: str, batch: int, resolution: int, num_classes: int, warmup: int,
          iters: int, device: torch.device, amp: bool, pre_logits: bool) -> list:
    """Returns the wall-clock seconds of each timed step."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    model = build_model(arch, num_classes, resolution, pre_logits).to(device)
    images = torch.randn(batch, 3, resolution, resolution, generator=gen).to(device)
    targets = soft_targets(batch, num_classes, gen).to(device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp)

    if mode == "train":
        model.train()
        optimizer = make_optimizer(model, batch)

        def step():
            optimizer.zero_grad(set_to_none=True)
            with autocast:
                logits = model(images)
            loss = soft_cross_entropy(logits.float(), targets)
            loss.backward()
            optimizer.step()
    else:
        model.eval()

        def step():
            with torch.no_grad(), autocast:
                model(images)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--model", required=True,
                        help="swag model name (regnety_400mf, ...) or torchvision name")
    parser.add_argument("--mode", choices=["train", "infer"], required=True)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--resolution", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--num-classes", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--iters", type=int, default=10, help="timed steps")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    parser.add_argument("--amp", choices=["none", "bf16"], default="none",
                        help="bf16: autocast activations to bfloat16 (fp32 weights), like swag's "
                             "GPU numerics; default none (fp32)")
    parser.add_argument("--pre-logits", action="store_true",
                        help="ViT: with the pre-training head (heads.pre_logits)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    for flag in ("batch", "resolution", "threads", "num_classes", "iters"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be positive")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    try:
        arch = resolve_arch(args.model)
    except ImportFailure as exc:
        parser.error(exc.messages[0])

    device = torch.device(args.device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            parser.error("--device cuda: no CUDA device available to this torch")
        torch.backends.cudnn.benchmark = True

    torch.set_num_threads(args.threads)
    times = bench(arch, args.mode, args.batch, args.resolution, args.num_classes, args.warmup,
                  args.iters, device, args.amp == "bf16", args.pre_logits)
    median = statistics.median(times)
    result = {
        "images_per_s": args.batch / median,
        "median_step_s": median,
        "model": swag_name(arch),
        "mode": args.mode,
        "batch": args.batch,
        "resolution": args.resolution,
        "threads": args.threads,
        "num_classes": args.num_classes,
        "device": str(device),
        "amp": args.amp,
        "torch_version": str(torch.__version__),
        "step_times_s": times,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"torch {result['torch_version']} {result['model']} {args.mode} on {device}: batch "
              f"{args.batch}, {args.resolution}x{args.resolution}, {args.threads} threads, amp "
              f"{args.amp}: "
              f"{result['images_per_s']:.1f} images/s (median step {median * 1e3:.1f} ms "
              f"over {args.iters})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
