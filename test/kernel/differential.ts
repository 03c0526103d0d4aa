/**
 * The differential run: every shipped scenario that can be exported runs on
 * a real linux 6.12 (KUnit under QEMU) and under `pagesim run --variant
 * linux-6.12` (in this process: the runs the export's comments predict
 * from, kunitExport()), and the two are compared on step results and report
 * lines (compare.ts). Prints a table, agree or differ per scenario with the
 * differing lines side by side, and writes it as JSON.
 *
 * usage: node dist/test/kernel/differential.js --run [--json FILE] [--only NAME]...
 *   (npm run test:kernel). Exit status 0 when every difference is one
 *   known-differences.json lists (each explained in docs/fidelity.md), 1 when
 *   a scenario differs otherwise or did not run. The 95% agreement target is
 *   reported, not enforced: CI guards against new differences. Without --run it does nothing, so the
 *   test runner, which loads every file under dist/test/, passes over it.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, scenarioFiles } from '../../src/engine/load.js';
import { kunitExport, kunitFileName, kunitSuiteName, KUNIT_VARIANT } from '../../src/kunit/export.js';
import { expandName } from '../../src/scenario/parse.js';
import type { Scenario, Step } from '../../src/scenario/types.js';
import { InputError } from '../../src/util/errors.js';
import { compareSides, pagesimSide, parseKernelSuite, splitSuites, type Comparison, type PagesimRun, type StepInfo } from './compare.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
const TARGET = 0.95;

interface Entry {
  readonly scenario: string;
  readonly file: string;
  readonly suite: string;
  readonly pagesimOutcome: string;
  readonly boot: string;
  comparison?: Comparison;
  error?: string;
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** What each step index of a run is in the scenario: its op and `as:` name, loop index expanded. */
function stepInfo(scn: Scenario, run: PagesimRun): Map<number, StepInfo> {
  const byLine = new Map<number, { op: string; as: string | null }>();
  const walk = (list: readonly Step[]): void => {
    for (const st of list) {
      if (st.kind === 'repeat') walk(st.steps);
      else byLine.set(st.line, { op: st.op, as: st.as });
    }
  };
  walk(scn.steps);
  const out = new Map<number, StepInfo>();
  for (const s of run.steps) {
    const st = byLine.get(s.line);
    if (st === undefined) continue;
    const it = s.iteration?.[s.iteration.length - 1] ?? null;
    out.set(s.index, { op: st.op, as: st.as === null ? null : expandName(st.as, it) });
  }
  return out;
}

/**
 * Whether a scenario reads the global vmstat counters. Such a scenario boots
 * alone: in a shared boot the suites before it leave per-CPU deltas, which
 * the vmstat worker folds into the global counters once a second
 * (mm/vmstat.c vmstat_update()), so its reads would depend on the others
 * and on time.
 */
function readsVmstat(steps: readonly Step[]): boolean {
  return steps.some((st) => (st.kind === 'repeat' ? readsVmstat(st.steps) : st.op === 'global_node_page_state' || st.op === 'global_zone_page_state'));
}

/** Boots the kernel once with the suites a filter selects; returns the console. */
function boot(src: string, build: string, glob: string, filter: string | null): string {
  const args = ['tools/testing/kunit/kunit.py', 'exec', '--arch=x86_64', `--build_dir=${build}`, '--raw_output=all', '--timeout=1200'];
  if (filter !== null) args.push(`--filter=${filter}`);
  args.push(glob);
  const r = spawnSync('python3', args, { cwd: src, encoding: 'utf8', maxBuffer: 1 << 30 });
  return `${r.stdout}\n${r.stderr}`;
}

function main(argv: readonly string[]): number {
  if (!argv.includes('--run')) return 0;
  const jsonAt = argv.indexOf('--json');
  const jsonFile = jsonAt >= 0 ? argv[jsonAt + 1]! : join(repo, 'build', 'kernel', 'differential.json');
  const only = argv.flatMap((a, i) => (argv[i - 1] === '--only' ? [a] : []));
  const variant = KUNIT_VARIANT;
  const exportDir = mkdtempSync(join(tmpdir(), 'pagesim-kunit-'));
  const entries: Entry[] = [];
  const refused: { scenario: string; reason: string }[] = [];
  const runs = new Map<string, { scn: Scenario; run: PagesimRun }>();
  for (const file of scenarioFiles(join(repo, 'scenarios'))) {
    const scn = loadScenario(file);
    if (only.length > 0 && !only.includes(scn.name)) continue;
    let text: string;
    let run: PagesimRun;
    try {
      // The run the export's comments predict from is the one compared: one source.
      const ex = kunitExport(scn);
      text = ex.text;
      run = ex.runs[0]!;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      refused.push({ scenario: scn.name, reason: e.line === undefined ? e.message : `line ${e.line}: ${e.message}` });
      continue;
    }
    writeFileSync(join(exportDir, kunitFileName(scn)), text);
    runs.set(scn.name, { scn, run });
    entries.push({ scenario: scn.name, file: file.slice(repo.length + 1), suite: kunitSuiteName(scn), pagesimOutcome: run.outcome, boot: run.outcome === 'ok' && !readsVmstat(scn.steps) ? 'shared' : 'own' });
  }
  log(`kernel: ${entries.length} scenarios exported, ${refused.length} refused; building`);
  const t0 = Date.now();
  const b = spawnSync(join(repo, 'test', 'kernel', 'build.sh'), [exportDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (b.status !== 0) {
    log('kernel: the build failed');
    return 1;
  }
  const cache = b.stdout.trim().split('\n').pop()!;
  const src = join(cache, 'linux-source-6.12');
  const build = join(cache, 'build');
  log(`kernel: built in ${Math.round((Date.now() - t0) / 1000)} s`);
  const consoles = new Map<string, string[]>();
  const own = entries.filter((e) => e.boot === 'own');
  const shared = entries.filter((e) => e.boot === 'shared');
  const t1 = Date.now();
  if (shared.length > 0) {
    // One boot for the scenarios that report nothing; each one that reports boots alone,
    // so that no taint or damage from another suite shows in its lines.
    const filter = own.length === 0 ? null : own.map((e) => `module!=${e.suite}_kunit`).join(',');
    const out = boot(src, build, 'pagesim_*', filter);
    for (const [k, v] of splitSuites(out)) consoles.set(k, v);
  }
  for (const e of own) {
    const out = boot(src, build, e.suite, null);
    const s = splitSuites(out).get(e.suite);
    if (s !== undefined) consoles.set(e.suite, s);
  }
  const boots = (shared.length > 0 ? 1 : 0) + own.length;
  log(`kernel: ${boots} boots in ${Math.round((Date.now() - t1) / 1000)} s`);
  for (const e of entries) {
    const lines = consoles.get(e.suite);
    if (lines === undefined) {
      e.error = 'the suite did not run (no KTAP output)';
      continue;
    }
    const { scn, run } = runs.get(e.scenario)!;
    e.comparison = compareSides(parseKernelSuite(lines), pagesimSide(run), stepInfo(scn, run));
  }
  const agree = entries.filter((e) => e.comparison?.agree === true).length;
  const ratio = entries.length === 0 ? 0 : agree / entries.length;
  process.stdout.write(formatTable(entries, refused, variant, agree));
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify({ kernel: '6.12 (Debian linux-source-6.12)', variant, exported: entries.length, agree, ratio, target: TARGET, scenarios: entries, refused }, null, 2)}\n`);
  log(`kernel: ${jsonFile}`);
  const unexplained = unexplainedDifferences(entries);
  for (const line of unexplained) process.stdout.write(`${line}\n`);
  process.stdout.write(unexplained.length === 0 ? 'every difference is a known one (test/kernel/known-differences.json, docs/fidelity.md)\n' : '');
  return unexplained.length === 0 ? 0 : 1;
}

/**
 * What differs beyond the known, explained differences: a scenario that did
 * not run, or one whose differing lines are not exactly the listed ones. A
 * listed scenario that now agrees is reported, so the list can shrink.
 */
function unexplainedDifferences(entries: readonly Entry[]): string[] {
  const known = (JSON.parse(readFileSync(join(repo, 'test', 'kernel', 'known-differences.json'), 'utf8')) as { scenarios: Record<string, { kernel: string; pagesim: string }[]> }).scenarios;
  const out: string[] = [];
  for (const e of entries) {
    if (e.error !== undefined) {
      out.push(`unexplained: ${e.scenario}: ${e.error}`);
      continue;
    }
    const c = e.comparison!;
    const listed = known[e.scenario];
    if (c.agree) {
      // A listed line whose kernel value is ` = *` is timing-dependent: agreeing once says nothing.
      if (listed !== undefined && listed.every((l) => l.kernel.endsWith(' = *'))) process.stdout.write(`${e.scenario} agrees in this run (its listed lines take any kernel value)\n`);
      else if (listed !== undefined) process.stdout.write(`${e.scenario} now agrees: remove it from test/kernel/known-differences.json and docs/fidelity.md\n`);
      continue;
    }
    const matches = listed !== undefined && listed.length === c.differences.length && listed.every((l, i) => knownLine(l.kernel, c.differences[i]!.kernel) && l.pagesim === c.differences[i]!.pagesim);
    if (!matches) out.push(`unexplained: ${e.scenario} differs from the real kernel in lines test/kernel/known-differences.json does not list`);
  }
  return out;
}

/**
 * A listed kernel line against the one seen: equal, or, where the listed line
 * ends in ` = *`, the same step and operation with any value (a read the
 * kernel answers differently from boot to boot, docs/fidelity.md).
 */
export function knownLine(listed: string, seen: string): boolean {
  if (!listed.endsWith(' = *')) return listed === seen;
  return seen.startsWith(listed.slice(0, -1)) && !seen.slice(listed.length - 1).includes(' ');
}

function formatTable(entries: readonly Entry[], refused: readonly { scenario: string; reason: string }[], variant: string, agree: number): string {
  const w = Math.max(8, ...entries.map((e) => e.scenario.length));
  const out: string[] = [`Differential run: linux 6.12 under QEMU against pagesim run --variant ${variant}`, ''];
  out.push(`${'scenario'.padEnd(w)}  result  steps  report lines  stale  boot`);
  for (const e of entries) {
    const c = e.comparison;
    out.push(`${e.scenario.padEnd(w)}  ${(c === undefined ? 'error' : c.agree ? 'agree' : 'differ').padEnd(6)}  ${String(c?.steps ?? '-').padStart(5)}  ${String(c?.reportLines ?? '-').padStart(12)}  ${String(c?.staleLines ?? '-').padStart(5)}  ${e.boot}`);
  }
  out.push('');
  out.push(`${agree} of ${entries.length} exported scenarios agree (${entries.length === 0 ? 0 : Math.round((agree / entries.length) * 100)}%; target ${TARGET * 100}%); ${refused.length} not exported`);
  for (const e of entries) {
    if (e.error !== undefined) out.push('', `${e.scenario}: ${e.error}`);
    if (e.comparison === undefined || e.comparison.agree) continue;
    out.push('', `${e.scenario}: ${e.comparison.differences.length} differing lines (kernel | pagesim)`);
    for (const d of e.comparison.differences.slice(0, 12)) out.push(`  ${d.kernel}`, `  ${d.pagesim}`, '');
    if (e.comparison.differences.length > 12) out.push(`  ... ${e.comparison.differences.length - 12} more`);
  }
  if (refused.length > 0) {
    out.push('', 'not exported:');
    for (const r of refused) out.push(`  ${r.scenario}: ${r.reason}`);
  }
  return `${out.join('\n')}\n`;
}

process.exitCode = main(process.argv.slice(2));
