#!/usr/bin/python3
"""Make a PyTorch reference case for `swag predict` parity tests.

Usage:
    /usr/bin/python3 tools/torch_reference.py --arch regnet_y_400mf --num-classes 10 \\
        --batch 4 --resolution 64 --seed 0 --out-dir D \\
        [--weights-resolution R0] [--pre-logits]

Builds torchvision's model with random init (torch.manual_seed(seed)), then makes the
normalization layers and the classifier non-trivial so that every parameter matters:
BatchNorm running statistics are those of a batch of 16 random images, perturbed
(running_mean += N(0, 0.1) * std, running_var *= U(0.5, 2)), weight ~ U(0.5, 1.5),
bias ~ N(0, 0.1); classifier weight ~ N(0, 1/in_features), bias ~ N(0, 0.1); LayerNorm weight
~ U(0.5, 1.5), bias ~ N(0, 0.1); every other parameter that is still all zeros (a ViT's class
token, attention and patch biases) ~ N(0, 0.02).

ViTs: the model is made at --weights-resolution (default --resolution), which is what model.pth
holds; when that differs from --resolution, the reference runs the model at --resolution with
the position embedding carried over by torchvision's interpolate_embeddings (bicubic), as a
fine-tuning run at a higher resolution does. --pre-logits adds the pre-training head
(representation_size = hidden_dim).

Writes, in D (formats in doc/formats.md):
  model.pth     the model's state_dict (input of tools/import_torchvision.py)
  images.h5     /images  float32 [N, 3, R, R], N(0, 1)
  targets.h5    /targets float32 [N, C], each row 1/K on K random classes, K in 1..3
  reference.h5  /logits_eval  float32 [N, C]  model.eval() logits
                /logits_train float32 [N, C]  model.train() logits (batch statistics)
                /loss         float64 scalar  -(t * log_softmax(z)).sum(1).mean() on the
                                              train-mode logits, evaluated in float64
                /grads/<name> float32         d loss / d parameter, train mode, for every
                                              parameter (torchvision's state_dict names)
  and the truth and PyTorch's other float32 path, for tests/parity/compare.py --against float64:
                /logits_train64, /loss64, /grads64/<name>   float64: the same model, weights,
                                              images and targets run in float64
                /loss32       float32 scalar  the float32 pass's own loss (the float32 /loss
                                              above is rounded in float64 after the logits)
                /logits_train_nhwc, /loss_nhwc, /grads_nhwc/<name>   float32, RegNets: the
                                              train-mode pass with the model and images in
                                              channels_last (PyTorch's NHWC kernels)
The computation is torch float32 on one thread (torch.set_num_threads(1)), so a case is
reproducible on one machine; the parity tolerances in tests/parity/compare.py allow for float32
rounding differences between implementations.
"""

import argparse
import copy
import os
import sys

import h5py
import numpy as np
import torch
from torchvision.models.vision_transformer import interpolate_embeddings

from import_torchvision import (VIT, VIT_SPECS, ImportFailure, build_model, family, h5_attr,
                                resolve_arch)


def randomize_(model: torch.nn.Module, head: torch.nn.Module, resolution: int,
               gen: torch.Generator) -> None:
    """Give BatchNorm statistics and affine terms, and the classifier, non-trivial values.

    The running statistics are first set to the batch statistics of 16 random images, then
    perturbed: mean += N(0, 0.1) * std, var *= U(0.5, 2). Perturbing around the statistics the
    layer actually sees (rather than around 0 and 1) keeps eval-mode activations dependent on the
    input through all the blocks; otherwise the eval logits are nearly the same for every image.
    """
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one batch gives its exact statistics
        if norms:
            model.train()
            model(torch.randn(16, 3, resolution, resolution, generator=gen))
        for m in norms:
            m.momentum = 0.1
            m.num_batches_tracked.zero_()
            c = m.num_features
            m.running_mean.add_(torch.randn(c, generator=gen) * 0.1 * m.running_var.sqrt())
            m.running_var.mul_(torch.empty(c).uniform_(0.5, 2.0, generator=gen))
            m.weight.uniform_(0.5, 1.5, generator=gen)
            m.bias.normal_(0.0, 0.1, generator=gen)
        head.weight.normal_(0.0, head.in_features ** -0.5, generator=gen)
        head.bias.normal_(0.0, 0.1, generator=gen)
        for m in model.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.normal_(0.0, 0.1, generator=gen)
        for p in model.parameters():
            if not p.any():
                p.normal_(0.0, 0.02, generator=gen)


def soft_targets(batch: int, num_classes: int, gen: torch.Generator) -> torch.Tensor:
    """Rows of 1/K on K distinct random classes, K uniform in 1..min(3, C)."""
    targets = torch.zeros(batch, num_classes)
    for row in range(batch):
        k = int(torch.randint(1, min(3, num_classes) + 1, (1,), generator=gen))
        classes = torch.randperm(num_classes, generator=gen)[:k]
        targets[row, classes] = 1.0 / k
    return targets


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of -sum_c t_c log softmax(z)_c (the SWAG pre-training loss)."""
    return -(targets * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()


def write_h5(path: str, datasets: dict, attrs: dict = None) -> None:
    with h5py.File(path, "w") as f:
        for name, value in datasets.items():
            f.create_dataset(name, data=value)
        for key, value in (attrs or {}).items():
            f.attrs[key] = h5_attr(value)


def at_resolution(arch: str, model: torch.nn.Module, num_classes: int, resolution: int,
                  pre_logits: bool) -> torch.nn.Module:
    """The ViT rebuilt for `resolution`, its position embedding interpolated by torchvision."""
    state = interpolate_embeddings(resolution, VIT_SPECS[arch][0], copy.deepcopy(model.state_dict()))
    resized = build_model(arch, num_classes, resolution, pre_logits)
    resized.load_state_dict(state)
    return resized


def make_case(arch: str, num_classes: int, batch: int, resolution: int, seed: int,
              out_dir: str, weights_resolution: int, pre_logits: bool) -> None:
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = build_model(arch, num_classes, weights_resolution, pre_logits)
    randomize_(model, family(arch).head(model), weights_resolution, gen)
    images = torch.randn(batch, 3, resolution, resolution, generator=gen)
    targets = soft_targets(batch, num_classes, gen)

    os.makedirs(out_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(out_dir, "model.pth"))
    if family(arch) is VIT and weights_resolution != resolution:
        model = at_resolution(arch, model, num_classes, resolution, pre_logits)

    model.eval()
    with torch.no_grad():
        logits_eval = model(images)

    # The float64 truth and the channels_last float32 pass, each from a copy made before the
    # float32 pass below moves the running statistics.
    model64 = copy.deepcopy(model).double().train()
    logits64 = model64(images.double())
    true_loss = soft_cross_entropy(logits64, targets.double())
    true_loss.backward()
    extra = {"logits_train64": logits64.detach().numpy(), "loss64": true_loss.item()}
    extra.update({f"grads64/{name}": p.grad.numpy() for name, p in model64.named_parameters()})
    if family(arch) is not VIT:
        nhwc = copy.deepcopy(model).to(memory_format=torch.channels_last).train()
        logits_nhwc = nhwc(images.contiguous(memory_format=torch.channels_last))
        loss_nhwc = soft_cross_entropy(logits_nhwc, targets)
        loss_nhwc.backward()
        extra.update({"logits_train_nhwc": logits_nhwc.detach().contiguous().numpy(),
                      "loss_nhwc": np.float32(loss_nhwc.item())})
        extra.update({f"grads_nhwc/{name}": p.grad.contiguous().numpy()
                      for name, p in nhwc.named_parameters()})

    model.train()  # updates the running statistics; model.pth was saved before
    logits_train = model(images)
    loss = soft_cross_entropy(logits_train, targets)
    loss.backward()
    loss64 = soft_cross_entropy(logits_train.detach().double(), targets.double()).item()

    attrs = {"arch": arch, "num_classes": num_classes, "batch": batch, "resolution": resolution,
             "weights_resolution": weights_resolution, "pre_logits": int(pre_logits),
             "seed": seed, "torch_version": str(torch.__version__)}
    write_h5(os.path.join(out_dir, "images.h5"), {"images": images.numpy()}, attrs)
    write_h5(os.path.join(out_dir, "targets.h5"), {"targets": targets.numpy()}, attrs)
    datasets = {
        "logits_eval": logits_eval.numpy(),
        "logits_train": logits_train.detach().numpy(),
        "loss": np.float64(loss64),
        "loss32": np.float32(loss.item()),
    }
    for name, p in model.named_parameters():
        datasets[f"grads/{name}"] = p.grad.numpy()
    datasets.update(extra)
    write_h5(os.path.join(out_dir, "reference.h5"), datasets, attrs)
    print(f"torch_reference: {arch}, {num_classes} classes, batch {batch}, {resolution}x"
          f"{resolution}, seed {seed}: loss {loss64:.6f}, |logits_eval|max "
          f"{logits_eval.abs().max().item():.4f} -> {out_dir}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="See the module docstring for the files written.")
    parser.add_argument("--arch", required=True, help="torchvision architecture or swag name")
    parser.add_argument("--num-classes", type=int, required=True)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--weights-resolution", type=int,
                        help="ViT: the resolution model.pth is made for (default --resolution)")
    parser.add_argument("--pre-logits", action="store_true",
                        help="ViT: with the pre-training head (heads.pre_logits)")
    args = parser.parse_args()
    if args.weights_resolution is None:
        args.weights_resolution = args.resolution
    for flag in ("num_classes", "batch", "resolution", "weights_resolution"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be positive")
    try:
        arch = resolve_arch(args.arch)
    except ImportFailure as exc:
        parser.error(exc.messages[0])
    if family(arch) is not VIT and (args.pre_logits or args.weights_resolution != args.resolution):
        parser.error("--pre-logits and --weights-resolution are for ViTs")
    make_case(arch, args.num_classes, args.batch, args.resolution, args.seed, args.out_dir,
              args.weights_resolution, args.pre_logits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
