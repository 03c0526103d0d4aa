/**
 * The outcome matrix of many runs as data: scenarios grouped by the
 * variants they run, a cell per scenario and variant, and the totals.
 * src/format/matrix.ts prints it to fit a terminal; `pagesim --json`
 * gives the runs themselves.
 *
 * Scenarios are grouped so that a table has only the columns its rows use:
 * each variant set a scenario runs that no other set contains is a group,
 * and every other scenario joins the smallest group whose variants include
 * all of its own (the first such, in file order).
 */

import type { Expected, Outcome, RunResult } from '../engine/run.js';
import { summarize } from '../format/run.js';

export interface MatrixCell {
  readonly variant: string;
  readonly outcome: Outcome;
  readonly expected: Expected;
  /** What happened in a few words: `BUG put_page_testzero`, `bad_page: nonzero mapcount (+2)`, shown values. */
  readonly summary: string;
  /** The expectations that did not hold. */
  readonly failures: readonly string[];
}

/** A run that could not be made: the scenario uses an operation the variant does not have. */
export interface MatrixGap {
  readonly scenario: string;
  readonly file: string;
  readonly variant: string;
  readonly reason: string;
}

export interface MatrixRow {
  readonly scenario: string;
  readonly file: string;
  /** One per column of the group: a run, a gap, or null when the scenario does not run that variant. */
  readonly cells: readonly (MatrixCell | MatrixGap | null)[];
}

export interface MatrixGroup {
  readonly variants: readonly string[];
  readonly rows: readonly MatrixRow[];
}

export interface MatrixModel {
  readonly groups: readonly MatrixGroup[];
  readonly scenarios: number;
  readonly runs: number;
  readonly outcomes: Readonly<Partial<Record<Outcome, number>>>;
  readonly held: number;
  readonly failed: number;
  /** Runs for which the scenario states no expectation. */
  readonly unstated: number;
  /** Every expectation that did not hold, by run. */
  readonly failures: readonly { readonly scenario: string; readonly file: string; readonly variant: string; readonly failure: string }[];
  readonly gaps: readonly MatrixGap[];
}

export function isGap(c: MatrixCell | MatrixGap | null): c is MatrixGap {
  return c !== null && 'reason' in c;
}

const OUTCOME_ORDER: readonly Outcome[] = ['ok', 'bug', 'bad_page', 'warn', 'check', 'no_build'];

/** Builds the matrix of runs (and of runs that could not be made), in the order given. */
export function matrixModel(runs: readonly RunResult[], gaps: readonly MatrixGap[] = []): MatrixModel {
  // Scenarios in order of appearance, each with the variants it ran (or tried).
  const order: { scenario: string; file: string; variants: string[] }[] = [];
  const byKey = new Map<string, (typeof order)[number]>();
  const cells = new Map<string, MatrixCell | MatrixGap>();
  const add = (scenario: string, file: string, variant: string, cell: MatrixCell | MatrixGap): void => {
    const key = `${file}\0${scenario}`;
    let s = byKey.get(key);
    if (s === undefined) {
      s = { scenario, file, variants: [] };
      byKey.set(key, s);
      order.push(s);
    }
    if (!s.variants.includes(variant)) s.variants.push(variant);
    cells.set(`${key}\0${variant}`, cell);
  };
  for (const r of runs) add(r.scenario, r.file, r.variant, { variant: r.variant, outcome: r.outcome, expected: r.expected, summary: summarize(r), failures: r.failures });
  for (const g of gaps) add(g.scenario, g.file, g.variant, g);

  const sets = order.map((s) => s.variants);
  const contains = (big: readonly string[], small: readonly string[]): boolean => small.every((v) => big.includes(v));
  const maximal: string[][] = [];
  for (const set of sets) {
    if (sets.some((o) => o.length > set.length && contains(o, set))) continue;
    if (!maximal.some((m) => m.length === set.length && contains(m, set))) maximal.push(set);
  }
  const groups = maximal.map((variants) => ({ variants, rows: [] as MatrixRow[] }));
  for (const s of order) {
    let best: (typeof groups)[number] | null = null;
    for (const g of groups) if (contains(g.variants, s.variants) && (best === null || g.variants.length < best.variants.length)) best = g;
    best!.rows.push({ scenario: s.scenario, file: s.file, cells: best!.variants.map((v) => cells.get(`${s.file}\0${s.scenario}\0${v}`) ?? null) });
  }

  const outcomes: Partial<Record<Outcome, number>> = {};
  for (const o of OUTCOME_ORDER) {
    const n = runs.filter((r) => r.outcome === o).length;
    if (n > 0) outcomes[o] = n;
  }
  return {
    groups,
    scenarios: order.length,
    runs: runs.length,
    outcomes,
    held: runs.filter((r) => r.expected === 'held').length,
    failed: runs.filter((r) => r.expected === 'failed').length,
    unstated: runs.filter((r) => r.expected === 'none').length,
    failures: runs.flatMap((r) => r.failures.map((failure) => ({ scenario: r.scenario, file: r.file, variant: r.variant, failure }))),
    gaps,
  };
}
