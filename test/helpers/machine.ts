/** Test helpers: a booted machine of a variant, and what tests read from it. */

import { buildVariant, createMachine } from '../../src/engine/build.js';
// The registry first: it loads the operation modules in the order `pagesim ops` lists them.
import '../../src/engine/registry.js';
import { forgetPins } from '../../src/engine/ops-mm.js';
import { Checkpoint } from '../../src/explore/checkpoint.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import { NR_PAGE_ORDERS } from '../../src/kernel/config.js';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export function machine(variant = 'baseline', memoryBytes = 256 * 2 ** 20, cpus = 2, nodes = 1): Kernel {
  return createMachine(buildVariant(variant), { memoryBytes, cpus, nodes });
}

/** Machines handed out by restoredMachine(), with their boot checkpoints, by variant and shape. */
const restorable = new Map<string, { readonly k: Kernel; readonly checkpoint: Checkpoint; used: boolean }>();

/**
 * A machine in its boot state for a property's run: booted once per
 * variant and shape, then put back to its boot checkpoint on every later
 * call (src/explore/checkpoint.ts, as `pagesim` shares a boot among the
 * runs of its suite: src/engine/suite.ts). Each call hands out the same
 * object: a run must be done with the machine before the next call. Boots
 * of a 256 MiB machine were a third of the property tests' time.
 */
export function restoredMachine(variant = 'baseline', memoryBytes = 256 * 2 ** 20, cpus = 2, nodes = 1): Kernel {
  const key = `${variant} ${memoryBytes} ${cpus} ${nodes}`;
  let m = restorable.get(key);
  if (m === undefined) {
    const built = buildVariant(variant);
    const k = createMachine(built, { memoryBytes, cpus, nodes });
    m = { k, checkpoint: new Checkpoint(k, [k.symbols, k.layouts, k.PF, k.FF, built]), used: false };
    restorable.set(key, m);
  } else if (m.used) {
    m.checkpoint.restore();
    forgetPins(m.k);
  }
  m.used = true;
  return m.k;
}

/** nr_free per order for every populated zone, as buddyinfo shows it. */
export function buddyinfo(k: Kernel): number[][] {
  return k.zones.filter((z) => z.populated()).map((z) => Array.from({ length: NR_PAGE_ORDERS }, (_, o) => k.free_area_nr_free(z, o)));
}

/** The repository root, from dist/test/helpers/x.js. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
