// SPDX-License-Identifier: GPL-2.0
/*
 * nsload: the full-system guest's workload program (docs/SYSTEM.md). One static binary, one mode
 * per run, one JSON line of results on stdout.
 *
 *   nsload pipes [-g GROUPS] [-f FDS] [-l LOOPS]
 *       hackbench-like: GROUPS groups of FDS sender and FDS receiver processes; every sender
 *       writes LOOPS 100-byte messages into every receiver's pipe of its group. Reports the
 *       completion time from the start signal to the last receiver's exit.
 *   nsload msg [-m MESSAGE] [-w WORKERS] [-d SECONDS] [-u WORK_US] [-t THINK_US]
 *       schbench-like: MESSAGE message threads, each waking its WORKERS worker threads, which
 *       spin WORK_US and answer; the message thread then thinks THINK_US. Reports wakeup latency
 *       (message thread's wake -> worker running) and request latency (wake -> answer), p50,
 *       p99, p99.9 in microseconds.
 *   nsload timer [-p PERIOD_US] [-u WORK_US] [-d SECONDS] [-b BATCH]
 *       a timer-driven task (absolute clock_nanosleep every PERIOD_US, then WORK_US of work)
 *       next to BATCH spinning threads. A period is a deadline miss when its work ends after
 *       the next activation. Reports misses, lateness p50/p99/max and jitter, batch loops/s.
 *   nsload mixed [-i INTERACTIVE] [-b BATCH] [-d SECONDS]
 *       INTERACTIVE threads that sleep 1-4 ms (xorshift, seeded per thread) and do 100 us of
 *       work, next to BATCH spinners: interactive wakeup latency p50/p99 and batch loops/s.
 *   nsload batch [-b BATCH] [-d SECONDS]
 *       BATCH spinners only (background load); batch loops/s.
 *   nsload simmix -s SEED -i INTERACTIVE -b BATCH [-n BATCH_NICE] [-d SECONDS]
 *                 [-S MEAN,MIN,MAX] [-B MEAN,MIN,MAX] [-M M0,M1,... -R RATIO] [-L] [-P COUNT]
 *       the scheduling simulator's mixed workload (docs/EVAL.md), phase for phase: interactive
 *       thread k sleeps (relative timer) then runs a burst of thread CPU time, both drawn
 *       exponential with the given mean and clamped (ns; -S sleeps, -B bursts) from mulberry32
 *       seeded with the simulator's per-task seed of (SEED, k), exactly as
 *       codegen/eval/workload.ts draws them; BATCH spinners at nice BATCH_NICE. With -M (one
 *       mean per interactive thread, ns, as the simulator's doubles) thread k's bursts have mean
 *       Mk and its sleeps mean Mk * RATIO, in place of the MEANs of -B and -S: the simulator's
 *       hetero workload. Reports the
 *       interactive wakeup latency (timer expiry -> the thread running) p50/p90/p99/p99.9, batch
 *       loops/s and the CPU time per second of each class; -L adds every latency sample (ns),
 *       -P COUNT prints each interactive thread's first COUNT phases and exits without running.
 *
 * Exit codes: 0 ok, 1 a system call failed (the message names it), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG_SIZE 100
#define MAX_THREADS 256

struct options {
	long groups, fds, loops;
	long message, workers;
	long seconds;
	long work_us, think_us, period_us;
	long batch, interactive;
	long seed, batch_nice, print_phases;
	bool samples;
	uint64_t sleep_ns[3], burst_ns[3];	/* mean, min, max */
	double means[MAX_THREADS];	/* -M: each interactive thread's burst mean */
	long nmeans;
	double ratio;			/* -R: a thread's sleep mean over its burst mean */
};

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "nsload: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct timespec to_timespec(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };
	return ts;
}

/* One unit of batch work: a fixed amount of integer arithmetic. */
static uint32_t work_unit(uint32_t x)
{
	int i;

	for (i = 0; i < 1000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
	}
	return x;
}

/* Spin for about @us microseconds of CPU time (checked every work unit). */
static uint32_t spin_us(long us, uint32_t x)
{
	uint64_t end = now_ns() + (uint64_t)us * 1000u;

	do
		x = work_unit(x);
	while (now_ns() < end);
	return x;
}

/* ---- samples and percentiles ----------------------------------------------------------- */

struct samples {
	uint64_t *v;
	size_t n, cap;
	pthread_mutex_t lock;
};

static void samples_init(struct samples *s, size_t cap)
{
	s->v = calloc(cap, sizeof(*s->v));
	if (!s->v)
		die("calloc %zu samples", cap);
	s->n = 0;
	s->cap = cap;
	pthread_mutex_init(&s->lock, NULL);
}

static void samples_add(struct samples *s, uint64_t x)
{
	pthread_mutex_lock(&s->lock);
	if (s->n < s->cap)
		s->v[s->n++] = x;
	pthread_mutex_unlock(&s->lock);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile in microseconds (0 without samples). */
static double pct_us(struct samples *s, double p)
{
	size_t k;

	if (!s->n)
		return 0;
	k = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > s->n)
		k = s->n;
	return (double)s->v[k - 1] / 1000.0;
}

static void samples_sort(struct samples *s)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
}

static void print_latency(const char *name, struct samples *s)
{
	samples_sort(s);
	printf(",\"%s\":{\"n\":%zu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f}",
	       name, s->n, pct_us(s, 50), pct_us(s, 99), pct_us(s, 99.9), pct_us(s, 100));
}

/* ---- batch spinners -------------------------------------------------------------------- */

struct batch {
	pthread_t tid[MAX_THREADS];
	long n;
	volatile bool stop;
	uint64_t loops[MAX_THREADS];
	uint64_t t0, t1;
};

struct batch_arg {
	struct batch *b;
	long k;
};

static struct batch_arg batch_args[MAX_THREADS];

static void *batch_thread(void *arg)
{
	struct batch_arg *a = arg;
	uint32_t x = 2463534242u + (uint32_t)a->k;
	uint64_t loops = 0;

	while (!a->b->stop) {
		x = work_unit(x);
		loops++;
	}
	a->b->loops[a->k] = loops + (x == 0);
	return NULL;
}

static void batch_start(struct batch *b, long n)
{
	long k;

	memset(b, 0, sizeof(*b));
	b->n = n;
	b->t0 = now_ns();
	for (k = 0; k < n; k++) {
		batch_args[k].b = b;
		batch_args[k].k = k;
		errno = pthread_create(&b->tid[k], NULL, batch_thread, &batch_args[k]);
		if (errno)
			die("pthread_create (batch)");
	}
}

static double batch_stop(struct batch *b)
{
	uint64_t total = 0;
	long k;

	b->stop = true;
	for (k = 0; k < b->n; k++) {
		pthread_join(b->tid[k], NULL);
		total += b->loops[k];
	}
	b->t1 = now_ns();
	return b->n ? (double)total * 1e9 / (double)(b->t1 - b->t0) : 0;
}

/* ---- pipes: hackbench-like -------------------------------------------------------------- */

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write");
		p += n;
		len -= (size_t)n;
	}
}

/* The start barrier: ready[1] gets one byte per child; go[1] closes when all are ready. */
static int ready_pipe[2], go_pipe[2];

static void wait_for_start(void)
{
	char c = 1;

	close(ready_pipe[0]);
	close(go_pipe[1]);
	write_all(ready_pipe[1], &c, 1);
	if (read(go_pipe[0], &c, 1) < 0)
		die("read (start)");
}

static void receiver(int in, long messages)
{
	char buf[MSG_SIZE];
	long got = 0;

	wait_for_start();
	while (got < messages * MSG_SIZE) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read (receiver)");
		got += n;
	}
	_exit(0);
}

static void sender(const int *outs, long fds, long loops)
{
	char msg[MSG_SIZE] = { 0 };
	long i, j;

	wait_for_start();
	for (i = 0; i < loops; i++)
		for (j = 0; j < fds; j++)
			write_all(outs[j], msg, sizeof(msg));
	_exit(0);
}

static pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	return pid;
}

/* One group: FDS receivers with a pipe each, FDS senders writing to all of them. */
static long start_group(const struct options *o)
{
	int outs[MAX_THREADS], fds[2];
	long j, children = 0;

	for (j = 0; j < o->fds; j++) {
		if (pipe(fds))
			die("pipe");
		if (spawn() == 0) {
			close(fds[1]);
			receiver(fds[0], o->fds * o->loops);
		}
		children++;
		close(fds[0]);
		outs[j] = fds[1];
	}
	for (j = 0; j < o->fds; j++) {
		if (spawn() == 0)
			sender(outs, o->fds, o->loops);
		children++;
	}
	for (j = 0; j < o->fds; j++)
		close(outs[j]);
	return children;
}

static int run_pipes(const struct options *o)
{
	long g, children = 0, k;
	uint64_t t0, t1;
	char c;
	int status, failed = 0;

	if (o->fds > MAX_THREADS)
		die("-f %ld is above %d", o->fds, MAX_THREADS);
	if (pipe(ready_pipe) || pipe(go_pipe))
		die("pipe");
	for (g = 0; g < o->groups; g++)
		children += start_group(o);
	close(ready_pipe[1]);
	close(go_pipe[0]);
	for (k = 0; k < children; k++)
		if (read(ready_pipe[0], &c, 1) != 1)
			die("read (ready)");
	t0 = now_ns();
	close(go_pipe[1]);	/* every child's read returns: start */
	for (k = 0; k < children; k++) {
		if (wait(&status) < 0)
			die("wait");
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	t1 = now_ns();
	printf("{\"workload\":\"pipes\",\"groups\":%ld,\"fds\":%ld,\"loops\":%ld,\"messages\":%ld,\"seconds\":%.4f,\"failed\":%d}\n",
	       o->groups, o->fds, o->loops, o->groups * o->fds * o->fds * o->loops,
	       (double)(t1 - t0) / 1e9, failed);
	return failed ? 1 : 0;
}

/* ---- msg: schbench-like ----------------------------------------------------------------- */

struct worker {
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pending;
	uint64_t posted;
	struct mthread *m;
};

struct mthread {
	pthread_t tid;
	struct worker w[MAX_THREADS];
	long nw;
	pthread_mutex_t lock;
	pthread_cond_t done;
	long answered;
	long requests;
};

static volatile bool msg_stop;
static struct samples wake_lat, req_lat;
static const struct options *msg_opts;

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	struct mthread *m = w->m;
	uint32_t x = 88172645u;

	for (;;) {
		uint64_t posted, woke;

		pthread_mutex_lock(&w->lock);
		while (!w->pending && !msg_stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->pending) {
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		w->pending = false;
		posted = w->posted;
		pthread_mutex_unlock(&w->lock);
		woke = now_ns();
		x = spin_us(msg_opts->work_us, x);
		samples_add(&wake_lat, woke - posted);
		samples_add(&req_lat, now_ns() - posted + (x == 0));
		pthread_mutex_lock(&m->lock);
		m->answered++;
		pthread_cond_signal(&m->done);
		pthread_mutex_unlock(&m->lock);
	}
}

static void *message_thread(void *arg)
{
	struct mthread *m = arg;
	struct timespec think = to_timespec((uint64_t)msg_opts->think_us * 1000u);
	long k;

	while (!msg_stop) {
		pthread_mutex_lock(&m->lock);
		m->answered = 0;
		pthread_mutex_unlock(&m->lock);
		for (k = 0; k < m->nw; k++) {
			struct worker *w = &m->w[k];

			pthread_mutex_lock(&w->lock);
			w->posted = now_ns();
			w->pending = true;
			pthread_cond_signal(&w->cond);
			pthread_mutex_unlock(&w->lock);
		}
		pthread_mutex_lock(&m->lock);
		while (m->answered < m->nw)
			pthread_cond_wait(&m->done, &m->lock);
		pthread_mutex_unlock(&m->lock);
		m->requests += m->nw;
		nanosleep(&think, NULL);
	}
	return NULL;
}

static void stop_workers(struct mthread *m)
{
	long k;

	for (k = 0; k < m->nw; k++) {
		pthread_mutex_lock(&m->w[k].lock);
		pthread_cond_signal(&m->w[k].cond);
		pthread_mutex_unlock(&m->w[k].lock);
	}
	for (k = 0; k < m->nw; k++)
		pthread_join(m->w[k].tid, NULL);
}

static int run_msg(const struct options *o)
{
	static struct mthread ms[16];
	long i, k, requests = 0;
	struct timespec d = to_timespec((uint64_t)o->seconds * 1000000000ull);
	uint64_t t0, t1;

	if (o->message > 16 || o->workers > MAX_THREADS)
		die("-m %ld / -w %ld above 16 / %d", o->message, o->workers, MAX_THREADS);
	msg_opts = o;
	samples_init(&wake_lat, 1 << 20);
	samples_init(&req_lat, 1 << 20);
	for (i = 0; i < o->message; i++) {
		struct mthread *m = &ms[i];

		m->nw = o->workers;
		pthread_mutex_init(&m->lock, NULL);
		pthread_cond_init(&m->done, NULL);
		for (k = 0; k < m->nw; k++) {
			struct worker *w = &m->w[k];

			w->m = m;
			pthread_mutex_init(&w->lock, NULL);
			pthread_cond_init(&w->cond, NULL);
			errno = pthread_create(&w->tid, NULL, worker_thread, w);
			if (errno)
				die("pthread_create (worker)");
		}
	}
	t0 = now_ns();
	for (i = 0; i < o->message; i++) {
		errno = pthread_create(&ms[i].tid, NULL, message_thread, &ms[i]);
		if (errno)
			die("pthread_create (message)");
	}
	nanosleep(&d, NULL);
	msg_stop = true;
	for (i = 0; i < o->message; i++) {
		pthread_join(ms[i].tid, NULL);
		stop_workers(&ms[i]);
		requests += ms[i].requests;
	}
	t1 = now_ns();
	printf("{\"workload\":\"msg\",\"message\":%ld,\"workers\":%ld,\"work_us\":%ld,\"think_us\":%ld,\"seconds\":%.3f,\"requests\":%ld,\"requests_per_s\":%.1f",
	       o->message, o->workers, o->work_us, o->think_us, (double)(t1 - t0) / 1e9,
	       requests, (double)requests * 1e9 / (double)(t1 - t0));
	print_latency("wakeup", &wake_lat);
	print_latency("request", &req_lat);
	printf("}\n");
	return 0;
}

/* ---- timer: deadlines under batch load -------------------------------------------------- */

static int run_timer(const struct options *o)
{
	struct samples late;
	struct batch b;
	uint64_t period = (uint64_t)o->period_us * 1000u, next, end, done;
	uint64_t sum = 0, sum2 = 0;
	long periods = 0, misses = 0;
	uint32_t x = 1;
	double mean, var, loops;

	if (o->batch > MAX_THREADS)
		die("-b %ld above %d", o->batch, MAX_THREADS);
	samples_init(&late, (size_t)(o->seconds * 1000000 / o->period_us + 16));
	batch_start(&b, o->batch);
	next = now_ns() + period;
	end = next + (uint64_t)o->seconds * 1000000000ull;
	while (next < end) {
		struct timespec ts = to_timespec(next);
		uint64_t woke, l;

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		woke = now_ns();
		l = woke > next ? woke - next : 0;
		samples_add(&late, l);
		sum += l / 1000;
		sum2 += (l / 1000) * (l / 1000);
		x = spin_us(o->work_us, x);
		done = now_ns();
		periods++;
		if (done > next + period)
			misses++;
		/* the next activation on the grid; periods missed entirely count as misses too */
		next += period;
		while (next + period < done && next < end) {
			next += period;
			periods++;
			misses++;
		}
	}
	loops = batch_stop(&b);
	mean = late.n ? (double)sum / (double)late.n : 0;
	var = late.n ? (double)sum2 / (double)late.n - mean * mean : 0;
	samples_sort(&late);
	printf("{\"workload\":\"timer\",\"period_us\":%ld,\"work_us\":%ld,\"batch\":%ld,\"seconds\":%ld,\"periods\":%ld,\"misses\":%ld,\"lateness_p50_us\":%.1f,\"lateness_p99_us\":%.1f,\"lateness_max_us\":%.1f,\"jitter_us\":%.1f,\"batch_loops_per_s\":%.0f,\"check\":%u}\n",
	       o->period_us, o->work_us, o->batch, o->seconds, periods, misses,
	       pct_us(&late, 50), pct_us(&late, 99), pct_us(&late, 100),
	       var > 0 ? sqrt(var) : 0.0, loops, x & 1);
	return 0;
}

/* ---- mixed: interactive and batch ------------------------------------------------------- */

static volatile bool mixed_stop;
static struct samples mixed_lat;
static long mixed_wakeups[MAX_THREADS];

static void *interactive_thread(void *arg)
{
	long k = (long)(intptr_t)arg;
	uint32_t seed = 2166136261u ^ (uint32_t)(k * 16777619u), x = 7;

	while (!mixed_stop) {
		uint64_t sleep_ns, want, woke;
		struct timespec ts;

		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		sleep_ns = 1000000ull + seed % 3000000ull;
		want = now_ns() + sleep_ns;
		ts = to_timespec(want);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		woke = now_ns();
		samples_add(&mixed_lat, woke > want ? woke - want : 0);
		mixed_wakeups[k]++;
		x = spin_us(100, x);
	}
	return (void *)(uintptr_t)(x & 1);
}

static int run_mixed(const struct options *o)
{
	pthread_t tid[MAX_THREADS];
	struct timespec d = to_timespec((uint64_t)o->seconds * 1000000000ull);
	struct batch b;
	long k, wakeups = 0;
	double loops;

	if (o->interactive > MAX_THREADS || o->batch > MAX_THREADS)
		die("-i %ld / -b %ld above %d", o->interactive, o->batch, MAX_THREADS);
	samples_init(&mixed_lat, 1 << 20);
	batch_start(&b, o->batch);
	for (k = 0; k < o->interactive; k++) {
		errno = pthread_create(&tid[k], NULL, interactive_thread, (void *)(intptr_t)k);
		if (errno)
			die("pthread_create (interactive)");
	}
	nanosleep(&d, NULL);
	mixed_stop = true;
	for (k = 0; k < o->interactive; k++) {
		pthread_join(tid[k], NULL);
		wakeups += mixed_wakeups[k];
	}
	loops = batch_stop(&b);
	printf("{\"workload\":\"mixed\",\"interactive\":%ld,\"batch\":%ld,\"seconds\":%ld,\"wakeups\":%ld",
	       o->interactive, o->batch, o->seconds, wakeups);
	print_latency("wakeup", &mixed_lat);
	printf(",\"batch_loops_per_s\":%.0f}\n", loops);
	return 0;
}

static int run_batch(const struct options *o)
{
	struct timespec d = to_timespec((uint64_t)o->seconds * 1000000000ull);
	struct batch b;
	double loops;

	if (o->batch > MAX_THREADS)
		die("-b %ld above %d", o->batch, MAX_THREADS);
	batch_start(&b, o->batch);
	nanosleep(&d, NULL);
	loops = batch_stop(&b);
	printf("{\"workload\":\"batch\",\"batch\":%ld,\"seconds\":%ld,\"batch_loops_per_s\":%.0f}\n",
	       o->batch, o->seconds, loops);
	return 0;
}

/* ---- simmix: the simulator's mixed workload ---------------------------------------------- */

/*
 * The simulator's seeded draws (codegen/eval/workload.ts), in 32-bit unsigned arithmetic. Its
 * taskSeed() multiplies in doubles before truncating to 32 bits, which equals the wrapping
 * product while seed * 0x9e3779b1 stays below 2^53: seeds are limited to [0, 2^20].
 */
static uint32_t task_seed(uint32_t seed, uint32_t index)
{
	uint32_t z = seed * 0x9e3779b1u + index * 0x85ebca6bu + 0x27d4eb2fu;

	z = (z ^ (z >> 16)) * 0x7feb352du;
	z = (z ^ (z >> 15)) * 0x846ca68bu;
	return z ^ (z >> 16);
}

/* mulberry32, as rng() there: a uniform double in [0, 1). */
static double mulberry32(uint32_t *a)
{
	uint32_t t;

	*a += 0x6d2b79f5u;
	t = *a;
	t = (t ^ (t >> 15)) * (t | 1u);
	t ^= t + (t ^ (t >> 7)) * (t | 61u);
	return (double)(t ^ (t >> 14)) / 4294967296.0;
}

/* expClamped(): exponential with the mean, clamped to [m[1], m[2]], rounded to whole ns. */
static uint64_t exp_clamped(uint32_t *a, double mean, const uint64_t m[3])
{
	double x = -mean * log(1.0 - mulberry32(a));

	if (x < (double)m[1])
		x = (double)m[1];
	if (x > (double)m[2])
		x = (double)m[2];
	return (uint64_t)floor(x + 0.5);
}

/* Interactive thread k's sleep and burst means: -S and -B, or -M and -R (hetero). */
static double sleep_mean(const struct options *o, long k)
{
	return o->nmeans ? o->means[k] * o->ratio : (double)o->sleep_ns[0];
}

static double burst_mean(const struct options *o, long k)
{
	return o->nmeans ? o->means[k] : (double)o->burst_ns[0];
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Burn @ns of this thread's CPU time (what the simulator's run phase is). */
static uint32_t burn_cpu_ns(uint64_t ns, uint32_t x)
{
	uint64_t end = thread_cpu_ns() + ns;

	do
		x = work_unit(x);
	while (thread_cpu_ns() < end);
	return x;
}

static const struct options *simmix_opts;
static volatile bool simmix_stop;
static struct samples simmix_lat;
static uint64_t simmix_cpu_ns[MAX_THREADS];

static void *simmix_interactive(void *arg)
{
	long k = (long)(intptr_t)arg;
	uint32_t a = task_seed((uint32_t)simmix_opts->seed, (uint32_t)k), x = 7;

	/* the simulator's timers fire at their expiry: no slack */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	while (!simmix_stop) {
		uint64_t sleep = exp_clamped(&a, sleep_mean(simmix_opts, k), simmix_opts->sleep_ns);
		uint64_t want = now_ns() + sleep, woke, burst;
		struct timespec ts = to_timespec(want);

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		woke = now_ns();
		if (simmix_stop)
			break;
		samples_add(&simmix_lat, woke > want ? woke - want : 0);
		burst = exp_clamped(&a, burst_mean(simmix_opts, k), simmix_opts->burst_ns);
		x = burn_cpu_ns(burst, x);
	}
	simmix_cpu_ns[k] = thread_cpu_ns();
	return (void *)(uintptr_t)(x & 1);
}

static uint64_t batch_cpu_ns[MAX_THREADS];

static void *simmix_batch(void *arg)
{
	struct batch_arg *a = arg;
	uint32_t x = 2463534242u + (uint32_t)a->k;
	uint64_t loops = 0;

	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), (int)simmix_opts->batch_nice))
		die("setpriority %ld", simmix_opts->batch_nice);
	while (!a->b->stop) {
		x = work_unit(x);
		loops++;
	}
	a->b->loops[a->k] = loops + (x == 0);
	batch_cpu_ns[a->k] = thread_cpu_ns();
	return NULL;
}

static void print_phases(const struct options *o)
{
	long k, j;

	for (k = 0; k < o->interactive; k++) {
		uint32_t a = task_seed((uint32_t)o->seed, (uint32_t)k);

		printf("%ld", k);
		for (j = 0; j < o->print_phases; j++) {
			uint64_t sleep = exp_clamped(&a, sleep_mean(o, k), o->sleep_ns);

			printf(" sleep:%llu run:%llu", (unsigned long long)sleep,
			       (unsigned long long)exp_clamped(&a, burst_mean(o, k), o->burst_ns));
		}
		printf("\n");
	}
}

static int run_simmix(const struct options *o)
{
	pthread_t tid[MAX_THREADS];
	struct timespec d = to_timespec((uint64_t)o->seconds * 1000000000ull);
	struct batch b;
	uint64_t t0, t1, inter_cpu = 0, batch_cpu = 0, total = 0;
	long k;
	size_t i;

	if (o->interactive > MAX_THREADS || o->batch > MAX_THREADS)
		die("-i %ld / -b %ld above %d", o->interactive, o->batch, MAX_THREADS);
	if (o->print_phases) {
		print_phases(o);
		return 0;
	}
	simmix_opts = o;
	samples_init(&simmix_lat, 1 << 20);
	memset(&b, 0, sizeof(b));
	b.n = o->batch;
	t0 = now_ns();
	for (k = 0; k < o->batch; k++) {
		batch_args[k].b = &b;
		batch_args[k].k = k;
		errno = pthread_create(&b.tid[k], NULL, simmix_batch, &batch_args[k]);
		if (errno)
			die("pthread_create (batch)");
	}
	for (k = 0; k < o->interactive; k++) {
		errno = pthread_create(&tid[k], NULL, simmix_interactive, (void *)(intptr_t)k);
		if (errno)
			die("pthread_create (interactive)");
	}
	nanosleep(&d, NULL);
	simmix_stop = true;
	b.stop = true;
	for (k = 0; k < o->interactive; k++) {
		pthread_join(tid[k], NULL);
		inter_cpu += simmix_cpu_ns[k];
	}
	for (k = 0; k < o->batch; k++) {
		pthread_join(b.tid[k], NULL);
		total += b.loops[k];
		batch_cpu += batch_cpu_ns[k];
	}
	t1 = now_ns();
	samples_sort(&simmix_lat);
	printf("{\"workload\":\"simmix\",\"seed\":%ld,\"interactive\":%ld,\"batch\":%ld,\"batch_nice\":%ld,\"seconds\":%.3f,\"wakeups\":%zu",
	       o->seed, o->interactive, o->batch, o->batch_nice, (double)(t1 - t0) / 1e9,
	       simmix_lat.n);
	printf(",\"wakeup\":{\"n\":%zu,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f}",
	       simmix_lat.n, pct_us(&simmix_lat, 50), pct_us(&simmix_lat, 90),
	       pct_us(&simmix_lat, 99), pct_us(&simmix_lat, 99.9), pct_us(&simmix_lat, 100));
	printf(",\"batch_loops_per_s\":%.0f,\"batch_cpu_ms_per_s\":%.1f,\"interactive_cpu_ms_per_s\":%.1f",
	       (double)total * 1e9 / (double)(t1 - t0), (double)batch_cpu * 1e3 / (double)(t1 - t0),
	       (double)inter_cpu * 1e3 / (double)(t1 - t0));
	if (o->samples) {
		printf(",\"samples_ns\":[");
		for (i = 0; i < simmix_lat.n; i++)
			printf("%s%llu", i ? "," : "", (unsigned long long)simmix_lat.v[i]);
		printf("]");
	}
	printf("}\n");
	return 0;
}

/* ---- command line ----------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr,
		"usage: nsload pipes [-g GROUPS] [-f FDS] [-l LOOPS]\n"
		"       nsload msg [-m MESSAGE] [-w WORKERS] [-d SECONDS] [-u WORK_US] [-t THINK_US]\n"
		"       nsload timer [-p PERIOD_US] [-u WORK_US] [-d SECONDS] [-b BATCH]\n"
		"       nsload mixed [-i INTERACTIVE] [-b BATCH] [-d SECONDS]\n"
		"       nsload batch [-b BATCH] [-d SECONDS]\n"
		"       nsload simmix -s SEED -i INTERACTIVE -b BATCH [-n BATCH_NICE] [-d SECONDS]\n"
		"                     [-S MEAN,MIN,MAX] [-B MEAN,MIN,MAX] [-M M0,M1,... -R RATIO]\n"
		"                     [-L] [-P COUNT]   (ns)\n");
	return 2;
}

static bool number(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* MEAN,MIN,MAX in ns, with 0 < MIN <= MAX, MEAN > 0 and MAX at most an hour. */
static bool triple(const char *s, uint64_t out[3])
{
	unsigned long long v[3];
	char tail;

	if (sscanf(s, "%llu,%llu,%llu%c", &v[0], &v[1], &v[2], &tail) != 3)
		return false;
	if (!v[0] || !v[1] || v[1] > v[2] || v[2] > 3600000000000ull)
		return false;
	out[0] = v[0];
	out[1] = v[1];
	out[2] = v[2];
	return true;
}

/* M0,M1,...: up to MAX_THREADS means in ns, each in (0, an hour], read as the doubles they print. */
static bool means(const char *s, struct options *o)
{
	char *end;

	o->nmeans = 0;
	for (;;) {
		double v;

		errno = 0;
		v = strtod(s, &end);
		if (errno || end == s || !(v > 0) || v > 3.6e12 || o->nmeans == MAX_THREADS)
			return false;
		o->means[o->nmeans++] = v;
		if (!*end)
			return true;
		if (*end != ',')
			return false;
		s = end + 1;
	}
}

/* RATIO: a positive number of at most 1000. */
static bool ratio(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1000)
		return false;
	*out = v;
	return true;
}

static bool parse(int argc, char **argv, struct options *o)
{
	int opt;

	*o = (struct options){ .groups = 4, .fds = 5, .loops = 50, .message = 2, .workers = 4,
			       .seconds = 2, .work_us = 50, .think_us = 1000, .period_us = 4000,
			       .batch = 2, .interactive = 4,
			       .sleep_ns = { 8000000, 500000, 50000000 },
			       .burst_ns = { 500000, 50000, 5000000 } };
	while ((opt = getopt(argc, argv, "g:f:l:m:w:d:u:t:p:b:i:s:n:S:B:M:R:LP:")) != -1) {
		bool ok;

		switch (opt) {
		case 'g': ok = number(optarg, 1, 64, &o->groups); break;
		case 'f': ok = number(optarg, 1, MAX_THREADS, &o->fds); break;
		case 'l': ok = number(optarg, 1, 1000000, &o->loops); break;
		case 'm': ok = number(optarg, 1, 16, &o->message); break;
		case 'w': ok = number(optarg, 1, MAX_THREADS, &o->workers); break;
		case 'd': ok = number(optarg, 1, 3600, &o->seconds); break;
		case 'u': ok = number(optarg, 0, 1000000, &o->work_us); break;
		case 't': ok = number(optarg, 0, 10000000, &o->think_us); break;
		case 'p': ok = number(optarg, 100, 10000000, &o->period_us); break;
		case 'b': ok = number(optarg, 0, MAX_THREADS, &o->batch); break;
		case 'i': ok = number(optarg, 1, MAX_THREADS, &o->interactive); break;
		case 's': ok = number(optarg, 0, 1 << 20, &o->seed); break;
		case 'n': ok = number(optarg, -20, 19, &o->batch_nice); break;
		case 'S': ok = triple(optarg, o->sleep_ns); break;
		case 'B': ok = triple(optarg, o->burst_ns); break;
		case 'M': ok = means(optarg, o); break;
		case 'R': ok = ratio(optarg, &o->ratio); break;
		case 'L': ok = true; o->samples = true; break;
		case 'P': ok = number(optarg, 1, 100000, &o->print_phases); break;
		default: ok = false; break;
		}
		if (!ok) {
			fprintf(stderr, "nsload: bad value for -%c: %s\n", opt, optarg ? optarg : "");
			return false;
		}
	}
	if (o->nmeans && (o->nmeans != o->interactive || !o->ratio)) {
		fprintf(stderr, "nsload: -M needs one mean per interactive thread (-i) and -R\n");
		return false;
	}
	return optind == argc;
}

int main(int argc, char **argv)
{
	struct options o;
	const char *mode;

	if (argc < 2)
		return usage();
	mode = argv[1];
	if (!parse(argc - 1, argv + 1, &o))
		return usage();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "pipes"))
		return run_pipes(&o);
	if (!strcmp(mode, "msg"))
		return run_msg(&o);
	if (!strcmp(mode, "timer"))
		return run_timer(&o);
	if (!strcmp(mode, "mixed"))
		return run_mixed(&o);
	if (!strcmp(mode, "batch"))
		return run_batch(&o);
	if (!strcmp(mode, "simmix"))
		return run_simmix(&o);
	return usage();
}
