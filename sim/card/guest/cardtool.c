// SPDX-License-Identifier: GPL-2.0
/*
 * cardtool: register-level access to the nicsched card from inside a guest, without a driver.
 * It maps BAR0 through sysfs (/sys/bus/pci/devices/<dev>/resource0), which needs no /dev/mem,
 * and takes every offset from the generated nicsched_regs.h of the card's policy. Built static
 * by sim/card/build.sh for the card tests' initramfs.
 *
 *   cardtool info                     sysfs identity of the 10ee:4e53 function (no MMIO)
 *   cardtool ids                      ID, VERSION, POLICY_HASH, CAPS (4 reads)
 *   cardtool enable                   CONTROL = ENABLE (1 write): the card takes doorbells
 *   cardtool r8|r16|r32 OFF           one read of BAR0 + OFF
 *   cardtool w8|w16|w32 OFF VAL       one write
 *   cardtool decide SLOT TAG F... [MAX_POLLS]
 *                                     FEATURES_PACKED words, DOORBELL = TAG, then RESULT until it
 *                                     is VALID with TAG or MAX_POLLS reads (default 100000);
 *                                     WAIT_NS counts from just before the DOORBELL write
 *   cardtool bench N                  N reads of ID: round trips per second
 *   cardtool bench-decide N           N decisions on slot 0: decisions per second
 *   cardtool dma                      a locked page with a pattern; prints its physical address,
 *                                     waits for a line on stdin, prints the page again
 *   cardtool dma-decide N [quiet]     results into guest RAM (layout v3.0): bus mastering on, a
 *                                     locked page as the mailbox (DMA_BASE, DMA_CTRL.ENABLE), then
 *                                     N decisions over every slot, each answer read from the page,
 *                                     never from a register; prints one line per decision (not
 *                                     with quiet) and a summary
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nicsched_regs.h"

#define VENDOR	0x10ee
#define DEVICE	0x4e53
#define SHOWN	64	/* bytes of the dma page printed */

static char dev_dir[512];
static volatile uint8_t *bar;
static size_t bar_size;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "cardtool: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static unsigned long read_hex_file(const char *dir, const char *name)
{
	char path[600], buf[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return ~0UL;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strtoul(buf, NULL, 16);
}

static void find_device(void)
{
	const char *root = "/sys/bus/pci/devices";
	struct dirent *e;
	DIR *d = opendir(root);

	if (!d)
		die("cannot open %s", root);
	while ((e = readdir(d))) {
		char dir[512];

		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, e->d_name);
		if (read_hex_file(dir, "vendor") == VENDOR && read_hex_file(dir, "device") == DEVICE) {
			snprintf(dev_dir, sizeof(dev_dir), "%s", dir);
			closedir(d);
			return;
		}
	}
	closedir(d);
	die("no PCI function %s in /sys/bus/pci/devices", "10ee:4e53");
}

static void map_bar(void)
{
	char path[600];
	struct stat st;
	int fd;

	find_device();
	/* memory decoding on, as a driver's pci_enable_device() would */
	snprintf(path, sizeof(path), "%s/enable", dev_dir);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			fprintf(stderr, "cardtool: enabling %s: %s\n", dev_dir, strerror(errno));
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/resource0", dev_dir);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0 || fstat(fd, &st) < 0)
		die("cannot open %s", path);
	bar_size = (size_t)st.st_size;
	bar = mmap(NULL, bar_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bar == MAP_FAILED)
		die("cannot map %s", path);
	close(fd);
}

static uint32_t offset_arg(const char *s, unsigned width)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end || v + width > bar_size)
		die("bad BAR0 offset %s", s);
	return (uint32_t)v;
}

static uint32_t rd32(uint32_t off)
{
	return *(volatile uint32_t *)(bar + off);
}

static void wr32(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t slot_reg(unsigned slot, uint32_t reg)
{
	return NICSCHED_SLOT_BASE + slot * NICSCHED_SLOT_STRIDE + reg;
}

/* FEATURES_PACKED words, each feature's low NICSCHED_IN_BITS at its place in the word. */
static void write_features(unsigned slot, const long *features)
{
	const uint32_t mask = NICSCHED_IN_BITS >= 32 ? 0xffffffffU : (1U << NICSCHED_IN_BITS) - 1;
	unsigned w, m;

	for (w = 0; w < NICSCHED_PACKED_WORDS; w++) {
		uint32_t word = 0;

		for (m = 0; m < NICSCHED_FEATURES_PER_WORD; m++) {
			unsigned i = w * NICSCHED_FEATURES_PER_WORD + m;

			if (i < NICSCHED_INPUTS)
				word |= ((uint32_t)features[i] & mask) << (m * NICSCHED_IN_BITS);
		}
		wr32(slot_reg(slot, NICSCHED_SLOT_FEATURES_PACKED0 + 4 * w), word);
	}
}

static void ring(unsigned slot, unsigned tag)
{
	wr32(slot_reg(slot, NICSCHED_SLOT_DOORBELL), tag);
}

static int answered(uint32_t result, unsigned tag)
{
	return result != 0xffffffffU && (result & NICSCHED_RESULT_VALID_MASK) &&
	       ((result & NICSCHED_RESULT_TAG_MASK) >> NICSCHED_RESULT_TAG_SHIFT) == tag;
}

static int cmd_decide(int argc, char **argv)
{
	long features[NICSCHED_INPUTS];
	unsigned slot, tag, i;
	unsigned long polls = 0, max_polls = 100000;
	uint32_t result;
	uint64_t t0, t1;

	if (argc != 4 + NICSCHED_INPUTS && argc != 5 + NICSCHED_INPUTS)
		die("usage: cardtool decide SLOT TAG F0..F%s [MAX_POLLS]", "N-1");
	slot = (unsigned)strtoul(argv[2], NULL, 0);
	tag = (unsigned)strtoul(argv[3], NULL, 0);
	if (slot >= NICSCHED_SLOTS)
		die("slot %s is beyond the card's slots", argv[2]);
	for (i = 0; i < NICSCHED_INPUTS; i++)
		features[i] = strtol(argv[4 + i], NULL, 0);
	if (argc == 5 + NICSCHED_INPUTS)
		max_polls = strtoul(argv[4 + NICSCHED_INPUTS], NULL, 0);
	write_features(slot, features);
	t0 = now_ns();
	ring(slot, tag);
	do {
		result = rd32(slot_reg(slot, NICSCHED_SLOT_RESULT));
		polls++;
	} while (!answered(result, tag) && polls < max_polls);
	t1 = now_ns();
	printf("RESULT=0x%08x VALID=%d ACTION=%u POLLS=%lu WAIT_NS=%" PRIu64 " WRITES=%u\n", result,
	       answered(result, tag), (result & NICSCHED_RESULT_ACTION_MASK) >> NICSCHED_RESULT_ACTION_SHIFT,
	       polls, t1 - t0, NICSCHED_PACKED_WORDS + 1);
	return 0;
}

static int cmd_bench(unsigned long n)
{
	uint64_t t0 = now_ns(), t1;
	uint32_t bad = 0;
	unsigned long i;

	for (i = 0; i < n; i++)
		bad += rd32(NICSCHED_REG_ID) != NICSCHED_ID_VALUE;
	t1 = now_ns();
	printf("READS=%lu BAD=%u NS=%" PRIu64 " PER_SECOND=%.0f\n", n, bad, t1 - t0,
	       (double)n * 1e9 / (double)(t1 - t0 ? t1 - t0 : 1));
	return bad != 0;
}

static int cmd_bench_decide(unsigned long n)
{
	long features[NICSCHED_INPUTS];
	unsigned long i, polls = 0, lost = 0;
	uint64_t t0 = now_ns(), t1;
	unsigned k;

	for (i = 0; i < n; i++) {
		unsigned tag = (unsigned)(i % 0xfffe) + 1, tries = 0;

		for (k = 0; k < NICSCHED_INPUTS; k++)
			features[k] = (long)((i * 7 + k * 13) & 0x7f);
		write_features(0, features);
		ring(0, tag);
		while (!answered(rd32(slot_reg(0, NICSCHED_SLOT_RESULT)), tag) && ++tries < 100000)
			;
		polls += tries + 1;
		lost += tries >= 100000;
	}
	t1 = now_ns();
	printf("DECISIONS=%lu LOST=%lu POLLS=%lu NS=%" PRIu64 " PER_SECOND=%.0f\n", n, lost, polls, t1 - t0,
	       (double)n * 1e9 / (double)(t1 - t0 ? t1 - t0 : 1));
	return lost != 0;
}

/* A locked, zeroed page and its physical address (/proc/self/pagemap: root only). */
static volatile uint8_t *locked_page(uint64_t *phys)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile uint8_t *buf;
	uint64_t entry;
	int fd, i;

	buf = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || mlock((void *)buf, (size_t)page))
		die("cannot allocate and lock a %s page", "4 KiB");
	for (i = 0; i < page; i++)
		buf[i] = 0;
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &entry, sizeof(entry), (off_t)((uintptr_t)buf / (uintptr_t)page * 8)) != sizeof(entry))
		die("cannot read %s", "/proc/self/pagemap");
	close(fd);
	if (!(entry >> 63) || !(entry & ((1ULL << 55) - 1)))
		die("%s shows no frame for the page (not root?)", "/proc/self/pagemap");
	*phys = (entry & ((1ULL << 55) - 1)) * (uint64_t)page;
	return buf;
}

/* The PCI command register's bus master bit, through the sysfs config file. */
static void bus_master_on(void)
{
	char path[600];
	uint16_t command;
	int fd;

	snprintf(path, sizeof(path), "%s/config", dev_dir);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, &command, 2, 4) != 2)
		die("cannot read the command register in %s", path);
	command |= 0x4;
	if (pwrite(fd, &command, 2, 4) != 2)
		die("cannot set bus mastering in %s", path);
	close(fd);
}

static uint32_t entry_word(const volatile uint8_t *mb, unsigned slot, uint32_t off)
{
	return *(const volatile uint32_t *)(mb + slot * NICSCHED_MAILBOX_STRIDE + off);
}

static int cmd_dma_decide(unsigned long n, int quiet)
{
	const unsigned long limit = 10000000;
	unsigned long i, spins = 0, lost = 0, torn = 0, bad_seq = 0;
	uint32_t last_seq[NICSCHED_SLOTS] = { 0 };
	long features[NICSCHED_INPUTS];
	volatile uint8_t *mb;
	uint64_t phys, t0, t1;
	unsigned k;

	mb = locked_page(&phys);
	bus_master_on();
	wr32(NICSCHED_REG_DMA_BASE_LO, (uint32_t)phys);
	wr32(NICSCHED_REG_DMA_BASE_HI, (uint32_t)(phys >> 32));
	wr32(NICSCHED_REG_DMA_CTRL, NICSCHED_DMA_CTRL_ENABLE_MASK);
	wr32(NICSCHED_REG_CONTROL, NICSCHED_CONTROL_ENABLE_MASK);
	printf("MAILBOX=0x%" PRIx64 "\n", phys);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		unsigned slot = (unsigned)(i % NICSCHED_SLOTS), tag = (unsigned)(i % 0xfffe) + 1;
		unsigned long tries = 0;
		uint32_t seq, answer, latency, check;

		for (k = 0; k < NICSCHED_INPUTS; k++)
			features[k] = (long)((i * 7 + k * 13) & 0x7f);
		write_features(slot, features);
		ring(slot, tag);
		for (;;) {
			seq = entry_word(mb, slot, NICSCHED_MAILBOX_SEQ);
			answer = entry_word(mb, slot, NICSCHED_MAILBOX_ANSWER);
			latency = entry_word(mb, slot, NICSCHED_MAILBOX_LATENCY);
			check = entry_word(mb, slot, NICSCHED_MAILBOX_CHECK);
			if (check == ~(seq ^ answer ^ latency) && (answer & NICSCHED_ANSWER_VALID_MASK) &&
			    ((answer & NICSCHED_ANSWER_TAG_MASK) >> NICSCHED_ANSWER_TAG_SHIFT) == tag)
				break;
			torn += check != ~(seq ^ answer ^ latency) && seq;
			if (++tries >= limit)
				break;
		}
		spins += tries;
		lost += tries >= limit;
		bad_seq += (int32_t)(seq - last_seq[slot]) <= 0;
		last_seq[slot] = seq;
		if (!quiet)
			printf("D %lu SLOT=%u TAG=%u SEQ=%u ACTION=%u LATENCY=%u CHECK_OK=%d SPINS=%lu\n", i, slot, tag,
			       seq, (answer & NICSCHED_ANSWER_ACTION_MASK) >> NICSCHED_ANSWER_ACTION_SHIFT,
			       latency, check == ~(seq ^ answer ^ latency), tries);
	}
	t1 = now_ns();
	printf("DECISIONS=%lu LOST=%lu TORN=%lu BAD_SEQ=%lu SPINS=%lu NS=%" PRIu64 " PER_SECOND=%.0f REG_READS=0 REG_WRITES=%lu\n",
	       n, lost, torn, bad_seq, spins, t1 - t0, (double)n * 1e9 / (double)(t1 - t0 ? t1 - t0 : 1),
	       n * (NICSCHED_PACKED_WORDS + 1));
	/* the page goes away with this process: no write may land in it afterwards */
	wr32(NICSCHED_REG_DMA_CTRL, 0);
	for (k = 0; k < 1000 && (rd32(NICSCHED_REG_DMA_STATUS) & NICSCHED_DMA_STATUS_ACTIVE_MASK); k++)
		usleep(100);
	printf("DMA_WRITES=%u DMA_ERRORS=%u QUIESCED=%d\n", rd32(NICSCHED_REG_DMA_WRITES),
	       rd32(NICSCHED_REG_DMA_ERRORS), k < 1000);
	return lost != 0 || bad_seq != 0 || k >= 1000;
}

static void print_bytes(const char *key, const volatile uint8_t *p)
{
	int i;

	printf("%s=", key);
	for (i = 0; i < SHOWN; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int cmd_dma(void)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile uint8_t *buf;
	uint64_t phys;
	char line[64];
	int i;

	buf = locked_page(&phys);
	for (i = 0; i < page; i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	printf("PHYS=0x%" PRIx64 "\n", phys);
	print_bytes("DATA", buf);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		die("no line on %s", "stdin");
	print_bytes("GOT", buf);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "info")) {
		char path[600];
		struct stat st;

		find_device();
		snprintf(path, sizeof(path), "%s/resource0", dev_dir);
		printf("DEVICE=%s\nVENDOR=0x%04lx\nDEVICE_ID=0x%04lx\nCLASS=0x%06lx\nBAR0_SIZE=%lld\n", dev_dir,
		       read_hex_file(dev_dir, "vendor"), read_hex_file(dev_dir, "device"),
		       read_hex_file(dev_dir, "class"), stat(path, &st) ? -1LL : (long long)st.st_size);
		return 0;
	}
	if (!strcmp(cmd, "dma"))
		return cmd_dma();
	if (!*cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		printf("usage: cardtool info | ids | enable | r8|r16|r32 OFF | w8|w16|w32 OFF VAL | decide SLOT TAG F... [MAX_POLLS]"
		       " | bench N | bench-decide N | dma | dma-decide N [quiet]\n");
		return !*cmd;
	}
	map_bar();
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "quiet"))) && !strcmp(cmd, "dma-decide"))
		return cmd_dma_decide(strtoul(argv[2], NULL, 0), argc == 4);
	if (!strcmp(cmd, "enable")) {
		wr32(NICSCHED_REG_CONTROL, NICSCHED_CONTROL_ENABLE_MASK);
		return 0;
	}
	if (!strcmp(cmd, "ids")) {
		printf("ID=0x%08x\nVERSION=0x%08x\nPOLICY_HASH=0x%08x\nCAPS=0x%08x\n", rd32(NICSCHED_REG_ID),
		       rd32(NICSCHED_REG_VERSION), rd32(NICSCHED_REG_POLICY_HASH), rd32(NICSCHED_REG_CAPS));
		return 0;
	}
	if (argc == 3 && (!strcmp(cmd, "r8") || !strcmp(cmd, "r16") || !strcmp(cmd, "r32"))) {
		unsigned width = (unsigned)atoi(cmd + 1) / 8;
		uint32_t off = offset_arg(argv[2], width), v;

		v = width == 1 ? *(volatile uint8_t *)(bar + off) :
		    width == 2 ? *(volatile uint16_t *)(bar + off) : *(volatile uint32_t *)(bar + off);
		printf("0x%0*x\n", (int)width * 2, v);
		return 0;
	}
	if (argc == 4 && (!strcmp(cmd, "w8") || !strcmp(cmd, "w16") || !strcmp(cmd, "w32"))) {
		unsigned width = (unsigned)atoi(cmd + 1) / 8;
		uint32_t off = offset_arg(argv[2], width);
		uint32_t v = (uint32_t)strtoul(argv[3], NULL, 0);

		if (width == 1)
			*(volatile uint8_t *)(bar + off) = (uint8_t)v;
		else if (width == 2)
			*(volatile uint16_t *)(bar + off) = (uint16_t)v;
		else
			*(volatile uint32_t *)(bar + off) = v;
		return 0;
	}
	if (!strcmp(cmd, "decide"))
		return cmd_decide(argc, argv);
	if (argc == 3 && !strcmp(cmd, "bench"))
		return cmd_bench(strtoul(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(cmd, "bench-decide"))
		return cmd_bench_decide(strtoul(argv[2], NULL, 0));
	die("unknown command %s (see cardtool --help)", cmd);
	return 1;
}
