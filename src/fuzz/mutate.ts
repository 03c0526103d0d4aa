/**
 * Mutation of a corpus program (coverage feedback keeps the programs that
 * reached a kernel function no program had reached): delete, duplicate,
 * swap or insert steps, or re-target a step at another live object of the
 * same kind. A mutant must replay as a legal program (shrink.ts replay()),
 * so it gets a fresh teardown; a few tries, else the index gets a fresh
 * program.
 */

import { fuzzableOps, GenState } from './generate.js';
import type { GStep } from './model.js';
import { Rng } from './rng.js';
import { replay, replayStep } from './shrink.js';

const TRIES = 8;

export function mutate(body: readonly GStep[], seed: number, index: number, misuse: boolean): { steps: GStep[]; body: number } | null {
  const rng = new Rng(seed, index, 0x6d75);
  for (let t = 0; t < TRIES; t++) {
    const cand = body.slice();
    const edits = 1 + rng.int(3);
    for (let e = 0; e < edits; e++) edit(cand, rng, misuse, seed, index, t);
    const full = replay(cand, misuse);
    if (full !== null && cand.length > 0) return { steps: full, body: cand.length };
  }
  return null;
}

function edit(c: GStep[], rng: Rng, misuse: boolean, seed: number, index: number, t: number): void {
  const i = rng.int(c.length);
  switch (rng.int(5)) {
    case 0:
      if (c.length > 1) c.splice(i, 1);
      return;
    case 1: {
      // The same step again, binding a new name: a second allocation, a second fault at the same address.
      const s = c[i]!;
      c.splice(i + 1, 0, s.as === undefined ? s : { ...s, as: `${s.as}_${rng.int(1000)}` });
      return;
    }
    case 2:
      if (i + 1 < c.length) [c[i], c[i + 1]] = [c[i + 1]!, c[i]!];
      return;
    case 3: {
      // A new step where the prefix's state allows one.
      const g = new GenState(new Rng(seed, index, 0x100 + t), misuse);
      const state = stateAfter(c.slice(0, i + 1), g, misuse);
      if (state === null) return;
      const ops = fuzzableOps(misuse);
      for (let k = 0; k < 10; k++) {
        if (state.emit(ops[rng.int(ops.length)]!)) {
          const s = state.steps[state.steps.length - 1]!;
          c.splice(i + 1, 0, s.as === undefined ? s : { ...s, as: `${s.as}_m${index}` });
          return;
        }
      }
      return;
    }
    default: {
      // Re-target: a handle argument names another handle of the same prefix that the program binds.
      const s = c[i]!;
      const keys = Object.keys(s.args).filter((k) => {
        const v = s.args[k];
        return typeof v === 'object' && ('h' in v || 'ref' in v);
      });
      if (keys.length === 0) return;
      const k = keys[rng.int(keys.length)]!;
      const v = s.args[k] as { h?: string; ref?: string; add?: number };
      const cur = v.h ?? v.ref!;
      const prefix = cur.replace(/[0-9_m+]+$/, '');
      const names = c.map((x) => x.as).filter((n): n is string => n !== undefined && n !== cur && n.replace(/[0-9_m]+$/, '') === prefix);
      if (names.length === 0) return;
      const to = names[rng.int(names.length)]!;
      c[i] = { ...s, args: { ...s.args, [k]: v.h !== undefined ? { h: to } : { ref: to, add: v.add ?? 0 } } };
    }
  }
}

/** The generator's state after a legal prefix, so that a new step can be generated in place. */
function stateAfter(prefix: readonly GStep[], g: GenState, misuse: boolean): GenState | null {
  void misuse;
  for (const s of prefix) if (!replayStep(g, s)) return null;
  return g;
}
