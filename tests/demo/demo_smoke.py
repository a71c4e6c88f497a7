"""tools/demo.sh end to end with tiny settings, twice.

    demo_smoke.py DEMO_SH SWAG_EXE WORK      (/usr/bin/python3)

The first run goes through every stage and writes results.json and report.md; the second finds
every stage done and only rewrites the report, with the same figures.
"""
import json
import os
import re
import shutil
import subprocess
import sys


def main():
    demo, swag, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    out = os.path.join(work, "demo")
    env = dict(os.environ, SWAG=os.path.abspath(swag), SWAG_DEMO_DIR=out,
               SWAG_DEMO_DATA=os.path.join(work, "demo-data"), DEMO_TRAIN_LIMIT="2000",
               DEMO_TEST_LIMIT="300", SWAG_DEMO_PRETRAIN_STEPS="20",
               SWAG_DEMO_FINETUNE_STEPS="8 8 8", SWAG_DEMO_SEEDS="0 1 / 0 / 0")
    # a malformed seed list stops the job before any stage, with exit 2 (doc/cli.md)
    bad = subprocess.run(["bash", demo], env=dict(env, SWAG_DEMO_SEEDS="0 1 2"),
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "swag: error: SWAG_DEMO_SEEDS" in bad.stderr, bad
    assert not os.path.exists(out), os.listdir(out)
    runs = []
    for _ in range(2):
        r = subprocess.run(["bash", demo], env=env, capture_output=True, text=True, timeout=560)
        assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        runs.append(r.stdout)
        results = json.load(open(os.path.join(out, "results.json")))
        zs, ft = results["zeroshot"], results["finetune"]
        accuracies = [zs["top1_no_platt"], zs["top1_platt"]] + [
            ft[init][p] for init in ("pretrained", "zs_init", "scratch") for p in ("1", "10", "100")]
        assert all(isinstance(a, float) and 0 <= a <= 1 for a in accuracies), results
        assert results["seeds"] == {"1": [0, 1], "10": [0], "100": [0]}, results["seeds"]
        assert results["finetune_std"]["scratch"]["10"] is None, results  # one seed: no std
        assert isinstance(results["finetune_std"]["scratch"]["1"], float), results
        assert 0 <= results["linear_probe"] <= 1, results
        for k in ("top1_no_platt", "top1_platt"):
            low, high = results["zeroshot_interval"][k]
            assert low <= zs[k] <= high, (k, results["zeroshot_interval"])
        assert results["wall_seconds"] > 0, results
        runs.append(results)
    first, second = runs[1], runs[3]
    assert first == second, (first, second)
    stages = len(re.findall(r"^swag demo: .*: \d+ s \(load average", runs[0], re.M))  # timed
    assert "done already" not in runs[0], runs[0]
    # every stage of the first run: data, mapping, pre-training, 2 zero-shot, the probe, and
    # 3 initializations x (2 + 1 + 1) seeded fine-tunes
    assert runs[2].count("done already") == 18 == stages, (stages, runs[2])
    report = open(os.path.join(out, "report.md")).read()
    for needed in ("Zero-shot transfer", "| 1% | 10% | 100% |", "findings at this scale",
                   "](finetune.png)", "](zeroshot.png)"):
        assert needed in report, report
    for p in ("1", "10", "100"):  # the fine-tunes used the requested share of the labels
        r = json.load(open(os.path.join(out, "finetune", f"scratch-{p}", "seed-0",
                                        "results.json")))
        assert r["labelled_images"] == round(2000 * int(p) / 100) and r["n"] == 300, r
    print(f"ok: {stages} stages, then a rerun that repeats none; report and results.json agree")


if __name__ == "__main__":
    main()
