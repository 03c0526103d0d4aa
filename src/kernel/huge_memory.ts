/**
 * mm/huge_memory.c: anonymous transparent huge pages mapped by a PMD
 * (v6.18 paths).
 *
 * A THP fault allocates an order-9 folio and a PTE table, deposits the
 * table under the PMD (pgtable_trans_huge_deposit) and maps the folio with
 * a huge PMD; a read fault maps the huge zero folio the same way. Zapping a
 * huge PMD withdraws and frees the deposited table; splitting the PMD
 * withdraws it and maps the folio's pages through it, one pte each.
 *
 * The THP mode is the scenario's machine.thp (sysfs
 * transparent_hugepage/enabled): always (default), madvise or never; the
 * huge zero folio is used for reads (use_zero_page=1).
 */

import { GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT, __GFP_MOVABLE, __GFP_ZERO } from './gfp.js';
import { HPAGE_PMD_NR, HPAGE_PMD_ORDER } from './config.js';
import { FAULT_FLAG_WRITE, Memory, VM_FAULT_FALLBACK, VM_FAULT_OOM, type VmFault } from './memory.js';
import { RMAP_EXCLUSIVE } from './rmap.js';
import { MmuGather, PMD_SIZE, PTRS_PER_TABLE, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_NX_HI, _PAGE_PRESENT, _PAGE_PSE, _PAGE_RW, _PAGE_SPECIAL, _PAGE_USER, EMPTY_ZERO_PAGE_PFN } from './pgtable.js';
import { MM_ANONPAGES, VM_HUGEPAGE, VM_NOHUGEPAGE, VM_WRITE, type MmStruct, type VmAreaStruct } from './mm_types.js';
import { THP_FAULT_ALLOC, THP_SPLIT_PMD } from './vmstat.js';
import { declareSymbols } from './symbols.js';

declareSymbols('mm/huge_memory.c', [
  'do_huge_pmd_anonymous_page', '__do_huge_pmd_anonymous_page', 'zap_huge_pmd', '__split_huge_pmd', '__split_huge_pmd_locked', 'do_huge_pmd_wp_page',
  'mm_get_huge_zero_folio', 'get_huge_zero_folio', 'set_huge_zero_folio', 'zap_deposited_table', 'map_anon_folio_pmd', 'vma_alloc_anon_folio_pmd',
]);
declareSymbols('mm/memory.c', ['create_huge_pmd', 'wp_huge_pmd']);

export type ThpMode = 'always' | 'madvise' | 'never';

export abstract class HugeMemory extends Memory {
  /** /sys/kernel/mm/transparent_hugepage/enabled */
  thpMode: ThpMode = 'always';
  /** The huge zero folio (pfn), -1 until first used, and its refcount (huge_zero_refcount). */
  huge_zero_folio = -1;
  huge_zero_refcount = 0;
  /** mms holding a reference on the huge zero folio (MMF_HUGE_ZERO_FOLIO). */
  readonly hugeZeroMms = new Set<MmStruct>();

  thpFaultAllowed(vma: VmAreaStruct, addr: number): boolean {
    // A file or driver VMA gets a huge PMD only from its vm_ops->huge_fault, which none here has.
    if (vma.vm_ops !== null) return false;
    if (this.thpMode === 'never' || vma.vm_flags & VM_NOHUGEPAGE) return false;
    if (this.thpMode === 'madvise' && !(vma.vm_flags & VM_HUGEPAGE)) return false;
    return this.thp_vma_suitable_order(vma, addr);
  }

  /** thp_vma_suitable_order(): the aligned 2 MiB around addr lies inside the VMA. */
  thp_vma_suitable_order(vma: VmAreaStruct, addr: number): boolean {
    const haddr = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
    return haddr >= vma.vm_start && haddr + PMD_SIZE <= vma.vm_end;
  }

  is_huge_zero_pmd(pmd: number): boolean {
    return this.huge_zero_folio >= 0 && this.entryPresent(pmd) && this.entryLeaf(pmd) && this.entryPfn(pmd) === this.huge_zero_folio;
  }

  create_huge_pmd(vmf: VmFault): number {
    return this.do_huge_pmd_anonymous_page(vmf);
  }

  wp_huge_pmd(vmf: VmFault): number {
    return this.do_huge_pmd_wp_page(vmf);
  }

  /** do_huge_pmd_wp_page(): pagesim's only read-only huge PMD is the huge zero page, which falls back to ptes. */
  do_huge_pmd_wp_page(vmf: VmFault): number {
    this.__split_huge_pmd(vmf.vma, vmf.pmd, vmf.address);
    return VM_FAULT_FALLBACK;
  }

  /** The huge PMD entry of a user mapping. */
  private setHugePmd(pmd: number, pfn: number, vma: VmAreaStruct, writable: boolean, special: boolean): void {
    let lo = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_PSE;
    if (writable && vma.vm_flags & VM_WRITE) lo |= _PAGE_RW | _PAGE_DIRTY;
    if (special) lo |= _PAGE_SPECIAL;
    this.setEntry(pmd, pfn, lo, _PAGE_NX_HI);
  }

  // ---- the huge zero folio ---------------------------------------------------

  get_huge_zero_folio(): boolean {
    if (this.huge_zero_refcount > 0) {
      this.huge_zero_refcount++;
      return true;
    }
    const folio = this.folio_alloc((GFP_TRANSHUGE | __GFP_ZERO) & ~__GFP_MOVABLE, HPAGE_PMD_ORDER);
    if (folio < 0) return false;
    this.huge_zero_folio = folio;
    // One reference for the caller, one the shrinker drops when memory runs short.
    this.huge_zero_refcount = 2;
    return true;
  }

  mm_get_huge_zero_folio(mm: MmStruct): number {
    if (this.hugeZeroMms.has(mm)) return this.huge_zero_folio;
    if (!this.get_huge_zero_folio()) return -1;
    this.hugeZeroMms.add(mm);
    return this.huge_zero_folio;
  }

  /** mm_put_huge_zero_folio() at exit_mmap. */
  mm_put_huge_zero_folio(mm: MmStruct): void {
    if (!this.hugeZeroMms.delete(mm)) return;
    this.huge_zero_refcount--;
  }

  set_huge_zero_folio(pgtable: number, mm: MmStruct, vma: VmAreaStruct, pmd: number, zero_folio: number): void {
    this.pgtable_trans_huge_deposit(mm, pmd, pgtable);
    this.setHugePmd(pmd, zero_folio, vma, false, true);
    this.mm_inc_nr_ptes(mm);
  }

  // ---- faults ----------------------------------------------------------------------

  do_huge_pmd_anonymous_page(vmf: VmFault): number {
    const vma = vmf.vma;
    const mm = vma.mm;
    if (!this.thp_vma_suitable_order(vma, vmf.address)) return VM_FAULT_FALLBACK;
    const ret = this.vmf_anon_prepare(vmf);
    if (ret) return ret;
    if (!(vmf.flags & FAULT_FLAG_WRITE)) {
      const pgtable = this.pte_alloc_one(mm);
      if (pgtable < 0) return VM_FAULT_OOM;
      const zero = this.mm_get_huge_zero_folio(mm);
      if (zero < 0) {
        this.pte_free(mm, pgtable);
        return VM_FAULT_FALLBACK;
      }
      if (this.entryNone(vmf.pmd)) this.set_huge_zero_folio(pgtable, mm, vma, vmf.pmd, zero);
      else this.pte_free(mm, pgtable);
      return 0;
    }
    const folio = this.vma_alloc_anon_folio_pmd(vma, vmf.address);
    if (folio < 0) return VM_FAULT_FALLBACK;
    return this.__do_huge_pmd_anonymous_page(vmf, folio);
  }

  /** vma_thp_gfp_mask(): with the default defrag=madvise, no direct reclaim unless the VMA asked for huge pages. */
  vma_thp_gfp_mask(vma: VmAreaStruct): number {
    return vma.vm_flags & VM_HUGEPAGE ? GFP_TRANSHUGE : GFP_TRANSHUGE_LIGHT;
  }

  vma_alloc_anon_folio_pmd(vma: VmAreaStruct, addr: number): number {
    void addr;
    const folio = this.folio_alloc(this.vma_thp_gfp_mask(vma) | __GFP_ZERO, HPAGE_PMD_ORDER);
    if (folio < 0) return -1;
    this.__folio_mark_uptodate(folio);
    return folio;
  }

  __do_huge_pmd_anonymous_page(vmf: VmFault, folio: number): number {
    const vma = vmf.vma;
    const mm = vma.mm;
    const pgtable = this.pte_alloc_one(mm);
    if (pgtable < 0) {
      this.folio_put(folio);
      return VM_FAULT_OOM;
    }
    if (!this.entryNone(vmf.pmd)) {
      this.pte_free(mm, pgtable);
      this.folio_put(folio);
      return 0;
    }
    const haddr = Math.floor(vmf.address / PMD_SIZE) * PMD_SIZE;
    this.pgtable_trans_huge_deposit(mm, vmf.pmd, pgtable);
    this.map_anon_folio_pmd(folio, vmf.pmd, vma, haddr);
    this.mm_inc_nr_ptes(mm);
    return 0;
  }

  map_anon_folio_pmd(folio: number, pmd: number, vma: VmAreaStruct, haddr: number): void {
    this.folio_add_new_anon_rmap(folio, vma, haddr, RMAP_EXCLUSIVE);
    this.folio_add_lru_vma(folio, vma);
    this.setHugePmd(pmd, folio, vma, true, false);
    this.add_mm_counter(vma.mm, MM_ANONPAGES, HPAGE_PMD_NR);
    this.count_vm_events(THP_FAULT_ALLOC, 1);
  }

  // ---- zap -------------------------------------------------------------------------

  /** zap_deposited_table(): the PTE table deposited for this huge PMD is freed at once. */
  zap_deposited_table(mm: MmStruct, pmd: number): void {
    const pgtable = this.pgtable_trans_huge_withdraw(mm, pmd);
    this.pte_free(mm, pgtable);
    this.mm_dec_nr_ptes(mm);
  }

  zap_huge_pmd(tlb: MmuGather, vma: VmAreaStruct, pmd: number, addr: number): boolean {
    void addr;
    const zero = this.is_huge_zero_pmd(pmd);
    const page = this.entryPfn(pmd);
    this.clearEntry(pmd);
    if (zero) {
      this.zap_deposited_table(tlb.mm, pmd);
      return true;
    }
    const folio = this.page_folio(page);
    this.folio_remove_rmap_pmd(folio, page, vma);
    this.zap_deposited_table(tlb.mm, pmd);
    this.add_mm_counter(tlb.mm, MM_ANONPAGES, -HPAGE_PMD_NR);
    this.tlb_remove_folio_pages(tlb, page, 1);
    return true;
  }

  // ---- split ----------------------------------------------------------------------------

  /** __split_huge_pmd(): the PMD mapping becomes 512 pte mappings through the deposited table. */
  __split_huge_pmd(vma: VmAreaStruct, pmd: number, address: number): void {
    if (!this.entryPresent(pmd) || !this.entryLeaf(pmd)) return;
    this.__split_huge_pmd_locked(vma, pmd, Math.floor(address / PMD_SIZE) * PMD_SIZE);
  }

  __split_huge_pmd_locked(vma: VmAreaStruct, pmd: number, haddr: number): void {
    const mm = vma.mm;
    this.count_vm_events(THP_SPLIT_PMD, 1);
    if (this.is_huge_zero_pmd(pmd)) {
      this.clearEntry(pmd);
      const pgtable = this.pgtable_trans_huge_withdraw(mm, pmd);
      const table = this.pageContentsWord(pgtable);
      for (let i = 0; i < PTRS_PER_TABLE; i++) this.setEntry(this.entryWord(table, i), EMPTY_ZERO_PAGE_PFN, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_SPECIAL, _PAGE_NX_HI);
      this.populate(pmd, pgtable);
      return;
    }
    const lo = this.m32[pmd]!;
    const page = this.entryPfn(pmd);
    const folio = this.page_folio(page);
    const anon_exclusive = this.PageAnonExclusive(page);
    this.clearEntry(pmd);
    const pgtable = this.pgtable_trans_huge_withdraw(mm, pmd);
    this.folio_ref_add(folio, HPAGE_PMD_NR - 1);
    this.folio_add_anon_rmap_ptes(folio, page, HPAGE_PMD_NR, vma, haddr, anon_exclusive ? RMAP_EXCLUSIVE : 0);
    const table = this.pageContentsWord(pgtable);
    const flags = lo & (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY);
    for (let i = 0; i < PTRS_PER_TABLE; i++) this.setEntry(this.entryWord(table, i), page + i, flags, _PAGE_NX_HI);
    this.folio_remove_rmap_pmd(folio, page, vma);
    this.populate(pmd, pgtable);
  }
}
