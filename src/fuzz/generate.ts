/**
 * The generator of legal programs. It walks the operation registry's fuzz
 * specs (src/fuzz/model.ts), keeps the abstract state of the program's
 * obligations, emits only calls whose needs a live object meets, and ends
 * every program with a teardown that releases everything it still holds
 * (pins, page tables, references, mappings, mms, objects, caches, pools,
 * the socket) and lets RCU and the pools' delayed work finish. A program is
 * a pure function of (seed, index).
 */

import { allOps, getOp } from '../engine/registry.js';
import { fuzzSpec, fuzzSpecs, ps, h, type FuzzSpec, type GArg, type GenApi, type GStep, type Need, type Obj, type ObjKind, type Picked } from './model.js';
import { Rng } from './rng.js';
import { MISUSE, victimArg, type MisuseMove } from './misuse.js';

/** The share of steps that are API misuse under --misuse. */
const MISUSE_RATE = 0.125;

export interface Program {
  readonly seed: number;
  readonly index: number;
  readonly steps: readonly GStep[];
  /** Steps before the teardown. */
  readonly body: number;
}

export interface GenOptions {
  /** Emit API misuse too (specs marked misuse). */
  readonly misuse?: boolean;
  /** The most body steps (default 28). */
  readonly maxSteps?: number;
}

/** The operations the generator may call: those with a fuzz spec, that every variant has. */
export function fuzzableOps(misuse = false): string[] {
  return fuzzable(misuse).slice();
}

/** fuzzableOps()'s list itself (not to be changed). */
function fuzzable(misuse: boolean): readonly string[] {
  const key = `${misuse}:${fuzzSpecs().size}:${allOps().length}`;
  let hit = fuzzableCache.get(key);
  if (hit === undefined) fuzzableCache.set(key, (hit = listFuzzable(misuse)));
  return hit;
}

/** fuzzableOps() by (misuse, specs, operations): a program asks for it once or more. */
const fuzzableCache = new Map<string, string[]>();

function listFuzzable(misuse: boolean): string[] {
  const out: string[] = [];
  for (const [name, spec] of fuzzSpecs()) {
    const def = getOp(name);
    if (def === undefined || def.requires !== undefined) continue;
    if (spec.misuse === true && !misuse) continue;
    out.push(name);
  }
  return out.sort();
}

/** Operations with no fuzz spec (never generated). */
export function unfuzzedOps(): string[] {
  return allOps()
    .filter((d) => fuzzSpec(d.name) === undefined)
    .map((d) => d.name)
    .sort();
}

/** The abstract state and the steps emitted so far. */
export class GenState implements GenApi {
  readonly objs: Obj[] = [];
  /** Objects the program released, most recent last (the victims of a double free, a put after free ...). */
  readonly dead: Obj[] = [];
  readonly steps: GStep[] = [];
  readonly global: Record<string, number | boolean | string> = {};
  private readonly counters = new Map<string, number>();
  private clock = 0;

  constructor(
    public rng: Rng,
    readonly misuse: boolean,
  ) {}

  int(n: number): number {
    return this.rng.int(n);
  }
  chance(p: number): boolean {
    return this.rng.chance(p);
  }
  oneOf<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)]!;
  }
  biased<T>(xs: readonly T[]): T {
    let i = 0;
    while (i < xs.length - 1 && this.rng.chance(0.45)) i++;
    return xs[i]!;
  }
  fresh(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}${n}`;
  }
  add(kind: ObjKind, name: string, s: Obj['s']): Obj {
    const o: Obj = { kind, name, used: ++this.clock, s };
    this.objs.push(o);
    const d = this.dead.findIndex((x) => x.name === name);
    if (d >= 0) this.dead.splice(d, 1);
    return o;
  }
  drop(o: Obj): void {
    const i = this.objs.indexOf(o);
    if (i < 0) return;
    this.objs.splice(i, 1);
    this.dead.push(o);
    if (this.dead.length > 32) this.dead.shift();
  }
  live(kind: ObjKind): readonly Obj[] {
    return this.objs.filter((o) => o.kind === kind);
  }

  /**
   * A live object for a need, biased toward the most recently used (reusing
   * the same page or address is where overlays collide).
   */
  pick(cands: readonly Obj[]): Obj {
    if (cands.length === 1 || this.rng.chance(0.6)) {
      let best = cands[0]!;
      for (const o of cands) if (o.used > best.used) best = o;
      return best;
    }
    return this.oneOf(cands);
  }

  /**
   * f(this state) with the state drawing from another generator meanwhile
   * (the shrinker asks what a spec's arguments depend on). The state
   * itself, not a view made per call: a view has the state as its
   * prototype, a shape of its own, and the specs' calls that saw one went
   * the generic way for every state.
   */
  drawingFrom<T>(rng: Rng, f: (g: GenApi) => T): T {
    const was = this.rng;
    this.rng = rng;
    try {
      return f(this);
    } finally {
      this.rng = was;
    }
  }

  /** The next use-clock value. */
  tick(): number {
    return ++this.clock;
  }

  /** emit() with one need met by a given object (the teardown's way of releasing that object). */
  emitFor(op: string, param: string, o: Obj): boolean {
    const need = fuzzSpec(op)!.needs?.[param];
    if (need === undefined || need.kind !== o.kind || (need.where !== undefined && !need.where(o, this))) return false;
    // Only o meets the need during this emit: the others of its kind are set aside.
    const aside = this.objs.filter((x) => x.kind === o.kind && x !== o);
    for (const x of aside) this.objs.splice(this.objs.indexOf(x), 1);
    try {
      return this.emit(op);
    } finally {
      this.objs.push(...aside);
    }
  }

  /**
   * Emits one API misuse (misuse.ts) whose victim the state has: a move
   * drawn among those that fit, the victim picked as a need's object is.
   */
  emitMisuse(): boolean {
    const live = (name: string): boolean => this.objs.some((x) => x.name === name);
    const options: [MisuseMove, Obj[]][] = [];
    for (const m of MISUSE) {
      const c = (m.dead ? this.dead : this.objs).filter((o) => o.kind === m.kind && m.fits(o, live));
      if (c.length > 0) options.push([m, c]);
    }
    if (options.length === 0) return false;
    const [m, c] = options[this.rng.int(options.length)]!;
    const o = this.pick(c);
    o.used = ++this.clock;
    this.steps.push({ op: m.op, args: { [m.param]: victimArg(m, o), ...m.args(o) }, misuse: m.name });
    if (m.drops === true) this.drop(o);
    return true;
  }

  /** Tries to emit one step of `op`; false when its needs or arguments cannot be met now. */
  emit(op: string): boolean {
    const spec = fuzzSpec(op)!;
    if (spec.when !== undefined && !spec.when(this)) return false;
    const needs = needsOf(spec);
    const picked: Record<string, Obj> = {};
    for (let n = 0; n < needs.length; n++) {
      const [, need] = needs[n]!;
      // The live objects of the kind, not already picked for an earlier need, that meet the need, in order.
      const cands: Obj[] = [];
      for (const o of this.objs) {
        if (o.kind !== need.kind) continue;
        let taken = false;
        for (let j = 0; j < n && !taken; j++) taken = picked[needs[j]![0]] === o;
        if (!taken && (need.where === undefined || need.where(o, this))) cands.push(o);
      }
      if (cands.length === 0) return false;
      picked[needs[n]![0]] = this.pick(cands);
    }
    const extra = spec.args === undefined ? {} : spec.args(this, picked);
    if (extra === null) return false;
    const def = getOp(op)!;
    const args: Record<string, GArg> = {};
    for (const p of def.params) {
      if (picked[p.name] !== undefined) args[p.name] = h(picked[p.name]!);
      else if (extra[p.name] !== undefined) args[p.name] = extra[p.name]!;
    }
    const as = spec.gives !== undefined ? this.fresh(spec.gives) : null;
    for (const [param] of needs) picked[param]!.used = ++this.clock;
    this.steps.push(as === null ? { op, args } : { op, args, as });
    spec.effect?.(this, picked as Picked, as, args);
    return true;
  }
}

/** A spec's needs as [parameter, need] pairs, in the spec's order (worked out once per spec). */
function needsOf(spec: FuzzSpec): readonly (readonly [string, Need])[] {
  let n = needLists.get(spec);
  if (n === undefined) needLists.set(spec, (n = Object.entries(spec.needs ?? {})));
  return n;
}
const needLists = new WeakMap<FuzzSpec, readonly (readonly [string, Need])[]>();

/** The program of (seed, index). */
export function generateProgram(seed: number, index: number, opts: GenOptions = {}): Program {
  const rng = new Rng(seed, index);
  const g = new GenState(rng, opts.misuse === true);
  const { ops, weights } = focus(g, fuzzable(opts.misuse === true));
  const max = opts.maxSteps ?? 28;
  const target = 4 + rng.int(max - 3);
  let tries = 0;
  while (g.steps.length < target && tries < target * 40) {
    tries++;
    // Under --misuse, one step in eight is an API misuse where the state has a victim.
    if (g.misuse && rng.chance(MISUSE_RATE) && g.emitMisuse()) continue;
    g.emit(weightedPick(rng, ops, weights));
  }
  const body = g.steps.length;
  teardown(g);
  return { seed, index, steps: g.steps, body };
}

/** The kind of object a result handle prefix stands for. */
function kindMade(op: string): ObjKind | null {
  const spec = fuzzSpec(op)!;
  if (spec.gives === undefined) return null;
  return KIND_OF_PREFIX[spec.gives] ?? null;
}

/** What each `gives` prefix of the operation specs makes. */
const KIND_OF_PREFIX: Readonly<Record<string, ObjKind>> = { p: 'page', f: 'page', z: 'page', g: 'page', pp: 'page', t: 'page', m: 'mm', a: 'vma', pool: 'pool', c: 'cache', o: 'object', d: 'ptdesc' };

/**
 * A program works in one to three kernel areas (the registry's groups), so
 * that its steps build on each other instead of scattering over the whole
 * API; the operations that make the objects those areas need come along
 * (TCP zero-copy brings address spaces and page_pool).
 */
function focus(g: GenState, ops: readonly string[]): Focus {
  let byGroups = focused.get(ops);
  if (byGroups === undefined) focused.set(ops, (byGroups = { groups: [...new Set(ops.map((o) => getOp(o)!.group))].sort(), by: new Map() }));
  const groups = byGroups.groups;
  const n = 1 + (g.chance(0.5) ? 0 : g.chance(0.6) ? 1 : 2);
  const chosen = new Set<string>();
  while (chosen.size < Math.min(n, groups.length)) chosen.add(g.oneOf(groups));
  const key = [...chosen].sort().join('\u0000');
  let f = byGroups.by.get(key);
  if (f === undefined) {
    const fops = focusOn(ops, chosen);
    // An operation that takes objects is weighted up by how many it takes: programs build on what they made.
    f = { ops: fops, weights: fops.map((o) => (fuzzSpec(o)!.weight ?? 1) * (1 + Object.keys(fuzzSpec(o)!.needs ?? {}).length)) };
    byGroups.by.set(key, f);
  }
  return f;
}

/** A program's operations and their weights. */
interface Focus {
  readonly ops: readonly string[];
  readonly weights: readonly number[];
}

/** focus() by list of operations: its groups, and what each set of chosen groups gives (a function of them alone). */
const focused = new WeakMap<readonly string[], { readonly groups: readonly string[]; readonly by: Map<string, Focus> }>();

function focusOn(ops: readonly string[], chosen: ReadonlySet<string>): string[] {
  const set = new Set(ops.filter((o) => chosen.has(getOp(o)!.group)));
  // Close over needs: add the operations that make a kind some chosen operation needs.
  for (let changed = true; changed; ) {
    changed = false;
    const needed = new Set<ObjKind>();
    for (const o of set) for (const need of Object.values(fuzzSpec(o)!.needs ?? {})) needed.add(need.kind);
    for (const o of ops) {
      const k = kindMade(o);
      if (!set.has(o) && k !== null && needed.has(k) && (k !== 'page' || !set.has('alloc_pages'))) {
        set.add(o);
        changed = true;
      }
    }
  }
  return ops.filter((o) => set.has(o));
}

function weightedPick(rng: Rng, ops: readonly string[], weights: readonly number[]): string {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i]!;
  let r = (rng.next() / 4294967296) * total;
  for (let i = 0; i < ops.length; i++) {
    r -= weights[i]!;
    if (r < 0) return ops[i]!;
  }
  return ops[ops.length - 1]!;
}

/**
 * Releases every obligation left, in the order a kernel caller unwinds:
 * pins and page tables while their mm lives, the socket, the references
 * the program holds, the mappings and mms, slab objects and caches, pools;
 * then RCU callbacks run, a pool's delayed release gets its time, and the
 * per-CPU lists drain. Each step goes through its spec like any other, so
 * the state stays exact.
 */
export function teardown(g: GenState): void {
  const force = (op: string, o: Obj, param: string): void => {
    // Give the object the generator's attention, so the spec's pick takes it.
    o.used = Number.MAX_SAFE_INTEGER;
    if (!g.emitFor(op, param, o)) throw new Error(`fuzz teardown: ${op} cannot release ${o.name} (${JSON.stringify(o.s)}) after ${g.steps.map((s) => s.op).join(', ')}`);
  };
  for (const v of g.live('vma')) while (v.s['pins'] !== '') force('unpin_user_pages', v, 'vma');
  for (const t of g.live('page').filter((o) => ps(o).pgtable)) force('pte_free', t, 'pgtable');
  for (const d of g.live('ptdesc')) force(d.s['mm'] === null ? 'pagetable_free' : 'pagetable_dtor_free', d, 'ptdesc');
  for (const p of g.live('page')) {
    const s = ps(p);
    if (s.release === 'frozen' && s.refs === 0) force('free_frozen_pages', p, 'page');
    else if (s.release === 'pool') while (g.objs.includes(p) && ps(p).refs > 0) force('page_pool_put_full_page', p, 'page');
    else if (s.release === 'free') {
      while (ps(p).refs > 1) force('page_ref_dec', p, 'page');
      if (ps(p).refs === 0) continue; // put while mapped: the unmap frees it
      if (ps(p).mapped > 0) {
        if (s.type !== null) force(`__ClearPage${s.type}`, p, 'page');
        force('put_page', p, 'page');
      } else force('__free_pages', p, 'page');
    } else if (s.release === 'put' || s.release === 'put-any') while (g.objs.includes(p) && ps(p).refs > 0) force('put_page', p, 'page');
  }
  if (g.global['sock'] === 'used') g.emit('tcp_close');
  for (const mm of g.live('mm')) force('mmput', mm, 'mm');
  for (const o of g.live('object')) force('kmem_cache_free', o, 'object');
  for (const c of g.live('cache')) force('kmem_cache_destroy', c, 'cache');
  for (const pool of g.live('pool')) force('page_pool_destroy', pool, 'pool');
  g.steps.push({ op: 'synchronize_rcu', args: {} });
  g.steps.push({ op: 'rcu_barrier', args: {} });
  g.steps.push({ op: 'msleep', args: { msecs: 2000 } });
  g.steps.push({ op: 'drain_all_pages', args: {} });
  const left = g.objs.filter((o) => o.kind !== 'page' || ps(o).refs > 0 || ps(o).mapped > 0);
  if (left.length > 0) throw new Error(`fuzz teardown left ${left.map((o) => o.name).join(', ')}`);
}
