import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { formatGfp, parseGfp, parseTraceFile, type EventKind } from '../src/trace/index.js';
import { realDataDir } from '../src/util/real-data.js';

// dist/test/trace-captures.test.js -> repository root is two levels up.
const captures = path.resolve(realDataDir(), 'ftrace', 'captures');
const VM = 'firecracker-vm-6.18.44-x86_64-2cpu-24GB';

interface Expected {
  readonly folder: string;
  readonly file: string;
  readonly events: number;
  readonly byEvent: Record<EventKind, number>;
}

// Counts established with grep over the files (and equal to the guide's totals).
const CAPTURES: readonly Expected[] = [
  {
    folder: `${VM}-mixed-workload`, file: 'trace.txt.gz', events: 244_492,
    byEvent: { alloc: 65_329, free: 65_337, free_batched: 60_713, alloc_zone_locked: 41_281, pcpu_drain: 11_832, extfrag: 0 },
  },
  {
    folder: `${VM}-anon-mmap-24MB`, file: 'trace.txt', events: 49_190,
    byEvent: { alloc: 14_671, free: 14_623, free_batched: 13_015, alloc_zone_locked: 4_410, pcpu_drain: 2_471, extfrag: 0 },
  },
  {
    folder: `${VM}-thp-32x2MB`, file: 'trace.txt', events: 21_117,
    byEvent: { alloc: 7_114, free: 6_661, free_batched: 5_075, alloc_zone_locked: 2_237, pcpu_drain: 30, extfrag: 0 },
  },
];

const KIND_OF_NAME: Record<string, EventKind> = {
  mm_page_alloc: 'alloc',
  mm_page_free: 'free',
  mm_page_free_batched: 'free_batched',
  mm_page_alloc_zone_locked: 'alloc_zone_locked',
  mm_page_pcpu_drain: 'pcpu_drain',
  mm_page_alloc_extfrag: 'extfrag',
};

function readText(file: string): string {
  const bytes = readFileSync(file);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}

interface Counts {
  readonly byEvent: Record<EventKind, number>;
  readonly gfpTexts: Set<string>;
  /** The text's length in UTF-8 bytes. */
  readonly bytes: number;
}

/** Each capture's regex count, made once for the two tests that read it (a capture's text is up to some 30 MB). */
const counted = new Map<string, Counts>();
function regexCountsOf(file: string): Counts {
  let c = counted.get(file);
  if (c === undefined) {
    const text = readText(file);
    c = { ...regexCounts(text), bytes: Buffer.byteLength(text) };
    counted.set(file, c);
  }
  return c;
}

/** An independent count: one regular expression per line, nothing shared with the parser. */
function regexCounts(text: string): { byEvent: Record<EventKind, number>; gfpTexts: Set<string> } {
  const byEvent: Record<EventKind, number> = { alloc: 0, free: 0, free_batched: 0, alloc_zone_locked: 0, pcpu_drain: 0, extfrag: 0 };
  const gfpTexts = new Set<string>();
  const event = /^\s*.+-\d+\s+\[\d+\]\s+\S+\s+\d+\.\d+: (\w+): /;
  for (const line of text.split('\n')) {
    const m = event.exec(line);
    if (m === null) continue;
    const kind = KIND_OF_NAME[m[1]];
    if (kind !== undefined) byEvent[kind]++;
    const gfp = / gfp_flags=(\S*)/.exec(line);
    if (gfp !== null) gfpTexts.add(gfp[1]);
  }
  return { byEvent, gfpTexts };
}

for (const c of CAPTURES) {
  const file = path.join(captures, c.folder, c.file);
  const skip = existsSync(file) ? false : `capture not found: ${file}`;

  test(`capture ${c.folder}: ${c.events} events, none malformed, per-event counts match a regex count`, { skip }, async () => {
    let orderSum = 0;
    let minPfn = Infinity;
    const stats = await parseTraceFile(file, {
      onEvent(rec) {
        orderSum += rec.order;
        if (rec.pfn < minPfn) minPfn = rec.pfn;
      },
    });
    assert.equal(stats.malformed, 0, JSON.stringify(stats.malformedSamples));
    assert.equal(stats.events, c.events);
    assert.deepEqual(stats.byEvent, c.byEvent);
    assert.equal(stats.skipped, 0);
    assert.equal(stats.otherLines, 0);
    assert.equal(stats.headerLines, 12);
    assert.equal(stats.lines, c.events + 12);
    assert.equal(stats.failedAllocs, 0);
    assert.deepEqual(stats.gfpUnknownNames, {});
    assert.ok(minPfn > 0);
    assert.ok(orderSum >= 0);

    const independent = regexCountsOf(file);
    assert.deepEqual(stats.byEvent, independent.byEvent);
    assert.equal(stats.bytes, independent.bytes);
  });

  test(`capture ${c.folder}: every gfp_flags text survives parseGfp -> formatGfp`, { skip }, () => {
    for (const text of regexCountsOf(file).gfpTexts) assert.equal(formatGfp(parseGfp(text)), text);
  });
}

test('guide cross-check: pages allocated and taken under the zone lock in the mixed capture', async (t) => {
  const file = path.join(captures, `${VM}-mixed-workload`, 'trace.txt.gz');
  if (!existsSync(file)) {
    t.skip(`capture not found: ${file}`);
    return;
  }
  const pages: Partial<Record<EventKind, number>> = {};
  await parseTraceFile(file, { onEvent: (rec) => { pages[rec.event] = (pages[rec.event] ?? 0) + 2 ** rec.order; } });
  assert.equal(pages.alloc, 77_583);
  assert.equal(pages.alloc_zone_locked, 53_552);
});

test('THP capture: 32 order-9 GFP_TRANSHUGE allocations and 32 order-9 PCP refills', async (t) => {
  const file = path.join(captures, `${VM}-thp-32x2MB`, 'trace.txt');
  if (!existsSync(file)) {
    t.skip(`capture not found: ${file}`);
    return;
  }
  let transhuge = 0;
  let refills = 0;
  await parseTraceFile(file, {
    onEvent(rec) {
      if (rec.event === 'alloc' && rec.order === 9 && rec.gfpText === 'GFP_TRANSHUGE|__GFP_NORETRY|__GFP_THISNODE') transhuge++;
      if (rec.event === 'alloc_zone_locked' && rec.order === 9 && rec.percpuRefill === true) refills++;
    },
  });
  assert.equal(transhuge, 32);
  assert.equal(refills, 32);
});
