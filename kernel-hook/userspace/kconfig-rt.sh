#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Ask the kernel's own Kconfig what becomes of CONFIG_SCHED_NIC on a PREEMPT_RT kernel.
#
#   kernel-hook/userspace/kconfig-rt.sh
#
# Linux 6.1 lets no architecture select ARCH_SUPPORTS_RT (the RT patchset makes x86 select it),
# so PREEMPT_RT cannot be chosen from the Debian tree as it is. This script builds a view of the
# pristine linux-source-6.1 (the extraction scripts/build-kernel.sh --check-apply caches: a
# tree of symlinks, nothing copied but the files it changes) in which arch/x86/Kconfig selects
# ARCH_SUPPORTS_RT and kernel/Kconfig.preempt carries the series' hunks, then configures it twice
# as scripts/build-kernel.sh does (tinyconfig + kernel-hook/kernel.config + CONFIG_SCHED_NIC=y,
# olddefconfig), without and with CONFIG_EXPERT=y CONFIG_PREEMPT_RT=y, in a temporary O=
# directory. Prints, on stdout:
#   SCHED_NIC=<y|n>          without PREEMPT_RT
#   RT_PREEMPT_RT=<y|n>      with PREEMPT_RT requested: did it stick
#   RT_SCHED_NIC=<y|n>       with PREEMPT_RT requested: CONFIG_SCHED_NIC
# Progress on stderr. Needs flex, bison, gcc (scripts/build-kernel.sh installs them). ~15 s.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PATCHES="$ROOT/kernel-hook/patches/linux-6.1"
die() { echo "kconfig-rt.sh: $*" >&2; exit 1; }

pristine="$(bash "$ROOT/scripts/build-kernel.sh" --check-apply 2>/dev/null | sed -n 's/^PRISTINE=//p')"
[[ -f "$pristine/kernel/Kconfig.preempt" ]] || die "no pristine linux-source-6.1 (run scripts/setup-kernel.sh)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# $1/<entries of $2> as symlinks, but for the names given after it, which become directories of
# symlinks themselves (so one file in them can be replaced)
link_tree() {
  local dst="$1" src="$2" e
  mkdir -p "$dst"
  for e in "$src"/* "$src"/.[!.]*; do
    [[ -e "$e" ]] && ln -s "$e" "$dst/"
  done
}
src="$tmp/src"
link_tree "$src" "$pristine"
rm "$src/Makefile" "$src/kernel" "$src/arch"
cp "$pristine/Makefile" "$src/Makefile"	# a real file: the Makefile takes srctree from its path
link_tree "$src/kernel" "$pristine/kernel"
link_tree "$src/arch" "$pristine/arch"
rm "$src/arch/x86"
link_tree "$src/arch/x86" "$pristine/arch/x86"
rm "$src/kernel/Kconfig.preempt" "$src/arch/x86/Kconfig"
cp "$pristine/kernel/Kconfig.preempt" "$src/kernel/Kconfig.preempt"
mapfile -t patches < <(find "$PATCHES" -maxdepth 1 -name '*.patch' | LC_ALL=C sort)
(cd "$src" && git apply --include='kernel/Kconfig.preempt' "${patches[@]}") \
  || die "the series does not apply to kernel/Kconfig.preempt"
# what the RT patchset does to x86
awk '{ print } /^config X86$/ { getline; print; print "\tselect ARCH_SUPPORTS_RT"; }' \
  "$pristine/arch/x86/Kconfig" > "$src/arch/x86/Kconfig"
grep -q 'select ARCH_SUPPORTS_RT' "$src/arch/x86/Kconfig" || die "cannot make x86 select ARCH_SUPPORTS_RT"

# $1: output directory, $2...: extra =y lines
configure() {
  local out="$1" frag="$tmp/frag.$(basename "$1")"
  shift
  { cat "$ROOT/kernel-hook/kernel.config"; echo "CONFIG_SCHED_NIC=y"; printf '%s\n' "$@"; } > "$frag"
  echo "kconfig-rt.sh: configuring $(basename "$out")" >&2
  make -s -C "$src" O="$out" ARCH=x86_64 tinyconfig >/dev/null 2>&1 || die "tinyconfig failed"
  "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag" >/dev/null 2>&1 \
    || die "merge_config failed"
  make -s -C "$src" O="$out" ARCH=x86_64 olddefconfig >/dev/null 2>&1 || die "olddefconfig failed"
}
value() {
  if grep -q "^CONFIG_$2=y$" "$1/.config"; then echo y; else echo n; fi
}

configure "$tmp/plain"
configure "$tmp/rt" CONFIG_EXPERT=y CONFIG_PREEMPT_RT=y
echo "SCHED_NIC=$(value "$tmp/plain" SCHED_NIC)"
echo "RT_PREEMPT_RT=$(value "$tmp/rt" PREEMPT_RT)"
echo "RT_SCHED_NIC=$(value "$tmp/rt" SCHED_NIC)"
