/**
 * Output directories that cannot be made (--out DIR): one line naming the
 * directory and exit 2, promptly. Node 20's recursive mkdir never returns
 * for a path under /proc, and fuzz used to start its workers before making
 * the directory, so a failed mkdir left them holding the process open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from './helpers/machine.js';
import { CLI } from './helpers/cli.js';
import { makeDirs } from '../src/util/make-dirs.js';

const SCENARIO = join(repoRoot, 'scenarios', 'double-free.yaml');

/** The executable, spawned with a time limit: a hang is a failure, not a stuck suite. */
function pagesim(...args: string[]): { status: number | null; stderr: string; signal: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: repoRoot, timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, signal: r.signal };
}

const procfs = existsSync('/proc/self/stat');

test('fuzz --out: a file or a path under /proc is one line and exit 2, and the workers end', () => {
  let r = pagesim('fuzz', '--runs', '1', '--jobs', '2', '--out', '/dev/null');
  assert.deepEqual(r, { status: 2, stderr: '/dev/null: cannot create output directory (EEXIST)\n', signal: null });
  if (procfs) {
    r = pagesim('fuzz', '--runs', '1', '--jobs', '2', '--out', '/proc/pagesim-out');
    assert.deepEqual(r, { status: 2, stderr: '/proc/pagesim-out: cannot create output directory (ENOENT)\n', signal: null });
  }
});

test('kpageflags, kunit and view --out under /proc: one line and exit 2', { skip: !procfs }, () => {
  assert.deepEqual(pagesim('kpageflags', SCENARIO, '--out', '/proc/pagesim-out/a'), { status: 2, stderr: '/proc/pagesim-out/a: cannot create output directory (ENOENT)\n', signal: null });
  assert.deepEqual(pagesim('kunit', SCENARIO, '--out', '/proc/pagesim-out'), { status: 2, stderr: 'kunit: --out /proc/pagesim-out: cannot write (ENOENT)\n', signal: null });
  assert.deepEqual(pagesim('view', SCENARIO, '--out', '/proc/pagesim-out/v.html'), { status: 2, stderr: 'cannot write /proc/pagesim-out/v.html: ENOENT\n', signal: null });
});

test('makeDirs makes every missing directory, accepts existing ones, and names what is in the way', () => {
  const root = mkdtempSync(join(tmpdir(), 'pagesim-dirs-'));
  makeDirs(join(root, 'a', 'b', 'c'));
  assert.ok(statSync(join(root, 'a', 'b', 'c')).isDirectory());
  makeDirs(join(root, 'a', 'b'));
  assert.deepEqual(readdirSync(join(root, 'a', 'b')), ['c']);
  assert.throws(() => makeDirs('/dev/null'), { code: 'EEXIST' });
  assert.throws(() => makeDirs('/dev/null/x'), { code: 'ENOTDIR' });
  if (procfs) assert.throws(() => makeDirs('/proc/pagesim-out/x'), { code: 'ENOENT' });
});
