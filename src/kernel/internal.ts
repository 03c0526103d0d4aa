/**
 * mm/internal.h (linux-mm 7.3.0-rc5): refcount setup of new pages,
 * compound page preparation, buddy lookup, allocation flags.
 */

import { MmZone } from './mmzone.js';
import { SITES } from './sites.js';
import { declareSymbols } from './symbols.js';
import { PG_large_rmappable } from './page-flags.js';
import { TAIL_MAPPING } from './config.js';

declareSymbols(
  'mm/internal.h',
  ['set_page_refcounted', 'prep_compound_head', 'prep_compound_tail', 'buddy_order', 'page_is_buddy', 'find_buddy_page_pfn', 'page_rmappable_folio', 'folio_set_large_rmappable'],
  true,
);

// Allocation flags (mm/internal.h).
export const ALLOC_WMARK_MIN = 0;
export const ALLOC_WMARK_LOW = 1;
export const ALLOC_WMARK_HIGH = 2;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
export const ALLOC_OOM = 0x08;
export const ALLOC_NON_BLOCK = 0x10;
export const ALLOC_MIN_RESERVE = 0x20;
export const ALLOC_CPUSET = 0x40;
export const ALLOC_CMA = 0x80;
export const ALLOC_NOFRAGMENT = 0x100;
export const ALLOC_HIGHATOMIC = 0x200;
export const ALLOC_NOLOCK = 0x400;
export const ALLOC_KSWAPD = 0x800;
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;
export const ALLOC_DEFAULT = 0;

// Free-page-internal flags (mm/page_alloc.c fpi_t).
export const FPI_NONE = 0;
export const FPI_SKIP_REPORT_NOTIFY = 1 << 0;
export const FPI_TO_TAIL = 1 << 1;
export const FPI_NOLOCK = 1 << 2;
export const FPI_PREPARED = 1 << 3;

const TAIL_MAPPING_LO = Number(TAIL_MAPPING & 0xffffffffn);
const TAIL_MAPPING_HI = Number(TAIL_MAPPING >> 32n);

export abstract class Internal extends MmZone {
  /** set_page_refcounted(): a new page gets its first reference. */
  set_page_refcounted(page: number): void {
    this.VM_BUG_ON_PAGE(this.PageTail(page), page, SITES.set_page_refcounted_tail);
    this.VM_BUG_ON_PAGE(this.page_ref_count(page) !== 0, page, SITES.set_page_refcounted_count);
    this.init_page_count(page);
  }

  /** prep_compound_tail(): TAIL_MAPPING, head pointer, no private data. */
  prep_compound_tail(tail: number, head: number): void {
    this.setWord64(tail, this.W_mapping, TAIL_MAPPING_LO, TAIL_MAPPING_HI);
    this.set_compound_head(tail, head);
    this.set_page_private(tail, 0);
  }

  /** prep_compound_head(): order, folio counters at their idle values. */
  prep_compound_head(page: number, order: number): void {
    const f = page * this.PW;
    const FF = this.FF;
    this.folio_set_order(page, order);
    this.i32[f + FF['_large_mapcount']!] = -1;
    this.i32[f + FF['_nr_pages_mapped']!] = 0; // CONFIG_PAGE_MAPCOUNT
    if (FF['_mm_ids'] !== undefined) {
      // CONFIG_MM_ID (v6.15+): a layout without the fields predates it.
      this.m32[f + FF['_mm_ids']] = 0;
      this.m32[f + FF['_mm_ids'] + 1] = 0;
      this.i32[f + FF['_mm_id_mapcount[0]']!] = -1;
      this.i32[f + FF['_mm_id_mapcount[1]']!] = -1;
    }
    this.i32[f + FF['_pincount']!] = 0; // CONFIG_64BIT
    this.i32[f + FF['_entire_mapcount']!] = -1;
    if (order > 1) this.INIT_LIST_HEAD(f + FF['_deferred_list.next']!);
  }

  buddy_order(page: number): number {
    return this.page_private(page);
  }

  /** page_is_buddy(): may `buddy` merge with `page` at this order? */
  page_is_buddy(page: number, buddy: number, order: number): boolean {
    if (!this.PageGuard(buddy) && !this.PageBuddy(buddy)) return false;
    if (this.buddy_order(buddy) !== order) return false;
    if (this.page_zone_id(page) !== this.page_zone_id(buddy)) return false;
    this.VM_BUG_ON_PAGE(this.page_count(buddy) !== 0, buddy, SITES.page_is_buddy);
    return true;
  }

  /**
   * find_buddy_page_pfn(): the buddy of pfn at this order if it is a free
   * block that can merge, else -1. The memmap always covers whole
   * MAX_PAGE_ORDER blocks, so the buddy's struct page exists.
   */
  find_buddy_page_pfn(page: number, pfn: number, order: number): number {
    const buddy = pfn ^ (1 << order);
    return this.page_is_buddy(page, buddy, order) ? buddy : -1;
  }

  folio_set_large_rmappable(folio: number): void {
    this.folio_set_flag(folio, PG_large_rmappable, 1);
  }

  /** page_rmappable_folio(): a large folio that will be rmapped is marked so. */
  page_rmappable_folio(page: number): number {
    if (page >= 0 && this.folio_test_large(page)) this.folio_set_large_rmappable(page);
    return page;
  }
}
