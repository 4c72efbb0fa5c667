// SPDX-License-Identifier: GPL-2.0
/*
 * nicschedctl: bring-up tool for /dev/nicsched<N> (driver/uapi/nicsched.h).
 *
 *   nicschedctl [-d DEV] info
 *   nicschedctl [-d DEV] counters
 *   nicschedctl [-d DEV] reload FILE.words
 *
 * A .words file comes from `nicsched reload-plan RUNNING NEW --words FILE`: policy hash, shape
 * hash, word count, then the words of the weights block, whitespace-separated numbers (hex with
 * 0x or decimal). reload checks the file against NICSCHED_IOC_INFO before it asks the driver,
 * which checks again and then writes the shadow bank, SHADOW_HASH and COMMIT.
 *
 * Exit codes: 0 ok, 1 bad input or a refusal by the driver, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../uapi/nicsched.h"

#define MAX_WORDS 0x100000u

struct words_file {
	__u32 policy_hash;
	__u32 shape_hash;
	__u32 count;
	__u32 *words;
};

static int print_usage(void)
{
	fprintf(stderr, "nicschedctl [-d /dev/nicsched0] info | counters | reload FILE.words\n");
	return 2;
}

/* One number of a .words file; the position (1-based) names it in errors. */
static int read_number(FILE *f, const char *path, unsigned long n, __u32 *out)
{
	char tok[32];
	char *end;
	unsigned long long v;

	if (fscanf(f, "%31s", tok) != 1) {
		fprintf(stderr, "%s: number %lu: missing, the file ends early\n", path, n);
		fprintf(stderr, "fix: regenerate it with `nicsched reload-plan --words`\n");
		return -1;
	}
	errno = 0;
	v = strtoull(tok, &end, 0);
	if (errno || *end || v > 0xffffffffull) {
		fprintf(stderr, "%s: number %lu: \"%s\" is not a 32-bit number\n", path, n, tok);
		return -1;
	}
	*out = (__u32)v;
	return 0;
}

static int load_words(const char *path, struct words_file *w)
{
	FILE *f = fopen(path, "r");
	__u32 i;
	char extra[2];
	int ret = -1;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (read_number(f, path, 1, &w->policy_hash) ||
	    read_number(f, path, 2, &w->shape_hash) ||
	    read_number(f, path, 3, &w->count))
		goto out;
	if (!w->count || w->count > MAX_WORDS) {
		fprintf(stderr, "%s: number 3: word count %u is outside 1..%u\n",
			path, w->count, MAX_WORDS);
		goto out;
	}
	w->words = calloc(w->count, sizeof(*w->words));
	if (!w->words) {
		fprintf(stderr, "%s: out of memory\n", path);
		goto out;
	}
	for (i = 0; i < w->count; i++)
		if (read_number(f, path, 4ul + i, &w->words[i]))
			goto out;
	if (fscanf(f, "%1s", extra) == 1) {
		fprintf(stderr, "%s: more numbers than the word count %u\n", path, w->count);
		goto out;
	}
	ret = 0;
out:
	fclose(f);
	return ret;
}

static int get_info(int fd, const char *dev, struct nicsched_ioc_info *info)
{
	if (ioctl(fd, NICSCHED_IOC_INFO, info) == 0)
		return 0;
	fprintf(stderr, "%s: NICSCHED_IOC_INFO: %s (not a nicsched device?)\n",
		dev, strerror(errno));
	return -1;
}

static int cmd_info(int fd, const char *dev)
{
	struct nicsched_ioc_info info;

	if (get_info(fd, dev, &info))
		return 1;
	printf("id 0x%08x\nversion 0x%08x\n", info.id, info.version);
	printf("policy_hash 0x%08x\nshape_hash 0x%08x\n", info.policy_hash, info.shape_hash);
	printf("caps 0x%08x\ntiming 0x%08x\nindex %u\nstate %u\n",
	       info.caps, info.timing, info.index, info.state);
	printf("inputs %u\noutputs %u\nslots %u\nweights_words %u\n",
	       info.inputs, info.outputs, info.slots, info.weights_words);
	return 0;
}

static int cmd_counters(int fd, const char *dev)
{
	struct nicsched_ioc_counters c;

	if (ioctl(fd, NICSCHED_IOC_COUNTERS, &c)) {
		fprintf(stderr, "%s: NICSCHED_IOC_COUNTERS: %s\n", dev, strerror(errno));
		return 1;
	}
	printf("submitted %llu\ncompleted %llu\ndropped %llu\n",
	       (unsigned long long)c.submitted, (unsigned long long)c.completed,
	       (unsigned long long)c.dropped);
	printf("errors %llu\ntimeouts %llu\nsurprise_removals %llu\n",
	       (unsigned long long)c.errors, (unsigned long long)c.timeouts,
	       (unsigned long long)c.surprise_removals);
	printf("hw_inferences %u\nhw_lat_last %u\nhw_lat_max %u\n",
	       c.hw_inferences, c.hw_lat_last, c.hw_lat_max);
	printf("hw_errors %u\nhw_reloads %u\nhw_policy_hash 0x%08x\n",
	       c.hw_errors, c.hw_reloads, c.hw_policy_hash);
	return 0;
}

static int cmd_reload(int fd, const char *dev, const char *path)
{
	struct nicsched_ioc_info info;
	struct nicsched_ioc_reload req;
	struct words_file w = { 0 };
	int ret = 1;

	if (load_words(path, &w) || get_info(fd, dev, &info))
		goto out;
	if (w.shape_hash != info.shape_hash || w.count != info.weights_words) {
		fprintf(stderr, "%s: shape 0x%08x, %u words; %s: shape 0x%08x, %u words\n",
			path, w.shape_hash, w.count, dev, info.shape_hash, info.weights_words);
		fprintf(stderr, "these weights need another bitstream\n");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.policy_hash = w.policy_hash;
	req.shape_hash = w.shape_hash;
	req.words = w.count;
	req.data = (__u64)(unsigned long)w.words;
	if (ioctl(fd, NICSCHED_IOC_RELOAD, &req)) {
		fprintf(stderr, "%s: NICSCHED_IOC_RELOAD: %s (see dmesg)\n",
			dev, strerror(errno));
		goto out;
	}
	printf("reloaded: policy 0x%08x -> 0x%08x (reload %u)\n",
	       info.policy_hash, w.policy_hash, req.reloads);
	ret = 0;
out:
	free(w.words);
	return ret;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/nicsched0";
	int fd, ret, opt;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			return print_usage();
		dev = optarg;
	}
	if (optind >= argc)
		return print_usage();
	if (!strcmp(argv[optind], "reload") && optind + 2 != argc)
		return print_usage();
	if (strcmp(argv[optind], "reload") && optind + 1 != argc)
		return print_usage();
	if (strcmp(argv[optind], "info") && strcmp(argv[optind], "counters") &&
	    strcmp(argv[optind], "reload"))
		return print_usage();

	fd = open(dev, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "%s: %s (is nicsched.ko loaded? root?)\n", dev, strerror(errno));
		return 1;
	}
	if (!strcmp(argv[optind], "info"))
		ret = cmd_info(fd, dev);
	else if (!strcmp(argv[optind], "counters"))
		ret = cmd_counters(fd, dev);
	else
		ret = cmd_reload(fd, dev, argv[optind + 1]);
	close(fd);
	return ret;
}
