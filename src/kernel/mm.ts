/**
 * include/linux/mm.h (linux-mm 7.3.0-rc5): getting and putting
 * references on folios, mapcounts, and where a page lives (zone, node).
 */

import { PageRef } from './page_ref.js';
import { SITES } from './sites.js';
import { declareSymbols } from './symbols.js';
import { NODES_PGOFF, ZONES_PGOFF, NODES_WIDTH, ZONES_WIDTH } from './config.js';
import { PageFlags } from './page-flags.js';

declareSymbols(
  'include/linux/mm.h',
  [
    'folio_get',
    'get_page',
    'put_page',
    'folio_put',
    'folio_put_refs',
    'put_page_testzero',
    'folio_put_testzero',
    'try_get_page',
    'get_page_unless_zero',
    'folio_mapcount',
    'folio_large_mapcount',
    'folio_entire_mapcount',
    'folio_mapped',
    'page_zonenum',
    'page_to_nid',
    'folio_ref_zero_or_close_to_overflow',
  ],
  true,
);

export abstract class Mm extends PageRef {
  /** __folio_put() (mm/swap.c): the last reference is gone; free the folio. */
  abstract __folio_put(folio: number): void;

  page_zonenum(page: number): number {
    return (this.flagsHi(page) >>> (ZONES_PGOFF - 32)) & ((1 << ZONES_WIDTH) - 1);
  }

  page_to_nid(page: number): number {
    return (this.flagsHi(page) >>> (NODES_PGOFF - 32)) & ((1 << NODES_WIDTH) - 1);
  }

  /** refcount 0, or so high that one more reference would overflow (as an unsigned add of 127). */
  folio_ref_zero_or_close_to_overflow(folio: number): boolean {
    return (this.folio_ref_count(folio) + 127) >>> 0 <= 127;
  }

  folio_get(folio: number): void {
    this.VM_BUG_ON_FOLIO(this.folio_ref_zero_or_close_to_overflow(folio), folio, SITES.folio_get);
    this.folio_ref_inc(folio);
  }

  /** get_page(): slab and large-kmalloc pages are not refcounted by their users. */
  get_page(page: number): void {
    const folio = this.page_folio(page);
    if (this.WARN_ON_ONCE(this.folio_test_slab(folio), SITES.get_page_slab, page)) return;
    if (this.WARN_ON_ONCE(this.folio_test_large_kmalloc(folio), SITES.get_page_large_kmalloc, page)) return;
    this.folio_get(folio);
  }

  try_get_page(page: number): boolean {
    const folio = this.page_folio(page);
    if (this.WARN_ON_ONCE(this.folio_ref_count(folio) <= 0, SITES.try_get_page, page)) return false;
    this.folio_ref_inc(folio);
    return true;
  }

  get_page_unless_zero(page: number): boolean {
    return this.page_ref_add_unless_zero(page, 1);
  }

  /** put_page_testzero(): drop a reference; true if it was the last. */
  put_page_testzero(page: number): boolean {
    this.VM_BUG_ON_PAGE(this.page_ref_count(page) === 0, page, SITES.put_page_testzero);
    return this.page_ref_dec_and_test(page);
  }

  folio_put_testzero(folio: number): boolean {
    return this.put_page_testzero(folio);
  }

  folio_put(folio: number): void {
    if (this.folio_put_testzero(folio)) this.__folio_put(folio);
  }

  folio_put_refs(folio: number, refs: number): void {
    if (this.folio_ref_sub_and_test(folio, refs)) this.__folio_put(folio);
  }

  /** put_page(): slab and large-kmalloc pages are ignored, as get_page refused them. */
  put_page(page: number): void {
    const folio = this.page_folio(page);
    if (this.folio_test_slab(folio) || this.folio_test_large_kmalloc(folio)) return;
    this.folio_put(folio);
  }

  /** The raw _mapcount of a page (also its page_type). */
  mapcountRaw(page: number): number {
    return this.i32[page * this.PW + this.W_mapcount]!;
  }

  /** folio_large_mapcount(): _large_mapcount + 1. */
  folio_large_mapcount(folio: number): number {
    this.VM_WARN_ON_FOLIO(!this.folio_test_large(folio), folio, SITES.folio_large_mapcount);
    return this.atomic_read(folio * this.PW + this.FF['_large_mapcount']!) + 1;
  }

  folio_entire_mapcount(folio: number): number {
    this.VM_BUG_ON_FOLIO(!this.folio_test_large(folio), folio, SITES.folio_entire_mapcount);
    return this.i32[folio * this.PW + this.FF['_entire_mapcount']!]! + 1;
  }

  /** folio_mapcount(): atomic_read() of _mapcount (_large_mapcount for a large folio); small folios report 0 when _mapcount holds a page type. */
  folio_mapcount(folio: number): number {
    if (!this.folio_test_large(folio)) {
      const mapcount = (this.atomic_read(folio * this.PW + this.W_mapcount) + 1) | 0;
      return PageFlags.page_type_has_type((mapcount - 1) | 0) ? 0 : mapcount;
    }
    return this.folio_large_mapcount(folio);
  }

  folio_mapped(folio: number): boolean {
    return this.folio_mapcount(folio) >= 1;
  }

  /** page_mapcount as dump_page computes it: _mapcount + 1, 0 if it holds a type. */
  pageMapcountForDump(page: number): number {
    const raw = this.mapcountRaw(page);
    return PageFlags.page_type_has_type(raw) ? 0 : (raw + 1) | 0;
  }
}
