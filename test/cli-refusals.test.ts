/**
 * What a newcomer's try at breaking the command line found: arguments that
 * were taken silently, messages without their file or line, and work done
 * twice for a name given twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pagesim as run } from './helpers/cli.js';
import { repoRoot } from './helpers/machine.js';

const pagesim = (...args: string[]) => run(args);
const dir = mkdtempSync(join(tmpdir(), 'pagesim-refusals-'));
const SCENARIO = join(repoRoot, 'scenarios', 'double-free.yaml');

function file(name: string, text: string | Buffer): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function bad(r: { status: number; stdout: string; stderr: string }, line: string): void {
  assert.deepEqual({ status: r.status, stderr: r.stderr, stdout: r.stdout }, { status: 2, stderr: `${line}\n`, stdout: '' });
}

test('ops takes no arguments, as variants does', () => {
  bad(pagesim('ops', 'alloc_pages'), 'ops: takes no arguments');
});

test('page-types: a full flag table names the image', () => {
  const words = Buffer.alloc(8 * 8200);
  for (let i = 0; i < 8200; i++) words.writeBigUInt64LE(BigInt(i + 1), 8 * i);
  const img = file('many-flags', words);
  bad(pagesim('page-types', img), `${img}: hash table full: more than 8191 distinct flag combinations (page-types 6.12 stops there too)`);
});

test("schedule: an entry naming a CPU with nothing left to run is reported at that entry's line", () => {
  const f = file('schedule.yaml', 'machine: {memory: 64MiB, cpus: 2}\nsteps:\n  - alloc_pages: {gfp: GFP_KERNEL}\n    as: p\ncpus:\n  - - folio_try_get: p\n  - - folio_put: p\nschedule:\n  - 0\n  - 0\n  - 0\n  - 0\n');
  bad(pagesim('run', f), `${f}:11: schedule: action 3 is CPU 0, which has no action left (CPUs that can run: 1)`);
});

test('a variant stack given twice is refused where it would run twice; diff and layout --diff still compare a stack with itself', () => {
  bad(pagesim('run', SCENARIO, '--variant', 'baseline', '--variant', 'baseline'), '--variant: variant "baseline" is given twice');
  bad(pagesim(SCENARIO, '--variant', 'free-keeps-type', '--variant', 'baseline', '--variant', 'free-keeps-type'), '--variant: variant "free-keeps-type" is given twice');
  assert.equal(pagesim('diff', SCENARIO, 'baseline', 'baseline').status, 0);
  assert.equal(pagesim('layout', 'page', '--diff', 'baseline', 'baseline').status, 0);
});

test('the matrix runs a file named twice (a directory and a file in it) once', () => {
  const sub = mkdtempSync(join(dir, 'matrix-'));
  const f = join(sub, 'one.yaml');
  writeFileSync(f, 'steps: [check]\nexpect: {baseline: ok}\n');
  const r = pagesim(sub, f, '--variant', 'baseline');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\nexpectations: 1 scenario, 1 run, all held\n$/);
});

test('layout --diff refuses --html instead of ignoring it', () => {
  bad(pagesim('layout', 'page', '--diff', 'baseline', 'ptdesc-memdesc', '--html', join(dir, 'x.html')), 'layout: --html does not go with --diff (pagesim layout STRUCT --variant A --variant B --html FILE draws them side by side)');
});

test('view: --page past the memmap, or more pages than the view follows, is refused instead of left out', () => {
  const out = join(dir, 'v.html');
  bad(pagesim('view', SCENARIO, '--out', out, '--page', '0x40000'), 'view: --page 0x40000: pfn 0x40000 is outside the memmap (0x0-0x3ffff)');
  const many = Array.from({ length: 33 }, (_, i) => ['--page', String(i)]).flat();
  bad(pagesim('view', SCENARIO, '--out', out, ...many), 'view: give at most 32 --page (got 33)');
});

test('explore --schedule runs one schedule: --random or --preemptions with it is refused instead of ignored', () => {
  const scn = join(repoRoot, 'scenarios', 'seed-004-try-get-vs-last-put.yaml');
  bad(pagesim('explore', scn, '--schedule', '0,1', '--random', '3'), 'explore: --schedule runs one schedule; it does not go with --random');
  bad(pagesim('explore', scn, '--schedule', '0,1', '--preemptions', '1'), 'explore: --schedule runs one schedule; it does not go with --preemptions');
});

test('view of a concurrent scenario says that view is among the commands that cannot follow one', () => {
  const scn = join(repoRoot, 'scenarios', 'seed-004-try-get-vs-last-put.yaml');
  bad(pagesim('view', scn, '--out', join(dir, 'c.html')), `${scn}: following a run step by step (--watch, --timeline, --leaks, pagesim diff, pagesim view) is not supported for concurrent scenarios (cpus:)`);
});

test('-h after a command is its help, as after pagesim; another -x is an unknown option, not a file', () => {
  const h = pagesim('run', '-h');
  assert.equal(h.status, 0);
  assert.equal(h.stdout, pagesim('run', '--help').stdout);
  assert.match(h.stdout, /^usage: pagesim run FILE\.\.\. /);
  bad(pagesim('run', SCENARIO, '-x'), 'run: unknown option -x (known: --json, --console, --no-text, --leaks, --help, --variant, --case, --watch, --timeline)');
  bad(pagesim('layout', 'page', '-v', 'baseline'), 'layout: unknown option -v (known: --json, --help, --variant, --diff, --html)');
  // page-types' own -r is still its raw mode.
  const raw = pagesim('page-types', '-r', '/dev/null');
  assert.equal(raw.status, 0, raw.stderr);
});

test('an empty file name is shown as "" before the colon', () => {
  bad(pagesim('run', ''), '"": cannot read scenario file (no such file)');
  bad(pagesim('page-types', ''), '"": cannot read kpageflags image (no such file)');
  // Not the working directory that '' resolves to.
  bad(pagesim('run', SCENARIO, '--variant-file', ''), '"": cannot read variant file (no such file)');
  bad(pagesim('run', SCENARIO, '--variant-file='), '"": cannot read variant file (no such file)');
});
