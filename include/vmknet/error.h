/*
 * vmknet public API: why the last call failed.
 *
 * Every function under include/vmknet/ that fails returns a negative errno
 * (or NULL) and leaves a human-readable reason for the calling thread, e.g.
 * "vSwitch vSwitch0 already exists" or "netstack defaultTcpipStack already
 * has default gateway 192.0.2.1; replace it with vmk_route_set_default".
 * A public control call clears the reason when it starts, so after a call
 * that succeeded the text is "". The configuration calls that take
 * `char *err, size_t err_size` also copy the same text into that buffer.
 */
#ifndef VMKNET_ERROR_H
#define VMKNET_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* The calling thread's reason for its last failed vmknet call: never NULL,
 * "" when there is none (or the last call succeeded). Valid until the
 * thread's next vmknet call. Thread: any. */
const char *vmk_last_error(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
