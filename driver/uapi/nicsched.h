/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nicsched: bring-up ioctls on /dev/nicsched<N> (mode 0600, CAP_SYS_ADMIN).
 *
 * The scheduler hook never goes through this interface: it calls the core API in kernel space.
 * These ioctls are for lab bring-up and tests. NICSCHED_IOC_RESULT reads the decision cache in
 * host memory (no register access); NICSCHED_IOC_COUNTERS also reads the card's counter
 * registers; NICSCHED_IOC_RELOAD loads new weights through the card's shadow bank.
 */
#ifndef _UAPI_NICSCHED_H
#define _UAPI_NICSCHED_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Limits of register layout v1.x; a policy's own counts are in struct nicsched_ioc_info. */
#define NICSCHED_UAPI_MAX_INPUTS	64
#define NICSCHED_UAPI_MAX_OUTPUTS	32

/* NICSCHED_IOC_INFO: what the driver found at probe time. */
struct nicsched_ioc_info {
	__u32 id;		/* ID register, 0x4e534348 "NSCH" */
	__u32 version;		/* VERSION register: major << 16 | minor */
	__u32 policy_hash;	/* POLICY_HASH register (equals the driver's build) */
	__u32 caps;		/* CAPS register */
	__u32 timing;		/* TIMING register: [15:0] latency cycles, [31:16] II */
	__u32 slots;		/* request slots */
	__u32 inputs;		/* features per request */
	__u32 outputs;		/* scores per result */
	__u32 index;		/* N of /dev/nicsched<N> */
	__u32 state;		/* 1 running, 2 stopped, 3 removed (all-ones reads) */
	__u32 shape_hash;	/* hardware shape of the driver's build: what reloads must match */
	__u32 weights_words;	/* 32-bit words of the shadow weight bank */
};

/* NICSCHED_IOC_SUBMIT: posted writes of features[0 .. inputs-1], then DOORBELL with tag. */
struct nicsched_ioc_submit {
	__u32 slot;
	__u32 tag;		/* 16 bits; must differ from the tag the slot's last result holds */
	__u32 features[NICSCHED_UAPI_MAX_INPUTS];
};

/* NICSCHED_IOC_RESULT: the last decision published for a slot (host memory only). */
struct nicsched_ioc_result {
	__u32 slot;		/* in */
	__u32 seq;		/* decisions published on this slot so far */
	__u32 tag;
	__u32 action;
	__u32 valid;		/* 0 while no decision was ever published */
	__u32 in_flight;	/* a request is outstanding on this slot */
	__s32 scores[NICSCHED_UAPI_MAX_OUTPUTS];	/* zero unless collect_scores=1 */
};

/* NICSCHED_IOC_COUNTERS: driver counters (host memory) and the card's counter registers. */
struct nicsched_ioc_counters {
	__u64 submitted;	/* doorbells written */
	__u64 completed;	/* decisions published */
	__u64 dropped;		/* submits refused: the slot still had a request in flight */
	__u64 errors;		/* lost doorbells, out-of-range actions */
	__u64 timeouts;		/* requests in flight longer than timeout_ms */
	__u64 surprise_removals;	/* all-ones reads that disabled the device */
	__u64 polls;		/* poller passes */
	__u32 hw_inferences;	/* INFERENCES */
	__u32 hw_lat_last;	/* LAT_LAST, cycles */
	__u32 hw_lat_max;	/* LAT_MAX, cycles */
	__u32 hw_errors;	/* ERRORS */
	__u32 hw_error_bits;	/* ERROR */
	__u32 hw_status;	/* STATUS */
	__u32 hw_reloads;	/* RELOADS */
	__u32 hw_policy_hash;	/* POLICY_HASH: the policy in the active bank */
};

/*
 * NICSCHED_IOC_RELOAD: new weights for the same hardware shape (`nicsched reload-plan`): the
 * words of the weights block from word 0 go to the shadow bank, policy_hash to SHADOW_HASH, then
 * COMMIT; returns when the card swapped banks and POLICY_HASH/RELOADS agree. Refused with
 * -EINVAL when words differs from weights_words of NICSCHED_IOC_INFO and with -EPROTO when
 * shape_hash differs from its shape_hash (the weights need another bitstream).
 */
struct nicsched_ioc_reload {
	__u32 policy_hash;	/* in: POLICY_HASH of the new policy */
	__u32 shape_hash;	/* in: SHAPE_HASH_VALUE of the new policy */
	__u32 words;		/* in: number of __u32 at data */
	__u32 reloads;		/* out: RELOADS after the swap */
	__u64 data;		/* in: user pointer to __u32[words] */
};

#define NICSCHED_IOC_MAGIC	'N'	/* 0x80-0x8f: free in ioctl-number.rst */
#define NICSCHED_IOC_INFO	_IOR(NICSCHED_IOC_MAGIC, 0x80, struct nicsched_ioc_info)
#define NICSCHED_IOC_SUBMIT	_IOW(NICSCHED_IOC_MAGIC, 0x81, struct nicsched_ioc_submit)
#define NICSCHED_IOC_RESULT	_IOWR(NICSCHED_IOC_MAGIC, 0x82, struct nicsched_ioc_result)
#define NICSCHED_IOC_COUNTERS	_IOR(NICSCHED_IOC_MAGIC, 0x83, struct nicsched_ioc_counters)
#define NICSCHED_IOC_RELOAD	_IOWR(NICSCHED_IOC_MAGIC, 0x84, struct nicsched_ioc_reload)

#endif /* _UAPI_NICSCHED_H */
