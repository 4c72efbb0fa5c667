/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nicsched_hook: the hook's logic, shared by the kernel module and the userspace harness
 * (kernel-hook/userspace/), which compiles this same code.
 *
 * Data flow (docs/HOOK.md):
 *
 *   hook (rq lock held, irqs off)           irq_work (this CPU, no rq lock)    driver poller
 *   ----------------------------            -------------------------------    -------------
 *   harvest: decision word of our slot      harvest, then                      RESULT -> slot's
 *     (host memory) -> done[] table         nicsched_core_submit(staged)        decision word
 *   watchdog: no answer and no progress on    (posted MMIO writes)
 *     our slot for the stall timeout, or
 *     device not running -> stop
 *   pickup: the task's answer in done[] -> task_struct::nic decision (tag, action, expiry)
 *   stage: features of the task -> this CPU's staging buffer; ask for the irq_work
 *
 * Nothing on the hook side reads a register or calls a driver function that can: the decision
 * word and the device state are host memory. Submission happens in the irq_work.
 */
#ifndef NSH_LOGIC_H
#define NSH_LOGIC_H

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/sched.h>
#include <linux/sched/nic.h>
#include <linux/types.h>

#include "nicsched_core.h"
#include "nicsched_hook_policy.h"

#define NSH_NS_PER_MS		1000000ULL
#define NSH_TTL_NS		((u64)NSH_DECISION_TTL_MS * NSH_NS_PER_MS)
#define NSH_STALL_NS		((u64)NSH_STALL_TIMEOUT_MS * NSH_NS_PER_MS)
/* Answers kept per CPU until their task picks them up. */
#define NSH_DONE_ENTRIES	64
/* CPUs one slot can serve: the tag keeps one request-id bit (nsh_tag()). */
#define NSH_MAX_SLOT_USERS	32768
/* Latency histograms: bucket 0 < 1.024 us, bucket k in [2^(k+9), 2^(k+10)) ns, the last open. */
#define NSH_HIST_BUCKETS	16

#define NSH_DONE_VALID		1ULL
#define NSH_DONE_ACTION_SHIFT	8

static_assert(NSH_NICE_LIMIT <= SCHED_NIC_NICE_MAX,
	      "the policy header allows more than the kernel applies");
static_assert(NSH_TTL_NS <= SCHED_NIC_TTL_MAX_NS,
	      "the kernel ignores decisions that expire that far ahead");
static_assert(NSH_ACTIONS >= 1 && NSH_ACTIONS <= 256, "action index is one byte");

enum nsh_state {
	NSH_STATE_OFF = 0,	/* never armed */
	NSH_STATE_ARMED = 1,
	NSH_STATE_STOPPED = 2,	/* stopped; re-arms only when asked */
};

enum nsh_reason {
	NSH_REASON_NONE = 0,
	NSH_REASON_STALL,	/* the NIC missed the stall timeout */
	NSH_REASON_DEVICE,	/* the device stopped or was removed (all-ones reads) */
	NSH_REASON_KILL,	/* kill switch */
	NSH_REASON_MISMATCH,	/* the device's policy hash is not this hook's */
	NSH_REASON_UNLOAD,
	NSH_REASON_RELOAD,	/* the card's weights were reloaded (or a reload is running) */
	NSH_NR_REASONS
};

enum nsh_counter {
	NSH_C_STAGED,		/* requests staged by a hook */
	NSH_C_OVERWRITTEN,	/* staged requests replaced before submission */
	NSH_C_SUBMITTED,	/* doorbells written */
	NSH_C_SUBMIT_BUSY,	/* the slot was still in flight: retried later */
	NSH_C_SUBMIT_STUCK,	/* the driver gave up on the slot (RESULT stayed BUSY) */
	NSH_C_SUBMIT_ERROR,	/* the driver refused the request (-EINVAL) */
	NSH_C_COMPLETED,	/* answers to this CPU's requests */
	NSH_C_INSTALLED,	/* decisions written into a task */
	NSH_C_APPLIED_WAKEUP,	/* wakeups that found an adjustment to apply */
	NSH_C_APPLIED_TICK,	/* ticks that found an adjustment to apply */
	NSH_C_DROP_STALE,	/* answer came after the decision TTL */
	NSH_C_DROP_WRONG_TAG,	/* a decision with another tag while ours was in flight */
	NSH_C_DROP_RANGE,	/* action index outside the action table */
	NSH_C_EXPIRED,		/* the task came back after its decision expired */
	NSH_C_LOST,		/* the task's request was replaced or its answer evicted */
	NSH_C_CLAMPED,		/* adjustment beyond +-NSH_NICE_LIMIT, clamped */
	NSH_C_MISSED,		/* shared slot: our answer came, but another CPU's replaced it */
	NSH_C_FOREIGN,		/* shared slot: another CPU's answer */
	NSH_C_SUBMIT_NS,	/* ns spent in the submit irq_work (the kernel glue adds them) */
	NSH_NR_COUNTERS
};

/*
 * The decision log (debugfs "decisions", module parameter decision_log): per CPU and in order,
 * what the hook did with each answer to its requests and each decision it installed in a task.
 * An entry is kind << 56 | action << 48 | tag << 32 | request id.
 */
enum nsh_log_kind {
	NSH_LOG_ANSWER = 1,	/* our slot answered our request: the card's tag and action */
	NSH_LOG_DROP_RANGE,	/* an answer whose action is outside the action table */
	NSH_LOG_DROP_STALE,	/* an answer that came after the decision TTL */
	NSH_LOG_INSTALL,	/* a decision installed in a task: the request's tag, the action */
};

/* Fields of a decision-log entry (nsh_log()). */
#define NSH_LOG_KIND_SHIFT	61
#define NSH_LOG_SLOT_SHIFT	54
#define NSH_LOG_SLOT_MASK	0x7fU
#define NSH_LOG_ACTION_SHIFT	46
#define NSH_LOG_TAG_SHIFT	30
#define NSH_LOG_ID_MASK		0x3fffffffU

static_assert(NICSCHED_SLOTS <= 128, "the decision log's slot field has 7 bits");

struct nsh_stats {
	u64 c[NSH_NR_COUNTERS];
	u64 answer_hist[NSH_HIST_BUCKETS];	/* doorbell -> answer seen by the hook */
	u64 decision_hist[NSH_HIST_BUCKETS];	/* features staged -> decision in the task */
};

/*
 * Per-CPU state. Only its CPU writes it, with interrupts off; done[] is read by any CPU, and a
 * remote tick reads the watchdog's fields (busy, busy_ns, waiting, wait_ns, wait_seq: busy and
 * waiting are set with release after the rest).
 */
struct nsh_cpu {
	int cpu;
	unsigned int slot;	/* the driver slot this CPU submits on */
	bool shared;		/* other CPUs submit on the slot too (more CPUs than slots) */
	unsigned int rank;	/* this CPU's index among the CPUs of its slot */
	u16 tag_base;		/* rank in the tag's high bits: its own tags among its slot's */
	u16 tag_id_mask;	/* the request id bits of the tag */
	u32 next_id;

	/* the staged request: the newest wins */
	bool staged;
	u32 staged_id;
	u64 staged_ns;
	u32 features[NICSCHED_INPUTS];

	/* the request in flight */
	bool busy;
	u16 busy_tag;
	u32 busy_id;
	u64 busy_ns;		/* doorbell time */
	u64 busy_staged_ns;
	u32 busy_seq;		/* sequence of the slot's decision word right after our doorbell */
	u32 seen_seq;		/* sequence of the slot's decision word last looked at */

	/* a staged request the driver refused (slot in flight or stuck) since wait_ns */
	bool waiting;
	u64 wait_ns;
	u32 wait_seq;		/* sequence of the slot's decision word at wait_ns */

	/* answers: (id << 32) | (action << NSH_DONE_ACTION_SHIFT) | NSH_DONE_VALID */
	u64 done[NSH_DONE_ENTRIES];

	struct nsh_stats stats;

	/*
	 * The watchdog: its previous check, and what it saw when it declared a stall, measured from
	 * the start of the wait (the doorbell, or the first refused submit): the age at the
	 * stopping check (0: no stall) and at the check before (negative: before the wait began).
	 */
	u64 last_check_ns;
	u64 stall_age_ns;
	s64 stall_prev_ns;

	/* the decision log: NULL when off; log_mask + 1 entries, a power of two */
	u64 *log;
	u32 log_mask;
	u64 logged;		/* entries ever written; the newest is logged - 1 */
};

struct nsh_ctx {
	struct nicsched_core *core;
	u32 policy_gen;		/* the driver's reload generation when the hook armed */
	atomic_t state;		/* enum nsh_state */
	atomic_t reason;	/* enum nsh_reason of the last stop */
	atomic64_t stops[NSH_NR_REASONS];
	atomic64_t arms;
	atomic64_t remote_ticks;	/* ticks run for another CPU's runqueue (NOHZ_FULL) */
	/* Take the scheduler hooks out at once; any context (the kernel: sched_nic_stop()). */
	void (*stop_hooks)(struct nsh_ctx *ctx);
};

/* The hook's words in task_struct::nic.data. */
struct nsh_task {
	u64 req_ns;		/* when the pending request was staged */
	u32 req_id;		/* 0: no request pending */
	s32 req_cpu;		/* the CPU whose done[] will hold the answer */
	u64 prev[NSH_NR_DELTA];	/* counters at the previous request */
};

static_assert(sizeof(struct nsh_task) <= sizeof(((struct sched_nic_task *)0)->data),
	      "the hook's per-task words do not fit task_struct::nic.data");

static inline struct nsh_task *nsh_task(struct task_struct *p)
{
	return (struct nsh_task *)p->nic.data;
}

/* Provided by the environment: the kernel module (per-CPU data) or the harness. */
struct nsh_cpu *nsh_cpu_of(struct nsh_ctx *ctx, int cpu);

/* Pure parts (also unit-tested one by one). */
int nsh_clamp_nice(int nice);
unsigned int nsh_hist_bucket(u64 ns);
u16 nsh_tag(const struct nsh_cpu *c, u32 id);
const char *nsh_reason_name(enum nsh_reason r);
const char *nsh_counter_name(enum nsh_counter c);
char nsh_log_kind_char(unsigned int kind);

/* The hooks: rq lock held, interrupts off. Return true when the irq_work should run. */
bool nsh_on_wakeup(struct nsh_ctx *ctx, struct nsh_cpu *c, struct task_struct *p, u64 now);
bool nsh_on_tick(struct nsh_ctx *ctx, struct nsh_cpu *here, int cpu, struct task_struct *curr,
		 u64 now);
/* The irq_work: this CPU, interrupts off, no scheduler lock. */
void nsh_submit(struct nsh_ctx *ctx, struct nsh_cpu *c, u64 now);

/* State machine. */
bool nsh_stop(struct nsh_ctx *ctx, enum nsh_reason why);
int nsh_arm_check(struct nsh_ctx *ctx);
enum nsh_reason nsh_arm_refusal(int err);
void nsh_cpu_init(struct nsh_cpu *c, int cpu, unsigned int slot);
void nsh_cpu_reset(struct nsh_ctx *ctx, struct nsh_cpu *c);
void nsh_slot_users(struct nsh_cpu *c, unsigned int users[NICSCHED_SLOTS]);
void nsh_set_shared(struct nsh_cpu *c, const unsigned int users[NICSCHED_SLOTS]);

#endif /* NSH_LOGIC_H */
