/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nicsched.ko: one nicsched device per bound register window. The binds (nicsched_pci,
 * nicsched_mqnic) map the window and call nicsched_dev_probe()/nicsched_dev_remove(); this
 * module adds the poller, /dev/nicsched<N>, debugfs and the reference-counted handle the
 * scheduler hook uses.
 */
#ifndef NICSCHED_DEV_H
#define NICSCHED_DEV_H

#include <linux/device.h>
#include <linux/types.h>

#include "nicsched_core.h"

struct nicsched_dev;

/* Binds: probe after mapping the window, remove before unmapping it. */
/* @dma_dev: the device that masters the card's DMA (results mailbox), or NULL (results by MMIO) */
struct nicsched_dev *nicsched_dev_probe(struct device *parent, struct device *dma_dev,
					void __iomem *regs, u64 len);
void nicsched_dev_remove(struct nicsched_dev *ndev);
void nicsched_dev_surprise_removal(struct nicsched_dev *ndev);

/*
 * The hook: a counted reference to device N. The core stays valid until nicsched_put(), also
 * across an unbind (then submits fail with -ENODEV and decisions stop changing).
 */
struct nicsched_core *nicsched_get(unsigned int index);
void nicsched_put(struct nicsched_core *core);

#endif /* NICSCHED_DEV_H */
