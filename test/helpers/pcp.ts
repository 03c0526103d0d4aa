/** Test helper: the per-CPU lists of every zone switched off or back on. */

import type { Kernel } from '../../src/kernel/kernel.js';

/** zone_pcp_disable() on every zone (each free and allocation through the buddy lists), or zone_pcp_enable() where it is disabled. */
export function togglePcpLists(k: Kernel): void {
  for (const z of k.zones) {
    if (z.pcp[0]!.high_max === 0) k.zone_pcp_enable(z);
    else k.zone_pcp_disable(z);
  }
}
