"""postprocess/ on a synthetic set of run directories, finished and partial.

    test_postprocess.py REPO WORKDIR CASE [SWAG]   (/usr/bin/python3: matplotlib)

Cases:
  sweep   postprocess/sweep.py: count, list, cell expansion, base merging, ${VAR} expansion,
          out-of-range and bad-file errors, best cell per dataset
  report  postprocess/report.py: Tables 1-9 in Markdown, LaTeX and CSV with the expected cells
          ("-" where results are missing), the paper's tables, Figures 2-7 (linear probes,
          sync-BN groups, the country and association analyses' JSON)
  decks   a cell per dataset of each shipped finetune sweep (inputs/sweeps/) passes
          `SWAG check-config --kind finetune` with its deck and overrides
"""
import csv
import json
import os
import shutil
import struct
import subprocess
import sys

PY = sys.executable


def sh(*args, expect=0, env=None):
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == expect, f"{args}: exit {p.returncode}, expected {expect}\n{p.stdout}\n{p.stderr}"
    return p


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def write_json(path, obj):
    write(path, json.dumps(obj))


SWEEP_BASE = """
[sweep]
kind = "finetune"
[params]
"batch.global" = 512
[[datasets]]
name = "in1k"
"data.train" = "${SWAG_TEST_DATA:-data}/in1k/train"
"data.eval" = "${SWAG_TEST_DATA:-data}/in1k/val"
"schedule.steps" = 20000
[[datasets]]
name = "cub"
"data.train" = "data/cub/train"
"data.eval" = "data/cub/test"
"schedule.steps" = 500
[[datasets]]
name = "inat"
"data.train" = "data/inat/train"
"data.eval" = "data/inat/val"
"schedule.steps" = 10000
[[datasets]]
name = "places"
"data.train" = "data/places/train"
"data.eval" = "data/places/val"
"schedule.steps" = 20000
[grid]
"optim.lr" = [3.0e-3, 6.0e-3]
"""

SWEEP_MODEL = """
[sweep]
base = "base.toml"
name = "t8_16gf"
run_root = "{root}/sweeps/t8_16gf"
[params]
model = "regnety_16gf"
pretrain = "IG 3.6B"
deck = "inputs/finetune/transfer.toml"
init = "{root}/pretrain_regnety_16gf/checkpoints/step-00001000.h5"
"model.resolution" = 384
[[datasets]]
name = "cub"
"schedule.steps" = 600
"""


def make_sweep(work):
    root = os.path.join(work, "runs")
    write(os.path.join(work, "sweeps", "base.toml"), SWEEP_BASE)
    write(os.path.join(work, "sweeps", "t8.toml"), SWEEP_MODEL.format(root=root))
    return os.path.join(work, "sweeps", "t8.toml"), root


def sweep_py(repo):
    return os.path.join(repo, "postprocess", "sweep.py")


def case_sweep(repo, work):
    sweep, root = make_sweep(work)
    s = sweep_py(repo)
    assert sh(PY, s, "count", sweep).stdout.strip() == "8"
    listing = sh(PY, s, "list", sweep).stdout.splitlines()
    assert len(listing) == 8 and "pending" in listing[0], listing
    cell = json.loads(sh(PY, s, "cell", sweep, "3").stdout)
    assert cell["dataset"] == "cub" and cell["grid"] == {"optim.lr": 0.006}, cell
    # the model file's cub entry updates the base's by name; the base's other keys stay
    assert cell["params"]["schedule.steps"] == 600 and cell["params"]["data.train"] == "data/cub/train", cell
    argv = sh(PY, s, "cell", sweep, "3", "--argv").stdout.split("\0")[:-1]
    assert argv[:5] == ["finetune", "--config", "inputs/finetune/transfer.toml", "--init",
                        f"{root}/pretrain_regnety_16gf/checkpoints/step-00001000.h5"], argv
    assert "optim.lr=0.006" in argv and "model.resolution=384" in argv, argv
    assert argv[-1] == f"run.dir={root}/sweeps/t8_16gf/cub/lr-0.006", argv
    # ${VAR:-default} and ${VAR} from the environment; the array task id as the default index
    env = dict(os.environ, SWAG_TEST_DATA="/big/data", SLURM_ARRAY_TASK_ID="1")
    cell = json.loads(sh(PY, s, "cell", sweep, env=env).stdout)
    assert cell["index"] == 1 and cell["params"]["data.train"] == "/big/data/in1k/train", cell
    # nested defaults, and checkpoints/latest naming the newest checkpoint when the cell runs
    write(os.path.join(work, "sweeps", "zs.toml"),
          '[sweep]\nkind = "zeroshot"\nrun_root = "${SWAG_T_RUNS:-${SWAG_T_ROOT:-r}/runs}/zs"\n'
          '[params]\ncheckpoint = "' + work + '/ck/checkpoints/latest"\nvocab = "v"\nmapping = "m"\n'
          'data = "d"\n[grid]\nplatt = [true, false]\n')
    zs = os.path.join(work, "sweeps", "zs.toml")
    cell = json.loads(sh(PY, s, "cell", zs, "0", env=dict(os.environ, SWAG_T_ROOT="/x")).stdout)
    assert cell["run_dir"] == "/x/runs/zs/platt-true", cell
    assert cell["argv"][-2:] == ["--platt", "--json"], cell["argv"]
    assert "--platt" not in json.loads(sh(PY, s, "cell", zs, "1").stdout)["argv"]
    os.makedirs(os.path.join(work, "ck", "checkpoints"))
    write(os.path.join(work, "ck", "checkpoints", "latest"), "step-00000040.h5\n")
    argv = sh(PY, s, "cell", zs, "1", "--argv").stdout.split("\0")
    assert argv[1:3] == ["--checkpoint", f"{work}/ck/checkpoints/step-00000040.h5"], argv
    d = sh(PY, s, "prepare", zs, "1").stdout.strip()
    assert json.load(open(os.path.join(d, "cell.json")))["params"]["checkpoint"].endswith("step-00000040.h5")
    # errors: out of range, no index, bad file, a kind that takes no deck overrides
    err = sh(PY, s, "cell", sweep, "8", expect=2).stderr
    assert err.startswith("swag: error:") and "out of range" in err and "0-7" in err, err
    env = {k: v for k, v in os.environ.items() if k != "SLURM_ARRAY_TASK_ID"}
    assert "SLURM_ARRAY_TASK_ID" in sh(PY, s, "cell", sweep, expect=2, env=env).stderr
    assert "does not exist" in sh(PY, s, "count", os.path.join(work, "nope.toml"), expect=5).stderr
    write(os.path.join(work, "sweeps", "bad.toml"), "[sweep\n")
    assert "not valid TOML" in sh(PY, s, "count", os.path.join(work, "sweeps", "bad.toml"), expect=3).stderr
    write(os.path.join(work, "sweeps", "ev.toml"),
          '[sweep]\nkind = "eval"\nrun_root = "r"\n[params]\ncheckpoint = "c.h5"\ndata = "d"\n'
          '"optim.lr" = 1.0\n')
    assert "only apply to finetune" in sh(PY, s, "count", os.path.join(work, "sweeps", "ev.toml"), expect=3).stderr
    # prepare writes cell.json; best picks the highest top1 per dataset, ignoring unfinished cells
    for i, top1 in ((0, 0.80), (1, 0.85), (2, 0.70)):
        d = sh(PY, s, "prepare", sweep, str(i)).stdout.strip()
        assert json.load(open(os.path.join(d, "cell.json")))["index"] == i
        write_json(os.path.join(d, "results.json"), {"top1": top1, "top5": 0.9, "n": 10, "steps": 5})
    sh(PY, s, "prepare", sweep, "3")  # started, no results
    best = json.loads(sh(PY, s, "best", sweep, "--json").stdout)
    assert set(best) == {"in1k", "cub"}, best
    assert best["in1k"]["grid"] == {"optim.lr": 0.006} and best["in1k"]["top1"] == 0.85, best
    assert best["cub"]["index"] == 2, best
    text = sh(PY, s, "best", sweep).stdout
    assert "inat" in text and "no finished cell" in text, text
    status = {c["index"]: c["status"] for c in json.loads(sh(PY, s, "list", sweep, "--json").stdout)}
    assert status[0] == "done" and status[3] == "started" and status[4] == "pending", status
    # linear-probe cells run in their run directory; eval cells take ReaL and ObjectNet scoring
    write(os.path.join(work, "sweeps", "lp.toml"),
          '[sweep]\nkind = "linear-probe"\nrun_root = "r/lp"\n[params]\ncheckpoint = "c.h5"\n'
          'train = "t"\neval = "e"\ntable = "table7"\n[grid]\nweight_decay = [1e-4, 1e-3]\n')
    argv = sh(PY, s, "cell", os.path.join(work, "sweeps", "lp.toml"), "1", "--argv").stdout.split("\0")[:-1]
    assert argv == ["linear-probe", "--checkpoint", "c.h5", "--train", "t", "--eval", "e",
                    "--weight-decay", "0.001", "--output-dir", "r/lp/weight_decay-0.001", "--json"], argv
    write(os.path.join(work, "sweeps", "lp_bad.toml"), '[sweep]\nkind = "linear-probe"\nrun_root = "r"\n'
          '[params]\ncheckpoint = "c.h5"\ntrain = "t"\n')
    err = sh(PY, s, "count", os.path.join(work, "sweeps", "lp_bad.toml"), expect=3).stderr
    assert "lacks eval" in err, err
    write(os.path.join(work, "sweeps", "real.toml"),
          '[sweep]\nkind = "eval"\nrun_root = "r"\n[params]\ncheckpoint = "c.h5"\ndata = "d"\n'
          '[[datasets]]\nname = "real"\nreal_labels = "real.json"\n'
          '[[datasets]]\nname = "objectnet"\nobjectnet_mapping = "on.json"\n')
    real = os.path.join(work, "sweeps", "real.toml")
    assert sh(PY, s, "cell", real, "0", "--argv").stdout.split("\0")[-3:-1] == ["real.json", "--json"]
    assert "--objectnet-mapping" in sh(PY, s, "cell", real, "1", "--argv").stdout.split("\0")
    print("ok: sweep count/list/cell/prepare/best and errors")


def make_runs(repo, work):
    """A small world of runs: a finished and a partial pre-training, a Table 8 sweep with
    finished, partial and missing cells, 1%/10% fine-tunes, zero-shot cells, benchmarks and the
    demo main job's summary."""
    sweep, root = make_sweep(work)
    s = sweep_py(repo)
    # pre-training of regnety_16gf, finished; vit_b16, partial (killed: torn last metrics line)
    pre = os.path.join(root, "pretrain_regnety_16gf")
    write(os.path.join(pre, "config.toml"),
          '[run]\ndir = "x"\n[model]\nname = "regnety_16gf"\nresolution = 224\n'
          '[data]\ndir = "data/ig/shards"\n[batch]\nglobal = 8192\n[schedule]\nsteps = 2000\n')
    write(os.path.join(pre, "metrics.jsonl"), "".join(
        json.dumps({"step": st, "loss": 9.0 - st / 500, "lr": 0.1, "images_per_s": 5000.0, "wall_s": st})
        + "\n" for st in range(100, 2001, 100)))
    write_json(os.path.join(pre, "results.json"), {"model": "regnety_16gf", "steps": 2000,
                                                   "samples_seen": 2000 * 8192, "world_size": 128,
                                                   "checkpoint": "checkpoints/step-00002000.h5"})
    vit = os.path.join(root, "pretrain_vit_b16")
    write(os.path.join(vit, "config.toml"),
          '[model]\nname = "vit_b16"\nresolution = 224\n[batch]\nglobal = 8192\n[schedule]\nsteps = 100\n')
    write(os.path.join(vit, "metrics.jsonl"),
          json.dumps({"step": 10, "loss": 9.5, "lr": 1e-4, "images_per_s": 100.0, "wall_s": 1}) + "\n"
          + '{"step": 20, "lo')
    # the sweep: in1k 0.003 -> 85.0, 0.006 -> 86.0 (best); cub 0.003 -> 88.3 (best), 0.006 -> 87.0;
    # inat lr 0.003 partial (config and metrics only); places nothing
    for i, top1 in ((0, 0.85), (1, 0.86), (2, 0.883), (3, 0.87)):
        d = sh(PY, s, "prepare", sweep, str(i)).stdout.strip()
        cell = json.loads(sh(PY, s, "cell", sweep, str(i)).stdout)
        p = cell["params"]
        write(os.path.join(d, "config.toml"),
              f'[model]\nname = "regnety_16gf"\nresolution = 384\n[data]\ntrain = "{p["data.train"]}"\n'
              f'eval = "{p["data.eval"]}"\nfraction = 1.0\n[optim]\nlr = {p["optim.lr"]}\n')
        write_json(os.path.join(d, "results.json"), {"top1": top1, "top5": 0.97, "n": 1000, "steps": 10})
    d = sh(PY, s, "prepare", sweep, "4").stdout.strip()
    write(os.path.join(d, "config.toml"), '[model]\nname = "regnety_16gf"\nresolution = 384\n'
          '[data]\ntrain = "data/inat/train"\neval = "data/inat/val"\n')
    write(os.path.join(d, "metrics.jsonl"), json.dumps({"step": 5, "loss": 3.0}) + "\n")
    # Table 2: ImageNet-1k with 1% and 10% of the labels, started from the checkpoint at step
    # 1000 (a second point for Figure 3) and from the final one
    for frac, top1, approach, ck in ((0.01, 0.776, "ZS-Init.+Ft.", 1000), (0.1, 0.804, "Finetune", 2000),
                                     (0.01, 0.723, "Finetune", 2000)):
        d = os.path.join(root, "frac", f"{approach}-{frac}")
        ckpt = f"{pre}/checkpoints/step-{ck:08d}.h5"
        head = "zeroshot" if approach == "ZS-Init.+Ft." else "new"
        # as `swag finetune` writes them, run by hand (no cell.json): init.* in the deck
        write(os.path.join(d, "config.toml"),
              f'[model]\nname = "regnety_16gf"\nresolution = 224\n[init]\ncheckpoint = "{ckpt}"\n'
              f'head = "{head}"\n[data]\ntrain = "data/in1k/train"\n'
              f'eval = "data/in1k/val"\nfraction = {frac}\n[optim]\nlr = 0.01\n')
        write_json(os.path.join(d, "results.json"), {
            "model": "regnety_16gf", "resolution": 224, "init": ckpt, "head": head, "fraction": frac,
            "top1": top1, "top5": 0.9, "n": 50000, "steps": 10})
    # Table 3: zero-shot on IN-1k with and without Platt, and ObjectNet with Platt
    for ds, platt, top1 in (("in1k", True, 0.725), ("in1k", False, 0.607), ("objectnet", True, 0.451)):
        d = os.path.join(root, "zeroshot", f"{ds}-{platt}")
        write_json(os.path.join(d, "cell.json"), {
            "kind": "zeroshot", "dataset": ds, "params": {
                "model": "regnety_16gf", "platt": platt, "checkpoint": f"{pre}/checkpoints/step-00002000.h5"}})
        write_json(os.path.join(d, "results.json"), {"top1": top1, "top5": 0.9, "n": 50000})
    # Table 5 / Figure 2: benchmarks
    for mode, res, ips in (("infer", 384, 1401.0), ("train", 224, 989.0), ("infer", 224, 4562.0)):
        d = os.path.join(root, "bench", f"{mode}-{res}")
        write_json(os.path.join(d, "cell.json"), {"kind": "bench", "dataset": "bench",
                                                  "params": {"model": "regnety_16gf"}})
        write_json(os.path.join(d, "results.json"), {"images_per_s": ips, "model": "regnety_16gf",
                                                     "mode": mode, "batch": 64, "resolution": res})
    # the demo main job: runs/demo/results.json beside its pre-training run
    demo = os.path.join(root, "demo")
    write(os.path.join(demo, "pretrain", "config.toml"),
          '[model]\nname = "regnety_400mf"\nresolution = 32\n[data]\nsource = "shards"\n'
          'dir = "runs/demo-data/train/shards"\n[batch]\nglobal = 64\n[schedule]\nsteps = 300\n')
    write(os.path.join(demo, "pretrain", "metrics.jsonl"), "".join(
        json.dumps({"step": st, "loss": 4 - st / 100, "lr": 0.02, "images_per_s": 90.0, "wall_s": st})
        + "\n" for st in (20, 40, 60)))
    write_json(os.path.join(demo, "pretrain", "results.json"),
               {"model": "regnety_400mf", "steps": 300, "samples_seen": 19200, "world_size": 2,
                "checkpoint": "checkpoints/step-00000300.h5"})
    # one of the demo main job's fine-tunes, as swag finetune leaves it (no cell.json)
    ft = os.path.join(demo, "finetune", "pretrained-100")
    write(os.path.join(ft, "config.toml"),
          f'[model]\nname = "regnety_400mf"\nresolution = 32\n[init]\n'
          f'checkpoint = "{demo}/pretrain/checkpoints/step-00000300.h5"\nhead = "new"\n'
          '[data]\ntrain = "runs/demo-data/train/labelled_shards"\neval = "runs/demo-data/test/shards"\n'
          'fraction = 1.0\n[optim]\nlr = 0.1\n')
    write_json(os.path.join(ft, "results.json"), {"model": "regnety_400mf", "resolution": 32, "head": "new",
                                                  "fraction": 1.0, "top1": 0.875, "top5": 0.99, "n": 10000,
                                                  "steps": 150})
    write_json(os.path.join(demo, "results.json"), {
        "zeroshot": {"top1_no_platt": 0.412, "top1_platt": 0.5},
        "finetune": {"pretrained": {"1": 0.70, "10": 0.80, "100": 0.875},
                     "zs_init": {"1": 0.72, "10": 0.81, "100": 0.87},
                     "scratch": {"1": 0.55, "10": None, "100": 0.85}},
        "wall_seconds": 600})
    make_paper_sweeps_runs(root)
    return root


def cell_run(path, kind, dataset, params, results=None, config=None):
    """A run directory as a sweep cell leaves it: cell.json, and results.json when finished."""
    write_json(os.path.join(path, "cell.json"), {"kind": kind, "dataset": dataset, "params": params})
    if config:
        write(os.path.join(path, "config.toml"), config)
    if results is not None:
        write_json(os.path.join(path, "results.json"), results)


def make_paper_sweeps_runs(root):
    """Cells of the Table 4/7/9 and Figure 3/4 sweeps, some finished, some not, and the outputs of
    the country and association analyses."""
    lp = os.path.join(root, "sweeps")
    # Table 4: two rows finished, one started; Table 7: two cells of one model, one of another
    for row, top1 in (("baseline", 0.749), ("alpha-0.7", 0.766), ("alpha-0.5", None)):
        cell_run(os.path.join(lp, "table4", row), "linear-probe", row,
                 {"table": "table4", "model": "regnety_8gf", "checkpoint": f"{root}/t4/{row}.h5"},
                 None if top1 is None else {"top1": top1, "top5": 0.9, "n": 50000})
    for model, ds, top1 in (("regnety_8gf", "ig-0.2b", 0.815), ("regnety_8gf", "ig-1.4b", 0.813),
                            ("vit_b16", "ig-0.4b", 0.807)):
        cell_run(os.path.join(lp, f"table7_{model}", ds), "linear-probe", ds,
                 {"table": "table7", "model": model, "checkpoint": "c.h5"},
                 {"top1": top1, "top5": 0.9, "n": 50000})
    # Figure 3: one model's probes at two sample counts (a training speed from the benchmarks)
    for ds, samples, top1 in (("1b", 1e9, 0.80), ("2b", 2e9, 0.82)):
        cell_run(os.path.join(lp, "figure3_regnety_16gf", ds), "linear-probe", ds,
                 {"table": "figure3", "model": "regnety_16gf", "samples": samples, "checkpoint": "c.h5"},
                 {"top1": top1, "top5": 0.9, "n": 50000})
    # Table 9: RegNetY 16GF on IN-1k, ReaL and ObjectNet; its v2 cell unfinished
    for ds, top1 in (("in1k", 0.860), ("real", 0.899), ("objectnet", 0.590), ("inv2", None)):
        cell_run(os.path.join(lp, "table9_regnety_16gf", ds), "eval", ds,
                 {"table": "table9", "model": "regnety_16gf", "checkpoint": "m.h5"},
                 None if top1 is None else {"top1": top1, "top5": 0.97, "n": 50000, "scoring": "real"})
    # Figure 4: 64 ranks x 8 images; groups of 1, 8 and all (0) ranks
    for group, top1 in ((1, 0.871), (8, 0.878), (0, 0.881)):
        cell_run(os.path.join(lp, "figure4", f"sync_group-{group}"), "finetune", "in1k",
                 {"table": "figure4", "model": "regnety_128gf", "bn.sync_group": group,
                  "batch.global": 512, "init": "x.h5"},
                 {"top1": top1, "top5": 0.98, "n": 50000, "world_size": 64},
                 '[model]\nname = "regnety_128gf"\n[batch]\nglobal = 512\n[bn]\nsync = true\n')
    # the analyses' outputs (the layout of doc/analysis.md)
    write_json(os.path.join(root, "analysis", "fairness", "country_fairness.json"), {
        "per_country": {"ca": {"n": 40, "top1": 0.7, "correct": 28, "ci95": [0.55, 0.82]},
                        "in": {"n": 50, "top1": 0.6, "correct": 30, "ci95": [0.46, 0.72]}},
        "eighty_percent": {"ca": {"ca": 0.0, "in": 0.25}, "in": {"ca": None, "in": 0.0}},
        "min_images": 5, "rule": 0.8, "n": 90, "top1": 0.644})
    write_json(os.path.join(root, "analysis", "assoc", "associations.json"), {
        "attribute": "age", "k": 5, "groups": {
            g: {"n_images": 10, "top": [{"hashtag": h, "rate": 0.5, "rate_others": 0.25,
                                         "abs_diff": 0.25, "rel_diff": 1.0} for h in ("a", "b")]}
            for g in ("20", "60")}})


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], {tuple(r[:1]) if True else None: r for r in rows[1:]}, rows


def row(rows, *key):
    for r in rows[1:]:
        if tuple(r[:len(key)]) == key:
            return dict(zip(rows[0], r))
    raise AssertionError(f"no row {key} in {[r[:len(key)] for r in rows[1:]]}")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def case_report(repo, work):
    root = make_runs(repo, work)
    out = os.path.join(work, "report")
    p = sh(PY, os.path.join(repo, "postprocess", "report.py"), "--runs", root, "--out", out)
    assert "tables 1-9, figures 2-7" in p.stdout, p.stdout
    for t in ("table1", "table2", "table3", "table4", "table5", "table6", "table7", "table8", "table9"):
        for suffix in ("", "_paper"):
            for ext in ("md", "tex", "csv"):
                path = os.path.join(out, f"{t}{suffix}.{ext}")
                assert os.path.getsize(path) > 0, path

    def rows(name):
        with open(os.path.join(out, name + ".csv"), newline="") as f:
            return list(csv.reader(f))

    t1 = rows("table1")
    assert t1[0][:9] == ["Model", "Pre-training", "Res. pre.", "Res. fine.", "IN-1k", "IN-5k", "iNat.",
                         "Places", "CUB"], t1[0]
    r = row(t1, "RegNetY 16GF")
    assert (r["Pre-training"], r["Res. pre."], r["Res. fine."]) == ("IG 3.6B", "224", "384"), r
    assert (r["IN-1k"], r["CUB"], r["IN-5k"], r["iNat."], r["Places"]) == ("86.0", "88.3", "-", "-", "-"), r
    assert (r["Throughput (images/s)"], r["FLOPs (B)"], r["Params (M)"]) == ("1401", "46.7", "83.6"), r
    # the paper's models are listed without results; a partial pre-training shows up without cells
    r = row(t1, "ViT H/14")
    assert all(v == "-" for k, v in r.items() if k != "Model"), r
    r = row(t1, "ViT B/16")
    assert r["Pre-training"] == "-" and r["Res. pre."] == "224" and r["IN-1k"] == "-", r
    r = row(t1, "RegNetY 400MF")   # the demo: its data named after the shards' folder
    assert (r["Pre-training"], r["Res. pre."], r["Res. fine."]) == ("demo-data", "32", "32"), r
    assert r["fashion-mnist"] == "87.5" and t1[0][9] == "fashion-mnist", (r, t1[0])
    assert [x[0] for x in t1[1:7]] == ["ViT H/14", "ViT L/16", "ViT B/16", "RegNetY 128GF",
                                       "RegNetY 32GF", "RegNetY 16GF"], t1

    t2 = rows("table2")
    assert t2[0] == ["Model", "Transfer", "1%", "10%", "100%"], t2[0]
    assert list(row(t2, "RegNetY 16GF", "ZS-Init.+Ft.").values())[2:] == ["77.6", "-", "-"]
    # 100%: the best full-data ImageNet-1k fine-tune of the sweep
    assert list(row(t2, "RegNetY 16GF", "Finetune").values())[2:] == ["72.3", "80.4", "86.0"]
    assert list(row(t2, "RegNetY 128GF", "Finetune").values())[2:] == ["-", "-", "-"]
    assert list(row(t2, "RegNetY 400MF", "Finetune (fashion-mnist)").values())[2:] == ["70.0", "80.0", "87.5"]
    assert list(row(t2, "RegNetY 400MF", "Scratch (fashion-mnist)").values())[2:] == ["55.0", "-", "85.0"]
    assert list(row(t2, "RegNetY 400MF", "ZS-Init.+Ft. (fashion-mnist)").values())[2:] == ["72.0", "81.0", "87.0"]
    assert not [r for r in t2 if "cub" in r[1]], t2   # full-data fine-tunes of other datasets: Table 1

    t3 = rows("table3")
    assert t3[0] == ["Model", "Platt", "IN-1k", "ReaL-IN", "IN-v2", "ObjectNet", "fashion-mnist"], t3[0]
    assert list(row(t3, "RegNetY 16GF", "Yes").values())[2:] == ["72.5", "-", "-", "45.1", "-"]
    assert list(row(t3, "RegNetY 16GF", "No").values())[2:] == ["60.7", "-", "-", "-", "-"]
    assert list(row(t3, "RegNetY 400MF", "Yes").values())[2:] == ["-", "-", "-", "-", "50.0"]
    assert list(row(t3, "RegNetY 400MF", "No").values())[2:] == ["-", "-", "-", "-", "41.2"]
    assert row(t3, "ViT H/14", "Yes")["IN-1k"] == "-"

    t5 = rows("table5")
    r = row(t5, "RegNetY 16GF", "384")
    assert (r["FLOPs (B)"], r["Params (M)"], r["Acts (M)"], r["Train (images/s)"], r["Test (images/s)"]) == \
        ("46.7", "83.6", "67.7", "-", "1401"), r
    r = row(t5, "RegNetY 16GF", "224")
    assert (r["Train (images/s)"], r["Test (images/s)"]) == ("989", "4562"), r
    assert row(t5, "ViT H/14", "518")["FLOPs (B)"] == "1016.7"
    r = row(t5, "RegNetY 400MF", "32")   # not in the reference: no sizes without --swag
    assert r["FLOPs (B)"] == "-", r

    t8 = rows("table8")
    r = row(t8, "RegNetY 16GF")
    assert (r["IN-1k"], r["CUB"], r["iNat."], r["Places"], r["IN-5k"]) == ("6.0E-3", "3.0E-3", "-", "-", "-"), r
    assert all(v == "-" for k, v in row(t8, "ViT L/16").items() if k != "Model")

    t4 = rows("table4")
    assert [r[3] for r in t4[1:]] == ["74.9", "76.6", "-", "-", "-"], t4   # alpha-0.5 unfinished
    assert t4[1][:3] == ["Baseline [49]", "17K", "-"], t4
    t6 = rows("table6")
    r = row(t6, "RegNetY 8GF")
    assert (r["IN-1k"], r["IG → IN-1k"]) == ("-", "-"), r
    assert all(v == "-" for k, v in row(t6, "DenseNet-264").items() if k != "Model")
    t7 = rows("table7")
    assert t7[0][:7] == ["Dataset", "Unique images", "Epochs", "RegNetY 8GF", "RegNetY 32GF", "ViT B/16",
                         "ViT L/16"], t7[0]
    assert row(t7, "IG-0.2B")["RegNetY 8GF"] == "81.5" and row(t7, "IG-1.4B")["RegNetY 8GF"] == "81.3"
    assert row(t7, "IG-0.4B")["ViT B/16"] == "80.7" and row(t7, "IG-0.4B")["RegNetY 8GF"] == "-"
    t9 = rows("table9")
    assert t9[0] == ["Model", "IN-1k", "ReaL-IN", "IN-v2", "ObjectNet"], t9[0]
    assert list(row(t9, "RegNetY 16GF").values())[1:] == ["86.0", "89.9", "-", "59.0"]
    assert all(v == "-" for k, v in row(t9, "ViT H/14").items() if k != "Model")
    assert row(rows("table9_paper"), "RegNetY 128GF")["ObjectNet"] == "68.5"
    assert row(rows("table7_paper"), "IG-0.7B")["ViT L/16"] == "83.5"
    assert row(rows("table4_paper"), "+ Larger hashtag vocab.")["IN-1k Accuracy"] == "77.0"

    # the paper's tables, same shapes
    p1 = rows("table1_paper")
    r = row(p1, "RegNetY 128GF")
    assert (r["IN-1k"], r["IN-5k"], r["iNat."], r["Places"], r["CUB"], r["Throughput (images/s)"]) == \
        ("88.2", "60.9", "85.7", "60.1", "90.8", "307"), r
    assert row(p1, "EfficientNet L2 (800)")["IN-5k"] == "-"
    assert row(rows("table3_paper"), "RegNetY 128GF", "Yes")["IN-1k"] == "75.3"
    assert row(rows("table8_paper"), "RegNetY 16GF")["IN-5k"] == "1.2E-2"
    assert row(rows("table2_paper"), "RegNetY 16GF", "ZS-Init.+Ft.")["1%"] == "77.6"

    # Markdown and LaTeX carry the same cells
    md = open(os.path.join(out, "table1.md")).read()
    assert "| RegNetY 16GF | IG 3.6B | 224 | 384 | 86.0 | - | - | - | 88.3 | - | 1401 | 46.7 | 83.6 |" in md, md
    tex = open(os.path.join(out, "table1.tex")).read()
    assert r"\begin{tabular}" in tex and r"RegNetY 16GF & IG 3.6B & 224 & 384 & 86.0 & - & - & - & 88.3 & -" in tex, tex
    assert r"Throughput (images/s)" in tex
    assert "Res. fine." in open(os.path.join(out, "table1.tex")).read()

    # the runs list marks the partial ones; the report page has everything
    runs = rows("runs")
    status = {r[0].split("/runs/")[-1] if "/runs/" in r[0] else r[0]: r[4] for r in runs[1:]}
    assert any(v.startswith("partial (step 10)") for v in status.values()), status
    assert any(v.startswith("partial (step 5)") for v in status.values()), status
    page = open(os.path.join(out, "report.md")).read()
    for needle in ("Table 1. Transfer accuracy", "Table 8 (paper)", "figure2.png", "figure3.png",
                   "Sweep ", "4 of 8 cells done", "Table 9. ImageNet robustness", "Table 4 (paper",
                   "figure7.png", "Figures 5 and 6 from", "country_fairness.json"):
        assert needle in page, needle

    sys.path.insert(0, os.path.join(repo, "postprocess"))
    import report as rp
    runs = rp.collect([root])
    res = rp.Results(runs, rp.Sizes(os.path.join(repo, "postprocess", "reference", "models.json")))
    sync = sorted((rp.sync_batch(r), r.results["top1"]) for r in res.sync_bn)
    assert sync == [(8, 0.871), (64, 0.878), (512, 0.881)], sync
    probes = sorted(rp.probe_samples(res, r) for r in res.probes if r.params.get("table") == "figure3")
    assert probes == [1e9, 2e9], probes
    paper = json.load(open(os.path.join(repo, "postprocess", "reference", "paper_tables.json")))
    # GPU-days: the benchmark's train speed at 224 (one device, 989 images/s), else the paper's
    # Table 5 (one node of 8 GPUs; ViT B/16 at 224: 2,247 images/s)
    assert abs(rp.training_days(res, paper, "regnety_16gf", 1e9) - 1e9 / 989 / 86400) < 1e-9
    assert abs(rp.training_days(res, paper, "vit_b16", 1e9) - 1e9 / 2247 * 8 / 86400) < 1e-9

    for fig, min_w in (("figure2.png", 1000), ("figure3.png", 1200), ("figure4.png", 500),
                       ("figure5.png", 400), ("figure6.png", 400), ("figure7.png", 700)):
        w, h = png_size(os.path.join(out, fig))
        assert w >= min_w and h >= 300, (fig, w, h)
        assert os.path.getsize(os.path.join(out, fig)) > 15000, fig

    # partial results only: the templates still render, every cell "-"
    empty = os.path.join(work, "empty_runs")
    os.makedirs(os.path.join(empty, "a"))
    write(os.path.join(empty, "a", "metrics.jsonl"), '{"step": 1, "loss": 2}\n')
    out2 = os.path.join(work, "report_empty")
    sh(PY, os.path.join(repo, "postprocess", "report.py"), "--runs", empty, "--out", out2)
    with open(os.path.join(out2, "table1.csv"), newline="") as f:
        t = list(csv.reader(f))
    assert len(t) == 7 and all(v == "-" for r in t[1:] for v in r[1:]), t
    for name in ("table4", "table7", "table9"):
        with open(os.path.join(out2, name + ".csv"), newline="") as f:
            t = list(csv.reader(f))
        assert len(t) > 2 and all(v == "-" for r in t[1:] for v in r[3 if name != "table9" else 1:]), t
    page = open(os.path.join(out2, "report.md")).read()
    assert "Figures 5 and 6 from" not in page and os.path.getsize(os.path.join(out2, "figure5.png")) > 0
    # a missing runs folder is an error with a clear message
    err = sh(PY, os.path.join(repo, "postprocess", "report.py"), "--runs", os.path.join(work, "nope"),
             "--out", out2, expect=5).stderr
    assert err.startswith("swag: error: runs folder") and "does not exist" in err, err
    print(f"ok: tables and figures in {out}")


def case_decks(repo, work, swag):
    """One cell per dataset of every shipped finetune sweep validates against `swag check-config`
    (the cells of a dataset differ only in the grid's values, not in their keys)."""
    sys.path.insert(0, os.path.join(repo, "postprocess"))
    import sweep as sw
    env = dict(os.environ)
    env.pop("SWAG_MODEL", None)
    n = 0
    for f in sorted(os.listdir(os.path.join(repo, "inputs", "sweeps"))):
        path = os.path.join(repo, "inputs", "sweeps", f)
        if not f.endswith(".toml") or f == "table8_datasets.toml":
            continue
        last = {}
        for c in sw.cells(sw.load(path)):
            last[(c["dataset"], os.path.dirname(c["run_dir"]))] = c
        for c in last.values():
            argv = sw.argv(c)
            if c["kind"] != "finetune":
                continue
            args, i = ["check-config", "--kind", "finetune"], 1
            while i < len(argv):
                if argv[i] == "--init":
                    args.append(f"init.checkpoint={argv[i + 1]}")
                    i += 2
                else:
                    args.append(argv[i])
                    i += 1
            p = subprocess.run([swag] + args, capture_output=True, text=True, cwd=repo, env=env)
            assert p.returncode == 0, f"{f} cell {c['index']}: {p.stderr}"
            # the paper's sweeps: EMA only for ImageNet-1k fine-tuning (section 4.1)
            ema = float(next(line.split("=")[1] for line in p.stdout.split("[ema]")[1].splitlines()
                             if line.startswith("weight")))
            assert not f.startswith("table") or (ema > 0) == (c["dataset"] == "in1k"), \
                f"{f} cell {c['index']}: ema.weight {ema}"
            n += 1
    assert n >= 6 * 5 + 3 + 1, n
    print(f"ok: {n} fine-tuning cells validate (one per dataset and sweep)")


def main():
    repo, work, case = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if case == "decks":
        case_decks(repo, work, sys.argv[4])
        return
    {"sweep": case_sweep, "report": case_report}[case](repo, work)


if __name__ == "__main__":
    main()
