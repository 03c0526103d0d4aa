/**
 * The descriptor designs compared, and what each costs per page kind.
 *
 * Sources (shared/reference/kernel-facts.md §1, §8, §9, §12):
 *  - struct-page-64: today's x86_64 struct page with MEMCG, 64 bytes per
 *    pfn (include/linux/mm_types.h), 1.5625% of RAM; folio, slab and ptdesc
 *    are overlays of it and cost nothing more.
 *  - struct-page-32: the interim layout of kernelnewbies
 *    MatthewWilcox/Memdescs/Path: flags, a 16-byte union (buddy_list /
 *    pcp_list / {memdesc, private or _mapcount}), _refcount, 32 bytes per
 *    pfn. The Path page reaches it only after "for each memdesc (slab,
 *    folio, zpdesc, ptdesc, bump) ... we create a slab cache", so the
 *    descriptors are already separate here.
 *  - memdesc-8: the end state, `struct page { unsigned long memdesc; }`,
 *    8 bytes per pfn; free, reserved, zero, offline and other untyped
 *    memory keep everything (type, order, zone/node) in that word.
 *
 * Descriptor sizes: Memdescs requires every descriptor slab to be 16-byte
 * aligned (the low 4 bits of the word are the type), so each size is a
 * multiple of 16.
 *  - folio 80: the Path page's struct folio: flags 8, lru 16, mapping 8,
 *    index 8, private 8, _refcount/_mapcount/pincount 12, order 1 + 3 spare,
 *    pfn 8, memcg 8.
 *  - large folio 128: 80 plus what a large folio keeps today in page[1] and
 *    page[2] of the overlay (kernel-facts §1.2) beyond pincount:
 *    _large_mapcount 4, _nr_pages_mapped 4, _entire_mapcount 4, _nr_pages 4,
 *    _mm_id_mapcount[2] 8, _mm_ids 8, _deferred_list 16 = 48.
 *  - hugetlb folio 160: the large folio plus page[3]'s _hugetlb_subpool,
 *    _hugetlb_cgroup, _hugetlb_cgroup_rsvd and hugetlb_hwpoison, 32.
 *  - struct slab 64: Wilcox's 2022 estimate, "4 x 8 + 64 (struct slab)"
 *    for a 4-page slab (kernel-facts §12); today's overlay is 64 bytes too.
 *  - ptdesc 64: the Oct 2025 RFC allocates struct ptdesc from a kmem_cache
 *    with a pt_page back-pointer; today's 64-byte overlay (§8.1) loses
 *    __page_mapping, __page_type and the refcount and gains pt_page: it still
 *    fits 64.
 * The descriptor slabs' own pages and per-object slab overhead are ignored.
 */

import type { PageKind, Population } from './classify.js';
import { PAGE_KINDS } from './classify.js';

export const DESIGN_NAMES = ['struct-page-64', 'struct-page-32', 'memdesc-8'] as const;
export type DesignName = (typeof DESIGN_NAMES)[number];

export interface DescriptorSizes {
  readonly folio: number;
  readonly largeFolio: number;
  readonly hugetlbFolio: number;
  readonly slab: number;
  readonly ptdesc: number;
}

export const DESCRIPTOR_BYTES: DescriptorSizes = { folio: 80, largeFolio: 128, hugetlbFolio: 160, slab: 64, ptdesc: 64 };

export interface Design {
  readonly name: DesignName;
  /** Bytes of memmap per pfn. */
  readonly perPfn: number;
  /** Whether folios, slabs and page tables have separately allocated descriptors. */
  readonly separateDescriptors: boolean;
  readonly summary: string;
}

export const DESIGNS: readonly Design[] = [
  { name: 'struct-page-64', perPfn: 64, separateDescriptors: false, summary: "today's struct page (x86_64, MEMCG), 1.5625% of RAM; folio/slab/ptdesc overlay it" },
  { name: 'struct-page-32', perPfn: 32, separateDescriptors: true, summary: 'the Memdescs/Path interim struct page, descriptors already in their own slabs' },
  { name: 'memdesc-8', perPfn: 8, separateDescriptors: true, summary: 'one memdesc word per pfn plus separately allocated descriptors' },
];

/** Descriptor bytes the units of one kind need when descriptors are separate. */
export function descriptorBytes(kind: PageKind, units: number, largeUnits: number, sizes: DescriptorSizes = DESCRIPTOR_BYTES): number {
  switch (kind) {
    case 'anon':
    case 'file':
      return (units - largeUnits) * sizes.folio + largeUnits * sizes.largeFolio;
    case 'hugetlb':
      return units * sizes.hugetlbFolio;
    case 'slab':
      return units * sizes.slab;
    case 'pgtable':
      return units * sizes.ptdesc;
    default:
      // Free, reserved, zero, offline, holes and untyped allocations: the page word says it all.
      return 0;
  }
}

/** The kinds that get a separately allocated descriptor per allocation unit. */
export const KINDS_WITH_DESCRIPTORS: ReadonlySet<PageKind> = new Set<PageKind>(['anon', 'file', 'hugetlb', 'slab', 'pgtable']);

/** Descriptors (objects) a kind needs when they are separate: one per unit. */
export function descriptorCount(kind: PageKind, units: number): number {
  return KINDS_WITH_DESCRIPTORS.has(kind) ? units : 0;
}

export interface DesignCost {
  readonly name: DesignName;
  readonly total_bytes: number;
  readonly by_kind: Readonly<Record<PageKind, number>>;
}

/** What a design costs for a page population, per kind and in total. */
export function designCost(design: Design, pop: Population): DesignCost {
  const by_kind = {} as Record<PageKind, number>;
  let total = 0;
  for (const kind of PAGE_KINDS) {
    const c = pop.kinds[kind];
    const bytes = c.pages * design.perPfn + (design.separateDescriptors ? descriptorBytes(kind, c.units, c.largeUnits) : 0);
    by_kind[kind] = bytes;
    total += bytes;
  }
  return { name: design.name, total_bytes: total, by_kind };
}
