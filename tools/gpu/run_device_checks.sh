#!/usr/bin/env bash
# Runs the GPU tests (ctest label "gpu" of the cuda preset) on a machine with a GPU.
#
# The GPU machine has CUDA, cuDNN, cuBLASLt and NCCL (PyTorch's Python environment ships them)
# but not this project's other shared libraries, and no compiler setup for it. So:
#
#   here, after `cmake --preset cuda && cmake --build --preset cuda`:
#     tools/gpu/run_device_checks.sh --pack     # -> build/cuda/gpu-bundle.tar.xz
#   there, from the repository root, with build/cuda/gpu-bundle.tar.xz carried along:
#     tools/gpu/run_device_checks.sh            # results in $OUT (or ./gpu-results)
#
# --pack copies each gpu test binary and `swag`, with the libraries they link that are neither
# CUDA's nor the C/C++ runtime, into the bundle, and compresses it (gpu-bundle.tar.xz, about
# 17 MB: carry that file). Running unpacks it and runs the bundled binaries with the bundle's
# libraries, the GPU machine's CUDA libraries, and its own libstdc++ unless that is too old for
# them (Python and PyTorch keep their own libraries); a binary that still lacks a library stops
# the run within seconds, naming it in summary.txt, so that the device time is left. Results in
# $OUT, seven files at most: environment.txt (GPU, driver, library paths), summary.txt, one log
# per test, end_to_end.log (`swag pretrain`, `eval` and `finetune` on the GPU against the CPU:
# tools/gpu/end_to_end_check.py), a memory check (one line of summary.txt: a RegNetY-128GF step
# at the batch doc/memory.md predicts for 80 GB), then the speed comparison with PyTorch
# (tools/gpu/bench_side_by_side.py): bench.log, bench_results.jsonl, bench_table.md; all within
# SWAG_GPU_BUDGET_S seconds from the start (default 540; cases from SWAG_BENCH_CASES). Exits 0
# only if every test ran and passed; a test that finds no GPU (exit 77) is a failure; the
# comparison's failures are rows of its table, not the exit status.
# A rerun can take less device time: SWAG_GPU_PARTS (default tests,end_to_end,memory,bench)
# picks the parts, and SWAG_GTEST_FILTER is handed to the test binaries as --gtest_filter.
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=build/cuda/gpu-bundle

# Copies an executable and the libraries it links, except glibc's and CUDA's, into the bundle.
add_executable() {
  local lib
  cp "$1" "$bundle/bin/"
  ldd "$1" | awk '$3 ~ /^\// {print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      # glibc's own libraries: the GPU machine's must be used (theirs is newer)
      libc.so*|libm.so*|libdl.so*|librt.so*|libpthread.so*|ld-linux*) ;;
      libresolv.so*|libnsl.so*|libutil.so*|libanl.so*|libnss_*) ;;
      libstdc++.so*|libgcc_s.so*) cp -L "$lib" "$bundle/fallback/" ;;
      *) [[ $lib == /usr/local/cuda/* ]] || cp -L "$lib" "$bundle/lib/" ;;
    esac
  done
}

pack() {
  local build=build/cuda
  [[ -f $build/CMakeCache.txt ]] || { echo "no $build: configure and build the cuda preset" >&2; exit 1; }
  if grep -q '^SWAG_NATIVE:BOOL=ON' $build/CMakeCache.txt; then
    echo "warning: $build was built with -march=native; the GPU machine's CPU may lack some of" \
         "this machine's instructions (reconfigure with -DSWAG_NATIVE=OFF)" >&2
  fi
  rm -rf "$bundle"
  mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/fallback"
  # Test names and commands from ctest itself, so that new gpu tests are picked up.
  ctest --test-dir $build -L gpu --show-only=json-v1 | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin)["tests"]:
    print(t["name"], *t["command"], sep="\t")' >"$bundle/tests.tsv"
  [[ -s $bundle/tests.tsv ]] || { echo "no gpu tests registered in $build" >&2; exit 1; }
  local name exe args
  while IFS=$'\t' read -r name exe args; do add_executable "$exe"; done <"$bundle/tests.tsv"
  add_executable $build/bin/swag  # for the end-to-end check and the speed comparison
  # A tiny labelled demo set (10 classes) for the eval and finetune checks: the GPU machine has
  # no Fashion-MNIST and no WordNet.
  local data=$bundle/data
  SWAG_NO_MPI=1 $build/bin/swag demo-data --output-dir "$data" --train-limit 400 \
    --test-limit 101 >/dev/null
  for split in test/manifest.tsv:test/shards train/labelled_manifest.tsv:train/labelled_shards; do
    SWAG_NO_MPI=1 $build/bin/swag shard --manifest "$data/${split%%:*}" \
      --vocab "$data/test/vocab.json" --output-dir "$data/${split#*:}" >/dev/null
  done
  find "$data" -mindepth 2 -maxdepth 2 -name images -type d -exec rm -rf {} +
  # One compressed file: the device tool carries at most 64 MiB, and oneDNN alone is 40 MB.
  tar -C build/cuda -cf - gpu-bundle | xz -T0 -6 >"$bundle.tar.xz"
  du -sh "$bundle" "$bundle.tar.xz"
  echo "carry $bundle.tar.xz to the GPU machine and run: bash tools/gpu/run_device_checks.sh"
}

run() {
  if [[ ! -f $bundle/tests.tsv && -f $bundle.tar.xz ]]; then
    # Python's tarfile where tar has no xz.
    tar -C build/cuda -xJf "$bundle.tar.xz" 2>/dev/null ||
      python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
        "$bundle.tar.xz" build/cuda
  fi
  [[ -f $bundle/tests.tsv ]] || { echo "no $bundle: run --pack on the build machine" >&2; exit 1; }
  # $OUT gets a few files only (the device tool brings back at most 8); run directories, JUnit
  # XML and the comparison's own files stay in a scratch folder.
  local out=${OUT:-$PWD/gpu-results} scratch=${TMPDIR:-/tmp}/swag-gpu-checks
  mkdir -p "$out"
  rm -rf "$scratch" && mkdir -p "$scratch"
  # CUDA's libraries: the wheels of PyTorch's environment (nvidia-cudnn-cu13, nvidia-nccl-cu13,
  # nvidia-cublas, nvidia-cuda-runtime), then the toolkit's.
  local wheels cuda_dirs=""
  wheels=$(python3 -c 'import nvidia; print(*nvidia.__path__)' 2>/dev/null || true)
  # shellcheck disable=SC2086  # one or more directories
  [[ -n $wheels ]] && cuda_dirs=$(find $wheels -name 'lib*.so*' -printf '%h\n' | sort -u | paste -sd:)
  local d
  for d in /usr/local/cuda/lib64 /usr/local/cuda/lib; do
    if [[ -d $d ]]; then cuda_dirs+=:$d; fi
  done
  # NCCL's bootstrap needs a network interface; the GPU machine has no network beside loopback.
  export NCCL_SOCKET_IFNAME=${NCCL_SOCKET_IFNAME:-lo}
  # The bundled binaries' library path, for them only (exported, it would also replace Python's
  # libssl, libz or libffi with the build machine's).
  local libs=$PWD/$bundle/lib:${cuda_dirs#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  local exe
  for exe in "$bundle"/bin/*; do
    # ldd says "version `GLIBCXX_3.4.30' not found" when the system libstdc++ is older.
    if LD_LIBRARY_PATH=$libs ldd "$exe" 2>&1 | grep -q 'GLIBCXX.*not found\|GCC_.*not found'; then
      libs=$PWD/$bundle/fallback:$libs
      break
    fi
  done
  # swag for the Python scripts: a wrapper that sets the library path.
  mkdir -p "$scratch/bin"
  printf '#!/usr/bin/env bash\nLD_LIBRARY_PATH=%q exec %q "$@"\n' "$libs" "$PWD/$bundle/bin/swag" \
    >"$scratch/bin/swag"
  chmod +x "$scratch/bin/swag"
  local swag=$scratch/bin/swag
  {
    echo "date: $(date -u +%FT%TZ)"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
    echo "library path of the bundled binaries: $libs"
    for exe in "$bundle"/bin/*; do echo "ldd $exe:"; LD_LIBRARY_PATH=$libs ldd "$exe"; done
  } >"$out/environment.txt" 2>&1
  # A library or symbol version missing here (an older glibc than Debian 12's 2.36) fails every
  # run before main: say so now.
  local missing="" lacks
  for exe in "$bundle"/bin/*; do
    lacks=$(LD_LIBRARY_PATH=$libs ldd "$exe" 2>&1 | grep 'not found' || true)
    if [[ -n $lacks ]]; then missing+="$exe:"$'\n'"$lacks"$'\n'; fi
  done
  if [[ -n $missing ]]; then
    { echo "FAILED: the bundled binaries cannot load on this machine:"; echo "$missing"; } |
      tee "$out/summary.txt"
    return 1
  fi

  local name exe_path args rc verdict failed=0
  : >"$out/summary.txt"
  wants() { [[ ,${SWAG_GPU_PARTS:-tests,end_to_end,memory,bench}, == *,$1,* ]]; }
  if wants tests; then
    while IFS=$'\t' read -r name exe_path args; do
      set +e
      # shellcheck disable=SC2086  # ctest's arguments, split as ctest would
      LD_LIBRARY_PATH=$libs timeout 300 "$bundle/bin/$(basename "$exe_path")" $args \
        ${SWAG_GTEST_FILTER:+--gtest_filter="$SWAG_GTEST_FILTER"} \
        --gtest_output="xml:$scratch/$name.xml" </dev/null >"$out/$name.log" 2>&1
      rc=$?
      set -e
      case $rc in
        0) verdict=passed ;;
        77) verdict="FAILED (the test saw no GPU)" ;;
        124) verdict="FAILED (timed out after 300 s)" ;;
        *) verdict="FAILED (exit $rc)" ;;
      esac
      echo "$name: $verdict" | tee -a "$out/summary.txt"
      if [[ $rc == 0 ]]; then tail -n 3 "$out/$name.log"; else cat "$out/$name.log"; failed=1; fi
    done <"$bundle/tests.tsv"
  fi

  if wants end_to_end; then
    # The commands end to end on the GPU against the CPU: pretrain (loss curve, learning, bitwise
    # resume), eval and finetune.
    set +e
    timeout 300 python3 tools/gpu/end_to_end_check.py --swag "$swag" \
      --out "$scratch/end_to_end" --data "$bundle/data" >"$out/end_to_end.log" 2>&1
    rc=$?
    set -e
    if [[ $rc == 0 ]]; then verdict=passed; else verdict="FAILED (exit $rc)"; failed=1; fi
    echo "end_to_end_check: $verdict" | tee -a "$out/summary.txt"
    cat "$out/end_to_end.log"
  fi

  if wants memory; then
    # Memory: one step at the largest fp32 batch doc/memory.md predicts for RegNetY-128GF on an
    # 80 GB GPU from the CPU build's tensor counters (92 images, 2 GiB left to the libraries). Its
    # JSON (memory_bytes, measured here; gpu_in_use, the whole GPU's use, must stay under 80 GB, on
    # an H200 too) goes into summary.txt; an out-of-memory exit says the prediction is wrong.
    # Reported, not part of the exit status.
    set +e
    local memory
    memory=$(timeout 120 "$swag" bench --model regnety_128gf --mode train --batch 92 \
      --iters 1 --warmup 0 --device cuda --json 2>"$scratch/memory_check.err")
    rc=$?
    set -e
    if [[ $rc == 0 ]]; then verdict="ran: $memory"; else
      verdict="FAILED (exit $rc): $(tail -n 3 "$scratch/memory_check.err" | tr '\n' ' ')"
    fi
    echo "memory_check (regnety_128gf, fp32, batch 92): $verdict" | tee -a "$out/summary.txt"
  fi

  if wants bench; then
    # The speed comparison with PyTorch, in what is left of the time budget.
    local budget=$((${SWAG_GPU_BUDGET_S:-540} - SECONDS))
    if ((budget > 30)); then
      python3 tools/gpu/bench_side_by_side.py --swag "$swag" --out "$scratch/bench" \
        --budget "$budget" ${SWAG_BENCH_CASES:+--cases "$SWAG_BENCH_CASES"} 2>&1 |
        tee "$out/bench.log" || true
      cp "$scratch/bench/results.jsonl" "$out/bench_results.jsonl" 2>/dev/null || true
      cp "$scratch/bench/table.md" "$out/bench_table.md" 2>/dev/null || true
    else
      echo "no time left for the speed comparison" | tee "$out/bench.log"
    fi
  fi
  return $failed
}

case ${1:-} in
  --pack) pack ;;
  "") run ;;
  *) echo "usage: $0 [--pack]" >&2; exit 2 ;;
esac
