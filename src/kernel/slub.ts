/**
 * mm/slub.c and mm/slab_common.c: the slab allocator, with struct slab
 * overlaying the head page of each slab (mm/slab.h) and objects living in
 * the slab's simulated page contents at direct-map addresses.
 *
 * What is modelled, byte for byte: struct slab in the head page
 * (slab_cache, slab_list on the node's partial list, freelist, counters
 * inuse/objects/frozen), PGTY_slab on the head page, the free pointer
 * stored inside each free object at `s->offset` (middle of the object, as
 * SLUB places it when the cache has no constructor and no RCU freeing), and
 * the slab pages coming from and returning to the page allocator as frozen
 * pages (refcount 0; slab has used frozen pages since v6.15).
 *
 * What is not: the per-CPU slabs, per-CPU partial lists and sheaves. Every
 * allocation takes the first slab of the node partial list, every free goes
 * straight back to its slab; a slab that becomes empty is discarded once the
 * node keeps `min_partial` partial slabs, as SLUB's slow path does. The free
 * pointer is stored unobfuscated (CONFIG_SLAB_FREELIST_HARDENED's XOR with a
 * random value would only hide the pointers in dumps). NR_SLAB_*_B are kept
 * in pages, the unit /proc prints.
 *
 * Checks (CONFIG_SLAB_FREELIST_HARDENED=y, as distributions build): the
 * naive double-free detection in set_freepointer(), and kmem_cache_free()'s
 * refusal of an object that is not in a slab page or belongs to another
 * cache (warn_free_bad_obj(): warned once, the object leaks).
 *
 * Follows the linux-mm 7.3.0-rc5 tree for struct slab, frozen slab pages
 * and the freelist built at allocation, but not its sheaves: that tree
 * gives every cache per-CPU sheaves, and pagesim's caches behave as ones
 * with sheaf_capacity 0. docs/fidelity.md says why and what it changes
 * (a double free in a row BUGs here; with sheaves it lands in the sheaf).
 */

import { PAGE_ALLOC_COSTLY_ORDER, PAGE_SHIFT, PAGE_SIZE } from './config.js';
import { __GFP_COMP, __GFP_NOWARN, __GFP_ZERO } from './gfp.js';
import { PGTY_slab } from './page-flags.js';
import { MmInit } from './mm_init.js';
import { NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B } from './vmstat.js';
import { PAGE_OFFSET_HI } from './machine.js';
import { wordMap, type WordMap } from '../layout/accessors.js';
import { declareSymbols } from './symbols.js';
import type { Site } from '../report/report.js';
import { hashPointer } from './vsprintf.js';

declareSymbols('mm/slub.c', [
  'kmem_cache_alloc_noprof',
  'kmem_cache_free',
  'slab_alloc_node',
  '___slab_alloc',
  'new_slab',
  'allocate_slab',
  'alloc_slab_page',
  'discard_slab',
  'free_slab',
  '__free_slab',
  'do_slab_free',
  '__slab_free',
  'warn_free_bad_obj',
]);
declareSymbols('mm/slub.c', ['set_freepointer'], true);
declareSymbols('mm/slab_common.c', ['__kmem_cache_create_args', 'kmem_cache_destroy', 'slab_show']);

const SLUB_C = 'mm/slub.c';
// mm/slub.c lines of the linux-mm 7.3.0-rc5 tree.
const S = {
  set_freepointer: { fn: 'set_freepointer', file: SLUB_C, line: 573, cond: 'object == fp' },
  notSlab: { fn: 'warn_free_bad_obj', file: SLUB_C, line: 6592, cond: '!slab' },
  wrongCache: { fn: 'warn_free_bad_obj', file: SLUB_C, line: 6599, cond: 'cachep != s' },
} satisfies Record<string, Site>;

/** SLAB_RECLAIM_ACCOUNT: the cache's pages count as reclaimable slab. */
export const SLAB_RECLAIM_ACCOUNT = 0x00020000;
/** SLAB_HWCACHE_ALIGN: align objects to a cache line. */
export const SLAB_HWCACHE_ALIGN = 0x00002000;

const MIN_PARTIAL = 5;
const MAX_PARTIAL = 10;
const CACHE_LINE = 64;
/** Objects per slab are kept in a 15-bit field (MAX_OBJS_PER_PAGE). */
const MAX_OBJS_PER_PAGE = 32767;
/** How many caches a machine may create (a limit on everything). */
export const MAX_KMEM_CACHES = 256;

/** The bookkeeping of one kmem_cache; its identity is the kernel-data block `word` (struct kmem_cache). */
export class KmemCache {
  nr_partial = 0;
  nr_slabs = 0;
  total_objects = 0;
  inuse_objects = 0;
  destroyed = false;
  constructor(
    readonly name: string,
    /** The size the caller asked for. */
    readonly object_size: number,
    /** Bytes from one object to the next. */
    readonly size: number,
    readonly align: number,
    /** Byte offset of the free pointer inside a free object. */
    readonly offset: number,
    readonly order: number,
    /** Objects per slab. */
    readonly objects: number,
    readonly min_partial: number,
    readonly flags: number,
    /** First word of struct kmem_cache in kernel data. */
    readonly word: number,
    /** Word of the node's partial list head (kmem_cache_node.partial). */
    readonly partialWord: number,
  ) {}
}

function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

function get_order(size: number): number {
  let order = 0;
  while (PAGE_SIZE << order < size) order++;
  return order;
}

export abstract class Slub extends MmInit {
  /** Caches by the word of their struct kmem_cache (what slab->slab_cache points at). */
  readonly kmemCaches = new Map<number, KmemCache>();
  /** slab_caches: in creation order, as /proc/slabinfo lists them (newest first). */
  readonly slabCaches: KmemCache[] = [];
  /** Caches holding memory descriptors allocated apart from struct page (a memdesc design's ptdescs, ...). */
  readonly descriptorCaches = new Set<string>();
  protected SL: WordMap = wordMap(this.layout('slab'));
  readonly WS_slab_cache = this.SL['slab_cache']!;
  readonly WS_slab_list = this.SL['slab_list.next']!;
  readonly WS_freelist = this.SL['freelist']!;
  readonly WS_counters = this.SL['counters']!;

  // ---- addresses of simulated memory ----------------------------------

  /** Physical address of a kernel-data or content word. */
  physOfWordAddr(w: number): number {
    return (this.addrHi(w) - PAGE_OFFSET_HI) * 2 ** 32 + this.addrLo(w);
  }

  /** virt_to_page(): the pfn whose memory holds content word `w`. */
  virt_to_pfn(w: number): number {
    return Math.floor(this.physOfWordAddr(w) / PAGE_SIZE);
  }

  /** The word `bytes` after word `w` in the direct map (crossing into the next pfn's contents if needed). */
  wordAt(pfn: number, byteOffset: number): number {
    return this.pageContentsWord(pfn + (byteOffset >>> PAGE_SHIFT)) + ((byteOffset & (PAGE_SIZE - 1)) >>> 2);
  }

  /** Whether the 8-byte value at word w is NULL. */
  isNull(w: number): boolean {
    return this.m32[w] === 0 && this.m32[w + 1] === 0;
  }

  setNull(w: number): void {
    this.m32[w] = 0;
    this.m32[w + 1] = 0;
  }

  // ---- struct slab views of a head page -------------------------------

  slabWord(slab: number, w: number): number {
    return slab * this.PW + w;
  }

  slab_inuse(slab: number): number {
    return this.m32[this.slabWord(slab, this.WS_counters)]! & 0xffff;
  }

  slab_objects(slab: number): number {
    return (this.m32[this.slabWord(slab, this.WS_counters)]! >>> 16) & 0x7fff;
  }

  protected set_slab_counters(slab: number, inuse: number, objects: number, frozen: number): void {
    this.m32[this.slabWord(slab, this.WS_counters)] = ((inuse & 0xffff) | ((objects & 0x7fff) << 16) | ((frozen & 1) << 31)) >>> 0;
  }

  /** slab->slab_cache as a cache, or null when the word does not point at one. */
  slab_cache(slab: number): KmemCache | null {
    const w = this.slabWord(slab, this.WS_slab_cache);
    const target = this.wordOfAddr(this.m32[w + 1]!, this.m32[w]!);
    return this.kmemCaches.get(target) ?? null;
  }

  /** virt_to_slab(): the slab of the folio holding `w`, or -1 when that folio is not a slab. */
  virt_to_slab(w: number): number {
    const folio = this.page_folio(this.virt_to_pfn(w));
    return this.folio_test_slab(folio) ? folio : -1;
  }

  // ---- caches -----------------------------------------------------------

  /** calculate_order(): the smallest order holding enough objects with little waste. */
  calculate_order(size: number): number {
    const min_objects = 4 * (fls(this.cpus) + 1);
    const min_order = Math.min(PAGE_ALLOC_COSTLY_ORDER, get_order(min_objects * size));
    for (const fract_leftover of [16, 8, 4]) {
      for (let order = min_order; order <= PAGE_ALLOC_COSTLY_ORDER; order++) {
        const slab_size = PAGE_SIZE << order;
        if (slab_size % size <= slab_size / fract_leftover) return order;
      }
    }
    return get_order(size);
  }

  /** calculate_alignment(): SLAB_HWCACHE_ALIGN aligns to a cache line, or a fraction of one for small objects. */
  calculate_alignment(flags: number, size: number): number {
    if (!(flags & SLAB_HWCACHE_ALIGN)) return 0;
    let ralign = CACHE_LINE;
    while (size <= ralign / 2) ralign /= 2;
    return ralign;
  }

  /** kmem_cache_create(name, size, align, flags): a cache with its node partial list in kernel data. */
  kmem_cache_create(name: string, size: number, align: number, flags = 0): KmemCache {
    return this.__kmem_cache_create_args(name, size, align, flags);
  }

  __kmem_cache_create_args(name: string, size: number, align: number, flags: number): KmemCache {
    if (this.slabCaches.length >= MAX_KMEM_CACHES) throw new RangeError(`more than ${MAX_KMEM_CACHES} kmem caches`);
    const a = Math.max(8, align, this.calculate_alignment(flags, size));
    const stride = Math.ceil(Math.max(size, 8) / a) * a;
    const offset = Math.floor(size / 2 / 8) * 8;
    const order = this.calculate_order(stride);
    const objects = Math.min(MAX_OBJS_PER_PAGE, Math.floor((PAGE_SIZE << order) / stride));
    const min_partial = Math.min(MAX_PARTIAL, Math.max(MIN_PARTIAL, Math.floor(Math.log2(stride) / 2)));
    // struct kmem_cache (its first bytes) followed by one kmem_cache_node: the partial list head.
    const word = this.kdataAlloc(64);
    const partialWord = word + 8;
    this.INIT_LIST_HEAD(partialWord);
    const s = new KmemCache(name, size, stride, a, offset, order, objects, min_partial, flags, word, partialWord);
    this.kmemCaches.set(word, s);
    this.slabCaches.push(s);
    return s;
  }

  /** kmem_cache_destroy(): empty partial slabs are released; a cache with live objects leaks them (the kernel WARNs). */
  kmem_cache_destroy(s: KmemCache): void {
    for (let w = this.list_first(s.partialWord); w >= 0; w = this.list_first(s.partialWord)) {
      const slab = this.pfnOfWord(w);
      this.remove_partial(s, slab);
      this.discard_slab(s, slab);
    }
    s.destroyed = true;
    this.slabCaches.splice(this.slabCaches.indexOf(s), 1);
  }

  // ---- slabs --------------------------------------------------------------

  /** alloc_slab_page(): frozen pages, compound when more than one. */
  alloc_slab_page(flags: number, order: number): number {
    return this.alloc_frozen_pages(flags | (order > 0 ? __GFP_COMP : 0), order);
  }

  /** allocate_slab(): a new slab with every object on its freelist, in address order. */
  allocate_slab(s: KmemCache, flags: number): number {
    const slab = this.alloc_slab_page(flags & ~__GFP_ZERO, s.order);
    if (slab < 0) return -1;
    this.set_slab_counters(slab, 0, s.objects, 0);
    this.storeAddrOf(this.slabWord(slab, this.WS_slab_cache), s.word);
    this.__SetPageType(slab, PGTY_slab);
    this.account_slab(slab, s.order, s, 1);
    let prev = this.slabWord(slab, this.WS_freelist);
    for (let i = 0; i < s.objects; i++) {
      const obj = this.wordAt(slab, i * s.size);
      this.storeAddrOf(prev, obj);
      prev = this.wordAt(slab, i * s.size + s.offset);
    }
    this.setNull(prev);
    s.nr_slabs++;
    s.total_objects += s.objects;
    return slab;
  }

  new_slab(s: KmemCache, flags: number): number {
    return this.allocate_slab(s, flags);
  }

  account_slab(slab: number, order: number, s: KmemCache, sign: 1 | -1): void {
    const item = s.flags & SLAB_RECLAIM_ACCOUNT ? NR_SLAB_RECLAIMABLE_B : NR_SLAB_UNRECLAIMABLE_B;
    this.mod_node_page_state(this.page_to_nid(slab), item, sign * (1 << order));
  }

  /** __free_slab(): the page forgets it was a slab and goes back to the page allocator. */
  __free_slab(s: KmemCache, slab: number): void {
    const order = s.order;
    this.setNull(this.slabWord(slab, this.W_mapping));
    this.__ClearPageType(slab, PGTY_slab);
    this.account_slab(slab, order, s, -1);
    this.free_frozen_pages(slab, order);
  }

  free_slab(s: KmemCache, slab: number): void {
    this.__free_slab(s, slab);
  }

  discard_slab(s: KmemCache, slab: number): void {
    s.nr_slabs--;
    s.total_objects -= this.slab_objects(slab);
    this.free_slab(s, slab);
  }

  add_partial(s: KmemCache, slab: number): void {
    s.nr_partial++;
    this.list_add(this.slabWord(slab, this.WS_slab_list), s.partialWord);
  }

  remove_partial(s: KmemCache, slab: number): void {
    this.list_del(this.slabWord(slab, this.WS_slab_list));
    s.nr_partial--;
  }

  // ---- objects ------------------------------------------------------------

  get_freepointer(s: KmemCache, object: number): number {
    const w = this.objectField(object, s.offset);
    return this.isNull(w) ? -1 : this.derefWord(w);
  }

  /** set_freepointer(): with CONFIG_SLAB_FREELIST_HARDENED, freeing the object that heads the freelist is a BUG. */
  set_freepointer(s: KmemCache, object: number, fp: number): void {
    if (object === fp) this.BUG(S.set_freepointer, null, [], `BUG_ON(${S.set_freepointer.cond})`);
    const w = this.objectField(object, s.offset);
    if (fp < 0) this.setNull(w);
    else this.storeAddrOf(w, fp);
  }

  /** The word `off` bytes into an object (objects may straddle pages of an order > 0 slab). */
  objectField(object: number, off: number): number {
    const first = object + (off >>> 2);
    if (((this.addrLo(object) & (PAGE_SIZE - 1)) + off) < PAGE_SIZE) return first;
    const pfn = this.virt_to_pfn(object);
    return this.wordAt(pfn, (this.addrLo(object) & (PAGE_SIZE - 1)) + off);
  }

  /** kmem_cache_alloc(): an object from the first partial slab, or from a new slab. */
  kmem_cache_alloc(s: KmemCache, gfpflags: number): number {
    return this.kmem_cache_alloc_noprof(s, gfpflags);
  }

  kmem_cache_alloc_noprof(s: KmemCache, gfpflags: number): number {
    return this.slab_alloc_node(s, gfpflags);
  }

  slab_alloc_node(s: KmemCache, gfpflags: number): number {
    const w = this.list_first(s.partialWord);
    let slab: number;
    if (w < 0) {
      slab = this.new_slab(s, gfpflags | __GFP_NOWARN);
      if (slab < 0) return -1;
      this.add_partial(s, slab);
    } else {
      slab = this.pfnOfWord(w);
    }
    const fw = this.slabWord(slab, this.WS_freelist);
    const object = this.derefWord(fw);
    const next = this.get_freepointer(s, object);
    if (next < 0) this.setNull(fw);
    else this.storeAddrOf(fw, next);
    const inuse = this.slab_inuse(slab) + 1;
    this.set_slab_counters(slab, inuse, this.slab_objects(slab), 0);
    s.inuse_objects++;
    // A full slab leaves the partial list (SLUB tracks full slabs only with debugging on).
    if (next < 0) this.remove_partial(s, slab);
    if (gfpflags & __GFP_ZERO) this.zeroObject(s, object);
    return object;
  }

  protected zeroObject(s: KmemCache, object: number): void {
    for (let off = 0; off < s.object_size; off += 4) this.m32[this.objectField(object, off)] = 0;
  }

  /** warn_free_bad_obj(): why kmem_cache_free() refuses x (once per kind); the object is leaked. */
  warn_free_bad_obj(s: KmemCache, x: number, slab: number): void {
    const p = hashPointer(this.kaddr(x));
    if (slab < 0) {
      this.WARN_ONCE(true, S.notSlab, () => `kmem_cache_free(${s.name}, ${p}): object is not in a slab page`);
      return;
    }
    const cachep = this.slab_cache(slab);
    this.WARN_ONCE(cachep !== s, S.wrongCache, () => `kmem_cache_free(${s.name}, ${p}): object belongs to different cache ${cachep?.name ?? '(NULL)'}`);
  }

  /** kmem_cache_free(): hardened kernels check the object's slab belongs to s. */
  kmem_cache_free(s: KmemCache, x: number): void {
    const slab = this.virt_to_slab(x);
    if (slab < 0 || this.slab_cache(slab) !== s) {
      this.warn_free_bad_obj(s, x, slab);
      return;
    }
    this.do_slab_free(s, slab, x);
  }

  do_slab_free(s: KmemCache, slab: number, object: number): void {
    this.__slab_free(s, slab, object);
  }

  __slab_free(s: KmemCache, slab: number, object: number): void {
    const fw = this.slabWord(slab, this.WS_freelist);
    const head = this.isNull(fw) ? -1 : this.derefWord(fw);
    this.set_freepointer(s, object, head);
    this.storeAddrOf(fw, object);
    const inuse = this.slab_inuse(slab) - 1;
    this.set_slab_counters(slab, inuse, this.slab_objects(slab), 0);
    s.inuse_objects--;
    if (head < 0) this.add_partial(s, slab);
    if (inuse === 0 && s.nr_partial > s.min_partial) {
      this.remove_partial(s, slab);
      this.discard_slab(s, slab);
    }
  }

  // ---- /proc/slabinfo -----------------------------------------------------

  /** The rows /proc/slabinfo prints: SLUB reports every slab active and counts free objects on partial slabs. */
  slabinfoRows(): { name: string; active_objs: number; num_objs: number; objsize: number; objperslab: number; pagesperslab: number; active_slabs: number; num_slabs: number }[] {
    return [...this.slabCaches].reverse().map((s) => ({
      name: s.name,
      active_objs: s.inuse_objects,
      num_objs: s.total_objects,
      objsize: s.size,
      objperslab: s.objects,
      pagesperslab: 1 << s.order,
      active_slabs: s.nr_slabs,
      num_slabs: s.nr_slabs,
    }));
  }
}

