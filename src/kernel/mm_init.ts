/**
 * Booting the simulated machine: the physical memory map, memblock
 * reservations, memmap initialisation, releasing free memory into the buddy
 * allocator, watermarks, lowmem reserves and per-CPU list sizes.
 *
 * Follows mm/mm_init.c, mm/memblock.c and the watermark code of
 * mm/page_alloc.c (linux-mm 7.3.0-rc5). Checked against a real
 * 6.18 x86_64 VM's /proc/zoneinfo: the same formulas give its watermarks,
 * protection values and pcp high_min/high_max/batch exactly.
 *
 * The machine's physical map, as on an x86_64 PC:
 *   e820 RAM: [pfn 1, 0x9f) and [0x100, max_pfn); no PCI hole is modelled.
 *   memblock reservations: the first 1 MiB (x86 reserves it since 5.13),
 *   the kernel image (16 MiB at 16 MiB), each node's memmap at the top of
 *   the node, and the allocator's own kernel data (zones' free lists and
 *   the per-CPU lists) just below node 0's memmap.
 */

import {
  MAX_DMA32_PFN,
  MAX_DMA_PFN,
  MAX_NR_ZONES,
  MAX_PAGE_ORDER,
  MIGRATE_MOVABLE,
  MIGRATE_PCPTYPES,
  NODES_PGOFF,
  PAGE_SHIFT,
  PAGE_SIZE,
  ZONES_PGOFF,
  ZONE_DMA,
  ZONE_DMA32,
  ZONE_MOVABLE,
  ZONE_NORMAL,
  LIMITS,
  NR_PAGE_ORDERS,
  NR_PCP_LISTS,
  pageblock_nr_pages,
  zone_names,
  MIGRATE_TYPES,
} from './config.js';
import { PageAlloc } from './page_alloc.js';
import { declareSymbols } from './symbols.js';
import { FPI_TO_TAIL } from './internal.js';
import { PG_lru, PG_reserved } from './page-flags.js';
import { FREE_AREA_WORDS, WMARK_HIGH, WMARK_LOW, WMARK_MIN, WMARK_PROMO, type Zone } from './mmzone.js';
import { VMEMMAP_HI } from './machine.js';

declareSymbols('mm/mm_init.c', ['__init_single_page', 'memmap_init', 'free_area_init', 'memblock_free_all', 'setup_per_zone_wmarks', 'calculate_min_free_kbytes']);
declareSymbols('mm/swap.c', ['__folio_put']);
declareSymbols('mm/khugepaged.c', ['set_recommended_min_free_kbytes']);

export interface MachineConfig {
  readonly memoryBytes: number;
  readonly cpus: number;
  readonly nodes: number;
}

export const DEFAULT_MACHINE: MachineConfig = { memoryBytes: 2 ** 30, cpus: 2, nodes: 1 };

type Range = readonly [number, number];

export interface MachinePlan {
  readonly config: MachineConfig;
  readonly nr_pages: number;
  /** e820 RAM ranges, [start, end) pfns. */
  readonly ram: readonly Range[];
  readonly nodeRanges: readonly Range[];
  /** memblock.reserved, [start, end) pfns, sorted, non-overlapping. */
  readonly reserved: readonly Range[];
  readonly kdataPfn: number;
  readonly kdataBytes: number;
  /**
   * Reserved pfns whose struct pages the kernel never initialises: they
   * stay zeroed (page_zone() 0, no flags), as on a VM that initialises only
   * the memory it accounts for. memmap_init() does not write them and the
   * checkers do not read them. Sorted, non-overlapping; none by default.
   * (Memory sections without RAM are never initialised either, named or
   * not: sectionsWithoutRam().)
   */
  readonly uninitialised?: readonly Range[];
}

/** The plan's uninitialised ranges and its sections without RAM, sorted: the struct pages memmap_init() leaves zeroed. */
function zeroedRanges(plan: MachinePlan): Range[] {
  return [...(plan.uninitialised ?? []), ...sectionsWithoutRam(plan)].sort((a, b) => a[0] - b[0]);
}

/**
 * [0, nr_pages) without the plan's uninitialised ranges and its sections
 * without RAM: the struct pages memmap_init() writes.
 */
export function initialisedRanges(plan: MachinePlan): Range[] {
  const out: Range[] = [];
  let at = 0;
  for (const [s, e] of zeroedRanges(plan)) {
    if (s > at) out.push([at, Math.min(s, plan.nr_pages)]);
    at = Math.max(at, e);
  }
  if (at < plan.nr_pages) out.push([at, plan.nr_pages]);
  return out;
}

/** SECTION_SIZE_BITS on x86_64 (arch/x86/include/asm/sparsemem.h): a memory section is 128 MiB. */
const SECTION_SIZE_BITS = 27;
export const PAGES_PER_SECTION = 1 << (SECTION_SIZE_BITS - PAGE_SHIFT);

/**
 * The memory sections of [0, nr_pages) that hold no RAM, as pfn ranges.
 * With SPARSEMEM_VMEMMAP only sections with present memory get a memmap
 * (sparse_init()); pfn_valid() is false in the others, so memmap_init()'s
 * init_unavailable_range() skips them (mm/mm_init.c, 6.12) and their
 * struct pages are never written: a VM's PCI hole below 4 GiB is 1 GiB of
 * them (a replayed 24 GiB VM's: 16 MB of memmap boot no longer touches).
 * A machine planned by planMachine() has RAM in every section.
 */
export function sectionsWithoutRam(plan: Pick<MachinePlan, 'ram' | 'nr_pages'>): Range[] {
  const out: [number, number][] = [];
  let at = 0;
  const hole = (s: number, e: number): void => {
    const first = Math.ceil(s / PAGES_PER_SECTION) * PAGES_PER_SECTION;
    const last = Math.min(Math.floor(e / PAGES_PER_SECTION) * PAGES_PER_SECTION, plan.nr_pages);
    if (last > first) out.push([first, last]);
  };
  for (const [s, e] of plan.ram) {
    if (s > at) hole(at, s);
    at = Math.max(at, e);
  }
  if (at < plan.nr_pages) hole(at, Math.ceil(plan.nr_pages / PAGES_PER_SECTION) * PAGES_PER_SECTION);
  return out;
}

const KERNEL_IMAGE: Range = [(16 << 20) >> PAGE_SHIFT, (32 << 20) >> PAGE_SHIFT];
const MAX_ORDER_NR_PAGES = 1 << MAX_PAGE_ORDER;

/** Pages that may hold contents at once: a sixteenth of memory, at least 4096, at most 256 Ki (1 GiB). */
export function contentPagesFor(nr_pages: number): number {
  return Math.min(262144, Math.max(4096, Math.floor(nr_pages / 16)));
}

/** Bytes of kernel data the allocator's lists need. */
export function kdataBytesFor(nodes: number, cpus: number): number {
  const perZone = Math.ceil((NR_PAGE_ORDERS * FREE_AREA_WORDS * 4) / 16) * 16 + cpus * NR_PCP_LISTS * 16;
  return Math.ceil((nodes * MAX_NR_ZONES * perZone + KDATA_HEAP_BYTES) / PAGE_SIZE) * PAGE_SIZE;
}

/** Reserved kernel memory for the structures pagesim keeps in bytes besides the allocator's lists (kmem_caches, RCU lists). */
export const KDATA_HEAP_BYTES = 256 * 1024;

/** Validates a machine description (a bad one is the user's input error, reported by the caller). */
export function machineConfigProblem(c: MachineConfig): string | null {
  const { memoryBytes, cpus, nodes } = c;
  if (!Number.isInteger(memoryBytes) || memoryBytes < LIMITS.memoryBytesMin || memoryBytes > LIMITS.memoryBytesMax)
    return `memory must be between 64MiB and 64GiB (got ${memoryBytes} bytes)`;
  if (memoryBytes % (4 << 20) !== 0) return 'memory must be a multiple of 4MiB (whole MAX_PAGE_ORDER blocks)';
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > LIMITS.cpusMax) return `cpus must be between 1 and ${LIMITS.cpusMax}`;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > LIMITS.nodesMax) return `nodes must be between 1 and ${LIMITS.nodesMax}`;
  if (cpus < nodes) return 'every node needs at least one cpu';
  if (memoryBytes / nodes < 64 << 20) return 'every node needs at least 64MiB';
  return null;
}

function mergeRanges(rs: Range[]): Range[] {
  rs.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of rs) {
    const last = out[out.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** The pfns a zone of a node spans at boot: the node's RAM inside the zone's bounds, first to last present pfn; null when it has none. */
export function zoneSpan(ram: readonly Range[], [ns, ne]: Range, zoneIdx: number): Range | null {
  const [zs, ze] = zoneBounds(zoneIdx);
  let first = -1;
  let last = -1;
  for (const [a, b] of ram) {
    const s = Math.max(a, zs, ns);
    const e = Math.min(b, ze, ne);
    if (s < e) {
      if (first < 0) first = s;
      last = e;
    }
  }
  return first < 0 ? null : [first, last];
}

/** Lays out the physical address space of a machine. */
export function planMachine(config: MachineConfig, structPageSize: number): MachinePlan {
  // Math.floor keeps the pfn a small integer to V8 (a plain division of a byte count over
  // 2^31 yields a boxed double, and every pfn derived from it would be one too).
  const nr_pages = Math.floor(config.memoryBytes / PAGE_SIZE);
  const ram: Range[] = [
    [1, 0x9f],
    [0x100, nr_pages],
  ];
  const nodeRanges: Range[] = [];
  for (let n = 0; n < config.nodes; n++) {
    const start = Math.floor((n * nr_pages) / config.nodes / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
    const end = n === config.nodes - 1 ? nr_pages : Math.floor(((n + 1) * nr_pages) / config.nodes / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
    nodeRanges.push([start, end]);
  }
  const reserved: Range[] = [[0, 0x100], KERNEL_IMAGE];
  let kdataPfn = 0;
  const kdataBytes = kdataBytesFor(config.nodes, config.cpus);
  nodeRanges.forEach(([s, e], n) => {
    const memmapPages = Math.ceil(((e - s) * structPageSize) / PAGE_SIZE);
    reserved.push([e - memmapPages, e]);
    if (n === 0) {
      // Keep the kernel data inside one 4 GiB window of the direct map (see machine.ts).
      kdataPfn = e - memmapPages - kdataBytes / PAGE_SIZE;
      const pagesPer4G = 2 ** 32 / PAGE_SIZE;
      if (Math.floor(kdataPfn / pagesPer4G) !== Math.floor((kdataPfn + kdataBytes / PAGE_SIZE - 1) / pagesPer4G)) kdataPfn -= kdataBytes / PAGE_SIZE;
      reserved.push([kdataPfn, kdataPfn + kdataBytes / PAGE_SIZE]);
    }
  });
  return { config, nr_pages, ram, nodeRanges, reserved: mergeRanges(reserved), kdataPfn, kdataBytes };
}

/** Pages of [s, e) covered by the ranges. */
function overlap(ranges: readonly Range[], s: number, e: number): number {
  let n = 0;
  for (const [a, b] of ranges) n += Math.max(0, Math.min(b, e) - Math.max(a, s));
  return n;
}

function zoneBounds(idx: number): Range {
  switch (idx) {
    case ZONE_DMA:
      return [0, MAX_DMA_PFN];
    case ZONE_DMA32:
      return [MAX_DMA_PFN, MAX_DMA32_PFN];
    case ZONE_NORMAL:
      return [MAX_DMA32_PFN, Number.MAX_SAFE_INTEGER];
    default:
      return [0, 0];
  }
}

// lowmem_reserve_ratio[] (mm/page_alloc.c): DMA 256, DMA32 256, Normal 32, Movable 0.
const lowmem_reserve_ratio = [256, 256, 32, 0, 0];

export abstract class MmInit extends PageAlloc {
  min_free_kbytes = 0;
  readonly plan: MachinePlan;

  constructor(plan: MachinePlan, ...rest: ConstructorParameters<typeof PageAlloc> extends [unknown, ...infer R] ? R : never) {
    super({ nr_pages: plan.nr_pages, cpus: plan.config.cpus, nodes: plan.config.nodes, kdataBytes: plan.kdataBytes, kdataPfn: plan.kdataPfn, contentPages: contentPagesFor(plan.nr_pages) }, ...rest);
    this.plan = plan;
  }

  /** The complement of initialisedRanges(plan), sorted: the struct pages boot leaves zeroed. */
  private zeroedRanges: readonly Range[] | null = null;

  /**
   * page_zone() as a sweep over pageblocks sees it, without reading a struct
   * page the kernel never initialised (the plan's uninitialised ranges and
   * its sections without RAM): it holds zeroes, so its links say node 0,
   * zone 0. The sweeps of a large traced machine (pagetypeinfo's block
   * counts, the replay's pageblock types) would otherwise fault in millions
   * of untouched struct pages.
   */
  memmapZone(pfn: number): Zone {
    this.zeroedRanges ??= zeroedRanges(this.plan);
    for (const [s, e] of this.zeroedRanges) if (pfn >= s && pfn < e) return this.zones[0]!;
    return this.page_zone(pfn);
  }

  /** Boots the machine: zones, memmap, free memory into the buddy, watermarks, pcp sizes. */
  boot(): void {
    this.createZones(zone_names);
    this.free_area_init();
    if (this.bootsInOnePass()) this.memmapInitFree();
    else {
      this.memmap_init();
      this.memblock_free_all();
    }
    this.build_all_zonelists();
    this.calculate_min_free_kbytes();
    this.set_recommended_min_free_kbytes();
  }

  /** Zone spans and present pages from the node ranges and the e820 map. */
  free_area_init(): void {
    const { ram, nodeRanges } = this.plan;
    nodeRanges.forEach(([ns, ne], nid) => {
      const pgdat = this.nodes[nid]!;
      pgdat.node_start_pfn = ns;
      pgdat.node_spanned_pages = ne - ns;
      pgdat.node_present_pages = overlap(ram, ns, ne);
      for (const zone of pgdat.node_zones) {
        const span = zoneSpan(ram, [ns, ne], zone.idx);
        if (span === null) {
          zone.zone_start_pfn = zone.idx === ZONE_MOVABLE ? 0 : Math.max(zoneBounds(zone.idx)[0], ns);
          continue;
        }
        const [first, last] = span;
        zone.zone_start_pfn = first;
        zone.spanned_pages = last - first;
        zone.present_pages = overlap(ram, first, last);
      }
    });
  }

  /** The zone a pfn's struct page is linked to (holes take the zone around them, or the node's first). */
  private zoneOfPfn(pfn: number): Zone {
    const nid = this.plan.nodeRanges.findIndex(([s, e]) => pfn >= s && pfn < e);
    const node = this.nodes[nid < 0 ? 0 : nid]!;
    for (const z of node.node_zones) if (z.populated() && z.zone_spans_pfn(pfn)) return z;
    for (const z of node.node_zones) if (z.populated()) return z;
    return node.node_zones[0]!;
  }

  /**
   * memmap_init(): __init_single_page() for every pfn (flags with node and
   * zone, refcount 1, mapcount -1, last_cpupid unset, lru self-linked);
   * holes and memblock-reserved pages are PG_reserved; every pageblock
   * starts MIGRATE_MOVABLE. Written as one pass over the memmap words
   * because a 64 GiB machine has 16 Mi struct pages. The plan's
   * uninitialised ranges are left as they are (zeroed).
   */
  memmap_init(): void {
    for (const [s, e] of initialisedRanges(this.plan)) this.memmapInitRange(s, e);
    this.pageblockFlags.fill(MIGRATE_MOVABLE);
  }

  /**
   * Whether boot may write every struct page in its final state in one
   * pass (memmapInitFree): only while none of the functions whose effect
   * it writes directly is a variant's (or page_owner's) own.
   */
  bootsInOnePass(): boolean {
    const P = MmInit.prototype;
    return (
      this.memmap_init === P.memmap_init &&
      this.memblock_free_all === P.memblock_free_all &&
      this.__free_pages_memory === P.__free_pages_memory &&
      this.__free_pages_core === P.__free_pages_core &&
      this.set_page_count_frozen_boot === P.set_page_count_frozen_boot &&
      this.set_page_count === P.set_page_count &&
      this.setRefcountRaw === P.setRefcountRaw &&
      this.__free_pages_ok === P.__free_pages_ok &&
      this.__free_pages_prepare === P.__free_pages_prepare &&
      this.free_pages_reset_type === P.free_pages_reset_type &&
      this.page_cpupid_reset_last === P.page_cpupid_reset_last
    );
  }

  /**
   * memmap_init() then memblock_free_all(), with the machine state they
   * leave, in one pass over the memmap instead of three (initialise every
   * struct page; mark holes and reservations PG_reserved; clear PG_reserved
   * and the refcount of every free page while __free_pages_prepare() checks
   * it). A 64 GiB machine has 16 Mi struct pages, 1 GiB of memmap that is
   * touched for the first time here, and each extra pass over it costs as
   * much as the useful one. Each page is written once as the kernel leaves
   * it: a page of free memory as __free_pages_core() leaves it (refcount 0,
   * not reserved), a hole or reserved page as reserve_bootmem_region()
   * does (PG_reserved, refcount 1). The free blocks then enter the buddy
   * lists through free_one_page() in memblock_free_all()'s order, and
   * __free_pages_prepare() is left out: on a page just initialised every
   * one of its checks passes and every write it makes stores what is
   * already there (test/boot.test.ts compares both ways byte for byte).
   */
  private memmapInitFree(): void {
    const free = this.bootFreeRanges();
    for (const [s, e] of initialisedRanges(this.plan)) this.memmapInitRange(s, e, free);
    this.pageblockFlags.fill(MIGRATE_MOVABLE);
    for (const [s, e] of free) {
      for (let start = s; start < e; ) {
        let order = start ? Math.min(MAX_PAGE_ORDER, 31 - Math.clz32(start & -start)) : MAX_PAGE_ORDER;
        while (start + (1 << order) > e) order--;
        // __free_pages_core() with its per-page writes already made.
        const zone = this.page_zone(start);
        zone.managed_pages += 1 << order;
        this.free_one_page(zone, start, start, order, FPI_TO_TAIL);
        start += 1 << order;
      }
    }
  }

  /** The ranges memblock_free_all() releases: RAM outside memblock.reserved, split where zones and nodes start. */
  private bootFreeRanges(): Range[] {
    const out: Range[] = [];
    for (const [a, b] of this.plan.ram) {
      let s = a;
      for (const [ra, rb] of this.plan.reserved) {
        if (rb <= s || ra >= b) continue;
        if (ra > s) out.push(...this.splitAtZones(s, ra));
        s = Math.max(s, rb);
      }
      if (s < b) out.push(...this.splitAtZones(s, b));
    }
    return out;
  }

  /**
   * memmap_init() of the pfns [start, end). With `free` (sorted ranges of
   * free memory), the pages in them are written as memblock_free_all()
   * leaves them and every other page as reserved, in the same pass.
   */
  private memmapInitRange(start: number, end: number, free?: readonly Range[]): void {
    const i32 = this.i32;
    const PW = this.PW;
    const wf = this.W_flags;
    const reservedBit = 1 << PG_reserved;
    // last_cpupid (bits 30..50) all ones: low word bits 30-31, high word bits 0-18.
    const cpupidLo = 0xc0000000 | 0;
    const cpupidHi = 0x7ffff;
    const { ram, reserved } = this.plan;
    let pfn = start;
    while (pfn < end) {
      const zone = this.zoneOfPfn(pfn);
      const next = Math.min(end, this.nextZoneChange(pfn, zone));
      const hi = (zone.nid << (NODES_PGOFF - 32)) | (zone.idx << (ZONES_PGOFF - 32)) | cpupidHi;
      if (free === undefined) this.initPages(pfn, next, cpupidLo, hi, 1);
      else {
        // Runs of reserved and of free pages, alternating.
        let at = pfn;
        for (const [fs, fe] of free) {
          if (fe <= at) continue;
          if (fs >= next) break;
          const from = Math.max(fs, at);
          if (from > at) this.initPages(at, from, cpupidLo | reservedBit, hi, 1);
          at = Math.min(fe, next);
          this.initPages(from, at, cpupidLo, hi, 0);
        }
        if (at < next) this.initPages(at, next, cpupidLo | reservedBit, hi, 1);
      }
      pfn = next;
    }
    if (free !== undefined) return;
    // Holes and reserved memory: PG_reserved (init_unavailable_range / reserve_bootmem_region).
    const markReserved = (s: number, e: number): void => {
      for (let w = Math.max(s, start) * PW + wf, last = Math.min(e, end) * PW + wf; w < last; w += PW) i32[w] = i32[w]! | reservedBit;
    };
    let prev = 0;
    for (const [a, b] of ram) {
      markReserved(prev, a);
      prev = b;
    }
    markReserved(prev, this.nr_pages);
    for (const [a, b] of reserved) markReserved(a, Math.min(b, this.nr_pages));
  }

  /**
   * __init_single_page() for the pfns [start, end): flags `lo`/`hi` (node,
   * zone, last_cpupid unset, and PG_reserved if given), refcount `ref`,
   * mapcount -1, lru self-linked. Everything else stays zero, as the
   * buffer is.
   */
  private initPages(start: number, end: number, lo: number, hi: number, ref: number): void {
    // Written through i32 with every constant in signed form, so the loop is all 32-bit integer stores.
    const i32 = this.i32;
    const PW = this.PW;
    const wf = this.W_flags;
    const wl = this.W_lru;
    const wm = this.W_mapcount;
    const wr = this.W_refcount;
    const vmemmapHi = VMEMMAP_HI | 0;
    // INIT_LIST_HEAD(&page->lru) writes the lru's own vmemmap address: (hi, lo) = (VMEMMAP_HI, word * 4).
    for (let w = start * PW, last = end * PW; w < last; w += PW) {
      const lru = w + wl;
      i32[w + wf] = lo;
      i32[w + wf + 1] = hi;
      i32[lru] = lru * 4;
      i32[lru + 1] = vmemmapHi;
      i32[lru + 2] = lru * 4;
      i32[lru + 3] = vmemmapHi;
      i32[w + wm] = -1;
      i32[w + wr] = ref;
    }
  }

  private nextZoneChange(pfn: number, zone: Zone): number {
    const nodeEnd = this.plan.nodeRanges.find(([s, e]) => pfn >= s && pfn < e)?.[1] ?? this.nr_pages;
    if (zone.populated() && zone.zone_spans_pfn(pfn)) return Math.min(zone.zone_end_pfn(), nodeEnd);
    let next = nodeEnd;
    for (const z of this.nodes[zone.nid]!.node_zones) if (z.populated() && z.zone_start_pfn > pfn) next = Math.min(next, z.zone_start_pfn);
    return next;
  }

  /**
   * memblock_free_all(): every free range of RAM goes to the buddy in the
   * largest naturally aligned blocks, through __free_pages_core().
   */
  memblock_free_all(): void {
    const free: Range[] = [];
    for (const [a, b] of this.plan.ram) {
      let s = a;
      for (const [ra, rb] of this.plan.reserved) {
        if (rb <= s || ra >= b) continue;
        if (ra > s) free.push([s, ra]);
        s = Math.max(s, rb);
      }
      if (s < b) free.push([s, b]);
    }
    for (const [s0, e0] of free) {
      // A free range never spans two zones' struct pages with different links: split at zone starts.
      for (const [s, e] of this.splitAtZones(s0, e0)) this.__free_pages_memory(s, e);
    }
  }

  private splitAtZones(s: number, e: number): Range[] {
    const cuts = new Set<number>();
    for (const z of this.zones) if (z.populated() && z.zone_start_pfn > s && z.zone_start_pfn < e) cuts.add(z.zone_start_pfn);
    for (const [ns] of this.plan.nodeRanges) if (ns > s && ns < e) cuts.add(ns);
    const pts = [s, ...[...cuts].sort((a, b) => a - b), e];
    const out: Range[] = [];
    for (let i = 0; i + 1 < pts.length; i++) out.push([pts[i]!, pts[i + 1]!]);
    return out;
  }

  __free_pages_memory(start: number, end: number): void {
    while (start < end) {
      let order = start ? Math.min(MAX_PAGE_ORDER, 31 - Math.clz32(start & -start)) : MAX_PAGE_ORDER;
      while (start + (1 << order) > end) order--;
      this.__free_pages_core(start, order);
      start += 1 << order;
    }
  }

  /** __free_pages_core(): boot memory enters the allocator (refcount 0, not reserved) at the tail of the lists. */
  __free_pages_core(page: number, order: number): void {
    const n = 1 << order;
    const i32 = this.i32;
    const PW = this.PW;
    const wf = this.W_flags;
    const reservedMask = ~(1 << PG_reserved);
    const P = MmInit.prototype;
    if (this.set_page_count_frozen_boot === P.set_page_count_frozen_boot && this.set_page_count === P.set_page_count && this.setRefcountRaw === P.setRefcountRaw) {
      // The unpatched set_page_count(p, 0), written directly.
      const wr = this.W_refcount;
      for (let w = page * PW, end = (page + n) * PW; w < end; w += PW) {
        i32[w + wf] = i32[w + wf]! & reservedMask;
        i32[w + wr] = 0;
      }
    } else {
      for (let p = page; p < page + n; p++) {
        const w = p * PW + wf;
        i32[w] = i32[w]! & reservedMask;
        this.set_page_count_frozen_boot(p);
      }
    }
    this.page_zone(page).managed_pages += n;
    this.__free_pages_ok(page, order, FPI_TO_TAIL);
  }

  /** What __free_pages_core writes into a page's refcount: set_page_count(p, 0) in mainline. */
  set_page_count_frozen_boot(page: number): void {
    this.set_page_count(page, 0);
  }

  /** build_all_zonelists(): local node first, zones high to low, then the other nodes in order of distance. */
  build_all_zonelists(): void {
    for (const node of this.nodes) {
      const order = [node.node_id, ...this.nodes.map((n) => n.node_id).filter((n) => n !== node.node_id)];
      node.zonelist = [];
      for (const nid of order) {
        const zones = this.nodes[nid]!.node_zones;
        for (let z = MAX_NR_ZONES - 1; z >= 0; z--) if (zones[z]!.populated()) node.zonelist.push(zones[z]!);
      }
      node.zonelist_nofallback = node.zonelist.filter((z) => z.nid === node.node_id);
    }
  }

  /** nr_free_zone_pages(ZONE_NORMAL) as nr_free_buffer_pages(): managed above the high watermark. */
  nr_free_buffer_pages(): number {
    let sum = 0;
    for (const z of this.zones) if (z.idx <= ZONE_NORMAL) sum += Math.max(0, z.managed_pages - z._watermark[WMARK_HIGH]!);
    return sum;
  }

  /** calculate_min_free_kbytes(): sqrt(lowmem_kbytes * 16), clamped to [128, 262144]. */
  calculate_min_free_kbytes(): void {
    const lowmem_kbytes = this.nr_free_buffer_pages() * (PAGE_SIZE >> 10);
    const v = Math.floor(Math.sqrt(lowmem_kbytes * 16));
    this.min_free_kbytes = Math.min(Math.max(v, 128), 262144);
    this.setup_per_zone_wmarks();
    this.setup_per_zone_lowmem_reserve();
  }

  /**
   * set_recommended_min_free_kbytes() (mm/khugepaged.c, THP enabled): keep
   * enough free pageblocks for fragmentation avoidance, at most 5% of lowmem.
   */
  set_recommended_min_free_kbytes(): void {
    let nr_zones = 0;
    for (const z of this.zones) if (z.populated() && z.idx <= ZONE_NORMAL) nr_zones++;
    let recommended = pageblock_nr_pages * nr_zones * 2;
    recommended += pageblock_nr_pages * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
    recommended = Math.min(recommended, Math.floor(this.nr_free_buffer_pages() / 20));
    recommended *= PAGE_SIZE >> 10;
    if (recommended > this.min_free_kbytes) this.min_free_kbytes = recommended;
    this.setup_per_zone_wmarks();
  }

  /** __setup_per_zone_wmarks() then zone_pcp_update() for every zone. */
  setup_per_zone_wmarks(): void {
    const pages_min = this.min_free_kbytes >> (PAGE_SHIFT - 10);
    let lowmem_pages = 0;
    for (const z of this.zones) if (z.idx !== ZONE_MOVABLE) lowmem_pages += z.managed_pages;
    for (const zone of this.zones) {
      const managed = zone.managed_pages;
      // The zone's proportional share of min_free_kbytes; Movable's own min is clamped, but the
      // distance between the watermarks still follows the share (an empty Movable zone: 32/32/32).
      const share = lowmem_pages ? Math.floor((pages_min * managed) / lowmem_pages) : 0;
      if (zone.idx === ZONE_MOVABLE) zone._watermark[WMARK_MIN] = Math.min(Math.max(Math.floor(managed / 1024), 32), 128);
      else zone._watermark[WMARK_MIN] = share;
      const tmp = Math.max(share >> 2, Math.floor((managed * 10) / 10000));
      zone.watermark_boost = 0;
      zone._watermark[WMARK_LOW] = zone._watermark[WMARK_MIN]! + tmp;
      zone._watermark[WMARK_HIGH] = zone._watermark[WMARK_LOW]! + tmp;
      zone._watermark[WMARK_PROMO] = zone._watermark[WMARK_HIGH]! + tmp;
    }
    for (const zone of this.zones) this.zone_pcp_update(zone);
  }

  /** setup_per_zone_lowmem_reserve(): protection against lower zones being exhausted by higher ones. */
  setup_per_zone_lowmem_reserve(): void {
    for (const node of this.nodes) {
      for (let i = 0; i < MAX_NR_ZONES - 1; i++) {
        const zone = node.node_zones[i]!;
        const ratio = lowmem_reserve_ratio[i]!;
        let managed = 0;
        zone.lowmem_reserve[i] = 0;
        for (let j = i + 1; j < MAX_NR_ZONES; j++) {
          managed += node.node_zones[j]!.managed_pages;
          zone.lowmem_reserve[j] = ratio ? Math.floor(managed / ratio) : 0;
        }
      }
    }
  }

  /** zone_batchsize(): about a quarter of a megabyte's worth, a power of two minus one. */
  zone_batchsize(zone: Zone): number {
    let batch = Math.floor(Math.min(Math.floor(zone.managed_pages / 1024), (1 << 20) / PAGE_SIZE) / 4);
    if (batch < 1) batch = 1;
    const b = batch + (batch >> 1);
    // (1 << n) rather than 2 ** n: the same value, as a small integer rather than a boxed double.
    return (1 << Math.floor(Math.log2(b))) - 1 || 1;
  }

  /** zone_highsize(): the pcp high limit from the low watermark (high_min) or an eighth of the zone (high_max), split across the node's CPUs. */
  zone_highsize(zone: Zone, batch: number, high_fraction: number): number {
    const total = high_fraction === 0 ? zone._watermark[WMARK_LOW]! : Math.floor(zone.managed_pages / high_fraction);
    const nr_split_cpus = Math.max(1, this.cpusOfNode(zone.nid));
    return Math.max(Math.floor(total / nr_split_cpus), batch << 2);
  }

  cpusOfNode(nid: number): number {
    let n = 0;
    for (let c = 0; c < this.cpus; c++) if (Math.floor((c * this.nodeCount) / this.cpus) === nid) n++;
    return n;
  }

  /** zone_pcp_update() -> zone_set_pageset_high_and_batch(): pcp->high itself stays until first use. */
  zone_pcp_update(zone: Zone): void {
    const batch = zone.populated() ? this.zone_batchsize(zone) : 1;
    const high_min = zone.populated() ? this.zone_highsize(zone, batch, 0) : 0;
    const high_max = zone.populated() ? this.zone_highsize(zone, batch, 8) : 0;
    zone.pageset_batch = batch;
    zone.pageset_high_min = high_min;
    zone.pageset_high_max = high_max;
    for (const pcp of zone.pcp) {
      pcp.batch = batch;
      pcp.high_min = high_min;
      pcp.high_max = high_max;
    }
  }

  /** __folio_put() (mm/swap.c): the last reference is gone. */
  __folio_put(folio: number): void {
    // page_cache_release(): off the LRU (pagesim keeps no LRU lists yet, only the flag).
    if (this.folio_test_flag(folio, PG_lru)) this.folio_clear_flag(folio, PG_lru);
    this.free_frozen_pages(folio, this.folio_order(folio));
  }
}

export { MIGRATE_TYPES };
