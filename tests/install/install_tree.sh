#!/usr/bin/env bash
# cmake --install into a fresh prefix: the layout doc/install.md promises, and that the installed
# swag, sweep files and postprocess tools work from any directory with the checkout out of reach.
#   install_tree.sh BUILD_DIR WORKDIR
set -euo pipefail
build=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

fail() { echo "FAIL: $*" >&2; exit 1; }
for f in bin/swag share/swag/jobs/slurm/common.sh share/swag/jobs/slurm/pretrain_demo.sh \
  share/swag/inputs/pretrain/demo.toml share/swag/inputs/wordnet/lexnames.txt \
  share/swag/postprocess/report.py share/swag/postprocess/pycompat.py \
  share/swag/tools/demo.sh share/doc/swag/README.md share/doc/swag/cli.md; do
  [ -e "$prefix/$f" ] || fail "$f is not installed"
done
[ -x "$prefix/bin/swag" ] || fail "bin/swag is not executable"
[ -x "$prefix/share/swag/jobs/slurm/pretrain_demo.sh" ] || fail "the job scripts lost their mode"
if find "$prefix" -name __pycache__ | grep -q .; then fail "__pycache__ folders were installed"; fi

# from a directory unrelated to the checkout
cd "$work"
"$prefix/bin/swag" --version | grep -q "^swag [0-9]" || fail "installed swag --version"
"$prefix/bin/swag" info --model regnety_400mf --json >info.json || fail "installed swag info"
n=$(/usr/bin/python3 "$prefix/share/swag/postprocess/sweep.py" count "$prefix/share/swag/inputs/sweeps/demo.toml")
[ "$n" -gt 0 ] || fail "installed sweep.py counts $n cells"
"$prefix/bin/swag" check-config --config "$prefix/share/swag/inputs/pretrain/demo.toml" >/dev/null \
  || fail "the installed demo deck does not validate"
echo "ok: installed tree in $prefix"
