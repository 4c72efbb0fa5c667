#!/usr/bin/env bash
# Rebuild examples/reference.yaml from the committed trace(s), byte for byte (docs/LEARNING.md):
#   trace (committed, examples/traces/mixed-1.jsonl, recorded by `nicsched trace --workload mixed`)
#   -> dataset (heuristic labels + 6000 seeded synthetic rows) + data card
#   -> train (tfjs, seed 7, 40 epochs + QAT) -> quantized policy.
# Needs `npm run build` first. Paths are relative to the repository root: they are written into the
# dataset header and the policy's header comment, so keep them as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
nicsched() { node bin/nicsched.js "$@"; }

nicsched dataset examples/traces/mixed-1.jsonl --label heuristic --spec examples/reference.template.yaml \
  --augment 6000 --seed 1 -o examples/traces/reference.data.jsonl
nicsched train examples/traces/reference.data.jsonl --spec examples/reference.template.yaml \
  --seed 7 --epochs 40 --qat -o examples/reference.yaml
