"""Transfer end to end: fine-tuning, evaluation and zero-shot under mpiexec.

    transfer_cases.py SWAG_EXE CASE WORK     (/usr/bin/python3: needs h5py, numpy)

The `fixture` case builds WORK/data: a tiny demo dataset (400 training pictures with hashtags and
labels, 101 labelled test pictures: 101 divides by no rank count > 1), its vocabulary, shards
and mapping, and pre-trains the tiny RegNetY on the hashtag shards for 10 steps. Every other
case works in WORK/<case>.
"""
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

STOPPED, CONFIG, INPUT = 75, 3, 4
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
TEST_IMAGES = 101


def run(swag, *args, ranks=None, expect=0):
    cmd = ([*(["mpiexec", "-n", str(ranks)] if ranks else []), swag]
           + [str(a) for a in args])
    r = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=280)
    assert r.returncode == expect, f"{' '.join(cmd)}\nexit {r.returncode}, expected {expect}\n" \
                                   f"{r.stderr[-3000:]}"
    return r


def data(work, *parts):
    return os.path.join(work, "data", *parts)


def deck(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


FINETUNE_DECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "inputs",
                             "finetune", "test.toml")


def finetune_deck(work, name):
    """--config and overrides of the test deck (inputs/finetune/test.toml) for a run folder
    WORK/<name>/run on the fixture's data; name starts with the case (main cleans it)."""
    os.makedirs(os.path.join(work, name), exist_ok=True)
    return ["--config", FINETUNE_DECK, f"run.dir={os.path.join(work, name, 'run')}",
            f"data.train={data(work, 'train', 'labelled_shards')}",
            f"data.eval={data(work, 'test', 'shards')}"]


PRETRAINED = ("pretrain", "checkpoints", "step-00000010.h5")


def case_fixture(swag, work):
    shutil.rmtree(os.path.join(work, "data"), ignore_errors=True)
    os.makedirs(data(work))
    run(swag, "demo-data", "--output-dir", data(work), "--train-limit", 400, "--test-limit",
        TEST_IMAGES)
    run(swag, "vocab", "build", "--wordnet", "/usr/share/wordnet", "--hashtags",
        data(work, "train", "hashtag_counts.tsv"), "--output", data(work, "vocab.json"))
    for manifest, vocab, out in (("train/manifest.tsv", "vocab.json", "train/shards"),
                                 ("train/labelled_manifest.tsv", "test/vocab.json",
                                  "train/labelled_shards"),
                                 ("test/manifest.tsv", "test/vocab.json", "test/shards")):
        run(swag, "shard", "--manifest", data(work, manifest), "--vocab", data(work, vocab),
            "--output-dir", data(work, out))
    run(swag, "vocab", "map", "--wordnet", "/usr/share/wordnet", "--vocab",
        data(work, "vocab.json"), "--classes", data(work, "classes.txt"), "--output",
        data(work, "mapping.json"))
    pretrain = deck(work, "pretrain.toml", f"""
[run]
dir = "{data(work, 'pretrain')}"
[model]
name = "regnety_test"
resolution = 16
[data]
dir = "{data(work, 'train', 'shards')}"
workers = 1
head_threshold = 50
[batch]
global = 16
[schedule]
steps = 10
[checkpoint]
every = 10
""")
    run(swag, "pretrain", "--config", pretrain, ranks=2)
    assert os.path.exists(data(work, *PRETRAINED))
    print("ok: tiny demo dataset, mapping and a pre-trained tiny RegNetY")


def results_path(work, name):
    return os.path.join(work, name, "run", "results.json")


def results_of(work, name):
    return json.load(open(results_path(work, name)))


def case_finetune_from_another_head(swag, work):
    ckpt = data(work, *PRETRAINED)
    with h5py.File(ckpt) as f:
        hashtags = f["/params/fc.weight"].shape[0]
    assert hashtags != 10, hashtags
    run(swag, "finetune", *finetune_deck(work, "finetune_from_another_head"), "--init", ckpt, ranks=2)
    r = results_of(work, "finetune_from_another_head")
    assert r["n"] == TEST_IMAGES and r["steps"] == 12 and r["labelled_images"] == 200, r
    assert 0 <= r["top5"] <= 1 and r["top1"] <= r["top5"], r
    with h5py.File(r["weights"]) as f, h5py.File(ckpt) as g:
        assert f["/params/fc.weight"].shape == (10, hashtags and g["/params/fc.weight"].shape[1])
        assert f.attrs["num_classes"] == 10
    print(f"ok: {hashtags}-class hashtag head replaced by a 10-class head; top-1 {r['top1']}")


def case_eval_counts_every_image_once(swag, work):
    # Long enough without EMA and mixup to be clearly better than chance (0.1).
    run(swag, "finetune", *finetune_deck(work, "eval_counts_every_image_once"), "--init", "none",
        "ema.weight=0", "mixup.alpha=0", "schedule.steps=40", "data.fraction=1", "optim.lr=0.2",
        ranks=2)
    weights = results_of(work, "eval_counts_every_image_once")["weights"]
    assert results_of(work, "eval_counts_every_image_once")["weights_from"] == "final"
    assert results_of(work, "eval_counts_every_image_once")["top1"] > 0.15, results_of(work, "eval_counts_every_image_once")
    seen = {}
    for ranks in (1, 2, 3):
        r = run(swag, "eval", "--checkpoint", weights, "--data", data(work, "test", "shards"),
                "--batch", 8, "--json", ranks=ranks)
        seen[ranks] = json.loads(r.stdout.strip().splitlines()[-1])
        assert seen[ranks]["n"] == TEST_IMAGES, seen
    # The same images through the same weights: at most one argmax may flip with the batch
    # composition (float rounding), never a count.
    for ranks in (2, 3):
        for k in ("top1", "top5"):
            assert abs(seen[ranks][k] - seen[1][k]) <= 1 / TEST_IMAGES + 1e-12, seen
    assert abs(seen[1]["top1"] - results_of(work, "eval_counts_every_image_once")["top1"]) <= 1 / TEST_IMAGES + 1e-12
    print(f"ok: {TEST_IMAGES} images counted once on 1, 2 and 3 ranks: {seen}")


def case_finetune_resume_is_bitwise(swag, work):
    straight = finetune_deck(work, "finetune_resume_is_bitwise/straight")
    run(swag, "finetune", *straight, "--init", "none", ranks=2)
    split = finetune_deck(work, "finetune_resume_is_bitwise/split")
    run(swag, "finetune", *split, "--init", "none", "run.stop_at_step=6", ranks=2,
        expect=STOPPED)
    assert not os.path.exists(results_path(work, "finetune_resume_is_bitwise/split"))
    run(swag, "finetune", *split, "--init", "none", ranks=2)
    # Activation recomputation (doc/memory.md) changes no bit either.
    recomputed = finetune_deck(work, "finetune_resume_is_bitwise/recomputed")
    run(swag, "finetune", *recomputed, "--init", "none", "run.recompute_activations=true", ranks=2)
    straight_results = results_of(work, "finetune_resume_is_bitwise/straight")
    for other in ("split", "recomputed"):
        other_results = results_of(work, f"finetune_resume_is_bitwise/{other}")
        with h5py.File(straight_results["weights"]) as a, h5py.File(other_results["weights"]) as b:
            for group in ("params", "buffers"):
                for name in a[group]:
                    assert np.array_equal(a[group][name][()], b[group][name][()]), (other, name)
        assert straight_results["top1"] == other_results["top1"], other
    print("ok: 12 steps straight == 6 + restart + 6 == 12 with activation recomputation, bitwise "
          "(EMA weights, mixup, sync BN)")


def case_zero_shot_init_head(swag, work):
    ckpt = data(work, *PRETRAINED)
    run(swag, "finetune", *finetune_deck(work, "zero_shot_init_head"), "--init", ckpt,
        "init.head=zeroshot", f"init.mapping={data(work, 'mapping.json')}", "optim.lr=0",
        ranks=2)
    mapping = json.load(open(data(work, "mapping.json")))
    assert results_of(work, "zero_shot_init_head")["weights_from"] == "ema"  # test deck's EMA
    with h5py.File(results_of(work, "zero_shot_init_head")["weights"]) as f, h5py.File(ckpt) as g:
        for name in ("fc.weight", "fc.bias"):
            source, head = g["/params/" + name][()], f["/params/" + name][()]
            for t in mapping["targets"]:
                expected = source[t["classes"]].mean(axis=0)
                assert np.allclose(head[t["target"]], expected, rtol=1e-5, atol=1e-7), name
    print("ok: ZS-Init head rows are the means of the mapped hashtag rows")


def case_zeroshot_with_and_without_platt(swag, work):
    common = ["zeroshot", "--checkpoint", data(work, *PRETRAINED), "--vocab",
              data(work, "vocab.json"), "--mapping", data(work, "mapping.json"), "--data",
              data(work, "test", "shards"), "--batch", 8, "--json"]
    plain = json.loads(run(swag, *common, ranks=2).stdout.strip().splitlines()[-1])
    platt = json.loads(run(swag, *common, "--platt", ranks=2).stdout.strip().splitlines()[-1])
    assert plain["n"] == platt["n"] == TEST_IMAGES, (plain, platt)
    assert plain["aggregate"] == "mean" and not plain["platt"], plain
    # The fit's optimum, not the solver's flag: whether L-BFGS reaches its 1e-9 gradient target
    # or stops a little short depends on the build's rounding, a stationary point does not.
    assert platt["aggregate"] == "sum" and platt["platt"], platt
    assert platt["platt_gradient_max"] <= 1e-6, platt
    maxed = json.loads(run(swag, *common, "--aggregate", "max", ranks=2).stdout.strip()
                       .splitlines()[-1])
    assert maxed["aggregate"] == "max" and maxed["n"] == TEST_IMAGES, maxed
    print(f"ok: zero-shot top-1 {plain['top1']} without Platt, {platt['top1']} with")


def case_linear_probe(swag, work):
    out = os.path.join(work, "linear_probe")
    common = ["linear-probe", "--checkpoint", data(work, *PRETRAINED), "--train",
              data(work, "train", "labelled_shards"), "--eval", data(work, "test", "shards"),
              "--output-dir", out, "--batch", 8, "--weight-decay", 1e-3, "--json"]
    first = run(swag, *common, ranks=2)
    again = run(swag, *common, ranks=1)  # features from the cache, the sums over one rank
    assert "features from" in again.stderr, again.stderr[-2000:]
    a = json.loads(first.stdout.strip().splitlines()[-1])
    b = json.loads(again.stdout.strip().splitlines()[-1])
    assert a["n"] == TEST_IMAGES and a["train_images"] == 400 and a["converged"], a
    assert abs(a["top1"] - b["top1"]) <= 1 / TEST_IMAGES + 1e-12, (a, b)
    with h5py.File(os.path.join(out, "features.h5")) as f, \
            h5py.File(os.path.join(out, "probe.h5")) as p, \
            h5py.File(data(work, *PRETRAINED)) as g:
        x, y = f["/train/features"][()].astype(np.float64), f["/train/labels"][()]
        assert x.shape == (400, g["/params/fc.weight"].shape[1]), x.shape
        w, bias = p["/weight"][()].astype(np.float64), p["/bias"][()].astype(np.float64)
        # numpy's own gradient of the documented objective at the returned solution.
        z = (x - x.mean(0)) / np.where(x.std(0) > 1e-12, x.std(0), np.inf)
        logits = z @ w.T + bias
        prob = np.exp(logits - logits.max(1, keepdims=True))
        prob /= prob.sum(1, keepdims=True)
        prob[np.arange(len(y)), y] -= 1
        grad_w = prob.T @ z / len(y) + 1e-3 * w
        grad_b = prob.mean(0)
        worst = max(np.abs(grad_w).max(), np.abs(grad_b).max())
        assert worst < 1e-4, worst  # float32-stored weights: not the 1e-6 of the fit itself
    print(f"ok: linear probe top-1 {a['top1']:.3f}; cached features reused; numpy gradient at "
          f"the solution {worst:.1e}")


def topk_predictions(swag, work, ckpt, vocab, name):
    """Every class's softmax probability per image, from `swag predict --topk` over all of
    them: {manifest line: [class, ...] best first}, the order the scoring ranks in."""
    with h5py.File(ckpt) as f:
        classes = f["/params/fc.weight"].shape[0]
    out = os.path.join(work, "real_and_objectnet", name)
    run(swag, "predict", "--topk", classes, "--checkpoint", ckpt, "--vocab", vocab, "--data",
        data(work, "test", "shards"), "--batch", 8, "--output", out, ranks=2)
    ids = {c["name"]: c["id"] for c in json.load(open(vocab))["classes"]}
    ranked = {}
    for line in open(out):
        p = json.loads(line)
        ranked[p["line"]] = [ids[name] for name, _ in p["topk"]]
    return ranked, classes


def set_scores(ranked, sets):
    """ReaL's rule in Python: {top1, top5, n, excluded} of ranked classes against label sets."""
    n = excluded = top1 = top5 = 0
    for line, order in ranked.items():
        s = sets[line]
        if not s:
            excluded += 1
            continue
        n += 1
        top1 += order[0] in s
        top5 += any(c in s for c in order[:5])
    return {"top1": top1 / n, "top5": top5 / n, "n": n, "excluded": excluded}


def case_real_and_objectnet(swag, work):
    rng = np.random.default_rng(23)
    # ReaL: a short fine-tune gives a 10-class model; label sets of 0-3 classes per image.
    run(swag, "finetune", *finetune_deck(work, "real_and_objectnet/ft"), "--init", "none",
        "ema.weight=0", ranks=2)
    weights = results_of(work, "real_and_objectnet/ft")["weights"]
    vocab = data(work, "test", "vocab.json")
    ranked, classes = topk_predictions(swag, work, weights, vocab, "real_preds.jsonl")
    sets = [sorted(rng.choice(classes, size=rng.integers(0, 4), replace=False).tolist())
            for _ in range(TEST_IMAGES)]
    real = os.path.join(work, "real_and_objectnet", "real.json")
    json.dump(sets, open(real, "w"))
    common = ["eval", "--checkpoint", weights, "--data", data(work, "test", "shards"), "--batch",
              8, "--json"]
    got = json.loads(run(swag, *common, "--real-labels", real, ranks=2).stdout.splitlines()[-1])
    want = set_scores(ranked, {line: sets[line - 1] for line in ranked})
    assert want["excluded"] > 0 and got["scoring"] == "real", (got, want)
    for k in want:
        assert got[k] == want[k], (k, got, want)
    real_result = got
    # ObjectNet: the hashtag model stands in for IN-1k; the 10 test classes are "ObjectNet's",
    # each mapped from 1-3 hashtag classes, most hashtag classes left out.
    ckpt = data(work, *PRETRAINED)
    ranked, hashtags = topk_predictions(swag, work, ckpt, data(work, "vocab.json"),
                                        "objectnet_preds.jsonl")
    # ObjectNet's published layout (name -> "a; b" names), made into swag's by the tool
    names = [c["name"] for c in json.load(open(data(work, "vocab.json")))["classes"]]
    pool = rng.permutation(hashtags)
    owner, published, start = {}, {}, 0
    for o in range(10):
        k = int(rng.integers(1, 4))
        published[f"class {o}"] = "; ".join(names[c] for c in pool[start:start + k])
        owner.update({int(c): o for c in pool[start:start + k]})
        start += k
    assert start < hashtags / 2, (start, hashtags)
    base = os.path.join(work, "real_and_objectnet")
    for name, text in (("names.txt", "\n".join(names) + "\n"),
                       ("classes.txt", "\n".join(f"class {o}" for o in range(10)) + "\n")):
        with open(os.path.join(base, name), "w") as f:
            f.write(text)
    json.dump(published, open(os.path.join(base, "published.json"), "w"))
    on_path = os.path.join(base, "objectnet.json")
    tool = [sys.executable, os.path.join(os.path.dirname(FINETUNE_DECK), "..", "..", "tools",
                                         "objectnet_mapping.py"),
            "--objectnet-to-imagenet", os.path.join(base, "published.json"),
            "--imagenet-names", os.path.join(base, "names.txt"),
            "--classes", os.path.join(base, "classes.txt")]
    subprocess.run(tool + ["--out", on_path], check=True, capture_output=True)
    objectnet_tool_errors(tool, base, names)
    labels = {}
    for shard in json.load(open(data(work, "test", "shards", "index.json")))["shards"]:
        with h5py.File(data(work, "test", "shards", shard["file"])) as f:
            for i, line in enumerate(f["/images/ids"][()]):
                labels[int(line)] = int(f["/labels/classes"][f["/labels/offsets"][i]])
    # The reference: the allowed hashtag classes in rank order, mapped, duplicates dropped.
    mapped = {line: list(dict.fromkeys(owner[c] for c in order if c in owner))
              for line, order in ranked.items()}
    want = set_scores(mapped, {line: [labels[line]] for line in mapped})
    common[2] = ckpt
    got = json.loads(run(swag, *common, "--objectnet-mapping", on_path, ranks=2)
                     .stdout.splitlines()[-1])
    assert got["scoring"] == "objectnet", got
    for k in want:
        assert got[k] == want[k], (k, got, want)
    print(f"ok: ReaL top-1 {real_result['top1']:.3f} ({real_result['excluded']} empty sets "
          f"excluded) and ObjectNet top-1 {got['top1']:.3f} match the Python rules on swag "
          f"predict's rankings")
    real_errors(swag, work, weights, real, on_path)


def objectnet_tool_errors(tool, base, names):
    """tools/objectnet_mapping.py: a name that is not an IN-1k line, a class not in the JSON."""
    bad = os.path.join(base, "bad_published.json")
    json.dump({"class 0": f"{names[0]}; no such class"}, open(bad, "w"))
    r = subprocess.run(tool[:3] + [bad] + tool[4:-2] + ["--out", os.path.join(base, "x.json")],
                       capture_output=True, text=True)
    assert r.returncode == INPUT and "'class 0' maps 'no such class'" in r.stderr, r.stderr
    r = subprocess.run(tool + ["--out", os.path.join(base, "x.json")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(base, "classes.txt"), "a") as f:
        f.write("class 99\n")
    r = subprocess.run(tool + ["--out", os.path.join(base, "y.json")], capture_output=True, text=True)
    assert r.returncode == INPUT and "classes.txt:11: 'class 99' is not in" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(base, "y.json"))


def hashtags_of(mapping):
    return json.load(open(mapping))["in1k_classes"]


def real_errors(swag, work, weights, real, on_path):
    base = os.path.join(work, "real_and_objectnet")
    short = os.path.join(base, "short.json")
    json.dump([[0]] * 50, open(short, "w"))
    common = ["eval", "--checkpoint", weights, "--data", data(work, "test", "shards"), "--batch", 8]
    r = run(swag, *common, "--real-labels", short, expect=INPUT)
    assert "swag: error:" in r.stderr and f"{short} has 50 records" in r.stderr, r.stderr
    assert "manifest line 51" in r.stderr and "images/s" not in r.stderr, r.stderr  # before eval
    bad = os.path.join(base, "bad.json")
    json.dump([[0], [12]], open(bad, "w"))
    r = run(swag, *common, "--real-labels", bad, expect=INPUT)
    assert f"{bad}: record 1 holds 12" in r.stderr, r.stderr
    r = run(swag, *common, "--real-labels", real, "--objectnet-mapping", on_path, expect=2)
    assert "swag: error:" in r.stderr and "--real-labels and --objectnet-mapping" in r.stderr, r.stderr
    r = run(swag, *common, "--objectnet-mapping", on_path, expect=INPUT)
    assert f"{on_path} maps {hashtags_of(on_path)} IN-1k classes" in r.stderr, r.stderr
    print("ok: short and bad real.json, both flags, a mapping of another model: swag: error:")


def case_finetune_subset_list(swag, work):
    """data.subset_list: the images a list of file names picks (the 1%/10% subsets of prior
    work), matched against the manifest; a bad name stops before training, naming the line."""
    base = os.path.join(work, "finetune_subset_list")
    manifest = data(work, "train", "labelled_manifest.tsv")
    paths = [line.split("\t")[0] for line in open(manifest)]
    picked = [paths[i] for i in (5, 77, 123, 124, 399)]
    listing = os.path.join(base, "subset.txt")
    os.makedirs(base, exist_ok=True)
    with open(listing, "w") as f:
        f.write("\n".join(os.path.basename(p) for p in picked) + "\n")
    common = [*finetune_deck(work, "finetune_subset_list"), "--init", "none", "data.fraction=1",
              f"data.subset_list={listing}", f"data.manifest={manifest}"]
    run(swag, "finetune", *common, "schedule.steps=2", ranks=2)
    r = results_of(work, "finetune_subset_list")
    assert r["labelled_images"] == 5 and r["subset_list"] == listing, r
    bad = os.path.join(base, "bad.txt")
    with open(bad, "w") as f:
        f.write(f"{os.path.basename(picked[0])}\nnot_an_image.png\n")
    os.remove(results_path(work, "finetune_subset_list"))
    e = run(swag, "finetune", *common[:-2], f"data.subset_list={bad}", f"data.manifest={manifest}",
            expect=INPUT)
    assert "swag: error:" in e.stderr and f"{bad}:2: image 'not_an_image.png' is not in the " \
        f"manifest {manifest}" in e.stderr, e.stderr
    e = run(swag, "finetune", *common, "data.fraction=0.1", expect=CONFIG)
    assert "data.subset_list and data.fraction" in e.stderr, e.stderr
    assert not os.path.exists(results_path(work, "finetune_subset_list"))
    print("ok: a list of 5 file names trains on those 5 images; a bad name names its line")


def case_errors(swag, work):
    ckpt = data(work, *PRETRAINED)
    r = run(swag, "zeroshot", "--checkpoint", ckpt, "--vocab", data(work, "test", "vocab.json"),
            "--mapping", data(work, "mapping.json"), "--data", data(work, "test", "shards"),
            expect=INPUT)
    assert "swag: error:" in r.stderr and "was made for vocabulary" in r.stderr, r.stderr
    r = run(swag, "eval", "--checkpoint", ckpt, "--data", data(work, "test", "shards"),
            expect=INPUT)
    assert "swag: error:" in r.stderr and "classes" in r.stderr, r.stderr
    deck_args = finetune_deck(work, "errors")
    r = run(swag, "finetune", *deck_args, "init.head=zeroshot", expect=CONFIG)
    assert "init.head = zeroshot needs init.checkpoint" in r.stderr, r.stderr
    r = run(swag, "finetune", *deck_args, "batch.global=15", ranks=2, expect=CONFIG)
    assert "does not divide over 2 ranks" in r.stderr, r.stderr
    r = run(swag, "finetune", *deck_args, "bn.sync_group=3", ranks=2, expect=CONFIG)
    assert "bn.sync_group = 3 does not divide the 2 ranks" in r.stderr, r.stderr
    r = run(swag, "finetune", *deck_args, "data.fraction=0", expect=CONFIG)
    assert "key 'data.fraction' must be in (0, 1], not 0.0" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(work, "errors", "run", "results.json"))
    print("ok: mismatched vocabulary, classes, deck errors: swag: error: and the exit code")


def main():
    swag, case, work = sys.argv[1:4]
    if case != "fixture":
        shutil.rmtree(os.path.join(work, case), ignore_errors=True)
    os.makedirs(work, exist_ok=True)
    globals()["case_" + case](os.path.abspath(swag), os.path.abspath(work))


if __name__ == "__main__":
    main()
