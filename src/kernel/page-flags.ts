/**
 * include/linux/page-flags.h (linux-mm 7.3.0-rc5): page flags with
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
import { PAGE_FLAGS_H, PAGE_TYPE_OPS_LINES, SITES } from './sites.js';
import { VMEMMAP_HI } from './machine.js';
import { declareSymbols } from './symbols.js';
import type { Site } from '../report/report.js';
import { __stringify } from './stringify.js';

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

export type FlagPolicy = 'PF_ANY' | 'PF_HEAD' | 'PF_NO_TAIL' | 'PF_NO_COMPOUND' | 'PF_SECOND';

/**
 * The page accessors (PageX, SetPageX, ClearPageX, __SetPageX, __ClearPageX)
 * the PAGEFLAG() family declares for one flag, each with the line of
 * include/linux/page-flags.h (the blob sites.ts names) that invokes it:
 * a VM_BUG_ON_PGFLAGS() inside a policy macro reports that line, as gcc's
 * __LINE__ inside a macro expansion is the line of the outermost invocation.
 */
export interface PageAccessorLines {
  readonly policy: FlagPolicy;
  readonly test?: number;
  readonly set?: number;
  readonly clear?: number;
  readonly __set?: number;
  readonly __clear?: number;
}

export interface PageFlagDecl {
  /** The CamelCase name in PageX / SetPageX: `LRU`, `Dirty`. */
  readonly uname: string;
  /** The lower-case name in folio_test_x: `lru`, `dirty`. */
  readonly lname: string;
  readonly bit: number;
  /** The page of the folio whose flags hold it: 0, or 1 for FOLIO_SECOND_PAGE flags. */
  readonly folioPage: 0 | 1;
  /** The page accessors, where the tree still declares any (most flags are folio-only since v6.12). */
  readonly page: PageAccessorLines | null;
}

function flag(uname: string, lname: string, bit: number, page: PageAccessorLines | null = null, folioPage: 0 | 1 = 0): PageFlagDecl {
  return { uname, lname, bit, folioPage, page };
}

/**
 * The flags of include/linux/page-flags.h as the linux-mm 7.3.0-rc5 tree declares them:
 * FOLIO_FLAG() gives every flag folio_test_x / folio_set_x / folio_clear_x;
 * PAGEFLAG() and its relatives add page accessors for the few that keep them.
 * The accessors the tree writes out as functions (PageHead, PageUptodate,
 * SetPageUptodate, PageAnonExclusive...) are kernel methods instead.
 */
export const PAGE_FLAG_DECLS: readonly PageFlagDecl[] = [
  flag('Locked', 'locked', PG_locked, { policy: 'PF_NO_TAIL', test: 558, __set: 558, __clear: 558 }),
  flag('Waiters', 'waiters', PG_waiters),
  flag('Writeback', 'writeback', PG_writeback, { policy: 'PF_NO_TAIL', test: 604 }),
  flag('Referenced', 'referenced', PG_referenced),
  flag('Dirty', 'dirty', PG_dirty, { policy: 'PF_HEAD', test: 563, set: 563, clear: 563, __clear: 564 }),
  flag('LRU', 'lru', PG_lru, { policy: 'PF_HEAD', test: 565, set: 565, clear: 565, __clear: 565 }),
  flag('Active', 'active', PG_active),
  flag('Workingset', 'workingset', PG_workingset, { policy: 'PF_HEAD', test: 570, set: 570, clear: 570 }),
  flag('Checked', 'checked', PG_owner_priv_1, { policy: 'PF_NO_COMPOUND', test: 572, set: 572, clear: 572 }),
  flag('Pinned', 'pinned', PG_owner_priv_1, { policy: 'PF_NO_COMPOUND', test: 575, set: 575, clear: 575 }),
  flag('SavePinned', 'savepinned', PG_dirty, { policy: 'PF_NO_COMPOUND', test: 577, set: 577, clear: 577 }),
  flag('Reserved', 'reserved', PG_reserved, { policy: 'PF_NO_COMPOUND', test: 582, set: 582, clear: 582, __clear: 583, __set: 584 }),
  flag('SwapBacked', 'swapbacked', PG_swapbacked),
  flag('Private', 'private', PG_private, { policy: 'PF_ANY', test: 594, set: 594, clear: 594 }),
  flag('Private2', 'private_2', PG_private_2),
  flag('Reclaim', 'reclaim', PG_reclaim, { policy: 'PF_NO_TAIL', test: 609, set: 609, clear: 609 }),
  flag('Readahead', 'readahead', PG_reclaim),
  flag('Unevictable', 'unevictable', PG_unevictable),
  flag('Dropbehind', 'dropbehind', PG_dropbehind),
  flag('Mlocked', 'mlocked', PG_mlocked),
  flag('HWPoison', 'hwpoison', PG_hwpoison, { policy: 'PF_ANY', test: 667, set: 667, clear: 667 }),
  flag('Reported', 'reported', PG_reported, { policy: 'PF_NO_COMPOUND', test: 695, __set: 695, __clear: 695 }),
  flag('Uptodate', 'uptodate', PG_uptodate, { policy: 'PF_NO_TAIL', clear: 846 }),
  flag('Head', 'head', PG_head, { policy: 'PF_ANY', __set: 865, __clear: 866, clear: 867 }),
  flag('HasHWPoisoned', 'has_hwpoisoned', PG_has_hwpoisoned, null, 1),
  flag('LargeRmappable', 'large_rmappable', PG_large_rmappable, null, 1),
  flag('PartiallyMapped', 'partially_mapped', PG_partially_mapped, null, 1),
  flag('SwapCache', 'swapcache', PG_swapcache),
  flag('Young', 'young', PG_young),
  flag('Idle', 'idle', PG_idle),
];

/** One page accessor with the two checks its policy makes, as the kernel reports them. */
export interface FlagAccessor {
  readonly name: string;
  readonly bit: number;
  readonly policy: FlagPolicy;
  /** PF_NO_TAIL / PF_NO_COMPOUND on a modifying accessor, PF_SECOND always; null where the policy checks nothing more. */
  readonly enforce: Site | null;
  /** PF_POISONED_CHECK on the page the policy picks. */
  readonly poisoned: Site;
}

/** The accessor kinds and how each names itself and whether it modifies (the `enforce` argument of the policy). */
const ACCESSOR_KINDS = [
  ['test', 'Page', false],
  ['set', 'SetPage', true],
  ['clear', 'ClearPage', true],
  ['__set', '__SetPage', true],
  ['__clear', '__ClearPage', true],
] as const;

/** The page-flags.h conditions after macro expansion, as __stringify() prints them. */
const POISONED_COND: Readonly<Record<FlagPolicy, string>> = {
  PF_ANY: 'PagePoisoned(page)',
  PF_NO_COMPOUND: 'PagePoisoned(page)',
  PF_HEAD: 'PagePoisoned(((typeof(page))_compound_head(page)))',
  PF_NO_TAIL: 'PagePoisoned(((typeof(page))_compound_head(page)))',
  PF_SECOND: 'PagePoisoned(&page[1])',
};

function enforceCond(policy: FlagPolicy, modify: boolean): string | null {
  if (policy === 'PF_SECOND') return '!PageHead(page)';
  if (!modify) return null;
  if (policy === 'PF_NO_TAIL') return '1 && PageTail(page)';
  if (policy === 'PF_NO_COMPOUND') return '1 && PageCompound(page)';
  return null;
}

/** An accessor declared at `line` of page-flags.h. */
export function flagAccessor(name: string, bit: number, policy: FlagPolicy, modify: boolean, line: number): FlagAccessor {
  const cond = enforceCond(policy, modify);
  const at = (c: string): Site => ({ fn: name, file: PAGE_FLAGS_H, line, cond: c });
  return { name, bit, policy, enforce: cond === null ? null : at(cond), poisoned: at(POISONED_COND[policy]) };
}

/** Every page accessor of PAGE_FLAG_DECLS, by its kernel name (`SetPageReserved`). */
export const PAGE_FLAG_ACCESSORS: ReadonlyMap<string, FlagAccessor> = new Map(
  PAGE_FLAG_DECLS.flatMap((f) =>
    f.page === null
      ? []
      : ACCESSOR_KINDS.flatMap(([kind, prefix, modify]) => {
          const line = f.page![kind];
          const name = `${prefix}${f.uname}`;
          return line === undefined ? [] : [[name, flagAccessor(name, f.bit, f.page!.policy, modify, line)] as const];
        }),
  ),
);

/** The accessor of that name (a programming error if the table lacks it). */
export function pageFlagAccessor(name: string): FlagAccessor {
  const a = PAGE_FLAG_ACCESSORS.get(name);
  if (a === undefined) throw new Error(`page-flags.h declares no ${name}`);
  return a;
}

/** The accessors kernel code calls by name. */
const ACC = {
  PageReserved: pageFlagAccessor('PageReserved'),
  SetPageReserved: pageFlagAccessor('SetPageReserved'),
  __ClearPageReserved: pageFlagAccessor('__ClearPageReserved'),
  PageHWPoison: pageFlagAccessor('PageHWPoison'),
  __SetPageHead: pageFlagAccessor('__SetPageHead'),
};

/** PF_ANY(page, 1) inside the PageAnonExclusive() family, on the line of each function's flag access. */
const ACC_ANON_EXCLUSIVE = {
  test: flagAccessor('PageAnonExclusive', PG_anon_exclusive, 'PF_ANY', false, 1170),
  set: flagAccessor('SetPageAnonExclusive', PG_anon_exclusive, 'PF_ANY', true, 1177),
  clear: flagAccessor('ClearPageAnonExclusive', PG_anon_exclusive, 'PF_ANY', true, 1184),
  __clear: flagAccessor('__ClearPageAnonExclusive', PG_anon_exclusive, 'PF_ANY', true, 1191),
};

/** folio->mapping low bits (page-flags.h). */
export const FOLIO_MAPPING_ANON = 0x1;
export const FOLIO_MAPPING_ANON_KSM = 0x2;
export const FOLIO_MAPPING_FLAGS = FOLIO_MAPPING_ANON | FOLIO_MAPPING_ANON_KSM;

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

/**
 * The check site of one instance of PAGE_TYPE_OPS: `__SetPageBuddy`,
 * `!PageBuddy(page)`, at the line of that type's invocation. `lineShift`
 * moves every invocation by the same amount, for a variant whose
 * page-flags.h has the macros longer or shorter than ours.
 */
export function typeSite(s: Site, pgty: number, lineShift = 0): Site {
  const uname = TYPE_UNAMES.get(pgty) ?? `Type${pgty.toString(16)}`;
  const line = PAGE_TYPE_OPS_LINES.get(pgty);
  return { ...s, fn: `${s.fn}${uname}`, line: line === undefined ? s.line : line + lineShift, cond: s.cond.replace('Page##uname', `Page${uname}`) };
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
  /** The folio's page count: `_nr_pages` (v6.15+), `_folio_nr_pages` in older layouts. */
  readonly W_nr_pages = (this.FF['_nr_pages'] ?? this.FF['_folio_nr_pages'])!;
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

  /** The struct page that holds the accessor's flag for `page`, after the policy's checks. */
  flagPage(page: number, acc: FlagAccessor): number {
    if (acc.enforce !== null) {
      const bad = acc.policy === 'PF_SECOND' ? !this.PageHead(page) : acc.policy === 'PF_NO_TAIL' ? this.PageTail(page) : this.PageCompound(page);
      this.VM_BUG_ON_PAGE(bad, page, acc.enforce);
    }
    const p = acc.policy === 'PF_SECOND' ? page + 1 : acc.policy === 'PF_HEAD' || acc.policy === 'PF_NO_TAIL' ? this.compound_head(page) : page;
    this.VM_BUG_ON_PAGE(this.PagePoisoned(p), page, acc.poisoned);
    return p;
  }

  testPageFlag(page: number, acc: FlagAccessor): boolean {
    if (acc.policy === 'PF_ANY' && this.inlinePoisonCheck) {
      // PF_ANY: the page itself, after PF_POISONED_CHECK (the same check, the flags read once).
      const w = page * this.PW + this.W_flags;
      const lo = this.m32[w]!;
      if (lo === 0xffffffff && this.m32[w + 1] === 0xffffffff) this.VM_BUG_ON_PAGE(true, page, acc.poisoned);
      return (lo & (1 << acc.bit)) !== 0;
    }
    const p = this.flagPage(page, acc);
    return (this.flagsLo(p) & (1 << acc.bit)) !== 0;
  }

  setPageFlag(page: number, acc: FlagAccessor): void {
    const p = this.flagPage(page, acc);
    this.m32[p * this.PW + this.W_flags] = this.flagsLo(p) | (1 << acc.bit);
  }

  clearPageFlag(page: number, acc: FlagAccessor): void {
    const p = this.flagPage(page, acc);
    this.m32[p * this.PW + this.W_flags] = this.flagsLo(p) & ~(1 << acc.bit);
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
    return this.testPageFlag(page, ACC.PageReserved);
  }

  SetPageReserved(page: number): void {
    this.setPageFlag(page, ACC.SetPageReserved);
  }

  __ClearPageReserved(page: number): void {
    this.clearPageFlag(page, ACC.__ClearPageReserved);
  }

  PageHWPoison(page: number): boolean {
    return this.testPageFlag(page, ACC.PageHWPoison);
  }

  __SetPageHead(page: number): void {
    this.setPageFlag(page, ACC.__SetPageHead);
  }

  /** PageUptodate(): the folio's flag (page-flags.h writes it out as a function: no policy check). */
  PageUptodate(page: number): boolean {
    return this.folio_test_flag(this.page_folio(page), PG_uptodate);
  }

  /** SetPageUptodate() / __SetPageUptodate(): folio_mark_uptodate() on the page taken as a folio, so a tail page BUGs in folio_flags(). */
  SetPageUptodate(page: number): void {
    this.folio_set_flag(page, PG_uptodate);
  }

  // ---- anonymous pages (page-flags.h writes these out as functions) -------

  /** folio_test_anon(): FOLIO_MAPPING_ANON in folio->mapping. */
  folio_test_anon(folio: number): boolean {
    return (this.m32[folio * this.PW + this.W_mapping]! & FOLIO_MAPPING_ANON) !== 0;
  }

  PageAnon(page: number): boolean {
    return this.folio_test_anon(this.page_folio(page));
  }

  /** PageAnonNotKsm(): anon, and not a KSM page (both mapping bits set). */
  PageAnonNotKsm(page: number): boolean {
    return (this.m32[this.page_folio(page) * this.PW + this.W_mapping]! & FOLIO_MAPPING_FLAGS) === FOLIO_MAPPING_ANON;
  }

  /** PageHuge(): the page belongs to a hugetlb folio. */
  PageHuge(page: number): boolean {
    return this.folio_test_hugetlb(this.page_folio(page));
  }

  /** PageAnonExclusive(): per page for THP, on the head page for hugetlb. */
  PageAnonExclusive(page: number): boolean {
    this.VM_BUG_ON_PAGE(!this.PageAnon(page), page, SITES.PageAnonExclusive);
    const p = this.PageHuge(page) ? this.compound_head(page) : page;
    return this.testPageFlag(p, ACC_ANON_EXCLUSIVE.test);
  }

  SetPageAnonExclusive(page: number): void {
    this.VM_BUG_ON_PAGE(!this.PageAnonNotKsm(page), page, SITES.SetPageAnonExclusive_anon);
    this.VM_BUG_ON_PAGE(this.PageHuge(page) && !this.PageHead(page), page, SITES.SetPageAnonExclusive_huge);
    this.setPageFlag(page, ACC_ANON_EXCLUSIVE.set);
  }

  ClearPageAnonExclusive(page: number): void {
    this.VM_BUG_ON_PAGE(!this.PageAnonNotKsm(page), page, SITES.ClearPageAnonExclusive_anon);
    this.VM_BUG_ON_PAGE(this.PageHuge(page) && !this.PageHead(page), page, SITES.ClearPageAnonExclusive_huge);
    this.clearPageFlag(page, ACC_ANON_EXCLUSIVE.clear);
  }

  __ClearPageAnonExclusive(page: number): void {
    this.VM_BUG_ON_PAGE(!this.PageAnon(page), page, SITES.__ClearPageAnonExclusive_anon);
    this.VM_BUG_ON_PAGE(this.PageHuge(page) && !this.PageHead(page), page, SITES.__ClearPageAnonExclusive_huge);
    this.clearPageFlag(page, ACC_ANON_EXCLUSIVE.__clear);
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

  /** __SetPageX() on pfn's struct page: __SetPageTypeWord() at its first word. */
  __SetPageType(page: number, pgty: number): void {
    this.__SetPageTypeWord(page * this.PW, pgty);
  }

  /** __ClearPageX() on pfn's struct page: __ClearPageTypeWord() at its first word. */
  __ClearPageType(page: number, pgty: number): void {
    this.__ClearPageTypeWord(page * this.PW, pgty);
  }

  /**
   * __SetPageX() of PAGE_TYPE_OPS (the same in this tree and in v7.3) on
   * the struct page that starts at memory word w, pagesim's `struct page *`:
   * it may also be other memory a caller casts to struct page (a net_iov
   * under the netpp variants). Only from "no type" (or already X). The
   * macro's logic lives here and in __ClearPageTypeWord() only: variants
   * that change the macro override these two.
   */
  __SetPageTypeWord(w: number, pgty: number): void {
    const t = this.m32[w + this.W_page_type]!;
    if (t >>> 24 === pgty) return;
    if (t !== PAGE_TYPE_RESET) this.bugOnPageWord(w, typeSite(SITES.__SetPageType, pgty));
    this.m32[w + this.W_page_type] = (pgty << 24) >>> 0;
  }

  /** __ClearPageX() of PAGE_TYPE_OPS (as in v7.3) on the struct page at word w: only from X (or no type). */
  __ClearPageTypeWord(w: number, pgty: number): void {
    const t = this.m32[w + this.W_page_type]!;
    if (t === PAGE_TYPE_RESET) return;
    if (t >>> 24 !== pgty) this.bugOnPageWord(w, typeSite(SITES.__ClearPageType, pgty));
    this.m32[w + this.W_page_type] = PAGE_TYPE_RESET;
  }

  /**
   * VM_BUG_ON_PAGE(true, page) for the struct page at word w: the dump is
   * dumpPageWord() of that word, and the report names the pfn when the
   * word is in the memmap (null for other memory cast to struct page).
   * For a memmap word this is exactly VM_BUG_ON_PAGE(true, pfn, site).
   */
  protected bugOnPageWord(w: number, site: Site): never {
    const reason = `VM_BUG_ON_PAGE(${__stringify(site.cond)})`;
    this.BUG(site, w < this.kdataWord ? this.pfnOfWord(w) : null, this.dumpPageWord(w, reason), reason);
  }

  /**
   * dump_page() of the struct page at word w, as console lines. The base
   * kernel only casts memmap words (dump_page_lines of that pfn); a variant
   * that casts other memory to struct page dumps those bytes itself.
   */
  dumpPageWord(w: number, reason: string): string[] {
    return this.dump_page_lines(this.pfnOfWord(w), reason);
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
