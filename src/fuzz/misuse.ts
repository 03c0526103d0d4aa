/**
 * API misuse, for `pagesim fuzz --misuse`: calls a correct kernel caller
 * never makes, emitted beside the legal ones so that a design's debug
 * checks (a VM_BUG_ON, a bad_page, a list_debug report) are exercised.
 * Each move takes an object the program released (a double free, a put
 * after free, an unmap twice, a slab object freed twice) or one it holds
 * (a free with the wrong order, a put on a frozen page it never got a
 * reference on), and is recorded in the step (`misuse`), so the shrinker's
 * replay checks it as it checks a legal step and the scenario a finding
 * becomes names it.
 *
 * A misused program's reports under baseline are what the misuse does
 * there, not a bug in pagesim's model: the oracle compares the design with
 * baseline as usual and reports no model bug for it (oracle.ts judge()).
 */

import type { GArg, Obj, ObjKind } from './model.js';
import { at, h, ps } from './model.js';

export interface MisuseMove {
  /** What the move does wrong, as a developer says it. */
  readonly name: string;
  /** The operation it calls. */
  readonly op: string;
  /** The victim is an object the program released (true) or one it holds. */
  readonly dead: boolean;
  readonly kind: ObjKind;
  /** The parameter the victim is passed as (an address for a mapping). */
  readonly param: string;
  /** Whether the object can be the victim (`live(name)`: whether a live object of that name exists). */
  fits(o: Obj, live: (name: string) => boolean): boolean;
  /** The other arguments, from the victim alone. */
  args(o: Obj): Record<string, GArg>;
  /** The victim's obligations after the call: a held object the move released is dropped. */
  readonly drops?: boolean;
}

const order = (o: Obj): number => ps(o).order;

export const MISUSE: readonly MisuseMove[] = [
  { name: 'double free', op: '__free_pages', dead: true, kind: 'page', param: 'page', fits: (o) => ps(o).release === 'free' && !ps(o).pgtable, args: (o) => ({ order: order(o) }) },
  { name: 'put after free', op: 'put_page', dead: true, kind: 'page', param: 'page', fits: (o) => ps(o).release === 'free' || ps(o).release === 'put', args: () => ({}) },
  {
    name: 'free with the wrong order',
    op: '__free_pages',
    dead: false,
    kind: 'page',
    param: 'page',
    fits: (o) => ps(o).release === 'free' && ps(o).refs === 1 && ps(o).mapped === 0 && !ps(o).pgtable && ps(o).type === null && order(o) < 9,
    args: (o) => ({ order: order(o) === 0 ? 1 : order(o) - 1 }),
    drops: true,
  },
  { name: 'put without get', op: 'put_page', dead: false, kind: 'page', param: 'page', fits: (o) => ps(o).release === 'frozen' && ps(o).refs === 0, args: () => ({}), drops: true },
  { name: 'unmap twice', op: 'munmap', dead: true, kind: 'vma', param: 'addr', fits: (o, live) => live(o.s['mm'] as string), args: (o) => ({ mm: h(o.s['mm'] as string), len: o.s['len'] as number }) },
  { name: 'slab object freed twice', op: 'kmem_cache_free', dead: true, kind: 'object', param: 'object', fits: (o, live) => live(o.s['cache'] as string), args: (o) => ({ cache: h(o.s['cache'] as string) }) },
];

export function misuseMove(name: string): MisuseMove | undefined {
  return MISUSE.find((m) => m.name === name);
}

/** The victim as the move's parameter takes it. */
export function victimArg(m: MisuseMove, o: Obj): GArg {
  return m.kind === 'vma' ? at(o) : h(o);
}
