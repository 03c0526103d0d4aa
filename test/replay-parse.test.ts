/**
 * The replay's fast trace reader against src/trace's TraceParser: the same
 * events, field for field, on every real capture and on the historical
 * excerpts (which it hands to TraceParser line by line), with true line
 * numbers.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseTraceBuffer } from '../src/trace/index.js';
import { readTraceBuffer, readTraceFile } from '../src/replay/parse.js';
import { EVENT_KIND_NAMES, FLAG_FAILED, FLAG_REFILL, evCpu, evKind, evMt, evOrder, type EventLog } from '../src/replay/events.js';
import { realDataDir } from '../src/util/real-data.js';

const real = realDataDir();
const captures = join(real, 'ftrace', 'captures');
const excerpts = join(real, 'ftrace', 'trace-excerpts');

interface Ev {
  kind: number;
  pfn: number;
  order: number;
  mt: number;
  cpu: number;
  line: number;
  gfp: number;
  refill: boolean;
  failed: boolean;
}

function fromLog(log: EventLog): Ev[] {
  const out: Ev[] = [];
  for (let i = 0; i < log.length; i++) {
    const info = log.info[i]!;
    const kind = evKind(info);
    out.push({
      kind,
      pfn: log.pfn[i]!,
      order: evOrder(info),
      mt: evMt(info),
      cpu: evCpu(info),
      line: log.line[i]!,
      gfp: kind === 0 ? log.gfps[log.aux[i]!]! : -1,
      refill: (info & FLAG_REFILL) !== 0,
      failed: (info & FLAG_FAILED) !== 0,
    });
  }
  return out;
}

function fromTraceParser(bytes: Uint8Array): Ev[] {
  const out: Ev[] = [];
  parseTraceBuffer(bytes, {
    onEvent(r) {
      if (r.kindCode === 5) return; // extfrag: compared separately (its order is alloc_order)
      out.push({ kind: r.kindCode, pfn: r.pfn, order: r.order, mt: r.migratetype, cpu: Math.max(r.cpu, 0), line: r.lineNo, gfp: r.kindCode === 0 ? Math.max(r.gfp, 0) : -1, refill: r.percpuRefill === true, failed: r.failed });
    },
  });
  return out;
}

const captureDirs = existsSync(captures) ? readdirSync(captures).map((d) => join(captures, d)) : [];

test('fast reader: every real capture parses to the same events as TraceParser', { skip: captureDirs.length === 0 ? `no captures at ${captures}` : false }, () => {
  for (const dir of captureDirs) {
    const file = ['trace.txt', 'trace.txt.gz'].map((f) => join(dir, f)).find((f) => existsSync(f))!;
    const raw = readFileSync(file);
    const mine = readTraceBuffer(raw);
    const theirs = fromTraceParser(raw);
    const ours = fromLog(mine.log).filter((e) => e.kind !== 5);
    assert.equal(ours.length, theirs.length, file);
    for (let i = 0; i < ours.length; i++) assert.deepEqual(ours[i], theirs[i], `${file}: event ${i}`);
    assert.equal(mine.stats.slowLines, 0, 'every line of a 6.18 capture takes the fast path');
    assert.equal(mine.stats.malformed, 0);
    assert.equal(mine.stats.headerLines, 12);
  }
});

test('fast reader: byte-for-byte the same events whatever the chunking (lines straddle chunks)', { skip: captureDirs.length === 0 ? 'no captures' : false }, async () => {
  const dir = captureDirs.find((d) => existsSync(join(d, 'trace.txt')))!;
  const file = join(dir, 'trace.txt');
  const streamed = await readTraceFile(file);
  const whole = readTraceBuffer(readFileSync(file));
  assert.deepEqual(fromLog(streamed.log), fromLog(whole.log));
  assert.deepEqual(streamed.stats.byEvent, whole.stats.byEvent);
});

test('fast reader: the gzip capture reads the same as its inflated text', { skip: captureDirs.length === 0 ? 'no captures' : false }, () => {
  const dir = captureDirs.find((d) => existsSync(join(d, 'trace.txt.gz')));
  if (dir === undefined) return;
  const gz = readFileSync(join(dir, 'trace.txt.gz'));
  assert.deepEqual(fromLog(readTraceBuffer(gz).log), fromLog(readTraceBuffer(gunzipSync(gz)).log));
});

test('fast reader: historical formats go through TraceParser with their true line numbers', { skip: existsSync(excerpts) ? false : `no excerpts at ${excerpts}` }, () => {
  for (const name of readdirSync(excerpts)) {
    const raw = readFileSync(join(excerpts, name));
    const mine = fromLog(readTraceBuffer(raw).log);
    const theirs = fromTraceParser(raw);
    assert.deepEqual(
      mine.filter((e) => e.kind !== 5).map((e) => [e.kind, e.pfn, e.order, e.line]),
      theirs.filter((e) => e.pfn >= 0 || e.failed).map((e) => [e.kind, e.pfn, e.order, e.line]),
      name,
    );
  }
});

test('fast reader: old, odd and malformed lines are counted with their line numbers', () => {
  const text = [
    '# tracer: nop',
    '            bash-8208    [000] .....  1744.452629: mm_page_alloc: page=00000000acb58366 pfn=0x118e0c order=0 migratetype=0 gfp_flags=GFP_KERNEL',
    '          <idle>-0     [001] d.s.  4415.246466: mm_page_free_direct: page=ffffea0003db9f40 pfn=1155800 order=0',
    '            bash-8208    [000] .....  1744.452630: mm_page_free: page=00000000acb58366 pfn=0xzz order=0',
    '            bash-8208    [000] .....  1744.452631: page_pool_state_release: page_pool=0000 netmem=0 is_net_iov=0 pfn=0x1 release=1',
    '            bash-8208    [001] .....  1744.452632: mm_page_alloc: page=0000000000000000 pfn=0x0 order=0 migratetype=0 gfp_flags=GFP_KERNEL',
    '',
  ].join('\n');
  const r = readTraceBuffer(Buffer.from(text));
  const ev = fromLog(r.log);
  assert.deepEqual(ev.map((e) => [EVENT_KIND_NAMES[e.kind], e.pfn, e.line, e.failed]), [
    ['alloc', 0x118e0c, 2, false],
    ['free', 1155800, 3, false],
    ['alloc', -1, 6, true],
  ]);
  assert.equal(r.stats.malformed, 1);
  assert.equal(r.stats.malformedSamples[0]!.lineNo, 4);
  assert.equal(r.stats.skipped, 1);
  assert.equal(r.stats.failedAllocs, 1);
  assert.equal(r.stats.headerLines, 1);
});
