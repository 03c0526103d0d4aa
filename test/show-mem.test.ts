/**
 * warn_alloc()'s Mem-Info block (mm/show_mem.c __show_mem(), linux-mm
 * 7.3-rc5): printed after the stack dump of a page allocation failure, its
 * numbers those of the machine, as the machine's own /proc files show them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import type { Kernel } from '../src/kernel/kernel.js';
import { GFP_DMA, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_NOWARN, __GFP_RECLAIMABLE } from '../src/kernel/gfp.js';
import { NR_PAGE_ORDERS, ZONE_DMA } from '../src/kernel/config.js';
import { WMARK_MIN } from '../src/kernel/mmzone.js';
import { NR_FREE_PAGES } from '../src/kernel/vmstat.js';
import { procBuddyinfo, procPagetypeinfo, procZoneinfo } from '../src/engine/proc.js';
import { parseBuddyInfo, parsePageTypeInfo, parseZoneInfo, zoneInfoNumber } from '../src/procfs/index.js';
import { isReportLine } from './kernel/compare.js';

const MiB = 2 ** 20;
const LETTER: Readonly<Record<string, string>> = { Unmovable: 'U', Movable: 'M', Reclaimable: 'E', HighAtomic: 'H', Isolate: 'I' };

/** The lines of the first warn_alloc report from "Mem-Info:" on. */
function memInfo(k: Kernel): string[] {
  const r = k.reports.find((x) => x.function === 'warn_alloc');
  assert.ok(r !== undefined, 'a page allocation failure was reported');
  const lines = r.text.split('\n');
  const at = lines.indexOf('Mem-Info:');
  assert.ok(at > 0, 'the report holds the Mem-Info block');
  assert.equal(lines[at - 1], ' </TASK>', 'the block follows the stack dump');
  return lines.slice(at);
}

/**
 * A 64 MiB machine (zones DMA and DMA32) filled with order-0 pages of three
 * migratetypes, every even pfn freed again: the zones are below their
 * watermarks and their free lists hold mostly single pages of every type.
 * Then the smallest order that fails.
 */
function fragmented(): { k: Kernel; order: number } {
  const k = machine('baseline', 64 * MiB);
  const masks = [GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE];
  const held: number[] = [];
  for (let i = 0; ; i++) {
    const p = k.alloc_pages(masks[i % 3]! | __GFP_NOWARN, 0);
    if (p < 0) break;
    held.push(p);
  }
  for (const p of held) if (p % 2 === 0) k.__free_pages(p, 0);
  assert.equal(k.reports.length, 0);
  for (let order = 1; order < NR_PAGE_ORDERS; order++) {
    k.alloc_pages(GFP_KERNEL, order);
    if (k.reports.length > 0) return { k, order };
  }
  throw new Error('no order failed');
}

test('the Mem-Info block after a fragmented machine\'s failure: each zone\'s free lists as /proc/buddyinfo and /proc/pagetypeinfo count them', () => {
  const { k, order } = fragmented();
  assert.ok(order > 3, `a high order fails (order ${order})`);
  const block = memInfo(k);
  const buddy = parseBuddyInfo(procBuddyinfo(k));
  const types = parsePageTypeInfo(procPagetypeinfo(k));
  const lists = block.filter((l) => /^Node \d+ \S+: /.test(l));
  assert.deepEqual(lists.map((l) => l.split(':')[0]), ['Node 0 DMA', 'Node 0 DMA32'], 'one free-list line per populated zone');
  let mixed = 0;
  for (const line of lists) {
    const m = /^Node (\d+) (\S+): (.*)= (\d+)kB$/.exec(line)!;
    const [node, zone] = [Number(m[1]), m[2]!];
    const items = [...m[3]!.matchAll(/(\d+)\*(\d+)kB (?:\(([A-Z]*)\) )?/g)];
    assert.equal(items.map((x) => x[0]).join(''), m[3], 'nothing but "N*SIZEkB (TYPES) " items');
    assert.equal(items.length, NR_PAGE_ORDERS);
    const row = buddy.zones.find((z) => z.node === node && z.zone === zone)!;
    assert.deepEqual(items.map((x) => Number(x[1])), row.free, `${zone}: the counts of /proc/buddyinfo`);
    assert.deepEqual(items.map((x) => Number(x[2])), row.free.map((_, o) => 4 << o), 'block sizes 4kB << order');
    assert.equal(Number(m[4]), row.free.reduce((s, n, o) => s + n * (4 << o), 0), 'the total in kB');
    for (let o = 0; o < NR_PAGE_ORDERS; o++) {
      const expected = types.free
        .filter((r) => r.node === node && r.zone === zone && r.counts[o]! > 0)
        .map((r) => LETTER[r.type])
        .join('');
      assert.equal(items[o]![3] ?? '', expected, `${zone} order ${o}: the migratetypes whose lists /proc/pagetypeinfo counts`);
      if (expected.length > 1) mixed++;
    }
  }
  assert.ok(mixed > 0, 'some order holds pages of several migratetypes');
  assert.match(block.join('\n'), /\(UME\)/);
});

test('the Mem-Info zone lines: free, min, low, high (with the boost), present, managed and lowmem_reserve[] as /proc/zoneinfo prints them', () => {
  const { k } = fragmented();
  const block = memInfo(k);
  const info = parseZoneInfo(procZoneinfo(k));
  const zoneLines = block.filter((l) => /^Node \d+ \S+ free:/.test(l));
  assert.equal(zoneLines.length, 2);
  let boosted = 0;
  for (const line of zoneLines) {
    const m = /^Node (\d+) (\S+) free:(\d+)kB min:(\d+)kB low:(\d+)kB high:(\d+)kB .* present:(\d+)kB managed:(\d+)kB /.exec(line)!;
    const z = info.zones.find((x) => x.node === Number(m[1]) && x.zone === m[2])!;
    const pages = (i: number): number => Number(m[i]) / 4;
    assert.deepEqual(
      [pages(3), pages(4), pages(5), pages(6), pages(7), pages(8)],
      ['pages free', 'min', 'low', 'high', 'present', 'managed'].map((key) => zoneInfoNumber(z, key)),
      `${m[2]}: the numbers of /proc/zoneinfo`,
    );
    const zone = k.zones.find((x) => x.nid === Number(m[1]) && x.name === m[2])!;
    if (zone.watermark_boost > 0) {
      boosted++;
      assert.equal(pages(4), zone._watermark[WMARK_MIN]! + zone.watermark_boost, 'min_wmark_pages() adds the boost');
    }
    const reserve = block[block.indexOf(line) + 1]!;
    const protection = z.lines.find((l) => l.key === 'protection:')!.value;
    assert.equal(reserve, `lowmem_reserve[]: ${protection.slice(1, -1).split(', ').join(' ')}`);
  }
  assert.ok(boosted > 0, 'stealing across migratetypes boosted a watermark');
  const free = k.zones.reduce((s, z) => s + z.vm_stat[NR_FREE_PAGES]!, 0);
  assert.ok(block.includes(` free:${free} free_pcp:0 free_cma:0`), 'the global free count; reclaim drained the pcp lists');
});

test('the Mem-Info block of a 64 MiB machine out of order-10 blocks, byte for byte', () => {
  const k = machine('baseline', 64 * MiB);
  for (let i = 0; i < 40 && k.reports.length === 0; i++) k.alloc_pages(GFP_KERNEL, 10);
  assert.deepEqual(memInfo(k), [
    'Mem-Info:',
    'active_anon:0 inactive_anon:0 isolated_anon:0',
    ' active_file:0 inactive_file:0 isolated_file:0',
    ' unevictable:0 dirty:0 writeback:0',
    ' slab_reclaimable:0 slab_unreclaimable:0',
    ' mapped:0 shmem:0 pagetables:0',
    ' sec_pagetables:0 bounce:0',
    ' kernel_misc_reclaimable:0',
    ' free:1470 free_pcp:0 free_cma:0',
    'Node 0 active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:0kB dirty:0kB writeback:0kB shmem:0kB shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB kernel_stack:0kB pagetables:0kB sec_pagetables:0kB all_unreclaimable? no Balloon:0kB gpu_active:0kB gpu_reclaim:0kB',
    'Node 0 DMA free:3072kB min:744kB low:928kB high:1112kB reserved_highatomic:0KB free_highatomic:0KB active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB zspages:0kB present:15992kB managed:15360kB mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB',
    'lowmem_reserve[]: 0 30 30 30 30',
    'Node 0 DMA32 free:2808kB min:1528kB low:1908kB high:2288kB reserved_highatomic:0KB free_highatomic:0KB active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB zspages:0kB present:49152kB managed:31480kB mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB',
    'lowmem_reserve[]: 0 0 0 0 0',
    'Node 0 DMA: 0*4kB 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 1*1024kB (M) 1*2048kB (M) 0*4096kB = 3072kB',
    'Node 0 DMA32: 0*4kB 1*8kB (M) 1*16kB (M) 1*32kB (M) 1*64kB (M) 1*128kB (M) 0*256kB 1*512kB (M) 0*1024kB 1*2048kB (M) 0*4096kB = 2808kB',
    'Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB',
    'Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB',
    '0 total pagecache pages',
    '0 pages in swap cache',
    'Free swap  = 0kB',
    'Total swap = 0kB',
    '16286 pages RAM',
    '0 pages HighMem/MovableOnly',
    '4576 pages reserved',
    '0 pages hwpoisoned',
    'Memory cgroup min protection 0kB -- low protection 0kB',
  ]);
  // The same lines reach the console, once: the report is what was printed.
  assert.equal(k.console.filter((l) => l === 'Mem-Info:').length, 1);
  // The comparison with a real kernel leaves the block out on purpose (docs/kunit.md).
  assert.deepEqual(memInfo(k).filter((l) => isReportLine(l.trimStart())), []);
});

test('a __GFP_DMA failure shows only the zones gfp_zone() allows, while the page totals count every zone', () => {
  const k = machine('baseline', 64 * MiB);
  const dma = k.nodes[0]!.node_zones[ZONE_DMA]!;
  for (let i = 0; i < 10_000 && k.alloc_pages(GFP_DMA, 0) >= 0; i++);
  assert.equal(k.reports.length, 1);
  const block = memInfo(k);
  assert.deepEqual(block.filter((l) => /^Node 0 \S+ free:/.test(l)).map((l) => l.split(' free:')[0]), ['Node 0 DMA']);
  assert.deepEqual(block.filter((l) => /^Node 0 \S+: /.test(l)).map((l) => l.split(':')[0]), ['Node 0 DMA']);
  const present = k.zones.reduce((s, z) => s + z.present_pages, 0);
  assert.ok(present > dma.present_pages);
  assert.ok(block.includes(`${present} pages RAM`));
});

test('a __GFP_NOWARN failure prints nothing, and a failure the 10 s rate limit drops prints no Mem-Info either', () => {
  const k = machine('baseline', 64 * MiB);
  const before = k.console.length;
  let failed = false;
  for (let i = 0; i < 40 && !failed; i++) failed = k.alloc_pages(GFP_KERNEL | __GFP_NOWARN, 10) < 0;
  assert.ok(failed, 'an order-10 allocation failed');
  assert.equal(k.reports.length, 0);
  assert.equal(k.console.length, before, 'nothing printed');
  assert.equal(k.alloc_pages(GFP_KERNEL, 10), -1);
  assert.equal(k.reports.length, 1);
  const printed = k.console.length;
  assert.ok(k.console.includes('Mem-Info:'));
  assert.equal(k.alloc_pages(GFP_KERNEL, 10), -1);
  assert.equal(k.reports.length, 1);
  assert.equal(k.console.length, printed, 'nopage_rs dropped the second failure, stack and Mem-Info alike');
});
