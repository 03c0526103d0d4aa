/**
 * `pagesim run` of a concurrent scenario (cpus: / final:): the setup, each
 * CPU's list on its CPU with its own handles, then final.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../src/scenario/parse.js';
import { opLookup } from '../src/engine/ops.js';
import '../src/engine/registry.js';
import { variantLookup } from '../src/engine/load.js';
import { runScenario, runScenarioWithMachine } from '../src/engine/run.js';
import { runJson } from '../src/format/run.js';

const scenario = (text: string) => parseScenario(text, 'c.yaml', opLookup, variantLookup);

const TRY_GET_VS_PUT = `
name: try-get-vs-put
machine: {memory: 64MiB, cpus: 2}
steps:
  - alloc_pages: {gfp: GFP_KERNEL}
    as: p
cpus:
  - - folio_try_get: p
    - alloc_pages: {gfp: GFP_KERNEL}
      as: q
  - - folio_put: p
final:
  - page_ref_count: p
  - page_ref_count: q
  - __free_pages: q
`;

test('without a schedule the CPUs run one after another, CPU 0 first, each step on its CPU', () => {
  const run = runScenario(scenario(TRY_GET_VS_PUT), 'baseline');
  assert.deepEqual(
    run.steps.map((s) => [s.op, s.cpu ?? null, s.result === undefined ? null : typeof s.result === 'object' && s.result !== null && 'pfn' in s.result ? 'page' : s.result]),
    [
      ['alloc_pages', null, 'page'],
      ['folio_try_get', 0, true],
      ['alloc_pages', 0, 'page'],
      ['folio_put', 1, null],
      ['page_ref_count', null, 1],
      ['page_ref_count', null, 1],
      ['__free_pages', null, null],
    ],
  );
  assert.equal(run.outcome, 'ok');
  const json = runJson(run) as { steps: { cpu?: number }[] };
  assert.deepEqual(json.steps.map((s) => s.cpu ?? null), [null, 0, 0, 1, null, null, null]);
});

test('a CPU allocates from its own per-CPU lists', () => {
  const { run, machine } = runScenarioWithMachine(
    scenario(`
machine: {memory: 1GiB, cpus: 2}
steps: [drain_all_pages]
cpus:
  - - alloc_pages: {gfp: GFP_KERNEL}
  - - alloc_pages: {gfp: GFP_KERNEL}
`),
    'baseline',
  );
  assert.equal(run.outcome, 'ok');
  // Both CPUs refilled their own (drained) pcp list with a batch from the buddy lists.
  const counts = [0, 1].map((cpu) => machine!.zones.reduce((n, z) => n + (z.pcp[cpu]?.count ?? 0), 0));
  assert.ok(counts[0]! > 0 && counts[1]! > 0, `pcp counts ${counts.join(', ')}`);
});
