/**
 * Machines reused between runs: the suite's shared boots (suite.ts) and the
 * fuzzer's kept machines (src/fuzz/machine.ts) both boot a machine once,
 * checkpoint it, and put it back before each later run. What that takes is
 * here once: which runs may share a machine, what the checkpoint leaves
 * out, what a restore resets beside the machine's own state, and the copies
 * a result needs of arrays the next restore empties.
 */

import type { buildVariant } from './build.js';
import { forgetPins } from './ops-mm.js';
import type { RunResult } from './run.js';
import { Checkpoint } from '../explore/checkpoint.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Scenario } from '../scenario/types.js';

/** Runs with the same key boot the same machine: the stack, the size, CPUs, nodes and knobs. */
export function machineKey(variant: string, m: Scenario['machine']): string {
  return `${variant}\u0000${m.memoryBytes}\u0000${m.cpus}\u0000${m.nodes}\u0000${m.thp ?? ''}\u0000${m.rcu_grace_steps ?? ''}\u0000${m.panic_on_oops ?? ''}`;
}

/** The machine's state just after its boot; `into` is memory to reuse for the copy. */
export function bootCheckpoint(k: Kernel, built: ReturnType<typeof buildVariant>, into?: Uint8Array): Checkpoint {
  // What every machine of the stack shares (symbols, layouts, flag tables, the built stack) is no one machine's state.
  return new Checkpoint(k, [k.symbols, k.layouts, k.PF, k.FF, built], into);
}

/** Puts the machine back to its boot checkpoint, and forgets what the operation modules keep per machine (GUP's pins). */
export function restoreBoot(k: Kernel, cp: Checkpoint, changed?: Parameters<Checkpoint['restore']>[0]): void {
  cp.restore(changed);
  forgetPins(k);
}

/** A run's result with its own copies of the machine's report and console arrays, which the next restore empties. */
export function keptResult(run: RunResult): RunResult {
  return { ...run, reports: run.reports.slice(), console: run.console.slice() };
}
