/**
 * Reading a trace (JSON Lines, codegen/trace/format.ts) with located errors: every problem names
 * file:line and the field (a JSON pointer into that line's object) and says how to fix it.
 */

import { readFileSync } from 'node:fs';
import { FEATURE_SOURCE_NAMES } from '../spec/catalogue.js';
import { inputError } from '../util/errors.js';
import { TRACE_FORMAT_VERSION, type RawCounters, type TraceHeader, type TraceSample } from './format.js';

export interface Trace {
  file: string;
  header: TraceHeader;
  samples: TraceSample[];
  /** 1-based line of each sample, parallel to `samples`. */
  lines: number[];
}

const RAW_KEYS: ReadonlyArray<keyof RawCounters> = ['wait_ns', 'exec_ns', 'nvcsw', 'nivcsw', 'util_avg', 'nr_migrations', 'nice', 'wakee_flips', 'stint_ns'];
/** Counters added after format 1's first traces: a sample without them reads them as null. */
const LATER_RAW_KEYS: ReadonlyArray<keyof RawCounters> = ['stint_ns'];

type Obj = Record<string, unknown>;

class LineChecker {
  constructor(
    readonly file: string,
    readonly line: number,
  ) {}

  fail(pointer: string, message: string, hint: string): never {
    throw inputError(message, { file: this.file, line: this.line, pointer }, hint);
  }

  object(value: unknown, pointer: string): Obj {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(pointer, 'expected an object', 'see codegen/trace/format.ts');
    return value as Obj;
  }

  integer(obj: Obj, key: string, pointer = `/${key}`): number {
    const v = obj[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(pointer, `"${key}" must be an integer, got ${JSON.stringify(v) ?? 'nothing'}`, `write "${key}" as an integer`);
    return v;
  }

  string(obj: Obj, key: string): string {
    const v = obj[key];
    if (typeof v !== 'string') this.fail(`/${key}`, `"${key}" must be a string, got ${JSON.stringify(v) ?? 'nothing'}`, `write "${key}" as a string`);
    return v;
  }
}

function parseJsonLine(file: string, line: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw inputError(`not valid JSON: ${(err as Error).message}`, { file, line, col: 1 }, 'each line of a trace is one JSON object');
  }
}

function checkHeader(c: LineChecker, value: unknown): TraceHeader {
  const o = c.object(value, '');
  if (o['type'] !== 'header') c.fail('/type', 'the first line must be the trace header ("type": "header")', 'record traces with `nicsched trace`');
  if (o['version'] !== TRACE_FORMAT_VERSION) c.fail('/version', `unsupported trace version ${JSON.stringify(o['version'])}`, `this nicsched reads version ${TRACE_FORMAT_VERSION}`);
  const features = o['features'];
  if (!Array.isArray(features) || features.some((f) => typeof f !== 'string' || !FEATURE_SOURCE_NAMES.includes(f))) {
    c.fail('/features', '"features" must list catalogue source names', `use names from: ${FEATURE_SOURCE_NAMES.join(', ')}`);
  }
  const header: TraceHeader = {
    type: 'header',
    version: TRACE_FORMAT_VERSION,
    source: c.string(o, 'source'),
    host: c.string(o, 'host'),
    kernel: c.string(o, 'kernel'),
    interval_ms: c.integer(o, 'interval_ms'),
    started: c.string(o, 'started'),
    features: features as string[],
  };
  return header;
}

function checkRaw(c: LineChecker, value: unknown): RawCounters {
  const o = c.object(value, '/raw');
  const raw = {} as RawCounters;
  for (const key of RAW_KEYS) {
    const v = o[key] === undefined && LATER_RAW_KEYS.includes(key) ? null : o[key];
    if (v !== null && (typeof v !== 'number' || !Number.isSafeInteger(v))) c.fail(`/raw/${key}`, `raw counter "${key}" must be an integer or null, got ${JSON.stringify(v) ?? 'nothing'}`, 'write the counter as /proc shows it, or null where the kernel lacks it');
    raw[key] = v as number | null;
  }
  for (const key of Object.keys(o)) if (!(RAW_KEYS as string[]).includes(key)) c.fail(`/raw/${key}`, `unknown raw counter "${key}"`, `use: ${RAW_KEYS.join(', ')}`);
  return raw;
}

function checkFeatures(c: LineChecker, value: unknown): Record<string, number> | null {
  if (value === null) return null;
  const o = c.object(value, '/features');
  for (const [key, v] of Object.entries(o)) {
    if (!FEATURE_SOURCE_NAMES.includes(key)) c.fail(`/features/${key}`, `unknown feature source "${key}"`, `use names from: ${FEATURE_SOURCE_NAMES.join(', ')}`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) c.fail(`/features/${key}`, `feature "${key}" must be an integer, got ${JSON.stringify(v)}`, 'features are the catalogue transforms of the raw counters');
  }
  return o as Record<string, number>;
}

function checkSample(c: LineChecker, value: unknown): TraceSample {
  const o = c.object(value, '');
  if (o['type'] !== 'sample') c.fail('/type', `expected "type": "sample", got ${JSON.stringify(o['type'])}`, 'only the first line is a header');
  const sample: TraceSample = {
    type: 'sample',
    t_ns: c.integer(o, 't_ns'),
    pid: c.integer(o, 'pid'),
    tid: c.integer(o, 'tid'),
    comm: c.string(o, 'comm'),
    raw: checkRaw(c, o['raw']),
    features: checkFeatures(c, o['features']),
  };
  if (o['class'] !== undefined) sample.class = c.string(o, 'class');
  return sample;
}

export function parseTrace(text: string, file: string): Trace {
  const rows = text.split('\n');
  if (rows[rows.length - 1] === '') rows.pop();
  if (rows.length === 0) throw inputError('empty trace', { file, line: 1, col: 1 }, 'record one with `nicsched trace`');
  const header = checkHeader(new LineChecker(file, 1), parseJsonLine(file, 1, rows[0]!));
  const samples: TraceSample[] = [];
  const lines: number[] = [];
  let lastT = -Infinity;
  rows.slice(1).forEach((text, k) => {
    const line = k + 2;
    const c = new LineChecker(file, line);
    const sample = checkSample(c, parseJsonLine(file, line, text));
    if (sample.t_ns < lastT) c.fail('/t_ns', `samples must be ordered by t_ns (${sample.t_ns} < ${lastT})`, 'sort the samples by t_ns');
    lastT = sample.t_ns;
    samples.push(sample);
    lines.push(line);
  });
  return { file, header, samples, lines };
}

export function readTrace(file: string): Trace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw inputError(`cannot read trace: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file }, 'give the path of a .jsonl trace from `nicsched trace`');
  }
  return parseTrace(text, file);
}
