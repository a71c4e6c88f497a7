#!/usr/bin/python3
"""Compare `swag predict` outputs with a PyTorch reference made by tools/torch_reference.py.

Usage:
    /usr/bin/python3 tests/parity/compare.py --reference D/reference.h5 \\
        --eval Y_eval.h5 --train Y_train.h5 [--against float32|float64]

Checks, in the measure  err = max|ours - ref| / max|ref|  (max|ours - ref| where ref is all zero):
  eval logits     Y_eval.h5:/logits   against /logits_eval    err <= 1e-4
  train logits    Y_train.h5:/logits  against /logits_train   err <= 1e-4
  loss            Y_train.h5:/loss    against /loss           |ours - ref| / |ref| <= 1e-5
  gradients       Y_train.h5:/grads/<name> against /grads/<name>, every parameter present with
                  the same shape, no other, each tensor err <= 1e-3
With --against float64 (ill-conditioned cases, where two float32 implementations may rightly
differ by far more than 1e-3), the train logits, the loss and every gradient are instead measured
against the same model run in float64 (/logits_train64, /loss64, /grads64), and swag's error
must be at most 4x PyTorch float32's, errors under 1e-6 counting as 1e-6. PyTorch float32's
error is that of its own float32 loss (/loss32, not /loss, which is rounded in float64) and the
larger of its NCHW and channels_last (NHWC) passes: near a ReLU's threshold the two round
differently, and which side a rounding lands on moves a whole channel's gradient, and with it
the logits and the loss (doc/engine.md, "Gradient accuracy").
Non-finite values fail. Prints every check and a table of the tensors with the largest error;
exits 0 when all pass, 1 otherwise (2 for a bad command line).
"""

import argparse
import sys

import h5py
import numpy as np

TOL_LOGITS = 1e-4
TOL_LOSS = 1e-5
TOL_GRADS = 1e-3
WORST_SHOWN = 12
FACTOR64 = 4.0
FLOOR64 = 1e-6


def rel_error(ours: np.ndarray, ref: np.ndarray) -> float:
    """max|ours - ref| / max|ref|, in float64; inf when ours is not finite."""
    ours = ours.astype(np.float64)
    ref = ref.astype(np.float64)
    if not np.all(np.isfinite(ours)):
        return float("inf")
    scale = np.max(np.abs(ref)) if ref.size else 0.0
    diff = np.max(np.abs(ours - ref)) if ref.size else 0.0
    return float(diff / scale) if scale > 0 else float(diff)


class Report:
    def __init__(self):
        self.failures = []

    def check(self, ok: bool, what: str, detail: str) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")
        if not ok:
            self.failures.append(what)


def read(f: h5py.File, path: str, report: Report, label: str):
    if path not in f:
        report.check(False, f"{label}{path}", "missing")
        return None
    return f[path][()]


def compare_tensor(report: Report, what: str, ours, ref, tol: float) -> None:
    if ours is None:
        return
    if ours.shape != ref.shape:
        report.check(False, what, f"shape {list(ours.shape)}, expected {list(ref.shape)}")
        return
    err = rel_error(ours, ref)
    report.check(err <= tol, what, f"err {err:.3e} (tolerance {tol:.0e}, max|ref| "
                                   f"{np.max(np.abs(ref)):.4g})")


def ratio_to_float64(ours, torch32s, truth) -> tuple:
    """(ratio, swag's err, PyTorch's err) against the float64 truth, with the floor applied."""
    ours_err = rel_error(ours, truth)
    torch_err = max(rel_error(t, truth) for t in torch32s)
    return max(ours_err, FLOOR64) / max(torch_err, FLOOR64), ours_err, torch_err


def compare_with_float64(report: Report, ref: h5py.File, tr: h5py.File, train_path: str) -> None:
    """Train logits, loss and gradients: distance from float64, swag's against PyTorch's."""
    for what, ours, torch32, truth in (
            ("train logits", "/logits", ("logits_train", "logits_train_nhwc"), "logits_train64"),
            ("loss", "/loss", ("loss32", "loss_nhwc"), "loss64")):
        got = read(tr, ours, report, train_path + ":")
        if got is not None:
            torch32s = [ref[name][()] for name in torch32 if name in ref]
            ratio, e_ours, e_torch = ratio_to_float64(got, torch32s, ref[truth][()])
            report.check(ratio <= FACTOR64, f"{what} against float64",
                         f"err {e_ours:.3e}, PyTorch float32 {e_torch:.3e}, ratio {ratio:.2f}")
    ours_grads = tr["grads"] if "grads" in tr else {}
    rows, missing = [], []
    for name, ds in ref["grads64"].items():
        if name not in ours_grads or ours_grads[name].shape != ds.shape:
            missing.append(name)
            continue
        torch32s = [ref["grads"][name][()]]
        if "grads_nhwc" in ref:
            torch32s.append(ref["grads_nhwc"][name][()])
        rows.append(ratio_to_float64(ours_grads[name][()], torch32s, ds[()]) + (name,))
    rows.sort(key=lambda r: -r[0] if np.isfinite(r[0]) else -np.inf)
    over = [r for r in rows if not r[0] <= FACTOR64]
    ratios = [r[0] for r in rows] or [0.0]
    report.check(not over and not missing, "gradients against float64",
                 f"{len(rows)}/{len(ref['grads64'])} compared, {len(over)} over {FACTOR64:g}x "
                 f"PyTorch float32's error; ratio worst {max(ratios):.2f}, median "
                 f"{float(np.median(ratios)):.2f}")
    for name in missing[:WORST_SHOWN]:
        print(f"     missing or misshaped /grads/{name}")
    print(f"\nlargest ratios (of {len(rows)}; PyTorch: the worse of NCHW and NHWC):")
    print(f"  {'ratio':>7}  {'swag err':>10}  {'torch err':>10}  name")
    for ratio, ours, torch32, name in rows[:WORST_SHOWN]:
        flag = "  <-- over" if not ratio <= FACTOR64 else ""
        print(f"  {ratio:7.2f}  {ours:10.3e}  {torch32:10.3e}  {name}{flag}")


def compare(reference: str, eval_path: str, train_path: str, against: str) -> int:
    report = Report()
    with h5py.File(reference, "r") as ref, h5py.File(eval_path, "r") as ev, \
            h5py.File(train_path, "r") as tr:
        compare_tensor(report, "eval logits", read(ev, "/logits", report, eval_path + ":"),
                       ref["logits_eval"][()], TOL_LOGITS)
        if against == "float64":
            compare_with_float64(report, ref, tr, train_path)
            return finish(report, [])
        compare_tensor(report, "train logits", read(tr, "/logits", report, train_path + ":"),
                       ref["logits_train"][()], TOL_LOGITS)

        loss = read(tr, "/loss", report, train_path + ":")
        if loss is not None:
            ref_loss = float(ref["loss"][()])
            err = abs(float(loss) - ref_loss) / abs(ref_loss)
            ok = np.isfinite(float(loss)) and err <= TOL_LOSS
            report.check(ok, "loss", f"{float(loss):.9g} vs {ref_loss:.9g}, rel err {err:.3e} "
                                     f"(tolerance {TOL_LOSS:.0e})")

        ref_grads = ref["grads"]
        ours_grads = tr["grads"] if "grads" in tr else {}
        rows = []
        bad = []
        for name, ds in ref_grads.items():
            want = ds[()]
            if name not in ours_grads:
                bad.append(f"missing /grads/{name}")
                continue
            got = ours_grads[name][()]
            if got.shape != want.shape:
                bad.append(f"/grads/{name} has shape {list(got.shape)}, expected "
                           f"{list(want.shape)}")
                continue
            rows.append((rel_error(got, want), name, list(want.shape),
                         float(np.max(np.abs(want)))))
        for name in ours_grads:
            if name not in ref_grads:
                bad.append(f"unexpected /grads/{name}")
        over = [r for r in rows if not r[0] <= TOL_GRADS]
        worst = max((r[0] for r in rows), default=0.0)
        report.check(not bad and not over, "gradients",
                     f"{len(rows)}/{len(ref_grads)} compared, {len(over)} over tolerance "
                     f"{TOL_GRADS:.0e}, worst err {worst:.3e}")
        for line in bad[:WORST_SHOWN]:
            print(f"     {line}")
        if len(bad) > WORST_SHOWN:
            print(f"     ... and {len(bad) - WORST_SHOWN} more")

    return finish(report, rows)


def finish(report: Report, rows: list) -> int:
    """Prints the float32 comparison's worst gradients and the verdict."""
    rows.sort(key=lambda r: (-r[0] if np.isfinite(r[0]) else -np.inf))
    if rows:
        print(f"\nworst gradients (of {len(rows)}):")
        print(f"  {'err':>10}  {'max|ref|':>10}  {'shape':<18} name")
        for err, name, shape, scale in rows[:WORST_SHOWN]:
            flag = "  <-- over" if not err <= TOL_GRADS else ""
            print(f"  {err:10.3e}  {scale:10.3e}  {str(shape):<18} {name}{flag}")
    if report.failures:
        print(f"\nparity FAILED: {', '.join(report.failures)}")
        return 1
    print("\nparity passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--reference", required=True, help="reference.h5 from torch_reference.py")
    parser.add_argument("--eval", required=True, help="output of swag predict without --targets")
    parser.add_argument("--train", required=True, help="output of swag predict with --targets")
    parser.add_argument("--against", choices=("float32", "float64"), default="float32",
                        help="the reference for train logits, loss and gradients")
    args = parser.parse_args()
    for path in (args.reference, args.eval, args.train):
        try:
            h5py.File(path, "r").close()
        except OSError as exc:
            print(f"parity FAILED: cannot read {path}: {exc}")
            return 1
    return compare(args.reference, args.eval, args.train, args.against)


if __name__ == "__main__":
    sys.exit(main())
