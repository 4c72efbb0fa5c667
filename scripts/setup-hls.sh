#!/usr/bin/env bash
# nicsched: fetch the Xilinx ap_int/ap_fixed headers for the HLS C simulation (`nicsched csim`).
# Idempotent: does nothing when the headers are already extracted (stamp file). Prints their path.
#
# The headers are the open-source Vitis HLS arbitrary-precision types (Copyright Xilinx, Inc.,
# Apache License 2.0, stated in every header). They ship inside the hls4ml wheel on PyPI under
# hls4ml/templates/vivado/ap_types/. We download that one wheel (no dependencies, nothing
# installed), and extract ONLY the ap_int/ap_fixed headers and etc/ap_private.h, plus the wheel's
# Apache-2.0 LICENSE file next to them. hls_stream.h and ap_shift_reg.h (in the same directory,
# "All rights reserved") are never extracted. Nothing lands in the repository.
#
#   NICSCHED_CACHE         nicsched's cache directory (default ~/.cache/nicsched)
#   NICSCHED_HLS4ML_CACHE  where the wheel is kept (default $NICSCHED_CACHE/hls4ml)
#   NICSCHED_AP_TYPES      where the headers go   (default $NICSCHED_CACHE/ap_types)
#   NICSCHED_PYTHON        interpreter whose pip downloads the wheel (default: the project's .venv,
#                          else python3)
#
# Output: the last line on stdout is the ap_types directory (pass it to g++ as -isystem).
set -euo pipefail
exec </dev/null

HLS4ML_VERSION=1.3.0
WHEEL="hls4ml-${HLS4ML_VERSION}-py3-none-any.whl"
WHEEL_SHA256=01bf1de2cd9bca56699b9fe3385cb1735026b022f9580fe1d73faf192dfb90f2
CACHE="${NICSCHED_CACHE:-$HOME/.cache/nicsched}"
WHEEL_DIR="${NICSCHED_HLS4ML_CACHE:-$CACHE/hls4ml}"
AP_TYPES="${NICSCHED_AP_TYPES:-$CACHE/ap_types}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# pip: the project's venv (scripts/setup.sh makes it) has one; Debian's python3 may not.
if [[ -n "${NICSCHED_PYTHON:-}" ]]; then PY="$NICSCHED_PYTHON"
elif [[ -x "$ROOT/.venv/bin/python" ]]; then PY="$ROOT/.venv/bin/python"
else PY=python3; fi
STAMP="$AP_TYPES/.nicsched-ap-types"
SOURCE_DIR="hls4ml/templates/vivado/ap_types"
LICENSE_IN_WHEEL="hls4ml-${HLS4ML_VERSION}.dist-info/licenses/LICENSE"

# Exactly the headers ap_int.h and ap_fixed.h include (transitively), nothing else.
HEADERS=(
  ap_common.h ap_decl.h
  ap_int.h ap_int_base.h ap_int_ref.h ap_int_special.h
  ap_fixed.h ap_fixed_base.h ap_fixed_ref.h ap_fixed_special.h
  etc/ap_private.h
)

log() { echo "[setup-hls] $*" >&2; }
die() { echo "[setup-hls] ERROR: $*" >&2; exit 1; }

want_stamp="hls4ml ${HLS4ML_VERSION}: ${HEADERS[*]}"
present() { [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" ]]; }
if present; then
  log "ap_types present (hls4ml ${HLS4ML_VERSION})"
  echo "$AP_TYPES"
  exit 0
fi

# One setup at a time (parallel test workers): wait for the lock, then look again.
mkdir -p "$(dirname "$AP_TYPES")"
exec 9>"$(dirname "$AP_TYPES")/.setup-hls.lock"
flock 9
if present; then
  log "ap_types present (hls4ml ${HLS4ML_VERSION})"
  echo "$AP_TYPES"
  exit 0
fi

mkdir -p "$WHEEL_DIR"
if [[ ! -f "$WHEEL_DIR/$WHEEL" ]]; then
  "$PY" -m pip --version >/dev/null 2>&1 || die "$PY has no pip (run scripts/setup.sh for the venv, or set NICSCHED_PYTHON)"
  log "pip download hls4ml==${HLS4ML_VERSION} --no-deps -> $WHEEL_DIR"
  "$PY" -m pip download --disable-pip-version-check -q --no-input --no-deps \
    --only-binary=:all: -d "$WHEEL_DIR" "hls4ml==${HLS4ML_VERSION}" >&2 \
    || die "pip download hls4ml==${HLS4ML_VERSION} failed (needs PyPI)"
fi
[[ -f "$WHEEL_DIR/$WHEEL" ]] || die "expected $WHEEL_DIR/$WHEEL after pip download"
if [[ "$(sha256sum "$WHEEL_DIR/$WHEEL" | cut -d' ' -f1)" != "$WHEEL_SHA256" ]]; then
  rm -f "$WHEEL_DIR/$WHEEL"
  die "$WHEEL does not have the pinned sha256 $WHEEL_SHA256 (removed; run again)"
fi

# Extract into a temporary sibling, then rename into place: a failure leaves nothing half-done.
parent="$(dirname "$AP_TYPES")"
mkdir -p "$parent"
tmp="$(mktemp -d "$parent/.ap_types.tmp-XXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
"$PY" - "$WHEEL_DIR/$WHEEL" "$tmp" "$SOURCE_DIR" "$LICENSE_IN_WHEEL" "${HEADERS[@]}" <<'EOF'
import os, sys, zipfile
wheel, dest, source_dir, license_name, *headers = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for h in headers:
        target = os.path.join(dest, h)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(f"{source_dir}/{h}") as src, open(target, "wb") as out:
            out.write(src.read())
    with z.open(license_name) as src, open(os.path.join(dest, "LICENSE"), "wb") as out:
        out.write(src.read())
EOF
for h in "${HEADERS[@]}"; do
  grep -q "Licensed under the Apache License, Version 2.0" "$tmp/$h" || die "$h is not under Apache-2.0: refusing to use it"
done
cat > "$tmp/README" <<EOF
Xilinx ap_int/ap_fixed headers (Copyright 2011-2019 Xilinx, Inc., Apache License 2.0, see LICENSE
and each file's header), extracted by nicsched scripts/setup-hls.sh from $WHEEL
($SOURCE_DIR/). Used only for the g++ C simulation of the HLS backend; never committed.
EOF
echo "$want_stamp" > "$tmp/.nicsched-ap-types"
rm -rf "$AP_TYPES"
mv "$tmp" "$AP_TYPES"
trap - EXIT
log "extracted ${#HEADERS[@]} headers from $WHEEL"
echo "$AP_TYPES"
