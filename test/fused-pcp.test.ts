/**
 * The fused order-0 per-CPU paths (PageAlloc.allocPcp0 and freePcp0, and
 * their common cases alone, PcpHot.alloc0 and free0, tried first) leave
 * the machine as the chain of kernel functions does, byte for byte: random
 * sequences of allocations (every order the pcp lists hold, and others),
 * frees, extra references, anonymous mappings left for the free to clear,
 * misuse (double frees, a flag left set, an isolated pageblock, a free
 * buddy damaged where the merge reads it, a link of the per-CPU list
 * damaged, a zone flag set, every mask), drains, the per-CPU lists
 * disabled and enabled (zone_pcp_disable(): every page through the buddy
 * lists) and CPU switches run on two baseline machines, one that takes the fused paths
 * and one that cannot (its class overrides a helper they read inline), and
 * the memory, pageblock types, zones, per-CPU lists, event counters,
 * reports and console must agree after every few operations and at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Kernel } from '../src/kernel/kernel.js';
import { assertSameMemory, fusedAndCalls, togglePcpLists } from './helpers/fused.js';
import { KernelBug } from '../src/report/report.js';
import { GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT, __GFP_COMP, __GFP_THISNODE, __GFP_ZERO, GFP_DMA32, __GFP_DMA, __GFP_MOVABLE, __GFP_RECLAIMABLE } from '../src/kernel/gfp.js';
import { PG_active, PG_head, PG_mlocked } from '../src/kernel/page-flags.js';

// (With __GFP_DMA the zonelist's first zone is above the mask's highest; with both mobility bits the
// migratetype is MIGRATE_HIGHATOMIC's number, which no per-CPU list of order 0 holds.)
const GFPS = [GFP_KERNEL, GFP_KERNEL | __GFP_ZERO, GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP, GFP_ATOMIC, GFP_NOWAIT, GFP_KERNEL | __GFP_THISNODE, GFP_KERNEL | GFP_DMA32, GFP_KERNEL | __GFP_DMA, GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE];
const ORDERS = [0, 0, 0, 0, 1, 3, 9];

type Op =
  | { readonly op: 'alloc'; readonly gfp: number; readonly order: number; readonly n: number }
  | { readonly op: 'free'; readonly i: number; readonly n: number }
  | { readonly op: 'getput'; readonly i: number }
  | { readonly op: 'doublefree'; readonly i: number }
  | { readonly op: 'flag'; readonly i: number }
  | { readonly op: 'anon'; readonly i: number }
  | { readonly op: 'isolate'; readonly i: number }
  | { readonly op: 'drain' }
  | { readonly op: 'pcpoff' }
  | { readonly op: 'freelist'; readonly how: 'flag' | 'type' | 'next' | 'prev' | 'mapping' }
  | { readonly op: 'buddy'; readonly i: number; readonly bit: number; readonly how: 'ref' | 'guard' | 'next' | 'prev' | 'order' }
  | { readonly op: 'cpu'; readonly cpu: number }
  | { readonly op: 'word'; readonly i: number; readonly how: Word }
  | { readonly op: 'pcpword'; readonly how: Word }
  | { readonly op: 'link'; readonly how: Link; readonly free: boolean }
  | { readonly op: 'zoneflag'; readonly flag: number }
  | { readonly op: 'zonefield'; readonly field: 'highatomic' | 'lowmem' }
  | { readonly op: 'badfree'; readonly pfn: 'fraction' | 'past' };

/**
 * A link of the per-CPU list the order-0 pair reads, set to what the checks must refuse: the head's
 * first link misaligned, past the memmap, into the middle of a struct page or at another list's head;
 * its first entry's next or prev misaligned, at another head, or at a page that does not link back;
 * or the first entry freed again with a reference put back (list_add()'s double add).
 */
type Link = 'misaligned' | 'pastmemmap' | 'midpage' | 'kdata' | 'nextbad' | 'nextkdata' | 'nextother' | 'prevbad' | 'prevkdata' | 'prevother' | 'refree';
const LINKS: readonly Link[] = ['misaligned', 'pastmemmap', 'midpage', 'kdata', 'nextbad', 'nextkdata', 'nextother', 'prevbad', 'prevkdata', 'prevother', 'refree'];

/** The order-0 common cases (PcpHot.alloc0(), free0()) each machine's spies saw succeed. */
const taken = { alloc: 0, free: 0 };

/** A word of a struct page the order-0 checks read, set to what they must refuse. */
type Word = 'mapping' | 'mappinghi' | 'memcg' | 'memcghi' | 'pp' | 'mapcount' | 'type' | 'active' | 'head' | 'mlocked' | 'ref' | 'tail';
const WORDS: readonly Word[] = ['mapping', 'mappinghi', 'memcg', 'memcghi', 'pp', 'mapcount', 'type', 'active', 'head', 'mlocked', 'ref', 'tail'];

function damage(k: Kernel, page: number, how: Word): void {
  const w = page * k.PW;
  if (how === 'mapping') k.m32[w + k.W_mapping] = 0x40;
  else if (how === 'mappinghi') k.m32[w + k.W_mapping + 1] = 0xffff8880;
  else if (how === 'memcg') k.m32[w + k.W_memcg_data] = 0x2000;
  else if (how === 'memcghi') k.m32[w + k.W_memcg_data + 1] = 0xffff8880;
  else if (how === 'mapcount') k.i32[w + k.W_mapcount] = 0;
  else if (how === 'type') k.m32[w + k.W_page_type] = 0xf2000000;
  else if (how === 'active' || how === 'head' || how === 'mlocked') {
    const bit = how === 'active' ? PG_active : how === 'head' ? PG_head : PG_mlocked;
    k.m32[w + k.W_flags] = (k.m32[w + k.W_flags]! | (1 << bit)) >>> 0;
  } else if (how === 'ref') k.i32[w + k.W_refcount] = k.i32[w + k.W_refcount]! + 1;
  else if (how === 'tail') {
    // compound_head: the struct page before, with the tail bit.
    k.m32[w + k.W_compound_head] = ((page - 1) * k.PW * 4 + 1) >>> 0;
    k.m32[w + k.W_compound_head + 1] = 0xffffea00;
  } else {
    // page_pool's signature in pp_magic (lru.next), with a DMA index in the bits PP_MAGIC_MASK hides.
    k.m32[w + k.W_lru] = 0x40 | (5 << 7);
    k.m32[w + k.W_lru + 1] = 0xdead0000;
  }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('alloc' as const), gfp: fc.constantFrom(...GFPS), order: fc.constantFrom(...ORDERS), n: fc.constantFrom(1, 1, 1, 40, 400) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('free' as const), i: fc.nat(), n: fc.constantFrom(1, 1, 1, 40, 400) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('getput' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('doublefree' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flag' as const), i: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('anon' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('isolate' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drain' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pcpoff' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('freelist' as const), how: fc.constantFrom('flag' as const, 'type' as const, 'next' as const, 'prev' as const, 'mapping' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('buddy' as const), i: fc.nat(), bit: fc.nat({ max: 9 }), how: fc.constantFrom('ref' as const, 'guard' as const, 'next' as const, 'prev' as const, 'order' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cpu' as const), cpu: fc.constantFrom(0, 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('word' as const), i: fc.nat(), how: fc.constantFrom(...WORDS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pcpword' as const), how: fc.constantFrom(...WORDS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('link' as const), how: fc.constantFrom(...LINKS), free: fc.boolean() }) },
);

function machines(): { fused: Kernel; calls: Kernel } {
  // Overriding one helper the fused paths read inline sends this machine through the calls.
  const { fused, calls } = fusedAndCalls('list_first', { memoryBytes: 64 * 2 ** 20, cpus: 2, nodes: 1 });
  const on = (k: Kernel): boolean => (k as unknown as { fusedPcp(): boolean }).fusedPcp();
  assert.equal(on(fused), true, 'the baseline machine takes the fused paths');
  assert.equal(on(calls), false, 'a machine whose class overrides a helper does not');
  const buddy = (k: Kernel): boolean => (k as unknown as { pcpHot: { buddy: boolean } }).pcpHot.buddy;
  assert.equal(buddy(fused), true, 'the baseline machine frees through a disabled per-CPU list without the calls');
  assert.equal(buddy(calls), false, 'the other makes them');
  // Spies counting the common cases the fused machine takes without going on to allocPcp0() or freePcp0().
  const hot = (fused as unknown as { pcpHot: { alloc0(gfp: number, cpu: number): number; free0(pfn: number, ref: number, cpu: number): boolean } }).pcpHot;
  const alloc0 = hot.alloc0;
  const free0 = hot.free0;
  hot.alloc0 = function (gfp, cpu) {
    const page = alloc0.call(this, gfp, cpu);
    if (page >= 0) taken.alloc++;
    return page;
  };
  hot.free0 = function (pfn, ref, cpu) {
    const done = free0.call(this, pfn, ref, cpu);
    if (done) taken.free++;
    return done;
  };
  return { fused, calls };
}

function state(k: Kernel): unknown {
  return {
    zones: k.zones.map((z) => ({
      flags: z.flags,
      stat: [...z.vm_stat],
      highatomic: [z.nr_free_highatomic, z.nr_reserved_highatomic],
      pcp: z.pcp.map((p) => [p.count, p.high, p.high_min, p.high_max, p.batch, p.flags, p.alloc_factor, p.free_count]),
    })),
    events: [...k.vm_events],
    pageblocks: Array.from(k.pageblockFlags),
    reports: k.reports.map((r) => [r.kind, r.function, r.message, r.text]),
    console: [...k.console],
  };
}

function assertSame(a: Kernel, b: Kernel, what: string): void {
  assertSameMemory(a, b, what);
  assert.deepEqual(state(a), state(b), what);
}

/** Runs one operation; a BUG ends the run (as it ends a scenario): returns its message. */
function apply(k: Kernel, held: [number, number][], o: Op): string | null {
  const pick = (i: number): [number, number] | undefined => (held.length === 0 ? undefined : held[i % held.length]);
  try {
    switch (o.op) {
      case 'alloc':
        for (let j = 0; j < o.n; j++) {
          const page = k.alloc_pages(o.gfp, o.order);
          if (page >= 0) held.push([page, o.order]);
        }
        break;
      case 'free':
        for (let j = 0; j < o.n && held.length > 0; j++) {
          const [page, order] = held.splice((o.i + j) % held.length, 1)[0]!;
          k.__free_pages(page, order);
        }
        break;
      case 'getput': {
        const h = pick(o.i);
        if (h !== undefined) {
          k.page_ref_inc(h[0]);
          k.__free_pages(h[0], h[1]);
        }
        break;
      }
      case 'doublefree': {
        const h = pick(o.i);
        if (h !== undefined) {
          held.splice(held.indexOf(h), 1);
          k.__free_pages(h[0], h[1]);
          k.__free_pages(h[0], h[1]);
        }
        break;
      }
      case 'flag': {
        const h = pick(o.i);
        if (h !== undefined) k.m32[h[0] * k.PW + k.W_flags] = (k.m32[h[0] * k.PW + k.W_flags]! | (1 << PG_active)) >>> 0;
        break;
      }
      case 'anon': {
        // PAGE_MAPPING_ANON: an anon_vma's address with the low bit set, as a mapped anonymous folio has.
        const h = pick(o.i);
        if (h !== undefined) {
          k.m32[h[0] * k.PW + k.W_mapping] = 0x1230c1;
          k.m32[h[0] * k.PW + k.W_mapping + 1] = 0xffff8880;
        }
        break;
      }
      case 'isolate': {
        const h = pick(o.i);
        if (h !== undefined) k.set_pageblock_isolate(h[0], !k.get_pageblock_isolate(h[0]));
        break;
      }
      case 'drain':
        k.drain_all_pages(null);
        break;
      case 'pcpoff':
        togglePcpLists(k);
        break;
      case 'freelist': {
        // The block the next GFP_KERNEL allocation takes from the buddy lists (the first on the
        // smallest non-empty list of its zone and type), damaged where that
        // allocation reads it; then the allocation.
        const a = k.alloc_pages(GFP_KERNEL, 0);
        if (a < 0) break;
        held.push([a, 0]);
        const z = k.page_zone(a);
        const mt = k.get_pageblock_migratetype(a);
        for (let order = 0; order <= 10; order++) {
          const head = z.freeList(order, mt);
          // An empty list's head points at itself, in kernel data (not at a struct page's lru).
          if (k.i32[head + 1] !== (0xffffea00 | 0)) continue;
          const first = k.i32[head]! >>> 2;
          const w = first - k.W_lru;
          if (o.how === 'flag') k.m32[w + k.W_flags] = (k.m32[w + k.W_flags]! | (1 << PG_active)) >>> 0;
          else if (o.how === 'type') k.m32[w + k.W_page_type] = 0xf5000000;
          else if (o.how === 'mapping') k.m32[w + k.W_mapping] = 0x40;
          else k.i32[first + (o.how === 'next' ? 0 : 2)] = (first + 64 * k.PW) * 4;
          break;
        }
        const b = k.alloc_pages(GFP_KERNEL, 0);
        if (b >= 0) held.push([b, 0]);
        break;
      }
      case 'buddy': {
        // Two pages allocated and the first freed (with the lists disabled, usually the second's
        // buddy); the last free block (up to order `bit`) the second's free would merge with,
        // or that of a held page, damaged where the merge reads it; then the page is freed.
        const a = k.alloc_pages(GFP_KERNEL, 0);
        const second = k.alloc_pages(GFP_KERNEL, 0);
        if (a >= 0) k.__free_pages(a, 0);
        if (second >= 0) held.push([second, 0]);
        const h = o.i % 2 === 0 && second >= 0 ? held[held.length - 1]! : pick(o.i);
        if (h === undefined) break;
        const buddyAt = (order: number): number => (h[0] & -(1 << order)) ^ (1 << order);
        const free = (b: number): boolean => b < k.nr_pages && k.m32[b * k.PW + k.W_page_type]! >>> 24 === 0xf0;
        let order = -1;
        while (order < o.bit && free(buddyAt(order + 1))) order++;
        if (order >= 0) {
          const w = buddyAt(order) * k.PW;
          if (o.how === 'ref') k.i32[w + k.W_refcount] = 1;
          else if (o.how === 'guard') k.m32[w + k.W_page_type] = 0xf3000000;
          else if (o.how === 'order') k.i32[w + k.W_private] = k.i32[w + k.W_private]! + 1;
          else k.i32[w + k.W_lru + (o.how === 'next' ? 0 : 2)] = (h[0] * k.PW + k.W_lru) * 4;
        }
        held.splice(held.indexOf(h), 1);
        k.__free_pages(h[0], h[1]);
        break;
      }
      case 'cpu':
        k.current.cpu = o.cpu;
        break;
      case 'word': {
        // A held page's word damaged, then the page freed (the free checks must refuse it).
        const h = pick(o.i);
        if (h === undefined) break;
        damage(k, h[0], o.how);
        held.splice(held.indexOf(h), 1);
        k.__free_pages(h[0], h[1]);
        break;
      }
      case 'pcpword': {
        // A page freed onto the per-CPU list (or, disabled, the buddy lists), damaged there, and the
        // next allocation (the list's first page, LIFO) made: the allocation's checks must refuse it.
        const a = k.alloc_pages(GFP_KERNEL, 0);
        if (a < 0) break;
        k.__free_pages(a, 0);
        damage(k, a, o.how);
        const b = k.alloc_pages(GFP_KERNEL, 0);
        if (b >= 0) held.push([b, 0]);
        break;
      }
      case 'zoneflag':
        // A zone flag the pair reads (ZONE_BOOSTED_WATERMARK, ZONE_RECLAIM_ACTIVE, ZONE_BELOW_HIGH) toggled on every zone.
        for (const z of k.zones) z.flags ^= o.flag;
        break;
      case 'zonefield':
        // What the watermark test subtracts or adds that the pair never changes: every free page
        // counted as reserved for high-order atomic allocations, or a lowmem reserve as large as the zone.
        for (const z of k.zones) {
          if (o.field === 'highatomic') z.nr_free_highatomic = z.vm_stat[0]!;
          else z.lowmem_reserve.fill(z.managed_pages);
        }
        break;
      case 'badfree':
        // A pfn that is not one (freed from a float, as mmu_gather's batch holds them) or lies past the memmap.
        k.__free_pages(o.pfn === 'fraction' ? (held[0]?.[0] ?? 2) + 0.5 : k.nr_pages + 5, 0);
        break;
      case 'link': {
        // A page allocated and freed (the per-CPU list's first entry, LIFO) and one more held; a link
        // damaged; then that page freed (list_add() reads the head's first link) and a page allocated
        // (list_del() reads the first entry's), in the order `free` says.
        const a = k.alloc_pages(GFP_KERNEL, 0);
        if (a < 0) break;
        const c = k.alloc_pages(GFP_KERNEL, 0);
        k.__free_pages(a, 0);
        const head = k.page_zone(a).pcp[k.current.cpu]!.listsWord + k.get_pageblock_migratetype(a) * 4;
        const e = a * k.PW + k.W_lru;
        const other = c >= 0 ? c * k.PW + k.W_lru : e + 64 * k.PW;
        // The next list's head (another migratetype's), as an address in kernel data.
        const kdLo = (k.kdataLoS + (head + 4 - k.kdataWord) * 4) | 0;
        const VM = 0xffffea00 | 0;
        const i32 = k.i32;
        if (o.how === 'misaligned') i32[head] = i32[head]! + 2;
        else if (o.how === 'pastmemmap') [i32[head], i32[head + 1]] = [(k.kdataWord * 4 + 64) | 0, VM];
        else if (o.how === 'midpage') [i32[head], i32[head + 1]] = [((e + 1) * 4) | 0, VM];
        else if (o.how === 'kdata') [i32[head], i32[head + 1]] = [kdLo, k.kdataHiS];
        else if (o.how === 'nextbad') i32[e] = i32[e]! + 2;
        else if (o.how === 'nextkdata') [i32[e], i32[e + 1]] = [kdLo, k.kdataHiS];
        else if (o.how === 'nextother') [i32[e], i32[e + 1]] = [(other * 4) | 0, VM];
        else if (o.how === 'prevbad') i32[e + 2] = i32[e + 2]! + 2;
        else if (o.how === 'prevkdata') [i32[e + 2], i32[e + 3]] = [kdLo, k.kdataHiS];
        else if (o.how === 'prevother') [i32[e + 2], i32[e + 3]] = [(other * 4) | 0, VM];
        else {
          k.page_ref_inc(a);
          k.__free_pages(a, 0);
        }
        const freeIt = (): void => {
          if (c >= 0) k.__free_pages(c, 0);
        };
        if (o.free) freeIt();
        // An allocation from the list `a` went on to (its pageblock's migratetype).
        const b = k.alloc_pages([GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE][k.get_pageblock_migratetype(a)] ?? GFP_KERNEL, 0);
        if (b >= 0) held.push([b, 0]);
        if (!o.free) freeIt();
        break;
      }
    }
  } catch (e) {
    if (e instanceof KernelBug) return e.message;
    throw e;
  }
  return null;
}

/**
 * Runs the same operations on a machine taking the fused paths and one
 * making the calls (`prepare` first sets both up alike), and requires the
 * same results, the same pages held and byte-identical machines.
 */
function fusedMatchesCalls(seed: number, prepare: (k: Kernel) => void): void {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => sameOnBoth(ops, prepare)),
    { numRuns: 40, seed },
  );
}

/** Runs `ops` on a machine taking the fused paths and one making the calls, and requires the same outcome. */
function sameOnBoth(ops: readonly Op[], prepare: (k: Kernel) => void): void {
  const { fused, calls } = machines();
  const ha: [number, number][] = [];
  const hb: [number, number][] = [];
  prepare(fused);
  prepare(calls);
  for (let i = 0; i < ops.length; i++) {
    const ea = apply(fused, ha, ops[i]!);
    const eb = apply(calls, hb, ops[i]!);
    assert.equal(ea, eb, `operation ${i}: ${JSON.stringify(ops[i])}`);
    assert.deepEqual(ha, hb, `operation ${i}: pages held`);
    if (ea !== null) break;
    if (i % 8 === 7) assertSame(fused, calls, `after operation ${i}`);
  }
  assertSame(fused, calls, 'at the end');
}

test('each word the order-0 checks read, damaged in a page being freed or allocated, is refused as the kernel functions refuse it', () => {
  const disable = (k: Kernel): void => {
    for (const z of k.zones) k.zone_pcp_disable(z);
  };
  for (const prepare of [() => {}, disable]) {
    for (const how of WORDS) {
      const alloc: Op = { op: 'alloc', gfp: GFP_KERNEL, order: 0, n: 40 };
      sameOnBoth([alloc, { op: 'word', i: 7, how }, { op: 'free', i: 0, n: 5 }, alloc], prepare);
      sameOnBoth([alloc, { op: 'pcpword', how }, { op: 'free', i: 0, n: 5 }, alloc], prepare);
    }
  }
});

test('each link of the per-CPU list the order-0 pair reads, damaged, is refused as the kernel functions refuse it', () => {
  const before = { ...taken };
  for (const how of LINKS) {
    for (const free of [false, true]) {
      const alloc: Op = { op: 'alloc', gfp: GFP_KERNEL, order: 0, n: 40 };
      sameOnBoth([alloc, { op: 'free', i: 3, n: 20 }, { op: 'link', how, free }, { op: 'free', i: 0, n: 5 }, alloc], () => {});
    }
  }
  // The pairs around the damage went through the common cases (PcpHot.alloc0(), free0()).
  assert.ok(taken.alloc > before.alloc && taken.free > before.free, `common cases taken: ${JSON.stringify(taken)} after ${JSON.stringify(before)}`);
});

test('every reason the order-0 common cases decline takes the rest of the fused paths or the calls, as the kernel functions do', () => {
  const K = GFP_KERNEL;
  const alloc = (gfp: number, n: number, order = 0): Op => ({ op: 'alloc', gfp, order, n });
  const free = (i: number, n: number): Op => ({ op: 'free', i, n });
  const cases: Op[][] = [
    // Each mask after a batch of GFP_KERNEL pages: the mask alloc0() last saw, a first zone above the
    // mask's highest (__GFP_DMA), a migratetype with no order-0 list, the other zonelist.
    ...GFPS.map((gfp) => [alloc(K, 40), free(0, 20), alloc(gfp, 40), free(3, 10), alloc(gfp, 40), alloc(K, 5)]),
    // Order-1 pages on the list that index MIGRATE_HIGHATOMIC's number would read at order 0.
    [alloc(K, 40, 1), free(0, 40), alloc(GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE, 40)],
    // An isolated pageblock's page freed.
    [alloc(K, 40), { op: 'isolate', i: 5 }, free(5, 1), alloc(K, 5), free(0, 10)],
    // The list filled past its high mark (the trim), and memory allocated down past the watermarks.
    [alloc(K, 400), alloc(K, 400), free(0, 400), free(0, 400), alloc(K, 40)],
    [...Array.from({ length: 40 }, () => alloc(K, 400)), free(0, 40), alloc(K, 40)],
    [...Array.from({ length: 40 }, () => alloc(K, 400)), { op: 'zoneflag', flag: 4 }, free(0, 40), alloc(K, 40)],
    // The watermark's reserves, and pfns that are not pages.
    [alloc(K, 40), free(0, 20), { op: 'zonefield', field: 'highatomic' }, alloc(K, 40), free(0, 10)],
    [alloc(K, 40), free(0, 20), { op: 'zonefield', field: 'lowmem' }, alloc(K, 40), free(0, 10)],
    [alloc(K, 40), free(0, 20), { op: 'badfree', pfn: 'fraction' }, alloc(K, 5)],
    [alloc(K, 40), free(0, 20), { op: 'badfree', pfn: 'past' }, alloc(K, 5)],
    // Each zone flag the pair reads, set, then pairs.
    ...[1, 2, 4].map((flag): Op[] => [alloc(K, 40), free(0, 20), { op: 'zoneflag', flag }, free(0, 10), alloc(K, 40), alloc(K, 40), free(0, 60)]),
  ];
  const before = { ...taken };
  for (const ops of cases) sameOnBoth(ops, () => {});
  assert.ok(taken.alloc > before.alloc && taken.free > before.free, `common cases taken: ${JSON.stringify(taken)} after ${JSON.stringify(before)}`);
});

test('the fused order-0 per-CPU paths leave the machine as the kernel functions do', () => {
  const before = { ...taken };
  fusedMatchesCalls(11, () => {});
  assert.ok(taken.alloc > before.alloc && taken.free > before.free, `common cases taken: ${JSON.stringify(taken)} after ${JSON.stringify(before)}`);
});

test('with the per-CPU lists disabled, the fused free to the buddy lists leaves the machine as the kernel functions do', () => {
  fusedMatchesCalls(12, (k) => {
    for (const z of k.zones) k.zone_pcp_disable(z);
  });
});

test('functions wrapped on a machine after its common cases have run take every order-0 pair, until they are unwrapped', () => {
  const { fused: k } = machines();
  const hot = (k as unknown as { pcpHot: { on: number } }).pcpHot;
  const pair = (): void => {
    const page = k.alloc_pages(GFP_KERNEL, 0);
    assert.ok(page >= 0);
    k.__free_pages(page, 0);
  };
  for (let i = 0; i < 100; i++) pair();
  assert.equal(hot.on, 1, 'the machine tries the common cases');
  // As watchpoints and page_owner wrap them: on the instance.
  const seen = { post_alloc_hook: 0, __free_pages_prepare: 0 };
  const kk = k as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['post_alloc_hook', '__free_pages_prepare'] as const) {
    const own = kk[name]!;
    Object.defineProperty(k, name, {
      value: function (this: Kernel, ...args: unknown[]): unknown {
        seen[name]++;
        return own.apply(this, args);
      },
      configurable: true,
      writable: true,
      enumerable: false,
    });
  }
  for (let i = 0; i < 10; i++) pair();
  assert.deepEqual(seen, { post_alloc_hook: 10, __free_pages_prepare: 10 });
  delete kk['post_alloc_hook'];
  delete kk['__free_pages_prepare'];
  const before = { ...taken };
  for (let i = 0; i < 10; i++) pair();
  assert.deepEqual(seen, { post_alloc_hook: 10, __free_pages_prepare: 10 });
  assert.deepEqual(taken, { alloc: before.alloc + 10, free: before.free + 10 }, 'the common cases again');
  // A disabled list turns them off, and enabling it back on.
  togglePcpLists(k);
  assert.equal(hot.on, 0);
  togglePcpLists(k);
  assert.equal(hot.on, 1);
});
