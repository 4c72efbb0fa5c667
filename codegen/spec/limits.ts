/**
 * Documented maxima of policy spec v1. They keep every integer path of the golden model exact in
 * doubles (accumulators ≤ 42 bits by construction, ≤ 48 checked; shifts ≤ 32) and every policy inside the register map
 * (docs/HARDWARE.md): at most 64 features and 32 outputs per slot, at most 64 slots.
 */
export const LIMITS = {
  /** Network inputs (features). */
  maxInputs: 64,
  /** Units of a hidden layer. */
  maxUnits: 256,
  /** Units of the last layer (= actions for head argmax, = SCORE registers per slot). */
  maxOutputs: 32,
  maxLayers: 8,
  /** Width of input, weight and output formats. */
  minBits: 1,
  maxBits: 16,
  /** Fraction bits of any format. */
  minFrac: -8,
  maxFrac: 24,
  /** |acc.frac - out.frac|: requantize shift magnitude. */
  maxShift: 32,
  /** The widest accumulator the IR will derive (DSP48E2's P register). */
  maxAccBits: 48,
  maxSlots: 64,
  maxReuse: 64,
  minClockMhz: 10,
  maxClockMhz: 600,
  maxNameLength: 32,
  maxActions: 32,
  /** |nice| adjustment an action may request. */
  maxNiceDelta: 19,
  /** decision_ttl_ms: the kernel ignores a decision that expires more than SCHED_NIC_TTL_MAX_NS (1 s) ahead. */
  maxTtlMs: 1_000,
  maxStallTimeoutMs: 10_000,
} as const;
