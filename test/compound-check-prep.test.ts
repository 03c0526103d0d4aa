/**
 * A compound allocation's check and prep in one pass: check_new_pages()
 * writes the tails of a block that becomes a compound page while it checks
 * them (checkPrepTails()), as far as they are clean, and puts them back if
 * the block turns out bad; prep_compound_page() writes the rest. Blocks on
 * the free lists with damaged words (ones the check reads, and the tail
 * words the pass only requires to be 0) are allocated on a machine that
 * takes the pass and on one whose class sends everything through the calls:
 * the same pages, the same reports, the same memory byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GFP_TRANSHUGE, __GFP_COMP } from '../src/kernel/gfp.js';
import { PG_locked } from '../src/kernel/page-flags.js';
import type { Kernel } from '../src/kernel/kernel.js';
import { assertSameMemory, fusedAndCalls, togglePcpLists } from './helpers/fused.js';

type Word = 'W_mapping' | 'W_compound_head' | 'W_private' | 'W_refcount' | 'W_mapcount' | 'W_memcg_data' | 'W_flags';

/** A machine taking the pass, and one that makes every call (a block-loop helper overridden). */
function pair(): [Kernel, Kernel] {
  const { fused, calls } = fusedAndCalls('page_private', { memoryBytes: 64 * 2 ** 20, cpus: 2, nodes: 1 });
  return [fused, calls];
}

function sameReports(a: Kernel, b: Kernel, what: string): void {
  assert.deepEqual(
    a.reports.map((r) => [r.kind, r.function, r.message, r.text]),
    b.reports.map((r) => [r.kind, r.function, r.message, r.text]),
    what,
  );
}

// Each case: words of the free block (page index in the block, word, value) damaged before it is allocated again.
const CASES: readonly (readonly [page: number, word: Word, value: number][])[] = [
  [],
  // Not read by the check: the pass stops there and prep_compound_page() writes the tails from there on.
  [[1, 'W_compound_head', 0x1234]],
  [[2, 'W_private', 9]],
  [[300, 'W_compound_head', 0x40]],
  [[511, 'W_private', -1]],
  // Bad pages: the tails the pass wrote before it are put back, and the report is the check's.
  [[0, 'W_mapping', 8]],
  [[1, 'W_refcount', 1]],
  [[300, 'W_refcount', 1]],
  [[511, 'W_mapcount', 0]],
  [[100, 'W_flags', 1 << PG_locked]],
  [[250, 'W_memcg_data', 1]],
  [[3, 'W_mapping', 0x400]],
  // A word the pass requires clean, then a bad page after it.
  [
    [150, 'W_compound_head', 0x10],
    [450, 'W_refcount', 2],
  ],
  [
    [5, 'W_private', 1],
    [6, 'W_mapping', 1],
  ],
];

for (const viaBuddy of [false, true]) {
  test(`order-9 compound allocations of damaged free blocks (${viaBuddy ? 'the buddy lists' : 'the per-CPU list'}) leave the machine as the calls do`, () => {
    const [pass, calls] = pair();
    if (viaBuddy) for (const k of [pass, calls]) togglePcpLists(k);
    let bad = 0;
    for (const damage of CASES) {
      const what = JSON.stringify(damage);
      const before = pass.reports.length;
      const pages = [pass, calls].map((k) => {
        const p = k.alloc_pages(GFP_TRANSHUGE, 9);
        assert.ok(p >= 0);
        k.__free_pages(p, 9);
        for (const [i, word, value] of damage) k.i32[(p + i) * k.PW + k[word]] = value;
        const q = k.alloc_pages(GFP_TRANSHUGE, 9);
        assert.ok(q >= 0);
        return [p, q];
      });
      assert.deepEqual(pages[0], pages[1], what);
      assertSameMemory(pass, calls, what);
      sameReports(pass, calls, what);
      if (pass.reports.length > before) bad++;
      for (const k of [pass, calls]) k.__free_pages(pages[0]![1]!, 9);
      assertSameMemory(pass, calls, `${what}, freed again`);
    }
    // Every case with a word the check reads found a bad page (and no other did).
    assert.equal(bad, 9);
    sameReports(pass, calls, 'at the end');
  });
}

test('an order-9 allocation that is not compound gets no tail writes from the check', () => {
  const [pass, calls] = pair();
  for (let round = 0; round < 3; round++) {
    const pages = [pass, calls].map((k) => {
      // A block freed as a compound page (its tails clean), then allocated from the same list without __GFP_COMP.
      k.__free_pages(k.alloc_pages(GFP_TRANSHUGE, 9), 9);
      const p = k.alloc_pages(GFP_TRANSHUGE & ~__GFP_COMP, 9);
      assert.ok(p >= 0);
      return p;
    });
    assert.equal(pages[0], pages[1]);
    assertSameMemory(pass, calls, `round ${round}`);
    assert.equal(pass.i32[(pages[0]! + 5) * pass.PW + pass.W_mapping], 0, 'a tail of a non-compound block has no TAIL_MAPPING');
    for (const [i, k] of [pass, calls].entries()) k.__free_pages(pages[i]!, 9);
    assertSameMemory(pass, calls, `round ${round}, freed`);
  }
  sameReports(pass, calls, 'at the end');
});
