#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# nicsched: build the patched Linux 6.1 kernel and the modules against it, cached outside the
# clone and keyed by content. Idempotent: a warm cache builds nothing and says so.
#
#   scripts/build-kernel.sh [--stock] [--no-modules] [--policy P] [--jobs N] [--print]
#   scripts/build-kernel.sh --check-apply [--patches DIR]
#
#   1. Source: Debian's /usr/src/linux-source-6.1.tar.xz (scripts/setup-kernel.sh installs it).
#   2. Kernel, cached in $CACHE/kernel/build/<key>/ where key = sha256 of the tarball's sha256,
#      the patch series (kernel-hook/patches/linux-6.1/*.patch, in order), the config fragment
#      (kernel-hook/kernel.config), RECIPE below and the compiler version:
#        extract -> git apply every patch (a patch that does not apply fails the build)
#        -> make tinyconfig + kernel-hook/kernel.config + CONFIG_SCHED_NIC=y -> olddefconfig
#        (every requested =y must survive, else fail) -> make -jN (vmlinux, bzImage).
#      --stock builds the same config without the series (for bench/hook-hotpath.sh).
#   3. Modules (unless --no-modules or --stock), cached in $CACHE/kernel/modules/<key>/ where key
#      also covers driver/ and kernel-hook/module/ sources and the generated headers:
#        driver/   -> nicsched.ko, nicsched_pci.ko           (make -C driver KDIR=<tree>)
#        hook      -> nicsched_hook.ko  (make -C kernel-hook/module KDIR=<tree>,
#                     KBUILD_EXTRA_SYMBOLS=<driver Module.symvers>)
#      both for the same POLICY, so nicsched_regs.h and nicsched_hook_policy.h agree.
#   4. Prints KEY=value lines on stdout (logs go to stderr):
#        KERNEL_TREE= KERNEL_KEY= KERNEL_BUILT=cached|built KERNEL_SECONDS=
#        MODULES_DIR= MODULES_BUILT=cached|built HOOK_KO= DRIVER_KO=
#
# --check-apply applies the series (or the *.patch files of DIR) in order, strictly (git apply,
# no fuzz, whitespace errors fatal), to the files it touches, copied from a pristine extraction
# cached in $CACHE/kernel/src/<tarball sha256>/; prints APPLY=ok or fails naming the patch.
# --print only prints the paths of what is already built (builds nothing; fails when missing).
# Environment: NICSCHED_CACHE (default ~/.cache/nicsched), NICSCHED_KERNEL_TAR (default the
# Debian tarball). Needs: make gcc flex bison bc libelf-dev xz (installed when missing, as root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${NICSCHED_CACHE:-$HOME/.cache/nicsched}"
KCACHE="$CACHE/kernel"
SRC_TAR="${NICSCHED_KERNEL_TAR:-/usr/src/linux-source-6.1.tar.xz}"
PATCH_DIR="$ROOT/kernel-hook/patches/linux-6.1"
FRAGMENT="$ROOT/kernel-hook/kernel.config"
# Bump when the recipe below changes in a way the inputs do not show.
RECIPE="tinyconfig+fragment/olddefconfig/make-all/v1"

log() { echo "[build-kernel] $*" >&2; }
die() { echo "[build-kernel] ERROR: $*" >&2; exit 1; }
exec </dev/null

VARIANT=patched
MODULES=1
PRINT_ONLY=0
CHECK_APPLY=0
JOBS=2
POLICY="$ROOT/examples/reference.yaml"
while (($#)); do
  case "$1" in
    --stock) VARIANT=stock; MODULES=0; shift ;;
    --no-modules) MODULES=0; shift ;;
    --policy) POLICY="$(realpath "${2:?--policy needs a file}")"; shift 2 ;;
    --jobs) JOBS="${2:?--jobs needs a number}"; shift 2 ;;
    --print) PRINT_ONLY=1; shift ;;
    --check-apply) CHECK_APPLY=1; shift ;;
    --patches) PATCH_DIR="$(realpath "${2:?--patches needs a directory}")"; shift 2 ;;
    -h|--help) sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d'; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ -f "$POLICY" ]] || die "no policy $POLICY"

# shellcheck source=scripts/debian.sh
source "$ROOT/scripts/debian.sh"
ensure_tools() {
  local need=()
  command -v flex >/dev/null 2>&1 || need+=(flex)
  command -v bison >/dev/null 2>&1 || need+=(bison)
  command -v bc >/dev/null 2>&1 || need+=(bc)
  command -v xz >/dev/null 2>&1 || need+=(xz-utils)
  have_pkg libelf-dev || need+=(libelf-dev)
  command -v sparse >/dev/null 2>&1 || need+=(sparse)
  [[ -f "$SRC_TAR" ]] || need+=(linux-source-6.1)
  apt_install "${need[@]}"
}

patches() { find "$PATCH_DIR" -maxdepth 1 -name '*.patch' | LC_ALL=C sort; }

kernel_key() {
  {
    echo "$RECIPE $VARIANT"
    sha256sum <"$SRC_TAR" | cut -d' ' -f1
    if [[ $VARIANT == patched ]]; then
      local p
      while read -r p; do echo "== $(basename "$p")"; cat "$p"; done < <(patches)
    fi
    cat "$FRAGMENT"
    gcc --version | head -1
  } | sha256sum | cut -c1-16
}

[[ $PRINT_ONLY == 1 ]] || ensure_tools
[[ -f "$SRC_TAR" ]] || die "no $SRC_TAR (run scripts/setup-kernel.sh)"
if [[ $VARIANT == patched ]]; then
  [[ -n "$(patches)" ]] || die "no patches in $PATCH_DIR"
fi

# The pristine tree, extracted once per tarball.
pristine() {
  local sha dir
  sha="$(sha256sum <"$SRC_TAR" | cut -c1-16)"
  dir="$KCACHE/src/$sha"
  if [[ ! -f "$dir/.complete" ]]; then
    log "extracting a pristine tree into $dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    tar -xJf "$SRC_TAR" -C "$dir"
    touch "$dir/.complete"
  fi
  echo "$dir/$(ls "$dir" | head -1)"
}

check_apply() {
  local src tmp p f
  src="$(pristine)"
  tmp="$(mktemp -d)"
  # the existing files the series modifies, copied (a file it adds, then modifies, is not there
  # yet: git apply creates it, and refuses to create one that exists)
  for f in $(patches | xargs grep -h '^--- a/' | sed 's|^--- a/||' | sort -u); do
    [[ -f "$src/$f" ]] || continue
    mkdir -p "$tmp/$(dirname "$f")"
    cp "$src/$f" "$tmp/$f"
  done
  while read -r p; do
    if ! (cd "$tmp" && git apply --whitespace=error-all "$p") >&2; then
      rm -rf "$tmp"
      die "$(basename "$p") does not apply to $(basename "$src") ($SRC_TAR)"
    fi
    log "applies: $(basename "$p")"
  done < <(patches)
  rm -rf "$tmp"
  echo "APPLY=ok"
  echo "PRISTINE=$src"
  echo "PATCHES=$(patches | wc -l)"
}

if [[ $CHECK_APPLY == 1 ]]; then
  [[ -n "$(patches)" ]] || die "no patches in $PATCH_DIR"
  check_apply
  exit 0
fi

KKEY="$(kernel_key)"
KDIR_OUT="$KCACHE/build/$KKEY"
TREE="$KDIR_OUT/linux"
mkdir -p "$KCACHE/build"

# One builder per key; a second caller waits, then finds the cache warm.
exec 9>"$KCACHE/build/.$KKEY.lock"
flock 9

configure() {
  local tree="$1" frag="$2" line sym val got
  make -C "$tree" ARCH=x86_64 tinyconfig >/dev/null
  "$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" "$frag" >/dev/null
  make -C "$tree" ARCH=x86_64 olddefconfig >/dev/null
  while read -r line; do
    [[ "$line" =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]] || continue
    sym="${BASH_REMATCH[1]}"; val="${BASH_REMATCH[2]}"
    got="$(grep -E "^$sym=" "$tree/.config" | cut -d= -f2-)" || true
    [[ "$got" == "$val" ]] || die "$sym=$val requested but the configured kernel has '${got:-not set}'"
  done <"$frag"
}

# make in the background, a progress line every 30 s (files compiled so far); make's status.
make_with_progress() {
  local tree="$1" logf="$2" t0="$3" pid n=0
  make -C "$tree" ARCH=x86_64 -j"$JOBS" >"$logf" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    n=$((n + 1))
    ((n % 30)) || log "make: $(grep -c '^ *CC ' "$logf") files compiled, $(($(date +%s) - t0)) s"
  done
  wait "$pid"
}

build_kernel() {
  # built in place; the info file, written last, marks the build complete
  local tmp="$KDIR_OUT" t0 t1 p frag
  rm -rf "$tmp"
  mkdir -p "$tmp/linux"
  t0=$(date +%s)
  log "extracting $SRC_TAR"
  tar -xJf "$SRC_TAR" -C "$tmp/linux" --strip-components=1
  if [[ $VARIANT == patched ]]; then
    while read -r p; do
      log "applying $(basename "$p")"
      (cd "$tmp/linux" && git apply --whitespace=error-all "$p") \
        || die "$(basename "$p") does not apply to $(basename "$SRC_TAR")"
    done < <(patches)
  fi
  frag="$tmp/kernel.config"
  cp "$FRAGMENT" "$frag"
  [[ $VARIANT == stock ]] || echo "CONFIG_SCHED_NIC=y" >>"$frag"
  log "configuring ($VARIANT: tinyconfig + $(basename "$FRAGMENT")$([[ $VARIANT == stock ]] || echo " + CONFIG_SCHED_NIC=y"))"
  configure "$tmp/linux" "$frag"
  log "make -j$JOBS (log: $KDIR_OUT/build.log)"
  if ! make_with_progress "$tmp/linux" "$tmp/build.log" "$t0"; then
    tail -40 "$tmp/build.log" >&2
    die "kernel build failed (log: $tmp/build.log)"
  fi
  t1=$(date +%s)
  {
    echo "key=$KKEY"
    echo "variant=$VARIANT"
    echo "tarball=$SRC_TAR"
    echo "version=$(make -s -C "$tmp/linux" kernelversion)"
    echo "patches=$( [[ $VARIANT == stock ]] || patches | xargs -n1 basename | tr '\n' ' ')"
    echo "seconds=$((t1 - t0))"
    echo "jobs=$JOBS"
    echo "gcc=$(gcc --version | head -1)"
    echo "built=$(date -u +%FT%TZ)"
  } >"$tmp/info.new"
  mv "$tmp/info.new" "$tmp/info"
}

if [[ -f "$KDIR_OUT/info" && -f "$TREE/vmlinux" && -f "$TREE/Module.symvers" ]]; then
  KBUILT=cached
  log "kernel cached: $KDIR_OUT ($(grep '^seconds=' "$KDIR_OUT/info" | cut -d= -f2) s when built)"
else
  [[ $PRINT_ONLY == 0 ]] || die "kernel $KKEY not built (run scripts/build-kernel.sh)"
  build_kernel
  KBUILT=built
  log "kernel built in $(grep '^seconds=' "$KDIR_OUT/info" | cut -d= -f2) s: $TREE/arch/x86/boot/bzImage"
fi
flock -u 9

echo "KERNEL_TREE=$TREE"
echo "KERNEL_KEY=$KKEY"
echo "KERNEL_BUILT=$KBUILT"
echo "KERNEL_SECONDS=$(grep '^seconds=' "$KDIR_OUT/info" | cut -d= -f2)"
echo "VMLINUX=$TREE/vmlinux"
[[ $MODULES == 1 ]] || exit 0

# ---- modules ------------------------------------------------------------------------------
[[ -f "$ROOT/dist/codegen/cli/main.js" ]] || die "dist/ missing: run npx tsc -p tsconfig.json"
gen="$(mktemp -d)"
trap 'rm -rf "$gen"' EXIT
node "$ROOT/bin/nicsched.js" regmap "$POLICY" --format c -o "$gen/nicsched_regs.h" >/dev/null
node "$ROOT/bin/nicsched.js" compile "$POLICY" -o "$gen/out" >/dev/null
HOOK_H="$gen/out/hook/nicsched_hook_policy.h"
[[ -f "$HOOK_H" ]] || die "nicsched compile wrote no hook/nicsched_hook_policy.h"
MKEY="$( {
  echo "$KKEY"
  cat "$gen/nicsched_regs.h" "$HOOK_H"
  (cd "$ROOT" && find driver/Kbuild driver/Makefile driver/core driver/pci driver/uapi kernel-hook/module \
    -type f | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done)
} | sha256sum | cut -c1-16)"
MDIR="$KCACHE/modules/$KKEY-$MKEY"
if [[ -f "$MDIR/nicsched_hook.ko" && -f "$MDIR/nicsched.ko" ]]; then
  MBUILT=cached
  log "modules cached: $MDIR"
else
  [[ $PRINT_ONLY == 0 ]] || die "modules $MKEY not built (run scripts/build-kernel.sh)"
  mtmp="$KCACHE/modules/.$KKEY-$MKEY.tmp"
  rm -rf "$mtmp"
  mkdir -p "$mtmp"
  cp "$gen/nicsched_regs.h" "$HOOK_H" "$mtmp/"
  log "driver: make -C driver KDIR=$TREE (log: $MDIR/modules.log)"
  make -C "$ROOT/driver" KDIR="$TREE" BUILD="$mtmp/driver" NICSCHED_REGS_H="$mtmp/nicsched_regs.h" \
    W=1 C=1 modules >"$mtmp/modules.log" 2>&1 || { tail -30 "$mtmp/modules.log" >&2; die "driver build failed"; }
  log "hook: make -C kernel-hook/module KDIR=$TREE"
  make -C "$ROOT/kernel-hook/module" KDIR="$TREE" BUILD="$mtmp/hook" \
    NICSCHED_REGS_H="$mtmp/nicsched_regs.h" NICSCHED_HOOK_POLICY_H="$mtmp/nicsched_hook_policy.h" \
    DRIVER_SYMVERS="$mtmp/driver/Module.symvers" W=1 C=1 modules >>"$mtmp/modules.log" 2>&1 \
    || { tail -30 "$mtmp/modules.log" >&2; die "hook module build failed"; }
  if grep -E 'warning:|error:' "$mtmp/modules.log" >&2; then die "module build has warnings (see above)"; fi
  cp "$mtmp/driver/nicsched.ko" "$mtmp/driver/nicsched_pci.ko" "$mtmp/hook/nicsched_hook.ko" "$mtmp/"
  rm -rf "$MDIR"
  mv "$mtmp" "$MDIR"
  MBUILT=built
  log "modules built: $MDIR"
fi
echo "MODULES_DIR=$MDIR"
echo "MODULES_BUILT=$MBUILT"
echo "DRIVER_KO=$MDIR/nicsched.ko"
echo "HOOK_KO=$MDIR/nicsched_hook.ko"
