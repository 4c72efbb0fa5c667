#!/usr/bin/env python3
"""Build the nicsched_dense bench once per parameter set of sim/dense-sets.json, for each simulator.

    .venv/bin/python sim/prebuild_dense.py [--sim verilator|icarus ...]

Idempotent and cached by content: run_bench.py --build-only keeps a build while its sources,
parameters, simulator and venv are unchanged. Progress goes to stderr; stdout has one line per
build, DENSE_BUILD_<set>_<SIMULATOR>=<build dir>, which sim/dense.ts reads before running the
benches on those builds. Exit status: 0 when every build is ready, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SETS = HERE / "dense-sets.json"
RTL = ROOT / "rtl"


def cache_root() -> Path:
    return Path(os.environ.get("NICSCHED_CACHE") or Path.home() / ".cache" / "nicsched")


def build_dir(name: str, sim: str) -> Path:
    # one clone's RTL per directory: another clone (its own rtl/) gets its own builds
    clone = hashlib.sha256(str(RTL).encode()).hexdigest()[:8]
    return cache_root() / "sim" / f"dense-{name}-{sim}-{clone}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sim", action="append", choices=["verilator", "icarus"], help="default: both")
    args = ap.parse_args()
    sims = args.sim or ["verilator", "icarus"]
    failed = 0
    for s in json.loads(SETS.read_text()):
        for sim in sims:
            out = build_dir(s["name"], sim)
            cmd = [sys.executable, str(HERE / "run_bench.py"), "--bench", "dense", "--rtl-dir", str(RTL),
                   "--toplevel", "nicsched_dense", "--sim", sim, "--build-dir", str(out), "--build-only",
                   *[a for k, v in s["params"].items() for a in ("--param", f"{k}={v}")]]
            print(f"[prebuild_dense] {s['name']} ({sim})", file=sys.stderr, flush=True)
            r = subprocess.run(cmd, stdout=sys.stderr, stderr=sys.stderr)
            if r.returncode != 0:
                failed += 1
                print(f"[prebuild_dense] FAILED: {s['name']} ({sim}), exit {r.returncode}", file=sys.stderr)
                continue
            print(f"DENSE_BUILD_{s['name']}_{sim.upper()}={out}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
