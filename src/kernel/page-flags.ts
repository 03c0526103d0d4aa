/**
 * include/linux/page-flags.h (2026 linux-mm tree, ≈v7.0): page flags with
 * their per-flag policies, compound-page encoding, and page types.
 *
 * Flags are bits of the 64-bit `flags` word; every page flag is in the low
 * 32 bits and the node/zone/last_cpupid fields are in the high bits. The
 * policy of a flag says which struct page of a compound page holds it
 * (PF_HEAD, PF_NO_TAIL, PF_SECOND, ...). With CONFIG_DEBUG_VM_PGFLAGS each
 * accessor checks the policy and that the memmap is not poisoned.
 *
 * Page types live in `page_type`, the same four bytes as `_mapcount`: a
 * typed page has 0xf0..0xfe in the top byte.
 */

import { KernelList } from './list.js';
import { PAGE_TYPE_OPS_LINES, SITES } from './sites.js';
import { VMEMMAP_HI } from './machine.js';
import { declareSymbols } from './symbols.js';
import type { Site } from '../report/report.js';

declareSymbols(
  'include/linux/page-flags.h',
  ['compound_head', 'page_folio', 'PageTail', 'PageHead', 'PageCompound', 'folio_test_large', 'page_has_type', '__SetPageBuddy', '__ClearPageBuddy', 'folio_flags'],
  true,
);

// enum pageflags (v6.14+ numbering: PG_head is bit 6, PG_waiters bit 7).
export const PG_locked = 0;
export const PG_writeback = 1;
export const PG_referenced = 2;
export const PG_uptodate = 3;
export const PG_dirty = 4;
export const PG_lru = 5;
export const PG_head = 6;
export const PG_waiters = 7;
export const PG_active = 8;
export const PG_workingset = 9;
export const PG_owner_priv_1 = 10;
export const PG_owner_2 = 11;
export const PG_arch_1 = 12;
export const PG_reserved = 13;
export const PG_private = 14;
export const PG_private_2 = 15;
export const PG_reclaim = 16;
export const PG_swapbacked = 17;
export const PG_unevictable = 18;
export const PG_dropbehind = 19;
export const PG_mlocked = 20;
export const PG_hwpoison = 21;
export const PG_young = 22;
export const PG_idle = 23;
export const __NR_PAGEFLAGS = 24;
// Aliases stored in the second page of a large folio (PF_SECOND).
export const PG_has_hwpoisoned = PG_active;
export const PG_large_rmappable = PG_workingset;
export const PG_partially_mapped = PG_reclaim;
// Other aliases.
export const PG_swapcache = PG_owner_priv_1;
export const PG_anon_exclusive = PG_owner_2;
export const PG_reported = PG_uptodate;

export type FlagPolicy = 'PF_ANY' | 'PF_HEAD' | 'PF_NO_TAIL' | 'PF_NO_COMPOUND' | 'PF_SECOND' | 'PF_ONLY_HEAD';

export interface PageFlagDecl {
  /** The CamelCase name in PageX / SetPageX: `LRU`, `Dirty`. */
  readonly uname: string;
  /** The lower-case name in folio_test_x: `lru`, `dirty`. */
  readonly lname: string;
  readonly bit: number;
  readonly policy: FlagPolicy;
  /** Which accessor families the kernel defines (PAGEFLAG, __PAGEFLAG, TESTPAGEFLAG...). */
  readonly ops: { set: boolean; __set: boolean };
}

function flag(uname: string, lname: string, bit: number, policy: FlagPolicy, set = true, __set = true): PageFlagDecl {
  return { uname, lname, bit, policy, ops: { set, __set } };
}

/** The PAGEFLAG() declarations of page-flags.h. */
export const PAGE_FLAG_DECLS: readonly PageFlagDecl[] = [
  flag('Locked', 'locked', PG_locked, 'PF_NO_TAIL', false, true),
  flag('Waiters', 'waiters', PG_waiters, 'PF_ONLY_HEAD', false, false),
  flag('Writeback', 'writeback', PG_writeback, 'PF_NO_TAIL'),
  flag('Referenced', 'referenced', PG_referenced, 'PF_HEAD'),
  flag('Dirty', 'dirty', PG_dirty, 'PF_HEAD'),
  flag('LRU', 'lru', PG_lru, 'PF_HEAD'),
  flag('Active', 'active', PG_active, 'PF_HEAD'),
  flag('Workingset', 'workingset', PG_workingset, 'PF_HEAD'),
  flag('Checked', 'checked', PG_owner_priv_1, 'PF_NO_COMPOUND'),
  flag('Pinned', 'pinned', PG_owner_priv_1, 'PF_NO_COMPOUND'),
  flag('SavePinned', 'savepinned', PG_dirty, 'PF_NO_COMPOUND'),
  flag('Reserved', 'reserved', PG_reserved, 'PF_NO_COMPOUND'),
  flag('SwapBacked', 'swapbacked', PG_swapbacked, 'PF_NO_TAIL'),
  flag('Private', 'private', PG_private, 'PF_ANY'),
  flag('Private2', 'private_2', PG_private_2, 'PF_ANY'),
  flag('Reclaim', 'reclaim', PG_reclaim, 'PF_NO_TAIL'),
  flag('Readahead', 'readahead', PG_reclaim, 'PF_NO_COMPOUND'),
  flag('Unevictable', 'unevictable', PG_unevictable, 'PF_HEAD'),
  flag('Dropbehind', 'dropbehind', PG_dropbehind, 'PF_HEAD'),
  flag('Mlocked', 'mlocked', PG_mlocked, 'PF_NO_TAIL'),
  flag('HWPoison', 'hwpoison', PG_hwpoison, 'PF_ANY'),
  flag('Uptodate', 'uptodate', PG_uptodate, 'PF_NO_TAIL'),
  flag('Head', 'head', PG_head, 'PF_ANY', false, false),
  flag('HasHWPoisoned', 'has_hwpoisoned', PG_has_hwpoisoned, 'PF_SECOND'),
  flag('LargeRmappable', 'large_rmappable', PG_large_rmappable, 'PF_SECOND'),
  flag('PartiallyMapped', 'partially_mapped', PG_partially_mapped, 'PF_SECOND'),
  flag('SwapCache', 'swapcache', PG_swapcache, 'PF_NO_TAIL'),
  flag('AnonExclusive', 'anon_exclusive', PG_anon_exclusive, 'PF_ANY'),
  flag('Young', 'young', PG_young, 'PF_ANY'),
  flag('Idle', 'idle', PG_idle, 'PF_ANY'),
];

/** Names in %pGp order (include/trace/events/mmflags.h __def_pageflag_names). */
export const PAGEFLAG_NAMES: readonly [number, string][] = [
  [PG_locked, 'locked'],
  [PG_waiters, 'waiters'],
  [PG_referenced, 'referenced'],
  [PG_uptodate, 'uptodate'],
  [PG_dirty, 'dirty'],
  [PG_lru, 'lru'],
  [PG_active, 'active'],
  [PG_workingset, 'workingset'],
  [PG_owner_priv_1, 'owner_priv_1'],
  [PG_owner_2, 'owner_2'],
  [PG_arch_1, 'arch_1'],
  [PG_reserved, 'reserved'],
  [PG_private, 'private'],
  [PG_private_2, 'private_2'],
  [PG_writeback, 'writeback'],
  [PG_head, 'head'],
  [PG_reclaim, 'reclaim'],
  [PG_swapbacked, 'swapbacked'],
  [PG_unevictable, 'unevictable'],
  [PG_dropbehind, 'dropbehind'],
  [PG_mlocked, 'mlocked'],
  [PG_hwpoison, 'hwpoison'],
  [PG_idle, 'idle'],
  [PG_young, 'young'],
];

const bit = (b: number): number => 1 << b;
/** Masks on the low word of flags (all page flags are below bit 32). */
export const PAGEFLAGS_MASK = (1 << __NR_PAGEFLAGS) - 1;
export const PAGE_FLAGS_PRIVATE = bit(PG_private) | bit(PG_private_2);
/** Bits 0..7 of page[1].flags hold the folio order; PAGE_FLAGS_SECOND adds the PF_SECOND flags. */
export const PAGE_FLAGS_SECOND = 0xff | bit(PG_has_hwpoisoned) | bit(PG_large_rmappable) | bit(PG_partially_mapped);

// enum pagetype: the top byte of page_type.
export const PGTY_buddy = 0xf0;
export const PGTY_offline = 0xf1;
export const PGTY_table = 0xf2;
export const PGTY_guard = 0xf3;
export const PGTY_hugetlb = 0xf4;
export const PGTY_slab = 0xf5;
export const PGTY_zsmalloc = 0xf6;
export const PGTY_unaccepted = 0xf7;
export const PGTY_large_kmalloc = 0xf8;
export const PGTY_mapcount_underflow = 0xff;
/** page_type with no type set: the same bytes as _mapcount == -1. */
export const PAGE_TYPE_RESET = 0xffffffff;

export interface PageTypeDecl {
  readonly uname: string;
  readonly lname: string;
  readonly value: number;
}

/** PAGE_TYPE_OPS / FOLIO_TYPE_OPS declarations; variants may add types (e.g. Netpp). */
export const PAGE_TYPE_DECLS: readonly PageTypeDecl[] = [
  { uname: 'Buddy', lname: 'buddy', value: PGTY_buddy },
  { uname: 'Offline', lname: 'offline', value: PGTY_offline },
  { uname: 'Table', lname: 'pgtable', value: PGTY_table },
  { uname: 'Guard', lname: 'guard', value: PGTY_guard },
  { uname: 'Hugetlb', lname: 'hugetlb', value: PGTY_hugetlb },
  { uname: 'Slab', lname: 'slab', value: PGTY_slab },
  { uname: 'Zsmalloc', lname: 'zsmalloc', value: PGTY_zsmalloc },
  { uname: 'Unaccepted', lname: 'unaccepted', value: PGTY_unaccepted },
  { uname: 'LargeKmalloc', lname: 'large_kmalloc', value: PGTY_large_kmalloc },
];

/** The type names PAGE_TYPE_OPS pastes into function names and conditions; variants may add types. */
const TYPE_UNAMES = new Map<number, string>(PAGE_TYPE_DECLS.map((t) => [t.value, t.uname]));

export function registerPageTypeName(value: number, uname: string): void {
  TYPE_UNAMES.set(value, uname);
}

/** The check site of one instance of PAGE_TYPE_OPS: `__SetPageBuddy`, `!PageBuddy(page)`. */
function typeSite(s: Site, pgty: number): Site {
  const uname = TYPE_UNAMES.get(pgty) ?? `Type${pgty.toString(16)}`;
  return { ...s, fn: `${s.fn}${uname}`, line: PAGE_TYPE_OPS_LINES.get(pgty) ?? s.line, cond: s.cond.replace('Page##uname', `Page${uname}`) };
}

/** The high word page->private holds for a value of 2^32 or more (or a negative one, as the kernel's unsigned long would). */
function privateHi(v: number): number {
  return Math.floor(v / 2 ** 32) >>> 0;
}

export abstract class PageFlags extends KernelList {
  // Word offsets of the struct page fields these helpers use.
  readonly W_flags = this.pageWord('flags');
  readonly W_compound_head = this.pageWord('compound_head');
  readonly W_mapping = this.pageWord('mapping');
  readonly W_index = this.pageWord('__folio_index');
  readonly W_private = this.pageWord('private');
  readonly W_page_type = this.pageWord('page_type');
  readonly W_mapcount = this.pageWord('_mapcount');
  readonly W_refcount = this.pageWord('_refcount');
  readonly W_memcg_data = this.pageWord('memcg_data');
  readonly W_lru = this.pageWord('lru.next');
  /** struct folio fields used on hot paths (words from the folio's head page). */
  readonly W_nr_pages = this.FF['_nr_pages']!;
  /** Whether testPageFlag() may read PagePoisoned()'s bytes itself: no variant overrides the helpers. */
  private readonly inlinePoisonCheck = this.PagePoisoned === PageFlags.prototype.PagePoisoned && this.flagsLo === PageFlags.prototype.flagsLo && this.flagsHi === PageFlags.prototype.flagsHi;

  /** Low word of page->flags (all page flags live here). */
  flagsLo(page: number): number {
    return this.m32[page * this.PW + this.W_flags]!;
  }

  flagsHi(page: number): number {
    return this.m32[page * this.PW + this.W_flags + 1]!;
  }

  /** A memmap poisoned by page_init_poison(): every byte 0xff. */
  PagePoisoned(page: number): boolean {
    return this.flagsLo(page) === 0xffffffff && this.flagsHi(page) === 0xffffffff;
  }

  /** PageTail(): bit 0 of the compound_head word. */
  PageTail(page: number): boolean {
    return (this.m32[page * this.PW + this.W_compound_head]! & 1) !== 0;
  }

  PageHead(page: number): boolean {
    return (this.flagsLo(page) & (1 << PG_head)) !== 0;
  }

  PageCompound(page: number): boolean {
    return this.PageHead(page) || this.PageTail(page);
  }

  /**
   * compound_head(): a tail page's word holds the head's address + 1. A
   * garbage word yields a garbage head; dereferencing it faults, as it
   * would in the kernel.
   */
  compound_head(page: number): number {
    const w = page * this.PW + this.W_compound_head;
    const lo = this.m32[w]!;
    if ((lo & 1) === 0) return page;
    const hi = this.m32[w + 1]!;
    const off = lo - 1;
    if (hi !== VMEMMAP_HI || off % this.structPageSize !== 0 || off / this.structPageSize >= this.nr_pages) this.oopsBadPointer(hi, off);
    return off / this.structPageSize;
  }

  /** page_folio(): the folio (head page) a page belongs to. */
  page_folio(page: number): number {
    return this.compound_head(page);
  }

  /** set_compound_head(): store head address | 1 in a tail page. */
  set_compound_head(page: number, head: number): void {
    const w = page * this.PW + this.W_compound_head;
    this.m32[w] = head * this.structPageSize + 1;
    this.m32[w + 1] = VMEMMAP_HI;
  }

  clear_compound_head(page: number): void {
    const w = page * this.PW + this.W_compound_head;
    this.m32[w] = 0;
    this.m32[w + 1] = 0;
  }

  // ---- flag policies (PF_*), CONFIG_DEBUG_VM_PGFLAGS ----------------------

  private PF_POISONED_CHECK(page: number): number {
    this.VM_BUG_ON_PAGE(this.PagePoisoned(page), page, SITES.PF_POISONED_CHECK);
    return page;
  }

  /** The struct page that holds a flag of this policy for `page`. */
  flagPage(page: number, policy: FlagPolicy, modify: boolean): number {
    switch (policy) {
      case 'PF_ANY':
        return this.PF_POISONED_CHECK(page);
      case 'PF_HEAD':
        return this.PF_POISONED_CHECK(this.compound_head(page));
      case 'PF_ONLY_HEAD':
      case 'PF_NO_TAIL':
        this.VM_BUG_ON_PAGE(modify && this.PageTail(page), page, SITES.PF_NO_TAIL);
        return this.PF_POISONED_CHECK(this.compound_head(page));
      case 'PF_NO_COMPOUND':
        this.VM_BUG_ON_PAGE(modify && this.PageCompound(page), page, SITES.PF_NO_COMPOUND);
        return this.PF_POISONED_CHECK(page);
      case 'PF_SECOND':
        this.VM_BUG_ON_PAGE(!this.PageHead(page), page, SITES.PF_SECOND);
        return this.PF_POISONED_CHECK(page + 1);
    }
  }

  testPageFlag(page: number, b: number, policy: FlagPolicy = 'PF_ANY'): boolean {
    if (policy === 'PF_ANY' && this.inlinePoisonCheck) {
      // PF_ANY: the page itself, after PF_POISONED_CHECK (the same check, the flags read once).
      const w = page * this.PW + this.W_flags;
      const lo = this.m32[w]!;
      if (lo === 0xffffffff && this.m32[w + 1] === 0xffffffff) this.PF_POISONED_CHECK(page);
      return (lo & (1 << b)) !== 0;
    }
    const p = this.flagPage(page, policy, false);
    return (this.flagsLo(p) & (1 << b)) !== 0;
  }

  setPageFlag(page: number, b: number, policy: FlagPolicy = 'PF_ANY'): void {
    const p = this.flagPage(page, policy, true);
    this.m32[p * this.PW + this.W_flags] = this.flagsLo(p) | (1 << b);
  }

  clearPageFlag(page: number, b: number, policy: FlagPolicy = 'PF_ANY'): void {
    const p = this.flagPage(page, policy, true);
    this.m32[p * this.PW + this.W_flags] = this.flagsLo(p) & ~(1 << b);
  }

  /** folio_flags(folio, n): folio accessors must be given the head page. */
  folio_flags(folio: number, n: number): number {
    this.VM_BUG_ON_PAGE(this.PageTail(folio), folio, SITES.folio_flags);
    if (n > 0) this.VM_BUG_ON_PAGE(!this.PageHead(folio), folio, SITES.folio_flags_n);
    return folio + n;
  }

  folio_test_flag(folio: number, b: number, n = 0): boolean {
    return (this.flagsLo(this.folio_flags(folio, n)) & (1 << b)) !== 0;
  }

  folio_set_flag(folio: number, b: number, n = 0): void {
    const p = this.folio_flags(folio, n);
    this.m32[p * this.PW + this.W_flags] = this.flagsLo(p) | (1 << b);
  }

  folio_clear_flag(folio: number, b: number, n = 0): void {
    const p = this.folio_flags(folio, n);
    this.m32[p * this.PW + this.W_flags] = this.flagsLo(p) & ~(1 << b);
  }

  PageReserved(page: number): boolean {
    return this.testPageFlag(page, PG_reserved, 'PF_NO_COMPOUND');
  }

  SetPageReserved(page: number): void {
    this.setPageFlag(page, PG_reserved, 'PF_NO_COMPOUND');
  }

  __ClearPageReserved(page: number): void {
    this.clearPageFlag(page, PG_reserved, 'PF_NO_COMPOUND');
  }

  folio_test_large(folio: number): boolean {
    return this.folio_test_flag(folio, PG_head);
  }

  // ---- page types ----------------------------------------------------

  page_type(page: number): number {
    return this.m32[page * this.PW + this.W_page_type]!;
  }

  set_page_type(page: number, v: number): void {
    this.m32[page * this.PW + this.W_page_type] = v;
  }

  /** page_type_has_type(): top byte 0x80..0xfe (as a signed int: below 0xff000000). */
  static page_type_has_type(t: number): boolean {
    return (t | 0) < (0xff000000 | 0);
  }

  page_has_type(page: number): boolean {
    return PageFlags.page_type_has_type(this.page_type(page));
  }

  /** PageX() for a page type: the top byte equals PGTY_x. */
  PageType(page: number, pgty: number): boolean {
    return this.page_type(page) >>> 24 === pgty;
  }

  /** __SetPageX(): only from "no type" (or already X). */
  __SetPageType(page: number, pgty: number): void {
    if (this.PageType(page, pgty)) return;
    if (this.page_type(page) !== PAGE_TYPE_RESET) this.VM_BUG_ON_PAGE(true, page, typeSite(SITES.__SetPageType, pgty));
    this.set_page_type(page, (pgty << 24) >>> 0);
  }

  /** __ClearPageX(): only from X (or no type). */
  __ClearPageType(page: number, pgty: number): void {
    if (this.page_type(page) === PAGE_TYPE_RESET) return;
    if (!this.PageType(page, pgty)) this.VM_BUG_ON_PAGE(true, page, typeSite(SITES.__ClearPageType, pgty));
    this.set_page_type(page, PAGE_TYPE_RESET);
  }

  PageBuddy(page: number): boolean {
    return this.m32[page * this.PW + this.W_page_type]! >>> 24 === PGTY_buddy;
  }

  __SetPageBuddy(page: number): void {
    this.__SetPageType(page, PGTY_buddy);
  }

  __ClearPageBuddy(page: number): void {
    this.__ClearPageType(page, PGTY_buddy);
  }

  PageGuard(page: number): boolean {
    return this.PageType(page, PGTY_guard);
  }

  PageSlab(page: number): boolean {
    return this.PageType(page, PGTY_slab);
  }

  PageTable(page: number): boolean {
    return this.PageType(page, PGTY_table);
  }

  folio_test_slab(folio: number): boolean {
    return this.PageType(folio, PGTY_slab);
  }

  folio_test_large_kmalloc(folio: number): boolean {
    return this.PageType(folio, PGTY_large_kmalloc);
  }

  folio_test_hugetlb(folio: number): boolean {
    return this.PageType(folio, PGTY_hugetlb);
  }

  // ---- 64-bit page fields ----------------------------------------------

  /** page->private as a number (it holds small values: a buddy order, a swap entry). */
  page_private(page: number): number {
    const w = page * this.PW + this.W_private;
    return this.m32[w + 1]! * 2 ** 32 + this.m32[w]!;
  }

  set_page_private(page: number, v: number): void {
    const w = page * this.PW + this.W_private;
    this.m32[w] = v >>> 0;
    // The values the allocator stores (0, an order) fit the low word; privateHi() only for others.
    this.m32[w + 1] = v >= 0 && v <= 0xffffffff ? 0 : privateHi(v);
  }

  /** Whether page->mapping is NULL. */
  mappingIsNull(page: number): boolean {
    const w = page * this.PW + this.W_mapping;
    return this.m32[w] === 0 && this.m32[w + 1] === 0;
  }

  memcgIsNull(page: number): boolean {
    const w = page * this.PW + this.W_memcg_data;
    return this.m32[w] === 0 && this.m32[w + 1] === 0;
  }

  setWord64(page: number, w: number, lo: number, hi: number): void {
    const b = page * this.PW + w;
    this.m32[b] = lo;
    this.m32[b + 1] = hi;
  }

  // ---- folio geometry (include/linux/mm.h) ----------------------------

  /** folio_order(): 0 for a small folio, else the low byte of page[1].flags. */
  folio_order(folio: number): number {
    if (!this.folio_test_large(folio)) return 0;
    return this.flagsLo(folio + 1) & 0xff;
  }

  /** folio_nr_pages(): 1, or _nr_pages of a large folio. */
  folio_nr_pages(folio: number): number {
    if (!this.folio_test_large(folio)) return 1;
    return this.m32[folio * this.PW + this.W_nr_pages]!;
  }

  /** compound_order(): like folio_order but for any page (0 for a tail). */
  compound_order(page: number): number {
    if (!this.PageHead(page)) return 0;
    return this.flagsLo(page + 1) & 0xff;
  }

  /** folio_set_order() (mm/internal.h): order in page[1].flags and _nr_pages. */
  folio_set_order(folio: number, order: number): void {
    const w = (folio + 1) * this.PW + this.W_flags;
    this.m32[w] = (this.m32[w]! & ~0xff) | order;
    this.m32[folio * this.PW + this.W_nr_pages] = order === 0 ? 0 : 1 << order;
  }
}
