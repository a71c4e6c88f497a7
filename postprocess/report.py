#!/usr/bin/python3
"""The paper's tables and plots from run directories.

    report.py --runs DIR [--runs DIR ...] --out OUT [--sweep SWEEP.toml ...] [--swag BIN]
              [--paper postprocess/reference/paper_tables.json]

Collects every run directory under each --runs folder (a folder holding results.json,
metrics.jsonl, config.toml or cell.json; `checkpoints/` folders are skipped), classifies it
(pre-training, fine-tuning, evaluation, zero-shot, linear probe, benchmark, or the demo main
job's summary), finds the outputs of postprocess/country_fairness.py and associations.py
(country_fairness.json, associations.json) under the same folders, and writes to OUT:

    table1.{md,tex,csv}   transfer accuracy per model and dataset (paper Table 1)
    table2.{md,tex,csv}   ImageNet-1k accuracy with 1%, 10%, 100% of the labels (Table 2)
    table3.{md,tex,csv}   zero-shot accuracy with and without Platt scaling (Table 3)
    table4.{md,tex,csv}   dataset ablations, linear probes (Table 4)
    table5.{md,tex,csv}   model size and speed (Table 5)
    table6.{md,tex,csv}   model families: from scratch on IN-1k/IN-5k, linear probe (Table 6)
    table7.{md,tex,csv}   unique images at a fixed number of samples, linear probes (Table 7)
    table8.{md,tex,csv}   the best fine-tuning learning rate per model and dataset (Table 8)
    table9.{md,tex,csv}   IN-1k fine-tunes on IN-1k, ReaL, v2 and ObjectNet (Table 9)
    tableN_paper.*        the paper's numbers in the same shape (postprocess/reference/)
    figure2.png           transfer accuracy vs inference throughput (Figure 2)
    figure3.png           linear-probe accuracy vs samples seen and training time, and the
                          pre-training loss (Figure 3)
    figure4.png           IN-1k accuracy vs the sync-BN batch (bn.sync_group; Figure 4)
    figure5.png           zero-shot accuracy per country (Figure 5, as bars)
    figure6.png           the 80%-rule shares between countries (Figure 6)
    figure7.png           the hashtags most associated with each group (Figure 7)
    runs.csv              one line per run found, with its kind and status
    report.md             all of the above in one page

Linear probes and evaluations are assigned to tables by their cell's `table` parameter
(inputs/sweeps/table4_linear_probe.toml etc.).

Every table lists the paper's models even without results; a missing cell is "-". Accuracies
are percentages (results.json holds fractions in [0, 1]). Exit codes: 0 ok, 2 bad command line,
5 an input folder is missing. Format of the inputs: doc/slurm.md ("What the report reads").
"""
import argparse
import csv
import glob
import json
import math
import os
import re
import signal
import subprocess
import sys
from pycompat import tomllib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MISSING = "-"

# The paper's models, in Table 1's order, and how the paper writes them.
PAPER_MODELS = ["vit_h14", "vit_l16", "vit_b16", "regnety_128gf", "regnety_32gf", "regnety_16gf"]
DISPLAY = {"vit_h14": "ViT H/14", "vit_l16": "ViT L/16", "vit_b16": "ViT B/16",
           "regnety_128gf": "RegNetY 128GF", "regnety_32gf": "RegNetY 32GF",
           "regnety_16gf": "RegNetY 16GF", "regnety_8gf": "RegNetY 8GF",
           "regnety_3.2gf": "RegNetY 3.2GF", "regnety_1.6gf": "RegNetY 1.6GF",
           "regnety_800mf": "RegNetY 800MF", "regnety_400mf": "RegNetY 400MF",
           "regnety_200mf": "RegNetY 200MF",
           "regnety_demo": "RegNetY demo", "regnety_test": "RegNetY test",
           "vit_test": "ViT test"}
FINE_RES = {"vit_h14": 518, "vit_l16": 512, "vit_b16": 384, "regnety_128gf": 384,
            "regnety_32gf": 384, "regnety_16gf": 384}
# Transfer datasets of Tables 1 and 8, and the test sets of Table 3, by their names in sweeps.
TRANSFER = [("in1k", "IN-1k"), ("in5k", "IN-5k"), ("inat", "iNat."), ("places", "Places"),
            ("cub", "CUB")]
ZEROSHOT = [("in1k", "IN-1k"), ("real", "ReaL-IN"), ("inv2", "IN-v2"), ("objectnet", "ObjectNet")]
ALIASES = {"imagenet1k": "in1k", "imagenet-1k": "in1k", "imagenet": "in1k", "in-1k": "in1k",
           "imagenet5k": "in5k", "imagenet-5k": "in5k", "in-5k": "in5k", "inaturalist": "inat",
           "inat2018": "inat", "places365": "places", "cub2011": "cub", "cub-2011": "cub",
           "cub_200_2011": "cub", "imagenet-real": "real", "imagenetv2": "inv2", "in-v2": "inv2",
           "demo": "fashion-mnist", "demo-data": "fashion-mnist", "fashion_mnist": "fashion-mnist"}
FRACTIONS = [("1", 0.01), ("10", 0.1), ("100", 1.0)]


class ReportError(Exception):
    def __init__(self, message, code=2):
        super().__init__(message)
        self.code = code


# ----------------------------------------------------------------------------- reading runs

def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_toml(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return None


def read_metrics(path):
    """metrics.jsonl; a torn last line (a job killed mid-write) is skipped."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def get(d, dotted, default=None):
    for part in dotted.split("."):
        if not isinstance(d, dict) or part not in d:
            return default
        d = d[part]
    return d


def number(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def percent(v):
    """Accuracies are fractions in [0, 1]; a value above 1 is taken as a percentage already."""
    v = number(v)
    if v is None:
        return None
    return v * 100.0 if v <= 1.0 else v


def canonical_dataset(name):
    if not name:
        return None
    n = str(name).strip().lower()
    return ALIASES.get(n, n)


def dataset_from_path(path):
    """A dataset name from a shard path like data/in1k/train: the first component that is a
    known name, else the folder above the split."""
    if not path:
        return None
    parts = [p for p in str(path).replace("\\", "/").split("/") if p not in ("", ".")]
    known = {k for k, _ in TRANSFER + ZEROSHOT} | set(ALIASES)
    for p in parts:
        if p.lower() in known:
            return canonical_dataset(p)
    generic = {"train", "val", "eval", "test", "shards", "labelled_shards", "data", "runs"}
    named = [p for p in parts if p.lower() not in generic]
    return canonical_dataset(named[-1]) if named else None


def data_label(pre):
    """A short name for a pre-training run's data: runs/demo-data/train/shards -> demo-data."""
    if get(pre.config, "data.source") == "synthetic":
        return "synthetic"
    path = get(pre.config, "data.dir")
    if not path:
        return None
    parts = [p for p in str(path).replace("\\", "/").split("/")
             if p not in ("", ".", "shards", "train", "val")]
    return parts[-1] if parts else None


class Run:
    def __init__(self, path, root=None):
        self.path = path
        self.root = root or os.path.dirname(path)
        self.results = read_json(os.path.join(path, "results.json"))
        self.cell = read_json(os.path.join(path, "cell.json"))
        self.config = read_toml(os.path.join(path, "config.toml"))
        self.metrics = read_metrics(os.path.join(path, "metrics.jsonl"))
        self.params = (self.cell or {}).get("params", {})
        self.kind = self._kind()
        self.done = self.results is not None

    def _kind(self):
        r, c = self.results or {}, self.config or {}
        if self.cell and self.cell.get("kind"):
            return self.cell["kind"]
        if "zeroshot" in r and "finetune" in r:
            return "demo"
        if get(c, "data.train") or get(c, "data.eval") or ("top1" in r and c):
            return "finetune"
        if "samples_seen" in r or get(c, "schedule.steps") is not None:
            return "pretrain"
        if "images_per_s" in r:
            return "bench"
        if "top1" in r:
            return "eval"
        return "unknown"

    @property
    def model(self):
        for v in (self.params.get("model"), get(self.config, "model.name"),
                  (self.results or {}).get("model")):
            if v:
                return normalize_model(v)
        return None

    @property
    def dataset(self):
        if self.cell and self.cell.get("dataset"):
            return canonical_dataset(self.cell["dataset"])
        for key in ("data.train", "data.eval"):
            d = dataset_from_path(get(self.config, key))
            if d:
                return d
        return dataset_from_path(self.params.get("data"))

    @property
    def resolution(self):
        for v in (self.params.get("model.resolution"), self.params.get("resolution"),
                  get(self.config, "model.resolution"), (self.results or {}).get("resolution")):
            if number(v):
                return int(v)
        return None

    @property
    def init(self):
        """The checkpoint a transfer run started from (None: from scratch)."""
        for v in (self.params.get("init"), self.params.get("checkpoint"),
                  get(self.config, "init.checkpoint"), (self.results or {}).get("init")):
            if v and isinstance(v, str) and v not in ("none", "scratch"):
                return v
        return None

    @property
    def fraction(self):
        for v in (get(self.config, "data.fraction"), self.params.get("data.fraction"),
                  (self.results or {}).get("fraction")):
            if number(v) is not None:
                return number(v)
        return 1.0

    @property
    def approach(self):
        """Table 2's transfer approach: the cell's `approach`, else from the deck's init.head."""
        if self.params.get("approach"):
            return self.params["approach"]
        head = get(self.config, "init.head") or self.params.get("init.head") or (self.results or {}).get("head")
        if head == "zeroshot":
            return "ZS-Init.+Ft."
        return "Finetune" if self.init else "Scratch"

    @property
    def name(self):
        """The run's path relative to the folder above its --runs root (runs/sweeps/...)."""
        return os.path.relpath(self.path, os.path.dirname(os.path.abspath(self.root)))

    @property
    def status(self):
        if self.done:
            return "done"
        if self.metrics:
            return f"partial (step {self.metrics[-1].get('step', '?')})"
        return "started"


def normalize_model(name):
    n = str(name).strip().lower()
    tv = {"regnet_y_200mf": "regnety_200mf", "regnet_y_400mf": "regnety_400mf", "regnet_y_800mf": "regnety_800mf",
          "regnet_y_1_6gf": "regnety_1.6gf", "regnet_y_3_2gf": "regnety_3.2gf",
          "regnet_y_8gf": "regnety_8gf", "regnet_y_16gf": "regnety_16gf",
          "regnet_y_32gf": "regnety_32gf", "regnet_y_128gf": "regnety_128gf",
          "vit_b_16": "vit_b16", "vit_l_16": "vit_l16", "vit_h_14": "vit_h14"}
    return tv.get(n, n)


def collect(roots):
    runs = []
    for root in roots:
        if not os.path.isdir(root):
            raise ReportError(f"runs folder {root} does not exist", 5)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "checkpoints")
            if {"results.json", "metrics.jsonl", "config.toml", "cell.json"} & set(filenames):
                runs.append(Run(dirpath, root))
    return runs


# ----------------------------------------------------------------------------- tables

class Table:
    def __init__(self, name, title, columns, rows, notes=()):
        self.name, self.title, self.columns, self.rows, self.notes = name, title, columns, rows, list(notes)

    def cells(self):
        return [[fmt_cell(v) for v in row] for row in self.rows]


def fmt_cell(v):
    if v is None:
        return MISSING
    if isinstance(v, str):
        return v
    if isinstance(v, tuple):  # (value, format)
        val, f = v
        if val is None:
            return MISSING
        if f == ".1f" and 0 < abs(val) < 0.95:  # small models: keep three significant digits
            return f"{val:.3g}"
        return format(val, f)
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    return f"{v:.1f}"


def fmt_lr(v):
    v = number(v)
    if v is None:
        return None
    m, e = f"{v:.1E}".split("E")
    return f"{m}E{int(e)}"


def write_markdown(t, path):
    with open(path, "w") as f:
        f.write(markdown(t))


def markdown(t):
    out = [f"**{t.title}**", "", "| " + " | ".join(t.columns) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(t.columns))) + "|"]
    for row in t.cells():
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    out.append("")
    for n in t.notes:
        out.append(f"- {n}")
    if t.notes:
        out.append("")
    return "\n".join(out) + "\n"


def latex_escape(s):
    repl = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}
    return "".join(repl.get(ch, ch) for ch in s)


def write_latex(t, path):
    spec = "l" + "r" * (len(t.columns) - 1)
    lines = [f"% {t.title}", r"\begin{tabular}{" + spec + "}", r"\toprule",
             " & ".join(latex_escape(c) for c in t.columns) + r" \\", r"\midrule"]
    for row in t.cells():
        lines.append(" & ".join(latex_escape(c) for c in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write_csv(t, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(t.columns)
        w.writerows(t.cells())


def write_table(t, out):
    write_markdown(t, os.path.join(out, t.name + ".md"))
    write_latex(t, os.path.join(out, t.name + ".tex"))
    write_csv(t, os.path.join(out, t.name + ".csv"))


def display(model):
    return DISPLAY.get(model, model)


def model_order(found, paper=PAPER_MODELS):
    extra = sorted(m for m in found if m and m not in paper)
    return list(paper) + extra


def dataset_columns(base, found):
    names = [k for k, _ in base]
    extra = sorted(d for d in found if d and d not in names)
    labels = dict(base)
    return [(d, labels.get(d, d)) for d in names + extra]


class Results:
    """Everything the tables need, gathered once from the runs."""

    def __init__(self, runs, sizes):
        self.runs = runs
        self.sizes = sizes
        self.pretrain = [r for r in runs if r.kind == "pretrain"]
        # Figure 4's fine-tunes vary sync BN without EMA: not Table 1, 2 or 8 material
        self.sync_bn = [r for r in runs if r.kind == "finetune" and r.params.get("table") == "figure4"]
        self.finetune = [r for r in runs if r.kind == "finetune" and r not in self.sync_bn]
        self.zeroshot = [r for r in runs if r.kind == "zeroshot"]
        self.evals = [r for r in runs if r.kind == "eval"]
        self.bench = [r for r in runs if r.kind == "bench" and r.done]
        self.demo = [r for r in runs if r.kind == "demo" and r.done]
        self.probes = [r for r in runs if r.kind == "linear-probe"]

    def of_table(self, runs, table):
        """Finished runs whose cell names `table` (the sweeps' `table` parameter)."""
        return [r for r in runs if r.done and r.params.get("table") == table]

    # -- helpers
    def pretrain_of(self, run):
        """The pre-training run a transfer run started from: by its init checkpoint's folder,
        else the pre-training run of the same model with the most steps."""
        init = run.init
        if init:
            d = os.path.dirname(os.path.abspath(init))
            if os.path.basename(d) == "checkpoints":
                d = os.path.dirname(d)
            for p in self.pretrain:
                if os.path.abspath(p.path) == d:
                    return p
        same = [p for p in self.pretrain if p.model == run.model]
        return max(same, key=lambda p: p.metrics[-1].get("step", 0) if p.metrics else 0, default=None)

    def full_finetunes(self):
        """Fine-tunes on all the training data from a pre-trained model with a new head."""
        return [r for r in self.finetune if r.fraction >= 1.0 and r.approach == "Finetune"]

    def best_finetune(self):
        """{(model, dataset): run with the highest top1} among finished full-data fine-tunes."""
        best = {}
        for r in self.full_finetunes():
            acc = percent((r.results or {}).get("top1"))
            if acc is None or not r.model or not r.dataset:
                continue
            k = (r.model, r.dataset)
            if k not in best or acc > best[k][1]:
                best[k] = (r, acc)
        return best

    def throughput(self, model, resolution, mode):
        vals = [number(r.results.get("images_per_s")) for r in self.bench
                if normalize_model(r.results.get("model", "")) == model
                and r.results.get("mode") == mode
                and (resolution is None or r.results.get("resolution") == resolution)]
        vals = [v for v in vals if v is not None]
        return max(vals) if vals else None

    def demo_model(self, demo_run):
        """The model of the demo main job: its pre-training run (pretrain/ beside results.json)."""
        for p in self.pretrain:
            if os.path.dirname(os.path.abspath(p.path)) == os.path.abspath(demo_run.path):
                return p.model
        return self.pretrain[0].model if len(self.pretrain) == 1 else "demo"

    # -- tables
    def table1(self):
        best = self.best_finetune()
        datasets = dataset_columns(TRANSFER, {d for (_, d) in best})
        models = model_order({m for (m, _) in best} | {p.model for p in self.pretrain})
        cols = (["Model", "Pre-training", "Res. pre.", "Res. fine."] + [lab for _, lab in datasets]
                + ["Throughput (images/s)", "FLOPs (B)", "Params (M)"])
        rows = []
        for m in models:
            runs = [best[(m, d)][0] for d, _ in datasets if (m, d) in best]
            pre = next((self.pretrain_of(r) for r in runs if self.pretrain_of(r)), None)
            if pre is None:
                pre = next((p for p in self.pretrain if p.model == m), None)
            res_fine = next((r.resolution for r in runs if r.resolution), None)
            pre_data = None
            if runs and runs[0].params.get("pretrain"):
                pre_data = runs[0].params["pretrain"]
            elif pre is not None:
                pre_data = data_label(pre)
            size = self.sizes.get(m, res_fine)
            rows.append([display(m), pre_data, pre.resolution if pre else None, res_fine]
                        + [best[(m, d)][1] if (m, d) in best else None for d, _ in datasets]
                        + [(self.throughput(m, res_fine, "infer"), ".0f"),
                           (size.get("gmacs") if size else None, ".1f"),
                           (size["params"] / 1e6 if size else None, ".1f")])
        notes = ["Top-1 accuracy (%) of the best learning rate per model and dataset (full training data).",
                 "Throughput: `swag bench --mode infer` at the fine-tuning resolution (benchmark runs); "
                 "FLOPs: multiply-adds at that resolution with a 1000-class head."]
        return Table("table1", "Table 1. Transfer accuracy after fine-tuning", cols, rows, notes)

    def table2(self):
        cells = {}  # (model, approach, dataset) -> {fraction label: acc}
        for r in self.finetune:
            if not r.done or r.dataset is None:
                continue
            label = next((lab for lab, f in FRACTIONS if abs(f - r.fraction) < 1e-9), None)
            acc = percent(r.results.get("top1"))
            if label is None or acc is None:
                continue
            k = (r.model, r.approach, r.dataset)
            cells.setdefault(k, {})
            cells[k][label] = max(acc, cells[k].get(label, -1))
        for d in self.demo:
            ft = d.results.get("finetune") or {}
            for key, approach in (("pretrained", "Finetune"), ("zs_init", "ZS-Init.+Ft."),
                                  ("scratch", "Scratch")):
                for label, _ in FRACTIONS:
                    acc = percent(get(ft, f"{key}.{label}"))
                    if acc is not None:
                        cells.setdefault((self.demo_model(d), approach, "fashion-mnist"), {})[label] = acc
        # other datasets only where fractions were run (the demo), not every full fine-tune
        cells = {k: c for k, c in cells.items() if k[2] == "in1k" or set(c) != {"100"}}
        rows = []
        keys = [(m, a, "in1k") for a in ("ZS-Init.+Ft.", "Finetune") for m in PAPER_MODELS[3:]]
        keys += sorted(k for k in cells if k not in keys)
        for m, a, ds in keys:
            c = cells.get((m, a, ds), {})
            transfer = a if ds == "in1k" else f"{a} ({ds})"
            rows.append([display(m), transfer] + [c.get(label) for label, _ in FRACTIONS])
        cols = ["Model", "Transfer", "1%", "10%", "100%"]
        notes = ["Top-1 accuracy (%) on ImageNet-1k (or the dataset named) after fine-tuning on 1%, "
                 "10% and 100% of its training set (`data.fraction`)."]
        return Table("table2", "Table 2. Accuracy with a fraction of the training labels", cols, rows, notes)

    def table3(self):
        cells = {}  # (model, platt) -> {dataset: acc}
        for r in self.zeroshot + [e for e in self.evals if e.params.get("zeroshot")]:
            if not r.done:
                continue
            platt = "Yes" if r.params.get("platt") or r.results.get("platt") else "No"
            acc = percent(r.results.get("top1"))
            if acc is not None and r.dataset:
                cells.setdefault((r.model, platt), {})[r.dataset] = acc
        for d in self.demo:
            z = d.results.get("zeroshot") or {}
            m = self.demo_model(d)
            for key, platt in (("top1_platt", "Yes"), ("top1_no_platt", "No")):
                acc = percent(z.get(key))
                if acc is not None:
                    cells.setdefault((m, platt), {})["fashion-mnist"] = acc
        datasets = dataset_columns(ZEROSHOT, {ds for c in cells.values() for ds in c})
        keys = [(m, p) for p in ("Yes", "No") for m in PAPER_MODELS[3:]]
        keys += [(m, p) for p in ("Yes", "No") for m in PAPER_MODELS[:3]]
        keys += sorted((k for k in cells if k not in keys), key=lambda k: (k[0], k[1] != "Yes"))
        rows = [[display(m), p] + [cells.get((m, p), {}).get(d) for d, _ in datasets] for m, p in keys]
        cols = ["Model", "Platt"] + [lab for _, lab in datasets]
        notes = ["Zero-shot top-1 accuracy (%) through the WordNet hashtag-to-class mapping, "
                 "with and without Platt scaling (`swag zeroshot`); ReaL with its label sets, ObjectNet "
                 "restricted to its classes (as in Table 9)."]
        return Table("table3", "Table 3. Zero-shot transfer accuracy", cols, rows, notes)

    def table5(self):
        keys = []
        for m in PAPER_MODELS[::-1]:
            keys += [(m, 224), (m, FINE_RES[m])]
        found = {(normalize_model(r.results.get("model", "")), r.results.get("resolution")) for r in self.bench}
        found |= {(r.model, r.resolution) for r in self.pretrain if r.model and r.resolution}
        found |= {(r.model, r.resolution) for r in self.finetune if r.model and r.resolution}
        keys += sorted(k for k in found if k not in keys and k[0] and k[1])
        rows = []
        for m, res in keys:
            s = self.sizes.get(m, res)
            rows.append([display(m), res, (s.get("gmacs") if s else None, ".1f"),
                         (s["params"] / 1e6 if s else None, ".1f"),
                         (s.get("acts_m") if s else None, ".1f"),
                         (self.throughput(m, res, "train"), ".0f"),
                         (self.throughput(m, res, "infer"), ".0f")])
        cols = ["Model", "Resolution", "FLOPs (B)", "Params (M)", "Acts (M)", "Train (images/s)",
                "Test (images/s)"]
        notes = [f"Sizes: {self.sizes.source}; 1000-class head.",
                 "Speeds: the fastest `swag bench` run per model, resolution and mode among the runs "
                 "(the paper: one node of 8 V100 GPUs)."]
        return Table("table5", "Table 5. Model complexity and speed", cols, rows, notes)

    def table8(self):
        best = {}
        for r in self.full_finetunes():
            lr = r.params.get("optim.lr", get(r.config, "optim.lr"))
            acc = percent((r.results or {}).get("top1"))
            if acc is None or number(lr) is None or not r.model or not r.dataset:
                continue
            k = (r.model, r.dataset)
            if k not in best or acc > best[k][1]:
                best[k] = (lr, acc)
        datasets = dataset_columns(TRANSFER, {d for (_, d) in best})
        models = model_order({m for (m, _) in best})
        rows = [[display(m)] + [fmt_lr(best[(m, d)][0]) if (m, d) in best else None for d, _ in datasets]
                for m in models]
        cols = ["Model"] + [lab for _, lab in datasets]
        notes = ["The learning rate (`optim.lr`) of the fine-tuning run with the best top-1 accuracy "
                 "per model and dataset, among the sweep's cells that finished."]
        return Table("table8", "Table 8. Fine-tuning learning rate", cols, rows, notes)

    def table4(self):
        cells = {r.dataset: percent(r.results.get("top1")) for r in self.of_table(self.probes, "table4")}
        known = [("baseline", "Baseline [49]", "17K", "-"), ("alpha-0.7", "+ Head-tail sampling", "17K", "0.7"),
                 ("alpha-0.5", "+ Head-tail sampling", "17K", "0.5"),
                 ("alpha-0.3", "+ Head-tail sampling", "17K", "0.3"),
                 ("vocab-27k", "+ Larger hashtag vocab.", "27K", "0.7")]
        rows = [[a, v, al, cells.get(d)] for d, a, v, al in known]
        extra = [r for r in self.of_table(self.probes, "table4") if r.dataset not in {k[0] for k in known}]
        rows += [[r.params.get("approach", r.dataset), r.params.get("vocab"), r.params.get("alpha"),
                  percent(r.results.get("top1"))] for r in extra]
        cols = ["Approach", "Hashtag vocabulary size", "Head-tail sampling ratio (α)", "IN-1k Accuracy"]
        notes = ["Linear-probe top-1 (%) on ImageNet-1k (`swag linear-probe`) of models pre-trained on "
                 "the same samples with each dataset collection (inputs/sweeps/table4_linear_probe.toml)."]
        return Table("table4", "Table 4. Dataset ablations (linear probes)", cols, rows, notes)

    def table6(self):
        probe = {r.model: percent(r.results.get("top1")) for r in self.of_table(self.probes, "table6")}
        scratch = {}
        for r in self.finetune:
            acc = percent((r.results or {}).get("top1"))
            if r.done and acc is not None and r.approach == "Scratch" and r.fraction >= 1.0:
                k = (r.model, r.dataset)
                scratch[k] = max(acc, scratch.get(k, -1))
        models = ["ResNeXt-101 32x4d", "DenseNet-264", "EfficientNet B3", "regnety_8gf"]
        models += sorted(m for m in set(probe) | {m for m, _ in scratch} if m and m not in models)
        rows = []
        for m in models:
            s = self.sizes.get(m, 224)
            rows.append([display(m), 224 if s else None, (s.get("gmacs") if s else None, ".1f"),
                         (s["params"] / 1e6 if s else None, ".1f"), (s.get("acts_m") if s else None, ".1f"),
                         (self.throughput(m, 224, "train"), ".0f"), (self.throughput(m, 224, "infer"), ".0f"),
                         scratch.get((m, "in1k")), scratch.get((m, "in5k")), probe.get(m)])
        cols = ["Model", "Res.", "FLOPs (B)", "Params (M)", "Acts (M)", "Train (images/s)",
                "Test (images/s)", "IN-1k", "IN-5k", "IG → IN-1k"]
        notes = ["IN-1k, IN-5k: top-1 (%) of fine-tunes from scratch (no init) on all the data; "
                 "IG → IN-1k: linear-probe top-1 (inputs/sweeps/table6_linear_probe.toml).",
                 "swag builds RegNetY only: the other families stay \"-\"."]
        return Table("table6", "Table 6. Convolutional model families", cols, rows, notes)

    def table7(self):
        cells = {}
        for r in self.of_table(self.probes, "table7"):
            cells.setdefault(r.dataset, {})[r.model] = percent(r.results.get("top1"))
        sizes = [("ig-0.2b", "IG-0.2B", "250M", 8), ("ig-0.4b", "IG-0.4B", "500M", 4),
                 ("ig-0.7b", "IG-0.7B", "1B", 2), ("ig-1.4b", "IG-1.4B", "2B", 1)]
        sizes += [(d, d, None, None) for d in sorted(cells) if d not in {k for k, *_ in sizes}]
        models = ["regnety_8gf", "regnety_32gf", "vit_b16", "vit_l16"]
        models += sorted({m for c in cells.values() for m in c if m not in models})
        rows = [[name, unique, epochs] + [cells.get(d, {}).get(m) for m in models]
                for d, name, unique, epochs in sizes]
        cols = ["Dataset", "Unique images", "Epochs"] + [display(m) for m in models]
        notes = ["Linear-probe top-1 (%) on ImageNet-1k after 2B samples from datasets of the given "
                 "number of unique images (inputs/sweeps/table7_linear_probe.toml)."]
        return Table("table7", "Table 7. Effect of dataset size (linear probes)", cols, rows, notes)

    def table9(self):
        cells = {}
        for r in self.of_table(self.evals, "table9"):
            acc = percent(r.results.get("top1"))
            if acc is not None and r.dataset:
                cells.setdefault(r.model, {})[r.dataset] = acc
        models = model_order(set(cells))
        datasets = dataset_columns(ZEROSHOT, {d for c in cells.values() for d in c})
        rows = [[display(m)] + [cells.get(m, {}).get(d) for d, _ in datasets] for m in models]
        cols = ["Model"] + [lab for _, lab in datasets]
        notes = ["Top-1 (%) of each model's ImageNet-1k fine-tune (`swag eval`, "
                 "inputs/sweeps/table9_robustness.toml): ReaL scored with its label sets "
                 "(--real-labels; images without labels excluded), ObjectNet restricted to its 113 "
                 "classes overlapping IN-1k (--objectnet-mapping)."]
        return Table("table9", "Table 9. ImageNet robustness", cols, rows, notes)


def paper_tables(paper):
    def v(x):
        return None if x is None else float(x)

    t1 = [[display(r["model"]), r["pretrain"], r["res_pre"], r["res_fine"], v(r["in1k"]), v(r["in5k"]),
           v(r["inat"]), v(r["places"]), v(r["cub"]), (r["throughput"], ",.0f"), (r["flops"], ".1f"),
           (r["params"], ".1f")] for r in paper["table1"]]
    t2 = [[display(r["model"]), r["transfer"] if r["approach"] == "Ours" else f"{r['approach']}: {r['transfer']}",
           v(r["1"]), v(r["10"]), v(r["100"])] for r in paper["table2"]]
    t3 = [[display(r["model"]), r["platt"], v(r["in1k"]), v(r["real"]), v(r["inv2"]), v(r["objectnet"])]
          for r in paper["table3"]]
    t5 = [[display(r["model"]), r["resolution"], (r["flops"], ".1f"), (r["params"], ".1f"),
           (r["acts"], ".1f"), (r["train"], ".0f"), (r["test"], ".0f")] for r in paper["table5"]]
    t8 = [[display(r["model"])] + [fmt_lr(r[d]) for d, _ in TRANSFER] for r in paper["table8"]]
    t4 = [[r["approach"], r["vocab"], "-" if r["alpha"] is None else f"{r['alpha']:g}", v(r["in1k"])]
          for r in paper.get("table4", [])]
    t6 = [[display(r["model"]), r["resolution"], (r["flops"], ".1f"), (r["params"], ".1f"), (r["acts"], ".1f"),
           (r["train"], ".0f"), (r["test"], ".0f"), v(r["in1k"]), v(r["in5k"]), v(r["ig_linear"])]
          for r in paper.get("table6", [])]
    t7m = ["regnety_8gf", "regnety_32gf", "vit_b16", "vit_l16"]
    t7 = [[r["dataset"], r["unique"], r["epochs"]] + [v(r[m]) for m in t7m] for r in paper.get("table7", [])]
    t9 = [[display(r["model"]), r["pretrain"], v(r["in1k"]), v(r["real"]), v(r["inv2"]), v(r["objectnet"])]
          for r in paper.get("table9", [])]
    note = "From the paper (postprocess/reference/paper_tables.json)."
    return [
        Table("table1_paper", "Table 1 (paper)", ["Model", "Pre-training", "Res. pre.", "Res. fine."]
              + [lab for _, lab in TRANSFER] + ["Throughput (images/s)", "FLOPs (B)", "Params (M)"], t1,
              [note, "IN-1k: the paper's reproduced number where it has one."]),
        Table("table2_paper", "Table 2 (paper)", ["Model", "Transfer", "1%", "10%", "100%"], t2, [note]),
        Table("table3_paper", "Table 3 (paper)", ["Model", "Platt"] + [lab for _, lab in ZEROSHOT], t3, [note]),
        Table("table5_paper", "Table 5 (paper)", ["Model", "Resolution", "FLOPs (B)", "Params (M)", "Acts (M)",
              "Train (images/s)", "Test (images/s)"], t5, [note]),
        Table("table8_paper", "Table 8 (paper)", ["Model"] + [lab for _, lab in TRANSFER], t8,
              [note, paper["_notes"][1]]),
        Table("table4_paper", "Table 4 (paper, ResNeXt-101 32x8d)", ["Approach", "Hashtag vocabulary size",
              "Head-tail sampling ratio (α)", "IN-1k Accuracy"], t4, [note]),
        Table("table6_paper", "Table 6 (paper)", ["Model", "Res.", "FLOPs (B)", "Params (M)", "Acts (M)",
              "Train (images/s)", "Test (images/s)", "IN-1k", "IN-5k", "IG → IN-1k"], t6, [note]),
        Table("table7_paper", "Table 7 (paper)", ["Dataset", "Unique images", "Epochs"]
              + [display(m) for m in t7m], t7, [note]),
        Table("table9_paper", "Table 9 (paper)", ["Model", "Pre-training"] + [lab for _, lab in ZEROSHOT],
              t9, [note]),
    ]


# ----------------------------------------------------------------------------- model sizes

class Sizes:
    """params/gmacs/acts_m per (model, resolution): `swag info --json` when a binary is given,
    else the reference file (torchvision's numbers, which swag info reproduces)."""

    def __init__(self, reference, swag=None):
        self.reference = read_json(reference) or {}
        self.swag = swag
        self.cache = {}
        self.source = ("`swag info`" if swag else
                       "postprocess/reference/models.json (torchvision's definitions; `swag info` "
                       "agrees for RegNetY and also counts ViTs' attention products)")

    def get(self, model, resolution):
        if not model or not resolution:
            return None
        key = f"{model}@{resolution}"
        if key in self.cache:
            return self.cache[key]
        out = None
        if self.swag:
            why = ""
            for _ in range(2):  # once more if the binary was being replaced (a rebuild)
                try:
                    p = subprocess.run([self.swag, "info", "--model", model, "--resolution",
                                        str(resolution), "--json"], capture_output=True, text=True,
                                       timeout=120)
                    if p.returncode == 0:
                        out = json.loads(p.stdout)
                        break
                    why = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"
                except (OSError, ValueError, subprocess.TimeoutExpired) as e:
                    why = str(e)
            if out is None:
                print(f"report: warning: swag info --model {model} --resolution {resolution}: {why}",
                      file=sys.stderr)
        if out is None:
            out = self.reference.get(key)
        self.cache[key] = out
        return out


# ----------------------------------------------------------------------------- figures

def figure2(res, paper, path):
    best = res.best_finetune()
    datasets = dataset_columns(TRANSFER, {d for (_, d) in best})
    fig, axes = plt.subplots(1, len(datasets), figsize=(3.6 * len(datasets), 3.6), squeeze=False)
    missing = set()
    for ax, (d, label) in zip(axes[0], datasets):
        groups = {}
        for r in paper["table1"]:
            acc = r.get("in1k") if d == "in1k" else r.get(d)
            if acc is None or r.get("throughput") is None:
                continue
            fam = ("paper: ours (IG 3.6B)" if r["group"] == "weakly"
                   else "paper: EfficientNet" if r["model"].startswith("EfficientNet") else "paper: ViT (supervised)")
            groups.setdefault(fam, []).append((r["throughput"], acc))
        style = {"paper: ours (IG 3.6B)": ("o", "0.35"), "paper: EfficientNet": ("s", "0.65"),
                 "paper: ViT (supervised)": ("^", "0.65")}
        for fam, pts in groups.items():
            pts.sort()
            mk, col = style[fam]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], mk, color=col, mfc="none", label=fam)
        ours = []
        for (m, dd), (r, acc) in best.items():
            if dd != d:
                continue
            thr = res.throughput(m, r.resolution, "infer")
            if thr is None:
                missing.add(display(m))
                continue
            ours.append((thr, acc, m))
        for thr, acc, m in sorted(ours):
            ax.plot([thr], [acc], "o", color="C3" if m.startswith("vit") else "C0")
            ax.annotate(display(m), (thr, acc), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set_xscale("log")
        ax.set_title(label)
        ax.set_xlabel("test throughput (images/s)")
        ax.grid(True, which="both", alpha=0.3)
        if ax is axes[0][0]:
            ax.set_ylabel("top-1 accuracy (%)")
        if not ax.has_data():
            has_acc = any(dd == d for (_, dd) in best)
            ax.text(0.5, 0.5, "accuracy, but no throughput\n(no benchmark run)" if has_acc else "no results",
                    ha="center", va="center", transform=ax.transAxes, fontsize=8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        axes[0][0].legend(fontsize=7, loc="lower left")
    title = "Figure 2: transfer accuracy vs throughput (filled: this project; hollow: the paper)"
    if missing:
        title += f"\nno throughput (benchmark run) for: {', '.join(sorted(missing))}"
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def samples_of_checkpoint(res, ckpt):
    """Samples seen at a pre-training checkpoint: step x the run's global batch."""
    if not ckpt:
        return None, None
    m = re.search(r"step-(\d+)\.h5$", ckpt)
    if not m:
        return None, None
    d = os.path.dirname(os.path.dirname(os.path.abspath(ckpt)))
    for p in res.pretrain:
        if os.path.abspath(p.path) == d:
            batch = number(get(p.config, "batch.global"))
            return (int(m.group(1)) * batch if batch else None), p
    return None, None


def probe_samples(res, r):
    """Samples seen by a linear probe's pre-training: the cell's `samples`, else its checkpoint's."""
    v = number(r.params.get("samples"))
    return v if v is not None else samples_of_checkpoint(res, r.init)[0]


def training_days(res, paper, model, samples):
    """GPU-days to see `samples`: at the model's `swag bench` train speed at 224 (one device),
    else at the paper's Table 5 speed (one node of 8 GPUs)."""
    ours = res.throughput(model, 224, "train")
    if ours:
        return samples / ours / 86400.0
    row = next((r for r in paper.get("table5", []) if r["model"] == model and r["resolution"] == 224), None)
    return samples / row["train"] * 8 / 86400.0 if row and row.get("train") else None


def figure3(res, paper, path):
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 3.8))
    lines, days = {}, {}
    for r in res.probes:
        acc = percent((r.results or {}).get("top1")) if r.done else None
        samples = probe_samples(res, r)
        if acc is None or samples is None or r.params.get("table") not in (None, "figure3"):
            continue
        lines.setdefault((r.model or "?", "linear probe", "in1k"), {})[samples] = acc
        d = training_days(res, paper, r.model, samples)
        if d is not None:
            days.setdefault(r.model or "?", {})[d] = acc
    for r in res.finetune + res.zeroshot + res.evals:  # transfer from a run's checkpoints
        if not r.done:
            continue
        acc = percent(r.results.get("top1"))
        samples, pre = samples_of_checkpoint(res, r.init)
        if acc is None or samples is None:
            continue
        what = r.kind if r.kind != "zeroshot" else ("zero-shot+Platt" if r.params.get("platt") else "zero-shot")
        if r.kind == "finetune":
            what = f"{r.approach} {r.fraction * 100:g}%"
        key = (pre.model or "?", what, r.dataset or "?")
        lines.setdefault(key, {})
        lines[key][samples] = max(acc, lines[key].get(samples, -1))
    for (m, what, d), pts in sorted(lines.items()):
        xs = sorted(pts)
        ax1.plot(xs, [pts[x] for x in xs], "o-", label=f"{display(m)}, {what}, {d}")
    for m, pts in sorted(days.items()):
        xs = sorted(pts)
        ax2.plot(xs, [pts[x] for x in xs], "o-", label=display(m))
    for ax, has, xlabel, title, empty in (
            (ax1, lines, "pre-training samples seen", "accuracy vs samples seen",
             "no linear probes or transfer runs\nfrom known checkpoints"),
            (ax2, days, "training time (GPU-days)", "linear probe vs training budget",
             "no linear probes with samples\nand a training speed")):
        ax.set_xlabel(xlabel)
        ax.set_ylabel("top-1 accuracy (%)")
        ax.set_title(title)
        if has:
            ax.legend(fontsize=7)
            ax.set_xscale("log")
        else:
            ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
    any_loss = False
    for p in res.pretrain:
        batch = number(get(p.config, "batch.global"))
        pts = [(m["step"] * batch, m["loss"]) for m in p.metrics
               if batch and number(m.get("step")) and number(m.get("loss")) is not None]
        if pts:
            any_loss = True
            ax3.plot([x for x, _ in pts], [y for _, y in pts], ".-", markersize=3, label=f"{display(p.model)} ({p.name})")
    ax3.set_xlabel("pre-training samples seen")
    ax3.set_ylabel("training loss")
    ax3.set_title("pre-training loss (metrics.jsonl)")
    if any_loss:
        ax3.legend(fontsize=7)
        ax3.set_xscale("log")
    else:
        ax3.text(0.5, 0.5, "no pre-training metrics", ha="center", va="center", transform=ax3.transAxes)
    for ax in (ax1, ax2, ax3):
        ax.grid(True, alpha=0.3)
    fig.suptitle("Figure 3: scaling with samples seen and training time (linear probes on IN-1k)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def sync_batch(r):
    """The sync-BN batch of a fine-tune: bn.sync_group ranks (0: all) x the per-rank batch."""
    group = number(r.params.get("bn.sync_group", get(r.config, "bn.sync_group")))
    world = number((r.results or {}).get("world_size"))
    batch = number(r.params.get("batch.global", get(r.config, "batch.global")))
    if group is None or not world or not batch:
        return None
    if r.params.get("bn.sync", get(r.config, "bn.sync", True)) is False:
        group = 1
    return int((group or world) * batch / world)


def figure4(res, path):
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    curves = {}
    for r in res.sync_bn:
        acc = percent((r.results or {}).get("top1")) if r.done else None
        b = sync_batch(r)
        if acc is not None and b:
            curves.setdefault((r.model, r.dataset), {})[b] = acc
    for (m, d), pts in sorted(curves.items(), key=lambda kv: str(kv[0])):
        xs = sorted(pts)
        ax.plot(xs, [pts[x] for x in xs], "o-", label=f"{display(m)}, {d}")
    ax.set_xlabel("sync-BN batch (images)")
    ax.set_ylabel("top-1 accuracy (%)")
    if curves:
        ax.set_xscale("log", base=2)
        ax.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, "no fine-tunes with bn.sync_group\n(inputs/sweeps/figure4_sync_bn.toml)",
                ha="center", va="center", transform=ax.transAxes)
    ax.grid(True, alpha=0.3)
    ax.set_title("Figure 4: sync-BN batch while fine-tuning (no EMA)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def find_files(roots, name):
    """Every file called `name` under the runs folders, in path order."""
    found = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "checkpoints")
            if name in filenames:
                found.append(os.path.join(dirpath, name))
    return found


def placeholder(path, title, message):
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def analysis_figures(roots, out):
    """Figures 5, 6 (country_fairness.json) and 7 (associations.json): the first file found of
    each kind; the paths of all of them, for the report page."""
    sys.path.insert(0, HERE)
    import associations  # noqa: E402
    import country_fairness  # noqa: E402
    from analysis_io import group_order  # noqa: E402
    fairness, assoc = find_files(roots, "country_fairness.json"), find_files(roots, "associations.json")
    doc = next((d for d in map(read_json, fairness) if d and d.get("per_country")), None)
    if doc:
        countries = sorted(doc["per_country"])
        for name, plot in (("figure5.png", country_fairness.plot_countries),
                           ("figure6.png", country_fairness.plot_heatmap)):
            f, _ = plot(countries, doc)
            f.savefig(os.path.join(out, name), dpi=110)
            plt.close(f)
    else:
        hint = "no country_fairness.json under the runs\n(postprocess/country_fairness.py, doc/analysis.md)"
        placeholder(os.path.join(out, "figure5.png"), "Figure 5: accuracy per country", hint)
        placeholder(os.path.join(out, "figure6.png"), "Figure 6: 80% rule between countries", hint)
    doc = next((d for d in map(read_json, assoc) if d and d.get("groups")), None)
    if doc:
        f, _ = associations.plot_associations(group_order(list(doc["groups"])), doc["groups"],
                                              doc.get("attribute", "group"))
        f.savefig(os.path.join(out, "figure7.png"), dpi=110)
        plt.close(f)
    else:
        placeholder(os.path.join(out, "figure7.png"), "Figure 7: associations",
                    "no associations.json under the runs\n(postprocess/associations.py, doc/analysis.md)")
    return fairness, assoc


# ----------------------------------------------------------------------------- main

def runs_table(runs):
    rows = [[r.name, r.kind, r.model, r.dataset, r.status] for r in runs]
    return Table("runs", "Runs found", ["Run", "Kind", "Model", "Dataset", "Status"], rows)


def sweep_section(sweeps):
    sys.path.insert(0, HERE)
    import sweep as sw  # noqa: E402
    out = []
    for s in sweeps:
        cs = sw.cells(sw.load(s))
        best = sw.best(cs)
        done = sum(1 for c in cs if sw.status(c) == "done")
        out.append(f"**Sweep {s}**: {done} of {len(cs)} cells done.\n")
        out.append("| Dataset | Best cell | " + (cs[0]["metric"] if cs else "top1") + " | Run |")
        out.append("|---|---|---:|---|")
        for ds in dict.fromkeys(c["dataset"] for c in cs):
            if ds in best:
                c, v = best[ds]
                grid = ", ".join(f"{k}={sw._fmt_value(x)}" for k, x in c["grid"].items())
                out.append(f"| {ds} | {grid} | {percent(v):.1f} | {c['run_dir']} |")
            else:
                out.append(f"| {ds} | {MISSING} | {MISSING} | {MISSING} |")
        out.append("")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="report.py", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", action="append", required=True, help="a folder of run directories")
    ap.add_argument("--out", required=True, help="where the tables and plots go")
    ap.add_argument("--sweep", action="append", default=[], help="a sweep file to summarize")
    ap.add_argument("--swag", help="a swag binary: model sizes from `swag info`")
    ap.add_argument("--paper", default=os.path.join(HERE, "reference", "paper_tables.json"))
    ap.add_argument("--models", default=os.path.join(HERE, "reference", "models.json"))
    a = ap.parse_args(argv)
    # a stop signal from the job script: the report is cheap, it simply starts over next time
    signal.signal(signal.SIGUSR1, lambda *_: sys.exit(75))
    try:
        paper = read_json(a.paper)
        if paper is None:
            raise ReportError(f"cannot read the paper's numbers from {a.paper}", 5)
        runs = collect(a.runs)
        if not a.sweep:  # the sweeps the cells came from
            a.sweep = sorted({r.cell["sweep_file"] for r in runs if r.cell and r.cell.get("sweep_file")
                              and os.path.exists(r.cell["sweep_file"])})
        os.makedirs(a.out, exist_ok=True)
        res = Results(runs, Sizes(a.models, a.swag))
        ours = [res.table1(), res.table2(), res.table3(), res.table4(), res.table5(), res.table6(),
                res.table7(), res.table8(), res.table9()]
        theirs = {t.name: t for t in paper_tables(paper)}
        for t in ours + list(theirs.values()):
            write_table(t, a.out)
        rt = runs_table(runs)
        write_csv(rt, os.path.join(a.out, "runs.csv"))
        figure2(res, paper, os.path.join(a.out, "figure2.png"))
        figure3(res, paper, os.path.join(a.out, "figure3.png"))
        figure4(res, os.path.join(a.out, "figure4.png"))
        fairness, assoc = analysis_figures(a.runs, a.out)
        with open(os.path.join(a.out, "report.md.tmp"), "w") as f:
            f.write("# swag report\n\n")
            f.write(f"{len(runs)} run directories under {', '.join(a.runs)}: "
                    f"{sum(r.done for r in runs)} finished, {sum(not r.done for r in runs)} partial. "
                    f"Missing cells are \"{MISSING}\".\n\n")
            for t in ours:
                f.write(markdown(t))
                f.write("\n")
                if t.name + "_paper" in theirs:
                    f.write(markdown(theirs[t.name + "_paper"]))
                    f.write("\n")
            for n in (2, 3, 4, 5, 6, 7):
                f.write(f"![Figure {n}](figure{n}.png)\n\n")
            for what, files in (("Figures 5 and 6", fairness), ("Figure 7", assoc)):
                if files:
                    f.write(f"{what} from {files[0]}" + (f" (also found: {', '.join(files[1:])})"
                                                         if files[1:] else "") + ".\n\n")
            if a.sweep:
                f.write(sweep_section(a.sweep))
            f.write(markdown(rt))
        os.replace(os.path.join(a.out, "report.md.tmp"), os.path.join(a.out, "report.md"))
        print(f"report: {len(runs)} runs -> {a.out}/report.md, tables 1-9, figures 2-7")
    except ReportError as e:
        print(f"swag: error: {e}", file=sys.stderr)
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
