/**
 * What an operation needs and gives, for `pagesim fuzz`: each operation
 * module declares, beside the operation's registration, a FuzzSpec with
 * defineFuzz(). The generator (generate.ts) keeps an abstract state of the
 * program's obligations (the pages it holds references on and how they must
 * be released, its address spaces and their mappings, pools, caches,
 * objects, page tables) and only emits a call when the spec's needs are met
 * by a live object, so a program is a sequence a correct kernel caller could
 * make. Operations without a spec are not fuzzed (`pagesim fuzz --json`
 * lists them under `unfuzzed`).
 */

/** The kinds of object a program holds. */
export type ObjKind = 'page' | 'mm' | 'vma' | 'pool' | 'cache' | 'object' | 'pgtable' | 'ptdesc';

/** An integer expression over a bound address: `a1 + 8192`. */
export interface AddrArg {
  readonly ref: string;
  readonly add: number;
}
/** A page handle, optionally `+ off` pages. */
export interface HandleArg {
  readonly h: string;
}
/** A gfp mask by its names, as a scenario writes it. */
export interface GfpArg {
  readonly gfp: string;
}
export type GArg = number | boolean | string | AddrArg | HandleArg | GfpArg;

/** One generated step: an operation, its arguments by parameter name, the handle its result is bound to. */
export interface GStep {
  readonly op: string;
  readonly args: Readonly<Record<string, GArg>>;
  readonly as?: string;
  /** The API misuse the step is (misuse.ts), under --misuse. */
  readonly misuse?: string;
}

/** A live object of the program, with what the program owes for it. */
export interface Obj {
  readonly kind: ObjKind;
  /** The handle name (a page may be `p3+1`, a tail of a split block). */
  readonly name: string;
  /** When the generator last used it (reuse bias: recent objects are picked more often). */
  used: number;
  /** Kind-specific obligations (see PageState, VmaState ...). */
  readonly s: Record<string, number | string | boolean | null>;
}

/** What one parameter needs: a live object of a kind for which `where` holds. */
export interface Need {
  readonly kind: ObjKind;
  where?(o: Obj, g: GenApi): boolean;
}

/** The objects a step's needs were met with, by parameter name. */
export type Picked = Readonly<Record<string, Obj>>;

/** What a spec sees of the generator. */
export interface GenApi {
  /** An integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One of the values, uniformly. */
  oneOf<T>(xs: readonly T[]): T;
  /** One of the values; the first ones more often (geometric weights). */
  biased<T>(xs: readonly T[]): T;
  /** A fresh handle name with this prefix (`p` -> `p7`). */
  fresh(prefix: string): string;
  /** Adds an object to the state. */
  add(kind: ObjKind, name: string, s: Obj['s']): Obj;
  /** Removes an object from the state (its obligation is met). */
  drop(o: Obj): void;
  /** Live objects of a kind. */
  live(kind: ObjKind): readonly Obj[];
  /** Program-wide facts (the socket's state, the number of steps, misuse mode). */
  readonly global: Record<string, number | boolean | string>;
  /** Whether API misuse may be generated (`--misuse`). */
  readonly misuse: boolean;
}

export interface FuzzSpec {
  /** How often the generator picks it among the operations whose needs are met (default 1). */
  readonly weight?: number;
  /** Object parameters and the objects they take. */
  readonly needs?: Readonly<Record<string, Need>>;
  /** Whether the step may be emitted now (program-wide conditions such as an open socket). */
  when?(g: GenApi): boolean;
  /** The other arguments (integers, flags, addresses); null when none fits the picked objects. */
  args?(g: GenApi, p: Picked): Record<string, GArg> | null;
  /** The handle prefix of the result, when the step binds it (`as:`). */
  readonly gives?: string;
  /** The obligations after the call: objects made, references taken and dropped. */
  effect?(g: GenApi, p: Picked, as: string | null, args: Record<string, GArg>): void;
  /**
   * How the differential oracle compares the step's result with the
   * base's: `errno` (a negative result where the base's was not), `value`
   * (any difference). Absent: the result is representation (a raw word,
   * a dump) and differs legitimately between designs.
   */
  readonly diff?: 'errno' | 'value';
  /** Only emitted with --misuse: an API misuse, for testing a variant's debug checks. */
  readonly misuse?: boolean;
}

const specs = new Map<string, FuzzSpec>();

/** Declares how the fuzzer calls an operation (next to the operation's defineOp). */
export function defineFuzz(op: string, spec: FuzzSpec): void {
  if (specs.has(op)) throw new Error(`fuzz spec for ${op} defined twice`);
  specs.set(op, spec);
}

export function fuzzSpec(op: string): FuzzSpec | undefined {
  return specs.get(op);
}

export function fuzzSpecs(): ReadonlyMap<string, FuzzSpec> {
  return specs;
}

// ---- helpers the operation modules share ------------------------------------------------

/** A page handle argument. */
export const h = (o: Obj | string): HandleArg => ({ h: typeof o === 'string' ? o : o.name });
/** An address argument: the mapping's address plus `add`. */
export const at = (vma: Obj, add = 0): AddrArg => ({ ref: vma.name, add });

/** Obligation fields of a page object. */
export interface PageState {
  /** log2 of the pages the object stands for. */
  order: number;
  /** __GFP_COMP: a folio of 2^order pages. */
  compound: boolean;
  /** References the program holds (0: frozen, from alloc_frozen_pages). */
  refs: number;
  /** How the program's last reference goes: 'free' (__free_pages with the order), 'put' (put_page on a folio), 'put-any' (put_page on a page that may be a tail: GUP), 'pool' (page_pool_put_full_page), 'frozen' (free_frozen_pages). */
  release: string;
  /** A page type the program set (`Table`), or null. */
  type: string | null;
  /** The pool (handle name) for pages from a page_pool. */
  pool: string | null;
  /** Mappings of the page made with vm_insert_page(s) (each holds a reference of its own). */
  mapped: number;
  /** A page-table page from pte_alloc_one (released by pte_free). */
  pgtable: boolean;
}

export function ps(o: Obj): PageState {
  return o.s as unknown as PageState;
}

/** Adds a page object with these obligations. */
export function addPage(g: GenApi, name: string, st: Partial<PageState> & { release: string }): Obj {
  const full: PageState = { order: 0, compound: false, refs: 1, type: null, pool: null, mapped: 0, pgtable: false, ...st };
  return g.add('page', name, full as unknown as Obj['s']);
}

/** A page the program holds a reference on (the usual need of a page argument). */
export const HELD: Need = { kind: 'page', where: (o) => ps(o).refs >= 1 };
/** A page whose struct page the program may read: one it holds, or one mapped that it put. */
export const LIVE: Need = { kind: 'page', where: (o) => ps(o).refs >= 1 || ps(o).mapped > 0 };
