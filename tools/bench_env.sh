#!/usr/bin/env bash
# Creates the optional virtual environment with the current PyTorch for the benchmarks
# (doc/benchmarks.md); not needed to build, test or run swag. Usage: tools/bench_env.sh [DIR]
set -euo pipefail

# Pinned: the current stable release for Python 3.11 on Debian 12, its torchvision, and what
# tools/import_torchvision.py (which tools/bench_torch.py uses) imports besides.
torch_version=2.15.0
torchvision_version=0.29.2
h5py_version=3.16.0
numpy_version=2.4.6
dir=${1:-build/bench-venv}
# PyPI's Linux wheels carry CUDA libraries (5 GiB installed) that a CPU run never loads; where
# PyTorch's CPU-only wheel index is reachable, SWAG_TORCH_INDEX=<its URL> takes torch from it
# (its +cpu build ranks above PyPI's) and the rest from PyPI.
index=${SWAG_TORCH_INDEX:-}

/usr/bin/python3 -m venv "$dir"
pip_args=(--quiet)
[ -n "$index" ] && pip_args+=(--extra-index-url "$index")
"$dir/bin/python" -m pip install "${pip_args[@]}" \
  "torch==$torch_version" "torchvision==$torchvision_version" "h5py==$h5py_version" \
  "numpy==$numpy_version"
"$dir/bin/python" -c 'import torch, torchvision
print(f"swag bench_env: torch {torch.__version__}, torchvision {torchvision.__version__}")'
