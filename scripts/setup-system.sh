#!/usr/bin/env bash
# nicsched: what the full-system guest needs from Debian (nicsched system, test/kernel/system.test.ts).
# Idempotent, fast when already done, safe in CI (root, no stdin). scripts/setup.sh calls it.
#
#   1. Debian packages, only when missing (apt-get update first, once):
#        qemu-system-x86   QEMU 7.2 with the multi-process proxy device x-pci-proxy-dev (tested with
#                          1:7.2+dfsg-7+deb12u18, TCG; no KVM needed)
#        busybox-static    the guest's shell and tools (/bin/busybox, statically linked)
#        cpio              lists the initramfs in the tests (nicsched writes it itself)
#        libc6-dev         static libc for the guest programs (gcc -static)
#   2. Checks that `qemu-system-x86_64 -device help` lists x-pci-proxy-dev and says which QEMU
#      package is installed when it does not.
#   3. Prints KEY=value lines on stdout (logs go to stderr):
#        QEMU=/usr/bin/qemu-system-x86_64 QEMU_PACKAGE=<installed version> QEMU_TESTED=<pinned>
#        BUSYBOX=/bin/busybox
#
# Options: --print   only check and print (no apt-get); fails when something is missing.
set -euo pipefail

QEMU_TESTED="1:7.2+dfsg-7+deb12u18"
log() { echo "[setup-system] $*" >&2; }
die() { echo "[setup-system] ERROR: $*" >&2; exit 1; }
exec </dev/null
# shellcheck source=scripts/debian.sh
source "$(dirname "${BASH_SOURCE[0]}")/debian.sh"

PRINT_ONLY=0
case "${1:-}" in
  --print) PRINT_ONLY=1 ;;
  "") ;;
  *) die "unknown option $1 (use --print or nothing)" ;;
esac

need=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
[[ -x /bin/busybox ]] && have_pkg busybox-static || need+=(busybox-static)
command -v cpio >/dev/null 2>&1 || need+=(cpio)
[[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] || need+=(libc6-dev)

if ((${#need[@]})); then
  [[ $PRINT_ONLY == 0 ]] || die "missing: ${need[*]} (run scripts/setup-system.sh as root)"
  apt_install "${need[@]}"
else
  log "packages present (qemu-system-x86, busybox-static, cpio, libc6-dev)"
fi

installed="$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || echo unknown)"
if ! qemu-system-x86_64 -device help 2>/dev/null | grep -q '"x-pci-proxy-dev"'; then
  die "qemu-system-x86_64 ($installed) has no x-pci-proxy-dev device: install Debian's qemu-system-x86 $QEMU_TESTED (apt-get install qemu-system-x86), which has it"
fi
# Debian binary rebuilds append +bN to the source version; anything else is another QEMU.
if [[ "$installed" != "$QEMU_TESTED" && "$installed" != "$QEMU_TESTED"+b* ]]; then
  log "note: qemu-system-x86 $installed is installed; nicsched was tested with $QEMU_TESTED"
fi

echo "QEMU=$(command -v qemu-system-x86_64)"
echo "QEMU_PACKAGE=$installed"
echo "QEMU_TESTED=$QEMU_TESTED"
echo "BUSYBOX=/bin/busybox"
