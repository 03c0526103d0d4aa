/**
 * The executable's bundle (scripts/build-cli.mjs, src/cli/main.ts): main.js
 * runs the one-script bundle with its code cache while the bundle is newer
 * than every module in it, and the ES modules otherwise; both must print
 * the same, byte for byte, with the same exit status. The bundle runs from
 * this checkout's build; the stale runs from a copy of dist/src in a
 * directory of its own, so that it can be made stale without touching the
 * build the other tests use (test/helpers/bundle.ts). The replay through
 * both is compared in replay-pipe.test.ts, on the replay that file makes in
 * one process through the bundle.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pagesim as inProcess, runsInProcess } from './helpers/cli.js';
import { copyOfBuild, runPackage as pagesim, staleCopyOfBuild, type PackageRun as Run } from './helpers/bundle.js';
import { repoRoot as root } from './helpers/machine.js';

test('the bundle and the ES modules print the same; a stale bundle is not used, a fresh one is', () => {
  // The repository's own build is fresh; a copy of it with one module newer than the bundle is stale.
  const stale = staleCopyOfBuild();

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
  // The replay through both is compared in replay-pipe.test.ts, with the replay in one process that file makes.
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
