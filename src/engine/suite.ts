/**
 * Runs of many scenarios in one process (`pagesim`, `pagesim run A B...`):
 * the runs on the same variant stack and machine (size, CPUs, nodes,
 * knobs) share one boot. The machine is booted once, checkpointed, and put
 * back to that checkpoint before each later run of its group
 * (src/explore/checkpoint.ts: the bytes the boot wrote copied back, every
 * JavaScript value reachable from the kernel restored by identity), as the
 * fuzzer's kept machines are (src/fuzz/machine.ts). The shipped suite makes
 * 77 single-CPU runs on 20 kinds of machine.
 *
 * Groups run one after another, and a group's machine gives its memory back
 * when the group is done (the next machine of its size takes it, already
 * resident), as does the checkpoint's copy (the next checkpoint's): new
 * memory costs a page fault per 4 KiB page written, more than a boot of the
 * same machine in memory already written once. Runs do not depend on each
 * other, so running them grouped gives each the result it has in the
 * order given; the caller gets them back in that order.
 *
 * A run on a restored machine gives what it gives on one booted for it
 * (test/scenarios.test.ts compares the last run on each shared machine with
 * a fresh one; every shipped scenario under every shipped variant agreed
 * both ways when this was written). A run
 * that something follows (observers), one with page_owner on (its records
 * live beside the machine) and a concurrent scenario (the explorer boots
 * its own machines) are run by runScenario() on a machine of their own.
 */

import { buildVariant, createMachine } from './build.js';
import { runScenario, runStepsOn, type RunOptions, type RunResult } from './run.js';
// The registry first: it loads the operation modules in the order `pagesim ops` lists them.
import './registry.js';
import { bootCheckpoint, keptResult, machineKey, restoreBoot } from './reuse.js';
import type { Checkpoint } from '../explore/checkpoint.js';
import type { Scenario } from '../scenario/types.js';

/** One run of a suite: a scenario under a variant stack. */
export interface SuiteRun {
  readonly scn: Scenario;
  readonly variant: string;
  readonly opts: RunOptions;
}

/** What a run gave: its result, or what it threw (bad input found while it ran, a gap). */
export type SuiteOutcome = { readonly run: RunResult } | { readonly error: unknown };

/** The machine key of a run that can share a boot (runs with the same key share one), or null (it boots its own). */
export function groupKey(r: SuiteRun): string | null {
  const { scn, opts } = r;
  if (scn.cpus !== undefined || scn.cases !== undefined || (opts.observers !== undefined && opts.observers.length > 0) || opts.pageOwner === true || scn.machine.page_owner === true) return null;
  try {
    // A stack that does not build has no machine: runScenario() says why.
    if (buildVariant(r.variant).assertionFailures.length > 0) return null;
  } catch {
    return null;
  }
  return machineKey(r.variant, scn.machine);
}

/**
 * Told each suite's runs and outcomes when runSuite() ends; unset but in the
 * tests (test/helpers/suite.ts: the shipped suite `pagesim` runs in the docs
 * test is the one test/scenarios.test.ts asserts on, not run twice).
 */
export const suiteDone: { f?: (runs: readonly SuiteRun[], outcomes: readonly SuiteOutcome[]) => void } = {};

/** The memory of the last checkpoint, for the next (see the module's comment). */
let spare: Uint8Array | undefined;

function attempt(f: () => RunResult): SuiteOutcome {
  try {
    return { run: f() };
  } catch (error) {
    return { error };
  }
}

/**
 * Runs every run, grouped by machine, and gives each one's outcome at its
 * index. `starting(i, n)` is called before run i, the n-th to start.
 */
export function runSuite(runs: readonly SuiteRun[], starting: (index: number, nth: number) => void = () => {}): SuiteOutcome[] {
  const out: SuiteOutcome[] = new Array<SuiteOutcome>(runs.length);
  const groups = new Map<string, number[]>();
  const keys = runs.map((r, i) => {
    const key = groupKey(r);
    if (key !== null) {
      const g = groups.get(key);
      if (g === undefined) groups.set(key, [i]);
      else g.push(i);
    }
    return key;
  });
  let nth = 0;
  for (let i = 0; i < runs.length; i++) {
    if (out[i] !== undefined) continue;
    const key = keys[i]!;
    if (key === null) {
      const { scn, variant, opts } = runs[i]!;
      starting(i, ++nth);
      out[i] = attempt(() => runScenario(scn, variant, opts));
      continue;
    }
    const group = groups.get(key)!;
    const first = runs[group[0]!]!;
    const built = buildVariant(first.variant);
    const k = createMachine(built, first.scn.machine);
    k.current.comm = 'pagesim';
    const checkpoint: Checkpoint | null = group.length > 1 ? bootCheckpoint(k, built, spare) : null;
    try {
      group.forEach((index, j) => {
        if (j > 0) restoreBoot(k, checkpoint!);
        const { scn, variant } = runs[index]!;
        starting(index, ++nth);
        out[index] = attempt(() => keptResult(runStepsOn(k, scn, variant, [])));
      });
    } finally {
      k.releaseMemory();
      if (checkpoint !== null) spare = checkpoint.storage;
    }
  }
  suiteDone.f?.(runs, out);
  return out;
}
