/**
 * The limits and exit statuses of docs/limits.md, end to end: inputs that
 * never end, output that cannot be written, long runs that fail every
 * expectation, and variants loaded from outside the repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from './helpers/machine.js';
import { pagesim as cli } from './helpers/cli.js';
import { loadScenario } from '../src/engine/load.js';
import { runScenario } from '../src/engine/run.js';
import { LIMITS } from '../src/kernel/config.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** In-process (test/helpers/cli.ts); the executable's own output handling is spawned below. */
function pagesim(...args: string[]): { status: number; stdout: string; stderr: string } {
  return cli(args);
}

const oneLine = (s: string): string => {
  const lines = s.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${s}`);
  return lines[0]!;
};

test('inputs that never end are read up to their limit, then refused with exit 2', () => {
  let r = pagesim('run', '/dev/zero');
  assert.equal(r.status, 2);
  assert.equal(oneLine(r.stderr), '/dev/zero: scenario file is larger than 16 MiB, the limit (docs/limits.md)');
  r = pagesim('proc', '--roundtrip', '/dev/zero');
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /^\/dev\/zero: \/proc file is larger than 64 MiB/);
  r = pagesim('replay', '/dev/zero');
  assert.equal(r.status, 2);
  assert.equal(oneLine(r.stderr), '/dev/zero:1: a line is longer than 64 KiB, the limit (docs/limits.md)');
});

test('a full disk is one line and exit 4; a reader that goes away ends quietly with the status so far', async () => {
  if (existsSync('/dev/full')) {
    const r = spawnSync(process.execPath, [CLI, 'run', 'scenarios/gup-pins.yaml'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'] }); // every write fails with ENOSPC
    assert.equal(r.status, 4);
    assert.equal(oneLine(r.stderr), 'pagesim: cannot write output: ENOSPC (no space left on device)');
  }
  // The page_pool lifecycle's JSON is 0.6 MB, nine times a pipe's 64 KiB (fragmentation's 13 MB took
  // twice its CPU to make); the reader takes the first chunk and closes the pipe.
  const child = spawn(process.execPath, [CLI, 'run', 'scenarios/net-page-pool-lifecycle.yaml', '--json'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  assert.equal(stderr, '');
  assert.equal(status, 0);
});

test('a long run that fails every expectation words the first 1,000 and counts the rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-limits-'));
  const file = join(dir, 'fail.yaml');
  writeFileSync(file, 'name: fail\nmachine: {memory: 64MiB}\nsteps:\n  - alloc_pages: {order: 0}\n    as: p\n  - repeat:\n      times: 120000\n      steps:\n        - page_ref_count: p\n          expect: 5\n');
  const run = runScenario(loadScenario(file), 'baseline');
  assert.equal(run.expected, 'failed');
  assert.equal(run.stepsRun, 120001);
  assert.equal(run.failures.length, LIMITS.failuresListed + 1);
  assert.equal(run.failures.at(-1), `${120000 - LIMITS.failuresListed} more step expectations did not hold (a run words the first 1000: docs/limits.md)`);
  // Every step up to the listing limit, then 10,000 notable ones; the rest are counted.
  assert.equal(run.steps.length, LIMITS.stepsListed + LIMITS.notableListed);
  assert.equal(run.stepsUnlisted, 120001 - LIMITS.stepsListed - LIMITS.notableListed);
});

test('--variant-file: a module that is not a variant, or takes a shipped name, is one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-variant-'));
  const broken = join(dir, 'broken.mjs');
  writeFileSync(broken, 'export default {;\n');
  let r = pagesim('variants', '--variant-file', broken);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /broken\.mjs: cannot load the variant module: SyntaxError/);
  const clash = join(dir, 'clash.mjs');
  writeFileSync(clash, "export default { name: 'baseline', description: 'x', seed: 'y' };\n");
  r = pagesim('variants', '--variant-file', clash);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /clash\.mjs: variant "baseline" is already defined/);
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, 'export const x = 1;\n');
  r = pagesim('variants', '--variant-file', empty);
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /empty\.mjs: the module exports no variant/);
  r = pagesim('run', 'scenarios/double-free.yaml', '--variant-file', join(dir, 'missing.mjs'));
  assert.equal(r.status, 2);
  assert.match(oneLine(r.stderr), /missing\.mjs: cannot read variant file \(no such file\)/);
});

test('--variant-file: a JavaScript variant runs where --variant is taken, stacks, and resolves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-variant-'));
  const file = join(dir, 'mine.mjs');
  writeFileSync(
    file,
    [
      "export const variants = [{ name: 'mine', description: 'keeps page_type on free', seed: 'test', base: 'refcount-frozen-warn',",
      '  kernel: (Base) => class Mine extends Base { free_pages_reset_type(page) { void page; } } }];',
      '',
    ].join('\n'),
  );
  let r = pagesim('run', 'scenarios/typed-page-free.yaml', '--variant-file', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /=== typed-page-free \[mine\]/);
  assert.match(r.stdout, /outcome: bad_page \(nonzero mapcount/);
  r = pagesim('variants', '--variant-file', file, '--resolve', 'mine', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { stack: 'mine', resolved: ['baseline', 'refcount-frozen-warn', 'mine'] });
  r = pagesim('layout', 'page', '--variant-file', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /mine/);
});

test('an expectation failure shows the result as the step line does: -1 as -1, a raw word in hex', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-values-'));
  const file = join(dir, 'values.yaml');
  writeFileSync(file, 'name: values\nmachine: {memory: 64MiB}\nsteps:\n  - alloc_pages: {order: 0}\n    as: p\n  - __SetPageTable: p\n  - page_type_raw: p\n    expect: 5\n  - __ClearPageTable: p\n  - page_ref_dec_return: p\n  - page_ref_dec_return: p\n    expect: 0\n');
  const r = pagesim('run', file);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /page_type_raw\(page=p\) = 0xf2000000\n/);
  assert.match(r.stdout, /page_type_raw\(page=p\) returned 0xf2000000, expected 5/);
  assert.match(r.stdout, /page_ref_dec_return\(page=p\) = -1\n/);
  assert.match(r.stdout, /page_ref_dec_return\(page=p\) returned -1, expected 0/);
});
