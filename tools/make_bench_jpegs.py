#!/usr/bin/python3
"""A JPEG set of ImageNet-like sizes for `swag bench --mode loader`, packed into swag shards.

    /usr/bin/python3 tools/make_bench_jpegs.py --output build/bench-jpegs [--count 512] \\
        [--quality 90] [--seed 0] [--swag build/cpu/bin/swag]

Writes OUT/images/*.jpg (textured content: 1/f noise, which is the spectrum of natural photos,
plus shapes with sharp edges, so that files are about the size of ImageNet's: 100-150 kB at
500x375), OUT/manifest.tsv (one to three hashtags of a ten-class vocabulary per image),
OUT/vocab.json, and runs `swag shard` into OUT/shards (index.json plus shard-NNNNN.h5). The
sizes cycle through 500x375, 375x500, 500x333, 333x500, 500x500 and 640x480, the common shapes
of ImageNet-1k's training set. Needs numpy and PIL (Debian's python3-numpy, python3-pil). The
same arguments give the same files.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw

SIZES = [(500, 375), (375, 500), (500, 333), (333, 500), (500, 500), (640, 480)]
CLASSES = ["dog", "cat", "bird", "car", "tree", "boat", "flower", "house", "food", "beach"]


def pink_noise(rng, height, width):
    """One channel of 1/f noise (amplitude ~ 1/frequency), scaled to zero mean, unit std."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    spectrum = (rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) / f
    spectrum[0, 0] = 0
    img = np.fft.irfft2(spectrum, s=(height, width))
    return (img - img.mean()) / img.std()


def make_image(rng, width, height):
    # Correlated colour channels: a shared luminance field plus weaker per-channel fields.
    lum = pink_noise(rng, height, width)
    base = rng.uniform(70, 180, size=3)
    rgb = np.stack([base[c] + 45 * lum + 18 * pink_noise(rng, height, width) for c in range(3)],
                   axis=-1)
    # Fine grain (sensor noise / texture) that JPEG has to spend bits on.
    rgb += rng.normal(0, 6, size=rgb.shape)
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(6, 14))):
        x0, x1 = sorted(rng.integers(0, width, size=2))
        y0, y1 = sorted(rng.integers(0, height, size=2))
        colour = tuple(int(v) for v in rng.integers(0, 256, size=3))
        if rng.uniform() < 0.5:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        else:
            draw.rectangle([x0, y0, x1, y1], outline=colour, width=int(rng.integers(1, 6)))
    # The shapes get some texture too, so that no region is flat.
    arr = np.asarray(image).astype(np.float32) + 12 * pink_noise(rng, height, width)[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", required=True, help="output folder (created)")
    p.add_argument("--count", type=int, default=512)
    p.add_argument("--quality", type=int, default=90)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--swag", default="build/cpu/bin/swag",
                   help="swag binary for `swag shard` (empty: do not pack)")
    p.add_argument("--shard-size", type=int, default=256)
    a = p.parse_args()

    images = os.path.join(a.output, "images")
    os.makedirs(images, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    counts = [0] * len(CLASSES)
    lines, total_bytes = [], 0
    for i in range(a.count):
        width, height = SIZES[i % len(SIZES)]
        path = os.path.join(images, f"img{i:05d}.jpg")
        make_image(rng, width, height).save(path, quality=a.quality)
        total_bytes += os.path.getsize(path)
        tags = rng.choice(len(CLASSES), size=int(rng.integers(1, 4)), replace=False)
        for t in tags:
            counts[t] += 1
        lines.append(os.path.abspath(path) + "\t" + " ".join("#" + CLASSES[t] for t in tags))
    manifest = os.path.join(a.output, "manifest.tsv")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    order = sorted(range(len(CLASSES)), key=lambda c: (-counts[c], CLASSES[c]))
    vocab = {
        "format": "swag-vocab", "format_version": 1, "min_count": 1, "num_classes": len(CLASSES),
        "classes": [{"id": k, "name": CLASSES[c], "synsets": [f"n{90000000 + c:08d}"],
                     "hashtags": [CLASSES[c]], "count": counts[c]} for k, c in enumerate(order)],
        "hashtags": {CLASSES[c]: k for k, c in enumerate(order)},
    }
    vocab_path = os.path.join(a.output, "vocab.json")
    with open(vocab_path, "w") as f:
        json.dump(vocab, f, indent=1)
    print(f"make_bench_jpegs: {a.count} JPEGs, quality {a.quality}, mean "
          f"{total_bytes / a.count / 1000:.0f} kB, in {images}", file=sys.stderr)
    if a.swag:
        shards = os.path.join(a.output, "shards")
        subprocess.run([a.swag, "shard", "--manifest", manifest, "--vocab", vocab_path,
                        "--output-dir", shards, "--shard-size", str(a.shard_size)], check=True)
        print(f"make_bench_jpegs: shards in {shards}", file=sys.stderr)


if __name__ == "__main__":
    main()
