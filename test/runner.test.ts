/**
 * The scenario runner on long loops: every step runs, a run lists its steps
 * up to LIMITS.stepsListed and then only the notable ones, the human output
 * still counts every quiet loop step, and JSON says how many steps ran.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../src/scenario/parse.js';
import { opLookup } from '../src/engine/registry.js';
import { variantLookup } from '../src/engine/load.js';
import { notableStep, runScenario } from '../src/engine/run.js';
import { formatRunHuman, runJson } from '../src/format/run.js';
import { LIMITS } from '../src/kernel/config.js';

function run(body: string): ReturnType<typeof runScenario> {
  const text = `machine: {memory: 256MiB}\nvariants: [baseline]\nsteps:\n${body}`;
  return runScenario(parseScenario(text, 't.yaml', opLookup, variantLookup), 'baseline');
}

test('a loop longer than the listing limit runs every step and lists the notable ones after the limit', () => {
  const pairs = LIMITS.stepsListed / 2 + 1000;
  // Iteration 60000 frees a page twice over: its report must be listed although the limit has passed.
  const r = run(
    [
      '  - alloc_pages: {order: 0}',
      '    as: keep',
      '  - repeat:',
      `      times: ${pairs}`,
      '      steps:',
      '        - alloc_pages: {gfp: GFP_KERNEL, order: 0}',
      '          as: p',
      '        - __free_pages: {page: p, order: 0}',
      '  - page_ref_count: keep',
      '    expect: 1',
      '    show: true',
      '',
    ].join('\n'),
  );
  const total = 1 + 2 * pairs + 1;
  assert.equal(r.stepsRun, total);
  assert.equal(r.outcome, 'ok');
  assert.equal(r.steps.length, LIMITS.stepsListed + 1, 'the first stepsListed steps, then only the top-level step after the loop');
  assert.deepEqual(
    r.steps.slice(0, 3).map((s) => [s.index, s.call, s.iteration]),
    [
      [1, 'alloc_pages(gfp=GFP_KERNEL, order=0)', []],
      [2, 'alloc_pages(gfp=GFP_KERNEL, order=0)', [0]],
      [3, '__free_pages(page=p, order=0)', [0]],
    ],
  );
  const last = r.steps.at(-1)!;
  assert.equal(last.index, total);
  assert.equal(last.result, 1);
  assert.ok(notableStep(last));
  const human = formatRunHuman(r);
  assert.match(human, new RegExp(`\\.\\.\\. ${total - 4} more loop steps without reports \\.\\.\\.`));
  assert.match(human, new RegExp(`${total}  page_ref_count\\(page=keep\\) = 1\n`));
  const json = runJson(r);
  assert.equal(json['steps_run'], total);
  assert.equal((json['steps'] as unknown[]).length, LIMITS.stepsListed + 1);
});

test('a step with a report after the listing limit is listed, and the report names it', () => {
  const n = LIMITS.stepsListed + 10;
  const r = run(
    [
      '  - alloc_pages: {order: 0}',
      '    as: p',
      '  - repeat:',
      `      times: ${n}`,
      '      steps:',
      '        - page_ref_count: p',
      '  - __free_pages: {page: p, order: 0}',
      '  - __free_pages: {page: p, order: 0}',
      '',
    ].join('\n'),
  );
  assert.equal(r.stepsRun, n + 3);
  const withReports = r.steps.filter((s) => s.reports.length > 0);
  assert.ok(withReports.length > 0, 'the double free reports');
  assert.equal(withReports[0]!.index, n + 3);
  assert.equal(withReports[0]!.reports[0]!.step, n + 3);
  // The JSON of a short run has no steps_run: every step is listed.
  assert.equal(runJson(run('  - alloc_pages: {order: 0}\n'))['steps_run'], undefined);
});
