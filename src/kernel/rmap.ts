/**
 * Reverse mapping and LRU lists of anonymous folios (mm/rmap.c, mm/swap.c,
 * include/linux/mm_inline.h, include/linux/rmap.h; linux-mm 7.3.0-rc5 tree, with
 * CONFIG_PAGE_MAPCOUNT and CONFIG_MM_ID as distributions build them).
 *
 * Mapcounts live where the kernel keeps them: page->_mapcount of each page,
 * and for large folios _large_mapcount, _entire_mapcount, _nr_pages_mapped
 * and _mm_id/_mm_id_mapcount in the folio's second page. The LRU is the
 * classic two-list one (MGLRU off at run time): a folio on it has PG_lru and
 * its `lru` linked into its node's list, whose heads are kernel data.
 *
 * Not modelled: the per-CPU LRU batches (folios go straight onto the list),
 * the deferred-split queue of partially mapped folios, memcg.
 */

import { MAX_NR_ZONES, NODES_PGOFF, NODES_WIDTH, PAGE_SIZE, POISON_HI, ZONES_PGOFF, ZONES_WIDTH } from './config.js';
import { Cpa } from './cpa.js';
import { VMEMMAP_HI } from './machine.js';
import type { PgData, Zone } from './mmzone.js';
import { PG_active, PG_head, PG_lru, PG_swapbacked, PG_unevictable, PG_uptodate } from './page-flags.js';
import { nodeStat, NR_ANON_MAPPED, NR_ANON_THPS, NR_FILE_MAPPED, NR_ZONE_INACTIVE_ANON } from './vmstat.js';
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES } from './mm_types.js';
import { HotWords } from './hot-words.js';
import { declareSymbols } from './symbols.js';
import type { MmStruct, VmAreaStruct } from './mm_types.js';

declareSymbols('mm/rmap.c', ['folio_add_new_anon_rmap', 'folio_add_anon_rmap_ptes', '__folio_add_anon_rmap', 'folio_remove_rmap_ptes', 'folio_remove_rmap_pmd', '__folio_remove_rmap', 'anon_vma_prepare', '__anon_vma_prepare']);
declareSymbols('include/linux/rmap.h', ['folio_remove_rmap_pte', 'folio_set_large_mapcount', 'folio_add_large_mapcount', 'folio_sub_large_mapcount'], true);
declareSymbols('mm/swap.c', ['folio_add_lru', 'folio_add_lru_vma', 'lru_add', '__page_cache_release', 'page_cache_release']);
declareSymbols('include/linux/mm_inline.h', ['lruvec_add_folio', 'lruvec_del_folio', 'folio_lru_list'], true);

/** rmap_t flags */
export const RMAP_NONE = 0;
export const RMAP_EXCLUSIVE = 1;

/** ENTIRELY_MAPPED: added to _nr_pages_mapped while the folio is PMD-mapped. */
export const ENTIRELY_MAPPED = 0x800000;
const FOLIO_PAGES_MAPPED = ENTIRELY_MAPPED - 1;

/** enum lru_list */
export const LRU_INACTIVE_ANON = 0;
export const LRU_ACTIVE = 1;
export const LRU_FILE = 2;
export const NR_LRU_LISTS = 5;
export const NR_LRU_BASE = nodeStat('nr_inactive_anon');
export const NR_ZONE_LRU_BASE = NR_ZONE_INACTIVE_ANON;

/** mm_id_t is 32 bits: 31 for the id (MM_ID_BITS), the top one for the lock (slot 0) or "maybe mapped shared" (slot 1). */
const MM_ID_MASK = 0x7fffffff;
const MM_ID_DUMMY = 0;
const FOLIO_MM_IDS_SHARED = 0x80000000;

const VMEMMAP_HI_S = VMEMMAP_HI | 0;
const POISON_HI_S = POISON_HI | 0;

/**
 * What the fused put of a gathered page (Rmap.putGatheredFused(), called
 * by tlb_batch_pages_flush()) does without calling, besides the per-CPU
 * free it hands over to (allocPcp0/freePcp0's own rule, fusedPcp()):
 * folio_put_refs() of an order-0 folio's last reference, __folio_put(),
 * __page_cache_release() and the LRU removal. The path is taken only while
 * none of them is overridden by the machine's class.
 */
const FUSED_FLUSH_HELPERS = [
  'tlb_batch_pages_flush',
  'folio_put_refs',
  'folio_ref_sub_and_test',
  'page_ref_sub_and_test',
  'atomic_sub_and_test',
  'refcountWord',
  'page_folio',
  'compound_head',
  '__folio_put',
  'page_cache_release',
  '__page_cache_release',
  'folio_test_flag',
  'folio_clear_flag',
  'folio_flags',
  'PageTail',
  'PageHead',
  'flagsLo',
  'flagsHi',
  'lruvec_del_folio',
  'folio_lru_list',
  'lruStat',
  'list_del',
  '__list_del_entry',
  'derefWord',
  'mod_node_page_state',
  '__mod_zone_page_state',
  'page_zone',
  'page_to_nid',
  'page_zonenum',
  'folio_nr_pages',
  'folio_test_large',
  'folio_order',
  'free_frozen_pages',
  '__free_frozen_pages',
];

/**
 * The machine as the fused anonymous fault, zap and put paths (memory.ts
 * faultAnon4k() and zap_pte_range(), Rmap.putGatheredFused()) read it: one
 * object of this one class on every machine, whatever the variant stack,
 * so those paths see one shape (PcpHot in page_alloc.ts does the same for
 * the per-CPU pair). Fields are the machine's own arrays and offsets,
 * fixed at construction.
 */
export class FaultHot extends HotWords {
  readonly W_index: number;
  readonly kdataPfn: number;
  readonly poolWord: number;
  readonly slotOf: Int32Array;

  constructor(
    k: Rmap,
    /** Each node's lruvec lists (kernel data), word of lists[0] (Rmap's own array, filled at boot). */
    readonly lruvecWord: readonly number[],
  ) {
    super(k);
    this.W_index = k.W_index;
    this.kdataPfn = k.kdataPfn;
    this.poolWord = k.poolWord;
    this.slotOf = k.slotOf;
  }

  /**
   * The contents word of the table a present page-table entry (at word e)
   * points at, as entryTable() finds it, when that is a page with contents
   * already (so pageContentsWord() assigns nothing) outside kernel data;
   * -1 for anything else (an entry not present, a pfn past the memmap, a
   * table without contents or in kernel data: the calls take those).
   */
  tableOf(e: number): number {
    const lo = this.m32[e]!;
    if ((lo & 1) === 0) return -1;
    const pfn = (this.m32[e + 1]! & 0xfffff) * 2 ** 20 + (lo >>> 12);
    if (pfn >= this.nr_pages) return -1;
    const k = pfn - this.kdataPfn;
    if (k >= 0 && k < this.kdataBytes / PAGE_SIZE) return -1;
    const slot = this.slotOf[pfn]!;
    return slot > 0 ? this.poolWord + (slot - 1) * (PAGE_SIZE / 4) : -1;
  }

  /** The node of the struct page at word w (page_to_nid()), or undefined when there is none. */
  nodeOf(w: number): PgData | undefined {
    return this.nodes[(this.m32[w + this.W_flags + 1]! >>> (NODES_PGOFF - 32)) & ((1 << NODES_WIDTH) - 1)];
  }

  /** The zone of the struct page at word w (page_zone()), or undefined when there is none. */
  zoneOf(w: number): Zone | undefined {
    const hi = this.m32[w + this.W_flags + 1]!;
    return this.zones[((hi >>> (NODES_PGOFF - 32)) & ((1 << NODES_WIDTH) - 1)) * MAX_NR_ZONES + ((hi >>> (ZONES_PGOFF - 32)) & ((1 << ZONES_WIDTH) - 1))];
  }
}

export abstract class Rmap extends Cpa {
  /** Each node's lruvec lists (kernel data), word of lists[0]. */
  private lruvecWord: number[] = [];
  /** What the fused fault, zap and put paths read (FaultHot). */
  protected readonly faultHot = new FaultHot(this, this.lruvecWord);
  /** Whether none of FUSED_FLUSH_HELPERS is overridden (decided once: the class is fixed at construction). */
  private readonly fusedFlush = this.nodeCount === 1 && FUSED_FLUSH_HELPERS.every((name) => (this as unknown as Record<string, unknown>)[name] === (Rmap.prototype as unknown as Record<string, unknown>)[name]);
  private W_large_mapcount = this.FF['_large_mapcount']!;
  private W_entire_mapcount = this.FF['_entire_mapcount']!;
  private W_nr_pages_mapped = this.FF['_nr_pages_mapped']!;
  /** CONFIG_MM_ID's words; undefined in a layout from before it (linux-6.12). */
  private W_mm_id_mapcount = this.FF['_mm_id_mapcount'];
  private W_mm_ids = this.FF['_mm_ids'];

  override boot(): void {
    super.boot();
    for (let nid = 0; nid < this.nodeCount; nid++) {
      const w = this.kdataAlloc(NR_LRU_LISTS * 16);
      for (let l = 0; l < NR_LRU_LISTS; l++) this.INIT_LIST_HEAD(w + l * 4);
      this.lruvecWord.push(w);
    }
  }

  // ---- LRU --------------------------------------------------------------

  /** folio_lru_list(): anon (swap-backed) or file list, active or inactive. */
  folio_lru_list(folio: number): number {
    const file = this.folio_test_flag(folio, PG_swapbacked) ? 0 : LRU_FILE;
    return file + (this.folio_test_flag(folio, PG_active) ? LRU_ACTIVE : 0);
  }

  /** update_lru_size(): the node's NR_LRU_BASE + lru and the zone's NR_ZONE_LRU_BASE + lru. */
  private lruStat(folio: number, lru: number, nr: number): void {
    this.mod_node_page_state(this.page_to_nid(folio), NR_LRU_BASE + lru, nr);
    this.__mod_zone_page_state(this.page_zone(folio), NR_ZONE_LRU_BASE + lru, nr);
  }

  lruvec_add_folio(folio: number): void {
    const lru = this.folio_lru_list(folio);
    this.lruStat(folio, lru, this.folio_nr_pages(folio));
    this.list_add(folio * this.PW + this.W_lru, this.lruvecWord[this.page_to_nid(folio)]! + lru * 4);
  }

  lruvec_del_folio(folio: number): void {
    const lru = this.folio_lru_list(folio);
    this.list_del(folio * this.PW + this.W_lru);
    this.lruStat(folio, lru, -this.folio_nr_pages(folio));
  }

  /** folio_add_lru(): onto its node's LRU (pagesim skips the per-CPU batch). */
  folio_add_lru(folio: number): void {
    this.lru_add(folio);
  }

  folio_add_lru_vma(folio: number, vma: VmAreaStruct): void {
    void vma;
    this.folio_add_lru(folio);
  }

  lru_add(folio: number): void {
    this.folio_set_flag(folio, PG_lru);
    this.lruvec_add_folio(folio);
  }

  /**
   * __page_cache_release(): a folio whose last reference went leaves the LRU;
   * __folio_clear_lru_flags() takes PG_lru, PG_active and PG_unevictable with it.
   */
  __page_cache_release(folio: number): void {
    if (this.folio_test_flag(folio, PG_lru)) {
      this.lruvec_del_folio(folio);
      this.folio_clear_flag(folio, PG_lru);
      this.folio_clear_flag(folio, PG_active);
      this.folio_clear_flag(folio, PG_unevictable);
    }
  }

  page_cache_release(folio: number): void {
    this.__page_cache_release(folio);
  }

  /** __folio_put() (mm/swap.c): off the LRU, then back to the page allocator. */
  override __folio_put(folio: number): void {
    this.page_cache_release(folio);
    this.free_frozen_pages(folio, this.folio_order(folio));
  }

  /**
   * Whether tlb_batch_pages_flush() may try putGatheredFused() on its
   * pages: no function on the way is overridden by the class, none is
   * wrapped since (watchpoints shadow every kernel function on the
   * instance, fuzz coverage on the machine's own class: both wrap
   * __page_cache_release, compared here), and the per-CPU free may be
   * fused (fusedPcp()).
   */
  protected override gatherFused(): boolean {
    return this.fusedFlush && this.__page_cache_release === BASE_PAGE_CACHE_RELEASE && this.fusedPcp();
  }

  /**
   * folio_put_refs(page_folio(pfn), nr) as tlb_batch_pages_flush() makes
   * it, for an order-0 folio whose last reference this is, when nothing on
   * the way reports: the refcount dropped to 0, __folio_put(),
   * __page_cache_release() taking the folio off its LRU list (list_del()
   * with its checks, the node's and zone's LRU counters, PG_lru, PG_active
   * and PG_unevictable cleared), then free_frozen_pages() through the
   * fused per-CPU free (freePcp0()). Everything the LRU removal needs is
   * checked before it is written; if freePcp0() then declines (a list to
   * trim, a page state to report), the words written here are put back
   * as they were, newest first, and false sends the folio through the
   * calls, which report from the kernel's own functions. freePcp0() writes
   * nothing before declining but what __free_pages_prepare() writes again
   * (page_alloc.ts). The machine ends byte for byte as the calls leave it
   * (test/fused-fault.test.ts).
   */
  protected override putGatheredFused(pfn: number, nr: number): boolean {
    const h = this.faultHot;
    const page = pfn | 0;
    if (nr !== 1 || page !== pfn || page < 0 || page >= h.nr_pages) return false;
    const i32 = h.i32;
    const w = page * h.PW;
    // page_folio(): not a tail; folio_ref_sub_and_test(folio, 1) reaches 0; an order-0 folio.
    const wr = w + h.W_refcount;
    const wf = w + h.W_flags;
    const fl = i32[wf]!;
    if ((i32[w + h.W_compound_head]! & 1) !== 0 || i32[wr] !== 1 || (fl & (1 << PG_head)) !== 0) return false;
    const onLru = (fl & (1 << PG_lru)) !== 0;
    const entry = w + h.W_lru;
    const xlo = i32[entry]!;
    const xhi = i32[entry + 1]!;
    const plo = i32[entry + 2]!;
    const phi = i32[entry + 3]!;
    let prev = -1;
    let next = -1;
    let lru = 0;
    const node = h.nodeOf(w);
    const zone = h.zoneOf(w);
    if (onLru) {
      // __list_del_entry()'s checks, on links that lead to list nodes derefWord() decodes inline.
      if (xhi === POISON_HI_S || phi === POISON_HI_S || xhi === 0 || phi === 0) return false;
      prev = h.nodeWord(plo, phi);
      next = h.nodeWord(xlo, xhi);
      const elo = (entry * 4) | 0;
      if (prev < 0 || next < 0 || i32[prev] !== elo || i32[prev + 1] !== VMEMMAP_HI_S || i32[next + 2] !== elo || i32[next + 3] !== VMEMMAP_HI_S) return false;
      if (node === undefined || zone === undefined) return false;
      lru = ((fl & (1 << PG_swapbacked)) !== 0 ? 0 : LRU_FILE) + ((fl & (1 << PG_active)) !== 0 ? LRU_ACTIVE : 0);
    }
    // From here on, what the calls write, in their order; each word's old value kept to put back.
    i32[wr] = 0;
    let n2 = 0;
    let n3 = 0;
    let p0 = 0;
    let p1 = 0;
    let e0 = 0;
    let e1 = 0;
    let e2 = 0;
    let e3 = 0;
    if (onLru) {
      n2 = i32[next + 2]!;
      i32[next + 2] = plo;
      n3 = i32[next + 3]!;
      i32[next + 3] = phi;
      p0 = i32[prev]!;
      i32[prev] = xlo;
      p1 = i32[prev + 1]!;
      i32[prev + 1] = xhi;
      e0 = i32[entry]!;
      i32[entry] = 0x100;
      e1 = i32[entry + 1]!;
      i32[entry + 1] = POISON_HI_S;
      e2 = i32[entry + 2]!;
      i32[entry + 2] = 0x122;
      e3 = i32[entry + 3]!;
      i32[entry + 3] = POISON_HI_S;
      node!.vm_stat[NR_LRU_BASE + lru] = node!.vm_stat[NR_LRU_BASE + lru]! - 1;
      zone!.vm_stat[NR_ZONE_LRU_BASE + lru] = zone!.vm_stat[NR_ZONE_LRU_BASE + lru]! - 1;
      i32[wf] = fl & ~((1 << PG_lru) | (1 << PG_active) | (1 << PG_unevictable));
    }
    if (this.freePcp0(page, false)) return true;
    // Put back what was written, newest first (so words that alias end as they were).
    if (onLru) {
      i32[wf] = fl;
      zone!.vm_stat[NR_ZONE_LRU_BASE + lru] = zone!.vm_stat[NR_ZONE_LRU_BASE + lru]! + 1;
      node!.vm_stat[NR_LRU_BASE + lru] = node!.vm_stat[NR_LRU_BASE + lru]! + 1;
      i32[entry + 3] = e3;
      i32[entry + 2] = e2;
      i32[entry + 1] = e1;
      i32[entry] = e0;
      i32[prev + 1] = p1;
      i32[prev] = p0;
      i32[next + 3] = n3;
      i32[next + 2] = n2;
    }
    i32[wr] = 1;
    return false;
  }

  // ---- mapcounts ----------------------------------------------------------

  private fw(folio: number, w: number): number {
    return folio * this.PW + w;
  }

  // ---- CONFIG_MM_ID: which mm(s) map a large folio (include/linux/rmap.h, linux-mm 7.3.0-rc5 tree) ----

  /** Word of _mm_id[idx]; the id is its low 31 bits, bit 31 of _mm_id[1] is "maybe mapped shared". */
  private mmIdWord(folio: number, idx: number): number {
    return this.fw(folio, this.W_mm_ids) + idx;
  }

  folio_mm_id(folio: number, idx: number): number {
    return this.m32[this.mmIdWord(folio, idx)]! & MM_ID_MASK;
  }

  folio_set_mm_id(folio: number, idx: number, id: number): void {
    const w = this.mmIdWord(folio, idx);
    this.m32[w] = ((this.m32[w]! & ~MM_ID_MASK) | id) >>> 0;
  }

  private mmIdMapcount(folio: number, idx: number): number {
    return this.i32[this.fw(folio, this.W_mm_id_mapcount) + idx]!;
  }

  private setMmIdMapcount(folio: number, idx: number, v: number): void {
    this.i32[this.fw(folio, this.W_mm_id_mapcount) + idx] = v;
  }

  private setShared(folio: number, on: boolean): void {
    const w = this.mmIdWord(folio, 1);
    this.m32[w] = on ? (this.m32[w]! | FOLIO_MM_IDS_SHARED) >>> 0 : (this.m32[w]! & ~FOLIO_MM_IDS_SHARED) >>> 0;
  }

  /** folio_set_large_mapcount(): the first mapping(s) of a large folio, all by one mm. */
  folio_set_large_mapcount(folio: number, mapcount: number, vma: VmAreaStruct): void {
    this.i32[this.fw(folio, this.W_large_mapcount)] = mapcount - 1;
    if (this.W_mm_ids === undefined) return; // a layout from before CONFIG_MM_ID
    this.setMmIdMapcount(folio, 0, mapcount - 1);
    this.folio_set_mm_id(folio, 0, vma.mm.id);
  }

  /** folio_add_return_large_mapcount(): diff more mappings by vma's mm, in its slot (or a free one). */
  folio_add_large_mapcount(folio: number, diff: number, vma: VmAreaStruct): number {
    const mm_id = vma.mm.id;
    const lw = this.fw(folio, this.W_large_mapcount);
    const nv = this.i32[lw]! + diff;
    this.i32[lw] = nv;
    if (this.W_mm_ids === undefined) return nv + 1;
    if (this.folio_mm_id(folio, 0) === mm_id) this.setMmIdMapcount(folio, 0, this.mmIdMapcount(folio, 0) + diff);
    else if (this.folio_mm_id(folio, 1) === mm_id) this.setMmIdMapcount(folio, 1, this.mmIdMapcount(folio, 1) + diff);
    else if (this.folio_mm_id(folio, 0) === MM_ID_DUMMY) {
      this.folio_set_mm_id(folio, 0, mm_id);
      this.setMmIdMapcount(folio, 0, diff - 1);
      if (nv !== diff - 1) this.setShared(folio, true);
    } else if (this.folio_mm_id(folio, 1) === MM_ID_DUMMY) {
      this.folio_set_mm_id(folio, 1, mm_id);
      this.setMmIdMapcount(folio, 1, diff - 1);
      this.setShared(folio, true);
    }
    return nv + 1;
  }

  /** folio_sub_return_large_mapcount(): a slot whose mappings are all gone is freed (MM_ID_DUMMY). */
  folio_sub_large_mapcount(folio: number, diff: number, vma: VmAreaStruct): number {
    const mm_id = vma.mm.id;
    const lw = this.fw(folio, this.W_large_mapcount);
    const nv = this.i32[lw]! - diff;
    this.i32[lw] = nv;
    if (this.W_mm_ids === undefined) return nv + 1;
    for (const idx of [0, 1]) {
      if (this.folio_mm_id(folio, idx) !== mm_id) continue;
      this.setMmIdMapcount(folio, idx, this.mmIdMapcount(folio, idx) - diff);
      if (this.mmIdMapcount(folio, idx) >= 0) return nv + 1;
      this.setMmIdMapcount(folio, idx, -1);
      this.folio_set_mm_id(folio, idx, MM_ID_DUMMY);
      break;
    }
    if (this.mmIdMapcount(folio, 0) === nv || this.mmIdMapcount(folio, 1) === nv) this.setShared(folio, false);
    return nv + 1;
  }

  /** __folio_mod_stat(): NR_ANON_MAPPED or NR_FILE_MAPPED by pages newly (un)mapped, NR_ANON_THPS by PMD mappings. */
  __folio_mod_stat(folio: number, nr: number, nr_pmdmapped: number): void {
    const nid = this.page_to_nid(folio);
    const anon = this.folio_test_anon(folio);
    if (nr) this.mod_node_page_state(nid, anon ? NR_ANON_MAPPED : NR_FILE_MAPPED, nr);
    if (nr_pmdmapped && anon) this.mod_node_page_state(nid, NR_ANON_THPS, nr_pmdmapped);
  }

  /** mm_counter_file(): MM_SHMEMPAGES for swap-backed file folios, else MM_FILEPAGES. */
  mm_counter_file(folio: number): number {
    return this.folio_test_flag(folio, PG_swapbacked) ? MM_SHMEMPAGES : MM_FILEPAGES;
  }

  /** mm_counter(): the rss counter a folio's mappings count in. */
  mm_counter(folio: number): number {
    return this.folio_test_anon(folio) ? MM_ANONPAGES : this.mm_counter_file(folio);
  }

  /**
   * folio_add_file_rmap_ptes(): PTE mappings of pages of a file (or
   * driver) folio, through __folio_add_rmap(): atomic_inc_and_test() on
   * each page's _mapcount, whatever those four bytes hold (a page type
   * shares them).
   */
  folio_add_file_rmap_ptes(folio: number, page: number, nr_pages: number, vma: VmAreaStruct): void {
    let nr = 0;
    if (!this.folio_test_large(folio)) {
      nr = this.atomic_inc_and_test(this.fw(folio, this.W_mapcount)) ? 1 : 0;
    } else {
      let first = 0;
      for (let i = 0; i < nr_pages; i++) if (this.atomic_inc_and_test(this.fw(page + i, this.W_mapcount))) first++;
      if (first && this.atomic_add_return(this.fw(folio, this.W_nr_pages_mapped), first) < ENTIRELY_MAPPED) nr = first;
      this.folio_add_large_mapcount(folio, nr_pages, vma);
    }
    this.__folio_mod_stat(folio, nr, 0);
  }

  folio_add_file_rmap_pte(folio: number, page: number, vma: VmAreaStruct): void {
    this.folio_add_file_rmap_ptes(folio, page, 1, vma);
  }

  __folio_set_swapbacked(folio: number): void {
    this.folio_set_flag(folio, PG_swapbacked);
  }

  /** __folio_set_anon(): mapping = anon_vma | FOLIO_MAPPING_ANON, index = the page offset in the VMA. */
  __folio_set_anon(folio: number, vma: VmAreaStruct, address: number): void {
    const w = this.fw(folio, this.W_mapping);
    this.storeAddrOf(w, vma.anon_vma!.obj);
    this.m32[w] = (this.m32[w]! | 1) >>> 0;
    const index = this.linear_page_index(vma, address);
    // index % 2^32 as the word stores it (>>> 0: the same modulo, without a double's % call).
    this.m32[this.fw(folio, this.W_index)] = index >>> 0;
    this.m32[this.fw(folio, this.W_index) + 1] = Math.floor(index / 2 ** 32);
  }

  linear_page_index(vma: VmAreaStruct, address: number): number {
    return Math.floor((address - vma.vm_start) / PAGE_SIZE) + vma.vm_pgoff;
  }

  /** folio_add_new_anon_rmap(): the first mapping of a new anonymous folio, by a PTE (small) or a PMD. */
  folio_add_new_anon_rmap(folio: number, vma: VmAreaStruct, address: number, flags: number): void {
    const exclusive = (flags & RMAP_EXCLUSIVE) !== 0;
    let nr = 1;
    let nr_pmdmapped = 0;
    if (!this.folio_test_flag(folio, PG_swapbacked)) this.__folio_set_swapbacked(folio);
    this.__folio_set_anon(folio, vma, address);
    if (!this.folio_test_large(folio)) {
      this.atomic_set(this.fw(folio, this.W_mapcount), 0);
      if (exclusive) this.SetPageAnonExclusive(folio);
    } else {
      nr = this.folio_nr_pages(folio);
      this.atomic_set(this.fw(folio, this.W_entire_mapcount), 0);
      this.folio_set_large_mapcount(folio, 1, vma);
      this.atomic_set(this.fw(folio, this.W_nr_pages_mapped), ENTIRELY_MAPPED);
      if (exclusive) this.SetPageAnonExclusive(folio);
      nr_pmdmapped = nr;
    }
    this.__folio_mod_stat(folio, nr, nr_pmdmapped);
  }

  /** folio_add_anon_rmap_ptes(): more PTE mappings of pages of an anonymous folio (a PMD split). */
  folio_add_anon_rmap_ptes(folio: number, page: number, nr_pages: number, vma: VmAreaStruct, address: number, flags: number): void {
    void address;
    let nr = 0;
    if (!this.folio_test_large(folio)) {
      if (this.atomic_inc_and_test(this.fw(page, this.W_mapcount))) nr = 1;
    } else {
      const mapped = this.fw(folio, this.W_nr_pages_mapped);
      for (let i = 0; i < nr_pages; i++) {
        if (this.atomic_inc_and_test(this.fw(page + i, this.W_mapcount)) && this.atomic_inc_return(mapped) < ENTIRELY_MAPPED) nr++;
      }
      this.folio_add_large_mapcount(folio, nr_pages, vma);
    }
    if (flags & RMAP_EXCLUSIVE) for (let i = 0; i < nr_pages; i++) this.SetPageAnonExclusive(page + i);
    this.__folio_mod_stat(folio, nr, 0);
  }

  /** folio_add_anon_rmap_pmd(): a PMD mapping of a whole anonymous folio that is already anon. */
  folio_add_anon_rmap_pmd(folio: number, page: number, vma: VmAreaStruct, address: number, flags: number): void {
    void address;
    let nr = 0;
    let nr_pmdmapped = 0;
    if (this.atomic_inc_and_test(this.fw(folio, this.W_entire_mapcount))) {
      const now = this.atomic_add_return(this.fw(folio, this.W_nr_pages_mapped), ENTIRELY_MAPPED);
      if (now < ENTIRELY_MAPPED + ENTIRELY_MAPPED) {
        nr_pmdmapped = this.folio_nr_pages(folio);
        nr = Math.max(0, nr_pmdmapped - (now & FOLIO_PAGES_MAPPED));
      }
    }
    this.folio_add_large_mapcount(folio, 1, vma);
    if (flags & RMAP_EXCLUSIVE) this.SetPageAnonExclusive(page);
    this.__folio_mod_stat(folio, nr, nr_pmdmapped);
  }

  /** folio_remove_rmap_ptes(): PTE mappings of nr pages are gone. */
  folio_remove_rmap_ptes(folio: number, page: number, nr_pages: number, vma: VmAreaStruct): void {
    let nr = 0;
    if (!this.folio_test_large(folio)) {
      if (this.atomic_add_negative(this.fw(folio, this.W_mapcount), -1)) nr = 1;
    } else {
      this.folio_sub_large_mapcount(folio, nr_pages, vma);
      const mapped = this.fw(folio, this.W_nr_pages_mapped);
      for (let i = 0; i < nr_pages; i++) {
        if (this.atomic_add_negative(this.fw(page + i, this.W_mapcount), -1) && this.atomic_dec_return(mapped) < ENTIRELY_MAPPED) nr++;
      }
    }
    this.__folio_mod_stat(folio, -nr, 0);
  }

  folio_remove_rmap_pte(folio: number, page: number, vma: VmAreaStruct): void {
    this.folio_remove_rmap_ptes(folio, page, 1, vma);
  }

  /** folio_remove_rmap_pmd(): the PMD mapping is gone; pages still PTE-mapped stay counted. */
  folio_remove_rmap_pmd(folio: number, page: number, vma: VmAreaStruct): void {
    void page;
    this.folio_sub_large_mapcount(folio, 1, vma);
    let nr = 0;
    let nr_pmdmapped = 0;
    if (this.atomic_add_negative(this.fw(folio, this.W_entire_mapcount), -1)) {
      const left = this.atomic_sub_return(this.fw(folio, this.W_nr_pages_mapped), ENTIRELY_MAPPED);
      if (left < ENTIRELY_MAPPED) {
        nr_pmdmapped = this.folio_nr_pages(folio);
        nr = nr_pmdmapped - (left & FOLIO_PAGES_MAPPED);
      }
    }
    this.__folio_mod_stat(folio, -nr, -nr_pmdmapped);
  }

  /** folio_mark_uptodate */
  __folio_mark_uptodate(folio: number): void {
    this.folio_set_flag(folio, PG_uptodate);
  }

  /** The mm counters (include/linux/mm.h add_mm_counter). */
  add_mm_counter(mm: MmStruct, member: number, value: number): void {
    mm.rss_stat[member] = mm.rss_stat[member]! + value;
  }

  /**
   * get_mm_counter(): the mm's count of a member. mm->rss_stat is exact here
   * (percpu_counter_sum()); a variant that keeps per-CPU deltas answers as
   * percpu_counter_read_positive() does (linux-6.12).
   */
  get_mm_counter(mm: MmStruct, member: number): number {
    return mm.rss_stat[member]!;
  }
}

const BASE_PAGE_CACHE_RELEASE = Rmap.prototype.__page_cache_release;
