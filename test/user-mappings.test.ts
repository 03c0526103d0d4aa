/**
 * Kernel pages in user VMAs (vm_insert_pages) and GUP pins, under mainline:
 * references, mapcounts, rss and vmstat counters as the kernel keeps them,
 * the error codes, and what a corrupted mapcount makes zap print.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import type { Kernel } from '../src/kernel/kernel.js';
import { GFP_KERNEL, __GFP_COMP } from '../src/kernel/gfp.js';
import { MM_FILEPAGES, VM_MAYREAD, VM_READ, VM_WRITE, VM_MAYWRITE } from '../src/kernel/mm_types.js';
import { NR_FILE_MAPPED, NR_FOLL_PIN_ACQUIRED, NR_FOLL_PIN_RELEASED } from '../src/kernel/vmstat.js';
import { FOLL_LONGTERM, FOLL_WRITE } from '../src/kernel/gup.js';
import { checkMachine } from '../src/check/checker.js';
import { FAULT_FLAG_WRITE } from '../src/kernel/memory.js';

const EINVAL = -22;
const EBUSY = -16;
const EFAULT = -14;

function clean(k: Kernel): void {
  assert.deepEqual(checkMachine(k).violations.map((v) => `${v.checker}: ${v.what}`), []);
}

function deviceVma(k: Kernel, len: number, writable = true) {
  const mm = k.mm_alloc()!;
  const flags = VM_READ | VM_MAYREAD | (writable ? VM_WRITE | VM_MAYWRITE : 0);
  const a = k.mmap_file(mm, 0, len, flags, 'device');
  return { mm, a, vma: mm.find_vma(a)! };
}

test('vm_insert_pages maps a compound page: one reference and one file mapcount per page, MM_FILEPAGES, NR_FILE_MAPPED', () => {
  const k = machine();
  const buf = k.alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
  const { mm, a, vma } = deviceVma(k, 4 * 4096);
  assert.deepEqual(k.vm_insert_pages(vma, a, [buf, buf + 1, buf + 2, buf + 3]), [0, 0]);
  assert.equal(k.folio_ref_count(buf), 5);
  assert.equal(k.folio_mapcount(buf), 4);
  assert.equal(mm.rss_stat[MM_FILEPAGES], 4);
  assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 4);
  clean(k);
  // The pte is in use now.
  assert.deepEqual(k.vm_insert_pages(vma, a, [buf]), [EBUSY, 1]);
  assert.equal(k.do_vmi_munmap(mm, a, 4 * 4096), 0);
  assert.equal(k.folio_ref_count(buf), 1);
  assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 0);
  assert.equal(mm.rss_stat[MM_FILEPAGES], 0);
  clean(k);
});

test('validate_page_before_insert refuses typed, anonymous and unreferenced pages with -EINVAL; insert_pages stops at the first', () => {
  const k = machine();
  const { mm, a, vma } = deviceVma(k, 8 * 4096);
  const ok = k.alloc_pages(GFP_KERNEL, 0);
  const typed = k.alloc_pages(GFP_KERNEL, 0);
  k.__SetPageTable(typed);
  const frozen = k.alloc_frozen_pages(GFP_KERNEL, 0);
  assert.deepEqual(k.vm_insert_pages(vma, a, [ok, typed, ok]), [EINVAL, 2], 'the first page is mapped, the rest not');
  assert.equal(k.vm_insert_page(vma, a + 4096, frozen), EINVAL);
  const anon = k.do_mmap(mm, 0, 4096);
  k.handle_mm_fault(mm.find_vma(anon)!, anon, FAULT_FLAG_WRITE);
  const anonPage = k.entryPfn(k.walkToPte(mm, anon));
  assert.equal(k.vm_insert_page(vma, a + 8192, anonPage), EINVAL);
  assert.equal(k.vm_insert_page(vma, a + 8 * 4096, ok), EFAULT, 'outside the VMA');
  assert.equal(k.folio_mapcount(ok), 1);
  // A page typed PageTable behind the allocator's back is itself what the checker reports.
  assert.ok(checkMachine(k).violations.some((v) => /NR_PAGETABLE is \d+ pages but \d+ pages are typed PageTable/.test(v.what)));
  k.__ClearPageTable(typed);
  clean(k);
});

test('pin_user_pages: +1024 references on a small folio, +1 and _pincount on a THP; unpin undoes both and counts', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const small = k.do_mmap(mm, 0, 4096);
  const big = k.do_mmap(mm, 0, 2 * 2 ** 20);
  const pages: number[] = [];
  assert.equal(k.pin_user_pages(mm, small, 1, FOLL_WRITE | FOLL_LONGTERM, pages), 1, 'faults the page in first');
  const p = pages[0]!;
  assert.equal(k.folio_ref_count(p), 1 + 1024);
  assert.ok(k.folio_maybe_dma_pinned(p));
  assert.equal(k.pin_user_pages(mm, big + 8192, 2, FOLL_WRITE, pages), 2);
  const thp = k.page_folio(pages[1]!);
  assert.equal(k.folio_order(thp), 9);
  assert.equal(k.folio_ref_count(thp), 3);
  assert.equal(k.folio_pincount(thp), 2);
  assert.equal(k.global_node_page_state(NR_FOLL_PIN_ACQUIRED), 3);
  clean(k);
  k.unpin_user_pages(pages);
  assert.equal(k.folio_ref_count(p), 1);
  assert.equal(k.folio_ref_count(thp), 1);
  assert.equal(k.folio_pincount(thp), 0);
  assert.equal(k.folio_maybe_dma_pinned(p), false);
  assert.equal(k.global_node_page_state(NR_FOLL_PIN_RELEASED), 3);
  assert.equal(k.get_user_pages(mm, small, 1, 0, []), 1);
  assert.equal(k.folio_ref_count(p), 2, 'FOLL_GET: one reference');
  assert.equal(k.pin_user_pages(mm, 0x1000, 1, 0, []), EFAULT, 'no VMA');
  clean(k);
});

test('GUP refuses to write through a read-only VMA (-EFAULT) and never pins the zero page', () => {
  const k = machine();
  const { mm, a, vma } = deviceVma(k, 4096, false);
  const page = k.alloc_pages(GFP_KERNEL, 0);
  assert.equal(k.vm_insert_page(vma, a, page), 0);
  assert.equal(k.pin_user_pages(mm, a, 1, FOLL_WRITE, []), EFAULT);
  assert.equal(k.pin_user_pages(mm, a, 1, 0, []), 1);
  assert.equal(k.folio_ref_count(page), 2 + 1024);
  const anon = k.do_mmap(mm, 0, 4096);
  const pages: number[] = [];
  assert.equal(k.pin_user_pages(mm, anon, 1, 0, pages), 1, 'a read pin maps the zero page');
  assert.ok(k.is_zero_folio(pages[0]!));
  assert.equal(k.global_node_page_state(NR_FOLL_PIN_ACQUIRED), 1, 'the zero page is not counted');
});

test('zap of a page whose mapcount was lost prints "BUG: Bad page map" and drifts NR_FILE_MAPPED, as the kernel would', () => {
  const k = machine();
  const { mm, a, vma } = deviceVma(k, 4096);
  const page = k.alloc_pages(GFP_KERNEL, 0);
  k.vm_insert_page(vma, a, page);
  k.i32[page * k.PW + k.W_mapcount] = -1; // something overwrote the mapcount
  k.do_vmi_munmap(mm, a, 4096);
  const r = k.reports.find((x) => x.function === 'print_bad_page_map');
  assert.ok(r !== undefined);
  assert.match(r.text, /^BUG: Bad page map in process \S+ {2}pte:80000000[0-9a-f]{8}\n/);
  assert.match(r.text, /\npage dumped because: bad page map\n/);
  // The driver's file: its inode's i_data, in kernel data; pagesim's stand-in driver names itself.
  assert.match(r.text, /\naddr:[0-9a-f]{16} vm_flags:[0-9a-f]{8} anon_vma:0{16} mapping:ffff888[0-9a-f]{9} index:0\n/);
  assert.match(r.text, /\nfile:pagesim_dev fault:0x0 mmap:pagesim_dev_mmap mmap_prepare: 0x0 read_folio:0x0\n/);
  assert.equal(k.global_node_page_state(NR_FILE_MAPPED), 0, 'decremented from 1 by the unmap');
});
