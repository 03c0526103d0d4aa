/**
 * The scenario page: step timeline (steps x variants), memmap map, struct
 * page byte grid, counter plots. One selected step and one selected pfn
 * drive everything; the state at a step is the state before the first step
 * with that run's deltas applied up to it.
 */

import type { ViewData, ViewRun, ViewWrite } from '../data.js';
import { applyDelta as apply, decodeBytes, decodeDump, rleDecode } from '../data.js';
import { byteGrid, el, hex, linePlot, STATE_COLOURS, VARIANT_COLOURS, type ByteMark } from './common.js';

/** A run's per-pfn state, bytes and dump ids at one step. */
class RunState {
  readonly states: Uint8Array;
  readonly bytes: Int32Array;
  readonly dumps: Int32Array;
  private readonly s0: Uint8Array;
  private readonly b0: Int32Array;
  private readonly d0: Int32Array;
  step = -1;

  constructor(
    readonly run: ViewRun,
    n: number,
  ) {
    this.s0 = new Uint8Array(n);
    this.b0 = new Int32Array(n);
    this.d0 = new Int32Array(n);
    rleDecode(run.states.initial, this.s0);
    rleDecode(run.bytes.initial, this.b0);
    rleDecode(run.dumps.initial, this.d0);
    this.states = this.s0.slice();
    this.bytes = this.b0.slice();
    this.dumps = this.d0.slice();
  }

  /** Brings the arrays to `step` (at most the last recorded one). */
  goTo(step: number): void {
    const s = Math.min(step, this.run.recordedSteps);
    if (s === this.step) return;
    let from = this.step;
    if (s < this.step || this.step < 0) {
      this.states.set(this.s0);
      this.bytes.set(this.b0);
      this.dumps.set(this.d0);
      from = 0;
    }
    for (let i = from; i < s; i++) {
      apply(this.states, this.run.states.deltas[i]);
      apply(this.bytes, this.run.bytes.deltas[i]);
      apply(this.dumps, this.run.dumps.deltas[i]);
    }
    this.step = s;
  }

  /** The struct page bytes of a pfn at the current step. */
  pageBytes(pfn: number): Uint8Array {
    return decodeBytes(this.run.bytes.table[this.bytes[pfn]!]!, pfn, this.run.layout.size);
  }

  dump(pfn: number): string {
    return decodeDump(this.run.dumps.table[this.dumps[pfn]!]!, pfn, this.run.layout.size);
  }
}

export function scenarioPage(root: HTMLElement, data: ViewData): void {
  const n = data.nrPages;
  const runs = data.runs.map((r) => new RunState(r, n));
  const maxStep = Math.max(...data.runs.map((r) => r.stepsRun));
  // Open on the first report (what a developer came to look at), else where the variants part.
  const firstReportStep = Math.min(...data.runs.flatMap((r) => r.steps.filter((s) => s.reports.length > 0).map((s) => s.index)));
  let step = Number.isFinite(firstReportStep) ? firstReportStep : data.divergence === null ? 0 : (data.divergence.step ?? maxStep);
  let pfn = data.focusPfn;
  let mapRun = Math.max(
    0,
    data.runs.findIndex((r) => r.steps.some((s) => s.reports.length > 0)),
  );
  let cell = n > 131072 ? 1 : n > 16384 ? 2 : 4;

  root.append(
    el('header', {}, el('h1', { text: `pagesim view: ${data.scenario}` }), el('p', { class: 'file', text: data.file }), el('p', { class: 'desc', text: data.description })),
  );
  const summary = el('div', { class: 'summary' });
  for (const [i, r] of data.runs.entries()) {
    summary.append(el('span', { class: `chip outcome-${r.outcome}`, style: `border-color:${VARIANT_COLOURS[i % VARIANT_COLOURS.length]}`, text: `${r.variant}: ${r.summary}${r.expected !== 'none' ? ` (expected: ${r.expected})` : ''}` }));
  }
  root.append(summary);
  if (data.divergence !== null) root.append(el('p', { class: 'divergence', id: 'divergence', text: `First divergence ${data.divergence.step === null ? 'after the last step' : `at step ${data.divergence.step}`}: ${data.divergence.why}` }));

  // ---- the timeline
  const timeline = el('table', { class: 'timeline', id: 'timeline', 'aria-label': 'steps by variant' });
  const head = el('tr', {}, el('th', { text: 'step' }));
  for (const r of data.runs) head.append(el('th', { text: r.variant }));
  timeline.append(el('thead', {}, head));
  const body = el('tbody');
  const rows: HTMLTableRowElement[] = [];
  const indexes = [0, ...new Set(data.runs.flatMap((r) => r.steps.map((s) => s.index)))].sort((a, b) => a - b);
  for (const index of indexes) {
    const tr = el('tr', { class: 'step', 'data-step': String(index), tabindex: '-1' });
    if (data.divergence?.step === index) tr.classList.add('diverge');
    tr.append(el('td', { class: 'idx', text: String(index) }));
    for (const r of data.runs) {
      const td = el('td');
      if (index === 0) td.textContent = '(before the first step)';
      else {
        const s = r.steps.find((x) => x.index === index);
        if (s === undefined) td.append(el('span', { class: 'none', text: index > r.stepsRun ? '(not run)' : '' }));
        else {
          td.append(el('code', { text: `${s.call}${s.result !== '' ? ` = ${s.result}` : ''}` }));
          for (const rep of s.reports) td.append(el('details', { class: `report report-${rep.kind}` }, el('summary', { text: rep.message }), el('pre', { text: rep.text })));
          if (s.expectFailure !== null) td.append(el('div', { class: 'fail', text: s.expectFailure }));
        }
      }
      tr.append(td);
    }
    tr.addEventListener('click', () => select(index));
    rows.push(tr);
    body.append(tr);
  }
  if (data.runs.some((r) => r.after.length > 0)) {
    const tr = el('tr', { class: 'after' }, el('td', { class: 'idx', text: 'end' }));
    for (const r of data.runs) tr.append(el('td', {}, ...r.after.map((rep) => el('details', { class: `report report-${rep.kind}` }, el('summary', { text: rep.message }), el('pre', { text: rep.text })))));
    body.append(tr);
  }
  timeline.append(body);

  // ---- the memmap map
  const mapSelect = el('select', { id: 'map-variant', 'aria-label': 'variant shown in the memmap map' });
  data.runs.forEach((r, i) => mapSelect.append(el('option', { value: String(i), text: r.variant })));
  mapSelect.value = String(mapRun);
  const zoomOut = el('button', { id: 'zoom-out', text: '−', 'aria-label': 'zoom out' });
  const zoomIn = el('button', { id: 'zoom-in', text: '+', 'aria-label': 'zoom in' });
  const canvas = el('canvas', { id: 'memmap', 'aria-label': 'memmap: one cell per pfn, coloured by state' });
  const mapWrap = el('div', { class: 'mapwrap' }, canvas);
  const hoverInfo = el('div', { id: 'hover-pfn', class: 'hoverinfo', text: 'hover a cell for its dump_page()' });
  const dumpPre = el('pre', { id: 'dump', class: 'dump' });
  const legend = el('div', { class: 'legend' });
  const counts = new Map<number, HTMLElement>();
  data.states.forEach((name, i) => {
    const c = el('span', { class: 'count' });
    counts.set(i, c);
    legend.append(el('span', { class: 'key' }, el('i', { style: `background:${STATE_COLOURS[i]}` }), `${name} `, c));
  });
  const mapPanel = el(
    'section',
    { class: 'panel', id: 'memmap-panel' },
    el('h2', { text: 'memmap' }),
    el('div', { class: 'controls' }, el('label', {}, 'variant ', mapSelect), zoomOut, zoomIn, el('span', { id: 'map-step', class: 'note' })),
    mapWrap,
    legend,
    hoverInfo,
    dumpPre,
  );

  // ---- struct page
  const structPanel = el('section', { class: 'panel', id: 'struct-panel' });

  // ---- plots
  const plots = el('section', { class: 'panel plots', id: 'plots' }, el('h2', { text: 'counters over steps' }));

  root.append(el('div', { class: 'layout' }, el('section', { class: 'panel tl' }, el('h2', { text: 'steps' }), el('p', { class: 'note', text: 'Click a step or use ↑/↓ (j/k), Home/End. The highlighted row is the first step where the variants differ.' }), timeline), el('div', { class: 'right' }, structPanel, mapPanel)), plots);

  const cols = (): number => Math.max(64, Math.min(512, Math.floor(Math.sqrt(n))));
  function drawMap(): void {
    const rs = runs[mapRun]!;
    rs.goTo(step);
    const c = cols();
    const rowsN = Math.ceil(n / c);
    canvas.width = c * cell;
    canvas.height = rowsN * cell;
    canvas.style.width = `${c * cell}px`;
    canvas.style.height = `${rowsN * cell}px`;
    const ctx = canvas.getContext('2d')!;
    const img = ctx.createImageData(c * cell, rowsN * cell);
    const rgb = STATE_COLOURS.map((h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]);
    const tally = new Array<number>(data.states.length).fill(0);
    const w = c * cell;
    for (let p = 0; p < n; p++) {
      const s = rs.states[p]!;
      tally[s]!++;
      const [r, g, b] = rgb[s]!;
      const x0 = (p % c) * cell;
      const y0 = Math.floor(p / c) * cell;
      for (let dy = 0; dy < cell; dy++) {
        let o = ((y0 + dy) * w + x0) * 4;
        for (let dx = 0; dx < cell; dx++) {
          img.data[o] = r!;
          img.data[o + 1] = g!;
          img.data[o + 2] = b!;
          img.data[o + 3] = 255;
          o += 4;
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    // The selected page framed.
    ctx.strokeStyle = '#000';
    ctx.lineWidth = Math.max(1, cell / 2);
    const m = Math.max(cell, 4);
    ctx.strokeRect((pfn % c) * cell - (m - cell) / 2 - 1, Math.floor(pfn / c) * cell - (m - cell) / 2 - 1, m + 2, m + 2);
    tally.forEach((t, i) => (counts.get(i)!.textContent = t > 0 ? `(${t})` : '(0)'));
    const rec = rs.run.recordedSteps;
    document.getElementById('map-step')!.textContent = `after step ${Math.min(step, rec)} of ${rs.run.variant}${step > rec ? ` (recorded up to step ${rec})` : ''}; ${c} pfns a row`;
  }

  function pfnAt(ev: MouseEvent): number | null {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor((ev.clientX - r.left) / cell);
    const y = Math.floor((ev.clientY - r.top) / cell);
    const p = y * cols() + x;
    return x >= 0 && x < cols() && p >= 0 && p < n ? p : null;
  }

  function showDump(p: number): void {
    const rs = runs[mapRun]!;
    rs.goTo(step);
    hoverInfo.textContent = `pfn ${hex(p)}: ${data.states[rs.states[p]!]} under ${rs.run.variant} after step ${Math.min(step, rs.run.recordedSteps)}`;
    dumpPre.textContent = rs.dump(p);
  }

  canvas.addEventListener('mousemove', (ev) => {
    const p = pfnAt(ev);
    if (p !== null) showDump(p);
  });
  canvas.addEventListener('click', (ev) => {
    const p = pfnAt(ev);
    if (p !== null) {
      pfn = p;
      render();
    }
  });
  mapSelect.addEventListener('change', () => {
    mapRun = Number(mapSelect.value);
    render();
  });
  zoomIn.addEventListener('click', () => {
    cell = Math.min(16, cell * 2);
    drawMap();
  });
  zoomOut.addEventListener('click', () => {
    cell = Math.max(1, cell / 2);
    drawMap();
  });

  function writesAt(r: ViewRun, p: number, s: number): ViewWrite[] {
    return r.writes.filter((w) => w.pfn === p && w.step === s);
  }

  function drawStruct(): void {
    structPanel.replaceChildren(el('h2', { text: `struct page of pfn ${hex(pfn)} after step ${step}` }));
    const pfnInput = el('input', { id: 'pfn-input', value: hex(pfn), size: '10', 'aria-label': 'pfn to show' });
    pfnInput.addEventListener('change', () => {
      const v = Number(pfnInput.value.trim());
      if (Number.isInteger(v) && v >= 0 && v < n) {
        pfn = v;
        render();
      }
    });
    structPanel.append(el('div', { class: 'controls' }, el('label', {}, 'pfn ', pfnInput), el('span', { class: 'note', text: 'or click a cell of the memmap' })));
    const grids = el('div', { class: 'grids' });
    for (const rs of runs) {
      rs.goTo(step);
      const r = rs.run;
      const now = rs.pageBytes(pfn);
      const marks: ByteMark[] = [];
      const ws = writesAt(r, pfn, step);
      const hot: string[] = [];
      const notes: HTMLElement[] = [];
      for (const w of ws) {
        marks.push({ start: w.start, end: w.end, cls: 'written', title: `${w.function} wrote bytes ${w.start}..${w.end - 1}: ${w.old} -> ${w.new}${w.meaning.length > 0 ? ` (${w.meaning.join('; ')})` : ''}` });
        hot.push(...w.fields);
        notes.push(
          el(
            'li',
            { class: 'write' },
            el('b', { text: w.function }),
            ` wrote bytes ${w.start}..${w.end - 1}: ${w.old} → ${w.new}`,
            w.meaning.length > 0 ? el('span', { class: 'meaning', text: ` (${w.meaning.join('; ')})` }) : '',
            el('div', { class: 'stack', text: w.stack.join(' ← ') }),
            el('div', { class: 'fields', text: `fields: ${w.fields.join(', ')}` }),
          ),
        );
      }
      if (!r.watched.includes(pfn) && step > 0 && step <= r.recordedSteps) {
        // Not watched: show which bytes changed in the step, without the writer.
        const before = new RunState(r, n);
        before.goTo(step - 1);
        const old = before.pageBytes(pfn);
        for (let b = 0; b < now.length; b++) if (old[b] !== now[b]) marks.push({ start: b, end: b + 1, cls: 'changed', title: `changed in step ${step} (was ${old[b]!.toString(16).padStart(2, '0')})` });
        if (marks.length > 0) notes.push(el('li', { class: 'note', text: `bytes changed in this step (this page was not watched: pagesim view ... --page ${hex(pfn)} names their writers)` }));
      }
      // The page's earlier writes, newest first: what led here, a click away.
      const earlier = r.writes.filter((w) => w.pfn === pfn && w.step < step && w.step > 0).slice(-4).reverse();
      const history = el('ul', { class: 'history' });
      for (const w of earlier) {
        const link = el('a', { href: '#', class: 'steplink', text: `step ${w.step}` });
        link.addEventListener('click', (ev) => {
          ev.preventDefault();
          select(w.step, true);
        });
        history.append(el('li', {}, link, ` ${w.function} wrote bytes ${w.start}..${w.end - 1}: ${w.new}`, w.meaning.length > 0 ? el('span', { class: 'meaning', text: ` (${w.meaning.join('; ')})` }) : ''));
      }
      const state = data.states[rs.states[pfn]!]!;
      grids.append(
        el(
          'div',
          { class: 'gridbox', 'data-variant': r.variant },
          el('h3', { text: `${r.variant} (${r.layout.size} bytes): ${state}` }),
          byteGrid(r.layout, now, marks, hot),
          el('ul', { class: 'writes' }, ...notes),
          earlier.length > 0 ? el('div', { class: 'note', text: 'earlier writes (newest first):' }) : '',
          history,
        ),
      );
    }
    structPanel.append(grids);
  }

  function drawPlots(): void {
    plots.querySelectorAll('.plot').forEach((p) => p.remove());
    const names = data.runs[0]!.counters.names;
    const x = Array.from({ length: maxStep + 1 }, (_, i) => i);
    const box = el('div', { class: 'plotgrid' });
    names.forEach((name, ci) => {
      const series = data.runs.map((r, i) => ({ label: r.variant, colour: VARIANT_COLOURS[i % VARIANT_COLOURS.length]!, values: x.map((s) => r.counters.values[ci]![s] ?? null) }));
      const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
      if (all.every((v) => v === all[0])) return; // a flat line says nothing
      const target = el('div', { class: 'plot', 'data-counter': name });
      box.append(target);
      linePlot(target, name, x, series, 'step');
    });
    if (box.childElementCount === 0) box.append(el('p', { class: 'note plot', text: 'No counter changed over the steps.' }));
    plots.append(box);
  }

  function render(): void {
    rows.forEach((r) => {
      const on = Number(r.dataset['step']) === step;
      r.classList.toggle('selected', on);
      r.setAttribute('aria-selected', String(on));
    });
    drawStruct();
    drawMap();
    showDump(pfn);
  }

  function select(s: number, focus = false): void {
    step = Math.max(0, Math.min(maxStep, s));
    render();
    const row = rows.find((r) => Number(r.dataset['step']) === step);
    if (row !== undefined) {
      if (focus) row.focus({ preventScroll: true });
      row.scrollIntoView({ block: 'nearest' });
    }
  }

  document.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
    const at = indexes.indexOf(step);
    let to: number | null = null;
    if (ev.key === 'ArrowDown' || ev.key === 'j') to = indexes[Math.min(indexes.length - 1, at + 1)]!;
    else if (ev.key === 'ArrowUp' || ev.key === 'k') to = indexes[Math.max(0, at - 1)]!;
    else if (ev.key === 'Home') to = 0;
    else if (ev.key === 'End') to = indexes[indexes.length - 1]!;
    if (to === null) return;
    ev.preventDefault();
    select(to, true);
  });

  drawPlots();
  select(step);
}
