// SPDX-License-Identifier: GPL-2.0
/*
 * nicsched_mqnic: bind to the nicsched application block inside a Corundum NIC.
 *
 * Corundum's mqnic driver reads the application ID from the FW ID register block and, when it
 * is non-zero, registers an auxiliary device "app_<APP_ID as %08x>" whose parent is the mqnic
 * device; the bus names it "mqnic.app_4e530001" for nicsched. struct mqnic_adev (mqnic.h) wraps
 * the auxiliary device and points at the struct mqnic_dev, which holds the application BAR
 * (BAR2) that mqnic has already mapped: app_hw_addr and app_hw_regs_size. mqnic deletes the
 * auxiliary device before unmapping BAR2, so the window stays valid until our remove() returns.
 *
 * Build: MQNIC_DIR=<Corundum checkout> (for modules/mqnic/mqnic.h); see docs/DRIVER.md.
 */

#include <linux/auxiliary_bus.h>
#include <linux/build_bug.h>
#include <linux/module.h>

#include "mqnic.h"
#include "core/nicsched_dev.h"

/* "mqnic." KBUILD_MODNAME of the parent driver, then "app_%08x" of NICSCHED_APP_ID */
#define NICSCHED_MQNIC_ADEV_NAME	"mqnic.app_4e530001"
static_assert(NICSCHED_APP_ID == 0x4e530001U, "NICSCHED_MQNIC_ADEV_NAME follows NICSCHED_APP_ID");

static int nicsched_mqnic_probe(struct auxiliary_device *adev,
				const struct auxiliary_device_id *id)
{
	struct mqnic_adev *madev = container_of(adev, struct mqnic_adev, adev);
	struct mqnic_dev *mdev = madev->mdev;
	struct nicsched_dev *ndev;

	if (!mdev->app_hw_addr) {
		dev_err(&adev->dev, "mqnic did not map the application BAR\n");
		return -ENODEV;
	}
	/* mqnic set the PCI function's DMA mask and bus mastering: the mailbox lives on it */
	ndev = nicsched_dev_probe(&adev->dev, mdev->dev, mdev->app_hw_addr, mdev->app_hw_regs_size);
	if (IS_ERR(ndev))
		return PTR_ERR(ndev);
	auxiliary_set_drvdata(adev, ndev);
	return 0;
}

static void nicsched_mqnic_remove(struct auxiliary_device *adev)
{
	nicsched_dev_remove(auxiliary_get_drvdata(adev));
}

static const struct auxiliary_device_id nicsched_mqnic_ids[] = {
	{ .name = NICSCHED_MQNIC_ADEV_NAME },
	{ }
};
MODULE_DEVICE_TABLE(auxiliary, nicsched_mqnic_ids);

static struct auxiliary_driver nicsched_mqnic_driver = {
	.name = "nicsched",
	.id_table = nicsched_mqnic_ids,
	.probe = nicsched_mqnic_probe,
	.remove = nicsched_mqnic_remove,
};
module_auxiliary_driver(nicsched_mqnic_driver);

MODULE_DESCRIPTION("nicsched: Corundum application bind (mqnic.app_4e530001, BAR2)");
MODULE_LICENSE("GPL");
