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
 */

import type { StructLayout } from '../layout/layout.js';
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

/**
 * The bytes of struct page a target covers under a layout: a field path
 * (or the fields under it: `lru` is lru.next and lru.prev) or a range
 * inside the struct.
 */
export function bytesOf(t: Target, page: StructLayout, variant: string, option: string): ByteRange {
  if (t.bytes === null) return { start: 0, end: page.size };
  if (t.bytes.kind === 'range') {
    if (t.bytes.end > page.size) throw new InputError(`${option} ${t.text}: struct page is ${page.size} bytes under ${variant} (bytes 0..${page.size - 1})`);
    return { start: t.bytes.start, end: t.bytes.end };
  }
  const path = t.bytes.path;
  const under = page.fields.filter((f) => f.path === path || f.path.startsWith(`${path}.`) || f.path.startsWith(`${path}[`));
  if (under.length === 0) {
    const names = [...new Set(page.fields.map((f) => f.path))];
    throw new InputError(`${option} ${t.text}: struct page has no field "${path}" under ${variant}${didYouMean(path, names)}`);
  }
  return { start: Math.min(...under.map((f) => f.offset)), end: Math.max(...under.map((f) => f.offset + f.size)) };
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
