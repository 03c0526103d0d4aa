/**
 * The command line as a user meets it: bad input is one line naming the
 * file and line, with exit status 2 and no stack trace; failed expectations
 * exit 1; JSON output has the documented shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { repoRoot } from './helpers/machine.js';

import { pagesim as run, spawnCli } from './helpers/cli.js';

const FIX = join(repoRoot, 'test', 'fixtures', 'cli');

/** In-process (test/helpers/cli.ts); the executable itself is spawned where its wiring is what is tested. */
const pagesim = (...args: string[]) => run(args);

function assertOneLineError(r: { status: number | null; stderr: string; stdout: string }, re: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line of error, got:\n${r.stderr}`);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('malformed YAML: file:line and exit 2 (from the executable, and in-process alike)', () => {
  const spawned = spawnCli(['run', join(FIX, 'malformed.yaml')]);
  assertOneLineError(spawned, /malformed\.yaml:\d+: .*YAML/i);
  const inProcess = pagesim('run', join(FIX, 'malformed.yaml'));
  assert.deepEqual({ ...inProcess, output: '' }, { ...spawned, output: '' });
});

test('unknown operation: file:line, a suggestion, exit 2', () => {
  assertOneLineError(pagesim('run', join(FIX, 'unknown-op.yaml')), /unknown-op\.yaml:4: .*"free_pagez"/);
});

test('wrong argument type: file:line and exit 2', () => {
  assertOneLineError(pagesim('run', join(FIX, 'wrong-type.yaml')), /wrong-type\.yaml:4: .*order/);
});

test('unknown variant in a file: file:line and exit 2', () => {
  assertOneLineError(pagesim('run', join(FIX, 'unknown-variant.yaml')), /unknown-variant\.yaml:1: .*free-keeps-typ/);
});

test('unknown variant on the command line: exit 2', () => {
  assertOneLineError(pagesim('run', join(FIX, 'ok.yaml'), '--variant', 'nope'), /--variant: unknown variant "nope"/);
});

test('missing file, unknown command, unknown option: exit 2', () => {
  assertOneLineError(pagesim('run', join(FIX, 'does-not-exist.yaml')), /does-not-exist\.yaml: cannot read scenario file/);
  assertOneLineError(pagesim('frobnicate'), /unknown command "frobnicate"/);
  assertOneLineError(pagesim('run', '--bogus'), /unknown option --bogus/);
});

test('an expectation that does not hold exits 1 and says which', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-'));
  const file = join(dir, 'wrong.yaml');
  writeFileSync(file, 'steps:\n  - alloc_pages: {gfp: GFP_KERNEL}\n    as: p\n  - page_ref_count: p\n    expect: 2\nexpect:\n  baseline: ok\n');
  const r = pagesim('run', file);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^outcome: ok; expected: failed$/m);
  assert.match(r.stdout, /page_ref_count\(page=p\) returned 1, expected 2/);
});

test('run --json has the documented shape', () => {
  const r = pagesim('run', join(repoRoot, 'scenarios', 'double-free.yaml'), '--variant', 'baseline', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { runs: { scenario: string; file: string; variant: string; outcome: string; steps: { index: number; op: string; result: unknown; reports: unknown[] }[]; reports: { kind: string; function: string; reason: string; message: string; pfn: number; text: string }[] }[] };
  assert.equal(j.runs.length, 1);
  const run = j.runs[0]!;
  assert.equal(run.scenario, 'double-free');
  assert.equal(run.variant, 'baseline');
  assert.equal(run.outcome, 'bug');
  assert.deepEqual(
    run.steps.map((s) => s.op),
    ['alloc_pages', '__free_pages', '__free_pages'],
  );
  const bug = run.reports[0]!;
  assert.equal(bug.kind, 'BUG');
  assert.equal(bug.function, 'put_page_testzero');
  assert.match(bug.message, /^kernel BUG at include\/linux\/mm\.h:\d+!$/);
  assert.match(bug.text, /page dumped because: VM_BUG_ON_PAGE\(page_ref_count\(page\) == 0\)/);
  assert.equal(bug.pfn, (run.steps[0]!.result as { pfn: number }).pfn);
  assert.deepEqual(run.steps[2]!.reports.length, 1);
});

// The shipped suite's matrix (`pagesim`, --wide) is tested in scenarios.test.ts on its runs.

test('layout page --json lists every union view at its offset', () => {
  const r = pagesim('layout', 'page', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { struct: string; size: number; fields: { name: string; offset: number; size: number }[] };
  assert.equal(j.struct, 'page');
  assert.equal(j.size, 64);
  const at = (name: string): [number, number] => {
    const f = j.fields.find((x) => x.name === name);
    assert.ok(f, name);
    return [f.offset, f.size];
  };
  assert.deepEqual(at('lru.next'), [8, 8]);
  assert.deepEqual(at('rcu_head.func'), [16, 8]);
  assert.deepEqual(at('_refcount'), [52, 4]);
  assert.deepEqual(at('page_type'), [48, 4]);
  assert.deepEqual(at('_mapcount'), [48, 4]);
});

test('layout text shows every field overlaying a byte range', () => {
  const r = pagesim('layout', 'page');
  assert.equal(r.status, 0);
  const line16 = r.stdout.split('\n').findIndex((l) => /\/\*\s+16\s+8 \*\//.test(l));
  assert.ok(line16 > 0);
  const block = r.stdout.split('\n').slice(line16, line16 + 8).join('\n');
  for (const f of ['lru.prev', 'pp ', 'zone_device_data', 'rcu_head.func']) assert.ok(block.includes(f), `${f} at offset 16`);
});

test('variants lists every variant with its seed', () => {
  const r = pagesim('variants', '--json');
  const j = JSON.parse(r.stdout) as { variants: { name: string; seed: string }[] };
  assert.deepEqual(
    j.variants.map((v) => v.name),
    ['baseline', 'free-keeps-type', 'refcount-frozen-warn', 'refcount-frozen-bit', 'refcount-frozen-bit-naive', 'ptdesc-frozen', 'ptdesc-memdesc-rfc', 'ptdesc-memdesc', 'netpp-v4', 'netpp-skip-check', 'netpp-shared-mapcount', 'notrmappable', 'insert-order0-only', 'linux-6.12'],
  );
  assert.ok(j.variants.every((v) => v.seed.length > 0));
});

test('docs/scenarios.md ends with the operation list pagesim ops --markdown prints', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'scenarios.md'), 'utf8');
  const ops = pagesim('ops', '--markdown').stdout;
  const i = doc.indexOf('## Operations');
  assert.ok(i >= 0);
  assert.ok(doc.slice(i).endsWith(ops), 'regenerate the section: pagesim ops --markdown');
});

test('layout --help names every struct pagesim can lay out', () => {
  const r = pagesim('layout', '--help');
  assert.equal(r.status, 0);
  for (const s of ['page', 'folio', 'ptdesc', 'slab', 'netmem_desc', 'net_iov', 'net_iov_area']) assert.match(r.stdout, new RegExp(`\\b${s}\\b`), s);
});
