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
echo "swag quickstart: configuring and building the cpu preset with $jobs jobs"
cmake --preset cpu >/dev/null
cmake --build --preset cpu -j "$jobs"

if [ "$mode" = test ]; then
  echo "swag quickstart: running the test suite (ctest --preset cpu)"
  ctest --preset cpu -j "$jobs"
else
  bash tools/demo.sh
fi
