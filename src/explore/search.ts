/**
 * `pagesim explore`: every interleaving of a concurrent scenario's atomic
 * actions, depth first, with partial-order reduction by sleep sets
 * (Godefroid 1996): after exploring CPU c's action from a state, c sleeps
 * in the sibling branches until some action that does not commute with it
 * runs, so of schedules that differ only in the order of commuting actions
 * (on different words, or two reads of one word) one is run. Each leaf is
 * judged by the oracles of exec.ts.
 *
 * Bounds: --preemptions K keeps schedules that switch away from a CPU that
 * could go on at most K times (CHESS-style context bounding); --random N
 * runs N schedules picked at random from a seed instead of all of them;
 * every search stops after LIMITS.exploreSchedules schedules.
 */

import type { BuiltVariant } from '../engine/build.js';
import type { Scenario } from '../scenario/types.js';
import { Exec, independent, type Action, type Footprint, type Leaf } from './exec.js';

export interface ExploreOptions {
  /** Most preemptions per schedule (undefined: unbounded). */
  readonly preemptions?: number;
  /** Run this many random schedules instead of all. */
  readonly random?: number;
  readonly seed?: number;
  /** Stop after this many schedules. */
  readonly maxSchedules?: number;
  /** Called every so often with the schedules run (progress on a terminal). */
  readonly progress?: (schedules: number) => void;
  /** Called with every schedule run to its end (tests replay them); merged schedules are not run. */
  readonly onLeaf?: (leaf: Leaf) => void;
  /** Merge schedules that reach the same state (default true; false runs every schedule to its end). */
  readonly stateCaching?: boolean;
}

/** A failure signature: how often it happened and the first schedule that showed it. */
export interface FailureGroup {
  readonly signature: string;
  count: number;
  readonly first: Leaf;
}

export interface ExploreResult {
  readonly scenario: string;
  readonly file: string;
  readonly variant: string;
  readonly mode: 'exhaustive' | 'random';
  readonly preemptions: number | null;
  /**
   * Schedules judged (each a different interleaving up to commuting actions
   * in exhaustive mode): run to the end, or reaching a state explored before,
   * whose schedules from there on are counted as they were found then.
   */
  schedules: number;
  /** Schedules run to their end. */
  run: number;
  /** Distinct (state, sleep set) pairs explored, and arrivals at one explored before. */
  states: number;
  merged: number;
  /** Branches cut because every CPU that could run was asleep (their schedules are equivalent to ones run). */
  sleepBlocked: number;
  /** Actions taken in all, and how many were taken again after a restore. */
  actions: number;
  replayed: number;
  restores: number;
  /** The search stopped at maxSchedules. */
  truncated: boolean;
  readonly endStates: Map<string, { count: number; schedule: readonly number[]; summary: string }>;
  readonly failures: Map<string, FailureGroup>;
  /** Schedules with at least one failure. */
  failing: number;
  /** The longest schedule, in actions. */
  maxActions: number;
  /** Atomic read-modify-writes, failed compare-and-swaps and successful gets over all schedules (the cost table). */
  rmw: number;
  failedCas: number;
  gets: number;
  elapsedMs: number;
}

export const DEFAULT_MAX_SCHEDULES = 1_000_000;

/** Operations that take a reference when they succeed (the cost table's "successful get"). */
const GETS = new Set(['folio_try_get', 'get_page_unless_zero', 'folio_ref_try_add', 'page_ref_add_unless', 'page_ref_add_unless_zero', 'folio_ref_add_unless_zero', 'page_ref_add_unless_frozen', 'folio_ref_add_unless_frozen', 'try_get_page', 'folio_get', 'get_page']);

export function explore(built: BuiltVariant, scn: Scenario, variant: string, opts: ExploreOptions = {}): ExploreResult {
  const t0 = performance.now();
  const ex = new Exec(built, scn, variant);
  const res: ExploreResult = {
    scenario: scn.name,
    file: scn.file,
    variant,
    mode: opts.random !== undefined ? 'random' : 'exhaustive',
    preemptions: opts.preemptions ?? null,
    schedules: 0,
    run: 0,
    states: 0,
    merged: 0,
    sleepBlocked: 0,
    actions: 0,
    replayed: 0,
    restores: 0,
    truncated: false,
    endStates: new Map(),
    failures: new Map(),
    failing: 0,
    maxActions: 0,
    rmw: 0,
    failedCas: 0,
    gets: 0,
    elapsedMs: 0,
  };
  const max = opts.maxSchedules ?? DEFAULT_MAX_SCHEDULES;
  const leaf = (): void => {
    const l = ex.finish();
    res.schedules++;
    res.run++;
    opts.onLeaf?.(l);
    res.maxActions = Math.max(res.maxActions, l.schedule.length);
    for (const a of ex.trail) count(res, a);
    const es = res.endStates.get(l.endState);
    if (es === undefined) res.endStates.set(l.endState, { count: 1, schedule: l.schedule, summary: l.endState });
    else es.count++;
    if (l.signatures.length > 0 && l.failures.length + l.run.reports.length > 0) {
      res.failing++;
      let kept: Leaf | undefined;
      for (const sig of l.signatures) {
        const g = res.failures.get(sig);
        if (g === undefined) res.failures.set(sig, { signature: sig, count: 1, first: (kept ??= keep(l)) });
        else g.count++;
      }
    }
    if (opts.progress !== undefined && res.run % 1000 === 0) opts.progress(res.schedules);
  };

  if (ex.setupResult === null) {
    if (opts.random !== undefined) randomSearch(ex, opts.random, opts.seed ?? 1, max, leaf, res);
    else {
      const caching = opts.stateCaching !== false;
      ex.caching = caching;
      /** What the subtree below a (state, sleep set) contributed, less what its history adds per schedule. */
      const memo = new Map<string, Subtree>();
      const dfs = (sleep: { cpu: number; fp: Footprint }[], last: number, preempted: number): number => {
        if (res.run >= max) {
          res.truncated = true;
          return 0;
        }
        const en = ex.enabled();
        const depth = ex.trail.length;
        if (en.length === 0) {
          leaf();
          return depth;
        }
        let key = '';
        let start: Subtree | null = null;
        if (caching) {
          let mask = 0;
          for (const z of sleep) mask |= 1 << z.cpu;
          key = `${ex.stateKey()}/${mask}${opts.preemptions !== undefined ? `/${last}/${preempted}` : ''}`;
          const hit = memo.get(key);
          if (hit !== undefined) {
            res.merged++;
            addSubtree(res, hit, history(ex.trail), depth);
            return depth + hit.maxLen;
          }
          start = snapshotCounts(res);
        }
        const asleep = sleep.slice();
        let ran = false;
        let maxLen = depth;
        for (const c of en) {
          if (asleep.some((s) => s.cpu === c)) continue;
          const switching = last >= 0 && c !== last && en.includes(last);
          const p = preempted + (switching ? 1 : 0);
          if (opts.preemptions !== undefined && p > opts.preemptions) continue;
          const a = ex.step(c);
          res.actions++;
          ran = true;
          maxLen = Math.max(
            maxLen,
            dfs(
              asleep.filter((s) => independent(s.fp, a.footprint)),
              c,
              p,
            ),
          );
          ex.backtrack(depth);
          asleep.push({ cpu: c, fp: a.footprint });
          if (res.run >= max) {
            res.truncated = true;
            break;
          }
        }
        if (!ran) res.sleepBlocked++;
        if (start !== null && !res.truncated && memo.size < MAX_STATES) memo.set(key, subtreeSince(res, start, history(ex.trail), maxLen - depth));
        return maxLen;
      };
      dfs([], -1, 0);
      res.states = memo.size;
    }
  }
  res.replayed = ex.replayed;
  res.restores = ex.restores;
  ex.k.releaseMemory();
  res.elapsedMs = performance.now() - t0;
  if (ex.setupResult !== null) {
    res.failing = 1;
    const l: Leaf = { schedule: [], run: ex.setupResult, violations: [], failures: ex.setupResult.failures, signatures: ex.setupResult.reports.map((r) => `${r.kind} ${r.function}: ${r.reason}`), endState: 'setup' };
    for (const sig of l.signatures) res.failures.set(sig, { signature: sig, count: 1, first: l });
  }
  return res;
}

/**
 * A leaf kept as a failure's first: its run's reports and console are the
 * machine's own arrays, which the next backtrack shortens.
 */
function keep(l: Leaf): Leaf {
  return { ...l, run: { ...l.run, reports: l.run.reports.slice(), console: l.run.console.slice() } };
}

/** Most (state, sleep set) pairs kept for merging; past it states are explored without being remembered. */
const MAX_STATES = 2_000_000;

/**
 * The schedules below a state: how many, how many failed and with what,
 * and the cost counters their actions after the state added (the actions
 * before it are the history, added per schedule when the subtree is
 * counted again from another path).
 */
interface Subtree {
  readonly schedules: number;
  readonly failing: number;
  readonly signatures: readonly (readonly [string, number])[];
  readonly rmw: number;
  readonly failedCas: number;
  readonly gets: number;
  /** The longest schedule's actions after the state. */
  readonly maxLen: number;
}

interface Costs {
  rmw: number;
  failedCas: number;
  gets: number;
}

/** The cost counters of the schedule so far. */
function history(trail: readonly Action[]): Costs {
  const c: Costs = { rmw: 0, failedCas: 0, gets: 0 };
  for (const a of trail) count(c, a);
  return c;
}

function snapshotCounts(res: ExploreResult): Subtree {
  return { schedules: res.schedules, failing: res.failing, signatures: [...res.failures.values()].map((g) => [g.signature, g.count] as const), rmw: res.rmw, failedCas: res.failedCas, gets: res.gets, maxLen: 0 };
}

/** What was counted since `start`, less the history's share. */
function subtreeSince(res: ExploreResult, start: Subtree, hist: Costs, maxLen: number): Subtree {
  const n = res.schedules - start.schedules;
  const before = new Map(start.signatures);
  const signatures: (readonly [string, number])[] = [];
  for (const g of res.failures.values()) {
    const d = g.count - (before.get(g.signature) ?? 0);
    if (d > 0) signatures.push([g.signature, d]);
  }
  return { schedules: n, failing: res.failing - start.failing, signatures, rmw: res.rmw - start.rmw - n * hist.rmw, failedCas: res.failedCas - start.failedCas - n * hist.failedCas, gets: res.gets - start.gets - n * hist.gets, maxLen };
}

/** Counts a subtree explored before as reached again after `hist`. */
function addSubtree(res: ExploreResult, t: Subtree, hist: Costs, depth: number): void {
  res.schedules += t.schedules;
  res.failing += t.failing;
  for (const [sig, n] of t.signatures) {
    const g = res.failures.get(sig);
    if (g !== undefined) g.count += n;
  }
  res.rmw += t.rmw + t.schedules * hist.rmw;
  res.failedCas += t.failedCas + t.schedules * hist.failedCas;
  res.gets += t.gets + t.schedules * hist.gets;
  res.maxActions = Math.max(res.maxActions, depth + t.maxLen);
}

/** The cost counters of one action. */
function count(res: Costs, a: Action): void {
  const e = a.entry;
  if (e !== null && e.word >= 0 && e.prim !== 'atomic_read' && e.prim !== 'atomic_set') {
    res.rmw++;
    if ((e.prim === 'atomic_cmpxchg' || e.prim === 'atomic_try_cmpxchg') && e.ret !== e.arg) res.failedCas++;
  }
  if (a.returned !== null && GETS.has(a.op) && a.returned.value !== false) res.gets++;
}

/** N schedules, each CPU picked at random (mulberry32 from the seed) among those that can run. */
function randomSearch(ex: Exec, n: number, seed: number, max: number, leaf: () => void, res: ExploreResult): void {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let r = 0; r < n && r < max; r++) {
    ex.backtrack(0);
    for (;;) {
      const en = ex.enabled();
      if (en.length === 0) break;
      ex.step(en[Math.floor(rand() * en.length)]!);
      res.actions++;
    }
    leaf();
  }
  ex.backtrack(0);
}

/** Runs one schedule (a list of CPU numbers; when it ends first, the rest run lowest CPU first) and judges it. */
export function runSchedule(built: BuiltVariant, scn: Scenario, variant: string, schedule: readonly number[], trace = true): { leaf: Leaf; trail: readonly Action[]; exec: Exec } {
  const ex = new Exec(built, scn, variant);
  ex.trace = trace;
  if (ex.setupResult !== null) return { leaf: { schedule: [], run: ex.setupResult, violations: [], failures: ex.setupResult.failures, signatures: [], endState: 'setup' }, trail: [], exec: ex };
  for (let i = 0; i < schedule.length; i++) {
    const cpu = schedule[i]!;
    const en = ex.enabled();
    if (en.length === 0) break;
    if (!en.includes(cpu)) throw new ScheduleError(`action ${ex.trail.length + 1} is CPU ${cpu}, which has ${cpu < ex.cpus.length ? 'no action left' : 'no step list'} (CPUs that can run: ${en.join(', ')})`, i);
    ex.step(cpu);
  }
  for (;;) {
    const en = ex.enabled();
    if (en.length === 0) break;
    ex.step(en[0]!);
  }
  return { leaf: ex.finish(), trail: ex.trail.slice(), exec: ex };
}

/** A schedule that names a CPU with nothing to run; `index` is that entry's place in the schedule. */
export class ScheduleError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}
