/**
 * arch/x86/mm/pat/set_memory.c: changing the attributes of the kernel's
 * direct map (v6.18), the path of the cover letter's crash in seed 003.
 *
 * The direct map starts with 1 GiB and 2 MiB pages (pgtable.ts builds it).
 * Changing part of a large page splits it: split_large_page() takes a page
 * from the page allocator (alloc_pages(GFP_KERNEL, 0), not
 * pagetable_alloc(): these tables have no constructor, no PageTable type and
 * no NR_PAGETABLE accounting) and fills it with 512 smaller mappings.
 * set_memory_rox() asks for CPA_COLLAPSE: afterwards every 2 MiB range
 * whose 512 ptes are alike again becomes one large page, and the freed
 * table is queued through page_ptdesc(...)->pt_list and released with
 * __free_page() after the TLB flush.
 *
 * Only the direct map is modelled (no aliases, no vmalloc or module
 * mappings); addresses are given as pages (page_address()).
 */

import { GFP_KERNEL } from './gfp.js';
import { Pgtable, PG_LEVEL_1G, PG_LEVEL_2M, PG_LEVEL_4K, PTRS_PER_TABLE, _KERNPG_TABLE, _PAGE_KERNEL_4K, _PAGE_NX_HI, _PAGE_PRESENT, _PAGE_PSE, _PAGE_RW } from './pgtable.js';
import { ENOMEM, EINVAL } from './errno.js';
import { declareSymbols } from './symbols.js';

declareSymbols('arch/x86/mm/pat/set_memory.c', [
  'set_memory_4k', 'set_memory_ro', 'set_memory_rw', 'set_memory_rox', 'set_memory_nx', 'set_memory_x', 'change_page_attr_set_clr', '__change_page_attr_set_clr',
  '__change_page_attr', 'split_large_page', '__split_large_page', 'cpa_flush', 'cpa_collapse_large_pages', 'collapse_large_pages',
]);
// Static helpers the compiler inlines into collapse_large_pages() (the cover letter's RIP is collapse_large_pages.cold).
declareSymbols('arch/x86/mm/pat/set_memory.c', ['collapse_pmd_page', 'collapse_pud_page'], true);
declareSymbols('include/linux/gfp.h', ['__free_page'], true);

/** cpa_data.flags */
const CPA_COLLAPSE = 0x4;

/** pages per 2 MiB and per 1 GiB mapping */
const PER_2M = 512;
const PER_1G = 512 * 512;

interface CpaData {
  /** pfn of the first page (the direct-map address is page_address of it). */
  pfn: number;
  numpages: number;
  setLo: number;
  setHi: number;
  clrLo: number;
  clrHi: number;
  force_split: boolean;
  flags: number;
}

export abstract class Cpa extends Pgtable {
  /** LIST_HEAD(pgtables) of cpa_collapse_large_pages(), in kernel data. */
  private cpaListWord = -1;

  override boot(): void {
    super.boot();
    this.cpaListWord = this.kdataAlloc(16);
    this.INIT_LIST_HEAD(this.cpaListWord);
  }

  // ---- the API ------------------------------------------------------------------

  set_memory_4k(addr: number, numpages: number): number {
    return this.change_page_attr_set_clr({ pfn: addr, numpages, setLo: _PAGE_KERNEL_4K, setHi: 0, clrLo: 0, clrHi: 0, force_split: true, flags: 0 });
  }

  set_memory_ro(addr: number, numpages: number): number {
    return this.change_page_attr_set_clr({ pfn: addr, numpages, setLo: 0, setHi: 0, clrLo: _PAGE_RW, clrHi: 0, force_split: false, flags: 0 });
  }

  set_memory_rw(addr: number, numpages: number): number {
    return this.change_page_attr_set_clr({ pfn: addr, numpages, setLo: _PAGE_RW, setHi: 0, clrLo: 0, clrHi: 0, force_split: false, flags: 0 });
  }

  set_memory_nx(addr: number, numpages: number): number {
    return this.change_page_attr_set_clr({ pfn: addr, numpages, setLo: 0, setHi: _PAGE_NX_HI, clrLo: 0, clrHi: 0, force_split: false, flags: 0 });
  }

  set_memory_x(addr: number, numpages: number): number {
    return this.change_page_attr_set_clr({ pfn: addr, numpages, setLo: 0, setHi: 0, clrLo: 0, clrHi: _PAGE_NX_HI, force_split: false, flags: 0 });
  }

  /** set_memory_rox(): read-only and executable, then collapse what became uniform again. */
  set_memory_rox(addr: number, numpages: number): number {
    return this.change_page_attr_set_clr({ pfn: addr, numpages, setLo: 0, setHi: 0, clrLo: _PAGE_RW, clrHi: _PAGE_NX_HI, force_split: false, flags: CPA_COLLAPSE });
  }

  change_page_attr_set_clr(cpa: CpaData): number {
    if (cpa.numpages <= 0 || cpa.pfn < 0 || cpa.pfn + cpa.numpages > this.nr_pages) return -EINVAL;
    const ret = this.__change_page_attr_set_clr(cpa);
    this.cpa_flush(cpa);
    return ret;
  }

  __change_page_attr_set_clr(cpa: CpaData): number {
    let pfn = cpa.pfn;
    const end = cpa.pfn + cpa.numpages;
    while (pfn < end) {
      const done = this.__change_page_attr(cpa, pfn, end - pfn);
      if (done < 0) return done;
      pfn += done;
    }
    return 0;
  }

  /** The direct-map entry mapping pfn and its level (lookup_address). */
  lookup_address(pfn: number): { entry: number; level: number } {
    const pud = this.entryWord(this.entryTable(this.entryWord(this.init_mm.pgd, 0x111)), Math.floor(pfn / PER_1G));
    if (this.entryLeaf(pud)) return { entry: pud, level: PG_LEVEL_1G };
    const pmd = this.entryWord(this.entryTable(pud), Math.floor(pfn / PER_2M) % PTRS_PER_TABLE);
    if (this.entryLeaf(pmd)) return { entry: pmd, level: PG_LEVEL_2M };
    return { entry: this.entryWord(this.entryTable(pmd), pfn % PTRS_PER_TABLE), level: PG_LEVEL_4K };
  }

  private applyProt(entry: number, cpa: CpaData): void {
    this.m32[entry] = ((this.m32[entry]! & ~cpa.clrLo) | cpa.setLo) >>> 0;
    this.m32[entry + 1] = ((this.m32[entry + 1]! & ~cpa.clrHi) | cpa.setHi) >>> 0;
  }

  /** __change_page_attr(): change one mapping; returns how many pages it covered, or -errno. */
  __change_page_attr(cpa: CpaData, pfn: number, left: number): number {
    for (;;) {
      const { entry, level } = this.lookup_address(pfn);
      if (!this.entryPresent(entry)) return -EINVAL;
      if (level === PG_LEVEL_4K) {
        this.applyProt(entry, cpa);
        return 1;
      }
      const span = level === PG_LEVEL_1G ? PER_1G : PER_2M;
      const start = Math.floor(pfn / span) * span;
      // should_split_large_page(): keep the large page when the change covers all of it.
      if (!cpa.force_split && pfn === start && left >= span) {
        this.applyProt(entry, cpa);
        return span;
      }
      const err = this.split_large_page(entry, level, start);
      if (err) return err;
    }
  }

  /** split_large_page(): a page from the page allocator becomes the next-level table. */
  split_large_page(entry: number, level: number, start: number): number {
    const base = this.alloc_pages(GFP_KERNEL, 0);
    if (base < 0) return -ENOMEM;
    this.__split_large_page(entry, level, start, base);
    return 0;
  }

  __split_large_page(entry: number, level: number, start: number, base: number): void {
    const table = this.pageContentsWord(base);
    const lo = this.m32[entry]! & 0xfff;
    const hi = this.m32[entry + 1]! & 0xfff00000;
    const step = level === PG_LEVEL_1G ? PER_2M : 1;
    // pgprot_large_2_4k(): below 2 MiB the entries lose _PAGE_PSE.
    const childLo = level === PG_LEVEL_1G ? lo : lo & ~_PAGE_PSE;
    for (let i = 0; i < PTRS_PER_TABLE; i++) this.setEntry(this.entryWord(table, i), start + i * step, childLo, hi);
    this.split_page_count(level);
    this.setEntry(entry, base, _KERNPG_TABLE, 0);
  }

  split_page_count(level: number): void {
    this.direct_pages_count[level]!--;
    this.direct_pages_count[level - 1]! += PTRS_PER_TABLE;
  }

  collapse_page_count(level: number): void {
    this.direct_pages_count[level]!++;
    this.direct_pages_count[level - 1]! -= PTRS_PER_TABLE;
  }

  cpa_flush(cpa: CpaData): void {
    if (cpa.flags & CPA_COLLAPSE) this.cpa_collapse_large_pages(cpa);
  }

  /** cpa_collapse_large_pages(): collapse each 2 MiB range touched, then free the queued tables. */
  cpa_collapse_large_pages(cpa: CpaData): void {
    const head = this.cpaListWord;
    let collapsed = 0;
    const start = Math.floor(cpa.pfn / PER_2M) * PER_2M;
    for (let pfn = start; pfn < cpa.pfn + cpa.numpages; pfn += PER_2M) collapsed += this.collapse_large_pages(pfn, head);
    if (!collapsed) return;
    for (let w = this.list_first(head); w >= 0; w = this.list_first(head)) {
      const pt = w - this.PT['pt_list.next']!;
      this.list_del(w);
      this.__free_page(this.ptdesc_page(pt));
    }
  }

  __free_page(page: number): void {
    this.__free_pages(page, 0);
  }

  collapse_large_pages(pfn: number, pgtables: number): number {
    const pud = this.entryWord(this.entryTable(this.entryWord(this.init_mm.pgd, 0x111)), Math.floor(pfn / PER_1G));
    if (!this.entryPresent(pud) || this.entryLeaf(pud)) return 0;
    const pmd = this.entryWord(this.entryTable(pud), Math.floor(pfn / PER_2M) % PTRS_PER_TABLE);
    if (!this.entryPresent(pmd) || this.entryLeaf(pmd)) return 0;
    let collapsed = this.collapse_pmd_page(pmd, pgtables);
    if (collapsed) collapsed += this.collapse_pud_page(pud, pgtables);
    return collapsed;
  }

  /** collapse_pmd_page(): 512 alike 4 KiB ptes of an aligned range become one 2 MiB mapping. */
  collapse_pmd_page(pmd: number, pgtables: number): number {
    const table = this.entryTable(pmd);
    const first = this.entryWord(table, 0);
    const pfn = this.entryPfn(first);
    if (pfn % PER_2M !== 0) return 0;
    if (this.m32[first]! & _PAGE_KERNEL_4K) return 0;
    for (let i = 1; i < PTRS_PER_TABLE; i++) {
      const e = this.entryWord(table, i);
      if (!(this.m32[e]! & _PAGE_PRESENT)) return 0;
      if ((this.m32[e]! & 0xfff) !== (this.m32[first]! & 0xfff) || (this.m32[e + 1]! & 0xfff00000) !== (this.m32[first + 1]! & 0xfff00000)) return 0;
      if (this.entryPfn(e) !== pfn + i) return 0;
    }
    const oldTable = this.entryPfn(pmd);
    this.setEntry(pmd, pfn, (this.m32[first]! & 0xfff) | _PAGE_PSE, this.m32[first + 1]! & 0xfff00000);
    // Queue the table to be freed after the TLB flush.
    this.list_add(this.ptdescWord(this.page_ptdesc(oldTable), 'pt_list.next'), pgtables);
    this.collapse_page_count(PG_LEVEL_2M);
    return 1;
  }

  /** collapse_pud_page(): 512 alike 2 MiB mappings of an aligned range become one 1 GiB mapping (direct_gbpages). */
  collapse_pud_page(pud: number, pgtables: number): number {
    const table = this.entryTable(pud);
    const first = this.entryWord(table, 0);
    const pfn = this.entryPfn(first);
    if (!this.entryLeaf(first) || pfn % PER_1G !== 0) return 0;
    for (let i = 1; i < PTRS_PER_TABLE; i++) {
      const e = this.entryWord(table, i);
      if (!this.entryPresent(e) || !this.entryLeaf(e)) return 0;
      if ((this.m32[e]! & 0xfff) !== (this.m32[first]! & 0xfff) || (this.m32[e + 1]! & 0xfff00000) !== (this.m32[first + 1]! & 0xfff00000)) return 0;
      if (this.entryPfn(e) !== pfn + i * PER_2M) return 0;
    }
    const oldTable = this.entryPfn(pud);
    this.list_add(this.ptdescWord(this.page_ptdesc(oldTable), 'pt_list.next'), pgtables);
    this.setEntry(pud, pfn, this.m32[first]! & 0xfff, this.m32[first + 1]! & 0xfff00000);
    this.collapse_page_count(PG_LEVEL_1G);
    return 1;
  }
}
