#!/usr/bin/env bash
# The main job (README): compile the bundled default policy, simulate it in Verilator against the
# golden model, and print the report.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json
policy="${1:-examples/reference.yaml}"
out="${NICSCHED_OUT:-out/$(basename "$policy" .yaml)}"
node bin/nicsched.js check "$policy"
node bin/nicsched.js compile "$policy" -o "$out"
node bin/nicsched.js simulate "$policy" --sim verilator --count 2000
