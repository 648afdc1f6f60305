/*
 * Service tags of VMkernel adapters: names, the host-wide rules, and the
 * tag API (add, remove, get, "which adapter carries service X").
 *
 * Rules: at most one faultToleranceLogging adapter per host; an adapter of
 * the vmotion netstack carries only VMotion. The tags also give the
 * adapter's traffic class (include/vmknet/traffic.h rule 3), handed to its
 * netstack on every change. Threading: t->ip->lock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>

#include <vmknet/traffic.h>
#include <vmknet/vmknic.h>

#include "common/error.h"
#include "vmknic/vmknic.h"

static const char *const tag_names[VMK_TAG_MAX] = {
	[VMK_TAG_MANAGEMENT] = "Management",
	[VMK_TAG_VMOTION] = "VMotion",
	[VMK_TAG_PROVISIONING] = "Provisioning",
	[VMK_TAG_FT_LOGGING] = "faultToleranceLogging",
	[VMK_TAG_VSAN] = "VSAN",
	[VMK_TAG_VSAN_WITNESS] = "VSANWitness",
	[VMK_TAG_VSPHERE_REPLICATION] = "vSphereReplication",
	[VMK_TAG_VSPHERE_REPLICATION_NFC] = "vSphereReplicationNFC",
	[VMK_TAG_VSPHERE_BACKUP_NFC] = "vSphereBackupNFC",
	[VMK_TAG_NVME_TCP] = "NVMeTCP",
};

const char *vmk_service_tag_name(enum vmk_service_tag tag)
{
	return (unsigned int)tag < VMK_TAG_MAX ? tag_names[tag] : NULL;
}

int vmk_service_tag_parse(const char *name, enum vmk_service_tag *tag)
{
	for (unsigned int i = 0; name != NULL && i < VMK_TAG_MAX; i++) {
		if (strcasecmp(name, tag_names[i]) == 0) {
			if (tag != NULL)
				*tag = (enum vmk_service_tag)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Rule 3 of traffic.h: the first tag of this order that the adapter
 * carries gives its class; Management and no tag give management. */
static const struct {
	enum vmk_service_tag tag;
	enum vmk_traffic_class tc;
} tag_class_order[] = {
	{ VMK_TAG_FT_LOGGING, VMK_TC_FT_LOGGING },
	{ VMK_TAG_VMOTION, VMK_TC_VMOTION },
	{ VMK_TAG_VSAN, VMK_TC_VSAN },
	{ VMK_TAG_VSAN_WITNESS, VMK_TC_VSAN },
	{ VMK_TAG_VSPHERE_REPLICATION, VMK_TC_REPLICATION },
	{ VMK_TAG_VSPHERE_REPLICATION_NFC, VMK_TC_REPLICATION },
	{ VMK_TAG_PROVISIONING, VMK_TC_PROVISIONING },
	{ VMK_TAG_VSPHERE_BACKUP_NFC, VMK_TC_PROVISIONING },
};

uint8_t vmknic_tags_class(uint32_t tags)
{
	for (unsigned int i = 0; i < RTE_DIM(tag_class_order); i++)
		if (tags & (1u << tag_class_order[i].tag))
			return (uint8_t)tag_class_order[i].tc;
	return VMK_TC_MANAGEMENT;
}

int vmknic_tag_check(struct vmknic_table *t, const struct vmk_vmknic *nic,
		     enum vmk_service_tag tag)
{
	if ((unsigned int)tag >= VMK_TAG_MAX)
		return vmk_err(-EINVAL, "unknown service tag %d", (int)tag);
	if (strcmp(nic->ifc.ns->name, VMK_NETSTACK_VMOTION) == 0 && tag != VMK_TAG_VMOTION)
		return vmk_err(-EINVAL, "%s is in the vmotion netstack: it carries only VMotion, not %s",
				nic->ifc.name, tag_names[tag]);
	if (tag == VMK_TAG_FT_LOGGING) {
		for (unsigned int i = 0; i < VMKNIC_MAX; i++) {
			const struct vmk_vmknic *o = t->nics[i];

			if (o != NULL && o != nic && (o->tags & (1u << VMK_TAG_FT_LOGGING)))
				return vmk_err(-EEXIST, "%s already carries faultToleranceLogging "
						"(one adapter per host)", o->ifc.name);
		}
	}
	return 0;
}

int vmknic_tag_add(struct vmknic_table *t, const char *name, enum vmk_service_tag tag)
{
		struct vmk_vmknic *nic;
	int ret = -ENOENT;

	vmk_err_clear();
	vmknic_lock(t);
	nic = vmknic_find(t, name);
	if (nic == NULL)
		vmk_err(-ENOENT, "no vmknic %s", name != NULL ? name : "(null)");
	else
		ret = vmknic_tag_check(t, nic, tag);
	if (ret == 0) {
		nic->tags |= 1u << tag;
		tcpip_if_set_tclass(&nic->ifc, vmknic_tags_class(nic->tags));
	}
	vmknic_unlock(t);
	return ret;
}

int vmknic_tag_remove(struct vmknic_table *t, const char *name, enum vmk_service_tag tag)
{
	struct vmk_vmknic *nic;
	int ret = 0;

	vmk_err_clear();
	if ((unsigned int)tag >= VMK_TAG_MAX)
		return -EINVAL;
	vmknic_lock(t);
	nic = vmknic_find(t, name);
	if (nic == NULL) {
		ret = vmk_err(-ENOENT, "no vmknic %s", name != NULL ? name : "(null)");
	} else {
		nic->tags &= ~(1u << tag);
		tcpip_if_set_tclass(&nic->ifc, vmknic_tags_class(nic->tags));
	}
	vmknic_unlock(t);
	return ret;
}

int vmknic_tags_get(struct vmknic_table *t, const char *name, uint32_t *tags)
{
	struct vmk_vmknic *nic;

	if (tags == NULL)
		return -EINVAL;
	vmknic_lock(t);
	nic = vmknic_find(t, name);
	if (nic != NULL)
		*tags = nic->tags;
	vmknic_unlock(t);
	return nic != NULL ? 0 : -ENOENT;
}

unsigned int vmknic_find_by_tag(struct vmknic_table *t, enum vmk_service_tag tag,
				char (*names)[VMK_NAME_MAX], unsigned int max)
{
		unsigned int n = 0;

	if ((unsigned int)tag >= VMK_TAG_MAX)
		return 0;
	vmknic_lock(t);
	for (unsigned int i = 0; t != NULL && i < VMKNIC_MAX; i++) {
		const struct vmk_vmknic *nic = t->nics[i];

		if (nic == NULL || !(nic->tags & (1u << tag)))
			continue;
		if (names != NULL && n < max)
			snprintf(names[n], VMK_NAME_MAX, "%s", nic->ifc.name);
		n++;
	}
	vmknic_unlock(t);
	return n;
}
