/**
 * Printing a replay: the human report and the --json object.
 */

import { EVENT_KIND_NAMES } from './events.js';
import type { ChangeRow, OrderRow, TypeRow } from './compare.js';
import type { ReplayResult } from './replay.js';
import { basename } from 'node:path';

const fmt = (n: number): string => n.toLocaleString('en-US');
const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

function filesLine(files: readonly string[], from: string): string {
  if (files.length === 0) return 'none';
  return `${files.map((f) => basename(f)).join(', ')}${from === 'found' ? ' (found next to the trace)' : ''}`;
}

function byOrderTable(title: string, rows: readonly { node: number; zone: string; order: number; model: number; real: number }[], labels: readonly [string, string]): string[] {
  if (rows.length === 0) return [];
  const out = [title];
  const zones = [...new Set(rows.map((r) => `${r.node}/${r.zone}`))];
  const manyNodes = new Set(rows.map((r) => r.node)).size > 1;
  const orders = [...new Set(rows.map((r) => r.order))].sort((a, b) => a - b);
  out.push(`${'zone'.padEnd(16)}${orders.map((o) => String(o).padStart(7)).join('')}`);
  for (const z of zones) {
    const zr = rows.filter((r) => `${r.node}/${r.zone}` === z);
    const cell = (o: number, f: (r: { model: number; real: number }) => string): string => {
      const r = zr.find((x) => x.order === o);
      return (r === undefined ? '' : f(r)).padStart(7);
    };
    const name = manyNodes ? `${zr[0]!.node}/${zr[0]!.zone}` : zr[0]!.zone;
    out.push(`${`${name} ${labels[0]}`.padEnd(16)}${orders.map((o) => cell(o, (r) => String(r.model))).join('')}`);
    out.push(`${`${''.padEnd(name.length)} ${labels[1]}`.padEnd(16)}${orders.map((o) => cell(o, (r) => String(r.real))).join('')}`);
    out.push(`${`${''.padEnd(name.length)} diff`.padEnd(16)}${orders.map((o) => cell(o, (r) => (r.model === r.real ? '.' : signed(r.model - r.real)))).join('')}`);
  }
  return out;
}

function typeDiffs(rows: readonly TypeRow[]): string[] {
  const diff = rows.filter((r) => r.model !== r.real);
  if (rows.length === 0) return [];
  if (diff.length === 0) return ['pagetypeinfo free counts: every zone, migratetype and order as in t1'];
  const out = ['pagetypeinfo free counts that differ from t1 (model/real):'];
  const groups = [...new Set(diff.map((r) => `${r.node}/${r.zone}/${r.type}`))];
  for (const g of groups) {
    const gr = diff.filter((r) => `${r.node}/${r.zone}/${r.type}` === g);
    out.push(`  ${gr[0]!.zone} ${gr[0]!.type}: ${gr.map((r) => `order ${r.order} ${r.model}/${r.real}`).join(', ')}`);
  }
  return out;
}

function changeTable(all: readonly ChangeRow[]): string[] {
  // Zones the trace never changed (DMA, DMA32 on the captures) would only print zeros.
  const moving = new Set(all.filter((r) => r.real !== 0 || r.model !== 0).map((r) => `${r.node}/${r.zone}`));
  const rows = all.filter((r) => moving.has(`${r.node}/${r.zone}`));
  if (rows.length === 0) return all.length === 0 ? [] : ['change of free blocks since t0: none, in the replay and in the snapshots'];
  const out = byOrderTable('change of free blocks since t0 (replay end - replay t0, real t1 - t0):', rows.map((r) => ({ ...r })), ['replay', 'real']);
  const zones = [...new Set(rows.map((r) => `${r.node}/${r.zone}`))];
  for (const z of zones) {
    const zr = rows.filter((r) => `${r.node}/${r.zone}` === z);
    const moved = zr.reduce((n, r) => n + Math.abs(r.real), 0);
    const off = zr.reduce((n, r) => n + Math.abs(r.model - r.real), 0);
    if (moved > 0) out.push(`${zr[0]!.zone}: the replay's per-order change is off by ${off} blocks in all, against ${moved} blocks of real change`);
  }
  return out;
}

export function formatReplayHuman(r: ReplayResult): string {
  const lines: string[] = [];
  lines.push(`pagesim replay: ${r.trace} (${r.mode} mode, variant ${r.variant})`);
  lines.push(`initial state: ${filesLine(r.initialFiles, r.initialFrom)}`);
  lines.push(`compared with: ${filesLine(r.compareFiles, r.compareFrom)}`);
  const m = r.machine;
  lines.push(`machine: ${m.nodes} node${m.nodes > 1 ? 's' : ''}, ${m.cpus} CPU${m.cpus > 1 ? 's' : ''}, ${fmt(m.nrPages)} struct pages`);
  for (const z of m.zones) lines.push(`  zone ${z.name.padEnd(7)} start ${z.start}, spanned ${z.spanned}, present ${z.present}, managed ${z.managed} (t0: ${seedingText(z.seeding)})`);
  for (const n of m.notes) lines.push(`  note: ${n}`);
  const p = r.parse;
  lines.push(`events: ${fmt(p.events)} (${EVENT_KIND_NAMES.map((k) => `${k} ${fmt(p.byEvent[k] ?? 0)}`).join(', ')}); failed allocations ${p.failedAllocs}; skipped ${p.skipped}; malformed ${p.malformed}`);
  for (const s of p.malformedSamples.slice(0, 3)) lines.push(`  malformed line ${s.lineNo}: ${s.reason}`);
  if (p.otherLines > 0) lines.push(`ignored: ${fmt(p.otherLines)} ${p.otherLines === 1 ? 'line that is not a trace event' : 'lines that are not trace events'} (blank lines, stack traces, other text)`);
  if (p.timeBackwardsLine > 0) lines.push(`time order: timestamps go back at line ${p.timeBackwardsLine} (a merged capture, or per-CPU buffers one after another?); events are replayed in the order of the file`);
  lines.push(`speed: ${fmt(p.events)} events in ${r.seconds.stream.toFixed(3)} s = ${(r.eventsPerSecond / 1e6).toFixed(2)} M events/s (reading, parsing and replaying); setup ${r.seconds.setup.toFixed(2)} s (boot and seeding)${r.mode === 'exact' ? `, t0 completion ${r.seconds.t0.toFixed(2)} s` : `, t0 reconstruction by an exact replay ${r.seconds.reconstruct.toFixed(2)} s`}`);
  lines.push(`preexisting: ${fmt(r.preexisting)} frees of pages allocated before the trace began`);
  const total = r.inconsistencies.total();
  lines.push(`inconsistencies: ${total === 0 ? 'none' : fmt(total)}`);
  for (const [kind, n] of [...r.inconsistencies.counts].sort((a, b) => b[1] - a[1])) {
    lines.push(`  ${kind.padEnd(26)} ${String(n).padStart(7)}  lines ${(r.inconsistencies.examples.get(kind) ?? []).join(', ')}`);
  }
  if (r.exact !== null) {
    const t = r.exact.t0;
    const c = r.exact.counters;
    lines.push(`t0 reconstruction: ${t.traced} free blocks placed where the trace first took from them, ${t.untraced} more in untouched memory; ${fmt(t.pcpPages)} pages found on pcp lists at t0; ${c.typesObserved} pageblock types seen; ${c.claims} pageblock claims`);
    const orders = (a: readonly number[]): string => a.map((n, o) => (n > 0 ? `${n}x${o}` : '')).filter((x) => x !== '').join(' ');
    if (t.goneByOrder.some((n) => n > 0)) lines.push(`  gone before the trace began (allocated between reading t0 and starting the trace): ${orders(t.goneByOrder)} (blocks x order)`);
    if (t.extraByOrder.some((n) => n > 0)) lines.push(`  free at t0 beyond the snapshot's counts: ${orders(t.extraByOrder)}`);
    if (t.unplacedByOrder.some((n) => n > 0)) lines.push(`  snapshot blocks with no room left: ${orders(t.unplacedByOrder)}`);
    if (t.pcpExcess > 0) lines.push(`  pcp pages beyond the snapshot's pcp counts: ${t.pcpExcess}`);
  }
  if (r.model !== null) lines.push(`model mode: ${fmt(r.model.notApplied)} events of the kernel's internal moves (zone_locked, pcpu_drain, free_batched, extfrag) left to pagesim's allocator`);
  lines.push(`kernel reports: ${r.kernelReports.count}${r.kernelReports.first.length > 0 ? ` (first: ${r.kernelReports.first.join('; ')})` : ''}`);
  if (r.check !== null) lines.push(`machine check: ${r.check.violations === 0 ? 'clean' : `${r.check.violations} violations: ${r.check.first.join('; ')}`}`);
  lines.push('', 'end state, /proc/buddyinfo:', r.end.buddyinfo.replace(/\n$/, ''), '', 'end state, /proc/pagetypeinfo:', r.end.pagetypeinfo.replace(/\n$/, ''));
  if (r.comparison !== null) {
    lines.push('', ...byOrderTable('free blocks per order, replay end vs t1 (buddyinfo):', r.comparison.buddyinfo as OrderRow[], ['model', 'real']));
    const t = typeDiffs(r.comparison.pagetypeinfo);
    if (t.length > 0) lines.push('', ...t);
    const b = r.comparison.blocks.filter((x) => x.model !== x.real);
    if (r.comparison.blocks.length > 0) lines.push(b.length === 0 ? 'pageblocks per migratetype: as in t1' : `pageblocks per migratetype that differ from t1 (model/real): ${b.map((x) => `${x.zone} ${x.type} ${x.model}/${x.real}`).join(', ')}`);
  }
  if (r.changes !== null && r.changes.length > 0) lines.push('', ...changeTable(r.changes));
  return lines.join('\n');
}

function seedingText(mode: string): string {
  if (mode === 'full') return 'laid out from the snapshot, every managed page free';
  if (mode === 'lazy') return 'free blocks placed where the trace shows them';
  return 'every managed page free';
}

/** The --json object: the keys the CLI documents, then details. */
export function replayJson(r: ReplayResult): Record<string, unknown> {
  return {
    events: r.parse.events,
    skipped: r.parse.skipped,
    malformed: r.parse.malformed,
    // Only when there are some: the output of a trace without them is as it was.
    ...(r.parse.otherLines > 0 ? { ignored_lines: r.parse.otherLines } : {}),
    ...(r.parse.timeBackwardsLine > 0 ? { time_goes_back_at_line: r.parse.timeBackwardsLine } : {}),
    inconsistencies: r.inconsistencies.toJSON(),
    preexisting: r.preexisting,
    events_per_second: Math.round(r.eventsPerSecond),
    end: { buddyinfo: r.end.buddyinfo, pagetypeinfo: r.end.pagetypeinfo },
    compare: {
      buddyinfo: (r.comparison?.buddyinfo ?? []).map((x) => ({ zone: x.zone, order: x.order, model: x.model, real: x.real, node: x.node })),
      pagetypeinfo: (r.comparison?.pagetypeinfo ?? []).map((x) => ({ zone: x.zone, type: x.type, order: x.order, model: x.model, real: x.real, node: x.node })),
      pageblocks: (r.comparison?.blocks ?? []).map((x) => ({ zone: x.zone, type: x.type, model: x.model, real: x.real, node: x.node })),
      change_since_t0: (r.changes ?? []).map((x) => ({ zone: x.zone, order: x.order, model: x.model, real: x.real, node: x.node })),
    },
    mode: r.mode,
    variant: r.variant,
    trace: r.trace,
    events_by_kind: r.parse.byEvent,
    failed_allocs: r.parse.failedAllocs,
    inconsistency_examples: Object.fromEntries([...r.inconsistencies.examples].sort((a, b) => a[0].localeCompare(b[0]))),
    seconds: r.seconds,
    initial: { files: r.initialFiles, from: r.initialFrom },
    compared_with: { files: r.compareFiles, from: r.compareFrom },
    machine: r.machine,
    t0: r.exact === null ? null : { ...r.exact.t0, types_observed: r.exact.counters.typesObserved, claims: r.exact.counters.claims },
    kernel_reports: r.kernelReports.count,
    check_violations: r.check?.violations ?? null,
  };
}
