/**
 * The seed 004 refcount variants at the level of single refcount operations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { resolveStack, variantProblem } from '../src/variants/index.js';
import { buildVariant } from '../src/engine/build.js';

type Frozenish = { set_page_count_frozen(p: number): void; page_ref_add_unless_frozen(p: number, n: number): boolean };

test('stacks resolve bases first and reject unknown names', () => {
  assert.deepEqual(
    resolveStack('refcount-frozen-bit').map((v) => v.name),
    ['refcount-frozen-warn', 'refcount-frozen-bit'],
  );
  assert.deepEqual(
    resolveStack('free-keeps-type+refcount-frozen-warn').map((v) => v.name),
    ['free-keeps-type', 'refcount-frozen-warn'],
  );
  assert.match(variantProblem('refcount-frozen-wrn')!, /unknown variant "refcount-frozen-wrn"/);
  assert.equal(variantProblem('baseline'), null);
  assert.deepEqual(buildVariant('baseline').assertionFailures, []);
});

test('a stack names each variant once, bases first or left out; a problem shows the resolved stack and a suggestion', () => {
  assert.equal(variantProblem('refcount-frozen-warn+refcount-frozen-bit'), null);
  assert.equal(variantProblem('baseline+free-keeps-type'), null);
  assert.match(variantProblem('free-keeps-type+free-keeps-type')!, /variant "free-keeps-type" is listed twice in "free-keeps-type\+free-keeps-type" \(the stack resolves to free-keeps-type;/);
  assert.match(variantProblem('refcount-frozen-bit+refcount-frozen-warn')!, /"refcount-frozen-warn" is already applied as the base of a variant before it .*resolves to refcount-frozen-warn\+refcount-frozen-bit;/);
  assert.match(variantProblem('refcount-frozen-wrn')!, /\(did you mean "refcount-frozen-warn"\?\); known: baseline, /);
  assert.match(variantProblem('baseline+nope')!, /unknown variant "nope" in "baseline\+nope"/);
});

test('refcount-frozen-warn: every op on a frozen page warns once per site, with the page dumped', () => {
  const k = machine('refcount-frozen-warn');
  const p = k.alloc_frozen_pages(GFP_KERNEL, 0);
  k.page_ref_add(p, 2); // frozen: warns
  k.page_ref_sub(p, 2); // 2 -> 0: live, no warning
  k.page_ref_sub(p, 1); // frozen again: warns
  k.page_ref_add(p, 1); // frozen, but page_ref_add already warned once
  assert.deepEqual(
    k.reports.map((r) => [r.kind, r.function]),
    [
      ['WARN', 'page_ref_add'],
      ['WARN', 'page_ref_sub'],
    ],
  );
  assert.match(k.reports[0]!.text, /page dumped because: VM_WARN_ON_ONCE_PAGE\(__page_is_frozen\(page\)\)/);
  assert.match(k.reports[0]!.text, /WARNING: include\/linux\/page_ref\.h:153 at pagesim_run_step\+0x[0-9a-f]+\/0x[0-9a-f]+, CPU#0: pagesim\/1/);
});

test('refcount-frozen-warn: the *_and_test checks test ret + nr and never fire (as posted)', () => {
  const k = machine('refcount-frozen-warn');
  const p = k.alloc_pages(GFP_KERNEL, 0);
  k.page_ref_dec_and_test(p);
  k.page_ref_sub_and_test(p, 1);
  assert.deepEqual(k.reports.map((r) => r.function), []);
});

test('refcount-frozen-bit: a freed page keeps bit 31, reads 0, and shows 80000000 in its raw dump', () => {
  const k = machine('refcount-frozen-bit');
  const p = k.alloc_pages(GFP_KERNEL, 0);
  assert.equal(k.refcountRaw(p), 1);
  k.__free_pages(p, 0);
  assert.equal(k.refcountRaw(p) >>> 0, 0x80000000);
  assert.equal(k.page_ref_count(p), 0);
  assert.match(k.dump_page_lines(p, null).join('\n'), /raw: 0000000000000000 0000000000000000 80000000ffffffff 0000000000000000/);
});

test('refcount-frozen-bit: add_unless_frozen fails on a frozen page and leaves the garbage it added', () => {
  const k = machine('refcount-frozen-bit');
  const p = k.alloc_frozen_pages(GFP_KERNEL, 0);
  const kk = k as unknown as Frozenish;
  kk.set_page_count_frozen(p);
  assert.equal(k.folio_try_get(p), false);
  assert.equal(k.refcountRaw(p) >>> 0, 0x80000001);
  assert.equal(k.page_ref_count(p), 0);
  k.init_page_count(p);
  assert.equal(kk.page_ref_add_unless_frozen(p, 1), true);
  assert.equal(k.page_ref_count(p), 2);
});

test('refcount-frozen-bit: freeze and unfreeze', () => {
  const k = machine('refcount-frozen-bit');
  const p = k.alloc_pages(GFP_KERNEL, 0);
  assert.equal(k.page_ref_freeze(p, 2), false);
  assert.equal(k.page_ref_freeze(p, 1), true);
  assert.equal(k.refcountRaw(p) >>> 0, 0x80000000);
  k.page_ref_unfreeze(p, 1);
  assert.equal(k.page_ref_count(p), 1);
  assert.equal(k.reports.length, 0);
});

test('refcount-frozen-bit: the decrement that reaches 0 frees only by winning cmpxchg(0 -> FROZEN)', () => {
  const k = machine('refcount-frozen-bit');
  const p = k.alloc_pages(GFP_KERNEL, 0);
  k.page_ref_inc(p);
  assert.equal(k.page_ref_dec_and_test(p), false);
  assert.equal(k.page_ref_dec_and_test(p), true);
  assert.equal(k.refcountRaw(p) >>> 0, 0x80000000);
  // The same decrement with an optimistic increment in between: the cmpxchg finds 1 and loses.
  const q = k.alloc_pages(GFP_KERNEL, 0);
  k.atomic_dec_and_test(k.refcountWord(q));
  k.atomic_add_return(k.refcountWord(q), 1);
  assert.equal(k.atomic_cmpxchg(k.refcountWord(q), 0, 0x80000000 | 0), 1);
  assert.equal(k.page_ref_count(q), 1);
});

test('refcount-frozen-bit: a frozen word past _PAGEREF_FROZEN_LIMIT is scrubbed back to FROZEN by cmpxchg', () => {
  const k = machine('refcount-frozen-bit');
  const p = k.alloc_frozen_pages(GFP_KERNEL, 0);
  k.setRefcountRaw(p, (0xbfffffff | 0));
  assert.equal((k as unknown as Frozenish).page_ref_add_unless_frozen(p, 1), false);
  assert.equal(k.refcountRaw(p) >>> 0, 0x80000000);
});

test('refcount-frozen-bit-naive: sequentially it behaves as the real patch', () => {
  const k = machine('refcount-frozen-bit-naive');
  const p = k.alloc_pages(GFP_KERNEL, 0);
  assert.equal(k.folio_try_get(p), true);
  k.folio_put(p);
  assert.equal(k.page_ref_count(p), 1);
  k.folio_put(p);
  assert.equal(k.refcountRaw(p) >>> 0, 0x80000000);
  assert.equal(k.folio_try_get(p), false);
  assert.equal(k.reports.length, 0);
});

test('free-keeps-type: a typed page freed is leaked as a bad page and keeps its type', () => {
  const k = machine('free-keeps-type');
  const p = k.alloc_pages(GFP_KERNEL, 0);
  k.__SetPageType(p, 0xf1);
  k.__free_pages(p, 0);
  assert.deepEqual(
    k.reports.map((r) => [r.kind, r.reason]),
    [['bad_page', 'nonzero mapcount']],
  );
  assert.equal(k.page_type(p) >>> 24, 0xf1);
});
