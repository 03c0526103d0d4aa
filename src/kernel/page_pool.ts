/**
 * The page_pool allocator and network memory (net/core/page_pool.c,
 * include/net/page_pool/{types,helpers}.h, include/net/netmem.h,
 * net/core/netmem_priv.h, net/core/page_pool_priv.h,
 * include/linux/ptr_ring.h), the dma-buf memory provider of
 * net/core/devmem.c, and the bulk page allocator it uses
 * (alloc_pages_bulk_noprof, mm/page_alloc.c). Follows v7.3 (Debian
 * 7.3.4): page_pool pages are known by PP_SIGNATURE in page->pp_magic (the
 * PGTY_netpp page type of seed 000 was merged and reverted before 7.3; the
 * netpp variants put it back).
 *
 * What lives in bytes: a pool page's netmem_desc view of struct page
 * (pp_magic with the DMA index in bits 7..38, pp, dma_addr, pp_ref_count),
 * and the same words of a net_iov, which lives in kernel data. page->pp
 * holds the address of a kernel-data block that stands for the
 * kzalloc()ed struct page_pool; the pool's fields (alloc cache, ptr_ring,
 * counters, the xarray of DMA-mapped pages) are kept in TypeScript, as
 * mm_struct's are, because nothing in struct page overlays them.
 *
 * Decisions (docs/ARCHITECTURE.md, "Network pages"):
 * - PP_FLAG_DMA_MAP is modelled: dma-direct without an IOMMU, so dma_addr
 *   is the page's physical address, and each mapped page gets the lowest
 *   free id >= 1 of the pool's dma_mapped xarray (XA_FLAGS_ALLOC1), stored
 *   in pp_magic << PP_DMA_INDEX_SHIFT before PP_SIGNATURE is ORed in, as
 *   page_pool_dma_map() runs before page_pool_set_pp_info(). DMA syncs do
 *   nothing (no device).
 * - A netmem_ref is a number: the descriptor's word index in the memory
 *   buffer shifted left by one, with NET_IOV in bit 0, as the kernel keeps
 *   the bit in a pointer's low bit. 0 is NULL (pfn 0 is never RAM the
 *   allocator hands out).
 * - Pools are created without a netdev (page_pool_params.netdev NULL), so
 *   the periodic "stalled pool shutdown" warning prints, as it does for
 *   pools user space cannot see through netlink; pool->cpuid is -1 and no
 *   NAPI instance is attached, so only an explicit allow_direct (a driver's
 *   page_pool_recycle_direct() from its NAPI poll) recycles into the alloc
 *   cache; every other release goes to the ptr_ring.
 * - Time: jiffies (HZ=250, a Debian config) advance only at an msleep step;
 *   the delayed work page_pool_destroy() schedules (page_pool_release_retry
 *   every DEFER_TIME = 1 s) runs when its time comes during one.
 * - Not modelled: page fragments (page_pool_alloc_frag, BIAS_MAX), the
 *   bulk release API, page_pool_update_nid, io_uring zcrx areas (devmem is
 *   the memory provider modelled), netlink.
 */

import { PAGE_SHIFT, PAGE_SIZE, MAX_PAGE_ORDER } from './config.js';
import { Gup } from './gup.js';
import { EINVAL, ENOMEM, ERRNO } from './errno.js';
import { GFP_ATOMIC, __GFP_COMP, __GFP_NOWARN } from './gfp.js';
import { ALLOC_DEFAULT, ALLOC_WMARK_LOW, ALLOC_WMARK_MASK } from './internal.js';
import { order_to_pindex } from './page_alloc.js';
import { PGALLOC_BASE } from './vmstat.js';
import { wordMap, word, type WordMap } from '../layout/accessors.js';
import { NET_IOV_DMABUF } from '../structs/netmem.js';
import { declareSymbols } from './symbols.js';
import type { Site } from '../report/report.js';

declareSymbols('net/core/page_pool.c', [
  'page_pool_create',
  'page_pool_create_percpu',
  'page_pool_init',
  'page_pool_uninit',
  'page_pool_refill_alloc_cache',
  'page_pool_dma_map',
  'page_pool_register_dma_index',
  '__page_pool_alloc_page_order',
  '__page_pool_alloc_netmems_slow',
  'page_pool_alloc_netmems',
  'page_pool_alloc_pages',
  'page_pool_inflight',
  'page_pool_set_pp_info',
  'page_pool_clear_pp_info',
  'page_pool_return_netmem',
  'page_pool_put_unrefed_netmem',
  'page_pool_put_unrefed_page',
  'page_pool_empty_ring',
  '__page_pool_destroy',
  'page_pool_scrub',
  'page_pool_release',
  'page_pool_release_retry',
  'page_pool_disable_direct_recycling',
  'page_pool_destroy',
  'page_pool_get_stats',
]);
declareSymbols('net/core/page_pool.c', ['__page_pool_get_cached', '__page_pool_unmap_netmem_dma', '__page_pool_release_netmem_dma', 'page_pool_recycle_in_ring', 'page_pool_recycle_in_cache', '__page_pool_page_can_be_recycled', '__page_pool_put_page', 'page_pool_napi_local', 'page_pool_empty_alloc_cache_once'], true);
declareSymbols('include/net/page_pool/helpers.h', ['page_pool_fragment_netmem', 'page_pool_unref_netmem', 'page_pool_ref_netmem', 'page_pool_unref_and_test', 'page_pool_put_netmem', 'page_pool_put_page', 'page_pool_put_full_netmem', 'page_pool_put_full_page', 'page_pool_recycle_direct', 'page_pool_put', 'page_pool_ref_page'], true);
declareSymbols('include/net/netmem.h', ['netmem_to_page', 'netmem_to_net_iov', 'netmem_get_pp', 'netmem_is_pref_nid', 'netmem_compound_head', 'netmem_ref_count', 'put_netmem', 'net_iov_init'], true);
declareSymbols('net/core/netmem_priv.h', ['netmem_get_pp_magic', 'netmem_or_pp_magic', 'netmem_clear_pp_magic', 'netmem_is_pp', 'netmem_set_pp', 'netmem_get_dma_index', 'netmem_set_dma_index'], true);
declareSymbols('net/core/devmem.c', ['net_devmem_bind_dmabuf', 'net_devmem_alloc_dmabuf', 'net_devmem_free_dmabuf', 'mp_dmabuf_devmem_init', 'mp_dmabuf_devmem_alloc_netmems', 'mp_dmabuf_devmem_destroy', 'mp_dmabuf_devmem_release_page']);
declareSymbols('mm/page_alloc.c', ['alloc_pages_bulk_noprof']);
declareSymbols('kernel/workqueue.c', ['process_one_work', 'worker_thread']);
declareSymbols('kernel/time/timer.c', ['msleep', 'schedule_timeout']);

// include/net/page_pool/types.h (4 KiB pages)
export const PP_ALLOC_CACHE_REFILL = 64;
export const PP_ALLOC_CACHE_SIZE = PP_ALLOC_CACHE_REFILL * 2;
export const PP_FLAG_DMA_MAP = 1 << 0;
export const PP_FLAG_DMA_SYNC_DEV = 1 << 1;
export const PP_FLAG_SYSTEM_POOL = 1 << 2;
export const PP_FLAG_ALLOW_UNREADABLE_NETMEM = 1 << 3;
export const PP_FLAG_ALL = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV | PP_FLAG_SYSTEM_POOL | PP_FLAG_ALLOW_UNREADABLE_NETMEM;
export const PP_FLAG_NAMES: ReadonlyMap<string, number> = new Map([
  ['PP_FLAG_DMA_MAP', PP_FLAG_DMA_MAP],
  ['PP_FLAG_DMA_SYNC_DEV', PP_FLAG_DMA_SYNC_DEV],
  ['PP_FLAG_SYSTEM_POOL', PP_FLAG_SYSTEM_POOL],
  ['PP_FLAG_ALLOW_UNREADABLE_NETMEM', PP_FLAG_ALLOW_UNREADABLE_NETMEM],
]);
/** ptr_ring size when page_pool_params.pool_size is 0, and its cap. */
export const PP_RING_DEFAULT = 1024;
export const PP_RING_MAX = 16384;

// include/linux/poison.h, include/linux/mm.h (x86_64: POISON_POINTER_DELTA 0xdead000000000000)
/** PP_SIGNATURE = 0x40 + POISON_POINTER_DELTA, as two 32-bit words. */
export const PP_SIGNATURE_LO = 0x40;
export const PP_SIGNATURE_HI = 0xdead0000;
/** PP_DMA_INDEX_SHIFT = 1 + __fls(0x40); PP_DMA_INDEX_BITS = MIN(32, __ffs(POISON_POINTER_DELTA) - 7) = 32: the mask is bits 7..38. */
export const PP_DMA_INDEX_SHIFT = 7;
const PP_DMA_INDEX_MASK_LO = 0xffffff80;
const PP_DMA_INDEX_MASK_HI = 0x7f;
/** PP_MAGIC_MASK = ~(PP_DMA_INDEX_MASK | 0x3) */
const PP_MAGIC_MASK_LO = ~(PP_DMA_INDEX_MASK_LO | 3) >>> 0;
const PP_MAGIC_MASK_HI = ~PP_DMA_INDEX_MASK_HI >>> 0;

/** include/net/netmem.h: bit 0 of a netmem_ref marks a net_iov. */
export const NET_IOV = 0x1;

import { HZ } from './config.js';
export { HZ };
/** DEFER_TIME = msecs_to_jiffies(1000), DEFER_WARN_INTERVAL = 60 * HZ (page_pool.c:37-38). */
export const DEFER_TIME = HZ;
export const DEFER_WARN_INTERVAL = 60 * HZ;

/** SMP_CACHE_BYTES on x86_64, for the ptr_ring consumer batch. */
const SMP_CACHE_BYTES = 64;

// Limits (a limit on everything).
/** Live page pools per machine. */
export const MAX_PAGE_POOLS = 16;
/** net_iovs over all dma-buf bindings of a machine (their array is kernel data). */
export const MAX_NET_IOVS = 256;
/** dma-buf bindings per machine. */
export const MAX_DEVMEM_BINDINGS = 4;
/** The longest msleep a step may ask for: one hour. */
export const MAX_MSLEEP_MS = 3_600_000;
/** Bytes of kernel data standing for one struct page_pool (its address is what page->pp holds). */
const PAGE_POOL_BLOCK_BYTES = 64;

const PAGE_POOL_C = 'net/core/page_pool.c';
const S = {
  netmem_to_page: { fn: 'netmem_to_page', file: 'include/net/netmem.h', line: 165, cond: 'netmem_is_net_iov(netmem)' },
  clear_pp_magic: { fn: 'netmem_clear_pp_magic', file: 'net/core/netmem_priv.h', line: 18, cond: 'netmem_to_nmdesc(netmem)->pp_magic & PP_DMA_INDEX_MASK' },
  get_dma_index: { fn: 'netmem_get_dma_index', file: 'net/core/netmem_priv.h', line: 43, cond: 'netmem_is_net_iov(netmem)' },
  set_dma_index: { fn: 'netmem_set_dma_index', file: 'net/core/netmem_priv.h', line: 56, cond: 'netmem_is_net_iov(netmem)' },
  unref: { fn: 'page_pool_unref_netmem', file: 'include/net/page_pool/helpers.h', line: 297, cond: 'ret < 0' },
  inflight: { fn: 'page_pool_inflight', file: PAGE_POOL_C, line: 715, cond: 'inflight < 0' },
  mp_release_iov: { fn: 'mp_dmabuf_devmem_release_page', file: 'net/core/devmem.c', line: 501, cond: '!netmem_is_net_iov(netmem)' },
  mp_release_ref: { fn: 'mp_dmabuf_devmem_release_page', file: 'net/core/devmem.c', line: 504, cond: 'refcount != 1' },
} satisfies Record<string, Site>;

/** The fast fields of struct page_pool_params that pagesim takes (dma_dir is DMA_FROM_DEVICE, max_len a whole page). */
export interface PagePoolParams {
  readonly order: number;
  readonly pool_size: number;
  /** NUMA_NO_NODE (-1) or a node. */
  readonly nid: number;
  readonly flags: number;
}

/** struct page_pool_alloc_stats and page_pool_recycle_stats (CONFIG_PAGE_POOL_STATS), by their ethtool names. */
export const PP_STATS = [
  'rx_pp_alloc_fast',
  'rx_pp_alloc_slow',
  'rx_pp_alloc_slow_ho',
  'rx_pp_alloc_empty',
  'rx_pp_alloc_refill',
  'rx_pp_alloc_waive',
  'rx_pp_recycle_cached',
  'rx_pp_recycle_cache_full',
  'rx_pp_recycle_ring',
  'rx_pp_recycle_ring_full',
  'rx_pp_recycle_released_ref',
] as const;
const ST_FAST = 0;
const ST_SLOW = 1;
const ST_SLOW_HO = 2;
const ST_EMPTY = 3;
const ST_REFILL = 4;
const ST_WAIVE = 5;
const ST_CACHED = 6;
const ST_CACHE_FULL = 7;
const ST_RING = 8;
const ST_RING_FULL = 9;
const ST_RELEASED_REFCNT = 10;

/** struct net_devmem_dmabuf_binding, with one chunk: a run of net_iovs in the machine's net_iov array and a first-fit gen_pool over them. */
export class NetDevmemDmabufBinding {
  /** gen_pool bitmap: 1 where a net_iov is handed out. */
  readonly used: Uint8Array;
  constructor(
    readonly id: number,
    /** Word of the binding's struct net_iov_area (kernel data). */
    readonly areaWord: number,
    /** Word of its first net_iov. */
    readonly niovWord: number,
    readonly num_niovs: number,
    /** The chunk's DMA address (an IOVA pagesim picks; only its value shows, in dma_addr). */
    readonly base_dma_addr: number,
  ) {
    this.used = new Uint8Array(num_niovs);
  }
}

/** struct page_pool: what pagesim keeps of it, beside the kernel-data block whose address is the pool pointer. */
export class PagePoolStruct {
  /** Word of the kernel-data block standing for the kzalloc()ed struct (page->pp points here). */
  readonly word: number;
  /** pool->user.id: from 1, cyclic, never reused while pagesim runs (0 until page_pool_list). */
  id: number;
  readonly p: PagePoolParams;
  cpuid = -1;
  dma_map = false;
  dma_sync = false;
  dma_sync_for_cpu = true;
  /** The memory provider (dma-buf devmem), or null for host pages. */
  mp_priv: NetDevmemDmabufBinding | null = null;
  /** struct pp_alloc_cache */
  readonly alloc_cache = new Int32Array(PP_ALLOC_CACHE_SIZE);
  alloc_count = 0;
  /** struct ptr_ring: the queue of netmems (0 = empty slot), producer and the batched consumer. */
  ring: Int32Array = new Int32Array(0);
  ring_size = 0;
  ring_batch = 1;
  producer = 0;
  consumer_head = 0;
  consumer_tail = 0;
  /** u32 counters */
  pages_state_hold_cnt = 0;
  pages_state_release_cnt = 0;
  user_cnt = 1;
  destroy_cnt = 0;
  defer_start = 0;
  defer_warn = 0;
  /** jiffies at which release_dw runs, or -1 when it is not scheduled. */
  release_dw_at = -1;
  /** __page_pool_destroy() ran: the struct is freed. */
  freed = false;
  /** The dma_mapped xarray: id -> netmem (0: free), ids from 1. */
  dma_mapped = new Int32Array(64);
  /** No id below this is free (a search hint). */
  dma_lowest_free = 1;
  /** alloc_stats and recycle_stats, in PP_STATS order. */
  readonly stats = new Float64Array(PP_STATS.length);

  constructor(word: number, id: number, p: PagePoolParams) {
    this.word = word;
    this.id = id;
    this.p = p;
  }
}

export abstract class PagePool extends Gup {
  /** Live (and stalled, not yet freed) pools by the word of their kernel-data block. */
  readonly pagePools = new Map<number, PagePoolStruct>();
  /** Freed pool blocks, reused by the next page_pool_create (kfree then kzalloc of the same size). */
  private readonly freePoolBlocks: number[] = [];
  private nextPoolId = 1;
  /** The net_iov array of all bindings (kernel data, allocated on first bind), and how many are handed to bindings. */
  private niovBase = -1;
  private niovsBound = 0;
  readonly devmemBindings: NetDevmemDmabufBinding[] = [];
  /** The dma-buf binding installed on the NIC's receive queue (rxq->mp_params), if any. */
  rxq_mp_priv: NetDevmemDmabufBinding | null = null;
  /** Word offsets of struct netmem_desc and struct net_iov fields. */
  protected readonly ND: WordMap = wordMap(this.layout('netmem_desc'));
  protected readonly NI: WordMap = wordMap(this.layout('net_iov'));
  private readonly W_pp_magic = word(this.ND, 'pp_magic', 'netmem_desc');
  private readonly W_pp = word(this.ND, 'pp', 'netmem_desc');
  private readonly W_dma_addr = word(this.ND, 'dma_addr', 'netmem_desc');
  private readonly W_pp_ref_count = word(this.ND, 'pp_ref_count', 'netmem_desc');
  private readonly W_niov_desc = word(this.NI, 'desc._flags', 'net_iov');
  /** Bulk allocation's alloc_context, reused (no objects per operation). */
  private readonly bulkAc: Parameters<PagePool['prepare_alloc_pages']>[2] = { zonelist: [], highest_zoneidx: 0, migratetype: 0, preferred: 0, alloc_flags: 0 };

  // ---- netmem_ref (include/net/netmem.h) -----------------------------------

  netmem_is_net_iov(netmem: number): boolean {
    return (netmem & NET_IOV) !== 0;
  }

  /** page_to_netmem(): a cast. */
  page_to_netmem(page: number): number {
    return page < 0 ? 0 : (page * this.PW) << 1;
  }

  __netmem_to_page(netmem: number): number {
    return this.pfnOfWord(netmem >>> 1);
  }

  /** netmem_to_page(): NULL (with a warning) for a net_iov. */
  netmem_to_page(netmem: number): number {
    if (netmem === 0) return -1;
    if (this.WARN_ON_ONCE(this.netmem_is_net_iov(netmem), S.netmem_to_page)) return -1;
    return this.__netmem_to_page(netmem);
  }

  /** netmem_to_net_iov(): the word of the net_iov. */
  netmem_to_net_iov(netmem: number): number {
    return (netmem & ~NET_IOV) >>> 1;
  }

  net_iov_to_netmem(niov: number): number {
    return (niov << 1) | NET_IOV;
  }

  /** netmem_to_nmdesc(): the word where the netmem_desc (a struct page, or a net_iov's desc) starts. */
  netmem_to_nmdesc(netmem: number): number {
    const w = (netmem & ~NET_IOV) >>> 1;
    return this.netmem_is_net_iov(netmem) ? w + this.W_niov_desc : w;
  }

  netmem_compound_head(netmem: number): number {
    if (this.netmem_is_net_iov(netmem)) return netmem;
    return this.page_to_netmem(this.compound_head(this.__netmem_to_page(netmem)));
  }

  /** netmem_ref_count(): 1 for a net_iov, else the page's refcount. */
  netmem_ref_count(netmem: number): number {
    if (this.netmem_is_net_iov(netmem)) return 1;
    return this.page_ref_count(this.__netmem_to_page(netmem));
  }

  netmem_is_pref_nid(netmem: number, pref_nid: number): boolean {
    if (this.netmem_is_net_iov(netmem)) return true;
    return this.page_to_nid(this.__netmem_to_page(netmem)) === pref_nid;
  }

  /** page_is_pfmemalloc(): bit 1 of lru.next (pp_magic's word). */
  page_is_pfmemalloc(page: number): boolean {
    return (this.m32[page * this.PW + this.W_lru]! & 2) !== 0;
  }

  /** The pool page->pp (or a net_iov's desc.pp) points at, or null for NULL. */
  netmem_get_pp(netmem: number): PagePoolStruct | null {
    const w = this.netmem_to_nmdesc(netmem) + this.W_pp;
    if (this.m32[w] === 0 && this.m32[w + 1] === 0) return null;
    const target = this.derefWord(w);
    const pool = this.pagePools.get(target);
    // A pointer to memory that is not a live struct page_pool: the kernel would use whatever is there.
    if (pool === undefined) this.oopsBadPointer(this.m32[w + 1]!, this.m32[w]!);
    return pool;
  }

  netmem_set_pp(netmem: number, pool: PagePoolStruct | null): void {
    const w = this.netmem_to_nmdesc(netmem) + this.W_pp;
    if (pool === null) {
      this.m32[w] = 0;
      this.m32[w + 1] = 0;
    } else this.storeAddrOf(w, pool.word);
  }

  /** atomic_long_read(netmem_get_pp_ref_count_ref(netmem)) */
  netmem_get_pp_ref_count(netmem: number): number {
    const w = this.netmem_to_nmdesc(netmem) + this.W_pp_ref_count;
    return this.i32[w + 1]! * 2 ** 32 + this.m32[w]!;
  }

  private setPpRefCount(netmem: number, v: number): void {
    const w = this.netmem_to_nmdesc(netmem) + this.W_pp_ref_count;
    this.m32[w] = v >>> 0;
    this.i32[w + 1] = Math.floor(v / 2 ** 32);
  }

  put_netmem(netmem: number): void {
    // __put_netmem() of a net_iov drops a binding reference, which pagesim does not count.
    if (this.netmem_is_net_iov(netmem)) return;
    this.put_page(this.__netmem_to_page(netmem));
  }

  // ---- pp_magic and the DMA index (net/core/netmem_priv.h) -----------------

  /** netmem_get_pp_magic() as (lo, hi) is not needed: callers compare the masked words directly. */
  netmem_is_pp(netmem: number): boolean {
    const w = this.netmem_to_nmdesc(netmem) + this.W_pp_magic;
    return ((this.m32[w]! & PP_MAGIC_MASK_LO) >>> 0) === PP_SIGNATURE_LO && ((this.m32[w + 1]! & PP_MAGIC_MASK_HI) >>> 0) === PP_SIGNATURE_HI;
  }

  netmem_or_pp_magic(netmem: number, lo: number, hi: number): void {
    const w = this.netmem_to_nmdesc(netmem) + this.W_pp_magic;
    this.m32[w] = (this.m32[w]! | lo) >>> 0;
    this.m32[w + 1] = (this.m32[w + 1]! | hi) >>> 0;
  }

  netmem_clear_pp_magic(netmem: number): void {
    const w = this.netmem_to_nmdesc(netmem) + this.W_pp_magic;
    this.WARN_ON_ONCE((this.m32[w]! & PP_DMA_INDEX_MASK_LO) !== 0 || (this.m32[w + 1]! & PP_DMA_INDEX_MASK_HI) !== 0, S.clear_pp_magic);
    this.m32[w] = 0;
    this.m32[w + 1] = 0;
  }

  netmem_get_dma_index(netmem: number): number {
    if (this.WARN_ON_ONCE(this.netmem_is_net_iov(netmem), S.get_dma_index)) return 0;
    const w = this.netmem_to_nmdesc(netmem) + this.W_pp_magic;
    return (this.m32[w]! >>> PP_DMA_INDEX_SHIFT) + (this.m32[w + 1]! & PP_DMA_INDEX_MASK_HI) * 2 ** 25;
  }

  /** netmem_set_dma_index(): pp_magic without the old index, ORed with the new one. */
  netmem_set_dma_index(netmem: number, id: number): void {
    if (this.WARN_ON_ONCE(this.netmem_is_net_iov(netmem), S.set_dma_index)) return;
    const w = this.netmem_to_nmdesc(netmem) + this.W_pp_magic;
    this.m32[w] = ((this.m32[w]! & ~PP_DMA_INDEX_MASK_LO) | ((id % 2 ** 25) << PP_DMA_INDEX_SHIFT)) >>> 0;
    this.m32[w + 1] = ((this.m32[w + 1]! & ~PP_DMA_INDEX_MASK_HI) | (Math.floor(id / 2 ** 25) & PP_DMA_INDEX_MASK_HI)) >>> 0;
  }

  /** page_pool_set_dma_addr_netmem(): 64-bit, so the address is stored whole; false = success. */
  page_pool_set_dma_addr_netmem(netmem: number, addr: number): boolean {
    const w = this.netmem_to_nmdesc(netmem) + this.W_dma_addr;
    this.m32[w] = addr >>> 0;
    this.m32[w + 1] = Math.floor(addr / 2 ** 32) >>> 0;
    return false;
  }

  page_pool_get_dma_addr_netmem(netmem: number): number {
    const w = this.netmem_to_nmdesc(netmem) + this.W_dma_addr;
    return this.m32[w + 1]! * 2 ** 32 + this.m32[w]!;
  }

  // ---- ptr_ring (include/linux/ptr_ring.h) ----------------------------------

  private ptr_ring_init(pool: PagePoolStruct, size: number): void {
    pool.ring = new Int32Array(size);
    pool.ring_size = size;
    // __ptr_ring_set_size(): a batch of two cache lines of pointers, at most half the ring.
    pool.ring_batch = (SMP_CACHE_BYTES * 2) / 8;
    if (pool.ring_batch > size >> 1 || !pool.ring_batch) pool.ring_batch = 1;
    pool.producer = pool.consumer_head = pool.consumer_tail = 0;
  }

  /** __ptr_ring_produce(): 0, or -ENOSPC when the slot at producer still holds an entry. */
  private __ptr_ring_produce(pool: PagePoolStruct, netmem: number): number {
    if (!pool.ring_size) return -EINVAL;
    if (pool.ring[pool.producer] !== 0) return -ERRNO.get('ENOSPC')!;
    pool.ring[pool.producer++] = netmem;
    if (pool.producer >= pool.ring_size) pool.producer = 0;
    return 0;
  }

  private __ptr_ring_empty(pool: PagePoolStruct): boolean {
    return !pool.ring_size || pool.ring[pool.consumer_head] === 0;
  }

  /** __ptr_ring_consume(): the oldest entry, or 0; consumed slots are zeroed a batch at a time, so the producer sees them free only then. */
  private __ptr_ring_consume(pool: PagePoolStruct): number {
    if (!pool.ring_size) return 0;
    const ptr = pool.ring[pool.consumer_head]!;
    if (ptr === 0) return 0;
    // __ptr_ring_discard_one()
    let head = pool.consumer_head + 1;
    if (head - pool.consumer_tail >= pool.ring_batch || head >= pool.ring_size) {
      for (let h = head; h > pool.consumer_tail; ) pool.ring[--h] = 0;
      pool.consumer_tail = head;
    }
    if (head >= pool.ring_size) {
      head = 0;
      pool.consumer_tail = 0;
    }
    pool.consumer_head = head;
    return ptr;
  }

  /**
   * Entries in the ring a consumer would still get (for stats and tests):
   * from consumer_head up to producer. Consumed slots not yet zeroed (the
   * batch) are not counted, though the producer still sees them as taken.
   */
  ptrRingCount(pool: PagePoolStruct): number {
    if (this.__ptr_ring_empty(pool)) return 0;
    const n = (pool.producer - pool.consumer_head + pool.ring_size) % pool.ring_size;
    return n === 0 ? pool.ring_size : n;
  }

  // ---- creation ------------------------------------------------------------------

  page_pool_create(params: PagePoolParams): PagePoolStruct | number {
    return this.page_pool_create_percpu(params, -1);
  }

  /** page_pool_create_percpu(): the pool, or -errno (ERR_PTR) after "gave up with errno". */
  page_pool_create_percpu(params: PagePoolParams, cpuid: number): PagePoolStruct | number {
    if (this.pagePools.size >= MAX_PAGE_POOLS) throw new RangeError(`more than ${MAX_PAGE_POOLS} page pools alive at once`);
    // kzalloc_node(sizeof(*pool)): a block of kernel data, reused after a pool is freed.
    const blk = this.freePoolBlocks.pop() ?? this.kdataAlloc(PAGE_POOL_BLOCK_BYTES);
    const pool = new PagePoolStruct(blk, 0, params);
    let err = this.page_pool_init(pool, params, cpuid);
    if (err >= 0) {
      err = this.page_pool_list(pool);
      if (err >= 0) return this.pagePools.get(pool.word)!;
      this.page_pool_uninit(pool);
    }
    this.printk([`page_pool_create_percpu() gave up with errno ${err}`]);
    this.freePoolBlocks.push(blk);
    return err;
  }

  page_pool_init(pool: PagePoolStruct, params: PagePoolParams, cpuid: number): number {
    let ring_qsize = PP_RING_DEFAULT;
    pool.cpuid = cpuid;
    pool.dma_sync_for_cpu = true;
    if (params.flags & ~PP_FLAG_ALL) return -EINVAL;
    if (params.pool_size) ring_qsize = Math.min(params.pool_size, PP_RING_MAX);
    // dma_dir is DMA_FROM_DEVICE, max_len PAGE_SIZE << order: the checks on them pass.
    if (params.flags & PP_FLAG_DMA_MAP) pool.dma_map = true;
    if (params.flags & PP_FLAG_DMA_SYNC_DEV) {
      if (!(params.flags & PP_FLAG_DMA_MAP)) return -EINVAL;
      pool.dma_sync = true;
    }
    this.ptr_ring_init(pool, ring_qsize);
    pool.pages_state_release_cnt = 0;
    pool.user_cnt = 1;
    if (params.flags & PP_FLAG_ALLOW_UNREADABLE_NETMEM) pool.mp_priv = this.rxq_mp_priv;
    if (pool.mp_priv !== null) {
      if (!pool.dma_map || !pool.dma_sync) {
        pool.mp_priv = null;
        return -ERRNO.get('EOPNOTSUPP')!;
      }
      const err = this.mp_dmabuf_devmem_init(pool);
      if (err) {
        this.printk([`page_pool_init() mem-provider init failed ${err}`]);
        pool.mp_priv = null;
        return err;
      }
    } else if (params.order > MAX_PAGE_ORDER) return -EINVAL;
    return 0;
  }

  /** page_pool_list(): pool->user.id from a cyclic xarray starting at 1. */
  page_pool_list(pool: PagePoolStruct): number {
    pool.id = this.nextPoolId++;
    this.pagePools.set(pool.word, pool);
    return 0;
  }

  page_pool_uninit(pool: PagePoolStruct): void {
    pool.ring = new Int32Array(0);
    pool.ring_size = 0;
    if (pool.mp_priv !== null) this.mp_dmabuf_devmem_destroy(pool);
  }

  // ---- allocation ------------------------------------------------------------------

  page_pool_refill_alloc_cache(pool: PagePoolStruct): number {
    if (this.__ptr_ring_empty(pool)) {
      pool.stats[ST_EMPTY]!++;
      return 0;
    }
    const pref_nid = pool.p.nid === -1 ? this.numa_node_id() : pool.p.nid;
    let netmem: number;
    do {
      netmem = this.__ptr_ring_consume(pool);
      if (!netmem) break;
      if (this.netmem_is_pref_nid(netmem, pref_nid)) pool.alloc_cache[pool.alloc_count++] = netmem;
      else {
        // NUMA mismatch: give this one back to the page allocator and take the slow path.
        this.page_pool_return_netmem(pool, netmem);
        pool.stats[ST_WAIVE]!++;
        netmem = 0;
        break;
      }
    } while (pool.alloc_count < PP_ALLOC_CACHE_REFILL);
    if (pool.alloc_count > 0) {
      netmem = pool.alloc_cache[--pool.alloc_count]!;
      pool.stats[ST_REFILL]!++;
    }
    return netmem;
  }

  __page_pool_get_cached(pool: PagePoolStruct): number {
    if (pool.alloc_count) {
      pool.stats[ST_FAST]!++;
      return pool.alloc_cache[--pool.alloc_count]!;
    }
    return this.page_pool_refill_alloc_cache(pool);
  }

  /** page_pool_register_dma_index(): the lowest free id >= 1 of pool->dma_mapped, stored in pp_magic. */
  page_pool_register_dma_index(pool: PagePoolStruct, netmem: number): number {
    let id = pool.dma_lowest_free;
    while (id < pool.dma_mapped.length && pool.dma_mapped[id] !== 0) id++;
    if (id >= pool.dma_mapped.length) {
      const grown = new Int32Array(pool.dma_mapped.length * 2);
      grown.set(pool.dma_mapped);
      pool.dma_mapped = grown;
    }
    pool.dma_mapped[id] = netmem;
    pool.dma_lowest_free = id + 1;
    this.netmem_set_dma_index(netmem, id);
    return 0;
  }

  /** __page_pool_unmap_netmem_dma(): erase the page's id from the xarray (only if it still maps this page). */
  __page_pool_unmap_netmem_dma(pool: PagePoolStruct, netmem: number): void {
    if (!pool.dma_map) return;
    const id = this.netmem_get_dma_index(netmem);
    if (!id) return;
    if (id >= pool.dma_mapped.length || pool.dma_mapped[id] !== netmem) return;
    pool.dma_mapped[id] = 0;
    if (id < pool.dma_lowest_free) pool.dma_lowest_free = id;
    // dma_unmap_page_attrs(): nothing to undo without a device.
  }

  /** page_pool_dma_map(): dma-direct gives the physical address; then the DMA index. */
  page_pool_dma_map(pool: PagePoolStruct, netmem: number): boolean {
    const dma = pageDmaAddr(this.netmem_to_page(netmem));
    if (this.page_pool_set_dma_addr_netmem(netmem, dma)) return false;
    if (this.page_pool_register_dma_index(pool, netmem)) {
      this.page_pool_set_dma_addr_netmem(netmem, 0);
      return false;
    }
    return true;
  }

  __page_pool_alloc_page_order(pool: PagePoolStruct, gfp: number): number {
    gfp |= __GFP_COMP;
    const nid = pool.p.nid === -1 ? this.numa_node_id() : pool.p.nid;
    const page = this.alloc_pages_node(nid, gfp, pool.p.order);
    if (page < 0) return -1;
    if (pool.dma_map && !this.page_pool_dma_map(pool, this.page_to_netmem(page))) {
      this.put_page(page);
      return -1;
    }
    pool.stats[ST_SLOW_HO]!++;
    this.page_pool_set_pp_info(pool, this.page_to_netmem(page));
    pool.pages_state_hold_cnt = (pool.pages_state_hold_cnt + 1) >>> 0;
    return page;
  }

  /** __page_pool_alloc_netmems_slow(): one compound page for order > 0, else a bulk of 64 order-0 pages into the alloc cache. */
  __page_pool_alloc_netmems_slow(pool: PagePoolStruct, gfp: number): number {
    const bulk = PP_ALLOC_CACHE_REFILL;
    if ((gfp & GFP_ATOMIC) === GFP_ATOMIC) gfp |= __GFP_NOWARN;
    if (pool.p.order) return this.page_to_netmem(this.__page_pool_alloc_page_order(pool, gfp));
    if (pool.alloc_count > 0) return pool.alloc_cache[--pool.alloc_count]!;
    // The cache doubles as the page array alloc_pages_bulk fills (pfns until they are made netmems).
    const cache = pool.alloc_cache;
    cache.fill(-1, 0, bulk);
    const nr_pages = this.alloc_pages_bulk_node(gfp, pool.p.nid, bulk, cache);
    if (!nr_pages) return 0;
    for (let i = 0; i < nr_pages; i++) {
      const netmem = this.page_to_netmem(cache[i]!);
      if (pool.dma_map && !this.page_pool_dma_map(pool, netmem)) {
        this.put_page(this.__netmem_to_page(netmem));
        continue;
      }
      this.page_pool_set_pp_info(pool, netmem);
      cache[pool.alloc_count++] = netmem;
      pool.pages_state_hold_cnt = (pool.pages_state_hold_cnt + 1) >>> 0;
    }
    if (pool.alloc_count > 0) {
      pool.stats[ST_SLOW]!++;
      return cache[--pool.alloc_count]!;
    }
    return 0;
  }

  /** page_pool_alloc_netmems(): the alloc cache, then the ring, then the memory provider or the page allocator. 0 on failure. */
  page_pool_alloc_netmems(pool: PagePoolStruct, gfp: number): number {
    const netmem = this.__page_pool_get_cached(pool);
    if (netmem) return netmem;
    if (pool.mp_priv !== null) return this.mp_dmabuf_devmem_alloc_netmems(pool, gfp);
    return this.__page_pool_alloc_netmems_slow(pool, gfp);
  }

  /** page_pool_alloc_pages(): a struct page (NULL, with a warning, if the pool hands out net_iovs). */
  page_pool_alloc_pages(pool: PagePoolStruct, gfp: number): number {
    return this.netmem_to_page(this.page_pool_alloc_netmems(pool, gfp));
  }

  /** page_pool_inflight(): pages handed out and not yet returned; strict warns on a negative count, else clamps it. */
  page_pool_inflight(pool: PagePoolStruct, strict: boolean): number {
    let inflight = (pool.pages_state_hold_cnt - pool.pages_state_release_cnt) | 0;
    if (strict) {
      if (inflight < 0) {
        const msg = `Negative(${inflight}) inflight packet-pages`;
        this.WARN(S.inflight, null, [], `WARN(${S.inflight.cond})`, [msg]);
      }
    } else inflight = Math.max(0, inflight);
    return inflight;
  }

  /** page_pool_set_pp_info(): pp, PP_SIGNATURE into pp_magic, pp_ref_count = 1. */
  page_pool_set_pp_info(pool: PagePoolStruct, netmem: number): void {
    this.netmem_set_pp(netmem, pool);
    this.netmem_or_pp_magic(netmem, PP_SIGNATURE_LO, PP_SIGNATURE_HI);
    this.page_pool_fragment_netmem(netmem, 1);
  }

  /** page_pool_clear_pp_info(): pp_magic and pp cleared; pp_ref_count is left as it is (1). */
  page_pool_clear_pp_info(netmem: number): void {
    this.netmem_clear_pp_magic(netmem);
    this.netmem_set_pp(netmem, null);
  }

  __page_pool_release_netmem_dma(pool: PagePoolStruct, netmem: number): void {
    if (!pool.dma_map) return;
    this.__page_pool_unmap_netmem_dma(pool, netmem);
    this.page_pool_set_dma_addr_netmem(netmem, 0);
    this.netmem_set_dma_index(netmem, 0);
  }

  /** page_pool_return_netmem(): the page leaves the pool: DMA unmapped, release_cnt++, pp info cleared, put_page(). */
  page_pool_return_netmem(pool: PagePoolStruct, netmem: number): void {
    let put = true;
    if (pool.mp_priv !== null) put = this.mp_dmabuf_devmem_release_page(pool, netmem);
    else this.__page_pool_release_netmem_dma(pool, netmem);
    pool.pages_state_release_cnt = (pool.pages_state_release_cnt + 1) >>> 0;
    if (put) {
      this.page_pool_clear_pp_info(netmem);
      this.put_page(this.netmem_to_page(netmem));
    }
  }

  page_pool_recycle_in_ring(pool: PagePoolStruct, netmem: number): boolean {
    const ret = !this.__ptr_ring_produce(pool, netmem);
    if (ret) pool.stats[ST_RING]!++;
    return ret;
  }

  page_pool_recycle_in_cache(netmem: number, pool: PagePoolStruct): boolean {
    if (pool.alloc_count === PP_ALLOC_CACHE_SIZE) {
      pool.stats[ST_CACHE_FULL]!++;
      return false;
    }
    pool.alloc_cache[pool.alloc_count++] = netmem;
    pool.stats[ST_CACHED]!++;
    return true;
  }

  /** A net_iov, or a page only the pool holds (refcount 1) that did not come from the pfmemalloc reserves. */
  __page_pool_page_can_be_recycled(netmem: number): boolean {
    if (this.netmem_is_net_iov(netmem)) return true;
    const page = this.__netmem_to_page(netmem);
    return this.page_ref_count(page) === 1 && !this.page_is_pfmemalloc(page);
  }

  /** __page_pool_put_page(): 0 when cached or released, else the netmem for the ring. */
  __page_pool_put_page(pool: PagePoolStruct, netmem: number, dma_sync_size: number, allow_direct: boolean): number {
    void dma_sync_size;
    if (this.__page_pool_page_can_be_recycled(netmem)) {
      if (allow_direct && this.page_pool_recycle_in_cache(netmem, pool)) return 0;
      return netmem;
    }
    // Someone else holds a reference (a user mapping, a get_page): the page leaves the pool.
    pool.stats[ST_RELEASED_REFCNT]!++;
    this.page_pool_return_netmem(pool, netmem);
    return 0;
  }

  /** page_pool_napi_local(): in softirq on the pool's CPU or its NAPI owner's (pagesim's pools have cpuid -1 and no NAPI). */
  page_pool_napi_local(pool: PagePoolStruct): boolean {
    void pool;
    return false;
  }

  page_pool_put_unrefed_netmem(pool: PagePoolStruct, netmem: number, dma_sync_size: number, allow_direct: boolean): void {
    if (!allow_direct) allow_direct = this.page_pool_napi_local(pool);
    netmem = this.__page_pool_put_page(pool, netmem, dma_sync_size, allow_direct);
    if (netmem && !this.page_pool_recycle_in_ring(pool, netmem)) {
      pool.stats[ST_RING_FULL]!++;
      this.page_pool_return_netmem(pool, netmem);
    }
  }

  page_pool_put_unrefed_page(pool: PagePoolStruct, page: number, dma_sync_size: number, allow_direct: boolean): void {
    this.page_pool_put_unrefed_netmem(pool, this.page_to_netmem(page), dma_sync_size, allow_direct);
  }

  // ---- include/net/page_pool/helpers.h --------------------------------------------

  page_pool_fragment_netmem(netmem: number, nr: number): void {
    this.setPpRefCount(netmem, nr);
  }

  /** page_pool_unref_netmem(): the references left; reading exactly nr means we were last (no write for nr == 1). */
  page_pool_unref_netmem(netmem: number, nr: number): number {
    if (this.netmem_get_pp_ref_count(netmem) === nr) {
      if (nr !== 1) this.setPpRefCount(netmem, 1);
      return 0;
    }
    const ret = this.netmem_get_pp_ref_count(netmem) - nr;
    this.setPpRefCount(netmem, ret);
    this.WARN_ON(ret < 0, S.unref);
    if (!ret) this.setPpRefCount(netmem, 1);
    return ret;
  }

  page_pool_ref_netmem(netmem: number): void {
    this.setPpRefCount(netmem, this.netmem_get_pp_ref_count(netmem) + 1);
  }

  page_pool_ref_page(page: number): void {
    this.page_pool_ref_netmem(this.page_to_netmem(page));
  }

  page_pool_unref_and_test(netmem: number): boolean {
    return this.page_pool_unref_netmem(netmem, 1) === 0;
  }

  page_pool_put_netmem(pool: PagePoolStruct, netmem: number, dma_sync_size: number, allow_direct: boolean): void {
    if (!this.page_pool_unref_and_test(netmem)) return;
    this.page_pool_put_unrefed_netmem(pool, netmem, dma_sync_size, allow_direct);
  }

  page_pool_put_page(pool: PagePoolStruct, page: number, dma_sync_size: number, allow_direct: boolean): void {
    this.page_pool_put_netmem(pool, this.page_to_netmem(page), dma_sync_size, allow_direct);
  }

  page_pool_put_full_netmem(pool: PagePoolStruct, netmem: number, allow_direct: boolean): void {
    this.page_pool_put_netmem(pool, netmem, -1, allow_direct);
  }

  page_pool_put_full_page(pool: PagePoolStruct, page: number, allow_direct: boolean): void {
    this.page_pool_put_netmem(pool, this.page_to_netmem(page), -1, allow_direct);
  }

  page_pool_recycle_direct(pool: PagePoolStruct, page: number): void {
    this.page_pool_put_full_page(pool, page, true);
  }

  /** page_pool_put(): drop a user; true for the last. */
  page_pool_put(pool: PagePoolStruct): boolean {
    return --pool.user_cnt === 0;
  }

  /** page_pool_get_stats(): one counter by its ethtool name. */
  page_pool_get_stats(pool: PagePoolStruct, stat: number): number {
    return pool.stats[stat]!;
  }

  // ---- destruction -----------------------------------------------------------------------

  page_pool_empty_ring(pool: PagePoolStruct): void {
    let netmem: number;
    while ((netmem = this.__ptr_ring_consume(pool))) {
      const count = this.netmem_ref_count(netmem);
      if (count !== 1) this.printk([`page_pool_empty_ring() page_pool refcnt ${count} violation`]);
      this.page_pool_return_netmem(pool, netmem);
    }
  }

  __page_pool_destroy(pool: PagePoolStruct): void {
    this.page_pool_unlist(pool);
    this.page_pool_uninit(pool);
    // kfree(pool)
    pool.freed = true;
    pool.release_dw_at = -1;
    this.m32.fill(0, pool.word, pool.word + PAGE_POOL_BLOCK_BYTES / 4);
    this.freePoolBlocks.push(pool.word);
  }

  page_pool_unlist(pool: PagePoolStruct): void {
    this.pagePools.delete(pool.word);
  }

  page_pool_empty_alloc_cache_once(pool: PagePoolStruct): void {
    if (pool.destroy_cnt) return;
    while (pool.alloc_count) this.page_pool_return_netmem(pool, pool.alloc_cache[--pool.alloc_count]!);
  }

  page_pool_scrub(pool: PagePoolStruct): void {
    this.page_pool_empty_alloc_cache_once(pool);
    if (!pool.destroy_cnt++ && pool.dma_map) {
      pool.dma_sync = false;
      // No page reference: DMA-unmap every page still in flight.
      for (let id = 1; id < pool.dma_mapped.length; id++) {
        const netmem = pool.dma_mapped[id]!;
        if (netmem) this.__page_pool_unmap_netmem_dma(pool, netmem);
      }
    }
    this.page_pool_empty_ring(pool);
  }

  /** page_pool_release(): scrub, then free the pool if nothing is in flight; returns the pages still in flight. */
  page_pool_release(pool: PagePoolStruct): number {
    this.page_pool_scrub(pool);
    const inflight = this.page_pool_inflight(pool, true);
    if (!inflight) this.__page_pool_destroy(pool);
    return inflight;
  }

  /** page_pool_release_retry(): the delayed work, every DEFER_TIME until nothing is in flight; warns once a minute. */
  page_pool_release_retry(pool: PagePoolStruct): void {
    pool.release_dw_at = -1;
    const inflight = this.page_pool_release(pool);
    if (inflight <= 0) return;
    if (this.jiffies >= pool.defer_warn) {
      const sec = Math.trunc(((this.jiffies - pool.defer_start) | 0) / HZ);
      const line = `page_pool_release_retry() stalled pool shutdown: id ${pool.id}, ${inflight} inflight ${sec} sec`;
      this.printk([line]);
      this.report('printk', 'page_pool_release_retry', 'stalled pool shutdown', line, null, [line]);
      pool.defer_warn = this.jiffies + DEFER_WARN_INTERVAL;
    }
    pool.release_dw_at = this.jiffies + DEFER_TIME;
  }

  page_pool_disable_direct_recycling(pool: PagePoolStruct): void {
    pool.cpuid = -1;
  }

  /** page_pool_destroy(): the driver is done; frees the pool now, or retries every second while pages are in flight. */
  page_pool_destroy(pool: PagePoolStruct | null): void {
    if (pool === null) return;
    if (!this.page_pool_put(pool)) return;
    this.page_pool_disable_direct_recycling(pool);
    if (!this.page_pool_release(pool)) return;
    // page_pool_detached(), then schedule_delayed_work(&pool->release_dw, DEFER_TIME).
    pool.defer_start = this.jiffies;
    pool.defer_warn = this.jiffies + DEFER_WARN_INTERVAL;
    pool.release_dw_at = this.jiffies + DEFER_TIME;
  }

  // ---- time --------------------------------------------------------------------------------

  /** msecs_to_jiffies() for HZ=250: rounded up to 4 ms ticks. */
  static msecs_to_jiffies(m: number): number {
    return Math.ceil(m / (1000 / HZ));
  }

  /** msleep(): the task sleeps; jiffies advance and delayed work whose timer expires runs, in time order, from a kworker. */
  msleep(msecs: number): void {
    const until = this.jiffies + PagePool.msecs_to_jiffies(msecs);
    for (;;) {
      let next: PagePoolStruct | null = null;
      for (const pool of this.pagePools.values()) if (pool.release_dw_at >= 0 && pool.release_dw_at <= until && (next === null || pool.release_dw_at < next.release_dw_at)) next = pool;
      if (next === null) break;
      this.jiffies = next.release_dw_at;
      this.runDelayedWork(next);
    }
    this.jiffies = until;
  }

  /** One run of a pool's release_dw, as a kworker's process_one_work() calls it. */
  private runDelayedWork(pool: PagePoolStruct): void {
    const saved = this.current;
    this.current = { comm: 'kworker/0:1', pid: 20, cpu: 0 };
    try {
      this.process_one_work(pool);
    } finally {
      this.current = saved;
    }
  }

  process_one_work(pool: PagePoolStruct): void {
    this.page_pool_release_retry(pool);
  }

  // ---- bulk allocation (mm/page_alloc.c, v7.3) ------------------------------------------------

  /** alloc_pages_bulk_node(): NUMA_NO_NODE means the local node. */
  alloc_pages_bulk_node(gfp: number, nid: number, nr_pages: number, page_array: Int32Array): number {
    if (nid === -1) nid = this.numa_node_id();
    return this.alloc_pages_bulk_noprof(gfp, nid, nr_pages, page_array);
  }

  /**
   * alloc_pages_bulk_noprof(): fill the empty (-1) slots of page_array
   * from the local CPU's pcp list of the first zone that meets the low
   * watermark plus the pages asked for; one page through the normal
   * allocator when that is not possible. Returns the populated count.
   */
  alloc_pages_bulk_noprof(gfp: number, preferred_nid: number, nr_pages: number, page_array: Int32Array): number {
    let nr_populated = 0;
    let nr_account = 0;
    const alloc_flags = ALLOC_WMARK_LOW;
    while (nr_populated < nr_pages && page_array[nr_populated]! >= 0) nr_populated++;
    if (nr_pages <= 0 || nr_pages - nr_populated === 0) return nr_populated;
    failed: {
      if (nr_pages - nr_populated === 1) break failed;
      const ac = this.bulkAc;
      if (!this.prepare_alloc_pages(gfp, preferred_nid, ac)) return nr_populated;
      if (ac.preferred < 0) break failed;
      const preferred = ac.zonelist[ac.preferred]!;
      let zone: typeof preferred | null = null;
      for (let i = ac.preferred; i < ac.zonelist.length; i++) {
        const z = ac.zonelist[i]!;
        if (z.idx > ac.highest_zoneidx || !z.populated()) continue;
        if (this.nodeCount > 1 && z !== preferred && z.nid !== preferred.nid) break failed;
        const mark = z.wmark_pages(alloc_flags & ALLOC_WMARK_MASK) + nr_pages - nr_populated;
        if (this.zone_watermark_fast(z, 0, mark, preferred.idx, alloc_flags)) {
          zone = z;
          break;
        }
      }
      if (zone === null) break failed;
      const pcp = zone.pcp[this.current.cpu]!;
      const list = pcp.listsWord + order_to_pindex(ac.migratetype, 0) * 4;
      while (nr_populated < nr_pages) {
        if (page_array[nr_populated]! >= 0) {
          nr_populated++;
          continue;
        }
        const page = this.__rmqueue_pcplist(zone, 0, ac.migratetype, alloc_flags, pcp, list);
        if (page < 0) {
          if (!nr_account) break failed;
          break;
        }
        nr_account++;
        this.prep_new_page(page, 0, gfp, ALLOC_DEFAULT);
        this.set_page_refcounted(page);
        page_array[nr_populated++] = page;
      }
      this.count_vm_events(PGALLOC_BASE + zone.idx, nr_account);
      return nr_populated;
    }
    const page = this.__alloc_pages_noprof(gfp, 0, preferred_nid, ALLOC_DEFAULT);
    if (page >= 0) page_array[nr_populated++] = page;
    return nr_populated;
  }

  // ---- the dma-buf memory provider (net/core/devmem.c) -------------------------------------------

  /**
   * net_devmem_bind_dmabuf() plus the queue binding: a dma-buf of size
   * bytes becomes one chunk of PAGE_SIZE net_iovs (net_iov_init: owner and
   * type; kvmalloc does not clear the rest), installed as the memory
   * provider of the NIC's receive queue. Returns the binding or -errno.
   */
  net_devmem_bind_dmabuf(size: number): NetDevmemDmabufBinding | number {
    if (size <= 0 || size % PAGE_SIZE) return -EINVAL;
    const num = size / PAGE_SIZE;
    if (this.devmemBindings.length >= MAX_DEVMEM_BINDINGS || this.niovsBound + num > MAX_NET_IOVS) return -ENOMEM;
    const niovSize = this.layout('net_iov').size;
    if (this.niovBase < 0) this.niovBase = this.kdataAlloc(MAX_NET_IOVS * niovSize);
    const area = this.kdataAlloc(this.layout('net_iov_area').size);
    const first = this.niovBase + (this.niovsBound * niovSize) / 4;
    this.niovsBound += num;
    const id = this.devmemBindings.length + 1;
    const b = new NetDevmemDmabufBinding(id, area, first, num, 0x80000000 + id * 2 ** 24);
    const A = wordMap(this.layout('net_iov_area'));
    this.storeAddrOf(area + A['niovs']!, first);
    this.m32[area + A['num_niovs']!] = num;
    for (let i = 0; i < num; i++) {
      const niov = first + (i * niovSize) / 4;
      this.net_iov_init(niov, area, NET_IOV_DMABUF);
      this.page_pool_set_dma_addr_netmem(this.net_iov_to_netmem(niov), b.base_dma_addr + i * PAGE_SIZE);
    }
    this.devmemBindings.push(b);
    this.rxq_mp_priv = b;
    return b;
  }

  /** net_iov_init(): owner and type only. */
  net_iov_init(niov: number, owner: number, type: number): void {
    this.storeAddrOf(niov + this.NI['owner']!, owner);
    this.m32[niov + this.NI['type']!] = type;
  }

  /** net_iov_idx() of a net_iov word. */
  net_iov_idx(b: NetDevmemDmabufBinding, niov: number): number {
    return ((niov - b.niovWord) * 4) / this.layout('net_iov').size;
  }

  /** net_devmem_alloc_dmabuf(): the first free chunk (gen_pool first fit), with pp_magic, pp and pp_ref_count cleared. */
  net_devmem_alloc_dmabuf(b: NetDevmemDmabufBinding): number {
    let i = 0;
    while (i < b.num_niovs && b.used[i]) i++;
    if (i >= b.num_niovs) return -1;
    b.used[i] = 1;
    const niov = b.niovWord + (i * this.layout('net_iov').size) / 4;
    const netmem = this.net_iov_to_netmem(niov);
    const d = this.netmem_to_nmdesc(netmem);
    this.m32.fill(0, d + this.W_pp_magic, d + this.W_pp_magic + 2);
    this.m32.fill(0, d + this.W_pp, d + this.W_pp + 2);
    this.setPpRefCount(netmem, 0);
    return niov;
  }

  net_devmem_free_dmabuf(niov: number): void {
    const b = this.devmemBindings.find((x) => niov >= x.niovWord && niov < x.niovWord + (x.num_niovs * this.layout('net_iov').size) / 4);
    if (b !== undefined) b.used[this.net_iov_idx(b, niov)] = 0;
  }

  mp_dmabuf_devmem_init(pool: PagePoolStruct): number {
    if (pool.mp_priv === null) return -EINVAL;
    pool.dma_sync = false;
    pool.dma_sync_for_cpu = false;
    // Each net_iov is one page: the pool must be order 0.
    if (pool.p.order !== 0) return -ERRNO.get('E2BIG')!;
    return 0;
  }

  mp_dmabuf_devmem_alloc_netmems(pool: PagePoolStruct, gfp: number): number {
    void gfp;
    const niov = this.net_devmem_alloc_dmabuf(pool.mp_priv!);
    if (niov < 0) return 0;
    const netmem = this.net_iov_to_netmem(niov);
    this.page_pool_set_pp_info(pool, netmem);
    pool.pages_state_hold_cnt = (pool.pages_state_hold_cnt + 1) >>> 0;
    return netmem;
  }

  mp_dmabuf_devmem_destroy(pool: PagePoolStruct): void {
    void pool;
  }

  /** mp_dmabuf_devmem_release_page(): the net_iov goes back to the dma-buf's gen_pool; never put_page(). */
  mp_dmabuf_devmem_release_page(pool: PagePoolStruct, netmem: number): boolean {
    void pool;
    if (this.WARN_ON_ONCE(!this.netmem_is_net_iov(netmem), S.mp_release_iov)) return false;
    if (this.WARN_ON_ONCE(this.netmem_get_pp_ref_count(netmem) !== 1, S.mp_release_ref)) return false;
    this.page_pool_clear_pp_info(netmem);
    this.net_devmem_free_dmabuf(this.netmem_to_net_iov(netmem));
    return false;
  }
}

/** The physical address of a page, as dma-direct maps it. */
export function pageDmaAddr(pfn: number): number {
  return pfn * 2 ** PAGE_SHIFT;
}
