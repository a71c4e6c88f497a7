#!/usr/bin/env bash
# doc/config.md from `swag check-config --describe`: every key of the two training decks.
#   tools/config_doc.sh [SWAG]                rewrites doc/config.md (SWAG: build/cpu/bin/swag)
#   tools/config_doc.sh --check [SWAG [PAGE]]  exits 1, with the difference, when PAGE
#                                             (doc/config.md) is not what SWAG describes
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = --check ]; then
  check=1
  shift
fi
swag=${1:-build/cpu/bin/swag}
target=${2:-doc/config.md}

page() {
  cat <<'HEAD'
# Deck keys

`swag check-config --describe pretrain|finetune` prints these tables; a deck sets a key in its
`[section]`, and `section.key=value` on the command line overrides it.

## pretrain

HEAD
  "$swag" check-config --describe pretrain
  printf '\n## finetune\n\n'
  "$swag" check-config --describe finetune
  cat <<'TAIL'

## This page, and a new key

`tools/config_doc.sh` writes this page from the schemas (`src/train/pretrain_config.cpp`,
`src/train/finetune_config.cpp`); the test `config_doc_current` fails when it is stale. A new key
is one `SWAG_DECK_KEY` line in its schema and its field in the deck's struct
(`include/swag/train/pretrain.hpp`, `finetune.hpp`); then
`cmake --build --preset cpu --target config_doc`.
TAIL
}

if [ "$check" = 1 ]; then
  if ! diff -u "$target" <(page); then
    echo "$target is not current: run tools/config_doc.sh" >&2
    exit 1
  fi
else
  page >doc/config.md.tmp
  mv doc/config.md.tmp doc/config.md
fi
