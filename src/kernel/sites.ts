/**
 * Where each check pagesim models lives in the kernel source, with the
 * condition as the kernel prints it in "page dumped because:
 * VM_BUG_ON_PAGE(<cond>)" and the line "kernel BUG at FILE:LINE!" names.
 *
 * Lines are those of the linux-mm 7.3.0-rc5 tree at these blobs:
 *   include/linux/page-flags.h  03e0599da9e1    mm/internal.h    00f68374ed29
 *   include/linux/mm.h          009857a22860    mm/page_alloc.c  6e2201b19890
 * except include/linux/page_ref.h, which in that tree already carries the
 * refcount series of seed 004: mainline's is the base the series applies
 * to (the seed's patch 1/2 hunks give its line numbers).
 *
 * The kernel stringifies a condition after macro expansion; where the
 * expansion is known (folio_ref_zero_or_close_to_overflow) the expanded
 * text is used, otherwise the text as written in the source.
 */

import type { Site } from '../report/report.js';

function site(fn: string, file: string, line: number, cond: string): Site {
  return { fn, file, line, cond };
}

export const PAGE_FLAGS_H = 'include/linux/page-flags.h';
const PAGE_REF_H = 'include/linux/page_ref.h';
const MM_H = 'include/linux/mm.h';
const INTERNAL_H = 'mm/internal.h';
const PAGE_ALLOC_C = 'mm/page_alloc.c';

/** Where include/linux/page-flags.h invokes PAGE_TYPE_OPS() / FOLIO_TYPE_OPS() for each type (the blob above). */
export const PAGE_TYPE_OPS_LINES: ReadonlyMap<number, number> = new Map([
  [0xf0, 1006], // Buddy
  [0xf1, 1037], // Offline
  [0xf2, 1047], // Table
  [0xf3, 1052], // Guard
  [0xf4, 1057], // hugetlb (FOLIO_TYPE_OPS)
  [0xf5, 1054], // Slab
  [0xf6, 1062], // Zsmalloc
  [0xf7, 1069], // Unaccepted
  [0xf8, 1070], // LargeKmalloc
  [0xf9, 1075], // Netpp (in this tree; seed 000's variants)
]);

export const SITES = {
  // include/linux/page-flags.h: page-flag policies (CONFIG_DEBUG_VM_PGFLAGS) live with
  // each accessor's declaration (PAGE_FLAG_DECLS in page-flags.ts); here the
  // checks page-flags.h writes out in functions, and the page types.
  PageAnonExclusive: site('PageAnonExclusive', PAGE_FLAGS_H, 1163, '!PageAnon(page)'),
  SetPageAnonExclusive_anon: site('SetPageAnonExclusive', PAGE_FLAGS_H, 1175, '!PageAnonNotKsm(page)'),
  SetPageAnonExclusive_huge: site('SetPageAnonExclusive', PAGE_FLAGS_H, 1176, 'PageHuge(page) && !PageHead(page)'),
  ClearPageAnonExclusive_anon: site('ClearPageAnonExclusive', PAGE_FLAGS_H, 1182, '!PageAnonNotKsm(page)'),
  ClearPageAnonExclusive_huge: site('ClearPageAnonExclusive', PAGE_FLAGS_H, 1183, 'PageHuge(page) && !PageHead(page)'),
  __ClearPageAnonExclusive_anon: site('__ClearPageAnonExclusive', PAGE_FLAGS_H, 1189, '!PageAnon(page)'),
  __ClearPageAnonExclusive_huge: site('__ClearPageAnonExclusive', PAGE_FLAGS_H, 1190, 'PageHuge(page) && !PageHead(page)'),
  folio_flags: site('folio_flags', PAGE_FLAGS_H, 367, 'page->compound_head & 1'),
  folio_flags_n: site('folio_flags', PAGE_FLAGS_H, 368, 'n > 0 && !test_bit(PG_head, &page->flags.f)'),
  /**
   * PAGE_TYPE_OPS: `fn` and the `Page##uname` in cond are filled in per
   * type, and so is the line: a BUG() inside a macro's expansion reports the
   * line where the macro was invoked (PAGE_TYPE_OPS_LINES), as gcc expands
   * __LINE__; 991/998 are the lines inside the macro's definition, used only
   * for a type no PAGE_TYPE_OPS() of this tree declares.
   */
  __SetPageType: site('__SetPage', PAGE_FLAGS_H, 991, 'data_race(page->page_type) != UINT_MAX'),
  __ClearPageType: site('__ClearPage', PAGE_FLAGS_H, 998, '!Page##uname(page)'),

  // include/linux/page_ref.h (mainline, the base of seed 004)
  page_ref_unfreeze_count: site('page_ref_unfreeze', PAGE_REF_H, 300, 'page_count(page) != 0'),
  page_ref_unfreeze_zero: site('page_ref_unfreeze', PAGE_REF_H, 301, 'count == 0'),

  // include/linux/mm.h
  put_page_testzero: site('put_page_testzero', MM_H, 1563, 'page_ref_count(page) == 0'),
  folio_entire_mapcount: site('folio_entire_mapcount', MM_H, 1632, '!folio_test_large(folio)'),
  folio_large_mapcount: site('folio_large_mapcount', MM_H, 1640, '!folio_test_large(folio)'),
  folio_get: site('folio_get', MM_H, 1848, '((unsigned int) folio_ref_count(folio) + 127u <= 127u)'),
  get_page_slab: site('get_page', MM_H, 1855, 'folio_test_slab(folio)'),
  get_page_large_kmalloc: site('get_page', MM_H, 1857, 'folio_test_large_kmalloc(folio)'),
  try_get_page: site('try_get_page', MM_H, 1865, 'page_ref_count(page) <= 0'),

  // mm/internal.h
  set_page_refcounted_tail: site('set_page_refcounted', INTERNAL_H, 596, 'PageTail(page)'),
  set_page_refcounted_count: site('set_page_refcounted', INTERNAL_H, 597, 'page_ref_count(page)'),
  page_is_buddy: site('page_is_buddy', INTERNAL_H, 754, 'page_count(buddy) != 0'),

  // mm/page_alloc.c
  free_list_mt: site('__add_to_free_list', PAGE_ALLOC_C, 801, 'get_pageblock_migratetype(page) != migratetype'),
  move_free_list_mt: site('move_to_free_list', PAGE_ALLOC_C, 827, 'get_pageblock_migratetype(page) != old_mt'),
  del_free_list_mt: site('__del_page_from_free_list', PAGE_ALLOC_C, 849, 'get_pageblock_migratetype(page) != migratetype'),
  __free_one_page_flags: site('__free_one_page', PAGE_ALLOC_C, 952, 'page->flags.f & PAGE_FLAGS_CHECK_AT_PREP'),
  __free_one_page_mt: site('__free_one_page', PAGE_ALLOC_C, 954, 'migratetype == -1'),
  __free_one_page_align: site('__free_one_page', PAGE_ALLOC_C, 955, 'pfn & ((1 << order) - 1)'),
  __free_one_page_range: site('__free_one_page', PAGE_ALLOC_C, 956, 'bad_range(zone, page)'),
  free_pages_prepare_tail: site('__free_pages_prepare', PAGE_ALLOC_C, 1328, 'PageTail(page)'),
  free_pages_prepare_order: site('__free_pages_prepare', PAGE_ALLOC_C, 1365, 'compound && compound_order(page) != order'),
  split_page_compound: site('__split_page', PAGE_ALLOC_C, 3104, 'PageCompound(page)'),
  split_page_count: site('split_page', PAGE_ALLOC_C, 3123, '!page_count(page)'),
  alloc_order_too_big: site('alloc_order_allowed', PAGE_ALLOC_C, 5340, 'order > MAX_PAGE_ORDER'),
  // The line of the VM_BUG_ON in the context of the linux-mm patch that later removes it ("mm: remove VM_BUG_ON from alloc_pages_node_noprof").
  alloc_pages_node_nid: site('alloc_pages_node_noprof', PAGE_ALLOC_C, 5441, 'nid < 0 || nid >= MAX_NUMNODES'),
} as const satisfies Record<string, Site>;
