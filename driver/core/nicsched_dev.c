// SPDX-License-Identifier: GPL-2.0
/*
 * nicsched.ko: the kernel side around the core. For every bound register window it allocates
 * the results mailbox (coherent DMA memory the card writes each result into, layout v3.0) or,
 * without one, runs the completion poller (a soft hrtimer); it registers /dev/nicsched<N>
 * (bring-up ioctls, 0600) and debugfs counters, and hands out counted references for the
 * scheduler hook.
 *
 * Why an hrtimer and not a kthread for the poller: the hook submits from scheduler paths with
 * the runqueue lock held. Waking a kthread there would take a runqueue lock from inside the
 * scheduler; arming an hrtimer is safe there (hrtick does it). The timer runs in softirq
 * context, outside any scheduler lock, and only while requests are in flight: the first submit
 * after an idle period arms it, and it disarms itself when every slot is idle. With results by
 * DMA the hook takes each answer from host memory at its next hook, and only a request left
 * unanswered past the timeout arms the timer, for one pass over the overdue requests.
 */

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "nicsched_dev.h"
#include "uapi/nicsched.h"

static_assert(NICSCHED_INPUTS <= NICSCHED_UAPI_MAX_INPUTS, "uapi feature array");
static_assert(NICSCHED_OUTPUTS <= NICSCHED_UAPI_MAX_OUTPUTS, "uapi score array");

static unsigned int poll_us = 10;
module_param(poll_us, uint, 0444);
MODULE_PARM_DESC(poll_us, "poller period while requests are in flight, microseconds (1-10000, default 10)");

static unsigned int timeout_ms = 4;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "a request in flight longer than this counts as a timeout; still BUSY then, its slot is stuck and no longer polled (default 4)");

static bool collect_scores;
module_param(collect_scores, bool, 0444);
MODULE_PARM_DESC(collect_scores, "also read the scores of every result (always on for head = scores)");

static bool dma_results = true;
module_param(dma_results, bool, 0444);
MODULE_PARM_DESC(dma_results, "results into host memory by DMA when the card can (layout 3.0, CAPS.DMA_RESULTS; default 1); 0: the MMIO poller");

struct nicsched_dev {
	struct nicsched_core core;
	struct kref ref;
	struct device *dma_dev;		/* the mailbox's device (a reference), or NULL */
	void *mailbox;			/* NICSCHED_MAILBOX_BYTES of coherent memory */
	dma_addr_t mailbox_dma;
	struct hrtimer poll_timer;
	u64 poll_ns;
	atomic64_t poll_time_ns;	/* time spent in the poller, for debugfs */
	struct miscdevice misc;
	struct dentry *debugfs;
	struct list_head node;
	unsigned int index;
	char name[16];
};

static DEFINE_IDA(nicsched_ida);
static DEFINE_MUTEX(nicsched_list_lock);
static LIST_HEAD(nicsched_list);
static struct dentry *nicsched_debugfs_root;

static struct nicsched_dev *to_ndev(struct nicsched_core *core)
{
	return container_of(core, struct nicsched_dev, core);
}

static void nicsched_dev_release(struct kref *ref)
{
	kfree(container_of(ref, struct nicsched_dev, ref));
}

/* ---- the results mailbox (layout v3.0) ------------------------------------------------------ */

/* Coherent memory for the card's result entries, zeroed; NULL (results by MMIO) on failure. */
static void nicsched_mailbox_alloc(struct nicsched_dev *ndev, struct device *dma_dev,
				   struct nicsched_mailbox *mb)
{
	if (!dma_results || !dma_dev)
		return;
	ndev->mailbox = dma_alloc_coherent(dma_dev, NICSCHED_MAILBOX_BYTES, &ndev->mailbox_dma,
					   GFP_KERNEL);
	if (!ndev->mailbox)
		return;	/* the probe line then says "results by MMIO" */
	ndev->dma_dev = get_device(dma_dev);
	mb->cpu = ndev->mailbox;
	mb->bus = ndev->mailbox_dma;
}

/*
 * Free the mailbox once the card no longer writes it: the core is stopped and no reader is left
 * (RCU grace period). A card that cannot confirm it is idle (gone, or still busy after the
 * timeout) keeps the memory: better a leaked page than a DMA write into freed memory.
 */
static void nicsched_mailbox_free(struct nicsched_dev *ndev)
{
	int ret;

	if (!ndev->mailbox)
		return;
	ret = nicsched_core_dma_quiesce(&ndev->core);
	if (ret) {
		dev_warn(ndev->dma_dev, "results mailbox kept (%d bytes): the card may still write it (%d)\n",
			 NICSCHED_MAILBOX_BYTES, ret);
	} else {
		dma_free_coherent(ndev->dma_dev, NICSCHED_MAILBOX_BYTES, ndev->mailbox,
				  ndev->mailbox_dma);
	}
	ndev->mailbox = NULL;
	put_device(ndev->dma_dev);
	ndev->dma_dev = NULL;
}

/* ---- poller --------------------------------------------------------------------------------- */

static enum hrtimer_restart nicsched_poll_timer(struct hrtimer *timer)
{
	struct nicsched_dev *ndev = container_of(timer, struct nicsched_dev, poll_timer);
	u64 start = ktime_get_ns();
	int busy = nicsched_core_poll(&ndev->core);

	atomic64_add(ktime_get_ns() - start, &ndev->poll_time_ns);
	if (!nicsched_core_poll_again(&ndev->core, busy))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(ndev->poll_ns));
	return HRTIMER_RESTART;
}

/* cfg.kick: called by a submit that found the poller idle; any context, never sleeps */
static void nicsched_kick_poller(struct nicsched_core *core)
{
	struct nicsched_dev *ndev = to_ndev(core);

	hrtimer_start(&ndev->poll_timer, ns_to_ktime(ndev->poll_ns), HRTIMER_MODE_REL_SOFT);
}

/* ---- /dev/nicsched<N> ----------------------------------------------------------------------- */

static int nicsched_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct nicsched_dev *ndev = container_of(misc, struct nicsched_dev, misc);

	kref_get(&ndev->ref);
	file->private_data = ndev;
	return 0;
}

static int nicsched_release(struct inode *inode, struct file *file)
{
	struct nicsched_dev *ndev = file->private_data;

	kref_put(&ndev->ref, nicsched_dev_release);
	return 0;
}

static long nicsched_ioc_info(struct nicsched_dev *ndev, void __user *arg)
{
	const struct nicsched_core *core = &ndev->core;
	struct nicsched_ioc_info info = {
		.id = core->id,
		.version = core->version,
		.policy_hash = READ_ONCE(core->policy_hash),
		.caps = core->caps,
		.timing = core->timing,
		.slots = NICSCHED_SLOTS,
		.inputs = NICSCHED_INPUTS,
		.outputs = NICSCHED_OUTPUTS,
		.index = ndev->index,
		.state = nicsched_core_state(core),
		.shape_hash = NICSCHED_SHAPE_HASH_VALUE,
		.weights_words = NICSCHED_WEIGHTS_WORDS,
	};

	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long nicsched_ioc_submit(struct nicsched_dev *ndev, void __user *arg)
{
	struct nicsched_ioc_submit req;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.slot >= NICSCHED_SLOTS || req.tag > NICSCHED_DOORBELL_TAG_MASK)
		return -EINVAL;
	return nicsched_core_submit(&ndev->core, req.slot, req.features, req.tag);
}

static long nicsched_ioc_result(struct nicsched_dev *ndev, void __user *arg)
{
	struct nicsched_ioc_result out = {};
	struct nicsched_result res;
	unsigned int k;
	u32 slot;
	int ret;

	if (get_user(slot, (u32 __user *)arg))
		return -EFAULT;
	ret = nicsched_core_read_result(&ndev->core, slot, &res);
	if (ret && ret != -ENODATA)
		return ret;
	out.slot = slot;
	out.seq = res.decision.seq;
	out.tag = res.decision.tag;
	out.action = res.decision.action;
	out.valid = res.decision.valid;
	out.in_flight = nicsched_core_in_flight(&ndev->core, slot);
	for (k = 0; k < NICSCHED_OUTPUTS; k++)
		out.scores[k] = res.scores[k];
	return copy_to_user(arg, &out, sizeof(out)) ? -EFAULT : 0;
}

static long nicsched_ioc_counters(struct nicsched_dev *ndev, void __user *arg)
{
	struct nicsched_ioc_counters out = {};
	struct nicsched_hw_counters hw;
	struct nicsched_counters c;

	nicsched_core_counters(&ndev->core, &c);
	nicsched_core_read_hw(&ndev->core, &hw);	/* zeros once the card is gone */
	out.submitted = c.submitted;
	out.completed = c.completed;
	out.dropped = c.dropped;
	out.errors = c.errors;
	out.timeouts = c.timeouts;
	out.surprise_removals = c.surprise_removals;
	out.polls = c.polls;
	out.hw_inferences = hw.inferences;
	out.hw_lat_last = hw.lat_last;
	out.hw_lat_max = hw.lat_max;
	out.hw_errors = hw.errors;
	out.hw_error_bits = hw.error_bits;
	out.hw_status = hw.status;
	out.hw_reloads = hw.reloads;
	out.hw_policy_hash = hw.policy_hash;
	return copy_to_user(arg, &out, sizeof(out)) ? -EFAULT : 0;
}

/* Process context, no lock held: nicsched_core_reload() reads registers and sleeps. */
static long nicsched_ioc_reload(struct nicsched_dev *ndev, void __user *arg)
{
	struct nicsched_ioc_reload req;
	struct nicsched_hw_counters hw;
	struct nicsched_weights w = {};
	u32 *words;
	int ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	w.policy_hash = req.policy_hash;
	w.shape_hash = req.shape_hash;
	w.count = req.words;
	/* refuse a wrong count or shape before copying anything */
	ret = nicsched_core_reload_check(&ndev->core, &w);
	if (ret)
		return ret;
	words = vmemdup_user(u64_to_user_ptr(req.data),
			     array_size(NICSCHED_WEIGHTS_WORDS, sizeof(*words)));
	if (IS_ERR(words))
		return PTR_ERR(words);
	w.words = words;
	ret = nicsched_core_reload(&ndev->core, &w);
	kvfree(words);
	if (ret)
		return ret;
	ret = nicsched_core_read_hw(&ndev->core, &hw);
	if (ret)
		return ret;
	req.reloads = hw.reloads;
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long nicsched_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct nicsched_dev *ndev = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	switch (cmd) {
	case NICSCHED_IOC_INFO:
		return nicsched_ioc_info(ndev, uarg);
	case NICSCHED_IOC_SUBMIT:
		return nicsched_ioc_submit(ndev, uarg);
	case NICSCHED_IOC_RESULT:
		return nicsched_ioc_result(ndev, uarg);
	case NICSCHED_IOC_COUNTERS:
		return nicsched_ioc_counters(ndev, uarg);
	case NICSCHED_IOC_RELOAD:
		return nicsched_ioc_reload(ndev, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations nicsched_fops = {
	.owner = THIS_MODULE,
	.open = nicsched_open,
	.release = nicsched_release,
	.unlocked_ioctl = nicsched_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* ---- debugfs: <debugfs>/nicsched/nicsched<N>/{counters,slots} ------------------------------- */

static int nicsched_counters_show(struct seq_file *m, void *unused)
{
	struct nicsched_dev *ndev = m->private;
	struct nicsched_hw_counters hw;
	struct nicsched_counters c;

	/* the driver's counts first: reading the card's registers below adds 9 to mmio_reads */
	nicsched_core_counters(&ndev->core, &c);
	seq_printf(m, "state %d\n", nicsched_core_state(&ndev->core));
	seq_printf(m, "results %s\n",
		   ndev->core.results == NICSCHED_RESULTS_DMA ? "dma" : "mmio");
	seq_printf(m, "submitted %llu\ncompleted %llu\ndropped %llu\n",
		   c.submitted, c.completed, c.dropped);
	seq_printf(m, "errors %llu\ntimeouts %llu\nstuck %llu\nsurprise_removals %llu\n",
		   c.errors, c.timeouts, c.stuck, c.surprise_removals);
	seq_printf(m, "polls %llu\npoller_armed %d\npolicy_gen %u\n", c.polls,
		   atomic_read(&ndev->core.poll_armed), nicsched_core_policy_gen(&ndev->core));
	seq_printf(m, "mmio_reads %llu\nmmio_writes %llu\npoll_reads %llu\nsubmit_writes %llu\n",
		   c.mmio_reads, c.mmio_writes, c.poll_reads, c.submit_writes);
	seq_printf(m, "dma_torn %llu\ndma_stale %llu\n", c.dma_torn, c.dma_stale);
	seq_printf(m, "poll_ns %lld\n", atomic64_read(&ndev->poll_time_ns));
	if (!nicsched_core_read_hw(&ndev->core, &hw))
		seq_printf(m, "hw_inferences %u\nhw_lat_last %u\nhw_lat_max %u\nhw_errors %u\nhw_error_bits 0x%x\nhw_status 0x%x\nhw_reloads %u\nhw_policy_hash 0x%08x\n",
			   hw.inferences, hw.lat_last, hw.lat_max, hw.errors, hw.error_bits,
			   hw.status, hw.reloads, hw.policy_hash);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nicsched_counters);

static int nicsched_slots_show(struct seq_file *m, void *unused)
{
	struct nicsched_dev *ndev = m->private;
	struct nicsched_core *core = &ndev->core;
	struct nicsched_decision d;
	unsigned int n;

	seq_puts(m, "slot owner in_flight stuck seq tag action valid submitted completed dropped errors timeouts\n");
	for (n = 0; n < NICSCHED_SLOTS; n++) {
		const struct nicsched_slot *s = &core->slot[n];

		nicsched_core_decision(core, n, &d);
		seq_printf(m, "%u %d %d %d %u %u %u %u %lld %lld %lld %lld %lld\n", n,
			   nicsched_core_slot_owner(core, n), nicsched_core_in_flight(core, n),
			   nicsched_core_slot_stuck(core, n), d.seq, d.tag, d.action, d.valid,
			   atomic64_read(&s->submitted), atomic64_read(&s->completed),
			   atomic64_read(&s->dropped), atomic64_read(&s->errors),
			   atomic64_read(&s->timeouts));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nicsched_slots);

static void nicsched_debugfs_add(struct nicsched_dev *ndev)
{
	ndev->debugfs = debugfs_create_dir(ndev->name, nicsched_debugfs_root);
	debugfs_create_file("counters", 0400, ndev->debugfs, ndev, &nicsched_counters_fops);
	debugfs_create_file("slots", 0400, ndev->debugfs, ndev, &nicsched_slots_fops);
}

/* ---- binds ---------------------------------------------------------------------------------- */

static int nicsched_misc_register(struct nicsched_dev *ndev, struct device *parent)
{
	ndev->misc.minor = MISC_DYNAMIC_MINOR;
	ndev->misc.name = ndev->name;
	ndev->misc.fops = &nicsched_fops;
	ndev->misc.parent = parent;
	ndev->misc.mode = 0600;
	return misc_register(&ndev->misc);
}

static int nicsched_dev_start(struct nicsched_dev *ndev, struct device *parent,
			      struct device *dma_dev, void __iomem *regs, u64 len)
{
	struct nicsched_core_cfg cfg = {
		.timeout_ns = (u64)max(timeout_ms, 1U) * NSEC_PER_MSEC,
		.collect_scores = collect_scores,
		.kick = nicsched_kick_poller,
	};
	int ret;

	kref_init(&ndev->ref);
	INIT_LIST_HEAD(&ndev->node);
	hrtimer_init(&ndev->poll_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	ndev->poll_timer.function = nicsched_poll_timer;
	ndev->poll_ns = (u64)clamp(poll_us, 1U, 10000U) * NSEC_PER_USEC;
	nicsched_mailbox_alloc(ndev, dma_dev, &cfg.mailbox);
	ret = nicsched_core_init(&ndev->core, parent, regs, len, &cfg);
	/* not used (refused card, or results by MMIO): the card was never told about it */
	if (ret || ndev->core.results != NICSCHED_RESULTS_DMA)
		nicsched_mailbox_free(ndev);
	return ret;
}

/*
 * Stop the core, then the poller, then the card's mailbox writes; afterwards nothing touches
 * the registers and the mailbox is freed.
 */
static void nicsched_dev_quiesce(struct nicsched_dev *ndev)
{
	nicsched_core_stop(&ndev->core);
	/* submitters and mailbox readers that saw the core running have left */
	synchronize_rcu();
	hrtimer_cancel(&ndev->poll_timer);
	nicsched_mailbox_free(ndev);
}

/**
 * nicsched_dev_probe() - bind a mapped register window
 * @parent: the bound device (PCI function or mqnic auxiliary device)
 * @dma_dev: the device that masters the card's DMA (bus mastering on, DMA mask set), for the
 *	results mailbox; NULL: results by MMIO
 * @regs: the register window; stays mapped until nicsched_dev_remove() returns
 * @len: window length in bytes
 *
 * Return: the device, or an ERR_PTR (probe refused: see the dev_err line).
 */
struct nicsched_dev *nicsched_dev_probe(struct device *parent, struct device *dma_dev,
					void __iomem *regs, u64 len)
{
	struct nicsched_dev *ndev;
	int ret;

	ndev = kzalloc(sizeof(*ndev), GFP_KERNEL);
	if (!ndev)
		return ERR_PTR(-ENOMEM);
	ret = nicsched_dev_start(ndev, parent, dma_dev, regs, len);
	if (ret)
		goto err_free;
	ret = ida_alloc(&nicsched_ida, GFP_KERNEL);
	if (ret < 0)
		goto err_quiesce;
	ndev->index = ret;
	snprintf(ndev->name, sizeof(ndev->name), "nicsched%u", ndev->index);
	ret = nicsched_misc_register(ndev, parent);
	if (ret)
		goto err_ida;
	nicsched_debugfs_add(ndev);
	mutex_lock(&nicsched_list_lock);
	list_add_tail(&ndev->node, &nicsched_list);
	mutex_unlock(&nicsched_list_lock);
	dev_info(parent, "/dev/%s ready\n", ndev->name);
	return ndev;

err_ida:
	ida_free(&nicsched_ida, ndev->index);
err_quiesce:
	nicsched_dev_quiesce(ndev);
err_free:
	kfree(ndev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(nicsched_dev_probe);

/**
 * nicsched_dev_remove() - unbind; the window may be unmapped when this returns
 * @ndev: from nicsched_dev_probe()
 *
 * Holders of nicsched_get() references keep the memory (decisions, counters) until they put it.
 */
void nicsched_dev_remove(struct nicsched_dev *ndev)
{
	mutex_lock(&nicsched_list_lock);
	list_del_init(&ndev->node);
	mutex_unlock(&nicsched_list_lock);
	debugfs_remove_recursive(ndev->debugfs);
	misc_deregister(&ndev->misc);
	nicsched_dev_quiesce(ndev);
	ida_free(&nicsched_ida, ndev->index);
	kref_put(&ndev->ref, nicsched_dev_release);
}
EXPORT_SYMBOL_GPL(nicsched_dev_remove);

/* The bus reported the card gone: disable it as an all-ones read would. */
void nicsched_dev_surprise_removal(struct nicsched_dev *ndev)
{
	nicsched_core_surprise_removal(&ndev->core);
}
EXPORT_SYMBOL_GPL(nicsched_dev_surprise_removal);

/**
 * nicsched_get() - a counted reference to /dev/nicsched<index>'s core
 * @index: N
 *
 * Return: the core, or NULL when no such device is bound.
 */
struct nicsched_core *nicsched_get(unsigned int index)
{
	struct nicsched_dev *ndev;
	struct nicsched_core *core = NULL;

	mutex_lock(&nicsched_list_lock);
	list_for_each_entry(ndev, &nicsched_list, node) {
		if (ndev->index == index) {
			kref_get(&ndev->ref);
			core = &ndev->core;
			break;
		}
	}
	mutex_unlock(&nicsched_list_lock);
	return core;
}
EXPORT_SYMBOL_GPL(nicsched_get);

void nicsched_put(struct nicsched_core *core)
{
	if (core)
		kref_put(&to_ndev(core)->ref, nicsched_dev_release);
}
EXPORT_SYMBOL_GPL(nicsched_put);

static int __init nicsched_init(void)
{
	nicsched_debugfs_root = debugfs_create_dir("nicsched", NULL);
	return 0;
}

static void __exit nicsched_exit(void)
{
	debugfs_remove_recursive(nicsched_debugfs_root);
	ida_destroy(&nicsched_ida);
}

module_init(nicsched_init);
module_exit(nicsched_exit);

MODULE_DESCRIPTION("nicsched: MLP scheduling-policy engine on an FPGA NIC (core)");
MODULE_LICENSE("GPL");
