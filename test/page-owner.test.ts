/**
 * page_owner (mm/page_owner.c): who allocated each page still allocated,
 * in /sys/kernel/debug/page_owner's format; `run --leaks`; and that it
 * changes nothing of a run when on, and exists nowhere when off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pagesim as cli } from './helpers/cli.js';
import { loadScenario, variantLookup } from '../src/engine/load.js';
import { opLookup } from '../src/engine/registry.js';
import { runScenario, runScenarioWithMachine } from '../src/engine/run.js';
import { runJson } from '../src/format/run.js';
import { pageOwnerOf } from '../src/kernel/page_owner.js';
import { LeakFinder } from '../src/observe/leaks.js';
import { parseScenario } from '../src/scenario/parse.js';
import { InputError } from '../src/util/errors.js';
import { repoRoot } from './helpers/machine.js';

const inline = (text: string) => parseScenario(text, 't.yaml', opLookup, variantLookup);

test('proc: page_owner lists allocated pages once per allocation, in the kernel format, freed ones left out', () => {
  const run = runScenario(loadScenario(join(repoRoot, 'docs', 'examples', 'page-owner.yaml')), 'baseline');
  assert.equal(run.outcome, 'ok');
  const text = run.steps.find((s) => s.op === 'proc')!.result as string;
  const entries = text.split('\n\n').filter((e) => e !== '' && e !== '\n');
  const heads = entries.map((e) => e.split('\n')[1]!);
  // The order-2 folio: one entry for its four pages, Movable as its gfp says.
  const q = entries.find((e) => /^Page allocated via order 2, mask 0x140cca\(GFP_HIGHUSER_MOVABLE\|__GFP_COMP\), pid 1, tgid 1 \(pagesim\), ts 1002000000 ns$/m.test(e));
  assert.ok(q, text);
  assert.match(q!, /^PFN 0x3efb8 type Movable Block 503 type Movable Flags 0x[0-9a-f]+\(head\|node=0\|zone=1\|lastcpupid=0x1fffff\)$/m);
  assert.match(q!, /^ post_alloc_hook\+0x[0-9a-f]+\/0x[0-9a-f]+\n get_page_from_freelist\+/m);
  assert.ok(!heads.some((h) => /^PFN 0x3efb[9ab] /.test(h)), 'tail pages are not listed');
  // Page 0x2000 was freed in step 3, then mm_alloc's pgd_alloc took it in step 4: its entry is the pgd's.
  const pgd = entries.find((e) => e.includes('PFN 0x2000 '))!;
  assert.match(pgd, /ts 1004\d{6} ns/);
  assert.match(pgd, /^ pgd_alloc\+/m);
  assert.ok(entries.every((e) => e.split('\n').length <= 2 + 16), 'at most PAGE_OWNER_STACK_DEPTH entries');
});

test('dump_page() ends with dump_page_owner()\'s lines: allocated or freed, the last free kept across a new allocation, never set', () => {
  const run = runScenario(
    inline(`machine: {page_owner: on}
steps:
  - alloc_pages: {gfp: GFP_KERNEL, order: 0}
    as: p
  - __free_pages: {page: p, order: 0}
  - dump_page: {page: p, reason: freed}
  - alloc_pages: {gfp: GFP_KERNEL|__GFP_COMP|__GFP_ZERO, order: 0}
    as: q
  - dump_page: {page: q, reason: again}
  - dump_page: {page: q + 100, reason: never}
`),
    'baseline',
  );
  assert.equal(run.outcome, 'ok', run.failures.join());
  const dump = (i: number): string[] => (run.steps[i]!.result as string).split('\n');
  const allocStack = [' post_alloc_hook+0x5fc/0x760', ' get_page_from_freelist+0x14/0x180', ' __alloc_frozen_pages_noprof+0x1b1/0x2b0', ' __alloc_pages_noprof+0x30e/0x530', ' pagesim_run_step+0x31b/0x320'];
  const freeStack = [' __free_frozen_pages+0xf8/0x1a0', ' ___free_pages+0x11b/0x440', ' __free_pages+0x8c/0x280', ' pagesim_run_step+0x31b/0x320'];
  const freed = dump(2);
  assert.deepEqual(freed.slice(freed.indexOf('page dumped because: freed') + 1), [
    'page_owner tracks the page as freed',
    'page last allocated via order 0, migratetype Unmovable, gfp_mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (pagesim), ts 1001000000',
    ...allocStack,
    'page last free pid 1 tgid 1 ts 1002000000 stack trace:',
    ...freeStack,
  ]);
  const again = dump(4);
  assert.deepEqual(again.slice(again.indexOf('page dumped because: again') + 1), [
    'page_owner tracks the page as allocated',
    'page last allocated via order 0, migratetype Unmovable, gfp_mask 0x40dc0(GFP_KERNEL|__GFP_ZERO|__GFP_COMP), pid 1, tgid 1 (pagesim), ts 1004000000',
    ...allocStack,
    'page last free pid 1 tgid 1 ts 1002000000 stack trace:',
    ...freeStack,
  ]);
  assert.deepEqual(dump(5).slice(-2), ['page dumped because: never', 'page_owner info is not present (never set?)']);
});

test('a bad page\'s dump ends with page_owner\'s record before "Modules linked in:", and an allocation with no flags prints mask 0x0()', () => {
  const r = cli(['run', join(repoRoot, 'scenarios', 'typed-page-free.yaml'), '--variant', 'free-keeps-type', '--leaks']);
  const lines = r.stdout.split('\n').map((l) => l.replace(/^ +\| /, ''));
  const at = lines.indexOf('page dumped because: nonzero mapcount');
  assert.deepEqual(lines.slice(at + 1, at + 10), [
    'page_owner tracks the page as allocated',
    'page last allocated via order 0, migratetype Unmovable, gfp_mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (pagesim), ts 1001000000',
    ' post_alloc_hook+0x5fc/0x760',
    ' get_page_from_freelist+0x14/0x180',
    ' __alloc_frozen_pages_noprof+0x1b1/0x2b0',
    ' __alloc_pages_noprof+0x30e/0x530',
    ' pagesim_run_step+0x31b/0x320',
    'page_owner free stack trace missing',
    'Modules linked in:',
  ]);
  const run = runScenario(inline('machine: {page_owner: on}\nsteps:\n  - alloc_pages: {gfp: 0, order: 0}\n  - proc: {file: page_owner}\n'), 'baseline');
  assert.match(run.steps[1]!.result as string, /^Page allocated via order 0, mask 0x0\(\), pid 1, tgid 1 \(pagesim\), ts 1001000000 ns$/m);
});

test('with page_owner off, dump_page() prints no page_owner line', () => {
  const run = runScenario(inline('steps:\n  - alloc_pages: {gfp: GFP_KERNEL, order: 0}\n    as: p\n  - dump_page: {page: p, reason: off}\n'), 'baseline');
  assert.equal((run.steps[1]!.result as string).split('\n').at(-1), 'page dumped because: off');
});

test('split_page makes every page an order-0 allocation of its own', () => {
  const { run, machine } = runScenarioWithMachine(
    inline(`machine: {page_owner: on}
steps:
  - alloc_pages: {gfp: GFP_KERNEL, order: 2}
    as: p
  - split_page: {page: p, order: 2}
  - __free_pages: {page: p + 1, order: 0}
`),
    'baseline',
  );
  assert.equal(run.outcome, 'ok', run.failures.join());
  const po = pageOwnerOf(machine!)!;
  const p = run.steps[0]!.result as { pfn: number };
  assert.deepEqual(po.allocatedPages(), [p.pfn, p.pfn + 2, p.pfn + 3]);
  assert.equal(po.record(p.pfn + 2)!.order, 0);
  assert.equal(po.record(p.pfn + 1)!.allocated, false);
  assert.equal(po.record(p.pfn + 1)!.freeStep, 3);
});

test('page_owner off: nothing is installed, and proc: page_owner says how to turn it on', () => {
  const { machine } = runScenarioWithMachine(inline('steps:\n  - alloc_pages: {gfp: GFP_KERNEL, order: 0}\n'), 'baseline');
  assert.equal(pageOwnerOf(machine!), null);
  assert.equal(Object.getOwnPropertyNames(machine!).includes('post_alloc_hook'), false);
  assert.throws(() => runScenario(inline('steps:\n  - proc: page_owner\n'), 'baseline'), (e: unknown) => e instanceof InputError && /set machine: \{page_owner: on\}/.test(e.message));
  assert.throws(() => inline('machine: {page_owner: maybe}\nsteps: []\n'), (e: unknown) => e instanceof InputError && /page_owner must be on or off/.test(e.message) && e.line === 1);
});

/** The lines dump_page_owner() adds to a dump, taken out of console lines and report texts. */
function withoutOwnerLines(v: unknown): unknown {
  const strip = (lines: string[]): string[] => {
    const out: string[] = [];
    let inBlock = false;
    for (const l of lines) {
      if (/^page_owner (tracks|info)/.test(l)) inBlock = true;
      else if (inBlock && !/^( |page last |page_owner )/.test(l)) inBlock = false;
      if (!inBlock) out.push(l);
    }
    return out;
  };
  if (typeof v === 'string') return v.includes('\n') ? strip(v.split('\n')).join('\n') : v;
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') ? strip(v as string[]).map(withoutOwnerLines) : v.map(withoutOwnerLines);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutOwnerLines(x)]));
  return v;
}

test('page_owner on changes nothing a run reports but the page_owner lines its dumps end with', () => {
  for (const name of ['flag-set-at-free', 'page-table-workload', 'double-free']) {
    const scn = loadScenario(join(repoRoot, 'scenarios', `${name}.yaml`));
    const plain = JSON.stringify(runJson(runScenario(scn, 'baseline')));
    const ownedRun = JSON.stringify(runJson(runScenario(scn, 'baseline', { pageOwner: true, observers: [new LeakFinder('baseline')] })));
    const owned = JSON.stringify(withoutOwnerLines(JSON.parse(ownedRun)));
    assert.equal(owned, plain, name);
    // The bad page's dump did gain them.
    if (name === 'flag-set-at-free') assert.ok(ownedRun.includes('page_owner tracks the page as allocated'), ownedRun);
  }
});

test('--leaks: the bad page the kernel kept is a leak from step 1; slab pages and the huge zero folio are held, not leaked', () => {
  const leaks = (name: string) => {
    const f = new LeakFinder('baseline');
    runScenario(loadScenario(join(repoRoot, 'scenarios', `${name}.yaml`)), 'baseline', { pageOwner: true, observers: [f] });
    return f.results();
  };
  const bad = leaks('flag-set-at-free');
  assert.deepEqual(
    bad.leaks.map((l) => [l.pfn, l.order, l.step, l.call]),
    [[0x2000, 0, 1, 'alloc_pages(gfp=GFP_KERNEL, order=0)']],
  );
  assert.equal(bad.leaks[0]!.stack[0]!.split('+')[0], 'post_alloc_hook');
  assert.deepEqual(leaks('typed-page-free').leaks, []);
  const ptw = leaks('page-table-workload');
  assert.deepEqual(ptw.leaks, []);
  assert.ok(ptw.held.some((h) => h.by === 'the huge zero folio' && h.order === 9));
  assert.ok(ptw.held.some((h) => h.by === 'a slab cache'));
  const r = cli(['run', 'scenarios/refcount-underflow.yaml', '--variant', 'baseline', '--leaks', '--json']);
  const j = JSON.parse(r.stdout) as { runs: { leaks: { leaks: { pfn: number; owner: string[] }[] } }[] };
  assert.equal(j.runs[0]!.leaks.leaks[0]!.pfn, 0x2000);
  assert.match(j.runs[0]!.leaks.leaks[0]!.owner[0]!, /^Page allocated via order 0, mask 0xcc0\(GFP_KERNEL\)/);
});
