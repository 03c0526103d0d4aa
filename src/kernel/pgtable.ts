/**
 * Page tables and their descriptors, x86_64 with 4-level paging, as v6.18
 * has them (the base of the ptdesc/memdesc RFC of seed 003):
 *
 *   include/linux/mm.h          ptdesc helpers, pagetable_alloc/free, ctors and dtors
 *   include/asm-generic/pgalloc.h, arch/x86/mm/pgtable.c
 *                               pte/pmd/pud/pgd allocation and freeing, pgd_list
 *   mm/pgtable-generic.c        THP table deposit/withdraw, pte_free_defer
 *   mm/mmu_gather.c             freeing tables through an RCU-freed batch page
 *
 * Page tables are real pages whose simulated contents hold 512 8-byte
 * entries in the x86 format (pfn << 12 | flags, NX in bit 63). In mainline
 * struct ptdesc overlays struct page, so a ptdesc *is* the page's struct
 * page: page_ptdesc() and ptdesc_page() are casts. A variant that
 * allocates ptdescs separately overrides those helpers.
 *
 * Kernel page tables: init_mm's PGD (swapper_pg_dir) and the boot-time
 * tables of the direct map live in reserved pages of the kernel image, as
 * the boot allocator leaves them: PG_reserved, never PageTable.
 */

import { PAGE_SIZE } from './config.js';
import { GFP_NOWAIT, GFP_PGTABLE_KERNEL, GFP_PGTABLE_USER, __GFP_COMP, __GFP_HIGHMEM, __GFP_NOWARN } from './gfp.js';
import { Rcu, declareRcuCallback } from './rcu.js';
import { MmStruct } from './mm_types.js';
import { NR_PAGETABLE } from './vmstat.js';
import { PGTY_table } from './page-flags.js';
import { declareSymbols } from './symbols.js';
import { tailsAtCheckBase } from './page_alloc.js';
import { wordMap, type WordMap } from '../layout/accessors.js';
import type { Site } from '../report/report.js';

declareSymbols('include/linux/mm.h', [
  'page_ptdesc', 'ptdesc_page', 'ptdesc_address', 'virt_to_ptdesc', 'pagetable_alloc_noprof', 'pagetable_free', '__pagetable_ctor', 'pagetable_dtor',
  'pagetable_dtor_free', 'pagetable_pte_ctor', 'pagetable_pmd_ctor', 'pagetable_pud_ctor', 'pagetable_pgd_ctor', 'ptlock_init', 'ptlock_free', 'pmd_ptlock_init',
], true);
declareSymbols('include/asm-generic/pgalloc.h', ['pte_alloc_one', 'pte_alloc_one_kernel', 'pte_free', 'pte_free_kernel', 'pmd_alloc_one', 'pmd_free', 'pud_alloc_one', 'pud_free', '__pgd_alloc', '__pgd_free'], true);
declareSymbols('arch/x86/mm/pgtable.c', ['pgd_alloc', 'pgd_free', 'pgd_ctor', 'pgd_dtor', '___pte_free_tlb', '___pmd_free_tlb', '___pud_free_tlb']);
declareSymbols('mm/pgtable-generic.c', ['pgtable_trans_huge_deposit', 'pgtable_trans_huge_withdraw', 'pte_free_defer']);
declareSymbols('mm/mmu_gather.c', ['tlb_remove_table', 'tlb_table_flush', '__tlb_remove_table_free', 'tlb_remove_table_one', 'tlb_finish_mmu', 'tlb_flush_mmu', 'tlb_batch_pages_flush']);
declareSymbols('include/asm-generic/tlb.h', ['__tlb_remove_table', 'tlb_remove_ptdesc'], true);
declareRcuCallback('mm/pgtable-generic.c', 'pte_free_now');
declareRcuCallback('mm/mmu_gather.c', 'tlb_remove_table_rcu');
declareRcuCallback('mm/mmu_gather.c', '__tlb_remove_table_one_rcu');

// include/linux/mm.h at the v6.18 base of seed 003; ptlock_init()'s line is
// derived from the 6.18-rc layout (pagetable_free at 2993, the ptlock block
// laid out as in 6.12 and 7.3), so it may be off by a few lines.
const S = {
  ptlock_init: { fn: 'ptlock_init', file: 'include/linux/mm.h', line: 3051, cond: '*(unsigned long *)&ptdesc->ptl' },
} satisfies Record<string, Site>;

// x86 page-table entry bits (arch/x86/include/asm/pgtable_types.h), low word; NX is bit 31 of the high word.
export const _PAGE_PRESENT = 0x1;
export const _PAGE_RW = 0x2;
export const _PAGE_USER = 0x4;
export const _PAGE_ACCESSED = 0x20;
export const _PAGE_DIRTY = 0x40;
export const _PAGE_PSE = 0x80;
export const _PAGE_GLOBAL = 0x100;
/** _PAGE_SPECIAL (_PAGE_BIT_SOFTW1): a pte of the zero page or another page without rmap. */
export const _PAGE_SPECIAL = 0x200;
/** _PAGE_KERNEL_4K (_PAGE_BIT_SOFTW2): a kernel mapping deliberately kept at 4 KiB (set_memory_4k). */
export const _PAGE_KERNEL_4K = 0x400;
export const _PAGE_NX_HI = 0x80000000;
/** _PAGE_TABLE: a user page-table entry pointing at the next level. */
export const _PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
/** _KERNPG_TABLE: the same for kernel tables. */
export const _KERNPG_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
/** __PAGE_KERNEL without NX (NX goes in the high word). */
export const __PAGE_KERNEL_LO = _PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_GLOBAL;

export const PTRS_PER_TABLE = 512;
export const PMD_SIZE = 2 ** 21;
export const PUD_SIZE = 2 ** 30;
export const PGDIR_SIZE = 2 ** 39;
/** USER_PGTABLES_CEILING / TASK_SIZE_MAX for 4-level x86_64. */
export const TASK_SIZE = 0x7ffffffff000;

/** x86_64 kernel image pfns pagesim uses for boot page tables and the zero page (inside the reserved 16..32 MiB image). */
const SWAPPER_PG_DIR_PFN = 0x1800;
const BOOT_TABLES_PFN = 0x1801;
export const EMPTY_ZERO_PAGE_PFN = 0x1900;
/** pgd index of PAGE_OFFSET (0xffff888000000000). */
const PGD_INDEX_PAGE_OFFSET = 0x111;
/** KERNEL_PGD_BOUNDARY: user PGDs copy swapper's entries from here up. */
export const KERNEL_PGD_BOUNDARY = 256;

/** sizeof(struct mmu_table_batch) header: rcu_head (16) + nr (4, padded to 8). */
const BATCH_TABLES_OFFSET = 24;
/** MAX_TABLE_BATCH: table pointers one batch page holds. */
export const MAX_TABLE_BATCH = (PAGE_SIZE - BATCH_TABLES_OFFSET) / 8;

/** direct_pages_count[] levels. */
export const PG_LEVEL_4K = 1;
export const PG_LEVEL_2M = 2;
export const PG_LEVEL_1G = 3;

/** struct mmu_gather, on the stack of the caller: pages to free after the TLB flush, and the table batch. */
const NO_PAGES = new Float64Array(0);

export class MmuGather {
  /**
   * Folio pages to release: [pfn, nr] pairs in pages[0 .. nr_pages). A typed
   * array grown by doubling, so gathering a page allocates nothing and stores
   * no boxed numbers (an unmap of 64 MiB gathers 16,384 pairs).
   */
  pages: Float64Array = NO_PAGES;
  nr_pages = 0;
  /** The current mmu_table_batch page (pfn), -1 when none. */
  batch = -1;
  freed_tables = false;
  constructor(
    readonly mm: MmStruct,
    readonly fullmm: boolean,
  ) {}
}

/**
 * q % PTRS_PER_TABLE for a table index (q an integer: an address over a
 * level's size). Addresses are doubles, and a double's % is a runtime call
 * in V8 (some 10-20 ns, several per fault); for q >= 0 the same value comes
 * from a division by the power of two, exact, and inline.
 */
function tableIndex(q: number): number {
  return q >= 0 ? q - Math.floor(q / PTRS_PER_TABLE) * PTRS_PER_TABLE : q % PTRS_PER_TABLE;
}

export abstract class Pgtable extends Rcu {
  readonly init_mm = new MmStruct(-1, 0, true);
  /** pgd_list: every user PGD, linked through its ptdesc's pt_list (kernel data head). */
  protected pgdListWord = -1;
  readonly direct_pages_count = [0, 0, 0, 0];
  protected PT: WordMap = wordMap(this.layout('ptdesc'));
  protected readonly W_rcu_head = this.pageWord('rcu_head.next');

  override boot(): void {
    super.boot();
    this.pgdListWord = this.kdataAlloc(16);
    this.INIT_LIST_HEAD(this.pgdListWord);
    this.init_mm.pgd = this.pageContentsWord(SWAPPER_PG_DIR_PFN);
    this.buildDirectMap();
  }

  /**
   * dump_pagetable() (arch/x86/mm/fault.c, linux-mm 7.3-rc5, x86_64) on
   * pagesim's kernel page tables (CR3 is swapper_pg_dir: the steps run as a
   * kernel thread): each level's entry as %lx, from the PGD down to the
   * first that is not present or maps a large page (with 4-level paging the
   * P4D is the PGD entry again), a space after each but the PTE. Also the
   * leaf's state, for show_fault_oops()'s NX line. A table is followed only
   * to a page with contents: a damaged entry ends the walk as not present.
   */
  protected override dump_pagetable(addr: bigint): { line: string; present: boolean; nx: boolean } {
    const names = ['PGD', 'P4D', 'PUD', 'PMD', 'PTE'];
    const shifts = [39, 39, 30, 21, 12];
    let table = this.init_mm.pgd;
    let line = '';
    let nx = false;
    for (let level = 0; level < names.length; level++) {
      const w = table < 0 ? -1 : table + 2 * Number((addr >> BigInt(shifts[level]!)) & 511n);
      const lo = w < 0 ? 0 : this.m32[w]!;
      const hi = w < 0 ? 0 : this.m32[w + 1]!;
      const val = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
      line += `${names[level]} ${val.toString(16)}${level < 4 ? ' ' : ''}`;
      nx ||= (hi & _PAGE_NX_HI) !== 0;
      // pgd_present() is always true with 4-level paging; P4D, PUD and PMD end the walk when not present or large.
      if (level === 0) continue;
      const present = (lo & _PAGE_PRESENT) !== 0;
      if (level === 4 || !present || (lo & _PAGE_PSE) !== 0) return { line, present, nx };
      const pfn = this.entryPfn(w);
      table = pfn < this.nr_pages && this.hasContents(pfn) ? this.pageContentsWord(pfn) : -1;
    }
    return { line, present: false, nx };
  }

  /** Zeroes the contents of freshly allocated pages asked for with __GFP_ZERO. */
  override clear_page_contents(page: number, order: number): void {
    const n = 1 << order;
    if (page + n <= this.nr_pages) {
      // Within memory no page oopses: only the pages that have contents are cleared, found
      // on the slot array without a call per page (a THP has none until it is written).
      // The index in int32 whatever the pfn's representation (a heap number from the unmap's Float64Array).
      // Slots are never negative: eight pages without contents are one test (the scan took half the time).
      const slotOf = this.slotOf;
      const end = (page + n) | 0;
      let pfn = page | 0;
      for (; pfn + 8 <= end; pfn += 8) {
        const any = slotOf[pfn]! | slotOf[pfn + 1]! | slotOf[pfn + 2]! | slotOf[pfn + 3]! | slotOf[pfn + 4]! | slotOf[pfn + 5]! | slotOf[pfn + 6]! | slotOf[pfn + 7]!;
        if (any !== 0) for (let q = pfn; q < pfn + 8; q++) if (slotOf[q]! > 0) this.clearPageContents(q);
      }
      for (; pfn < end; pfn++) if (slotOf[pfn]! > 0) this.clearPageContents(pfn);
      return;
    }
    for (let i = 0; i < n; i++) {
      // kernel_init_pages() past the end of memory (post_alloc_hook with a huge order) writes where the direct map maps nothing.
      if (page + i >= this.nr_pages) this.oopsDirectMap(page + i);
      this.clearPageContents(page + i);
    }
  }

  // ---- entries --------------------------------------------------------

  /** Word of entry `index` of the table whose contents start at word `table`. */
  entryWord(table: number, index: number): number {
    return table + index * 2;
  }

  entryPresent(w: number): boolean {
    return (this.m32[w]! & _PAGE_PRESENT) !== 0;
  }

  entryNone(w: number): boolean {
    return this.m32[w] === 0 && this.m32[w + 1] === 0;
  }

  entryLeaf(w: number): boolean {
    return (this.m32[w]! & _PAGE_PSE) !== 0;
  }

  /** The pfn an entry points at (bits 12..51). */
  entryPfn(w: number): number {
    return (this.m32[w + 1]! & 0xfffff) * 2 ** 20 + (this.m32[w]! >>> 12);
  }

  /** Low-word flags (bits 0..11) of an entry. */
  entryFlags(w: number): number {
    return this.m32[w]! & 0xfff;
  }

  setEntry(w: number, pfn: number, flagsLo: number, flagsHi: number): void {
    this.m32[w] = (((pfn % 2 ** 20) << 12) | flagsLo) >>> 0;
    this.m32[w + 1] = (Math.floor(pfn / 2 ** 20) | flagsHi) >>> 0;
  }

  clearEntry(w: number): void {
    this.m32[w] = 0;
    this.m32[w + 1] = 0;
  }

  /** The contents word of the table an entry points at. */
  entryTable(w: number): number {
    return this.pageContentsWord(this.entryPfn(w));
  }

  static pgd_index(addr: number): number {
    return tableIndex(Math.floor(addr / PGDIR_SIZE));
  }

  static pud_index(addr: number): number {
    return tableIndex(Math.floor(addr / PUD_SIZE));
  }

  static pmd_index(addr: number): number {
    return tableIndex(Math.floor(addr / PMD_SIZE));
  }

  static pte_index(addr: number): number {
    return tableIndex(Math.floor(addr / PAGE_SIZE));
  }

  // ---- the kernel's own tables ------------------------------------------

  /** Maps all RAM in the direct map at boot: 1 GiB pages where a whole GiB is RAM, 2 MiB pages elsewhere, 4 KiB in the first 2 MiB. */
  private buildDirectMap(): void {
    let next = BOOT_TABLES_PFN;
    const pgd = this.init_mm.pgd;
    const pud = this.pageContentsWord(next++);
    this.setEntry(this.entryWord(pgd, PGD_INDEX_PAGE_OFFSET), BOOT_TABLES_PFN, _KERNPG_TABLE, 0);
    const end = this.nr_pages;
    const perGiB = PUD_SIZE / PAGE_SIZE;
    const per2M = PMD_SIZE / PAGE_SIZE;
    for (let g = 0; g * perGiB < end; g++) {
      const gw = this.entryWord(pud, g);
      if (g > 0 && (g + 1) * perGiB <= end) {
        this.setEntry(gw, g * perGiB, __PAGE_KERNEL_LO | _PAGE_PSE, _PAGE_NX_HI);
        this.direct_pages_count[PG_LEVEL_1G]!++;
        continue;
      }
      const pmdPfn = next++;
      const pmd = this.pageContentsWord(pmdPfn);
      this.setEntry(gw, pmdPfn, _KERNPG_TABLE, 0);
      for (let m = 0; m < PTRS_PER_TABLE && g * perGiB + m * per2M < end; m++) {
        const base = g * perGiB + m * per2M;
        const mw = this.entryWord(pmd, m);
        if (base !== 0) {
          this.setEntry(mw, base, __PAGE_KERNEL_LO | _PAGE_PSE, _PAGE_NX_HI);
          this.direct_pages_count[PG_LEVEL_2M]!++;
          continue;
        }
        const ptePfn = next++;
        const pte = this.pageContentsWord(ptePfn);
        this.setEntry(mw, ptePfn, _KERNPG_TABLE, 0);
        for (let i = 0; i < PTRS_PER_TABLE && i < end; i++) {
          this.setEntry(this.entryWord(pte, i), i, __PAGE_KERNEL_LO, _PAGE_NX_HI);
          this.direct_pages_count[PG_LEVEL_4K]!++;
        }
      }
    }
  }

  // ---- ptdesc: in mainline, the struct page itself ----------------------

  /** page_ptdesc(): the ptdesc of a page-table page (a cast in mainline). */
  page_ptdesc(page: number): number {
    return page * this.PW;
  }

  /** ptdesc_page(): the page a ptdesc describes. */
  ptdesc_page(pt: number): number {
    return this.pfnOfWord(pt);
  }

  /** ptdesc_address(): the table's contents (its direct-map address). */
  ptdesc_address(pt: number): number {
    return this.pageContentsWord(this.ptdesc_page(pt));
  }

  /** virt_to_ptdesc(): the ptdesc of the page holding x. */
  virt_to_ptdesc(x: number): number {
    return this.page_ptdesc(this.virt_to_pfn(x));
  }

  /** Word of a ptdesc field. */
  ptdescWord(pt: number, field: string): number {
    return pt + this.PT[field]!;
  }

  /** The node a ptdesc's pages are on (memdesc_nid(ptdesc->pt_flags)). */
  ptdesc_nid(pt: number): number {
    return this.page_to_nid(this.ptdesc_page(pt));
  }

  ptdesc_nr_pages(pt: number): number {
    return 1 << this.compound_order(this.ptdesc_page(pt));
  }

  // ---- allocation and the constructors ----------------------------------

  /** pagetable_alloc(): compound pages for the table; the ptdesc is the head page. */
  pagetable_alloc(gfp: number, order: number): number {
    return this.pagetable_alloc_noprof(gfp, order);
  }

  pagetable_alloc_noprof(gfp: number, order: number): number {
    const page = this.alloc_pages(gfp | __GFP_COMP, order);
    return page < 0 ? -1 : this.page_ptdesc(page);
  }

  /** pagetable_free(): the pages go back to the page allocator. */
  pagetable_free(pt: number): void {
    this.__free_pages(this.ptdesc_page(pt), this.pagetableOrder(pt));
  }

  /** The order of a ptdesc's pages, as pagetable_free() finds it: compound_order() of the page in mainline. */
  pagetableOrder(pt: number): number {
    return this.compound_order(this.ptdesc_page(pt));
  }

  /** __pagetable_ctor(): PageTable type and NR_PAGETABLE accounting. */
  __pagetable_ctor(pt: number): void {
    this.__SetPageTable(this.ptdesc_page(pt));
    this.mod_node_page_state(this.ptdesc_nid(pt), NR_PAGETABLE, this.ptdesc_nr_pages(pt));
  }

  pagetable_dtor(pt: number): void {
    this.ptlock_free(pt);
    this.__ClearPageTable(this.ptdesc_page(pt));
    this.mod_node_page_state(this.ptdesc_nid(pt), NR_PAGETABLE, -this.ptdesc_nr_pages(pt));
  }

  pagetable_dtor_free(pt: number): void {
    this.pagetable_dtor(pt);
    this.pagetable_free(pt);
  }

  __SetPageTable(page: number): void {
    this.__SetPageType(page, PGTY_table);
  }

  __ClearPageTable(page: number): void {
    this.__ClearPageType(page, PGTY_table);
  }

  /**
   * ptlock_init(): the split page-table lock lives in ptdesc->ptl, which
   * overlays page->private: it must still be the zero prep_new_page() left.
   */
  ptlock_init(pt: number): boolean {
    const w = this.ptdescWord(pt, 'ptl.raw_lock');
    this.VM_BUG_ON_PAGE(this.m32[w] !== 0 || this.m32[w + 1] !== 0, this.ptdesc_page(pt), S.ptlock_init);
    this.m32[w] = 0;
    return true;
  }

  ptlock_free(pt: number): void {
    void pt;
  }

  /** pmd_ptlock_init(): no deposited table yet. */
  pmd_ptlock_init(pt: number): boolean {
    this.setNull(this.ptdescWord(pt, 'pmd_huge_pte'));
    return this.ptlock_init(pt);
  }

  pagetable_pte_ctor(mm: MmStruct, pt: number): boolean {
    if (!mm.isInitMm && !this.ptlock_init(pt)) return false;
    this.__pagetable_ctor(pt);
    return true;
  }

  pagetable_pmd_ctor(mm: MmStruct, pt: number): boolean {
    if (!mm.isInitMm && !this.pmd_ptlock_init(pt)) return false;
    // ptdesc_pmd_pts_init(): hugetlb's PMD sharing count starts at 0.
    this.m32[this.ptdescWord(pt, 'pt_share_count')] = 0;
    this.__pagetable_ctor(pt);
    return true;
  }

  pagetable_pud_ctor(pt: number): void {
    this.__pagetable_ctor(pt);
  }

  pagetable_pgd_ctor(pt: number): void {
    this.__pagetable_ctor(pt);
  }

  // ---- x86 and generic pgalloc -------------------------------------------

  /** pte_alloc_one(): a PTE table page for a user mm (pgtable_t is its struct page). */
  pte_alloc_one(mm: MmStruct): number {
    const pt = this.pagetable_alloc(GFP_PGTABLE_USER & ~__GFP_HIGHMEM, 0);
    if (pt < 0) return -1;
    if (!this.pagetable_pte_ctor(mm, pt)) {
      this.pagetable_free(pt);
      return -1;
    }
    return this.ptdesc_page(pt);
  }

  /** pte_alloc_one_kernel(): a PTE table for init_mm; returns its contents word. */
  pte_alloc_one_kernel(mm: MmStruct): number {
    const pt = this.pagetable_alloc(GFP_PGTABLE_KERNEL & ~__GFP_HIGHMEM, 0);
    if (pt < 0) return -1;
    if (!this.pagetable_pte_ctor(mm, pt)) {
      this.pagetable_free(pt);
      return -1;
    }
    return this.ptdesc_address(pt);
  }

  /** pte_free(): the table page of a user mm. */
  pte_free(mm: MmStruct | null, pte_page: number): void {
    void mm;
    this.pagetable_dtor_free(this.page_ptdesc(pte_page));
  }

  pte_free_kernel(mm: MmStruct, pte: number): void {
    void mm;
    this.pagetable_dtor_free(this.virt_to_ptdesc(pte));
  }

  pmd_alloc_one(mm: MmStruct, addr: number): number {
    void addr;
    const pt = this.pagetable_alloc(mm.isInitMm ? GFP_PGTABLE_KERNEL : GFP_PGTABLE_USER, 0);
    if (pt < 0) return -1;
    if (!this.pagetable_pmd_ctor(mm, pt)) {
      this.pagetable_free(pt);
      return -1;
    }
    return this.ptdesc_address(pt);
  }

  pmd_free(mm: MmStruct, pmd: number): void {
    void mm;
    this.pagetable_dtor_free(this.virt_to_ptdesc(pmd));
  }

  pud_alloc_one(mm: MmStruct, addr: number): number {
    void addr;
    const pt = this.pagetable_alloc(mm.isInitMm ? GFP_PGTABLE_KERNEL : GFP_PGTABLE_USER, 0);
    if (pt < 0) return -1;
    this.pagetable_pud_ctor(pt);
    return this.ptdesc_address(pt);
  }

  pud_free(mm: MmStruct, pud: number): void {
    void mm;
    this.pagetable_dtor_free(this.virt_to_ptdesc(pud));
  }

  /** __pgd_alloc(): order 0 (no page-table isolation on CPUs that do not need it). */
  __pgd_alloc(mm: MmStruct, order: number): number {
    const pt = this.pagetable_alloc(mm.isInitMm ? GFP_PGTABLE_KERNEL : GFP_PGTABLE_USER, order);
    if (pt < 0) return -1;
    this.pagetable_pgd_ctor(pt);
    return this.ptdesc_address(pt);
  }

  __pgd_free(mm: MmStruct, pgd: number): void {
    void mm;
    this.pagetable_dtor_free(this.virt_to_ptdesc(pgd));
  }

  /** pgd_alloc(): a PGD with the kernel's half copied from swapper_pg_dir, on pgd_list. */
  pgd_alloc(mm: MmStruct): number {
    const pgd = this.__pgd_alloc(mm, 0);
    if (pgd < 0) return -1;
    mm.pgd = pgd;
    this.pgd_ctor(mm, pgd);
    return pgd;
  }

  pgd_ctor(mm: MmStruct, pgd: number): void {
    const from = this.init_mm.pgd;
    for (let i = KERNEL_PGD_BOUNDARY; i < PTRS_PER_TABLE; i++) {
      this.m32[this.entryWord(pgd, i)] = this.m32[this.entryWord(from, i)]!;
      this.m32[this.entryWord(pgd, i) + 1] = this.m32[this.entryWord(from, i) + 1]!;
    }
    // pgd_set_mm(): the owner, in ptdesc->pt_mm; then pgd_list_add().
    const pt = this.virt_to_ptdesc(pgd);
    this.storeAddrOf(this.ptdescWord(pt, 'pt_mm'), mm.obj);
    this.list_add(this.ptdescWord(pt, 'pt_list.next'), this.pgdListWord);
  }

  pgd_dtor(pgd: number): void {
    this.list_del(this.ptdescWord(this.virt_to_ptdesc(pgd), 'pt_list.next'));
  }

  pgd_free(mm: MmStruct, pgd: number): void {
    this.pgd_dtor(pgd);
    this.__pgd_free(mm, pgd);
  }

  // ---- THP: tables deposited under a huge PMD ----------------------------

  /** The ptdesc of the PMD table that holds the pmd entry at word pmdp. */
  pmd_ptdesc(pmdp: number): number {
    return this.virt_to_ptdesc(pmdp);
  }

  /** pmd_huge_pte(mm, pmdp): the word holding the first deposited table. */
  pmdHugePteWord(pmdp: number): number {
    return this.ptdescWord(this.pmd_ptdesc(pmdp), 'pmd_huge_pte');
  }

  /** pgtable_trans_huge_deposit(): FIFO of PTE tables, linked through page->lru. */
  pgtable_trans_huge_deposit(mm: MmStruct, pmdp: number, pgtable: number): void {
    void mm;
    const hw = this.pmdHugePteWord(pmdp);
    const lru = pgtable * this.PW + this.W_lru;
    if (this.isNull(hw)) this.INIT_LIST_HEAD(lru);
    else this.list_add(lru, this.derefWord(hw) + this.W_lru);
    this.storeAddrOf(hw, pgtable * this.PW);
  }

  /** pgtable_trans_huge_withdraw(): the oldest deposited table, or -1 when none. */
  pgtable_trans_huge_withdraw(mm: MmStruct, pmdp: number): number {
    void mm;
    const hw = this.pmdHugePteWord(pmdp);
    if (this.isNull(hw)) return -1;
    const pgtable = this.pfnOfWord(this.derefWord(hw));
    const lru = pgtable * this.PW + this.W_lru;
    const next = this.list_first(lru);
    if (next < 0) this.setNull(hw);
    else {
      this.storeAddrOf(hw, next - this.W_lru);
      this.list_del(lru);
    }
    return pgtable;
  }

  /** How many PTE tables are deposited under the PMD table at contents word pmdTable (for the checker; bounded). */
  depositedTables(pmdTable: number, limit: number): number {
    const hw = this.ptdescWord(this.virt_to_ptdesc(pmdTable), 'pmd_huge_pte');
    if (this.isNull(hw)) return 0;
    const first = this.wordOfAddr(this.m32[hw + 1]!, this.m32[hw]!);
    if (first < 0) return -1;
    let n = 1;
    const head = first + this.W_lru;
    for (let w = this.list_next(head, head); w >= 0 && n <= limit; w = this.list_next(w, head)) n++;
    return n;
  }

  /** Pages that one PageTable-typed page stands for in NR_PAGETABLE (its compound order in mainline). */
  pageTableNrPages(page: number): number {
    return this.PageHead(page) ? 1 << this.compound_order(page) : 1;
  }

  /** pte_free_defer(): free a PTE table after an RCU grace period, through page->rcu_head. */
  pte_free_defer(mm: MmStruct, pgtable: number): void {
    void mm;
    this.call_rcu(pgtable * this.PW + this.W_rcu_head, 'pte_free_now');
  }

  /** pte_free_now(): the RCU callback; the page is found from the rcu_head inside it. */
  pte_free_now(head: number): void {
    this.pte_free(null, this.pfnOfWord(head - this.W_rcu_head));
  }

  // ---- mmu_gather: freeing pages and tables after the TLB flush -----------

  tlb_gather_mmu(mm: MmStruct, fullmm = false): MmuGather {
    const tlb = new MmuGather(mm, fullmm);
    if (this.gatherSpare !== null) {
      tlb.pages = this.gatherSpare;
      this.gatherSpare = null;
    }
    return tlb;
  }

  /** The page array of the last finished gather, for the next one: a big unmap grows it once, not on every munmap. */
  private gatherSpare: Float64Array | null = null;

  /** __tlb_remove_folio_pages(): nr pages of a folio whose mappings were just zapped. */
  tlb_remove_folio_pages(tlb: MmuGather, page: number, nr: number): void {
    let n = tlb.nr_pages;
    if (n + 2 > tlb.pages.length) {
      const grown = new Float64Array(Math.max(64, tlb.pages.length * 2));
      grown.set(tlb.pages);
      tlb.pages = grown;
    }
    tlb.pages[n++] = page;
    tlb.pages[n++] = nr;
    tlb.nr_pages = n;
  }

  /** tlb_remove_table(): queue a table in the batch page; without a batch page, free it on its own. */
  tlb_remove_table(tlb: MmuGather, table: number): void {
    tlb.freed_tables = true;
    if (tlb.batch < 0) {
      const page = this.alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0);
      if (page < 0) {
        this.tlb_remove_table_one(table);
        return;
      }
      tlb.batch = page;
      this.m32[this.batchNrWord(page)] = 0;
    }
    const nrw = this.batchNrWord(tlb.batch);
    const nr = this.m32[nrw]!;
    this.storeAddrOf(this.wordAt(tlb.batch, BATCH_TABLES_OFFSET + nr * 8), table);
    this.m32[nrw] = nr + 1;
    if (nr + 1 === MAX_TABLE_BATCH) this.tlb_table_flush(tlb);
  }

  private batchNrWord(batch: number): number {
    return this.wordAt(batch, 16);
  }

  tlb_remove_ptdesc(tlb: MmuGather, pt: number): void {
    this.tlb_remove_table(tlb, pt);
  }

  /** tlb_remove_table_one(): no memory for a batch page; with CONFIG_PT_RECLAIM the table goes to RCU alone, through ptdesc->pt_rcu_head. */
  tlb_remove_table_one(table: number): void {
    this.call_rcu(this.ptdescWord(table, 'pt_rcu_head.next'), '__tlb_remove_table_one_rcu');
  }

  __tlb_remove_table_one_rcu(head: number): void {
    this.__tlb_remove_table(head - this.PT['pt_rcu_head.next']!);
  }

  /** tlb_table_flush(): hand the batch to RCU. */
  tlb_table_flush(tlb: MmuGather): void {
    if (tlb.batch < 0) return;
    this.call_rcu(this.pageContentsWord(tlb.batch), 'tlb_remove_table_rcu');
    tlb.batch = -1;
  }

  /** tlb_remove_table_rcu(): the batch's grace period has ended; free its tables and the batch page. */
  tlb_remove_table_rcu(head: number): void {
    this.__tlb_remove_table_free(this.virt_to_pfn(head));
  }

  __tlb_remove_table_free(batch: number): void {
    const nr = this.m32[this.batchNrWord(batch)]!;
    for (let i = 0; i < nr; i++) this.__tlb_remove_table(this.derefWord(this.wordAt(batch, BATCH_TABLES_OFFSET + i * 8)));
    this.free_pages(batch, 0);
  }

  /**
   * The pages a queued page-table callback will free, read without writing:
   * the table whose ptdesc holds the rcu_head, or the batch page (its
   * rcu_head is its first bytes) and every table it lists. May oops on
   * bytes a bug overwrote; the caller takes that back.
   */
  override rcuCallbackPages(head: number, func: string): number[] {
    // A table's rcu_head: in its struct page when the ptdesc is the struct page (mainline), else in a ptdesc of its own.
    const inMemmap = head < this.nr_pages * this.PW;
    if (func === 'pte_free_now' || func === '__tlb_remove_table_one_rcu') return inMemmap ? super.rcuCallbackPages(head, func) : [this.ptdesc_page(head - this.PT['pt_rcu_head.next']!)];
    if (func !== 'tlb_remove_table_rcu') return super.rcuCallbackPages(head, func);
    const batch = this.virt_to_pfn(head);
    const out = [batch];
    const nr = Math.min(this.m32[this.batchNrWord(batch)]!, MAX_TABLE_BATCH);
    for (let i = 0; i < nr; i++) {
      const w = this.wordAt(batch, BATCH_TABLES_OFFSET + i * 8);
      const t = this.wordOfAddr(this.m32[w + 1]!, this.m32[w]!);
      if (t >= 0) out.push(this.ptdesc_page(t));
    }
    return out;
  }

  /** __tlb_remove_table(): the table's ptdesc is destroyed and its pages freed. */
  __tlb_remove_table(table: number): void {
    this.pagetable_dtor_free(table);
  }

  free_pages(page: number, order: number): void {
    this.__free_pages(page, order);
  }

  /** ___pte_free_tlb(): a user PTE table leaves the page tables; freed after the flush and a grace period. */
  ___pte_free_tlb(tlb: MmuGather, pte: number): void {
    this.tlb_remove_ptdesc(tlb, this.page_ptdesc(pte));
  }

  ___pmd_free_tlb(tlb: MmuGather, pmd: number): void {
    this.tlb_remove_ptdesc(tlb, this.virt_to_ptdesc(pmd));
  }

  ___pud_free_tlb(tlb: MmuGather, pud: number): void {
    this.tlb_remove_ptdesc(tlb, this.virt_to_ptdesc(pud));
  }

  tlb_batch_pages_flush(tlb: MmuGather): void {
    const p = tlb.pages;
    const n = tlb.nr_pages;
    const fused = n > 0 && this.gatherFused();
    for (let i = 0; i < n; i += 2) {
      if (fused && this.putGatheredFused(p[i]!, p[i + 1]!)) continue;
      this.folio_put_refs(this.page_folio(p[i]!), p[i + 1]!);
    }
    tlb.nr_pages = 0;
  }

  /** Whether tlb_batch_pages_flush() may try putGatheredFused() (rmap.ts: the LRU lives there). */
  protected gatherFused(): boolean {
    return false;
  }

  /** folio_put_refs(page_folio(pfn), nr) done without the calls; false: the calls must do it (rmap.ts). */
  protected putGatheredFused(pfn: number, nr: number): boolean {
    void pfn;
    void nr;
    return false;
  }

  /** tlb_flush_mmu(): tables go to RCU first, then the pages are released. */
  tlb_flush_mmu(tlb: MmuGather): void {
    this.tlb_table_flush(tlb);
    this.tlb_batch_pages_flush(tlb);
  }

  tlb_finish_mmu(tlb: MmuGather): void {
    this.tlb_flush_mmu(tlb);
    if (this.gatherSpare === null || tlb.pages.length > this.gatherSpare.length) this.gatherSpare = tlb.pages;
    tlb.pages = NO_PAGES;
  }
}

// The clear_page_contents() check_new_pages()'s tail pass allows (page_alloc.ts, TAILS_AT_CHECK_HELPERS).
tailsAtCheckBase.clear_page_contents = Pgtable.prototype.clear_page_contents;
