#!/usr/bin/python3
"""Label-only shard sets in swag's documented format (doc/formats.md, "Shards" and "Shard
index"), of any size, for the scale simulation (doc/scaling.md).

    make_scale_dataset.py --output-dir D --images N [--classes 27000] [--shard-size 100000]
                          [--zipf 1.1] [--seed 0]

Every image has 1 to 3 distinct classes drawn from a Zipf law over the classes (p(c) ~ 1/(c+1)^s;
three draws, the first k kept, k uniform in 1..3, repeats merged) and the same 159-byte 8 x 8
grey JPEG as its picture: labels, offsets, ids and sizes are real, and the loader decodes it. Writes D/shard-NNNNN.h5 and D/index.json (no buckets.h5: `swag index
--data D` writes it). Shard k's content depends only on (seed, k), so the set is the same
however it is made.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import h5py
import numpy as np

# An 8 x 8 grey baseline JPEG (PIL, quality 10, optimized): every image's bytes.
JPEG = np.frombuffer(bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb00430050373c463c32504641465a55505f78c882786e6e"
    "78f5afb991c8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "c0000b080008000801011100ffc40014000100000000000000000000000000000000ffc4001410010000000000"
    "0000000000000000000000ffda0008010100003f003fffd9"), dtype=np.uint8)


def fixed_string(s):
    return np.bytes_(s.encode())


def label_sets(rng, n, cdf):
    """CSR (offsets, classes) of n label sets: ascending, distinct, 1 to 3 classes each."""
    k = rng.integers(1, 4, size=n)
    draws = np.searchsorted(cdf, rng.random((n, 3)), side="right").astype(np.int64)
    sentinel = np.int64(len(cdf))
    draws[np.arange(3)[None, :] >= k[:, None]] = sentinel
    draws.sort(axis=1)
    keep = draws != sentinel
    keep[:, 1:] &= draws[:, 1:] != draws[:, :-1]
    counts = keep.sum(axis=1)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets, draws[keep].astype(np.int32)


def write_shard(path, k, first_line, n, num_classes, vocab_sha256, offsets, classes):
    tmp = f"{path}.tmp.{os.getpid()}"
    with h5py.File(tmp, "w", track_order=False) as h5:
        a = h5.attrs
        a["format"] = fixed_string("swag-shard")
        a["format_version"] = np.int64(1)
        a["software"] = fixed_string("make_scale_dataset.py")
        a["shard_index"] = np.int64(k)
        a["num_images"] = np.int64(n)
        a["num_classes"] = np.int64(num_classes)
        a["vocab_sha256"] = fixed_string(vocab_sha256)
        a["first_line"] = np.int64(first_line)
        a["last_line"] = np.int64(first_line + n - 1)
        h5.create_dataset("images/jpeg", data=np.tile(JPEG, n))
        h5.create_dataset("images/offsets", data=np.arange(n + 1, dtype=np.int64) * len(JPEG))
        h5.create_dataset("images/ids", data=np.arange(first_line, first_line + n, dtype=np.int64))
        h5.create_dataset("images/sizes", data=np.full((n, 2), 8, dtype=np.int32))
        h5.create_dataset("labels/offsets", data=offsets)
        h5.create_dataset("labels/classes", data=classes)
    os.replace(tmp, path)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--output-dir", required=True)
    p.add_argument("--images", type=int, required=True)
    p.add_argument("--classes", type=int, default=27000)
    p.add_argument("--shard-size", type=int, default=100000)
    p.add_argument("--zipf", type=float, default=1.1)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.images < 1 or args.classes < 1 or args.shard_size < 1:
        print("make_scale_dataset.py: error: --images, --classes and --shard-size must be >= 1",
              file=sys.stderr)
        sys.exit(2)
    os.makedirs(args.output_dir, exist_ok=True)
    weights = 1.0 / np.power(np.arange(1, args.classes + 1, dtype=np.float64), args.zipf)
    cdf = np.cumsum(weights) / weights.sum()
    cdf[-1] = 1.0
    vocab_sha256 = hashlib.sha256(f"scale-dataset {args.classes}".encode()).hexdigest()
    class_counts = np.zeros(args.classes, dtype=np.int64)
    shards = []
    start = time.time()
    num_shards = (args.images + args.shard_size - 1) // args.shard_size
    for k in range(num_shards):
        first = k * args.shard_size
        n = min(args.images, first + args.shard_size) - first
        rng = np.random.default_rng([args.seed, k])
        offsets, classes = label_sets(rng, n, cdf)
        class_counts += np.bincount(classes, minlength=args.classes)
        name = f"shard-{k:05d}.h5"
        sha = write_shard(os.path.join(args.output_dir, name), k, first + 1, n, args.classes,
                          vocab_sha256, offsets, classes)
        shards.append({"shard_index": k, "file": name, "num_images": n, "sha256": sha})
        if (k + 1) % 100 == 0 or k + 1 == num_shards:
            print(f"make_scale_dataset: {k + 1}/{num_shards} shards, {first + n} images, "
                  f"{time.time() - start:.0f} s", file=sys.stderr)
    index = {"format": "swag-shards", "format_version": 1, "num_images": args.images,
             "num_classes": args.classes, "vocab_sha256": vocab_sha256, "shards": shards,
             "class_counts": class_counts.tolist(), "skipped": []}
    tmp = os.path.join(args.output_dir, f"index.json.tmp.{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(json.dumps(index, indent=1) + "\n")
    os.replace(tmp, os.path.join(args.output_dir, "index.json"))


if __name__ == "__main__":
    main()
