// SPDX-License-Identifier: GPL-2.0
/*
 * nicsched_hook.ko: the CONFIG_SCHED_NIC decision provider that asks a nicsched NIC.
 *
 * Kernel glue around nsh_logic.c: the sched_nic_ops the scheduler calls, the per-CPU state with
 * one irq_work each (submission happens there, never under the runqueue lock), slot claims on
 * the driver, arming and stopping, the kill switch and debugfs. See docs/HOOK.md.
 *
 *   <debugfs>/nicsched_hook/state       armed / stopped (reason), policy, device, limits
 *   <debugfs>/nicsched_hook/counters    counters summed over CPUs, stops by reason
 *   <debugfs>/nicsched_hook/cpus        one line of counters per CPU
 *   <debugfs>/nicsched_hook/histograms  answer and decision latency, log2 buckets
 *   <debugfs>/nicsched_hook/decisions   the decision log of every CPU (decision_log=N)
 *   <debugfs>/nicsched_hook/enable      write 0: kill switch; write 1: re-arm
 *   /sys/module/nicsched_hook/parameters/enabled   the same switch in sysfs
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/sched/nic.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "nicsched_dev.h"
#include "nsh_logic.h"

static unsigned int device;
module_param(device, uint, 0444);
MODULE_PARM_DESC(device, "nicsched device index N (/dev/nicsched<N>), default 0");

static bool arm = true;
module_param(arm, bool, 0444);
MODULE_PARM_DESC(arm, "arm the hook at load (default 1); else write 1 to enable later");

/* The decision log: entries per CPU (a power of two; 0: off), allocated at load. */
#define NSH_LOG_MAX	65536
static unsigned int decision_log;
module_param(decision_log, uint, 0444);
MODULE_PARM_DESC(decision_log, "decision log entries per CPU, rounded up to a power of two (0 = off, at most 65536)");

struct nsh_pcpu {
	struct nsh_cpu c;
	struct irq_work submit;
};

static struct nsh_ctx nsh_ctx;
static struct nsh_pcpu __percpu *nsh_pcpu;
static DEFINE_MUTEX(nsh_arm_lock);	/* arming, stopping from process context, registration */
static bool nsh_registered;		/* sched_nic_register() succeeded; under nsh_arm_lock */
static bool nsh_loaded;			/* init finished; under nsh_arm_lock */
static struct dentry *nsh_debugfs;

struct nsh_cpu *nsh_cpu_of(struct nsh_ctx *ctx, int cpu)
{
	if ((unsigned int)cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return NULL;
	return &per_cpu_ptr(nsh_pcpu, cpu)->c;
}

/* ---- the scheduler's callbacks (rq lock held, irqs off) ---------------------------------- */

/*
 * A wakeup may enqueue @p on @cpu's runqueue from another CPU: the calling CPU stages the
 * request in its own state and its own irq_work submits it (the answer reaches @p wherever it
 * runs, through the done table of the CPU that staged it).
 */
static void nsh_sched_wakeup(struct task_struct *p, int cpu, u64 now)
{
	struct nsh_pcpu *pc = this_cpu_ptr(nsh_pcpu);

	if (nsh_on_wakeup(&nsh_ctx, &pc->c, p, now))
		irq_work_queue(&pc->submit);
}

/* @cpu is the runqueue's CPU: with NOHZ_FULL's remote tick not the calling one. */
static void nsh_sched_tick(struct task_struct *curr, int cpu, u64 now)
{
	struct nsh_pcpu *pc = this_cpu_ptr(nsh_pcpu);

	if (nsh_on_tick(&nsh_ctx, &pc->c, cpu, curr, now))
		irq_work_queue(&pc->submit);
}

static const struct sched_nic_ops nsh_ops = {
	.wakeup = nsh_sched_wakeup,
	.tick = nsh_sched_tick,
	.name = "nicsched_hook",
};

static void nsh_stop_hooks(struct nsh_ctx *ctx)
{
	sched_nic_stop(&nsh_ops);
}

/* The irq_work: runs on the CPU that queued it, after the runqueue lock was dropped. */
static void nsh_submit_work(struct irq_work *work)
{
	struct nsh_pcpu *pc = container_of(work, struct nsh_pcpu, submit);
	u64 start = local_clock();

	nsh_submit(&nsh_ctx, &pc->c, start);
	pc->c.stats.c[NSH_C_SUBMIT_NS] += local_clock() - start;
}

/* ---- arming (process context, nsh_arm_lock held) ---------------------------------------- */

static void nsh_quiesce(void)
{
	int cpu;

	if (nsh_registered) {
		sched_nic_unregister(&nsh_ops);	/* waits for running hooks */
		nsh_registered = false;
	}
	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(nsh_pcpu, cpu)->submit);
}

static const char *nsh_refusal_text(enum nsh_reason why)
{
	switch (why) {
	case NSH_REASON_MISMATCH:
		return "policy hash mismatch";
	case NSH_REASON_STALL:
		return "a slot still holds a request the card never finished (RESULT BUSY)";
	case NSH_REASON_RELOAD:
		return "a weight reload is running";
	default:
		return "device not running";
	}
}

static int nsh_arm(void)
{
	int cpu, ret;

	if (atomic_read(&nsh_ctx.state) == NSH_STATE_ARMED)
		return 0;
	nsh_quiesce();
	ret = nsh_arm_check(&nsh_ctx);
	if (ret) {
		enum nsh_reason why = nsh_arm_refusal(ret);

		atomic_set(&nsh_ctx.state, NSH_STATE_STOPPED);
		atomic_set(&nsh_ctx.reason, why);
		pr_err("not arming: %s (device policy hash 0x%08x, hook built for 0x%08x)\n",
		       nsh_refusal_text(why), READ_ONCE(nsh_ctx.core->policy_hash),
		       NSH_POLICY_HASH32);
		return ret;
	}
	for_each_possible_cpu(cpu)
		nsh_cpu_reset(&nsh_ctx, &per_cpu_ptr(nsh_pcpu, cpu)->c);
	atomic_set(&nsh_ctx.state, NSH_STATE_ARMED);
	ret = sched_nic_register(&nsh_ops);
	if (ret) {
		atomic_set(&nsh_ctx.state, NSH_STATE_STOPPED);
		pr_err("sched_nic_register: %d\n", ret);
		return ret;
	}
	nsh_registered = true;
	atomic_set(&nsh_ctx.reason, NSH_REASON_NONE);
	atomic64_inc(&nsh_ctx.arms);
	pr_info("armed: policy %s 0x%08x, ttl %u ms, stall timeout %u ms\n", NSH_POLICY_NAME,
		NSH_POLICY_HASH32, NSH_DECISION_TTL_MS, NSH_STALL_TIMEOUT_MS);
	return 0;
}

static void nsh_kill(enum nsh_reason why)
{
	if (nsh_stop(&nsh_ctx, why))
		pr_info("stopped: %s\n", nsh_reason_name(why));
	nsh_quiesce();
}

/* The switch: 0 stops (kill switch), 1 re-arms. Process context (debugfs, sysfs, insmod). */
static int nsh_set_enabled(bool on)
{
	int ret = 0;

	mutex_lock(&nsh_arm_lock);
	if (!nsh_loaded)
		arm = on;	/* "insmod ... enabled=0": decides arming at load */
	else if (on)
		ret = nsh_arm();
	else
		nsh_kill(NSH_REASON_KILL);
	mutex_unlock(&nsh_arm_lock);
	return ret;
}

static int nsh_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	return ret ? ret : nsh_set_enabled(on);
}

static int nsh_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&nsh_ctx.state) == NSH_STATE_ARMED);
}

static const struct kernel_param_ops nsh_enabled_ops = {
	.set = nsh_param_set,
	.get = nsh_param_get,
};

module_param_cb(enabled, &nsh_enabled_ops, NULL, 0644);
MODULE_PARM_DESC(enabled, "1 while armed; write 0 to stop (kill switch), 1 to re-arm");

/* ---- debugfs ---------------------------------------------------------------------------- */

static const char *nsh_state_name(int state)
{
	switch (state) {
	case NSH_STATE_ARMED:
		return "armed";
	case NSH_STATE_STOPPED:
		return "stopped";
	default:
		return "off";
	}
}

/*
 * Per CPU that declared a stall since the last arming: how old its unanswered request was at the
 * check that stopped the hook, and at the check before it. The watchdog keeps its budget when
 * the previous check came before the stall timeout had passed.
 */
static void nsh_stall_show(struct seq_file *m)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct nsh_cpu *c = &per_cpu_ptr(nsh_pcpu, cpu)->c;

		if (READ_ONCE(c->stall_age_ns))
			seq_printf(m, "stall cpu %d age_ns %llu prev_check_ns %lld\n", cpu,
				   READ_ONCE(c->stall_age_ns), READ_ONCE(c->stall_prev_ns));
	}
}

static int nsh_state_show(struct seq_file *m, void *v)
{
	seq_printf(m, "state %s\n", nsh_state_name(atomic_read(&nsh_ctx.state)));
	seq_printf(m, "reason %s\n", nsh_reason_name(atomic_read(&nsh_ctx.reason)));
	seq_printf(m, "policy %s %s\n", NSH_POLICY_NAME, NSH_POLICY_HASH);
	seq_printf(m, "device nicsched%u hash 0x%08x state %d\n", device,
		   READ_ONCE(nsh_ctx.core->policy_hash), nicsched_core_state(nsh_ctx.core));
	seq_printf(m, "policy_gen armed %u device %u\n", nsh_ctx.policy_gen,
		   nicsched_core_policy_gen(nsh_ctx.core));
	seq_printf(m, "ttl_ms %u\nstall_timeout_ms %u\nnice_limit %d\n", NSH_DECISION_TTL_MS,
		   NSH_STALL_TIMEOUT_MS, NSH_NICE_LIMIT);
	seq_printf(m, "points%s%s\n", NSH_POINT_WAKEUP ? " wakeup" : "",
		   NSH_POINT_TICK ? " tick" : "");
	seq_printf(m, "decision_log %u\n", decision_log);
	nsh_stall_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nsh_state);

static void nsh_sum(struct nsh_stats *sum)
{
	int cpu, k;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct nsh_stats *s = &per_cpu_ptr(nsh_pcpu, cpu)->c.stats;

		for (k = 0; k < NSH_NR_COUNTERS; k++)
			sum->c[k] += READ_ONCE(s->c[k]);
		for (k = 0; k < NSH_HIST_BUCKETS; k++) {
			sum->answer_hist[k] += READ_ONCE(s->answer_hist[k]);
			sum->decision_hist[k] += READ_ONCE(s->decision_hist[k]);
		}
	}
}

static int nsh_counters_show(struct seq_file *m, void *v)
{
	struct nsh_stats *sum;
	int k;

	sum = kzalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	nsh_sum(sum);
	for (k = 0; k < NSH_NR_COUNTERS; k++)
		seq_printf(m, "%s %llu\n", nsh_counter_name(k), sum->c[k]);
	for (k = NSH_REASON_STALL; k < NSH_NR_REASONS; k++)
		seq_printf(m, "fallback_%s %lld\n", nsh_reason_name(k),
			   atomic64_read(&nsh_ctx.stops[k]));
	seq_printf(m, "arms %lld\n", atomic64_read(&nsh_ctx.arms));
	seq_printf(m, "remote_ticks %lld\n", atomic64_read(&nsh_ctx.remote_ticks));
	kfree(sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nsh_counters);

static int nsh_cpus_show(struct seq_file *m, void *v)
{
	int cpu, k;

	seq_puts(m, "cpu slot shared");
	for (k = 0; k < NSH_NR_COUNTERS; k++)
		seq_printf(m, " %s", nsh_counter_name(k));
	seq_putc(m, '\n');
	for_each_possible_cpu(cpu) {
		const struct nsh_cpu *c = &per_cpu_ptr(nsh_pcpu, cpu)->c;

		seq_printf(m, "%d %u %d", cpu, c->slot, c->shared);
		for (k = 0; k < NSH_NR_COUNTERS; k++)
			seq_printf(m, " %llu", READ_ONCE(c->stats.c[k]));
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nsh_cpus);

static void nsh_hist_show(struct seq_file *m, const char *name, const u64 *h)
{
	int k;

	seq_printf(m, "%s", name);
	for (k = 0; k < NSH_HIST_BUCKETS; k++)
		seq_printf(m, " %llu", h[k]);
	seq_putc(m, '\n');
}

static int nsh_histograms_show(struct seq_file *m, void *v)
{
	struct nsh_stats *sum;
	int k;

	sum = kzalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	nsh_sum(sum);
	seq_puts(m, "# bucket k counts ns < 1024 << k (k = 0..14); the last bucket is open\n");
	seq_puts(m, "bucket_ns");
	for (k = 0; k < NSH_HIST_BUCKETS; k++)
		seq_printf(m, " %llu", 1024ULL << k);
	seq_putc(m, '\n');
	nsh_hist_show(m, "answer", sum->answer_hist);
	nsh_hist_show(m, "decision", sum->decision_hist);
	kfree(sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nsh_histograms);

/* The decision log, oldest kept entry first: "cpu kind slot tag action id" (kinds: a r s i). */
static int nsh_decisions_show(struct seq_file *m, void *v)
{
	int cpu;

	seq_puts(m, "# kinds: a answer, r dropped out of range, s dropped stale, i installed\n");
	for_each_possible_cpu(cpu) {
		const struct nsh_cpu *c = &per_cpu_ptr(nsh_pcpu, cpu)->c;
		u64 logged = READ_ONCE(c->logged), first, k;

		if (!c->log)
			continue;
		first = logged > (u64)c->log_mask + 1 ? logged - c->log_mask - 1 : 0;
		seq_printf(m, "# cpu %d logged %llu kept %llu\n", cpu, logged, logged - first);
		for (k = first; k < logged; k++) {
			u64 e = READ_ONCE(c->log[k & c->log_mask]);

			seq_printf(m, "%d %c %u %u %u %u\n", cpu,
				   nsh_log_kind_char(e >> NSH_LOG_KIND_SHIFT),
				   (unsigned int)(e >> NSH_LOG_SLOT_SHIFT) & NSH_LOG_SLOT_MASK,
				   (unsigned int)(e >> NSH_LOG_TAG_SHIFT) & 0xffff,
				   (unsigned int)(e >> NSH_LOG_ACTION_SHIFT) & 0xff,
				   (u32)e & NSH_LOG_ID_MASK);
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nsh_decisions);

static ssize_t nsh_enable_write(struct file *file, const char __user *ubuf, size_t len,
				loff_t *ppos)
{
	bool on;
	int ret;

	ret = kstrtobool_from_user(ubuf, len, &on);
	if (ret)
		return ret;
	ret = nsh_set_enabled(on);
	return ret ? ret : len;
}

static ssize_t nsh_enable_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[4];
	int n = scnprintf(buf, sizeof(buf), "%d\n",
			  atomic_read(&nsh_ctx.state) == NSH_STATE_ARMED);

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations nsh_enable_fops = {
	.owner = THIS_MODULE,
	.read = nsh_enable_read,
	.write = nsh_enable_write,
	.llseek = default_llseek,
};

static void nsh_debugfs_init(void)
{
	nsh_debugfs = debugfs_create_dir("nicsched_hook", NULL);
	debugfs_create_file("state", 0400, nsh_debugfs, NULL, &nsh_state_fops);
	debugfs_create_file("counters", 0400, nsh_debugfs, NULL, &nsh_counters_fops);
	debugfs_create_file("cpus", 0400, nsh_debugfs, NULL, &nsh_cpus_fops);
	debugfs_create_file("histograms", 0400, nsh_debugfs, NULL, &nsh_histograms_fops);
	debugfs_create_file("decisions", 0400, nsh_debugfs, NULL, &nsh_decisions_fops);
	debugfs_create_file("enable", 0600, nsh_debugfs, NULL, &nsh_enable_fops);
}

/* ---- slots and module life -------------------------------------------------------------- */

/*
 * One claimed slot per CPU while slots last; the other CPUs use the default mapping, so their
 * slots (and those slots' owners) are shared.
 */
static void nsh_claim_slots(void)
{
	unsigned int users[NICSCHED_SLOTS] = { 0 };
	int cpu, slot;

	for_each_possible_cpu(cpu) {
		struct nsh_pcpu *pc = per_cpu_ptr(nsh_pcpu, cpu);

		slot = nicsched_core_claim_any(nsh_ctx.core, cpu);
		nsh_cpu_init(&pc->c, cpu, slot >= 0 ? slot : nicsched_core_slot_for_cpu(cpu));
		/*
		 * Hard: the submit shares this CPU's state with the hooks, so it must run on
		 * this CPU with interrupts off (SCHED_NIC excludes PREEMPT_RT all the same).
		 */
		pc->submit = IRQ_WORK_INIT_HARD(nsh_submit_work);
		nsh_slot_users(&pc->c, users);
	}
	for_each_possible_cpu(cpu)
		nsh_set_shared(&per_cpu_ptr(nsh_pcpu, cpu)->c, users);
}

/* One log of decision_log entries per CPU (rounded up to a power of two), or none. */
static int nsh_alloc_logs(void)
{
	unsigned int entries;
	int cpu;

	if (!decision_log)
		return 0;
	entries = roundup_pow_of_two(min_t(unsigned int, decision_log, NSH_LOG_MAX));
	decision_log = entries;
	for_each_possible_cpu(cpu) {
		struct nsh_cpu *c = &per_cpu_ptr(nsh_pcpu, cpu)->c;

		c->log = kvcalloc(entries, sizeof(*c->log), GFP_KERNEL);
		if (!c->log)
			return -ENOMEM;
		c->log_mask = entries - 1;
	}
	return 0;
}

static void nsh_free_logs(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct nsh_cpu *c = &per_cpu_ptr(nsh_pcpu, cpu)->c;

		kvfree(c->log);
		c->log = NULL;
	}
}

static void nsh_release_slots(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct nsh_cpu *c = &per_cpu_ptr(nsh_pcpu, cpu)->c;

		if (nicsched_core_slot_owner(nsh_ctx.core, c->slot) == cpu)
			nicsched_core_release_slot(nsh_ctx.core, c->slot, cpu);
	}
}

static int __init nsh_init(void)
{
	int ret;

	/* every CPU may share one slot, and each needs a rank of its own in the tags */
	if (num_possible_cpus() > NSH_MAX_SLOT_USERS) {
		pr_err("%u possible CPUs: the tags tell at most %u apart\n", num_possible_cpus(),
		       NSH_MAX_SLOT_USERS);
		return -EINVAL;
	}
	nsh_ctx.core = nicsched_get(device);
	if (!nsh_ctx.core) {
		pr_err("no /dev/nicsched%u: load nicsched.ko and bind a card first\n", device);
		return -ENODEV;
	}
	nsh_ctx.stop_hooks = nsh_stop_hooks;
	nsh_pcpu = alloc_percpu(struct nsh_pcpu);
	if (!nsh_pcpu) {
		ret = -ENOMEM;
		goto err_put;
	}
	nsh_claim_slots();
	ret = nsh_alloc_logs();
	if (ret)
		goto err_logs;
	nsh_debugfs_init();

	mutex_lock(&nsh_arm_lock);
	nsh_loaded = true;
	/* a refusal (device down, hash mismatch) leaves the module loaded and stopped */
	if (arm)
		nsh_arm();
	mutex_unlock(&nsh_arm_lock);
	return 0;

err_logs:
	nsh_free_logs();
	nsh_release_slots();
	free_percpu(nsh_pcpu);
err_put:
	nicsched_put(nsh_ctx.core);
	return ret;
}

static void __exit nsh_exit(void)
{
	mutex_lock(&nsh_arm_lock);
	nsh_kill(NSH_REASON_UNLOAD);
	nsh_loaded = false;
	mutex_unlock(&nsh_arm_lock);
	debugfs_remove_recursive(nsh_debugfs);
	nsh_release_slots();
	nsh_free_logs();
	free_percpu(nsh_pcpu);
	nicsched_put(nsh_ctx.core);
}

module_init(nsh_init);
module_exit(nsh_exit);

MODULE_DESCRIPTION("nicsched: CFS decision provider asking a nicsched NIC (CONFIG_SCHED_NIC)");
MODULE_LICENSE("GPL");
