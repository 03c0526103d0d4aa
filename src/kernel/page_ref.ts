/**
 * include/linux/page_ref.h as the linux-mm 7.3.0-rc5 tree has it before the
 * refcount-scalability series (seed 004): `_refcount` is a plain atomic_t
 * and a count of 0 means the page is frozen (free, or frozen by
 * page_ref_freeze). The refcount variants (seed 004) override these
 * functions.
 *
 * Every access to `_refcount` goes through the atomic_t operations of
 * atomic.ts, one per atomic the kernel performs, so `pagesim explore` can
 * interleave other CPUs between them: page_ref_add_unless_zero() is
 * atomic_add_unless(), a read and then try_cmpxchg in a loop;
 * page_ref_freeze() one cmpxchg; page_ref_unfreeze() a read (its
 * VM_BUG_ON) and a store. The page_count_writable() test that once guarded
 * page_ref_add_unless() against HVO's read-only vmemmap is gone from the
 * linux-mm 7.3.0-rc5 tree (no fake heads), and pagesim has no HVO either.
 *
 * A folio's count is its head page's count; tail pages hold 0.
 */

import { Atomic } from './atomic.js';
import { SITES } from './sites.js';
import { declareSymbols } from './symbols.js';
import type { Site } from '../report/report.js';

declareSymbols(
  'include/linux/page_ref.h',
  [
    'page_ref_count',
    'folio_ref_count',
    'page_count',
    'set_page_count',
    'init_page_count',
    'folio_set_count',
    'page_ref_add',
    'page_ref_sub',
    'page_ref_inc',
    'page_ref_dec',
    'folio_ref_add',
    'folio_ref_sub',
    'folio_ref_inc',
    'folio_ref_dec',
    'page_ref_sub_and_test',
    'page_ref_dec_and_test',
    'page_ref_inc_return',
    'page_ref_dec_return',
    'folio_ref_sub_and_test',
    'folio_ref_dec_and_test',
    'folio_ref_sub_return',
    'page_ref_add_unless',
    'page_ref_add_unless_zero',
    'folio_ref_add_unless_zero',
    'folio_try_get',
    'folio_ref_try_add',
    'page_ref_freeze',
    'page_ref_unfreeze',
    'folio_ref_freeze',
    'folio_ref_unfreeze',
  ],
  true,
);

export abstract class PageRef extends Atomic {
  /** The word of a page's _refcount (the atomic_t the functions below operate on). */
  refcountWord(page: number): number {
    return page * this.PW + this.W_refcount;
  }

  /** The raw _refcount word, as stored (dumps and checks; not an access the kernel makes). */
  refcountRaw(page: number): number {
    return this.i32[page * this.PW + this.W_refcount]!;
  }

  setRefcountRaw(page: number, v: number): void {
    this.i32[page * this.PW + this.W_refcount] = v;
  }

  page_ref_count(page: number): number {
    return this.atomic_read(this.refcountWord(page));
  }

  folio_ref_count(folio: number): number {
    return this.page_ref_count(folio);
  }

  /** page_count(): the count of the folio the page belongs to. */
  page_count(page: number): number {
    return this.folio_ref_count(this.page_folio(page));
  }

  set_page_count(page: number, v: number): void {
    this.atomic_set(this.refcountWord(page), v);
  }

  /** Boot/hotplug initialisation of a page's count to 1. */
  init_page_count(page: number): void {
    this.set_page_count(page, 1);
  }

  folio_set_count(folio: number, v: number): void {
    this.set_page_count(folio, v);
  }

  page_ref_add(page: number, nr: number): void {
    this.atomic_add(this.refcountWord(page), nr);
  }

  page_ref_sub(page: number, nr: number): void {
    this.atomic_sub(this.refcountWord(page), nr);
  }

  page_ref_inc(page: number): void {
    this.atomic_inc(this.refcountWord(page));
  }

  page_ref_dec(page: number): void {
    this.atomic_dec(this.refcountWord(page));
  }

  folio_ref_add(folio: number, nr: number): void {
    this.page_ref_add(folio, nr);
  }

  folio_ref_sub(folio: number, nr: number): void {
    this.page_ref_sub(folio, nr);
  }

  folio_ref_inc(folio: number): void {
    this.page_ref_inc(folio);
  }

  folio_ref_dec(folio: number): void {
    this.page_ref_dec(folio);
  }

  page_ref_sub_and_test(page: number, nr: number): boolean {
    return this.atomic_sub_and_test(this.refcountWord(page), nr);
  }

  page_ref_dec_and_test(page: number): boolean {
    return this.atomic_dec_and_test(this.refcountWord(page));
  }

  folio_ref_sub_and_test(folio: number, nr: number): boolean {
    return this.page_ref_sub_and_test(folio, nr);
  }

  folio_ref_dec_and_test(folio: number): boolean {
    return this.page_ref_dec_and_test(folio);
  }

  page_ref_inc_return(page: number): number {
    return this.atomic_inc_return(this.refcountWord(page));
  }

  page_ref_dec_return(page: number): number {
    return this.atomic_dec_return(this.refcountWord(page));
  }

  folio_ref_sub_return(folio: number, nr: number): number {
    return this.atomic_sub_return(this.refcountWord(folio), nr);
  }

  /** atomic_add_unless(&_refcount, nr, u): adds unless the count is u. */
  page_ref_add_unless(page: number, nr: number, u: number): boolean {
    return this.atomic_add_unless(this.refcountWord(page), nr, u);
  }

  page_ref_add_unless_zero(page: number, nr: number): boolean {
    return this.atomic_add_unless(this.refcountWord(page), nr, 0);
  }

  folio_ref_add_unless_zero(folio: number, nr: number): boolean {
    return this.page_ref_add_unless_zero(folio, nr);
  }

  /** folio_try_get(): take a reference unless the folio is frozen (count 0). */
  folio_try_get(folio: number): boolean {
    return this.folio_ref_add_unless_zero(folio, 1);
  }

  folio_ref_try_add(folio: number, count: number): boolean {
    return this.folio_ref_add_unless_zero(folio, count);
  }

  /** page_ref_freeze(): cmpxchg(count -> 0); succeeds only if the count was exactly `count`. */
  page_ref_freeze(page: number, count: number): boolean {
    return this.atomic_cmpxchg(this.refcountWord(page), count, 0) === count;
  }

  /**
   * The check sites of page_ref.h: their lines move when a variant patches
   * the file, so a variant overrides this to name its own.
   */
  pageRefSite(key: 'page_ref_unfreeze_count' | 'page_ref_unfreeze_zero'): Site {
    return SITES[key];
  }

  /** page_ref_unfreeze(): the page must be frozen and the new count non-zero; then atomic_set_release(). */
  page_ref_unfreeze(page: number, count: number): void {
    this.VM_BUG_ON_PAGE(this.page_count(page) !== 0, page, this.pageRefSite('page_ref_unfreeze_count'));
    this.VM_BUG_ON(count === 0, this.pageRefSite('page_ref_unfreeze_zero'));
    this.atomic_set(this.refcountWord(page), count);
  }

  folio_ref_freeze(folio: number, count: number): boolean {
    return this.page_ref_freeze(folio, count);
  }

  folio_ref_unfreeze(folio: number, count: number): void {
    this.page_ref_unfreeze(folio, count);
  }
}
