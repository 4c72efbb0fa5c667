/** Finding the external tools the lab commands run (yosys, Vivado, mqnic-fw). Nothing is installed here. */

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** An explicit path (must be executable) or the first `name` on PATH; undefined when not found. */
export function findTool(name: string, explicit?: string, path = process.env.PATH ?? ''): string | undefined {
  if (explicit !== undefined) return isExecutable(explicit) ? explicit : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** A lab tool is missing: the CLI prints `message` and `commands` and exits 3 (EXIT_TOOL_MISSING). */
export class ToolMissingError extends Error {
  constructor(
    readonly tool: string,
    message: string,
    readonly commands: readonly string[],
    /** The line printed before the commands. */
    readonly heading = `run these where ${tool} is available:`,
  ) {
    super(message);
    this.name = 'ToolMissingError';
  }
}
