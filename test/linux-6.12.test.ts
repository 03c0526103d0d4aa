/**
 * The linux-6.12 variant prints what 6.12.118 printed for the same
 * scenarios under QEMU (test/kernel/ differential run): 6.12's BUG lines,
 * its WARNING banner, no page type reset on free, nr_pages_mapped masked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from './helpers/machine.js';
import { loadScenario } from '../src/engine/load.js';
import { runScenario } from '../src/engine/run.js';
import '../src/engine/registry.js';

function run(name: string, variant = 'linux-6.12') {
  return runScenario(loadScenario(join(repoRoot, 'scenarios', `${name}.yaml`)), variant);
}

test('double-free: kernel BUG at include/linux/mm.h:1140 (6.12 put_page_testzero)', () => {
  const r = run('double-free');
  assert.equal(r.outcome, 'bug');
  assert.match(r.reports[0]!.text, /^kernel BUG at include\/linux\/mm\.h:1140!$/m);
  assert.match(r.reports[0]!.text, /^page dumped because: VM_BUG_ON_PAGE\(page_ref_count\(page\) == 0\)$/m);
});

test('typed-page-free: 6.12 does not reset page_type on free, the typed page is a bad page', () => {
  const r = run('typed-page-free');
  assert.equal(r.outcome, 'bad_page');
  assert.match(r.reports[0]!.text, /^BUG: Bad page state in process pagesim  pfn:/m);
  assert.match(r.reports[0]!.text, /^page dumped because: nonzero mapcount$/m);
  assert.equal(run('typed-page-free', 'baseline').outcome, 'ok');
});

test('order-too-large: the WARNING banner of 6.12 __warn(), in __alloc_pages_noprof at mm/page_alloc.c:4835', () => {
  const r = run('order-too-large');
  const warn = r.reports.find((x) => x.kind === 'WARN')!;
  assert.match(warn.text, /^WARNING: CPU: 0 PID: 1 at mm\/page_alloc\.c:4835 __alloc_pages_noprof\+0x[0-9a-f]+\/0x[0-9a-f]+$/m);
});

test('slab-double-free: slab pages hold a reference, same-sized caches merge, the double free BUGs at mm/slub.c:550', () => {
  const r = run('slab-double-free');
  const ref = r.steps.find((s) => s.op === 'page_ref_count')!;
  assert.equal(ref.result, 1);
  const second = r.steps.find((s) => s.index === 2)!;
  assert.deepEqual(second.result, r.steps.find((s) => s.index === 1)!.result);
  assert.equal(r.reports.filter((x) => x.kind === 'WARN').length, 0);
  const bug = r.reports.find((x) => x.kind === 'BUG')!;
  assert.match(bug.text, /^kernel BUG at mm\/slub\.c:550!$/m);
  assert.equal(bug.step, 10);
});

test('flag-set-at-free and gup-pins: folio_add_lru() goes through the lru_add batch, which holds a reference', () => {
  const f = run('flag-set-at-free');
  assert.equal(f.steps.find((s) => s.op === 'PageLRU')!.result, false);
  const g = run('gup-pins');
  const refs = g.steps.filter((s) => s.op === 'page_ref_count').map((s) => s.result);
  assert.deepEqual(refs.slice(0, 2), [3, 1027]);
});

test('gup-pins: a PMD-mapped THP dumps nr_pages_mapped without the ENTIRELY_MAPPED bit', () => {
  const r = run('gup-pins');
  const dump = r.steps.find((s) => s.op === 'dump_page')!.result as string;
  assert.match(dump, /^head: order:9 mapcount:1 entire_mapcount:1 nr_pages_mapped:0 pincount:3$/m);
});

test('gup-pins: node counters wait in the CPU delta below the 6.12 threshold, the global read sees none of the 4 pins', () => {
  const r = run('gup-pins');
  const reads = r.steps.filter((s) => s.op === 'global_node_page_state').map((s) => s.result);
  assert.deepEqual(reads, [0, 0, 0]);
  assert.deepEqual(run('gup-pins', 'baseline').steps.filter((s) => s.op === 'global_node_page_state').map((s) => s.result), [4, 4, 4]);
});

test('node vmstat: a delta past the threshold folds into the node counter, a sleep of a second folds the rest', async () => {
  const { buildVariant, createMachine } = await import('../src/engine/build.js');
  const { NR_FOLL_PIN_ACQUIRED } = await import('../src/kernel/vmstat.js');
  const k = createMachine(buildVariant('linux-6.12'), { memoryBytes: 256 * 2 ** 20, cpus: 2, nodes: 1 }) as unknown as {
    node_stat_threshold(nid: number): number;
    mod_node_page_state(nid: number, item: number, delta: number): void;
    global_node_page_state(item: number): number;
    vm_node_stat(item: number): number;
    msleep(ms: number): void;
  };
  // calculate_normal_threshold(): DMA32 (56254 pages, 1 unit of 128 MiB) 2 * fls(2) * (1 + fls(1)) = 8,
  // DMA (under 128 MiB) 2 * 2 * 1 = 4; the node takes the larger.
  const t = k.node_stat_threshold(0);
  assert.equal(t, 8);
  k.mod_node_page_state(0, NR_FOLL_PIN_ACQUIRED, t);
  assert.equal(k.global_node_page_state(NR_FOLL_PIN_ACQUIRED), 0);
  assert.equal(k.vm_node_stat(NR_FOLL_PIN_ACQUIRED), t);
  k.mod_node_page_state(0, NR_FOLL_PIN_ACQUIRED, 1);
  assert.equal(k.global_node_page_state(NR_FOLL_PIN_ACQUIRED), t + 1);
  k.mod_node_page_state(0, NR_FOLL_PIN_ACQUIRED, 2);
  assert.equal(k.global_node_page_state(NR_FOLL_PIN_ACQUIRED), t + 1);
  k.msleep(1000);
  assert.equal(k.global_node_page_state(NR_FOLL_PIN_ACQUIRED), t + 3);
});

test('page-table-workload: get_mm_counter() is percpu_counter_read_positive(), the 16 single faults stay in the CPU delta', () => {
  const r = run('page-table-workload');
  assert.equal(r.steps.find((s) => s.op === 'get_mm_counter')!.result, 512);
  assert.equal(run('page-table-workload', 'baseline').steps.find((s) => s.op === 'get_mm_counter')!.result, 528);
  // check_mm() sums the counters (percpu_counter_sum()): the process exits clean.
  assert.equal(r.reports.length, 0);
});

test('ptdesc-pte-free-now: 6.12 collapse_pte_mapped_thp() is SCAN_VMA_CHECK (22) on an anonymous VMA', () => {
  const r = run('ptdesc-pte-free-now');
  assert.equal(r.steps.find((s) => s.op === 'collapse_pte_mapped_thp')!.result, 22);
  assert.equal(run('ptdesc-pte-free-now', 'baseline').steps.find((s) => s.op === 'collapse_pte_mapped_thp')!.result, 1);
});

test('gup-pins: the THP head words in 6.12 order (_large_mapcount, _entire_mapcount, _nr_pages_mapped, _pincount, _folio_nr_pages), alone on its LRU list', () => {
  const r = run('gup-pins');
  const dump = r.steps.find((s) => s.op === 'dump_page')!.result as string;
  const heads = dump.split('\n').filter((l) => l.startsWith('head: 0'));
  assert.equal(heads.length, 4);
  // lru.next and lru.prev are both the inactive anon list head: the small folio went to the active list.
  const w = heads[0]!.split(' ');
  assert.equal(w[2], w[3]);
  assert.match(heads[2]!, / 0000000000000000 0000000300800000$/);
  assert.match(heads[3]!, /^head: 0000000000000200 0000000000000000 00000000ffffffff 0000000000000000$/);
});

test('vm-insert-huge-pmd: walk_to_pmd() BUGs on a huge PMD, at 6.12 mm/memory.c:1980 and at the baseline tree line 2421; after a split, -EBUSY', () => {
  for (const [variant, line] of [['linux-6.12', 1980], ['baseline', 2421]] as const) {
    const r = run('vm-insert-huge-pmd', variant);
    assert.equal(r.outcome, 'bug');
    assert.equal(r.reports.length, 1);
    assert.match(r.reports[0]!.text, new RegExp(`^kernel BUG at mm/memory\\.c:${line}!$`, 'm'));
  }
  for (const variant of ['linux-6.12', 'baseline']) {
    const r = run('vm-insert-after-split', variant);
    assert.equal(r.outcome, 'ok');
    assert.deepEqual(r.steps.filter((s) => s.op.startsWith('vm_insert')).map((s) => s.result), [-16, -16]);
  }
});
