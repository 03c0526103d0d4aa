/**
 * `pagesim bench`: speed and memory of the simulated allocator, each speed
 * next to the limit the hardware sets for the same kind of work, so the
 * figures mean the same on a fast and a slow machine.
 *
 *   alloc-free-order0-pcp    order-0 allocate/free pairs through the per-CPU lists
 *   alloc-free-order0-buddy  the same with the zone's pcp disabled (zone_pcp_disable),
 *                            so every page goes through the buddy free lists
 *   alloc-free-order9        order-9 (THP-sized) pairs
 *   memmap-init              booting the machine, per struct page
 *   fault-unmap-anon-4k      write-faulting a 64 MiB anonymous mapping page by
 *                            page (THP off) and unmapping it, per page
 *   fault-unmap-anon-thp     the same with THP: per PMD-mapped 2 MiB folio
 *   page-pool-recycle        page_pool_alloc_pages + page_pool_put_full_page
 *                            recycled straight into the alloc cache, per pair
 *
 * Replay throughput (events per second of an exact replay of the mixed
 * real capture, parsing included; a synthetic trace when the captures are
 * absent) is reported beside them, against its 3 million events/s target.
 *
 * The limit for the allocator pairs is a random read-modify-write of two
 * 64-byte records in a buffer as large as the memmap: the memory traffic
 * of touching two struct pages, with nothing simulated. The limit for
 * memmap-init is a sequential write of one 64-byte record per page.
 * ratio = limit / actual (1.0 = as fast as the memory allows).
 *
 * Replay throughput, and the resident memory per simulated page and boot
 * time at 64 GiB, are measured each in a child process (child.ts), so that
 * nothing else shares its heap or its compiled code.
 */

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildVariant, createMachine } from '../engine/build.js';
import type { Kernel } from '../kernel/kernel.js';
import { GFP_ATOMIC, GFP_KERNEL, GFP_TRANSHUGE } from '../kernel/gfp.js';
import { FAULT_FLAG_WRITE } from '../kernel/memory.js';
import type { BenchReplayResult } from '../replay/bench.js';

export interface BenchResult {
  readonly name: string;
  readonly ns_per_op: number;
  readonly limit_ns_per_op: number;
  readonly ratio: number;
}

export interface BenchReport {
  readonly memory_bytes: number;
  readonly results: BenchResult[];
  readonly rss_bytes_per_page: number;
  readonly boot_64g_seconds: number;
  readonly replay: { readonly trace: string; readonly events: number; readonly events_per_second: number; readonly cold_events_per_second: number };
}

type Progress = (msg: string) => void;

/** Best (lowest) time per operation over `rounds` rounds of `ops` operations. */
function timePerOp(ops: number, rounds: number, body: (n: number) => void): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    body(ops);
    const t1 = process.hrtime.bigint();
    best = Math.min(best, Number(t1 - t0) / ops);
  }
  return best;
}

/** Random RMW of two 64-byte records in a buffer of `bytes`. */
function randomPairLimit(bytes: number, ops: number): number {
  const m = new Uint32Array(bytes >>> 2);
  const recs = m.length >>> 4;
  let x = 0x2545f491;
  let sink = 0;
  const ns = timePerOp(ops, 5, (n) => {
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const a = (x % recs) << 4;
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const b = (x % recs) << 4;
      m[a + 13] = m[a + 13]! + 1;
      m[a + 2] = m[b + 2]!;
      m[b + 13] = m[b + 13]! - 1;
      m[b + 4] = m[a + 4]! ^ 1;
      sink += m[a]! + m[b + 12]!;
    }
  });
  if (sink === -1) throw new Error('unreachable');
  return ns;
}

/** Sequential write of one 64-byte record per page over a buffer of `bytes`. */
function sequentialInitLimit(bytes: number): number {
  const m = new Uint32Array(bytes >>> 2);
  const recs = m.length >>> 4;
  return timePerOp(recs, 3, (n) => {
    for (let r = 0; r < n; r++) {
      const w = r << 4;
      m[w] = 0xc0000000;
      m[w + 1] = 0x7ffff;
      m[w + 2] = w * 4 + 8;
      m[w + 3] = 0xffffea00;
      m[w + 4] = w * 4 + 8;
      m[w + 5] = 0xffffea00;
      m[w + 12] = 0xffffffff;
      m[w + 13] = 1;
    }
  });
}

/** Allocate/free pairs keeping a small ring of pages allocated, so the pcp lists see real turnover. */
function pairs(k: Kernel, gfp: number, order: number, ring: number, ops: number): number {
  const held = new Int32Array(ring).fill(-1);
  let i = 0;
  return timePerOp(ops, 5, (n) => {
    for (let j = 0; j < n; j++) {
      const slot = i++ % ring;
      if (held[slot]! >= 0) k.__free_pages(held[slot]!, order);
      held[slot] = k.alloc_pages(gfp, order);
    }
  });
}

function result(name: string, ns: number, limit: number): BenchResult {
  return { name, ns_per_op: round(ns), limit_ns_per_op: round(limit), ratio: Math.round((limit / ns) * 100) / 100 };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Runs one measurement of child.ts in a process of its own and returns what it printed. */
function inChild<T>(what: 'boot-64g' | 'replay'): T {
  const child = spawnSync(process.execPath, ['--max-old-space-size=4096', fileURLToPath(new URL('./child.js', import.meta.url)), what], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`bench ${what} failed: ${child.stderr.trim()}`);
  return JSON.parse(child.stdout) as T;
}

/** Fault in and unmap an anonymous mapping of `bytes`; ns per fault (a page, or a 2 MiB folio with THP). */
function faultUnmap(thp: 'always' | 'never', bytes: number, rounds: number): number {
  const k = createMachine(buildVariant('baseline'), { memoryBytes: 2 ** 30, cpus: 2, nodes: 1, thp });
  const mm = k.mm_alloc()!;
  const step = thp === 'always' ? 2 ** 21 : 4096;
  const faults = bytes / step;
  return timePerOp(faults, rounds, () => {
    const a = k.do_mmap(mm, 0, bytes);
    const vma = mm.find_vma(a)!;
    for (let off = 0; off < bytes; off += step) k.handle_mm_fault(vma, a + off, FAULT_FLAG_WRITE);
    k.do_vmi_munmap(mm, a, bytes);
    k.synchronize_rcu();
  });
}

/** page_pool alloc + direct recycle pairs on a warm pool. */
function poolRecycle(ops: number): number {
  const k = createMachine(buildVariant('baseline'), { memoryBytes: 2 ** 30, cpus: 2, nodes: 1 });
  const pool = k.page_pool_create({ order: 0, pool_size: 1024, nid: -1, flags: 0 });
  if (typeof pool === 'number') throw new Error(`page_pool_create failed: ${pool}`);
  return timePerOp(ops, 3, (n) => {
    for (let i = 0; i < n; i++) k.page_pool_put_full_page(pool, k.page_pool_alloc_pages(pool, GFP_ATOMIC), true);
  });
}

export async function runBench(memoryBytes: number, progress: Progress): Promise<BenchReport> {
  const built = buildVariant('baseline');
  progress(`booting a ${memoryBytes / 2 ** 30} GiB machine`);
  const t0 = process.hrtime.bigint();
  const k = createMachine(built, { memoryBytes, cpus: 2, nodes: 1 });
  const bootNs = Number(process.hrtime.bigint() - t0) / k.nr_pages;
  const memmapBytes = k.nr_pages * k.structPageSize;
  progress('measuring the memory limits');
  const limitPair = randomPairLimit(memmapBytes, 2_000_000);
  const limitInit = sequentialInitLimit(memmapBytes);
  const results: BenchResult[] = [];
  progress('order-0 pairs through the per-CPU lists');
  results.push(result('alloc-free-order0-pcp', pairs(k, GFP_KERNEL, 0, 32, 1_000_000), limitPair));
  progress('order-0 pairs through the buddy lists');
  for (const z of k.zones) k.zone_pcp_disable(z);
  results.push(result('alloc-free-order0-buddy', pairs(k, GFP_KERNEL, 0, 32, 500_000), limitPair));
  for (const z of k.zones) k.zone_pcp_enable(z);
  progress('order-9 pairs');
  results.push(result('alloc-free-order9', pairs(k, GFP_TRANSHUGE, 9, 4, 100_000), limitPair));
  results.push(result('memmap-init', bootNs, limitInit));
  progress('faulting in and unmapping anonymous memory');
  results.push(result('fault-unmap-anon-4k', faultUnmap('never', 64 * 2 ** 20, 3), limitPair));
  results.push(result('fault-unmap-anon-thp', faultUnmap('always', 256 * 2 ** 20, 3), limitPair));
  progress('page_pool recycling');
  results.push(result('page-pool-recycle', poolRecycle(1_000_000), limitPair));
  progress('replaying a trace in a child process');
  const rp = inChild<BenchReplayResult>('replay');
  progress('booting a 64 GiB machine in a child process');
  const big = inChild<{ seconds: number; rssPerPage: number }>('boot-64g');
  return {
    memory_bytes: memoryBytes,
    results,
    rss_bytes_per_page: round(big.rssPerPage),
    boot_64g_seconds: Math.round(big.seconds * 1000) / 1000,
    replay: { trace: rp.trace, events: rp.events, events_per_second: rp.eventsPerSecond, cold_events_per_second: rp.coldEventsPerSecond },
  };
}

export function formatBench(r: BenchReport): string {
  const lines = [`pagesim bench: ${r.memory_bytes / 2 ** 30} GiB machine, baseline`, '', 'benchmark                  ns/op   limit ns/op   ratio (limit/actual)'];
  for (const x of r.results) lines.push(`${x.name.padEnd(24)} ${x.ns_per_op.toFixed(1).padStart(7)}   ${x.limit_ns_per_op.toFixed(1).padStart(11)}   ${x.ratio.toFixed(2)}`);
  lines.push(
    '',
    `replay: ${(r.replay.events_per_second / 1e6).toFixed(2)} M events/s warm, ${(r.replay.cold_events_per_second / 1e6).toFixed(2)} M cold (target 3 M), ${r.replay.events} events of ${r.replay.trace === 'synthetic' ? 'a synthetic trace' : 'the mixed real capture'}`,
    `resident memory per simulated page at 64 GiB: ${r.rss_bytes_per_page.toFixed(1)} bytes (target <= 72)`,
    `64 GiB machine boot: ${r.boot_64g_seconds.toFixed(2)} s (target < 1 s)`,
  );
  return lines.join('\n');
}
