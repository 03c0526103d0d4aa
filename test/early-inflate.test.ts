/**
 * `pagesim replay` of a gzip trace of a few MB in one process: the
 * executable inflates it whole from its first lines and the replaying
 * thread parses it (src/replay/early-reader.ts, worker-stream.ts), where a
 * plain trace goes through the reader thread. The two must replay the same
 * and tell bad input the same way, however late in the trace it is. The
 * shipped capture's replay is the one test/replay-pipe.test.ts makes, where
 * that file ran before this one in its process (test/helpers/replay.ts).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { replayInOneProcess, THP_CAPTURE } from './helpers/replay.js';

const capture = THP_CAPTURE;
const shipped = join(capture, 'trace.txt.gz');
const skip = existsSync(shipped) ? false : `capture not present: ${shipped}`;
const initial = ['t0_buddyinfo', 't0_pagetypeinfo', 't0_zoneinfo'].map((f) => join(capture, f)).join(',');
const compare = ['t1_buddyinfo', 't1_pagetypeinfo'].map((f) => join(capture, f)).join(',');

interface Run {
  readonly status: number;
  readonly stdout: string;
  /** stderr without the phase lines. */
  readonly stderr: string;
  /** The thread that printed each phase first (`main:PID` or `worker`). */
  readonly by: Map<string, string>;
}

/** `pagesim replay FILE` in one process (no relaunch for huge pages). */
function replay(file: string, ...args: string[]): Run {
  const r = replayInOneProcess([file, '--initial', initial, '--compare', compare, ...args]);
  const by = new Map<string, string>();
  const rest: string[] = [];
  for (const line of r.stderr.split('\n')) {
    const m = /^phase (\S+) [\d.]+ (.*?) \(process CPU/.exec(line);
    if (m === null) rest.push(line);
    else if (!by.has(m[2]!)) by.set(m[2]!, m[1]!);
  }
  return { status: r.status, stdout: r.stdout, stderr: rest.join('\n').trim(), by };
}

/** The JSON without its timings and the trace's file name. */
function untimed(stdout: string): unknown {
  return JSON.parse(stdout, (key, value: unknown) => (key === 'seconds' || key === 'events_per_second' || key === 'trace' ? undefined : value));
}

/** The shipped capture's text with `edit` applied, written plain and gzip-compressed (`members` gzip members). */
function traces(edit: (lines: string[]) => void, members = 1): { plain: string; gz: string } {
  const lines = gunzipSync(readFileSync(shipped)).toString('latin1').split('\n');
  edit(lines);
  const text = Buffer.from(lines.join('\n'), 'latin1');
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-inflate-'));
  const plain = join(dir, 'trace.txt');
  const gz = join(dir, 'trace.txt.gz');
  writeFileSync(plain, text);
  const cut = Math.floor(text.length / members);
  writeFileSync(gz, Buffer.concat(Array.from({ length: members }, (_, i) => gzipSync(text.subarray(i * cut, i === members - 1 ? text.length : (i + 1) * cut)))));
  return { plain, gz };
}

/** The shipped capture's text unedited, and its replay read plain by the reader thread: made once (test/helpers/replay.ts) for the tests that compare with it. */
let unedited: ReturnType<typeof traces> | undefined;
const shippedText = (): ReturnType<typeof traces> => (unedited ??= traces(() => undefined));
const plainJson = (): Run => replay(shippedText().plain, '--json');

test('a small gzip trace is parsed by the replaying thread, and replays as the reader thread reads it plain', { skip }, () => {
  const a = replay(shipped, '--json');
  const b = plainJson();
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(a.by.get('read started'), a.by.get('booted'));
  assert.equal(b.by.get('read started'), 'worker');
  assert.deepEqual(untimed(a.stdout), untimed(b.stdout));
  assert.equal((JSON.parse(a.stdout) as { events: number }).events, 21_117);
});

test('concatenated gzip members (the trailer gives only the last one\'s length) replay the same', { skip }, () => {
  // The same text as the first test's: its plain replay is the one compared with.
  const { gz } = traces(() => undefined, 3);
  const a = replay(gz, '--json');
  const b = plainJson();
  assert.equal(a.status, 0, a.stderr);
  assert.deepEqual(untimed(a.stdout), untimed(b.stdout));
});

test('a line over the limit near the end of a gzip trace: the same one line and exit status 2 as the plain trace', { skip }, () => {
  const { plain, gz } = traces((lines) => lines.splice(lines.length - 100, 0, `# ${'x'.repeat(70 * 1024)}`));
  const a = replay(gz);
  const b = replay(plain);
  assert.equal(a.status, 2, a.stderr);
  assert.equal(b.status, 2, b.stderr);
  assert.equal(a.stdout, '');
  assert.equal(a.stderr.split('\n').length, 1, a.stderr);
  assert.match(a.stderr, /:\d+: a line is longer than 64 KiB/);
  assert.equal(a.stderr.replace(gz, 'TRACE'), b.stderr.replace(plain, 'TRACE'));
});

test('a gzip trace cut short near its end: the same error as when it is read in chunks', { skip }, () => {
  const { gz } = shippedText();
  const cut = join(dirname(gz), 'cut.txt.gz');
  const bytes = readFileSync(gz);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 2000));
  const a = replay(cut);
  assert.equal(a.status, 2, a.stderr);
  assert.equal(a.stdout, '');
  assert.equal(a.stderr, `${cut}: cannot read trace: unexpected end of file`);
});
