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

test('slab-double-free: the WARNING banner of 6.12 __warn() and set_freepointer at mm/slub.c:550', () => {
  const r = run('slab-double-free');
  const warn = r.reports.find((x) => x.kind === 'WARN')!;
  assert.match(warn.text, /^WARNING: CPU: 0 PID: 1 at mm\/slub\.c:\d+ \w+\+0x[0-9a-f]+\/0x[0-9a-f]+$/m);
  const bug = r.reports.find((x) => x.kind === 'BUG')!;
  assert.match(bug.text, /^kernel BUG at mm\/slub\.c:550!$/m);
});

test('gup-pins: a PMD-mapped THP dumps nr_pages_mapped without the ENTIRELY_MAPPED bit', () => {
  const r = run('gup-pins');
  const dump = r.steps.find((s) => s.op === 'dump_page')!.result as string;
  assert.match(dump, /^head: order:9 mapcount:1 entire_mapcount:1 nr_pages_mapped:0 pincount:3$/m);
});
