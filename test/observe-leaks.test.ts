/**
 * `run --leaks`: pages an RCU callback still queued will free are held,
 * not leaked; each leak says why it is held (refcount, mapcount, and a pin
 * told apart from a plain reference).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pagesim as cli } from './helpers/cli.js';
import { variantLookup } from '../src/engine/load.js';
import { opLookup } from '../src/engine/registry.js';
import { runScenario } from '../src/engine/run.js';
import { LeakFinder, RCU_HOLDER } from '../src/observe/leaks.js';
import { parseScenario } from '../src/scenario/parse.js';

const inline = (text: string) => parseScenario(text, 't.yaml', opLookup, variantLookup);

function leaks(text: string, variant = 'baseline') {
  const f = new LeakFinder(variant);
  const run = runScenario(inline(text), variant, { pageOwner: true, observers: [f] });
  return { run, r: f.results() };
}

/** A pinned page never unpinned, the mm torn down; `end` follows. */
const gupLeak = (end: string) => `name: gup-pin-leak
machine: {memory: 256MiB}
steps:
  - mm_alloc: {}
    as: m
  - mmap: {mm: m, len: 64KiB}
    as: a
  - handle_mm_fault: {mm: m, address: a, write: true}
  - pin_user_pages: {mm: m, start: a, nr_pages: 1, gup_flags: FOLL_WRITE|FOLL_LONGTERM}
    expect: 1
  - munmap: {mm: m, addr: a, len: 64KiB}
  - mmput: m
${end}`;

test('--leaks: page tables munmap handed to tlb_remove_table() and the batch page wait for RCU, held apart; the pinned page is the one leak', () => {
  const { r } = leaks(gupLeak(''));
  assert.equal(r.leaks.length, 1, JSON.stringify(r.leaks.map((l) => l.pfn)));
  const [pin] = r.leaks;
  // A small folio's pin is GUP_PIN_COUNTING_BIAS references: refcount 1024, no pincount field.
  assert.deepEqual([pin!.step, pin!.refcount, pin!.mapcount, pin!.pincount, pin!.pinned], [3, 1024, 0, null, true]);
  const rcu = r.held.filter((h) => h.by === RCU_HOLDER);
  // The PUD, PMD and PTE tables (step 3) and the mmu_gather batch page, GFP_NOWAIT (step 5), all freed by one callback.
  assert.deepEqual(
    rcu.map((h) => [h.step, h.callback]),
    [
      [3, 'tlb_remove_table_rcu'],
      [3, 'tlb_remove_table_rcu'],
      [3, 'tlb_remove_table_rcu'],
      [5, 'tlb_remove_table_rcu'],
    ],
  );
  assert.match(rcu[3]!.owner[0]!, /mask 0x2800\(GFP_NOWAIT\)/);
  // After a grace period they are freed: the same single leak, nothing held by RCU.
  const synced = leaks(gupLeak('  - synchronize_rcu\n')).r;
  assert.deepEqual(
    synced.leaks.map((l) => l.pfn),
    [pin!.pfn],
  );
  assert.deepEqual(
    synced.held.filter((h) => h.by === RCU_HOLDER),
    [],
  );
});

test('--leaks text: the leak says it is pinned, with its counts; the RCU line says what ends the wait', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagesim-leaks-'));
  const file = join(dir, 'gup.yaml');
  writeFileSync(file, gupLeak(''));
  const out = cli(['run', file, '--leaks', '--no-text']);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^leaks under baseline: 1 allocation \(1 page\) still allocated at the end$/m);
  assert.match(out.stdout, /^    held: refcount 1024, mapcount 0, folio_maybe_dma_pinned\(\) \(refcount >= GUP_PIN_COUNTING_BIAS, 1024\): a pin never unpinned$/m);
  assert.match(out.stdout, /^  also allocated, held by RCU until a grace period ends \(a synchronize_rcu step ends one\): pfn 0x[0-9a-f]+ \(order 0, step 3, tlb_remove_table_rcu\), /m);
  const j = JSON.parse(cli(['run', file, '--leaks', '--json']).stdout) as { runs: { leaks: { leaks: { refcount: number; pinned: boolean; pincount: number | null }[]; held: { by: string; callback?: string }[] } }[] };
  const l = j.runs[0]!.leaks;
  assert.deepEqual([l.leaks[0]!.refcount, l.leaks[0]!.pinned, l.leaks[0]!.pincount], [1024, true, null]);
  assert.equal(l.held.filter((h) => h.callback === 'tlb_remove_table_rcu').length, 4);
});

test('--leaks: a lost get_page() is a reference, not a pin; a large folio pinned shows its pincount', () => {
  const lost = leaks(`name: lost-get
steps:
  - alloc_pages: {gfp: GFP_KERNEL, order: 0}
    as: p
  - get_page: p
  - put_page: p
  - get_page: p
`).r;
  assert.deepEqual(
    lost.leaks.map((l) => [l.refcount, l.mapcount, l.pincount, l.pinned]),
    [[2, 0, null, false]],
  );
  const thp = leaks(`name: thp-pin
machine: {memory: 256MiB}
steps:
  - mm_alloc: {}
    as: m
  - mmap: {mm: m, addr: 0, len: 2MiB}
    as: a
  - handle_mm_fault: {mm: m, address: a, write: true}
  - pin_user_pages: {mm: m, start: a, nr_pages: 1, gup_flags: FOLL_WRITE|FOLL_LONGTERM}
    expect: 1
  - munmap: {mm: m, addr: a, len: 2MiB}
  - mmput: m
  - synchronize_rcu
`).r;
  const big = thp.leaks.find((l) => l.order === 9)!;
  assert.ok(big, JSON.stringify(thp.leaks.map((l) => [l.pfn, l.order])));
  assert.deepEqual([big.pincount, big.pinned], [1, true]);
});

test('--leaks: a PTE table pte_free_defer() queued is held by RCU under each ptdesc design, even where call_rcu overwrote its memdesc', () => {
  const text = `name: defer-pending
machine: {memory: 256MiB}
steps:
  - mm_alloc: {}
    as: m
  - mmap: {mm: m, addr: 0, len: 2MiB}
    as: a
  - handle_mm_fault: {mm: m, address: a, write: true}
  - split_huge_pmd: {mm: m, address: a}
  - collapse_pte_mapped_thp: {mm: m, addr: a}
    expect: 1
`;
  for (const variant of ['baseline', 'ptdesc-memdesc', 'ptdesc-memdesc-rfc']) {
    const { run, r } = leaks(text, variant);
    assert.equal(run.outcome, 'ok', variant);
    const rcu = r.held.filter((h) => h.by === RCU_HOLDER);
    assert.deepEqual(
      rcu.map((h) => [h.step, h.callback]),
      [[3, 'pte_free_now']],
      variant,
    );
    // The table is not also a leak, and reading the queue left no report behind.
    assert.ok(!r.leaks.some((l) => l.pfn === rcu[0]!.pfn), variant);
    assert.deepEqual(run.reports, [], variant);
  }
});
