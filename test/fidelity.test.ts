/**
 * What the baseline prints, pinned line by line to the kernel it follows
 * (linux-mm 7.3-rc5): dump_page's head line, folio_mapping() of a slab
 * page, the clamped vmstat reads, "Bad page map" for a socket VMA, and the
 * rate limits of bad_page() and print_bad_page_map().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import { FAULT_FLAG_WRITE } from '../src/kernel/memory.js';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { NR_FILE_MAPPED, NR_FREE_PAGES } from '../src/kernel/vmstat.js';
import { __stringify } from '../src/kernel/stringify.js';
import { KernelBug } from '../src/report/report.js';

const MiB = 2 ** 20;

test('dump_page of a PMD-mapped THP: the head line has no nr_pages_mapped (mm/debug.c prints order, mapcount, entire_mapcount, pincount)', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.do_mmap(mm, 0, 2 * MiB);
  assert.equal(k.handle_mm_fault(mm.find_vma(a)!, a, FAULT_FLAG_WRITE), 0);
  const folio = k.entryPfn(k.walkToPmd(mm, a));
  assert.equal(k.folio_order(folio), 9);
  // _nr_pages_mapped holds ENTIRELY_MAPPED (0x800000) for the PMD mapping; the dump does not show it.
  assert.equal(k.i32[folio * k.PW + k.FF['_nr_pages_mapped']!], 0x800000);
  const lines = k.dump_page_lines(folio + 3, null);
  assert.equal(lines.filter((l) => l.startsWith('head: order')).join(), 'head: order:9 mapcount:1 entire_mapcount:1 pincount:0');
  assert.ok(!lines.join('\n').includes('nr_pages_mapped'));
});

test('dump_page of a slab page prints mapping:0000000000000000: folio_mapping() is NULL for a slab folio', () => {
  const k = machine();
  const c = k.kmem_cache_create('t', 64, 8);
  const x = k.kmem_cache_alloc(c, GFP_KERNEL);
  const slab = k.virt_to_slab(x);
  // Slab pages are frozen (refcount 0); the slab sits on a partial list, so the word folio->mapping
  // overlays (slab_list.prev) holds a list pointer, not NULL.
  k.kmem_cache_alloc(c, GFP_KERNEL);
  const first = k.dump_page_lines(slab, null)[0]!;
  assert.match(first, /^page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x[0-9a-f]+ pfn:0x[0-9a-f]+$/);
  assert.ok(k.dump_page_lines(slab, null).includes('page_type: f5(slab)'));
});

test('global_node_page_state and global_zone_page_state read a counter below zero as 0, as on SMP; the raw sum stays for the checkers', () => {
  const k = machine();
  k.mod_node_page_state(0, NR_FILE_MAPPED, -3);
  assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 0);
  assert.equal(k.node_page_state(0, NR_FILE_MAPPED), 0);
  assert.equal(k.vm_node_stat(NR_FILE_MAPPED), -3);
  const zone = k.zones.find((z) => z.populated())!;
  const free = k.vm_zone_stat(NR_FREE_PAGES);
  k.__mod_zone_page_state(zone, NR_FREE_PAGES, -free - 5);
  assert.equal(k.global_zone_page_state(NR_FREE_PAGES), 0);
  assert.equal(k.zone_page_state(zone, NR_FREE_PAGES), 0);
  assert.equal(k.vm_zone_stat(NR_FREE_PAGES), -5);
});

test('"Bad page map" in a tcp_mmap VMA names the socket\'s file and its mmap, and prints the socket inode\'s mapping', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.sock_mmap(mm, 0, 2 * 4096, false);
  const vma = mm.find_vma(a)!;
  const pages = [k.alloc_pages(GFP_KERNEL, 0), k.alloc_pages(GFP_KERNEL, 0)];
  pages.forEach((p, i) => assert.equal(k.vm_insert_page(vma, a + i * 4096, p), 0));
  for (const p of pages) k.i32[p * k.PW + k.W_mapcount] = -1; // something overwrote the mapcounts
  k.zap_page_range_single(vma, a, 2 * 4096);
  const maps = k.reports.filter((r) => r.function === 'print_bad_page_map');
  assert.equal(maps.length, 2);
  const vmaLines = maps.map((r) => r.text.split('\n').filter((l) => l.startsWith('addr:') || l.startsWith('file:')));
  // sock_alloc_file() names the file after sk_prot_creator->name; socket_file_ops.mmap is sock_mmap;
  // tcp_vm_ops has no ->fault, socket_file_ops no ->mmap_prepare, empty_aops no ->read_folio.
  assert.equal(vmaLines[0]![1], 'file:TCP fault:0x0 mmap:sock_mmap mmap_prepare: 0x0 read_folio:0x0');
  const flags = vma.vm_flags.toString(16).padStart(8, '0');
  const m = /^addr:([0-9a-f]{16}) vm_flags:([0-9a-f]{8}) anon_vma:0{16} mapping:(ffff888[0-9a-f]{9}) index:(\d+)$/.exec(vmaLines[1]![0]!);
  assert.ok(m !== null, vmaLines[1]![0]);
  assert.equal(BigInt(`0x${m[1]!}`), BigInt(a + 4096));
  assert.equal(m[2], flags);
  assert.equal(m[4], '1', 'linear_page_index of the second page');
  assert.ok(vmaLines[0]![0]!.endsWith(`mapping:${m[3]!} index:0`), 'one socket, one mapping');
});

/** Frees n pages whose _mapcount was left at 0: each free is a "nonzero mapcount" bad_page(). */
function badFrees(k: ReturnType<typeof machine>, n: number): void {
  for (let i = 0; i < n; i++) {
    const p = k.alloc_pages(GFP_KERNEL, 0);
    k.i32[p * k.PW + k.W_mapcount] = 0;
    k.__free_pages(p, 0);
  }
}

test('bad_page() is rate limited as __ratelimit(60 * HZ, 60): 60 printed, the rest recorded as suppressed, "bad_page: N callbacks suppressed" once a minute has passed', () => {
  const k = machine();
  badFrees(k, 70);
  const bad = k.reports.filter((r) => r.function !== 'print_bad_page_map' && r.kind === 'bad_page');
  assert.equal(bad.length, 70);
  assert.equal(bad.filter((r) => r.suppressed !== true).length, 60);
  assert.deepEqual(bad.slice(60).map((r) => r.suppressed), Array(10).fill(true));
  assert.equal(k.console.filter((l) => l.startsWith('BUG: Bad page state in process')).length, 60);
  assert.ok(k.taints.has('B'));
  // Still inside the minute (jiffies 0 .. 15000 at HZ=250): quiet, and the misses keep counting.
  k.msleep(60_000);
  badFrees(k, 1);
  assert.equal(k.console.filter((l) => l.startsWith('BUG: Bad page state in process')).length, 60);
  k.msleep(1000);
  const before = k.console.length;
  badFrees(k, 1);
  const printed = k.console.slice(before);
  assert.equal(printed[0], 'bad_page: 11 callbacks suppressed');
  assert.match(printed[1]!, /^BUG: Bad page state in process pagesim {2}pfn:[0-9a-f]{5,}$/);
  assert.equal(k.reports.at(-1)!.text.split('\n')[0], 'bad_page: 11 callbacks suppressed');
  assert.equal(k.reports.at(-1)!.suppressed, undefined);
});

test('print_bad_page_map() is rate limited by its own counters: 60, quiet until a minute after the first, then "BUG: Bad page map: N messages suppressed"; a dropped one taints nothing', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const n = 70;
  const a = k.mmap_file(mm, 0, n * 4096, 0x1 | 0x10, 'device');
  const vma = mm.find_vma(a)!;
  const bad = (count: number, at: number): void => {
    for (let i = 0; i < count; i++) {
      const p = k.alloc_pages(GFP_KERNEL, 0);
      assert.equal(k.vm_insert_page(vma, at + i * 4096, p), 0);
      k.i32[p * k.PW + k.W_mapcount] = -1;
    }
    k.zap_page_range_single(vma, at, count * 4096);
  };
  bad(n, a);
  const maps = (): typeof k.reports => k.reports.filter((r) => r.function === 'print_bad_page_map');
  assert.equal(maps().length, 70);
  assert.equal(maps().filter((r) => r.suppressed === true).length, 10);
  assert.equal(k.console.filter((l) => l.startsWith('BUG: Bad page map in process')).length, 60);
  k.msleep(61_000);
  const before = k.console.length;
  bad(1, a);
  assert.deepEqual(k.console.slice(before, before + 2).map((l) => l.replace(/pte:[0-9a-f]+/, 'pte:X')), ['BUG: Bad page map: 10 messages suppressed', 'BUG: Bad page map in process pagesim  pte:X']);
});

test('a dropped print_bad_page_map() leaves the taint alone', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.mmap_file(mm, 0, 61 * 4096, 0x1 | 0x10, 'device');
  const vma = mm.find_vma(a)!;
  for (let i = 0; i < 61; i++) {
    const p = k.alloc_pages(GFP_KERNEL, 0);
    assert.equal(k.vm_insert_page(vma, a + i * 4096, p), 0);
    k.i32[p * k.PW + k.W_mapcount] = -1;
  }
  // Exhaust the burst on a machine whose taint we then clear, so only the 61st could set it again.
  k.zap_page_range_single(vma, a, 60 * 4096);
  k.taints.clear();
  k.zap_page_range_single(vma, a + 60 * 4096, 4096);
  assert.equal(k.reports.filter((r) => r.function === 'print_bad_page_map').at(-1)!.suppressed, true);
  assert.ok(!k.taints.has('B'));
});

test('__stringify() expands the macros a VM_BUG_ON_PAGE condition names, as gcc does; conditions it cannot reproduce stay whole', () => {
  assert.equal(__stringify('order > MAX_PAGE_ORDER'), 'order > 10');
  assert.equal(__stringify('nid < 0 || nid >= MAX_NUMNODES'), 'nid < 0 || nid >= (1 << 10)');
  // gcc -E of __stringify(n > 0 && !test_bit(PG_head, &page->flags.f)) on a 6.12 build, byte for byte.
  assert.equal(
    __stringify('n > 0 && !test_bit(PG_head, &page->flags.f)'),
    'n > 0 && !((__builtin_constant_p(PG_head) && __builtin_constant_p((uintptr_t)(&page->flags.f) != (uintptr_t)((void *)0)) && (uintptr_t)(&page->flags.f) != (uintptr_t)((void *)0) && __builtin_constant_p(*(const unsigned long *)(&page->flags.f))) ? const_test_bit(PG_head, &page->flags.f) : _test_bit(PG_head, &page->flags.f))',
  );
  assert.equal(__stringify('page_ref_count(page) == 0'), 'page_ref_count(page) == 0');
  assert.equal(__stringify('page->flags.f & PAGE_FLAGS_CHECK_AT_PREP'), 'page->flags.f & PAGE_FLAGS_CHECK_AT_PREP');
  assert.equal(__stringify('data_race(page->page_type) != UINT_MAX'), 'data_race(page->page_type) != UINT_MAX');
});

test('folio_flags(page, 1) of a page that is no folio head: the dump says why with test_bit() expanded', () => {
  const k = machine();
  const p = k.alloc_pages(GFP_KERNEL, 0);
  assert.throws(
    () => k.folio_flags(p, 1),
    (e: unknown) => {
      assert.ok(e instanceof KernelBug);
      assert.match(e.report.text, /\npage dumped because: VM_BUG_ON_PAGE\(n > 0 && !\(\(__builtin_constant_p\(PG_head\) && .* : _test_bit\(PG_head, &page->flags\.f\)\)\)\n/);
      return true;
    },
  );
});
