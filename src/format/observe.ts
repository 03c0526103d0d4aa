/**
 * Text for what src/observe records: watchpoint hits and page timelines.
 */

import { wordSpans, type WatchHit, type WatchResult } from '../observe/watch.js';
import type { TimelineResult } from '../observe/timeline.js';
import type { Leak, LeakResult } from '../observe/leaks.js';
import { GUP_PIN_COUNTING_BIAS } from '../kernel/gup.js';

/** How many frames of a writer's call stack a line shows before eliding the middle. */
const STACK_SHOWN = 6;

function range(start: number, end: number): string {
  return end - start === 1 ? `byte ${start}` : `bytes ${start}..${end - 1}`;
}

/** The words of a watched value that overlap [start, end). */
function changedWords(value: string, w: WatchResult, start: number, end: number): string {
  const words = value.split(' ');
  return wordSpans(w.start, w.end - w.start)
    .map((span, i) => ({ span, word: words[i]! }))
    .filter(({ span }) => span[0] < end && start < span[1])
    .map(({ word }) => word)
    .join(' ');
}

/** `call_rcu <- pte_free_defer <- collapse_pte_mapped_thp`, the middle elided when long. */
export function formatStack(stack: readonly string[]): string {
  if (stack.length <= STACK_SHOWN + 1) return stack.join(' <- ');
  return [...stack.slice(0, STACK_SHOWN), `... ${stack.length - STACK_SHOWN - 1} more ...`, stack[stack.length - 1]!].join(' <- ');
}

function formatHit(h: WatchHit, w: WatchResult): string[] {
  const meaning = h.meaning.length > 0 ? ` (${h.meaning.map((m) => m.replace(/^bytes \d+\.\.\d+: /, '')).join('; ')})` : '';
  const fields = h.fields.join(',') === w.fields.join(',') ? '' : ` [${h.fields.join(', ')}]`;
  return [`    ${h.function} wrote ${range(h.start, h.end)}${fields}: ${changedWords(h.old, w, h.start, h.end)} -> ${changedWords(h.new, w, h.start, h.end)}${meaning}`, `      ${formatStack(h.stack)}`];
}

/** One watchpoint's story in a run: the bytes, their value when watching began, every write by step, the value at the end. */
export function formatWatch(w: WatchResult): string {
  const out = [`watch ${w.target} under ${w.variant}: ${w.pfn === null ? 'its handle was never bound to a page' : `struct page of pfn 0x${w.pfn.toString(16)}, ${range(w.start, w.end)}`}`];
  out.push(`  fields: ${w.fields.join(', ')}`);
  if (w.overlay !== undefined) out.push(`  struct ${w.overlay.struct} over it: ${w.overlay.fields.join(', ')}`);
  if (w.pfn === null) return out.join('\n');
  out.push(w.from === 0 ? `  before step 1: ${w.initial}` : `  after step ${w.from} (bound): ${w.initial}`);
  let step = -1;
  for (const h of w.hits) {
    if (h.step !== step) {
      out.push(`  step ${h.step}  ${h.call}`);
      step = h.step;
    }
    out.push(...formatHit(h, w));
  }
  if (w.moreHits > 0) out.push(`  ... and ${w.moreHits} more writes`);
  if (w.hits.length === 0) out.push('  no writes');
  out.push(`  at the end: ${w.final}`);
  return out.join('\n');
}

/**
 * A page's timeline: a line per step after which its struct page changed,
 * with refcount, mapcount, flags and page_type as dump_page() prints them,
 * and the raw words (0-7, dump_page's raw order) that changed.
 */
export function formatTimeline(t: TimelineResult): string {
  const out = [`timeline ${t.target} under ${t.variant}: ${t.pfn === null ? 'its handle was never bound to a page' : `struct page of pfn 0x${t.pfn.toString(16)}`}`];
  if (t.pfn === null) return out.join('\n');
  const rows = t.entries.map((e) => [
    String(e.step),
    String(e.refcount),
    String(e.mapcount),
    e.flags === '' ? '-' : e.flags,
    e.pageType ?? '-',
    e.call,
    e.changed.length === 0 ? e.raw.join(' ') : e.changed.map((i) => `${i}:${e.raw[i]}`).join(' '),
  ]);
  const head = ['step', 'refcount', 'mapcount', 'flags', 'page_type', 'after', 'raw words (changed ones as word:value)'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string =>
    `  ${r
      .map((c, i) => (i <= 2 ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')}`.trimEnd();
  out.push(line(head), ...rows.map(line));
  if (t.moreEntries > 0) out.push(`  ... and ${t.moreEntries} more changes`);
  out.push(`  (${t.entries.length + t.moreEntries} states over the ${t.steps} steps followed)`);
  return out.join('\n');
}

/** Why a leaked page is still held: its counts, and whether a pin (not a plain reference) holds it. */
function heldBy(x: Leak): string {
  const counts = `refcount ${x.refcount}, mapcount ${x.mapcount}${x.pincount === null ? '' : `, pincount ${x.pincount}`}`;
  if (!x.pinned) return `${counts}, not pinned`;
  return `${counts}, folio_maybe_dma_pinned() (${x.pincount === null ? `refcount >= GUP_PIN_COUNTING_BIAS, ${GUP_PIN_COUNTING_BIAS}` : 'pincount > 0'}): a pin never unpinned`;
}

/** `run --leaks`: each page still allocated at the end, with the step that allocated it and its page_owner entry. */
export function formatLeaks(l: LeakResult): string {
  const pages = (n: number): string => `${n} page${n === 1 ? '' : 's'}`;
  const total = l.leaks.reduce((n, x) => n + (1 << x.order), 0);
  const out = [l.leaks.length === 0 ? `leaks under ${l.variant}: none (every page a step allocated was freed)` : `leaks under ${l.variant}: ${l.leaks.length} allocation${l.leaks.length === 1 ? '' : 's'} (${pages(total)}) still allocated at the end`];
  for (const x of l.leaks) {
    out.push(`  pfn 0x${x.pfn.toString(16)}, order ${x.order}: allocated in ${x.step === 0 ? 'no step (before the first)' : `step ${x.step}  ${x.call}`}`);
    out.push(`    held: ${heldBy(x)}`);
    out.push(...x.owner.map((line) => `    ${line}`));
  }
  for (const by of new Set(l.held.map((h) => h.by))) {
    const list = l.held.filter((h) => h.by === by);
    out.push(`  also allocated, held by ${by}: ${list.map((h) => `pfn 0x${h.pfn.toString(16)} (order ${h.order}, step ${h.step}${h.callback === undefined ? '' : `, ${h.callback}`})`).join(', ')}`);
  }
  return out.join('\n');
}
