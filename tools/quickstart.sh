#!/usr/bin/env bash
# The README's two commands:
#   tools/quickstart.sh demo   set up, build, and run the main job on the embedded demo
#   tools/quickstart.sh test   set up, build, and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  demo | test) ;;
  *) echo "usage: tools/quickstart.sh demo|test" >&2; exit 2 ;;
esac

bash tools/setup.sh
jobs=$(nproc)
cmake --preset cpu >/dev/null
if [ "$mode" = test ]; then
  echo "swag quickstart: building the cpu preset (swag and the tests) with $jobs jobs"
  cmake --build --preset cpu -j "$jobs"
  echo "swag quickstart: running the test suite (ctest --preset cpu)"
  ctest --preset cpu -j "$jobs"
else
  # the demo needs only the swag binary, not the test binaries
  echo "swag quickstart: building build/cpu/bin/swag with $jobs jobs"
  cmake --build --preset cpu -j "$jobs" --target swag
  bash tools/demo.sh
fi
