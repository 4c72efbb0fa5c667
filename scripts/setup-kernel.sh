#!/usr/bin/env bash
# nicsched: the kernel-side toolchain for driver/ (and later kernel-hook/). Idempotent, fast when
# already done, safe in CI (root, no stdin). scripts/setup.sh calls it.
#
#   1. Debian packages, only when missing (apt-get update first, once):
#        linux-headers-amd64   Debian's 6.1 kbuild tree (pulls linux-headers-6.1.0-N-amd64,
#                              linux-kbuild-6.1 and the matching gcc-12)
#        sparse                `make C=1`
#        linux-source-6.1      the tarball checkpatch.pl comes from
#   2. scripts/checkpatch.pl, scripts/spelling.txt and scripts/const_structs.checkpatch extracted
#      from /usr/src/linux-source-6.1.tar.xz into $NICSCHED_CACHE/checkpatch (outside the repo),
#      re-extracted only when the tarball changes (stamp: size + mtime).
#   3. Prints the paths, one KEY=value per line on stdout (logs go to stderr):
#        KDIR=/usr/src/linux-headers-6.1.0-N-amd64
#        CHECKPATCH=$NICSCHED_CACHE/checkpatch/scripts/checkpatch.pl
#        SPARSE=/usr/bin/sparse
#      and writes the same lines to $NICSCHED_CACHE/kernel.env.
#
# Options: --print   only print the paths (no apt-get, no extraction); fails when something is
#                    missing.
# Environment: NICSCHED_CACHE (default ~/.cache/nicsched).
set -euo pipefail

CACHE="${NICSCHED_CACHE:-$HOME/.cache/nicsched}"
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
CP_DIR="$CACHE/checkpatch"
CP_FILES=(scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch)
log() { echo "[setup-kernel] $*" >&2; }
die() { echo "[setup-kernel] ERROR: $*" >&2; exit 1; }
exec </dev/null
# shellcheck source=scripts/debian.sh
source "$(dirname "${BASH_SOURCE[0]}")/debian.sh"

PRINT_ONLY=0
case "${1:-}" in
  --print) PRINT_ONLY=1 ;;
  "") ;;
  *) die "unknown option $1 (use --print or nothing)" ;;
esac

# The headers directory linux-headers-amd64 depends on (not just any installed one).
find_kdir() {
  local dep
  dep="$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null \
    | grep -o 'linux-headers-6\.1\.[0-9]*-[0-9]*-amd64' | head -1)" || true
  if [[ -n "$dep" && -f "/usr/src/$dep/Makefile" ]]; then
    echo "/usr/src/$dep"
    return 0
  fi
  # fall back to the newest installed 6.1 amd64 headers
  local d
  d="$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -1)" || true
  [[ -n "$d" && -f "$d/Makefile" ]] && echo "$d"
}

checkpatch_current() {
  local f
  [[ -f "$CP_DIR/.stamp" && "$(cat "$CP_DIR/.stamp")" == "$(stat -c '%s %Y' "$SRC_TAR")" ]] || return 1
  for f in "${CP_FILES[@]}"; do [[ -f "$CP_DIR/$f" ]] || return 1; done
}

if [[ $PRINT_ONLY == 0 ]]; then
  need=()
  have_pkg linux-headers-amd64 && [[ -n "$(find_kdir)" ]] || need+=(linux-headers-amd64)
  command -v sparse >/dev/null 2>&1 || need+=(sparse)
  [[ -f "$SRC_TAR" ]] || need+=(linux-source-6.1)
  command -v make >/dev/null 2>&1 || need+=(make)
  command -v gcc >/dev/null 2>&1 || need+=(gcc)
  command -v xz >/dev/null 2>&1 || need+=(xz-utils)
  if ((${#need[@]})); then
    apt_install "${need[@]}"
  else
    log "packages present (linux-headers-amd64, sparse, linux-source-6.1)"
  fi

  if checkpatch_current; then
    log "checkpatch up to date in $CP_DIR"
  else
    log "extracting ${CP_FILES[*]} from $SRC_TAR"
    # the first member names the top directory (linux-source-6.1); head closes the pipe early
    top="$(set +o pipefail; tar -tJf "$SRC_TAR" 2>/dev/null | head -1 | cut -d/ -f1)"
    [[ -n "$top" ]] || die "cannot list $SRC_TAR"
    mkdir -p "$CACHE"
    tmp="$(mktemp -d "$CACHE/.checkpatch.XXXXXX")"
    members=()
    for f in "${CP_FILES[@]}"; do members+=("$top/$f"); done
    tar -xJf "$SRC_TAR" -C "$tmp" --strip-components=1 "${members[@]}" || { rm -rf "$tmp"; die "tar failed"; }
    rm -rf "$CP_DIR"
    chmod 755 "$tmp"
    mv "$tmp" "$CP_DIR"
    stat -c '%s %Y' "$SRC_TAR" > "$CP_DIR/.stamp"
  fi
fi

KDIR="$(find_kdir)" || true
[[ -n "$KDIR" ]] || die "no Debian 6.1 amd64 headers under /usr/src (run scripts/setup-kernel.sh as root)"
checkpatch_current || die "checkpatch not extracted in $CP_DIR (run scripts/setup-kernel.sh)"
SPARSE="$(command -v sparse)" || die "sparse not installed (run scripts/setup-kernel.sh)"

mkdir -p "$CACHE"
{
  echo "KDIR=$KDIR"
  echo "CHECKPATCH=$CP_DIR/scripts/checkpatch.pl"
  echo "SPARSE=$SPARSE"
} | tee "$CACHE/kernel.env"
