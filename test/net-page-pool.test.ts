/**
 * page_pool and netmem in bytes (v7.3): what page_pool writes into struct
 * page and where, its counters and recycling paths, the ptr_ring's batched
 * consumer, destruction with pages in flight, the free path's "page_pool
 * leak" check, and net_iovs from a dma-buf memory provider.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import type { Kernel } from '../src/kernel/kernel.js';
import { PP_FLAG_ALLOW_UNREADABLE_NETMEM, PP_FLAG_DMA_MAP, PP_FLAG_DMA_SYNC_DEV, PP_STATS, type PagePoolStruct } from '../src/kernel/page_pool.js';
import { GFP_ATOMIC, GFP_KERNEL, __GFP_NOWARN } from '../src/kernel/gfp.js';
import { checkMachine } from '../src/check/checker.js';
import { NR_FREE_PAGES } from '../src/kernel/vmstat.js';
import { buildVariant } from '../src/engine/build.js';
import { offsetOf } from '../src/layout/layout.js';
import { netmemSizeProblem } from '../src/structs/netmem.js';

const GFP = GFP_ATOMIC | __GFP_NOWARN;
const EINVAL = -22;

function pool(k: Kernel, pool_size = 0, flags = PP_FLAG_DMA_MAP, order = 0): PagePoolStruct {
  const p = k.page_pool_create({ order, pool_size, nid: -1, flags });
  assert.ok(typeof p !== 'number', `page_pool_create failed: ${String(p)}`);
  return p;
}

function stat(p: PagePoolStruct, name: (typeof PP_STATS)[number]): number {
  return p.stats[PP_STATS.indexOf(name)]!;
}

function word64(k: Kernel, page: number, field: string): bigint {
  return k.read64(page * k.PW + k.pageWord(field));
}

function clean(k: Kernel): void {
  assert.deepEqual(checkMachine(k).violations.map((v) => `${v.checker}: ${v.what}`), []);
}

function freePages(k: Kernel): number {
  k.drain_all_pages(null);
  return k.global_zone_page_state(NR_FREE_PAGES);
}

test('netmem_desc and net_iov are laid out as in 7.3, and netmem_desc mirrors struct page', () => {
  const b = buildVariant('baseline');
  assert.deepEqual(b.assertionFailures, []);
  const desc = b.structs.get('netmem_desc')!;
  const niov = b.structs.get('net_iov')!;
  const page = b.structs.get('page')!;
  for (const [pg, d] of [['flags', '_flags'], ['pp_magic', 'pp_magic'], ['pp', 'pp'], ['_pp_mapping_pad', '_pp_mapping_pad'], ['dma_addr', 'dma_addr'], ['pp_ref_count', 'pp_ref_count']] as const) {
    assert.equal(offsetOf(desc, d), offsetOf(page, pg), `NETMEM_DESC_ASSERT_OFFSET(${pg}, ${d})`);
  }
  assert.equal(desc.size, 48);
  assert.equal(netmemSizeProblem(b.structs), null, 'sizeof(struct netmem_desc) <= offsetof(struct page, _refcount)');
  assert.equal(offsetOf(niov, 'type'), 48, 'type sits where struct page keeps page_type/_mapcount');
  assert.equal(offsetOf(niov, 'owner'), 56);
  assert.equal(niov.size, 64);
});

test('a page_pool page in bytes: pp_magic = PP_SIGNATURE | DMA index << 7, pp = the pool, dma_addr = its physical address, pp_ref_count = 1', () => {
  const k = machine();
  const p = pool(k);
  const page = k.page_pool_alloc_pages(p, GFP);
  assert.ok(page > 0);
  // The bulk allocation DMA-maps 64 pages in order (ids 1..64) and hands out the last.
  assert.equal(word64(k, page, 'pp_magic'), 0xdead000000000040n | (64n << 7n));
  assert.equal(k.page_pool_page_is_pp(page), true);
  assert.equal(k.m32[page * k.PW + k.pageWord('pp')], k.addrLo(p.word));
  assert.equal(k.m32[page * k.PW + k.pageWord('pp') + 1], k.addrHi(p.word));
  assert.equal(word64(k, page, 'dma_addr'), BigInt(page) << 12n);
  assert.equal(word64(k, page, 'pp_ref_count'), 1n);
  assert.equal(k.page_ref_count(page), 1);
  assert.equal(k.page_type(page), 0xffffffff, 'no page type in mainline');
  assert.equal(p.pages_state_hold_cnt, 64);
  assert.equal(p.alloc_count, 63);
  assert.equal(stat(p, 'rx_pp_alloc_slow'), 1);
  // Without PP_FLAG_DMA_MAP: the signature alone, no DMA address.
  const q = pool(k, 0, 0);
  const page2 = k.page_pool_alloc_pages(q, GFP);
  assert.equal(word64(k, page2, 'pp_magic'), 0xdead000000000040n);
  assert.equal(word64(k, page2, 'dma_addr'), 0n);
  clean(k);
});

test('recycling: allow_direct into the alloc cache, else the ptr_ring; a full ring or an extra reference sends the page back to the allocator', () => {
  const k = machine();
  const p = pool(k, 16);
  const pages = Array.from({ length: 20 }, () => k.page_pool_alloc_pages(p, GFP));
  k.page_pool_recycle_direct(p, pages[0]!);
  assert.equal(stat(p, 'rx_pp_recycle_cached'), 1);
  assert.equal(p.alloc_count, 64 - 20 + 1);
  for (let i = 1; i <= 17; i++) k.page_pool_put_full_page(p, pages[i]!, false);
  assert.equal(stat(p, 'rx_pp_recycle_ring'), 16, 'a ring of 16 holds 16');
  assert.equal(stat(p, 'rx_pp_recycle_ring_full'), 1);
  const full = pages[17]!;
  assert.equal(k.page_ref_count(full), 0, 'put_page freed it, without a page_pool leak report');
  assert.equal(k.reports.length, 0);
  // A page someone else holds is released, not recycled: pp info cleared, the holder's reference stays.
  const held = pages[18]!;
  k.get_page(held);
  k.page_pool_put_full_page(p, held, true);
  assert.equal(stat(p, 'rx_pp_recycle_released_ref'), 1);
  assert.equal(k.page_ref_count(held), 1);
  assert.equal(word64(k, held, 'pp_magic'), 0n, 'returned: pp info cleared');
  assert.equal(word64(k, held, 'pp'), 0n);
  assert.equal(word64(k, held, 'dma_addr'), 0n, 'DMA unmapped');
  assert.equal(word64(k, held, 'pp_ref_count'), 1n, 'page_pool_clear_pp_info leaves pp_ref_count');
  assert.equal(k.page_pool_page_is_pp(held), false);
  k.put_page(held);
  // pp_ref_count: a second reference makes the first put a no-op.
  const shared = pages[19]!;
  k.page_pool_ref_page(shared);
  assert.equal(k.netmem_get_pp_ref_count(k.page_to_netmem(shared)), 2);
  k.page_pool_put_full_page(p, shared, false);
  assert.equal(k.netmem_get_pp_ref_count(k.page_to_netmem(shared)), 1);
  assert.equal(stat(p, 'rx_pp_recycle_ring_full'), 1, 'nothing was recycled yet');
  k.page_pool_put_full_page(p, shared, false);
  assert.equal(stat(p, 'rx_pp_recycle_ring_full'), 2, 'the last reference recycles it; the ring is still full');
  assert.equal(k.page_pool_inflight(p, false), 64 - 3);
  const free0 = freePages(k);
  k.page_pool_destroy(p);
  assert.equal(k.pagePools.has(p.word), false, 'nothing in flight: freed at once');
  assert.equal(freePages(k) - free0, 61);
  assert.equal(k.reports.length, 0);
  clean(k);
});

test('the ptr_ring frees consumed slots a batch (16) at a time, so a full ring stays full until 16 are consumed', () => {
  const k = machine();
  const p = pool(k, 64);
  const pages = Array.from({ length: 80 }, () => k.page_pool_alloc_pages(p, GFP));
  for (let i = 0; i < 64; i++) k.page_pool_put_full_page(p, pages[i]!, false);
  assert.equal(k.ptrRingCount(p), 64);
  // Drain the alloc cache, then refill from the ring: the refill takes 64, all of it.
  while (p.alloc_count) k.page_pool_alloc_pages(p, GFP);
  const again = k.page_pool_alloc_pages(p, GFP);
  assert.equal(stat(p, 'rx_pp_alloc_refill'), 1);
  assert.equal(again, pages[63], 'the refill returns the last page it took');
  assert.equal(k.ptrRingCount(p), 0);
  void again;
  // A full ring of 64 (batch 16): after 15 entries are consumed the producer still finds the ring full.
  const q = pool(k, 64);
  const qp = Array.from({ length: 66 }, () => k.page_pool_alloc_pages(q, GFP));
  for (let i = 0; i < 64; i++) k.page_pool_put_full_page(q, qp[i]!, false);
  const consume = (k as unknown as { __ptr_ring_consume(p: PagePoolStruct): number }).__ptr_ring_consume.bind(k);
  const taken: number[] = [];
  for (let i = 0; i < 15; i++) taken.push(consume(q));
  assert.deepEqual(taken.map((n) => k.__netmem_to_page(n)), qp.slice(0, 15), 'FIFO');
  k.page_pool_put_full_page(q, qp[64]!, false);
  assert.equal(stat(q, 'rx_pp_recycle_ring_full'), 1, 'slots are freed for the producer only a batch at a time');
  taken.push(consume(q));
  k.page_pool_put_full_page(q, qp[65]!, false);
  assert.equal(stat(q, 'rx_pp_recycle_ring'), 65, 'the 16th consume freed 16 slots');
  for (const n of taken) k.page_pool_put_full_netmem(q, n, false);
});

test('page_pool_destroy with pages in flight: retried every second, "stalled pool shutdown" each minute, freed when the last page returns', () => {
  const k = machine();
  const p = pool(k);
  const a = k.page_pool_alloc_pages(p, GFP);
  const b = k.page_pool_alloc_pages(p, GFP);
  k.page_pool_destroy(p);
  assert.equal(k.page_pool_inflight(p, false), 2);
  assert.equal(p.release_dw_at, 250, 'DEFER_TIME: 1s at HZ=250');
  k.msleep(59_996);
  assert.equal(k.reports.length, 0);
  k.msleep(4);
  assert.deepEqual(
    k.reports.map((r) => r.message),
    ['page_pool_release_retry() stalled pool shutdown: id 1, 2 inflight 60 sec'],
  );
  // The kernel's pr_warn: a printed line, no WARN() banner, no taint.
  assert.equal(k.reports[0]!.kind, 'printk');
  assert.deepEqual([...k.taints], []);
  k.page_pool_put_full_page(p, a, false);
  k.msleep(60_000);
  assert.equal(k.reports[1]!.message, 'page_pool_release_retry() stalled pool shutdown: id 1, 1 inflight 120 sec');
  k.page_pool_put_full_page(p, b, false);
  k.msleep(1000);
  assert.equal(k.pagePools.size, 0, 'the next retry found nothing in flight and freed the pool');
  assert.equal(p.freed, true);
  assert.equal(k.reports.length, 2);
  // The block is reused by the next pool (kfree, then kzalloc of the same size), with the next id.
  const p2 = pool(k);
  assert.equal(p2.word, p.word);
  assert.equal(p2.id, 2);
  clean(k);
});

test('a page_pool page freed without being returned: "page_pool leak" from the free path, and the page is kept out of the allocator', () => {
  const k = machine();
  const p = pool(k);
  const page = k.page_pool_alloc_pages(p, GFP);
  k.put_page(page);
  assert.equal(k.reports.length, 1);
  const r = k.reports[0]!;
  assert.equal(r.kind, 'bad_page');
  assert.equal(r.reason, 'page_pool leak');
  assert.equal(r.message, `BUG: Bad page state in process pagesim  pfn:${page.toString(16).padStart(5, '0')}`);
  assert.match(r.text, /raw: 000fffffc0000000 dead000000002040 /);
  assert.equal(k.PageBuddy(page), false, 'not freed');
  assert.equal(k.page_pool_inflight(p, false), 64, 'and never counted as released');
});

test('alloc_pages_bulk: the 64 pages come off the local pcp list, one PGALLOC event each', () => {
  const k = machine();
  const pgalloc = (): number => k.vm_events.slice(0, 5).reduce((a, v) => a + v, 0);
  const before = pgalloc();
  const arr = new Int32Array(64).fill(-1);
  assert.equal(k.alloc_pages_bulk_node(GFP_KERNEL, -1, 64, arr), 64);
  assert.equal(pgalloc() - before, 64);
  assert.equal(new Set(arr).size, 64);
  for (const page of arr) {
    assert.equal(k.page_ref_count(page), 1);
    k.put_page(page);
  }
  // Asking for one page uses the single-page allocator.
  const one = new Int32Array(1).fill(-1);
  assert.equal(k.alloc_pages_bulk_node(GFP_KERNEL, 0, 1, one), 1);
  k.put_page(one[0]!);
  clean(k);
});

test('page_pool_create refuses what page_pool_init refuses, printing "gave up with errno"', () => {
  const k = machine();
  assert.equal(k.page_pool_create({ order: 11, pool_size: 0, nid: -1, flags: 0 }), EINVAL);
  assert.equal(k.page_pool_create({ order: 0, pool_size: 0, nid: -1, flags: 1 << 4 }), EINVAL);
  assert.equal(k.page_pool_create({ order: 0, pool_size: 0, nid: -1, flags: PP_FLAG_DMA_SYNC_DEV }), EINVAL);
  assert.deepEqual(k.console.filter((l) => l.includes('gave up')), ['page_pool_create_percpu() gave up with errno -22', 'page_pool_create_percpu() gave up with errno -22', 'page_pool_create_percpu() gave up with errno -22']);
  assert.equal(k.pagePools.size, 0);
  const big = pool(k, 100_000);
  assert.equal(big.ring_size, 16384, 'min(pool_size, 16384)');
  assert.equal(pool(k).ring_size, 1024, 'pool_size 0: the default ring');
});

test('an order-2 pool allocates one compound page at a time (not bulk), PP info on the head', () => {
  const k = machine();
  const p = pool(k, 0, PP_FLAG_DMA_MAP, 2);
  const page = k.page_pool_alloc_pages(p, GFP);
  assert.equal(k.PageHead(page), true);
  assert.equal(k.compound_order(page), 2);
  assert.equal(stat(p, 'rx_pp_alloc_slow_ho'), 1);
  assert.equal(p.pages_state_hold_cnt, 1);
  assert.equal(word64(k, page, 'pp_magic'), 0xdead000000000040n | (1n << 7n));
  k.page_pool_put_full_page(p, page, false);
  k.page_pool_destroy(p);
  assert.equal(k.pagePools.size, 0);
  assert.equal(k.page_ref_count(page), 0);
  clean(k);
});

test('net_iovs from a dma-buf: NET_IOV bit, pp fields in kernel data, always recyclable, returned to the dma-buf, never put_page()', () => {
  const k = machine();
  const b = k.net_devmem_bind_dmabuf(4 * 4096);
  assert.ok(typeof b !== 'number');
  const p = pool(k, 0, PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV | PP_FLAG_ALLOW_UNREADABLE_NETMEM);
  assert.equal(p.mp_priv, b);
  const n = k.page_pool_alloc_netmems(p, GFP);
  assert.equal(k.netmem_is_net_iov(n), true);
  const niov = k.netmem_to_net_iov(n);
  assert.equal(niov, b.niovWord, 'the first free chunk');
  const NI = (f: string): number => niov + (offsetOf(k.layout('net_iov'), f) >> 2);
  assert.equal(k.read64(NI('desc.pp_magic')), 0xdead000000000040n);
  assert.equal(k.m32[NI('desc.pp')], k.addrLo(p.word));
  assert.equal(k.read64(NI('desc.pp_ref_count')), 1n);
  assert.equal(k.read64(NI('desc.dma_addr')), BigInt(b.base_dma_addr));
  assert.equal(k.m32[NI('type')], 0, 'NET_IOV_DMABUF');
  assert.equal(k.m32[NI('owner')], k.addrLo(b.areaWord));
  assert.equal(k.page_pool_alloc_pages(p, GFP), -1, 'page_pool_alloc_pages on a net_iov pool: NULL');
  assert.equal(k.reports.at(-1)?.kind, 'WARN', 'netmem_to_page WARN_ON_ONCE(netmem_is_net_iov)');
  k.page_pool_put_full_netmem(p, n, false);
  assert.equal(stat(p, 'rx_pp_recycle_ring'), 1);
  k.page_pool_destroy(p);
  // The ring's net_iov and the one lost to page_pool_alloc_pages: one is back in the dma-buf, one stays in flight.
  assert.equal(b.used[0], 0);
  assert.equal(k.page_pool_inflight(p, false), 1);
  assert.equal(k.read64(NI('desc.pp_magic')), 0n);
  assert.equal(k.read64(NI('desc.pp')), 0n);
});
