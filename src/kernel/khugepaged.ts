/**
 * mm/khugepaged.c: collapse_pte_mapped_thp(), re-mapping by a PMD a large
 * folio that is mapped by a full PTE table, and retracting that table with
 * pte_free_defer() (the path of the syzbot report in seed 003).
 *
 * In the kernel this path serves file and shmem THPs; pagesim has only
 * anonymous memory, so it runs the same steps on an anonymous folio that a
 * split_huge_pmd left PTE-mapped: every pte must map page i of one order-9
 * folio at haddr + i pages. Because an anonymous PMD mapping always has a
 * PTE table deposited under it (zap_huge_pmd withdraws one), pagesim
 * deposits a freshly allocated table, and the retracted one goes to
 * pte_free_defer() exactly as the kernel retracts a file THP's table.
 */

import { HPAGE_PMD_NR, HPAGE_PMD_ORDER } from './config.js';
import { HugeMemory } from './huge_memory.js';
import { PMD_SIZE, PTRS_PER_TABLE, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_NX_HI, _PAGE_PRESENT, _PAGE_PSE, _PAGE_RW, _PAGE_SPECIAL, _PAGE_USER } from './pgtable.js';
import { RMAP_EXCLUSIVE } from './rmap.js';
import { declareSymbols } from './symbols.js';
import type { MmStruct } from './mm_types.js';

declareSymbols('mm/khugepaged.c', ['collapse_pte_mapped_thp']);

/** enum scan_result (mm/khugepaged.c), the values collapse_pte_mapped_thp() returns. */
export const SCAN_FAIL = 0;
export const SCAN_SUCCEED = 1;
export const SCAN_PMD_NULL = 2;
export const SCAN_PMD_NONE = 3;
export const SCAN_PMD_MAPPED = 4;
export const SCAN_PAGE_COMPOUND = 14;
export const SCAN_VMA_NULL = 18;
export const SCAN_VMA_CHECK = 19;
export const SCAN_ALLOC_HUGE_PAGE_FAIL = 21;
export const SCAN_NAMES: ReadonlyMap<string, number> = new Map([
  ['SCAN_FAIL', SCAN_FAIL],
  ['SCAN_SUCCEED', SCAN_SUCCEED],
  ['SCAN_PMD_NULL', SCAN_PMD_NULL],
  ['SCAN_PMD_NONE', SCAN_PMD_NONE],
  ['SCAN_PMD_MAPPED', SCAN_PMD_MAPPED],
  ['SCAN_PAGE_COMPOUND', SCAN_PAGE_COMPOUND],
  ['SCAN_VMA_NULL', SCAN_VMA_NULL],
  ['SCAN_VMA_CHECK', SCAN_VMA_CHECK],
  ['SCAN_ALLOC_HUGE_PAGE_FAIL', SCAN_ALLOC_HUGE_PAGE_FAIL],
]);


export abstract class Khugepaged extends HugeMemory {
  /** collapse_pte_mapped_thp(mm, addr): SCAN_SUCCEED, or why the range could not be collapsed. */
  collapse_pte_mapped_thp(mm: MmStruct, addr: number): number {
    const haddr = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
    const vma = mm.find_vma(haddr);
    if (vma === null) return SCAN_VMA_NULL;
    if (haddr < vma.vm_start || haddr + PMD_SIZE > vma.vm_end) return SCAN_VMA_CHECK;
    const pmd = this.walkToPmd(mm, haddr);
    if (pmd < 0) return SCAN_PMD_NULL;
    if (this.entryNone(pmd)) return SCAN_PMD_NONE;
    if (this.entryLeaf(pmd)) return SCAN_PMD_MAPPED;
    // Every pte must map the matching page of one PMD-sized folio.
    const table = this.entryTable(pmd);
    const first = this.entryWord(table, 0);
    if (!this.entryPresent(first) || this.m32[first]! & _PAGE_SPECIAL) return SCAN_FAIL;
    const head = this.entryPfn(first);
    const folio = this.page_folio(head);
    if (folio !== head || !this.folio_test_large(folio) || this.folio_order(folio) !== HPAGE_PMD_ORDER) return SCAN_PAGE_COMPOUND;
    for (let i = 0; i < PTRS_PER_TABLE; i++) {
      const pte = this.entryWord(table, i);
      if (!this.entryPresent(pte) || this.m32[pte]! & _PAGE_SPECIAL || this.entryPfn(pte) !== head + i) return SCAN_FAIL;
    }
    const deposit = this.pte_alloc_one(mm);
    if (deposit < 0) return SCAN_ALLOC_HUGE_PAGE_FAIL;
    const writable = (this.m32[first]! & _PAGE_RW) !== 0;
    const exclusive = this.PageAnonExclusive(head);
    // pmdp_collapse_flush(): the PMD no longer points at the table.
    const oldTable = this.entryPfn(pmd);
    this.clearEntry(pmd);
    for (let i = 0; i < PTRS_PER_TABLE; i++) this.clearEntry(this.entryWord(table, i));
    this.folio_remove_rmap_ptes(folio, head, HPAGE_PMD_NR, vma);
    this.folio_ref_sub(folio, HPAGE_PMD_NR - 1);
    this.folio_add_anon_rmap_pmd(folio, head, vma, haddr, exclusive ? RMAP_EXCLUSIVE : 0);
    this.pgtable_trans_huge_deposit(mm, pmd, deposit);
    this.mm_inc_nr_ptes(mm);
    let lo = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_PSE;
    if (writable) lo |= _PAGE_RW | _PAGE_DIRTY;
    this.setEntry(pmd, folio, lo, _PAGE_NX_HI);
    // The retracted table may still be walked locklessly under RCU: free it after a grace period.
    this.pte_free_defer(mm, oldTable);
    this.mm_dec_nr_ptes(mm);
    return SCAN_SUCCEED;
  }
}
