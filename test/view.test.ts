/**
 * pagesim view's data and file: the per-step deltas rebuild the machine's
 * real state, the writers found are the kernel functions that wrote, seed
 * 003's callback lands in bytes 16..23 under the RFC only, and the file is
 * self-contained, small and the same for the same input. (The viewer in a
 * browser: test/browser/.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pagesim as cli } from './helpers/cli.js';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { repoRoot } from './helpers/machine.js';
import { shownRuns } from './helpers/shown.js';
import { loadScenario } from '../src/engine/load.js';
import { runScenarioWithMachine } from '../src/engine/run.js';
import { buildViewData, parsePage, wordsOver } from '../src/view/build.js';
import { diffVariants } from '../src/observe/diff.js';
import { variantLookup } from '../src/engine/load.js';
import { opLookup } from '../src/engine/registry.js';
import { parseScenario } from '../src/scenario/parse.js';
import { ViewRecorder } from '../src/view/record.js';
import { applyDelta, decodeBytes, decodeDump, PAGE_STATES, rleDecode, rleEncode, type ViewData, type ViewRun } from '../src/view/data.js';

const PTDESC = join(repoRoot, 'scenarios', 'ptdesc-pte-free-now.yaml');

function pagesim(...args: string[]): { status: number; stdout: string; stderr: string } {
  return cli(args);
}

/** A run's bytes of one struct page after `step`, rebuilt from the deltas. */
function bytesAt(run: ViewRun, n: number, pfn: number, step: number): Uint8Array {
  const ids = new Int32Array(n);
  rleDecode(run.bytes.initial, ids);
  for (let s = 0; s < step; s++) applyDelta(ids, run.bytes.deltas[s]);
  return decodeBytes(run.bytes.table[ids[pfn]!]!, pfn, run.layout.size);
}

/** A run's state of one pfn after `step`, rebuilt from the deltas. */
function stateAfter(run: ViewRun, n: number, pfn: number, step: number): number {
  const states = new Uint8Array(n);
  rleDecode(run.states.initial, states);
  for (let s = 0; s < step; s++) applyDelta(states, run.states.deltas[s]);
  return states[pfn]!;
}

const inline = (text: string) => parseScenario(text, 't.yaml', opLookup, variantLookup);

function word(bytes: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
  return v;
}

/** The data a view file carries (gzip in base64 in its page). */
function fileData<T = ViewData>(html: string): T {
  const packed = /<script id="pagesim-data" type="application\/octet-stream">([A-Za-z0-9+/=]+)<\/script>/.exec(html);
  assert.ok(packed !== null);
  return JSON.parse(gunzipSync(Buffer.from(packed[1]!, 'base64')).toString('utf8')) as T;
}

/**
 * docs/view.md's view of the scenario under its four variants: the data of
 * the file the docs test's run of it wrote, when that ran in this process
 * (test/helpers/shown.ts; the same data buildViewData() gives, which the
 * command wrote whole), else built here.
 */
const DOCS_VIEW = 'pagesim view scenarios/ptdesc-pte-free-now.yaml --out build/view/ptdesc-pte-free-now.html';
let cached: ViewData | null = null;
function ptdescView(): ViewData {
  if (cached === null) {
    const shown = shownRuns.get(DOCS_VIEW);
    if (shown !== undefined) {
      assert.equal(shown.status, 0, shown.output);
      const data = fileData(readFileSync(join(repoRoot, 'build', 'view', 'ptdesc-pte-free-now.html'), 'utf8'));
      assert.deepEqual(data.runs.map((r) => r.variant), ['baseline', 'ptdesc-frozen', 'ptdesc-memdesc-rfc', 'ptdesc-memdesc']);
      cached = data;
    } else cached = buildViewData(loadScenario(PTDESC), { variants: ['baseline', 'ptdesc-frozen', 'ptdesc-memdesc-rfc', 'ptdesc-memdesc'], pages: [] });
  }
  return cached;
}

test('rle round trip', () => {
  const a = Uint8Array.from([3, 3, 3, 0, 1, 1, 7]);
  assert.deepEqual(rleEncode(a), [3, 3, 0, 1, 1, 2, 7, 1]);
  const b = new Uint8Array(a.length);
  rleDecode(rleEncode(a), b);
  assert.deepEqual(b, a);
});

test('wordsOver keeps the raw words over a byte range', () => {
  assert.equal(wordsOver('a b c d', 16, 24), 'c');
  assert.equal(wordsOver('a b c d', 12, 20), 'b c');
});

test('the recorded deltas rebuild every struct page and dump of the machine the run leaves', () => {
  const scn = loadScenario(PTDESC);
  const rec = new ViewRecorder();
  const { machine: k } = runScenarioWithMachine(scn, 'baseline', { observers: [rec] });
  const r = rec.result();
  assert.ok(r.recordedSteps === 9, `all 9 steps recorded, got ${r.recordedSteps}`);
  const n = k!.nr_pages;
  const ids = new Int32Array(n);
  const dumps = new Int32Array(n);
  rleDecode(r.bytes.initial, ids);
  rleDecode(r.dumps.initial, dumps);
  for (const d of r.bytes.deltas) applyDelta(ids, d);
  for (const d of r.dumps.deltas) applyDelta(dumps, d);
  const size = k!.structPageSize;
  for (let pfn = 0; pfn < n; pfn++) {
    const want = new Uint8Array(k!.buf, pfn * size, size);
    assert.deepEqual(decodeBytes(r.bytes.table[ids[pfn]!]!, pfn, size), Uint8Array.from(want), `struct page of pfn ${pfn.toString(16)}`);
  }
  // Dumps: a sample across the memmap, and every page that changed.
  const changed = new Set(r.bytes.deltas.flatMap((d) => d.filter((_, i) => i % 2 === 0)));
  for (let pfn = 0; pfn < n; pfn += 97) changed.add(pfn);
  for (const pfn of changed) assert.equal(decodeDump(r.dumps.table[dumps[pfn]!]!, pfn, size), k!.dump_page_lines(pfn, null).join('\n'), `dump of pfn ${pfn.toString(16)}`);
  k!.releaseMemory();
});

test('page states: the page-table page is a table after the fault, free blocks cover their order', () => {
  const v = ptdescView();
  const base = v.runs[0]!;
  const states = new Uint8Array(v.nrPages);
  rleDecode(base.states.initial, states);
  // Before the first step most memory is free in large blocks, and nothing is a page table but the boot tables.
  const free10 = states.filter((s) => PAGE_STATES[s] === 'free order 10').length;
  assert.ok(free10 >= 1024 * 30, `most of 256 MiB free at order 10 (${free10} pages)`);
  // mm_alloc() refills the per-CPU list; the THP collapse (step 5) deposits pfn 0x2016 as a PTE table.
  applyDelta(states, base.states.deltas[0]);
  assert.equal(PAGE_STATES[states[0x2016]!], 'pcp');
  for (let s = 1; s < 5; s++) applyDelta(states, base.states.deltas[s]);
  assert.equal(PAGE_STATES[states[0x2016]!], 'table');
  assert.equal(base.counters.names[1], 'nr_page_table_pages');
  assert.ok(base.counters.values[1]![3]! > base.counters.values[1]![0]!, 'NR_PAGETABLE rose with the fault');
});

test('seed 003: pte_free_now lands in bytes 16..23 of the page table under ptdesc-memdesc-rfc only', () => {
  const v = ptdescView();
  assert.equal(v.focusPfn, 0x2016, 'the view opens on the page the BUG dumps');
  const pteFreeNow = (run: ViewRun): boolean => run.writes.some((w) => w.pfn === 0x2016 && w.step === 5 && w.start <= 16 && w.end >= 24 && w.meaning.some((m) => m === 'bytes 16..23: &pte_free_now'));
  for (const run of v.runs) {
    const landed = pteFreeNow(run);
    assert.equal(landed, run.variant === 'ptdesc-memdesc-rfc', `${run.variant}: call_rcu's pte_free_now in bytes 16..23`);
    const after5 = word(bytesAt(run, v.nrPages, 0x2016, 5), 16);
    const sym = 0xffffffff8103ae80n;
    assert.equal(after5 === sym, run.variant === 'ptdesc-memdesc-rfc', `${run.variant}: bytes 16..23 after step 5 are ${after5.toString(16)}`);
  }
  const rfc = v.runs.find((r) => r.variant === 'ptdesc-memdesc-rfc')!;
  const w = rfc.writes.find((x) => x.pfn === 0x2016 && x.step === 5)!;
  assert.equal(w.function, 'call_rcu');
  assert.deepEqual(w.stack, ['call_rcu', 'pte_free_defer', 'collapse_pte_mapped_thp']);
  assert.ok(w.fields.includes('memdesc.v') && w.fields.includes('rcu_head.func'), w.fields.join(', '));
  assert.equal(w.new, 'ffffffff8103ae80');
  assert.equal(rfc.outcome, 'bug');
  assert.ok(rfc.steps.find((s) => s.index === 6)!.reports.some((r) => r.message === 'kernel BUG at include/linux/mm.h:2959!'));
});

test('first divergence: the earliest step where results, reports, the pages changed or their states differ, as pagesim diff finds it', () => {
  const v = ptdescView();
  assert.ok(v.divergence !== null);
  // Step 1's mm_alloc: the pgd's ptdesc is frozen (refcount 0) under patches 1-4, referenced under mainline.
  assert.equal(v.divergence!.step, 1);
  assert.equal(v.divergence!.why, 'pfn 0x2010: refcount 1 under baseline, 0 under ptdesc-frozen');
  const d = diffVariants(loadScenario(PTDESC), 'baseline', 'ptdesc-frozen');
  assert.equal(d.divergence!.step, 1);
  assert.deepEqual(d.divergence!.what, ['state of pfn 0x2010']);
  const same = buildViewData(loadScenario(PTDESC), { variants: ['baseline', 'baseline'], pages: [] });
  assert.equal(same.divergence, null, 'a variant against itself');
});

/** A slab object's page freed with __free_pages(): a frozen slab page (7.3) against a refcounted one (6.12). */
test('view and diff name the same first divergence: the slab page\'s refcount in step 2, not the reports of step 4', () => {
  const scn = loadScenario(join(repoRoot, 'scenarios', 'slab-page-freed-by-buddy.yaml'));
  const d = diffVariants(scn, 'baseline', 'linux-6.12');
  assert.equal(d.divergence!.step, 2);
  const v = buildViewData(scn, { variants: ['baseline', 'linux-6.12'], pages: [] });
  assert.equal(v.divergence!.step, d.divergence!.step);
  assert.equal(v.divergence!.why, 'pfn 0x2000: refcount 0 under baseline, 1 under linux-6.12');
  // With a third variant that parts later, the earliest over the variants.
  const three = buildViewData(scn, { variants: ['baseline', 'baseline', 'linux-6.12'], pages: [] });
  assert.equal(three.divergence!.step, 2);
});

test('view: with no report and no page named, it opens on the first page a step allocated, not pfn 0x0', () => {
  const v = buildViewData(
    inline(`name: no-page-named
machine: {memory: 256MiB}
steps:
  - mm_alloc: {}
    as: m
  - mmap: {mm: m, len: 64KiB}
    as: a
  - handle_mm_fault: {mm: m, address: a, write: true}
`),
    { variants: ['baseline'], pages: [] },
  );
  assert.deepEqual(v.runs[0]!.watched, []);
  // mm_alloc's first allocation: the slab page the mm_struct comes from.
  assert.equal(v.focusPfn, 0x2000);
  assert.equal(PAGE_STATES[stateAfter(v.runs[0]!, v.nrPages, v.focusPfn, 1)], 'slab');
});

test('view --page takes what --timeline takes: a handle, p+1, pfn:0x..., or a bare pfn', () => {
  const scn = inline(`name: pages
steps:
  - alloc_pages: {gfp: GFP_KERNEL, order: 1}
    as: p
  - __free_pages: {page: p, order: 1}
`);
  const v = buildViewData(scn, { variants: ['baseline'], pages: ['p+1', 'pfn:0x3000', '0x3001', '12290'].map(parsePage) });
  assert.deepEqual(v.runs[0]!.watched.slice(0, 4), [0x2001, 0x3000, 0x3001, 0x3002]);
  assert.equal(v.focusPfn, 0x2001, 'no report: the first page given');
  assert.throws(() => buildViewData(scn, { variants: ['baseline'], pages: [parsePage('q')] }), /^InputError: view: --page q: no step binds handle "q" to a page$/);
  assert.throws(() => parsePage('p:16..23'), /view: --page p:16\.\.23: --page takes a whole page: leave out the bytes \(examples: p, p\+1, pfn:0x2016\)/);
});

test('pagesim view writes one self-contained file under 2 MB, the same every time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-view-'));
  const a = pagesim('view', PTDESC, '--variant', 'baseline', '--variant', 'ptdesc-memdesc-rfc', '--out', join(dir, 'a.html'));
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /^wrote .*a\.html \(\d+ KiB\): ptdesc-pte-free-now under baseline, ptdesc-memdesc-rfc; first divergence at step 1\n$/);
  const b = pagesim('view', PTDESC, '--variant', 'baseline', '--variant', 'ptdesc-memdesc-rfc', '--out', join(dir, 'b.html'));
  assert.equal(b.status, 0, b.stderr);
  const html = readFileSync(join(dir, 'a.html'), 'utf8');
  assert.equal(html, readFileSync(join(dir, 'b.html'), 'utf8'), 'deterministic');
  assert.ok(html.length < 2 * 1024 * 1024, `${html.length} bytes`);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|@import|url\(http/i, 'nothing loaded from elsewhere');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  const packed = /<script id="pagesim-data" type="application\/octet-stream">([A-Za-z0-9+/=]+)<\/script>/.exec(html);
  assert.ok(packed !== null);
  const data = JSON.parse(gunzipSync(Buffer.from(packed[1]!, 'base64')).toString('utf8')) as ViewData;
  assert.deepEqual(
    data.runs.map((r) => [r.variant, r.outcome]),
    [
      ['baseline', 'ok'],
      ['ptdesc-memdesc-rfc', 'bug'],
    ],
  );
});

test('pagesim view: bad arguments are one line and exit 2', () => {
  for (const [args, re] of [
    [['view'], /view: give exactly one scenario file/],
    [['view', PTDESC, '--variant', 'nope'], /--variant: /],
    [['view', PTDESC, '--page', '1x2'], /view: --page 1x2: a target starts with a handle name/],
    [['view', PTDESC, '--page', 'pfn:0x40000'], /view: --page pfn:0x40000: pfn 0x40000 is outside the memmap \(0x0-0xffff\)/],
    [['view', PTDESC, '--page', 'nope'], /view: --page nope: no step binds handle "nope" to a page/],
    [['view', PTDESC, '--out', 'a.txt'], /should end in \.html/],
    [['view', join(repoRoot, 'no-such.yaml')], /no-such\.yaml/],
  ] as const) {
    const r = pagesim(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  }
});

test('pagesim layout --html: the byte grids of struct page under several variants in one file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-view-'));
  const out = join(dir, 'layout.html');
  const r = pagesim('layout', 'page', '--variant', 'baseline', '--variant', 'ptdesc-memdesc-rfc', '--html', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*layout\.html \(\d+ KiB\): struct page under baseline, ptdesc-memdesc-rfc\n$/);
  const html = readFileSync(out, 'utf8');
  const packed = /<script id="pagesim-data" type="application\/octet-stream">([A-Za-z0-9+/=]+)<\/script>/.exec(html)!;
  const data = JSON.parse(gunzipSync(Buffer.from(packed[1]!, 'base64')).toString('utf8')) as { kind: string; layouts: { variant: string; size: number; fields: { path: string; offset: number; size: number }[] }[] };
  assert.equal(data.kind, 'layout');
  const memdesc = data.layouts[1]!.fields.find((f) => f.path === 'memdesc.v');
  assert.deepEqual(memdesc && [memdesc.offset, memdesc.size], [16, 8]);
  assert.equal(data.layouts[0]!.fields.find((f) => f.path === 'memdesc.v'), undefined);
  const func = data.layouts[0]!.fields.find((f) => f.path === 'rcu_head.func');
  assert.deepEqual(func && [func.offset, func.size], [16, 8]);
  const bad = pagesim('layout', 'page', '--variant', 'baseline', '--html', out, '--json');
  assert.equal(bad.status, 2);
});

/** docs/view.md's replay drawn: the docs test's run of it when that ran in this process (test/helpers/shown.ts), a replay of a second or more of CPU. */
const DOCS_REPLAY = 'pagesim replay data/ftrace/firecracker-vm-6.18.44-x86_64-2cpu-24GB-thp-32x2MB/trace.txt.gz --html build/view/replay.html';

test('pagesim replay --html: free memory over the trace, ending where the replay ends', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-view-'));
  const trace = join(repoRoot, 'data', 'ftrace', 'firecracker-vm-6.18.44-x86_64-2cpu-24GB-thp-32x2MB', 'trace.txt.gz');
  const shown = shownRuns.get(DOCS_REPLAY);
  const out = shown === undefined ? join(dir, 'replay.html') : join(repoRoot, 'build', 'view', 'replay.html');
  const r = shown === undefined ? pagesim('replay', trace, '--html', out) : { status: shown.status, stdout: shown.output, stderr: shown.output };
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\nwrote .*replay\.html \(\d+ KiB\): \d+ samples over 21117 events\n$/);
  const html = readFileSync(out, 'utf8');
  const packed = /<script id="pagesim-data" type="application\/octet-stream">([A-Za-z0-9+/=]+)<\/script>/.exec(html)!;
  const data = JSON.parse(gunzipSync(Buffer.from(packed[1]!, 'base64')).toString('utf8')) as import('../src/view/data.js').ReplayViewData;
  assert.equal(data.kind, 'replay');
  assert.ok(data.time.length > 100 && data.time.length <= 401, `${data.time.length} samples`);
  assert.equal(data.time[0], 0);
  for (let i = 1; i < data.time.length; i++) assert.ok(data.time[i]! >= data.time[i - 1]!, 'trace time only goes forward');
  // The last sample is the machine the comparison reads: its free blocks per order are the model column.
  const last = data.freeByOrder.map((s) => s[s.length - 1]);
  assert.deepEqual(last, data.compare!.model);
  // This capture's replay matches its t1 snapshot order by order.
  assert.deepEqual(data.compare!.model, data.compare!.real);
  assert.ok(data.eventTypes.includes('mm_page_alloc') && data.eventTypes.includes('mm_page_free'));
  const two = pagesim('replay', trace, '--variant', 'baseline', '--variant', 'ptdesc-memdesc', '--html', join(dir, 'two.html'));
  assert.equal(two.status, 2);
  assert.match(two.stderr, /--html FILE draws one replay: give one --variant/);
});
