/**
 * C type declarations as data.
 *
 * A kernel struct is declared here the way it is declared in C: scalars,
 * pointers, nested structs and unions (named or anonymous), arrays and
 * bitfields. `layout.ts` computes offsets from these declarations exactly
 * as gcc does on x86_64 (System V ABI), so every struct pagesim models has a
 * single source of truth for its layout and every view of its bytes is
 * derived from it.
 */

export interface ScalarType {
  readonly kind: 'scalar';
  /** The C spelling, used in `pagesim layout` output. */
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly signed: boolean;
  /** Pointers print as addresses and hold 64-bit kernel virtual addresses. */
  readonly pointer: boolean;
}

export interface Member {
  /** Undefined for an anonymous struct or union member. */
  readonly name: string | undefined;
  readonly type: CType;
  /** Width in bits for a bitfield member. */
  readonly bits?: number;
}

export interface AggregateType {
  readonly kind: 'struct' | 'union';
  /** The struct tag (`page`, `list_head`), undefined for anonymous ones. */
  readonly tag: string | undefined;
  readonly members: readonly Member[];
  /** `__aligned(n)` on the type, if any. */
  readonly alignAttr?: number;
  /**
   * A label for an anonymous member so that variants can find it (C gives
   * it no name). Never part of a dotted field path.
   */
  readonly label?: string;
}

export interface ArrayType {
  readonly kind: 'array';
  readonly elem: CType;
  readonly count: number;
}

export type CType = ScalarType | AggregateType | ArrayType;

function scalar(name: string, size: number, signed: boolean, pointer = false): ScalarType {
  return { kind: 'scalar', name, size, align: size, signed, pointer };
}

// x86_64 LP64 sizes.
export const u8 = scalar('u8', 1, false);
export const u16 = scalar('u16', 2, false);
export const u32 = scalar('u32', 4, false);
export const u64 = scalar('u64', 8, false);
export const s8 = scalar('s8', 1, true);
export const s16 = scalar('s16', 2, true);
export const s32 = scalar('s32', 4, true);
export const s64 = scalar('s64', 8, true);
export const int = scalar('int', 4, true);
export const short = scalar('short', 2, true);
export const unsigned_short = scalar('unsigned short', 2, false);
export const unsigned_int = scalar('unsigned int', 4, false);
export const long = scalar('long', 8, true);
export const unsigned_long = scalar('unsigned long', 8, false);
/** `atomic_t` is `struct { int counter; }`; shown as one 4-byte field. */
export const atomic_t = scalar('atomic_t', 4, true);
export const atomic_long_t = scalar('atomic_long_t', 8, true);
export const pgoff_t = scalar('pgoff_t', 8, false);
export const size_t = scalar('size_t', 8, false);

/** A pointer member: `ptr('struct page')` prints as `struct page *`. */
export function ptr(to: string): ScalarType {
  return scalar(`${to} *`, 8, false, true);
}

export function field(name: string, type: CType, bits?: number): Member {
  return bits === undefined ? { name, type } : { name, type, bits };
}

/** A named struct type (`struct list_head`). */
export function struct(tag: string | undefined, members: readonly Member[], alignAttr?: number): AggregateType {
  return alignAttr === undefined ? { kind: 'struct', tag, members } : { kind: 'struct', tag, members, alignAttr };
}

export function union(tag: string | undefined, members: readonly Member[], alignAttr?: number): AggregateType {
  return alignAttr === undefined ? { kind: 'union', tag, members } : { kind: 'union', tag, members, alignAttr };
}

/** An anonymous struct member, labelled for variants and for the layout map. */
export function anonStruct(label: string, members: readonly Member[]): Member {
  return { name: undefined, type: { kind: 'struct', tag: undefined, members, label } };
}

export function anonUnion(label: string, members: readonly Member[]): Member {
  return { name: undefined, type: { kind: 'union', tag: undefined, members, label } };
}

export function array(elem: CType, count: number): ArrayType {
  return { kind: 'array', elem, count };
}

/** The C spelling of a type, for printing. */
export function typeName(t: CType): string {
  switch (t.kind) {
    case 'scalar':
      return t.name;
    case 'array':
      return `${typeName(t.elem)}[${t.count}]`;
    default:
      return t.tag === undefined ? `${t.kind} {...}` : `${t.kind} ${t.tag}`;
  }
}

// Kernel list and RCU building blocks (include/linux/types.h).
export const list_head = struct('list_head', [field('next', ptr('struct list_head')), field('prev', ptr('struct list_head'))]);
export const llist_node = struct('llist_node', [field('next', ptr('struct llist_node'))]);
/** `struct rcu_head` is `struct callback_head`: next, then the callback. */
export const rcu_head = struct('callback_head', [
  field('next', ptr('struct callback_head')),
  field('func', ptr('void (*)(struct callback_head *)')),
]);
