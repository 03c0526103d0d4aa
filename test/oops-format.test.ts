/**
 * The oops, stack-dump and "Bad page map" texts line by line, as linux-mm
 * 7.3-rc5 prints them: a kernel-mode page fault (arch/x86/mm/fault.c
 * page_fault_oops()), the page-table walk of print_bad_page_map()
 * (mm/memory.c), and dump_stack() traces that keep the reporting function.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers/machine.js';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { KernelBug } from '../src/report/report.js';
import { runScenario } from '../src/engine/run.js';
import { variantLookup } from '../src/engine/load.js';
import { opLookup } from '../src/engine/registry.js';
import { parseScenario } from '../src/scenario/parse.js';
import type { Kernel } from '../src/kernel/kernel.js';

function bugText(k: Kernel, f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof KernelBug) return e.report.text;
    throw e;
  }
  assert.fail('no oops');
}

/** The lines of an oops before the CPU line and from "Modules linked in:" on. */
function ends(text: string): { head: string[]; tail: string[] } {
  const lines = text.split('\n');
  const cpu = lines.findIndex((l) => l.startsWith('CPU: '));
  return { head: lines.slice(0, cpu), tail: lines.slice(lines.indexOf('Modules linked in:')) };
}

test('a struct page pointer past the memmap: the #PF lines, the walk of the page tables (vmemmap is not in them), "Oops: Oops:", CR2 before the end marker', () => {
  const run = runScenario(
    parseScenario('machine: {memory: 64MiB}\nsteps:\n  - alloc_pages: {gfp: GFP_KERNEL}\n    as: p\n  - __free_pages: p + 100000000\n', 't.yaml', opLookup, variantLookup),
    'baseline',
  );
  assert.equal(run.reports.length, 1);
  const { head, tail } = ends(run.reports[0]!.text);
  assert.deepEqual(head, [
    'BUG: unable to handle page fault for address: ffffea017d804034',
    '#PF: supervisor read access in kernel mode',
    '#PF: error_code(0x0000) - not-present page',
    'PGD 0 P4D 0 ',
    'Oops: Oops: 0000 [#1] SMP NOPTI',
  ]);
  assert.deepEqual(tail, ['Modules linked in:', 'CR2: ffffea017d804034', '---[ end trace 0000000000000000 ]---']);
  assert.equal(run.reports[0]!.message, 'BUG: unable to handle page fault for address: ffffea017d804034');
});

test('a direct-map address past the end of memory: the walk goes down the direct map to the PMD that is not present', () => {
  const k = machine('baseline', 256 * 2 ** 20);
  const { head } = ends(bugText(k, () => k.oopsDirectMap(k.nr_pages + 5)));
  assert.deepEqual(head, [
    'BUG: unable to handle page fault for address: ffff888010005000',
    '#PF: supervisor read access in kernel mode',
    '#PF: error_code(0x0000) - not-present page',
    'PGD 1801063 P4D 1801063 PUD 1802063 PMD 0 ',
    'Oops: Oops: 0000 [#1] SMP NOPTI',
  ]);
});

test('panic_on_oops: 0: a second page fault is oops #2', () => {
  const text = 'machine: {memory: 64MiB, panic_on_oops: 0}\nsteps:\n  - alloc_pages: {gfp: GFP_KERNEL}\n    as: p\n  - put_page: p + 0x100000\n  - put_page: p - 0x10000000\n';
  const run = runScenario(parseScenario(text, 't.yaml', opLookup, variantLookup), 'baseline');
  const oopsLines = run.reports.map((r) => r.text.split('\n').find((l) => l.startsWith('Oops: ')));
  assert.deepEqual(oopsLines, ['Oops: Oops: 0000 [#1] SMP NOPTI', 'Oops: Oops: 0000 [#2] SMP NOPTI']);
});

test('an RCU callback pointer: NULL and an unmapped address are instruction fetches, a mapped NX page a permissions violation, a non-canonical one a #GP', () => {
  const cases: [bigint, string[], string[]][] = [
    [
      0n,
      ['BUG: kernel NULL pointer dereference, address: 0000000000000000', '#PF: supervisor instruction fetch in kernel mode', '#PF: error_code(0x0010) - not-present page', 'PGD 0 P4D 0 ', 'Oops: Oops: 0010 [#1] SMP NOPTI'],
      ['Modules linked in:', 'CR2: 0000000000000000', '---[ end trace 0000000000000000 ]---'],
    ],
    [
      0xffff888000001000n,
      [
        'kernel tried to execute NX-protected page - exploit attempt? (uid: 0)',
        'BUG: unable to handle page fault for address: ffff888000001000',
        '#PF: supervisor instruction fetch in kernel mode',
        '#PF: error_code(0x0011) - permissions violation',
        'PGD 1801063 P4D 1801063 PUD 1802063 PMD 1803063 PTE 8000000000001163',
        'Oops: Oops: 0011 [#1] SMP NOPTI',
      ],
      ['Modules linked in:', 'CR2: ffff888000001000', '---[ end trace 0000000000000000 ]---'],
    ],
    [0xdead000000000100n, ['Oops: general protection fault: 0000 [#1] SMP NOPTI'], ['Modules linked in:', '---[ end trace 0000000000000000 ]---']],
  ];
  for (const [func, head, tail] of cases) {
    const k = machine();
    const w = k.pageContentsWord(k.alloc_pages(GFP_KERNEL, 0));
    k.call_rcu(w, 'pte_free_now');
    k.m32[w + 2] = Number(func & 0xffffffffn);
    k.m32[w + 3] = Number(func >> 32n);
    const text = bugText(k, () => k.rcu_barrier());
    const got = ends(text);
    assert.deepEqual(got.head, head);
    // The softirq's oops panics: the panic lines follow the end marker.
    assert.deepEqual(got.tail.slice(0, tail.length), tail);
  }
});

test('"Bad page map": pte and the upper entries as %08llx, and the stack dump names print_bad_page_map', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.mmap_file(mm, 0, 4096, 0x1 | 0x10, 'device');
  const vma = mm.find_vma(a)!;
  const p = k.alloc_pages(GFP_KERNEL, 0);
  assert.equal(k.vm_insert_page(vma, a, p), 0);
  k.i32[p * k.PW + k.W_mapcount] = -1;
  k.zap_page_range_single(vma, a, 4096);
  const lines = k.reports.find((r) => r.function === 'print_bad_page_map')!.text.split('\n');
  assert.match(lines[0]!, /^BUG: Bad page map in process pagesim {2}pte:[0-9a-f]{8,16}$/);
  assert.match(lines[1]!, /^pgd:[0-9a-f]{8} p4d:[0-9a-f]{8} pud:[0-9a-f]{8} pmd:[0-9a-f]{8}$/);
  const pgd = lines[1]!.split(' ')[0]!.slice(4);
  assert.equal(lines[1]!.split(' ')[1], `p4d:${pgd}`, 'with 4-level paging the p4d is the pgd entry');
  const trace = lines.slice(lines.indexOf(' <TASK>') + 1, lines.indexOf(' </TASK>'));
  assert.equal(trace[0], ' dump_stack_lvl+0x5d/0x80');
  assert.match(trace[1]!, /^ print_bad_page_map\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
});

test('"Bad page map" with an entry above the pte not present ends the walk there', () => {
  const k = machine();
  const mm = k.mm_alloc()!;
  const a = k.mmap_file(mm, 0, 4096, 0x1 | 0x10, 'device');
  assert.equal(k.__print_bad_page_map_pgtable(mm, a), 'pgd:00000000 p4d:00000000', 'nothing mapped yet: the p4d is not present');
  assert.equal(k.vm_insert_page(mm.find_vma(a)!, a, k.alloc_pages(GFP_KERNEL, 0)), 0);
  const pud = k.pud_offset(k.pgd_offset(mm, a), a);
  k.m32[pud] = 0;
  k.m32[pud + 1] = 0;
  assert.match(k.__print_bad_page_map_pgtable(mm, a), /^pgd:([0-9a-f]{8}) p4d:\1 pud:00000000$/);
});

test('bad_page() and warn_alloc() stack dumps show their own frame below dump_stack_lvl', () => {
  const k = machine('baseline', 64 * 2 ** 20);
  const p = k.alloc_pages(GFP_KERNEL, 0);
  k.__free_pages(p, 0);
  k.m32[p * k.PW] = (k.m32[p * k.PW]! | 0x10) >>> 0; // PG_dirty on a free page
  k.alloc_pages(GFP_KERNEL, 0);
  const bad = k.reports.find((r) => r.kind === 'bad_page')!.text.split('\n');
  const at = bad.indexOf(' dump_stack_lvl+0x5d/0x80');
  assert.ok(at > 0);
  assert.match(bad[at + 1]!, /^ bad_page\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
  const k2 = machine('baseline', 64 * 2 ** 20);
  for (let i = 0; i < 40 && !k2.reports.some((r) => r.function === 'warn_alloc'); i++) k2.alloc_pages(GFP_KERNEL, 10);
  const warn = k2.reports.find((r) => r.function === 'warn_alloc')!.text.split('\n');
  const w = warn.indexOf(' dump_stack_lvl+0x5d/0x80');
  assert.match(warn[w + 1]!, /^ warn_alloc\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
  assert.match(warn[w + 2]!, /^ __alloc_pages_slowpath\+/);
});
