#!/usr/bin/env bash
# The learning loop end to end on this machine (docs/LEARNING.md, docs/EVAL.md):
#   trace a live mixed workload -> dataset (+ data card) -> train + quantize -> check
#   -> bit-exact simulation of the new policy's RTL in Verilator -> evaluation against CFS
#   on the synthetic mixed workload and on the trace just recorded.
#
#   bash scripts/learning-loop.sh [OUT_DIR]        (default: out/learning-loop)
#
# Knobs (environment): TRACE_SECONDS (20), AUGMENT (6000 synthetic rows), EPOCHS (40), SEED (7),
# LABEL (heuristic | outcome), SIM_COUNT (500 random vectors; 0 skips the RTL simulation).
# Needs `npm run build` (npm run learn does it) and scripts/setup.sh (perl, the venv).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-out/learning-loop}
TRACE_SECONDS=${TRACE_SECONDS:-20}
AUGMENT=${AUGMENT:-6000}
EPOCHS=${EPOCHS:-40}
SEED=${SEED:-7}
LABEL=${LABEL:-heuristic}
SIM_COUNT=${SIM_COUNT:-500}
template=examples/reference.template.yaml

nicsched() { node bin/nicsched.js "$@"; }
step() { printf '\n== %s\n' "$*"; }

mkdir -p "$out"
step "trace: ${TRACE_SECONDS} s of a live mixed workload (interactive sleepers + CPU hogs)"
nicsched trace --workload mixed --duration "$TRACE_SECONDS" --interval 100 -o "$out/trace.jsonl"

step "dataset: $LABEL labels + $AUGMENT synthetic rows"
nicsched dataset "$out/trace.jsonl" --label "$LABEL" --spec "$template" --augment "$AUGMENT" --seed 1 \
  -o "$out/data.jsonl"
cat "$out/data.card.md"

step "train: seed $SEED, $EPOCHS epochs + QAT, quantize"
nicsched train "$out/data.jsonl" --spec "$template" --seed "$SEED" --epochs "$EPOCHS" --qat -o "$out/policy.yaml"
nicsched check "$out/policy.yaml"

if [[ "$SIM_COUNT" != 0 ]]; then
  step "simulate: the learned policy's RTL in Verilator, bit-exact against the golden model"
  nicsched simulate "$out/policy.yaml" --count "$SIM_COUNT"
fi

step "eval: CFS vs the learned policy on the synthetic mixed workload"
nicsched eval "$out/policy.yaml" --workload mixed -o "$out/eval-mixed"
step "eval: CFS vs the learned policy on the recorded trace"
nicsched eval "$out/policy.yaml" --workload "$out/trace.jsonl" -o "$out/eval-trace"

step "done: $out (policy.yaml, data.card.md, eval-*/report.md with SVG plots)"
