/**
 * The outcome matrix: marks each cell held or failed, clips cells to the
 * width, runs on paths and filters by variant; the grouping of scenarios by
 * the variants they run. (The shipped matrix: scenarios.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matrixModel } from '../src/observe/matrix.js';
import type { RunResult } from '../src/engine/run.js';

import { pagesim as cli } from './helpers/cli.js';

// The shipped suite's matrix at 80 and 160 columns and --wide is tested in
// scenarios.test.ts, on the runs that test makes (the suite is run once).

/** `COLUMNS=columns pagesim ARGS` (in-process: test/helpers/cli.ts). */
function pagesim(args: readonly string[], columns?: number): { status: number; stdout: string; stderr: string } {
  return cli(args, { env: { COLUMNS: columns === undefined ? undefined : String(columns) } });
}

const widest = (text: string): number => Math.max(...text.split('\n').map((l) => [...l].length));

test('--wide: whole cells, not clipped', () => {
  const r = pagesim(['--wide', 'scenarios/typed-page-free.yaml'], 60);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /✓ bad_page: nonzero mapcount \(\+2\)/);
  assert.doesNotMatch(r.stdout, /…/);
  const narrow = pagesim(['scenarios/typed-page-free.yaml'], 50);
  assert.ok(widest(narrow.stdout) <= 50);
  assert.match(narrow.stdout, /… \(\+2\)/, 'a clipped cell keeps its count of more reports');
});

test('paths and --variant: a directory, a file, a variant every scenario runs under; n/a where the variant lacks an operation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-matrix-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'a.yaml'), 'steps:\n  - alloc_pages: {}\n    as: p\n  - __free_pages: p\nexpect:\n  baseline: ok\n');
  writeFileSync(join(dir, 'b.yaml'), 'variants: [refcount-frozen-warn]\nsteps:\n  - alloc_pages: {}\n    as: p\n  - folio_init_count: p\nexpect:\n  refcount-frozen-warn: ok\n');
  const r = pagesim([join(dir, 'sub'), join(dir, 'b.yaml'), '--variant', 'baseline'], 80);
  assert.equal(r.status, 0, r.stderr);
  r.stdout = r.stdout.replace(/\n {4}/g, ' '); // long lines under the totals are wrapped
  assert.match(r.stdout, /^a +✓ ok$/m);
  assert.match(r.stdout, /^b +n\/a$/m);
  assert.match(r.stdout, /^outcomes: 1 ok; 1 not run \(n\/a\)$/m);
  assert.match(r.stdout, /^ {2}n\/a .*b\.yaml \[baseline\]: .*folio_init_count does not exist in variant baseline/m);
  assert.match(r.stdout, /^expectations: 2 scenarios, 1 run, all held$/m);
});

test('a failed expectation: ✗ in its cell, listed under the totals, exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-matrix-'));
  writeFileSync(join(dir, 'wrong.yaml'), 'steps:\n  - alloc_pages: {}\n    as: p\n  - __free_pages: p\n  - __free_pages: p\nexpect:\n  baseline: ok\n');
  const r = pagesim([dir], 80);
  assert.equal(r.status, 1);
  r.stdout = r.stdout.replace(/\n {4}/g, ' ');
  assert.match(r.stdout, /^wrong +✗ BUG put_page_testzero$/m);
  assert.match(r.stdout, /^expectations: 1 scenario, 1 run: 1 did not hold:$/m);
  assert.match(r.stdout, /^ {2}.*wrong\.yaml \[baseline\]: expected ok under baseline, but the run reported: BUG put_page_testzero/m);
});

test('run over several files ends with the matrix\'s totals', () => {
  const r = pagesim(['run', 'scenarios/double-free.yaml', 'scenarios/typed-page-free.yaml', '--no-text']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /\n\noutcomes: 3 ok, 4 bug, 1 bad_page\nexpectations: 2 scenarios, 8 runs, all held\n$/);
  assert.doesNotMatch(pagesim(['run', 'scenarios/double-free.yaml', '--variant', 'baseline']).stdout, /^expectations:/m, 'one run: no totals');
});

test('an unknown word is neither a command nor a path', () => {
  const r = pagesim(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^unknown command "frobnicate" \(see pagesim --help; a scenario file or directory is given by its path\)\n$/);
  assert.match(pagesim(['nope.yaml']).stderr, /^nope\.yaml: no such file or directory\n$/);
});

function run(scenario: string, variant: string, outcome: RunResult['outcome'] = 'ok'): RunResult {
  return { scenario, file: `${scenario}.yaml`, variant, outcome, expected: 'held', steps: [], stepsRun: 0, reports: [], failures: [], console: [], buildErrors: [] };
}

test('grouping: each scenario in the smallest group of variants that covers its own', () => {
  const m = matrixModel([run('a', 'baseline'), run('a', 'x'), run('a', 'y'), run('b', 'baseline'), run('c', 'baseline'), run('c', 'z'), run('d', 'x')]);
  assert.deepEqual(
    m.groups.map((g) => [g.variants, g.rows.map((r) => r.scenario)]),
    [
      [['baseline', 'x', 'y'], ['a', 'd']],
      [['baseline', 'z'], ['b', 'c']],
    ],
  );
  assert.deepEqual(m.groups[0]!.rows[1]!.cells.map((c) => c?.variant ?? null), [null, 'x', null]);
  assert.equal(m.runs, 7);
  assert.equal(m.scenarios, 4);
  assert.deepEqual(m.outcomes, { ok: 7 });
});

test('a concurrent scenario (cpus:) is marked ⇉: its cells are one order of the CPUs\' steps, as the legend says', () => {
  const r = pagesim(['scenarios/seed-004-last-two-refs.yaml', 'scenarios/double-free.yaml'], 80);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(widest(r.stdout) <= 80, r.stdout);
  assert.match(r.stdout, /^seed-004-last-two-refs ⇉ {2}✓ ok/m);
  assert.match(r.stdout, /^double-free  ✓ BUG put_page/m);
  assert.match(r.stdout.replace(/\n {8}/g, ' '), /^legend: ✓ expectations held; ✗ an expectation failed; · none stated; ⇉ cpus: one order of the CPUs' steps, pagesim explore FILE tries them all; n\/a: /m);
  // Clipped to the width, a name keeps its mark.
  const narrow = pagesim(['scenarios/seed-004-try-get-vs-last-put.yaml'], 60);
  assert.ok(widest(narrow.stdout) <= 60, narrow.stdout);
  assert.match(narrow.stdout, /^seed-004-try-\S*… ⇉ {2}✓ ok/m);
  // No concurrent scenario: no mark, and the legend does not explain one.
  assert.doesNotMatch(pagesim(['scenarios/double-free.yaml'], 80).stdout, /⇉/);
});
