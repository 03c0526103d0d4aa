/**
 * One replay of a trace on one variant: build the traced machine, stream
 * the trace through the exact or model replayer, and compare the end
 * state with the t1 snapshot. Times are measured apart: setup (boot and
 * seeding), the streamed pass (reading, inflating, parsing and applying:
 * events per second are events over this), and the t0 completion.
 */

import { buildVariant } from '../engine/build.js';
import { procBuddyinfo, procPagetypeinfo } from '../engine/proc.js';
import { checkMachine } from '../check/checker.js';
import { unreadable } from '../util/input-file.js';
import { bootReplayMachine, type MachineSource, type ReplayMachine } from './machine.js';
import { ExactReplayer } from './exact.js';
import { ModelReplayer, seedModel } from './model.js';
import { completeT0 } from './t0.js';
import { changes, compare, modelCounts, replayT0Counts, type ChangeRow, type Comparison } from './compare.js';
import { readTraceFile, type ParseStats } from './parse.js';
import { ParseWorker } from './worker-stream.js';
import { phase } from './phases.js';
import { shapeFromZoneinfo, zoneCounts } from './shape.js';
import type { Snapshot } from './snapshots.js';
import { Inconsistencies, type ExactCounters, type T0Layout } from './state.js';
import { Progress, mib } from './progress.js';
import type { EventLog } from './events.js';
import type { Kernel } from '../kernel/kernel.js';
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type ReplayMode = 'exact' | 'model';
export type SnapshotFrom = 'option' | 'found' | 'none';

export interface ReplayInput {
  readonly trace: string;
  readonly variant: string;
  readonly mode: ReplayMode;
  readonly initial: Snapshot;
  readonly initialFrom: SnapshotFrom;
  readonly compare: Snapshot;
  readonly compareFrom: SnapshotFrom;
  readonly progress?: Progress;
  /** Run the machine checker at the end (default true). */
  readonly check?: boolean;
  /** Sees the replayed machine every `every` events and at the end (replay --html). */
  readonly sample?: ReplaySampler;
}

/** What follows a replay as it goes: the events of each chunk applied, the machine at sample points. */
export interface ReplaySampler {
  readonly every: number;
  /** Events [from, to) of the log have just been applied. */
  events(log: EventLog, from: number, to: number): void;
  /** The machine after the events so far (every `every` events, and once at the end). */
  at(k: Kernel): void;
}

/** An apply() cut every `sample.every` events so that the sampler sees the machine there. */
function sampled(sample: ReplaySampler | undefined, k: () => Kernel, apply: (log: EventLog, from: number, to: number) => void): (log: EventLog, from: number, to: number) => void {
  if (sample === undefined) return apply;
  let done = 0;
  return (log, from, to) => {
    for (let i = from; i < to; ) {
      const n = Math.min(to - i, sample.every - (done % sample.every));
      apply(log, i, i + n);
      sample.events(log, i, i + n);
      i += n;
      done += n;
      if (done % sample.every === 0) sample.at(k());
    }
  };
}

export interface ZoneSummary {
  readonly node: number;
  readonly name: string;
  readonly start: number;
  readonly spanned: number;
  readonly present: number;
  readonly managed: number;
  readonly seeding: string;
}

export interface T0Summary {
  /** Free blocks placed where the trace first took from them. */
  readonly traced: number;
  /** Free blocks the trace never reached, placed at the end. */
  readonly untraced: number;
  readonly extraByOrder: readonly number[];
  readonly unplacedByOrder: readonly number[];
  readonly goneByOrder: readonly number[];
  readonly pcpPages: number;
  readonly pcpExcess: number;
}

export interface ReplayResult {
  readonly trace: string;
  readonly variant: string;
  readonly mode: ReplayMode;
  readonly initialFiles: readonly string[];
  readonly initialFrom: SnapshotFrom;
  readonly compareFiles: readonly string[];
  readonly compareFrom: SnapshotFrom;
  readonly machine: { readonly nodes: number; readonly cpus: number; readonly nrPages: number; readonly zones: readonly ZoneSummary[]; readonly notes: readonly string[] };
  readonly parse: ParseStats;
  readonly seconds: { readonly setup: number; readonly stream: number; readonly t0: number; readonly reconstruct: number; readonly check: number };
  readonly eventsPerSecond: number;
  readonly inconsistencies: Inconsistencies;
  readonly preexisting: number;
  readonly exact: { readonly counters: ExactCounters; readonly t0: T0Summary } | null;
  readonly model: { readonly notApplied: number; readonly failedAllocs: number } | null;
  readonly kernelReports: { readonly count: number; readonly first: readonly string[] };
  readonly end: { readonly buddyinfo: string; readonly pagetypeinfo: string };
  readonly comparison: Comparison | null;
  readonly changes: readonly ChangeRow[] | null;
  readonly check: { readonly violations: number; readonly first: readonly string[] } | null;
}

const since = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

/** What the machine is built from: the initial snapshot's zoneinfo, or the trace's reach. */
function sourceOf(initial: Snapshot, maxPfn: number, maxCpu: number): MachineSource {
  const zi = initial.zoneinfo;
  const file = initial.files.find((f) => f.includes('zoneinfo')) ?? initial.files.join(',');
  return { shape: zi === undefined ? null : shapeFromZoneinfo(zi, file), counts: zoneCounts(initial), maxPfn, maxCpu };
}

/** Size of the trace text, for progress: the file size, or a gzip file's recorded length. */
function traceBytes(path: string): number {
  try {
    const size = statSync(path).size;
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(2);
      readSync(fd, head, 0, 2, 0);
      if (head[0] !== 0x1f || head[1] !== 0x8b || size < 18) return size;
      const tail = Buffer.alloc(4);
      readSync(fd, tail, 0, 4, size - 4);
      return tail.readUInt32LE(0) || size;
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw unreadable('trace', err, path);
  }
}

interface ExactPass {
  readonly src: MachineSource;
  readonly rm: ReplayMachine;
  readonly ex: ExactReplayer;
  readonly parse: ParseStats;
  readonly setup: number;
  readonly stream: number;
  readonly t0: number;
}

/** The exact replay: boot, stream, complete t0. */
async function exactPass(input: ReplayInput, progress: Progress, total: number): Promise<ExactPass> {
  phase('snapshots read');
  const built = buildVariant(input.variant);
  phase('variant built');
  const show = (what: string) => (bytes: number): void => progress.update(`${what}: ${mib(bytes)} of ${mib(total)}`);
  let src = sourceOf(input.initial, 0, 0);
  let rm: ReplayMachine;
  let ex: ExactReplayer;
  let parse: ParseStats;
  let setup: number;
  let stream: number;
  if (src.shape === null) {
    // Without a zoneinfo the machine's size comes from the trace: read it all first, here.
    ParseWorker.abandon(input.trace);
    const t = process.hrtime.bigint();
    const read = await readTraceFile(input.trace, show('reading the trace'));
    const readSeconds = since(t);
    src = { ...sourceOf(input.initial, read.log.maxPfn, read.log.maxCpu), maxPfnAt: { file: input.trace, line: read.log.maxPfnLine } };
    progress.update('booting the machine', true);
    const ts = process.hrtime.bigint();
    rm = bootReplayMachine(built, src);
    setup = since(ts);
    const ta = process.hrtime.bigint();
    ex = new ExactReplayer(rm);
    const machine = rm;
    sampled(input.mode === 'exact' ? input.sample : undefined, () => machine.k, (log, from, to) => ex.apply(log, from, to))(read.log, 0, read.log.length);
    stream = readSeconds + since(ta);
    parse = read.stats;
  } else {
    progress.update('booting the machine', true);
    const ts = process.hrtime.bigint();
    // The worker reads while the machine boots; its chunks are replayed once the boot is over.
    let replayer: ExactReplayer | null = null;
    const reading = ParseWorker.shared().stream(
      input.trace,
      sampled(input.mode === 'exact' ? input.sample : undefined, () => rm.k, (log: EventLog, from: number, to: number) => replayer!.apply(log, from, to)),
      show(`replaying (exact, ${input.variant})`),
    );
    rm = bootReplayMachine(built, src);
    const booted = process.hrtime.bigint();
    phase('booted');
    setup = Number(booted - ts) / 1e9;
    ex = replayer = new ExactReplayer(rm);
    const read = await reading;
    phase('events applied');
    stream = Number(read.doneAt - booted) / 1e9;
    parse = read.stats;
  }
  ex.finishEvents();
  progress.update('completing the t0 state', true);
  const tt = process.hrtime.bigint();
  completeT0(rm, ex.t0);
  phase('t0 completed');
  return { src, rm, ex, parse, setup, stream, t0: since(tt) };
}

export async function replayTrace(input: ReplayInput): Promise<ReplayResult> {
  const progress = input.progress ?? new Progress(false);
  const total = traceBytes(input.trace);
  const exact = await exactPass(input, progress, total);
  let rm = exact.rm;
  let incons = exact.ex.incons;
  let preexisting = exact.ex.counters.preexisting;
  let kernelReports = exact.ex.kernelReports;
  let model: ReplayResult['model'] = null;
  let parse = exact.parse;
  let setup = exact.setup;
  let stream = exact.stream;
  let reconstruct = 0;
  if (input.mode === 'model') {
    reconstruct = exact.setup + exact.stream + exact.t0;
    progress.update('booting the model machine', true);
    const ts = process.hrtime.bigint();
    const t0Type = exact.rm.st.t0Type;
    const t0: T0Layout = exact.ex.t0;
    let replayer: ModelReplayer | null = null;
    const reading = ParseWorker.shared().stream(
      input.trace,
      sampled(input.sample, () => rm.k, (log, from, to) => replayer!.apply(log, from, to)),
      (bytes) => progress.update(`replaying (model, ${input.variant}): ${mib(bytes)} of ${mib(total)}`),
    );
    rm = bootReplayMachine(buildVariant(input.variant), exact.src);
    const held = seedModel(rm, t0, t0Type);
    const booted = process.hrtime.bigint();
    setup = Number(booted - ts) / 1e9;
    const mr = (replayer = new ModelReplayer(rm, held));
    const read = await reading;
    mr.finishEvents();
    stream = Number(read.doneAt - booted) / 1e9;
    parse = read.stats;
    incons = mr.incons;
    preexisting = mr.preexisting;
    kernelReports = mr.kernelReports;
    model = { notApplied: mr.notApplied, failedAllocs: mr.failedAllocs };
  }
  input.sample?.at(rm.k);
  progress.update('comparing', true);
  const counts = modelCounts(rm.k);
  const comparison = input.compare.files.length > 0 ? compare(counts, input.compare) : null;
  const changeRows = input.mode === 'exact' && input.initial.files.length > 0 && input.compare.files.length > 0 ? changes(counts, replayT0Counts(exact.rm, exact.ex.t0), input.initial, input.compare) : null;
  let check: ReplayResult['check'] = null;
  let checkSeconds = 0;
  if (input.check !== false) {
    progress.update('checking the machine', true);
    const tc = process.hrtime.bigint();
    const c = checkMachine(rm.k);
    checkSeconds = since(tc);
    phase('checked');
    check = { violations: c.violations.length + c.dropped, first: c.violations.slice(0, 5).map((v) => `${v.checker}: ${v.what}`) };
  }
  progress.done();
  const reports = rm.k.reports;
  const t0 = exact.ex.t0;
  let traced = 0;
  for (let i = 3; i < t0.blocks.length; i += 4) traced += t0.blocks[i]!;
  return {
    trace: input.trace,
    variant: input.variant,
    mode: input.mode,
    initialFiles: input.initial.files,
    initialFrom: input.initialFrom,
    compareFiles: input.compare.files,
    compareFrom: input.compareFrom,
    machine: {
      nodes: rm.k.nodeCount,
      cpus: rm.k.cpus,
      nrPages: rm.k.nr_pages,
      zones: rm.zones.filter((z) => z !== undefined).map((z) => ({
        node: z!.zone.nid,
        name: z!.zone.name,
        start: z!.zone.zone_start_pfn,
        spanned: z!.zone.spanned_pages,
        present: z!.zone.present_pages,
        managed: z!.zone.managed_pages,
        seeding: z!.mode,
      })),
      notes: exact.rm.notes,
    },
    parse,
    seconds: { setup, stream, t0: exact.t0, reconstruct, check: checkSeconds },
    eventsPerSecond: stream > 0 ? parse.events / stream : 0,
    inconsistencies: incons,
    preexisting,
    exact: input.mode === 'exact'
      ? {
          counters: exact.ex.counters,
          t0: {
            traced,
            untraced: t0.blocks.length / 4 - traced,
            extraByOrder: t0.extraByOrder,
            unplacedByOrder: t0.unplacedByOrder,
            goneByOrder: t0.goneByOrder,
            pcpPages: exact.ex.counters.t0PcpPages,
            pcpExcess: t0.pcpExcess,
          },
        }
      : null,
    model,
    kernelReports: { count: kernelReports, first: reports.slice(Math.max(0, reports.length - kernelReports)).slice(0, 3).map((r) => r.message) },
    end: { buddyinfo: procBuddyinfo(rm.k), pagetypeinfo: procPagetypeinfo(rm.k) },
    comparison,
    changes: changeRows,
    check,
  };
}
