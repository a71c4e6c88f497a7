"""`swag vocab build` and `swag vocab map` against NLTK 3.8:

- build: a counts file with '#', capitals and repeats; vocab.json must hold exactly the classes
  that doc/formats.md defines over Listing 1 run by NLTK (synsets, names, counts, order, map);
- map: all 1000 ImageNet-1k classes against that vocabulary; for a sample of them the classes
  must be exactly those of maximum NLTK path_similarity (any class synset vs the target, ties
  kept), with the same similarity.

    build_map_oracle.py --swag EXE --wordnet DIR --classes WNIDS --workdir W   (/usr/bin/python3)
"""
import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time

import hashtag_corpus
import nltk_listing1

ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def swag(*args):
    start = time.perf_counter()
    run = subprocess.run(list(args), capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} failed ({run.returncode}):\n{run.stderr}")
    return time.perf_counter() - start


def write_counts(wordnet, path, rng):
    """Hashtag counts as users would give them; returns the expected raw -> count map."""
    hashtags = hashtag_corpus.make_hashtags(wordnet, 4000, nltk_listing1.ALLOWED_SENSES, seed=7)
    expected = {}
    with open(path, "w", encoding="utf-8") as f:
        for h in hashtags:
            if not h.strip("#") or "\t" in h:
                continue
            for _ in range(1 + (rng.random() < 0.1)):  # some lines repeat
                raw = rng.choice([h, "#" + h, h.upper(), "#" + h.capitalize()])
                count = rng.randrange(1, 50)
                f.write(f"{raw}\t{count}\n")
                key = raw.lstrip("#").translate(ASCII_LOWER)
                expected[key] = expected.get(key, 0) + count
    return expected


def expected_vocab(wordnet, counts, min_count):
    groups = {}
    for h, count in counts.items():
        if count < min_count:
            continue
        wnids = tuple(nltk_listing1.wnids(nltk_listing1.get_synsets(wordnet, h)))
        if wnids:
            groups.setdefault(wnids, []).append(h)
    classes = []
    for wnids, tags in groups.items():
        name = min(tags, key=lambda t: (-counts[t], t))
        classes.append({"name": name, "synsets": list(wnids), "hashtags": sorted(tags),
                        "count": sum(counts[t] for t in tags)})
    classes.sort(key=lambda c: (-c["count"], c["name"]))
    for i, c in enumerate(classes):
        c["id"] = i
    return classes


def check_build(vocab, classes, min_count):
    assert vocab["format"] == "swag-vocab" and vocab["format_version"] == 1, vocab["format"]
    assert vocab["min_count"] == min_count and vocab["num_classes"] == len(classes)
    for got, want in zip(vocab["classes"], classes):
        assert got == {k: want[k] for k in got} and set(got) == set(want), f"{got} != {want}"
    assert len(vocab["classes"]) == len(classes)
    assert vocab["hashtags"] == {h: c["id"] for c in classes for h in c["hashtags"]}


def check_map(wordnet, vocab, vocab_bytes, mapping, targets, sample):
    assert mapping["format"] == "swag-zeroshot-mapping" and mapping["format_version"] == 1
    assert mapping["vocab_sha256"] == hashlib.sha256(vocab_bytes).hexdigest()
    assert mapping["num_targets"] == len(targets)
    assert mapping["num_classes"] == vocab["num_classes"]
    class_synsets = [[wordnet.synset_from_pos_and_offset("n", int(w[1:])) for w in c["synsets"]]
                     for c in vocab["classes"]]
    for index in sample:
        entry = mapping["targets"][index]
        target = wordnet.synset_from_pos_and_offset("n", int(targets[index][1:]))
        scores = [max(target.path_similarity(s) for s in synsets) for synsets in class_synsets]
        best = max(scores)
        want = [c for c, score in enumerate(scores) if score == best]
        assert entry["target"] == index and entry["wnid"] == targets[index], entry
        assert entry["synset"] == target.name(), (entry["synset"], target.name())
        assert entry["classes"] == want, f"{targets[index]}: swag {entry['classes']}, NLTK {want}"
        assert entry["similarity"] == best, f"{targets[index]}: {entry['similarity']} != {best}"
        assert entry["names"] == [vocab["classes"][c]["name"] for c in want]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--swag", required=True)
    parser.add_argument("--wordnet", default="/usr/share/wordnet")
    parser.add_argument("--classes", required=True, help="target wnids, one per line")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--sample", type=int, default=40)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    rng = random.Random(11)
    wordnet = nltk_listing1.open_wordnet(args.wordnet)

    counts_path = os.path.join(args.workdir, "counts.tsv")
    vocab_path = os.path.join(args.workdir, "vocab.json")
    counts = write_counts(wordnet, counts_path, rng)
    seconds = swag(args.swag, "vocab", "build", "--wordnet", args.wordnet, "--hashtags",
                   counts_path, "--output", vocab_path, "--min-count", "2")
    with open(vocab_path, "rb") as f:
        vocab_bytes = f.read()
    vocab = json.loads(vocab_bytes)
    classes = expected_vocab(wordnet, counts, 2)
    check_build(vocab, classes, 2)
    print(f"build: {len(counts)} hashtags -> {len(classes)} classes as NLTK says ({seconds:.2f} s)")

    mapping_path = os.path.join(args.workdir, "mapping.json")
    seconds = swag(args.swag, "vocab", "map", "--wordnet", args.wordnet, "--vocab", vocab_path,
                   "--classes", args.classes, "--output", mapping_path)
    with open(mapping_path, encoding="utf-8") as f:
        mapping = json.load(f)
    with open(args.classes, encoding="utf-8") as f:
        targets = f.read().split()
    sample = sorted(rng.sample(range(len(targets)), min(args.sample, len(targets))))
    check_map(wordnet, vocab, vocab_bytes, mapping, targets, sample)
    print(f"map: {len(targets)} targets in {seconds:.2f} s; {len(sample)} sampled agree with NLTK")


if __name__ == "__main__":
    main()
