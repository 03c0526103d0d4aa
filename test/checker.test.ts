/**
 * The whole-machine checker: clean after boot, and each concern's checker
 * finds the corruption it is for, saying what and where.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import { checkMachine, noteCheckpoint, reportViolations } from '../src/check/checker.js';
import { forgetMemmapReference, takeChangedMemmap } from '../src/check/memmap-pass.js';
import { Checkpoint } from '../src/explore/checkpoint.js';
import { GFP_KERNEL, __GFP_COMP } from '../src/kernel/gfp.js';
import { ZONE_DMA32, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../src/kernel/config.js';
import { buildVariant, createMachine } from '../src/engine/build.js';
import { FAULT_FLAG_WRITE } from '../src/kernel/memory.js';
import { PG_head } from '../src/kernel/page-flags.js';

function whats(k: ReturnType<typeof machine>): string[] {
  return checkMachine(k).violations.map((v) => `${v.checker}: ${v.what}`);
}

test('a booted machine, and one after allocations and frees, is clean', () => {
  const k = machine();
  assert.deepEqual(whats(k), []);
  const pages = Array.from({ length: 100 }, (_, i) => k.alloc_pages(GFP_KERNEL | (i % 3 === 0 ? __GFP_COMP : 0), i % 4));
  pages.forEach((p, i) => i % 2 === 0 && k.__free_pages(p, i % 4));
  assert.deepEqual(whats(k), []);
});

test('page-state: a page that claims to be Buddy but is on no free list', () => {
  const k = machine();
  const p = k.alloc_pages(GFP_KERNEL, 0);
  k.__SetPageBuddy(p);
  assert.deepEqual(whats(k), [`page-state: pfn 0x${p.toString(16)} is PageBuddy but on no free list`]);
});

test('free-lists: nr_free disagrees with the list', () => {
  const k = machine();
  const zone = k.nodes[0]!.node_zones[ZONE_DMA32]!;
  k.set_free_area_nr_free(zone, 7, k.free_area_nr_free(zone, 7) + 2);
  assert.ok(whats(k).some((w) => /^free-lists: zone DMA32 free_area\[7\]\.nr_free is \d+ but its lists hold \d+ blocks$/.test(w)));
});

test('free-lists: a wild pointer in a free list is reported, not followed', () => {
  const k = machine();
  const zone = k.nodes[0]!.node_zones[ZONE_DMA32]!;
  const head = k.get_page_from_free_area(zone, 10, 1);
  k.write64(head * k.PW + k.W_lru, 0xdead000000000100n);
  const w = whats(k);
  assert.ok(w.some((x) => x.includes('points outside memory (LIST_POISON')), w.join('\n'));
});

test('buddy-merge: two free order-0 buddies left unmerged', () => {
  const k = machine();
  const zone = k.nodes[0]!.node_zones[ZONE_DMA32]!;
  const b = k.alloc_frozen_pages(GFP_KERNEL, 1);
  for (const p of [b, b + 1]) {
    k.set_buddy_order(p, 0);
    k.__add_to_free_list(p, zone, 0, MIGRATE_UNMOVABLE, false);
    k.account_freepages(zone, 1, MIGRATE_UNMOVABLE);
  }
  assert.deepEqual(whats(k), [`buddy-merge: free buddies 0x${b.toString(16)} and 0x${(b + 1).toString(16)} of order 0 are both on the free lists, unmerged`]);
});

test('compound: a tail that points at another head', () => {
  const k = machine();
  const f = k.alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
  k.set_compound_head(f + 2, f + 1);
  assert.deepEqual(whats(k), [`compound: tail 0x${(f + 2).toString(16)} of compound page 0x${f.toString(16)} points at another head`]);
});

test('violations become check reports with a page dump', () => {
  const k = machine();
  const p = k.alloc_pages(GFP_KERNEL, 0);
  k.__SetPageBuddy(p);
  reportViolations(k, checkMachine(k));
  assert.equal(k.reports.length, 1);
  const r = k.reports[0]!;
  assert.equal(r.kind, 'check');
  assert.equal(r.function, 'page-state');
  assert.equal(r.pfn, p);
  assert.match(r.text, /page_type: f0\(buddy\)/);
});

/** Allocations, a THP fault, and five corruptions: a Buddy page off the lists, a stray PG_head, a tail pointing elsewhere, a free page with a reference, a head free block with PG_head. */
function corruptFiveWays(k: ReturnType<typeof machine>): void {
  const held = Array.from({ length: 24 }, (_, i) => k.alloc_pages(GFP_KERNEL | (i % 2 === 0 ? __GFP_COMP : 0), i % 4));
  const pt = k.mm_alloc()!;
  const a = k.do_mmap(pt, 0, 2 ** 21);
  k.handle_mm_fault(pt.find_vma(a)!, a, FAULT_FLAG_WRITE);
  k.__SetPageBuddy(held[1]!);
  k.m32[held[3]! * k.PW + k.W_flags] |= 1 << PG_head;
  k.m32[(held[6]! + 1) * k.PW + k.W_compound_head] = 0x41;
  const free = k.zones.find((z) => z.populated() && k.free_area_nr_free(z, 3) > 0)!;
  const blk = k.get_page_from_free_area(free, 3, MIGRATE_MOVABLE);
  k.i32[(blk + 2) * k.PW + k.W_refcount] = 7;
  k.m32[blk * k.PW + k.W_flags] |= 1 << PG_head;
}

/**
 * page-state, compound and page-tables read every struct page in one pass,
 * reading the words themselves while the variant reads struct pages as
 * mainline does (src/check/page-reader.ts). A variant that overrides one of
 * those helpers gets the pass through its helpers: the reports must be the
 * same when the override changes nothing.
 */
test('the memmap pass reports the same through the kernel helpers as from the words', () => {
  const base = buildVariant('baseline');
  class Overridden extends base.kernelClass {
    override PageHead(page: number): boolean {
      return super.PageHead(page);
    }
  }
  const corrupt = (k: ReturnType<typeof machine>): string[] => {
    corruptFiveWays(k);
    return whats(k);
  };
  const words = corrupt(machine());
  const calls = corrupt(createMachine({ ...base, kernelClass: Overridden }, { memoryBytes: 256 * 2 ** 20, cpus: 2, nodes: 1 }));
  assert.ok(words.length >= 5, words.join('\n'));
  assert.deepEqual(calls, words);
});

/**
 * A machine put back to a checkpoint before each run (the fuzzer's) is
 * checked by reading only the struct pages that differ from the
 * checkpoint, or whose list ownership does (memmap-pass.ts): its reports
 * must be those of the whole pass, corruptions near the compared chunks'
 * edges included.
 */
test('a check reading only the struct pages changed since a checkpoint reports what the whole pass reports', () => {
  const k = machine();
  const cp = new Checkpoint(k, [k.symbols, k.layouts, k.PF, k.FF]);
  const runs: ((k: ReturnType<typeof machine>) => void)[] = [
    () => {},
    (k) => {
      Array.from({ length: 40 }, (_, i) => k.alloc_pages(GFP_KERNEL | (i % 3 === 0 ? __GFP_COMP : 0), i % 5)).forEach((p, i) => i % 2 === 0 && k.__free_pages(p, i % 5));
    },
    (k) => corruptFiveWays(k),
    (k) => {
      // Free pages (a big block's, untouched by the allocator) given a type and a reference, at chunk edges (32 pages).
      const free = k.zones.find((z) => z.populated() && k.free_area_nr_free(z, 10) > 0)!;
      const blk = k.get_page_from_free_area(free, 10, MIGRATE_MOVABLE);
      for (const p of [blk + 31, blk + 32, blk + 1023]) k.i32[p * k.PW + k.W_refcount] = 1;
      k.m32[(blk + 63) * k.PW + k.W_page_type] = 0xf3000000;
      k.m32[(blk + 64) * k.PW + k.W_compound_head] = 0x1;
    },
  ];
  let violations = 0;
  for (const run of runs) {
    cp.restore();
    noteCheckpoint(k, cp.words());
    run(k);
    const changed = whats(k);
    assert.ok(forgetMemmapReference(k), 'the check read only what changed');
    assert.deepEqual(changed, whats(k));
    violations += changed.length;
  }
  assert.ok(violations >= 8, `corruptions found: ${violations}`);
});

test('a restore that copies back only the memmap bytes the check found changed leaves the checkpoint', () => {
  const k = machine();
  const cp = new Checkpoint(k, [k.symbols, k.layouts, k.PF, k.FF]);
  noteCheckpoint(k, cp.words());
  const memmap = k.nr_pages * k.PW * 4;
  const then = Buffer.from(cp.words().buffer, cp.words().byteOffset, cp.words().byteLength);
  for (let round = 0; round < 4; round++) {
    const held = Array.from({ length: 30 }, (_, i) => k.alloc_pages(GFP_KERNEL | (i % 3 === 0 ? __GFP_COMP : 0), (i + round) % 6));
    held.forEach((p, i) => i % 3 !== 0 && k.__free_pages(p, (i + round) % 6));
    checkMachine(k);
    const ranges = takeChangedMemmap(k);
    assert.ok(ranges !== null && ranges.length > 0, 'the check compared the memmap');
    assert.equal(takeChangedMemmap(k), null, 'taken once');
    cp.restore({ ranges, from: memmap });
    assert.equal(Buffer.from(k.buf, 0, then.length).compare(then), 0, `round ${round}: memory is the checkpoint's`);
  }
});
