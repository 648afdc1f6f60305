/*
 * vmknetd's view of the programs attached through the socket layer
 * (sockets/server.h): "session.list".
 *
 * Thread: the main lcore, one request at a time.
 */
#include <errno.h>

#include "sockets/server.h"
#include "vmknetd/ops.h"

/* [{session, pid, program, netstack, vmknic, sockets}], in table order. */
static int session_list(struct daemon *d, const cJSON *args, cJSON **result, char *err,
			size_t err_size)
{
	struct vmks_session_info info[VMKS_MAX_SESSIONS];
	unsigned int n = vmks_server_list(d->sessions, info, VMKS_MAX_SESSIONS);
	cJSON *arr = cJSON_CreateArray();

	(void)args;
	(void)err;
	(void)err_size;
	if (arr == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < n && i < VMKS_MAX_SESSIONS; i++) {
		cJSON *o = cJSON_CreateObject();

		if (o == NULL) {
			cJSON_Delete(arr);
			return -ENOMEM;
		}
		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, "session", info[i].session);
		cJSON_AddNumberToObject(o, "pid", info[i].pid);
		cJSON_AddStringToObject(o, "program", info[i].program);
		cJSON_AddStringToObject(o, "netstack", info[i].netstack);
		if (info[i].vmknic[0] != '\0')
			cJSON_AddStringToObject(o, "vmknic", info[i].vmknic);
		else
			cJSON_AddNullToObject(o, "vmknic");
		cJSON_AddNumberToObject(o, "sockets", info[i].sockets);
	}
	*result = arr;
	return 0;
}

const struct op session_ops[] = {
	{ "session.list", session_list, NULL },
	{ NULL, NULL, NULL },
};
