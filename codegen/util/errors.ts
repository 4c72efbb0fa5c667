/**
 * User-facing errors. Every error about bad input names its place (file:line:col and/or a JSON
 * pointer) and says what would fix it. The CLI maps these to exit code 1; anything else is a bug
 * (exit code 2).
 */

export interface SourceLocation {
  file?: string;
  line?: number; // 1-based
  col?: number; // 1-based
  pointer?: string; // RFC 6901 JSON pointer into the policy document
}

export interface Diagnostic extends SourceLocation {
  message: string;
  hint?: string;
}

function formatLocation(loc: SourceLocation): string {
  let where = loc.file ?? '';
  if (loc.line !== undefined) where += `${where ? ':' : ''}${loc.line}:${loc.col ?? 1}`;
  if (loc.pointer !== undefined) where += `${where ? ': ' : ''}${loc.pointer === '' ? '/' : loc.pointer}`;
  return where;
}

function formatDiagnostic(d: Diagnostic): string {
  const where = formatLocation(d);
  const hint = d.hint ? ` (fix: ${d.hint})` : '';
  return `${where ? `${where}: ` : ''}${d.message}${hint}`;
}

/** An error caused by the user's input: exit code 1. */
export class InputError extends Error {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[] | Diagnostic) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
    super(list.map(formatDiagnostic).join('\n'));
    this.name = 'InputError';
    this.diagnostics = list;
  }
}

export function inputError(message: string, loc: SourceLocation = {}, hint?: string): InputError {
  return new InputError({ ...loc, message, ...(hint ? { hint } : {}) });
}

/** JSON pointer from path segments (RFC 6901 escaping). */
export function toPointer(path: ReadonlyArray<string | number>): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Path segments from a JSON pointer. */
export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
