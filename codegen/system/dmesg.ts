/**
 * The one checker of a guest's kernel log. No full-system test passes, and `nicsched system`
 * reports no clean run, when the log holds any of these: a WARN, a BUG, a lockdep report, sleeping
 * in atomic context, a kmemleak report, a hung task, an oops or panic, a soft lockup or an RCU
 * stall. Each finding names its pattern and quotes the line.
 */

export type DmesgProblem = 'warn' | 'bug' | 'lockdep' | 'atomic-sleep' | 'kmemleak' | 'hung-task' | 'oops' | 'panic' | 'soft-lockup' | 'rcu-stall';

export interface DmesgFinding {
  problem: DmesgProblem;
  /** 1-based line number in the text that was checked. */
  line: number;
  text: string;
}

interface Pattern {
  problem: DmesgProblem;
  re: RegExp;
}

/*
 * Most specific first: the first pattern that matches a line names it. The messages are those of
 * Linux 6.1 (lib/bug.c, kernel/panic.c, kernel/locking/lockdep.c, kernel/sched/core.c,
 * mm/kmemleak.c, kernel/hung_task.c, kernel/watchdog.c, kernel/rcu/tree_stall.h, arch/x86/mm).
 */
const PATTERNS: readonly Pattern[] = [
  { problem: 'atomic-sleep', re: /BUG: scheduling while atomic|BUG: sleeping function called from invalid context|BUG: workqueue leaked lock or atomic/ },
  {
    problem: 'lockdep',
    re: /WARNING: (possible circular locking dependency|possible recursive locking|inconsistent lock state|possible irq lock inversion|HARDIRQ-safe -> HARDIRQ-unsafe|SOFTIRQ-safe -> SOFTIRQ-unsafe|suspicious RCU usage|bad unlock balance|held lock freed|lock held when returning to user space|Nested lock was not taken|lock held at task exit|releasing a pinned lock)|BUG: (MAX_LOCKDEP_\w+|MAX_STACK_TRACE_ENTRIES|lock held when returning|held lock freed|looking up invalid subclass|key \w+ has not been registered|bad contention)|DEBUG_LOCKS_WARN_ON|INFO: trying to register non-static key|turning off the locking correctness validator/,
  },
  { problem: 'soft-lockup', re: /BUG: soft lockup|watchdog: BUG: soft lockup|hard LOCKUP/ },
  { problem: 'rcu-stall', re: /rcu: INFO: \w+ (self-)?detected stalls?|INFO: rcu_\w+ (self-)?detected stall|rcu_\w+ kthread starved/ },
  { problem: 'kmemleak', re: /kmemleak: \d+ new suspected memory leaks?|^unreferenced object 0x[0-9a-f]+/ },
  { problem: 'hung-task', re: /INFO: task .+:\d+ blocked for more than \d+ seconds/ },
  { problem: 'panic', re: /Kernel panic - not syncing/ },
  {
    problem: 'oops',
    re: /Oops: |general protection fault|BUG: unable to handle (page fault|kernel)|BUG: kernel NULL pointer dereference|invalid opcode: |stack segment: |double fault: |kernel stack overflow|Unable to handle kernel/,
  },
  { problem: 'bug', re: /kernel BUG at |BUG: / },
  { problem: 'warn', re: /WARNING: CPU: \d+ PID: \d+ at |------------\[ cut here \]------------|WARNING: at / },
];

/** The kernel's own timestamp prefix, "[    1.234567] ", removed before matching. */
const TIMESTAMP = /^\s*\[\s*\d+\.\d+\]\s?/;

export function checkDmesg(text: string): DmesgFinding[] {
  const findings: DmesgFinding[] = [];
  text.split('\n').forEach((raw, k) => {
    const line = raw.replace(/\r$/, '').replace(TIMESTAMP, '');
    const hit = PATTERNS.find((p) => p.re.test(line));
    if (hit) findings.push({ problem: hit.problem, line: k + 1, text: line.trim() });
  });
  return findings;
}

/** One line per finding, for error messages: "line 412 (lockdep): WARNING: possible ...". */
export function formatFindings(findings: readonly DmesgFinding[], limit = 20): string {
  const shown = findings.slice(0, limit).map((f) => `  line ${f.line} (${f.problem}): ${f.text}`);
  if (findings.length > limit) shown.push(`  ... and ${findings.length - limit} more`);
  return shown.join('\n');
}
