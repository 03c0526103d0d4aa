/**
 * One self-contained HTML file: the viewer's script and stylesheet (built
 * by scripts/build-view.mjs into dist/src/view/) inline, and the data as
 * gzip in base64, which the viewer inflates with the browser's own
 * DecompressionStream. No network, no external font or script: the file
 * opens from disk and can be attached to a mail.
 */

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { InputError } from '../util/errors.js';
import { writeOutputFile } from '../util/output-file.js';
import type { AnyViewData } from './data.js';

function asset(name: string): string {
  try {
    return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
  } catch {
    throw new InputError(`the viewer is not built (dist/src/view/${name} is missing): run npm run build`);
  }
}

/** Text safe inside a <script> or <style> element. */
function inline(text: string): string {
  return text.replace(/<\/(script|style)/gi, '<\\/$1');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function viewHtml(title: string, data: AnyViewData): string {
  // mtime 0 and a fixed level keep the file the same byte for byte for the same data.
  const packed = gzipSync(Buffer.from(JSON.stringify(data)), { level: 9 }).toString('base64');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:">
<title>${escapeHtml(title)}</title>
<style>${inline(asset('app.css'))}</style>
</head>
<body>
<div id="app">Loading…</div>
<script id="pagesim-data" type="application/octet-stream">${packed}</script>
<script>${inline(asset('app.js'))}</script>
</body>
</html>
`;
}

/** Writes the file; a path that cannot be written is bad input. */
export function writeViewHtml(file: string, title: string, data: AnyViewData): number {
  const html = viewHtml(title, data);
  writeOutputFile(file, 'the HTML file', html, true);
  return Buffer.byteLength(html);
}
