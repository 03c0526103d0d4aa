/**
 * Variant diffs: the first step where two variant stacks part, and the
 * pages that step changed on each side; the memmap scan that finds them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pagesim as cli } from './helpers/cli.js';
import fc from 'fast-check';
import { loadScenario, variantLookup } from '../src/engine/load.js';
import { opLookup } from '../src/engine/registry.js';
import { runScenario } from '../src/engine/run.js';
import { changedPages, diffVariants } from '../src/observe/diff.js';
import { formatDiff } from '../src/format/diff.js';
import { parseScenario } from '../src/scenario/parse.js';
import { repoRoot } from './helpers/machine.js';

const scenario = (name: string) => loadScenario(join(repoRoot, 'scenarios', `${name}.yaml`));

/** Seed 001's diff, made once for the two tests that read it (each diff runs both variants twice), with the passes it said it ran. */
let seed001: { readonly d: ReturnType<typeof diffVariants>; readonly calls: readonly string[] } | undefined;
function seed001Diff(): NonNullable<typeof seed001> {
  if (seed001 === undefined) {
    const calls: string[] = [];
    seed001 = { d: diffVariants(scenario('typed-page-free'), 'baseline', 'free-keeps-type', (pass, v) => calls.push(`${pass} ${v}`)), calls };
  }
  return seed001;
}

test('seed 001: baseline and free-keeps-type part at the free of the typed page, which keeps PGTY_table only under the variant', () => {
  const { d, calls } = seed001Diff();
  // The second pass, taking the pages of step 5, runs each variant again (and says so).
  assert.deepEqual(calls, ['2 baseline', '2 free-keeps-type']);
  assert.equal(d.alike, 4);
  const v = d.divergence!;
  assert.equal(v.step, 5);
  assert.equal(v.call, '__free_pages(page=pt, order=0)');
  assert.ok(v.what.includes('reports'), v.what.join('; '));
  assert.deepEqual(v.a.reports, []);
  assert.deepEqual(
    v.b.reports.map((r) => [r.kind, r.function, r.reason]),
    [['bad_page', 'free_page_is_bad', 'nonzero mapcount']],
  );
  const page = v.pages[0]!;
  assert.equal(page.pfn, 0x2000);
  assert.equal(page.differs, true);
  assert.equal(page.a.look.pageType, null);
  assert.equal(page.b.look.pageType, 'f2(table)');
  // The raw words: the type's byte in word 6 (page_type over _mapcount) is f2 under the variant.
  assert.equal(page.a.after[6], '00000000ffffffff');
  assert.equal(page.b.after[6], '00000000f2000000');
  assert.equal(page.a.touched, true);
  assert.equal(d.outcome.a, 'ok');
  assert.equal(d.outcome.b, 'bad_page');
  const text = formatDiff(d);
  assert.match(text, /^steps 1-4 alike$/m);
  assert.match(text, /^step 5 differs \(reports; pages changed\): __free_pages\(page=pt, order=0\)$/m);
  assert.match(text, /^ {2}reports +- +bad_page free_page_is_bad: nonzero mapcount$/m);
  assert.match(text, /^ {4}page_type +- +f2\(table\)$/m);
});

test('a variant diffed with itself agrees at every step, raw bytes included', () => {
  const d = diffVariants(scenario('page-table-workload'), 'ptdesc-memdesc', 'ptdesc-memdesc');
  assert.equal(d.divergence, null);
  assert.equal(d.firstRawDifference, null);
  assert.equal(d.alike, d.stepsRun.a);
  assert.ok(d.alike > 10, String(d.alike));
});

test('refcount-frozen-bit: the same states as baseline in every step of double-free, in different bytes from step 1', () => {
  const d = diffVariants(scenario('double-free'), 'baseline', 'refcount-frozen-bit');
  assert.equal(d.divergence, null);
  assert.equal(d.alike, 3);
  assert.equal(d.firstRawDifference, 1);
  assert.equal(d.outcome.a, 'bug');
});

test('a scenario given inline parts where the typed page is freed; the steps before it are alike', () => {
  const scn = parseScenario(
    `steps:
  - alloc_pages: {gfp: GFP_KERNEL, order: 0}
    as: p
  - __SetPageTable: p
  - __free_pages: {page: p, order: 0}
  - alloc_pages: {gfp: GFP_KERNEL, order: 0}
`,
    't.yaml',
    opLookup,
    variantLookup,
  );
  const d = diffVariants(scn, 'baseline', 'free-keeps-type');
  const v = d.divergence!;
  assert.equal(v.step, 3);
  assert.equal(d.alike, 2);
  assert.equal(v.a.ran, true);
  assert.equal(v.b.ran, true);
  assert.equal(v.b.reports[0]!.kind, 'bad_page');
  assert.equal(d.stepsRun.a, 4);
  assert.equal(d.stepsRun.b, 4);
});

test('the diff runs leave the runs as they are: each side is what pagesim run prints', () => {
  const { d } = seed001Diff();
  const plain = runScenario(scenario('typed-page-free'), 'free-keeps-type');
  assert.equal(d.outcome.b, plain.outcome);
  assert.equal(d.stepsRun.b, plain.stepsRun);
});

test('changedPages finds exactly the struct pages whose bytes changed, in order, and updates the copy', () => {
  fc.assert(
    fc.property(fc.constantFrom(64, 80), fc.integer({ min: 1, max: 3000 }), fc.array(fc.nat(), { maxLength: 40 }), (size, pages, writes) => {
      const live = Buffer.alloc(size * pages);
      for (let i = 0; i < live.length; i += 7) live[i] = i & 0xff;
      const shadow = Buffer.from(live);
      const want = new Set<number>();
      for (const w of writes) {
        const at = w % live.length;
        live[at] = (live[at]! + 1) & 0xff;
        want.add(Math.floor(at / size));
      }
      // A byte written back to its old value is no change.
      for (const p of [...want]) if (live.compare(shadow, p * size, (p + 1) * size, p * size, (p + 1) * size) === 0) want.delete(p);
      const seen: number[] = [];
      changedPages(live, shadow, size, (pfn) => seen.push(pfn));
      assert.deepEqual(seen, [...want].sort((a, b) => a - b));
      assert.equal(live.compare(shadow), 0);
      const again: number[] = [];
      changedPages(live, shadow, size, (pfn) => again.push(pfn));
      assert.deepEqual(again, []);
    }),
    { seed: 12, numRuns: 200 },
  );
});

test('pagesim diff: text and --json; bad arguments are one line and exit 2', () => {
  const run = (...args: string[]) => cli(['diff', ...args]);
  const t = run('scenarios/typed-page-free.yaml', 'baseline', 'free-keeps-type');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /^diff typed-page-free: baseline vs free-keeps-type {2}scenarios\/typed-page-free\.yaml$/m);
  const j = run('scenarios/typed-page-free.yaml', 'baseline', 'free-keeps-type', '--json');
  const data = JSON.parse(j.stdout) as { divergence: { step: number; pages: { pfn: number }[] } };
  assert.equal(data.divergence.step, 5);
  assert.equal(data.divergence.pages[0]!.pfn, 0x2000);
  // The stacks as every other command takes them: the same bytes.
  const v = run('--variant', 'baseline', 'scenarios/typed-page-free.yaml', '--variant', 'free-keeps-type');
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout, t.stdout);
  for (const args of [['scenarios/typed-page-free.yaml', 'baseline'], ['scenarios/typed-page-free.yaml', 'baseline', 'no-such'], ['no-such.yaml', 'baseline', 'baseline'],
    ['scenarios/typed-page-free.yaml', '--variant', 'baseline'], ['scenarios/typed-page-free.yaml', 'baseline', '--variant', 'baseline', '--variant', 'free-keeps-type'],
    ['scenarios/typed-page-free.yaml', '--variant', 'baseline', '--variant', 'no-such']]) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
});

test('every command that takes variant stacks rejects a stack naming a variant twice, showing what it resolves to', () => {
  const cmds = [
    ['run', 'scenarios/double-free.yaml', '--variant', 'baseline+baseline'],
    ['diff', 'scenarios/double-free.yaml', 'baseline', 'ptdesc-memdesc+ptdesc-memdesc-rfc'],
    ['layout', 'page', '--diff', 'baseline', 'free-keeps-type+free-keeps-type'],
    ['layout', 'page', '--variant', 'ptdesc-memdesc-rfc+ptdesc-frozen'],
    ['scenarios/double-free.yaml', '--variant', 'baseline+baseline'],
  ];
  for (const args of cmds) {
    const r = cli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^--variant: variant "[a-z-]+" (is listed twice|is already applied as the base of a variant before it) in "[a-z+-]+" \(the stack resolves to [a-z+-]+; name each variant once, bases first or left out\)\n$/, args.join(' '));
  }
});
