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

/**
 * The most nice levels the scheduler hook lets a decision move a task: the kernel patch's
 * SCHED_NIC_NICE_MAX (include/linux/sched/nic.h) and the module's generated NSH_NICE_LIMIT are this
 * bound (the module checks the two agree when it builds). An action may ask for up to
 * LIMITS.maxNiceDelta; the hook applies hookAdjustment() of it.
 */
export const HOOK_NICE_LIMIT = 8;

/** The adjustment the hook applies for an action's nice: clamped to ±HOOK_NICE_LIMIT (nsh_clamp_nice). */
export function hookAdjustment(nice: number): number {
  return Math.max(-HOOK_NICE_LIMIT, Math.min(HOOK_NICE_LIMIT, nice));
}
