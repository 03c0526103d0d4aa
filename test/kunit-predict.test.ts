/**
 * pagesim kunit says, above each case, what pagesim's run of it under
 * linux-6.12 predicts the kernel prints (the reports' lines at their steps,
 * the expectations that fail, and a BUG as the case's expected end), made
 * from the same runs the differential run compares the kernel with; and it
 * creates the scenario's caches SLAB_NO_MERGE unless pagesim merges them
 * with one another, so they do not share slabs with the kernel's own caches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pagesim } from './helpers/cli.js';
import { repoRoot } from './helpers/machine.js';
import { exportKunit, kunitExport, reportHeadline } from '../src/kunit/export.js';
import { loadScenario } from '../src/engine/load.js';

function scenario(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'pagesim-kunit-')), 'probe.yaml');
  writeFileSync(f, text);
  return f;
}

const shipped = (name: string): string => join(repoRoot, 'scenarios', `${name}.yaml`);

/** The comment block just above a case's function. */
function caseComment(c: string, fn: string): string {
  const at = c.indexOf(`static void ${fn}(struct kunit *test)`);
  assert.ok(at > 0, `${fn} is in the file`);
  const open = c.lastIndexOf('/*', at);
  assert.equal(c.slice(c.indexOf('*/', open) + 2, at), '\n', 'the comment is right above the function');
  return c.slice(open, at);
}

test('a cache pagesim does not merge is created SLAB_NO_MERGE: it cannot share slabs with the kernel\'s own caches', () => {
  const c = exportKunit(loadScenario(shipped('slab-page-freed-by-buddy')));
  assert.match(c, /\n\tc = kmem_cache_create\("foo", 256, 8, SLAB_NO_MERGE, NULL\);\n/);
  assert.doesNotMatch(c, /kmem_cache_create\([^;]*, 0, NULL\)/);
  // two caches pagesim keeps apart (sizes differ): both unmergeable
  const two = exportKunit(loadScenario(scenario(`name: two
steps:
  - kmem_cache_create: {name: a, size: 64}
    as: a
  - kmem_cache_create: {name: b, size: 512}
    as: b
`)));
  assert.equal(two.match(/SLAB_NO_MERGE, NULL\)/g)?.length, 2);
});

test('caches pagesim merges with one another (slab-double-free) stay mergeable, as the run that predicts the case has them', () => {
  const c = exportKunit(loadScenario(shipped('slab-double-free')));
  const merged = '\t/* merged with another cache of the scenario, as pagesim runs it: no SLAB_NO_MERGE */\n';
  assert.ok(c.includes(`${merged}\tc = kmem_cache_create("demo", 128, 8, 0, NULL);\n`));
  assert.ok(c.includes(`${merged}\td = kmem_cache_create("other", 128, 8, 0, NULL);\n`));
  assert.doesNotMatch(c, /SLAB_NO_MERGE, NULL/);
  // the run agrees: the second call returned the first cache
  const run = pagesim(['run', shipped('slab-double-free'), '--variant', 'linux-6.12']);
  assert.match(run.stdout, /kmem_cache_create\(name="other", size=128, align=8\) = kmem_cache demo\n/);
});

test('a case that BUGs: its comment lists the report at its step and says the BUG is the expected end', () => {
  const c = exportKunit(loadScenario(shipped('double-free')));
  assert.equal(
    caseComment(c, 'pagesim_double_free_test'),
    `/*
 * What pagesim predicts for this case (pagesim run --variant linux-6.12;
 * pfns, addresses, processes and offsets are pagesim's machine's):
 *   step 3 __free_pages: kernel BUG at include/linux/mm.h:1140!
 * Expected end: step 3's BUG. The oops kills the test's thread, so the
 * case stops there and KUnit fails it ("try faulted",
 * lib/kunit/try-catch.c): that is the outcome predicted, not a fault of
 * the test.
 */
`,
  );
  // a KUNIT_EXPECT pagesim's run says fails is listed too, in step order with the reports
  const s = caseComment(exportKunit(loadScenario(shipped('slab-double-free'))), 'pagesim_slab_double_free_test');
  assert.match(s, /\n \* {3}step 7 page_ref_count: its KUNIT_EXPECT fails \(page_ref_count\(page=slab\) returned 1, expected 0\)\n \* {3}step 10 kmem_cache_free: kernel BUG at mm\/slub\.c:550!\n \* Expected end: step 10's BUG\./);
});

test('a case that reports and goes on: each report\'s line at its step, and that the case runs to its end', () => {
  const c = exportKunit(loadScenario(shipped('slab-page-freed-by-buddy')));
  assert.match(caseComment(c, 'pagesim_slab_page_freed_by_buddy_test'), /\n \* {3}step 4 __free_pages: BUG: Bad page state in process pagesim {2}pfn:0[0-9a-f]{4}\n \* The case runs to its end \(5 steps\)\.\n \*\/\n$/);
  const stalled = caseComment(exportKunit(loadScenario(shipped('net-page-pool-stalled'))), 'pagesim_net_page_pool_stalled_test');
  assert.match(stalled, /step 9 msleep: page_pool_release_retry\(\) stalled pool shutdown: id 1, 2 inflight 60 sec\n \* {3}step 11 put_page: BUG: Bad page state in process pagesim {2}pfn:[0-9a-f]+\n \* {3}step 12 msleep: page_pool_release_retry\(\) stalled pool shutdown: id 1, 1 inflight 120 sec\n/);
  assert.doesNotMatch(stalled, /Expected end/);
  // a WARN is listed by its WARNING: line, not the cut-here line before it
  assert.match(exportKunit(loadScenario(shipped('order-too-large'))), /\n \* {3}step 1 alloc_pages: WARNING: CPU: 0 PID: 1 at mm\/page_alloc\.c:\d+ __alloc_pages_noprof\+0x[0-9a-f]+\/0x[0-9a-f]+\n/);
  // a checker finding is pagesim's alone: said so
  assert.match(exportKunit(loadScenario(shipped('typed-page-free'))), /\n \* {3}after the last step, pagesim's checker \(the kernel prints nothing of it\): pagesim: check failed: page-tables: /);
});

test('a clean case: no report, every step returns, no expected end', () => {
  const c = exportKunit(loadScenario(shipped('folio-lifecycle')));
  assert.equal(
    caseComment(c, 'pagesim_folio_lifecycle_test'),
    `/*
 * What pagesim predicts for this case (pagesim run --variant linux-6.12;
 * pfns, addresses, processes and offsets are pagesim's machine's):
 *   no report and no failed expectation: all 16 steps return.
 */
`,
  );
});

test('the comment is made from the runs the differential run compares: each report\'s line as pagesim run --json has its text', () => {
  const scn = loadScenario(shipped('net-page-pool-stalled'));
  const { text, runs } = kunitExport(scn);
  const json = pagesim(['run', shipped('net-page-pool-stalled'), '--variant', 'linux-6.12', '--json']);
  const cli = (JSON.parse(json.stdout) as { runs: { reports: { text: string; step: number }[]; outcome: string }[] }).runs[0]!;
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.outcome, cli.outcome);
  assert.deepEqual(
    runs[0]!.reports.map((r) => [r.step, r.text]),
    cli.reports.map((r) => [r.step, r.text]),
  );
  for (const r of runs[0]!.reports) assert.ok(text.includes(` * ${' '.repeat(2)}step ${r.step} `) && text.includes(reportHeadline(r)), reportHeadline(r));
});

test('cases: each case has its own prediction, from its own run', () => {
  const f = scenario(`name: two-cases
steps:
  - alloc_pages: {order: 0}
    as: p
cases:
  - name: clean
    description: Freed once.
    steps:
      - __free_pages: {page: p}
  - name: twice
    steps:
      - __free_pages: {page: p}
      - __free_pages: {page: p}
`);
  const c = exportKunit(loadScenario(f));
  assert.match(caseComment(c, 'pagesim_two_cases_clean_test'), /^\/\*\n \* Freed once\.\n \*\n \* What pagesim predicts[^]*all 2 steps return\.\n \*\/\n$/);
  assert.match(caseComment(c, 'pagesim_two_cases_twice_test'), /step 3 __free_pages: kernel BUG at include\/linux\/mm\.h:1140!\n \* Expected end: step 3's BUG\./);
});

test('the export is deterministic: the same text every time, from the command and the function alike', () => {
  for (const name of ['double-free', 'slab-double-free', 'net-page-pool-stalled']) {
    const a = exportKunit(loadScenario(shipped(name)));
    const b = exportKunit(loadScenario(shipped(name)));
    assert.equal(a, b);
    const r = pagesim(['kunit', shipped(name)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, a);
  }
});

test('an operation 6.12 lacks is refused before the scenario runs: the refusal, not a run error', () => {
  const r = pagesim(['kunit', shipped('frozen-page-incremented')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /operation alloc_frozen_pages has no counterpart a KUnit test can call in linux 6\.12/);
});
