/**
 * `pagesim replay` of a gzip trace of a few MB in one process: the
 * executable inflates it whole from its first lines and the replaying
 * thread parses it (src/replay/early-reader.ts, worker-stream.ts), where a
 * plain trace goes through the reader thread. The two must replay the same
 * and tell bad input the same way, however late in the trace it is.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const main = resolve(here, '..', 'src', 'cli', 'main.js');
const capture = join(root, 'data', 'ftrace', 'firecracker-vm-6.18.44-x86_64-2cpu-24GB-thp-32x2MB');
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
  const env: NodeJS.ProcessEnv = { ...process.env, PAGESIM_PHASES: '1', PAGESIM_HUGEPAGES: '0' };
  delete env['GLIBC_TUNABLES'];
  const r = spawnSync(process.execPath, [main, 'replay', file, '--initial', initial, '--compare', compare, ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const by = new Map<string, string>();
  const rest: string[] = [];
  for (const line of r.stderr.split('\n')) {
    const m = /^phase (\S+) [\d.]+ (.*?) \(process CPU/.exec(line);
    if (m === null) rest.push(line);
    else if (!by.has(m[2]!)) by.set(m[2]!, m[1]!);
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: rest.join('\n').trim(), by };
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

test('a small gzip trace is parsed by the replaying thread, and replays as the reader thread reads it plain', { skip }, () => {
  const { plain, gz } = traces(() => undefined);
  const a = replay(gz, '--json');
  const b = replay(plain, '--json');
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(a.by.get('read started'), a.by.get('booted'));
  assert.equal(b.by.get('read started'), 'worker');
  assert.deepEqual(untimed(a.stdout), untimed(b.stdout));
  assert.equal((JSON.parse(a.stdout) as { events: number }).events, 21_117);
});

test('concatenated gzip members (the trailer gives only the last one\'s length) replay the same', { skip }, () => {
  const { plain, gz } = traces(() => undefined, 3);
  const a = replay(gz, '--json');
  const b = replay(plain, '--json');
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
  const { gz } = traces(() => undefined);
  const cut = join(dirname(gz), 'cut.txt.gz');
  const bytes = readFileSync(gz);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 2000));
  const a = replay(cut);
  assert.equal(a.status, 2, a.stderr);
  assert.equal(a.stdout, '');
  assert.equal(a.stderr, `${cut}: cannot read trace: unexpected end of file`);
});
