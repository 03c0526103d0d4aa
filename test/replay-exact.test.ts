/**
 * Exact mode on small hand-written traces (a 64 MiB machine sized from the
 * trace, every page free at t0): what each tracepoint does to the buddy and
 * pcp state, each inconsistency kind, preexisting frees, and the extfrag
 * paths (steal, claim after a zone_locked), which the real captures lack.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVariant } from '../src/engine/build.js';
import { bootReplayMachine, type ReplayMachine } from '../src/replay/machine.js';
import { ExactReplayer } from '../src/replay/exact.js';
import { readTraceBuffer } from '../src/replay/parse.js';
import { checkMachine } from '../src/check/checker.js';
import { K_ALLOC, K_FREE, K_FREE0, K_PCP } from '../src/replay/state.js';
import { MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../src/kernel/config.js';
import { loadNextTo } from '../src/replay/snapshots.js';
import { shapeFromZoneinfo, zoneCounts } from '../src/replay/shape.js';
import { repoRoot } from './helpers/machine.js';
import { resolve } from 'node:path';

const X = 0x2400; // in DMA32 of a 64 MiB machine, free at boot
let ts = 0;

function ev(cpu: number, name: string, pfn: number, fields: string): string {
  ts++;
  return `            bash-8208    [00${cpu}] .....  1000.${String(ts).padStart(6, '0')}: ${name}: page=0000000012345678 pfn=0x${pfn.toString(16)} ${fields}`;
}
const zl = (pfn: number, order = 0, mt = 1, refill = 1, cpu = 0): string => ev(cpu, 'mm_page_alloc_zone_locked', pfn, `order=${order} migratetype=${mt} percpu_refill=${refill}`);
const alloc = (pfn: number, order = 0, mt = 1, cpu = 0, gfp = 'GFP_HIGHUSER_MOVABLE'): string => ev(cpu, 'mm_page_alloc', pfn, `order=${order} migratetype=${mt} gfp_flags=${gfp}`);
const free = (pfn: number, order = 0, cpu = 0): string => ev(cpu, 'mm_page_free', pfn, `order=${order}`);
const batched = (pfn: number, cpu = 0): string => ev(cpu, 'mm_page_free_batched', pfn, 'order=0');
const drain = (pfn: number, order = 0, mt = 1, cpu = 0): string => ev(cpu, 'mm_page_pcpu_drain', pfn, `order=${order} migratetype=${mt}`);
const extfrag = (pfn: number, allocOrder: number, fallbackOrder: number, allocMt: number, fallbackMt: number, ownership: number): string =>
  ev(0, 'mm_page_alloc_extfrag', pfn, `alloc_order=${allocOrder} fallback_order=${fallbackOrder} pageblock_order=9 alloc_migratetype=${allocMt} fallback_migratetype=${fallbackMt} fragmenting=1 change_ownership=${ownership}`);

function run(lines: readonly string[]): { rm: ReplayMachine; ex: ExactReplayer } {
  const rm = bootReplayMachine(buildVariant('baseline'), { shape: null, counts: new Map(), maxPfn: 0x3000, maxCpu: 1 });
  const ex = new ExactReplayer(rm);
  const read = readTraceBuffer(Buffer.from(`${lines.join('\n')}\n`), (log, from, to) => ex.apply(log, from, to));
  assert.equal(read.stats.malformed, 0);
  assert.equal(read.stats.events, lines.length);
  ex.finishEvents();
  assert.deepEqual(checkMachine(rm.k).violations, [], 'the machine stays sound');
  return { rm, ex };
}

test('exact: a refill, an allocation, a free and a drain move the page pcp -> allocated -> pcp -> buddy', () => {
  const { rm, ex } = run([zl(X), alloc(X), free(X), batched(X), drain(X)]);
  assert.deepEqual(ex.incons.toJSON(), {});
  assert.equal(rm.st.kind[X], K_FREE);
  assert.ok(rm.k.PageBuddy(X & ~1023) || rm.k.PageBuddy(X), 'merged back into a free block');
  assert.equal(ex.counters.preexisting, 0);
});

test('exact: states between the events', () => {
  let r = run([zl(X)]);
  assert.equal(r.rm.st.kind[X], K_PCP);
  assert.equal(r.rm.k.zones[1]!.pcp[0]!.count, 1);
  r = run([zl(X), alloc(X)]);
  assert.equal(r.rm.st.kind[X], K_ALLOC);
  assert.equal(r.rm.k.page_ref_count(X), 1);
  r = run([zl(X, 0, 1, 1, 1), alloc(X, 0, 1, 1), free(X, 0, 0)]);
  assert.equal(r.rm.st.kind[X], K_PCP);
  assert.equal(r.rm.k.zones[1]!.pcp[0]!.count, 1, 'freed onto the freeing CPU');
  // A pcp-order zone_locked without percpu_refill goes to the caller; an order-4 free goes straight to the buddy.
  r = run([zl(X, 4, 1, 0), alloc(X, 4), free(X, 4)]);
  assert.deepEqual(r.ex.incons.toJSON(), {});
  assert.equal(r.rm.st.kind[X], K_FREE);
});

test('exact: every kind of inconsistency is counted with its line, and applied', () => {
  const { ex } = run([
    zl(X), alloc(X), free(X), free(X), // 4: free of a page on a pcp list
    alloc(X + 8, 0, 1), // 5: untouched, first touched by an alloc: on a pcp list at t0 (no inconsistency)
    alloc(X + 8, 0, 1), // 6: allocated twice
    drain(X + 16), // 7: untouched: on a pcp list at t0 (no inconsistency)
    drain(X + 16), // 8: drain of a page in the buddy lists
    free(0x7fff0000), // 9: no such page
    free(X + 1, 1), // 10: order-1 block at an odd pfn
  ]);
  assert.deepEqual(ex.incons.toJSON(), { alloc_of_allocated: 1, drain_of_free_page: 1, free_of_free_page: 1, outside_zone: 1, unaligned: 1 });
  assert.deepEqual(Object.fromEntries(ex.incons.examples), { free_of_free_page: [4], alloc_of_allocated: [6], drain_of_free_page: [8], outside_zone: [9], unaligned: [10] });
  assert.equal(ex.counters.t0PcpPages, 2);
});

test('exact: frees of pages never seen allocated are preexisting, not inconsistencies', () => {
  const { rm, ex } = run([free(X), free(X + 16, 2), batched(X)]);
  assert.deepEqual(ex.incons.toJSON(), {});
  assert.equal(ex.counters.preexisting, 2);
  assert.equal(rm.st.kind[X], K_PCP);
  assert.equal(rm.st.kind[X + 16], K_PCP);
  assert.equal(rm.st.kind[X + 32], K_FREE0, 'the rest stays untouched');
});

test('exact: parts of a plain high-order allocation may be freed one by one (split_page)', () => {
  const { rm, ex } = run([zl(X, 2, 0, 0), alloc(X, 2, 0, 0, 'GFP_KERNEL'), free(X + 1), free(X + 2, 1), free(X)]);
  assert.deepEqual(ex.incons.toJSON(), {});
  assert.equal(rm.st.kind[X + 3], K_PCP);
  assert.equal(rm.st.kind[X + 2], K_PCP);
});

test('exact: a compound page freed at another order is an order mismatch', () => {
  const { ex } = run([zl(X, 2, 0, 0), alloc(X, 2, 0, 0, 'GFP_KERNEL|__GFP_COMP'), free(X, 1)]);
  assert.deepEqual(ex.incons.toJSON(), { order_mismatch: 1 });
});

test('exact: extfrag alone is a steal: the block leaves the fallback list with no zone_locked', () => {
  const { rm, ex } = run([extfrag(X, 0, 3, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, 0), alloc(X, 0, 0, 0, 'GFP_KERNEL')]);
  assert.deepEqual(ex.incons.toJSON(), {});
  assert.equal(rm.st.kind[X], K_ALLOC);
  assert.equal(ex.counters.claims, 0);
  assert.equal(rm.k.get_pageblock_migratetype(X), MIGRATE_MOVABLE, 'a steal leaves the pageblock Movable');
});

test('exact: extfrag with change_ownership claims the pageblock', () => {
  const { rm, ex } = run([extfrag(X, 0, 3, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, 1), alloc(X, 0, 0, 0, 'GFP_KERNEL')]);
  assert.deepEqual(ex.incons.toJSON(), {});
  assert.equal(ex.counters.claims, 1);
  assert.equal(rm.k.get_pageblock_migratetype(X), MIGRATE_UNMOVABLE);
});

test('exact: a zone_locked that contradicts a seen pageblock type is a claim when its extfrag follows, else a mismatch', () => {
  const seen = [zl(X, 0, MIGRATE_MOVABLE, 1), drain(X, 0, MIGRATE_MOVABLE)];
  let r = run([...seen, zl(X + 1, 0, MIGRATE_UNMOVABLE, 1), extfrag(X + 1, 0, 0, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, 1)]);
  assert.deepEqual(r.ex.incons.toJSON(), {});
  assert.equal(r.ex.counters.claims, 1);
  assert.equal(r.rm.k.get_pageblock_migratetype(X), MIGRATE_UNMOVABLE);
  r = run([...seen, zl(X + 1, 0, MIGRATE_UNMOVABLE, 1), alloc(X + 1, 0, 0)]);
  assert.deepEqual(r.ex.incons.toJSON(), { freelist_type_mismatch: 1 });
});

/**
 * The THP capture's VM initialised the struct pages of its accounted memory
 * only: 5,177,344 reserved pages at the top of Normal are zeroed in its
 * memmap. The replay machine is planned with them uninitialised: boot does
 * not write them (so a 24 GiB replay does not fault in 330 MB it never
 * uses), and they read as the zeroes they are.
 */
test('a replayed machine leaves the struct pages its VM never initialised untouched and zeroed', () => {
  const trace = resolve(repoRoot, 'data', 'ftrace', 'firecracker-vm-6.18.44-x86_64-2cpu-24GB-thp-32x2MB', 'trace.txt.gz');
  const initial = loadNextTo(trace, 't0_', '--initial');
  const rm = bootReplayMachine(buildVariant('baseline'), { shape: shapeFromZoneinfo(initial.zoneinfo!, 't0_zoneinfo'), counts: zoneCounts(initial), maxPfn: 0, maxCpu: 0 });
  const k = rm.k;
  const uninit = k.plan.uninitialised ?? [];
  assert.deepEqual(uninit.map(([s, e]) => e - s).reduce((a, b) => a + b, 0), 5177344);
  assert.ok(rm.notes.includes('zone Normal: 5177344 reserved pages in no pageblock the snapshot counts: struct pages left zeroed, as on the captured VM'));
  const [s, e] = uninit[0]!;
  for (const pfn of [s, s + 1, (s + e) >>> 1, e - 1]) {
    for (let w = 0; w < k.PW; w++) assert.equal(k.m32[pfn * k.PW + w], 0, `pfn ${pfn} word ${w}`);
    assert.equal(k.memmapZone(pfn), k.page_zone(pfn));
  }
  // The page below is initialised: its flags link it to Normal.
  assert.equal(k.page_zone(s - 1).name, 'Normal');
  assert.notEqual(k.flagsHi(s - 1), 0);
  assert.deepEqual(checkMachine(k).violations, []);
});
