/**
 * The shipped suite, run once in a process. test/scenarios.test.ts asserts
 * on every shipped run (its expectations, the outcome matrix); the docs test
 * runs `npm start`, which is `pagesim` with no arguments: the same runs, on
 * the same shared boots (src/engine/suite.ts). scripts/test.mjs runs the two
 * files in one process, the docs test first, and importing this module keeps
 * the outcomes of a suite of every shipped scenario that a command run in
 * the process made (src/engine/suite.ts suiteDone), so that
 * scenarios.test.ts asserts on the runs `npm start` printed instead of
 * making them again. Run alone, scenarios.test.ts runs the suite itself.
 */
import { join, resolve } from 'node:path';
import { scenarioFiles } from '../../src/engine/load.js';
import { runSuite, suiteDone, type SuiteOutcome, type SuiteRun } from '../../src/engine/suite.js';
import { repoRoot } from './machine.js';

const shippedFiles = (): string[] => scenarioFiles(join(repoRoot, 'scenarios')).map((f) => resolve(f));

/** The last suite of every shipped scenario, no observers, page_owner off, that a command ran here. */
let kept: { readonly runs: readonly SuiteRun[]; readonly outcomes: readonly SuiteOutcome[] } | null = null;

suiteDone.f = (runs, outcomes) => {
  if (runs.some((r) => (r.opts.observers?.length ?? 0) > 0 || r.opts.pageOwner === true)) return;
  const files = new Set(runs.map((r) => resolve(r.scn.file)));
  const shipped = shippedFiles();
  if (files.size === shipped.length && shipped.every((f) => files.has(f))) kept = { runs, outcomes };
};

/** Whether a run made elsewhere is the planned one: the same file, scenario (case) and variant stack, no observers, page_owner off. */
function same(a: SuiteRun, b: SuiteRun): boolean {
  return resolve(a.scn.file) === resolve(b.scn.file) && a.scn.name === b.scn.name && a.variant === b.variant && (a.opts.observers?.length ?? 0) === 0 && a.opts.pageOwner !== true;
}

/**
 * The outcomes of the planned runs of the shipped suite, in the plan's
 * order, with the runs that made them: those of `pagesim` run earlier in
 * this process when it planned the same runs in the same order, else made
 * here by runSuite() as `pagesim` makes them. `shared` says which.
 */
export function shippedSuite(plan: readonly SuiteRun[]): { runs: readonly SuiteRun[]; outcomes: readonly SuiteOutcome[]; shared: boolean } {
  const k = kept;
  if (k !== null && k.runs.length === plan.length && plan.every((r, i) => same(r, k.runs[i]!))) return { ...k, shared: true };
  return { runs: plan, outcomes: runSuite(plan), shared: false };
}
