/**
 * What each scenario operation is in a linux 6.12 kernel, as C a KUnit test
 * can run: a template over the step's arguments, the C type of a handle the
 * step binds, and the helpers (src/kunit/helpers.ts) the template calls.
 * An operation absent here has no 6.12 counterpart a test can call: a
 * pagesim-only reader, API added after 6.12 (alloc_frozen_pages, the
 * dropbehind flag, large_kmalloc pages, pagetable_dtor), a static function
 * (pte_free_now, free_pages_prepare), or state a test cannot build alone (a
 * TCP socket with received data, a dma-buf binding). A driver VMA is an
 * anonymous-inode file of the test's own with an mmap handler.
 *
 * Names and signatures follow Debian's linux-source-6.12 (6.12.y):
 * include/linux/page-flags.h, page_ref.h, mm.h, gfp.h, mm/internal.h.
 */

/** A template: `{name}` is the argument of that parameter as C; `{name:folio}` its folio. */
export interface KunitOp {
  readonly c: string;
  /** C type of a handle the step binds (`as:`); pages are `struct page *`. */
  readonly type?: string;
  /** How the result prints: the result type unless said. */
  readonly print?: 'void' | 'page' | 'int' | 'bool' | 'ptr' | 'name';
  /** The object type word a `ptr` result prints (`ptdesc`, `mm` ...). */
  readonly label?: string;
  readonly helpers?: readonly string[];
  readonly headers?: readonly string[];
}

const T = (c: string, more: Omit<KunitOp, 'c'> = {}): KunitOp => ({ c, ...more });
const MM = ['mm'];

const table: Record<string, KunitOp> = {
  // page allocator (mm/page_alloc.c, include/linux/gfp.h, mm/internal.h)
  alloc_pages: T('alloc_pages({gfp}, {order})'),
  alloc_pages_node: T('alloc_pages_node({nid}, {gfp}, {order})'),
  folio_alloc: T('pagesim_folio_page(folio_alloc({gfp}, {order}))', { helpers: ['folio_page'] }),
  __free_pages: T('__free_pages({page}, {order})'),
  split_page: T('split_page({page}, {order})'),
  prep_compound_page: T('prep_compound_page({page}, {order})'),
  post_alloc_hook: T('post_alloc_hook({page}, {order}, {gfp})'),
  set_page_refcounted: T('set_page_refcounted({page})'),
  drain_all_pages: T('drain_all_pages(NULL)'),
  // refcounts (include/linux/page_ref.h, mm.h)
  page_ref_count: T('page_ref_count({page})'),
  page_count: T('page_count({page})'),
  folio_ref_count: T('folio_ref_count({folio:folio})'),
  set_page_count: T('set_page_count({page}, {v})'),
  init_page_count: T('init_page_count({page})'),
  folio_set_count: T('folio_set_count({folio:folio}, {v})'),
  page_ref_add: T('page_ref_add({page}, {nr})'),
  page_ref_sub: T('page_ref_sub({page}, {nr})'),
  page_ref_inc: T('page_ref_inc({page})'),
  page_ref_dec: T('page_ref_dec({page})'),
  folio_ref_add: T('folio_ref_add({folio:folio}, {nr})'),
  folio_ref_sub: T('folio_ref_sub({folio:folio}, {nr})'),
  folio_ref_inc: T('folio_ref_inc({folio:folio})'),
  folio_ref_dec: T('folio_ref_dec({folio:folio})'),
  page_ref_sub_and_test: T('page_ref_sub_and_test({page}, {nr})'),
  page_ref_dec_and_test: T('page_ref_dec_and_test({page})'),
  folio_ref_sub_and_test: T('folio_ref_sub_and_test({folio:folio}, {nr})'),
  folio_ref_dec_and_test: T('folio_ref_dec_and_test({folio:folio})'),
  page_ref_inc_return: T('page_ref_inc_return({page})'),
  page_ref_dec_return: T('page_ref_dec_return({page})'),
  folio_ref_sub_return: T('folio_ref_sub_return({folio:folio}, {nr})'),
  page_ref_add_unless: T('page_ref_add_unless({page}, {nr}, {u})'),
  folio_try_get: T('folio_try_get({folio:folio})'),
  folio_ref_try_add: T('folio_ref_try_add({folio:folio}, {count})'),
  get_page_unless_zero: T('get_page_unless_zero({page})'),
  page_ref_freeze: T('page_ref_freeze({page}, {count})'),
  page_ref_unfreeze: T('page_ref_unfreeze({page}, {count})'),
  folio_ref_freeze: T('folio_ref_freeze({folio:folio}, {count})'),
  folio_ref_unfreeze: T('folio_ref_unfreeze({folio:folio}, {count})'),
  folio_get: T('folio_get({folio:folio})'),
  folio_put: T('folio_put({folio:folio})'),
  folio_put_refs: T('folio_put_refs({folio:folio}, {refs})'),
  get_page: T('get_page({page})'),
  put_page: T('put_page({page})'),
  try_get_page: T('try_get_page({page})'),
  put_page_testzero: T('put_page_testzero({page})'),
  // folios (include/linux/mm.h)
  folio_nr_pages: T('folio_nr_pages({folio:folio})'),
  folio_order: T('folio_order({folio:folio})'),
  folio_mapcount: T('folio_mapcount({folio:folio})'),
  folio_large_mapcount: T('folio_large_mapcount({folio:folio})'),
  folio_entire_mapcount: T('folio_entire_mapcount({folio:folio})'),
  compound_order: T('compound_order({page})'),
  folio_test_large: T('folio_test_large({folio:folio})'),
  folio_mapped: T('folio_mapped({folio:folio})'),
  page_folio: T('&page_folio({page})->page'),
  compound_head: T('compound_head({page})'),
  set_page_private: T('set_page_private({page}, {private})'),
  page_private: T('page_private({page})'),
  PageTail: T('PageTail({page})'),
  PageCompound: T('PageCompound({page})'),
  page_has_type: T('page_has_type({page})'),
  // the word page_type shares with _mapcount, read and written as the kernel stores it
  page_type_raw: T('(unsigned int)READ_ONCE({page}->page_type)'),
  set_page_type_raw: T('WRITE_ONCE({page}->page_type, {value})'),
  // machine
  dump_page: T('dump_page({page}, {reason})', { print: 'void' }),
  // address spaces and faults, through an mm the test creates
  mm_alloc: T('pagesim_mm_alloc()', { type: 'struct mm_struct *', print: 'ptr', label: 'mm', helpers: MM }),
  mmap: T('pagesim_mmap({mm}, {addr}, {len})', { helpers: MM, print: 'name' }),
  munmap: T('pagesim_munmap({mm}, {addr}, {len})', { helpers: MM }),
  handle_mm_fault: T('pagesim_fault({mm}, {address}, {write})', { helpers: MM }),
  mmput: T('pagesim_mmput({mm})', { helpers: MM }),
  get_mm_counter: T('get_mm_counter({mm}, {member:raw})'),
  mm_pgtables_bytes: T('mm_pgtables_bytes({mm})'),
  madvise_dontneed: T('pagesim_madvise({mm}, {addr}, {len}, MADV_DONTNEED)', { helpers: MM }),
  // a driver's file whose mmap hands out kernel pages (an anonymous-inode file the test makes; mm/memory.c)
  mmap_device: T('pagesim_mmap_device({mm}, {addr}, {len})', { helpers: [...MM, 'device'], print: 'name' }),
  vm_insert_page: T('pagesim_vm_insert_page({mm}, {addr}, {page})', { helpers: [...MM, 'device'] }),
  vm_insert_pages: T('pagesim_vm_insert_pages({mm}, {addr}, {page}, {num})', { helpers: [...MM, 'device'] }),
  // page tables and ptdesc (include/linux/mm.h, arch/x86/include/asm/pgalloc.h)
  pte_alloc_one: T('pte_alloc_one({mm})'),
  pte_free: T('pte_free({mm}, {pgtable})'),
  pte_free_defer: T('pte_free_defer({mm}, {pgtable})'),
  pagetable_alloc: T('pagetable_alloc({gfp}, {order})', { type: 'struct ptdesc *', print: 'ptr', label: 'ptdesc' }),
  pagetable_free: T('pagetable_free({ptdesc})'),
  // 6.12's constructor takes the ptdesc alone (the mm argument came later)
  pagetable_pte_ctor: T('pagetable_pte_ctor({ptdesc})'),
  ptdesc_page: T('ptdesc_page({ptdesc})'),
  page_ptdesc: T('page_ptdesc({page})', { type: 'struct ptdesc *', print: 'ptr', label: 'ptdesc' }),
  virt_to_ptdesc: T('virt_to_ptdesc(page_address({x}))', { type: 'struct ptdesc *', print: 'ptr', label: 'ptdesc' }),
  // transparent huge pages
  split_huge_pmd: T('pagesim_split_huge_pmd({mm}, {address})', { helpers: [...MM, 'thp'] }),
  collapse_pte_mapped_thp: T('pagesim_collapse_pte_mapped_thp({mm}, {addr})', { helpers: [...MM, 'thp'] }),
  // RCU, time
  synchronize_rcu: T('synchronize_rcu()'),
  rcu_barrier: T('rcu_barrier()'),
  msleep: T('msleep({msecs})'),
  // slab (mm/slub.c)
  // {flags:slabflags}: SLAB_NO_MERGE (include/linux/slab.h, since 6.5), or 0
  // for a cache pagesim merges with another of the scenario (export.ts)
  kmem_cache_create: T('kmem_cache_create({name}, {size}, {align}, {flags:slabflags}, NULL)', { type: 'struct kmem_cache *', print: 'ptr', label: 'kmem_cache' }),
  kmem_cache_alloc: T('kmem_cache_alloc({cache}, {gfp})', { type: 'void *', print: 'ptr', label: 'object' }),
  kmem_cache_free: T('kmem_cache_free({cache}, {object})'),
  kmem_cache_destroy: T('kmem_cache_destroy({cache})'),
  virt_to_page: T('virt_to_page({object})'),
  // direct-map attributes (arch/x86/mm/pat/set_memory.c)
  set_memory_4k: T('set_memory_4k((unsigned long)page_address({addr}), {numpages})'),
  set_memory_ro: T('set_memory_ro((unsigned long)page_address({addr}), {numpages})'),
  set_memory_rw: T('set_memory_rw((unsigned long)page_address({addr}), {numpages})'),
  set_memory_nx: T('set_memory_nx((unsigned long)page_address({addr}), {numpages})'),
  set_memory_x: T('set_memory_x((unsigned long)page_address({addr}), {numpages})'),
  set_memory_rox: T('set_memory_rox((unsigned long)page_address({addr}), {numpages})'),
  folio_add_lru: T('folio_add_lru({folio:folio})'),
  // GUP (mm/gup.c)
  pin_user_pages: T('pagesim_pin({mm}, {start}, {nr_pages}, {gup_flags:raw})', { helpers: [...MM, 'gup'] }),
  unpin_user_pages: T('pagesim_unpin({mm}, {start}, {nr_pages})', { helpers: [...MM, 'gup'] }),
  get_user_pages: T('pagesim_get_user_pages({mm}, {start}, {nr_pages}, {gup_flags:raw})', { helpers: [...MM, 'gup'] }),
  folio_maybe_dma_pinned: T('folio_maybe_dma_pinned({page:folio})'),
  folio_pincount: T('pagesim_folio_pincount({page})', { helpers: ['gup'] }),
  get_user_page_vma_remote: T('pagesim_get_user_page({mm}, {addr}, {gup_flags:raw})', { helpers: [...MM, 'gup'] }),
  // page_pool without a NIC: a KUnit device (net/core/page_pool.c)
  page_pool_create: T('pagesim_page_pool_create(test, {order}, {pool_size}, {nid}, {flags:raw})', { type: 'struct page_pool *', print: 'ptr', label: 'page_pool', helpers: ['page_pool'] }),
  page_pool_alloc_pages: T('page_pool_alloc_pages({pool}, {gfp})'),
  page_pool_put_full_page: T('page_pool_put_full_page({pool}, {page}, {allow_direct})'),
  page_pool_recycle_direct: T('page_pool_recycle_direct({pool}, {page})'),
  page_pool_ref_page: T('page_pool_ref_page({page})'),
  page_pool_destroy: T('page_pool_destroy({pool})'),
  page_pool_inflight: T('pagesim_page_pool_inflight({pool})', { helpers: ['page_pool'] }),
  page_pool_get_stats: T('pagesim_page_pool_stat({pool}, offsetof(struct page_pool_stats, {stat:ppstat}))', { helpers: ['page_pool'] }),
  netmem_get_pp_ref_count: T('atomic_long_read(&({netmem:page})->pp_ref_count)'),
  // vmstat (include/linux/vmstat.h)
  // read as the kernel reads it, the folded part alone; the suite holds the
  // vmstat worker off while it runs (the nodestat helpers) so the fold comes
  // from the steps only
  global_node_page_state: T('global_node_page_state({item:nodestat}) - {minus}', { helpers: ['nodestat'] }),
  // Zone counters are read whole (global plus every CPU's delta): the plain
  // global_zone_page_state() misses what is still in the per-CPU deltas,
  // and how much that is depends on when the vmstat worker last ran.
  global_zone_page_state: T('pagesim_zone_page_state_exact({item:zonestat}) - {minus}', { helpers: ['nodestat', 'zonestat'] }),
};

/**
 * The page flag and page type operations that exist in 6.12 under the same
 * name (include/linux/page-flags.h: PAGEFLAG, FOLIO_FLAG, __PAGEFLAG,
 * PAGE_TYPE_OPS ...). 6.12 spells some differently (__folio_set_locked, no
 * folio_set_locked); those are not here.
 */
const FLAG_OPS = new Set(
  `PageLocked __SetPageLocked __ClearPageLocked folio_test_locked
folio_test_waiters folio_set_waiters folio_clear_waiters folio_test_referenced folio_set_referenced folio_clear_referenced
PageDirty SetPageDirty ClearPageDirty folio_test_dirty folio_set_dirty folio_clear_dirty
PageLRU SetPageLRU ClearPageLRU __ClearPageLRU folio_test_lru folio_set_lru folio_clear_lru
folio_test_active folio_set_active folio_clear_active
PageWorkingset SetPageWorkingset ClearPageWorkingset folio_test_workingset folio_set_workingset folio_clear_workingset
PageChecked SetPageChecked ClearPageChecked folio_test_checked folio_set_checked folio_clear_checked
PagePinned SetPagePinned ClearPagePinned folio_test_pinned folio_set_pinned folio_clear_pinned
PageSavePinned SetPageSavePinned ClearPageSavePinned folio_test_savepinned folio_set_savepinned folio_clear_savepinned
PageReserved SetPageReserved ClearPageReserved __SetPageReserved __ClearPageReserved folio_test_reserved folio_set_reserved folio_clear_reserved
folio_test_swapbacked folio_set_swapbacked folio_clear_swapbacked
PagePrivate SetPagePrivate ClearPagePrivate folio_test_private folio_set_private folio_clear_private
folio_test_private_2 folio_set_private_2 folio_clear_private_2
PageWriteback folio_test_writeback
PageReclaim SetPageReclaim ClearPageReclaim folio_test_reclaim folio_set_reclaim folio_clear_reclaim
folio_test_readahead folio_set_readahead folio_clear_readahead
folio_test_unevictable folio_set_unevictable folio_clear_unevictable
folio_test_mlocked folio_set_mlocked folio_clear_mlocked
PageHWPoison SetPageHWPoison ClearPageHWPoison folio_test_hwpoison folio_set_hwpoison folio_clear_hwpoison
PageReported __SetPageReported __ClearPageReported folio_test_reported
PageUptodate SetPageUptodate __SetPageUptodate ClearPageUptodate folio_test_uptodate folio_clear_uptodate
PageHead __SetPageHead __ClearPageHead ClearPageHead folio_test_head
PageAnon PageAnonExclusive SetPageAnonExclusive ClearPageAnonExclusive __ClearPageAnonExclusive
folio_test_has_hwpoisoned folio_set_has_hwpoisoned folio_clear_has_hwpoisoned
folio_test_large_rmappable folio_set_large_rmappable folio_clear_large_rmappable
folio_test_partially_mapped folio_set_partially_mapped folio_clear_partially_mapped
folio_set_swapcache folio_clear_swapcache folio_test_swapcache folio_test_young folio_set_young
PageBuddy __SetPageBuddy __ClearPageBuddy folio_test_buddy
PageOffline __SetPageOffline __ClearPageOffline folio_test_offline
PageTable __SetPageTable __ClearPageTable folio_test_pgtable
PageGuard __SetPageGuard __ClearPageGuard folio_test_guard
PageSlab folio_test_slab folio_test_hugetlb
PageZsmalloc __SetPageZsmalloc __ClearPageZsmalloc folio_test_zsmalloc
PageUnaccepted __SetPageUnaccepted __ClearPageUnaccepted folio_test_unaccepted`.split(/\s+/),
);

/** The 6.12 C of an operation, or null when 6.12 has no counterpart a test can call. */
export function kunitOp(name: string, firstParam: string | undefined): KunitOp | null {
  const t = table[name];
  if (t !== undefined) return t;
  if (!FLAG_OPS.has(name) || firstParam === undefined) return null;
  return name.startsWith('folio_') ? T(`${name}({${firstParam}:folio})`) : T(`${name}({${firstParam}})`);
}

/** ethtool's page_pool statistic names (net/core/page_pool.c pp_stats) as fields of struct page_pool_stats. */
export const PP_STATS: Readonly<Record<string, string>> = {
  rx_pp_alloc_fast: 'alloc_stats.fast',
  rx_pp_alloc_slow: 'alloc_stats.slow',
  rx_pp_alloc_slow_ho: 'alloc_stats.slow_high_order',
  rx_pp_alloc_empty: 'alloc_stats.empty',
  rx_pp_alloc_refill: 'alloc_stats.refill',
  rx_pp_alloc_waive: 'alloc_stats.waive',
  rx_pp_recycle_cached: 'recycle_stats.cached',
  rx_pp_recycle_cache_full: 'recycle_stats.cache_full',
  rx_pp_recycle_ring: 'recycle_stats.ring',
  rx_pp_recycle_ring_full: 'recycle_stats.ring_full',
  rx_pp_recycle_released_ref: 'recycle_stats.released_refcnt',
};

/** /proc/vmstat names whose enum is not NR_ plus the name in capitals (mm/vmstat.c vmstat_text). */
const STAT_ENUMS: Readonly<Record<string, string>> = {
  nr_mapped: 'NR_FILE_MAPPED',
  nr_anon_pages: 'NR_ANON_MAPPED',
  nr_file_pages: 'NR_FILE_PAGES',
  nr_page_table_pages: 'NR_PAGETABLE',
  nr_sec_page_table_pages: 'NR_SECONDARY_PAGETABLE',
};

/** The enum item of a vmstat name (`nr_mapped` -> NR_FILE_MAPPED), or null. */
export function statEnum(name: string): string | null {
  if (STAT_ENUMS[name] !== undefined) return STAT_ENUMS[name]!;
  return /^nr_[a-z0-9_]+$/.test(name) ? name.toUpperCase() : null;
}
