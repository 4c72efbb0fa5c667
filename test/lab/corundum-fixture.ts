/**
 * A stand-in for a Corundum checkout, just big enough for the generated project to resolve: one
 * stock board project (Makefile and config.tcl in Corundum's format, written here from its
 * documented structure, not copied), the files its lists name (empty), and a vivado.mk that only
 * prints the lists the board Makefile hands it.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Board } from '../../codegen/spec/boards.js';
import { tempDir } from '../helpers.js';

export const STOCK_SYN = ['rtl/fpga_board.v', 'rtl/fpga_core.v', 'rtl/common/mqnic_core_pcie_us.v', 'lib/axi/rtl/axil_reg_if.v'];
export const STOCK_XDC = ['fpga_board.xdc', 'boot.xdc', '../../../common/syn/vivado/mqnic_port.tcl'];
export const STOCK_IP = ['ip/pcie4_uscale_plus_0.tcl', 'ip/cms.tcl'];

function stockMakefile(board: Board): string {
  const list = (name: string, files: string[]) => files.map((f, k) => `${name} ${k === 0 ? '=' : '+='} ${f}`).join('\n');
  return `# FPGA settings
FPGA_PART = ${board.part}
FPGA_TOP = fpga
FPGA_ARCH = virtexuplus

# Files for synthesis
${list('SYN_FILES', STOCK_SYN)}

# XDC files
${list('XDC_FILES', STOCK_XDC)}

# IP
${list('IP_TCL_FILES', STOCK_IP)}
#IP_TCL_FILES += ip/ddr4_0.tcl

# Configuration
CONFIG_TCL_FILES = ./config.tcl

include ../common/vivado.mk
`;
}

const STOCK_CONFIG = `set params [dict create]
dict set params FPGA_ID [format "32'h%08x" [expr 0x4B57093]]
dict set params APP_ID "32'h00000000"
dict set params APP_ENABLE "0"
dict set params AXIL_CTRL_DATA_WIDTH "32"
dict set params AXIL_CTRL_ADDR_WIDTH "24"
dict set params AXIL_APP_CTRL_DATA_WIDTH [dict get $params AXIL_CTRL_DATA_WIDTH]
dict set params AXIL_APP_CTRL_ADDR_WIDTH "24"
set pcie [get_ips pcie4_uscale_plus_0]
proc configure_bar {pcie pf bar aperture} {
    set_property "CONFIG.pf\${pf}_bar\${bar}_aperture_bits" $aperture $pcie
}
configure_bar $pcie 0 0 [dict get $params AXIL_CTRL_ADDR_WIDTH]
configure_bar $pcie 0 2 [expr [dict get $params APP_ENABLE] ? [dict get $params AXIL_APP_CTRL_ADDR_WIDTH] : 0]
set param_list {}
dict for {name value} $params {
    lappend param_list $name=$value
}
set_property generic $param_list [get_filesets sources_1]
`;

/** vivado.mk stand-in: prints the lists as vivado.mk would resolve them (relative to the parent). */
const VIVADO_MK = `SYN_FILES_REL = $(foreach p,$(SYN_FILES),$(if $(filter /% ./%,$p),$p,../$p))
XDC_FILES_REL = $(foreach p,$(XDC_FILES),$(if $(filter /% ./%,$p),$p,../$p))
IP_TCL_FILES_REL = $(foreach p,$(IP_TCL_FILES),$(if $(filter /% ./%,$p),$p,../$p))
INC_FILES_REL = $(foreach p,$(INC_FILES),$(if $(filter /% ./%,$p),$p,../$p))
print-lists:
\t@echo "FPGA_PART $(FPGA_PART)"
\t@for f in $(SYN_FILES_REL); do echo "SYN $$f"; done
\t@for f in $(INC_FILES_REL); do echo "INC $$f"; done
\t@for f in $(XDC_FILES_REL); do echo "XDC $$f"; done
\t@for f in $(IP_TCL_FILES_REL); do echo "IP $$f"; done
\t@for f in $(CONFIG_TCL_FILES); do echo "CONFIG $$f"; done
`;

function put(path: string, contents = ''): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents);
}

/** A fake checkout for `board`; returns its root and its fpga/mqnic/Alveo/fpga_100g directory. */
export function fakeCorundum(board: Board): { root: string; boardDir: string } {
  const root = tempDir('nicsched-corundum-');
  const boardDir = join(root, 'fpga/mqnic/Alveo/fpga_100g');
  const stock = join(boardDir, `fpga_${board.name.toUpperCase()}`);
  put(join(stock, 'Makefile'), stockMakefile(board));
  put(join(stock, 'config.tcl'), STOCK_CONFIG);
  put(join(boardDir, 'common/vivado.mk'), VIVADO_MK);
  for (const f of [...STOCK_SYN, ...STOCK_XDC]) put(join(boardDir, f), `# ${f}\n`);
  for (const f of STOCK_IP) put(join(boardDir, f), `# IP ${f}: Corundum's create_ip script\n`);
  return { root, boardDir };
}
