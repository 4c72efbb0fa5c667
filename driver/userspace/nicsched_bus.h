/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bus the userspace build of the core talks to: 32-bit AXI-Lite transactions on a Verilated
 * nicsched_top (nicsched_bus.cpp). Every call is one complete transaction with its handshakes,
 * serialized by a lock. The model's clock advances while a transaction runs, and when the owner
 * of the bus lets time pass (nicsched_bus_advance(), used by the simulated card).
 *
 * On every clock edge the bus also plays the DMA engine behind the RTL's DMA client port
 * (results into host memory, layout v3.0): it takes the RTL's write descriptors, reads the entry
 * from the RTL's DMA RAM port, hands the bytes to the host memory set with nicsched_bus_set_dma()
 * and returns the write's status to the RTL.
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
	__u64 cycles;	/* clock cycles elapsed: simulated + skipped (nicsched_bus_advance()) */
	__u64 slverr;	/* responses other than OKAY */
	__u64 masked;	/* RESULT reads a fault turned into BUSY */
	__u64 skipped;	/* cycles counted by nicsched_bus_advance() without simulating them */
	__u64 peeks;	/* nicsched_bus_peek32() transactions (in neither reads nor writes) */
	__u64 dma_writes;	/* DMA writes that reached host memory */
	__u64 dma_dropped;	/* DMA writes that did not: no host memory, refused, or removed */
};

/*
 * Where the slots' DOORBELL and RESULT registers are, for the faults below. The C side fills it
 * from the generated nicsched_regs.h with NICSCHED_BUS_LAYOUT.
 */
struct nicsched_bus_layout {
	__u32 slot_base;	/* slot 0's block */
	__u32 slot_stride;
	__u32 slots;
	__u32 doorbell;		/* DOORBELL's offset in a slot block */
	__u32 result;		/* RESULT's offset in a slot block */
	__u32 result_valid;	/* RESULT.VALID */
	__u32 result_busy;	/* RESULT.BUSY */
};

#define NICSCHED_BUS_LAYOUT {						\
	.slot_base = NICSCHED_SLOT_BASE,				\
	.slot_stride = NICSCHED_SLOT_STRIDE,				\
	.slots = NICSCHED_SLOTS,					\
	.doorbell = NICSCHED_SLOT_DOORBELL,				\
	.result = NICSCHED_SLOT_RESULT,					\
	.result_valid = NICSCHED_RESULT_VALID_MASK,			\
	.result_busy = NICSCHED_RESULT_BUSY_MASK,			\
}

/* Build the model with a window of @size bytes and hold reset for a few cycles. */
void nicsched_bus_open_layout(__u32 size, const struct nicsched_bus_layout *layout);
#define nicsched_bus_open()						\
	nicsched_bus_open_layout(NICSCHED_BUS_SIZE,			\
				 &(const struct nicsched_bus_layout)NICSCHED_BUS_LAYOUT)
void nicsched_bus_close(void);

__u32 nicsched_bus_read32(__u32 addr);
void nicsched_bus_write32(__u32 addr, __u32 val);
/* A write of the byte lanes set in @strb (bit n: bits [8n+7:8n] of @val): a narrow PCIe write. */
void nicsched_bus_write32_strb(__u32 addr, __u32 val, __u8 strb);

/*
 * An observer's read: one AXI-Lite read that no fault and no removal alters and that counts in
 * peeks, not reads (the simulated card reads the RTL's answer for its doorbell log this way).
 * It takes its clock cycles like any transaction.
 */
__u32 nicsched_bus_peek32(__u32 addr);

/*
 * Let @cycles clock cycles pass with the bus idle: the first min(@cycles, @max_simulated) are
 * simulated edge by edge, the rest only counted (stats.cycles and skipped). Skipping is exact
 * once the RTL is idle (nothing pending or in flight), so @max_simulated must cover the longest
 * drain: the caller's bound on how long a doorbell can keep the RTL busy.
 */
void nicsched_bus_advance(__u64 cycles, __u64 max_simulated);

/* Hold reset for a few cycles, as at open (a PCI reset of the card). Faults are kept. */
void nicsched_bus_reset(void);

/*
 * Surprise removal: after @transactions more transactions (0: now) reads return 0xffffffff and
 * writes are dropped, as on a PCIe link that went down. A negative value reconnects.
 */
void nicsched_bus_remove_after(__s64 transactions);

/*
 * A sick card, as the host sees it (the RTL itself stays healthy):
 *   HEALTHY  every read returns what the RTL answers
 *   STALL    the card takes doorbells but never answers: every slot's RESULT reads BUSY, never
 *            VALID (the RTL still computes; its answers stay invisible), and no DMA write
 *            reaches host memory (the engine takes no descriptor)
 *   SLOW     a slot's RESULT reads BUSY, not VALID, until @cycles clock cycles after its last
 *            DOORBELL write, then shows the RTL's answer; a DMA write of the slot lands no
 *            earlier than that either
 * Surprise removal is nicsched_bus_remove_after() above; DMA writes are dropped meanwhile.
 */
enum nicsched_bus_fault {
	NICSCHED_BUS_HEALTHY = 0,
	NICSCHED_BUS_STALL = 1,
	NICSCHED_BUS_SLOW = 2,
};

void nicsched_bus_set_fault(enum nicsched_bus_fault fault, __u64 cycles);

/*
 * One slot's answer held back (@hold nonzero) or let through: while held, the slot's RESULT
 * reads BUSY, not VALID, whatever the RTL answered, as under STALL. Lets a replay choose when
 * each slot's answer reaches the host (kernel-hook/userspace/nsh_harness.c replay).
 */
void nicsched_bus_hold_result(__u32 slot, int hold);

/*
 * Host memory for the RTL's DMA writes: @write gets the descriptor's bus address and the bytes,
 * and returns 0 when it stored them (the status to the RTL is then OK) or non-zero when the
 * address is not memory it has (the write is dropped and the status carries an error). Called
 * with the bus lock held, from whichever thread is clocking the model. NULL: no host memory
 * (every DMA write is dropped with an error status).
 */
typedef int (*nicsched_bus_dma_write_fn)(void *ctx, __u64 addr, const void *data, __u32 len);
void nicsched_bus_set_dma(nicsched_bus_dma_write_fn write, void *ctx);

/*
 * Nothing for the DMA engine to do: no descriptor offered, taken or in flight (the RTL may
 * still have results queued that it has not offered yet; DMA_STATUS.ACTIVE tells).
 */
int nicsched_bus_dma_idle(void);

/* Simulated time: cycles at the policy's target clock. */
__u64 nicsched_bus_time_ns(void);
void nicsched_bus_get_stats(struct nicsched_bus_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* NICSCHED_BUS_H */
