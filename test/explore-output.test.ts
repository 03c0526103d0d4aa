/**
 * pagesim explore's failure output: a schedule shown once with every
 * failure it is the first of, each report line once (with a count), and a
 * replayed schedule's step that a BUG left unfinished said as such.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pagesim as cli } from './helpers/cli.js';
import { repoRoot } from './helpers/machine.js';

const pagesim = (...args: string[]) => cli(args);
const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'explore-final', `${name}.yaml`);

test('pagesim explore: failures with the same first schedule are shown under it once, each report line once with its count', () => {
  const r = pagesim('explore', fixture('insert-vs-driver-put'));
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  const lines = out.split('\n');
  // Each schedule shown once; the failures it is also the first of on one line, with their counts.
  const schedules = lines.filter((l) => l.startsWith('schedule: ['));
  assert.equal(new Set(schedules).size, schedules.length, schedules.join('\n'));
  assert.deepEqual(schedules, ['schedule: [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1]', 'schedule: [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]', 'schedule: [0, 0, 1, 1, 0, 0]']);
  assert.match(out, /\nbad_page free_page_is_bad: nonzero _refcount: 10 schedules; the first:\nthe same schedule is the first of: use-after-free \(12 schedules\)\nschedule: \[0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1\]\n/);
  const pcp = 'check pcp-lists: zone DMA32 cpu 1 pcp list 0 (order 0): ';
  assert.ok(
    lines.includes(`the same schedule is the first of: ${pcp}pfn 0x2000 is on a pcp list and also on another pcp list (2 schedules); ${pcp}entry is not the lru of a struct page (2 schedules); ${pcp}pfn 0x2001 is on a pcp list and also on another pcp list (2 schedules)`),
    out,
  );
  // A checker line says its finding once, and a line repeated by the list walk is printed once with its count.
  const check = lines.filter((l) => l.includes('pagesim: check failed'));
  assert.deepEqual(check, [
    '  pagesim: check failed: pcp-lists: zone DMA32 cpu 1 pcp list 0 (order 0): entry\'s prev does not point back at its predecessor',
    '  pagesim: check failed: pcp-lists: zone DMA32 cpu 1 pcp list 0 (order 0): pfn 0x2000 is on a pcp list and also on another pcp list (7 times)',
    '  pagesim: check failed: pcp-lists: zone DMA32 cpu 1 pcp list 0 (order 0): entry is not the lru of a struct page (6 times)',
    '  pagesim: check failed: pcp-lists: zone DMA32 cpu 1 pcp list 0 (order 0): pfn 0x2001 is on a pcp list and also on another pcp list (6 times)',
  ]);
  // Other reports keep their reason after the message.
  assert.ok(lines.includes('  BUG: Bad page state in process pagesim  pfn:02000: nonzero _refcount (step 5)'), out);
  // The JSON keeps every failure with its own first schedule and every report.
  const j = JSON.parse(pagesim('explore', fixture('insert-vs-driver-put'), '--json').stdout) as { explorations: { failures: { signature: string; count: number; schedule: number[]; reports: { kind: string; reason: string }[] }[] }[] };
  const fs = j.explorations[0]!.failures;
  assert.deepEqual(
    fs.map((f) => [f.signature.replace(pcp, ''), f.count, f.schedule.length]),
    [
      ['bad_page free_page_is_bad: nonzero _refcount', 10, 11],
      ['use-after-free', 12, 11],
      ["entry's prev does not point back at its predecessor", 2, 11],
      ['pfn 0x2000 is on a pcp list and also on another pcp list', 2, 11],
      ['entry is not the lru of a struct page', 2, 11],
      ['pfn 0x2001 is on a pcp list and also on another pcp list', 2, 11],
      ['BUG folio_get: VM_BUG_ON_FOLIO(((unsigned int) folio_ref_count(folio) + 127u <= 127u))', 10, 6],
    ],
  );
  assert.deepEqual(fs[0]!.reports.map((x) => [x.kind, x.reason]), [['bad_page', 'nonzero _refcount']]);
  assert.equal(fs[2]!.reports.filter((x) => x.kind === 'check').length, 20);
  assert.deepEqual(fs[6]!.reports.map((x) => x.kind), ['BUG']);
});

test('pagesim run of a schedule that a BUG ends while another CPU is inside a step lists that step as not finished', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-explore-'));
  try {
    const file = join(dir, 'double-put.yaml');
    writeFileSync(file, `${readFileSync(fixture('double-put'), 'utf8')}schedule: [0, 0, 1, 1, 1, 1, 1]\n`);
    const r = pagesim('run', file, '--no-text');
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /more loop step/);
    assert.match(r.stdout, /\n {4}3 {2}CPU0 folio_put\(folio=p\)\n {5}! not finished: another CPU's oops ended the run while this step was between two of its actions\n {4}4 {2}CPU1 get_page\(page=q\)\n {4}5 {2}CPU1 folio_put\(folio=p\)\n {5}\| kernel BUG at include\/linux\/mm\.h:1563!/);
    const j = JSON.parse(pagesim('run', file, '--json').stdout) as { runs: { steps: { index: number; unfinished?: boolean }[] }[] };
    assert.deepEqual(j.runs[0]!.steps.map((s) => [s.index, s.unfinished ?? false]), [[1, false], [2, false], [3, true], [4, false], [5, false]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
