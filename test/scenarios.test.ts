/**
 * Every shipped scenario, run under each of its variants: its expectations
 * (per-variant reports and per-step results) must hold. The same runs then
 * make the shipped outcome matrix (`pagesim` with no arguments), which must
 * fit 80 and 160 columns and show every run once with its mark: the suite
 * is run once for both. It runs as `pagesim` runs it, the runs on one stack
 * and machine sharing a boot (src/engine/suite.ts). The last run of each
 * machine, restored after every other run on it, is compared, step results,
 * reports and console word for word, with the same run on a machine booted
 * for it (all 434 runs of every shipped scenario under every shipped variant
 * agreed when the sharing was written; comparing every run here doubled
 * this file's time). Where the docs test ran `npm start` in this process
 * first (scripts/test.mjs runs the two together), these are its runs, the
 * ones whose matrix it compared with the README (test/helpers/suite.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expandCases, loadScenario, scenarioFiles } from '../src/engine/load.js';
import { runScenario, type RunResult } from '../src/engine/run.js';
import { groupKey, type SuiteOutcome, type SuiteRun } from '../src/engine/suite.js';
import { formatRunHuman, runJson } from '../src/format/run.js';
import { matrixModel } from '../src/observe/matrix.js';
import { formatMatrixText } from '../src/format/matrix.js';
import { repoRoot } from './helpers/machine.js';
import { shippedSuite } from './helpers/suite.js';

const runs: RunResult[] = [];
const plan: SuiteRun[] = [];
let suite: { runs: readonly SuiteRun[]; outcomes: readonly SuiteOutcome[] } | null = null;

/**
 * The shipped suite as `pagesim` runs it (cmd-run.ts runPlan: no observers,
 * page_owner off, boots shared), run once: the planned run at `at` (the
 * scenario as the run that made it loaded it) and its result.
 */
function suiteOutcome(at: number): { scn: SuiteRun['scn']; run: RunResult } {
  suite ??= shippedSuite(plan);
  const o = suite.outcomes[at]!;
  if ('error' in o) throw o.error;
  return { scn: suite.runs[at]!.scn, run: o.run };
}

for (const file of scenarioFiles(join(repoRoot, 'scenarios'))) {
  for (const scn of expandCases(loadScenario(file))) for (const variant of scn.variants) plan.push({ scn, variant, opts: { observers: [], pageOwner: false } });
}

/** Per machine key, the runs sharing its boot; the last of each group of two or more is compared with a fresh run. */
const groups = new Map<string, number[]>();
plan.forEach((r, i) => {
  const key = groupKey(r);
  if (key !== null) groups.set(key, [...(groups.get(key) ?? []), i]);
});
const compared = new Set([...groups.values()].filter((g) => g.length > 1).map((g) => g[g.length - 1]!));

plan.forEach(({ scn, variant }, at) => {
  test(`${scn.name} [${variant}]`, () => {
    const { scn: ran, run } = suiteOutcome(at);
    runs[at] = run;
    if (compared.has(at)) {
      const fresh = runScenario(ran, variant, { observers: [], pageOwner: false });
      assert.deepEqual(runJson(run, { console: true }), runJson(fresh, { console: true }), 'the run on a shared, restored machine is the run on a machine booted for it');
      assert.equal(formatRunHuman(run, { console: true }), formatRunHuman(fresh, { console: true }));
    }
    assert.deepEqual(run.failures, [], run.failures.join('\n'));
    assert.equal(run.expected, 'held');
    assert.ok(scn.expect.has(variant), `shipped scenarios state an expectation for every variant they run (${variant})`);
  });
});

test('the runs sharing a boot include restored ones, and the last of each is compared with a fresh run', () => {
  assert.ok(compared.size >= 10, `${compared.size} groups of two or more runs`);
});

const widest = (text: string): number => Math.max(...text.split('\n').map((l) => [...l].length));

/** The shipped matrix as `pagesim` prints it at this width (null: --wide), from the runs above. */
function shippedMatrix(t: { skip: (why: string) => void }, width: number | null): string | null {
  if (runs.filter((r) => r !== undefined).length !== plan.length) {
    t.skip('not every shipped run ran (a filtered run of this file)');
    return null;
  }
  return `${formatMatrixText(matrixModel(runs), width)}\n`;
}

for (const columns of [80, 160]) {
  test(`the shipped matrix fits ${columns} columns, every run shown once with its mark, a legend and the totals`, (t) => {
    const out = shippedMatrix(t, columns);
    if (out === null) return;
    assert.ok(widest(out) <= columns, `widest line ${widest(out)}`);
    const lines = out.trimEnd().split('\n');
    assert.match(lines[lines.length - 1]!, /^expectations: \d+ scenarios, \d+ runs, all held$/);
    assert.match(out, /^legend: ✓ expectations held; ✗ an expectation failed; · none stated/m);
    assert.match(out, /^outcomes: \d+ ok, \d+ bug, \d+ bad_page/m);
    const n = Number(/(\d+) runs/.exec(lines[lines.length - 1]!)![1]);
    assert.equal(n, plan.length);
    assert.equal((out.match(/✓ /g) ?? []).length - 1, n, 'one mark per run (and one in the legend)');
    // Seed 003's row: the RFC's BUG, the others clean.
    const rfc = out.split('\n').find((l) => l.startsWith('ptdesc-pte-free-now') && l.includes('BUG'));
    assert.ok(rfc !== undefined && /✓ BUG page_ptdesc/.test(rfc), 'ptdesc-pte-free-now BUGs under the RFC');
  });
}

test('the shipped matrix --wide: whole cells, every expectation held', (t) => {
  const out = shippedMatrix(t, null);
  if (out === null) return;
  assert.match(out, /^scenario\s+baseline\s+free-keeps-type\s+refcount-frozen-warn\s+refcount-frozen-bit/);
  assert.match(out, /typed-page-free\s+✓ ok\s+✓ bad_page: nonzero mapcount/);
  assert.doesNotMatch(out, /…/);
  assert.match(out, /expectations: \d+ scenarios, \d+ runs, all held/);
});
