// SPDX-License-Identifier: GPL-2.0
/*
 * nicsched_hook: the hook's logic. The kernel module and the userspace harness compile this same
 * file; see nsh_logic.h for the data flow and docs/HOOK.md for the safety model.
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "nsh_logic.h"

static_assert(NSH_INPUTS == NICSCHED_INPUTS, "hook and driver built for different policies");
static_assert(NSH_OUTPUTS == NICSCHED_OUTPUTS, "hook and driver built for different policies");

static const char * const nsh_reason_names[NSH_NR_REASONS] = {
	[NSH_REASON_NONE] = "none",
	[NSH_REASON_STALL] = "stall",
	[NSH_REASON_DEVICE] = "device",
	[NSH_REASON_KILL] = "kill",
	[NSH_REASON_MISMATCH] = "mismatch",
	[NSH_REASON_UNLOAD] = "unload",
	[NSH_REASON_RELOAD] = "reload",
};

static const char * const nsh_counter_names[NSH_NR_COUNTERS] = {
	[NSH_C_STAGED] = "staged",
	[NSH_C_OVERWRITTEN] = "overwritten",
	[NSH_C_SUBMITTED] = "submitted",
	[NSH_C_SUBMIT_BUSY] = "submit_busy",
	[NSH_C_SUBMIT_STUCK] = "submit_stuck",
	[NSH_C_SUBMIT_ERROR] = "submit_error",
	[NSH_C_COMPLETED] = "completed",
	[NSH_C_INSTALLED] = "installed",
	[NSH_C_APPLIED_WAKEUP] = "applied_wakeup",
	[NSH_C_APPLIED_TICK] = "applied_tick",
	[NSH_C_DROP_STALE] = "dropped_stale",
	[NSH_C_DROP_WRONG_TAG] = "dropped_wrong_tag",
	[NSH_C_DROP_RANGE] = "dropped_out_of_range",
	[NSH_C_EXPIRED] = "expired",
	[NSH_C_LOST] = "lost",
	[NSH_C_CLAMPED] = "clamped",
	[NSH_C_MISSED] = "missed",
	[NSH_C_FOREIGN] = "foreign",
	[NSH_C_SUBMIT_NS] = "submit_ns",
};

const char *nsh_reason_name(enum nsh_reason r)
{
	return (unsigned int)r < NSH_NR_REASONS ? nsh_reason_names[r] : "?";
}

const char *nsh_counter_name(enum nsh_counter c)
{
	return (unsigned int)c < NSH_NR_COUNTERS ? nsh_counter_names[c] : "?";
}

/* One letter per log kind in debugfs: answer, range, stale, install. */
char nsh_log_kind_char(unsigned int kind)
{
	static const char kinds[] = "?arsi";

	return kind < sizeof(kinds) - 1 ? kinds[kind] : '?';
}

/* ---- pure helpers ----------------------------------------------------------------------- */

/* The adjustment the hook lets an action make: the policy's nice, within +-NSH_NICE_LIMIT. */
int nsh_clamp_nice(int nice)
{
	if (nice > NSH_NICE_LIMIT)
		return NSH_NICE_LIMIT;
	if (nice < -NSH_NICE_LIMIT)
		return -NSH_NICE_LIMIT;
	return nice;
}

unsigned int nsh_hist_bucket(u64 ns)
{
	unsigned int b = fls64(ns >> 10);

	return b < NSH_HIST_BUCKETS ? b : NSH_HIST_BUCKETS - 1;
}

/*
 * The 16-bit tag on the wire: the CPU's rank among the CPUs of its slot in the high bits, so
 * CPUs sharing a slot never collide whatever their number, and the request id in the rest, so
 * consecutive requests of a CPU differ (nsh_set_shared() sizes both).
 */
u16 nsh_tag(const struct nsh_cpu *c, u32 id)
{
	return c->tag_base | (u16)(id & c->tag_id_mask);
}

static inline void nsh_count(struct nsh_cpu *c, enum nsh_counter k)
{
	c->stats.c[k]++;
}

/*
 * One decision-log entry: kind [63:61], the slot of the request [60:54], action [53:46], the
 * request's wire tag [45:30] and its id [29:0] (ids of CPUs on different slots can carry the same
 * tag, so the slot names the request too).
 */
static void nsh_log(struct nsh_cpu *c, enum nsh_log_kind kind, unsigned int slot, u16 tag,
		    unsigned int action, u32 id)
{
	if (!c->log)
		return;
	WRITE_ONCE(c->log[c->logged & c->log_mask],
		   (u64)kind << NSH_LOG_KIND_SHIFT | (u64)slot << NSH_LOG_SLOT_SHIFT |
		   (u64)(action & 0xff) << NSH_LOG_ACTION_SHIFT | (u64)tag << NSH_LOG_TAG_SHIFT |
		   (id & NSH_LOG_ID_MASK));
	WRITE_ONCE(c->logged, c->logged + 1);
}

static inline bool nsh_armed(struct nsh_ctx *ctx)
{
	return atomic_read(&ctx->state) == NSH_STATE_ARMED;
}

static inline bool nsh_older(u64 now, u64 then, u64 age)
{
	return (s64)(now - then) >= (s64)age;
}

/* ---- state machine ---------------------------------------------------------------------- */

/**
 * nsh_stop() - stop the hook: ARMED -> STOPPED, and the scheduler hooks out at once
 * @ctx: the hook
 * @why: recorded as the reason and counted
 *
 * Any context. Only the first caller of an armed hook does anything; re-arming is explicit.
 *
 * Return: true when this call stopped the hook.
 */
bool nsh_stop(struct nsh_ctx *ctx, enum nsh_reason why)
{
	if (atomic_cmpxchg(&ctx->state, NSH_STATE_ARMED, NSH_STATE_STOPPED) != NSH_STATE_ARMED)
		return false;
	atomic_set(&ctx->reason, why);
	atomic64_inc(&ctx->stops[why]);
	ctx->stop_hooks(ctx);
	return true;
}

/**
 * nsh_arm_check() - may the hook arm on this device?
 * @ctx: the hook
 *
 * Process context: it asks the driver to look again at the slots it gave up on (register reads).
 *
 * Notes the driver's reload generation: the armed hook stops when a reload changes it.
 *
 * Return: 0; -ENODEV when the device is not running; -EAGAIN while a weight reload runs;
 * -EPROTO when its policy hash is not the one this hook was generated for (the driver checked
 * the card against its own build, and a reload may have changed it since); -EBUSY when a slot
 * still has a request the card never finished (RESULT still BUSY: wedged).
 */
int nsh_arm_check(struct nsh_ctx *ctx)
{
	u32 gen = nicsched_core_policy_gen(ctx->core);
	int stuck;

	if (nicsched_core_state(ctx->core) != NICSCHED_CORE_RUNNING)
		return -ENODEV;
	if (gen & 1)
		return -EAGAIN;
	/* after the generation: a reload that ended before it left its hash */
	if (READ_ONCE(ctx->core->policy_hash) != NSH_POLICY_HASH32)
		return -EPROTO;
	ctx->policy_gen = gen;
	stuck = nicsched_core_recover(ctx->core);
	if (stuck < 0)
		return -ENODEV;
	return stuck ? -EBUSY : 0;
}

/* The stop reason recorded for an nsh_arm_check() refusal. */
enum nsh_reason nsh_arm_refusal(int err)
{
	switch (err) {
	case -EPROTO:
		return NSH_REASON_MISMATCH;
	case -EBUSY:
		return NSH_REASON_STALL;
	case -EAGAIN:
		return NSH_REASON_RELOAD;
	default:
		return NSH_REASON_DEVICE;
	}
}

void nsh_cpu_init(struct nsh_cpu *c, int cpu, unsigned int slot)
{
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	c->slot = slot;
}

/*
 * A slot is shared when more than one CPU submits on it: the claimed owner as well as the CPUs
 * the default mapping sends there. Count the users of each slot over every CPU, giving each CPU
 * its rank among its slot's users, then mark and size the tags.
 */
void nsh_slot_users(struct nsh_cpu *c, unsigned int users[NICSCHED_SLOTS])
{
	if (c->slot < NICSCHED_SLOTS)
		c->rank = users[c->slot]++;
}

void nsh_set_shared(struct nsh_cpu *c, const unsigned int users[NICSCHED_SLOTS])
{
	unsigned int n = c->slot < NICSCHED_SLOTS ? users[c->slot] : 1;
	/* enough high bits for every rank; at least one id bit is left (NSH_MAX_SLOT_USERS) */
	unsigned int rank_bits = n > 1 ? fls(n - 1) : 0;
	unsigned int id_bits = 16 - rank_bits;

	c->shared = c->slot >= NICSCHED_SLOTS || n > 1;
	c->tag_id_mask = (u16)((1U << id_bits) - 1);
	c->tag_base = (u16)(c->rank << id_bits);
}

/* Forget transient state before (re-)arming: nothing staged or in flight. Process context. */
void nsh_cpu_reset(struct nsh_ctx *ctx, struct nsh_cpu *c)
{
	struct nicsched_decision d;

	nicsched_core_decision(ctx->core, c->slot, &d);
	c->staged = false;
	WRITE_ONCE(c->busy, false);
	WRITE_ONCE(c->waiting, false);
	c->seen_seq = d.seq;
	c->last_check_ns = 0;
	c->stall_age_ns = 0;
	c->stall_prev_ns = 0;
}

/*
 * Is the card still running the policy the hook armed on? A weight reload changes the driver's
 * reload generation before its first register write, so an answer seen while it holds was
 * computed with the weights this hook's action table belongs to.
 */
static bool nsh_policy_current(struct nsh_ctx *ctx)
{
	if (nicsched_core_policy_gen(ctx->core) == ctx->policy_gen)
		return true;
	nsh_stop(ctx, NSH_REASON_RELOAD);
	return false;
}

/* ---- completions ------------------------------------------------------------------------ */

static void nsh_answer(struct nsh_ctx *ctx, struct nsh_cpu *c, const struct nicsched_decision *d,
		       u64 now)
{
	WRITE_ONCE(c->busy, false);
	nsh_count(c, NSH_C_COMPLETED);
	c->stats.answer_hist[nsh_hist_bucket(now - c->busy_ns)]++;
	/* the answer is read; only now does the generation tell which weights computed it */
	if (!nsh_policy_current(ctx))
		return;
	if (d->action >= NSH_ACTIONS) {
		nsh_count(c, NSH_C_DROP_RANGE);
		nsh_log(c, NSH_LOG_DROP_RANGE, c->slot, d->tag, d->action, c->busy_id);
		return;
	}
	if (nsh_older(now, c->busy_staged_ns, NSH_TTL_NS)) {
		nsh_count(c, NSH_C_DROP_STALE);
		nsh_log(c, NSH_LOG_DROP_STALE, c->slot, d->tag, d->action, c->busy_id);
		return;
	}
	nsh_log(c, NSH_LOG_ANSWER, c->slot, d->tag, d->action, c->busy_id);
	WRITE_ONCE(c->done[c->busy_id % NSH_DONE_ENTRIES],
		   ((u64)c->busy_id << 32) | ((u64)d->action << NSH_DONE_ACTION_SHIFT) |
		   NSH_DONE_VALID);
}

/* The sequence of our slot's decision word: it moves with every answer the driver publishes. */
static u32 nsh_slot_seq(struct nsh_ctx *ctx, const struct nsh_cpu *c)
{
	struct nicsched_decision d;

	nicsched_core_decision(ctx->core, c->slot, &d);
	return d.seq;
}

/*
 * Look at our slot's decision word (host memory): did our request get its answer?
 *
 * On a shared slot another CPU's answer may replace ours before we look. The driver publishes
 * one answer per request and the slot is ours from our doorbell to our answer, so at most one
 * answer (the previous request's, published just after the driver freed the slot) comes
 * between busy_seq, read just before our doorbell, and ours: a foreign answer two or more past
 * busy_seq means ours came and went.
 */
static void nsh_harvest(struct nsh_ctx *ctx, struct nsh_cpu *c, u64 now)
{
	struct nicsched_decision d;

	if (!c->busy)
		return;
	nicsched_core_decision(ctx->core, c->slot, &d);
	if (d.seq == c->seen_seq)
		return;
	c->seen_seq = d.seq;
	if (d.tag == c->busy_tag) {
		nsh_answer(ctx, c, &d, now);
		return;
	}
	if (!c->shared) {
		nsh_count(c, NSH_C_DROP_WRONG_TAG);
		return;
	}
	nsh_count(c, NSH_C_FOREIGN);
	if (d.seq - c->busy_seq >= 2) {
		WRITE_ONCE(c->busy, false);
		nsh_count(c, NSH_C_MISSED);
	}
}

/*
 * Has CPU @c waited for its slot for the stall timeout without an answer? Its own request
 * unanswered (an answer that came and was replaced on a shared slot was seen by the harvest),
 * or its staged request refused by the driver while the slot's decision word did not move at
 * all: a request of another CPU in flight that never ends, or a slot the driver gave up on. One
 * answer since the refusal ends the request that held the slot, so the slot is not wedged, even
 * when the next hook comes a stall timeout later. Owned and shared slots alike. Reads only, so a
 * remote tick can ask it about another CPU.
 */
static bool nsh_stalled(struct nsh_ctx *ctx, const struct nsh_cpu *c, u64 now)
{
	/* acquire: the time written before the flag */
	if (smp_load_acquire(&c->busy) && nsh_older(now, READ_ONCE(c->busy_ns), NSH_STALL_NS))
		return true;
	/* acquire: likewise, the wait's start written before the flag */
	return smp_load_acquire(&c->waiting) &&
	       nsh_slot_seq(ctx, c) == READ_ONCE(c->wait_seq) &&
	       nsh_older(now, READ_ONCE(c->wait_ns), NSH_STALL_NS);
}

/*
 * What the watchdog saw when it stopped the hook, for debugfs: how long the request (or the
 * refused submit) had waited, and how long at the check before, so a reader can tell the stall
 * budget from the spacing of the checks.
 */
static void nsh_record_stall(struct nsh_cpu *c, u64 now)
{
	u64 start = c->busy ? c->busy_ns : c->wait_ns;

	WRITE_ONCE(c->stall_age_ns, now - start);
	WRITE_ONCE(c->stall_prev_ns, (s64)(c->last_check_ns - start));
}

/* Stop when the device is gone, the card's policy changed, or this CPU stalled. */
static bool nsh_watchdog(struct nsh_ctx *ctx, struct nsh_cpu *c, u64 now)
{
	u32 seq;

	if (nicsched_core_state(ctx->core) != NICSCHED_CORE_RUNNING) {
		nsh_stop(ctx, NSH_REASON_DEVICE);
		return false;
	}
	if (!nsh_policy_current(ctx))
		return false;
	if (c->waiting) {
		seq = nsh_slot_seq(ctx, c);
		if (seq != c->wait_seq) {
			/* the slot answered: the wait starts again */
			WRITE_ONCE(c->wait_seq, seq);
			WRITE_ONCE(c->wait_ns, now);
		}
	}
	if (!nsh_stalled(ctx, c, now)) {
		c->last_check_ns = now;
		return true;
	}
	nsh_record_stall(c, now);
	nsh_stop(ctx, NSH_REASON_STALL);
	return false;
}

/*
 * A tick run for another CPU's runqueue (NOHZ_FULL's sched_tick_remote() on a housekeeping
 * CPU). The per-CPU state is written only by its own CPU, with interrupts off, so neither the
 * calling CPU's (it is not this runqueue's) nor @cpu's (its irq_work may run) is written: the
 * remote tick only watches @cpu, and stages nothing. @cpu's running task keeps its decision
 * until it expires, within the TTL.
 */
static void nsh_remote_tick(struct nsh_ctx *ctx, int cpu, u64 now)
{
	const struct nsh_cpu *c = nsh_cpu_of(ctx, cpu);

	if (!nsh_armed(ctx))
		return;
	atomic64_inc(&ctx->remote_ticks);
	if (nicsched_core_state(ctx->core) != NICSCHED_CORE_RUNNING) {
		nsh_stop(ctx, NSH_REASON_DEVICE);
		return;
	}
	if (!nsh_policy_current(ctx))
		return;
	if (c && nsh_stalled(ctx, c, now))
		nsh_stop(ctx, NSH_REASON_STALL);
}

/* ---- decisions into tasks --------------------------------------------------------------- */

/* @asked: the CPU that submitted the request (its tag is in the decision log) */
static void nsh_install(struct nsh_cpu *here, const struct nsh_cpu *asked, struct task_struct *p,
			const struct nsh_task *t, u32 id, unsigned int action, u64 now)
{
	int nice = nsh_actions[action].nice;
	int adj = nsh_clamp_nice(nice);

	if (adj != nice)
		nsh_count(here, NSH_C_CLAMPED);
	p->nic.tag = id;
	p->nic.action = action;
	p->nic.nice = adj;
	p->nic.expires = t->req_ns + NSH_TTL_NS;
	nsh_count(here, NSH_C_INSTALLED);
	nsh_log(here, NSH_LOG_INSTALL, asked->slot, nsh_tag(asked, id), action, id);
	here->stats.decision_hist[nsh_hist_bucket(now - t->req_ns)]++;
}

/* If the answer to the task's pending request is in, make it the task's decision. */
static void nsh_pickup(struct nsh_ctx *ctx, struct nsh_cpu *here, struct task_struct *p,
		       struct nsh_task *t, u64 now)
{
	struct nsh_cpu *c;
	u64 e;
	u32 id;

	if (!t->req_id)
		return;
	c = nsh_cpu_of(ctx, t->req_cpu);
	e = c ? READ_ONCE(c->done[t->req_id % NSH_DONE_ENTRIES]) : 0;
	id = (u32)(e >> 32);
	if (id != t->req_id || !(e & NSH_DONE_VALID)) {
		/* a newer answer took the entry, or none will come in time */
		if ((s32)(id - t->req_id) > 0 || nsh_older(now, t->req_ns, NSH_TTL_NS)) {
			t->req_id = 0;
			nsh_count(here, NSH_C_LOST);
		}
		return;
	}
	t->req_id = 0;
	if (nsh_older(now, t->req_ns, NSH_TTL_NS)) {
		nsh_count(here, NSH_C_EXPIRED);
		return;
	}
	nsh_install(here, c, p, t, id, (unsigned int)(e >> NSH_DONE_ACTION_SHIFT) & 0xff, now);
}

/* ---- requests --------------------------------------------------------------------------- */

/* Does the task need a new request? Not while one is pending or its decision is still young. */
static bool nsh_wants_request(struct task_struct *p, const struct nsh_task *t, u64 now)
{
	if (t->req_id)
		return false;
	return !p->nic.expires || (s64)(p->nic.expires - now) <= (s64)(NSH_TTL_NS / 2);
}

static void nsh_stage(struct nsh_cpu *c, struct task_struct *p, struct nsh_task *t, u64 now)
{
	struct nsh_sample cur;
	s32 f[NSH_INPUTS];
	int i;

	nsh_sample_task(p, &cur);
	nsh_policy_features(&cur, t->prev, f);
	memcpy(t->prev, cur.delta, sizeof(t->prev));
	for (i = 0; i < NSH_INPUTS; i++)
		c->features[i] = (u32)f[i];

	if (c->staged)
		nsh_count(c, NSH_C_OVERWRITTEN);
	if (!++c->next_id)
		c->next_id = 1;
	c->staged = true;
	c->staged_id = c->next_id;
	c->staged_ns = now;
	t->req_id = c->next_id;
	t->req_cpu = c->cpu;
	t->req_ns = now;
	nsh_count(c, NSH_C_STAGED);
}

/* Common part of both hooks. Return: false when the hook stopped. */
static bool nsh_hook(struct nsh_ctx *ctx, struct nsh_cpu *c, struct task_struct *p,
		     struct nsh_task *t, u64 now)
{
	nsh_harvest(ctx, c, now);
	if (!nsh_watchdog(ctx, c, now))
		return false;
	nsh_pickup(ctx, c, p, t, now);
	return true;
}

static bool nsh_request(struct nsh_cpu *c, struct task_struct *p, struct nsh_task *t, u64 now,
			bool point)
{
	if (point && nsh_wants_request(p, t, now))
		nsh_stage(c, p, t, now);
	return c->staged && !c->busy;
}

/**
 * nsh_on_wakeup() - the wakeup hook: @p was just placed on a runqueue
 * @ctx: the hook
 * @c: this CPU's state
 * @p: the waking task (its runqueue is locked)
 * @now: rq clock, ns
 *
 * Return: true when the irq_work should submit the staged request.
 */
bool nsh_on_wakeup(struct nsh_ctx *ctx, struct nsh_cpu *c, struct task_struct *p, u64 now)
{
	struct nsh_task *t = nsh_task(p);

	if (!nsh_armed(ctx) || !nsh_hook(ctx, c, p, t, now))
		return false;
	if (sched_nic_decision_adj(&p->nic, now))
		nsh_count(c, NSH_C_APPLIED_WAKEUP);
	return nsh_request(c, p, t, now, NSH_POINT_WAKEUP);
}

/**
 * nsh_on_tick() - the tick hook: @curr is running on @cpu
 * @ctx: the hook
 * @here: the calling CPU's state
 * @cpu: the CPU whose runqueue is locked; with NOHZ_FULL's remote tick not the calling one
 * @curr: the running task
 * @now: rq clock, ns
 *
 * The watchdog runs here at least once per tick on every busy CPU, so a stall stops the hook
 * within one tick of the stall timeout.
 *
 * Return: true when the irq_work should submit the staged request.
 */
bool nsh_on_tick(struct nsh_ctx *ctx, struct nsh_cpu *here, int cpu, struct task_struct *curr,
		 u64 now)
{
	struct nsh_task *t = nsh_task(curr);
	struct nsh_cpu *c = here;
	bool applies;

	if (cpu != here->cpu) {
		nsh_remote_tick(ctx, cpu, now);
		return false;
	}
	/* CFS corrects this tick's runtime by the decision held before the hook */
	applies = sched_nic_decision_adj(&curr->nic, now);
	if (!nsh_armed(ctx) || !nsh_hook(ctx, c, curr, t, now))
		return false;
	if (applies)
		nsh_count(c, NSH_C_APPLIED_TICK);
	return nsh_request(c, curr, t, now, NSH_POINT_TICK);
}

/**
 * nsh_submit() - submit this CPU's staged request (the irq_work)
 * @ctx: the hook
 * @c: this CPU's state
 * @now: clock, ns
 *
 * Runs outside the scheduler's locks: nicsched_core_submit() writes registers (posted writes).
 */
void nsh_submit(struct nsh_ctx *ctx, struct nsh_cpu *c, u64 now)
{
	u16 tag;
	u32 seq;
	int ret;

	if (!nsh_armed(ctx))
		return;
	nsh_harvest(ctx, c, now);
	if (!c->staged || c->busy)
		return;
	tag = nsh_tag(c, c->staged_id);
	/* before the doorbell: an answer published before we looked would never be seen */
	seq = nsh_slot_seq(ctx, c);
	ret = nicsched_core_submit(ctx->core, c->slot, c->features, tag);
	if (ret == -EBUSY || ret == -EIO) {
		/* in flight (another CPU's request), or stuck: the watchdog times the wait */
		nsh_count(c, ret == -EIO ? NSH_C_SUBMIT_STUCK : NSH_C_SUBMIT_BUSY);
		if (!c->waiting) {
			WRITE_ONCE(c->wait_ns, now);
			WRITE_ONCE(c->wait_seq, seq);
			/* a remote tick reads the time after the flag */
			smp_store_release(&c->waiting, true);
		}
		return;
	}
	c->staged = false;
	WRITE_ONCE(c->waiting, false);
	if (ret == -ENODEV) {
		nsh_stop(ctx, NSH_REASON_DEVICE);
		return;
	}
	if (ret) {
		nsh_count(c, NSH_C_SUBMIT_ERROR);
		return;
	}
	c->busy_tag = tag;
	c->busy_id = c->staged_id;
	WRITE_ONCE(c->busy_ns, now);
	c->busy_staged_ns = c->staged_ns;
	c->busy_seq = seq;
	c->seen_seq = seq;
	/* a remote tick reads the time after the flag */
	smp_store_release(&c->busy, true);
	nsh_count(c, NSH_C_SUBMITTED);
}
