/**
 * Property-based tests of address spaces (fast-check): random sequences of
 * mmap, faults, THP splits and collapses, munmap, grace periods and exits
 * keep every checker clean (page tables, rmap, slab, free lists) under
 * mainline and the ptdesc variants whose ordinary paths are sound; and once
 * every mm is gone and the grace period has passed, no page table, mapping
 * or LRU page is left and every page is back in the allocator except the
 * ones slab caches and the huge zero folio keep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { restoredMachine } from './helpers/machine.js';
import { checkMachine } from '../src/check/checker.js';
import type { Kernel } from '../src/kernel/kernel.js';
import type { MmStruct } from '../src/kernel/mm_types.js';
import { FAULT_FLAG_WRITE } from '../src/kernel/memory.js';
import { NR_ANON_MAPPED, NR_FREE_PAGES, NR_PAGETABLE, nodeStat } from '../src/kernel/vmstat.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface Model {
  mms: MmStruct[];
  /** [mm index, start, len] of each mapping made. */
  maps: [number, number, number][];
}

function violations(k: Kernel): string[] {
  return checkMachine(k).violations.map((v) => `${v.checker}: ${v.what}`);
}

/** The mapping a command picks, with its live mm; null once that mm has exited. */
function pickMap(m: Model, map: number): { mm: MmStruct; start: number; len: number } | null {
  const [i, start, len] = m.maps[map % m.maps.length]!;
  const mm = m.mms[i];
  return mm === undefined || mm.dead ? null : { mm, start, len };
}

/** Commands on a mapping run only once one exists. */
abstract class OnMap {
  constructor(readonly map: number) {}
  check(m: Readonly<Model>): boolean {
    return m.maps.length > 0;
  }
}

class MmAlloc implements fc.Command<Model, Kernel> {
  check(m: Readonly<Model>): boolean {
    return m.mms.length < 3;
  }
  run(m: Model, k: Kernel): void {
    const mm = k.mm_alloc();
    if (mm !== null) m.mms.push(mm);
  }
  toString(): string {
    return 'mm_alloc()';
  }
}

class Mmap implements fc.Command<Model, Kernel> {
  constructor(
    readonly mm: number,
    readonly len: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.mms.length > 0;
  }
  run(m: Model, k: Kernel): void {
    const i = this.mm % m.mms.length;
    const a = k.do_mmap(m.mms[i]!, 0, this.len);
    if (a > 0) m.maps.push([i, a, this.len]);
  }
  toString(): string {
    return `mmap(mm${this.mm}, ${this.len / KiB}KiB)`;
  }
}

class Fault extends OnMap implements fc.Command<Model, Kernel> {
  constructor(
    map: number,
    readonly page: number,
    readonly write: boolean,
  ) {
    super(map);
  }
  run(m: Model, k: Kernel): void {
    const p = pickMap(m, this.map);
    if (p === null) return;
    const addr = p.start + ((this.page * 4 * KiB) % p.len);
    const vma = p.mm.find_vma(addr);
    if (vma !== null) k.handle_mm_fault(vma, addr, this.write ? FAULT_FLAG_WRITE : 0);
  }
  override toString(): string {
    return `handle_mm_fault(map${this.map}, page ${this.page}, ${this.write ? 'write' : 'read'})`;
  }
}

class Split extends OnMap implements fc.Command<Model, Kernel> {
  run(m: Model, k: Kernel): void {
    const p = pickMap(m, this.map);
    if (p === null) return;
    const vma = p.mm.find_vma(p.start);
    const pmd = k.walkToPmd(p.mm, p.start);
    if (vma !== null && pmd >= 0) k.__split_huge_pmd(vma, pmd, p.start);
  }
  override toString(): string {
    return `split_huge_pmd(map${this.map})`;
  }
}

class Collapse extends OnMap implements fc.Command<Model, Kernel> {
  run(m: Model, k: Kernel): void {
    const p = pickMap(m, this.map);
    if (p !== null) k.collapse_pte_mapped_thp(p.mm, p.start);
  }
  override toString(): string {
    return `collapse_pte_mapped_thp(map${this.map})`;
  }
}

class Munmap extends OnMap implements fc.Command<Model, Kernel> {
  constructor(
    map: number,
    readonly from: number,
    readonly pages: number,
  ) {
    super(map);
  }
  run(m: Model, k: Kernel): void {
    const p = pickMap(m, this.map);
    if (p !== null) k.do_vmi_munmap(p.mm, p.start + ((this.from * 4 * KiB) % p.len), this.pages * 4 * KiB);
  }
  override toString(): string {
    return `munmap(map${this.map}, +${this.from} pages, ${this.pages} pages)`;
  }
}

class Rcu implements fc.Command<Model, Kernel> {
  check(): boolean {
    return true;
  }
  run(_m: Model, k: Kernel): void {
    k.synchronize_rcu();
  }
  toString(): string {
    return 'synchronize_rcu()';
  }
}

class Mmput implements fc.Command<Model, Kernel> {
  constructor(readonly mm: number) {}
  check(m: Readonly<Model>): boolean {
    return m.mms.some((x) => !x.dead);
  }
  run(m: Model, k: Kernel): void {
    const live = m.mms.filter((x) => !x.dead);
    k.mmput(live[this.mm % live.length]!);
  }
  toString(): string {
    return `mmput(mm${this.mm})`;
  }
}

/** After each command the checkers must agree with the machine. */
class Checked implements fc.Command<Model, Kernel> {
  constructor(readonly inner: fc.Command<Model, Kernel>) {}
  check(m: Readonly<Model>): boolean {
    return this.inner.check(m);
  }
  run(m: Model, k: Kernel): void {
    this.inner.run(m, k);
    assert.deepEqual(violations(k), [], `after ${this.inner.toString()}`);
    assert.deepEqual(k.reports.map((r) => r.message), [], `after ${this.inner.toString()}`);
  }
  toString(): string {
    return this.inner.toString();
  }
}

const commands = [
  fc.constant(new MmAlloc()),
  fc.tuple(fc.nat(5), fc.constantFrom(16 * KiB, 64 * KiB, 2 * MiB, 4 * MiB, 6 * MiB)).map(([mm, len]) => new Mmap(mm, len)),
  // Faults are what builds page tables: weigh them up.
  ...[1, 2, 3].map(() => fc.tuple(fc.nat(20), fc.nat(1535), fc.boolean()).map(([map, page, write]) => new Fault(map, page, write))),
  fc.nat(20).map((map) => new Split(map)),
  fc.nat(20).map((map) => new Collapse(map)),
  fc.tuple(fc.nat(20), fc.nat(1535), fc.integer({ min: 1, max: 700 })).map(([map, from, pages]) => new Munmap(map, from, pages)),
  fc.constant(new Rcu()),
  fc.nat(5).map((mm) => new Mmput(mm)),
].map((arb) => arb.map((c) => new Checked(c) as fc.Command<Model, Kernel>));

function slabPages(k: Kernel): number {
  return k.slabCaches.reduce((n, c) => n + (c.nr_slabs << c.order), 0);
}

for (const variant of ['baseline', 'ptdesc-frozen', 'ptdesc-memdesc']) {
  test(`random address-space lives keep every checker clean and give all memory back (${variant})`, () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 60, size: 'large' }), (cmds) => {
        // 128 MiB: the checkers read every struct page after every command, and
        // these lives take at most 12 MiB (3,103 pages) of the 108 MiB free.
        const k = restoredMachine(variant, 128 * MiB);
        k.drain_all_pages(null);
        const free0 = k.global_zone_page_state(NR_FREE_PAGES);
        const model: Model = { mms: [], maps: [] };
        fc.modelRun(() => ({ model, real: k }), cmds);
        for (const mm of model.mms) if (!mm.dead) k.mmput(mm);
        k.rcu_barrier();
        assert.deepEqual(violations(k), []);
        assert.deepEqual(k.reports.map((r) => r.message), [], 'no kernel report (check_mm, bad_page, WARN)');
        assert.equal(k.global_node_page_state(NR_PAGETABLE), 0);
        assert.equal(k.global_node_page_state(NR_ANON_MAPPED), 0);
        assert.equal(k.global_node_page_state(nodeStat('nr_inactive_anon')), 0);
        k.drain_all_pages(null);
        const zero = k.huge_zero_folio >= 0 ? 512 : 0;
        assert.equal(k.global_zone_page_state(NR_FREE_PAGES) + slabPages(k) + zero, free0);
      }),
      { numRuns: 60, seed: 0x5eed },
    );
  });
}
