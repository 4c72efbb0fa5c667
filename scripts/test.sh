#!/usr/bin/env bash
# The test command (README): set up what the tests need, build the CLI, run every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json
npx vitest run "$@"
