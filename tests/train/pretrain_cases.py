"""`swag pretrain` under mpiexec: resume, failures, signals, damaged checkpoints, NaN handling.

    pretrain_cases.py SWAG_EXE DECK CASE WORKDIR     (/usr/bin/python3: needs h5py, numpy)

Each case runs the test deck (inputs/pretrain/test.toml: tiny RegNetY, synthetic data) in its
own run directory and checks exit codes, files and checkpoint contents.
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

STOPPED, NUMERICS = 75, 6
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")


def command(swag, deck, run_dir, ranks, *overrides):
    return ["mpiexec", "-n", str(ranks), swag, "pretrain", "--config", deck,
            f"run.dir={run_dir}", *overrides]


def run(swag, deck, run_dir, ranks=2, *overrides, expect=0, env=None):
    r = subprocess.run(command(swag, deck, run_dir, ranks, *overrides), env={**ENV, **(env or {})},
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == expect, f"exit {r.returncode}, expected {expect}\n{r.stderr[-3000:]}"
    return r


def checkpoints(run_dir):
    return sorted(glob.glob(os.path.join(run_dir, "checkpoints", "step-*.h5")))


def contents(path):
    with h5py.File(path) as f:
        out = {}
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        return out


def assert_bitwise_equal(a, b):
    ca, cb = contents(a), contents(b)
    assert ca.keys() == cb.keys(), set(ca) ^ set(cb)
    for k in ca:
        assert np.array_equal(ca[k].view(np.uint8), cb[k].view(np.uint8)), f"{k} differs"


def case_resume_is_bitwise(swag, deck, work):
    straight, split = os.path.join(work, "straight"), os.path.join(work, "split")
    run(swag, deck, straight)
    run(swag, deck, split, 2, "run.stop_at_step=10", expect=STOPPED)
    assert checkpoints(split)[-1].endswith("step-00000010.h5"), checkpoints(split)
    run(swag, deck, split)
    assert_bitwise_equal(checkpoints(straight)[-1], checkpoints(split)[-1])
    print("ok: 20 steps straight == 10 + restart + 10, bitwise (params, buffers, optimizer)")


def case_shards_resume_is_bitwise(swag, deck, work):
    """Pre-training on shards (the resampled stream through the bucket file, the loader's lazily
    opened shards) stopped and resumed is bitwise the straight run; one open shard per worker
    gives the same run as many."""
    shards = os.path.join(os.environ["SWAG_TRANSFER_DATA"], "train", "shards")
    on_shards = ["data.source=shards", f"data.dir={shards}", "model.num_classes=0",
                 "data.head_threshold=50", "data.workers=2", "batch.global=16", "schedule.steps=8",
                 "checkpoint.every=4"]
    straight, split, one = (os.path.join(work, d) for d in ("straight", "split", "one_open"))
    run(swag, deck, straight, 2, *on_shards)
    run(swag, deck, split, 2, *on_shards, "run.stop_at_step=4", expect=STOPPED)
    r = run(swag, deck, split, 2, *on_shards)
    assert "resumed from" in r.stderr, r.stderr[-2000:]
    assert_bitwise_equal(checkpoints(straight)[-1], checkpoints(split)[-1])
    run(swag, deck, one, 2, *on_shards, "data.max_open_shards=1")
    assert_bitwise_equal(checkpoints(straight)[-1], checkpoints(one)[-1])
    print("ok: on shards, 8 steps straight == 4 + restart + 4 == 8 with one open shard per "
          "worker, bitwise")


def plant_bad_images(shards):
    """Rewrites images 0-29 of shard-00000.h5 as corrupt JPEGs (through HDF5: their checksums
    stay valid) and flips a stored byte of image 190 in the file (under the Fletcher32 checksum of
    its 16 KiB chunk). Returns the images of that chunk."""
    shard = os.path.join(shards, "shard-00000.h5")
    with h5py.File(shard, "r+") as f:
        jpeg, offsets = f["images/jpeg"], f["images/offsets"][:]
        for k in range(30):
            start = offsets[k] + 200
            jpeg[start:offsets[k + 1]] = np.arange(offsets[k + 1] - start, dtype=np.uint64) % 251
        at = offsets[190] + 100
        chunk = at // jpeg.chunks[0]
        byte = jpeg.id.get_chunk_info_by_coord((chunk * jpeg.chunks[0],)).byte_offset
        byte += at - chunk * jpeg.chunks[0]
        lo, hi = chunk * jpeg.chunks[0], (chunk + 1) * jpeg.chunks[0]
        in_chunk = [k for k in range(len(offsets) - 1) if offsets[k] < hi and offsets[k + 1] > lo]
    with open(shard, "r+b") as f:
        f.seek(byte)
        value = f.read(1)[0]
        f.seek(byte)
        f.write(bytes([value ^ 0xFF]))
    return in_chunk


def case_shards_bad_images(swag, deck, work):
    """Corrupt images in the shards (plant_bad_images): each drawn one is skipped with a warning
    naming the shard and the image, replaced and counted (the progress records, the summary of
    results.json), the same under mpiexec -n 2 and -n 1 (a LayerNorm model's losses agree, as
    in ranks_agree) and bitwise with one worker or two; past data.max_bad_fraction
    the job stops (exit 4) naming them; data.verify_shards finds the changed shard (exit 4) and
    passes the intact ones."""
    pristine = os.path.join(os.environ["SWAG_TRANSFER_DATA"], "train", "shards")
    shards = os.path.join(work, "shards")
    shutil.copytree(pristine, shards)
    in_chunk = plant_bad_images(shards)
    on_shards = ["data.source=shards", f"data.dir={shards}", "model.num_classes=0",
                 "data.head_threshold=50", "data.workers=2", "batch.global=16", "schedule.steps=8",
                 "checkpoint.every=4", "log.every=1", "data.max_bad_fraction=0.25"]
    layer_norm = ["model.name=vit_test", "optim.name=adamw", "optim.lr=0.01",
                  "optim.weight_decay=0.1"]
    two, one, two_w1 = (os.path.join(work, d) for d in ("two", "one", "two_one_worker"))
    run(swag, deck, two, 2, *on_shards, *layer_norm)
    r = run(swag, deck, one, 1, *on_shards, *layer_norm)
    run(swag, deck, two_w1, 2, *on_shards, *layer_norm, "data.workers=1")
    assert_bitwise_equal(checkpoints(two)[-1], checkpoints(two_w1)[-1])
    summaries = [json.load(open(os.path.join(d, "results.json")))["summary"]
                 for d in (two, one, two_w1)]
    bad = summaries[0]["bad_images"]
    assert bad > 0 and all(s["bad_images"] == bad for s in summaries), summaries
    records = {d: [json.loads(line) for line in open(os.path.join(d, "metrics.jsonl"))]
               for d in (two, one)}
    assert [m["step"] for m in records[one]] == list(range(1, 9)), records[one]
    assert [m["bad_images"] for m in records[one]] == [m["bad_images"] for m in records[two]]
    assert records[one][-1]["bad_images"] == bad, records[one]
    worst = max(abs(a["loss"] - b["loss"]) / abs(a["loss"])
                for a, b in zip(records[one], records[two]))
    assert worst < 1e-5, (worst, records)
    assert f"bad_images {bad}" in r.stderr, r.stderr[-2000:]
    warned = [int(line.split(": image ")[1].split()[0]) for line in r.stderr.splitlines()
              if "shard-00000.h5: image " in line and "is corrupt, skipped and replaced" in line]
    planted = [k for k in warned if k < 30]
    checksummed = [k for k in warned if k in in_chunk]
    assert planted and checksummed and set(warned) <= set(range(30)) | set(in_chunk), warned
    assert "corrupt JPEG" in r.stderr and "cannot read bytes" in r.stderr, r.stderr[-2000:]

    strict = run(swag, deck, os.path.join(work, "strict"), 2, *on_shards[:-1], expect=4)
    assert "swag: error:" in strict.stderr and "shard-00000.h5: image " in strict.stderr, \
        strict.stderr[-2000:]
    assert "more than data.max_bad_fraction = 0" in strict.stderr, strict.stderr[-2000:]
    verified = run(swag, deck, os.path.join(work, "verified"), 1, *on_shards,
                   "data.verify_shards=true", expect=4)
    assert f"{shards}/shard-00000.h5: SHA-256 " in verified.stderr, verified.stderr[-2000:]
    intact = [o.replace(shards, pristine) for o in on_shards]
    run(swag, deck, os.path.join(work, "intact"), 1, *intact, "data.verify_shards=true",
        "schedule.steps=2")
    print(f"ok: {bad} corrupt draws replaced, the same on 1 and 2 ranks, bitwise with 1 or 2 workers; "
          f"warned {sorted(set(warned))}; stops at max_bad_fraction 0; verify_shards")


def case_sigusr1_checkpoints_and_exits(swag, deck, work):
    run_dir = os.path.join(work, "run")
    p = subprocess.Popen(command(swag, deck, run_dir, 2, "schedule.steps=100000",
                                 "checkpoint.every=100000"), env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: os.path.exists(os.path.join(run_dir, "config.toml")), 60)
    time.sleep(1.0)
    p.send_signal(signal.SIGUSR1)  # mpiexec forwards SIGUSR1 to the ranks
    out, err = p.communicate(timeout=60)
    assert p.returncode == STOPPED, f"exit {p.returncode}\n{err[-2000:]}"
    assert "swag: stopped:" in err, err[-2000:]
    (last,) = checkpoints(run_dir)
    assert verify(swag, last), last
    print(f"ok: SIGUSR1 -> exit {STOPPED} and {os.path.basename(last)}")


def case_killed_rank(swag, deck, work):
    run_dir = os.path.join(work, "run")
    p = subprocess.Popen(command(swag, deck, run_dir, 2, "schedule.steps=100000",
                                 "checkpoint.every=20"), env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: len(checkpoints(run_dir)) >= 1, 120)
    ranks = children_named(p.pid, "swag")
    assert len(ranks) == 2, ranks
    start = time.time()
    os.kill(ranks[-1], signal.SIGKILL)
    p.communicate(timeout=60)
    assert p.returncode != 0, "the job must fail when a rank dies"
    print(f"ok: a killed rank ends the job in {time.time() - start:.1f}s with exit {p.returncode}")
    last = checkpoints(run_dir)[-1]
    assert verify(swag, last), last
    # The killed run may have got anywhere past step 20 on a fast machine: finish 20 steps later.
    target = step_of(last) + 20
    run(swag, deck, run_dir, 2, f"schedule.steps={target}", "checkpoint.every=20")
    assert checkpoints(run_dir)[-1].endswith(f"step-{target:08d}.h5"), checkpoints(run_dir)
    print("ok: the last checkpoint verifies and a restart completes")


def case_damaged_checkpoint_is_skipped(swag, deck, work):
    for damage in ("truncate", "bitflip"):
        run_dir = os.path.join(work, damage)
        run(swag, deck, run_dir, 1, "schedule.steps=10", "checkpoint.every=5", "checkpoint.keep_last=5")
        last = checkpoints(run_dir)[-1]
        assert last.endswith("step-00000010.h5")
        size = os.path.getsize(last)
        with open(last, "r+b") as f:
            if damage == "truncate":
                f.truncate(size // 2)
            else:
                f.seek(size - 4096)  # inside the data
                byte = f.read(1)
                f.seek(size - 4096)
                f.write(bytes([byte[0] ^ 0x10]))
        r = run(swag, deck, run_dir, 1, "schedule.steps=12", "checkpoint.every=5", "checkpoint.keep_last=5")
        assert "step-00000010.h5 is damaged" in r.stderr, r.stderr[-2000:]
        assert "resumed from" in r.stderr and "step-00000005.h5" in r.stderr, r.stderr[-2000:]
        print(f"ok: {damage}d checkpoint reported and skipped; resumed from step 5")


def flip_byte_near_end(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size - 4096)  # inside the data
        byte = f.read(1)
        f.seek(size - 4096)
        f.write(bytes([byte[0] ^ 0x10]))


def case_checkpoint_integrity(swag, deck, work):
    INPUT = 4
    # Retention keeps what was just written, never the damaged newer file: steps 2, 4, 6 with 6
    # damaged, keep_last=1, a stop at 5. The run resumes from 4, writes 5 and keeps only 5.
    d = os.path.join(work, "retention")
    run(swag, deck, d, 1, "schedule.steps=6", "checkpoint.every=2", "checkpoint.keep_last=5")
    flip_byte_near_end(os.path.join(d, "checkpoints", "step-00000006.h5"))
    run(swag, deck, d, 1, "schedule.steps=6", "checkpoint.every=2", "checkpoint.keep_last=1",
        "run.stop_at_step=5", expect=STOPPED)
    assert [os.path.basename(p) for p in checkpoints(d)] == ["step-00000005.h5"], checkpoints(d)
    assert open(os.path.join(d, "checkpoints", "latest")).read().strip() == "step-00000005.h5"
    assert os.path.exists(os.path.join(d, "checkpoints", "step-00000006.h5.damaged"))
    assert verify(swag, checkpoints(d)[0])
    r = run(swag, deck, d, 1, "schedule.steps=6", "checkpoint.every=2", "checkpoint.keep_last=1")
    assert "resumed from" in r.stderr and "step-00000005.h5 (step 5)" in r.stderr, r.stderr[-2000:]
    print("ok: damaged step 6 moved aside; retention kept step 5, which the next run resumed")

    # The checksum covers the root attributes: a 1-byte change of `model` is damage, and the run
    # falls back to the previous checkpoint instead of refusing to resume.
    d = os.path.join(work, "attribute")
    run(swag, deck, d, 1, "schedule.steps=4", "checkpoint.every=2", "checkpoint.keep_last=5")
    last = checkpoints(d)[-1]
    with h5py.File(last, "a") as f:
        name = f.attrs["model"]
        name = name.decode() if isinstance(name, bytes) else name
        f.attrs["model"] = name[:-1] + chr(ord(name[-1]) ^ 1)
    assert not verify(swag, last), "a changed model attribute passed verify-checkpoint"
    r = run(swag, deck, d, 1, "schedule.steps=5", "checkpoint.every=2", "checkpoint.keep_last=5")
    assert "step-00000004.h5 is damaged" in r.stderr and "step-00000002.h5 (step 2)" in r.stderr, \
        r.stderr[-2000:]
    print("ok: a flipped model attribute fails the checksum; resumed from the previous checkpoint")

    # Stray names are ignored with a warning, not an internal error.
    for stray in ("step-99999999999999999999999.h5", "notes.txt"):
        open(os.path.join(d, "checkpoints", stray), "w").close()
    r = run(swag, deck, d, 1, "schedule.steps=6", "checkpoint.every=2", "checkpoint.keep_last=5")
    assert "ignoring 'step-99999999999999999999999.h5'" in r.stderr, r.stderr[-2000:]
    assert "ignoring 'notes.txt'" in r.stderr and "step-00000005.h5 (step 5)" in r.stderr
    print("ok: stray names in checkpoints/ are ignored with a warning")

    # Checkpoints exist but none is usable: an error (twice: the damaged files stay counted),
    # unless the run is allowed to start over.
    for p in checkpoints(d):
        if step_of(p) < 10**8:  # not the stray name
            flip_byte_near_end(p)
    for _ in range(2):
        r = run(swag, deck, d, 1, "schedule.steps=6", expect=INPUT)
        errors = [l for l in r.stderr.splitlines() if l.startswith("swag: error:")]
        assert errors and "none usable" in errors[0] and "restart_if_none_valid" in errors[0], \
            r.stderr[-2000:]
    r = run(swag, deck, d, 1, "schedule.steps=6", "checkpoint.restart_if_none_valid=true")
    assert "starting over from step 0" in r.stderr, r.stderr[-2000:]
    print("ok: no usable checkpoint is exit 4 until checkpoint.restart_if_none_valid = true")


def case_nan_stop(swag, deck, work):
    run_dir = os.path.join(work, "run")
    r = run(swag, deck, run_dir, 2, "numerics.inject_nan_at_step=7", expect=NUMERICS)
    assert "not finite" in r.stderr, r.stderr[-2000:]
    assert checkpoints(run_dir)[-1].endswith("step-00000005.h5"), checkpoints(run_dir)
    print("ok: NaN with on_nonfinite=stop -> exit 6, last checkpoint step 5")


def case_nan_skip(swag, deck, work):
    run_dir = os.path.join(work, "run")
    r = run(swag, deck, run_dir, 2, "numerics.inject_nan_at_step=7", "numerics.on_nonfinite=skip")
    assert "update is skipped" in r.stderr, r.stderr[-2000:]
    records = [json.loads(l) for l in open(os.path.join(run_dir, "metrics.jsonl"))]
    assert sum(rec["skipped"] for rec in records) == 1, records
    assert all(np.isfinite(rec["loss"]) for rec in records), records
    print("ok: NaN with on_nonfinite=skip -> one skipped update, run completes")


def case_bad_device(swag, deck, work):
    """run.device and run.math: unknown names, cuda in a CPU-only build, tf32 on the CPU and bf16
    on a CPU without bf16 instructions (oneDNN's ISA limited below them) are config errors
    (exit 3) that leave no run directory behind."""
    cuda_built = os.environ.get("SWAG_CUDA_BUILD", "OFF") == "ON"  # set by tests/train/CMakeLists
    no_bf16 = {"DNNL_MAX_CPU_ISA": "AVX512_CORE"}
    for device, math, text, env in (
            ("tpu", "fp32", "run.device must be cpu or cuda, not 'tpu'", None),
            ("cuda", "fp32", "built without CUDA", None),
            ("cpu", "tf32", "run.math = tf32 needs run.device = cuda", None),
            ("cpu", "bf16", "run.math = bf16 on run.device = cpu: this CPU has no bf16 "
             "instructions (neither avx512_bf16 nor amx_bf16)", no_bf16),
            ("cpu", "fp8", "run.math: unknown math mode 'fp8'", None)):
        if device == "cuda" and cuda_built:
            continue
        run_dir = os.path.join(work, device + math)
        r = run(swag, deck, run_dir, 2, f"run.device={device}", f"run.math={math}", expect=3,
                env=env)
        assert any(l.startswith("swag: error:") and text in l for l in r.stderr.splitlines()), r.stderr
        assert not os.path.exists(run_dir), os.listdir(run_dir)
        print(f"ok: run.device={device} run.math={math} -> exit 3: {text}")


def case_bf16_math(swag, deck, work):
    """run.math = bf16 on the CPU (bf16 products, fp32 tensors and master weights): a RegNet
    learns, a ViT follows its fp32 loss curve, their first loss (same weights, same batch) is the
    fp32 one within the bound the 16-bit activations' first loss keeps (case_mixed_precision),
    their losses are not the fp32 ones bit for bit, and a stop and resume is bitwise the straight
    run (the mode repeats itself)."""
    u = 2.0 ** -8
    for model, extra in (("regnety_test", ()),
                         ("vit_test", ("optim.name=adamw", "optim.lr=0.01",
                                       "optim.weight_decay=0.1"))):
        losses = {}
        for math in ("fp32", "bf16"):
            run_dir = os.path.join(work, f"{model}_{math}")
            run(swag, deck, run_dir, 2, f"model.name={model}", *extra, f"run.math={math}",
                "schedule.steps=40", "log.every=1")
            losses[math] = [json.loads(l)["loss"]
                            for l in open(os.path.join(run_dir, "metrics.jsonl"))]
        ref, got = losses["fp32"], losses["bf16"]
        assert all(np.isfinite(got)), got
        assert abs(got[0] - ref[0]) < 16 * u * abs(ref[0]), (model, got[0], ref[0])
        # (A ViT's zero-initialized head gives the same first loss, ln 10, in any mode.)
        assert got != ref, f"{model}: bf16 math made no difference"
        if model == "regnety_test":
            assert np.mean(got[-5:]) < 0.5 * np.mean(got[:5]), (model, got)
        else:  # no batch norm to amplify the rounding: the fp32 curve within 1%, as there
            assert max(abs(g - r) / r for g, r in zip(got, ref)) < 0.01, (got, ref)
        print(f"ok: {model} bf16 math: loss {got[0]:.4f} (fp32 {ref[0]:.4f}) -> {got[-1]:.4f}, "
              f"fp32 -> {ref[-1]:.4f}")
    split = os.path.join(work, "regnety_test_bf16_split")
    args = ("run.math=bf16", "schedule.steps=40", "log.every=1")
    run(swag, deck, split, 2, *args, "run.stop_at_step=20", expect=STOPPED)
    run(swag, deck, split, 2, *args)
    assert_bitwise_equal(checkpoints(os.path.join(work, "regnety_test_bf16"))[-1],
                         checkpoints(split)[-1])
    print("ok: bf16 math: 20 + stop + resume + 20 == 40 straight, bitwise")


def case_ranks_agree(swag, deck, work):
    """A LayerNorm model (no batch statistics) gives the same losses on 1 and 2 ranks."""
    losses = {}
    for ranks in (1, 2):
        run_dir = os.path.join(work, f"n{ranks}")
        run(swag, deck, run_dir, ranks, "model.name=vit_test", "log.every=1", "optim.name=adamw",
            "optim.lr=0.01", "optim.weight_decay=0.1")
        losses[ranks] = [json.loads(l)["loss"] for l in open(os.path.join(run_dir, "metrics.jsonl"))]
    assert len(losses[1]) == 20, losses[1]
    worst = max(abs(a - b) / abs(a) for a, b in zip(losses[1], losses[2]))
    assert worst < 1e-5, (worst, losses)
    print(f"ok: vit_test, 20 steps, -n 1 vs -n 2: losses agree within {worst:.1e} relative")


def case_ranks_agree_sync_bn(swag, deck, work):
    """With sync BN, a RegNetY's batch statistics are those of the global batch on any number of
    ranks: -n 1 and -n 2 give the same losses."""
    losses = {}
    for ranks in (1, 2):
        run_dir = os.path.join(work, f"n{ranks}")
        # A moderate learning rate (0.0125 per step): at the test deck's 0.4, training amplifies
        # the rounding differences of the two reduction orders (1e-9 at first) to 1e-1 in 20
        # steps; here they stay below 1e-7.
        run(swag, deck, run_dir, ranks, "bn.sync=true", "log.every=1", "optim.lr=0.1")
        losses[ranks] = [json.loads(l)["loss"] for l in open(os.path.join(run_dir, "metrics.jsonl"))]
    assert len(losses[1]) == 20, losses[1]
    worst = max(abs(a - b) / abs(a) for a, b in zip(losses[1], losses[2]))
    assert worst < 1e-5, (worst, losses)
    print(f"ok: regnety_test with sync BN, 20 steps, -n 1 vs -n 2: losses agree within {worst:.1e}")


def case_recompute_is_bitwise(swag, deck, work):
    """Activation recomputation (doc/memory.md) replays each block's forward in backward, batch
    norm from its saved statistics: 2 ranks with sync BN give the losses and the checkpoints of
    the ordinary run bit for bit."""
    runs = {}
    for recompute in ("false", "true"):
        run_dir = os.path.join(work, f"recompute_{recompute}")
        run(swag, deck, run_dir, 2, "bn.sync=true", "log.every=1",
            f"run.recompute_activations={recompute}")
        runs[recompute] = run_dir
    losses = {k: [json.loads(l)["loss"] for l in open(os.path.join(d, "metrics.jsonl"))]
              for k, d in runs.items()}
    assert len(losses["true"]) == 20 and losses["true"] == losses["false"], losses
    final = [checkpoints(d)[-1] for d in runs.values()]
    assert final[0].endswith("step-00000020.h5"), final
    assert_bitwise_equal(*final)
    print(f"ok: regnety_test, sync BN, 2 ranks: 20 losses and the step-20 checkpoint bitwise equal "
          f"with and without recomputation")


def case_loss_falls(swag, deck, work):
    run_dir = os.path.join(work, "run")
    run(swag, deck, run_dir, 2, "schedule.steps=60", "log.every=10")
    losses = [json.loads(l)["loss"] for l in open(os.path.join(run_dir, "metrics.jsonl"))]
    assert losses[-1] < 0.5 * losses[0], losses
    results = json.load(open(os.path.join(run_dir, "results.json")))
    assert results["steps"] == 60 and results["world_size"] == 2, results
    print(f"ok: loss {losses[0]:.3f} -> {losses[-1]:.3f}")


def case_mixed_precision(swag, deck, work):
    """run.precision = bf16 and fp16 (doc/mixed_precision.md): the model learns the synthetic
    classes, its first loss (same weights, same batch) is the fp32 one up to the activations'
    rounding, a stop and resume is bitwise the straight run (fp16: the loss scaler's state is in
    the checkpoint), and a ViT's bf16 loss curve follows its fp32 one."""
    reference = os.path.join(work, "fp32")
    run(swag, deck, reference, 2, "schedule.steps=40", "log.every=1")
    ref = [json.loads(l)["loss"] for l in open(os.path.join(reference, "metrics.jsonl"))]
    for precision, u in (("bf16", 2.0 ** -8), ("fp16", 2.0 ** -11)):
        straight, split = (os.path.join(work, precision + d) for d in ("", "_split"))
        args = (f"run.precision={precision}", "schedule.steps=40", "log.every=1")
        run(swag, deck, straight, 2, *args)
        losses = [json.loads(l)["loss"] for l in open(os.path.join(straight, "metrics.jsonl"))]
        # The first loss differs from fp32's by the logits' rounding only (a few u relative).
        assert abs(losses[0] - ref[0]) < 16 * u * abs(ref[0]), (precision, losses[0], ref[0])
        assert losses[0] != ref[0], "the storage type made no difference"
        assert losses[-1] < 0.5 * losses[0], (precision, losses)
        run(swag, deck, split, 2, *args, "run.stop_at_step=20", expect=STOPPED)
        run(swag, deck, split, 2, *args)
        assert_bitwise_equal(checkpoints(straight)[-1], checkpoints(split)[-1])
        with h5py.File(checkpoints(straight)[-1]) as f:
            if precision == "fp16":
                # The scaler's state follows the overflows the run reports, however many the
                # build's rounding gives (none with FMA contraction, some without): each halves
                # the scale (no doubling within 2000 good steps) and restarts the good count.
                records = [json.loads(l) for l in open(os.path.join(straight, "metrics.jsonl"))]
                skipped = [i for i, rec in enumerate(records) if rec["skipped"]]
                scale, good = f["extra/loss_scaler"][()]
                assert len(skipped) < 10 and scale == 65536.0 / 2 ** len(skipped), (scale, skipped)
                assert good == 40 - (skipped[-1] + 1 if skipped else 0), (good, skipped)
            else:
                assert "extra" not in f or "loss_scaler" not in f["extra"], list(f)
        print(f"ok: {precision}: loss {losses[0]:.4f} (fp32 {ref[0]:.4f}) -> {losses[-1]:.4f}, "
              f"fp32 -> {ref[-1]:.4f}; 20 + stop + resume + 20 == 40 straight, bitwise")
    # A ViT (no batch norm to amplify the rounding) follows its fp32 curve closely (0.03% at
    # worst measured over 40 steps; 1% allowed).
    vit = {}
    for precision in ("fp32", "bf16"):
        run_dir = os.path.join(work, "vit_" + precision)
        run(swag, deck, run_dir, 2, "model.name=vit_test", "optim.name=adamw", "optim.lr=0.01",
            "optim.weight_decay=0.1", f"run.precision={precision}", "schedule.steps=40",
            "log.every=1")
        vit[precision] = [json.loads(l)["loss"] for l in open(os.path.join(run_dir, "metrics.jsonl"))]
    worst = max(abs(a - b) / a for a, b in zip(vit["fp32"], vit["bf16"]))
    assert worst < 0.01 and vit["bf16"][-1] < 0.85 * vit["bf16"][0], (worst, vit)
    print(f"ok: vit_test bf16: loss {vit['bf16'][0]:.4f} -> {vit['bf16'][-1]:.4f}, within "
          f"{worst:.1e} of fp32 at every step")


def case_fp16_overflow(swag, deck, work):
    """fp16 from a loss scale of 2^40: the first steps' gradients overflow, are skipped and halve
    the scale until they fit (and again whenever they grow past it); the run still learns, and
    the checkpoint keeps the scale reached and the good steps since the last overflow."""
    run_dir = os.path.join(work, "run")
    r = run(swag, deck, run_dir, 2, "run.precision=fp16", "numerics.loss_scale=1099511627776",
            "schedule.steps=40", "log.every=1")
    overflows = [l for l in r.stderr.splitlines() if "fp16 gradients overflowed" in l]
    records = [json.loads(l) for l in open(os.path.join(run_dir, "metrics.jsonl"))]
    assert len(records) == 40, records
    skipped = [i for i, rec in enumerate(records) if rec["skipped"]]
    assert skipped[:10] == list(range(10)) and len(skipped) < 30, skipped
    assert len(overflows) == len(skipped), (skipped, overflows)  # rank 0 logs
    with h5py.File(checkpoints(run_dir)[-1]) as f:
        scale, good = f["extra/loss_scaler"][()]
    assert scale == 2.0 ** (40 - len(skipped)), (scale, skipped)  # no doubling in 2000 steps
    assert good == 40 - (skipped[-1] + 1), (good, skipped)
    losses = [rec["loss"] for rec in records if not rec["skipped"]]
    assert losses[-1] < 0.7 * losses[0], losses  # after fewer updates than the 40 steps
    print(f"ok: fp16 from scale 2^40: {len(skipped)} steps skipped, scale 2^{40 - len(skipped)}, "
          f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")


def case_bad_precision(swag, deck, work):
    """An unknown run.precision is a config error (exit 3) that leaves no run directory."""
    run_dir = os.path.join(work, "run")
    r = run(swag, deck, run_dir, 2, "run.precision=fp8", expect=3)
    text = "run.precision must be fp32, bf16 or fp16, not 'fp8'"
    assert any(l.startswith("swag: error:") and text in l for l in r.stderr.splitlines()), r.stderr
    assert not os.path.exists(run_dir), os.listdir(run_dir)
    print(f"ok: run.precision=fp8 -> exit 3: {text}")
    r = run(swag, deck, run_dir, 2, "run.precision=fp16", "numerics.loss_scale=1000", expect=3)
    assert "numerics.loss_scale must be a power of two" in r.stderr, r.stderr
    assert not os.path.exists(run_dir), os.listdir(run_dir)
    print("ok: numerics.loss_scale=1000 -> exit 3")


# SWAG_NO_MPI=1 (doc/cli.md): one process, no mpiexec. OPAL_PREFIX points Open MPI at nothing, as
# on a machine without an MPI runtime: an MPI_Init (or any MPI call) would fail there. The
# launchers' variables of an enclosing job (a CI runner under Slurm) are not this process's.
SOLO_ENV = {k: v for k, v in ENV.items()
            if not k.startswith(("OMPI_COMM_WORLD", "PMI_", "PMIX_", "SLURM_"))}
SOLO_ENV.update(SWAG_NO_MPI="1", OPAL_PREFIX="/nonexistent/no-mpi-runtime")
USAGE = 2
# CPU results depend on the number of OpenMP threads (the order of the sums), and mpiexec binds
# a lone rank to one core: the runs compared bitwise all take one thread.
SOLO_ENV["OMP_NUM_THREADS"] = "1"
MPI1_ENV = dict(ENV, OMP_NUM_THREADS="1")


def mpi1(swag, *args, expect=0):
    """`mpiexec -n 1 swag ARGS`, the reference of the SWAG_NO_MPI=1 runs."""
    cmd = ["mpiexec", "-n", "1", swag, *[str(a) for a in args]]
    r = subprocess.run(cmd, env=MPI1_ENV, capture_output=True, text=True, timeout=280)
    assert r.returncode == expect, f"{' '.join(cmd)}\nexit {r.returncode}\n{r.stderr[-3000:]}"
    return r


def solo(swag, *args, expect=0, env=None):
    cmd = [swag, *[str(a) for a in args]]
    r = subprocess.run(cmd, env=env or SOLO_ENV, capture_output=True, text=True, timeout=280)
    assert r.returncode == expect, \
        f"SWAG_NO_MPI=1 {' '.join(cmd)}\nexit {r.returncode}, expected {expect}\n{r.stderr[-3000:]}"
    assert "MPI_Init" not in r.stderr, r.stderr[-3000:]
    return r


def solo_pretrain(swag, deck, run_dir, *overrides, expect=0, env=None):
    return solo(swag, "pretrain", "--config", deck, f"run.dir={run_dir}", *overrides,
                expect=expect, env=env)


def case_no_mpi_resume_is_bitwise(swag, deck, work):
    """SWAG_NO_MPI=1 pretrain without mpiexec (and without an MPI runtime): checkpoints, a stop
    and a resume, bitwise the same as the deck under `mpiexec -n 1`."""
    reference, straight, split = (os.path.join(work, d) for d in ("mpi", "straight", "split"))
    mpi1(swag, "pretrain", "--config", deck, f"run.dir={reference}")
    solo_pretrain(swag, deck, straight)
    assert [os.path.basename(p) for p in checkpoints(straight)] == \
        [os.path.basename(p) for p in checkpoints(reference)], checkpoints(straight)
    assert json.load(open(os.path.join(straight, "results.json")))["world_size"] == 1
    assert_bitwise_equal(checkpoints(reference)[-1], checkpoints(straight)[-1])
    r = solo_pretrain(swag, deck, split, "run.stop_at_step=10", expect=STOPPED)
    assert "swag: stopped:" in r.stderr, r.stderr[-2000:]
    assert checkpoints(split)[-1].endswith("step-00000010.h5"), checkpoints(split)
    r = solo_pretrain(swag, deck, split)
    assert "resumed from" in r.stderr, r.stderr[-2000:]
    assert checkpoints(split)[-1].endswith("step-00000020.h5"), checkpoints(split)
    assert verify(swag, checkpoints(split)[-1])
    assert_bitwise_equal(checkpoints(reference)[-1], checkpoints(split)[-1])
    print("ok: SWAG_NO_MPI=1, no MPI runtime: 20 steps straight and 10 + stop + resume + 10 "
          "== mpiexec -n 1, bitwise")


def case_no_mpi_refuses_ranks(swag, deck, work):
    """SWAG_NO_MPI=1 in a multi-rank launch (or with a bad value) is a usage error (exit 2)
    before anything is written."""
    run_dir = os.path.join(work, "run")
    cmd = command(swag, deck, run_dir, 2)
    r = subprocess.run(cmd, env=dict(ENV, SWAG_NO_MPI="1"), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == USAGE, f"exit {r.returncode}\n{r.stderr[-3000:]}"
    lines = [l for l in r.stderr.splitlines() if l.startswith("swag: error: SWAG_NO_MPI=1")]
    assert lines and "several ranks" in lines[0] and "OMPI_COMM_WORLD_SIZE=2" in lines[0], r.stderr
    assert not os.path.exists(run_dir), os.listdir(run_dir)
    for variable in ("SLURM_NTASKS=4", "PMI_SIZE=2", "PMIX_RANK=1"):
        name, value = variable.split("=")
        r = solo_pretrain(swag, deck, run_dir, expect=USAGE, env=dict(SOLO_ENV, **{name: value}))
        assert f"swag: error: SWAG_NO_MPI=1" in r.stderr and variable in r.stderr, r.stderr
        assert not os.path.exists(run_dir), os.listdir(run_dir)
    r = solo_pretrain(swag, deck, run_dir, expect=USAGE, env=dict(SOLO_ENV, SWAG_NO_MPI="yes"))
    assert "swag: error: SWAG_NO_MPI must be 1" in r.stderr, r.stderr
    assert not os.path.exists(run_dir), os.listdir(run_dir)
    print("ok: SWAG_NO_MPI=1 under mpiexec -n 2, SLURM_NTASKS, PMI_SIZE, PMIX_RANK, and a bad "
          "value: exit 2, nothing written")


def case_no_mpi_transfer(swag, deck, work):
    """SWAG_NO_MPI=1 finetune (stop and resume), eval, zeroshot, sample and shard on the transfer
    tests' tiny dataset (tests/transfer, fixture transfer_data; SWAG_TRANSFER_DATA is its data
    folder): the same results as under `mpiexec -n 1`."""
    data = os.environ["SWAG_TRANSFER_DATA"]
    pretrained = os.path.join(data, "pretrain", "checkpoints", "step-00000010.h5")

    def finetune_deck(name):
        """--config and overrides of the test deck (inputs/finetune/test.toml)."""
        return ["--config", os.path.join(os.path.dirname(deck), "..", "finetune", "test.toml"),
                f"run.dir={os.path.join(work, name)}",
                f"data.train={os.path.join(data, 'train', 'labelled_shards')}",
                f"data.eval={os.path.join(data, 'test', 'shards')}"]

    def results(name):
        return json.load(open(os.path.join(work, name, "results.json")))

    mpi1(swag, "finetune", *finetune_deck("mpi"), "--init", pretrained)
    split = finetune_deck("split")
    solo(swag, "finetune", *split, "--init", pretrained, "run.stop_at_step=6",
         expect=STOPPED)
    assert not os.path.exists(os.path.join(work, "split", "results.json"))
    solo(swag, "finetune", *split, "--init", pretrained)
    a, b = results("mpi"), results("split")
    assert b["world_size"] == 1 and b["steps"] == 12 and b["n"] == 101, b
    assert (a["top1"], a["top5"]) == (b["top1"], b["top5"]), (a, b)
    assert_bitwise_equal(a["weights"], b["weights"])

    last_json = lambda r: json.loads(r.stdout.strip().splitlines()[-1])
    evaluate = ["eval", "--checkpoint", b["weights"], "--data",
                os.path.join(data, "test", "shards"), "--batch", 8, "--json"]
    assert last_json(solo(swag, *evaluate)) == last_json(mpi1(swag, *evaluate))
    zeroshot = ["zeroshot", "--checkpoint", pretrained, "--vocab",
                os.path.join(data, "vocab.json"), "--mapping", os.path.join(data, "mapping.json"),
                "--data", os.path.join(data, "test", "shards"), "--batch", 8, "--json"]
    assert last_json(solo(swag, *zeroshot)) == last_json(mpi1(swag, *zeroshot))
    sample = ["sample", "--data", os.path.join(data, "train", "shards"), "--num-samples", 1000,
              "--head-threshold", 50, "--json"]
    assert last_json(solo(swag, *sample)) == last_json(mpi1(swag, *sample))
    shards = {}
    for how, call in (("solo", lambda *a: solo(swag, *a)), ("mpi", lambda *a: mpi1(swag, *a))):
        out = os.path.join(work, "shards_" + how)
        call("shard", "--manifest", os.path.join(data, "test", "manifest.tsv"), "--vocab",
             os.path.join(data, "test", "vocab.json"), "--output-dir", out)
        shards[how] = json.load(open(os.path.join(out, "index.json")))
    # The index names its own folder; everything else matches.
    strip = lambda index: json.loads(json.dumps(index).replace(os.path.join(work, "shards_solo"), "X")
                                     .replace(os.path.join(work, "shards_mpi"), "X"))
    assert strip(shards["solo"]) == strip(shards["mpi"]), shards
    print("ok: SWAG_NO_MPI=1 finetune (6 + stop + resume + 6) == mpiexec -n 1, bitwise; eval, "
          "zeroshot, sample and shard give the same results")


def step_of(path):
    return int(os.path.basename(path)[len("step-"):-len(".h5")])


def verify(swag, path):
    r = subprocess.run([swag, "verify-checkpoint", path], capture_output=True, text=True)
    return r.returncode == 0


def wait_for(condition, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError("condition not met in time")


def children_named(pid, name):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if int(fields[1]) == pid and comm == name:
            found.append(int(entry))
    return sorted(found)


def main():
    swag, deck, case, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    globals()["case_" + case](os.path.abspath(swag), os.path.abspath(deck), work)


if __name__ == "__main__":
    main()
