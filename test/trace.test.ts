import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  parseTraceBuffer, parseTraceFile, parseTraceText, TraceEvent, TraceParser, type TraceStats,
} from '../src/trace/index.js';
import { pfnFromPage } from '../src/trace/fields.js';
import { InputError } from '../src/util/errors.js';
import { realDataDir } from '../src/util/real-data.js';

// dist/test/trace.test.js -> repository root is two levels up.
const realData = realDataDir();
const excerpts = path.join(realData, 'ftrace', 'trace-excerpts');
const noData = existsSync(excerpts) ? false : `real data not found at ${excerpts}`;

/** Parses a file and keeps copies of all events. */
async function collect(file: string): Promise<{ stats: TraceStats; events: TraceEvent[] }> {
  const events: TraceEvent[] = [];
  const stats = await parseTraceFile(file, { onEvent: (rec) => events.push(rec.clone()) });
  return { stats, events };
}

function collectText(text: string): { stats: TraceStats; events: TraceEvent[] } {
  const events: TraceEvent[] = [];
  const stats = parseTraceText(text, { onEvent: (rec) => events.push(rec.clone()) });
  return { stats, events };
}

function excerpt(name: string): string {
  return path.join(excerpts, name);
}

test('2010 excerpt (2.6.33): mm_page_free_direct, decimal pfn, vmemmap page=, no flags column', { skip: noData }, async () => {
  const { stats, events } = await collect(excerpt('2010-2.6.33rc-mm_page_free_direct-mm_page_alloc-x86_64.txt'));
  assert.equal(stats.events, 5);
  assert.deepEqual(stats.byEvent, { alloc: 1, free: 4, free_batched: 0, alloc_zone_locked: 0, pcpu_drain: 0, extfrag: 0 });
  assert.equal(stats.malformed, 0);
  assert.equal(stats.otherLines, 1); // the author's "K-PID CPU# ..." header, without '#'
  const alloc = events[2];
  assert.equal(alloc.lineNo, 4);
  assert.equal(alloc.event, 'alloc');
  assert.equal(alloc.pfn, 1155800);
  assert.equal(alloc.order, 0);
  assert.equal(alloc.migratetype, 0);
  assert.equal(alloc.gfpText, 'GFP_KERNEL');
  assert.equal(alloc.gfp, 0xcc0);
  assert.equal(alloc.comm, 'gnome-terminal');
  assert.equal(alloc.pid, 1567);
  assert.equal(alloc.cpu, 0);
  assert.equal(alloc.timestampUs, 4415246506);
  const free = events[0];
  assert.equal(free.event, 'free');
  assert.equal(free.name, 'mm_page_free_direct');
  assert.equal(free.pfn, 1155800);
  assert.equal(free.gfp, -1);
  assert.equal(free.migratetype, -1);
});

test('2016 excerpt (4.6): mm_page_alloc_extfrag fields', { skip: noData }, async () => {
  const { stats, events } = await collect(excerpt('2016-4.6-x86_64-mm_page_alloc_extfrag.txt'));
  assert.equal(stats.events, 1);
  assert.equal(stats.byEvent.extfrag, 1);
  const e = events[0];
  assert.equal(e.event, 'extfrag');
  assert.equal(e.pfn, 26235008);
  assert.equal(e.order, -1);
  assert.deepEqual(
    [e.allocOrder, e.fallbackOrder, e.pageblockOrder, e.allocMigratetype, e.fallbackMigratetype, e.fragmenting, e.changeOwnership],
    [3, 3, 9, 0, 2, true, true],
  );
  assert.equal(e.comm, '<idle>');
  assert.equal(e.pid, 0);
  assert.equal(e.cpu, 6);
  assert.equal(e.timestampUs, 1110217281);
});

test('2019 excerpt (4.4 arm64): stacktrace blocks are ignored, old GFP spellings decode by meaning', { skip: noData }, async () => {
  const { stats, events } = await collect(excerpt('2019-4.4-arm64-mm_page_alloc-with-stacktrace-option.txt'));
  assert.equal(stats.events, 6);
  assert.equal(stats.byEvent.alloc, 6);
  assert.equal(stats.malformed, 0);
  assert.equal(stats.skipped, 0);
  // "before", "---", a blank line, "after", "---", 6 "<stack trace>" markers and 34 "=> func" lines
  assert.equal(stats.otherLines, 45);
  const order2 = events[1];
  assert.equal(order2.lineNo, 10);
  assert.equal(order2.pfn, 296764);
  assert.equal(order2.order, 2);
  assert.equal(order2.gfpText, 'GFP_USER|GFP_ZERO|GFP_NOTRACK');
  assert.equal(order2.gfp, 0x100cc0 | 0x100); // GFP_USER | __GFP_ZERO; GFP_NOTRACK no longer exists
  assert.deepEqual(stats.gfpUnknownNames, { GFP_NOTRACK: 4, GFP_REPEAT: 2 });
  assert.equal(events[3].lineNo, 26); // the "after" capture, with its uneven indentation
  assert.equal(events[3].pfn, 1024392);
  assert.equal(events[3].comm, 'sh');
  assert.equal(events[3].pid, 780);
});

test('2019 perf script excerpt: kmem: prefix, page= as hex pfn, callchain lines ignored', { skip: noData }, async () => {
  const file = excerpt('2019-5.1-rc3-perf-script-kmem-mm_page_alloc-callchain.txt');
  const { stats, events } = await collect(file);
  assert.equal(stats.events, 1);
  assert.equal(stats.otherLines, 13);
  const e = events[0];
  assert.equal(e.pfn, 1493252);
  assert.equal(e.comm, 'perf');
  assert.equal(e.pid, 6503);
  assert.equal(e.cpu, 0);
  assert.equal(e.timestampUs, 1567570191);
  assert.equal(e.gfp, 0xcc0);
  // Without pfn= the pfn comes from perf's page=0x16c904.
  const { events: derived } = collectText('perf  6503 [000]  1567.570191:             kmem:mm_page_alloc: page=0x16c904 order=0 migratetype=0 gfp_flags=GFP_KERNEL\n');
  assert.equal(derived[0].pfn, 0x16c904);
  assert.equal(derived[0].pfn, 1493252);
});

test('2020 Android excerpt: vendor nr_free=, hashed page=, failed allocation', { skip: noData }, async () => {
  const { stats, events } = await collect(excerpt('2020-android-4.14-mm_page_alloc-patched-nr_free-field.txt'));
  assert.equal(stats.events, 9);
  assert.equal(stats.byEvent.alloc, 9);
  assert.equal(stats.failedAllocs, 1);
  assert.equal(stats.malformed, 0);
  assert.equal(events[0].pfn, 970744);
  assert.equal(events[0].nrFree, 3650);
  assert.equal(events[0].comm, '<...>');
  assert.equal(events[0].pid, 22275);
  assert.equal(events[0].gfpText, 'GFP_HIGHUSER|__GFP_ZERO');
  assert.equal(events[0].failed, false);
  // `page= (null) pfn=0`: a failed allocation is an 'alloc' with failed=true and pfn=-1.
  const failed = events[8];
  assert.equal(failed.lineNo, 9);
  assert.equal(failed.event, 'alloc');
  assert.equal(failed.failed, true);
  assert.equal(failed.pfn, -1);
  assert.equal(failed.comm, 'kswapd0');
  assert.equal(failed.migratetype, 1);
  assert.equal(failed.gfpText, 'GFP_NOWAIT|__GFP_HIGHMEM|__GFP_NOWARN|__GFP_MOVABLE');
});

test('2022 excerpt (5.18): hex pfn, 5-char flags column, other events skipped', { skip: noData }, async () => {
  const { stats, events } = await collect(excerpt('2022-5.18-rc-x86_64-mm_page_free-order2-folio-hex-pfn.txt'));
  assert.equal(stats.events, 1);
  assert.equal(stats.skipped, 2);
  assert.deepEqual(stats.skippedByEvent, { iomap_finish_ioend: 2 });
  assert.equal(stats.otherLines, 1); // the author's "..." line
  const e = events[0];
  assert.equal(e.event, 'free');
  assert.equal(e.pfn, 0x182190);
  assert.equal(e.order, 2);
  assert.equal(e.comm, 'kworker/10:1');
  assert.equal(e.pid, 440);
  assert.equal(e.cpu, 10);
  assert.equal(e.lineNo, 3);
});

test('2025 excerpts (6.13): bare lines, gfp names and the raw hex userspace printed', { skip: noData }, async () => {
  const fixed = await collect(excerpt('2025-6.13-x86_64-mm_page_alloc-gfp-enum-fixed.txt'));
  assert.equal(fixed.stats.events, 1);
  assert.equal(fixed.events[0].pfn, 0x122233);
  assert.equal(fixed.events[0].gfp, 0x140cca);
  assert.equal(fixed.events[0].cpu, -1);
  assert.equal(fixed.events[0].timestampUs, -1);
  const raw = await collect(excerpt('2025-6.13-x86_64-mm_page_alloc-gfp-enum-unparsed-by-userspace.txt'));
  assert.equal(raw.stats.events, 1);
  assert.equal(raw.events[0].pfn, 0x1d1ac1);
  assert.equal(raw.events[0].gfpText, '0x140cca');
  assert.equal(raw.events[0].gfp, 0x140cca);
  assert.equal(raw.events[0].gfp, fixed.events[0].gfp); // same flags, GFP_HIGHUSER_MOVABLE|__GFP_COMP
});

const ALLOC = '            bash-8346    [001] .....  1759.031718: mm_page_alloc: page=00000000da4e9885 pfn=0x10d173 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP';
const FREE = '         python3-8353    [001] .....  1759.188242: mm_page_free: page=0000000005f4e718 pfn=0x118e32 order=0';

test('malformed lines are counted with line numbers and do not stop the parse', () => {
  const text = [
    '# tracer: nop',
    ALLOC,
    '            bash-8346    [001] .....  1759.031740: mm_page_alloc: page=000000008809d8f7 pfn=0x10d1', // truncated
    FREE.replace('order=0', 'order=x'), // non-numeric order
    FREE.replace('order=0', 'order=0 junk'),
    '            bash-8346    [001] .....  1759.031741: mm_page_alloc: page=000000008809d8f7 pfn=0x10d172 order=-1 migratetype=1 gfp_flags=GFP_KERNEL',
    '            bash-8346    [001] .....  1759.031742: mm_page_free: order=0',
    FREE,
  ].join('\n');
  const { stats, events } = collectText(text);
  assert.equal(stats.events, 2);
  assert.equal(stats.malformed, 5);
  assert.deepEqual(events.map((e) => e.lineNo), [2, 8]);
  assert.deepEqual(stats.malformedSamples.map((m) => [m.lineNo, m.reason]), [
    [3, 'missing order, migratetype, gfp_flags'],
    [4, 'bad value for order'],
    [5, 'text without "=" among the fields'],
    [6, 'bad value for order'],
    [7, 'missing page and pfn'],
  ]);
  assert.ok(stats.malformedSamples[0].text.endsWith('pfn=0x10d1'));
  assert.equal(stats.headerLines, 1);
  assert.equal(stats.lines, 8);
});

test('at most maxMalformedSamples samples are kept, all are counted', () => {
  const bad = FREE.replace('order=0', 'order=?');
  const { stats } = collectText(Array.from({ length: 15 }, () => bad).join('\n'));
  assert.equal(stats.malformed, 15);
  assert.equal(stats.malformedSamples.length, 10);
  assert.equal(parseTraceText(`${bad}\n${bad}\n${bad}`, { maxMalformedSamples: 2 }).malformedSamples.length, 2);
});

test('prefix variants: record-tgid column, perf pid/tid, perf without cpu, trace-cmd padding, CRLF, comm with blanks', () => {
  const lines = [
    '          <idle>-0       (-------) [001] d.s.  1110.217281: mm_page_free: page=ffffea0064142000 pfn=26235008 order=3',
    'Web Content 4242/4243 [002] 12.000001: kmem:mm_page_free: page=0x10 pfn=16 order=1',
    'perf  6503  1567.570191: kmem:mm_page_free: page=0x16c904 pfn=1493252 order=0',
    '  trace-cmd-999   [003]  5.500000: mm_page_free:         page=0x20 pfn=32 order=2\r',
    '  memfd:sealed-91 [000] .....  1.000000999: mm_page_pcpu_drain: page=0000000000000001 pfn=0x40 order=0 migratetype=1',
    '  a=b c-7 [001] .... 2.000000: mm_page_free: page=0x50 pfn=0x50 order=0',
    '  mm_page_free: page=[12] pfn=0x60 order=0',
  ];
  const { stats, events } = collectText(lines.join('\n'));
  assert.equal(stats.malformed, 0);
  assert.equal(stats.events, 7);
  assert.deepEqual(events.map((e) => [e.comm, e.pid, e.cpu, e.pfn, e.order]), [
    ['<idle>', 0, 1, 26235008, 3],
    ['Web Content', 4243, 2, 16, 1],
    ['perf', 6503, -1, 1493252, 0],
    ['trace-cmd', 999, 3, 32, 2],
    ['memfd:sealed', 91, 0, 0x40, 0],
    ['a=b c', 7, 1, 0x50, 0],
    ['', -1, -1, 0x60, 0],
  ]);
  assert.equal(events[2].timestampUs, 1567570191);
  assert.equal(events[4].timestampUs, 1000000.999); // perf --ns: 9 fraction digits
});

test('old event names, cold= and percpu_refill=, UTF-8 comm', () => {
  const { stats, events } = collectText([
    '  ls-77 [000]  1.000000: mm_pagevec_free: page=ffffea0000001000 pfn=64 order=0 cold=1',
    '  ls-77 [000]  1.000001: mm_page_free_batched: page=ffffea0000001040 pfn=65 order=0 cold=0',
    '  ls-77 [000]  1.000002: mm_page_alloc_zone_locked: page=ffffea0000001080 pfn=66 order=0 migratetype=1 percpu_refill=1',
    '  Grüße-5 [001]  1.000003: mm_page_free_batched: page=00000000ab pfn=0x43 order=0',
  ].join('\n'));
  assert.equal(stats.events, 4);
  assert.deepEqual(events.map((e) => [e.event, e.name, e.pfn, e.cold, e.percpuRefill]), [
    ['free_batched', 'mm_pagevec_free', 64, true, null],
    ['free_batched', 'mm_page_free_batched', 65, false, null],
    ['alloc_zone_locked', 'mm_page_alloc_zone_locked', 66, null, true],
    ['free_batched', 'mm_page_free_batched', 0x43, null, null],
  ]);
  assert.equal(events[3].comm, 'Grüße');
});

test('pfn from page= when pfn= is absent: vmemmap pointer, perf hex pfn, unknowable hashes', () => {
  const page = (value: string): number => {
    const b = Buffer.from(value);
    return pfnFromPage(b, 0, b.length);
  };
  assert.equal(page('ffffea0064142000'), 26235008); // 4.6: (ptr - 0xffffea0000000000) / 64
  assert.equal(page('0x16c904'), 1493252);
  assert.equal(page('00000000dc8c03bd'), -1); // hashed %p (4.15+)
  assert.equal(page('0xffffffff981685f3'), -1); // what perf printed on 6.13: not a pfn
  assert.equal(page('ffffea0003db9f41'), -1); // not a struct page boundary
  const { events } = collectText('  a-1 [000]  1.000000: mm_page_free: page=00000000dc8c03bd order=0\n');
  assert.equal(events[0].pfn, -1);
});

test('failed allocation on 4.1+ kernels: pfn=0 with a hashed NULL', () => {
  const { stats, events } = collectText('  a-1 [000]  1.000000: mm_page_alloc: page=0000000000000000 pfn=0x0 order=0 migratetype=1 gfp_flags=GFP_NOWAIT\n');
  assert.equal(stats.failedAllocs, 1);
  assert.equal(events[0].failed, true);
  assert.equal(events[0].pfn, -1);
});

test('empty and none gfp_flags', () => {
  const { events } = collectText([
    '  a-1 [000]  1.000000: mm_page_alloc: page=0x1 pfn=1 order=0 migratetype=0 gfp_flags=',
    '  a-1 [000]  1.000001: mm_page_alloc: page=0x2 pfn=2 order=0 migratetype=0 gfp_flags=none',
    '  a-1 [000]  1.000002: mm_page_alloc: page=0x3 pfn=3 order=0 migratetype=0 gfp_flags=0x0',
  ].join('\n'));
  assert.deepEqual(events.map((e) => [e.gfp, e.gfpText]), [[0, ''], [0, 'none'], [0, '0x0']]);
});

test('the record is reused: one object, valid only during the callback', () => {
  const seen = new Set<TraceEvent>();
  const pfns: number[] = [];
  parseTraceText(`${ALLOC}\n${FREE}\n`, { onEvent: (rec) => { seen.add(rec); pfns.push(rec.pfn); } });
  assert.equal(seen.size, 1);
  assert.deepEqual(pfns, [0x10d173, 0x118e32]);
});

test('chunks of any size give the same result as one piece', () => {
  const text = `# header\n${[ALLOC, FREE, 'garbage line', '  x-1 [000]  1.0: sched_switch: prev=a', FREE.replace('order=0', 'order=q')].join('\n')}\n${ALLOC}`;
  const reference = JSON.stringify(collectText(text));
  for (const size of [1, 2, 7, 64, 1000]) {
    const events: TraceEvent[] = [];
    const parser = new TraceParser({ onEvent: (rec) => events.push(rec.clone()) });
    const bytes = Buffer.from(text);
    for (let pos = 0; pos < bytes.length; pos += size) parser.pushBytes(bytes.subarray(pos, pos + size));
    assert.equal(JSON.stringify({ stats: parser.finish(), events }), reference, `chunk size ${size}`);
  }
});

test('gzip is detected by magic bytes, not by file name', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pagesim-trace-'));
  try {
    const text = `${ALLOC}\n${FREE}\n`;
    const gzNamedTxt = path.join(dir, 'trace.txt');
    const plainNamedGz = path.join(dir, 'trace.gz');
    writeFileSync(gzNamedTxt, gzipSync(text));
    writeFileSync(plainNamedGz, text);
    const a = await parseTraceFile(gzNamedTxt);
    const b = await parseTraceFile(plainNamedGz);
    assert.equal(a.events, 2);
    assert.deepEqual(a, b);
    assert.equal(a.bytes, Buffer.byteLength(text));
    assert.deepEqual(parseTraceBuffer(gzipSync(text)), a);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unreadable files and corrupt gzip reject with an InputError', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pagesim-trace-'));
  try {
    const corrupt = path.join(dir, 'bad');
    writeFileSync(corrupt, Buffer.concat([gzipSync(ALLOC).subarray(0, 12), Buffer.from('not deflate data at all')]));
    await assert.rejects(parseTraceFile(corrupt), InputError);
    await assert.rejects(parseTraceFile(path.join(dir, 'missing')), InputError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors thrown by onEvent propagate unchanged', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pagesim-trace-'));
  try {
    const file = path.join(dir, 't');
    writeFileSync(file, `${ALLOC}\n`);
    const boom = new Error('boom');
    await assert.rejects(parseTraceFile(file, { onEvent: () => { throw boom; } }), (err) => err === boom);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('onProgress sees growing counts', async () => {
  const seen: number[] = [];
  parseTraceText(`${ALLOC}\n${FREE}\n`, { onProgress: (s) => seen.push(s.events) });
  assert.deepEqual(seen, [2]);
});

test('a huge line without newlines is cut, not buffered whole', () => {
  const parser = new TraceParser();
  const junk = Buffer.alloc(256 * 1024, 0x41);
  for (let i = 0; i < 64; i++) parser.pushBytes(junk); // 16 MiB without a newline
  parser.pushBytes(Buffer.from(`\n${FREE}\n`));
  const stats = parser.finish();
  assert.equal(stats.lines, 2);
  assert.equal(stats.events, 1);
  assert.equal(stats.otherLines, 1);
  assert.equal(stats.bytes, 16 * 1024 * 1024 + FREE.length + 2);
});
