/** Running the generated build.tcl in Vivado batch mode, with its stage markers as progress. */

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const STAGE_MARKER = 'NICSCHED-STAGE ';
/** The stages build.tcl announces, in order. */
export const BUILD_STAGES = ['create_project', 'synth_design', 'opt_design', 'place_design', 'phys_opt_design', 'route_design', 'report', 'write_bitstream', 'done'];

export interface VivadoRun {
  vivado: string;
  projectDir: string;
  corundumBoard: string;
  jobs: number;
}

/** The command line and environment that run build.tcl (printed when Vivado is missing, run when it is found). */
export function buildCommand(run: VivadoRun): { argv: string[]; env: Record<string, string> } {
  return {
    argv: [run.vivado, '-mode', 'batch', '-nojournal', '-log', 'build.log', '-source', 'build.tcl'],
    env: { CORUNDUM_BOARD: run.corundumBoard, NICSCHED_JOBS: String(run.jobs) },
  };
}

/** Run Vivado; `onStage` sees every stage marker. Resolves with the exit code. */
export function runVivadoBuild(run: VivadoRun, onStage: (stage: string) => void, onLine: (line: string) => void = () => {}): Promise<number> {
  const { argv, env } = buildCommand(run);
  const child = spawn(argv[0]!, argv.slice(1), { cwd: run.projectDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith(STAGE_MARKER)) onStage(line.slice(STAGE_MARKER.length).trim());
    else onLine(line);
  });
  child.stderr.on('data', (chunk: Buffer) => onLine(chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}
