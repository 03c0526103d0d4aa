/**
 * Offsets, sizes and alignment computed from declarations as gcc computes
 * them for x86_64 (System V ABI): every member is placed at the next offset
 * aligned to its type; a struct is as aligned as its most aligned member (or
 * its `__aligned()` attribute) and its size is rounded up to that; a union's
 * members all start at 0. Bitfields are packed into storage units of their
 * declared type and never straddle one.
 *
 * The result is a flat list of every field with its dotted path, the path a
 * kernel developer would write after `page->` (anonymous structs and unions
 * add no component: `lru.next`, `compound_head`, `rcu_head.func`).
 */

import { type AggregateType, type CType, type Member, typeName } from './ctype.js';

export interface FieldInfo {
  /** Dotted path from the struct, e.g. `lru.next`, `_mm_id[1]`. */
  readonly path: string;
  readonly offset: number;
  readonly size: number;
  readonly type: CType;
  /** Bitfields only: the bit offset inside the byte at `offset` rounded down to the storage unit, and the width. */
  readonly bitOffset?: number;
  readonly bitWidth?: number;
  /** True for scalars (and scalar array elements): the fields that hold values. */
  readonly leaf: boolean;
  /** The labels of the anonymous unions/structs that contain this field, outermost first. */
  readonly within: readonly string[];
}

export interface StructLayout {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly decl: AggregateType;
  readonly fields: readonly FieldInfo[];
}

interface Placed {
  readonly size: number;
  readonly align: number;
}

export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/** Size and alignment of a type, without listing its fields. */
export function sizeAlign(t: CType): Placed {
  switch (t.kind) {
    case 'scalar':
      return { size: t.size, align: t.align };
    case 'array': {
      const e = sizeAlign(t.elem);
      return { size: e.size * t.count, align: e.align };
    }
    default:
      return aggregateSizeAlign(t);
  }
}

/**
 * Declarations are never changed once made (edit.ts builds new ones), so an
 * aggregate's size and alignment are kept with it: without this, placing a
 * member asks its size again at every level of nesting above it, and
 * building every variant's layouts spent most of its time doing so.
 */
const aggregatePlaced = new WeakMap<AggregateType, Placed>();

function aggregateSizeAlign(t: AggregateType): Placed {
  let placed = aggregatePlaced.get(t);
  if (placed === undefined) {
    placed = placeAggregate(t, 0, '', [], []);
    aggregatePlaced.set(t, placed);
  }
  return placed;
}

/**
 * Places `t` at byte `base`, appending every field to `out`; returns its
 * size and alignment.
 */
function placeAggregate(t: AggregateType, base: number, prefix: string, within: readonly string[], out: FieldInfo[]): Placed {
  let align = 1;
  let size = 0;
  let bitpos = 0; // struct only: next free bit, relative to `base`
  const inner = t.label === undefined ? within : [...within, t.label];
  for (const m of t.members) {
    const ma = sizeAlign(m.type);
    if (m.bits !== undefined) {
      const unitBits = ma.size * 8;
      let start = t.kind === 'union' ? 0 : bitpos;
      if (Math.floor(start / unitBits) !== Math.floor((start + m.bits - 1) / unitBits)) start = alignUp(start, unitBits);
      const unitOffset = Math.floor(start / unitBits) * ma.size;
      if (m.name !== undefined) {
        out.push({
          path: join(prefix, m.name),
          offset: base + unitOffset,
          size: ma.size,
          type: m.type,
          bitOffset: start - unitOffset * 8,
          bitWidth: m.bits,
          leaf: true,
          within: inner,
        });
        align = Math.max(align, ma.align);
      }
      const endBits = start + m.bits;
      if (t.kind === 'union') size = Math.max(size, Math.ceil(endBits / 8));
      else bitpos = endBits;
      continue;
    }
    const offset = t.kind === 'union' ? 0 : alignUp(Math.ceil(bitpos / 8), ma.align);
    placeMember(m, base + offset, prefix, inner, out);
    align = Math.max(align, ma.align);
    if (t.kind === 'union') size = Math.max(size, ma.size);
    else bitpos = (offset + ma.size) * 8;
  }
  if (t.kind === 'struct') size = Math.ceil(bitpos / 8);
  if (t.alignAttr !== undefined) align = Math.max(align, t.alignAttr);
  return { size: alignUp(size, align), align };
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function placeMember(m: Member, offset: number, prefix: string, within: readonly string[], out: FieldInfo[]): void {
  const t = m.type;
  if (m.name === undefined) {
    // Anonymous struct/union: its members belong to the enclosing struct.
    if (t.kind !== 'struct' && t.kind !== 'union') throw new Error('anonymous member must be a struct or union');
    placeAggregate(t, offset, prefix, within, out);
    return;
  }
  const path = join(prefix, m.name);
  const sa = sizeAlign(t);
  out.push({ path, offset, size: sa.size, type: t, leaf: t.kind === 'scalar', within });
  if (t.kind === 'struct' || t.kind === 'union') {
    placeAggregate(t, offset, path, within, out);
  } else if (t.kind === 'array' && t.elem.kind === 'scalar') {
    const es = t.elem.size;
    for (let i = 0; i < t.count; i++) {
      out.push({ path: `${path}[${i}]`, offset: offset + i * es, size: es, type: t.elem, leaf: true, within });
    }
  } else if (t.kind === 'array') {
    const es = sizeAlign(t.elem).size;
    for (let i = 0; i < t.count; i++) placeMember({ name: `${m.name}[${i}]`, type: t.elem }, offset + i * es, prefix, within, out);
  }
}

/** Computes the layout of a struct declaration. */
export function computeLayout(name: string, decl: AggregateType): StructLayout {
  const fields: FieldInfo[] = [];
  const { size, align } = placeAggregate(decl, 0, '', [], fields);
  return { name, size, align, decl, fields };
}

/** Looks a field up by its dotted path; throws if the layout has no such field. */
export function fieldOf(layout: StructLayout, path: string): FieldInfo {
  const f = layout.fields.find((x) => x.path === path);
  if (f === undefined) throw new Error(`struct ${layout.name} has no field ${path}`);
  return f;
}

export function hasField(layout: StructLayout, path: string): boolean {
  return layout.fields.some((x) => x.path === path);
}

export function offsetOf(layout: StructLayout, path: string): number {
  return fieldOf(layout, path).offset;
}

/** All fields that overlap bytes [offset, offset + size). */
export function fieldsAt(layout: StructLayout, offset: number, size = 1): FieldInfo[] {
  return layout.fields.filter((f) => f.offset < offset + size && offset < f.offset + f.size);
}

export { typeName };
