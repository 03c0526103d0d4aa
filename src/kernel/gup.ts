/**
 * mm/gup.c: get_user_pages() and pin_user_pages() on the slow path
 * (__get_user_pages: walk the page tables, fault in what is missing, grab
 * each folio), and their release (put_page, unpin_user_pages). Follows the
 * linux-mm 7.3.0-rc5 tree: FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) references to
 * a small folio, or one reference plus one in _pincount to a large one
 * (any compound page: GUP does not ask whether it is a folio the rmap
 * knows); the zero page is never pinned; NR_FOLL_PIN_ACQUIRED/RELEASED count
 * pins. FOLL_TOUCH (get_user_pages() and pin_user_pages() set it) marks
 * each PTE-mapped folio accessed, and dirty for FOLL_WRITE on a clean pte
 * (follow_page_pte_commit()). GUP-fast and FOLL_LONGTERM migration are not
 * modelled (kernel allocations are long-term pinnable, so nothing would move).
 */

import { PAGE_SIZE } from './config.js';
import { EFAULT, ENOMEM } from './errno.js';
import { VmInsert } from './vm_insert.js';
import { FAULT_FLAG_WRITE, VM_FAULT_OOM } from './memory.js';
import { _PAGE_DIRTY, _PAGE_RW, _PAGE_SPECIAL } from './pgtable.js';
import { PG_active, PG_dirty, PG_lru, PG_referenced, PG_unevictable } from './page-flags.js';
import { VM_IO, VM_PFNMAP, VM_READ, VM_WRITE, type MmStruct, type VmAreaStruct } from './mm_types.js';
import { NR_FOLL_PIN_ACQUIRED, NR_FOLL_PIN_RELEASED } from './vmstat.js';
import { declareSymbols } from './symbols.js';
import type { Site } from '../report/report.js';

declareSymbols('mm/gup.c', ['get_user_pages', 'pin_user_pages', '__get_user_pages', 'follow_page_pte', 'faultin_page', 'try_grab_folio', 'unpin_user_page', 'unpin_user_pages', 'gup_put_folio', 'check_vma_flags']);
declareSymbols('mm/swap.c', ['folio_mark_accessed', 'folio_activate']);

// include/linux/mm_types.h and mm/internal.h
export const FOLL_WRITE = 1 << 0;
export const FOLL_GET = 1 << 1;
export const FOLL_FORCE = 1 << 3;
export const FOLL_LONGTERM = 1 << 8;
export const FOLL_TOUCH = 1 << 16;
export const FOLL_PIN = 1 << 19;
export const FOLL_NAMES: ReadonlyMap<string, number> = new Map([
  ['FOLL_WRITE', FOLL_WRITE],
  ['FOLL_FORCE', FOLL_FORCE],
  ['FOLL_LONGTERM', FOLL_LONGTERM],
]);
export const GUP_PIN_COUNTING_BIAS = 1 << 10;

const S = {
  try_grab_folio: { fn: 'try_grab_folio', file: 'mm/gup.c', line: 143, cond: 'folio_ref_count(folio) <= 0' },
} satisfies Record<string, Site>;

/** Pages one get/pin call handles at most (a limit on everything). */
export const GUP_MAX_PAGES = 1 << 20;

export abstract class Gup extends VmInsert {
  private W_pincount = this.FF['_pincount']!;

  folio_has_pincount(folio: number): boolean {
    return this.folio_test_large(folio);
  }

  folio_pincount(folio: number): number {
    return this.i32[folio * this.PW + this.W_pincount]!;
  }

  private addPincount(folio: number, refs: number): void {
    const w = folio * this.PW + this.W_pincount;
    this.i32[w] = this.i32[w]! + refs;
  }

  /** folio_maybe_dma_pinned(): _pincount for large folios, the 1024 bias for small ones (false positives allowed). */
  folio_maybe_dma_pinned(folio: number): boolean {
    if (this.folio_has_pincount(folio)) return this.folio_pincount(folio) > 0;
    return this.folio_ref_count(folio) >>> 0 >= GUP_PIN_COUNTING_BIAS;
  }

  /** try_grab_folio(): take the references FOLL_GET or FOLL_PIN asks for. */
  try_grab_folio(folio: number, refs: number, flags: number): number {
    if (this.WARN_ON_ONCE(this.folio_ref_count(folio) <= 0, S.try_grab_folio, folio)) return -ENOMEM;
    if (flags & FOLL_GET) this.folio_ref_add(folio, refs);
    else if (flags & FOLL_PIN) {
      if (this.is_zero_folio(folio)) return 0;
      if (this.folio_has_pincount(folio)) {
        this.folio_ref_add(folio, refs);
        this.addPincount(folio, refs);
      } else this.folio_ref_add(folio, refs * GUP_PIN_COUNTING_BIAS);
      this.mod_node_page_state(this.page_to_nid(folio), NR_FOLL_PIN_ACQUIRED, refs);
    }
    return 0;
  }

  /** gup_put_folio(): undo try_grab_folio(). */
  gup_put_folio(folio: number, refs: number, flags: number): void {
    if (flags & FOLL_PIN) {
      if (this.is_zero_folio(folio)) return;
      this.mod_node_page_state(this.page_to_nid(folio), NR_FOLL_PIN_RELEASED, refs);
      if (this.folio_has_pincount(folio)) this.addPincount(folio, -refs);
      else refs *= GUP_PIN_COUNTING_BIAS;
    }
    this.folio_put_refs(folio, refs);
  }

  unpin_user_page(page: number): void {
    this.gup_put_folio(this.page_folio(page), 1, FOLL_PIN);
  }

  unpin_user_pages(pages: readonly number[]): void {
    for (const p of pages) if (p >= 0) this.unpin_user_page(p);
  }

  /** check_vma_flags(): -EFAULT for VMAs GUP may not touch in this way. */
  check_vma_flags(vma: VmAreaStruct, gup_flags: number): number {
    if (vma.vm_flags & (VM_IO | VM_PFNMAP)) return -EFAULT;
    if (gup_flags & FOLL_WRITE) {
      if (!(vma.vm_flags & VM_WRITE)) return -EFAULT;
    } else if (!(vma.vm_flags & VM_READ)) return -EFAULT;
    return 0;
  }

  /**
   * folio_mark_accessed() (mm/swap.c, linux-mm 7.3.0-rc5; MGLRU is off, as
   * lru_gen_enabled() is by default): PG_referenced, and on a second touch
   * the active list. The baseline has no per-CPU LRU batches
   * (docs/fidelity.md): a folio on the LRU moves at once where the kernel
   * queues it on lru_activate, and one not on the LRU is in no lru_add
   * batch for __lru_cache_activate_folio() to find.
   */
  folio_mark_accessed(folio: number): void {
    if (!this.folio_test_flag(folio, PG_referenced)) this.folio_set_flag(folio, PG_referenced);
    else if (this.folio_test_flag(folio, PG_unevictable)) return;
    else if (!this.folio_test_flag(folio, PG_active)) {
      if (this.folio_test_flag(folio, PG_lru)) this.folio_activate(folio);
      else this.__lru_cache_activate_folio(folio);
      this.folio_clear_flag(folio, PG_referenced);
    }
  }

  /**
   * __lru_cache_activate_folio(): a folio not yet on the LRU but in this
   * CPU's lru_add batch is marked active there. The baseline has no batch,
   * so there is nothing to find; a variant with batches finds it.
   */
  __lru_cache_activate_folio(_folio: number): void {}

  /** folio_activate(): lru_activate() on a folio on an inactive LRU list, at once (no lru_activate batch). */
  folio_activate(folio: number): void {
    if (this.folio_test_flag(folio, PG_active) || this.folio_test_flag(folio, PG_unevictable) || !this.folio_test_flag(folio, PG_lru)) return;
    this.folio_clear_flag(folio, PG_lru);
    this.lruvec_del_folio(folio);
    this.folio_set_flag(folio, PG_active);
    this.lruvec_add_folio(folio);
    this.folio_set_flag(folio, PG_lru);
  }

  /** follow_page_pte() (and the huge-PMD case): the page at address, grabbed; -1 when a fault is needed; or -errno - 2. */
  follow_page(vma: VmAreaStruct, address: number, flags: number): number {
    const mm = vma.mm;
    const pmd = this.walkToPmd(mm, address);
    if (pmd < 0 || !this.entryPresent(pmd)) return -1;
    let e: number;
    let page: number;
    if (this.entryLeaf(pmd)) {
      e = pmd;
      page = this.entryPfn(pmd) + Math.floor((address % (512 * PAGE_SIZE)) / PAGE_SIZE);
    } else {
      e = this.pte_offset(pmd, address);
      if (!this.entryPresent(e)) return -1;
      page = this.entryPfn(e);
    }
    if (flags & FOLL_WRITE && !(this.m32[e]! & _PAGE_RW)) return -1;
    const special = (this.m32[e]! & _PAGE_SPECIAL) !== 0;
    if (special && !this.is_zero_folio(this.page_folio(page))) return -EFAULT - 2;
    const folio = this.page_folio(page);
    const ret = this.try_grab_folio(folio, 1, flags);
    if (ret < 0) return ret - 2;
    // follow_page_pte_commit(): FOLL_TOUCH on a pte (a huge PMD is only touch_pmd()'d, young and dirty in the entry).
    if (flags & FOLL_TOUCH && e !== pmd) {
      // folio_mark_dirty(): folio_mapping() is NULL for the folios pagesim maps (anonymous, or kernel pages a driver inserted): noop_dirty_folio().
      if (flags & FOLL_WRITE && !(this.m32[e]! & _PAGE_DIRTY) && !this.folio_test_flag(folio, PG_dirty)) this.folio_set_flag(folio, PG_dirty);
      this.folio_mark_accessed(folio);
    }
    return page;
  }

  /** faultin_page(): let handle_mm_fault() map what follow_page() did not find. */
  faultin_page(vma: VmAreaStruct, address: number, flags: number): number {
    const ret = this.handle_mm_fault(vma, address, flags & FOLL_WRITE ? FAULT_FLAG_WRITE : 0);
    if (ret & VM_FAULT_OOM) return -ENOMEM;
    if (ret) return -EFAULT;
    return 0;
  }

  /** __get_user_pages(): pages grabbed, or -errno when none were. */
  __get_user_pages(mm: MmStruct, start: number, nr_pages: number, gup_flags: number, pages: number[]): number {
    let i = 0;
    let vma: VmAreaStruct | null = null;
    while (i < nr_pages) {
      const addr = start + i * PAGE_SIZE;
      if (vma === null || addr >= vma.vm_end) {
        vma = mm.find_vma(addr);
        if (vma === null) return i ? i : -EFAULT;
        const err = this.check_vma_flags(vma, gup_flags);
        if (err) return i ? i : err;
      }
      let page = this.follow_page(vma, addr, gup_flags);
      for (let tries = 0; page === -1 && tries < 3; tries++) {
        const err = this.faultin_page(vma, addr, gup_flags);
        if (err) return i ? i : err;
        page = this.follow_page(vma, addr, gup_flags);
      }
      if (page < 0) return i ? i : page === -1 ? -EFAULT : page + 2;
      pages.push(page);
      i++;
    }
    return i;
  }

  /** get_user_pages(): FOLL_GET references on nr_pages pages from start. */
  get_user_pages(mm: MmStruct, start: number, nr_pages: number, gup_flags: number, pages: number[]): number {
    return this.__get_user_pages(mm, start, nr_pages, gup_flags | FOLL_GET | FOLL_TOUCH, pages);
  }

  /** pin_user_pages(): FOLL_PIN on nr_pages pages from start. */
  pin_user_pages(mm: MmStruct, start: number, nr_pages: number, gup_flags: number, pages: number[]): number {
    return this.__get_user_pages(mm, start, nr_pages, gup_flags | FOLL_PIN | FOLL_TOUCH, pages);
  }
}
