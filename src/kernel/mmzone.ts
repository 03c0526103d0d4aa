/**
 * include/linux/mmzone.h: nodes, zones, free areas, per-CPU page lists and
 * pageblock migratetypes.
 *
 * The lists live in bytes (kernel data in reserved memory, see machine.ts):
 * `struct free_area { struct list_head free_list[MIGRATE_TYPES]; unsigned
 * long nr_free; }` per order and zone, and `lists[NR_PCP_LISTS]` per zone
 * and CPU. The scalar bookkeeping of a zone (watermarks, managed pages,
 * counters) is plain TypeScript state: nothing in the kernel overlays it.
 *
 * Pageblock flags (pageblock-flags.h) are one byte per pageblock: the
 * migratetype in bits 0..2 and PB_migrate_isolate in bit 3 (v6.16+).
 */

import { MAX_NR_ZONES, MIGRATE_ISOLATE, MIGRATE_TYPES, NR_PAGE_ORDERS, NR_PCP_LISTS, pageblock_order } from './config.js';
import { Debug } from './debug.js';
import { NR_VM_EVENT_ITEMS, NR_VM_NODE_STAT_ITEMS, NR_VM_ZONE_STAT_ITEMS } from './vmstat.js';

export const WMARK_MIN = 0;
export const WMARK_LOW = 1;
export const WMARK_HIGH = 2;
export const WMARK_PROMO = 3;

// enum zone_flags (bits of zone.flags)
export const ZONE_BOOSTED_WATERMARK = 1 << 0;
export const ZONE_RECLAIM_ACTIVE = 1 << 1;
export const ZONE_BELOW_HIGH = 1 << 2;

// per_cpu_pages.flags
export const PCPF_PREV_FREE_HIGH_ORDER = 1 << 0;
export const PCPF_FREE_HIGH_BATCH = 1 << 1;

/** Words of one `struct free_area`: MIGRATE_TYPES list heads + nr_free. */
export const FREE_AREA_WORDS = MIGRATE_TYPES * 4 + 2;
/** Words of the per-CPU list heads of one zone on one CPU. */
export const PCP_LISTS_WORDS = NR_PCP_LISTS * 4;

export const PB_MIGRATETYPE_MASK = 0x7;
export const PB_MIGRATE_ISOLATE = 0x8;

/** An array of n zeroes built by push, so it is packed (no holes to check when the allocator reads it). */
function packedZeros(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}

export class PerCpuPages {
  count = 0;
  high = 0;
  high_min = 0;
  high_max = 0;
  batch = 1;
  flags = 0;
  alloc_factor = 0;
  free_count = 0;
  constructor(
    /** Memory word of lists[0]. */
    readonly listsWord: number,
  ) {}
}

export class Zone {
  zone_start_pfn = 0;
  spanned_pages = 0;
  present_pages = 0;
  managed_pages = 0;
  readonly _watermark = [0, 0, 0, 0];
  watermark_boost = 0;
  readonly lowmem_reserve: number[] = packedZeros(MAX_NR_ZONES);
  nr_reserved_highatomic = 0;
  nr_free_highatomic = 0;
  flags = 0;
  pageset_high_min = 0;
  pageset_high_max = 0;
  pageset_batch = 0;
  readonly vm_stat = new Float64Array(NR_VM_ZONE_STAT_ITEMS);
  readonly pcp: PerCpuPages[] = [];
  constructor(
    readonly nid: number,
    /** enum zone_type */
    readonly idx: number,
    readonly name: string,
    /** Memory word of free_area[0].free_list[0]. */
    readonly freeAreaWord: number,
  ) {}

  /** Word of free_area[order].free_list[mt]. */
  freeList(order: number, mt: number): number {
    return this.freeAreaWord + order * FREE_AREA_WORDS + mt * 4;
  }

  /** Word of free_area[order].nr_free. */
  nrFreeWord(order: number): number {
    return this.freeAreaWord + order * FREE_AREA_WORDS + MIGRATE_TYPES * 4;
  }

  zone_end_pfn(): number {
    return this.zone_start_pfn + this.spanned_pages;
  }

  zone_spans_pfn(pfn: number): boolean {
    return pfn >= this.zone_start_pfn && pfn < this.zone_end_pfn();
  }

  populated(): boolean {
    return this.present_pages !== 0;
  }

  /** wmark_pages(): the watermark plus any boost. */
  wmark_pages(w: number): number {
    return this._watermark[w]! + this.watermark_boost;
  }
}

export class PgData {
  node_start_pfn = 0;
  node_spanned_pages = 0;
  node_present_pages = 0;
  readonly vm_stat = new Float64Array(NR_VM_NODE_STAT_ITEMS);
  /** The zonelist for allocations from this node: zones to try, preferred first. */
  zonelist: Zone[] = [];
  /** ZONELIST_NOFALLBACK: the zonelist's zones of this node only (__GFP_THISNODE). */
  zonelist_nofallback: Zone[] = [];
  constructor(
    readonly node_id: number,
    readonly node_zones: Zone[],
  ) {}
}

export abstract class MmZone extends Debug {
  readonly nodes: PgData[] = [];
  /** All zones, indexed by page_zone_id = nid * MAX_NR_ZONES + zone_idx. */
  readonly zones: Zone[] = [];
  /** One byte of pageblock flags per pageblock. */
  readonly pageblockFlags = new Uint8Array(Math.ceil(this.nr_pages / (1 << pageblock_order)));
  readonly vm_events = new Float64Array(NR_VM_EVENT_ITEMS);

  /** Lays out the free areas and per-CPU lists of every zone in kernel data. */
  protected createZones(names: readonly string[]): void {
    for (let nid = 0; nid < this.nodeCount; nid++) {
      const zones: Zone[] = [];
      for (let z = 0; z < MAX_NR_ZONES; z++) {
        const fa = this.kdataAlloc(NR_PAGE_ORDERS * FREE_AREA_WORDS * 4);
        const zone = new Zone(nid, z, names[z]!, fa);
        for (let o = 0; o < NR_PAGE_ORDERS; o++) for (let mt = 0; mt < MIGRATE_TYPES; mt++) this.INIT_LIST_HEAD(zone.freeList(o, mt));
        for (let cpu = 0; cpu < this.cpus; cpu++) {
          const lists = this.kdataAlloc(PCP_LISTS_WORDS * 4);
          for (let i = 0; i < NR_PCP_LISTS; i++) this.INIT_LIST_HEAD(lists + i * 4);
          zone.pcp.push(new PerCpuPages(lists));
        }
        zones.push(zone);
        this.zones.push(zone);
      }
      this.nodes.push(new PgData(nid, zones));
    }
  }

  /** page_zone(): the zone encoded in the page's flags. */
  page_zone(page: number): Zone {
    return this.zones[this.page_to_nid(page) * MAX_NR_ZONES + this.page_zonenum(page)]!;
  }

  page_zone_id(page: number): number {
    return this.page_to_nid(page) * MAX_NR_ZONES + this.page_zonenum(page);
  }

  free_area_nr_free(zone: Zone, order: number): number {
    return this.m32[zone.nrFreeWord(order)]!;
  }

  set_free_area_nr_free(zone: Zone, order: number, v: number): void {
    const w = zone.nrFreeWord(order);
    this.m32[w] = v;
    this.m32[w + 1] = 0;
  }

  free_area_empty(zone: Zone, order: number, mt: number): boolean {
    return this.list_empty(zone.freeList(order, mt));
  }

  // ---- pageblock flags (mm/page_alloc.c get/set_pfnblock_*) -------------

  get_pfnblock_migratetype(page: number, pfn: number): number {
    const f = this.pageblockFlags[pfn >>> pageblock_order]!;
    return f & PB_MIGRATE_ISOLATE ? MIGRATE_ISOLATE : f & PB_MIGRATETYPE_MASK;
  }

  get_pageblock_migratetype(page: number): number {
    return this.get_pfnblock_migratetype(page, page);
  }

  /** set_pageblock_migratetype(): the 3-bit migratetype, keeping the isolate bit. */
  set_pageblock_migratetype(page: number, mt: number): void {
    const i = page >>> pageblock_order;
    this.pageblockFlags[i] = (this.pageblockFlags[i]! & PB_MIGRATE_ISOLATE) | (mt & PB_MIGRATETYPE_MASK);
  }

  get_pageblock_isolate(page: number): boolean {
    return (this.pageblockFlags[page >>> pageblock_order]! & PB_MIGRATE_ISOLATE) !== 0;
  }

  set_pageblock_isolate(page: number, on: boolean): void {
    const i = page >>> pageblock_order;
    this.pageblockFlags[i] = on ? this.pageblockFlags[i]! | PB_MIGRATE_ISOLATE : this.pageblockFlags[i]! & ~PB_MIGRATE_ISOLATE;
  }

  // ---- counters ------------------------------------------------------

  __mod_zone_page_state(zone: Zone, item: number, delta: number): void {
    zone.vm_stat[item] = zone.vm_stat[item]! + delta;
  }

  /**
   * zone_page_state(), node_page_state(), global_*_page_state()
   * (include/linux/vmstat.h, linux-mm 7.3-rc5): on SMP a counter that
   * per-CPU drift took below zero reads as 0. The raw sums, as
   * atomic_long_read(&vm_node_stat[item]) sees them, are vm_node_stat()
   * and vm_zone_stat(): the checkers read those, so drift stays visible.
   */
  zone_page_state(zone: Zone, item: number): number {
    const x = zone.vm_stat[item]!;
    return x < 0 ? 0 : x;
  }

  mod_node_page_state(nid: number, item: number, delta: number): void {
    const s = this.nodes[nid]!.vm_stat;
    s[item] = s[item]! + delta;
  }

  node_page_state(nid: number, item: number): number {
    const x = this.nodes[nid]!.vm_stat[item]!;
    return x < 0 ? 0 : x;
  }

  /** vm_node_stat[item]: a node stat summed over all nodes, unclamped. */
  vm_node_stat(item: number): number {
    let v = 0;
    for (const n of this.nodes) v += n.vm_stat[item]!;
    return v;
  }

  /** vm_zone_stat[item]: a zone stat summed over all zones, unclamped. */
  vm_zone_stat(item: number): number {
    let v = 0;
    for (const z of this.zones) v += z.vm_stat[item]!;
    return v;
  }

  /** global_node_page_state(): vm_node_stat[item], clamped at 0 (CONFIG_SMP). */
  global_node_page_state(item: number): number {
    const x = this.vm_node_stat(item);
    return x < 0 ? 0 : x;
  }

  /** global_zone_page_state(): vm_zone_stat[item], clamped at 0 (CONFIG_SMP). */
  global_zone_page_state(item: number): number {
    const x = this.vm_zone_stat(item);
    return x < 0 ? 0 : x;
  }

  count_vm_events(item: number, n: number): void {
    this.vm_events[item] = this.vm_events[item]! + n;
  }
}
