#!/usr/bin/env bash
# Runs the README's two commands on a clean clone of HEAD in a truly fresh Debian 12 root
# (debootstrap minbase + chroot), as a new user's machine would, and prints each step's time.
# Catches a package that only the development machines happen to have. Run as root; needs about
# 10 GB of disk and the network.
#
#   tools/fresh_machine_check.sh [--only demo|test] [--keep] [--dir DIR]
#
#   --only demo|test  run one README command (default: demo, then test)
#   --keep            keep the root afterwards (default: removed on success, kept on failure)
#   --dir DIR         make the root in DIR (default: a new folder under /var/tmp)
# Environment: SWAG_DEBIAN_MIRROR (default http://deb.debian.org/debian).
# The log of each command is kept in the root's /root/fresh-<command>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

only="" keep=0 root=""
while [ $# -gt 0 ]; do
  case $1 in
    --only) only=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --dir) root=$2; shift 2 ;;
    *) echo "usage: tools/fresh_machine_check.sh [--only demo|test] [--keep] [--dir DIR]" >&2; exit 2 ;;
  esac
done
case $only in "" | demo | test) ;; *) echo "swag: error: --only takes demo or test, not '$only'" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "swag: error: the fresh machine check needs root (debootstrap, chroot, mount)" >&2; exit 1; }
commands=(demo test)
[ -z "$only" ] || commands=("$only")

log() { printf 'swag fresh: %s\n' "$*"; }
timings=()
timed() {  # timed NAME CMD...: run CMD, record its time
  local name=$1 start=$SECONDS rc=0
  shift
  log "$name"
  "$@" || rc=$?
  timings+=("$(printf '%-44s %5d s  %s' "$name" "$((SECONDS - start))" "$([ "$rc" = 0 ] && echo ok || echo "FAILED (exit $rc)")")")
  return "$rc"
}

if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
fi

# a new folder named by time and pid; 0755, or the root's own users (munge, _apt) are locked out
root=${root:-/var/tmp/swag-fresh-$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$root"
chmod 755 "$root"
mounted=()
unmount_all() {
  local m
  for m in "${mounted[@]}"; do umount -R "$m" 2>/dev/null || umount -lR "$m" 2>/dev/null || true; done
  mounted=()
}
cleanup() {
  local rc=$?
  unmount_all
  # never remove a root that still has anything mounted inside (a bound /dev would go with it)
  if [ "$keep" = 0 ] && [ "$rc" = 0 ] && ! findmnt -rno TARGET | grep -q "^$root/"; then
    rm -rf --one-file-system "$root"
  else
    log "the root is kept in $root"
  fi
}
trap cleanup EXIT

mirror=${SWAG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
timed "debootstrap --variant=minbase bookworm" \
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 \
  || { tail -n 20 "$root.debootstrap.log" >&2; exit 1; }
rm -f "$root.debootstrap.log"

# The network of the host; its name in /etc/hosts, or each MPI start waits ~5 s on DNS.
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/hosts "$root/etc/hosts"
grep -qw "$(hostname)" "$root/etc/hosts" || printf '127.0.1.1 %s\n' "$(hostname)" >>"$root/etc/hosts"

# A clean clone of HEAD, as CI and a new user get it (local changes are not included).
git clone --quiet --no-hardlinks "$src" "$root/root/swag"
commit=$(git -C "$root/root/swag" rev-parse --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || log "note: uncommitted changes are not part of the check (it uses HEAD)"

mount -t proc proc "$root/proc" && mounted+=("$root/proc")
# --rbind carries /sys/fs/cgroup (slurmd needs it) and /dev/pts, /dev/shm (MPI needs them)
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" && mounted+=("$root/sys")
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounted+=("$root/dev")

status=0
for c in "${commands[@]}"; do
  # a clean environment, as a root login on a new machine has
  timed "tools/quickstart.sh $c" \
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /root/swag && tools/quickstart.sh $c >/root/fresh-$c.log 2>&1" \
    || { status=1; tail -n 40 "$root/root/fresh-$c.log" >&2; }
  # what the command itself said at its end: ctest's count, the demo's report
  grep -E "tests passed|tests failed|^swag demo: (report|wrote)" "$root/root/fresh-$c.log" | sed 's/^/    /' || true
done

log "summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $commit):"
printf '  %s\n' "${timings[@]}"
if [ "$status" = 0 ]; then log "passed"; else log "FAILED"; fi
exit "$status"
