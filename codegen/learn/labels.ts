/**
 * Label rules: how a trace sample becomes a target action for training. Rules name actions, not
 * indices; the template's `actions` list maps names to outputs (learn/dataset.ts).
 * Features are the catalogue integers (codegen/spec/catalogue.ts) by source name; a source the
 * sample lacks reads as 0.
 *
 * heuristic (imitation of the hand rule the reference policy was first fitted to):
 *   strong_boost  wait_log2 >= 24 and run_log2 <= 20        waited ~8 ms+, ran < ~1 ms
 *   boost         wait_log2 >= 20 and run_log2 <= 22,       waited ~0.5 ms+, ran briefly,
 *                 or vol_switches >= 8 and run_log2 <= 20   or an interactive sleeper
 *   demote        run_log2 >= 24 and vol_switches <= 1      a CPU hog that never blocks
 *                 and util >= 128
 *   keep          otherwise
 * (wait_log2 = wait_ns_log2, run_log2 = exec_ns_log2, vol_switches = nvcsw_delta, util = util_avg.)
 *
 * outcome (what happened to the task in its NEXT window, i.e. its next sample in the trace):
 *   demote        this window: run_log2 >= 24 and vol_switches <= 1    a hog now (checked first)
 *   strong_boost  next window: wait_log2 >= 24                         it will wait >= 2^23 ns ≈ 8.4 ms
 *   boost         next window: wait_log2 >= 20                         it will wait >= 2^19 ns ≈ 0.5 ms
 *   keep          otherwise
 *   A sample without a next sample of the same task has no label and is dropped (counted).
 *
 * counterfactual (learn/counterfactual.ts): the workload runs in the eval simulator and, at a
 *   decision point, the simulator is continued once per action; the label is the action whose
 *   continuation cost least (tail-weighted interactive latency plus lost batch work). Not a rule on
 *   the features: what each action would have done for that task at that moment.
 *
 * An action the policy lacks falls back: strong_boost → boost → keep, demote → keep.
 */

export type LabelRule = 'heuristic' | 'outcome' | 'counterfactual';
/** Rules computed from trace samples (counterfactual labels come from the simulator instead). */
export const LABEL_RULES: readonly LabelRule[] = ['heuristic', 'outcome', 'counterfactual'];
export type ActionName = 'keep' | 'boost' | 'demote' | 'strong_boost';

export type Features = Readonly<Record<string, number>>;

const get = (f: Features, source: string): number => f[source] ?? 0;

export function heuristicAction(f: Features): ActionName {
  const wait = get(f, 'wait_ns_log2');
  const run = get(f, 'exec_ns_log2');
  const vol = get(f, 'nvcsw_delta');
  const util = get(f, 'util_avg');
  if (wait >= 24 && run <= 20) return 'strong_boost';
  if ((wait >= 20 && run <= 22) || (vol >= 8 && run <= 20)) return 'boost';
  if (run >= 24 && vol <= 1 && util >= 128) return 'demote';
  return 'keep';
}

function isHog(f: Features): boolean {
  return get(f, 'exec_ns_log2') >= 24 && get(f, 'nvcsw_delta') <= 1;
}

export function outcomeAction(now: Features, next: Features): ActionName {
  if (isHog(now)) return 'demote';
  const nextWait = get(next, 'wait_ns_log2');
  if (nextWait >= 24) return 'strong_boost';
  if (nextWait >= 20) return 'boost';
  return 'keep';
}

const FALLBACK: Record<ActionName, ActionName | null> = { strong_boost: 'boost', boost: 'keep', demote: 'keep', keep: null };

/** Output index of an action name in `actions`, following the fallbacks; null if not even `keep` exists. */
export function actionIndex(actions: readonly string[], name: ActionName): number | null {
  let n: ActionName | null = name;
  while (n !== null) {
    const i = actions.indexOf(n);
    if (i >= 0) return i;
    n = FALLBACK[n];
  }
  return null;
}
