#!/usr/bin/env bash
# The main job on the embedded demo (doc/demo.md): the paper's pipeline end to end on the
# Fashion-MNIST hashtag dataset, every training and evaluation stage under mpirun -n 2:
#   vocabulary and shards -> pre-training a small RegNetY on long-tailed hashtags -> zero-shot
#   transfer without and with Platt scaling -> a linear probe -> fine-tuning on 1%, 10% and 100%
#   of the labels, from the pre-trained model, from it with a zero-shot-initialized head, and
#   from scratch, over several seeds -> runs/demo/report.md (the paper's three findings, each
#   with its numbers and noise, and two figures) and runs/demo/results.json.
# Rerunning resumes: a finished stage (its output file exists) is not repeated, and an
# interrupted training continues from its last checkpoint. Each stage prints its time.
# Environment: SWAG (build/cpu/bin/swag), SWAG_DEMO_RANKS (2), SWAG_DEMO_PRETRAIN_STEPS (3000),
# SWAG_DEMO_FINETUNE_STEPS ("100 200 2000": steps at 1%, 10%, 100% of the labels),
# SWAG_DEMO_SEEDS ("0 1 2 3 4 5 / 0 1 2 / 0 1 2": the seeds at 1%, 10%, 100%; ZS-Init, in no
# finding, runs the first two of each), SWAG_DEMO_DIR
# (runs/demo), SWAG_DEMO_DATA (runs/demo-data), and build_demo.sh's DEMO_TRAIN_LIMIT and
# DEMO_TEST_LIMIT; the smoke test (tests/demo) shrinks them all.
set -euo pipefail
cd "$(dirname "$0")/.."
swag=${SWAG:-build/cpu/bin/swag}
ranks=${SWAG_DEMO_RANKS:-2}
pretrain_steps=${SWAG_DEMO_PRETRAIN_STEPS:-3000}
read -r -a finetune_steps <<<"${SWAG_DEMO_FINETUNE_STEPS:-100 200 2000}"
IFS=/ read -r -a seed_lists <<<"${SWAG_DEMO_SEEDS:-0 1 2 3 4 5 / 0 1 2 / 0 1 2}"
percents=(1 10 100)
if [ "${#finetune_steps[@]}" != 3 ]; then
  echo "swag: error: SWAG_DEMO_FINETUNE_STEPS='${SWAG_DEMO_FINETUNE_STEPS:-}': 3 step counts" \
    "needed, for 1%, 10% and 100% of the labels" >&2
  exit 2
fi
if [ "${#seed_lists[@]}" != 3 ]; then
  echo "swag: error: SWAG_DEMO_SEEDS='${SWAG_DEMO_SEEDS:-}': 3 '/'-separated seed lists" \
    "needed, for 1%, 10% and 100% of the labels" >&2
  exit 2
fi
out=${SWAG_DEMO_DIR:-runs/demo}
data=${SWAG_DEMO_DATA:-runs/demo-data}
# Open MPI as root, and more ranks than cores, through its environment (other MPIs ignore it)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi=(mpirun -n "$ranks")
mkdir -p "$out"
timings="$out/timings.tsv"  # stage<TAB>seconds of every stage that ran, across reruns
job_start=$SECONDS

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
  echo "swag demo: $name: $((SECONDS - start)) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
}

# json_stage NAME FILE COMMAND...: a stage whose output is the JSON that COMMAND prints.
json_stage() {
  local name=$1 file=$2
  shift 2
  # shellcheck disable=SC2016  # the inner bash expands them
  stage "$name" "$file" bash -c '"$@" > "$0.tmp" && mv "$0.tmp" "$0"' "$file" "$@"
}

echo "swag demo: the paper's models at 224x224, 1000 classes, and the demo's at 28x28"
for m in regnety_16gf regnety_32gf regnety_128gf vit_b16 vit_l16 vit_h14; do
  "$swag" info --model "$m"
done
"$swag" info --model regnety_demo --resolution 28 --num-classes 10

stage "dataset: Fashion-MNIST with long-tailed hashtags, vocabulary, shards" \
  "$data/test/shards/index.json" env SWAG="$swag" bash inputs/demo/build_demo.sh "$data"
stage "hashtag-to-class mapping through WordNet" "$data/mapping.json" \
  "$swag" vocab map --wordnet /usr/share/wordnet --vocab "$data/vocab.json" \
  --classes "$data/classes.txt" --output "$data/mapping.json"

stage "pre-training regnety_demo on hashtags ($pretrain_steps steps, $ranks ranks)" \
  "$out/pretrain/results.json" \
  "${mpi[@]}" "$swag" pretrain --config inputs/pretrain/demo.toml "run.dir=$out/pretrain" \
  "data.dir=$data/train/shards" "schedule.steps=$pretrain_steps"
checkpoint=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkpoint"])' \
  "$out/pretrain/results.json")

mkdir -p "$out/zeroshot"
for platt in no_platt platt; do
  flag=()
  [ "$platt" = platt ] && flag=(--platt)
  json_stage "zero-shot transfer ($platt)" "$out/zeroshot/$platt.json" \
    "${mpi[@]}" "$swag" zeroshot --checkpoint "$checkpoint" --vocab "$data/vocab.json" \
    --mapping "$data/mapping.json" --data "$data/test/shards" --batch 250 --json "${flag[@]}"
done

stage "linear probe on the pre-trained trunk (100% of the labels)" \
  "$out/linear_probe/results.json" \
  "${mpi[@]}" "$swag" linear-probe --checkpoint "$checkpoint" --train "$data/train/labelled_shards" \
  --eval "$data/test/shards" --output-dir "$out/linear_probe" --batch 250 --workers 1

for k in 0 1 2; do
  percent=${percents[$k]} steps=${finetune_steps[$k]}
  read -r -a seeds <<<"${seed_lists[$k]}"
  fraction=$(/usr/bin/python3 -c "print($percent / 100)")
  for s in "${!seeds[@]}"; do
    seed=${seeds[$s]}
    inits=(pretrained scratch)
    [ "$s" -lt 2 ] && inits=(pretrained zs_init scratch)
    for init in "${inits[@]}"; do
      case $init in
        pretrained) args=(--init "$checkpoint") ;;
        zs_init) args=(--init "$checkpoint" init.head=zeroshot "init.mapping=$data/mapping.json") ;;
        scratch) args=(--init none) ;;
      esac
      run_dir="$out/finetune/$init-$percent/seed-$seed"
      stage "fine-tuning on $percent% of the labels from $init, seed $seed ($steps steps)" \
        "$run_dir/results.json" \
        "${mpi[@]}" "$swag" finetune --config inputs/finetune/demo.toml "${args[@]}" \
        "run.dir=$run_dir" "run.seed=$seed" "data.fraction=$fraction" "schedule.steps=$steps" \
        "data.train=$data/train/labelled_shards" "data.eval=$data/test/shards"
    done
  done
done

echo "swag demo: report"
/usr/bin/python3 tools/demo_report.py "$out"
echo "swag demo: this run took $((SECONDS - job_start)) s (load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg))"
