/** Test helpers: a booted machine of a variant, and what tests read from it. */

import { buildVariant, createMachine } from '../../src/engine/build.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import { NR_PAGE_ORDERS } from '../../src/kernel/config.js';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export function machine(variant = 'baseline', memoryBytes = 256 * 2 ** 20, cpus = 2, nodes = 1): Kernel {
  return createMachine(buildVariant(variant), { memoryBytes, cpus, nodes });
}

/** nr_free per order for every populated zone, as buddyinfo shows it. */
export function buddyinfo(k: Kernel): number[][] {
  return k.zones.filter((z) => z.populated()).map((z) => Array.from({ length: NR_PAGE_ORDERS }, (_, o) => k.free_area_nr_free(z, o)));
}

/** The repository root, from dist/test/helpers/x.js. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
