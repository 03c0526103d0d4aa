/**
 * The viewer's entry: reads the data the HTML file carries (gzip, base64,
 * in a script element), and draws the page for its kind.
 */

import type { AnyViewData } from '../data.js';
import { scenarioPage } from './scenario.js';
import { layoutPage } from './layout.js';
import { replayPage } from './replay.js';

async function load(): Promise<AnyViewData> {
  const text = document.getElementById('pagesim-data')!.textContent!.trim();
  const bin = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const stream = new Blob([bin]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text()) as AnyViewData;
}

async function main(): Promise<void> {
  const root = document.getElementById('app')!;
  try {
    const data = await load();
    performance.mark('pagesim:data');
    root.replaceChildren();
    if (data.kind === 'scenario') scenarioPage(root, data);
    else if (data.kind === 'layout') layoutPage(root, data);
    else replayPage(root, data);
    performance.mark('pagesim:drawn');
    document.body.dataset['ready'] = 'true';
  } catch (e) {
    root.textContent = `This view could not be read: ${(e as Error).message}`;
    document.body.dataset['ready'] = 'error';
  }
}

void main();
