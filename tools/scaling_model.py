#!/usr/bin/python3
"""Predicts the data-parallel training step and its weak-scaling efficiency (doc/scaling.md).

Usage:
    /usr/bin/python3 tools/scaling_model.py [--swag build/cpu/bin/swag] [--network paper]
        [--check BENCH_N1.json BENCH_N2.json ...]

For each paper model: the step at 64 images per GPU (the decks' 8192 over 128 GPUs) on 8, 64,
128 (16 nodes x 8, the paper's) and 256 GPUs; then, at 128 GPUs, fp32 against bf16 gradients,
5/25/100 MiB buckets, and a flat ring against a hierarchical all-reduce. Inputs:
  - the buckets, in the order backward fills them, with their layers' MACs per image:
    `swag info --model M --buckets MB --json` (the training code's own bucketing);
  - compute: the paper's Table 5 training throughput of one node of 8 V100s at 224 px, split
    1:2 between forward and backward, and backward over the buckets by their MACs (or a
    measured images/s per GPU, --throughput M=IMAGES_PER_S);
  - the network (--network): bus bandwidth and latency inside a node and per node between
    nodes, as stated in NETWORKS.
A bucket's sum starts when backward has filled it and the previous sum is done (one stream);
what is left after backward is the exposed communication. A ring over p ranks moves
2(p-1)/p of the bytes over its slowest link with 2(p-1) latencies; the hierarchical sum reduces
inside the node, sums across nodes (each node's link carries 2(N-1)/N of the bytes) and gathers
inside the node again.

--check BENCH.json...: `swag bench --mode train --json` outputs of one model at -n 1 and at
-n 2 with several --bucket-mb. The largest bucket size's wait (one bucket, nothing to overlap)
gives this machine's all-reduce bandwidth; the model then predicts the others' waits, both with
sums that progress during backward and with sums that progress only at the end (MPI on the host
has no progress thread), beside the measured waits.
"""

import argparse
import json
import math
import subprocess
import sys
from dataclasses import dataclass

# Table 5 of the paper: training images/s on one node of 8 V100 32GB GPUs at 224 px.
PAPER_TRAIN_PER_NODE = {"regnety_16gf": 989, "regnety_32gf": 607, "regnety_128gf": 191,
                        "vit_b16": 2247, "vit_l16": 701, "vit_h14": 246}
PER_GPU_BATCH = 64  # inputs/pretrain/*.toml: batch.global 8192 over the paper's 128 GPUs
GPU_COUNTS = (8, 64, 128, 256)
MIB = 1 << 20


@dataclass
class Network:
    """Bus bandwidths in GB/s and latencies in microseconds."""
    gpus_per_node: int
    intra_gbps: float      # NCCL all-reduce bus bandwidth per GPU inside a node (NVLink)
    intra_latency_us: float
    inter_gbps: float      # one node's network link, both directions at once
    inter_latency_us: float
    note: str


NETWORKS = {
    # The paper (Sec. 3.1): 16 nodes of 8 V100s, NVLink inside a node, Ethernet between nodes.
    # It states no speeds: DGX-1-class NVLink (NCCL bus bandwidth about 130 GB/s; 100 taken)
    # and one 100 Gb/s Ethernet link per node are assumptions.
    "paper": Network(8, 100.0, 10.0, 12.5, 30.0,
                     "8 V100/node, NVLink 100 GB/s, 100 Gb/s Ethernet per node (assumed)"),
    # A current InfiniBand cluster: four 200 Gb/s HDR links per node of 8 GPUs.
    "infiniband": Network(8, 100.0, 10.0, 100.0, 5.0,
                          "8 GPUs/node, NVLink 100 GB/s, 4x200 Gb/s InfiniBand per node"),
}


def ring(nbytes: float, ranks: int, gbps: float, latency_us: float) -> float:
    if ranks <= 1:
        return 0.0
    return 2 * (ranks - 1) / ranks * nbytes / (gbps * 1e9) + 2 * (ranks - 1) * latency_us * 1e-6


def allreduce_seconds(nbytes: float, gpus: int, net: Network, algorithm: str) -> float:
    per_node = min(gpus, net.gpus_per_node)
    nodes = math.ceil(gpus / net.gpus_per_node)
    if nodes == 1:
        return ring(nbytes, gpus, net.intra_gbps, net.intra_latency_us)
    if algorithm == "flat":  # one ring through every GPU: each node's link carries it
        return ring(nbytes, gpus, min(net.intra_gbps, net.inter_gbps),
                    max(net.intra_latency_us, net.inter_latency_us))
    half_intra = ring(nbytes, per_node, net.intra_gbps, net.intra_latency_us) / 2
    return 2 * half_intra + ring(nbytes, nodes, net.inter_gbps, net.inter_latency_us)


def exposed_seconds(buckets: list, backward_s: float, sums) -> float:
    """Communication left after backward: bucket k's sum starts once it is filled and the
    previous sum is done. sums(bytes) -> seconds."""
    total_macs = sum(b["macs"] for b in buckets) or 1
    filled, done = 0.0, 0.0
    for b in buckets:
        filled += backward_s * b["macs"] / total_macs
        done = max(done, filled) + sums(b["bytes"])
    return max(0.0, done - backward_s)


def swag_buckets(swag: str, model: str, bucket_mb: float, resolution: int = 224) -> list:
    out = subprocess.run([swag, "info", "--model", model, "--resolution", str(resolution),
                          "--buckets", str(bucket_mb), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["buckets"]


def step(model: str, gpus: int, buckets: list, per_gpu_images_per_s: float, net: Network,
         algorithm: str = "flat", grad_bytes: int = 4) -> dict:
    compute = PER_GPU_BATCH / per_gpu_images_per_s
    backward = compute * 2 / 3
    scale = grad_bytes / 4
    exposed = exposed_seconds(
        buckets, backward, lambda n: allreduce_seconds(n * scale, gpus, net, algorithm))
    total = compute + exposed
    return {"model": model, "gpus": gpus, "step_ms": 1e3 * total, "exposed_ms": 1e3 * exposed,
            "efficiency": compute / total}


def predict(args) -> None:
    net = NETWORKS[args.network]
    print(f"network: {args.network}: {net.note}; {PER_GPU_BATCH} images per GPU\n")
    print("| model | GPUs | step ms | exposed all-reduce ms | weak-scaling efficiency |")
    print("|---|---|---|---|---|")
    for model, per_node in PAPER_TRAIN_PER_NODE.items():
        speed = args.throughput.get(model, per_node / 8)
        buckets = swag_buckets(args.swag, model, 25)
        for gpus in GPU_COUNTS:
            r = step(model, gpus, buckets, speed, net)
            print(f"| {model} | {gpus} | {r['step_ms']:.0f} | {r['exposed_ms']:.1f} | "
                  f"{100 * r['efficiency']:.1f}% |")
    print("\nAt 128 GPUs (16 nodes x 8): efficiency by gradient type, bucket size and algorithm\n")
    variants = [(f"{dtype} {mb} MiB {alg}", dtype, mb, alg) for dtype in ("fp32", "bf16")
                for mb in (5, 25, 100) for alg in ("flat", "hierarchical")]
    print("| model | " + " | ".join(v[0] for v in variants) + " |")
    print("|---|" + "---|" * len(variants))
    for model, per_node in PAPER_TRAIN_PER_NODE.items():
        speed = args.throughput.get(model, per_node / 8)
        cells = []
        for _, dtype, mb, alg in variants:
            r = step(model, 128, swag_buckets(args.swag, model, mb), speed, net, alg,
                     2 if dtype == "bf16" else 4)
            cells.append(f"{100 * r['efficiency']:.1f}%")
        print(f"| {model} | " + " | ".join(cells) + " |")


def check(args) -> None:
    runs = [json.load(open(path)) for path in args.check]
    solo = [r for r in runs if r["ranks"] == 1]
    pairs = sorted((r for r in runs if r["ranks"] == 2), key=lambda r: -r["bucket_mb"])
    if not solo or not pairs:
        sys.exit("scaling_model.py: --check needs a -n 1 run and -n 2 runs of one model")
    model, compute = solo[0]["model"], solo[0]["median_step_s"]
    largest = pairs[0]
    buckets = swag_buckets(args.swag, model, largest["bucket_mb"], largest["resolution"])
    nbytes = sum(b["bytes"] for b in buckets)
    # One bucket, filled at the end of backward: all of its sum is the measured wait.
    gbps = nbytes / largest["comm_wait_s"] / 1e9
    print(f"{model}, batch {solo[0]['batch']} at {solo[0]['resolution']} px: step {compute:.3f} s "
          f"at -n 1; {nbytes / MIB:.1f} MiB of gradients, summed at {gbps:.2f} GB/s over 2 ranks "
          f"(from the {largest['bucket_mb']:g} MiB run)\n")
    print("| bucket MiB | buckets | measured wait s | predicted, progress during backward | "
          "predicted, progress at the end |")
    print("|---|---|---|---|---|")
    for r in pairs:
        b = swag_buckets(args.swag, model, r["bucket_mb"], r["resolution"])
        sums = lambda n: n / (gbps * 1e9)  # noqa: E731  (two ranks: 2(p-1)/p = 1)
        overlapped = exposed_seconds(b, compute * 2 / 3, sums)
        at_end = sum(sums(x["bytes"]) for x in b)
        print(f"| {r['bucket_mb']:g} | {len(b)} | {r['comm_wait_s']:.3f} | {overlapped:.3f} | "
              f"{at_end:.3f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--swag", default="build/cpu/bin/swag")
    parser.add_argument("--network", choices=sorted(NETWORKS), default="paper")
    parser.add_argument("--throughput", action="append", default=[], metavar="M=IMAGES_PER_S",
                        help="a measured training throughput per GPU instead of Table 5's")
    parser.add_argument("--check", nargs="+", metavar="BENCH.json",
                        help="compare with swag bench runs on this machine instead")
    args = parser.parse_args()
    try:
        args.throughput = {k: float(v) for k, v in (t.split("=", 1) for t in args.throughput)}
    except ValueError:
        parser.error("--throughput takes MODEL=IMAGES_PER_S")
    if args.check:
        check(args)
    else:
        predict(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
