/** The layout page: one struct's byte grid under each variant, side by side. */

import type { LayoutViewData } from '../data.js';
import { byteGrid, el } from './common.js';

export function layoutPage(root: HTMLElement, data: LayoutViewData): void {
  root.append(el('header', {}, el('h1', { text: `struct ${data.struct}: ${data.layouts.map((l) => l.variant).join(' vs ')}` })));
  root.append(el('p', { class: 'note', text: 'Each row is one 8-byte word (dump_page\'s raw order); the bands under it are the fields over those bytes, fields that share bytes (unions) stacked. Hover a band for its type and offsets; fields present in one variant only are outlined.' }));
  const paths = data.layouts.map((l) => new Set(l.fields.map((f) => `${f.path}@${f.offset}`)));
  const grids = el('div', { class: 'grids' });
  data.layouts.forEach((l, i) => {
    const box = el('div', { class: 'gridbox', 'data-variant': l.variant }, el('h3', { text: `${l.variant}: ${l.size} bytes` }));
    const grid = byteGrid(l, null, []);
    // Fields at an offset no other variant has them at are the variant's change.
    grid.querySelectorAll<HTMLElement>('.bg-band').forEach((b) => {
      const f = l.fields.find((x) => x.path === b.dataset['field'])!;
      if (paths.some((p, j) => j !== i && !p.has(`${f.path}@${f.offset}`))) b.classList.add('bg-diff');
    });
    box.append(grid);
    grids.append(box);
  });
  root.append(grids);
}
