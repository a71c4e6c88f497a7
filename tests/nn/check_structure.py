"""Checks `swag info` against torchvision's RegNetY models: the parameter count and, for every
stage, width, depth and groups; regnety_demo against torchvision's RegNet built from the same
design. Run with /usr/bin/python3 (Debian's torch/torchvision)."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
from import_torchvision import build_model  # noqa: E402  (torchvision's class for 200MF too)
from torchvision.models.regnet import BlockParams, RegNet  # noqa: E402

PRESETS = {
    "regnety_200mf": "regnet_y_200mf",
    "regnety_400mf": "regnet_y_400mf", "regnety_800mf": "regnet_y_800mf",
    "regnety_1.6gf": "regnet_y_1_6gf", "regnety_3.2gf": "regnet_y_3_2gf",
    "regnety_8gf": "regnet_y_8gf", "regnety_16gf": "regnet_y_16gf",
    "regnety_32gf": "regnet_y_32gf", "regnety_128gf": "regnet_y_128gf",
    # depth 5, w0 32, wa 32, wm 2, group width 8, SE 0.25 (src/nn/model_registry.cpp)
    "regnety_demo": lambda: RegNet(BlockParams.from_init_params(5, 32, 32.0, 2.0, 8, se_ratio=0.25),
                                   num_classes=1000),
}


def torchvision_summary(arch):
    model = arch() if callable(arch) else build_model(arch, 1000)
    stages = []
    for stage in model.trunk_output:
        blocks = list(stage)
        stages.append({"width": blocks[0].f.c[0].out_channels, "depth": len(blocks),
                       "groups": blocks[0].f.b[0].groups})
    params = sum(p.numel() for p in model.parameters())
    return params, stages


def main():
    swag = sys.argv[1]
    failures = 0
    for name, arch in PRESETS.items():
        ours = json.loads(subprocess.check_output([swag, "info", "--model", name, "--json"]))
        params, stages = torchvision_summary(arch)
        ok = ours["params"] == params and ours["stages"] == stages
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: params {ours['params']} vs {params}; "
              f"stages {ours['stages']} vs {stages}")
    if failures:
        sys.exit(f"{failures} presets differ from torchvision")


if __name__ == "__main__":
    main()
