/**
 * The replay's reader notes the first event whose timestamp is earlier than
 * the one before it (a merged capture, per-CPU buffers read one after
 * another), on its fast path (ftrace's own layout) and on the lines it
 * hands to TraceParser (perf script, old kernels) alike, and counts the
 * lines that are not trace events; the real captures have neither.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readTraceBuffer, readTraceFile } from '../src/replay/parse.js';
import { realDataDir } from '../src/util/real-data.js';

const ftrace = (cpu: number, ts: string, pfn: number): string => `            bash-8208    [00${cpu}] .....  ${ts}: mm_page_free: page=00000000acb58366 pfn=0x${pfn.toString(16)} order=0`;
const perf = (ts: string, pfn: number): string => `            bash  8208 [001] ${ts}: kmem:mm_page_free: page=0x${pfn.toString(16)} pfn=${pfn} order=0`;

function read(lines: readonly string[]): { back: number; other: number; events: number; slow: number } {
  const s = readTraceBuffer(Buffer.from(`${lines.join('\n')}\n`)).stats;
  return { back: s.timeBackwardsLine, other: s.otherLines, events: s.events, slow: s.slowLines };
}

test('in time order (equal timestamps included) nothing is noted', () => {
  assert.deepEqual(read([ftrace(0, '5.000001', 1), ftrace(1, '5.000001', 2), ftrace(0, '10.000000', 3), ftrace(0, '100.000000', 4)]), { back: 0, other: 0, events: 4, slow: 0 });
});

test('the first step back is noted, by its line, once', () => {
  assert.equal(read([ftrace(0, '1744.452640', 1), ftrace(1, '1744.452630', 2), ftrace(1, '1744.452631', 3), ftrace(0, '1.000000', 4)]).back, 2);
  // Seconds decide before microseconds: 9.999999 then 10.000000 is forward, 10.000000 then 9.999999 back.
  assert.equal(read([ftrace(0, '9.999999', 1), ftrace(0, '10.000000', 2)]).back, 0);
  assert.equal(read([ftrace(0, '10.000000', 1), ftrace(0, '9.999999', 2)]).back, 2);
});

test('lines of the slow path count too, against the fast path\'s', () => {
  const r = read([ftrace(0, '20.000000', 1), perf('19.500000', 2), perf('21.000000', 3)]);
  assert.equal(r.slow, 2);
  assert.equal(r.events, 3);
  assert.equal(r.back, 2);
  assert.equal(read([perf('19.500000', 2), ftrace(0, '20.000000', 1), perf('21.000000', 3)]).back, 0);
});

test('lines that are neither events nor headers nor malformed are counted; lines without a time are not compared', () => {
  const r = read(['# tracer: nop', ftrace(0, '3.000000', 1), ' => __alloc_pages', '', 'some prose', '  mm_page_free: page=0x5 pfn=5 order=0', ftrace(0, '4.000000', 2)]);
  assert.deepEqual(r, { back: 0, other: 3, events: 3, slow: 4 });
});

const captures = join(realDataDir(), 'ftrace', 'captures');

test('the real captures are in time order and hold nothing but events and headers', { skip: existsSync(captures) ? false : `no captures at ${captures}` }, async () => {
  for (const name of readdirSync(captures)) {
    const file = ['trace.txt', 'trace.txt.gz'].map((f) => join(captures, name, f)).find(existsSync);
    if (file === undefined) continue;
    const s = (await readTraceFile(file)).stats;
    assert.deepEqual([s.timeBackwardsLine, s.otherLines], [0, 0], name);
  }
});
