/**
 * The fused anonymous fault, zap and put paths (Memory.faultAnon4k(), the
 * inline ptes of zap_pte_range(), Rmap.putGatheredFused()) leave the
 * machine as the chain of kernel functions does, byte for byte: random
 * sequences of mmaps, write and read faults, munmaps of whole mappings and
 * parts, MADV_DONTNEED zaps, address spaces torn down, RCU grace periods,
 * CPU switches and the per-CPU lists disabled, with damage injected where
 * the paths read (the LRU list a new folio joins, a mapped folio's flags,
 * mapcount, refcount, pte or LRU links, the page the next fault takes, a
 * VMA made read-only) run on two baseline machines, one that takes the
 * fused paths and one that cannot (its class overrides a helper all three
 * read inline); the memory, zones, nodes, event counters, rss counters,
 * reports (with their stacks) and console must agree after every few
 * operations and at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Kernel } from '../src/kernel/kernel.js';
import { assertSameMemory, fusedAndCalls, togglePcpLists } from './helpers/fused.js';
import type { MmStruct } from '../src/kernel/mm_types.js';
import { FAULT_FLAG_WRITE } from '../src/kernel/memory.js';
import { VM_WRITE } from '../src/kernel/mm_types.js';
import { PG_active, PG_lru, PG_mlocked } from '../src/kernel/page-flags.js';

type Op =
  | { readonly op: 'mmap'; readonly mm: number; readonly pages: number }
  | { readonly op: 'fault'; readonly mm: number; readonly v: number; readonly at: number; readonly n: number; readonly write: boolean }
  | { readonly op: 'munmap'; readonly mm: number; readonly v: number; readonly at: number; readonly n: number }
  | { readonly op: 'dontneed'; readonly mm: number; readonly v: number; readonly at: number; readonly n: number }
  | { readonly op: 'exit'; readonly mm: number }
  | { readonly op: 'rcu' }
  | { readonly op: 'cpu'; readonly cpu: number }
  | { readonly op: 'pcpoff' }
  | { readonly op: 'folio'; readonly mm: number; readonly v: number; readonly at: number; readonly how: 'active' | 'mlocked' | 'mapcount' | 'ref' | 'nolru' | 'special' | 'pfn' | 'lrunext' | 'lruprev' }
  | { readonly op: 'lru'; readonly how: 'head' | 'first' | 'active' }
  | { readonly op: 'nextpage'; readonly how: 'active' | 'head' | 'poison' }
  | { readonly op: 'readonly'; readonly mm: number; readonly v: number };

const mmArb = fc.constantFrom(0, 0, 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('mmap' as const), mm: mmArb, pages: fc.constantFrom(1, 8, 64, 600, 1100) }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('fault' as const), mm: mmArb, v: fc.nat(), at: fc.nat(), n: fc.constantFrom(1, 1, 30, 600), write: fc.constantFrom(true, true, true, false) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('munmap' as const), mm: mmArb, v: fc.nat(), at: fc.nat(), n: fc.constantFrom(1, 40, 5000) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('dontneed' as const), mm: mmArb, v: fc.nat(), at: fc.nat(), n: fc.constantFrom(1, 40, 5000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('exit' as const), mm: mmArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rcu' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cpu' as const), cpu: fc.constantFrom(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pcpoff' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('folio' as const),
      mm: mmArb,
      v: fc.nat(),
      at: fc.nat(),
      how: fc.constantFrom('active' as const, 'mlocked' as const, 'mapcount' as const, 'ref' as const, 'nolru' as const, 'special' as const, 'pfn' as const, 'lrunext' as const, 'lruprev' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('lru' as const), how: fc.constantFrom('head' as const, 'first' as const, 'active' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('nextpage' as const), how: fc.constantFrom('active' as const, 'head' as const, 'poison' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('readonly' as const), mm: mmArb, v: fc.nat() }) },
);

interface Hot {
  fusedFault: boolean;
  fusedZap: boolean;
  fusedFlush: boolean;
  lruvecWord: number[];
}
const hot = (k: Kernel): Hot => k as unknown as Hot;

function machines(): { fused: Kernel; calls: Kernel } {
  // Overriding one helper the three paths read inline sends this machine through the calls
  // (the per-CPU pair stays fused on both: test/fused-pcp.test.ts compares that).
  const { fused, calls } = fusedAndCalls('folio_test_flag', { memoryBytes: 64 * 2 ** 20, cpus: 2, nodes: 1, thp: 'never' });
  for (const [k, on] of [
    [fused, true],
    [calls, false],
  ] as const) {
    assert.equal(hot(k).fusedFault, on, 'fused fault');
    assert.equal(hot(k).fusedZap, on, 'fused zap');
    assert.equal(hot(k).fusedFlush, on, 'fused put');
  }
  return { fused, calls };
}

function state(k: Kernel, mms: readonly (MmStruct | null)[]): unknown {
  return {
    zones: k.zones.map((z) => ({
      flags: z.flags,
      stat: [...z.vm_stat],
      pcp: z.pcp.map((p) => [p.count, p.high, p.high_min, p.high_max, p.batch, p.flags, p.alloc_factor, p.free_count]),
    })),
    nodes: k.nodes.map((n) => [...n.vm_stat]),
    events: [...k.vm_events],
    rss: mms.map((mm) => (mm === null ? null : [...mm.rss_stat, mm.pgtables_bytes])),
    vmas: mms.map((mm) => (mm === null ? null : mm.vmas.map((v) => [v.vm_start, v.vm_end, v.vm_flags, v.vm_pgoff, v.anon_vma === null ? -1 : v.anon_vma.obj]))),
    reports: k.reports.map((r) => [r.kind, r.function, r.message, r.text]),
    console: [...k.console],
    taints: [...k.taints].sort(),
  };
}

function assertSame(a: Kernel, b: Kernel, ma: readonly (MmStruct | null)[], mb: readonly (MmStruct | null)[], what: string): void {
  assertSameMemory(a, b, what);
  assert.deepEqual(state(a, ma), state(b, mb), what);
}

/** The VMA `v` (modulo the count) of an mm, or null. */
function vmaOf(mm: MmStruct | null, v: number): MmStruct['vmas'][number] | null {
  if (mm === null || mm.vmas.length === 0) return null;
  return mm.vmas[v % mm.vmas.length]!;
}

/** The struct page word of the page mapped at page `at` of VMA `v`, and its pte word; null when none is mapped there. */
function mapped(k: Kernel, mm: MmStruct | null, v: number, at: number): { w: number; pte: number } | null {
  const vma = vmaOf(mm, v);
  if (vma === null) return null;
  const pages = (vma.vm_end - vma.vm_start) / 4096;
  const pte = k.walkToPte(mm!, vma.vm_start + (at % pages) * 4096);
  if (pte < 0 || !k.entryPresent(pte) || k.pte_special(pte)) return null;
  const pfn = k.entryPfn(pte);
  return pfn < k.nr_pages ? { w: pfn * k.PW, pte } : null;
}

/** Runs one operation; an error ends the run (a BUG, as it ends a scenario): returns its message. */
function apply(k: Kernel, mms: (MmStruct | null)[], o: Op): string | null {
  try {
    switch (o.op) {
      case 'mmap': {
        if (mms[o.mm] === null) mms[o.mm] = k.mm_alloc();
        const mm = mms[o.mm];
        if (mm !== null) k.do_mmap(mm, 0, o.pages * 4096);
        break;
      }
      case 'fault': {
        const mm = mms[o.mm] ?? null;
        const vma = vmaOf(mm, o.v);
        if (vma === null) break;
        const pages = (vma.vm_end - vma.vm_start) / 4096;
        for (let j = 0; j < o.n && j < pages; j++) k.handle_mm_fault(vma, vma.vm_start + ((o.at + j) % pages) * 4096, o.write ? FAULT_FLAG_WRITE : 0);
        break;
      }
      case 'munmap':
      case 'dontneed': {
        const mm = mms[o.mm] ?? null;
        const vma = vmaOf(mm, o.v);
        if (vma === null) break;
        const pages = (vma.vm_end - vma.vm_start) / 4096;
        const start = vma.vm_start + (o.at % pages) * 4096;
        if (o.op === 'munmap') k.do_vmi_munmap(mm!, start, o.n * 4096);
        else k.zap_page_range_single(vma, start, o.n * 4096);
        break;
      }
      case 'exit': {
        const mm = mms[o.mm] ?? null;
        if (mm !== null) k.mmput(mm);
        mms[o.mm] = null;
        break;
      }
      case 'rcu':
        k.synchronize_rcu();
        break;
      case 'cpu':
        k.current.cpu = o.cpu;
        break;
      case 'pcpoff':
        togglePcpLists(k);
        break;
      case 'folio': {
        const m = mapped(k, mms[o.mm] ?? null, o.v, o.at);
        if (m === null) break;
        const { w, pte } = m;
        const wf = w + k.W_flags;
        if (o.how === 'active') k.m32[wf] = (k.m32[wf]! | (1 << PG_active)) >>> 0;
        else if (o.how === 'mlocked') k.m32[wf] = (k.m32[wf]! | (1 << PG_mlocked)) >>> 0;
        else if (o.how === 'nolru') k.m32[wf] = (k.m32[wf]! & ~(1 << PG_lru)) >>> 0;
        else if (o.how === 'mapcount') k.i32[w + k.W_mapcount] = 1;
        else if (o.how === 'ref') k.i32[w + k.W_refcount] = k.i32[w + k.W_refcount]! + 1;
        else if (o.how === 'special') k.m32[pte] = (k.m32[pte]! | 0x200) >>> 0;
        else if (o.how === 'pfn') k.m32[pte] = (k.m32[pte]! + 0x1000) >>> 0;
        // The folio's LRU links: next made to point at itself, or prev at another page's lru.
        else if (o.how === 'lrunext') k.i32[w + k.W_lru] = ((w + k.W_lru) * 4) | 0;
        else k.i32[w + k.W_lru + 2] = ((w + k.W_lru + 7 * k.PW) * 4) | 0;
        break;
      }
      case 'lru': {
        // The inactive anon list a new folio joins: its head's next at a page not on it, or its
        // first entry's prev elsewhere; or a page put on the active list's head.
        const head = hot(k).lruvecWord[0]!;
        if (o.how === 'head') {
          k.i32[head] = ((100 * k.PW + k.W_lru) * 4) | 0;
          k.i32[head + 1] = 0xffffea00 | 0;
        } else if (o.how === 'first') {
          const lo = k.i32[head]!;
          if (k.i32[head + 1] === (0xffffea00 | 0)) k.i32[(lo >>> 2) + 2] = ((200 * k.PW + k.W_lru) * 4) | 0;
        } else {
          k.i32[head + 4] = 0;
          k.i32[head + 5] = 0;
        }
        break;
      }
      case 'nextpage': {
        // The page the next allocation takes (the first on this CPU's movable per-CPU list) damaged.
        const z = k.zones[1]!.present_pages > 0 ? k.zones[1]! : k.zones[0]!;
        const pcp = z.pcp[k.current.cpu]!;
        const list = pcp.listsWord + 1 * 4;
        if (k.i32[list + 1] !== (0xffffea00 | 0)) break;
        const w = (k.i32[list]! >>> 2) - k.W_lru;
        if (o.how === 'active') k.m32[w + k.W_flags] = (k.m32[w + k.W_flags]! | (1 << PG_active)) >>> 0;
        else if (o.how === 'head') k.m32[w + k.W_flags] = (k.m32[w + k.W_flags]! | (1 << 6)) >>> 0;
        else {
          k.m32[w + k.W_flags] = 0xffffffff;
          k.m32[w + k.W_flags + 1] = 0xffffffff;
        }
        break;
      }
      case 'readonly': {
        const vma = vmaOf(mms[o.mm] ?? null, o.v);
        if (vma !== null) vma.vm_flags &= ~VM_WRITE;
        break;
      }
    }
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  return null;
}

/** Each damage once where the paths read it, before the faults, zaps and puts that read it (run first, then the random ones). */
const refault: Op[] = [
  { op: 'dontneed', mm: 0, v: 0, at: 0, n: 40 },
  { op: 'fault', mm: 0, v: 0, at: 0, n: 40, write: true },
];
const EXAMPLES: Op[][] = [
  [{ op: 'lru', how: 'head' }, ...refault],
  [{ op: 'lru', how: 'first' }, ...refault],
  [{ op: 'lru', how: 'active' }, { op: 'folio', mm: 0, v: 0, at: 3, how: 'active' }, ...refault],
  [{ op: 'nextpage', how: 'active' }, ...refault],
  [{ op: 'nextpage', how: 'head' }, ...refault],
  [{ op: 'nextpage', how: 'poison' }, ...refault],
  [{ op: 'readonly', mm: 0, v: 0 }, ...refault],
  [{ op: 'pcpoff' }, ...refault],
  ...(['active', 'mlocked', 'mapcount', 'ref', 'nolru', 'special', 'pfn', 'lrunext', 'lruprev'] as const).map((how): Op[] => [{ op: 'folio', mm: 0, v: 0, at: 5, how }, ...refault]),
];

/** The same operations on a machine taking the fused paths and one making the calls: the same results and byte-identical machines. */
function fusedMatchesCalls(seed: number, prepare: (k: Kernel) => void): void {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 30, size: 'max' }), (ops) => {
      const { fused, calls } = machines();
      try {
        prepare(fused);
        prepare(calls);
        const ma: (MmStruct | null)[] = [fused.mm_alloc(), fused.mm_alloc()];
        const mb: (MmStruct | null)[] = [calls.mm_alloc(), calls.mm_alloc()];
        // A mapping of 600 pages written to first (so the damage has folios to land on), and at the
        // end both address spaces torn down (so every folio left goes through the zap and the put).
        const all: Op[] = [{ op: 'mmap', mm: 0, pages: 600 }, { op: 'fault', mm: 0, v: 0, at: 0, n: 600, write: true }, ...ops, { op: 'exit', mm: 0 }, { op: 'exit', mm: 1 }, { op: 'rcu' }];
        for (let i = 0; i < all.length; i++) {
          const ea = apply(fused, ma, all[i]!);
          const eb = apply(calls, mb, all[i]!);
          assert.equal(ea, eb, `operation ${i}: ${JSON.stringify(all[i])}`);
          if (ea !== null) break;
          if (i % 6 === 5) assertSame(fused, calls, ma, mb, `after operation ${i}`);
        }
        assertSame(fused, calls, ma, mb, 'at the end');
      } finally {
        // Their memory to the next case's machines, already resident (a first write to new memory faults page by page).
        fused.releaseMemory();
        calls.releaseMemory();
      }
    }),
    { numRuns: 15, seed, examples: EXAMPLES.map((ops) => [ops]) },
  );
}

test('the fused anonymous fault, zap and put leave the machine as the kernel functions do', () => {
  fusedMatchesCalls(21, () => {});
});

test('with the per-CPU lists disabled, the fused fault and put leave the machine as the kernel functions do', () => {
  fusedMatchesCalls(22, (k) => {
    for (const z of k.zones) k.zone_pcp_disable(z);
  });
});
