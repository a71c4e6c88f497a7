#!/usr/bin/env python3
"""swag against PyTorch on one GPU, side by side in one run: training and inference images/s,
TFLOP/s and MFU for each model, written as results.jsonl and table.md in --out.

    bench_side_by_side.py --swag build/cuda/bin/swag --out DIR \
        [--cases regnety_16gf:train:64,vit_b16:train:64,...] [--timeout 300] [--device cuda]
        [--sides swag,swag_tf32,swag_bf16,swag_amp_bf16,swag_amp_bf16_nd,torch_fp32,torch_bf16]
        [--strict]

Each case model:mode:batch at --resolution runs each side, one process after another; first the
first two sides (by default the issue's comparison) of every case, then the other sides, so
that a run cut short by --budget still compares every case:
  swag          `swag bench --device cuda` (fp32 kernels, TF32 off; --math fp32)
  swag_tf32     `swag bench --math tf32`: convolutions, linear layers and attention products on
                TF32 tensor cores, tensors still fp32 (as PyTorch's allow_tf32)
  swag_bf16     `swag bench --math bf16`: linear and attention products on bf16 tensor cores
                (cuBLASLt CUBLAS_COMPUTE_32F_FAST_16BF), convolutions TF32, tensors still fp32
  swag_amp_bf16 `swag bench --precision bf16`: activations and the weights' compute copy in bf16,
                fp32 master weights (doc/mixed_precision.md): PyTorch's bf16 autocast
  swag_amp_bf16_nd  the same with --nondeterministic: cuDNN may take its non-deterministic
                convolution algorithms, as PyTorch does by default (what determinism costs)
  torch_fp32    tools/bench_torch.py eager, fp32 with TF32 off, channels_last: the same arithmetic
  torch_bf16    tools/bench_torch.py bf16 autocast + channels_last + torch.compile: the baseline of
                the GPU issue (PyTorch as it is run in practice)
A run that fails or passes --timeout becomes a row with its error, and the next one goes on;
results.jsonl is appended to after every run, so a run cut short keeps what it measured.
The swag, swag_amp_bf16, torch_fp32 and torch_bf16 sides also profile their steps (`swag bench
--profile`, `bench_torch.py --profile`). table.md: images/s, MFU and ratios per case, then per
case each profiled side's milliseconds by category (CATEGORIES), then each side's largest ops.
FLOPs: 2 per MAC of `swag info`, a training step three times the forward's. MFU divides by the
GPU's dense peak for the run's arithmetic: fp32 on CUDA cores for swag and torch_fp32, TF32
tensor cores for swag_tf32, bf16 tensor cores for swag_bf16, swag_amp_bf16 and torch_bf16
(swag_bf16's convolutions run TF32, at half that peak, so its MFU understates a convolutional
model).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The targets first (training), then inference, then the large models if time is left.
DEFAULT_CASES = ("regnety_16gf:train:64,vit_b16:train:64,regnety_16gf:infer:128,"
                 "vit_b16:infer:128,regnety_128gf:train:16,vit_l16:train:32")

# Dense peak TFLOP/s by GPU (NVIDIA's data sheets): fp32 on CUDA cores, TF32 and bf16 on tensor
# cores.
PEAKS = {"H100 PCIe": {"fp32": 51.2, "tf32": 378.0, "bf16": 756.0},
         "H100": {"fp32": 66.9, "tf32": 494.7, "bf16": 989.4},   # SXM
         "H200": {"fp32": 66.9, "tf32": 494.7, "bf16": 989.4}}
# The arithmetic each side runs, for its MFU.
PRECISION = {"swag": "fp32", "swag_tf32": "tf32", "swag_bf16": "bf16", "swag_amp_bf16": "bf16",
             "swag_amp_bf16_nd": "bf16", "torch_fp32": "fp32", "torch_bf16": "bf16"}
# The comparison first (bf16 against PyTorch's bf16 autocast + torch.compile): the first
# pass runs it for every case.
DEFAULT_SIDES = "swag_amp_bf16,torch_bf16,swag,torch_fp32,swag_tf32,swag_bf16,swag_amp_bf16_nd"


def peak_for(gpu, precision):
    for name in sorted(PEAKS, key=len, reverse=True):
        if name in gpu:
            return PEAKS[name][precision]
    return None


def run_json(cmd, timeout):
    t0 = time.time()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}, time.time() - t0
    if r.returncode != 0:
        return {"error": f"exit {r.returncode}: {r.stderr.strip()[-600:]}"}, time.time() - t0
    return json.loads(r.stdout.strip().splitlines()[-1]), time.time() - t0


def run_with_profile(cmd, timeout):
    """run_json, and where a profiled run fails, the same once more without --profile (the
    profile's error kept as profile_error): a profile must not cost the side its figure. A
    torch.compile side is profiled in-process after its timed steps, so it is not run again."""
    r, wall = run_json(cmd, timeout)
    if "error" not in r or "--profile" not in cmd or "--compile" in cmd or \
            r["error"].startswith("timed out"):
        return r, wall
    retry, more = run_json([c for c in cmd if c != "--profile"], timeout)
    retry["profile_error"] = r["error"]
    return retry, wall + more


def gpu_name(device):
    if device != "cuda":
        return "cpu"
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                              capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown GPU"


def case_commands(a, case):
    """`swag info` of the case's model, and the command of each side."""
    model, mode, batch = case.split(":")
    common = ["--model", model, "--mode", mode, "--batch", batch, "--resolution",
              str(a.resolution), "--iters", str(a.iters), "--warmup", str(a.warmup),
              "--device", a.device]
    info, _ = run_json([a.swag, "info", "--model", model, "--resolution", str(a.resolution),
                        "--json"], 60)
    torch_bench = [a.python, os.path.join(HERE, "..", "bench_torch.py"), *common]
    commands = {
        "swag": [a.swag, "bench", *common, "--profile", "--json"],
        "swag_tf32": [a.swag, "bench", *common, "--math", "tf32", "--json"],
        "swag_bf16": [a.swag, "bench", *common, "--math", "bf16", "--json"],
        "swag_amp_bf16": [a.swag, "bench", *common, "--precision", "bf16", "--profile",
                          "--json"],
        "swag_amp_bf16_nd": [a.swag, "bench", *common, "--precision", "bf16",
                             "--nondeterministic", "--json"],
        "torch_fp32": [*torch_bench, "--precision", "fp32", "--channels-last", "--profile",
                       "--json"],
        "torch_bf16": [*torch_bench, "--precision", "bf16", "--channels-last", "--compile",
                       "--profile", "--json"],
    }
    return info, commands


def add_flops(r, info):
    """TFLOP/s and MFU of a measured run r (with its case, side and gpu) from `swag info`."""
    if "images_per_s" not in r or "gmacs" not in info:
        return
    passes = 3 if r["case"].split(":")[1] == "train" else 1
    r["tflops"] = 2 * passes * info["gmacs"] * 1e9 * r["images_per_s"] / 1e12
    peak = peak_for(r["gpu"], PRECISION[r["side"]])
    r["mfu"] = r["tflops"] / peak if peak else None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--swag", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--cases", default=DEFAULT_CASES)
    p.add_argument("--resolution", type=int, default=224)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--timeout", type=int, default=300, help="seconds per run")
    p.add_argument("--budget", type=int, default=0,
                   help="seconds for the whole comparison; runs that would start later are "
                        "recorded as not run (0: no limit)")
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--sides", default=DEFAULT_SIDES,
                   help=f"comma-separated, from {', '.join(PRECISION)}")
    p.add_argument("--strict", action="store_true", help="exit 1 if any run failed")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    gpu = gpu_name(a.device)
    sides = a.sides.split(",")
    unknown = [s for s in sides if s not in PRECISION]
    if unknown:
        p.error(f"unknown side(s) {', '.join(unknown)}; choose from {', '.join(PRECISION)}")
    rows = []
    start = time.time()
    results = open(os.path.join(a.out, "results.jsonl"), "a")
    cases = {case: case_commands(a, case) for case in a.cases.split(",")}
    # Two passes: the first two sides (the comparison) of every case, then the others,
    # so that a run the time budget cuts short still has the headline figure of each case.
    for pass_sides in (sides[:2], sides[2:]):
        for case, (info, commands) in cases.items():
            for side in pass_sides:
                print(f"{case} {side} ...", flush=True)
                left = a.budget - (time.time() - start) if a.budget else a.timeout
                if left < 10:
                    r, wall = {"error": "not run: out of the time budget"}, 0.0
                else:
                    r, wall = run_with_profile(commands[side], int(min(a.timeout, left)))
                r.update({"case": case, "side": side, "gpu": gpu, "wall_s": round(wall, 1)})
                add_flops(r, info)
                results.write(json.dumps(r) + "\n")
                results.flush()
                rows.append(r)
                print(f"  {r.get('images_per_s', r.get('error'))}", flush=True)
    write_table(os.path.join(a.out, "table.md"), rows, gpu, sides)
    if a.strict and any("error" in r for r in rows):
        sys.exit(1)


def write_table(path, rows, gpu, sides):
    by_case = {}
    for r in rows:
        by_case.setdefault(r["case"], {})[r["side"]] = r
    head = "| model | mode | batch | " + " | ".join(f"{s} images/s (MFU)" for s in sides)
    ratios = (("swag", "torch_bf16"), ("swag", "torch_fp32"), ("swag_amp_bf16", "torch_bf16"),
              ("swag_amp_bf16_nd", "torch_bf16"))
    head += "".join(f" | {num} / {den}" for num, den in ratios) + " |"
    lines = [f"GPU: {gpu}; {time.strftime('%Y-%m-%d', time.gmtime())}", "", head,
             "|" + "---|" * (len(sides) + 3 + len(ratios))]
    for case, r in by_case.items():
        model, mode, batch = case.split(":")
        cells = []
        for s in sides:
            x = r.get(s, {})
            if "images_per_s" in x:
                mfu = f" ({100 * x['mfu']:.1f}%)" if x.get("mfu") is not None else ""
                cells.append(f"{x['images_per_s']:.1f}{mfu}")
            else:
                cells.append("failed: " + x.get("error", "not run").splitlines()[-1][:80])
        ratio = []
        for num, den in ratios:
            a, b = r.get(num, {}), r.get(den, {})
            ok = "images_per_s" in a and "images_per_s" in b
            ratio.append(f"{a['images_per_s'] / b['images_per_s']:.2f}" if ok else "-")
        lines.append(f"| {model} | {mode} | {batch} | " + " | ".join(cells + ratio) + " |")
    lines += category_lines(rows) + profile_lines(rows)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


# Where a profiled op or kernel belongs, for the gap table: swag's op names (ops/dispatch.hpp),
# then PyTorch's CUDA kernels and aten ops, by name, the first pattern that matches (a guide: the
# table's op lists are the evidence). Triton's fused kernels are element-wise unless they fuse a
# norm; PyTorch's CUDA kernel names vary by version and GPU.
CATEGORIES = (
    ("convolution", r"^conv2d_"),
    ("linear (GEMM)", r"^linear_"),
    ("attention", r"^attention_"),
    ("normalization", r"^(batchnorm|layer_norm)_"),
    ("loss", r"^softmax_cross_entropy_"),
    ("optimizer", r"^(sgd_update|adamw_update|sum_of_squares|scale|ema_update)$"),
    ("layout, conversion", r"^(convert|nchw_to_nhwc|normalize_images|token_embedding_|"
                           r"class_token_output_|swap_values)"),
    ("element-wise", r"^(relu|sigmoid|gelu|tanh|add|accumulate|channel_scale|global_avg_pool)_?"),
    ("normalization", r"triton.*(batch_norm|layer_norm)|batch_norm|layer_norm|welford|layernorm|"
                      r"\bbn_"),
    ("element-wise", r"triton"),
    ("loss", r"log_softmax|nll_loss|cross_entropy"),
    ("attention", r"flash|fmha|attention|sdpa|softmax|qkv"),
    ("optimizer", r"multi_tensor|foreach|optimizer|sgd|adam"),
    ("convolution", r"conv|fprop|dgrad|wgrad|implicit|winograd|cudnn"),
    ("linear (GEMM)", r"gemm|nvjet|cutlass|cublas|matmul|addmm|bmm|::mm$|linear|xmma"),
    ("element-wise", r"elementwise|vectorized|reduce|threshold|clamp|relu|sigmoid|gelu|tanh|"
                     r"add|mul|div|mean|sum|pool|copy|fill|where|cat"),
)


def category(op):
    name = op.lower()
    return next((c for c, pattern in CATEGORIES if re.search(pattern, name)), "other")


def category_lines(rows):
    """Per case, each profiled side's milliseconds per step by category: where the gaps lie."""
    lines = []
    by_case = {}
    for r in rows:
        if r.get("profile"):
            by_case.setdefault(r["case"], []).append(r)
    for case, profiled in by_case.items():
        table = {}
        for r in profiled:
            p = r["profile"]
            for op in p["ops"]:
                times = table.setdefault(category(op["op"]), {})
                times[r["side"]] = times.get(r["side"], 0.0) + op["ms_per_step"]
            table.setdefault("outside the ops", {})[r["side"]] = p["step_ms"] - p["ops_ms"]
        sides = [r["side"] for r in profiled]
        lines += ["", f"{case}: milliseconds per profiled step by category", "",
                  "| category | " + " | ".join(sides) + " |", "|---|" + "---|" * len(sides)]
        for name in sorted(table, key=lambda c: -max(table[c].values())):
            cells = [f"{table[name][s]:.2f}" if s in table[name] else "-" for s in sides]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def profile_lines(rows, top=8):
    """Where the profiled sides' steps go: the ops that take most of each step."""
    lines = []
    for r in rows:
        p = r.get("profile")
        if not p:
            continue
        lines += ["", f"{r['case']} {r['side']}: {p['step_ms']:.2f} ms per profiled step, "
                      f"{p['ops_ms']:.2f} ms in ops", "",
                  "| op | calls | ms | share of step |", "|---|---|---|---|"]
        for op in p["ops"][:top]:
            lines.append(f"| {op['op']} | {op['calls_per_step']:g} | {op['ms_per_step']:.3f} | "
                         f"{100 * op['ms_per_step'] / p['step_ms']:.1f}% |")
    return lines


if __name__ == "__main__":
    main()
