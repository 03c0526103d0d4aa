/**
 * The replay's end state next to the real t1 snapshot: free blocks per
 * zone and order (buddyinfo), per migratetype (pagetypeinfo) and
 * pageblocks per migratetype, as rows of model and real counts; and, for
 * exact mode, the change since t0 of both (t1 - t0 against end - replay t0),
 * which is what the trace itself accounts for.
 */

import type { Kernel } from '../kernel/kernel.js';
import { MIGRATE_TYPES, NR_PAGE_ORDERS, migratetype_names, pageblock_nr_pages } from '../kernel/config.js';
import { freeIndex, zoneCounts, zoneKey, type ZoneCounts } from './shape.js';
import type { Snapshot } from './snapshots.js';
import type { T0Layout } from './state.js';
import type { ReplayMachine } from './machine.js';

export interface OrderRow {
  node: number;
  zone: string;
  order: number;
  model: number;
  real: number;
}

export interface TypeRow {
  node: number;
  zone: string;
  type: string;
  order: number;
  model: number;
  real: number;
}

export interface BlockRow {
  node: number;
  zone: string;
  type: string;
  model: number;
  real: number;
}

export interface ChangeRow {
  node: number;
  zone: string;
  order: number;
  /** t1 - t0 of the real snapshots. */
  real: number;
  /** end - t0 of the replay (its t0 as reconstructed). */
  model: number;
}

export interface Comparison {
  buddyinfo: OrderRow[];
  pagetypeinfo: TypeRow[];
  blocks: BlockRow[];
}

/** Free blocks per order and migratetype, counted on the lists (as pagetypeinfo counts them). */
export function modelCounts(k: Kernel): Map<string, ZoneCounts> {
  const out = new Map<string, ZoneCounts>();
  for (const z of k.zones) {
    if (!z.populated()) continue;
    const free = new Int32Array(NR_PAGE_ORDERS * MIGRATE_TYPES);
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        const head = z.freeList(order, mt);
        let n = 0;
        for (let node = k.list_first(head); node >= 0; node = k.list_next(node, head)) n++;
        free[freeIndex(order, mt)] = n;
      }
    }
    const blocks = new Int32Array(MIGRATE_TYPES);
    for (let pfn = z.zone_start_pfn; pfn < z.zone_end_pfn(); pfn += pageblock_nr_pages) {
      if (k.memmapZone(pfn) === z) blocks[k.get_pfnblock_migratetype(pfn, pfn)]!++;
    }
    out.set(zoneKey(z.nid, z.name), { node: z.nid, zone: z.name, free, blocks, orderOnly: false });
  }
  return out;
}

function byOrder(c: ZoneCounts, order: number): number {
  let n = 0;
  for (let mt = 0; mt < MIGRATE_TYPES; mt++) n += c.free[freeIndex(order, mt)]!;
  return n;
}

/** Rows for every zone both sides have (real rows from t1's pagetypeinfo when given, else its buddyinfo). */
export function compare(model: ReadonlyMap<string, ZoneCounts>, t1: Snapshot): Comparison {
  const out: Comparison = { buddyinfo: [], pagetypeinfo: [], blocks: [] };
  const real = zoneCounts(t1);
  const buddy = t1.buddyinfo;
  for (const [key, m] of model) {
    const r = real.get(key);
    const b = buddy?.zones.find((z) => zoneKey(z.node, z.zone) === key);
    if (b !== undefined) {
      b.free.forEach((n, order) => out.buddyinfo.push({ node: m.node, zone: m.zone, order, model: byOrder(m, order), real: n }));
    } else if (r !== undefined) {
      for (let order = 0; order < NR_PAGE_ORDERS; order++) out.buddyinfo.push({ node: m.node, zone: m.zone, order, model: byOrder(m, order), real: byOrder(r, order) });
    }
    if (r === undefined || r.orderOnly) continue;
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
      for (let order = 0; order < NR_PAGE_ORDERS; order++) {
        out.pagetypeinfo.push({ node: m.node, zone: m.zone, type: migratetype_names[mt], order, model: m.free[freeIndex(order, mt)]!, real: r.free[freeIndex(order, mt)]! });
      }
      out.blocks.push({ node: m.node, zone: m.zone, type: migratetype_names[mt], model: m.blocks![mt]!, real: r.blocks![mt]! });
    }
  }
  return out;
}

/**
 * The replay's own t0 per zone and order: what it placed as t0 free blocks
 * and those it found gone before the trace began (lazy zones), or laid out
 * from the snapshot (full zones). Absent for a zone seeded all free (its t0
 * is not the snapshot's).
 */
export function replayT0Counts(rm: ReplayMachine, t0: T0Layout): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const k = rm.k;
  for (const rt of rm.zones) {
    if (rt === undefined) continue;
    const key = zoneKey(rt.zone.nid, rt.zone.name);
    if (rt.mode === 'full') {
      const counts = new Array<number>(NR_PAGE_ORDERS).fill(0);
      for (const b of rm.plan!.zones.get(key)!.blocks) counts[b.order]!++;
      out.set(key, counts);
    } else if (rt.mode === 'lazy') {
      // The blocks the trace showed were allocated before it began were free at t0 too.
      out.set(key, Array.from(rt.gone));
    }
  }
  for (let i = 0; i < t0.blocks.length; i += 4) {
    const pfn = t0.blocks[i]!;
    const z = k.page_zone(pfn);
    out.get(zoneKey(z.nid, z.name))![t0.blocks[i + 1]!]!++;
  }
  return out;
}

/** Change since t0, real (t1 - t0) against the replay's (end - its t0), for the zones both are known for. */
export function changes(model: ReadonlyMap<string, ZoneCounts>, replayT0: ReadonlyMap<string, number[]>, t0: Snapshot, t1: Snapshot): ChangeRow[] {
  const rows: ChangeRow[] = [];
  const real0 = zoneCounts(t0);
  const real1 = zoneCounts(t1);
  for (const [key, m] of model) {
    const a = real0.get(key);
    const b = real1.get(key);
    const r0 = replayT0.get(key);
    if (a === undefined || b === undefined || r0 === undefined) continue;
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      rows.push({ node: m.node, zone: m.zone, order, real: byOrder(b, order) - byOrder(a, order), model: byOrder(m, order) - r0[order]! });
    }
  }
  return rows;
}
