/**
 * mm/memory.c, the part that maps kernel pages into user VMAs:
 * vm_insert_page(), vm_insert_pages() and what they share
 * (validate_page_before_insert, insert_page_into_pte_locked,
 * insert_pages). Follows the linux-mm 7.3.0-rc5 tree: vm_insert_pages() warns
 * rather than BUGs on a VMA without VM_MIXEDMAP; typed pages, anonymous
 * folios and unreferenced pages are refused with -EINVAL; each inserted page
 * takes a reference, an rss count (MM_FILEPAGES) and a file rmap, whose
 * mapcount increment lands in page->_mapcount whatever else those four
 * bytes hold.
 */

import { PAGE_SIZE } from './config.js';
import { EBUSY, EFAULT, EINVAL, ENOMEM } from './errno.js';
import { Mmap } from './mmap.js';
import { EMPTY_ZERO_PAGE_PFN, PTRS_PER_TABLE, Pgtable, _PAGE_ACCESSED, _PAGE_NX_HI, _PAGE_PRESENT, _PAGE_RW, _PAGE_SPECIAL, _PAGE_USER } from './pgtable.js';
import { VM_MIXEDMAP, VM_PFNMAP, VM_WRITE, type MmStruct, type VmAreaStruct } from './mm_types.js';
import { declareSymbols } from './symbols.js';
import type { Site } from '../report/report.js';

declareSymbols('mm/memory.c', ['vm_insert_page', 'vm_insert_pages', 'insert_page', 'insert_pages']);
declareSymbols('mm/memory.c', ['validate_page_before_insert', 'insert_page_into_pte_locked', 'insert_page_in_batch_locked', 'walk_to_pmd'], true);

const MEMORY_C = 'mm/memory.c';
// linux-mm 7.3.0-rc5 tree lines.
const S = {
  insert_pages_mixedmap: { fn: 'vm_insert_pages', file: MEMORY_C, line: 2642, cond: 'vma->vm_flags & VM_PFNMAP' },
  insert_page_pfnmap: { fn: 'vm_insert_page', file: MEMORY_C, line: 2720, cond: 'vma->vm_flags & VM_PFNMAP' },
  walk_to_pmd_huge: { fn: 'walk_to_pmd', file: MEMORY_C, line: 2421, cond: 'pmd_trans_huge(*pmd)' },
} satisfies Record<string, Site>;

/** Pages one insert_pages() batch maps under one PTE lock. */
const INSERT_BATCH = 8;

export abstract class VmInsert extends Mmap {
  /** is_zero_folio() */
  is_zero_folio(folio: number): boolean {
    return folio === EMPTY_ZERO_PAGE_PFN || (this.huge_zero_folio >= 0 && folio === this.huge_zero_folio);
  }

  /** validate_page_before_insert(): 0, or -EINVAL for a page that must not be mapped. */
  validate_page_before_insert(vma: VmAreaStruct, page: number): number {
    void vma;
    const folio = this.page_folio(page);
    if (!this.folio_ref_count(folio)) return -EINVAL;
    if (this.is_zero_folio(folio)) return -EINVAL;
    if (this.folio_test_anon(folio) || this.page_has_type(page)) return -EINVAL;
    return 0;
  }

  /** insert_page_into_pte_locked(): -EBUSY when the pte is in use; else a reference, an rss count, a file rmap and the pte. */
  insert_page_into_pte_locked(vma: VmAreaStruct, pte: number, addr: number, page: number): number {
    void addr;
    if (!this.entryNone(pte)) return -EBUSY;
    const folio = this.page_folio(page);
    let lo = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
    if (vma.vm_flags & VM_WRITE) lo |= _PAGE_RW;
    if (this.is_zero_folio(folio)) lo |= _PAGE_SPECIAL;
    else {
      this.folio_get(folio);
      this.add_mm_counter(vma.mm, this.mm_counter_file(folio), 1);
      this.folio_add_file_rmap_pte(folio, page, vma);
    }
    this.setEntry(pte, page, lo, _PAGE_NX_HI);
    return 0;
  }

  insert_page_in_batch_locked(vma: VmAreaStruct, pte: number, addr: number, page: number): number {
    const err = this.validate_page_before_insert(vma, page);
    if (err) return err;
    return this.insert_page_into_pte_locked(vma, pte, addr, page);
  }

  /**
   * walk_to_pmd(): the pmd entry for addr, allocating upper tables; -1 when
   * out of memory. A huge PMD there is a VM_BUG_ON: callers want a PTE
   * table under it (the linux 6.12 kernel run showed the BUG, not -ENOMEM).
   */
  walk_to_pmd(mm: MmStruct, addr: number): number {
    const pmd = this.pmdForAddress(mm, addr);
    if (pmd >= 0) this.VM_BUG_ON(this.entryPresent(pmd) && this.entryLeaf(pmd), S.walk_to_pmd_huge);
    return pmd;
  }

  /** insert_pages(): map pages[] from addr, eight per PTE lock; the first error stops it. Returns [err, pages not mapped]. */
  insert_pages(vma: VmAreaStruct, addr: number, pages: readonly number[]): [number, number] {
    const mm = vma.mm;
    let idx = 0;
    let remaining = pages.length;
    while (remaining > 0) {
      const pmd = this.walk_to_pmd(mm, addr);
      if (pmd < 0) return [-EFAULT, remaining];
      let inPmd = Math.min(remaining, PTRS_PER_TABLE - Pgtable.pte_index(addr));
      if (!this.pte_alloc(mm, pmd)) return [-ENOMEM, remaining];
      while (inPmd > 0) {
        const batch = Math.min(inPmd, INSERT_BATCH);
        // A huge PMD (a THP mapped there) has no PTE table to insert into.
        if (this.pte_offset_map_lock(mm, pmd, addr) < 0) return [-EFAULT, remaining];
        for (let i = 0; i < batch; i++) {
          const err = this.insert_page_in_batch_locked(vma, this.pte_offset(pmd, addr), addr, pages[idx]!);
          if (err) return [err, remaining - i];
          addr += PAGE_SIZE;
          idx++;
        }
        inPmd -= batch;
        remaining -= batch;
      }
    }
    return [0, 0];
  }

  /** vm_insert_pages(): 0 or -errno, and how many pages were not mapped. */
  vm_insert_pages(vma: VmAreaStruct, addr: number, pages: readonly number[]): [number, number] {
    const end = addr + PAGE_SIZE * pages.length;
    if (addr < vma.vm_start || end > vma.vm_end) return [-EFAULT, pages.length];
    if (!(vma.vm_flags & VM_MIXEDMAP)) {
      this.WARN_ON_ONCE((vma.vm_flags & VM_PFNMAP) !== 0, S.insert_pages_mixedmap);
      vma.vm_flags |= VM_MIXEDMAP;
    }
    return this.insert_pages(vma, addr, pages);
  }

  /** vm_insert_page(): one page. */
  vm_insert_page(vma: VmAreaStruct, addr: number, page: number): number {
    if (addr < vma.vm_start || addr >= vma.vm_end) return -EFAULT;
    if (!(vma.vm_flags & VM_MIXEDMAP)) {
      if (vma.vm_flags & VM_PFNMAP) this.BUG(S.insert_page_pfnmap, null, [], `BUG_ON(${S.insert_page_pfnmap.cond})`);
      vma.vm_flags |= VM_MIXEDMAP;
    }
    const err = this.validate_page_before_insert(vma, page);
    if (err) return err;
    const pte = this.get_locked_pte(vma.mm, addr);
    if (pte < 0) return -ENOMEM;
    return this.insert_page_into_pte_locked(vma, pte, addr, page);
  }

  /**
   * get_locked_pte() (__get_locked_pte, v6.12): the pte for addr, allocating
   * the tables on the way; -1 when out of memory or when a huge PMD maps
   * addr (pte_offset_map_lock() finds no PTE table under it).
   */
  get_locked_pte(mm: MmStruct, addr: number): number {
    const pmd = this.walk_to_pmd(mm, addr);
    if (pmd < 0) return -1;
    return this.pte_alloc_map_lock(mm, pmd, addr);
  }
}
