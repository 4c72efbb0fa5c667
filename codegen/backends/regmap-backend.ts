/** regmap/: the register model in every export format. */

import { REGMAP_FORMATS } from '../regmap/index.js';
import type { Backend } from './backend.js';

export const regmapBackend: Backend = {
  name: 'regmap',
  description: 'regmap/: regmap.json, nicsched_regs.h, nicsched_regs.vh, nicsched_regs.ts, regmap.md, regmap.html',
  emit(policy) {
    return Object.values(REGMAP_FORMATS).map((f) => ({ path: `regmap/${f.file}`, contents: f.emit(policy.regmap) }));
  },
};
