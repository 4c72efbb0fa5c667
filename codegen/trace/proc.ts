/**
 * Reading one task's raw scheduler counters from /proc/<pid>/task/<tid>/{schedstat,sched,status,stat}.
 * A file this kernel does not have (sched without CONFIG_SCHED_DEBUG) or a field it does not show
 * (wakee_flips) is recorded as null; a task that vanished or cannot be read throws TaskUnreadable.
 */

import { readFileSync, readdirSync } from 'node:fs';
import type { RawCounters } from './format.js';

export class TaskUnreadable extends Error {}

export interface TaskReading {
  pid: number;
  tid: number;
  comm: string;
  raw: RawCounters;
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM') return null;
    throw err;
  }
}

function readRequired(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TaskUnreadable(`${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function toNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const v = Number(text.trim());
  return Number.isFinite(v) ? v : null;
}

/** schedstat: "<exec_ns> <wait_ns> <timeslices>". */
function parseSchedstat(text: string): { exec_ns: number | null; wait_ns: number | null } {
  const [exec, wait] = text.trim().split(/\s+/);
  return { exec_ns: toNumber(exec), wait_ns: toNumber(wait) };
}

/** A "key : value" line of /proc/<pid>/sched; null when absent. */
function schedField(text: string | null, key: string): number | null {
  if (text === null) return null;
  const re = new RegExp(`^${key.replace(/\./g, '\\.')}\\s*:\\s*(-?[0-9.]+)\\s*$`, 'm');
  const m = re.exec(text);
  return m ? toNumber(m[1]) : null;
}

/** A "Key:\tvalue" line of /proc/<pid>/status; null when absent. */
function statusField(text: string, key: string): number | null {
  const m = new RegExp(`^${key}:\\s*(-?\\d+)`, 'm').exec(text);
  return m ? toNumber(m[1]) : null;
}

/** /proc/<pid>/stat: comm is in parentheses (and may hold spaces); nice is field 19. */
export function parseStat(text: string): { comm: string; nice: number | null } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const comm = open >= 0 && close > open ? text.slice(open + 1, close) : '';
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/); // field 3 onwards
  return { comm, nice: toNumber(rest[19 - 3]) };
}

export function readTask(pid: number, tid: number, procRoot = '/proc'): TaskReading {
  const dir = `${procRoot}/${pid}/task/${tid}`;
  const stat = parseStat(readRequired(`${dir}/stat`));
  const schedstat = parseSchedstat(readRequired(`${dir}/schedstat`));
  const status = readRequired(`${dir}/status`);
  const sched = readOptional(`${dir}/sched`);
  const raw: RawCounters = {
    wait_ns: schedstat.wait_ns,
    exec_ns: schedstat.exec_ns,
    nvcsw: statusField(status, 'voluntary_ctxt_switches'),
    nivcsw: statusField(status, 'nonvoluntary_ctxt_switches'),
    util_avg: schedField(sched, 'se.avg.util_avg'),
    nr_migrations: schedField(sched, 'se.nr_migrations'),
    nice: stat.nice,
    wakee_flips: schedField(sched, 'wakee_flips'),
    stint_ns: null, // se.prev_sum_exec_runtime is not shown in /proc
  };
  return { pid, tid, comm: stat.comm, raw };
}

/** Thread ids of a process; throws TaskUnreadable when the process is gone. */
export function listTids(pid: number, procRoot = '/proc'): number[] {
  try {
    return readdirSync(`${procRoot}/${pid}/task`)
      .map(Number)
      .filter(Number.isInteger)
      .sort((a, b) => a - b);
  } catch (err) {
    throw new TaskUnreadable(`${procRoot}/${pid}/task: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Every numeric pid in /proc. */
export function listPids(procRoot = '/proc'): number[] {
  return readdirSync(procRoot)
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}
