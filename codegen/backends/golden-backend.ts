/**
 * golden/: the standard test vectors and the golden model's answers, for testbenches and for users
 * who bring their own implementation.
 */

import { GoldenModel } from '../golden/model.js';
import { testVectors } from '../golden/vectors.js';
import { formatIntCsv } from '../util/csv.js';
import type { Backend } from './backend.js';

const GOLDEN_SEED = 1;
const GOLDEN_COUNT = 2000;

export const goldenBackend: Backend = {
  name: 'golden',
  description: 'golden/vectors.csv and golden/expected.csv: corner, tie and random vectors with the exact answers',
  emit(policy) {
    const model = new GoldenModel(policy.ir);
    const vectors = testVectors(policy.ir, GOLDEN_COUNT, GOLDEN_SEED);
    const results = vectors.map((v) => model.infer(v));
    const scoreNames = Array.from({ length: policy.ir.outputs }, (_, k) => `score${k}`);
    const expected = results.map((r) => [r.action ?? -1, ...r.scores]);
    return [
      {
        path: 'golden/vectors.csv',
        contents: formatIntCsv(
          policy.ir.features.map((f) => f.name),
          vectors,
        ),
      },
      { path: 'golden/expected.csv', contents: formatIntCsv(['action', ...scoreNames], expected) },
    ];
  },
};
