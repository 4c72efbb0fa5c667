#!/usr/bin/env bash
# Rebuild examples/reference.yaml byte for byte (docs/LEARNING.md):
#   the committed trace's first 70 % (examples/traces/mixed-1.jsonl, replayed in the eval
#   simulator) and the mixed and schbench generators, seeds 1000..1009
#   -> counterfactual labels: every 2nd decision point continued 40 ms once per action
#      (dataset + data card, examples/traces/reference.data.*)
#   -> train (tfjs, seed 7, 40 epochs + QAT) fitting each action's advantage over keep -> quantized policy.
# Held out for evaluation: seeds 1..10 of every generator (hackbench and cyclictest never trained on)
# and the trace's last 30 % (`node bench/eval.mjs`). About 3 minutes on 2 CPUs.
# Needs `npm run build` first. Paths are relative to the repository root: they are written into the
# dataset header and the policy's header comment, so keep them as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
nicsched() { node bin/nicsched.js "$@"; }

nicsched dataset examples/traces/mixed-1.jsonl --label counterfactual --spec examples/reference.template.yaml \
  --window 0:0.7 --sim mixed,schbench --seeds 1000-1009 --sample-every 2 -o examples/traces/reference.data.jsonl
nicsched train examples/traces/reference.data.jsonl --spec examples/reference.template.yaml \
  --seed 7 --epochs 40 --qat --objective regress -o examples/reference.yaml
