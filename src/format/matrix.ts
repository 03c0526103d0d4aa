/**
 * The outcome matrix as text that fits a terminal: a table per group of
 * scenarios (src/observe/matrix.ts), its variants split over as many tables
 * as the width needs, cells clipped (the whole text with `--wide`), a key
 * when variant names do not fit their columns, a legend and the totals.
 *
 * A concurrent scenario (`cpus:`) runs its CPUs' steps one CPU after
 * another: its cells are the outcome of that one order, which says nothing
 * of the others (`pagesim explore` runs every order). Its name is marked
 * (CONCURRENT_MARK), and the legend says what the mark means.
 */

import { isGap, type MatrixCell, type MatrixGap, type MatrixGroup, type MatrixModel, type MatrixRow } from '../observe/matrix.js';

/** Narrowest a variant column gets before its group is split over more tables. */
const MIN_COLUMN = 14;
const SEP = '  ';

export const MARKS = { held: '✓', failed: '✗', none: '·' } as const;
/** After the name of a scenario with `cpus:`: its cells are one order of the CPUs' steps. */
export const CONCURRENT_MARK = '⇉';

/** The scenarios with `cpus:`, by file and name (concurrentKey()). */
export type ConcurrentRows = ReadonlySet<string>;
/** The key of a scenario in ConcurrentRows. */
export const concurrentKey = (file: string, scenario: string): string => `${file}\0${scenario}`;

/** A row's name in `width` characters: clipped, then the mark when the scenario is concurrent. */
function rowName(r: MatrixRow, width: number, concurrent: ConcurrentRows): string {
  if (!concurrent.has(concurrentKey(r.file, r.scenario))) return clip(r.scenario, width);
  return `${clip(r.scenario, width - 2)} ${CONCURRENT_MARK}`;
}

/** A row's name at its natural width (with its mark). */
function naturalName(r: MatrixRow, concurrent: ConcurrentRows): number {
  return r.scenario.length + (concurrent.has(concurrentKey(r.file, r.scenario)) ? 2 : 0);
}

/** Text cut to `width` with an ellipsis; a count of more reports at its end, ` (+N)`, is kept. */
function clip(text: string, width: number): string {
  if (text.length <= width) return text;
  const more = / \(\+\d+\)$/.exec(text)?.[0] ?? '';
  const room = width - 1 - more.length;
  return room >= 4 ? `${text.slice(0, room)}…${more}` : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** A cell's text: the expectation mark, then what happened. */
export function cellText(c: MatrixCell | MatrixGap | null): string {
  if (c === null) return '';
  if (isGap(c)) return 'n/a';
  return `${MARKS[c.expected]} ${c.summary}`;
}

/** Words joined by `sep` into lines no wider than `width` (a word wider than that gets a line of its own). */
function wrap(words: readonly string[], width: number, sep = '  ', indent = ''): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + sep.length + w.length > width) {
      out.push(line);
      line = indent + w;
    } else line = line === '' ? w : `${line}${sep}${w}`;
  }
  if (line !== '') out.push(line);
  return out;
}

/** Column widths for `naturals` in `room` characters: each its natural width when all fit, else an equal share (narrow ones give theirs to the rest). */
function fitColumns(naturals: readonly number[], room: number): number[] {
  const out = naturals.map(() => 0);
  const order = naturals.map((n, i) => ({ n, i })).sort((a, b) => a.n - b.n);
  let left = room;
  order.forEach(({ n, i }, k) => {
    const share = Math.floor(left / (order.length - k));
    out[i] = Math.min(n, share);
    left -= out[i]!;
  });
  return out;
}

function table(group: MatrixGroup, cols: readonly number[], labels: readonly string[], nameWidth: number, width: number | null, concurrent: ConcurrentRows): string[] {
  // A scenario that runs none of this table's variants has no row in it.
  const used = group.rows.filter((r) => cols.some((c) => r.cells[c] !== null));
  const rows = [['scenario', ...cols.map((c) => labels[c]!)], ...used.map((r) => [rowName(r, nameWidth, concurrent), ...cols.map((c) => cellText(r.cells[c]!))])];
  const naturals = cols.map((_, j) => Math.max(...rows.map((r) => r[j + 1]!.length)));
  const widths = width === null ? naturals : fitColumns(naturals, width - nameWidth - SEP.length * cols.length);
  return rows.map((r) => [r[0]!.padEnd(nameWidth), ...r.slice(1).map((c, j) => clip(c, widths[j]!).padEnd(widths[j]!))].join(SEP).trimEnd());
}

/** The tables of one group. */
function formatGroup(group: MatrixGroup, width: number | null, concurrent: ConcurrentRows): string[] {
  const n = group.variants.length;
  const natural = Math.max('scenario'.length, ...group.rows.map((r) => naturalName(r, concurrent)));
  if (width === null) return table(group, group.variants.map((_, i) => i), group.variants, natural, null, concurrent);
  const nameWidth = Math.min(natural, Math.max(16, Math.floor(width * 0.3)));
  // As many variants per table as leave each at least MIN_COLUMN characters.
  const perTable = Math.max(1, Math.min(n, Math.floor((width - nameWidth) / (MIN_COLUMN + SEP.length))));
  const tables = Math.ceil(n / perTable);
  // The variants shared out evenly: 7 over 3 tables are 3, 2 and 2.
  const sizes = Array.from({ length: tables }, (_, t) => Math.floor(n / tables) + (t < n % tables ? 1 : 0));
  const per = sizes[0]!;
  const share = Math.floor((width - nameWidth) / per) - SEP.length;
  // Variant names that do not fit their columns become letters, with a key under the tables.
  const keyed = group.variants.some((v) => v.length > share);
  const labels = keyed ? group.variants.map((_, i) => String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : '')) : group.variants;
  const out: string[] = [];
  let first = 0;
  for (const size of sizes) {
    if (first > 0) out.push('');
    out.push(...table(group, Array.from({ length: size }, (_, j) => first + j), labels, nameWidth, width, concurrent));
    first += size;
  }
  if (keyed) out.push(...wrap(group.variants.map((v, i) => `${labels[i]} = ${v}`), width, '   '));
  return out;
}

/** The legend: what marks and abbreviations mean, wrapped to the width. */
function legend(width: number | null, wide: boolean, concurrent: boolean): string[] {
  const items = [
    `${MARKS.held} expectations held`,
    `${MARKS.failed} an expectation failed`,
    `${MARKS.none} none stated`,
    ...(concurrent ? [`${CONCURRENT_MARK} cpus: one order of the CPUs' steps, pagesim explore FILE tries them all`] : []),
    'n/a: the variant lacks an operation the scenario uses',
    '(+N): N more reports',
    "after ';': results of steps marked show: true",
    ...(wide ? [] : ['--wide: whole cells']),
    "pagesim run FILE --variant V: the whole story",
  ];
  return wrap(items.join('; ').split(' '), (width ?? Number.MAX_SAFE_INTEGER) - 8, ' ').map((l, i) => `${i === 0 ? 'legend:' : ''}`.padEnd(8) + l);
}

/** The last lines: outcomes counted, then the expectations, with each failure. */
export function formatTotals(m: MatrixModel, width: number | null = null): string[] {
  const outcomes = Object.entries(m.outcomes).map(([o, n]) => `${n} ${o}`);
  const out = [`outcomes: ${outcomes.join(', ') || 'none'}${m.gaps.length > 0 ? `; ${m.gaps.length} not run (n/a)` : ''}`];
  const what = `${m.scenarios} scenario${m.scenarios === 1 ? '' : 's'}, ${m.runs} run${m.runs === 1 ? '' : 's'}`;
  const unstated = m.unstated > 0 ? ` (${m.unstated} state none)` : '';
  if (m.failed === 0) out.push(`expectations: ${what}, all held${unstated}`);
  else {
    out.push(`expectations: ${what}: ${m.failed} did not hold${unstated}:`);
    for (const f of m.failures) out.push(...indented(`${f.file} [${f.variant}]: ${f.failure}`, width));
  }
  for (const g of m.gaps) out.push(...indented(`n/a ${g.file} [${g.variant}]: ${g.reason}`, width));
  return out;
}

/** A line indented by two, its continuation lines by four, word-wrapped to the width. */
function indented(text: string, width: number | null): string[] {
  if (width === null) return [`  ${text}`];
  return wrap(text.split(' '), width - 4, ' ').map((l, i) => (i === 0 ? `  ${l}` : `    ${l}`));
}

/**
 * The whole matrix: a table (or several) per group, the legend, the totals.
 * `width` null: `--wide`. `concurrent`: the scenarios with `cpus:`, marked.
 */
export function formatMatrixText(m: MatrixModel, width: number | null, concurrent: ConcurrentRows = new Set()): string {
  const out: string[] = [];
  for (const g of m.groups) {
    if (out.length > 0) out.push('');
    out.push(...formatGroup(g, width, concurrent));
  }
  const marked = m.groups.some((g) => g.rows.some((r) => concurrent.has(concurrentKey(r.file, r.scenario))));
  out.push('', ...legend(width, width === null, marked), '', ...formatTotals(m, width));
  return out.join('\n');
}

/** The width to fit: $COLUMNS when set, else the terminal's, else 80. */
export function outputWidth(): number {
  const env = Number(process.env['COLUMNS']);
  if (Number.isInteger(env) && env >= 40) return env;
  const tty = process.stdout.isTTY ? process.stdout.columns : undefined;
  return tty !== undefined && tty >= 40 ? tty : 80;
}
