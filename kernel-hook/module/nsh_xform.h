/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nicsched_hook: the integer transforms of the feature catalogue (codegen/spec/catalogue.ts),
 * fused with saturation to the policy's input format [lo, hi].
 *
 * The generated nicsched_hook_policy.h names one of these per catalogue source. Each is exact
 * for every raw value: u64 for monotonic counters (deltas), s64 for levels, with no intermediate
 * overflow, so the result equals the catalogue's featureValue() (BigInt arithmetic) on the same
 * raw value. Integers only: no FP in the kernel.
 */
#ifndef NSH_XFORM_H
#define NSH_XFORM_H

#include <linux/bitops.h>
#include <linux/limits.h>
#include <linux/types.h>

static inline s32 nsh_sat_s64(s64 v, s32 lo, s32 hi)
{
	if (v > hi)
		return hi;
	if (v < lo)
		return lo;
	return (s32)v;
}

static inline s32 nsh_sat_u64(u64 v, s32 lo, s32 hi)
{
	if (hi < 0 || v > (u64)hi)
		return hi;
	if (lo > 0 && v < (u64)lo)
		return lo;
	return (s32)v;
}

/* identity: x */
static inline s32 nsh_xf_identity_u64(u64 x, s32 lo, s32 hi)
{
	return nsh_sat_u64(x, lo, hi);
}

static inline s32 nsh_xf_identity_s64(s64 x, s32 lo, s32 hi)
{
	return nsh_sat_s64(x, lo, hi);
}

/* bitlen: 0 for x <= 0, else floor(log2 x) + 1 */
static inline s32 nsh_xf_bitlen_u64(u64 x, s32 lo, s32 hi)
{
	return nsh_sat_s64(fls64(x), lo, hi);
}

static inline s32 nsh_xf_bitlen_s64(s64 x, s32 lo, s32 hi)
{
	return nsh_sat_s64(x <= 0 ? 0 : fls64((u64)x), lo, hi);
}

/* shr: x >> by, arithmetic for levels (floor, like BigInt >>) */
static inline s32 nsh_xf_shr_u64(u64 x, unsigned int by, s32 lo, s32 hi)
{
	return nsh_sat_u64(x >> by, lo, hi);
}

static inline s32 nsh_xf_shr_s64(s64 x, unsigned int by, s32 lo, s32 hi)
{
	return nsh_sat_s64(x >> by, lo, hi);
}

/*
 * offset: x + add, |add| < 2^31. Beyond +-2^62 the sum is far outside any input format
 * (at most 16 bits), so it saturates without being computed.
 */
static inline s32 nsh_xf_offset_u64(u64 x, s32 add, s32 lo, s32 hi)
{
	if (x > (u64)S64_MAX / 2)
		return hi;
	return nsh_sat_s64((s64)x + add, lo, hi);
}

static inline s32 nsh_xf_offset_s64(s64 x, s32 add, s32 lo, s32 hi)
{
	if (x > S64_MAX / 2)
		return hi;
	if (x < S64_MIN / 2)
		return lo;
	return nsh_sat_s64(x + add, lo, hi);
}

#endif /* NSH_XFORM_H */
