/*
 * libFuzzer harness: vmkcli's argument parsing (examples/vmkcli/main.c,
 * its main renamed vmkcli_main by the build), from the global options down
 * the command tree to each command's options and the request they make.
 * The input is argv after the program name, words separated by NUL bytes
 * (as the kernel hands them over). The control socket is a path that does
 * not exist, so a request that parses is built, sent nowhere and refused;
 * --control is not given to it, so no input reaches a real vmknetd.
 *
 * Invariants checked: it returns one of its exit statuses (0, 1 refused,
 * 2 usage), never crashes, whatever the words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define MAX_WORDS 64

int vmkcli_main(int argc, char **argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char sock[256];

	(void)argc;
	(void)argv;
	snprintf(sock, sizeof(sock), "%s/no-vmknetd.sock", fuzz_tmpdir());
	setenv("VMKCLI_CONTROL", sock, 1);
	if (freopen("/dev/null", "w", stdout) == NULL)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 2];
	char *copy = malloc(size + 1);
	int argc = 0, ret;
	size_t off = 0;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = (char *)"vmkcli";
	while (off < size && argc <= MAX_WORDS) {
		char *w = copy + off;

		if (strncmp(w, "--control", 9) == 0)
			goto out;   /* would name a socket: a real daemon's, perhaps */
		argv[argc++] = w;
		off += strlen(w) + 1;
	}
	argv[argc] = NULL;
	ret = vmkcli_main(argc, argv);
	fflush(stdout);
	FUZZ_CHECK(ret == 0 || ret == 1 || ret == 2);
out:
	free(copy);
	return 0;
}
