/** Default formats of an imported policy (docs/IMPORT.md). Kept apart so the CLI can name them without loading protobufjs. */

export const DEFAULT_INPUT_FORMAT = { bits: 8, frac: 0, signed: false } as const;
export const DEFAULT_WEIGHT_BITS = 8;
export const DEFAULT_ACTIVATION_BITS = 16;
