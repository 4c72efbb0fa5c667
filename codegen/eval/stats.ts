/**
 * Confidence intervals over seeds. Every figure `nicsched eval` reports is a mean over N seeded
 * runs with a two-sided 95 % Student-t interval (n − 1 degrees of freedom); a comparison between
 * two variants is the mean of the per-seed paired differences, with the same interval. The t
 * quantile comes from the regularized incomplete beta function (Lentz's continued fraction), so
 * no table limits the number of seeds.
 */

/** ln Γ(x) (Lanczos, g = 7, n = 9; ~15 digits for x > 0). */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (Numerical Recipes' betacf, Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** The CDF of Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t quantile: studentTCdf(q, df) = p (bisection to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`no t quantile for p=${p}, df=${df}`);
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface MeanCi {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1). */
  sd: number;
  /** Half-width of the two-sided 95 % interval (NaN for n < 2). */
  half: number;
  lo: number;
  hi: number;
}

export function meanCi(values: readonly number[], level = 0.95): MeanCi {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, half: NaN, lo: NaN, hi: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: NaN, half: NaN, lo: NaN, hi: NaN };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = (studentTQuantile(1 - (1 - level) / 2, n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, half, lo: mean - half, hi: mean + half };
}

export interface PairedComparison {
  /** policy − baseline, per seed, in the metric's unit. */
  diff: MeanCi;
  /** (policy − baseline) / baseline per seed, in %. */
  relative: MeanCi;
  /** The interval of the difference lies entirely below or above 0. */
  excludesZero: boolean;
}

/** Paired by seed: `a[i]` and `b[i]` come from the same seed. */
export function paired(a: readonly number[], b: readonly number[]): PairedComparison {
  if (a.length !== b.length) throw new RangeError('paired samples need equal lengths');
  const diff = meanCi(a.map((x, i) => x - b[i]!));
  const relative = meanCi(a.map((x, i) => (b[i] === 0 ? 0 : ((x - b[i]!) / b[i]!) * 100)));
  return { diff, relative, excludesZero: diff.n >= 2 && (diff.hi < 0 || diff.lo > 0) };
}

/**
 * The two-sample Kolmogorov–Smirnov distance: the largest vertical gap between the empirical CDFs
 * of `a` and `b` (0: the same distribution of values, 1: no overlap at all).
 */
export function ksDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) throw new RangeError('the KS distance needs two non-empty samples');
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}
