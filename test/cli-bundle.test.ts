/**
 * The executable's bundle (scripts/build-cli.mjs, src/cli/main.ts): main.js
 * runs the one-script bundle with its code cache while the bundle is newer
 * than every module in it, and the ES modules otherwise; both must print
 * the same, byte for byte, with the same exit status. The bundle runs from
 * this checkout's build; the stale runs from a copy of dist/src in a
 * directory of its own, so that it can be made stale without touching the
 * build the other tests use.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pagesim as inProcess, runsInProcess } from './helpers/cli.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const thpTrace = join(root, 'data', 'ftrace', 'firecracker-vm-6.18.44-x86_64-2cpu-24GB-thp-32x2MB', 'trace.txt.gz');

/** A copy of the built package in a new directory: dist/src copied with its files' times, the rest linked. */
function copyOfBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-cli-bundle-'));
  mkdirSync(join(dir, 'dist'));
  cpSync(join(root, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true, preserveTimestamps: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  for (const d of ['node_modules', 'scenarios', 'schema', 'data', 'scripts']) symlinkSync(join(root, d), join(dir, d));
  return dir;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** What main.js said it loaded: `CLI bundle, code cache taken|rejected|none` or `ES modules`. */
  loaded: string[];
}

/** Runs the package at `pkg`'s main.js from the repository's root, with the phase lines taken out of stderr. */
function pagesim(pkg: string, args: readonly string[]): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, PAGESIM_PHASES: '1', PAGESIM_HUGEPAGES: '0' };
  const r = spawnSync(process.execPath, [join(pkg, 'dist', 'src', 'cli', 'main.js'), ...args], { cwd: root, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const loaded: string[] = [];
  const stderr = r.stderr
    .split('\n')
    .filter((line) => {
      const m = /^phase \S+ [\d.]+ (.*?) \(process CPU/.exec(line);
      if (m !== null && /^(CLI bundle|ES modules)/.test(m[1]!)) loaded.push(m[1]!);
      return m === null;
    })
    .join('\n');
  return { status: r.status, stdout: r.stdout, stderr, loaded };
}

/** A replay's JSON without its timings (events per second, seconds per phase). */
function replayOutput(stdout: string): unknown {
  const body = JSON.parse(stdout) as Record<string, unknown>;
  delete body['events_per_second'];
  delete body['seconds'];
  return body;
}

test('the bundle and the ES modules print the same; a stale bundle is not used, a fresh one is', () => {
  // The repository's own build is fresh; a copy of it with one module newer than the bundle is stale.
  const stale = copyOfBuild();
  // One module rebuilt after the bundle: the whole bundle is stale.
  const later = statSync(join(stale, 'dist', 'src', 'cli', 'main.bundle.cjs')).mtimeMs / 1000 + 10;
  utimesSync(join(stale, 'dist', 'src', 'util', 'errors.js'), later, later);

  const work = mkdtempSync(join(tmpdir(), 'pagesim-cli-bundle-out-'));
  const variant = join(work, 'mine.mjs');
  writeFileSync(variant, "export const variants = [{ name: 'mine', description: 'keeps page_type on free', seed: 'test', base: 'refcount-frozen-warn',\n  kernel: (Base) => class Mine extends Base { free_pages_reset_type(page) { void page; } } }];\n");
  // Each command through the bundle, spawned, against the ES modules: in this process where the
  // command runs in one (test/helpers/cli.ts: the same cli() the ES modules' main.js calls), else
  // spawned from the stale copy, whose main.js loads the ES modules.
  const commands: { args: (out: string) => string[]; out?: string }[] = [
    { args: () => ['--bogus'] },
    { args: () => ['variants', '--json'] },
    { args: () => ['layout', 'page', '--variant', 'ptdesc-memdesc'] },
    { args: () => ['run', 'scenarios/folio-lifecycle.yaml', 'scenarios/no-such.yaml'] },
    // A variant file: the bundle's import() of a module it does not hold.
    { args: () => ['run', 'scenarios/typed-page-free.yaml', '--variant-file', variant] },
    // The viewer's assets, found beside the modules (import.meta.url).
    { args: (out) => ['layout', 'page', '--variant', 'baseline', '--variant', 'ptdesc-memdesc', '--html', out], out: 'layout.html' },
  ];
  let staleRuns = 0;
  for (const c of commands) {
    const outs = [join(work, `bundle-${c.out ?? ''}`), join(work, `modules-${c.out ?? ''}`)];
    const what = c.args('OUT').join(' ');
    const a = pagesim(root, c.args(outs[0]!));
    assert.deepEqual(a.loaded, ['CLI bundle, code cache taken'], what);
    let b: Omit<Run, 'loaded'>;
    if (runsInProcess(c.args(outs[1]!))) {
      const r = inProcess(c.args(outs[1]!), { env: { PAGESIM_HUGEPAGES: '0' } });
      b = { status: r.status, stdout: r.stdout, stderr: r.stderr };
    } else {
      const r = pagesim(stale, c.args(outs[1]!));
      assert.deepEqual(r.loaded, ['ES modules'], what);
      b = r;
      staleRuns++;
    }
    assert.equal(a.status, b.status, what);
    assert.equal(a.stdout.replaceAll(outs[0]!, 'OUT'), b.stdout.replaceAll(outs[1]!, 'OUT'), what);
    assert.equal(a.stderr, b.stderr, what);
    if (c.out !== undefined) assert.equal(readFileSync(outs[0]!, 'utf8'), readFileSync(outs[1]!, 'utf8'), what);
  }
  assert.equal(staleRuns, 1, 'the variant file runs spawned from both builds');
  // The stale copy's main.js falls back for a plain command too.
  assert.deepEqual(pagesim(stale, ['--bogus']).loaded, ['ES modules']);
  // The replay, its reader thread started from the bundle (the thread's own script beside the modules).
  const a = pagesim(root, ['replay', thpTrace, '--json']);
  const b = pagesim(stale, ['replay', thpTrace, '--json']);
  assert.deepEqual([a.loaded, b.loaded], [['CLI bundle, code cache taken'], ['ES modules']]);
  assert.deepEqual([a.status, a.stderr], [b.status, b.stderr]);
  assert.deepEqual(replayOutput(a.stdout), replayOutput(b.stdout));
});

test('a code cache V8 does not take is compiled without, with the same output; an old cache is not read', () => {
  const pkg = copyOfBuild();
  const bundle = join(pkg, 'dist', 'src', 'cli', 'main.bundle.cjs');
  const expected = pagesim(pkg, ['variants']);
  assert.deepEqual(expected.loaded, ['CLI bundle, code cache taken']);
  // Not a cache of this bundle (as one made by another Node would be): rejected.
  writeFileSync(`${bundle}.cache`, Buffer.alloc(4096, 7));
  const rejected = pagesim(pkg, ['variants']);
  assert.deepEqual(rejected.loaded, ['CLI bundle, code cache rejected']);
  assert.deepEqual([rejected.status, rejected.stdout, rejected.stderr], [expected.status, expected.stdout, expected.stderr]);
  // A cache older than the bundle belongs to an earlier build: not read.
  const built = statSync(bundle).mtimeMs / 1000;
  utimesSync(`${bundle}.cache`, built - 10, built - 10);
  const old = pagesim(pkg, ['variants']);
  assert.deepEqual(old.loaded, ['CLI bundle, code cache none']);
  assert.equal(old.stdout, expected.stdout);
});
