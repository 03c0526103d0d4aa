/**
 * include/linux/mm_types.h: address spaces and VMAs, as pagesim keeps them.
 *
 * An mm_struct, a vm_area_struct and an anon_vma each occupy a real slab
 * object (from caches of the kernel's names and sizes), so their memory
 * shows in /proc/slabinfo and their addresses are kernel addresses; their
 * fields live here in TypeScript, because nothing in struct page overlays
 * them. Page tables, by contrast, are real pages of 8-byte entries.
 */

/** enum mm_counter_type */
export const MM_FILEPAGES = 0;
export const MM_ANONPAGES = 1;
export const MM_SWAPENTS = 2;
export const MM_SHMEMPAGES = 3;
export const NR_MM_COUNTERS = 4;
export const MM_COUNTER_NAMES = ['MM_FILEPAGES', 'MM_ANONPAGES', 'MM_SWAPENTS', 'MM_SHMEMPAGES'] as const;

// vm_flags (include/linux/mm.h)
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
export const VM_PFNMAP = 0x400;
export const VM_IO = 0x4000;
export const VM_DONTEXPAND = 0x40000;
export const VM_ACCOUNT = 0x100000;
export const VM_DONTDUMP = 0x04000000;
export const VM_MIXEDMAP = 0x10000000;
export const VM_HUGEPAGE = 0x20000000;
export const VM_NOHUGEPAGE = 0x40000000;

/** Sizes of the kernel's objects on x86_64 (pahole of a 2026 distribution kernel, rounded to the slab's stride). */
export const MM_STRUCT_SIZE = 1408;
export const VM_AREA_STRUCT_SIZE = 176;
export const ANON_VMA_SIZE = 88;

export class AnonVma {
  constructor(
    /** The slab object holding it. */
    readonly obj: number,
  ) {}
}

/** What a VMA maps: anonymous memory, or a file whose mmap hands out kernel pages (vm_ops). */
export type VmOps = null | 'tcp' | 'device';

export class VmAreaStruct {
  anon_vma: AnonVma | null = null;
  /** vma->vm_ops: null for anonymous memory; 'tcp' for a TCP socket's mmap (tcp_vm_ops); 'device' for a driver's. */
  vm_ops: VmOps = null;
  constructor(
    readonly mm: MmStruct,
    public vm_start: number,
    public vm_end: number,
    public vm_flags: number,
    /** vm_pgoff: for anonymous memory, the address in pages at creation (linear_page_index of the first page). */
    public vm_pgoff: number,
    /** The slab object holding it. */
    readonly obj: number,
  ) {}
}

export class MmStruct {
  /** Sorted by vm_start; the kernel keeps a maple tree. */
  readonly vmas: VmAreaStruct[] = [];
  readonly rss_stat = new Float64Array(NR_MM_COUNTERS);
  /** mm_pgtables_bytes(): page-table bytes charged to this mm. */
  pgtables_bytes = 0;
  mm_users = 1;
  mm_count = 1;
  /** Word of the PGD's contents (mm->pgd), -1 before pgd_alloc. */
  pgd = -1;
  /** mm_get_unmapped_area's top-down cursor. */
  mmap_base = 0x7f0000000000;
  dead = false;
  constructor(
    /** The slab object (mm_struct cache) it occupies; -1 for init_mm, which is static. */
    readonly obj: number,
    /** A small number for handles and messages. */
    readonly id: number,
    readonly isInitMm = false,
  ) {}

  find_vma(addr: number): VmAreaStruct | null {
    for (const v of this.vmas) if (addr < v.vm_end) return addr >= v.vm_start ? v : null;
    return null;
  }

  /** The first VMA ending above addr (find_vma semantics: may start above addr). */
  find_vma_from(addr: number): VmAreaStruct | null {
    for (const v of this.vmas) if (addr < v.vm_end) return v;
    return null;
  }

  insert(vma: VmAreaStruct): void {
    let i = 0;
    while (i < this.vmas.length && this.vmas[i]!.vm_start < vma.vm_start) i++;
    this.vmas.splice(i, 0, vma);
  }

  remove(vma: VmAreaStruct): void {
    const i = this.vmas.indexOf(vma);
    if (i >= 0) this.vmas.splice(i, 1);
  }
}
