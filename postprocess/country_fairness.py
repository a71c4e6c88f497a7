#!/usr/bin/python3
"""Zero-shot accuracy across countries (paper App. F.1, Figures 5 and 6).

    country_fairness.py --predictions preds.jsonl --labels labels.csv --mapping mapping.json
                        [--min-images 10] --out DIR

preds.jsonl: `swag predict --topk K` lines. labels.csv: a header line with the columns `index`
(the predictions' "index"), `class` (the image's target: a "target" of mapping.json, the file
`swag vocab map` writes) and `country`. mapping.json: each target's hashtag classes ("names").

An image's prediction is its highest-scoring hashtag among those that map to some target
(the paper "tasks the model with predicting only hashtags that are mapped to a class"); it is
correct when the image's target maps to that hashtag (a hashtag mapped to several targets is
correct for each of them). An image none of whose K hashtags is mapped counts as wrong
(`no_mapped_prediction`); with K = the vocabulary's size no image is. Per country: n and
top-1. For every pair of countries (row, column), over the classes with at least --min-images
images in both countries (default 10): the share of those classes whose accuracy in the
column country is below 80% of that in the row country (the 80% rule: the row country's
accuracy is substantially higher); null when no class qualifies.

Writes DIR/country_fairness.json ({"per_country": {c: {"n", "top1", ...}}, "eighty_percent":
{row: {col: share}}, ...}), DIR/country_accuracy.png (per-country bars with 95% Wilson
intervals, Figure 5 as bars) and DIR/eighty_percent.png (the heatmap, Figure 6). Outputs are
written to temporary names and renamed: a failed run leaves none. Exit codes: 0 ok, 2 bad
command line, 4 bad input (named by file and line or key), 5 a file that cannot be read or
written. Details and caveats: doc/analysis.md.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analysis_io import (AnalysisError, ArgumentParser, AtomicOutputs,  # noqa: E402
                         join_rows, main_guard, prepare_out_dir, read_json, read_predictions,
                         read_table, wilson_interval)

RULE = 0.8


def parse_args(argv=None):
    p = ArgumentParser(prog="country_fairness.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--predictions", required=True, help="preds.jsonl of swag predict --topk")
    p.add_argument("--labels", required=True, help="labels.csv: index, class, country")
    p.add_argument("--mapping", required=True, help="mapping.json of swag vocab map")
    p.add_argument("--min-images", type=int, default=10,
                   help="a class counts in a pair of countries when it has at least this many "
                        "images in both (10)")
    p.add_argument("--out", required=True, help="output folder")
    a = p.parse_args(argv)
    if a.min_images < 1:
        p.error("--min-images must be >= 1")
    return a


def read_mapping(path):
    """[set of hashtag names of target t for t in 0..T-1] from mapping.json."""
    m = read_json(path)
    if not isinstance(m, dict) or "targets" not in m:
        raise AnalysisError(f"{path}: missing key 'targets' (expected the mapping.json of "
                            "swag vocab map)")
    if m.get("format", "swag-zeroshot-mapping") != "swag-zeroshot-mapping":
        raise AnalysisError(f"{path}: 'format' is {m['format']!r}, expected "
                            "'swag-zeroshot-mapping'")
    targets = m["targets"]
    if not isinstance(targets, list) or not targets:
        raise AnalysisError(f"{path}: 'targets' is not a non-empty list")
    names = [None] * len(targets)
    for j, t in enumerate(targets):
        where = f"{path}: targets[{j}]"
        if not isinstance(t, dict):
            raise AnalysisError(f"{where} is not an object")
        for key in ("target", "names"):
            if key not in t:
                raise AnalysisError(f"{where}: missing key '{key}'")
        i = t["target"]
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(targets):
            raise AnalysisError(f"{where}: 'target' is {i!r}, expected 0..{len(targets) - 1}")
        if names[i] is not None:
            raise AnalysisError(f"{where}: target {i} listed twice")
        if not isinstance(t["names"], list) or not all(isinstance(x, str) for x in t["names"]):
            raise AnalysisError(f"{where}: 'names' is not a list of strings")
        names[i] = set(t["names"])
    return names


def read_labels(path, predictions, num_targets, mapping_path):
    """[(Prediction, class, country)] from labels.csv."""
    header, rows = read_table(path, ["index", "class", "country"])
    out = []
    for line, row, pred in join_rows(path, header, rows, predictions):
        try:
            c = int(row["class"])
        except ValueError:
            raise AnalysisError(f"{path}:{line}: class '{row['class']}' is not an integer")
        if not 0 <= c < num_targets:
            raise AnalysisError(f"{path}:{line}: class {c} is not a target of {mapping_path} "
                                f"(0..{num_targets - 1})")
        if row["country"] == "":
            raise AnalysisError(f"{path}:{line}: empty group in column 'country'")
        out.append((pred, c, row["country"]))
    return out


def predict_mapped(pred, mapped):
    """The highest-scoring hashtag of the prediction that maps to a target, or None."""
    for h, _ in pred.topk:
        if h in mapped:
            return h
    return None


def analyse(labelled, names, min_images):
    mapped = set().union(*names)
    per_class = {}  # country -> class -> [n, correct]
    unmapped = {}
    for pred, c, country in labelled:
        h = predict_mapped(pred, mapped)
        cell = per_class.setdefault(country, {}).setdefault(c, [0, 0])
        cell[0] += 1
        cell[1] += int(h is not None and h in names[c])
        unmapped[country] = unmapped.get(country, 0) + int(h is None)
    countries = sorted(per_class)
    per_country = {}
    for country in countries:
        n = sum(v[0] for v in per_class[country].values())
        correct = sum(v[1] for v in per_class[country].values())
        per_country[country] = {"n": n, "top1": correct / n, "correct": correct,
                                "ci95": wilson_interval(correct, n),
                                "no_mapped_prediction": unmapped[country],
                                "classes": len(per_class[country])}
    share, eligible = {}, {}
    for row in countries:
        share[row], eligible[row] = {}, {}
        for col in countries:
            classes = [c for c in per_class[row] if c in per_class[col]
                       and per_class[row][c][0] >= min_images
                       and per_class[col][c][0] >= min_images]
            higher = 0
            for c in classes:
                acc_row = per_class[row][c][1] / per_class[row][c][0]
                acc_col = per_class[col][c][1] / per_class[col][c][0]
                higher += int(acc_col < RULE * acc_row)
            eligible[row][col] = len(classes)
            share[row][col] = higher / len(classes) if classes else None
    total = sum(p["n"] for p in per_country.values())
    correct = sum(p["correct"] for p in per_country.values())
    return countries, {"per_country": per_country, "eighty_percent": share,
                       "eighty_percent_classes": eligible, "min_images": min_images,
                       "rule": RULE, "n": total, "top1": correct / total}


def plot_countries(countries, doc):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    per = doc["per_country"]
    order = sorted(countries, key=lambda c: (-per[c]["top1"], c))
    fig, ax = plt.subplots(figsize=(max(5, 0.5 * len(order) + 2), 4))
    x = list(range(len(order)))
    acc = [100 * per[c]["top1"] for c in order]
    lo = [acc[i] - 100 * per[c]["ci95"][0] for i, c in enumerate(order)]
    hi = [100 * per[c]["ci95"][1] - acc[i] for i, c in enumerate(order)]
    ax.bar(x, acc, yerr=[lo, hi], capsize=3, color="tab:green")
    ax.axhline(100 * doc["top1"], color="black", linewidth=0.7, linestyle="--",
               label=f"all images {100 * doc['top1']:.1f}%")
    ax.set_xticks(x)
    ax.set_xticklabels([f"{c}\n{per[c]['n']}" for c in order], fontsize=7, rotation=0)
    ax.set_ylabel("zero-shot top-1 (%), 95% Wilson interval")
    ax.set_title("Accuracy per country (images below the names)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig, plt


def plot_heatmap(countries, doc):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    m = np.array([[np.nan if doc["eighty_percent"][r][c] is None
                   else 100 * doc["eighty_percent"][r][c] for c in countries] for r in countries])
    side = max(4, 0.6 * len(countries) + 2)
    fig, ax = plt.subplots(figsize=(side + 1, side))
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("lightgray")
    im = ax.imshow(np.ma.masked_invalid(m), cmap=cmap, vmin=0,
                   vmax=max(1.0, float(np.nanmax(m)) if np.isfinite(m).any() else 1.0))
    for i in range(len(countries)):
        for j in range(len(countries)):
            text = "-" if np.isnan(m[i, j]) else f"{m[i, j]:.0f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white")
    ax.set_xticks(range(len(countries)))
    ax.set_xticklabels(countries, rotation=90, fontsize=7)
    ax.set_yticks(range(len(countries)))
    ax.set_yticklabels(countries, fontsize=7)
    ax.set_xlabel("column country")
    ax.set_ylabel("row country")
    ax.set_title(f"% of classes with column accuracy < {RULE:g} x row accuracy\n"
                 f"(classes with >= {doc['min_images']} images in both; '-': none)", fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig, plt


def run(argv=None):
    a = parse_args(argv)
    predictions = read_predictions(a.predictions)
    names = read_mapping(a.mapping)
    labelled = read_labels(a.labels, predictions, len(names), a.mapping)
    countries, doc = analyse(labelled, names, a.min_images)
    prepare_out_dir(a.out)
    with AtomicOutputs(a.out) as out:
        out.write_json("country_fairness.json", doc)
        fig, plt = plot_countries(countries, doc)
        out.save_figure(fig, "country_accuracy.png")
        plt.close(fig)
        fig, plt = plot_heatmap(countries, doc)
        out.save_figure(fig, "eighty_percent.png")
        plt.close(fig)
    for c in countries:
        p = doc["per_country"][c]
        print(f"{c}: {p['n']} images, top-1 {100 * p['top1']:.2f}%"
              + (f" ({p['no_mapped_prediction']} without a mapped hashtag in their top k)"
                 if p["no_mapped_prediction"] else ""))
    print(f"country_fairness: all {doc['n']} images top-1 {100 * doc['top1']:.2f}%; wrote "
          f"{os.path.join(a.out, 'country_fairness.json')}")


if __name__ == "__main__":
    main_guard(run)
