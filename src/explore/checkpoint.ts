/**
 * A checkpoint of a whole machine, restored in place: the memory it has
 * used (a copy of the bytes) and every JavaScript value reachable from the
 * kernel object (zones, per-CPU lists' counters, vmstat arrays, reports,
 * the console, RCU queues), each object put back into the state it had.
 *
 * The explorer restores one only to undo an action it cannot undo word by
 * word (a lock section, an operation run whole, a report); atomic actions
 * are undone from their own log of touched words (src/explore/exec.ts).
 * Objects are restored by identity, so references held elsewhere (a CPU's
 * runner holds the kernel) stay valid.
 */

import type { Kernel } from '../kernel/kernel.js';

type Saved =
  | { readonly kind: 'typed'; readonly obj: { set(a: ArrayLike<number>): void }; readonly data: ArrayLike<number> }
  | { readonly kind: 'array'; readonly obj: unknown[]; readonly data: unknown[] }
  | { readonly kind: 'map'; readonly obj: Map<unknown, unknown>; readonly data: [unknown, unknown][] }
  | { readonly kind: 'set'; readonly obj: Set<unknown>; readonly data: unknown[] }
  | { readonly kind: 'object'; readonly obj: Record<string, unknown>; readonly keys: string[]; readonly values: unknown[]; readonly assign: Assign; inherits: boolean };

/** Puts an object's saved values back, property by property. */
type Assign = (o: Record<string, unknown>, values: readonly unknown[]) => void;

/**
 * One assigner per list of property names, its stores written out by name:
 * a store through a computed key that sees every object of the machine
 * goes the slow, generic way (a restore spent most of its time there);
 * each assigner sees only objects of its own shape. A value is written
 * only where it differs (a write of a reference costs a write barrier);
 * a zero is always written (-0 and 0 are not taken for each other), and
 * undefined (a property deleted since is made again).
 */
const assigners = new Map<string, Assign>();
function assigner(keys: readonly string[]): Assign {
  const sig = keys.join('\u0000');
  let a = assigners.get(sig);
  if (a === undefined) {
    const body = keys.map((key, i) => `v = values[${i}]; if (o[${JSON.stringify(key)}] !== v || v === 0 || v === undefined) o[${JSON.stringify(key)}] = v;`).join('\n');
    a = new Function('o', 'values', `"use strict"; let v;\n${body}`) as Assign;
    assigners.set(sig, a);
  }
  return a;
}

/** Enumerable properties an object has (its own and inherited), counted without an array. */
function enumerableCount(o: object): number {
  let n = 0;
  // eslint-disable-next-line guard-for-in
  for (const _ in o) n++;
  return n;
}

export class Checkpoint {
  private readonly saved: Saved[] = [];
  private readonly bytes: Uint8Array;

  /**
   * `skip`: objects that never change during a run (symbol tables, layouts),
   * left out. `into`: memory to keep the bytes in when it is large enough
   * (the storage of an earlier checkpoint: memory already written costs
   * nothing to write again, where new memory costs a page fault a page).
   */
  constructor(
    private readonly k: Kernel,
    skip: readonly unknown[],
    into?: Uint8Array,
  ) {
    const used = usedBytes(k);
    const src = new Uint8Array(k.buf, 0, used);
    if (into !== undefined && into.byteLength >= used) {
      this.bytes = into.subarray(0, used);
      this.bytes.set(src);
    } else this.bytes = src.slice();
    const seen = new Set<unknown>(skip);
    seen.add(k.buf);
    seen.add(k.m32);
    seen.add(k.i32);
    const visit = (v: unknown): void => {
      if (v === null || typeof v !== 'object' || seen.has(v)) return;
      seen.add(v);
      if (ArrayBuffer.isView(v)) {
        if (v.buffer === k.buf || v instanceof DataView) return;
        const t = v as unknown as { slice(): ArrayLike<number>; set(a: ArrayLike<number>): void };
        this.saved.push({ kind: 'typed', obj: t, data: t.slice() });
        return;
      }
      if (v instanceof ArrayBuffer) return;
      if (Object.isFrozen(v)) return;
      if (Array.isArray(v)) {
        this.saved.push({ kind: 'array', obj: v, data: v.slice() });
        for (const e of v) visit(e);
        return;
      }
      if (v instanceof Map) {
        const data = [...v.entries()];
        this.saved.push({ kind: 'map', obj: v, data });
        for (const [a, b] of data) {
          visit(a);
          visit(b);
        }
        return;
      }
      if (v instanceof Set) {
        const data = [...v.values()];
        this.saved.push({ kind: 'set', obj: v, data });
        for (const e of data) visit(e);
        return;
      }
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      const values = keys.map((key) => o[key]);
      this.saved.push({ kind: 'object', obj: o, keys, values, assign: assigner(keys), inherits: enumerableCount(o) !== keys.length });
      for (const e of values) visit(e);
    };
    visit(k);
  }

  /**
   * Puts the machine back as it was when the checkpoint was taken.
   * `changed`: byte ranges [start, end), as pairs, below `from`, outside
   * which the memory below `from` is known to be the checkpoint's (the
   * fuzzer's check compared the memmap): only those are copied back there.
   */
  restore(changed?: { readonly ranges: readonly number[]; readonly from: number }): void {
    const k = this.k;
    const used = usedBytes(k);
    const mem = new Uint8Array(k.buf);
    if (changed === undefined) mem.set(this.bytes);
    else {
      const r = changed.ranges;
      for (let i = 0; i < r.length; i += 2) mem.set(this.bytes.subarray(r[i]!, r[i + 1]!), r[i]!);
      mem.set(this.bytes.subarray(changed.from), changed.from);
    }
    if (used > this.bytes.length) mem.fill(0, this.bytes.length, used);
    for (const s of this.saved) {
      switch (s.kind) {
        case 'typed':
          s.obj.set(s.data);
          break;
        case 'array': {
          const a = s.obj;
          const d = s.data;
          if (a.length !== d.length) a.length = d.length;
          for (let i = 0; i < d.length; i++) {
            const v = d[i];
            if (a[i] !== v || v === 0 || v === undefined) a[i] = v;
          }
          break;
        }
        case 'map':
          if (s.obj.size === 0 && s.data.length === 0) break;
          s.obj.clear();
          for (const [a, b] of s.data) s.obj.set(a, b);
          break;
        case 'set':
          if (s.obj.size === 0 && s.data.length === 0) break;
          s.obj.clear();
          for (const e of s.data) s.obj.add(e);
          break;
        case 'object': {
          const o = s.obj;
          s.assign(o, s.values);
          // A property added since (a lazily made table) goes too: the object is as it was. With
          // as many enumerable properties as were saved, none was added and none deleted. An
          // object that inherits enumerable ones (a prototype given properties by assignment,
          // since) has its own counted instead, from then on: counting what a long chain of
          // prototypes has costs more than the list of its own.
          if (!s.inherits && enumerableCount(o) !== s.keys.length && Object.keys(o).length === s.keys.length) s.inherits = true;
          if ((s.inherits ? Object.keys(o).length : enumerableCount(o)) !== s.keys.length) {
            // (a property deleted since whose name an inherited one of the same value shadowed is made again)
            for (let i = 0; i < s.keys.length; i++) o[s.keys[i]!] = s.values[i];
            const now = Object.keys(o);
            if (now.length !== s.keys.length) for (const key of now) if (!s.keys.includes(key)) delete o[key];
          }
          break;
        }
      }
    }
  }

  /** The machine's 32-bit words as they were when the checkpoint was taken (a view, not a copy). */
  words(): Int32Array {
    return new Int32Array(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength >> 2);
  }

  /** The memory the bytes are kept in, for a later checkpoint once this one is no longer needed. */
  get storage(): Uint8Array {
    return new Uint8Array(this.bytes.buffer);
  }

  /** How many objects a restore puts back (for the explorer's figures). */
  get objects(): number {
    return this.saved.length;
  }
}

/** Bytes of the machine's buffer in use: memmap, kernel data and the content slots assigned so far. */
function usedBytes(k: Kernel): number {
  return (k.poolWord + k.contentPagesUsed() * 1024) * 4;
}
