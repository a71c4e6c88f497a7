#!/usr/bin/python3
"""A PyTorch stand-in for `swag predict`, to test the parity pipeline without the C++ engine.

Usage (the same command line as swag's):
    tests/parity/torch_predict.py predict --weights W.h5 --images X.h5 --output Y.h5 \\
        [--targets T.h5] [--model M] [--num-classes C] [--resolution R]

Reads the weights file and the images as doc/formats.md defines them, runs torchvision's model
(eval mode; with --targets, one training-mode forward and backward of the soft-target
cross-entropy) and writes /logits, and with --targets /loss and /grads/<name>. A ViT is built
for its weights' resolution and pre-training head; with --resolution its position embedding is
interpolated by torchvision's interpolate_embeddings. Given to
tests/parity/run_parity.sh in place of the swag executable it checks the importer, the
reference, the driver and compare.py end to end; it also documents the contract in runnable form.
"""

import argparse
import os
import sys

import h5py
import numpy as np
import torch
from torchvision.models.vision_transformer import interpolate_embeddings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from import_torchvision import (VIT_SPECS, ImportFailure, attr_str, build_model,  # noqa: E402
                                family, resolve_arch)
from torch_reference import soft_cross_entropy  # noqa: E402


def fail(message: str, code: int) -> None:
    print(f"swag: error: {message}", file=sys.stderr)
    sys.exit(code)


def load_model(path: str, model_name, num_classes, resolution) -> torch.nn.Module:
    with h5py.File(path, "r") as f:
        if attr_str(f.attrs.get("format")) != "swag-weights":
            fail(f"{path}: not a swag weights file", 4)
        try:
            arch = resolve_arch(model_name or attr_str(f.attrs["model"]))
        except ImportFailure as exc:
            fail(exc.messages[0], 2)
        state = {name: torch.from_numpy(ds[()]) for group in ("params", "buffers")
                 for name, ds in f[group].items()}
    num_classes = num_classes or int(state[family(arch).head_keys[0]].shape[0])
    build_args = family(arch).build_args(arch, state)
    if resolution and "image_size" in build_args:
        state = interpolate_embeddings(resolution, VIT_SPECS[arch][0], state)
        build_args["image_size"] = resolution
    model = build_model(arch, num_classes, **build_args)
    for name, tensor in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        if name not in state:
            fail(f"{path}: missing tensor '{name}'", 4)
        if tuple(state[name].shape) != tuple(tensor.shape):
            fail(f"{path}: tensor '{name}' has shape {list(state[name].shape)}, "
                 f"expected {list(tensor.shape)}", 4)
        tensor.copy_(state[name])
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["predict"])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--targets")
    parser.add_argument("--model")
    parser.add_argument("--num-classes", type=int)
    parser.add_argument("--resolution", type=int)
    args = parser.parse_args()
    torch.set_num_threads(1)

    model = load_model(args.weights, args.model, args.num_classes, args.resolution)
    with h5py.File(args.images, "r") as f:
        images = torch.from_numpy(f["images"][()])
    outputs = {}
    if args.targets is None:
        model.eval()
        with torch.no_grad():
            outputs["logits"] = model(images).numpy()
    else:
        with h5py.File(args.targets, "r") as f:
            targets = torch.from_numpy(f["targets"][()])
        model.train()
        logits = model(images)
        loss = soft_cross_entropy(logits, targets)
        loss.backward()
        outputs["logits"] = logits.detach().numpy()
        outputs["loss"] = np.float64(
            soft_cross_entropy(logits.detach().double(), targets.double()).item())
        for name, p in model.named_parameters():
            outputs[f"grads/{name}"] = p.grad.numpy()
    with h5py.File(args.output, "w") as f:
        for name, value in outputs.items():
            f.create_dataset(name, data=value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
