/**
 * What a policy was trained on, and whether an evaluation reuses it. `nicsched train` writes one
 * comment line into the policy it makes:
 *
 *   # provenance: {"synthetic":[{"generator":"mixed","seeds":[1000,1015]}],"traces":[{"file":"…","sha256":"…","window":[0,0.7]}]}
 *
 * (synthetic workloads by generator and inclusive seed range; traces by content hash and the
 * share of their time span used). `nicsched eval` reads it back and flags every workload whose
 * seed, or whose trace window, overlaps the training data: an in-sample figure.
 */

import { readFileSync } from 'node:fs';
import type { WorkloadOrigin } from './workload.js';

export interface Provenance {
  synthetic: { generator: string; seeds: [number, number] }[];
  traces: { file: string; sha256: string; window: [number, number] }[];
}

const PROVENANCE_PREFIX = '# provenance: ';

export function provenanceLine(p: Provenance): string {
  return `provenance: ${JSON.stringify(p)}`;
}

/** The provenance comment of a policy file, or null when it has none (or it does not parse). */
export function readProvenance(policyFile: string): Provenance | null {
  let text: string;
  try {
    text = readFileSync(policyFile, 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n').find((l) => l.startsWith(PROVENANCE_PREFIX));
  if (!line) return null;
  try {
    const p = JSON.parse(line.slice(PROVENANCE_PREFIX.length)) as Partial<Provenance>;
    return { synthetic: p.synthetic ?? [], traces: p.traces ?? [] };
  } catch {
    return null;
  }
}

export type SampleStatus = 'held-out' | 'in-sample' | 'unknown';

/** Is this run's workload (a seed of a generator, or a trace window) part of the training data? */
function sampleStatus(p: Provenance | null, origin: WorkloadOrigin | undefined): SampleStatus {
  if (!p || !origin) return 'unknown';
  if (origin.kind === 'synthetic') {
    const hit = p.synthetic.some((s) => s.generator === origin.generator && origin.seed >= s.seeds[0] && origin.seed <= s.seeds[1]);
    return hit ? 'in-sample' : 'held-out';
  }
  const hit = p.traces.some((t) => t.sha256 === origin.sha256 && origin.window.from < t.window[1] && t.window[0] < origin.window.to);
  return hit ? 'in-sample' : 'held-out';
}

/** One status for a workload over all its seeds: in-sample if any seed is. */
export function workloadStatus(p: Provenance | null, origins: readonly WorkloadOrigin[]): SampleStatus {
  const all = origins.map((o) => sampleStatus(p, o));
  if (all.length === 0 || all.includes('unknown')) return 'unknown';
  return all.includes('in-sample') ? 'in-sample' : 'held-out';
}
