"""`swag platt` through the command line: bad input (a `swag: error:` line naming the file and
dataset, the documented exit code, no output left behind) and a numpy reference check of a fit.

    platt_cli.py SWAG_EXE CASE WORKDIR        (run with /usr/bin/python3: needs h5py, numpy)
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

INPUT, IO = 4, 5


def run(swag, *args):
    return subprocess.run([swag, *args], capture_output=True, text=True)


def expect_error(result, code, texts, output):
    lines = [l for l in result.stderr.splitlines() if l.startswith("swag: error:")]
    assert result.returncode == code, f"exit {result.returncode}, expected {code}\n{result.stderr}"
    assert lines, f"no 'swag: error:' line in stderr:\n{result.stderr}"
    for text in texts:
        assert any(text in l for l in lines), f"'{text}' not in {lines}"
    folder = os.path.dirname(output)
    leftovers = [f for f in os.listdir(folder) if f.startswith(os.path.basename(output))]
    assert not leftovers, f"left behind: {leftovers}"
    print(f"ok: exit {code}: {lines[0]}")


def probs(n=40, c=4, seed=0):
    z = np.random.default_rng(seed).standard_normal((n, c)) * 2
    e = np.exp(z - z.max(1, keepdims=True))
    return (e / e.sum(1, keepdims=True)).astype(np.float32)


def write(work, **datasets):
    path = os.path.join(work, "p.h5")
    with h5py.File(path, "w") as f:
        for name, value in datasets.items():
            f[name] = value
    return path


def platt_fails(swag, work, path, code, texts):
    out = os.path.join(work, "o.h5")
    expect_error(run(swag, "platt", "--probs", path, "--output", out), code, texts, out)


def case_missing_file(swag, work):
    platt_fails(swag, work, os.path.join(work, "none.h5"), IO, ["none.h5"])


def case_not_hdf5(swag, work):
    path = os.path.join(work, "p.h5")
    open(path, "w").write("not hdf5\n")
    platt_fails(swag, work, path, IO, ["p.h5"])


def case_missing_dataset(swag, work):
    platt_fails(swag, work, write(work, scores=probs()), INPUT, ["p.h5", "/probs"])


def case_wrong_rank(swag, work):
    platt_fails(swag, work, write(work, probs=probs().reshape(-1)), INPUT,
                ["p.h5: /probs has shape [160]"])
    platt_fails(swag, work, write(work, probs=probs()[:, :1]), INPUT, ["p.h5: /probs has shape"])


def case_non_finite(swag, work):
    p = probs()
    p[3, 2] = np.nan
    platt_fails(swag, work, write(work, probs=p), INPUT, ["p.h5: /probs[3, 2] = nan"])


def case_negative(swag, work):
    p = probs()
    p[5, 1] = -0.25
    platt_fails(swag, work, write(work, probs=p), INPUT, ["p.h5: /probs[5, 1] = -0.25"])


def case_row_sum(swag, work):
    p = probs()
    p[7] *= 2
    platt_fails(swag, work, write(work, probs=p), INPUT, ["p.h5: /probs row 7 sums to 2"])


def case_unwritable_output(swag, work):
    out = os.path.join(work, "no", "such", "dir", "o.h5")
    r = run(swag, "platt", "--probs", write(work, probs=probs()), "--output", out)
    lines = [l for l in r.stderr.splitlines() if l.startswith("swag: error:")]
    assert r.returncode == IO and lines and "o.h5" in lines[0], r.stderr
    print(f"ok: exit {IO}: {lines[0]}")


def objective(p, w, b, s, lam):
    """J of doc/zeroshot.md, written independently of the C++ code."""
    n, c = p.shape
    z = w * p + b
    z = z - z.max(1, keepdims=True)
    q = np.exp(z)
    q /= q.sum(1, keepdims=True)
    kl = -np.mean(np.log(c * q.mean(0)))
    return kl + lam / (2 * c) * (np.sum((w / s - 1) ** 2) + np.sum((b / s) ** 2)), q


def numeric_gradient(p, w, b, s, lam, h=1e-5):
    theta = np.concatenate([w, b])
    c = len(w)
    g = np.zeros_like(theta)
    for j in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        # Steps relative to the value keep the difference above float64 rounding.
        step = h * max(1.0, abs(theta[j]))
        up[j] += step
        down[j] -= step
        g[j] = (objective(p, up[:c], up[c:], s, lam)[0] -
                objective(p, down[:c], down[c:], s, lam)[0]) / (2 * step)
    return g


def case_reference(swag, work):
    # A skewed prior on 6 classes: rows favour the low classes, so argmax predictions are
    # unbalanced; the fit must be a stationary point of J and balance the predictions.
    rng = np.random.default_rng(3)
    n, c = 600, 6
    y = np.arange(n) % c
    z = rng.standard_normal((n, c)) + 2.5 * np.eye(c)[y] - 0.6 * np.arange(c)
    e = np.exp(z - z.max(1, keepdims=True))
    p = (e / e.sum(1, keepdims=True)).astype(np.float32)
    path, out = write(work, probs=p), os.path.join(work, "o.h5")
    r = run(swag, "platt", "--probs", path, "--output", out)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("platt: 600 rows, 6 classes") and "converged" in r.stdout, r.stdout
    print(r.stdout.strip())
    with h5py.File(out, "r") as f:
        assert f.attrs["format"] in ("swag-platt", b"swag-platt"), f.attrs["format"]
        assert f["w"].shape == (c,) and f["b"].shape == (c,) and f["w"].dtype == np.float32
        w, b = f["w"][...].astype(np.float64), f["b"][...].astype(np.float64)
        calibrated = f["probs_calibrated"][...]
        s, lam = float(f["scale"][()]), float(f["regularization"][()])
        reported = float(f["objective"][()])
        assert int(f.attrs["converged"]) == 1 and int(f.attrs["iterations"]) > 0
    p64 = p.astype(np.float64)
    assert np.isclose(s, 20 / p64.max(1).mean(), rtol=1e-6), s
    j, q = objective(p64, w, b, s, lam)
    assert abs(j - reported) < 1e-6, (j, reported)
    assert np.abs(calibrated - q).max() < 1e-5, np.abs(calibrated - q).max()
    # Stationary: the gradient at the returned (w, b) is ~0, against its size at the start.
    g = numeric_gradient(p64, w, b, s, lam)
    g0 = numeric_gradient(p64, np.full(c, s), np.zeros(c), s, lam)
    print(f"max |dJ| at the fit {np.abs(g).max():.2e}, at the start {np.abs(g0).max():.2e}")
    assert np.abs(g).max() < 1e-4 * np.abs(g0).max(), (np.abs(g).max(), np.abs(g0).max())
    # ...and a minimum there: J rises along random directions.
    for d in np.random.default_rng(4).standard_normal((5, 2 * c)):
        d *= 1e-2 * s / np.linalg.norm(d)
        assert objective(p64, w + d[:c], b + d[c:], s, lam)[0] > j
    before = np.bincount(p.argmax(1), minlength=c) / n
    after = np.bincount(calibrated.argmax(1), minlength=c) / n
    print("predicted-class fractions before", before.round(3), "after", after.round(3))
    assert before.max() - before.min() > 0.2, before
    assert after.max() - after.min() < 0.05, after
    assert (calibrated.argmax(1) == y).mean() > (p.argmax(1) == y).mean()
    # Row blocks summed in a fixed order: the same bits with 1 or 3 threads.
    for threads in ("1", "3"):
        other = os.path.join(work, f"o{threads}.h5")
        r = subprocess.run([swag, "platt", "--probs", path, "--output", other], capture_output=True,
                           text=True, env={**os.environ, "OMP_NUM_THREADS": threads})
        assert r.returncode == 0, r.stderr
        with h5py.File(other, "r") as f:
            assert np.array_equal(f["w"][...], w.astype(np.float32)), threads
            assert np.array_equal(f["b"][...], b.astype(np.float32)), threads


if __name__ == "__main__":
    swag_exe, case, workdir = sys.argv[1:4]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    globals()["case_" + case](swag_exe, workdir)
