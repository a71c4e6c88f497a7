"""`swag info --buckets` against the bucketing rule and the model's own counts, `swag bench`
under mpirun reporting its gradient wait, and tools/scaling_model.py's formulas against closed
forms. Usage: scaling_checks.py SWAG CASE (buckets | bench | model)."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import scaling_model as sm  # noqa: E402

MIB = 1 << 20


def info(swag, model, mb):
    out = subprocess.run([swag, "info", "--model", model, "--buckets", str(mb), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def case_buckets(swag):
    for model in ("regnety_400mf", "vit_test", "regnety_test"):
        for mb in (0.01, 1, 25):
            j = info(swag, model, mb)
            buckets = j["buckets"]
            # Every tensor once, every MAC once, every byte of the parameters (plus alignment).
            assert sum(b["tensors"] for b in buckets) > 0
            assert sum(b["macs"] for b in buckets) == round(j["gmacs"] * 1e9), (model, mb)
            total = sum(b["bytes"] for b in buckets)
            assert 4 * j["params"] <= total < 4 * j["params"] + 64 * sum(
                b["tensors"] for b in buckets), (model, mb, total, j["params"])
            # A bucket passes the limit only when it is one tensor.
            for b in buckets:
                assert b["bytes"] <= mb * MIB or b["tensors"] == 1, (model, mb, b)
        # The classifier's bucket comes first: backward fills it first.
        assert info(swag, model, 0.01)["buckets"][0]["tensors"] <= 2
    one = info(swag, "regnety_400mf", 25)["buckets"]
    assert len(one) == 1, one  # 16.6 MiB of gradients: one bucket
    print(f"ok: buckets partition the parameters and MACs; regnety_400mf at 25 MiB: {len(one)}")


def case_bench(swag):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    out = subprocess.run(["mpiexec", "-n", "2", swag, "bench", "--model", "regnety_test",
                          "--batch", "4", "--resolution", "32", "--iters", "3", "--warmup", "1",
                          "--threads", "1", "--bucket-mb", "0.001", "--json"],
                         check=True, capture_output=True, text=True, env=env).stdout
    lines = out.strip().splitlines()
    assert len(lines) == 1, lines  # rank 0 prints
    j = json.loads(lines[0])
    assert j["ranks"] == 2 and j["bucket_mb"] == 0.001, j
    assert 0 <= j["comm_wait_s"] < j["median_step_s"], j
    assert abs(j["comm_wait_fraction"] - j["comm_wait_s"] / j["median_step_s"]) < 1e-12, j
    print(f"ok: bench under mpiexec -n 2: waits {j['comm_wait_s']:.2e} s of "
          f"{j['median_step_s']:.3f}")


def case_model(swag):
    del swag
    # Ring: 2(p-1)/p bytes over the bandwidth, 2(p-1) latencies.
    assert abs(sm.ring(1e9, 4, 10.0, 1.0) - (1.5 * 0.1 + 6e-6)) < 1e-15
    assert sm.ring(1e9, 1, 10.0, 1.0) == 0.0
    net = sm.Network(8, 100.0, 0.0, 10.0, 0.0, "test")
    # Inside one node only NVLink; across nodes the node's link carries the ring.
    assert abs(sm.allreduce_seconds(8e9, 8, net, "flat") - 2 * 7 / 8 * 8e9 / 100e9) < 1e-12
    flat = sm.allreduce_seconds(8e9, 16, net, "flat")
    assert abs(flat - 2 * 15 / 16 * 8e9 / 10e9) < 1e-12, flat
    hier = sm.allreduce_seconds(8e9, 16, net, "hierarchical")
    assert abs(hier - (2 * 7 / 8 * 8e9 / 100e9 + 2 * 1 / 2 * 8e9 / 10e9)) < 1e-12, hier
    # Overlap: two buckets filled at 1 and 2 s, each summed in 1.5 s: done at 4 s, 2 s exposed.
    buckets = [{"bytes": 1, "macs": 1}, {"bytes": 1, "macs": 1}]
    assert sm.exposed_seconds(buckets, 2.0, lambda n: 1.5) == 2.0
    assert sm.exposed_seconds(buckets, 2.0, lambda n: 0.5) == 0.5
    print("ok: scaling model: ring, hierarchical and overlap match their closed forms")


if __name__ == "__main__":
    globals()["case_" + sys.argv[2]](sys.argv[1])
