/**
 * mm/memory.c: anonymous page faults, zapping mappings, and freeing page
 * tables (v6.18 paths, 4-level x86_64 paging).
 *
 * Walks go through the real entries in the page-table pages: pgd -> pud ->
 * pmd -> pte (p4d is folded into the pgd, as with 4-level paging). A fault
 * allocates missing tables exactly where the kernel does (__pud_alloc,
 * __pmd_alloc, __pte_alloc with pmd_install), maps the zero page for reads
 * and a new zeroed folio for writes, and keeps the mm's rss counters and
 * page-table bytes. Transparent huge pages are hooks implemented in
 * huge_memory.ts.
 */

import { HZ, PAGE_SIZE } from './config.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_COMP, __GFP_ZERO } from './gfp.js';
import { FaultHot, NR_LRU_BASE, NR_ZONE_LRU_BASE, Rmap, RMAP_EXCLUSIVE } from './rmap.js';
import { EMPTY_ZERO_PAGE_PFN, MmuGather, PGDIR_SIZE, PMD_SIZE, PTRS_PER_TABLE, PUD_SIZE, Pgtable, TASK_SIZE, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_NX_HI, _PAGE_PRESENT, _PAGE_PSE, _PAGE_RW, _PAGE_SPECIAL, _PAGE_TABLE, _PAGE_USER } from './pgtable.js';
import { PG_active, PG_anon_exclusive, PG_head, PG_lru, PG_swapbacked, PG_uptodate, PGTY_hugetlb } from './page-flags.js';
import { NR_ANON_MAPPED } from './vmstat.js';
import { PAGE_OFFSET_HI, VMEMMAP_HI } from './machine.js';
import { AnonVma, ANON_VMA_SIZE, MM_ANONPAGES, VM_SHARED, VM_WRITE, type MmStruct, type VmAreaStruct, type VmOps } from './mm_types.js';
import { formatDumpStack } from '../report/oops.js';
import { PGFAULT } from './vmstat.js';
import { declareSymbols } from './symbols.js';
import type { KmemCache } from './slub.js';
import { hex16 } from './vsprintf.js';
import { is_bad_page_map_ratelimited } from './ratelimit.js';

/** A 64-bit entry as %08llx prints it: at least eight digits, more when the value needs them. */
function hex08(lo: number, hi: number): string {
  return hi === 0 ? (lo >>> 0).toString(16).padStart(8, '0') : (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0');
}

/** sizeof(struct socket_alloc) and the offset of vfs_inode.i_data in it, estimated (see vma_file()). */
const SOCKET_ALLOC_BYTES = 768;
const SOCKET_ALLOC_I_DATA = 128 + 0x160;

declareSymbols('mm/memory.c', [
  'handle_mm_fault', '__handle_mm_fault', 'handle_pte_fault', 'do_pte_missing', 'do_fault', 'do_anonymous_page', 'do_wp_page', 'wp_page_copy', '__pte_alloc', 'pmd_install',
  '__pud_alloc', '__pmd_alloc', 'unmap_vmas', 'unmap_page_range', 'zap_pmd_range', 'zap_pte_range', 'free_pgtables', 'free_pgd_range', 'free_pud_range', 'free_pmd_range',
  'free_pte_range', 'vmf_anon_prepare', 'zap_page_range_single', 'print_bad_page_map',
]);
declareSymbols('mm/memory.c', ['vm_normal_page', 'zap_present_ptes', 'zap_present_folio_ptes', 'print_bad_pte'], true);
declareSymbols('mm/rmap.c', ['anon_vma_prepare']);

// vm_fault_t (include/linux/mm_types.h)
export const VM_FAULT_OOM = 0x000001;
export const VM_FAULT_SIGBUS = 0x000002;
export const VM_FAULT_SIGSEGV = 0x000040;
export const VM_FAULT_NOPAGE = 0x000100;
export const VM_FAULT_FALLBACK = 0x000800;
export const VM_FAULT_NAMES: ReadonlyMap<string, number> = new Map([
  ['VM_FAULT_OOM', VM_FAULT_OOM],
  ['VM_FAULT_SIGBUS', VM_FAULT_SIGBUS],
  ['VM_FAULT_SIGSEGV', VM_FAULT_SIGSEGV],
  ['VM_FAULT_NOPAGE', VM_FAULT_NOPAGE],
  ['VM_FAULT_FALLBACK', VM_FAULT_FALLBACK],
]);

export const FAULT_FLAG_WRITE = 0x1;

/** `ceiling - 1` as unsigned long arithmetic has it: a ceiling of 0 means the top of the address space. */
function ceilingLess1(ceiling: number): number {
  return ceiling === 0 ? Number.MAX_SAFE_INTEGER : ceiling - 1;
}

/** struct vm_fault, for one fault. */
export interface VmFault {
  readonly vma: VmAreaStruct;
  readonly address: number;
  readonly flags: number;
  /** Word of the pud entry, pmd entry and pte entry (-1 while unknown). */
  pud: number;
  pmd: number;
  pte: number;
}

/**
 * The struct vm_fault every __handle_mm_fault() fills in, so that a fault
 * allocates no object: a fault runs to its end before the next starts (one
 * task at a time, one machine at a time in a thread). Kept out of the
 * machine, so checkpoints, restores and explore's state keys never see it.
 */
class VmFaultSlot implements VmFault {
  vma: VmAreaStruct = null as unknown as VmAreaStruct;
  address = 0;
  flags = 0;
  pud = -1;
  pmd = -1;
  pte = -1;
}
const vmfSlot = new VmFaultSlot();

/**
 * The folio faultAnon4k() allocated and hands to the calls, which take it
 * in vma_alloc_zeroed_movable_folio() instead of allocating (-1: none).
 * Like vmfSlot, outside the machine: it is set and taken within one fault.
 */
let handoffFolio = -1;

const VMEMMAP_HI_S = VMEMMAP_HI | 0;

/**
 * The reciprocals of the page-table levels' sizes, written into the code by
 * tsc: faultAnon4k() divides a double address by a power of two several
 * times a fault (zap_pte_range() once a pte), and V8 compiles `x / PAGE_SIZE` (a module binding) as a
 * division (some twenty cycles); `x * Inv.PAGE` is the same double (scaling
 * by a power of two is exact) for a few. Checked against the sizes below.
 */
const enum Inv {
  PAGE = 2 ** -12,
  PMD = 2 ** -21,
  PUD = 2 ** -30,
  PGDIR = 2 ** -39,
}
if (Inv.PAGE * PAGE_SIZE !== 1 || Inv.PMD * PMD_SIZE !== 1 || Inv.PUD * PUD_SIZE !== 1 || Inv.PGDIR * PGDIR_SIZE !== 1) throw new Error('memory.ts: Inv does not match the page-table sizes');

/**
 * The address of the anon_vma faultAnon4k() last stored in a folio's
 * mapping, by machine (its FaultHot) and word: addrS() of a word in a
 * slab page goes through the direct map's arithmetic, and consecutive
 * faults store the same one. A word of page contents keeps its address
 * while its slot keeps its page (a restored checkpoint may give the slot
 * to another page later), so the page and slot are kept to check. Outside
 * the machine, as vmfSlot is.
 */
const anonAddr = { hot: null as FaultHot | null, obj: -1, lo: 0, hi: 0, pfn: -1, slot: 0 };

/**
 * What the fused anonymous write fault (Memory.faultAnon4k()) reads and
 * writes without calling: everything from __handle_mm_fault() to
 * do_anonymous_page() on a present PTE table, the allocation's chain down
 * to the fused per-CPU allocation (which has its own rule, fusedPcp()),
 * and what follows it: the folio made uptodate, anonymous and exclusive,
 * its mapcount, the counters, the LRU add with list_add()'s checks, the
 * pte. Taken only while none of them is overridden by the machine's class.
 */
const FUSED_FAULT_HELPERS = [
  '__handle_mm_fault',
  'pgd_offset',
  'pud_offset',
  'pmd_offset',
  'pte_offset',
  'entryWord',
  'entryPresent',
  'entryNone',
  'entryLeaf',
  'entryPfn',
  'entryTable',
  'pageContentsWord',
  'pud_alloc',
  'pmd_alloc',
  'handle_pte_fault',
  'do_pte_missing',
  'do_anonymous_page',
  'pte_alloc',
  'vmf_anon_prepare',
  'anon_vma_prepare',
  'vma_alloc_zeroed_movable_folio',
  'folio_alloc',
  '__folio_alloc',
  'numa_node_id',
  '__alloc_pages_noprof',
  'page_rmappable_folio',
  '__folio_mark_uptodate',
  'folio_set_flag',
  'folio_flags',
  'folio_test_flag',
  'PageTail',
  'PageHead',
  'flagsLo',
  'flagsHi',
  'add_mm_counter',
  'folio_add_new_anon_rmap',
  '__folio_set_swapbacked',
  '__folio_set_anon',
  'storeAddrOf',
  'addrS',
  'linear_page_index',
  'pageAlign',
  'folio_test_large',
  'atomic_set',
  'SetPageAnonExclusive',
  'PageAnonNotKsm',
  'PageHuge',
  'page_folio',
  'compound_head',
  'folio_test_hugetlb',
  'PageType',
  'page_type',
  'setPageFlag',
  'flagPage',
  'PagePoisoned',
  '__folio_mod_stat',
  'page_to_nid',
  'page_zonenum',
  'folio_test_anon',
  'mod_node_page_state',
  'folio_add_lru_vma',
  'folio_add_lru',
  'lru_add',
  'lruvec_add_folio',
  'folio_lru_list',
  'lruStat',
  'folio_nr_pages',
  'list_add',
  '__list_add',
  'derefWord',
  'page_zone',
  '__mod_zone_page_state',
  'setUserPte',
  'setEntry',
];

/**
 * What zap_pte_range() does itself for a pte of an order-0 anonymous
 * folio mapped once: vm_normal_page(), zap_present_ptes() and
 * zap_present_folio_ptes() with the rmap removal and its counter. Same
 * rule: any override and each pte takes the calls.
 */
const FUSED_ZAP_HELPERS = [
  'pte_offset',
  'entryWord',
  'entryTable',
  'pageContentsWord',
  'entryPresent',
  'vm_normal_page',
  'pte_special',
  'entryPfn',
  'zap_present_ptes',
  'page_folio',
  'compound_head',
  'folio_test_large',
  'folio_test_flag',
  'folio_flags',
  'PageTail',
  'flagsLo',
  'flagsHi',
  'zap_present_folio_ptes',
  'clearEntry',
  'folio_test_anon',
  'mm_counter',
  'folio_remove_rmap_ptes',
  'atomic_add_negative',
  '__folio_mod_stat',
  'page_to_nid',
  'mod_node_page_state',
  'folio_mapcount',
  'atomic_read',
  'add_mm_counter',
];

const FLAG_HEAD = 1 << PG_head;
/** The flags a new anonymous folio gains on its way to the pte: uptodate, swap-backed, exclusive, on the LRU. */
const FLAGS_NEW_ANON = (1 << PG_uptodate) | (1 << PG_swapbacked) | (1 << PG_anon_exclusive) | (1 << PG_lru);

export abstract class Memory extends Rmap {
  protected anon_vma_cachep: KmemCache | null = null;
  /** Whether none of FUSED_FAULT_HELPERS (FUSED_ZAP_HELPERS) is overridden: decided once, the class is fixed at construction. */
  private readonly fusedFault = this.nodeCount === 1 && FUSED_FAULT_HELPERS.every((name) => (this as unknown as Record<string, unknown>)[name] === (Memory.prototype as unknown as Record<string, unknown>)[name]);
  private readonly fusedZap = this.nodeCount === 1 && FUSED_ZAP_HELPERS.every((name) => (this as unknown as Record<string, unknown>)[name] === (Memory.prototype as unknown as Record<string, unknown>)[name]);

  override boot(): void {
    super.boot();
    this.anon_vma_cachep = this.kmem_cache_create('anon_vma', ANON_VMA_SIZE, 8);
  }

  // ---- THP hooks (huge_memory.ts) -----------------------------------------

  /** thp_vma_allowable_order(vma, PMD_ORDER) for a fault at addr. */
  abstract thpFaultAllowed(vma: VmAreaStruct, addr: number): boolean;
  abstract create_huge_pmd(vmf: VmFault): number;
  /** A write to a PMD mapping that is not writable (the huge zero page). */
  abstract wp_huge_pmd(vmf: VmFault): number;
  abstract is_huge_zero_pmd(pmdW: number): boolean;
  abstract zap_huge_pmd(tlb: MmuGather, vma: VmAreaStruct, pmdW: number, addr: number): boolean;
  abstract __split_huge_pmd(vma: VmAreaStruct, pmdW: number, address: number): void;

  // ---- counters -------------------------------------------------------------

  mm_inc_nr_ptes(mm: MmStruct): void {
    mm.pgtables_bytes += PTRS_PER_TABLE * 8;
  }

  mm_dec_nr_ptes(mm: MmStruct): void {
    mm.pgtables_bytes -= PTRS_PER_TABLE * 8;
  }

  mm_inc_nr_pmds(mm: MmStruct): void {
    this.mm_inc_nr_ptes(mm);
  }

  mm_dec_nr_pmds(mm: MmStruct): void {
    this.mm_dec_nr_ptes(mm);
  }

  mm_inc_nr_puds(mm: MmStruct): void {
    this.mm_inc_nr_ptes(mm);
  }

  mm_dec_nr_puds(mm: MmStruct): void {
    this.mm_dec_nr_ptes(mm);
  }

  // ---- walking ----------------------------------------------------------------

  pgd_offset(mm: MmStruct, addr: number): number {
    return this.entryWord(mm.pgd, Pgtable.pgd_index(addr));
  }

  pud_offset(pgd: number, addr: number): number {
    return this.entryWord(this.entryTable(pgd), Pgtable.pud_index(addr));
  }

  pmd_offset(pud: number, addr: number): number {
    return this.entryWord(this.entryTable(pud), Pgtable.pmd_index(addr));
  }

  pte_offset(pmd: number, addr: number): number {
    return this.entryWord(this.entryTable(pmd), Pgtable.pte_index(addr));
  }

  /** The pmd entry covering addr in mm, or -1 when an upper level is missing. */
  walkToPmd(mm: MmStruct, addr: number): number {
    const pgd = this.pgd_offset(mm, addr);
    if (!this.entryPresent(pgd)) return -1;
    const pud = this.pud_offset(pgd, addr);
    if (!this.entryPresent(pud)) return -1;
    return this.pmd_offset(pud, addr);
  }

  /** The pte entry for addr, or -1 when no PTE table maps it. */
  walkToPte(mm: MmStruct, addr: number): number {
    const pmd = this.walkToPmd(mm, addr);
    if (pmd < 0 || !this.entryPresent(pmd) || this.entryLeaf(pmd)) return -1;
    return this.pte_offset(pmd, addr);
  }

  /** p4d_populate / pud_populate / pmd_populate: point an entry at a table page. */
  populate(entry: number, tablePfn: number): void {
    this.setEntry(entry, tablePfn, _PAGE_TABLE, 0);
  }

  /** __pud_alloc(): a PUD table for an empty pgd entry; false when out of memory. */
  __pud_alloc(mm: MmStruct, pgd: number, address: number): boolean {
    const nw = this.pud_alloc_one(mm, address);
    if (nw < 0) return false;
    if (!this.entryPresent(pgd)) {
      this.mm_inc_nr_puds(mm);
      this.populate(pgd, this.virt_to_pfn(nw));
    } else this.pud_free(mm, nw);
    return true;
  }

  pud_alloc(mm: MmStruct, pgd: number, address: number): number {
    if (this.entryNone(pgd) && !this.__pud_alloc(mm, pgd, address)) return -1;
    return this.pud_offset(pgd, address);
  }

  __pmd_alloc(mm: MmStruct, pud: number, address: number): boolean {
    const nw = this.pmd_alloc_one(mm, address);
    if (nw < 0) return false;
    if (!this.entryPresent(pud)) {
      this.mm_inc_nr_pmds(mm);
      this.populate(pud, this.virt_to_pfn(nw));
    } else this.pmd_free(mm, nw);
    return true;
  }

  pmd_alloc(mm: MmStruct, pud: number, address: number): number {
    if (this.entryNone(pud) && !this.__pmd_alloc(mm, pud, address)) return -1;
    return this.pmd_offset(pud, address);
  }

  /** pmd_install(): install a new PTE table unless someone else did; returns the table if it was not used. */
  pmd_install(mm: MmStruct, pmd: number, pte: number): number {
    if (this.entryNone(pmd)) {
      this.mm_inc_nr_ptes(mm);
      this.populate(pmd, pte);
      return -1;
    }
    return pte;
  }

  /** __pte_alloc(): false when out of memory. */
  __pte_alloc(mm: MmStruct, pmd: number): boolean {
    const nw = this.pte_alloc_one(mm);
    if (nw < 0) return false;
    const unused = this.pmd_install(mm, pmd, nw);
    if (unused >= 0) this.pte_free(mm, unused);
    return true;
  }

  pte_alloc(mm: MmStruct, pmd: number): boolean {
    return !this.entryNone(pmd) || this.__pte_alloc(mm, pmd);
  }

  /**
   * __pte_offset_map() (mm/pgtable-generic.c, v6.12): the pte for addr, or
   * -1 when the pmd holds no PTE table: none, or a huge (trans_huge) PMD
   * mapping the whole 2 MiB itself.
   */
  __pte_offset_map(pmd: number, addr: number): number {
    if (this.entryNone(pmd) || (this.entryPresent(pmd) && this.entryLeaf(pmd))) return -1;
    return this.pte_offset(pmd, addr);
  }

  /** pte_offset_map_lock(): __pte_offset_map() under the PTE lock (one task: no lock to take). */
  pte_offset_map_lock(mm: MmStruct, pmd: number, addr: number): number {
    void mm;
    return this.__pte_offset_map(pmd, addr);
  }

  /** pte_alloc_map_lock(): a PTE table for an empty pmd, then its pte; -1 when out of memory or the pmd is huge. */
  pte_alloc_map_lock(mm: MmStruct, pmd: number, addr: number): number {
    if (!this.pte_alloc(mm, pmd)) return -1;
    return this.pte_offset_map_lock(mm, pmd, addr);
  }

  /** The upper levels for addr, allocated as a fault would; the pmd entry word, or -1 when out of memory. */
  pmdForAddress(mm: MmStruct, addr: number): number {
    const pud = this.pud_alloc(mm, this.pgd_offset(mm, addr), addr);
    if (pud < 0) return -1;
    return this.pmd_alloc(mm, pud, addr);
  }

  // ---- faults ------------------------------------------------------------------

  /** handle_mm_fault(): 0 or VM_FAULT_* bits. */
  handle_mm_fault(vma: VmAreaStruct, address: number, flags: number): number {
    this.count_vm_events(PGFAULT, 1);
    // Watchpoints and fuzz coverage wrap every kernel function after construction: do_anonymous_page stands for all.
    if (flags === FAULT_FLAG_WRITE && this.fusedFault && this.do_anonymous_page === BASE_DO_ANONYMOUS_PAGE) {
      const ret = this.faultAnon4k(vma, address);
      if (ret >= 0) return ret;
    }
    return this.__handle_mm_fault(vma, address, flags);
  }

  /**
   * __handle_mm_fault(vma, address, FAULT_FLAG_WRITE) when it is an
   * anonymous write fault on a present PTE table whose pte is none, in a
   * private VMA that has its anon_vma, and the new page comes off the
   * per-CPU list (allocPcp0()): the walk, do_anonymous_page(), the folio
   * made uptodate, anonymous and exclusive (folio_add_new_anon_rmap()),
   * the rss and node counters, folio_add_lru_vma() with list_add()'s
   * checks, and the pte, read and written here without the calls.
   *
   * Why: the 4 KiB fault was some forty calls V8 does not inline
   * (docs/performance.md); this is one function compiled for this case,
   * reading the machine through FaultHot (one shape whatever the variant).
   *
   * Everything before the allocation is checked first; -1 then means the
   * calls must do the fault (nothing is written but the stores
   * allocPcp0() makes before declining, which the calls make again).
   * After the allocation, what the rest needs is checked before anything
   * is written; if something would report or take another branch, the
   * folio goes to the calls (handoffFolio): __handle_mm_fault() walks to
   * the same pte (the allocation wrote nothing the walk reads: the tables
   * are pages with contents, not kernel data, and the folio is none of
   * them) and vma_alloc_zeroed_movable_folio() takes the folio instead of
   * allocating, so a report comes from the kernel's own functions with
   * their stack. The machine ends byte for byte as the calls leave it
   * (test/fused-fault.test.ts).
   */
  private faultAnon4k(vma: VmAreaStruct, address: number): number {
    if (vma.vm_ops !== null || (vma.vm_flags & VM_SHARED) !== 0 || vma.anon_vma === null) return -1;
    // Below TASK_SIZE the table indexes need no modulo (and NaN fails here too).
    if (!(address >= 0 && address < TASK_SIZE)) return -1;
    const h = this.faultHot;
    const m32 = h.m32;
    const mm = vma.mm;
    const pgdTable = mm.pgd;
    if (!(pgdTable >= h.poolWord)) return -1;
    // pud_alloc(), pmd_alloc(): present entries, so nothing to allocate; a present, non-huge pmd.
    const pudTable = h.tableOf(pgdTable + 2 * Math.floor(address * Inv.PGDIR));
    if (pudTable < 0) return -1;
    const pmdTable = h.tableOf(pudTable + 2 * (Math.floor(address * Inv.PUD) & (PTRS_PER_TABLE - 1)));
    if (pmdTable < 0) return -1;
    const pmd = pmdTable + 2 * (Math.floor(address * Inv.PMD) & (PTRS_PER_TABLE - 1));
    if ((m32[pmd]! & _PAGE_PSE) !== 0) return -1;
    const pteTable = h.tableOf(pmd);
    if (pteTable < 0) return -1;
    // handle_pte_fault(): the pte is none, so do_pte_missing() -> do_anonymous_page().
    const pte = pteTable + 2 * (Math.floor(address * Inv.PAGE) & (PTRS_PER_TABLE - 1));
    if (m32[pte] !== 0 || m32[pte + 1] !== 0) return -1;
    // vmf_anon_prepare() finds the anon_vma; vma_alloc_zeroed_movable_folio() -> __alloc_pages_noprof().
    if (!this.fusedPcp()) return -1;
    const folio = this.allocPcp0(GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP, 0);
    if (folio < 0) return -1;
    const i32 = h.i32;
    const w = folio * h.PW;
    const wf = w + h.W_flags;
    const fl = i32[wf]!;
    const node = h.nodeOf(w);
    const zone = h.zoneOf(w);
    // SetPageAnonExclusive(): not poisoned (PF_ANY), the mapping anon and not KSM, not hugetlb (the type
    // word read after _mapcount is set, which it may share).
    const obj = vma.anon_vma.obj;
    if (anonAddr.hot !== h || anonAddr.obj !== obj || (anonAddr.pfn >= 0 && h.slotOf[anonAddr.pfn] !== anonAddr.slot + 1)) {
      const lo = this.addrS(obj);
      const hi = this.addrHiOut;
      anonAddr.lo = lo;
      anonAddr.hi = hi;
      anonAddr.obj = obj;
      anonAddr.hot = h;
      anonAddr.pfn = obj >= h.poolWord ? Math.floor((((hi >>> 0) - PAGE_OFFSET_HI) * 2 ** 32 + (lo >>> 0)) / PAGE_SIZE) : -1;
      anonAddr.slot = Math.floor((obj - h.poolWord) / (PAGE_SIZE / 4));
    }
    const alo = anonAddr.lo;
    const ahi = anonAddr.hi;
    const type = h.W_page_type === h.W_mapcount ? 0 : m32[w + h.W_page_type]!;
    // lruvec_add_folio(): anon (PG_swapbacked is set by now), active or inactive; list_add()'s checks.
    const lru = (fl & (1 << PG_active)) !== 0 ? 1 : 0;
    const head = node === undefined ? -1 : h.lruvecWord[node.node_id]! + lru * 4;
    const nw = w + h.W_lru;
    let next = -1;
    let xlo = 0;
    let xhi = 0;
    let plo = 0;
    if (head >= 0) {
      xlo = i32[head]!;
      xhi = i32[head + 1]!;
      next = h.nodeWord(xlo, xhi);
      plo = (h.kdataLoS + (head - h.kdataWord) * 4) | 0;
    }
    if (
      (fl & FLAG_HEAD) !== 0 ||
      (fl === -1 && m32[wf + 1] === 0xffffffff) ||
      (alo & 2) !== 0 ||
      type >>> 24 === PGTY_hugetlb ||
      zone === undefined ||
      head < h.kdataWord ||
      next < 0 ||
      i32[next + 2] !== plo ||
      i32[next + 3] !== h.kdataHiS ||
      nw === next
    ) {
      const slot = h.slotOf[folio]!;
      const contents = slot > 0 ? h.poolWord + (slot - 1) * (PAGE_SIZE / 4) : -1;
      if (contents === pgdTable || contents === pudTable || contents === pmdTable || contents === pteTable) {
        // The new page's contents were one of the tables the walk read (a page table on the free list):
        // the walk would not find this pte again. The rest by calls from here.
        this.__folio_mark_uptodate(folio);
        this.add_mm_counter(mm, MM_ANONPAGES, 1);
        this.folio_add_new_anon_rmap(folio, vma, this.pageAlign(address), RMAP_EXCLUSIVE);
        this.folio_add_lru_vma(folio, vma);
        this.setUserPte(pte, folio, vma, true);
        return 0;
      }
      handoffFolio = folio;
      const ret = this.__handle_mm_fault(vma, address, FAULT_FLAG_WRITE);
      handoffFolio = -1;
      return ret;
    }
    // From here on, what the calls write, in their order.
    mm.rss_stat[MM_ANONPAGES] = mm.rss_stat[MM_ANONPAGES]! + 1;
    // __folio_set_anon(): the anon_vma with FOLIO_MAPPING_ANON, the index.
    const wm = w + h.W_mapping;
    i32[wm] = alo | 1;
    i32[wm + 1] = ahi;
    const index = Math.floor((Math.floor(address * Inv.PAGE) * PAGE_SIZE - vma.vm_start) * Inv.PAGE) + vma.vm_pgoff;
    const wi = w + h.W_index;
    m32[wi] = index >>> 0;
    m32[wi + 1] = Math.floor(index / 2 ** 32);
    i32[w + h.W_mapcount] = 0;
    // PG_uptodate, PG_swapbacked, PG_anon_exclusive, PG_lru (one word: nothing reads it in between).
    i32[wf] = fl | FLAGS_NEW_ANON;
    const ns = node!.vm_stat;
    ns[NR_ANON_MAPPED] = ns[NR_ANON_MAPPED]! + 1;
    ns[NR_LRU_BASE + lru] = ns[NR_LRU_BASE + lru]! + 1;
    zone.vm_stat[NR_ZONE_LRU_BASE + lru] = zone.vm_stat[NR_ZONE_LRU_BASE + lru]! + 1;
    // list_add(&folio->lru, the lruvec list).
    const nlo = (nw * 4) | 0;
    i32[next + 2] = nlo;
    i32[next + 3] = VMEMMAP_HI_S;
    i32[nw] = xlo;
    i32[nw + 1] = xhi;
    i32[nw + 2] = plo;
    i32[nw + 3] = h.kdataHiS;
    i32[head] = nlo;
    i32[head + 1] = VMEMMAP_HI_S;
    // setUserPte(): present, user, accessed, NX; writable and dirty when the VMA allows writes.
    const lo = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | (vma.vm_flags & VM_WRITE ? _PAGE_RW | _PAGE_DIRTY : 0);
    m32[pte] = (((folio & 0xfffff) << 12) | lo) >>> 0;
    m32[pte + 1] = ((folio >>> 20) | _PAGE_NX_HI) >>> 0;
    return 0;
  }

  __handle_mm_fault(vma: VmAreaStruct, address: number, flags: number): number {
    const mm = vma.mm;
    const vmf = vmfSlot;
    vmf.vma = vma;
    vmf.address = address;
    vmf.flags = flags;
    vmf.pud = -1;
    vmf.pmd = -1;
    vmf.pte = -1;
    vmf.pud = this.pud_alloc(mm, this.pgd_offset(mm, address), address);
    if (vmf.pud < 0) return VM_FAULT_OOM;
    vmf.pmd = this.pmd_alloc(mm, vmf.pud, address);
    if (vmf.pmd < 0) return VM_FAULT_OOM;
    if (this.entryNone(vmf.pmd) && this.thpFaultAllowed(vma, address)) {
      const ret = this.create_huge_pmd(vmf);
      if (!(ret & VM_FAULT_FALLBACK)) return ret;
    } else if (this.entryPresent(vmf.pmd) && this.entryLeaf(vmf.pmd)) {
      if (flags & FAULT_FLAG_WRITE && !this.pmd_write(vmf.pmd)) {
        const ret = this.wp_huge_pmd(vmf);
        if (!(ret & VM_FAULT_FALLBACK)) return ret;
      } else {
        this.huge_pmd_set_accessed(vmf);
        return 0;
      }
    }
    return this.handle_pte_fault(vmf);
  }

  handle_pte_fault(vmf: VmFault): number {
    if (this.entryNone(vmf.pmd)) return this.do_pte_missing(vmf);
    vmf.pte = this.pte_offset(vmf.pmd, vmf.address);
    if (this.entryNone(vmf.pte)) return this.do_pte_missing(vmf);
    const write = (vmf.flags & FAULT_FLAG_WRITE) !== 0;
    if (write && !this.pte_write(vmf.pte)) return this.do_wp_page(vmf);
    this.ptep_set_access_flags(vmf.pte, write);
    return 0;
  }

  pte_write(pte: number): boolean {
    return (this.m32[pte]! & _PAGE_RW) !== 0;
  }

  pmd_write(pmd: number): boolean {
    return (this.m32[pmd]! & _PAGE_RW) !== 0;
  }

  pte_special(pte: number): boolean {
    return (this.m32[pte]! & _PAGE_SPECIAL) !== 0;
  }

  /** huge_pmd_set_accessed(): a fault on a present huge PMD marks it young. */
  huge_pmd_set_accessed(vmf: VmFault): void {
    this.m32[vmf.pmd] = (this.m32[vmf.pmd]! | _PAGE_ACCESSED) >>> 0;
  }

  /** ptep_set_access_flags(): a fault on a present pte marks it young, and dirty for a write. */
  ptep_set_access_flags(pte: number, dirty: boolean): void {
    this.m32[pte] = (this.m32[pte]! | (dirty ? _PAGE_DIRTY | _PAGE_ACCESSED : _PAGE_ACCESSED)) >>> 0;
  }

  do_pte_missing(vmf: VmFault): number {
    if (vmf.vma.vm_ops === null) return this.do_anonymous_page(vmf);
    return this.do_fault(vmf);
  }

  /**
   * do_fault(): a file or driver VMA. Every vm_ops pagesim has (a TCP
   * socket's, a driver's that hands out pages with vm_insert_pages()) lacks
   * ->fault, so a missing pte is SIGBUS: "the VMA was not fully populated on
   * mmap()" (mm/memory.c, v6.18).
   */
  do_fault(vmf: VmFault): number {
    if (this.entryNone(vmf.pmd)) return VM_FAULT_SIGBUS;
    vmf.pte = this.pte_offset(vmf.pmd, vmf.address);
    return this.entryNone(vmf.pte) ? VM_FAULT_SIGBUS : VM_FAULT_NOPAGE;
  }

  /** The pte of a user page: present, user, accessed, NX; writable and dirty when the VMA allows writes. */
  private setUserPte(pte: number, pfn: number, vma: VmAreaStruct, writable: boolean): void {
    let lo = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
    if (writable && vma.vm_flags & VM_WRITE) lo |= _PAGE_RW | _PAGE_DIRTY;
    this.setEntry(pte, pfn, lo, _PAGE_NX_HI);
  }

  /** anon_vma_prepare(): the VMA's anon_vma, allocated on its first anonymous fault. */
  anon_vma_prepare(vma: VmAreaStruct): boolean {
    if (vma.anon_vma !== null) return true;
    const obj = this.kmem_cache_alloc(this.anon_vma_cachep!, GFP_KERNEL);
    if (obj < 0) return false;
    vma.anon_vma = new AnonVma(obj);
    return true;
  }

  vmf_anon_prepare(vmf: VmFault): number {
    return this.anon_vma_prepare(vmf.vma) ? 0 : VM_FAULT_OOM;
  }

  /** vma_alloc_zeroed_movable_folio(): an order-0 folio for a user page. */
  vma_alloc_zeroed_movable_folio(vma: VmAreaStruct, addr: number): number {
    void vma;
    void addr;
    if (handoffFolio >= 0) {
      // The folio faultAnon4k() allocated for this fault, handed to the calls.
      const folio = handoffFolio;
      handoffFolio = -1;
      return folio;
    }
    return this.folio_alloc(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
  }

  /** do_anonymous_page(): the zero page for a read, a new folio for a write. */
  do_anonymous_page(vmf: VmFault): number {
    const vma = vmf.vma;
    const mm = vma.mm;
    if (vma.vm_flags & VM_SHARED) return VM_FAULT_SIGBUS;
    if (!this.pte_alloc(mm, vmf.pmd)) return VM_FAULT_OOM;
    vmf.pte = this.pte_offset(vmf.pmd, vmf.address);
    if (!(vmf.flags & FAULT_FLAG_WRITE)) {
      this.setEntry(vmf.pte, EMPTY_ZERO_PAGE_PFN, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_SPECIAL, _PAGE_NX_HI);
      return 0;
    }
    const ret = this.vmf_anon_prepare(vmf);
    if (ret) return ret;
    const folio = this.vma_alloc_zeroed_movable_folio(vma, vmf.address);
    if (folio < 0) return VM_FAULT_OOM;
    this.__folio_mark_uptodate(folio);
    this.add_mm_counter(mm, MM_ANONPAGES, 1);
    this.folio_add_new_anon_rmap(folio, vma, this.pageAlign(vmf.address), RMAP_EXCLUSIVE);
    this.folio_add_lru_vma(folio, vma);
    this.setUserPte(vmf.pte, folio, vma, true);
    return 0;
  }

  pageAlign(addr: number): number {
    // The same for addr >= 0 without a double's % (a runtime call in V8).
    return addr >= 0 ? Math.floor(addr / PAGE_SIZE) * PAGE_SIZE : addr - (addr % PAGE_SIZE);
  }

  /** do_wp_page(): a write to a read-only pte; in anonymous private memory only the zero page is read-only. */
  do_wp_page(vmf: VmFault): number {
    const ret = this.vmf_anon_prepare(vmf);
    if (ret) return ret;
    return this.wp_page_copy(vmf);
  }

  /** wp_page_copy(): replace the zero page with a new zeroed folio. */
  wp_page_copy(vmf: VmFault): number {
    const vma = vmf.vma;
    const folio = this.vma_alloc_zeroed_movable_folio(vma, vmf.address);
    if (folio < 0) return VM_FAULT_OOM;
    this.__folio_mark_uptodate(folio);
    this.add_mm_counter(vma.mm, MM_ANONPAGES, 1);
    this.clearEntry(vmf.pte);
    this.folio_add_new_anon_rmap(folio, vma, this.pageAlign(vmf.address), RMAP_EXCLUSIVE);
    this.folio_add_lru_vma(folio, vma);
    this.setUserPte(vmf.pte, folio, vma, true);
    return 0;
  }

  // ---- unmapping ----------------------------------------------------------------

  /** unmap_vmas(): zap [start, end) of each VMA. */
  unmap_vmas(tlb: MmuGather, vmas: readonly VmAreaStruct[], start: number, end: number): void {
    for (const vma of vmas) {
      const s = Math.max(start, vma.vm_start);
      const e = Math.min(end, vma.vm_end);
      if (s < e) this.unmap_page_range(tlb, vma, s, e);
    }
  }

  unmap_page_range(tlb: MmuGather, vma: VmAreaStruct, addr: number, end: number): void {
    const mm = vma.mm;
    while (addr < end) {
      const next = Math.min(end, (Math.floor(addr / PUD_SIZE) + 1) * PUD_SIZE);
      const pgd = this.pgd_offset(mm, addr);
      if (this.entryPresent(pgd)) {
        const pud = this.pud_offset(pgd, addr);
        if (this.entryPresent(pud)) this.zap_pmd_range(tlb, vma, pud, addr, next);
      }
      addr = next;
    }
  }

  zap_pmd_range(tlb: MmuGather, vma: VmAreaStruct, pud: number, addr: number, end: number): void {
    while (addr < end) {
      const next = Math.min(end, (Math.floor(addr / PMD_SIZE) + 1) * PMD_SIZE);
      const pmd = this.pmd_offset(pud, addr);
      if (this.entryPresent(pmd) && this.entryLeaf(pmd)) {
        if (next - addr !== PMD_SIZE) this.__split_huge_pmd(vma, pmd, addr);
        else if (this.zap_huge_pmd(tlb, vma, pmd, addr)) {
          addr = next;
          continue;
        }
      }
      if (this.entryPresent(pmd)) this.zap_pte_range(tlb, vma, pmd, addr, next);
      addr = next;
    }
  }

  /** vm_normal_page(): the page a pte maps, or -1 for a special mapping (the zero page). */
  vm_normal_page(vma: VmAreaStruct, addr: number, pte: number): number {
    void vma;
    void addr;
    return this.pte_special(pte) ? -1 : this.entryPfn(pte);
  }

  /** zap_pte_range(): clear each pte; a folio's rmap goes now, its reference after the TLB flush. */
  zap_pte_range(tlb: MmuGather, vma: VmAreaStruct, pmd: number, addr: number, end: number): void {
    const rss = [0, 0, 0, 0];
    // Watchpoints and fuzz coverage wrap every kernel function after construction: zap_present_ptes stands for all.
    const fused = this.fusedZap && this.zap_present_ptes === BASE_ZAP_PRESENT_PTES;
    const h = this.faultHot;
    const m32 = h.m32;
    const i32 = h.i32;
    // The address as a number from here: the loop's address was otherwise kept as a tagged value (the
    // parameter's type is unknown to V8), a heap number allocated for every pte past 2^31.
    addr = +addr;
    while (addr < end) {
      // pte_offset(), read inline when the table has contents outside kernel data (FaultHot.tableOf()).
      const table = fused && addr >= 0 ? h.tableOf(pmd) : -1;
      const pte = table >= 0 ? table + 2 * (Math.floor(addr * Inv.PAGE) & (PTRS_PER_TABLE - 1)) : this.pte_offset(pmd, addr);
      const lo = m32[pte]!;
      if (fused ? (lo & _PAGE_PRESENT) === 0 : !this.entryPresent(pte)) {
        addr += PAGE_SIZE;
        continue;
      }
      if (fused && (lo & _PAGE_SPECIAL) === 0) {
        // An order-0 anonymous folio mapped once: vm_normal_page(), zap_present_ptes() (not large: one pte),
        // zap_present_folio_ptes() with folio_remove_rmap_ptes() taking _mapcount to -1, without the calls.
        const pfn = (m32[pte + 1]! & 0xfffff) * 2 ** 20 + (lo >>> 12);
        if (pfn < h.nr_pages) {
          // An int32 from here (the pfn is below nr_pages): computed from two words it is a double, which made
          // the struct page's word indexes doubles and boxed the pfn passed to tlb_remove_folio_pages().
          const page = pfn | 0;
          const w = page * h.PW;
          const node = h.nodeOf(w);
          if ((i32[w + h.W_compound_head]! & 1) === 0 && (i32[w + h.W_flags]! & FLAG_HEAD) === 0 && (i32[w + h.W_mapping]! & 1) !== 0 && i32[w + h.W_mapcount] === 0 && node !== undefined) {
            m32[pte] = 0;
            m32[pte + 1] = 0;
            rss[MM_ANONPAGES]! -= 1;
            i32[w + h.W_mapcount] = -1;
            node.vm_stat[NR_ANON_MAPPED] = node.vm_stat[NR_ANON_MAPPED]! - 1;
            this.tlb_remove_folio_pages(tlb, page, 1);
            addr += PAGE_SIZE;
            continue;
          }
        }
      }
      const page = this.vm_normal_page(vma, addr, pte);
      if (page < 0) {
        this.clearEntry(pte);
        addr += PAGE_SIZE;
        continue;
      }
      addr += this.zap_present_ptes(tlb, vma, pmd, pte, page, addr, end, rss) * PAGE_SIZE;
    }
    for (let i = 0; i < rss.length; i++) if (rss[i]) this.add_mm_counter(vma.mm, i, rss[i]!);
  }

  /** zap_present_ptes(): one pte, or a batch of ptes mapping consecutive pages of one large folio (folio_pte_batch). */
  zap_present_ptes(tlb: MmuGather, vma: VmAreaStruct, pmd: number, pte: number, page: number, addr: number, end: number, rss: number[]): number {
    const folio = this.page_folio(page);
    let nr = 1;
    if (this.folio_test_large(folio)) {
      while (addr + nr * PAGE_SIZE < end) {
        const p2 = this.pte_offset(pmd, addr + nr * PAGE_SIZE);
        if (!this.entryPresent(p2) || this.pte_special(p2) || this.entryPfn(p2) !== page + nr || this.page_folio(page + nr) !== folio) break;
        nr++;
      }
    }
    this.zap_present_folio_ptes(tlb, vma, folio, page, pte, nr, addr, rss);
    return nr;
  }

  zap_present_folio_ptes(tlb: MmuGather, vma: VmAreaStruct, folio: number, page: number, pte: number, nr: number, addr: number, rss: number[]): void {
    const ptentLo = this.m32[pte]!;
    const ptentHi = this.m32[pte + 1]!;
    // get_and_clear_full_ptes(): a batch's entries are consecutive in one PTE table (zap_pte_range stops at the PMD's end).
    for (let i = 0; i < nr; i++) this.clearEntry(pte + 2 * i);
    rss[this.folio_test_anon(folio) ? MM_ANONPAGES : this.mm_counter(folio)]! -= nr;
    this.folio_remove_rmap_ptes(folio, page, nr, vma);
    if (this.folio_mapcount(folio) < 0) this.print_bad_pte(vma, addr, ptentHi, ptentLo, page);
    this.tlb_remove_folio_pages(tlb, page, nr);
  }

  /** The f_mapping addresses of the files of file VMAs, by vm_ops: carved on first use (one socket, one device per machine). */
  private readonly fileMappings = new Map<VmOps, bigint>();

  /**
   * vma->vm_file as print_bad_page_map() reads it: the dentry name %pD
   * prints, f_op->mmap as %ps prints it, and f_mapping (the inode's own
   * i_data: sockfs and character-device inodes have no page cache of their
   * own, and their a_ops are empty_aops, so read_folio is NULL). A TCP
   * socket's file is named after its protocol (sock_alloc_file() passes
   * sk_prot_creator->name, "TCP") with socket_file_ops.mmap = sock_mmap
   * (net/socket.c); pagesim's stand-in driver file is "pagesim_dev". The
   * inode lives in kernel data pagesim carves for it when a report first
   * needs its address; the offset of i_data in struct socket_alloc is an
   * estimate (a socket is 128 bytes, i_data 0x160 into struct inode), so
   * only the address's region, not its low bits, is the kernel's.
   */
  vma_file(vma: VmAreaStruct): { name: string; mmap: string; mapping: bigint } | null {
    if (vma.vm_ops === null) return null;
    let mapping = this.fileMappings.get(vma.vm_ops);
    if (mapping === undefined) {
      const w = this.kdataAlloc(SOCKET_ALLOC_BYTES);
      mapping = this.kaddr(w) + BigInt(SOCKET_ALLOC_I_DATA);
      this.fileMappings.set(vma.vm_ops, mapping);
    }
    return vma.vm_ops === 'tcp' ? { name: 'TCP', mmap: 'sock_mmap', mapping } : { name: 'pagesim_dev', mmap: 'pagesim_dev_mmap', mapping };
  }

  /**
   * print_bad_pte() / print_bad_page_map() (mm/memory.c, linux-mm 7.3-rc5):
   * unless is_bad_page_map_ratelimited() drops it (60 a minute, then "BUG:
   * Bad page map: N messages suppressed": ratelimit.ts), "BUG: Bad page
   * map", the upper entries, the page's dump, the VMA and its file, a stack
   * dump; taints B. A dropped report is recorded, marked suppressed, and
   * taints nothing. The caller carries on.
   */
  print_bad_pte(vma: VmAreaStruct, addr: number, hi: number, lo: number, page: number): void {
    const limit = is_bad_page_map_ratelimited(this.bad_page_map_ratelimit, this.jiffies, HZ);
    const mm = vma.mm;
    const head = `BUG: Bad page map in process ${this.current.comm}  pte:${hex08(lo, hi)}`;
    const lines = [head, this.__print_bad_page_map_pgtable(mm, addr)];
    if (limit.line !== null) lines.unshift(limit.line);
    if (page >= 0) lines.push(...this.dump_page_lines(page, 'bad page map'));
    const index = Math.floor((addr - vma.vm_start) / PAGE_SIZE) + vma.vm_pgoff;
    const anonVma = vma.anon_vma === null ? '0000000000000000' : hex16(this.kaddr(vma.anon_vma.obj));
    const file = this.vma_file(vma);
    const mapping = file === null ? '0000000000000000' : hex16(file.mapping);
    lines.push(`addr:${hex16(BigInt(addr))} vm_flags:${vma.vm_flags.toString(16).padStart(8, '0')} anon_vma:${anonVma} mapping:${mapping} index:${index.toString(16)}`);
    // Neither tcp_vm_ops nor the stand-in driver's vm_ops has ->fault; no file here has ->mmap_prepare.
    lines.push(`file:${file === null ? '(null)' : file.name} fault:0x0 mmap:${file === null ? '0x0' : file.mmap} mmap_prepare: 0x0 read_folio:0x0`);
    lines.push(...formatDumpStack(this.current, this.taints, this.dumpStackFrames('print_bad_page_map'), this.kernelBuild()));
    if (limit.limited) {
      this.report('bad_page', 'print_bad_page_map', 'bad page map', head, page >= 0 ? page : null, lines, true);
      return;
    }
    this.printk(lines);
    this.taints.add('B');
    this.report('bad_page', 'print_bad_page_map', 'bad page map', head, page >= 0 ? page : null, lines);
  }

  /**
   * __print_bad_page_map_pgtable() (mm/memory.c, linux-mm 7.3-rc5): the
   * entries above the bad one, each %08llx, down to the pmd; the walk ends
   * at the first level that is not present or maps a large page. With
   * 4-level paging the p4d is the pgd entry and pgd_present() is always true.
   */
  __print_bad_page_map_pgtable(mm: MmStruct, addr: number): string {
    const w = (e: number): string => hex08(this.m32[e]!, this.m32[e + 1]!);
    const pgd = this.pgd_offset(mm, addr);
    const upper = `pgd:${w(pgd)} p4d:${w(pgd)}`;
    if (!this.entryPresent(pgd)) return upper; // x86 has no 512 GiB pages: p4d_leaf() is false
    const pud = this.pud_offset(pgd, addr);
    if (!this.entryPresent(pud) || this.entryLeaf(pud)) return `${upper} pud:${w(pud)}`;
    return `${upper} pud:${w(pud)} pmd:${w(this.pmd_offset(pud, addr))}`;
  }

  /** zap_page_range_single(): zap [address, address + size) of one VMA (MADV_DONTNEED, TCP zero-copy). */
  zap_page_range_single(vma: VmAreaStruct, address: number, size: number): void {
    const tlb = this.tlb_gather_mmu(vma.mm);
    const end = Math.min(vma.vm_end, address + size);
    if (address < end) this.unmap_page_range(tlb, vma, address, end);
    this.tlb_finish_mmu(tlb);
  }

  // ---- freeing page tables ---------------------------------------------------------

  /**
   * free_pgtables(): after the VMAs are unmapped, free the page tables that
   * only they used, bounded by floor (the end of the previous VMA) and
   * ceiling (the start of the next one).
   */
  free_pgtables(tlb: MmuGather, vmas: readonly VmAreaStruct[], floor: number, ceiling: number): void {
    for (let i = 0; i < vmas.length; i++) {
      const vma = vmas[i]!;
      const next = vmas[i + 1];
      this.free_pgd_range(tlb, vma.vm_start, vma.vm_end, floor, next !== undefined ? next.vm_start : ceiling);
    }
  }

  free_pgd_range(tlb: MmuGather, addr: number, end: number, floor: number, ceiling: number): void {
    addr = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
    if (addr < floor) addr += PMD_SIZE;
    if (ceiling) {
      ceiling = Math.floor(ceiling / PMD_SIZE) * PMD_SIZE;
      if (!ceiling) return;
    }
    if (end - 1 > ceilingLess1(ceiling)) end -= PMD_SIZE;
    if (addr > end - 1) return;
    const mm = tlb.mm;
    while (addr !== end) {
      const next = Math.min(end, (Math.floor(addr / PGDIR_SIZE) + 1) * PGDIR_SIZE);
      const pgd = this.pgd_offset(mm, addr);
      if (this.entryPresent(pgd)) this.free_pud_range(tlb, pgd, addr, next, floor, ceiling);
      addr = next;
    }
  }

  /** free_pud_range() (with the folded p4d level's bounds check, which uses PGDIR_MASK). */
  free_pud_range(tlb: MmuGather, pgd: number, addr: number, end: number, floor: number, ceiling: number): void {
    let start = addr;
    while (addr !== end) {
      const next = Math.min(end, (Math.floor(addr / PUD_SIZE) + 1) * PUD_SIZE);
      const pud = this.pud_offset(pgd, addr);
      if (this.entryPresent(pud)) this.free_pmd_range(tlb, pud, addr, next, floor, ceiling);
      addr = next;
    }
    start = Math.floor(start / PGDIR_SIZE) * PGDIR_SIZE;
    if (start < floor) return;
    if (ceiling) {
      ceiling = Math.floor(ceiling / PGDIR_SIZE) * PGDIR_SIZE;
      if (!ceiling) return;
    }
    if (end - 1 > ceilingLess1(ceiling)) return;
    const pudTable = this.entryTable(pgd);
    this.clearEntry(pgd);
    this.___pud_free_tlb(tlb, pudTable);
    this.mm_dec_nr_puds(tlb.mm);
  }

  free_pmd_range(tlb: MmuGather, pud: number, addr: number, end: number, floor: number, ceiling: number): void {
    let start = addr;
    while (addr !== end) {
      const next = Math.min(end, (Math.floor(addr / PMD_SIZE) + 1) * PMD_SIZE);
      const pmd = this.pmd_offset(pud, addr);
      if (this.entryPresent(pmd) && !this.entryLeaf(pmd)) this.free_pte_range(tlb, pmd, addr);
      addr = next;
    }
    start = Math.floor(start / PUD_SIZE) * PUD_SIZE;
    if (start < floor) return;
    if (ceiling) {
      ceiling = Math.floor(ceiling / PUD_SIZE) * PUD_SIZE;
      if (!ceiling) return;
    }
    if (end - 1 > ceilingLess1(ceiling)) return;
    const pmdTable = this.entryTable(pud);
    this.clearEntry(pud);
    this.___pmd_free_tlb(tlb, pmdTable);
    this.mm_dec_nr_pmds(tlb.mm);
  }

  free_pte_range(tlb: MmuGather, pmd: number, addr: number): void {
    void addr;
    const token = this.entryPfn(pmd);
    this.clearEntry(pmd);
    this.___pte_free_tlb(tlb, token);
    this.mm_dec_nr_ptes(tlb.mm);
  }
}

const BASE_DO_ANONYMOUS_PAGE = Memory.prototype.do_anonymous_page;
const BASE_ZAP_PRESENT_PTES = Memory.prototype.zap_present_ptes;
