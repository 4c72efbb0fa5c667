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
//   - results at the card, v2 beside v3: per decision, MMIO reads and writes, result writes into
//     guest RAM, polls of the answer, guest and card time, for RESULT polling (cardtool
//     bench-decide) and for results by DMA into a guest page (cardtool dma-decide);
//   - with --cold, the card's cold build time (sim/card/build.sh into an empty cache, ccache off).
// The guest is the full system's (codegen/system: the same QEMU command line, initramfs and /init,
// QEMU and the card at nice -10 when root), with cardtool added to /bin and no module loaded.
//
//   npx tsc -p tsconfig.json && node bench/card.mjs [--policy P] [--reps N] [--cold]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const system = (file) => import(join(root, 'dist/codegen/system', file));
const { buildCard } = await system('card.js');
const { buildGuest } = await system('build.js');
const { SystemBoot } = await system('boot.js');
const { checkQemu } = await system('qemu.js');

const argv = process.argv.slice(2);
const opt = (name, def) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : def);
const policy = opt('--policy', join(root, 'examples/reference.yaml'));
const reps = Number(opt('--reps', '5'));
const keys = (text) => Object.fromEntries([...text.matchAll(/([A-Z_0-9]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const progress = (m) => process.stderr.write(`  ${m}\n`);
const range = (xs) => `median ${Math.round(median(xs))}, min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))}`;

const scratch = mkdtempSync(join(tmpdir(), 'nicsched-card-bench-'));
try {
  if (argv.includes('--cold')) {
    // the build script runs with this process's environment: an empty cache, ccache off
    const saved = { NICSCHED_CACHE: process.env.NICSCHED_CACHE, CCACHE_DISABLE: process.env.CCACHE_DISABLE };
    Object.assign(process.env, { NICSCHED_CACHE: join(scratch, 'cache'), CCACHE_DISABLE: '1' });
    const t0 = Date.now();
    const cold = await buildCard(policy, progress);
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    console.log(`cold build (sim/card/build.sh into an empty cache): ${((Date.now() - t0) / 1000).toFixed(1)} s wall, CARD_SECONDS=${cold.seconds}`);
  }
  const card = await buildCard(policy, progress);
  const guest = await buildGuest(policy, progress);
  const t0 = Date.now();
  // no doorbell log and no demand for guest RAM: the card as it was measured before (docs/CARD.md)
  const boot = await SystemBoot.start({
    qemu: checkQemu().binary,
    bzImage: guest.kernel.bzImage,
    initramfs: guest.initramfs.path,
    card: card.binary,
    cardLog: false,
    cardRequiresRam: false,
    programs: [{ name: 'cardtool', path: card.cardtool }],
    cpus: 2,
    memoryMb: 256,
    workDir: join(scratch, 'boot'),
  });
  const g = boot.guest;
  const c = boot.card;
  try {
    const hostBoot = (Date.now() - t0) / 1000;
    const uptime = g.uptime;
    const dmesg = await g.must('ns_dmesg', 30_000);
    const enumerated = /\[\s*([0-9.]+)\] pci [0-9a-f:.]+: \[10ee:4e53\]/.exec(dmesg)?.[1] ?? '?';
    console.log(`policy ${policy} (hash ${card.policyHash}, RTL clock ${card.clockMhz} MHz)`);
    console.log(`boot: QEMU start to guest shell ${hostBoot.toFixed(2)} s host time; guest uptime at the shell ${uptime} s; 10ee:4e53 enumerated at guest time ${enumerated} s`);

    const stats = () => c.stats();
    await g.must('cardtool enable', 30_000);
    const reads = [],
      decisions = [],
      cost = { reads: [], decisions: [] };
    // the card's time and simulated cycles per message over one guest command
    const measured = async (command, into) => {
      const s0 = await stats();
      const out = keys(await g.must(command, 120_000));
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
    console.log(`card time per QEMU message (median): reads ${mid(cr, 'us').toFixed(2)} µs with ${mid(cr, 'cycles').toFixed(1)} cycles simulated; ` + `decisions ${mid(cd, 'us').toFixed(2)} µs with ${mid(cd, 'cycles').toFixed(1)} cycles (doorbell log off)`);
    console.log(`card cost per simulated RTL cycle: ${(((mid(cd, 'us') - mid(cr, 'us')) / (mid(cd, 'cycles') - mid(cr, 'cycles'))) * 1000).toFixed(0)} ns`);

    const s0 = await stats();
    const d = keys(await g.must('cardtool bench-decide 2000', 120_000));
    const s1 = await stats();
    const accesses = s1.bar_reads + s1.bar_writes - s0.bar_reads - s0.bar_writes;
    console.log(
      `time model, healthy: ${d.POLLS} RESULT reads for ${d.DECISIONS} decisions; ` +
        `${((s1.simulated_cycles - s0.simulated_cycles) / accesses).toFixed(1)} RTL cycles simulated per guest access ` +
        `(${s1.cycles - s0.cycles} cycles of RTL time = ${((s1.cycles - s0.cycles) / card.clockMhz / 1000).toFixed(1)} ms elapsed)`,
    );
    const features = Array(Number(/#define NICSCHED_INPUTS\s+(\d+)/.exec(readFileSync(card.regsH, 'utf8'))[1]))
      .fill(1)
      .join(' ');
    let tag = 1000;
    for (const us of [100, 1000, 5000]) {
      await c.control(`slow ${us}`);
      const waits = [];
      for (let i = 0; i < reps; i++) waits.push(Number(keys(await g.must(`cardtool decide 0 ${++tag} ${features}`, 30_000)).WAIT_NS) / 1000);
      console.log(`time model, slow ${us}: guest waits from DOORBELL to VALID, µs: ${range(waits)}`);
    }
    await c.control('healthy');

    // results at the card, same boot: by MMIO (RESULT polled until VALID, as layout 2.0) beside by
    // DMA into guest RAM (layout 3.0: the answer read from a page, no register read)
    const perDecision = async (command, n) => {
      const s0 = await stats();
      const out = keys(await g.must(command, 300_000));
      const s1 = await stats();
      const dk = (side, kind) => (s1[side][kind] ?? 0) - (s0[side][kind] ?? 0);
      // once per run, not per decision: the mailbox set-up (DMA_BASE, DMA_CTRL, CONTROL writes) and
      // its teardown (DMA_STATUS, DMA_WRITES, DMA_ERRORS reads); bench-decide has neither
      const reads = s1.bar_reads - s0.bar_reads - dk('reads', 'dma');
      const writes = s1.bar_writes - s0.bar_writes - dk('writes', 'dma') - dk('writes', 'other');
      return {
        perSecond: Number(out.PER_SECOND),
        reads: reads / n,
        writes: writes / n,
        dma: (s1.dma_writes - s0.dma_writes) / n,
        cardUs: (s1.busy_ns - s0.busy_ns) / n / 1000,
        guestUs: Number(out.NS) / n / 1000,
        polls: out.POLLS !== undefined ? Number(out.POLLS) / n : Number(out.SPINS) / n,
      };
    };
    const modes = { 'MMIO (v2)': [], 'DMA (v3)': [] };
    for (let i = 0; i < reps; i++) {
      modes['MMIO (v2)'].push(await perDecision('cardtool bench-decide 2000', 2000));
      modes['DMA (v3)'].push(await perDecision('cardtool dma-decide 2000 quiet', 2000));
    }
    console.log(`results at the card, 2000 decisions per run, ${reps} runs, medians (MMIO: slot 0, RESULT polled; DMA: every slot, the entry read from guest RAM):`);
    const rows = [
      ['MMIO reads per decision', 'reads', 2],
      ['MMIO writes per decision', 'writes', 2],
      ['result writes into guest RAM per decision', 'dma', 2],
      ['polls of the answer per decision (RESULT reads / memory re-reads)', 'polls', 2],
      ['guest µs per decision (doorbell to answer seen)', 'guestUs', 1],
      ['card µs per decision (its share of the round trips)', 'cardUs', 1],
      ['decisions per second', 'perSecond', 0],
    ];
    for (const [name, key, digits] of rows) {
      console.log(
        `  ${name.padEnd(68)}${Object.values(modes)
          .map((xs) =>
            median(xs.map((x) => x[key]))
              .toFixed(digits)
              .padStart(12),
          )
          .join('')}`,
      );
    }
    console.log(
      `  ${''.padEnd(68)}${Object.keys(modes)
        .map((k) => k.padStart(12))
        .join('')}`,
    );
    await boot.end();
  } finally {
    boot.kill();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
