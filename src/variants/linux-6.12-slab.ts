/**
 * linux-6.12's SLUB per-CPU slabs, for the linux-6.12 variant (mm/slub.c of
 * Debian's linux-source-6.12, 6.12.118). The baseline (the 7.3 tree without
 * its sheaves) takes every object from the node partial list; 6.12 has each
 * CPU own a slab:
 *
 * - ___slab_alloc() makes a slab the CPU slab (kmem_cache_cpu.slab): its
 *   freelist moves to kmem_cache_cpu.freelist, slab->freelist becomes NULL,
 *   inuse = objects and frozen = 1; a new slab never goes on a list, so its
 *   slab_list keeps what the page allocator left there (LIST_POISON2 in
 *   word 2). Allocations take kmem_cache_cpu.freelist; when it runs out,
 *   get_freelist() takes the objects freed to the slab meanwhile, or
 *   unfreezes the slab, now full and on no list, and the next slab comes
 *   from the CPU partial list, the node partial list (get_partial_node()
 *   moves more of them to the CPU partial list, up to cpu_partial_slabs / 2)
 *   or a new slab.
 * - do_slab_free(): an object of the CPU slab goes on the CPU freelist;
 *   any other goes to __slab_free(): onto the slab's own freelist; a full
 *   slab's first free puts it on the CPU partial list (put_cpu_partial(),
 *   draining the list to the node when it holds cpu_partial_slabs); a slab
 *   on the node partial list that empties is discarded once the node keeps
 *   min_partial.
 * - deactivate_slab() gives the CPU freelist back to the slab, unfreezes it
 *   and puts it on the node partial list (or discards it when empty): when
 *   kmem_cache_destroy() or kmem_cache_shrink() flushes the CPUs (flush_all()),
 *   and when a CPU slab is replaced.
 * - CPU partial slabs are not frozen (since 6.8); they chain through
 *   slab->next (word 2) and slab->slabs (the int at byte 24). A slab on the
 *   node partial list has PG_workingset set (slab_set_node_partial()).
 * - /proc/slabinfo counts as free only the objects of node partial slabs
 *   (get_slabinfo(), count_partial_free_approx()).
 *
 * The kmem_cache_cpu of each cache lives in JavaScript (per CPU: slab,
 * freelist, partial); everything in struct slab is in the struct page bytes.
 * One node; no pfmemalloc slabs and no debug caches (the kernel compared
 * against boots without slub_debug).
 */

import type { KernelCtor } from './variant.js';
import type { KmemCache } from '../kernel/slub.js';
import { __GFP_NOWARN, __GFP_ZERO } from '../kernel/gfp.js';
import { PAGE_SIZE } from '../kernel/config.js';
import { PG_workingset } from '../kernel/page-flags.js';

/** kmem_cache_cpu fields, per CPU: [slab, freelist, partial], -1 for NULL (slab pfns, object words). */
const CPU_SLAB = 0;
const CPU_FREELIST = 1;
const CPU_PARTIAL = 2;
const CPU_FIELDS = 3;

/** set_cpu_partial() and slub_set_cpu_partial(): how many slabs the CPU partial list holds. */
export function cpu_partial_slabs(s: KmemCache): number {
  const nr_objects = s.size >= PAGE_SIZE ? 6 : s.size >= 1024 ? 24 : s.size >= 256 ? 52 : 120;
  return Math.ceil((nr_objects * 2) / s.objects);
}

export function slub612(Base: KernelCtor): KernelCtor {
  abstract class Slub612 extends Base {
    /** Each cache's kmem_cache_cpu of every CPU. */
    readonly kmemCacheCpu = new Map<KmemCache, Float64Array>();

    /** this_cpu_ptr(s->cpu_slab)'s storage (index of this CPU's fields in it). */
    cpu_slab(s: KmemCache): Float64Array {
      let c = this.kmemCacheCpu.get(s);
      if (c === undefined) {
        c = new Float64Array(this.cpus * CPU_FIELDS).fill(-1);
        this.kmemCacheCpu.set(s, c);
      }
      return c;
    }

    /** The CPU slab of `cpu`, -1 for none. */
    cpuSlabOf(s: KmemCache, cpu: number): number {
      return this.kmemCacheCpu.get(s)?.[cpu * CPU_FIELDS + CPU_SLAB] ?? -1;
    }

    private slabFreelist(slab: number): number {
      const fw = this.slabWord(slab, this.WS_freelist);
      return this.isNull(fw) ? -1 : this.derefWord(fw);
    }

    private setSlabFreelist(slab: number, object: number): void {
      const fw = this.slabWord(slab, this.WS_freelist);
      if (object < 0) this.setNull(fw);
      else this.storeAddrOf(fw, object);
    }

    private slabFrozen(slab: number): number {
      return this.m32[this.slabWord(slab, this.WS_counters)]! >>> 31;
    }

    /** slab->next of a CPU partial slab (word 2), -1 for NULL. */
    private slabNext(slab: number): number {
      const w = this.slabWord(slab, this.WS_slab_list);
      return this.isNull(w) ? -1 : this.pfnOfWord(this.derefWord(w));
    }

    private setSlabNext(slab: number, next: number): void {
      const w = this.slabWord(slab, this.WS_slab_list);
      if (next < 0) this.setNull(w);
      else this.storeAddrOf(w, this.slabWord(next, 0));
    }

    // ---- allocation -------------------------------------------------------

    /** slab_alloc_node() -> __slab_alloc_node(): the CPU freelist, else ___slab_alloc(). */
    override slab_alloc_node(s: KmemCache, gfpflags: number): number {
      const c = this.cpu_slab(s);
      const i = this.current.cpu * CPU_FIELDS;
      let object = c[i + CPU_FREELIST]!;
      if (object < 0 || c[i + CPU_SLAB]! < 0) {
        object = this.___slab_alloc(s, gfpflags, c, i);
        if (object < 0) return -1;
      } else c[i + CPU_FREELIST] = this.get_freepointer(s, object);
      s.inuse_objects++;
      if (gfpflags & __GFP_ZERO) this.zeroObject(s, object);
      return object;
    }

    /** ___slab_alloc(): refill from the CPU slab, the CPU partial list, the node partial list or a new slab. */
    ___slab_alloc(s: KmemCache, gfpflags: number, c: Float64Array, i: number): number {
      let slab = c[i + CPU_SLAB]!;
      let freelist: number;
      if (slab >= 0) {
        freelist = c[i + CPU_FREELIST]!;
        if (freelist < 0) freelist = this.get_freelist(s, slab);
        if (freelist >= 0) return this.load_freelist(s, c, i, freelist);
        c[i + CPU_SLAB] = -1; // DEACTIVATE_BYPASS: the slab is full and on no list
      }
      // new_slab: the CPU partial list (CONFIG_SLUB_CPU_PARTIAL).
      slab = c[i + CPU_PARTIAL]!;
      if (slab >= 0) {
        c[i + CPU_PARTIAL] = this.slabNext(slab);
        c[i + CPU_SLAB] = slab;
        return this.load_freelist(s, c, i, this.get_freelist(s, slab));
      }
      // new_objects
      slab = this.get_partial_node(s);
      if (slab >= 0) freelist = this.freeze_slab(s, slab);
      else {
        slab = this.new_slab(s, gfpflags | __GFP_NOWARN);
        if (slab < 0) return -1;
        freelist = this.slabFreelist(slab);
        this.setNull(this.slabWord(slab, this.WS_freelist));
        this.set_slab_counters(slab, s.objects, s.objects, 1);
      }
      // retry_load_slab: a CPU slab still there is deactivated first.
      if (c[i + CPU_SLAB]! >= 0) {
        const flush_slab = c[i + CPU_SLAB]!;
        const flush_freelist = c[i + CPU_FREELIST]!;
        c[i + CPU_SLAB] = -1;
        c[i + CPU_FREELIST] = -1;
        this.deactivate_slab(s, flush_slab, flush_freelist);
      }
      c[i + CPU_SLAB] = slab;
      return this.load_freelist(s, c, i, freelist);
    }

    /** load_freelist: the first object is returned, the rest is the CPU freelist. */
    private load_freelist(s: KmemCache, c: Float64Array, i: number, freelist: number): number {
      c[i + CPU_FREELIST] = this.get_freepointer(s, freelist);
      return freelist;
    }

    /** get_freelist(): take the slab's freelist; the slab stays frozen only if there was one. */
    get_freelist(s: KmemCache, slab: number): number {
      const freelist = this.slabFreelist(slab);
      this.setNull(this.slabWord(slab, this.WS_freelist));
      this.set_slab_counters(slab, s.objects, s.objects, freelist >= 0 ? 1 : 0);
      return freelist;
    }

    /** freeze_slab(): a node partial slab becomes a CPU slab. */
    freeze_slab(s: KmemCache, slab: number): number {
      const freelist = this.slabFreelist(slab);
      this.setNull(this.slabWord(slab, this.WS_freelist));
      this.set_slab_counters(slab, s.objects, s.objects, 1);
      return freelist;
    }

    /** get_partial_node(): the first node partial slab, and more onto the CPU partial list up to cpu_partial_slabs / 2. */
    get_partial_node(s: KmemCache): number {
      if (s.nr_partial === 0) return -1;
      const limit = cpu_partial_slabs(s);
      let partial = -1;
      let partial_slabs = 0;
      for (let w = this.list_first(s.partialWord); w >= 0; ) {
        const next = this.list_next(w, s.partialWord);
        const slab = this.pfnOfWord(w - this.WS_slab_list);
        this.remove_partial(s, slab);
        if (partial < 0) {
          partial = slab;
          if (limit === 0) break;
        } else {
          this.put_cpu_partial(s, slab, false);
          if (++partial_slabs > limit / 2) break;
        }
        w = next;
      }
      return partial;
    }

    // ---- lists ------------------------------------------------------------

    /** __add_partial(): head or tail of the node partial list; slab_set_node_partial(). */
    add_partial_612(s: KmemCache, slab: number, tail: boolean): void {
      s.nr_partial++;
      const node = this.slabWord(slab, this.WS_slab_list);
      if (tail) this.list_add_tail(node, s.partialWord);
      else this.list_add(node, s.partialWord);
      this.folio_set_flag(slab, PG_workingset);
    }

    override add_partial(s: KmemCache, slab: number): void {
      this.add_partial_612(s, slab, false);
    }

    /** remove_partial(): slab_clear_node_partial() too. */
    override remove_partial(s: KmemCache, slab: number): void {
      super.remove_partial(s, slab);
      this.folio_clear_flag(slab, PG_workingset);
    }

    /** put_cpu_partial(): push on this CPU's partial list; a full list goes to the node first when draining. */
    put_cpu_partial(s: KmemCache, slab: number, drain: boolean): void {
      const c = this.cpu_slab(s);
      const i = this.current.cpu * CPU_FIELDS;
      let oldslab = c[i + CPU_PARTIAL]!;
      let slab_to_put = -1;
      let slabs = 0;
      if (oldslab >= 0) {
        const oldslabs = this.i32[this.slabWord(oldslab, this.WS_slab_list) + 2]!;
        if (drain && oldslabs >= cpu_partial_slabs(s)) {
          slab_to_put = oldslab;
          oldslab = -1;
        } else slabs = oldslabs;
      }
      slabs++;
      this.i32[this.slabWord(slab, this.WS_slab_list) + 2] = slabs;
      this.setSlabNext(slab, oldslab);
      c[i + CPU_PARTIAL] = slab;
      if (slab_to_put >= 0) this.__put_partials(s, slab_to_put);
    }

    /** __put_partials(): CPU partial slabs to the node's tail; empty ones past min_partial are discarded. */
    __put_partials(s: KmemCache, partial_slab: number): void {
      let slab_to_discard = -1;
      while (partial_slab >= 0) {
        const slab = partial_slab;
        partial_slab = this.slabNext(slab);
        if (this.slab_inuse(slab) === 0 && s.nr_partial >= s.min_partial) {
          this.setSlabNext(slab, slab_to_discard);
          slab_to_discard = slab;
        } else this.add_partial_612(s, slab, true);
      }
      while (slab_to_discard >= 0) {
        const slab = slab_to_discard;
        slab_to_discard = this.slabNext(slab);
        this.discard_slab(s, slab);
      }
    }

    /** deactivate_slab(): the CPU freelist back in front of the slab's, unfrozen, onto the node list or discarded. */
    deactivate_slab(s: KmemCache, slab: number, freelist: number): void {
      const old_freelist = this.slabFreelist(slab);
      const tail = old_freelist >= 0; // DEACTIVATE_REMOTE_FREES: to the tail
      let freelist_tail = -1;
      let free_delta = 0;
      // A looping freelist (a double free) would keep the kernel here; pagesim stops after a slab's worth.
      for (let it = freelist; it >= 0 && free_delta < s.objects; it = this.get_freepointer(s, it)) {
        freelist_tail = it;
        free_delta++;
      }
      let inuse = this.slab_inuse(slab);
      if (freelist_tail >= 0) {
        inuse -= free_delta;
        this.set_freepointer(s, freelist_tail, old_freelist);
        this.setSlabFreelist(slab, freelist);
      }
      this.set_slab_counters(slab, inuse, this.slab_objects(slab), 0);
      if (inuse === 0 && s.nr_partial >= s.min_partial) this.discard_slab(s, slab);
      else if (freelist_tail >= 0 || old_freelist >= 0) this.add_partial_612(s, slab, tail);
    }

    /** __flush_cpu_slab(): deactivate the CPU slab, put the CPU partial slabs on the node list. */
    __flush_cpu_slab(s: KmemCache, cpu: number): void {
      const c = this.kmemCacheCpu.get(s);
      if (c === undefined) return;
      const i = cpu * CPU_FIELDS;
      const slab = c[i + CPU_SLAB]!;
      const freelist = c[i + CPU_FREELIST]!;
      c[i + CPU_SLAB] = -1;
      c[i + CPU_FREELIST] = -1;
      if (slab >= 0) this.deactivate_slab(s, slab, freelist);
      const partial = c[i + CPU_PARTIAL]!;
      c[i + CPU_PARTIAL] = -1;
      if (partial >= 0) this.__put_partials(s, partial);
    }

    /** flush_all(): every CPU's slabs of the cache. */
    flush_all(s: KmemCache): void {
      for (let cpu = 0; cpu < this.cpus; cpu++) this.__flush_cpu_slab(s, cpu);
    }

    /** kmem_cache_shrink() -> __kmem_cache_shrink(): flush the CPUs, then free the node's empty slabs. */
    kmem_cache_shrink(s: KmemCache): void {
      this.flush_all(s);
      for (let w = this.list_first(s.partialWord); w >= 0; ) {
        const next = this.list_next(w, s.partialWord);
        const slab = this.pfnOfWord(w - this.WS_slab_list);
        if (this.slab_inuse(slab) === 0) {
          this.remove_partial(s, slab);
          this.discard_slab(s, slab);
        }
        w = next;
      }
    }

    /** __kmem_cache_shutdown(): flush_all() before the node lists are freed. */
    override kmem_cache_destroy(s: KmemCache): void {
      this.flush_all(s);
      this.kmemCacheCpu.delete(s);
      super.kmem_cache_destroy(s);
    }

    // ---- free -------------------------------------------------------------

    /** do_slab_free(): to the CPU freelist when the object is in the CPU slab, else __slab_free(). */
    override do_slab_free(s: KmemCache, slab: number, object: number): void {
      const c = this.cpu_slab(s);
      const i = this.current.cpu * CPU_FIELDS;
      if (slab !== c[i + CPU_SLAB]) {
        this.__slab_free(s, slab, object);
        return;
      }
      this.set_freepointer(s, object, c[i + CPU_FREELIST]!);
      c[i + CPU_FREELIST] = object;
      s.inuse_objects--;
    }

    /** __slab_free(): onto the slab's freelist; a full slab goes to the CPU partial list, an empty node partial slab may be discarded. */
    override __slab_free(s: KmemCache, slab: number, object: number): void {
      const prior = this.slabFreelist(slab);
      this.set_freepointer(s, object, prior);
      const was_frozen = this.slabFrozen(slab);
      const inuse = this.slab_inuse(slab) - 1;
      this.setSlabFreelist(slab, object);
      this.set_slab_counters(slab, inuse, this.slab_objects(slab), was_frozen);
      s.inuse_objects--;
      if (was_frozen) return; // FREE_FROZEN
      if (prior < 0) {
        this.put_cpu_partial(s, slab, true); // CPU_PARTIAL_FREE
        return;
      }
      if (inuse !== 0) return;
      // An empty slab: only one on the node partial list is taken off it.
      if (!this.folio_test_flag(slab, PG_workingset)) return;
      if (s.nr_partial >= s.min_partial) {
        this.remove_partial(s, slab);
        this.discard_slab(s, slab);
      }
    }

    // ---- /proc/slabinfo -----------------------------------------------------

    /** get_slabinfo(): active_objs is every object but the free ones of node partial slabs. */
    override slabinfoRows(): ReturnType<InstanceType<KernelCtor>['slabinfoRows']> {
      const caches = [...this.slabCaches].reverse();
      return super.slabinfoRows().map((row, j) => {
        const s = caches[j]!;
        let free = 0;
        for (let w = this.list_first(s.partialWord); w >= 0; w = this.list_next(w, s.partialWord)) {
          const slab = this.pfnOfWord(w - this.WS_slab_list);
          free += this.slab_objects(slab) - this.slab_inuse(slab);
        }
        return { ...row, active_objs: row.num_objs - free };
      });
    }
  }
  return Slub612;
}
