"""Bad input to the swag command: each case must print a `swag: error:` line naming the problem,
exit with the documented code (doc/cli.md), and leave no output file behind.

    cli_errors.py SWAG_EXE CASE WORKDIR        (run with /usr/bin/python3: needs h5py, numpy)
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

USAGE, CONFIG, INPUT, IO, NUMERICS = 2, 3, 4, 5, 6


def run(swag, *args):
    return subprocess.run([swag, *args], capture_output=True, text=True)


def expect_error(result, code, text, output=None):
    lines = [l for l in result.stderr.splitlines() if l.startswith("swag: error:")]
    assert result.returncode == code, f"exit {result.returncode}, expected {code}\n{result.stderr}"
    assert lines, f"no 'swag: error:' line in stderr:\n{result.stderr}"
    assert any(text in l for l in lines), f"'{text}' not in {lines}"
    if output:
        folder = os.path.dirname(output)
        leftovers = [f for f in os.listdir(folder) if f.startswith(os.path.basename(output))]
        assert not leftovers, f"left behind: {leftovers}"
    print(f"ok: exit {code}: {lines[0]}")


def tiny_weights(swag, work, classes=5):
    path = os.path.join(work, "w.h5")
    r = run(swag, "init", "--model", "regnety_test", "--num-classes", str(classes), "--output", path)
    assert r.returncode == 0, r.stderr
    return path


def images(work, shape, name="x.h5"):
    path = os.path.join(work, name)
    with h5py.File(path, "w") as f:
        f["images"] = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    return path


def case_unknown_model(swag, work):
    expect_error(run(swag, "info", "--model", "regnety_17gf"), USAGE, "unknown model 'regnety_17gf'")


def case_unknown_config_key(swag, work):
    deck = os.path.join(work, "deck.toml")
    with open(deck, "w") as f:
        f.write("[optim]\nlr = 0.1\nlrr = 0.2\n")
    expect_error(run(swag, "check-config", "--config", deck), CONFIG, "unknown key 'optim.lrr'")
    # a deck that cannot be read is a file error (5), as doc/cli.md says, not a bad deck (3)
    expect_error(run(swag, "check-config", "--config", deck.replace("deck", "none")), IO,
                 "none.toml: cannot open")
    expect_error(run(swag, "check-config", "--config", work), IO, "not a regular file (a directory)")


def case_bad_override(swag, work):
    deck = os.path.join(work, "deck.toml")
    open(deck, "w").write("[schedule]\nsteps = 10\n")
    expect_error(run(swag, "check-config", "--config", deck, "schedule.steps=ten"), CONFIG,
                 "'schedule.steps'")
    expect_error(run(swag, "check-config", "--config", deck, "schedule.stepz=1"), CONFIG,
                 "unknown key 'schedule.stepz'")


def predict_fails(swag, work, weights, x, code, text, extra=()):
    out = os.path.join(work, "y.h5")
    expect_error(run(swag, "predict", "--weights", weights, "--images", x, "--output", out, *extra),
                 code, text, output=out)


def case_weights_missing_tensor(swag, work):
    w = tiny_weights(swag, work)
    with h5py.File(w, "a") as f:
        del f["params/trunk_output.block2.block2-0.f.b.0.weight"]
    predict_fails(swag, work, w, images(work, (2, 3, 32, 32)), INPUT,
                  "missing tensor '/params/trunk_output.block2.block2-0.f.b.0.weight'")


def case_weights_misshaped_tensor(swag, work):
    w = tiny_weights(swag, work)
    with h5py.File(w, "a") as f:
        del f["params/fc.weight"]
        f["params/fc.weight"] = np.zeros((5, 31), np.float32)
    predict_fails(swag, work, w, images(work, (2, 3, 32, 32)), INPUT,
                  "'/params/fc.weight' has shape [5, 31], expected [5, 32]")


def case_images_wrong_rank(swag, work):
    predict_fails(swag, work, tiny_weights(swag, work), images(work, (2, 3, 32)), INPUT,
                  "/images has shape [2, 3, 32], expected [N, 3, H, H]")


def case_images_wrong_size(swag, work):
    w = tiny_weights(swag, work)
    predict_fails(swag, work, w, images(work, (2, 1, 32, 32)), INPUT, "/images has shape [2, 1, 32, 32]")
    predict_fails(swag, work, w, images(work, (2, 3, 32, 24)), INPUT, "/images has shape [2, 3, 32, 24]")
    predict_fails(swag, work, w, images(work, (2, 3, 4, 4)), INPUT, "H >= 8")


def case_targets_bad(swag, work):
    w = tiny_weights(swag, work)
    x = images(work, (2, 3, 32, 32))
    t = os.path.join(work, "t.h5")
    with h5py.File(t, "w") as f:
        f["targets"] = np.full((2, 4), 0.25, np.float32)
    predict_fails(swag, work, w, x, INPUT, "has shape [2, 4], expected [2, 5]", ("--targets", t))
    with h5py.File(t, "w") as f:
        f["targets"] = np.full((2, 5), 0.3, np.float32)
    predict_fails(swag, work, w, x, INPUT, "/targets row 0 sums to 1.5", ("--targets", t))


def case_weights_huge_num_classes(swag, work):
    # 2^62 classes once wrapped the parameter count and crashed; every out-of-range count is
    # refused from the header, before any allocation
    x = images(work, (1, 3, 32, 32))
    for n in (2**62, 2**31, 2**63 - 1, 0, -3):
        w = tiny_weights(swag, work)
        with h5py.File(w, "a") as f:
            f.attrs["num_classes"] = np.int64(n)
        predict_fails(swag, work, w, x, INPUT, f"num_classes = {n} is outside [1, 2^31 - 1]")


def case_weights_nonfinite(swag, work):
    # NaN or Inf weights give non-finite logits and loss: exit 6, no output file (doc/cli.md)
    x = images(work, (2, 3, 32, 32))
    t = os.path.join(work, "t.h5")
    with h5py.File(t, "w") as f:
        f["targets"] = np.full((2, 5), 0.2, np.float32)
    for bad in (np.nan, np.inf):
        w = tiny_weights(swag, work)
        with h5py.File(w, "a") as f:
            f["params/fc.weight"][0, 0] = bad
        predict_fails(swag, work, w, x, NUMERICS, "are not finite")
        predict_fails(swag, work, w, x, NUMERICS, "not finite", extra=("--targets", t))


def case_not_hdf5(swag, work):
    bogus = os.path.join(work, "bogus.h5")
    open(bogus, "w").write("not hdf5")
    predict_fails(swag, work, bogus, images(work, (2, 3, 32, 32)), 5, "cannot open as HDF5")


def case_bench_bad_mode(swag, work):
    expect_error(run(swag, "bench", "--model", "regnety_test", "--mode", "fly"), USAGE,
                 "--mode must be train, infer or loader")
    expect_error(run(swag, "bench", "--mode", "loader"), USAGE, "--mode loader needs --data")
    expect_error(run(swag, "bench", "--mode", "loader", "--data", work, "--profile"), USAGE,
                 "--profile times the ops of --mode train or infer, not of the loader")
    expect_error(run(swag, "bench", "--mode", "train"), USAGE, "--mode train needs --model")
    expect_error(run(swag, "bench", "--model", "regnety_test", "--device", "tpu"), USAGE,
                 "--device must be cpu or cuda, not 'tpu'")
    expect_error(run(swag, "bench", "--model", "regnety_test", "--math", "fp16"), USAGE,
                 "unknown math mode 'fp16': choose fp32, tf32 or bf16")
    expect_error(run(swag, "bench", "--model", "regnety_test", "--math", "tf32"), USAGE,
                 "--math = tf32 needs --device = cuda")
    # bf16 math on a CPU without bf16 instructions: oneDNN's ISA limited below avx512_bf16.
    no_bf16 = subprocess.run([swag, "bench", "--model", "regnety_test", "--math", "bf16"],
                             capture_output=True, text=True,
                             env=dict(os.environ, DNNL_MAX_CPU_ISA="AVX512_CORE"))
    expect_error(no_bf16, USAGE, "--math = bf16 on --device = cpu: this CPU has no bf16 "
                 "instructions (neither avx512_bf16 nor amx_bf16)")


def case_eval_bad_device(swag, work):
    """--device of the evaluation commands: checked before anything is read or written."""
    out = os.path.join(work, "probe")
    commands = {
        "eval": ["--checkpoint", "w.h5", "--data", "d"],
        "zeroshot": ["--checkpoint", "w.h5", "--vocab", "v", "--mapping", "m", "--data", "d"],
        "linear-probe": ["--checkpoint", "w.h5", "--train", "d", "--eval", "d", "--output-dir", out],
    }
    for command, args in commands.items():
        expect_error(run(swag, command, *args, "--device", "tpu"), USAGE,
                     "--device must be cpu or cuda, not 'tpu'")
        expect_error(run(swag, command, *args, "--device", "cuda"), USAGE,
                     "--device = cuda, but this swag was built without CUDA")
    assert not os.path.exists(out), os.listdir(out)


def case_h5py_written_weights(swag, work):
    """Weights written by h5py (variable-length UTF-8 string attributes) are read."""
    w = tiny_weights(swag, work)
    with h5py.File(w, "a") as f:
        for key in ("format", "model", "software"):
            value = f.attrs[key]
            del f.attrs[key]
            f.attrs[key] = value.decode() if isinstance(value, bytes) else str(value)
    out = os.path.join(work, "y.h5")
    r = run(swag, "predict", "--weights", w, "--images", images(work, (3, 3, 32, 32)), "--output", out)
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        assert f["logits"].shape == (3, 5), f["logits"].shape
    print("ok: h5py-written weights predict", out)


def case_vit_resolution(swag, work):
    """ViT weights at another resolution: refused without --resolution, which must match the
    images; with it, the position embedding is resized and predict succeeds."""
    w = os.path.join(work, "vit.h5")
    r = run(swag, "init", "--model", "vit_test", "--resolution", "32", "--num-classes", "4",
            "--output", w)
    assert r.returncode == 0, r.stderr
    x48 = images(work, (2, 3, 48, 48))
    predict_fails(swag, work, w, x48, INPUT, "made for another resolution")
    predict_fails(swag, work, w, x48, INPUT, "--resolution 40 but the images", ["--resolution", "40"])
    out = os.path.join(work, "y.h5")
    r = run(swag, "predict", "--weights", w, "--images", x48, "--output", out, "--resolution", "48")
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        assert f["logits"].shape == (2, 4), f["logits"].shape
    print("ok: vit_test weights of 32x32 predict at 48x48 with --resolution 48")


def case_vit_bad_settings(swag, work):
    expect_error(run(swag, "info", "--model", "vit_b16", "--resolution", "200"), USAGE,
                 "resolution 200 is not a multiple of 16")
    expect_error(run(swag, "info", "--model", "regnety_test", "--pre-logits"), USAGE,
                 "pre-training head")


def main():
    swag, case, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    globals()["case_" + case](swag, work)


if __name__ == "__main__":
    main()
