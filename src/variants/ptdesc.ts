/**
 * Seed 003 (003_b2d4b82b098053d8.txt), "[RFC PATCH 0/7] Separate ptdesc
 * from struct page" (Matthew Wilcox, Oct 2025, on v6.18-rc), as three
 * variants that stack like the series:
 *
 *   ptdesc-frozen       patches 1-4: page tables are frozen pages; the
 *                       PageTable type and NR_PAGETABLE are set at
 *                       allocation (pagetable_alloc/pagetable_free), not by
 *                       the constructors; THP table deposit/withdraw use
 *                       ptdesc->pt_list instead of page->lru.
 *   ptdesc-memdesc-rfc  patches 5-7 on top, exactly as posted: memdesc_t (a
 *                       pointer with a 4-bit type) in every struct page at
 *                       byte 16, right after compound_head;
 *                       alloc_pages_memdesc(); struct ptdesc allocated from
 *                       its own slab cache, pointing back at its page, with
 *                       the order in the low bits of pt_flags and a debug
 *                       copy of the ptdesc pointer in page->__folio_index;
 *                       page_ptdesc() checks the memdesc type and BUGs.
 *                       The posted bugs are kept: the allocation loop sets
 *                       the memdesc of the first page only, pagetable_free()
 *                       never frees the ptdesc, and every user of struct
 *                       page that still writes bytes 16..23 (page->lru,
 *                       page->rcu_head, the free lists) overwrites the
 *                       memdesc.
 *   ptdesc-memdesc      the same design repaired; each repair is a method
 *                       below with its reason (docs/variants.md lists them).
 */

import type { Variant, KernelCtor } from './variant.js';
import type { Site } from '../report/report.js';
import type { MmStruct } from '../kernel/mm_types.js';
import type { KmemCache } from '../kernel/slub.js';
import { anonUnion, field, ptr, rcu_head, list_head, struct, unsigned_int, unsigned_long, atomic_t, type AggregateType } from '../layout/ctype.js';
import { insertAfter } from '../layout/edit.js';
import { NR_PAGETABLE } from '../kernel/vmstat.js';
import { __GFP_COMP } from '../kernel/gfp.js';
import { NODES_PGOFF } from '../kernel/config.js';

const SEED = '003_b2d4b82b098053d8.txt';

/** MEMDESC_TYPE_PAGE_TABLE: the low 4 bits of a page table's memdesc. */
export const MEMDESC_TYPE_PAGE_TABLE = 15;

/** page_ptdesc()'s VM_BUG_ON_PAGE(1, page): the line syzbot's report names (include/linux/mm.h of the RFC tree). */
const PAGE_PTDESC_BUG: Site = { fn: 'page_ptdesc', file: 'include/linux/mm.h', line: 2959, cond: '1' };

/** memdesc_t: `typedef struct { unsigned long v; } memdesc_t;` */
const memdesc_t = struct('memdesc_t', [field('v', unsigned_long)]);

/** struct ptdesc after patch 7: separate from struct page, 16-byte aligned. */
const struct_ptdesc_rfc: AggregateType = struct(
  'ptdesc',
  [
    field('pt_flags', unsigned_long),
    field('pt_page', ptr('struct page')),
    anonUnion('ptdesc-union', [field('pt_rcu_head', rcu_head), field('pt_list', list_head), field('pmd_huge_pte', ptr('struct page'))]),
    anonUnion('ptdesc-index-union', [field('pt_index', unsigned_long), field('pt_mm', ptr('struct mm_struct')), field('pt_frag_refcount', atomic_t), field('pt_share_count', atomic_t)]),
    anonUnion('ptdesc-ptl-union', [field('ptl', struct('spinlock', [field('raw_lock', unsigned_int)]))]),
  ],
  16,
);

/** Hex as %lx prints it: no leading zeros. */
function lx(hi: number, lo: number): string {
  return ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16);
}

// ---- patches 1-4 ---------------------------------------------------------------

const frozenKernel = <B extends KernelCtor>(Base: B) => {
  abstract class PtdescFrozen extends Base {
    /** Patch 1-3: frozen pages, accounted and typed at allocation. */
    override pagetable_alloc_noprof(gfp: number, order: number): number {
      const page = this.alloc_frozen_pages(gfp | __GFP_COMP, order);
      if (page < 0) return -1;
      this.mod_node_page_state(this.page_to_nid(page), NR_PAGETABLE, 1 << order);
      this.__SetPageTable(page);
      return this.page_ptdesc(page);
    }

    override pagetable_free(pt: number): void {
      const page = this.ptdesc_page(pt);
      const order = this.pagetableOrder(pt);
      this.mod_node_page_state(this.ptdesc_nid(pt), NR_PAGETABLE, -(1 << order));
      this.__ClearPageTable(page);
      this.free_frozen_pages(page, order);
    }

    /** Patch 3: __pagetable_ctor() is gone; the constructors only set up the lock. */
    override __pagetable_ctor(pt: number): void {
      void pt;
    }

    override pagetable_dtor(pt: number): void {
      this.ptlock_free(pt);
    }

    /** Patch 4: the FIFO of deposited tables goes through ptdesc->pt_list. */
    override pgtable_trans_huge_deposit(mm: MmStruct, pmdp: number, pgtable: number): void {
      void mm;
      const pt = this.page_ptdesc(pgtable);
      const hw = this.pmdHugePteWord(pmdp);
      const list = this.ptdescWord(pt, 'pt_list.next');
      if (this.isNull(hw)) this.INIT_LIST_HEAD(list);
      else this.list_add(list, this.ptdescWord(this.page_ptdesc(this.pfnOfWord(this.derefWord(hw))), 'pt_list.next'));
      this.storeAddrOf(hw, pgtable * this.PW);
    }

    override depositedTables(pmdTable: number, limit: number): number {
      const hw = this.ptdescWord(this.virt_to_ptdesc(pmdTable), 'pmd_huge_pte');
      if (this.isNull(hw)) return 0;
      const first = this.wordOfAddr(this.m32[hw + 1]!, this.m32[hw]!);
      if (first < 0) return -1;
      const head = this.ptdescWord(this.page_ptdesc(this.pfnOfWord(first)), 'pt_list.next');
      let n = 1;
      for (let w = this.list_next(head, head); w >= 0 && n <= limit; w = this.list_next(w, head)) n++;
      return n;
    }

    override pgtable_trans_huge_withdraw(mm: MmStruct, pmdp: number): number {
      void mm;
      const hw = this.pmdHugePteWord(pmdp);
      if (this.isNull(hw)) return -1;
      const page = this.pfnOfWord(this.derefWord(hw));
      const pt = this.page_ptdesc(page);
      const list = this.ptdescWord(pt, 'pt_list.next');
      const next = this.list_first(list);
      if (next >= 0) {
        this.storeAddrOf(hw, this.ptdesc_page(next - this.PT['pt_list.next']!) * this.PW);
        this.list_del(list);
      } else this.setNull(hw);
      return page;
    }
  }
  return PtdescFrozen;
};

export const ptdescFrozen: Variant = {
  name: 'ptdesc-frozen',
  description: 'seed 003 patches 1-4: page tables are frozen pages, typed and accounted at allocation, THP deposit through pt_list',
  seed: `${SEED}: [RFC PATCH 1/7]-[4/7] Use frozen pages for page tables; Account/Mark pagetable memory when allocated; Remove uses of page->lru`,
  kernel: (Base) => frozenKernel(Base),
};

// ---- patches 5-7 -----------------------------------------------------------------

const rfcKernel = <B extends KernelCtor>(Base: B) => {
  abstract class PtdescMemdescRfc extends Base {
    protected ptcache: KmemCache | null = null;
    protected readonly W_memdesc = this.pageWord('memdesc.v');

    /** ptcache_init() (mm_core_init): KMEM_CACHE(ptdesc, 0). */
    override boot(): void {
      super.boot();
      const l = this.layout('ptdesc');
      this.ptcache = this.kmem_cache_create('ptdesc', l.size, l.align);
      this.descriptorCaches.add('ptdesc');
    }

    // memdesc_t
    memdesc_type(page: number): number {
      return this.m32[page * this.PW + this.W_memdesc]! & 15;
    }

    /** __alloc_pages_memdesc_noprof() as posted: `page->memdesc = memdesc` in a loop that never advances. */
    __alloc_pages_memdesc_noprof(gfp: number, order: number, ptdesc: number): number {
      const page = this.alloc_frozen_pages(gfp, order);
      if (page >= 0 && ptdesc >= 0) for (let i = 0; i < 1 << order; i++) this.setMemdesc(this.memdescTarget(page, i), ptdesc);
      return page;
    }

    /** Which page iteration i of the memdesc loop writes: the posted loop writes `page` every time. */
    memdescTarget(page: number, i: number): number {
      void i;
      return page;
    }

    setMemdesc(page: number, ptdesc: number): void {
      const w = page * this.PW + this.W_memdesc;
      this.storeAddrOf(w, ptdesc);
      this.m32[w] = (this.m32[w]! | MEMDESC_TYPE_PAGE_TABLE) >>> 0;
    }

    alloc_pages_memdesc(gfp: number, order: number, ptdesc: number): number {
      return this.__alloc_pages_memdesc_noprof(gfp, order, ptdesc);
    }

    /** Patch 7: the ptdesc comes from slab, the pages carry its memdesc. */
    override pagetable_alloc_noprof(gfp: number, order: number): number {
      const ptdesc = this.kmem_cache_alloc(this.ptcache!, gfp);
      if (ptdesc < 0) return -1;
      const page = this.alloc_pages_memdesc(gfp, order, ptdesc);
      if (page < 0) {
        this.kmem_cache_free(this.ptcache!, ptdesc);
        return -1;
      }
      this.mod_node_page_state(this.page_to_nid(page), NR_PAGETABLE, 1 << order);
      this.__SetPageTable(page);
      this.setDebugIndex(page, ptdesc);
      // pt_flags = page->flags | order; pt_page = page.
      const fw = this.ptdescWord(ptdesc, 'pt_flags');
      this.m32[fw] = (this.m32[page * this.PW + this.W_flags]! | order) >>> 0;
      this.m32[fw + 1] = this.m32[page * this.PW + this.W_flags + 1]!;
      this.storeAddrOf(this.ptdescWord(ptdesc, 'pt_page'), page * this.PW);
      return ptdesc;
    }

    /** The RFC's debugging aid: page->__folio_index = (unsigned long)ptdesc. */
    setDebugIndex(page: number, ptdesc: number): void {
      this.storeAddrOf(page * this.PW + this.W_index, ptdesc);
    }

    /** pagetable_free(): the order from pt_flags; the ptdesc itself is not freed (as posted). */
    override pagetableOrder(pt: number): number {
      return this.m32[this.ptdescWord(pt, 'pt_flags')]! & 0xf;
    }

    override ptdesc_nid(pt: number): number {
      // memdesc_nid(pt->pt_flags): the node bits copied from page->flags.
      return (this.m32[this.ptdescWord(pt, 'pt_flags') + 1]! >>> (NODES_PGOFF - 32)) & 0x3ff;
    }

    override pageTableNrPages(page: number): number {
      if (this.memdesc_type(page) !== MEMDESC_TYPE_PAGE_TABLE) return 1;
      const w = page * this.PW + this.W_memdesc;
      const pt = this.wordOfAddr(this.m32[w + 1]!, (this.m32[w]! - MEMDESC_TYPE_PAGE_TABLE) >>> 0);
      return pt < 0 ? 1 : 1 << this.pagetableOrder(pt);
    }

    override ptdesc_nr_pages(pt: number): number {
      return 1 << this.pagetableOrder(pt);
    }

    override ptdesc_page(pt: number): number {
      return this.pfnOfWord(this.derefWord(this.ptdescWord(pt, 'pt_page')));
    }

    /** page_ptdesc(): the memdesc must say "page table"; anything else is a BUG, printed first. */
    override page_ptdesc(page: number): number {
      const w = page * this.PW + this.W_memdesc;
      const lo = this.m32[w]!;
      const hi = this.m32[w + 1]!;
      if ((lo & 15) !== MEMDESC_TYPE_PAGE_TABLE) {
        const iw = page * this.PW + this.W_index;
        const line = `memdesc ${lx(hi, lo)} index ${lx(this.m32[iw + 1]!, this.m32[iw]!)}`;
        // printk(KERN_EMERG ...) just before VM_BUG_ON_PAGE(): it leads the report.
        const reason = `VM_BUG_ON_PAGE(${PAGE_PTDESC_BUG.cond})`;
        this.BUG(PAGE_PTDESC_BUG, page, [line, ...this.dump_page_lines(page, reason)], reason);
      }
      return this.wordOfAddr(hi, (lo - MEMDESC_TYPE_PAGE_TABLE) >>> 0);
    }
  }
  return PtdescMemdescRfc;
};

/** struct page gains `memdesc_t memdesc` right after compound_head (byte 16); struct ptdesc leaves struct page. */
function rfcStructs(decls: ReadonlyMap<string, AggregateType>): ReadonlyMap<string, AggregateType> {
  const out = new Map(decls);
  out.set('page', insertAfter(decls.get('page')!, 'compound_head', field('memdesc', memdesc_t)));
  out.set('ptdesc', struct_ptdesc_rfc);
  return out;
}

export const ptdescMemdescRfc: Variant = {
  name: 'ptdesc-memdesc-rfc',
  description: 'seed 003 patches 1-7 as posted: memdesc_t at byte 16 of struct page, ptdesc from slab, and the posted bugs',
  seed: `${SEED}: [RFC PATCH 5/7]-[7/7] preallocate_vmalloc_pages later; alloc_pages_memdesc; Allocate ptdesc from slab`,
  base: 'ptdesc-frozen',
  structs: rfcStructs,
  // Patch 7 deletes the TABLE_MATCH block and the size assertion with the padding.
  assertions: (list) => list.filter((a) => a.macro !== 'TABLE_MATCH'),
  kernel: (Base) => rfcKernel(Base),
};

// ---- the repaired design ----------------------------------------------------------

/** The RFC's kernel class, whose hooks the repairs override. */
type RfcKernelCtor = ReturnType<typeof rfcKernel<ReturnType<typeof frozenKernel<KernelCtor>>>>;

const repairedKernel = (Base: KernelCtor): KernelCtor => {
  const Rfc = Base as unknown as RfcKernelCtor;
  abstract class PtdescMemdesc extends Rfc {
    /** Repair 1: the memdesc loop writes every page of the allocation (page + i). */
    override memdescTarget(page: number, i: number): number {
      return page + i;
    }

    /** Repair 5: no debug copy of the ptdesc in page->__folio_index (it leaves stale pointers in freed pages). */
    override setDebugIndex(page: number, ptdesc: number): void {
      void page;
      void ptdesc;
    }

    /** Repair 4: pagetable_free() clears the pages' memdesc and frees the ptdesc back to its cache. */
    override pagetable_free(pt: number): void {
      const page = this.ptdesc_page(pt);
      const nr = 1 << this.pagetableOrder(pt);
      // Before the pages reach the free lists, which link through these same bytes.
      for (let i = 0; i < nr; i++) this.setNull((page + i) * this.PW + this.W_memdesc);
      super.pagetable_free(pt);
      this.kmem_cache_free(this.ptcache!, pt);
    }

    /** Repair 2: pte_free_defer() queues the ptdesc's own rcu_head, not page->rcu_head (which is the memdesc's bytes). */
    override pte_free_defer(mm: MmStruct, pgtable: number): void {
      void mm;
      this.call_rcu(this.ptdescWord(this.page_ptdesc(pgtable), 'pt_rcu_head.next'), 'pte_free_now');
    }

    override pte_free_now(head: number): void {
      this.pagetable_dtor_free(head - this.PT['pt_rcu_head.next']!);
    }

    /**
     * Repair 3: x86 CPA allocates the tables it splits into with
     * pte_alloc_one_kernel() and frees collapsed ones with
     * pagetable_dtor_free(), so they have a memdesc (mainline made the
     * same change after 6.18: "x86/mm: Use pagetable_free()").
     */
    override split_large_page(entry: number, level: number, start: number): number {
      const table = this.pte_alloc_one_kernel(this.init_mm);
      if (table < 0) return -12;
      this.__split_large_page(entry, level, start, this.virt_to_pfn(table));
      return 0;
    }

    override __free_page(page: number): void {
      if (this.PageTable(page)) this.pagetable_dtor_free(this.page_ptdesc(page));
      else super.__free_page(page);
    }
  }
  return PtdescMemdesc;
};

export const ptdescMemdesc: Variant = {
  name: 'ptdesc-memdesc',
  description: 'seed 003 design repaired: memdesc on every page, ptdesc rcu_head for pte_free_defer, CPA tables through pagetable_alloc, ptdesc freed',
  seed: `${SEED}: the RFC's design with the review's and the crashes' fixes (see docs/variants.md)`,
  base: 'ptdesc-memdesc-rfc',
  kernel: repairedKernel,
};

