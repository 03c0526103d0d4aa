/**
 * mm/show_mem.c (linux-mm 7.3-rc5): __show_mem() and show_free_areas(), the
 * "Mem-Info:" block warn_alloc() prints after its stack dump, and the line
 * mem_cgroup_show_protected_memory() (mm/memcontrol.c) adds after it.
 *
 * Every number is read from the machine: the vmstat counters through the
 * same zone_page_state()/node_page_state()/global_*_page_state() reads
 * /proc/vmstat and /proc/zoneinfo use (src/engine/proc.ts), the free lists'
 * nr_free as /proc/buddyinfo prints them and their emptiness per
 * migratetype, the watermarks with their boost (min_wmark_pages() and its
 * siblings), present and managed pages, lowmem_reserve[] and the per-CPU
 * lists' counts. A counter pagesim does not update reads 0, as it would on a
 * machine where it is 0 (docs/fidelity.md lists them); the few values that
 * have no counter in pagesim at all (swap space, hugetlb pools, poisoned
 * pages, memcg protection, the gpu counters) are 0 here for the same reason.
 *
 * Config (test/kernel/kunitconfig, src/kernel/config.ts): CONFIG_NUMA (each
 * zone line starts "Node N "), CONFIG_TRANSPARENT_HUGEPAGE (shmem_thp,
 * shmem_pmdmapped, anon_thp), no CONFIG_SHADOW_CALL_STACK (arm64 only),
 * CONFIG_MEMORY_ISOLATION and no CONFIG_CMA (the migratetype letters are
 * U M E H I; no "pages cma reserved" line), CONFIG_MEMORY_FAILURE ("pages
 * hwpoisoned"), no CONFIG_MEM_ALLOC_PROFILING, CONFIG_SWAP
 * (show_swap_cache_info()), CONFIG_HUGETLBFS on an x86_64 CPU with 1 GiB
 * pages (pagesim's direct map uses them): two hstates, the 1 GiB one first
 * (x86's gigantic_pages_init() is an arch_initcall, before hugetlb_init()
 * adds the default 2 MiB one), and CONFIG_MEMCG on the cgroup v2 hierarchy.
 */

import { MAX_NR_ZONES, MIGRATE_TYPES, NR_PAGE_ORDERS, PAGE_SHIFT } from './config.js';
import type { MmZone, PgData, Zone } from './mmzone.js';
import { WMARK_HIGH, WMARK_LOW, WMARK_MIN } from './mmzone.js';
import {
  NR_ANON_THPS, NR_FILE_MAPPED, NR_FREE_CMA_PAGES, NR_FREE_PAGES, NR_KERNEL_STACK_KB, NR_MLOCK, NR_PAGETABLE,
  NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B, NR_ZONE_ACTIVE_ANON, NR_ZONE_INACTIVE_ANON, NR_ZONE_UNEVICTABLE,
  nodeStat, zoneStat,
} from './vmstat.js';

/** include/linux/mm.h: SHOW_MEM_FILTER_NODES, the one filter bit show_free_areas() reads. */
export const SHOW_MEM_FILTER_NODES = 0x0001;

// The items show_free_areas() reads that vmstat.ts does not name (enum node_stat_item, zone_stat_item).
const NR_ACTIVE_ANON = nodeStat('nr_active_anon');
const NR_INACTIVE_ANON = nodeStat('nr_inactive_anon');
const NR_ISOLATED_ANON = nodeStat('nr_isolated_anon');
const NR_ACTIVE_FILE = nodeStat('nr_active_file');
const NR_INACTIVE_FILE = nodeStat('nr_inactive_file');
const NR_ISOLATED_FILE = nodeStat('nr_isolated_file');
const NR_UNEVICTABLE = nodeStat('nr_unevictable');
const NR_FILE_DIRTY = nodeStat('nr_dirty');
const NR_WRITEBACK = nodeStat('nr_writeback');
const NR_SHMEM = nodeStat('nr_shmem');
const NR_SHMEM_THPS = nodeStat('nr_shmem_hugepages');
const NR_SHMEM_PMDMAPPED = nodeStat('nr_shmem_pmdmapped');
const NR_SECONDARY_PAGETABLE = nodeStat('nr_sec_page_table_pages');
const NR_KERNEL_MISC_RECLAIMABLE = nodeStat('nr_kernel_misc_reclaimable');
const NR_BALLOON_PAGES = nodeStat('nr_balloon_pages');
const NR_FILE_PAGES = nodeStat('nr_file_pages');
const NR_SWAPCACHE = nodeStat('nr_swapcached');
const NR_ZONE_ACTIVE_FILE = zoneStat('nr_zone_active_file');
const NR_ZONE_INACTIVE_FILE = zoneStat('nr_zone_inactive_file');
const NR_ZONE_WRITE_PENDING = zoneStat('nr_zone_write_pending');
const NR_ZSPAGES = zoneStat('nr_zspages');

/** K(x): pages to kB. */
const K = (pages: number): number => pages * (1 << (PAGE_SHIFT - 10));

/** show_migration_types()'s letters by migratetype (CONFIG_MEMORY_ISOLATION, no CONFIG_CMA). */
const MIGRATE_LETTERS = ['U', 'M', 'E', 'H', 'I'] as const;

/** The hstates of x86_64 with X86_FEATURE_GBPAGES, in registration order: huge_page_size(h) / SZ_1K. */
const HSTATE_SIZES_KB = [1048576, 2048] as const;

/** What the printer reads of the machine: its zones, nodes, counters, free lists and current CPU. */
export type ShowMemMachine = Pick<
  MmZone,
  'zones' | 'nodes' | 'current' | 'zone_page_state' | 'node_page_state' | 'global_zone_page_state' | 'global_node_page_state' | 'free_area_nr_free' | 'free_area_empty'
>;

/**
 * cpuset_current_mems_allowed for a task in the root cpuset: the nodes with
 * memory (node_states[N_MEMORY]), the set warn_alloc()'s head line prints.
 */
export function memoryNodes(k: Pick<MmZone, 'zones'>): Set<number> {
  return new Set(k.zones.filter((z) => z.present_pages !== 0).map((z) => z.nid));
}

/** show_mem_node_skip(): with SHOW_MEM_FILTER_NODES, a node outside the mask (current's mems_allowed when there is none) is left out. */
function show_mem_node_skip(filter: number, nid: number, nodemask: ReadonlySet<number>): boolean {
  if (!(filter & SHOW_MEM_FILTER_NODES)) return false;
  return !nodemask.has(nid);
}

function node_has_managed_zones(pgdat: PgData, max_zone_idx: number): boolean {
  for (let i = 0; i <= max_zone_idx; i++) if (pgdat.node_zones[i]!.managed_pages !== 0) return true;
  return false;
}

/** The zones for_each_populated_zone() visits, node by node, low zone first; those above max_zone_idx or on a skipped node left out. */
function shownZones(k: ShowMemMachine, filter: number, nodemask: ReadonlySet<number>, max_zone_idx: number): Zone[] {
  return k.zones.filter((z) => z.populated() && z.idx <= max_zone_idx && !show_mem_node_skip(filter, z.nid, nodemask));
}

function pcpCount(zone: Zone): number {
  let n = 0;
  for (const pcp of zone.pcp) n += pcp.count;
  return n;
}

/** show_migration_types(): the letters of the migratetypes in `types`, in enum order, in brackets. */
function show_migration_types(types: number): string {
  let s = '';
  for (let mt = 0; mt < MIGRATE_TYPES; mt++) if (types & (1 << mt)) s += MIGRATE_LETTERS[mt];
  return `(${s}) `;
}

/** The free-list line of one zone: "Node 0 DMA: 1*4kB (U) 0*8kB ... = 4kB". */
function freeAreaLine(k: ShowMemMachine, zone: Zone): string {
  let line = `Node ${zone.nid} ${zone.name}: `;
  let total = 0;
  for (let order = 0; order < NR_PAGE_ORDERS; order++) {
    const nr = k.free_area_nr_free(zone, order);
    total += nr * 2 ** order;
    let types = 0;
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) if (!k.free_area_empty(zone, order, mt)) types |= 1 << mt;
    line += `${nr}*${K(1) * 2 ** order}kB `;
    if (nr) line += show_migration_types(types);
  }
  return `${line}= ${K(total)}kB`;
}

/** show_free_areas(): the global counters, each node, each zone with its lowmem_reserve[], the free lists, hugetlb, page cache, swap. */
function show_free_areas(k: ShowMemMachine, filter: number, nodemask: ReadonlySet<number>, max_zone_idx: number): string[] {
  const out: string[] = [];
  const zones = shownZones(k, filter, nodemask, max_zone_idx);
  let free_pcp = 0;
  for (const zone of zones) free_pcp += pcpCount(zone);
  const g = (item: number): number => k.global_node_page_state(item);
  out.push(
    `active_anon:${g(NR_ACTIVE_ANON)} inactive_anon:${g(NR_INACTIVE_ANON)} isolated_anon:${g(NR_ISOLATED_ANON)}`,
    ` active_file:${g(NR_ACTIVE_FILE)} inactive_file:${g(NR_INACTIVE_FILE)} isolated_file:${g(NR_ISOLATED_FILE)}`,
    ` unevictable:${g(NR_UNEVICTABLE)} dirty:${g(NR_FILE_DIRTY)} writeback:${g(NR_WRITEBACK)}`,
    ` slab_reclaimable:${g(NR_SLAB_RECLAIMABLE_B)} slab_unreclaimable:${g(NR_SLAB_UNRECLAIMABLE_B)}`,
    ` mapped:${g(NR_FILE_MAPPED)} shmem:${g(NR_SHMEM)} pagetables:${g(NR_PAGETABLE)}`,
    ` sec_pagetables:${g(NR_SECONDARY_PAGETABLE)} bounce:0`,
    ` kernel_misc_reclaimable:${g(NR_KERNEL_MISC_RECLAIMABLE)}`,
    ` free:${k.global_zone_page_state(NR_FREE_PAGES)} free_pcp:${free_pcp} free_cma:${k.global_zone_page_state(NR_FREE_CMA_PAGES)}`,
  );

  for (const pgdat of k.nodes) {
    const nid = pgdat.node_id;
    if (show_mem_node_skip(filter, nid, nodemask)) continue;
    if (!node_has_managed_zones(pgdat, max_zone_idx)) continue;
    const n = (item: number): number => K(k.node_page_state(nid, item));
    out.push(
      `Node ${nid} active_anon:${n(NR_ACTIVE_ANON)}kB inactive_anon:${n(NR_INACTIVE_ANON)}kB` +
        ` active_file:${n(NR_ACTIVE_FILE)}kB inactive_file:${n(NR_INACTIVE_FILE)}kB unevictable:${n(NR_UNEVICTABLE)}kB` +
        ` isolated(anon):${n(NR_ISOLATED_ANON)}kB isolated(file):${n(NR_ISOLATED_FILE)}kB mapped:${n(NR_FILE_MAPPED)}kB` +
        ` dirty:${n(NR_FILE_DIRTY)}kB writeback:${n(NR_WRITEBACK)}kB shmem:${n(NR_SHMEM)}kB` +
        ` shmem_thp:${n(NR_SHMEM_THPS)}kB shmem_pmdmapped:${n(NR_SHMEM_PMDMAPPED)}kB anon_thp:${n(NR_ANON_THPS)}kB` +
        // NR_KERNEL_STACK_KB is kept in kB; kswapd_test_hopeless() needs kswapd failures pagesim never has.
        ` kernel_stack:${k.node_page_state(nid, NR_KERNEL_STACK_KB)}kB pagetables:${n(NR_PAGETABLE)}kB` +
        ` sec_pagetables:${n(NR_SECONDARY_PAGETABLE)}kB all_unreclaimable? no Balloon:${n(NR_BALLOON_PAGES)}kB` +
        // NR_GPU_ACTIVE, NR_GPU_RECLAIM: counters of the 7.3 tree pagesim's counter list does not have (src/procfs/counters.ts).
        ` gpu_active:0kB gpu_reclaim:0kB`,
    );
  }

  for (const zone of zones) {
    const z = (item: number): number => K(k.zone_page_state(zone, item));
    out.push(
      `Node ${zone.nid} ${zone.name} free:${z(NR_FREE_PAGES)}kB min:${K(zone.wmark_pages(WMARK_MIN))}kB` +
        ` low:${K(zone.wmark_pages(WMARK_LOW))}kB high:${K(zone.wmark_pages(WMARK_HIGH))}kB` +
        ` reserved_highatomic:${K(zone.nr_reserved_highatomic)}KB free_highatomic:${K(zone.nr_free_highatomic)}KB` +
        ` active_anon:${z(NR_ZONE_ACTIVE_ANON)}kB inactive_anon:${z(NR_ZONE_INACTIVE_ANON)}kB` +
        ` active_file:${z(NR_ZONE_ACTIVE_FILE)}kB inactive_file:${z(NR_ZONE_INACTIVE_FILE)}kB` +
        ` unevictable:${z(NR_ZONE_UNEVICTABLE)}kB writepending:${z(NR_ZONE_WRITE_PENDING)}kB zspages:${z(NR_ZSPAGES)}kB` +
        ` present:${K(zone.present_pages)}kB managed:${K(zone.managed_pages)}kB mlocked:${z(NR_MLOCK)}kB bounce:0kB` +
        ` free_pcp:${K(pcpCount(zone))}kB local_pcp:${K(zone.pcp[k.current.cpu]?.count ?? 0)}kB free_cma:${z(NR_FREE_CMA_PAGES)}kB`,
    );
    let reserve = 'lowmem_reserve[]:';
    for (let i = 0; i < MAX_NR_ZONES; i++) reserve += ` ${zone.lowmem_reserve[i]}`;
    out.push(reserve);
  }

  for (const zone of zones) out.push(freeAreaLine(k, zone));

  // hugetlb_show_meminfo_node() for every online node: pagesim has no hugetlb pool.
  for (const pgdat of k.nodes) {
    if (show_mem_node_skip(filter, pgdat.node_id, nodemask)) continue;
    for (const size of HSTATE_SIZES_KB) out.push(`Node ${pgdat.node_id} hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=${size}kB`);
  }

  out.push(`${g(NR_FILE_PAGES)} total pagecache pages`);
  // show_swap_cache_info(): total_swapcache_pages() is NR_SWAPCACHE; pagesim has no swap device.
  out.push(`${g(NR_SWAPCACHE)} pages in swap cache`, 'Free swap  = 0kB', 'Total swap = 0kB');
  return out;
}

/**
 * __show_mem(filter, nodemask, max_zone_idx): "Mem-Info:", show_free_areas(),
 * then the page totals over every populated zone (x86_64 has no highmem, so
 * is_highmem() is false for each and HighMem/MovableOnly counts none).
 * `nodemask` null is the allocation's "nodemask=(null)": the filter then uses
 * current's mems_allowed.
 */
export function __show_mem(k: ShowMemMachine, filter: number, nodemask: ReadonlySet<number> | null, max_zone_idx: number): string[] {
  const out = ['Mem-Info:', ...show_free_areas(k, filter, nodemask ?? memoryNodes(k), max_zone_idx)];
  let total = 0;
  let reserved = 0;
  const highmem = 0;
  for (const zone of k.zones) {
    if (!zone.populated()) continue;
    total += zone.present_pages;
    reserved += zone.present_pages - zone.managed_pages;
  }
  out.push(`${total} pages RAM`, `${highmem} pages HighMem/MovableOnly`, `${reserved} pages reserved`);
  // CONFIG_MEMORY_FAILURE: num_poisoned_pages; pagesim poisons no page.
  out.push('0 pages hwpoisoned');
  return out;
}

/**
 * mem_cgroup_show_protected_memory(NULL) (mm/memcontrol.c): the root
 * memcg's children_min_usage and children_low_usage in kB; pagesim has no
 * memcg protection, so both are 0.
 */
export function mem_cgroup_show_protected_memory(): string {
  return 'Memory cgroup min protection 0kB -- low protection 0kB';
}
