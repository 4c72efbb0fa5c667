/** Constants shared by every backend (register header, Corundum identity). */

/** Corundum application ID of nicsched ("NS", application 1); rtl/mqnic_app_block.v checks it. */
export const APP_ID = 0x4e530001;
/** Register-layout version: major << 16 | minor (docs/HARDWARE.md). */
export const REG_VERSION = 0x0003_0000;
export const REG_ID = 0x4e534348;
