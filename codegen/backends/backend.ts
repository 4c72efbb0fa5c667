/**
 * A backend exports the IR to files. Backends are pure: they return file contents and never touch
 * the disk; the CLI writes everything at once (util/output.ts).
 */

import type { CompiledPolicy } from '../ir/ir.js';

export interface EmittedFile {
  /** Relative to the output directory, with forward slashes. */
  path: string;
  contents: string;
}

export interface Backend {
  name: string;
  description: string;
  emit(policy: CompiledPolicy): EmittedFile[];
}
