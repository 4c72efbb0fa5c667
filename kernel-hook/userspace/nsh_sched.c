// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduler side of the harness: the series' own kernel/sched/nic.c, unchanged (build.sh
 * extracts it from kernel-hook/patches/linux-6.1), on top of nsh_sched.h, and the kernel's own
 * CFS weight arithmetic (kfair.h: calc_delta_fair() and the weight tables, extracted by build.sh
 * from Debian's linux-source-6.1).
 */
#include "nsh_sched.h"
#include "kfair.h"

/* the kernel's default for one CPU (6 ms; sysctl_sched_latency scales with more CPUs) */
unsigned int sysctl_sched_latency = 6000000U;

static struct irq_work *nsh_irq_works[4];
static struct work_struct *nsh_works[4];

static bool nsh_queue(void **list, void *item, bool *pending)
{
	unsigned int i;

	if (*pending)
		return false;
	for (i = 0; i < 4; i++) {
		if (!list[i]) {
			list[i] = item;
			*pending = true;
			return true;
		}
	}
	fprintf(stderr, "nsh_sched: deferred work list full\n");
	return false;
}

bool irq_work_queue(struct irq_work *work)
{
	return nsh_queue((void **)nsh_irq_works, work, &work->pending);
}

bool schedule_work(struct work_struct *work)
{
	return nsh_queue((void **)nsh_works, work, &work->pending);
}

void nsh_run_deferred(void)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct irq_work *w = nsh_irq_works[i];

		if (!w)
			continue;
		nsh_irq_works[i] = NULL;
		w->pending = false;
		w->func(w);
	}
	for (i = 0; i < 4; i++) {
		struct work_struct *w = nsh_works[i];

		if (!w)
			continue;
		nsh_works[i] = NULL;
		w->pending = false;
		w->func(w);
	}
}

#include "nic.c"

const struct sched_nic_ops *nsh_sched_nic_ops(void)
{
	return READ_ONCE(sched_nic_ops);
}

u64 nsh_calc_delta_fair(u64 delta, struct sched_entity *se)
{
	return calc_delta_fair(delta, se);
}

void nsh_set_load_weight(struct task_struct *p)
{
	int prio = p->static_prio - MAX_RT_PRIO;

	p->se.load.weight = scale_load(sched_prio_to_weight[prio]);
	p->se.load.inv_weight = sched_prio_to_wmult[prio];
}
