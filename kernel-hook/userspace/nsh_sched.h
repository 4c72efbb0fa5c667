/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness's stand-in for kernel/sched/sched.h, so the series' own kernel/sched/nic.c
 * (extracted from kernel-hook/patches/linux-6.1 by build.sh) compiles and runs unchanged in
 * userspace (nsh_sched.c includes it after this header):
 *
 *   struct rq, struct cfs_rq   one runqueue per CPU: its clock and min_vruntime
 *   static keys                a flag; static_branch_unlikely() reads it
 *   mutex, RCU                 no-ops: the harness is one thread
 *   irq_work, work             queued, then run by nsh_run_deferred() where the kernel would
 *                              run them (after the runqueue lock is dropped; process context)
 *   sched_prio_to_wmult[]      the kernel's own table (kfair.h, extracted from core.c)
 *
 * The harness plays fair.c's part: it calls sched_nic_wakeup() after placing a waking task,
 * sched_nic_tick() after accounting the running one and sched_nic_migrate() when a task changes
 * runqueue, each behind sched_nic_enabled().
 */
#ifndef NSH_SCHED_H
#define NSH_SCHED_H

#include <stdio.h>

#include "nsh_compat.h"

#define MAX_RT_PRIO		100
#define NICE_WIDTH		40

/* ---- the pieces of the kernel nic.c uses ------------------------------------------------- */

struct static_key_false {
	bool enabled;
};

#define DEFINE_STATIC_KEY_FALSE(name)	struct static_key_false name = { false }
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name
#define static_branch_unlikely(key)	READ_ONCE((key)->enabled)
#define static_key_enabled(key)		READ_ONCE((key)->enabled)
#define static_branch_enable(key)	WRITE_ONCE((key)->enabled, true)
#define static_branch_disable(key)	WRITE_ONCE((key)->enabled, false)

struct mutex {
	int unused;
};

#define DEFINE_MUTEX(name)	struct mutex name = { 0 }

static inline void mutex_lock(struct mutex *m)
{
}

static inline void mutex_unlock(struct mutex *m)
{
}

static inline void synchronize_rcu(void)
{
}

struct irq_work {
	void (*func)(struct irq_work *work);
	bool pending;
};

#define DEFINE_IRQ_WORK(name, fn)	struct irq_work name = { .func = (fn) }

struct work_struct {
	void (*func)(struct work_struct *work);
	bool pending;
};

#define DECLARE_WORK(name, fn)	struct work_struct name = { .func = (fn) }

bool irq_work_queue(struct irq_work *work);
bool schedule_work(struct work_struct *work);
/* Run what was queued: irq_work, then work. */
void nsh_run_deferred(void);

/* fully ordered, as the kernel's; returns the old value */
#define cmpxchg(ptr, old, new)						\
({									\
	__typeof__(ptr) __p = (ptr);					\
	__typeof__(*__p) __old = (old);					\
	__atomic_compare_exchange_n(__p, &__old, (new), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
	__old;								\
})

#define pr_info(fmt, ...)	fprintf(stderr, "[info] " fmt, ##__VA_ARGS__)
#define WARN_ON_ONCE(cond)						\
({									\
	bool __c = (cond);						\
	if (__c)							\
		fprintf(stderr, "WARNING: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	__c;								\
})

/* ---- runqueues ----------------------------------------------------------------------------- */

struct cfs_rq {
	u64 min_vruntime;
	struct rq *rq;
};

struct rq {
	int cpu;
	u64 clock;
	struct cfs_rq cfs;
};

static inline u64 rq_clock(struct rq *rq)
{
	return rq->clock;
}

static inline struct rq *rq_of(struct cfs_rq *cfs_rq)
{
	return cfs_rq->rq;
}

static inline int cpu_of(struct rq *rq)
{
	return rq->cpu;
}

/* The harness has no group entities: every entity is a task's. */
static inline bool entity_is_task(struct sched_entity *se)
{
	return true;
}

static inline struct task_struct *task_of(struct sched_entity *se)
{
	return (struct task_struct *)((char *)se - offsetof(struct task_struct, se));
}

static inline bool task_has_idle_policy(struct task_struct *p)
{
	return p->policy == SCHED_IDLE;
}

extern unsigned int sysctl_sched_latency;
extern const int sched_prio_to_weight[40];
extern const u32 sched_prio_to_wmult[40];

/* ---- what the series adds to kernel/sched/sched.h ------------------------------------------ */

DECLARE_STATIC_KEY_FALSE(sched_nic_key);

static inline bool sched_nic_enabled(void)
{
	return static_branch_unlikely(&sched_nic_key);
}

void sched_nic_wakeup(struct cfs_rq *cfs_rq, struct sched_entity *se);
void sched_nic_tick(struct rq *rq, struct task_struct *curr);
void sched_nic_migrate(struct task_struct *p);

/* ---- harness access to nic.c and the kernel's CFS arithmetic (nsh_sched.c) ------------------- */

/* The provider the hooks call now (NULL: none, or stopped). */
const struct sched_nic_ops *nsh_sched_nic_ops(void);
/* calc_delta_fair() of kernel/sched/fair.c: @delta ns of runtime in vruntime of @se. */
u64 nsh_calc_delta_fair(u64 delta, struct sched_entity *se);
/* set_load_weight() for a task's nice level: sched_prio_to_weight/wmult of core.c. */
void nsh_set_load_weight(struct task_struct *p);

#endif /* NSH_SCHED_H */
