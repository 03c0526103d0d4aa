/**
 * Outputs that cannot be written (--out DIR, --html FILE, a kpageflags
 * image, a variant's transpiled copy): one line in one wording naming the
 * path, and exit 2, promptly. Node 20's recursive mkdir never returns for a
 * path under /proc, and fuzz used to start its workers before making the
 * directory, so a failed mkdir left them holding the process open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from './helpers/machine.js';
import { CLI } from './helpers/cli.js';
import { makeDirs } from '../src/util/make-dirs.js';
import { makeOutputDir, unwritable, writeProblem } from '../src/util/output-file.js';
import { InputError } from '../src/util/errors.js';
import { loadVariantFile } from '../src/variants/load-file.js';

const SCENARIO = join(repoRoot, 'scenarios', 'double-free.yaml');
/**
 * For `view`, which draws every step under every variant before it writes
 * (double-free.yaml's four variants: about 1.4 s of CPU), a scenario of one
 * step under one variant (0.3 s): the write that fails is the same.
 */
const ONE_STEP = join(repoRoot, 'test', 'fixtures', 'cli', 'ok.yaml');

/** The executable, spawned with a time limit: a hang is a failure, not a stuck suite. */
function pagesim(...args: string[]): { status: number | null; stderr: string; signal: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: repoRoot, timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, signal: r.signal };
}

const procfs = existsSync('/proc/self/stat');

test('fuzz --out: a file or a path under /proc is one line and exit 2, and the workers end', () => {
  let r = pagesim('fuzz', '--runs', '1', '--jobs', '2', '--out', '/dev/null');
  assert.deepEqual(r, { status: 2, stderr: '/dev/null: cannot create the output directory (EEXIST: exists and is not a directory)\n', signal: null });
  if (procfs) {
    r = pagesim('fuzz', '--runs', '1', '--jobs', '2', '--out', '/proc/pagesim-out');
    assert.deepEqual(r, { status: 2, stderr: '/proc/pagesim-out: cannot create the output directory (ENOENT: no such file or directory)\n', signal: null });
  }
});

test('fuzz --out with several variants: every directory is made before the first campaign, and one in the way is refused', () => {
  const out = mkdtempSync(join(tmpdir(), 'pagesim-fuzz-out-'));
  writeFileSync(join(out, 'free-keeps-type'), '');
  const r = pagesim('fuzz', '--runs', '1', '--jobs', '1', '--variant', 'baseline', '--variant', 'free-keeps-type', '--out', out);
  assert.deepEqual(r, { status: 2, stderr: `${join(out, 'free-keeps-type')}: cannot create the output directory (EEXIST: exists and is not a directory)\n`, signal: null });
  assert.deepEqual(readdirSync(join(out, 'baseline')), [], 'no campaign ran');
});

test('kpageflags --out: a path under /proc, or under a file, is one line and exit 2', () => {
  assert.deepEqual(pagesim('kpageflags', SCENARIO, '--out', '/dev/null/a'), { status: 2, stderr: '/dev/null/a: cannot create the output directory (ENOTDIR: a part of the path is not a directory)\n', signal: null });
  if (procfs) assert.deepEqual(pagesim('kpageflags', SCENARIO, '--out', '/proc/pagesim-out/a'), { status: 2, stderr: '/proc/pagesim-out/a: cannot create the output directory (ENOENT: no such file or directory)\n', signal: null });
  // An image that cannot be written: a directory where the file goes.
  const out = mkdtempSync(join(tmpdir(), 'pagesim-kpf-out-'));
  mkdirSync(join(out, 'kpageflags'));
  assert.deepEqual(pagesim('kpageflags', SCENARIO, '--out', out), { status: 2, stderr: `${join(out, 'kpageflags')}: cannot write the image (EISDIR: is a directory)\n`, signal: null });
});

test('kunit --out: the directory, or a file in it, that cannot be written is named, in the same words', () => {
  if (procfs) assert.deepEqual(pagesim('kunit', SCENARIO, '--out', '/proc/pagesim-out'), { status: 2, stderr: '/proc/pagesim-out: cannot create the output directory (ENOENT: no such file or directory)\n', signal: null });
  const out = mkdtempSync(join(tmpdir(), 'pagesim-kunit-out-'));
  mkdirSync(join(out, 'pagesim_double_free_kunit.c'));
  assert.deepEqual(pagesim('kunit', SCENARIO, '--out', out), { status: 2, stderr: `${join(out, 'pagesim_double_free_kunit.c')}: cannot write the KUnit test file (EISDIR: is a directory)\n`, signal: null });
});

test('view --out and layout --html: a file that cannot be written is named, in the same words', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-html-out-'));
  mkdirSync(join(dir, 'd.html'));
  assert.deepEqual(pagesim('view', ONE_STEP, '--out', join(dir, 'd.html')), { status: 2, stderr: `${join(dir, 'd.html')}: cannot write the HTML file (EISDIR: is a directory)\n`, signal: null });
  assert.deepEqual(pagesim('layout', 'page', '--html', '/dev/null/l.html'), { status: 2, stderr: '/dev/null/l.html: cannot write the HTML file (ENOTDIR: a part of the path is not a directory)\n', signal: null });
  if (procfs) assert.deepEqual(pagesim('view', ONE_STEP, '--out', '/proc/pagesim-out/v.html'), { status: 2, stderr: '/proc/pagesim-out/v.html: cannot write the HTML file (ENOENT: no such file or directory)\n', signal: null });
});

test('replay --html: a file that cannot be written is refused before the replay, not after its report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-replay-html-'));
  const trace = join(dir, 'trace.txt');
  writeFileSync(trace, '            bash-8208    [000] .....  1744.452629: mm_page_alloc: page=00000000acb58366 pfn=0x1000 order=0 migratetype=0 gfp_flags=GFP_KERNEL\n');
  mkdirSync(join(dir, 'r.html'));
  const r = spawnSync(process.execPath, [CLI, 'replay', trace, '--html', join(dir, 'r.html')], { encoding: 'utf8', cwd: repoRoot, timeout: 60_000 });
  assert.deepEqual({ status: r.status, stdout: r.stdout, stderr: r.stderr }, { status: 2, stdout: '', stderr: `${join(dir, 'r.html')}: cannot write the HTML file (EISDIR: is a directory)\n` });
});

test('a TypeScript variant file whose transpiled copy cannot be written beside it: the variant file is named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-variant-ro-'));
  const file = join(dir, 'blocked.ts');
  writeFileSync(file, "const name: string = 'blocked';\nexport default { name, description: 'x', seed: 'y' };\n");
  // The copy's name has this process's id and thread id: a directory of that name is in its way.
  mkdirSync(join(dir, `.blocked.pagesim-${process.pid}-0.mjs`));
  const cache = process.env['PAGESIM_VARIANT_CACHE'];
  process.env['PAGESIM_VARIANT_CACHE'] = '';
  try {
    await assert.rejects(loadVariantFile(file), (e: unknown) => e instanceof InputError && e.oneLine() === `${file}: cannot write its transpiled JavaScript next to it (EISDIR: is a directory)`);
  } finally {
    if (cache === undefined) delete process.env['PAGESIM_VARIANT_CACHE'];
    else process.env['PAGESIM_VARIANT_CACHE'] = cache;
  }
});

test('a variant cache under /proc is no cache: the variant loads, promptly', { skip: !procfs }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-variant-cache-'));
  const file = join(dir, 'cached.ts');
  writeFileSync(file, "const name: string = 'cached';\nexport default { name, description: 'x', seed: 'y' };\n");
  const r = spawnSync(process.execPath, [CLI, 'variants', '--variant-file', file], { encoding: 'utf8', cwd: repoRoot, timeout: 60_000, env: { ...process.env, PAGESIM_VARIANT_CACHE: '/proc/pagesim-cache/variants' } });
  assert.equal(r.signal, null, 'Node 20 recursive mkdir under /proc never returns');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^cached /m);
});

test('the one wording: the path, what could not be written, the errno code and its plain words', () => {
  const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
  assert.equal(unwritable('out', 'the image', err('ENOSPC')).oneLine(), 'out: cannot write the image (ENOSPC: no space left on device)');
  assert.equal(unwritable('d', 'the output directory', err('EROFS'), true).oneLine(), 'd: cannot create the output directory (EROFS: read-only file system)');
  assert.equal(unwritable('', 'the HTML file', err('EACCES')).oneLine(), '"": cannot write the HTML file (EACCES: permission denied)');
  assert.equal(writeProblem(err('EIO')), 'EIO');
  assert.equal(writeProblem(new Error('disk on fire')), 'disk on fire');
});

test('makeOutputDir: a directory that exists but cannot be written in is refused before any work', { skip: process.getuid?.() === 0 ? 'root writes anywhere' : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-ro-'));
  chmodSync(dir, 0o500);
  try {
    assert.throws(() => makeOutputDir(dir), (e: unknown) => e instanceof InputError && e.oneLine() === `${dir}: cannot write in the output directory (EACCES: permission denied)`);
  } finally {
    chmodSync(dir, 0o700);
  }
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
