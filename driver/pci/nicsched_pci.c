// SPDX-License-Identifier: GPL-2.0
/*
 * nicsched_pci: standalone PCI bind for a nicsched card that is not a Corundum NIC (our own
 * bitstreams, and the simulated device). The register map is BAR0.
 *
 * PCI ID: Xilinx vendor 0x10ee, device 0x4e53 ("NS"). It is not taken from Xilinx's device ID
 * list, so it suits lab bitstreams only; a product needs an assigned ID (add it to the table).
 */

#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "core/nicsched_dev.h"

#define NICSCHED_PCI_DEVICE_ID	0x4e53
#define NICSCHED_PCI_BAR	0

struct nicsched_pci {
	void __iomem *regs;
	struct nicsched_dev *ndev;
};

/*
 * The card writes its results into host memory (layout v3.0): bus mastering on, any 64-bit
 * address. Return: the device to allocate the results mailbox on, or NULL (results by MMIO).
 */
static struct device *nicsched_pci_dma(struct pci_dev *pdev)
{
	if (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64)) &&
	    dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32))) {
		dev_info(&pdev->dev, "no usable DMA mask: results by MMIO\n");
		return NULL;
	}
	pci_set_master(pdev);
	return &pdev->dev;
}

static int nicsched_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct nicsched_pci *np;
	int ret;

	np = kzalloc(sizeof(*np), GFP_KERNEL);
	if (!np)
		return -ENOMEM;
	ret = pci_enable_device_mem(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_mem_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto err_disable;
	np->regs = pci_iomap(pdev, NICSCHED_PCI_BAR, 0);
	if (!np->regs) {
		dev_err(&pdev->dev, "cannot map BAR%d\n", NICSCHED_PCI_BAR);
		ret = -ENOMEM;
		goto err_release;
	}
	np->ndev = nicsched_dev_probe(&pdev->dev, nicsched_pci_dma(pdev), np->regs,
				      pci_resource_len(pdev, NICSCHED_PCI_BAR));
	if (IS_ERR(np->ndev)) {
		ret = PTR_ERR(np->ndev);
		goto err_unmap;
	}
	pci_set_drvdata(pdev, np);
	return 0;

err_unmap:
	pci_clear_master(pdev);
	pci_iounmap(pdev, np->regs);
err_release:
	pci_release_mem_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(np);
	return ret;
}

static void nicsched_pci_remove(struct pci_dev *pdev)
{
	struct nicsched_pci *np = pci_get_drvdata(pdev);

	nicsched_dev_remove(np->ndev);	/* the card no longer writes host memory */
	pci_clear_master(pdev);
	pci_iounmap(pdev, np->regs);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
	kfree(np);
}

/* Any uncorrectable error: treat the card as removed (the hook falls back to stock CFS). */
static pci_ers_result_t nicsched_pci_error_detected(struct pci_dev *pdev,
						    pci_channel_state_t state)
{
	struct nicsched_pci *np = pci_get_drvdata(pdev);

	dev_err(&pdev->dev, "PCI error (channel state %d): disabling\n", state);
	nicsched_dev_surprise_removal(np->ndev);
	return PCI_ERS_RESULT_DISCONNECT;
}

static const struct pci_error_handlers nicsched_pci_err_handler = {
	.error_detected = nicsched_pci_error_detected,
};

static const struct pci_device_id nicsched_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_XILINX, NICSCHED_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, nicsched_pci_ids);

static struct pci_driver nicsched_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = nicsched_pci_ids,
	.probe = nicsched_pci_probe,
	.remove = nicsched_pci_remove,
	.err_handler = &nicsched_pci_err_handler,
};
module_pci_driver(nicsched_pci_driver);

MODULE_DESCRIPTION("nicsched: standalone PCI bind (10ee:4e53, BAR0)");
MODULE_LICENSE("GPL");
