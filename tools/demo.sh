#!/usr/bin/env bash
# The main job on this machine, until the end-to-end demo lands: the sizes of the paper's models
# (swag info) and a short CPU training benchmark of a small RegNetY.
set -euo pipefail
cd "$(dirname "$0")/.."
swag=build/cpu/bin/swag

echo "swag demo: model sizes at 224x224, 1000 classes"
for m in regnety_400mf regnety_800mf regnety_1.6gf regnety_3.2gf regnety_8gf regnety_16gf \
         regnety_32gf regnety_128gf; do
  "$swag" info --model "$m"
done

echo "swag demo: training benchmark, regnety_400mf, batch 32 at 128x128, 2 threads"
"$swag" bench --model regnety_400mf --mode train --batch 32 --resolution 128 --threads 2 \
  --warmup 1 --iters 5
