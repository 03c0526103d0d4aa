/**
 * Scenario operations for network memory and the TCP receive path (the
 * network half of the page_pool / vm_insert_pages / GUP issue; seeds 000
 * and 002): page_pool (net/core/page_pool.c, v7.3), netmem and the dma-buf
 * memory provider (include/net/netmem.h, net/core/devmem.c), one TCP
 * socket's receive side (net/ipv4/tcp.c: tcp_mmap, TCP_ZEROCOPY_RECEIVE,
 * tcp_recvmsg, tcp_close), time (msleep: when a destroyed pool's delayed
 * work runs), the vmstat counters, and the page-type API the seed variants
 * add (PageNetpp, folio_test_rmappable: only where a variant provides it).
 *
 * Handles: a pool is an object handle `page_pool` whose id is the address
 * (word) page->pp holds; a net_iov is an object handle `net_iov`; a page
 * from a pool is a page handle, so every page operation applies to it.
 */

import { defineOp, P, C, type HandleValue, type OpArgs } from './ops.js';
import type { Kernel } from '../kernel/kernel.js';
import type { MmStruct } from '../kernel/mm_types.js';
import { GFP_ATOMIC, __GFP_NOWARN } from '../kernel/gfp.js';
import { DEFER_WARN_INTERVAL, MAX_MSLEEP_MS, MAX_NET_IOVS, PagePool, MAX_PAGE_POOLS, PP_FLAG_NAMES, PP_RING_MAX, PP_STATS, type PagePoolStruct } from '../kernel/page_pool.js';
import { MAX_TCP_RECEIVE_BYTES, TCP_ZEROCOPY_RECEIVE, type TcpSock } from '../kernel/tcp.js';
import { NODE_STAT_NAMES, ZONE_STAT_NAMES } from '../kernel/vmstat.js';
import { PAGE_SIZE } from '../kernel/config.js';
import { FOLL_NAMES } from '../kernel/gup.js';
import { InputError } from '../util/errors.js';
import { hex16 } from '../kernel/vsprintf.js';
import { addPage, at, defineFuzz, h, ps, type GenApi, type Need } from '../fuzz/model.js';

const POOL = 'page_pool and netmem (net/core/page_pool.c, include/net/netmem.h, net/core/devmem.c)';
const TCP = 'TCP receive (net/ipv4/tcp.c)';
const TYPES = 'page types added by the seed variants (include/linux/page-flags.h)';
const TIME = 'time (kernel/time)';
const VMSTAT = 'vmstat counters (include/linux/vmstat.h)';

const PP_GFP = GFP_ATOMIC | __GFP_NOWARN;


function poolHandle(k: Kernel, pool: PagePoolStruct): HandleValue {
  return { kind: 'object', type: 'page_pool', id: pool.word, label: `page_pool ${hex16(k.kaddr(pool.word))} id ${pool.id}` };
}

function handleArg(a: OpArgs, name: string): HandleValue {
  const h = a[name];
  if (h === null || h === undefined) throw new InputError(`${name}: the handle is NULL`);
  if (typeof h !== 'object') throw new InputError(`${name}: expected a handle, got ${String(h)}`);
  return h;
}

/** The pool argument: a live page_pool handle. */
function poolArg(k: Kernel, a: OpArgs, forAlloc = false): PagePoolStruct {
  const h = handleArg(a, 'pool');
  if (h.kind !== 'object' || h.type !== 'page_pool') throw new InputError(`pool: expected a page_pool handle, got ${h.kind === 'page' ? 'a page' : `a ${h.type}`}`);
  const pool = k.pagePools.get(h.id);
  if (pool === undefined) throw new InputError(`pool: ${h.label} has been freed (page_pool_destroy with nothing in flight, or its delayed release finished)`);
  if (forAlloc && pool.destroy_cnt > 0) throw new InputError(`pool: ${h.label} was destroyed (page_pool_destroy); a driver allocates from a pool only before that`);
  return pool;
}

/** A netmem argument: a page handle, or a net_iov handle. */
function netmemArg(k: Kernel, a: OpArgs, name: string): number {
  const h = handleArg(a, name);
  if (h.kind === 'page') return k.page_to_netmem(h.pfn);
  if (h.type !== 'net_iov') throw new InputError(`${name}: expected a page or a net_iov handle, got a ${h.type}`);
  return h.id;
}

function mmArg(k: Kernel, a: OpArgs): MmStruct {
  const h = handleArg(a, 'mm');
  if (h.kind !== 'object' || h.type !== 'mm') throw new InputError(`mm: expected an mm handle, got ${h.kind === 'page' ? 'a page' : `a ${h.type}`}`);
  const mm = k.mms.get(h.id);
  if (mm === undefined) throw new InputError(`mm: ${h.label} has been freed (mmput dropped its last user)`);
  return mm;
}

function sockArg(k: Kernel): TcpSock {
  if (k.tcpClosed()) throw new InputError('the TCP socket was closed by tcp_close; pagesim models one socket per machine');
  return k.tcpSock();
}

function ppFlags(text: string): number {
  let f = 0;
  for (const part of text.split('|').map((x) => x.trim())) {
    if (part === '' || part === '0') continue;
    const named = PP_FLAG_NAMES.get(part);
    if (named !== undefined) f |= named;
    else if (/^(0x[0-9a-f]+|[0-9]+)$/i.test(part)) f |= Number(part);
    else throw new InputError(`flags: unknown flag "${part}" (known: ${[...PP_FLAG_NAMES.keys()].join(', ')}, or a number, joined by |)`);
  }
  if (f > 0xffffffff) throw new InputError('flags: page_pool flags are 32 bits');
  return f;
}

function netmemHandle(k: Kernel, netmem: number): HandleValue | null {
  if (!netmem) return null;
  if (!k.netmem_is_net_iov(netmem)) return { kind: 'page', pfn: k.__netmem_to_page(netmem) };
  return { kind: 'object', type: 'net_iov', id: netmem, label: `net_iov ${hex16(k.kaddr(k.netmem_to_net_iov(netmem)))}` };
}

// ---- page_pool ---------------------------------------------------------------------------

defineOp({
  name: 'page_pool_create',
  params: [
    P.int('order', C.unsigned_int, 0),
    P.int('pool_size', C.unsigned_int, 0, 'the ptr_ring size; 0 for the default 1024; at most 16384 is used'),
    P.int('nid', C.int, -1, 'NUMA_NO_NODE (-1) or a node'),
    P.string('flags', 'PP_FLAG_DMA_MAP'),
  ],
  result: 'handle',
  group: POOL,
  doc: 'A page pool (pool->cpuid -1, no NAPI, no netdev). flags: PP_FLAG_DMA_MAP (pages are DMA-mapped: dma_addr and a DMA index in pp_magic), PP_FLAG_DMA_SYNC_DEV, PP_FLAG_SYSTEM_POOL, PP_FLAG_ALLOW_UNREADABLE_NETMEM (take the receive queue\'s dma-buf memory provider), joined by |. NULL when page_pool_init() refuses (the console shows "gave up with errno").',
  run(k, a) {
    const order = a['order'] as number;
    const pool_size = a['pool_size'] as number;
    const nid = a['nid'] as number;
    if (order < 0 || order > 31) throw new InputError('page_pool_create: order must be between 0 and 31 (page_pool_init refuses above MAX_PAGE_ORDER with -EINVAL)');
    if (pool_size < 0 || pool_size > 0xffffffff) throw new InputError(`page_pool_create: pool_size is an unsigned int (0 for the default; the ring is at most ${PP_RING_MAX})`);
    if (nid !== -1 && (nid < 0 || nid >= k.nodeCount)) throw new InputError(`page_pool_create: nid must be -1 (NUMA_NO_NODE) or a node from 0 to ${k.nodeCount - 1}`);
    if (k.pagePools.size >= MAX_PAGE_POOLS) throw new InputError(`page_pool_create: at most ${MAX_PAGE_POOLS} page pools may be alive at once (destroyed pools with pages in flight count)`);
    const r = k.page_pool_create({ order, pool_size, nid, flags: ppFlags(a['flags'] as string) });
    return typeof r === 'number' ? null : poolHandle(k, r);
  },
});
defineOp({ name: 'page_pool_alloc_pages', params: [P.handle('pool'), P.gfp('gfp', PP_GFP)], result: 'page', group: POOL, doc: 'A page from the pool: its alloc cache, else a refill of up to 64 from its ptr_ring, else the page allocator (64 order-0 pages in bulk, or one compound page of the pool\'s order). NULL (with a warning) from a pool of net_iovs.', run: (k, a) => k.page_pool_alloc_pages(poolArg(k, a, true), a['gfp'] as number) });
defineOp({ name: 'page_pool_alloc_netmems', params: [P.handle('pool'), P.gfp('gfp', PP_GFP)], result: 'handle', group: POOL, doc: 'page_pool_alloc_netmems(): a page handle, or a net_iov handle from a pool with a dma-buf memory provider. NULL when none is left.', run: (k, a) => netmemHandle(k, k.page_pool_alloc_netmems(poolArg(k, a, true), a['gfp'] as number)) });
defineOp({
  name: 'page_pool_put_full_page',
  params: [P.handle('pool'), P.page(), P.bool('allow_direct', false)],
  result: 'void',
  group: POOL,
  doc: 'Drop a pp_ref_count reference; the last one recycles the page: into the alloc cache when allow_direct (NAPI context) and it has room, else into the ptr_ring, or back to the page allocator when the ring is full or someone else still holds a page reference (refcount != 1: "released").',
  run: (k, a) => k.page_pool_put_full_page(poolArg(k, a), a['page'] as number, a['allow_direct'] as boolean),
});
defineOp({ name: 'page_pool_put_full_netmem', params: [P.handle('pool'), P.handle('netmem'), P.bool('allow_direct', false)], result: 'void', group: POOL, doc: 'page_pool_put_full_page() for a page or a net_iov handle.', run: (k, a) => k.page_pool_put_full_netmem(poolArg(k, a), netmemArg(k, a, 'netmem'), a['allow_direct'] as boolean) });
defineOp({ name: 'page_pool_recycle_direct', params: [P.handle('pool'), P.page()], result: 'void', group: POOL, doc: 'page_pool_put_full_page() with allow_direct: what a driver does from its NAPI poll.', run: (k, a) => k.page_pool_recycle_direct(poolArg(k, a), a['page'] as number) });
defineOp({ name: 'page_pool_ref_page', params: [P.page()], result: 'void', group: POOL, doc: 'Take one more pp_ref_count reference (page_pool_ref_netmem: what skb_pp_frag_ref does for a cloned frag).', run: (k, a) => k.page_pool_ref_page(a['page'] as number) });
defineOp({
  name: 'page_pool_destroy',
  params: [P.handle('pool')],
  result: 'void',
  group: POOL,
  doc: 'The driver is done with the pool: its alloc cache and ring go back to the page allocator; with nothing in flight the pool is freed, else page_pool_release_retry runs every second (msleep steps) and warns "stalled pool shutdown" once a minute until the last page comes back.',
  run(k, a) {
    const pool = poolArg(k, a);
    if (pool.destroy_cnt > 0) throw new InputError('page_pool_destroy: this pool was already destroyed (its last page has not come back yet)');
    k.page_pool_destroy(pool);
  },
});
defineOp({ name: 'page_pool_inflight', params: [P.handle('pool')], result: 'int', group: POOL, doc: 'Pages handed out and not returned: pages_state_hold_cnt - pages_state_release_cnt (page_pool_inflight(pool, false): a negative count reads 0).', run: (k, a) => k.page_pool_inflight(poolArg(k, a), false) });
defineOp({
  name: 'page_pool_get_stats',
  params: [P.handle('pool'), P.string('stat')],
  result: 'int',
  group: POOL,
  doc: `One CONFIG_PAGE_POOL_STATS counter by its ethtool name: ${PP_STATS.join(', ')}.`,
  run(k, a) {
    const i = (PP_STATS as readonly string[]).indexOf(a['stat'] as string);
    if (i < 0) throw new InputError(`stat: expected one of ${PP_STATS.join(', ')}`);
    return k.page_pool_get_stats(poolArg(k, a), i);
  },
});
defineOp({
  name: 'net_devmem_bind_dmabuf',
  params: [P.int('size', C.size_t)],
  result: 'handle',
  group: POOL,
  doc: `Bind a dma-buf of size bytes to the NIC's receive queue: PAGE_SIZE net_iovs (in kernel data) behind the dma-buf memory provider a page_pool created with PP_FLAG_ALLOW_UNREADABLE_NETMEM (and PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV, which providers require) takes. At most ${MAX_NET_IOVS} net_iovs per machine.`,
  run(k, a) {
    const size = a['size'] as number;
    if (size <= 0 || size % PAGE_SIZE !== 0) throw new InputError('net_devmem_bind_dmabuf: size must be a positive multiple of 4KiB');
    const b = k.net_devmem_bind_dmabuf(size);
    if (typeof b === 'number') throw new InputError(`net_devmem_bind_dmabuf: at most ${MAX_NET_IOVS} net_iovs in at most 4 bindings per machine`);
    return { kind: 'object', type: 'net_devmem_dmabuf_binding', id: b.id, label: `dmabuf binding ${b.id} (${b.num_niovs} net_iovs)` };
  },
});
defineOp({ name: 'netmem_is_net_iov', params: [P.handle('netmem')], result: 'bool', group: POOL, doc: 'Whether a netmem_ref has the NET_IOV bit (a net_iov, not a struct page).', run: (k, a) => k.netmem_is_net_iov(netmemArg(k, a, 'netmem')) });
defineOp({ name: 'netmem_get_pp_ref_count', params: [P.handle('netmem')], result: 'int', group: POOL, doc: 'atomic_long_read(netmem_get_pp_ref_count_ref()): the pool references of a page or net_iov (page->pp_ref_count, the word of page->private).', run: (k, a) => k.netmem_get_pp_ref_count(netmemArg(k, a, 'netmem')) });

// ---- TCP ----------------------------------------------------------------------------------

defineOp({
  name: 'tcp_receive',
  params: [P.handle('pool'), P.int('bytes', C.unsigned_int)],
  result: 'int',
  group: TCP,
  doc: 'The NIC delivers bytes of in-order payload to the socket: a page_pool page per 4KiB frag (header split, payload at offset 0), up to MAX_SKB_FRAGS (17) frags per skb, skbs marked for page_pool recycling. The bytes queued (fewer if the pool runs dry or 1024 skbs are queued).',
  run(k, a) {
    const bytes = a['bytes'] as number;
    if (bytes < 1 || bytes > MAX_TCP_RECEIVE_BYTES) throw new InputError(`tcp_receive: bytes must be between 1 and ${MAX_TCP_RECEIVE_BYTES} (64MiB)`);
    const pool = poolArg(k, a, true);
    if (pool.mp_priv !== null) throw new InputError('tcp_receive: this pool hands out net_iovs (devmem), which pagesim\'s TCP path does not take; use a pool of host pages');
    sockArg(k);
    return k.tcp_receive(pool, bytes);
  },
});
defineOp({
  name: 'tcp_mmap',
  params: [P.handle('mm'), P.int('addr', C.unsigned_long, 0, 'a hint'), P.int('len', C.unsigned_long), P.bool('write', false)],
  result: 'int',
  group: TCP,
  doc: 'mmap(addr, len, PROT_READ, MAP_SHARED) of the socket (PROT_READ | PROT_WRITE with write): tcp_mmap() refuses writable or executable mappings with -EPERM, clears VM_MAYWRITE | VM_MAYEXEC, sets VM_MIXEDMAP and tcp_vm_ops. The address, or -errno.',
  run(k, a) {
    const len = a['len'] as number;
    if (len < 1 || len > 1 << 30) throw new InputError('tcp_mmap: len must be between 1 and 1GiB');
    sockArg(k);
    return k.sock_mmap(mmArg(k, a), a['addr'] as number, len, a['write'] as boolean);
  },
});
defineOp({
  name: 'tcp_zerocopy_receive',
  params: [P.handle('mm'), P.int('address', C.u64), P.int('length', C.u32)],
  result: 'errno',
  group: TCP,
  doc: 'getsockopt(TCP_ZEROCOPY_RECEIVE) as tools/testing/selftests/net/tcp_mmap.c calls it (no copy buffer, no flags): zap [address, +length) of the socket\'s VMA, map whole-page frags 32 at a time with vm_insert_pages(), release the consumed skbs. The bytes mapped (zc.length), or -errno as getsockopt returns it (-EINVAL for an address outside a tcp_mmap VMA, or when the first vm_insert_pages fails with -EINVAL).',
  run(k, a) {
    const length = a['length'] as number;
    if (length < 0 || length > 0xffffffff) throw new InputError('tcp_zerocopy_receive: length is a u32');
    const address = a['address'] as number;
    if (address < 0) throw new InputError('tcp_zerocopy_receive: address must not be negative');
    const sk = sockArg(k);
    // tcp_mmap.c: memset(&zc, 0, sizeof(zc)); zc.address = ...; zc.length = ...;
    const zc = sk.zcUser;
    zc.address = address;
    zc.length = length;
    zc.recv_skip_hint = zc.inq = zc.err = zc.copybuf_len = zc.flags = zc.msg_flags = 0;
    const err = k.do_tcp_getsockopt(sk, TCP_ZEROCOPY_RECEIVE, zc, mmArg(k, a));
    return err ? err : zc.length;
  },
});
defineOp({ name: 'tcp_zc_recv_skip_hint', params: [], result: 'int', group: TCP, doc: 'zc.recv_skip_hint as the last tcp_zerocopy_receive left the caller\'s struct: the bytes to read() before zero-copy can go on (0 after a failed getsockopt, which copies nothing back).', run: (k) => sockArg(k).zcUser.recv_skip_hint });
defineOp({ name: 'tcp_inq', params: [], result: 'int', group: TCP, doc: 'tcp_inq(): bytes received and not yet read (rcv_nxt - copied_seq).', run: (k) => k.tcp_inq(sockArg(k)) });
defineOp({
  name: 'tcp_recvmsg',
  params: [P.int('length', C.size_t)],
  result: 'errno',
  group: TCP,
  doc: 'recv(fd, buf, length, MSG_DONTWAIT): copy up to length bytes and free every skb read to its end (its frags go back to their pool). The bytes copied (0 for a length of 0), or -EAGAIN when nothing is queued.',
  run(k, a) {
    const length = a['length'] as number;
    if (length < 0 || length > MAX_TCP_RECEIVE_BYTES) throw new InputError(`tcp_recvmsg: length must be between 0 and ${MAX_TCP_RECEIVE_BYTES}`);
    return k.tcp_recvmsg(sockArg(k), length);
  },
});
defineOp({ name: 'tcp_close', params: [], result: 'void', group: TCP, doc: 'close(fd): __tcp_close() frees the receive queue (each frag back to its pool); the socket is gone (mappings of it stay until unmapped).', run: (k) => k.tcp_close(sockArg(k)) });

// ---- GUP of one page --------------------------------------------------------------------------

/** The group ops-mm.ts registers GUP under, so the operation is listed with its siblings. */
const USER = 'user mappings of kernel pages and GUP (mm/memory.c, mm/gup.c)';

defineOp({
  name: 'get_user_page_vma_remote',
  params: [P.handle('mm'), P.int('addr', C.unsigned_long), P.string('gup_flags', '0')],
  result: 'page',
  group: USER,
  doc: 'The page mapped at addr (faulted in if needed) with one FOLL_GET reference, which put_page drops: how a scenario gets hold of a user page. NULL when get_user_pages_remote() fails. gup_flags: FOLL_WRITE, FOLL_FORCE, FOLL_LONGTERM joined by |.',
  run(k, a) {
    let flags = 0;
    for (const part of (a['gup_flags'] as string).split('|').map((x) => x.trim())) {
      if (part === '' || part === '0') continue;
      const v = FOLL_NAMES.get(part);
      if (v === undefined) throw new InputError(`gup_flags: unknown flag "${part}" (known: ${[...FOLL_NAMES.keys()].join(', ')}, joined by |)`);
      flags |= v;
    }
    const pages: number[] = [];
    const got = k.get_user_pages(mmArg(k, a), a['addr'] as number, 1, flags, pages);
    return got === 1 ? pages[0]! : -1;
  },
});

// ---- page types of the seed variants ---------------------------------------------------------------

defineOp({ name: 'PageNetpp', params: [P.page()], result: 'bool', group: TYPES, doc: 'page_type == PGTY_netpp (0xf9), seed 000.', requires: 'PageNetpp', run: (k, a) => (k as unknown as { PageNetpp(p: number): boolean }).PageNetpp(a['page'] as number) });
defineOp({ name: '__SetPageNetpp', params: [P.page()], result: 'void', group: TYPES, doc: 'Set PGTY_netpp (as posted: VM_BUG_ON unless untyped).', requires: '__SetPageNetpp', run: (k, a) => (k as unknown as { __SetPageNetpp(p: number): void }).__SetPageNetpp(a['page'] as number) });
defineOp({ name: '__ClearPageNetpp', params: [P.page()], result: 'void', group: TYPES, doc: 'Clear PGTY_netpp.', requires: '__ClearPageNetpp', run: (k, a) => (k as unknown as { __ClearPageNetpp(p: number): void }).__ClearPageNetpp(a['page'] as number) });
defineOp({ name: 'PageNotRmappable', params: [P.page()], result: 'bool', group: TYPES, doc: 'page_type == PGTY_not_rmappable (0xfa), seed 002.', requires: 'PageNotRmappable', run: (k, a) => (k as unknown as { PageNotRmappable(p: number): boolean }).PageNotRmappable(a['page'] as number) });
defineOp({ name: 'folio_test_rmappable', params: [P.page('folio')], result: 'bool', group: TYPES, doc: 'Seed 002\'s folio_test_rmappable(): the folio has no page type (hugetlb folios excepted).', requires: 'folio_test_rmappable', run: (k, a) => (k as unknown as { folio_test_rmappable(f: number): boolean }).folio_test_rmappable(a['folio'] as number) });

// ---- time ------------------------------------------------------------------------------------

defineOp({
  name: 'msleep',
  params: [P.int('msecs', C.unsigned_int)],
  result: 'void',
  group: TIME,
  doc: 'The scenario\'s task sleeps: jiffies advance (HZ=250) and delayed work whose timer expires runs, in time order, from a kworker (a destroyed pool\'s page_pool_release_retry, every second). Time passes only here.',
  run(k, a) {
    const ms = a['msecs'] as number;
    if (ms < 0 || ms > MAX_MSLEEP_MS) throw new InputError(`msleep: msecs must be between 0 and ${MAX_MSLEEP_MS} (one hour)`);
    k.msleep(ms);
  },
});

// ---- vmstat ------------------------------------------------------------------------------------

function statOp(name: 'global_node_page_state' | 'global_zone_page_state', names: readonly string[], what: string): void {
  defineOp({
    name,
    params: [P.string('item'), P.int('minus', C.long, 0, 'subtracted from the result, so a step can say a counter is back where an earlier step read it')],
    result: 'int',
    group: VMSTAT,
    doc: `A ${what} counter summed over the machine, by its /proc/vmstat name (${names === NODE_STAT_NAMES ? 'nr_mapped, nr_foll_pin_acquired, nr_foll_pin_released, nr_anon_pages, ...' : 'nr_free_pages, ...'}), minus \`minus\`.`,
    run(k, a) {
      const i = names.indexOf(a['item'] as string);
      if (i < 0) throw new InputError(`item: unknown ${what} counter "${a['item'] as string}" (a /proc/vmstat name such as ${names[0]})`);
      return k[name](i) - (a['minus'] as number);
    },
  });
}
statOp('global_node_page_state', NODE_STAT_NAMES, 'node');
statOp('global_zone_page_state', ZONE_STAT_NAMES, 'zone');

// ---- what the fuzzer may call (src/fuzz/model.ts) ------------------------------------------
// One socket per machine: global.sock is 'open' until tcp_close. A pool object is live until
// page_pool_destroy; pages from it are page objects released with page_pool_put_full_page.

const sockOpen = (g: GenApi): boolean => g.global['sock'] !== 'closed';
/** The program has used the socket: its teardown closes it. */
const sockUsed = (g: GenApi): void => void (g.global['sock'] = 'used');
const POOL_PAGE: Need = { kind: 'page', where: (o) => ps(o).release === 'pool' && ps(o).refs >= 1 };

defineFuzz('page_pool_create', { gives: 'pool', when: (g) => g.live('pool').length < 2, args: (g) => ({ order: g.biased([0, 0, 0, 1, 2]) }), effect: (g, _p, as, a) => void g.add('pool', as!, { order: a['order'] as number }) });
defineFuzz('page_pool_alloc_pages', {
  weight: 2,
  gives: 'pp',
  needs: { pool: { kind: 'pool' } },
  when: (g) => g.live('page').filter((o) => ps(o).release === 'pool').length < 8,
  effect: (g, p, as) => void addPage(g, as!, { release: 'pool', pool: p['pool']!.name, order: p['pool']!.s['order'] as number, compound: (p['pool']!.s['order'] as number) > 0 }),
});
defineFuzz('page_pool_put_full_page', { weight: 2, needs: { page: POOL_PAGE }, args: (g, p) => ({ pool: h(ps(p['page']!).pool!), allow_direct: g.chance(0.5) }), effect: (g, p) => void (--ps(p['page']!).refs === 0 && g.drop(p['page']!)) });
defineFuzz('page_pool_recycle_direct', { needs: { page: POOL_PAGE }, args: (_g, p) => ({ pool: h(ps(p['page']!).pool!) }), effect: (g, p) => void (--ps(p['page']!).refs === 0 && g.drop(p['page']!)) });
defineFuzz('page_pool_ref_page', { needs: { page: { kind: 'page', where: (o) => ps(o).release === 'pool' && ps(o).refs >= 1 && ps(o).refs < 3 } }, effect: (_g, p) => void ps(p['page']!).refs++ });
defineFuzz('page_pool_destroy', {
  weight: 0.3,
  needs: { pool: { kind: 'pool', where: (o, g) => !g.live('page').some((x) => ps(x).pool === o.name) } },
  effect(g, p) {
    // The socket may still hold the pool's pages: the pool waits for them (see msleep).
    if (p['pool']!.s['sock'] === true && g.global['sock'] === 'used') g.global['stallJiffies'] ??= 0;
    g.drop(p['pool']!);
  },
});
defineFuzz('page_pool_inflight', { weight: 0.3, needs: { pool: { kind: 'pool' } } });
defineFuzz('netmem_get_pp_ref_count', { weight: 0.2, needs: { netmem: POOL_PAGE } });

defineFuzz('tcp_receive', { weight: 2, needs: { pool: { kind: 'pool', where: (o) => o.s['order'] === 0 } }, when: sockOpen, args: (g) => ({ bytes: g.biased([4096 + 100, 100, 4096, 65536 + 1000, 524288 + 1000]) }), diff: 'value', effect: (g, p) => (sockUsed(g), void (p['pool']!.s['sock'] = true)) });
defineFuzz('tcp_mmap', { weight: 1.5, gives: 'a', needs: { mm: { kind: 'mm' } }, when: (g) => sockOpen(g) && g.live('vma').length < 4, args: (g) => ({ addr: 0, len: g.biased([2 * 1048576, 524288 + 2 * 1048576, 65536]), write: false }), effect: (g, p, as, a) => (sockUsed(g), void g.add('vma', as!, { mm: p['mm']!.name, len: a['len'] as number, kind: 'tcp', maps: '', slots: '', pins: '' })), diff: 'errno' });
defineFuzz('tcp_zerocopy_receive', {
  weight: 3,
  needs: { vma: { kind: 'vma', where: (o) => o.s['kind'] === 'tcp' } },
  when: sockOpen,
  args(g, p) {
    const v = p['vma']!;
    const len = v.s['len'] as number;
    const length = Math.min(len, g.biased([4096, 65536, 524288]));
    return { mm: h(v.s['mm'] as string), address: at(v, g.chance(0.7) ? 0 : g.int((len - length) / 4096 + 1) * 4096), length };
  },
  effect: (g) => sockUsed(g),
  diff: 'errno',
});
defineFuzz('tcp_zc_recv_skip_hint', { weight: 0.3, when: sockOpen });
defineFuzz('tcp_inq', { weight: 0.3, when: sockOpen });
defineFuzz('tcp_recvmsg', { weight: 1.5, when: sockOpen, args: (g) => ({ length: g.biased([67108864, 4096, 100]) }) , effect: (g) => sockUsed(g) });
defineFuzz('tcp_close', { weight: 0.2, when: sockOpen, effect: (g) => void (g.global['sock'] = 'closed') });
/**
 * A pool destroyed while the socket (or a mapping of its pages) still holds
 * pages waits for them, and page_pool_release_retry() warns "stalled pool
 * shutdown" once they have been out for DEFER_WARN_INTERVAL (60 s): the
 * kernel's warning is right then, so a legal program, which must run
 * silent under a correct kernel, sleeps less than that in all while the
 * pages are out. `stallJiffies` counts the jiffies slept since such a
 * destroy (each msleep rounded up to whole jiffies, as the kernel's is).
 */
const poolPagesHeld = (g: GenApi): boolean => g.global['stallJiffies'] !== undefined && (g.global['sock'] === 'used' || g.live('vma').some((v) => v.s['kind'] === 'tcp'));
defineFuzz('msleep', {
  weight: 0.3,
  args(g) {
    if (!poolPagesHeld(g)) return { msecs: g.biased([10, 1000, 61000]) };
    const left = DEFER_WARN_INTERVAL - 1 - (g.global['stallJiffies'] as number);
    return PagePool.msecs_to_jiffies(10) <= left ? { msecs: PagePool.msecs_to_jiffies(1000) <= left ? 1000 : 10 } : null;
  },
  effect(g, _p, _as, a) {
    if (poolPagesHeld(g)) g.global['stallJiffies'] = (g.global['stallJiffies'] as number) + PagePool.msecs_to_jiffies(a['msecs'] as number);
    else delete g.global['stallJiffies'];
  },
});
