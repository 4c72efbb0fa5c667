/**
 * The end-to-end check of decisions: every doorbell the card logged against the golden model, and
 * the guest's decision log (the hook's debugfs "decisions") against the card's answers.
 *
 *   card log      slot, tag, features, the RTL's action           (sim/card, one line per doorbell)
 *   golden model  the action for those features                   (must equal the card's)
 *   guest log     per CPU, in order: answers the hook took from its slot (tag, action, request id)
 *                 and decisions it installed in tasks (request's tag, action, id)
 *
 * A CPU's answers are its slot's doorbells with its tags, in order, so they are matched to the
 * card's log by walking that slot's doorbells; an install is matched to the answer with its tag
 * and request id. Tags never collide between CPUs that share a slot, and a CPU's consecutive
 * requests differ in tag, so this matching is exact while a CPU has fewer than 256 unanswered
 * doorbells in a row.
 */

import type { GoldenModel } from '../golden/model.js';
import type { Doorbell } from './card.js';
import type { DecisionLog, LogEntry } from './debugfs.js';

export interface GoldenMismatch {
  seq: number;
  slot: number;
  features: number[];
  card: number;
  golden: number[];
}

export interface GuestMismatch {
  cpu: number;
  kind: LogEntry['kind'];
  tag: number;
  id: number;
  guest: number;
  card: number | null;
  seq: number | null;
}

export interface DecisionCheck {
  doorbells: number;
  /** Doorbells the card answered (VALID with the doorbell's tag). */
  answered: number;
  goldenMismatches: GoldenMismatch[];
  /** Guest answer entries (kinds answer/range/stale) and how many matched a doorbell. */
  guestAnswers: number;
  guestAnswersMatched: number;
  installs: number;
  installsMatched: number;
  /** Doorbells the guest logged an answer to: the rest were abandoned or missed. */
  doorbellsSeenByGuest: number;
  guestMismatches: GuestMismatch[];
  /** A CPU's log ring overflowed: only its newest entries were checked. */
  truncatedCpus: number[];
}

/**
 * @param models the golden models a doorbell may be answered by (one, or two around a weight
 *   reload); the card's action must equal one of theirs.
 * @param cpuSlot the slot each CPU submits on (the hook's cpus file).
 */
export function checkDecisions(doorbells: readonly Doorbell[], modelsFor: (d: Doorbell) => readonly GoldenModel[], log: DecisionLog, cpuSlot: ReadonlyMap<number, number>): DecisionCheck {
  const goldenMismatches: GoldenMismatch[] = [];
  let answered = 0;
  for (const d of doorbells) {
    if (!d.answered || d.features === null || d.action === null) continue;
    answered++;
    const golden = modelsFor(d).map((m) => m.inferAction(d.features!));
    if (!golden.includes(d.action)) goldenMismatches.push({ seq: d.seq, slot: d.slot, features: d.features, card: d.action, golden });
  }

  const bySlot = new Map<number, Doorbell[]>();
  for (const d of doorbells) {
    if (!d.delivered) continue;
    const list = bySlot.get(d.slot) ?? [];
    list.push(d);
    bySlot.set(d.slot, list);
  }

  const guestMismatches: GuestMismatch[] = [];
  const answerAction = new Map<string, number>();
  const seenSeqs = new Set<number>();
  let guestAnswers = 0;
  let guestAnswersMatched = 0;
  const cpus = [...new Set(log.entries.map((e) => e.cpu))].sort((a, b) => a - b);
  for (const cpu of cpus) {
    const slotDoorbells = bySlot.get(cpuSlot.get(cpu) ?? -1) ?? [];
    let next = 0;
    for (const e of log.entries) {
      if (e.cpu !== cpu || e.kind === 'install') continue;
      guestAnswers++;
      let k = next;
      while (k < slotDoorbells.length && slotDoorbells[k]!.tag !== e.tag) k++;
      const d = slotDoorbells[k];
      if (!d) {
        guestMismatches.push({ cpu, kind: e.kind, tag: e.tag, id: e.id, guest: e.action, card: null, seq: null });
        continue;
      }
      next = k + 1;
      guestAnswersMatched++;
      seenSeqs.add(d.seq);
      // the card logs no action when the answer came after its drain bound (a slow card)
      if (d.action === null) continue;
      answerAction.set(`${e.slot}:${e.tag}:${e.id}`, d.action);
      if (d.action !== e.action) guestMismatches.push({ cpu, kind: e.kind, tag: e.tag, id: e.id, guest: e.action, card: d.action, seq: d.seq });
    }
  }

  let installs = 0;
  let installsMatched = 0;
  for (const e of log.entries) {
    if (e.kind !== 'install') continue;
    installs++;
    const card = answerAction.get(`${e.slot}:${e.tag}:${e.id}`);
    if (card === undefined) continue; // answered before the kept part of the log
    installsMatched++;
    if (card !== e.action) guestMismatches.push({ cpu: e.cpu, kind: e.kind, tag: e.tag, id: e.id, guest: e.action, card, seq: null });
  }

  const truncatedCpus = [...log.cpus].filter(([, c]) => c.kept < c.logged).map(([cpu]) => cpu);
  return {
    doorbells: doorbells.length,
    answered,
    goldenMismatches,
    guestAnswers,
    guestAnswersMatched,
    installs,
    installsMatched,
    doorbellsSeenByGuest: seenSeqs.size,
    guestMismatches,
    truncatedCpus,
  };
}

/** The slot of each CPU, from the hook's cpus table. */
export function cpuSlots(cpusTable: ReadonlyArray<Record<string, number>>): Map<number, number> {
  return new Map(cpusTable.map((row) => [row.cpu!, row.slot!]));
}
