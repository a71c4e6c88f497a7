#!/usr/bin/python3
"""Associations between predicted hashtags and groups of people (paper App. F.2, Figure 7).

    associations.py --predictions preds.jsonl --groups groups.csv --attribute A
                    [--top 20] [--k 5] [--hashtag H ...] --out DIR

preds.jsonl: `swag predict --topk K` lines (K >= k). groups.csv: a header line with a column
`index` (the predictions' "index") or `path` (their "path"), and one column per attribute;
the column named by --attribute gives each image's group (any values: skin tone 1-6, age bins,
gender, ...). Images of the predictions that groups.csv does not list are left out.

For each group g with n_g images, and every hashtag h predicted among the top k of some
listed image:

    rate_g(h)        = (images of g with h in their top k) / n_g
    rate_others_g(h) = the mean of rate_g'(h) over the other groups g' (each group weighs the
                       same, as the paper's "average prediction rate for the other groups")
    abs_diff         = rate_g(h) - rate_others_g(h)
    rel_diff         = abs_diff / rate_others_g(h)   (null when rate_others_g(h) = 0)

and lists the --top hashtags of largest abs_diff (the hashtags most over-predicted for g; ties
by name). Writes DIR/associations.json and DIR/associations.png (two bar panels per group,
absolute and relative differences, as Figure 7; at most 30 bars each). --hashtag H
(repeatable) adds, per group, H's count, rate and 95% Wilson score interval (the paper's
#mugshot check), and DIR/hashtag-<H>.png. Outputs are written to temporary names and
renamed: a failed run leaves none. Exit codes: 0 ok, 2 bad command line, 4 bad input (named
by file and line or key), 5 a file that cannot be read or written. Details and caveats:
doc/analysis.md.
"""
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analysis_io import (AnalysisError, ArgumentParser, AtomicOutputs,  # noqa: E402
                         group_order, join_rows, main_guard, prepare_out_dir, read_predictions,
                         read_table, wilson_interval)


def parse_args(argv=None):
    p = ArgumentParser(prog="associations.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--predictions", required=True, help="preds.jsonl of swag predict --topk")
    p.add_argument("--groups", required=True, help="groups.csv: index or path, attributes")
    p.add_argument("--attribute", required=True, help="the groups.csv column that groups")
    p.add_argument("--top", type=int, default=20, help="hashtags listed per group (20)")
    p.add_argument("--k", type=int, default=5, help="a hashtag counts in an image's top k (5)")
    p.add_argument("--hashtag", action="append", default=[],
                   help="report this hashtag's count and rate per group, with a 95%% interval")
    p.add_argument("--out", required=True, help="output folder")
    a = p.parse_args(argv)
    if a.top < 1:
        p.error("--top must be >= 1")
    if a.k < 1:
        p.error("--k must be >= 1")
    a.hashtag = [normalize_hashtag(h) for h in a.hashtag]
    for h in a.hashtag:
        if not h:
            p.error("--hashtag needs a name")
    return a


def normalize_hashtag(h):
    """#Mugshot -> mugshot: vocabulary names are lowercase, without '#' (doc/formats.md)."""
    return h.lstrip("#").translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                                 "abcdefghijklmnopqrstuvwxyz"))


def read_groups(path, attribute, predictions):
    """{group: [Prediction, ...]} from groups.csv."""
    header, rows = read_table(path, [("index", "path"), attribute])
    groups = {}
    for line, row, pred in join_rows(path, header, rows, predictions):
        value = row[attribute]
        if value == "":
            raise AnalysisError(f"{path}:{line}: empty group in column '{attribute}'")
        groups.setdefault(value, []).append(pred)
    if len(groups) < 2:
        raise AnalysisError(f"{path}: column '{attribute}' has {len(groups)} group "
                            f"({', '.join(groups)}); comparing groups needs at least 2")
    return groups


def analyse(groups, k, top):
    """The per-group rates and differences (see the module's docstring)."""
    names = group_order(list(groups))
    counts = {}
    for g in names:
        c = {}
        for pred in groups[g]:
            for h, _ in pred.topk[:k]:
                c[h] = c.get(h, 0) + 1
        counts[g] = c
    hashtags = sorted({h for c in counts.values() for h in c})
    rates = {g: {h: counts[g].get(h, 0) / len(groups[g]) for h in hashtags} for g in names}
    result = {}
    for g in names:
        others = [o for o in names if o != g]
        rows = []
        for h in hashtags:
            rate = rates[g][h]
            rate_others = math.fsum(rates[o][h] for o in others) / len(others)
            diff = rate - rate_others
            rows.append({"hashtag": h, "rate": rate, "rate_others": rate_others,
                         "abs_diff": diff,
                         "rel_diff": diff / rate_others if rate_others > 0 else None})
        rows.sort(key=lambda r: (-r["abs_diff"], r["hashtag"]))
        result[g] = {"n_images": len(groups[g]), "top": rows[:top]}
    return names, result, counts


def hashtag_report(names, groups, counts, hashtag):
    out = {}
    for g in names:
        n, c = len(groups[g]), counts[g].get(hashtag, 0)
        out[g] = {"count": c, "n_images": n, "rate": c / n, "ci95": wilson_interval(c, n)}
    return out


PLOT_BARS = 30  # bars per panel at most (the JSON keeps all of --top)


def plot_associations(names, result, attribute):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    bars = max(min(PLOT_BARS, len(result[g]["top"])) for g in names)
    fig, axes = plt.subplots(len(names), 2, squeeze=False,
                             figsize=(11, max(2.5, 0.22 * bars + 1.0) * len(names)))
    for row, g in enumerate(names):
        top = result[g]["top"][:PLOT_BARS]
        labels = ["#" + r["hashtag"] for r in top]
        y = list(range(len(top)))
        ax = axes[row][0]
        ax.barh(y, [100 * r["abs_diff"] for r in top], color="tab:blue")
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.5)
        ax.set_xlabel("absolute difference in top-k rate (percentage points)", fontsize=8)
        ax.set_title(f"{attribute} = {g} ({result[g]['n_images']} images)", fontsize=9)
        ax = axes[row][1]
        rel = [r["rel_diff"] for r in top]
        ax.barh(y, [100 * v if v is not None else 0.0 for v in rel], color="tab:orange")
        for yi, v in zip(y, rel):
            if v is None:
                ax.text(0, yi, " only in this group", va="center", fontsize=6)
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.5)
        ax.set_xlabel("relative difference (%)", fontsize=8)
        ax.set_title(f"{attribute} = {g}: relative", fontsize=9)
    fig.tight_layout()
    return fig, plt


def plot_hashtag(names, report, hashtag, attribute):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(max(4, 0.8 * len(names) + 2), 3.5))
    x = list(range(len(names)))
    rates = [100 * report[g]["rate"] for g in names]
    lo = [rates[i] - 100 * report[g]["ci95"][0] for i, g in enumerate(names)]
    hi = [100 * report[g]["ci95"][1] - rates[i] for i, g in enumerate(names)]
    ax.bar(x, rates, yerr=[lo, hi], capsize=4, color="tab:gray")
    ax.set_xticks(x)
    ax.set_xticklabels([f"{g}\n{report[g]['count']}/{report[g]['n_images']}" for g in names],
                       fontsize=7)
    ax.set_ylabel("top-k rate (%), 95% Wilson interval")
    ax.set_xlabel(attribute)
    ax.set_title(f"#{hashtag}")
    fig.tight_layout()
    return fig, plt


def safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text) or "_"


def run(argv=None):
    a = parse_args(argv)
    predictions = read_predictions(a.predictions, min_k=a.k)
    groups = read_groups(a.groups, a.attribute, predictions)
    names, result, counts = analyse(groups, a.k, a.top)
    doc = {"attribute": a.attribute, "k": a.k, "groups": result}
    if a.hashtag:
        doc["hashtags"] = {h: hashtag_report(names, groups, counts, h) for h in a.hashtag}
    prepare_out_dir(a.out)
    with AtomicOutputs(a.out) as out:
        out.write_json("associations.json", doc)
        fig, plt = plot_associations(names, result, a.attribute)
        out.save_figure(fig, "associations.png")
        plt.close(fig)
        for h in a.hashtag:
            fig, plt = plot_hashtag(names, doc["hashtags"][h], h, a.attribute)
            out.save_figure(fig, f"hashtag-{safe_name(h)}.png")
            plt.close(fig)
    for g in names:
        shown = ", ".join(f"#{r['hashtag']} {100 * r['abs_diff']:+.1f}"
                          for r in result[g]["top"][:5])
        print(f"{a.attribute}={g} ({result[g]['n_images']} images): {shown}")
    for h in a.hashtag:
        for g in names:
            r = doc["hashtags"][h][g]
            print(f"#{h} {a.attribute}={g}: {r['count']}/{r['n_images']} = "
                  f"{100 * r['rate']:.4f}% (95% Wilson {100 * r['ci95'][0]:.4f}-"
                  f"{100 * r['ci95'][1]:.4f}%)")
    print(f"associations: wrote {os.path.join(a.out, 'associations.json')}")


if __name__ == "__main__":
    main_guard(run)
