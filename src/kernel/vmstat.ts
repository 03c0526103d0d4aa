/**
 * The vmstat counters pagesim keeps (include/linux/mmzone.h enum
 * zone_stat_item and node_stat_item, names as mm/vmstat.c prints them).
 * Counters are exact: pagesim does not model the per-CPU deltas the kernel
 * folds in lazily. The item names and their order come from the /proc
 * tables (src/procfs/counters.ts), so the enum and the printed files agree.
 */

import { NODE_STAT_ITEMS, ZONE_STAT_ITEMS } from '../procfs/counters.js';

/** enum zone_stat_item, in the kernel's order (the names /proc/vmstat prints). */
export const ZONE_STAT_NAMES = ZONE_STAT_ITEMS;

/** The index of a zone_stat_item by the name /proc/vmstat prints. */
export function zoneStat(name: string): number {
  const i = ZONE_STAT_NAMES.indexOf(name);
  if (i < 0) throw new Error(`no zone stat ${name}`);
  return i;
}

export const NR_FREE_PAGES = zoneStat('nr_free_pages');
export const NR_FREE_PAGES_BLOCKS = zoneStat('nr_free_pages_blocks');
export const NR_ZONE_INACTIVE_ANON = zoneStat('nr_zone_inactive_anon');
export const NR_ZONE_ACTIVE_ANON = zoneStat('nr_zone_active_anon');
export const NR_ZONE_UNEVICTABLE = zoneStat('nr_zone_unevictable');
export const NR_MLOCK = zoneStat('nr_mlock');
export const NR_FREE_CMA_PAGES = zoneStat('nr_free_cma');
export const NR_VM_ZONE_STAT_ITEMS = ZONE_STAT_NAMES.length;

/** enum node_stat_item, in the kernel's order. */
export const NODE_STAT_NAMES = NODE_STAT_ITEMS;


/** Index of a node stat item by name. */
export function nodeStat(name: string): number {
  const i = NODE_STAT_NAMES.indexOf(name);
  if (i < 0) throw new Error(`no node stat ${name}`);
  return i;
}

export const NR_SLAB_RECLAIMABLE_B = nodeStat('nr_slab_reclaimable');
export const NR_SLAB_UNRECLAIMABLE_B = nodeStat('nr_slab_unreclaimable');
export const NR_ANON_MAPPED = nodeStat('nr_anon_pages');
export const NR_FILE_MAPPED = nodeStat('nr_mapped');
export const NR_ANON_THPS = nodeStat('nr_anon_transparent_hugepages');
export const NR_FOLL_PIN_ACQUIRED = nodeStat('nr_foll_pin_acquired');
export const NR_FOLL_PIN_RELEASED = nodeStat('nr_foll_pin_released');
export const NR_KERNEL_STACK_KB = nodeStat('nr_kernel_stack');
export const NR_PAGETABLE = nodeStat('nr_page_table_pages');
export const NR_VM_NODE_STAT_ITEMS = NODE_STAT_NAMES.length;

/** Event counters (enum vm_event_item) pagesim counts. */
export const VM_EVENT_NAMES = ['pgalloc_dma', 'pgalloc_dma32', 'pgalloc_normal', 'pgalloc_movable', 'pgalloc_device', 'pgfree', 'pgfault', 'thp_fault_alloc', 'thp_collapse_alloc', 'thp_split_pmd'] as const;
export const PGALLOC_BASE = 0;
export const PGFREE = 5;
export const PGFAULT = 6;
export const THP_FAULT_ALLOC = 7;
export const THP_COLLAPSE_ALLOC = 8;
export const THP_SPLIT_PMD = 9;
export const NR_VM_EVENT_ITEMS = VM_EVENT_NAMES.length;
