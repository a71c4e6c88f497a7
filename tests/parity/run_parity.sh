#!/usr/bin/env bash
# Parity of `swag predict` with torchvision on random weights (ctest: parity_<arch>).
#
#   tests/parity/run_parity.sh SWAG_EXE PYTHON WORKDIR [ARCH [NUM_CLASSES [BATCH [RESOLUTION
#                              [WEIGHTS_RESOLUTION [pre_logits|float64]]]]]]
#
# torch_reference.py makes a random model, images, soft targets and PyTorch's logits, loss and
# gradients; import_torchvision.py converts the model; `swag predict` runs without and with
# targets; compare.py checks the results against the tolerances it documents. PYTHON must have
# torch, torchvision and h5py (Debian's /usr/bin/python3). WORKDIR is emptied first and keeps
# every intermediate file for inspection. ViTs: the weights are made at WEIGHTS_RESOLUTION
# (default RESOLUTION) and run at RESOLUTION (swag predict --resolution interpolates the position
# embedding, the reference uses torchvision's interpolate_embeddings); "pre_logits" adds the
# pre-training head. "float64" measures the training outputs against the model run in float64
# (compare.py --against float64), for the ill-conditioned cases.
set -euo pipefail

if [ $# -lt 3 ]; then
  sed -n '2,16p' "$0" >&2
  exit 2
fi
swag=$1
python=$2
workdir=$3
arch=${4:-regnet_y_400mf}
num_classes=${5:-10}
batch=${6:-4}
resolution=${7:-64}
weights_resolution=${8:-$resolution}
variant=${9:-}

here=$(cd "$(dirname "$0")" && pwd)
tools=$here/../../tools

run() {
  echo "+ $*"
  "$@"
}

reference_flags=(--weights-resolution "$weights_resolution")
against=float32
case $variant in
  "") ;;
  pre_logits) reference_flags+=(--pre-logits) ;;
  float64) against=float64 ;;
  *) echo "run_parity.sh: unknown variant '$variant'" >&2; exit 2 ;;
esac
predict_flags=()
if [ "$weights_resolution" != "$resolution" ]; then
  predict_flags=(--resolution "$resolution")
fi

rm -rf "$workdir"
mkdir -p "$workdir"
run "$python" "$tools/torch_reference.py" --arch "$arch" --num-classes "$num_classes" \
  --batch "$batch" --resolution "$resolution" --seed 0 --out-dir "$workdir" "${reference_flags[@]}"
run "$python" "$tools/import_torchvision.py" --arch "$arch" --input "$workdir/model.pth" \
  --output "$workdir/W.h5"
run "$swag" predict --weights "$workdir/W.h5" --images "$workdir/images.h5" \
  --output "$workdir/eval.h5" "${predict_flags[@]}"
run "$swag" predict --weights "$workdir/W.h5" --images "$workdir/images.h5" \
  --targets "$workdir/targets.h5" --output "$workdir/train.h5" "${predict_flags[@]}"
run "$python" "$here/compare.py" --reference "$workdir/reference.h5" --eval "$workdir/eval.h5" \
  --train "$workdir/train.h5" --against "$against"
