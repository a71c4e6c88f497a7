"""`swag vocab lookup` against the paper's Listing 1 run by NLTK 3.8, on every hashtag of a
generated list (hashtag_corpus.py): each output line must have the same hashtag and synsets.

    listing1_oracle.py --swag EXE --wordnet DIR --workdir W [--count N]   (/usr/bin/python3)
"""
import argparse
import json
import os
import subprocess
import sys
import time

import hashtag_corpus
import nltk_listing1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--swag", required=True)
    parser.add_argument("--wordnet", default="/usr/share/wordnet")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--count", type=int, default=12000)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    wordnet = nltk_listing1.open_wordnet(args.wordnet)
    hashtags = hashtag_corpus.make_hashtags(wordnet, args.count, nltk_listing1.ALLOWED_SENSES)
    path = os.path.join(args.workdir, "hashtags.txt")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(h + "\n" for h in hashtags))

    start = time.perf_counter()
    synsets = [nltk_listing1.get_synsets(wordnet, h) for h in hashtags]
    nltk_seconds = time.perf_counter() - start
    expected = [nltk_listing1.wnids(s) for s in synsets]

    start = time.perf_counter()
    run = subprocess.run([args.swag, "vocab", "lookup", "--wordnet", args.wordnet, "--input", path],
                         capture_output=True, text=True, encoding="utf-8")
    swag_seconds = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"swag vocab lookup failed ({run.returncode}):\n{run.stderr}")
    lines = run.stdout.split("\n")[:-1]  # not splitlines(): U+2028 etc. stay raw in JSON
    if len(lines) != len(hashtags):
        sys.exit(f"{len(lines)} output lines for {len(hashtags)} hashtags")

    mismatches = []
    for hashtag, want, line in zip(hashtags, expected, lines):
        got = json.loads(line)
        if got != {"hashtag": hashtag, "synsets": want}:
            mismatches.append(f"{hashtag!r}: NLTK {want}, swag {line}")
    kept = sum(1 for e in expected if e)
    printed = sum(1 for s, e in zip(synsets, expected) if e != nltk_listing1.wnids(
        {x for x in s if x.lexname() in nltk_listing1.PRINTED_ALLOWED_SENSES}))
    print(f"{len(hashtags)} hashtags, {kept} with synsets; NLTK {nltk_seconds:.2f} s, "
          f"swag {swag_seconds:.2f} s")
    print(f"(with the printed listing's missing comma, {printed} results would differ)")
    if mismatches:
        print(f"{len(mismatches)} mismatches, first ones:")
        print("\n".join(mismatches[:20]))
        sys.exit(1)
    print("every line agrees with NLTK")


if __name__ == "__main__":
    main()
