/**
 * Property-based test of the network path under mainline (fast-check):
 * random sequences of page_pool allocations and releases (direct, to the
 * ring, with an extra reference), NIC receives, TCP zero-copy receives,
 * reads and MADV_DONTNEED keep the whole-machine checker clean and the
 * kernel silent; afterwards, draining the socket, unmapping and destroying
 * the pool leaves nothing in flight and every page back in the allocator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { restoredMachine } from './helpers/machine.js';
import { checkMachine } from '../src/check/checker.js';
import type { Kernel } from '../src/kernel/kernel.js';
import type { MmStruct } from '../src/kernel/mm_types.js';
import { PP_FLAG_DMA_MAP, type PagePoolStruct } from '../src/kernel/page_pool.js';
import { TCP_ZEROCOPY_RECEIVE, TcpZerocopyReceive } from '../src/kernel/tcp.js';
import { GFP_ATOMIC, __GFP_NOWARN } from '../src/kernel/gfp.js';
import { NR_FILE_MAPPED, NR_FREE_PAGES } from '../src/kernel/vmstat.js';

const PAGE = 4096;
const MAP_PAGES = 256;
const GFP = GFP_ATOMIC | __GFP_NOWARN;

interface Real {
  k: Kernel;
  pool: PagePoolStruct;
  mm: MmStruct;
  a: number;
}

interface Model {
  /** Pages the test holds from page_pool_alloc_pages. */
  held: number[];
}

function violations(k: Kernel): string[] {
  return checkMachine(k).violations.map((v) => `${v.checker}: ${v.what}`);
}

class Receive implements fc.Command<Model, Real> {
  constructor(readonly bytes: number) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    if (r.k.tcpSock().count < 900) r.k.tcp_receive(r.pool, this.bytes);
  }
  toString(): string {
    return `tcp_receive(${this.bytes})`;
  }
}

class Zerocopy implements fc.Command<Model, Real> {
  constructor(
    readonly at: number,
    readonly pages: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const u = new TcpZerocopyReceive();
    u.address = r.a + (this.at % MAP_PAGES) * PAGE;
    u.length = this.pages * PAGE;
    const err = r.k.do_tcp_getsockopt(r.k.tcpSock(), TCP_ZEROCOPY_RECEIVE, u, r.mm);
    assert.equal(err, 0, 'baseline: zero-copy never fails');
  }
  toString(): string {
    return `getsockopt(TCP_ZEROCOPY_RECEIVE, page ${this.at % MAP_PAGES}, ${this.pages} pages)`;
  }
}

class Recvmsg implements fc.Command<Model, Real> {
  constructor(readonly len: number) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    r.k.tcp_recvmsg(r.k.tcpSock(), this.len);
  }
  toString(): string {
    return `recv(${this.len})`;
  }
}

class Madvise implements fc.Command<Model, Real> {
  constructor(
    readonly at: number,
    readonly pages: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const from = this.at % MAP_PAGES;
    r.k.zap_page_range_single(r.mm.find_vma(r.a)!, r.a + from * PAGE, Math.min(this.pages, MAP_PAGES - from) * PAGE);
  }
  toString(): string {
    return `madvise(MADV_DONTNEED, page ${this.at % MAP_PAGES}, ${this.pages} pages)`;
  }
}

class PoolAlloc implements fc.Command<Model, Real> {
  check(m: Readonly<Model>): boolean {
    return m.held.length < 200;
  }
  run(m: Model, r: Real): void {
    const p = r.k.page_pool_alloc_pages(r.pool, GFP);
    if (p >= 0) m.held.push(p);
  }
  toString(): string {
    return 'page_pool_alloc_pages()';
  }
}

class PoolPut implements fc.Command<Model, Real> {
  constructor(
    readonly i: number,
    readonly how: 'direct' | 'ring' | 'extra-ref',
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.held.length > 0;
  }
  run(m: Model, r: Real): void {
    const [p] = m.held.splice(this.i % m.held.length, 1);
    if (this.how === 'extra-ref') {
      r.k.get_page(p!);
      r.k.page_pool_put_full_page(r.pool, p!, false);
      r.k.put_page(p!);
    } else r.k.page_pool_put_full_page(r.pool, p!, this.how === 'direct');
  }
  toString(): string {
    return `page_pool_put_full_page(held ${this.i}, ${this.how})`;
  }
}

class Checked implements fc.Command<Model, Real> {
  constructor(readonly inner: fc.Command<Model, Real>) {}
  check(m: Readonly<Model>): boolean {
    return this.inner.check(m);
  }
  run(m: Model, r: Real): void {
    this.inner.run(m, r);
    assert.deepEqual(violations(r.k), [], `after ${this.inner.toString()}`);
    assert.deepEqual(r.k.reports.map((x) => x.message), [], `after ${this.inner.toString()}`);
  }
  toString(): string {
    return this.inner.toString();
  }
}

const commands = [
  fc.integer({ min: 1, max: 40 * PAGE }).map((b) => new Receive(b)),
  fc.integer({ min: 1, max: 64 }).map((n) => new Receive(n * PAGE)),
  fc.tuple(fc.nat(MAP_PAGES), fc.integer({ min: 1, max: 80 })).map(([at, n]) => new Zerocopy(at, n)),
  fc.tuple(fc.nat(MAP_PAGES), fc.integer({ min: 1, max: 80 })).map(([at, n]) => new Zerocopy(at, n)),
  fc.integer({ min: 0, max: 50 * PAGE }).map((n) => new Recvmsg(n)),
  fc.tuple(fc.nat(MAP_PAGES), fc.integer({ min: 1, max: MAP_PAGES })).map(([at, n]) => new Madvise(at, n)),
  fc.constant(new PoolAlloc()),
  fc.tuple(fc.nat(300), fc.constantFrom('direct' as const, 'ring' as const, 'extra-ref' as const)).map(([i, how]) => new PoolPut(i, how)),
].map((arb) => arb.map((c) => new Checked(c) as fc.Command<Model, Real>));

test('random page_pool / receive / zero-copy / recvmsg / MADV_DONTNEED sequences keep the machine clean and end with nothing in flight (baseline)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 16, max: 1024 }), fc.commands(commands, { maxCommands: 50, size: 'large' }), (pool_size, cmds) => {
      // 64 MiB: the checkers read every struct page after every command, and
      // these sequences hold at most 439 pages of the 11,700 free.
      const k = restoredMachine('baseline', 64 * 2 ** 20);
      const pool = k.page_pool_create({ order: 0, pool_size, nid: -1, flags: PP_FLAG_DMA_MAP });
      assert.ok(typeof pool !== 'number');
      const mm = k.mm_alloc()!;
      const a = k.sock_mmap(mm, 0, MAP_PAGES * PAGE, false);
      k.drain_all_pages(null);
      const free0 = k.global_zone_page_state(NR_FREE_PAGES);
      const model: Model = { held: [] };
      fc.modelRun(() => ({ model, real: { k, pool, mm, a } }), cmds);
      // Drain the socket, unmap, give back what the test holds, destroy the pool.
      k.tcp_recvmsg(k.tcpSock(), 64 << 20);
      assert.equal(k.tcp_inq(k.tcpSock()), 0);
      assert.equal(k.do_vmi_munmap(mm, a, MAP_PAGES * PAGE), 0);
      assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 0);
      for (const p of model.held) k.page_pool_put_full_page(pool, p, false);
      assert.equal(k.page_pool_inflight(pool, true), pool.alloc_count + k.ptrRingCount(pool), 'in flight = what the pool itself caches');
      k.page_pool_destroy(pool);
      assert.equal(k.pagePools.size, 0, 'nothing in flight: the pool is freed at once');
      k.rcu_barrier();
      k.drain_all_pages(null);
      assert.equal(k.global_zone_page_state(NR_FREE_PAGES), free0, 'every page is back');
      assert.deepEqual(violations(k), []);
      assert.deepEqual(k.reports.map((r) => r.message), []);
      k.mmput(mm);
    }),
    { numRuns: 40, seed: 0x7c9 },
  );
});
