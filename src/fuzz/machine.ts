/**
 * Booted machines kept for the fuzzer: each stack (and machine size) is
 * booted once per thread, checkpointed just after the boot, and put back
 * to that checkpoint before every program (src/explore/checkpoint.ts: the
 * bytes the boot wrote copied back, every JavaScript value reachable from
 * the kernel restored by identity). A boot of a 16 MiB machine costs tens
 * of milliseconds, a restore a tenth of one: without this a program of
 * thirty steps spent most of its time booting.
 *
 * A program run on a restored machine must behave exactly as on a fresh
 * one (test/fuzz-machine.test.ts compares them program by program); what
 * the machine keeps outside itself is reset here too (the pins GUP steps
 * took, kept per machine by the operation module).
 */

import { buildVariant, createMachine } from '../engine/build.js';
import { runStepsOn, type RunObserver, type RunResult } from '../engine/run.js';
import type { Checkpoint } from '../explore/checkpoint.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Scenario } from '../scenario/types.js';
import { InputError } from '../util/errors.js';
import { bootCheckpoint, keptResult, machineKey, restoreBoot } from '../engine/reuse.js';
import { noteCheckpoint } from '../check/checker.js';
import { takeChangedMemmap } from '../check/memmap-pass.js';

interface Kept {
  readonly k: Kernel;
  readonly checkpoint: Checkpoint;
  /** The machine ran a program since its checkpoint. */
  dirty: boolean;
}

/** Machines by stack and size; a few sizes per stack at most (shrinking tries smaller ones). */
const kept = new Map<string, Kept>();
const KEPT_MAX = 16;

/**
 * Boots a machine of the stack on a class of its own (an empty subclass):
 * coverage probes (oracle.ts) go on that class's prototype, never on the
 * instance (which would turn its fields into a dictionary) nor on the
 * stack's class that other machines share.
 */
function boot(variant: string, scn: Scenario): Kernel | null {
  const built = buildVariant(variant);
  if (built.assertionFailures.length > 0) return null;
  const Own = class extends built.kernelClass {};
  const k = createMachine({ ...built, kernelClass: Own }, scn.machine);
  k.current.comm = 'pagesim';
  return k;
}

/**
 * Runs a scenario (no concurrent CPUs) on the kept machine of its stack and
 * size, restored to its boot state first (`fresh`: on a machine booted for
 * it, which the tests compare with). The result's arrays are the run's
 * own (copied from the machine), since the machine is reused. Returns
 * null when the stack does not build.
 */
export function runOnKeptMachine(scn: Scenario, variant: string, observers: readonly RunObserver[] = [], fresh = false): { run: RunResult; machine: Kernel } | null {
  if (scn.cpus !== undefined) throw new InputError('the fuzzer runs no concurrent scenarios', scn.file);
  let k: Kernel;
  if (fresh) {
    const b = boot(variant, scn);
    if (b === null) return null;
    k = b;
  } else {
    const key = machineKey(variant, scn.machine);
    let m = kept.get(key);
    if (m === undefined) {
      const b = boot(variant, scn);
      if (b === null) return null;
      if (kept.size >= KEPT_MAX) {
        const [oldest, old] = kept.entries().next().value as [string, Kept];
        kept.delete(oldest);
        old.k.releaseMemory();
      }
      m = { k: b, checkpoint: bootCheckpoint(b, buildVariant(variant)), dirty: false };
      // The checker reads again only the struct pages a program changed from the checkpoint.
      noteCheckpoint(b, m.checkpoint.words());
      kept.set(key, m);
    } else if (m.dirty) {
      // The memmap's bytes that differ from the checkpoint are known when the run's check compared them.
      const ranges = takeChangedMemmap(m.k);
      restoreBoot(m.k, m.checkpoint, ranges === null ? undefined : { ranges, from: m.k.nr_pages * m.k.PW * 4 });
    }
    m.dirty = true;
    k = m.k;
  }
  return { run: keptResult(runStepsOn(k, scn, variant, observers)), machine: k };
}

/** Gives back every kept machine's memory (tests; a campaign's threads end with their machines). */
export function dropKeptMachines(): void {
  for (const m of kept.values()) m.k.releaseMemory();
  kept.clear();
}
