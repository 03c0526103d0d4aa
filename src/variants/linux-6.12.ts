/**
 * linux-6.12: the baseline taken back to linux 6.12.y, the LTS kernel
 * Debian 12 (backports) and 13 ship, as a series over the baseline. Facts
 * are from Debian's linux-source-6.12 (6.12.118), and every difference here
 * was seen in the differential run (test/kernel/: the scenarios exported by
 * `pagesim kunit` and run on that kernel under QEMU; docs/fidelity.md):
 *
 * - free-keeps-type (its base): 6.12's free_pages_prepare() does not reset
 *   page_type; a typed page freed is a bad page ("nonzero mapcount").
 * - Checks report 6.12's lines: VM_BUG_ON_PAGE in put_page_testzero() is
 *   include/linux/mm.h:1140, not the 2026 tree's 1563 (SITE_LINES_6_12).
 * - The WARNING banner is 6.12's kernel/panic.c __warn():
 *   `WARNING: CPU: n PID: n at file:line func+off/size`, with no condition
 *   line above it (6.12 has no CONFIG_DEBUG_BUGVERBOSE_DETAILED).
 * - A page type's __SetPage/__ClearPage check reports the line of that
 *   type's PAGE_TYPE_OPS() in 6.12's include/linux/page-flags.h (Buddy
 *   1016, Offline 1047, Table 1057, Guard 1062, ...).
 * - The oops header and CPU line are a 6.12 PREEMPT_DYNAMIC build's:
 *   `Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI` (__die_header()),
 *   `... 6.12.118-pagesim #1 ` (dump_stack_print_info(): no preempt model).
 * - get_page() is folio_get() and put_page() folio_put() (include/linux/mm.h:1448,
 *   :1540): no slab or large-kmalloc checks, which came after 6.12; a slab
 *   page's last reference put frees it, and the free path finds a bad page.
 * - Slab pages are not frozen: mm/slub.c alloc_slab_page() takes them with
 *   alloc_pages() (refcount 1) and __free_slab() gives them back with
 *   __free_pages() (6.15 moved slab to frozen pages).
 * - Caches merge: kmem_cache_create() of a cache another one can serve (same
 *   object stride, same flags, no constructor) returns that cache
 *   (mm/slab_common.c __kmem_cache_alias(), find_mergeable()); freeing to
 *   the "wrong" one of two merged caches is no error.
 * - folio_add_lru() goes through this CPU's lru_add batch (mm/swap.c
 *   __folio_batch_add_and_move()): the batch holds a reference and the folio
 *   is not PageLRU until the batch moves, when full (31), when a large folio
 *   joins it, or at lru_add_drain() (exit_mmap(), munmap's vms_clear_ptes()).
 *   The 2026 tree batches the same way; pagesim's baseline adds at once.
 * - GUP's FOLL_TOUCH (mm/gup.c:932 follow_page_pte(); the baseline's
 *   follow_page() does the same, as the 2026 tree's
 *   follow_page_pte_commit()) calls folio_mark_accessed() (mm/swap.c:460),
 *   which here knows the batches: a second touch activates the folio at
 *   once while it waits in the lru_add batch (__lru_cache_activate_folio()),
 *   through the lru_activate batch (its own reference) when it is on the LRU.
 * - walk_to_pmd()'s VM_BUG_ON(pmd_trans_huge(*pmd)) is at mm/memory.c:1980.
 * - dump_page()'s head line prints nr_pages_mapped as
 *   folio_nr_pages_mapped(): _nr_pages_mapped & FOLIO_PAGES_MAPPED, without
 *   the ENTIRELY_MAPPED bit (mm/debug.c __dump_folio()).
 * - Node counters are per CPU first (mm/vmstat.c mod_node_state(), overstep
 *   0 on x86's cmpxchg_local path): a CPU's vm_node_stat_diff goes into the
 *   node's counter only when it passes the node's stat_threshold
 *   (refresh_zone_stat_thresholds(): the largest calculate_normal_threshold()
 *   of its populated zones), and global_node_page_state() reads the folded
 *   part alone. A sleep of a second or more folds every CPU (vmstat_update()
 *   every sysctl_stat_interval, HZ).
 * - The mm's rss counters are percpu_counters (kernel/fork.c mm_init()):
 *   percpu_counter_add_batch() with percpu_counter_batch, max(32, 2 * CPUs)
 *   (lib/percpu_counter.c compute_batch_value()), and get_mm_counter() is
 *   percpu_counter_read_positive() (include/linux/mm.h:2651).
 * - struct folio's second page is 6.12's (include/linux/mm_types.h:369-378):
 *   _large_mapcount, _entire_mapcount, _nr_pages_mapped, _pincount,
 *   _folio_nr_pages, and nothing of CONFIG_MM_ID (_mm_id_mapcount,
 *   _mm_ids) nor _mapcount_1/_refcount_1, which came in 6.15.
 * - collapse_pte_mapped_thp() works on file-backed ranges only: an
 *   anonymous VMA is SCAN_VMA_CHECK (mm/khugepaged.c:1510), and enum
 *   scan_result has 6.12's numbering (SCAN_VMA_CHECK is 22).
 */

import type { Variant } from './variant.js';
import { slub612 } from './linux-6.12-slab.js';
import { atomic_t, field, unsigned_int } from '../layout/ctype.js';
import { removeMember, replaceMember } from '../layout/edit.js';
import type { Site } from '../report/report.js';
import type { KernelBuild } from '../report/oops.js';
import { PAGE_FLAGS_H } from '../kernel/sites.js';
import type { KmemCache } from '../kernel/slub.js';
import { NR_MM_COUNTERS, type MmStruct } from '../kernel/mm_types.js';
import { PG_active, PG_lru, PG_unevictable } from '../kernel/page-flags.js';
import { NR_VM_NODE_STAT_ITEMS } from '../kernel/vmstat.js';
import { PMD_SIZE } from '../kernel/pgtable.js';

/** FOLIO_BATCH_SIZE (include/linux/pagevec.h, 6.12). */
const FOLIO_BATCH_SIZE = 31;

/**
 * 6.12.118's line for each check the baseline reports at a 2026 line
 * (`file:line` -> line), where the same check exists in 6.12 in the same
 * file; found by the condition's text in the 6.12 source.
 */
const SITE_LINES_6_12: ReadonlyMap<string, number> = new Map([
  ['include/linux/mm.h:1563', 1140], // put_page_testzero: page_ref_count(page) == 0
  ['include/linux/mm.h:1632', 1209], // folio_entire_mapcount: !folio_test_large(folio)
  ['include/linux/mm.h:1640', 1215], // folio_large_mapcount
  ['include/linux/mm.h:1848', 1444], // folio_get: folio_ref_zero_or_close_to_overflow(folio)
  ['include/linux/mm.h:1865', 1456], // try_get_page: page_ref_count(page) <= 0
  ['include/linux/mm.h:3051', 3021], // ptlock_init: *(unsigned long *)&ptdesc->ptl
  ['include/linux/page-flags.h:367', 309], // folio_flags: page->compound_head & 1
  ['include/linux/page-flags.h:1163', 1133], // PageAnonExclusive: !PageAnon(page)
  ['include/linux/page-flags.h:1176', 1146], // SetPageAnonExclusive: PageHuge(page) && !PageHead(page)
  ['include/linux/page-flags.h:1183', 1153], // ClearPageAnonExclusive: PageHuge(page) && !PageHead(page)
  ['include/linux/page-flags.h:1189', 1159], // __ClearPageAnonExclusive: !PageAnon(page)
  ['include/linux/page-flags.h:1190', 1160], // __ClearPageAnonExclusive: PageHuge(page) && !PageHead(page)
  ['include/linux/page-flags.h:991', 1001], // __SetPage##uname: page_type != UINT_MAX
  ['include/linux/page-flags.h:998', 1008], // __ClearPage##uname: !Page##uname(page)
  ['include/linux/page_ref.h:300', 288], // page_ref_unfreeze: page_count(page) != 0
  ['include/linux/page_ref.h:301', 289], // page_ref_unfreeze: count == 0
  ['mm/internal.h:596', 442], // set_page_refcounted: PageTail(page)
  ['mm/internal.h:597', 443], // set_page_refcounted: page_ref_count(page)
  ['mm/internal.h:754', 584], // page_is_buddy: page_count(buddy) != 0
  ['mm/page_alloc.c:801', 687], // __add_to_free_list: get_pageblock_migratetype(page) != migratetype
  ['mm/page_alloc.c:827', 709], // move_to_free_list: get_pageblock_migratetype(page) != old_mt
  ['mm/page_alloc.c:849', 722], // __del_page_from_free_list: get_pageblock_migratetype(page) != migratetype
  ['mm/page_alloc.c:954', 824], // __free_one_page: migratetype == -1
  ['mm/page_alloc.c:955', 825], // __free_one_page: pfn & ((1 << order) - 1)
  ['mm/page_alloc.c:956', 826], // __free_one_page: bad_range(zone, page)
  ['mm/page_alloc.c:1328', 1095], // free_pages_prepare: PageTail(page)
  ['mm/page_alloc.c:1365', 1132], // free_pages_prepare: compound && compound_order(page) != order
  ['mm/page_alloc.c:3104', 2881], // split_page: PageCompound(page)
  ['mm/page_alloc.c:3123', 2882], // split_page: !page_count(page)
  ['mm/page_alloc.c:5340', 4835], // __alloc_pages_noprof: order > MAX_PAGE_ORDER (WARN_ON_ONCE)
  ['mm/slub.c:573', 550], // set_freepointer: BUG_ON(object == fp)
  ['mm/gup.c:143', 149], // try_grab_folio: folio_ref_count(folio) <= 0
  ['mm/memory.c:2642', 2180], // vm_insert_pages: BUG_ON(vma->vm_flags & VM_PFNMAP)
  ['mm/memory.c:2720', 2225], // vm_insert_page: BUG_ON(vma->vm_flags & VM_PFNMAP)
]);

/**
 * Checks whose line and condition both differ in 6.12 (`file:line` of the
 * baseline -> 6.12's): 6.12 tests PageAnon() and PageKsm() where the 2026
 * tree has PageAnonNotKsm(), and reads page->flags where it has page->flags.f.
 */
const SITE_TEXT_6_12: ReadonlyMap<string, { readonly line: number; readonly cond: string }> = new Map([
  ['include/linux/page-flags.h:1175', { line: 1145, cond: '!PageAnon(page) || PageKsm(page)' }], // SetPageAnonExclusive
  ['include/linux/page-flags.h:1182', { line: 1152, cond: '!PageAnon(page) || PageKsm(page)' }], // ClearPageAnonExclusive
  ['mm/page_alloc.c:952', { line: 822, cond: 'page->flags & PAGE_FLAGS_CHECK_AT_PREP' }], // __free_one_page
]);

/**
 * The line of each page type's PAGE_TYPE_OPS() (FOLIO_TYPE_OPS() for slab
 * and hugetlb) in 6.12.118's include/linux/page-flags.h, by the name the
 * macro pastes: a __SetPage/__ClearPage check reports the line of its
 * type's invocation, ten lines below the 2026 tree's for most types.
 * LargeKmalloc is not a page type in 6.12 and keeps the baseline's line.
 */
const PAGE_TYPE_OPS_LINES_6_12: ReadonlyMap<string, number> = new Map([
  ['Buddy', 1016],
  ['Offline', 1047],
  ['Table', 1057],
  ['Guard', 1062],
  ['Slab', 1064],
  ['Hugetlb', 1079],
  ['Zsmalloc', 1084],
  ['Unaccepted', 1091],
]);

/** The function names PAGE_TYPE_OPS() generates with a check in them. */
const TYPE_OPS_FN = /^__(?:Set|Clear)Page(\w+)$/;

/**
 * What a 6.12 oops prints of its kernel: the release (with pagesim's
 * localversion, as the baseline's), the version up to its first space,
 * then LINUX_PACKAGE_ID and the build ID, both empty in a kernel.org-style
 * build (lib/dump_stack.c:58 dump_stack_print_info(): no preempt model
 * yet, hence the trailing space the kernel prints); __die_header()
 * (arch/x86/kernel/dumpstack.c:422) prints " PREEMPT" for
 * CONFIG_PREEMPTION, which PREEMPT_DYNAMIC selects in Debian's config and
 * in the one test/kernel/kunitconfig builds.
 */
const BUILD_6_12: KernelBuild = { release: '6.12.118-pagesim', cpuTail: '#1 ', dieFlags: ' PREEMPT SMP NOPTI' };

/** Functions a report names that 6.12 calls otherwise (the frozen-page allocator entry came in 6.15). */
const FUNCTIONS_6_12: ReadonlyMap<string, string> = new Map([['__alloc_frozen_pages_noprof', '__alloc_pages_noprof']]);

/** FOLIO_PAGES_MAPPED (mm/internal.h, 6.12): the low bits of _nr_pages_mapped. */
const FOLIO_PAGES_MAPPED = 0x7fffff;

/** enum scan_result (mm/khugepaged.c:31, 6.12): its numbering differs from the baseline's past SCAN_PMD_MAPPED. */
const SCAN_PMD_MAPPED = 4;
const SCAN_VMA_CHECK_6_12 = 22;

/** walk_to_pmd()'s check (mm/memory.c:1980, 6.12). */
const WALK_TO_PMD_SITE: Site = { fn: 'walk_to_pmd', file: 'mm/memory.c', line: 1980, cond: 'pmd_trans_huge(*pmd)' };

/** sysctl_stat_interval (mm/vmstat.c): HZ, one second. */
const STAT_INTERVAL_MS = 1000;

/** fls(): the 1-based index of the highest set bit, 0 for 0. */
function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/**
 * Per-CPU state the variant adds, made when first used (no counter moves
 * before boot is over). It is a field of the machine, so a checkpoint of the
 * machine (src/explore/checkpoint.ts) saves and restores it with the rest.
 */
interface PerCpuState {
  /** per_cpu_nodestats->vm_node_stat_diff of each node: [cpu * NR_VM_NODE_STAT_ITEMS + item] (an s8 in the kernel). */
  readonly nodeDiff: Int8Array[];
  /** The mm's rss percpu_counters: fbc->count and each CPU's delta. */
  readonly rss: WeakMap<MmStruct, { readonly count: Float64Array; readonly local: Float64Array }>;
}

export const linux612: Variant = {
  name: 'linux-6.12',
  description: 'linux 6.12.y (LTS, Debian linux-source-6.12): no type reset on free, 6.12 BUG lines and WARNING banner, masked nr_pages_mapped',
  seed: 'none: Debian linux-source-6.12 (6.12.118), checked by the differential run under QEMU (test/kernel/)',
  base: 'free-keeps-type',
  folio: (f) => {
    let t = replaceMember(
      f,
      'folio-mapcounts',
      field('_large_mapcount', atomic_t),
      field('_entire_mapcount', atomic_t),
      field('_nr_pages_mapped', atomic_t),
      field('_pincount', atomic_t),
      field('_folio_nr_pages', unsigned_int),
    );
    for (const name of ['_mapcount_1', '_refcount_1', '_nr_pages']) t = removeMember(t, name);
    return t;
  },
  assertions: (list) => list.filter((a) => !(a.macro === 'FOLIO_MATCH' && (a.left.field === '_mapcount_1' || a.left.field === '_refcount_1'))),
  kernel: (Base) =>
    class Linux612 extends slub612(Base) {
      protected override reportSite(site: Site): Site {
        const key = `${site.file}:${site.line}`;
        const type = site.file === PAGE_FLAGS_H ? TYPE_OPS_FN.exec(site.fn) : null;
        const typeLine = type === null ? undefined : PAGE_TYPE_OPS_LINES_6_12.get(type[1]!);
        if (typeLine !== undefined) return { ...site, line: typeLine };
        const text = SITE_TEXT_6_12.get(key);
        if (text !== undefined) return { ...site, ...text };
        const line = SITE_LINES_6_12.get(key);
        return line === undefined ? site : { ...site, line };
      }

      protected override kernelBuild(): KernelBuild {
        return BUILD_6_12;
      }

      /**
       * 6.12's WARN_ON() and WARN_ON_ONCE() print no condition above the
       * banner (it has no CONFIG_DEBUG_BUGVERBOSE_DETAILED: include/asm-generic/bug.h,
       * x86's __WARN_FLAGS()); a WARN()'s message stays.
       */
      override WARN(warnSite: Site, page: number | null, dumped: string[], reason: string, before: readonly string[] = []): void {
        super.WARN(warnSite, page, dumped, reason, before.length === 1 && before[0] === warnSite.cond ? [] : before);
      }

      protected override warnBanner(site: Site, rip: string): string {
        const fn = rip.split('+')[0]!;
        const at = FUNCTIONS_6_12.get(fn) === undefined ? rip : rip.replace(fn, FUNCTIONS_6_12.get(fn)!);
        return `WARNING: CPU: ${this.current.cpu} PID: ${this.current.pid} at ${site.file}:${site.line} ${at}`;
      }

      /**
       * 6.12's get_page() (include/linux/mm.h:1448): folio_get() of the
       * page's folio. It has no slab or large-kmalloc check: those pages
       * hold references in 6.12 like any other.
       */
      override get_page(page: number): void {
        this.folio_get(this.page_folio(page));
      }

      /**
       * 6.12's put_page() (include/linux/mm.h:1540): folio_put(), after a
       * test for ZONE_DEVICE pages pagesim does not have. A slab page's last
       * reference dropped here frees it, slab and all: the free path finds
       * a bad page.
       */
      override put_page(page: number): void {
        this.folio_put(this.page_folio(page));
      }

      /** cpu_fbatches.lru_add of the CPU the scenario runs on. */
      readonly lruAddBatch: number[] = [];

      override folio_add_lru(folio: number): void {
        this.folio_get(folio);
        this.lruAddBatch.push(folio);
        if (this.lruAddBatch.length >= FOLIO_BATCH_SIZE || this.folio_test_large(folio)) this.lru_add_drain();
      }

      /** lru_add_drain(): lru_add_drain_cpu(): the lru_add batch, then the lru_activate one (folio_activate_drain()). */
      lru_add_drain(): void {
        const batch = this.lruAddBatch.splice(0);
        for (const folio of batch) super.folio_add_lru(folio);
        for (const folio of batch) this.folio_put(folio);
        this.folio_activate_drain();
      }

      /** cpu_fbatches.lru_activate of the CPU the scenario runs on. */
      readonly lruActivateBatch: number[] = [];

      /** __lru_cache_activate_folio() (mm/swap.c): a folio in this CPU's lru_add batch is marked active there. */
      override __lru_cache_activate_folio(folio: number): void {
        if (this.lruAddBatch.includes(folio)) this.folio_set_flag(folio, PG_active);
      }

      /** folio_activate(): onto the lru_activate batch, which holds a reference; moved when full or for a large folio. */
      override folio_activate(folio: number): void {
        if (this.folio_test_flag(folio, PG_active) || this.folio_test_flag(folio, PG_unevictable) || !this.folio_test_flag(folio, PG_lru)) return;
        this.folio_get(folio);
        this.lruActivateBatch.push(folio);
        if (this.lruActivateBatch.length >= FOLIO_BATCH_SIZE || this.folio_test_large(folio)) this.folio_activate_drain();
      }

      /** folio_batch_move_lru(lru_activate): each folio still on the LRU to the active list, then the references go. */
      folio_activate_drain(): void {
        const batch = this.lruActivateBatch.splice(0);
        for (const folio of batch) {
          if (!this.folio_test_flag(folio, PG_lru)) continue;
          this.folio_clear_flag(folio, PG_lru);
          if (!this.folio_test_flag(folio, PG_active) && !this.folio_test_flag(folio, PG_unevictable)) {
            this.lruvec_del_folio(folio);
            this.folio_set_flag(folio, PG_active);
            this.lruvec_add_folio(folio);
          }
          this.folio_set_flag(folio, PG_lru);
        }
        for (const folio of batch) this.folio_put(folio);
      }

      /** walk_to_pmd(): the same VM_BUG_ON at 6.12's line. */
      override walk_to_pmd(mm: MmStruct, addr: number): number {
        const pmd = this.pmdForAddress(mm, addr);
        if (pmd >= 0) this.VM_BUG_ON(this.entryPresent(pmd) && this.entryLeaf(pmd), WALK_TO_PMD_SITE);
        return pmd;
      }

      override exit_mmap(mm: MmStruct): void {
        this.lru_add_drain();
        super.exit_mmap(mm);
      }

      override do_vmi_munmap(mm: MmStruct, start: number, len: number): number {
        this.lru_add_drain();
        return super.do_vmi_munmap(mm, start, len);
      }

      /** Aliases of merged caches: how many kmem_cache_create() calls share each cache. */
      readonly cacheRefs = new Map<KmemCache, number>();

      override __kmem_cache_create_args(name: string, size: number, align: number, flags: number): KmemCache {
        const s = super.__kmem_cache_create_args(name, size, align, flags);
        // find_mergeable(): the newest compatible cache wins (slab_caches is walked in reverse).
        for (let i = this.slabCaches.length - 2; i >= 0; i--) {
          const t = this.slabCaches[i]!;
          if (t.destroyed || this.descriptorCaches.has(t.name) || t.flags !== flags || t.size !== s.size || t.align !== s.align) continue;
          this.kmem_cache_destroy(s);
          this.cacheRefs.set(t, (this.cacheRefs.get(t) ?? 1) + 1);
          return t;
        }
        return s;
      }

      override kmem_cache_destroy(s: KmemCache): void {
        const refs = this.cacheRefs.get(s) ?? 1;
        if (refs > 1) this.cacheRefs.set(s, refs - 1);
        else super.kmem_cache_destroy(s);
      }

      override alloc_slab_page(flags: number, order: number): number {
        const page = super.alloc_slab_page(flags, order);
        if (page >= 0) this.set_page_count(page, 1);
        return page;
      }

      override __free_slab(s: KmemCache, slab: number): void {
        // __free_pages(): the slab's own reference; a page someone still holds stays theirs.
        if (this.page_ref_dec_and_test(slab)) super.__free_slab(s, slab);
      }

      /** The per-CPU state, once a counter has moved. */
      private pcpu: PerCpuState | null = null;

      private pcpuState(): PerCpuState {
        return (this.pcpu ??= { nodeDiff: this.nodes.map(() => new Int8Array(this.cpus * NR_VM_NODE_STAT_ITEMS)), rss: new WeakMap() });
      }

      /**
       * calculate_normal_threshold() (mm/vmstat.c:222): 2 * fls(CPUs) * (1 +
       * fls(managed pages in 128 MiB units)), at most 125.
       */
      calculate_normal_threshold(managed: number): number {
        const mem = Math.floor(managed / 32768);
        return Math.min(125, 2 * fls(this.cpus) * (1 + fls(mem)));
      }

      /** per_cpu_nodestats->stat_threshold: the largest of the node's populated zones (0 before memory is up). */
      node_stat_threshold(nid: number): number {
        let t = 0;
        for (const z of this.nodes[nid]!.node_zones) if (z.populated()) t = Math.max(t, this.calculate_normal_threshold(z.managed_pages));
        return t;
      }

      /** mod_node_state(pgdat, item, delta, 0): the CPU's delta, folded into the node past the threshold. */
      override mod_node_page_state(nid: number, item: number, delta: number): void {
        const diff = this.pcpuState().nodeDiff[nid]!;
        const i = this.current.cpu * NR_VM_NODE_STAT_ITEMS + item;
        const n = delta + diff[i]!;
        if (Math.abs(n) > this.node_stat_threshold(nid)) {
          super.mod_node_page_state(nid, item, n);
          diff[i] = 0;
        } else diff[i] = n;
      }

      /** The exact sum, node counters and every CPU's delta (what the checkers compare). */
      override vm_node_stat(item: number): number {
        let v = super.vm_node_stat(item);
        for (const diff of this.pcpuState().nodeDiff) for (let cpu = 0; cpu < this.cpus; cpu++) v += diff[cpu * NR_VM_NODE_STAT_ITEMS + item]!;
        return v;
      }

      /** global_node_page_state(): the folded part alone, clamped at 0 (include/linux/vmstat.h:194). */
      override global_node_page_state(item: number): number {
        let x = 0;
        for (const n of this.nodes) x += n.vm_stat[item]!;
        return x < 0 ? 0 : x;
      }

      /** refresh_cpu_vm_stats(): every CPU's node deltas into the node counters. */
      refresh_cpu_vm_stats(): void {
        const st = this.pcpuState();
        st.nodeDiff.forEach((diff, nid) => {
          for (let i = 0; i < diff.length; i++) {
            if (diff[i] === 0) continue;
            super.mod_node_page_state(nid, i % NR_VM_NODE_STAT_ITEMS, diff[i]!);
            diff[i] = 0;
          }
        });
      }

      override msleep(msecs: number): void {
        super.msleep(msecs);
        // vmstat_update() runs every sysctl_stat_interval on a CPU with deltas.
        if (msecs >= STAT_INTERVAL_MS) this.refresh_cpu_vm_stats();
      }

      private rssCounters(mm: MmStruct): { readonly count: Float64Array; readonly local: Float64Array } {
        const rss = this.pcpuState().rss;
        let c = rss.get(mm);
        if (c === undefined) {
          c = { count: new Float64Array(NR_MM_COUNTERS), local: new Float64Array(NR_MM_COUNTERS * this.cpus) };
          rss.set(mm, c);
        }
        return c;
      }

      /** percpu_counter_add_batch(&mm->rss_stat[member], value, percpu_counter_batch); rss_stat stays the exact sum. */
      override add_mm_counter(mm: MmStruct, member: number, value: number): void {
        super.add_mm_counter(mm, member, value);
        const c = this.rssCounters(mm);
        const i = this.current.cpu * NR_MM_COUNTERS + member;
        const count = c.local[i]! + value;
        if (Math.abs(count) >= Math.max(32, 2 * this.cpus)) {
          c.count[member] = c.count[member]! + count;
          c.local[i] = 0;
        } else c.local[i] = count;
      }

      /** percpu_counter_read_positive(): fbc->count, 0 if negative. */
      override get_mm_counter(mm: MmStruct, member: number): number {
        const x = this.rssCounters(mm).count[member]!;
        return x < 0 ? 0 : x;
      }

      /**
       * 6.12's collapse_pte_mapped_thp() (mm/khugepaged.c:1493): a range not
       * inside one VMA, or a VMA without a file, is SCAN_VMA_CHECK; a PMD
       * already mapped is SCAN_PMD_MAPPED; the files pagesim maps (a socket,
       * a driver) are VM_MIXEDMAP or VM_PFNMAP, which
       * thp_vma_allowable_order() refuses (VM_NO_KHUGEPAGED).
       */
      override collapse_pte_mapped_thp(mm: MmStruct, addr: number): number {
        const haddr = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
        const vma = mm.find_vma(haddr);
        if (vma === null || vma.vm_ops === null || haddr + PMD_SIZE > vma.vm_end) return SCAN_VMA_CHECK_6_12;
        const pmd = this.walkToPmd(mm, haddr);
        if (pmd >= 0 && !this.entryNone(pmd) && this.entryLeaf(pmd)) return SCAN_PMD_MAPPED;
        return SCAN_VMA_CHECK_6_12;
      }

      override dump_page_lines(page: number, reason: string | null): string[] {
        const lines = super.dump_page_lines(page, reason);
        return lines.map((l) => {
          const m = /^head: order:(\d+) mapcount:(-?\d+) entire_mapcount:(-?\d+)(?: nr_pages_mapped:(-?\d+))? pincount:(-?\d+)$/.exec(l);
          if (m === null) return l;
          const folio = this.compound_head(page);
          const mapped = this.i32[folio * this.PW + this.FF['_nr_pages_mapped']!]! & FOLIO_PAGES_MAPPED;
          return `head: order:${m[1]} mapcount:${m[2]} entire_mapcount:${m[3]} nr_pages_mapped:${mapped} pincount:${m[5]}`;
        });
      }
    },
};
