"""swag shard, swag sample and the demo build, end to end through the command line.

    datapipe_cli.py SWAG_EXE MPIEXEC CASE WORKDIR       (run with /usr/bin/python3: h5py, PIL)

Cases: shard_layout, shard_strict, shard_mpi, sample_ranks, sample_errors, index_rebuild, demo.
"""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
from PIL import Image

INPUT, IO, USAGE = 4, 5, 2
VOCAB = {
    "format": "swag-vocab", "format_version": 1, "min_count": 1, "num_classes": 3,
    "classes": [
        {"id": 0, "name": "dog", "synsets": ["n02084071"], "hashtags": ["dog", "dogs"], "count": 9},
        {"id": 1, "name": "cat", "synsets": ["n02121620"], "hashtags": ["cat"], "count": 5},
        {"id": 2, "name": "sneaker", "synsets": ["n03472535"], "hashtags": ["sneaker"], "count": 4},
    ],
    "hashtags": {"dog": 0, "dogs": 0, "cat": 1, "sneaker": 2},
}
# The bad lines of the corruption cases: (file name, hashtags, expected reason).
BAD = [
    ("trunc.jpg", "#dog", "corrupt JPEG"),
    ("notimage.jpg", "#dog", "not a JPEG or PNG image"),
    ("missing.jpg", "#dog", "No such file or directory"),
    ("good.jpg", "", "empty hashtag list"),
    ("good.jpg", "#zebra #Unicorn", "no hashtag in the vocabulary"),
]


def run(*args, env=None):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def mpi_env():
    return {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
            "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr}"
    return result


def image_bytes(size, mode, fmt, seed):
    rng = np.random.default_rng(seed)
    h, w = size
    base = np.add.outer(np.linspace(20, 200, h), np.linspace(0, 40, w))
    if mode == "RGB":
        base = np.stack([base, base[::-1], base[:, ::-1]], axis=-1)
    pixels = np.clip(base + rng.uniform(0, 4, base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels, mode).save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def fixtures(work, good_lines=12):
    """Images, vocab.json and a manifest of good lines followed by the bad ones."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with open(os.path.join(work, "vocab.json"), "w") as f:
        json.dump(VOCAB, f)
    write(os.path.join(work, "good.jpg"), image_bytes((30, 40), "RGB", "JPEG", 0))
    good = image_bytes((48, 64), "RGB", "JPEG", 1)
    write(os.path.join(work, "trunc.jpg"), good[: len(good) // 2])
    write(os.path.join(work, "notimage.jpg"), b"plain text\n")
    lines, tags = [], ["#dog", "#Cat #sneaker", "#dogs #cat", "#dog #unknown"]
    for i in range(good_lines):
        name = f"img{i:03d}.{'png' if i % 3 == 0 else 'jpg'}"
        mode = "L" if i % 2 else "RGB"
        data = image_bytes((20 + i, 30 + 2 * i), mode, "PNG" if i % 3 == 0 else "JPEG", 10 + i)
        write(os.path.join(work, name), data)
        lines.append(f"{name}\t{tags[i % len(tags)]}")
    lines += [f"{name}\t{hashtags}" for name, hashtags, _ in BAD]
    manifest = os.path.join(work, "manifest.tsv")
    with open(manifest, "w") as f:
        f.write("\n".join(lines) + "\n")
    return manifest, os.path.join(work, "vocab.json"), lines


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def case_shard_layout(swag, mpiexec, work):
    manifest, vocab, lines = fixtures(work)
    out = os.path.join(work, "shards")
    ok(run(swag, "shard", "--manifest", manifest, "--vocab", vocab, "--output-dir", out,
           "--shard-size", "5"))
    with open(os.path.join(out, "index.json")) as f:
        index = json.load(f)
    assert index["num_images"] == 12 and index["num_classes"] == 3, index
    assert index["vocab_sha256"] == sha256(vocab)
    assert [s["file"] for s in index["shards"]] == ["shard-00000.h5", "shard-00001.h5",
                                                   "shard-00002.h5"], index["shards"]
    skipped = {s["line"]: s for s in index["skipped"]}
    for k, (name, _, reason) in enumerate(BAD):
        entry = skipped[13 + k]
        assert entry["path"] == name and reason in entry["reason"], entry
    counts = [0, 0, 0]
    for s in index["shards"]:
        path = os.path.join(out, s["file"])
        assert s["sha256"] == sha256(path), s
        with h5py.File(path, "r") as h5:
            assert h5.attrs["format"] == b"swag-shard" or h5.attrs["format"] == "swag-shard"
            ids, offsets = h5["images/ids"][:], h5["images/offsets"][:]
            jpeg, sizes = h5["images/jpeg"][:], h5["images/sizes"][:]
            label_offsets, classes = h5["labels/offsets"][:], h5["labels/classes"][:]
            assert len(ids) == s["num_images"] == int(h5.attrs["num_images"])
            for i, line in enumerate(ids):
                name, tags = lines[line - 1].split("\t")
                stored = jpeg[offsets[i]:offsets[i + 1]].tobytes()
                if name.endswith(".jpg"):  # JPEGs are stored byte for byte
                    assert stored == open(os.path.join(work, name), "rb").read(), name
                decoded = Image.open(io.BytesIO(stored))
                assert decoded.format == "JPEG" and tuple(sizes[i]) == decoded.size[::-1], name
                wanted = sorted({VOCAB["hashtags"][t.lstrip("#").lower()] for t in tags.split()
                                 if t.lstrip("#").lower() in VOCAB["hashtags"]})
                got = classes[label_offsets[i]:label_offsets[i + 1]].tolist()
                assert got == wanted, (name, got, wanted)
                for c in got:
                    counts[c] += 1
    assert counts == index["class_counts"], (counts, index["class_counts"])
    check_buckets(out, index)
    print(f"ok: {index['num_images']} images in {len(index['shards'])} shards, "
          f"{len(index['skipped'])} skipped with reasons")


def check_buckets(data, index):
    """buckets.h5 against the shards' labels, computed here: bucket c lists, ascending, the
    images (global index, shard by shard) whose rarest class (fewest images, then lowest id) is c."""
    f = index["class_counts"]
    buckets = [[] for _ in f]
    image = 0
    for s in index["shards"]:
        with h5py.File(os.path.join(data, s["file"]), "r") as h5:
            offsets, classes = h5["labels/offsets"][:], h5["labels/classes"][:]
        for i in range(len(offsets) - 1):
            label_set = classes[offsets[i]:offsets[i + 1]].tolist()
            buckets[min(label_set, key=lambda c: (f[c], c))].append(image)
            image += 1
    digest = hashlib.sha256("".join(s["sha256"] + "\n" for s in index["shards"]).encode())
    with h5py.File(os.path.join(data, "buckets.h5"), "r") as h5:
        attr = lambda k: h5.attrs[k].decode() if isinstance(h5.attrs[k], bytes) else h5.attrs[k]
        assert attr("format") == "swag-buckets" and int(attr("format_version")) == 1
        assert int(attr("num_images")) == image == index["num_images"]
        assert attr("shards_sha256") == digest.hexdigest()
        width = int(attr("image_index_bytes"))
        assert h5["class_counts"][:].tolist() == f
        offsets = h5["offsets"][:].tolist()
        raw = h5["images"][:]
        assert raw.shape == (image, width) and width == 4, raw.shape
    ids = raw.astype(np.uint64) @ (256 ** np.arange(width, dtype=np.uint64))
    assert offsets == np.cumsum([0] + [len(b) for b in buckets]).tolist(), offsets
    for c, members in enumerate(buckets):
        assert ids[offsets[c]:offsets[c + 1]].tolist() == members, (c, members)


def case_shard_strict(swag, mpiexec, work):
    manifest, vocab, lines = fixtures(work, good_lines=2)
    for k, (name, hashtags, reason) in enumerate(BAD):
        one = os.path.join(work, f"manifest{k}.tsv")
        with open(one, "w") as f:
            f.write(f"{lines[0]}\n{name}\t{hashtags}\n")
        out = os.path.join(work, f"strict{k}")
        r = run(swag, "shard", "--manifest", one, "--vocab", vocab, "--output-dir", out, "--strict")
        errors = [l for l in r.stderr.splitlines() if l.startswith("swag: error:")]
        assert r.returncode == INPUT, f"exit {r.returncode}\n{r.stderr}"
        assert errors and "line 2" in errors[0] and name in errors[0] and reason in errors[0], errors
        assert not os.path.exists(os.path.join(out, "index.json"))
        leftovers = [f for f in os.listdir(out) if ".tmp." in f] if os.path.isdir(out) else []
        assert not leftovers, leftovers
        print(f"ok: exit 4: {errors[0]}")


def case_shard_mpi(swag, mpiexec, work):
    manifest, vocab, _ = fixtures(work, good_lines=40)
    common = ["--manifest", manifest, "--vocab", vocab, "--shard-size", "6"]
    ok(run(swag, "shard", *common, "--output-dir", os.path.join(work, "one")))
    ok(run(mpiexec, "-n", "2", swag, "shard", *common, "--output-dir", os.path.join(work, "two"),
           env=mpi_env()))
    for name in ("index.json", "buckets.h5"):
        one, two = (open(os.path.join(work, d, name), "rb").read() for d in ("one", "two"))
        assert one == two, f"{name} differs between 1 and 2 ranks"
    files = sorted(os.listdir(os.path.join(work, "one")))
    assert files == sorted(os.listdir(os.path.join(work, "two"))), files
    print(f"ok: 1 and 2 ranks wrote the same index.json, buckets.h5 and {len(files) - 2} "
          "identical shards")


def case_sample_ranks(swag, mpiexec, work):
    manifest, vocab, _ = fixtures(work, good_lines=40)
    data = os.path.join(work, "shards")
    ok(run(swag, "shard", "--manifest", manifest, "--vocab", vocab, "--output-dir", data))
    args = ["sample", "--data", data, "--num-samples", "100001", "--alpha", "0.6",
            "--head-threshold", "15", "--seed", "9", "--json"]
    outputs = [ok(run(swag, *args)).stdout]
    for ranks in (2, 3):
        outputs.append(ok(run(mpiexec, "-n", ranks, swag, *args, env=mpi_env())).stdout)
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0], outputs
    j = json.loads(outputs[0])
    assert list(j)[:5] == ["num_samples", "head_fraction", "tail_fraction", "unique_images",
                           "class_sample_counts"], list(j)
    assert j["num_samples"] == 100001 and abs(j["head_fraction"] - 0.6) < 1e-4, j
    assert abs(j["head_fraction"] + j["tail_fraction"] - 1) < 1e-12
    print(f"ok: 1, 2 and 3 ranks agree: {outputs[0].strip()[:120]}...")


def case_sample_errors(swag, mpiexec, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    r = run(swag, "sample", "--data", work, "--num-samples", "10", "--json")
    assert r.returncode == IO and "index.json" in r.stderr, r.stderr
    r = run(swag, "sample", "--data", work, "--num-samples", "10", "--alpha", "1.5")
    assert r.returncode == USAGE, r.stderr
    with open(os.path.join(work, "index.json"), "w") as f:
        f.write('{"format": "swag-shards", "num_images": 1}')
    r = run(swag, "sample", "--data", work, "--num-samples", "10")
    assert r.returncode == INPUT and "bad shard index" in r.stderr, r.stderr
    print("ok: missing index (5), bad alpha (2), bad index (4)")


def case_index_rebuild(swag, mpiexec, work):
    """swag index rebuilds the index files of a packed folder: byte for byte after buckets.h5 is
    deleted or damaged (and index.json kept, whose skipped lines it keeps), the same but for
    `skipped` when index.json is lost; the same under 1, 2 and 3 ranks. Bad folders fail."""
    manifest, vocab, _ = fixtures(work, good_lines=40)
    data = os.path.join(work, "shards")
    ok(run(swag, "shard", "--manifest", manifest, "--vocab", vocab, "--output-dir", data,
           "--shard-size", "6"))
    names = ("index.json", "buckets.h5")
    packed = {n: open(os.path.join(data, n), "rb").read() for n in names}
    original = json.loads(packed["index.json"])
    assert original["skipped"], "the fixture's bad lines are skipped"

    def index(ranks=1, expect=0):
        cmd = [swag, "index", "--data", data]
        r = run(*([mpiexec, "-n", ranks] if ranks > 1 else []), *cmd, env=mpi_env())
        assert r.returncode == expect, f"exit {r.returncode}, expected {expect}\n{r.stderr}"
        return r

    def current(name):
        return open(os.path.join(data, name), "rb").read()

    for damage in ("delete", "garbage", "truncate"):
        path = os.path.join(data, "buckets.h5")
        if damage == "delete":
            os.remove(path)
        elif damage == "garbage":
            write(path, b"\x89HDF\r\n\x1a\n" + bytes(200))
        else:
            os.truncate(path, os.path.getsize(path) // 2)
        for ranks in (1, 2, 3):
            index(ranks)
            for n in names:
                assert current(n) == packed[n], f"{n} differs after {damage}, {ranks} ranks"
    print("ok: buckets.h5 deleted, garbage or truncated: rebuilt byte for byte on 1, 2, 3 ranks")

    # index.json lost or damaged: everything comes back but the skipped lines.
    without_skipped = dict(original, skipped=[])
    for damage in ("delete", "truncate"):
        path = os.path.join(data, "index.json")
        if damage == "delete":
            os.remove(path)
        else:
            os.truncate(path, os.path.getsize(path) // 3)
        os.remove(os.path.join(data, "buckets.h5"))
        r = index(2)
        assert "skipped manifest lines is lost" in r.stderr, r.stderr
        assert json.loads(current("index.json")) == without_skipped, damage
        assert current("buckets.h5") == packed["buckets.h5"], damage
    check_buckets(data, without_skipped)
    # Rebuilt from a readable index.json, the skipped lines come back: the same file as packed.
    write(os.path.join(data, "index.json"), packed["index.json"])
    index(1)
    assert current("index.json") == packed["index.json"]
    print("ok: index.json deleted or truncated: rebuilt (without the skipped lines, which only "
          "the old index had)")

    # A stale bucket file (another shard set) is refused by its readers, naming it.
    ok(run(swag, "sample", "--data", data, "--num-samples", "10"))
    shards = sorted(f for f in os.listdir(data) if f.startswith("shard-"))
    os.rename(os.path.join(data, shards[-1]), os.path.join(work, "aside.h5"))
    index(2)  # rebuilt without the last shard
    os.rename(os.path.join(work, "aside.h5"), os.path.join(data, shards[-1]))
    write(os.path.join(data, "index.json"), packed["index.json"])
    r = run(swag, "sample", "--data", data, "--num-samples", "10")
    errors = [l for l in r.stderr.splitlines() if l.startswith("swag: error:")]
    assert r.returncode == INPUT and errors and "buckets.h5" in errors[0] \
        and "swag index" in errors[0], r.stderr
    index(1)
    assert current("buckets.h5") == packed["buckets.h5"]
    print(f"ok: a stale buckets.h5 is refused (exit 4): {errors[0]}")

    # Damaged shards and empty folders fail naming the file or folder.
    bad = os.path.join(work, "bad")
    shutil.copytree(data, bad)
    r = run(swag, "index", "--data", bad + "_missing")
    assert r.returncode == IO and "bad_missing" in r.stderr, r.stderr
    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    r = run(swag, "index", "--data", empty)
    assert r.returncode == INPUT and "no shard files" in r.stderr, r.stderr
    os.truncate(os.path.join(bad, shards[1]), 100)
    r = run(swag, "index", "--data", bad)
    errors = [l for l in r.stderr.splitlines() if l.startswith("swag: error:")]
    assert r.returncode == IO and errors and shards[1] in errors[0], r.stderr
    shutil.copy(os.path.join(data, shards[0]), os.path.join(bad, shards[1]))
    r = run(mpiexec, "-n", 2, swag, "index", "--data", bad, env=mpi_env())
    errors = [l for l in r.stderr.splitlines() if l.startswith("swag: error:")]
    assert r.returncode == INPUT and errors and shards[1] in errors[0] \
        and "shard_index" in errors[0], r.stderr
    print(f"ok: a truncated shard (exit 5), a misnamed one (exit 4): {errors[0]}")


def case_demo(swag, mpiexec, work):
    # 70,000 small files: in memory (/dev/shm) when there is one, so that other jobs' disk
    # traffic does not dominate the timing; removed afterwards either way.
    if os.path.isdir("/dev/shm"):
        work = tempfile.mkdtemp(prefix="swag_demo_", dir="/dev/shm")
    try:
        check_demo(swag, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_demo(swag, work):
    shutil.rmtree(work, ignore_errors=True)
    script = os.path.join(os.path.dirname(__file__), "..", "..", "inputs", "demo", "build_demo.sh")
    start = time.time()
    ok(run("bash", script, work, env={"SWAG": swag}))
    seconds = time.time() - start
    assert seconds < 120, f"demo build took {seconds:.0f} s"
    with open(os.path.join(work, "train", "shards", "index.json")) as f:
        train = json.load(f)
    with open(os.path.join(work, "test", "shards", "index.json")) as f:
        test = json.load(f)
    assert 50000 < train["num_images"] <= 60000 and train["num_classes"] >= 10, train["num_images"]
    assert test["num_images"] == 10000 and test["num_classes"] == 10 and not test["skipped"]
    assert test["class_counts"] == [1000] * 10, test["class_counts"]
    wnids = open(os.path.join(work, "classes.txt")).read().split()
    offsets = {line.split(" ", 1)[0] for line in open("/usr/share/wordnet/data.noun")
               if line[:1].isdigit()}
    assert len(wnids) == 10 and all(w[0] == "n" and w[1:] in offsets for w in wnids), wnids
    with open(os.path.join(work, "test", "vocab.json")) as f:
        assert [c["synsets"][0] for c in json.load(f)["classes"]] == wnids
    j = json.loads(ok(run(swag, "sample", "--data", os.path.join(work, "train", "shards"),
                          "--num-samples", "1000000", "--json")).stdout)
    assert abs(j["head_fraction"] - 0.7) <= 0.01 and j["num_head_images"] > 0, j
    print(f"ok: demo built in {seconds:.1f} s: {train['num_images']} training images "
          f"({len(train['skipped'])} skipped), {test['num_images']} test images; head fraction "
          f"{j['head_fraction']}, {j['unique_images']} unique images in 10^6 samples")


if __name__ == "__main__":
    swag, mpiexec, case, work = sys.argv[1:5]
    globals()[f"case_{case}"](os.path.abspath(swag), mpiexec, os.path.abspath(work))
