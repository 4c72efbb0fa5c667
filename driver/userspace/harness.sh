# SPDX-License-Identifier: GPL-2.0
#
# Shared steps of the userspace harness builds (driver/userspace/build.sh and
# kernel-hook/userspace/build.sh): kernel C compiled with the kernel's W=1 warnings as errors,
# linked with the Verilated nicsched_top of a policy, cached by content. Sourced, not run.
#
#   harness_init NAME            sim env, dist/ check; CACHE=<cache>/NAME, gen=<temp dir>
#   harness_rtl_inputs RTL_DIR   prints every RTL input (for the cache key)
#   harness_compile TMP C...     gcc each file into TMP/obj with CWARN + CINC (set by the caller)
#   harness_link TMP RTL_DIR CLOCK_MHZ BINARY OBJ...
#                                verilate nicsched_top with nicsched_bus.cpp and the objects
#   harness_publish TMP OUT      move the finished build into place and print OUT

HARNESS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HARNESS_DRV="$HARNESS_ROOT/driver"

# The generated app, in dependency order; every file is verilated and part of the cache key.
HARNESS_RTL_FILES=(nicsched_argmax.v nicsched_weight_bank.v nicsched_dense.v nicsched_result_dma.v nicsched_app.v nicsched_policy.v
  nicsched_top.v)

# the kernel's W=1 warning set, as errors
CWARN=(-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
  -Wno-type-limits -Wmissing-prototypes -Wmissing-declarations -Wold-style-definition -Werror)

die() { echo "build.sh: $*" >&2; exit 1; }
nicsched() { node "$HARNESS_ROOT/bin/nicsched.js" "$@" >/dev/null; }

harness_init() {
  # shellcheck source=../../scripts/sim-env.sh
  source "$HARNESS_ROOT/scripts/sim-env.sh" >/dev/null || die "no simulation environment: run scripts/setup.sh"
  [[ -f "$HARNESS_ROOT/dist/codegen/cli/main.js" ]] || die "dist/ missing: run npx tsc -p tsconfig.json"
  CACHE="${NICSCHED_CACHE:-$HOME/.cache/nicsched}/$1"
  mkdir -p "$CACHE"
  gen="$(mktemp -d "$CACHE/.gen.XXXXXX")"
  tmp=""
  trap 'rm -rf "$gen" ${tmp:+"$tmp"}' EXIT
}

harness_rtl_inputs() {
  local f
  for f in "${HARNESS_RTL_FILES[@]}" nicsched_policy.vh nicsched_regs.vh; do cat "$1/$f"; done
  cat "$HARNESS_DRV/userspace/nicsched_bus.h" "$HARNESS_DRV/userspace/nicsched_bus.cpp" \
    "$HARNESS_DRV/userspace/harness.sh"
  verilator --version
  gcc --version | head -1
  g++ --version | head -1
}

harness_compile() {
  local dir="$1" c
  shift
  for c in "$@"; do
    gcc -std=gnu11 -O2 -g -pthread "${CWARN[@]}" "${CINC[@]}" -c "$c" -o "$dir/obj/$(basename "${c%.c}").o"
  done
}

harness_link() {
  local dir="$1" rtl="$2" clock_mhz="$3" binary="$4" f
  shift 4
  local rtl_paths=()
  for f in "${HARNESS_RTL_FILES[@]}"; do rtl_paths+=("$rtl/$f"); done
  verilator --cc --build --exe -j 2 -O3 --x-assign fast --x-initial fast \
    --top-module nicsched_top -Mdir "$dir/obj/verilated" -I"$rtl" \
    -CFLAGS "-O2 -I$HARNESS_DRV/userspace -DNICSCHED_CLOCK_MHZ=$clock_mhz" -LDFLAGS -pthread \
    -o "$binary" "${rtl_paths[@]}" "$HARNESS_DRV/userspace/nicsched_bus.cpp" "$@" \
    >"$dir/verilator.log" 2>&1 || { tail -40 "$dir/verilator.log" >&2; die "verilator build failed"; }
  mv "$dir/obj/verilated/$binary" "$dir/$binary"
  rm -rf "$dir/obj/verilated"
}

harness_publish() {
  rm -rf "$2"
  mv "$1" "$2"
  tmp=""
  echo "$2"
}
