/*
 * vmknetd's crash report: on SIGSEGV, SIGBUS, SIGFPE, SIGILL or SIGABRT
 * the daemon writes to stderr (its log) the signal, the faulting address,
 * the lcore, and a backtrace (glibc's, module+offset per frame, for
 * addr2line -e on the same build), then dies of the same signal, so its
 * exit status and any core dump are what they would have been. An
 * operator's bug report, and a CI log, then say where it crashed even
 * where no core is kept. Sanitizer builds keep the sanitizer's own report
 * (nothing is installed there).
 */
#define _GNU_SOURCE                     /* sigabbrev_np */
#include <execinfo.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "vmknetd/vmknetd.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CRASH_REPORT 0
#else
#define CRASH_REPORT 1
#endif

#define CRASH_FRAMES 64

static char alt_stack[64 * 1024];     /* a stack overflow still gets a report */

static void put(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r;
}

/* v in hex into buf (async-signal-safe; no printf here). */
static const char *hex(uintptr_t v, char *buf, size_t n)
{
	char *p = buf + n - 1;

	*p = '\0';
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v != 0 && p > buf + 2);
	*--p = 'x';
	*--p = '0';
	return p;
}

static const char *dec(unsigned long v, char *buf, size_t n)
{
	char *p = buf + n - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && p > buf);
	return p;
}

static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	void *frames[CRASH_FRAMES];
	char b1[24], b2[24], b3[24];
	int n;

	(void)uc;
	put("vmknetd: fatal signal ");
	put(dec((unsigned long)sig, b1, sizeof(b1)));
	put(" (");
	put(sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?");
	put("), address ");
	put(hex((uintptr_t)si->si_addr, b2, sizeof(b2)));
	put(", lcore ");
	put(rte_lcore_id() == LCORE_ID_ANY ? "none" : dec(rte_lcore_id(), b3, sizeof(b3)));
	put("; backtrace:\n");
	n = backtrace(frames, CRASH_FRAMES);
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	signal(sig, SIG_DFL);
	raise(sig);
}

void vmknetd_crash_report_install(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;
	stack_t ss;
	void *warm[1];

	if (!CRASH_REPORT)
		return;
	backtrace(warm, 1);             /* loads libgcc's unwinder now, not in the handler */
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = alt_stack;
	ss.ss_size = sizeof(alt_stack);
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}
