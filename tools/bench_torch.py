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
device, precision, channels_last, compile, torch_version (and the per-iteration step_times_s;
on a GPU its name and the peak memory of a step, gpu and peak_memory_bytes; with --profile,
profile).

--device cuda times GPU steps (synchronizing after each, cudnn.benchmark on). --precision:
fp32 (on a GPU with TF32 off: the arithmetic of swag's fp32 kernels), tf32 (PyTorch's matmul
and cuDNN TF32, as swag bench --math tf32), bf16 (the forward under bfloat16 autocast, fp32
master weights: swag bench --precision bf16). The loss is always computed in fp32.
--channels-last keeps images and activations NHWC, as swag does; --compile runs the model
through torch.compile (compiled during the warm-up). The GPU comparison's baseline
(tools/gpu/bench_side_by_side.py) is --precision bf16 --channels-last --compile.
--profile: after the timed steps, as many again under torch.profiler, reported as `profile` in
the schema of `swag bench --profile`: per CUDA kernel (on the CPU, per aten op) its calls and
self time per step, largest first.

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


def make_step(args, arch: str, device: torch.device):
    """One training step or forward of args' configuration, synchronized on a GPU."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    batch, resolution, num_classes, mode = args.batch, args.resolution, args.num_classes, args.mode
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    net = build_model(arch, num_classes, resolution, args.pre_logits).to(device, memory_format=fmt)
    images = torch.randn(batch, 3, resolution, resolution, generator=gen).to(
        device, memory_format=fmt)
    targets = soft_targets(batch, num_classes, gen).to(device)
    net.train(mode == "train")
    model = torch.compile(net) if args.compile else net
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16")

    if mode == "train":
        optimizer = make_optimizer(net, batch)

        def step():
            optimizer.zero_grad(set_to_none=True)
            with autocast:
                logits = model(images)
            loss = soft_cross_entropy(logits.float(), targets)
            loss.backward()
            optimizer.step()
    else:
        def step():
            with torch.no_grad(), autocast:
                model(images)

    def synchronized_step():
        step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    return synchronized_step


def bench(step, warmup: int, iters: int) -> list:
    """The wall-clock seconds of each timed step, after the warm-up."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def profile_steps(step, iters: int, cuda: bool) -> dict:
    """Per kernel (CUDA) or aten op (CPU) self time per step, under torch.profiler."""
    from torch.profiler import ProfilerActivity, profile
    activity = ProfilerActivity.CUDA if cuda else ProfilerActivity.CPU
    with profile(activities=[activity]) as prof:
        start = time.perf_counter()
        for _ in range(iters):
            step()
        wall = time.perf_counter() - start
    kind = torch.autograd.DeviceType.CUDA if cuda else torch.autograd.DeviceType.CPU
    ops = []
    for e in prof.key_averages():
        if e.device_type != kind:
            continue
        if cuda:  # self_cuda_time_total before PyTorch 2.4
            us = getattr(e, "self_device_time_total", None)
            us = e.self_cuda_time_total if us is None else us
        else:
            us = e.self_cpu_time_total
        ops.append({"op": e.key[:120], "calls_per_step": e.count / iters,
                    "ms_per_step": us / 1e3 / iters})
    ops.sort(key=lambda o: -o["ms_per_step"])
    return {"step_ms": 1e3 * wall / iters, "ops_ms": sum(o["ms_per_step"] for o in ops),
            "ops": ops}


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
    parser.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32",
                        help="fp32 (TF32 off), tf32, or bf16 autocast (fp32 weights)")
    parser.add_argument("--channels-last", action="store_true", help="NHWC images and activations")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--profile", action="store_true",
                        help="self time per kernel (CUDA) or aten op (CPU) of as many steps again")
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
        torch.backends.cuda.matmul.allow_tf32 = args.precision == "tf32"
        torch.backends.cudnn.allow_tf32 = args.precision == "tf32"

    torch.set_num_threads(args.threads)
    step = make_step(args, arch, device)
    times = bench(step, args.warmup, args.iters)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        step()  # the peak of one step, after the warm-up's allocations
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
        "precision": args.precision,
        "channels_last": args.channels_last,
        "compile": args.compile,
        "torch_version": str(torch.__version__),
        "step_times_s": times,
    }
    if device.type == "cuda":
        result["gpu"] = torch.cuda.get_device_name(device)
        result["peak_memory_bytes"] = torch.cuda.max_memory_allocated(device)
    if args.profile:
        try:  # after the timed steps: a profiler failure must not lose their figure
            result["profile"] = profile_steps(step, args.iters, device.type == "cuda")
        except Exception as exc:  # torch.profiler's API moves between PyTorch versions
            result["profile_error"] = f"{type(exc).__name__}: {exc}"
            print(f"bench_torch.py: the profile failed: {result['profile_error']}",
                  file=sys.stderr)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"torch {result['torch_version']} {result['model']} {args.mode} on {device}: batch "
              f"{args.batch}, {args.resolution}x{args.resolution}, {args.threads} threads, "
              f"{args.precision}: "
              f"{result['images_per_s']:.1f} images/s (median step {median * 1e3:.1f} ms "
              f"over {args.iters})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
