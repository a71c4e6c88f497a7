#!/usr/bin/python3
"""The training loader: `swag bench --mode loader` against torchvision + PIL, on the same JPEGs.

    /usr/bin/python3 tools/make_bench_jpegs.py --output build/bench-jpegs
    /usr/bin/python3 tools/bench_loader_side_by_side.py --swag build/cpu/bin/swag \\
        --data build/bench-jpegs/shards --resolution 224 --batch 32 --workers 2 --runs 5

Both sides read the JPEG bytes from the same shards (HDF5) and do the same transforms: decode,
RandomResizedCrop(R, scale=(0.08, 1), ratio=(3/4, 4/3)) with antialiased bilinear resizing,
RandomHorizontalFlip, to float, ImageNet mean/std normalization, batches of --batch images.

Variants (--variants, all by default):
  swag         swag bench --mode loader (libjpeg-turbo DCT scaling for the crop, the default)
  swag-full    the same with --no-dct-scaling (full-size decode, then crop and resize)
  swag-before  (only when named) swag bench --mode loader of another build, --swag-before:
               the before of a before/after
  torch        torch.utils.data.DataLoader(num_workers=--workers), PIL decode (Image.open,
               .convert("RGB") as torchvision's default loader does), torchvision transforms
  torch-draft  the same, but the crop is drawn from the header's size first and PIL's
               draft() (PIL's DCT scaling: 1/2, 1/4 or 1/8) decodes at the smallest scale that
               keeps the crop at least R x R; then resized_crop, flip, ToTensor, Normalize

Every measurement is a fresh process, the variants alternate within each run (so that drifts
in machine load hit all of them), each process times --iters batches after --warmup. Reported:
the medians over runs of images/s (wall clock) and of images per CPU second (the CPU time of
all the process's threads, or of the DataLoader's main and worker processes: what one fully
busy core delivers, which the other work on a shared machine disturbs less). Prints Markdown
for doc/benchmarks.md. swag draws images from the resampled stream, torch uniformly: the
images differ, their size distribution does not.
"""
import argparse
import io
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


# ---------------------------------------------------------------- the torch side (a child process)

class ShardJpegs:
    """Image i's JPEG bytes from the shards, h5py files opened lazily in each worker process."""

    def __init__(self, data):
        with open(os.path.join(data, "index.json")) as f:
            index = json.load(f)
        self.paths = [os.path.join(data, s["file"]) for s in index["shards"]]
        import h5py
        self.offsets = []
        for p in self.paths:
            with h5py.File(p, "r") as f:
                self.offsets.append(f["images/offsets"][:])
        self.counts = [len(o) - 1 for o in self.offsets]
        self.files, self.pid = None, None

    def __len__(self):
        return sum(self.counts)

    def __call__(self, i):
        if self.pid != os.getpid():
            import h5py
            self.files, self.pid = [h5py.File(p, "r") for p in self.paths], os.getpid()
        for s, n in enumerate(self.counts):
            if i < n:
                o = self.offsets[s]
                return self.files[s]["images/jpeg"][o[i]:o[i + 1]].tobytes()
            i -= n
        raise IndexError(i)


class TorchDataset:
    def __init__(self, data, resolution, draft, length, seed=0):
        import torchvision.transforms as T
        self.jpegs, self.resolution, self.draft, self.length, self.seed = (
            ShardJpegs(data), resolution, draft, length, seed)
        self.crop = T.RandomResizedCrop(resolution, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3))
        self.flip = T.RandomHorizontalFlip()
        self.tail = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])

    def __len__(self):
        return self.length

    def __getitem__(self, g):
        from PIL import Image
        import torchvision.transforms.functional as F
        # Uniform over the images; the crop and flip come from torch's per-worker generator.
        i = (g * 2654435761 + self.seed) % len(self.jpegs)
        img = Image.open(io.BytesIO(self.jpegs(i)))
        if not self.draft:
            return self.tail(self.flip(self.crop(img.convert("RGB")))), 0
        # RandomResizedCrop's box from the full size (header only), then the JPEG reduction.
        width, height = img.size
        top, left, h, w = self.crop.get_params(img, self.crop.scale, self.crop.ratio)
        r = self.resolution
        img.draft("RGB", (max(1, math.ceil(width * r / w)), max(1, math.ceil(height * r / h))))
        img = img.convert("RGB")
        sx, sy = img.size[0] / width, img.size[1] / height
        t, l = int(round(top * sy)), int(round(left * sx))
        hh = max(1, min(int(round((top + h) * sy)), img.size[1]) - t)
        ww = max(1, min(int(round((left + w) * sx)), img.size[0]) - l)
        out = F.resized_crop(img, t, l, hh, ww, [r, r], F.InterpolationMode.BILINEAR)
        return self.tail(self.flip(out)), 0


def cpu_seconds_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def torch_child(a):
    import torch
    torch.set_num_threads(1)
    n = (a.warmup + a.iters) * a.batch
    ds = TorchDataset(a.data, a.resolution, a.variant == "torch-draft", n)
    loader = torch.utils.data.DataLoader(ds, batch_size=a.batch, num_workers=a.workers,
                                         shuffle=False, prefetch_factor=2)
    it = iter(loader)
    for _ in range(a.warmup):
        next(it)
    pids = [w.pid for w in getattr(it, "_workers", [])]
    cpu0 = time.process_time() + sum(cpu_seconds_of(p) for p in pids)
    t0 = time.perf_counter()
    for _ in range(a.iters):
        images, _ = next(it)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() + sum(cpu_seconds_of(p) for p in pids) - cpu0
    assert tuple(images.shape) == (a.batch, 3, a.resolution, a.resolution)
    images_n = a.iters * a.batch
    print(json.dumps({"images_per_s": images_n / seconds, "images_per_cpu_s": images_n / cpu,
                      "cpu_busy": cpu / seconds}))


# ---------------------------------------------------------------- the driver

def measure(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--swag", default="build/cpu/bin/swag")
    p.add_argument("--swag-before", help="the swag binary of the swag-before variant")
    p.add_argument("--data", required=True, help="shard folder (tools/make_bench_jpegs.py)")
    p.add_argument("--resolution", type=int, default=224)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=16)
    p.add_argument("--variants", default="swag,swag-full,torch,torch-draft")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--variant", default="torch", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        return torch_child(a)

    common = ["--resolution", str(a.resolution), "--batch", str(a.batch),
              "--warmup", str(a.warmup), "--iters", str(a.iters)]
    def command(variant):
        if variant.startswith("swag"):
            binary = a.swag_before if variant == "swag-before" else a.swag
            return [binary, "bench", "--mode", "loader", "--data", a.data, "--workers",
                    str(a.workers), "--json", *common] + (
                        ["--no-dct-scaling"] if variant == "swag-full" else [])
        return [sys.executable, os.path.abspath(__file__), "--child", "--variant", variant,
                "--data", a.data, "--workers", str(a.workers), *common]

    variants = a.variants.split(",")
    if "swag-before" in variants and not a.swag_before:
        p.error("the swag-before variant needs --swag-before")
    results = {v: [] for v in variants}
    load_before = os.getloadavg()[0]
    for run in range(a.runs):
        for v in variants:
            results[v].append(measure(command(v)))
            r = results[v][-1]
            print(f"run {run + 1}/{a.runs} {v}: {r['images_per_s']:.1f} images/s, "
                  f"{r['images_per_cpu_s']:.1f} per CPU s ({r['cpu_busy']:.2f} cores busy)",
                  file=sys.stderr)
    load_after = os.getloadavg()[0]

    import PIL
    import torch
    import torchvision
    print(f"{a.resolution}x{a.resolution}, batch {a.batch}, {a.workers} workers, median of "
          f"{a.runs} runs x {a.iters} batches after {a.warmup}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; PyTorch "
          f"{torch.__version__}, torchvision {torchvision.__version__}, PIL {PIL.__version__}; "
          f"load average {load_before:.1f} before, {load_after:.1f} after\n")
    med = {v: (statistics.median(r["images_per_s"] for r in rs),
               statistics.median(r["images_per_cpu_s"] for r in rs)) for v, rs in results.items()}
    ref = "torch" if "torch" in med else None
    print("| variant | images/s | images per CPU s | per CPU s vs torch | images/s runs | "
          "per CPU s runs |")
    print("|---|---|---|---|---|---|")
    for v, rs in results.items():
        ratio = f"{med[v][1] / med[ref][1]:.2f}" if ref else "-"
        print(f"| {v} | {med[v][0]:.1f} | {med[v][1]:.1f} | {ratio} | "
              + " ".join(f"{r['images_per_s']:.0f}" for r in rs) + " | "
              + " ".join(f"{r['images_per_cpu_s']:.0f}" for r in rs) + " |")


if __name__ == "__main__":
    main()
