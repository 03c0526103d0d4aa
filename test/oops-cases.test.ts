/**
 * What an oops does to a run (panic_on_oops), scenario files with cases,
 * the outcome and expectation of a run, and what a report matcher that
 * matched nothing says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandCases, variantLookup } from '../src/engine/load.js';
import { opLookup } from '../src/engine/registry.js';
import { runScenario } from '../src/engine/run.js';
import { runJson } from '../src/format/run.js';
import { parseScenario } from '../src/scenario/parse.js';
import type { Scenario } from '../src/scenario/types.js';
import { InputError } from '../src/util/errors.js';
import { repoRoot } from './helpers/machine.js';

function scenario(text: string, file = 't.yaml'): Scenario {
  return parseScenario(text, file, opLookup, variantLookup);
}

const TWO_DOUBLE_FREES = (machine: string): string => `machine: {memory: 256MiB${machine}}
steps:
  - alloc_pages: {order: 0}
    as: p
  - __free_pages: p
  - __free_pages: p
  - alloc_pages: {order: 0}
    as: q
  - __free_pages: q
  - __free_pages: q
`;

test('without panic_on_oops the run stops at the first oops, and prints no panic', () => {
  const r = runScenario(scenario(TWO_DOUBLE_FREES('')), 'baseline');
  assert.equal(r.stepsRun, 3);
  assert.equal(r.reports.length, 1);
  assert.equal(r.outcome, 'bug');
  assert.doesNotMatch(r.reports[0]!.text, /Kernel panic/);
  assert.match(r.reports[0]!.text, /\[#1\] SMP NOPTI\n.*PID: 1 Comm: pagesim Not tainted/);
});

test('panic_on_oops: 0: the oops kills the task, the machine goes on tainted D, the next oops is #2 in a new task', () => {
  const r = runScenario(scenario(TWO_DOUBLE_FREES(', panic_on_oops: 0')), 'baseline');
  assert.equal(r.stepsRun, 6);
  assert.deepEqual(
    r.reports.map((x) => [x.kind, x.function, x.step]),
    [
      ['BUG', 'put_page_testzero', 3],
      ['BUG', 'put_page_testzero', 6],
    ],
  );
  const second = r.reports[1]!.text;
  assert.match(second, /Oops: invalid opcode: 0000 \[#2\] SMP NOPTI/);
  // print_tainted(): one column per taint flag; D (TAINT_DIE) is the eighth.
  assert.match(second, /CPU: 0 UID: 0 PID: 2 Comm: pagesim Tainted: G {6}D {12} 7\.3\.0-rc5-pagesim #1/);
  assert.match(second, /^Tainted: \[D\]=DIE$/m);
  assert.deepEqual(
    r.steps.filter((s) => s.killed).map((s) => s.index),
    [3, 6],
  );
  assert.equal(r.outcome, 'bug');
  assert.equal(r.expected, 'none');
});

test('panic_on_oops: 1: the oops panics with "Fatal exception" and the run stops', () => {
  const r = runScenario(scenario(TWO_DOUBLE_FREES(', panic_on_oops: 1')), 'baseline');
  assert.equal(r.stepsRun, 3);
  assert.match(r.reports[0]!.text, /---\[ end trace 0000000000000000 \]---\nKernel panic - not syncing: Fatal exception\nKernel Offset: disabled\n---\[ end Kernel panic - not syncing: Fatal exception \]---$/);
  assert.ok(r.console.includes('Kernel panic - not syncing: Fatal exception'));
});

test('an oops in interrupt context panics even with panic_on_oops: 0 (pte_free_now from the RCU softirq)', () => {
  const text = readFileSync(join(repoRoot, 'scenarios', 'ptdesc-pte-free-now.yaml'), 'utf8').replace('machine: {memory: 256MiB}', 'machine: {memory: 256MiB, panic_on_oops: 0}');
  const r = runScenario(scenario(text), 'ptdesc-memdesc-rfc');
  assert.equal(r.stepsRun, 6);
  assert.equal(r.reports[0]!.irq, true);
  assert.match(r.reports[0]!.text, /Kernel panic - not syncing: Fatal exception in interrupt\n/);
  assert.equal(r.expected, 'held');
});

test('panic_on_oops takes 0 or 1', () => {
  assert.throws(() => scenario(TWO_DOUBLE_FREES(', panic_on_oops: 2')), (e: unknown) => e instanceof InputError && /panic_on_oops must be 0 .* or 1/.test(e.message) && e.line === 1);
});

const CASES = `name: free-misuse
machine: {memory: 256MiB}
variants: [baseline, refcount-frozen-warn]
steps:
  - alloc_pages: {order: 0}
    as: p
expect:
  baseline: ok
cases:
  - name: clean
    steps:
      - __free_pages: p
  - name: double-free
    description: freed twice
    steps:
      - __free_pages: p
      - __free_pages: p
    expect:
      baseline:
        - {kind: BUG, function: put_page_testzero}
      refcount-frozen-warn:
        - {kind: BUG, function: put_page_testzero}
`;

test('cases: each case runs the setup and its own steps on a fresh machine, named FILE/CASE, its expect over the file\'s', () => {
  const scns = expandCases(scenario(CASES));
  assert.deepEqual(
    scns.map((s) => s.name),
    ['free-misuse/clean', 'free-misuse/double-free'],
  );
  const clean = runScenario(scns[0]!, 'baseline');
  const dbl = runScenario(scns[1]!, 'baseline');
  // A fresh machine each: the setup's page is the same pfn in both.
  assert.deepEqual(clean.steps[0]!.result, dbl.steps[0]!.result);
  assert.equal(clean.outcome, 'ok');
  assert.equal(clean.expected, 'held');
  assert.equal(dbl.outcome, 'bug');
  assert.equal(dbl.expected, 'held');
  assert.equal(dbl.stepsRun, 3);
  // No expectation for refcount-frozen-warn in the clean case: nothing to hold.
  assert.equal(runScenario(scns[0]!, 'refcount-frozen-warn').expected, 'none');
  assert.deepEqual(
    expandCases(scenario(CASES), 'double-free').map((s) => s.name),
    ['free-misuse/double-free'],
  );
  assert.throws(() => expandCases(scenario(CASES), 'nope'), /no such case \(the cases: clean, double-free\)/);
  assert.throws(() => runScenario(scenario(CASES), 'baseline'), /holds 2 cases \(clean, double-free\)/);
});

test('cases: the parser checks names, keys and handles, and refuses cases with cpus:', () => {
  const bad = (text: string, re: RegExp, line: number): void =>
    assert.throws(
      () => scenario(text),
      (e: unknown) => e instanceof InputError && re.test(e.message) && e.line === line,
    );
  bad(CASES.replace('name: clean', 'name: double-free'), /case "double-free" is listed twice/, 13);
  bad(CASES.replace('    description: freed twice', '    descripton: freed twice'), /a case has no key "descripton" \(did you mean "description"\?\)/, 14);
  bad(CASES.replace('      - __free_pages: p\n  - name: double-free', '      - __free_pages: r\n  - name: double-free'), /handle `r` is not bound/, 12);
  bad('steps:\n  - check\ncases:\n  - steps:\n      - check\n', /a case needs a name/, 4);
  bad('cpus: [[check], [check]]\nmachine: {cpus: 2}\ncases:\n  - {name: a, steps: [check]}\n', /cases: and cpus: do not go together/, 3);
  bad('name: x\n', /missing "steps:"/, 1);
});

test('a report matcher that matches nothing names the closest reports', () => {
  const r = runScenario(scenario(`steps:
  - alloc_pages: {order: 0}
    as: p
  - __free_pages: p
  - __free_pages: p
expect:
  baseline:
    - {kind: BUG, function: put_page_testzer}
`), 'baseline');
  assert.equal(r.expected, 'failed');
  assert.equal(r.outcome, 'bug');
  assert.match(r.failures[0]!, /none did \(closest: \{kind: BUG, function: put_page_testzero, reason: VM_BUG_ON_PAGE\(page_ref_count\(page\) == 0\), message: kernel BUG at include\/linux\/mm\.h:\d+!\}\)/);
});

test('run JSON: outcome and expected apart, args as an object, shown values, no text on request', () => {
  const r = runScenario(scenario(`steps:
  - alloc_pages: {gfp: GFP_KERNEL, order: 1}
    as: p
  - page_ref_count: p
    show: true
    expect: 1
  - __free_pages: {page: p, order: 1}
  - __free_pages: {page: p, order: 1}
expect:
  baseline:
    - {kind: BUG}
`), 'baseline');
  const j = runJson(r, { noText: true }) as { outcome: string; expected: string; summary: string; steps: { args: Record<string, unknown>; show?: boolean; shown?: string; reports: Record<string, unknown>[] }[] };
  assert.equal(j.outcome, 'bug');
  assert.equal(j.expected, 'held');
  assert.equal(j.summary, 'BUG put_page_testzero; 1');
  assert.deepEqual(j.steps[0]!.args, { gfp: 0xcc0, order: 1 });
  assert.deepEqual(j.steps[2]!.args, { page: { page: 'ffffea0000080000', pfn: 0x2000 }, order: 1 });
  assert.equal(j.steps[1]!.show, true);
  assert.equal(j.steps[1]!.shown, '1');
  assert.equal(j.steps[3]!.reports.length, 1);
  assert.equal('text' in j.steps[3]!.reports[0]!, false);
  assert.equal('text' in (runJson(r).steps as { reports: object[] }[])[3]!.reports[0]!, true);
});
