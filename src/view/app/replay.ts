/** The replay page: free memory per order and migratetype over trace time, model vs the real t1 snapshot, event rates. */

import type { ReplayViewData } from '../data.js';
import { el, linePlot, VARIANT_COLOURS } from './common.js';

export function replayPage(root: HTMLElement, data: ReplayViewData): void {
  root.append(el('header', {}, el('h1', { text: `pagesim replay: ${data.trace}` }), el('p', { class: 'file', text: `${data.events} events under ${data.variant}` })));
  root.append(el('pre', { class: 'summary-text', text: data.summary.join('\n') }));
  const colour = (i: number): string => VARIANT_COLOURS[i % VARIANT_COLOURS.length]!;
  const grid = el('div', { class: 'plotgrid' });
  root.append(el('section', { class: 'panel plots', id: 'plots' }, el('h2', { text: 'over the trace' }), grid));
  const add = (title: string, names: readonly string[], series: readonly (readonly number[])[]): void => {
    const t = el('div', { class: 'plot', 'data-counter': title });
    grid.append(t);
    linePlot(t, title, data.time, series.map((values, i) => ({ label: names[i]!, values, colour: colour(i) })), 'seconds', 560, 220);
  };
  add('free blocks per order', data.freeByOrder.map((_, o) => `order ${o}`), data.freeByOrder);
  add('free pages per migratetype', data.migratetypes, data.freeByType);
  add('events per second', data.eventTypes, data.eventRates);
  if (data.compare !== null) {
    const c = data.compare;
    const table = el('table', { class: 'compare', id: 'compare' }, el('thead', {}, el('tr', {}, el('th', { text: 'order' }), el('th', { text: 'model' }), el('th', { text: 'real t1' }), el('th', { text: 'difference' }))));
    const body = el('tbody');
    c.orders.forEach((o, i) => body.append(el('tr', {}, el('td', { text: String(o) }), el('td', { text: String(c.model[i]) }), el('td', { text: String(c.real[i]) }), el('td', { text: String(c.model[i]! - c.real[i]!) }))));
    table.append(body);
    root.append(el('section', { class: 'panel' }, el('h2', { text: 'free blocks per order at the end: model vs the real t1 snapshot' }), table));
  }
}
