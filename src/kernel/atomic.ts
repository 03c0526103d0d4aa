/**
 * include/linux/atomic.h on a word of simulated memory: the atomic_t
 * operations the refcount and mapcount code is built from, each taking the
 * index of the 32-bit word that holds the atomic_t.
 *
 * Each method here is one indivisible access to shared memory, as the
 * kernel's atomic_*() is one locked instruction (or one plain load or
 * store for atomic_read/atomic_set). Run sequentially they are plain
 * typed-array reads and writes; `pagesim explore` (src/explore) overrides
 * exactly these methods to interleave CPUs between them, so a kernel
 * function written on top of them becomes a sequence of atomic actions
 * without being written twice.
 *
 * Composite operations are written as the kernel's generic fallbacks
 * (include/linux/atomic/atomic-arch-fallback.h, linux-mm 7.3.0-rc5 tree, which
 * x86 uses for atomic_fetch_add_unless): a read, then try_cmpxchg in a
 * loop, so each pass of the loop is its own action.
 *
 * Memory ordering suffixes (_relaxed, _acquire, _release) are not
 * distinguished: pagesim is sequentially consistent between actions.
 */

import { PageFlags } from './page-flags.js';

export abstract class Atomic extends PageFlags {
  atomic_read(w: number): number {
    return this.i32[w]!;
  }

  atomic_set(w: number, v: number): void {
    this.i32[w] = v;
  }

  atomic_add(w: number, i: number): void {
    this.i32[w] = (this.i32[w]! + i) | 0;
  }

  atomic_sub(w: number, i: number): void {
    this.i32[w] = (this.i32[w]! - i) | 0;
  }

  atomic_inc(w: number): void {
    this.i32[w] = (this.i32[w]! + 1) | 0;
  }

  atomic_dec(w: number): void {
    this.i32[w] = (this.i32[w]! - 1) | 0;
  }

  atomic_add_return(w: number, i: number): number {
    const v = (this.i32[w]! + i) | 0;
    this.i32[w] = v;
    return v;
  }

  atomic_sub_return(w: number, i: number): number {
    const v = (this.i32[w]! - i) | 0;
    this.i32[w] = v;
    return v;
  }

  atomic_inc_return(w: number): number {
    const v = (this.i32[w]! + 1) | 0;
    this.i32[w] = v;
    return v;
  }

  atomic_dec_return(w: number): number {
    const v = (this.i32[w]! - 1) | 0;
    this.i32[w] = v;
    return v;
  }

  /** True when the result is zero. */
  atomic_sub_and_test(w: number, i: number): boolean {
    const v = (this.i32[w]! - i) | 0;
    this.i32[w] = v;
    return v === 0;
  }

  atomic_dec_and_test(w: number): boolean {
    const v = (this.i32[w]! - 1) | 0;
    this.i32[w] = v;
    return v === 0;
  }

  atomic_inc_and_test(w: number): boolean {
    const v = (this.i32[w]! + 1) | 0;
    this.i32[w] = v;
    return v === 0;
  }

  /** True when the result is negative. */
  atomic_add_negative(w: number, i: number): boolean {
    const v = (this.i32[w]! + i) | 0;
    this.i32[w] = v;
    return v < 0;
  }

  /** Stores `v` if the word holds `old`; returns what the word held (the exchange happened iff that is `old`). */
  atomic_cmpxchg(w: number, old: number, v: number): number {
    const cur = this.i32[w]!;
    if (cur === old) this.i32[w] = v;
    return cur;
  }

  /**
   * try_cmpxchg: the kernel's returns whether it exchanged and, when it did
   * not, writes the value it found back through its `old` pointer; here the
   * value found is returned, and the exchange happened iff it equals `old`.
   */
  atomic_try_cmpxchg(w: number, old: number, v: number): number {
    const cur = this.i32[w]!;
    if (cur === old) this.i32[w] = v;
    return cur;
  }

  /** raw_atomic_fetch_add_unless(): adds `a` unless the word holds `u`; returns the value it saw last. */
  atomic_fetch_add_unless(w: number, a: number, u: number): number {
    let c = this.atomic_read(w);
    for (;;) {
      if (c === u) return c;
      const found = this.atomic_try_cmpxchg(w, c, (c + a) | 0);
      if (found === c) return c;
      c = found;
    }
  }

  atomic_add_unless(w: number, a: number, u: number): boolean {
    return this.atomic_fetch_add_unless(w, a, u) !== u;
  }
}

/** The methods above that are one indivisible access each (what `pagesim explore` interleaves between). */
export const ATOMIC_PRIMITIVES = [
  'atomic_read',
  'atomic_set',
  'atomic_add',
  'atomic_sub',
  'atomic_inc',
  'atomic_dec',
  'atomic_add_return',
  'atomic_sub_return',
  'atomic_inc_return',
  'atomic_dec_return',
  'atomic_sub_and_test',
  'atomic_dec_and_test',
  'atomic_inc_and_test',
  'atomic_add_negative',
  'atomic_cmpxchg',
  'atomic_try_cmpxchg',
] as const;

export type AtomicPrimitive = (typeof ATOMIC_PRIMITIVES)[number];
