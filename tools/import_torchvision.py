#!/usr/bin/python3
"""Convert torchvision or SWAG checkpoints into swag weights files (doc/formats.md).

Usage:
    /usr/bin/python3 tools/import_torchvision.py --arch regnet_y_400mf \\
        --input regnet.pth --output W.h5 [--num-classes C] [--model regnety_400mf]

The input is one of
  * a torchvision state_dict (``torch.save(model.state_dict(), ...)``), possibly wrapped in a
    dict under ``"model"``, ``"state_dict"``, ``"model_state_dict"`` or ``"module"``;
  * a SWAG model-zoo checkpoint (``https://dl.fbaipublicfiles.com/SWAG/<name>.torch``). Those are
    plain state_dicts of the facebookresearch/SWAG models, whose RegNetY module names come from
    ClassyVision (``stem.stem.0``, ``...bn``, ``f.se.excitation.0``, ``f.final_bn``,
    ``head.fc``) and whose ViT names differ slightly (``encoder.layers.layer_<i>``,
    ``mlp.linear_1``, ``head.layers.head``; position embedding [T, 1, D]); they are renamed (and
    the position embedding transposed) to torchvision's. The pre-trained checkpoints are trunks
    without a classifier: ``--num-classes`` is then required and the classifier is initialized as
    torchvision does (RegNetY: weight ~ N(0, 0.01), bias 0; ViT: zeros; seeded by ``--seed``), and
    the file gets the attribute ``head_initialized_by_importer=1``.

ViTs are built for the resolution their ``encoder.pos_embedding`` was made for (its grid times the
patch size), and with torchvision's ``representation_size`` = D when the checkpoint holds the
pre-training head ``heads.pre_logits.*``.

Keys that all share leading dotted components (``module.``, ``trunk.``, ``model.``, as left by
DataParallel, DDP or training frameworks) have that common prefix removed. BatchNorm's
``num_batches_tracked`` is ignored.

The torchvision architecture is instantiated with random init (nothing is downloaded) to get the
expected tensors; every one of them must be present with the right shape, and no other tensor
may be, else the importer prints ``swag: error: <file>: ...`` lines and exits non-zero without
leaving an output file. The output is written to a temporary file in the output's folder and
renamed into place.

Exit codes follow swag's: 2 bad command line, 4 bad input file (missing, extra or mis-shaped
tensor), 5 a file that cannot be read or written.

The module also serves tools/torch_reference.py and tools/bench_torch.py: the architecture table
(``ARCHS``), name resolution (``resolve_arch``) and model construction (``build_model``).
"""

import argparse
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import h5py
import numpy as np
import torch
import torchvision

EXIT_USAGE = 2
EXIT_INPUT = 4
EXIT_IO = 5

FORMAT = "swag-weights"
FORMAT_VERSION = 1
SOFTWARE = "import_torchvision.py"

# Wrappers under which training scripts commonly save the state_dict.
CONTAINER_KEYS = ("state_dict", "model", "model_state_dict", "module")


class ImportFailure(Exception):
    """A user-facing failure: a list of messages and the exit code."""

    def __init__(self, code: int, messages: List[str]):
        super().__init__("; ".join(messages))
        self.code = code
        self.messages = messages


def _init_regnet_head(model: torch.nn.Module, gen: torch.Generator) -> None:
    """torchvision's RegNet classifier init: weight ~ N(0, 0.01), bias = 0."""
    with torch.no_grad():
        model.fc.weight.normal_(0.0, 0.01, generator=gen)
        model.fc.bias.zero_()


def _init_vit_head(model: torch.nn.Module, gen: torch.Generator) -> None:
    """torchvision's ViT classifier init: zeros (the generator is not needed)."""
    del gen
    with torch.no_grad():
        model.heads.head.weight.zero_()
        model.heads.head.bias.zero_()


# ClassyVision / facebookresearch/SWAG RegNet module names -> torchvision's. None of the patterns
# matches a torchvision key, so the renaming is the identity on torchvision checkpoints.
_REGNET_LEGACY_RENAMES = [
    (re.compile(r"^stem\.stem\."), "stem."),
    (re.compile(r"(block\d+-\d+)\.proj\.weight$"), r"\1.proj.0.weight"),
    (re.compile(r"(block\d+-\d+)\.bn\."), r"\1.proj.1."),
    (re.compile(r"\.f\.se\.excitation\.0\."), ".f.se.fc1."),
    (re.compile(r"\.f\.se\.excitation\.2\."), ".f.se.fc2."),
    (re.compile(r"\.f\.c\.weight$"), ".f.c.0.weight"),
    (re.compile(r"\.f\.final_bn\."), ".f.c.1."),
    (re.compile(r"^head\.fc\."), "fc."),
]


def _regnet_legacy_key(key: str) -> str:
    for pattern, repl in _REGNET_LEGACY_RENAMES:
        key = pattern.sub(repl, key)
    return key


# facebookresearch/SWAG ViT module names -> torchvision's (the identity on torchvision keys).
_VIT_LEGACY_RENAMES = [
    (re.compile(r"^encoder\.layers\.layer_(\d+)\."), r"encoder.layers.encoder_layer_\1."),
    (re.compile(r"\.mlp\.linear_1\."), ".mlp.0."),
    (re.compile(r"\.mlp\.linear_2\."), ".mlp.3."),
    (re.compile(r"^head\.layers\."), "heads."),
]


def _vit_legacy_key(key: str) -> str:
    for pattern, repl in _VIT_LEGACY_RENAMES:
        key = pattern.sub(repl, key)
    return key


def _vit_legacy_tensor(name: str, tensor: torch.Tensor) -> torch.Tensor:
    """SWAG keeps the position embedding sequence-first, [T, 1, D]; torchvision [1, T, D]."""
    if name == "encoder.pos_embedding" and tensor.dim() == 3 and tensor.shape[1] == 1 \
            and tensor.shape[0] != 1:
        return tensor.permute(1, 0, 2)
    return tensor


@dataclass(frozen=True)
class Family:
    """What the importer needs to know about one torchvision model family."""

    head_keys: Tuple[str, ...]  # classifier tensors (absent from pre-trained trunks)
    head: Callable[[torch.nn.Module], torch.nn.Module]  # the classifier module
    init_head: Callable[[torch.nn.Module, torch.Generator], None]  # torchvision's init, seeded
    # SWAG-repository key -> torchvision key; must leave torchvision keys unchanged.
    legacy_key: Callable[[str], str]
    # (arch, num_classes, image_size, pre_logits) -> torchvision's model with its random init.
    build: Callable[[str, int, int, bool], torch.nn.Module]
    # (arch, tensors by torchvision key) -> build_model's keyword arguments for that checkpoint.
    build_args: Callable[[str, Dict[str, torch.Tensor]], Dict[str, object]]
    # (torchvision key, SWAG-repository tensor) -> the tensor in torchvision's layout.
    legacy_tensor: Callable[[str, torch.Tensor], torch.Tensor] = lambda name, tensor: tensor


# RegNetYs that torchvision has no preset for: pycls's design numbers, built by torchvision's class.
REGNET_DESIGNS: Dict[str, Dict[str, float]] = {
    "regnet_y_200mf": {"depth": 13, "w_0": 24, "w_a": 36.44, "w_m": 2.49, "group_width": 8},
}


def _build_regnet(arch: str, num_classes: int, image_size: int, pre_logits: bool):
    del image_size  # a RegNet's tensors do not depend on it
    if pre_logits:
        raise ImportFailure(EXIT_USAGE, [f"{arch}: the pre-training head is a ViT layer"])
    if arch in REGNET_DESIGNS:
        params = torchvision.models.regnet.BlockParams.from_init_params(
            **REGNET_DESIGNS[arch], se_ratio=0.25)
        return torchvision.models.regnet.RegNet(params, num_classes=num_classes)
    return getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)


REGNET = Family(
    head_keys=("fc.weight", "fc.bias"),
    head=lambda model: model.fc,
    init_head=_init_regnet_head,
    legacy_key=_regnet_legacy_key,
    build=_build_regnet,
    build_args=lambda arch, tensors: {},
)

# ViT architecture -> (patch, layers, heads, hidden, mlp): torchvision's presets, and swag's
# test model (built through torchvision's VisionTransformer class).
VIT_SPECS: Dict[str, Tuple[int, int, int, int, int]] = {
    "vit_b_16": (16, 12, 12, 768, 3072),
    "vit_l_16": (16, 24, 16, 1024, 4096),
    "vit_h_14": (14, 32, 16, 1280, 5120),
    "vit_test": (8, 2, 4, 32, 64),
}


def _build_vit(arch: str, num_classes: int, image_size: int, pre_logits: bool):
    patch, layers, heads, hidden, mlp = VIT_SPECS[arch]
    representation_size = hidden if pre_logits else None
    if hasattr(torchvision.models, arch):
        model = getattr(torchvision.models, arch)(
            weights=None, num_classes=num_classes, image_size=image_size,
            representation_size=representation_size)
        assert (model.patch_size, len(model.encoder.layers), model.hidden_dim, model.mlp_dim) \
            == (patch, layers, hidden, mlp), f"VIT_SPECS['{arch}'] disagrees with torchvision"
        return model
    return torchvision.models.vision_transformer.VisionTransformer(
        image_size=image_size, patch_size=patch, num_layers=layers, num_heads=heads,
        hidden_dim=hidden, mlp_dim=mlp, num_classes=num_classes,
        representation_size=representation_size)


def _vit_build_args(arch: str, tensors: Dict[str, torch.Tensor]) -> Dict[str, object]:
    """The resolution of the position embedding's grid, and whether pre_logits is present."""
    args: Dict[str, object] = {"pre_logits": "heads.pre_logits.weight" in tensors}
    pos = tensors.get("encoder.pos_embedding")
    if pos is not None and pos.dim() == 3 and pos.shape[1] > 1:
        side = int(round((pos.shape[1] - 1) ** 0.5))
        if side * side == pos.shape[1] - 1:
            args["image_size"] = side * VIT_SPECS[arch][0]
    return args


VIT = Family(
    head_keys=("heads.head.weight", "heads.head.bias"),
    head=lambda model: model.heads.head,
    init_head=_init_vit_head,
    legacy_key=_vit_legacy_key,
    build=_build_vit,
    build_args=_vit_build_args,
    legacy_tensor=_vit_legacy_tensor,
)

# torchvision architecture -> (swag model name, family).
ARCHS: Dict[str, Tuple[str, Family]] = {
    "regnet_y_200mf": ("regnety_200mf", REGNET),
    "regnet_y_400mf": ("regnety_400mf", REGNET),
    "regnet_y_800mf": ("regnety_800mf", REGNET),
    "regnet_y_1_6gf": ("regnety_1.6gf", REGNET),
    "regnet_y_3_2gf": ("regnety_3.2gf", REGNET),
    "regnet_y_8gf": ("regnety_8gf", REGNET),
    "regnet_y_16gf": ("regnety_16gf", REGNET),
    "regnet_y_32gf": ("regnety_32gf", REGNET),
    "regnet_y_128gf": ("regnety_128gf", REGNET),
    "vit_b_16": ("vit_b16", VIT),
    "vit_l_16": ("vit_l16", VIT),
    "vit_h_14": ("vit_h14", VIT),
    "vit_test": ("vit_test", VIT),
}


def resolve_arch(name: str) -> str:
    """Return the torchvision architecture for a torchvision or swag model name."""
    if name in ARCHS:
        return name
    for arch, (swag, _) in ARCHS.items():
        if name == swag:
            return arch
    known = ", ".join(f"{a} ({s})" for a, (s, _) in ARCHS.items())
    raise ImportFailure(EXIT_USAGE, [f"unknown model '{name}'; known: {known}"])


def swag_name(arch: str) -> str:
    return ARCHS[arch][0]


def family(arch: str) -> Family:
    return ARCHS[arch][1]


def build_model(arch: str, num_classes: int, image_size: int = 224,
                pre_logits: bool = False) -> torch.nn.Module:
    """torchvision's architecture with its own random init (no download).

    image_size matters for ViTs only (the position embedding's grid); pre_logits adds a ViT's
    pre-training head (torchvision's representation_size = hidden_dim).
    """
    return family(arch).build(arch, num_classes, image_size, pre_logits)


def _is_tensor_dict(obj) -> bool:
    return isinstance(obj, dict) and len(obj) > 0 and all(
        isinstance(v, torch.Tensor) for v in obj.values())


def load_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """Read a checkpoint and return its flat name -> tensor dict."""
    try:
        obj = torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise ImportFailure(EXIT_IO, [f"{path}: no such file"])
    except Exception as exc:  # torch.load raises many types for corrupt or foreign files
        raise ImportFailure(EXIT_IO, [f"{path}: cannot read as a PyTorch checkpoint: {exc}"])
    while isinstance(obj, dict) and not _is_tensor_dict(obj):
        inner = next((obj[k] for k in CONTAINER_KEYS if isinstance(obj.get(k), dict)), None)
        if inner is None:
            top = ", ".join(repr(k) for k in list(obj)[:10])
            raise ImportFailure(EXIT_INPUT, [f"{path}: no state_dict found (top-level keys: {top})"])
        obj = inner
    if not _is_tensor_dict(obj):
        raise ImportFailure(EXIT_INPUT, [f"{path}: not a state_dict ({type(obj).__name__})"])
    return dict(obj)


def common_prefix(keys: List[str]) -> str:
    """The leading dotted components shared by every key (never a key's last component)."""
    parts = [k.split(".")[:-1] for k in keys]
    prefix: List[str] = []
    for components in zip(*parts):
        if any(c != components[0] for c in components):
            break
        prefix.append(components[0])
    return "".join(p + "." for p in prefix)


def h5_attr(value):
    """An attribute value as swag writes it: int64, or a fixed-length null-padded string.

    (h5py would write a str as a variable-length UTF-8 string; fixed-length ASCII is what swag's
    own files use and the simplest for every reader.)
    """
    if isinstance(value, str):
        return np.bytes_(value.encode("utf-8"))
    if isinstance(value, int):
        return np.int64(value)
    return value


def attr_str(value) -> str:
    """Read back a string attribute, fixed- or variable-length."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _shape(t) -> str:
    return "[" + ", ".join(str(int(d)) for d in t) + "]"


def match_tensors(path: str, source: Dict[str, torch.Tensor], arch: str,
                  num_classes: Optional[int]):
    """Map the source tensors onto torchvision's names and check them against the architecture.

    Returns (model, tensors by torchvision key, source key by torchvision key, whether the
    classifier is missing from the source); the model is torchvision's, built with the resolved
    number of classes. Raises ImportFailure listing every problem found.
    """
    fam = family(arch)
    source = {k: v for k, v in source.items() if not k.endswith("num_batches_tracked")}
    prefix = common_prefix(list(source))
    renamed: Dict[str, str] = {}  # torchvision key -> source key
    problems: List[str] = []
    for key in source:
        name = fam.legacy_key(key[len(prefix):])
        if name in renamed:
            problems.append(f"{path}: tensors '{renamed[name]}' and '{key}' both map to '{name}'")
        renamed[name] = key

    head_missing = not any(k in renamed for k in fam.head_keys)
    if head_missing:
        if num_classes is None:
            raise ImportFailure(EXIT_USAGE, [
                f"{path}: the checkpoint has no classifier ({', '.join(fam.head_keys)}); "
                "pass --num-classes to initialize one"])
    elif num_classes is None:
        num_classes = int(source[renamed[fam.head_keys[0]]].shape[0])

    tensors = {name: fam.legacy_tensor(name, source[key]) for name, key in renamed.items()}
    model = build_model(arch, num_classes, **fam.build_args(arch, tensors))
    expected = {k: v for k, v in model.state_dict().items()
                if not k.endswith("num_batches_tracked")}
    for name, ref in expected.items():
        if name not in renamed:
            if not (head_missing and name in fam.head_keys):
                problems.append(f"{path}: missing tensor '{name}'")
            continue
        tensor = tensors[name]
        if not tensor.is_floating_point():
            problems.append(f"{path}: tensor '{name}' has type {tensor.dtype}, expected floating")
        elif tuple(tensor.shape) != tuple(ref.shape):
            problems.append(f"{path}: tensor '{name}' has shape {_shape(tensor.shape)}, "
                            f"expected {_shape(ref.shape)}")
    for name, key in renamed.items():
        if name not in expected:
            problems.append(f"{path}: unexpected tensor '{key}'")
    if problems:
        raise ImportFailure(EXIT_INPUT, problems)
    return model, tensors, renamed, head_missing


def write_weights(output: str, model: torch.nn.Module, attrs: Dict[str, object],
                  tensors: Dict[str, torch.Tensor], source_keys: Dict[str, str]) -> None:
    """Write the weights file atomically: a temporary file beside it, fsync, then os.replace.

    ``model`` gives the split into /params and /buffers; ``tensors`` the values by name.
    """
    param_names = [n for n, _ in model.named_parameters()]
    buffer_names = [n for n, _ in model.named_buffers() if not n.endswith("num_batches_tracked")]
    folder = os.path.dirname(os.path.abspath(output))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(output) + ".",
                                   suffix=".tmp")
    except OSError as exc:
        raise ImportFailure(EXIT_IO, [f"{output}: cannot create a file in {folder}: {exc}"])
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            for key, value in attrs.items():
                f.attrs[key] = h5_attr(value)
            for group, names in (("params", param_names), ("buffers", buffer_names)):
                g = f.create_group(group)
                for name in names:
                    data = tensors[name].detach().to(torch.float32).contiguous().numpy()
                    ds = g.create_dataset(name, data=data)
                    ds.attrs["torchvision_name"] = h5_attr(name)
                    if name in source_keys:
                        ds.attrs["source_key"] = h5_attr(source_keys[name])
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it a normal file's mode
        os.replace(tmp, output)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ImportFailure(EXIT_IO, [f"{output}: cannot write: {exc}"])
        raise


def run(args: argparse.Namespace) -> None:
    arch = resolve_arch(args.arch)
    if args.num_classes is not None and args.num_classes < 1:
        raise ImportFailure(EXIT_USAGE, [f"--num-classes must be positive, got {args.num_classes}"])
    model_name = args.model or swag_name(arch)
    source = load_state_dict(args.input)
    model, tensors, source_keys, head_missing = match_tensors(
        args.input, source, arch, args.num_classes)
    num_classes = int(model.state_dict()[family(arch).head_keys[0]].shape[0])
    if head_missing:
        family(arch).init_head(model, torch.Generator().manual_seed(args.seed))
        state = model.state_dict()
        tensors.update({key: state[key] for key in family(arch).head_keys})
    attrs = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model_name,
        "num_classes": num_classes,
        "software": SOFTWARE,
        "torchvision_arch": arch,
        "head_initialized_by_importer": 1 if head_missing else 0,
    }
    write_weights(args.output, model, attrs, tensors, source_keys)
    prefix = common_prefix([k for k in source if not k.endswith("num_batches_tracked")])
    print(f"import_torchvision: {args.input} -> {args.output}: model {model_name} ({arch}), "
          f"{num_classes} classes, {len(tensors)} tensors"
          + (f", stripped key prefix '{prefix}'" if prefix else "")
          + (", classifier initialized by the importer" if head_missing else ""))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the module docstring and doc/formats.md for details.")
    parser.add_argument("--arch", required=True,
                        help="torchvision architecture, e.g. regnet_y_400mf (swag names such as "
                             "regnety_400mf are accepted too)")
    parser.add_argument("--input", required=True, help="checkpoint (.pth state_dict or SWAG .torch)")
    parser.add_argument("--output", required=True, help="swag weights file to write (HDF5)")
    parser.add_argument("--num-classes", type=int,
                        help="classifier width; required when the checkpoint has no classifier, "
                             "checked against it otherwise")
    parser.add_argument("--model", help="swag model name to record (default: derived from --arch)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for a classifier the importer initializes (default 0)")
    args = parser.parse_args(argv)
    try:
        run(args)
    except ImportFailure as exc:
        shown = exc.messages[:20]
        for message in shown:
            print(f"swag: error: {message}", file=sys.stderr)
        if len(exc.messages) > len(shown):
            print(f"swag: error: ... and {len(exc.messages) - len(shown)} more problems",
                  file=sys.stderr)
        return exc.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
