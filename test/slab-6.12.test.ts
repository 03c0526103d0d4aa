/**
 * linux-6.12's per-CPU slabs (src/variants/linux-6.12-slab.ts): a new slab
 * is the frozen CPU slab with its freelist on the CPU, objects of the CPU
 * slab are freed to the CPU freelist, a full slab's first free puts it on
 * the CPU partial list, and flushing the CPUs deactivates the CPU slab onto
 * the node partial list. The baseline keeps every slab on the node partial
 * list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { machine, repoRoot } from './helpers/machine.js';
import { loadScenario } from '../src/engine/load.js';
import { runScenario } from '../src/engine/run.js';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { PG_workingset } from '../src/kernel/page-flags.js';
import type { Kernel } from '../src/kernel/kernel.js';
import type { KmemCache } from '../src/kernel/slub.js';
import '../src/engine/registry.js';

/** struct slab's words as the kernel sees them: freelist, counters, slab_list. */
function slabState(k: Kernel, slab: number) {
  const w = (f: number) => slab * k.PW + f;
  const u64 = (x: number) => (BigInt(k.m32[x + 1]!) << 32n) | BigInt(k.m32[x]!);
  return {
    freelist: k.isNull(w(k.WS_freelist)) ? -1 : k.derefWord(w(k.WS_freelist)),
    counters: u64(w(k.WS_counters)),
    inuse: k.slab_inuse(slab),
    frozen: k.m32[w(k.WS_counters)]! >>> 31,
    listNext: u64(w(k.WS_slab_list)),
    /** slab->slabs, the int at byte 24 (a CPU partial slab). */
    slabs: k.i32[w(k.WS_slab_list) + 2]!,
    nodePartial: k.folio_test_flag(slab, PG_workingset),
  };
}

function cpuSlab(k: Kernel, s: KmemCache): number {
  return (k as unknown as { cpuSlabOf(s: KmemCache, cpu: number): number }).cpuSlabOf(s, 0);
}

test('slab-page-freed-by-buddy under linux-6.12: the frozen CPU slab, freelist on the CPU, slab_list never linked', () => {
  const r = runScenario(loadScenario(join(repoRoot, 'scenarios', 'slab-page-freed-by-buddy.yaml')), 'linux-6.12');
  assert.equal(r.outcome, 'bad_page');
  const text = r.reports[0]!.text.split('\n');
  const from = text.findIndex((l) => l.startsWith('page: '));
  assert.deepEqual(text.slice(from, from + 6), [
    'page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x2000',
    'flags: 0xfffffc0000000(node=0|zone=1|lastcpupid=0x1fffff)',
    'page_type: f5(slab)',
    'raw: 000fffffc0000000 ffff88800fbbfd20 dead000000000122 0000000000000000',
    'raw: 0000000000000000 0000000080100010 00000000f5000000 0000000000000000',
    'page dumped because: nonzero mapcount',
  ]);
});

test('slab-page-freed-by-buddy under baseline: the frozen slab page has no reference to drop', () => {
  const r = runScenario(loadScenario(join(repoRoot, 'scenarios', 'slab-page-freed-by-buddy.yaml')), 'baseline');
  assert.equal(r.outcome, 'bug');
  assert.match(r.reports[0]!.text, /^raw: ffff888002000100 0000000000100001 00000000f5000000 0000000000000000$/m);
  assert.match(r.reports[0]!.text, /^page dumped because: VM_BUG_ON_PAGE\(page_ref_count\(page\) == 0\)$/m);
});

test('linux-6.12: allocations come from the CPU freelist in address order, and a CPU slab object freed is the next one handed out', () => {
  const k = machine('linux-6.12');
  const s = k.kmem_cache_create('t256', 256, 8);
  const objs = [0, 1, 2].map(() => k.kmem_cache_alloc(s, GFP_KERNEL));
  const slab = k.virt_to_slab(objs[0]!);
  assert.equal(cpuSlab(k, s), slab);
  assert.deepEqual(objs.map((o) => Number(k.kaddr(o) - k.kaddr(objs[0]!))), [0, 256, 512]);
  let st = slabState(k, slab);
  assert.equal(st.freelist, -1);
  assert.equal(st.counters, 0x80100010n);
  assert.equal(s.nr_partial, 0);
  k.kmem_cache_free(s, objs[1]!);
  // The CPU freelist took it: the slab's own words do not move.
  assert.equal(slabState(k, slab).counters, 0x80100010n);
  assert.equal(k.kmem_cache_alloc(s, GFP_KERNEL), objs[1]);
  assert.equal(Number(k.kaddr(k.kmem_cache_alloc(s, GFP_KERNEL)) - k.kaddr(objs[0]!)), 768);
  // Used up, the slab is unfrozen and on no list; the next allocation starts a new CPU slab.
  for (let i = 4; i < 16; i++) k.kmem_cache_alloc(s, GFP_KERNEL);
  assert.equal(slabState(k, slab).frozen, 1);
  const next = k.kmem_cache_alloc(s, GFP_KERNEL);
  assert.notEqual(k.virt_to_slab(next), slab);
  st = slabState(k, slab);
  assert.deepEqual([st.freelist, st.counters, st.nodePartial], [-1, 0x00100010n, false]);
  assert.equal(cpuSlab(k, s), k.virt_to_slab(next));
});

test('linux-6.12: a free to a slab that is not the CPU slab goes to its own freelist and puts a full slab on the CPU partial list', () => {
  const k = machine('linux-6.12');
  const s = k.kmem_cache_create('t256', 256, 8);
  const first = Array.from({ length: 16 }, () => k.kmem_cache_alloc(s, GFP_KERNEL));
  const a = k.virt_to_slab(first[0]!);
  const other = k.kmem_cache_alloc(s, GFP_KERNEL);
  const b = k.virt_to_slab(other);
  assert.notEqual(a, b);
  k.kmem_cache_free(s, first[5]!);
  let st = slabState(k, a);
  assert.equal(st.freelist, first[5]);
  assert.equal(st.counters, 0x0010000fn); // 15 in use, not frozen
  assert.equal(st.listNext, 0n); // slab->next: the only CPU partial slab
  assert.equal(st.slabs, 1);
  assert.equal(st.nodePartial, false);
  assert.equal(s.nr_partial, 0);
  // A second free to it: onto its freelist, nothing else moves.
  k.kmem_cache_free(s, first[6]!);
  st = slabState(k, a);
  assert.equal(st.freelist, first[6]);
  assert.equal(st.inuse, 14);
  // The CPU slab b still serves allocations; the CPU partial slab a is used once b runs out.
  for (let i = 1; i < 16; i++) assert.equal(k.virt_to_slab(k.kmem_cache_alloc(s, GFP_KERNEL)), b);
  assert.equal(k.kmem_cache_alloc(s, GFP_KERNEL), first[6]);
  assert.equal(cpuSlab(k, s), a);
  st = slabState(k, a);
  assert.deepEqual([st.freelist, st.counters], [-1, 0x80100010n]);
  assert.equal(k.kmem_cache_alloc(s, GFP_KERNEL), first[5]);
});

test('linux-6.12: kmem_cache_shrink() deactivates the CPU slab onto the node partial list, its CPU freelist given back', () => {
  const k = machine('linux-6.12') as Kernel & { kmem_cache_shrink(s: KmemCache): void };
  const s = k.kmem_cache_create('t256', 256, 8);
  const objs = [0, 1, 2].map(() => k.kmem_cache_alloc(s, GFP_KERNEL));
  const slab = k.virt_to_slab(objs[0]!);
  k.kmem_cache_free(s, objs[2]!);
  k.kmem_cache_shrink(s);
  assert.equal(cpuSlab(k, s), -1);
  const st = slabState(k, slab);
  assert.equal(st.counters, 0x00100002n);
  assert.equal(st.freelist, objs[2]);
  assert.equal(st.nodePartial, true);
  assert.equal(s.nr_partial, 1);
  // The next allocation freezes it again from the node partial list.
  assert.equal(k.kmem_cache_alloc(s, GFP_KERNEL), objs[2]);
  assert.equal(slabState(k, slab).counters, 0x80100010n);
  assert.equal(slabState(k, slab).nodePartial, false);
  assert.equal(s.nr_partial, 0);
});

test('baseline unchanged: its slabs sit on the node partial list with their freelist in struct slab', () => {
  const k = machine('baseline');
  const s = k.kmem_cache_create('t256', 256, 8);
  const o = k.kmem_cache_alloc(s, GFP_KERNEL);
  const slab = k.virt_to_slab(o);
  const st = slabState(k, slab);
  assert.equal(st.counters, 0x00100001n);
  assert.equal(Number(k.kaddr(st.freelist) - k.kaddr(o)), 256);
  assert.equal(st.nodePartial, false);
  assert.equal(s.nr_partial, 1);
  assert.equal('kmemCacheCpu' in k, false);
  k.kmem_cache_free(s, o);
  assert.equal(slabState(k, slab).freelist, o);
});
