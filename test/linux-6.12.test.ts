/**
 * The linux-6.12 variant prints what 6.12.118 printed for the same
 * scenarios under QEMU (test/kernel/ differential run): 6.12's BUG lines,
 * its WARNING banner, no page type reset on free, nr_pages_mapped masked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from './helpers/machine.js';
import { loadScenario } from '../src/engine/load.js';
import { runScenario } from '../src/engine/run.js';
import '../src/engine/registry.js';

function run(name: string, variant = 'linux-6.12') {
  return runScenario(loadScenario(join(repoRoot, 'scenarios', `${name}.yaml`)), variant);
}

test('double-free: kernel BUG at include/linux/mm.h:1140 (6.12 put_page_testzero)', () => {
  const r = run('double-free');
  assert.equal(r.outcome, 'bug');
  assert.match(r.reports[0]!.text, /^kernel BUG at include\/linux\/mm\.h:1140!$/m);
  assert.match(r.reports[0]!.text, /^page dumped because: VM_BUG_ON_PAGE\(page_ref_count\(page\) == 0\)$/m);
});

test('typed-page-free: 6.12 does not reset page_type on free, the typed page is a bad page', () => {
  const r = run('typed-page-free');
  assert.equal(r.outcome, 'bad_page');
  assert.match(r.reports[0]!.text, /^BUG: Bad page state in process pagesim  pfn:/m);
  assert.match(r.reports[0]!.text, /^page dumped because: nonzero mapcount$/m);
  assert.equal(run('typed-page-free', 'baseline').outcome, 'ok');
});

test('order-too-large: the WARNING banner of 6.12 __warn(), in __alloc_pages_noprof at mm/page_alloc.c:4835', () => {
  const r = run('order-too-large');
  const warn = r.reports.find((x) => x.kind === 'WARN')!;
  assert.match(warn.text, /^WARNING: CPU: 0 PID: 1 at mm\/page_alloc\.c:4835 __alloc_pages_noprof\+0x[0-9a-f]+\/0x[0-9a-f]+$/m);
});

test('slab-double-free: slab pages hold a reference, same-sized caches merge, the double free BUGs at mm/slub.c:550', () => {
  const r = run('slab-double-free');
  const ref = r.steps.find((s) => s.op === 'page_ref_count')!;
  assert.equal(ref.result, 1);
  const second = r.steps.find((s) => s.index === 2)!;
  assert.deepEqual(second.result, r.steps.find((s) => s.index === 1)!.result);
  assert.equal(r.reports.filter((x) => x.kind === 'WARN').length, 0);
  const bug = r.reports.find((x) => x.kind === 'BUG')!;
  assert.match(bug.text, /^kernel BUG at mm\/slub\.c:550!$/m);
  assert.equal(bug.step, 10);
});

test('flag-set-at-free and gup-pins: folio_add_lru() goes through the lru_add batch, which holds a reference', () => {
  const f = run('flag-set-at-free');
  assert.equal(f.steps.find((s) => s.op === 'PageLRU')!.result, false);
  const g = run('gup-pins');
  const refs = g.steps.filter((s) => s.op === 'page_ref_count').map((s) => s.result);
  assert.deepEqual(refs.slice(0, 2), [3, 1027]);
});

test('gup-pins: a PMD-mapped THP dumps nr_pages_mapped without the ENTIRELY_MAPPED bit', () => {
  const r = run('gup-pins');
  const dump = r.steps.find((s) => s.op === 'dump_page')!.result as string;
  assert.match(dump, /^head: order:9 mapcount:1 entire_mapcount:1 nr_pages_mapped:0 pincount:3$/m);
});
