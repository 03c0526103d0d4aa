/** Test helpers for the fused paths' tests: the per-CPU lists switched, and two machines' memory compared. */

import assert from 'node:assert/strict';
import type { Kernel } from '../../src/kernel/kernel.js';

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
