#!/usr/bin/env node
// Figures of the simulated card (docs/CARD.md), from one boot of the patched kernel in QEMU 7.2
// (TCG) with the card of a policy behind x-pci-proxy-dev:
//   - boot: QEMU start to the guest's shell (host seconds), the guest's uptime then, and the
//     guest-kernel time at which PCI enumeration saw 10ee:4e53 (dmesg);
//   - BAR round trips per second seen from the guest (cardtool bench: reads of ID), and decisions
//     per second (cardtool bench-decide: FEATURES_PACKED words, DOORBELL, RESULT until VALID),
//     each repeated, with the card's own time per QEMU message (stats busy_ns / messages);
//   - the time model: how many RESULT reads a healthy decision takes, the RTL cycles simulated
//     per guest access, and how long the guest waits for an answer under `slow US`;
//   - the card's cost per simulated RTL cycle: its time per message against the cycles it
//     simulated per message, in the reads-only and in the decision runs (the slope between them);
//   - with --cold, the card's cold build time (sim/card/build.sh into an empty cache, ccache off).
//
//   npx tsc -p tsconfig.json && node bench/card.mjs [--policy P] [--reps N] [--cold]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const { buildCard, buildInitramfs, buildKernel, CardGuest, parseKeys } = await import(join(root, 'dist/sim/card/launch.js'));

const argv = process.argv.slice(2);
const opt = (name, def) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : def);
const policy = opt('--policy', join(root, 'examples/reference.yaml'));
const reps = Number(opt('--reps', '5'));
const keys = (text) => Object.fromEntries([...text.matchAll(/([A-Z_0-9]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => `median ${Math.round(median(xs))}, min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))}`;

const scratch = mkdtempSync(join(tmpdir(), 'nicsched-card-bench-'));
try {
  if (argv.includes('--cold')) {
    const cache = join(scratch, 'cache');
    const t0 = Date.now();
    const r = spawnSync('bash', [join(root, 'sim/card/build.sh'), '--policy', policy], {
      encoding: 'utf8', env: { ...process.env, NICSCHED_CACHE: cache, CCACHE_DISABLE: '1' },
    });
    if (r.status !== 0) throw new Error(r.stderr);
    console.log(`cold build (sim/card/build.sh into an empty cache): ${((Date.now() - t0) / 1000).toFixed(1)} s wall, CARD_SECONDS=${parseKeys(r.stdout).CARD_SECONDS}`);
  }
  const card = buildCard(policy);
  const kernel = buildKernel();
  const initramfs = buildInitramfs(scratch, card.cardtool);
  const g = new CardGuest({ kernel, initramfs, card: card.card, controlPath: join(scratch, 'control.sock') });
  try {
    await g.controlReady();
    const uptime = await g.booted(120_000);
    const hostBoot = (Date.now() - g.startedAt) / 1000;
    await g.sh('true');
    const dmesg = (await g.sh('dmesg')).out;
    const enumerated = /\[\s*([0-9.]+)\] pci [0-9a-f:.]+: \[10ee:4e53\]/.exec(dmesg)?.[1] ?? '?';
    console.log(`policy ${policy} (hash ${card.policyHash}, RTL clock ${card.clockMhz} MHz)`);
    console.log(`boot: QEMU start to guest shell ${hostBoot.toFixed(2)} s host time; guest uptime at the shell ${uptime} s; 10ee:4e53 enumerated at guest time ${enumerated} s`);

    const stats = async () => JSON.parse(await g.control('stats'));
    await g.sh('cardtool enable');
    const reads = [], decisions = [], cost = { reads: [], decisions: [] };
    // the card's time and simulated cycles per message over one guest command
    const measured = async (command, into) => {
      const s0 = await stats();
      const out = keys((await g.sh(command, 120_000)).out);
      const s1 = await stats();
      const messages = s1.messages - s0.messages;
      into.push({ us: (s1.busy_ns - s0.busy_ns) / messages / 1000, cycles: (s1.simulated_cycles - s0.simulated_cycles) / messages });
      return Number(out.PER_SECOND);
    };
    for (let i = 0; i < reps; i++) {
      reads.push(await measured('cardtool bench 5000', cost.reads));
      decisions.push(await measured('cardtool bench-decide 2000', cost.decisions));
    }
    const mid = (xs, k) => median(xs.map((x) => x[k]));
    const [cr, cd] = [cost.reads, cost.decisions];
    console.log(`BAR round trips per second (5000 reads of ID, ${reps} runs): ${range(reads)}`);
    console.log(`decisions per second (2000 on slot 0, ${reps} runs): ${range(decisions)}`);
    console.log(`card time per QEMU message (median): reads ${mid(cr, 'us').toFixed(2)} µs with ${mid(cr, 'cycles').toFixed(1)} cycles simulated; ` +
      `decisions ${mid(cd, 'us').toFixed(2)} µs with ${mid(cd, 'cycles').toFixed(1)} cycles (doorbell log off)`);
    console.log(`card cost per simulated RTL cycle: ${((mid(cd, 'us') - mid(cr, 'us')) / (mid(cd, 'cycles') - mid(cr, 'cycles')) * 1000).toFixed(0)} ns`);

    const s0 = await stats();
    const d = keys((await g.sh('cardtool bench-decide 2000', 120_000)).out);
    const s1 = await stats();
    const accesses = s1.bar_reads + s1.bar_writes - s0.bar_reads - s0.bar_writes;
    console.log(`time model, healthy: ${d.POLLS} RESULT reads for ${d.DECISIONS} decisions; ` +
      `${((s1.simulated_cycles - s0.simulated_cycles) / accesses).toFixed(1)} RTL cycles simulated per guest access ` +
      `(${s1.cycles - s0.cycles} cycles of RTL time = ${((s1.cycles - s0.cycles) / card.clockMhz / 1000).toFixed(1)} ms elapsed)`);
    const features = Array(Number(/#define NICSCHED_INPUTS\s+(\d+)/.exec(spawnSync('cat', [card.regsH], { encoding: 'utf8' }).stdout)[1])).fill(1).join(' ');
    let tag = 1000;
    for (const us of [100, 1000, 5000]) {
      await g.control(`slow ${us}`);
      const waits = [];
      for (let i = 0; i < reps; i++) waits.push(Number(keys((await g.sh(`cardtool decide 0 ${++tag} ${features}`)).out).WAIT_NS) / 1000);
      console.log(`time model, slow ${us}: guest waits from DOORBELL to VALID, µs: ${range(waits)}`);
    }
    await g.control('healthy');
    await g.poweroff();
  } finally {
    g.kill();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
