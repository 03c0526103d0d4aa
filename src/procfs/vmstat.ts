/**
 * /proc/vmstat, printed by vmstat_show() in mm/vmstat.c: one "name value"
 * line per counter, in enum order (zone, NUMA, node, system-wide counters,
 * then events), and a fixed "nr_unstable 0" at the end.
 *
 * The printer follows the linux-mm 7.3.0-rc5 tree's vmstat_show(); the counter list the
 * builder uses is documented in counters.ts. The layout has never changed,
 * so the parser reads every capture; the set of counters differs per kernel
 * and config and is kept as found.
 */
import type { VmStat, VmStatItem } from './types.js';
import { VMSTAT_ITEMS, counterValues } from './counters.js';
import { fail, joinLines, parseCount, splitLines, type SourceLine } from './text.js';

export function formatVmStat(stat: VmStat): string {
  return joinLines(stat.items.map(([name, value]) => `${name} ${value}`));
}

const ITEM = /^([a-z][a-z0-9_]*) (\S+)$/;

export function parseVmStat(text: string, file = '/proc/vmstat'): VmStat {
  return { items: splitLines(text, file).map((at) => parseItem(at, file)) };
}

function parseItem(at: SourceLine, file: string): VmStatItem {
  const m = ITEM.exec(at.text);
  if (m === null) fail('expected "counter_name value"', file, at);
  return [m[1], parseCount(m[2], m[1], file, at)];
}

/**
 * Build /proc/vmstat. Modelled: whatever counters the simulator passes, by
 * name (for example nr_free_pages, pgalloc_normal, pgfree, nr_page_table_pages).
 * Fixed: every other counter of counters.ts is 0, and so is nr_unstable,
 * as in the kernel.
 */
export function buildVmStat(counters: Readonly<Record<string, number>>): VmStat {
  if ('nr_unstable' in counters) throw new RangeError('vmstat: nr_unstable is always 0');
  const values = counterValues(VMSTAT_ITEMS, counters, 'vmstat');
  return { items: VMSTAT_ITEMS.map((name, i): VmStatItem => [name, values[i]]) };
}
