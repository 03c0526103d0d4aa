/**
 * Booting the machine a replay runs on, and its t0 starting state.
 *
 * With a zoneinfo the machine has the traced one's zones (plan.ts) and
 * boots through MmInit.boot like any pagesim machine; zoneinfo's spanned
 * counts holes at the zone's end that pagesim's boot leaves out, so the
 * spans are set afterwards. Without one it is an ordinary pagesim machine
 * large enough for the trace's pfns, every zone seeded "all free".
 */

import type { BuiltVariant } from '../engine/build.js';
import { createMachine } from '../engine/build.js';
import type { Kernel } from '../kernel/kernel.js';
import { MAX_NR_ZONES, MIGRATE_MOVABLE, MIGRATE_TYPES, NR_PAGE_ORDERS, pageblock_nr_pages, pageblock_order } from '../kernel/config.js';
import { SymbolTable } from '../kernel/symbols.js';
import type { Zone } from '../kernel/mmzone.js';
import { buildReplayPlan, firstPageblock, merge, subtract, type ReplayPlan, type ZoneMode, type ZoneSeed } from './plan.js';
import { memoryForTrace, zoneKey, type Range, type TracedShape, type ZoneCounts } from './shape.js';
import { zoneSpan, type MachinePlan } from '../kernel/mm_init.js';
import { K_FREE, K_FREE0, K_PRE, PB_FIXED, PageStates } from './state.js';
import { set_pageblock_type } from './kernel-ext.js';

/** What the replay keeps per zone. */
export interface ZoneRuntime {
  readonly zone: Zone;
  readonly mode: ZoneMode;
  readonly counts: ZoneCounts | null;
  /** lazy zones: snapshot blocks not yet placed, [order * MIGRATE_TYPES + mt]. */
  readonly tokens: Int32Array | null;
  /** pcp->count per CPU at t0, or null. */
  readonly pcpTarget: readonly number[] | null;
  /** lazy zones: snapshot blocks per order the trace shows were gone before it began. */
  readonly gone: Int32Array;
}

export interface ReplayMachine {
  readonly k: Kernel;
  readonly st: PageStates;
  /** By page_zone_id (nid * MAX_NR_ZONES + zone_idx). */
  readonly zones: readonly (ZoneRuntime | undefined)[];
  readonly plan: ReplayPlan | null;
  readonly notes: string[];
}

/** What a machine is built from: the shape and t0 counts, or (without a zoneinfo) the trace's reach. */
export interface MachineSource {
  readonly shape: TracedShape | null;
  readonly counts: ReadonlyMap<string, ZoneCounts>;
  readonly maxPfn: number;
  readonly maxCpu: number;
  /** The trace file and the line of the event that names maxPfn, for the error when it is out of reach. */
  readonly maxPfnAt?: { readonly file: string; readonly line: number };
}

/** Boots the machine and seeds its base t0 state (see seedBase). */
export function bootReplayMachine(built: BuiltVariant, src: MachineSource): ReplayMachine {
  const structPageSize = built.structs.get('page')!.size;
  const notes: string[] = [];
  let k: Kernel;
  let rplan: ReplayPlan | null = null;
  if (src.shape !== null) {
    rplan = buildReplayPlan(src.shape, src.counts, structPageSize);
    notes.push(...rplan.notes);
    const uncounted = uncountedRanges(rplan.plan, src.shape, src.counts);
    k = new built.kernelClass({ ...rplan.plan, uninitialised: uncounted.ranges }, { structs: built.structs }, new SymbolTable(built.symbolDecls));
    k.boot();
    fixSpans(k, src.shape, notes);
    notes.push(...uncounted.notes);
  } else {
    const { memoryBytes, cpus } = memoryForTrace(src.maxPfn, src.maxCpu, structPageSize, src.maxPfnAt);
    k = createMachine(built, { memoryBytes, cpus, nodes: 1 });
    notes.push(`no zoneinfo: a ${memoryBytes / 2 ** 30} GiB pagesim machine with ${cpus} CPU${cpus > 1 ? 's' : ''}, every managed page free at t0`);
  }
  const st = new PageStates(k.nr_pages);
  const zones: (ZoneRuntime | undefined)[] = [];
  for (const zone of k.zones) {
    if (!zone.populated()) continue;
    const seed = rplan?.zones.get(zoneKey(zone.nid, zone.name));
    zones[zone.nid * MAX_NR_ZONES + zone.idx] = runtimeOf(zone, seed);
    if (seed?.mode === 'full') applyFullTypes(k, zone, seed, st);
  }
  const rm: ReplayMachine = { k, st, zones, plan: rplan, notes };
  seedBase(rm);
  return rm;
}

function runtimeOf(zone: Zone, seed: ZoneSeed | undefined): ZoneRuntime {
  const mode: ZoneMode = seed?.mode ?? 'free';
  const counts = seed?.counts ?? null;
  return {
    zone,
    mode,
    counts,
    tokens: mode === 'lazy' && counts !== null ? Int32Array.from(counts.free) : null,
    pcpTarget: seed?.shape.pcpCount ?? null,
    gone: new Int32Array(NR_PAGE_ORDERS),
  };
}

/** zoneinfo's spans; and what boot made of present and managed, checked against it. */
function fixSpans(k: Kernel, shape: TracedShape, notes: string[]): void {
  for (const z of shape.zones) {
    const zone = k.nodes[z.node]!.node_zones[z.idx]!;
    if (zone.zone_start_pfn !== z.start) notes.push(`zone ${z.name}: starts at pfn ${zone.zone_start_pfn}, the snapshot says ${z.start}`);
    zone.spanned_pages = z.spanned;
    if (zone.present_pages !== z.present) notes.push(`zone ${z.name}: ${zone.present_pages} present pages, the snapshot says ${z.present}`);
    if (zone.managed_pages !== z.managed) notes.push(`zone ${z.name}: ${zone.managed_pages} managed pages, the snapshot says ${z.managed}`);
  }
}

/**
 * The captured VM's Normal zone has 5.5 M present pages, but its
 * pagetypeinfo counts only the pageblocks of the 327680 managed ones, and
 * its kpageflags shows the other 5.46 M pages with no flags at all: their
 * struct pages were never initialised (zeroed memmap, zone 0), so
 * pagetypeinfo_showblockcount_print() skips them (page_zone() is not the
 * zone). Where the snapshot counts fewer pageblocks than the zone's RAM
 * has, the top pageblocks are left uninitialised the same way (only
 * reserved ones: a managed page always keeps its links): the machine is
 * planned with them as uninitialised ranges, which boot does not write,
 * so most of a traced machine's memmap is never touched.
 *
 * Computed from the plan before boot: a zone's linked pageblocks are those
 * it spans at boot (zoneSpan()) up to the snapshot's span, and a page is
 * reserved after boot unless it is RAM outside memblock.reserved.
 */
function uncountedRanges(plan: MachinePlan, shape: TracedShape, counts: ReadonlyMap<string, ZoneCounts>): { ranges: Range[]; notes: string[] } {
  const ranges: Range[] = [];
  const notes: string[] = [];
  const free = subtract(plan.ram, plan.reserved);
  for (const z of shape.zones) {
    const blocks = counts.get(zoneKey(z.node, z.name))?.blocks;
    if (blocks === undefined || blocks === null) continue;
    const span = zoneSpan(plan.ram, plan.nodeRanges[z.node]!, z.idx);
    if (span === null) continue;
    const [start, bootEnd] = span;
    const end = start + z.spanned;
    const want = blocks.reduce((a, b) => a + b, 0);
    const linked: number[] = [];
    for (let pfn = start; pfn < end && pfn < bootEnd; pfn += pageblock_nr_pages) linked.push(pfn);
    let excess = linked.length - want;
    let zeroed = 0;
    // The top of the free memory below the zone's end: going down from the top, the first
    // pageblock that starts below it holds free pages, and none above it does.
    let topFree = 0;
    for (const [a, b] of free) if (a < end) topFree = Math.max(topFree, Math.min(b, end));
    // Pageblocks from the top down, each joining the range above it (the Normal zone of the
    // captured VM gives 10,112 of them: one range, not 10,112 to sort and merge).
    let low = -1;
    let high = -1;
    for (let i = linked.length - 1; i >= 0 && excess > 0; i--, excess--) {
      const s = linked[i]!;
      const e = Math.min(s + pageblock_nr_pages, end);
      if (s < topFree) break;
      if (e !== low) {
        if (high > low) ranges.push([low, high]);
        high = e;
      }
      low = s;
      zeroed += e - s;
    }
    if (high > low) ranges.push([low, high]);
    if (zeroed > 0) notes.push(`zone ${z.name}: ${zeroed} reserved pages in no pageblock the snapshot counts: struct pages left zeroed, as on the captured VM`);
  }
  return { ranges: merge(ranges), notes };
}

/** A full zone's pageblocks get the planned types (boot made them all Movable), moving their free blocks along. */
function applyFullTypes(k: Kernel, zone: Zone, seed: ZoneSeed, st: PageStates): void {
  const types = seed.pageblockTypes!;
  const pb0 = firstPageblock(seed.shape);
  for (let i = 0; i < types.length; i++) {
    const pb = pb0 + i;
    const mt = types[i]!;
    if (mt !== MIGRATE_MOVABLE) set_pageblock_type(k, zone, Math.max(pb << pageblock_order, zone.zone_start_pfn), mt);
    st.pbState[pb] = PB_FIXED;
    st.t0Type[pb] = mt;
  }
}

/**
 * The base t0 state: boot left every managed page free. Full and free
 * zones keep that (their pages are marked free); lazy zones take every free
 * block off the lists: held, "untouched" pages, to be freed again block by
 * block where the trace shows t0 free blocks. They keep the frozen refcount
 * boot gave them until the replay ends (completeT0 gives the ones still
 * untouched their reference): the replay never reads it, and most of them
 * go back to the free lists, which want them frozen.
 */
function seedBase(rm: ReplayMachine): void {
  const { k, st } = rm;
  for (const rt of rm.zones) {
    if (rt === undefined) continue;
    const zone = rt.zone;
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        const head = zone.freeList(order, mt);
        if (rt.mode === 'lazy') {
          for (let page = k.get_page_from_free_area(zone, order, mt); page >= 0; page = k.get_page_from_free_area(zone, order, mt)) {
            k.del_page_from_free_list(page, zone, order, mt);
            st.setKind(page, 1 << order, K_PRE);
          }
        } else {
          const kind = rt.mode === 'full' ? K_FREE : K_FREE0;
          for (let node = k.list_first(head); node >= 0; node = k.list_next(node, head)) {
            const page = k.pfnOfWord(node - k.W_lru);
            st.setKind(page, 1 << order, kind);
          }
        }
      }
    }
  }
}

/** The runtime of the zone holding pfn (the caller checked pfn is in the memmap). */
export function zoneRuntimeOf(rm: ReplayMachine, pfn: number): ZoneRuntime | undefined {
  return rm.zones[rm.k.page_zone_id(pfn)];
}


