"""The demo main job's report (tools/demo.sh): results.json, report.md and two figures.

    /usr/bin/python3 tools/demo_report.py runs/demo

Reads zeroshot/{no_platt,platt}.json, linear_probe/results.json,
finetune/<init>-<percent>/seed-<s>/results.json, pretrain/ and timings.tsv; writes
results.json (doc/formats.md), report.md (the paper's Tables 2 and 3 in miniature, and whether
each of its three findings holds beyond the noise), finetune.png and zeroshot.png, and prints
the report. Missing results show as "-". How the noise is judged: doc/demo.md.
"""
import glob
import json
import math
import os
import re
import sys

import numpy as np

INITS = (("pretrained", "hashtag pre-training, new head"),
         ("zs_init", "hashtag pre-training, zero-shot-initialized head (ZS-Init)"),
         ("scratch", "no pre-training (random initialization)"))
PERCENTS = ("1", "10", "100")
BOOTSTRAP_DRAWS = 10000
Z = 2.0  # a difference holds when it exceeds Z standard errors (about 95%, two-sided)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}"


def bootstrap_interval(top1, n, seed):
    """95% percentile bootstrap interval of an accuracy over the n test pictures. Resampling n
    pictures with replacement draws the number right from Binomial(n, top1), so the counts are
    all it needs."""
    rng = np.random.default_rng(seed)
    draws = rng.binomial(n, top1, size=BOOTSTRAP_DRAWS) / n
    return [round(float(np.quantile(draws, q)), 4) for q in (0.025, 0.975)]


def cell_runs(run, init, percent):
    """{seed: results.json} of one cell's fine-tunes."""
    out = {}
    for path in glob.glob(os.path.join(run, "finetune", f"{init}-{percent}", "seed-*",
                                       "results.json")):
        seed = int(re.search(r"seed-(\d+)", path).group(1))
        r = load(path)
        if r and "top1" in r:
            out[seed] = r
    return dict(sorted(out.items()))


def mean_std(values):
    if not values:
        return None, None
    std = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return float(np.mean(values)), std


def gain(results, percent):
    """Pre-training's gain over scratch at one fraction and its standard error (None with fewer
    than two seeds on either side)."""
    ft, sd, seeds = results["finetune"], results["finetune_std"], results["seeds"][percent]
    a, b = ft["pretrained"][percent], ft["scratch"][percent]
    if a is None or b is None:
        return None, None
    sa, sb = sd["pretrained"][percent], sd["scratch"][percent]
    se = None if sa is None or sb is None else math.sqrt((sa**2 + sb**2) / len(seeds))
    return a - b, se


def beyond_noise(difference, se):
    if se is None:
        return "cannot be judged (fewer than two seeds)"
    return "holds" if difference > Z * se else "does not hold"


def findings(results):
    """The paper's three findings, each with its numbers and verdict: [(name, verdict, text)]."""
    out = []
    zs, zi = results["zeroshot"], results["zeroshot_interval"]
    if zs["top1_no_platt"] is not None and zs["top1_platt"] is not None:
        lo_p, hi_n = zi["top1_platt"][0], zi["top1_no_platt"][1]
        verdict = "holds" if lo_p > hi_n else "does not hold"
        out.append(("platt", verdict,
                    f"Platt scaling improves zero-shot top-1 (paper, Table 3): **{verdict}**: "
                    f"{pct(zs['top1_no_platt'])}% "
                    f"[{pct(zi['top1_no_platt'][0])}, {pct(hi_n)}] -> {pct(zs['top1_platt'])}% "
                    f"[{pct(lo_p)}, {pct(zi['top1_platt'][1])}] (95% bootstrap intervals over the "
                    f"test pictures; it holds when they do not overlap)."))
    gains = {p: gain(results, p) for p in PERCENTS}
    if all(g is not None for g, _ in gains.values()):
        each = {p: beyond_noise(g, se) for p, (g, se) in gains.items()}
        verdict = "holds" if all(v == "holds" for v in each.values()) else "does not hold"
        listed = ", ".join(f"{p}%: {100 * g:+.1f} ± {'-' if se is None else f'{100 * se:.1f}'}"
                           for p, (g, se) in gains.items())
        out.append(("helps_everywhere", verdict,
                    f"Pre-training helps at every label fraction (paper, Table 2): **{verdict}**: "
                    f"gain over scratch in points ± its standard error, {listed}; it holds at a "
                    f"fraction when the gain exceeds {Z:g} standard errors."))
        g1, se1 = gains["1"]
        other = max(("10", "100"), key=lambda p: gains[p][0])
        go, seo = gains[other]
        se = None if se1 is None or seo is None else math.sqrt(se1**2 + seo**2)
        verdict = beyond_noise(g1 - go, se)
        out.append(("largest_at_1", verdict,
                    f"Its gain is largest at 1% of the labels (paper, Table 2): **{verdict}**: "
                    f"{100 * g1:+.1f} points at 1% against {100 * go:+.1f} at {other}%, the larger "
                    f"of the others; the difference {100 * (g1 - go):+.1f} ± "
                    f"{'-' if se is None else f'{100 * se:.1f}'} must exceed {Z:g} standard "
                    f"errors."))
    return out


def collect(run):
    zs = {k: load(os.path.join(run, "zeroshot", f"{k}.json")) for k in ("no_platt", "platt")}
    results = {"zeroshot": {f"top1_{k}": v["top1"] if v else None for k, v in zs.items()},
               "zeroshot_interval": {f"top1_{k}": bootstrap_interval(v["top1"], v["n"], i)
                                     if v else None for i, (k, v) in enumerate(zs.items())},
               "finetune": {}, "finetune_std": {}, "seeds": {}}
    for init, _ in INITS:
        results["finetune"][init], results["finetune_std"][init] = {}, {}
        for p in PERCENTS:
            runs = cell_runs(run, init, p)
            mean, std = mean_std([r["top1"] for r in runs.values()])
            results["finetune"][init][p], results["finetune_std"][init][p] = mean, std
            if init == "pretrained":
                results["seeds"][p] = list(runs)
    probe = load(os.path.join(run, "linear_probe", "results.json"))
    results["linear_probe"] = probe["top1"] if probe else None
    timings = []
    if os.path.exists(os.path.join(run, "timings.tsv")):
        with open(os.path.join(run, "timings.tsv")) as f:
            timings = [(name, int(s)) for name, s in (line.rstrip("\n").split("\t")
                                                      for line in f if line.strip())]
    results["wall_seconds"] = sum(s for _, s in timings)
    results["findings"] = {name: verdict for name, verdict, _ in findings(results)}
    return results, zs, timings


def plot(run, results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    x = [int(p) for p in PERCENTS]
    for init, label in INITS:
        points = [(xi, results["finetune"][init][p], results["finetune_std"][init][p] or 0)
                  for xi, p in zip(x, PERCENTS) if results["finetune"][init][p] is not None]
        if points:
            xs, ys, es = zip(*points)
            ax.errorbar(xs, [100 * y for y in ys], yerr=[100 * e for e in es], marker="o",
                        capsize=4, label=label.split(" (")[0])
    if results["linear_probe"] is not None:
        ax.axhline(100 * results["linear_probe"], color="grey", linestyle=":",
                   label="linear probe, 100% of the labels")
    ax.set_xscale("log")
    ax.set_xticks(x, [f"{p}%" for p in x])
    ax.set_xlabel("labelled training pictures used")
    ax.set_ylabel("Fashion-MNIST top-1 (%), mean ± std over seeds")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(run, "finetune.png.tmp"), format="png", dpi=120)
    plt.close(fig)
    os.replace(os.path.join(run, "finetune.png.tmp"), os.path.join(run, "finetune.png"))

    fig, ax = plt.subplots(figsize=(4, 3.5))
    keys = [k for k in ("top1_no_platt", "top1_platt") if results["zeroshot"][k] is not None]
    for i, k in enumerate(keys):
        v, (lo, hi) = results["zeroshot"][k], results["zeroshot_interval"][k]
        ax.errorbar(i, 100 * v, yerr=[[100 * (v - lo)], [100 * (hi - v)]], marker="o",
                    capsize=8, color="tab:blue" if k == "top1_platt" else "tab:grey")
    ax.set_xlim(-0.5, len(keys) - 0.5)
    ax.set_xticks(range(len(keys)), ["without Platt" if k == "top1_no_platt" else "with Platt"
                                     for k in keys])
    ax.set_ylabel("zero-shot top-1 (%), 95% bootstrap interval")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(run, "zeroshot.png.tmp"), format="png", dpi=120)
    plt.close(fig)
    os.replace(os.path.join(run, "zeroshot.png.tmp"), os.path.join(run, "zeroshot.png"))


def cell(results, init, p):
    mean, std = results["finetune"][init][p], results["finetune_std"][init][p]
    if mean is None:
        return "-"
    return pct(mean) + ("" if std is None else f" ± {100 * std:.1f}")


def report(run, results, zs, timings):
    pre = load(os.path.join(run, "pretrain", "results.json")) or {}
    zi = results["zeroshot_interval"]
    lines = ["# The demo: SWAG's pipeline on Fashion-MNIST with long-tailed hashtags", "",
             f"Pre-training: {pre.get('model', '-')}, {pre.get('steps', '-')} steps, "
             f"{pre.get('samples_seen', '-')} samples, {pre.get('world_size', '-')} ranks. "
             f"Evaluation: the {zs['platt']['n'] if zs['platt'] else '-'} test pictures, top-1 "
             f"accuracy (%). Seeds per label fraction: "
             + ", ".join(f"{p}%: {len(results['seeds'].get(p, []))}" for p in PERCENTS) + ".",
             "", "## The paper's findings at this scale", ""]
    lines += [f"- {text}" for _, _, text in findings(results)]
    lines += ["", "## Zero-shot transfer (shaped like the paper's Table 3)", "",
              "| model | Platt scaling | top-1 | 95% bootstrap interval | top-5 |",
              "|---|---|---|---|---|"]
    for k, label in (("no_platt", "no"), ("platt", "yes")):
        v, iv = zs[k], zi[f"top1_{k}"]
        interval = "-" if iv is None else f"[{pct(iv[0])}, {pct(iv[1])}]"
        lines.append(f"| {pre.get('model', '-')} (demo hashtags) | {label} | "
                     f"{pct(v['top1'] if v else None)} | {interval} | "
                     f"{pct(v['top5'] if v else None)} |")
    lines += ["", "![zero-shot top-1 with and without Platt scaling](zeroshot.png)", "",
              "## Fine-tuning with 1%, 10% and 100% of the labels (shaped like the paper's "
              "Table 2)", "", "Mean ± standard deviation over the seeds.", "",
              "| initialization | 1% | 10% | 100% |", "|---|---|---|---|"]
    for init, label in INITS:
        lines.append(f"| {label} | " + " | ".join(cell(results, init, p) for p in PERCENTS)
                     + " |")
    lines += ["", f"Linear probe on the pre-trained trunk (100% of the labels): "
              f"{pct(results['linear_probe'])}%.", "",
              "![fine-tuning top-1 against the share of labels](finetune.png)", "",
              "## Stage times (s, summed over reruns)", "", "| stage | s |", "|---|---|"]
    lines += [f"| {name} | {s} |" for name, s in timings]
    lines += [f"| all | {results['wall_seconds']} |", ""]
    return "\n".join(lines)


def main():
    run = sys.argv[1]
    results, zs, timings = collect(run)
    plot(run, results)
    text = report(run, results, zs, timings)
    for name, content in (("results.json", json.dumps(results, indent=2) + "\n"),
                          ("report.md", text)):
        tmp = os.path.join(run, name + ".tmp")
        with open(tmp, "w") as f:
            f.write(content)
        os.replace(tmp, os.path.join(run, name))
    print(text)
    print(f"swag demo: report in {os.path.join(run, 'report.md')} with finetune.png and "
          f"zeroshot.png, figures in {os.path.join(run, 'results.json')}")


if __name__ == "__main__":
    main()
