/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace compat for the nicsched core. nicsched_core.c and nicsched_core.h build unchanged:
 * build.sh generates a shim header for each <linux/...> header the core includes; each shim
 * includes this file, which maps what the core uses onto C11/GCC builtins and the bus of
 * nicsched_bus.h (the Verilated RTL):
 *
 *   ioread32/iowrite32   one AXI-Lite transaction each, counted per thread (MMIO figures)
 *   atomics, barriers    __atomic builtins with the kernel's ordering (xchg/cmpxchg full)
 *   ktime_get_ns         simulated time of the model
 *   le32_to_cpu          the identity (x86): the mailbox the card writes is little-endian
 *   dev_err/dev_info     stderr
 *   rcu_read_lock        no-op: the tests never unmap while submitting
 *   usleep_range         no-op: the model's clock only runs during bus transactions, so a wait
 *                        loop advances by polling the register it waits for
 */
#ifndef NICSCHED_COMPAT_H
#define NICSCHED_COMPAT_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

#include "nicsched_bus.h"

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;

#define nicsched_attr(a)	__attribute__((a))
#define __iomem
#define __user
#define ____cacheline_aligned	nicsched_attr(__aligned__(64))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define BIT(n)			(1UL << (n))
#define lower_32_bits(n)	((u32)((n) & 0xffffffff))
#define upper_32_bits(n)	((u32)(((n) >> 16) >> 16))
/* host memory the card writes by DMA is little-endian, as this host */
#define le32_to_cpu(x)		((u32)(x))
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "le32_to_cpu(): little-endian hosts");
#define GENMASK(h, l)		((~0UL << (l)) & (~0UL >> (63 - (h))))
/* exports: nothing to do in one program; a forward declaration keeps the trailing ';' legal */
#define EXPORT_SYMBOL_GPL(sym)	struct nicsched_export_##sym

/* the kernel's SMP barriers as C11 fences */
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)	/* full */
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)	/* load-load */
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)	/* store-store */
/* full barrier before a non-returning atomic (the compat's atomics are relaxed) */
#define smp_mb__before_atomic()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
/* full barrier after a non-returning atomic */
#define smp_mb__after_atomic()	__atomic_thread_fence(__ATOMIC_SEQ_CST)

/* ---- atomics ---------------------------------------------------------------------------- */

typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;

static inline int atomic_read(const atomic_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline int atomic_read_acquire(const atomic_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);
}

static inline void atomic_set(atomic_t *v, int i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static inline void atomic_set_release(atomic_t *v, int i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELEASE);
}

static inline void atomic_inc(atomic_t *v)
{
	__atomic_fetch_add(&v->counter, 1, __ATOMIC_RELAXED);
}

static inline int atomic_xchg(atomic_t *v, int i)
{
	return __atomic_exchange_n(&v->counter, i, __ATOMIC_SEQ_CST);
}

static inline int atomic_cmpxchg(atomic_t *v, int old, int new)
{
	__atomic_compare_exchange_n(&v->counter, &old, new, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return old;
}

static inline int atomic_cmpxchg_acquire(atomic_t *v, int old, int new)
{
	__atomic_compare_exchange_n(&v->counter, &old, new, false, __ATOMIC_ACQUIRE,
				    __ATOMIC_ACQUIRE);
	return old;
}

static inline s64 atomic64_read(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline s64 atomic64_read_acquire(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);
}

static inline void atomic64_set_release(atomic64_t *v, s64 i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELEASE);
}

static inline void atomic64_inc(atomic64_t *v)
{
	__atomic_fetch_add(&v->counter, 1, __ATOMIC_RELAXED);
}

/* ---- MMIO: one bus transaction each, counted per thread ----------------------------------- */

extern __thread unsigned long nicsched_mmio_reads;
extern __thread unsigned long nicsched_mmio_writes;

static inline u32 nicsched_bus_offset(const void __iomem *addr)
{
	return (u32)((uintptr_t)addr - NICSCHED_BUS_BASE);
}

static inline u32 ioread32(const void __iomem *addr)
{
	nicsched_mmio_reads++;
	return nicsched_bus_read32(nicsched_bus_offset(addr));
}

static inline void iowrite32(u32 val, void __iomem *addr)
{
	nicsched_mmio_writes++;
	nicsched_bus_write32(nicsched_bus_offset(addr), val);
}

/* ---- the rest -------------------------------------------------------------------------------- */

struct device {
	const char *name;
};

void nicsched_dev_printk(const struct device *dev, const char *level, const char *fmt, ...)
	nicsched_attr(__format__(__printf__, 3, 4));

#define dev_err(dev, fmt, ...)	nicsched_dev_printk(dev, "err", fmt, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...)	nicsched_dev_printk(dev, "warn", fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...)	nicsched_dev_printk(dev, "info", fmt, ##__VA_ARGS__)

static inline u64 ktime_get_ns(void)
{
	return nicsched_bus_time_ns();
}

static inline void might_sleep(void)
{
}

static inline void usleep_range(unsigned long min, unsigned long max)
{
}

static inline void rcu_read_lock(void)
{
}

static inline void rcu_read_unlock(void)
{
}

#endif /* NICSCHED_COMPAT_H */
