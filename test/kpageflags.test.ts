/**
 * /proc/kpageflags and /proc/kpagecount of simulated machines, raw image
 * reading, and the page-types summary against the kernel's own tool's
 * output for the real images in ../shared/data/real/page-types (skipped
 * with a message where that directory is absent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildVariant, createMachine } from '../src/engine/build.js';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { NR_PAGE_ORDERS } from '../src/kernel/config.js';
import {
  KPF_ANON, KPF_BUDDY, KPF_COMPOUND_HEAD, KPF_COMPOUND_TAIL, KPF_HUGE, KPF_HWPOISON, KPF_IDLE, KPF_KSM, KPF_LRU, KPF_MLOCKED,
  KPF_MMAP, KPF_OFFLINE, KPF_OWNER_2, KPF_PGTABLE, KPF_PRIVATE, KPF_RESERVED, KPF_SLAB, KPF_SWAPCACHE, KPF_THP, KPF_ZERO_PAGE,
  PAGE_TYPES_NAMES, PAGES_PER_SECTION, buildSampleMachine, countAt, encodeImages, formatPageTypes, imageFromBytes, kpage_count, maxDumpPfn,
  pageFlagLongname, pageFlagName, pageTypesSummary, readImage, stable_page_flags, summarize, writeImages,
} from '../src/kpageflags/index.js';
import { pageTypesCommand } from '../src/cli/cmd-page-types.js';
import { kpageflagsCommand } from '../src/cli/cmd-kpageflags.js';
import { InputError } from '../src/util/errors.js';
import { captureStdout } from './helpers/capture.js';
import { realDataDir } from '../src/util/real-data.js';

/** dist/test/kpageflags.test.js -> the repository root, two levels up. */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const realDir = path.resolve(realDataDir(), 'page-types');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'kpageflags');
const skipReal = existsSync(realDir) ? false : `no real page-types data at ${realDir}`;
const MACHINES = ['firecracker-vm-6.18.44-x86_64-2cpu-24GB', 'xilinx-zynq-4.4.0-arm', 'zte-router-4.1.25-arm'];
const X86 = MACHINES[0]!;

function realImage(machine: string, what: 'kpageflags' | 'kpagecount'): string {
  const dir = path.join(realDir, 'kpageflags-raw', machine);
  const name = readdirSync(dir).find((f) => f === what || f === `${what}.gz`);
  assert.ok(name !== undefined, `${dir} has no ${what}`);
  return path.join(dir, name);
}

const has = (f: bigint, bit: number): boolean => ((f >> BigInt(bit)) & 1n) === 1n;
const lohi = (f: bigint): [number, number] => [Number(f & 0xffffffffn), Number(f >> 32n)];

test('page-types 6.12 names: 43 symbolic columns, letters in bit order', () => {
  assert.equal(pageFlagName(0, 0), '_'.repeat(43));
  assert.equal(pageFlagName(1 << KPF_BUDDY, 0), `${'_'.repeat(10)}B${'_'.repeat(32)}`);
  assert.equal(pageFlagLongname(0x586c, 0x8000), 'referenced,uptodate,lru,active,mmap,anonymous,swapbacked,anon_exclusive');
  // KPF_UNCACHED (39) lost its name in 6.12; KPF_ARCH_2 (41) kept one.
  assert.equal(PAGE_TYPES_NAMES.has(39), false);
  assert.equal(PAGE_TYPES_NAMES.get(41), 'H:arch_2');
});

test('images: plain and gzip read alike; kpagecount is signed; truncated and missing files are InputErrors naming the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pagesim-kpf-'));
  try {
    const bytes = new Uint8Array(24);
    const dv = new DataView(bytes.buffer);
    dv.setBigUint64(0, 0x400n, true);
    dv.setBigInt64(8, -127n, true);
    dv.setBigUint64(16, 0x0000800000005828n, true);
    writeFileSync(path.join(dir, 'plain'), bytes);
    writeFileSync(path.join(dir, 'packed'), gzipSync(bytes));
    const a = readImage(path.join(dir, 'plain'));
    const b = readImage(path.join(dir, 'packed'));
    assert.equal(a.count, 3);
    assert.deepEqual([...b.words], [...a.words]);
    assert.equal(countAt(a, 1), -127);
    assert.equal(a.words[5], 0x8000);
    writeFileSync(path.join(dir, 'short'), bytes.subarray(0, 20));
    assert.throws(() => readImage(path.join(dir, 'short')), (e: unknown) => e instanceof InputError && e.file === path.join(dir, 'short') && /not a whole number of 8-byte entries/.test(e.message));
    writeFileSync(path.join(dir, 'shortgz'), gzipSync(bytes.subarray(0, 13)));
    assert.throws(() => readImage(path.join(dir, 'shortgz')), (e: unknown) => e instanceof InputError && /truncated/.test(e.message));
    assert.throws(() => readImage(path.join(dir, 'absent')), (e: unknown) => e instanceof InputError && /no such file/.test(e.message));
    assert.throws(() => readImage(dir), (e: unknown) => e instanceof InputError && /is a directory/.test(e.message));
    const badGz = new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5, 6]);
    writeFileSync(path.join(dir, 'badgz'), badGz);
    assert.throws(() => readImage(path.join(dir, 'badgz')), (e: unknown) => e instanceof InputError && /not a valid gzip/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('old ARM kpagecount images read -127 for buddy heads (page_mapcount of PG_buddy), signed', { skip: skipReal }, () => {
  // The two files of a dump were read at slightly different moments, so not every buddy head agrees.
  const flags = readImage(realImage('xilinx-zynq-4.4.0-arm', 'kpageflags'));
  const counts = readImage(realImage('xilinx-zynq-4.4.0-arm', 'kpagecount'), 'kpagecount');
  let buddy = 0;
  let minus127 = 0;
  for (let i = 0; i < flags.count; i++) {
    const c = countAt(counts, i);
    assert.ok(c >= -127 && c < 2 ** 16, `pfn ${i}: kpagecount ${c}`);
    if (flags.words[2 * i]! & (1 << KPF_BUDDY)) {
      buddy++;
      if (c === -127) minus127++;
    }
  }
  assert.ok(buddy > 100 && minus127 / buddy > 0.8, `${minus127} of ${buddy} buddy heads read -127`);
});

for (const machine of MACHINES) {
  for (const raw of [false, true]) {
    test(`summary of ${machine}${raw ? ' -r' : ''} equals the real page-types 6.12 output on the same image`, { skip: skipReal }, () => {
      const img = readImage(realImage(machine, 'kpageflags'));
      const want = readFileSync(path.join(fixtures, `${machine}.page-types${raw ? '-r' : ''}.txt`), 'utf8');
      assert.equal(summarize(img.words, { raw }), want);
    });
  }
}

test('the text captured on the Firecracker VM: pagesim prints its rows identically, and its totals and header match the image', { skip: skipReal }, () => {
  // The captured text and the raw image are not the same moment (see test/fixtures/kpageflags/README.md):
  // what must match is the format, the flag names of every row, and the machine size.
  const img = readImage(realImage(X86, 'kpageflags'));
  for (const file of ['page-types.txt', 'page-types-r.txt', 'page-types-b-buddy.txt', 'page-types-r-b-slab.txt', 'page-types-r-b-pgtable.txt']) {
    const text = readFileSync(path.join(realDir, 'text-output', X86, file), 'utf8');
    const lines = text.split('\n');
    const rows = lines.slice(1, -2).map((l) => {
      const m = /^0x([0-9a-f]{16})\t *(\d+) /.exec(l);
      assert.ok(m !== null, `${file}: unexpected row ${l}`);
      const [lo, hi] = lohi(BigInt(`0x${m[1]}`));
      return { lo, hi, pages: Number(m[2]) };
    });
    const total = Number(/total\t *(\d+)/.exec(lines[lines.length - 2]!)![1]);
    assert.equal(formatPageTypes({ rows, totalPages: total, pageSize: 4096 }), text, file);
  }
  const ours = summarize(img.words).split('\n');
  const theirs = readFileSync(path.join(realDir, 'text-output', X86, 'page-types.txt'), 'utf8').split('\n');
  assert.equal(ours[0], theirs[0]);
  assert.equal(ours[ours.length - 2], theirs[theirs.length - 2]);
  assert.equal(ours[ours.length - 2], '             total\t   6553600    25600');
});

test('stable_page_flags of the sample machine: folio state on head and tails, types, buddy tails, pcp pages', () => {
  const { k, pages: p, ctx } = buildSampleMachine();
  assert.equal(k.reports.length, 0);
  const f = (pfn: number): bigint => stable_page_flags(k, pfn, ctx);
  // A PMD-mapped anonymous THP: every page is mmap, anon, thp; head and tails told apart.
  for (const pfn of [p.thpAnon, p.thpAnon + 1, p.thpAnon + 511]) {
    for (const bit of [KPF_MMAP, KPF_ANON, KPF_THP, KPF_LRU, KPF_OWNER_2]) assert.ok(has(f(pfn), bit), `thp pfn ${pfn} bit ${bit}`);
    assert.equal(kpage_count(k, pfn), 1, 'the PMD mapping counts for every page');
  }
  assert.ok(has(f(p.thpAnon), KPF_COMPOUND_HEAD) && !has(f(p.thpAnon), KPF_COMPOUND_TAIL));
  assert.ok(has(f(p.thpAnon + 7), KPF_COMPOUND_TAIL) && !has(f(p.thpAnon + 7), KPF_COMPOUND_HEAD));
  // A large file folio with two pages PTE-mapped: the folio is mmap everywhere, the count is per page.
  assert.deepEqual([0, 1, 2, 3].map((i) => kpage_count(k, p.fileLarge + i)), [1, 1, 0, 0]);
  assert.ok(has(f(p.fileLarge + 3), KPF_MMAP) && has(f(p.fileLarge + 3), KPF_PRIVATE) && has(f(p.fileLarge + 3), KPF_IDLE));
  assert.ok(!has(f(p.fileLarge), KPF_ANON));
  assert.ok(has(f(p.ksm), KPF_KSM) && !has(f(p.anonSmall), KPF_KSM));
  assert.equal(kpage_count(k, p.anonSmall), 2);
  assert.ok(has(f(p.swapcache), KPF_SWAPCACHE));
  assert.ok(has(f(p.mlocked), KPF_MLOCKED) && has(f(p.mlocked), KPF_HWPOISON));
  // Types are read from the folio: slab tails are slab, a page table is pgtable, offline is offline.
  assert.ok(has(f(p.slab + 1), KPF_SLAB) && has(f(p.slab + 1), KPF_COMPOUND_TAIL));
  assert.ok(has(f(p.slabSmall), KPF_SLAB) && has(f(p.slabSmall), KPF_ANON), 'an odd word where mapping is read makes slab look anonymous');
  assert.ok(has(f(p.pgtable), KPF_PGTABLE));
  assert.ok(has(f(p.offline), KPF_OFFLINE));
  assert.ok(has(f(p.hugetlb + 100), KPF_HUGE) && !has(f(p.hugetlb + 100), KPF_THP));
  assert.equal(lohi(f(p.largeKmalloc))[0], 1 << KPF_COMPOUND_HEAD, 'large kmalloc has no KPF bit of its own');
  // Free pages: a whole buddy block reads buddy; a page on a per-CPU list reads nothing.
  for (let i = 0; i < 32; i++) assert.ok(has(f(p.buddyFree + i), KPF_BUDDY));
  assert.equal(f(p.pcpFree), 0n);
  assert.ok(has(f(p.zero), KPF_ZERO_PAGE) && has(f(p.zero), KPF_RESERVED));
  assert.ok(has(f(0), KPF_RESERVED), 'pfn 0 is memblock-reserved');
});

test('KPF_BUDDY pages are exactly the pages in the zones\' free areas', () => {
  const k = createMachine(buildVariant('baseline'), { memoryBytes: 128 * 2 ** 20, cpus: 2, nodes: 1 });
  for (let i = 0; i < 300; i++) if (i % 3 === 0) k.__free_pages(k.alloc_pages(GFP_KERNEL, i % 4), i % 4); else k.alloc_pages(GFP_KERNEL, i % 3);
  k.drain_all_pages(null);
  let free = 0;
  for (const z of k.zones) for (let o = 0; o < NR_PAGE_ORDERS; o++) free += k.free_area_nr_free(z, o) << o;
  const img = encodeImages(k).kpageflags;
  let buddy = 0;
  for (let i = 0; i < img.count; i++) if (img.words[2 * i]! & (1 << KPF_BUDDY)) buddy++;
  assert.equal(buddy, free);
});

test('images run to the end of the last 128 MiB section; pfns past the memmap read reserved', () => {
  const k = createMachine(buildVariant('baseline'), { memoryBytes: 68 * 2 ** 20, cpus: 1, nodes: 1 });
  assert.equal(maxDumpPfn(k), PAGES_PER_SECTION);
  const { kpageflags, kpagecount } = encodeImages(k);
  assert.equal(kpageflags.count, PAGES_PER_SECTION);
  assert.equal(kpagecount.count, PAGES_PER_SECTION);
  assert.deepEqual([kpageflags.words[2 * k.nr_pages], kpageflags.words[2 * k.nr_pages + 1]], [0, 1 << (KPF_RESERVED - 32)]);
  assert.equal(countAt(kpagecount, PAGES_PER_SECTION - 1), 0);
});

test('writeImages writes files the readers read back entry for entry', () => {
  const { k, ctx } = buildSampleMachine();
  const dir = mkdtempSync(path.join(tmpdir(), 'pagesim-kpf-'));
  try {
    const paths = writeImages(k, path.join(dir, 'out'), ctx);
    const want = encodeImages(k, ctx);
    const flags = readImage(paths.kpageflags);
    const counts = readImage(paths.kpagecount, 'kpagecount');
    assert.deepEqual(flags.words, want.kpageflags.words);
    assert.deepEqual(counts.words, want.kpagecount.words);
    assert.equal(summarize(flags.words), summarize(want.kpageflags.words));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('summarize accepts a BigUint64Array; an unnamed bit stops it as it stops page-types', () => {
  const flags = new BigUint64Array([0n, 0x400n, 0x400n, 0x0000000100000000n]);
  assert.equal(summarize(flags), summarize(imageFromBytes(new Uint8Array(flags.buffer), 'x').words));
  assert.match(summarize(flags), /0x0000000000000400\t {9}2 {8}0 {2}_{10}B_{32}\tbuddy\n/);
  assert.throws(() => summarize(new BigUint64Array([1n << 27n])), (e: unknown) => e instanceof InputError && /unknown flag bit 27/.test(e.message));
  assert.throws(() => summarize(new BigUint64Array([1n << 39n]), { raw: true }), /unknown flag bit 39/);
  assert.doesNotThrow(() => summarize(new BigUint64Array([1n << 39n])), 'default mode masks bits 32..47 first');
});

test('pagesim kpageflags writes both files; pagesim page-types prints the summary', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pagesim-kpf-'));
  try {
    const r = captureStdout(() => kpageflagsCommand([path.join(fixtures, 'typed-pages.yaml'), '--out', dir]));
    assert.equal(r.status, 0);
    assert.match(r.out, /32768 pfns, scenario typed-pages under baseline/);
    const img = readImage(path.join(dir, 'kpageflags'));
    const counts = readImage(path.join(dir, 'kpagecount'), 'kpagecount');
    assert.equal(img.count, 32768);
    assert.equal(counts.count, 32768);
    const s = pageTypesSummary(img.words, { raw: true });
    const row = (lo: number, hi = 0): number => s.rows.find((x) => x.lo === lo && x.hi === hi)?.pages ?? 0;
    assert.equal(row((1 << KPF_PGTABLE) >>> 0), 3);
    assert.equal(row(1 << KPF_OFFLINE), 1);
    assert.equal(row((1 << KPF_SLAB) | (1 << KPF_COMPOUND_TAIL)), 1);
    assert.equal(row((1 << 3) | (1 << KPF_LRU) | (1 << KPF_COMPOUND_TAIL) | (1 << KPF_THP)), 15);
    const p = captureStdout(() => pageTypesCommand([path.join(dir, 'kpageflags'), '-r']));
    assert.equal(p.out, summarize(img.words, { raw: true }));
    assert.equal(captureStdout(() => pageTypesCommand(['--raw', path.join(dir, 'kpageflags')])).out, p.out);
    assert.match(captureStdout(() => pageTypesCommand([path.join(dir, 'kpageflags'), '--page-size', '64KiB'])).out, /total\t {5}32768 {5}2048\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('command input errors', () => {
  const fixture = path.join(fixtures, 'typed-pages.yaml');
  assert.throws(() => kpageflagsCommand([fixture]), /--out DIR/);
  assert.throws(() => kpageflagsCommand([fixture, '--out', '/tmp/x', '--variant', 'no-such-variant']), InputError);
  assert.throws(() => kpageflagsCommand(['--out', '/tmp/x']), /exactly one scenario/);
  assert.throws(() => pageTypesCommand([]), /exactly one kpageflags image/);
  assert.throws(() => pageTypesCommand(['a', 'b']), /exactly one/);
  assert.throws(() => pageTypesCommand([fixture, '--page-size', '3000']), /power of two/);
  assert.throws(() => pageTypesCommand([path.join(fixtures, 'README.md')]), (e: unknown) => e instanceof InputError && e.file !== undefined);
  assert.equal(captureStdout(() => pageTypesCommand(['--help'])).status, 0);
});
