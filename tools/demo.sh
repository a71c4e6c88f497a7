#!/usr/bin/env bash
# The main job on the embedded demo (doc/demo.md): the paper's pipeline end to end on the
# Fashion-MNIST hashtag dataset, every training and evaluation stage under mpirun -n 2:
#   vocabulary and shards -> pre-training a small RegNetY on hashtags -> zero-shot transfer
#   without and with Platt scaling -> fine-tuning on 1%, 10% and 100% of the labels, from the
#   pre-trained model, from it with a zero-shot-initialized head, and from scratch -> tables
#   shaped like the paper's Tables 2 and 3 in runs/demo/report.md, figures in
#   runs/demo/results.json.
# Rerunning resumes: a finished stage (its output file exists) is not repeated, and an
# interrupted training continues from its last checkpoint.
# Environment: SWAG (build/cpu/bin/swag), SWAG_DEMO_RANKS (2), SWAG_DEMO_PRETRAIN_STEPS
# (1500), SWAG_DEMO_FINETUNE_STEPS (300), SWAG_DEMO_DIR (runs/demo), SWAG_DEMO_DATA
# (runs/demo-data), and build_demo.sh's DEMO_TRAIN_LIMIT and DEMO_TEST_LIMIT; the smoke test
# (tests/demo) shrinks them all.
set -euo pipefail
cd "$(dirname "$0")/.."
swag=${SWAG:-build/cpu/bin/swag}
ranks=${SWAG_DEMO_RANKS:-2}
pretrain_steps=${SWAG_DEMO_PRETRAIN_STEPS:-1500}
finetune_steps=${SWAG_DEMO_FINETUNE_STEPS:-300}
out=${SWAG_DEMO_DIR:-runs/demo}
data=${SWAG_DEMO_DATA:-runs/demo-data}
# Open MPI as root, and more ranks than cores, through its environment (other MPIs ignore it)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi=(mpirun -n "$ranks")
mkdir -p "$out"
timings="$out/timings.tsv"  # stage<TAB>seconds of every stage that ran, across reruns

# stage NAME DONE_FILE COMMAND...: runs COMMAND unless DONE_FILE exists, and times it.
stage() {
  local name=$1 done_file=$2
  shift 2
  if [ -e "$done_file" ]; then
    echo "swag demo: $name: done already ($done_file)"
    return
  fi
  echo "swag demo: $name"
  local start=$SECONDS
  "$@"
  printf '%s\t%s\n' "$name" "$((SECONDS - start))" >>"$timings"
}

echo "swag demo: the paper's models at 224x224, 1000 classes"
for m in regnety_16gf regnety_32gf regnety_128gf vit_b16 vit_l16 vit_h14; do
  "$swag" info --model "$m"
done

stage "dataset: Fashion-MNIST with hashtags, vocabulary, shards" "$data/test/shards/index.json" \
  env SWAG="$swag" bash inputs/demo/build_demo.sh "$data"
stage "hashtag-to-class mapping through WordNet" "$data/mapping.json" \
  "$swag" vocab map --wordnet /usr/share/wordnet --vocab "$data/vocab.json" \
  --classes "$data/classes.txt" --output "$data/mapping.json"

stage "pre-training regnety_400mf on hashtags ($pretrain_steps steps, $ranks ranks)" \
  "$out/pretrain/results.json" \
  "${mpi[@]}" "$swag" pretrain --config inputs/pretrain/demo.toml "run.dir=$out/pretrain" \
  "data.dir=$data/train/shards" "schedule.steps=$pretrain_steps"
checkpoint=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkpoint"])' \
  "$out/pretrain/results.json")

mkdir -p "$out/zeroshot"
for platt in no_platt platt; do
  flag=()
  [ "$platt" = platt ] && flag=(--platt)
  stage "zero-shot transfer ($platt)" "$out/zeroshot/$platt.json" \
    bash -c '"$@" > "$0.tmp" && mv "$0.tmp" "$0"' "$out/zeroshot/$platt.json" \
    "${mpi[@]}" "$swag" zeroshot --checkpoint "$checkpoint" --vocab "$data/vocab.json" \
    --mapping "$data/mapping.json" --data "$data/test/shards" --batch 100 --json "${flag[@]}"
done

for init in pretrained zs_init scratch; do
  case $init in
    pretrained) args=(--init "$checkpoint") ;;
    zs_init) args=(--init "$checkpoint" init.head=zeroshot "init.mapping=$data/mapping.json") ;;
    scratch) args=(--init none) ;;
  esac
  for percent in 1 10 100; do
    fraction=$(/usr/bin/python3 -c "print($percent / 100)")
    run_dir="$out/finetune/$init-$percent"
    stage "fine-tuning on $percent% of the labels from $init ($finetune_steps steps)" \
      "$run_dir/results.json" \
      "${mpi[@]}" "$swag" finetune --config inputs/finetune/demo.toml "${args[@]}" \
      "run.dir=$run_dir" "data.fraction=$fraction" "schedule.steps=$finetune_steps" \
      "data.train=$data/train/labelled_shards" "data.eval=$data/test/shards"
  done
done

/usr/bin/python3 tools/demo_report.py "$out"
