/** Exit codes of the `nicsched` command line. */

export const EXIT_OK = 0;
/** Bad input: a located message is on stderr. */
export const EXIT_INPUT = 1;
/** Internal error (a bug): please report. */
export const EXIT_INTERNAL = 2;
/** A lab tool (Vivado, hw_server, mqnic-fw) is missing: the exact commands were printed, nothing ran. */
export const EXIT_TOOL_MISSING = 3;
