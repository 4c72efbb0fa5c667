/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nicsched core: the card's register window seen as request slots and a decision cache.
 *
 * Bus-independent C over a void __iomem * window (the PCI and mqnic binds map it). The same
 * source builds in userspace against the Verilated RTL (driver/userspace/compat.h).
 *
 * Model (docs/DRIVER.md):
 *   submit   posted writes only: the FEATURES_PACKED words that changed since the slot's last
 *            request, then DOORBELL(tag). Never reads a register, never sleeps, never spins.
 *   results  two ways into the slot's decision word, chosen at probe:
 *            DMA  (layout v3.0, the card's CAPS.DMA_RESULTS and a mailbox from the caller) the
 *                 card writes each result into the slot's mailbox entry in host memory; whoever
 *                 next asks for the slot's decision (or submits on it) takes it from there,
 *                 checking the entry's CHECK (torn) and SEQ (stale). No register read; a
 *                 reader that finds a request unanswered past the timeout arms the poller,
 *                 which reads RESULT of the overdue requests only.
 *            MMIO (bring-up, and the fallback) one poller (an hrtimer in the kernel) reads
 *                 RESULT of the slots in flight, outside any scheduler lock, and publishes each
 *                 result. A request still BUSY after the timeout makes its slot stuck: the poller
 *                 stops watching it, so it runs at most one timeout after the last submit.
 *   decision the hook reads the decision word from host memory: no register access.
 *   reload   process context only: new weights into the shadow bank, SHADOW_HASH, COMMIT, wait
 *            for the swap, verify POLICY_HASH and RELOADS. Reads registers and sleeps.
 *
 * Register offsets, fields, the ID/VERSION values, the policy and shape hashes, the slot/input/
 * output counts, the weight bank size and the map size (NICSCHED_MAP_SIZE: every register up to
 * the end of the weights block) come from nicsched_regs.h, generated from the policy by
 * `nicsched regmap --format c`.
 */
#ifndef NICSCHED_CORE_H
#define NICSCHED_CORE_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/device.h>
#include <linux/types.h>

#include "nicsched_regs.h"

/* core->state */
enum nicsched_core_state {
	NICSCHED_CORE_DOWN = 0,		/* not probed, or probe failed */
	NICSCHED_CORE_RUNNING = 1,
	NICSCHED_CORE_STOPPED = 2,	/* nicsched_core_stop(): unbinding */
	NICSCHED_CORE_REMOVED = 3,	/* all-ones read: surprise removal */
};

/* slot->state */
enum nicsched_slot_state {
	NICSCHED_SLOT_IDLE = 0,
	NICSCHED_SLOT_SUBMITTING = 1,	/* a submitter, or a reader taking its answer, owns it */
	NICSCHED_SLOT_IN_FLIGHT = 2,	/* doorbell written; the answer comes by poller or DMA */
	NICSCHED_SLOT_STUCK = 3,	/* RESULT stayed BUSY past the timeout: nobody watches it */
};

/* How results reach the decision words (core->results). */
enum nicsched_results {
	NICSCHED_RESULTS_MMIO = 0,	/* the poller reads RESULT (layout v2.0 and bring-up) */
	NICSCHED_RESULTS_DMA = 1,	/* the card writes the mailbox in host memory (v3.0) */
};

#define NICSCHED_NO_OWNER	(-1)
#define NICSCHED_NO_TAG		0x10000U	/* outside the 16-bit tag space */

/* A decision, unpacked from the slot's decision word. */
struct nicsched_decision {
	u32 seq;	/* decisions published on this slot; changes with every new one */
	u16 tag;	/* the tag of the request it answers */
	u8 action;	/* argmax index (0 for head = scores) */
	u8 valid;	/* 0 until the first decision of the slot */
};

/* A decision with the scores of the last layer (collect_scores only). */
struct nicsched_result {
	struct nicsched_decision decision;
	s32 scores[NICSCHED_OUTPUTS];
};

struct nicsched_counters {
	u64 submitted;		/* doorbells written */
	u64 completed;		/* decisions published */
	u64 dropped;		/* submits refused: the slot still had a request in flight */
	u64 errors;		/* lost doorbells, out-of-range actions */
	u64 timeouts;		/* requests in flight longer than timeout_ns */
	u64 stuck;		/* slots given up on: RESULT still BUSY after timeout_ns */
	u64 surprise_removals;	/* all-ones reads that disabled the device */
	u64 polls;		/* poller passes */
	u64 mmio_reads;		/* register reads, all of them (poll_reads included) */
	u64 mmio_writes;	/* register writes, all of them (submit_writes included) */
	u64 poll_reads;		/* register reads by the poller */
	u64 submit_writes;	/* register writes by nicsched_core_submit() */
	u64 dma_torn;		/* mailbox entries whose CHECK failed (read while being written) */
	u64 dma_stale;		/* mailbox entries with the tag in flight but an old SEQ */
};

/* The card's own counter registers (read over the bus: never on the submit path). */
struct nicsched_hw_counters {
	u32 inferences;
	u32 lat_last;
	u32 lat_max;
	u32 errors;
	u32 error_bits;
	u32 status;
	u32 reloads;		/* RELOADS: commits done */
	u32 policy_hash;	/* POLICY_HASH: the policy in the active bank */
};

/*
 * New weights for nicsched_core_reload(): the image of the weights block from word 0, as
 * `nicsched reload-plan` writes it (every weight, then every bias word, per layer).
 */
struct nicsched_weights {
	u32 policy_hash;	/* POLICY_HASH of the new policy: written to SHADOW_HASH */
	u32 shape_hash;		/* its NICSCHED_SHAPE_HASH_VALUE: must equal this build's */
	u32 count;		/* words at @words: must be NICSCHED_WEIGHTS_WORDS */
	const u32 *words;
};

struct nicsched_core;

/*
 * The result mailbox (layout v3.0): NICSCHED_MAILBOX_BYTES of zeroed memory the card can write
 * by DMA (coherent), at a 4 KiB-aligned bus address; the caller allocates and frees it.
 */
struct nicsched_mailbox {
	void *cpu;		/* NULL: no mailbox, results by MMIO */
	u64 bus;		/* the address the card writes to (DMA_BASE) */
};

struct nicsched_core_cfg {
	u64 timeout_ns;		/* a request in flight longer than this counts as a timeout */
	bool collect_scores;	/* also read SCORE[k] on completion (forced for head = scores) */
	/* Start the poller; called by a submit that found it idle. Must not sleep. */
	void (*kick)(struct nicsched_core *core);
	/* Results into host memory when the card can (CAPS.DMA_RESULTS); else the MMIO poller. */
	struct nicsched_mailbox mailbox;
};

struct nicsched_slot {
	/* submitter side, valid while the submitter owns the slot (SUBMITTING) */
	atomic_t state;
	atomic_t owner;		/* claim: NICSCHED_NO_OWNER or the owner's id (a CPU) */
	u32 tag;		/* tag in flight */
	u32 result_tag;		/* tag RESULT holds, or NICSCHED_NO_TAG */
	u64 submit_ns;
	bool timed_out;
	u32 shadow[NICSCHED_PACKED_WORDS];	/* FEATURES_PACKED register contents */
	u32 dma_seq;		/* DMA: SEQ of the last mailbox entry taken (owner only) */
	u64 dma_bad;		/* DMA: the last torn or stale entry counted, SEQ << 32 | CHECK */

	/* published by the poller */
	atomic64_t decision;	/* [63:32] seq, [31] valid, [23:8] tag, [7:0] action */
	atomic_t score_seq;	/* odd while scores[] is being written */
	s32 scores[NICSCHED_OUTPUTS];

	atomic64_t submitted;
	atomic64_t completed;
	atomic64_t dropped;
	atomic64_t errors;
	atomic64_t timeouts;
	atomic64_t stuck;
	atomic64_t submit_writes;	/* register writes of the submit path on this slot */
	atomic64_t dma_torn;
	atomic64_t dma_stale;
} ____cacheline_aligned;

struct nicsched_core {
	void __iomem *regs;
	struct device *dev;
	struct nicsched_core_cfg cfg;
	atomic_t state;
	atomic_t poll_armed;	/* the poller is scheduled or running */
	atomic_t polling;	/* a poll pass is running (one poller at a time) */
	atomic_t reloading;	/* a reload is running (one at a time) */
	atomic_t policy_gen;	/* odd while a reload may change the card's policy; +2 per reload */
	bool head_scores;
	enum nicsched_results results;	/* set at probe */
	const __le32 *mailbox;		/* DMA: the mailbox, NICSCHED_MAILBOX_STRIDE per slot */
	u32 id;
	u32 version;
	u32 policy_hash;	/* POLICY_HASH at probe, then after each reload */
	u32 caps;
	u32 timing;
	atomic64_t surprise_removals;
	atomic64_t polls;
	atomic64_t poll_reads;		/* register reads by the poller */
	atomic64_t other_reads;		/* register reads elsewhere (probe, reload, counters) */
	atomic64_t other_writes;	/* register writes outside submit (probe, stop, reload) */
	struct nicsched_slot slot[NICSCHED_SLOTS];
};

/* Probe and teardown (process context; these read registers). */
int nicsched_core_init(struct nicsched_core *core, struct device *dev, void __iomem *regs,
		       u64 len, const struct nicsched_core_cfg *cfg);
void nicsched_core_stop(struct nicsched_core *core);
/* After stop: wait until the card no longer writes the mailbox (it may then be freed). */
int nicsched_core_dma_quiesce(struct nicsched_core *core);
void nicsched_core_surprise_removal(struct nicsched_core *core);
int nicsched_core_state(const struct nicsched_core *core);

/* Slot ownership. The default mapping is slot = cpu % NICSCHED_SLOTS. */
unsigned int nicsched_core_slot_for_cpu(unsigned int cpu);
int nicsched_core_claim_slot(struct nicsched_core *core, unsigned int slot, int owner);
int nicsched_core_claim_any(struct nicsched_core *core, int owner);
void nicsched_core_release_slot(struct nicsched_core *core, unsigned int slot, int owner);
int nicsched_core_slot_owner(const struct nicsched_core *core, unsigned int slot);

/* Hot path: posted writes only; any context, never sleeps. */
int nicsched_core_submit(struct nicsched_core *core, unsigned int slot,
			 const u32 features[NICSCHED_INPUTS], u16 tag);
/* Hot path: host memory only (with DMA results, it takes an answer that landed). */
bool nicsched_core_decision(struct nicsched_core *core, unsigned int slot,
			    struct nicsched_decision *d);
bool nicsched_core_in_flight(const struct nicsched_core *core, unsigned int slot);
bool nicsched_core_slot_stuck(const struct nicsched_core *core, unsigned int slot);
int nicsched_core_read_result(struct nicsched_core *core, unsigned int slot,
			      struct nicsched_result *res);
/* The FEATURES_PACKED words submit writes for @features (NICSCHED_PACKED_WORDS of them). */
void nicsched_core_pack_features(const u32 features[NICSCHED_INPUTS],
				 u32 words[NICSCHED_PACKED_WORDS]);

/* Completion: the single poller (with DMA results, a pass over the mailbox: no register read). */
int nicsched_core_poll(struct nicsched_core *core);
bool nicsched_core_poll_again(struct nicsched_core *core, int busy);
/*
 * Stuck slots whose RESULT is no longer BUSY become idle again, and, with DMA results, requests
 * unanswered past the timeout are looked at as the poller would: process context (reads).
 */
int nicsched_core_recover(struct nicsched_core *core);

/* Observability. */
void nicsched_core_counters(const struct nicsched_core *core, struct nicsched_counters *c);
int nicsched_core_read_hw(struct nicsched_core *core, struct nicsched_hw_counters *hw);

/* Weight reload: process context only, never under a scheduler lock (reads registers, sleeps). */
int nicsched_core_reload_check(const struct nicsched_core *core, const struct nicsched_weights *w);
int nicsched_core_reload(struct nicsched_core *core, const struct nicsched_weights *w);
/* The reload generation (host memory): odd while a reload runs, changed by every reload. */
u32 nicsched_core_policy_gen(const struct nicsched_core *core);

#endif /* NICSCHED_CORE_H */
