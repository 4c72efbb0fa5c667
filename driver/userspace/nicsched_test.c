// SPDX-License-Identifier: GPL-2.0
/*
 * Driver in the loop: the kernel's nicsched_core.c, built through compat.h, drives the Verilated
 * RTL (nicsched_bus.cpp). A poller thread runs the core's completion logic (nicsched_core_poll()
 * and the kick/re-arm protocol of nicsched_core_poll_again()); submitter threads use the hook's
 * API: claim a slot, submit, read the decision cache.
 *
 * With --dma the core gets a results mailbox (layout v3.0): a page of this process that the bus
 * writes the RTL's DMA writes into (nicsched_bus_set_dma()), at a made-up bus address. Nothing
 * kicks the poller then; a clock thread plays the card's free-running clock (it lets bus time
 * pass while a request is in flight, reading no register), and every answer is checked in the
 * mailbox too: the entry's ANSWER, LATENCY, CHECK and SEQ. The "mailbox" phase forges a torn and
 * a stale entry and checks that the core takes neither.
 *
 *   nicsched_harness --vectors golden/vectors.csv --expected golden/expected.csv [--reload DIR]
 *                    [--dma]
 *   nicsched_harness --probe-only
 *
 * --reload DIR: weight reload through the shadow bank. DIR holds to.words (policy B, same shape),
 * back.words (this build's policy A), expected.csv (B's golden answers to the same vectors) and
 * optionally wrong-shape.words and wrong-size.words (weights the driver must refuse). A .words
 * file is whitespace-separated numbers: policy hash, shape hash, word count, then the words of
 * the weights block from word 0 (test/driver.test.ts writes them from `nicsched reload-plan`).
 *
 * One "name: key=value ..." line per check on stdout (test/driver.test.ts and
 * bench/driver-mmio.mjs parse them), dev_*() messages on stderr, exit status 0 when every check
 * passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nicsched_core.h"

#define HARNESS_TIMEOUT_NS	100000ULL	/* 25000 cycles at 250 MHz */
#define WAIT_LIMIT_S		20
#define PATTERN_DECISIONS	200
#define REMOVE_AFTER		400		/* bus transactions into the all-ones phase */
#define MAX_LINE		4096
/* slots the single-threaded phases use (any slot count works) */
#define SLOT_PATTERNS		(1 % NICSCHED_SLOTS)
#define SLOT_SEMANTICS		(2 % NICSCHED_SLOTS)
#define SLOT_LOST		(NICSCHED_SLOTS - 1)
#define SLOT_VIEWS		SLOT_SEMANTICS
#define VIEW_VECTORS		500		/* FEATURES_PACKED vs FEATURE[i] comparisons */
#define RELOAD_CHECK_VECTORS	300		/* before, after a refusal, after reloading back */
#define STUCK_WATCH_US		200000		/* the poller watched after it gave up, wall time */
/* one poller pass, in bus time: a RESULT read and what surrounds it (bounds the poller's life) */
#define POLL_PASS_SLACK_NS	10000ULL
#define MAX_WEIGHT_WORDS	65536U
/* --dma: where the mailbox page seems to be on the bus (4 KiB aligned, above 4 GiB) */
#define MAILBOX_BUS		0x0000001234567000ULL
#define MAILBOX_PAGE		4096U
#define CLOCK_STEP		8		/* cycles the clock thread lets pass at a time */

struct vector {
	u32 features[NICSCHED_INPUTS];
	int action;
	s32 scores[NICSCHED_OUTPUTS];
};

struct mmio_tally {
	unsigned long decisions;
	unsigned long writes;
	unsigned long reads;
	unsigned long max_writes;
	unsigned long min_writes;
};

struct worker {
	pthread_t thread;
	int owner;
	int slot;
	unsigned int first;
	unsigned int stride;
	unsigned long compared;
	unsigned long mismatches;
	unsigned long completed;
	int last_error;
	struct mmio_tally mmio;
};

static struct nicsched_core core;
static struct device harness_dev = { .name = "nicsched-harness" };
static struct vector *vectors;
static unsigned int n_vectors;
static struct vector *reload_vectors;	/* policy B's answers to the same features */
static unsigned int n_reload_vectors;
static int failures;

static sem_t kick_sem;
static pthread_t poller;
static atomic_t poll_pause, poll_paused, poll_exit, kicks, max_busy;

/* --dma: the mailbox, the card's clock, and what the entries showed */
static bool dma_mode;
static __le32 *mailbox;
static pthread_t card_clock;
static atomic_t clock_pause, clock_paused, clock_exit;
static atomic64_t dma_outside;		/* DMA writes outside the mailbox page */
static u32 last_seq[NICSCHED_SLOTS];	/* SEQ of the last entry checked per slot */

struct entry_tally {
	unsigned long checked;
	unsigned long bad_answer;	/* ANSWER is not VALID | tag | golden action */
	unsigned long bad_check;	/* CHECK is not NOT (SEQ ^ ANSWER ^ LATENCY) */
	unsigned long bad_seq;		/* SEQ did not grow on the slot */
	unsigned long slow;		/* LATENCY above the compiler's (contention) */
	unsigned long bad_latency;	/* LATENCY below it */
};

static struct entry_tally entries;
static pthread_mutex_t entries_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- checks ------------------------------------------------------------------------------ */

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "CHECK FAILED: %s\n", what);
		failures++;
	}
}

static double per(unsigned long num, unsigned long den)
{
	return den ? (double)num / (double)den : 0.0;
}

static u64 wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* ---- output: one "name: key=value ..." line per check ------------------------------------- */

static void out_begin(const char *name)
{
	printf("%s:", name);
}

static void out_u(const char *key, unsigned long long v)
{
	printf(" %s=%llu", key, v);
}

static void out_d(const char *key, long long v)
{
	printf(" %s=%lld", key, v);
}

static void out_x(const char *key, unsigned long long v)
{
	printf(" %s=0x%08llx", key, v);
}

static void out_f(const char *key, double v)
{
	printf(" %s=%.2f", key, v);
}

static void out_s(const char *key, const char *v)
{
	printf(" %s=%s", key, v);
}

static void out_end(void)
{
	putchar('\n');
}

/* ---- golden CSVs --------------------------------------------------------------------------- */

static int parse_row(char *line, long *out, unsigned int want)
{
	unsigned int n = 0;
	char *p = line, *end;

	while (n < want) {
		out[n++] = strtol(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
		if (*p != ',')
			break;
		p++;
	}
	return (n == want && (*p == '\n' || *p == '\r' || *p == '\0')) ? 0 : -1;
}

static FILE *open_csv(const char *path, char *line)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return NULL;
	}
	if (!fgets(line, MAX_LINE, f)) {	/* header */
		fclose(f);
		return NULL;
	}
	return f;
}

struct vector_set {
	struct vector **v;
	unsigned int *n;
	unsigned int cap;
};

static int add_vector(struct vector_set *set, const long *v, const long *e)
{
	struct vector *vec;
	unsigned int i;

	if (*set->n == set->cap) {
		unsigned int cap = set->cap ? 2 * set->cap : 1024;
		struct vector *more = realloc(*set->v, cap * sizeof(**set->v));

		if (!more)
			return -1;
		*set->v = more;
		set->cap = cap;
	}
	vec = &(*set->v)[(*set->n)++];
	for (i = 0; i < NICSCHED_INPUTS; i++)
		vec->features[i] = (u32)v[i];
	vec->action = (int)e[0];
	for (i = 0; i < NICSCHED_OUTPUTS; i++)
		vec->scores[i] = (s32)e[1 + i];
	return 0;
}

static int load_vectors(struct vector_set *set, const char *vpath, const char *epath)
{
	char vline[MAX_LINE], eline[MAX_LINE];
	long v[NICSCHED_INPUTS], e[1 + NICSCHED_OUTPUTS];
	FILE *vf, *ef;
	int ret = -1;

	vf = open_csv(vpath, vline);
	if (!vf)
		return -1;
	ef = open_csv(epath, eline);
	if (!ef)
		goto close_v;
	while (fgets(vline, sizeof(vline), vf) && fgets(eline, sizeof(eline), ef)) {
		if (parse_row(vline, v, NICSCHED_INPUTS) ||
		    parse_row(eline, e, 1 + NICSCHED_OUTPUTS)) {
			fprintf(stderr, "bad CSV row %u\n", *set->n + 2);
			goto close_e;
		}
		if (add_vector(set, v, e))
			goto close_e;
	}
	ret = 0;
close_e:
	fclose(ef);
close_v:
	fclose(vf);
	return ret;
}

/* ---- the poller: the kernel's hrtimer, as a thread ----------------------------------------- */

static void harness_kick(struct nicsched_core *c)
{
	atomic_inc(&kicks);
	sem_post(&kick_sem);
}

static void wait_kick(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	sem_timedwait(&kick_sem, &ts);
}

static int in_flight_now(void)
{
	int n, busy = 0;

	for (n = 0; n < NICSCHED_SLOTS; n++)
		busy += nicsched_core_in_flight(&core, n);
	return busy;
}

/*
 * The kernel's hrtimer: it runs a pass only while armed (a submit that finds it idle arms it
 * through cfg.kick) and stays armed only while nicsched_core_poll_again() says so. While
 * disarmed the thread sleeps until a kick, looking up every 20 ms to see the core go away.
 */
static void *poller_main(void *arg)
{
	for (;;) {
		int busy;

		if (atomic_read(&poll_pause)) {
			atomic_set(&poll_paused, 1);
			usleep(50);
			continue;
		}
		atomic_set(&poll_paused, 0);
		if (!atomic_read(&core.poll_armed)) {
			if (nicsched_core_state(&core) != NICSCHED_CORE_RUNNING) {
				atomic_set(&poll_exit, -ENODEV);
				return NULL;
			}
			wait_kick();
			continue;
		}
		busy = in_flight_now();
		if (busy > atomic_read(&max_busy))
			atomic_set(&max_busy, busy);
		busy = nicsched_core_poll(&core);
		if (busy < 0 && busy != -EBUSY) {
			atomic_set(&poll_exit, busy);
			return NULL;
		}
		if (!nicsched_core_poll_again(&core, busy))
			wait_kick();
	}
}

static void pause_poller(void)
{
	atomic_set(&poll_pause, 1);
	while (!atomic_read(&poll_paused))
		usleep(50);
}

static void resume_poller(void)
{
	atomic_set(&poll_pause, 0);
	sem_post(&kick_sem);
}

/* ---- --dma: host memory for the card, and the card's clock -------------------------------- */

/*
 * The bus delivers the RTL's DMA writes here. Word by word, as a device's write may reach a CPU's
 * view of memory: a reader may see some words of the new entry and some of the old one.
 */
static int harness_dma_write(void *ctx, u64 addr, const void *data, u32 len)
{
	const u8 *bytes = data;
	u32 off, word;

	if (addr < MAILBOX_BUS || addr + len > MAILBOX_BUS + MAILBOX_PAGE || (addr | len) & 3) {
		atomic64_inc(&dma_outside);
		return -1;
	}
	off = (u32)(addr - MAILBOX_BUS);
	for (word = 0; word < len / 4; word++) {
		u32 v;

		memcpy(&v, bytes + 4 * word, 4);
		__atomic_store_n(&mailbox[off / 4 + word], v, __ATOMIC_RELEASE);
	}
	return 0;
}

/*
 * The card's clock runs whether or not the host reads a register: while a request is in flight
 * (or the DMA engine has work) this thread lets bus time pass, edge by edge. It reads nothing.
 */
static void *card_clock_main(void *arg)
{
	while (!atomic_read(&clock_exit)) {
		if (atomic_read(&clock_pause)) {
			atomic_set(&clock_paused, 1);
			usleep(50);
			continue;
		}
		atomic_set(&clock_paused, 0);
		if (in_flight_now() || !nicsched_bus_dma_idle())
			nicsched_bus_advance(CLOCK_STEP, CLOCK_STEP);
		else
			usleep(20);
	}
	return NULL;
}

/* Keep the card's answers from arriving: the poller (MMIO), or the card's clock (DMA). */
static void hold_answers(void)
{
	if (!dma_mode) {
		pause_poller();
		return;
	}
	atomic_set(&clock_pause, 1);
	while (!atomic_read(&clock_paused))
		usleep(50);
}

static void release_answers(void)
{
	if (!dma_mode) {
		resume_poller();
		return;
	}
	atomic_set(&clock_pause, 0);
}

/* Slot @n's mailbox entry, word by word. */
static void read_entry(unsigned int n, u32 w[4])
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		w[i] = __atomic_load_n(&mailbox[NICSCHED_MAILBOX_STRIDE / 4 * n + i],
				       __ATOMIC_ACQUIRE);
}

static u32 entry_check(const u32 w[4])
{
	return ~(w[NICSCHED_MAILBOX_SEQ / 4] ^ w[NICSCHED_MAILBOX_ANSWER / 4] ^
		 w[NICSCHED_MAILBOX_LATENCY / 4]);
}

static u32 answer_word(u16 tag, unsigned int action)
{
	return NICSCHED_ANSWER_VALID_MASK | (u32)tag << NICSCHED_ANSWER_TAG_SHIFT |
	       (action << NICSCHED_ANSWER_ACTION_SHIFT & NICSCHED_ANSWER_ACTION_MASK);
}

/* The entry a decision came from, against the golden answer: every word of it. */
static void check_entry(unsigned int slot, u16 tag, const struct vector *expect)
{
	u32 w[4];
	u32 seq, lat;

	read_entry(slot, w);
	seq = w[NICSCHED_MAILBOX_SEQ / 4];
	lat = w[NICSCHED_MAILBOX_LATENCY / 4];
	pthread_mutex_lock(&entries_lock);
	entries.checked++;
	entries.bad_answer += expect &&
			      w[NICSCHED_MAILBOX_ANSWER / 4] != answer_word(tag, expect->action);
	entries.bad_check += w[NICSCHED_MAILBOX_CHECK / 4] != entry_check(w);
	entries.bad_seq += (s32)(seq - last_seq[slot]) <= 0;
	entries.slow += lat > NICSCHED_LATENCY;
	entries.bad_latency += lat < NICSCHED_LATENCY;
	last_seq[slot] = seq;
	pthread_mutex_unlock(&entries_lock);
}

/* ---- the hook's side: submit, then read the decision cache ---------------------------------- */

static int wait_decision(unsigned int slot, u32 prev_seq, struct nicsched_result *res)
{
	u64 deadline = wall_ns() + WAIT_LIMIT_S * 1000000000ULL;
	struct nicsched_decision d;

	int ret;

	for (;;) {
		if (nicsched_core_decision(&core, slot, &d) && d.seq != prev_seq) {
			ret = nicsched_core_read_result(&core, slot, res);
			if (ret != -EAGAIN)	/* -EAGAIN: the poller was mid-publish */
				return ret;
		}
		if (nicsched_core_state(&core) != NICSCHED_CORE_RUNNING)
			return -ENODEV;
		if (wall_ns() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
}

static void tally_submit(struct mmio_tally *t, unsigned long writes, unsigned long reads)
{
	if (!t->decisions || writes > t->max_writes)
		t->max_writes = writes;
	if (!t->decisions || writes < t->min_writes)
		t->min_writes = writes;
	t->decisions++;
	t->writes += writes;
	t->reads += reads;
}

/* The golden answer: the action, and the scores when they are collected (not with DMA). */
static bool matches(const struct nicsched_result *res, const struct vector *v, u16 tag)
{
	unsigned int k;

	if (res->decision.tag != tag || !res->decision.valid)
		return false;
	if (!core.head_scores && res->decision.action != v->action)
		return false;
	for (k = 0; core.cfg.collect_scores && k < NICSCHED_OUTPUTS; k++)
		if (res->scores[k] != v->scores[k])
			return false;
	return true;
}

/* Submit features on a slot and wait for its decision. Return: 0 or <0 error. */
static int submit_wait(unsigned int slot, const u32 *features, u16 tag, struct mmio_tally *t,
		       struct nicsched_result *res)
{
	struct nicsched_decision before;
	unsigned long w0, r0;
	int ret;

	nicsched_core_decision(&core, slot, &before);
	w0 = nicsched_mmio_writes;
	r0 = nicsched_mmio_reads;
	ret = nicsched_core_submit(&core, slot, features, tag);
	tally_submit(t, nicsched_mmio_writes - w0, nicsched_mmio_reads - r0);
	if (ret)
		return ret;
	return wait_decision(slot, before.seq, res);
}

/* Submit features on a slot and wait for the decision. Return: 1 match, 0 mismatch, <0 error. */
static int run_request(unsigned int slot, const u32 *features, const struct vector *expect,
		       u16 tag, struct mmio_tally *t)
{
	struct nicsched_result res;
	int ret;

	ret = submit_wait(slot, features, tag, t, &res);
	if (ret)
		return ret;
	if (dma_mode)
		check_entry(slot, tag, expect);
	if (expect && !matches(&res, expect, tag)) {
		fprintf(stderr, "mismatch: tag %u: action %u score0 %d, want %d and %d\n",
			tag, res.decision.action, res.scores[0], expect->action, expect->scores[0]);
		return 0;
	}
	return 1;
}

static u16 tag_for(unsigned int i)
{
	return (u16)(i + 1);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int i;
	int ret;

	for (i = w->first; i < n_vectors; i += w->stride) {
		ret = run_request(w->slot, vectors[i].features, &vectors[i], tag_for(i), &w->mmio);
		if (ret < 0) {
			w->last_error = ret;
			break;
		}
		w->compared++;
		w->completed++;
		w->mismatches += !ret;
	}
	return NULL;
}

/* ---- phases ---------------------------------------------------------------------------------- */

static int phase_probe(bool probe_only)
{
	struct nicsched_core_cfg cfg = {
		.timeout_ns = HARNESS_TIMEOUT_NS,
		.collect_scores = !dma_mode,
		.kick = harness_kick,
	};
	int ret;

	if (dma_mode) {
		mailbox = aligned_alloc(MAILBOX_PAGE, MAILBOX_PAGE);
		if (!mailbox)
			return -ENOMEM;
		memset(mailbox, 0, MAILBOX_PAGE);
		cfg.mailbox.cpu = mailbox;
		cfg.mailbox.bus = MAILBOX_BUS;
		nicsched_bus_set_dma(harness_dma_write, NULL);
	}

	ret = nicsched_core_init(&core, &harness_dev, (void __iomem *)NICSCHED_BUS_BASE,
				 NICSCHED_BUS_SIZE, &cfg);
	out_begin("probe");
	out_s("status", ret ? "refused" : "ok");
	out_d("rc", ret);
	out_x("id", core.id);
	out_x("version", core.version);
	out_x("hash", core.policy_hash);
	out_x("expected_hash", NICSCHED_POLICY_HASH_VALUE);
	out_x("caps", core.caps);
	out_u("slots", NICSCHED_SLOTS);
	out_u("inputs", NICSCHED_INPUTS);
	out_u("outputs", NICSCHED_OUTPUTS);
	out_s("results", core.results == NICSCHED_RESULTS_DMA ? "dma" : "mmio");
	out_end();
	if (!probe_only) {
		check(ret == 0, "probe");
		check(dma_mode == (core.results == NICSCHED_RESULTS_DMA), "results as asked");
	}
	return ret;
}

static void phase_sequential(void)
{
	struct worker w = { .owner = 0, .first = 0, .stride = 1 };
	struct nicsched_bus_stats st0, st1;
	struct nicsched_counters c0, c1;

	w.slot = nicsched_core_claim_any(&core, w.owner);
	check(w.slot == 0, "owner 0 claims slot 0");
	nicsched_mmio_reads = 0;
	nicsched_mmio_writes = 0;
	nicsched_core_counters(&core, &c0);
	nicsched_bus_get_stats(&st0);
	worker_main(&w);
	nicsched_bus_get_stats(&st1);
	nicsched_core_counters(&core, &c1);
	out_begin("vectors");
	out_u("compared", w.compared);
	out_u("mismatches", w.mismatches);
	out_d("error", w.last_error);
	out_d("slot", w.slot);
	out_end();
	/* everything this thread did on the bus happened inside nicsched_core_submit() */
	out_begin("mmio");
	out_s("path", "submit");
	out_u("decisions", w.mmio.decisions);
	out_u("writes", w.mmio.writes);
	out_u("reads", w.mmio.reads);
	out_f("writes_per_decision", per(w.mmio.writes, w.mmio.decisions));
	out_u("max_writes", w.mmio.max_writes);
	out_u("min_writes", w.mmio.min_writes);
	out_u("thread_writes", nicsched_mmio_writes);
	out_u("thread_reads", nicsched_mmio_reads);
	out_u("feature_regs", NICSCHED_INPUTS);
	out_u("in_bits", NICSCHED_IN_BITS);
	/* the poller's reads: RESULT until it shows the tag, then the scores */
	out_f("poller_reads_per_decision", per(st1.reads - st0.reads, w.mmio.decisions));
	/* the driver's own counts of the same (debugfs shows them) */
	out_u("counted_submit_writes", c1.submit_writes - c0.submit_writes);
	out_u("counted_poll_reads", c1.poll_reads - c0.poll_reads);
	out_u("bus_reads", st1.reads - st0.reads);
	out_u("counted_reads", c1.mmio_reads - c0.mmio_reads);
	out_end();
	check(w.compared == n_vectors && !w.mismatches && !w.last_error, "sequential vectors");
	check(w.mmio.reads == 0 && nicsched_mmio_reads == 0, "no MMIO read on the submit path");
	check(c1.submit_writes - c0.submit_writes == w.mmio.writes &&
	      c1.poll_reads - c0.poll_reads == st1.reads - st0.reads &&
	      c1.mmio_reads - c0.mmio_reads == st1.reads - st0.reads,
	      "the driver counts every register access it makes");
	if (dma_mode) {
		u32 inferences = nicsched_bus_peek32(NICSCHED_REG_INFERENCES);

		out_begin("dma");
		out_u("decisions", w.mmio.decisions);
		out_u("bus_reads", st1.reads - st0.reads);
		out_u("polls", c1.polls - c0.polls);
		out_u("kicks", atomic_read(&kicks));
		out_u("dma_writes", st1.dma_writes - st0.dma_writes);
		out_u("dma_dropped", st1.dma_dropped - st0.dma_dropped);
		out_u("last_seq", last_seq[w.slot]);
		out_u("inferences", inferences);
		out_end();
		check(st1.reads == st0.reads && c1.polls == c0.polls && !atomic_read(&kicks),
		      "results by DMA: no register read, no poller pass, no kick");
		check(st1.dma_writes - st0.dma_writes == w.mmio.decisions &&
		      st1.dma_dropped == st0.dma_dropped && last_seq[w.slot] == inferences,
		      "results by DMA: one mailbox write per decision, SEQ = INFERENCES");
	}
	nicsched_core_release_slot(&core, w.slot, w.owner);
}

/* MMIO per decision for fixed feature patterns (the golden order is reported above). */
static void phase_patterns(void)
{
	static const char * const names[] = { "all-change", "unchanged" };
	u32 a[NICSCHED_INPUTS], b[NICSCHED_INPUTS];
	unsigned int p, i, n = 0;
	u32 mask = (u32)GENMASK(NICSCHED_IN_BITS - 1, 0);

	for (i = 0; i < NICSCHED_INPUTS; i++) {
		a[i] = 0x5a5a5a5a & mask;
		b[i] = ~a[i] & mask;
	}
	for (p = 0; p < 2; p++) {
		struct mmio_tally t = { 0 };
		int ret = 0;

		for (i = 0; i < PATTERN_DECISIONS && ret >= 0; i++, n++) {
			const u32 *f = (p == 0 && (i & 1)) ? b : a;

			ret = run_request(SLOT_PATTERNS, f, NULL, (u16)(0x8000 + n), &t);
		}
		out_begin("mmio-pattern");
		out_s("name", names[p]);
		out_u("decisions", t.decisions);
		out_u("writes", t.writes);
		out_u("reads", t.reads);
		out_f("per_decision", per(t.writes, t.decisions));
		out_d("error", ret < 0 ? ret : 0);
		out_end();
		check(ret >= 0 && t.reads == 0, "pattern requests");
	}
}

/* API semantics: busy slot, tag reuse, bad slot, claims. */
static void phase_semantics(void)
{
	struct nicsched_result res = { 0 };
	struct nicsched_counters c0, c1;
	int first, busy, same_tag, bad_slot, fifth, o, claimed = 0;
	struct nicsched_decision before;
	u16 tag = 0x7000;

	nicsched_core_counters(&core, &c0);
	nicsched_core_decision(&core, SLOT_SEMANTICS, &before);
	hold_answers();
	first = nicsched_core_submit(&core, SLOT_SEMANTICS, vectors[0].features, tag);
	busy = nicsched_core_submit(&core, SLOT_SEMANTICS, vectors[1].features, tag + 1);
	release_answers();
	if (!first)
		wait_decision(SLOT_SEMANTICS, before.seq, &res);
	same_tag = nicsched_core_submit(&core, SLOT_SEMANTICS, vectors[0].features, tag);
	bad_slot = nicsched_core_submit(&core, NICSCHED_SLOTS, vectors[0].features, tag + 2);
	for (o = 0; o < NICSCHED_SLOTS; o++)
		claimed += nicsched_core_claim_any(&core, 100 + o) >= 0;
	fifth = nicsched_core_claim_any(&core, 100 + NICSCHED_SLOTS);
	for (o = 0; o < NICSCHED_SLOTS; o++)
		nicsched_core_release_slot(&core, o, 100 + o);
	nicsched_core_counters(&core, &c1);
	out_begin("semantics");
	out_d("first", first);
	out_d("busy_submit", busy);
	out_u("dropped", c1.dropped - c0.dropped);
	out_d("same_tag", same_tag);
	out_d("bad_slot", bad_slot);
	out_d("claimed", claimed);
	out_d("claim_extra", fifth);
	out_d("result_match", !first && matches(&res, &vectors[0], tag));
	out_end();
	check(!first && busy == -EBUSY && c1.dropped - c0.dropped == 1, "busy slot refused");
	check(same_tag == -EINVAL && bad_slot == -EINVAL, "tag reuse and bad slot refused");
	check(claimed == NICSCHED_SLOTS && fifth == -EBUSY, "claims");
}

/*
 * With results by DMA nothing watches a request in flight: once it is older than the timeout,
 * nicsched_core_recover() (process context, the hook calls it when it arms) looks at RESULT.
 * Return: what the last recover returned.
 */
static int recover_when_overdue(unsigned int slot, u64 deadline)
{
	u64 t0 = nicsched_bus_time_ns();
	int ret = 0;

	while (nicsched_core_in_flight(&core, slot) && wall_ns() < deadline) {
		if (nicsched_bus_time_ns() - t0 > 2 * HARNESS_TIMEOUT_NS)
			ret = nicsched_core_recover(&core);
		sched_yield();
	}
	return ret;
}

/* A doorbell the card refuses (CONTROL.ENABLE = 0): timeout, then the slot is released. */
static void phase_lost_doorbell(void)
{
	struct nicsched_counters c0, c1;
	struct mmio_tally t = { 0 };
	u64 deadline = wall_ns() + WAIT_LIMIT_S * 1000000000ULL;
	int submit, resubmit, released;

	nicsched_core_counters(&core, &c0);
	nicsched_bus_write32(NICSCHED_REG_CONTROL, 0);
	submit = nicsched_core_submit(&core, SLOT_LOST, vectors[5].features, 0x6000);
	if (dma_mode)
		recover_when_overdue(SLOT_LOST, deadline);
	while (nicsched_core_in_flight(&core, SLOT_LOST) && wall_ns() < deadline)
		sched_yield();
	nicsched_core_counters(&core, &c1);
	released = !nicsched_core_in_flight(&core, SLOT_LOST);
	nicsched_bus_write32(NICSCHED_REG_CONTROL, NICSCHED_CONTROL_ENABLE_MASK);
	nicsched_bus_write32(NICSCHED_REG_ERROR, NICSCHED_ERROR_DOORBELL_DISABLED_MASK);
	resubmit = run_request(SLOT_LOST, vectors[5].features, &vectors[5], 0x6001, &t);
	out_begin("lost-doorbell");
	out_d("submit", submit);
	out_u("timeouts", c1.timeouts - c0.timeouts);
	out_u("errors", c1.errors - c0.errors);
	out_d("released", released);
	out_d("resubmit_match", resubmit == 1);
	out_end();
	check(!submit && released && c1.timeouts - c0.timeouts == 1 && c1.errors - c0.errors == 1,
	      "lost doorbell timed out and counted");
	check(resubmit == 1, "slot usable after a lost doorbell");
}

static void write_entry(unsigned int n, const u32 w[4])
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		__atomic_store_n(&mailbox[NICSCHED_MAILBOX_STRIDE / 4 * n + i], w[i],
				 __ATOMIC_RELEASE);
}

/*
 * --dma: a torn and a stale entry, forged into the mailbox while the slot's request is in flight
 * and the card is held back, both carrying the request's tag and a wrong action. The core must
 * take neither (and count each once), then take the card's own entry, which is golden.
 */
static void phase_mailbox(void)
{
	const struct vector *v = &vectors[3];
	const unsigned int slot = SLOT_SEMANTICS, wrong = (v->action + 1) % NICSCHED_OUTPUTS;
	const u32 taken = core.slot[slot].dma_seq;	/* SEQ of the slot's last entry taken */
	struct nicsched_decision before, torn, stale;
	struct nicsched_counters c0, c1, c2;
	struct nicsched_result res = { 0 };
	const u16 tag = 0x7a00;
	int submit, ret, torn_in_flight, stale_in_flight;
	u32 w[4];

	nicsched_core_counters(&core, &c0);
	nicsched_core_decision(&core, slot, &before);
	hold_answers();
	submit = nicsched_core_submit(&core, slot, v->features, tag);
	/* torn: a newer SEQ and our tag, with the CHECK of other words */
	w[NICSCHED_MAILBOX_SEQ / 4] = taken + 1000;
	w[NICSCHED_MAILBOX_ANSWER / 4] = answer_word(tag, wrong);
	w[NICSCHED_MAILBOX_LATENCY / 4] = NICSCHED_LATENCY;
	w[NICSCHED_MAILBOX_CHECK / 4] = entry_check(w) ^ 0x100;
	write_entry(slot, w);
	nicsched_core_decision(&core, slot, &torn);
	torn_in_flight = nicsched_core_in_flight(&core, slot);
	nicsched_core_decision(&core, slot, &torn);	/* read twice, counted once */
	nicsched_core_counters(&core, &c1);
	/* stale: whole, our tag, but the SEQ of the entry the slot took last */
	w[NICSCHED_MAILBOX_SEQ / 4] = taken;
	w[NICSCHED_MAILBOX_CHECK / 4] = entry_check(w);
	write_entry(slot, w);
	nicsched_core_decision(&core, slot, &stale);
	stale_in_flight = nicsched_core_in_flight(&core, slot);
	nicsched_core_counters(&core, &c2);
	release_answers();
	ret = submit ? submit : wait_decision(slot, before.seq, &res);
	if (!ret)
		check_entry(slot, tag, v);
	out_begin("mailbox");
	out_d("submit", submit);
	out_d("torn_taken", torn.seq != before.seq);
	out_d("torn_in_flight", torn_in_flight);
	out_u("dma_torn", c1.dma_torn - c0.dma_torn);
	out_d("stale_taken", stale.seq != before.seq);
	out_d("stale_in_flight", stale_in_flight);
	out_u("dma_stale", c2.dma_stale - c1.dma_stale);
	out_d("answer", ret ? ret : res.decision.action);
	out_u("golden", v->action);
	out_u("forged", wrong);
	out_end();
	check(!submit && torn.seq == before.seq && torn_in_flight && c1.dma_torn - c0.dma_torn == 1,
	      "a torn mailbox entry is not taken, and counted once");
	check(stale.seq == before.seq && stale_in_flight && c2.dma_stale - c1.dma_stale == 1,
	      "a stale mailbox entry is not taken, and counted once");
	check(!ret && matches(&res, v, tag), "then the card's own entry is taken: golden");
}

static void run_workers(struct worker *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	for (i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
}

static void setup_workers(struct worker *w, unsigned int n, int owner_base)
{
	unsigned int i;

	memset(w, 0, n * sizeof(*w));
	for (i = 0; i < n; i++) {
		w[i].owner = owner_base + (int)i;
		w[i].slot = nicsched_core_claim_any(&core, w[i].owner);
		w[i].first = i;
		w[i].stride = n;
	}
}

static void release_workers(struct worker *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		nicsched_core_release_slot(&core, w[i].slot, w[i].owner);
}

static unsigned int distinct_slots(const struct worker *w, unsigned int n)
{
	u64 seen = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (w[i].slot >= 0)
			seen |= 1ULL << w[i].slot;
	return (unsigned int)__builtin_popcountll(seen);
}

static void phase_concurrent(void)
{
	struct worker w[NICSCHED_SLOTS];
	unsigned long compared = 0, mismatches = 0, writes = 0, decisions = 0;
	unsigned int i;
	int err = 0;

	setup_workers(w, NICSCHED_SLOTS, 0);
	atomic_set(&max_busy, 0);
	run_workers(w, NICSCHED_SLOTS);
	for (i = 0; i < NICSCHED_SLOTS; i++) {
		compared += w[i].compared;
		mismatches += w[i].mismatches;
		writes += w[i].mmio.writes;
		decisions += w[i].mmio.decisions;
		err = err ? err : w[i].last_error;
		check(w[i].mmio.reads == 0, "no MMIO read on the submit path (threads)");
	}
	out_begin("concurrent");
	out_u("threads", NICSCHED_SLOTS);
	out_u("distinct_slots", distinct_slots(w, NICSCHED_SLOTS));
	out_u("compared", compared);
	out_u("mismatches", mismatches);
	out_d("error", err);
	out_d("max_in_flight", atomic_read(&max_busy));
	out_f("writes_per_decision", per(writes, decisions));
	out_end();
	check(distinct_slots(w, NICSCHED_SLOTS) == NICSCHED_SLOTS, "one slot per thread");
	check(compared == n_vectors && !mismatches && !err, "concurrent vectors");
	release_workers(w, NICSCHED_SLOTS);
}

static void phase_hw_counters(void)
{
	struct nicsched_hw_counters hw;
	struct nicsched_counters c;
	int ret = nicsched_core_read_hw(&core, &hw);

	nicsched_core_counters(&core, &c);
	out_begin("hw");
	out_d("rc", ret);
	out_u("inferences", hw.inferences);
	out_u("completed", c.completed);
	out_u("lat_last", hw.lat_last);
	out_u("lat_max", hw.lat_max);
	out_u("predicted_latency", NICSCHED_LATENCY);
	out_u("errors", hw.errors);
	out_x("status", hw.status);
	out_end();
	check(!ret && hw.inferences == c.completed, "card inferences equal driver completions");
}

/*
 * A wedged card: the slot's RESULT reads BUSY forever (nicsched_bus STALL). The poller must give
 * up on the slot once the request is older than the timeout and then stop: no pass and no
 * register read while nothing else is in flight. The slot must not take new requests.
 */
static void phase_stuck_busy(void)
{
	struct nicsched_bus_stats st0, st1;
	struct nicsched_counters c0, c1, c2;
	u64 deadline = wall_ns() + WAIT_LIMIT_S * 1000000000ULL;
	struct mmio_tally t = { 0 };
	u64 t0, life;
	int submit, resubmit, disarmed, still_stuck, recovered, after;

	nicsched_core_counters(&core, &c0);
	nicsched_bus_set_fault(NICSCHED_BUS_STALL, 0);
	t0 = nicsched_bus_time_ns();
	submit = nicsched_core_submit(&core, SLOT_LOST, vectors[7].features, 0x6100);
	/* the poller's reads (with DMA, the card's clock) move the bus clock: 20 timeouts of it */
	while ((dma_mode || atomic_read(&core.poll_armed)) && wall_ns() < deadline &&
	       nicsched_bus_time_ns() - t0 < 20 * HARNESS_TIMEOUT_NS)
		sched_yield();
	life = dma_mode ? 0 : nicsched_bus_time_ns() - t0;
	disarmed = !atomic_read(&core.poll_armed);
	/* with DMA nothing watched the request so far: the hook's re-arm path makes it stuck */
	if (dma_mode)
		nicsched_core_recover(&core);
	nicsched_core_counters(&core, &c1);
	nicsched_bus_get_stats(&st0);
	usleep(STUCK_WATCH_US);
	nicsched_bus_get_stats(&st1);
	nicsched_core_counters(&core, &c2);
	resubmit = nicsched_core_submit(&core, SLOT_LOST, vectors[8].features, 0x6101);
	still_stuck = nicsched_core_recover(&core);
	nicsched_bus_set_fault(NICSCHED_BUS_HEALTHY, 0);
	recovered = nicsched_core_recover(&core);
	after = run_request(SLOT_LOST, vectors[8].features, &vectors[8], 0x6102, &t);
	out_begin("stuck-busy");
	out_d("submit", submit);
	out_d("disarmed", disarmed);
	out_u("poller_life_ns", life);
	out_u("timeout_ns", HARNESS_TIMEOUT_NS);
	out_u("timeouts", c1.timeouts - c0.timeouts);
	out_u("watched_us", STUCK_WATCH_US);
	out_u("reads_per_s", (st1.reads - st0.reads) * 1000000ULL / STUCK_WATCH_US);
	out_u("polls_after", c2.polls - c1.polls);
	out_u("stuck", c1.stuck - c0.stuck);
	out_d("resubmit", resubmit);
	out_d("recover_wedged", still_stuck);
	out_d("recover_healthy", recovered);
	out_d("after_recover_match", after == 1);
	out_end();
	check(!submit && disarmed && life <= HARNESS_TIMEOUT_NS + POLL_PASS_SLACK_NS,
	      "wedged slot: the poller gives up within the timeout");
	check(st1.reads == st0.reads && c2.polls == c1.polls,
	      "wedged slot: no poller pass and no register read after the poller gave up");
	check(c1.timeouts - c0.timeouts == 1 && c1.stuck - c0.stuck == 1 && resubmit == -EIO,
	      "wedged slot: one timeout, the slot stuck, and it takes no new request");
	check(still_stuck == 1 && !recovered && after == 1,
	      "wedged slot: usable again once RESULT is no longer BUSY");
}

/*
 * With results by DMA no register read runs while requests are in flight, so the link going down
 * shows only as answers that stop: the workers wait, and the first register read in process
 * context after the timeout (nicsched_core_recover(), which the hook makes when it arms) sees
 * all ones.
 */
static void *watch_removal_main(void *arg)
{
	u64 deadline = wall_ns() + WAIT_LIMIT_S * 1000000000ULL;

	while (nicsched_core_state(&core) == NICSCHED_CORE_RUNNING && wall_ns() < deadline) {
		nicsched_core_recover(&core);
		usleep(200);
	}
	return NULL;
}

/* The link goes down mid-stream: all-ones reads must disable the core cleanly. */
static void phase_all_ones(void)
{
	struct worker w[NICSCHED_SLOTS];
	struct nicsched_hw_counters hw;
	struct nicsched_counters c;
	static struct nicsched_core again;
	struct nicsched_core_cfg cfg = { .timeout_ns = HARNESS_TIMEOUT_NS };
	unsigned long completed = 0, mismatches = 0;
	int submit_after, read_hw, reprobe, poller_joined;
	pthread_t watcher;
	unsigned int i;

	setup_workers(w, NICSCHED_SLOTS, 10);
	nicsched_bus_remove_after(REMOVE_AFTER);
	if (dma_mode)
		pthread_create(&watcher, NULL, watch_removal_main, NULL);
	run_workers(w, NICSCHED_SLOTS);
	if (dma_mode)
		pthread_join(watcher, NULL);
	for (i = 0; i < NICSCHED_SLOTS; i++) {
		completed += w[i].completed;
		mismatches += w[i].mismatches;
	}
	poller_joined = !pthread_join(poller, NULL);
	submit_after = nicsched_core_submit(&core, 0, vectors[0].features, 0x5555);
	read_hw = nicsched_core_read_hw(&core, &hw);
	nicsched_core_counters(&core, &c);
	reprobe = nicsched_core_init(&again, &harness_dev, (void __iomem *)NICSCHED_BUS_BASE,
				     NICSCHED_BUS_SIZE, &cfg);
	out_begin("all-ones");
	out_u("removed_after", REMOVE_AFTER);
	out_u("completed_before", completed);
	out_u("mismatches", mismatches);
	out_d("state", nicsched_core_state(&core));
	out_d("poller_exit", atomic_read(&poll_exit));
	out_d("poller_stopped", poller_joined);
	out_d("submit_after", submit_after);
	out_d("read_hw", read_hw);
	out_u("surprise_removals", c.surprise_removals);
	out_d("reprobe", reprobe);
	out_end();
	check(nicsched_core_state(&core) == NICSCHED_CORE_REMOVED, "removed state");
	check(poller_joined && atomic_read(&poll_exit) == -ENODEV, "poller stopped");
	check(submit_after == -ENODEV && read_hw == -ENODEV && reprobe == -ENODEV,
	      "-ENODEV after removal");
	check(c.surprise_removals == 1 && !mismatches, "one surprise removal, no bad decision");
}

/* ---- FEATURES_PACKED (the driver) against FEATURE[i] (raw bus writes) ---------------------- */

/*
 * The same request through both views of the feature registers: the driver writes
 * FEATURES_PACKED; then the harness writes each FEATURE[i] itself, reads FEATURES_PACKED back,
 * rings the doorbell and reads RESULT and SCORE[k] itself. Both answers must be identical (and
 * the golden one). The card's features then equal the driver's shadow again.
 */
static int raw_request(unsigned int slot, const u32 *features, u16 tag, u32 *readback,
		       struct nicsched_result *res)
{
	u32 mask = (u32)GENMASK(NICSCHED_IN_BITS - 1, 0);
	u64 deadline = wall_ns() + WAIT_LIMIT_S * 1000000000ULL;
	unsigned int i, k;
	u32 result;

	for (i = 0; i < NICSCHED_INPUTS; i++)
		nicsched_bus_write32(NICSCHED_SLOT_FEATURE_ADDR(slot, i), features[i] & mask);
	for (i = 0; i < NICSCHED_PACKED_WORDS; i++)
		readback[i] = nicsched_bus_read32(NICSCHED_SLOT_FEATURES_PACKED_ADDR(slot, i));
	nicsched_bus_write32(NICSCHED_SLOT_DOORBELL_ADDR(slot), tag);
	do {
		result = nicsched_bus_read32(NICSCHED_SLOT_RESULT_ADDR(slot));
		if (wall_ns() > deadline)
			return -ETIMEDOUT;
	} while (!(result & NICSCHED_RESULT_VALID_MASK) ||
		 ((result & NICSCHED_RESULT_TAG_MASK) >> NICSCHED_RESULT_TAG_SHIFT) != tag);
	memset(res, 0, sizeof(*res));
	res->decision.valid = 1;
	res->decision.tag = tag;
	res->decision.action = (result & NICSCHED_RESULT_ACTION_MASK) >>
			       NICSCHED_RESULT_ACTION_SHIFT;
	for (k = 0; k < NICSCHED_OUTPUTS; k++)
		res->scores[k] = (s32)nicsched_bus_read32(NICSCHED_SLOT_SCORE_ADDR(slot, k));
	return 0;
}

/* @a from the driver, @b from raw reads: scores only when the driver collects them */
static bool same_answer(const struct nicsched_result *a, const struct nicsched_result *b)
{
	return (core.head_scores || a->decision.action == b->decision.action) &&
	       (!core.cfg.collect_scores || !memcmp(a->scores, b->scores, sizeof(a->scores)));
}

static void phase_feature_views(void)
{
	unsigned long compared = 0, differ = 0, readback_bad = 0, golden_bad = 0;
	struct mmio_tally t = { 0 };
	unsigned int i, n = n_vectors < VIEW_VECTORS ? n_vectors : VIEW_VECTORS;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		struct nicsched_result packed, regs;
		u32 words[NICSCHED_PACKED_WORDS], readback[NICSCHED_PACKED_WORDS];
		u16 tag = (u16)(0x9000 + (i & 0xfff));

		ret = submit_wait(SLOT_VIEWS, vectors[i].features, tag, &t, &packed);
		if (ret)
			break;
		ret = raw_request(SLOT_VIEWS, vectors[i].features, (u16)(0xa000 + (i & 0xfff)),
				  readback, &regs);
		if (ret)
			break;
		nicsched_core_pack_features(vectors[i].features, words);
		compared++;
		differ += !same_answer(&packed, &regs);
		readback_bad += !!memcmp(words, readback, sizeof(words));
		golden_bad += !matches(&packed, &vectors[i], tag);
	}
	out_begin("feature-views");
	out_u("compared", compared);
	out_u("packed_vs_feature_regs_differ", differ);
	out_u("packed_readback_mismatches", readback_bad);
	out_u("golden_mismatches", golden_bad);
	out_u("packed_max_writes", t.max_writes);
	out_u("feature_regs_writes", NICSCHED_INPUTS + 1);
	out_d("error", ret);
	out_end();
	check(!ret && compared == n && !differ && !readback_bad && !golden_bad,
	      "FEATURES_PACKED and FEATURE[i] give identical results");
}

/* ---- weight reload through the shadow bank ------------------------------------------------- */

struct words_file {
	struct nicsched_weights w;
	u32 *buf;
	bool present;
};

/* A .words file: policy hash, shape hash, count, then count words. Return: 0, 1 absent, <0. */
static int load_words(const char *dir, const char *name, struct words_file *f)
{
	unsigned long long v[3];
	char path[MAX_LINE];
	unsigned int i;
	FILE *in;

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	in = fopen(path, "r");
	if (!in)
		return 1;
	if (fscanf(in, "%lli %lli %lli", &v[0], &v[1], &v[2]) != 3 || v[2] > MAX_WEIGHT_WORDS)
		goto bad;
	f->buf = calloc(v[2] ? v[2] : 1, sizeof(u32));
	if (!f->buf)
		goto bad;
	for (i = 0; i < v[2]; i++) {
		unsigned long long word;

		if (fscanf(in, "%lli", &word) != 1 || word > 0xffffffffULL)
			goto bad;
		f->buf[i] = (u32)word;
	}
	fclose(in);
	f->w.policy_hash = (u32)v[0];
	f->w.shape_hash = (u32)v[1];
	f->w.count = (u32)v[2];
	f->w.words = f->buf;
	f->present = true;
	return 0;
bad:
	fprintf(stderr, "bad words file %s\n", path);
	fclose(in);
	free(f->buf);
	f->buf = NULL;
	return -1;
}

/* Requests on one slot against a set of expected answers. Return: mismatches, or <0 error. */
static long check_vectors(unsigned int slot, const struct vector *expect, unsigned int n,
			  u16 tag_base)
{
	struct mmio_tally t = { 0 };
	unsigned int i;
	long bad = 0;
	int ret;

	for (i = 0; i < n; i++) {
		ret = run_request(slot, vectors[i].features, &expect[i],
				  (u16)(tag_base + (i & 0xfff)), &t);
		if (ret < 0)
			return ret;
		bad += !ret;
	}
	return bad;
}

static unsigned int answers_differ(void)
{
	unsigned int i, differ = 0;

	for (i = 0; i < n_vectors; i++)
		differ += vectors[i].action != reload_vectors[i].action ||
			  memcmp(vectors[i].scores, reload_vectors[i].scores,
				 sizeof(vectors[i].scores));
	return differ;
}

/* A vector A and B answer differently (for the request across the COMMIT), or 0. */
static unsigned int first_difference(void)
{
	unsigned int i;

	for (i = 0; i < n_vectors; i++)
		if (vectors[i].action != reload_vectors[i].action ||
		    vectors[i].scores[0] != reload_vectors[i].scores[0])
			return i;
	return 0;
}

static void phase_reload(const char *dir)
{
	struct words_file to, back, bad_shape, bad_size;
	struct nicsched_hw_counters hw0, hw1, hw2, hw3;
	struct nicsched_result across = { 0 };
	struct nicsched_decision before;
	long a_before, a_refused, b_after, a_back;
	int shape_rc = 1, size_rc = 1, to_rc, back_rc, across_rc, across_submit;
	unsigned long w0, r0, reload_writes, reload_reads;
	unsigned int k;
	u32 hash_b, gen0, gen1, gen2, gen3;

	if (load_words(dir, "to.words", &to) || load_words(dir, "back.words", &back) ||
	    load_words(dir, "wrong-shape.words", &bad_shape) < 0 ||
	    load_words(dir, "wrong-size.words", &bad_size) < 0 ||
	    n_reload_vectors != n_vectors) {
		check(0, "reload inputs");
		return;
	}
	k = first_difference();
	gen0 = nicsched_core_policy_gen(&core);
	nicsched_core_read_hw(&core, &hw0);
	a_before = check_vectors(SLOT_VIEWS, vectors, RELOAD_CHECK_VECTORS, 0x1000);

	/* refused: the card must not change */
	if (bad_shape.present)
		shape_rc = nicsched_core_reload(&core, &bad_shape.w);
	if (bad_size.present)
		size_rc = nicsched_core_reload(&core, &bad_size.w);
	nicsched_core_read_hw(&core, &hw1);
	gen1 = nicsched_core_policy_gen(&core);
	a_refused = check_vectors(SLOT_VIEWS, vectors, RELOAD_CHECK_VECTORS, 0x2000);

	/* a request submitted before the reload is answered with the old weights */
	nicsched_core_decision(&core, SLOT_VIEWS, &before);
	hold_answers();
	across_submit = nicsched_core_submit(&core, SLOT_VIEWS, vectors[k].features, 0x3fff);
	w0 = nicsched_mmio_writes;
	r0 = nicsched_mmio_reads;
	to_rc = nicsched_core_reload(&core, &to.w);
	reload_writes = nicsched_mmio_writes - w0;
	reload_reads = nicsched_mmio_reads - r0;
	release_answers();
	across_rc = across_submit ? across_submit : wait_decision(SLOT_VIEWS, before.seq, &across);
	hash_b = core.policy_hash;
	gen2 = nicsched_core_policy_gen(&core);
	nicsched_core_read_hw(&core, &hw2);
	b_after = check_vectors(SLOT_VIEWS, reload_vectors, n_vectors, 0x4000);

	back_rc = nicsched_core_reload(&core, &back.w);
	gen3 = nicsched_core_policy_gen(&core);
	nicsched_core_read_hw(&core, &hw3);
	a_back = check_vectors(SLOT_VIEWS, vectors, RELOAD_CHECK_VECTORS, 0x5000);

	out_begin("reload");
	out_u("words", to.w.count);
	out_x("hash_a", back.w.policy_hash);
	out_x("hash_b", to.w.policy_hash);
	out_u("answers_differ", answers_differ());
	out_d("a_before_mismatches", a_before);
	out_d("wrong_shape", shape_rc);
	out_d("wrong_size", size_rc);
	out_u("refused_reloads", hw1.reloads - hw0.reloads);
	out_x("refused_hash", hw1.policy_hash);
	out_d("a_after_refusal_mismatches", a_refused);
	out_d("to_b", to_rc);
	out_u("reload_writes", reload_writes);
	out_u("reload_reads", reload_reads);
	out_x("core_hash", hash_b);
	out_x("card_hash", hw2.policy_hash);
	out_u("reloads", hw2.reloads - hw0.reloads);
	out_d("before_reload_old_weights", !across_rc && matches(&across, &vectors[k], 0x3fff));
	out_u("b_compared", n_vectors);
	out_d("b_mismatches", b_after);
	out_d("back_to_a", back_rc);
	out_x("back_hash", hw3.policy_hash);
	out_u("back_reloads", hw3.reloads - hw0.reloads);
	out_d("a_back_mismatches", a_back);
	out_u("gen_refused", gen1 - gen0);
	out_u("gen_to_b", gen2 - gen0);
	out_u("gen_back", gen3 - gen0);
	out_end();
	check(gen1 == gen0 && gen2 == gen0 + 2 && gen3 == gen0 + 4 && !(gen0 & 1),
	      "refused reloads keep the reload generation, each reload moves it by two");
	check(!a_before && !a_refused && !b_after && !a_back, "bit-exact around the reloads");
	check(answers_differ() > 0, "policies A and B answer differently");
	check(!to_rc && hash_b == to.w.policy_hash && hw2.policy_hash == to.w.policy_hash &&
	      hw2.reloads - hw0.reloads == 1, "reload to B");
	check(!back_rc && core.policy_hash == back.w.policy_hash &&
	      hw3.policy_hash == back.w.policy_hash && hw3.reloads - hw0.reloads == 2,
	      "reload back to A");
	check((!bad_shape.present || shape_rc == -EPROTO) &&
	      (!bad_size.present || size_rc == -EINVAL) &&
	      hw1.reloads == hw0.reloads && hw1.policy_hash == hw0.policy_hash,
	      "incompatible weights refused, card untouched");
	check(!across_rc && matches(&across, &vectors[k], 0x3fff),
	      "a request submitted before the reload gets the old weights");
	free(to.buf);
	free(back.buf);
	free(bad_shape.buf);
	free(bad_size.buf);
}

static void print_counters(void)
{
	struct nicsched_bus_stats st;
	struct nicsched_counters c;

	nicsched_core_counters(&core, &c);
	nicsched_bus_get_stats(&st);
	out_begin("counters");
	out_u("submitted", c.submitted);
	out_u("completed", c.completed);
	out_u("dropped", c.dropped);
	out_u("errors", c.errors);
	out_u("timeouts", c.timeouts);
	out_u("stuck", c.stuck);
	out_u("surprise_removals", c.surprise_removals);
	out_u("polls", c.polls);
	out_u("mmio_reads", c.mmio_reads);
	out_u("mmio_writes", c.mmio_writes);
	out_u("poll_reads", c.poll_reads);
	out_u("submit_writes", c.submit_writes);
	out_u("dma_torn", c.dma_torn);
	out_u("dma_stale", c.dma_stale);
	out_d("kicks", atomic_read(&kicks));
	out_end();
	out_begin("bus");
	out_u("reads", st.reads);
	out_u("writes", st.writes);
	out_u("cycles", st.cycles);
	out_u("slverr", st.slverr);
	out_u("dma_writes", st.dma_writes);
	out_u("dma_dropped", st.dma_dropped);
	out_end();
	if (!dma_mode)
		return;
	out_begin("entries");
	out_u("checked", entries.checked);
	out_u("bad_answer", entries.bad_answer);
	out_u("bad_check", entries.bad_check);
	out_u("bad_seq", entries.bad_seq);
	out_u("bad_latency", entries.bad_latency);
	out_u("slow", entries.slow);
	out_u("outside", atomic64_read(&dma_outside));
	out_end();
	check(entries.checked > 0 && !entries.bad_answer && !entries.bad_check &&
	      !entries.bad_seq && !entries.bad_latency && !atomic64_read(&dma_outside),
	      "every mailbox entry: golden ANSWER, CHECK, growing SEQ, LATENCY, in the mailbox");
}

static int print_usage(void)
{
	fputs("usage: nicsched_harness --vectors V --expected E [--reload DIR] [--dma]\n"
	      "       nicsched_harness --probe-only\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *vpath = NULL, *epath = NULL, *reload_dir = NULL;
	struct vector_set set = { .v = &vectors, .n = &n_vectors };
	struct vector_set reload_set = { .v = &reload_vectors, .n = &n_reload_vectors };
	bool probe_only = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--vectors") && i + 1 < argc)
			vpath = argv[++i];
		else if (!strcmp(argv[i], "--expected") && i + 1 < argc)
			epath = argv[++i];
		else if (!strcmp(argv[i], "--reload") && i + 1 < argc)
			reload_dir = argv[++i];
		else if (!strcmp(argv[i], "--probe-only"))
			probe_only = true;
		else if (!strcmp(argv[i], "--dma"))
			dma_mode = true;
		else
			return print_usage();
	}
	if (!probe_only && (!vpath || !epath))
		return print_usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	nicsched_bus_open();
	if (probe_only) {
		phase_probe(true);
		nicsched_bus_close();
		return 0;
	}
	if (load_vectors(&set, vpath, epath) || n_vectors < VIEW_VECTORS) {
		fprintf(stderr, "cannot load vectors (at least %u)\n", VIEW_VECTORS);
		return 1;
	}
	if (reload_dir) {
		char path[MAX_LINE];

		snprintf(path, sizeof(path), "%s/expected.csv", reload_dir);
		if (load_vectors(&reload_set, vpath, path)) {
			fprintf(stderr, "cannot load %s\n", path);
			return 1;
		}
	}
	out_begin("golden");
	out_u("vectors", n_vectors);
	out_end();
	if (phase_probe(false))
		return 1;
	sem_init(&kick_sem, 0, 0);
	pthread_create(&poller, NULL, poller_main, NULL);
	if (dma_mode)
		pthread_create(&card_clock, NULL, card_clock_main, NULL);
	phase_sequential();
	phase_patterns();
	phase_semantics();
	if (dma_mode)
		phase_mailbox();
	phase_lost_doorbell();
	phase_concurrent();
	phase_hw_counters();
	phase_feature_views();
	if (reload_dir)
		phase_reload(reload_dir);
	phase_stuck_busy();
	phase_all_ones();
	if (dma_mode) {
		atomic_set(&clock_exit, 1);
		pthread_join(card_clock, NULL);
	}
	print_counters();
	out_begin("result");
	out_s("status", failures ? "FAIL" : "PASS");
	out_d("failures", failures);
	out_end();
	nicsched_bus_close();
	free(vectors);
	free(reload_vectors);
	free(mailbox);
	return failures ? 1 : 0;
}
