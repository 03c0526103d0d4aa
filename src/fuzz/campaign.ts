/**
 * A fuzz campaign: programs by index in batches, each batch split over the
 * jobs and merged back in index order; the coverage corpus updated after
 * each batch, so which program an index is never depends on --jobs; each
 * new signature shrunk (in a job) and written as a scenario.
 *
 * The indexes are dealt to lanes (index i to lane i % lanes), each lane
 * with a corpus and a coverage of its own, updated after each of its
 * batches: a lane's programs depend on its own results only. `--shard
 * I/N` runs lane I of N lanes, with its feedback, so a shard is a function
 * of (seed, I, N) alone, and N shards merged find exactly what one
 * campaign of N lanes finds (`lanes`, which runs them all in one process).
 * An unsharded campaign is one lane.
 */

import { Worker } from 'node:worker_threads';
import { loadedVariantFiles } from '../variants/load-file.js';
import { makeOutputDir, writeOutputFile } from '../util/output-file.js';
import { join } from 'node:path';
import { runTask, shrinkTask, type ProgramOutcome, type ProgramRef, type RunTask, type ShrinkTask, type ShrunkFinding } from './exec.js';
import { mix } from './rng.js';
import type { GStep } from './model.js';
import { Progress } from '../replay/progress.js';
import { fuzzableOps, unfuzzedOps } from './generate.js';
import { MISUSE } from './misuse.js';
import { DEFAULT_FUZZ_MACHINE, machineText, type FuzzMachine } from './program.js';

export interface CampaignOptions {
  readonly variant: string;
  readonly seed: number;
  /** Programs to run (the campaign's indexes 0..runs-1, this shard's among them); or */
  readonly runs?: number;
  /** seconds to run for. */
  readonly time?: number;
  readonly jobs: number;
  /** Run lane i of n lanes (--shard I/N); lanes: n. */
  readonly shard: { readonly i: number; readonly n: number };
  /** Lanes of an unsharded campaign (default 1): every lane is run, each with its own feedback. */
  readonly lanes?: number;
  /** Programs per lane per batch (default BATCH; the corpus changes between batches). */
  readonly batch?: number;
  readonly misuse: boolean;
  readonly feedback: boolean;
  /** The machine programs run on (default DEFAULT_FUZZ_MACHINE: 64 MiB, 2 CPUs); findings shrink to smaller ones. */
  readonly machine?: FuzzMachine;
  readonly out?: string;
  /** Shrink each new finding (default true). */
  readonly shrink?: boolean;
  /** Show a progress line (on a terminal). */
  readonly progress: boolean;
  /** Called after each batch with the programs and operations so far; the campaign stops when it returns false (`pagesim bench`). */
  readonly onBatch?: (programs: number, ops: number) => boolean;
}

export interface SummaryFinding {
  readonly signature: string;
  readonly kind: string;
  readonly function: string;
  readonly reason: string;
  readonly variant: string;
  /** Steps of the shrunk scenario, and of the program it was found in. */
  readonly steps: number;
  readonly from_steps: number;
  /** The program index the finding was first made by. */
  readonly program: number;
  readonly file: string | null;
  /** Whether `pagesim run` on the written scenario holds its expectations. */
  readonly reproduces: boolean;
  /** The machine of the shrunk scenario (`{memory: 64MiB, cpus: 1}`). */
  readonly machine: string;
  readonly first_found_after_s: number;
}

export interface Summary {
  readonly variant: string;
  readonly seed: number;
  readonly shard: string;
  readonly programs: number;
  /** Programs that were mutants of a corpus program (coverage feedback at work). */
  readonly mutants: number;
  readonly ops: number;
  readonly ops_per_second: number;
  readonly seconds: number;
  /** CPU time of the process and its worker threads; ops per CPU second is the throughput per core. */
  readonly cpu_seconds: number;
  readonly ops_per_cpu_second: number;
  readonly coverage: { readonly functions: number; readonly sites: number };
  readonly findings: SummaryFinding[];
  readonly operations: { readonly fuzzed: number; readonly unfuzzed: readonly string[]; readonly misuse?: readonly string[] };
}

/** The detail a shard keeps for merging (coverage as names, not counts). */
export interface ShardFile {
  readonly summary: Summary;
  readonly functions: readonly string[];
  readonly sites: readonly string[];
}

/** Programs per batch: fixed, so the corpus after each batch is the same whatever --jobs. */
export const BATCH = 24;
/** The most programs the corpus keeps. */
const CORPUS_MAX = 256;

interface Executor {
  run(t: RunTask): Promise<ProgramOutcome[]>;
  shrink(t: ShrinkTask): Promise<ShrunkFinding>;
  close(): Promise<void>;
}

function inProcess(): Executor {
  return {
    run: async (t) => runTask(t),
    shrink: async (t) => shrinkTask(t),
    close: async () => {},
  };
}

function workers(n: number): Executor {
  const pool = Array.from({ length: n }, () => new Worker(new URL('./worker.js', import.meta.url), { workerData: { variantFiles: loadedVariantFiles() } }));
  const idle: Worker[] = [...pool];
  const waiting: (() => void)[] = [];
  let next = 0;
  const call = async <T>(msg: object): Promise<T> => {
    while (idle.length === 0) await new Promise<void>((r) => waiting.push(r));
    const w = idle.pop()!;
    const id = ++next;
    try {
      return await new Promise<T>((resolve, reject) => {
        const onMsg = (m: { id: number; result?: T; error?: string }): void => {
          if (m.id !== id) return;
          w.off('message', onMsg);
          w.off('error', onErr);
          if (m.error !== undefined) reject(new Error(`fuzz worker: ${m.error}`));
          else resolve(m.result as T);
        };
        const onErr = (e: Error): void => {
          w.off('message', onMsg);
          reject(e);
        };
        w.on('message', onMsg);
        w.on('error', onErr);
        w.postMessage({ id, ...msg });
      });
    } finally {
      idle.push(w);
      waiting.shift()?.();
    }
  };
  return {
    run: (t) => call<ProgramOutcome[]>({ run: t }),
    shrink: (t) => call<ShrunkFinding>({ shrink: t }),
    close: async () => {
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}

export async function runCampaign(o: CampaignOptions): Promise<ShardFile> {
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const elapsed = (): number => (performance.now() - start) / 1000;
  // Before the workers start: a directory that cannot be made must not leave them holding the process open.
  if (o.out !== undefined) makeOutputDir(o.out);
  const exec = o.jobs > 1 ? workers(o.jobs) : inProcess();
  const progress = new Progress(o.progress);
  if (o.shard.n > 1 && (o.lanes ?? 1) > 1) throw new Error('fuzz: a shard is one lane of --shard N lanes');
  const nLanes = o.shard.n > 1 ? o.shard.n : (o.lanes ?? 1);
  const active = o.shard.n > 1 ? [o.shard.i] : Array.from({ length: nLanes }, (_, i) => i);
  const functions = new Set<string>();
  const sites = new Set<string>();
  // Each lane: its corpus, and the coverage that decides what is new to it.
  const lanes = active.map((id) => ({ id, corpus: [] as { steps: readonly GStep[]; body: number }[], functions: new Set<string>(), sites: new Set<string>() }));
  const laneOf = new Map(lanes.map((l) => [l.id, l]));
  const found = new Map<string, SummaryFinding>();
  const shrinks: Promise<void>[] = [];
  let programs = 0;
  let mutants = 0;
  let ops = 0;
  let k = 0; // a lane's k-th index is k * nLanes + lane
  try {
    for (;;) {
      if (o.runs !== undefined && k * nLanes + active[0]! >= o.runs) break;
      if (o.time !== undefined && elapsed() >= o.time) break;
      // One batch of each lane, in index order: each index fresh or (every fourth of its lane, with a corpus) a mutant of its lane's corpus.
      const refs: ProgramRef[] = [];
      for (let b = 0; b < (o.batch ?? BATCH); b++, k++) {
        for (const lane of lanes) {
          const index = k * nLanes + lane.id;
          if (o.runs !== undefined && index >= o.runs) continue;
          const c = lane.corpus;
          const parent = o.feedback && c.length > 0 && k % 4 === 3 ? c[mix(o.seed, index) % c.length]! : null;
          if (parent !== null) mutants++;
          refs.push({ index, parent });
        }
      }
      const per = Math.ceil(refs.length / Math.max(1, o.jobs));
      const parts: Promise<ProgramOutcome[]>[] = [];
      for (let j = 0; j < refs.length; j += per) parts.push(exec.run({ seed: o.seed, variant: o.variant, misuse: o.misuse, ...(o.machine !== undefined ? { machine: o.machine } : {}), programs: refs.slice(j, j + per) }));
      const outcomes = (await Promise.all(parts)).flat();
      for (const r of outcomes) {
        programs++;
        ops += r.ops;
        const lane = laneOf.get(r.index % nLanes)!;
        let fresh = false;
        for (const f of r.functions) {
          functions.add(f);
          if (!lane.functions.has(f)) (lane.functions.add(f), (fresh = true));
        }
        for (const s of r.sites) {
          sites.add(s);
          if (!lane.sites.has(s)) (lane.sites.add(s), (fresh = true));
        }
        if (fresh && o.feedback && lane.corpus.length < CORPUS_MAX) lane.corpus.push({ steps: r.steps, body: r.body });
        for (const f of r.findings) {
          if (found.has(f.signature)) continue;
          const at = elapsed();
          const entry: SummaryFinding = { signature: f.signature, kind: f.kind, function: f.function, reason: f.reason, variant: f.variant, steps: r.steps.length, from_steps: r.steps.length, program: r.index, file: null, reproduces: false, machine: machineText(o.machine ?? DEFAULT_FUZZ_MACHINE), first_found_after_s: round(at) };
          found.set(f.signature, entry);
          if (o.shrink === false) continue;
          shrinks.push(
            exec.shrink({ seed: o.seed, index: r.index, finding: f, steps: r.steps, body: r.body, misuse: o.misuse, ...(o.machine !== undefined ? { machine: o.machine } : {}) }).then((s) => {
              let file: string | null = null;
              if (o.out !== undefined) {
                file = join(o.out, `${s.name}.yaml`);
                writeOutputFile(file, 'the reproducer', s.yaml);
              }
              found.set(f.signature, { ...entry, steps: s.steps, file, reproduces: s.reproduces, machine: s.machine });
            }),
          );
        }
      }
      if (o.onBatch !== undefined && !o.onBatch(programs, ops)) break;
      progress.update(`fuzz ${o.variant}: ${programs} programs, ${Math.round(ops / Math.max(elapsed(), 1e-3))} ops/s, ${found.size} findings, ${functions.size} functions, ${sites.size} sites, ${Math.round(elapsed())} s`);
    }
    await Promise.all(shrinks);
  } finally {
    progress.done();
    await exec.close();
  }
  const seconds = elapsed();
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const summary: Summary = {
    variant: o.variant,
    seed: o.seed,
    shard: `${o.shard.i}/${o.shard.n}`,
    programs,
    mutants,
    ops,
    ops_per_second: Math.round(ops / Math.max(seconds, 1e-3)),
    seconds: round(seconds),
    cpu_seconds: round(cpuSeconds),
    ops_per_cpu_second: Math.round(ops / Math.max(cpuSeconds, 1e-3)),
    coverage: { functions: functions.size, sites: sites.size },
    findings: [...found.values()].sort((a, b) => a.program - b.program || (a.signature < b.signature ? -1 : 1)),
    operations: { fuzzed: fuzzableOps(o.misuse).length, unfuzzed: unfuzzedOps(), ...(o.misuse ? { misuse: MISUSE.map((m) => m.name) } : {}) },
  };
  const shard: ShardFile = { summary, functions: [...functions].sort(), sites: [...sites].sort() };
  if (o.out !== undefined) writeOutputFile(join(o.out, `shard-${o.shard.i}-of-${o.shard.n}.json`), 'the shard summary', `${JSON.stringify(shard, null, 2)}\n`);
  return shard;
}

function round(s: number): number {
  return Math.round(s * 100) / 100;
}

/** Shards of one campaign merged: each signature from the lowest program index, coverage unioned, counts summed. */
export function mergeShards(shards: readonly ShardFile[]): ShardFile {
  const first = shards[0]!.summary;
  const found = new Map<string, SummaryFinding>();
  for (const s of shards) for (const f of s.summary.findings) {
    const had = found.get(f.signature);
    if (had === undefined || f.program < had.program) found.set(f.signature, f);
  }
  const functions = new Set(shards.flatMap((s) => s.functions));
  const sites = new Set(shards.flatMap((s) => s.sites));
  const programs = shards.reduce((a, s) => a + s.summary.programs, 0);
  const mutants = shards.reduce((a, s) => a + (s.summary.mutants ?? 0), 0);
  const ops = shards.reduce((a, s) => a + s.summary.ops, 0);
  const seconds = Math.max(...shards.map((s) => s.summary.seconds));
  const summary: Summary = {
    ...first,
    shard: `merged ${shards.length}`,
    programs,
    mutants,
    ops,
    ops_per_second: Math.round(shards.reduce((a, s) => a + s.summary.ops_per_second, 0)),
    seconds,
    cpu_seconds: round(shards.reduce((a, s) => a + s.summary.cpu_seconds, 0)),
    ops_per_cpu_second: Math.round(ops / Math.max(shards.reduce((a, s) => a + s.summary.cpu_seconds, 0), 1e-3)),
    coverage: { functions: functions.size, sites: sites.size },
    findings: [...found.values()].sort((a, b) => a.program - b.program || (a.signature < b.signature ? -1 : 1)),
  };
  return { summary, functions: [...functions].sort(), sites: [...sites].sort() };
}
