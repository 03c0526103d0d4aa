/**
 * Scenario operations for address spaces, page tables, slab, RCU and the
 * direct map's attributes (page tables, slab and RCU issue; seed 003).
 *
 * Handles: an mm (`mm_alloc`), a kmem_cache (`kmem_cache_create`), a slab
 * object (`kmem_cache_alloc`) and a ptdesc (`pagetable_alloc`,
 * `page_ptdesc`) are kernel objects with real kernel addresses; a pgtable
 * (pgtable_t) is a page handle, as on x86 where pgtable_t is a struct page
 * pointer. Addresses in the direct map are written as pages (the argument
 * stands for page_address(page)); user addresses are integers, and an
 * address that `mmap` returned can be bound with `as:` and used in integer
 * expressions (`a + 4KiB`).
 */

import { defineMethodOp, defineOp, P, C, type HandleValue, type OpArgs } from './ops.js';
import type { Kernel } from '../kernel/kernel.js';
import { GFP_KERNEL, GFP_PGTABLE_USER } from '../kernel/gfp.js';
import { VM_DONTDUMP, VM_DONTEXPAND, VM_MAYREAD, VM_MAYWRITE, VM_READ, VM_WRITE, type MmStruct } from '../kernel/mm_types.js';
import { FOLL_NAMES, GUP_MAX_PAGES } from '../kernel/gup.js';
import { EFAULT, EINVAL, ENOMEM } from '../kernel/errno.js';
import { FAULT_FLAG_WRITE, VM_FAULT_SIGSEGV } from '../kernel/memory.js';
import { SCAN_VMA_NULL } from '../kernel/khugepaged.js';
import type { KmemCache } from '../kernel/slub.js';
import { InputError } from '../util/errors.js';
import { argBits } from '../scenario/cint.js';
import { hex16 } from '../kernel/vsprintf.js';
import { addPage, at, defineFuzz, h, ps, type GenApi, type HandleArg, type Need, type Obj } from '../fuzz/model.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const MM = 'address spaces and faults (mm/memory.c, mm/mmap.c, kernel/fork.c)';
const PT = 'page tables and ptdesc (include/linux/mm.h, mm/pgtable-generic.c)';
const THP = 'transparent huge pages (mm/huge_memory.c, mm/khugepaged.c)';
const SLAB = 'slab (mm/slub.c)';
const RCU = 'RCU (kernel/rcu/tree.c)';
const CPA = 'direct-map attributes (arch/x86/mm/pat/set_memory.c)';
const LRU = 'LRU (mm/swap.c)';


function mmHandle(k: Kernel, mm: MmStruct | null): HandleValue | null {
  return mm === null ? null : { kind: 'object', type: 'mm', id: mm.id, label: `mm ${hex16(k.kaddr(mm.obj))}` };
}

function objectHandle(k: Kernel, type: string, w: number): HandleValue | null {
  return w < 0 ? null : { kind: 'object', type, id: w, label: `${type} ${hex16(k.kaddr(w))}` };
}

/** The handle argument `name` as an object of `type`; a wrong kind of handle is bad input. */
function obj(a: OpArgs, name: string, type: string): HandleValue & { kind: 'object' } {
  const h = a[name];
  if (h === null || h === undefined) throw new InputError(`${name}: the handle is NULL`);
  if (typeof h !== 'object' || h.kind !== 'object' || h.type !== type) throw new InputError(`${name}: expected a ${type} handle, got ${typeof h === 'object' ? (h.kind === 'page' ? 'a page' : `a ${h.type}`) : String(h)}`);
  return h;
}

function mmArg(k: Kernel, a: OpArgs, name = 'mm'): MmStruct {
  const h = obj(a, name, 'mm');
  const mm = k.mms.get(h.id);
  if (mm === undefined) throw new InputError(`${name}: ${h.label} has been freed (mmput dropped its last user)`);
  return mm;
}

function cacheArg(k: Kernel, a: OpArgs): KmemCache {
  const h = obj(a, 'cache', 'kmem_cache');
  const c = k.kmemCaches.get(h.id);
  if (c === undefined || c.destroyed) throw new InputError(`cache: ${h.label} has been destroyed`);
  return c;
}

/** A pointer into slab or kernel memory: an object handle, or a page handle standing for page_address(page). */
function pointerArg(k: Kernel, a: OpArgs, name: string): number {
  const h = a[name];
  if (h !== null && typeof h === 'object' && h.kind === 'page') return k.pageContentsWord(h.pfn);
  return obj(a, name, 'object').id;
}

function vmaAt(mm: MmStruct, address: number) {
  return mm.find_vma(address);
}

// ---- address spaces ------------------------------------------------------------

defineOp({ name: 'mm_alloc', params: [], result: 'handle', group: MM, doc: 'A new address space (mm_struct from its slab cache, a PGD on pgd_list). NULL when out of memory.', run: (k) => mmHandle(k, k.mm_alloc()) });
defineOp({
  name: 'mmap',
  params: [P.handle('mm'), P.int('addr', C.unsigned_long, 0, 'a hint, used when that range is free; 0 lets the kernel choose'), P.int('len', C.unsigned_long)],
  result: 'int',
  group: MM,
  doc: 'Map anonymous private read-write memory (MAP_PRIVATE | MAP_ANONYMOUS, PROT_READ | PROT_WRITE). The address, or -errno. Lengths that are multiples of 2MiB get a 2MiB-aligned address, as the kernel gives them for THP.',
  run: (k, a) => k.do_mmap(mmArg(k, a), a['addr'] as number, a['len'] as number),
});
defineOp({ name: 'munmap', params: [P.handle('mm'), P.int('addr', C.unsigned_long), P.int('len', C.size_t)], result: 'errno', group: MM, doc: 'Unmap a range: zap, free the page tables only it used (after an RCU grace period), release the pages. 0 or -errno.', run: (k, a) => k.do_vmi_munmap(mmArg(k, a), a['addr'] as number, a['len'] as number) });
defineOp({
  name: 'handle_mm_fault',
  params: [P.handle('mm'), P.int('address', C.unsigned_long), P.bool('write', false)],
  result: 'int',
  group: MM,
  doc: 'A page fault at address: the zero page for a read, a new folio for a write, a PMD-mapped THP where the VMA allows one. 0 or VM_FAULT_* bits (VM_FAULT_SIGSEGV = 0x40 when no VMA covers address, as the arch fault handler decides before calling handle_mm_fault).',
  run(k, a) {
    const mm = mmArg(k, a);
    const address = a['address'] as number;
    const vma = vmaAt(mm, address);
    if (vma === null) return VM_FAULT_SIGSEGV;
    return k.handle_mm_fault(vma, address, a['write'] ? FAULT_FLAG_WRITE : 0);
  },
});
defineOp({ name: 'mmput', params: [P.handle('mm')], result: 'void', group: MM, doc: 'Drop a user of the mm; the last one unmaps everything, frees the page tables and the PGD, and runs check_mm().', run: (k, a) => k.mmput(mmArg(k, a)) });
defineOp({
  name: 'get_mm_counter',
  params: [P.handle('mm'), P.string('member', 'MM_ANONPAGES')],
  result: 'int',
  group: MM,
  doc: 'An rss counter of the mm: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS or MM_SHMEMPAGES.',
  run(k, a) {
    const names = ['MM_FILEPAGES', 'MM_ANONPAGES', 'MM_SWAPENTS', 'MM_SHMEMPAGES'];
    const i = names.indexOf(a['member'] as string);
    if (i < 0) throw new InputError(`member: expected one of ${names.join(', ')}`);
    return k.get_mm_counter(mmArg(k, a), i);
  },
});
defineOp({ name: 'mm_pgtables_bytes', params: [P.handle('mm')], result: 'int', group: MM, doc: 'Bytes of page tables charged to the mm.', run: (k, a) => mmArg(k, a).pgtables_bytes });

// ---- page tables -------------------------------------------------------------------

defineOp({ name: 'pte_alloc_one', params: [P.handle('mm')], result: 'page', group: PT, doc: 'A PTE table page for the mm (pgtable_t), constructed (ptlock, PageTable, NR_PAGETABLE) but not installed.', run: (k, a) => k.pte_alloc_one(mmArg(k, a)) });
defineOp({ name: 'pte_free', params: [P.handle('mm'), P.page('pgtable')], result: 'void', group: PT, doc: 'Destroy and free a PTE table at once.', run: (k, a) => k.pte_free(mmArg(k, a), a['pgtable'] as number) });
defineOp({ name: 'pte_free_defer', params: [P.handle('mm'), P.page('pgtable')], result: 'void', group: PT, doc: 'Free a PTE table after an RCU grace period: call_rcu() on the page\'s rcu_head with pte_free_now.', run: (k, a) => k.pte_free_defer(mmArg(k, a), a['pgtable'] as number) });
defineOp({ name: 'pte_free_now', params: [P.page('pgtable')], result: 'void', group: PT, doc: 'The RCU callback of pte_free_defer, run directly on the page\'s rcu_head.', run: (k, a) => k.pte_free_now((a['pgtable'] as number) * k.PW + k.pageWord('rcu_head.next')) });
defineOp({ name: 'pagetable_alloc', params: [P.gfp('gfp', GFP_PGTABLE_USER), P.int('order', C.unsigned_int, 0)], result: 'handle', group: PT, doc: 'Pages for page tables and their ptdesc (the struct page itself in mainline). NULL on failure.', run: (k, a) => objectHandle(k, 'ptdesc', k.pagetable_alloc(a['gfp'] as number, a['order'] as number)) });
defineOp({ name: 'pagetable_free', params: [P.handle('ptdesc')], result: 'void', group: PT, doc: 'Free the pages of a ptdesc (and, where it is separate, the ptdesc).', run: (k, a) => k.pagetable_free(obj(a, 'ptdesc', 'ptdesc').id) });
defineOp({ name: 'pagetable_dtor_free', params: [P.handle('ptdesc')], result: 'void', group: PT, doc: 'pagetable_dtor() then pagetable_free().', run: (k, a) => k.pagetable_dtor_free(obj(a, 'ptdesc', 'ptdesc').id) });
defineOp({ name: 'pagetable_pte_ctor', params: [P.handle('mm'), P.handle('ptdesc')], result: 'bool', group: PT, doc: 'The PTE-table constructor: ptlock, PageTable, NR_PAGETABLE.', run: (k, a) => k.pagetable_pte_ctor(mmArg(k, a), obj(a, 'ptdesc', 'ptdesc').id) });
defineOp({ name: 'ptdesc_page', params: [P.handle('ptdesc')], result: 'page', group: PT, doc: 'The page a ptdesc describes.', run: (k, a) => k.ptdesc_page(obj(a, 'ptdesc', 'ptdesc').id) });
defineOp({ name: 'page_ptdesc', params: [P.page()], result: 'handle', group: PT, doc: 'The ptdesc of a page-table page (a cast in mainline; a memdesc lookup that BUGs on a wrong type under the memdesc variants).', run: (k, a) => objectHandle(k, 'ptdesc', k.page_ptdesc(a['page'] as number)) });
defineOp({ name: 'virt_to_ptdesc', params: [P.page('x', 'the table\'s address, written as its page (page_address)')], result: 'handle', group: PT, doc: 'The ptdesc of the page holding x.', run: (k, a) => objectHandle(k, 'ptdesc', k.virt_to_ptdesc(k.pageContentsWord(a['x'] as number))) });
defineOp({
  name: 'pgtable_trans_huge_deposit',
  params: [P.handle('mm'), P.int('address', C.unsigned_long), P.page('pgtable')],
  result: 'void',
  group: THP,
  doc: 'Deposit a PTE table under the PMD that maps address (allocating the upper tables as a fault would).',
  run(k, a) {
    const mm = mmArg(k, a);
    const pmd = k.pmdForAddress(mm, a['address'] as number);
    if (pmd < 0) throw new InputError('pgtable_trans_huge_deposit: out of memory for the upper page tables');
    k.pgtable_trans_huge_deposit(mm, pmd, a['pgtable'] as number);
  },
});
defineOp({
  name: 'pgtable_trans_huge_withdraw',
  params: [P.handle('mm'), P.int('address', C.unsigned_long)],
  result: 'page',
  group: THP,
  doc: 'Withdraw the PTE table pmd_huge_pte points at under the PMD that maps address (the newest deposit, then the oldest, as list_add() orders them); NULL when none is.',
  run(k, a) {
    const mm = mmArg(k, a);
    const pmd = k.walkToPmd(mm, a['address'] as number);
    return pmd < 0 ? -1 : k.pgtable_trans_huge_withdraw(mm, pmd);
  },
});
defineOp({
  name: 'split_huge_pmd',
  params: [P.handle('mm'), P.int('address', C.unsigned_long)],
  result: 'void',
  group: THP,
  doc: 'Split the huge PMD mapping address into 512 pte mappings through its deposited table (nothing if it is not PMD-mapped).',
  run(k, a) {
    const mm = mmArg(k, a);
    const address = a['address'] as number;
    const vma = vmaAt(mm, address);
    const pmd = k.walkToPmd(mm, address);
    if (vma === null || pmd < 0) return;
    k.__split_huge_pmd(vma, pmd, address);
  },
});
defineOp({
  name: 'collapse_pte_mapped_thp',
  params: [P.handle('mm'), P.int('addr', C.unsigned_long)],
  result: 'int',
  group: THP,
  doc: 'Map by a PMD again a THP that a full PTE table maps, retracting that table with pte_free_defer() (khugepaged). 1 (SCAN_SUCCEED) or the scan_result that stopped it.',
  run(k, a) {
    const mm = mmArg(k, a);
    return mm.vmas.length === 0 ? SCAN_VMA_NULL : k.collapse_pte_mapped_thp(mm, a['addr'] as number);
  },
});

// ---- RCU -------------------------------------------------------------------------------

defineMethodOp(RCU, 'synchronize_rcu', [], 'void', 'End a grace period: the callbacks queued so far run, in order, per CPU, from the RCU softirq.');
defineMethodOp(RCU, 'rcu_barrier', [], 'void', 'Wait until every callback queued so far has run.');

// ---- slab ---------------------------------------------------------------------------------

defineOp({
  name: 'kmem_cache_create',
  params: [P.string('name'), P.int('size', C.unsigned_int), P.int('align', C.unsigned_int, 8)],
  result: 'handle',
  group: SLAB,
  doc: 'A slab cache of objects of size bytes.',
  run(k, a) {
    const size = a['size'] as number;
    const align = a['align'] as number;
    if (size < 1 || size > 8192) throw new InputError('kmem_cache_create: size must be between 1 and 8192 (pagesim models caches of objects up to two pages)');
    if (align < 1 || align > 4096 || (align & (align - 1)) !== 0) throw new InputError('kmem_cache_create: align must be a power of two up to 4096');
    const c = k.kmem_cache_create(a['name'] as string, size, align);
    return { kind: 'object', type: 'kmem_cache', id: c.word, label: `kmem_cache ${c.name}` };
  },
});
defineOp({ name: 'kmem_cache_alloc', params: [P.handle('cache'), P.gfp('gfp', GFP_KERNEL)], result: 'handle', group: SLAB, doc: 'An object from the cache, at its direct-map address. NULL on failure.', run: (k, a) => objectHandle(k, 'object', k.kmem_cache_alloc(cacheArg(k, a), a['gfp'] as number)) });
defineOp({
  name: 'kmem_cache_free',
  params: [P.handle('cache'), P.handle('object')],
  result: 'void',
  group: SLAB,
  doc: 'Free an object (an object handle, or a page standing for its page_address) back to its slab.',
  run: (k, a) => k.kmem_cache_free(cacheArg(k, a), pointerArg(k, a, 'object')),
});
defineOp({ name: 'kmem_cache_destroy', params: [P.handle('cache')], result: 'void', group: SLAB, doc: 'Destroy a cache; its empty slabs go back to the page allocator.', run: (k, a) => k.kmem_cache_destroy(cacheArg(k, a)) });
defineOp({ name: 'virt_to_page', params: [P.handle('object')], result: 'page', group: SLAB, doc: 'The page holding an object.', run: (k, a) => k.virt_to_pfn(pointerArg(k, a, 'object')) });

// ---- direct map ----------------------------------------------------------------------------

for (const [name, doc] of [
  ['set_memory_4k', 'Split the direct map down to 4KiB pages over the range, marking the ptes _PAGE_KERNEL_4K so they are never collapsed.'],
  ['set_memory_ro', 'Make the range read-only, splitting large pages as needed (split_large_page takes a page from alloc_pages).'],
  ['set_memory_rw', 'Make the range writable.'],
  ['set_memory_nx', 'Make the range non-executable.'],
  ['set_memory_x', 'Make the range executable.'],
  ['set_memory_rox', 'Read-only and executable, then collapse every 2MiB range whose 512 ptes are alike into a large page again (CPA_COLLAPSE); the freed tables go through page_ptdesc(...)->pt_list.'],
] as const) {
  defineOp({ name, params: [P.page('addr', 'the first page of the range (its page_address)'), P.int('numpages', C.int, 1)], result: 'errno', group: CPA, doc: `${doc} 0 or -errno.`, run: (k, a) => (k as unknown as Record<string, (p: number, n: number) => number>)[name]!.call(k, a['addr'] as number, a['numpages'] as number) });
}

// ---- LRU ------------------------------------------------------------------------------------

defineMethodOp(LRU, 'folio_add_lru', [P.page('folio')], 'void', 'Put a folio on its node\'s LRU (PG_lru, linked through folio->lru).');

// ---- kernel pages in user VMAs, GUP --------------------------------------------

const USER = 'user mappings of kernel pages and GUP (mm/memory.c, mm/gup.c)';

/** Pins taken by pin_user_pages steps, per machine, so unpin_user_pages releases the same pages. */
const pins = new WeakMap<Kernel, Map<string, number[]>>();

/** Forgets the pins a machine's steps took (the fuzzer puts a kept machine back to its boot state). */
export function forgetPins(k: Kernel): void {
  pins.delete(k);
}

function gupFlags(text: string): number {
  let f = 0;
  for (const part of text.split('|').map((x) => x.trim())) {
    if (part === '' || part === '0') continue;
    const v = FOLL_NAMES.get(part);
    if (v === undefined) throw new InputError(`gup_flags: unknown flag "${part}" (known: ${[...FOLL_NAMES.keys()].join(', ')}, joined by |)`);
    f |= v;
  }
  return f;
}

function vmaArg(k: Kernel, a: OpArgs, addrName: string) {
  void k;
  return (mm: MmStruct) => mm.find_vma(a[addrName] as number);
}

defineOp({
  name: 'mmap_device',
  params: [P.handle('mm'), P.int('addr', C.unsigned_long, 0, 'a hint'), P.int('len', C.unsigned_long)],
  result: 'int',
  group: USER,
  doc: 'mmap() of a driver file that hands out kernel pages with vm_insert_pages() (an io_uring ring, a device buffer): MAP_SHARED, read-write, VM_DONTEXPAND. The address, or -errno.',
  run: (k, a) => k.mmap_file(mmArg(k, a), a['addr'] as number, a['len'] as number, VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_DONTEXPAND | VM_DONTDUMP, 'device'),
});
defineOp({
  name: 'vm_insert_pages',
  params: [P.handle('mm'), P.int('addr', C.unsigned_long), P.page(), P.int('num', C.unsigned_long, 1)],
  result: 'errno',
  group: USER,
  doc: 'Map num consecutive pages from page (the pages of a compound page, say) at addr in the VMA there. 0, or the first error (-EINVAL for a page that must not be mapped, -EBUSY for a pte in use, -EFAULT outside the VMA).',
  run(k, a) {
    const mm = mmArg(k, a);
    const vma = vmaArg(k, a, 'addr')(mm);
    if (vma === null) return -EFAULT;
    const num = a['num'] as number;
    if (num < 1 || num > 512) throw new InputError('vm_insert_pages: num must be between 1 and 512');
    const first = a['page'] as number;
    if (first + num > k.nr_pages) throw new InputError('vm_insert_pages: the pages run past the end of the memmap');
    return k.vm_insert_pages(vma, a['addr'] as number, Array.from({ length: num }, (_, i) => first + i))[0];
  },
});
defineOp({
  name: 'vm_insert_page',
  params: [P.handle('mm'), P.int('addr', C.unsigned_long), P.page()],
  result: 'errno',
  group: USER,
  doc: 'Map one page at addr. 0 or -errno.',
  run(k, a) {
    const mm = mmArg(k, a);
    const vma = vmaArg(k, a, 'addr')(mm);
    return vma === null ? -EFAULT : k.vm_insert_page(vma, a['addr'] as number, a['page'] as number);
  },
});
defineOp({
  name: 'madvise_dontneed',
  params: [P.handle('mm'), P.int('addr', C.unsigned_long), P.int('len', C.size_t)],
  result: 'errno',
  group: USER,
  doc: 'madvise(MADV_DONTNEED): zap the range (the pages are released after the TLB flush; the page tables stay). 0 (also for len 0), -EINVAL for a misaligned address or a range past 2^64, -ENOMEM for a range with no VMA.',
  run(k, a) {
    const mm = mmArg(k, a);
    // is_valid_madvise() on the exact 64-bit values: a misaligned start, a length that
    // PAGE_ALIGN() wraps to 0, or a range that wraps past 2^64 is -EINVAL; an empty one is 0.
    const startBits = argBits(a, 'addr');
    const lenIn = argBits(a, 'len');
    const lenBits = BigInt.asUintN(64, lenIn + 0xfffn) & ~0xfffn;
    if ((startBits & 0xfffn) !== 0n || (lenIn !== 0n && lenBits === 0n) || startBits + lenBits >= 1n << 64n) return -EINVAL;
    if (lenBits === 0n) return 0;
    const start = Number(startBits);
    const len = Number(lenBits);
    let touched = false;
    for (const vma of [...mm.vmas]) {
      const s = Math.max(start, vma.vm_start);
      const e = Math.min(start + len, vma.vm_end);
      if (s >= e) continue;
      touched = true;
      k.zap_page_range_single(vma, s, e - s);
    }
    return touched ? 0 : -ENOMEM;
  },
});
defineOp({
  name: 'pin_user_pages',
  params: [P.handle('mm'), P.int('start', C.unsigned_long), P.int('nr_pages', C.unsigned_long, 1), P.string('gup_flags', '0')],
  result: 'int',
  group: USER,
  doc: 'FOLL_PIN nr_pages pages from start (faulting in what is missing): a small folio gains 1024 references, a large one 1 reference and 1 _pincount. The number pinned, or -errno when none was. gup_flags: FOLL_WRITE, FOLL_LONGTERM, FOLL_FORCE joined by |.',
  run(k, a) {
    const mm = mmArg(k, a);
    const nr = a['nr_pages'] as number;
    if (nr < 1 || nr > GUP_MAX_PAGES) throw new InputError(`pin_user_pages: nr_pages must be between 1 and ${GUP_MAX_PAGES}`);
    const pages: number[] = [];
    const ret = k.pin_user_pages(mm, a['start'] as number, nr, gupFlags(a['gup_flags'] as string), pages);
    if (!pins.has(k)) pins.set(k, new Map());
    const key = `${mm.id}:${a['start'] as number}`;
    pins.get(k)!.set(key, [...(pins.get(k)!.get(key) ?? []), ...pages]);
    return ret;
  },
});
defineOp({
  name: 'unpin_user_pages',
  params: [P.handle('mm'), P.int('start', C.unsigned_long), P.int('nr_pages', C.unsigned_long, 1)],
  result: 'void',
  group: USER,
  doc: 'Release up to nr_pages pins that pin_user_pages steps took from start (the same pages, wherever they are mapped now; fewer when fewer were pinned, as when the pin failed under a variant).',
  run(k, a) {
    const mm = mmArg(k, a);
    const key = `${mm.id}:${a['start'] as number}`;
    const held = pins.get(k)?.get(key) ?? [];
    k.unpin_user_pages(held.splice(0, a['nr_pages'] as number));
  },
});
defineOp({
  name: 'get_user_pages',
  params: [P.handle('mm'), P.int('start', C.unsigned_long), P.int('nr_pages', C.unsigned_long, 1), P.string('gup_flags', '0')],
  result: 'int',
  group: USER,
  doc: 'FOLL_GET nr_pages pages from start: one reference each (drop them with put_page). The number taken, or -errno.',
  run(k, a) {
    const nr = a['nr_pages'] as number;
    if (nr < 1 || nr > GUP_MAX_PAGES) throw new InputError(`get_user_pages: nr_pages must be between 1 and ${GUP_MAX_PAGES}`);
    return k.get_user_pages(mmArg(k, a), a['start'] as number, nr, gupFlags(a['gup_flags'] as string), []);
  },
});
defineOp({ name: 'folio_maybe_dma_pinned', params: [P.page()], result: 'bool', group: USER, doc: 'Whether the folio may be pinned: _pincount > 0 for a large folio, 1024 or more references for a small one.', run: (k, a) => k.folio_maybe_dma_pinned(k.page_folio(a['page'] as number)) });
defineOp({ name: 'folio_pincount', params: [P.page()], result: 'int', group: USER, doc: 'The _pincount of a large folio.', run: (k, a) => k.folio_pincount(k.page_folio(a['page'] as number)) });

// ---- what the fuzzer may call (src/fuzz/model.ts) ------------------------------------------
// A vma object is one mmap's range: {mm, len, kind: anon | device | tcp, slots (device: a
// character per page, 'x' where vm_insert_page(s) mapped one, for the pages' names in maps),
// maps (the names of the pages mapped there), pins ('off:nr' for each pin_user_pages)}.

const PAGE = 4096;
const LENS = [2 * MiB, 16 * KiB, 4 * KiB, 64 * KiB, 4 * MiB] as const;
const vmaOf = (kind: string): Need => ({ kind: 'vma', where: (o) => o.s['kind'] === kind });
const mmName = (v: Obj): HandleArg => h(v.s['mm'] as string);
/** An offset into a mapping: its start more often than not, where faults, splits and inserts collide. */
function offIn(g: GenApi, v: Obj, pages = 1): number {
  const n = (v.s['len'] as number) / PAGE - pages + 1;
  return n <= 1 || g.chance(0.55) ? 0 : g.int(n) * PAGE;
}
/** The pages a mapping held with vm_insert_page(s) lose that mapping (munmap, mmput, zap). */
function unmapInserted(g: GenApi, v: Obj): void {
  const maps = v.s['maps'] as string;
  if (maps === '') return;
  for (const name of maps.split(',')) {
    const p = g.live('page').find((o) => o.name === name);
    if (p === undefined) continue;
    ps(p).mapped--;
    if (ps(p).mapped === 0 && ps(p).refs === 0) g.drop(p);
  }
  v.s['maps'] = '';
  v.s['slots'] = '.'.repeat((v.s['len'] as number) / PAGE);
}
function dropVma(g: GenApi, v: Obj): void {
  unmapInserted(g, v);
  g.drop(v);
}
const mmBusy = (g: GenApi, mm: Obj): boolean => g.live('page').some((p) => ps(p).pgtable && p.s['mm'] === mm.name) || g.live('ptdesc').some((d) => d.s['mm'] === mm.name) || g.live('vma').some((v) => v.s['mm'] === mm.name && v.s['pins'] !== '');
function addVma(g: GenApi, as: string, mm: string, len: number, kind: string): void {
  g.add('vma', as, { mm, len, kind, maps: '', slots: '.'.repeat(len / PAGE), pins: '' });
}

defineFuzz('mm_alloc', { gives: 'm', when: (g) => g.live('mm').length < 2, effect: (g, _p, as) => void g.add('mm', as!, {}) });
defineFuzz('mmap', { weight: 2, gives: 'a', needs: { mm: { kind: 'mm' } }, when: (g) => g.live('vma').length < 4, args: (g) => ({ addr: 0, len: g.biased(LENS) }), effect: (g, p, as, a) => addVma(g, as!, p['mm']!.name, a['len'] as number, 'anon') });
defineFuzz('mmap_device', { gives: 'a', needs: { mm: { kind: 'mm' } }, when: (g) => g.live('vma').length < 4, args: (g) => ({ addr: 0, len: g.biased([16 * KiB, 64 * KiB, 2 * MiB]) }), effect: (g, p, as, a) => addVma(g, as!, p['mm']!.name, a['len'] as number, 'device') });
defineFuzz('handle_mm_fault', { weight: 4, needs: { vma: vmaOf('anon') }, args: (g, p) => ({ mm: mmName(p['vma']!), address: at(p['vma']!, offIn(g, p['vma']!)), write: g.chance(0.7) }), diff: 'value' });
defineFuzz('madvise_dontneed', {
  needs: { vma: { kind: 'vma' } },
  args(g, p) {
    const v = p['vma']!;
    if (v.s['kind'] !== 'anon') return { mm: mmName(v), addr: at(v), len: v.s['len'] as number };
    const off = offIn(g, v);
    return { mm: mmName(v), addr: at(v, off), len: g.chance(0.5) ? (v.s['len'] as number) - off : PAGE };
  },
  effect: (g, p) => unmapInserted(g, p['vma']!),
  diff: 'errno',
});
defineFuzz('munmap', { needs: { vma: { kind: 'vma', where: (o) => o.s['pins'] === '' } }, args: (_g, p) => ({ mm: mmName(p['vma']!), addr: at(p['vma']!), len: p['vma']!.s['len'] as number }), effect: (g, p) => dropVma(g, p['vma']!), diff: 'errno' });
defineFuzz('mmput', {
  weight: 0.5,
  needs: { mm: { kind: 'mm', where: (o, g) => !mmBusy(g, o) } },
  effect(g, p) {
    const mm = p['mm']!;
    for (const v of g.live('vma').filter((x) => x.s['mm'] === mm.name)) dropVma(g, v);
    g.drop(mm);
  },
});
defineFuzz('get_mm_counter', { weight: 0.3, needs: { mm: { kind: 'mm' } }, args: (g) => ({ member: g.oneOf(['MM_ANONPAGES', 'MM_FILEPAGES']) }), diff: 'value' });
defineFuzz('split_huge_pmd', { weight: 2, needs: { vma: vmaOf('anon') }, args: (g, p) => ({ mm: mmName(p['vma']!), address: at(p['vma']!, offIn(g, p['vma']!)) }) });
defineFuzz('collapse_pte_mapped_thp', { weight: 2, needs: { vma: { kind: 'vma', where: (o) => o.s['kind'] === 'anon' && (o.s['len'] as number) >= 2 * MiB } }, args: (g, p) => ({ mm: mmName(p['vma']!), addr: at(p['vma']!, g.chance(0.8) ? 0 : 2 * MiB * g.int((p['vma']!.s['len'] as number) / (2 * MiB))) }), diff: 'value' });
defineFuzz('get_user_page_vma_remote', { gives: 'g', needs: { vma: vmaOf('anon') }, args: (g, p) => ({ mm: mmName(p['vma']!), addr: at(p['vma']!, offIn(g, p['vma']!)), gup_flags: g.oneOf(['0', 'FOLL_WRITE']) }), effect: (g, _p, as) => void addPage(g, as!, { release: 'put-any' }) });
defineFuzz('pin_user_pages', {
  needs: { vma: { kind: 'vma', where: (o) => o.s['kind'] === 'anon' && (o.s['pins'] as string).split(' ').length < 4 } },
  args(g, p) {
    const v = p['vma']!;
    const nr = Math.min(g.biased([1, 2, 4]), (v.s['len'] as number) / PAGE);
    return { mm: mmName(v), start: at(v, offIn(g, v, nr)), nr_pages: nr, gup_flags: g.oneOf(['FOLL_WRITE', 'FOLL_WRITE | FOLL_LONGTERM', '0']) };
  },
  effect(_g, p, _as, a) {
    const v = p['vma']!;
    const pin = `${(a['start'] as { add: number }).add}:${a['nr_pages'] as number}`;
    v.s['pins'] = v.s['pins'] === '' ? pin : `${v.s['pins'] as string} ${pin}`;
  },
  diff: 'value',
});
defineFuzz('unpin_user_pages', {
  needs: { vma: { kind: 'vma', where: (o) => o.s['pins'] !== '' } },
  args(_g, p) {
    const v = p['vma']!;
    const [off, nr] = (v.s['pins'] as string).split(' ')[0]!.split(':').map(Number) as [number, number];
    return { mm: mmName(v), start: at(v, off), nr_pages: nr };
  },
  effect: (_g, p) => void (p['vma']!.s['pins'] = (p['vma']!.s['pins'] as string).split(' ').slice(1).join(' ')),
});
/** A page a driver may map into a user VMA: its own allocation (order 0, or a whole folio), untyped, not a page table. */
const INSERTABLE: Need = { kind: 'page', where: (o) => ps(o).refs >= 1 && ps(o).type === null && !ps(o).pgtable && ps(o).release !== 'pool' && ps(o).release !== 'frozen' && (ps(o).order === 0 || ps(o).compound) && ps(o).order <= 4 };
function insertAt(g: GenApi, v: Obj, n: number): number {
  const slots = v.s['slots'] as string;
  const free: number[] = [];
  for (let i = 0; i + n <= slots.length; i++) if (!slots.slice(i, i + n).includes('x')) free.push(i);
  return free.length === 0 ? -1 : g.chance(0.6) ? free[0]! : g.oneOf(free);
}
function markInserted(v: Obj, page: Obj, at0: number, n: number): void {
  const slots = v.s['slots'] as string;
  v.s['slots'] = slots.slice(0, at0) + 'x'.repeat(n) + slots.slice(at0 + n);
  v.s['maps'] = v.s['maps'] === '' ? page.name : `${v.s['maps'] as string},${page.name}`;
  ps(page).mapped++;
}
defineFuzz('vm_insert_page', {
  weight: 2,
  needs: { vma: vmaOf('device'), page: { kind: 'page', where: (o, g) => INSERTABLE.where!(o, g) && ps(o).order === 0 } },
  args(g, p) {
    const i = insertAt(g, p['vma']!, 1);
    return i < 0 ? null : { mm: mmName(p['vma']!), addr: at(p['vma']!, i * PAGE) };
  },
  effect: (_g, p, _as, a) => markInserted(p['vma']!, p['page']!, (a['addr'] as { add: number }).add / PAGE, 1),
  diff: 'errno',
});
defineFuzz('vm_insert_pages', {
  weight: 2,
  needs: { vma: vmaOf('device'), page: INSERTABLE },
  args(g, p) {
    const n = 1 << ps(p['page']!).order;
    const i = insertAt(g, p['vma']!, n);
    return i < 0 ? null : { mm: mmName(p['vma']!), addr: at(p['vma']!, i * PAGE), num: n };
  },
  effect: (_g, p, _as, a) => markInserted(p['vma']!, p['page']!, (a['addr'] as { add: number }).add / PAGE, a['num'] as number),
  diff: 'errno',
});

// Page tables: a PTE table page (pgtable_t) for an mm, and a ptdesc constructed and destroyed by hand.
const PGTABLE: Need = { kind: 'page', where: (o) => ps(o).pgtable };
defineFuzz('pte_alloc_one', { needs: { mm: { kind: 'mm' } }, gives: 't', when: (g) => g.live('page').filter((o) => ps(o).pgtable).length < 3, effect: (g, p, as) => void Object.assign(addPage(g, as!, { release: 'pgtable', pgtable: true }).s, { mm: p['mm']!.name }) });
defineFuzz('pte_free', { needs: { pgtable: PGTABLE }, args: (_g, p) => ({ mm: h(p['pgtable']!.s['mm'] as string) }), effect: (g, p) => g.drop(p['pgtable']!) });
defineFuzz('pte_free_defer', { needs: { pgtable: PGTABLE }, args: (_g, p) => ({ mm: h(p['pgtable']!.s['mm'] as string) }), effect: (g, p) => g.drop(p['pgtable']!) });
defineFuzz('page_ptdesc', { weight: 0.5, needs: { page: PGTABLE } });
defineFuzz('pagetable_alloc', { gives: 'd', when: (g) => g.live('ptdesc').length < 3, args: (g) => ({ gfp: { gfp: 'GFP_PGTABLE_USER' }, order: g.biased([0, 0, 1]) }), effect: (g, _p, as) => void g.add('ptdesc', as!, { mm: null }) });
defineFuzz('pagetable_pte_ctor', { needs: { mm: { kind: 'mm' }, ptdesc: { kind: 'ptdesc', where: (o) => o.s['mm'] === null } }, effect: (_g, p) => void (p['ptdesc']!.s['mm'] = p['mm']!.name), diff: 'value' });
defineFuzz('pagetable_free', { needs: { ptdesc: { kind: 'ptdesc', where: (o) => o.s['mm'] === null } }, effect: (g, p) => g.drop(p['ptdesc']!) });
defineFuzz('pagetable_dtor_free', { needs: { ptdesc: { kind: 'ptdesc', where: (o) => o.s['mm'] !== null } }, effect: (g, p) => g.drop(p['ptdesc']!) });
defineFuzz('ptdesc_page', { weight: 0.3, needs: { ptdesc: { kind: 'ptdesc' } } });

defineFuzz('synchronize_rcu', { weight: 1.5 });
defineFuzz('rcu_barrier', { weight: 0.3 });

// Slab: at most two caches, objects freed to the cache they came from, a cache destroyed once empty.
defineFuzz('kmem_cache_create', { gives: 'c', when: (g) => g.live('cache').length < 2, args: (g) => ({ name: g.fresh('fuzz_cache'), size: g.biased([64, 192, 32, 1024, 4096]), align: 8 }), effect: (g, _p, as) => void g.add('cache', as!, {}) });
defineFuzz('kmem_cache_alloc', { weight: 2, gives: 'o', needs: { cache: { kind: 'cache' } }, when: (g) => g.live('object').length < 12, args: () => ({ gfp: { gfp: 'GFP_KERNEL' } }), effect: (g, p, as) => void g.add('object', as!, { cache: p['cache']!.name }) });
defineFuzz('kmem_cache_free', { weight: 2, needs: { object: { kind: 'object' } }, args: (_g, p) => ({ cache: h(p['object']!.s['cache'] as string) }), effect: (g, p) => g.drop(p['object']!) });
defineFuzz('kmem_cache_destroy', { needs: { cache: { kind: 'cache', where: (o, g) => !g.live('object').some((x) => x.s['cache'] === o.name) } }, effect: (g, p) => g.drop(p['cache']!) });
defineFuzz('virt_to_page', { weight: 0.3, needs: { object: { kind: 'object' } } });

// The direct map: splitting it to 4KiB and toggling NX over pages the program owns.
for (const name of ['set_memory_4k', 'set_memory_nx', 'set_memory_x']) defineFuzz(name, { weight: 0.5, needs: { addr: { kind: 'page', where: (o) => ps(o).refs >= 1 && ps(o).release === 'free' && !ps(o).pgtable } }, args: (_g, p) => ({ numpages: 1 << ps(p['addr']!).order }), diff: 'errno' });
