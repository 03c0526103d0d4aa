/**
 * What `--watch` and `--timeline` point at: a struct page (by pfn, or by a
 * handle a step binds, with an optional page offset) and, for a watch, a
 * byte range of it given by offsets or by field name through the running
 * variant's layout.
 *
 *   p                     the whole struct page bound to p
 *   p+1:16..23            bytes 16 to 23 of the page after p
 *   p:16+8                8 bytes from byte 16
 *   pfn:0x2016:rcu_head.func    a field, by its path in struct page
 *   pfn:0x2016:lru        every field under lru (lru.next, lru.prev)
 *   p:slab_cache          a field of a struct that overlays struct page
 *                         (struct slab here), when struct page has none
 *                         of that name; p:slab.slab_cache says which
 */

import type { StructLayout } from '../layout/layout.js';
import type { LayoutAssertion } from '../layout/assert.js';
import type { Bound } from '../engine/run.js';
import { didYouMean } from '../scenario/suggest.js';
import { InputError } from '../util/errors.js';

/** The struct page a target names. */
export type PageRef = { readonly kind: 'pfn'; readonly pfn: number } | { readonly kind: 'handle'; readonly name: string; readonly offset: number };

/** A target as written, parsed; the byte range is resolved against a layout by bytesOf(). */
export interface Target {
  readonly text: string;
  readonly page: PageRef;
  /** Bytes given by offsets, a field path, or nothing (the whole struct page). */
  readonly bytes: { readonly kind: 'range'; readonly start: number; readonly end: number } | { readonly kind: 'field'; readonly path: string } | null;
}

/** A byte range of struct page: [start, end). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

const HANDLE = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s*\+\s*(\d+|0x[0-9a-fA-F]+))?$/;

function num(text: string): number | null {
  return /^(\d+|0x[0-9a-fA-F]+)$/.test(text) ? Number(text) : null;
}

/** Parses a target; `option` names the option in errors (`--watch`). */
export function parseTarget(text: string, option: string, allowBytes = true): Target {
  const fail = (why: string): never => {
    throw new InputError(`${option} ${text}: ${why} (examples: ${allowBytes ? 'p, p:16..23, pfn:0x2016:rcu_head.func' : 'p, p+1, pfn:0x2016'})`);
  };
  const parts = text.split(':');
  let page: PageRef;
  let rest: string[];
  if (parts[0] === 'pfn') {
    const pfn = num(parts[1] ?? '');
    if (pfn === null) fail('pfn: must be followed by a pfn such as 0x2016');
    page = { kind: 'pfn', pfn: pfn! };
    rest = parts.slice(2);
  } else {
    const m = HANDLE.exec(parts[0]!.trim());
    if (m === null) fail('a target starts with a handle name (p, p+1) or pfn:N');
    page = { kind: 'handle', name: m![1]!, offset: m![2] === undefined ? 0 : Number(m![2]) };
    rest = parts.slice(1);
  }
  if (rest.length > 1) fail('too many ":"');
  if (rest.length === 0 || rest[0] === '') return { text, page, bytes: null };
  if (!allowBytes) fail(`${option.split(' ').pop()} takes a whole page: leave out the bytes`);
  const b = rest[0]!.trim();
  const range = /^(\d+|0x[0-9a-fA-F]+)(?:(\.\.|\+)(\d+|0x[0-9a-fA-F]+))?$/.exec(b);
  if (range !== null) {
    const start = Number(range[1]);
    const end = range[2] === undefined ? start + 1 : range[2] === '..' ? Number(range[3]) + 1 : start + Number(range[3]);
    if (end <= start) fail('the range is empty (A..B includes both ends; A+N is N bytes from A)');
    return { text, page, bytes: { kind: 'range', start, end } };
  }
  if (!/^[A-Za-z_][A-Za-z0-9_.[\]]*$/.test(b)) fail(`"${b}" is neither a byte range (16..23, 16+8) nor a field path (rcu_head.func)`);
  return { text, page, bytes: { kind: 'field', path: b } };
}

/** A struct laid over struct page from its first byte under a variant (slab, ptdesc, netmem_desc, folio). */
export interface Overlay {
  readonly name: string;
  readonly layout: StructLayout;
}

/**
 * The structs that overlay struct page under a variant: those its layout
 * assertions match field for field against struct page with no offset
 * (SLAB_MATCH, TABLE_MATCH, NETMEM_DESC_ASSERT_OFFSET, FOLIO_MATCH), so a
 * variant that moves a struct out of struct page (the memdesc RFC's
 * ptdesc) has it no longer. In the order the assertions give.
 */
export function pageOverlays(assertions: readonly LayoutAssertion[], structs: ReadonlyMap<string, StructLayout>): Overlay[] {
  const names: string[] = [];
  for (const a of assertions) {
    if ((a.right.plus ?? 0) !== 0) continue;
    const other = a.left.struct === 'page' ? a.right.struct : a.right.struct === 'page' ? a.left.struct : null;
    if (other !== null && other !== 'page' && !names.includes(other)) names.push(other);
  }
  return names.flatMap((name) => {
    const layout = structs.get(name);
    return layout === undefined ? [] : [{ name, layout }];
  });
}

/** The bytes a target covers; `overlay` when a field was found in a struct overlaying struct page, with its fields there. */
export interface TargetBytes extends ByteRange {
  readonly overlay?: { readonly struct: string; readonly fields: readonly string[] };
}

/** The fields of a layout a path names (the field, or the fields under it), inside the first `size` bytes. */
function fieldsNamed(l: StructLayout, path: string, size: number): StructLayout['fields'] {
  return l.fields.filter((f) => (f.path === path || f.path.startsWith(`${path}.`) || f.path.startsWith(`${path}[`)) && f.offset + f.size <= size);
}

function extent(under: StructLayout['fields']): ByteRange {
  return { start: Math.min(...under.map((f) => f.offset)), end: Math.max(...under.map((f) => f.offset + f.size)) };
}

/**
 * The bytes of struct page a target covers under a layout: a field path
 * (or the fields under it: `lru` is lru.next and lru.prev) or a range
 * inside the struct. A path struct page does not have is looked up in the
 * structs that overlay it (`slab_cache`: struct slab's), or in the one its
 * first component names (`slab.slab_cache`); found in several at different
 * bytes, it must say which.
 */
export function bytesOf(t: Target, page: StructLayout, variant: string, option: string, overlays: readonly Overlay[] = []): TargetBytes {
  if (t.bytes === null) return { start: 0, end: page.size };
  if (t.bytes.kind === 'range') {
    if (t.bytes.end > page.size) throw new InputError(`${option} ${t.text}: struct page is ${page.size} bytes under ${variant} (bytes 0..${page.size - 1})`);
    return { start: t.bytes.start, end: t.bytes.end };
  }
  const path = t.bytes.path;
  const under = fieldsNamed(page, path, page.size);
  if (under.length > 0) return extent(under);
  const dot = path.indexOf('.');
  const named = dot > 0 ? overlays.find((o) => o.name === path.slice(0, dot)) : undefined;
  const found = (named !== undefined ? [{ o: named, f: fieldsNamed(named.layout, path.slice(dot + 1), page.size) }] : overlays.map((o) => ({ o, f: fieldsNamed(o.layout, path, page.size) }))).filter((x) => x.f.length > 0);
  if (found.length > 0) {
    const ranges = found.map((x) => extent(x.f));
    if (ranges.some((r) => r.start !== ranges[0]!.start || r.end !== ranges[0]!.end)) {
      throw new InputError(`${option} ${t.text}: "${path}" is a field of ${found.map((x) => `struct ${x.o.name}`).join(' and ')} at different bytes under ${variant}; say which (${found.map((x) => `${x.o.name}.${path}`).join(', ')})`);
    }
    const { o, f } = found[0]!;
    return { ...ranges[0]!, overlay: { struct: o.name, fields: f.filter((x) => x.leaf).map((x) => x.path) } };
  }
  const names = [...new Set([...page.fields.map((f) => f.path), ...overlays.flatMap((o) => o.layout.fields.filter((f) => f.offset + f.size <= page.size).map((f) => f.path))])];
  const also = overlays.length > 0 ? `, nor has any struct over it (${overlays.map((o) => `struct ${o.name}`).join(', ')})` : '';
  throw new InputError(`${option} ${t.text}: struct page has no field "${path}" under ${variant}${also}${didYouMean(path, names)}`);
}

/** The leaf fields of a layout that overlay any byte of [start, end), in layout order. */
export function fieldsOver(page: StructLayout, start: number, end: number): string[] {
  return page.fields.filter((f) => f.leaf && f.offset < end && start < f.offset + f.size).map((f) => f.path);
}

/**
 * The pfn a target's page is at: a pfn as given; a handle's page (plus its
 * offset) once a step has bound it, null before. `nrPages` bounds it.
 */
export function resolvePage(t: Target, handles: ((name: string) => Bound | undefined) | null, nrPages: number, option: string): number | null {
  let pfn: number;
  if (t.page.kind === 'pfn') pfn = t.page.pfn;
  else {
    const h = handles === null ? undefined : handles(t.page.name);
    if (h === undefined) return null;
    if (h === null || h.kind !== 'page') throw new InputError(`${option} ${t.text}: handle "${t.page.name}" holds ${h === null ? 'NULL' : `a ${h.type}`}, not a page`);
    pfn = h.pfn + t.page.offset;
  }
  if (pfn >= nrPages) throw new InputError(`${option} ${t.text}: pfn 0x${pfn.toString(16)} is outside the memmap (0x0-0x${(nrPages - 1).toString(16)})`);
  return pfn;
}
