/**
 * __GFP_ZERO on a THP-sized allocation: clear_page_contents() clears every
 * page of the block that has simulated contents (found on the slot array),
 * leaves pages without contents without a slot, and past the end of memory
 * still faults on the direct map at the first page beyond it. An order-9
 * compound page freed with damaged tails, its pfn a double, ends as through
 * the calls (the free's tail loop, cleanCompoundTails()).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import { GFP_TRANSHUGE, __GFP_ZERO } from '../src/kernel/gfp.js';
import { KernelBug } from '../src/report/report.js';
import { assertSameMemory, fusedAndCalls } from './helpers/fused.js';

test('an order-9 __GFP_ZERO allocation clears the pages of the block that had contents, and only those have slots', () => {
  const k = machine('baseline', 64 * 2 ** 20);
  const p = k.alloc_pages(GFP_TRANSHUGE, 9);
  assert.ok(p >= 0);
  const written = [0, 5, 300, 511];
  for (const i of written) {
    const w = k.pageContentsWord(p + i);
    k.m32[w] = 0x5a5a5a5a;
    k.m32[w + 1023] = 0xa5a5a5a5;
  }
  const slots = k.contentPagesUsed();
  k.__free_pages(p, 9);
  const q = k.alloc_pages(GFP_TRANSHUGE | __GFP_ZERO, 9);
  assert.equal(q, p, 'the per-CPU list hands the same block back');
  for (const i of written) {
    assert.ok(k.hasContents(q + i));
    const w = k.pageContentsWord(q + i);
    assert.equal(k.m32[w], 0);
    assert.equal(k.m32[w + 1023], 0);
  }
  assert.equal(k.hasContents(q + 1), false);
  assert.equal(k.contentPagesUsed(), slots);
});

test('clear_page_contents() over the end of memory faults on the direct map at the first page past it', () => {
  const k = machine('baseline', 64 * 2 ** 20);
  const last = k.nr_pages - 2;
  const w = k.pageContentsWord(last);
  k.m32[w] = 7;
  assert.throws(
    () => k.clear_page_contents(last, 2),
    (e: unknown) => e instanceof KernelBug && e.report.message === `BUG: unable to handle page fault for address: ${(0xffff888000000000n + (BigInt(k.nr_pages) << 12n)).toString(16)}`,
  );
  // The pages before it were cleared first, as kernel_init_pages() goes page by page.
  assert.equal(k.m32[w], 0);
});

test('an order-9 compound page freed with damaged tails and its pfn as a double leaves the machine as the calls do', () => {
  // Overriding a helper the block loops read sends this machine's frees and allocations through the calls.
  const { fused: loops, calls } = fusedAndCalls('page_private', { memoryBytes: 64 * 2 ** 20, cpus: 2, nodes: 1 });
  // The pfn as the unmap path passes it: read from a Float64Array.
  const asDouble = new Float64Array(1);
  const damage: readonly [tail: number, word: 'W_mapping' | 'W_compound_head' | 'W_private' | 'W_refcount', value: number][] = [
    [4, 'W_mapping', 0x401],
    [200, 'W_compound_head', 0],
    [300, 'W_private', 5],
    [511, 'W_refcount', 1],
    [7, 'W_private', 0],
  ];
  for (const [tail, word, value] of damage) {
    const pages = [loops, calls].map((k) => {
      const p = k.alloc_pages(GFP_TRANSHUGE, 9);
      assert.ok(p >= 0);
      k.i32[(p + tail) * k.PW + k[word]] = value;
      asDouble[0] = p;
      k.__free_pages(asDouble[0], 9);
      return p;
    });
    assert.equal(pages[0], pages[1]);
    assertSameMemory(loops, calls, `tail ${tail} ${word}`);
    assert.deepEqual(
      loops.reports.map((r) => [r.kind, r.function, r.message, r.text]),
      calls.reports.map((r) => [r.kind, r.function, r.message, r.text]),
      `tail ${tail} ${word}`,
    );
  }
  // Four of the five were bad pages (the last damage writes the value the tail already holds).
  assert.equal(loops.reports.length, 4);
});
