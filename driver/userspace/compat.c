// SPDX-License-Identifier: GPL-2.0
/*
 * Definitions behind compat.h: the per-thread MMIO counters and dev_*() logging.
 */

#include <stdarg.h>
#include <stdio.h>

#include "compat.h"

__thread unsigned long nicsched_mmio_reads;
__thread unsigned long nicsched_mmio_writes;

void nicsched_dev_printk(const struct device *dev, const char *level, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[%s] %s: ", level, dev ? dev->name : "(no device)");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
