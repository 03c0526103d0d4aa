/**
 * Address spaces (kernel/fork.c mm_alloc/mmput/__mmdrop, mm/mmap.c and
 * mm/vma.c mmap/munmap, exit_mmap), for anonymous private read-write
 * memory.
 *
 * mm_struct, vm_area_struct and anon_vma objects come from slab caches of
 * those names; VMAs are kept sorted (the kernel's maple tree only makes
 * lookups fast) and merge with an adjacent VMA of the same flags, as
 * vma_merge_new_range() does for fresh anonymous mappings. Unmapping zaps
 * the range, frees the page tables only the range used (free_pgtables with
 * the neighbours as floor and ceiling) and releases the pages after the TLB
 * flush; the tables themselves are freed after an RCU grace period.
 */

import { hashPointer } from './vsprintf.js';
import { PAGE_SIZE } from './config.js';
import { GFP_KERNEL, __GFP_ZERO } from './gfp.js';
import { Khugepaged } from './khugepaged.js';
import { PMD_SIZE, TASK_SIZE } from './pgtable.js';
import { EINVAL, ENOMEM } from './errno.js';
import { MM_COUNTER_NAMES, MM_STRUCT_SIZE, MmStruct, NR_MM_COUNTERS, VM_ACCOUNT, VM_AREA_STRUCT_SIZE, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED, VM_WRITE, VmAreaStruct, type VmOps } from './mm_types.js';
import { declareSymbols } from './symbols.js';
import type { KmemCache } from './slub.js';

declareSymbols('kernel/fork.c', ['mm_alloc', 'mm_init', 'mmput', '__mmput', '__mmdrop', 'mmdrop', 'check_mm', 'mm_alloc_pgd', 'mm_free_pgd']);
declareSymbols('mm/mmap.c', ['do_mmap', 'mmap_region', 'exit_mmap', 'get_unmapped_area']);
declareSymbols('mm/vma.c', ['do_vmi_munmap', 'do_vmi_align_munmap', 'unmap_region', '__split_vma', 'vm_area_free', 'remove_vma']);

/** FIRST_USER_ADDRESS and USER_PGTABLES_CEILING on x86: 0, and 0 for "no ceiling". */
const FIRST_USER_ADDRESS = 0;
const USER_PGTABLES_CEILING = 0;

/** struct vma_munmap_struct, the part pagesim keeps: the VMAs being unmapped and their neighbours. */
export interface MunmapVmas {
  readonly vmas: readonly VmAreaStruct[];
  readonly prev: VmAreaStruct | null;
  readonly next: VmAreaStruct | null;
}

/** vm.max_map_count */
export const DEFAULT_MAX_MAP_COUNT = 65530;
/** How many mm_structs a scenario may have alive at once. */
export const MAX_MMS = 4096;

export abstract class Mmap extends Khugepaged {
  protected mm_cachep: KmemCache | null = null;
  protected vm_area_cachep: KmemCache | null = null;
  /** Live address spaces by id (mm handles). */
  readonly mms = new Map<number, MmStruct>();
  private nextMmId = 1;

  override boot(): void {
    super.boot();
    this.mm_cachep = this.kmem_cache_create('mm_struct', MM_STRUCT_SIZE, 64);
    this.vm_area_cachep = this.kmem_cache_create('vm_area_struct', VM_AREA_STRUCT_SIZE, 8);
  }

  // ---- mm_struct -----------------------------------------------------------

  /** mm_alloc(): a new address space with its PGD; null when out of memory. */
  mm_alloc(): MmStruct | null {
    if (this.mms.size >= MAX_MMS) throw new RangeError(`more than ${MAX_MMS} live mm_structs`);
    const obj = this.kmem_cache_alloc(this.mm_cachep!, GFP_KERNEL | __GFP_ZERO);
    if (obj < 0) return null;
    const mm = new MmStruct(obj, this.nextMmId++);
    if (!this.mm_alloc_pgd(mm)) {
      this.kmem_cache_free(this.mm_cachep!, obj);
      return null;
    }
    this.mms.set(mm.id, mm);
    return mm;
  }

  mm_alloc_pgd(mm: MmStruct): boolean {
    return this.pgd_alloc(mm) >= 0;
  }

  mm_free_pgd(mm: MmStruct): void {
    this.pgd_free(mm, mm.pgd);
  }

  /** mmput(): drop a user; the last one tears the address space down. */
  mmput(mm: MmStruct): void {
    if (--mm.mm_users === 0) this.__mmput(mm);
  }

  __mmput(mm: MmStruct): void {
    this.exit_mmap(mm);
    this.mmdrop(mm);
  }

  /** exit_mmap(): unmap everything, free every user page table, free the VMAs. */
  exit_mmap(mm: MmStruct): void {
    const vmas = [...mm.vmas];
    const tlb = this.tlb_gather_mmu(mm, true);
    this.unmap_vmas(tlb, vmas, 0, TASK_SIZE);
    this.free_pgtables(tlb, vmas, FIRST_USER_ADDRESS, USER_PGTABLES_CEILING);
    this.tlb_finish_mmu(tlb);
    for (const vma of vmas) this.remove_vma(vma);
    this.mm_put_huge_zero_folio(mm);
  }

  mmdrop(mm: MmStruct): void {
    if (--mm.mm_count === 0) this.__mmdrop(mm);
  }

  __mmdrop(mm: MmStruct): void {
    this.mm_free_pgd(mm);
    this.check_mm(mm);
    mm.dead = true;
    this.mms.delete(mm.id);
    this.kmem_cache_free(this.mm_cachep!, mm.obj);
  }

  /** check_mm(): counters that did not return to zero are reported as the kernel prints them. */
  check_mm(mm: MmStruct): void {
    const p = hashPointer(this.kaddr(mm.obj));
    for (let i = 0; i < NR_MM_COUNTERS; i++) {
      const x = mm.rss_stat[i]!;
      if (x !== 0) this.pr_alert(`BUG: Bad rss-counter state mm:${p} type:${MM_COUNTER_NAMES[i]} val:${x} Comm:${this.current.comm} Pid:${this.current.pid}`, 'check_mm', 'Bad rss-counter state');
    }
    if (mm.pgtables_bytes !== 0) this.pr_alert(`BUG: non-zero pgtables_bytes on freeing mm: ${mm.pgtables_bytes}`, 'check_mm', 'non-zero pgtables_bytes');
  }

  /** A KERN_ALERT message that is a kernel complaint but not a BUG() or a WARN(): recorded as a printk report. */
  pr_alert(line: string, fn: string, reason: string): void {
    this.printk([line]);
    this.report('printk', fn, reason, line, null, [line]);
  }

  // ---- VMAs ----------------------------------------------------------------------

  vm_area_alloc(mm: MmStruct, start: number, end: number, flags: number, pgoff: number): VmAreaStruct | null {
    const obj = this.kmem_cache_alloc(this.vm_area_cachep!, GFP_KERNEL | __GFP_ZERO);
    if (obj < 0) return null;
    return new VmAreaStruct(mm, start, end, flags, pgoff, obj);
  }

  vm_area_free(vma: VmAreaStruct): void {
    this.kmem_cache_free(this.vm_area_cachep!, vma.obj);
  }

  remove_vma(vma: VmAreaStruct): void {
    vma.mm.remove(vma);
    if (vma.anon_vma !== null && !vma.mm.vmas.some((v) => v.anon_vma === vma.anon_vma)) this.kmem_cache_free(this.anon_vma_cachep!, vma.anon_vma.obj);
    this.vm_area_free(vma);
  }

  /** get_unmapped_area(): the hint if it is free, else the highest free gap below mmap_base (PMD-aligned for PMD-multiple lengths). */
  get_unmapped_area(mm: MmStruct, addr: number, len: number): number {
    if (len > TASK_SIZE) return -ENOMEM;
    const free = (a: number): boolean => a >= PAGE_SIZE && a + len <= TASK_SIZE && !mm.vmas.some((v) => v.vm_start < a + len && a < v.vm_end);
    if (addr) {
      const a = addr - (addr % PAGE_SIZE);
      if (free(a)) return a;
    }
    const align = len % PMD_SIZE === 0 ? PMD_SIZE : PAGE_SIZE;
    let top = mm.mmap_base;
    for (let i = mm.vmas.length; i >= 0; i--) {
      const below = i > 0 ? mm.vmas[i - 1]!.vm_end : PAGE_SIZE;
      const above = i < mm.vmas.length ? Math.min(mm.vmas[i]!.vm_start, top) : top;
      const start = Math.floor((above - len) / align) * align;
      if (above >= len && start >= below) return start;
    }
    return -ENOMEM;
  }

  /** do_mmap(MAP_PRIVATE | MAP_ANONYMOUS, PROT_READ | PROT_WRITE): the mapping's address or -errno. */
  do_mmap(mm: MmStruct, addr: number, len: number): number {
    if (len <= 0) return -EINVAL;
    len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    if (mm.vmas.length >= DEFAULT_MAX_MAP_COUNT) return -ENOMEM;
    const start = this.get_unmapped_area(mm, addr, len);
    if (start < 0) return start;
    const flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;
    return this.mmap_region(mm, start, len, flags);
  }

  mmap_region(mm: MmStruct, addr: number, len: number, flags: number): number {
    const end = addr + len;
    const prev = mm.vmas.find((v) => v.vm_end === addr && v.vm_flags === flags && v.vm_ops === null);
    const next = mm.vmas.find((v) => v.vm_start === end && v.vm_flags === flags && v.vm_ops === null);
    if (prev !== undefined) {
      prev.vm_end = end;
      if (next !== undefined && (next.anon_vma === null || prev.anon_vma === null || next.anon_vma === prev.anon_vma)) {
        prev.vm_end = next.vm_end;
        prev.anon_vma ??= next.anon_vma;
        next.anon_vma = null;
        this.remove_vma(next);
      }
      return addr;
    }
    if (next !== undefined) {
      next.vm_start = addr;
      next.vm_pgoff = addr / PAGE_SIZE;
      return addr;
    }
    const vma = this.vm_area_alloc(mm, addr, end, flags, addr / PAGE_SIZE);
    if (vma === null) return -ENOMEM;
    mm.insert(vma);
    return addr;
  }

  /**
   * mmap() of a file whose driver maps kernel pages (a TCP socket, an
   * io_uring ring, a device): MAP_SHARED, never merged, with the driver's
   * vm_ops; the driver's mmap handler adjusts the flags.
   */
  mmap_file(mm: MmStruct, addr: number, len: number, vm_flags: number, vm_ops: VmOps): number {
    if (len <= 0) return -EINVAL;
    len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    if (mm.vmas.length >= DEFAULT_MAX_MAP_COUNT) return -ENOMEM;
    const start = this.get_unmapped_area(mm, addr, len);
    if (start < 0) return start;
    const vma = this.vm_area_alloc(mm, start, start + len, vm_flags | VM_SHARED | VM_MAYSHARE, 0);
    if (vma === null) return -ENOMEM;
    vma.vm_ops = vm_ops;
    mm.insert(vma);
    return start;
  }

  /** __split_vma(): split at addr; the new VMA takes the upper part. */
  __split_vma(vma: VmAreaStruct, addr: number): VmAreaStruct | null {
    const upper = this.vm_area_alloc(vma.mm, addr, vma.vm_end, vma.vm_flags, vma.vm_pgoff + (addr - vma.vm_start) / PAGE_SIZE);
    if (upper === null) return null;
    upper.anon_vma = vma.anon_vma;
    upper.vm_ops = vma.vm_ops;
    vma.vm_end = addr;
    vma.mm.insert(upper);
    return upper;
  }

  /** do_vmi_munmap(): 0 or -errno. */
  do_vmi_munmap(mm: MmStruct, start: number, len: number): number {
    if (start % PAGE_SIZE !== 0 || start > TASK_SIZE || len > TASK_SIZE - start) return -EINVAL;
    len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    if (len === 0) return -EINVAL;
    const end = start + len;
    if (!mm.vmas.some((v) => v.vm_start < end && start < v.vm_end)) return 0;
    return this.do_vmi_align_munmap(mm, start, end);
  }

  do_vmi_align_munmap(mm: MmStruct, start: number, end: number): number {
    const vms = this.vms_gather_munmap_vmas(mm, start, end);
    if (vms === null) return -ENOMEM;
    this.vms_complete_munmap_vmas(mm, vms);
    return 0;
  }

  /**
   * vms_gather_munmap_vmas() (mm/vma.c, v6.12): split the VMAs at the
   * range's ends and gather the ones inside it, with the neighbours that
   * bound free_pgtables(); null when a split is out of memory. Everything it
   * changes is the mm's own, under the mmap lock.
   */
  vms_gather_munmap_vmas(mm: MmStruct, start: number, end: number): MunmapVmas | null {
    const first = mm.vmas.find((v) => v.vm_start < end && start < v.vm_end)!;
    if (first.vm_start < start && this.__split_vma(first, start) === null) return null;
    const last = [...mm.vmas].reverse().find((v) => v.vm_start < end && start < v.vm_end)!;
    if (last.vm_end > end && this.__split_vma(last, end) === null) return null;
    const detached = mm.vmas.filter((v) => v.vm_start >= start && v.vm_end <= end);
    const i = mm.vmas.indexOf(detached[0]!);
    const prev = i > 0 ? mm.vmas[i - 1]! : null;
    const next = mm.vmas[i + detached.length] ?? null;
    return { vmas: detached, prev, next };
  }

  /** vms_complete_munmap_vmas(): clear the ptes (vms_clear_ptes: zap, free the tables, flush), then free the VMAs. */
  vms_complete_munmap_vmas(mm: MmStruct, vms: MunmapVmas): void {
    this.unmap_region(mm, vms.vmas, vms.prev, vms.next);
    for (const vma of vms.vmas) this.remove_vma(vma);
  }

  /** unmap_region(): zap, free the tables between the neighbours, flush. */
  unmap_region(mm: MmStruct, vmas: readonly VmAreaStruct[], prev: VmAreaStruct | null, next: VmAreaStruct | null): void {
    const tlb = this.tlb_gather_mmu(mm);
    this.unmap_vmas(tlb, vmas, vmas[0]!.vm_start, vmas[vmas.length - 1]!.vm_end);
    this.free_pgtables(tlb, vmas, prev !== null ? prev.vm_end : FIRST_USER_ADDRESS, next !== null ? next.vm_start : USER_PGTABLES_CEILING);
    this.tlb_finish_mmu(tlb);
  }
}
