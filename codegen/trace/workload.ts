/**
 * `--workload mixed`: a small synthetic workload of child processes on this machine, so a trace has
 * labelled behaviour to learn from. Each child is a one-line perl program (single-threaded, starts
 * in milliseconds, so every task of the child is the behaviour itself):
 *
 *   interactive  sleep 5–50 ms, then spin 0.2–2 ms, forever          (a latency-sensitive sleeper)
 *   periodic     spin 10 ms, sleep 10 ms, forever                    (a half-busy service)
 *   batch        spin forever                                         (a CPU hog that never blocks)
 *
 * Children are killed (SIGKILL) when the trace ends, also on error.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { inputError } from '../util/errors.js';

export interface WorkloadTask {
  pid: number;
  class: string;
  child: ChildProcess;
}

const PROGRAMS: Record<string, string> = {
  interactive: 'use Time::HiRes qw(sleep time); srand($ARGV[0]); while (1) { sleep(0.005 + rand(0.045)); my $t = time + 0.0002 + rand(0.0018); 1 while time < $t; }',
  periodic: 'use Time::HiRes qw(sleep time); while (1) { my $t = time + 0.010; 1 while time < $t; sleep(0.010); }',
  batch: 'my $x = 0; while (1) { $x++ }',
};

/** The mixed workload: 4 interactive sleepers, 1 periodic task, 2 batch hogs. */
const MIXED: ReadonlyArray<{ class: string; count: number }> = [
  { class: 'interactive', count: 4 },
  { class: 'periodic', count: 1 },
  { class: 'batch', count: 2 },
];

const WORKLOADS = ['mixed'] as const;

function spawnOne(cls: string, seed: number): WorkloadTask {
  const program = PROGRAMS[cls];
  if (!program) throw new Error(`workload: unknown class ${cls}`);
  const child = spawn('perl', ['-e', program, String(seed)], { stdio: 'ignore' });
  if (child.pid === undefined) throw inputError('cannot start the workload: perl is not on PATH', {}, 'install perl (the workload children are perl one-liners)');
  return { pid: child.pid, class: cls, child };
}

export function startWorkload(name: string): WorkloadTask[] {
  if (name !== 'mixed') throw inputError(`unknown workload "${name}"`, {}, `use one of: ${WORKLOADS.join(', ')}`);
  const tasks: WorkloadTask[] = [];
  try {
    let seed = 1;
    for (const { class: cls, count } of MIXED) for (let k = 0; k < count; k++) tasks.push(spawnOne(cls, seed++));
  } catch (err) {
    stopWorkload(tasks);
    throw err;
  }
  return tasks;
}

export function stopWorkload(tasks: readonly WorkloadTask[]): void {
  for (const t of tasks) {
    if (t.child.exitCode === null && t.child.signalCode === null) t.child.kill('SIGKILL');
  }
}
