/*
 * The calling thread's reason for its last failed call (common/error.h).
 * The thread-local buffer below is the one per-thread piece of state the
 * error convention allows: every layer writes it through vmk_err(), the
 * public API reads it through vmk_last_error() and vmk_ip_last_error().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vmknet/error.h>

#include "common/error.h"


/* The calling thread's reason: written by vmk_err_set/vmk_err_prefix,
 * cleared by vmk_err_clear, read by vmk_err_text and vmk_last_error. */
static __thread char err_text[VMK_ERR_TEXT_MAX];

void vmk_err_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_text, sizeof(err_text), fmt, ap);
	va_end(ap);
}

int vmk_err_prefix(int rc, const char *fmt, ...)
{
	char old[VMK_ERR_TEXT_MAX];
	va_list ap;
	int n;

	if (err_text[0] != '\0')
		memcpy(old, err_text, sizeof(old));
	else if (rc < 0)
		snprintf(old, sizeof(old), "%s", strerror(-rc));
	else
		old[0] = '\0';
	va_start(ap, fmt);
	n = vsnprintf(err_text, sizeof(err_text), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 2 < sizeof(err_text) && old[0] != '\0') {
		/* "<prefix>: <old>", cut to the buffer (by hand: snprintf's
		 * truncation warning fires under -O1). */
		size_t at = (size_t)n, len = strlen(old);

		err_text[at++] = ':';
		err_text[at++] = ' ';
		if (len > sizeof(err_text) - 1 - at)
			len = sizeof(err_text) - 1 - at;
		memcpy(err_text + at, old, len);
		err_text[at + len] = '\0';
	}
	return rc;
}

void vmk_err_clear(void)
{
	err_text[0] = '\0';
}

const char *vmk_err_text(void)
{
	return err_text;
}

void vmk_err_copy(char *err, size_t err_size)
{
	if (err != NULL && err_size > 0)
		snprintf(err, err_size, "%s", err_text);
}

const char *vmk_last_error(void)
{
	return err_text;
}

void vmk_err_save(struct vmk_err_saved *s)
{
	snprintf(s->text, sizeof(s->text), "%s", err_text);
}

int vmk_err_restore(int rc, const struct vmk_err_saved *s)
{
	snprintf(err_text, sizeof(err_text), "%s", s->text);
	return rc;
}
