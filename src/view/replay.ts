/**
 * The data of `pagesim replay TRACE --html FILE`: the replayed machine's
 * free blocks per order and free pages per migratetype, sampled over the
 * trace, events per second by type, and the end state against the real t1
 * snapshot.
 *
 * The samples are taken every `every` events (ReplaySampler in
 * src/replay/replay.ts), counted on the free lists as pagetypeinfo counts
 * them (modelCounts()). The event log keeps trace line numbers, not times:
 * the times of the sampled lines are read back from the trace afterwards.
 */

import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import type { Kernel } from '../kernel/kernel.js';
import { MIGRATE_TYPES, NR_PAGE_ORDERS, migratetype_names } from '../kernel/config.js';
import { modelCounts } from '../replay/compare.js';
import { evKind, type EventLog } from '../replay/events.js';
import type { ReplayResult, ReplaySampler } from '../replay/replay.js';
import type { ReplayViewData } from './data.js';
import { isGzip, readTraceHead } from '../trace/gzip-file.js';

/** Samples over a trace, at most. */
export const MAX_REPLAY_SAMPLES = 400;
const EVENT_TYPES = ['mm_page_alloc', 'mm_page_free', 'mm_page_free_batched', 'mm_page_alloc_zone_locked', 'mm_page_pcpu_drain', 'mm_page_alloc_extfrag'];

export class ReplayRecorder implements ReplaySampler {
  readonly every: number;
  private lastLine = 0;
  private kinds = new Array<number>(EVENT_TYPES.length).fill(0);
  readonly lines: number[] = [];
  readonly byOrder: number[][] = Array.from({ length: NR_PAGE_ORDERS }, () => []);
  readonly byType: number[][] = Array.from({ length: MIGRATE_TYPES }, () => []);
  readonly kindCounts: number[][] = EVENT_TYPES.map(() => []);

  /** `events`: how many events the trace has (known from a first read, or estimated). */
  constructor(events: number) {
    this.every = Math.max(1, Math.ceil(events / MAX_REPLAY_SAMPLES));
  }

  events(log: EventLog, from: number, to: number): void {
    for (let i = from; i < to; i++) this.kinds[evKind(log.info[i]!)]!++;
    if (to > from) this.lastLine = log.line[to - 1]!;
  }

  at(k: Kernel): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] === this.lastLine) return;
    const orders = new Array<number>(NR_PAGE_ORDERS).fill(0);
    const types = new Array<number>(MIGRATE_TYPES).fill(0);
    for (const z of modelCounts(k).values()) {
      for (let o = 0; o < NR_PAGE_ORDERS; o++) {
        for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
          const n = z.free[o * MIGRATE_TYPES + mt]!;
          orders[o]! += n;
          types[mt]! += n << o;
        }
      }
    }
    this.lines.push(this.lastLine);
    orders.forEach((n, o) => this.byOrder[o]!.push(n));
    types.forEach((n, t) => this.byType[t]!.push(n));
    this.kinds.forEach((n, t) => this.kindCounts[t]!.push(n));
    this.kinds = this.kinds.map(() => 0);
  }
}

/** Whether the file at `path` is gzip (its first two bytes). */
function isGzipFile(path: string): boolean {
  return isGzip(readTraceHead(path, 0).magic);
}

/** Lines of a trace that hold a kmem page event (a first, cheap read to space the samples). */
export async function countTraceEvents(path: string): Promise<number> {
  const input = isGzipFile(path) ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) if (text.includes('mm_page')) n++;
  return n;
}

/** The ftrace/perf timestamps (seconds) of the given trace lines (1-based); NaN where a line has none. */
export async function lineTimes(path: string, lines: readonly number[]): Promise<number[]> {
  const want = new Set(lines);
  const found = new Map<number, number>();
  const input = isGzipFile(path) ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  const last = Math.max(0, ...lines);
  for await (const text of rl) {
    n++;
    if (want.has(n)) {
      const m = /\s(\d+\.\d+):\s/.exec(text);
      found.set(n, m === null ? NaN : Number(m[1]));
    }
    if (n >= last) break;
  }
  rl.close();
  input.destroy();
  return lines.map((l) => found.get(l) ?? NaN);
}

export async function replayViewData(r: ReplayResult, rec: ReplayRecorder, summary: readonly string[]): Promise<ReplayViewData> {
  const times = await lineTimes(r.trace, rec.lines);
  // Without timestamps (a log with none), the x axis counts samples.
  const time = times.every((t) => Number.isFinite(t)) ? times.map((t) => t - times[0]!) : times.map((_, i) => i);
  const rates = rec.kindCounts.map((counts) => counts.map((n, i) => (i === 0 ? 0 : time[i]! > time[i - 1]! ? n / (time[i]! - time[i - 1]!) : 0)));
  const seen = EVENT_TYPES.map((_, t) => rec.kindCounts[t]!.some((n) => n > 0));
  let compare: ReplayViewData['compare'] = null;
  if (r.comparison !== null) {
    const orders = Array.from({ length: NR_PAGE_ORDERS }, (_, o) => o);
    const model = orders.map((o) => r.comparison!.buddyinfo.filter((x) => x.order === o).reduce((s, x) => s + x.model, 0));
    const real = orders.map((o) => r.comparison!.buddyinfo.filter((x) => x.order === o).reduce((s, x) => s + x.real, 0));
    compare = { orders, model, real };
  }
  return {
    kind: 'replay',
    trace: r.trace,
    variant: r.variant,
    events: r.parse.events,
    time,
    freeByOrder: rec.byOrder,
    migratetypes: migratetype_names.slice(0, MIGRATE_TYPES),
    freeByType: rec.byType,
    eventTypes: EVENT_TYPES.filter((_, t) => seen[t]),
    eventRates: rates.filter((_, t) => seen[t]),
    compare,
    summary,
  };
}
