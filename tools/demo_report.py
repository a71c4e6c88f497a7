"""The demo main job's report (tools/demo.sh): results.json and report.md from its run folder.

    /usr/bin/python3 tools/demo_report.py runs/demo

Reads zeroshot/{no_platt,platt}.json, finetune/<init>-<percent>/results.json, pretrain/ and
timings.tsv; writes results.json ({"zeroshot": {"top1_no_platt", "top1_platt"}, "finetune":
{"pretrained"|"zs_init"|"scratch": {"1","10","100"}}, "wall_seconds"}, accuracies in [0, 1])
and report.md (tables shaped like the paper's Tables 2 and 3, and what they say), and prints
the report. Missing results show as "-".
"""
import json
import os
import sys

INITS = (("pretrained", "hashtag pre-training, new head"),
         ("zs_init", "hashtag pre-training, zero-shot-initialized head (ZS-Init)"),
         ("scratch", "no pre-training (random initialization)"))
PERCENTS = ("1", "10", "100")


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}"


def verdict(gain_points):
    """Half a point either way is the resolution we claim at this scale."""
    if gain_points >= 0.5:
        return "holds"
    if gain_points <= -0.5:
        return "does not hold"
    return "no clear difference"


def verdicts(r):
    """What the numbers say about the paper's two findings, either way."""
    out = []
    zs = r["zeroshot"]
    if zs["top1_no_platt"] is not None and zs["top1_platt"] is not None:
        gain = 100 * (zs["top1_platt"] - zs["top1_no_platt"])
        out.append(f"- Platt scaling helps zero-shot transfer (paper, Table 3): {verdict(gain)} "
                   f"here ({pct(zs['top1_no_platt'])}% -> {pct(zs['top1_platt'])}%, "
                   f"{gain:+.1f} points).")
    ft = r["finetune"]
    gains = {p: None if ft["pretrained"][p] is None or ft["scratch"][p] is None
             else 100 * (ft["pretrained"][p] - ft["scratch"][p]) for p in PERCENTS}
    if all(g is not None for g in gains.values()):
        listed = ", ".join(f"{p}%: {gains[p]:+.1f}" for p in PERCENTS)
        out.append(f"- Pre-training helps (paper, Table 2): {verdict(min(gains.values()))} here "
                   f"(gain over scratch in points, {listed}).")
        # "Most at 1%": the 1% gain exceeds both others by at least half a point.
        margin = gains["1"] - max(gains["10"], gains["100"])
        out.append(f"- It helps most when labels are few (paper, Table 2): {verdict(margin)} "
                   f"here (the 1% gain minus the larger of the others: {margin:+.1f} points).")
    out.append("- Scale: minutes of pre-training on 60,000 28x28 pictures with about 50 hashtag "
               "classes, not the paper's 3.6B images: these numbers exercise the pipeline; they "
               "are no test of the paper's claims.")
    return out


def main():
    run = sys.argv[1]
    zs = {k: load(os.path.join(run, "zeroshot", f"{k}.json")) for k in ("no_platt", "platt")}
    results = {"zeroshot": {f"top1_{k}": v["top1"] if v else None for k, v in zs.items()},
               "finetune": {}}
    for init, _ in INITS:
        results["finetune"][init] = {}
        for p in PERCENTS:
            r = load(os.path.join(run, "finetune", f"{init}-{p}", "results.json"))
            results["finetune"][init][p] = r["top1"] if r and "top1" in r else None
    wall = 0
    if os.path.exists(os.path.join(run, "timings.tsv")):
        with open(os.path.join(run, "timings.tsv")) as f:
            wall = sum(int(line.split("\t")[1]) for line in f if line.strip())
    results["wall_seconds"] = wall
    pre = load(os.path.join(run, "pretrain", "results.json")) or {}
    example = load(os.path.join(run, "finetune", "scratch-100", "results.json")) or {}

    lines = ["# The demo: SWAG's pipeline on Fashion-MNIST with hashtags", "",
             f"Pre-training: {pre.get('model', '-')}, {pre.get('steps', '-')} steps, "
             f"{pre.get('samples_seen', '-')} samples, {pre.get('world_size', '-')} ranks. "
             f"Fine-tuning: {example.get('steps', '-')} steps each. Evaluation: the "
             f"{zs['platt']['n'] if zs['platt'] else '-'} test pictures, top-1 accuracy (%). "
             f"Stage times summed over runs: {wall} s.", "",
             "## Zero-shot transfer (shaped like the paper's Table 3)", "",
             "| model | Platt scaling | Fashion-MNIST top-1 | top-5 |", "|---|---|---|---|"]
    for k, label in (("no_platt", "no"), ("platt", "yes")):
        v = zs[k]
        lines.append(f"| {pre.get('model', '-')} (demo hashtags) | {label} | "
                     f"{pct(v['top1'] if v else None)} | {pct(v['top5'] if v else None)} |")
    lines += ["", "## Fine-tuning with 1%, 10% and 100% of the labels (shaped like the paper's "
              "Table 2)", "", "| initialization | 1% | 10% | 100% |", "|---|---|---|---|"]
    for init, label in INITS:
        cells = " | ".join(pct(results["finetune"][init][p]) for p in PERCENTS)
        lines.append(f"| {label} | {cells} |")
    lines += ["", "## Do the paper's findings hold at this scale?", "", *verdicts(results), ""]
    report = "\n".join(lines)
    for name, text in (("results.json", json.dumps(results, indent=2) + "\n"),
                       ("report.md", report)):
        tmp = os.path.join(run, name + ".tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, os.path.join(run, name))
    print(report)
    print(f"swag demo: report in {os.path.join(run, 'report.md')}, figures in "
          f"{os.path.join(run, 'results.json')}")


if __name__ == "__main__":
    main()
