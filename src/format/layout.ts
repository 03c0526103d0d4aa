/**
 * `pagesim layout`: a pahole-like map of a struct in which every byte range
 * lists every field that overlays it, so overlays are visible at a glance.
 */

import type { FieldInfo, StructLayout } from '../layout/layout.js';
import { typeName } from '../layout/ctype.js';
import type { LayoutDiff } from '../layout/diff.js';

export interface LayoutJson {
  readonly struct: string;
  readonly size: number;
  readonly fields: readonly { readonly name: string; readonly offset: number; readonly size: number }[];
}

export function layoutJson(l: StructLayout): LayoutJson {
  return { struct: l.name, size: l.size, fields: l.fields.map((f) => ({ name: f.path, offset: f.offset, size: f.size })) };
}

/** Byte spans between field boundaries, each with the leaf fields covering it. */
function spans(l: StructLayout): { start: number; end: number; fields: FieldInfo[] }[] {
  const leaves = l.fields.filter((f) => f.leaf);
  const cuts = new Set<number>([0, l.size]);
  for (const f of leaves) {
    cuts.add(f.offset);
    cuts.add(f.offset + f.size);
  }
  const pts = [...cuts].filter((c) => c <= l.size).sort((a, b) => a - b);
  const out: { start: number; end: number; fields: FieldInfo[] }[] = [];
  for (let i = 0; i + 1 < pts.length; i++) {
    const start = pts[i]!;
    const end = pts[i + 1]!;
    out.push({ start, end, fields: leaves.filter((f) => f.offset < end && start < f.offset + f.size) });
  }
  // Merge adjacent spans covered by exactly the same fields.
  const merged: typeof out = [];
  for (const s of out) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.fields.length === s.fields.length && last.fields.every((f, i) => f === s.fields[i])) last.end = s.end;
    else merged.push({ ...s });
  }
  return merged;
}

function describe(f: FieldInfo, start: number): string {
  const view = f.within.length > 0 ? ` [${f.within[f.within.length - 1]}]` : '';
  const part = f.offset !== start ? ` (+${start - f.offset})` : '';
  const bits = f.bitWidth !== undefined ? `:${f.bitWidth}@${f.bitOffset}` : '';
  return `${f.path}${bits}${part} ${typeName(f.type)}${view}`;
}

export function formatLayout(l: StructLayout, variant: string): string {
  const lines = [`struct ${l.name} {  /* variant ${variant}: size ${l.size}, align ${l.align} */`, '  /* offset size */  fields overlaying these bytes'];
  for (const s of spans(l)) {
    const head = `  /* ${String(s.start).padStart(6)} ${String(s.end - s.start).padStart(4)} */  `;
    if (s.fields.length === 0) {
      lines.push(`${head}(hole)`);
      continue;
    }
    lines.push(`${head}${describe(s.fields[0]!, s.start)}`);
    for (const f of s.fields.slice(1)) lines.push(`${' '.repeat(head.length)}${describe(f, s.start)}`);
  }
  lines.push(`};  /* size: ${l.size}, cachelines: ${Math.ceil(l.size / 64)} */`);
  return lines.join('\n');
}

function at(f: { offset: number; size: number }): string {
  return `${f.offset}+${f.size}`;
}

/**
 * `pagesim layout STRUCT --diff A B`: sizes, then moved, resized, added and
 * removed fields (offset+size), then the fields whose overlays changed.
 */
export function formatLayoutDiff(d: LayoutDiff): string {
  const out = [`struct ${d.struct}: ${d.a} -> ${d.b}`];
  out.push(d.size.a === d.size.b && d.align.a === d.align.b ? `  size ${d.size.a}, align ${d.align.a} under both` : `  size ${d.size.a} -> ${d.size.b}, align ${d.align.a} -> ${d.align.b}`);
  const section = (title: string, lines: string[]): void => {
    if (lines.length === 0) return;
    out.push(`  ${title}:`, ...lines.map((l) => `    ${l}`));
  };
  section('moved (offset+size)', d.moved.map((m) => `${m.name}  ${at(m.a)} -> ${at(m.b)}${m.a.type === m.b.type ? '' : `  ${m.a.type} -> ${m.b.type}`}`));
  section('resized or retyped', d.resized.map((m) => `${m.name}  at ${m.a.offset}: ${m.a.size} bytes ${m.a.type} -> ${m.b.size} bytes ${m.b.type}`));
  section('added', d.added.map((f) => `${f.name}  ${at(f)} ${f.type}${f.overlays.length > 0 ? `  over ${f.overlays.join(', ')}` : ''}`));
  section('removed', d.removed.map((f) => `${f.name}  ${at(f)} ${f.type}${f.overlays.length > 0 ? `  was over ${f.overlays.join(', ')}` : ''}`));
  section(
    'overlays changed (fields of both)',
    d.overlays.map((o) => {
      const parts: string[] = [];
      if (o.gained.length > 0) parts.push(`now over ${o.gained.join(', ')}`);
      if (o.lost.length > 0) parts.push(`no longer over ${o.lost.join(', ')}`);
      if (o.within !== null) parts.push(`in ${o.within.a || '(the struct)'} -> ${o.within.b || '(the struct)'}`);
      return `${o.name}  ${at(o)}: ${parts.join('; ')}`;
    }),
  );
  if (d.moved.length + d.resized.length + d.added.length + d.removed.length + d.overlays.length === 0) out.push('  the same fields at the same offsets');
  return out.join('\n');
}
