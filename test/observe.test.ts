/**
 * Watchpoints and page timelines: who wrote which bytes, and how a page
 * changed step by step; and that following a run does not change it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pagesim as cli } from './helpers/cli.js';
import { loadScenario, variantLookup } from '../src/engine/load.js';
import { opLookup } from '../src/engine/registry.js';
import { runScenario } from '../src/engine/run.js';
import { buildVariant } from '../src/engine/build.js';
import { SymbolTable } from '../src/kernel/symbols.js';
import { parseTarget } from '../src/observe/target.js';
import { Watcher, words } from '../src/observe/watch.js';
import { Timeline } from '../src/observe/timeline.js';
import { formatWatch } from '../src/format/observe.js';
import { parseScenario } from '../src/scenario/parse.js';
import { InputError } from '../src/util/errors.js';
import { repoRoot } from './helpers/machine.js';

const SEED_003 = join(repoRoot, 'scenarios', 'ptdesc-pte-free-now.yaml');

function watch(file: string, variant: string, ...targets: string[]): { run: ReturnType<typeof runScenario>; w: Watcher } {
  const w = new Watcher(
    targets.map((t) => parseTarget(t, '--watch')),
    variant,
  );
  return { run: runScenario(loadScenario(file), variant, { observers: [w] }), w };
}

test('seed 003: who wrote bytes 16..23 of the page-table page: call_rcu, from pte_free_defer, rcu_head.func over the memdesc', () => {
  const { run, w } = watch(SEED_003, 'ptdesc-memdesc-rfc', 'pfn:0x2016:16..23');
  const [r] = w.results();
  assert.equal(r!.pfn, 0x2016);
  assert.deepEqual([r!.start, r!.end], [16, 24]);
  for (const f of ['memdesc.v', 'rcu_head.func', 'lru.prev']) assert.ok(r!.fields.includes(f), f);
  const last = r!.hits[r!.hits.length - 1]!;
  assert.equal(last.step, 5);
  assert.equal(last.call, 'collapse_pte_mapped_thp(mm=m, addr=a)');
  assert.equal(last.function, 'call_rcu');
  assert.deepEqual(last.stack, ['call_rcu', 'pte_free_defer', 'collapse_pte_mapped_thp']);
  assert.deepEqual(last.fields, r!.fields);
  assert.deepEqual(last.meaning, ['bytes 16..23: &pte_free_now']);
  // The value it wrote is pte_free_now's address, and it is what the BUG's dump shows as the third raw word.
  const pteFreeNow = new SymbolTable(buildVariant('ptdesc-memdesc-rfc').symbolDecls).addr('pte_free_now').toString(16);
  assert.equal(last.new, pteFreeNow);
  assert.equal(r!.final, pteFreeNow);
  assert.match(run.reports[0]!.text, new RegExp(`raw: 000fffffc0000000 0000000000000000 ${pteFreeNow} 0000000000000000`));
  // Before it, the memdesc the allocation wrote: the ptdesc's address tagged MEMDESC_TYPE_PAGE_TABLE (15).
  const memdesc = r!.hits[r!.hits.length - 2]!;
  assert.equal(memdesc.step, 3);
  assert.equal(memdesc.old, 'dead000000000122');
  assert.match(memdesc.new, /^ffff8880[0-9a-f]{7}f$/);
  assert.match(memdesc.meaning[0]!, / \| 15: direct map, pfn 0x/);
  // The free list's LIST_POISON2 before that, by list_del taking the page off the per-CPU list.
  assert.ok(r!.hits.some((h) => h.step === 3 && h.function === 'list_del' && h.new === 'dead000000000122' && h.meaning[0] === 'bytes 16..23: LIST_POISON2'));
  const text = formatWatch(r!);
  assert.match(text, /^  step 5  collapse_pte_mapped_thp\(mm=m, addr=a\)\n    call_rcu wrote bytes 16\.\.23: ffff8880[0-9a-f]{8} -> ffffffff[0-9a-f]{8} \(&pte_free_now\)\n      call_rcu <- pte_free_defer <- collapse_pte_mapped_thp$/m);
});

test('a watch by field name covers the field\'s bytes; the same writes as by range', () => {
  const byName = watch(SEED_003, 'ptdesc-memdesc-rfc', 'pfn:0x2016:rcu_head.func').w.results()[0]!;
  const byRange = watch(SEED_003, 'ptdesc-memdesc-rfc', 'pfn:0x2016:16+8').w.results()[0]!;
  assert.deepEqual([byName.start, byName.end], [16, 24]);
  assert.deepEqual(byName.hits, byRange.hits);
  const lru = watch(SEED_003, 'baseline', 'pfn:0x2016:lru').w.results()[0]!;
  assert.deepEqual([lru.start, lru.end], [8, 24]);
});

test('under the repaired design the RCU callback never touches struct page bytes 16..23', () => {
  const r = watch(SEED_003, 'ptdesc-memdesc', 'pfn:0x2016:16..23').w.results()[0]!;
  assert.equal(r.hits.some((h) => h.function === 'call_rcu'), false);
});

test('a handle target is watched from the step that binds it; a refcount write is the whole _refcount', () => {
  const { w } = watch(join(repoRoot, 'scenarios', 'double-free.yaml'), 'baseline', 'p:_refcount');
  const r = w.results()[0]!;
  assert.equal(r.from, 1);
  assert.equal(r.initial, '00000001');
  assert.deepEqual(
    r.hits.map((h) => [h.step, h.function, h.start, h.end, h.changed, h.old, h.new, h.stack]),
    [[2, 'page_ref_dec_and_test', 52, 56, [52, 53], '00000001', '00000000', ['page_ref_dec_and_test', 'put_page_testzero', '___free_pages', '__free_pages']]],
  );
});

test('watching and following change nothing in the run', () => {
  for (const variant of ['baseline', 'ptdesc-memdesc-rfc']) {
    const plain = runScenario(loadScenario(SEED_003), variant);
    const { run } = watch(SEED_003, variant, 'pfn:0x2016', 'pfn:0x2000:0..7');
    const t = new Timeline(parseTarget('pfn:0x2016', '--timeline', false), variant);
    const followed = runScenario(loadScenario(SEED_003), variant, { observers: [t] });
    for (const r of [run, followed]) {
      assert.deepEqual(r.reports.map((x) => x.text), plain.reports.map((x) => x.text));
      assert.deepEqual(r.console, plain.console);
      assert.deepEqual(r.steps.map((s) => s.result), plain.steps.map((s) => s.result));
    }
  }
});

test('timeline: the page-table page under the RFC, one entry per step that changed it', () => {
  const t = new Timeline(parseTarget('pfn:0x2016', '--timeline', false), 'ptdesc-memdesc-rfc');
  runScenario(loadScenario(SEED_003), 'ptdesc-memdesc-rfc', { observers: [t] });
  const r = t.result();
  assert.deepEqual(r.entries.map((e) => e.step), [0, 1, 3, 5]);
  const table = r.entries[2]!;
  assert.equal(table.pageType, 'f2(table)');
  assert.equal(table.refcount, 0);
  assert.deepEqual(table.changed, [1, 2, 4, 6]);
  assert.equal(table.raw[6], '00000000f2000000');
  assert.deepEqual(r.entries[3]!.changed, [2]);
  assert.match(r.entries[3]!.dump.join('\n'), /^raw: 000fffffc0000000 0000000000000000 ffffffff[0-9a-f]{8} 0000000000000000$/m);
});

test('bad targets are one-line errors', () => {
  const bad = (t: string, re: RegExp): void => assert.throws(() => parseTarget(t, '--watch'), (e: unknown) => e instanceof InputError && re.test(e.message));
  bad('pfn:', /pfn: must be followed by a pfn/);
  bad('9p', /starts with a handle name/);
  bad('p:23..16', /the range is empty/);
  bad('p:1:2', /too many ":"/);
  bad('p:+x', /neither a byte range .* nor a field path/);
  assert.throws(() => parseTarget('p:16..23', '--timeline', false), /leave out the bytes/);
  assert.throws(() => watch(SEED_003, 'baseline', 'pfn:0x2016:memdesc'), /struct page has no field "memdesc" under baseline/);
  assert.throws(() => watch(SEED_003, 'baseline', 'pfn:0x2016:60..67'), /struct page is 64 bytes under baseline/);
  assert.throws(() => watch(SEED_003, 'baseline', 'pfn:0x7fffff'), /outside the memmap/);
  const scn = parseScenario('steps:\n  - mm_alloc: {}\n    as: m\n', 't.yaml', opLookup, variantLookup);
  assert.throws(() => runScenario(scn, 'baseline', { observers: [new Watcher([parseTarget('m', '--watch')], 'baseline')] }), /handle "m" holds a mm, not a page/);
});

test('words(): struct page bytes as dump_page\'s little-endian words, split at 8-byte boundaries', () => {
  const b = new Uint8Array([0x22, 0x01, 0, 0, 0, 0, 0xad, 0xde, 1, 2]);
  assert.equal(words(b, 16), 'dead000000000122 0201');
  assert.equal(words(b.subarray(4), 20), 'dead0000 0201');
});

test('seed 003 in one command: pagesim run ... --watch pfn:0x2016:16..23 (text and JSON)', () => {
  const args = ['run', 'scenarios/ptdesc-pte-free-now.yaml', '--variant', 'ptdesc-memdesc-rfc', '--watch', 'pfn:0x2016:16..23'];
  const text = cli(args);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /\n {2}step 5 {2}collapse_pte_mapped_thp\(mm=m, addr=a\)\n {4}call_rcu wrote bytes 16\.\.23: [0-9a-f]{16} -> ([0-9a-f]{16}) \(&pte_free_now\)\n {6}call_rcu <- pte_free_defer <- collapse_pte_mapped_thp\n {2}at the end: \1\n?$/);
  assert.match(text.stdout, /fields: lru\.prev, buddy_list\.prev, pcp_list\.prev, pp, memdesc\.v, zone_device_data, rcu_head\.func/);
  const json = cli([...args, '--json']);
  const run = (JSON.parse(json.stdout) as { runs: { variant: string; watch: { hits: { function: string; stack: string[]; fields: string[] }[] }[] }[] }).runs[0]!;
  const last = run.watch[0]!.hits.at(-1)!;
  assert.equal(run.variant, 'ptdesc-memdesc-rfc');
  assert.deepEqual(last.stack, ['call_rcu', 'pte_free_defer', 'collapse_pte_mapped_thp']);
  assert.ok(last.fields.includes('memdesc.v') && last.fields.includes('rcu_head.func'));
});
