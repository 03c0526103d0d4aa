/**
 * The /proc printers and parsers against real captures from many machines
 * and kernels (../shared/data/real beside the repository; see its SOURCES.md).
 * Skipped with a message where that directory is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  NODE_STAT_ITEMS, NUMA_EVENT_ITEMS, VMSTAT_ITEMS, ZONE_STAT_ITEMS,
  buildBuddyInfo, buildMemInfo, buildPageTypeInfo, buildVmStat, buildZoneInfo, detectProcFile,
  formatBuddyInfo, formatMemInfo, formatPageTypeInfo, formatVmStat, formatZoneInfo,
  parseBuddyInfo, parseMemInfo, parsePageTypeInfo, parseVmStat, parseZoneInfo, zoneInfoNumber,
  type PageTypeInfo, type ProcFileKind, type ZoneInfo, type ZoneInfoNodeInput, type ZoneInfoPagesetInput,
  type ZoneInfoZone, type ZoneInfoZoneInput,
} from '../src/procfs/index.js';
import { InputError } from '../src/util/errors.js';
import { realDataDir as realData } from '../src/util/real-data.js';

/** dist/test/procfs.test.js -> the repository root, two levels up. */
const realDataDir = realData();
const skip = existsSync(realDataDir) ? false : `no real captures at ${realDataDir}`;

interface Capture {
  /** Path under realDataDir. */
  name: string;
  kind: ProcFileKind;
  text: string;
}

const CAPTURE_NAME = /^(?:t[01]_)?(buddyinfo|pagetypeinfo|zoneinfo|vmstat|meminfo)$/;

function findCaptures(dir: string): Capture[] {
  return readdirSync(dir).sort().flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return findCaptures(full);
    const kind = CAPTURE_NAME.exec(entry)?.[1] as ProcFileKind | undefined;
    if (kind === undefined) return [];
    return [{ name: path.relative(realDataDir, full), kind, text: readFileSync(full, 'utf8') }];
  });
}

const captures = skip === false ? findCaptures(realDataDir) : [];
const read = (name: string): string => readFileSync(path.join(realDataDir, name), 'utf8');
const ofKind = (kind: ProcFileKind): Capture[] => captures.filter((c) => c.kind === kind);

/** Parse a capture with the parser for its kind and print it back, directly and after a JSON copy. */
function reprint(kind: ProcFileKind, text: string, file: string): { direct: string; viaJson: string } {
  switch (kind) {
    case 'buddyinfo': return printBoth(parseBuddyInfo(text, file), formatBuddyInfo);
    case 'pagetypeinfo': return printBoth(parsePageTypeInfo(text, file), formatPageTypeInfo);
    case 'zoneinfo': return printBoth(parseZoneInfo(text, file), formatZoneInfo);
    case 'vmstat': return printBoth(parseVmStat(text, file), formatVmStat);
    case 'meminfo': return printBoth(parseMemInfo(text, file), formatMemInfo);
  }
}

function printBoth<T>(model: T, format: (model: T) => string): { direct: string; viaJson: string } {
  return { direct: format(model), viaJson: format(JSON.parse(JSON.stringify(model)) as T) };
}

const FIRECRACKER = 'procfs/firecracker-vm-6.18.44-x86_64-2cpu-24GB';

test('real captures are found', { skip }, () => {
  // 89 files at the time of writing; a sharp drop means the walk broke.
  assert.ok(captures.length >= 80, `found only ${captures.length} captures`);
  for (const kind of ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'vmstat', 'meminfo'] as const) {
    assert.ok(ofKind(kind).length > 0, `no ${kind} capture`);
  }
});

test('every real capture parses and prints back byte for byte, also after JSON', { skip }, async (t) => {
  for (const c of captures) {
    await t.test(c.name, () => {
      const { direct, viaJson } = reprint(c.kind, c.text, c.name);
      assert.equal(direct, c.text);
      assert.equal(viaJson, c.text);
    });
  }
});

test('detectProcFile recognises every real capture', { skip }, () => {
  for (const c of captures) assert.equal(detectProcFile(c.text), c.kind, c.name);
  assert.equal(detectProcFile(''), null);
  assert.equal(detectProcFile('Linux version 6.18.44\n'), null);
});

test('buddyinfo values read from the Firecracker capture', { skip }, () => {
  const info = parseBuddyInfo(read(`${FIRECRACKER}/buddyinfo`));
  assert.deepEqual(info.zones.map((z) => z.zone), ['DMA', 'DMA32', 'Normal']);
  const normal = info.zones[2];
  assert.equal(normal?.node, 0);
  assert.equal(normal?.free.length, 11);
  assert.equal(normal?.free[0], 71);
  assert.equal(normal?.free[10], 231);
  assert.equal(info.zones[1]?.free[10], 752);
});

test('pagetypeinfo values: Firecracker 6.18, ChromeOS 6.6, Ubuntu 3.13', { skip }, () => {
  const fc = parsePageTypeInfo(read(`${FIRECRACKER}/pagetypeinfo`));
  assert.equal(fc.pageblockOrder, 9);
  assert.equal(fc.pagesPerBlock, 512);
  assert.equal(fc.orders, 11);
  assert.deepEqual(fc.migratetypes, ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']);
  assert.equal(fc.free.length, 3 * 5);
  const normalMovable = fc.free.find((r) => r.zone === 'Normal' && r.type === 'Movable');
  assert.deepEqual(normalMovable?.counts, [1, 0, 1, 167, 213, 157, 63, 39, 25, 0, 231]);
  assert.deepEqual(fc.blocks.find((r) => r.zone === 'Normal')?.counts, [41, 587, 12, 0, 0]);
  assert.equal(fc.mixedBlocks, undefined);

  assert.equal(parsePageTypeInfo(read('procfs/chromeos-6.6.119-nissa-n100-x86_64/pagetypeinfo')).pageblockOrder, 10);

  const old = parsePageTypeInfo(read('procfs/ubuntu-3.13.0-77-generic-x86_64/pagetypeinfo'));
  assert.deepEqual(old.migratetypes, ['Unmovable', 'Reclaimable', 'Movable', 'Reserve', 'CMA', 'Isolate']);
});

test('zoneinfo values read from the Firecracker capture', { skip }, () => {
  const info = parseZoneInfo(read(`${FIRECRACKER}/zoneinfo`));
  assert.deepEqual(info.zones.map((z) => z.zone), ['DMA', 'DMA32', 'Normal', 'Movable', 'Device']);
  const [dma, , normal, movable] = info.zones;
  assert.ok(dma !== undefined && normal !== undefined && movable !== undefined);
  assert.equal(zoneInfoNumber(normal, 'managed'), 327680);
  assert.equal(zoneInfoNumber(normal, 'present'), 5505024);
  assert.equal(zoneInfoNumber(normal, 'pages free'), 271293);
  assert.equal(zoneInfoNumber(normal, 'start_pfn:'), 1048576);
  assert.equal(zoneInfoNumber(normal, 'protection:'), undefined);
  // Per-node stats sit under the node's first populated zone only.
  assert.ok(dma.lines.some((l) => l.key === 'per-node stats'));
  assert.ok(!normal.lines.some((l) => l.key === 'per-node stats'));
  // Unpopulated zones stop at the protection line.
  assert.equal(movable.lines.at(-1)?.key, 'protection:');
  assert.equal(movable.lines.at(-1)?.value, '(0, 0, 0, 0, 0)');
});

test('the counter tables match the newest real vmstat and zoneinfo', { skip }, () => {
  const names = (file: string): string[] => parseVmStat(read(file)).items.map(([name]) => name);
  assert.deepEqual(names(`${FIRECRACKER}/vmstat`), VMSTAT_ITEMS);
  // Fedora's config adds unaccepted memory and CMA; otherwise the same list.
  const fedoraOnly = new Set(['nr_unaccepted', 'cma_alloc_success', 'cma_alloc_fail']);
  assert.deepEqual(names('procfs/fedora43-6.19.13-x86_64-i3-1215u-8GB/vmstat').filter((n) => !fedoraOnly.has(n)), VMSTAT_ITEMS);

  const zi = parseZoneInfo(read(`${FIRECRACKER}/zoneinfo`));
  const keysAtIndent6 = (z: ZoneInfoZone | undefined, after: string, before: string): string[] => {
    const lines = z?.lines ?? [];
    const from = lines.findIndex((l) => l.key === after);
    const to = lines.findIndex((l) => l.key === before);
    return lines.slice(from + 1, to).map((l) => l.key);
  };
  assert.deepEqual(keysAtIndent6(zi.zones[0], 'per-node stats', 'pages free'), NODE_STAT_ITEMS);
  assert.deepEqual(keysAtIndent6(zi.zones[2], 'protection:', 'pagesets'), [...ZONE_STAT_ITEMS, ...NUMA_EVENT_ITEMS]);
});

test('meminfo values, and the HardwareCorrupted spacing', { skip }, () => {
  const fc = parseMemInfo(read(`${FIRECRACKER}/meminfo`));
  assert.deepEqual(fc.items[0], { name: 'MemTotal', value: 24684096, unit: 'kB' });
  assert.deepEqual(fc.items.find((i) => i.name === 'HugePages_Total'), { name: 'HugePages_Total', value: 0, unit: '' });
  const centos = parseMemInfo(read('procfs/centos-stream9-5.14.0-325.el9-x86_64/meminfo'));
  assert.deepEqual(centos.items.find((i) => i.name === 'HardwareCorrupted'), {
    name: 'HardwareCorrupted', value: 0, unit: 'kB', spaces: 5,
  });
});

test('builders reproduce real buddyinfo and pagetypeinfo captures from their numbers', { skip }, () => {
  for (const c of ofKind('buddyinfo')) {
    const zones = parseBuddyInfo(c.text).zones.map((z) => ({ node: z.node, name: z.zone, freeByOrder: z.free }));
    assert.equal(formatBuddyInfo(buildBuddyInfo(zones)), c.text, c.name);
  }
  // A capture with a ">" would not rebuild from the capped number alone; none has one.
  for (const c of ofKind('pagetypeinfo')) {
    assert.equal(formatPageTypeInfo(buildPageTypeInfo(pageTypeInput(parsePageTypeInfo(c.text)))), c.text, c.name);
  }
});

function pageTypeInput(info: PageTypeInfo): Parameters<typeof buildPageTypeInfo>[0] {
  return {
    pageblockOrder: info.pageblockOrder,
    migratetypeNames: info.migratetypes,
    zones: info.blocks.map((b) => {
      const rows = info.free.filter((r) => r.node === b.node && r.zone === b.zone);
      const freeByOrderAndType = Array.from({ length: info.orders }, (_, order) => rows.map((r) => r.counts[order] ?? 0));
      return { node: b.node, name: b.zone, freeByOrderAndType, blocksByType: b.counts };
    }),
  };
}

test('buildVmStat and buildMemInfo reproduce the Firecracker captures from their values', { skip }, () => {
  const vmstats = ofKind('vmstat').filter((c) => c.name.includes('firecracker'));
  assert.ok(vmstats.length >= 5);
  for (const c of vmstats) {
    const counters = Object.fromEntries(parseVmStat(c.text).items.filter(([name]) => name !== 'nr_unstable'));
    assert.equal(formatVmStat(buildVmStat(counters)), c.text, c.name);
  }
  const meminfos = ofKind('meminfo').filter((c) => c.name.includes('firecracker'));
  assert.ok(meminfos.length >= 2);
  for (const c of meminfos) {
    const values = Object.fromEntries(parseMemInfo(c.text).items.map((i) => [i.name, i.value]));
    assert.equal(formatMemInfo(buildMemInfo(values)), c.text, c.name);
  }
});

test('buildZoneInfo reproduces the Firecracker zoneinfo plus the 2026 highatomic lines', { skip }, () => {
  const zoneinfos = ofKind('zoneinfo').filter((c) => c.name.includes('firecracker'));
  assert.ok(zoneinfos.length >= 5);
  for (const c of zoneinfos) {
    const built = formatZoneInfo(buildZoneInfo([zoneInfoInput(parseZoneInfo(c.text))]));
    // 6.18 ends a populated zone at start_pfn; the 2026 tree adds two lines.
    const expected = c.text.replace(/^( {2}start_pfn: +\d+\n)/gm, '$1  reserved_highatomic: 0\n  free_highatomic:     0\n');
    assert.equal(built, expected, c.name);
    assert.equal(formatZoneInfo(parseZoneInfo(built)), built);
  }
});

/** Read back what buildZoneInfo needs from a parsed single-node zoneinfo. */
function zoneInfoInput(info: ZoneInfo): ZoneInfoNodeInput {
  const first = info.zones[0];
  const perNodeEnd = first?.lines.findIndex((l) => l.key === 'pages free') ?? 0;
  return {
    node: 0,
    zones: info.zones.map(zoneInput),
    counters: counterMap(first?.lines.slice(0, perNodeEnd) ?? []),
    unreclaimable: info.zones.some((z) => zoneInfoNumber(z, 'node_unreclaimable:') === 1),
  };
}

function zoneInput(z: ZoneInfoZone): ZoneInfoZoneInput {
  const num = (key: string): number => zoneInfoNumber(z, key) ?? 0;
  const from = z.lines.findIndex((l) => l.key === 'protection:');
  const protection = z.lines[from]?.value.slice(1, -1).split(', ').map(Number) ?? [];
  const counters = counterMap(z.lines.slice(from + 1));
  delete counters['nr_free_pages'];
  return {
    name: z.zone,
    free: num('pages free'), boost: num('boost'), min: num('min'), low: num('low'), high: num('high'),
    promo: num('promo'), spanned: num('spanned'), present: num('present'), managed: num('managed'), cma: num('cma'),
    protection, startPfn: num('start_pfn:'), pagesets: pagesets(z), counters,
  };
}

/** The "      %-12s %lu" counter lines among `lines`. */
function counterMap(lines: ZoneInfoZone['lines']): Record<string, number> {
  return Object.fromEntries(lines.filter((l) => l.indent === 6).map((l) => [l.key, Number(l.value)]));
}

function pagesets(z: ZoneInfoZone): ZoneInfoPagesetInput[] {
  const sets: ZoneInfoPagesetInput[] = [];
  const field: Record<string, keyof ZoneInfoPagesetInput> = {
    'count:': 'count', 'high:': 'high', 'batch:': 'batch', 'high_min:': 'highMin', 'high_max:': 'highMax',
    'vm stats threshold:': 'statThreshold',
  };
  for (const l of z.lines) {
    if (l.key === 'cpu:') sets.push({ count: 0, high: 0, batch: 0, highMin: 0, highMax: 0, statThreshold: 0 });
    const name = field[l.key];
    const current = sets.at(-1);
    if (name !== undefined && current !== undefined) current[name] = Number(l.value);
  }
  return sets;
}

/** A small deterministic PRNG (mulberry32), so a failing mutation reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text: string, random: () => number): string {
  const at = Math.floor(random() * text.length);
  const ch = ' 0179ax>:(,-\n'.charAt(Math.floor(random() * 13));
  switch (Math.floor(random() * 4)) {
    case 0: return text.slice(0, at) + text.slice(at + 1);
    case 1: return text.slice(0, at) + ch + text.slice(at);
    case 2: return text.slice(0, at) + ch + text.slice(at + 1);
    default: return text.slice(0, at);
  }
}

test('damaged captures either fail with an InputError on a line or print back exactly', { skip }, () => {
  const random = prng(20260501);
  for (const c of captures) {
    for (let i = 0; i < 40; i++) {
      const damaged = mutate(c.text, random);
      try {
        const { direct } = reprint(c.kind, damaged, c.name);
        assert.equal(direct, damaged, `${c.name}: mutation ${i} parsed but printed differently`);
      } catch (e) {
        assert.ok(e instanceof InputError, `${c.name}: mutation ${i} threw ${String(e)}`);
        assert.equal(e.file, c.name);
        assert.ok(e.line !== undefined && e.line >= 1, e.oneLine());
      }
    }
  }
});
