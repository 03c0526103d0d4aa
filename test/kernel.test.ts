/**
 * The simulated kernel's own behaviour, checked against the kernel's
 * formulas and formats (values from a real 6.18 x86_64 VM where noted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import { variantLookup } from '../src/engine/load.js';
import { opLookup } from '../src/engine/registry.js';
import { runScenario } from '../src/engine/run.js';
import { parseScenario } from '../src/scenario/parse.js';
import { GFP_KERNEL, __GFP_COMP, __GFP_ZERO, formatGfp, formatGfpMask } from '../src/kernel/gfp.js';
import { formatGfp as showGfpFlags } from '../src/trace/gfp.js';
import { ZONE_DMA, ZONE_DMA32 } from '../src/kernel/config.js';
import { NR_FREE_PAGES } from '../src/kernel/vmstat.js';
import { KernelBug } from '../src/report/report.js';
import { WMARK_LOW, WMARK_MIN } from '../src/kernel/mmzone.js';

test('zone geometry of an x86_64 PC: DMA spans pfn 1-4095, 3998 present, 3840 managed (as on real machines)', () => {
  const k = machine('baseline', 2 ** 30);
  const dma = k.nodes[0]!.node_zones[ZONE_DMA]!;
  assert.deepEqual([dma.zone_start_pfn, dma.spanned_pages, dma.present_pages, dma.managed_pages], [1, 4095, 3998, 3840]);
  const dma32 = k.nodes[0]!.node_zones[ZONE_DMA32]!;
  assert.equal(dma32.zone_start_pfn, 4096);
  assert.equal(dma32.spanned_pages, 2 ** 30 / 4096 - 4096);
});

test('watermarks, lowmem reserve and pcp sizes follow the kernel formulas', () => {
  const k = machine('baseline', 2 ** 30);
  const [dma, dma32] = [k.nodes[0]!.node_zones[ZONE_DMA]!, k.nodes[0]!.node_zones[ZONE_DMA32]!];
  // THP raises min_free_kbytes to keep 2 + 9 pageblocks per populated zone free.
  assert.equal(k.min_free_kbytes, (512 * 2 * 2 + 512 * 2 * 9) * 4);
  const lowmem = dma.managed_pages + dma32.managed_pages;
  const pagesMin = k.min_free_kbytes / 4;
  assert.equal(dma._watermark[WMARK_MIN], Math.floor((pagesMin * dma.managed_pages) / lowmem));
  const tmp = Math.max(dma32._watermark[WMARK_MIN]! >> 2, Math.floor((dma32.managed_pages * 10) / 10000));
  assert.equal(dma32._watermark[WMARK_LOW], dma32._watermark[WMARK_MIN]! + tmp);
  assert.equal(dma.lowmem_reserve[ZONE_DMA32], Math.floor(dma32.managed_pages / 256));
  // Real 6.18 VM: DMA batch 1, high_min = low/ncpus, high_max = managed/8/ncpus.
  assert.equal(dma.pcp[0]!.batch, 1);
  assert.equal(dma.pcp[0]!.high_min, Math.floor(dma._watermark[WMARK_LOW]! / 2));
  assert.equal(dma.pcp[0]!.high_max, Math.floor(dma.managed_pages / 8 / 2));
  assert.equal(dma32.pcp[0]!.batch, 63);
  assert.equal(dma32.pcp[1]!.high, 0, 'pcp->high stays at the boot value until first used');
});

test('a freshly allocated page dumps as the kernel dumps it', () => {
  const k = machine();
  const p = k.alloc_pages(GFP_KERNEL, 0);
  const dump = k.dump_page_lines(p, 'test');
  assert.equal(dump[0], `page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x${p.toString(16)}`);
  assert.equal(dump[1], 'flags: 0xfffffc0000000(node=0|zone=1|lastcpupid=0x1fffff)');
  // lru.next cleared by clear_page_pfmemalloc(); lru.prev still LIST_POISON2 from the list_del off the pcp list.
  assert.equal(dump[2], 'raw: 000fffffc0000000 0000000000000000 dead000000000122 0000000000000000');
  assert.equal(dump[3], 'raw: 0000000000000000 0000000000000000 00000001ffffffff 0000000000000000');
  assert.equal(dump[4], 'page dumped because: test');
});

test('a free buddy block is PageBuddy with its order in private and lru linked into the free list', () => {
  const k = machine();
  const zone = k.nodes[0]!.node_zones[ZONE_DMA32]!;
  const head = k.get_page_from_free_area(zone, 10, 1);
  assert.ok(head >= 0);
  const dump = k.dump_page_lines(head, null);
  assert.match(dump.join('\n'), /page_type: f0\(buddy\)/);
  assert.match(dump.join('\n'), /raw: 0000000000000000 000000000000000a 00000000f0000000 0000000000000000/);
  assert.ok(k.PageBuddy(head));
  assert.equal(k.page_private(head), 10);
  // next points at another free block's lru or at the list head in kernel data (direct map).
  const next = k.read64(head * k.PW + k.W_lru);
  assert.ok(next >> 40n === 0xffffean || next >> 40n === 0xffff88n, next.toString(16));
});

test('a compound page: head/tail encoding, TAIL_MAPPING, order and folio fields', () => {
  const k = machine();
  const f = k.alloc_pages(GFP_KERNEL | __GFP_COMP, 3);
  assert.ok(k.PageHead(f));
  assert.equal(k.compound_order(f), 3);
  assert.equal(k.folio_nr_pages(f), 8);
  for (let i = 1; i < 8; i++) {
    assert.ok(k.PageTail(f + i));
    assert.equal(k.compound_head(f + i), f);
    assert.equal(k.read64((f + i) * k.PW + k.W_compound_head), k.pageAddr(f) + 1n);
  }
  assert.equal(k.read64((f + 5) * k.PW + k.W_mapping), 0xdead000000000400n);
  const dump = k.dump_page_lines(f + 5, null).join('\n');
  assert.match(dump, /head: order:3 mapcount:0 entire_mapcount:0 pincount:0/);
  assert.match(dump, /flags: 0x[0-9a-f]+\(head\|node=0\|zone=1\|lastcpupid=0x1fffff\)/);
});

test('a BUG unwinds with the kernel text: dump, cut here, kernel BUG at FILE:LINE!, oops, call trace', () => {
  const k = machine();
  const p = k.alloc_pages(GFP_KERNEL, 0);
  k.__free_pages(p, 0);
  assert.throws(
    () => k.__free_pages(p, 0),
    (e: unknown) => {
      assert.ok(e instanceof KernelBug);
      const lines = e.report.text.split('\n');
      assert.match(lines[0]!, /^page: refcount:0 mapcount:0 /);
      assert.ok(lines.includes('page dumped because: VM_BUG_ON_PAGE(page_ref_count(page) == 0)'));
      const cut = lines.indexOf('------------[ cut here ]------------');
      assert.match(lines[cut + 1]!, /^kernel BUG at include\/linux\/mm\.h:\d+!$/);
      assert.match(lines[cut + 2]!, /^Oops: invalid opcode: 0000 \[#1\] SMP NOPTI$/);
      assert.match(e.report.text, /RIP: 0010:___free_pages\+0x[0-9a-f]+\/0x[0-9a-f]+/);
      assert.match(e.report.text, /Call Trace:\n <TASK>\n __free_pages\+/);
      assert.equal(e.report.function, 'put_page_testzero');
      assert.equal(e.report.rip.split('+')[0], '___free_pages');
      return true;
    },
  );
});

test('list_del poisons the entry; a second list_del of it BUGs with list_debug.c text', () => {
  const k = machine();
  const p = k.alloc_pages(GFP_KERNEL, 0);
  const node = p * k.PW + k.W_lru;
  k.INIT_LIST_HEAD(node);
  const q = k.alloc_pages(GFP_KERNEL, 0);
  k.list_add(q * k.PW + k.W_lru, node);
  k.list_del(q * k.PW + k.W_lru);
  assert.equal(k.read64(q * k.PW + k.W_lru), 0xdead000000000100n);
  assert.equal(k.read64(q * k.PW + k.W_lru + 2), 0xdead000000000122n);
  assert.throws(
    () => k.list_del(q * k.PW + k.W_lru),
    (e: unknown) => e instanceof KernelBug && /list_del corruption, ffffea[0-9a-f]+->next is LIST_POISON1 \(dead000000000100\)/.test(e.report.text) && e.report.function === '__list_del_entry_valid_or_report',
  );
});

test('list corruption reports start with mem_dump_obj()\'s line for the address the check names, none for NULL', () => {
  const k = machine();
  const q = k.alloc_pages(GFP_KERNEL, 0) * k.PW + k.W_lru;
  k.INIT_LIST_HEAD(q);
  const p = k.alloc_pages(GFP_KERNEL, 0) * k.PW + k.W_lru;
  k.list_add(p, q);
  k.list_del(p);
  const text = (f: () => void): string[] => {
    try {
      f();
    } catch (e) {
      if (e instanceof KernelBug) return e.report.text.split('\n');
      throw e;
    }
    throw new Error('no BUG');
  };
  // LIST_POISON1 is no direct-map address: " non-paged memory", then the message, then the BUG.
  const addr = k.kaddr(p).toString(16);
  assert.deepEqual(text(() => k.list_del(p)).slice(0, 4), [
    ' non-paged memory',
    `list_del corruption, ${addr}->next is LIST_POISON1 (dead000000000100)`,
    '------------[ cut here ]------------',
    'kernel BUG at lib/list_debug.c:58!',
  ]);
  // prev is a zone free list head, in the direct map: " non-slab/vmalloc memory".
  const a = k.alloc_pages(GFP_KERNEL, 0);
  const head = k.page_zone(a).freeList(10, 0);
  const r = k.alloc_pages(GFP_KERNEL, 0) * k.PW + k.W_lru;
  const saved = [k.m32[head]!, k.m32[head + 1]!, k.m32[head + 2]!, k.m32[head + 3]!];
  k.INIT_LIST_HEAD(head);
  k.list_add(r, head);
  k.storeAddrOf(head, head);
  const lines = text(() => k.list_del(r));
  assert.deepEqual(lines.slice(0, 2), [' non-slab/vmalloc memory', `list_del corruption. prev->next should be ${k.kaddr(r).toString(16)}, but was ${k.kaddr(head).toString(16)}. (prev=${k.kaddr(head).toString(16)})`]);
  for (let i = 0; i < 4; i++) k.m32[head + i] = saved[i]!;
  // A NULL link names no address: the message comes first.
  const s = k.alloc_pages(GFP_KERNEL, 0) * k.PW + k.W_lru;
  k.INIT_LIST_HEAD(s);
  k.m32[s] = 0;
  k.m32[s + 1] = 0;
  assert.equal(text(() => k.list_del(s))[0], `list_del corruption, ${k.kaddr(s).toString(16)}->next is NULL`);
});

test('a page that does not match its folio dumps snapshot_page()\'s copy: its compound head cleared in the raw: line', () => {
  // A tail page mapped on its own, then its folio freed: the free checks find the tail's mapcount and
  // dump it with the folio already taken apart.
  const run = runScenario(
    parseScenario(
      `machine: {memory: 64MiB}
steps:
  - mm_alloc: {}
    as: m
  - mmap_device: {mm: m, len: 16KiB}
    as: a
  - folio_alloc: {gfp: GFP_KERNEL, order: 2}
    as: f
  - vm_insert_page: {mm: m, addr: a, page: f + 1}
  - free_frozen_pages: {page: f, order: 2}
`,
      't.yaml',
      opLookup,
      variantLookup,
    ),
    'baseline',
  );
  const lines = run.reports[0]!.text.split('\n');
  const at = lines.indexOf('page does not match folio');
  assert.ok(at > 0, run.reports[0]!.text);
  assert.deepEqual(lines.slice(at + 1, at + 5), [
    'page: refcount:0 mapcount:1 mapping:0000000000000000 index:0xffffffff00000000 pfn:0x200d',
    'ksm flags: 0xfffffc0000000(node=0|zone=1|lastcpupid=0x1fffff)',
    // The live struct page holds ffffea0000080301 (the head's address + 1) in its second word.
    'raw: 000fffffc0000000 0000000000000000 0000000100000000 00000000ffffffff',
    'raw: ffffffff00000000 0000000000000001 0000000000000000 0000000000000000',
  ]);
});

test('NULL list links are reported as list_debug.c reports them, before they are followed', () => {
  const k = machine();
  const head = k.alloc_pages(GFP_KERNEL, 0) * k.PW + k.W_lru;
  k.INIT_LIST_HEAD(head);
  const q = k.alloc_pages(GFP_KERNEL, 0) * k.PW + k.W_lru;
  k.list_add(q, head);
  const next = [k.m32[q]!, k.m32[q + 1]!];
  k.m32[q] = 0;
  k.m32[q + 1] = 0;
  assert.throws(
    () => k.list_del(q),
    (e: unknown) => e instanceof KernelBug && /^list_del corruption, ffffea[0-9a-f]{10}->next is NULL$/m.test(e.report.text) && e.report.message === 'kernel BUG at lib/list_debug.c:53!',
  );
  [k.m32[q], k.m32[q + 1]] = next;
  k.m32[head] = 0;
  k.m32[head + 1] = 0;
  const r = k.alloc_pages(GFP_KERNEL, 0) * k.PW + k.W_lru;
  assert.throws(
    () => k.list_add(r, head),
    (e: unknown) => e instanceof KernelBug && /^list_add corruption\. next is NULL\.$/m.test(e.report.text) && e.report.message === 'kernel BUG at lib/list_debug.c:28!',
  );
});

test('NR_FREE_PAGES follows every allocation and free', () => {
  const k = machine();
  const zone = k.nodes[0]!.node_zones[ZONE_DMA32]!;
  const before = k.zone_page_state(zone, NR_FREE_PAGES) + k.zonePcpCount(zone);
  const p = k.alloc_pages(GFP_KERNEL, 4);
  assert.equal(k.zone_page_state(zone, NR_FREE_PAGES) + k.zonePcpCount(zone), before - 16);
  k.__free_pages(p, 4);
  k.drain_all_pages(null);
  assert.equal(k.zone_page_state(zone, NR_FREE_PAGES), before);
});

test('__free_pages of a non-compound block whose first page is still referenced frees the rest', () => {
  const k = machine();
  const zone = k.nodes[0]!.node_zones[ZONE_DMA32]!;
  const p = k.alloc_pages(GFP_KERNEL, 2);
  k.get_page(p);
  k.__free_pages(p, 2);
  k.drain_all_pages(null);
  const freeNow = k.zone_page_state(zone, NR_FREE_PAGES);
  assert.equal(k.page_ref_count(p), 1);
  k.put_page(p);
  k.drain_all_pages(null);
  assert.equal(k.zone_page_state(zone, NR_FREE_PAGES), freeNow + 1);
});

test('split_page gives every sub-page its own reference', () => {
  const k = machine();
  const p = k.alloc_pages(GFP_KERNEL, 3);
  k.split_page(p, 3);
  for (let i = 0; i < 8; i++) assert.equal(k.page_ref_count(p + i), 1);
  for (let i = 0; i < 8; i++) k.__free_pages(p + i, 0);
  assert.equal(k.reports.length, 0);
});

test('fallback: an unmovable request claims a movable pageblock', () => {
  const k = machine();
  const p = k.alloc_pages(GFP_KERNEL, 0);
  assert.equal(k.get_pageblock_migratetype(p), 0, 'the block was claimed for MIGRATE_UNMOVABLE');
});

test('a page-type BUG reports the line where PAGE_TYPE_OPS() is invoked for that type, as gcc expands __LINE__ in a macro', async () => {
  const { KernelBug: KB } = await import('../src/report/report.js');
  const k = machine('baseline', 256 * 2 ** 20);
  const p = k.alloc_pages(0xcc0, 0);
  k.__SetPageType(p, 0xf1); // Offline
  assert.throws(() => k.__SetPageType(p, 0xf2), (e: unknown) => e instanceof KB && e.report.message === 'kernel BUG at include/linux/page-flags.h:1047!' && e.report.function === '__SetPageTable');
  const q = k.alloc_pages(0xcc0, 0);
  k.__SetPageType(q, 0xf5); // Slab
  assert.throws(() => k.__ClearPageType(q, 0xf0), (e: unknown) => e instanceof KB && e.report.message === 'kernel BUG at include/linux/page-flags.h:1006!' && e.report.reason === 'VM_BUG_ON_PAGE(!PageBuddy(page))');
});

test('an empty Movable zone gets min = low = high = 32, as the captured 6.18 VM shows (the distance follows its zero share)', async () => {
  const { ZONE_MOVABLE } = await import('../src/kernel/config.js');
  const { WMARK_HIGH: H, WMARK_PROMO: P } = await import('../src/kernel/mmzone.js');
  const k = machine('baseline', 2 ** 30);
  const mov = k.nodes[0]!.node_zones[ZONE_MOVABLE]!;
  assert.deepEqual([mov._watermark[WMARK_MIN], mov._watermark[WMARK_LOW], mov._watermark[H], mov._watermark[P]], [32, 32, 32, 32]);
});

test('page-flag policy BUGs report the line of the accessor\'s PAGEFLAG() invocation and the condition as expanded', async () => {
  const { pageFlagAccessor } = await import('../src/kernel/page-flags.js');
  const k = machine('baseline', 256 * 2 ** 20);
  const bug = (fn: () => void): { message: string; reason: string; function: string } => {
    try {
      fn();
    } catch (e) {
      if (e instanceof KernelBug) return { message: e.report.message, reason: e.report.reason ?? '', function: e.report.function ?? '' };
      throw e;
    }
    assert.fail('no BUG');
  };
  const thp = k.alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
  // PF_NO_TAIL enforced on a modifying accessor, never on a test.
  assert.equal(k.testPageFlag(thp + 1, pageFlagAccessor('PageLocked')), false);
  assert.deepEqual(bug(() => k.setPageFlag(thp + 1, pageFlagAccessor('__SetPageLocked'))), {
    message: 'kernel BUG at include/linux/page-flags.h:558!',
    reason: 'VM_BUG_ON_PAGE(1 && PageTail(page))',
    function: '__SetPageLocked',
  });
  // PF_NO_COMPOUND: the head page is compound too; __SetPageReserved has its own invocation line.
  assert.deepEqual(bug(() => k.setPageFlag(thp, pageFlagAccessor('__SetPageReserved'))).message, 'kernel BUG at include/linux/page-flags.h:584!');
  assert.equal(bug(() => k.SetPageReserved(thp)).reason, 'VM_BUG_ON_PAGE(1 && PageCompound(page))');
  // PF_HEAD on a poisoned memmap: the poison check runs on compound_head(page).
  const p = k.alloc_pages(GFP_KERNEL, 0);
  const w = p * k.PW + k.W_flags;
  k.m32[w] = 0xffffffff;
  k.m32[w + 1] = 0xffffffff;
  assert.deepEqual(bug(() => k.setPageFlag(p, pageFlagAccessor('SetPageDirty'))), {
    message: 'kernel BUG at include/linux/page-flags.h:563!',
    reason: 'VM_BUG_ON_PAGE(PagePoisoned(((typeof(page))_compound_head(page))))',
    function: 'SetPageDirty',
  });
  assert.equal(bug(() => k.PageHWPoison(p)).message, 'kernel BUG at include/linux/page-flags.h:667!');
  // The accessors page-flags.h writes as functions keep their own checks.
  const q = k.alloc_pages(GFP_KERNEL, 0);
  assert.deepEqual(bug(() => k.SetPageAnonExclusive(q)), {
    message: 'kernel BUG at include/linux/page-flags.h:1175!',
    reason: 'VM_BUG_ON_PAGE(!PageAnonNotKsm(page))',
    function: 'SetPageAnonExclusive',
  });
  assert.equal(bug(() => k.SetPageUptodate(thp + 1)).message, 'kernel BUG at include/linux/page-flags.h:367!');
});

test('fallback claiming follows C integer arithmetic: should_try_claim_block() claims from order pageblock_order / 2 = 4', async () => {
  const { MIGRATE_MOVABLE } = await import('../src/kernel/config.js');
  const k = machine('baseline', 256 * 2 ** 20);
  assert.equal(k.should_try_claim_block(4, MIGRATE_MOVABLE), true);
  assert.equal(k.should_try_claim_block(3, MIGRATE_MOVABLE), false);
});

test('prep_move_freepages_block counts every page of an LRU folio as movable: PageLRU() reads the head page', async () => {
  const { GFP_TRANSHUGE } = await import('../src/kernel/gfp.js');
  const k = machine('baseline', 256 * 2 ** 20);
  const folio = k.folio_alloc(GFP_TRANSHUGE, 9);
  k.folio_add_lru(folio);
  const zone = k.page_zone(folio);
  const counts = { free: 0, movable: 0 };
  assert.equal(k.prep_move_freepages_block(zone, folio, counts), folio);
  assert.deepEqual(counts, { free: 0, movable: 512 });
});

test('%pGp prints lastcpupid with its 0x prefix even when it is zero, as number() does for a base-16 SPECIAL spec', async () => {
  const { formatPageFlags } = await import('../src/kernel/vsprintf.js');
  assert.equal(formatPageFlags(0, 0), '0x0(node=0|zone=0|lastcpupid=0x0)');
  assert.equal(formatPageFlags(0xc0000040, 0x17ffff), '0x17ffffc0000040(head|node=0|zone=2|lastcpupid=0x1fffff)');
});

test('gfp masks print as %pGg does: composites, then the leftover __GFP bits in bit order, 0x0() for none', () => {
  // linux-mm 7.3-rc5 mmflags.h: __GFP_ZERO (bit 8) before __GFP_COMP (bit 18), whatever order they were OR-ed in.
  assert.equal(formatGfpMask(GFP_KERNEL | __GFP_COMP | __GFP_ZERO), '0x40dc0(GFP_KERNEL|__GFP_ZERO|__GFP_COMP)');
  assert.equal(formatGfpMask(0), '0x0()');
  assert.equal(formatGfpMask(0x200 | GFP_KERNEL), '0xec0(GFP_KERNEL|0x200)');
  // 7.3's mmflags.h has no name for __GFP_NO_OBJ_EXT (bit 24): printk shows it in hex, trace output from 6.18 by name.
  assert.equal(formatGfpMask(0x1000000 | GFP_KERNEL), '0x1000cc0(GFP_KERNEL|0x1000000)');
  assert.equal(showGfpFlags(0x1000000 | GFP_KERNEL), 'GFP_KERNEL|__GFP_NO_OBJ_EXT');
  // The trace table and the kernel's printing are one: the same names in the same order.
  assert.equal(formatGfp(0x1528ca), showGfpFlags(0x1528ca));
  assert.equal(showGfpFlags(0), 'none');
});

test('warn_alloc() prints the mode with its flags in bit order', () => {
  const k = machine();
  let n = 0;
  while (k.reports.length === 0 && n < 100_000) {
    k.alloc_pages(GFP_KERNEL | __GFP_COMP | __GFP_ZERO, 10);
    n++;
  }
  assert.equal(k.reports[0]!.message, `${k.current.comm}: page allocation failure: order:10, mode:0x40dc0(GFP_KERNEL|__GFP_ZERO|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0`);
});

test('warn_alloc() prints one failure in 10 s, then says how many it suppressed', () => {
  const k = machine();
  const held: number[] = [];
  // Use the order-10 blocks up; every later order-10 allocation fails.
  for (let p = k.alloc_pages(GFP_KERNEL, 10); p >= 0; p = k.alloc_pages(GFP_KERNEL, 10)) held.push(p);
  assert.equal(k.reports.length, 1);
  k.alloc_pages(GFP_KERNEL, 10);
  k.alloc_pages(GFP_KERNEL, 10);
  assert.equal(k.reports.length, 1, 'nopage_rs: a burst of 1 in 10 s');
  k.jiffies += 10 * 250; // still inside the interval: time_is_before_jiffies(begin + interval) is false
  k.alloc_pages(GFP_KERNEL, 10);
  assert.equal(k.reports.length, 1);
  k.jiffies += 1;
  k.alloc_pages(GFP_KERNEL, 10);
  assert.equal(k.reports.length, 2);
  const lines = k.reports[1]!.text.split('\n');
  assert.deepEqual(lines.slice(0, 2), ['warn_alloc: 3 callbacks suppressed', `${k.current.comm}: page allocation failure: order:10, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0`]);
  assert.ok(held.length > 0);
});

test('an allocation that fails prints warn_alloc()\'s "page allocation failure" as a printk report, with no WARN() and no taint', () => {
  const k = machine();
  let n = 0;
  while (k.reports.length === 0 && n < 100_000) {
    k.alloc_pages(GFP_KERNEL, 10);
    n++;
  }
  const r = k.reports[0]!;
  assert.equal(r.kind, 'printk');
  assert.equal(r.function, 'warn_alloc');
  assert.match(r.message, /^\S+: page allocation failure: order:10, mode:0xcc0\(GFP_KERNEL\), nodemask=\(null\),cpuset=\/,mems_allowed=0$/);
  assert.deepEqual([...k.taints], []);
});
