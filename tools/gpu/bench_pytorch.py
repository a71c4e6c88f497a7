#!/usr/bin/env python3
"""The PyTorch side of the GPU speed comparison: the step `swag bench` times, in torchvision.

A training step is a train-mode forward, soft-target cross-entropy (1/K targets on K <= 3 of
the classes), backward and SGD with Nesterov momentum 0.9 (weight decay 1e-5, none on norm
layers and biases, as swag's decks); inference is an eval-mode forward under no_grad. Random
images, the median of --iters timed steps after --warmup untimed ones (torch.compile compiles
during the warm-up). Prints one JSON object, with the fields `swag bench --json` has.

    bench_pytorch.py --model regnety_16gf --mode train --batch 64 --resolution 224 \
        [--precision fp32|tf32|bf16] [--channels-last] [--compile] [--device cuda|cpu] [--profile]

--precision: fp32 (TF32 off: the arithmetic of swag's fp32 kernels), tf32 (PyTorch's matmul
and cuDNN TF32), bf16 (autocast to bfloat16, fp32 master weights). The baseline of the GPU
issue is --precision bf16 --channels-last --compile.
--profile: after the timed steps, as many again under torch.profiler, reported as `profile` in
the schema of `swag bench --profile`: per CUDA kernel (on the CPU, per aten op) its calls and
self time per step, largest first, the 40 largest kept (the timed steps run without it).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F
import torchvision

# swag's model names -> torchvision's constructors
MODELS = {
    "regnety_400mf": "regnet_y_400mf", "regnety_800mf": "regnet_y_800mf",
    "regnety_1.6gf": "regnet_y_1_6gf", "regnety_3.2gf": "regnet_y_3_2gf",
    "regnety_8gf": "regnet_y_8gf", "regnety_16gf": "regnet_y_16gf",
    "regnety_32gf": "regnet_y_32gf", "regnety_128gf": "regnet_y_128gf",
    "vit_b16": "vit_b_16", "vit_l16": "vit_l_16", "vit_h14": "vit_h_14",
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    p.add_argument("--mode", default="train", choices=["train", "infer"])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--resolution", type=int, default=224)
    p.add_argument("--num-classes", type=int, default=1000)
    p.add_argument("--precision", default="fp32", choices=["fp32", "tf32", "bf16"])
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--profile", action="store_true")
    return p.parse_args()


def soft_targets(n, c, generator):
    """Each row 1/K on K = 1..3 random classes, as hashtag targets."""
    t = torch.zeros(n, c)
    for i in range(n):
        k = int(torch.randint(1, 4, (1,), generator=generator))
        for j in torch.randint(0, c, (k,), generator=generator).tolist():
            t[i, j] += 1.0 / k
    return t


def param_groups(model):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    return [{"params": decay, "weight_decay": 1e-5}, {"params": no_decay, "weight_decay": 0.0}]


def profile_steps(once, iters, cuda, top=40):
    """Per kernel (CUDA) or aten op (CPU) self time per step, under torch.profiler."""
    from torch.profiler import ProfilerActivity, profile
    activity = ProfilerActivity.CUDA if cuda else ProfilerActivity.CPU
    with profile(activities=[activity]) as prof:
        t0 = time.perf_counter()
        for _ in range(iters):
            once()
        wall = time.perf_counter() - t0
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
            "ops": ops[:top]}


def main():
    a = parse_args()
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = a.precision == "tf32"
        torch.backends.cudnn.allow_tf32 = a.precision == "tf32"
        torch.backends.cudnn.benchmark = True
    g = torch.Generator().manual_seed(0)
    kwargs = {"num_classes": a.num_classes}
    if a.model.startswith("vit"):
        kwargs["image_size"] = a.resolution
    model = getattr(torchvision.models, MODELS[a.model])(**kwargs)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = model.to(dev, memory_format=fmt)
    train = a.mode == "train"
    model.train(train)
    images = torch.randn(a.batch, 3, a.resolution, a.resolution, generator=g).to(
        dev, memory_format=fmt)
    targets = soft_targets(a.batch, a.num_classes, g).to(dev)
    opt = torch.optim.SGD(param_groups(model), lr=0.01, momentum=0.9, nesterov=True)
    step_model = torch.compile(model) if a.compile else model
    autocast = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.precision == "bf16")

    def once():
        if train:
            with autocast:
                logits = step_model(images)
            loss = -(targets * F.log_softmax(logits.float(), dim=1)).sum(1).mean()
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        else:
            with torch.no_grad(), autocast:
                step_model(images)
        if cuda:
            torch.cuda.synchronize()

    t0 = time.perf_counter()
    for _ in range(a.warmup):
        once()
    warmup_s = time.perf_counter() - t0
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    seconds = []
    for _ in range(a.iters):
        t = time.perf_counter()
        once()
        seconds.append(time.perf_counter() - t)
    median = statistics.median(seconds)
    out = {
        "images_per_s": a.batch / median, "median_step_s": median, "model": a.model,
        "mode": a.mode, "device": a.device, "batch": a.batch, "resolution": a.resolution,
        "iters": a.iters, "precision": a.precision, "channels_last": a.channels_last,
        "compile": a.compile, "warmup_s": warmup_s, "torch": torch.__version__,
    }
    if cuda:
        out["gpu"] = torch.cuda.get_device_name(0)
        out["peak_memory_bytes"] = torch.cuda.max_memory_allocated()
    if a.profile:
        out["profile"] = profile_steps(once, a.iters, cuda)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
