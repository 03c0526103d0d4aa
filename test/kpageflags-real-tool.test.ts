/**
 * The kernel's own tools/mm/page-types (6.12, built by .ci/build-page-types.sh
 * into build/page-types/page-types) reads the images pagesim writes and
 * agrees with pagesim's summary of them, row by row and byte for byte.
 * Skipped with a message when the binary has not been built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kernel } from '../src/kernel/kernel.js';
import { loadScenario, scenarioFiles } from '../src/engine/load.js';
import { VARIANTS } from '../src/variants/index.js';
import { buildVariant } from '../src/engine/build.js';
import { buildSampleMachine, pageFlagLongname, pageTypesSummary, readImage, runScenarioKeepMachine, summarize, writeImages, type KpfContext } from '../src/kpageflags/index.js';
import { realDataDir } from '../src/util/real-data.js';

/** dist/test/x.test.js -> the repository root, two levels up. */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tool = path.join(repoRoot, 'build', 'page-types', 'page-types');
const skip = existsSync(tool) ? false : `no page-types binary at ${tool} (run .ci/build-page-types.sh)`;
const realRaw = path.resolve(realDataDir(), 'page-types', 'kpageflags-raw');

function runTool(image: string, raw: boolean): string {
  return execFileSync(tool, [...(raw ? ['-r'] : []), '-F', image], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/**
 * The tool's summaries of each image, plain and with -r, in that order: one
 * shell runs the tool for every image, instead of this process starting it
 * twice for each of some 60 machines (a fork of a process holding their
 * memory, 20-40 ms each). A NUL, which page-types never prints, ends each.
 */
function runToolOnAll(images: readonly string[]): string[] {
  const script = 'set -e; t="$1"; shift; for f in "$@"; do "$t" -F "$f"; printf \'\\0\'; "$t" -r -F "$f"; printf \'\\0\'; done';
  const out = execFileSync('sh', ['-c', script, 'sh', tool, ...images], { encoding: 'utf8', maxBuffer: 256 << 20 }).split('\0');
  assert.equal(out.pop(), '', 'each summary ends with a NUL');
  assert.equal(out.length, 2 * images.length);
  return out;
}

/** Rows of a page-types summary as flags -> page count, from its text. */
function rowsOf(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^0x([0-9a-f]{16})\t *(\d+) /.exec(line);
    if (m !== null) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Compares page-types' summary of an image (`theirs`) with pagesim's of the same words. */
function compare(words: Uint32Array, raw: boolean, theirs: string, what: string): void {
  const ours = summarize(words, { raw });
  // Flag by flag first, so a disagreement names the flags.
  const t = rowsOf(theirs);
  for (const r of pageTypesSummary(words, { raw }).rows) {
    const key = r.hi.toString(16).padStart(8, '0') + r.lo.toString(16).padStart(8, '0');
    assert.equal(t.get(key), r.pages, `${what}${raw ? ' -r' : ''}: ${pageFlagLongname(r.lo, r.hi) || '(no flags)'} 0x${key}`);
    t.delete(key);
  }
  assert.deepEqual([...t.keys()], [], `${what}${raw ? ' -r' : ''}: rows only page-types printed`);
  assert.equal(ours, theirs, `${what}${raw ? ' -r' : ''}: text`);
}

/**
 * Machines whose images both summaries read: each machine's images are
 * written as it is added (its memory can then go), and agree() runs the
 * tool on all of them at once and compares, in both modes.
 */
class Images {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'pagesim-pt-'));
  private readonly added: { what: string; file: string }[] = [];

  add(k: Kernel, what: string, ctx: KpfContext = {}): void {
    this.added.push({ what, file: writeImages(k, path.join(this.dir, String(this.added.length)), ctx).kpageflags });
  }

  agree(): void {
    try {
      const theirs = runToolOnAll(this.added.map((a) => a.file));
      this.added.forEach(({ what, file }, i) => {
        const words = readImage(file).words;
        compare(words, false, theirs[2 * i]!, what);
        compare(words, true, theirs[2 * i + 1]!, what);
      });
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

test('page-types reads the sample machine (every page kind) as pagesim does', { skip }, () => {
  const images = new Images();
  const s = buildSampleMachine();
  images.add(s.k, 'sample', s.ctx);
  s.k.releaseMemory();
  images.agree();
});

test('page-types agrees on the sample machine under every variant that builds', { skip }, () => {
  const images = new Images();
  for (const v of VARIANTS) {
    if (buildVariant(v.name).assertionFailures.length > 0) continue;
    const s = buildSampleMachine(v.name);
    images.add(s.k, `sample under ${v.name}`, s.ctx);
    s.k.releaseMemory();
  }
  images.agree();
});

test('page-types agrees on the machine each scenario leaves', { skip }, () => {
  const files = [...scenarioFiles(path.join(repoRoot, 'scenarios')), path.join(repoRoot, 'test', 'fixtures', 'kpageflags', 'typed-pages.yaml')];
  assert.ok(files.length > 1);
  const images = new Images();
  for (const file of files) {
    const scn = loadScenario(file);
    const kept = runScenarioKeepMachine(scn, scn.variants[0] ?? 'baseline');
    images.add(kept.machine, path.basename(file));
    kept.machine.releaseMemory();
  }
  images.agree();
});

test('page-types agrees on the real images', { skip: skip || (existsSync(realRaw) ? false : `no real images at ${realRaw}`) }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pagesim-pt-'));
  try {
    for (const machine of readdirSync(realRaw)) {
      const name = readdirSync(path.join(realRaw, machine)).find((f) => f.startsWith('kpageflags'))!;
      const img = readImage(path.join(realRaw, machine, name));
      // The tool reads only uncompressed files: give it the bytes as the kernel served them.
      const plain = path.join(dir, `${machine}.kpageflags`);
      execFileSync('sh', ['-c', 'gzip -dc -f "$1" > "$2"', 'sh', path.join(realRaw, machine, name), plain]);
      for (const raw of [false, true]) assert.equal(summarize(img.words, { raw }), runTool(plain, raw), `${machine}${raw ? ' -r' : ''}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
