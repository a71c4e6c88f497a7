#!/usr/bin/python3
"""Sweeps: list, expand and judge the cells of a sweep file (inputs/sweeps/*.toml).

    sweep.py list  SWEEP [--json]          every cell: index, dataset, grid values, run dir, status
    sweep.py count SWEEP                   the number of cells (an array is --array=0-(count-1))
    sweep.py cell  SWEEP INDEX [--json | --argv | --run-dir]
                                           one cell: its parameters, the swag command line after
                                           the binary (NUL-separated), or its run directory
    sweep.py prepare SWEEP INDEX           create the cell's run directory and its cell.json;
                                           prints the run directory
    sweep.py best  SWEEP [--json]          per dataset, the finished cell with the highest metric

INDEX defaults to $SLURM_ARRAY_TASK_ID. Relative paths in a sweep file (decks, data, run_root) are
relative to the working directory of the jobs, the repository root by default (doc/slurm.md).

A sweep file is TOML (format in doc/slurm.md, "Sweep files"):

    [sweep]   kind = "finetune" | "eval" | "zeroshot" | "linear-probe" | "bench", name, run_root,
              metric ("top1"),
              base = "other.toml" (merged first, relative to this file: tables key by key,
              [[datasets]] by name, an entry of the same name updating the base's)
    [params]  keys of every cell. Keys with a dot ("optim.lr") are deck overrides (finetune only),
              keys that are options of the kind's command become options, the rest is metadata
              (model, approach, pretrain, ...) recorded in the cell's cell.json
    [[datasets]] name = "in1k", then keys like [params] for that dataset's cells; `grid` replaces
              the sweep's grid for this dataset
    [grid]    key = [values]: every dataset's cells are the product of these lists

String values may use ${VAR} and ${VAR:-default} (environment, defaults may nest), e.g. a data
root. An `init` or `checkpoint` naming a checkpoints/latest file means the checkpoint it names
when the cell runs (the final one of a finished pre-training).

Cells are ordered dataset by dataset, then by the grid in the order its keys are written, the
last key varying fastest. Exit codes: 0 ok, 2 bad command line, 3 bad sweep file, 5 unreadable.
"""
import argparse
import itertools
import json
import math
import os
import re
import sys
from pycompat import tomllib

SCORING = {"real_labels": "--real-labels", "objectnet_mapping": "--objectnet-mapping"}
KINDS = {
    # kind: (swag subcommand, {parameter: option}); parameters not listed (without a dot) are
    # metadata. Boolean parameters become a bare flag when true.
    "finetune": ("finetune", {"deck": "--config", "init": "--init"}),
    "eval": ("eval", {"checkpoint": "--checkpoint", "data": "--data", "resolution": "--resolution",
                      "batch": "--batch", "workers": "--workers", **SCORING}),
    "zeroshot": ("zeroshot", {"checkpoint": "--checkpoint", "vocab": "--vocab",
                              "mapping": "--mapping", "data": "--data", "platt": "--platt",
                              "aggregate": "--aggregate", "resolution": "--resolution",
                              "batch": "--batch", "workers": "--workers", **SCORING}),
    # the cell's run directory is the probe's --output-dir (features.h5, probe.h5, results.json)
    "linear-probe": ("linear-probe", {"checkpoint": "--checkpoint", "train": "--train",
                                      "eval": "--eval", "resolution": "--resolution",
                                      "weight_decay": "--weight-decay",
                                      "max_iterations": "--max-iterations", "batch": "--batch",
                                      "workers": "--workers"}),
    "bench": ("bench", {"model": "--model", "mode": "--mode", "batch": "--batch",
                        "resolution": "--resolution", "threads": "--threads",
                        "warmup": "--warmup", "iters": "--iters"}),
}
REQUIRED = {"finetune": ["deck"], "eval": ["checkpoint", "data"],
            "zeroshot": ["checkpoint", "vocab", "mapping", "data"],
            "linear-probe": ["checkpoint", "train", "eval"], "bench": ["model", "mode"]}


class SweepError(Exception):
    def __init__(self, message, code=3):
        super().__init__(message)
        self.code = code


def _flatten(d, prefix=""):
    """{"model": {"resolution": 384}} -> {"model.resolution": 384}; quoted dotted keys stay."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and k not in ("grid",):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _read_toml(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise SweepError(f"sweep file {path} does not exist", 5)
    except OSError as e:
        raise SweepError(f"cannot read sweep file {path}: {e.strerror}", 5)
    except tomllib.TOMLDecodeError as e:
        raise SweepError(f"sweep file {path} is not valid TOML: {e}")


def _merge(base, over):
    out = dict(base)
    for k, v in over.items():
        if k == "datasets" and isinstance(out.get(k), list) and isinstance(v, list):
            # by name: an entry of the same name updates the base's, a new name is appended
            merged = [dict(d) for d in out[k]]
            for d in v:
                same = [m for m in merged if m.get("name") == d.get("name")]
                if same:
                    same[0].update(d)
                else:
                    merged.append(dict(d))
            out[k] = merged
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def load(path, _seen=None):
    """The sweep file with its `base` chain merged: tables key by key, [[datasets]] by name."""
    path = os.path.abspath(path)
    seen = _seen or []
    if path in seen:
        raise SweepError(f"sweep file {path}: `base` chain loops: {' -> '.join(seen + [path])}")
    doc = _read_toml(path)
    base = doc.get("sweep", {}).get("base")
    if base:
        parent = load(os.path.join(os.path.dirname(path), base), seen + [path])
        doc = _merge(parent, doc)
    doc.setdefault("sweep", {})["file"] = path
    return doc


def _expand(v):
    """${VAR} and ${VAR:-default} in string values, from the environment; defaults may nest
    (${A:-${B:-runs}/x}). A missing VAR without a default is an error, so that a typo does not
    silently become an empty path."""
    if isinstance(v, list):
        return [_expand(x) for x in v]
    if not isinstance(v, str):
        return v
    out, i = [], 0
    while i < len(v):
        j = v.find("${", i)
        if j < 0:
            out.append(v[i:])
            break
        out.append(v[i:j])
        depth, k = 1, j + 2
        while k < len(v) and depth:
            if v.startswith("${", k):
                depth, k = depth + 1, k + 2
                continue
            if v[k] == "}":
                depth -= 1
            k += 1
        if depth:
            raise SweepError(f"unclosed ${{ in {v!r}")
        body = v[j + 2:k - 1]
        name, sep, default = body.partition(":-")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise SweepError(f"bad variable ${{{body}}} in {v!r}")
        if os.environ.get(name):
            out.append(os.environ[name])
        elif sep:
            out.append(_expand(default))
        elif name in os.environ:
            out.append("")
        else:
            raise SweepError(f"${{{name}}} is used in the sweep file but not set")
        i = k
    return "".join(out)


def resolve_checkpoint(path):
    """A checkpoints/latest file names the newest checkpoint: use that file instead."""
    if isinstance(path, str) and os.path.basename(path) == "latest" and os.path.isfile(path):
        with open(path) as f:
            name = f.read().strip()
        if name:
            return os.path.join(os.path.dirname(path), name)
    return path


def _fmt_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _tag(key, v):
    short = key.split(".")[-1]
    return f"{short}-{_fmt_value(v)}".replace("/", "_")


def cells(doc):
    sweep = doc["sweep"]
    where = sweep["file"]
    kind = sweep.get("kind", "finetune")
    if kind not in KINDS:
        raise SweepError(f"sweep file {where}: sweep.kind = {kind!r} is not one of {', '.join(KINDS)}")
    run_root = sweep.get("run_root")
    if not run_root:
        raise SweepError(f"sweep file {where}: sweep.run_root is missing")
    params = {k: _expand(v) for k, v in _flatten(doc.get("params", {})).items()}
    grid = {k: _expand(v) for k, v in doc.get("grid", {}).items()}
    run_root = _expand(run_root)
    # no [[datasets]]: one group, its cells directly under run_root
    datasets = doc.get("datasets") or [{"name": sweep.get("name") or "cell", "dir": ""}]
    out = []
    for ds in datasets:
        ds = dict(ds)
        if "name" not in ds:
            raise SweepError(f"sweep file {where}: a [[datasets]] entry has no name")
        ds_grid = ds.pop("grid", grid)
        name = ds.pop("name")
        subdir = ds.pop("dir", name)
        p = dict(params)
        p.update({k: _expand(v) for k, v in _flatten(ds).items()})
        ds_grid = {k: _expand(v) for k, v in ds_grid.items()}
        for k, vs in ds_grid.items():
            if not isinstance(vs, list) or not vs:
                raise SweepError(f"sweep file {where}: grid key {k!r} must be a non-empty list")
        keys = list(ds_grid)
        for values in itertools.product(*(ds_grid[k] for k in keys)):
            cp = dict(p)
            cp.update(dict(zip(keys, values)))
            tag = "_".join(_tag(k, v) for k, v in zip(keys, values))
            run_dir = os.path.join(run_root, subdir, tag).rstrip("/")  # one cell: run_root itself
            missing = [r for r in REQUIRED[kind] if r not in cp]
            if missing:
                raise SweepError(f"sweep file {where}: dataset {name!r} lacks {', '.join(missing)}")
            bad = [k for k in cp if "." in k and kind != "finetune"]
            if bad:
                raise SweepError(f"sweep file {where}: deck overrides {bad} only apply to finetune sweeps")
            out.append({"index": len(out), "kind": kind, "sweep": _expand(sweep.get("name", "")),
                        "sweep_file": where, "dataset": name, "grid": dict(zip(keys, values)),
                        "params": cp, "run_dir": run_dir, "metric": sweep.get("metric", "top1")})
    return out


def argv(cell):
    """The swag command line after the binary for one cell."""
    sub, options = KINDS[cell["kind"]]
    args = [sub]
    p = dict(cell["params"])
    for k in ("init", "checkpoint"):
        if k in p:
            p[k] = resolve_checkpoint(p[k])
    for key, opt in options.items():
        if key not in p:
            continue
        v = p[key]
        if isinstance(v, bool):
            if v:
                args.append(opt)
        else:
            args += [opt, _fmt_value(v)]
    if cell["kind"] == "finetune":
        args += [f"{k}={_fmt_value(v)}" for k, v in p.items() if "." in k and k != "run.dir"]
        args.append(f"run.dir={cell['run_dir']}")
    else:
        if cell["kind"] == "linear-probe":
            args += ["--output-dir", cell["run_dir"]]
        args.append("--json")
    return args


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError):
        return None


def status(cell):
    d = cell["run_dir"]
    if read_json(os.path.join(d, "results.json")) is not None:
        return "done"
    if os.path.isdir(d) and os.listdir(d):
        return "started"
    return "pending"


def metric_value(cell):
    r = read_json(os.path.join(cell["run_dir"], "results.json"))
    if not r:
        return None
    v = r.get(cell["metric"])
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def best(cs):
    """{dataset: cell with the highest metric among finished cells}; ties go to the first cell."""
    out = {}
    for c in cs:
        v = metric_value(c)
        if v is None:
            continue
        if c["dataset"] not in out or v > out[c["dataset"]][1]:
            out[c["dataset"]] = (c, v)
    return out


def prepare(cell):
    os.makedirs(cell["run_dir"], exist_ok=True)
    path = os.path.join(cell["run_dir"], "cell.json")
    tmp = path + ".tmp"
    meta = {k: cell[k] for k in ("kind", "sweep", "sweep_file", "index", "dataset", "grid", "params",
                                 "metric")}
    meta["params"] = dict(meta["params"])
    for k in ("init", "checkpoint"):  # the checkpoint actually used, not checkpoints/latest
        if k in meta["params"]:
            meta["params"][k] = resolve_checkpoint(meta["params"][k])
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
    return cell["run_dir"]


def _index(cs, raw):
    if raw is None:
        raw = os.environ.get("SLURM_ARRAY_TASK_ID")
        if raw is None:
            raise SweepError("no INDEX given and SLURM_ARRAY_TASK_ID is not set", 2)
    try:
        i = int(raw)
    except ValueError:
        raise SweepError(f"cell index {raw!r} is not an integer", 2)
    if not 0 <= i < len(cs):
        raise SweepError(f"cell index {i} is out of range: the sweep has {len(cs)} cells "
                         f"(0-{len(cs) - 1})", 2)
    return cs[i]


def main(argv_in=None):
    ap = argparse.ArgumentParser(prog="sweep.py", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list"); p.add_argument("sweep"); p.add_argument("--json", action="store_true")
    p = sub.add_parser("count"); p.add_argument("sweep")
    p = sub.add_parser("cell"); p.add_argument("sweep"); p.add_argument("index", nargs="?")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true"); g.add_argument("--argv", action="store_true")
    g.add_argument("--run-dir", action="store_true")
    p = sub.add_parser("prepare"); p.add_argument("sweep"); p.add_argument("index", nargs="?")
    p = sub.add_parser("best"); p.add_argument("sweep"); p.add_argument("--json", action="store_true")
    a = ap.parse_args(argv_in)
    try:
        cs = cells(load(a.sweep))
        if a.cmd == "count":
            print(len(cs))
        elif a.cmd == "list":
            if a.json:
                print(json.dumps([dict(c, status=status(c)) for c in cs], indent=1))
            else:
                for c in cs:
                    grid = " ".join(f"{k}={_fmt_value(v)}" for k, v in c["grid"].items())
                    print(f"{c['index']:4d}  {c['dataset']:<12} {grid:<24} {status(c):<8} {c['run_dir']}")
        elif a.cmd == "cell":
            c = _index(cs, a.index)
            if a.argv:
                sys.stdout.write("".join(x + "\0" for x in argv(c)))
            elif a.run_dir:
                print(c["run_dir"])
            else:
                print(json.dumps(dict(c, argv=argv(c)), indent=1))
        elif a.cmd == "prepare":
            print(prepare(_index(cs, a.index)))
        elif a.cmd == "best":
            b = best(cs)
            if a.json:
                print(json.dumps({ds: {"index": c["index"], "grid": c["grid"], c["metric"]: v,
                                       "run_dir": c["run_dir"]} for ds, (c, v) in b.items()},
                                 indent=1))
            else:
                datasets = list(dict.fromkeys(c["dataset"] for c in cs))
                for ds in datasets:
                    if ds in b:
                        c, v = b[ds]
                        grid = " ".join(f"{k}={_fmt_value(x)}" for k, x in c["grid"].items())
                        print(f"{ds:<12} {c['metric']} {v:.4f}  {grid}  ({c['run_dir']})")
                    else:
                        print(f"{ds:<12} -  (no finished cell)")
    except SweepError as e:
        print(f"swag: error: {e}", file=sys.stderr)
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
