/**
 * mm/page_alloc.c (linux-mm 7.3.0-rc5, blob 00cb34b034a5): the zoned
 * buddy allocator with per-CPU page lists, and its DEBUG_VM checks.
 *
 * One method per kernel function, under the kernel's name; `struct page *`
 * is a pfn and NULL is -1. Locks are not modelled (pagesim runs one CPU at
 * a time); reclaim, compaction, the OOM killer, CMA, page reporting,
 * shuffling and KASAN are not modelled: an allocation that would need them
 * fails, as it would on a machine where they cannot help.
 */

import {
  HPAGE_PMD_ORDER,
  LAST_CPUPID_MASK,
  LAST_CPUPID_PGOFF,
  MAX_PAGE_ORDER,
  MIGRATE_HIGHATOMIC,
  MIGRATE_ISOLATE,
  MIGRATE_MOVABLE,
  MIGRATE_PCPTYPES,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  NR_LOWORDER_PCP_LISTS,
  NR_PAGE_ORDERS,
  NR_PCP_LISTS,
  PAGE_ALLOC_COSTLY_ORDER,
  ZONE_DMA,
  ZONE_DMA32,
  ZONE_MOVABLE,
  ZONE_NORMAL,
  pageblock_nr_pages,
  pageblock_order,
  LRU_GEN_PGOFF,
  LRU_GEN_WIDTH,
  LRU_REFS_PGOFF,
  LRU_REFS_WIDTH,
  NODES_WIDTH,
  TAIL_MAPPING,
  POISON_HI,
  MAX_NR_ZONES,
  NODES_PGOFF,
  ZONES_PGOFF,
  ZONES_WIDTH,
} from './config.js';
import { VMEMMAP_HI } from './machine.js';
import {
  ALLOC_CMA,
  ALLOC_CPUSET,
  ALLOC_DEFAULT,
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NOFRAGMENT,
  ALLOC_NON_BLOCK,
  ALLOC_NO_WATERMARKS,
  ALLOC_OOM,
  ALLOC_RESERVES,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  FPI_NONE,
  FPI_PREPARED,
  FPI_TO_TAIL,
  Internal,
} from './internal.js';
import { PB_MIGRATE_ISOLATE, PB_MIGRATETYPE_MASK, PCPF_FREE_HIGH_BATCH, PCPF_PREV_FREE_HIGH_ORDER, ZONE_BELOW_HIGH, ZONE_BOOSTED_WATERMARK, ZONE_RECLAIM_ACTIVE, WMARK_HIGH, WMARK_MIN, type PerCpuPages, type Zone } from './mmzone.js';
import {
  PAGE_FLAGS_SECOND,
  PAGE_TYPE_RESET,
  PGTY_buddy,
  PGTY_guard,
  PG_active,
  PG_head,
  PG_hwpoison,
  PG_locked,
  PG_lru,
  PG_mlocked,
  PG_private,
  PG_private_2,
  PG_reserved,
  PG_unevictable,
  PG_writeback,
  PAGEFLAGS_MASK,
  PageFlags,
  pageFlagAccessor,
} from './page-flags.js';
import { HotWords } from './hot-words.js';
import { SITES } from './sites.js';
import type { Site } from '../report/report.js';
import { declareSymbols } from './symbols.js';
import { NR_FREE_CMA_PAGES, NR_FREE_PAGES, NR_FREE_PAGES_BLOCKS, NR_MLOCK, PGALLOC_BASE, PGFREE } from './vmstat.js';
import * as gfpBits from './gfp.js';
import { formatGfp, formatGfpMask, gfp_migratetype, gfp_zone } from './gfp.js';
import { formatDumpStack, inInterrupt } from '../report/oops.js';
import { ___ratelimit } from './ratelimit.js';
import { SHOW_MEM_FILTER_NODES, __show_mem, mem_cgroup_show_protected_memory, memoryNodes } from './show_mem.js';

declareSymbols('mm/page_alloc.c', [
  'bad_page',
  '__free_one_page',
  'free_pcppages_bulk',
  'free_one_page',
  '__free_pages_ok',
  '__free_pages_core',
  'free_frozen_page_commit',
  '__free_frozen_pages',
  'free_frozen_pages',
  '___free_pages',
  '__free_pages',
  'free_pages',
  'split_page',
  'rmqueue_bulk',
  'rmqueue_pcplist',
  'rmqueue_buddy',
  'try_to_claim_block',
  'get_page_from_freelist',
  'warn_alloc',
  '__alloc_pages_slowpath',
  '__alloc_frozen_pages_noprof',
  '__alloc_pages_noprof',
  '__folio_alloc_noprof',
  'alloc_pages_noprof',
  'alloc_pages_node_noprof',
  'drain_pages_zone',
  'drain_all_pages',
  'zone_pcp_disable',
  'zone_pcp_enable',
  'post_alloc_hook',
  'prep_compound_page',
  'free_pages_prepare',
  'reserve_highatomic_pageblock',
  'unreserve_highatomic_pageblock',
  'zone_watermark_ok',
  '__zone_watermark_ok',
]);
declareSymbols(
  'mm/page_alloc.c',
  [
    '__free_pages_prepare',
    'free_tail_page_prepare',
    'free_page_is_bad',
    'page_expected_state',
    'page_bad_reason',
    'check_new_page',
    'check_new_page_bad',
    'check_new_pages',
    'expand',
    'page_del_and_expand',
    '__rmqueue_smallest',
    '__rmqueue_claim',
    '__rmqueue_steal',
    '__rmqueue',
    '__rmqueue_pcplist',
    'rmqueue',
    'prep_new_page',
    'zone_watermark_fast',
    '__add_to_free_list',
    '__del_page_from_free_list',
    'del_page_from_free_list',
    'move_to_free_list',
    'account_freepages',
    'split_large_buddy',
    'nr_pcp_high',
    'nr_pcp_free',
    'nr_pcp_alloc',
    'set_buddy_order',
    'buddy_merge_likely',
    'prepare_alloc_pages',
    'alloc_order_allowed',
    '__split_page',
  ],
  true,
);
declareSymbols('include/linux/gfp.h', ['alloc_pages', 'alloc_frozen_pages', 'folio_alloc', '__folio_alloc'], true);
declareSymbols('lib/dump_stack.c', ['dump_stack_lvl']);

const PAGE_LRU = pageFlagAccessor('PageLRU');

// The gfp bits this file tests, as small integers: gfp.ts computes them as powers of two,
// which V8 keeps as boxed doubles, and every test of one would convert it.
const __GFP_COMP = gfpBits.__GFP_COMP | 0;
const __GFP_DIRECT_RECLAIM = gfpBits.__GFP_DIRECT_RECLAIM | 0;
const __GFP_HIGH = gfpBits.__GFP_HIGH | 0;
const __GFP_KSWAPD_RECLAIM = gfpBits.__GFP_KSWAPD_RECLAIM | 0;
const __GFP_NOFAIL = gfpBits.__GFP_NOFAIL | 0;
const __GFP_NOMEMALLOC = gfpBits.__GFP_NOMEMALLOC | 0;
const __GFP_NORETRY = gfpBits.__GFP_NORETRY | 0;
const __GFP_NOWARN = gfpBits.__GFP_NOWARN | 0;
const __GFP_DMA = gfpBits.__GFP_DMA | 0;
const __GFP_THISNODE = gfpBits.__GFP_THISNODE | 0;
const __GFP_ZERO = gfpBits.__GFP_ZERO | 0;

const bit = (b: number): number => 1 << b;
const LRU_GEN_MASK = ((1 << LRU_GEN_WIDTH) - 1) << LRU_GEN_PGOFF;
const LRU_REFS_MASK = ((1 << LRU_REFS_WIDTH) - 1) << LRU_REFS_PGOFF;
/** Flags that must be clear when a page is freed (include/linux/page-flags.h). */
export const PAGE_FLAGS_CHECK_AT_FREE =
  (bit(PG_lru) | bit(PG_locked) | bit(PG_private) | bit(PG_private_2) | bit(PG_writeback) | bit(PG_reserved) | bit(PG_active) | bit(PG_unevictable) | bit(PG_mlocked) | LRU_GEN_MASK) >>> 0;
/** Flags that must be clear when a page is handed out: every page flag but hwpoison, plus the LRU gen/refs bits. */
export const PAGE_FLAGS_CHECK_AT_PREP = ((PAGEFLAGS_MASK & ~bit(PG_hwpoison)) | LRU_GEN_MASK | LRU_REFS_MASK) >>> 0;
const __PG_HWPOISON = bit(PG_hwpoison);
/** What check_new_page() checks: the PREP flags and hwpoison. */
const CHECK_AT_NEW = (PAGE_FLAGS_CHECK_AT_PREP | __PG_HWPOISON) >>> 0;
/** Flags that send an order-0 free off the inline path: a head page, mlocked, hwpoisoned (and a poisoned memmap, whose flags are all ones). */
const FREE0_OFF_INLINE = bit(PG_head) | bit(PG_mlocked) | bit(PG_hwpoison);
/** TAIL_MAPPING and the high word of a struct page address, as signed words (compared through i32). */
const TAIL_MAPPING_LO_S = Number(TAIL_MAPPING & 0xffffffffn) | 0;
const TAIL_MAPPING_HI_S = Number(TAIL_MAPPING >> 32n) | 0;
const VMEMMAP_HI_S = VMEMMAP_HI | 0;
/** LIST_POISON1/2's high word, signed. */
const POISON_HI_S = POISON_HI | 0;

/**
 * The constants the fused order-0 paths (allocPcp0, freePcp0 and the
 * buddy paths under them) use, as a const enum so that tsc writes each in
 * as a number: V8's optimised code reads an imported or module-level
 * constant from its binding and checks it at every use (four to six
 * instructions each, some thirty of them a pair). Each is checked against
 * the constant it stands for when the module loads (below PageAlloc).
 */
const enum F {
  VMEMMAP_HI_S = -5632,
  POISON_HI_S = -559087616,
  PAGE_TYPE_RESET = 0xffffffff,
  MAX_PAGE_ORDER = 10,
  NR_PAGE_ORDERS = 11,
  pageblock_order = 9,
  MIGRATE_PCPTYPES = 3,
  MIGRATE_ISOLATE = 4,
  PB_MIGRATE_ISOLATE = 8,
  PB_MIGRATETYPE_MASK = 7,
  MAX_NR_ZONES = 5,
  ZONE_NORMAL = 2,
  NODES_PGOFF = 54,
  NODES_WIDTH = 10,
  ZONES_PGOFF = 51,
  ZONES_WIDTH = 3,
  /** page_zone(): the node and zone bits of the flags' high word. */
  NID_SHIFT = NODES_PGOFF - 32,
  NID_MASK = (1 << NODES_WIDTH) - 1,
  ZID_SHIFT = ZONES_PGOFF - 32,
  ZID_MASK = (1 << ZONES_WIDTH) - 1,
  /** page_zone_id() as the bits of the flags' high word that hold it. */
  ZONEID_MASK = (NID_MASK << NID_SHIFT) | (ZID_MASK << ZID_SHIFT),
  LAST_CPUPID_MASK = 0x1fffff,
  /** page_cpupid_reset_last(): the last cpupid's bits in the flags' high word. */
  CPUPID_HI = LAST_CPUPID_MASK >>> 2,
  /** page_type_has_type(): a type word below 0xff000000, signed. */
  PGTY_BASE_S = -16777216,
  NR_FREE_PAGES = 0,
  NR_FREE_PAGES_BLOCKS = 1,
  PGALLOC_BASE = 0,
  PGFREE = 5,
  ZONE_BOOSTED_WATERMARK = 1,
  ZONE_RECLAIM_ACTIVE = 2,
  ZONE_BELOW_HIGH = 4,
  WMARK_HIGH = 2,
  PCPF_PREV_FREE_HIGH_ORDER = 1,
  ALLOC_DEFAULT = 0,
  ALLOC_WMARK_LOW = 1,
  ALLOC_WMARK_MASK = 3,
  ALLOC_NOFRAGMENT = 0x100,
  ALLOC_RESERVES = 0x238,
  ALLOC_KSWAPD = 0x800,
  GFP_ZERO = 0x100,
  GFP_KSWAPD_RECLAIM = 0x800,
  GFP_THISNODE = 0x200000,
  PAGE_FLAGS_CHECK_AT_PREP = 0x3edfffff,
  PAGE_FLAGS_CHECK_AT_FREE = 0x3814e123,
  CHECK_AT_NEW = 0x3effffff,
  FREE0_OFF_INLINE = 0x300040,
  PP_SIGNATURE_LO = 0x40,
  PP_SIGNATURE_HI_S = -559087616,
  PGTY_buddy = 0xf0,
  PGTY_guard = 0xf3,
  CONFIG_PCP_BATCH_SCALE_MAX = 5,
}
/**
 * The page helpers the inline order-0 paths read the bytes of directly. The
 * inline paths are taken only while all of them are this file's own: a
 * variant (or a later layer) overriding any one gets the calls.
 */
const INLINE_PAGE_HELPERS = [
  'PageCompound',
  'PageHead',
  'PageTail',
  'page_folio',
  'compound_head',
  'flagsLo',
  'flagsHi',
  'PagePoisoned',
  'testPageFlag',
  'free_page_is_bad',
  'check_new_pages',
  'check_new_page',
  'page_expected_state',
  'mappingIsNull',
  'memcgIsNull',
  'page_pool_page_is_pp',
  'page_cpupid_reset_last',
  'set_page_private',
] as const;
/**
 * What the block loops (many struct pages checked or written in one tight
 * loop: boot, high-order frees and allocations, compound pages) also read or
 * write directly, besides INLINE_PAGE_HELPERS: the refcount, and the helpers
 * of compound tails. Same rule: any override and the loops make the calls.
 */
const BLOCK_LOOP_HELPERS = [
  ...INLINE_PAGE_HELPERS,
  'page_ref_count',
  'refcountRaw',
  'page_private',
  'free_tail_page_prepare',
  'clear_compound_head',
  'set_compound_head',
  'setWord64',
  'prep_compound_tail',
] as const;

/**
 * What runs between check_new_pages() and prep_compound_page() for a
 * compound allocation, and those two: while none is overridden (nor
 * post_alloc_hook() wrapped, compared at each allocation), check_new_pages()
 * writes the tails in its own pass over the block (checkPrepTails()) and
 * prep_compound_page() skips them. clear_page_contents() is compared with
 * the machine's own (pgtable.ts registers it in tailsAtCheckBase).
 */
const TAILS_AT_CHECK_HELPERS = [
  'get_page_from_freelist',
  'rmqueue',
  'rmqueue_pcplist',
  '__rmqueue_pcplist',
  'rmqueue_buddy',
  'check_new_pages',
  'check_new_page',
  'prep_new_page',
  'set_page_private',
  'prep_compound_page',
  '__SetPageHead',
  'prep_compound_head',
] as const;

/** The clear_page_contents() of the machine's own classes (pgtable.ts sets it). */
export const tailsAtCheckBase: { clear_page_contents: unknown } = { clear_page_contents: null };

/**
 * The compound allocation under way (rmqueue() sets `k` to its machine while
 * check_new_pages() may prepare tails), and the machine and block whose
 * tails up to `end` check_new_pages() prepared, until prep_compound_page()
 * takes them. Like the fault's vm_fault slot, outside the machine: set and
 * taken within one allocation, so checkpoints and explore's state keys
 * never see it.
 */
const tailsAtCheck = { k: null as PageAlloc | null, owner: null as PageAlloc | null, page: -1, end: -1 };

/**
 * What the fused order-0 per-CPU paths (allocPcp0, freePcp0) do without
 * calling, besides INLINE_PAGE_HELPERS: every kernel function between
 * __alloc_pages_noprof() or ___free_pages() and the per-CPU list, the
 * refcount and atomic helpers (explore overrides the atomics) and the list
 * helpers. Same rule: any override and the paths make the calls.
 */
const FUSED_PCP_HELPERS = [
  ...INLINE_PAGE_HELPERS,
  'numa_node_id',
  '__alloc_pages_noprof',
  '___free_pages',
  '__alloc_frozen_pages_noprof',
  'alloc_order_allowed',
  'prepare_alloc_pages',
  'alloc_flags_nofragment',
  'alloc_flags_nonblocking',
  'get_page_from_freelist',
  'zone_watermark_fast',
  '__zone_watermark_unusable_free',
  'zone_page_state',
  'rmqueue',
  'rmqueue_pcplist',
  '__rmqueue_pcplist',
  'prep_new_page',
  'post_alloc_hook',
  'setWord64',
  'set_page_refcounted',
  'init_page_count',
  'set_page_count',
  'page_ref_count',
  'page_ref_dec_and_test',
  'put_page_testzero',
  'refcountWord',
  'atomic_read',
  'atomic_set',
  'atomic_dec_and_test',
  '__free_frozen_pages',
  '__free_pages_prepare',
  'free_pages_reset_type',
  'page_has_type',
  'page_type',
  'set_page_type',
  'touchPage',
  'page_zone',
  'get_pfnblock_migratetype',
  'free_frozen_page_commit',
  'nr_pcp_high',
  'count_vm_events',
  'list_add',
  'list_del',
  'list_empty',
  'list_first',
  'derefWord',
  'pfnOfWord',
  'PageHead',
  'PageTail',
] as const;

// page_pool's signature in pp_magic (include/linux/mm.h): PP_SIGNATURE = 0x40 + POISON_POINTER_DELTA,
// compared under PP_MAGIC_MASK, which hides the DMA index in bits 7..38 and the low two bits.
const PP_SIGNATURE_LO = 0x40;
const PP_SIGNATURE_HI = 0xdead0000;
const PP_SIGNATURE_HI_S = PP_SIGNATURE_HI | 0;

const CONFIG_PCP_BATCH_SCALE_MAX = 5;

export type RmqueueMode = 0 | 1 | 2 | 3;
const RMQUEUE_NORMAL = 0;
const RMQUEUE_CLAIM = 2;
const RMQUEUE_STEAL = 3;

/** fallbacks[]: which other migratetypes an allocation may take pages from, in order. */
const fallbacks: readonly (readonly [number, number])[] = [
  [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE], // MIGRATE_UNMOVABLE
  [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE], // MIGRATE_MOVABLE
  [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE], // MIGRATE_RECLAIMABLE
];

/**
 * What the fused order-0 paths through a disabled per-CPU list (freePcp0
 * with freeOneFused, allocBuddy0) do without calling, besides
 * FUSED_PCP_HELPERS: free_frozen_page_commit()'s trim down to
 * __free_one_page(), the refill down to page_del_and_expand(), and
 * everything those call. Same rule: any override and the paths make the
 * calls.
 */
const FUSED_BUDDY_HELPERS = [
  ...FUSED_PCP_HELPERS,
  'list_add_tail',
  'list_last',
  'nr_pcp_free',
  'free_pcppages_bulk',
  '__free_one_page',
  'bad_range',
  'account_freepages',
  '__mod_zone_page_state',
  'find_buddy_page_pfn',
  'page_is_buddy',
  'PageBuddy',
  'PageGuard',
  'PageType',
  'buddy_order',
  'page_private',
  'page_zone_id',
  'page_to_nid',
  'page_zonenum',
  'page_count',
  'folio_ref_count',
  'get_pageblock_migratetype',
  '__del_page_from_free_list',
  '__add_to_free_list',
  '__ClearPageBuddy',
  '__SetPageBuddy',
  '__ClearPageType',
  '__SetPageType',
  '__ClearPageTypeWord',
  '__SetPageTypeWord',
  'free_area_nr_free',
  'set_free_area_nr_free',
  'set_buddy_order',
  'buddy_merge_likely',
  'nr_pcp_alloc',
  'rmqueue_bulk',
  '__rmqueue',
  '__rmqueue_smallest',
  'get_page_from_free_area',
  'page_del_and_expand',
  'expand',
] as const;

/** struct alloc_context, reused across calls so the hot path allocates no objects. */
class AllocContext {
  zonelist: Zone[] = [];
  highest_zoneidx = 0;
  migratetype = 0;
  /** Index in zonelist of the first usable zone (preferred_zoneref). */
  preferred = 0;
  alloc_flags = 0;
}

/**
 * The machine as the fused order-0 per-CPU paths (PageAlloc.allocPcp0,
 * freePcp0) read it: the memory views, the struct page word offsets, kernel
 * data's place, the zones and counters. Every machine has one of these, of
 * this one class, so the paths' accesses see one shape whichever variant
 * stacks have run in the process; the kernel object's own shape differs
 * with each stack. Fields are copies of the machine's, fixed at
 * construction (the arrays are the machine's own, filled in later).
 */
class PcpHot extends HotWords {
  /** The kernel, for alloc0()'s clear_page_contents() (__GFP_ZERO). */
  readonly k: PageAlloc;
  readonly W_private: number;
  readonly W_memcg_data: number;
  readonly pageblockFlags: Uint8Array;
  readonly vm_events: Float64Array;
  /**
   * The merges freeOneFused() found, for its writes: each buddy's pfn, and
   * the words of its lru node's prev and next (MAX_PAGE_ORDER at most).
   */
  readonly mergeBuddy = new Int32Array(F.MAX_PAGE_ORDER + 1);
  readonly mergePrev = new Int32Array(F.MAX_PAGE_ORDER + 1);
  readonly mergeNext = new Int32Array(F.MAX_PAGE_ORDER + 1);
  /**
   * Zones whose per-CPU lists zone_pcp_disable() has disabled, and their
   * number: while there are any, the callers go straight to allocPcp0() and
   * freePcp0(), which send a disabled list's pages to the buddy lists,
   * rather than through alloc0() and free0(), which would decline them (a
   * route only: either way the machine ends the same).
   */
  readonly pcpOff = new Set<Zone>();
  listsOff = 0;
  /**
   * 1 while alloc_pages() and __free_pages() may try alloc0() and free0():
   * the machine may take the fused paths (`fused`) and no zone's list is
   * disabled (zone_pcp_disable() and zone_pcp_enable() set it again). The
   * callers read it here, on this one shape, before they read anything
   * through the machine object, whose shape differs with each variant
   * stack: see route().
   */
  on: number;
  /** The mask allocPcp0() last saw (-1: none), with its gfp_zone() and gfp_migratetype(). */
  gfp = -1;
  gfpZone = 0;
  gfpMigratetype = 0;

  constructor(
    k: PageAlloc,
    readonly ac: AllocContext,
    /** Whether the machine may take the fused paths at all (PageAlloc.fusedPcp()). */
    readonly fused: boolean,
    /** Whether freePcp0() may also free through a disabled per-CPU list to the buddy lists (FUSED_BUDDY_HELPERS). */
    readonly buddy: boolean,
  ) {
    super(k);
    this.k = k;
    this.on = fused ? 1 : 0;
    this.W_private = k.W_private;
    this.W_memcg_data = k.W_memcg_data;
    this.pageblockFlags = k.pageblockFlags;
    this.vm_events = k.vm_events;
  }

  /**
   * Whether alloc_pages() and __free_pages() try alloc0() and free0(): `on`,
   * and nothing has wrapped the functions they bypass since the machine was
   * built (watchpoints and page_owner shadow them on the instance, fuzz
   * coverage on the machine's own class), as PageAlloc.fusedPcp() also
   * asks. The machine is read as `this.k`, not as the callers' `this`, and
   * only past `on`: V8 then checks its shape against those of the machines
   * that got this far (one, in a process that runs only the baseline), not
   * against every variant stack's that has called alloc_pages() or
   * __free_pages(), which it does for each load through the callers' `this`
   * after its first (docs/performance.md, "multi-variant").
   */
  route(): boolean {
    if (this.on !== 1) return false;
    const k = this.k;
    return k.__free_pages_prepare === BASE_FREE_PAGES_PREPARE && k.post_alloc_hook === BASE_POST_ALLOC_HOOK;
  }

  /**
   * allocPcp0(gfp, 0) in its common case alone, tried first by
   * alloc_pages(): the mask the last allocation saw, the zonelist's first
   * zone usable and above its watermark, a page on its per-CPU list whose
   * links and state pass. The same reads and checks as allocPcp0() in that
   * case (reads in another order), then its writes, in its order. Links are
   * accepted only where they lead to a struct page's lru or to the list's
   * own head (linkWord() accepts any word of kernel data: such a list takes
   * allocPcp0()). -1, with nothing written: the caller goes on to
   * allocPcp0(). Written to be small enough for V8 to inline into the
   * caller, it is not (1,148 bytecodes against V8's 460: docs/performance.md,
   * "The common case alone"); as a call it is still cheaper than allocPcp0().
   */
  alloc0(gfp: number, cpu: number): number {
    if (gfp !== this.gfp) return -1;
    // numa_node_id() on a machine of one node (the fused paths' rule).
    const node = this.nodes[0]!;
    const zonelist = gfp & F.GFP_THISNODE ? node.zonelist_nofallback : node.zonelist;
    // The zonelist walk's answer when the first zone is usable (a node's zonelists are never empty).
    const zone = zonelist[0]!;
    const highest = this.gfpZone;
    const migratetype = this.gfpMigratetype;
    if (zone.idx > highest || migratetype >= F.MIGRATE_PCPTYPES) return -1;
    // The list's first entry first (reads only, in any order): an empty list (as a disabled one is) declines early.
    const pcp = zone.pcp[cpu]!;
    const list = pcp.listsWord + migratetype * 4;
    const i32 = this.i32;
    const kdataWord = this.kdataWord;
    const hlo = i32[list]!;
    const entry = hlo >>> 2;
    if (i32[list + 1] !== F.VMEMMAP_HI_S || (hlo & 3) !== 0 || entry >= kdataWord || zone.present_pages === 0) return -1;
    // The watermark test (alloc_flags: ALLOC_WMARK_LOW, no ALLOC_RESERVES).
    const stat = zone.vm_stat[F.NR_FREE_PAGES]!;
    const free = stat < 0 ? 0 : stat;
    const reserved = zone.nr_free_highatomic;
    const mark = zone._watermark[zone.flags & F.ZONE_BELOW_HIGH ? F.ALLOC_WMARK_LOW : F.WMARK_HIGH]! + zone.watermark_boost;
    if (!(free - (free < reserved ? free : reserved) > mark + zone.lowmem_reserve[highest]!)) return -1;
    // pfnOfWord(): a shift (where the struct page is not a power of two of words, only page 0 passes the test after it).
    const page = (entry - this.W_lru) >>> this.PWshift;
    const w = page * this.PW;
    if (w + this.W_lru !== entry) return -1;
    const xlo = i32[entry]!;
    const xhi = i32[entry + 1]!;
    const plo = i32[entry + 2]!;
    const phi = i32[entry + 3]!;
    // The list head's address (pcp.listsWord is kernel data).
    const llo = (this.kdataLoS + (list - kdataWord) * 4) | 0;
    const lhi = this.kdataHiS;
    const next = xhi === F.VMEMMAP_HI_S && (xlo & 3) === 0 && xlo >>> 2 < kdataWord ? xlo >>> 2 : xlo === llo && xhi === lhi ? list : -1;
    const prev = phi === F.VMEMMAP_HI_S && (plo & 3) === 0 && plo >>> 2 < kdataWord ? plo >>> 2 : plo === llo && phi === lhi ? list : -1;
    const elo = (entry * 4) | 0;
    if (next < 0 || prev < 0 || i32[prev] !== elo || i32[prev + 1] !== F.VMEMMAP_HI_S || i32[next + 2] !== elo || i32[next + 3] !== F.VMEMMAP_HI_S) return -1;
    const wm = w + this.W_mapping;
    const wc = w + this.W_memcg_data;
    if (((i32[w + this.W_mapcount]! + 1) | i32[wm]! | i32[wm + 1]! | i32[wc]! | i32[wc + 1]! | (i32[w + this.W_flags]! & F.CHECK_AT_NEW) | i32[w + this.W_refcount]! | (i32[w + this.W_compound_head]! & 1)) !== 0) return -1;
    // allocPcp0()'s writes: prepare_alloc_pages()'s, then the calls', in their order.
    const ac = this.ac;
    ac.alloc_flags = F.ALLOC_DEFAULT;
    ac.highest_zoneidx = highest;
    if (ac.zonelist !== zonelist) ac.zonelist = zonelist;
    ac.migratetype = migratetype;
    ac.preferred = 0;
    pcp.free_count >>= 1;
    i32[next + 2] = plo;
    i32[next + 3] = phi;
    i32[prev] = xlo;
    i32[prev + 1] = xhi;
    i32[entry] = 0x100;
    i32[entry + 1] = F.POISON_HI_S;
    i32[entry + 2] = 0x122;
    i32[entry + 3] = F.POISON_HI_S;
    pcp.count -= 1;
    const ev = this.vm_events;
    ev[F.PGALLOC_BASE + zone.idx] = ev[F.PGALLOC_BASE + zone.idx]! + 1;
    if (gfp & F.GFP_KSWAPD_RECLAIM && zone.flags & F.ZONE_BOOSTED_WATERMARK) zone.flags &= ~F.ZONE_BOOSTED_WATERMARK;
    i32[w + this.W_private] = 0;
    i32[w + this.W_private + 1] = 0;
    if (gfp & F.GFP_ZERO) this.k.clear_page_contents(page, 0);
    i32[entry] = 0;
    i32[entry + 1] = 0;
    i32[w + this.W_refcount] = 1;
    return page;
  }

  /**
   * freePcp0(pfn, ref === 1) in its common case alone, tried first by
   * __free_pages(): an order-0 page of a zone whose per-CPU list is enabled
   * and stays under its high mark, whose links and state pass. The same
   * reads and checks as freePcp0() in that case (reads in another order),
   * then its writes, in its order (the anonymous mapping and the page type
   * it clears before the state check are written there too, as freePcp0()
   * writes them, and are no-ops to it if this declines after them). The
   * list's first link is accepted only where it leads to a struct page's
   * word or to the head itself (an empty list). False: the caller goes on
   * to freePcp0(). Like alloc0(), too large for V8 to inline (1,008
   * bytecodes), and cheaper than freePcp0() as a call.
   */
  free0(pfn: number, ref: number, cpu: number): boolean {
    const page = pfn | 0;
    if (page !== pfn || page >>> 0 >= this.nr_pages) return false;
    const i32 = this.i32;
    const w = page * this.PW;
    const wf = w + this.W_flags;
    // The zone and its per-CPU list's high mark first (reads only, in any order): a disabled list declines early.
    const flagsHi = i32[wf + 1]!;
    const zone = this.zones[((flagsHi >>> F.NID_SHIFT) & F.NID_MASK) * F.MAX_NR_ZONES + ((flagsHi >>> F.ZID_SHIFT) & F.ZID_MASK)];
    if (zone === undefined || zone.flags & F.ZONE_RECLAIM_ACTIVE) return false;
    const pcp = zone.pcp[cpu]!;
    // nr_pcp_high()'s clamp; a disabled list (high 0) takes freePcp0().
    let high = pcp.high;
    const hmin = pcp.high_min;
    const hmax = pcp.high_max;
    if (high < hmin) high = hmin;
    if (high > hmax) high = hmax;
    if (high === 0 || (hmin !== hmax && zone.flags & F.ZONE_BELOW_HIGH) || pcp.count + 1 >= high) return false;
    const flags = i32[wf]!;
    if (((i32[w + this.W_refcount]! ^ ref) | (i32[w + this.W_compound_head]! & 1) | (flags & F.FREE0_OFF_INLINE)) !== 0) return false;
    const migratetype = this.pageblockFlags[page >>> F.pageblock_order]!;
    if (migratetype >= F.MIGRATE_PCPTYPES) return false;
    // list_add() onto the head (kernel data: pcp.listsWord is, so this page's lru is not the head).
    const head = pcp.listsWord + migratetype * 4;
    const hlo = (this.kdataLoS + (head - this.kdataWord) * 4) | 0;
    const hhi = this.kdataHiS;
    const xlo = i32[head]!;
    const xhi = i32[head + 1]!;
    const next = xhi === F.VMEMMAP_HI_S && (xlo & 3) === 0 && xlo >>> 2 < this.kdataWord ? xlo >>> 2 : xlo === hlo && xhi === hhi ? head : -1;
    const nw = w + this.W_lru;
    if (next < 0 || i32[next + 2] !== hlo || i32[next + 3] !== hhi || nw === next) return false;
    const m32 = this.m32;
    const wm = w + this.W_mapping;
    if ((i32[wm]! & 1) !== 0) {
      m32[wm] = 0;
      m32[wm + 1] = 0;
    }
    const wt = w + this.W_page_type;
    if (i32[wt]! < F.PGTY_BASE_S) m32[wt] = F.PAGE_TYPE_RESET;
    const wc = w + this.W_memcg_data;
    if (
      ((i32[w + this.W_mapcount]! + 1) | i32[wm]! | i32[wm + 1]! | i32[wc]! | i32[wc + 1]! | (flags & F.PAGE_FLAGS_CHECK_AT_FREE)) !== 0 ||
      ((i32[nw]! & 0x7c) === F.PP_SIGNATURE_LO && (i32[nw + 1]! & 0xffffff80) === F.PP_SIGNATURE_HI_S)
    )
      return false;
    // freePcp0()'s writes, in its order.
    i32[w + this.W_refcount] = 0;
    i32[wf] = (flags | (3 << 30)) & ~F.PAGE_FLAGS_CHECK_AT_PREP;
    i32[wf + 1] = (flagsHi & ~F.CPUPID_HI) | F.CPUPID_HI;
    i32[w + this.W_private] = 0;
    i32[w + this.W_private + 1] = 0;
    pcp.alloc_factor >>= 1;
    const ev = this.vm_events;
    ev[F.PGFREE] = ev[F.PGFREE]! + 1;
    if (pcp.flags & F.PCPF_PREV_FREE_HIGH_ORDER) pcp.flags &= ~F.PCPF_PREV_FREE_HIGH_ORDER;
    if (pcp.free_count < pcp.batch << F.CONFIG_PCP_BATCH_SCALE_MAX) pcp.free_count += 1;
    pcp.high = high;
    const nlo = (nw * 4) | 0;
    i32[next + 2] = nlo;
    i32[next + 3] = F.VMEMMAP_HI_S;
    i32[nw] = xlo;
    i32[nw + 1] = xhi;
    i32[nw + 2] = hlo;
    i32[nw + 3] = hhi;
    i32[head] = nlo;
    i32[head + 1] = F.VMEMMAP_HI_S;
    pcp.count += 1;
    return true;
  }

  /** get_pfnblock_migratetype() of a pfn. */
  migratetypeOf(pfn: number): number {
    const pb = this.pageblockFlags[pfn >>> F.pageblock_order]!;
    return pb & F.PB_MIGRATE_ISOLATE ? F.MIGRATE_ISOLATE : pb & F.PB_MIGRATETYPE_MASK;
  }

  /** pageExpectedInline() of the struct page at word w, with its refcount read as `ref` (not as 0). */
  expected(w: number, check_flags: number, ref: number): boolean {
    return this.expectedButCount(w, check_flags) && this.i32[w + this.W_refcount] === ref;
  }

  /** page_expected_state()'s checks of the struct page at word w, all but the refcount's. */
  expectedButCount(w: number, check_flags: number): boolean {
    const i32 = this.i32;
    const wmap = w + this.W_mapping;
    const wmc = w + this.W_memcg_data;
    const wl = w + this.W_lru;
    return (
      i32[w + this.W_mapcount] === -1 &&
      i32[wmap] === 0 &&
      i32[wmap + 1] === 0 &&
      i32[wmc] === 0 &&
      i32[wmc + 1] === 0 &&
      !((i32[wl]! & 0x7c) === F.PP_SIGNATURE_LO && (i32[wl + 1]! & 0xffffff80) === F.PP_SIGNATURE_HI_S) &&
      (i32[w + this.W_flags]! & check_flags) === 0
    );
  }
}

export function pcp_allowed_order(order: number): boolean {
  return order <= PAGE_ALLOC_COSTLY_ORDER || order === HPAGE_PMD_ORDER;
}

export function order_to_pindex(migratetype: number, order: number): number {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return NR_LOWORDER_PCP_LISTS + (migratetype === MIGRATE_MOVABLE ? 1 : 0);
  return MIGRATE_PCPTYPES * order + migratetype;
}

export function pindex_to_order(pindex: number): number {
  return pindex >= NR_LOWORDER_PCP_LISTS ? HPAGE_PMD_ORDER : Math.floor(pindex / MIGRATE_PCPTYPES);
}

/** NUMA_NO_NODE (include/linux/numa.h). */
export const NUMA_NO_NODE = -1;
/** MAX_NUMNODES: 1 << CONFIG_NODES_SHIFT. */
export const MAX_NUMNODES = 1 << NODES_WIDTH;
/**
 * offsetof(struct pglist_data, node_zonelists): the address a NULL
 * NODE_DATA() faults at (node_zones[] comes first). pagesim keeps
 * pglist_data in TypeScript, not in bytes, so this is an estimate (four
 * struct zones of about 1.7 KiB), there so the oops reads as the NULL
 * pgdat dereference it is.
 */
const PGDAT_NODE_ZONELISTS = 0x1b00;

export abstract class PageAlloc extends Internal {
  private readonly ac = new AllocContext();
  /** Whether none of INLINE_PAGE_HELPERS is overridden (decided once: the class is fixed at construction). */
  private readonly inlinePageHelpers = INLINE_PAGE_HELPERS.every((name) => this[name] === PageAlloc.prototype[name]);
  /** Whether none of BLOCK_LOOP_HELPERS is overridden. */
  private readonly blockLoops = BLOCK_LOOP_HELPERS.every((name) => this[name] === PageAlloc.prototype[name]);
  /** Whether check_new_pages() may write a compound allocation's tails (TAILS_AT_CHECK_HELPERS; post_alloc_hook() is compared at each allocation). */
  private readonly tailsAtCheckAllowed =
    this.blockLoops && TAILS_AT_CHECK_HELPERS.every((name) => this[name] === PageAlloc.prototype[name]) && this.clear_page_contents === tailsAtCheckBase.clear_page_contents;
  /**
   * What the fused order-0 paths read, in one object of one shape whatever
   * the machine's class; `fused` when none of FUSED_PCP_HELPERS is
   * overridden by that class and there is one node. Wrappers installed
   * later (watchpoints and page_owner on the instance, fuzz coverage on the
   * machine's own class) are seen at each call: see fusedPcp().
   */
  private readonly pcpHot = new PcpHot(
    this,
    this.ac,
    // (allocPcp0() leaves out check_new_page()'s page_pool test where kernel data's high word cannot be the signature's.)
    this.nodeCount === 1 && (this.kdataHiS & 0xffffff80) !== PP_SIGNATURE_HI_S && FUSED_PCP_HELPERS.every((name) => this[name] === PageAlloc.prototype[name]),
    this.nodeCount === 1 && FUSED_BUDDY_HELPERS.every((name) => this[name] === PageAlloc.prototype[name]),
  );
  /** Node of the CPU the current step runs on (numa_node_id()). */
  numa_node_id(): number {
    // One node: every CPU's (cpu < cpus, so the quotient is below 1).
    if (this.nodeCount === 1) return 0;
    return Math.floor((this.current.cpu * this.nodeCount) / this.cpus);
  }

  // ---- bad page reports ------------------------------------------------

  /** page_pool_page_is_pp() (include/linux/mm.h): pp_magic holds PP_SIGNATURE. */
  page_pool_page_is_pp(page: number): boolean {
    const w = page * this.PW + this.W_lru;
    return (this.m32[w]! & 0x7c) === PP_SIGNATURE_LO && (this.m32[w + 1]! & 0xffffff80) >>> 0 === PP_SIGNATURE_HI;
  }

  /**
   * bad_page() (mm/page_alloc.c, linux-mm 7.3-rc5): print the report unless
   * __ratelimit(&bad_page_ratelimit) says no (60 a minute: ratelimit.ts),
   * leave the page's fields for debugging but clear PageBuddy, and taint
   * 'B', printed or not. A report the limit drops is still recorded,
   * marked suppressed.
   */
  bad_page(page: number, reason: string): void {
    const head = `BUG: Bad page state in process ${this.current.comm}  pfn:${page.toString(16).padStart(5, '0')}`;
    const stack = this.kernelStack();
    const fn = stack.find((n) => n !== 'bad_page') ?? 'bad_page';
    const limit = ___ratelimit(this.bad_page_ratelimit, this.jiffies, 'bad_page');
    const lines = [head, ...this.dump_page_lines(page, reason), 'Modules linked in:', ...formatDumpStack(this.current, this.taints, this.dumpStackFrames(), this.kernelBuild())];
    if (limit.line !== null) lines.unshift(limit.line);
    if (limit.ok) this.printk(lines);
    else if (limit.line !== null) this.printk([limit.line]);
    this.report('bad_page', fn, reason, head, page, lines, !limit.ok);
    if (this.PageBuddy(page)) this.__ClearPageBuddy(page);
    this.taints.add('B');
  }

  /** page_expected_state(): the state of a page that is free or about to be handed out. */
  page_expected_state(page: number, check_flags: number): boolean {
    const w = page * this.PW;
    if (this.i32[w + this.W_mapcount] !== -1) return false;
    if (!this.mappingIsNull(page) || this.page_ref_count(page) !== 0 || !this.memcgIsNull(page) || this.page_pool_page_is_pp(page)) return false;
    return (this.m32[w + this.W_flags]! & check_flags) === 0;
  }

  /** page_bad_reason(): every check in order; the last one that matches is reported. */
  page_bad_reason(page: number, flags: number): string {
    let bad_reason = '';
    if (this.i32[page * this.PW + this.W_mapcount] !== -1) bad_reason = 'nonzero mapcount';
    if (!this.mappingIsNull(page)) bad_reason = 'non-NULL mapping';
    if (this.page_ref_count(page) !== 0) bad_reason = 'nonzero _refcount';
    if ((this.flagsLo(page) & flags) !== 0) bad_reason = flags === PAGE_FLAGS_CHECK_AT_PREP ? 'PAGE_FLAGS_CHECK_AT_PREP flag(s) set' : 'PAGE_FLAGS_CHECK_AT_FREE flag(s) set';
    if (!this.memcgIsNull(page)) bad_reason = 'page still charged to cgroup';
    if (this.page_pool_page_is_pp(page)) bad_reason = 'page_pool leak';
    return bad_reason;
  }

  /**
   * page_expected_state() with its helpers read inline (only while they are
   * this file's own: see inlinePageHelpers); page_ref_count() stays a call, as
   * variants change what a count is.
   */
  private pageExpectedInline(page: number, check_flags: number): boolean {
    // The count last: the other words are plain reads, so the answer is page_expected_state()'s.
    return this.pcpHot.expectedButCount(page * this.PW, check_flags) && this.page_ref_count(page) === 0;
  }

  free_page_is_bad(page: number): boolean {
    if (this.page_expected_state(page, PAGE_FLAGS_CHECK_AT_FREE)) return false;
    this.bad_page(page, this.page_bad_reason(page, PAGE_FLAGS_CHECK_AT_FREE));
    return true;
  }

  /** free_tail_page_prepare(): the folio metadata in the first tails must be idle; other tails hold TAIL_MAPPING. */
  free_tail_page_prepare(head_page: number, page: number): number {
    let ret = 1;
    const f = head_page * this.PW;
    const FF = this.FF;
    check: {
      switch (page - head_page) {
        case 1:
          if (this.folio_large_mapcount(head_page) !== 0) {
            this.bad_page(page, 'nonzero large_mapcount');
            break check;
          }
          if (this.i32[f + FF['_nr_pages_mapped']!] !== 0) {
            this.bad_page(page, 'nonzero nr_pages_mapped');
            break check;
          }
          if (FF['_mm_id_mapcount[0]'] !== undefined && this.i32[f + FF['_mm_id_mapcount[0]']]! !== -1) {
            this.bad_page(page, 'nonzero mm mapcount 0');
            break check;
          }
          if (FF['_mm_id_mapcount[1]'] !== undefined && this.i32[f + FF['_mm_id_mapcount[1]']]! !== -1) {
            this.bad_page(page, 'nonzero mm mapcount 1');
            break check;
          }
          if (this.i32[f + FF['_entire_mapcount']!] !== -1) {
            this.bad_page(page, 'nonzero entire_mapcount');
            break check;
          }
          if (this.i32[f + FF['_pincount']!] !== 0) {
            this.bad_page(page, 'nonzero pincount');
            break check;
          }
          break;
        case 2:
          if (!this.list_empty(f + FF['_deferred_list.next']!)) {
            this.bad_page(page, 'on deferred list');
            break check;
          }
          break;
        case 3:
          // CONFIG_HUGETLB_PAGE=y: the third tail holds hugetlb fields over ->mapping.
          break;
        default: {
          const w = page * this.PW + this.W_mapping;
          if (this.m32[w] !== 0x400 || this.m32[w + 1] !== 0xdead0000) {
            this.bad_page(page, 'corrupted mapping in tail page');
            break check;
          }
        }
      }
      if (!this.PageTail(page)) {
        this.bad_page(page, 'PageTail not set');
        break check;
      }
      if (this.compound_head(page) !== head_page) {
        this.bad_page(page, 'compound_head not consistent');
        break check;
      }
      ret = 0;
    }
    this.setWord64(page, this.W_mapping, 0, 0);
    this.clear_compound_head(page);
    return ret;
  }

  /** page_cpupid_reset_last(): last_cpupid bits all ones (no CPU/pid recorded). */
  page_cpupid_reset_last(page: number): void {
    const w = page * this.PW + this.W_flags;
    const lo = (this.m32[w]! & ~(3 << 30)) | (3 << 30);
    this.m32[w] = lo >>> 0;
    this.m32[w + 1] = (this.m32[w + 1]! & ~((LAST_CPUPID_MASK >>> 2) >>> 0)) | (LAST_CPUPID_MASK >>> 2);
    void LAST_CPUPID_PGOFF;
  }

  /**
   * __free_pages_prepare(): the checks and cleanup before a page returns to
   * the allocator. False means the page is bad and is leaked.
   */
  __free_pages_prepare(page: number, order: number, fpi_flags: number): boolean {
    if (order === 0 && this.inlinePageHelpers) {
      const i32 = this.i32;
      const w = page * this.PW;
      // The common order-0 free, decided from the bytes the helpers would read: not a tail
      // (so the folio is the page), not a head, not mlocked, hwpoisoned or poisoned (a
      // poisoned memmap has every flag set), and no anon mapping to clear. What follows is
      // the code below with those branches not taken.
      if ((i32[w + this.W_compound_head]! & 1) === 0 && (i32[w + this.W_flags]! & FREE0_OFF_INLINE) === 0 && (i32[w + this.W_mapping]! & 1) === 0) {
        if (fpi_flags & FPI_PREPARED) return true;
        this.free_pages_reset_type(page);
        if (!this.pageExpectedInline(page, PAGE_FLAGS_CHECK_AT_FREE) && this.free_page_is_bad(page)) return false;
        // page_cpupid_reset_last(), clearing PAGE_FLAGS_CHECK_AT_PREP, set_page_private(page, 0).
        const wf = w + this.W_flags;
        i32[wf] = (i32[wf]! | (3 << 30)) & ~PAGE_FLAGS_CHECK_AT_PREP;
        i32[wf + 1] = (i32[wf + 1]! & ~(LAST_CPUPID_MASK >>> 2)) | (LAST_CPUPID_MASK >>> 2);
        const wp = w + this.W_private;
        i32[wp] = 0;
        i32[wp + 1] = 0;
        return true;
      }
    }
    let bad = 0;
    const compound = this.PageCompound(page);
    const folio = this.page_folio(page);
    if (fpi_flags & FPI_PREPARED) return true;
    this.VM_BUG_ON_PAGE(this.PageTail(page), page, SITES.free_pages_prepare_tail);
    // folio_test_mlocked(folio): `folio` came from page_folio(), so it is never a tail and the
    // folio_flags() checks cannot fire; read the bit directly on this hot path.
    if ((this.flagsLo(folio) & (1 << PG_mlocked)) !== 0) this.freePrepareMlocked(folio);
    if (order === 0 && this.PageHWPoison(page)) return false;
    this.VM_BUG_ON_PAGE(compound && this.compound_order(page) !== order, page, SITES.free_pages_prepare_order);
    if (order !== 0) bad += this.freePrepareTails(page, order, compound);
    if ((this.m32[folio * this.PW + this.W_mapping]! & 1) !== 0) this.setWord64(folio, this.W_mapping, 0, 0);
    this.free_pages_reset_type(page);
    if (this.free_page_is_bad(page)) bad++;
    if (bad) return false;
    this.page_cpupid_reset_last(page);
    const w = page * this.PW + this.W_flags;
    this.m32[w] = (this.m32[w]! & ~PAGE_FLAGS_CHECK_AT_PREP) >>> 0;
    this.set_page_private(page, 0);
    return true;
  }

  /** The folio_test_mlocked() branch of __free_pages_prepare(), kept out of the hot path. */
  private freePrepareMlocked(folio: number): void {
    const nr = this.folio_nr_pages(folio);
    this.folio_clear_flag(folio, PG_mlocked);
    this.__mod_zone_page_state(this.page_zone(folio), NR_MLOCK, -nr);
  }

  /**
   * The tail-page loop of __free_pages_prepare() for order > 0: returns how
   * many pages were bad. Runs of tails that pass every check are handled by
   * the block loops (cleanTails, cleanCompoundTails: the same reads and
   * writes, without the calls); a tail that fails one goes through the
   * kernel functions themselves, which then report it exactly as before.
   */
  private freePrepareTails(page: number, order: number, compound: boolean): number {
    let bad = 0;
    const m32 = this.m32;
    if (compound) {
      const w = (page + 1) * this.PW + this.W_flags;
      m32[w] = (m32[w]! & ~PAGE_FLAGS_SECOND) >>> 0;
      m32[page * this.PW + this.W_nr_pages] = 0;
    }
    // Past the memmap the loop faults, after checking every page before it (a huge order).
    const want = page + (1 << order);
    const end = Math.min(want, this.nr_pages);
    const fast = this.blockLoops;
    for (let tail = page + 1; tail < end; tail++) {
      // Whether free_tail_page_prepare() is already done for this tail (passed, fields cleared).
      let prepared = false;
      if (fast) {
        if (!compound) {
          tail = this.cleanTails(tail, end);
          if (tail === end) break;
        } else if (tail - page > 3) {
          const r = this.cleanCompoundTails(page, tail, end);
          if (r === end) break;
          prepared = r < 0;
          tail = prepared ? -r - 1 : r;
        }
      }
      if (compound && !prepared) bad += this.free_tail_page_prepare(page, tail);
      if (this.free_page_is_bad(tail)) {
        bad++;
        continue;
      }
      if (this.page_private(tail) !== 0) {
        this.bad_page(tail, 'nonzero private');
        bad++;
        continue;
      }
      const w = tail * this.PW + this.W_flags;
      m32[w] = (m32[w]! & ~PAGE_FLAGS_CHECK_AT_PREP) >>> 0;
    }
    if (want > end) this.oopsStructPage(end, compound ? this.W_mapping * 4 : this.W_mapcount * 4);
    return bad;
  }

  /**
   * The loop above for the tails of a compound page from the fourth on
   * (`from` - head > 3): free_tail_page_prepare()'s default case (TAIL_MAPPING
   * in ->mapping, PageTail, compound_head() == head, then both cleared), then
   * the checks of free_page_is_bad() and ->private, then the flags cleared.
   * Returns `end` when every tail passed; the first tail whose
   * free_tail_page_prepare() checks fail (nothing done to it); or -(tail + 1)
   * for a tail that passed those (its fields cleared) but not the others.
   */
  private cleanCompoundTails(head: number, from: number, end: number): number {
    const i32 = this.i32;
    const PW = this.PW;
    const wf = this.W_flags;
    const wm = this.W_mapcount;
    const wmap = this.W_mapping;
    const wch = this.W_compound_head;
    const wr = this.W_refcount;
    const wmc = this.W_memcg_data;
    const wl = this.W_lru;
    const wp = this.W_private;
    const checkFree = PAGE_FLAGS_CHECK_AT_FREE;
    const sigLo = PP_SIGNATURE_LO;
    const sigHi = PP_SIGNATURE_HI_S;
    const mapLo = TAIL_MAPPING_LO_S;
    const mapHi = TAIL_MAPPING_HI_S;
    const vmemmapHi = VMEMMAP_HI_S;
    const clear = ~PAGE_FLAGS_CHECK_AT_PREP;
    // The tail's compound_head word: the head's struct page address + 1 (set_compound_head). The pfn
    // made an int32 first (the same value): computed from a heap number, V8 redid the double
    // arithmetic in every iteration of the loop.
    const headLo = ((head | 0) * this.structPageSize + 1) | 0;
    // Word indexes as int32 whatever the pfn's representation (a pfn read from a Float64Array arrives
    // as a heap number, and the index arithmetic would otherwise be compiled for doubles).
    const last = (end | 0) * PW;
    if (wl === wch) {
      // lru.next shares its word with compound_head, just cleared: page_pool_page_is_pp() reads 0
      // there, which never carries the signature (PP_SIGNATURE_LO is nonzero); the same loop without those two reads.
      for (let w = (from | 0) * PW; w < last; w += PW) {
        if (i32[w + wmap] !== mapLo || i32[w + wmap + 1] !== mapHi || i32[w + wch] !== headLo || i32[w + wch + 1] !== vmemmapHi) return (w / PW) | 0;
        i32[w + wmap] = 0;
        i32[w + wmap + 1] = 0;
        i32[w + wch] = 0;
        i32[w + wch + 1] = 0;
        const flags = i32[w + wf]!;
        const nonzero = (i32[w + wm]! + 1) | i32[w + wr]! | i32[w + wmc]! | i32[w + wmc + 1]! | (flags & checkFree) | i32[w + wp]! | i32[w + wp + 1]!;
        if (nonzero !== 0) return -((w / PW) | 0) - 1;
        i32[w + wf] = flags & clear;
      }
      return end;
    }
    for (let w = (from | 0) * PW; w < last; w += PW) {
      if (i32[w + wmap] !== mapLo || i32[w + wmap + 1] !== mapHi || i32[w + wch] !== headLo || i32[w + wch + 1] !== vmemmapHi) return (w / PW) | 0;
      i32[w + wmap] = 0;
      i32[w + wmap + 1] = 0;
      i32[w + wch] = 0;
      i32[w + wch + 1] = 0;
      const flags = i32[w + wf]!;
      // ->mapping was just cleared: page_expected_state()'s test of it passes without a read.
      const nonzero = (i32[w + wm]! + 1) | i32[w + wr]! | i32[w + wmc]! | i32[w + wmc + 1]! | (flags & checkFree) | i32[w + wp]! | i32[w + wp + 1]!;
      if (nonzero !== 0 || ((i32[w + wl]! & 0x7c) === sigLo && (i32[w + wl + 1]! & 0xffffff80) === sigHi)) return -((w / PW) | 0) - 1;
      i32[w + wf] = flags & clear;
    }
    return end;
  }

  /**
   * For tails from `from` up to `end`: while a tail passes page_expected_state(tail,
   * PAGE_FLAGS_CHECK_AT_FREE) and has no private data, clear its PAGE_FLAGS_CHECK_AT_PREP
   * flags. Returns the first tail that does not pass (or `end`). Every word that must be
   * zero (or -1, for _mapcount) is folded into one test; no calls, so the loop stays tight.
   */
  private cleanTails(from: number, end: number): number {
    const i32 = this.i32;
    const PW = this.PW;
    const wf = this.W_flags;
    const wm = this.W_mapcount;
    const wmap = this.W_mapping;
    const wr = this.W_refcount;
    const wmc = this.W_memcg_data;
    const wl = this.W_lru;
    const wp = this.W_private;
    // Module constants copied to locals: no binding check per iteration.
    const checkFree = PAGE_FLAGS_CHECK_AT_FREE;
    const sigLo = PP_SIGNATURE_LO;
    const sigHi = PP_SIGNATURE_HI_S;
    const clear = ~PAGE_FLAGS_CHECK_AT_PREP;
    const last = end * PW;
    let w = from * PW;
    for (; w < last; w += PW) {
      const flags = i32[w + wf]!;
      const nonzero = (i32[w + wm]! + 1) | i32[w + wmap]! | i32[w + wmap + 1]! | i32[w + wr]! | i32[w + wmc]! | i32[w + wmc + 1]! | (flags & checkFree) | i32[w + wp]! | i32[w + wp + 1]!;
      if (nonzero !== 0 || ((i32[w + wl]! & 0x7c) === sigLo && (i32[w + wl + 1]! & 0xffffff80) === sigHi)) break;
      i32[w + wf] = flags & clear;
    }
    return w === last ? end : (w / PW) | 0;
  }

  /**
   * Seed 001 (mainline since ≈v6.17): a page may be freed with its type still
   * set; the free path resets page_type (which overlays _mapcount). A
   * variant without the patch overrides this with a no-op.
   */
  free_pages_reset_type(page: number): void {
    if (this.page_has_type(page)) this.set_page_type(page, PAGE_TYPE_RESET);
  }

  free_pages_prepare(page: number, order: number): boolean {
    return this.__free_pages_prepare(page, order, FPI_NONE);
  }

  // ---- free lists -------------------------------------------------------

  account_freepages(zone: Zone, nr_pages: number, migratetype: number): void {
    if (migratetype === MIGRATE_ISOLATE) return;
    this.__mod_zone_page_state(zone, NR_FREE_PAGES, nr_pages);
    if (migratetype === MIGRATE_HIGHATOMIC) zone.nr_free_highatomic += nr_pages;
  }

  /** VM_WARN_ONCE of the free-list helpers: the pageblock's type must match the list. */
  private warnFreeListType(page: number, migratetype: number, nr: number, site: Site): void {
    const pmt = this.get_pageblock_migratetype(page);
    if (pmt === migratetype) return;
    this.WARN_ONCE(true, site, () => `page type is ${pmt}, passed migratetype is ${migratetype} (nr=${nr})`, page);
  }

  __add_to_free_list(page: number, zone: Zone, order: number, migratetype: number, tail: boolean): void {
    const nr = 1 << order;
    this.warnFreeListType(page, migratetype, nr, SITES.free_list_mt);
    const node = page * this.PW + this.W_lru;
    if (tail) this.list_add_tail(node, zone.freeList(order, migratetype));
    else this.list_add(node, zone.freeList(order, migratetype));
    this.set_free_area_nr_free(zone, order, this.free_area_nr_free(zone, order) + 1);
    if (order >= pageblock_order && migratetype !== MIGRATE_ISOLATE) this.__mod_zone_page_state(zone, NR_FREE_PAGES_BLOCKS, nr);
  }

  move_to_free_list(page: number, zone: Zone, order: number, old_mt: number, new_mt: number): void {
    let nr = 1 << order;
    this.warnFreeListType(page, old_mt, nr, SITES.move_free_list_mt);
    this.list_move_tail(page * this.PW + this.W_lru, zone.freeList(order, new_mt));
    this.account_freepages(zone, -nr, old_mt);
    this.account_freepages(zone, nr, new_mt);
    if (order >= pageblock_order && (old_mt === MIGRATE_ISOLATE) !== (new_mt === MIGRATE_ISOLATE)) {
      if (old_mt !== MIGRATE_ISOLATE) nr = -nr;
      this.__mod_zone_page_state(zone, NR_FREE_PAGES_BLOCKS, nr);
    }
  }

  __del_page_from_free_list(page: number, zone: Zone, order: number, migratetype: number): void {
    const nr = 1 << order;
    this.warnFreeListType(page, migratetype, nr, SITES.del_free_list_mt);
    this.list_del(page * this.PW + this.W_lru);
    this.__ClearPageBuddy(page);
    this.set_page_private(page, 0);
    this.set_free_area_nr_free(zone, order, this.free_area_nr_free(zone, order) - 1);
    if (order >= pageblock_order && migratetype !== MIGRATE_ISOLATE) this.__mod_zone_page_state(zone, NR_FREE_PAGES_BLOCKS, -nr);
  }

  del_page_from_free_list(page: number, zone: Zone, order: number, migratetype: number): void {
    this.__del_page_from_free_list(page, zone, order, migratetype);
    this.account_freepages(zone, -(1 << order), migratetype);
  }

  /** get_page_from_free_area(): the first page on a free list, or -1. */
  get_page_from_free_area(zone: Zone, order: number, migratetype: number): number {
    const first = this.list_first(zone.freeList(order, migratetype));
    return first < 0 ? -1 : this.pfnOfWord(first - this.W_lru);
  }

  set_buddy_order(page: number, order: number): void {
    this.set_page_private(page, order);
    this.__SetPageBuddy(page);
  }

  /** buddy_merge_likely(): is the next-higher buddy free, so this block will soon merge? */
  buddy_merge_likely(pfn: number, buddy_pfn: number, page: number, order: number): boolean {
    if (order >= MAX_PAGE_ORDER - 1) return false;
    const higher = buddy_pfn & pfn;
    return this.find_buddy_page_pfn(page + (higher - pfn), higher, order + 1) >= 0;
  }

  change_pageblock_range(pageblock_page: number, start_order: number, migratetype: number): void {
    let n = 1 << (start_order - pageblock_order);
    let p = pageblock_page;
    while (n-- > 0) {
      this.set_pageblock_migratetype(p, migratetype);
      p += pageblock_nr_pages;
    }
  }

  /** bad_range(): the page lies outside the zone (or in another zone). */
  bad_range(zone: Zone, page: number): boolean {
    if (!zone.zone_spans_pfn(page)) {
      this.printk([`page 0x${page.toString(16)} outside node ${zone.nid} zone ${zone.name} [ 0x${zone.zone_start_pfn.toString(16)} - 0x${zone.zone_end_pfn().toString(16)} ]`]);
      return true;
    }
    return this.page_zone(page) !== zone;
  }

  /** __free_one_page(): return a block to the buddy lists, merging with free buddies. */
  __free_one_page(page: number, pfn: number, zone: Zone, order: number, migratetype: number, fpi_flags: number): void {
    let buddy_pfn = 0;
    this.VM_BUG_ON_PAGE((this.flagsLo(page) & PAGE_FLAGS_CHECK_AT_PREP) !== 0, page, SITES.__free_one_page_flags);
    this.VM_BUG_ON(migratetype === -1, SITES.__free_one_page_mt);
    this.VM_BUG_ON_PAGE((pfn & ((1 << order) - 1)) !== 0, page, SITES.__free_one_page_align);
    this.VM_BUG_ON_PAGE(this.bad_range(zone, page), page, SITES.__free_one_page_range);
    this.account_freepages(zone, 1 << order, migratetype);
    while (order < MAX_PAGE_ORDER) {
      let buddy_mt = migratetype;
      buddy_pfn = pfn ^ (1 << order);
      const buddy = this.find_buddy_page_pfn(page, pfn, order);
      if (buddy < 0) break;
      if (order >= pageblock_order) {
        buddy_mt = this.get_pfnblock_migratetype(buddy, buddy_pfn);
        if (migratetype !== buddy_mt && (migratetype >= MIGRATE_PCPTYPES || buddy_mt >= MIGRATE_PCPTYPES)) break;
      }
      this.__del_page_from_free_list(buddy, zone, order, buddy_mt);
      if (buddy_mt !== migratetype) this.change_pageblock_range(buddy, order, migratetype);
      const combined = buddy_pfn & pfn;
      page = page + (combined - pfn);
      pfn = combined;
      order++;
    }
    this.set_buddy_order(page, order);
    const to_tail = (fpi_flags & FPI_TO_TAIL) !== 0 || this.buddy_merge_likely(pfn, buddy_pfn, page, order);
    this.__add_to_free_list(page, zone, order, migratetype, to_tail);
  }

  /** split_large_buddy(): free a multi-pageblock block one pageblock at a time, each with its own type. */
  split_large_buddy(zone: Zone, page: number, pfn: number, order: number, fpi: number): void {
    const end = pfn + (1 << order);
    if (order > pageblock_order) order = pageblock_order;
    for (;;) {
      const mt = this.get_pfnblock_migratetype(page, pfn);
      this.__free_one_page(page, pfn, zone, order, mt, fpi);
      pfn += 1 << order;
      if (pfn === end) break;
      page = pfn;
    }
  }

  free_one_page(zone: Zone, page: number, pfn: number, order: number, fpi_flags: number): void {
    this.split_large_buddy(zone, page, pfn, order, fpi_flags);
    this.count_vm_events(PGFREE, 1 << order);
  }

  __free_pages_ok(page: number, order: number, fpi_flags: number): void {
    if (this.__free_pages_prepare(page, order, fpi_flags)) this.free_one_page(this.page_zone(page), page, page, order, fpi_flags);
  }

  // ---- per-CPU lists: freeing -----------------------------------------

  /** free_pcppages_bulk(): return `count` pages from the pcp lists to the buddy, round robin from pindex. */
  free_pcppages_bulk(zone: Zone, count: number, pcp: PerCpuPages, pindex: number): void {
    count = Math.min(pcp.count, count);
    pindex = pindex - 1;
    while (count > 0) {
      let list: number;
      do {
        if (++pindex > NR_PCP_LISTS - 1) pindex = 0;
        list = pcp.listsWord + pindex * 4;
      } while (this.list_empty(list));
      const order = pindex_to_order(pindex);
      const nr = 1 << order;
      do {
        const node = this.list_last(list);
        const page = this.pfnOfWord(node - this.W_lru);
        const mt = this.get_pfnblock_migratetype(page, page);
        this.list_del(node);
        count -= nr;
        pcp.count -= nr;
        this.__free_one_page(page, page, zone, order, mt, FPI_NONE);
      } while (count > 0 && !this.list_empty(list));
    }
  }

  nr_pcp_free(pcp: PerCpuPages, batch: number, high: number, free_high: boolean): number {
    if (free_high) return Math.min(pcp.count, batch << CONFIG_PCP_BATCH_SCALE_MAX);
    if (high < batch) return 1;
    return Math.min(Math.max(pcp.free_count, batch), high - batch);
  }

  nr_pcp_high(pcp: PerCpuPages, zone: Zone, batch: number, free_high: boolean): number {
    const high_min = pcp.high_min;
    const high_max = pcp.high_max;
    let high = (pcp.high = Math.min(Math.max(pcp.high, high_min), high_max));
    if (high === 0) return 0;
    if (free_high) {
      pcp.high = Math.max(high - (batch << CONFIG_PCP_BATCH_SCALE_MAX), high_min);
      return 0;
    }
    if (zone.flags & ZONE_RECLAIM_ACTIVE) return this.pcpHighReclaim(pcp, batch, high);
    if (high_min === high_max) return high;
    if (zone.flags & ZONE_BELOW_HIGH) return this.pcpHighBelowHigh(pcp, batch, high);
    if (pcp.count >= high) {
      const need_high = pcp.free_count + batch;
      if (pcp.high < need_high) pcp.high = Math.min(Math.max(need_high, high_min), high_max);
    }
    return high;
  }

  /** nr_pcp_high() while the zone is below its high watermark: shrink high; free down to what is there. */
  private pcpHighBelowHigh(pcp: PerCpuPages, batch: number, high: number): number {
    const free_count = Math.max(pcp.free_count, batch);
    pcp.high = Math.max(high - free_count, pcp.high_min);
    return Math.max(pcp.count, pcp.high_min);
  }

  /** nr_pcp_high() while the zone is under reclaim: shrink high and free down to a few batches. */
  private pcpHighReclaim(pcp: PerCpuPages, batch: number, high: number): number {
    const free_count = Math.max(pcp.free_count, batch);
    pcp.high = Math.max(high - free_count, pcp.high_min);
    return Math.min(batch << 2, pcp.high);
  }

  /** free_frozen_page_commit(): put a page on the pcp list and trim the list if it grew past high. */
  free_frozen_page_commit(zone: Zone, pcp: PerCpuPages, page: number, migratetype: number, order: number, fpi_flags: number): boolean {
    let free_high = false;
    pcp.alloc_factor >>= 1;
    this.count_vm_events(PGFREE, 1 << order);
    const pindex = order_to_pindex(migratetype, order);
    this.list_add(page * this.PW + this.W_lru, pcp.listsWord + pindex * 4);
    pcp.count += 1 << order;
    const batch = pcp.batch;
    if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
      free_high = this.pcpFreeHighOrder(pcp, batch);
    } else if (pcp.flags & PCPF_PREV_FREE_HIGH_ORDER) {
      pcp.flags &= ~PCPF_PREV_FREE_HIGH_ORDER;
    }
    if (pcp.free_count < batch << CONFIG_PCP_BATCH_SCALE_MAX) pcp.free_count += 1 << order;
    void fpi_flags;
    const high = this.nr_pcp_high(pcp, zone, batch, free_high);
    if (pcp.count < high) return true;
    this.pcpTrim(zone, pcp, pindex, batch, high, free_high);
    return true;
  }

  /** free_frozen_page_commit() for orders 1..PAGE_ALLOC_COSTLY_ORDER: whether to free a whole batch, noting a high-order free. */
  private pcpFreeHighOrder(pcp: PerCpuPages, batch: number): boolean {
    const free_high = pcp.free_count >= batch + (pcp.high_min >> 1) && (pcp.flags & PCPF_PREV_FREE_HIGH_ORDER) !== 0 && ((pcp.flags & PCPF_FREE_HIGH_BATCH) === 0 || pcp.count >= batch);
    pcp.flags |= PCPF_PREV_FREE_HIGH_ORDER;
    return free_high;
  }

  /** The end of free_frozen_page_commit() when the list reached high: free pages to the buddy in batches. */
  private pcpTrim(zone: Zone, pcp: PerCpuPages, pindex: number, batch: number, high: number, free_high: boolean): void {
    let to_free = this.nr_pcp_free(pcp, batch, high, free_high);
    while (to_free > 0 && pcp.count > 0) {
      const batched = Math.min(to_free, batch);
      this.free_pcppages_bulk(zone, batched, pcp, pindex);
      to_free -= batched;
    }
    if (zone.flags & ZONE_BELOW_HIGH && this.zone_watermark_ok(zone, 0, zone.wmark_pages(WMARK_HIGH), ZONE_MOVABLE, 0)) zone.flags &= ~ZONE_BELOW_HIGH;
  }

  // ---- the fused order-0 per-CPU paths ----------------------------------

  /**
   * Whether the order-0 pair may take the fused paths below: the machine's
   * class overrides none of FUSED_PCP_HELPERS, nothing has wrapped the
   * kernel functions since (watchpoints and page_owner shadow them on the
   * instance, fuzz coverage on the machine's own class: both wrap
   * __free_pages_prepare and post_alloc_hook, which these compare), and
   * there is one node.
   */
  protected fusedPcp(): boolean {
    return this.pcpHot.fused && this.__free_pages_prepare === BASE_FREE_PAGES_PREPARE && this.post_alloc_hook === BASE_POST_ALLOC_HOOK;
  }

  /**
   * __alloc_pages_noprof(gfp, 0, nid, ALLOC_DEFAULT) when the page comes
   * off the per-CPU list of the zonelist's first zone and nothing on the
   * way reports or takes a slower branch: prepare_alloc_pages(), the
   * fast-path alloc_flags, get_page_from_freelist()'s order-0 watermark
   * shortcut, rmqueue_pcplist(), list_del() with its checks,
   * check_new_pages(), prep_new_page() and set_page_refcounted(), read and
   * written here without the calls.
   *
   * Why: each of those functions is shared by every variant stack and
   * every path that has run in the process, so what V8 inlines along the
   * chain of calls, and how many receiver shapes each access checks,
   * depends on all of them (after the shipped scenarios and variants had
   * run, the pair took 1.6-2.6 times as long as in a fresh process). This
   * code runs for this case only, and reads the machine through one
   * object of one shape (PcpHot), so it is compiled for this case alone.
   *
   * Everything is checked before anything is written, except the stores
   * prepare_alloc_pages() makes, which the calls make again with the same
   * values. -1: the calls must do it (and they report what there is to
   * report, from the kernel's own functions). The machine ends byte for
   * byte as the calls leave it (test/fused-pcp.test.ts).
   */
  protected allocPcp0(gfp: number, preferred_nid: number): number {
    const h = this.pcpHot;
    // prepare_alloc_pages()
    if (gfp !== h.gfp) {
      h.gfpZone = gfp_zone(gfp);
      h.gfpMigratetype = gfp_migratetype(gfp);
      h.gfp = gfp;
    }
    const node = h.nodes[preferred_nid];
    if (node === undefined) return -1;
    const ac = h.ac;
    ac.alloc_flags = F.ALLOC_DEFAULT;
    const highest = h.gfpZone;
    const migratetype = h.gfpMigratetype;
    ac.highest_zoneidx = highest;
    const zonelist = gfp & F.GFP_THISNODE ? node.zonelist_nofallback : node.zonelist;
    if (ac.zonelist !== zonelist) ac.zonelist = zonelist;
    ac.migratetype = migratetype;
    let preferred = -1;
    for (let i = 0; i < zonelist.length; i++) {
      if (zonelist[i]!.idx <= highest) {
        preferred = i;
        break;
      }
    }
    ac.preferred = preferred;
    if (preferred < 0 || migratetype >= F.MIGRATE_PCPTYPES) return -1;
    const zone = zonelist[preferred]!;
    if (zone.present_pages === 0) return -1;
    // alloc_flags_nofragment() on one node; alloc_flags_nonblocking() adds nothing at order 0.
    const alloc_flags = F.ALLOC_WMARK_LOW | (gfp & F.GFP_KSWAPD_RECLAIM ? F.ALLOC_KSWAPD : 0) | (zone.idx === F.ZONE_NORMAL ? F.ALLOC_NOFRAGMENT : 0);
    // zoneWatermarksAllow() where zone_watermark_fast()'s order-0 shortcut passes.
    const mark = zone._watermark[zone.flags & F.ZONE_BELOW_HIGH ? alloc_flags & F.ALLOC_WMARK_MASK : F.WMARK_HIGH]! + zone.watermark_boost;
    const stat = zone.vm_stat[F.NR_FREE_PAGES]!;
    const free_pages = stat < 0 ? 0 : stat;
    const reserved = alloc_flags & F.ALLOC_RESERVES ? 0 : zone.nr_free_highatomic;
    if (!(free_pages - Math.min(free_pages, reserved) > mark + zone.lowmem_reserve[highest]!)) return -1;
    // rmqueue_pcplist() -> __rmqueue_pcplist(): the first page of a non-empty list (order_to_pindex() at order 0 is the migratetype).
    const pcp = zone.pcp[this.current.cpu]!;
    const list = pcp.listsWord + migratetype * 4;
    const i32 = h.i32;
    // list_first(): the head's next is a struct page's lru (an empty list points at itself, in kernel data).
    const hlo = i32[list]!;
    const entry = hlo >>> 2;
    if (i32[list + 1] !== F.VMEMMAP_HI_S || (hlo & 3) !== 0 || entry >= h.kdataWord) {
      // A disabled list (zone_pcp_disable(): high 0): the refill takes one page from the buddy lists.
      // (__rmqueue_pcplist() reads no high mark: a list that is not empty gives its first page whatever it is.)
      if (h.buddy && Math.min(Math.max(pcp.high, pcp.high_min), pcp.high_max) === 0) return this.allocBuddy0(gfp, zone, pcp, list, migratetype, alloc_flags);
      return -1;
    }
    // pfnOfWord(entry - W_lru)
    const lw = entry - h.W_lru;
    const page = h.PWshift >= 0 && lw >= 0 ? lw >>> h.PWshift : Math.floor(lw / h.PW);
    const w = page * h.PW;
    // A link into the middle of a struct page: the calls (the checks below read the page's own lru).
    if (w + h.W_lru !== entry) return -1;
    // __list_del_entry()'s checks, on links that are struct pages' lru or a list head in kernel data.
    const xlo = i32[entry]!;
    const xhi = i32[entry + 1]!;
    const plo = i32[entry + 2]!;
    const phi = i32[entry + 3]!;
    const next = h.linkWord(xlo, xhi);
    const prev = h.linkWord(plo, phi);
    if (next < 0 || prev < 0) return -1;
    const elo = (entry * 4) | 0;
    if (i32[prev] !== elo || i32[prev + 1] !== F.VMEMMAP_HI_S || i32[next + 2] !== elo || i32[next + 3] !== F.VMEMMAP_HI_S) return -1;
    // check_new_page() passes (pageExpectedInline, CHECK_AT_NEW: mapcount -1, no mapping, refcount 0,
    // no memcg_data, no flag) and set_page_refcounted() will not BUG (not a tail), in one test of all
    // the words. Its page_pool test reads the lru words, the link checked above: a link's high word is
    // VMEMMAP_HI or kernel data's (0xffff8880), never the signature's 0xdead0000.
    const wm = w + h.W_mapping;
    const wc = w + h.W_memcg_data;
    if (((i32[w + h.W_mapcount]! + 1) | i32[wm]! | i32[wm + 1]! | i32[wc]! | i32[wc + 1]! | (i32[w + h.W_flags]! & F.CHECK_AT_NEW) | i32[w + h.W_refcount]! | (i32[w + h.W_compound_head]! & 1)) !== 0) return -1;
    // From here on, what the calls write, in their order.
    pcp.free_count >>= 1;
    i32[next + 2] = plo;
    i32[next + 3] = phi;
    i32[prev] = xlo;
    i32[prev + 1] = xhi;
    i32[entry] = 0x100;
    i32[entry + 1] = F.POISON_HI_S;
    i32[entry + 2] = 0x122;
    i32[entry + 3] = F.POISON_HI_S;
    pcp.count -= 1;
    const ev = h.vm_events;
    ev[F.PGALLOC_BASE + zone.idx] = ev[F.PGALLOC_BASE + zone.idx]! + 1;
    if (alloc_flags & F.ALLOC_KSWAPD && zone.flags & F.ZONE_BOOSTED_WATERMARK) zone.flags &= ~F.ZONE_BOOSTED_WATERMARK;
    // post_alloc_hook(): set_page_private(page, 0), then the contents zeroed for __GFP_ZERO.
    const wp = w + h.W_private;
    i32[wp] = 0;
    i32[wp + 1] = 0;
    if (gfp & F.GFP_ZERO) this.clear_page_contents(page, 0);
    // prep_new_page(): clear_page_pfmemalloc() (lru.next = 0); set_page_refcounted().
    const wl = w + h.W_lru;
    i32[wl] = 0;
    i32[wl + 1] = 0;
    i32[w + h.W_refcount] = 1;
    return page;
  }


  /**
   * The rest of allocPcp0() when the per-CPU list is disabled (high 0) and
   * empty: __rmqueue_pcplist() refills it with one page (nr_pcp_alloc()),
   * rmqueue_bulk() -> __rmqueue() -> __rmqueue_smallest(): the first block
   * on the smallest non-empty free list of the migratetype,
   * page_del_and_expand() putting the upper halves back on the lower lists,
   * list_add_tail() onto the per-CPU list, and straight back off it, then
   * what allocPcp0() does after the list. Everything is checked first, on
   * whole list nodes (as freeOneFused() does): the block's and the lower
   * lists' links, the types __ClearPageBuddy()/__SetPageBuddy() and the
   * free-list WARN need, and that check_new_page() will pass; -1 when the
   * calls must do it (no block of the type, so the fallbacks; anything a
   * check would report).
   */
  private allocBuddy0(gfp: number, zone: Zone, pcp: PerCpuPages, list: number, migratetype: number, alloc_flags: number): number {
    const h = this.pcpHot;
    const i32 = h.i32;
    const m32 = h.m32;
    const PW = h.PW;
    const Wl = h.W_lru;
    const Wt = h.W_page_type;
    // nr_pcp_alloc() returns 1 (high below a batch of at least 1); the list is empty (and canonical).
    if (pcp.batch < 1) return -1;
    const llo = (h.kdataLoS + (list - h.kdataWord) * 4) | 0;
    const lhi = h.kdataHiS;
    if (i32[list] !== llo || i32[list + 1] !== lhi || i32[list + 2] !== llo || i32[list + 3] !== lhi) return -1;
    // __rmqueue_smallest(): the lists below `order` empty (canonical heads, as list_add() will check them).
    let order = 0;
    let entry = -1;
    for (; order < F.NR_PAGE_ORDERS; order++) {
      const head = zone.freeList(order, migratetype);
      const first = h.nodeWord(i32[head]!, i32[head + 1]!);
      if (first < 0) return -1;
      if (first !== head) {
        entry = first;
        break;
      }
      const hlo = (h.kdataLoS + (head - h.kdataWord) * 4) | 0;
      if (i32[head + 2] !== hlo || i32[head + 3] !== h.kdataHiS) return -1;
    }
    // No block of the type (the claim and steal fallbacks), or a free-list entry outside the memmap.
    if (entry < 0 || entry >= h.kdataWord) return -1;
    const page = h.PWshift >= 0 ? (entry - Wl) >>> h.PWshift : ((entry - Wl) / PW) | 0;
    const w = page * PW;
    // __del_page_from_free_list(): the WARN on the type, list_del()'s checks, __ClearPageBuddy() (a buddy or no type).
    if (h.migratetypeOf(page) !== migratetype) return -1;
    const t = m32[w + Wt]!;
    if (t !== F.PAGE_TYPE_RESET && t >>> 24 !== F.PGTY_buddy) return -1;
    const next = h.nodeWord(i32[entry]!, i32[entry + 1]!);
    const prev = h.nodeWord(i32[entry + 2]!, i32[entry + 3]!);
    if (next < 0 || prev < 0 || next === list || prev === list) return -1;
    const elo = (entry * 4) | 0;
    if (i32[prev] !== elo || i32[prev + 1] !== F.VMEMMAP_HI_S || i32[next + 2] !== elo || i32[next + 3] !== F.VMEMMAP_HI_S) return -1;
    // expand(): each upper half's pageblock has the type, its type lets __SetPageBuddy() through, and
    // the block's neighbours are none of the (empty) lower lists it goes on.
    for (let high = order - 1; high >= 0; high--) {
      const piece = page + (1 << high);
      const pt = m32[piece * PW + Wt]!;
      if (h.migratetypeOf(piece) !== migratetype || (pt !== F.PAGE_TYPE_RESET && pt >>> 24 !== F.PGTY_buddy)) return -1;
      const head = zone.freeList(high, migratetype);
      if (next === head || prev === head) return -1;
    }
    // check_new_page() will pass: list_del() leaves a poisoned lru (no pp signature, no compound_head
    // bit), __ClearPageBuddy() the type (_mapcount) -1, private 0; the other words as they are.
    const wmap = w + h.W_mapping;
    const wmc = w + h.W_memcg_data;
    if ((i32[wmap]! | i32[wmap + 1]! | i32[wmc]! | i32[wmc + 1]! | (i32[w + h.W_flags]! & F.CHECK_AT_NEW) | i32[w + h.W_refcount]!) !== 0) return -1;
    // From here on, what the calls write, in their order.
    pcp.free_count >>= 1;
    pcp.high = 0;
    this.rmqm = 0; // RMQUEUE_NORMAL
    // page_del_and_expand()
    i32[next + 2] = i32[entry + 2]!;
    i32[next + 3] = i32[entry + 3]!;
    i32[prev] = i32[entry]!;
    i32[prev + 1] = i32[entry + 1]!;
    m32[w + Wt] = F.PAGE_TYPE_RESET;
    i32[w + h.W_private] = 0;
    i32[w + h.W_private + 1] = 0;
    let nf = zone.nrFreeWord(order);
    m32[nf] = m32[nf]! - 1;
    m32[nf + 1] = 0;
    if (order >= F.pageblock_order) zone.vm_stat[F.NR_FREE_PAGES_BLOCKS] = zone.vm_stat[F.NR_FREE_PAGES_BLOCKS]! - (1 << order);
    for (let high = order - 1; high >= 0; high--) {
      const piece = page + (1 << high);
      const pw = piece * PW;
      const head = zone.freeList(high, migratetype);
      const hlo = (h.kdataLoS + (head - h.kdataWord) * 4) | 0;
      const nw = pw + Wl;
      const nlo = (nw * 4) | 0;
      // list_add() onto the empty list.
      i32[head + 2] = nlo;
      i32[head + 3] = F.VMEMMAP_HI_S;
      i32[nw] = hlo;
      i32[nw + 1] = h.kdataHiS;
      i32[nw + 2] = hlo;
      i32[nw + 3] = h.kdataHiS;
      i32[head] = nlo;
      i32[head + 1] = F.VMEMMAP_HI_S;
      nf = zone.nrFreeWord(high);
      m32[nf] = m32[nf]! + 1;
      m32[nf + 1] = 0;
      if (high >= F.pageblock_order) zone.vm_stat[F.NR_FREE_PAGES_BLOCKS] = zone.vm_stat[F.NR_FREE_PAGES_BLOCKS]! + (1 << high);
      // set_buddy_order(): __SetPageBuddy() leaves a buddy's type word as it is.
      i32[pw + h.W_private] = high;
      i32[pw + h.W_private + 1] = 0;
      if (m32[pw + Wt]! >>> 24 !== F.PGTY_buddy) m32[pw + Wt] = (F.PGTY_buddy << 24) >>> 0;
    }
    zone.vm_stat[F.NR_FREE_PAGES] = zone.vm_stat[F.NR_FREE_PAGES]! - 1;
    // list_add_tail() onto the per-CPU list and list_del() off it: the head as it was, the lru poisoned.
    i32[entry] = 0x100;
    i32[entry + 1] = F.POISON_HI_S;
    i32[entry + 2] = 0x122;
    i32[entry + 3] = F.POISON_HI_S;
    const ev = h.vm_events;
    ev[F.PGALLOC_BASE + zone.idx] = ev[F.PGALLOC_BASE + zone.idx]! + 1;
    if (alloc_flags & F.ALLOC_KSWAPD && zone.flags & F.ZONE_BOOSTED_WATERMARK) zone.flags &= ~F.ZONE_BOOSTED_WATERMARK;
    // post_alloc_hook(): private (already 0), the contents zeroed for __GFP_ZERO; prep_new_page().
    if (gfp & F.GFP_ZERO) this.clear_page_contents(page, 0);
    i32[entry] = 0;
    i32[entry + 1] = 0;
    i32[w + h.W_refcount] = 1;
    return page;
  }

  /**
   * ___free_pages(page, 0, FPI_NONE) of a page whose last reference this
   * is (`dropRef`), or __free_frozen_pages(page, 0, FPI_NONE) of a frozen
   * one, when it goes onto the per-CPU list without a report, a trim of the
   * list or a slower branch: put_page_testzero(), __free_pages_prepare()
   * for an order-0 page (an anonymous one's mapping cleared), page_zone(),
   * the pageblock's migratetype and
   * free_frozen_page_commit() with list_add()'s checks and nr_pcp_high(),
   * without the calls. Why, and the rule for what is written before the
   * checks: allocPcp0(). False: the calls must do it.
   */
  protected freePcp0(pfn: number, dropRef: boolean): boolean {
    const h = this.pcpHot;
    // Callers pass pfns read from float arrays too (mmu_gather's batch): one int32 from here on,
    // so that the arithmetic below is compiled for small integers whoever called first.
    const page = pfn | 0;
    if (page !== pfn || page < 0 || page >= h.nr_pages) return false;
    const i32 = h.i32;
    const w = page * h.PW;
    const wf = w + h.W_flags;
    const flags = i32[wf]!;
    // put_page_testzero() takes the count from 1 to 0 (a frozen page has 0); __free_pages_prepare() of
    // an order-0 page: not a tail or head, not mlocked or hwpoisoned. (The writes below change none of these words.)
    if (((i32[w + h.W_refcount]! ^ (dropRef ? 1 : 0)) | (i32[w + h.W_compound_head]! & 1) | (flags & F.FREE0_OFF_INLINE)) !== 0) return false;
    // page_zone(): node and zone from the high word of the flags.
    const flagsHi = i32[wf + 1]! >>> 0;
    const zone = h.zones[((flagsHi >>> F.NID_SHIFT) & F.NID_MASK) * F.MAX_NR_ZONES + ((flagsHi >>> F.ZID_SHIFT) & F.ZID_MASK)];
    if (zone === undefined) return false;
    // get_pfnblock_migratetype(): MIGRATE_ISOLATE (bit 3) and the other types >= MIGRATE_PCPTYPES take the calls.
    const migratetype = h.pageblockFlags[page >>> F.pageblock_order]!;
    if (migratetype >= F.MIGRATE_PCPTYPES) return false;
    const pcp = zone.pcp[this.current.cpu]!;
    // nr_pcp_high() leaves the list below high: no trim, no change of high but the clamp.
    if (zone.flags & F.ZONE_RECLAIM_ACTIVE) return false;
    const high = Math.min(Math.max(pcp.high, pcp.high_min), pcp.high_max);
    // A disabled list (zone_pcp_disable(): high 0, batch 1): nr_pcp_high() returns 0, and the trim
    // takes the page straight back off the empty list and on to the buddy lists (freeOneFused()).
    const direct = high === 0;
    if (direct ? !h.buddy || pcp.count !== 0 || pcp.batch < 1 || (zone.flags & F.ZONE_BELOW_HIGH) !== 0 : (pcp.high_min !== pcp.high_max && zone.flags & F.ZONE_BELOW_HIGH) || pcp.count + 1 >= high) return false;
    // list_add() onto the head in kernel data: its checks pass.
    const head = pcp.listsWord + migratetype * 4;
    const kd = head - h.kdataWord;
    if (kd < 0 || kd * 4 >= h.kdataBytes) return false;
    const xlo = i32[head]!;
    const xhi = i32[head + 1]!;
    const next = h.linkWord(xlo, xhi);
    const hlo = (h.kdataLoS + kd * 4) | 0;
    const hhi = h.kdataHiS;
    const nw = w + h.W_lru;
    if (next < 0 || i32[next + 2] !== hlo || i32[next + 3] !== hhi || nw === head || nw === next) return false;
    // free_pcppages_bulk() takes the last page of the first non-empty list from this one on: this page, if the list was empty.
    if (direct && (next !== head || i32[head + 2] !== hlo || i32[head + 3] !== hhi)) return false;
    // An anon folio's mapping cleared, then free_pages_reset_type(): the calls do both before the
    // state check too (whatever it finds), and again they are no-ops.
    const wm = w + h.W_mapping;
    if ((i32[wm]! & 1) !== 0) {
      h.m32[wm] = 0;
      h.m32[wm + 1] = 0;
    }
    const wt = w + h.W_page_type;
    // page_type_has_type()
    if (i32[wt]! < F.PGTY_BASE_S) h.m32[wt] = F.PAGE_TYPE_RESET;
    // page_expected_state(page, PAGE_FLAGS_CHECK_AT_FREE) on the words as those writes leave them (the
    // refcount and flags as read above), in one test.
    const wc = w + h.W_memcg_data;
    const wl = w + h.W_lru;
    if (
      ((i32[w + h.W_mapcount]! + 1) | i32[wm]! | i32[wm + 1]! | i32[wc]! | i32[wc + 1]! | (flags & F.PAGE_FLAGS_CHECK_AT_FREE)) !== 0 ||
      ((i32[wl]! & 0x7c) === F.PP_SIGNATURE_LO && (i32[wl + 1]! & 0xffffff80) === F.PP_SIGNATURE_HI_S)
    )
      return false;
    // Through the disabled list to the buddy lists: one more call, which checks __free_one_page()'s
    // way and then writes everything, this page's words too.
    if (direct) return this.freeOneFused(page, zone, migratetype, pcp, high);
    // From here on, what the calls write, in their order.
    i32[w + h.W_refcount] = 0;
    // page_cpupid_reset_last(), clearing PAGE_FLAGS_CHECK_AT_PREP, set_page_private(page, 0).
    i32[wf] = (i32[wf]! | (3 << 30)) & ~F.PAGE_FLAGS_CHECK_AT_PREP;
    i32[wf + 1] = (i32[wf + 1]! & ~F.CPUPID_HI) | F.CPUPID_HI;
    const wp = w + h.W_private;
    i32[wp] = 0;
    i32[wp + 1] = 0;
    // free_frozen_page_commit()
    pcp.alloc_factor >>= 1;
    const ev = h.vm_events;
    ev[F.PGFREE] = ev[F.PGFREE]! + 1;
    if (pcp.flags & F.PCPF_PREV_FREE_HIGH_ORDER) pcp.flags &= ~F.PCPF_PREV_FREE_HIGH_ORDER;
    if (pcp.free_count < pcp.batch << F.CONFIG_PCP_BATCH_SCALE_MAX) pcp.free_count += 1;
    pcp.high = high;
    const nlo = (nw * 4) | 0;
    i32[next + 2] = nlo;
    i32[next + 3] = F.VMEMMAP_HI_S;
    i32[nw] = xlo;
    i32[nw + 1] = xhi;
    i32[nw + 2] = hlo;
    i32[nw + 3] = hhi;
    i32[head] = nlo;
    i32[head + 1] = F.VMEMMAP_HI_S;
    pcp.count += 1;
    return true;
  }

  /**
   * The rest of freePcp0() for an order-0 page it sends through a disabled
   * per-CPU list (`high` 0), whose own checks have passed:
   * __free_one_page(pfn, pfn, zone, 0, migratetype, FPI_NONE) as
   * free_pcppages_bulk() calls it, when nothing on the way would report.
   * First reads only, deciding the merges and where the block goes (each
   * merged buddy and its list neighbours, and the list node the block is
   * added next to, in PcpHot); false when the calls must do it (a merge
   * into a pageblock-sized block or more, a guard page, a buddy that
   * VM_BUG_ON_PAGE() or a list check would report, a free list whose type
   * WARNs, a list linked oddly). Then everything the calls write, in their
   * order: the page's own words and the per-CPU pageset's as freePcp0()
   * writes them, the list_add() and list_del() through the empty list, and
   * __free_one_page()'s. One call where there were three for this case.
   *
   * The order matters: the calls make each list_del() on the lists as the
   * earlier ones left them. Links are required to lead to whole list nodes
   * (a struct page's lru or kernel data), and no merged buddy, nor the
   * freed page, nor the merged block's list neighbours may be a neighbour
   * of another merged buddy; then no write of one step changes a word a
   * later step reads, and checking everything first on the memory as it is
   * decides what the calls decide. The page itself is read only for its
   * zone bits, which the free does not change.
   */
  private freeOneFused(pfn: number, zone: Zone, migratetype: number, pcp: PerCpuPages, high: number): boolean {
    const page = pfn;
    const h = this.pcpHot;
    const i32 = h.i32;
    const PW = h.PW;
    const Wf = h.W_flags;
    const Wl = h.W_lru;
    const Wt = h.W_page_type;
    const Wp = h.W_private;
    // bad_range(): the page lies in the zone its flags name.
    if (pfn < zone.zone_start_pfn || pfn >= zone.zone_start_pfn + zone.spanned_pages) return false;
    // page_zone_id() as the bits of the flags' high word that hold it.
    const zmask = F.ZONEID_MASK;
    const zid = i32[pfn * PW + Wf + 1]! & zmask;
    const self = pfn * PW + Wl;
    let order = 0;
    let n = 0;
    let buddy_pfn = 0;
    for (; order < F.MAX_PAGE_ORDER; order++) {
      buddy_pfn = pfn ^ (1 << order);
      const bw = buddy_pfn * PW;
      // page_is_buddy(): PageGuard() or PageBuddy(), buddy_order(), page_zone_id().
      const type = i32[bw + Wt]! >>> 24;
      if ((type !== F.PGTY_buddy && type !== F.PGTY_guard) || i32[bw + Wp] !== order || i32[bw + Wp + 1] !== 0 || (i32[bw + Wf + 1]! & zmask) !== zid) break;
      // A guard page (its __ClearPageBuddy() BUGs), VM_BUG_ON_PAGE(page_count(buddy)), a pageblock-sized merge.
      if (type === F.PGTY_guard || (i32[bw + h.W_compound_head]! & 1) !== 0 || i32[bw + h.W_refcount] !== 0 || order >= F.pageblock_order) return false;
      // warnFreeListType(buddy, migratetype): the buddy's pageblock has the type.
      if (h.migratetypeOf(buddy_pfn) !== migratetype) return false;
      // list_del()'s checks, on whole nodes.
      const e = bw + Wl;
      const next = h.nodeWord(i32[e]!, i32[e + 1]!);
      const prev = h.nodeWord(i32[e + 2]!, i32[e + 3]!);
      if (next < 0 || prev < 0 || next === self || prev === self) return false;
      const elo = (e * 4) | 0;
      if (i32[prev] !== elo || i32[prev + 1] !== F.VMEMMAP_HI_S || i32[next + 2] !== elo || i32[next + 3] !== F.VMEMMAP_HI_S) return false;
      h.mergeBuddy[n] = buddy_pfn;
      h.mergePrev[n] = prev;
      h.mergeNext[n] = next;
      n++;
      pfn &= buddy_pfn;
    }
    if (order >= F.MAX_PAGE_ORDER) return false;
    // No merged buddy is another's neighbour.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const ej = h.mergeBuddy[j]! * PW + Wl;
        if (i !== j && (h.mergePrev[i] === ej || h.mergeNext[i] === ej)) return false;
      }
    }
    // buddy_merge_likely(): the next-higher buddy is free at order + 1; its page_is_buddy() must not BUG.
    let tail = false;
    if (order < F.MAX_PAGE_ORDER - 1) {
      const higher = buddy_pfn & pfn;
      const hb = higher ^ (1 << (order + 1));
      const hw = hb * PW;
      const type = i32[hw + Wt]! >>> 24;
      if ((type === F.PGTY_buddy || type === F.PGTY_guard) && i32[hw + Wp] === order + 1 && i32[hw + Wp + 1] === 0 && (i32[hw + Wf + 1]! & zmask) === (i32[higher * PW + Wf + 1]! & zmask)) {
        if ((i32[hw + h.W_compound_head]! & 1) !== 0 || i32[hw + h.W_refcount] !== 0) return false;
        tail = true;
      }
    }
    // __add_to_free_list(): list_add() or list_add_tail() of the block's lru onto its free list, with their checks.
    const head = zone.freeList(order, migratetype);
    const nw = pfn * PW + Wl;
    const hlo = (h.kdataLoS + (head - h.kdataWord) * 4) | 0;
    const hhi = h.kdataHiS;
    let other: number;
    if (tail) {
      other = h.nodeWord(i32[head + 2]!, i32[head + 3]!);
      if (other < 0 || i32[other] !== hlo || i32[other + 1] !== hhi) return false;
    } else {
      other = h.nodeWord(i32[head]!, i32[head + 1]!);
      if (other < 0 || i32[other + 2] !== hlo || i32[other + 3] !== hhi) return false;
    }
    if (nw === head || nw === other || other === self) return false;
    for (let i = 0; i < n; i++) {
      const p = h.mergePrev[i]!;
      const x = h.mergeNext[i]!;
      const e = h.mergeBuddy[i]! * PW + Wl;
      if (head === p || head === x || head === e || other === p || other === x || other === e) return false;
    }
    // From here on, what the calls write, in their order: freePcp0()'s, for this page and the pageset.
    const m32 = h.m32;
    const w0 = page * PW;
    i32[w0 + h.W_refcount] = 0;
    // page_cpupid_reset_last(), clearing PAGE_FLAGS_CHECK_AT_PREP, set_page_private(page, 0).
    i32[w0 + Wf] = (i32[w0 + Wf]! | (3 << 30)) & ~F.PAGE_FLAGS_CHECK_AT_PREP;
    i32[w0 + Wf + 1] = (i32[w0 + Wf + 1]! & ~F.CPUPID_HI) | F.CPUPID_HI;
    i32[w0 + Wp] = 0;
    i32[w0 + Wp + 1] = 0;
    // free_frozen_page_commit()
    pcp.alloc_factor >>= 1;
    const ev = h.vm_events;
    ev[F.PGFREE] = ev[F.PGFREE]! + 1;
    if (pcp.flags & F.PCPF_PREV_FREE_HIGH_ORDER) pcp.flags &= ~F.PCPF_PREV_FREE_HIGH_ORDER;
    if (pcp.free_count < pcp.batch << F.CONFIG_PCP_BATCH_SCALE_MAX) pcp.free_count += 1;
    pcp.high = high;
    // list_add() then free_pcppages_bulk()'s list_del() of the one entry: the head is left as it
    // was (empty) and the page's lru poisoned; the count goes up and back down.
    i32[self] = 0x100;
    i32[self + 1] = F.POISON_HI_S;
    i32[self + 2] = 0x122;
    i32[self + 3] = F.POISON_HI_S;
    // __free_one_page(): account_freepages(zone, 1, migratetype).
    zone.vm_stat[F.NR_FREE_PAGES] = zone.vm_stat[F.NR_FREE_PAGES]! + 1;
    for (let i = 0; i < n; i++) {
      // __del_page_from_free_list(buddy, zone, i, migratetype): list_del(), __ClearPageBuddy(), private 0, nr_free - 1.
      const bw = h.mergeBuddy[i]! * PW;
      const e = bw + Wl;
      const prev = h.mergePrev[i]!;
      const next = h.mergeNext[i]!;
      i32[next + 2] = i32[e + 2]!;
      i32[next + 3] = i32[e + 3]!;
      i32[prev] = i32[e]!;
      i32[prev + 1] = i32[e + 1]!;
      i32[e] = 0x100;
      i32[e + 1] = F.POISON_HI_S;
      i32[e + 2] = 0x122;
      i32[e + 3] = F.POISON_HI_S;
      m32[bw + Wt] = F.PAGE_TYPE_RESET;
      i32[bw + Wp] = 0;
      i32[bw + Wp + 1] = 0;
      const nf = zone.nrFreeWord(i);
      m32[nf] = m32[nf]! - 1;
      m32[nf + 1] = 0;
    }
    // set_buddy_order() on the merged block (pfn), then __add_to_free_list().
    const w = pfn * PW;
    i32[w + Wp] = order;
    i32[w + Wp + 1] = 0;
    m32[w + Wt] = (F.PGTY_buddy << 24) >>> 0;
    const nlo = (nw * 4) | 0;
    const prev = tail ? other : head;
    const next = tail ? head : other;
    const plo = i32[next + 2]!;
    const phi = i32[next + 3]!;
    const xlo = i32[prev]!;
    const xhi = i32[prev + 1]!;
    i32[next + 2] = nlo;
    i32[next + 3] = F.VMEMMAP_HI_S;
    i32[nw] = xlo;
    i32[nw + 1] = xhi;
    i32[nw + 2] = plo;
    i32[nw + 3] = phi;
    i32[prev] = nlo;
    i32[prev + 1] = F.VMEMMAP_HI_S;
    const nf = zone.nrFreeWord(order);
    m32[nf] = m32[nf]! + 1;
    m32[nf + 1] = 0;
    if (order >= F.pageblock_order) zone.vm_stat[F.NR_FREE_PAGES_BLOCKS] = zone.vm_stat[F.NR_FREE_PAGES_BLOCKS]! + (1 << order);
    return true;
  }


  /** __free_frozen_pages(): free a page whose refcount already dropped to 0. */
  __free_frozen_pages(page: number, order: number, fpi_flags: number): void {
    if (order === 0 && fpi_flags === FPI_NONE && this.fusedPcp() && this.freePcp0(page, false)) return;
    // page_zone(page) or the free checks read page->flags first.
    this.touchPage(page, this.W_flags * 4);
    if (!pcp_allowed_order(order)) {
      this.__free_pages_ok(page, order, fpi_flags);
      return;
    }
    if (!this.__free_pages_prepare(page, order, fpi_flags)) return;
    const zone = this.page_zone(page);
    let migratetype = this.get_pfnblock_migratetype(page, page);
    if (migratetype >= MIGRATE_PCPTYPES) {
      if (migratetype === MIGRATE_ISOLATE) {
        this.free_one_page(zone, page, page, order, fpi_flags);
        return;
      }
      migratetype = MIGRATE_MOVABLE;
    }
    this.free_frozen_page_commit(zone, zone.pcp[this.current.cpu]!, page, migratetype, order, fpi_flags);
  }

  free_frozen_pages(page: number, order: number): void {
    this.__free_frozen_pages(page, order, FPI_NONE);
  }

  /**
   * ___free_pages(): drop a reference; on the last one free the block. A
   * non-compound high-order block whose first page is still referenced
   * keeps that page and frees the rest, half by half.
   */
  ___free_pages(page: number, order: number, fpi_flags: number): void {
    const head = this.PageHead(page);
    if (this.put_page_testzero(page)) this.__free_frozen_pages(page, order, fpi_flags);
    else if (!head) {
      // `1 << order` as x86 shifts (the count modulo 32), as JavaScript's << does too: a
      // huge order lands page + (1 << order) past the memmap, where the free faults.
      while (order-- > 0) this.__free_frozen_pages(page + (1 << order), order, fpi_flags);
    }
  }

  __free_pages(page: number, order: number): void {
    // The order-0 pair's fused free is tried here rather than in ___free_pages() (its only caller), so
    // that this stays small enough for V8 to inline into its callers whatever paths ___free_pages() has
    // taken in the process (after other variant stacks have run, it had not been).
    // The common case first (PcpHot.free0(); not while a zone's list is disabled), then the rest of the fused path;
    // whether to try it is read from PcpHot before anything through `this` (PcpHot.route()).
    const h = this.pcpHot;
    if (order === 0 && h.route()) {
      if (h.free0(page, 1, h.k.current.cpu) || this.freePcp0(page, true)) return;
    } else if (order === 0 && this.fusedPcp() && this.freePcp0(page, true)) return;
    this.___free_pages(page, order, FPI_NONE);
  }

  /** split_page(): a non-compound high-order page becomes 1 << order order-0 pages, each with its own reference. */
  split_page(page: number, order: number): void {
    this.VM_WARN_ON_PAGE(this.page_count(page) === 0, page, SITES.split_page_count);
    for (let i = 1; i < 1 << order; i++) {
      this.touchPage(page + i, this.W_refcount * 4);
      this.set_page_refcounted(page + i);
    }
    this.__split_page(page, order);
  }

  /** __split_page(): page_owner, alloc tags and memcg follow the split (pagesim models none of them). */
  __split_page(page: number, order: number): void {
    this.VM_WARN_ON_PAGE(this.PageCompound(page), page, SITES.split_page_compound);
    void order;
  }

  // ---- allocation: buddy lists ------------------------------------------

  /** expand(): split a block, putting the upper halves back on the free lists. */
  expand(zone: Zone, page: number, low: number, high: number, migratetype: number): number {
    let size = 1 << high;
    let nr_added = 0;
    while (high > low) {
      high--;
      size >>= 1;
      this.__add_to_free_list(page + size, zone, high, migratetype, false);
      this.set_buddy_order(page + size, high);
      nr_added += size;
    }
    return nr_added;
  }

  page_del_and_expand(zone: Zone, page: number, low: number, high: number, migratetype: number): void {
    let nr = 1 << high;
    this.__del_page_from_free_list(page, zone, high, migratetype);
    nr -= this.expand(zone, page, low, high, migratetype);
    this.account_freepages(zone, -nr, migratetype);
  }

  check_new_page_bad(page: number): void {
    if (this.PageHWPoison(page)) {
      if (this.PageBuddy(page)) this.__ClearPageBuddy(page);
      return;
    }
    this.bad_page(page, this.page_bad_reason(page, PAGE_FLAGS_CHECK_AT_PREP));
  }

  check_new_page(page: number): boolean {
    if (this.page_expected_state(page, CHECK_AT_NEW)) return false;
    this.check_new_page_bad(page);
    return true;
  }

  check_new_pages(page: number, order: number): boolean {
    const n = 1 << order;
    let i = 0;
    if (n > 1 && this.blockLoops) {
      if (tailsAtCheck.k === this && page + n <= this.nr_pages) {
        // A compound allocation (rmqueue() said so): the pass checks every page and prepares the tails
        // as far as they are clean; the rest is checked alone, prep_compound_page() writing its tails.
        const prepped = this.checkPrepTails(page, page + n);
        i = this.firstUnexpected(prepped, page + n, CHECK_AT_NEW) - page;
        if (i < n) this.unprepTails(page, prepped);
        else {
          tailsAtCheck.owner = this;
          tailsAtCheck.page = page;
          tailsAtCheck.end = prepped;
        }
      } else {
        // The block loop finds the first page check_new_page() would not pass; the pages before it pass.
        i = this.firstUnexpected(page, page + n, CHECK_AT_NEW) - page;
      }
    }
    for (; i < n; i++) if (this.check_new_page(page + i)) return true;
    return false;
  }

  /**
   * check_new_pages()'s pass for a block [head, end) that becomes a compound
   * page, with prep_compound_page()'s tail writes in it: while the head and
   * each tail pass page_expected_state(page, CHECK_AT_NEW), and the tail's
   * compound_head and private are 0 (so that unprepTails() can put back
   * exactly what was there), the tail gets TAIL_MAPPING and its head pointer
   * (its private stays 0, as prep_compound_tail() would leave it). Returns
   * the first page not so handled (`head` when the head itself is not), or
   * `end`. Nothing between the check and prep_compound_page() reads or
   * writes those words of a tail (rmqueue() allows this only while none of
   * their functions is overridden or wrapped), and prep_compound_head()
   * still writes the first tails' folio fields after them.
   */
  private checkPrepTails(head: number, end: number): number {
    const i32 = this.i32;
    const PW = this.PW;
    const wf = this.W_flags;
    const wm = this.W_mapcount;
    const wmap = this.W_mapping;
    const wch = this.W_compound_head;
    const wr = this.W_refcount;
    const wmc = this.W_memcg_data;
    const wl = this.W_lru;
    const wp = this.W_private;
    const sigLo = PP_SIGNATURE_LO;
    const sigHi = PP_SIGNATURE_HI_S;
    const mapLo = TAIL_MAPPING_LO_S;
    const mapHi = TAIL_MAPPING_HI_S;
    const vmemmapHi = VMEMMAP_HI_S;
    const flagsNew = CHECK_AT_NEW;
    // Word indexes and the head pointer in int32 whatever the pfn's representation (see cleanCompoundTails).
    const h = head | 0;
    const headLo = (h * this.structPageSize + 1) | 0;
    const wh = h * PW;
    const headBad = (i32[wh + wm]! + 1) | i32[wh + wmap]! | i32[wh + wmap + 1]! | i32[wh + wr]! | i32[wh + wmc]! | i32[wh + wmc + 1]! | (i32[wh + wf]! & flagsNew);
    if (headBad !== 0 || ((i32[wh + wl]! & 0x7c) === sigLo && (i32[wh + wl + 1]! & 0xffffff80) === sigHi)) return head;
    const last = (end | 0) * PW;
    // lru.next shares its word with compound_head (read as 0 here): then no page_pool signature to test.
    const lruApart = wl !== wch;
    for (let w = wh + PW; w < last; w += PW) {
      const bad = (i32[w + wm]! + 1) | i32[w + wmap]! | i32[w + wmap + 1]! | i32[w + wr]! | i32[w + wmc]! | i32[w + wmc + 1]! | (i32[w + wf]! & flagsNew) | i32[w + wch]! | i32[w + wch + 1]! | i32[w + wp]! | i32[w + wp + 1]!;
      if (bad !== 0 || (lruApart && (i32[w + wl]! & 0x7c) === sigLo && (i32[w + wl + 1]! & 0xffffff80) === sigHi)) return (w / PW) | 0;
      i32[w + wmap] = mapLo;
      i32[w + wmap + 1] = mapHi;
      i32[w + wch] = headLo;
      i32[w + wch + 1] = vmemmapHi;
    }
    return end;
  }

  /** Puts back what checkPrepTails() wrote in the tails before `end` (they held 0 there), when the block turns out bad. */
  private unprepTails(head: number, end: number): void {
    const i32 = this.i32;
    const PW = this.PW;
    const wmap = this.W_mapping;
    const wch = this.W_compound_head;
    const last = (end | 0) * PW;
    for (let w = ((head | 0) + 1) * PW; w < last; w += PW) {
      i32[w + wmap] = 0;
      i32[w + wmap + 1] = 0;
      i32[w + wch] = 0;
      i32[w + wch + 1] = 0;
    }
  }

  /** The first page in [from, end) that page_expected_state(page, check_flags) does not pass, or `end`; reads only. */
  private firstUnexpected(from: number, end: number, check_flags: number): number {
    const i32 = this.i32;
    const PW = this.PW;
    const wf = this.W_flags;
    const wm = this.W_mapcount;
    const wmap = this.W_mapping;
    const wr = this.W_refcount;
    const wmc = this.W_memcg_data;
    const wl = this.W_lru;
    const sigLo = PP_SIGNATURE_LO;
    const sigHi = PP_SIGNATURE_HI_S;
    // The word index steps in int32 (see cleanCompoundTails); a page's number is computed only to return it.
    const last = (end | 0) * PW;
    for (let w = (from | 0) * PW; w < last; w += PW) {
      const nonzero = (i32[w + wm]! + 1) | i32[w + wmap]! | i32[w + wmap + 1]! | i32[w + wr]! | i32[w + wmc]! | i32[w + wmc + 1]! | (i32[w + wf]! & check_flags);
      if (nonzero !== 0 || ((i32[w + wl]! & 0x7c) === sigLo && (i32[w + wl + 1]! & 0xffffff80) === sigHi)) return (w / PW) | 0;
    }
    return end;
  }

  __rmqueue_smallest(zone: Zone, order: number, migratetype: number): number {
    for (let current_order = order; current_order < NR_PAGE_ORDERS; ++current_order) {
      const page = this.get_page_from_free_area(zone, current_order, migratetype);
      if (page < 0) continue;
      this.page_del_and_expand(zone, page, order, current_order, migratetype);
      return page;
    }
    return -1;
  }

  __move_freepages_block(zone: Zone, start_pfn: number, old_mt: number, new_mt: number): number {
    const end = start_pfn + pageblock_nr_pages;
    let moved = 0;
    for (let pfn = start_pfn; pfn < end; ) {
      if (!this.PageBuddy(pfn)) {
        pfn++;
        continue;
      }
      const order = this.buddy_order(pfn);
      this.move_to_free_list(pfn, zone, order, old_mt, new_mt);
      pfn += 1 << order;
      moved += 1 << order;
    }
    return moved;
  }

  /** prep_move_freepages_block(): the pageblock's start, and how many of its pages are free and movable; -1 if it straddles the zone. */
  prep_move_freepages_block(zone: Zone, page: number, counts: { free: number; movable: number } | null): number {
    const start = page & ~(pageblock_nr_pages - 1);
    const end = start + pageblock_nr_pages;
    if (!zone.zone_spans_pfn(start) || !zone.zone_spans_pfn(end - 1)) return -1;
    if (counts !== null) {
      counts.free = 0;
      counts.movable = 0;
      for (let pfn = start; pfn < end; ) {
        if (this.PageBuddy(pfn)) {
          const nr = 1 << this.buddy_order(pfn);
          counts.free += nr;
          pfn += nr;
          continue;
        }
        // PageLRU() is PF_HEAD: the tails of an LRU folio count as movable too.
        if (this.testPageFlag(pfn, PAGE_LRU)) counts.movable++;
        pfn++;
      }
    }
    return start;
  }

  move_freepages_block(zone: Zone, page: number, old_mt: number, new_mt: number): number {
    const start = this.prep_move_freepages_block(zone, page, null);
    if (start < 0) return -1;
    const res = this.__move_freepages_block(zone, start, old_mt, new_mt);
    this.set_pageblock_migratetype(start, new_mt);
    return res;
  }

  boost_watermark(zone: Zone): boolean {
    const watermark_boost_factor = 15000;
    if (pageblock_nr_pages * 4 > zone.managed_pages) return false;
    let max_boost = Math.floor((zone._watermark[WMARK_HIGH]! * watermark_boost_factor) / 10000);
    if (!max_boost) return false;
    max_boost = Math.max(pageblock_nr_pages, max_boost);
    zone.watermark_boost = Math.min(zone.watermark_boost + pageblock_nr_pages, max_boost);
    return true;
  }

  should_try_claim_block(order: number, start_mt: number): boolean {
    if (order >= pageblock_order) return true;
    if (order >= pageblock_order >> 1) return true; // C integer division: 4
    if (start_mt === MIGRATE_RECLAIMABLE || start_mt === MIGRATE_UNMOVABLE) return true;
    return false;
  }

  /** find_suitable_fallback(): -2 = do not claim, -1 = nothing, else the fallback migratetype. */
  find_suitable_fallback(zone: Zone, order: number, migratetype: number, claimable: boolean): number {
    if (claimable && !this.should_try_claim_block(order, migratetype)) return -2;
    if (this.free_area_nr_free(zone, order) === 0) return -1;
    // fallbacks[] has rows for the pcp types only. A gfp mask with both mobility bits gives
    // MIGRATE_HIGHATOMIC (gfp_migratetype() VM_WARNs), for which the kernel reads past the table: no fallback here.
    const fb = fallbacks[migratetype];
    if (fb === undefined) return -1;
    for (let i = 0; i < MIGRATE_PCPTYPES - 1; i++) if (!this.free_area_empty(zone, order, fb[i]!)) return fb[i]!;
    return -1;
  }

  private readonly claimCounts = { free: 0, movable: 0 };

  try_to_claim_block(zone: Zone, page: number, current_order: number, order: number, start_type: number, block_type: number, alloc_flags: number): number {
    if (current_order >= pageblock_order) {
      this.del_page_from_free_list(page, zone, current_order, block_type);
      this.change_pageblock_range(page, current_order, start_type);
      const nr_added = this.expand(zone, page, order, current_order, start_type);
      this.account_freepages(zone, nr_added, start_type);
      return page;
    }
    if (this.boost_watermark(zone) && alloc_flags & ALLOC_KSWAPD) zone.flags |= ZONE_BOOSTED_WATERMARK;
    const c = this.claimCounts;
    const start_pfn = this.prep_move_freepages_block(zone, page, c);
    if (start_pfn < 0) return -1;
    let alike: number;
    if (start_type === MIGRATE_MOVABLE) alike = c.movable;
    else alike = block_type === MIGRATE_MOVABLE ? pageblock_nr_pages - (c.free + c.movable) : 0;
    if (c.free + alike >= 1 << (pageblock_order - 1)) {
      this.__move_freepages_block(zone, start_pfn, block_type, start_type);
      this.set_pageblock_migratetype(start_pfn, start_type);
      return this.__rmqueue_smallest(zone, order, start_type);
    }
    return -1;
  }

  __rmqueue_claim(zone: Zone, order: number, start_migratetype: number, alloc_flags: number): number {
    let min_order = order;
    if (order < pageblock_order && alloc_flags & ALLOC_NOFRAGMENT) min_order = pageblock_order;
    for (let current_order = MAX_PAGE_ORDER; current_order >= min_order; --current_order) {
      const fb = this.find_suitable_fallback(zone, current_order, start_migratetype, true);
      if (fb === -1) continue;
      if (fb === -2) break;
      let page = this.get_page_from_free_area(zone, current_order, fb);
      page = this.try_to_claim_block(zone, page, current_order, order, start_migratetype, fb, alloc_flags);
      if (page >= 0) return page;
    }
    return -1;
  }

  __rmqueue_steal(zone: Zone, order: number, start_migratetype: number): number {
    for (let current_order = order; current_order < NR_PAGE_ORDERS; current_order++) {
      const fb = this.find_suitable_fallback(zone, current_order, start_migratetype, false);
      if (fb < 0) continue;
      const page = this.get_page_from_free_area(zone, current_order, fb);
      this.page_del_and_expand(zone, page, order, current_order, fb);
      return page;
    }
    return -1;
  }

  /** The mode __rmqueue() found pages in, kept across an rmqueue_bulk() loop (enum rmqueue_mode). */
  private rmqm: RmqueueMode = RMQUEUE_NORMAL;

  __rmqueue(zone: Zone, order: number, migratetype: number, alloc_flags: number): number {
    let page: number;
    // The kernel's switch falls through from the remembered mode to the riskier ones.
    if (this.rmqm === RMQUEUE_NORMAL) {
      page = this.__rmqueue_smallest(zone, order, migratetype);
      if (page >= 0) return page;
    }
    if (this.rmqm <= RMQUEUE_CLAIM) {
      page = this.__rmqueue_claim(zone, order, migratetype, alloc_flags);
      if (page >= 0) {
        this.rmqm = RMQUEUE_NORMAL;
        return page;
      }
    }
    if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
      page = this.__rmqueue_steal(zone, order, migratetype);
      if (page >= 0) {
        this.rmqm = RMQUEUE_STEAL;
        return page;
      }
    }
    return -1;
  }

  /** rmqueue_bulk(): take `count` blocks for a pcp list, appended in physical order. */
  rmqueue_bulk(zone: Zone, order: number, count: number, list: number, migratetype: number, alloc_flags: number): number {
    this.rmqm = RMQUEUE_NORMAL;
    let i = 0;
    for (; i < count; ++i) {
      const page = this.__rmqueue(zone, order, migratetype, alloc_flags);
      if (page < 0) break;
      this.list_add_tail(page * this.PW + this.W_lru, list);
    }
    return i;
  }

  // ---- allocation: per-CPU lists ----------------------------------------

  nr_pcp_alloc(pcp: PerCpuPages, zone: Zone, order: number): number {
    const base_batch = pcp.batch;
    const high_min = pcp.high_min;
    const high_max = pcp.high_max;
    let high = (pcp.high = Math.min(Math.max(pcp.high, high_min), high_max));
    if (high < base_batch) return 1;
    let batch = order ? base_batch : base_batch << pcp.alloc_factor;
    if (high_min !== high_max && !(zone.flags & ZONE_BELOW_HIGH)) high = pcp.high = Math.min(high + batch, high_max);
    if (!order) {
      const max_nr_alloc = Math.max(high - pcp.count - base_batch, base_batch);
      if (batch <= max_nr_alloc && pcp.alloc_factor < CONFIG_PCP_BATCH_SCALE_MAX) pcp.alloc_factor++;
      batch = Math.min(batch, max_nr_alloc);
    }
    if (batch > 1) batch = Math.max(batch >> order, 2);
    return batch;
  }

  __rmqueue_pcplist(zone: Zone, order: number, migratetype: number, alloc_flags: number, pcp: PerCpuPages, list: number): number {
    let page: number;
    do {
      if (this.list_empty(list) && !this.pcpRefill(zone, order, migratetype, alloc_flags, pcp, list)) return -1;
      const node = this.list_first(list);
      page = this.pfnOfWord(node - this.W_lru);
      this.list_del(node);
      pcp.count -= 1 << order;
      // check_new_pages(): for one page with the helpers read inline, the call only when it fails.
    } while (order === 0 && this.inlinePageHelpers ? !this.pageExpectedInline(page, CHECK_AT_NEW) && this.check_new_pages(page, order) : this.check_new_pages(page, order));
    return page;
  }

  /** __rmqueue_pcplist() on an empty list: refill it with a batch from the buddy lists; false if it stays empty. */
  private pcpRefill(zone: Zone, order: number, migratetype: number, alloc_flags: number, pcp: PerCpuPages, list: number): boolean {
    const batch = this.nr_pcp_alloc(pcp, zone, order);
    if (alloc_flags & ALLOC_HIGHATOMIC) return false;
    const alloced = this.rmqueue_bulk(zone, order, batch, list, migratetype, alloc_flags);
    pcp.count += alloced << order;
    return !this.list_empty(list);
  }

  rmqueue_pcplist(preferred_zone: Zone, zone: Zone, order: number, migratetype: number, alloc_flags: number): number {
    const pcp = zone.pcp[this.current.cpu]!;
    pcp.free_count >>= 1;
    const list = pcp.listsWord + order_to_pindex(migratetype, order) * 4;
    const page = this.__rmqueue_pcplist(zone, order, migratetype, alloc_flags, pcp, list);
    if (page >= 0) this.count_vm_events(PGALLOC_BASE + zone.idx, 1 << order);
    void preferred_zone;
    return page;
  }

  rmqueue_buddy(preferred_zone: Zone, zone: Zone, order: number, alloc_flags: number, migratetype: number): number {
    let page: number;
    do {
      page = -1;
      if (alloc_flags & ALLOC_HIGHATOMIC) page = this.__rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
      if (page < 0) {
        this.rmqm = RMQUEUE_NORMAL;
        page = this.__rmqueue(zone, order, migratetype, alloc_flags);
        if (page < 0 && alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)) page = this.__rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
        if (page < 0) return -1;
      }
    } while (this.check_new_pages(page, order));
    if (alloc_flags & ALLOC_HIGHATOMIC && (alloc_flags & ALLOC_WMARK_MASK) === ALLOC_WMARK_MIN) this.reserve_highatomic_pageblock(page, order, zone);
    this.count_vm_events(PGALLOC_BASE + zone.idx, 1 << order);
    void preferred_zone;
    return page;
  }

  rmqueue(preferred_zone: Zone, zone: Zone, order: number, gfp_flags: number, alloc_flags: number, migratetype: number): number {
    let page = -1;
    // A compound page (prep_new_page() will prep_compound_page() it): check_new_pages() may write its tails.
    tailsAtCheck.owner = null;
    tailsAtCheck.page = -1;
    tailsAtCheck.k = order !== 0 && gfp_flags & __GFP_COMP && this.tailsAtCheckAllowed && this.post_alloc_hook === BASE_POST_ALLOC_HOOK ? this : null;
    if (pcp_allowed_order(order)) page = this.rmqueue_pcplist(preferred_zone, zone, order, migratetype, alloc_flags);
    if (page < 0) page = this.rmqueue_buddy(preferred_zone, zone, order, alloc_flags, migratetype);
    tailsAtCheck.k = null;
    if (alloc_flags & ALLOC_KSWAPD && zone.flags & ZONE_BOOSTED_WATERMARK) zone.flags &= ~ZONE_BOOSTED_WATERMARK;
    return page;
  }

  reserve_highatomic_pageblock(page: number, order: number, zone: Zone): void {
    if (Math.floor(zone.managed_pages / 100) < pageblock_nr_pages) return;
    const max_managed = Math.ceil(Math.floor(zone.managed_pages / 100) / pageblock_nr_pages) * pageblock_nr_pages;
    if (zone.nr_reserved_highatomic >= max_managed) return;
    const mt = this.get_pageblock_migratetype(page);
    if (mt >= MIGRATE_PCPTYPES) return;
    if (order < pageblock_order) {
      if (this.move_freepages_block(zone, page, mt, MIGRATE_HIGHATOMIC) === -1) return;
      zone.nr_reserved_highatomic += pageblock_nr_pages;
    } else {
      this.change_pageblock_range(page, order, MIGRATE_HIGHATOMIC);
      zone.nr_reserved_highatomic += 1 << order;
    }
  }

  // ---- watermarks ----------------------------------------------------

  __zone_watermark_unusable_free(z: Zone, order: number, alloc_flags: number): number {
    let unusable = (1 << order) - 1;
    if (!(alloc_flags & ALLOC_RESERVES)) unusable += z.nr_free_highatomic;
    return unusable;
  }

  __zone_watermark_ok(z: Zone, order: number, mark: number, highest_zoneidx: number, alloc_flags: number, free_pages: number): boolean {
    let min = mark;
    free_pages -= this.__zone_watermark_unusable_free(z, order, alloc_flags);
    if (alloc_flags & ALLOC_RESERVES) {
      if (alloc_flags & ALLOC_MIN_RESERVE) {
        min -= Math.floor(min / 2);
        if (alloc_flags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
      }
      if (alloc_flags & ALLOC_OOM) min -= Math.floor(min / 2);
    }
    if (free_pages <= min + z.lowmem_reserve[highest_zoneidx]!) return false;
    if (!order) return true;
    for (let o = order; o < NR_PAGE_ORDERS; o++) {
      if (!this.free_area_nr_free(z, o)) continue;
      for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) if (!this.free_area_empty(z, o, mt)) return true;
      if (alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM) && !this.free_area_empty(z, o, MIGRATE_HIGHATOMIC)) return true;
    }
    return false;
  }

  zone_watermark_ok(z: Zone, order: number, mark: number, highest_zoneidx: number, alloc_flags: number): boolean {
    return this.__zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, this.zone_page_state(z, NR_FREE_PAGES));
  }

  zone_watermark_fast(z: Zone, order: number, mark: number, highest_zoneidx: number, alloc_flags: number): boolean {
    const free_pages = this.zone_page_state(z, NR_FREE_PAGES);
    if (!order) {
      let usable = free_pages;
      const reserved = this.__zone_watermark_unusable_free(z, 0, alloc_flags);
      usable -= Math.min(usable, reserved);
      if (usable > mark + z.lowmem_reserve[highest_zoneidx]!) return true;
    }
    return this.watermarkFastRest(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
  }

  /** zone_watermark_fast() past its order-0 shortcut: the full check, and the min watermark without the boost. */
  private watermarkFastRest(z: Zone, order: number, mark: number, highest_zoneidx: number, alloc_flags: number, free_pages: number): boolean {
    if (this.__zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages)) return true;
    if (!order && alloc_flags & ALLOC_MIN_RESERVE && z.watermark_boost && (alloc_flags & ALLOC_WMARK_MASK) === WMARK_MIN) {
      return this.__zone_watermark_ok(z, order, z._watermark[WMARK_MIN]!, highest_zoneidx, alloc_flags, free_pages);
    }
    return false;
  }

  // ---- the allocator entry points ----------------------------------------

  /** alloc_flags_nofragment(): avoid fragmenting fallbacks while DMA32 could still serve a Normal request. */
  alloc_flags_nofragment(zone: Zone | undefined, gfp_mask: number): number {
    let alloc_flags = 0;
    if (gfp_mask & __GFP_KSWAPD_RECLAIM) alloc_flags |= ALLOC_KSWAPD;
    if (zone === undefined || zone.idx !== ZONE_NORMAL) return alloc_flags;
    if (this.nodeCount > 1 && !this.nodes[zone.nid]!.node_zones[ZONE_DMA32]!.populated()) return alloc_flags;
    return alloc_flags | ALLOC_NOFRAGMENT;
  }

  alloc_flags_nonblocking(gfp_mask: number, order: number): number {
    if (gfp_mask & __GFP_DIRECT_RECLAIM) return 0;
    if (gfp_mask & __GFP_NOMEMALLOC) return 0;
    let alloc_flags = ALLOC_NON_BLOCK;
    if (order > 0 && gfp_mask & __GFP_HIGH) alloc_flags |= ALLOC_HIGHATOMIC;
    return alloc_flags;
  }

  alloc_flags_slowpath(gfp_mask: number, order: number): number {
    let alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
    if (gfp_mask & __GFP_HIGH) alloc_flags |= ALLOC_MIN_RESERVE;
    if (gfp_mask & __GFP_KSWAPD_RECLAIM) alloc_flags |= ALLOC_KSWAPD;
    alloc_flags |= this.alloc_flags_nonblocking(gfp_mask, order);
    if (!(gfp_mask & __GFP_DIRECT_RECLAIM) && alloc_flags & ALLOC_MIN_RESERVE) alloc_flags &= ~ALLOC_CPUSET;
    return alloc_flags;
  }

  /** Index of the first zone in the zonelist at or below highest_zoneidx (first_zones_zonelist), or -1. */
  private firstZone(zonelist: readonly Zone[], highest: number): number {
    for (let i = 0; i < zonelist.length; i++) if (zonelist[i]!.idx <= highest) return i;
    return -1;
  }

  prepare_alloc_pages(gfp_mask: number, preferred_nid: number, ac: AllocContext): boolean {
    // gfp_zone() and gfp_migratetype() are pure functions of the mask: the last mask's results are kept.
    if (gfp_mask !== this.lastGfp) {
      this.lastGfpZone = gfp_zone(gfp_mask);
      this.lastGfpMigratetype = gfp_migratetype(gfp_mask);
      this.lastGfp = gfp_mask;
    }
    ac.highest_zoneidx = this.lastGfpZone;
    const node = this.nodes[preferred_nid];
    // NODE_DATA(nid)->node_zonelists of a node that does not exist: node_data[nid] is NULL.
    if (node === undefined) this.oopsBadPointer(0, PGDAT_NODE_ZONELISTS);
    const zonelist = gfp_mask & __GFP_THISNODE ? node.zonelist_nofallback : node.zonelist;
    // Stored only when it changes: storing an object reference costs a write barrier.
    if (ac.zonelist !== zonelist) ac.zonelist = zonelist;
    ac.migratetype = this.lastGfpMigratetype;
    ac.preferred = this.firstZone(zonelist, ac.highest_zoneidx);
    return true;
  }

  /** The mask prepare_alloc_pages() last saw (-1: none), with its gfp_zone() and gfp_migratetype(). */
  private lastGfp = -1;
  private lastGfpZone = 0;
  private lastGfpMigratetype = 0;

  get_page_from_freelist(gfp_mask: number, order: number, alloc_flags: number, ac: AllocContext): number {
    for (;;) {
      const no_fallback = (alloc_flags & ALLOC_NOFRAGMENT) !== 0;
      if (ac.preferred < 0) return -1;
      const preferred_zone = ac.zonelist[ac.preferred]!;
      let retry = false;
      for (let i = ac.preferred; i < ac.zonelist.length; i++) {
        const zone = ac.zonelist[i]!;
        if (zone.idx > ac.highest_zoneidx || !zone.populated()) continue;
        if (no_fallback && this.nodeCount > 1 && zone !== preferred_zone && zone.nid !== preferred_zone.nid) {
          alloc_flags &= ~ALLOC_NOFRAGMENT;
          retry = true;
          break;
        }
        if (!this.zoneWatermarksAllow(zone, order, alloc_flags, ac.highest_zoneidx)) continue;
        const page = this.rmqueue(preferred_zone, zone, order, gfp_mask, alloc_flags, ac.migratetype);
        if (page >= 0) {
          this.prep_new_page(page, order, gfp_mask, alloc_flags);
          return page;
        }
      }
      if (retry) continue;
      if (no_fallback) {
        alloc_flags &= ~ALLOC_NOFRAGMENT;
        continue;
      }
      return -1;
    }
  }

  /**
   * get_page_from_freelist()'s watermark test of one zone: the high watermark
   * first while the zone is not known to be below it, then the one alloc_flags
   * ask for (unless ALLOC_NO_WATERMARKS). One place, so zone_watermark_fast()
   * is inlined once.
   */
  private zoneWatermarksAllow(zone: Zone, order: number, alloc_flags: number, highest_zoneidx: number): boolean {
    if (!(zone.flags & ZONE_BELOW_HIGH)) {
      if (this.zone_watermark_fast(zone, order, zone.wmark_pages(WMARK_HIGH), highest_zoneidx, alloc_flags)) return true;
      zone.flags |= ZONE_BELOW_HIGH;
    }
    const mark = zone.wmark_pages(alloc_flags & ALLOC_WMARK_MASK);
    return this.zone_watermark_fast(zone, order, mark, highest_zoneidx, alloc_flags) || (alloc_flags & ALLOC_NO_WATERMARKS) !== 0;
  }

  post_alloc_hook(page: number, order: number, gfp_flags: number, alloc_flags: number): void {
    this.set_page_private(page, 0);
    if (gfp_flags & __GFP_ZERO) this.clear_page_contents(page, order);
    void alloc_flags;
  }

  /** Zeroes the simulated contents of the pages, where pagesim keeps contents (a later layer). */
  clear_page_contents(page: number, order: number): void {
    void page;
    void order;
  }

  prep_compound_page(page: number, order: number): void {
    // A huge order runs the tail loop past the memmap, where it faults (after the tails before).
    const want = 1 << order;
    const nr = Math.min(want, this.nr_pages - page);
    this.__SetPageHead(page);
    // The tails check_new_pages() prepared for this allocation (checkPrepTails()), if any: from there on.
    let from = page + 1;
    if (tailsAtCheck.page === page && tailsAtCheck.owner === this) {
      from = Math.max(from, tailsAtCheck.end);
      tailsAtCheck.owner = null;
      tailsAtCheck.page = -1;
    }
    if (this.blockLoops) {
      // prep_compound_tail() for every tail, its three stores in its order.
      const i32 = this.i32;
      const PW = this.PW;
      const wmap = this.W_mapping;
      const wch = this.W_compound_head;
      const wp = this.W_private;
      // The word indexes and the head pointer as int32 whatever the pfn's representation (see cleanCompoundTails).
      const p = page | 0;
      const headLo = (p * this.structPageSize + 1) | 0;
      for (let w = (from | 0) * PW, last = (p + nr) * PW; w < last; w += PW) {
        i32[w + wmap] = TAIL_MAPPING_LO_S;
        i32[w + wmap + 1] = TAIL_MAPPING_HI_S;
        i32[w + wch] = headLo;
        i32[w + wch + 1] = VMEMMAP_HI_S;
        i32[w + wp] = 0;
        i32[w + wp + 1] = 0;
      }
    } else {
      for (let i = from - page; i < nr; i++) this.prep_compound_tail(page + i, page);
    }
    if (want > nr) this.oopsStructPage(page + nr, this.W_mapping * 4);
    this.prep_compound_head(page, order);
  }

  prep_new_page(page: number, order: number, gfp_flags: number, alloc_flags: number): void {
    this.post_alloc_hook(page, order, gfp_flags, alloc_flags);
    if (order && gfp_flags & __GFP_COMP) this.prep_compound_page(page, order);
    // set_page_pfmemalloc / clear_page_pfmemalloc: lru.next = 2 or 0.
    this.setWord64(page, this.W_lru, alloc_flags & ALLOC_NO_WATERMARKS ? 2 : 0, 0);
  }

  /**
   * warn_alloc() (mm/page_alloc.c, linux-mm 7.3-rc5): "page allocation
   * failure" with a stack dump, for an allocation without __GFP_NOWARN, one
   * every 10 s (nopage_rs: a burst of 1; the first after a quiet interval
   * that dropped some is preceded by "warn_alloc: N callbacks suppressed"),
   * and none for a __GFP_DMA request when no node has a managed DMA zone.
   * The line ends with cpuset_print_current_mems_allowed()'s part
   * (CONFIG_CPUSETS=y, as distribution kernels have it): the task's cpuset,
   * the root one, "/", and its mems_allowed, the nodes with memory.
   * After the stack, warn_alloc_show_mem()'s Mem-Info block (show_mem.ts),
   * in the same report.
   */
  warn_alloc(gfp_mask: number, order: number): void {
    if (gfp_mask & __GFP_NOWARN) return;
    const limit = ___ratelimit(this.nopage_rs, this.jiffies, 'warn_alloc');
    if (!limit.ok) return;
    if (gfp_mask & __GFP_DMA && !this.zones.some((z) => z.idx === ZONE_DMA && z.managed_pages > 0)) return;
    const head = `${this.current.comm}: page allocation failure: order:${order}, mode:${formatGfpMask(gfp_mask)}, nodemask=(null),cpuset=/,mems_allowed=${this.memoryNodeList()}`;
    const frames = this.dumpStackFrames();
    const lines = [head, ...formatDumpStack(this.current, this.taints, frames, this.kernelBuild()), ...this.warn_alloc_show_mem(gfp_mask, !inInterrupt(frames))];
    if (limit.line !== null) lines.unshift(limit.line);
    this.printk(lines);
    this.report('printk', 'warn_alloc', 'page allocation failure', head, null, lines);
  }

  /**
   * warn_alloc_show_mem() (mm/page_alloc.c, linux-mm 7.3-rc5): __show_mem()
   * limited to the zones the mask may use, filtered to current's nodes
   * unless the allocation may not sleep or runs in interrupt context
   * (pagesim's tasks are never OOM victims, PF_MEMALLOC or exiting), then
   * the memcg protection line.
   */
  private warn_alloc_show_mem(gfp_mask: number, in_task: boolean): string[] {
    let filter = SHOW_MEM_FILTER_NODES;
    if (!in_task || !(gfp_mask & gfpBits.__GFP_DIRECT_RECLAIM)) filter &= ~SHOW_MEM_FILTER_NODES;
    return [...__show_mem(this, filter, null, gfp_zone(gfp_mask)), mem_cgroup_show_protected_memory()];
  }

  /** node_states[N_MEMORY] as %*pbl prints a nodemask: ranges of nodes with present memory, "0-1,3". */
  private memoryNodeList(): string {
    const nodes = [...memoryNodes(this)].sort((a, b) => a - b);
    const parts: string[] = [];
    for (let i = 0; i < nodes.length; ) {
      let j = i;
      while (j + 1 < nodes.length && nodes[j + 1] === nodes[j]! + 1) j++;
      parts.push(j === i ? `${nodes[i]}` : `${nodes[i]}-${nodes[j]}`);
      i = j + 1;
    }
    return parts.join(',');
  }

  /**
   * __alloc_pages_slowpath(), without reclaim, compaction or OOM killing
   * (pagesim has nothing to reclaim): retry with the min watermark and the
   * reserves the gfp mask allows, then fail with warn_alloc().
   */
  __alloc_pages_slowpath(gfp_mask: number, order: number, ac: AllocContext): number {
    const alloc_flags = ac.alloc_flags | this.alloc_flags_slowpath(gfp_mask, order);
    ac.preferred = this.firstZone(ac.zonelist, ac.highest_zoneidx);
    let page = this.get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
    if (page >= 0) return page;
    if (gfp_mask & __GFP_DIRECT_RECLAIM && !(gfp_mask & __GFP_NORETRY)) {
      // Reclaim made no progress; before giving up the kernel drains the pcp lists and unreserves highatomic blocks.
      this.drain_all_pages(null);
      page = this.get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
      if (page >= 0) return page;
    }
    if (gfp_mask & __GFP_NOFAIL && gfp_mask & __GFP_DIRECT_RECLAIM) {
      page = this.get_page_from_freelist(gfp_mask, order, ac.alloc_flags | ALLOC_MIN_RESERVE, ac);
      if (page >= 0) return page;
    }
    this.warn_alloc(gfp_mask, order);
    return -1;
  }

  /**
   * alloc_order_allowed(): WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp):
   * warns once (unless __GFP_NOWARN, which does not use up the once) and refuses.
   */
  alloc_order_allowed(gfp: number, order: number): boolean {
    if (order <= MAX_PAGE_ORDER) return true;
    if (!(gfp & __GFP_NOWARN)) this.WARN_ON_ONCE(true, SITES.alloc_order_too_big);
    return false;
  }

  /** __alloc_frozen_pages_noprof(): the heart of the allocator; the page comes back with refcount 0. */
  __alloc_frozen_pages_noprof(gfp: number, order: number, preferred_nid: number, alloc_flags: number): number {
    if (!this.alloc_order_allowed(gfp, order)) return -1;
    const ac = this.ac;
    ac.alloc_flags = alloc_flags;
    let fast = alloc_flags | ALLOC_WMARK_LOW;
    this.prepare_alloc_pages(gfp, preferred_nid, ac);
    fast |= this.alloc_flags_nofragment(ac.preferred >= 0 ? ac.zonelist[ac.preferred] : undefined, gfp);
    fast |= this.alloc_flags_nonblocking(gfp, order) & ALLOC_HIGHATOMIC;
    let page = this.get_page_from_freelist(gfp, order, fast, ac);
    if (page < 0) page = this.__alloc_pages_slowpath(gfp, order, ac);
    return page;
  }

  __alloc_pages_noprof(gfp: number, order: number, preferred_nid: number, alloc_flags: number): number {
    if (order === 0 && alloc_flags === ALLOC_DEFAULT && this.fusedPcp()) {
      const fused = this.allocPcp0(gfp, preferred_nid);
      if (fused >= 0) return fused;
    }
    const page = this.__alloc_frozen_pages_noprof(gfp, order, preferred_nid, alloc_flags);
    if (page >= 0) this.set_page_refcounted(page);
    return page;
  }

  alloc_pages(gfp: number, order: number): number {
    // The order-0 pair's common case first (PcpHot.alloc0(); not while a zone's list is disabled), past
    // numa_node_id() (0: a machine taking the fused paths has one node) and __alloc_pages_noprof(),
    // where the rest of the fused path and the calls are.
    // Whether to try it is read from PcpHot before anything through `this` (PcpHot.route()).
    const h = this.pcpHot;
    if (order === 0 && h.route()) {
      const page = h.alloc0(gfp, h.k.current.cpu);
      if (page >= 0) return page;
    }
    return this.__alloc_pages_noprof(gfp, order, this.numa_node_id(), ALLOC_DEFAULT);
  }

  /**
   * alloc_pages_node_noprof() (out of line in the linux-mm 7.3.0-rc5 tree): NUMA_NO_NODE
   * means the local node; any other node id must be below MAX_NUMNODES
   * (VM_BUG_ON), and an offline one is allocated from anyway: its NODE_DATA()
   * is NULL, so prepare_alloc_pages() faults on it.
   */
  alloc_pages_node(nid: number, gfp: number, order: number): number {
    if (nid === NUMA_NO_NODE) nid = this.numa_node_id();
    this.VM_BUG_ON(nid < 0 || nid >= MAX_NUMNODES, SITES.alloc_pages_node_nid);
    this.warn_if_node_offline(nid, gfp);
    return this.__alloc_pages_noprof(gfp, order, nid, ALLOC_DEFAULT);
  }

  /** warn_if_node_offline() (include/linux/gfp.h): only for __GFP_THISNODE | __GFP_NOWARN. */
  warn_if_node_offline(nid: number, gfp: number): void {
    if ((gfp & (__GFP_THISNODE | __GFP_NOWARN)) !== (__GFP_THISNODE | __GFP_NOWARN)) return;
    if (nid < this.nodeCount) return;
    this.printk([`${formatGfp(gfp)} allocation from offline node ${nid}`, ...formatDumpStack(this.current, this.taints, this.dumpStackFrames(), this.kernelBuild())]);
  }

  alloc_frozen_pages(gfp: number, order: number): number {
    return this.__alloc_frozen_pages_noprof(gfp, order, this.numa_node_id(), ALLOC_DEFAULT);
  }

  __folio_alloc(gfp: number, order: number, preferred_nid: number): number {
    const page = this.__alloc_pages_noprof(gfp | __GFP_COMP, order, preferred_nid, ALLOC_DEFAULT);
    return page < 0 ? -1 : this.page_rmappable_folio(page);
  }

  folio_alloc(gfp: number, order: number): number {
    return this.__folio_alloc(gfp, order, this.numa_node_id());
  }

  // ---- draining ------------------------------------------------------

  drain_pages_zone(cpu: number, zone: Zone): void {
    const pcp = zone.pcp[cpu]!;
    let count = pcp.count;
    while (count) {
      const to_drain = Math.min(count, pcp.batch << CONFIG_PCP_BATCH_SCALE_MAX);
      this.free_pcppages_bulk(zone, to_drain, pcp, 0);
      count -= to_drain;
    }
  }

  drain_pages(cpu: number): void {
    for (const zone of this.zones) if (zone.populated()) this.drain_pages_zone(cpu, zone);
  }

  /** drain_all_pages(zone): every CPU's pcp pages (of one zone, or all) back to the buddy lists. */
  drain_all_pages(zone: Zone | null): void {
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      if (zone !== null) this.drain_pages_zone(cpu, zone);
      else this.drain_pages(cpu);
    }
  }

  /**
   * zone_pcp_disable(): every CPU's pcp for the zone gets high 0 and batch 1
   * (as memory offlining does), so frees and allocations go straight to the
   * buddy lists; zone_pcp_enable() restores the computed sizes.
   */
  zone_pcp_disable(zone: Zone): void {
    this.pcpHot.pcpOff.add(zone);
    this.pcpHot.listsOff = this.pcpHot.pcpOff.size;
    this.pcpHot.on = 0;
    for (const pcp of zone.pcp) {
      pcp.high_min = 0;
      pcp.high_max = 0;
      pcp.high = 0;
      pcp.batch = 1;
    }
    this.drain_all_pages(zone);
  }

  zone_pcp_enable(zone: Zone): void {
    this.pcpHot.pcpOff.delete(zone);
    this.pcpHot.listsOff = this.pcpHot.pcpOff.size;
    this.pcpHot.on = this.pcpHot.fused && this.pcpHot.listsOff === 0 ? 1 : 0;
    for (const pcp of zone.pcp) {
      pcp.high_min = zone.pageset_high_min;
      pcp.high_max = zone.pageset_high_max;
      pcp.batch = zone.pageset_batch;
    }
  }

  /** Pages of a zone on pcp lists, across CPUs. */
  zonePcpCount(zone: Zone): number {
    let n = 0;
    for (const p of zone.pcp) n += p.count;
    return n;
  }
}

export { PageFlags, PG_head, NR_FREE_CMA_PAGES, __GFP_COMP, ALLOC_CMA, ALLOC_OOM };

/** The functions fusedPcp() compares: wrapped, the machine takes the calls. */
const BASE_FREE_PAGES_PREPARE = PageAlloc.prototype.__free_pages_prepare;
const BASE_POST_ALLOC_HOOK = PageAlloc.prototype.post_alloc_hook;

// F's numbers are the constants they stand for (a change to one of those must change F too).
for (const [name, f, c] of [
  ['VMEMMAP_HI_S', F.VMEMMAP_HI_S, VMEMMAP_HI_S],
  ['POISON_HI_S', F.POISON_HI_S, POISON_HI_S],
  ['PAGE_TYPE_RESET', F.PAGE_TYPE_RESET, PAGE_TYPE_RESET],
  ['MAX_PAGE_ORDER', F.MAX_PAGE_ORDER, MAX_PAGE_ORDER],
  ['NR_PAGE_ORDERS', F.NR_PAGE_ORDERS, NR_PAGE_ORDERS],
  ['pageblock_order', F.pageblock_order, pageblock_order],
  ['MIGRATE_PCPTYPES', F.MIGRATE_PCPTYPES, MIGRATE_PCPTYPES],
  ['MIGRATE_ISOLATE', F.MIGRATE_ISOLATE, MIGRATE_ISOLATE],
  ['PB_MIGRATE_ISOLATE', F.PB_MIGRATE_ISOLATE, PB_MIGRATE_ISOLATE],
  ['PB_MIGRATETYPE_MASK', F.PB_MIGRATETYPE_MASK, PB_MIGRATETYPE_MASK],
  ['MAX_NR_ZONES', F.MAX_NR_ZONES, MAX_NR_ZONES],
  ['ZONE_NORMAL', F.ZONE_NORMAL, ZONE_NORMAL],
  ['NODES_PGOFF', F.NODES_PGOFF, NODES_PGOFF],
  ['NODES_WIDTH', F.NODES_WIDTH, NODES_WIDTH],
  ['ZONES_PGOFF', F.ZONES_PGOFF, ZONES_PGOFF],
  ['ZONES_WIDTH', F.ZONES_WIDTH, ZONES_WIDTH],
  ['LAST_CPUPID_MASK', F.LAST_CPUPID_MASK, LAST_CPUPID_MASK],
  ['NR_FREE_PAGES', F.NR_FREE_PAGES, NR_FREE_PAGES],
  ['NR_FREE_PAGES_BLOCKS', F.NR_FREE_PAGES_BLOCKS, NR_FREE_PAGES_BLOCKS],
  ['PGALLOC_BASE', F.PGALLOC_BASE, PGALLOC_BASE],
  ['PGFREE', F.PGFREE, PGFREE],
  ['ZONE_BOOSTED_WATERMARK', F.ZONE_BOOSTED_WATERMARK, ZONE_BOOSTED_WATERMARK],
  ['ZONE_RECLAIM_ACTIVE', F.ZONE_RECLAIM_ACTIVE, ZONE_RECLAIM_ACTIVE],
  ['ZONE_BELOW_HIGH', F.ZONE_BELOW_HIGH, ZONE_BELOW_HIGH],
  ['WMARK_HIGH', F.WMARK_HIGH, WMARK_HIGH],
  ['PCPF_PREV_FREE_HIGH_ORDER', F.PCPF_PREV_FREE_HIGH_ORDER, PCPF_PREV_FREE_HIGH_ORDER],
  ['ALLOC_DEFAULT', F.ALLOC_DEFAULT, ALLOC_DEFAULT],
  ['ALLOC_WMARK_LOW', F.ALLOC_WMARK_LOW, ALLOC_WMARK_LOW],
  ['ALLOC_WMARK_MASK', F.ALLOC_WMARK_MASK, ALLOC_WMARK_MASK],
  ['ALLOC_NOFRAGMENT', F.ALLOC_NOFRAGMENT, ALLOC_NOFRAGMENT],
  ['ALLOC_RESERVES', F.ALLOC_RESERVES, ALLOC_RESERVES],
  ['ALLOC_KSWAPD', F.ALLOC_KSWAPD, ALLOC_KSWAPD],
  ['__GFP_ZERO', F.GFP_ZERO, __GFP_ZERO],
  ['__GFP_KSWAPD_RECLAIM', F.GFP_KSWAPD_RECLAIM, __GFP_KSWAPD_RECLAIM],
  ['__GFP_THISNODE', F.GFP_THISNODE, __GFP_THISNODE],
  ['PAGE_FLAGS_CHECK_AT_PREP', F.PAGE_FLAGS_CHECK_AT_PREP, PAGE_FLAGS_CHECK_AT_PREP],
  ['PAGE_FLAGS_CHECK_AT_FREE', F.PAGE_FLAGS_CHECK_AT_FREE, PAGE_FLAGS_CHECK_AT_FREE],
  ['CHECK_AT_NEW', F.CHECK_AT_NEW, CHECK_AT_NEW],
  ['FREE0_OFF_INLINE', F.FREE0_OFF_INLINE, FREE0_OFF_INLINE],
  ['PP_SIGNATURE_LO', F.PP_SIGNATURE_LO, PP_SIGNATURE_LO],
  ['PP_SIGNATURE_HI_S', F.PP_SIGNATURE_HI_S, PP_SIGNATURE_HI_S],
  ['PGTY_buddy', F.PGTY_buddy, PGTY_buddy],
  ['PGTY_guard', F.PGTY_guard, PGTY_guard],
  ['CONFIG_PCP_BATCH_SCALE_MAX', F.CONFIG_PCP_BATCH_SCALE_MAX, CONFIG_PCP_BATCH_SCALE_MAX],
  ['0xff000000 | 0', F.PGTY_BASE_S, 0xff000000 | 0],
] as const) {
  if (f !== c) throw new Error(`page_alloc.ts: F.${name} is ${f}, not ${c}`);
}
