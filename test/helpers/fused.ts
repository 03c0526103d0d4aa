/** Test helpers for the fused paths' tests: the per-CPU lists switched, and two machines' memory compared. */

import assert from 'node:assert/strict';
import { buildVariant, createMachine, type MachineKnobs } from '../../src/engine/build.js';
import type { MachineConfig } from '../../src/kernel/mm_init.js';
import type { Kernel } from '../../src/kernel/kernel.js';

/**
 * Two baseline machines of `config`: one as shipped, which takes the fused
 * paths, and one whose class overrides `helper` with a method that only
 * calls the kernel's own, which is enough to send it through the calls
 * (the fused paths run only while the helpers they read inline are the
 * kernel's).
 */
export function fusedAndCalls(helper: string, config: MachineConfig & MachineKnobs): { fused: Kernel; calls: Kernel } {
  const built = buildVariant('baseline');
  class Calls extends built.kernelClass {}
  const own = (built.kernelClass.prototype as unknown as Record<string, (...args: unknown[]) => unknown>)[helper];
  if (typeof own !== 'function') throw new Error(`fusedAndCalls: the kernel has no helper ${helper}`);
  Object.defineProperty(Calls.prototype, helper, {
    value: function (this: Kernel, ...args: unknown[]): unknown {
      return own.apply(this, args);
    },
    writable: true,
    configurable: true,
  });
  return { fused: createMachine(built, config), calls: createMachine({ ...built, kernelClass: Calls }, config) };
}

/** zone_pcp_disable() on every zone (each free and allocation through the buddy lists), or zone_pcp_enable() where it is disabled. */
export function togglePcpLists(k: Kernel): void {
  for (const z of k.zones) {
    if (z.pcp[0]!.high_max === 0) k.zone_pcp_enable(z);
    else k.zone_pcp_disable(z);
  }
}

/** Fails unless the two machines' memory (struct pages, kernel data and the page contents either used) is byte for byte the same, naming the first byte that differs. */
export function assertSameMemory(a: Kernel, b: Kernel, what: string): void {
  const bytes = a.poolWord * 4 + Math.max(a.contentPagesUsed(), b.contentPagesUsed()) * 4096;
  const x = Buffer.from(a.buf, 0, bytes);
  const y = Buffer.from(b.buf, 0, bytes);
  if (Buffer.compare(x, y) !== 0) {
    let i = 0;
    while (x[i] === y[i]) i++;
    assert.fail(`${what}: memory differs first at byte ${i} (pfn ${Math.floor(i / a.structPageSize)} if in the memmap)`);
  }
}
