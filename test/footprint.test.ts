/**
 * Descriptor footprints of real machines' page populations (the kpageflags
 * images in ../shared/data/real/page-types, skipped with a message where
 * absent) and of scenario machines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage } from '../src/kpageflags/image.js';
import { buildSampleMachine, encodeImages } from '../src/kpageflags/index.js';
import { PAGE_KINDS, classify, footprint, footprintJson, formatFootprint, type PageKind } from '../src/footprint/index.js';
import { footprintCommand } from '../src/cli/cmd-footprint.js';
import { InputError } from '../src/util/errors.js';
import { captureStdout } from './helpers/capture.js';
import { realDataDir } from '../src/util/real-data.js';

/** dist/test/footprint.test.js -> the repository root, two levels up. */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const realRaw = path.resolve(realDataDir(), 'page-types', 'kpageflags-raw');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'kpageflags');
const skipReal = existsSync(realRaw) ? false : `no real images at ${realRaw}`;
const X86 = 'firecracker-vm-6.18.44-x86_64-2cpu-24GB';

interface Json {
  pages: number;
  designs: { name: string; total_bytes: number; by_kind: Record<PageKind, number> }[];
  kinds: Record<PageKind, { pages: number; descriptors: number; large_units: number; mapped: number | null }>;
}

function image(machine: string, what: 'kpageflags' | 'kpagecount'): string {
  const dir = path.join(realRaw, machine);
  return path.join(dir, readdirSync(dir).find((f) => f.startsWith(what))!);
}

function jsonOf(argv: string[]): Json {
  const r = captureStdout(() => footprintCommand([...argv, '--json']));
  assert.equal(r.status, 0);
  return JSON.parse(r.out) as Json;
}

/**
 * The independent computation: from the kernel's own page-types -r table of
 * the image (the fixture the summary tests check pagesim against), sort each
 * row with plain rules on its flag names and price it by hand.
 */
function expectedFromRawTable(table: string): { pages: number; d32: number; d8: number; byKind: Map<string, { pages: number; units: number; large: number }> } {
  const byKind = new Map<string, { pages: number; units: number; large: number }>();
  let pages = 0;
  for (const line of table.split('\n')) {
    const m = /^0x[0-9a-f]{16}\t *(\d+) +\d+  \S+\t(.*)$/.exec(line);
    if (m === null) continue;
    const n = Number(m[1]);
    const names = new Set(m[2]!.split(',').filter((x) => x !== ''));
    const is = (x: string): boolean => names.has(x);
    const folioish = ['locked', 'referenced', 'uptodate', 'dirty', 'lru', 'active', 'writeback', 'reclaim', 'readahead', 'mmap', 'swapcache', 'swapbacked', 'unevictable', 'thp', 'private', 'private_2', 'owner_private', 'mlocked'];
    const kind = is('nopage') ? 'nopage' : is('buddy') ? 'buddy' : is('offline') ? 'offline' : is('zero_page') ? 'zero' : is('slab') ? 'slab' : is('pgtable') ? 'pgtable'
      : is('huge') ? 'hugetlb' : is('reserved') ? 'reserved' : is('anonymous') ? 'anon' : folioish.some(is) ? 'file' : 'other';
    const k = byKind.get(kind) ?? { pages: 0, units: 0, large: 0 };
    k.pages += n;
    if (!is('compound_tail')) k.units += n;
    if (is('compound_head')) k.large += n;
    byKind.set(kind, k);
    pages += n;
  }
  let desc = 0;
  for (const [kind, k] of byKind) {
    if (kind === 'anon' || kind === 'file') desc += (k.units - k.large) * 80 + k.large * 128;
    if (kind === 'hugetlb') desc += k.units * 160;
    if (kind === 'slab' || kind === 'pgtable') desc += k.units * 64;
  }
  return { pages, d32: 32 * pages + desc, d8: 8 * pages + desc, byKind };
}

test('x86_64 6.18 VM: totals match a hand computation from page-types -r\'s own table', { skip: skipReal }, () => {
  const j = jsonOf(['--kpageflags', image(X86, 'kpageflags'), '--kpagecount', image(X86, 'kpagecount')]);
  const want = expectedFromRawTable(readFileSync(path.join(fixtures, `${X86}.page-types-r.txt`), 'utf8'));
  assert.equal(j.pages, 6553600);
  assert.equal(want.pages, 6553600);
  const total = (name: string): number => j.designs.find((d) => d.name === name)!.total_bytes;
  assert.equal(total('struct-page-64'), 6553600 * 64);
  assert.equal(total('struct-page-32'), want.d32);
  assert.equal(total('memdesc-8'), want.d8);
  for (const [kind, k] of want.byKind) {
    assert.equal(j.kinds[kind as PageKind].pages, k.pages, kind);
    assert.equal(j.designs[0]!.by_kind[kind as PageKind], k.pages * 64, kind);
  }
  // What the numbers say: the 64-byte memmap is 400 MiB of 25 GiB; memdesc-8 needs about an eighth.
  assert.equal(total('struct-page-64'), 400 * 2 ** 20);
  assert.ok(total('memdesc-8') < total('struct-page-64') / 7);
});

test('every design\'s by_kind adds up to its total; struct-page-64 is pages x 64', { skip: skipReal }, () => {
  for (const machine of readdirSync(realRaw)) {
    const j = jsonOf(['--kpageflags', image(machine, 'kpageflags')]);
    assert.equal(j.designs.length, 3);
    for (const d of j.designs) assert.equal(Object.values(d.by_kind).reduce((a, b) => a + b, 0), d.total_bytes, `${machine} ${d.name}`);
    assert.equal(j.designs[0]!.total_bytes, j.pages * 64, machine);
    assert.equal(Object.values(j.kinds).reduce((a, k) => a + k.pages, 0), j.pages, machine);
  }
});

test('the 32-bit ARM images parse and give totals; the ZTE router\'s 1 GiB hole reads nopage', { skip: skipReal }, () => {
  for (const machine of ['xilinx-zynq-4.4.0-arm', 'zte-router-4.1.25-arm']) {
    const j = jsonOf(['--kpageflags', image(machine, 'kpageflags'), '--kpagecount', image(machine, 'kpagecount')]);
    const [d64, d32, d8] = j.designs.map((d) => d.total_bytes) as [number, number, number];
    // memdesc-8 is always the smallest; struct-page-32 can cost more than today's 64 bytes when
    // most pages are small folios (32 + an 80-byte folio > 64), as on the Xilinx board.
    assert.ok(d8 > j.pages * 8 && d8 < d32 && d8 < d64, `${machine}: ${d8} < ${d32}, ${d64}`);
    assert.ok(j.kinds.slab.descriptors > 0 && j.kinds.file.pages > 0 && j.kinds.anon.pages > 0, machine);
    // v4.x slab tails carry only compound_tail: counted with their head.
    assert.equal(j.kinds.slab.pages >= j.kinds.slab.descriptors, true);
  }
  const zte = jsonOf(['--kpageflags', image('zte-router-4.1.25-arm', 'kpageflags')]);
  assert.equal(zte.pages, 294912);
  assert.equal(zte.kinds.nopage.pages, 262144);
  // page-types -r: 2269 slab pages and 1067 slab,compound_head pages, one slab each; on v4.1 the
  // heads' tails read only compound_tail, and count as slab pages here.
  assert.equal(zte.kinds.slab.descriptors, 2269 + 1067);
  assert.ok(zte.kinds.slab.pages > 3336 && zte.kinds.slab.pages <= 3336 + 3913, String(zte.kinds.slab.pages));
  assert.equal(zte.kinds.other.mapped, null, 'no kpagecount, no mapped column');
});

test('a simulated machine: kinds and descriptors follow the pages the sample put there', () => {
  const { k, ctx } = buildSampleMachine();
  const imgs = encodeImages(k, ctx);
  const pop = classify(imgs.kpageflags, imgs.kpagecount);
  assert.equal(pop.kinds.hugetlb.pages, 512);
  assert.equal(pop.kinds.hugetlb.units, 1);
  assert.equal(pop.kinds.slab.pages, 3);
  assert.equal(pop.kinds.slab.units, 2);
  assert.equal(pop.kinds.pgtable.units, 2);
  assert.equal(pop.kinds.offline.pages, 1);
  assert.equal(pop.kinds.zero.pages, 1);
  assert.equal(pop.kinds.anon.pages, 512 + 3);
  assert.equal(pop.kinds.anon.largeUnits, 1);
  assert.equal(pop.kinds.file.pages, 4 + 3);
  assert.equal(pop.kinds.anon.mapped, 512 + 2, 'the PMD-mapped THP and two mapped small pages');
  const r = footprint(pop, 'sample');
  const mem8 = r.designs.find((d) => d.name === 'memdesc-8')!;
  assert.equal(mem8.by_kind.hugetlb, 512 * 8 + 160);
  assert.equal(mem8.by_kind.slab, 3 * 8 + 2 * 64);
  assert.equal(mem8.by_kind.anon, 515 * 8 + 128 + 2 * 80 + 80);
  assert.equal(mem8.by_kind.buddy, pop.kinds.buddy.pages * 8);
  const text = formatFootprint(r);
  for (const name of ['struct-page-64', 'struct-page-32', 'memdesc-8', 'assumptions:']) assert.ok(text.includes(name), name);
  assert.match(text, new RegExp(`^struct-page-64 +${65536 * 64} bytes +4\\.0 MiB +1\\.5625% of RAM$`, 'm'));
  const j = footprintJson(r) as Json;
  assert.deepEqual(Object.keys(j.designs[0]!.by_kind), [...PAGE_KINDS]);
});

test('pagesim footprint --scenario runs the scenario and prices its machine', () => {
  const j = jsonOf(['--scenario', path.join(fixtures, 'typed-pages.yaml')]);
  assert.equal(j.pages, 32768);
  assert.equal(j.kinds.slab.descriptors, 1);
  assert.equal(j.kinds.pgtable.descriptors, 3);
  assert.equal(j.kinds.file.pages, 16);
  assert.equal(j.kinds.file.large_units, 1);
  assert.equal(j.designs[0]!.total_bytes, 32768 * 64);
  const t = captureStdout(() => footprintCommand(['--scenario', path.join(fixtures, 'typed-pages.yaml'), '--variant', 'baseline']));
  assert.match(t.out, /from scenario typed-pages under baseline/);
});

test('footprint input errors', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pagesim-fp-'));
  try {
    writeFileSync(path.join(dir, 'a'), new Uint8Array(16));
    writeFileSync(path.join(dir, 'b'), new Uint8Array(24));
    assert.throws(() => footprintCommand([]), /either --kpageflags IMAGE or --scenario FILE/);
    assert.throws(() => footprintCommand(['--kpageflags', path.join(dir, 'a'), '--scenario', 'x.yaml']), /either/);
    assert.throws(() => footprintCommand(['--kpageflags', path.join(dir, 'a'), '--kpagecount', path.join(dir, 'b')]), (e: unknown) => e instanceof InputError && e.file === path.join(dir, 'b') && /same machine/.test(e.message));
    assert.throws(() => footprintCommand(['--kpageflags', path.join(dir, 'a'), '--variant', 'baseline']), /--variant goes with --scenario/);
    assert.throws(() => footprintCommand([path.join(dir, 'a')]), (e: unknown) => e instanceof InputError && e.file === path.join(dir, 'a') && /a scenario must be a YAML mapping/.test(e.message));
    assert.throws(() => footprintCommand(['--kpageflags', path.join(dir, 'missing')]), /no such file/);
    const ok = captureStdout(() => footprintCommand(['--kpageflags', path.join(dir, 'a')]));
    assert.equal(ok.status, 0);
    assert.equal(readImage(path.join(dir, 'a')).count, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
