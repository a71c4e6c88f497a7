#!/usr/bin/env bash
# The main job on the embedded demo, as far as the pipeline goes today: the sizes of the paper's
# models, a CPU training benchmark, the Fashion-MNIST hashtag dataset (vocabulary and shards), and
# SPMD pre-training of a small RegNetY on it under mpirun -n 2. Rerunning resumes: the dataset
# is built once and pre-training continues from its last checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
swag=build/cpu/bin/swag
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

echo "swag demo: model sizes at 224x224, 1000 classes"
for m in regnety_400mf regnety_800mf regnety_1.6gf regnety_3.2gf regnety_8gf regnety_16gf \
         regnety_32gf regnety_128gf; do
  "$swag" info --model "$m"
done

echo "swag demo: training benchmark, regnety_400mf, batch 32 at 128x128, 2 threads"
"$swag" bench --model regnety_400mf --mode train --batch 32 --resolution 128 --threads 2 \
  --warmup 1 --iters 5

if [ -f runs/demo-data/train/shards/index.json ] && [ -f runs/demo-data/test/shards/index.json ]; then
  echo "swag demo: dataset already built in runs/demo-data"
else
  echo "swag demo: building the Fashion-MNIST hashtag dataset in runs/demo-data"
  SWAG="$swag" bash inputs/demo/build_demo.sh runs/demo-data
fi

echo "swag demo: pre-training regnety_400mf on the demo shards with 2 ranks (inputs/pretrain/demo.toml)"
mpirun -n 2 --oversubscribe "$swag" pretrain --config inputs/pretrain/demo.toml
echo "swag demo: done; metrics in runs/demo/pretrain/metrics.jsonl, results in runs/demo/pretrain/results.json"
