/**
 * A backend exports the IR to files. Backends are pure: they return file contents and never touch
 * the disk; the CLI writes everything at once (util/output.ts).
 */

import type { CompiledPolicy } from '../compiled.js';
import type { EmittedFile } from '../util/output.js';

export interface Backend {
  name: string;
  description: string;
  emit(policy: CompiledPolicy): EmittedFile[];
}
