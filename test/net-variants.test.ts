/**
 * The page-type variants of seeds 000 and 002, on the bytes: PGTY_netpp as
 * posted (v4), the validate_page_before_insert carve-out, the shared
 * type/mapcount word, NotRmappable, and order-0-only vm_insert_pages. What
 * each test asserts is what the simulated code does with them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import type { Kernel } from '../src/kernel/kernel.js';
import { PP_FLAG_DMA_MAP, type PagePoolStruct } from '../src/kernel/page_pool.js';
import { GFP_ATOMIC, GFP_KERNEL, GFP_KERNEL_ACCOUNT, __GFP_COMP, __GFP_NOWARN, __GFP_ZERO } from '../src/kernel/gfp.js';
import { NR_FILE_MAPPED } from '../src/kernel/vmstat.js';
import { buildVariant } from '../src/engine/build.js';
import { offsetOf } from '../src/layout/layout.js';
import { loadScenario } from '../src/engine/load.js';
import { runScenario } from '../src/engine/run.js';
import { join } from 'node:path';
import { repoRoot } from './helpers/machine.js';
import { page_mapcount_clear_type } from '../src/variants/netpp.js';
import { checkMachine } from '../src/check/checker.js';
import { KernelBug } from '../src/report/report.js';
import { VM_MAYREAD, VM_MAYWRITE, VM_READ, VM_WRITE } from '../src/kernel/mm_types.js';

const GFP = GFP_ATOMIC | __GFP_NOWARN;
const EINVAL = -22;

type Netpp = Kernel & { PageNetpp(p: number): boolean };
type NotRmappable = Kernel & { PageNotRmappable(p: number): boolean; folio_test_rmappable(f: number): boolean };

function pool(k: Kernel): PagePoolStruct {
  const p = k.page_pool_create({ order: 0, pool_size: 0, nid: -1, flags: PP_FLAG_DMA_MAP });
  assert.ok(typeof p !== 'number');
  return p;
}

function deviceVma(k: Kernel) {
  const mm = k.mm_alloc()!;
  const a = k.mmap_file(mm, 0, 16 * 4096, VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE, 'device');
  return { mm, a, vma: mm.find_vma(a)! };
}

test('netpp-v4 layout: net_iov gains page_type at struct page\'s page_type offset (48), type moves to 52, owner stays at 56; NET_IOV_ASSERT_OFFSET holds', () => {
  const b = buildVariant('netpp-v4');
  assert.deepEqual(b.assertionFailures, []);
  assert.ok(b.assertions.some((x) => x.macro === 'NET_IOV_ASSERT_OFFSET'));
  const niov = b.structs.get('net_iov')!;
  assert.equal(offsetOf(niov, 'page_type'), offsetOf(b.structs.get('page')!, 'page_type'));
  assert.equal(offsetOf(niov, 'page_type'), 48);
  assert.equal(offsetOf(niov, 'type'), 52);
  assert.equal(offsetOf(niov, 'owner'), 56);
  assert.equal(niov.size, 64);
});

test('netpp-v4: pool pages are PageNetpp, pp_magic holds only the DMA index, and vm_insert_pages refuses them with -EINVAL', () => {
  const k = machine('netpp-v4') as Netpp;
  const p = pool(k);
  const page = k.page_pool_alloc_pages(p, GFP);
  assert.equal(k.page_type(page), 0xf9000000);
  assert.equal(k.PageNetpp(page), true);
  assert.equal(k.read64(page * k.PW + k.pageWord('pp_magic')), 64n << 7n, 'no PP_SIGNATURE');
  assert.equal(k.netmem_is_pp(k.page_to_netmem(page)), true);
  assert.match(k.dump_page_lines(page, 'x').join('\n'), /page_type: f9\(unknown\)/, 'the patch names no type for mm/debug.c');
  const { vma, a } = deviceVma(k);
  assert.deepEqual(k.vm_insert_pages(vma, a, [page]), [EINVAL, 1]);
  // Returned to the pool and destroyed: the type is cleared before put_page, so the free is clean.
  k.page_pool_put_full_page(p, page, false);
  k.page_pool_destroy(p);
  assert.equal(k.page_ref_count(page), 0, 'freed');
  assert.equal(k.page_type(page), 0xffffffff, 'on a pcp list, untyped');
  assert.equal(k.reports.length, 0);
});

test('netpp-v4: a netpp page freed without release is a "page_pool leak" from __free_pages_prepare, and is not freed', () => {
  const k = machine('netpp-v4') as Netpp;
  const page = k.page_pool_alloc_pages(pool(k), GFP);
  k.put_page(page);
  assert.equal(k.reports.length, 1);
  assert.equal(k.reports[0]!.reason, 'page_pool leak');
  assert.equal(k.reports[0]!.function, '__free_pages_prepare');
  assert.equal(k.page_type(page), 0xf9000000, 'still typed: the free was refused');
  assert.equal(k.page_pool_page_is_pp(page), false, 'page_pool_page_is_pp() is gone with the patch');
});

test('netpp-skip-check: the mapcount lands in the type word: 0xf9000001, folio_mapcount 0, nr_mapped unmoved; unmapping drifts nr_mapped to -1', () => {
  const k = machine('netpp-skip-check') as Netpp;
  const p = pool(k);
  const page = k.page_pool_alloc_pages(p, GFP);
  const { mm, vma, a } = deviceVma(k);
  assert.deepEqual(k.vm_insert_pages(vma, a, [page]), [0, 0]);
  assert.equal(k.page_type(page), 0xf9000001);
  assert.equal(k.PageNetpp(page), true);
  assert.equal(k.folio_mapcount(page), 0);
  assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 0);
  assert.equal(k.page_ref_count(page), 2);
  assert.ok(checkMachine(k).violations.some((v) => v.what.includes('is mapped by 1 pte(s) but its _mapcount says')));
  k.zap_page_range_single(vma, a, 4096);
  assert.equal(k.page_type(page), 0xf9000000, 'the unmap takes the mapcount back out of the type word');
  assert.equal(k.vm_node_stat(NR_FILE_MAPPED), -1, "vm_node_stat drifted below zero; global_node_page_state() reads it as 0");
  assert.equal(k.reports.length, 0, 'no report: folio_mapcount() reads 0, not negative');
  void mm;
});

test('netpp-skip-check: page_pool releasing a page while it is mapped writes UINT_MAX over the mapcount; the unmap then prints "Bad page map" and the free "nonzero mapcount"', () => {
  const k = machine('netpp-skip-check') as Netpp;
  const p = pool(k);
  const page = k.page_pool_alloc_pages(p, GFP);
  const { vma, a } = deviceVma(k);
  k.vm_insert_pages(vma, a, [page]);
  k.page_pool_put_full_page(p, page, false);
  assert.equal(k.page_type(page), 0xffffffff, '__ClearPageNetpp over a live mapping');
  assert.equal(k.page_ref_count(page), 1);
  k.zap_page_range_single(vma, a, 4096);
  assert.deepEqual(
    k.reports.map((r) => `${r.kind} ${r.reason}`),
    ['bad_page bad page map', 'bad_page nonzero mapcount'],
  );
  assert.match(k.reports[0]!.message, /^BUG: Bad page map in process pagesim  pte:/);
  assert.equal(k.page_type(page), 0xfffffffe);
  assert.equal(k.vm_node_stat(NR_FILE_MAPPED), -1, "vm_node_stat drifted below zero; global_node_page_state() reads it as 0");
});

test('netpp-shared-mapcount: __SetPageNetpp keeps the low 24 bits (0xf9ffffff); validate still refuses it', () => {
  const k = machine('netpp-shared-mapcount') as Netpp;
  const page = k.page_pool_alloc_pages(pool(k), GFP);
  assert.equal(k.page_type(page), 0xf9ffffff);
  assert.equal(k.folio_mapcount(page), 0);
  const { vma, a } = deviceVma(k);
  assert.deepEqual(k.vm_insert_pages(vma, a, [page]), [EINVAL, 1]);
  // Every type now works this way: a buddy page is 0xf0ffffff, and clearing gives back 0xffffffff.
  const x = k.alloc_pages(GFP_KERNEL, 0);
  k.__SetPageTable(x);
  assert.equal(k.page_type(x), 0xf2ffffff);
  k.__ClearPageTable(x);
  assert.equal(k.page_type(x), 0xffffffff);
  k.__free_pages(x, 0);
  k.drain_all_pages(null);
  assert.equal(k.page_type(x) >>> 24, 0xf0);
  assert.equal(k.page_type(x) & 0xffffff, 0xffffff);
  assert.deepEqual(checkMachine(k).violations.filter((v) => v.checker !== 'page-tables'), []);
  assert.equal(page_mapcount_clear_type(0xfa000001), 1);
  assert.equal(page_mapcount_clear_type(0xf9ffffff) | 0, -1);
  // The proposal's macros move every PAGE_TYPE_OPS() invocation 4 lines up: a second type BUGs at Slab's 1054 - 4.
  const y = k.alloc_pages(GFP_KERNEL, 0);
  k.__SetPageTable(y);
  assert.throws(
    () => k.__SetPageType(y, 0xf5),
    (e: unknown) => e instanceof KernelBug && e.report.message === 'kernel BUG at include/linux/page-flags.h:1050!' && e.report.function === '__SetPageSlab' && e.report.reason === 'VM_BUG_ON_PAGE(page_type_has_type(data_race(page->page_type)))',
  );
});

test('netpp-shared-mapcount+netpp-skip-check: the first map carries into the type byte (0xfa000000): no longer a page_pool page, folio_mapcount 1', () => {
  const k = machine('netpp-shared-mapcount+netpp-skip-check') as Netpp;
  const p = pool(k);
  const page = k.page_pool_alloc_pages(p, GFP);
  const { vma, a } = deviceVma(k);
  assert.deepEqual(k.vm_insert_pages(vma, a, [page]), [0, 0]);
  assert.equal(k.page_type(page), 0xfa000000);
  assert.equal(k.PageNetpp(page), false);
  assert.equal(k.netmem_is_pp(k.page_to_netmem(page)), false);
  assert.equal(k.folio_mapcount(page), 1);
  assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 0, 'atomic_inc_and_test saw no 0: not counted');
  assert.match(k.dump_page_lines(page, 'x').join('\n'), /mapcount:1 .*\n.*\npage_type: fa\(unknown\)/);
  // The skb's release (napi_pp_put_page) does not recognise it: only a reference goes.
  assert.equal(k.napi_pp_put_page(k.page_to_netmem(page)), false);
  k.put_page(page);
  assert.equal(k.page_pool_inflight(p, false), 64);
  k.zap_page_range_single(vma, a, 4096);
  assert.equal(k.page_type(page), 0xf9ffffff, 'the unmap borrows back into the type byte');
  assert.deepEqual(k.reports.map((r) => `${r.function} ${r.reason}`), ['__free_pages_prepare page_pool leak']);
  assert.equal(k.vm_node_stat(NR_FILE_MAPPED), -1, "vm_node_stat drifted below zero; global_node_page_state() reads it as 0");
});

test('stacks compose in order: netpp-v4, then shared-mapcount, then skip-check', () => {
  assert.deepEqual(buildVariant('netpp-shared-mapcount+netpp-skip-check').variants.map((v) => v.name), ['netpp-v4', 'netpp-shared-mapcount', 'netpp-skip-check']);
  assert.deepEqual(buildVariant('netpp-skip-check+netpp-shared-mapcount').variants.map((v) => v.name), ['netpp-v4', 'netpp-skip-check', 'netpp-shared-mapcount']);
});

test('notrmappable: every allocation starts typed 0xfa; folio_alloc clears it; other types overwrite it; folio_test_rmappable is "no type"', () => {
  const k = machine('notrmappable') as NotRmappable;
  const page = k.alloc_pages(GFP_KERNEL, 0);
  assert.equal(k.page_type(page), 0xfa000000);
  assert.equal(k.folio_test_rmappable(page), false);
  const compound = k.alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN | __GFP_COMP, 2);
  assert.equal(k.PageNotRmappable(compound), true);
  assert.equal(k.page_type(compound + 1), 0xffffffff, 'the type is on the first page only');
  const folio = k.folio_alloc(GFP_KERNEL, 2);
  assert.equal(k.page_type(folio), 0xffffffff);
  assert.equal(k.folio_test_rmappable(folio), true);
  k.__SetPageTable(page);
  assert.equal(k.page_type(page), 0xf2000000, 'overwritten, no VM_BUG_ON');
  k.__ClearPageTable(page);
  // page_pool pages and io_uring compound pages keep the type: vm_insert_pages refuses both.
  const pp = k.page_pool_alloc_pages(pool(k), GFP);
  assert.equal(k.PageNotRmappable(pp), true);
  const { vma, a } = deviceVma(k);
  assert.deepEqual(k.vm_insert_pages(vma, a, [pp]), [EINVAL, 1]);
  assert.deepEqual(k.vm_insert_pages(vma, a, [compound, compound + 1, compound + 2, compound + 3]), [EINVAL, 4]);
  // A typed page frees cleanly (the free path resets any type).
  k.__free_pages(compound, 2);
  k.folio_put(folio);
  k.__free_pages(page, 0);
  assert.equal(k.reports.length, 0);
});

test('insert-order0-only: pages of a compound page are refused with -EINVAL, order-0 pages map', () => {
  const k = machine('insert-order0-only');
  const { vma, a } = deviceVma(k);
  const compound = k.alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
  assert.deepEqual(k.vm_insert_pages(vma, a, [compound + 1]), [EINVAL, 1], 'a tail too');
  assert.equal(k.vm_insert_page(vma, a, compound), EINVAL);
  const small = k.alloc_pages(GFP_KERNEL, 0);
  assert.deepEqual(k.vm_insert_pages(vma, a, [small]), [0, 0]);
  assert.equal(k.folio_mapcount(small), 1);
});

test('the shipped scenarios show what each design does (the values the matrix prints)', () => {
  const shown = (file: string, variant: string): (string | number | boolean | null | object | undefined)[] => {
    const run = runScenario(loadScenario(join(repoRoot, 'scenarios', file)), variant);
    assert.deepEqual(run.failures, []);
    return run.steps.filter((s) => s.show).map((s) => s.result);
  };
  // net-netpp-page-type: [type at alloc, zc, type mapped, folio_mapcount, refcount, nr_mapped, recvmsg, type after release, type after unmap, nr_mapped]
  assert.deepEqual(shown('net-netpp-page-type.yaml', 'baseline'), [0xffffffff, 4096, 0, 1, 2, 1, 100, 0, 0xffffffff, 0]);
  assert.deepEqual(shown('net-netpp-page-type.yaml', 'netpp-v4'), [0xf9000000, EINVAL, 0xf9000000, 0, 1, 0, 4196, 0xf9000000, 0xf9000000, 0]);
  assert.deepEqual(shown('net-netpp-page-type.yaml', 'netpp-skip-check'), [0xf9000000, 4096, 0xf9000001, 0, 2, 0, 100, 0xffffffff, 0xfffffffe, 0]);
  assert.deepEqual(shown('net-netpp-page-type.yaml', 'netpp-shared-mapcount'), [0xf9ffffff, EINVAL, 0xf9ffffff, 0, 1, 0, 4196, 0xf9ffffff, 0xf9ffffff, 0]);
  assert.deepEqual(shown('net-netpp-page-type.yaml', 'netpp-shared-mapcount+netpp-skip-check'), [0xf9ffffff, 4096, 0xfa000000, 1, 2, 0, 100, 0xfa000000, 0xf9ffffff, 0]);
  // iouring-buffer-refused: [type, vm_insert_pages, folio_mapcount, refcount after munmap]
  assert.deepEqual(shown('iouring-buffer-refused.yaml', 'baseline'), [0xffffffff, 0, 4, 1]);
  assert.deepEqual(shown('iouring-buffer-refused.yaml', 'notrmappable'), [0xfa000000, EINVAL, 0, 1]);
  assert.deepEqual(shown('iouring-buffer-refused.yaml', 'insert-order0-only'), [0xffffffff, EINVAL, 0, 1]);
});
