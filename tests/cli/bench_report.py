"""`swag bench`'s report of a training step: throughput, FLOP rate and tensor memory.

    bench_report.py SWAG_EXE        (run with /usr/bin/python3)

Activation memory per image must not depend on the batch (activations, their gradients and the
backward scratch all scale with it), must hold at least every conv/linear output that `swag
info` counts (4 bytes each, saved for backward), and the parameter memory must be values plus
gradients plus buffers. TFLOP/s must be 6 x MACs x images/s (forward and two backward GEMMs).
"""
import json
import subprocess
import sys

swag = sys.argv[1]


def run(*args):
    r = subprocess.run([swag, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


info = run("info", "--model", "regnety_test", "--resolution", "32", "--num-classes", "10", "--json")
reports = [run("bench", "--model", "regnety_test", "--resolution", "32", "--num-classes", "10",
               "--batch", str(b), "--iters", "2", "--warmup", "1", "--threads", "1", "--json")
           for b in (4, 16)]
small, large = (r["memory_bytes"] for r in reports)
for r in reports:
    print(f"batch {r['batch']}: {r['images_per_s']:.1f} images/s, memory {r['memory_bytes']}")
    m = r["memory_bytes"]
    assert m["parameters"] >= 2 * 4 * info["params"], (m, info["params"])
    assert m["optimizer_state"] >= 4 * info["params"], m  # SGD's momentum
    assert m["peak"] >= m["parameters"] + m["optimizer_state"], m
    assert m["activations_per_image"] >= 4 * info["acts_m"] * 1e6, (m, info["acts_m"])
    expected = 6 * info["gmacs"] * r["images_per_s"] / 1e3
    assert abs(r["tflops"] - expected) <= 1e-9 + 1e-6 * expected, (r["tflops"], expected)
assert small["parameters"] == large["parameters"] and small["optimizer_state"] == large["optimizer_state"]
ratio = small["activations_per_image"] / large["activations_per_image"]
assert 0.9 <= ratio <= 1.1, f"activations per image at batch 4 and 16 differ: {ratio:.3f}"
print(f"ok: {large['activations_per_image'] / 2**10:.0f} KiB of activations per image "
      f"(batch 4 / batch 16 = {ratio:.3f}); swag info counts {info['acts_m'] * 4e3:.0f} KiB of outputs")
