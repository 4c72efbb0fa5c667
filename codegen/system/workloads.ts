/**
 * The guest's workloads: names the command and the docs use, and the nsload (sim/guest/nsload.c)
 * arguments they run. Sizes are chosen for a TCG guest (docs/SYSTEM.md).
 */

import { inputError } from '../util/errors.js';

export const WORKLOADS = ['hackbench', 'schbench', 'timer', 'mixed'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/** nsload's arguments for a workload of about `seconds` (hackbench runs a fixed message count). */
export function nsloadArgs(name: WorkloadName, seconds: number): string {
  switch (name) {
    case 'hackbench':
      return 'pipes -g 2 -f 10 -l 50';
    case 'schbench':
      return `msg -m 2 -w 4 -u 50 -t 1000 -d ${seconds}`;
    case 'timer':
      return `timer -p 20000 -u 500 -b 1 -d ${seconds}`;
    case 'mixed':
      return `mixed -i 4 -b 2 -d ${seconds}`;
  }
}

export function parseWorkloads(spec: string): WorkloadName[] {
  const names = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length) throw inputError('--workload is empty', {}, `name one or more of ${WORKLOADS.join(', ')}, comma-separated`);
  for (const n of names) {
    if (!(WORKLOADS as readonly string[]).includes(n)) throw inputError(`unknown workload "${n}" (--workload)`, {}, `use ${WORKLOADS.join(', ')}, comma-separated`);
  }
  return names as WorkloadName[];
}

/** One nsload result line (sim/guest/nsload.c prints one JSON object). */
export type WorkloadResult = Record<string, unknown> & { workload: string };

export function parseWorkloadResult(output: string, command: string): WorkloadResult {
  const line = output.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`nsload printed no result line for "${command}":\n${output}`);
  return JSON.parse(line) as WorkloadResult;
}
