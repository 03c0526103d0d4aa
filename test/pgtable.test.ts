/**
 * Page tables, THP, RCU and CPA in bytes: what lands where, and what the
 * kernel's counters and checks say about it, under mainline and the
 * seed 003 variants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import type { Kernel } from '../src/kernel/kernel.js';
import { FAULT_FLAG_WRITE } from '../src/kernel/memory.js';
import { EMPTY_ZERO_PAGE_PFN, PG_LEVEL_2M, PG_LEVEL_4K, _PAGE_PRESENT, _PAGE_PSE, _PAGE_RW, _PAGE_SPECIAL } from '../src/kernel/pgtable.js';
import { NR_ANON_MAPPED, NR_ANON_THPS, NR_PAGETABLE } from '../src/kernel/vmstat.js';
import { MM_ANONPAGES, type MmStruct } from '../src/kernel/mm_types.js';
import { GFP_KERNEL, GFP_PGTABLE_USER } from '../src/kernel/gfp.js';
import { checkMachine } from '../src/check/checker.js';
import { KernelBug } from '../src/report/report.js';
import { PG_lru } from '../src/kernel/page-flags.js';
import { buildVariant } from '../src/engine/build.js';

const MiB = 2 ** 20;

function pagetables(k: Kernel): number {
  return k.global_node_page_state(NR_PAGETABLE);
}

function fault(k: Kernel, mm: MmStruct, addr: number, write: boolean): number {
  return k.handle_mm_fault(mm.find_vma(addr)!, addr, write ? FAULT_FLAG_WRITE : 0);
}

function clean(k: Kernel): void {
  const r = checkMachine(k);
  assert.deepEqual(r.violations.map((v) => `${v.checker}: ${v.what}`), []);
}

test('a write fault maps a new folio: pte bytes, mapcount, LRU, rss and NR_ANON_MAPPED; a read fault maps the zero page', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.do_mmap(mm, 0, 64 * 1024);
  assert.equal(pagetables(k), 1, 'the PGD');
  assert.equal(fault(k, mm, a + 0x10, true), 0);
  assert.equal(pagetables(k), 4, 'PGD, PUD, PMD, PTE');
  assert.equal(mm.pgtables_bytes, 3 * 4096, 'mm_pgtables_bytes counts the PUD, PMD and PTE tables');
  const pte = k.walkToPte(mm, a);
  assert.ok((k.m32[pte]! & (_PAGE_PRESENT | _PAGE_RW)) === (_PAGE_PRESENT | _PAGE_RW));
  assert.equal(k.m32[pte + 1]! >>> 31, 1, 'NX');
  const folio = k.entryPfn(pte);
  assert.equal(k.folio_mapcount(folio), 1);
  assert.equal(k.folio_ref_count(folio), 1);
  assert.ok(k.folio_test_flag(folio, PG_lru));
  assert.equal(mm.rss_stat[MM_ANONPAGES], 1);
  assert.equal(k.global_node_page_state(NR_ANON_MAPPED), 1);
  // folio->mapping = anon_vma | FOLIO_MAPPING_ANON, index = page offset in the VMA.
  assert.equal(k.m32[folio * k.PW + k.W_mapping]! & 1, 1);
  assert.equal(fault(k, mm, a + 4096, false), 0);
  const zpte = k.walkToPte(mm, a + 4096);
  assert.equal(k.entryPfn(zpte), EMPTY_ZERO_PAGE_PFN);
  assert.ok(k.m32[zpte]! & _PAGE_SPECIAL);
  assert.equal(mm.rss_stat[MM_ANONPAGES], 1, 'the zero page is not counted');
  clean(k);
});

test('a THP fault deposits a PTE table under a huge PMD; split maps 512 ptes through it and leaves NR_ANON_MAPPED alone', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.do_mmap(mm, 0, 2 * MiB);
  assert.equal(a % (2 * MiB), 0, 'PMD-aligned for a 2MiB length');
  assert.equal(fault(k, mm, a + 12345, true), 0);
  const pmd = k.walkToPmd(mm, a);
  assert.ok(k.m32[pmd]! & _PAGE_PSE);
  const folio = k.entryPfn(pmd);
  assert.equal(k.folio_order(folio), 9);
  assert.equal(k.depositedTables(k.entryTable(k.pud_offset(k.pgd_offset(mm, a), a)), 10), 1);
  assert.equal(k.global_node_page_state(NR_ANON_THPS), 512);
  assert.equal(k.global_node_page_state(NR_ANON_MAPPED), 512);
  assert.equal(mm.rss_stat[MM_ANONPAGES], 512);
  assert.equal(k.folio_entire_mapcount(folio), 1);
  clean(k);
  k.__split_huge_pmd(mm.find_vma(a)!, pmd, a);
  assert.ok(!(k.m32[pmd]! & _PAGE_PSE), 'the PMD points at the formerly deposited table');
  assert.equal(k.folio_entire_mapcount(folio), 0);
  assert.equal(k.folio_large_mapcount(folio), 512);
  assert.equal(k.i32[folio * k.PW + k.FF['_nr_pages_mapped']!], 512);
  assert.equal(k.folio_ref_count(folio), 512, 'one reference per pte');
  assert.equal(k.global_node_page_state(NR_ANON_THPS), 0);
  assert.equal(k.global_node_page_state(NR_ANON_MAPPED), 512);
  clean(k);
});

test('deposit and withdraw: the order the kernel\'s list_add gives (newest, then oldest, then the rest)', () => {
  for (const variant of ['baseline', 'ptdesc-frozen', 'ptdesc-memdesc']) {
    const k = machine(variant);
    const mm = k.mm_alloc()!;
    const pmd = k.pmdForAddress(mm, 0x7f0000000000);
    const tables = [k.pte_alloc_one(mm), k.pte_alloc_one(mm), k.pte_alloc_one(mm)];
    for (const t of tables) k.pgtable_trans_huge_deposit(mm, pmd, t);
    const out = [0, 1, 2, 3].map(() => k.pgtable_trans_huge_withdraw(mm, pmd));
    assert.deepEqual(out, [tables[2], tables[0], tables[1], -1], variant);
  }
});

test('pte_free_defer writes the callback into page->rcu_head: bytes 16..23 hold pte_free_now until the grace period frees the table', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const pt = k.pte_alloc_one(mm);
  const before = pagetables(k);
  k.pte_free_defer(mm, pt);
  const w = pt * k.PW;
  assert.equal(k.read64(w + 4), k.symbols.addr('pte_free_now'), 'rcu_head.func at offset 16');
  assert.equal(k.read64(w + 2), 0n, 'rcu_head.next at offset 8 (the last callback)');
  assert.equal(k.rcuPending(), 1);
  assert.equal(pagetables(k), before);
  k.synchronize_rcu();
  assert.equal(k.rcuPending(), 0);
  assert.equal(pagetables(k), before - 1);
  assert.equal(k.page_type(pt) >>> 24 === 0xf2, false);
});

test('RCU callbacks run in order, linked through their own bytes', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const pts = [k.pte_alloc_one(mm), k.pte_alloc_one(mm), k.pte_alloc_one(mm)];
  for (const p of pts) k.pte_free_defer(mm, p);
  // head -> pts[0] -> pts[1] -> pts[2]: each rcu_head.next holds the next one's address.
  assert.equal(k.wordOfAddr(k.m32[pts[0]! * k.PW + 3]!, k.m32[pts[0]! * k.PW + 2]!), pts[1]! * k.PW + 2);
  const freed: number[] = [];
  const orig = k.pte_free.bind(k);
  k.pte_free = (m, page) => {
    freed.push(page);
    orig(m, page);
  };
  k.rcu_barrier();
  assert.deepEqual(freed, pts);
});

test('munmap frees the page tables only the range used, after the grace period; exit frees the rest and the PGD', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.do_mmap(mm, 0x7e0000000000, 64 * 1024);
  const b = k.do_mmap(mm, 0x7f0000000000, 64 * 1024);
  fault(k, mm, a, true);
  fault(k, mm, b, true);
  assert.equal(pagetables(k), 1 + 2 + 2 + 2, 'the PGD, and a PUD, a PMD and a PTE table each (a and b are 1TiB apart: two PGD entries)');
  assert.equal(k.do_vmi_munmap(mm, b, 64 * 1024), 0);
  assert.equal(pagetables(k), 7, 'the tables wait for a grace period');
  clean(k);
  k.synchronize_rcu();
  assert.equal(pagetables(k), 4);
  assert.equal(mm.pgtables_bytes, 3 * 4096);
  k.mmput(mm);
  assert.equal(pagetables(k), 3, 'the PGD is freed at once; the others wait');
  k.synchronize_rcu();
  assert.equal(pagetables(k), 0);
  clean(k);
});

test('check_mm reports an rss counter left behind, as the kernel prints it', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.do_mmap(mm, 0, 4096);
  fault(k, mm, a, true);
  mm.rss_stat[MM_ANONPAGES] = mm.rss_stat[MM_ANONPAGES]! + 1;
  k.mmput(mm);
  const r = k.reports.find((x) => x.function === 'check_mm');
  assert.ok(r !== undefined);
  assert.match(r.message, /^BUG: Bad rss-counter state mm:00000000[0-9a-f]{8} type:MM_ANONPAGES val:1 Comm:\S+ Pid:\d+$/);
  // pr_alert, not BUG() or WARN(): the machine goes on untainted.
  assert.equal(r.kind, 'printk');
  assert.deepEqual([...k.taints], []);
});

test('the checkers see corrupted page tables, mapcounts and slab freelists', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.do_mmap(mm, 0, 64 * 1024);
  fault(k, mm, a, true);
  fault(k, mm, a + 4096, true);
  clean(k);
  mm.pgtables_bytes += 4096;
  assert.ok(checkMachine(k).violations.some((v) => v.checker === 'page-tables' && /pgtables_bytes/.test(v.what)));
  mm.pgtables_bytes -= 4096;
  // A PTE table that lost its type: reported once, though both the page-table and the rmap checker read the tables.
  const pteTable = k.virt_to_pfn(k.walkToPte(mm, a));
  const type = k.page_type(pteTable);
  k.set_page_type(pteTable, 0xffffffff);
  const untyped = checkMachine(k).violations.filter((v) => /is not typed PageTable/.test(v.what));
  assert.deepEqual(untyped.map((v) => v.checker), ['page-tables']);
  k.set_page_type(pteTable, type);
  // A second pte mapping of the same page without the rmap knowing.
  const p0 = k.walkToPte(mm, a);
  const p2 = k.walkToPte(mm, a + 8192);
  k.m32[p2] = k.m32[p0]!;
  k.m32[p2 + 1] = k.m32[p0 + 1]!;
  const v = checkMachine(k).violations.filter((x) => x.checker === 'rmap').map((x) => x.what);
  assert.ok(v.some((w) => /mapped by 2 pte\(s\) but its _mapcount says 1/.test(w)), v.join('\n'));
  assert.ok(v.some((w) => /MM_ANONPAGES is 2 but its page tables map 3/.test(w)), v.join('\n'));
  k.clearEntry(p2);
  // A slab freelist that loops (an object freed while it was already free, twice).
  const c = k.kmem_cache_create('t', 64, 8);
  const x = k.kmem_cache_alloc(c, GFP_KERNEL);
  k.kmem_cache_alloc(c, GFP_KERNEL);
  k.storeAddrOf(k.objectField(x, c.offset), x);
  k.storeAddrOf(k.virt_to_slab(x) * k.PW + k.WS_freelist, x);
  assert.ok(checkMachine(k).violations.some((w) => w.checker === 'slab' && /loops/.test(w.what)));
});

test('slab: objects at direct-map addresses, the free pointer mid-object, NR_SLAB_UNRECLAIMABLE in pages, empty slabs kept up to min_partial', () => {
  const k = machine();
  const c = k.kmem_cache_create('obj192', 192, 8);
  assert.equal(c.offset, 96);
  assert.equal(c.order, 0);
  assert.equal(c.objects, 21);
  const objs: number[] = [];
  for (let i = 0; i < 21 * 8; i++) objs.push(k.kmem_cache_alloc(c, GFP_KERNEL));
  assert.equal(c.nr_slabs, 8);
  assert.equal(new Set(objs).size, objs.length);
  const slab = k.virt_to_slab(objs[0]!);
  assert.equal(k.slab_inuse(slab), 21);
  assert.equal(k.slab_cache(slab), c);
  // Free the first object: it heads the freelist, its free pointer is NULL (the slab was full).
  k.kmem_cache_free(c, objs[0]!);
  assert.equal(k.wordOfAddr(k.m32[slab * k.PW + k.WS_freelist + 1]!, k.m32[slab * k.PW + k.WS_freelist]!), objs[0]);
  assert.ok(k.isNull(k.objectField(objs[0]!, 96)));
  for (const o of objs.slice(1)) k.kmem_cache_free(c, o);
  assert.equal(c.nr_slabs, c.min_partial, 'empty slabs beyond min_partial go back to the page allocator');
  assert.equal(c.inuse_objects, 0);
  clean(k);
});

test('kmem_cache_free of an object freed twice in a row is set_freepointer\'s BUG at mm/slub.c:573', () => {
  const k = machine();
  const c = k.kmem_cache_create('t', 64, 8);
  const x = k.kmem_cache_alloc(c, GFP_KERNEL);
  k.kmem_cache_free(c, x);
  assert.throws(() => k.kmem_cache_free(c, x), (e: unknown) => e instanceof KernelBug && e.report.message === 'kernel BUG at mm/slub.c:573!');
});

test('CPA: a 4KiB change splits a 2MiB mapping with a page from alloc_pages; set_memory_rox collapses it again and frees that page', () => {
  const k = machine();
  const blk = k.alloc_pages(GFP_KERNEL, 9);
  const before = [...k.direct_pages_count];
  assert.equal(k.set_memory_ro(blk + 1, 1), 0);
  assert.equal(k.direct_pages_count[PG_LEVEL_2M], before[PG_LEVEL_2M]! - 1);
  assert.equal(k.direct_pages_count[PG_LEVEL_4K], before[PG_LEVEL_4K]! + 512);
  const { entry, level } = k.lookup_address(blk + 1);
  assert.equal(level, PG_LEVEL_4K);
  assert.equal(k.m32[entry]! & _PAGE_RW, 0);
  const table = k.virt_to_pfn(entry);
  assert.equal(k.page_ref_count(table), 1, 'split_large_page() used alloc_pages()');
  assert.equal(k.PageTable(table), false, 'no constructor: not typed, not in NR_PAGETABLE');
  assert.equal(k.set_memory_rox(blk, 512), 0);
  assert.deepEqual([...k.direct_pages_count], before);
  assert.equal(k.page_ref_count(table), 0, 'the table page went back to the allocator');
  clean(k);
});

test('the RFC layout: memdesc at byte 16 of struct page, a 48-byte ptdesc, no TABLE_MATCH; mainline keeps TABLE_MATCH(lru, pt_list)', () => {
  const rfc = buildVariant('ptdesc-memdesc-rfc');
  const page = rfc.structs.get('page')!;
  assert.equal(page.size, 64);
  assert.equal(page.fields.find((f) => f.path === 'memdesc.v')!.offset, 16);
  assert.equal(rfc.structs.get('ptdesc')!.size, 48);
  assert.equal(rfc.assertions.filter((a) => a.macro === 'TABLE_MATCH').length, 0);
  assert.deepEqual(rfc.assertionFailures, []);
  const base = buildVariant('baseline');
  assert.ok(base.assertions.some((a) => a.macro === 'TABLE_MATCH' && a.left.field === 'lru' && a.right.field === 'pt_list'));
});

test('under the RFC, a ptdesc lives in slab and its pages carry its memdesc; pagetable_free leaks the ptdesc, the repaired design frees it', () => {
  for (const [variant, leaked] of [
    ['ptdesc-memdesc-rfc', 1],
    ['ptdesc-memdesc', 0],
  ] as const) {
    const k = machine(variant);
    const cache = k.slabCaches.find((c) => c.name === 'ptdesc')!;
    const pt = k.pagetable_alloc(GFP_PGTABLE_USER, 0);
    const page = k.ptdesc_page(pt);
    assert.ok(k.PageTable(page));
    assert.equal(k.page_ptdesc(page), pt, variant);
    assert.equal(k.page_ref_count(page), 0, 'frozen');
    assert.equal(cache.inuse_objects, 1);
    k.pagetable_free(pt);
    assert.equal(cache.inuse_objects, leaked, variant);
    assert.equal(pagetables(k), 0);
  }
});

test('ptdesc-frozen accounts and types page tables at allocation: a bare pagetable_alloc is already PageTable and in NR_PAGETABLE', () => {
  const base = machine('baseline');
  const frozen = machine('ptdesc-frozen');
  const a = base.ptdesc_page(base.pagetable_alloc(GFP_PGTABLE_USER, 0));
  const b = frozen.ptdesc_page(frozen.pagetable_alloc(GFP_PGTABLE_USER, 0));
  assert.deepEqual([base.PageTable(a), pagetables(base), base.page_ref_count(a)], [false, 0, 1]);
  assert.deepEqual([frozen.PageTable(b), pagetables(frozen), frozen.page_ref_count(b)], [true, 1, 0]);
});

test('footprint of a run: the memmap plus the ptdesc slab the memdesc variants allocate (and the RFC leaks)', async () => {
  const { loadScenario } = await import('../src/engine/load.js');
  const { runScenarioWithMachine } = await import('../src/engine/run.js');
  const { measureFootprint } = await import('../src/footprint/measured.js');
  const { repoRoot } = await import('./helpers/machine.js');
  const scn = loadScenario(`${repoRoot}/scenarios/page-table-workload.yaml`);
  const got = new Map<string, ReturnType<typeof measureFootprint>>();
  for (const v of ['baseline', 'ptdesc-memdesc-rfc', 'ptdesc-memdesc']) got.set(v, measureFootprint(runScenarioWithMachine(scn, v).machine!, v));
  const base = got.get('baseline')!;
  assert.equal(base.memmap_bytes, base.pages * 64);
  assert.deepEqual(base.descriptors, []);
  assert.equal(base.total_bytes, base.memmap_bytes);
  const rfc = got.get('ptdesc-memdesc-rfc')!.descriptors[0]!;
  const fixed = got.get('ptdesc-memdesc')!.descriptors[0]!;
  assert.equal(rfc.type, 'ptdesc');
  assert.equal(rfc.object_size, 48);
  assert.ok(rfc.objects > 0, 'pagetable_free() never frees the ptdesc as posted');
  assert.equal(fixed.objects, 0);
  assert.equal(got.get('ptdesc-memdesc')!.total_bytes, base.memmap_bytes + fixed.slab_bytes);
});

test('slab: an object that straddles two pages of an order-3 slab finds its free pointer in the second page, wherever that page\'s contents live', () => {
  const k = machine();
  // Give the block's pages contents slots out of order (page 1 first), so page 0's slot is not followed by page 1's.
  const blk = k.alloc_pages(GFP_KERNEL, 3);
  for (const i of [1, 3, 0, 2, 5, 4, 7, 6]) k.m32[k.pageContentsWord(blk + i)] = 0;
  k.__free_pages(blk, 3);
  k.drain_all_pages(null);
  const c = k.kmem_cache_create('obj3000', 3000, 8);
  assert.equal(c.order, 3);
  const objs: number[] = [];
  for (let i = 0; i < c.objects; i++) objs.push(k.kmem_cache_alloc(c, GFP_KERNEL));
  const slab = k.virt_to_slab(objs[0]!);
  assert.equal(slab, blk, 'the cache took the block back from the buddy lists');
  assert.ok(objs.every((o) => k.virt_to_slab(o) === slab), 'every object lies in the slab');
  assert.equal(new Set(objs).size, objs.length);
  assert.equal(k.slab_inuse(slab), c.objects);
  for (const o of objs) k.kmem_cache_free(c, o);
  clean(k);
});
