/*
 * c2c-latency: how long a cache line takes to go from one core to another
 * and back, now. Two threads pinned to cores A and B bounce a counter in
 * one cache line; the round trip is the time per exchange. PVP moves about
 * four guest-written cache lines per frame between the guests' core and the
 * switch's, so bench/run_pvp.sh runs this before each round: on a VM whose
 * vCPUs the host places as it likes, the number says what the round had.
 *
 *   c2c-latency [CORE_A CORE_B [ROUND_TRIPS]]     (default 0 1 200000)
 *
 * Prints one JSON line: {"tool":"c2c-latency","rtt_ns":...}. Exit 1 on
 * errors, 2 on usage.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static struct {
	volatile uint64_t v;
	char pad[56];
} line __attribute__((aligned(64)));

static uint64_t trips;

static int pin(int core)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The far side (pinned at creation): answers every odd value with the
 * next even one. */
static void *echo(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < trips; i++) {
		while (line.v != 2 * i + 1)
			__builtin_ia32_pause();
		line.v = 2 * i + 2;
	}
	return NULL;
}

static int parse(const char *s, long min, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	long a = 0, b = 1, n = 200000;
	struct timespec t0, t1;
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t th;

	if ((argc != 1 && argc != 3 && argc != 4) ||
	    (argc >= 3 && (parse(argv[1], 0, CPU_SETSIZE - 1, &a) != 0 ||
			   parse(argv[2], 0, CPU_SETSIZE - 1, &b) != 0 || a == b)) ||
	    (argc == 4 && parse(argv[3], 1, 100000000, &n) != 0)) {
		fprintf(stderr, "usage: c2c-latency [CORE_A CORE_B [ROUND_TRIPS]]\n");
		return 2;
	}
	trips = (uint64_t)n;
	CPU_ZERO(&set);
	CPU_SET((int)b, &set);
	if (pin((int)a) != 0 || pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setaffinity_np(&attr, sizeof(set), &set) != 0 ||
	    pthread_create(&th, &attr, echo, NULL) != 0) {
		fprintf(stderr, "c2c-latency: cannot run on cores %ld and %ld\n", a, b);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = 0; i < trips; i++) {
		line.v = 2 * i + 1;
		while (line.v != 2 * i + 2)
			__builtin_ia32_pause();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(th, NULL);
	pthread_attr_destroy(&attr);
	printf("{\"tool\":\"c2c-latency\",\"rtt_ns\":%.1f}\n",
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
	       (double)trips);
	return 0;
}
