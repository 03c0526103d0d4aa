/**
 * Helpers of the viewer shared by its three pages (scenario, layout,
 * replay): DOM building, the struct byte grid with each variant's fields
 * as bands, and plots.
 */

import uPlot from 'uplot';
import type { ViewLayout } from '../data.js';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** Colours of the page states, in PAGE_STATES order. */
export const STATE_COLOURS = [
  '#d9d9d9', // unused
  '#c7e9c0', '#a1d99b', '#74c476', '#5ab769', '#41ab5d', '#2f9a4e', '#238b45', '#1a7a3c', '#006d2c', '#005a24', '#00441b', // free order 0..10
  '#9ecae1', // pcp
  '#fdae6b', // allocated
  '#e6550d', // compound head
  '#fdd0a2', // compound tail
  '#9e9ac8', // slab
  '#d62728', // table
  '#e377c2', // netpp
  '#f7b6d2', // page_pool
  '#8c6d31', // typed
  '#636363', // reserved
];

/** Series colours for variants. */
export const VARIANT_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** Band colour of a field: stable per top-level name so the same field has the same colour in every variant. */
export function fieldColour(path: string): string {
  const top = path.split(/[.[]/)[0]!;
  let h = 0;
  for (let i = 0; i < top.length; i++) h = (h * 31 + top.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 55% 78%)`;
}

/** Bytes highlighted in a grid: [start, end) with a label shown on hover. */
export interface ByteMark {
  readonly start: number;
  readonly end: number;
  readonly cls: string;
  readonly title: string;
}

/**
 * A struct's bytes as a grid, eight bytes (one raw word) a row, with the
 * fields of `layout` as bands under each row; overlapping fields (unions)
 * are stacked in lanes. `bytes` gives each byte's value (null: layout only).
 */
export function byteGrid(layout: ViewLayout, bytes: Uint8Array | null, marks: readonly ByteMark[], highlight: readonly string[] = []): HTMLElement {
  const grid = el('div', { class: 'bytegrid', role: 'table', 'aria-label': `struct ${layout.struct} under ${layout.variant}` });
  // Lanes: each field in the first lane where it overlaps nothing already there.
  const lanes: { start: number; end: number }[][] = [];
  const laneOf = new Map<string, number>();
  for (const f of layout.fields) {
    let lane = lanes.findIndex((l) => l.every((o) => f.offset >= o.end || f.offset + f.size <= o.start));
    if (lane < 0) {
      lane = lanes.length;
      lanes.push([]);
    }
    lanes[lane]!.push({ start: f.offset, end: f.offset + f.size });
    laneOf.set(f.path, lane);
  }
  for (let row = 0; row < layout.size; row += 8) {
    const rowEnd = Math.min(layout.size, row + 8);
    const r = el('div', { class: 'bg-row', role: 'row' });
    r.append(el('div', { class: 'bg-off', text: String(row) }));
    for (let b = row; b < row + 8; b++) {
      const cell = el('div', { class: 'bg-byte', role: 'cell', 'data-byte': String(b) });
      if (b >= rowEnd) cell.classList.add('bg-none');
      else {
        cell.textContent = bytes === null ? String(b) : bytes[b]!.toString(16).padStart(2, '0');
        const m = marks.find((x) => b >= x.start && b < x.end);
        if (m !== undefined) {
          cell.classList.add(m.cls);
          cell.title = m.title;
        } else cell.title = `byte ${b}`;
      }
      cell.style.gridColumn = String(b - row + 2);
      r.append(cell);
    }
    grid.append(r);
    const used = new Set<number>();
    const inRow = layout.fields.filter((f) => f.offset < rowEnd && row < f.offset + f.size);
    for (const f of inRow) used.add(laneOf.get(f.path)!);
    for (const lane of [...used].sort((a, b) => a - b)) {
      const lr = el('div', { class: 'bg-lane' });
      for (const f of inRow.filter((x) => laneOf.get(x.path) === lane)) {
        const s = Math.max(f.offset, row);
        const e = Math.min(f.offset + f.size, rowEnd);
        const cont = f.offset < row ? '… ' : '';
        const more = f.offset + f.size > rowEnd ? ' …' : '';
        const band = el('div', { class: 'bg-band', text: `${cont}${f.path}${more}`, title: `${f.path}: ${f.type}, bytes ${f.offset}..${f.offset + f.size - 1}${f.within !== null ? ` (in ${f.within})` : ''}` });
        band.style.gridColumn = `${s - row + 2} / ${e - row + 2}`;
        band.style.background = fieldColour(f.path);
        band.dataset['field'] = f.path;
        if (highlight.includes(f.path)) band.classList.add('bg-hot');
        lr.append(band);
      }
      grid.append(lr);
    }
  }
  return grid;
}

/** A line plot of series over x; null values are gaps. */
export function linePlot(target: HTMLElement, title: string, x: readonly number[], series: readonly { label: string; values: readonly (number | null)[]; colour: string }[], xLabel: string, width = 380, height = 150): uPlot {
  const opts: uPlot.Options = {
    title,
    width,
    height,
    scales: { x: { time: false } },
    axes: [{ label: xLabel, size: 36 }, { size: 72 }],
    series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: s.colour, width: 1.5, points: { show: x.length < 60 } }))],
    legend: { show: true },
  };
  return new uPlot(opts, [x as number[], ...series.map((s) => s.values as (number | null)[])] as uPlot.AlignedData, target);
}
