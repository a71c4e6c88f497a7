"""Shared input and output of the Section 5 / Appendix F analyses (associations.py,
country_fairness.py): reading `swag predict --topk` lines, CSV tables and mapping.json, the
`swag: error:` convention and atomic writes. Python 3.9+, standard library only (plots use
matplotlib in the scripts themselves). doc/analysis.md describes the formats.

Exit codes, as the swag command's (doc/cli.md): 2 bad command line, 4 bad input file (a
missing column, an unknown index, a bad JSON line, an empty group, ...), 5 a file that cannot
be opened, read or written.
"""
import argparse
import csv
import json
import math
import os
import sys
import tempfile

USAGE, INPUT, IO = 2, 4, 5
_UMASK = os.umask(0)
os.umask(_UMASK)


class AnalysisError(Exception):
    """An error to report as one `swag: error:` line, exiting with `code`."""

    def __init__(self, message, code=INPUT):
        super().__init__(message)
        self.code = code


class ArgumentParser(argparse.ArgumentParser):
    """argparse with swag's error line: `swag: error: <what>` and exit 2."""

    def error(self, message):
        raise AnalysisError(f"{self.prog}: {message}", USAGE)


def main_guard(run):
    """Runs run() and turns an AnalysisError into its error line and exit code."""
    try:
        run()
    except AnalysisError as e:
        print(f"swag: error: {e}", file=sys.stderr)
        sys.exit(e.code)


def _open_text(path):
    try:
        return open(path, encoding="utf-8", newline="")
    except OSError as e:
        raise AnalysisError(f"{path}: cannot open: {e.strerror}", IO)


class Prediction:
    __slots__ = ("index", "path", "topk", "line")

    def __init__(self, index, path, topk, line):
        self.index, self.path, self.topk, self.line = index, path, topk, line


def read_predictions(path, min_k=1):
    """The lines of `swag predict --topk`: {"index": i, "path": p, "topk": [[h, s], ...]}.
    Returns {index: Prediction} with topk sorted by descending score (ties in file order).
    Every line must hold at least min_k predictions; indices are unique."""
    out = {}
    with _open_text(path) as f:
        try:
            lines = f.read().split("\n")
        except (OSError, UnicodeDecodeError) as e:
            raise AnalysisError(f"{path}: cannot read: {e}", IO)
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(text)
        except ValueError as e:
            raise AnalysisError(f"{where}: not a JSON object ({e})")
        if not isinstance(row, dict):
            raise AnalysisError(f"{where}: not a JSON object")
        for key in ("index", "path", "topk"):
            if key not in row:
                raise AnalysisError(f"{where}: missing key '{key}'")
        index = row["index"]
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise AnalysisError(f"{where}: 'index' is {json.dumps(index)}, expected an "
                                "integer >= 0")
        if not isinstance(row["path"], str):
            raise AnalysisError(f"{where}: 'path' is not a string")
        topk = row["topk"]
        if not isinstance(topk, list):
            raise AnalysisError(f"{where}: 'topk' is not a list")
        pairs = []
        for j, pair in enumerate(topk):
            ok = (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                  and pair[0] != "" and isinstance(pair[1], (int, float))
                  and not isinstance(pair[1], bool) and math.isfinite(pair[1]))
            if not ok:
                raise AnalysisError(f"{where}: 'topk'[{j}] is {json.dumps(pair)}, expected "
                                    "[\"hashtag\", finite score]")
            pairs.append((pair[0], float(pair[1])))
        if len({h for h, _ in pairs}) != len(pairs):
            raise AnalysisError(f"{where}: 'topk' lists a hashtag twice")
        if len(pairs) < min_k:
            raise AnalysisError(f"{where}: 'topk' has {len(pairs)} predictions, at least "
                                f"{min_k} are needed (--k)")
        if index in out:
            raise AnalysisError(f"{where}: index {index} already on line {out[index].line}")
        order = sorted(range(len(pairs)), key=lambda j: -pairs[j][1])
        out[index] = Prediction(index, row["path"], [pairs[j] for j in order], number)
    if not out:
        raise AnalysisError(f"{path}: no predictions")
    return out


def read_table(path, required):
    """A CSV file with a header line: (columns, [(line number, {column: value}), ...]).
    `required` lists column names that must be present; each entry may be a tuple of
    alternatives, of which at least one must be present."""
    with _open_text(path) as f:
        try:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise AnalysisError(f"{path}: empty file, expected a header line")
            header = [h.strip() for h in header]
            rows = []
            for fields in reader:
                line = reader.line_num
                if not fields or all(not x.strip() for x in fields):
                    continue
                if len(fields) != len(header):
                    raise AnalysisError(f"{path}:{line}: {len(fields)} fields, the header has "
                                        f"{len(header)}")
                rows.append((line, {h: x.strip() for h, x in zip(header, fields)}))
        except csv.Error as e:
            raise AnalysisError(f"{path}: CSV error: {e}")
        except UnicodeDecodeError as e:
            raise AnalysisError(f"{path}: not UTF-8 ({e})")
    if len(set(header)) != len(header):
        raise AnalysisError(f"{path}: a column name appears twice in the header")
    for need in required:
        names = need if isinstance(need, tuple) else (need,)
        if not any(n in header for n in names):
            wanted = " or ".join(f"'{n}'" for n in names)
            raise AnalysisError(f"{path}: no column {wanted} (columns: {', '.join(header)})")
    if not rows:
        raise AnalysisError(f"{path}: no rows")
    return header, rows


def parse_index(path, line, value):
    try:
        i = int(value)
    except ValueError:
        raise AnalysisError(f"{path}:{line}: index '{value}' is not an integer")
    if i < 0:
        raise AnalysisError(f"{path}:{line}: index {i} is negative")
    return i


def join_rows(path, header, rows, predictions):
    """Each row's Prediction, by its `index` column if present, else by its `path`; an image
    named twice, or not in the predictions, is an error naming the line."""
    by_path = None
    if "index" not in header:
        by_path = {}
        for p in predictions.values():
            if p.path in by_path:
                by_path[p.path] = None  # ambiguous
            else:
                by_path[p.path] = p
    seen = {}
    out = []
    for line, row in rows:
        if by_path is None:
            i = parse_index(path, line, row["index"])
            pred = predictions.get(i)
            if pred is None:
                raise AnalysisError(f"{path}:{line}: index {i} is not in the predictions")
        else:
            pred = by_path.get(row["path"], False)
            if pred is False:
                raise AnalysisError(f"{path}:{line}: path '{row['path']}' is not in the "
                                    "predictions")
            if pred is None:
                raise AnalysisError(f"{path}:{line}: path '{row['path']}' is on several lines of "
                                    "the predictions; use an 'index' column")
        if pred.index in seen:
            raise AnalysisError(f"{path}:{line}: image {pred.index} already on line "
                                f"{seen[pred.index]}")
        seen[pred.index] = line
        out.append((line, row, pred))
    return out


def read_json(path):
    with _open_text(path) as f:
        try:
            return json.load(f)
        except ValueError as e:
            raise AnalysisError(f"{path}: not JSON ({e})")
        except (OSError, UnicodeDecodeError) as e:
            raise AnalysisError(f"{path}: cannot read: {e}", IO)


def group_order(values):
    """Groups in numeric order when every value is a number, else in string order."""
    try:
        return sorted(values, key=lambda v: (float(v), v))
    except ValueError:
        return sorted(values)


def wilson_interval(count, n, z=1.959963984540054):
    """The 95% Wilson score interval of a binomial proportion count/n."""
    if n == 0:
        return [0.0, 1.0]
    p = count / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # the interval holds p exactly; min/max only undo rounding at p = 0 or 1 (1e-17 above 0)
    return [min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))]


def prepare_out_dir(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise AnalysisError(f"{path}: cannot create the output folder: {e.strerror}", IO)


class AtomicOutputs:
    """Collects outputs written to temporary names in their folder; commit() renames them all
    into place, abort() (or an exception inside `with`) removes them. A failed run leaves
    no output, complete or partial."""

    def __init__(self, folder):
        self.folder = folder
        self.pending = []

    def temp_for(self, name):
        try:
            fd, temp = tempfile.mkstemp(prefix=f".{name}.tmp.", dir=self.folder)
        except OSError as e:
            raise AnalysisError(f"{self.folder}: cannot write: {e.strerror}", IO)
        os.close(fd)
        os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual mode
        self.pending.append((temp, os.path.join(self.folder, name)))
        return temp

    def write_json(self, name, obj):
        temp = self.temp_for(name)
        try:
            with open(temp, "w", encoding="utf-8") as f:
                json.dump(obj, f, indent=1, allow_nan=False)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            raise AnalysisError(f"{temp}: cannot write: {e.strerror}", IO)

    def save_figure(self, fig, name):
        temp = self.temp_for(name)
        try:
            fig.savefig(temp, format="png", dpi=120)
        except OSError as e:
            raise AnalysisError(f"{temp}: cannot write: {e.strerror}", IO)

    def commit(self):
        for _, final in self.pending:
            if os.path.isdir(final):
                self.abort()
                raise AnalysisError(f"{final}: cannot write: is a folder", IO)
        try:
            for temp, final in self.pending:
                os.replace(temp, final)
        except OSError as e:
            self.abort()
            raise AnalysisError(f"{e.filename}: cannot write: {e.strerror}", IO)
        self.pending = []

    def abort(self):
        for temp, _ in self.pending:
            try:
                os.unlink(temp)
            except OSError:
                pass
        self.pending = []

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        else:
            self.abort()
        return False
