#!/usr/bin/env bash
# The test command (README): set up what the tests need, build the CLI, type-check and lint,
# run every test.
# Each test group builds what it needs first (its vitest globalSetup, with progress lines
# "[prebuild <group>] ..."); the run's JSON report goes to out/test-report.json
# (node scripts/test-timings.mjs prints the per-file times from it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json
# the tests type-check too (test/tsconfig.json); the linter and Prettier hold every source file
npx tsc -p test/tsconfig.json
npx eslint codegen sim test bench bin eslint.config.js
npm run --silent format:check
mkdir -p out
npx vitest run --reporter=default --reporter=json --outputFile.json=out/test-report.json "$@"
