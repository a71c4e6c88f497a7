"""postprocess/associations.py and postprocess/country_fairness.py on synthetic predictions
whose answers are known: hand-computed small cases, closed forms, and every bad-input path
(the `swag: error:` line, its exit code, and no output left behind).

    analysis_cases.py REPO WORK CASE        (/usr/bin/python3: the plots need matplotlib)
"""
import json
import math
import os
import shutil
import subprocess
import sys
from fractions import Fraction

REPO, WORK, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
ASSOC = os.path.join(REPO, "postprocess", "associations.py")
FAIR = os.path.join(REPO, "postprocess", "country_fairness.py")
Z95 = 1.959963984540054


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def write_preds(name, rows):
    """rows: (index, path, [(hashtag, score), ...])."""
    return write(name, "".join(json.dumps({"index": i, "path": p, "topk": [list(t) for t in k]})
                               + "\n" for i, p, k in rows))


def run(script, *args, expect=0):
    r = subprocess.run([sys.executable, script, *[str(a) for a in args]], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == expect, f"{script} {args}: exit {r.returncode}, expected {expect}\n" \
                                   f"{r.stdout}\n{r.stderr}"
    return r


def close(a, b, tol=1e-12):
    return a is not None and b is not None and abs(float(a) - float(b)) <= tol


# ----------------------------------------------------------------------------- associations

# Five images in three groups (img5 is not in groups.csv), k = 1; the scores are out of order
# in the file. Top-1: img0 a, img1 c (group x); img2 b, img3 b (y); img4 a (z); d is never in
# a top 1. Rates: x {a 1/2, c 1/2}, y {b 1}, z {a 1}. Differences against the mean of the
# other two groups, by hand:
HAND_PREDS = [(0, "img/0.png", [("b", 0.1), ("a", 0.9)]),
              (1, "img/1.png", [("a", 0.2), ("c", 0.7)]),
              (2, "img/2.png", [("b", 0.6), ("a", 0.3)]),
              (3, "img/3.png", [("b", 0.5), ("c", 0.4)]),
              (4, "img/4.png", [("d", 0.1), ("a", 0.8)]),
              (5, "img/5.png", [("c", 0.8), ("e", 0.05)])]  # not in groups.csv: left out
HAND_EXPECTED = {  # group: [(hashtag, rate, rate_others, abs_diff, rel_diff)] in order
    "x": [("c", 0.5, 0.0, 0.5, None), ("a", 0.5, 0.5, 0.0, 0.0), ("b", 0.0, 0.5, -0.5, -1.0)],
    "y": [("b", 1.0, 0.0, 1.0, None), ("c", 0.0, 0.25, -0.25, -1.0),
          ("a", 0.0, 0.75, -0.75, -1.0)],
    "z": [("a", 1.0, 0.25, 0.75, 3.0), ("c", 0.0, 0.25, -0.25, -1.0),
          ("b", 0.0, 0.5, -0.5, -1.0)],
}


def check_group(got, expected, name):
    assert len(got["top"]) == len(expected), (name, got)
    for row, (h, rate, others, diff, rel) in zip(got["top"], expected):
        assert row["hashtag"] == h, (name, got["top"])
        assert close(row["rate"], rate) and close(row["rate_others"], others), (name, row)
        assert close(row["abs_diff"], diff), (name, row)
        assert (row["rel_diff"] is None) == (rel is None) and (rel is None or
                                                               close(row["rel_diff"], rel)), row


def case_associations_hand():
    preds = write_preds("preds.jsonl", HAND_PREDS)
    # join by path, with columns in any order and another attribute beside
    groups = write("groups.csv", "age,path,tone\n30,img/0.png,x\n40,img/1.png,x\n"
                                 "30,img/2.png,y\n30,img/3.png,y\n50,img/4.png,z\n")
    out = os.path.join(WORK, "out")
    run(ASSOC, "--predictions", preds, "--groups", groups, "--attribute", "tone", "--k", 1,
        "--hashtag", "#A", "--out", out)
    doc = json.load(open(os.path.join(out, "associations.json")))
    assert doc["attribute"] == "tone" and doc["k"] == 1, doc
    assert list(doc["groups"]) == ["x", "y", "z"], doc["groups"].keys()
    for g, n in (("x", 2), ("y", 2), ("z", 1)):
        assert doc["groups"][g]["n_images"] == n, doc["groups"][g]
        check_group(doc["groups"][g], HAND_EXPECTED[g], g)
    # --hashtag: counts 1/2, 0/2, 1/1; Wilson closed forms at 0 and n: [0, z²/(n+z²)] and
    # [n/(n+z²), 1]; 1 of 2 is symmetric about 1/2 and solves |p - p0| = z sqrt(p0(1-p0)/n).
    a = doc["hashtags"]["a"]
    assert [a[g]["count"] for g in "xyz"] == [1, 0, 1] and [a[g]["n_images"] for g in "xyz"] == \
        [2, 2, 1], a
    assert close(a["y"]["ci95"][0], 0) and close(a["y"]["ci95"][1], Z95**2 / (2 + Z95**2)), a
    assert close(a["z"]["ci95"][0], 1 / (1 + Z95**2)) and close(a["z"]["ci95"][1], 1), a
    lo, hi = a["x"]["ci95"]
    assert close(lo + hi, 1) and lo < 0.5 < hi, a
    for p0 in (lo, hi):
        assert close(abs(0.5 - p0), Z95 * math.sqrt(p0 * (1 - p0) / 2), 1e-9), (p0, a)
    for name in ("associations.png", "hashtag-a.png"):
        assert os.path.getsize(os.path.join(out, name)) > 1000, name
    assert sorted(os.listdir(out)) == ["associations.json", "associations.png", "hashtag-a.png"]
    # --top 2 keeps the first two of each list; k = 2 counts both entries of every image, by index
    run(ASSOC, "--predictions", preds, "--groups", write("g2.csv", "index,tone\n0,x\n1,x\n2,y\n"
                                                                    "3,y\n"),
        "--attribute", "tone", "--k", 2, "--top", 2, "--out", out)
    doc = json.load(open(os.path.join(out, "associations.json")))
    # k = 2: x has a 2/2, b 1/2, c 1/2; y has a 1/2, b 2/2, c 1/2 (two groups: others = the other)
    check_group(doc["groups"]["x"], [("a", 1.0, 0.5, 0.5, 1.0), ("c", 0.5, 0.5, 0.0, 0.0)], "x")
    check_group(doc["groups"]["y"], [("b", 1.0, 0.5, 0.5, 1.0), ("c", 0.5, 0.5, 0.0, 0.0)], "y")
    print("ok: hand-computed rates, differences, order, --top, --k and Wilson intervals")


def case_associations_closed_form():
    # G groups, group g has n_g = 7 + 5g images; hashtag "t" is in the top 5 of the first
    # m_g = g² + 1 of them, "u" of all of them, and each image has 4 filler hashtags of its own.
    G = 6
    n = [7 + 5 * g for g in range(G)]
    m = [g * g + 1 for g in range(G)]
    rows, groups, index = [], ["index,skin_tone"], 0
    for g in range(G):
        for j in range(n[g]):
            tags = ["u"] + (["t"] if j < m[g] else []) + [f"f{index}_{q}" for q in range(4)]
            rows.append((index, f"p{index}", [(h, 1.0 - 0.1 * q) for q, h in enumerate(tags)]))
            groups.append(f"{index},{g + 1}")
            index += 1
    preds = write_preds("preds.jsonl", rows)
    out = os.path.join(WORK, "out")
    run(ASSOC, "--predictions", preds, "--groups", write("groups.csv", "\n".join(groups) + "\n"),
        "--attribute", "skin_tone", "--out", out, "--top", 1000)
    doc = json.load(open(os.path.join(out, "associations.json")))
    assert doc["k"] == 5 and list(doc["groups"]) == [str(g + 1) for g in range(G)], doc["groups"]
    for g in range(G):
        rate = [Fraction(m[i], n[i]) for i in range(G)]
        others = sum(rate[i] for i in range(G) if i != g) / (G - 1)
        top = doc["groups"][str(g + 1)]["top"]
        got = {r["hashtag"]: r for r in top}
        assert doc["groups"][str(g + 1)]["n_images"] == n[g]
        # every hashtag in some top 5 is listed: t, u and 4 fillers per image, less the last
        # filler of the images with t (sixth in their list)
        assert len(top) == 2 + 4 * sum(n) - sum(m), len(top)
        r = got["t"]
        assert close(r["rate"], rate[g]) and close(r["rate_others"], others), (g, r)
        assert close(r["abs_diff"], rate[g] - others), (g, r)
        assert close(r["rel_diff"], (rate[g] - others) / others), (g, r)
        assert close(got["u"]["abs_diff"], 0) and close(got["u"]["rel_diff"], 0), got["u"]
        # a filler of this group: rate 1/n_g, others 0; of another group g': -1/(n_g' (G-1))
        for h, row in got.items():
            if h.startswith("f"):
                owner = next(i for i in range(G) if int(h[1:].split("_")[0]) < sum(n[:i + 1]))
                want = Fraction(1, n[g]) if owner == g else -Fraction(1, n[owner] * (G - 1))
                assert close(row["abs_diff"], want), (g, h, row)
                assert (row["rel_diff"] is None) == (owner == g), row
        # sorted by abs_diff descending, ties by name
        keys = [(-Fraction(r["abs_diff"]).limit_denominator(10**6), r["hashtag"]) for r in top]
        assert keys == sorted(keys), g
        best = max(rate[g] - others, Fraction(1, n[g]))
        assert close(top[0]["abs_diff"], best), (g, top[0])
    print("ok: rates and differences equal the closed forms for 6 groups")


def expect_error(script, args, code, *needles, out=None):
    r = run(script, *args, expect=code)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("swag: error: "), r.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    if out is not None and os.path.isdir(out):
        left = [x for x in os.listdir(out) if not os.path.isdir(os.path.join(out, x))]
        assert not left, f"left behind after an error: {left}"
    return lines[0]


def case_associations_errors():
    good = write_preds("preds.jsonl", HAND_PREDS)
    groups = write("groups.csv", "index,tone\n0,x\n1,x\n2,y\n3,y\n")
    out = os.path.join(WORK, "out")

    def assoc(preds=good, grp=groups, attribute="tone", extra=()):
        return ["--predictions", preds, "--groups", grp, "--attribute", attribute, "--k", 1,
                "--out", out, *extra]

    lines = [json.dumps({"index": i, "path": p, "topk": [list(t) for t in k]})
             for i, p, k in HAND_PREDS]
    bad_json = write("bad_json.jsonl", "\n".join(lines[:2] + ['{"index": 2, "path": "x",'] +
                                                 lines[3:]) + "\n")
    seen = [expect_error(ASSOC, assoc(preds=bad_json), 4, "bad_json.jsonl:3:", out=out)]
    no_topk = write("no_topk.jsonl", lines[0] + "\n" + '{"index": 1, "path": "img/1.png"}\n')
    seen.append(expect_error(ASSOC, assoc(preds=no_topk), 4, "no_topk.jsonl:2:", "'topk'",
                             out=out))
    bad_pair = write("bad_pair.jsonl", '{"index": 0, "path": "p", "topk": [["a", "high"]]}\n')
    seen.append(expect_error(ASSOC, assoc(preds=bad_pair), 4, "bad_pair.jsonl:1:", out=out))
    dup = write("dup.jsonl", lines[0] + "\n" + lines[0] + "\n")
    seen.append(expect_error(ASSOC, assoc(preds=dup), 4, "dup.jsonl:2:", "index 0", out=out))
    short = write("short.jsonl", "\n".join(lines[:3] + [json.dumps(
        {"index": 3, "path": "img/3.png", "topk": [["b", 0.5]]})] + lines[4:]) + "\n")
    seen.append(expect_error(ASSOC, assoc(preds=short, extra=["--k", 2]), 4, "short.jsonl:4:",
                             "--k", out=out))  # img3 has one prediction, k = 2 needs two
    seen.append(expect_error(ASSOC, assoc(attribute="age"), 4, "groups.csv", "'age'", out=out))
    no_key = write("no_key.csv", "image,tone\n0,x\n")
    seen.append(expect_error(ASSOC, assoc(grp=no_key), 4, "no_key.csv", "'index' or 'path'",
                             out=out))
    unknown = write("unknown.csv", "index,tone\n0,x\n1,x\n17,y\n")
    seen.append(expect_error(ASSOC, assoc(grp=unknown), 4, "unknown.csv:4:", "17", out=out))
    unknown_path = write("unknown_path.csv", "path,tone\nimg/0.png,x\nimg/9.png,y\n")
    seen.append(expect_error(ASSOC, assoc(grp=unknown_path), 4, "unknown_path.csv:3:",
                             "img/9.png", out=out))
    empty = write("empty.csv", "index,tone\n0,x\n1,\n2,y\n")
    seen.append(expect_error(ASSOC, assoc(grp=empty), 4, "empty.csv:3:", "empty group",
                             out=out))
    one = write("one.csv", "index,tone\n0,x\n1,x\n")
    seen.append(expect_error(ASSOC, assoc(grp=one), 4, "one.csv", "at least 2", out=out))
    twice = write("twice.csv", "index,tone\n0,x\n1,y\n0,y\n")
    seen.append(expect_error(ASSOC, assoc(grp=twice), 4, "twice.csv:4:", out=out))
    not_int = write("not_int.csv", "index,tone\n0,x\nthree,y\n")
    seen.append(expect_error(ASSOC, assoc(grp=not_int), 4, "not_int.csv:3:", out=out))
    ragged = write("ragged.csv", "index,tone\n0,x,extra\n")
    seen.append(expect_error(ASSOC, assoc(grp=ragged), 4, "ragged.csv:2:", out=out))
    seen.append(expect_error(ASSOC, assoc(preds=os.path.join(WORK, "absent.jsonl")), 5,
                             "absent.jsonl", out=out))
    seen.append(expect_error(ASSOC, assoc(extra=["--k", 0]), 2, "--k", out=out))
    seen.append(expect_error(ASSOC, ["--groups", groups], 2, "required"))
    # an output that cannot be written: the folder is a file; then a folder in the way of
    # one output: the others are not left half-done, and no temporary file stays
    blocker = write("blocker", "")
    seen.append(expect_error(ASSOC, assoc()[:-2] + ["--out", blocker], 5, "blocker"))
    os.makedirs(os.path.join(out, "associations.png"))
    seen.append(expect_error(ASSOC, assoc(), 5, "associations.png"))
    assert os.listdir(out) == ["associations.png"], os.listdir(out)
    print("ok: every bad input gives one error line and its exit code, and no output:\n  " +
          "\n  ".join(seen))


# ----------------------------------------------------------------------------- fairness

MAPPING = {"format": "swag-zeroshot-mapping", "format_version": 1, "vocab_sha256": "0" * 64,
           "num_targets": 4, "num_classes": 9,
           "targets": [{"target": 0, "wnid": "n1", "classes": [0], "names": ["dog"]},
                       {"target": 1, "wnid": "n2", "classes": [1, 2], "names": ["shirt", "tee"]},
                       {"target": 2, "wnid": "n3", "classes": [3], "names": ["crane"]},
                       {"target": 3, "wnid": "n4", "classes": [3], "names": ["crane"]}]}


def fairness_inputs():
    """Per country and class, by hand (C: correct, W: wrong, U: no mapped hashtag in the top k):
    US: dog C C C W (3/4), shirt C W (1/2), crane(2) C (1/1)            -> 5/7
    EG: dog C C W U (2/4), shirt C C (2/2), crane(2) C C C, crane(3) C  -> 8/10
    NG: crane(3) C                                                       -> 1/1"""
    correct_dog = [("blue", 0.9), ("dog", 0.5), ("shirt", 0.1)]  # unmapped ranks first
    wrong_dog = [("shirt", 0.6), ("dog", 0.3)]
    unmapped = [("blue", 0.9), ("green", 0.2)]
    shirt_ok = [("tee", 0.7), ("dog", 0.2)]  # the class's second hashtag
    shirt_bad = [("dog", 0.2), ("crane", 0.1), ("shirt", 0.05)]
    crane = [("crane", 0.4), ("green", 0.3)]  # maps to targets 2 and 3: right for both
    images = ([("US", 0, correct_dog)] * 3 + [("US", 0, wrong_dog), ("US", 1, shirt_ok),
                                              ("US", 1, shirt_bad), ("US", 2, crane)]
              + [("EG", 0, correct_dog)] * 2 + [("EG", 0, wrong_dog), ("EG", 0, unmapped)]
              + [("EG", 1, shirt_ok)] * 2 + [("EG", 2, crane)] * 3 + [("EG", 3, crane)]
              + [("NG", 3, crane)])
    preds = write_preds("preds.jsonl", [(i, f"img{i}.jpg", k)
                                        for i, (_, _, k) in enumerate(images)])
    labels = write("labels.csv", "index,class,country\n" + "".join(
        f"{i},{c},{country}\n" for i, (country, c, _) in enumerate(images)))
    mapping = write("mapping.json", json.dumps(MAPPING))
    return preds, labels, mapping


def case_fairness_hand():
    preds, labels, mapping = fairness_inputs()
    out = os.path.join(WORK, "out")
    run(FAIR, "--predictions", preds, "--labels", labels, "--mapping", mapping, "--min-images",
        2, "--out", out)
    doc = json.load(open(os.path.join(out, "country_fairness.json")))
    per = doc["per_country"]
    assert sorted(per) == ["EG", "NG", "US"], per
    for c, n, correct, unmapped in (("US", 7, 5, 0), ("EG", 10, 8, 1), ("NG", 1, 1, 0)):
        assert per[c]["n"] == n and close(per[c]["top1"], Fraction(correct, n)), (c, per[c])
        assert per[c]["no_mapped_prediction"] == unmapped, per[c]
    assert doc["n"] == 18 and close(doc["top1"], Fraction(14, 18)), doc
    # min 2 images in both: classes dog and shirt count for US/EG. dog: EG 0.5 < 0.8 * US 0.75;
    # shirt: US 0.5 < 0.8 * EG 1.0. So each way 1 of 2. A country against itself: 0 of its
    # classes; NG has no class with 2 images: null.
    e = doc["eighty_percent"]
    assert close(e["US"]["EG"], 0.5) and close(e["EG"]["US"], 0.5), e
    assert e["US"]["US"] == 0 and e["EG"]["EG"] == 0, e
    assert e["NG"]["NG"] is None and e["NG"]["US"] is None and e["EG"]["NG"] is None, e
    assert doc["eighty_percent_classes"]["US"]["EG"] == 2 and doc["min_images"] == 2, doc
    for name in ("country_accuracy.png", "eighty_percent.png"):
        assert os.path.getsize(os.path.join(out, name)) > 1000, name
    # min 1: crane(2) counts too (1.0 and 1.0: neither is higher), crane(3) for EG/NG (1.0, 1.0)
    run(FAIR, "--predictions", preds, "--labels", labels, "--mapping", mapping, "--min-images",
        1, "--out", out)
    e = json.load(open(os.path.join(out, "country_fairness.json")))["eighty_percent"]
    assert close(e["US"]["EG"], Fraction(1, 3)) and close(e["EG"]["US"], Fraction(1, 3)), e
    assert e["EG"]["NG"] == 0 and e["NG"]["EG"] == 0 and e["NG"]["US"] is None, e
    print("ok: per-country top-1 through the mapping (mapped hashtags only) and the 80% rule, "
          "by hand")


def case_fairness_errors():
    preds, labels, mapping = fairness_inputs()
    out = os.path.join(WORK, "out")

    def fair(p=preds, lab=labels, m=mapping, extra=()):
        return ["--predictions", p, "--labels", lab, "--mapping", m, "--out", out, *extra]

    seen = []
    no_country = write("no_country.csv", "index,class\n0,0\n")
    seen.append(expect_error(FAIR, fair(lab=no_country), 4, "no_country.csv", "'country'",
                             out=out))
    unknown = write("unknown.csv", "index,class,country\n0,0,US\n99,0,US\n")
    seen.append(expect_error(FAIR, fair(lab=unknown), 4, "unknown.csv:3:", "99", out=out))
    bad_class = write("bad_class.csv", "index,class,country\n0,0,US\n1,4,US\n")
    seen.append(expect_error(FAIR, fair(lab=bad_class), 4, "bad_class.csv:3:", "class 4",
                             out=out))
    empty = write("empty.csv", "index,class,country\n0,0,US\n1,0,\n")
    seen.append(expect_error(FAIR, fair(lab=empty), 4, "empty.csv:3:", "empty group", out=out))
    broken = dict(MAPPING, targets=[dict(t) for t in MAPPING["targets"]])
    del broken["targets"][2]["names"]
    seen.append(expect_error(FAIR, fair(m=write("no_names.json", json.dumps(broken))), 4,
                             "no_names.json", "targets[2]", "'names'", out=out))
    seen.append(expect_error(FAIR, fair(m=write("not_json.json", "{\"targets\": [")), 4,
                             "not_json.json", out=out))
    seen.append(expect_error(FAIR, fair(m=write("no_targets.json", "{}")), 4,
                             "no_targets.json", "'targets'", out=out))
    bad_line = write("bad_line.jsonl", open(preds).read() + "not json\n")
    seen.append(expect_error(FAIR, fair(p=bad_line), 4, "bad_line.jsonl:19:", out=out))
    seen.append(expect_error(FAIR, fair(extra=["--min-images", 0]), 2, "--min-images",
                             out=out))
    seen.append(expect_error(FAIR, fair(m=os.path.join(WORK, "absent.json")), 5, "absent.json",
                             out=out))
    print("ok: every bad input gives one error line and its exit code, and no output:\n  " +
          "\n  ".join(seen))


if __name__ == "__main__":
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    globals()["case_" + CASE]()
