/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bus the userspace build of the core talks to: 32-bit AXI-Lite transactions on a Verilated
 * nicsched_top (nicsched_bus.cpp). Every call is one complete transaction with its handshakes,
 * serialized by a lock; the model's clock only advances while a transaction runs.
 */
#ifndef NICSCHED_BUS_H
#define NICSCHED_BUS_H

#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The fake address the core's void __iomem *regs points at; offsets are relative to it. */
#define NICSCHED_BUS_BASE	0x40000000UL
/*
 * The window: 2^NICSCHED_ADDR_WIDTH bytes, the AXI-Lite address width the register model
 * decodes and nicsched_top is generated with (weights block included). NICSCHED_ADDR_WIDTH comes
 * from the generated nicsched_regs.h and BIT() from compat.h; the C side includes both before it
 * uses these macros.
 */
#define NICSCHED_BUS_SIZE	((__u32)BIT(NICSCHED_ADDR_WIDTH))

struct nicsched_bus_stats {
	__u64 reads;		/* read transactions, including all-ones reads after removal */
	__u64 writes;	/* write transactions, including dropped ones after removal */
	__u64 cycles;	/* clock cycles simulated */
	__u64 slverr;	/* responses other than OKAY */
};

/* Build the model with a window of @size bytes and hold reset for a few cycles. */
void nicsched_bus_open_window(__u32 size);
#define nicsched_bus_open()	nicsched_bus_open_window(NICSCHED_BUS_SIZE)
void nicsched_bus_close(void);

__u32 nicsched_bus_read32(__u32 addr);
void nicsched_bus_write32(__u32 addr, __u32 val);

/*
 * Surprise removal: after @transactions more transactions (0: now) reads return 0xffffffff and
 * writes are dropped, as on a PCIe link that went down. A negative value reconnects.
 */
void nicsched_bus_remove_after(__s64 transactions);

/* Simulated time: cycles at the policy's target clock. */
__u64 nicsched_bus_time_ns(void);
void nicsched_bus_get_stats(struct nicsched_bus_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* NICSCHED_BUS_H */
