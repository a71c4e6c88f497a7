#!/usr/bin/python3
"""Compare `swag predict` outputs with a PyTorch reference made by tools/torch_reference.py.

Usage:
    /usr/bin/python3 tests/parity/compare.py --reference D/reference.h5 \\
        --eval Y_eval.h5 --train Y_train.h5

Checks, in the measure  err = max|ours - ref| / max|ref|  (max|ours - ref| where ref is all zero):
  eval logits     Y_eval.h5:/logits   against /logits_eval    err <= 1e-4
  train logits    Y_train.h5:/logits  against /logits_train   err <= 1e-4
  loss            Y_train.h5:/loss    against /loss           |ours - ref| / |ref| <= 1e-5
  gradients       Y_train.h5:/grads/<name> against /grads/<name>, every parameter present with
                  the same shape, no other, each tensor err <= 1e-3
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


def compare(reference: str, eval_path: str, train_path: str) -> int:
    report = Report()
    with h5py.File(reference, "r") as ref, h5py.File(eval_path, "r") as ev, \
            h5py.File(train_path, "r") as tr:
        compare_tensor(report, "eval logits", read(ev, "/logits", report, eval_path + ":"),
                       ref["logits_eval"][()], TOL_LOGITS)
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
    args = parser.parse_args()
    for path in (args.reference, args.eval, args.train):
        try:
            h5py.File(path, "r").close()
        except OSError as exc:
            print(f"parity FAILED: cannot read {path}: {exc}")
            return 1
    return compare(args.reference, args.eval, args.train)


if __name__ == "__main__":
    sys.exit(main())
