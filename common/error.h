/*
 * Why a call failed: the one convention of every layer. A failing call
 * returns a negative errno (or NULL) and records its human-readable reason
 * for the calling thread with vmk_err(); the public API hands that text out
 * as vmk_last_error() (include/vmknet/error.h). A reason set by a lower
 * layer may be kept as it is or prefixed by the layer above
 * (vmk_err_prefix). Public control calls clear the text on entry, so after
 * a call that succeeded it is "".
 */
#ifndef VMK_COMMON_ERROR_H
#define VMK_COMMON_ERROR_H

#include <stddef.h>

/* Record the calling thread's reason (printf format, truncated to 255
 * bytes). */
void vmk_err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vmk_err(rc, fmt, ...): record the reason and evaluate to rc, so a refusal
 * reads `return vmk_err(-EEXIST, "vSwitch %s already exists", name);`. A
 * macro, so the compiler sees the value returned. */
#define vmk_err(rc, ...) __extension__({ vmk_err_set(__VA_ARGS__); (rc); })

/* Put "<prefix>: " in front of the thread's reason and return rc. With no
 * reason yet, the reason becomes "<prefix>: strerror(-rc)" (or the prefix
 * alone when rc is not negative). */
int vmk_err_prefix(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forget the calling thread's reason: vmk_err_text() is "" afterwards. */
void vmk_err_clear(void);

/* The calling thread's reason; never NULL, "" when none. Valid until the
 * thread's next vmk_err* call. */
const char *vmk_err_text(void);

/* A reason kept across clean-up calls that clear it (a rollback through
 * public calls): vmk_err_save, undo, then return vmk_err_restore(rc, &s). */
#define VMK_ERR_TEXT_MAX 256
struct vmk_err_saved {
	char text[VMK_ERR_TEXT_MAX];
};
void vmk_err_save(struct vmk_err_saved *s);
int vmk_err_restore(int rc, const struct vmk_err_saved *s);

/* Copy the thread's reason into a caller's buffer (the public config calls'
 * `char *err, size_t err_size`): nothing when err is NULL or err_size 0. */
void vmk_err_copy(char *err, size_t err_size);

#endif
