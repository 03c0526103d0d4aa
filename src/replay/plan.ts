/**
 * The physical map of the traced machine (a MachinePlan for MmInit.boot)
 * and how each zone is seeded:
 *
 *   full  every managed page was free at t0 (DMA and DMA32 on the captured
 *         VM): the free blocks are laid out from the snapshot's counts
 *         before boot, and the pages between them are reserved, so boot
 *         itself produces exactly those blocks.
 *   lazy  the zone has allocated pages: its counts become t0 "tokens" that
 *         the replay places where the trace shows them (see seed.ts), and
 *         its reserved pages are the top of its RAM.
 *   free  no counts for the zone: every managed page starts free, as boot
 *         leaves it.
 *
 * Reserved pages make each zone's managed count the snapshot's: pagesim's
 * own reservations (the first MiB, the memmap at the top of each node, the
 * allocator's kernel data) plus as many more as present - managed needs.
 */

import { MAX_PAGE_ORDER, MIGRATE_MOVABLE, MIGRATE_TYPES, PAGE_SIZE, pageblock_order } from '../kernel/config.js';
import { kdataBytesFor, type MachinePlan } from '../kernel/mm_init.js';
import { countedPages, freeIndex, nodeRanges, zoneKey, type Range, type TracedShape, type ZoneCounts, type ZoneShape } from './shape.js';

export type ZoneMode = 'full' | 'lazy' | 'free';

/** A free block: head pfn, order, migratetype. */
export interface Block {
  readonly pfn: number;
  readonly order: number;
  readonly mt: number;
}

export interface ZoneSeed {
  readonly shape: ZoneShape;
  readonly mode: ZoneMode;
  readonly counts: ZoneCounts | null;
  /** full zones: the planned free blocks. */
  readonly blocks: readonly Block[];
  /** full zones: migratetype of each pageblock the zone spans (index = pfn >> pageblock_order minus the first). */
  readonly pageblockTypes: Int8Array | null;
  /** full zones: tokens the layout could not place. */
  readonly unplaced: number;
}

export interface ReplayPlan {
  readonly plan: MachinePlan;
  readonly zones: ReadonlyMap<string, ZoneSeed>;
  readonly notes: readonly string[];
}

const LOW_RESERVED: Range = [0, 0x100];

/** Builds the plan of a machine shaped by a zoneinfo. */
export function buildReplayPlan(shape: TracedShape, counts: ReadonlyMap<string, ZoneCounts>, structPageSize: number): ReplayPlan {
  const notes: string[] = [];
  const nodes = nodeRanges(shape);
  const kdataBytes = kdataBytesFor(shape.nodes, shape.cpus);
  const structural: Range[] = [LOW_RESERVED];
  let kdataPfn = 0;
  nodes.forEach(([s, e], n) => {
    const memmapPages = Math.ceil(((e - s) * structPageSize) / PAGE_SIZE);
    structural.push([e - memmapPages, e]);
    if (n === 0) {
      // As planMachine: the kernel data sits below node 0's memmap, inside one 4 GiB window.
      kdataPfn = e - memmapPages - kdataBytes / PAGE_SIZE;
      const pagesPer4G = 2 ** 32 / PAGE_SIZE;
      if (Math.floor(kdataPfn / pagesPer4G) !== Math.floor((kdataPfn + kdataBytes / PAGE_SIZE - 1) / pagesPer4G)) kdataPfn -= kdataBytes / PAGE_SIZE;
      structural.push([kdataPfn, kdataPfn + kdataBytes / PAGE_SIZE]);
    }
  });
  const reserved: Range[] = [...structural];
  const zones = new Map<string, ZoneSeed>();
  for (const z of shape.zones) {
    const avail = subtract(z.ram, structural);
    const availPages = total(avail);
    const c = counts.get(zoneKey(z.node, z.name)) ?? null;
    let need = availPages - z.managed;
    if (need < 0) {
      notes.push(`zone ${z.name}: managed ${z.managed} is more than the ${availPages} pages left after pagesim's own reservations; it gets ${availPages}`);
      need = 0;
    }
    const pcp = (z.pcpCount ?? []).reduce((a, b) => a + b, 0);
    if (c !== null && countedPages(c) === z.managed && pcp === 0) {
      const layout = layoutFullZone(z, avail, c);
      const holes = subtract(avail, layout.blocks.map((b) => [b.pfn, b.pfn + (1 << b.order)] as const));
      reserved.push(...holes);
      if (layout.unplaced > 0) notes.push(`zone ${z.name}: ${layout.unplaced} free blocks of the snapshot did not fit the zone's RAM`);
      zones.set(zoneKey(z.node, z.name), { shape: z, mode: 'full', counts: c, blocks: layout.blocks, pageblockTypes: layout.types, unplaced: layout.unplaced });
      continue;
    }
    reserved.push(...topPages(avail, need));
    if (c === null) notes.push(`zone ${z.name}: no free counts for it in the initial snapshot; its managed pages start free`);
    zones.set(zoneKey(z.node, z.name), { shape: z, mode: c === null ? 'free' : 'lazy', counts: c, blocks: [], pageblockTypes: null, unplaced: 0 });
  }
  const ram = merge(shape.zones.flatMap((z) => z.ram));
  const plan: MachinePlan = {
    config: { memoryBytes: shape.nrPages * PAGE_SIZE, cpus: shape.cpus, nodes: shape.nodes },
    nr_pages: shape.nrPages,
    ram,
    nodeRanges: nodes,
    reserved: merge(reserved),
    kdataPfn,
    kdataBytes,
  };
  return { plan, zones, notes };
}

/** The highest `n` pages of the ranges. */
function topPages(ranges: readonly Range[], n: number): Range[] {
  const out: Range[] = [];
  for (let i = ranges.length - 1; i >= 0 && n > 0; i--) {
    const [s, e] = ranges[i]!;
    const take = Math.min(n, e - s);
    out.push([e - take, e]);
    n -= take;
  }
  return out;
}

function total(ranges: readonly Range[]): number {
  return ranges.reduce((n, [s, e]) => n + e - s, 0);
}

/** Sorted union of ranges. */
export function merge(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** The parts of `ranges` outside `minus`. */
export function subtract(ranges: readonly Range[], minus: readonly Range[]): Range[] {
  const cut = merge(minus);
  const out: Range[] = [];
  for (const [s0, e0] of merge(ranges)) {
    let s = s0;
    for (const [a, b] of cut) {
      if (b <= s || a >= e0) continue;
      if (a > s) out.push([s, a]);
      s = Math.max(s, b);
    }
    if (s < e0) out.push([s, e0]);
  }
  return out;
}

/**
 * Lays out a zone whose managed pages were all free: the snapshot's blocks,
 * largest first, each at the lowest aligned place in the zone's RAM that is
 * still empty, whose buddy is not a free block of the same order (the two
 * would have merged), and whose pageblocks are of its migratetype or still
 * untyped (typing them, within the snapshot's count of pageblocks of that
 * type). Pageblocks left untyped get the types the counts still need.
 */
function layoutFullZone(z: ZoneShape, avail: readonly Range[], c: ZoneCounts): { blocks: Block[]; types: Int8Array; unplaced: number } {
  const start = z.start;
  const end = z.start + z.spanned;
  const size = end - start;
  const free = new Uint8Array(size); // 1 = RAM we may use, 2 = used by a block
  for (const [s, e] of avail) free.fill(1, Math.max(s, start) - start, Math.min(e, end) - start);
  const headOrder = new Int8Array(size).fill(-1);
  const pb0 = start >>> pageblock_order;
  const types = new Int8Array(((end - 1) >>> pageblock_order) - pb0 + 1).fill(-1);
  const budget = c.blocks === null ? null : Int32Array.from(c.blocks);
  const blocks: Block[] = [];
  let unplaced = 0;
  const typeOk = (pb: number, mt: number): boolean => types[pb - pb0] === mt || (types[pb - pb0] === -1 && (budget === null || budget[mt]! > 0));
  for (let order = MAX_PAGE_ORDER; order >= 0; order--) {
    const nr = 1 << order;
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
      let want = c.free[freeIndex(order, mt)]!;
      for (let pos = Math.ceil(start / nr) * nr; want > 0 && pos + nr <= end; pos += nr) {
        if (free[pos - start] !== 1) {
          // Past the pages already taken (most of the zone, for the small orders) to the next
          // that is not: every aligned place before it fails fits() anyway.
          const next = free.indexOf(1, pos - start);
          if (next < 0) break;
          pos = Math.ceil((next + start) / nr) * nr - nr;
          continue;
        }
        if (!fits(free, pos - start, nr)) continue;
        const buddy = pos ^ nr;
        if (order < MAX_PAGE_ORDER && buddy >= start && buddy < end && headOrder[buddy - start] === order) continue;
        const pbFirst = pos >>> pageblock_order;
        const pbLast = (pos + nr - 1) >>> pageblock_order;
        let ok = true;
        for (let pb = pbFirst; pb <= pbLast && ok; pb++) ok = typeOk(pb, mt);
        if (!ok) continue;
        free.fill(2, pos - start, pos - start + nr);
        headOrder[pos - start] = order;
        for (let pb = pbFirst; pb <= pbLast; pb++) {
          if (types[pb - pb0] === -1) {
            types[pb - pb0] = mt;
            if (budget !== null) budget[mt]!--;
          }
        }
        blocks.push({ pfn: pos, order, mt });
        want--;
      }
      unplaced += want;
    }
  }
  for (let i = 0; i < types.length; i++) {
    if (types[i] !== -1) continue;
    let mt = MIGRATE_MOVABLE;
    if (budget !== null) {
      for (let t = 0; t < MIGRATE_TYPES; t++) {
        if (budget[t]! > 0) {
          mt = t;
          break;
        }
      }
      if (budget[mt]! > 0) budget[mt]!--;
    }
    types[i] = mt;
  }
  return { blocks, types, unplaced };
}

function fits(free: Uint8Array, at: number, nr: number): boolean {
  for (let i = 0; i < nr; i++) if (free[at + i] !== 1) return false;
  return true;
}

/** First pageblock index of a zone (for ZoneSeed.pageblockTypes). */
export function firstPageblock(z: ZoneShape): number {
  return z.start >>> pageblock_order;
}


