/**
 * Sorting a machine's pages into the kinds whose descriptor needs differ,
 * from their /proc/kpageflags bits (fs/proc/page.c stable_page_flags()).
 *
 * Rules, first match wins, on the page's own entry:
 *   nopage    KPF_NOPAGE: a hole with no struct page (kernels before the
 *             2025 kpage_read() rework; newer ones write 0, counted as other)
 *   buddy     KPF_BUDDY: free in the buddy allocator (head and, since v4.5,
 *             every page inside the free block)
 *   offline   KPF_OFFLINE (balloon, hot-unplug)
 *   zero      KPF_ZERO_PAGE (the shared zero page, the huge zero folio)
 *   slab      KPF_SLAB
 *   pgtable   KPF_PGTABLE
 *   hugetlb   KPF_HUGE
 *   reserved  KPF_RESERVED (memblock-reserved: kernel image, memmap, holes)
 *   anon      KPF_ANON (anonymous and KSM folios)
 *   file      any folio-only state: lru, mmap, uptodate, dirty, writeback,
 *             swapbacked/swapcache, unevictable, thp, reclaim, active,
 *             referenced, locked, private/private_2/owner_private, mlocked:
 *             page-cache (and shmem) folios
 *   other     the rest: pages the allocator handed out with no visible owner
 *             (vmalloc, kernel stacks, page_pool, zsmalloc, large kmalloc,
 *             per-CPU lists), and pfns that read 0
 *
 * A compound tail takes the kind of the head it follows: on current kernels
 * it already reports its folio's flags, and on old ones (v4.x) slab and
 * other tails carry only KPF_COMPOUND_TAIL.
 */

import { countAt, type KpageImage } from '../kpageflags/image.js';
import * as K from '../kpageflags/kpf.js';
import { InputError } from '../util/errors.js';

export const PAGE_KINDS = ['nopage', 'reserved', 'buddy', 'offline', 'zero', 'slab', 'pgtable', 'hugetlb', 'anon', 'file', 'other'] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

export interface KindCount {
  pages: number;
  /** Allocation units: head pages and pages outside any compound page. */
  units: number;
  /** Units that are compound (a large folio, a multi-page slab...). */
  largeUnits: number;
  /** Pages whose kpagecount entry is above 0 (mapped to user space); null without a kpagecount image. */
  mapped: number | null;
}

export interface Population {
  readonly pfns: number;
  readonly kinds: Readonly<Record<PageKind, KindCount>>;
}

const L = K.loBit;
const H = K.hiBit;
const FOLIO_LO =
  L(K.KPF_LRU) | L(K.KPF_MMAP) | L(K.KPF_UPTODATE) | L(K.KPF_DIRTY) | L(K.KPF_WRITEBACK) | L(K.KPF_SWAPBACKED) | L(K.KPF_SWAPCACHE) |
  L(K.KPF_UNEVICTABLE) | L(K.KPF_THP) | L(K.KPF_RECLAIM) | L(K.KPF_ACTIVE) | L(K.KPF_REFERENCED) | L(K.KPF_LOCKED);
const FOLIO_HI = H(K.KPF_PRIVATE) | H(K.KPF_PRIVATE_2) | H(K.KPF_OWNER_PRIVATE) | H(K.KPF_MLOCKED);

/** The kind of one kpageflags entry by its own bits. */
export function kindOf(lo: number, hi: number): PageKind {
  if (lo & L(K.KPF_NOPAGE)) return 'nopage';
  if (lo & L(K.KPF_BUDDY)) return 'buddy';
  if (lo & L(K.KPF_OFFLINE)) return 'offline';
  if (lo & L(K.KPF_ZERO_PAGE)) return 'zero';
  if (lo & L(K.KPF_SLAB)) return 'slab';
  if (lo & L(K.KPF_PGTABLE)) return 'pgtable';
  if (lo & L(K.KPF_HUGE)) return 'hugetlb';
  if (hi & H(K.KPF_RESERVED)) return 'reserved';
  if (lo & L(K.KPF_ANON)) return 'anon';
  if (lo & FOLIO_LO || hi & FOLIO_HI) return 'file';
  return 'other';
}

function emptyKinds(withCounts: boolean): Record<PageKind, KindCount> {
  const out = {} as Record<PageKind, KindCount>;
  for (const kind of PAGE_KINDS) out[kind] = { pages: 0, units: 0, largeUnits: 0, mapped: withCounts ? 0 : null };
  return out;
}

/** Counts the pages, allocation units and mapped pages of each kind. */
export function classify(flags: KpageImage, counts?: KpageImage): Population {
  if (counts !== undefined && counts.count !== flags.count) {
    throw new InputError(`kpagecount has ${counts.count} entries but kpageflags ${flags.file} has ${flags.count}: they must come from the same machine`, counts.file);
  }
  const kinds = emptyKinds(counts !== undefined);
  const w = flags.words;
  const HEAD = L(K.KPF_COMPOUND_HEAD);
  const TAIL = L(K.KPF_COMPOUND_TAIL);
  let headKind: PageKind | null = null;
  for (let i = 0; i < flags.count; i++) {
    const lo = w[2 * i]!;
    const hi = w[2 * i + 1]!;
    let kind: PageKind;
    if (lo & TAIL && headKind !== null) {
      kind = headKind;
    } else {
      kind = kindOf(lo, hi);
      const c = kinds[kind];
      c.units++;
      if (lo & HEAD) c.largeUnits++;
      headKind = lo & HEAD ? kind : null;
    }
    const c = kinds[kind];
    c.pages++;
    if (counts !== undefined && countAt(counts, i) > 0) c.mapped!++;
  }
  return { pfns: flags.count, kinds };
}
