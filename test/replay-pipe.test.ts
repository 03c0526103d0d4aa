/**
 * `pagesim replay` relaunched for huge pages (src/cli/hugepages.ts): the
 * first process reads and parses the trace and pipes the events to the
 * second (src/replay/trace-pipe.ts). What the replay prints, and how bad
 * input is told, must be what the reader thread of a single process gives.
 * That replay in one process runs the executable's bundle, and is also the
 * one compared with the ES modules' (test/helpers/bundle.ts): each replay
 * of the capture is a second of CPU or more, so it is made once for both,
 * and once for test/early-inflate.test.ts where that file runs after this
 * one in its process (test/helpers/replay.ts).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { thpSetting, wantsRelaunch } from '../src/cli/hugepages.js';
import { loadedBy, staleCopyOfBuild } from './helpers/bundle.js';
import { replayInOneProcess, THP_CAPTURE } from './helpers/replay.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const capture = THP_CAPTURE;
const trace = join(capture, 'trace.txt.gz');
const initial = ['t0_buddyinfo', 't0_pagetypeinfo', 't0_zoneinfo'].map((f) => join(capture, f)).join(',');
const compare = ['t1_buddyinfo', 't1_pagetypeinfo'].map((f) => join(capture, f)).join(',');
/** The whole capture replayed to JSON, compared with its snapshots after (as test/early-inflate.test.ts replays it). */
const WHOLE = [trace, '--initial', initial, '--compare', compare, '--json'];

// A relaunch happens only on a host whose THP is not `never` (the environment the test gives the runs aside).
const noTrace = !existsSync(trace) ? `capture not present: ${trace}` : false;
const skip = noTrace !== false ? noTrace : !wantsRelaunch({}, process.platform, thpSetting()) ? 'no transparent huge pages here: no relaunch' : false;

/**
 * Runs the package at `pkg`'s main.js (default this checkout's build): `pipe`
 * relaunched with the events piped over, else in one process with the reader thread.
 */
function replay(args: readonly string[], pipe: boolean, pkg = root): { status: number; stdout: string; stderr: string } {
  if (!pipe) return replayInOneProcess(args, pkg);
  const env: NodeJS.ProcessEnv = { ...process.env, PAGESIM_PHASES: '1' };
  delete env['GLIBC_TUNABLES'];
  if (pipe) delete env['PAGESIM_HUGEPAGES'];
  else env['PAGESIM_HUGEPAGES'] = '0';
  const r = spawnSync(process.execPath, [join(pkg, 'dist', 'src', 'cli', 'main.js'), 'replay', ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The whole capture replayed in one process (no relaunch), through this checkout's bundle: made once for the tests that compare with it. */
const threadJson = (): ReturnType<typeof replay> => replay(WHOLE, false);

/** stderr without the phase lines, and the processes that printed each phase. */
function phases(stderr: string): { rest: string; by: Map<string, string> } {
  const by = new Map<string, string>();
  const rest: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^phase (\S+) [\d.]+ (.*?) \(process CPU/.exec(line);
    if (m === null) rest.push(line);
    else if (!by.has(m[2]!)) by.set(m[2]!, m[1]!);
  }
  return { rest: rest.join('\n'), by };
}

/** The JSON without its timings. */
function untimed(stdout: string): unknown {
  return JSON.parse(stdout, (key, value: unknown) => (key === 'seconds' || key === 'events_per_second' ? undefined : value));
}

test('replay relaunched for huge pages: the first process reads the trace, and the result is the reader thread\'s', { skip }, () => {
  const piped = replay(WHOLE, true);
  const thread = threadJson();
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(thread.status, 0, thread.stderr);
  const p = phases(piped.stderr);
  // Read in the first process (the one that printed `main` first), replayed in the second.
  assert.equal(p.by.get('read started'), p.by.get('main'));
  assert.notEqual(p.by.get('booted'), p.by.get('main'));
  // In one process a gzip trace this small is inflated from the start and parsed by the replaying thread.
  const t = phases(thread.stderr);
  assert.equal(t.by.get('read started'), t.by.get('booted'));
  assert.equal(p.rest.trim(), '');
  assert.deepEqual(untimed(piped.stdout), untimed(thread.stdout));
  assert.equal((JSON.parse(piped.stdout) as { events: number }).events, 21_117);
});

test('replay relaunched, in model mode: its second read goes to a reader thread', { skip }, () => {
  const args = [trace, '--mode', 'model', '--json'];
  const piped = replay(args, true);
  const thread = replay(args, false);
  assert.equal(piped.status, 0, piped.stderr);
  assert.deepEqual(untimed(piped.stdout), untimed(thread.stdout));
});

test('replay relaunched: bad trace input is the same one line and exit status 2', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-pipe-'));
  const corrupt = join(dir, 'trace.txt.gz');
  writeFileSync(corrupt, Buffer.concat([readFileSync(trace).subarray(0, 4096), Buffer.from('not gzip any more')]));
  for (const file of [corrupt]) {
    const piped = replay([file, '--initial', initial], true);
    const thread = replay([file, '--initial', initial], false);
    assert.equal(piped.status, 2, piped.stderr);
    assert.equal(thread.status, 2);
    const line = phases(piped.stderr).rest.trim();
    assert.equal(line.split('\n').length, 1, line);
    assert.match(line, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:1)?: `));
    assert.equal(line, phases(thread.stderr).rest.trim());
    assert.equal(piped.stdout, '');
  }
});

test('replay through the bundle and through the ES modules: the same output and exit status; a stale bundle is not used', { skip: noTrace }, () => {
  const a = threadJson();
  const b = replay(WHOLE, false, staleCopyOfBuild());
  const [fromBundle, fromModules] = [loadedBy(a.stderr), loadedBy(b.stderr)];
  assert.deepEqual([fromBundle.loaded, fromModules.loaded], [['CLI bundle, code cache taken'], ['ES modules']]);
  assert.deepEqual([a.status, fromBundle.rest], [b.status, fromModules.rest]);
  assert.deepEqual(untimed(a.stdout), untimed(b.stdout));
});
