/**
 * The reference-ownership oracle of `pagesim explore`: who holds which
 * references, from what the scenario's steps returned, and the rule that a
 * reference's holder never sees its page freed, reallocated or frozen under
 * it, nor is a page left allocated that nobody holds.
 *
 * The kernel has no such bookkeeping: a refcount is a number. The oracle
 * keeps it beside the machine so that a lost reference (a count one CPU
 * stored over another's increment) shows as what it leads to, a page freed
 * while a CPU still uses it, with the holder and the step that freed it.
 *
 * References taken by the setup or `final:` are held by "the setup"; a CPU
 * that drops a reference drops one of its own if it has one, else one of
 * the setup's (the usual case: the setup allocated the page and a CPU puts
 * the last reference). The setup and `final:` drop the setup's, then what
 * the CPUs left held. References an operation drops inside the kernel (an
 * unmap's TLB-gather puts) are its drops, wherever it runs.
 */

/** How each refcount operation moves references: taken (on success for the conditional ones), dropped, frozen or unfrozen. */
type Effect =
  | { readonly kind: 'take'; readonly page: string; readonly n: (a: Args) => number; readonly ifTrue: boolean; readonly ifZero?: boolean }
  | { readonly kind: 'drop'; readonly page: string; readonly n: (a: Args) => number }
  | { readonly kind: 'alloc' }
  | { readonly kind: 'freeze'; readonly page: string; readonly n: (a: Args) => number }
  | { readonly kind: 'unfreeze'; readonly page: string; readonly n: (a: Args) => number };

type Args = Readonly<Record<string, unknown>>;

const one = (): number => 1;
const arg = (name: string) => (a: Args): number => Number(a[name] ?? 0);

const EFFECTS = new Map<string, Effect>();
for (const [op, page, n] of [
  ['folio_try_get', 'folio', one],
  ['get_page_unless_zero', 'page', one],
  ['try_get_page', 'page', one],
  ['page_ref_add_unless_zero', 'page', arg('nr')],
  ['folio_ref_add_unless_zero', 'folio', arg('nr')],
  ['page_ref_add_unless_frozen', 'page', arg('nr')],
  ['folio_ref_add_unless_frozen', 'folio', arg('nr')],
  ['folio_ref_try_add', 'folio', arg('count')],
  ['page_ref_add_unless', 'page', arg('nr')],
] as const) EFFECTS.set(op, { kind: 'take', page, n, ifTrue: true });
for (const [op, page, n] of [
  ['folio_get', 'folio', one],
  ['get_page', 'page', one],
  ['page_ref_inc', 'page', one],
  ['folio_ref_inc', 'folio', one],
  ['page_ref_add', 'page', arg('nr')],
  ['folio_ref_add', 'folio', arg('nr')],
  ['page_ref_inc_return', 'page', one],
  ['init_page_count', 'page', one],
  ['folio_init_count', 'folio', one],
  ['set_page_refcounted', 'page', one],
] as const) EFFECTS.set(op, { kind: 'take', page, n, ifTrue: false });
for (const [op, page, n] of [
  ['folio_put', 'folio', one],
  ['put_page', 'page', one],
  ['page_ref_dec', 'page', one],
  ['folio_ref_dec', 'folio', one],
  ['page_ref_sub', 'page', arg('nr')],
  ['folio_ref_sub', 'folio', arg('nr')],
  ['folio_put_refs', 'folio', arg('refs')],
  ['page_ref_dec_and_test', 'page', one],
  ['folio_ref_dec_and_test', 'folio', one],
  ['page_ref_sub_and_test', 'page', arg('nr')],
  ['folio_ref_sub_and_test', 'folio', arg('nr')],
  ['put_page_testzero', 'page', one],
  ['page_ref_dec_return', 'page', one],
  ['folio_ref_sub_return', 'folio', arg('nr')],
  ['__free_pages', 'page', one],
] as const) EFFECTS.set(op, { kind: 'drop', page, n });
for (const op of ['alloc_pages', 'alloc_pages_node', 'folio_alloc']) EFFECTS.set(op, { kind: 'alloc' });
// The pte vm_insert_page() installs holds the reference it took (0: mapped).
EFFECTS.set('vm_insert_page', { kind: 'take', page: 'page', n: one, ifTrue: false, ifZero: true });
EFFECTS.set('vm_insert_pages', { kind: 'take', page: 'page', n: arg('num'), ifTrue: false, ifZero: true });
EFFECTS.set('page_ref_freeze', { kind: 'freeze', page: 'page', n: arg('count') });
EFFECTS.set('folio_ref_freeze', { kind: 'freeze', page: 'folio', n: arg('count') });
EFFECTS.set('page_ref_unfreeze', { kind: 'unfreeze', page: 'page', n: arg('count') });
EFFECTS.set('folio_ref_unfreeze', { kind: 'unfreeze', page: 'folio', n: arg('count') });

/** The setup's (and final's) references. */
export const SETUP = -1;

export interface Violation {
  readonly kind: 'use-after-free' | 'frozen-under-holder' | 'leaked-reference' | 'lost-reference';
  readonly pfn: number;
  /** The CPU holding the reference (SETUP for the setup's), or null. */
  readonly holder: number | null;
  /** The action (1-based, in the schedule) that freed or froze the page, and its CPU and operation. */
  readonly at: { readonly action: number; readonly cpu: number; readonly op: string } | null;
  readonly text: string;
}

interface State {
  /** References held, by `${holder}:${pfn}`. */
  held: Map<string, number>;
  /** Pages freed in this schedule (and not allocated again), with the action that freed them. */
  freed: Map<number, { action: number; cpu: number; op: string }>;
  /** Every page a refcount operation touched. */
  pages: Set<number>;
}

export class Ownership {
  private s: State = { held: new Map(), freed: new Map(), pages: new Set() };
  readonly violations: Violation[] = [];

  snapshot(): { s: State; v: number } {
    return { s: { held: new Map(this.s.held), freed: new Map(this.s.freed), pages: new Set(this.s.pages) }, v: this.violations.length };
  }

  restore(snap: { s: State; v: number }): void {
    this.s = { held: new Map(snap.s.held), freed: new Map(snap.s.freed), pages: new Set(snap.s.pages) };
    this.violations.length = snap.v;
  }

  private get(holder: number, pfn: number): number {
    return this.s.held.get(`${holder}:${pfn}`) ?? 0;
  }

  private add(holder: number, pfn: number, n: number): void {
    const v = this.get(holder, pfn) + n;
    if (v === 0) this.s.held.delete(`${holder}:${pfn}`);
    else this.s.held.set(`${holder}:${pfn}`, v);
  }

  /** All references held on a page, and who holds them (CPUs first, then the setup). */
  private holders(pfn: number): { total: number; who: number[] } {
    let total = 0;
    const who: number[] = [];
    for (const [key, n] of this.s.held) {
      const [h, p] = key.split(':').map(Number) as [number, number];
      if (p !== pfn || n <= 0) continue;
      total += n;
      who.push(h);
    }
    who.sort((a, b) => (a === SETUP ? 1 : b === SETUP ? -1 : a - b));
    return { total, who };
  }

  /**
   * Drops n of a holder's references on a page: its own first, then the
   * setup's. The setup and final: drop the setup's first, then what the
   * CPUs still hold, lowest CPU first: final: runs after every CPU is done
   * and tears down what they left (an munmap drops the reference of the
   * pte a CPU's vm_insert_page() installed).
   */
  private drop(holder: number, pfn: number, n: number): void {
    const own = Math.min(n, Math.max(0, this.get(holder, pfn)));
    if (own > 0) this.add(holder, pfn, -own);
    let rest = n - own;
    if (rest > 0 && holder !== SETUP) this.add(SETUP, pfn, -Math.min(rest, Math.max(0, this.get(SETUP, pfn))));
    if (rest > 0 && holder === SETUP) {
      for (const h of this.holders(pfn).who) {
        if (rest === 0) break;
        const m = Math.min(rest, this.get(h, pfn));
        this.add(h, pfn, -m);
        rest -= m;
      }
    }
  }

  /** References an operation dropped inside the kernel (an unmap's TLB-gather puts): its own first, then the setup's. */
  dropRefs(holder: number, pfn: number, n: number): void {
    this.drop(holder, pfn, n);
  }

  /** The references an operation in flight is about to drop on a page (its drop has not been counted yet). */
  static inFlightDrop(op: string, args: Args, pfn: number): number {
    const e = EFFECTS.get(op);
    if (e === undefined || e.kind !== 'drop' || pageOf(args[e.page]) !== pfn) return 0;
    return e.n(args);
  }

  /** A completed step: its effect on who holds what. `action` is its number in the schedule (0 for setup and final). */
  step(holder: number, op: string, args: Args, ret: unknown, action: number): void {
    const e = EFFECTS.get(op);
    if (e === undefined) return;
    if (e.kind === 'alloc') {
      const pfn = typeof ret === 'number' && ret >= 0 ? ret : null;
      if (pfn === null) return;
      this.s.freed.delete(pfn);
      this.s.pages.add(pfn);
      this.add(holder, pfn, 1);
      return;
    }
    const pfn = pageOf(args[e.page]);
    if (pfn === null) return;
    this.s.pages.add(pfn);
    const n = e.n(args);
    switch (e.kind) {
      case 'take': {
        if (e.ifTrue && ret !== true) return;
        if (e.ifZero === true && ret !== 0) return;
        const freed = this.s.freed.get(pfn);
        if (freed !== undefined && (e.ifTrue || e.ifZero === true)) {
          this.violations.push({ kind: 'use-after-free', pfn, holder, at: freed, text: `use-after-free: ${who(holder)} got a reference to page pfn 0x${pfn.toString(16)} with ${op}() after action ${freed.action} (CPU ${freed.cpu}, ${freed.op}) freed it` });
        }
        this.add(holder, pfn, n);
        return;
      }
      case 'drop':
        this.drop(holder, pfn, n);
        return;
      case 'freeze': {
        if (ret !== true) return;
        this.drop(holder, pfn, n);
        const { total, who: hs } = this.holders(pfn);
        if (total > 0) {
          const h = hs[0]!;
          this.violations.push({ kind: 'frozen-under-holder', pfn, holder: h, at: { action, cpu: holder, op }, text: `${op}(count=${n}) by CPU ${holder} at action ${action} froze page pfn 0x${pfn.toString(16)} while ${who(h)} held a reference to it` });
        }
        return;
      }
      case 'unfreeze':
        this.add(holder, pfn, n);
        return;
    }
  }

  /**
   * Pages [pfn, pfn + 2^order) are being freed by `cpu`'s operation `op`
   * (whose own drop of `inflight` references is not counted yet): any
   * reference still held is a use-after-free.
   */
  free(pfn: number, order: number, cpu: number, op: string, args: Args, action: number, pending: (pfn: number) => number): void {
    const at = { action, cpu, op };
    for (let p = pfn; p < pfn + 2 ** order; p++) {
      const { total, who: hs } = this.holders(p);
      const inflight = Ownership.inFlightDrop(op, args, p) + pending(p);
      if (total - inflight > 0) {
        // The freeing CPU's own reference is the one its operation is dropping.
        const others = hs.filter((h) => h !== cpu || this.get(cpu, p) > inflight);
        const h = others.find((x) => x !== SETUP && x !== cpu) ?? others[0] ?? SETUP;
        this.violations.push({ kind: 'use-after-free', pfn: p, holder: h, at, text: `use-after-free: action ${action} (CPU ${cpu}, ${op}) freed page pfn 0x${p.toString(16)} while ${who(h)} held a reference to it` });
      }
      if (this.s.pages.has(p) || p === pfn) this.s.freed.set(p, at);
    }
  }

  /** The end of a schedule: a page still allocated that nobody holds leaked a reference; one held by fewer references than its count lost one. */
  end(count: (pfn: number) => number, isFree: (pfn: number) => boolean): void {
    for (const pfn of [...this.s.pages].sort((a, b) => a - b)) {
      if (this.s.freed.has(pfn) || isFree(pfn)) continue;
      const { total } = this.holders(pfn);
      const c = count(pfn);
      if (total === 0 && c > 0) this.violations.push({ kind: 'leaked-reference', pfn, holder: null, at: null, text: `leaked reference: page pfn 0x${pfn.toString(16)} has refcount ${c} at the end and nobody holds a reference to it` });
      else if (total > 0 && c < total) this.violations.push({ kind: 'lost-reference', pfn, holder: null, at: null, text: `lost reference: page pfn 0x${pfn.toString(16)} has refcount ${c} at the end but ${total} references are held` });
    }
  }

  /** Everything that decides what the oracle finds from here on, and what it found, as a string (state keys). */
  key(): string {
    const held = [...this.s.held.entries()].filter(([, n]) => n !== 0).map(([k, n]) => `${k}=${n}`).sort().join(',');
    const freed = [...this.s.freed.keys()].sort((a, b) => a - b).join(',');
    const pages = [...this.s.pages].sort((a, b) => a - b).join(',');
    const v = this.violations.map((x) => x.kind).sort().join(',');
    return `${held};${freed};${pages};${v}`;
  }

  /** Held references at the end, for the end state's summary. */
  heldSummary(): string {
    return [...this.s.held.entries()]
      .filter(([, n]) => n !== 0)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, n]) => `${k}=${n}`)
      .join(',');
  }
}

function who(holder: number): string {
  return holder === SETUP ? 'the setup' : `CPU ${holder}`;
}

/** The pfn of a page argument as a step's args show it. */
function pageOf(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'pfn' in v && typeof (v as { pfn: unknown }).pfn === 'number') return (v as { pfn: number }).pfn;
  return null;
}
