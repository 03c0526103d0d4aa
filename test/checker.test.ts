/**
 * The whole-machine checker: clean after boot, and each concern's checker
 * finds the corruption it is for, saying what and where.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import { CheckContext, checkFreeLists, checkMachine, checkPcpLists, noteCheckpoint, reportViolations } from '../src/check/checker.js';
import { forgetMemmapReference, memmapPassBy, takeChangedMemmap, STATE_BUDDY_UNLISTED, STATE_FREE_HEAD, STATE_FREE_REFCOUNT, STATE_FREE_TAIL, STATE_FREE_TYPED } from '../src/check/memmap-pass.js';
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

/**
 * The pass reads the words itself when the variant reads struct pages as
 * mainline does, and through a reader's methods otherwise (memmap-pass.ts):
 * both must note the same of every page, on a machine with pages in every
 * state the notes record, damaged pages among them, and pages whose other
 * words would change a note if the loop read the wrong one.
 */
test('the memmap pass notes the same reading the words as through the methods and the kernel helpers', () => {
  const k = machine();
  corruptFiveWays(k);
  const held = Array.from({ length: 16 }, (_, i) => k.alloc_pages(GFP_KERNEL | __GFP_COMP, 1 + (i % 3)));
  const free = k.zones.find((z) => z.populated() && k.free_area_nr_free(z, 10) > 0)!;
  const blk = k.get_page_from_free_area(free, 10, MIGRATE_MOVABLE);
  const w = (pfn: number, word: number): number => pfn * k.PW + word;
  // Free pages: typed (and typed with the top bit clear), a tail, a negative reference, a head with a tail's word.
  k.m32[w(blk + 5, k.W_page_type)] = 0xf3000000;
  k.m32[w(blk + 6, k.W_page_type)] = 0x7fffffff;
  k.m32[w(blk + 7, k.W_compound_head)] = (blk + 1) * 64 + 1;
  k.i32[w(blk + 8, k.W_refcount)] = -1;
  // A reference on a page whose compound_head word is clear (a freed compound page's tail's is), so no other word of it is nonzero.
  k.i32[w(blk + 10, k.W_compound_head)] = 0;
  k.i32[w(blk + 10, k.W_compound_head) + 1] = 0;
  k.i32[w(blk + 10, k.W_refcount)] = 1;
  // And one whose flags' low word is clear too.
  k.i32[w(blk + 11, k.W_compound_head)] = 0;
  k.i32[w(blk + 11, k.W_flags)] = 0;
  k.i32[w(blk + 11, k.W_refcount)] = 3;
  k.m32[w(blk, k.W_flags)] |= 1 << PG_head;
  k.m32[w(blk + 9, k.W_flags)] = 0x80000000 | (1 << PG_head);
  // Held pages: a Buddy type on one with every flag set, a head that is also a tail, a page-table type on a head of order 3.
  k.m32[w(held[0]!, k.W_flags)] = 0xffffffff;
  k.m32[w(held[0]!, k.W_page_type)] = 0xf0000000;
  k.m32[w(held[1]!, k.W_compound_head)] |= 1;
  k.m32[w(held[2]!, k.W_page_type)] = 0xf2000000;
  k.m32[w(held[2]! + 1, k.W_flags)] = (k.m32[w(held[2]! + 1, k.W_flags)]! & ~0xff) | 3;
  const ctx = new CheckContext(k);
  checkFreeLists(k, ctx);
  checkPcpLists(k, ctx);
  const words = memmapPassBy(k, ctx.owner, 'words');
  const states = new Set(words.state.filter((_, i) => i % 2 === 1));
  assert.deepEqual([...states].sort(), [STATE_BUDDY_UNLISTED, STATE_FREE_TYPED, STATE_FREE_TAIL, STATE_FREE_REFCOUNT, STATE_FREE_HEAD].sort());
  for (const [pfn, s] of [[blk + 5, STATE_FREE_TYPED], [blk + 6, STATE_FREE_TYPED], [blk + 7, STATE_FREE_TAIL], [blk + 8, STATE_FREE_REFCOUNT], [blk + 10, STATE_FREE_REFCOUNT], [blk + 11, STATE_FREE_REFCOUNT], [blk, STATE_FREE_HEAD], [held[0]!, STATE_BUDDY_UNLISTED]] as const) {
    assert.ok(words.state.some((x, i) => i % 2 === 0 && x === pfn && words.state[i + 1] === s), `pfn 0x${pfn.toString(16)} noted ${s}`);
  }
  assert.ok(words.heads.includes(held[4]!) && words.heads.includes(held[2]!) && !words.heads.includes(held[1]!));
  assert.ok(words.tablePages > 8, `page-table pages: ${words.tablePages}`);
  assert.deepEqual(memmapPassBy(k, ctx.owner, 'methods'), words);
  assert.deepEqual(memmapPassBy(k, ctx.owner, 'methods', true), words);
  ctx.done();
});

/**
 * A variant that overrides only page_ref_count (the frozen refcount bit) or
 * pageTableNrPages (the memdesc ptdescs) has the pass read the words for
 * everything else and call its own helper where the notes need it: the
 * notes must be those of reading every page through its helpers.
 */
test('the memmap pass of a variant with its own page_ref_count or pageTableNrPages notes what its helpers say', () => {
  for (const variant of ['refcount-frozen-bit', 'ptdesc-memdesc', 'ptdesc-memdesc-rfc']) {
    const k = machine(variant);
    // Page tables (PageTable-typed pages, counted by the variant's pageTableNrPages).
    const mm = k.mm_alloc()!;
    const a = k.do_mmap(mm, 0, 2 ** 22);
    for (let off = 0; off < 2 ** 22; off += 2 ** 16) k.handle_mm_fault(mm.find_vma(a)!, a + off, FAULT_FLAG_WRITE);
    const free = k.zones.find((z) => z.populated() && k.free_area_nr_free(z, 10) > 0)!;
    const blk = k.get_page_from_free_area(free, 10, MIGRATE_MOVABLE);
    const held = k.alloc_pages(GFP_KERNEL | __GFP_COMP, 3);
    const w = (pfn: number, word: number): number => pfn * k.PW + word;
    // Free pages: a frozen count (the bit design's page_ref_count reads 0), a frozen count of 1, a plain reference, a tail, a type.
    k.m32[w(blk + 3, k.W_refcount)] = 0x80000000;
    k.m32[w(blk + 4, k.W_refcount)] = 0x80000001;
    k.i32[w(blk + 5, k.W_refcount)] = 2;
    k.m32[w(blk + 6, k.W_compound_head)] = (blk + 1) * 64 + 1;
    k.m32[w(blk + 7, k.W_page_type)] = 0xf3000000;
    // A held compound page typed PageTable: the table count reads its order.
    k.m32[w(held, k.W_page_type)] = 0xf2000000;
    const ctx = new CheckContext(k);
    checkFreeLists(k, ctx);
    checkPcpLists(k, ctx);
    const words = memmapPassBy(k, ctx.owner, 'words', true);
    assert.deepEqual(words, memmapPassBy(k, ctx.owner, 'methods', true), variant);
    assert.ok(words.tablePages > 1, `${variant}: page-table pages ${words.tablePages}`);
    assert.ok(words.state.some((x, i) => i % 2 === 0 && x === blk + 5 && words.state[i + 1] === STATE_FREE_REFCOUNT), `${variant}: a reference on a free page`);
    const frozenNoted = words.state.some((x, i) => i % 2 === 0 && (x === blk + 3 || x === blk + 4) && words.state[i + 1] === STATE_FREE_REFCOUNT);
    assert.equal(frozenNoted, variant !== 'refcount-frozen-bit', `${variant}: a frozen count on a free page`);
    ctx.done();
  }
});
