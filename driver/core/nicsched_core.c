// SPDX-License-Identifier: GPL-2.0
/*
 * nicsched core: probe checks, request slots, posted-write submit, completion (the results
 * mailbox in host memory, or the polling fallback) and the decision cache over the card's 32-bit
 * register window. See nicsched_core.h and docs/DRIVER.md.
 *
 * Concurrency:
 *  - A slot moves IDLE -> SUBMITTING (cmpxchg by a submitter) -> IN_FLIGHT (after the doorbell)
 *    -> IDLE (by the poller, or with DMA results by the reader that takes the answer from the
 *    mailbox: it owns the slot (IN_FLIGHT -> SUBMITTING) while it checks and publishes). Whoever
 *    holds the slot in a state owns its registers and its private fields, so two submitters on
 *    one slot never interleave, nor two readers publish one answer.
 *  - A request whose RESULT still reads BUSY after the timeout moves its slot to STUCK (by the
 *    poller): nobody polls it and submits on it fail with -EIO until nicsched_core_recover()
 *    (process context) sees RESULT no longer BUSY and makes it IDLE again.
 *  - One poller at a time (core->polling); it publishes decisions with release semantics.
 *  - Register access on the submit path, and mailbox reads, sit in an RCU read-side section
 *    after a state check; teardown stops the core, waits for a grace period and only then lets
 *    the bind unmap the window and free the mailbox.
 */

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "nicsched_core.h"

#define NICSCHED_ALL_ONES	0xffffffffU
#define NICSCHED_IN_MASK	GENMASK(NICSCHED_IN_BITS - 1, 0)
#define NICSCHED_READ_TRIES	16
#define NICSCHED_FPW		NICSCHED_FEATURES_PER_WORD
#define NICSCHED_SLOTS_END	(NICSCHED_SLOT_BASE + NICSCHED_SLOTS * NICSCHED_SLOT_STRIDE)
#define NICSCHED_WEIGHTS_END	(NICSCHED_WEIGHTS_BASE + 4 * NICSCHED_WEIGHTS_WORDS)
/* RELOAD polling while a COMMIT waits for the inferences in flight */
#define NICSCHED_RELOAD_POLL_US	5

/* (v & NICSCHED_<f>_MASK) >> NICSCHED_<f>_SHIFT, with the generated masks and shifts */
#define NICSCHED_GET(v, f)	(((v) & NICSCHED_##f##_MASK) >> NICSCHED_##f##_SHIFT)

/* Decision word: [63:32] seq and the RESULT layout below: [31] valid, [23:8] tag, [7:0] action */
#define NICSCHED_DEC_SEQ_SHIFT	32
#define NICSCHED_DEC_BITS	(NICSCHED_RESULT_VALID_MASK | NICSCHED_RESULT_TAG_MASK | \
				 NICSCHED_RESULT_ACTION_MASK)

static_assert(NICSCHED_INPUTS >= 1 && NICSCHED_INPUTS <= 64, "inputs of layout v1");
static_assert(NICSCHED_OUTPUTS >= 1 && NICSCHED_OUTPUTS <= 32, "outputs of layout v1");
static_assert(NICSCHED_SLOTS >= 1 && NICSCHED_SLOTS <= 64, "slots of layout v1");
static_assert(NICSCHED_IN_BITS >= 1 && NICSCHED_IN_BITS <= 32, "input width of layout v1");
static_assert(NICSCHED_FPW * NICSCHED_IN_BITS <= 32 && NICSCHED_FPW >= 1, "packed inputs");
static_assert(NICSCHED_PACKED_WORDS * NICSCHED_FPW >= NICSCHED_INPUTS, "packed words");
static_assert(NICSCHED_MAP_SIZE >= NICSCHED_SLOTS_END, "the map covers every slot");
static_assert(NICSCHED_MAP_SIZE >= NICSCHED_WEIGHTS_END, "the map covers the weights block");
static_assert(NICSCHED_SLOTS * NICSCHED_MAILBOX_STRIDE == NICSCHED_MAILBOX_BYTES, "mailbox size");
static_assert(NICSCHED_MAILBOX_BYTES <= 4096, "the mailbox lies in one 4 KiB page");
static_assert(NICSCHED_MAILBOX_ENTRY_BYTES == 16 && NICSCHED_MAILBOX_CHECK == 12, "mailbox entry");
/* ANSWER is laid out as RESULT: the decision word takes either */
static_assert(!(NICSCHED_ANSWER_TAG_MASK ^ NICSCHED_RESULT_TAG_MASK), "ANSWER.TAG");
static_assert(!(NICSCHED_ANSWER_ACTION_MASK ^ NICSCHED_RESULT_ACTION_MASK), "ANSWER.ACTION");
static_assert(!(NICSCHED_ANSWER_VALID_MASK ^ NICSCHED_RESULT_VALID_MASK), "ANSWER.VALID");

/* Layout v2.0 cards have no mailbox: the driver still runs them, with results by MMIO. */
#define NICSCHED_VERSION_MAJOR_NO_DMA	2
/* DMA_BASE is 4 KiB aligned: the mailbox's page */
#define NICSCHED_MAILBOX_ALIGN		4096
/* DMA_STATUS polling while the card finishes its last mailbox writes */
#define NICSCHED_DMA_QUIESCE_US		10

/*
 * Every register access is counted (debugfs shows the counts): the poller's reads, the submit
 * path's writes (per slot, on the slot's own cache line) and the rest (probe, reload, counters).
 */
static u32 nicsched_rd(struct nicsched_core *core, unsigned int off)
{
	atomic64_inc(&core->other_reads);
	return ioread32(core->regs + off);
}

static void nicsched_wr(struct nicsched_core *core, unsigned int off, u32 val)
{
	atomic64_inc(&core->other_writes);
	iowrite32(val, core->regs + off);
}

static u32 nicsched_poll_rd(struct nicsched_core *core, unsigned int off)
{
	atomic64_inc(&core->poll_reads);
	return ioread32(core->regs + off);
}

static void nicsched_submit_wr(struct nicsched_core *core, struct nicsched_slot *s,
			       unsigned int off, u32 val)
{
	atomic64_inc(&s->submit_writes);
	iowrite32(val, core->regs + off);
}

static bool nicsched_gone(struct nicsched_core *core)
{
	return nicsched_rd(core, NICSCHED_REG_ID) == NICSCHED_ALL_ONES;
}

/* ---- probe ---------------------------------------------------------------------------------- */

static int nicsched_check_id(struct nicsched_core *core)
{
	core->id = nicsched_rd(core, NICSCHED_REG_ID);
	if (core->id == NICSCHED_ALL_ONES) {
		dev_err(core->dev, "ID reads 0xffffffff: device not responding (removed, or BAR not decoded)\n");
		return -ENODEV;
	}
	if (core->id != NICSCHED_ID_VALUE) {
		dev_err(core->dev, "not a nicsched register block: ID expected 0x%08x, found 0x%08x\n",
			NICSCHED_ID_VALUE, core->id);
		return -ENODEV;
	}
	return 0;
}

static int nicsched_check_version(struct nicsched_core *core)
{
	u32 want = NICSCHED_GET(NICSCHED_VERSION_VALUE, VERSION_MAJOR);
	u32 found;

	core->version = nicsched_rd(core, NICSCHED_REG_VERSION);
	found = NICSCHED_GET(core->version, VERSION_MAJOR);
	if (found != want && found != NICSCHED_VERSION_MAJOR_NO_DMA) {
		dev_err(core->dev,
			"register layout mismatch: VERSION major expected %u (or %u, without results by DMA), found %u (VERSION 0x%08x)\n",
			want, NICSCHED_VERSION_MAJOR_NO_DMA, found, core->version);
		return -EPROTO;
	}
	if (core->version != NICSCHED_VERSION_VALUE)
		dev_info(core->dev, "register layout %u.%u, driver built for %u.%u\n", found,
			 NICSCHED_GET(core->version, VERSION_MINOR), want,
			 NICSCHED_GET(NICSCHED_VERSION_VALUE, VERSION_MINOR));
	return 0;
}

static int nicsched_check_hash(struct nicsched_core *core)
{
	core->policy_hash = nicsched_rd(core, NICSCHED_REG_POLICY_HASH);
	if (core->policy_hash != NICSCHED_POLICY_HASH_VALUE) {
		dev_err(core->dev,
			"policy hash mismatch: expected 0x%08x, found 0x%08x; load the driver built for this bitstream's policy\n",
			NICSCHED_POLICY_HASH_VALUE, core->policy_hash);
		return -EPROTO;
	}
	return 0;
}

static int nicsched_check_caps(struct nicsched_core *core)
{
	u32 inputs, outputs, slots;

	core->caps = nicsched_rd(core, NICSCHED_REG_CAPS);
	core->timing = nicsched_rd(core, NICSCHED_REG_TIMING);
	inputs = NICSCHED_GET(core->caps, CAPS_INPUTS);
	outputs = NICSCHED_GET(core->caps, CAPS_OUTPUTS);
	slots = NICSCHED_GET(core->caps, CAPS_SLOTS);
	if (inputs != NICSCHED_INPUTS || outputs != NICSCHED_OUTPUTS || slots != NICSCHED_SLOTS) {
		dev_err(core->dev,
			"CAPS mismatch: expected %u inputs, %u outputs, %u slots; found %u, %u, %u\n",
			NICSCHED_INPUTS, NICSCHED_OUTPUTS, NICSCHED_SLOTS, inputs, outputs, slots);
		return -EPROTO;
	}
	core->head_scores = core->caps & NICSCHED_CAPS_FLAG_HEAD_SCORES;
	return 0;
}

/* Soft reset (slots, features, pipeline, counters, ERROR) and enable in one write. */
static int nicsched_hw_start(struct nicsched_core *core)
{
	u32 status;

	nicsched_wr(core, NICSCHED_REG_CONTROL,
		    NICSCHED_CONTROL_SOFT_RESET_MASK | NICSCHED_CONTROL_ENABLE_MASK);
	status = nicsched_rd(core, NICSCHED_REG_STATUS);
	if (status == NICSCHED_ALL_ONES)
		return -ENODEV;
	if (!(status & NICSCHED_STATUS_ENABLED_MASK)) {
		dev_err(core->dev, "CONTROL.ENABLE did not stick: STATUS 0x%08x\n", status);
		return -EIO;
	}
	return 0;
}

/* Why the card's results cannot come by DMA, or NULL when they can. */
static const char *nicsched_no_dma(const struct nicsched_core *core)
{
	if (!core->cfg.mailbox.cpu)
		return "no mailbox in host memory";
	if (NICSCHED_GET(core->version, VERSION_MAJOR) < 3)
		return "register layout 2.x has no mailbox";
	if (!(core->caps & NICSCHED_CAPS_FLAG_DMA_RESULTS))
		return "CAPS.DMA_RESULTS is 0 (the card's DMA port is not connected)";
	if (core->cfg.collect_scores)
		return "scores are collected, and the mailbox carries none";
	if (core->cfg.mailbox.bus & (NICSCHED_MAILBOX_ALIGN - 1))
		return "the mailbox is not 4 KiB aligned";
	return NULL;
}

/* Program DMA_BASE and enable the mailbox writes, when the card and the caller can. */
static int nicsched_dma_start(struct nicsched_core *core)
{
	const char *why = nicsched_no_dma(core);
	u32 ctrl;

	core->results = NICSCHED_RESULTS_MMIO;
	if (why) {
		if (core->cfg.mailbox.cpu)
			dev_info(core->dev, "results by MMIO: %s\n", why);
		return 0;
	}
	nicsched_wr(core, NICSCHED_REG_DMA_BASE_LO, lower_32_bits(core->cfg.mailbox.bus));
	nicsched_wr(core, NICSCHED_REG_DMA_BASE_HI, upper_32_bits(core->cfg.mailbox.bus));
	/* from here on the card may write the mailbox (nicsched_core_dma_quiesce() knows) */
	core->mailbox = core->cfg.mailbox.cpu;
	core->results = NICSCHED_RESULTS_DMA;
	nicsched_wr(core, NICSCHED_REG_DMA_CTRL, NICSCHED_DMA_CTRL_ENABLE_MASK);
	ctrl = nicsched_rd(core, NICSCHED_REG_DMA_CTRL);
	if (ctrl == NICSCHED_ALL_ONES)
		return -ENODEV;
	if (!(ctrl & NICSCHED_DMA_CTRL_ENABLE_MASK)) {
		dev_info(core->dev, "results by MMIO: DMA_CTRL.ENABLE did not stick (0x%08x)\n",
			 ctrl);
		core->results = NICSCHED_RESULTS_MMIO;
		core->mailbox = NULL;
	}
	return 0;
}

static void nicsched_slots_init(struct nicsched_core *core)
{
	unsigned int n;

	for (n = 0; n < NICSCHED_SLOTS; n++) {
		struct nicsched_slot *s = &core->slot[n];

		atomic_set(&s->state, NICSCHED_SLOT_IDLE);
		atomic_set(&s->owner, NICSCHED_NO_OWNER);
		s->tag = NICSCHED_NO_TAG;
		s->result_tag = NICSCHED_NO_TAG;	/* the soft reset cleared RESULT */
	}
}

static int nicsched_probe_checks(struct nicsched_core *core, u64 len)
{
	int ret;

	if (len < NICSCHED_MAP_SIZE) {
		dev_err(core->dev, "register window too small: %llu bytes, the map needs %u\n",
			(unsigned long long)len, NICSCHED_MAP_SIZE);
		return -ENODEV;
	}
	ret = nicsched_check_id(core);
	if (!ret)
		ret = nicsched_check_version(core);
	if (!ret)
		ret = nicsched_check_hash(core);
	if (!ret)
		ret = nicsched_check_caps(core);
	if (ret == -EPROTO && nicsched_gone(core)) {
		dev_err(core->dev, "ID reads 0xffffffff after the check: device removed\n");
		ret = -ENODEV;
	}
	return ret;
}

/**
 * nicsched_core_init() - check the card and bring it up
 * @core: zeroed here
 * @dev: the device messages are reported on
 * @regs: the mapped register window (BAR)
 * @len: its length in bytes
 * @cfg: timeouts, score collection and the poller kick
 *
 * Refuses a card whose ID, VERSION major, POLICY_HASH or CAPS differ from the generated
 * header, with a dev_err() naming expected and found values. On success the card is soft-reset
 * and enabled, every slot is idle and submits are accepted. With @cfg->mailbox and a card that
 * can (layout v3.0, CAPS.DMA_RESULTS, no scores collected), results come by DMA into the
 * mailbox (core->results); otherwise by the poller, with an info line saying why.
 *
 * Return: 0, -ENODEV (not a nicsched card, or not responding), -EPROTO (incompatible layout,
 * policy or shape) or -EIO.
 */
int nicsched_core_init(struct nicsched_core *core, struct device *dev, void __iomem *regs,
		       u64 len, const struct nicsched_core_cfg *cfg)
{
	int ret;

	memset(core, 0, sizeof(*core));
	core->regs = regs;
	core->dev = dev;
	core->cfg = *cfg;
	ret = nicsched_probe_checks(core, len);
	if (ret)
		return ret;
	if (core->head_scores)
		core->cfg.collect_scores = true;
	ret = nicsched_hw_start(core);
	if (!ret)
		ret = nicsched_dma_start(core);
	if (ret)
		return ret;
	nicsched_slots_init(core);
	atomic_set_release(&core->state, NICSCHED_CORE_RUNNING);
	dev_info(dev,
		 "policy 0x%08x: %u inputs, %u outputs, %u slots, latency %u cycles, layout %u.%u, results by %s\n",
		 core->policy_hash, NICSCHED_INPUTS, NICSCHED_OUTPUTS, NICSCHED_SLOTS,
		 NICSCHED_GET(core->timing, TIMING_LATENCY),
		 NICSCHED_GET(core->version, VERSION_MAJOR),
		 NICSCHED_GET(core->version, VERSION_MINOR),
		 core->results == NICSCHED_RESULTS_DMA ? "DMA into host memory" : "MMIO");
	return 0;
}
EXPORT_SYMBOL_GPL(nicsched_core_init);

/**
 * nicsched_core_stop() - refuse new submits and polls, and disable the card
 * @core: the core
 *
 * The caller must then stop the poller and wait for an RCU grace period before unmapping the
 * register window: submitters that saw the core running may still be writing.
 */
void nicsched_core_stop(struct nicsched_core *core)
{
	if (atomic_cmpxchg(&core->state, NICSCHED_CORE_RUNNING, NICSCHED_CORE_STOPPED) !=
	    NICSCHED_CORE_RUNNING)
		return;
	nicsched_wr(core, NICSCHED_REG_CONTROL, 0);
	if (core->results == NICSCHED_RESULTS_DMA)
		nicsched_wr(core, NICSCHED_REG_DMA_CTRL, 0);
}
EXPORT_SYMBOL_GPL(nicsched_core_stop);

/**
 * nicsched_core_dma_quiesce() - wait until the card no longer writes the mailbox
 * @core: a stopped core (nicsched_core_stop(), then an RCU grace period)
 *
 * Process context; polls DMA_STATUS until ACTIVE reads 0, for at most the request timeout. Only
 * then may the caller free the mailbox: a write the card still has queued or in flight would
 * land in freed memory.
 *
 * Return: 0 (the mailbox may be freed; also when results never came by DMA), -ETIMEDOUT (still
 * active) or -ENODEV (the card is gone or reads all ones: nobody can tell; keep the mailbox).
 */
int nicsched_core_dma_quiesce(struct nicsched_core *core)
{
	u64 start = ktime_get_ns();
	u32 status;

	might_sleep();
	if (core->results != NICSCHED_RESULTS_DMA)
		return 0;
	if (atomic_read(&core->state) == NICSCHED_CORE_REMOVED)
		return -ENODEV;
	/* stopped after a surprise removal, the stop wrote nothing: disable again */
	nicsched_wr(core, NICSCHED_REG_DMA_CTRL, 0);
	for (;;) {
		status = nicsched_rd(core, NICSCHED_REG_DMA_STATUS);
		if (status == NICSCHED_ALL_ONES)
			return -ENODEV;
		if (!(status & NICSCHED_DMA_STATUS_ACTIVE_MASK))
			return 0;
		if (ktime_get_ns() - start > core->cfg.timeout_ns)
			return -ETIMEDOUT;
		usleep_range(NICSCHED_DMA_QUIESCE_US, 2 * NICSCHED_DMA_QUIESCE_US);
	}
}
EXPORT_SYMBOL_GPL(nicsched_core_dma_quiesce);

static void nicsched_removed(struct nicsched_core *core, const char *what)
{
	if (atomic_cmpxchg(&core->state, NICSCHED_CORE_RUNNING, NICSCHED_CORE_REMOVED) !=
	    NICSCHED_CORE_RUNNING)
		return;
	atomic64_inc(&core->surprise_removals);
	dev_err(core->dev, "%s reads 0xffffffff: device removed; submits now fail with -ENODEV\n",
		what);
}

/**
 * nicsched_core_surprise_removal() - the bus reported the card gone (AER, hot unplug)
 * @core: the core
 *
 * Same effect as an all-ones read: the poller stops and submits fail with -ENODEV.
 */
void nicsched_core_surprise_removal(struct nicsched_core *core)
{
	nicsched_removed(core, "bus error report:");
}
EXPORT_SYMBOL_GPL(nicsched_core_surprise_removal);

int nicsched_core_state(const struct nicsched_core *core)
{
	return atomic_read_acquire(&core->state);
}
EXPORT_SYMBOL_GPL(nicsched_core_state);

/* ---- slot ownership ------------------------------------------------------------------------- */

unsigned int nicsched_core_slot_for_cpu(unsigned int cpu)
{
	return cpu % NICSCHED_SLOTS;
}
EXPORT_SYMBOL_GPL(nicsched_core_slot_for_cpu);

/**
 * nicsched_core_claim_slot() - make @owner the owner of @slot
 * @core: the core
 * @slot: slot index
 * @owner: a non-negative id (a CPU number for the hook)
 *
 * Ownership is how submitters agree not to share a slot. Sharing is still safe (a second
 * submitter gets -EBUSY while the first request is in flight), only slower.
 *
 * Return: 0, -EBUSY (owned by someone else) or -EINVAL.
 */
int nicsched_core_claim_slot(struct nicsched_core *core, unsigned int slot, int owner)
{
	if (slot >= NICSCHED_SLOTS || owner < 0)
		return -EINVAL;
	if (atomic_cmpxchg(&core->slot[slot].owner, NICSCHED_NO_OWNER, owner) != NICSCHED_NO_OWNER)
		return -EBUSY;
	return 0;
}
EXPORT_SYMBOL_GPL(nicsched_core_claim_slot);

/**
 * nicsched_core_claim_any() - claim a free slot, preferring slot (owner % slots)
 * @core: the core
 * @owner: a non-negative id
 *
 * Return: the slot index, -EBUSY when every slot is owned, or -EINVAL.
 */
int nicsched_core_claim_any(struct nicsched_core *core, int owner)
{
	unsigned int first, i;

	if (owner < 0)
		return -EINVAL;
	first = nicsched_core_slot_for_cpu(owner);
	for (i = 0; i < NICSCHED_SLOTS; i++) {
		unsigned int slot = (first + i) % NICSCHED_SLOTS;

		if (!nicsched_core_claim_slot(core, slot, owner))
			return slot;
	}
	return -EBUSY;
}
EXPORT_SYMBOL_GPL(nicsched_core_claim_any);

void nicsched_core_release_slot(struct nicsched_core *core, unsigned int slot, int owner)
{
	if (slot < NICSCHED_SLOTS)
		atomic_cmpxchg(&core->slot[slot].owner, owner, NICSCHED_NO_OWNER);
}
EXPORT_SYMBOL_GPL(nicsched_core_release_slot);

int nicsched_core_slot_owner(const struct nicsched_core *core, unsigned int slot)
{
	if (slot >= NICSCHED_SLOTS)
		return -EINVAL;
	return atomic_read(&core->slot[slot].owner);
}
EXPORT_SYMBOL_GPL(nicsched_core_slot_owner);

static void nicsched_reap(struct nicsched_core *core, unsigned int n, bool kick);

/* ---- submit (hot path: posted writes only) -------------------------------------------------- */

/* FEATURES_PACKED word @w of @features: input w * FPW + m at bits [m * IN_BITS +: IN_BITS]. */
static u32 nicsched_packed_word(const u32 *features, unsigned int w)
{
	unsigned int m, i;
	u32 v = 0;

	for (m = 0; m < NICSCHED_FPW; m++) {
		i = w * NICSCHED_FPW + m;
		if (i >= NICSCHED_INPUTS)
			break;
		v |= (features[i] & NICSCHED_IN_MASK) << (m * NICSCHED_IN_BITS);
	}
	return v;
}

/**
 * nicsched_core_pack_features() - the FEATURES_PACKED words of a feature vector
 * @features: NICSCHED_INPUTS features; the low NICSCHED_IN_BITS of each are used
 * @words: NICSCHED_PACKED_WORDS words, filled in
 *
 * What nicsched_core_submit() writes; host memory only.
 */
void nicsched_core_pack_features(const u32 features[NICSCHED_INPUTS],
				 u32 words[NICSCHED_PACKED_WORDS])
{
	unsigned int w;

	for (w = 0; w < NICSCHED_PACKED_WORDS; w++)
		words[w] = nicsched_packed_word(features, w);
}
EXPORT_SYMBOL_GPL(nicsched_core_pack_features);

/* Write the FEATURES_PACKED words whose stored value changes. The slot is idle on the card. */
static void nicsched_write_features(struct nicsched_core *core, unsigned int n,
				    struct nicsched_slot *s, const u32 *features)
{
	unsigned int w;

	for (w = 0; w < NICSCHED_PACKED_WORDS; w++) {
		u32 v = nicsched_packed_word(features, w);

		if (v == s->shadow[w])
			continue;
		nicsched_submit_wr(core, s, NICSCHED_SLOT_FEATURES_PACKED_ADDR(n, w), v);
		s->shadow[w] = v;
	}
}

/* Start the poller if it is idle. Pairs with the disarm in nicsched_core_poll_again(). */
static void nicsched_kick(struct nicsched_core *core)
{
	/* order the IN_FLIGHT store before reading poll_armed (store-buffer pattern) */
	smp_mb();
	if (atomic_read(&core->poll_armed) || atomic_xchg(&core->poll_armed, 1))
		return;
	if (core->cfg.kick)
		core->cfg.kick(core);
}

/**
 * nicsched_core_submit() - start an inference on a slot
 * @core: the core
 * @slot: slot index (normally one the caller claimed)
 * @features: NICSCHED_INPUTS integer features; the low NICSCHED_IN_BITS of each are used
 * @tag: returned with the decision; must differ from the tag of the slot's last result
 *
 * Posted writes only: the FEATURES_PACKED words that changed since the slot's previous
 * request (NICSCHED_FEATURES_PER_WORD inputs per word), then DOORBELL. No register read, no
 * lock, no sleep; safe under the runqueue lock. With DMA results, an answer to the slot's last
 * request that is already in the mailbox is taken first (host memory), and no poller is kicked.
 *
 * Return: 0; -EBUSY (a request is still in flight on the slot: counted as dropped), -EIO (the
 * slot is stuck: its last request stayed BUSY past the timeout), -ENODEV (device stopped or
 * removed), -EINVAL (bad slot, or @tag equals the tag RESULT still holds).
 */
int nicsched_core_submit(struct nicsched_core *core, unsigned int slot,
			 const u32 features[NICSCHED_INPUTS], u16 tag)
{
	struct nicsched_slot *s;
	int ret = 0, old;

	if (unlikely(slot >= NICSCHED_SLOTS))
		return -EINVAL;
	s = &core->slot[slot];
	rcu_read_lock();
	if (unlikely(atomic_read(&core->state) != NICSCHED_CORE_RUNNING)) {
		ret = -ENODEV;
		goto out;
	}
	if (core->results == NICSCHED_RESULTS_DMA)
		nicsched_reap(core, slot, true);
	old = atomic_cmpxchg_acquire(&s->state, NICSCHED_SLOT_IDLE, NICSCHED_SLOT_SUBMITTING);
	if (old == NICSCHED_SLOT_STUCK) {
		ret = -EIO;
		goto out;
	}
	if (old != NICSCHED_SLOT_IDLE) {
		atomic64_inc(&s->dropped);
		ret = -EBUSY;
		goto out;
	}
	if (unlikely(tag == s->result_tag)) {
		atomic_set_release(&s->state, NICSCHED_SLOT_IDLE);
		ret = -EINVAL;
		goto out;
	}
	nicsched_write_features(core, slot, s, features);
	s->tag = tag;
	s->timed_out = false;
	nicsched_submit_wr(core, s, NICSCHED_SLOT_DOORBELL_ADDR(slot), tag);
	s->submit_ns = ktime_get_ns();
	atomic64_inc(&s->submitted);
	atomic_set_release(&s->state, NICSCHED_SLOT_IN_FLIGHT);
	if (core->results == NICSCHED_RESULTS_MMIO)
		nicsched_kick(core);
out:
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(nicsched_core_submit);

/* ---- decision cache (hot path: host memory only) -------------------------------------------- */

static void nicsched_unpack(u64 word, struct nicsched_decision *d)
{
	u32 low = (u32)word;

	d->seq = (u32)(word >> NICSCHED_DEC_SEQ_SHIFT);
	d->tag = NICSCHED_GET(low, RESULT_TAG);
	d->action = NICSCHED_GET(low, RESULT_ACTION);
	d->valid = NICSCHED_GET(low, RESULT_VALID);
}

/**
 * nicsched_core_decision() - the last decision published for a slot
 * @core: the core
 * @slot: slot index
 * @d: filled in (all zero while the slot has no decision)
 *
 * One acquire load of host memory; no register access. With DMA results, a request in flight
 * whose answer the card has written into the mailbox is taken first: a few loads of host memory
 * and atomics, safe under the runqueue lock. The caller compares d->tag with the tag it
 * submitted and d->seq with the last one it consumed.
 *
 * Return: true when @d holds a decision.
 */
bool nicsched_core_decision(struct nicsched_core *core, unsigned int slot,
			    struct nicsched_decision *d)
{
	if (slot >= NICSCHED_SLOTS) {
		memset(d, 0, sizeof(*d));
		return false;
	}
	if (core->results == NICSCHED_RESULTS_DMA)
		nicsched_reap(core, slot, true);
	nicsched_unpack(atomic64_read_acquire(&core->slot[slot].decision), d);
	return d->valid;
}
EXPORT_SYMBOL_GPL(nicsched_core_decision);

static bool nicsched_slot_busy(const struct nicsched_slot *s)
{
	int state = atomic_read(&s->state);

	return state == NICSCHED_SLOT_SUBMITTING || state == NICSCHED_SLOT_IN_FLIGHT;
}

/* A request is being submitted or is in flight on @slot (a stuck slot is neither). */
bool nicsched_core_in_flight(const struct nicsched_core *core, unsigned int slot)
{
	return slot < NICSCHED_SLOTS && nicsched_slot_busy(&core->slot[slot]);
}
EXPORT_SYMBOL_GPL(nicsched_core_in_flight);

/* The poller gave up on @slot: its last request stayed BUSY past the timeout. */
bool nicsched_core_slot_stuck(const struct nicsched_core *core, unsigned int slot)
{
	return slot < NICSCHED_SLOTS &&
	       atomic_read(&core->slot[slot].state) == NICSCHED_SLOT_STUCK;
}
EXPORT_SYMBOL_GPL(nicsched_core_slot_stuck);

/**
 * nicsched_core_read_result() - the last decision of a slot with its scores
 * @core: the core
 * @slot: slot index
 * @res: filled in; scores are zero unless scores are collected
 *
 * Host memory only: a consistent snapshot against the poller's updates (sequence count). With DMA
 * results, an answer waiting in the mailbox is taken first, as nicsched_core_decision() does.
 *
 * Return: 0, -ENODATA (no decision yet), -EAGAIN (kept changing) or -EINVAL.
 */
int nicsched_core_read_result(struct nicsched_core *core, unsigned int slot,
			      struct nicsched_result *res)
{
	const struct nicsched_slot *s;
	unsigned int tries, k;
	int seq;

	if (slot >= NICSCHED_SLOTS)
		return -EINVAL;
	if (core->results == NICSCHED_RESULTS_DMA)
		nicsched_reap(core, slot, true);
	s = &core->slot[slot];
	for (tries = 0; tries < NICSCHED_READ_TRIES; tries++) {
		seq = atomic_read_acquire(&s->score_seq);
		if (seq & 1)
			continue;
		nicsched_unpack(atomic64_read(&s->decision), &res->decision);
		for (k = 0; k < NICSCHED_OUTPUTS; k++)
			res->scores[k] = READ_ONCE(s->scores[k]);
		/* order the copies before re-reading the count; pairs with nicsched_publish() */
		smp_rmb();
		if (atomic_read(&s->score_seq) == seq)
			return res->decision.valid ? 0 : -ENODATA;
	}
	return -EAGAIN;
}
EXPORT_SYMBOL_GPL(nicsched_core_read_result);

/* ---- completion (the poller) ---------------------------------------------------------------- */

/*
 * Read the scores of a completed slot. A score may legitimately read as 0xffffffff (-1); only
 * then is RESULT read again, to tell it from a card that disappeared meanwhile.
 */
static int nicsched_read_scores(struct nicsched_core *core, unsigned int n, s32 *scores)
{
	bool maybe_gone = false;
	unsigned int k;
	u32 v;

	for (k = 0; k < NICSCHED_OUTPUTS; k++) {
		v = nicsched_poll_rd(core, NICSCHED_SLOT_SCORE_ADDR(n, k));
		maybe_gone |= v == NICSCHED_ALL_ONES;
		scores[k] = (s32)v;
	}
	if (maybe_gone && nicsched_poll_rd(core, NICSCHED_SLOT_RESULT_ADDR(n)) == NICSCHED_ALL_ONES)
		return -ENODEV;
	return 0;
}

static void nicsched_publish(struct nicsched_slot *s, u32 result, const s32 *scores)
{
	u64 seq = ((u64)atomic64_read(&s->decision) >> NICSCHED_DEC_SEQ_SHIFT) + 1;
	u64 word = (seq << NICSCHED_DEC_SEQ_SHIFT) | (result & NICSCHED_DEC_BITS);
	unsigned int k;

	atomic_inc(&s->score_seq);
	/* odd count visible before the scores change; pairs with nicsched_core_read_result() */
	smp_wmb();
	for (k = 0; scores && k < NICSCHED_OUTPUTS; k++)
		WRITE_ONCE(s->scores[k], scores[k]);
	atomic64_set_release(&s->decision, word);
	/* the scores and the decision are visible before the even count */
	smp_wmb();
	atomic_inc(&s->score_seq);
}

/* Return: 0, or -ENODEV when the card vanished while its scores were read. */
static int nicsched_complete(struct nicsched_core *core, unsigned int n, struct nicsched_slot *s,
			     u32 result)
{
	s32 scores[NICSCHED_OUTPUTS];

	if (core->cfg.collect_scores && nicsched_read_scores(core, n, scores))
		return -ENODEV;
	s->result_tag = s->tag;
	/*
	 * Free the slot before publishing: whoever sees the decision may submit again at once.
	 * Only the poller writes the decision and the scores, so a new request cannot race them.
	 */
	atomic_set_release(&s->state, NICSCHED_SLOT_IDLE);
	if (!core->head_scores && NICSCHED_GET(result, RESULT_ACTION) >= NICSCHED_OUTPUTS) {
		atomic64_inc(&s->errors);	/* out-of-range action: never published */
		return 0;
	}
	nicsched_publish(s, result, core->cfg.collect_scores ? scores : NULL);
	atomic64_inc(&s->completed);
	return 0;
}

/* ---- results into host memory (DMA, layout v3.0: hot path, host memory only) ---------------- */

/* A mailbox entry's words, as one read saw them. */
struct nicsched_entry {
	u32 seq;
	u32 answer;
	u32 latency;
	u32 check;
};

/* Slot @n's entry, word by word: the card may be writing it meanwhile. */
static void nicsched_read_entry(const struct nicsched_core *core, unsigned int n,
				struct nicsched_entry *e)
{
	const __le32 *w = core->mailbox + NICSCHED_MAILBOX_STRIDE / 4 * n;

	e->seq = le32_to_cpu(READ_ONCE(w[NICSCHED_MAILBOX_SEQ / 4]));
	e->answer = le32_to_cpu(READ_ONCE(w[NICSCHED_MAILBOX_ANSWER / 4]));
	e->latency = le32_to_cpu(READ_ONCE(w[NICSCHED_MAILBOX_LATENCY / 4]));
	e->check = le32_to_cpu(READ_ONCE(w[NICSCHED_MAILBOX_CHECK / 4]));
}

/*
 * The words come from one write of the card: CHECK is NOT (SEQ ^ ANSWER ^ LATENCY), so words of
 * two writes (an entry read while the card rewrites it) fail it, and so does zeroed memory.
 */
static bool nicsched_entry_whole(const struct nicsched_entry *e)
{
	return e->check == ~(e->seq ^ e->answer ^ e->latency) &&
	       (e->answer & NICSCHED_ANSWER_VALID_MASK);
}

/* Is @e the answer to the request in flight on @s: its tag, and newer than the last one taken? */
static bool nicsched_entry_answers(const struct nicsched_slot *s, const struct nicsched_entry *e)
{
	return NICSCHED_GET(e->answer, ANSWER_TAG) == s->tag && (s32)(e->seq - s->dma_seq) > 0;
}

/* Count a torn or stale entry once, however often it is read before the card rewrites it. */
static void nicsched_entry_bad(struct nicsched_slot *s, const struct nicsched_entry *e,
			       atomic64_t *counter)
{
	u64 id = (u64)e->seq << 32 | e->check;

	if (READ_ONCE(s->dma_bad) == id)
		return;
	WRITE_ONCE(s->dma_bad, id);
	atomic64_inc(counter);
}

/*
 * Slot @n's answer is in the mailbox: publish it, then free the slot. The reader owns the slot
 * (SUBMITTING) meanwhile, so no other reader publishes on it and no submit starts on it before
 * its answer is visible.
 */
static void nicsched_take(struct nicsched_core *core, struct nicsched_slot *s,
			  const struct nicsched_entry *e)
{
	s->dma_seq = e->seq;
	s->result_tag = s->tag;
	if (!core->head_scores && NICSCHED_GET(e->answer, ANSWER_ACTION) >= NICSCHED_OUTPUTS) {
		atomic64_inc(&s->errors);	/* out-of-range action: never published */
	} else {
		nicsched_publish(s, e->answer, NULL);
		atomic64_inc(&s->completed);
	}
	atomic_set_release(&s->state, NICSCHED_SLOT_IDLE);
}

/*
 * Take slot @n's answer from the mailbox if the card has written it; with @kick, arm the poller
 * when the request is unanswered past the timeout (callers that read RESULT themselves pass
 * false). Memory reads and atomics only: any context, the runqueue lock held or not. The entry
 * is checked before the slot is taken (the common case, nothing landed yet, costs no atomic
 * write) and again once it is owned: between the two a reader on another CPU may have taken this
 * answer and a new request started.
 */
static void nicsched_reap(struct nicsched_core *core, unsigned int n, bool kick)
{
	struct nicsched_slot *s = &core->slot[n];
	struct nicsched_entry e;

	if (atomic_read_acquire(&s->state) != NICSCHED_SLOT_IN_FLIGHT)
		return;
	rcu_read_lock();
	if (atomic_read(&core->state) != NICSCHED_CORE_RUNNING)
		goto out;	/* the mailbox may be going away */
	nicsched_read_entry(core, n, &e);
	if (!nicsched_entry_whole(&e)) {
		nicsched_entry_bad(s, &e, &s->dma_torn);
		goto not_landed;
	}
	if (NICSCHED_GET(e.answer, ANSWER_TAG) != s->tag)
		goto not_landed;	/* the previous request's entry: ours has not landed */
	if ((s32)(e.seq - s->dma_seq) <= 0) {
		nicsched_entry_bad(s, &e, &s->dma_stale);
		goto not_landed;
	}
	if (atomic_cmpxchg_acquire(&s->state, NICSCHED_SLOT_IN_FLIGHT, NICSCHED_SLOT_SUBMITTING) !=
	    NICSCHED_SLOT_IN_FLIGHT)
		goto out;	/* another reader took it */
	if (nicsched_entry_answers(s, &e))
		nicsched_take(core, s, &e);
	else
		atomic_set_release(&s->state, NICSCHED_SLOT_IN_FLIGHT);	/* a newer request */
	goto out;
not_landed:
	/*
	 * Unanswered past the timeout: only now is a register worth reading (a refused doorbell, a
	 * wedged or removed card). Arming the poller is allowed here (hrtick does it under the
	 * runqueue lock); its pass reads RESULT of the overdue slots only, in softirq context.
	 */
	if (kick && (s64)(ktime_get_ns() - READ_ONCE(s->submit_ns)) > (s64)core->cfg.timeout_ns)
		nicsched_kick(core);
out:
	rcu_read_unlock();
}

static int nicsched_recover_in_flight(struct nicsched_core *core, unsigned int n);

/*
 * With DMA results, a reader that finds a request unanswered past the timeout arms the poller,
 * and its pass takes what landed and reads RESULT of the overdue requests only, as the MMIO
 * poller does for them (stuck, error, or removed). Requests not yet overdue are left to the
 * readers, so the pass never re-arms. Return: 0 or -ENODEV.
 */
static int nicsched_poll_mailbox(struct nicsched_core *core)
{
	unsigned int n;
	int ret;

	for (n = 0; n < NICSCHED_SLOTS; n++) {
		ret = nicsched_recover_in_flight(core, n);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * In flight longer than the timeout: counted once. If RESULT still shows BUSY the card is wedged
 * on the request (or far slower than its TIMING says): the slot becomes stuck and the poller
 * stops watching it, so it does not poll a dead card forever; a doorbell would be refused while
 * BUSY anyway. Otherwise the doorbell never took effect (refused or lost) and the slot is
 * released.
 */
static int nicsched_overdue(struct nicsched_core *core, unsigned int n, struct nicsched_slot *s,
			    u32 result)
{
	if (!s->timed_out) {
		s->timed_out = true;
		atomic64_inc(&s->timeouts);
	}
	if (result & NICSCHED_RESULT_BUSY_MASK) {
		atomic64_inc(&s->stuck);
		atomic_set_release(&s->state, NICSCHED_SLOT_STUCK);
		dev_warn(core->dev,
			 "slot %u: RESULT still BUSY %llu ns after the doorbell: slot stuck, no longer polled\n",
			 n, (unsigned long long)core->cfg.timeout_ns);
		return 0;
	}
	atomic64_inc(&s->errors);
	s->result_tag = (result & NICSCHED_RESULT_VALID_MASK) ?
			NICSCHED_GET(result, RESULT_TAG) : NICSCHED_NO_TAG;
	atomic_set_release(&s->state, NICSCHED_SLOT_IDLE);
	return 0;
}

/* Return: 1 still in flight, 0 idle or completed, -ENODEV all-ones. */
static int nicsched_poll_slot(struct nicsched_core *core, unsigned int n)
{
	struct nicsched_slot *s = &core->slot[n];
	u32 result;
	s64 age;

	if (atomic_read_acquire(&s->state) != NICSCHED_SLOT_IN_FLIGHT)
		return 0;
	result = nicsched_poll_rd(core, NICSCHED_SLOT_RESULT_ADDR(n));
	if (unlikely(result == NICSCHED_ALL_ONES))
		return -ENODEV;
	/* a result with another tag is the previous one: the doorbell has not landed yet */
	if ((result & NICSCHED_RESULT_VALID_MASK) && NICSCHED_GET(result, RESULT_TAG) == s->tag)
		return nicsched_complete(core, n, s, result);
	/* the clock is read after the acquire above, so it is not older than submit_ns */
	age = (s64)(ktime_get_ns() - s->submit_ns);
	if (age > (s64)core->cfg.timeout_ns)
		return nicsched_overdue(core, n, s, result);
	return 1;
}

/**
 * nicsched_core_poll() - one poller pass over the slots in flight
 * @core: the core
 *
 * Reads RESULT of every slot in flight (and SCORE[k] when scores are collected) and publishes
 * completed results. Call it from one context at a time, never under a scheduler lock: the
 * kernel runs it from an hrtimer in softirq context. An all-ones RESULT disables the device.
 * With DMA results only a request unanswered past the timeout arms the poller (a reader finds
 * it), and a pass reads RESULT of such requests only.
 *
 * Return: the number of slots still in flight, -ENODEV (stopped or removed) or -EBUSY
 * (another pass is running).
 */
int nicsched_core_poll(struct nicsched_core *core)
{
	unsigned int n;
	int busy = 0, ret;

	if (atomic_read_acquire(&core->state) != NICSCHED_CORE_RUNNING)
		return -ENODEV;
	if (atomic_xchg(&core->polling, 1))
		return -EBUSY;
	atomic64_inc(&core->polls);
	if (core->results == NICSCHED_RESULTS_DMA) {
		busy = nicsched_poll_mailbox(core);
		atomic_set_release(&core->polling, 0);
		return busy;
	}
	for (n = 0; n < NICSCHED_SLOTS; n++) {
		ret = nicsched_poll_slot(core, n);
		if (unlikely(ret < 0)) {
			nicsched_removed(core, "RESULT");
			busy = ret;
			break;
		}
		busy += ret;
	}
	atomic_set_release(&core->polling, 0);
	return busy;
}
EXPORT_SYMBOL_GPL(nicsched_core_poll);

static bool nicsched_any_in_flight(const struct nicsched_core *core)
{
	unsigned int n;

	for (n = 0; n < NICSCHED_SLOTS; n++)
		if (nicsched_slot_busy(&core->slot[n]))
			return true;
	return false;
}

/**
 * nicsched_core_poll_again() - should the poller run another pass?
 * @core: the core
 * @busy: what nicsched_core_poll() returned
 *
 * With nothing in flight the poller disarms; a later submit kicks it again through cfg.kick.
 * The re-check after disarming closes the race with a submit that saw the poller still armed.
 * A stuck slot is not in flight: the poller runs at most one timeout after the last submit.
 *
 * Return: true to poll again after the poll interval.
 */
bool nicsched_core_poll_again(struct nicsched_core *core, int busy)
{
	if (busy > 0 || busy == -EBUSY)
		return true;
	if (busy < 0)
		return false;	/* stopped or removed: stay armed so no submit kicks */
	atomic_set(&core->poll_armed, 0);
	/* DMA results: a reader arms the poller again for the next overdue request */
	if (core->results == NICSCHED_RESULTS_DMA)
		return false;
	/* order the disarm before re-reading the slots; pairs with nicsched_kick() */
	smp_mb();
	if (!nicsched_any_in_flight(core))
		return false;
	return !atomic_xchg(&core->poll_armed, 1);
}
EXPORT_SYMBOL_GPL(nicsched_core_poll_again);

/* Take stuck slot @n back when its RESULT is no longer BUSY. Return: 1 still stuck, 0, -ENODEV. */
static int nicsched_recover_slot(struct nicsched_core *core, unsigned int n)
{
	struct nicsched_slot *s = &core->slot[n];
	u32 result;

	/* own the slot while looking: a concurrent recover or submit cannot take it meanwhile */
	if (atomic_cmpxchg_acquire(&s->state, NICSCHED_SLOT_STUCK, NICSCHED_SLOT_SUBMITTING) !=
	    NICSCHED_SLOT_STUCK)
		return 0;
	result = nicsched_rd(core, NICSCHED_SLOT_RESULT_ADDR(n));
	if (result == NICSCHED_ALL_ONES && nicsched_gone(core)) {
		atomic_set_release(&s->state, NICSCHED_SLOT_STUCK);
		nicsched_removed(core, "ID");
		return -ENODEV;
	}
	if (result & NICSCHED_RESULT_BUSY_MASK) {
		atomic_set_release(&s->state, NICSCHED_SLOT_STUCK);
		return 1;
	}
	/* the late result is not published: whoever asked has given up on it */
	s->result_tag = (result & NICSCHED_RESULT_VALID_MASK) ?
			NICSCHED_GET(result, RESULT_TAG) : NICSCHED_NO_TAG;
	atomic_set_release(&s->state, NICSCHED_SLOT_IDLE);
	dev_info(core->dev, "slot %u: RESULT no longer BUSY, slot usable again\n", n);
	return 0;
}

/*
 * DMA results: a request still unanswered in the mailbox past the timeout is looked at as the
 * poller looks at one: RESULT still BUSY makes the slot stuck; otherwise the card answered (or
 * refused the doorbell) without an entry reaching host memory, an error, and the slot is freed.
 * Return: 1 stuck now, 0, -ENODEV.
 */
static int nicsched_recover_in_flight(struct nicsched_core *core, unsigned int n)
{
	struct nicsched_slot *s = &core->slot[n];
	u32 result;

	nicsched_reap(core, n, false);
	if (atomic_read_acquire(&s->state) != NICSCHED_SLOT_IN_FLIGHT ||
	    (s64)(ktime_get_ns() - s->submit_ns) <= (s64)core->cfg.timeout_ns)
		return 0;
	if (atomic_cmpxchg_acquire(&s->state, NICSCHED_SLOT_IN_FLIGHT, NICSCHED_SLOT_SUBMITTING) !=
	    NICSCHED_SLOT_IN_FLIGHT)
		return 0;
	result = nicsched_rd(core, NICSCHED_SLOT_RESULT_ADDR(n));
	if (result == NICSCHED_ALL_ONES && nicsched_gone(core)) {
		atomic_set_release(&s->state, NICSCHED_SLOT_IN_FLIGHT);
		nicsched_removed(core, "ID");
		return -ENODEV;
	}
	nicsched_overdue(core, n, s, result);
	return !!(result & NICSCHED_RESULT_BUSY_MASK);
}

/**
 * nicsched_core_recover() - look again at the slots the poller gave up on
 * @core: the core
 *
 * Reads RESULT of every stuck slot; one that no longer reads BUSY becomes idle again. With DMA
 * results (no poller), it also reads RESULT of every request unanswered past the timeout, which
 * becomes stuck (still BUSY) or is freed as an error. Process context only (register reads),
 * never under a scheduler lock.
 *
 * Return: the number of slots still stuck, or -ENODEV (stopped or removed).
 */
int nicsched_core_recover(struct nicsched_core *core)
{
	unsigned int n;
	int stuck = 0, ret = 0;

	rcu_read_lock();
	if (atomic_read(&core->state) != NICSCHED_CORE_RUNNING) {
		ret = -ENODEV;
		goto out;
	}
	for (n = 0; n < NICSCHED_SLOTS; n++) {
		ret = nicsched_recover_slot(core, n);
		if (ret < 0)
			goto out;
		stuck += ret;
		if (core->results != NICSCHED_RESULTS_DMA)
			continue;
		ret = nicsched_recover_in_flight(core, n);
		if (ret < 0)
			goto out;
		stuck += ret;
	}
	ret = stuck;
out:
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(nicsched_core_recover);

/* ---- observability -------------------------------------------------------------------------- */

void nicsched_core_counters(const struct nicsched_core *core, struct nicsched_counters *c)
{
	unsigned int n;

	memset(c, 0, sizeof(*c));
	for (n = 0; n < NICSCHED_SLOTS; n++) {
		const struct nicsched_slot *s = &core->slot[n];

		c->submitted += atomic64_read(&s->submitted);
		c->completed += atomic64_read(&s->completed);
		c->dropped += atomic64_read(&s->dropped);
		c->errors += atomic64_read(&s->errors);
		c->timeouts += atomic64_read(&s->timeouts);
		c->stuck += atomic64_read(&s->stuck);
		c->submit_writes += atomic64_read(&s->submit_writes);
		c->dma_torn += atomic64_read(&s->dma_torn);
		c->dma_stale += atomic64_read(&s->dma_stale);
	}
	c->surprise_removals = atomic64_read(&core->surprise_removals);
	c->polls = atomic64_read(&core->polls);
	c->poll_reads = atomic64_read(&core->poll_reads);
	c->mmio_reads = c->poll_reads + atomic64_read(&core->other_reads);
	c->mmio_writes = c->submit_writes + atomic64_read(&core->other_writes);
}
EXPORT_SYMBOL_GPL(nicsched_core_counters);

/**
 * nicsched_core_read_hw() - read the card's counter and status registers
 * @core: the core
 * @hw: filled in
 *
 * Register reads: process context only (ioctl, debugfs), never the scheduler path. An all-ones
 * ID afterwards means the card is gone and disables the device.
 *
 * Return: 0 or -ENODEV.
 */
int nicsched_core_read_hw(struct nicsched_core *core, struct nicsched_hw_counters *hw)
{
	int ret = 0;

	memset(hw, 0, sizeof(*hw));
	rcu_read_lock();
	if (atomic_read(&core->state) != NICSCHED_CORE_RUNNING) {
		ret = -ENODEV;
		goto out;
	}
	hw->inferences = nicsched_rd(core, NICSCHED_REG_INFERENCES);
	hw->lat_last = nicsched_rd(core, NICSCHED_REG_LAT_LAST);
	hw->lat_max = nicsched_rd(core, NICSCHED_REG_LAT_MAX);
	hw->errors = nicsched_rd(core, NICSCHED_REG_ERRORS);
	hw->error_bits = nicsched_rd(core, NICSCHED_REG_ERROR);
	hw->status = nicsched_rd(core, NICSCHED_REG_STATUS);
	hw->reloads = nicsched_rd(core, NICSCHED_REG_RELOADS);
	hw->policy_hash = nicsched_rd(core, NICSCHED_REG_POLICY_HASH);
	if (nicsched_gone(core)) {
		nicsched_removed(core, "ID");
		memset(hw, 0, sizeof(*hw));
		ret = -ENODEV;
	}
out:
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(nicsched_core_read_hw);

/* ---- weight reload (process context; never under a scheduler lock) ------------------------- */

/**
 * nicsched_core_reload_check() - may @w be loaded into this card?
 * @core: the core
 * @w: the new weights (@w->words is not read)
 *
 * The card's shape is fixed by its bitstream, which the probe matched with this build; weights
 * made for another shape (other topology, formats, shifts or slots) need a new bitstream.
 *
 * Return: 0; -EINVAL (wrong word count) or -EPROTO (another hardware shape), with a dev_err.
 */
int nicsched_core_reload_check(const struct nicsched_core *core, const struct nicsched_weights *w)
{
	if (w->count != NICSCHED_WEIGHTS_WORDS) {
		dev_err(core->dev,
			"reload refused: %u weight words, the card's shadow bank holds %u; a new bitstream is needed\n",
			w->count, NICSCHED_WEIGHTS_WORDS);
		return -EINVAL;
	}
	if (w->shape_hash != NICSCHED_SHAPE_HASH_VALUE) {
		dev_err(core->dev,
			"reload refused: weights for hardware shape 0x%08x, the card's bitstream has shape 0x%08x; a new bitstream is needed\n",
			w->shape_hash, NICSCHED_SHAPE_HASH_VALUE);
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(nicsched_core_reload_check);

/* Steps 1-3 of the reload protocol: shadow bank, SHADOW_HASH, COMMIT. */
static int nicsched_reload_start(struct nicsched_core *core, const struct nicsched_weights *w,
				 u32 *reloads)
{
	unsigned int i;
	u32 pending;
	int ret = 0;

	rcu_read_lock();
	if (atomic_read(&core->state) != NICSCHED_CORE_RUNNING) {
		ret = -ENODEV;
		goto out;
	}
	pending = nicsched_rd(core, NICSCHED_REG_RELOAD);
	*reloads = nicsched_rd(core, NICSCHED_REG_RELOADS);
	if (pending == NICSCHED_ALL_ONES && nicsched_gone(core)) {
		nicsched_removed(core, "ID");
		ret = -ENODEV;
		goto out;
	}
	if (pending & NICSCHED_RELOAD_COMMIT_MASK) {
		/* the shadow bank must not change until the previous COMMIT is done */
		dev_err(core->dev, "reload refused: the previous COMMIT is still pending\n");
		ret = -EBUSY;
		goto out;
	}
	for (i = 0; i < NICSCHED_WEIGHTS_WORDS; i++)
		nicsched_wr(core, NICSCHED_WEIGHTS_BASE + 4 * i, w->words[i]);
	nicsched_wr(core, NICSCHED_REG_SHADOW_HASH, w->policy_hash);
	nicsched_wr(core, NICSCHED_REG_RELOAD, NICSCHED_RELOAD_COMMIT_MASK);
out:
	rcu_read_unlock();
	return ret;
}

/* One read of @off while the core runs. Return: 0, or -ENODEV (stopped, or the card is gone). */
static int nicsched_reload_read(struct nicsched_core *core, unsigned int off, u32 *val)
{
	int ret = 0;

	rcu_read_lock();
	if (atomic_read(&core->state) != NICSCHED_CORE_RUNNING) {
		ret = -ENODEV;
		goto out;
	}
	*val = nicsched_rd(core, off);
	if (*val == NICSCHED_ALL_ONES && nicsched_gone(core)) {
		nicsched_removed(core, "ID");
		ret = -ENODEV;
	}
out:
	rcu_read_unlock();
	return ret;
}

/* Step 4: COMMIT reads 0 once the swap is done; then POLICY_HASH and RELOADS must agree. */
static int nicsched_reload_finish(struct nicsched_core *core, const struct nicsched_weights *w,
				  u32 reloads)
{
	u64 start = ktime_get_ns();
	u32 commit, hash, done;
	int ret;

	for (;;) {
		ret = nicsched_reload_read(core, NICSCHED_REG_RELOAD, &commit);
		if (ret)
			return ret;
		if (!(commit & NICSCHED_RELOAD_COMMIT_MASK))
			break;
		if (ktime_get_ns() - start > core->cfg.timeout_ns) {
			dev_err(core->dev, "reload: COMMIT still pending after %llu ns\n",
				(unsigned long long)core->cfg.timeout_ns);
			return -ETIMEDOUT;
		}
		usleep_range(NICSCHED_RELOAD_POLL_US, 2 * NICSCHED_RELOAD_POLL_US);
	}
	ret = nicsched_reload_read(core, NICSCHED_REG_POLICY_HASH, &hash);
	if (!ret)
		ret = nicsched_reload_read(core, NICSCHED_REG_RELOADS, &done);
	if (ret)
		return ret;
	if (hash != w->policy_hash || done != reloads + 1) {
		dev_err(core->dev,
			"reload: after COMMIT POLICY_HASH 0x%08x RELOADS %u, expected 0x%08x and %u\n",
			hash, done, w->policy_hash, reloads + 1);
		return -EIO;
	}
	dev_info(core->dev, "reloaded weights: policy 0x%08x -> 0x%08x (reload %u)\n",
		 core->policy_hash, hash, done);
	WRITE_ONCE(core->policy_hash, hash);
	return 0;
}

/**
 * nicsched_core_reload() - load new weights through the shadow bank and swap them in
 * @core: the core
 * @w: the new policy's weights, hash and shape hash (`nicsched reload-plan`)
 *
 * The reload protocol of docs/HARDWARE.md: every word of the weights block into the shadow bank,
 * SHADOW_HASH, RELOAD.COMMIT; then RELOAD is polled until COMMIT reads 0 and POLICY_HASH and
 * RELOADS are checked. Submits may go on meanwhile: the card answers a doorbell written before
 * the COMMIT with the old weights and one written after it with the new ones, never a mix.
 *
 * Process context only: this reads registers and sleeps, so never call it under a scheduler
 * lock. One reload runs at a time. On success core->policy_hash is the new policy's.
 *
 * Return: 0; -EINVAL or -EPROTO (refused: see nicsched_core_reload_check(), the card is not
 * touched), -EBUSY (another reload is running, or a previous COMMIT is still pending),
 * -ENODEV (stopped or removed), -ETIMEDOUT (COMMIT did not complete within the request
 * timeout) or -EIO (POLICY_HASH or RELOADS disagree after the swap).
 */
int nicsched_core_reload(struct nicsched_core *core, const struct nicsched_weights *w)
{
	u32 reloads = 0;
	int ret;

	might_sleep();
	ret = nicsched_core_reload_check(core, w);
	if (ret)
		return ret;
	if (atomic_cmpxchg(&core->reloading, 0, 1))
		return -EBUSY;
	atomic_inc(&core->policy_gen);
	/* odd before the card's first write: pairs with nicsched_core_policy_gen() in the hook */
	smp_mb__after_atomic();
	ret = nicsched_reload_start(core, w, &reloads);
	if (!ret)
		ret = nicsched_reload_finish(core, w, reloads);
	/* even again, after the new policy_hash: whoever reads it even sees the hash */
	smp_mb__before_atomic();
	atomic_inc(&core->policy_gen);
	atomic_set_release(&core->reloading, 0);
	return ret;
}
EXPORT_SYMBOL_GPL(nicsched_core_reload);

/**
 * nicsched_core_policy_gen() - the reload generation
 * @core: the core
 *
 * Host memory only, any context. Odd while a reload runs (from before its first register write
 * to after core->policy_hash took the result); every reload, whatever its outcome, changes it
 * by two. A user of the card's answers notes it before use and stops when it changes: the card
 * may answer with other weights from the reload's COMMIT on.
 *
 * Return: the generation.
 */
u32 nicsched_core_policy_gen(const struct nicsched_core *core)
{
	return (u32)atomic_read_acquire(&core->policy_gen);
}
EXPORT_SYMBOL_GPL(nicsched_core_policy_gen);
