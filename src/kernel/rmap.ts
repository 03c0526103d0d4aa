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

import { PAGE_SIZE } from './config.js';
import { Cpa } from './cpa.js';
import { PG_active, PG_lru, PG_swapbacked, PG_unevictable, PG_uptodate } from './page-flags.js';
import { nodeStat, NR_ANON_MAPPED, NR_ANON_THPS, NR_FILE_MAPPED, NR_ZONE_INACTIVE_ANON } from './vmstat.js';
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES } from './mm_types.js';
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
const NR_LRU_BASE = nodeStat('nr_inactive_anon');
const NR_ZONE_LRU_BASE = NR_ZONE_INACTIVE_ANON;

/** mm_id_t is 32 bits: 31 for the id (MM_ID_BITS), the top one for the lock (slot 0) or "maybe mapped shared" (slot 1). */
const MM_ID_MASK = 0x7fffffff;
const MM_ID_DUMMY = 0;
const FOLIO_MM_IDS_SHARED = 0x80000000;

export abstract class Rmap extends Cpa {
  /** Each node's lruvec lists (kernel data), word of lists[0]. */
  private lruvecWord: number[] = [];
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
