/**
 * Text for `pagesim diff`: the steps two variants agree on, then the step
 * where they part, side by side: result, reports, and each page that step
 * changed, as dump_page() reads it and as raw words.
 */

import type { DiffPage, DiffSide, VariantDiff } from '../observe/diff.js';
import { formatValue } from './run.js';

function resultText(s: DiffSide): string {
  if (!s.ran) return '(not run: the run had ended)';
  const v = formatValue(s.result ?? undefined, s.resultType);
  return `${v === '' ? '-' : v}${s.killed ? ' (the oops killed the task)' : ''}`;
}

function reportsText(s: DiffSide): string[] {
  if (s.reports.length === 0) return ['-'];
  return s.reports.map((r) => `${r.kind} ${r.function}: ${r.reason}`);
}

/** Rows of cells (a cell may be several lines) in columns, the first column a label. */
function table(rows: [string, string[], string[]][]): string[] {
  const wl = Math.max(...rows.map((r) => r[0].length));
  const wa = Math.max(...rows.flatMap((r) => r[1].map((l) => l.length)));
  const out: string[] = [];
  for (const [label, a, b] of rows) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) out.push(`  ${(i === 0 ? label : '').padEnd(wl)}  ${(a[i] ?? '').padEnd(wa)}  ${b[i] ?? ''}`.trimEnd());
  }
  return out;
}

function pageRows(p: DiffPage): [string, string[], string[]][] {
  const touched = (t: boolean): string[] => [t ? 'changed in this step' : 'not changed in this step'];
  const rows: [string, string[], string[]][] = [[`pfn 0x${p.pfn.toString(16)}${p.differs ? ' differs' : ''}`, touched(p.a.touched), touched(p.b.touched)]];
  rows.push(['  refcount', [String(p.a.look.refcount)], [String(p.b.look.refcount)]]);
  rows.push(['  mapcount', [String(p.a.look.mapcount)], [String(p.b.look.mapcount)]]);
  rows.push(['  flags', [p.a.look.flags || '-'], [p.b.look.flags || '-']]);
  rows.push(['  page_type', [p.a.look.pageType ?? '-'], [p.b.look.pageType ?? '-']]);
  // The raw words after the step; a * marks a word the step changed.
  const n = Math.max(p.a.after.length, p.b.after.length);
  const word = (s: DiffPage['a'], i: number): string => (s.after[i] === undefined ? '' : `${s.after[i]}${s.after[i] !== s.before[i] ? '*' : ''}`);
  for (let i = 0; i < n; i++) rows.push([`  raw ${i}`, [word(p.a, i)], [word(p.b, i)]]);
  return rows;
}

export function formatDiff(d: VariantDiff): string {
  const out = [`diff ${d.scenario}: ${d.a} vs ${d.b}  ${d.file}`];
  const alike = d.alike === 0 ? 'no step alike' : d.alike === 1 ? 'step 1 alike' : `steps 1-${d.alike} alike`;
  const v = d.divergence;
  if (v === null) {
    out.push(`${alike}: the same results, reports, pages changed and page states (refcount, mapcount, flags, page_type)${d.truncated ? `, up to the step limit` : ''}`);
    if (d.firstRawDifference !== null) out.push(`the raw bytes of struct pages first differ in step ${d.firstRawDifference}`);
    else out.push('the raw bytes of struct pages written are the same in every step');
  } else {
    out.push(alike);
    out.push(`${v.step === null ? 'after the last step' : `step ${v.step}`} differs (${v.what.join('; ')}): ${v.call}`);
    const rows: [string, string[], string[]][] = [['', [d.a], [d.b]]];
    if (v.step !== null) rows.push(['result', [resultText(v.a)], [resultText(v.b)]]);
    rows.push(['reports', reportsText(v.a), reportsText(v.b)]);
    for (const p of v.pages) rows.push(...pageRows(p));
    out.push(...table(rows));
    if (v.morePages > 0) out.push(`  (${v.morePages} more page${v.morePages === 1 ? '' : 's'} changed alike on both sides)`);
  }
  out.push(`outcome: ${d.a}: ${d.outcome.a} after ${d.stepsRun.a} steps; ${d.b}: ${d.outcome.b} after ${d.stepsRun.b} steps`);
  return out.join('\n');
}
