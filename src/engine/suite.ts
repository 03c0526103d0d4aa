/**
 * Runs of many scenarios in one process (`pagesim`, `pagesim run A B...`):
 * each variant stack's machine of a given shape is booted once and put back
 * to its boot checkpoint before every later run on it
 * (src/explore/checkpoint.ts: the bytes the boot wrote copied back, every
 * JavaScript value reachable from the kernel restored by identity), as the
 * fuzzer's kept machines are (src/fuzz/machine.ts). The shipped suite runs
 * 76 single-CPU scenarios on 20 machine kinds: without this, boots were a
 * quarter of `npm start`.
 *
 * A run on a restored machine gives what it gives on one booted for it
 * (test/suite-kept.test.ts compares every shipped run both ways). A run
 * that something follows (observers), one with page_owner on (its records
 * live beside the machine) and a concurrent scenario (the explorer boots
 * its own machines) boot a machine of their own, as runScenario() does.
 */

import { buildVariant, createMachine, type MachineKnobs } from './build.js';
import type { MachineConfig } from '../kernel/mm_init.js';
import { runScenario, runStepsOn, type RunOptions, type RunResult } from './run.js';
import { forgetPins } from './ops-mm.js';
import { Checkpoint } from '../explore/checkpoint.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Scenario } from '../scenario/types.js';

interface Kept {
  readonly k: Kernel;
  readonly checkpoint: Checkpoint;
  /** The machine ran a scenario since its checkpoint. */
  dirty: boolean;
}

/**
 * Machines by stack and machine (size, CPUs, nodes, knobs), least recently
 * used first. The shipped suite uses 20; each keeps its memory and a copy of
 * the bytes its boot wrote (16 MiB for a 1 GiB machine).
 */
const kept = new Map<string, Kept>();
const KEPT_MAX = 32;

/** Whether a run can use a kept machine: nothing follows it and nothing of it lives beside the machine. */
function keepable(scn: Scenario, opts: RunOptions): boolean {
  return scn.cpus === undefined && scn.cases === undefined && (opts.observers === undefined || opts.observers.length === 0) && opts.pageOwner !== true && scn.machine.page_owner !== true;
}

/**
 * The kept machine of a stack that builds and a machine (page_owner off), in
 * its boot state: booted now, or put back to its boot checkpoint. The
 * machine handed out before for the same stack and machine is the same
 * object, so whatever held it must be done with it.
 */
export function keptMachine(variant: string, m: MachineConfig & MachineKnobs): Kernel {
  if (m.page_owner === true) throw new Error('keptMachine: page_owner keeps its records beside the machine; boot one with createMachine()');
  const key = `${variant}\u0000${m.memoryBytes}\u0000${m.cpus}\u0000${m.nodes}\u0000${m.thp ?? ''}\u0000${m.rcu_grace_steps ?? ''}\u0000${m.panic_on_oops ?? ''}`;
  let entry = kept.get(key);
  if (entry === undefined) {
    const built = buildVariant(variant);
    const k = createMachine(built, m);
    k.current.comm = 'pagesim';
    entry = { k, checkpoint: new Checkpoint(k, [k.symbols, k.layouts, k.PF, k.FF, built]), dirty: false };
    if (kept.size >= KEPT_MAX) {
      const [oldest, old] = kept.entries().next().value as [string, Kept];
      kept.delete(oldest);
      old.k.releaseMemory();
    }
  } else {
    // Most recently used last.
    kept.delete(key);
    if (entry.dirty) {
      entry.checkpoint.restore();
      forgetPins(entry.k);
    }
  }
  kept.set(key, entry);
  entry.dirty = true;
  return entry.k;
}

/**
 * Runs a scenario under a variant stack as runScenario() does, on the kept
 * machine of its stack and machine when it can. The result's reports and
 * console are the run's own copies, since the machine is reused.
 */
export function runSuiteScenario(scn: Scenario, variant: string, opts: RunOptions = {}): RunResult {
  // A stack that does not build has no machine: runScenario() says why.
  if (!keepable(scn, opts) || buildVariant(variant).assertionFailures.length > 0) return runScenario(scn, variant, opts);
  const run = runStepsOn(keptMachine(variant, scn.machine), scn, variant, []);
  // The machine's own arrays are emptied by the next restore: the result keeps copies.
  return { ...run, reports: run.reports.slice(), console: run.console.slice() };
}

/** Gives back every kept machine's memory. */
export function dropSuiteMachines(): void {
  for (const e of kept.values()) e.k.releaseMemory();
  kept.clear();
}
