#!/usr/bin/env bash
# Rebuild examples/reference.yaml byte for byte (docs/LEARNING.md), two rounds of policy iteration
# on labels from outcomes (nicsched dataset --label counterfactual), then model selection:
#   sources: the mixed, hetero and schbench generators and the first 70 % of the committed trace
#            (examples/traces/mixed-1.jsonl, replayed in the eval simulator), seeds 1000..1009;
#            one decision point in 2 continued 40 ms once per action
#   round 1: everyone else under CFS -> examples/traces/reference.round1.data.jsonl (+ card)
#            -> train (seed 7, 40 epochs + QAT, the expected-advantage objective)
#            -> examples/traces/reference.round1.yaml
#   round 2: round 1's policy decides for every task, in the runs and the continuations
#            -> examples/traces/reference.data.jsonl (+ card) -> the same training
#            -> examples/traces/reference.round2.yaml
#   selection: both rounds evaluated on the validation seeds 500..509 (mixed, schbench, hetero); the one
#            with the lower mean headline change against CFS becomes examples/reference.yaml
#            (record: examples/traces/reference.selection.md; scripts/select-reference.mjs)
# Held out for evaluation: seeds 1..10 of every generator (hackbench and cyclictest never trained
# on) and the trace's last 30 % (`node bench/eval.mjs`). About 2 minutes on 2 CPUs.
# Needs `npm run build` first. Paths are relative to the repository root: they are written into the
# dataset header and the policy's header comment, so keep them as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
nicsched() { node bin/nicsched.js "$@"; }

sources=(examples/traces/mixed-1.jsonl --label counterfactual --spec examples/reference.template.yaml
  --window 0:0.7 --sim mixed,hetero,schbench --seeds 1000-1009 --sample-every 2)
training=(--spec examples/reference.template.yaml --seed 7 --epochs 40 --qat --objective advantage)
nicsched dataset "${sources[@]}" -o examples/traces/reference.round1.data.jsonl
nicsched train examples/traces/reference.round1.data.jsonl "${training[@]}" -o examples/traces/reference.round1.yaml
nicsched dataset "${sources[@]}" --behaviour examples/traces/reference.round1.yaml \
  -o examples/traces/reference.data.jsonl
nicsched train examples/traces/reference.data.jsonl "${training[@]}" -o examples/traces/reference.round2.yaml
node scripts/select-reference.mjs --record examples/traces/reference.selection.md --out examples/reference.yaml \
  examples/traces/reference.round1.yaml examples/traces/reference.round2.yaml
