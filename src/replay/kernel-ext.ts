/**
 * Kernel functions the replay needs that src/kernel does not have (yet),
 * each written against the Kernel's own methods and named after the
 * mm/page_alloc.c code it models. A trace tells which page the kernel took
 * or freed; these functions apply exactly that, where the kernel's own
 * entry points would choose the page themselves or trim the pcp lists on
 * their own (the trace reports those trims as separate events).
 *
 * Candidates to move into src/kernel: take_page_off_buddy (with an order),
 * break_down_buddy_pages, set_pageblock_type.
 */

import type { Kernel } from '../kernel/kernel.js';
import type { PerCpuPages, Zone } from '../kernel/mmzone.js';
import { MAX_PAGE_ORDER, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_PCPTYPES, NR_PAGE_ORDERS, pageblock_nr_pages, pageblock_order } from '../kernel/config.js';
import { order_to_pindex } from '../kernel/page_alloc.js';

/**
 * break_down_buddy_pages() (mm/page_alloc.c): split the free block `page`
 * of order `high` down to order `low`, putting every half that does not
 * hold `target` back on the free lists (add_to_free_list, at the head).
 * The kernel's version is called with low = 0 (memory failure takes one
 * page); a trace can take a block of any order.
 */
export function break_down_buddy_pages(k: Kernel, zone: Zone, page: number, target: number, low: number, high: number, migratetype: number): void {
  let size = 1 << high;
  while (high > low) {
    high--;
    size >>= 1;
    let current_buddy: number;
    if (target >= page + size) {
      current_buddy = page;
      page = page + size;
    } else {
      current_buddy = page + size;
    }
    k.__add_to_free_list(current_buddy, zone, high, migratetype, false);
    k.account_freepages(zone, 1 << high, migratetype);
    k.set_buddy_order(current_buddy, high);
  }
}

/**
 * The free block holding `pfn`: its head, or -1 when pfn is not free in the
 * buddy allocator. The head's order is k.buddy_order(head). This is the
 * search loop of take_page_off_buddy(): a free block of order o holding pfn
 * starts at pfn rounded down to o, and the search stops at the first
 * referenced page, which no free block can contain.
 */
export function find_buddy_head(k: Kernel, pfn: number): number {
  for (let order = 0; order < NR_PAGE_ORDERS; order++) {
    const head = pfn & ~((1 << order) - 1);
    if (k.PageBuddy(head) && k.buddy_order(head) >= order) return head;
    if (k.page_ref_count(head) > 0) return -1;
  }
  return -1;
}

/**
 * take_page_off_buddy() (mm/page_alloc.c), for a block of `order` pages:
 * remove the free block holding [pfn, pfn + 2^order) from its free list and
 * put the rest of it back split (break_down_buddy_pages). Returns the
 * migratetype of the list it came from, or -1 (nothing done) when those
 * pages are not one free block's. The kernel's version takes one page and
 * marks it hwpoisoned; here the caller decides what the pages become.
 */
export function take_page_off_buddy(k: Kernel, zone: Zone, pfn: number, order: number): number {
  const head = find_buddy_head(k, pfn);
  if (head < 0) return -1;
  const page_order = k.buddy_order(head);
  if (page_order < order) return -1;
  const migratetype = k.get_pfnblock_migratetype(head, head);
  k.del_page_from_free_list(head, zone, page_order, migratetype);
  break_down_buddy_pages(k, zone, head, pfn, order, page_order, migratetype);
  return migratetype;
}

/**
 * The pcp half of free_frozen_page_commit() (mm/page_alloc.c): the page
 * goes on the head of its pcp list and counts towards pcp->count, with the
 * bookkeeping the kernel does on a free (alloc_factor, free_count). The
 * trim that follows in the kernel (nr_pcp_high / free_pcppages_bulk) is not
 * done: when it happens the trace reports it as mm_page_pcpu_drain events.
 */
export function free_frozen_page_commit_untrimmed(pcp: PerCpuPages, k: Kernel, page: number, migratetype: number, order: number): void {
  pcp.alloc_factor >>= 1;
  k.list_add(page * k.PW + k.W_lru, pcp.listsWord + order_to_pindex(migratetype, order) * 4);
  pcp.count += 1 << order;
  if (pcp.free_count < pcp.batch << 5) pcp.free_count += 1 << order;
}

/** The pcp list a freed page goes to (__free_frozen_pages): HighAtomic and CMA share Movable's; -1 for an isolated block (freed to the buddy). */
export function pcp_migratetype(k: Kernel, page: number): number {
  const mt = k.get_pfnblock_migratetype(page, page);
  if (mt < MIGRATE_PCPTYPES) return mt;
  return mt === MIGRATE_ISOLATE ? -1 : MIGRATE_MOVABLE;
}

/**
 * rmqueue_bulk() for one block the trace names: __rmqueue took it off the
 * buddy lists, it goes on the tail of the pcp list of `migratetype`, and the
 * caller (__rmqueue_pcplist) adds it to pcp->count.
 */
export function rmqueue_bulk_add(pcp: PerCpuPages, k: Kernel, page: number, migratetype: number, order: number): void {
  k.list_add_tail(page * k.PW + k.W_lru, pcp.listsWord + order_to_pindex(migratetype, order) * 4);
  pcp.count += 1 << order;
}

/**
 * Taking one named page off a pcp list: what __rmqueue_pcplist() does to
 * the first page of its list, and free_pcppages_bulk() to the last (its
 * list_del and count updates), for the page the trace reports.
 */
export function pcp_list_del(pcp: PerCpuPages, k: Kernel, page: number, order: number): void {
  k.list_del(page * k.PW + k.W_lru);
  pcp.count -= 1 << order;
}

/**
 * A pageblock changes migratetype with its free pages, as the claim in
 * try_to_claim_block() does (move_freepages_block, set_pageblock_migratetype).
 * A free block larger than a pageblock moves as a whole with all its
 * pageblocks (change_pageblock_range), as the kernel's whole-block claim
 * does, so the free lists stay typed like their pageblocks.
 */
export function set_pageblock_type(k: Kernel, zone: Zone, pfn: number, mt: number): void {
  const start = pfn & ~(pageblock_nr_pages - 1);
  const old = k.get_pfnblock_migratetype(start, start);
  if (old === mt) return;
  for (let order = pageblock_order + 1; order <= MAX_PAGE_ORDER; order++) {
    const head = start & ~((1 << order) - 1);
    if (k.PageBuddy(head) && k.buddy_order(head) >= order) {
      const o = k.buddy_order(head);
      k.move_to_free_list(head, zone, o, old, mt);
      k.change_pageblock_range(head, o, mt);
      return;
    }
  }
  // A pageblock straddling the zone edge is moved too (the kernel refuses to):
  // the pages outside the zone are never free, so only the zone's move.
  k.__move_freepages_block(zone, start, old, mt);
  k.set_pageblock_migratetype(start, mt);
}
