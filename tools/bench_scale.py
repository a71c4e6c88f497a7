#!/usr/bin/python3
"""The data pipeline at scale (doc/scaling.md): memory per rank, start-up time and files opened,
on label-only shard sets of growing size made by tools/make_scale_dataset.py.

    bench_scale.py --swag build/cpu/bin/swag --work /tmp/swag_scale --sizes 1000000,10000000
                   [--ranks 1,2] [--shard-size 100000] [--num-samples 100000]
                   [--baseline-swag OLD_SWAG] [--out results.json]

For each size N (a folder WORK/nN, made when missing; keep it out of the repository):
- `swag index --data D` rebuilds index.json and buckets.h5, timed at each rank count;
- `swag sample --data D --num-samples M` under `mpiexec -n W`: every rank reports its start-up
  time (index.json broadcast, buckets.h5 mapped, the sampler built), the sampler's private
  bytes, its private (anonymous) and file-backed resident memory, and the shard files it opened
  to read the labels of its draws;
- `swag bench --mode loader` (one process): the loader's start-up, private memory, and the shard
  files its workers opened and held at most, over a few batches;
- with --baseline-swag, the same `swag sample` of a swag from before the buckets (every label
  on every rank), for its peak RSS.
Prints a Markdown table and writes every figure to --out (JSON).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
       "OMPI_MCA_rmaps_base_oversubscribe": "1", "SWAG_LOG_ALL_RANKS": "1"}


def run(cmd, ranks=1):
    full = (["mpiexec", "-n", str(ranks)] if ranks > 1 else []) + [str(c) for c in cmd]
    start = time.time()
    r = subprocess.run(full, capture_output=True, text=True, env=ENV)
    seconds = time.time() - start
    if r.returncode != 0:
        sys.exit(f"bench_scale: {' '.join(full)} failed (exit {r.returncode}):\n{r.stderr[-3000:]}")
    return r, seconds


def peak_rss_of(cmd):
    """Peak RSS (bytes) of a one-process command, from GNU time's %M."""
    r = subprocess.run(["/usr/bin/time", "-f", "PEAK_RSS_KB %M"] + [str(c) for c in cmd],
                       capture_output=True, text=True, env=ENV)
    if r.returncode != 0:
        sys.exit(f"bench_scale: {cmd} failed:\n{r.stderr[-3000:]}")
    return int(re.search(r"PEAK_RSS_KB (\d+)", r.stderr).group(1)) * 1024


def measure(args, n):
    data = os.path.join(args.work, f"n{n}")
    if not os.path.exists(os.path.join(data, "index.json")):
        subprocess.run([sys.executable, os.path.join(HERE, "make_scale_dataset.py"), "--output-dir",
                        data, "--images", str(n), "--shard-size", str(args.shard_size)], check=True)
    rec = {"images": n, "shards": len(json.load(open(os.path.join(data, "index.json")))["shards"])}
    rec["shard_size"] = args.shard_size
    rec["buckets_bytes"] = None
    for w in args.ranks:
        _, seconds = run([args.swag, "index", "--data", data], w)
        rec[f"index_seconds_n{w}"] = seconds
    rec["buckets_bytes"] = os.path.getsize(os.path.join(data, "buckets.h5"))
    rec["index_json_bytes"] = os.path.getsize(os.path.join(data, "index.json"))
    for w in args.ranks:
        r, seconds = run([args.swag, "sample", "--data", data, "--num-samples", args.num_samples,
                          "--json"], w)
        ranks = [json.loads(m) for m in re.findall(r"resources (\{.*\})", r.stderr)]
        assert len(ranks) == w, r.stderr[-2000:]
        rec[f"sample_n{w}"] = {"wall_seconds": seconds, "ranks": ranks}
    r, _ = run([args.swag, "bench", "--mode", "loader", "--data", data, "--batch", 64,
                "--resolution", 16, "--workers", 2, "--warmup", 1, "--iters", 4, "--json"])
    rec["loader"] = json.loads(r.stdout.strip().splitlines()[-1])
    if args.baseline_swag:
        rec["baseline_sample_peak_rss"] = peak_rss_of(
            [args.baseline_swag, "sample", "--data", data, "--num-samples", args.num_samples,
             "--json"])
    return rec


def table(records, ranks):
    mb = lambda b: f"{b / 2**20:.1f}"
    lines = ["| images | shards | buckets.h5 MB | index s (" + ", ".join(f"-n {w}" for w in ranks) +
             ") | sample start-up s (rank 0) | sampler private KB | RssAnon MB per rank (" +
             ", ".join(f"-n {w}" for w in ranks) + ") | shard files opened per rank (-n "
             f"{ranks[-1]}) | loader start-up s | loader RssAnon MB | loader opens / peak open |"
             " baseline peak RSS MB |",
             "|" + "---|" * 11]
    for r in records:
        last = r[f"sample_n{ranks[-1]}"]["ranks"]
        lines.append(
            f"| {r['images']:,} | {r['shards']} | {mb(r['buckets_bytes'])} | " +
            ", ".join(f"{r[f'index_seconds_n{w}']:.1f}" for w in ranks) + " | " +
            f"{r[f'sample_n{ranks[0]}']['ranks'][0]['startup_seconds']:.2f} | " +
            f"{r[f'sample_n{ranks[0]}']['ranks'][0]['sampler_private_bytes'] / 1024:.0f} | " +
            ", ".join(mb(max(x["rss_anon"] for x in r[f"sample_n{w}"]["ranks"])) for w in ranks) +
            " | " + ", ".join(str(x["shard_files_opened"]) for x in last) + " | " +
            f"{r['loader']['startup_seconds']:.2f} | {mb(r['loader']['rss_anon'])} | " +
            f"{r['loader']['shard_files_opened']} / {r['loader']['peak_open_shards']} | " +
            (mb(r["baseline_sample_peak_rss"]) if r.get("baseline_sample_peak_rss") else "-") +
            " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--swag", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--sizes", default="1000000,10000000")
    p.add_argument("--ranks", default="1,2")
    p.add_argument("--shard-size", type=int, default=100000)
    p.add_argument("--num-samples", type=int, default=100000)
    p.add_argument("--baseline-swag")
    p.add_argument("--out")
    args = p.parse_args()
    args.ranks = [int(w) for w in args.ranks.split(",")]
    records = []
    for n in (int(float(s)) for s in args.sizes.split(",")):
        records.append(measure(args, n))
        print(f"bench_scale: {n:,} images measured", file=sys.stderr)
    print(table(records, args.ranks))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"records": records, "num_samples": args.num_samples,
                       "ranks": args.ranks}, f, indent=1)


if __name__ == "__main__":
    main()
