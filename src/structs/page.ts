/**
 * struct page, struct folio and struct ptdesc as declared in
 * include/linux/mm_types.h, x86_64 with CONFIG_MEMCG=y and
 * CONFIG_HAVE_ALIGNED_STRUCT_PAGE=y (64 bytes, 16-byte aligned).
 *
 * Follows the linux-mm 7.3.0-rc5 tree (mm_types.h at 0199209e47e0) except
 * that the tail-page word keeps its v7.0 name `compound_head` (the tree renamed
 * it `compound_info`); the seed threads and their patches use
 * `compound_head`. The folio's first-tail fields are the v6.15+ MM_ID
 * layout.
 */

import {
  anonStruct,
  anonUnion,
  array,
  atomic_long_t,
  atomic_t,
  field,
  int,
  list_head,
  llist_node,
  pgoff_t,
  ptr,
  rcu_head,
  struct,
  unsigned_int,
  unsigned_long,
  type AggregateType,
} from '../layout/ctype.js';
import { MATCH, type LayoutAssertion } from '../layout/assert.js';

const MM_TYPES = 'include/linux/mm_types.h';

/** memdesc_flags_t (v6.18+): a struct around one unsigned long; shown as `flags`. */
const memdesc_flags_t = unsigned_long;

export const struct_page: AggregateType = struct(
  'page',
  [
    field('flags', memdesc_flags_t),
    anonUnion('page-union', [
      anonStruct('pagecache', [
        anonUnion('lru-union', [
          field('lru', list_head),
          field('buddy_list', list_head),
          field('pcp_list', list_head),
          field('pcp_llist', llist_node),
        ]),
        field('mapping', ptr('struct address_space')),
        anonUnion('index-union', [field('__folio_index', pgoff_t), field('share', unsigned_long)]),
        field('private', unsigned_long),
      ]),
      anonStruct('page_pool', [
        field('pp_magic', unsigned_long),
        field('pp', ptr('struct page_pool')),
        field('_pp_mapping_pad', unsigned_long),
        field('dma_addr', unsigned_long),
        field('pp_ref_count', atomic_long_t),
      ]),
      anonStruct('tail', [field('compound_head', unsigned_long)]),
      anonStruct('zone_device', [field('_unused_pgmap_compound_head', ptr('void')), field('zone_device_data', ptr('void'))]),
      field('rcu_head', rcu_head),
    ]),
    anonUnion('mapcount-union', [field('page_type', unsigned_int), field('_mapcount', atomic_t)]),
    field('_refcount', atomic_t),
    field('memcg_data', unsigned_long),
  ],
  16,
);

/** The fields of one struct page as seen through struct folio's first word group. */
function folioPage0(): AggregateType {
  return struct(undefined, [
    field('flags', memdesc_flags_t),
    anonUnion('folio-lru-union', [
      field('lru', list_head),
      anonStruct('mlock', [field('__filler', ptr('void')), field('mlock_count', unsigned_int)]),
      field('pgmap', ptr('struct dev_pagemap')),
    ]),
    field('mapping', ptr('struct address_space')),
    anonUnion('folio-index-union', [field('index', pgoff_t), field('share', unsigned_long)]),
    anonUnion('folio-private-union', [field('private', ptr('void')), field('swap', unsigned_long), field('migrate_info', unsigned_long)]),
    field('_mapcount', atomic_t),
    field('_refcount', atomic_t),
    field('memcg_data', unsigned_long),
  ]);
}

export function makeStructFolio(page: AggregateType): AggregateType {
  const p0 = folioPage0();
  return struct('folio', [
    anonUnion('folio-page0', [{ name: undefined, type: { ...p0, label: 'folio-page0-fields' } }, field('page', page)]),
    anonUnion('folio-page1', [
      anonStruct('folio-page1-fields', [
        field('_flags_1', unsigned_long),
        field('_head_1', unsigned_long),
        anonUnion('folio-mapcounts', [
          anonStruct('folio-mapcount-fields', [
            field('_large_mapcount', atomic_t),
            field('_nr_pages_mapped', atomic_t),
            field('_entire_mapcount', atomic_t),
            field('_pincount', atomic_t),
            field('_mm_id_mapcount', array(int, 2)),
            anonUnion('folio-mm-ids', [field('_mm_id', array(unsigned_int, 2)), field('_mm_ids', unsigned_long)]),
          ]),
          field('_usable_1', array(unsigned_long, 4)),
        ]),
        field('_mapcount_1', atomic_t),
        field('_refcount_1', atomic_t),
        field('_nr_pages', unsigned_int),
      ]),
      field('__page_1', page),
    ]),
    anonUnion('folio-page2', [
      anonStruct('folio-page2-fields', [field('_flags_2', unsigned_long), field('_head_2', unsigned_long), field('_deferred_list', list_head)]),
      field('__page_2', page),
    ]),
    anonUnion('folio-page3', [
      anonStruct('folio-page3-fields', [
        field('_flags_3', unsigned_long),
        field('_head_3', unsigned_long),
        field('_hugetlb_subpool', ptr('void')),
        field('_hugetlb_cgroup', ptr('void')),
        field('_hugetlb_cgroup_rsvd', ptr('void')),
        field('hugetlb_hwpoison', struct('llist_head', [field('first', ptr('struct llist_node'))])),
      ]),
      field('__page_3', page),
    ]),
  ]);
}

export const struct_ptdesc: AggregateType = struct('ptdesc', [
  field('pt_flags', memdesc_flags_t),
  anonUnion('ptdesc-union', [
    field('pt_rcu_head', rcu_head),
    field('pt_list', list_head),
    anonStruct('ptdesc-thp', [field('_pt_pad_1', unsigned_long), field('pmd_huge_pte', ptr('struct page'))]),
  ]),
  field('__page_mapping', unsigned_long),
  anonUnion('ptdesc-index-union', [
    field('pt_index', pgoff_t),
    field('pt_mm', ptr('struct mm_struct')),
    field('pt_frag_refcount', atomic_t),
    field('pt_share_count', atomic_t),
  ]),
  // x86_64 without lockdep: ALLOC_SPLIT_PTLOCKS is 0 and the spinlock is inline.
  anonUnion('ptdesc-ptl-union', [field('_pt_pad_2', unsigned_long), field('ptl', struct('spinlock', [field('raw_lock', unsigned_int)]))]),
  field('__page_type', unsigned_int),
  field('__page_refcount', atomic_t),
  field('pt_memcg_data', unsigned_long),
]);

const PAGE = 64;

/** FOLIO_MATCH assertions of mm_types.h: struct folio overlays four struct pages. */
export const folioMatches: readonly LayoutAssertion[] = [
  ...['flags', 'lru', 'mapping', 'private', '_mapcount', '_refcount', 'memcg_data'].map((f) => MATCH('FOLIO_MATCH', MM_TYPES, 'page', f, 'folio', f)),
  MATCH('FOLIO_MATCH', MM_TYPES, 'page', 'compound_head', 'folio', 'lru'),
  MATCH('FOLIO_MATCH', MM_TYPES, 'page', '__folio_index', 'folio', 'index'),
  // Right-hand side is the page offset plus k * sizeof(struct page): written as folio field == page field + k*64.
  MATCH('FOLIO_MATCH', MM_TYPES, 'folio', '_flags_1', 'page', 'flags', PAGE),
  MATCH('FOLIO_MATCH', MM_TYPES, 'folio', '_head_1', 'page', 'compound_head', PAGE),
  MATCH('FOLIO_MATCH', MM_TYPES, 'folio', '_mapcount_1', 'page', '_mapcount', PAGE),
  MATCH('FOLIO_MATCH', MM_TYPES, 'folio', '_refcount_1', 'page', '_refcount', PAGE),
  MATCH('FOLIO_MATCH', MM_TYPES, 'folio', '_flags_2', 'page', 'flags', 2 * PAGE),
  MATCH('FOLIO_MATCH', MM_TYPES, 'folio', '_head_2', 'page', 'compound_head', 2 * PAGE),
  MATCH('FOLIO_MATCH', MM_TYPES, 'folio', '_flags_3', 'page', 'flags', 3 * PAGE),
  MATCH('FOLIO_MATCH', MM_TYPES, 'folio', '_head_3', 'page', 'compound_head', 3 * PAGE),
];

/** TABLE_MATCH assertions of mm_types.h: struct ptdesc overlays struct page. */
export const tableMatches: readonly LayoutAssertion[] = [
  MATCH('TABLE_MATCH', MM_TYPES, 'page', 'flags', 'ptdesc', 'pt_flags'),
  MATCH('TABLE_MATCH', MM_TYPES, 'page', 'compound_head', 'ptdesc', 'pt_list'),
  // The assertion Anshuman Khandual asked for in review of seed 003 patch 4/7.
  MATCH('TABLE_MATCH', MM_TYPES, 'page', 'lru', 'ptdesc', 'pt_list'),
  MATCH('TABLE_MATCH', MM_TYPES, 'page', 'compound_head', 'ptdesc', '_pt_pad_1'),
  MATCH('TABLE_MATCH', MM_TYPES, 'page', 'mapping', 'ptdesc', '__page_mapping'),
  MATCH('TABLE_MATCH', MM_TYPES, 'page', '__folio_index', 'ptdesc', 'pt_index'),
  MATCH('TABLE_MATCH', MM_TYPES, 'page', 'rcu_head', 'ptdesc', 'pt_rcu_head'),
  MATCH('TABLE_MATCH', MM_TYPES, 'page', 'page_type', 'ptdesc', '__page_type'),
  MATCH('TABLE_MATCH', MM_TYPES, 'page', '_refcount', 'ptdesc', '__page_refcount'),
  MATCH('TABLE_MATCH', MM_TYPES, 'page', 'memcg_data', 'ptdesc', 'pt_memcg_data'),
];
