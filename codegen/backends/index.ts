/** Every backend `nicsched compile` runs, in order. */

import type { EmittedFile } from '../util/output.js';
import type { Backend } from './backend.js';
import { goldenBackend } from './golden-backend.js';
import { irBackend } from './ir-backend.js';
import { hlsBackend } from './hls/hls-backend.js';
import { hookBackend } from './hook/hook-backend.js';
import { rtlBackend } from './rtl/rtl-backend.js';
import { regmapBackend } from './regmap-backend.js';
import type { CompiledPolicy } from '../compiled.js';

export const BACKENDS: readonly Backend[] = [irBackend, goldenBackend, regmapBackend, rtlBackend, hlsBackend, hookBackend];

export function emitAll(policy: CompiledPolicy, backends: readonly Backend[] = BACKENDS): EmittedFile[] {
  return backends.flatMap((b) => b.emit(policy));
}
