/**
 * Where each check pagesim models lives in the kernel source, with the
 * condition text exactly as written there (what `#cond` prints in
 * "page dumped because: VM_BUG_ON_PAGE(<cond>)") and the line that
 * "kernel BUG at FILE:LINE!" names.
 *
 * Lines follow the 2026 linux-mm tree (≈v7.0): the blob of each file is
 * named in docs/kernel-version.md. One table, so a kernel-version bump is
 * one edit.
 */

import type { Site } from '../report/report.js';

function site(fn: string, file: string, line: number, cond: string): Site {
  return { fn, file, line, cond };
}

const PAGE_FLAGS_H = 'include/linux/page-flags.h';
const PAGE_REF_H = 'include/linux/page_ref.h';
const MM_H = 'include/linux/mm.h';
const INTERNAL_H = 'mm/internal.h';
const PAGE_ALLOC_C = 'mm/page_alloc.c';

export const SITES = {
  // include/linux/page-flags.h: page-flag policies (CONFIG_DEBUG_VM_PGFLAGS) and page types.
  PF_POISONED_CHECK: site('PF_POISONED_CHECK', PAGE_FLAGS_H, 349, 'PagePoisoned(page)'),
  PF_NO_TAIL: site('PF_NO_TAIL', PAGE_FLAGS_H, 357, 'modify && PageTail(page)'),
  PF_NO_COMPOUND: site('PF_NO_COMPOUND', PAGE_FLAGS_H, 360, 'enforce && PageCompound(page)'),
  PF_SECOND: site('PF_SECOND', PAGE_FLAGS_H, 363, '!PageHead(page)'),
  folio_flags: site('folio_flags', PAGE_FLAGS_H, 330, 'PageTail(page)'),
  folio_flags_n: site('folio_flags', PAGE_FLAGS_H, 331, 'n > 0 && !test_bit(PG_head, &page->flags.f)'),
  __SetPageType: site('__SetPage', PAGE_FLAGS_H, 1045, 'data_race(page->page_type) != UINT_MAX'),
  __ClearPageType: site('__ClearPage', PAGE_FLAGS_H, 1052, '!Page##uname(page)'),

  // include/linux/page_ref.h
  page_ref_unfreeze_count: site('page_ref_unfreeze', PAGE_REF_H, 285, 'page_count(page) != 0'),
  page_ref_unfreeze_zero: site('page_ref_unfreeze', PAGE_REF_H, 286, 'count == 0'),

  // include/linux/mm.h
  folio_get: site('folio_get', MM_H, 1538, 'folio_ref_zero_or_close_to_overflow(folio)'),
  put_page_testzero: site('put_page_testzero', MM_H, 1237, 'page_ref_count(page) == 0'),
  get_page_typed: site('get_page', MM_H, 1549, 'folio_test_slab(folio) || folio_test_large_kmalloc(folio)'),
  folio_entire_mapcount: site('folio_entire_mapcount', MM_H, 1282, '!folio_test_large(folio)'),
  try_get_page: site('try_get_page', MM_H, 1564, 'page_ref_count(page) <= 0'),

  // mm/internal.h
  set_page_refcounted_tail: site('set_page_refcounted', INTERNAL_H, 585, 'PageTail(page)'),
  set_page_refcounted_count: site('set_page_refcounted', INTERNAL_H, 586, 'page_ref_count(page)'),
  page_is_buddy: site('page_is_buddy', INTERNAL_H, 723, 'page_count(buddy) != 0'),

  // mm/page_alloc.c
  free_pages_prepare_tail: site('__free_pages_prepare', PAGE_ALLOC_C, 1339, 'PageTail(page)'),
  free_pages_prepare_order: site('__free_pages_prepare', PAGE_ALLOC_C, 1375, 'compound && compound_order(page) != order'),
  __free_one_page_flags: site('__free_one_page', PAGE_ALLOC_C, 955, 'page->flags.f & PAGE_FLAGS_CHECK_AT_PREP'),
  __free_one_page_mt: site('__free_one_page', PAGE_ALLOC_C, 957, 'migratetype == -1'),
  __free_one_page_align: site('__free_one_page', PAGE_ALLOC_C, 958, 'pfn & ((1 << order) - 1)'),
  __free_one_page_range: site('__free_one_page', PAGE_ALLOC_C, 959, 'bad_range(zone, page)'),
  alloc_order_too_big: site('__alloc_frozen_pages_noprof', PAGE_ALLOC_C, 5158, 'order > MAX_PAGE_ORDER'),
  split_page_compound: site('split_page', PAGE_ALLOC_C, 3040, 'PageCompound(page)'),
  split_page_count: site('split_page', PAGE_ALLOC_C, 3041, '!page_count(page)'),
  free_list_mt: site('__add_to_free_list', PAGE_ALLOC_C, 662, 'get_pageblock_migratetype(page) != migratetype'),
  del_free_list_mt: site('__del_page_from_free_list', PAGE_ALLOC_C, 702, 'get_pageblock_migratetype(page) != migratetype'),
} as const satisfies Record<string, Site>;
