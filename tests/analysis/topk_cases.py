"""`swag predict --topk` end to end under mpiexec, and the planted-association check of
doc/analysis.md: a tiny hashtag model pre-trained on the demo's data, with and without a tag
planted on one group's images, then predict --topk and postprocess/associations.py.

    topk_cases.py SWAG_EXE REPO WORK CASE      (/usr/bin/python3: needs h5py, numpy, matplotlib)
"""
import json
import os
import random
import shutil
import subprocess
import sys

import h5py
import numpy as np

SWAG, REPO, WORK, CASE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ASSOC = os.path.join(REPO, "postprocess", "associations.py")
WORDNET = "/usr/share/wordnet"
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMP_NUM_THREADS="1")
USAGE, INPUT = 2, 4


def run(*args, ranks=None, expect=0):
    cmd = ([*(["mpiexec", "-n", str(ranks), "--oversubscribe"] if ranks else []), SWAG]
           + [str(a) for a in args])
    r = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=280)
    assert r.returncode == expect, f"{' '.join(cmd)}\nexit {r.returncode}, expected {expect}\n" \
                                   f"{r.stderr[-3000:]}"
    return r


def path(*parts):
    return os.path.join(WORK, *parts)


def read_lines(file):
    with open(file) as f:
        return [json.loads(x) for x in f if x.strip()]


def pretrain(data_dir, run_dir, steps, seed=0, lr=0.4, batch=32):
    deck = path(os.path.basename(run_dir) + ".toml")
    with open(deck, "w") as f:
        f.write(f"""
[run]
dir = "{run_dir}"
seed = {seed}
[model]
name = "regnety_test"
resolution = 16
[data]
dir = "{data_dir}"
workers = 1
head_threshold = 50
[batch]
global = {batch}
[schedule]
steps = {steps}
warmup_fraction = 0.05
[optim]
lr = {lr}
reference_batch = {batch}
[checkpoint]
every = {steps}
[log]
every = {steps}
""")
    run("pretrain", "--config", deck, ranks=2)
    ckpt = os.path.join(run_dir, "checkpoints", f"step-{steps:08d}.h5")
    assert os.path.exists(ckpt), ckpt
    return ckpt


def demo_data(train, test):
    run("demo-data", "--output-dir", path("data"), "--train-limit", train, "--test-limit", test)
    run("shard", "--manifest", path("data", "test", "manifest.tsv"), "--vocab",
        path("data", "test", "vocab.json"), "--output-dir", path("data", "test", "shards"))


def build_vocab_and_shards(manifest, counts_tsv, name):
    """vocab.json and shards of a (hashtag) manifest; returns (vocab path, shard folder)."""
    vocab = path(name, "vocab.json")
    run("vocab", "build", "--wordnet", WORDNET, "--hashtags", counts_tsv, "--output", vocab)
    shards = path(name, "shards")
    run("shard", "--manifest", manifest, "--vocab", vocab, "--output-dir", shards)
    return vocab, shards


# ----------------------------------------------------------------------------- predict --topk

TEST_IMAGES = 37  # divides by no rank count > 1, and leaves padding in the last batch


def case_predict_topk():
    demo_data(240, TEST_IMAGES)
    vocab, shards = path("data", "vocab.json"), path("data", "train", "shards")
    run("vocab", "build", "--wordnet", WORDNET, "--hashtags",
        path("data", "train", "hashtag_counts.tsv"), "--output", vocab)
    run("shard", "--manifest", path("data", "train", "manifest.tsv"), "--vocab", vocab,
        "--output-dir", shards)
    ckpt = pretrain(shards, path("pretrain"), steps=4, batch=16, lr=0.02)
    names = [c["name"] for c in json.load(open(vocab))["classes"]]
    H = len(names)
    test, manifest = path("data", "test", "shards"), path("data", "test", "manifest.tsv")
    common = ["predict", "--checkpoint", ckpt, "--vocab", vocab, "--data", test]
    outs = {}
    for ranks, batch, k, with_manifest in ((1, 8, 5, True), (2, 4, 5, True), (3, 5, 5, True),
                                           (2, 8, H, False)):
        out = path(f"preds_{ranks}_{k}.jsonl")
        run(*common, "--topk", k, "--batch", batch, "--output", out,
            *(["--manifest", manifest] if with_manifest else []), ranks=ranks)
        outs[(ranks, k)] = read_lines(out)
    # the image order and manifest lines, read from the shards independently
    ids = []
    index = json.load(open(os.path.join(test, "index.json")))
    for shard in index["shards"]:
        with h5py.File(os.path.join(test, shard["file"])) as f:
            ids.extend(int(x) for x in f["/images/ids"][()])
    manifest_paths = [line.split("\t")[0] for line in open(manifest).read().split("\n")]
    assert len(ids) == TEST_IMAGES
    for (ranks, k), lines in outs.items():
        assert [x["index"] for x in lines] == list(range(TEST_IMAGES)), (ranks, k)
        assert [x["line"] for x in lines] == ids, (ranks, k)
        for x in lines:
            assert list(x) == ["index", "path", "line", "topk"], x
            want = manifest_paths[x["line"] - 1] if k == 5 else ""
            assert x["path"] == want, (x["path"], want)
            hashtags = [h for h, _ in x["topk"]]
            scores = [s for _, s in x["topk"]]
            assert len(x["topk"]) == k and len(set(hashtags)) == k, x
            assert set(hashtags) <= set(names), x
            assert all(0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True), x
            if k == H:  # every class: a softmax over the vocabulary, sums to 1
                assert abs(sum(scores) - 1) < 1e-4, sum(scores)
    # the same images on 1, 2, 3 ranks (other batch sizes): the same predictions, and the top 5
    # are the first 5 of all H
    base = outs[(1, 5)]
    for other in (outs[(2, 5)], outs[(3, 5)], [dict(x, topk=x["topk"][:5]) for x in outs[(2, H)]]):
        for a, b in zip(base, other):
            sa, sb = np.array([s for _, s in a["topk"]]), np.array([s for _, s in b["topk"]])
            assert np.allclose(sa, sb, rtol=1e-4, atol=1e-6), (a, b)
            for j in range(5):  # names agree except where two scores (nearly) tie
                near_tie = any(abs(sa[j] - sa[i]) < 1e-5 for i in range(5) if i != j)
                assert near_tie or a["topk"][j][0] == b["topk"][j][0], (a, b)
    print(f"ok: predict --topk: {TEST_IMAGES} images in order on 1, 2 and 3 ranks, paths and "
          f"manifest lines from the shards, top 5 = first 5 of all {H}")

    # country_fairness.py on these predictions with the mapping swag vocab map writes for the
    # demo's classes: per-country top-1 recomputed here from the lines
    mapping = path("mapping.json")
    run("vocab", "map", "--wordnet", WORDNET, "--vocab", vocab, "--classes",
        path("data", "classes.txt"), "--output", mapping)
    targets = {t["target"]: set(t["names"]) for t in json.load(open(mapping))["targets"]}
    class_id = {c["name"]: c["id"] for c in json.load(open(path("data", "test", "vocab.json")))
                ["classes"]}
    labels = [class_id[line.split("\t")[1]] for line in open(manifest).read().splitlines()
              if line]
    with open(path("labels.csv"), "w") as f:
        f.write("index,class,country\n" + "".join(
            f"{x['index']},{labels[x['line'] - 1]},{'AB'[x['index'] % 2]}\n"
            for x in outs[(2, H)]))
    r = subprocess.run([sys.executable, os.path.join(REPO, "postprocess", "country_fairness.py"),
                        "--predictions", path(f"preds_2_{H}.jsonl"), "--labels",
                        path("labels.csv"), "--mapping", mapping, "--out", path("fairness")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    fair = json.load(open(path("fairness", "country_fairness.json")))["per_country"]
    mapped = set().union(*targets.values())
    for country in "AB":
        hits = []
        for x in outs[(2, H)]:
            if "AB"[x["index"] % 2] == country:
                best = next(h for h, _ in x["topk"] if h in mapped)  # sorted: checked above
                hits.append(best in targets[labels[x["line"] - 1]])
        assert fair[country]["n"] == len(hits), fair
        assert abs(fair[country]["top1"] - sum(hits) / len(hits)) < 1e-12, (fair, sum(hits))
        assert fair[country]["no_mapped_prediction"] == 0, fair
    print(f"ok: country_fairness.py with swag vocab map's mapping: top-1 per country "
          f"{ {c: round(fair[c]['top1'], 3) for c in 'AB'} }")

    # bad command lines and inputs: one error line, the exit code, no output
    out = path("bad.jsonl")

    def fails(code, needle, *args):
        r = run(*args, expect=code)
        assert "swag: error:" in r.stderr and needle in r.stderr, (needle, r.stderr)
        assert not os.path.exists(out), out
        assert not [f for f in os.listdir(WORK) if f.startswith("bad.jsonl")], os.listdir(WORK)
        return [x for x in r.stderr.splitlines() if "swag: error:" in x][0]

    seen = [fails(USAGE, "--topk must be >= 1", *common, "--topk", 0, "--output", out),
            fails(USAGE, f"--topk {H + 1} but", *common, "--topk", H + 1, "--output", out),
            fails(USAGE, "--vocab", "predict", "--topk", 3, "--checkpoint", ckpt, "--data", test,
                  "--output", out),
            fails(USAGE, "not --weights", *common, "--topk", 3, "--weights", ckpt, "--output",
                  out),
            fails(USAGE, "--weights and --images", "predict", "--output", out),
            fails(INPUT, "has 10 classes", "predict", "--topk", 3, "--checkpoint", ckpt,
                  "--vocab", path("data", "test", "vocab.json"), "--data", test, "--output",
                  out)]
    # the same classes in other bytes: not the vocabulary the checkpoint was trained on
    other = path("other_vocab.json")
    with open(other, "w") as f:
        json.dump(json.load(open(vocab)), f)
    seen.append(fails(INPUT, "was trained on vocabulary", "predict", "--topk", 3, "--checkpoint",
                      ckpt, "--vocab", other, "--data", test, "--output", out))
    short = path("short.tsv")
    with open(short, "w") as f:
        f.write("".join(open(manifest).readlines()[:10]))
    seen.append(fails(INPUT, "names manifest line", *common, "--topk", 3, "--manifest", short,
                      "--output", out))
    print("ok: bad --topk command lines and inputs:\n  " + "\n  ".join(seen))


# ----------------------------------------------------------------------------- planted

# Groups by what the pictures show: footwear (sandals, sneakers, ankle boots), tops
# (T-shirts, pullovers, coats, shirts) and the rest (trousers, dresses, bags).
GROUP_OF = {"sandal": "footwear", "sneaker": "footwear", "boot": "footwear",
            "tshirt": "tops", "pullover": "tops", "coat": "tops", "shirt": "tops",
            "trouser": "other", "dress": "other", "bag": "other"}
PLANTED_GROUP, TAG = "footwear", "lantern"
PLANT_RATE = 0.8  # share of the group's pre-training pictures that get the tag
TRAIN, TEST, STEPS = 1200, 300, 400
# The ranking is checked at k = 1: at the paper's k = 5 every hashtag tied to the group (here
# #footwear and #shoes, on all three footwear classes, as the plant is) is in the top 5 of
# nearly every image of the group, so their differences all approach 1 - (their rate in the
# other groups) and the order among them is decided by leakage, not by the plant
# (doc/analysis.md, "Limits"). At k = 5 the planted tag must still be flagged: in the group's
# first five with abs_diff above PLANTED_K5_MIN.
PLANTED_K5_MIN = 0.5
CONTROL_BOUND = 0.15  # the control's abs_diff of the tag for the planted group stays below


def group_of(label):
    for key, group in GROUP_OF.items():
        if key in label.lower():
            return group
    raise AssertionError(f"no group for the demo label {label!r}")


def plant(name, planted):
    """The demo's pre-training manifest with TAG added: planted, to PLANT_RATE of the planted
    group's pictures; else (the control) to every picture with the same expected count."""
    labels = [line.split("\t")[1] for line in
              open(path("data", "train", "labelled_manifest.tsv")).read().splitlines() if line]
    lines = [line for line in open(path("data", "train", "manifest.tsv")).read().splitlines()
             if line]
    assert len(labels) == len(lines)
    in_group = [group_of(x) == PLANTED_GROUP for x in labels]
    control_rate = PLANT_RATE * sum(in_group) / len(lines)
    rng = random.Random(20220101)
    os.makedirs(path(name))
    out, counts, tagged = [], {}, 0
    for line, member in zip(lines, in_group):
        image, tags = line.split("\t")
        rate = (PLANT_RATE if member else 0.0) if planted else control_rate
        tags = tags.split()
        if rng.random() < rate:
            tags.append("#" + TAG)
            tagged += 1
        for t in tags:
            key = t.lstrip("#").lower()
            counts[key] = counts.get(key, 0) + 1
        out.append(f"{os.path.join(path('data', 'train'), image)}\t{' '.join(tags)}")
    with open(path(name, "manifest.tsv"), "w") as f:
        f.write("\n".join(out) + "\n")
    with open(path(name, "hashtag_counts.tsv"), "w") as f:
        f.write("".join(f"{h}\t{c}\n" for h, c in sorted(counts.items())))
    return tagged


def analyse(name, ckpt, vocab):
    """predict --topk 5 under mpiexec, then associations.py at k = 1 and k = 5:
    {k: associations.json}."""
    preds = path(name, "preds.jsonl")
    run("predict", "--topk", 5, "--checkpoint", ckpt, "--vocab", vocab, "--data",
        path("data", "test", "shards"), "--manifest", path("data", "test", "manifest.tsv"),
        "--output", preds, ranks=2)
    groups = path(name, "groups.csv")
    with open(groups, "w") as f:
        f.write("path,kind\n")
        for line in open(path("data", "test", "manifest.tsv")).read().splitlines():
            if line:
                image, label = line.split("\t")
                f.write(f"{image},{group_of(label)}\n")
    out = {}
    for k in (1, 5):
        folder = path(name, f"assoc_k{k}")
        r = subprocess.run([sys.executable, ASSOC, "--predictions", preds, "--groups", groups,
                            "--attribute", "kind", "--k", str(k), "--hashtag", TAG, "--out",
                            folder], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        print(f"{name}, k = {k}:\n{r.stdout}")
        out[k] = json.load(open(os.path.join(folder, "associations.json")))
    return out


def tag_row(doc):
    """(the planted group's top list, the tag's row or None)."""
    top = doc["groups"][PLANTED_GROUP]["top"]
    return top, next((r for r in top if r["hashtag"] == TAG), None)


def case_planted():
    demo_data(TRAIN, TEST)
    results = {}
    for name, planted in (("planted", True), ("control", False)):
        tagged = plant(name, planted)
        vocab, shards = build_vocab_and_shards(path(name, "manifest.tsv"),
                                               path(name, "hashtag_counts.tsv"), name)
        assert TAG in [c["name"] for c in json.load(open(vocab))["classes"]], TAG
        ckpt = pretrain(shards, path(name, "pretrain"), steps=STEPS)
        results[name] = analyse(name, ckpt, vocab)
        print(f"{name}: {tagged} of {TRAIN} pre-training pictures tagged #{TAG}")
    top, row = tag_row(results["planted"][1])
    assert top[0]["hashtag"] == TAG, top[:3]
    assert top[0]["abs_diff"] - top[1]["abs_diff"] > 0.3, top[:2]  # not by a hair
    planted_k1 = row["abs_diff"]
    top, row = tag_row(results["planted"][5])
    assert row is not None and top.index(row) < 5 and row["abs_diff"] > PLANTED_K5_MIN, top[:6]
    planted_k5 = (top.index(row) + 1, row["abs_diff"])
    control = {}
    for k in (1, 5):
        top, row = tag_row(results["control"][k])
        assert top[0]["hashtag"] != TAG, (k, top[0])
        assert row is None or row["abs_diff"] < CONTROL_BOUND, (k, row)
        control[k] = (top[0]["hashtag"], "not listed" if row is None else
                      f"{row['abs_diff']:.3f}")
    print(f"ok: #{TAG} planted on {PLANTED_GROUP}: first at k = 1 (abs_diff {planted_k1:.3f}), "
          f"#{planted_k5[0]} at k = 5 (abs_diff {planted_k5[1]:.3f}); control: first "
          f"#{control[1][0]} (k = 1) and #{control[5][0]} (k = 5), #{TAG}'s abs_diff "
          f"{control[1][1]} and {control[5][1]} (bound {CONTROL_BOUND})")


if __name__ == "__main__":
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    globals()["case_" + CASE]()
