"""tools/demo.sh at its real settings: the paper's three findings hold beyond their noise.

    demo_findings.py DEMO_SH SWAG_EXE WORK      (/usr/bin/python3)

Runs the whole main job into WORK, checks results.json against the per-seed runs it sums up,
then asserts from the per-seed accuracies and the zero-shot counts: Platt scaling lifts
zero-shot top-1 above both 95% intervals; pre-training's gain over scratch exceeds two standard
errors at 1%, 10% and 100%; the gain at 1% exceeds the larger other one by two standard errors;
scratch on all labels reaches 90%; fine-tuning from the pre-trained model does not trail the
linear probe. Last, one fine-tune runs again from its config.toml and must give the same top-1.
"""
import glob
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

PERCENTS = ("1", "10", "100")


def seeds_top1(out, init, percent):
    paths = sorted(glob.glob(os.path.join(out, "finetune", f"{init}-{percent}", "seed-*",
                                          "results.json")))
    return [json.load(open(p))["top1"] for p in paths]


def gain_and_se(out, percent):
    pre, scr = seeds_top1(out, "pretrained", percent), seeds_top1(out, "scratch", percent)
    assert len(pre) >= 2 and len(scr) >= 2, (percent, pre, scr)
    se = math.sqrt(statistics.variance(pre) / len(pre) + statistics.variance(scr) / len(scr))
    return statistics.mean(pre) - statistics.mean(scr), se


def main():
    demo, swag, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    out = os.path.join(work, "demo")
    env = dict(os.environ, SWAG=os.path.abspath(swag), SWAG_DEMO_DIR=out,
               SWAG_DEMO_DATA=os.path.join(work, "demo-data"))
    r = subprocess.run(["bash", demo], env=env, capture_output=True, text=True, timeout=3500)
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    print(r.stdout[r.stdout.find("# The demo"):])
    results = json.load(open(os.path.join(out, "results.json")))

    # results.json sums up the runs: means and standard deviations over the seeds
    for init in ("pretrained", "zs_init", "scratch"):
        for p in PERCENTS:
            top1 = seeds_top1(out, init, p)
            assert len(top1) >= 2, (init, p, top1)
            assert math.isclose(results["finetune"][init][p], statistics.mean(top1)), (init, p)
            assert math.isclose(results["finetune_std"][init][p], statistics.stdev(top1)), (init, p)
    assert all(len(results["seeds"][p]) >= 2 for p in PERCENTS) and \
        len(results["seeds"]["1"]) >= 3, results["seeds"]

    # zero-shot: the bootstrap interval against the normal approximation of a proportion
    zs = {k: json.load(open(os.path.join(out, "zeroshot", f"{k}.json")))
          for k in ("no_platt", "platt")}
    for k, z in zs.items():
        half = 1.96 * math.sqrt(z["top1"] * (1 - z["top1"]) / z["n"])
        low, high = results["zeroshot_interval"][f"top1_{k}"]
        assert abs(low - (z["top1"] - half)) < 0.003 and abs(high - (z["top1"] + half)) < 0.003, \
            (k, z["top1"], low, high)
    assert results["zeroshot_interval"]["top1_platt"][0] > \
        results["zeroshot_interval"]["top1_no_platt"][1], results["zeroshot_interval"]

    # pre-training helps at every fraction, most at 1%
    gains = {p: gain_and_se(out, p) for p in PERCENTS}
    for p, (g, se) in gains.items():
        assert g > 2 * se, f"pre-training's gain at {p}%: {g:+.4f} ± {se:.4f}"
    other = max(("10", "100"), key=lambda p: gains[p][0])
    margin = gains["1"][0] - gains[other][0]
    assert margin > 2 * math.hypot(gains["1"][1], gains[other][1]), (gains, other)

    # the recipe's targets
    assert results["finetune"]["scratch"]["100"] >= 0.90, results["finetune"]["scratch"]
    assert results["finetune"]["pretrained"]["100"] >= results["linear_probe"], results
    report = open(os.path.join(out, "report.md")).read()
    assert report.count("**holds**") == 3, report
    for figure in ("finetune.png", "zeroshot.png"):
        assert f"]({figure})" in report
        assert open(os.path.join(out, figure), "rb").read(8) == b"\x89PNG\r\n\x1a\n", figure

    # deterministic for a given build: one fine-tune again, from its own config.toml
    run_dir = os.path.join(out, "finetune", "pretrained-1", "seed-0")
    rerun = os.path.join(work, "rerun")
    r = subprocess.run(["mpirun", "-n", "2", swag, "finetune", "--config",
                        os.path.join(run_dir, "config.toml"), f"run.dir={rerun}"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    first = json.load(open(os.path.join(run_dir, "results.json")))
    again = json.load(open(os.path.join(rerun, "results.json")))
    assert first["top1"] == again["top1"] and first["top1_raw"] == again["top1_raw"], \
        (first["top1"], again["top1"])
    print(f"ok: the three findings hold; gains {gains}; the rerun fine-tune repeats top-1 "
          f"{first['top1']}")


if __name__ == "__main__":
    main()
