/**
 * `pagesim explore` output: the summary of a search, each failure
 * signature's first schedule as columns (one per CPU, one row per action:
 * the kernel function, the atomic it performed on which word, old -> new),
 * ending in what failed; and the same as JSON.
 */

import { fieldsAt } from '../layout/layout.js';
import type { Action, Exec, Leaf } from '../explore/exec.js';
import type { ExploreResult, FailureGroup } from '../explore/search.js';
import type { Bound } from '../engine/run.js';

/** A value of a word as a kernel developer reads it: small numbers in decimal, the rest (a frozen bit) in hex. */
export function showValue(v: number): string {
  return v >= -4096 && v <= 0xffff ? String(v) : `0x${(v >>> 0).toString(16)}`;
}

/** The word an action touched, by the setup's name for its page and the struct page field: `p._refcount`. */
export function wordName(ex: Exec, w: number): string {
  const k = ex.k;
  if (w < 0) return '';
  if (w >= k.kdataWord) return `word ${w}`;
  const pfn = k.pfnOfWord(w);
  const off = (w - pfn * k.PW) * 4;
  const { name, base } = pageName(ex, pfn);
  const pick = (fs: ReturnType<typeof fieldsAt>) => fs.find((f) => f.path.startsWith('_refcount') || f.path.startsWith('_mapcount')) ?? fs[0];
  const field = pick(fieldsAt(k.layout('page'), off, 4).filter((f) => f.leaf && f.size <= 4));
  // Each page's own _mapcount and _refcount are named by the page (p+1._mapcount); the other words of a
  // large folio's first tail pages are struct folio's (p._nr_pages_mapped).
  const tail = base === null ? 0 : pfn - base;
  const folioOff = tail * k.PW * 4 + off;
  if (tail >= 1 && folioOff < k.layout('folio').size && (field === undefined || !/^_(refcount|mapcount)$/.test(field.path))) {
    const ff = pick(fieldsAt(k.layout('folio'), folioOff, 4).filter((f) => f.leaf && f.size <= 4));
    if (ff !== undefined) return `${handleNames(ex).get(base!) ?? name}.${ff.path.replace(/^.*\./, '')}`;
  }
  return `${name}.${field?.path ?? `+${off}`}`;
}

/** A page by the setup's handle for it, or for the head of its folio (`p+1`); else by pfn. */
function pageName(ex: Exec, pfn: number): { name: string; base: number | null } {
  const names = handleNames(ex);
  const own = names.get(pfn);
  if (own !== undefined) return { name: own, base: pfn };
  for (let d = 1; d <= 8 && d <= pfn; d++) {
    const n = names.get(pfn - d);
    if (n !== undefined && d < (ex.setupFolioPages.get(pfn - d) ?? 1)) return { name: `${n}+${d}`, base: pfn - d };
  }
  return { name: `pfn:0x${pfn.toString(16)}`, base: null };
}

function handleNames(ex: Exec): Map<number, string> {
  const out = new Map<number, string>();
  const add = (m: ReadonlyMap<string, Bound>): void => {
    for (const [n, v] of m) if (v !== null && v.kind === 'page' && !out.has(v.pfn)) out.set(v.pfn, n);
  };
  for (const c of ex.cpus) add(c.runner.bindings());
  return out;
}

function showReturn(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean' || typeof v === 'number') return ` => ${String(v)}`;
  return '';
}

/** One action as a cell of its CPU's column. */
export function actionText(ex: Exec, a: Action, first: boolean): string {
  const e = a.entry;
  const head = first ? `${a.op}: ` : '';
  const ret = a.returned !== null ? showReturn(a.returned.value) : '';
  if (a.whole) return `${a.op}() as one action${ret}`;
  if (e === null) return `${head}(no shared access)${ret}`;
  if (e.word === -1) return `${head}${e.prim}() lock section${ret}`;
  const fn = e.fn !== null && e.fn !== a.op ? `${e.fn} ` : '';
  const w = wordName(ex, e.word);
  let access: string;
  if (e.prim === 'atomic_read') access = `${w} = ${showValue(e.old)}`;
  else if ((e.prim === 'atomic_cmpxchg' || e.prim === 'atomic_try_cmpxchg') && e.ret !== e.arg) access = `${w} ${showValue(e.old)} (not ${showValue(e.arg)}: fails)`;
  else access = `${w} ${showValue(e.old)} -> ${showValue(e.value)}`;
  return `${head}${fn}${e.prim.replace(/^atomic_/, 'atomic_')} ${access}${ret}`;
}

/** A schedule as columns, one per CPU, then what failed. */
export function formatSchedule(ex: Exec, trail: readonly Action[], leaf: Leaf): string[] {
  const n = ex.cpus.length;
  const started = new Set<string>();
  const rows: string[][] = trail.map((a, i) => {
    const cells: string[] = Array.from({ length: n }, () => '');
    const key = `${a.cpu}:${a.before.pc}`;
    cells[a.cpu] = actionText(ex, a, !started.has(key));
    started.add(key);
    return [String(i + 1), ...cells];
  });
  const header = ['#', ...ex.cpus.map((c) => `CPU ${c.id}`)];
  const widths = header.map((h, col) => Math.min(120, Math.max(h.length, ...rows.map((r) => r[col]!.length))));
  const line = (r: string[]): string =>
    r
      .map((c, col) => (col === 0 ? c.padStart(widths[0]!) : c.length > widths[col]! ? `${c.slice(0, widths[col]! - 3)}...` : c.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  // What failed, each line once: the checker reports a corrupt list's entries on every pass of its walk.
  const seen = new Map<string, number>();
  for (const r of leaf.run.reports) {
    const l = `  ${reportText(r)}${r.step !== undefined ? ` (step ${r.step})` : ''}`;
    seen.set(l, (seen.get(l) ?? 0) + 1);
  }
  for (const f of leaf.failures) seen.set(`  ${f}`, (seen.get(`  ${f}`) ?? 0) + 1);
  for (const [l, n] of seen) out.push(n === 1 ? l : `${l} (${n} times)`);
  return out;
}

/**
 * A report as one line: its message and its reason, the reason once (a
 * check report's message, `pagesim: check failed: CHECKER: WHAT`, already
 * ends with it).
 */
function reportText(r: Leaf['run']['reports'][number]): string {
  if (r.reason === '' || r.message.endsWith(r.reason)) return r.message;
  return `${r.message}: ${r.reason}`;
}

/** The summary and each failure's first schedule. */
export function formatExplore(res: ExploreResult, shown: ReadonlyMap<string, string[]>, judged: readonly string[] | null): string {
  const out: string[] = [];
  const mode = res.mode === 'random' ? 'random' : res.preemptions !== null ? `at most ${res.preemptions} preemption${res.preemptions === 1 ? '' : 's'}` : 'exhaustive';
  out.push(`${res.scenario} under ${res.variant}: ${res.schedules} schedule${res.schedules === 1 ? '' : 's'} (${mode}${res.truncated ? ', stopped at the limit' : ''}), ${res.endStates.size} end state${res.endStates.size === 1 ? '' : 's'}, ${res.failing === 0 ? 'none failing' : `${res.failing} failing`}`);
  // Failures whose first schedule is the same schedule are shown with it once.
  const bySchedule = new Map<string, FailureGroup[]>();
  for (const g of res.failures.values()) {
    const key = g.first.schedule.join(',');
    const list = bySchedule.get(key);
    if (list === undefined) bySchedule.set(key, [g]);
    else list.push(g);
  }
  const count = (g: FailureGroup): string => `${g.count} schedule${g.count === 1 ? '' : 's'}`;
  for (const [g, ...also] of bySchedule.values()) {
    out.push('');
    out.push(`${g!.signature}: ${count(g!)}; the first:`);
    if (also.length > 0) out.push(`the same schedule is the first of: ${also.map((a) => `${a.signature} (${count(a)})`).join('; ')}`);
    out.push(`schedule: [${g!.first.schedule.join(', ')}]`);
    for (const l of shown.get(g!.signature) ?? []) out.push(l);
  }
  if (judged !== null) {
    if (judged.length === 0) out.push(`expectations held`);
    for (const f of judged) out.push(`FAILED ${f}`);
  }
  return out.join('\n');
}

export function exploreJson(res: ExploreResult, shown: ReadonlyMap<string, { trail: readonly Action[]; ex: Exec }>, judged: readonly string[] | null): unknown {
  return {
    scenario: res.scenario,
    file: res.file,
    variant: res.variant,
    mode: res.mode,
    preemptions: res.preemptions,
    schedules: res.schedules,
    schedulesRun: res.run,
    states: res.states,
    merged: res.merged,
    truncated: res.truncated,
    sleepBlocked: res.sleepBlocked,
    endStates: res.endStates.size,
    failing: res.failing,
    actions: res.actions,
    maxActions: res.maxActions,
    restores: res.restores,
    elapsedMs: Math.round(res.elapsedMs * 10) / 10,
    schedulesPerSecond: res.elapsedMs > 0 ? Math.round((res.schedules / res.elapsedMs) * 1000) : null,
    failures: [...res.failures.values()].map((g) => {
      const s = shown.get(g.signature);
      return {
        signature: g.signature,
        count: g.count,
        schedule: g.first.schedule,
        failures: g.first.failures,
        reports: g.first.run.reports.map((r) => ({ kind: r.kind, function: r.function, reason: r.reason, message: r.message, step: r.step ?? null })),
        actions:
          s === undefined
            ? []
            : s.trail.map((a) => ({
                cpu: a.cpu,
                op: a.op,
                function: a.entry?.fn ?? null,
                access: a.whole ? 'whole' : (a.entry?.prim ?? null),
                word: a.entry !== null && a.entry.word >= 0 ? wordName(s.ex, a.entry.word) : null,
                old: a.entry !== null && a.entry.word >= 0 ? a.entry.old : null,
                new: a.entry !== null && a.entry.word >= 0 ? a.entry.value : null,
                returned: a.returned === null ? null : (a.returned.value ?? null),
              })),
      };
    }),
    expectations: judged === null ? 'none' : judged.length === 0 ? 'held' : 'failed',
    expectationFailures: judged ?? [],
  };
}
