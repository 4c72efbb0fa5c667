/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace compat for the hook's logic (kernel-hook/module/nsh_logic.c, unchanged). On top of
 * the driver's compat (driver/userspace/compat.h: types, atomics, MMIO as Verilated bus
 * transactions), it adds what the hook uses from the kernel:
 *
 *   fls, fls64, S64_MAX, mul_u32_u32, mul_u64_u32_shr, max, clamp, min_t, __maybe_unused,
 *   __noreturn,
 *   smp_store_release, smp_load_acquire   as in the kernel
 *   struct task_struct   the fields the feature catalogue reads, task_nice(), the scheduling
 *                        entity CFS keeps (vruntime, load weight), and the task_struct::nic the
 *                        scheduler patch adds (the series' own <linux/sched/nic.h>, extracted
 *                        from the patch by build.sh)
 *
 * build.sh generates one <linux/X.h> shim per kernel header the hook and the driver core
 * include; each includes this file.
 */
#ifndef NSH_COMPAT_H

#include "compat.h"

/*
 * compat.h includes system headers that include <linux/...> shims before it defines its types;
 * this file waits until compat.h is complete (nicsched_attr is defined right after its types).
 */
#ifdef nicsched_attr
#define NSH_COMPAT_H

#define __maybe_unused		nicsched_attr(__unused__)
#define __noreturn		nicsched_attr(__noreturn__)
#define S64_MAX			((s64)(~0ULL >> 1))
#define S64_MIN			(-S64_MAX - 1)
#define U64_MAX			(~0ULL)
#define BITS_PER_LONG		64

/* the kernel's type-checking min/max/clamp, reduced to what they compute */
#define max(a, b)							\
({									\
	__typeof__(a) __a = (a);					\
	__typeof__(b) __b = (b);					\
	__a > __b ? __a : __b;						\
})
#define min(a, b)							\
({									\
	__typeof__(a) __a = (a);					\
	__typeof__(b) __b = (b);					\
	__a < __b ? __a : __b;						\
})
#define min_t(type, a, b)	min((type)(a), (type)(b))
#define clamp(v, lo, hi)	min(max(v, lo), hi)

static inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline u64 mul_u32_u32(u32 a, u32 b)
{
	return (u64)a * b;
}

static inline u64 mul_u64_u32_shr(u64 a, u32 mul, unsigned int shift)
{
	return (u64)(((__uint128_t)a * mul) >> shift);
}

/* a release store, as the kernel's (the C11 ordering of the same name) */
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* an acquire load, as the kernel's */
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)

static inline void atomic64_set(atomic64_t *v, s64 i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

#include <linux/sched/nic.h>

#define SCHED_NORMAL		0
#define SCHED_IDLE		5

struct load_weight {
	unsigned long weight;
	u32 inv_weight;
};

struct cfs_rq;

/* What CFS keeps per task that the hooks and the catalogue read, with the kernel's types. */
struct sched_entity {
	struct load_weight load;
	u64 vruntime;
	u64 sum_exec_runtime;
	u64 prev_sum_exec_runtime;
	u64 nr_migrations;
	struct cfs_rq *cfs_rq;
	struct {
		unsigned long util_avg;
	} avg;
};

/* The fields the feature catalogue (codegen/spec/catalogue.ts) names, and CFS's own. */
struct task_struct {
	int static_prio;
	unsigned int policy;
	unsigned long nvcsw;
	unsigned long nivcsw;
	unsigned int wakee_flips;
	struct {
		unsigned long long run_delay;
	} sched_info;
	struct sched_entity se;
	struct sched_nic_task nic;
};

static inline int task_nice(const struct task_struct *p)
{
	return p->static_prio - 120;
}

#endif /* nicsched_attr */
#endif /* NSH_COMPAT_H */
