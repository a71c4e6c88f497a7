"""Throughput of `swag vocab lookup` against the paper's Listing 1 run by NLTK 3.8, on the same
generated hashtags (hashtag_corpus.py), side by side in one run; also checks that they agree.

    /usr/bin/python3 tests/vocab/bench_lookup.py --swag build/cpu/bin/swag [--count 100000]

swag is timed as a whole process (start, reading WordNet, lookups, output); NLTK as the Listing 1
loop alone, after its WordNet is loaded (its load time is printed apart). Medians of --runs.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import hashtag_corpus
import nltk_listing1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--swag", required=True)
    parser.add_argument("--wordnet", default="/usr/share/wordnet")
    parser.add_argument("--count", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    wordnet = nltk_listing1.open_wordnet(args.wordnet)
    nltk_load = time.perf_counter() - start
    hashtags = hashtag_corpus.make_hashtags(wordnet, args.count, nltk_listing1.ALLOWED_SENSES)
    path = os.path.join(tempfile.mkdtemp(prefix="swag_bench_vocab_"), "hashtags.txt")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(h + "\n" for h in hashtags))

    swag_times, nltk_times = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        run = subprocess.run([args.swag, "vocab", "lookup", "--wordnet", args.wordnet, "--input",
                              path], capture_output=True, text=True, check=True)
        swag_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        expected = [nltk_listing1.wnids(nltk_listing1.get_synsets(wordnet, h)) for h in hashtags]
        nltk_times.append(time.perf_counter() - start)
    got = [json.loads(line)["synsets"] for line in run.stdout.split("\n")[:-1]]
    assert got == expected, "swag and NLTK disagree"

    swag_s, nltk_s = statistics.median(swag_times), statistics.median(nltk_times)
    print(f"{len(hashtags)} hashtags, {sum(1 for e in expected if e)} with synsets; all agree")
    print(f"swag vocab lookup: {swag_s:.2f} s ({len(hashtags) / swag_s:,.0f} hashtags/s); "
          f"runs {' '.join(f'{t:.2f}' for t in swag_times)}")
    print(f"NLTK Listing 1:    {nltk_s:.2f} s ({len(hashtags) / nltk_s:,.0f} hashtags/s); "
          f"runs {' '.join(f'{t:.2f}' for t in nltk_times)}; WordNet load {nltk_load:.2f} s apart")
    print(f"swag / NLTK throughput: {nltk_s / swag_s:.1f}x")


if __name__ == "__main__":
    main()
