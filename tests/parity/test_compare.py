#!/usr/bin/python3
"""Self-test of the parity pipeline without the C++ engine (ctest: parity_selftest).

Usage:
    /usr/bin/python3 tests/parity/test_compare.py --workdir D

Runs tests/parity/run_parity.sh with tests/parity/torch_predict.py standing in for swag, which
must pass; then damages copies of its outputs in ways compare.py must reject: a gradient off by
1e-2 of its scale, a missing gradient, a mis-shaped gradient, eval logits off by 1e-3, a NaN loss,
a loss off by 1e-4. Exits 1 if any expectation fails.
"""

import argparse
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GRAD = "trunk_output.block3.block3-0.f.b.0.weight"


def damage_grad_value(f):
    g = f["grads"][GRAD]
    data = g[()]
    data.flat[0] += 1e-2 * np.max(np.abs(data))
    g[...] = data


def damage_grad_missing(f):
    del f["grads"][GRAD]


def damage_grad_shape(f):
    data = f["grads"][GRAD][()]
    del f["grads"][GRAD]
    f["grads"][GRAD] = data.reshape(data.shape[0], -1)


def damage_loss_nan(f):
    f["loss"][()] = np.nan


def damage_loss_value(f):
    f["loss"][()] = f["loss"][()] * (1 + 1e-4)


def damage_eval_logits(f):
    data = f["logits"][()]
    data[0, 0] += 1e-3 * np.max(np.abs(data))
    f["logits"][...] = data


# (name, file damaged, function, text compare.py must print)
DAMAGES = [
    ("grad value", "train.h5", damage_grad_value, "FAIL gradients"),
    ("grad missing", "train.h5", damage_grad_missing, f"missing /grads/{GRAD}"),
    ("grad shape", "train.h5", damage_grad_shape, f"/grads/{GRAD} has shape"),
    ("loss NaN", "train.h5", damage_loss_nan, "FAIL loss"),
    ("loss value", "train.h5", damage_loss_value, "FAIL loss"),
    ("eval logits", "eval.h5", damage_eval_logits, "FAIL eval logits"),
]


def compare(workdir: str, eval_path: str, train_path: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, os.path.join(HERE, "compare.py"),
                           "--reference", os.path.join(workdir, "reference.h5"),
                           "--eval", eval_path, "--train", train_path],
                          capture_output=True, text=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    workdir = args.workdir
    pipeline = subprocess.run(["bash", os.path.join(HERE, "run_parity.sh"),
                               os.path.join(HERE, "torch_predict.py"), sys.executable, workdir])
    if pipeline.returncode != 0:
        print(f"FAIL: run_parity.sh with torch_predict.py exited {pipeline.returncode}")
        return 1
    failures = 0
    for name, target, damage, expected in DAMAGES:
        paths = {f: os.path.join(workdir, f) for f in ("eval.h5", "train.h5")}
        damaged = os.path.join(workdir, "damaged_" + target)
        shutil.copyfile(paths[target], damaged)
        with h5py.File(damaged, "r+") as f:
            damage(f)
        paths[target] = damaged
        proc = compare(workdir, paths["eval.h5"], paths["train.h5"])
        ok = proc.returncode == 1 and expected in proc.stdout
        print(f"{'PASS' if ok else 'FAIL'} {name}: compare.py exit {proc.returncode}"
              + ("" if ok else f", expected 1 and {expected!r}; output:\n{proc.stdout}"))
        failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
