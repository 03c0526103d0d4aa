/**
 * Two layouts of one struct compared field by field (`pagesim layout
 * STRUCT --diff A B`): fields moved (same path, another offset), resized
 * (same offset, another size or type), added and removed, and the
 * overlays that changed: a field of both layouts that now shares bytes
 * with different fields, or sits in a different anonymous union.
 *
 * Fields are compared by their path (`lru.next`, `rcu_head.func`), leaf
 * fields only: an aggregate moves when its members do. Plain data; the
 * text is in src/format/layout.ts.
 */

import { typeName } from './ctype.js';
import type { FieldInfo, StructLayout } from './layout.js';

export interface FieldBrief {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly type: string;
}

export interface FieldMove {
  readonly name: string;
  readonly a: FieldBrief;
  readonly b: FieldBrief;
}

export interface OverlayChange {
  readonly name: string;
  /** Where the field is in B. */
  readonly offset: number;
  readonly size: number;
  /** Fields of both layouts it shares bytes with in B and not in A, and in A and not in B. */
  readonly gained: readonly string[];
  readonly lost: readonly string[];
  /** The anonymous unions/structs around it, when they changed (`union { lru, ... }` labels), A then B. */
  readonly within: { readonly a: string; readonly b: string } | null;
}

export interface LayoutDiff {
  readonly struct: string;
  readonly a: string;
  readonly b: string;
  readonly size: { readonly a: number; readonly b: number };
  readonly align: { readonly a: number; readonly b: number };
  readonly moved: readonly FieldMove[];
  readonly resized: readonly FieldMove[];
  /** Fields only B has, each with the fields of both layouts it overlays. */
  readonly added: readonly (FieldBrief & { readonly overlays: readonly string[] })[];
  /** Fields only A has, each with the fields of both layouts it overlaid. */
  readonly removed: readonly (FieldBrief & { readonly overlays: readonly string[] })[];
  readonly overlays: readonly OverlayChange[];
}

function brief(f: FieldInfo): FieldBrief {
  const bits = f.bitWidth !== undefined ? `:${f.bitWidth}@${f.bitOffset}` : '';
  return { name: f.path, offset: f.offset, size: f.size, type: `${typeName(f.type)}${bits}` };
}

function overlap(f: FieldInfo, g: FieldInfo): boolean {
  return f !== g && f.offset < g.offset + g.size && g.offset < f.offset + f.size;
}

/** The names of `among` that share a byte with `f`, in layout order. */
function partners(f: FieldInfo, leaves: readonly FieldInfo[], among: ReadonlySet<string>): string[] {
  return leaves.filter((g) => among.has(g.path) && overlap(f, g)).map((g) => g.path);
}

export function diffLayouts(la: StructLayout, lb: StructLayout, a: string, b: string): LayoutDiff {
  const leavesA = la.fields.filter((f) => f.leaf);
  const leavesB = lb.fields.filter((f) => f.leaf);
  const byA = new Map(leavesA.map((f) => [f.path, f]));
  const byB = new Map(leavesB.map((f) => [f.path, f]));
  const common = new Set([...byA.keys()].filter((p) => byB.has(p)));
  const moved: FieldMove[] = [];
  const resized: FieldMove[] = [];
  const overlays: OverlayChange[] = [];
  for (const fb of leavesB) {
    const fa = byA.get(fb.path);
    if (fa === undefined) continue;
    const ba = brief(fa);
    const bb = brief(fb);
    if (fa.offset !== fb.offset || fa.bitOffset !== fb.bitOffset) moved.push({ name: fb.path, a: ba, b: bb });
    else if (ba.size !== bb.size || ba.type !== bb.type) resized.push({ name: fb.path, a: ba, b: bb });
    const pa = partners(fa, leavesA, common);
    const pb = partners(fb, leavesB, common);
    const gained = pb.filter((p) => !pa.includes(p));
    const lost = pa.filter((p) => !pb.includes(p));
    const wa = fa.within.join(' > ');
    const wb = fb.within.join(' > ');
    if (gained.length > 0 || lost.length > 0 || wa !== wb) overlays.push({ name: fb.path, offset: fb.offset, size: fb.size, gained, lost, within: wa === wb ? null : { a: wa, b: wb } });
  }
  const added = leavesB.filter((f) => !byA.has(f.path)).map((f) => ({ ...brief(f), overlays: partners(f, leavesB, common) }));
  const removed = leavesA.filter((f) => !byB.has(f.path)).map((f) => ({ ...brief(f), overlays: partners(f, leavesA, common) }));
  return { struct: lb.name, a, b, size: { a: la.size, b: lb.size }, align: { a: la.align, b: lb.align }, moved, resized, added, removed, overlays };
}
