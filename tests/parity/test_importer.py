#!/usr/bin/python3
"""Tests of tools/import_torchvision.py (ctest label `cli`), one case per run.

Usage:
    /usr/bin/python3 tests/parity/test_importer.py --case CASE --workdir D

Cases:
  roundtrip       a torchvision state_dict imports exactly: every tensor, the params/buffers
                  split, the attributes of doc/formats.md
  wrapped         the same state_dict under {"state_dict": ...} with keys prefixed "module."
  swag_trunk      a trunk in the facebookresearch/SWAG (ClassyVision) naming, without classifier,
                  prefixed "trunk.": renamed to torchvision's keys, classifier initialized
  missing         a tensor removed: exit 4, "swag: error: <file>: missing tensor '<key>'"
  misshaped       a tensor of the wrong shape: exit 4, "... has shape [..], expected [..]"
  extra           an unexpected tensor: exit 4, "... unexpected tensor '<key>'"
  no_num_classes  a trunk without --num-classes: exit 2
  wrong_classes   --num-classes that disagrees with the checkpoint's classifier: exit 4
  vit_roundtrip   a torchvision ViT (swag's vit_test) made at 40x40 with the pre-training head
                  imports exactly; the resolution and the head come from its tensors
  vit_swag_trunk  the same ViT in the facebookresearch/SWAG naming and layout (layer_<i>,
                  mlp.linear_1, position embedding [T, 1, D]), without classifier
Every failing case also checks that neither the output nor a temporary file is left behind.
"""

import argparse
import os
import re
import subprocess
import sys

import h5py
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "tools")
IMPORTER = os.path.join(TOOLS, "import_torchvision.py")
sys.path.insert(0, TOOLS)
from import_torchvision import attr_str, build_model  # noqa: E402

ARCH = "regnet_y_400mf"
NUM_CLASSES = 7
KEY = "trunk_output.block2.block2-0.f.b.0.weight"


class Failure(Exception):
    pass


def check(cond: bool, message: str) -> None:
    if not cond:
        raise Failure(message)


def state_dict(seed: int = 1, arch: str = ARCH, **build_args) -> dict:
    """A random-init model with every tensor (running statistics included) non-trivial."""
    torch.manual_seed(seed)
    model = build_model(arch, NUM_CLASSES, **build_args)
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.add_(torch.rand_like(t))
    return model.state_dict()


def to_swag_naming(key: str) -> str:
    """torchvision RegNetY key -> the facebookresearch/SWAG (ClassyVision) module name."""
    for pattern, repl in [
        (r"^stem\.", "stem.stem."),
        (r"\.proj\.0\.", ".proj."),
        (r"\.proj\.1\.", ".bn."),
        (r"\.f\.se\.fc1\.", ".f.se.excitation.0."),
        (r"\.f\.se\.fc2\.", ".f.se.excitation.2."),
        (r"\.f\.c\.0\.", ".f.c."),
        (r"\.f\.c\.1\.", ".f.final_bn."),
        (r"^fc\.", "head.fc."),
    ]:
        key = re.sub(pattern, repl, key)
    return key


def run_importer(workdir: str, source, extra_args=(),
                 arch: str = ARCH) -> subprocess.CompletedProcess:
    checkpoint = os.path.join(workdir, "input.pth")
    torch.save(source, checkpoint)
    cmd = [sys.executable, IMPORTER, "--arch", arch, "--input", checkpoint,
           "--output", os.path.join(workdir, "W.h5"), *extra_args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    print("$ " + " ".join(cmd))
    print(f"exit {proc.returncode}\n--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}---")
    return proc


def expect_failure(workdir: str, proc, code: int, pattern: str) -> None:
    check(proc.returncode == code, f"exit code {proc.returncode}, expected {code}")
    check(re.search(pattern, proc.stderr, re.M) is not None,
          f"stderr does not match {pattern!r}")
    left = sorted(f for f in os.listdir(workdir) if f != "input.pth")
    check(not left, f"files left behind: {left}")


def read_weights(path: str):
    with h5py.File(path, "r") as f:
        attrs = {k: (attr_str(v) if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        groups = {}
        for group in ("params", "buffers"):
            groups[group] = {name: (ds[()], {k: attr_str(v) for k, v in ds.attrs.items()})
                             for name, ds in f[group].items()}
    return attrs, groups


def check_exact(workdir: str, sd: dict, num_classes: int, skip=(), arch: str = ARCH,
                swag_model: str = "regnety_400mf", **build_args) -> dict:
    """The file holds exactly sd's tensors (but `skip`), split as torchvision's model is."""
    attrs, groups = read_weights(os.path.join(workdir, "W.h5"))
    for key, value in [("format", "swag-weights"), ("format_version", 1),
                       ("model", swag_model), ("num_classes", num_classes),
                       ("software", "import_torchvision.py")]:
        check(attrs.get(key) == value, f"attribute {key} = {attrs.get(key)!r}, expected {value!r}")
    model = build_model(arch, num_classes, **build_args)
    want = {"params": [n for n, _ in model.named_parameters()],
            "buffers": [n for n, _ in model.named_buffers() if "num_batches_tracked" not in n]}
    for group, names in want.items():
        check(sorted(groups[group]) == sorted(names), f"/{group} has the wrong set of names")
        for name in names:
            data, ds_attrs = groups[group][name]
            check(data.dtype == np.float32, f"/{group}/{name} is {data.dtype}")
            check(ds_attrs.get("torchvision_name") == name,
                  f"/{group}/{name}: torchvision_name = {ds_attrs.get('torchvision_name')!r}")
            if name not in skip:
                check(np.array_equal(data, sd[name].numpy()), f"/{group}/{name} differs")
    print(f"checked {sum(len(v) for v in want.values())} tensors exactly")
    return attrs


def case_roundtrip(workdir: str) -> None:
    sd = state_dict()
    proc = run_importer(workdir, sd)
    check(proc.returncode == 0, "import failed")
    attrs = check_exact(workdir, sd, NUM_CLASSES)
    check(attrs["head_initialized_by_importer"] == 0, "head_initialized_by_importer != 0")
    umask = os.umask(0)
    os.umask(umask)
    mode = os.stat(os.path.join(workdir, "W.h5")).st_mode & 0o777
    check(mode == 0o666 & ~umask, f"W.h5 has mode {oct(mode)}, expected {oct(0o666 & ~umask)}")


def case_wrapped(workdir: str) -> None:
    sd = state_dict()
    wrapped = {"epoch": 3, "state_dict": {"module." + k: v for k, v in sd.items()}}
    proc = run_importer(workdir, wrapped)
    check(proc.returncode == 0, "import failed")
    check("stripped key prefix 'module.'" in proc.stdout, "prefix not reported")
    check_exact(workdir, sd, NUM_CLASSES)


def case_swag_trunk(workdir: str) -> None:
    sd = state_dict()
    trunk = {"trunk." + to_swag_naming(k): v for k, v in sd.items() if not k.startswith("fc.")}
    proc = run_importer(workdir, trunk, ["--num-classes", "5", "--seed", "3"])
    check(proc.returncode == 0, "import failed")
    attrs = check_exact(workdir, sd, 5, skip=("fc.weight", "fc.bias"))
    check(attrs["head_initialized_by_importer"] == 1, "head_initialized_by_importer != 1")
    _, groups = read_weights(os.path.join(workdir, "W.h5"))
    weight, bias = groups["params"]["fc.weight"][0], groups["params"]["fc.bias"][0]
    check(weight.shape == (5, 440) and bias.shape == (5,), "classifier shape")
    check(np.all(bias == 0), "classifier bias is not zero")
    check(0.008 < weight.std() < 0.012, f"classifier weight std {weight.std()}, expected ~0.01")
    source = groups["params"]["stem.0.weight"][1].get("source_key")
    check(source == "trunk.stem.stem.0.weight", f"source_key {source!r}")


def case_missing(workdir: str) -> None:
    sd = state_dict()
    del sd[KEY]
    proc = run_importer(workdir, sd)
    expect_failure(workdir, proc, 4,
                   r"^swag: error: .*input\.pth: missing tensor '" + re.escape(KEY) + "'$")


def case_misshaped(workdir: str) -> None:
    sd = state_dict()
    shape = list(sd[KEY].shape)
    sd[KEY] = torch.zeros(shape[0], shape[1], 1, 1)
    proc = run_importer(workdir, sd)
    want = (f"^swag: error: .*input\\.pth: tensor '{re.escape(KEY)}' has shape "
            f"\\[{shape[0]}, {shape[1]}, 1, 1\\], expected \\[{', '.join(map(str, shape))}\\]$")
    expect_failure(workdir, proc, 4, want)


def case_extra(workdir: str) -> None:
    sd = state_dict()
    sd["fc2.weight"] = torch.zeros(3, 3)
    proc = run_importer(workdir, sd)
    expect_failure(workdir, proc, 4, r"^swag: error: .*input\.pth: unexpected tensor 'fc2\.weight'$")


def case_no_num_classes(workdir: str) -> None:
    sd = {k: v for k, v in state_dict().items() if not k.startswith("fc.")}
    proc = run_importer(workdir, sd)
    expect_failure(workdir, proc, 2, r"^swag: error: .*no classifier.*--num-classes")


def case_wrong_classes(workdir: str) -> None:
    proc = run_importer(workdir, state_dict(), ["--num-classes", "9"])
    expect_failure(workdir, proc, 4,
                   r"^swag: error: .*tensor 'fc\.weight' has shape \[7, 440\], expected \[9, 440\]$")


VIT = "vit_test"
VIT_BUILD = {"image_size": 40, "pre_logits": True}


def to_swag_vit_naming(key: str, tensor: torch.Tensor):
    """torchvision ViT key and tensor -> the facebookresearch/SWAG module name and layout."""
    for pattern, repl in [
        (r"^encoder\.layers\.encoder_layer_(\d+)\.", r"encoder.layers.layer_\1."),
        (r"\.mlp\.0\.", ".mlp.linear_1."),
        (r"\.mlp\.3\.", ".mlp.linear_2."),
        (r"^heads\.", "head.layers."),
    ]:
        key = re.sub(pattern, repl, key)
    if key == "encoder.pos_embedding":
        tensor = tensor.permute(1, 0, 2).contiguous()
    return key, tensor


def case_vit_roundtrip(workdir: str) -> None:
    sd = state_dict(arch=VIT, **VIT_BUILD)
    check(tuple(sd["encoder.pos_embedding"].shape) == (1, 26, 32), "test premise: 5x5 grid")
    proc = run_importer(workdir, sd, arch=VIT)
    check(proc.returncode == 0, "import failed")
    check_exact(workdir, sd, NUM_CLASSES, arch=VIT, swag_model=VIT, **VIT_BUILD)


def case_vit_swag_trunk(workdir: str) -> None:
    sd = state_dict(arch=VIT, image_size=40)
    trunk = {}
    for key, tensor in sd.items():
        if not key.startswith("heads."):
            swag_key, swag_tensor = to_swag_vit_naming(key, tensor)
            trunk["trunk." + swag_key] = swag_tensor
    proc = run_importer(workdir, trunk, ["--num-classes", "5"], arch=VIT)
    check(proc.returncode == 0, "import failed")
    attrs = check_exact(workdir, sd, 5, skip=("heads.head.weight", "heads.head.bias"), arch=VIT,
                        swag_model=VIT, image_size=40)
    check(attrs["head_initialized_by_importer"] == 1, "head_initialized_by_importer != 1")
    _, groups = read_weights(os.path.join(workdir, "W.h5"))
    check(not groups["params"]["heads.head.weight"][0].any(), "classifier is not zero")
    source = groups["params"]["encoder.layers.encoder_layer_1.mlp.3.bias"][1].get("source_key")
    check(source == "trunk.encoder.layers.layer_1.mlp.linear_2.bias", f"source_key {source!r}")


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    parser.add_argument("--workdir", required=True, help="emptied, then used for the files")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    for name in os.listdir(args.workdir):
        os.unlink(os.path.join(args.workdir, name))
    try:
        CASES[args.case](args.workdir)
    except Failure as exc:
        print(f"FAIL {args.case}: {exc}")
        return 1
    print(f"PASS {args.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
