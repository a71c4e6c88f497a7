#!/usr/bin/env bash
# Builds the Fashion-MNIST demo dataset (doc/demo.md) with swag commands only:
#   demo-data (images, manifests, hashtag counts) -> vocab build -> shard (hashtag-labelled
#   train, class-labelled train for fine-tuning, class-labelled test).
#
#   inputs/demo/build_demo.sh [OUT_DIR]          default OUT_DIR: runs/demo-data
# Environment: SWAG (the binary, default build/cpu/bin/swag), WORDNET (default
# /usr/share/wordnet), SWAG_SHARD_LAUNCHER (e.g. "mpiexec -n 2" to pack with two ranks),
# DEMO_TRAIN_LIMIT and DEMO_TEST_LIMIT (first N pictures only; 0, the default: all).
set -euo pipefail

swag=${SWAG:-build/cpu/bin/swag}
wordnet=${WORDNET:-/usr/share/wordnet}
out=${1:-runs/demo-data}
read -r -a launcher <<<"${SWAG_SHARD_LAUNCHER:-}"

"$swag" demo-data --output-dir "$out" --train-limit "${DEMO_TRAIN_LIMIT:-0}" \
  --test-limit "${DEMO_TEST_LIMIT:-0}"
"$swag" vocab build --wordnet "$wordnet" --hashtags "$out/train/hashtag_counts.tsv" \
  --output "$out/vocab.json"
"${launcher[@]}" "$swag" shard --manifest "$out/train/manifest.tsv" --vocab "$out/vocab.json" \
  --output-dir "$out/train/shards"
"${launcher[@]}" "$swag" shard --manifest "$out/test/manifest.tsv" --vocab "$out/test/vocab.json" \
  --output-dir "$out/test/shards"
"${launcher[@]}" "$swag" shard --manifest "$out/train/labelled_manifest.tsv" \
  --vocab "$out/test/vocab.json" --output-dir "$out/train/labelled_shards"
echo "demo: pre-training shards in $out/train/shards, labelled fine-tuning shards in" \
  "$out/train/labelled_shards, evaluation shards in $out/test/shards, target classes in" \
  "$out/classes.txt"
