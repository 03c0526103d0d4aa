/**
 * /proc files of a simulated machine: the kernel's text formats (printed by
 * src/procfs) filled with what pagesim models. See docs/proc.md for which
 * fields are modelled and which print a fixed value.
 */

import type { Kernel } from '../kernel/kernel.js';
import { MIGRATE_TYPES, NR_PAGE_ORDERS, PAGE_SIZE, migratetype_names, pageblock_nr_pages, pageblock_order, PAGE_SHIFT } from '../kernel/config.js';
import { nodeStat, NODE_STAT_NAMES, NR_FREE_PAGES, NR_PAGETABLE, NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B, NR_KERNEL_STACK_KB, VM_EVENT_NAMES, ZONE_STAT_NAMES, NR_ANON_MAPPED, NR_FILE_MAPPED, NR_ANON_THPS } from '../kernel/vmstat.js';
import { buildBuddyInfo, buildMemInfo, buildPageTypeInfo, buildVmStat, buildZoneInfo, formatBuddyInfo, formatMemInfo, formatPageTypeInfo, formatVmStat, formatZoneInfo } from '../procfs/index.js';
import type { Zone } from '../kernel/mmzone.js';
import { WMARK_HIGH, WMARK_LOW, WMARK_MIN, WMARK_PROMO } from '../kernel/mmzone.js';
import { PG_LEVEL_1G, PG_LEVEL_2M, PG_LEVEL_4K } from '../kernel/pgtable.js';

const HPAGE_PMD_NR = 512;

export const PROC_FILES = ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo', 'slabinfo'] as const;
export type ProcFile = (typeof PROC_FILES)[number];

function populatedZones(k: Kernel): Zone[] {
  return k.zones.filter((z) => z.populated());
}

export function procBuddyinfo(k: Kernel): string {
  return formatBuddyInfo(
    buildBuddyInfo(
      populatedZones(k).map((z) => ({
        node: z.nid,
        name: z.name,
        freeByOrder: Array.from({ length: NR_PAGE_ORDERS }, (_, o) => k.free_area_nr_free(z, o)),
      })),
    ),
  );
}

/** Free blocks per order and migratetype, counted on the lists as pagetypeinfo_showfree_print does. */
function freeByOrderAndType(k: Kernel, z: Zone): number[][] {
  const out: number[][] = [];
  for (let o = 0; o < NR_PAGE_ORDERS; o++) {
    const row: number[] = [];
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
      let n = 0;
      const head = z.freeList(o, mt);
      for (let node = k.list_first(head); node >= 0 && n < 100000; node = k.list_next(node, head)) n++;
      row.push(n);
    }
    out.push(row);
  }
  return out;
}

/** pagetypeinfo_showblockcount_print(): one pfn per pageblock from the zone start, counted by its block's type. */
function blocksByType(k: Kernel, z: Zone): number[] {
  const counts = new Array<number>(MIGRATE_TYPES).fill(0);
  for (let pfn = z.zone_start_pfn; pfn < z.zone_end_pfn(); pfn += pageblock_nr_pages) {
    if (k.memmapZone(pfn) !== z) continue;
    counts[k.get_pfnblock_migratetype(pfn, pfn)]!++;
  }
  return counts;
}

export function procPagetypeinfo(k: Kernel): string {
  return formatPageTypeInfo(
    buildPageTypeInfo({
      pageblockOrder: pageblock_order,
      migratetypeNames: [...migratetype_names],
      zones: populatedZones(k).map((z) => ({ node: z.nid, name: z.name, freeByOrderAndType: freeByOrderAndType(k, z), blocksByType: blocksByType(k, z) })),
    }),
  );
}

function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/** calculate_normal_threshold() (mm/vmstat.c): the per-CPU vmstat drift allowed before folding. */
function statThreshold(k: Kernel, z: Zone): number {
  const mem = z.managed_pages >> (27 - PAGE_SHIFT);
  return Math.min(125, 2 * fls(k.cpus) * (1 + fls(mem)));
}

function zoneCounters(z: Zone): Record<string, number> {
  const c: Record<string, number> = {};
  ZONE_STAT_NAMES.forEach((name, i) => {
    if (i !== NR_FREE_PAGES) c[name] = Math.max(0, z.vm_stat[i]!);
  });
  return c;
}

function nodeCounters(k: Kernel, nid: number): Record<string, number> {
  const c: Record<string, number> = {};
  NODE_STAT_NAMES.forEach((name, i) => {
    c[name] = Math.max(0, k.node_page_state(nid, i));
  });
  return c;
}

export function procZoneinfo(k: Kernel): string {
  return formatZoneInfo(
    buildZoneInfo(
      k.nodes.map((node) => ({
        node: node.node_id,
        counters: nodeCounters(k, node.node_id),
        zones: node.node_zones.map((z) => ({
          name: z.name,
          free: k.zone_page_state(z, NR_FREE_PAGES),
          boost: z.watermark_boost,
          // min_wmark_pages() and its siblings: the watermark plus the zone's boost.
          min: z.wmark_pages(WMARK_MIN),
          low: z.wmark_pages(WMARK_LOW),
          high: z.wmark_pages(WMARK_HIGH),
          promo: z.wmark_pages(WMARK_PROMO),
          spanned: z.spanned_pages,
          present: z.present_pages,
          managed: z.managed_pages,
          protection: z.lowmem_reserve,
          startPfn: z.zone_start_pfn,
          pagesets: z.pcp.map((p) => ({ count: p.count, high: p.high, batch: p.batch, highMin: p.high_min, highMax: p.high_max, statThreshold: statThreshold(k, z) })),
          counters: zoneCounters(z),
          reservedHighatomic: z.nr_reserved_highatomic,
          freeHighatomic: z.nr_free_highatomic,
        })),
      })),
    ),
  );
}

export function procVmstat(k: Kernel): string {
  const c: Record<string, number> = {};
  ZONE_STAT_NAMES.forEach((name, i) => (c[name] = Math.max(0, k.global_zone_page_state(i))));
  NODE_STAT_NAMES.forEach((name, i) => (c[name] = Math.max(0, k.global_node_page_state(i))));
  VM_EVENT_NAMES.forEach((name, i) => (c[name] = k.vm_events[i]!));
  // vmstat_item_print_in_thp(): THP counters are kept in pages but printed in huge pages.
  c['nr_anon_transparent_hugepages'] = Math.floor(c['nr_anon_transparent_hugepages']! / HPAGE_PMD_NR);
  return formatVmStat(buildVmStat(c));
}

export function procMeminfo(k: Kernel): string {
  const kb = (pages: number): number => Math.max(0, pages) * (PAGE_SIZE >> 10);
  let managed = 0;
  for (const z of k.zones) managed += z.managed_pages;
  const free = k.global_zone_page_state(NR_FREE_PAGES);
  const sRecl = k.global_node_page_state(NR_SLAB_RECLAIMABLE_B);
  const sUnrecl = k.global_node_page_state(NR_SLAB_UNRECLAIMABLE_B);
  const activeAnon = k.global_node_page_state(nodeStat('nr_active_anon'));
  const inactiveAnon = k.global_node_page_state(nodeStat('nr_inactive_anon'));
  const activeFile = k.global_node_page_state(nodeStat('nr_active_file'));
  const inactiveFile = k.global_node_page_state(nodeStat('nr_inactive_file'));
  return formatMemInfo(
    buildMemInfo({
      MemTotal: kb(managed),
      MemFree: kb(free),
      MemAvailable: kb(free),
      AnonPages: kb(k.global_node_page_state(NR_ANON_MAPPED)),
      Mapped: kb(k.global_node_page_state(NR_FILE_MAPPED)),
      KReclaimable: kb(sRecl),
      Slab: kb(sRecl + sUnrecl),
      SReclaimable: kb(sRecl),
      SUnreclaim: kb(sUnrecl),
      KernelStack: Math.max(0, k.global_node_page_state(NR_KERNEL_STACK_KB)),
      PageTables: kb(k.global_node_page_state(NR_PAGETABLE)),
      AnonHugePages: kb(k.global_node_page_state(NR_ANON_THPS)),
      Active: kb(activeAnon + activeFile),
      Inactive: kb(inactiveAnon + inactiveFile),
      'Active(anon)': kb(activeAnon),
      'Inactive(anon)': kb(inactiveAnon),
      'Active(file)': kb(activeFile),
      'Inactive(file)': kb(inactiveFile),
      // arch_report_meminfo(): the direct map's mappings by page size.
      DirectMap4k: k.direct_pages_count[PG_LEVEL_4K]! * 4,
      DirectMap2M: k.direct_pages_count[PG_LEVEL_2M]! * 2048,
      DirectMap1G: k.direct_pages_count[PG_LEVEL_1G]! * 1048576,
    }),
  );
}

/** /proc/slabinfo (mm/slab_common.c, version 2.1; SLUB has no tunables and no shared caches). */
export function procSlabinfo(k: Kernel): string {
  const lines = [
    'slabinfo - version: 2.1',
    '# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>',
  ];
  const n = (v: number, w: number): string => String(v).padStart(w);
  for (const r of k.slabinfoRows()) {
    lines.push(`${r.name.padEnd(17)} ${n(r.active_objs, 6)} ${n(r.num_objs, 6)} ${n(r.objsize, 6)} ${n(r.objperslab, 4)} ${n(r.pagesperslab, 4)} : tunables ${n(0, 4)} ${n(0, 4)} ${n(0, 4)} : slabdata ${n(r.active_slabs, 6)} ${n(r.num_slabs, 6)} ${n(0, 6)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function procFile(k: Kernel, file: ProcFile): string {
  switch (file) {
    case 'buddyinfo':
      return procBuddyinfo(k);
    case 'pagetypeinfo':
      return procPagetypeinfo(k);
    case 'zoneinfo':
      return procZoneinfo(k);
    case 'vmstat':
      return procVmstat(k);
    case 'meminfo':
      return procMeminfo(k);
    case 'slabinfo':
      return procSlabinfo(k);
  }
}
