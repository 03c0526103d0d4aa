/** Test helpers: a booted machine of a variant, and what tests read from it. */

import { buildVariant, createMachine } from '../../src/engine/build.js';
import { keptMachine } from '../../src/engine/suite.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import { NR_PAGE_ORDERS } from '../../src/kernel/config.js';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export function machine(variant = 'baseline', memoryBytes = 256 * 2 ** 20, cpus = 2, nodes = 1): Kernel {
  return createMachine(buildVariant(variant), { memoryBytes, cpus, nodes });
}

/**
 * A machine in its boot state for a property's run: booted once per
 * variant and size, then put back to its boot checkpoint on every later call
 * (src/engine/suite.ts, as `pagesim` runs its suite). Each call hands out
 * the same object: a run must be done with the machine before the next
 * call. Boots of a 256 MiB machine were a third of the property tests' time.
 */
export function restoredMachine(variant = 'baseline', memoryBytes = 256 * 2 ** 20, cpus = 2, nodes = 1): Kernel {
  return keptMachine(variant, { memoryBytes, cpus, nodes });
}

/** nr_free per order for every populated zone, as buddyinfo shows it. */
export function buddyinfo(k: Kernel): number[][] {
  return k.zones.filter((z) => z.populated()).map((z) => Array.from({ length: NR_PAGE_ORDERS }, (_, o) => k.free_area_nr_free(z, o)));
}

/** The repository root, from dist/test/helpers/x.js. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
