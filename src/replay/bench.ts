/**
 * Replay throughput for `pagesim bench`: the exact replay's event loop
 * (benchReplayLoop), on the 244k-event mixed capture when it is present,
 * else on a synthetic trace generated in memory (benchReplaySync measures
 * the streamed pass, parsing included, on the synthetic trace).
 *
 * The first replay in a process runs while V8 is still compiling the
 * kernel functions; the figures are medians of the runs after that one,
 * and the cold (first) run is reported beside them.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { realDataDir } from '../util/real-data.js';
import { packageRoot } from '../util/package-root.js';
import { buildVariant } from '../engine/build.js';
import { ExactReplayer } from './exact.js';
import { bootReplayMachine } from './machine.js';
import { readTraceBuffer, readTraceFile } from './parse.js';
import { shapeFromZoneinfo, zoneCounts } from './shape.js';
import { loadNextTo } from './snapshots.js';

export interface BenchReplayResult {
  /** What was replayed: the capture's path, or "synthetic". */
  readonly trace: string;
  readonly events: number;
  /** Seconds of the best streamed pass. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** The first (cold) pass. */
  readonly coldSeconds: number;
  readonly coldEventsPerSecond: number;
}

const MIXED = 'firecracker-vm-6.18.44-x86_64-2cpu-24GB-mixed-workload';

/**
 * The 244,492-event mixed capture of the 24 GiB VM, with its t0_ and t1_
 * snapshots beside it: the repository's copy (data/ftrace), else the one
 * among the real captures (src/util/real-data.ts).
 */
export function mixedCapturePath(): string {
  const inRepo = join(packageRoot(), 'data', 'ftrace', MIXED, 'trace.txt.gz');
  return existsSync(inRepo) ? inRepo : join(realDataDir(), 'ftrace', 'captures', MIXED, 'trace.txt.gz');
}

/** The event loop alone: seconds of ExactReplayer.apply() over the whole parsed capture, on a fresh machine each run. */
export interface BenchReplayLoopResult {
  readonly trace: string;
  readonly events: number;
  /** Median of the warm runs (every run after the first). */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly coldSeconds: number;
}

/**
 * Exact replay of the mixed capture (or the synthetic trace) with parsing,
 * booting and seeding outside the clock: the events are read once, then
 * applied `runs` + 1 times, each time to a freshly booted machine.
 */
export async function benchReplayLoop(runs = 5): Promise<BenchReplayLoopResult> {
  const trace = mixedCapturePath();
  const real = existsSync(trace);
  const initial = real ? loadNextTo(trace, 't0_', '--initial') : null;
  const read = real ? await readTraceFile(trace) : readTraceBuffer(Buffer.from(syntheticTrace(250_000), 'latin1'));
  const zi = initial?.zoneinfo;
  const src = initial !== null && zi !== undefined ? { shape: shapeFromZoneinfo(zi, 'zoneinfo'), counts: zoneCounts(initial), maxPfn: 0, maxCpu: 0 } : { shape: null, counts: new Map(), maxPfn: SYNTH_BASE + SYNTH_PAGES, maxCpu: 1 };
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const ex = new ExactReplayer(bootReplayMachine(buildVariant('baseline'), src));
    const t0 = process.hrtime.bigint();
    ex.apply(read.log, 0, read.log.length);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  const seconds = warm[warm.length >> 1]!;
  return { trace: real ? trace : 'synthetic', events: read.log.length, seconds, eventsPerSecond: Math.round(read.log.length / seconds), coldSeconds: times[0]! };
}

function result(trace: string, events: number, times: readonly number[]): BenchReplayResult {
  const best = Math.min(...times.slice(1));
  return { trace, events, seconds: best, eventsPerSecond: Math.round(events / best), coldSeconds: times[0]!, coldEventsPerSecond: Math.round(events / times[0]!) };
}

/** The same measurement, synchronous, on a synthetic trace only (for callers that cannot wait). */
export function benchReplaySync(runs = 3, events = 250_000): BenchReplayResult {
  const text = Buffer.from(syntheticTrace(events), 'latin1');
  const times: number[] = [];
  let n = 0;
  for (let i = 0; i <= runs; i++) {
    const rm = bootReplayMachine(buildVariant('baseline'), { shape: null, counts: new Map(), maxPfn: SYNTH_BASE + SYNTH_PAGES, maxCpu: 1 });
    const ex = new ExactReplayer(rm);
    const read = readTraceBuffer(text, (log, from, to) => ex.apply(log, from, to));
    times.push(read.seconds);
    n = read.stats.events;
  }
  return result('synthetic', n, times);
}

const SYNTH_BASE = 0x40000;
const SYNTH_PAGES = 1 << 16;

/**
 * A trace in the 6.18 ftrace layout with the mixed capture's mix of
 * events: pcp refills of 31 order-0 pages taken off the buddy lists
 * (lowest free pages first), allocations from the pcp lists, frees back
 * (most through free_unref_folios, so mm_page_free_batched follows), and
 * drains of 63 pages when a pcp list grows past 200. Every event is
 * consistent with those before it on a machine where every page starts
 * free, so the replay finds no inconsistency.
 */
export function syntheticTrace(events: number): string {
  const lines: string[] = [];
  const pcp: number[][] = [[], []];
  const held: number[] = [];
  const free = new Uint8Array(SYNTH_PAGES).fill(1);
  let cursor = 0;
  let t = 0;
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const gfp = 'GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP';
  const line = (cpu: number, event: string, pfn: number, rest: string): void => {
    const ts = (1000 + t++ / 1e6).toFixed(6);
    lines.push(`            bash-8208    [00${cpu}] .....  ${ts}: ${event}: page=0000000012345678 pfn=0x${(SYNTH_BASE + pfn).toString(16)} ${rest}`);
  };
  while (lines.length < events) {
    const cpu = rand(2);
    const list = pcp[cpu]!;
    if (list.length === 0) {
      for (let i = 0; i < 31; i++) {
        let scanned = 0;
        while (free[cursor] === 0 && scanned++ < SYNTH_PAGES) cursor = (cursor + 1) % SYNTH_PAGES;
        if (free[cursor] === 0) break;
        free[cursor] = 0;
        line(cpu, 'mm_page_alloc_zone_locked', cursor, 'order=0 migratetype=1 percpu_refill=1');
        list.push(cursor);
      }
    }
    if ((rand(10) < 5 || held.length === 0) && list.length > 0) {
      const pfn = list.shift()!;
      line(cpu, 'mm_page_alloc', pfn, `order=0 migratetype=1 gfp_flags=${gfp}`);
      held.push(pfn);
    } else if (held.length > 0) {
      const i = rand(held.length);
      const pfn = held[i]!;
      held[i] = held[held.length - 1]!;
      held.pop();
      line(cpu, 'mm_page_free', pfn, 'order=0');
      if (rand(10) < 8) line(cpu, 'mm_page_free_batched', pfn, 'order=0');
      list.unshift(pfn);
      if (list.length > 200) {
        for (let j = 0; j < 63; j++) {
          const d = list.pop()!;
          line(cpu, 'mm_page_pcpu_drain', d, 'order=0 migratetype=1');
          free[d] = 1;
        }
      }
    }
  }
  return `${lines.slice(0, events).join('\n')}\n`;
}
