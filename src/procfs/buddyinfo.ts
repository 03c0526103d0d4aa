/**
 * /proc/buddyinfo, printed by frag_show_print() in mm/vmstat.c.
 *
 * The printer follows the linux-mm 7.3.0-rc5 tree: one line per populated zone,
 * `Node %d, zone %8s ` and then `%6lu ` for each order, so every line ends in
 * a blank. The layout is unchanged since 2.6.16, so the parser reads every
 * capture we hold; the number of orders comes from the data (11 on x86_64,
 * other values with other MAX_PAGE_ORDER settings).
 */
import type { BuddyInfo, BuddyInfoZone } from './types.js';
import { checkedCount, fail, joinLines, parseCount, requireLayout, rjust, splitLines, type SourceLine } from './text.js';

export function formatBuddyInfo(info: BuddyInfo): string {
  return joinLines(info.zones.map(formatZoneRow));
}

function formatZoneRow(z: BuddyInfoZone): string {
  return `Node ${z.node}, zone ${rjust(z.zone, 8)} ` + z.free.map((n) => `${rjust(n, 6)} `).join('');
}

const ZONE_ROW = /^Node (\d+), zone +(\S+) (.*)$/;

export function parseBuddyInfo(text: string, file = '/proc/buddyinfo'): BuddyInfo {
  const zones: BuddyInfoZone[] = [];
  for (const at of splitLines(text, file)) {
    const zone = parseZoneRow(at, file);
    // NR_PAGE_ORDERS is a build-time constant: every row has the same count.
    const orders = zones[0]?.free.length ?? zone.free.length;
    if (zone.free.length !== orders) {
      fail(`expected ${orders} free block counts like the first line, found ${zone.free.length}`, file, at);
    }
    zones.push(zone);
  }
  return { zones };
}

function parseZoneRow(at: SourceLine, file: string): BuddyInfoZone {
  const m = ZONE_ROW.exec(at.text);
  const counts = m?.[3]?.trim() ?? '';
  if (m === null || counts === '') {
    fail('expected "Node N, zone NAME" followed by free block counts', file, at);
  }
  const zone: BuddyInfoZone = {
    node: parseCount(m[1], 'node', file, at),
    zone: m[2],
    free: counts.split(/ +/).map((t, order) => parseCount(t, `order ${order}`, file, at)),
  };
  requireLayout(formatZoneRow(zone), at, '"Node %d, zone %8s " then "%6lu " per order', file);
  return zone;
}

/** What the simulator knows about one populated zone. */
export interface BuddyInfoZoneInput {
  node: number;
  name: string;
  /** freeByOrder[order] = zone->free_area[order].nr_free. */
  freeByOrder: readonly number[];
}

/**
 * Build /proc/buddyinfo. Every field is modelled: the caller passes the
 * populated zones (the kernel skips the others) in node, then zone order.
 */
export function buildBuddyInfo(zones: readonly BuddyInfoZoneInput[]): BuddyInfo {
  return {
    zones: zones.map((z) => ({
      node: z.node,
      zone: z.name,
      free: z.freeByOrder.map((n, order) => checkedCount(n, `buddyinfo ${z.name} order ${order}`)),
    })),
  };
}
