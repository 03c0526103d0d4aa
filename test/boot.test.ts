/**
 * Boot in one pass over the memmap (MmInit.memmapInitFree) leaves the
 * machine memmap_init() then memblock_free_all() leave, byte for byte:
 * every struct page, the free lists and counters in kernel data, the
 * pageblock types and every zone's figures, on machines of one and two
 * nodes, across the DMA32/Normal boundary, under every variant, and on a
 * plan with many reservations and struct pages left uninitialised (as
 * replay plans a traced machine).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVariant } from '../src/engine/build.js';
import { planMachine, type MachinePlan } from '../src/kernel/mm_init.js';
import { SymbolTable } from '../src/kernel/symbols.js';
import type { Kernel } from '../src/kernel/kernel.js';
import { VARIANTS } from '../src/variants/index.js';
import { NR_FREE_PAGES } from '../src/kernel/vmstat.js';

/** Boots `plan` under `stack` in one pass (when the variant allows it) and in three (memmap_init() overridden). */
function bootBoth(stack: string, plan: MachinePlan): { one: Kernel; three: Kernel } {
  const built = buildVariant(stack);
  const make = (cls: typeof Kernel): Kernel => {
    const k = new cls(plan, { structs: built.structs }, new SymbolTable(built.symbolDecls));
    k.boot();
    return k;
  };
  class ThreePasses extends built.kernelClass {
    override memmap_init(): void {
      super.memmap_init();
    }
  }
  const three = make(ThreePasses);
  assert.equal(three.bootsInOnePass(), false);
  return { one: make(built.kernelClass), three };
}

function zoneFigures(k: Kernel): unknown {
  return k.zones.map((z) => ({
    name: z.name,
    start: z.zone_start_pfn,
    spanned: z.spanned_pages,
    present: z.present_pages,
    managed: z.managed_pages,
    wmark: [...z._watermark],
    lowmem: [...z.lowmem_reserve],
    stat: [...z.vm_stat],
    pcp: z.pcp.map((p) => [p.batch, p.high_min, p.high_max, p.count]),
  }));
}

function assertSameMachine(one: Kernel, three: Kernel, what: string): void {
  assert.equal(one.buf.byteLength, three.buf.byteLength);
  // The memmap, the kernel data and the page-content slots boot used (slots are taken in order).
  assert.equal(one.contentPagesUsed(), three.contentPagesUsed());
  const bytes = one.poolWord * 4 + one.contentPagesUsed() * 4096;
  const a = Buffer.from(one.buf, 0, bytes);
  const b = Buffer.from(three.buf, 0, bytes);
  if (Buffer.compare(a, b) !== 0) {
    let i = 0;
    while (a[i] === b[i]) i++;
    const pfn = Math.floor(i / one.structPageSize);
    assert.fail(`${what}: memory differs first at byte ${i} (pfn ${pfn} if in the memmap, of ${one.nr_pages})`);
  }
  assert.deepEqual(Array.from(one.pageblockFlags), Array.from(three.pageblockFlags), `${what}: pageblock types`);
  assert.deepEqual(zoneFigures(one), zoneFigures(three), `${what}: zones`);
  assert.equal(one.min_free_kbytes, three.min_free_kbytes);
}

/** `plan` with more memblock reservations, and the struct pages of `uninitialised` (reserved among them) never initialised. */
function withReserved(plan: MachinePlan, extra: readonly (readonly [number, number])[], uninitialised: readonly (readonly [number, number])[]): MachinePlan {
  const merged: [number, number][] = [];
  for (const [s, e] of [...plan.reserved, ...extra, ...uninitialised].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return { ...plan, reserved: merged, uninitialised };
}

test('baseline boots in one pass, to the machine three passes make (1 and 2 nodes, 64 MiB to past 4 GiB)', () => {
  const size = buildVariant('baseline').structs.get('page')!.size;
  for (const [memoryBytes, nodes, cpus] of [
    [64 * 2 ** 20, 1, 1],
    [256 * 2 ** 20, 2, 2],
    [4 * 2 ** 30 + 64 * 2 ** 20, 1, 2],
  ] as const) {
    let plan = planMachine({ memoryBytes, cpus, nodes }, size);
    // Past 4 GiB: most of DMA32 reserved and left uninitialised, so the test stays small.
    if (memoryBytes > 2 ** 32) plan = withReserved(plan, [], [[0x20000, 0xff000]]);
    const { one, three } = bootBoth('baseline', plan);
    assert.equal(one.bootsInOnePass(), true);
    assertSameMachine(one, three, `${memoryBytes} bytes, ${nodes} nodes`);
    // The boot made free memory: every free page is in a buddy block and nothing else is.
    const managed = one.zones.reduce((s, z) => s + z.managed_pages, 0);
    const free = one.zones.reduce((s, z) => s + one.zone_page_state(z, NR_FREE_PAGES), 0);
    assert.ok(managed > 4000 && free === managed, `managed ${managed}, free ${free}`);
  }
});

test('every variant boots to the same machine either way', () => {
  for (const v of VARIANTS) {
    const built = buildVariant(v.name);
    const plan = planMachine({ memoryBytes: 64 * 2 ** 20, cpus: 2, nodes: 1 }, built.structs.get('page')!.size);
    const { one, three } = bootBoth(v.name, plan);
    assertSameMachine(one, three, v.name);
  }
});

test('a plan with scattered reservations and uninitialised struct pages boots the same either way', () => {
  const base = planMachine({ memoryBytes: 512 * 2 ** 20, cpus: 2, nodes: 1 }, buildVariant('baseline').structs.get('page')!.size);
  // Odd-sized reservations (blocks of every order are freed around them) and a reserved top
  // range whose struct pages are never initialised.
  const top: [number, number] = [0x1c000, base.kdataPfn];
  const plan = withReserved(base, [
    [0x1003, 0x1011],
    [0x2400, 0x2401],
    [0x7ff0, 0x8200],
    [0x10001, 0x10002],
    [0x18000, 0x1a000],
  ], [top]);
  const { one, three } = bootBoth('baseline', plan);
  assert.equal(one.bootsInOnePass(), true);
  assertSameMachine(one, three, 'scattered reservations');
  // The uninitialised struct pages stayed zero.
  const w = top[0] * one.PW;
  assert.ok(one.i32.subarray(w, top[1] * one.PW).every((x) => x === 0));
});
