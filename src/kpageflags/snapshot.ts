/**
 * snapshot_page() (mm/util.c, linux-mm 7.3.0-rc5 tree): the consistent view of a
 * page and its folio that fs/proc/page.c reports from, and the free-buddy
 * test it records (set_ps_flags() + is_free_buddy_page() of mm/page_alloc.c).
 *
 * The kernel copies the struct pages and works on the copy so that a racing
 * split cannot make it read garbage. pagesim's memory does not change under
 * the reader, so the snapshot is the pfn of the folio's head plus what
 * set_ps_flags() found; fields are read straight from memory words, with no
 * DEBUG_VM accessor, exactly as the copy would be: reading /proc/kpageflags
 * never triggers a VM_BUG_ON.
 */

import type { Kernel } from '../kernel/kernel.js';
import { PG_head, PGTY_buddy } from '../kernel/page-flags.js';
import { VMEMMAP_HI } from '../kernel/machine.js';
import { NR_PAGE_ORDERS, MAX_PAGE_ORDER } from '../kernel/config.js';

/**
 * MAX_FOLIO_NR_PAGES on x86_64 with hugetlb gigantic pages: 1 << PUD_ORDER
 * (include/linux/mm.h). A tail claiming a head further away than this is not
 * believed.
 */
export const MAX_FOLIO_NR_PAGES = 1 << 18;

export interface PageSnapshot {
  readonly pfn: number;
  /** The pfn whose struct page the folio snapshot was copied from. */
  readonly folio: number;
  /** Index of the page in its folio (0 for a head or a small folio). */
  readonly idx: number;
  /** PAGE_SNAPSHOT_FAITHFUL: the compound state was consistent. */
  readonly faithful: boolean;
  /** PAGE_SNAPSHOT_PG_BUDDY: the page is a free buddy page or inside one. */
  readonly buddy: boolean;
}

function flagsLo(k: Kernel, pfn: number): number {
  return k.m32[pfn * k.PW + k.W_flags]!;
}

/** is_free_buddy_page(): is the page the first page of, or inside, a free buddy block? */
export function is_free_buddy_page(k: Kernel, pfn: number): boolean {
  for (let order = 0; order < NR_PAGE_ORDERS; order++) {
    const head = pfn - (pfn & ((1 << order) - 1));
    // buddy_order_unsafe(): page_private of the block's first page, read without the zone lock.
    if (k.page_type(head) >>> 24 === PGTY_buddy && k.page_private(head) >= order) return order <= MAX_PAGE_ORDER;
  }
  return false;
}

/** set_ps_flags(): PageBuddy, or a frozen page inside a free block. (PG_idle is read from the folio flags on 64-bit.) */
function snapshotBuddy(k: Kernel, folio: number, pfn: number): boolean {
  if (k.page_type(pfn) >>> 24 === PGTY_buddy) return true;
  // page_count(page): the refcount of the folio the live page belongs to.
  return k.page_ref_count(folio) === 0 && is_free_buddy_page(k, pfn);
}

/** The head pfn a tail's compound_head word points at, or -1 when it points at no struct page. */
function decodeHead(k: Kernel, pfn: number): number {
  const w = pfn * k.PW + k.W_compound_head;
  const lo = k.m32[w]!;
  const hi = k.m32[w + 1]!;
  const off = lo - 1;
  if (hi !== VMEMMAP_HI || off % k.structPageSize !== 0) return -1;
  const head = off / k.structPageSize;
  return head < k.nr_pages ? head : -1;
}

/** folio_nr_pages() of the snapshot of a head: 1, or _nr_pages of a large folio. */
function snapshotNrPages(k: Kernel, folio: number): number {
  if ((flagsLo(k, folio) & (1 << PG_head)) === 0) return 1;
  const w = k.FF['_nr_pages'];
  if (w !== undefined && folio + 1 < k.nr_pages) return k.m32[folio * k.PW + w]!;
  return folio + 1 < k.nr_pages ? 1 << (flagsLo(k, folio + 1) & 0xff) : 1;
}

/** snapshot_page(ps, page) */
export function snapshot_page(k: Kernel, pfn: number): PageSnapshot {
  const info = k.m32[pfn * k.PW + k.W_compound_head]!;
  if ((info & 1) === 0) {
    // A head or a small folio: the folio is the page itself.
    return { pfn, folio: pfn, idx: 0, faithful: true, buddy: snapshotBuddy(k, pfn, pfn) };
  }
  const head = decodeHead(k, pfn);
  // folio_page_idx() is pointer arithmetic; a head above the page gives a huge unsigned index.
  const idx = head < 0 ? Number.MAX_SAFE_INTEGER : pfn >= head ? pfn - head : Number.MAX_SAFE_INTEGER;
  let nrPages = 1;
  let buddy = false;
  if (idx < MAX_FOLIO_NR_PAGES) {
    nrPages = snapshotNrPages(k, head);
    buddy = snapshotBuddy(k, head, pfn);
  }
  if (idx > nrPages) {
    // The kernel retries five times, then reports the page on its own with
    // compound_head cleared and no snapshot flags (not faithful).
    return { pfn, folio: pfn, idx: 0, faithful: false, buddy: false };
  }
  return { pfn, folio: head, idx, faithful: true, buddy };
}
