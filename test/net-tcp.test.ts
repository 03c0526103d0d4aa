/**
 * TCP zero-copy receive (net/ipv4/tcp.c, v7.3) under mainline: what
 * tcp_mmap() sets up, what getsockopt(TCP_ZEROCOPY_RECEIVE) returns for
 * whole, partial and failed mappings, batching, the refcounts, mapcounts
 * and counters of a mapped page_pool page, and how consuming the skb
 * releases it to the page allocator rather than the pool.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import type { Kernel } from '../src/kernel/kernel.js';
import { PP_FLAG_DMA_MAP, PP_STATS, type PagePoolStruct } from '../src/kernel/page_pool.js';
import { TCP_ZEROCOPY_RECEIVE, TcpZerocopyReceive, TCP_RECEIVE_ZEROCOPY_FLAG_TLB_CLEAN_HINT, MAX_SKB_FRAGS } from '../src/kernel/tcp.js';
import { MM_FILEPAGES, VM_MAYEXEC, VM_MAYWRITE, VM_MIXEDMAP, VM_WRITE, type MmStruct } from '../src/kernel/mm_types.js';
import { NR_FILE_MAPPED, NR_FOLL_PIN_ACQUIRED } from '../src/kernel/vmstat.js';
import { FOLL_LONGTERM, FOLL_WRITE } from '../src/kernel/gup.js';
import { checkMachine } from '../src/check/checker.js';
import { GFP_ATOMIC, __GFP_NOWARN } from '../src/kernel/gfp.js';

const EINVAL = -22;
const EPERM = -1;
const EFAULT = -14;
const EAGAIN = -11;
const PAGE = 4096;

function clean(k: Kernel): void {
  assert.deepEqual(checkMachine(k).violations.map((v) => `${v.checker}: ${v.what}`), []);
}

function setup(variant = 'baseline'): { k: Kernel; p: PagePoolStruct; mm: MmStruct; a: number } {
  const k = machine(variant);
  const p = k.page_pool_create({ order: 0, pool_size: 0, nid: -1, flags: PP_FLAG_DMA_MAP });
  assert.ok(typeof p !== 'number');
  const mm = k.mm_alloc()!;
  const a = k.sock_mmap(mm, 0, 2 << 20, false);
  assert.ok(a > 0);
  return { k, p, mm, a };
}

/** getsockopt(TCP_ZEROCOPY_RECEIVE) as tcp_mmap.c calls it; returns [err, the user's struct]. */
function zc(k: Kernel, mm: MmStruct, address: number, length: number, flags = 0): [number, TcpZerocopyReceive] {
  const u = new TcpZerocopyReceive();
  u.address = address;
  u.length = length;
  u.flags = flags;
  return [k.do_tcp_getsockopt(k.tcpSock(), TCP_ZEROCOPY_RECEIVE, u, mm), u];
}

function stat(p: PagePoolStruct, name: (typeof PP_STATS)[number]): number {
  return p.stats[PP_STATS.indexOf(name)]!;
}

function pageAt(k: Kernel, mm: MmStruct, addr: number): number {
  const pte = k.walkToPte(mm, addr);
  return pte < 0 || !k.entryPresent(pte) ? -1 : k.entryPfn(pte);
}

test('tcp_mmap: read-only, VM_MIXEDMAP, VM_MAYWRITE|VM_MAYEXEC cleared, tcp_vm_ops; a writable mapping is -EPERM and leaves no VMA', () => {
  const { k, mm, a } = setup();
  const vma = mm.find_vma(a)!;
  assert.equal(vma.vm_ops, 'tcp');
  assert.ok(vma.vm_flags & VM_MIXEDMAP);
  assert.equal(vma.vm_flags & (VM_WRITE | VM_MAYWRITE | VM_MAYEXEC), 0);
  const n = mm.vmas.length;
  assert.equal(k.sock_mmap(mm, 0, 4096, true), EPERM);
  assert.equal(mm.vmas.length, n);
});

test('a full chunk: every whole page mapped in batches of 32, refcount 2 and mapcount 1 each, nr_mapped and MM_FILEPAGES; the skip hint is 0 when everything asked was mapped', () => {
  const { k, p, mm, a } = setup();
  assert.equal(k.tcp_receive(p, 100 * PAGE + 10), 100 * PAGE + 10);
  const sk = k.tcpSock();
  assert.equal(sk.count, Math.ceil(101 / MAX_SKB_FRAGS), 'skbs of up to 17 frags');
  const [err, u] = zc(k, mm, a, 100 * PAGE);
  assert.equal(err, 0);
  assert.equal(u.length, 100 * PAGE);
  assert.equal(u.recv_skip_hint, 0);
  assert.equal(u.inq, 10);
  assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 100);
  assert.equal(mm.rss_stat[MM_FILEPAGES], 100);
  // The skbs wholly consumed were freed: their pages went from the pool to the page allocator's
  // care (refcount 2, so not recyclable), still mapped by the user.
  const first = pageAt(k, mm, a);
  assert.equal(k.page_ref_count(first), 1, 'the mapping holds the last reference');
  assert.equal(k.folio_mapcount(first), 1);
  assert.equal(k.page_pool_page_is_pp(first), false, 'pp_magic cleared when page_pool let it go');
  assert.equal(stat(p, 'rx_pp_recycle_released_ref'), 5 * 17, 'the five full skbs');
  // The last skb (15 whole pages + 10 bytes) is still queued: its pages are still the pool's.
  const last = pageAt(k, mm, a + 99 * PAGE);
  assert.equal(k.page_ref_count(last), 2);
  assert.equal(k.page_pool_page_is_pp(last), true);
  clean(k);
  // The next getsockopt finds 10 bytes: nothing to map, read them.
  const [err2, u2] = zc(k, mm, a + 100 * PAGE, 4 * PAGE);
  assert.equal(err2, 0);
  assert.equal(u2.length, 0);
  assert.equal(u2.recv_skip_hint, 10);
  assert.equal(k.tcp_recvmsg(sk, u2.recv_skip_hint), 10);
  assert.equal(stat(p, 'rx_pp_recycle_released_ref'), 100, 'the last skb freed while its pages were mapped');
  assert.equal(k.tcp_recvmsg(sk, 100), EAGAIN);
  // madvise(MADV_DONTNEED): the pages go back to the buddy allocator.
  k.zap_page_range_single(mm.find_vma(a)!, a, 100 * PAGE);
  assert.equal(k.page_ref_count(first), 0);
  assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 0);
  assert.equal(mm.rss_stat[MM_FILEPAGES], 0);
  assert.equal(k.reports.length, 0);
  clean(k);
});

test('getsockopt errors: a misaligned address, or one outside a tcp_mmap VMA, is -EINVAL; less than a page queued is 0 with the skip hint', () => {
  const { k, p, mm, a } = setup();
  assert.equal(zc(k, mm, a, PAGE)[0], 0, 'nothing queued');
  k.tcp_receive(p, 3 * PAGE);
  assert.equal(zc(k, mm, a + 8, PAGE)[0], EINVAL);
  const anon = k.do_mmap(mm, 0, PAGE);
  assert.equal(zc(k, mm, anon, PAGE)[0], EINVAL, 'find_tcp_vma: not tcp_vm_ops');
  const [e, u] = zc(k, mm, a, 3 * PAGE);
  assert.equal(e, 0);
  assert.equal(u.length, 3 * PAGE);
});

test('partial results: the VMA caps what is mapped; a page vm_insert_pages refuses after others mapped is swallowed (0, zc.length counts only the mapped part)', () => {
  const { k, p, mm, a } = setup();
  k.tcp_receive(p, 8 * PAGE);
  // Only 3 pages of VMA left from here.
  const end = mm.find_vma(a)!.vm_end;
  const [e1, u1] = zc(k, mm, end - 3 * PAGE, 8 * PAGE);
  assert.equal(e1, 0);
  assert.equal(u1.length, 3 * PAGE);
  // The 5 remaining pages: make the third one unmappable behind TCP's back.
  const sk = k.tcpSock();
  const skb = sk.head;
  const third = k.__netmem_to_page(sk.frag_netmem[skb * MAX_SKB_FRAGS + 5]!);
  k.__SetPageTable(third);
  const [e2, u2] = zc(k, mm, a, 5 * PAGE);
  assert.equal(e2, 0, 'an error after some pages mapped does not reach user space');
  assert.equal(u2.length, 2 * PAGE);
  assert.equal(u2.recv_skip_hint, 3 * PAGE, 'the failed page and the rest of the skb');
  assert.equal(k.tcp_inq(sk), 3 * PAGE);
  // A failure on the very first page is what user space sees.
  const [e3] = zc(k, mm, a + 2 * PAGE, 3 * PAGE);
  assert.equal(e3, EINVAL);
  k.__ClearPageTable(third);
  assert.equal(zc(k, mm, a + 2 * PAGE, 3 * PAGE)[1].length, 3 * PAGE);
});

test('TCP_RECEIVE_ZEROCOPY_FLAG_TLB_CLEAN_HINT: no zap first, so vm_insert_pages meets the old ptes (-EBUSY), zaps and retries', () => {
  const { k, p, mm, a } = setup();
  k.tcp_receive(p, 4 * PAGE);
  assert.equal(zc(k, mm, a, 4 * PAGE)[1].length, 4 * PAGE);
  const old = pageAt(k, mm, a);
  k.tcp_receive(p, 4 * PAGE);
  const [e, u] = zc(k, mm, a, 4 * PAGE, TCP_RECEIVE_ZEROCOPY_FLAG_TLB_CLEAN_HINT);
  assert.equal(e, 0);
  assert.equal(u.length, 4 * PAGE);
  assert.notEqual(pageAt(k, mm, a), old);
  assert.equal(k.page_ref_count(old), 0, 'the old page was zapped and freed');
  assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 4);
  clean(k);
});

test('frags that cannot be mapped (an order-1 pool: compound pages) leave everything to read(); tcp_close returns queued frags to their pool', () => {
  const k = machine();
  const p = k.page_pool_create({ order: 1, pool_size: 0, nid: -1, flags: PP_FLAG_DMA_MAP });
  assert.ok(typeof p !== 'number');
  const mm = k.mm_alloc()!;
  const a = k.sock_mmap(mm, 0, 1 << 20, false);
  assert.equal(k.tcp_receive(p, 4 * PAGE), 4 * PAGE);
  const [e, u] = zc(k, mm, a, 4 * PAGE);
  assert.equal(e, 0);
  assert.equal(u.length, 0);
  assert.equal(u.recv_skip_hint, 4 * PAGE, 'find_next_mappable_frag: both 8KiB frags');
  k.tcp_close(k.tcpSock());
  assert.equal(stat(p, 'rx_pp_recycle_ring'), 2);
  k.page_pool_destroy(p);
  assert.equal(k.pagePools.size, 0);
  clean(k);
});

test('GUP on a zero-copy page: FOLL_WRITE is -EFAULT on the read-only VMA; a read pin adds 1024 refs, so page_pool lets it go when the skb is consumed', () => {
  const { k, p, mm, a } = setup();
  k.tcp_receive(p, PAGE + 1);
  assert.equal(zc(k, mm, a, PAGE)[1].length, PAGE);
  const page = pageAt(k, mm, a);
  assert.equal(k.pin_user_pages(mm, a, 1, FOLL_WRITE | FOLL_LONGTERM, []), EFAULT);
  const pins: number[] = [];
  assert.equal(k.pin_user_pages(mm, a, 1, FOLL_LONGTERM, pins), 1);
  assert.equal(k.page_ref_count(page), 2 + 1024);
  assert.equal(k.folio_maybe_dma_pinned(page), true);
  assert.equal(k.global_node_page_state(NR_FOLL_PIN_ACQUIRED), 1);
  k.tcp_recvmsg(k.tcpSock(), 1);
  assert.equal(stat(p, 'rx_pp_recycle_released_ref'), 1);
  k.zap_page_range_single(mm.find_vma(a)!, a, PAGE);
  assert.equal(k.page_ref_count(page), 1024, 'the pin keeps the page');
  k.unpin_user_pages(pins);
  assert.equal(k.page_ref_count(page), 0);
  assert.equal(k.reports.length, 0);
  clean(k);
});

test('receive allocations: page_pool_dev_alloc_pages gfp, pages from the alloc cache in LIFO order', () => {
  const { k, p } = setup();
  const x = k.page_pool_alloc_pages(p, GFP_ATOMIC | __GFP_NOWARN);
  k.page_pool_recycle_direct(p, x);
  k.tcp_receive(p, 2 * PAGE);
  const sk = k.tcpSock();
  assert.equal(k.__netmem_to_page(sk.frag_netmem[sk.head * MAX_SKB_FRAGS]!), x);
});
