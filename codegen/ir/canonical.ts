/**
 * Canonical JSON and the policy hash. Canonical form: object keys sorted by code point, no
 * whitespace, integers printed plainly (the IR holds only integers, booleans, strings and arrays).
 * The same policy written as YAML or JSON, in any key order, hashes the same.
 */

import { createHash } from 'node:crypto';
import { hexDigits } from '../util/hex.js';
import type { Ir } from './ir.js';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonical JSON cannot hold ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`canonical JSON cannot hold a ${typeof value}`);
}

/** SHA-256 of the canonical IR, lower-case hex. */
export function policyHash(ir: Ir): string {
  return createHash('sha256').update(canonicalJson(ir)).digest('hex');
}

/** The first 32 bits (big-endian) of a hex SHA-256 digest. */
export function digest32(digest: string): number {
  return Number.parseInt(digest.slice(0, 8), 16);
}

/** The first 16 hex digits of a SHA-256 digest: how messages and reports name a policy or a file. */
export function shortHash(digest: string): string {
  return digest.slice(0, 16);
}

/** The first 32 bits of the policy hash, as the POLICY_HASH register holds them. */
export function policyHash32(hash: string): number {
  return digest32(hash);
}

/** The same 32 bits as 8 lower-case hex digits, as generated headers print them. */
export function policyHash32Hex(hash: string): string {
  return hexDigits(policyHash32(hash), 8);
}
