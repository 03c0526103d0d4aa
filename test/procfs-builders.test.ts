/**
 * The builders the simulator uses, on a small hand-made machine: node 0 with
 * a DMA32 and a Normal zone (and an empty Movable zone for zoneinfo), two
 * CPUs. Expected text is written out by hand from the kernel's format strings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  VMSTAT_ITEMS, buildBuddyInfo, buildMemInfo, buildPageTypeInfo, buildVmStat, buildZoneInfo,
  formatBuddyInfo, formatMemInfo, formatPageTypeInfo, formatVmStat, formatZoneInfo, parseZoneInfo,
  zoneInfoNumber, type ZoneInfoNodeInput, type ZoneInfoPagesetInput, type ZoneInfoZoneInput,
} from '../src/procfs/index.js';

test('buildBuddyInfo prints "Node %d, zone %8s " and "%6lu " per order', () => {
  const info = buildBuddyInfo([
    { node: 0, name: 'DMA32', freeByOrder: [3, 0, 12, 5, 1, 0, 0, 2, 1, 0, 100] },
    { node: 0, name: 'Normal', freeByOrder: [1234567, 45, 6, 7, 8, 9, 10, 11, 12, 13, 14] },
  ]);
  assert.equal(
    formatBuddyInfo(info),
    'Node 0, zone    DMA32      3      0     12      5      1      0      0      2      1      0    100 \n' +
      // A count wider than 6 columns pushes the rest right, as printf does.
      'Node 0, zone   Normal 1234567     45      6      7      8      9     10     11     12     13     14 \n',
  );
  assert.throws(() => buildBuddyInfo([{ node: 0, name: 'DMA', freeByOrder: [-1] }]), RangeError);
});

const TYPES = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate'];

/** freeByOrderAndType for 11 orders and TYPES, zero except the given [order, type, count]s. */
function freeCounts(entries: [number, string, number][]): number[][] {
  const table = Array.from({ length: 11 }, () => TYPES.map(() => 0));
  for (const [order, type, count] of entries) {
    const row = table[order];
    if (row !== undefined) row[TYPES.indexOf(type)] = count;
  }
  return table;
}

test('buildPageTypeInfo prints the kernel layout, with ">" past the 100000 walk cap', () => {
  const info = buildPageTypeInfo({
    pageblockOrder: 9,
    migratetypeNames: TYPES,
    zones: [
      {
        node: 0, name: 'DMA32',
        freeByOrderAndType: freeCounts([[0, 'Unmovable', 1], [0, 'Movable', 2], [3, 'Movable', 5], [10, 'Movable', 752]]),
        blocksByType: [0, 1528, 0, 0, 0],
      },
      {
        node: 0, name: 'Normal',
        freeByOrderAndType: freeCounts([[0, 'Movable', 150000], [10, 'Movable', 231], [0, 'Reclaimable', 70], [9, 'HighAtomic', 1]]),
        blocksByType: [41, 587, 12, 1, 0],
      },
    ],
  });
  assert.equal(
    formatPageTypeInfo(info),
    'Page block order: 9\n' +
      'Pages per block:  512\n' +
      '\n' +
      'Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n' +
      'Node    0, zone    DMA32, type    Unmovable      1      0      0      0      0      0      0      0      0      0      0 \n' +
      'Node    0, zone    DMA32, type      Movable      2      0      0      5      0      0      0      0      0      0    752 \n' +
      'Node    0, zone    DMA32, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 \n' +
      'Node    0, zone    DMA32, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 \n' +
      'Node    0, zone    DMA32, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 \n' +
      'Node    0, zone   Normal, type    Unmovable      0      0      0      0      0      0      0      0      0      0      0 \n' +
      'Node    0, zone   Normal, type      Movable >100000      0      0      0      0      0      0      0      0      0    231 \n' +
      'Node    0, zone   Normal, type  Reclaimable     70      0      0      0      0      0      0      0      0      0      0 \n' +
      'Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      1      0 \n' +
      'Node    0, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 \n' +
      '\n' +
      'Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n' +
      'Node 0, zone    DMA32            0         1528            0            0            0 \n' +
      'Node 0, zone   Normal           41          587           12            1            0 \n',
  );
  assert.throws(
    () => buildPageTypeInfo({ pageblockOrder: 9, migratetypeNames: TYPES, zones: [{ node: 0, name: 'DMA', freeByOrderAndType: [[1]], blocksByType: [1] }] }),
    RangeError,
  );
});

test('buildPageTypeInfo prints one section per node', () => {
  const zone = (node: number) => ({ node, name: 'Normal', freeByOrderAndType: [[node + 1]], blocksByType: [node + 7] });
  const text = formatPageTypeInfo(buildPageTypeInfo({ pageblockOrder: 0, migratetypeNames: ['Movable'], zones: [zone(0), zone(1)] }));
  const section = (node: number) =>
    'Page block order: 0\nPages per block:  1\n\n' +
    'Free pages count per migrate type at order       0 \n' +
    `Node    ${node}, zone   Normal, type      Movable      ${node + 1} \n` +
    '\nNumber of blocks type       Movable \n' +
    `Node ${node}, zone   Normal            ${node + 7} \n`;
  assert.equal(text, section(0) + section(1));
});

const pcp = (count: number): ZoneInfoPagesetInput => ({ count, high: 3132, batch: 63, highMin: 3132, highMax: 20480, statThreshold: 20 });

const machine: ZoneInfoNodeInput = {
  node: 0,
  counters: { nr_inactive_file: 25858, nr_page_table_pages: 398 },
  zones: [
    {
      name: 'DMA32', free: 772918, min: 11824, low: 14780, high: 17736, promo: 20692,
      spanned: 1044480, present: 782336, managed: 772918, protection: [0, 1280, 1280],
      startPfn: 4096, pagesets: [pcp(0), pcp(0)], counters: { nr_free_pages_blocks: 771072 },
    },
    {
      name: 'Normal', free: 271293, boost: 0, min: 5012, low: 6265, high: 7518, promo: 8771,
      spanned: 5505024, present: 5505024, managed: 327680, protection: [0, 0, 0],
      startPfn: 1048576, pagesets: [pcp(2331), pcp(1407)], counters: { numa_hit: 1762212 },
      reservedHighatomic: 512, freeHighatomic: 3,
    },
    {
      name: 'Movable', free: 0, min: 32, low: 32, high: 32, promo: 32,
      spanned: 0, present: 0, managed: 0, protection: [0, 0, 0], startPfn: 0, pagesets: [pcp(0), pcp(0)],
    },
  ],
};

test('buildZoneInfo: layout of populated and empty zones, and it parses back', () => {
  const text = formatZoneInfo(buildZoneInfo([machine]));
  const info = parseZoneInfo(text);
  assert.equal(formatZoneInfo(info), text);
  assert.deepEqual(info.zones.map((z) => z.zone), ['DMA32', 'Normal', 'Movable']);
  const [dma32, normal] = info.zones;
  assert.ok(dma32 !== undefined && normal !== undefined);
  assert.equal(zoneInfoNumber(dma32, 'nr_inactive_file'), 25858);
  assert.equal(zoneInfoNumber(dma32, 'nr_free_pages'), 772918);
  assert.equal(zoneInfoNumber(dma32, 'nr_free_pages_blocks'), 771072);
  assert.equal(zoneInfoNumber(normal, 'nr_inactive_file'), undefined, 'per-node stats only in the first populated zone');
  assert.ok(
    text.startsWith(
      'Node 0, zone    DMA32\n' +
        '  per-node stats\n' +
        '      nr_inactive_anon 0\n' +
        '      nr_active_anon 0\n' +
        '      nr_inactive_file 25858\n',
    ),
  );
  assert.ok(text.includes('      nr_mapped    0\n      nr_file_pages 0\n'), '"%-12s %lu" pads short names');
  assert.ok(
    text.endsWith(
      '      numa_hit     1762212\n' +
        '      numa_miss    0\n' +
        '      numa_foreign 0\n' +
        '      numa_interleave 0\n' +
        '      numa_local   0\n' +
        '      numa_other   0\n' +
        '  pagesets\n' +
        '    cpu: 0\n' +
        '              count:    2331\n' +
        '              high:     3132\n' +
        '              batch:    63\n' +
        '              high_min: 3132\n' +
        '              high_max: 20480\n' +
        '  vm stats threshold: 20\n' +
        '    cpu: 1\n' +
        '              count:    1407\n' +
        '              high:     3132\n' +
        '              batch:    63\n' +
        '              high_min: 3132\n' +
        '              high_max: 20480\n' +
        '  vm stats threshold: 20\n' +
        '  node_unreclaimable:  0\n' +
        '  start_pfn:           1048576\n' +
        '  reserved_highatomic: 512\n' +
        '  free_highatomic:     3\n' +
        'Node 0, zone  Movable\n' +
        '  pages free     0\n' +
        '        boost    0\n' +
        '        min      32\n' +
        '        low      32\n' +
        '        high     32\n' +
        '        promo    32\n' +
        '        spanned  0\n' +
        '        present  0\n' +
        '        managed  0\n' +
        '        cma      0\n' +
        '        protection: (0, 0, 0)\n',
    ),
  );
});

test('buildZoneInfo rejects inconsistent input', () => {
  const withZone0 = (change: Partial<ZoneInfoZoneInput>): ZoneInfoNodeInput => ({
    ...machine,
    zones: machine.zones.map((z, i) => (i === 0 ? { ...z, ...change } : z)),
  });
  assert.throws(() => buildZoneInfo([withZone0({ protection: [0, 0] })]), RangeError);
  assert.throws(() => buildZoneInfo([withZone0({ counters: { nr_free_pages: 1 } })]), RangeError);
  assert.throws(() => buildZoneInfo([withZone0({ counters: { nr_no_such_counter: 1 } })]), RangeError);
  assert.throws(() => buildZoneInfo([{ ...machine, counters: { nr_free_pages: 1 } }]), RangeError, 'a zone counter is not a node counter');
});

test('buildVmStat: the counter table in order, zeros where not modelled, nr_unstable last', () => {
  const text = formatVmStat(buildVmStat({ nr_free_pages: 271293, pgfree: 42 }));
  const lines = text.split('\n');
  assert.equal(lines.length, VMSTAT_ITEMS.length + 1);
  assert.equal(lines[0], 'nr_free_pages 271293');
  assert.equal(lines[1], 'nr_free_pages_blocks 0');
  assert.ok(text.includes('\npgfree 42\npgactivate 0\n'));
  assert.ok(text.endsWith('direct_map_level3_collapses 0\nnr_unstable 0\n'));
  assert.throws(() => buildVmStat({ pgfrees: 1 }), RangeError);
  assert.throws(() => buildVmStat({ pgfree: -1 }), RangeError);
  assert.throws(() => buildVmStat({ nr_unstable: 1 }), RangeError);
});

test('buildMemInfo: kernel column layout, fixed x86_64 constants, counts without kB', () => {
  const text = formatMemInfo(buildMemInfo({ MemTotal: 24684096, MemFree: 24458496, PageTables: 1892, HugePages_Total: 4 }));
  assert.ok(text.startsWith('MemTotal:       24684096 kB\nMemFree:        24458496 kB\nMemAvailable:          0 kB\n'));
  assert.ok(text.includes('\nPageTables:         1892 kB\n'));
  assert.ok(text.includes('\nVmallocTotal:   34359738367 kB\n'));
  assert.ok(text.includes('\nHugePages_Total:       4\nHugePages_Free:        0\n'));
  assert.ok(text.includes('\nHugepagesize:       2048 kB\n'));
  assert.ok(text.endsWith('DirectMap1G:           0 kB\n'));
  assert.throws(() => buildMemInfo({ MemTotl: 1 }), RangeError);
});
