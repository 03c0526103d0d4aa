/**
 * fs/proc/page.c (linux-mm 7.3.0-rc5 tree, blob 2c7ab3506b64): what the kernel
 * writes to /proc/kpageflags (stable_page_flags()) and /proc/kpagecount
 * (get_kpage_count()) for one pfn of a simulated machine.
 *
 * Both work from the page snapshot (snapshot.ts): the folio's flags word
 * `k` gives almost every bit, so tail pages report their folio's LRU,
 * dirty, slab, pgtable... state, and only KPF_COMPOUND_TAIL and (outside
 * hugetlb) KPF_HWPOISON are the page's own.
 */

import type { Kernel } from '../kernel/kernel.js';
import {
  PG_active,
  PG_arch_1,
  PG_dirty,
  PG_head,
  PG_hwpoison,
  PG_idle,
  PG_large_rmappable,
  PG_locked,
  PG_lru,
  PG_mlocked,
  PG_owner_2,
  PG_owner_priv_1,
  PG_private,
  PG_private_2,
  PG_reclaim,
  PG_referenced,
  PG_reserved,
  PG_swapbacked,
  PG_swapcache,
  PG_unevictable,
  PG_uptodate,
  PG_writeback,
  PGTY_hugetlb,
  PGTY_offline,
  PGTY_slab,
  PGTY_table,
} from '../kernel/page-flags.js';
import * as K from './kpf.js';
import { snapshot_page, type PageSnapshot } from './snapshot.js';

/** FOLIO_MAPPING_ANON / FOLIO_MAPPING_KSM: the low bits of folio->mapping (include/linux/page-flags.h). */
const FOLIO_MAPPING_ANON = 0x1;
const FOLIO_MAPPING_FLAGS = 0x3;

/** What a machine has that struct page does not say: where the zero pages are (mm/memory.c, mm/huge_memory.c). */
export interface KpfContext {
  /** pfn of the shared zero page (is_zero_pfn), if the machine has one. */
  readonly zeroPfn?: number;
  /** First pfn of the huge zero folio (is_huge_zero_pfn covers its 512 pages). */
  readonly hugeZeroPfn?: number;
}

const HPAGE_PMD_NR = 512;

/** The two 32-bit halves of a kpageflags entry. */
export interface KpfWords {
  lo: number;
  hi: number;
}

/** page_mapcount_is_type(mapcount): _mapcount + 1 holds a page type (include/linux/page-flags.h). */
function mapcountIsType(mapcount: number): boolean {
  return ((mapcount - 1) | 0) < (0xff000000 | 0);
}

/** folio_mapcount() of the folio snapshot (include/linux/mm.h). */
function folioMapcount(k: Kernel, folio: number, large: boolean): number {
  if (!large) {
    const mapcount = (k.i32[folio * k.PW + k.W_mapcount]! + 1) | 0;
    return mapcountIsType(mapcount) ? 0 : mapcount;
  }
  return (k.i32[folio * k.PW + k.FF['_large_mapcount']!]! + 1) | 0;
}

/** Copies kernel flag bit `kbit` of `kflags` to KPF bit `ubit` (kpf_copy_bit). */
function copyBit(kflags: number, kbit: number, ubit: number): number {
  return ((kflags >>> kbit) & 1) << ubit;
}

/** stable_page_flags() for a snapshot, as the (low, high) words of the u64. */
export function stablePageFlagsOf(k: Kernel, ps: PageSnapshot, ctx: KpfContext = {}, out: KpfWords = { lo: 0, hi: 0 }): KpfWords {
  const folio = ps.folio;
  const base = folio * k.PW;
  const kf = k.m32[base + k.W_flags]!;
  const large = (kf & (1 << PG_head)) !== 0 && folio + 1 < k.nr_pages;
  const mappingLo = k.m32[base + k.W_mapping]!;
  const pgty = k.m32[base + k.W_page_type]! >>> 24;
  let u = 0;
  let h = 0;

  if (folioMapcount(k, folio, large) >= 1) u |= 1 << K.KPF_MMAP;
  if ((mappingLo & FOLIO_MAPPING_ANON) !== 0) {
    u |= 1 << K.KPF_ANON;
    // !PageAnonNotKsm(page): both low bits set.
    if ((mappingLo & FOLIO_MAPPING_FLAGS) !== FOLIO_MAPPING_ANON) u |= 1 << K.KPF_KSM;
  }

  if (ps.idx === 0) u |= copyBit(kf, PG_head, K.KPF_COMPOUND_HEAD);
  else u |= 1 << K.KPF_COMPOUND_TAIL;

  const huge = pgty === PGTY_hugetlb;
  if (huge) u |= 1 << K.KPF_HUGE;
  else if (large && (k.m32[base + k.PW + k.W_flags]! & (1 << PG_large_rmappable)) !== 0) u |= 1 << K.KPF_THP;
  else if (ctx.hugeZeroPfn !== undefined && ps.pfn >= ctx.hugeZeroPfn && ps.pfn < ctx.hugeZeroPfn + HPAGE_PMD_NR) u |= (1 << K.KPF_ZERO_PAGE) | (1 << K.KPF_THP);
  else if (ctx.zeroPfn !== undefined && ps.pfn === ctx.zeroPfn) u |= 1 << K.KPF_ZERO_PAGE;

  if (ps.buddy) u |= 1 << K.KPF_BUDDY;
  if (pgty === PGTY_offline) u |= 1 << K.KPF_OFFLINE;
  if (pgty === PGTY_table) u |= 1 << K.KPF_PGTABLE;
  if (pgty === PGTY_slab) u |= 1 << K.KPF_SLAB;

  // CONFIG_PAGE_IDLE_FLAG on 64-bit: PG_idle is a real flag of the folio.
  u |= copyBit(kf, PG_idle, K.KPF_IDLE);
  u |= copyBit(kf, PG_locked, K.KPF_LOCKED);
  u |= copyBit(kf, PG_dirty, K.KPF_DIRTY);
  u |= copyBit(kf, PG_uptodate, K.KPF_UPTODATE);
  u |= copyBit(kf, PG_writeback, K.KPF_WRITEBACK);
  u |= copyBit(kf, PG_lru, K.KPF_LRU);
  u |= copyBit(kf, PG_referenced, K.KPF_REFERENCED);
  u |= copyBit(kf, PG_active, K.KPF_ACTIVE);
  u |= copyBit(kf, PG_reclaim, K.KPF_RECLAIM);
  const swapcache = (1 << PG_swapbacked) | (1 << PG_swapcache);
  if ((kf & swapcache) === swapcache) u |= 1 << K.KPF_SWAPCACHE;
  u |= copyBit(kf, PG_swapbacked, K.KPF_SWAPBACKED);
  u |= copyBit(kf, PG_unevictable, K.KPF_UNEVICTABLE);
  h |= copyBit(kf, PG_mlocked, K.KPF_MLOCKED - 32);
  // CONFIG_MEMORY_FAILURE: hugetlb poison is per folio, everything else per page.
  const ownFlags = huge ? kf : k.m32[ps.pfn * k.PW + k.W_flags]!;
  u |= copyBit(ownFlags, PG_hwpoison, K.KPF_HWPOISON);

  h |= copyBit(kf, PG_reserved, K.KPF_RESERVED - 32);
  h |= copyBit(kf, PG_owner_2, K.KPF_OWNER_2 - 32);
  h |= copyBit(kf, PG_private, K.KPF_PRIVATE - 32);
  h |= copyBit(kf, PG_private_2, K.KPF_PRIVATE_2 - 32);
  h |= copyBit(kf, PG_owner_priv_1, K.KPF_OWNER_PRIVATE - 32);
  h |= copyBit(kf, PG_arch_1, K.KPF_ARCH - 32);
  // x86 selects neither CONFIG_ARCH_USES_PG_ARCH_2 nor _3: KPF_ARCH_2/3 stay clear.

  out.lo = u >>> 0;
  out.hi = h >>> 0;
  return out;
}

/** stable_page_flags(page) for pfn, as the u64 the kernel writes. */
export function stable_page_flags(k: Kernel, pfn: number, ctx: KpfContext = {}): bigint {
  const w = stablePageFlagsOf(k, snapshot_page(k, pfn), ctx);
  return (BigInt(w.hi) << 32n) | BigInt(w.lo);
}

/**
 * get_kpage_count() with CONFIG_PAGE_MAPCOUNT=y (pagesim's folio has
 * _nr_pages_mapped): folio_precise_page_mapcount() (fs/proc/internal.h),
 * the page's own _mapcount + 1 (0 if it holds a page type) plus the folio's
 * entire (PMD) mapcount for a large folio. Not a refcount: a free page and
 * an unmapped kernel page both read 0.
 */
export function kpageCountOf(k: Kernel, ps: PageSnapshot): number {
  let mapcount = (k.i32[ps.pfn * k.PW + k.W_mapcount]! + 1) | 0;
  if (mapcountIsType(mapcount)) mapcount = 0;
  const folio = ps.folio;
  const large = (k.m32[folio * k.PW + k.W_flags]! & (1 << PG_head)) !== 0 && folio + 1 < k.nr_pages;
  if (large) mapcount = (mapcount + k.i32[folio * k.PW + k.FF['_entire_mapcount']!]! + 1) | 0;
  return mapcount;
}

/** get_kpage_count(page) for pfn. */
export function kpage_count(k: Kernel, pfn: number): number {
  return kpageCountOf(k, snapshot_page(k, pfn));
}
