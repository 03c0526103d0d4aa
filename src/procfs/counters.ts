/**
 * The vmstat counter names, in the order the kernel prints them, shared by
 * the /proc/vmstat and /proc/zoneinfo builders.
 *
 * Which kernel: the names and order are those of real x86_64 output of the
 * newest released kernels we hold, Linux 6.18.44 (the Firecracker VM whose
 * traces pagesim replays) and 6.19.13 (Fedora 43). Both agree; the Fedora
 * file only adds three counters its config enables (nr_unaccepted,
 * cma_alloc_success, cma_alloc_fail). The config is the Firecracker VM's:
 * NUMA, ZSMALLOC, SWAP, ZSWAP, KSM, THP with PUD THP, NUMA_BALANCING,
 * COMPACTION, MIGRATION, HUGETLB_PAGE, BALLOON, IOMMU_SUPPORT, zones DMA,
 * DMA32, Normal, Movable, Device; no CMA, no UNACCEPTED_MEMORY.
 *
 * The 2026 development tree (linux-mm, mm-new) is not followed for the
 * counter list: between its snapshots it adds nr_vmalloc, moves pgsteal_*,
 * pgscan_* and pgrefill into the node counters, and adds pgrotate_*,
 * nr_gpu_* and nrswpin/nrswpout, so it is not yet a stable format.
 *
 * Every counter not supplied by the simulator prints as 0, the value of an
 * idle machine for most of them.
 */
import { checkedCount } from './text.js';

/** enum zone_stat_item: per zone, printed in zoneinfo and summed in vmstat. */
export const ZONE_STAT_ITEMS: readonly string[] = [
  'nr_free_pages', 'nr_free_pages_blocks',
  'nr_zone_inactive_anon', 'nr_zone_active_anon', 'nr_zone_inactive_file', 'nr_zone_active_file',
  'nr_zone_unevictable', 'nr_zone_write_pending', 'nr_mlock', 'nr_zspages', 'nr_free_cma',
];

/** enum numa_stat_item: per zone events, printed after the zone items. */
export const NUMA_EVENT_ITEMS: readonly string[] = [
  'numa_hit', 'numa_miss', 'numa_foreign', 'numa_interleave', 'numa_local', 'numa_other',
];

/** enum node_stat_item: per node, zoneinfo's "per-node stats". */
export const NODE_STAT_ITEMS: readonly string[] = [
  'nr_inactive_anon', 'nr_active_anon', 'nr_inactive_file', 'nr_active_file', 'nr_unevictable',
  'nr_slab_reclaimable', 'nr_slab_unreclaimable', 'nr_isolated_anon', 'nr_isolated_file',
  'workingset_nodes', 'workingset_refault_anon', 'workingset_refault_file',
  'workingset_activate_anon', 'workingset_activate_file', 'workingset_restore_anon',
  'workingset_restore_file', 'workingset_nodereclaim',
  'nr_anon_pages', 'nr_mapped', 'nr_file_pages', 'nr_dirty', 'nr_writeback', 'nr_shmem',
  'nr_shmem_hugepages', 'nr_shmem_pmdmapped', 'nr_file_hugepages', 'nr_file_pmdmapped',
  'nr_anon_transparent_hugepages', 'nr_vmscan_write', 'nr_vmscan_immediate_reclaim',
  'nr_dirtied', 'nr_written', 'nr_throttled_written', 'nr_kernel_misc_reclaimable',
  'nr_foll_pin_acquired', 'nr_foll_pin_released', 'nr_kernel_stack', 'nr_page_table_pages',
  'nr_sec_page_table_pages', 'nr_iommu_pages', 'nr_swapcached',
  'pgpromote_success', 'pgpromote_candidate', 'pgpromote_candidate_nrl',
  'pgdemote_kswapd', 'pgdemote_direct', 'pgdemote_khugepaged', 'pgdemote_proactive',
  'nr_hugetlb', 'nr_balloon_pages', 'nr_kernel_file_pages',
];

/** enum vm_stat_item: system-wide values computed when vmstat is read. */
const VM_STAT_ITEMS: readonly string[] = [
  'nr_dirty_threshold', 'nr_dirty_background_threshold', 'nr_memmap_pages', 'nr_memmap_boot_pages',
];

/** enum vm_event_item (CONFIG_VM_EVENT_COUNTERS). */
const VM_EVENT_ITEMS: readonly string[] = [
  'pgpgin', 'pgpgout', 'pswpin', 'pswpout',
  'pgalloc_dma', 'pgalloc_dma32', 'pgalloc_normal', 'pgalloc_movable', 'pgalloc_device',
  'allocstall_dma', 'allocstall_dma32', 'allocstall_normal', 'allocstall_movable', 'allocstall_device',
  'pgskip_dma', 'pgskip_dma32', 'pgskip_normal', 'pgskip_movable', 'pgskip_device',
  'pgfree', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pgfault', 'pgmajfault', 'pglazyfreed',
  'pgrefill', 'pgreuse',
  'pgsteal_kswapd', 'pgsteal_direct', 'pgsteal_khugepaged', 'pgsteal_proactive',
  'pgscan_kswapd', 'pgscan_direct', 'pgscan_khugepaged', 'pgscan_proactive', 'pgscan_direct_throttle',
  'pgscan_anon', 'pgscan_file', 'pgsteal_anon', 'pgsteal_file',
  'zone_reclaim_success', 'zone_reclaim_failed',
  'pginodesteal', 'slabs_scanned', 'kswapd_inodesteal', 'kswapd_low_wmark_hit_quickly',
  'kswapd_high_wmark_hit_quickly', 'pageoutrun', 'pgrotated', 'drop_pagecache', 'drop_slab', 'oom_kill',
  'numa_pte_updates', 'numa_huge_pte_updates', 'numa_hint_faults', 'numa_hint_faults_local',
  'numa_pages_migrated',
  'pgmigrate_success', 'pgmigrate_fail', 'thp_migration_success', 'thp_migration_fail', 'thp_migration_split',
  'compact_migrate_scanned', 'compact_free_scanned', 'compact_isolated', 'compact_stall', 'compact_fail',
  'compact_success', 'compact_daemon_wake', 'compact_daemon_migrate_scanned', 'compact_daemon_free_scanned',
  'htlb_buddy_alloc_success', 'htlb_buddy_alloc_fail',
  'unevictable_pgs_culled', 'unevictable_pgs_scanned', 'unevictable_pgs_rescued',
  'unevictable_pgs_mlocked', 'unevictable_pgs_munlocked', 'unevictable_pgs_cleared',
  'unevictable_pgs_stranded',
  'thp_fault_alloc', 'thp_fault_fallback', 'thp_fault_fallback_charge', 'thp_collapse_alloc',
  'thp_collapse_alloc_failed', 'thp_file_alloc', 'thp_file_fallback', 'thp_file_fallback_charge',
  'thp_file_mapped', 'thp_split_page', 'thp_split_page_failed', 'thp_deferred_split_page',
  'thp_underused_split_page', 'thp_split_pmd', 'thp_scan_exceed_none_pte', 'thp_scan_exceed_swap_pte',
  'thp_scan_exceed_share_pte', 'thp_split_pud', 'thp_zero_page_alloc', 'thp_zero_page_alloc_failed',
  'thp_swpout', 'thp_swpout_fallback',
  'balloon_inflate', 'balloon_deflate', 'balloon_migrate',
  'swap_ra', 'swap_ra_hit', 'swpin_zero', 'swpout_zero', 'ksm_swpin_copy', 'cow_ksm',
  'zswpin', 'zswpout', 'zswpwb',
  'direct_map_level2_splits', 'direct_map_level3_splits', 'direct_map_level2_collapses',
  'direct_map_level3_collapses',
];

/**
 * Every /proc/vmstat line in order. vmstat_show() appends "nr_unstable 0"
 * after the last counter, a removed counter kept so old tools still find it.
 */
export const VMSTAT_ITEMS: readonly string[] = [
  ...ZONE_STAT_ITEMS, ...NUMA_EVENT_ITEMS, ...NODE_STAT_ITEMS, ...VM_STAT_ITEMS, ...VM_EVENT_ITEMS,
  'nr_unstable',
];

/**
 * Values for `names` in order, taken from `given` or 0. A name in `given`
 * that is not in `names` is a caller bug (a typo would otherwise vanish
 * silently), so it throws.
 */
export function counterValues(names: readonly string[], given: Readonly<Record<string, number>>, what: string): number[] {
  const known = new Set(names);
  for (const name of Object.keys(given)) {
    if (!known.has(name)) throw new RangeError(`${what}: unknown counter "${name}"`);
  }
  return names.map((name) => checkedCount(given[name] ?? 0, `${what} ${name}`));
}
