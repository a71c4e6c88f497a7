"""tools/gpu/bench_side_by_side.py keeps a side's figure when its profile fails.

    gpu_bench_fallback.py SWAG_EXE WORK_DIR        (run with /usr/bin/python3)

A stand-in for swag fails whenever it is given --profile; the comparison must then run the side
again without it, record its images/s, and keep the profile's error as profile_error.
"""
import json
import os
import shutil
import subprocess
import sys

swag, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
stand_in = os.path.join(work, "swag_without_profile")
with open(stand_in, "w") as f:
    f.write("#!/bin/sh\n"
            'for x in "$@"; do\n'
            '  [ "$x" = --profile ] && { echo "swag: error: no profile" >&2; exit 1; }\n'
            "done\n"
            f'exec "{swag}" "$@"\n')
os.chmod(stand_in, 0o755)
out = os.path.join(work, "out")
shutil.rmtree(out, ignore_errors=True)  # results.jsonl is appended to
script = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "gpu",
                      "bench_side_by_side.py")
subprocess.run([sys.executable, script, "--swag", stand_in, "--out", out, "--device", "cpu",
                "--cases", "regnety_test:train:2", "--resolution", "32", "--iters", "1",
                "--warmup", "1", "--sides", "swag,swag_amp_bf16", "--strict"], check=True)
rows = [json.loads(line) for line in open(os.path.join(out, "results.jsonl"))]
assert [r["side"] for r in rows] == ["swag", "swag_amp_bf16"], rows
for r in rows:
    assert r["images_per_s"] > 0 and "profile" not in r, r
    assert r["profile_error"] == "exit 1: swag: error: no profile", r
print("ok: both sides measured again without --profile")
