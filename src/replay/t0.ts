/**
 * Reconstructing the t0 free state of a zone that had allocated pages.
 *
 * The snapshot gives how many free blocks each order and migratetype had,
 * not where. The trace shows where, one block at a time: the first time it
 * takes a page off the buddy lists that it never touched before, that page
 * was in a free block at t0, and the kernel took it from the smallest order
 * whose free list of that migratetype was not empty (__rmqueue_smallest).
 * So the block is placed there, at the smallest order that still has
 * snapshot blocks left and fits (every page of it untouched, its buddy not
 * a free block of the same order, its pageblock not of another type). The
 * blocks the trace never reaches are placed at the end, in untouched
 * memory, lowest address first.
 */

import type { Kernel } from '../kernel/kernel.js';
import type { Zone } from '../kernel/mmzone.js';
import { MAX_PAGE_ORDER, MIGRATE_MOVABLE, MIGRATE_PCPTYPES, MIGRATE_TYPES, pageblock_order } from '../kernel/config.js';
import { FPI_NONE } from '../kernel/internal.js';
import { rmqueue_bulk_add, set_pageblock_type } from './kernel-ext.js';
import type { ReplayMachine, ZoneRuntime } from './machine.js';
import { freeIndex } from './shape.js';
import { K_FREE, K_PCP, K_PRE, PB_GUESSED, PB_OBSERVED, PB_UNKNOWN, type PageStates, type T0Layout } from './state.js';

/** Whether the order-`order` block holding pfn could have been free since t0. */
function placeable(k: Kernel, st: PageStates, zone: Zone, pfn: number, order: number, mt: number): boolean {
  const nr = 1 << order;
  const head = pfn & ~(nr - 1);
  if (head < zone.zone_start_pfn || head + nr > zone.zone_end_pfn()) return false;
  const kind = st.kind;
  for (let p = head; p < head + nr; p++) if (kind[p] !== K_PRE) return false;
  if (order < MAX_PAGE_ORDER) {
    const buddy = head ^ nr;
    if (buddy < k.nr_pages && ((k.PageBuddy(buddy) && k.buddy_order(buddy) === order) || st.t0Head[buddy] === order + 1)) return false;
  }
  const pbLast = (head + nr - 1) >>> pageblock_order;
  for (let pb = head >>> pageblock_order; pb <= pbLast; pb++) {
    if (st.pbState[pb]! >= PB_OBSERVED && k.get_pfnblock_migratetype(pb << pageblock_order, pb << pageblock_order) !== mt) return false;
  }
  return true;
}

/** Frees the untouched block [head, head + 2^order) as a t0 free block of type mt. */
function placeBlock(rm: ReplayMachine, zone: Zone, head: number, order: number, mt: number): void {
  const { k, st } = rm;
  const nr = 1 << order;
  const pbLast = (head + nr - 1) >>> pageblock_order;
  for (let pb = head >>> pageblock_order; pb <= pbLast; pb++) typePageblock(rm, zone, pb, mt, PB_OBSERVED);
  k.__free_one_page(head, head, zone, order, mt, FPI_NONE);
  st.setKind(head, nr, K_FREE);
  st.t0Head[head] = order + 1;
}

/**
 * Gives a pageblock a type the replay learned (`how` = PB_OBSERVED) or
 * chose (PB_GUESSED). Its t0 type is the first type it gets, except that a
 * guess gives way to the first observation (the guess was wrong since t0);
 * a later change of an observed type happened during the trace and leaves
 * the t0 type alone.
 */
export function typePageblock(rm: ReplayMachine, zone: Zone, pb: number, mt: number, how: number): void {
  const { k, st } = rm;
  const pfn = Math.max(pb << pageblock_order, zone.zone_start_pfn);
  if (k.get_pfnblock_migratetype(pfn, pfn) !== mt) set_pageblock_type(k, zone, pfn, mt);
  const was = st.pbState[pb]!;
  if (was >= how) return;
  if (was === PB_UNKNOWN || (was === PB_GUESSED && how >= PB_OBSERVED)) st.t0Type[pb] = mt;
  st.pbState[pb] = how;
}

/**
 * The trace takes [pfn, pfn + 2^order) off the free lists of `mt` and those
 * pages are untouched: place the t0 free block they were in, and return
 * true (false when the pages are not all untouched: the caller reports the
 * inconsistency).
 *
 * __rmqueue_smallest hands out the head of the block it takes (expand puts
 * the upper halves back), so pfn is the block's head, and the block's order
 * is the smallest whose list was not empty. `run` is how many blocks of
 * this order the same refill took right after it at pfn + 2^order,
 * pfn + 2 * 2^order, ...: taking a block's remnants in ascending order is
 * what consuming one larger block looks like, so the block was at least
 * that large; and the smaller orders' lists were empty then, so the
 * snapshot blocks the replay still had for them were gone before the trace
 * began (allocated between reading t0 and switching tracing on). `orderHint`
 * is the block's order when the event says it (extfrag's fallback_order).
 */
export function placeT0Block(rm: ReplayMachine, rt: ZoneRuntime, t0: T0Layout, pfn: number, order: number, mt: number, orderHint: number, run: number): boolean {
  const { k, st } = rm;
  const zone = rt.zone;
  const tokens = rt.tokens;
  if (tokens === null) return false;
  if (orderHint >= order && orderHint <= MAX_PAGE_ORDER && tokens[freeIndex(orderHint, mt)]! > 0 && placeable(k, st, zone, pfn, orderHint, mt)) {
    return place(rm, rt, t0, pfn, orderHint, mt, true);
  }
  const headLimit = pfn === 0 ? MAX_PAGE_ORDER : Math.min(MAX_PAGE_ORDER, 31 - Math.clz32(pfn & -pfn));
  const minOrder = order + Math.ceil(Math.log2(Math.max(run, 1)));
  if (minOrder <= headLimit) {
    for (let o = order; o < minOrder; o++) {
      const gone = tokens[freeIndex(o, mt)]!;
      if (gone > 0) {
        t0.goneByOrder[o]! += gone;
        rt.gone[o]! += gone;
        tokens[freeIndex(o, mt)] = 0;
      }
    }
    for (let o = minOrder; o <= headLimit; o++) {
      if (tokens[freeIndex(o, mt)]! > 0 && placeable(k, st, zone, pfn, o, mt)) return place(rm, rt, t0, pfn, o, mt, true);
    }
    for (let o = minOrder; o <= headLimit; o++) {
      if (placeable(k, st, zone, pfn, o, mt)) return place(rm, rt, t0, pfn, o, mt, false);
    }
  }
  // pfn cannot head a block: the model's view of its neighbourhood differs; any block holding it will do.
  for (let o = order; o <= MAX_PAGE_ORDER; o++) {
    if (tokens[freeIndex(o, mt)]! > 0 && placeable(k, st, zone, pfn, o, mt)) return place(rm, rt, t0, pfn, o, mt, true);
  }
  for (let o = order; o <= MAX_PAGE_ORDER; o++) {
    if (placeable(k, st, zone, pfn, o, mt)) return place(rm, rt, t0, pfn, o, mt, false);
  }
  // Even the block itself cannot be placed without meeting a free buddy: place it anyway (it merges).
  const head = pfn & ~((1 << order) - 1);
  if (head < zone.zone_start_pfn || head + (1 << order) > zone.zone_end_pfn() || !st.allKind(head, 1 << order, K_PRE)) return false;
  return place(rm, rt, t0, head, order, mt, false);
}

function place(rm: ReplayMachine, rt: ZoneRuntime, t0: T0Layout, pfn: number, order: number, mt: number, counted: boolean): boolean {
  const head = pfn & ~((1 << order) - 1);
  placeBlock(rm, rt.zone, head, order, mt);
  if (counted) rt.tokens![freeIndex(order, mt)]!--;
  else t0.extraByOrder[order]!++;
  t0.addBlock(head, order, mt, true);
  return true;
}

/**
 * After the last event: the snapshot's free blocks the trace never reached
 * go into untouched memory (largest first, lowest address first), untyped
 * pageblocks take the types the snapshot's pageblock counts still need,
 * and the pcp lists get untouched pages up to the snapshot's pcp counts
 * (pages the trace never touched stay where t0 had them, so placing them
 * at the end is the same as at t0).
 */
export function completeT0(rm: ReplayMachine, t0: T0Layout): void {
  for (const rt of rm.zones) {
    if (rt === undefined || rt.mode !== 'lazy') continue;
    placeRemaining(rm, rt, t0);
    typeRemaining(rm, rt);
    fillPcp(rm, rt, t0);
    holdUntouched(rm, rt);
  }
}

/**
 * The end of the zone's struct pages that boot initialised: the zone's end,
 * or where the uninitialised reserved pages at its top begin (a traced
 * VM's Normal zone: 5.2 M of its 5.5 M pages). Those pages are never the
 * replay's (K_RSV), so the sweeps below stop there instead of reading
 * millions of bytes that say so.
 */
function initialisedEnd(rm: ReplayMachine, zone: Zone): number {
  let end = zone.zone_end_pfn();
  const un = rm.k.plan.uninitialised ?? [];
  for (let i = un.length - 1; i >= 0; i--) {
    const [s, e] = un[i]!;
    if (s < end && e >= end) end = Math.max(s, zone.zone_start_pfn);
  }
  return end;
}

/** The pages still untouched were held since before the trace: they get the reference a held page has. */
export function holdUntouched(rm: ReplayMachine, rt: ZoneRuntime): void {
  const { k, st } = rm;
  const kind = st.kind;
  const end = initialisedEnd(rm, rt.zone);
  for (let p = rt.zone.zone_start_pfn; p < end; p++) if (kind[p] === K_PRE) k.set_page_refcounted(p);
}

function placeRemaining(rm: ReplayMachine, rt: ZoneRuntime, t0: T0Layout): void {
  const { k, st } = rm;
  const zone = rt.zone;
  const tokens = rt.tokens!;
  const start = zone.zone_start_pfn;
  const end = initialisedEnd(rm, zone);
  const budget = pageblockBudget(rm, rt);
  for (let order = MAX_PAGE_ORDER; order >= 0; order--) {
    const nr = 1 << order;
    for (const mt of typeOrder()) {
      let want = tokens[freeIndex(order, mt)]!;
      for (let pos = Math.ceil(start / nr) * nr; want > 0 && pos + nr <= end; pos += nr) {
        if (st.kind[pos] !== K_PRE) {
          // To the next untouched page (one native search): no aligned place before it starts with one.
          const next = st.kind.indexOf(K_PRE, pos);
          if (next < 0) break;
          pos = Math.ceil(next / nr) * nr - nr;
          continue;
        }
        if (st.kind[pos + nr - 1] !== K_PRE) continue;
        if (!placeable(k, st, zone, pos, order, mt)) continue;
        if (!typesAvailable(rm, pos, nr, mt, budget)) continue;
        const pbLast = (pos + nr - 1) >>> pageblock_order;
        for (let pb = pos >>> pageblock_order; pb <= pbLast; pb++) if (st.pbState[pb] === PB_UNKNOWN && budget !== null) budget[mt]!--;
        placeBlock(rm, zone, pos, order, mt);
        tokens[freeIndex(order, mt)]!--;
        t0.addBlock(pos, order, mt, false);
        want--;
      }
      t0.unplacedByOrder[order]! += want;
      tokens[freeIndex(order, mt)] = 0;
    }
  }
}

/** Movable first: most memory is, and its blocks are the large ones. */
function typeOrder(): number[] {
  return [MIGRATE_MOVABLE, ...Array.from({ length: MIGRATE_TYPES }, (_, i) => i).filter((i) => i !== MIGRATE_MOVABLE)];
}

/** Pageblocks of each type the snapshot counts beyond those the replay already typed, or null without counts. */
function pageblockBudget(rm: ReplayMachine, rt: ZoneRuntime): Int32Array | null {
  const blocks = rt.counts?.blocks ?? null;
  if (blocks === null) return null;
  const budget = Int32Array.from(blocks);
  const { k, st } = rm;
  const zone = rt.zone;
  for (let pfn = zone.zone_start_pfn; pfn < zone.zone_end_pfn(); pfn += 512) {
    const pb = pfn >>> pageblock_order;
    if (st.pbState[pb] !== PB_UNKNOWN && k.memmapZone(pfn) === zone) budget[k.get_pfnblock_migratetype(pfn, pfn)]!--;
  }
  return budget;
}

/** Whether the pageblocks of a block can be (or are) of type mt. */
function typesAvailable(rm: ReplayMachine, pos: number, nr: number, mt: number, budget: Int32Array | null): boolean {
  const { k, st } = rm;
  const pbLast = (pos + nr - 1) >>> pageblock_order;
  let needed = 0;
  for (let pb = pos >>> pageblock_order; pb <= pbLast; pb++) {
    if (st.pbState[pb] === PB_UNKNOWN) needed++;
    else if (k.get_pfnblock_migratetype(pb << pageblock_order, pb << pageblock_order) !== mt) return false;
  }
  return needed === 0 || budget === null || budget[mt]! >= needed;
}

function typeRemaining(rm: ReplayMachine, rt: ZoneRuntime): void {
  const { k, st } = rm;
  const zone = rt.zone;
  const budget = pageblockBudget(rm, rt);
  for (let pfn = zone.zone_start_pfn; pfn < zone.zone_end_pfn(); pfn += 512) {
    const pb = pfn >>> pageblock_order;
    if (st.pbState[pb] !== PB_UNKNOWN || k.memmapZone(pfn) !== zone) continue;
    let mt = MIGRATE_MOVABLE;
    if (budget !== null && budget[mt]! <= 0) {
      for (let t = 0; t < MIGRATE_TYPES; t++) if (budget[t]! > 0) mt = t;
    }
    if (budget !== null) budget[mt]!--;
    typePageblock(rm, zone, pb, mt, PB_GUESSED);
  }
}

/** Untouched pages onto the pcp lists, order 0, up to the snapshot's count per CPU (from the top of the zone down). */
function fillPcp(rm: ReplayMachine, rt: ZoneRuntime, t0: T0Layout): void {
  const target = rt.pcpTarget;
  if (target === null) return;
  const { k, st } = rm;
  const zone = rt.zone;
  const have = new Array<number>(target.length).fill(0);
  for (let i = 0; i < t0.pcp.length; i += 4) {
    const pfn = t0.pcp[i]!;
    if (k.page_zone(pfn) === zone) have[t0.pcp[i + 3]!]! += 1 << t0.pcp[i + 1]!;
  }
  let pfn = initialisedEnd(rm, zone) - 1;
  for (let cpu = 0; cpu < target.length && cpu < zone.pcp.length; cpu++) {
    let want = target[cpu]! - have[cpu]!;
    if (want < 0) t0.pcpExcess += -want;
    for (; want > 0 && pfn >= zone.zone_start_pfn; pfn--) {
      if (st.kind[pfn] !== K_PRE) continue;
      let mt = k.get_pfnblock_migratetype(pfn, pfn);
      if (mt >= MIGRATE_PCPTYPES) mt = MIGRATE_MOVABLE;
      rmqueue_bulk_add(zone.pcp[cpu]!, k, pfn, mt, 0);
      st.kind[pfn] = K_PCP;
      st.headOrd[pfn] = 1;
      st.pcpCpu[pfn] = cpu;
      t0.addPcp(pfn, 0, mt, cpu);
      want--;
    }
  }
}
