// SPDX-License-Identifier: GPL-2.0
/*
 * nicsched_hook in userspace: the module's own logic (kernel-hook/module/nsh_logic.c), the
 * driver's own core (driver/core/nicsched_core.c) and the series' own scheduler side
 * (kernel/sched/nic.c), all unchanged, against the Verilated NIC of the policy
 * (driver/userspace/nicsched_bus.cpp). Tasks are synthetic task_structs; time is a synthetic rq
 * clock. The harness plays the parts of fair.c (it calls sched_nic_wakeup() and sched_nic_tick()
 * behind sched_nic_enabled()), of the module's glue (sched_nic_ops, arming, the irq_work) and of
 * the driver's hrtimer poller, where the kernel would run them.
 *
 *   nsh_harness xform      stdin "source raw lo hi" -> stdout the feature (catalogue transform)
 *   nsh_harness features   stdin "<catalogue raw values> <previous delta counters>" -> features
 *   nsh_harness unit       the pure parts: clamping, buckets, tags, the kernel's bounds
 *   nsh_harness e2e [N] [--reload DIR]
 *                          N golden tasks through hook -> irq_work -> NIC -> poller -> hook,
 *                          then expiry, stale, wrong tag, out of range, clamp, lost, mismatch,
 *                          kill switch, stall fallback, wedged card, all-ones; with --reload,
 *                          a weight reload under the armed hook (DIR: to.words, the weights of
 *                          another policy of the same shape; back.words, this policy's)
 *   nsh_harness tick       the tick's vruntime correction against the kernel's own
 *                          calc_delta_fair() over the runtime that may count: not from before a
 *                          decision was installed (at a tick or at a wakeup), nor from another
 *                          CPU's runqueue (migration)
 *   nsh_harness tags [NR_CPUS]   NR_CPUS CPUs (default 512) on the policy's slots: tags unique
 *                          among the CPUs sharing a slot, and one CPU's answer never taken
 *                          for another's
 *   nsh_harness replay     stdin a recording of hook events (wakeups, ticks, migrations,
 *                          irq_work, the card's answers and when they land, device faults,
 *                          reloads, re-arming) -> stdout every decision, vruntime adjustment,
 *                          request, doorbell and counter, for test/kernel/hook-replay.test.ts to
 *                          compare with the same replay through codegen/eval/hook.ts
 *   nsh_harness bench [N [fresh]]  N wakeups and N/4 ticks for callgrind (fresh: every
 *                          wakeup is a task without a decision, so each one stages a request)
 *
 * Output: "check ok|FAIL <what>", "value <name> <number>", "golden <features...> <action>".
 * The exit status is the number of failed checks (capped at 100).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsh_logic.h"
#include "nsh_sched.h"
/* after nsh_logic.h: the compat headers include the bus header in the right order */
#include "nicsched_bus.h"

/* e2e: one CPU more than slots: CPU 0 and the last share slot 0, the others own theirs */
#define E2E_CPUS	(NICSCHED_SLOTS + 1)
#define EXCL		1	/* a CPU with a slot of its own */
#define SHARED		0	/* a CPU sharing its slot */
#define TICK_NS		4000000ULL	/* HZ=250 */
#define FINE_TICK_NS	1000000ULL	/* HZ=1000: ticks finer than the stall timeout */
#define T0		1000000000ULL
/*
 * The driver's request timeout, on its own clock: simulated bus time, which advances only with
 * bus transactions (a poller pass on one slot takes about 12 ns of it).
 */
#define DRIVER_TIMEOUT_NS	20000ULL
/* poller passes the emulated hrtimer may make in one go before the harness calls it stuck */
#define POLL_CAP	20000UL

static struct nicsched_core core;
static struct device harness_dev = { .name = "nsh-harness" };
static struct nsh_ctx ctx;
static int ncpu;
static struct nsh_cpu *cpus;
static struct rq *rqs;
static bool *submit_pending;	/* the CPU's irq_work is queued */
static int this_cpu;		/* the CPU the scheduler callbacks run on */
static bool registered;		/* sched_nic_register() succeeded */
static bool last_kick;		/* what the last scheduler callback returned: queue the irq_work */
static int stop_hook_calls;
static unsigned long hook_reads, hook_writes, submit_reads;
/* the submit path (the irq_work): doorbells rung, and the writes of each */
static unsigned long doorbells, doorbell_writes, doorbell_max_writes, refused_writes;
static int failures;
static u64 now = T0;

struct nsh_cpu *nsh_cpu_of(struct nsh_ctx *c, int cpu)
{
	return (unsigned int)cpu < (unsigned int)ncpu ? &cpus[cpu] : NULL;
}

static void expect_ok(bool ok, const char *what)
{
	printf("check %s %s\n", ok ? "ok" : "FAIL", what);
	failures += !ok;
}

static void print_value(const char *name, long long v)
{
	printf("value %s %lld\n", name, v);
}

static u64 total(enum nsh_counter k)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < ncpu; i++)
		sum += cpus[i].stats.c[k];
	return sum;
}

/* ---- xorshift64*: reproducible synthetic task stats ------------------------------------- */

static u64 rng = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static u64 rnd_bits(int max_bits)
{
	int bits = (int)(rnd() % (unsigned int)(max_bits + 1));

	return bits ? rnd() >> (64 - bits) : 0;
}

static void random_task(struct task_struct *p)
{
	memset(p, 0, sizeof(*p));
	p->static_prio = 100 + (int)(rnd() % 40);
	p->policy = SCHED_NORMAL;
	p->nvcsw = rnd_bits(10);
	p->nivcsw = rnd_bits(10);
	p->wakee_flips = (unsigned int)rnd_bits(9);
	p->sched_info.run_delay = rnd_bits(40);
	p->se.sum_exec_runtime = rnd_bits(40);
	p->se.prev_sum_exec_runtime = p->se.sum_exec_runtime - rnd_bits(24);
	p->se.nr_migrations = rnd_bits(8);
	p->se.avg.util_avg = rnd() % 1025;
	p->se.vruntime = T0;
	nsh_set_load_weight(p);
}

/* ---- the module's glue, as nsh_module.c does it ----------------------------------------- */

static void harness_sched_wakeup(struct task_struct *p, int cpu, u64 at)
{
	last_kick = nsh_on_wakeup(&ctx, &cpus[this_cpu], p, at);
	if (last_kick)
		submit_pending[this_cpu] = true;
}

static void harness_sched_tick(struct task_struct *curr, int cpu, u64 at)
{
	last_kick = nsh_on_tick(&ctx, &cpus[this_cpu], cpu, curr, at);
	if (last_kick)
		submit_pending[this_cpu] = true;
}

static const struct sched_nic_ops harness_ops = {
	.wakeup = harness_sched_wakeup,
	.tick = harness_sched_tick,
	.name = "nsh_harness",
};

static void harness_stop_hooks(struct nsh_ctx *c)
{
	stop_hook_calls++;
	sched_nic_stop(&harness_ops);
}

/* nsh_quiesce() + nsh_arm() of the module (process context). Return: nsh_arm_check(). */
static int arm(void)
{
	int i, ret;

	if (registered) {
		sched_nic_unregister(&harness_ops);
		registered = false;
	}
	nsh_run_deferred();
	ret = nsh_arm_check(&ctx);
	if (ret) {
		atomic_set(&ctx.state, NSH_STATE_STOPPED);
		atomic_set(&ctx.reason, nsh_arm_refusal(ret));
		return ret;
	}
	for (i = 0; i < ncpu; i++) {
		nsh_cpu_reset(&ctx, &cpus[i]);
		submit_pending[i] = false;
	}
	atomic_set(&ctx.state, NSH_STATE_ARMED);
	ret = sched_nic_register(&harness_ops);
	registered = !ret;
	atomic_set(&ctx.reason, NSH_REASON_NONE);
	atomic64_inc(&ctx.arms);
	return ret;
}

/* ---- the kernel's side, as fair.c calls it ---------------------------------------------- */

static struct rq *rq_at(int cpu)
{
	rqs[cpu].clock = now;
	return &rqs[cpu];
}

/* enqueue_entity() of a waking @p on @cpu: place_entity() left se.vruntime, then the hook. */
static bool hook_wakeup(int cpu, struct task_struct *p)
{
	unsigned long r = nicsched_mmio_reads, w = nicsched_mmio_writes;
	struct rq *rq = rq_at(cpu);

	this_cpu = cpu;
	p->se.cfs_rq = &rq->cfs;
	if (sched_nic_enabled())
		sched_nic_wakeup(&rq->cfs, &p->se);
	hook_reads += nicsched_mmio_reads - r;
	hook_writes += nicsched_mmio_writes - w;
	return submit_pending[cpu];
}

/* task_tick_fair() on @cpu with @curr running: entity_tick() accounted it, then the hook. */
static bool hook_tick(int cpu, struct task_struct *curr)
{
	unsigned long r = nicsched_mmio_reads, w = nicsched_mmio_writes;
	struct rq *rq = rq_at(cpu);

	this_cpu = cpu;
	curr->se.cfs_rq = &rq->cfs;
	if (sched_nic_enabled())
		sched_nic_tick(rq, curr);
	hook_reads += nicsched_mmio_reads - r;
	hook_writes += nicsched_mmio_writes - w;
	return submit_pending[cpu];
}

/*
 * NOHZ_FULL's sched_tick_remote(): @calling CPU runs task_tick_fair() for @rq_cpu's runqueue,
 * whose CPU has its tick stopped, with @curr running there.
 */
static bool hook_tick_remote(int rq_cpu, int calling, struct task_struct *curr)
{
	struct rq *rq = rq_at(rq_cpu);

	this_cpu = calling;
	curr->se.cfs_rq = &rq->cfs;
	if (sched_nic_enabled())
		sched_nic_tick(rq, curr);
	return submit_pending[calling];
}

/*
 * set_task_cpu() for @p, which is not running: migrate_task_rq_fair(), then the task is on @cpu's
 * runqueue.
 */
static void kernel_migrate(struct task_struct *p, int cpu)
{
	if (sched_nic_enabled())
		sched_nic_migrate(p);
	p->se.cfs_rq = &rqs[cpu].cfs;
	p->se.nr_migrations++;
}

/* The CPU's irq_work, after the runqueue lock was dropped. */
static void irq_work(int cpu)
{
	unsigned long r = nicsched_mmio_reads, w = nicsched_mmio_writes;
	u64 rung = cpus[cpu].stats.c[NSH_C_SUBMITTED];

	submit_pending[cpu] = false;
	nsh_submit(&ctx, &cpus[cpu], now);
	submit_reads += nicsched_mmio_reads - r;
	w = nicsched_mmio_writes - w;
	if (cpus[cpu].stats.c[NSH_C_SUBMITTED] != rung) {
		doorbells++;
		doorbell_writes += w;
		if (w > doorbell_max_writes)
			doorbell_max_writes = w;
	} else {
		refused_writes += w;
	}
	nsh_run_deferred();
}

/*
 * The driver's hrtimer: a submit arms it, each expiry makes one nicsched_core_poll() pass, and
 * it re-arms only while nicsched_core_poll_again() says so. Return: the passes made; POLL_CAP
 * when it was still armed after that many (it would poll on forever).
 */
static unsigned long poller(void)
{
	unsigned long passes = 0;

	while (atomic_read(&core.poll_armed) && passes < POLL_CAP) {
		int busy = nicsched_core_poll(&core);

		passes++;
		if (!nicsched_core_poll_again(&core, busy))
			break;
	}
	return passes;
}

/* The adjustment CFS would apply to @p now (0 once the provider stopped). */
static int kernel_adj(struct task_struct *p)
{
	if (!sched_nic_enabled() || !nsh_sched_nic_ops())
		return 0;
	return sched_nic_decision_adj(&p->nic, now);
}

/* Has the scheduler stopped calling the provider (sched_nic_stop())? */
static bool kernel_stopped(void)
{
	return !nsh_sched_nic_ops();
}

/* One request for @p on @cpu: wakeup (stage), irq_work (submit), poller (NIC answers). */
static bool request(int cpu, struct task_struct *p)
{
	bool kick = hook_wakeup(cpu, p);

	if (kick)
		irq_work(cpu);
	poller();
	return kick;
}

/* The decision word of a slot, to inject faults the real driver never publishes. */
static u64 word(unsigned int slot)
{
	return (u64)atomic64_read(&core.slot[slot].decision);
}

static void set_word(unsigned int slot, u64 w)
{
	atomic64_set(&core.slot[slot].decision, (s64)w);
}

/* The card answers again: no fault, doorbells enabled, ERROR cleared. */
static void card_healthy(void)
{
	nicsched_bus_set_fault(NICSCHED_BUS_HEALTHY, 0);
	nicsched_bus_write32(NICSCHED_REG_CONTROL, NICSCHED_CONTROL_ENABLE_MASK);
	nicsched_bus_write32(NICSCHED_REG_ERROR, ~0U);
}

static bool hook_armed(void)
{
	return atomic_read(&ctx.state) == NSH_STATE_ARMED;
}

/* The next HZ=1000 tick: ticks fall on multiples of FINE_TICK_NS, whatever happened between. */
static void next_fine_tick(void)
{
	now = (now / FINE_TICK_NS + 1) * FINE_TICK_NS;
}

/*
 * HZ=1000 ticks on @cpu_list with @curr running, each followed by the CPU's irq_work and the
 * driver's poller, until the hook stops or @limit_ns passed.
 */
static void tick_until_stop(const int *cpu_list, int n, struct task_struct *curr, u64 limit_ns)
{
	u64 start = now;
	int i;

	while (hook_armed() && now - start < limit_ns) {
		next_fine_tick();
		for (i = 0; i < n && hook_armed(); i++) {
			if (hook_tick(cpu_list[i], curr))
				irq_work(cpu_list[i]);
		}
		poller();
	}
}

/* the decision word's low half is the RESULT register's layout, from the generated map */
#define WORD_TAG_MASK		((u64)NICSCHED_RESULT_TAG_MASK)
#define WORD_ACTION_MASK	((u64)NICSCHED_RESULT_ACTION_MASK)

/* ---- e2e scenarios ---------------------------------------------------------------------- */

static void scenario_golden(int n)
{
	struct nicsched_counters c0, c1;
	struct task_struct p;
	int i, k, cpu, wrong = 0, bad_expiry = 0;
	u64 answers;

	nicsched_core_counters(&core, &c0);
	for (i = 0; i < n; i++) {
		cpu = i % ncpu;
		random_task(&p);
		now += 50000;
		if (!request(cpu, &p)) {
			wrong++;
			continue;
		}
		now += 1000;
		hook_wakeup(cpu, &p);
		printf("golden");
		for (k = 0; k < NSH_INPUTS; k++)
			printf(" %d", NSH_IN_SIGNED ? (int)(s32)cpus[cpu].features[k] :
			       (int)cpus[cpu].features[k]);
		printf(" %u\n", p.nic.action);
		if (p.nic.tag != cpus[cpu].staged_id ||
		    p.nic.expires != nsh_task(&p)->req_ns + NSH_TTL_NS)
			bad_expiry++;
		if (kernel_adj(&p) != nsh_clamp_nice(nsh_actions[p.nic.action].nice))
			wrong++;
	}
	nicsched_core_counters(&core, &c1);
	answers = c1.completed - c0.completed;
	print_value("golden_tasks", n);
	/*
	 * The driver's poller on a healthy card (milli-reads per answer). A RESULT read takes at
	 * least two clock cycles (address, then data), so an answer NICSCHED_LATENCY cycles after
	 * its doorbell needs at most LATENCY / 2 + 1 of them, and nothing else is read.
	 */
	print_value("poll_reads_per_answer_x1000",
		    answers ? (long long)((c1.poll_reads - c0.poll_reads) * 1000 / answers) : -1);
	print_value("poll_reads_per_answer_bound", NICSCHED_LATENCY / 2 + 1);
	expect_ok(answers == (u64)n &&
		  c1.poll_reads - c0.poll_reads <= (NICSCHED_LATENCY / 2 + 1) * answers,
		  "poller: at most LATENCY / 2 + 1 RESULT reads per answer on a healthy card");
	expect_ok(wrong == 0,
		  "every golden task got a decision, applied as its action's bounded nice");
	expect_ok(bad_expiry == 0,
		  "decisions carry the request's tag and expire one TTL after staging");
	expect_ok(total(NSH_C_COMPLETED) == (u64)n, "one completion per request");
}

static void scenario_expiry(void)
{
	struct task_struct p;
	u64 staged;
	int adj;

	random_task(&p);
	now += TICK_NS;
	request(EXCL, &p);
	staged = nsh_task(&p)->req_ns;
	now += 1000;
	hook_wakeup(EXCL, &p);
	adj = nsh_clamp_nice(nsh_actions[p.nic.action].nice);
	now = staged + NSH_TTL_NS - 1;
	expect_ok(kernel_adj(&p) == adj, "decision applies until its expiry");
	now = staged + NSH_TTL_NS;
	expect_ok(kernel_adj(&p) == 0, "decision expires after the TTL");
	print_value("ttl_ns", (long long)NSH_TTL_NS);
}

static void scenario_expired_and_lost(void)
{
	struct task_struct a, b, other;
	u64 expired0 = total(NSH_C_EXPIRED), lost0, over0;

	/* a: answered and harvested, but a comes back after the TTL */
	random_task(&a);
	random_task(&other);
	now += TICK_NS;
	request(EXCL, &a);
	now += 1000;
	hook_tick(EXCL, &other);		/* harvests a's answer into the done table */
	now += NSH_TTL_NS;
	hook_wakeup(EXCL, &a);
	expect_ok(total(NSH_C_EXPIRED) == expired0 + 1,
		  "answer picked up after the TTL: expired, counted");
	expect_ok(kernel_adj(&a) == 0, "an expired answer is not applied");
	irq_work(EXCL);			/* flush what the hooks staged */
	poller();

	/* a's staged request is replaced by b's before the irq_work ran: a's is lost */
	random_task(&a);
	random_task(&b);
	now += TICK_NS;
	lost0 = total(NSH_C_LOST);
	over0 = total(NSH_C_OVERWRITTEN);
	hook_wakeup(EXCL, &a);
	hook_wakeup(EXCL, &b);
	irq_work(EXCL);
	poller();
	expect_ok(total(NSH_C_OVERWRITTEN) == over0 + 1, "a staged request replaced: counted");
	now += NSH_TTL_NS;
	hook_wakeup(EXCL, &a);
	expect_ok(total(NSH_C_LOST) == lost0 + 1, "the replaced request's task: lost, counted");
	irq_work(EXCL);
	poller();
}

static void scenario_stale(void)
{
	struct task_struct p;
	u64 stale0 = total(NSH_C_DROP_STALE);

	random_task(&p);
	now += TICK_NS;
	request(EXCL, &p);			/* answered on the NIC, not yet seen by the hook */
	now += NSH_TTL_NS;
	hook_wakeup(EXCL, &p);
	expect_ok(total(NSH_C_DROP_STALE) == stale0 + 1,
		  "answer older than the TTL: dropped, counted");
	expect_ok(kernel_adj(&p) == 0, "a stale answer is not applied");
	expect_ok(atomic_read(&ctx.state) == NSH_STATE_ARMED, "a late answer is not a stall");
}

static void scenario_wrong_tag(void)
{
	struct task_struct p;
	unsigned int slot = cpus[EXCL].slot;
	u64 wrong0 = total(NSH_C_DROP_WRONG_TAG), w;

	random_task(&p);
	now += TICK_NS;
	request(EXCL, &p);
	w = word(slot);
	/* the word shows another tag (a late answer to an older request) */
	set_word(slot, (w & ~WORD_TAG_MASK) |
		 ((w ^ (0x5aULL << NICSCHED_RESULT_TAG_SHIFT)) & WORD_TAG_MASK));
	now += 1000;
	hook_wakeup(EXCL, &p);
	expect_ok(total(NSH_C_DROP_WRONG_TAG) == wrong0 + 1,
		  "decision with a wrong tag: dropped, counted");
	expect_ok(p.nic.expires == 0, "a wrong-tag decision is not installed");
	/* then ours arrives */
	set_word(slot, w + (1ULL << 32));
	now += 1000;
	hook_wakeup(EXCL, &p);
	expect_ok(p.nic.expires != 0, "the right answer after a wrong tag is installed");
}

static void scenario_out_of_range(void)
{
	struct task_struct p;
	unsigned int slot = cpus[EXCL].slot;
	u64 range0 = total(NSH_C_DROP_RANGE), w;

	random_task(&p);
	now += TICK_NS;
	request(EXCL, &p);
	w = word(slot);
	set_word(slot, (w & ~WORD_ACTION_MASK) | 0xff);	/* action 255: no such action */
	now += 1000;
	hook_wakeup(EXCL, &p);
	expect_ok(total(NSH_C_DROP_RANGE) == range0 + 1, "out-of-range action: dropped, counted");
	expect_ok(p.nic.expires == 0, "an out-of-range action is not installed");
}

static void scenario_clamp(void)
{
	struct task_struct p;
	unsigned int slot = cpus[EXCL].slot, k;
	int big = -1;
	u64 clamped0 = total(NSH_C_CLAMPED), w;

	for (k = 0; k < NSH_ACTIONS; k++)
		if (nsh_actions[k].nice != nsh_clamp_nice(nsh_actions[k].nice))
			big = (int)k;
	print_value("actions_beyond_limit", big >= 0);
	if (big < 0)
		return;
	random_task(&p);
	now += TICK_NS;
	request(EXCL, &p);
	w = word(slot);
	set_word(slot, (w & ~WORD_ACTION_MASK) | (u64)big);
	now += 1000;
	hook_wakeup(EXCL, &p);
	expect_ok(total(NSH_C_CLAMPED) == clamped0 + 1,
		  "action beyond the nice limit: clamped, counted");
	expect_ok(p.nic.nice == (nsh_actions[big].nice < 0 ? -NSH_NICE_LIMIT : NSH_NICE_LIMIT),
		  "the clamped adjustment is the limit");
	expect_ok(kernel_adj(&p) == p.nic.nice, "CFS applies the clamped adjustment");
}

static void scenario_deltas(void)
{
	struct task_struct p;
	u32 first[NSH_INPUTS];

	random_task(&p);
	now += TICK_NS;
	request(EXCL, &p);
	memcpy(first, cpus[EXCL].features, sizeof(first));
	/* the counters do not move: every delta feature of the next request is 0 */
	now += NSH_TTL_NS;
	hook_wakeup(EXCL, &p);
	irq_work(EXCL);
	poller();
	expect_ok(nsh_task(&p)->prev[0] == p.sched_info.run_delay,
		  "the previous request's counters are kept per task");
	print_value("delta_first_wait", first[0]);
}

/* A task with an unexpired decision that moves it (adjustment not 0), or -1 after 200 tries. */
static int task_with_adjustment(struct task_struct *p)
{
	int i;

	for (i = 0; i < 200; i++) {
		random_task(p);
		now += TICK_NS;
		request(EXCL, p);
		now += 1000;
		hook_wakeup(EXCL, p);
		if (kernel_adj(p))
			return kernel_adj(p);
	}
	return -1;
}

/*
 * The provider unregisters and registers again (here: a manual re-arm) while a task holds an
 * unexpired decision of the first registration and another task's answer waits in the done
 * table. The new registration must start from nothing: CFS applies neither.
 */
static void scenario_provider_change(void)
{
	struct task_struct p, r, other;
	u64 v, installed0;
	int adj;

	card_healthy();
	arm();
	adj = task_with_adjustment(&p);
	print_value("provider_change_adj", adj);
	random_task(&r);
	random_task(&other);
	now += 1000;
	request(EXCL, &r);
	now += 1000;
	hook_tick(EXCL, &other);	/* harvests r's answer into the done table */
	expect_ok(adj != -1 && kernel_adj(&p) && nsh_task(&r)->req_id,
		  "provider change: one task holds a decision, another's answer waits");
	expect_ok(!arm(), "provider change: unregistered and registered again");
	now += 1000;
	v = p.se.vruntime;
	hook_wakeup(EXCL, &p);
	print_value("provider_change_vruntime_moved_ns", (long long)(p.se.vruntime - v));
	expect_ok(p.se.vruntime == v && !kernel_adj(&p),
		  "provider change: the previous registration's decision is not applied");
	installed0 = total(NSH_C_INSTALLED);
	v = r.se.vruntime;
	hook_wakeup(EXCL, &r);
	expect_ok(total(NSH_C_INSTALLED) == installed0 && r.se.vruntime == v && !kernel_adj(&r),
		  "provider change: an answer the previous registration asked for is not installed");
	irq_work(EXCL);
	poller();
}

static void scenario_mismatch(void)
{
	u32 hash = core.policy_hash;

	core.policy_hash = hash ^ 1;
	expect_ok(nsh_arm_check(&ctx) == -EPROTO,
		  "device with another policy hash: arming refused");
	core.policy_hash = hash;
	expect_ok(nsh_arm_check(&ctx) == 0, "matching device: arming allowed");
}

static void scenario_kill(void)
{
	struct task_struct p;
	u64 staged0;

	expect_ok(nsh_stop(&ctx, NSH_REASON_KILL), "kill switch stops an armed hook");
	expect_ok(!nsh_stop(&ctx, NSH_REASON_KILL), "a second stop does nothing");
	expect_ok(kernel_stopped() && stop_hook_calls == 1, "the scheduler hooks went out once");
	random_task(&p);
	staged0 = total(NSH_C_STAGED);
	now += TICK_NS;
	expect_ok(!hook_wakeup(EXCL, &p) && !hook_tick(EXCL, &p) && total(NSH_C_STAGED) == staged0,
		  "a stopped hook stages nothing");
	arm();
	expect_ok(request(EXCL, &p), "re-armed on request: requests flow again");
}

/*
 * The NIC refuses doorbells (CONTROL.ENABLE = 0): the request is never answered. With HZ=1000
 * ticks and a doorbell a third of a tick off the grid, the stop must come at the first tick at
 * or after the stall timeout: not before (a watchdog too eager), nor a tick later.
 */
static void scenario_stall(void)
{
	const int list[] = { EXCL };
	struct task_struct p, q;
	u64 submitted, t;
	int calls = stop_hook_calls;

	nicsched_bus_write32(NICSCHED_REG_CONTROL, 0);
	expect_ok(!cpus[EXCL].shared, "stall on a CPU that owns its slot");
	random_task(&p);
	random_task(&q);
	next_fine_tick();
	now += FINE_TICK_NS / 3;
	hook_wakeup(EXCL, &p);
	irq_work(EXCL);
	submitted = now;
	expect_ok(cpus[EXCL].busy, "request in flight on a silent NIC");
	tick_until_stop(list, 1, &q, 10 * NSH_STALL_NS);
	print_value("stall_detected_after_ns", (long long)(now - submitted));
	print_value("stall_timeout_ns", (long long)NSH_STALL_NS);
	print_value("stall_tick_ns", (long long)FINE_TICK_NS);
	expect_ok(atomic_read(&ctx.state) == NSH_STATE_STOPPED &&
		  atomic_read(&ctx.reason) == NSH_REASON_STALL,
		  "a stalled NIC stops the hook (stall)");
	expect_ok(now - submitted >= NSH_STALL_NS && now - submitted < NSH_STALL_NS + FINE_TICK_NS,
		  "stopped at the first HZ=1000 tick at or after the timeout");
	expect_ok(stop_hook_calls == calls + 1 && kernel_stopped(),
		  "scheduler back to stock CFS, once");
	expect_ok(atomic64_read(&ctx.stops[NSH_REASON_STALL]) == 1, "fallback counted");
	for (t = 0; t < 100; t++) {
		now += TICK_NS;
		hook_tick(EXCL, &q);
		hook_wakeup(1, &p);
	}
	expect_ok(atomic_read(&ctx.state) == NSH_STATE_STOPPED, "no re-arm without asking");
}

/*
 * CPU SHARED's slot is shared with the last CPU: the last CPU's answer replaces SHARED's in the
 * decision word before SHARED looks. SHARED sees its answer came and went (missed, counted) and
 * goes on at once; nothing waits for the stall timeout and nothing stops.
 */
static void scenario_shared_miss(void)
{
	const int list[] = { SHARED, ncpu - 1 };
	struct task_struct p, p2, q;
	u64 missed0 = total(NSH_C_MISSED), start;

	expect_ok(cpus[SHARED].shared && cpus[ncpu - 1].shared && !cpus[EXCL].shared,
		  "CPUs mapped to one slot are marked shared, the others not");
	random_task(&p);
	random_task(&p2);
	random_task(&q);
	now += TICK_NS;
	request(SHARED, &p);		/* answered: the word shows SHARED's answer */
	now += 1000;
	request(ncpu - 1, &p2);		/* answered: the word shows the other CPU's */
	expect_ok(cpus[SHARED].busy, "shared slot: SHARED has not looked yet");
	now += 1000;
	hook_tick(SHARED, &q);
	expect_ok(total(NSH_C_MISSED) == missed0 + 1 && !cpus[SHARED].busy,
		  "shared slot: an answer replaced before its CPU looked is a miss, seen at once");
	start = now;
	tick_until_stop(list, 2, &q, 3 * NSH_STALL_NS);
	expect_ok(hook_armed() && now - start >= 3 * NSH_STALL_NS,
		  "shared slot: misses are not a stall");
}

static void scenario_all_ones(void)
{
	struct task_struct p;

	arm();
	expect_ok(atomic_read(&ctx.state) == NSH_STATE_ARMED,
		  "re-armed on request after the stall");
	random_task(&p);
	nicsched_bus_remove_after(0);	/* the link drops: reads return all ones */
	now += 1000;
	request(EXCL, &p);		/* the poller reads RESULT of the request: all ones */
	expect_ok(nicsched_core_state(&core) == NICSCHED_CORE_REMOVED, "driver saw all-ones reads");
	now += 1000;
	hook_wakeup(EXCL, &p);
	expect_ok(atomic_read(&ctx.state) == NSH_STATE_STOPPED &&
		  atomic_read(&ctx.reason) == NSH_REASON_DEVICE,
		  "all-ones reads stop the hook (device)");
	expect_ok(kernel_stopped(), "scheduler back to stock CFS");
}

/* ---- a wedged card: RESULT reads BUSY forever ------------------------------------------ */

/*
 * After a stop nothing submits: the driver's poller must not read on. Runs 20 more ticks' worth
 * of poller expiries and prints what it read.
 */
static void poller_after_stop(const char *name)
{
	struct nicsched_bus_stats st0, st1;
	unsigned long passes = 0;
	char what[96];
	int i;

	passes += poller();	/* what was still in flight at the stop */
	nicsched_bus_get_stats(&st0);
	for (i = 0; i < 20; i++) {
		now += FINE_TICK_NS;
		passes += poller();
	}
	nicsched_bus_get_stats(&st1);
	snprintf(what, sizeof(what), "%s_poller_reads_after_stop", name);
	print_value(what, (long long)(st1.reads - st0.reads));
	snprintf(what, sizeof(what), "%s_poller_armed_after_stop", name);
	print_value(what, atomic_read(&core.poll_armed));
	expect_ok(passes < POLL_CAP && st1.reads == st0.reads && !atomic_read(&core.poll_armed),
		  "wedged card: after the stop the driver's poller stops (0 register reads)");
}

/* A CPU that owns its slot: the hook stops at the first tick at or after the stall timeout. */
static void scenario_wedged_owned(void)
{
	const int list[] = { EXCL };
	struct task_struct p, q;
	u64 doorbell, after;

	card_healthy();
	arm();
	nicsched_bus_set_fault(NICSCHED_BUS_STALL, 0);
	random_task(&p);
	random_task(&q);
	next_fine_tick();
	now += FINE_TICK_NS / 3;	/* the doorbell falls between two ticks */
	hook_wakeup(EXCL, &p);
	irq_work(EXCL);
	doorbell = now;
	expect_ok(cpus[EXCL].busy, "wedged card, owned slot: request in flight");
	tick_until_stop(list, 1, &q, 10 * NSH_STALL_NS);
	after = now - doorbell;
	print_value("wedged_owned_stop_after_ns", (long long)after);
	expect_ok(!hook_armed() && atomic_read(&ctx.reason) == NSH_REASON_STALL,
		  "wedged card, owned slot: the hook stops (stall)");
	expect_ok(after >= NSH_STALL_NS && after < NSH_STALL_NS + FINE_TICK_NS,
		  "wedged card, owned slot: stopped at the first tick after the stall timeout");
	poller_after_stop("wedged_owned");
}

/*
 * Two CPUs share slot 0: the first request is in flight, the other CPU's submit finds the slot
 * busy. The hook stops at the first tick at or after the stall timeout of the first doorbell.
 */
static void scenario_wedged_shared(void)
{
	const int list[] = { SHARED, ncpu - 1 };
	struct task_struct p, p2, q;
	u64 doorbell, after;

	card_healthy();
	arm();
	expect_ok(cpus[SHARED].slot == cpus[ncpu - 1].slot && cpus[SHARED].shared,
		  "wedged card, shared slot: two CPUs on slot 0");
	nicsched_bus_set_fault(NICSCHED_BUS_STALL, 0);
	random_task(&p);
	random_task(&p2);
	random_task(&q);
	next_fine_tick();
	now += FINE_TICK_NS / 3;
	hook_wakeup(SHARED, &p);
	irq_work(SHARED);
	doorbell = now;
	now += FINE_TICK_NS / 3;
	hook_wakeup(ncpu - 1, &p2);
	irq_work(ncpu - 1);
	expect_ok(cpus[SHARED].busy && !cpus[ncpu - 1].busy && cpus[ncpu - 1].staged,
		  "wedged card, shared slot: one request in flight, the other CPU's waits");
	tick_until_stop(list, 2, &q, 10 * NSH_STALL_NS);
	after = now - doorbell;
	print_value("wedged_shared_stop_after_ns", (long long)after);
	expect_ok(!hook_armed() && atomic_read(&ctx.reason) == NSH_REASON_STALL,
		  "wedged card, shared slot: the hook stops (stall)");
	expect_ok(after >= NSH_STALL_NS && after < NSH_STALL_NS + FINE_TICK_NS,
		  "wedged card, shared slot: stopped at the first tick after the stall timeout");
	poller_after_stop("wedged_shared");
}

/* Re-arming by hand on a card that is still wedged: refused, or stopped again in time. */
static void scenario_wedged_rearm(void)
{
	const int list[] = { EXCL };
	struct task_struct p, q;
	u64 start;
	int ret;

	random_task(&p);
	random_task(&q);
	start = now;
	ret = arm();
	print_value("wedged_rearm", ret);
	expect_ok(ret == -EBUSY && atomic_read(&ctx.reason) == NSH_REASON_STALL,
		  "wedged card: a manual re-arm is refused while a slot still reads BUSY (stall)");
	if (hook_armed()) {
		now += FINE_TICK_NS / 3;
		hook_wakeup(EXCL, &p);
		irq_work(EXCL);
		tick_until_stop(list, 1, &q, 10 * NSH_STALL_NS);
	}
	print_value("wedged_rearm_stopped_after_ns", (long long)(now - start));
	expect_ok(!hook_armed() && now - start < NSH_STALL_NS + FINE_TICK_NS,
		  "wedged card: a manual re-arm is refused or stops again within the stall timeout");
	card_healthy();
}

/*
 * NOHZ_FULL: CPU EXCL runs one task with its tick stopped; a housekeeping CPU runs its tick
 * remotely once in a while. EXCL's request is in flight on a wedged card: the remote tick must
 * watch EXCL's state and stop the hook, and must leave the housekeeping CPU's own state alone.
 */
static void scenario_remote_tick(void)
{
	const int here = 2;	/* the housekeeping CPU, with a slot of its own */
	struct task_struct p, q, h;
	struct nsh_stats before;
	u64 doorbell, after;
	u32 id;

	card_healthy();
	arm();
	random_task(&h);
	random_task(&p);
	random_task(&q);
	now += TICK_NS;
	hook_wakeup(here, &h);		/* its own request, staged; its irq_work not yet run */
	id = cpus[here].staged_id;
	before = cpus[here].stats;
	nicsched_bus_set_fault(NICSCHED_BUS_STALL, 0);
	next_fine_tick();
	now += FINE_TICK_NS / 3;
	hook_wakeup(EXCL, &p);
	irq_work(EXCL);
	doorbell = now;
	while (hook_armed() && now - doorbell < 10 * NSH_STALL_NS) {
		next_fine_tick();
		hook_tick_remote(EXCL, here, &q);
		poller();
	}
	after = now - doorbell;
	print_value("remote_tick_stop_after_ns", (long long)after);
	expect_ok(!hook_armed() && atomic_read(&ctx.reason) == NSH_REASON_STALL &&
		  after >= NSH_STALL_NS && after < NSH_STALL_NS + FINE_TICK_NS,
		  "remote tick: the rq's CPU's stalled request stops the hook in time");
	expect_ok(cpus[here].staged && cpus[here].staged_id == id &&
		  !memcmp(&before, &cpus[here].stats, sizeof(before)),
		  "remote tick: the calling CPU's own staging and counters are left alone");
	print_value("remote_ticks", (long long)atomic64_read(&ctx.remote_ticks));
	submit_pending[here] = false;
	card_healthy();
}

/* ---- a weight reload under the armed hook --------------------------------------------- */

#define RELOAD_TASKS	50

struct words_file {
	struct nicsched_weights w;
	u32 *buf;
};

/* A .words file: policy hash, shape hash, count, then count words. Return: 0 or -1. */
static int load_words(const char *dir, const char *name, struct words_file *f)
{
	unsigned long long v[3], word;
	char path[512];
	unsigned int i;
	FILE *in;

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	in = fopen(path, "r");
	if (!in)
		goto bad;
	if (fscanf(in, "%lli %lli %lli", &v[0], &v[1], &v[2]) != 3 || !v[2] || v[2] > 65536)
		goto bad;
	f->buf = calloc(v[2], sizeof(u32));
	if (!f->buf)
		goto bad;
	for (i = 0; i < v[2]; i++) {
		if (fscanf(in, "%lli", &word) != 1 || word > 0xffffffffULL)
			goto bad;
		f->buf[i] = (u32)word;
	}
	fclose(in);
	f->w.policy_hash = (u32)v[0];
	f->w.shape_hash = (u32)v[1];
	f->w.count = (u32)v[2];
	f->w.words = f->buf;
	return 0;
bad:
	fprintf(stderr, "bad words file %s\n", path);
	if (in)
		fclose(in);
	free(f->buf);
	f->buf = NULL;
	return -1;
}

/* @n golden requests, each printed as a "golden" line. Return: decisions installed. */
static int golden_requests(int n)
{
	struct task_struct p;
	int i, k, installed = 0;

	for (i = 0; i < n; i++) {
		random_task(&p);
		now += 50000;
		if (!request(EXCL, &p))
			continue;
		now += 1000;
		hook_wakeup(EXCL, &p);
		if (!p.nic.expires)
			continue;
		installed++;
		printf("golden");
		for (k = 0; k < NSH_INPUTS; k++)
			printf(" %d", NSH_IN_SIGNED ? (int)(s32)cpus[EXCL].features[k] :
			       (int)cpus[EXCL].features[k]);
		printf(" %u\n", p.nic.action);
	}
	return installed;
}

/*
 * The card's weights are reloaded with another policy of the same hardware shape while the hook
 * is armed: from then on the card computes the other policy's answers, which the hook must not
 * map through its own action table. Then back to this policy: the hook may arm again.
 */
static void scenario_reload(const char *dir)
{
	struct words_file to, back;
	struct task_struct p;
	u64 installed0;
	int ret, got;

	if (load_words(dir, "to.words", &to) || load_words(dir, "back.words", &back)) {
		expect_ok(false, "reload: the .words files load");
		return;
	}
	card_healthy();
	expect_ok(!arm() && golden_requests(5) == 5, "reload: armed, decisions flow");
	ret = nicsched_core_reload(&core, &to.w);
	expect_ok(!ret && core.policy_hash == to.w.policy_hash,
		  "reload: the card now runs another policy of the same shape");
	installed0 = total(NSH_C_INSTALLED);
	got = golden_requests(RELOAD_TASKS);
	print_value("reload_installed_after", got);
	expect_ok(!got && total(NSH_C_INSTALLED) == installed0,
		  "reload: no decision of the other policy is installed");
	expect_ok(!hook_armed() && kernel_stopped() &&
		  atomic_read(&ctx.reason) == NSH_REASON_RELOAD,
		  "reload: the armed hook stopped (reload), the scheduler is back to stock CFS");
	random_task(&p);
	expect_ok(arm() == -EPROTO && !hook_armed(),
		  "reload: arming on the other policy is refused (mismatch)");
	ret = nicsched_core_reload(&core, &back.w);
	expect_ok(!ret && core.policy_hash == NSH_POLICY_HASH32,
		  "reload: the card runs this hook's policy again");
	expect_ok(!arm() && hook_armed(), "reload: arming on this hook's policy again is accepted");
	got = golden_requests(RELOAD_TASKS);
	print_value("reload_back_installed", got);
	expect_ok(got == RELOAD_TASKS, "reload: decisions flow again after reloading this policy");

	/* a reload running (the driver's generation odd, before its first register write) */
	atomic_inc(&core.policy_gen);
	installed0 = total(NSH_C_INSTALLED);
	expect_ok(!golden_requests(1) && total(NSH_C_INSTALLED) == installed0 && !hook_armed() &&
		  atomic_read(&ctx.reason) == NSH_REASON_RELOAD,
		  "reload running: the hook stops (reload) before it installs anything");
	expect_ok(arm() == -EAGAIN && atomic_read(&ctx.reason) == NSH_REASON_RELOAD,
		  "reload running: arming waits (refused, reload)");
	atomic_inc(&core.policy_gen);
	expect_ok(!arm() && hook_armed(), "reload done, same policy: arming accepted");
	free(to.buf);
	free(back.buf);
}

/*
 * Bring up the driver core on the NIC, with a request timeout of @timeout_ns (bus time), then @n
 * CPUs as nsh_claim_slots() does, and arm.
 */
static int probe_with_timeout(int n, u64 timeout_ns)
{
	struct nicsched_core_cfg cfg = { .timeout_ns = timeout_ns };
	unsigned int users[NICSCHED_SLOTS] = { 0 };
	int i, ret;

	ncpu = n;
	cpus = calloc((size_t)n, sizeof(*cpus));
	rqs = calloc((size_t)n, sizeof(*rqs));
	submit_pending = calloc((size_t)n, sizeof(*submit_pending));
	if (!cpus || !rqs || !submit_pending)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		rqs[i].cpu = i;
		rqs[i].cfs.rq = &rqs[i];
		rqs[i].cfs.min_vruntime = T0;
	}
	nicsched_bus_open();
	ret = nicsched_core_init(&core, &harness_dev, (void __iomem *)NICSCHED_BUS_BASE,
				 NICSCHED_BUS_SIZE, &cfg);
	expect_ok(ret == 0, "driver core probed the Verilated NIC");
	if (ret)
		return ret;
	ctx.core = &core;
	ctx.stop_hooks = harness_stop_hooks;
	for (i = 0; i < n; i++) {
		int slot = nicsched_core_claim_any(&core, i);

		nsh_cpu_init(&cpus[i], i, slot >= 0 ? slot : nicsched_core_slot_for_cpu(i));
	}
	for (i = 0; i < n; i++)
		nsh_slot_users(&cpus[i], users);
	for (i = 0; i < n; i++)
		nsh_set_shared(&cpus[i], users);
	expect_ok(nsh_arm_check(&ctx) == 0, "policy hash of the NIC matches the hook's");
	return arm();
}

static int probe(int n)
{
	return probe_with_timeout(n, DRIVER_TIMEOUT_NS);
}

static int run_e2e(int n, const char *reload_dir)
{
	if (probe(E2E_CPUS))
		return 1;
	scenario_golden(n);
	scenario_expiry();
	scenario_expired_and_lost();
	scenario_stale();
	scenario_wrong_tag();
	scenario_out_of_range();
	scenario_clamp();
	scenario_deltas();
	scenario_provider_change();
	scenario_mismatch();
	scenario_kill();
	scenario_shared_miss();
	scenario_stall();
	scenario_wedged_owned();
	scenario_wedged_shared();
	scenario_wedged_rearm();
	scenario_remote_tick();
	if (reload_dir)
		scenario_reload(reload_dir);
	scenario_all_ones();
	print_value("hook_mmio_reads", (long long)hook_reads);
	print_value("hook_mmio_writes", (long long)hook_writes);
	print_value("submit_mmio_reads", (long long)submit_reads);
	print_value("submit_doorbells", (long long)doorbells);
	print_value("submit_max_writes", (long long)doorbell_max_writes);
	print_value("submit_writes_per_doorbell_x1000",
		    doorbells ? (long long)(doorbell_writes * 1000 / doorbells) : -1);
	print_value("submit_refused_writes", (long long)refused_writes);
	expect_ok(hook_reads == 0 && hook_writes == 0, "no MMIO at all in the scheduler hooks");
	expect_ok(submit_reads == 0, "no MMIO read on the submit path");
	expect_ok(doorbells && doorbell_max_writes <= NICSCHED_PACKED_WORDS + 1 &&
		  doorbell_writes >= doorbells && !refused_writes,
		  "submit path: each doorbell 1 to PACKED_WORDS + 1 posted writes, a refused submit none");
	return 0;
}

/* ---- the tick's correction against the kernel's calc_delta_fair() ------------------------ */

/*
 * What the kernel's own arithmetic says the tick window should hold: the runtime since it began
 * (the previous tick, a decision installed, a migration), as calc_delta_fair() turns each
 * update_curr() piece into vruntime at the task's weight and at the decision's.
 */
struct tick_window {
	struct task_struct eff;	/* a task at the adjusted nice level: its weight */
	u64 at_cur;
	u64 at_eff;
	int pieces;
};

static void window_restart(struct tick_window *w)
{
	w->at_cur = 0;
	w->at_eff = 0;
	w->pieces = 0;
}

/* update_curr(): @p ran @delta ns more on its CPU; CFS advanced its vruntime. */
static void run_piece(struct task_struct *p, struct tick_window *w, u64 delta)
{
	u64 v = nsh_calc_delta_fair(delta, &p->se);

	p->se.sum_exec_runtime += delta;
	p->se.vruntime += v;
	w->at_cur += v;
	w->at_eff += nsh_calc_delta_fair(delta, &w->eff.se);
	w->pieces++;
	now += delta;
}

/* 1 ms of runtime in three update_curr() pieces. */
static void run_ms(struct task_struct *p, struct tick_window *w)
{
	run_piece(p, w, 300000);
	run_piece(p, w, 300000);
	run_piece(p, w, 400000);
}

/*
 * The tick on @cpu with @p running: the correction it makes must be what running the window at
 * the adjusted level gives minus what CFS gave (@applies), or nothing, within one ns per piece
 * (each calc_delta_fair() floors). The window restarts.
 */
static void check_tick(int cpu, struct task_struct *p, struct tick_window *w, bool applies,
		       const char *what)
{
	s64 want = applies ? (s64)(w->at_eff - w->at_cur) : 0;
	u64 v = p->se.vruntime;
	s64 got, off;
	char name[96];

	if (hook_tick(cpu, p))
		irq_work(cpu);
	got = (s64)(p->se.vruntime - v);
	off = got - want;
	snprintf(name, sizeof(name), "tick_%s_ns", what);
	print_value(name, got);
	snprintf(name, sizeof(name), "tick_%s_kernel_ns", what);
	print_value(name, want);
	printf("check %s tick window, %s: correction %lld ns, calc_delta_fair says %lld\n",
	       off >= -w->pieces && off <= w->pieces ? "ok" : "FAIL", what, (long long)got,
	       (long long)want);
	failures += off < -w->pieces || off > w->pieces;
	window_restart(w);
}

/* Ask for @p at a tick on @cpu and make the NIC's answer action @action. */
static void answer_with(int cpu, struct task_struct *p, struct tick_window *w, unsigned int action)
{
	unsigned int slot = cpus[cpu].slot;

	expect_ok(nsh_task(p)->req_id == 0, "tick window: no request pending yet");
	check_tick(cpu, p, w, false, "before_any_decision");
	poller();
	set_word(slot, (word(slot) & ~WORD_ACTION_MASK) | action);
	expect_ok(nsh_task(p)->req_id != 0, "tick window: the tick asked for the task");
}

#define TICK_PRIO	123

static int run_tick(void)
{
	const int other = 2;
	struct task_struct p, p2;
	struct tick_window w;
	unsigned int k, action = 0;
	int eff;

	if (probe(E2E_CPUS))
		return 1;
	for (k = 0; k < NSH_ACTIONS; k++)
		if (nsh_clamp_nice(nsh_actions[k].nice) < nsh_clamp_nice(nsh_actions[action].nice))
			action = k;
	/* tasks at nice 3: calc_delta_fair() rounds at both weights */
	eff = TICK_PRIO + nsh_clamp_nice(nsh_actions[action].nice);
	print_value("tick_action_nice", nsh_clamp_nice(nsh_actions[action].nice));
	memset(&w, 0, sizeof(w));
	w.eff.static_prio = eff;
	nsh_set_load_weight(&w.eff);

	/* a decision installed at a tick counts from that tick on */
	random_task(&p);
	p.static_prio = TICK_PRIO;
	nsh_set_load_weight(&p);
	run_ms(&p, &w);
	answer_with(EXCL, &p, &w, action);
	run_ms(&p, &w);
	check_tick(EXCL, &p, &w, false, "install");
	expect_ok(p.nic.expires && p.nic.action == action,
		  "tick window: the decision is installed");
	run_ms(&p, &w);
	check_tick(EXCL, &p, &w, true, "after_install");

	/* a migration: what ran on the other runqueue does not count on this one */
	run_piece(&p, &w, 400000);
	kernel_migrate(&p, other);
	window_restart(&w);
	run_ms(&p, &w);
	check_tick(other, &p, &w, true, "after_migration");

	/* a decision installed at a wakeup counts from that wakeup on */
	random_task(&p2);
	p2.static_prio = TICK_PRIO;
	nsh_set_load_weight(&p2);
	run_ms(&p2, &w);
	answer_with(EXCL, &p2, &w, action);
	run_piece(&p2, &w, 500000);	/* runs on, then sleeps */
	now += TICK_NS;
	hook_wakeup(EXCL, &p2);
	expect_ok(p2.nic.expires && p2.nic.action == action,
		  "tick window: the decision is installed at the wakeup");
	window_restart(&w);
	run_ms(&p2, &w);
	check_tick(EXCL, &p2, &w, true, "after_wakeup_install");
	return 0;
}

/* ---- tags with many CPUs ----------------------------------------------------------------- */

#define TAG_IDS		1024	/* consecutive request ids checked per CPU */

/* The wire tag CPU @i gives request @id. */
static u16 tag_of(int i, u32 id)
{
	return nsh_tag(&cpus[i], id);
}

/* Every tag of every CPU on @slot over TAG_IDS ids: is any produced by two CPUs? */
static int slot_tag_clashes(unsigned int slot)
{
	static int owner[65536];
	int i, clashes = 0;
	u32 id;

	for (i = 0; i < 65536; i++)
		owner[i] = -1;
	for (i = 0; i < ncpu; i++) {
		if (cpus[i].slot != slot)
			continue;
		for (id = 1; id <= TAG_IDS; id++) {
			u16 t = tag_of(i, id);

			clashes += owner[t] >= 0 && owner[t] != i;
			owner[t] = i;
		}
	}
	return clashes;
}

/*
 * CPUs @a and @b share a slot and stage the same request id. @a's answer comes, then a third
 * CPU's, then @b's; only then does @a look. @b's answer must not pass for @a's.
 */
static void tags_cross_answer(int a, int b, int c)
{
	struct task_struct pa, pb, pc, q;
	u64 installed0;

	random_task(&pa);
	random_task(&pb);
	random_task(&pc);
	random_task(&q);
	cpus[b].next_id = cpus[a].next_id;
	now += TICK_NS;
	request(a, &pa);
	now += 1000;
	request(c, &pc);
	now += 1000;
	request(b, &pb);
	print_value("tags_same_wire_tag", cpus[a].busy_tag == cpus[b].busy_tag);
	installed0 = total(NSH_C_INSTALLED);
	now += 1000;
	hook_tick(a, &q);
	hook_wakeup(a, &pa);
	expect_ok(total(NSH_C_INSTALLED) == installed0 && !pa.nic.expires,
		  "tags: another CPU's answer on the shared slot is not installed as this CPU's");
}

static int run_tags(int n)
{
	unsigned int slot;
	int clashes = 0, a, b;

	if (probe(n))
		return 1;
	for (slot = 0; slot < NICSCHED_SLOTS; slot++)
		clashes += slot_tag_clashes(slot);
	print_value("tags_cpus", n);
	print_value("tags_clashes", clashes);
	expect_ok(!clashes, "tags: unique among the CPUs that share a slot");
	/* CPU 1 owns slot 1; the default mapping sends 257 (and 5) there too */
	a = 1;
	b = 1 + 256 < n ? 1 + 256 : n - 1;
	expect_ok(cpus[a].slot == cpus[b].slot && cpus[a].slot == cpus[a + NICSCHED_SLOTS].slot,
		  "tags: CPUs 1, 5 and 257 share a slot");
	tags_cross_answer(a, b, a + NICSCHED_SLOTS);
	return 0;
}

/* ---- unit: the pure parts --------------------------------------------------------------- */

static void unit_clamp_and_buckets(void)
{
	unsigned int users[NICSCHED_SLOTS] = { 0 }, alone[NICSCHED_SLOTS] = { 0 };
	struct nsh_cpu a, b, solo;
	int n, bad = 0;

	nsh_cpu_init(&a, 3, 0);
	nsh_cpu_init(&b, 7, 0);
	nsh_cpu_init(&solo, 1, 0);
	nsh_slot_users(&a, users);
	nsh_slot_users(&b, users);
	nsh_slot_users(&solo, alone);
	nsh_set_shared(&a, users);
	nsh_set_shared(&b, users);
	nsh_set_shared(&solo, alone);

	for (n = -19; n <= 19; n++) {
		int c = nsh_clamp_nice(n);

		bad += c < -NSH_NICE_LIMIT || c > NSH_NICE_LIMIT ||
		       (n >= -NSH_NICE_LIMIT && n <= NSH_NICE_LIMIT && c != n);
	}
	expect_ok(!bad, "nsh_clamp_nice keeps -limit..limit and clamps beyond");
	expect_ok(nsh_hist_bucket(0) == 0 && nsh_hist_bucket(1023) == 0 &&
		  nsh_hist_bucket(1024) == 1 && nsh_hist_bucket(2047) == 1 &&
		  nsh_hist_bucket(~0ULL) == NSH_HIST_BUCKETS - 1,
		  "histogram buckets are log2 of ns / 1024, the last open");
	expect_ok(nsh_tag(&a, 0x1234) != nsh_tag(&a, 0x1235) &&
		  nsh_tag(&a, 0x34) != nsh_tag(&b, 0x34) &&
		  nsh_tag(&solo, 0x1234) == 0x1234 && nsh_tag(&a, 0x8001) == 0x0001 &&
		  nsh_tag(&b, 0x8001) == 0x8001,
		  "tags differ by request and by CPU; a CPU alone on its slot uses all 16 bits");
}

static void unit_decision_adj(void)
{
	struct sched_nic_task t = { 0 };

	expect_ok(sched_nic_decision_adj(&t, T0) == 0, "no decision: no adjustment");
	t.expires = T0 + 10;
	t.nice = -3;
	expect_ok(sched_nic_decision_adj(&t, T0) == -3, "unexpired decision: its adjustment");
	expect_ok(sched_nic_decision_adj(&t, T0 + 10) == 0, "at its expiry: none");
	t.nice = 100;
	expect_ok(sched_nic_decision_adj(&t, T0) == SCHED_NIC_NICE_MAX, "kernel clamps +");
	t.nice = -100;
	expect_ok(sched_nic_decision_adj(&t, T0) == -SCHED_NIC_NICE_MAX, "kernel clamps -");
	t.expires = T0 + SCHED_NIC_TTL_MAX_NS + 1;
	expect_ok(sched_nic_decision_adj(&t, T0) == 0, "expiry implausibly far ahead: ignored");
	t.expires = T0 - 1;
	expect_ok(sched_nic_decision_adj(&t, T0) == 0, "expired: none");
}

static void unit_place_bounds(void)
{
	const u64 lat = 6000000;
	int i, bad = 0;

	for (i = 0; i < 100000; i++) {
		u64 minv = rnd();
		u64 v = minv - lat / 2 + rnd() % (3 * lat);	/* where CFS may have placed it */
		int adj = (int)(rnd() % (2 * SCHED_NIC_NICE_MAX + 1)) - SCHED_NIC_NICE_MAX;
		u64 r = sched_nic_place_vruntime(v, minv, lat, adj);
		s64 moved = (s64)(r - v);
		s64 lag = (s64)(r - minv);

		if (adj < 0)
			bad += moved > 0 || (lag < -(s64)lat && moved != 0) ||
			       -moved > (s64)(lat * -adj / (2 * SCHED_NIC_NICE_MAX));
		else if (adj > 0)
			bad += moved < 0 || (lag > (s64)lat / 2 && moved != 0) ||
			       moved > (s64)(lat * adj / (2 * SCHED_NIC_NICE_MAX));
		else
			bad += moved != 0;
	}
	expect_ok(!bad,
		  "wakeup placement: moved only as asked, at most adj/16 latency, in the envelope");
	expect_ok(sched_nic_place_vruntime(T0, T0, lat, -SCHED_NIC_NICE_MAX) == T0 - lat / 2,
		  "full boost from min_vruntime: half a latency earlier");
	expect_ok(sched_nic_place_vruntime(T0 - lat / 2, T0, lat, -SCHED_NIC_NICE_MAX) == T0 - lat,
		  "full boost of a gentle sleeper: the full sleeper credit, no more");
	expect_ok(sched_nic_place_vruntime(T0, T0, lat, SCHED_NIC_NICE_MAX) == T0 + lat / 2,
		  "full demotion: at most half a latency past min_vruntime");
}

static void unit_tick_vdelta(void)
{
	/* sched_prio_to_wmult[] of nice -3, 0, 2 (kernel/sched/core.c) */
	const u32 wm_m3 = 2141034, wm_0 = 4194304, wm_p2 = 6557202;
	const u64 exec = 4000000;

	expect_ok(sched_nic_tick_vdelta(exec, wm_0, wm_0) == 0,
		  "no adjustment: no vruntime change");
	expect_ok(sched_nic_tick_vdelta(exec, wm_0, wm_m3) < 0, "boost: vruntime advances slower");
	expect_ok(sched_nic_tick_vdelta(exec, wm_0, wm_p2) > 0,
		  "demotion: vruntime advances faster");
	expect_ok(exec + sched_nic_tick_vdelta(exec, wm_0, wm_m3) ==
		  mul_u64_u32_shr(exec << 10, wm_m3, 32),
		  "the tick counts runtime at the adjusted weight");
	print_value("tick_vdelta_boost3_ns", sched_nic_tick_vdelta(exec, wm_0, wm_m3));
	print_value("tick_vdelta_demote2_ns", sched_nic_tick_vdelta(exec, wm_0, wm_p2));
}

static int run_unit(void)
{
	/* what each task carries for the hooks (README and the Kconfig help quote it) */
	print_value("sched_nic_task_bytes", (long long)sizeof(struct sched_nic_task));
	print_value("nsh_task_bytes", (long long)sizeof(struct nsh_task));
	unit_clamp_and_buckets();
	unit_decision_adj();
	unit_place_bounds();
	unit_tick_vdelta();
	return 0;
}

/* ---- stdin tools ------------------------------------------------------------------------ */

static int source_id(const char *name)
{
	int i;

	for (i = 0; i < NSH_NR_SOURCES; i++)
		if (!strcmp(nsh_source_names[i], name))
			return i;
	return -1;
}

static int run_xform(void)
{
	char name[64], raw[32];
	int lo, hi, src;

	while (scanf("%63s %31s %d %d", name, raw, &lo, &hi) == 4) {
		src = source_id(name);
		if (src < 0) {
			fprintf(stderr, "unknown source %s\n", name);
			return 1;
		}
		/* levels may be negative: their two's complement bit pattern */
		printf("%d\n", nsh_xform_source(src, raw[0] == '-' ? (u64)strtoll(raw, NULL, 10) :
						 strtoull(raw, NULL, 10), lo, hi));
	}
	return 0;
}

/*
 * One task per line: run_delay sum_exec_runtime nvcsw nivcsw util_avg nr_migrations static_prio
 * wakee_flips prev_sum_exec_runtime, then the task's NSH_NR_DELTA previous counters.
 * Prints the policy's features.
 */
static int run_features(void)
{
	struct task_struct p;
	struct nsh_sample cur;
	unsigned long long v[9 + NSH_NR_DELTA];
	u64 prev[NSH_NR_DELTA];
	s32 f[NSH_INPUTS];
	int i, k;

	for (;;) {
		for (i = 0; i < 9 + NSH_NR_DELTA; i++)
			if (scanf("%llu", &v[i]) != 1)
				return 0;
		memset(&p, 0, sizeof(p));
		p.sched_info.run_delay = v[0];
		p.se.sum_exec_runtime = v[1];
		p.nvcsw = v[2];
		p.nivcsw = v[3];
		p.se.avg.util_avg = v[4];
		p.se.nr_migrations = v[5];
		p.static_prio = (int)v[6];
		p.wakee_flips = (unsigned int)v[7];
		p.se.prev_sum_exec_runtime = v[8];
		for (k = 0; k < NSH_NR_DELTA; k++)
			prev[k] = v[9 + k];
		nsh_sample_task(&p, &cur);
		nsh_policy_features(&cur, prev, f);
		for (k = 0; k < NSH_INPUTS; k++)
			printf(k ? " %d" : "%d", f[k]);
		printf("\n");
	}
}

/* ---- replay: recorded hook events through the module, the kernel side and the NIC ---------- */

/*
 * A recording (docs/HOOK.md, "Differential replay"; written by test/kernel/hook-replay.ts from
 * the scheduling simulator or by hand) is a header and one event per line:
 *
 *   nsh-replay 1
 *   policy <POLICY_HASH, 8 hex digits>
 *   cpus <n>
 *   latency_ns <sysctl_sched_latency>
 *   sources <the catalogue's sources: the raw counter columns of wakeup and tick>
 *   wakeup <t> <cpu> <rq_cpu> <task> <normal|batch|idle> <vruntime> <min_vruntime> <raw...>
 *   tick <t> <cpu> <task> <normal|batch|idle> <vruntime> <raw...>
 *   migrate <t> <task> <sum_exec_runtime>
 *   irq <t> <cpu>
 *   land <t> <slot> <action|->
 *   word <t> <slot> <tag> <action>
 *   reload <t> begin|end
 *   gone <t>
 *   arm <t>
 *
 * t is the rq clock in ns (never decreasing). wakeup: place_entity() left @vruntime, then
 * enqueue_entity() calls the hook on @rq_cpu's runqueue from @cpu; tick: task_tick_fair() on
 * @cpu; migrate: sched_nic_migrate() (the task changed runqueue); irq: @cpu's irq_work runs if a
 * hook queued it; land: the card lets the answer of @slot's request through and the driver's
 * poller publishes it (with @action, the card's answer, in place of the RTL's when they differ:
 * counted); word: a decision word the driver never publishes (a late or foreign answer), one
 * sequence further; reload: the driver's reload generation moves (odd while it runs); gone: the
 * card is removed; arm: the module's explicit re-arm. Every answer is held on the card (its
 * RESULT reads BUSY) until its land, and the driver never times a request out.
 *
 * Output (compared line by line with the same replay through codegen/eval/hook.ts): for event
 * n, what it did (a hook: the task's decision, tick window and request words, the vruntime
 * before and after, whether it queued the irq_work; an irq: whether it ran and the doorbell it
 * rang; a land or word: the decision word), then every change of the hook's state, of a CPU's
 * staging and request in flight, of a counter and of a done[] entry; at the end every counter.
 */

#define REPLAY_TIMEOUT_NS	((u64)BIT(62))	/* the driver never gives up on a held answer */
#define REPLAY_POLL_CAP		100000		/* poller passes for an answer let through */
#define REPLAY_TOKENS		64

/* The catalogue's raw counters, as nsh_sample_task() reads them from a task_struct. */
enum replay_field {
	RF_RUN_DELAY, RF_SUM_EXEC, RF_NVCSW, RF_NIVCSW, RF_UTIL, RF_MIGRATIONS, RF_NICE, RF_WAKEE,
	RF_STINT, RF_COUNT
};

static const char * const replay_field_names[RF_COUNT] = {
	[RF_RUN_DELAY] = "wait_ns_log2",
	[RF_SUM_EXEC] = "exec_ns_log2",
	[RF_NVCSW] = "nvcsw_delta",
	[RF_NIVCSW] = "nivcsw_delta",
	[RF_UTIL] = "util_avg",
	[RF_MIGRATIONS] = "nr_migrations_delta",
	[RF_NICE] = "nice",
	[RF_WAKEE] = "wakee_flips",
	[RF_STINT] = "stint_ns_log2",
};

static_assert(NSH_NR_SOURCES == RF_COUNT, "the replay sets every catalogue source's field");

struct replay {
	unsigned long line;
	u64 t;
	int columns[RF_COUNT];		/* the field of each raw counter column */
	struct task_struct **tasks;
	unsigned int ntasks;
	unsigned long overrides;	/* answers whose action the recording replaced */
	/* what the previous event left, to print only what changed */
	char (*cpu_line)[256];
	u64 (*counters)[NSH_NR_COUNTERS];
	u64 (*done)[NSH_DONE_ENTRIES];
	char hook_line[64];
};

static struct replay rp;

static void __noreturn replay_fail(const char *what, const char *tok)
{
	fprintf(stderr, "replay: line %lu: %s%s%s\n", rp.line, what, tok ? ": " : "",
		tok ? tok : "");
	exit(2);
}

static s64 replay_signed(const char *tok)
{
	char *end;
	long long v;

	if (!tok)
		replay_fail("missing field", NULL);
	v = strtoll(tok, &end, 10);
	if (*end)
		replay_fail("not an integer", tok);
	return v;
}

static u64 replay_unsigned(const char *tok, u64 max)
{
	char *end;
	unsigned long long v;

	if (!tok || tok[0] == '-')
		replay_fail("not an unsigned integer", tok);
	v = strtoull(tok, &end, 10);
	if (*end || v > max)
		replay_fail("not an unsigned integer in range", tok);
	return v;
}

/* The event's time: the rq clock, never decreasing. */
static void replay_time(const char *tok)
{
	u64 t = replay_unsigned(tok, S64_MAX);

	if (t < rp.t)
		replay_fail("time goes backwards", tok);
	rp.t = t;
	now = t;
}

static int replay_cpu(const char *tok)
{
	return (int)replay_unsigned(tok, (u64)ncpu - 1);
}

static struct task_struct *replay_task(const char *tok)
{
	u64 id = replay_unsigned(tok, 1U << 20);
	struct task_struct **grown;
	unsigned int n;

	if (id >= rp.ntasks) {
		n = (unsigned int)id + 64;
		grown = realloc(rp.tasks, n * sizeof(*grown));
		if (!grown)
			replay_fail("out of memory", NULL);
		memset(grown + rp.ntasks, 0, (n - rp.ntasks) * sizeof(*grown));
		rp.tasks = grown;
		rp.ntasks = n;
	}
	if (!rp.tasks[id]) {
		rp.tasks[id] = calloc(1, sizeof(struct task_struct));
		if (!rp.tasks[id])
			replay_fail("out of memory", NULL);
		rp.tasks[id]->static_prio = 120;
		nsh_set_load_weight(rp.tasks[id]);
	}
	return rp.tasks[id];
}

static unsigned int replay_policy(const char *tok)
{
	if (tok && !strcmp(tok, "normal"))
		return SCHED_NORMAL;
	if (tok && !strcmp(tok, "batch"))
		return 3;	/* SCHED_BATCH */
	if (tok && !strcmp(tok, "idle"))
		return SCHED_IDLE;
	replay_fail("policy is not normal, batch or idle", tok);
}

/*
 * Set the catalogue's fields of @p from the raw counter columns. The stint column is the
 * catalogue's raw value, sum_exec_runtime - prev_sum_exec_runtime: prev_sum_exec_runtime follows
 * from it once every column is read.
 */
static void replay_counters(struct task_struct *p, char **tok)
{
	u64 stint = 0;
	int k;

	for (k = 0; k < RF_COUNT; k++) {
		const char *v = tok[k];

		switch (rp.columns[k]) {
		case RF_RUN_DELAY:
			p->sched_info.run_delay = replay_unsigned(v, U64_MAX);
			break;
		case RF_SUM_EXEC:
			p->se.sum_exec_runtime = replay_unsigned(v, U64_MAX);
			break;
		case RF_NVCSW:
			p->nvcsw = replay_unsigned(v, U64_MAX);
			break;
		case RF_NIVCSW:
			p->nivcsw = replay_unsigned(v, U64_MAX);
			break;
		case RF_UTIL:
			p->se.avg.util_avg = replay_unsigned(v, U64_MAX);
			break;
		case RF_MIGRATIONS:
			p->se.nr_migrations = replay_unsigned(v, U64_MAX);
			break;
		case RF_NICE: {
			s64 nice = replay_signed(v);

			if (nice < -20 || nice > 19)
				replay_fail("nice outside -20..19", v);
			p->static_prio = 120 + (int)nice;
			nsh_set_load_weight(p);
			break;
		}
		case RF_WAKEE:
			p->wakee_flips = (unsigned int)replay_unsigned(v, 0xffffffffULL);
			break;
		case RF_STINT:
			stint = (u64)replay_signed(v);
			break;
		}
	}
	p->se.prev_sum_exec_runtime = p->se.sum_exec_runtime - stint;
}

/* The task after a hook: its decision, its tick window and the module's request words. */
static void replay_print_task(const struct task_struct *p)
{
	const struct nsh_task *t = nsh_task((struct task_struct *)p);

	printf(" nic %llu %u %u %d %llu req %u %d %llu", (unsigned long long)p->nic.expires,
	       p->nic.tag, p->nic.action, p->nic.nice, (unsigned long long)p->nic.tick_exec,
	       t->req_id, t->req_cpu, (unsigned long long)t->req_ns);
}

/* Does the kernel call the provider for @p now (sched_nic_wakeup()/sched_nic_tick())? */
static bool replay_provider_runs(const struct task_struct *p)
{
	return sched_nic_enabled() && nsh_sched_nic_ops() && p->policy != SCHED_IDLE;
}

static void replay_hook(unsigned long n, const char *point, const char *id, struct task_struct *p,
			bool ran, s64 before)
{
	printf("%lu %s task %s", n, point, id);
	if (ran) {
		printf(" kick %d vruntime %lld %lld", last_kick, (long long)before,
		       (long long)p->se.vruntime);
		replay_print_task(p);
	} else {
		printf(" off vruntime %lld %lld", (long long)before, (long long)p->se.vruntime);
	}
	printf("\n");
}

/* wakeup <t> <cpu> <rq_cpu> <task> <policy> <vruntime> <min_vruntime> <raw...> */
static void replay_wakeup(unsigned long n, char **tok)
{
	int cpu, rq_cpu;
	struct task_struct *p;
	struct rq *rq;
	s64 before;
	bool ran;

	replay_time(tok[1]);
	cpu = replay_cpu(tok[2]);
	rq_cpu = replay_cpu(tok[3]);
	p = replay_task(tok[4]);
	p->policy = replay_policy(tok[5]);
	p->se.vruntime = (u64)replay_signed(tok[6]);
	rq = &rqs[rq_cpu];
	rq->clock = now;
	rq->cfs.min_vruntime = (u64)replay_signed(tok[7]);
	replay_counters(p, tok + 8);
	p->se.cfs_rq = &rq->cfs;
	this_cpu = cpu;
	last_kick = false;
	before = (s64)p->se.vruntime;
	ran = replay_provider_runs(p);
	if (sched_nic_enabled())
		sched_nic_wakeup(&rq->cfs, &p->se);
	replay_hook(n, "wakeup", tok[4], p, ran, before);
}

/* tick <t> <cpu> <task> <policy> <vruntime> <raw...> */
static void replay_tick(unsigned long n, char **tok)
{
	struct task_struct *p;
	struct rq *rq;
	s64 before;
	bool ran;
	int cpu;

	replay_time(tok[1]);
	cpu = replay_cpu(tok[2]);
	p = replay_task(tok[3]);
	p->policy = replay_policy(tok[4]);
	p->se.vruntime = (u64)replay_signed(tok[5]);
	replay_counters(p, tok + 6);
	rq = &rqs[cpu];
	rq->clock = now;
	p->se.cfs_rq = &rq->cfs;
	this_cpu = cpu;
	last_kick = false;
	before = (s64)p->se.vruntime;
	ran = replay_provider_runs(p);
	if (sched_nic_enabled())
		sched_nic_tick(rq, p);
	replay_hook(n, "tick", tok[3], p, ran, before);
}

/* migrate <t> <task> <sum_exec_runtime>: migrate_task_rq_fair() or task_change_group_fair() */
static void replay_migrate(char **tok)
{
	struct task_struct *p;

	replay_time(tok[1]);
	p = replay_task(tok[2]);
	p->se.sum_exec_runtime = replay_unsigned(tok[3], U64_MAX);
	if (sched_nic_enabled())
		sched_nic_migrate(p);
}

static void replay_print_word(unsigned long n, const char *what, unsigned int slot)
{
	struct nicsched_decision d;

	nicsched_core_decision(&core, slot, &d);
	printf("%lu %s slot %u word %u %u %u\n", n, what, slot, d.seq, d.tag, d.action);
}

/* irq <t> <cpu> */
static void replay_irq(unsigned long n, char **tok)
{
	int cpu, k;
	u64 rung;
	bool ran;

	replay_time(tok[1]);
	cpu = replay_cpu(tok[2]);
	rung = cpus[cpu].stats.c[NSH_C_SUBMITTED];
	ran = submit_pending[cpu];
	if (ran)
		irq_work(cpu);
	else
		nsh_run_deferred();
	printf("%lu irq cpu %d ran %d\n", n, cpu, ran);
	if (cpus[cpu].stats.c[NSH_C_SUBMITTED] == rung)
		return;
	printf("%lu doorbell cpu %d slot %u tag %u id %u features", n, cpu, cpus[cpu].slot,
	       cpus[cpu].busy_tag, cpus[cpu].busy_id);
	for (k = 0; k < NSH_INPUTS; k++)
		printf(" %d", NSH_IN_SIGNED ? (int)(s32)cpus[cpu].features[k] :
		       (int)cpus[cpu].features[k]);
	printf("\n");
}

static unsigned int replay_slot(const char *tok)
{
	return (unsigned int)replay_unsigned(tok, NICSCHED_SLOTS - 1);
}

/* land <t> <slot> <action|->: the card lets the slot's answer through; the poller publishes it */
static void replay_land(unsigned long n, char **tok)
{
	unsigned int slot, passes = 0;
	bool was;
	u64 w;

	replay_time(tok[1]);
	slot = replay_slot(tok[2]);
	if (!tok[3])
		replay_fail("land without the card's action (or -)", NULL);
	was = nicsched_core_in_flight(&core, slot);
	nicsched_bus_hold_result(slot, 0);
	while (nicsched_core_in_flight(&core, slot) && passes++ < REPLAY_POLL_CAP)
		if (nicsched_core_poll(&core) < 0)
			break;
	nicsched_bus_hold_result(slot, 1);
	if (nicsched_core_state(&core) == NICSCHED_CORE_RUNNING &&
	    nicsched_core_in_flight(&core, slot))
		replay_fail("the card did not answer", tok[2]);
	if (was && !nicsched_core_in_flight(&core, slot) && strcmp(tok[3], "-")) {
		u64 action = replay_unsigned(tok[3], NICSCHED_RESULT_ACTION_MASK);

		w = word(slot);
		if ((w & NICSCHED_RESULT_ACTION_MASK) != action) {
			set_word(slot, (w & ~(u64)NICSCHED_RESULT_ACTION_MASK) | action);
			rp.overrides++;
		}
	}
	replay_print_word(n, "land", slot);
}

/* word <t> <slot> <tag> <action>: a decision word the driver never publishes, one sequence on */
static void replay_word(unsigned long n, char **tok)
{
	unsigned int slot;
	u64 tag, action;

	replay_time(tok[1]);
	slot = replay_slot(tok[2]);
	tag = replay_unsigned(tok[3], 0xffff);
	action = replay_unsigned(tok[4], NICSCHED_RESULT_ACTION_MASK);
	set_word(slot, ((word(slot) >> 32) + 1) << 32 | NICSCHED_RESULT_VALID_MASK |
		 tag << NICSCHED_RESULT_TAG_SHIFT | action);
	replay_print_word(n, "word", slot);
}

/* The hook's state, its CPUs' staging and requests, counters and done[]: print what changed. */
static void replay_changes(const char *prefix)
{
	char line[256];
	int i, k;

	snprintf(line, sizeof(line), "%s", atomic_read(&ctx.state) == NSH_STATE_ARMED ? "armed" :
		 nsh_reason_name(atomic_read(&ctx.reason)));
	if (strcmp(line, rp.hook_line)) {
		printf("%s hook %s\n", prefix, line);
		strcpy(rp.hook_line, line);
	}
	for (i = 0; i < ncpu; i++) {
		const struct nsh_cpu *c = &cpus[i];
		int len = 0;

		if (c->staged)
			len += snprintf(line + len, sizeof(line) - len, "staged %u %llu",
					c->staged_id, (unsigned long long)c->staged_ns);
		else
			len += snprintf(line + len, sizeof(line) - len, "staged -");
		if (c->busy)
			len += snprintf(line + len, sizeof(line) - len, " busy %u %u %llu %llu %u",
					c->busy_tag, c->busy_id, (unsigned long long)c->busy_ns,
					(unsigned long long)c->busy_staged_ns, c->busy_seq);
		else
			len += snprintf(line + len, sizeof(line) - len, " busy -");
		if (c->waiting)
			len += snprintf(line + len, sizeof(line) - len, " waiting %llu %u",
					(unsigned long long)c->wait_ns, c->wait_seq);
		else
			len += snprintf(line + len, sizeof(line) - len, " waiting -");
		snprintf(line + len, sizeof(line) - len, " seen %u next %u", c->seen_seq,
			 c->next_id);
		if (strcmp(line, rp.cpu_line[i])) {
			printf("%s cpu %d %s\n", prefix, i, line);
			strcpy(rp.cpu_line[i], line);
		}
		for (k = 0; k < NSH_NR_COUNTERS; k++) {
			if (k == NSH_C_SUBMIT_NS || c->stats.c[k] == rp.counters[i][k])
				continue;
			printf("%s count %d %s %llu\n", prefix, i, nsh_counter_name(k),
			       (unsigned long long)c->stats.c[k]);
			rp.counters[i][k] = c->stats.c[k];
		}
		for (k = 0; k < NSH_DONE_ENTRIES; k++) {
			u64 e = c->done[k];

			if (e == rp.done[i][k])
				continue;
			printf("%s done %d %d %u %u\n", prefix, i, k, (u32)(e >> 32),
			       (unsigned int)(e >> NSH_DONE_ACTION_SHIFT) & 0xff);
			rp.done[i][k] = e;
		}
	}
}

static void replay_header(char **tok, int count, unsigned int *have)
{
	int k, f;

	if (!strcmp(tok[0], "policy")) {
		char *end = NULL;

		if (!tok[1] || strlen(tok[1]) != 8 ||
		    strtoul(tok[1], &end, 16) != NSH_POLICY_HASH32 || *end)
			replay_fail("recorded for another policy (POLICY_HASH)", tok[1]);
		*have |= 1;
	} else if (!strcmp(tok[0], "cpus")) {
		if (probe_with_timeout((int)replay_unsigned(tok[1], 4096), REPLAY_TIMEOUT_NS))
			replay_fail("probe or arming failed", NULL);
		for (k = 0; k < NICSCHED_SLOTS; k++)
			nicsched_bus_hold_result((u32)k, 1);
		rp.cpu_line = calloc((size_t)ncpu, sizeof(*rp.cpu_line));
		rp.counters = calloc((size_t)ncpu, sizeof(*rp.counters));
		rp.done = calloc((size_t)ncpu, sizeof(*rp.done));
		if (!rp.cpu_line || !rp.counters || !rp.done)
			replay_fail("out of memory", NULL);
		strcpy(rp.hook_line, "armed");
		*have |= 2;
	} else if (!strcmp(tok[0], "latency_ns")) {
		sysctl_sched_latency = (unsigned int)replay_unsigned(tok[1], 0xffffffffULL);
		*have |= 4;
	} else if (!strcmp(tok[0], "sources")) {
		if (count - 1 != RF_COUNT)
			replay_fail("sources must name every catalogue source once", NULL);
		for (k = 0; k < RF_COUNT; k++) {
			for (f = 0; f < RF_COUNT && strcmp(tok[k + 1], replay_field_names[f]); f++)
				;
			if (f == RF_COUNT)
				replay_fail("unknown source", tok[k + 1]);
			rp.columns[k] = f;
		}
		*have |= 8;
	} else {
		replay_fail("unknown header line", tok[0]);
	}
}

static int replay_fields(char *buf, char **tok)
{
	int count = 0;
	char *s = strtok(buf, " \t\r\n");

	while (s && count < REPLAY_TOKENS - 1) {
		tok[count++] = s;
		s = strtok(NULL, " \t\r\n");
	}
	if (s)
		replay_fail("too many fields", NULL);
	tok[count] = NULL;
	return count;
}

static void replay_event(unsigned long n, char **tok, int count)
{
	const char *kind = tok[0];
	int want = !strcmp(kind, "wakeup") ? 8 + RF_COUNT : !strcmp(kind, "tick") ? 6 + RF_COUNT :
		   !strcmp(kind, "migrate") ? 4 : !strcmp(kind, "irq") ? 3 :
		   !strcmp(kind, "land") ? 4 : !strcmp(kind, "word") ? 5 :
		   !strcmp(kind, "reload") ? 3 :
		   !strcmp(kind, "gone") || !strcmp(kind, "arm") ? 2 : -1;

	if (want < 0)
		replay_fail("unknown event", kind);
	if (count != want)
		replay_fail("wrong number of fields for", kind);
	if (!strcmp(kind, "wakeup")) {
		replay_wakeup(n, tok);
	} else if (!strcmp(kind, "tick")) {
		replay_tick(n, tok);
	} else if (!strcmp(kind, "migrate")) {
		replay_migrate(tok);
	} else if (!strcmp(kind, "irq")) {
		replay_irq(n, tok);
	} else if (!strcmp(kind, "land")) {
		replay_land(n, tok);
	} else if (!strcmp(kind, "word")) {
		replay_word(n, tok);
	} else if (!strcmp(kind, "reload")) {
		replay_time(tok[1]);
		if (strcmp(tok[2], "begin") && strcmp(tok[2], "end"))
			replay_fail("reload is begin or end", tok[2]);
		atomic_inc(&core.policy_gen);
	} else if (!strcmp(kind, "gone")) {
		replay_time(tok[1]);
		nicsched_bus_remove_after(0);
		nicsched_core_surprise_removal(&core);
	} else {
		replay_time(tok[1]);
		if (arm())
			printf("%lu arm refused %s\n", n,
			       nsh_reason_name(atomic_read(&ctx.reason)));
		else
			printf("%lu arm ok\n", n);
	}
}

static int run_replay(void)
{
	char *buf = NULL, *tok[REPLAY_TOKENS];
	unsigned long n = 0;
	unsigned int have = 0;
	size_t cap = 0;
	int count, i, k;
	char prefix[32];

	while (getline(&buf, &cap, stdin) >= 0) {
		rp.line++;
		count = replay_fields(buf, tok);
		if (!count || tok[0][0] == '#')
			continue;
		if (rp.line == 1) {
			if (count != 2 || strcmp(tok[0], "nsh-replay") || strcmp(tok[1], "1"))
				replay_fail("not a recording (nsh-replay 1)", tok[0]);
			continue;
		}
		if (have != 15) {
			replay_header(tok, count, &have);
			continue;
		}
		replay_event(n, tok, count);
		snprintf(prefix, sizeof(prefix), "%lu", n);
		replay_changes(prefix);
		n++;
	}
	free(buf);
	if (have != 15)
		replay_fail("incomplete header (policy, cpus, latency_ns, sources)", NULL);
	for (i = 0; i < ncpu; i++) {
		printf("end cpu %d", i);
		for (k = 0; k < NSH_NR_COUNTERS; k++)
			if (k != NSH_C_SUBMIT_NS)
				printf(" %llu", (unsigned long long)cpus[i].stats.c[k]);
		printf("\n");
	}
	for (k = 0; k < NICSCHED_SLOTS; k++) {
		struct nicsched_decision d;

		nicsched_core_decision(&core, (unsigned int)k, &d);
		if (d.seq)
			printf("end slot %d %u %u %u\n", k, d.seq, d.tag, d.action);
	}
	printf("end overrides %lu\n", rp.overrides);
	printf("end hook %s\n", rp.hook_line);
	print_value("replay_events", (long long)n);
	return 0;
}

/* ---- bench: the hot path under callgrind ------------------------------------------------ */

/* @fresh: every wakeup is a task without a decision (each one stages a request) */
static int run_bench(int n, bool fresh)
{
	struct task_struct tasks[64];
	int i;

	if (probe(NICSCHED_SLOTS))
		return 1;
	for (i = 0; i < 64; i++)
		random_task(&tasks[i]);
	for (i = 0; i < n; i++) {
		int cpu = i % NICSCHED_SLOTS;
		struct task_struct *p = &tasks[i % 64];

		if (fresh)
			random_task(p);
		now += 20000;
		if (hook_wakeup(cpu, p))
			irq_work(cpu);
		if (i % 4 == 3)
			hook_tick(cpu, p);
		if (i % 8 == 7)
			poller();
		p->se.sum_exec_runtime += 50000;
		p->nvcsw++;
	}
	print_value("bench_wakeups", n);
	print_value("bench_ticks", n / 4);
	print_value("bench_submitted", (long long)total(NSH_C_SUBMITTED));
	print_value("bench_installed", (long long)total(NSH_C_INSTALLED));
	print_value("bench_applied_wakeup", (long long)total(NSH_C_APPLIED_WAKEUP));
	print_value("hook_mmio_reads", (long long)hook_reads);
	print_value("hook_mmio_writes", (long long)hook_writes);
	expect_ok(atomic_read(&ctx.state) == NSH_STATE_ARMED, "the hook stayed armed");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "xform"))
		return run_xform();
	if (!strcmp(cmd, "features"))
		return run_features();
	if (!strcmp(cmd, "unit")) {
		ret = run_unit();
	} else if (!strcmp(cmd, "e2e")) {
		ret = run_e2e(n > 0 ? n : 500,
			      argc > 4 && !strcmp(argv[3], "--reload") ? argv[4] : NULL);
	} else if (!strcmp(cmd, "tick")) {
		ret = run_tick();
	} else if (!strcmp(cmd, "tags")) {
		ret = run_tags(n > 0 ? n : 512);
	} else if (!strcmp(cmd, "replay")) {
		ret = run_replay();
	} else if (!strcmp(cmd, "bench")) {
		ret = run_bench(n > 0 ? n : 4000, argc > 3 && !strcmp(argv[3], "fresh"));
	} else {
		fprintf(stderr,
			"usage: %s xform|features|unit|e2e [n [--reload DIR]]|tick|tags [n]|replay|bench [n [fresh]]\n",
			argv[0]);
		return 2;
	}
	print_value("failures", failures);
	return ret ? ret : (failures > 100 ? 100 : failures);
}
